/*
 * The controller's configuration (see fab_config.h): read a file, let
 * libyang parse and validate it against yang/fabric.yang, then build the
 * fabric model, the policy, the endpoints and the BGP identity from the
 * validated tree.
 *
 * All the rules live in the YANG module; this file only reads what
 * validation let through.  Each load has its own libyang context, freed
 * before returning, so a failed load leaves nothing behind and a reload
 * sees a fresh copy of the module.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
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
#include "fab_config.h"

/* Set by fabric/subdir.am: $(pkgdatadir)/yang and $(abs_top_srcdir)/yang. */
#ifndef FAB_YANG_INSTDIR
#define FAB_YANG_INSTDIR	"/usr/local/share/fabric/yang"
#endif
#ifndef FAB_YANG_SRCDIR
#define FAB_YANG_SRCDIR		FAB_YANG_INSTDIR
#endif

struct cfg_load {
	const char		*path;
	char			*err;
	size_t			 errlen;
	char			*dir;	/* the file's, absolute */
	struct ly_ctx		*ctx;
	struct lyd_node		*tree;
	struct fab_config	*cfg;
};

static int	 cfg_error(struct cfg_load *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	 cfg_error_at(struct cfg_load *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

static const char *mode_names[] = { "static", "adaptive", "pinned" };
static const char *quant_names[] = { "frr", "buckets" };

const char *
fab_mode_str(enum fab_mode m)
{
	return (unsigned)m < 3 ? mode_names[m] : "?";
}

const char *
fab_quant_str(enum fab_quant q)
{
	return (unsigned)q < 2 ? quant_names[q] : "?";
}

/* "FILE: ..." or "FILE:LINE: ...": the file is named in every error. */
static int
vcfg_error(struct cfg_load *ld, int line, const char *fmt, va_list ap)
{
	int	n;

	if (line > 0)
		n = snprintf(ld->err, ld->errlen, "%s:%d: ", ld->path, line);
	else
		n = snprintf(ld->err, ld->errlen, "%s: ", ld->path);
	if (n >= 0 && (size_t)n < ld->errlen)
		vsnprintf(ld->err + n, ld->errlen - n, fmt, ap);
	return -1;
}

static int
cfg_error(struct cfg_load *ld, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vcfg_error(ld, 0, fmt, ap);
	va_end(ap);
	return -1;
}

static int
cfg_error_at(struct cfg_load *ld, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vcfg_error(ld, line, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * "400G", "1.6T", "400000000000": bit/s with an optional K, M, G or T
 * suffix (powers of 1000, as link speeds are).  The YANG pattern already
 * checked the form of what comes from a config file; this is also the
 * parser for the containerlab importer's side files.
 */
int
fab_bandwidth_parse(const char *s, double *bps)
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
read_file(struct cfg_load *ld, char **bufp)
{
	struct stat	 st;
	FILE		*fp;
	char		*buf;
	size_t		 n;

	if ((fp = fopen(ld->path, "r")) == NULL)
		return cfg_error(ld, "cannot open: %s", strerror(errno));
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return cfg_error(ld, "not a regular file");
	}
	if (st.st_size > FAB_CONFIG_FILE_MAX) {
		fclose(fp);
		return cfg_error(ld, "larger than %d bytes",
		    FAB_CONFIG_FILE_MAX);
	}
	if ((buf = malloc(st.st_size + 1)) == NULL) {
		fclose(fp);
		return cfg_error(ld, "out of memory");
	}
	n = fread(buf, 1, st.st_size, fp);
	if (ferror(fp)) {
		fclose(fp);
		free(buf);
		return cfg_error(ld, "cannot read: %s", strerror(errno));
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
yang_dir_find(struct cfg_load *ld, char *dir, size_t dirlen)
{
	const char	*env = getenv(FAB_YANG_ENV);
	const char	*cand[] = { FAB_YANG_INSTDIR, FAB_YANG_SRCDIR };
	char		 file[PATH_MAX];
	size_t		 i;

	if (env != NULL && *env != '\0') {
		snprintf(file, sizeof(file), "%s/%s.yang", env,
		    FAB_YANG_MODULE);
		if (access(file, R_OK) == -1)
			return cfg_error(ld, "cannot read the YANG module %s "
			    "(%s is set): %s", file, FAB_YANG_ENV,
			    strerror(errno));
		strlcpy(dir, env, dirlen);
		return 0;
	}
	for (i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		snprintf(file, sizeof(file), "%s/%s.yang", cand[i],
		    FAB_YANG_MODULE);
		if (access(file, R_OK) == 0) {
			strlcpy(dir, cand[i], dirlen);
			return 0;
		}
	}
	return cfg_error(ld, "cannot find the YANG module %s.yang in %s or %s"
	    " (set %s)", FAB_YANG_MODULE, FAB_YANG_INSTDIR, FAB_YANG_SRCDIR,
	    FAB_YANG_ENV);
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
 * people, so the message says how to write them.
 */
static int
ly_error(struct cfg_load *ld, const char *what)
{
	struct ly_err_item	*e;
	char			 msg[1024], path[1024];
	const char		*hint = "";
	int			 line;

	for (e = ly_err_first(ld->ctx); e != NULL; e = e->next)
		if (e->level == LY_LLERR && e->msg != NULL)
			break;
	if (e == NULL)
		return cfg_error(ld, "%s failed", what);
	strlcpy(msg, e->msg, sizeof(msg));
	squeeze_space(msg);
	if (strstr(msg, "non-string-encoded") != NULL ||
	    strstr(msg, "non-num64-encoded") != NULL)
		hint = " (JSON: write 64-bit numbers, decimals and bandwidths "
		    "as strings, e.g. \"400G\", \"0.3\")";
	ly_location(e->path, path, sizeof(path), &line);
	if (*path != '\0')
		return cfg_error_at(ld, line, "%s: %s%s", path, msg, hint);
	return cfg_error_at(ld, line, "%s%s", msg, hint);
}

static int
ctx_open(struct cfg_load *ld)
{
	char	dir[PATH_MAX], file[PATH_MAX + 32];

	if (yang_dir_find(ld, dir, sizeof(dir)) == -1)
		return -1;
	if (ly_ctx_new(dir, LY_CTX_NO_YANGLIBRARY |
	    LY_CTX_DISABLE_SEARCHDIR_CWD, &ld->ctx) != LY_SUCCESS)
		return cfg_error(ld, "cannot create a libyang context");
	snprintf(file, sizeof(file), "%s/%s.yang", dir, FAB_YANG_MODULE);
	if (lys_parse_path(ld->ctx, file, LYS_IN_YANG, NULL) != LY_SUCCESS)
		return ly_error(ld, file);
	return 0;
}

static int
parse(struct cfg_load *ld)
{
	LYD_FORMAT	 fmt;
	char		*buf = NULL;
	LY_ERR		 rc;

	if (read_file(ld, &buf) == -1)
		return -1;
	if ((fmt = sniff_format(ld->path, buf)) == LYD_UNKNOWN) {
		free(buf);
		return cfg_error(ld, "neither JSON ('{') nor XML ('<'): "
		    "name it .json or .xml");
	}
	if (ctx_open(ld) == -1) {
		free(buf);
		return -1;
	}
	rc = lyd_parse_data_mem(ld->ctx, buf, fmt, LYD_PARSE_STRICT |
	    LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE, &ld->tree);
	free(buf);
	if (rc != LY_SUCCESS)
		return ly_error(ld, "parsing");
	return 0;
}

/*
 * Reading the validated tree: defaults are filled in, types and rules
 * checked, so absent means optional and absent.
 */

static const struct lyd_node *
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

static const struct lyd_node *
ytop(const struct lyd_node *tree, const char *name)
{
	const struct lyd_node	*c;

	LY_LIST_FOR(tree, c)
		if (strcmp(LYD_NAME(c), name) == 0)
			return c;
	return NULL;
}

static const char *
ystr(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node	*c = ychild(parent, name);

	return c != NULL ? lyd_get_value(c) : NULL;
}

static uint32_t
yu32(const struct lyd_node *parent, const char *name, uint32_t dflt)
{
	const char	*s = ystr(parent, name);

	return s != NULL ? (uint32_t)strtoul(s, NULL, 10) : dflt;
}

static double
ydec(const struct lyd_node *parent, const char *name, double dflt)
{
	const char	*s = ystr(parent, name);

	return s != NULL ? strtod(s, NULL) : dflt;
}

/* The index of S in NAMES, or DFLT. */
static int
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

static int
ycopy(const struct lyd_node *parent, const char *name, char *dst,
    size_t len)
{
	const char	*s = ystr(parent, name);

	if (s == NULL)
		return 0;
	return strlcpy(dst, s, len) < len ? 0 : -1;
}

static int
count_children(const struct lyd_node *parent, const char *name)
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
static int
resolve(struct cfg_load *ld, const struct lyd_node *parent,
    const char *name, char **out)
{
	const char	*s = ystr(parent, name);

	*out = NULL;
	if (s == NULL)
		return 0;
	if (s[0] == '/')
		*out = strdup(s);
	else if (asprintf(out, "%s/%s", ld->dir, s) == -1)
		*out = NULL;
	return *out != NULL ? 0 : cfg_error(ld, "out of memory");
}

/*
 * The fabric
 */

static const char *state_names[] = { "up", "down", "drained" };

/* A leaf's prefixes: the destinations the controller steers to. */
static int
build_dests(struct cfg_load *ld, const struct lyd_node *n, uint32_t node)
{
	struct fab_config	*cfg = ld->cfg;
	const struct lyd_node	*c;
	struct fab_dest		*d;

	LY_LIST_FOR(lyd_child(n), c) {
		if (strcmp(LYD_NAME(c), "prefix") != 0)
			continue;
		d = reallocarray(cfg->dests, cfg->ndests + 1, sizeof(*d));
		if (d == NULL)
			return cfg_error(ld, "out of memory");
		cfg->dests = d;
		d = &cfg->dests[cfg->ndests];
		d->node = node;
		if (fab_prefix_parse(lyd_get_value(c), &d->pfx) == -1)
			return cfg_error(ld, "/fabric:fabric/node[name='%s']/"
			    "prefix: bad prefix %s", cfg->fabric->nodes[node].name,
			    lyd_get_value(c));
		cfg->ndests++;
	}
	return 0;
}

static int
build_node(struct cfg_load *ld, const struct lyd_node *n)
{
	struct fabric	*f = ld->cfg->fabric;
	struct fab_node	*fn;
	enum fab_role	 role;
	const char	*name = ystr(n, "name");
	uint32_t	 idx;
	int32_t		 pod;

	if (fab_role_parse(ystr(n, "role"), &role) == -1)
		return cfg_error(ld, "node %s: unknown role", name);
	pod = ystr(n, "pod") != NULL ? (int32_t)yu32(n, "pod", 0) : -1;
	if ((idx = fab_node_add(f, name, role, pod)) == FAB_NONE)
		return cfg_error(ld, "node %s: %s", name, strerror(errno));
	fn = &f->nodes[idx];
	fn->asn = yu32(n, "asn", 0);
	fn->gpus = role == ROLE_HOST ? yu32(n, "gpus", 0) : 0;
	if (ycopy(n, "loopback", fn->loopback, sizeof(fn->loopback)) == -1 ||
	    ycopy(n, "bgp-address", fn->bgp_addr, sizeof(fn->bgp_addr)) == -1)
		return cfg_error(ld, "node %s: address too long", name);
	fab_node_set_state(f, idx, yenum(n, "state", state_names, 3, FAB_UP));
	return build_dests(ld, n, idx);
}

/* fab_link_add() puts the lower tier at `a': the interfaces follow. */
static void
link_interfaces(struct fab_link *l, uint32_t a, const struct lyd_node *n)
{
	const char	*aif = ystr(n, "a-interface");
	const char	*bif = ystr(n, "b-interface");
	const char	*t;

	if (l->a != a) {
		t = aif;
		aif = bif;
		bif = t;
	}
	if (aif != NULL)
		strlcpy(l->a_if, aif, sizeof(l->a_if));
	if (bif != NULL)
		strlcpy(l->b_if, bif, sizeof(l->b_if));
}

static void
link_addresses(char addr[2][FAB_ADDR_MAX], int same, const struct lyd_node *n)
{
	const char	*aa = ystr(n, "a-address");
	const char	*ba = ystr(n, "b-address");

	if (aa != NULL)
		strlcpy(addr[same ? 0 : 1], aa, FAB_ADDR_MAX);
	if (ba != NULL)
		strlcpy(addr[same ? 1 : 0], ba, FAB_ADDR_MAX);
}

static int
build_link(struct cfg_load *ld, const struct lyd_node *n)
{
	struct fabric	*f = ld->cfg->fabric;
	const char	*name = ystr(n, "name");
	uint32_t	 a, b, li;
	double		 cap;

	a = fab_node_find(f, ystr(n, "a"));
	b = fab_node_find(f, ystr(n, "b"));
	if (a == FAB_NONE || b == FAB_NONE)
		return cfg_error(ld, "link %s: unknown node", name);
	if (fab_bandwidth_parse(ystr(n, "capacity"), &cap) == -1)
		return cfg_error(ld, "link %s: bad capacity", name);
	li = fab_link_add(f, a, b, cap, (uint16_t)yu32(n, "members", 1));
	if (li == FAB_NONE)
		return cfg_error(ld, "link %s: %s", name, strerror(errno));
	link_interfaces(&f->links[li], a, n);
	link_addresses(ld->cfg->link_addr[li], f->links[li].a == a, n);
	strlcpy(ld->cfg->link_names[li], name, FAB_NAME_MAX);
	if (ystr(n, "members-up") != NULL &&
	    fab_link_set_members_up(f, li, yu32(n, "members-up", 0)) == -1)
		return cfg_error(ld, "link %s: bad members-up", name);
	fab_link_set_state(f, li, yenum(n, "state", state_names, 3, FAB_UP));
	return 0;
}

/* A host with no pod of its own is in its leaf's. */
void
fab_hosts_inherit_pod(struct fabric *f)
{
	struct fab_node	*n;
	uint32_t	 i;

	for (i = 0; i < f->nnodes; i++) {
		n = &f->nodes[i];
		if (n->role == ROLE_HOST && n->pod < 0 && n->nadj > 0)
			n->pod = f->nodes[fab_link_other(f, n->adj[0], i)].pod;
	}
}

static int
build_fabric(struct cfg_load *ld)
{
	const struct lyd_node	*top = ytop(ld->tree, "fabric"), *c;
	char			 msg[512];
	int			 nlinks = count_children(top, "link");

	if ((ld->cfg->fabric = fab_new()) == NULL ||
	    (ld->cfg->link_names = calloc(nlinks + 1, FAB_NAME_MAX)) == NULL ||
	    (ld->cfg->link_addr = calloc(nlinks + 1,
	    sizeof(*ld->cfg->link_addr))) == NULL)
		return cfg_error(ld, "out of memory");
	if (top == NULL)
		return 0;
	LY_LIST_FOR(lyd_child(top), c)
		if (strcmp(LYD_NAME(c), "node") == 0 && build_node(ld, c) == -1)
			return -1;
	LY_LIST_FOR(lyd_child(top), c)
		if (strcmp(LYD_NAME(c), "link") == 0 && build_link(ld, c) == -1)
			return -1;
	fab_hosts_inherit_pod(ld->cfg->fabric);
	if (fab_check(ld->cfg->fabric, msg, sizeof(msg)) == -1)
		return cfg_error(ld, "/fabric:fabric: %s", msg);
	return 0;
}

/*
 * The policy
 */

int
fab_prefix_parse(const char *s, struct fab_prefix *p)
{
	char		 addr[FAB_ADDR_MAX], *end;
	const char	*slash = strchr(s, '/');
	unsigned long	 len;
	size_t		 i;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		return -1;
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	p->af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' ||
	    len > (p->af == AF_INET ? 32UL : 128UL))
		return -1;
	p->len = (uint8_t)len;
	memset(p->addr, 0, sizeof(p->addr));
	if (inet_pton(p->af, addr, p->addr) != 1)
		return -1;
	for (i = 0; i < sizeof(p->addr); i++) {	/* host bits off */
		if (i * 8 >= len)
			p->addr[i] = 0;
		else if (i * 8 + 8 > len)
			p->addr[i] &= (uint8_t)(0xff00 >> (len - i * 8));
	}
	return 0;
}

int
fab_prefix_eq(const struct fab_prefix *a, const struct fab_prefix *b)
{
	return a->af == b->af && a->len == b->len &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

int
fab_prefix_str(const struct fab_prefix *p, char *buf, size_t len)
{
	char	a[FAB_ADDR_MAX];

	if (inet_ntop(p->af, p->addr, a, sizeof(a)) == NULL)
		return -1;
	return snprintf(buf, len, "%s/%u", a, p->len) < (int)len ? 0 : -1;
}

static int
build_prefixes(struct cfg_load *ld, const struct lyd_node *flowlet)
{
	struct fab_policy	*p = &ld->cfg->policy;
	const struct lyd_node	*c;
	int			 n = count_children(flowlet, "prefix");

	if (n == 0)
		return 0;
	if ((p->flowlet_prefixes = calloc(n, sizeof(struct fab_prefix))) ==
	    NULL)
		return cfg_error(ld, "out of memory");
	LY_LIST_FOR(lyd_child(flowlet), c) {
		if (strcmp(LYD_NAME(c), "prefix") != 0)
			continue;
		if (fab_prefix_parse(lyd_get_value(c),
		    &p->flowlet_prefixes[p->nflowlet_prefixes]) == -1)
			return cfg_error(ld, "/fabric:policy/flowlet/prefix: "
			    "bad prefix %s", lyd_get_value(c));
		p->nflowlet_prefixes++;
	}
	return 0;
}

static int
build_policy(struct cfg_load *ld)
{
	const struct lyd_node	*pol = ytop(ld->tree, "policy");
	const struct lyd_node	*fl = ychild(pol, "flowlet");
	const struct lyd_node	*lim = ychild(pol, "limits");
	struct fab_policy	*p = &ld->cfg->policy;

	p->mode = yenum(pol, "mode", mode_names, 3, FAB_MODE_ADAPTIVE);
	p->interval_ms = yu32(pol, "interval-ms", 500);
	p->telemetry_stale_ms = yu32(pol, "telemetry-stale-ms", 3000);
	p->link_up_holddown_ms = yu32(pol, "link-up-holddown-ms", 10000);
	p->ewma_alpha = ydec(pol, "ewma-alpha", 0.3);
	p->min_change = ydec(pol, "min-change", 0.05);
	p->max_step = ydec(pol, "max-step", 0.25);
	p->hysteresis = ydec(pol, "hysteresis", 0.02);
	p->quantisation = yenum(pol, "quantisation", quant_names, 2,
	    FAB_QUANT_FRR);
	p->buckets = (uint16_t)yu32(pol, "buckets", 0);
	p->flowlet_idle_gap_us = yu32(fl, "idle-gap-us", 10000);
	p->max_moves_per_minute = yu32(lim, "max-moves-per-minute", 600);
	p->max_paths = (uint16_t)yu32(lim, "max-paths", 64);
	p->max_prefixes = yu32(lim, "max-prefixes", 100000);
	return build_prefixes(ld, fl);
}

/*
 * Endpoints and BGP
 */

static int
build_endpoint(struct cfg_load *ld, const struct lyd_node *n,
    struct fab_endpoint *e)
{
	ycopy(n, "name", e->name, sizeof(e->name));
	ycopy(n, "address", e->address, sizeof(e->address));
	if (resolve(ld, n, "curve-public-key-file",
	    &e->curve_public_key_file) == -1 ||
	    resolve(ld, n, "curve-secret-key-file",
	    &e->curve_secret_key_file) == -1 ||
	    resolve(ld, n, "hmac-key-file", &e->hmac_key_file) == -1)
		return -1;
	return 0;
}

static int
build_endpoints(struct cfg_load *ld, const char *which,
    struct fab_endpoint **out, size_t *nout)
{
	const struct lyd_node	*top = ytop(ld->tree, which), *c;
	int			 n = count_children(top, "endpoint");

	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return cfg_error(ld, "out of memory");
	LY_LIST_FOR(lyd_child(top), c) {
		if (strcmp(LYD_NAME(c), "endpoint") != 0)
			continue;
		/* counted before it is filled: a half-built one is freed */
		if (build_endpoint(ld, c, &(*out)[(*nout)++]) == -1)
			return -1;
	}
	return 0;
}

static int
build_bgp(struct cfg_load *ld)
{
	const struct lyd_node	*n = ytop(ld->tree, "bgp");
	struct fab_bgp_config	*b = &ld->cfg->bgp;
	struct in_addr		 id;

	b->local_as = yu32(n, "local-as", 0);
	ycopy(n, "router-id", b->router_id, sizeof(b->router_id));
	if (inet_pton(AF_INET, b->router_id, &id) != 1)
		return cfg_error(ld, "/fabric:bgp/router-id: not an IPv4 "
		    "dotted quad");
	b->router_id_h = ntohl(id.s_addr);
	ycopy(n, "listen-address", b->listen_address,
	    sizeof(b->listen_address));
	b->listen_port = (uint16_t)yu32(n, "listen-port", 179);
	b->hold_time = (uint16_t)yu32(n, "hold-time", 90);
	b->connect_retry = (uint16_t)yu32(n, "connect-retry", 5);
	b->graceful_restart_time = (uint16_t)yu32(n, "graceful-restart-time",
	    120);
	return resolve(ld, n, "tcp-md5-key-file", &b->tcp_md5_key_file);
}

static int
build(struct cfg_load *ld)
{
	if ((ld->cfg = calloc(1, sizeof(*ld->cfg))) == NULL ||
	    (ld->cfg->path = strdup(ld->path)) == NULL)
		return cfg_error(ld, "out of memory");
	if (build_fabric(ld) == -1 || build_policy(ld) == -1 ||
	    build_endpoints(ld, "telemetry", &ld->cfg->telemetry,
	    &ld->cfg->ntelemetry) == -1 ||
	    build_endpoints(ld, "probe", &ld->cfg->probe,
	    &ld->cfg->nprobe) == -1 || build_bgp(ld) == -1)
		return -1;
	return 0;
}

static int
config_dir(struct cfg_load *ld)
{
	char	*copy, *slash, real[PATH_MAX];

	if ((copy = strdup(ld->path)) == NULL)
		return cfg_error(ld, "out of memory");
	if ((slash = strrchr(copy, '/')) == NULL)
		strlcpy(copy, ".", strlen(copy) + 1);
	else
		slash[slash == copy ? 1 : 0] = '\0';
	if (realpath(copy, real) == NULL) {
		free(copy);
		return cfg_error(ld, "cannot resolve its directory: %s",
		    strerror(errno));
	}
	free(copy);
	if ((ld->dir = strdup(real)) == NULL)
		return cfg_error(ld, "out of memory");
	return 0;
}

/*
 * Loads PATH.  On success *OUT is a new configuration; on error *OUT is
 * untouched and ERR says what is wrong, where and why.  libyang logs
 * nothing itself meanwhile: its errors end up in ERR.  (The global
 * options, not ly_temp_log_options(): libyang 2.1's own validation resets
 * the temporary ones.)
 */
int
fab_config_load(const char *path, struct fab_config **out, char *err,
    size_t errlen)
{
	struct cfg_load	 ld = { .path = path, .err = err,
			    .errlen = errlen };
	uint32_t	 logopt;
	int		 rc;

	logopt = ly_log_options(LY_LOSTORE);
	rc = config_dir(&ld) == -1 || parse(&ld) == -1 || build(&ld) == -1 ?
	    -1 : 0;
	ly_log_options(logopt);
	lyd_free_all(ld.tree);
	ly_ctx_destroy(ld.ctx);
	free(ld.dir);
	if (rc == -1) {
		fab_config_free(ld.cfg);
		return -1;
	}
	*out = ld.cfg;
	return 0;
}

static void
endpoints_free(struct fab_endpoint *e, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(e[i].curve_public_key_file);
		free(e[i].curve_secret_key_file);
		free(e[i].hmac_key_file);
	}
	free(e);
}

void
fab_config_free(struct fab_config *cfg)
{
	if (cfg == NULL)
		return;
	fab_free(cfg->fabric);
	free(cfg->link_names);
	free(cfg->link_addr);
	free(cfg->dests);
	free(cfg->policy.flowlet_prefixes);
	endpoints_free(cfg->telemetry, cfg->ntelemetry);
	endpoints_free(cfg->probe, cfg->nprobe);
	free(cfg->bgp.tcp_md5_key_file);
	free(cfg->path);
	free(cfg);
}

/* The index of the link named NAME, or FAB_NONE. */
uint32_t
fab_config_link_find(const struct fab_config *cfg, const char *name)
{
	uint32_t	i;

	for (i = 0; i < cfg->fabric->nlinks; i++)
		if (strcmp(cfg->link_names[i], name) == 0)
			return i;
	return FAB_NONE;
}

/*
 * The address that node FROM forwards to over LINK: the other end's
 * address on the link, or its loopback; "" when neither is known.
 */
const char *
fab_config_nexthop(const struct fab_config *cfg, uint32_t link,
    uint32_t from)
{
	const struct fab_link	*l = &cfg->fabric->links[link];
	int			 end = l->a == from ? 1 : 0;

	if (cfg->link_addr != NULL && cfg->link_addr[link][end][0] != '\0')
		return cfg->link_addr[link][end];
	return cfg->fabric->nodes[end ? l->b : l->a].loopback;
}

/*
 * The configuration back as a JSON instance of the module: what a load
 * made of a file, defaults spelled out, key files resolved.  Loading the
 * output gives the same configuration.
 */

static void
json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

/* ",\n" before every member but the first of an object. */
static void
json_key(FILE *fp, int *first, int indent, const char *key)
{
	fprintf(fp, "%s%*s\"%s\": ", *first ? "" : ",\n", indent, "", key);
	*first = 0;
}

static void
json_kstr(FILE *fp, int *first, int indent, const char *key, const char *v)
{
	if (v == NULL || *v == '\0')
		return;
	json_key(fp, first, indent, key);
	json_str(fp, v);
}

static void
json_knum(FILE *fp, int *first, int indent, const char *key, uint32_t v)
{
	json_key(fp, first, indent, key);
	fprintf(fp, "%u", v);
}

/* decimal64 and the bandwidth type are JSON strings (RFC 7951). */
static void
json_kdec(FILE *fp, int *first, int indent, const char *key, double v)
{
	json_key(fp, first, indent, key);
	fprintf(fp, "\"%.3f\"", v);
}

static void
dump_dests(FILE *fp, const struct fab_config *cfg, uint32_t node)
{
	char	buf[FAB_ADDR_MAX + 4];
	size_t	i;
	int	n = 0;

	for (i = 0; i < cfg->ndests; i++) {
		if (cfg->dests[i].node != node ||
		    fab_prefix_str(&cfg->dests[i].pfx, buf, sizeof(buf)) == -1)
			continue;
		fprintf(fp, "%s\"%s\"", n++ == 0 ? ",\n        \"prefix\": [" :
		    ", ", buf);
	}
	if (n > 0)
		fprintf(fp, "]");
}

static void
dump_node(FILE *fp, const struct fab_config *cfg, uint32_t node)
{
	const struct fab_node	*n = &cfg->fabric->nodes[node];
	int			 first = 1;

	fprintf(fp, "      {\n");
	json_kstr(fp, &first, 8, "name", n->name);
	json_kstr(fp, &first, 8, "role", fab_role_str(n->role));
	if (n->pod >= 0 && n->role != ROLE_SUPERSPINE)
		json_knum(fp, &first, 8, "pod", (uint32_t)n->pod);
	if (n->asn != 0)
		json_knum(fp, &first, 8, "asn", n->asn);
	json_kstr(fp, &first, 8, "loopback", n->loopback);
	json_kstr(fp, &first, 8, "bgp-address", n->bgp_addr);
	if (n->role == ROLE_HOST)
		json_knum(fp, &first, 8, "gpus", n->gpus);
	dump_dests(fp, cfg, node);
	json_kstr(fp, &first, 8, "state", fab_state_str(n->state));
	fprintf(fp, "\n      }");
}

static void
dump_link(FILE *fp, const struct fab_config *cfg, uint32_t i)
{
	const struct fabric	*f = cfg->fabric;
	const struct fab_link	*l = &f->links[i];
	char			 cap[64];
	int			 first = 1;

	if (l->capacity == (double)(uint64_t)l->capacity)
		snprintf(cap, sizeof(cap), "%.0f", l->capacity);
	else
		snprintf(cap, sizeof(cap), "%.6f", l->capacity);
	fprintf(fp, "      {\n");
	json_kstr(fp, &first, 8, "name", cfg->link_names[i]);
	json_kstr(fp, &first, 8, "a", f->nodes[l->a].name);
	json_kstr(fp, &first, 8, "a-interface", l->a_if);
	json_kstr(fp, &first, 8, "b", f->nodes[l->b].name);
	json_kstr(fp, &first, 8, "b-interface", l->b_if);
	json_kstr(fp, &first, 8, "a-address", cfg->link_addr[i][0]);
	json_kstr(fp, &first, 8, "b-address", cfg->link_addr[i][1]);
	json_kstr(fp, &first, 8, "capacity", cap);
	json_knum(fp, &first, 8, "members", l->members);
	json_knum(fp, &first, 8, "members-up", l->members_up);
	json_kstr(fp, &first, 8, "state", fab_state_str(l->state));
	fprintf(fp, "\n      }");
}

static void
dump_fabric(FILE *fp, const struct fab_config *cfg)
{
	const struct fabric	*f = cfg->fabric;
	uint32_t		 i;

	if (f->nnodes == 0)
		return;		/* then there are no links either */
	fprintf(fp, "  \"fabric:fabric\": {\n    \"node\": [\n");
	for (i = 0; i < f->nnodes; i++) {
		dump_node(fp, cfg, i);
		fprintf(fp, "%s\n", i + 1 < f->nnodes ? "," : "");
	}
	fprintf(fp, "    ]%s\n", f->nlinks > 0 ? ",\n    \"link\": [" : "");
	for (i = 0; i < f->nlinks; i++) {
		dump_link(fp, cfg, i);
		fprintf(fp, "%s\n", i + 1 < f->nlinks ? "," : "");
	}
	fprintf(fp, "%s  },\n", f->nlinks > 0 ? "    ]\n" : "");
}

static void
dump_prefixes(FILE *fp, const struct fab_policy *p)
{
	const struct fab_prefix	*pf;
	char			 addr[FAB_ADDR_MAX];
	size_t			 i;

	fprintf(fp, ",\n      \"prefix\": [");
	for (i = 0; i < p->nflowlet_prefixes; i++) {
		pf = &p->flowlet_prefixes[i];
		inet_ntop(pf->af, pf->addr, addr, sizeof(addr));
		fprintf(fp, "%s\"%s/%u\"", i ? ", " : "", addr, pf->len);
	}
	fprintf(fp, "]");
}

static void
dump_policy(FILE *fp, const struct fab_policy *p)
{
	int	first = 1;

	fprintf(fp, "  \"fabric:policy\": {\n");
	json_kstr(fp, &first, 4, "mode", fab_mode_str(p->mode));
	json_knum(fp, &first, 4, "interval-ms", p->interval_ms);
	json_knum(fp, &first, 4, "telemetry-stale-ms", p->telemetry_stale_ms);
	json_knum(fp, &first, 4, "link-up-holddown-ms",
	    p->link_up_holddown_ms);
	json_kdec(fp, &first, 4, "ewma-alpha", p->ewma_alpha);
	json_kdec(fp, &first, 4, "min-change", p->min_change);
	json_kdec(fp, &first, 4, "max-step", p->max_step);
	json_kdec(fp, &first, 4, "hysteresis", p->hysteresis);
	json_kstr(fp, &first, 4, "quantisation",
	    fab_quant_str(p->quantisation));
	if (p->quantisation == FAB_QUANT_BUCKETS)
		json_knum(fp, &first, 4, "buckets", p->buckets);
	fprintf(fp, ",\n    \"flowlet\": {\n      \"idle-gap-us\": %u",
	    p->flowlet_idle_gap_us);
	if (p->nflowlet_prefixes > 0)
		dump_prefixes(fp, p);
	fprintf(fp, "\n    },\n    \"limits\": {\n"
	    "      \"max-moves-per-minute\": %u,\n"
	    "      \"max-paths\": %u,\n"
	    "      \"max-prefixes\": %u\n    }\n  },\n",
	    p->max_moves_per_minute, p->max_paths, p->max_prefixes);
}

static void
dump_endpoints(FILE *fp, const char *which, const struct fab_endpoint *e,
    size_t n)
{
	size_t	i;
	int	first;

	if (n == 0)
		return;
	fprintf(fp, "  \"fabric:%s\": {\n    \"endpoint\": [\n", which);
	for (i = 0; i < n; i++) {
		first = 1;
		fprintf(fp, "      {\n");
		json_kstr(fp, &first, 8, "name", e[i].name);
		json_kstr(fp, &first, 8, "address", e[i].address);
		json_kstr(fp, &first, 8, "curve-public-key-file",
		    e[i].curve_public_key_file);
		json_kstr(fp, &first, 8, "curve-secret-key-file",
		    e[i].curve_secret_key_file);
		json_kstr(fp, &first, 8, "hmac-key-file", e[i].hmac_key_file);
		fprintf(fp, "\n      }%s\n", i + 1 < n ? "," : "");
	}
	fprintf(fp, "    ]\n  },\n");
}

static void
dump_bgp(FILE *fp, const struct fab_bgp_config *b)
{
	int	first = 1;

	fprintf(fp, "  \"fabric:bgp\": {\n");
	json_knum(fp, &first, 4, "local-as", b->local_as);
	json_kstr(fp, &first, 4, "router-id", b->router_id);
	json_kstr(fp, &first, 4, "listen-address", b->listen_address);
	json_knum(fp, &first, 4, "listen-port", b->listen_port);
	json_knum(fp, &first, 4, "hold-time", b->hold_time);
	json_knum(fp, &first, 4, "connect-retry", b->connect_retry);
	json_knum(fp, &first, 4, "graceful-restart-time",
	    b->graceful_restart_time);
	json_kstr(fp, &first, 4, "tcp-md5-key-file", b->tcp_md5_key_file);
	fprintf(fp, "\n  }\n");
}

int
fab_config_dump_json(const struct fab_config *cfg, FILE *fp)
{
	fprintf(fp, "{\n");
	dump_fabric(fp, cfg);
	dump_policy(fp, &cfg->policy);
	dump_endpoints(fp, "telemetry", cfg->telemetry, cfg->ntelemetry);
	dump_endpoints(fp, "probe", cfg->probe, cfg->nprobe);
	dump_bgp(fp, &cfg->bgp);
	fprintf(fp, "}\n");
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}
