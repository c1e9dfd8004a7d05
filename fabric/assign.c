/*
 * Elephant flows to paths, minimising the largest link load (route.h).
 *
 * The problem is makespan scheduling on unrelated machines in disguise
 * (NP-hard), so: greedy, largest flow first, each onto the up-down path
 * whose most loaded link direction ends up least loaded; then local
 * search on the most loaded link direction: move one of its flows to
 * another path, or swap it with a smaller flow of the same leaf pair,
 * whenever that brings every link direction it touches strictly below the
 * current maximum.  Each accepted step lowers (maximum, number of link
 * directions at the maximum) lexicographically, so the search ends; it is
 * also bounded in work.  Swaps matter: greedy puts {3, 3, 2, 2, 2} on two
 * paths as 7 + 5, one swap makes it 6 + 6.
 *
 * Paths are the shortest valley-free ones over usable links (sim_path.c),
 * the ones a converged BGP fabric forwards on.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define EPS		1e-9
/* flows looked at in local search: enough for small cases to finish */
#define SEARCH_OPS(n)	(64ULL * (n) + 100000)

struct pathset {
	uint32_t	 src_leaf, dst_leaf;
	uint32_t	*ld;		/* [i * SIM_HOPS_MAX + k] */
	uint8_t		*nld;
	size_t		 n;
};

struct actx {
	const struct sim_paths	*p;
	const struct fabric	*f;
	struct assign_flow	*fl;
	size_t			 n;
	double			*load, *cap;
	uint32_t		 nld;
	struct pathset		*sets;
	size_t			 nsets;
	size_t			*set_of;	/* flow -> its leaf pair */
	size_t			*cur;		/* flow -> path index */
	uint32_t		*lead, *tail;	/* host link dirs or NONE */
	uint32_t		*scratch_ld;	/* one leaf pair's paths */
	uint8_t			*scratch_nld;
};

/* flowlet_gap: a gap longer than the paths' delay spread keeps order. */
double
flowlet_gap(double path_delay_spread_s, double margin)
{
	if (!(path_delay_spread_s > 0) || !isfinite(path_delay_spread_s))
		return 0;
	if (!(margin >= 1))
		margin = 1;
	return path_delay_spread_s * margin;
}

static const struct pathset *
pset(const struct actx *a, size_t f)
{
	return &a->sets[a->set_of[f]];
}

static const uint32_t *
path_ld(const struct pathset *s, size_t i)
{
	return s->ld + i * SIM_HOPS_MAX;
}

/* The leaf a flow end hangs off, and the host link direction if any. */
static int
endpoint(const struct fabric *f, uint32_t node, int is_dst, uint32_t *leaf,
    uint32_t *hostld)
{
	uint32_t	l;

	*hostld = FAB_NONE;
	if (node >= f->nnodes)
		return -1;
	if (f->nodes[node].role == ROLE_LEAF) {
		*leaf = node;
		return 0;
	}
	if (f->nodes[node].role != ROLE_HOST ||
	    (l = sim_host_link(f, node)) == FAB_NONE)
		return -1;
	*leaf = sim_host_leaf(f, node);
	*hostld = SIM_LD(l, is_dst);
	return 0;
}

static int
set_find(struct actx *a, uint32_t src_leaf, uint32_t dst_leaf, size_t *out)
{
	struct pathset	*s;
	size_t		 i, n = 1;

	for (i = a->nsets; i > 0; i--)
		if (a->sets[i - 1].src_leaf == src_leaf &&
		    a->sets[i - 1].dst_leaf == dst_leaf) {
			*out = i - 1;
			return 0;
		}
	if (src_leaf != dst_leaf && (sim_paths_enum(a->p, src_leaf, dst_leaf,
	    a->scratch_ld, a->scratch_nld, SIM_PATHS_MAX, &n) == -1 ||
	    n == 0)) {
		if (n == 0)
			errno = EHOSTUNREACH;
		return -1;
	}
	s = &a->sets[a->nsets];
	s->src_leaf = src_leaf;
	s->dst_leaf = dst_leaf;
	s->n = n;	/* the leaf itself: one path without fabric hops */
	if ((s->ld = calloc(n * SIM_HOPS_MAX, sizeof(*s->ld))) == NULL ||
	    (s->nld = calloc(n, sizeof(*s->nld))) == NULL)
		return -1;
	a->nsets++;
	if (src_leaf != dst_leaf) {
		memcpy(s->ld, a->scratch_ld, n * SIM_HOPS_MAX *
		    sizeof(*s->ld));
		memcpy(s->nld, a->scratch_nld, n * sizeof(*s->nld));
	}
	*out = a->nsets - 1;
	return 0;
}

