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
	memcpy(x, xf, n * sizeof(*x));
	qsort(x, n, sizeof(*x), xfer_cmp);
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
		for (j = 0; j < J; j++)		/* each in its own fabric */
			if (state_at(c, c->iv[j].start) == -1 ||
			    ivl_paths(c, &c->iv[j]) == -1)
				goto out;
		if ((r = solve(c, J, &tau)) == -1)
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
	memset(c->comm_of, 0xff, (size_t)nl * nl * sizeof(uint32_t));
	memcpy(c->ev, sc->events, sc->nevents * sizeof(*c->ev));
	qsort(c->ev, sc->nevents, sizeof(*c->ev), ev_cmp);
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
sim_optimal(struct sim_scenario *sc, const struct sim_job *job,
    struct sim_result *res)
{
	struct lpctx	c;
	double		t = 0, T = 0, t0 = cpu_now();
	uint32_t	J = 0;
	size_t		k;
	int		r = -1;

	memset(res, 0, sizeof(*res));
	glp_term_out(GLP_OFF);
	if (lp_init(&c, sc, res) == -1)
		goto out;
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
