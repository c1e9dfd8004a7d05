/*
 * Simulator scenarios (docs/SIMULATOR.md), read with libyaml's document
 * loader so that every value keeps its line for error messages, as
 * clab.c does.  Every problem found is reported as FILE:LINE, not only
 * the first; the first is also copied to the caller's buffer.  Unknown
 * keys are errors: a typo must not silently become a default.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "compat.h"
#include "log.h"
#include "sim.h"

#define HOSTS_MAX	(1U << 20)
#define CLOS_NODES_MAX	200000

struct pctx {
	const char		*path;
	yaml_document_t		 doc;
	struct sim_scenario	*sc;
	int			 nerrors;
	char			*err;
	size_t			 errlen;
};

static void	 perr(struct pctx *, const yaml_node_t *, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

static int
line_of(const yaml_node_t *n)
{
	return n != NULL ? (int)n->start_mark.line + 1 : 0;
}

static void
perr(struct pctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL)
		log_warnx("%s:%d: error: %s", c->path, line_of(n), msg);
	else
		log_warnx("%s: error: %s", c->path, msg);
	if (c->nerrors++ == 0 && c->err != NULL) {
		if (n != NULL)
			snprintf(c->err, c->errlen, "%s:%d: %s", c->path,
			    line_of(n), msg);
		else
			snprintf(c->err, c->errlen, "%s: %s", c->path, msg);
	}
}

static yaml_node_t *
ynode(struct pctx *c, int idx)
{
	return yaml_document_get_node(&c->doc, idx);
}

static const char *
yscalar(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static yaml_node_t *
map_get(struct pctx *c, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*p;
	const char		*k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++)
		if ((k = yscalar(ynode(c, p->key))) != NULL &&
		    strcmp(k, key) == 0)
			return ynode(c, p->value);
	return NULL;
}

/* Every key of map must be one of keys[] (NULL-terminated). */
static int
check_keys(struct pctx *c, yaml_node_t *map, const char *what,
    const char *const *keys)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*kn;
	const char		*k;
	int			 i, bad = 0;

	if (map == NULL || map->type != YAML_MAPPING_NODE) {
		perr(c, map, "%s must be a mapping", what);
		return -1;
	}
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		kn = ynode(c, p->key);
		if ((k = yscalar(kn)) == NULL) {
			perr(c, kn, "%s: keys must be strings", what);
			bad = 1;
			continue;
		}
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL) {
			perr(c, kn, "%s: unknown key '%s'", what, k);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* ---- values with units ---------------------------------------------- */

struct unit {
	const char	*sfx;
	double		 mult;
};

static int
parse_unit(const char *s, const struct unit *u, double *out)
{
	char	*end;
	double	 v;
	int	 i;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	for (i = 0; u[i].sfx != NULL; i++)
		if (strcmp(end, u[i].sfx) == 0) {
			*out = v * u[i].mult;
			return isfinite(*out) ? 0 : -1;
		}
	return -1;
}

/* A size in bytes ("64MB", "1GiB", "4096"), returned in bits. */
int
sim_parse_bits(const char *s, double *bits)
{
	static const struct unit u[] = {
		{ "", 8 }, { "B", 8 }, { "KB", 8e3 }, { "MB", 8e6 },
		{ "GB", 8e9 }, { "TB", 8e12 }, { "KiB", 8.0 * 1024 },
		{ "MiB", 8.0 * 1048576 }, { "GiB", 8.0 * 1073741824 },
		{ "TiB", 8.0 * 1099511627776.0 }, { NULL, 0 }
	};

	return parse_unit(s, u, bits);
}

/* A rate in bit/s: "400G", "400Gbps", "100Mb/s", "1e9". */
int
sim_parse_rate(const char *s, double *bps)
{
	static const struct unit u[] = {
		{ "", 1 }, { "bps", 1 }, { "K", 1e3 }, { "Kbps", 1e3 },
		{ "M", 1e6 }, { "Mbps", 1e6 }, { "Mb/s", 1e6 }, { "G", 1e9 },
		{ "Gbps", 1e9 }, { "Gb/s", 1e9 }, { "T", 1e12 },
		{ "Tbps", 1e12 }, { "Tb/s", 1e12 }, { NULL, 0 }
	};

	return parse_unit(s, u, bps);
}

/* A time in seconds: "10ms", "5us", "1.5s", "0". */
int
sim_parse_time(const char *s, double *sec)
{
	static const struct unit u[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 },
		{ "ns", 1e-9 }, { NULL, 0 }
	};

	return parse_unit(s, u, sec);
}

static int
get_val(struct pctx *c, yaml_node_t *map, const char *key, int (*fn)(
    const char *, double *), const char *expect, double *out)
{
	yaml_node_t	*v = map_get(c, map, key);

	if (v == NULL)
		return 0;
	if (yscalar(v) == NULL || fn(yscalar(v), out) == -1) {
		perr(c, v, "'%s': expected %s", key, expect);
		return -1;
	}
	return 1;
}

