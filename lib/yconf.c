/*
 * Configuration files validated against a YANG module (yconf.h).  Each
 * load has its own libyang context, freed by yconf_free(), so a failed
 * load leaves nothing behind and a reload sees a fresh copy of the module.
 * All the rules live in the modules; what validation let through is read
 * with the y*() accessors.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "compat.h"
#include "yconf.h"

static int	 yconf_error_at(struct yconf *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

/* "FILE: ..." or "FILE:LINE: ...": the file is named in every error. */
static int
vyconf_error(struct yconf *y, int line, const char *fmt, va_list ap)
{
	int	n;

	if (line > 0)
		n = snprintf(y->err, y->errlen, "%s:%d: ", y->path, line);
	else
		n = snprintf(y->err, y->errlen, "%s: ", y->path);
	if (n >= 0 && (size_t)n < y->errlen)
		vsnprintf(y->err + n, y->errlen - n, fmt, ap);
	return -1;
}

int
yconf_error(struct yconf *y, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vyconf_error(y, 0, fmt, ap);
	va_end(ap);
	return -1;
}

static int
yconf_error_at(struct yconf *y, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vyconf_error(y, line, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * "FILE: PATH: MESSAGE" for a rule that C checks on a validated node
 * (a prefix with host bits set, ...): the same form as libyang's.
 */
int
yconf_node_error(struct yconf *y, const struct lyd_node *node,
    const char *fmt, ...)
{
	char	 msg[1024], *path;
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((path = lyd_path(node, LYD_PATH_STD, NULL, 0)) == NULL)
		return yconf_error(y, "%s", msg);
	yconf_error(y, "%s: %s", path, msg);
	free(path);
	return -1;
}

/*
 * "400G", "1.6T", "400000000000": bit/s with an optional K, M, G or T
 * suffix (powers of 1000, as link speeds are).  The YANG pattern already
 * checked the form of what comes from a config file; this is also the
 * parser for the containerlab importer's side files (fab_bandwidth_parse).
 */
int
ybandwidth_parse(const char *s, double *bps)
{
	static const char	 units[] = "KMGT";
	const char		*u, *end;
	double			 mult = 1;
	size_t			 n;

	if (s == NULL || (n = strspn(s, "0123456789")) == 0)
		return -1;
	end = s + n;
	if (*end == '.' && (n = strspn(end + 1, "0123456789")) > 0)
		end += 1 + n;
	if (*end != '\0') {
		if ((u = strchr(units, *end)) == NULL ||
		    end[1] != '\0')
			return -1;
		for (; u >= units; u--)
			mult *= 1000;
	}
	*bps = strtod(s, NULL) * mult;
	return *bps > 0 && *bps < 1e21 ? 0 : -1;
}

/*
 * Reading the file
 */

static int
read_file(struct yconf *y, char **bufp)
{
	struct stat	 st;
	FILE		*fp;
	char		*buf;
	size_t		 n;

	if ((fp = fopen(y->path, "r")) == NULL)
		return yconf_error(y, "cannot open: %s", strerror(errno));
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return yconf_error(y, "not a regular file");
	}
	if (st.st_size > YCONF_FILE_MAX) {
		fclose(fp);
		return yconf_error(y, "larger than %d bytes",
		    YCONF_FILE_MAX);
	}
	if ((buf = malloc(st.st_size + 1)) == NULL) {
		fclose(fp);
		return yconf_error(y, "out of memory");
	}
	n = fread(buf, 1, st.st_size, fp);
	if (ferror(fp)) {
		fclose(fp);
		free(buf);
		return yconf_error(y, "cannot read: %s", strerror(errno));
	}
	fclose(fp);
	buf[n] = '\0';
	*bufp = buf;
	return 0;
}

/* By the extension, else by the first character that is not white space. */
static LYD_FORMAT
sniff_format(const char *path, const char *buf)
{
	const char	*dot = strrchr(path, '.');

	if (dot != NULL && strcasecmp(dot, ".json") == 0)
		return LYD_JSON;
	if (dot != NULL && strcasecmp(dot, ".xml") == 0)
		return LYD_XML;
	if (strncmp(buf, "\xef\xbb\xbf", 3) == 0)	/* a UTF-8 BOM */
		buf += 3;
	buf += strspn(buf, " \t\r\n");
	if (*buf == '{')
		return LYD_JSON;
	if (*buf == '<')
		return LYD_XML;
	return LYD_UNKNOWN;
}

/*
 * The YANG module: $FABRIC_YANG_DIR alone when it is set (an explicit
 * choice must not fall back silently), else the installed copy, else the
 * source tree's (running uninstalled, the tests).
 */
static int
yang_dir_find(struct yconf *y, char *dir, size_t dirlen)
{
	const char	*env = getenv(YCONF_ENV);
	const char	*cand[] = { y->instdir, y->srcdir };
	char		 file[PATH_MAX];
	size_t		 i;

	if (env != NULL && *env != '\0') {
		snprintf(file, sizeof(file), "%s/%s.yang", env, y->module);
		if (access(file, R_OK) == -1)
			return yconf_error(y, "cannot read the YANG module %s "
			    "(%s is set): %s", file, YCONF_ENV,
			    strerror(errno));
		strlcpy(dir, env, dirlen);
		return 0;
	}
	for (i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		snprintf(file, sizeof(file), "%s/%s.yang", cand[i],
		    y->module);
		if (access(file, R_OK) == 0) {
			strlcpy(dir, cand[i], dirlen);
			return 0;
		}
	}
	return yconf_error(y, "cannot find the YANG module %s.yang in %s or %s"
	    " (set %s)", y->module, y->instdir, y->srcdir, YCONF_ENV);
}

/*
 * libyang's errors
 */

/* White space runs (the module's folded error-messages) become one space. */
static void
squeeze_space(char *s)
{
	char	*d = s, *start = s;
	int	 sp = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			sp = d != start;
			continue;
		}
		if (sp)
			*d++ = ' ';
		sp = 0;
		*d++ = *s;
	}
	*d = '\0';
}