/*
 * Leaf pairs: a linear search from the newest, which is what the usual
 * input (flows grouped by pair, or few pairs) wants.  Fine up to the
 * thousands of pairs a pod has.
 */
static int
resolve(struct actx *a)
{
	uint32_t	sl, dl;
	size_t		i;

	for (i = 0; i < a->n; i++) {
		if (endpoint(a->f, a->fl[i].src, 0, &sl, &a->lead[i]) == -1 ||
		    endpoint(a->f, a->fl[i].dst, 1, &dl, &a->tail[i]) == -1 ||
		    !(a->fl[i].rate >= 0) || sl == FAB_NONE ||
		    dl == FAB_NONE || (a->fl[i].src == a->fl[i].dst)) {
			errno = EINVAL;
			return -1;
		}
		if (set_find(a, sl, dl, &a->set_of[i]) == -1)
			return -1;
	}
	return 0;
}

static double
util(const struct actx *a, uint32_t ld, double extra)
{
	double	c = a->cap[ld], l = a->load[ld] + extra;

	if (c > 0)
		return l / c;
	return l > 0 ? INFINITY : 0;
}

static void
place(struct actx *a, size_t f, size_t path, double sign)
{
	const struct pathset	*s = pset(a, f);
	const uint32_t		*ld = path_ld(s, path);
	double			 r = sign * a->fl[f].rate;
	uint8_t			 k;

	if (a->lead[f] != FAB_NONE)
		a->load[a->lead[f]] += r;
	if (a->tail[f] != FAB_NONE)
		a->load[a->tail[f]] += r;
	for (k = 0; s->src_leaf != s->dst_leaf && k < s->nld[path]; k++)
		a->load[ld[k]] += r;
}

static void
greedy_one(struct actx *a, size_t f)
{
	const struct pathset	*s = pset(a, f);
	double			 best = INFINITY, best2 = INFINITY, m, sum, u;
	size_t			 i, pick = 0;
	uint8_t			 k;

	for (i = 0; s->src_leaf != s->dst_leaf && i < s->n; i++) {
		m = sum = 0;
		for (k = 0; k < s->nld[i]; k++) {
			u = util(a, path_ld(s, i)[k], a->fl[f].rate);
			m = fmax(m, u);
			sum += u;
		}
		if (m < best - EPS || (m <= best + EPS && sum < best2 - EPS)) {
			best = m;
			best2 = sum;
			pick = i;
		}
	}
	a->cur[f] = pick;
	place(a, f, pick, 1);
}

static struct assign_flow *greedy_order_fl;

static int
rate_desc(const void *x, const void *y)
{
	size_t	i = *(const size_t *)x, j = *(const size_t *)y;
	double	ri = greedy_order_fl[i].rate, rj = greedy_order_fl[j].rate;

	if (ri != rj)
		return ri > rj ? -1 : 1;
	return i < j ? -1 : i > j;
}

static int
greedy(struct actx *a)
{
	size_t	*ord, i;

	if ((ord = calloc(a->n + 1, sizeof(*ord))) == NULL)
		return -1;
	for (i = 0; i < a->n; i++)
		ord[i] = i;
	greedy_order_fl = a->fl;
	qsort(ord, a->n, sizeof(*ord), rate_desc);
	for (i = 0; i < a->n; i++)
		greedy_one(a, ord[i]);
	free(ord);
	return 0;
}