static int
num_plain(const char *s, double *out)
{
	char	*end;

	errno = 0;
	*out = strtod(s, &end);
	return end == s || *end != '\0' || errno != 0 || !isfinite(*out) ?
	    -1 : 0;
}

static int
get_num(struct pctx *c, yaml_node_t *map, const char *key, double lo,
    double hi, double *out)
{
	yaml_node_t	*v = map_get(c, map, key);
	double		 d;

	if (v == NULL)
		return 0;
	if (yscalar(v) == NULL || num_plain(yscalar(v), &d) == -1 ||
	    d < lo || d > hi) {
		perr(c, v, "'%s': expected a number from %g to %g", key, lo,
		    hi);
		return -1;
	}
	*out = d;
	return 1;
}

static int
get_u32(struct pctx *c, yaml_node_t *map, const char *key, uint32_t lo,
    uint32_t hi, uint32_t *out)
{
	yaml_node_t	*v = map_get(c, map, key);
	char		*end;
	unsigned long	 u;
	const char	*s;

	if (v == NULL)
		return 0;
	s = yscalar(v);
	errno = 0;
	if (s == NULL || *s == '-' || (u = strtoul(s, &end, 10), *end != '\0')
	    || end == s || errno != 0 || u < lo || u > hi) {
		perr(c, v, "'%s': expected a whole number from %u to %u", key,
		    lo, hi);
		return -1;
	}
	*out = (uint32_t)u;
	return 1;
}

static int
get_bits(struct pctx *c, yaml_node_t *map, const char *key, double *out)
{
	return get_val(c, map, key, sim_parse_bits,
	    "a size in bytes such as 64MB, 1GiB or 4096", out);
}

static int
get_rate(struct pctx *c, yaml_node_t *map, const char *key, double *out)
{
	return get_val(c, map, key, sim_parse_rate,
	    "a rate in bit/s such as 400G, 100Mbps or 1e9", out);
}

static int
get_time(struct pctx *c, yaml_node_t *map, const char *key, double *out)
{
	return get_val(c, map, key, sim_parse_time,
	    "a time such as 10ms, 5us, 1.5s or 0", out);
}

/* ---- the fabric --------------------------------------------------------- */

static int
clos_rate(struct pctx *c, yaml_node_t *m, const char *key, double *out)
{
	*out = 400e9;
	if (get_rate(c, m, key, out) == -1)
		return -1;
	if (*out <= 0) {
		perr(c, map_get(c, m, key), "'%s' must be above 0", key);
		return -1;
	}
	return 0;
}

static void
parse_clos(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "pods", "leaves", "spines",
	    "superspines", "hosts_per_leaf", "gpus_per_host", "host_link",
	    "leaf_link", "spine_link", NULL };
	struct fab_clos_spec	 s = { .leaves_per_pod = 4,
				    .spines_per_pod = 2, .hosts_per_leaf = 1,
				    .gpus_per_host = 1 };
	double			 nodes;

	if (check_keys(c, m, "fabric.clos", keys) == -1)
		return;
	if (get_u32(c, m, "pods", 0, 4096, &s.pods) == -1 ||
	    get_u32(c, m, "leaves", 1, 65536, &s.leaves_per_pod) == -1 ||
	    get_u32(c, m, "spines", 1, 1024, &s.spines_per_pod) == -1 ||
	    get_u32(c, m, "superspines", 0, 65536, &s.superspines) == -1 ||
	    get_u32(c, m, "hosts_per_leaf", 1, 4096, &s.hosts_per_leaf) ==
	    -1 || get_u32(c, m, "gpus_per_host", 1, 64, &s.gpus_per_host) ==
	    -1 || clos_rate(c, m, "host_link", &s.host_link) == -1 ||
	    clos_rate(c, m, "leaf_link", &s.leaf_link) == -1 ||
	    clos_rate(c, m, "spine_link", &s.spine_link) == -1)
		return;
	if ((s.pods > 0) != (s.superspines > 0)) {
		perr(c, m, "three tiers need both 'pods' and 'superspines'; "
		    "two tiers neither");
		return;
	}
	nodes = (double)(s.pods ? s.pods : 1) * (s.leaves_per_pod *
	    (1.0 + s.hosts_per_leaf) + s.spines_per_pod) + s.superspines;
	if (nodes > CLOS_NODES_MAX) {
		perr(c, m, "fabric.clos: %.0f nodes, at most %d", nodes,
		    CLOS_NODES_MAX);
		return;
	}
	if ((c->sc->fab = fab_clos(&s)) == NULL)
		perr(c, m, "fabric.clos: cannot build the fabric");
}

