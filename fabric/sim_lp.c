/*
 * The optimum: for each phase of the job, the shortest time in which its
 * transfers can all finish under fluid, splittable routing over the
 * shortest up-down paths (the maximum concurrent flow, solved with GLPK's
 * simplex); the phases' times add up to JCT_opt.  No routing that sends
 * each flow along one path at a time can do better.  docs/SIMULATOR.md
 * has the formulation; in short, in volumes (Gbit) and seconds:
 *
 *   minimise tau
 *   sum_j v[i][j] = V[i]                      each transfer, all intervals
 *   sum_p x[c][p][j] = sum_{i in c} v[i][j] + B[c][j] * len_j
 *   sum_{(c,p) through e} x[c][p][j] <= cap[e][j] * len_j     link dir e
 *   sum_{i through h} v[i][j] <= (cap[h][j] - Bh[h][j]) * len_j  host h
 *
 * over the intervals j = 1..J in which the fabric and the background are
 * constant (breakpoints: link events, background start and stop); the
 * last interval's len_J is the variable tau (bounded by the interval).  J
 * grows from 1 until the LP is feasible.  With J = 1 this is exactly the
 * maximum concurrent flow: lambda = 1 / tau.  Commodities are leaf pairs
 * (all hosts of a leaf share its paths); the hosts' own links are the
 * per-transfer rows.  Background traffic is inelastic: fixed-rate flows
 * at their rate, Poisson arrivals at their mean offered load.
 *
 * Three ways to the same optimum (docs/SIMULATOR.md, "Solving it"):
 * the full LP above, every path a column (SIM_OPT_PATHS, the reference;
 * 16,384 paths per leaf pair across three-tier pods); column generation
 * (SIM_OPT_COLGEN: paths priced in under the links' duals); and, first,
 * with one interval, a fluid split whose time meets a lower bound (the
 * hosts' links, a cut), which needs no LP (SIM_OPT_AUTO, sim_optimal).
 */
#include "config.h"

#include <errno.h>
#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sim.h"

#define GBIT		1e9
#define INTERVALS_MAX	64

struct agg {
	uint32_t	src, dst, sl, dl;
	uint32_t	comm;		/* FAB_NONE: inside one leaf */
	double		vol;		/* Gbit */
	double		dem;		/* non-blocking rate, Gbit/s */
};

struct ivl {
	double		 start, len;	/* len INFINITY: open */
	uint32_t	*poff;		/* [comm]: into ld/nld, +1 entry */
	uint32_t	*ld;
	uint8_t		*nld;
	double		*bgc;		/* [comm]: Gbit/s */
	double		*bgh;		/* [ld]: host link dirs, Gbit/s */
	double		*cap;		/* [ld]: Gbit/s */
};

struct lpctx {
	struct sim_scenario	*sc;
	struct fabric		*f;
	struct sim_paths	 paths;
	struct sim_mm		 mm;
	uint32_t		 nld;
	struct sim_event	*ev;		/* sorted by time */
	double			*brk;		/* breakpoints, sorted */
	uint32_t		 nbrk;
	int			 applied;	/* events applied, -1: none */
	struct agg		*agg;
	uint32_t		 nagg;
	uint32_t		*comm_of;	/* [sl_idx * nleaves + dl_idx] */
	uint32_t		*comm_sl, *comm_dl;
	uint32_t		 ncomm;
	struct ivl		 iv[INTERVALS_MAX];
	uint32_t		 niv;
	uint32_t		*pld;		/* scratch for one leaf pair */
	uint8_t			*pnld;
	/* the matrix */
	int			*ia, *ja;
	double			*ar;
	size_t			 nnz, nzcap;
	struct sim_result	*res;
	enum sim_opt_method	 method;
	struct sim_opt_stats	*stats;
};

/* ---- the fabric at a time ----------------------------------------------- */

