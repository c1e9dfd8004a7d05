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
#include "util.h"

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
	uint32_t	 npods;
	uint32_t	*ss_off;	/* [super * (npods + 1) + pod] */
	uint32_t	*ss_links;	/* their links down, grouped by pod */
	uint32_t	*pod_off;	/* [pod]: into pod_leaves */
	uint32_t	*pod_leaves;	/* leaves grouped by pod */
	struct route_params params;
	/* results outside the destination's pod, by super-spine caps */
	struct memo	*memo;
	uint32_t	 nmemo, memocap;
	float		*capx;		/* scratch: super-spine caps */
	uint32_t	*dst_memo;	/* [dst]: the memo it used, or NONE */
};

/*
 * Outside the destination's pod, a switch's capacity and next-hops depend
 * on the destination only through the super-spines' capacities towards
 * it: destinations with the same vector share those results, computed
 * once.  In a healthy fabric all of them do.
 */
#define MEMO_MAX	4096
struct memo {
	uint64_t	 hash;
	uint32_t	 origin;	/* the destination it was made for */
	float		*capx;		/* [nsupers] */
	float		*cap;		/* [nsw] */
	uint32_t	*set;		/* [nsw] */
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
	if (array_grow((void **)&r->sets, &setcap, r->nsets + 1,
	    sizeof(*r->sets)) == -1 ||
	    array_grow((void **)&r->nh, &r->nhcap, r->nnh + n, sizeof(*r->nh)) == -1)
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
	free(r->ss_off);
	free(r->ss_links);
	free(r->pod_off);
	free(r->pod_leaves);
	r->pod_off = r->pod_leaves = NULL;
	free(r->capx);
	free(r->dst_memo);
	r->dst_memo = NULL;
	r->ss_off = r->ss_links = NULL;
	r->capx = NULL;
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

/* The leaves of each pod, for updates that touch one pod. */
static int
pod_index_build(struct fab_routes *r, const struct fabric *f)
{
	uint32_t	i, p, w = 0;

	if ((r->pod_off = calloc(r->npods + 2, sizeof(uint32_t))) == NULL ||
	    (r->pod_leaves = calloc(r->nleaves + 1, sizeof(uint32_t))) == NULL)
		return -1;
	for (p = 0; p < r->npods; p++) {
		r->pod_off[p] = w;
		for (i = 0; i < r->nleaves; i++)
			if (f->nodes[r->leaves[i]].pod == (int32_t)p)
				r->pod_leaves[w++] = r->leaves[i];
	}
	r->pod_off[r->npods] = w;
	return 0;
}

/* Each super-spine's links down, grouped by the pod of the spine below. */
static int
ss_index_build(struct fab_routes *r, const struct fabric *f)
{
	const struct fab_node	*n;
	uint32_t		 i, k, o, p, w = 0, stride, total = 0;

	r->npods = 0;
	for (i = 0; i < f->nnodes; i++)
		if (f->nodes[i].pod >= 0 && (uint32_t)f->nodes[i].pod + 1 >
		    r->npods)
			r->npods = f->nodes[i].pod + 1;
	stride = r->npods + 1;
	for (i = 0; i < r->nsupers; i++)
		total += f->nodes[r->supers[i]].nadj;
	if ((r->ss_off = calloc((size_t)r->nsupers * stride + 1,
	    sizeof(uint32_t))) == NULL ||
	    (r->ss_links = calloc(total + 1, sizeof(uint32_t))) == NULL)
		return -1;
	for (i = 0; i < r->nsupers; i++) {
		n = &f->nodes[r->supers[i]];
		for (p = 0; p < r->npods; p++) {
			r->ss_off[i * stride + p] = w;
			for (k = 0; k < n->nadj; k++) {
				o = fab_link_other(f, n->adj[k], r->supers[i]);
				if (f->nodes[o].role == ROLE_SPINE &&
				    f->nodes[o].pod == (int32_t)p)
					r->ss_links[w++] = n->adj[k];
			}
		}
		r->ss_off[i * stride + r->npods] = w;
	}
	return pod_index_build(r, f);
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
	    (r->set = calloc(cells ? cells : 1, sizeof(uint32_t))) == NULL ||
	    (r->capx = calloc(r->nsupers + 1, sizeof(float))) == NULL ||
	    (r->dst_memo = malloc((r->ndst + 1) * sizeof(uint32_t))) == NULL)
		return -1;
	memset(r->dst_memo, 0xff, (r->ndst + 1) * sizeof(uint32_t));
	return ss_index_build(r, f);
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

/*
 * The same, into any row of (capacity, set) pairs: a destination's row,
 * or a shared "outside" row.
 */
static int
node_compute_row(struct fab_routes *r, const struct fabric *f, uint32_t dst,
    float *caprow, uint32_t *setrow, uint32_t node, enum hop_kind kind)
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
		c = other == dnode ? CAP_INF : caprow[r->sw_of_node[other]];
		share = link_share(f, &r->params, n->adj[i], down);
		if ((w = fmin(share, c)) <= 0)
			continue;
		v[k++] = (struct route_nh){ n->adj[i], other, w };
		sum += w;
	}
	if (!fab_node_usable(f, node))
		k = 0, sum = 0;
	caprow[r->sw_of_node[node]] = (float)sum;
	if ((id = set_intern(r, v, k)) == UINT32_MAX)
		return -1;
	setrow[r->sw_of_node[node]] = id;
	return 0;
}