/* The most loaded switch-to-switch link direction, and its utilisation. */
static uint32_t
hottest(const struct actx *a, double *m)
{
	uint32_t	ld, best = FAB_NONE;

	*m = -1;
	for (ld = 0; ld < a->nld; ld++) {
		if (a->load[ld] <= 0 || sim_ld_is_host(a->f, ld))
			continue;
		if (util(a, ld, 0) > *m) {
			*m = util(a, ld, 0);
			best = ld;
		}
	}
	return best;
}

static int
path_has(const struct pathset *s, size_t path, uint32_t ld)
{
	uint8_t	k;

	for (k = 0; k < s->nld[path]; k++)
		if (path_ld(s, path)[k] == ld)
			return 1;
	return 0;
}

/*
 * The worst utilisation along `to' if flow f (rate r) moves there from
 * `from' and a flow of rate back moves the other way.
 */
static double
moved_max(const struct actx *a, const struct pathset *s, size_t from,
    size_t to, double r, double back)
{
	double	m = 0;
	uint8_t	k;
	uint32_t ld;

	for (k = 0; k < s->nld[to]; k++) {
		ld = path_ld(s, to)[k];
		if (!path_has(s, from, ld))
			m = fmax(m, util(a, ld, r - back));
	}
	for (k = 0; back > 0 && k < s->nld[from]; k++) {
		ld = path_ld(s, from)[k];
		if (!path_has(s, to, ld))
			m = fmax(m, util(a, ld, back - r));
	}
	return m;
}

static int
try_move(struct actx *a, size_t f, double m)
{
	const struct pathset	*s = pset(a, f);
	size_t			 q;

	for (q = 0; q < s->n; q++) {
		if (q == a->cur[f] || moved_max(a, s, a->cur[f], q,
		    a->fl[f].rate, 0) >= m - EPS)
			continue;
		place(a, f, a->cur[f], -1);
		a->cur[f] = q;
		place(a, f, q, 1);
		return 1;
	}
	return 0;
}

static int
try_swap(struct actx *a, size_t f, double m, uint64_t *ops)
{
	const struct pathset	*s = pset(a, f);
	size_t			 g, pf = a->cur[f];

	for (g = 0; g < a->n; g++) {
		(*ops)++;
		if (a->set_of[g] != a->set_of[f] || a->cur[g] == pf ||
		    a->fl[g].rate >= a->fl[f].rate ||
		    moved_max(a, s, pf, a->cur[g], a->fl[f].rate,
		    a->fl[g].rate) >= m - EPS)
			continue;
		place(a, f, pf, -1);
		place(a, g, a->cur[g], -1);
		a->cur[f] = a->cur[g];
		a->cur[g] = pf;
		place(a, f, a->cur[f], 1);
		place(a, g, pf, 1);
		return 1;
	}
	return 0;
}

/* One improving step on the hottest link direction; 0 when none. */
static int
improve(struct actx *a, uint64_t *ops)
{
	const struct pathset	*s;
	double			 m;
	uint32_t		 e;
	size_t			 f;
	int			 pass;

	if ((e = hottest(a, &m)) == FAB_NONE || !isfinite(m))
		return 0;
	for (pass = 0; pass < 2; pass++)
		for (f = 0; f < a->n; f++) {
			(*ops)++;
			s = pset(a, f);
			if (s->src_leaf == s->dst_leaf || a->fl[f].rate <= 0 ||
			    !path_has(s, a->cur[f], e))
				continue;
			if (pass == 0 ? try_move(a, f, m) :
			    try_swap(a, f, m, ops))
				return 1;
			if (*ops > SEARCH_OPS(a->n))
				return 0;
		}
	return 0;
}