static int
ev_cmp(const void *a, const void *b)
{
	const struct sim_event	*x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The fabric as it physically is at time t (events at t included). */
static int
state_at(struct lpctx *c, double t)
{
	const struct sim_event	*e;
	struct fab_link		*l;
	int			 k, n = 0;

	while (n < (int)c->sc->nevents && c->ev[n].at <= t)
		n++;
	if (n == c->applied)
		return 0;
	sim_scen_reset(c->sc);
	for (k = 0; k < n; k++) {
		e = &c->ev[k];
		l = &c->f->links[e->link];
		fab_link_set_state(c->f, e->link, e->action == SIM_EV_DOWN ?
		    FAB_DOWN : FAB_UP);
		l->capacity = e->action == SIM_EV_DEGRADE ?
		    c->sc->nominal[e->link] * e->fraction :
		    c->sc->nominal[e->link];
	}
	c->f->version++;
	c->applied = n;
	return sim_paths_update(&c->paths);
}

static void
breakpoints(struct lpctx *c)
{
	uint32_t	i;

	for (i = 0; i < c->sc->nevents; i++)
		c->brk[c->nbrk++] = c->sc->events[i].at;
	for (i = 0; i < c->sc->nbgs; i++) {
		c->brk[c->nbrk++] = c->sc->bgs[i].start;
		if (isfinite(c->sc->bgs[i].stop))
			c->brk[c->nbrk++] = c->sc->bgs[i].stop;
	}
	if (c->nbrk > 0)
		qsort(c->brk, c->nbrk, sizeof(*c->brk), dbl_cmp);
}

/* ---- commodities ----------------------------------------------------------- */

static uint32_t
comm_get(struct lpctx *c, uint32_t sl, uint32_t dl)
{
	uint32_t	*slot, nl = c->paths.nleaves;

	slot = &c->comm_of[(size_t)c->paths.leaf_idx[sl] * nl +
	    c->paths.leaf_idx[dl]];
	if (*slot == FAB_NONE) {
		c->comm_sl[c->ncomm] = sl;
		c->comm_dl[c->ncomm] = dl;
		*slot = c->ncomm++;
	}
	return *slot;
}

static void
comm_clear(struct lpctx *c)
{
	uint32_t	i, nl = c->paths.nleaves;

	for (i = 0; i < c->ncomm; i++)
		c->comm_of[(size_t)c->paths.leaf_idx[c->comm_sl[i]] * nl +
		    c->paths.leaf_idx[c->comm_dl[i]]] = FAB_NONE;
	c->ncomm = 0;
}

static int
xfer_cmp(const void *a, const void *b)
{
	const struct sim_xfer	*x = a, *y = b;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->dst < y->dst ? -1 : x->dst > y->dst;
}

/* Non-blocking rates: max-min over the hosts' links alone. */
static int
xfer_demands(struct lpctx *c, const struct sim_xfer *x, size_t n, double *dem)
{
	uint32_t	*off, *hops;
	double		*cap;
	size_t		 i;
	int		 r = -1;

	off = calloc(n + 1, sizeof(*off));
	hops = calloc(2 * n + 1, sizeof(*hops));
	cap = calloc(c->nld + 1, sizeof(*cap));
	if (off == NULL || hops == NULL || cap == NULL)
		goto out;
	for (i = 0; i < c->nld; i++)
		cap[i] = fab_link_usable(c->f, SIM_LD_LINK(i)) / GBIT;
	for (i = 0; i < n; i++) {
		hops[2 * i] = SIM_LD(sim_host_link(c->f, x[i].src), 0);
		hops[2 * i + 1] = SIM_LD(sim_host_link(c->f, x[i].dst), 1);
		off[i + 1] = 2 * (i + 1);
	}
	r = sim_maxmin(&c->mm, c->nld, cap, (uint32_t)n, off, hops, NULL,
	    dem);
out:
	free(off);
	free(hops);
	free(cap);
	return r;
}

/* The phase's transfers, summed per (src, dst) host pair. */
static int
aggregate(struct lpctx *c, const struct sim_xfer *xf, size_t n)
{
	struct sim_xfer	*x;
	double		*dem;
	struct agg	*a;
	size_t		 i;

	x = reallocarray(NULL, n, sizeof(*x));
	dem = calloc(n + 1, sizeof(*dem));
	if (x == NULL || dem == NULL || (c->agg = calloc(n + 1,
	    sizeof(*c->agg))) == NULL) {
		free(x);
		free(dem);
		return -1;
	}
	if (n > 0) {
		memcpy(x, xf, n * sizeof(*x));
		qsort(x, n, sizeof(*x), xfer_cmp);
	}
	if (xfer_demands(c, x, n, dem) == -1) {
		free(x);
		free(dem);
		return -1;
	}
	c->nagg = 0;
	for (i = 0; i < n; i++) {
		a = &c->agg[c->nagg];
		if (c->nagg == 0 || a[-1].src != x[i].src ||
		    a[-1].dst != x[i].dst) {
			a->src = x[i].src;
			a->dst = x[i].dst;
			a->sl = sim_host_leaf(c->f, x[i].src);
			a->dl = sim_host_leaf(c->f, x[i].dst);
			a->comm = a->sl == a->dl ? FAB_NONE :
			    comm_get(c, a->sl, a->dl);
			c->nagg++;
		} else
			a--;
		a->vol += x[i].bits / GBIT;
		a->dem += dem[i];
	}
	free(x);
	free(dem);
	return 0;
}

/* ---- background, per interval ------------------------------------------- */

static void
bg_fixed(struct lpctx *c, struct ivl *v, const struct sim_bg *b)
{
	uint32_t	sl = sim_host_leaf(c->f, b->src);
	uint32_t	dl = sim_host_leaf(c->f, b->dst);
	double		r = b->rate / GBIT;

	v->bgh[SIM_LD(sim_host_link(c->f, b->src), 0)] += r;
	v->bgh[SIM_LD(sim_host_link(c->f, b->dst), 1)] += r;
	if (sl != dl)
		v->bgc[comm_get(c, sl, dl)] += r;
}

/* The mean offered load, spread evenly over the ordered host pairs. */
static int
bg_poisson(struct lpctx *c, struct ivl *v, const struct sim_bg *b)
{
	uint32_t	*cnt, i, k, nl = c->paths.nleaves;
	double		 mean = 0, pair, h = b->nhosts;

	if ((cnt = calloc(nl + 1, sizeof(*cnt))) == NULL)
		return -1;
	for (i = 0; i < b->nsizes; i++)
		mean += b->sizes[i] / b->nsizes;
	pair = b->rate * mean / GBIT / (h * (h - 1));
	for (i = 0; i < b->nhosts; i++) {
		cnt[c->paths.leaf_idx[sim_host_leaf(c->f, b->hosts[i])]]++;
		v->bgh[SIM_LD(sim_host_link(c->f, b->hosts[i]), 0)] +=
		    pair * (h - 1);
		v->bgh[SIM_LD(sim_host_link(c->f, b->hosts[i]), 1)] +=
		    pair * (h - 1);
	}
	for (i = 0; i < nl; i++)
		for (k = 0; k < nl; k++)
			if (i != k && cnt[i] > 0 && cnt[k] > 0)
				v->bgc[comm_get(c, c->paths.leaves[i],
				    c->paths.leaves[k])] += pair * cnt[i] *
				    cnt[k];
	free(cnt);
	return 0;
}

/* ---- intervals -------------------------------------------------------------- */

static void
ivl_free(struct ivl *v)
{
	free(v->poff);
	free(v->ld);
	free(v->nld);
	free(v->bgc);
	free(v->bgh);
	free(v->cap);
	memset(v, 0, sizeof(*v));
}

static int
ivl_paths(struct lpctx *c, struct ivl *v)
{
	size_t		 n, total = 0, cap = 0, i;
	uint32_t	 k;
	void		*p;

	for (k = 0; k < c->ncomm; k++) {
		v->poff[k] = (uint32_t)total;
		if (sim_paths_enum(&c->paths, c->comm_sl[k], c->comm_dl[k],
		    c->pld, c->pnld, SIM_PATHS_MAX, &n) == -1)
			return -1;
		if (total + n > cap) {
			cap = (total + n) * 2;
			if ((p = reallocarray(v->ld, cap, SIM_HOPS_MAX *
			    sizeof(*v->ld))) == NULL)
				return -1;
			v->ld = p;
			if ((p = reallocarray(v->nld, cap, 1)) == NULL)
				return -1;
			v->nld = p;
		}
		for (i = 0; i < n; i++) {
			memcpy(v->ld + (total + i) * SIM_HOPS_MAX, c->pld +
			    i * SIM_HOPS_MAX, SIM_HOPS_MAX * sizeof(*v->ld));
			v->nld[total + i] = c->pnld[i];
		}
		total += n;
	}
	v->poff[c->ncomm] = (uint32_t)total;
	return 0;
}

/*
 * Interval j from `start': the fabric then, the background then, every
 * commodity's paths.  Commodities first made for the background are
 * added before the paths are listed.
 */
static int
ivl_make(struct lpctx *c, struct ivl *v, double start, double end)
{
	const struct sim_bg	*b;
	uint32_t		 i, ncomm_max = c->paths.nleaves *
				    c->paths.nleaves + 1;

	memset(v, 0, sizeof(*v));
	v->start = start;
	v->len = end - start;
	if (state_at(c, start) == -1 ||
	    (v->poff = calloc(ncomm_max + 1, sizeof(*v->poff))) == NULL ||
	    (v->bgc = calloc(ncomm_max, sizeof(*v->bgc))) == NULL ||
	    (v->bgh = calloc(c->nld + 1, sizeof(*v->bgh))) == NULL ||
	    (v->cap = calloc(c->nld + 1, sizeof(*v->cap))) == NULL)
		return -1;
	for (i = 0; i < c->nld; i++)
		v->cap[i] = fab_link_usable(c->f, SIM_LD_LINK(i)) / GBIT;
	for (i = 0; i < c->sc->nbgs; i++) {
		b = &c->sc->bgs[i];
		if (b->start > start || b->stop <= start)
			continue;
		if (b->type == SIM_BG_FIXED)
			bg_fixed(c, v, b);
		else if (bg_poisson(c, v, b) == -1)
			return -1;
	}
	return 0;
}

/* ---- the LP ------------------------------------------------------------------ */

static int
nz(struct lpctx *c, int row, int col, double v)
{
	void	*p;
	size_t	 cap;

	if (c->nnz + 2 > c->nzcap) {
		cap = c->nzcap ? c->nzcap * 2 : 4096;
		if ((p = reallocarray(c->ia, cap, sizeof(int))) == NULL)
			return -1;
		c->ia = p;
		if ((p = reallocarray(c->ja, cap, sizeof(int))) == NULL)
			return -1;
		c->ja = p;
		if ((p = reallocarray(c->ar, cap, sizeof(double))) == NULL)
			return -1;
		c->ar = p;
		c->nzcap = cap;
	}
	c->nnz++;
	c->ia[c->nnz] = row;
	c->ja[c->nnz] = col;
	c->ar[c->nnz] = v;
	return 0;
}

struct layout {
	uint32_t	 J;
	int		 vcol;		/* v[i][j] = vcol + i * J + j */
	int		*xcol;		/* [j * (ncomm + 1) + k]: first path */
	int		 ncols;
};

static int
add_row(glp_prob *lp, int type, double bound)
{
	int	r = glp_add_rows(lp, 1);

	glp_set_row_bnds(lp, r, type, type == GLP_UP ? 0 : bound, bound);
	return r;
}

/* Rows: each transfer's volume over the intervals. */
static int
rows_volume(struct lpctx *c, glp_prob *lp, const struct layout *L)
{
	uint32_t	i, j;
	int		r;

	for (i = 0; i < c->nagg; i++) {
		r = add_row(lp, GLP_FX, c->agg[i].vol);
		for (j = 0; j < L->J; j++)
			if (nz(c, r, L->vcol + (int)(i * L->J + j), 1) == -1)
				return -1;
	}
	return 0;
}

/* Rows: each commodity's paths carry its transfers and background. */
static int
rows_commodity(struct lpctx *c, glp_prob *lp, const struct layout *L)
{
	const struct ivl	*v;
	uint32_t		 j, k, i, p;
	int			 r, last;

	for (j = 0; j < L->J; j++) {
		v = &c->iv[j];
		last = j + 1 == L->J;
		for (k = 0; k < c->ncomm; k++) {
			r = add_row(lp, GLP_FX, last ? 0 : v->bgc[k] * v->len);
			for (p = v->poff[k]; p < v->poff[k + 1]; p++)
				if (nz(c, r, L->xcol[j * (c->ncomm + 1) + k] +
				    (int)(p - v->poff[k]), 1) == -1)
					return -1;
			if (last && v->bgc[k] > 0 && nz(c, r, 1, -v->bgc[k]) ==
			    -1)
				return -1;
			for (i = 0; i < c->nagg; i++)
				if (c->agg[i].comm == k && nz(c, r, L->vcol +
				    (int)(i * L->J + j), -1) == -1)
					return -1;
		}
	}
	return 0;
}

/* Rows: every fabric link direction's capacity over the interval. */
static int
rows_links(struct lpctx *c, glp_prob *lp, const struct layout *L, int *row)
{
	const struct ivl	*v;
	uint32_t		 j, k, p, ld;
	uint8_t			 h;
	int			 last;

	for (j = 0; j < L->J; j++) {
		v = &c->iv[j];
		last = j + 1 == L->J;
		for (ld = 0; ld < c->nld; ld++)
			row[ld] = 0;
		for (k = 0; k < c->ncomm; k++)
			for (p = v->poff[k]; p < v->poff[k + 1]; p++)
				for (h = 0; h < v->nld[p]; h++) {
					ld = v->ld[p * SIM_HOPS_MAX + h];
					if (row[ld] == 0) {
						row[ld] = add_row(lp, GLP_UP,
						    last ? 0 : v->cap[ld] *
						    v->len);
						if (last && nz(c, row[ld], 1,
						    -v->cap[ld]) == -1)
							return -1;
					}
					if (nz(c, row[ld], L->xcol[j *
					    (c->ncomm + 1) + k] +
					    (int)(p - v->poff[k]), 1) == -1)
						return -1;
				}
	}
	return 0;
}

/* Rows: the hosts' links, which every transfer must cross. */
static int
rows_hosts(struct lpctx *c, glp_prob *lp, const struct layout *L, int *row)
{
	const struct ivl	*v;
	uint32_t		 j, i, e, ld[2];
	int			 last;

	for (j = 0; j < L->J; j++) {
		v = &c->iv[j];
		last = j + 1 == L->J;
		for (e = 0; e < c->nld; e++)
			row[e] = 0;
		for (i = 0; i < c->nagg; i++) {
			ld[0] = SIM_LD(sim_host_link(c->f, c->agg[i].src), 0);
			ld[1] = SIM_LD(sim_host_link(c->f, c->agg[i].dst), 1);
			for (e = 0; e < 2; e++) {
				if (row[ld[e]] == 0) {
					row[ld[e]] = add_row(lp, GLP_UP, last ?
					    0 : (v->cap[ld[e]] -
					    v->bgh[ld[e]]) * v->len);
					if (last && nz(c, row[ld[e]], 1,
					    v->bgh[ld[e]] - v->cap[ld[e]]) ==
					    -1)
						return -1;
				}
				if (nz(c, row[ld[e]], L->vcol +
				    (int)(i * L->J + j), 1) == -1)
					return -1;
			}
		}
	}
	return 0;
}

static void
columns(struct lpctx *c, glp_prob *lp, struct layout *L)
{
	uint32_t	j, k, npaths = 0;
	const struct ivl *last = &c->iv[L->J - 1];
	int		col;

	for (j = 0; j < L->J; j++)
		npaths += c->iv[j].poff[c->ncomm];
	L->ncols = 1 + (int)(c->nagg * L->J) + (int)npaths;
	glp_add_cols(lp, L->ncols);
	if (isfinite(last->len))
		glp_set_col_bnds(lp, 1, GLP_DB, 0, last->len);
	else
		glp_set_col_bnds(lp, 1, GLP_LO, 0, 0);
	glp_set_obj_coef(lp, 1, 1);
	L->vcol = 2;
	for (col = 2; col <= L->ncols; col++)
		glp_set_col_bnds(lp, col, GLP_LO, 0, 0);
	col = L->vcol + (int)(c->nagg * L->J);
	for (j = 0; j < L->J; j++)
		for (k = 0; k <= c->ncomm; k++) {
			L->xcol[j * (c->ncomm + 1) + k] = col;
			if (k < c->ncomm)
				col += (int)(c->iv[j].poff[k + 1] -
				    c->iv[j].poff[k]);
		}
}

/* The offered load of the optimal split (see sim_engine.c). */
static void
optimal_offered(struct lpctx *c, glp_prob *lp, const struct layout *L)
{
	const struct ivl	*v;
	double			*load, *dem, tot;
	uint32_t		 j, k, p, i, ld;
	uint8_t			 h;
	int			 col;

	load = calloc(c->nld + 1, sizeof(*load));
	dem = calloc(c->ncomm + 1, sizeof(*dem));
	if (load == NULL || dem == NULL)
		goto out;
	for (i = 0; i < c->nagg; i++)
		if (c->agg[i].comm != FAB_NONE)
			dem[c->agg[i].comm] += c->agg[i].dem;
	for (j = 0; j < L->J; j++) {
		v = &c->iv[j];
		memset(load, 0, c->nld * sizeof(*load));
		for (k = 0; k < c->ncomm; k++) {
			col = L->xcol[j * (c->ncomm + 1) + k];
			for (tot = 0, p = v->poff[k]; p < v->poff[k + 1]; p++)
				tot += glp_get_col_prim(lp, col +
				    (int)(p - v->poff[k]));
			for (p = v->poff[k]; tot > 0 && p < v->poff[k + 1];
			    p++)
				for (h = 0; h < v->nld[p]; h++)
					load[v->ld[p * SIM_HOPS_MAX + h]] +=
					    glp_get_col_prim(lp, col + (int)(p -
					    v->poff[k])) / tot * (dem[k] +
					    v->bgc[k]);
		}
		for (ld = 0; ld < c->nld; ld++)
			if (v->cap[ld] > 0 && load[ld] / v->cap[ld] >
			    c->res->max_link_util)
				c->res->max_link_util = load[ld] / v->cap[ld];
	}
out:
	free(load);
	free(dem);
}

/* 1: solved, *tau set; 0: infeasible; -1: failure. */
static int
solve(struct lpctx *c, uint32_t J, double *tau)
{
	struct layout	 L = { .J = J };
	glp_prob	*lp;
	glp_smcp	 parm;
	int		*row, r = -1, ret;

	L.xcol = calloc((size_t)J * (c->ncomm + 1) + 1, sizeof(int));
	row = calloc(c->nld + 1, sizeof(int));
	lp = glp_create_prob();
	c->nnz = 0;
	if (L.xcol == NULL || row == NULL)
		goto out;
	glp_set_obj_dir(lp, GLP_MIN);
	columns(c, lp, &L);
	if (rows_volume(c, lp, &L) == -1 || rows_commodity(c, lp, &L) == -1 ||
	    rows_links(c, lp, &L, row) == -1 ||
	    rows_hosts(c, lp, &L, row) == -1)
		goto out;
	glp_load_matrix(lp, (int)c->nnz, c->ia, c->ja, c->ar);
	glp_scale_prob(lp, GLP_SF_AUTO);
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = GLP_ON;
	ret = glp_simplex(lp, &parm);
	c->res->lp_solves++;
	if (ret == GLP_ENOPFS || (ret == 0 && glp_get_status(lp) ==
	    GLP_NOFEAS)) {
		r = 0;
		goto out;
	}
	if (ret != 0 || glp_get_status(lp) != GLP_OPT) {
		log_warnx("sim: GLPK failed (simplex %d, status %d)", ret,
		    glp_get_status(lp));
		goto out;
	}
	*tau = glp_get_obj_val(lp);
	optimal_offered(c, lp, &L);
	r = 1;
out:
	glp_delete_prob(lp);
	free(L.xcol);
	free(row);
	return r;
}

/* ---- column generation -------------------------------------------------- */

/*
 * The same LP over the same paths, with the paths brought in as they are
 * needed (SIM_OPT_COLGEN).  The master starts with one path per commodity
 * and interval; after each solve every commodity's shortest path under
 * the link rows' duals (the links' prices) is added if its length is
 * below the commodity row's dual, i.e. if its reduced cost is negative.
 * When no path is, the master's optimum is the full LP's: every column of
 * the full LP has a non-negative reduced cost.  The first columns are a
 * greedy split per commodity (cg_warm), and a commodity that prices out
 * gets several paths at once (cg_price_comm): a min-max LP's duals
 * price only the busiest links.  Pricing is a DP over the
 * candidate next-hops (the same shortest up-down paths as
 * sim_paths_enum()), memoised per destination leaf: a few thousand
 * operations per commodity, where the full LP has 16,384 columns per
 * leaf pair across pods.
 *
 * With one interval the transfers' volumes are fixed and leave the LP:
 * a commodity row's right-hand side is its volume, the hosts' links a
 * lower bound on tau.  Then every round also gives a lower bound (weak
 * duality): for link prices w >= 0, tau >= sum_k D_k dist_w(k) /
 * (sum_e c_e w_e - sum_k B_k dist_w(k)), and the loop stops at a
 * relative gap of CG_GAP.  A master whose few paths cannot carry the
 * background, while all paths might, is first made feasible (phase 1:
 * an artificial supply per commodity row, minimised), since only the
 * full LP's infeasibility may make J grow.
 */
#define CG_ROUNDS_MAX	10000
#define CG_REL_TOL	1e-9		/* reduced cost, relative to the dual */
#define CG_GAP		1e-7		/* one interval: done at this gap */
#define CG_WARM		2		/* parts per smallest link: cg_warm() */
#define CG_PARTS_MAX	256
#define CG_MULTI	16		/* paths a commodity a round, at most */

/*
 * A column: a path (coefficient 1 on each of its link directions), or a
 * commodity's whole split from cg_warm() (the share of its traffic on
 * each link direction).  Its value is the volume it carries.
 */
struct cgcol {
	uint32_t	 comm;
	uint32_t	 ivl;
	size_t		 off;		/* into eld, eval */
	uint32_t	 n;
};

struct cgent {			/* cg_warm(): a part's link direction */
	uint32_t	 comm;
	uint32_t	 ld;
	double		 amt;
};

struct cg {
	struct lpctx	*c;
	glp_prob	*lp;
	uint32_t	 J, ncomm;
	int		 loaded;	/* the matrix is in GLPK */
	int		 vcol;		/* J > 1: v[i][j] = vcol + i * J + j */
	int		 artcol;	/* art[j][k] = artcol + j * ncomm + k */
	int		 cfirst;	/* cols[i] is column cfirst + i */
	int		*crow;		/* [j * ncomm + k]: commodity rows */
	int		*lrow;		/* [j * nld + ld]: 0 none yet */
	uint32_t	*lrow_ld, *lrow_j;
	size_t		 nlrow, lrowcap;
	double		*dem;		/* [k]: the volume, Gbit (J = 1) */
	double		*kvol;		/* [k]: the volume, Gbit */
	double		*rate;		/* [k]: non-blocking rate, Gbit/s */
	double		 hbound;	/* J = 1: tau's bound: hosts, cuts */
	struct cgcol	*cols;
	size_t		 ncols, colcap;
	uint32_t	*eld;		/* the columns' entries */
	double		*eval;
	size_t		 nent, entcap;
	int		*ind;		/* scratch for one column, 1-based */
	double		*val;
	size_t		 indcap;
	uint64_t	*seen;		/* hashes of the columns; 0: empty */
	size_t		 seencap, nseen;
	uint64_t	*order;		/* dst leaf << 32 | commodity */
	double		*w;		/* [nld]: one interval's prices */
	double		*load;		/* [nld]: placed so far (cg_dist) */
	const double	*cap;		/* [nld]: Gbit/s */
	double		 amt;		/* what is being placed */
	int		 bottleneck;	/* cg_dist(): 0, 1 or 2, see there */
	uint32_t	 dst, stampv;
	uint32_t	*stamp;		/* [2 * node + down] */
	double		*cost, *cost2;
	uint32_t	*via, *vnext;
	struct sim_cand	*cand;		/* SIM_HOPS_MAX + 1 rows of maxdeg */
	int		 maxdeg;
	double		 ub, lb;
	uint32_t	 rounds;	/* cg_price() calls */
	double		 fluid_util;	/* cg_fluid(): max_link_util */
	struct sim_opt_stats *st;
};

static void
cg_free(struct cg *g)
{
	if (g->lp != NULL)
		glp_delete_prob(g->lp);
	free(g->crow);
	free(g->lrow);
	free(g->lrow_ld);
	free(g->lrow_j);
	free(g->dem);
	free(g->kvol);
	free(g->rate);
	free(g->cols);
	free(g->eld);
	free(g->eval);
	free(g->ind);
	free(g->val);
	free(g->seen);
	free(g->order);
	free(g->w);
	free(g->stamp);
	free(g->cost);
	free(g->cost2);
	free(g->load);
	free(g->via);
	free(g->vnext);
	free(g->cand);
	memset(g, 0, sizeof(*g));
}

/*
 * The cheapest path under w from (node, down) to g->dst; memoised.  With
 * g->bottleneck 1, the path whose most loaded link direction would be
 * the least loaded after g->amt more, then the least total load; with
 * 2, the cheapest under w, then the least of that most loaded link.
 */
static double
cg_dist(struct cg *g, uint32_t node, int down, int depth)
{
	struct sim_cand	*cand = g->cand + (size_t)depth * g->maxdeg;
	size_t		 s = 2 * (size_t)node + down, t;
	double		 best = INFINITY, best2 = INFINITY, d, d2, e;
	uint32_t	 ld;
	int		 n, i;

	if (g->stamp[s] == g->stampv)
		return g->cost[s];
	g->via[s] = FAB_NONE;
	if (node == g->dst)
		best = best2 = 0;
	else if (depth < SIM_HOPS_MAX - 2) {
		n = sim_paths_cands(&g->c->paths, node, down, g->dst, cand,
		    g->maxdeg);
		for (i = 0; i < n; i++) {
			ld = SIM_LD(cand[i].link, cand[i].down);
			d = cg_dist(g, cand[i].next, cand[i].down, depth + 1);
			t = 2 * (size_t)cand[i].next + cand[i].down;
			if (g->bottleneck == 1) {
				e = (g->load[ld] + g->amt) / g->cap[ld];
				d2 = e + g->cost2[t];
				d = d > e ? d : e;
			} else if (g->bottleneck == 2) {
				e = (g->load[ld] + g->amt) / g->cap[ld];
				d2 = e > g->cost2[t] ? e : g->cost2[t];
				d += g->w[ld];
			} else {
				d += g->w[ld];
				d2 = 0;
			}
			if (d < best || (d == best && d2 < best2)) {
				best = d;
				best2 = d2;
				g->via[s] = ld;
				g->vnext[s] = (uint32_t)t;
			}
		}
	}
	g->stamp[s] = g->stampv;
	g->cost[s] = best;
	g->cost2[s] = best2;
	return best;
}

/* The path cg_dist() found from a source leaf. */
static uint8_t
cg_path(const struct cg *g, uint32_t src, uint32_t *ld)
{
	size_t	s = 2 * (size_t)src;
	uint8_t	n = 0;

	while (g->via[s] != FAB_NONE && n < SIM_HOPS_MAX) {
		ld[n++] = g->via[s];
		s = g->vnext[s];
	}
	return n;
}

static uint64_t
cg_hash(uint32_t j, uint32_t k, const uint32_t *ld, uint8_t n)
{
	uint64_t	h = sim_mix64(((uint64_t)j << 32) | k);
	uint8_t		i;

	for (i = 0; i < n; i++)
		h = sim_mix64(h ^ ld[i]);
	return h == 0 ? 1 : h;
}

/* 1: the column is new and now remembered; 0: seen before; -1: ENOMEM. */
static int
cg_remember(struct cg *g, uint64_t h)
{
	uint64_t	*old = g->seen, *p;
	size_t		 i, oldcap = g->seencap;

	if (2 * (g->nseen + 1) > g->seencap) {
		g->seencap = oldcap ? 2 * oldcap : 1024;
		if ((g->seen = calloc(g->seencap, sizeof(*g->seen))) == NULL) {
			g->seen = old;
			g->seencap = oldcap;
			return -1;
		}
		g->nseen = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i] != 0)
				cg_remember(g, old[i]);
		free(old);
	}
	for (i = h & (g->seencap - 1);; i = (i + 1) & (g->seencap - 1)) {
		p = &g->seen[i];
		if (*p == h)
			return 0;
		if (*p == 0)
			break;
	}
	*p = h;
	g->nseen++;
	return 1;
}

