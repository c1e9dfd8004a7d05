/*
 * Up-down (valley-free) next-hops and paths, as a converged BGP Clos
 * fabric has them: at every switch, towards every leaf, the neighbours on
 * a shortest valley-free path over usable links.  This is the data
 * plane's view of reachability, independent of any controller's weights:
 * ECMP hashes over these, the weighted policies intersect them with the
 * controller's next-hops, and the optimum and assign_flows() enumerate
 * the paths they make.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static int
role_of(const struct fabric *f, uint32_t n)
{
	return (int)f->nodes[n].role;
}

int
sim_ld_is_host(const struct fabric *f, uint32_t ld)
{
	return f->nodes[f->links[SIM_LD_LINK(ld)].a].role == ROLE_HOST;
}

void
sim_paths_free(struct sim_paths *p)
{
	free(p->leaves);
	free(p->leaf_idx);
	free(p->hdown);
	free(p->hup);
	free(p->usable);
	memset(p, 0, sizeof(*p));
}

int
sim_paths_init(struct sim_paths *p, const struct fabric *f)
{
	uint32_t	i;
	size_t		cells;

	memset(p, 0, sizeof(*p));
	p->fab = f;
	p->nnodes = f->nnodes;
	if ((p->leaves = calloc(f->nnodes + 1, sizeof(*p->leaves))) == NULL ||
	    (p->leaf_idx = calloc(f->nnodes + 1, sizeof(*p->leaf_idx))) ==
	    NULL)
		goto fail;
	for (i = 0; i < f->nnodes; i++) {
		p->leaf_idx[i] = FAB_NONE;
		if (f->nodes[i].role == ROLE_LEAF) {
			p->leaf_idx[i] = p->nleaves;
			p->leaves[p->nleaves++] = i;
		}
	}
	cells = (size_t)p->nleaves * f->nnodes;
	if ((p->hdown = calloc(cells + 1, sizeof(*p->hdown))) == NULL ||
	    (p->hup = calloc(cells + 1, sizeof(*p->hup))) == NULL ||
	    (p->usable = calloc(f->nlinks + 1, 1)) == NULL)
		goto fail;
	return sim_paths_update(p);
fail:
	sim_paths_free(p);
	errno = ENOMEM;
	return -1;
}

/* The best hop count over n's usable links to neighbours of `dir'. */
static uint16_t
best_via(const struct fabric *f, const uint16_t *h, uint32_t n, int up)
{
	const struct fab_node	*nd = &f->nodes[n];
	uint32_t		 i, m;
	uint16_t		 best = SIM_HINF;

	for (i = 0; i < nd->nadj; i++) {
		m = fab_link_other(f, nd->adj[i], n);
		if (role_of(f, m) == ROLE_HOST ||
		    (role_of(f, m) > role_of(f, n)) != up ||
		    role_of(f, m) == role_of(f, n) ||
		    fab_link_usable(f, nd->adj[i]) <= 0)
			continue;
		if (h[m] != SIM_HINF && h[m] + 1 < best)
			best = h[m] + 1;
	}
	return best;
}

static void
leaf_update(struct sim_paths *p, uint32_t li)
{
	const struct fabric	*f = p->fab;
	uint16_t		*hd = p->hdown + (size_t)li * p->nnodes;
	uint16_t		*hu = p->hup + (size_t)li * p->nnodes;
	uint32_t		 n, d = p->leaves[li];
	int			 role;

	for (n = 0; n < p->nnodes; n++)
		hd[n] = hu[n] = SIM_HINF;
	if (!fab_node_usable(f, d))
		return;
	hd[d] = 0;
	for (role = ROLE_SPINE; role <= ROLE_SUPERSPINE; role++)
		for (n = 0; n < p->nnodes; n++)
			if (role_of(f, n) == role && fab_node_usable(f, n))
				hd[n] = best_via(f, hd, n, 0);
	for (role = ROLE_SUPERSPINE; role >= ROLE_LEAF; role--)
		for (n = 0; n < p->nnodes; n++) {
			uint16_t	v;

			if (role_of(f, n) != role || !fab_node_usable(f, n))
				continue;
			v = best_via(f, hu, n, 1);
			hu[n] = hd[n] < v ? hd[n] : v;
		}
}