static void
output(struct actx *a, double *max_util)
{
	const struct pathset	*s;
	struct assign_flow	*fl;
	double			 m = 0;
	size_t			 f;
	uint32_t		 ld;
	uint8_t			 k;

	for (f = 0; f < a->n; f++) {
		fl = &a->fl[f];
		s = pset(a, f);
		fl->npath = 0;
		if (a->lead[f] != FAB_NONE)
			fl->path[fl->npath++] = SIM_LD_LINK(a->lead[f]);
		for (k = 0; s->src_leaf != s->dst_leaf &&
		    k < s->nld[a->cur[f]]; k++)
			fl->path[fl->npath++] =
			    SIM_LD_LINK(path_ld(s, a->cur[f])[k]);
		if (a->tail[f] != FAB_NONE)
			fl->path[fl->npath++] = SIM_LD_LINK(a->tail[f]);
	}
	for (ld = 0; ld < a->nld; ld++)
		if (a->load[ld] > 0)
			m = fmax(m, util(a, ld, 0));
	if (max_util != NULL)
		*max_util = m;
}

static void
actx_free(struct actx *a)
{
	size_t	i;

	for (i = 0; a->sets != NULL && i < a->nsets; i++) {
		free(a->sets[i].ld);
		free(a->sets[i].nld);
	}
	free(a->sets);
	free(a->scratch_ld);
	free(a->scratch_nld);
	free(a->set_of);
	free(a->cur);
	free(a->lead);
	free(a->tail);
	free(a->load);
	free(a->cap);
}

static int
actx_init(struct actx *a, const struct sim_paths *p, struct assign_flow *fl,
    size_t n, const double *bg)
{
	uint32_t	ld;

	memset(a, 0, sizeof(*a));
	a->p = p;
	a->f = p->fab;
	a->fl = fl;
	a->n = n;
	a->nld = 2 * a->f->nlinks;
	if ((a->sets = calloc(n + 1, sizeof(*a->sets))) == NULL ||
	    (a->set_of = calloc(n + 1, sizeof(*a->set_of))) == NULL ||
	    (a->cur = calloc(n + 1, sizeof(*a->cur))) == NULL ||
	    (a->lead = calloc(n + 1, sizeof(*a->lead))) == NULL ||
	    (a->tail = calloc(n + 1, sizeof(*a->tail))) == NULL ||
	    (a->load = calloc(a->nld + 1, sizeof(*a->load))) == NULL ||
	    (a->cap = calloc(a->nld + 1, sizeof(*a->cap))) == NULL ||
	    (a->scratch_ld = calloc((size_t)SIM_PATHS_MAX * SIM_HOPS_MAX,
	    sizeof(*a->scratch_ld))) == NULL ||
	    (a->scratch_nld = calloc(SIM_PATHS_MAX,
	    sizeof(*a->scratch_nld))) == NULL)
		return -1;
	for (ld = 0; ld < a->nld; ld++) {
		a->cap[ld] = fab_link_usable(a->f, SIM_LD_LINK(ld));
		a->load[ld] = bg != NULL && bg[ld] > 0 ? bg[ld] : 0;
	}
	return 0;
}

int
assign_flows_with(const struct sim_paths *p, struct assign_flow *fl,
    size_t n, const double *bg_load, double *max_util)
{
	struct actx	a;
	uint64_t	ops = 0;
	int		r = -1;

	if (max_util != NULL)
		*max_util = 0;
	if (n == 0)
		return 0;
	if (actx_init(&a, p, fl, n, bg_load) == -1) {
		errno = ENOMEM;
		goto out;
	}
	if (resolve(&a) == -1 || greedy(&a) == -1)
		goto out;
	while (ops <= SEARCH_OPS(n) && improve(&a, &ops))
		;
	output(&a, max_util);
	r = 0;
out:
	actx_free(&a);
	return r;
}

/*
 * Places the flows (src and dst: hosts or leaves; rate: the demand) on
 * up-down paths over the fabric's usable links, minimising the largest
 * utilisation of a link direction; fills each flow's path (links, from
 * src to dst) and *max_util.  -1 with errno: EINVAL (a bad endpoint),
 * EHOSTUNREACH (no path), ENOMEM.
 */
int
assign_flows(const struct fabric *f, struct assign_flow *fl, size_t n,
    double *max_util)
{
	struct sim_paths	p;
	int			r;

	if (sim_paths_init(&p, f) == -1)
		return -1;
	r = assign_flows_with(&p, fl, n, NULL, max_util);
	sim_paths_free(&p);
	return r;
}
