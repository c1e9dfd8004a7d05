/*
 * The flow-level simulator: scores routing policies against the optimum
 * on a scenario (a fabric, link events at times, a workload of AI
 * collectives and background traffic).  See docs/SIMULATOR.md.
 *
 * Flows share links max-min fairly (progressive filling, per link
 * direction), recomputed at every flow start, end and event; each flow
 * follows one path chosen by the policy.  The optimum is the fluid
 * maximum-concurrent-flow linear program, solved with GLPK, phase by
 * phase.  Everything random comes from the scenario's seed through our
 * own generator, so a run is a function of (scenario, seed, policy).
 *
 * Files: sim_scen.c (the YAML reader), sim_work.c (collectives into
 * phases of transfers), sim_path.c (up-down next-hops and paths),
 * sim_maxmin.c (water-filling), sim_engine.c (the event loop and the
 * policies), sim_lp.c (the optimum), sim_report.c (table and JSON);
 * assign.c (per-flow placement, declared in route.h) is used by the
 * `pinned' policy.
 */
#ifndef FABRIC_SIM_H
#define FABRIC_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fabric.h"
#include "route.h"

#define SIM_HOPS_MAX		8	/* host-leaf-spine-ss-spine-leaf-host */
#define SIM_NAME_MAX		64
#define SIM_FILE_MAX		(4 * 1024 * 1024)
#define SIM_EVENTS_MAX		4096
#define SIM_COLLS_MAX		1024
#define SIM_BGS_MAX		1024
#define SIM_SIZES_MAX		64
#define SIM_PHASES_MAX		(1U << 20)
#define SIM_XFERS_MAX		(1U << 24)	/* transfers in one job */
#define SIM_FLOWS_MAX		(1U << 22)	/* flows alive at once */
#define SIM_PATHS_MAX		32768	/* up-down paths of one leaf pair */
#define SIM_STEPS_MAX		50000000ULL	/* engine iterations */
#define SIM_TIME_REL		1e-5	/* completions merged, of a phase */

/* ---- randomness: xoshiro256** seeded through splitmix64 ------------ */

struct sim_rng {
	uint64_t	s[4];
};

uint64_t	 sim_mix64(uint64_t);
void		 sim_rng_seed(struct sim_rng *, uint64_t seed);
uint64_t	 sim_rng_next(struct sim_rng *);
double		 sim_rng_double(struct sim_rng *);	/* [0, 1) */
uint64_t	 sim_rng_below(struct sim_rng *, uint64_t n);	/* [0, n) */

/* ---- the scenario -------------------------------------------------- */

enum sim_policy {
	SIM_ECMP = 0,
	SIM_WCMP,
	SIM_ADAPTIVE,
	SIM_PINNED,
	SIM_FLOWLET,
	SIM_FLOWLET_CA,		/* congestion-aware flowlet re-picks */
	SIM_OPTIMAL,
	SIM_NPOLICIES
};

enum sim_coll_type {
	SIM_RING = 0,		/* ring all-reduce */
	SIM_ALLTOALL,
	SIM_PIPELINE,
};

enum sim_order {
	SIM_ORDER_LISTED = 0,
	SIM_ORDER_INTERLEAVE,	/* 1st host of each leaf, then the 2nd... */
	SIM_ORDER_RANDOM,	/* shuffled with the seed */
};

struct sim_coll {
	enum sim_coll_type type;
	enum sim_order	 order;
	uint32_t	*hosts;		/* node indices, in ring/stage order */
	uint32_t	 nhosts;
	uint32_t	 rails;		/* ring: parallel rings */
	uint32_t	 channels;	/* flows (QPs) per transfer */
	uint32_t	 repeat;
	uint32_t	 microbatches;	/* pipeline */
	double		 size;		/* bits; see docs/SIMULATOR.md */
	int		 line;
};

enum sim_bg_type {
	SIM_BG_POISSON = 0,
	SIM_BG_FIXED,
};

struct sim_bg {
	enum sim_bg_type type;
	double		 rate;		/* poisson: flows/s; fixed: bit/s */
	double		 sizes[SIM_SIZES_MAX];	/* poisson: bits */
	uint32_t	 nsizes;
	uint32_t	*hosts;		/* poisson: endpoints */
	uint32_t	 nhosts;
	uint32_t	 src, dst;	/* fixed */
	double		 start, stop;	/* s; stop INFINITY: forever */
	int		 line;
};