/* The row of link direction ld in interval j, made on first use. */
static int
cg_link_row(struct cg *g, uint32_t j, uint32_t ld)
{
	const struct ivl	*v = &g->c->iv[j];
	int			*r = &g->lrow[(size_t)j * g->c->nld + ld];
	int			 last = j + 1 == g->J, ind[2] = { 0, 1 };
	double			 val[2] = { 0, -v->cap[ld] };
	void			*p;

	if (*r != 0)
		return *r;
	if (g->nlrow == g->lrowcap) {
		g->lrowcap = g->lrowcap ? 2 * g->lrowcap : 1024;
		if ((p = reallocarray(g->lrow_ld, g->lrowcap,
		    sizeof(uint32_t))) == NULL)
			return -1;
		g->lrow_ld = p;
		if ((p = reallocarray(g->lrow_j, g->lrowcap,
		    sizeof(uint32_t))) == NULL)
			return -1;
		g->lrow_j = p;
	}
	*r = add_row(g->lp, GLP_UP, last ? 0 : v->cap[ld] * v->len);
	g->lrow_ld[g->nlrow] = ld;
	g->lrow_j[g->nlrow++] = j;
	if (last && !g->loaded && nz(g->c, *r, 1, -v->cap[ld]) == -1)
		return -1;
	if (last && g->loaded)
		glp_set_mat_row(g->lp, *r, 1, ind, val);
	return *r;
}

