/*
 * The controller's configuration (see fab_config.h): lib/yconf.c reads
 * the file and has libyang parse and validate it against
 * yang/fabric.yang; this file builds the fabric model, the policy, the
 * endpoints and the BGP identity from the validated tree.
 *
 * All the rules live in the YANG module; this file only reads what
 * validation let through.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "compat.h"
#include "fab_config.h"
#include "yconf.h"

/* Set by fabric/subdir.am: $(pkgdatadir)/yang and $(abs_top_srcdir)/yang. */
#ifndef FAB_YANG_INSTDIR
#define FAB_YANG_INSTDIR	"/usr/local/share/fabric/yang"
#endif
#ifndef FAB_YANG_SRCDIR
#define FAB_YANG_SRCDIR		FAB_YANG_INSTDIR
#endif

struct cfg_load {
	struct yconf		 y;	/* the file, libyang's tree */
	struct fab_config	*cfg;
};

#define cfg_error(ld, ...)	yconf_error(&(ld)->y, __VA_ARGS__)

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

/* "400G": bit/s (ybandwidth_parse), for the containerlab importer too. */
int
fab_bandwidth_parse(const char *s, double *bps)
{
	return ybandwidth_parse(s, bps);
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
	const struct lyd_node	*top = ytop(ld->y.tree, "fabric"), *c;
	char			 msg[512];
	int			 nlinks = ycount(top, "link");

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
	int			 n = ycount(flowlet, "prefix");

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
	const struct lyd_node	*pol = ytop(ld->y.tree, "policy");
	const struct lyd_node	*fl = ychild(pol, "flowlet");
	const struct lyd_node	*lim = ychild(pol, "limits");
	struct fab_policy	*p = &ld->cfg->policy;

	p->mode = yenum(pol, "mode", mode_names, 3, FAB_MODE_ADAPTIVE);
	p->interval_ms = yu32(pol, "interval-ms", 500);
	p->telemetry_stale_ms = yu32(pol, "telemetry-stale-ms", 3000);
	p->link_up_holddown_ms = yu32(pol, "link-up-holddown-ms", 10000);
	p->probe_retest_ms = yu32(pol, "probe-retest-ms", 5000);
	p->probe_retest_max_ms = yu32(pol, "probe-retest-max-ms", 300000);
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
	if (yfile(&ld->y, n, "curve-public-key-file",
	    &e->curve_public_key_file) == -1 ||
	    yfile(&ld->y, n, "curve-secret-key-file",
	    &e->curve_secret_key_file) == -1 ||
	    yfile(&ld->y, n, "hmac-key-file", &e->hmac_key_file) == -1)
		return -1;
	return 0;
}

