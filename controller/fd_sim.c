/*
 * fabricd --sim [SCENARIO]: the controller on the built-in simulated
 * fabric, no root and no FRR.  The flow-level simulator (fabric/sim*.c)
 * stands in for the switches: it measures link loads (the telemetry, with
 * its delay), takes the controller's weights (with the push delay) and
 * shares the links max-min fairly among the job's flows.  The weights go
 * through the same quantisation as in the live daemon: FRR 8.4's
 * link-bandwidth arithmetic (lbw_plan), so what is simulated is what the
 * kernel would install.
 *
 * Each of fabricd's modes runs on the same job and the same faults, beside
 * plain ECMP (what the fabric does alone) and the optimum (the LP bound no
 * routing can beat); the table at the end says how close each comes.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp_lbw.h"
#include "fabricd.h"
#include "log.h"
#include "sim.h"
#include "util.h"

/* The default: a 128-GPU pod (16 leaves x 8 spines, 400G) running a ring
   all-reduce on 8 rails, with a half-capacity uplink from the start and
   an uplink failing 100 ms in (examples/scenarios/ring-16x8-degraded.yml). */
static const char builtin_scenario[] =
	"name: builtin-ring-16x8-degraded\n"
	"seed: 1\n"
	"fabric:\n"
	"  clos:\n"
	"    leaves: 16\n"
	"    spines: 8\n"
	"    hosts_per_leaf: 8\n"
	"    host_link: 400G\n"
	"    leaf_link: 400G\n"
	"events:\n"
	"  - at: 0\n"
	"    link: [leaf1, spine1]\n"
	"    action: degrade\n"
	"    fraction: 0.5\n"
	"  - at: 100ms\n"
	"    link: [leaf5, spine3]\n"
	"    action: down\n"
	"workload:\n"
	"  - type: ring-allreduce\n"
	"    hosts: h1..h128\n"
	"    rails: 8\n"
	"    size: 8GB\n";

struct simrun {
	int		 tty;
	int		 quiet;
	int64_t		 wall0;
};

/* What FRR 8.4 installs for these weights (bgp_lbw.h). */
static void
frr_quantise(double *w, uint32_t n, void *arg)
{
	struct lbw_plan	plan;
	double		t[LBW_PATHS_MAX];
	uint32_t	map[LBW_PATHS_MAX], i, k = 0;

	(void)arg;
	for (i = 0; i < n && k < LBW_PATHS_MAX; i++)
		if (w[i] > 0) {
			map[k] = i;
			t[k++] = w[i];
		}
	if (k == 0 || lbw_plan(t, k, &plan) == -1)
		return;
	for (i = 0; i < k; i++)
		w[map[i]] = plan.weight[i];
}

static void
progress(void *arg, const char *policy, double t)
{
	struct simrun	*r = arg;

	if (r->quiet || !r->tty)
		return;
	fprintf(stderr, "\r  %-10s simulated %8.3f s  (%.1f s of wall time)",
	    policy, t, (double)(mono_ms() - r->wall0) / 1000);
	fflush(stderr);
}

static const struct {
	enum sim_policy	 pol;
	const char	*label;
} modes[] = {
	{ SIM_ECMP,	  "ECMP: the fabric alone, no controller" },
	{ SIM_WCMP,	  "fabricd static: capacity weights via FRR" },
	{ SIM_ADAPTIVE,	  "fabricd adaptive: closed loop on telemetry" },
	{ SIM_PINNED,	  "fabricd pinned: per-flow paths for the job" },
	{ SIM_FLOWLET_CA, "fabricd flowlet: marked prefixes, agent buckets" },
	{ SIM_OPTIMAL,	  "optimum: the LP bound" },
};