/* Sets a column's coefficients: its commodity row and its links. */
static int
cg_col_coefs(struct cg *g, size_t i)
{
	const struct cgcol	*cc = &g->cols[i];
	int			 r, col, n = 0;
	uint32_t		 e;
	void			*p;

	if (cc->n + 2 > g->indcap) {
		g->indcap = cc->n + 2;
		if ((p = reallocarray(g->ind, g->indcap, sizeof(int))) == NULL)
			return -1;
		g->ind = p;
		if ((p = reallocarray(g->val, g->indcap,
		    sizeof(double))) == NULL)
			return -1;
		g->val = p;
	}
	col = g->cfirst + (int)i;
	g->ind[++n] = g->crow[(size_t)cc->ivl * g->ncomm + cc->comm];
	g->val[n] = 1;
	for (e = 0; e < cc->n; e++) {
		if ((r = cg_link_row(g, cc->ivl, g->eld[cc->off + e])) == -1)
			return -1;
		g->ind[++n] = r;
		g->val[n] = g->eval[cc->off + e];
	}
	if (!g->loaded) {
		for (r = 1; r <= n; r++)
			if (nz(g->c, g->ind[r], col, g->val[r]) == -1)
				return -1;
		return 0;
	}
	glp_set_mat_col(g->lp, col, n, g->ind, g->val);
	glp_set_col_bnds(g->lp, col, GLP_LO, 0, 0);
	return 0;
}

/* A column for commodity k in interval j: n link directions, weights. */
static int
cg_col(struct cg *g, uint32_t j, uint32_t k, const uint32_t *ld,
    const double *wt, uint32_t n)
{
	struct cgcol	*cc;
	void		*p;
	size_t		 cap;
	uint32_t	 e;

	if (g->ncols == g->colcap) {
		g->colcap = g->colcap ? 2 * g->colcap : 1024;
		if ((p = reallocarray(g->cols, g->colcap,
		    sizeof(*g->cols))) == NULL)
			return -1;
		g->cols = p;
	}
	if (g->nent + n > g->entcap) {
		cap = 2 * (g->nent + n) + 1024;
		if ((p = reallocarray(g->eld, cap, sizeof(*g->eld))) == NULL)
			return -1;
		g->eld = p;
		if ((p = reallocarray(g->eval, cap, sizeof(*g->eval))) == NULL)
			return -1;
		g->eval = p;
		g->entcap = cap;
	}
	cc = &g->cols[g->ncols++];
	cc->comm = k;
	cc->ivl = j;
	cc->off = g->nent;
	cc->n = n;
	for (e = 0; e < n; e++) {
		g->eld[g->nent] = ld[e];
		g->eval[g->nent++] = wt == NULL ? 1 : wt[e];
	}
	if (g->loaded) {
		glp_add_cols(g->lp, 1);
		if (cg_col_coefs(g, g->ncols - 1) == -1)
			return -1;
	}
	return 0;
}

/* A path column for commodity k in interval j; 0 if already there. */
static int
cg_add(struct cg *g, uint32_t j, uint32_t k, const uint32_t *ld, uint8_t n)
{
	int	r;

	if ((r = cg_remember(g, cg_hash(j, k, ld, n))) != 1)
		return r;
	return cg_col(g, j, k, ld, NULL, n) == -1 ? -1 : 1;
}

/* Interval j's link prices from the duals; returns sum_e c_e w_e. */
static double
cg_prices(struct cg *g, uint32_t j)
{
	const struct ivl	*v = &g->c->iv[j];
	double			 d, capw = 0;
	size_t			 i;

	memset(g->w, 0, g->c->nld * sizeof(*g->w));
	for (i = 0; i < g->nlrow; i++) {
		if (g->lrow_j[i] != j)
			continue;
		d = -glp_get_row_dual(g->lp, g->lrow[(size_t)j * g->c->nld +
		    g->lrow_ld[i]]);
		g->w[g->lrow_ld[i]] = d > 0 ? d : 0;
		capw += g->w[g->lrow_ld[i]] * v->cap[g->lrow_ld[i]];
	}
	return capw;
}

/* Interval j's volume per link direction in the master's solution. */
static void
cg_loads(struct cg *g, uint32_t j)
{
	const struct cgcol	*cc;
	double			 x;
	size_t			 i;
	uint32_t		 e;

	memset(g->load, 0, g->c->nld * sizeof(*g->load));
	g->cap = g->c->iv[j].cap;
	for (i = 0; i < g->ncols; i++) {
		cc = &g->cols[i];
		if (cc->ivl != j || (x = glp_get_col_prim(g->lp, g->cfirst +
		    (int)i)) <= 0)
			continue;
		for (e = 0; e < cc->n; e++)
			g->load[g->eld[cc->off + e]] += x * g->eval[cc->off + e];
	}
}

/*
 * Commodity k's paths cheaper than its dual pi: the cheapest, then, as
 * long as they stay that cheap, up to CG_MULTI - 1 more, each avoiding
 * the links the ones before loaded (ties on price broken by the least
 * loaded link, a CG_MULTI-th of k's volume added to each path taken).
 * When the duals are degenerate (a min-max LP's are: only the busiest
 * links have prices) a round then opens several ways round them.
 */