static void
parse_node(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "name", "role", "pod", NULL };
	const char	*name, *role;
	enum fab_role	 r;
	double		 pod = 0;

	if (check_keys(c, m, "fabric.nodes[]", keys) == -1)
		return;
	name = yscalar(map_get(c, m, "name"));
	role = yscalar(map_get(c, m, "role"));
	if (name == NULL || role == NULL) {
		perr(c, m, "a node needs 'name' and 'role'");
		return;
	}
	if (fab_role_parse(role, &r) == -1) {
		perr(c, map_get(c, m, "role"), "role '%s': expected host, "
		    "leaf, spine or super-spine", role);
		return;
	}
	if (get_num(c, m, "pod", -1, 1e6, &pod) == -1)
		return;
	if (fab_node_add(c->sc->fab, name, r, r == ROLE_SUPERSPINE &&
	    map_get(c, m, "pod") == NULL ? -1 : (int32_t)pod) == FAB_NONE)
		perr(c, m, "node '%s': %s", name, strerror(errno));
}

static uint32_t
node_ref(struct pctx *c, yaml_node_t *n, const char *what)
{
	const char	*s = yscalar(n);
	uint32_t	 i;

	if (s == NULL) {
		perr(c, n, "%s must be a node name", what);
		return FAB_NONE;
	}
	if ((i = fab_node_find(c->sc->fab, s)) == FAB_NONE)
		perr(c, n, "%s: no node '%s' in the fabric", what, s);
	return i;
}

static void
parse_link(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "a", "b", "capacity", "members",
	    NULL };
	uint32_t	 a, b, members = 1;
	double		 cap = 400e9;

	if (check_keys(c, m, "fabric.links[]", keys) == -1)
		return;
	if ((a = node_ref(c, map_get(c, m, "a"), "'a'")) == FAB_NONE ||
	    (b = node_ref(c, map_get(c, m, "b"), "'b'")) == FAB_NONE ||
	    get_rate(c, m, "capacity", &cap) == -1 ||
	    get_u32(c, m, "members", 1, 64, &members) == -1)
		return;
	if (cap <= 0 || fab_link_add(c->sc->fab, a, b, cap,
	    (uint16_t)members) == FAB_NONE)
		perr(c, m, "link %s-%s: %s", c->sc->fab->nodes[a].name,
		    c->sc->fab->nodes[b].name, cap <= 0 ?
		    "capacity must be above 0" : "cannot add it");
}

static int
each_item(struct pctx *c, yaml_node_t *seq, const char *what,
    void (*fn)(struct pctx *, yaml_node_t *))
{
	yaml_node_item_t	*it;

	if (seq == NULL || seq->type != YAML_SEQUENCE_NODE) {
		perr(c, seq, "'%s' must be a list", what);
		return -1;
	}
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++)
		fn(c, ynode(c, *it));
	return 0;
}

static void
parse_fabric(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "clos", "nodes", "links", NULL };
	yaml_node_t	*clos;
	char		 err[256];

	if (m == NULL) {
		perr(c, NULL, "missing 'fabric'");
		return;
	}
	if (check_keys(c, m, "fabric", keys) == -1)
		return;
	if ((clos = map_get(c, m, "clos")) != NULL) {
		if (map_get(c, m, "nodes") != NULL || map_get(c, m, "links"))
			perr(c, m, "fabric: either 'clos' or 'nodes' and "
			    "'links', not both");
		else
			parse_clos(c, clos);
		return;
	}
	if ((c->sc->fab = fab_new()) == NULL)
		fatal("fab_new");
	if (each_item(c, map_get(c, m, "nodes"), "fabric.nodes",
	    parse_node) == -1 || each_item(c, map_get(c, m, "links"),
	    "fabric.links", parse_link) == -1 || c->nerrors > 0)
		return;
	if (fab_check(c->sc->fab, err, sizeof(err)) == -1)
		perr(c, m, "fabric: %s", err);
}

/* ---- host lists ----------------------------------------------------- */

struct hostlist {
	uint32_t	*v;
	uint32_t	 n, cap;
};

static int
hl_add(struct pctx *c, yaml_node_t *where, struct hostlist *h, uint32_t node)
{
	uint32_t	*nv;

	if (c->sc->fab->nodes[node].role != ROLE_HOST) {
		perr(c, where, "'%s' is a %s, not a host",
		    c->sc->fab->nodes[node].name,
		    fab_role_str(c->sc->fab->nodes[node].role));
		return -1;
	}
	if (h->n == HOSTS_MAX) {
		perr(c, where, "more than %u hosts", HOSTS_MAX);
		return -1;
	}
	if (h->n == h->cap) {
		nv = reallocarray(h->v, h->cap ? h->cap * 2 : 64,
		    sizeof(*nv));
		if (nv == NULL)
			fatal("hostlist");
		h->v = nv;
		h->cap = h->cap ? h->cap * 2 : 64;
	}
	h->v[h->n++] = node;
	return 0;
}

/* "h1..h16" or "pod0-h1..16": a common prefix and a numeric range. */
static int
hl_range(struct pctx *c, yaml_node_t *n, const char *s, const char *dots,
    struct hostlist *h)
{
	char		 prefix[FAB_NAME_MAX], name[FAB_NAME_MAX + 24];
	const char	*num = dots, *rhs = dots + 2;
	unsigned long	 lo, hi, i;
	size_t		 plen;
	uint32_t	 node;