enum sim_action {
	SIM_EV_DOWN = 0,
	SIM_EV_DEGRADE,		/* to `fraction' of nominal capacity */
	SIM_EV_RESTORE,
};

struct sim_event {
	double		 at;
	uint32_t	 link;
	enum sim_action	 action;
	double		 fraction;
	int		 line;
};

struct sim_params {
	uint64_t	 seed;
	double		 hop_delay;	/* s per hop: propagation, switching */
	double		 queue_delay;	/* s a saturated hop adds */
	double		 failover_delay; /* s before a switch repairs locally */
	double		 telemetry_delay; /* s: measurement -> controller */
	double		 push_delay;	/* s: controller -> FIB */
	double		 interval;	/* s: adaptive control loop period */
	struct route_params adaptive;	/* route_compute in adaptive mode */
	struct route_smooth smooth;	/* adaptive: alpha 0 = none */
	uint32_t	 wcmp_buckets;	/* 0: exact weights */
	double		 flowlet_interval; /* s of transfer between re-picks */
	double		 flowlet_gap;	/* s; < 0: flowlet_gap(spread) */
	double		 flowlet_margin;
	double		 flowlet_decision_delay; /* s: flowlet-ca, boundary
					   to the move taking effect */
	/* Hooks for a caller that brings its own controller (fabricd
	   --sim): its quantisation of one weight set (NULL: wcmp_buckets)
	   and a progress report every few thousand steps. */
	void		(*quantise)(double *w, uint32_t n, void *arg);
	void		(*progress)(void *arg, const char *policy, double t);
	void		*hook_arg;
};

struct sim_scenario {
	char		 name[SIM_NAME_MAX];
	char		*path;
	struct fabric	*fab;
	double		*nominal;	/* per link: capacity at load time */
	struct sim_event *events;
	uint32_t	 nevents;
	struct sim_coll	*colls;
	uint32_t	 ncolls;
	struct sim_bg	*bgs;
	uint32_t	 nbgs;
	struct sim_params params;
	int		 seed_given;	/* the file has `seed' */
};

/* sim_scen.c */
struct sim_scenario *sim_scen_load(const char *path, char *err,
		    size_t errlen);
struct sim_scenario *sim_scen_parse(const char *name, const char *buf,
		    size_t len, char *err, size_t errlen);
void		 sim_scen_free(struct sim_scenario *);
void		 sim_scen_reset(struct sim_scenario *);
int		 sim_parse_bits(const char *, double *);	/* "64MB" */
int		 sim_parse_rate(const char *, double *);	/* "400G" */
int		 sim_parse_time(const char *, double *);	/* "10ms" */

/* ---- the workload ---------------------------------------------------- */

/* One transfer of a phase; `key' is what ECMP hashes (the QP). */
struct sim_xfer {
	uint32_t	 src, dst;	/* hosts */
	double		 bits;
	uint64_t	 key;
};

/* Phases run one after another; a phase ends when all its transfers do. */
struct sim_job {
	struct sim_xfer	*xfers;
	size_t		 nxfers, xfercap;
	size_t		*phase_off;	/* phase k: [off[k], off[k + 1]) */
	size_t		 nphases;
};

/* sim_work.c */
int		 sim_job_build(const struct sim_scenario *, struct sim_job *,
		    char *err, size_t errlen);
void		 sim_job_free(struct sim_job *);
uint32_t	 sim_host_leaf(const struct fabric *, uint32_t host);
uint32_t	 sim_host_link(const struct fabric *, uint32_t host);

/* ---- paths ---------------------------------------------------------- */

/*
 * Link directions: 2 * link + 0 is a->b (up, a in the lower tier),
 * 2 * link + 1 is b->a (down).
 */
#define SIM_LD(link, down)	(2 * (link) + (down))
#define SIM_LD_LINK(ld)		((ld) >> 1)

/* Valley-free hop counts to every leaf over usable links (BGP's view). */
struct sim_paths {
	const struct fabric *fab;
	uint32_t	 nnodes;
	uint32_t	 nleaves;
	uint32_t	*leaves;	/* index -> node */
	uint32_t	*leaf_idx;	/* node -> index, FAB_NONE */
	uint16_t	*hdown;		/* [leaf * nnodes + node]: only down */
	uint16_t	*hup;		/* up then down */
	uint8_t		*usable;	/* [link]: as of the last update */
};