static int
node_compute(struct fab_routes *r, const struct fabric *f, uint32_t dst,
    uint32_t node, enum hop_kind kind)
{
	return node_compute_row(r, f, dst, &r->cap[(size_t)dst * r->nsw],
	    &r->set[(size_t)dst * r->nsw], node, kind);
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

/* The destination leaf routes nothing to itself. */
static void
self_empty(struct fab_routes *r, uint32_t dst)
{
	uint32_t	dnode = r->dst_node[dst];

	*capp(r, dst, dnode) = 0;
	r->set[(size_t)dst * r->nsw + r->sw_of_node[dnode]] = 0;
}

/* Two tiers: one pod, no super-spines, nothing to share. */
static int
dst_compute_flat(struct fab_routes *r, const struct fabric *f, uint32_t dst)
{
	uint32_t	dnode = r->dst_node[dst], i, s;
	int		rc = 0;

	for (i = 0; i < r->nspines && rc == 0; i++)
		if (in_pod(f, s = r->spines[i], dnode))
			rc = node_compute(r, f, dst, s, HOP_TO_DST);
	for (i = 0; i < r->nspines && rc == 0; i++) {
		s = r->spines[i];
		if (!in_pod(f, s, dnode) || !spine_direct(r, f, dst, s))
			rc = node_compute(r, f, dst, s, HOP_UP);
	}
	for (i = 0; i < r->nleaves && rc == 0; i++)
		rc = node_compute(r, f, dst, r->leaves[i], HOP_UP);
	self_empty(r, dst);
	return rc;
}

/* A super-spine, down to the spines of the destination's pod. */
static int
super_compute(struct fab_routes *r, const struct fabric *f, uint32_t dst,
    uint32_t si)
{
	struct route_nh	 v[NH_MAX];
	uint32_t	 x = r->supers[si], dnode = r->dst_node[dst], k = 0, i;
	uint32_t	 stride = r->npods + 1, pod = f->nodes[dnode].pod, o, id;
	double		 sum = 0, w;

	for (i = r->ss_off[si * stride + pod];
	    i < r->ss_off[si * stride + pod + 1] && k < NH_MAX; i++) {
		o = fab_link_other(f, r->ss_links[i], x);
		w = fmin(link_share(f, &r->params, r->ss_links[i], 1),
		    cap_of(r, dst, o));
		if (w <= 0)
			continue;
		v[k++] = (struct route_nh){ r->ss_links[i], o, w };
		sum += w;
	}
	if (!fab_node_usable(f, x))
		k = 0, sum = 0;
	*capp(r, dst, x) = (float)sum;
	r->capx[si] = (float)sum;
	if ((id = set_intern(r, v, k)) == UINT32_MAX)
		return -1;
	r->set[(size_t)dst * r->nsw + r->sw_of_node[x]] = id;
	return 0;
}

static uint64_t
capx_hash(const float *capx, uint32_t n)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	uint32_t	i, bits;

	for (i = 0; i < n; i++) {
		memcpy(&bits, &capx[i], 4);
		h = (h ^ bits) * 0x100000001b3ULL;
	}
	return h;
}

static uint32_t
memo_find(struct fab_routes *r, uint64_t h)
{
	uint32_t	i;

	for (i = 0; i < r->nmemo; i++)
		if (r->memo[i].hash == h && memcmp(r->memo[i].capx, r->capx,
		    r->nsupers * sizeof(float)) == 0)
			return i;
	return FAB_NONE;
}