	while (num > s && num[-1] >= '0' && num[-1] <= '9')
		num--;
	plen = (size_t)(num - s);
	if (num == dots || plen >= sizeof(prefix))
		goto bad;
	memcpy(prefix, s, plen);
	prefix[plen] = '\0';
	if (strncmp(rhs, prefix, plen) == 0 && rhs[plen] >= '0' &&
	    rhs[plen] <= '9')
		rhs += plen;
	lo = strtoul(num, NULL, 10);
	if (rhs[0] < '0' || rhs[0] > '9' || rhs[strspn(rhs, "0123456789")]
	    != '\0' || (hi = strtoul(rhs, NULL, 10)) < lo ||
	    hi - lo >= HOSTS_MAX)
		goto bad;
	for (i = lo; i <= hi; i++) {
		snprintf(name, sizeof(name), "%s%lu", prefix, i);
		if ((node = fab_node_find(c->sc->fab, name)) == FAB_NONE) {
			perr(c, n, "no host '%s' (in '%s')", name, s);
			return -1;
		}
		if (hl_add(c, n, h, node) == -1)
			return -1;
	}
	return 0;
bad:
	perr(c, n, "bad host range '%s': expected e.g. h1..h16", s);
	return -1;
}

static int
hl_item(struct pctx *c, yaml_node_t *n, struct hostlist *h)
{
	const char	*s = yscalar(n), *dots;
	uint32_t	 node;

	if (s == NULL) {
		perr(c, n, "a host must be a name");
		return -1;
	}
	if ((dots = strstr(s, "..")) != NULL)
		return hl_range(c, n, s, dots, h);
	if ((node = node_ref(c, n, "host")) == FAB_NONE)
		return -1;
	return hl_add(c, n, h, node);
}

/* `all', one name or range, or a list of them; at least `min' hosts. */
static int
parse_hosts(struct pctx *c, yaml_node_t *n, const char *key, uint32_t min,
    uint32_t **out, uint32_t *nout)
{
	struct hostlist		 h = { 0 };
	yaml_node_item_t	*it;
	const struct fabric	*f = c->sc->fab;
	uint32_t		 i;

	if (n == NULL) {
		perr(c, NULL, "missing '%s'", key);
		return -1;
	}
	if (yscalar(n) != NULL && strcmp(yscalar(n), "all") == 0) {
		for (i = 0; i < f->nnodes; i++)
			if (f->nodes[i].role == ROLE_HOST &&
			    hl_add(c, n, &h, i) == -1)
				goto fail;
	} else if (n->type == YAML_SEQUENCE_NODE) {
		for (it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++)
			if (hl_item(c, ynode(c, *it), &h) == -1)
				goto fail;
	} else if (hl_item(c, n, &h) == -1)
		goto fail;
	for (i = 0; i < h.n; i++) {
		uint32_t k;

		for (k = 0; k < i; k++)
			if (h.v[k] == h.v[i] && h.n <= 4096) {
				perr(c, n, "'%s': host '%s' is listed twice",
				    key, f->nodes[h.v[i]].name);
				goto fail;
			}
	}
	if (h.n < min) {
		perr(c, n, "'%s': at least %u hosts needed, %u given", key,
		    min, h.n);
		goto fail;
	}
	*out = h.v;
	*nout = h.n;
	return 0;
fail:
	free(h.v);
	return -1;
}

/* ---- events ----------------------------------------------------------- */

static uint32_t
link_ref(struct pctx *c, yaml_node_t *n)
{
	yaml_node_item_t	*it;
	uint32_t		 end[2], k = 0, l;

	if (n == NULL || n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.top - n->data.sequence.items.start != 2) {
		perr(c, n != NULL ? n : NULL, "'link' must be a list of its "
		    "two ends, e.g. [leaf1, spine1]");
		return FAB_NONE;
	}
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++)
		if ((end[k++] = node_ref(c, ynode(c, *it), "link end")) ==
		    FAB_NONE)
			return FAB_NONE;
	if ((l = fab_link_between(c->sc->fab, end[0], end[1])) == FAB_NONE)
		perr(c, n, "no link between '%s' and '%s'",
		    c->sc->fab->nodes[end[0]].name,
		    c->sc->fab->nodes[end[1]].name);
	return l;
}