#define SIM_HINF		UINT16_MAX

/* One step's candidates at a switch; `down' is the phase after the step. */
struct sim_cand {
	uint32_t	 link;
	uint32_t	 next;
	uint16_t	 adj;		/* index in the node's adjacency */
	uint8_t		 down;
};

/* sim_path.c */
int		 sim_paths_init(struct sim_paths *, const struct fabric *);
int		 sim_paths_update(struct sim_paths *);
void		 sim_paths_free(struct sim_paths *);
int		 sim_paths_cands(const struct sim_paths *, uint32_t node,
		    int down, uint32_t dst_leaf, struct sim_cand *out,
		    int max);
int		 sim_paths_enum(const struct sim_paths *, uint32_t src_leaf,
		    uint32_t dst_leaf, uint32_t *ld, uint8_t *nld,
		    size_t maxpaths, size_t *npaths);
int		 sim_ld_is_host(const struct fabric *, uint32_t ld);

/* ---- max-min fair sharing ------------------------------------------ */

struct sim_mm {
	/* scratch, grown as needed */
	double		*rem;
	uint32_t	*cnt;
	uint32_t	*lf_off, *lf;
	uint8_t		*frozen;
	uint32_t	*capped;
	struct sim_heap_ent *heap;
	size_t		 nheap, heapcap;
	size_t		 ldcap, flowcap, lfcap;
};

/* sim_maxmin.c */
int		 sim_maxmin(struct sim_mm *, uint32_t nld, const double *cap,
		    uint32_t nflows, const uint32_t *hop_off,
		    const uint32_t *hops, const double *fcap, double *rate);
void		 sim_mm_free(struct sim_mm *);

/* ---- running ------------------------------------------------------- */

struct sim_result {
	double		 jct;		/* s; INFINITY: the job never ends */
	double		 max_link_util;	/* offered load / capacity, see doc */
	uint64_t	 reorder_events;
	uint64_t	 down_violations; /* rate given over a down link: 0 */
	uint64_t	 recomputes;
	uint64_t	 flows;
	uint64_t	 lp_solves;
	double		 cpu_s;
};

/* sim_engine.c */
int		 sim_run(struct sim_scenario *, const struct sim_job *,
		    enum sim_policy, struct sim_result *);
const char	*sim_policy_str(enum sim_policy);
int		 sim_policy_parse(const char *, enum sim_policy *);

/* sim_lp.c */
enum sim_opt_method {
	SIM_OPT_AUTO = 0,	/* fluid split if it meets the host bound,
				   else SIM_OPT_COLGEN: sim_optimal() */
	SIM_OPT_COLGEN,		/* path columns priced in as needed */
	SIM_OPT_PATHS,		/* every path a column: the reference */
};

struct sim_opt_stats {
	uint64_t	 fluid;		/* phases settled by the fluid split */
	uint64_t	 lps;		/* phases solved by an LP */
	uint64_t	 rounds;	/* pricing rounds, all phases */
	uint64_t	 columns;	/* columns in the LPs, all phases */
	double		 gap;		/* the largest (ub - lb) / ub left */
};

int		 sim_optimal(struct sim_scenario *, const struct sim_job *,
		    struct sim_result *);
int		 sim_optimal_with(struct sim_scenario *,
		    const struct sim_job *, enum sim_opt_method,
		    struct sim_result *, struct sim_opt_stats *);

/* sim_report.c */
struct sim_report {
	const struct sim_scenario *scen;
	uint64_t	 seed;
	int		 want[SIM_NPOLICIES];	/* to print */
	int		 has[SIM_NPOLICIES];	/* ran */
	struct sim_result res[SIM_NPOLICIES];
	int		 timing;
};
void		 sim_report_text(FILE *, const struct sim_report *);
void		 sim_report_json(FILE *, const struct sim_report *);
int		 sim_main(const char *path, uint64_t seed, int seed_given,
		    const int *want, int json, int timing);

/*
 * assign.c: assign_flows() with a background load per link direction
 * (NULL: none) and the caller's up-down paths, kept current by the caller.
 */
int		 assign_flows_with(const struct sim_paths *,
		    struct assign_flow *, size_t n, const double *bg_load,
		    double *max_util);

#endif /* FABRIC_SIM_H */