static int
run_all(struct sim_scenario *sc, const struct sim_job *job,
    struct sim_report *rep, struct simrun *r)
{
	size_t	i;
	int	p;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		p = modes[i].pol;
		r->wall0 = mono_ms();
		if (!r->quiet)
			fprintf(stderr, "  %-10s %s ...%s",
			    sim_policy_str((enum sim_policy)p), modes[i].label,
			    r->tty ? "\n" : "");
		if (sim_run(sc, job, (enum sim_policy)p, &rep->res[p]) == -1) {
			log_warn("%s: %s", sc->name,
			    sim_policy_str((enum sim_policy)p));
			return -1;
		}
		rep->has[p] = rep->want[p] = 1;
		if (!r->quiet)
			fprintf(stderr, "%s job done in %.4g s (simulated; "
			    "%.1f s of CPU)\n", r->tty ? "\r\033[K  " : " ",
			    rep->res[p].jct, rep->res[p].cpu_s);
	}
	return 0;
}

static void
headline(const struct sim_report *rep)
{
	double	ecmp = rep->res[SIM_ECMP].jct, opt = rep->res[SIM_OPTIMAL].jct;
	double	best = INFINITY;
	int	p, bp = SIM_WCMP;

	for (p = SIM_WCMP; p < SIM_OPTIMAL; p++)
		if (rep->has[p] && rep->res[p].jct < best) {
			best = rep->res[p].jct;
			bp = p;
		}
	printf("\nbest fabricd mode: %s, job completion %.4g s against "
	    "%.4g s with ECMP (%.2fx faster), %.1f %% of the optimum\n",
	    sim_policy_str((enum sim_policy)bp), best, ecmp,
	    best > 0 ? ecmp / best : 0, best > 0 && isfinite(opt) ?
	    100 * opt / best : 0);
}

static void
sim_usage(FILE *fp)
{
	fprintf(fp, "usage: fabricd --sim [SCENARIO] [--seed N] [-j] [-q]\n"
	    "  SCENARIO   a YAML scenario (docs/SIMULATOR.md); none: the\n"
	    "             built-in 128-GPU pod with a degraded and a failed "
	    "link\n");
}

int
fd_sim_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sim", optional_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sim_report	 rep = {};
	struct sim_scenario	*sc;
	struct sim_job		 job;
	struct simrun		 r = { .tty = isatty(2) };
	const char		*path = NULL;
	char			 err[512], *end;
	uint64_t		 seed = 0;
	int			 ch, json = 0, seeded = 0, rc = 1;

	log_init(1, LOG_DAEMON);
	log_procinit("fabricd");
	while ((ch = getopt_long(argc, argv, "s:jqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			path = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg) {
				fprintf(stderr, "fabricd: --seed: '%s' is not "
				    "a number\n", optarg);
				return 2;
			}
			seeded = 1;
			break;
		case 'j': json = 1; break;
		case 'q': r.quiet = 1; break;
		case 'h': sim_usage(stdout); return 0;
		default: sim_usage(stderr); return 2;
		}
	}
	if (path == NULL && optind < argc)
		path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "fabricd: --sim: unexpected '%s'\n",
		    argv[optind]);
		return 2;
	}
	sc = path != NULL ? sim_scen_load(path, err, sizeof(err)) :
	    sim_scen_parse("built-in", builtin_scenario,
	    sizeof(builtin_scenario) - 1, err, sizeof(err));
	if (sc == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	if (seeded)
		sc->params.seed = seed;
	sc->params.quantise = frr_quantise;
	sc->params.progress = progress;
	sc->params.hook_arg = &r;
	rep.scen = sc;
	rep.seed = sc->params.seed;
	if (sim_job_build(sc, &job, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (!r.quiet)
		fprintf(stderr, "fabricd --sim: scenario %s (%s), seed %" PRIu64
		    ": %u nodes, %u links, %zu transfers\n", sc->name,
		    path != NULL ? path : "built in", rep.seed,
		    sc->fab->nnodes, sc->fab->nlinks, (size_t)job.nxfers);
	if (run_all(sc, &job, &rep, &r) == 0) {
		if (json)
			sim_report_json(stdout, &rep);
		else {
			sim_report_text(stdout, &rep);
			headline(&rep);
		}
		rc = 0;
	}
	sim_job_free(&job);
out:
	sim_scen_free(sc);
	return rc;
}