static void
parse_event(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "at", "link", "action",
	    "fraction", NULL };
	struct sim_scenario	*sc = c->sc;
	struct sim_event	 e = { .line = line_of(m), .fraction = 1 };
	const char		*act;

	if (check_keys(c, m, "events[]", keys) == -1)
		return;
	if (sc->nevents == SIM_EVENTS_MAX) {
		perr(c, m, "more than %d events", SIM_EVENTS_MAX);
		return;
	}
	if (get_time(c, m, "at", &e.at) == 0)
		perr(c, m, "an event needs 'at'");
	if ((e.link = link_ref(c, map_get(c, m, "link"))) == FAB_NONE)
		return;
	if ((act = yscalar(map_get(c, m, "action"))) == NULL) {
		perr(c, m, "an event needs 'action': down, degrade or "
		    "restore");
		return;
	}
	if (strcmp(act, "down") == 0)
		e.action = SIM_EV_DOWN;
	else if (strcmp(act, "degrade") == 0)
		e.action = SIM_EV_DEGRADE;
	else if (strcmp(act, "restore") == 0)
		e.action = SIM_EV_RESTORE;
	else {
		perr(c, map_get(c, m, "action"), "action '%s': expected "
		    "down, degrade or restore", act);
		return;
	}
	if (e.action == SIM_EV_DEGRADE && get_num(c, m, "fraction", 1e-6, 1,
	    &e.fraction) != 1) {
		if (map_get(c, m, "fraction") == NULL)
			perr(c, m, "'degrade' needs 'fraction' (0 to 1 of the "
			    "nominal capacity)");
		return;
	}
	if (e.action != SIM_EV_DEGRADE && map_get(c, m, "fraction") != NULL) {
		perr(c, map_get(c, m, "fraction"), "'fraction' is for "
		    "'degrade' only");
		return;
	}
	sc->events[sc->nevents++] = e;
}

/* ---- workload ------------------------------------------------------- */

static int
parse_order(struct pctx *c, yaml_node_t *m, enum sim_order *o)
{
	yaml_node_t	*v = map_get(c, m, "order");
	const char	*s = yscalar(v);

	*o = SIM_ORDER_LISTED;
	if (v == NULL)
		return 0;
	if (s != NULL && strcmp(s, "listed") == 0)
		return 0;
	if (s != NULL && strcmp(s, "interleave") == 0)
		*o = SIM_ORDER_INTERLEAVE;
	else if (s != NULL && strcmp(s, "random") == 0)
		*o = SIM_ORDER_RANDOM;
	else {
		perr(c, v, "'order': expected listed, interleave or random");
		return -1;
	}
	return 0;
}

static int
coll_type(struct pctx *c, yaml_node_t *m, enum sim_coll_type *t)
{
	const char	*s = yscalar(map_get(c, m, "type"));

	if (s == NULL) {
		perr(c, m, "a collective needs 'type': ring-allreduce, "
		    "all-to-all or pipeline");
		return -1;
	}
	if (strcmp(s, "ring-allreduce") == 0)
		*t = SIM_RING;
	else if (strcmp(s, "all-to-all") == 0)
		*t = SIM_ALLTOALL;
	else if (strcmp(s, "pipeline") == 0)
		*t = SIM_PIPELINE;
	else {
		perr(c, map_get(c, m, "type"), "type '%s': expected "
		    "ring-allreduce, all-to-all or pipeline", s);
		return -1;
	}
	return 0;
}

static void
parse_coll(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "type", "hosts", "stages",
	    "order", "size", "channels", "repeat", "rails", "microbatches",
	    NULL };
	struct sim_scenario	*sc = c->sc;
	struct sim_coll		 k = { .rails = 1, .channels = 1,
				    .repeat = 1, .microbatches = 1,
				    .line = line_of(m) };
	const char		*hkey;

	if (check_keys(c, m, "workload[]", keys) == -1 ||
	    coll_type(c, m, &k.type) == -1)
		return;
	if (sc->ncolls == SIM_COLLS_MAX) {
		perr(c, m, "more than %d collectives", SIM_COLLS_MAX);
		return;
	}
	hkey = k.type == SIM_PIPELINE ? "stages" : "hosts";
	if (map_get(c, m, k.type == SIM_PIPELINE ? "hosts" : "stages")) {
		perr(c, m, "a %s takes '%s'", k.type == SIM_PIPELINE ?
		    "pipeline" : "ring or all-to-all", hkey);
		return;
	}
	if (get_bits(c, m, "size", &k.size) != 1 || k.size <= 0) {
		if (map_get(c, m, "size") == NULL || k.size <= 0)
			perr(c, m, "a collective needs a 'size' above 0");
		return;
	}
	if (parse_order(c, m, &k.order) == -1 ||
	    get_u32(c, m, "channels", 1, 64, &k.channels) == -1 ||
	    get_u32(c, m, "repeat", 1, 100000, &k.repeat) == -1 ||
	    get_u32(c, m, "rails", 1, 4096, &k.rails) == -1 ||
	    get_u32(c, m, "microbatches", 1, 100000, &k.microbatches) == -1 ||
	    parse_hosts(c, map_get(c, m, hkey), hkey, 2 * k.rails, &k.hosts,
	    &k.nhosts) == -1)
		return;
	if (k.type == SIM_RING && k.nhosts % k.rails != 0) {
		perr(c, m, "%u hosts do not split into %u rails", k.nhosts,
		    k.rails);
		free(k.hosts);
		return;
	}
	sc->colls[sc->ncolls++] = k;
}