/* Recomputes the hop counts after the fabric's state changed. */
int
sim_paths_update(struct sim_paths *p)
{
	uint32_t	li, l;

	if (p->fab->nnodes != p->nnodes) {
		errno = EINVAL;
		return -1;
	}
	for (l = 0; l < p->fab->nlinks; l++)
		p->usable[l] = fab_link_usable(p->fab, l) > 0;
	for (li = 0; li < p->nleaves; li++)
		leaf_update(p, li);
	return 0;
}

/*
 * The next-hops of `node' towards `dst_leaf': after a step down only
 * further steps down are valley-free.  Returns how many (at most max),
 * in the node's link order.
 */
int
sim_paths_cands(const struct sim_paths *p, uint32_t node, int down,
    uint32_t dst_leaf, struct sim_cand *out, int max)
{
	const struct fabric	*f = p->fab;
	const struct fab_node	*nd = &f->nodes[node];
	const uint16_t		*hd, *hu;
	uint32_t		 li = p->leaf_idx[dst_leaf], i, m;
	uint16_t		 want;
	int			 k = 0, up;

	if (li == FAB_NONE || nd->nadj > UINT16_MAX)
		return 0;
	hd = p->hdown + (size_t)li * p->nnodes;
	hu = p->hup + (size_t)li * p->nnodes;
	want = down ? hd[node] : hu[node];
	if (want == SIM_HINF || want == 0)
		return 0;
	for (i = 0; i < nd->nadj && k < max; i++) {
		m = fab_link_other(f, nd->adj[i], node);
		if (!p->usable[nd->adj[i]] || role_of(f, m) == ROLE_HOST ||
		    role_of(f, m) == role_of(f, node))
			continue;
		up = role_of(f, m) > role_of(f, node);
		if (up && down)
			continue;
		if ((up ? hu[m] : hd[m]) == SIM_HINF ||
		    (up ? hu[m] : hd[m]) + 1 != want)
			continue;
		out[k].link = nd->adj[i];
		out[k].next = m;
		out[k].adj = (uint16_t)i;
		out[k].down = !up;
		k++;
	}
	return k;
}

struct enum_ctx {
	const struct sim_paths *p;
	uint32_t	 dst;
	uint32_t	*ld;
	uint8_t		*nld;
	size_t		 max, n;
	uint32_t	 cur[SIM_HOPS_MAX];
	int		 overflow;
};

static void
enum_r(struct enum_ctx *c, uint32_t node, int down, int depth)
{
	struct sim_cand	cand[256];
	int		n, i;

	if (node == c->dst) {
		if (c->n == c->max) {
			c->overflow = 1;
			return;
		}
		memcpy(c->ld + c->n * SIM_HOPS_MAX, c->cur,
		    depth * sizeof(*c->cur));
		c->nld[c->n++] = (uint8_t)depth;
		return;
	}
	if (depth == SIM_HOPS_MAX - 2)
		return;
	n = sim_paths_cands(c->p, node, down, c->dst, cand, 256);
	for (i = 0; i < n && !c->overflow; i++) {
		c->cur[depth] = SIM_LD(cand[i].link, cand[i].down);
		enum_r(c, cand[i].next, cand[i].down, depth + 1);
	}
}

/*
 * Every shortest up-down path from one leaf to another, as link
 * directions: path i is ld[i * SIM_HOPS_MAX ...], nld[i] long.  -1 with
 * E2BIG when there are more than maxpaths.
 */
int
sim_paths_enum(const struct sim_paths *p, uint32_t src_leaf,
    uint32_t dst_leaf, uint32_t *ld, uint8_t *nld, size_t maxpaths,
    size_t *npaths)
{
	struct enum_ctx	c = { .p = p, .dst = dst_leaf, .ld = ld, .nld = nld,
			    .max = maxpaths };

	*npaths = 0;
	if (src_leaf != dst_leaf)
		enum_r(&c, src_leaf, 0, 0);
	*npaths = c.n;
	if (c.overflow) {
		errno = E2BIG;
		return -1;
	}
	return 0;
}
