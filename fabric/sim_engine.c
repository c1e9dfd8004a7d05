/*
 * The event loop of the flow-level simulator and the routing policies.
 *
 * Time advances from one instant to the next of: the earliest flow
 * completion at the current rates, a scheduled event (a link event, a
 * switch noticing it, a controller tick or push, a background arrival)
 * and, for `flowlet', the earliest flowlet boundary.  At each instant:
 * completions, then events, then the next phase of the job if the last
 * one ended; then the max-min rates are recomputed if anything changed.
 *
 * Two views of the fabric: the physical capacities (cap[], what max-min
 * shares; a link event changes them at once), and the fabric struct, what
 * switches and the controller know, updated `failover_delay' later.  In
 * between, flows on a dead link stall at rate 0.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sim.h"

#define CANDS_MAX	256
#define PENDING_MAX	64
#define MTU_BITS	(4096.0 * 8)
#define IS_FLOWLET(p)	((p) == SIM_FLOWLET || (p) == SIM_FLOWLET_CA)

enum ev_type {
	EV_LINK = 0,		/* arg: scenario event */
	EV_NOTICE,		/* switches learn about scenario event arg */
	EV_TICK,		/* adaptive: measure, compute */
	EV_APPLY,		/* controller weights reach the FIBs */
	EV_REPIN,		/* pinned: re-assign everything */
	EV_BG_START,		/* arg: background entry */
	EV_BG_STOP,
	EV_POISSON,
};

struct ev {
	double		t;
	uint64_t	seq;
	enum ev_type	type;
	uint32_t	arg;
};

struct flow {
	uint64_t	key;
	uint32_t	src, dst, src_leaf, dst_leaf;
	double		size, remaining;	/* bits; INFINITY: fixed */
	double		cap;			/* INFINITY: elastic */
	double		next_repick;
	double		start;
	double		demand;		/* non-blocking rate, bit/s */
	uint32_t	ld[SIM_HOPS_MAX];
	uint8_t		nld;
	uint8_t		routed;
	uint8_t		job;
	uint32_t	bg;			/* fixed: its entry */
	uint32_t	repicks;
	double		crate;		/* flowlet-ca: rate as last known */
	uint8_t		due;		/* flowlet-ca: in this batch */
	uint8_t		npld;		/* flowlet-ca: a decided move */
	uint32_t	pld[SIM_HOPS_MAX];
	double		pend_t;		/* when it takes effect */
};

/* flowlet-ca: the up-down paths of one leaf pair (switch hops only). */
struct caset {
	uint32_t	*ld;		/* n * SIM_HOPS_MAX */
	uint8_t		*nld;
	uint32_t	 n;
	uint8_t		 valid;
};

struct caord {
	double		pri;
	uint64_t	key;
	uint32_t	i;
};

/* Weights the controller pushed, as the FIBs will hold them. */
struct pending {
	double			 t;
	double			*w;
};

struct sim {
	struct sim_scenario	*sc;
	const struct sim_job	*job;
	enum sim_policy		 pol;
	struct fabric		*f;
	struct sim_paths	 paths;
	struct sim_mm		 mm;
	struct sim_result	*res;
	uint32_t		 nld;
	double			*phys;		/* per link, physical */
	double			*cap;		/* per link direction */
	double			*ldrate;	/* sum of rates now */
	double			*ldbits;	/* carried so far */
	double			*ldmark;	/* ldbits at the last tick */
	uint64_t		*salt;		/* per node */
	struct flow		*fl;
	uint32_t		 nfl, flcap;
	uint32_t		*hop_off, *hops;
	double			*fcap, *rate, *dem;
	struct ev		*evq;
	size_t			 nev, evcap;
	uint64_t		 evseq;
	/*
	 * Next-hop weights: node n's block is woff[n], nleaves rows of
	 * n's adjacency (0 for links that are not next-hops).
	 */
	uint32_t		*woff;
	size_t			 nw;
	double			*fib;		/* in the FIBs now */
	double			*ewma, *applied; /* adaptive smoothing */
	struct pending		 pend[PENDING_MAX];
	int			 npend;
	struct sim_rng		*bgrng;
	uint64_t		*bgcount;
	size_t			 phase, phase_left;
	double			 t, last_tick, gap;
	double			 phase_t;	/* when the phase began */
	uint32_t		 nstruct;	/* queued events that can
						   unblock a stalled job */
	int			 dirty, measure, done;
	/* flowlet-ca */
	double			*ca_load;	/* [ld]: rates of unmoved flows */
	uint32_t		*ca_cnt;	/* [ld]: their number */
	struct caset		*ca_sets;	/* [src leaf * nleaves + dst] */
	uint32_t		*ca_scr_ld;
	uint8_t			*ca_scr_nld;
	struct caord		*ca_ord;
	uint32_t		 ca_ordcap;
};

static int	ca_place(struct sim *, uint32_t, int);
static void	ca_sets_clear(struct sim *);

static const char *policy_names[SIM_NPOLICIES] = {
	"ecmp", "wcmp", "adaptive", "pinned", "flowlet", "flowlet-ca",
	"optimal"
};

const char *
sim_policy_str(enum sim_policy p)
{
	return (unsigned)p < SIM_NPOLICIES ? policy_names[p] : "?";
}

int
sim_policy_parse(const char *s, enum sim_policy *p)
{
	int	i;

	for (i = 0; i < SIM_NPOLICIES; i++)
		if (strcmp(s, policy_names[i]) == 0) {
			*p = (enum sim_policy)i;
			return 0;
		}
	return -1;
}

/* ---- the event queue (a binary heap; seq breaks ties in FIFO order) -- */

