/*
 * Weighted ECMP over a Clos fabric (see route.h).
 *
 * For each destination leaf D, capacities are computed backwards along
 * the up-down paths: the spines that reach D directly, then the
 * super-spines above them, then every other spine (through the
 * super-spines), then the leaves.  A switch's capacity towards D is the sum
 * over its next-hops of min(link share, next switch's capacity); a next-hop's
 * weight is its term of that sum.  Next-hop sets are interned: in a fabric
 * that is mostly symmetric most (switch, destination) pairs share a few.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

#define CAP_INF		1e30
#define NH_MAX		1024	/* next-hops of one switch */

struct nh_set {
	uint32_t	off;		/* into nh */
	uint32_t	n;
	uint32_t	hnext;		/* hash chain, index + 1 */
	uint64_t	hash;
};

struct fab_routes {
	uint32_t	 nnodes, ndst, nsw;
	uint32_t	*sw_of_node;	/* node -> switch index, or FAB_NONE */
	uint32_t	*sw_node;	/* switch index -> node */
	uint32_t	*dst_of_node;	/* node -> destination index */
	uint32_t	*dst_node;	/* destination index -> leaf node */
	float		*cap;		/* [dst * nsw + sw] */
	uint32_t	*set;		/* [dst * nsw + sw]: set index + 1 */
	struct nh_set	*sets;
	uint32_t	 nsets, setcap;
	uint32_t	*set_tab;	/* hash of sets: index + 1 */
	uint32_t	 set_tabcap;
	struct route_nh	*nh;
	size_t		 nnh, nhcap;
	/* the fabric's shape */
	uint32_t	*leaves, nleaves;
	uint32_t	*spines, nspines;
	uint32_t	*supers, nsupers;
	struct route_params params;
};

/* ---- link shares ------------------------------------------------- */

/* What one direction of a link offers the computation. */
static double
link_share(const struct fabric *f, const struct route_params *rp,
    uint32_t link, int down)
{
	const struct fab_link	*l = &f->links[link];
	double			 usable = fab_link_usable(f, link), eff;

	if (usable <= 0 || !rp->adaptive)
		return usable;
	eff = usable - l->load[down];
	eff /= 1 + rp->congestion_drop_penalty * l->drops[down] +
	    rp->congestion_backlog_penalty * l->backlog[down];
	if (eff < rp->min_share * usable)
		eff = rp->min_share * usable;
	return eff;
}

/* ---- interning next-hop sets ------------------------------------- */

static uint64_t
set_hash(const struct route_nh *v, uint32_t n)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	uint32_t	i;

	for (i = 0; i < n; i++) {
		h = (h ^ v[i].link) * 0x100000001b3ULL;
		h = (h ^ (uint64_t)(v[i].weight * 16)) * 0x100000001b3ULL;
	}
	return h ^ n;
}

static int
set_eq(const struct fab_routes *r, const struct nh_set *s,
    const struct route_nh *v, uint32_t n)
{
	return s->n == n && memcmp(r->nh + s->off, v, n * sizeof(*v)) == 0;
}