static int
parse_sizes(struct pctx *c, yaml_node_t *m, struct sim_bg *b)
{
	yaml_node_t		*v = map_get(c, m, "sizes");
	yaml_node_item_t	*it;
	const char		*s;

	if (v == NULL || (v->type != YAML_SEQUENCE_NODE &&
	    yscalar(v) == NULL)) {
		perr(c, v != NULL ? v : m, "poisson background needs 'sizes':"
		    " a size or a list of them, chosen uniformly");
		return -1;
	}
	if (v->type == YAML_SCALAR_NODE) {
		if (sim_parse_bits(yscalar(v), &b->sizes[0]) == -1 ||
		    b->sizes[0] <= 0)
			goto bad;
		b->nsizes = 1;
		return 0;
	}
	for (it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		if (b->nsizes == SIM_SIZES_MAX) {
			perr(c, v, "more than %d sizes", SIM_SIZES_MAX);
			return -1;
		}
		if ((s = yscalar(ynode(c, *it))) == NULL ||
		    sim_parse_bits(s, &b->sizes[b->nsizes]) == -1 ||
		    b->sizes[b->nsizes] <= 0) {
			v = ynode(c, *it);
			goto bad;
		}
		b->nsizes++;
	}
	if (b->nsizes > 0)
		return 0;
bad:
	perr(c, v, "'sizes': expected sizes above 0 such as 1MB");
	return -1;
}

static int
parse_fixed(struct pctx *c, yaml_node_t *m, struct sim_bg *b)
{
	if ((b->src = node_ref(c, map_get(c, m, "src"), "'src'")) ==
	    FAB_NONE || (b->dst = node_ref(c, map_get(c, m, "dst"),
	    "'dst'")) == FAB_NONE)
		return -1;
	if (c->sc->fab->nodes[b->src].role != ROLE_HOST ||
	    c->sc->fab->nodes[b->dst].role != ROLE_HOST || b->src == b->dst) {
		perr(c, m, "'src' and 'dst' must be two different hosts");
		return -1;
	}
	if (get_rate(c, m, "rate", &b->rate) != 1 || b->rate <= 0) {
		perr(c, m, "fixed background needs a 'rate' above 0 (bit/s)");
		return -1;
	}
	return 0;
}

static void
parse_bg(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "type", "rate", "sizes", "hosts",
	    "src", "dst", "start", "stop", NULL };
	struct sim_scenario	*sc = c->sc;
	struct sim_bg		 b = { .stop = INFINITY, .line = line_of(m) };
	const char		*t;
	int			 r;

	if (check_keys(c, m, "background[]", keys) == -1)
		return;
	if (sc->nbgs == SIM_BGS_MAX) {
		perr(c, m, "more than %d background entries", SIM_BGS_MAX);
		return;
	}
	if ((t = yscalar(map_get(c, m, "type"))) == NULL ||
	    (strcmp(t, "poisson") != 0 && strcmp(t, "fixed") != 0)) {
		perr(c, m, "background needs 'type': poisson or fixed");
		return;
	}
	b.type = strcmp(t, "poisson") == 0 ? SIM_BG_POISSON : SIM_BG_FIXED;
	if (get_time(c, m, "start", &b.start) == -1 ||
	    get_time(c, m, "stop", &b.stop) == -1)
		return;
	if (b.stop <= b.start) {
		perr(c, m, "'stop' must come after 'start'");
		return;
	}
	if (b.type == SIM_BG_FIXED)
		r = parse_fixed(c, m, &b);
	else if ((r = get_num(c, m, "rate", 1e-9, 1e9, &b.rate)) == 0) {
		perr(c, m, "poisson background needs 'rate' (flows/s)");
		r = -1;
	} else if (r == 1)
		r = parse_sizes(c, m, &b) == -1 ||
		    parse_hosts(c, map_get(c, m, "hosts"), "hosts", 2,
		    &b.hosts, &b.nhosts) == -1 ? -1 : 0;
	if (r == 0)
		sc->bgs[sc->nbgs++] = b;
}

/* ---- parameters -------------------------------------------------------- */

static void
parse_sim(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "hop_delay", "queue_delay",
	    "failover_delay", NULL };
	struct sim_params	*p = &c->sc->params;

	if (m == NULL || check_keys(c, m, "sim", keys) == -1)
		return;
	get_time(c, m, "hop_delay", &p->hop_delay);
	get_time(c, m, "queue_delay", &p->queue_delay);
	get_time(c, m, "failover_delay", &p->failover_delay);
}