/*
 * libyang 2.1 gives the location as text: 'Data location "PATH", line
 * number N.', 'Schema location "PATH".' or 'Line number N.'.  Takes the
 * path and the line apart; either may be missing.
 */
static void
ly_location(const char *loc, char *path, size_t pathlen, int *line)
{
	const char	*p, *q;

	*path = '\0';
	*line = 0;
	if (loc == NULL)
		return;
	if ((p = strstr(loc, "location \"")) != NULL &&
	    (q = strchr(p + 10, '"')) != NULL &&
	    (size_t)(q - (p + 10)) < pathlen) {
		memcpy(path, p + 10, q - (p + 10));
		path[q - (p + 10)] = '\0';
	}
	if ((p = strstr(loc, "ine number ")) != NULL)
		*line = atoi(p + 11);
}

/*
 * The first error libyang stored: "FILE[:LINE]: PATH: MESSAGE".  RFC 7951
 * wants 64-bit numbers and decimals as JSON strings; that surprises
 * people, so the message says how to write them.  Data of another module
 * (the controller's file given to the agent) is named as such.
 */
static int
ly_error(struct yconf *y, const char *what)
{
	struct ly_err_item	*e;
	char			 msg[1024], path[1024], hint[128] = "";
	int			 line;

	for (e = ly_err_first(y->ctx); e != NULL; e = e->next)
		if (e->level == LY_LLERR && e->msg != NULL)
			break;
	if (e == NULL)
		return yconf_error(y, "%s failed", what);
	strlcpy(msg, e->msg, sizeof(msg));
	squeeze_space(msg);
	if (strstr(msg, "non-string-encoded") != NULL ||
	    strstr(msg, "non-num64-encoded") != NULL)
		strlcpy(hint, " (JSON: write 64-bit numbers, decimals and "
		    "bandwidths as strings, e.g. \"400G\", \"0.3\")",
		    sizeof(hint));
	if (strstr(msg, "No module named") != NULL)
		snprintf(hint, sizeof(hint), " (want the data of module "
		    "\"%s\")", y->module);
	ly_location(e->path, path, sizeof(path), &line);
	if (*path != '\0')
		return yconf_error_at(y, line, "%s: %s%s", path, msg, hint);
	return yconf_error_at(y, line, "%s%s", msg, hint);
}

static int
ctx_open(struct yconf *y)
{
	char	dir[PATH_MAX], file[PATH_MAX + 32];

	if (yang_dir_find(y, dir, sizeof(dir)) == -1)
		return -1;
	if (ly_ctx_new(dir, LY_CTX_NO_YANGLIBRARY |
	    LY_CTX_DISABLE_SEARCHDIR_CWD, &y->ctx) != LY_SUCCESS)
		return yconf_error(y, "cannot create a libyang context");
	snprintf(file, sizeof(file), "%s/%s.yang", dir, y->module);
	if (lys_parse_path(y->ctx, file, LYS_IN_YANG, NULL) != LY_SUCCESS)
		return ly_error(y, file);
	return 0;
}