static int
ev_less(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int
ev_push(struct sim *s, double t, enum ev_type type, uint32_t arg)
{
	struct ev	*q, e = { t, s->evseq++, type, arg };
	size_t		 i, up;

	if (s->nev == s->evcap) {
		if ((q = reallocarray(s->evq, s->evcap ? s->evcap * 2 : 256,
		    sizeof(*q))) == NULL)
			return -1;
		s->evq = q;
		s->evcap = s->evcap ? s->evcap * 2 : 256;
	}
	if (type == EV_LINK || type == EV_NOTICE || type == EV_REPIN)
		s->nstruct++;
	for (i = s->nev++; i > 0; i = up) {
		up = (i - 1) / 2;
		if (!ev_less(&e, &s->evq[up]))
			break;
		s->evq[i] = s->evq[up];
	}
	s->evq[i] = e;
	return 0;
}

static struct ev
ev_pop(struct sim *s)
{
	struct ev	top = s->evq[0], last = s->evq[--s->nev];
	size_t		i = 0, c;

	while ((c = 2 * i + 1) < s->nev) {
		if (c + 1 < s->nev && ev_less(&s->evq[c + 1], &s->evq[c]))
			c++;
		if (!ev_less(&s->evq[c], &last))
			break;
		s->evq[i] = s->evq[c];
		i = c;
	}
	s->evq[i] = last;
	if (top.type == EV_LINK || top.type == EV_NOTICE ||
	    top.type == EV_REPIN)
		s->nstruct--;
	return top;
}

/* ---- flows -------------------------------------------------------------- */

static struct flow *
flow_new(struct sim *s)
{
	struct flow	*nf;
	uint32_t	 cap;

	if (s->nfl == SIM_FLOWS_MAX) {
		errno = E2BIG;
		return NULL;
	}
	if (s->nfl == s->flcap) {
		cap = s->flcap ? s->flcap * 2 : 1024;
		if ((nf = reallocarray(s->fl, cap, sizeof(*nf))) == NULL)
			return NULL;
		s->fl = nf;
		s->flcap = cap;
	}
	nf = &s->fl[s->nfl++];
	memset(nf, 0, sizeof(*nf));
	nf->cap = INFINITY;
	nf->bg = FAB_NONE;
	nf->start = s->t;
	s->res->flows++;
	s->dirty = 1;
	return nf;
}

static void
flow_remove(struct sim *s, uint32_t i)
{
	s->fl[i] = s->fl[--s->nfl];
	s->dirty = 1;
}

static uint32_t
ld_dir(const struct fabric *f, uint32_t link, uint32_t *node)
{
	uint32_t	ld = SIM_LD(link, f->links[link].a != *node);

	*node = fab_link_other(f, link, *node);
	return ld;
}

/* ---- path choice ---------------------------------------------------- */

static uint64_t
hop_hash(const struct sim *s, const struct flow *fl, uint32_t node,
    uint64_t extra)
{
	return sim_mix64(fl->key ^ s->salt[node] ^ extra);
}

/*
 * The FIB's weights for the candidates; the candidates are the next-hops
 * that lead somewhere now, so a dead next-hop the controller has not
 * heard of yet is skipped (the switch's local repair).  With no weight
 * left, the fabric's own ECMP routes carry the flow.
 */
static int
choose_weighted(const struct sim *s, uint32_t node, uint32_t dst_leaf,
    const struct sim_cand *c, int n, uint64_t h)
{
	const double	*w;
	double		 sum = 0, u;
	int		 i, last = -1;

	w = s->fib + s->woff[node] + (size_t)s->paths.leaf_idx[dst_leaf] *
	    s->f->nodes[node].nadj;
	for (i = 0; i < n; i++) {
		sum += w[c[i].adj];
		if (w[c[i].adj] > 0)
			last = i;
	}
	if (sum <= 0)
		return (int)(h % (uint64_t)n);
	u = (double)(h >> 11) * 0x1.0p-53 * sum;
	for (i = 0; i < last; i++) {
		if (u < w[c[i].adj])
			return i;
		u -= w[c[i].adj];
	}
	return last;
}

enum pick_mode {
	PICK_HASH,		/* uniform over the next-hops (ECMP) */
	PICK_WEIGHTED,		/* the controller's weights, hashed */
};

/* Walks from the source leaf, one next-hop choice per switch. */
static int
walk(struct sim *s, struct flow *fl, enum pick_mode mode, uint64_t extra,
    uint32_t *ld, uint8_t *nld)
{
	struct sim_cand	c[CANDS_MAX];
	uint32_t	node = fl->src_leaf, hl;
	int		n, i, down = 0;
	uint8_t		k = 0;

	hl = sim_host_link(s->f, fl->src);
	ld[k++] = SIM_LD(hl, 0);
	while (node != fl->dst_leaf) {
		n = sim_paths_cands(&s->paths, node, down, fl->dst_leaf, c,
		    CANDS_MAX);
		if (n == 0 || k >= SIM_HOPS_MAX - 1)
			return -1;
		if (mode == PICK_HASH)
			i = (int)(hop_hash(s, fl, node, extra) % (uint64_t)n);
		else
			i = choose_weighted(s, node, fl->dst_leaf, c, n,
			    hop_hash(s, fl, node, extra));
		ld[k++] = SIM_LD(c[i].link, c[i].down);
		node = c[i].next;
		down = c[i].down;
	}
	ld[k++] = SIM_LD(sim_host_link(s->f, fl->dst), 1);
	*nld = k;
	return 0;
}

static int
host_links_usable(const struct sim *s, const struct flow *fl)
{
	return fab_link_usable(s->f, sim_host_link(s->f, fl->src)) > 0 &&
	    fab_link_usable(s->f, sim_host_link(s->f, fl->dst)) > 0;
}

static void
set_path(struct sim *s, struct flow *fl, const uint32_t *ld, uint8_t nld)
{
	uint8_t	k;

	memcpy(fl->ld, ld, nld * sizeof(*ld));
	fl->nld = nld;
	fl->routed = 1;
	/* a dead link the switches do not know of yet is no violation */
	for (k = 0; k < nld; k++)
		if (fab_link_usable(s->f, SIM_LD_LINK(ld[k])) <= 0)
			s->res->down_violations++;
	s->dirty = 1;
}

/* A path for fl by hashing (ECMP, or the data plane's fallback). */
static void
route_hash(struct sim *s, struct flow *fl, enum pick_mode mode,
    uint64_t extra)
{
	uint32_t	ld[SIM_HOPS_MAX];
	uint8_t		nld;

	fl->routed = 0;
	s->dirty = 1;
	if (!host_links_usable(s, fl) || walk(s, fl, mode, extra, ld, &nld)
	    == -1)
		return;
	set_path(s, fl, ld, nld);
}

static enum pick_mode
policy_mode(enum sim_policy p)
{
	return p == SIM_ECMP || p == SIM_PINNED ? PICK_HASH : PICK_WEIGHTED;
}

/* ---- path delay, for reordering --------------------------------------- */

static double
hop_queue(const struct sim *s, uint32_t ld)
{
	double	rho, q, c = s->cap[ld];

	if (c <= 0)
		return s->sc->params.queue_delay;
	rho = s->ldrate[ld] / c;
	if (rho >= 0.999)
		return s->sc->params.queue_delay;
	q = MTU_BITS / c * rho / (1 - rho);
	return q < s->sc->params.queue_delay ? q : s->sc->params.queue_delay;
}

static double
path_delay(const struct sim *s, const uint32_t *ld, uint8_t nld)
{
	double	d = 0;
	uint8_t	k;

	for (k = 0; k < nld; k++)
		d += s->sc->params.hop_delay + hop_queue(s, ld[k]);
	return d;
}

static int
same_path(const struct flow *fl, const uint32_t *ld, uint8_t nld)
{
	return fl->routed && nld == fl->nld && memcmp(ld, fl->ld, nld *
	    sizeof(*ld)) == 0;
}

/*
 * A live flow moves: packets on the new path overtake unless the gap
 * covers the difference.  Staying on the same path is no move: the rates
 * need no recomputation.
 */
static void
move_flow(struct sim *s, struct flow *fl, const uint32_t *ld, uint8_t nld,
    double gap)
{
	if (same_path(fl, ld, nld))
		return;
	if (fl->routed && s->t > fl->start &&
	    path_delay(s, fl->ld, fl->nld) - path_delay(s, ld, nld) > gap)
		s->res->reorder_events++;
	set_path(s, fl, ld, nld);
}

/* ---- pinned: assign_flows over a batch ------------------------------- */

/* Max-min over the host links alone: each flow's non-blocking rate. */
static int
demands(struct sim *s, uint32_t from)
{
	uint32_t	i, k = 0;
	struct flow	*fl;

	s->hop_off[0] = 0;
	for (i = 0; i < s->nfl; i++) {
		fl = &s->fl[i];
		s->fcap[i] = fl->cap;
		if (i >= from || fl->routed) {
			s->hops[k++] = SIM_LD(sim_host_link(s->f, fl->src), 0);
			s->hops[k++] = SIM_LD(sim_host_link(s->f, fl->dst), 1);
		} else
			s->fcap[i] = 0;
		s->hop_off[i + 1] = k;
	}
	if (sim_maxmin(&s->mm, s->nld, s->cap, s->nfl, s->hop_off, s->hops,
	    s->fcap, s->dem) == -1)
		return -1;
	for (i = 0; i < s->nfl; i++)
		s->fl[i].demand = s->dem[i];
	return 0;
}

static void
pinned_path(struct sim *s, struct flow *fl, const struct assign_flow *a)
{
	uint32_t	ld[SIM_HOPS_MAX], node = fl->src;
	uint8_t		k;

	for (k = 0; k < a->npath; k++)
		ld[k] = ld_dir(s->f, a->path[k], &node);
	move_flow(s, fl, ld, a->npath, 0);
}

/*
 * What assign_flows is to balance.  A job flow's demand is its remaining
 * volume over the phase's host bound (the time the busiest host link
 * needs for what is left): at the start of a ring step, the line rate;
 * later, what the flow still needs to finish with the others.  Other
 * flows offer their non-blocking rate.
 */
static int
pin_demands(struct sim *s, double *dem)
{
	double		*vol, T = 0;
	uint32_t	 i, ld[2], k;

	if ((vol = calloc(s->nld + 1, sizeof(*vol))) == NULL)
		return -1;
	for (i = 0; i < s->nfl; i++) {
		if (!s->fl[i].job)
			continue;
		ld[0] = SIM_LD(sim_host_link(s->f, s->fl[i].src), 0);
		ld[1] = SIM_LD(sim_host_link(s->f, s->fl[i].dst), 1);
		for (k = 0; k < 2; k++) {
			vol[ld[k]] += s->fl[i].remaining;
			if (s->cap[ld[k]] > 0 && vol[ld[k]] / s->cap[ld[k]] > T)
				T = vol[ld[k]] / s->cap[ld[k]];
		}
	}
	for (i = 0; i < s->nfl; i++)
		dem[i] = s->fl[i].job && T > 0 ? s->fl[i].remaining / T :
		    s->fl[i].demand;
	free(vol);
	return 0;
}

/*
 * Flows [from, nfl) get paths from assign_flows; the others, routed, are
 * the background load.  If assign_flows cannot place them (no path),
 * they fall back to hashing.
 */
static int
pin_batch(struct sim *s, uint32_t from)
{
	struct assign_flow	*af;
	double			*bg;
	uint32_t		*idx, i, n = 0;
	uint8_t			 k;
	int			 r = -1;

	af = calloc(s->nfl - from + 1, sizeof(*af));
	idx = calloc(s->nfl - from + 1, sizeof(*idx));
	bg = calloc(s->nld, sizeof(*bg));
	if (af == NULL || idx == NULL || bg == NULL ||
	    pin_demands(s, s->dem) == -1)
		goto out;
	for (i = 0; i < from; i++)
		for (k = 0; s->fl[i].routed && k < s->fl[i].nld; k++)
			bg[s->fl[i].ld[k]] += s->dem[i];
	for (i = from; i < s->nfl; i++) {
		if (!host_links_usable(s, &s->fl[i])) {
			s->fl[i].routed = 0;
			continue;
		}
		idx[n] = i;
		af[n++] = (struct assign_flow){ .src = s->fl[i].src,
		    .dst = s->fl[i].dst, .rate = s->dem[i] };
	}
	if (assign_flows_with(&s->paths, af, n, bg, NULL) == 0)
		for (i = 0; i < n; i++)
			pinned_path(s, &s->fl[idx[i]], &af[i]);
	else
		for (i = 0; i < n; i++)
			route_hash(s, &s->fl[idx[i]], PICK_HASH, 0);
	r = 0;
out:
	free(af);
	free(idx);
	free(bg);
	s->dirty = 1;
	return r;
}

/* New flows [from, nfl) get their first path. */
static int
route_new_flows(struct sim *s, uint32_t from)
{
	uint32_t	i;

	if (demands(s, from) == -1)
		return -1;
	if (s->pol == SIM_PINNED)
		return pin_batch(s, from);
	for (i = from; i < s->nfl; i++) {
		route_hash(s, &s->fl[i], policy_mode(s->pol), 0);
		if (IS_FLOWLET(s->pol))
			s->fl[i].next_repick = s->t +
			    s->sc->params.flowlet_interval;
	}
	return s->pol == SIM_FLOWLET_CA ? ca_place(s, from, 1) : 0;
}

/* ---- scratch ---------------------------------------------------------- */

static int
scratch(struct sim *s)
{
	static const size_t	 sz[] = { sizeof(uint32_t), sizeof(uint32_t),
				    sizeof(double), sizeof(double),
				    sizeof(double) };
	void			**v[] = { (void **)&s->hop_off,
				    (void **)&s->hops, (void **)&s->fcap,
				    (void **)&s->rate, (void **)&s->dem };
	size_t			 n[] = { s->flcap + 1,
				    (size_t)s->flcap * SIM_HOPS_MAX + 1,
				    s->flcap + 1, s->flcap + 1,
				    s->flcap + 1 };
	void			*p;
	int			 i;

	for (i = 0; i < 5; i++) {
		if ((p = reallocarray(*v[i], n[i], sz[i])) == NULL)
			return -1;
		*v[i] = p;
	}
	return 0;
}

/* ---- rates --------------------------------------------------------------- */

/*
 * The offered load of switch-to-switch link directions (docs): each flow
 * offers its non-blocking rate, as of the last flow start.
 */
static int
measure_offered(struct sim *s)
{
	uint32_t	i, ld;
	uint8_t		k;
	double		m = s->res->max_link_util;

	memset(s->ldrate, 0, s->nld * sizeof(*s->ldrate));
	for (i = 0; i < s->nfl; i++)
		for (k = 0; s->fl[i].routed && k < s->fl[i].nld; k++)
			s->ldrate[s->fl[i].ld[k]] += s->fl[i].demand;
	for (ld = 0; ld < s->nld; ld++)
		if (s->cap[ld] > 0 && !sim_ld_is_host(s->f, ld) &&
		    s->ldrate[ld] / s->cap[ld] > m)
			m = s->ldrate[ld] / s->cap[ld];
	s->res->max_link_util = m;
	return 0;
}

static int
recompute(struct sim *s)
{
	uint32_t	i, k = 0;
	uint8_t		h;

	if (s->flcap > 0 && scratch(s) == -1)
		return -1;
	if (s->measure && measure_offered(s) == -1)
		return -1;
	s->measure = 0;
	s->hop_off[0] = 0;
	for (i = 0; i < s->nfl; i++) {
		s->fcap[i] = s->fl[i].routed ? s->fl[i].cap : 0;
		for (h = 0; s->fl[i].routed && h < s->fl[i].nld; h++)
			s->hops[k++] = s->fl[i].ld[h];
		s->hop_off[i + 1] = k;
	}
	if (sim_maxmin(&s->mm, s->nld, s->cap, s->nfl, s->hop_off, s->hops,
	    s->fcap, s->rate) == -1)
		return -1;
	memset(s->ldrate, 0, s->nld * sizeof(*s->ldrate));
	for (i = 0; i < s->nfl; i++)
		s->fl[i].crate = s->rate[i];
	for (i = 0; i < s->nfl; i++)
		for (h = 0; s->fl[i].routed && h < s->fl[i].nld; h++) {
			s->ldrate[s->fl[i].ld[h]] += s->rate[i];
			if (s->rate[i] > 0 && s->cap[s->fl[i].ld[h]] <= 0)
				s->res->down_violations++;
		}
	s->res->recomputes++;
	s->dirty = 0;
	return 0;
}

/* ---- the job ------------------------------------------------------------ */

static int
start_phase(struct sim *s)
{
	const struct sim_xfer	*x;
	struct flow		*fl;
	uint32_t		 from = s->nfl;
	size_t			 i;

	if (s->phase == s->job->nphases) {
		s->res->jct = s->t;
		s->done = 1;
		return 0;
	}
	for (i = s->job->phase_off[s->phase]; i <
	    s->job->phase_off[s->phase + 1]; i++) {
		x = &s->job->xfers[i];
		if ((fl = flow_new(s)) == NULL)
			return -1;
		fl->key = x->key;
		fl->src = x->src;
		fl->dst = x->dst;
		fl->src_leaf = sim_host_leaf(s->f, x->src);
		fl->dst_leaf = sim_host_leaf(s->f, x->dst);
		fl->size = fl->remaining = x->bits;
		fl->job = 1;
	}
	s->phase_left = s->job->phase_off[s->phase + 1] -
	    s->job->phase_off[s->phase];
	s->phase_t = s->t;
	s->measure = 1;
	if (scratch(s) == -1)
		return -1;
	return route_new_flows(s, from);
}

/*
 * Completions closer together than SIM_TIME_REL of the phase's elapsed
 * time are taken together (the later ones that much early): without it,
 * flows that flowlets left at slightly different progress end one by one,
 * each a recomputation of every rate.
 */
static int
finished(const struct sim *s, const struct flow *fl, double rate)
{
	if (!isfinite(fl->remaining))
		return 0;
	return fl->remaining <= 1e-9 * fl->size || (rate > 0 &&
	    fl->remaining / rate <= SIM_TIME_REL * (s->t - s->phase_t) +
	    1e-15);
}

/*
 * Returns how many flows of the job ended.  `pinned' then re-plans the
 * rest of the phase: a controller that knows the collective's volumes
 * knows when its flows end, and plans these moves with the schedule.
 */
static int
completions(struct sim *s)
{
	uint32_t	i = 0;
	int		n = 0;

	while (i < s->nfl) {
		if (!finished(s, &s->fl[i], s->rate[i])) {
			i++;
			continue;
		}
		if (s->fl[i].job && s->phase_left > 0) {
			s->phase_left--;
			n++;
		}
		s->rate[i] = s->rate[s->nfl - 1];
		flow_remove(s, i);
	}
	if (n > 0 && s->phase_left > 0 && s->pol == SIM_PINNED &&
	    pin_batch(s, 0) == -1)
		return -1;
	return n;
}

/* ---- background --------------------------------------------------------- */

static int
bg_flow(struct sim *s, uint32_t b, uint32_t src, uint32_t dst, double bits,
    uint64_t key)
{
	struct flow	*fl;
	uint32_t	 from = s->nfl;

	if ((fl = flow_new(s)) == NULL)
		return -1;
	fl->key = key;
	fl->src = src;
	fl->dst = dst;
	fl->src_leaf = sim_host_leaf(s->f, src);
	fl->dst_leaf = sim_host_leaf(s->f, dst);
	fl->size = fl->remaining = bits;
	if (!isfinite(bits)) {
		fl->cap = s->sc->bgs[b].rate;
		fl->size = INFINITY;
		fl->bg = b;
	}
	if (scratch(s) == -1)
		return -1;
	return route_new_flows(s, from);
}

static double
exp_draw(struct sim_rng *r, double rate)
{
	return -log1p(-sim_rng_double(r)) / rate;
}

static int
poisson(struct sim *s, uint32_t b)
{
	const struct sim_bg	*bg = &s->sc->bgs[b];
	struct sim_rng		*r = &s->bgrng[b];
	uint32_t		 src, dst;
	double			 bits, next;
	uint64_t		 key;

	src = bg->hosts[sim_rng_below(r, bg->nhosts)];
	do
		dst = bg->hosts[sim_rng_below(r, bg->nhosts)];
	while (dst == src);
	bits = bg->sizes[sim_rng_below(r, bg->nsizes)];
	key = sim_mix64(0xb6000000ULL + b) ^ sim_mix64(s->bgcount[b]++);
	if (bg_flow(s, b, src, dst, bits, key) == -1)
		return -1;
	next = s->t + exp_draw(r, bg->rate);
	return next < bg->stop ? ev_push(s, next, EV_POISSON, b) : 0;
}

static void
bg_stop(struct sim *s, uint32_t b)
{
	uint32_t	i;

	for (i = 0; i < s->nfl; i++)
		if (s->fl[i].bg == b) {
			s->rate[i] = s->rate[s->nfl - 1];
			flow_remove(s, i);
			return;
		}
}

/* ---- the controller --------------------------------------------------- */

/* What telemetry reports: mean load since the last tick, queues. */
static void
telemetry(struct sim *s)
{
	double		dt = s->t - s->last_tick, c;
	uint32_t	ld;
	struct fab_link	*l;

	for (ld = 0; ld < s->nld; ld++) {
		l = &s->f->links[SIM_LD_LINK(ld)];
		l->load[ld & 1] = dt > 0 ? (s->ldbits[ld] - s->ldmark[ld]) /
		    dt : 0;
		c = s->cap[ld];
		l->backlog[ld & 1] = hop_queue(s, ld) * c / 8;
		l->drops[ld & 1] = 0;
		s->ldmark[ld] = s->ldbits[ld];
	}
	s->last_tick = s->t;
}

/* One block's weights as route.c computed them. */
static void
block_target(const struct sim *s, const struct fab_routes *r, uint32_t node,
    uint32_t li, double *w)
{
	const struct fab_node	*nd = &s->f->nodes[node];
	const struct route_nh	*nh;
	int			 m, k;
	uint32_t		 i;

	memset(w, 0, nd->nadj * sizeof(*w));
	m = route_nexthops(r, node, s->paths.leaves[li], &nh);
	for (k = 0; k < m; k++)
		for (i = 0; i < nd->nadj; i++)
			if (nd->adj[i] == nh[k].link && nh[k].weight > 0)
				w[i] = nh[k].weight;
}

/* Quantised as the data plane would hold them, if asked to. */
static void
quantise(const struct sim *s, double *w, uint32_t n)
{
	uint32_t	q[1024], i;
	double		sum = 0;

	for (i = 0; i < n; i++)
		sum += w[i];
	if (s->sc->params.quantise != NULL && sum > 0) {
		s->sc->params.quantise(w, n, s->sc->params.hook_arg);
		return;
	}
	if (s->sc->params.wcmp_buckets == 0 || sum <= 0 || n > 1024 ||
	    quant_buckets(w, n, s->sc->params.wcmp_buckets, q, NULL) == -1)
		return;
	for (i = 0; i < n; i++)
		w[i] = q[i];
}

/* Adaptive: EWMA, hysteresis and a step limit (route_smooth_apply). */
static void
block_smooth(struct sim *s, size_t off, uint32_t n, double *w)
{
	double		sum = 0;
	uint32_t	i;

	for (i = 0; i < n; i++)
		sum += w[i];
	if (sum <= 0) {
		memset(s->ewma + off, 0, n * sizeof(double));
		memset(s->applied + off, 0, n * sizeof(double));
		return;
	}
	route_smooth_apply(&s->sc->params.smooth, s->ewma + off, w, n,
	    s->applied + off);
	memcpy(w, s->applied + off, n * sizeof(double));
}

/* The controller's weights for every switch and leaf, from routes r. */
static void
weights_from(struct sim *s, const struct fab_routes *r, double *w,
    int smooth)
{
	uint32_t	node, li, deg;
	size_t		off;

	for (node = 0; node < s->f->nnodes; node++) {
		if (s->woff[node] == FAB_NONE)
			continue;
		deg = s->f->nodes[node].nadj;
		for (li = 0; li < s->paths.nleaves; li++) {
			off = s->woff[node] + (size_t)li * deg;
			block_target(s, r, node, li, w + off);
			if (smooth)
				block_smooth(s, off, deg, w + off);
			quantise(s, w + off, deg);
		}
	}
}

/* Computes weights now; they reach the FIBs after the delays. */
static int
controller_compute(struct sim *s)
{
	struct route_params	 rp = s->sc->params.adaptive;
	struct fab_routes	*r;
	struct pending		*p;
	double			*w;

	rp.adaptive = s->pol == SIM_ADAPTIVE;
	if ((r = route_new()) == NULL || (w = calloc(s->nw + 1,
	    sizeof(*w))) == NULL) {
		route_free(r);
		return -1;
	}
	if (route_compute(r, s->f, &rp) == -1) {
		log_debug("sim: route_compute failed at t=%g", s->t);
		route_free(r);
		free(w);
		return 0;
	}
	weights_from(s, r, w, rp.adaptive && s->sc->params.smooth.alpha > 0);
	route_free(r);
	if (s->npend == PENDING_MAX) {	/* the newest supersedes */
		free(s->pend[s->npend - 1].w);
		s->npend--;
	}
	p = &s->pend[s->npend++];
	p->t = s->t + s->sc->params.telemetry_delay + s->sc->params.push_delay;
	p->w = w;
	return ev_push(s, p->t, EV_APPLY, 0);
}

static void
controller_apply(struct sim *s)
{
	if (s->npend == 0)
		return;
	free(s->fib);
	s->fib = s->pend[0].w;
	memmove(&s->pend[0], &s->pend[1], (s->npend - 1) * sizeof(s->pend[0]));
	s->npend--;
}

/* The weight table's layout, and the weights converged before the job. */
static int
weights_init(struct sim *s)
{
	struct route_params	 rp = s->sc->params.adaptive;
	struct fab_routes	*r;
	uint32_t		 node;
	int			 ok;

	if ((s->woff = calloc(s->f->nnodes + 1, sizeof(*s->woff))) == NULL)
		return -1;
	for (node = 0; node < s->f->nnodes; node++) {
		s->woff[node] = FAB_NONE;
		if (s->f->nodes[node].role == ROLE_HOST)
			continue;
		s->woff[node] = (uint32_t)s->nw;
		s->nw += (size_t)s->f->nodes[node].nadj * s->paths.nleaves;
		if (s->nw > UINT32_MAX / 2)
			return -1;
	}
	if ((s->fib = calloc(s->nw + 1, sizeof(double))) == NULL ||
	    (s->ewma = calloc(s->nw + 1, sizeof(double))) == NULL ||
	    (s->applied = calloc(s->nw + 1, sizeof(double))) == NULL ||
	    (r = route_new()) == NULL)
		return -1;
	rp.adaptive = 0;
	ok = route_compute(r, s->f, &rp) == 0;
	if (ok) {
		weights_from(s, r, s->fib, 0);
		weights_from(s, r, s->applied, 0);
		memcpy(s->ewma, s->applied, s->nw * sizeof(double));
	}
	route_free(r);
	return ok ? 0 : -1;
}

/* The controller re-pins every flow as one batch. */
static int
repin(struct sim *s)
{
	return demands(s, 0) == -1 ? -1 : pin_batch(s, 0);
}

/* The controller reacts to what the switches now report. */
static int
controller_event(struct sim *s)
{
	double	d = s->sc->params.telemetry_delay + s->sc->params.push_delay;

	if (s->pol == SIM_PINNED)
		return ev_push(s, s->t + d, EV_REPIN, 0);
	if (s->pol == SIM_WCMP || IS_FLOWLET(s->pol) || s->pol ==
	    SIM_ADAPTIVE)
		return controller_compute(s);
	return 0;
}

/* ---- link events ------------------------------------------------------ */

static double
scen_capacity(const struct sim *s, const struct sim_event *e)
{
	const struct fab_link	*l = &s->f->links[e->link];
	double			 nominal = s->sc->nominal[e->link];

	switch (e->action) {
	case SIM_EV_DOWN:
		return 0;
	case SIM_EV_DEGRADE:
		return nominal * e->fraction * l->members_up / l->members;
	case SIM_EV_RESTORE:
		return nominal * l->members_up / l->members;
	}
	return 0;
}

static int
link_event(struct sim *s, uint32_t ei)
{
	const struct sim_event	*e = &s->sc->events[ei];

	s->phys[e->link] = scen_capacity(s, e);
	s->cap[SIM_LD(e->link, 0)] = s->cap[SIM_LD(e->link, 1)] =
	    s->phys[e->link];
	s->dirty = s->measure = 1;
	return ev_push(s, s->t + s->sc->params.failover_delay, EV_NOTICE, ei);
}

static int
path_dead(const struct sim *s, const struct flow *fl)
{
	uint8_t	k;

	for (k = 0; k < fl->nld; k++)
		if (fab_link_usable(s->f, SIM_LD_LINK(fl->ld[k])) <= 0)
			return 1;
	return 0;
}

/*
 * The switches learn of the event: the fabric's state changes, BGP
 * withdraws what no longer leads anywhere, and every flow on a dead
 * next-hop is re-hashed locally (pinned flows fall back to the fabric's
 * ECMP routes); flows without a path try again.
 */
static int
notice(struct sim *s, uint32_t ei)
{
	const struct sim_event	*e = &s->sc->events[ei];
	struct fab_link		*l = &s->f->links[e->link];
	uint32_t		 i;

	fab_link_set_state(s->f, e->link, e->action == SIM_EV_DOWN ?
	    FAB_DOWN : FAB_UP);
	l->capacity = e->action == SIM_EV_DEGRADE ?
	    s->sc->nominal[e->link] * e->fraction : s->sc->nominal[e->link];
	s->f->version++;
	if (sim_paths_update(&s->paths) == -1)
		return -1;
	ca_sets_clear(s);
	for (i = 0; i < s->nfl; i++)
		if (!s->fl[i].routed || path_dead(s, &s->fl[i]))
			route_hash(s, &s->fl[i], policy_mode(s->pol), 0);
	s->measure = 1;
	return controller_event(s);
}

/* ---- flowlets ----------------------------------------------------------- */

static void
flowlet_repicks(struct sim *s)
{
	uint32_t	ld[SIM_HOPS_MAX], i;
	uint8_t		nld;
	struct flow	*fl;

	for (i = 0; i < s->nfl; i++) {
		fl = &s->fl[i];
		if (fl->next_repick > s->t * (1 + 1e-12) + 1e-15)
			continue;
		fl->next_repick += s->sc->params.flowlet_interval;
		if (fl->next_repick <= s->t)
			fl->next_repick = s->t +
			    s->sc->params.flowlet_interval;
		fl->repicks++;
		if (!host_links_usable(s, fl) || walk(s, fl, PICK_WEIGHTED,
		    sim_mix64(0xf10e7000ULL + fl->repicks), ld, &nld) == -1)
			continue;
		move_flow(s, fl, ld, nld, s->gap);
	}
}

/*
 * flowlet-ca: congestion-aware re-picks (CONGA, HULA; docs/SIMULATOR.md).
 * At a flowlet boundary the flows due are taken off the books and placed
 * again one by one, the furthest behind first (the most time left at its
 * non-blocking rate: it finishes the phase last), each on the up-down
 * path where it would get the most: per hop, the larger of the spare
 * capacity and a fair share with the flows already there (cap / (n + 1)),
 * the least over the path, at most its non-blocking rate.  Ties keep the
 * current path, then prefer the most spare capacity (for a flow held
 * below its non-blocking rate), then a hashed rotation.  The loads are
 * the rates of the last max-min computation, and each placed flow adds
 * its estimate, so the batch does not herd.
 */
static void
ca_sets_clear(struct sim *s)
{
	size_t	i, n = (size_t)s->paths.nleaves * s->paths.nleaves;

	for (i = 0; s->ca_sets != NULL && i < n; i++) {
		free(s->ca_sets[i].ld);
		free(s->ca_sets[i].nld);
		memset(&s->ca_sets[i], 0, sizeof(s->ca_sets[i]));
	}
}

static int
ca_init(struct sim *s)
{
	size_t	n = (size_t)s->paths.nleaves * s->paths.nleaves;

	if (n > (1U << 22)) {
		errno = E2BIG;
		return -1;
	}
	if ((s->ca_sets = calloc(n + 1, sizeof(*s->ca_sets))) == NULL ||
	    (s->ca_load = calloc(s->nld + 1, sizeof(double))) == NULL ||
	    (s->ca_cnt = calloc(s->nld + 1, sizeof(uint32_t))) == NULL ||
	    (s->ca_scr_ld = calloc((size_t)SIM_PATHS_MAX * SIM_HOPS_MAX,
	    sizeof(uint32_t))) == NULL ||
	    (s->ca_scr_nld = calloc(SIM_PATHS_MAX, 1)) == NULL)
		return -1;
	return 0;
}

static struct caset *
ca_set(struct sim *s, uint32_t sl, uint32_t dl)
{
	struct caset	*c;
	size_t		 n;

	c = &s->ca_sets[(size_t)s->paths.leaf_idx[sl] * s->paths.nleaves +
	    s->paths.leaf_idx[dl]];
	if (c->valid)
		return c;
	if (sim_paths_enum(&s->paths, sl, dl, s->ca_scr_ld, s->ca_scr_nld,
	    SIM_PATHS_MAX, &n) == -1)
		return NULL;
	if ((c->ld = calloc(n * SIM_HOPS_MAX + 1, sizeof(*c->ld))) == NULL ||
	    (c->nld = calloc(n + 1, 1)) == NULL) {
		free(c->ld);
		c->ld = NULL;
		return NULL;
	}
	memcpy(c->ld, s->ca_scr_ld, n * SIM_HOPS_MAX * sizeof(*c->ld));
	memcpy(c->nld, s->ca_scr_nld, n);
	c->n = (uint32_t)n;
	c->valid = 1;
	return c;
}

static int
ca_cmp(const void *a, const void *b)
{
	const struct caord	*x = a, *y = b;

	if (x->pri != y->pri)
		return x->pri > y->pri ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* What a flow could get on switch hops ld[0..n): estimate and spare. */
static void
ca_eval(const struct sim *s, const uint32_t *ld, uint8_t n, double *est,
    double *spare)
{
	double	e = INFINITY, sp = INFINITY, c, v, sh;
	uint8_t	k;

	for (k = 0; k < n; k++) {
		c = s->cap[ld[k]];
		v = c - s->ca_load[ld[k]];
		sh = c / (s->ca_cnt[ld[k]] + 1);
		if (v < sp)
			sp = v;
		if ((v > sh ? v : sh) < e)
			e = v > sh ? v : sh;
	}
	*est = e;
	*spare = sp;
}

static void
ca_book(struct sim *s, const uint32_t *ld, uint8_t n, double r, int sign)
{
	uint8_t	k;

	for (k = 0; k < n; k++) {
		s->ca_load[ld[k]] += sign * r;
		s->ca_cnt[ld[k]] += sign;
	}
}

static int
ca_better(double e1, double s1, double e0, double s0, double dem)
{
	double	eps = 1e-9 * (e0 > 1 ? e0 : 1);

	if (e1 > e0 + eps)
		return 1;
	if (e1 < e0 - eps || e1 >= dem * (1 - 1e-9))
		return 0;
	return s1 > s0 + 1e-9 * (s0 > 1 ? s0 : 1);
}

/* One due flow: the best path, booked. */
static int
ca_pick(struct sim *s, struct flow *fl, int fresh)
{
	uint32_t	 ld[SIM_HOPS_MAX], j, b, best = UINT32_MAX, start;
	struct caset	*c;
	double		 dem, e, sp, be = -1, bs = -INFINITY, r;
	const uint32_t	*p;

	dem = fl->demand > 0 ? fl->demand : INFINITY;
	if (fl->routed && fl->nld >= 2 && !path_dead(s, fl)) {
		ca_eval(s, fl->ld + 1, fl->nld - 2, &be, &bs);
		be = be < dem ? be : dem;
	}
	if ((c = ca_set(s, fl->src_leaf, fl->dst_leaf)) == NULL)
		return -1;
	if (c->n == 0)
		return 0;
	start = (uint32_t)(sim_mix64(fl->key ^ sim_mix64(0xca000000ULL +
	    fl->repicks)) % c->n);
	for (j = 0; j < c->n; j++) {
		b = (start + j) % c->n;
		ca_eval(s, c->ld + (size_t)b * SIM_HOPS_MAX, c->nld[b], &e,
		    &sp);
		e = e < dem ? e : dem;
		if (ca_better(e, sp, be, bs, dem)) {
			best = b;
			be = e;
			bs = sp;
		}
	}
	r = be > 0 ? be : 0;
	if (best != UINT32_MAX) {
		p = c->ld + (size_t)best * SIM_HOPS_MAX;
		ld[0] = SIM_LD(sim_host_link(s->f, fl->src), 0);
		memcpy(ld + 1, p, c->nld[best] * sizeof(*ld));
		ld[c->nld[best] + 1] = SIM_LD(sim_host_link(s->f, fl->dst), 1);
		if (fresh || s->sc->params.flowlet_decision_delay <= 0)
			move_flow(s, fl, ld, c->nld[best] + 2, s->gap);
		else {		/* decided now, in effect later */
			memcpy(fl->pld, ld, sizeof(ld));
			fl->npld = c->nld[best] + 2;
			fl->pend_t = s->t +
			    s->sc->params.flowlet_decision_delay;
		}
		ca_book(s, p, c->nld[best], r, 1);
	} else if (fl->routed && fl->nld >= 2)
		ca_book(s, fl->ld + 1, fl->nld - 2, r, 1);
	fl->crate = r;
	return 0;
}

/* Decided moves whose decision delay has passed take effect. */
static void
ca_apply(struct sim *s)
{
	struct flow	*fl;
	uint32_t	 i;
	uint8_t		 k;

	for (i = 0; i < s->nfl; i++) {
		fl = &s->fl[i];
		if (fl->npld == 0 || fl->pend_t > s->t * (1 + 1e-12) + 1e-15)
			continue;
		for (k = 0; k < fl->npld; k++)
			if (fab_link_usable(s->f, SIM_LD_LINK(fl->pld[k])) <= 0)
				break;
		if (k == fl->npld)	/* else the switch drops the move */
			move_flow(s, fl, fl->pld, fl->npld, s->gap);
		fl->npld = 0;
	}
}

/*
 * Places the flows due: [from, nfl) if `fresh' (new flows, already hashed
 * onto a path), else every flow at its flowlet boundary.
 */
static int
ca_place(struct sim *s, uint32_t from, int fresh)
{
	struct caord	*o;
	struct flow	*fl;
	uint32_t	 i, n = 0;

	if (s->nfl > s->ca_ordcap) {
		if ((o = reallocarray(s->ca_ord, s->flcap + 1,
		    sizeof(*o))) == NULL)
			return -1;
		s->ca_ord = o;
		s->ca_ordcap = s->flcap + 1;
	}
	for (i = fresh ? from : 0; i < s->nfl; i++) {
		fl = &s->fl[i];
		if (!fresh) {
			if (fl->next_repick > s->t * (1 + 1e-12) + 1e-15)
				continue;
			fl->next_repick += s->sc->params.flowlet_interval;
			if (fl->next_repick <= s->t)
				fl->next_repick = s->t +
				    s->sc->params.flowlet_interval;
			fl->repicks++;
		}
		if (fl->src_leaf == fl->dst_leaf || !host_links_usable(s, fl))
			continue;
		fl->due = 1;
		o = &s->ca_ord[n++];
		o->pri = !fl->job ? -1 : fl->demand > 0 ? fl->remaining /
		    fl->demand : INFINITY;
		o->key = fl->key;
		o->i = i;
	}
	/*
	 * Nobody held below its non-blocking rate: no move can help, and
	 * the flows stay (the common case once a phase is balanced).
	 */
	for (i = 0; !fresh && i < n; i++) {
		fl = &s->fl[s->ca_ord[i].i];
		if (fl->crate < fl->demand * (1 - 1e-6))
			break;
	}
	if (!fresh && i == n) {
		for (i = 0; i < n; i++)
			s->fl[s->ca_ord[i].i].due = 0;
		return 0;
	}
	if (n == 0)
		return 0;
	memset(s->ca_load, 0, s->nld * sizeof(*s->ca_load));
	memset(s->ca_cnt, 0, s->nld * sizeof(*s->ca_cnt));
	for (i = 0; i < s->nfl; i++) {
		fl = &s->fl[i];
		if (!fl->due && fl->routed && fl->nld >= 2)
			ca_book(s, fl->ld + 1, fl->nld - 2, fl->crate, 1);
	}
	qsort(s->ca_ord, n, sizeof(*s->ca_ord), ca_cmp);
	for (i = 0; i < n; i++) {
		fl = &s->fl[s->ca_ord[i].i];
		fl->due = 0;
		if (ca_pick(s, fl, fresh) == -1)
			return -1;
	}
	return 0;
}

/* ---- the loop ------------------------------------------------------------ */

static int
handle(struct sim *s, const struct ev *e)
{
	switch (e->type) {
	case EV_LINK:
		return link_event(s, e->arg);
	case EV_NOTICE:
		return notice(s, e->arg);
	case EV_TICK:
		telemetry(s);
		if (controller_compute(s) == -1)
			return -1;
		return ev_push(s, s->t + s->sc->params.interval, EV_TICK, 0);
	case EV_APPLY:
		controller_apply(s);
		return 0;
	case EV_REPIN:
		return repin(s);
	case EV_BG_START:
		return bg_flow(s, e->arg, s->sc->bgs[e->arg].src,
		    s->sc->bgs[e->arg].dst, INFINITY,
		    sim_mix64(0xf1000000ULL + e->arg));
	case EV_BG_STOP:
		bg_stop(s, e->arg);
		return 0;
	case EV_POISSON:
		return poisson(s, e->arg);
	}
	return 0;
}

/* The next instant: an event, a completion or a flowlet boundary. */
static double
next_instant(const struct sim *s)
{
	double		t = s->nev > 0 ? s->evq[0].t : INFINITY, tf;
	uint32_t	i;

	for (i = 0; i < s->nfl; i++) {
		if (s->rate[i] > 0 && isfinite(s->fl[i].remaining) &&
		    (tf = s->t + s->fl[i].remaining / s->rate[i]) < t)
			t = tf;
		if (IS_FLOWLET(s->pol) && s->fl[i].routed &&
		    s->fl[i].next_repick < t)
			t = s->fl[i].next_repick;
		if (s->fl[i].npld > 0 && s->fl[i].pend_t < t)
			t = s->fl[i].pend_t;
	}
	return t < s->t ? s->t : t;
}

static void
advance(struct sim *s, double t)
{
	double		dt = t - s->t, b;
	uint32_t	i;
	uint8_t		k;

	for (i = 0; i < s->nfl && dt > 0; i++) {
		if (s->rate[i] <= 0)
			continue;
		b = s->rate[i] * dt;
		if (isfinite(s->fl[i].remaining))
			s->fl[i].remaining = fmax(0, s->fl[i].remaining - b);
		for (k = 0; k < s->fl[i].nld; k++)
			s->ldbits[s->fl[i].ld[k]] += b;
	}
	s->t = t;
}

/* No job flow moves and nothing queued can change that. */
static int
stalled(const struct sim *s)
{
	uint32_t	i;

	if (s->nstruct > 0)
		return 0;
	for (i = 0; i < s->nfl; i++)
		if (s->fl[i].job && s->rate[i] > 0)
			return 0;
	return 1;
}

static int
run_events(struct sim *s)
{
	struct ev	e;

	while (s->nev > 0 && s->evq[0].t <= s->t) {
		e = ev_pop(s);
		if (handle(s, &e) == -1)
			return -1;
	}
	return 0;
}

static int
step(struct sim *s)
{
	double	t = next_instant(s);

	if (!isfinite(t) || stalled(s)) {	/* it would never end */
		s->res->jct = INFINITY;
		s->done = 1;
		return 0;
	}
	advance(s, t);
	if (completions(s) == -1)
		return -1;
	if (run_events(s) == -1)
		return -1;
	if (s->pol == SIM_FLOWLET)
		flowlet_repicks(s);
	else if (s->pol == SIM_FLOWLET_CA) {
		ca_apply(s);
		if (ca_place(s, 0, 0) == -1)
			return -1;
	}
	if (s->phase_left == 0) {
		s->phase++;
		if (start_phase(s) == -1)
			return -1;
		if (s->done)
			return 0;
	}
	return s->dirty ? recompute(s) : 0;
}

static int
schedule(struct sim *s)
{
	const struct sim_scenario	*sc = s->sc;
	uint32_t			 i;

	for (i = 0; i < sc->nevents; i++)
		if (ev_push(s, sc->events[i].at, EV_LINK, i) == -1)
			return -1;
	for (i = 0; i < sc->nbgs; i++) {
		sim_rng_seed(&s->bgrng[i], sc->params.seed ^
		    sim_mix64(0xb9000000ULL + i));
		if (sc->bgs[i].type == SIM_BG_FIXED) {
			if (ev_push(s, sc->bgs[i].start, EV_BG_START, i) ==
			    -1 || (isfinite(sc->bgs[i].stop) && ev_push(s,
			    sc->bgs[i].stop, EV_BG_STOP, i) == -1))
				return -1;
		} else if (ev_push(s, sc->bgs[i].start +
		    exp_draw(&s->bgrng[i], sc->bgs[i].rate), EV_POISSON, i) ==
		    -1)
			return -1;
	}
	if (s->pol == SIM_ADAPTIVE)
		return ev_push(s, sc->params.interval, EV_TICK, 0);
	return 0;
}

static void
sim_free(struct sim *s)
{
	int	i;

	ca_sets_clear(s);	/* before the paths: it needs nleaves */
	sim_paths_free(&s->paths);
	sim_mm_free(&s->mm);
	for (i = 0; i < s->npend; i++)
		free(s->pend[i].w);
	free(s->woff);
	free(s->fib);
	free(s->ewma);
	free(s->applied);
	free(s->phys);
	free(s->cap);
	free(s->ldrate);
	free(s->ldbits);
	free(s->ldmark);
	free(s->salt);
	free(s->fl);
	free(s->hop_off);
	free(s->hops);
	free(s->fcap);
	free(s->rate);
	free(s->dem);
	free(s->evq);
	free(s->bgrng);
	free(s->bgcount);
	free(s->ca_sets);
	free(s->ca_load);
	free(s->ca_cnt);
	free(s->ca_scr_ld);
	free(s->ca_scr_nld);
	free(s->ca_ord);
}

/* The largest valley-free detour in hops, for the default flowlet gap. */
static double
default_gap(const struct sim *s)
{
	uint32_t	i, hops = 2;

	if (s->sc->params.flowlet_gap >= 0)
		return s->sc->params.flowlet_gap;
	for (i = 0; i < s->f->nnodes; i++)
		if (s->f->nodes[i].role == ROLE_SUPERSPINE)
			hops = 4;
	return flowlet_gap(hops * s->sc->params.queue_delay,
	    s->sc->params.flowlet_margin);
}

static int
sim_init(struct sim *s, struct sim_scenario *sc, const struct sim_job *job,
    enum sim_policy pol, struct sim_result *res)
{
	uint32_t		i;

	memset(s, 0, sizeof(*s));
	s->sc = sc;
	s->job = job;
	s->pol = pol;
	s->f = sc->fab;
	s->res = res;
	s->nld = 2 * s->f->nlinks;
	sim_scen_reset(sc);
	if ((s->phys = calloc(s->f->nlinks + 1, sizeof(double))) == NULL ||
	    (s->cap = calloc(s->nld + 1, sizeof(double))) == NULL ||
	    (s->ldrate = calloc(s->nld + 1, sizeof(double))) == NULL ||
	    (s->ldbits = calloc(s->nld + 1, sizeof(double))) == NULL ||
	    (s->ldmark = calloc(s->nld + 1, sizeof(double))) == NULL ||
	    (s->salt = calloc(s->f->nnodes + 1, sizeof(uint64_t))) == NULL ||
	    (s->bgrng = calloc(sc->nbgs + 1, sizeof(*s->bgrng))) == NULL ||
	    (s->bgcount = calloc(sc->nbgs + 1, sizeof(uint64_t))) == NULL ||
	    sim_paths_init(&s->paths, s->f) == -1)
		return -1;
	for (i = 0; i < s->f->nlinks; i++) {
		s->phys[i] = fab_link_usable(s->f, i);
		s->cap[SIM_LD(i, 0)] = s->cap[SIM_LD(i, 1)] = s->phys[i];
	}
	for (i = 0; i < s->f->nnodes; i++)
		s->salt[i] = sim_mix64(sc->params.seed ^ sim_mix64(0x5a17000000ULL
		    + i));
	s->gap = IS_FLOWLET(pol) ? default_gap(s) : 0;
	if (policy_mode(pol) == PICK_WEIGHTED && weights_init(s) == -1)
		return -1;
	if (pol == SIM_FLOWLET_CA && ca_init(s) == -1)
		return -1;
	return schedule(s);
}

static double
cpu_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Runs the job under one policy.  The scenario's fabric is put back as
 * loaded before and after.  0, or -1 on a resource failure.
 */
int
sim_run(struct sim_scenario *sc, const struct sim_job *job,
    enum sim_policy pol, struct sim_result *res)
{
	struct sim	s;
	uint64_t	steps = 0;
	double		t0 = cpu_now();
	int		r = -1;

	memset(res, 0, sizeof(*res));
	if (pol == SIM_OPTIMAL)
		return sim_optimal(sc, job, res);
	if (sim_init(&s, sc, job, pol, res) == -1 || run_events(&s) == -1 ||
	    start_phase(&s) == -1 || recompute(&s) == -1)
		goto out;
	while (!s.done) {
		if (++steps > SIM_STEPS_MAX) {
			log_warnx("%s: %s: more than %llu steps; giving up",
			    sc->path, sim_policy_str(pol),
			    (unsigned long long)SIM_STEPS_MAX);
			errno = E2BIG;
			goto out;
		}
		if (step(&s) == -1)
			goto out;
		if (sc->params.progress != NULL && steps % 4096 == 0)
			sc->params.progress(sc->params.hook_arg,
			    sim_policy_str(pol), s.t);
	}
	r = 0;
out:
	sim_free(&s);
	sim_scen_reset(sc);
	res->cpu_s = cpu_now() - t0;
	return r;
}