static void
parse_controller(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "telemetry_delay", "push_delay",
	    "interval", "min_share", "drop_penalty", "backlog_penalty",
	    "wcmp_buckets", "smooth_alpha", "smooth_min_change",
	    "smooth_max_step", NULL };
	struct sim_params	*p = &c->sc->params;

	if (m == NULL || check_keys(c, m, "controller", keys) == -1)
		return;
	get_time(c, m, "telemetry_delay", &p->telemetry_delay);
	get_time(c, m, "push_delay", &p->push_delay);
	if (get_time(c, m, "interval", &p->interval) == 1 &&
	    p->interval < 1e-6)
		perr(c, map_get(c, m, "interval"), "'interval' must be at "
		    "least 1us");
	get_num(c, m, "min_share", 0, 1, &p->adaptive.min_share);
	get_num(c, m, "drop_penalty", 0, 1e9,
	    &p->adaptive.congestion_drop_penalty);
	get_num(c, m, "backlog_penalty", 0, 1e9,
	    &p->adaptive.congestion_backlog_penalty);
	get_u32(c, m, "wcmp_buckets", 0, 65536, &p->wcmp_buckets);
	get_num(c, m, "smooth_alpha", 0, 1, &p->smooth.alpha);
	get_num(c, m, "smooth_min_change", 0, 1, &p->smooth.min_change);
	get_num(c, m, "smooth_max_step", 0, 1, &p->smooth.max_step);
}

static void
parse_flowlet(struct pctx *c, yaml_node_t *m)
{
	static const char *const keys[] = { "interval", "gap", "margin",
	    "decision_delay", NULL };
	struct sim_params	*p = &c->sc->params;
	yaml_node_t		*g;

	if (m == NULL || check_keys(c, m, "flowlet", keys) == -1)
		return;
	if (get_time(c, m, "interval", &p->flowlet_interval) == 1 &&
	    p->flowlet_interval < 1e-9)
		perr(c, map_get(c, m, "interval"), "'interval' must be above "
		    "0");
	g = map_get(c, m, "gap");
	if (g != NULL && (yscalar(g) == NULL || strcmp(yscalar(g), "auto")))
		get_time(c, m, "gap", &p->flowlet_gap);
	get_num(c, m, "margin", 1, 100, &p->flowlet_margin);
	if (get_time(c, m, "decision_delay", &p->flowlet_decision_delay) ==
	    1 && !(p->flowlet_decision_delay < p->flowlet_interval))
		perr(c, map_get(c, m, "decision_delay"), "'decision_delay' "
		    "must be below the flowlet 'interval'");
}

static void
defaults(struct sim_params *p)
{
	p->seed = 1;
	p->hop_delay = 1e-6;
	p->queue_delay = 20e-6;
	p->telemetry_delay = 5e-3;
	p->push_delay = 61e-3;		/* FRR 8.4, ARCHITECTURE.md */
	p->interval = 10e-3;
	p->adaptive.adaptive = 1;
	p->adaptive.min_share = 0.05;
	p->smooth.alpha = 0.5;
	p->smooth.min_change = 0.05;
	p->smooth.max_step = 0.1;
	p->flowlet_interval = 100e-6;
	p->flowlet_gap = -1;
	p->flowlet_margin = 2;
	p->flowlet_decision_delay = 10e-6;
}

static void
parse_seed(struct pctx *c, yaml_node_t *v)
{
	const char	*s = yscalar(v);
	char		*end;

	if (v == NULL)
		return;
	errno = 0;
	if (s == NULL || *s == '-' || (c->sc->params.seed = strtoull(s, &end,
	    10), *end != '\0') || end == s || errno != 0)
		perr(c, v, "'seed': expected a whole number");
	c->sc->seed_given = 1;
}

static void
parse_top(struct pctx *c, yaml_node_t *root)
{
	static const char *const keys[] = { "name", "seed", "fabric",
	    "events", "workload", "background", "sim", "controller",
	    "flowlet", NULL };
	yaml_node_t	*v;

	if (root == NULL) {
		perr(c, NULL, "the file is empty");
		return;
	}
	if (check_keys(c, root, "the scenario", keys) == -1)
		return;
	if ((v = map_get(c, root, "name")) != NULL) {
		if (yscalar(v) == NULL || strlen(yscalar(v)) >= SIM_NAME_MAX)
			perr(c, v, "'name' must be a string of at most %d "
			    "characters", SIM_NAME_MAX - 1);
		else
			strlcpy(c->sc->name, yscalar(v), SIM_NAME_MAX);
	}
	parse_seed(c, map_get(c, root, "seed"));
	parse_fabric(c, map_get(c, root, "fabric"));
	if (c->sc->fab == NULL || c->nerrors > 0)
		return;
	parse_sim(c, map_get(c, root, "sim"));
	parse_controller(c, map_get(c, root, "controller"));
	parse_flowlet(c, map_get(c, root, "flowlet"));
	if ((v = map_get(c, root, "events")) != NULL)
		each_item(c, v, "events", parse_event);
	if ((v = map_get(c, root, "workload")) == NULL)
		perr(c, root, "missing 'workload': at least one collective");
	else if (each_item(c, v, "workload", parse_coll) == 0 &&
	    c->sc->ncolls == 0)
		perr(c, v, "'workload' is empty: at least one collective");
	if ((v = map_get(c, root, "background")) != NULL)
		each_item(c, v, "background", parse_bg);
}