static void
memo_clear(struct fab_routes *r)
{
	uint32_t	i;

	for (i = 0; i < r->nmemo; i++) {
		free(r->memo[i].capx);
		free(r->memo[i].cap);
		free(r->memo[i].set);
	}
	r->nmemo = 0;
	if (r->dst_memo != NULL)
		memset(r->dst_memo, 0xff, (r->ndst + 1) * sizeof(uint32_t));
}

/* Keeps row dst, computed with every switch outside, for reuse. */
static void
memo_store(struct fab_routes *r, uint32_t dst, uint64_t h)
{
	struct memo	*m;
	size_t		 cap = r->memocap;

	if (r->nmemo >= MEMO_MAX || array_grow((void **)&r->memo, &cap,
	    r->nmemo + 1, sizeof(*r->memo)) == -1)
		return;		/* not remembering only costs time */
	r->memocap = cap;
	m = &r->memo[r->nmemo];
	m->hash = h;
	m->origin = dst;
	m->capx = malloc(r->nsupers * sizeof(float));
	m->cap = malloc(r->nsw * sizeof(float));
	m->set = malloc(r->nsw * sizeof(uint32_t));
	if (m->capx == NULL || m->cap == NULL || m->set == NULL) {
		free(m->capx);
		free(m->cap);
		free(m->set);
		return;
	}
	memcpy(m->capx, r->capx, r->nsupers * sizeof(float));
	memcpy(m->cap, &r->cap[(size_t)dst * r->nsw], r->nsw * sizeof(float));
	memcpy(m->set, &r->set[(size_t)dst * r->nsw], r->nsw *
	    sizeof(uint32_t));
	r->dst_memo[dst] = r->nmemo;
	r->nmemo++;
}

/* Every spine and leaf as if the destination were in another pod. */
static int
outside_compute(struct fab_routes *r, const struct fabric *f, uint32_t dst)
{
	uint32_t	i;

	for (i = 0; i < r->nspines; i++)
		if (node_compute(r, f, dst, r->spines[i], HOP_UP) == -1)
			return -1;
	for (i = 0; i < r->nleaves; i++)
		if (node_compute(r, f, dst, r->leaves[i], HOP_UP) == -1)
			return -1;
	return 0;
}

/* The destination's own pod, on top of the outside results. */
static int
pod_compute(struct fab_routes *r, const struct fabric *f, uint32_t dst)
{
	uint32_t	dnode = r->dst_node[dst], i, s;

	for (i = 0; i < r->nspines; i++)
		if (in_pod(f, s = r->spines[i], dnode) &&
		    node_compute(r, f, dst, s, HOP_TO_DST) == -1)
			return -1;
	for (i = 0; i < r->nsupers; i++)
		if (super_compute(r, f, dst, i) == -1)
			return -1;
	for (i = 0; i < r->nspines; i++)
		if (in_pod(f, s = r->spines[i], dnode) &&
		    !spine_direct(r, f, dst, s) &&
		    node_compute(r, f, dst, s, HOP_UP) == -1)
			return -1;
	for (i = 0; i < r->nleaves; i++)
		if (in_pod(f, r->leaves[i], dnode) &&
		    node_compute(r, f, dst, r->leaves[i], HOP_UP) == -1)
			return -1;
	self_empty(r, dst);
	return 0;
}

static int
dst_compute(struct fab_routes *r, const struct fabric *f, uint32_t dst)
{
	uint32_t	dnode = r->dst_node[dst], i, s, mi;
	struct memo	*m;
	uint64_t	 h;

	r->dst_memo[dst] = FAB_NONE;
	if (r->nsupers == 0)
		return dst_compute_flat(r, f, dst);
	/* the super-spines' capacities key the shared part */
	for (i = 0; i < r->nspines; i++)
		if (in_pod(f, s = r->spines[i], dnode) &&
		    node_compute(r, f, dst, s, HOP_TO_DST) == -1)
			return -1;
	for (i = 0; i < r->nsupers; i++)
		if (super_compute(r, f, dst, i) == -1)
			return -1;
	h = capx_hash(r->capx, r->nsupers);
	if ((mi = memo_find(r, h)) != FAB_NONE) {
		m = &r->memo[mi];
		memcpy(&r->cap[(size_t)dst * r->nsw], m->cap,
		    r->nsw * sizeof(float));
		memcpy(&r->set[(size_t)dst * r->nsw], m->set,
		    r->nsw * sizeof(uint32_t));
		r->dst_memo[dst] = mi;
	} else {
		if (outside_compute(r, f, dst) == -1)
			return -1;
		memo_store(r, dst, h);
	}
	return pod_compute(r, f, dst);
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
	memo_clear(r);
	free(r->memo);
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
	memo_clear(r);
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

	if (pod < 0 || (uint32_t)pod >= r->npods)
		return 0;
	for (i = r->pod_off[pod]; i < r->pod_off[pod + 1]; i++)
		if (node_compute(r, f, dst, r->pod_leaves[i], HOP_UP) == -1)
			return -1;
	return 0;
}