static int
cg_price_comm(struct cg *g, uint32_t j, uint32_t k, double pi,
    size_t *added)
{
	struct lpctx	*c = g->c;
	uint32_t	 ld[SIM_HOPS_MAX], m;
	double		 d;
	uint8_t		 n, h;
	int		 r;

	g->amt = g->kvol[k] / CG_MULTI;
	for (m = 0; m < CG_MULTI; m++) {
		if (m > 0) {
			g->stampv++;
			d = cg_dist(g, c->comm_sl[k], 0, 0);
			if (!(d < pi - CG_REL_TOL * fabs(pi)))
				break;
		}
		n = cg_path(g, c->comm_sl[k], ld);
		if ((r = cg_add(g, j, k, ld, n)) == -1)
			return -1;
		*added += (size_t)r;
		for (h = 0; h < n; h++)
			g->load[ld[h]] += g->amt;
	}
	if (m > 0)
		g->stampv++;	/* the loads changed under the memo */
	return 0;
}

/*
 * One pricing round over every interval and commodity.  *added: columns
 * added.  With one interval, g->lb becomes the round's lower bound.
 */
static int
cg_price(struct cg *g, size_t *added)
{
	struct lpctx	*c = g->c;
	uint32_t	 jj, j, k;
	size_t		 i;
	double		 pi, d, capw, num = 0, bgd = 0;

	*added = 0;
	g->bottleneck = 2;
	for (jj = 0; jj < g->J; jj++) {
		/* start in the fabric the round before (or cg_warm, which
		 * goes backwards from phase_time's last) ended in */
		j = g->rounds % 2 == 1 ? g->J - 1 - jj : jj;
		if (state_at(c, c->iv[j].start) == -1)
			return -1;
		capw = cg_prices(g, j);
		cg_loads(g, j);
		g->stampv++;
		g->dst = FAB_NONE;
		for (i = 0; i < g->ncomm; i++) {
			k = (uint32_t)g->order[i];
			if (c->comm_dl[k] != g->dst) {
				g->dst = c->comm_dl[k];
				g->stampv++;
			}
			g->amt = 0;
			d = cg_dist(g, c->comm_sl[k], 0, 0);
			if (!isfinite(d))
				continue;
			num += g->J == 1 ? g->dem[k] * d : 0;
			bgd += c->iv[j].bgc[k] * d;
			pi = glp_get_row_dual(g->lp, g->crow[(size_t)j *
			    g->ncomm + k]);
			if (d < pi - CG_REL_TOL * fabs(pi) &&
			    cg_price_comm(g, j, k, pi, added) == -1)
				return -1;
		}
		if (g->J == 1)
			g->lb = capw - bgd > 0 ? num / (capw - bgd) : 0;
	}
	g->bottleneck = 0;
	g->rounds++;
	if (g->lb < g->hbound)
		g->lb = g->hbound;
	return 0;
}