/* ---- loading ------------------------------------------------------------ */

static struct sim_scenario *
scen_new(void)
{
	struct sim_scenario	*sc;

	if ((sc = calloc(1, sizeof(*sc))) == NULL ||
	    (sc->events = calloc(SIM_EVENTS_MAX, sizeof(*sc->events))) ==
	    NULL || (sc->colls = calloc(SIM_COLLS_MAX, sizeof(*sc->colls)))
	    == NULL || (sc->bgs = calloc(SIM_BGS_MAX, sizeof(*sc->bgs))) ==
	    NULL)
		fatal("sim scenario");
	defaults(&sc->params);
	return sc;
}

void
sim_scen_free(struct sim_scenario *sc)
{
	uint32_t	i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->ncolls; i++)
		free(sc->colls[i].hosts);
	for (i = 0; i < sc->nbgs; i++)
		free(sc->bgs[i].hosts);
	free(sc->colls);
	free(sc->bgs);
	free(sc->events);
	free(sc->nominal);
	free(sc->path);
	fab_free(sc->fab);
	free(sc);
}

/* Puts every link back as loaded: up, nominal capacity, no load. */
void
sim_scen_reset(struct sim_scenario *sc)
{
	struct fabric	*f = sc->fab;
	uint32_t	 i;

	for (i = 0; i < f->nlinks; i++) {
		struct fab_link *l = &f->links[i];

		fab_link_set_state(f, i, FAB_UP);
		fab_link_set_members_up(f, i, l->members);
		l->capacity = sc->nominal[i];
		memset(l->load, 0, sizeof(l->load));
		memset(l->drops, 0, sizeof(l->drops));
		memset(l->backlog, 0, sizeof(l->backlog));
	}
}

static void
yaml_error(struct pctx *c, const yaml_parser_t *parser)
{
	char	msg[256];

	snprintf(msg, sizeof(msg), "YAML: %s%s%s",
	    parser->problem != NULL ? parser->problem : "syntax error",
	    parser->context != NULL ? " " : "",
	    parser->context != NULL ? parser->context : "");
	log_warnx("%s:%zu:%zu: error: %s", c->path,
	    parser->problem_mark.line + 1, parser->problem_mark.column + 1,
	    msg);
	if (c->nerrors++ == 0 && c->err != NULL)
		snprintf(c->err, c->errlen, "%s:%zu: %s", c->path,
		    parser->problem_mark.line + 1, msg);
}

static void
default_name(struct sim_scenario *sc, const char *path)
{
	char	 copy[SIM_NAME_MAX * 4], *b, *dot;

	if (sc->name[0] != '\0')
		return;
	strlcpy(copy, path, sizeof(copy));
	b = basename(copy);
	if ((dot = strrchr(b, '.')) != NULL && dot != b)
		*dot = '\0';
	strlcpy(sc->name, b, sizeof(sc->name));
}

struct sim_scenario *
sim_scen_parse(const char *name, const char *buf, size_t len, char *err,
    size_t errlen)
{
	struct pctx	 c = { .path = name, .err = err, .errlen = errlen };
	yaml_parser_t	 parser;
	uint32_t	 i;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	c.sc = scen_new();
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf,
	    len);
	if (!yaml_parser_load(&parser, &c.doc))
		yaml_error(&c, &parser);
	else {
		parse_top(&c, yaml_document_get_root_node(&c.doc));
		yaml_document_delete(&c.doc);
	}
	yaml_parser_delete(&parser);
	if (c.nerrors > 0) {
		sim_scen_free(c.sc);
		return NULL;
	}
	if ((c.sc->path = strdup(name)) == NULL ||
	    (c.sc->nominal = calloc(c.sc->fab->nlinks + 1,
	    sizeof(double))) == NULL)
		fatal("sim scenario");
	for (i = 0; i < c.sc->fab->nlinks; i++)
		c.sc->nominal[i] = c.sc->fab->links[i].capacity;
	default_name(c.sc, name);
	return c.sc;
}

struct sim_scenario *
sim_scen_load(const char *path, char *err, size_t errlen)
{
	struct sim_scenario	*sc;
	struct stat		 st;
	FILE			*fp;
	char			*buf;
	size_t			 n;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		if (err != NULL)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > SIM_FILE_MAX) {
		log_warnx("%s: error: not a regular file of at most %d bytes",
		    path, SIM_FILE_MAX);
		if (err != NULL)
			snprintf(err, errlen, "%s: not a regular file of at "
			    "most %d bytes", path, SIM_FILE_MAX);
		fclose(fp);
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("sim_scen_load");
	n = fread(buf, 1, (size_t)st.st_size, fp);
	fclose(fp);
	buf[n] = '\0';
	sc = sim_scen_parse(path, buf, n, err, errlen);
	free(buf);
	return sc;
}