/* Copies one switch's entry from a destination's memo row. */
static void
take_from_memo(struct fab_routes *r, uint32_t dst, uint32_t node)
{
	const struct memo	*m = &r->memo[r->dst_memo[dst]];
	uint32_t		 sw = r->sw_of_node[node];

	r->cap[(size_t)dst * r->nsw + sw] = m->cap[sw];
	r->set[(size_t)dst * r->nsw + sw] = m->set[sw];
}

/* Recomputes `node' (and then `pod's leaves) in every memo row. */
static int
memo_update(struct fab_routes *r, const struct fabric *f, uint32_t node,
    int32_t pod)
{
	struct memo	*m;
	uint32_t	 i, k;

	for (i = 0; i < r->nmemo; i++) {
		m = &r->memo[i];
		if (node_compute_row(r, f, m->origin, m->cap, m->set, node,
		    HOP_UP) == -1)
			return -1;
		if (pod < 0)
			continue;
		for (k = r->pod_off[pod]; k < r->pod_off[pod + 1]; k++)
			if (node_compute_row(r, f, m->origin, m->cap, m->set,
			    r->pod_leaves[k], HOP_UP) == -1)
				return -1;
	}
	return 0;
}

/*
 * One destination outside the changed link's pod: the changed switch
 * (and for a spine, its pod's leaves) from the memo row if it has one.
 */
static int
update_outside(struct fab_routes *r, const struct fabric *f, uint32_t d,
    uint32_t node, int32_t pod)
{
	uint32_t	k;

	if (r->dst_memo[d] == FAB_NONE)
		return node_compute(r, f, d, node, HOP_UP) == -1 ||
		    (pod >= 0 && pod_leaves_compute(r, f, d, pod) == -1) ?
		    -1 : 0;
	take_from_memo(r, d, node);
	for (k = pod < 0 ? 0 : r->pod_off[pod];
	    pod >= 0 && k < r->pod_off[pod + 1]; k++)
		take_from_memo(r, d, r->pod_leaves[k]);
	return 0;
}

/*
 * After one link changed state or capacity: recomputes only the
 * (switch, destination) pairs it can affect.  A leaf-spine link changes
 * the leaf's next-hops for every destination and everything for the leaf
 * as a destination; a spine-super-spine link changes everything for the
 * spine's pod and, elsewhere, the spine and its pod's leaves.  *whole
 * counts the destinations redone whole.
 */
static int
update_link(struct fab_routes *r, const struct fabric *f, uint32_t link,
    size_t *whole)
{
	const struct fab_link	*l = &f->links[link];
	uint32_t		 lo = l->a, d, dnode;
	enum fab_role		 role = f->nodes[lo].role;
	int32_t			 pod = role == ROLE_SPINE ? f->nodes[lo].pod : -1;

	if (role == ROLE_HOST)
		return 0;	/* destinations are leaves: no change */
	if (r->nsupers > 0 && memo_update(r, f, lo, pod) == -1)
		return -1;
	for (d = 0; d < r->ndst; d++) {
		dnode = r->dst_node[d];
		if (role == ROLE_LEAF ? dnode == lo : in_pod(f, lo, dnode)) {
			(*whole)++;
			if (dst_compute(r, f, d) == -1)
				return -1;
		} else if (role == ROLE_LEAF && in_pod(f, lo, dnode)) {
			if (node_compute(r, f, d, lo, HOP_UP) == -1)
				return -1;
		} else if (r->nsupers == 0) {
			if (node_compute(r, f, d, lo, HOP_UP) == -1 ||
			    (pod >= 0 && pod_leaves_compute(r, f, d, pod) ==
			    -1))
				return -1;
		} else if (update_outside(r, f, d, lo, pod) == -1)
			return -1;
	}
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