/* J = 1: each commodity's volume, and tau's bound from the host links. */
static int
cg_fixed_volumes(struct cg *g)
{
	struct lpctx	*c = g->c;
	const struct ivl *v = &c->iv[0];
	double		*load, room;
	uint32_t	 i, ld;

	if ((load = calloc(c->nld + 1, sizeof(*load))) == NULL)
		return -1;
	for (i = 0; i < c->nagg; i++) {
		if (c->agg[i].comm != FAB_NONE)
			g->dem[c->agg[i].comm] += c->agg[i].vol;
		load[SIM_LD(sim_host_link(c->f, c->agg[i].src), 0)] +=
		    c->agg[i].vol;
		load[SIM_LD(sim_host_link(c->f, c->agg[i].dst), 1)] +=
		    c->agg[i].vol;
	}
	g->hbound = 0;
	for (ld = 0; ld < c->nld; ld++) {
		if (load[ld] <= 0)
			continue;
		room = v->cap[ld] - v->bgh[ld];
		if (room <= 0) {
			g->hbound = INFINITY;
			break;
		}
		if (load[ld] / room > g->hbound)
			g->hbound = load[ld] / room;
	}
	free(load);
	return 0;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cg_init(struct cg *g, struct lpctx *c, uint32_t J, struct sim_opt_stats *st)
{
	size_t		 nn = 2 * (size_t)c->f->nnodes, i;
	uint32_t	 k;

	memset(g, 0, sizeof(*g));
	g->c = c;
	g->J = J;
	g->st = st;
	g->ncomm = c->ncomm;
	for (i = 0; i < c->f->nnodes; i++)
		if ((int)c->f->nodes[i].nadj > g->maxdeg)
			g->maxdeg = (int)c->f->nodes[i].nadj;
	if ((g->crow = calloc((size_t)J * g->ncomm + 1, sizeof(int))) ==
	    NULL || (g->lrow = calloc((size_t)J * c->nld + 1,
	    sizeof(int))) == NULL ||
	    (g->dem = calloc(g->ncomm + 1, sizeof(double))) == NULL ||
	    (g->kvol = calloc(g->ncomm + 1, sizeof(double))) == NULL ||
	    (g->rate = calloc(g->ncomm + 1, sizeof(double))) == NULL ||
	    (g->order = calloc(g->ncomm + 1, sizeof(uint64_t))) == NULL ||
	    (g->w = calloc(c->nld + 1, sizeof(double))) == NULL ||
	    (g->stamp = calloc(nn, sizeof(uint32_t))) == NULL ||
	    (g->cost = calloc(nn, sizeof(double))) == NULL ||
	    (g->cost2 = calloc(nn, sizeof(double))) == NULL ||
	    (g->load = calloc(c->nld + 1, sizeof(double))) == NULL ||
	    (g->via = calloc(nn, sizeof(uint32_t))) == NULL ||
	    (g->vnext = calloc(nn, sizeof(uint32_t))) == NULL ||
	    (g->cand = calloc((size_t)(SIM_HOPS_MAX + 1) * (g->maxdeg + 1),
	    sizeof(*g->cand))) == NULL)
		return -1;
	for (k = 0; k < g->ncomm; k++)
		g->order[k] = (uint64_t)c->paths.leaf_idx[c->comm_dl[k]] <<
		    32 | k;
	if (g->ncomm > 0)
		qsort(g->order, g->ncomm, sizeof(*g->order), u64_cmp);
	for (i = 0; i < c->nagg; i++)
		if (c->agg[i].comm != FAB_NONE) {
			g->rate[c->agg[i].comm] += c->agg[i].dem;
			g->kvol[c->agg[i].comm] += c->agg[i].vol;
		}
	if (J == 1)
		return cg_fixed_volumes(g);
	return 0;
}

/*
 * One interval: the traffic split at every switch over its candidate
 * next-hops in proportion to the capacity of the whole path beyond each
 * (fluid WCMP: min(link, what the next switch can take on to the
 * destination), as route_compute weighs), per destination leaf, all
 * sources at once.  *ub: the time that routing takes (link direction e:
 * its volume over its capacity less the background's share).  When that
 * meets a lower bound (the hosts' links, or a cut: a leaf's uplinks or
 * downlinks, a pod's links to the super-spines), no routing is faster
 * and the LP is not needed.
 */
struct fluid {
	double		*vol, *bg, *rt;		/* [ld] */
	double		*svol, *sbg, *srt;	/* [2 * node + down] */
	double		*capd;			/* [2 * node + down] */
	uint32_t	*cstamp;
	uint32_t	*lvl[SIM_HOPS_MAX + 1];	/* states by hops left */
	uint32_t	 nlvl[SIM_HOPS_MAX + 1];
	int		 lost;		/* traffic with no way on */
};

/* What (node, down) can carry on to g->dst, through min-cut-free paths. */
static double
fluid_capd(struct cg *g, struct fluid *fl, uint32_t node, int down,
    int depth)
{
	struct sim_cand	*cand = g->cand + (size_t)depth * g->maxdeg;
	size_t		 s = 2 * (size_t)node + down;
	double		 tot = 0, x;
	uint32_t	 ld;
	int		 n, k;

	if (fl->cstamp[s] == g->stampv)
		return fl->capd[s];
	if (node == g->dst)
		tot = INFINITY;
	else if (depth < SIM_HOPS_MAX - 2) {
		n = sim_paths_cands(&g->c->paths, node, down, g->dst, cand,
		    g->maxdeg);
		for (k = 0; k < n; k++) {
			ld = SIM_LD(cand[k].link, cand[k].down);
			x = fluid_capd(g, fl, cand[k].next, cand[k].down,
			    depth + 1);
			tot += x < g->cap[ld] ? x : g->cap[ld];
		}
	}
	fl->cstamp[s] = g->stampv;
	fl->capd[s] = tot;
	return tot;
}

static void
fluid_free(struct fluid *fl)
{
	int	h;

	free(fl->vol);
	free(fl->bg);
	free(fl->rt);
	free(fl->svol);
	free(fl->sbg);
	free(fl->srt);
	free(fl->capd);
	free(fl->cstamp);
	for (h = 0; h <= SIM_HOPS_MAX; h++)
		free(fl->lvl[h]);
}

/* Adds to state (node, down): pushed on its level when first reached. */
static void
fluid_put(struct cg *g, struct fluid *fl, uint32_t node, int down,
    double vol, double bg, double rt)
{
	const struct sim_paths	*p = &g->c->paths;
	size_t			 s = 2 * (size_t)node + down, cell;
	uint16_t		 h;

	cell = (size_t)p->leaf_idx[g->dst] * p->nnodes + node;
	h = down ? p->hdown[cell] : p->hup[cell];
	if (h > SIM_HOPS_MAX) {
		fl->lost |= vol > 0 || bg > 0;
		return;
	}
	if (g->stamp[s] != g->stampv) {
		g->stamp[s] = g->stampv;
		fl->svol[s] = fl->sbg[s] = fl->srt[s] = 0;
		fl->lvl[h][fl->nlvl[h]++] = (uint32_t)s;
	}
	fl->svol[s] += vol;
	fl->sbg[s] += bg;
	fl->srt[s] += rt;
}

/* Spreads every state's traffic, from the furthest to g->dst. */
static void
fluid_spread(struct cg *g, struct fluid *fl)
{
	struct sim_cand	*cand = g->cand + (size_t)SIM_HOPS_MAX * g->maxdeg;
	uint32_t	 i, s, ld;
	double		 tot, f, wt[256];
	int		 h, n, k;

	for (h = SIM_HOPS_MAX; h >= 1; h--) {
		for (i = 0; i < fl->nlvl[h]; i++) {
			s = fl->lvl[h][i];
			n = sim_paths_cands(&g->c->paths, s / 2, s % 2, g->dst,
			    cand, g->maxdeg);
			for (tot = 0, k = 0; k < n; k++) {
				ld = SIM_LD(cand[k].link, cand[k].down);
				f = fluid_capd(g, fl, cand[k].next,
				    cand[k].down, 0);
				f = f < g->cap[ld] ? f : g->cap[ld];
				if (k < 256)
					wt[k] = f;
				tot += f;
			}
			if (!(tot > 0))
				fl->lost |= fl->svol[s] > 0 || fl->sbg[s] > 0;
			for (k = 0; k < n && tot > 0; k++) {
				ld = SIM_LD(cand[k].link, cand[k].down);
				f = (k < 256 ? wt[k] : g->cap[ld]) / tot;
				fl->vol[ld] += fl->svol[s] * f;
				fl->bg[ld] += fl->sbg[s] * f;
				fl->rt[ld] += fl->srt[s] * f;
				fluid_put(g, fl, cand[k].next, cand[k].down,
				    fl->svol[s] * f, fl->sbg[s] * f,
				    fl->srt[s] * f);
			}
		}
		fl->nlvl[h] = 0;
	}
	fl->nlvl[0] = 0;
}

/* The pod of a node for the cuts; -1: none (two tiers, super-spines). */
static int32_t
cut_pod(const struct fabric *f, uint32_t n)
{
	return f->nodes[n].pod;
}

/*
 * Cuts every transfer between leaves must cross: its source leaf's
 * uplinks, its destination leaf's downlinks and, between pods, the
 * source pod's links up to the super-spines and the destination pod's
 * down from them.  tau >= (volume across) / (capacity - background).
 */
static double
cut_bound(struct cg *g)
{
	struct lpctx		*c = g->c;
	const struct fabric	*f = c->f;
	const struct fab_link	*l;
	size_t			 nn = f->nnodes;
	double			*v, *b, *cap, lb = 0, x;
	uint32_t		 k, i, lo, hi, sp, dp;
	int			 up;

	/* [node]: leaf out, leaf in; [nn + node]: pod out, pod in (by the
	 * pod's first node index is not needed: pods index 2nn + pod) */
	v = calloc(4 * nn + 1, sizeof(*v));
	b = calloc(4 * nn + 1, sizeof(*b));
	cap = calloc(4 * nn + 1, sizeof(*cap));
	if (v == NULL || b == NULL || cap == NULL)
		goto out;
	for (k = 0; k < g->ncomm; k++) {
		sp = (uint32_t)cut_pod(f, c->comm_sl[k]);
		dp = (uint32_t)cut_pod(f, c->comm_dl[k]);
		v[c->comm_sl[k]] += g->dem[k];
		b[c->comm_sl[k]] += c->iv[0].bgc[k];
		v[nn + c->comm_dl[k]] += g->dem[k];
		b[nn + c->comm_dl[k]] += c->iv[0].bgc[k];
		if (sp == dp || sp >= nn || dp >= nn)
			continue;
		v[2 * nn + sp] += g->dem[k];
		b[2 * nn + sp] += c->iv[0].bgc[k];
		v[3 * nn + dp] += g->dem[k];
		b[3 * nn + dp] += c->iv[0].bgc[k];
	}
	for (i = 0; i < f->nlinks; i++) {
		l = &f->links[i];
		lo = l->a;
		hi = l->b;
		if (f->nodes[lo].role == ROLE_LEAF &&
		    f->nodes[hi].role != ROLE_HOST) {
			cap[lo] += c->iv[0].cap[SIM_LD(i, 0)];
			cap[nn + lo] += c->iv[0].cap[SIM_LD(i, 1)];
		}
		if (f->nodes[hi].role == ROLE_SUPERSPINE &&
		    f->nodes[lo].role == ROLE_SPINE &&
		    (uint32_t)cut_pod(f, lo) < nn)
			for (up = 0; up < 2; up++)
				cap[(up ? 2 : 3) * nn + (uint32_t)cut_pod(f,
				    lo)] += c->iv[0].cap[SIM_LD(i, !up)];
	}
	for (i = 0; i < 4 * nn; i++) {
		if (v[i] <= 0)
			continue;
		x = cap[i] - b[i] > 0 ? v[i] / (cap[i] - b[i]) : INFINITY;
		if (x > lb)
			lb = x;
	}
out:
	free(v);
	free(b);
	free(cap);
	return lb;
}

static int
cg_fluid(struct cg *g, double *ub)
{
	struct lpctx	*c = g->c;
	struct fluid	 fl = { 0 };
	size_t		 nn = 2 * (size_t)c->f->nnodes, i;
	uint32_t	 k, ld;
	double		 room, u;
	int		 h, r = -1;

	*ub = INFINITY;
	g->cap = c->iv[0].cap;
	if ((fl.vol = calloc(c->nld + 1, sizeof(double))) == NULL ||
	    (fl.bg = calloc(c->nld + 1, sizeof(double))) == NULL ||
	    (fl.rt = calloc(c->nld + 1, sizeof(double))) == NULL ||
	    (fl.svol = calloc(nn, sizeof(double))) == NULL ||
	    (fl.sbg = calloc(nn, sizeof(double))) == NULL ||
	    (fl.srt = calloc(nn, sizeof(double))) == NULL ||
	    (fl.capd = calloc(nn, sizeof(double))) == NULL ||
	    (fl.cstamp = calloc(nn, sizeof(uint32_t))) == NULL)
		goto out;
	for (h = 0; h <= SIM_HOPS_MAX; h++)
		if ((fl.lvl[h] = calloc(nn, sizeof(uint32_t))) == NULL)
			goto out;
	if (state_at(c, c->iv[0].start) == -1)
		goto out;
	g->dst = FAB_NONE;
	for (i = 0; i < g->ncomm; i++) {
		k = (uint32_t)g->order[i];
		if (c->comm_dl[k] != g->dst) {
			if (g->dst != FAB_NONE)
				fluid_spread(g, &fl);
			g->dst = c->comm_dl[k];
			g->stampv++;
		}
		fluid_put(g, &fl, c->comm_sl[k], 0, g->dem[k],
		    c->iv[0].bgc[k], g->rate[k] + c->iv[0].bgc[k]);
	}
	if (g->dst != FAB_NONE)
		fluid_spread(g, &fl);
	*ub = fl.lost ? INFINITY : g->hbound;
	for (ld = 0; ld < c->nld; ld++) {
		if (fl.vol[ld] <= 0 || sim_ld_is_host(c->f, ld))
			continue;
		room = g->cap[ld] - fl.bg[ld];
		if (room <= 0) {
			*ub = INFINITY;
			break;
		}
		if (fl.vol[ld] / room > *ub)
			*ub = fl.vol[ld] / room;
	}
	g->fluid_util = 0;
	for (ld = 0; ld < c->nld; ld++) {
		u = g->cap[ld] > 0 ? fl.rt[ld] / g->cap[ld] : 0;
		if (!sim_ld_is_host(c->f, ld) && u > g->fluid_util)
			g->fluid_util = u;
	}
	r = 0;
out:
	fluid_free(&fl);
	return r;
}

/* Rows: each commodity's paths carry its transfers and background. */
static int
cg_rows_commodity(struct cg *g)
{
	struct lpctx		*c = g->c;
	const struct ivl	*v;
	uint32_t		 j, k, i;
	int			 r, last;

	for (j = 0; j < g->J; j++) {
		v = &c->iv[j];
		last = j + 1 == g->J;
		for (k = 0; k < g->ncomm; k++) {
			r = add_row(g->lp, GLP_FX, (g->J == 1 ? g->dem[k] : 0) +
			    (last ? 0 : v->bgc[k] * v->len));
			g->crow[(size_t)j * g->ncomm + k] = r;
			if (last && v->bgc[k] > 0 && nz(c, r, 1, -v->bgc[k]) ==
			    -1)
				return -1;
			if (nz(c, r, g->artcol + (int)(j * g->ncomm + k), 1) ==
			    -1)
				return -1;
		}
	}
	for (i = 0; g->J > 1 && i < c->nagg; i++)
		for (j = 0; c->agg[i].comm != FAB_NONE && j < g->J; j++)
			if (nz(c, g->crow[(size_t)j * g->ncomm +
			    c->agg[i].comm], g->vcol + (int)(i * g->J + j),
			    -1) == -1)
				return -1;
	return 0;
}

/* Columns: tau, the volumes per interval (J > 1), the artificials. */
static void
cg_columns(struct cg *g)
{
	const struct ivl	*last = &g->c->iv[g->J - 1];
	int			 col, n;

	n = 1 + (g->J > 1 ? (int)(g->c->nagg * g->J) : 0) +
	    (int)(g->J * g->ncomm);
	glp_add_cols(g->lp, n);
	if (isfinite(last->len) && g->hbound < last->len)
		glp_set_col_bnds(g->lp, 1, GLP_DB, g->hbound, last->len);
	else if (isfinite(last->len))
		glp_set_col_bnds(g->lp, 1, GLP_FX, last->len, last->len);
	else
		glp_set_col_bnds(g->lp, 1, GLP_LO, g->hbound, 0);
	glp_set_obj_coef(g->lp, 1, 1);
	g->vcol = 2;
	g->artcol = g->vcol + (g->J > 1 ? (int)(g->c->nagg * g->J) : 0);
	g->cfirst = n + 1;
	for (col = 2; col < g->artcol; col++)
		glp_set_col_bnds(g->lp, col, GLP_LO, 0, 0);
	for (; col <= n; col++)
		glp_set_col_bnds(g->lp, col, GLP_FX, 0, 0);
}

/*
 * The first columns: each commodity's traffic placed in parts of at most
 * 1/CG_WARM of the smallest fabric link, on the path whose busiest link
 * direction is then the least busy (greedy min-max), the commodities in
 * turn; the split of each commodity is one column.  From one path each,
 * the LP's duals price only the busiest link and the loop adds a path or
 * two a round (a ring step across a non-blocking pod needs all 16 paths
 * of every pair, 10,000s of rounds at scale); from the greedy split it
 * starts at or near the optimum, and paths are priced in from there.
 */
static uint32_t
cg_parts(const struct cg *g, uint32_t j, uint32_t k, double cmin)
{
	double	x = (g->rate[k] + g->c->iv[j].bgc[k]) * CG_WARM / cmin;

	if (!(x > 1))
		return 1;
	return x < CG_PARTS_MAX ? (uint32_t)ceil(x) : CG_PARTS_MAX;
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct cgent	*x = a, *y = b;

	if (x->comm != y->comm)
		return x->comm < y->comm ? -1 : 1;
	return x->ld < y->ld ? -1 : x->ld > y->ld;
}

/* One column per commodity from the parts' link directions. */
static int
cg_warm_cols(struct cg *g, uint32_t j, struct cgent *ent, size_t n)
{
	uint32_t	*ld = NULL;
	double		*wt = NULL, tot;
	size_t		 a, b, m, i;
	int		 r = -1;

	if (n > 0)		/* qsort(NULL, 0, ...) is undefined */
		qsort(ent, n, sizeof(*ent), ent_cmp);
	if ((ld = calloc(n + 1, sizeof(*ld))) == NULL ||
	    (wt = calloc(n + 1, sizeof(*wt))) == NULL)
		goto out;
	for (a = 0; a < n; a = b) {
		tot = g->rate[ent[a].comm] + g->c->iv[j].bgc[ent[a].comm];
		for (m = 0, b = a; b < n && ent[b].comm == ent[a].comm; b++) {
			if (m == 0 || ld[m - 1] != ent[b].ld) {
				ld[m] = ent[b].ld;
				wt[m++] = 0;
			}
			wt[m - 1] += tot > 0 ? ent[b].amt / tot : 1;
		}
		for (i = 0; i < m; i++)
			if (wt[i] > 1)
				wt[i] = 1;
		if (cg_col(g, j, ent[a].comm, ld, wt, (uint32_t)m) == -1)
			goto out;
	}
	r = 0;
out:
	free(ld);
	free(wt);
	return r;
}

/* Every commodity's parts in interval j, as link directions. */
static int
cg_warm_ivl(struct cg *g, uint32_t j, struct cgent **entp, size_t *np)
{
	struct lpctx	*c = g->c;
	uint32_t	 k, pass, npass, parts, ld[SIM_HOPS_MAX];
	size_t		 i, n = 0, cap = 0;
	double		 cmin;
	uint8_t		 nh, h;
	void		*p;

	g->cap = c->iv[j].cap;
	memset(g->load, 0, c->nld * sizeof(*g->load));
	for (cmin = INFINITY, i = 0; i < c->nld; i++)
		if (g->cap[i] > 0 && g->cap[i] < cmin &&
		    !sim_ld_is_host(c->f, (uint32_t)i))
			cmin = g->cap[i];
	for (npass = 1, pass = 0; pass < npass; pass++)
		for (i = 0; i < g->ncomm; i++) {
			k = (uint32_t)g->order[i];
			parts = cg_parts(g, j, k, cmin);
			if (parts > npass)
				npass = parts;
			if (pass >= parts)
				continue;
			g->amt = (g->rate[k] + c->iv[j].bgc[k]) / parts;
			g->dst = c->comm_dl[k];
			g->stampv++;
			if (!isfinite(cg_dist(g, c->comm_sl[k], 0, 0)))
				continue;
			nh = cg_path(g, c->comm_sl[k], ld);
			if (n + nh > cap) {
				cap = 2 * (n + nh) + 1024;
				if ((p = reallocarray(*entp, cap,
				    sizeof(**entp))) == NULL)
					return -1;
				*entp = p;
			}
			for (h = 0; h < nh; h++) {
				g->load[ld[h]] += g->amt;
				(*entp)[n].comm = k;
				(*entp)[n].ld = ld[h];
				(*entp)[n++].amt = g->amt;
			}
		}
	*np = n;
	return 0;
}

static int
cg_warm(struct cg *g)
{
	struct cgent	*ent = NULL;
	size_t		 n;
	uint32_t	 j;
	int		 r = -1;

	g->bottleneck = 1;
	for (j = g->J; j-- > 0;) {
		if (state_at(g->c, g->c->iv[j].start) == -1 ||
		    cg_warm_ivl(g, j, &ent, &n) == -1 ||
		    cg_warm_cols(g, j, ent, n) == -1)
			goto out;
	}
	r = 0;
out:
	g->bottleneck = 0;
	free(ent);
	return r;
}

/* The master LP: every row but the links', one path per commodity. */
static int
cg_build(struct cg *g)
{
	struct lpctx	*c = g->c;
	struct layout	 L = { .J = g->J };
	int		*row;
	size_t		 i;
	int		 r = -1;

	g->lp = glp_create_prob();
	glp_set_obj_dir(g->lp, GLP_MIN);
	c->nnz = 0;
	cg_columns(g);
	L.vcol = g->vcol;
	if ((row = calloc(c->nld + 1, sizeof(int))) == NULL)
		return -1;
	if ((g->J > 1 && rows_volume(c, g->lp, &L) == -1) ||
	    cg_rows_commodity(g) == -1 ||
	    (g->J > 1 && rows_hosts(c, g->lp, &L, row) == -1) ||
	    cg_warm(g) == -1)
		goto out;
	if (g->ncols > 0)	/* none: no commodity has a path */
		glp_add_cols(g->lp, (int)g->ncols);
	for (i = 0; i < g->ncols; i++) {
		glp_set_col_bnds(g->lp, g->cfirst + (int)i, GLP_LO, 0, 0);
		if (cg_col_coefs(g, i) == -1)
			goto out;
	}
	glp_load_matrix(g->lp, (int)c->nnz, c->ia, c->ja, c->ar);
	g->loaded = 1;
	glp_adv_basis(g->lp, 0);
	r = 0;
out:
	free(row);
	return r;
}

/* GLP_OPT, GLP_NOFEAS, or -1. */
static int
cg_simplex(struct cg *g)
{
	glp_smcp	parm;
	int		ret, st;

	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	ret = glp_simplex(g->lp, &parm);
	g->c->res->lp_solves++;
	st = glp_get_status(g->lp);
	if (ret == 0 && (st == GLP_OPT || st == GLP_NOFEAS))
		return st;
	log_warnx("sim: GLPK failed (simplex %d, status %d)", ret, st);
	return -1;
}

/*
 * Solves and prices until no path improves the master (or, with one
 * interval, the gap is closed; in phase 1, the artificials are 0).
 * Returns GLP_OPT, GLP_NOFEAS or -1.
 */
static int
cg_loop(struct cg *g, int phase1, double feas_tol)
{
	size_t	added;
	int	st, round;

	for (round = 0; round < CG_ROUNDS_MAX; round++) {
		if ((st = cg_simplex(g)) != GLP_OPT)
			return st;
		g->ub = glp_get_obj_val(g->lp);
		if (phase1 && g->ub <= feas_tol)
			return GLP_OPT;
		if (cg_price(g, &added) == -1)
			return -1;
		g->st->rounds++;
		if (added == 0 || (!phase1 && g->J == 1 && g->ub - g->lb <=
		    CG_GAP * g->ub))
			return GLP_OPT;
	}
	log_warnx("sim: column generation: no optimum in %d rounds", round);
	return -1;
}

/* Phase 1: can the paths carry everything?  1 yes, 0 no, -1 failure. */
static int
cg_phase1(struct cg *g)
{
	double	total = 0;
	int	col, st;

	for (col = 1; col <= glp_get_num_cols(g->lp); col++)
		glp_set_obj_coef(g->lp, col, 0);
	for (col = g->artcol; col < g->cfirst; col++) {
		glp_set_col_bnds(g->lp, col, GLP_LO, 0, 0);
		glp_set_obj_coef(g->lp, col, 1);
	}
	for (col = 1; col <= glp_get_num_rows(g->lp); col++)
		total += fabs(glp_get_row_ub(g->lp, col));
	if ((st = cg_loop(g, 1, 1e-9 * total + 1e-12)) != GLP_OPT)
		return st == GLP_NOFEAS ? 0 : -1;
	if (g->ub > 1e-9 * total + 1e-12)
		return 0;
	for (col = g->artcol; col < g->cfirst; col++) {
		glp_set_obj_coef(g->lp, col, 0);
		glp_set_col_bnds(g->lp, col, GLP_FX, 0, 0);
	}
	glp_set_obj_coef(g->lp, 1, 1);
	return 1;
}

/* The offered load of the optimal split, as optimal_offered(). */
static int
cg_offered(struct cg *g)
{
	struct lpctx	*c = g->c;
	const struct cgcol *cc;
	double		*load, *tot, x, u;
	size_t		 i;
	uint32_t	 j, ld, e;

	load = calloc((size_t)g->J * c->nld + 1, sizeof(*load));
	tot = calloc((size_t)g->J * g->ncomm + 1, sizeof(*tot));
	if (load == NULL || tot == NULL) {
		free(load);
		free(tot);
		return -1;
	}
	for (i = 0; i < g->ncols; i++)
		tot[(size_t)g->cols[i].ivl * g->ncomm + g->cols[i].comm] +=
		    glp_get_col_prim(g->lp, g->cfirst + (int)i);
	for (i = 0; i < g->ncols; i++) {
		cc = &g->cols[i];
		j = cc->ivl;
		x = tot[(size_t)j * g->ncomm + cc->comm];
		if (x <= 0)
			continue;
		x = glp_get_col_prim(g->lp, g->cfirst + (int)i) / x *
		    (g->rate[cc->comm] + c->iv[j].bgc[cc->comm]);
		for (e = 0; e < cc->n; e++)
			load[(size_t)j * c->nld + g->eld[cc->off + e]] += x *
			    g->eval[cc->off + e];
	}
	for (j = 0; j < g->J; j++)
		for (ld = 0; ld < c->nld; ld++) {
			u = load[(size_t)j * c->nld + ld];
			if (c->iv[j].cap[ld] > 0 && u / c->iv[j].cap[ld] >
			    c->res->max_link_util)
				c->res->max_link_util = u / c->iv[j].cap[ld];
		}
	free(load);
	free(tot);
	return 0;
}

/* As solve(), by column generation.  1: solved; 0: infeasible; -1. */
static int
solve_cg(struct lpctx *c, uint32_t J, double *tau)
{
	struct cg	g;
	double		ub, lb;
	int		r = -1, st;

	if (cg_init(&g, c, J, c->stats) == -1)
		goto out;
	if (!(g.hbound <= c->iv[J - 1].len)) {
		r = 0;
		goto out;
	}
	if (J == 1 && (lb = cut_bound(&g)) > g.hbound)
		g.hbound = lb;		/* a valid bound on tau: see cg_fluid */
	if (!(g.hbound <= c->iv[J - 1].len)) {
		r = 0;
		goto out;
	}
	if (J == 1 && c->method == SIM_OPT_AUTO) {
		if (cg_fluid(&g, &ub) == -1)
			goto out;
		if (ub <= g.hbound * (1 + CG_GAP)) {
			*tau = ub;
			if (g.fluid_util > c->res->max_link_util)
				c->res->max_link_util = g.fluid_util;
			c->stats->fluid++;
			r = 1;
			goto out;
		}
	}
	c->stats->lps++;
	if (cg_build(&g) == -1 || (st = cg_simplex(&g)) == -1)
		goto out;
	if (st == GLP_NOFEAS && (r = cg_phase1(&g)) != 1)
		goto out;
	r = -1;
	if ((st = cg_loop(&g, 0, 0)) != GLP_OPT) {
		r = st == GLP_NOFEAS ? 0 : -1;
		goto out;
	}
	*tau = g.ub;
	c->stats->columns += g.ncols;
	if (J == 1 && g.ub > 0 && (g.ub - g.lb) / g.ub > c->stats->gap)
		c->stats->gap = (g.ub - g.lb) / g.ub;
	if (cg_offered(&g) == -1)
		goto out;
	r = 1;
out:
	cg_free(&g);
	return r;
}

/* ---- phases ------------------------------------------------------------------ */

static void
ivls_free(struct lpctx *c)
{
	uint32_t	j;

	for (j = 0; j < c->niv; j++)
		ivl_free(&c->iv[j]);
	c->niv = 0;
}

/* The breakpoints after t, at most INTERVALS_MAX - 1 of them. */
static uint32_t
ivl_ends(const struct lpctx *c, double t, double *ends)
{
	uint32_t	i, n = 0;

	for (i = 0; i < c->nbrk && n < INTERVALS_MAX - 1; i++)
		if (c->brk[i] > t && (n == 0 || c->brk[i] > ends[n - 1]))
			ends[n++] = c->brk[i];
	ends[n++] = INFINITY;
	return n;
}

/*
 * The shortest time the phase can take from t0; INFINITY if it cannot
 * finish (a partition).  *J: how many intervals it spans.
 */
static int
phase_time(struct lpctx *c, const struct sim_xfer *x, size_t n, double t0,
    double *T, uint32_t *Jout)
{
	double		 ends[INTERVALS_MAX], tau = 0, start;
	uint32_t	 J, nends = ivl_ends(c, t0, ends), j;
	int		 r = -1;

	*T = INFINITY;
	comm_clear(c);
	if (aggregate(c, x, n) == -1)
		return -1;
	for (J = 1; J <= nends; J++) {
		/* the intervals so far, rebuilt: new commodities may appear */
		ivls_free(c);
		for (j = 0, start = t0; j < J; start = ends[j], j++)
			if (ivl_make(c, &c->iv[c->niv++], start, ends[j]) == -1)
				goto out;
		for (j = 0; c->method == SIM_OPT_PATHS && j < J; j++)
			if (state_at(c, c->iv[j].start) == -1 ||
			    ivl_paths(c, &c->iv[j]) == -1)
				goto out;	/* each in its own fabric */
		if (c->method == SIM_OPT_PATHS)
			r = solve(c, J, &tau);
		else
			r = solve_cg(c, J, &tau);
		if (r == -1)
			goto out;
		if (r == 1) {
			*T = (J > 1 ? ends[J - 2] - t0 : 0) + tau;
			*Jout = J;
			break;
		}
	}
	r = 0;
out:
	ivls_free(c);
	free(c->agg);
	c->agg = NULL;
	return r;
}

static int
same_phase(const struct sim_job *job, size_t k)
{
	size_t	a = job->phase_off[k - 1], b = job->phase_off[k], n = b - a, i;

	if (job->phase_off[k + 1] - b != n)
		return 0;
	for (i = 0; i < n; i++)
		if (job->xfers[a + i].src != job->xfers[b + i].src ||
		    job->xfers[a + i].dst != job->xfers[b + i].dst ||
		    job->xfers[a + i].bits != job->xfers[b + i].bits)
			return 0;
	return 1;
}

/* Is any breakpoint in (a, b]? */
static int
brk_between(const struct lpctx *c, double a, double b)
{
	uint32_t	i;

	for (i = 0; i < c->nbrk; i++)
		if (c->brk[i] > a && c->brk[i] <= b)
			return 1;
	return 0;
}

static int
lp_init(struct lpctx *c, struct sim_scenario *sc, struct sim_result *res)
{
	uint32_t	nl;

	memset(c, 0, sizeof(*c));
	c->sc = sc;
	c->f = sc->fab;
	c->res = res;
	c->nld = 2 * c->f->nlinks;
	c->applied = -1;
	sim_scen_reset(sc);
	if (sim_paths_init(&c->paths, c->f) == -1)
		return -1;
	nl = c->paths.nleaves;
	if ((c->ev = calloc(sc->nevents + 1, sizeof(*c->ev))) == NULL ||
	    (c->brk = calloc(sc->nevents + 2 * sc->nbgs + 1,
	    sizeof(*c->brk))) == NULL ||
	    (c->comm_of = calloc((size_t)nl * nl + 1, sizeof(uint32_t))) ==
	    NULL || (c->comm_sl = calloc((size_t)nl * nl + 1,
	    sizeof(uint32_t))) == NULL || (c->comm_dl = calloc((size_t)nl *
	    nl + 1, sizeof(uint32_t))) == NULL ||
	    (c->pld = calloc((size_t)SIM_PATHS_MAX * SIM_HOPS_MAX,
	    sizeof(*c->pld))) == NULL || (c->pnld = calloc(SIM_PATHS_MAX,
	    1)) == NULL)
		return -1;
	c->applied = 0;		/* sim_paths_init() saw the reset fabric */
	memset(c->comm_of, 0xff, (size_t)nl * nl * sizeof(uint32_t));
	if (sc->nevents > 0) {
		memcpy(c->ev, sc->events, sc->nevents * sizeof(*c->ev));
		qsort(c->ev, sc->nevents, sizeof(*c->ev), ev_cmp);
	}
	breakpoints(c);
	return 0;
}

static void
lp_free(struct lpctx *c)
{
	ivls_free(c);
	sim_paths_free(&c->paths);
	sim_mm_free(&c->mm);
	free(c->ev);
	free(c->brk);
	free(c->comm_of);
	free(c->comm_sl);
	free(c->comm_dl);
	free(c->pld);
	free(c->pnld);
	free(c->agg);
	free(c->ia);
	free(c->ja);
	free(c->ar);
	glp_free_env();
}

static double
cpu_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * JCT_opt: the phases' optimal times, one after another.  A phase equal
 * to the previous one, with no breakpoint before it would end, takes the
 * same time without another LP (a ring's 2(N-1) steps are one LP).
 */
int
sim_optimal_with(struct sim_scenario *sc, const struct sim_job *job,
    enum sim_opt_method method, struct sim_result *res,
    struct sim_opt_stats *stats)
{
	struct lpctx		c;
	struct sim_opt_stats	st0;
	double			t = 0, T = 0, t0 = cpu_now();
	uint32_t		J = 0;
	size_t			k;
	int			r = -1;

	memset(res, 0, sizeof(*res));
	if (stats == NULL)
		stats = &st0;
	memset(stats, 0, sizeof(*stats));
	glp_term_out(GLP_OFF);
	if (lp_init(&c, sc, res) == -1)
		goto out;
	c.method = method;
	c.stats = stats;
	for (k = 0; k < job->nphases && isfinite(t); k++) {
		if (k > 0 && J == 1 && same_phase(job, k) &&
		    !brk_between(&c, t - T, t + T)) {
			t += T;
			continue;
		}
		if (phase_time(&c, job->xfers + job->phase_off[k],
		    job->phase_off[k + 1] - job->phase_off[k], t, &T, &J) ==
		    -1)
			goto out;
		t += T;
	}
	res->jct = t;
	r = 0;
out:
	lp_free(&c);
	sim_scen_reset(sc);
	res->cpu_s = cpu_now() - t0;
	return r;
}

/* JCT_opt by column generation: see the comment above solve_cg(). */
int
sim_optimal(struct sim_scenario *sc, const struct sim_job *job,
    struct sim_result *res)
{
	return sim_optimal_with(sc, job, SIM_OPT_AUTO, res, NULL);
}