static int
build_endpoints(struct cfg_load *ld, const char *which,
    struct fab_endpoint **out, size_t *nout)
{
	const struct lyd_node	*top = ytop(ld->y.tree, which), *c;
	int			 n = ycount(top, "endpoint");

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

/*
 * The jobs (mode pinned)
 */

static int
build_flow(struct cfg_load *ld, const struct lyd_node *n, uint32_t job)
{
	struct fab_config	*cfg = ld->cfg;
	struct fab_flow		*fl = &cfg->flows[cfg->nflows];
	char			 pfx[FAB_ADDR_MAX + 8];
	const char		*addr = ystr(n, "dst-address");

	fl->job = job;
	fl->placed = FAB_NONE;
	fl->src = fab_node_find(cfg->fabric, ystr(n, "src"));
	fl->dst = fab_node_find(cfg->fabric, ystr(n, "dst"));
	if (fl->src == FAB_NONE || fl->dst == FAB_NONE)
		return cfg_error(ld, "job %s: a flow names an unknown host",
		    cfg->job_names[job]);
	snprintf(pfx, sizeof(pfx), "%s/%d", addr, strchr(addr, ':') != NULL ?
	    128 : 32);
	if (fab_prefix_parse(pfx, &fl->addr) == -1 ||
	    ybandwidth_parse(ystr(n, "rate"), &fl->rate) == -1)
		return cfg_error(ld, "job %s: flow to %s: bad address or rate",
		    cfg->job_names[job], addr);
	cfg->nflows++;
	return 0;
}

static int
build_jobs(struct cfg_load *ld)
{
	const struct lyd_node	*top = ytop(ld->y.tree, "jobs"), *j, *c;
	struct fab_config	*cfg = ld->cfg;
	int			 nj = ycount(top, "job"), nf = 0;

	if (nj == 0)
		return 0;
	LY_LIST_FOR(lyd_child(top), j)
		nf += ycount(j, "flow");
	if ((cfg->job_names = calloc(nj, FAB_NAME_MAX)) == NULL ||
	    (cfg->flows = calloc(nf + 1, sizeof(*cfg->flows))) == NULL)
		return cfg_error(ld, "out of memory");
	LY_LIST_FOR(lyd_child(top), j) {
		if (strcmp(LYD_NAME(j), "job") != 0)
			continue;
		strlcpy(cfg->job_names[cfg->njobs], ystr(j, "name"),
		    FAB_NAME_MAX);
		LY_LIST_FOR(lyd_child(j), c)
			if (strcmp(LYD_NAME(c), "flow") == 0 &&
			    build_flow(ld, c, (uint32_t)cfg->njobs) == -1)
				return -1;
		cfg->njobs++;
	}
	return 0;
}

static int
build_bgp(struct cfg_load *ld)
{
	const struct lyd_node	*n = ytop(ld->y.tree, "bgp");
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
	return yfile(&ld->y, n, "tcp-md5-key-file", &b->tcp_md5_key_file);
}

static int
build(struct cfg_load *ld)
{
	if ((ld->cfg = calloc(1, sizeof(*ld->cfg))) == NULL ||
	    (ld->cfg->path = strdup(ld->y.path)) == NULL)
		return cfg_error(ld, "out of memory");
	if (build_fabric(ld) == -1 || build_policy(ld) == -1 ||
	    build_endpoints(ld, "telemetry", &ld->cfg->telemetry,
	    &ld->cfg->ntelemetry) == -1 ||
	    build_endpoints(ld, "probe", &ld->cfg->probe,
	    &ld->cfg->nprobe) == -1 || build_bgp(ld) == -1 ||
	    build_jobs(ld) == -1)
		return -1;
	return 0;
}

/*
 * Loads PATH.  On success *OUT is a new configuration; on error *OUT is
 * untouched and ERR says what is wrong, where and why.
 */
int
fab_config_load(const char *path, struct fab_config **out, char *err,
    size_t errlen)
{
	struct cfg_load	 ld = { .y = { .path = path, .err = err,
			    .errlen = errlen, .module = FAB_YANG_MODULE,
			    .instdir = FAB_YANG_INSTDIR,
			    .srcdir = FAB_YANG_SRCDIR } };
	int		 rc;

	rc = yconf_parse(&ld.y) == -1 || build(&ld) == -1 ? -1 : 0;
	yconf_free(&ld.y);
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
	free(cfg->job_names);
	free(cfg->flows);
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
	json_knum(fp, &first, 4, "probe-retest-ms", p->probe_retest_ms);
	json_knum(fp, &first, 4, "probe-retest-max-ms",
	    p->probe_retest_max_ms);
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
dump_jobs(FILE *fp, const struct fab_config *cfg)
{
	char	addr[FAB_ADDR_MAX + 8], *slash;
	size_t	j, i;
	int	firstf;

	if (cfg->njobs == 0)
		return;
	fprintf(fp, "  \"fabric:jobs\": {\n    \"job\": [\n");
	for (j = 0; j < cfg->njobs; j++) {
		fprintf(fp, "      {\n        \"name\": ");
		json_str(fp, cfg->job_names[j]);
		fprintf(fp, ",\n        \"flow\": [");
		firstf = 1;
		for (i = 0; i < cfg->nflows; i++) {
			if (cfg->flows[i].job != j ||
			    fab_prefix_str(&cfg->flows[i].addr, addr,
			    sizeof(addr)) == -1)
				continue;
			if ((slash = strchr(addr, '/')) != NULL)
				*slash = '\0';
			fprintf(fp, "%s\n          {\"src\": ", firstf ? "" : ",");
			json_str(fp, cfg->fabric->nodes[cfg->flows[i].src].name);
			fprintf(fp, ", \"dst\": ");
			json_str(fp, cfg->fabric->nodes[cfg->flows[i].dst].name);
			fprintf(fp, ", \"dst-address\": \"%s\", \"rate\": "
			    "\"%.0f\"}", addr, cfg->flows[i].rate);
			firstf = 0;
		}
		fprintf(fp, "\n        ]\n      }%s\n", j + 1 < cfg->njobs ?
		    "," : "");
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
	dump_jobs(fp, cfg);
	dump_bgp(fp, &cfg->bgp);
	fprintf(fp, "}\n");
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}
