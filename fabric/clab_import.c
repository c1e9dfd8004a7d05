/*
 * A fabric model from a containerlab topology.
 *
 * Roles: a roles map line that matches the node, else the node's name
 * (super-spine*, superspine*, ssN, spine*, leaf*, after an optional
 * "podN-" that gives the pod), else its kind: a plain linux node (no FRR)
 * is a host.  Capacities: the first capacities line that matches the
 * link, else the default.  Switches get their BGP address from mgmt-ipv4
 * and their AS and loopback from their frr.conf.
 *
 * Both side files are lines of white-space separated fields, '#' starts
 * a comment, names may be shell patterns (fnmatch(3)) and the first
 * matching line wins; a line that matches nothing is an error, as it is
 * most likely a typo.  docs/CONFIG.md has examples.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clab_import.h"
#include "compat.h"
#include "fab_config.h"

#define FIELDS_MAX	8

struct role_rule {
	char		 pattern[FAB_NAME_MAX];
	enum fab_role	 role;
	int32_t		 pod;		/* -1: from the name */
	int		 line;
	int		 used;
};

struct cap_rule {
	char		 node[2][FAB_NAME_MAX];	/* patterns */
	char		 ifname[2][FAB_IFNAME_MAX];	/* "": any */
	double		 bps;
	int		 line;
	int		 used;
};

struct imp {
	const struct clab_topo	*t;
	char			*err;
	size_t			 errlen;
	const char		*file;	/* the side file being read */
	struct fabric		*f;
	struct role_rule	*roles;
	int			 nroles;
	struct cap_rule		*caps;
	int			 ncaps;
};

typedef int (*line_cb)(struct imp *, char **, int, int);

static int	 imp_error(struct imp *, const char *, int, const char *, ...)
		    __attribute__((__format__ (printf, 4, 5)));