static int
parse(struct yconf *y)
{
	LYD_FORMAT	 fmt;
	char		*buf = NULL;
	LY_ERR		 rc;

	if (read_file(y, &buf) == -1)
		return -1;
	if ((fmt = sniff_format(y->path, buf)) == LYD_UNKNOWN) {
		free(buf);
		return yconf_error(y, "neither JSON ('{') nor XML ('<'): "
		    "name it .json or .xml");
	}
	if (ctx_open(y) == -1) {
		free(buf);
		return -1;
	}
	rc = lyd_parse_data_mem(y->ctx, buf, fmt, LYD_PARSE_STRICT |
	    LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE, &y->tree);
	free(buf);
	if (rc != LY_SUCCESS)
		return ly_error(y, "parsing");
	return 0;
}

static int
config_dir(struct yconf *y)
{
	char	*copy, *slash, real[PATH_MAX];

	if ((copy = strdup(y->path)) == NULL)
		return yconf_error(y, "out of memory");
	if ((slash = strrchr(copy, '/')) == NULL)
		strlcpy(copy, ".", strlen(copy) + 1);
	else
		slash[slash == copy ? 1 : 0] = '\0';
	if (realpath(copy, real) == NULL) {
		free(copy);
		return yconf_error(y, "cannot resolve its directory: %s",
		    strerror(errno));
	}
	free(copy);
	if ((y->dir = strdup(real)) == NULL)
		return yconf_error(y, "out of memory");
	return 0;
}

/*
 * Reads, parses and validates y->path against y->module; on error y->err
 * says what is wrong, where and why, and yconf_free() is still due.
 * libyang logs nothing itself meanwhile: its errors end up in y->err.
 * (The global options, not ly_temp_log_options(): libyang 2.1's own
 * validation resets the temporary ones.)
 */
int
yconf_parse(struct yconf *y)
{
	uint32_t	 logopt;
	int		 rc;

	if (config_dir(y) == -1)
		return -1;
	logopt = ly_log_options(LY_LOSTORE);
	rc = parse(y);
	ly_log_options(logopt);
	return rc;
}

void
yconf_free(struct yconf *y)
{
	lyd_free_all(y->tree);
	ly_ctx_destroy(y->ctx);
	free(y->dir);
	y->tree = NULL;
	y->ctx = NULL;
	y->dir = NULL;
}

/*
 * Reading the validated tree: defaults are filled in, types and rules
 * checked, so absent means optional and absent.
 */const struct lyd_node *
ychild(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node	*c;

	if (parent == NULL)
		return NULL;
	LY_LIST_FOR(lyd_child(parent), c)
		if (strcmp(LYD_NAME(c), name) == 0)
			return c;
	return NULL;
}

const struct lyd_node *
ytop(const struct lyd_node *tree, const char *name)
{
	const struct lyd_node	*c;

	LY_LIST_FOR(tree, c)
		if (strcmp(LYD_NAME(c), name) == 0)
			return c;
	return NULL;
}

const char *
ystr(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node	*c = ychild(parent, name);

	return c != NULL ? lyd_get_value(c) : NULL;
}

uint32_t
yu32(const struct lyd_node *parent, const char *name, uint32_t dflt)
{
	const char	*s = ystr(parent, name);

	return s != NULL ? (uint32_t)strtoul(s, NULL, 10) : dflt;
}

uint64_t
yu64(const struct lyd_node *parent, const char *name, uint64_t dflt)
{
	const char	*s = ystr(parent, name);

	return s != NULL ? strtoull(s, NULL, 10) : dflt;
}

double
ydec(const struct lyd_node *parent, const char *name, double dflt)
{
	const char	*s = ystr(parent, name);

	return s != NULL ? strtod(s, NULL) : dflt;
}

/* The index of S in NAMES, or DFLT. */
int
yenum(const struct lyd_node *parent, const char *name, const char **names,
    int n, int dflt)
{
	const char	*s = ystr(parent, name);
	int		 i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return dflt;
}

int
ycopy(const struct lyd_node *parent, const char *name, char *dst,
    size_t len)
{
	const char	*s = ystr(parent, name);

	if (s == NULL)
		return 0;
	return strlcpy(dst, s, len) < len ? 0 : -1;
}

int
ycount(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node	*c;
	int			 n = 0;

	if (parent == NULL)
		return 0;
	LY_LIST_FOR(lyd_child(parent), c)
		if (strcmp(LYD_NAME(c), name) == 0)
			n++;
	return n;
}

/* A file named in the config: relative to the config's directory. */
int
yfile(struct yconf *y, const struct lyd_node *parent,
    const char *name, char **out)
{
	const char	*s = ystr(parent, name);

	*out = NULL;
	if (s == NULL)
		return 0;
	if (s[0] == '/')
		*out = strdup(s);
	else if (asprintf(out, "%s/%s", y->dir, s) == -1)
		*out = NULL;
	return *out != NULL ? 0 : yconf_error(y, "out of memory");
}
