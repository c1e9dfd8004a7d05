/*
 * An independent check of the simulator's ECMP: the expected job time
 * derived from first principles, against the simulator's mean over many
 * seeds.
 *
 * The case: L leaves, m spines, k hosts a leaf, every link of capacity C.
 * A ring all-reduce over the N = L k hosts in interleaved order (the 1st
 * host of every leaf, then the 2nd...) makes every ring hop go from a
 * leaf to the next one: each leaf sends exactly k flows, all to the next
 * leaf, and the uplink leaf->spine j and the downlink spine j->next leaf
 * carry the same flows.  ECMP hashes each flow to a spine independently
 * and uniformly; a QP keeps its hash, so every step has the same layout.
 *
 * With equal flows and capacities, max-min gives each flow on the most
 * loaded link direction (c flows) exactly C / c, and nothing can slow it
 * further (no link has more flows); those flows end together at c V / C,
 * and every other flow earlier.  So a step takes c_max V / C, where c_max
 * is the most flows on one uplink over all leaves, and the job
 * 2 (N - 1) c_max V / C with V = S / N.
 *
 * E[c_max] is computed here exactly, by enumerating the m^k placements of
 * one leaf's flows (the leaves are independent): P(max <= x) per leaf,
 * raised to the L-th power.  None of the simulator's code is used.
 *
 * Tolerance: the simulator's seeds give independent samples of c_max
 * (its per-switch salts change with the seed), so the mean of R runs has
 * standard error sd / sqrt(R), sd from the same exact distribution.  The
 * test allows 4 standard errors: a correct, uniform hash fails it with
 * probability about 6e-5 (and, being deterministic, then always).  A
 * hash that ignores one spine, or two flows hashed alike, moves the mean
 * by several standard errors.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "sim.h"

#define L	4		/* leaves */
#define M	4		/* spines */
#define K	4		/* hosts a leaf, flows a leaf */
#define RUNS	400

/* P(the most loaded of M bins holds <= x) for K balls, by enumeration. */
static void
max_load_cdf(double *cdf)
{
	int	place, b, i, load[M], mx;
	int	total = 1, count[K + 1] = { 0 };

	for (i = 0; i < K; i++)
		total *= M;
	for (place = 0; place < total; place++) {
		memset(load, 0, sizeof(load));
		for (b = 0, i = place; b < K; b++, i /= M)
			load[i % M]++;
		for (mx = 0, i = 0; i < M; i++)
			if (load[i] > mx)
				mx = load[i];
		count[mx]++;
	}
	for (i = 0, mx = 0; i <= K; i++) {
		mx += count[i];
		cdf[i] = (double)mx / total;
	}
}

/* E[c_max] and its standard deviation over L independent leaves. */
static void
expected_cmax(double *mean, double *sd)
{
	double	cdf[K + 1], p, prev = 0, e = 0, e2 = 0;
	int	x;

	max_load_cdf(cdf);
	for (x = 1; x <= K; x++) {
		p = pow(cdf[x], L) - prev;	/* P(c_max = x) */
		prev = pow(cdf[x], L);
		e += p * x;
		e2 += p * x * x;
	}
	*mean = e;
	*sd = sqrt(e2 - e * e);
}

static void
test_analytic_values(void **state)
{
	double	mean, sd;

	/*
	 * By hand: one leaf's max is 1 with 24/256, 4 with 4/256, 3 with
	 * 48/256, else 2; E = 1 + (1 - (24/256)^4) + (1 - (204/256)^4) +
	 * (1 - (252/256)^4) = 2.6577...
	 */
	expected_cmax(&mean, &sd);
	assert_true(fabs(mean - 2.65767) < 1e-4);
	assert_true(sd > 0.5 && sd < 0.7);
}

static void
test_ecmp_matches_balls_in_bins(void **state)
{
	static const char	*yaml =
	    "fabric: {clos: {leaves: 4, spines: 4, hosts_per_leaf: 4,"
	    " host_link: 100G, leaf_link: 100G}}\n"
	    "workload:\n"
	    "  - {type: ring-allreduce, hosts: all, order: interleave,"
	    " size: 20GB}\n";
	struct sim_scenario	*sc;
	struct sim_result	 res;
	struct sim_job		 job;
	char			 err[512];
	double			 step, c, sum = 0, mean, sd, se;
	int			 n = L * K, r;

	assert_non_null(sc = sim_scen_parse("ecmp.yml", yaml, strlen(yaml),
	    err, sizeof(err)));
	assert_int_equal(sim_job_build(sc, &job, err, sizeof(err)), 0);
	assert_int_equal(job.nphases, 2 * (n - 1));
	step = 20e9 * 8 / n / 100e9;	/* V / C: one flow alone */
	for (r = 1; r <= RUNS; r++) {
		sc->params.seed = (uint64_t)r;
		assert_int_equal(sim_run(sc, &job, SIM_ECMP, &res), 0);
		c = res.jct / (2 * (n - 1) * step);
		/* the layout is fixed: each step takes exactly c_max V / C */
		if (fabs(c - round(c)) > 1e-4 || round(c) < 1 || round(c) > K)
			fail_msg("seed %d: %.9g steps' worth per step", r, c);
		sum += round(c);
	}
	expected_cmax(&mean, &sd);
	se = sd / sqrt(RUNS);
	if (fabs(sum / RUNS - mean) > 4 * se)
		fail_msg("simulated E[c_max] %.4f, balls-in-bins %.4f "
		    "(tolerance %.4f)", sum / RUNS, mean, 4 * se);
	sim_job_free(&job);
	sim_scen_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_analytic_values),
		cmocka_unit_test(test_ecmp_matches_balls_in_bins),
	};

	log_init(LOG_TO_STDERR, LOG_USER);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