static int
set_tab_grow(struct fab_routes *r)
{
	uint32_t	*nt, cap, i, b;

	if (r->nsets * 2 < r->set_tabcap)
		return 0;
	cap = r->set_tabcap ? r->set_tabcap * 2 : 1024;
	if ((nt = calloc(cap, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i < r->nsets; i++) {
		b = r->sets[i].hash & (cap - 1);
		r->sets[i].hnext = nt[b];
		nt[b] = i + 1;
	}
	free(r->set_tab);
	r->set_tab = nt;
	r->set_tabcap = cap;
	return 0;
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	void	*np;
	size_t	 nc = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	if ((np = reallocarray(*p, nc, size)) == NULL)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

/* The set's index + 1; 0 for an empty set; -1 (as uint32) on ENOMEM. */
static uint32_t
set_intern(struct fab_routes *r, const struct route_nh *v, uint32_t n)
{
	uint64_t	 h;
	uint32_t	 e;
	size_t		 setcap = r->setcap;

	if (n == 0)
		return 0;
	h = set_hash(v, n);
	if (r->set_tabcap > 0)
		for (e = r->set_tab[h & (r->set_tabcap - 1)]; e != 0;
		    e = r->sets[e - 1].hnext)
			if (r->sets[e - 1].hash == h &&
			    set_eq(r, &r->sets[e - 1], v, n))
				return e;
	if (grow((void **)&r->sets, &setcap, r->nsets + 1,
	    sizeof(*r->sets)) == -1 ||
	    grow((void **)&r->nh, &r->nhcap, r->nnh + n, sizeof(*r->nh)) == -1)
		return UINT32_MAX;
	r->setcap = setcap;
	memcpy(r->nh + r->nnh, v, n * sizeof(*v));
	r->sets[r->nsets] = (struct nh_set){ (uint32_t)r->nnh, n, 0, h };
	r->nnh += n;
	r->nsets++;
	if (set_tab_grow(r) == -1)
		return UINT32_MAX;
	if (r->set_tab[h & (r->set_tabcap - 1)] != r->nsets) {
		r->sets[r->nsets - 1].hnext = r->set_tab[h &
		    (r->set_tabcap - 1)];
		r->set_tab[h & (r->set_tabcap - 1)] = r->nsets;
	}
	return r->nsets;
}

/* ---- the shape ---------------------------------------------------- */

static int
push_u32(uint32_t **v, uint32_t *n, uint32_t x)
{
	uint32_t	*nv;

	if ((*n & (*n - 1)) == 0 || *n == 0) {
		nv = reallocarray(*v, *n ? *n * 2 : 1, sizeof(*nv));
		if (nv == NULL)
			return -1;
		*v = nv;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static void
shape_free(struct fab_routes *r)
{
	free(r->sw_of_node);
	free(r->sw_node);
	free(r->dst_of_node);
	free(r->dst_node);
	free(r->leaves);
	free(r->spines);
	free(r->supers);
	free(r->cap);
	free(r->set);
	r->sw_of_node = r->sw_node = r->dst_of_node = r->dst_node = NULL;
	r->leaves = r->spines = r->supers = NULL;
	r->cap = NULL;
	r->set = NULL;
	r->nleaves = r->nspines = r->nsupers = r->nsw = r->ndst = 0;
}

static void
sets_reset(struct fab_routes *r)
{
	r->nsets = 0;
	r->nnh = 0;
	if (r->set_tab != NULL)
		memset(r->set_tab, 0, r->set_tabcap * sizeof(*r->set_tab));
}

static int
shape_build(struct fab_routes *r, const struct fabric *f)
{
	uint32_t	i, rc = 0;
	size_t		cells;

	shape_free(r);
	r->nnodes = f->nnodes;
	if ((r->sw_of_node = malloc(f->nnodes * sizeof(uint32_t))) == NULL ||
	    (r->dst_of_node = malloc(f->nnodes * sizeof(uint32_t))) == NULL)
		return -1;
	for (i = 0; i < f->nnodes && rc == 0; i++) {
		r->sw_of_node[i] = r->dst_of_node[i] = FAB_NONE;
		switch (f->nodes[i].role) {
		case ROLE_LEAF:
			r->dst_of_node[i] = r->nleaves;
			rc = push_u32(&r->leaves, &r->nleaves, i);
			break;
		case ROLE_SPINE:
			rc = push_u32(&r->spines, &r->nspines, i);
			break;
		case ROLE_SUPERSPINE:
			rc = push_u32(&r->supers, &r->nsupers, i);
			break;
		default:
			continue;
		}
		if (rc == 0) {
			r->sw_of_node[i] = r->nsw;
			rc = push_u32(&r->sw_node, &r->nsw, i);
		}
	}
	r->ndst = r->nleaves;
	r->dst_node = r->leaves;
	r->leaves = NULL;
	if (rc != 0 || (r->leaves = malloc((r->nleaves + 1) *
	    sizeof(uint32_t))) == NULL)
		return -1;
	memcpy(r->leaves, r->dst_node, r->nleaves * sizeof(uint32_t));
	cells = (size_t)r->ndst * r->nsw;
	if ((r->cap = calloc(cells ? cells : 1, sizeof(float))) == NULL ||
	    (r->set = calloc(cells ? cells : 1, sizeof(uint32_t))) == NULL)
		return -1;
	return 0;
}

/* ---- per destination ---------------------------------------------- */

static float *
capp(struct fab_routes *r, uint32_t dst, uint32_t node)
{
	return &r->cap[(size_t)dst * r->nsw + r->sw_of_node[node]];
}

static double
cap_of(const struct fab_routes *r, uint32_t dst, uint32_t node)
{
	if (r->sw_of_node[node] == FAB_NONE)
		return 0;
	return r->cap[(size_t)dst * r->nsw + r->sw_of_node[node]];
}

/*
 * Recomputes one switch for one destination from its neighbours' stored
 * capacities.  `want' says which neighbours count as next-hops: the
 * destination itself, spines of its pod, or the tier above.
 */
enum hop_kind { HOP_TO_DST, HOP_DOWN_POD, HOP_UP };

static int
node_compute(struct fab_routes *r, const struct fabric *f, uint32_t dst,
    uint32_t node, enum hop_kind kind)
{
	struct route_nh		 v[NH_MAX];
	const struct fab_node	*n = &f->nodes[node];
	uint32_t		 dnode = r->dst_node[dst], i, k = 0, other, id;
	double			 sum = 0, share, c, w;
	int			 down;

	for (i = 0; i < n->nadj && k < NH_MAX; i++) {
		other = fab_link_other(f, n->adj[i], node);
		down = f->nodes[other].role < n->role;
		if (kind == HOP_TO_DST && other != dnode)
			continue;
		if (kind == HOP_DOWN_POD && (!down ||
		    f->nodes[other].role != ROLE_SPINE ||
		    f->nodes[other].pod != f->nodes[dnode].pod))
			continue;
		if (kind == HOP_UP && down)
			continue;
		if (f->nodes[other].role == ROLE_HOST)
			continue;
		c = other == dnode ? CAP_INF : cap_of(r, dst, other);
		share = link_share(f, &r->params, n->adj[i], down);
		if ((w = fmin(share, c)) <= 0)
			continue;
		v[k++] = (struct route_nh){ n->adj[i], other, w };
		sum += w;
	}
	if (!fab_node_usable(f, node) || node == dnode)
		k = 0, sum = 0;
	*capp(r, dst, node) = (float)sum;
	if ((id = set_intern(r, v, k)) == UINT32_MAX)
		return -1;
	r->set[(size_t)dst * r->nsw + r->sw_of_node[node]] = id;
	return 0;
}

static int
in_pod(const struct fabric *f, uint32_t node, uint32_t dnode)
{
	return f->nodes[node].pod == f->nodes[dnode].pod;
}

/* A spine of the destination's pod with a usable direct link to it. */
static int
spine_direct(const struct fab_routes *r, const struct fabric *f,
    uint32_t dst, uint32_t s)
{
	(void)f;
	return r->set[(size_t)dst * r->nsw + r->sw_of_node[s]] != 0;
}

static int
dst_compute(struct fab_routes *r, const struct fabric *f, uint32_t dst)
{
	uint32_t	dnode = r->dst_node[dst], i, s;
	int		rc = 0;

	/* 1. spines of the pod, straight down to the destination */
	for (i = 0; i < r->nspines && rc == 0; i++)
		if (in_pod(f, s = r->spines[i], dnode))
			rc = node_compute(r, f, dst, s, HOP_TO_DST);
	/* 2. super-spines, down to those spines */
	for (i = 0; i < r->nsupers && rc == 0; i++)
		rc = node_compute(r, f, dst, r->supers[i], HOP_DOWN_POD);
	/* 3. other spines (and pod spines without a link to it), up */
	for (i = 0; i < r->nspines && rc == 0; i++) {
		s = r->spines[i];
		if (!in_pod(f, s, dnode) || !spine_direct(r, f, dst, s))
			rc = node_compute(r, f, dst, s, HOP_UP);
	}
	/* 4. leaves, up to their spines */
	for (i = 0; i < r->nleaves && rc == 0; i++)
		rc = node_compute(r, f, dst, r->leaves[i], HOP_UP);
	return rc;
}

/* ---- public ------------------------------------------------------- */

struct fab_routes *
route_new(void)
{
	return calloc(1, sizeof(struct fab_routes));
}

void
route_free(struct fab_routes *r)
{
	if (r == NULL)
		return;
	shape_free(r);
	free(r->sets);
	free(r->set_tab);
	free(r->nh);
	free(r);
}

int
route_compute(struct fab_routes *r, const struct fabric *f,
    const struct route_params *rp)
{
	uint32_t	d;

	r->params = *rp;
	sets_reset(r);
	if (shape_build(r, f) == -1)
		return -1;
	for (d = 0; d < r->ndst; d++)
		if (dst_compute(r, f, d) == -1)
			return -1;
	return 0;
}

/* The leaves of a spine's pod, recomputed after its capacity changed. */
static int
pod_leaves_compute(struct fab_routes *r, const struct fabric *f,
    uint32_t dst, int32_t pod)
{
	uint32_t	i;

	for (i = 0; i < r->nleaves; i++)
		if (f->nodes[r->leaves[i]].pod == pod &&
		    node_compute(r, f, dst, r->leaves[i], HOP_UP) == -1)
			return -1;
	return 0;
}

/*
 * After links change state, capacity or load: recomputes only the
 * (switch, destination) pairs those links can affect.  *recomputed says
 * how many destinations had to be redone whole.
 */
static int
update_link(struct fab_routes *r, const struct fabric *f, uint32_t link,
    size_t *whole)
{
	const struct fab_link	*l = &f->links[link];
	uint32_t		 lo = l->a, hi = l->b, d;
	enum fab_role		 role = f->nodes[lo].role;

	if (role == ROLE_HOST)
		return 0;	/* destinations are leaves: no change */
	for (d = 0; d < r->ndst; d++) {
		uint32_t dnode = r->dst_node[d];
		int full = role == ROLE_LEAF ? dnode == lo :
		    in_pod(f, lo, dnode);

		if (full) {
			(*whole)++;
			if (dst_compute(r, f, d) == -1)
				return -1;
		} else if (role == ROLE_LEAF) {
			if (node_compute(r, f, d, lo, HOP_UP) == -1)
				return -1;
		} else if (node_compute(r, f, d, lo, HOP_UP) == -1 ||
		    pod_leaves_compute(r, f, d, f->nodes[lo].pod) == -1)
			return -1;
	}
	(void)hi;
	return 0;
}

int
route_update(struct fab_routes *r, const struct fabric *f,
    const struct route_params *rp, const uint32_t *links, size_t nlinks,
    size_t *recomputed)
{
	size_t	i, whole = 0;

	if (r->nnodes != f->nnodes || r->cap == NULL)
		return route_compute(r, f, rp);
	r->params = *rp;
	for (i = 0; i < nlinks; i++) {
		if (links[i] >= f->nlinks) {
			errno = EINVAL;
			return -1;
		}
		if (update_link(r, f, links[i], &whole) == -1)
			return -1;
	}
	if (recomputed != NULL)
		*recomputed = whole;
	return 0;
}

int
route_nexthops(const struct fab_routes *r, uint32_t node, uint32_t dst_leaf,
    const struct route_nh **nh)
{
	uint32_t		d, id;
	const struct nh_set	*s;

	*nh = NULL;
	if (node >= r->nnodes || dst_leaf >= r->nnodes ||
	    r->sw_of_node[node] == FAB_NONE ||
	    (d = r->dst_of_node[dst_leaf]) == FAB_NONE)
		return 0;
	if ((id = r->set[(size_t)d * r->nsw + r->sw_of_node[node]]) == 0)
		return 0;
	s = &r->sets[id - 1];
	*nh = r->nh + s->off;
	return (int)s->n;
}

double
route_capacity(const struct fab_routes *r, uint32_t node, uint32_t dst_leaf)
{
	uint32_t	d;

	if (node >= r->nnodes || dst_leaf >= r->nnodes ||
	    (d = r->dst_of_node[dst_leaf]) == FAB_NONE)
		return 0;
	if (node == dst_leaf)
		return CAP_INF;
	return cap_of(r, d, node);
}

size_t
route_memory(const struct fab_routes *r)
{
	size_t	cells = (size_t)r->ndst * r->nsw;

	return sizeof(*r) + cells * (sizeof(float) + sizeof(uint32_t)) +
	    r->setcap * sizeof(struct nh_set) + r->nhcap *
	    sizeof(struct route_nh) + r->set_tabcap * sizeof(uint32_t) +
	    r->nnodes * 2 * sizeof(uint32_t) + r->nsw * sizeof(uint32_t);
}