/* "FILE:LINE: ..." (or "FILE: ..." without a line). */
static int
imp_error(struct imp *im, const char *file, int line, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (line > 0)
		n = snprintf(im->err, im->errlen, "%s:%d: ", file, line);
	else
		n = snprintf(im->err, im->errlen, "%s: ", file);
	if (n >= 0 && (size_t)n < im->errlen) {
		va_start(ap, fmt);
		vsnprintf(im->err + n, im->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void *
grow(void *arr, int n, size_t size)
{
	if (n >= FAB_IMPORT_RULES_MAX)
		return NULL;
	if (n > 0 && (n & (n - 1)) != 0)	/* room up to the next 2^k */
		return arr;
	return reallocarray(arr, n == 0 ? 1 : 2 * n, size);
}

/*
 * The side files
 */

static int
split(char *s, char **fields)
{
	char	*p, *last;
	int	 n = 0;

	if ((p = strchr(s, '#')) != NULL)
		*p = '\0';
	for (p = strtok_r(s, " \t\r\n", &last); p != NULL;
	    p = strtok_r(NULL, " \t\r\n", &last)) {
		if (n == FIELDS_MAX)
			return -1;
		fields[n++] = p;
	}
	return n;
}

static int
side_file_read(struct imp *im, const char *path, line_cb cb)
{
	char	 buf[FAB_IMPORT_LINE_MAX], *fields[FIELDS_MAX];
	FILE	*fp;
	int	 line = 0, n, rc = 0;

	im->file = path;
	if ((fp = fopen(path, "r")) == NULL)
		return imp_error(im, path, 0, "cannot open: %s",
		    strerror(errno));
	while (rc == 0 && fgets(buf, sizeof(buf), fp) != NULL) {
		line++;
		if (strchr(buf, '\n') == NULL && !feof(fp))
			rc = imp_error(im, path, line, "line longer than %d "
			    "bytes", FAB_IMPORT_LINE_MAX - 2);
		else if ((n = split(buf, fields)) == -1)
			rc = imp_error(im, path, line, "more than %d fields",
			    FIELDS_MAX);
		else if (n > 0)
			rc = cb(im, fields, n, line);
	}
	if (rc == 0 && ferror(fp))
		rc = imp_error(im, path, 0, "cannot read: %s", strerror(errno));
	fclose(fp);
	return rc;
}

static int
pod_parse(const char *s, int32_t *pod)
{
	char	*end;
	long	 v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > INT32_MAX)
		return -1;
	*pod = (int32_t)v;
	return 0;
}

/* "NODE ROLE [POD]" */
static int
role_line(struct imp *im, char **fl, int n, int line)
{
	struct role_rule	*r;

	if (n < 2 || n > 3)
		return imp_error(im, im->file, line, "expected 'NODE ROLE "
		    "[POD]', got %d fields", n);
	if ((r = grow(im->roles, im->nroles, sizeof(*r))) == NULL)
		return imp_error(im, im->file, line, "too many lines (or out "
		    "of memory)");
	im->roles = r;
	r = &im->roles[im->nroles];
	memset(r, 0, sizeof(*r));
	if (strlcpy(r->pattern, fl[0], sizeof(r->pattern)) >=
	    sizeof(r->pattern))
		return imp_error(im, im->file, line, "node name too long");
	if (fab_role_parse(fl[1], &r->role) == -1)
		return imp_error(im, im->file, line, "unknown role '%s' (host, "
		    "leaf, spine or super-spine)", fl[1]);
	r->pod = -1;
	if (n == 3 && pod_parse(fl[2], &r->pod) == -1)
		return imp_error(im, im->file, line, "bad pod '%s': a number "
		    "from 0", fl[2]);
	if (n == 3 && r->role == ROLE_SUPERSPINE)
		return imp_error(im, im->file, line, "a super-spine is in no "
		    "pod");
	r->line = line;
	im->nroles++;
	return 0;
}

/* "400G", "400g", "1.6T", "100000000000": bit/s, K/M/G/T powers of 1000. */
static int
capacity_parse(const char *s, double *bps)
{
	char	buf[32];
	size_t	n = strlcpy(buf, s, sizeof(buf));

	if (n == 0 || n >= sizeof(buf))
		return -1;
	buf[n - 1] = toupper((unsigned char)buf[n - 1]);
	return fab_bandwidth_parse(buf, bps);
}

static int
endpoint_parse(const char *s, char *node, char *ifname)
{
	const char	*colon = strchr(s, ':');
	size_t		 n;

	n = colon != NULL ? (size_t)(colon - s) : strlen(s);

	if (n == 0 || n >= FAB_NAME_MAX)
		return -1;
	memcpy(node, s, n);
	node[n] = '\0';
	*ifname = '\0';
	if (colon != NULL && (colon[1] == '\0' ||
	    strlcpy(ifname, colon + 1, FAB_IFNAME_MAX) >= FAB_IFNAME_MAX))
		return -1;
	return 0;
}

/* "A[:IF] B[:IF] CAPACITY" */
static int
cap_line(struct imp *im, char **fl, int n, int line)
{
	struct cap_rule	*c;
	int		 i;

	if (n != 3)
		return imp_error(im, im->file, line, "expected 'NODE[:IF] "
		    "NODE[:IF] CAPACITY', got %d fields", n);
	if ((c = grow(im->caps, im->ncaps, sizeof(*c))) == NULL)
		return imp_error(im, im->file, line, "too many lines (or out "
		    "of memory)");
	im->caps = c;
	c = &im->caps[im->ncaps];
	memset(c, 0, sizeof(*c));
	for (i = 0; i < 2; i++)
		if (endpoint_parse(fl[i], c->node[i], c->ifname[i]) == -1)
			return imp_error(im, im->file, line, "bad endpoint "
			    "'%s': NODE or NODE:INTERFACE", fl[i]);
	if (capacity_parse(fl[2], &c->bps) == -1)
		return imp_error(im, im->file, line, "bad capacity '%s': bit/s "
		    "above 0, with an optional K, M, G or T suffix (400G)",
		    fl[2]);
	c->line = line;
	im->ncaps++;
	return 0;
}

/*
 * Roles and pods
 */

/* "pod3-leaf1": pod 3, and NAME moves past the prefix. */
static int32_t
name_pod(const char **name)
{
	const char	*s = *name;
	int32_t		 pod = 0;

	if (strncmp(s, "pod", 3) != 0 || !isdigit((unsigned char)s[3]))
		return -1;
	for (s += 3; isdigit((unsigned char)*s) && pod < 100000000; s++)
		pod = pod * 10 + (*s - '0');
	if (*s != '-' && *s != '_')
		return -1;
	*name = s + 1;
	return pod;
}

static int
name_role(const char *name, enum fab_role *role)
{
	if (strncmp(name, "super-spine", 11) == 0 ||
	    strncmp(name, "superspine", 10) == 0 ||
	    (strncmp(name, "ss", 2) == 0 && (name[2] == '\0' ||
	    name[2] == '-' || isdigit((unsigned char)name[2]))))
		*role = ROLE_SUPERSPINE;
	else if (strncmp(name, "spine", 5) == 0)
		*role = ROLE_SPINE;
	else if (strncmp(name, "leaf", 4) == 0)
		*role = ROLE_LEAF;
	else
		return -1;
	return 0;
}

static const struct role_rule *
role_lookup(struct imp *im, const char *name)
{
	int	i;

	for (i = 0; i < im->nroles; i++)
		if (fnmatch(im->roles[i].pattern, name, 0) == 0) {
			im->roles[i].used = 1;
			return &im->roles[i];
		}
	return NULL;
}

static int
classify(struct imp *im, const struct clab_node *cn, enum fab_role *role,
    int32_t *pod)
{
	const struct role_rule	*r = role_lookup(im, cn->name);
	const char		*base = cn->name;
	int32_t			 npod = name_pod(&base);

	if (r != NULL)
		*role = r->role;
	else if (name_role(base, role) == -1) {
		if (cn->kind == CLAB_KIND_FRR)
			return imp_error(im, im->t->path, cn->line, "cannot "
			    "tell the role of node '%s': name it leaf*, "
			    "spine*, super-spine* or ssN, or list it in a "
			    "roles map", cn->name);
		*role = ROLE_HOST;
	}
	if (*role == ROLE_SUPERSPINE)
		*pod = -1;
	else if (r != NULL && r->pod >= 0)
		*pod = r->pod;
	else if (npod >= 0)
		*pod = npod;
	else	/* two tiers: pod 0; a host: its leaf's, later */
		*pod = *role == ROLE_HOST ? -1 : 0;
	return 0;
}

/*
 * frr.conf: the AS ("router bgp N") and the loopback ("interface lo" then
 * "ip address A/L", else "bgp router-id A").  Best effort: what is not
 * found stays unknown.
 */
static void
frr_conf_line(struct fab_node *n, const char *s, int *in_lo)
{
	char	addr[FAB_ADDR_MAX];

	if (*s != ' ')
		*in_lo = strncmp(s, "interface lo", 12) == 0 &&
		    (s[12] == '\n' || s[12] == '\0' || s[12] == ' ');
	s += strspn(s, " ");
	if (sscanf(s, "router bgp %u", &n->asn) == 1)
		return;
	if (*in_lo && sscanf(s, "ip address %45[0-9.]/", addr) == 1)
		strlcpy(n->loopback, addr, sizeof(n->loopback));
	else if (n->loopback[0] == '\0' &&
	    sscanf(s, "bgp router-id %45[0-9.]", addr) == 1)
		strlcpy(n->loopback, addr, sizeof(n->loopback));
}

static int
frr_conf_read(struct imp *im, const char *path, struct fab_node *n)
{
	char	 buf[FAB_IMPORT_LINE_MAX];
	FILE	*fp;
	int	 in_lo = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return imp_error(im, path, 0, "cannot open: %s",
		    strerror(errno));
	while (fgets(buf, sizeof(buf), fp) != NULL)
		frr_conf_line(n, buf, &in_lo);
	fclose(fp);
	return 0;
}

static int
add_nodes(struct imp *im)
{
	const struct clab_node	*cn;
	struct fab_node		*n;
	enum fab_role		 role = ROLE_HOST;
	int32_t			 pod = -1;
	uint32_t		 idx;
	int			 i;

	for (i = 0; i < im->t->nnodes; i++) {
		cn = &im->t->nodes[i];
		if (classify(im, cn, &role, &pod) == -1)
			return -1;
		if ((idx = fab_node_add(im->f, cn->name, role, pod)) ==
		    FAB_NONE)
			return imp_error(im, im->t->path, cn->line, "node "
			    "'%s': %s", cn->name, strerror(errno));
		n = &im->f->nodes[idx];
		if (role != ROLE_HOST)
			strlcpy(n->bgp_addr, cn->mgmt_ipv4,
			    sizeof(n->bgp_addr));
		if (role != ROLE_HOST && cn->frr_conf != NULL &&
		    frr_conf_read(im, cn->frr_conf, n) == -1)
			return -1;
	}
	return 0;
}

/*
 * Links and capacities
 */

static int
ep_match(const struct cap_rule *c, int side, const struct clab_endpoint *e)
{
	return fnmatch(c->node[side], e->node, 0) == 0 &&
	    (c->ifname[side][0] == '\0' ||
	    fnmatch(c->ifname[side], e->ifname, 0) == 0);
}

static double
link_capacity(struct imp *im, const struct clab_link *l, double dflt)
{
	struct cap_rule	*c;
	int		 i;

	for (i = 0; i < im->ncaps; i++) {
		c = &im->caps[i];
		if ((ep_match(c, 0, &l->ep[0]) && ep_match(c, 1, &l->ep[1])) ||
		    (ep_match(c, 0, &l->ep[1]) && ep_match(c, 1, &l->ep[0]))) {
			c->used = 1;
			return c->bps;
		}
	}
	return dflt;
}

static int
add_link(struct imp *im, const struct clab_link *l, double dflt)
{
	struct fab_link	*fl;
	uint32_t	 a, b, li;
	double		 bps = link_capacity(im, l, dflt);
	int		 swap;

	if (bps <= 0)
		return imp_error(im, im->t->path, l->line, "link %s:%s -- "
		    "%s:%s has no capacity: no capacities line matches it "
		    "and there is no default", l->ep[0].node, l->ep[0].ifname,
		    l->ep[1].node, l->ep[1].ifname);
	a = fab_node_find(im->f, l->ep[0].node);
	b = fab_node_find(im->f, l->ep[1].node);
	if (a == FAB_NONE || b == FAB_NONE ||
	    (li = fab_link_add(im->f, a, b, bps, 1)) == FAB_NONE)
		return imp_error(im, im->t->path, l->line, "link %s -- %s: "
		    "%s", l->ep[0].node, l->ep[1].node, strerror(errno));
	fl = &im->f->links[li];
	swap = fl->a != a;
	strlcpy(fl->a_if, l->ep[swap].ifname, sizeof(fl->a_if));
	strlcpy(fl->b_if, l->ep[!swap].ifname, sizeof(fl->b_if));
	return 0;
}

/* A side-file line that matched nothing is most likely a typo. */
static int
unused_lines(struct imp *im, const char *roles_map, const char *capacities)
{
	int	i;

	for (i = 0; i < im->nroles; i++)
		if (!im->roles[i].used)
			return imp_error(im, roles_map, im->roles[i].line,
			    "'%s' matches no node of %s", im->roles[i].pattern,
			    im->t->path);
	for (i = 0; i < im->ncaps; i++)
		if (!im->caps[i].used)
			return imp_error(im, capacities, im->caps[i].line,
			    "matches no link of %s (or only links an earlier "
			    "line matched)", im->t->path);
	return 0;
}

static int
import(struct imp *im, const char *roles_map, const char *capacities,
    double dflt)
{
	char	msg[512];
	int	i;

	if ((roles_map != NULL &&
	    side_file_read(im, roles_map, role_line) == -1) ||
	    (capacities != NULL &&
	    side_file_read(im, capacities, cap_line) == -1))
		return -1;
	if ((im->f = fab_new()) == NULL)
		return imp_error(im, im->t->path, 0, "out of memory");
	if (add_nodes(im) == -1)
		return -1;
	for (i = 0; i < im->t->nlinks; i++)
		if (add_link(im, &im->t->links[i], dflt) == -1)
			return -1;
	if (unused_lines(im, roles_map, capacities) == -1)
		return -1;
	fab_hosts_inherit_pod(im->f);
	if (fab_check(im->f, msg, sizeof(msg)) == -1)
		return imp_error(im, im->t->path, 0, "%s", msg);
	return 0;
}

/*
 * The fabric of topology T; ROLES_MAP and CAPACITIES may be NULL, and
 * DEFAULT_CAPACITY 0 (then every link needs a capacities line).  On error
 * *OUT is untouched and ERR names the file and the line.
 */
int
fab_import_clab(const struct clab_topo *t, const char *roles_map,
    const char *capacities, double default_capacity, struct fabric **out,
    char *err, size_t errlen)
{
	struct imp	im = { .t = t, .err = err, .errlen = errlen };
	int		rc;

	rc = import(&im, roles_map, capacities, default_capacity);
	free(im.roles);
	free(im.caps);
	if (rc == -1) {
		fab_free(im.f);
		return -1;
	}
	*out = im.f;
	return 0;
}
