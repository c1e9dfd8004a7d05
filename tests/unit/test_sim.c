/*
 * Unit tests for the flow-level simulator (fabric/sim*.c): max-min
 * fairness on hand-computed cases, the engine's handling of link events,
 * the LP optimum where it is known by hand, determinism, the scenario
 * reader's errors (FILE:LINE) and the shipped example scenarios.
 */
#include "config.h"

#include <dirent.h>
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

#ifndef TEST_EXAMPLES
#error "TEST_EXAMPLES must name examples/scenarios"
#endif

#define REL(a, b)	(fabs((a) - (b)) <= 1e-4 * fabs(b) + 1e-12)

/* ---- max-min -------------------------------------------------------- */

struct mm_case {
	uint32_t	 nld;
	double		 cap[8];
	uint32_t	 nflows;
	uint32_t	 off[9];
	uint32_t	 hops[32];
	double		 fcap[8];
	double		 want[8];
};

static void
mm_check(const struct mm_case *c)
{
	struct sim_mm	mm = { 0 };
	double		rate[8];
	uint32_t	i;

	assert_int_equal(sim_maxmin(&mm, c->nld, c->cap, c->nflows, c->off,
	    c->hops, c->fcap, rate), 0);
	for (i = 0; i < c->nflows; i++) {
		if (!REL(rate[i], c->want[i]))
			fail_msg("flow %u: rate %g, want %g", i, rate[i],
			    c->want[i]);
	}
	sim_mm_free(&mm);
}

/* Two flows on one link of 10: 5 each. */
static void
test_mm_two_flows(void **state)
{
	struct mm_case	c = { .nld = 1, .cap = { 10 }, .nflows = 2,
			    .off = { 0, 1, 2 }, .hops = { 0, 0 },
			    .fcap = { INFINITY, INFINITY }, .want = { 5, 5 } };

	mm_check(&c);
}

/*
 * A bottleneck chain: link 0 (10) carries A and B, link 1 (4) carries B
 * and C.  Link 1 fills first at 2 each; A then takes the 8 left on link 0.
 */
static void
test_mm_chain(void **state)
{
	struct mm_case	c = { .nld = 2, .cap = { 10, 4 }, .nflows = 3,
			    .off = { 0, 1, 3, 4 }, .hops = { 0, 0, 1, 1 },
			    .fcap = { INFINITY, INFINITY, INFINITY },
			    .want = { 8, 2, 2 } };

	mm_check(&c);
}

/* The parking lot: a long flow over 3 links of 1, a short one on each. */
static void
test_mm_parking_lot(void **state)
{
	struct mm_case	c = { .nld = 3, .cap = { 1, 1, 1 }, .nflows = 4,
			    .off = { 0, 3, 4, 5, 6 },
			    .hops = { 0, 1, 2, 0, 1, 2 },
			    .fcap = { INFINITY, INFINITY, INFINITY, INFINITY },
			    .want = { 0.5, 0.5, 0.5, 0.5 } };

	mm_check(&c);
}

/*
 * Unequal links: link 0 (3) carries A, B; link 1 (10) carries B, C, D.
 * A and B get 1.5; C and D share the 8.5 left: 4.25.  A capped flow E of
 * 1 on link 1 would leave C and D (10 - 1.5 - 1) / 2.
 */
static void
test_mm_caps(void **state)
{
	struct mm_case	c = { .nld = 2, .cap = { 3, 10 }, .nflows = 4,
			    .off = { 0, 1, 3, 4, 5 }, .hops = { 0, 0, 1, 1, 1 },
			    .fcap = { INFINITY, INFINITY, INFINITY, INFINITY },
			    .want = { 1.5, 1.5, 4.25, 4.25 } };
	struct mm_case	d = { .nld = 2, .cap = { 3, 10 }, .nflows = 5,
			    .off = { 0, 1, 3, 4, 5, 6 },
			    .hops = { 0, 0, 1, 1, 1, 1 },
			    .fcap = { INFINITY, INFINITY, INFINITY, INFINITY,
			    1 }, .want = { 1.5, 1.5, 3.75, 3.75, 1 } };

	mm_check(&c);
	mm_check(&d);
}

/* A dead link (capacity 0) stalls its flows and only them. */
static void
test_mm_dead_link(void **state)
{
	struct mm_case	c = { .nld = 2, .cap = { 0, 10 }, .nflows = 2,
			    .off = { 0, 2, 3 }, .hops = { 0, 1, 1 },
			    .fcap = { INFINITY, INFINITY }, .want = { 0, 10 } };

	mm_check(&c);
}

/* ---- scenarios -------------------------------------------------------- */

/*
 * Two leaves, two spines (or one), two hosts a leaf: host links 100G,
 * leaf-spine links 50G.  100 Gbit is 12.5 GB.
 */
#define TINY_FABRIC \
	"fabric:\n" \
	"  nodes:\n" \
	"    - {name: s1, role: spine}\n" \
	"    - {name: s2, role: spine}\n" \
	"    - {name: l1, role: leaf}\n" \
	"    - {name: l2, role: leaf}\n" \
	"    - {name: h1, role: host}\n" \
	"    - {name: h2, role: host}\n" \
	"    - {name: h3, role: host}\n" \
	"    - {name: h4, role: host}\n" \
	"  links:\n" \
	"    - {a: l1, b: s1, capacity: 50G}\n" \
	"    - {a: l1, b: s2, capacity: 50G}\n" \
	"    - {a: l2, b: s1, capacity: 50G}\n" \
	"    - {a: l2, b: s2, capacity: 50G}\n" \
	"    - {a: h1, b: l1, capacity: 100G}\n" \
	"    - {a: h2, b: l1, capacity: 100G}\n" \
	"    - {a: h3, b: l2, capacity: 100G}\n" \
	"    - {a: h4, b: l2, capacity: 100G}\n"

/* TINY_FABRIC with one spine and the hosts of ONE_FLOW: no way round. */
#define ONE_SPINE_FABRIC \
	"fabric:\n" \
	"  nodes:\n" \
	"    - {name: s1, role: spine}\n" \
	"    - {name: l1, role: leaf}\n" \
	"    - {name: l2, role: leaf}\n" \
	"    - {name: h1, role: host}\n" \
	"    - {name: h3, role: host}\n" \
	"  links:\n" \
	"    - {a: l1, b: s1, capacity: 50G}\n" \
	"    - {a: l2, b: s1, capacity: 50G}\n" \
	"    - {a: h1, b: l1, capacity: 100G}\n" \
	"    - {a: h3, b: l2, capacity: 100G}\n"

#define ONE_FLOW \
	"workload:\n" \
	"  - {type: pipeline, stages: [h1, h3], size: 12.5GB}\n"

#define TWO_FLOWS \
	"workload:\n" \
	"  - {type: pipeline, stages: [h1, h3], size: 12.5GB}\n" \
	"  - {type: pipeline, stages: [h2, h4], size: 12.5GB}\n"

static struct sim_scenario *
parse(const char *yaml)
{
	struct sim_scenario	*sc;
	char			 err[512];

	sc = sim_scen_parse("test.yml", yaml, strlen(yaml), err, sizeof(err));
	if (sc == NULL)
		fail_msg("scenario does not parse: %s", err);
	return sc;
}

static void
run(const char *yaml, enum sim_policy p, struct sim_result *res)
{
	struct sim_scenario	*sc = parse(yaml);
	struct sim_job		 job;
	char			 err[512];

	assert_int_equal(sim_job_build(sc, &job, err, sizeof(err)), 0);
	assert_int_equal(sim_run(sc, &job, p, res), 0);
	assert_int_equal(res->down_violations, 0);
	sim_job_free(&job);
	sim_scen_free(sc);
}

static void
expect_jct(const char *yaml, enum sim_policy p, double want)
{
	struct sim_result	res;

	run(yaml, p, &res);
	if (!REL(res.jct, want))
		fail_msg("%s: jct %.9g, want %.9g", sim_policy_str(p), res.jct,
		    want);
}

/*
 * One 100 Gbit flow: one path of 50G takes 2 s whatever the policy; the
 * optimum splits it over both spines, up to its 100G host link: 1 s.
 */
static void
test_one_flow(void **state)
{
	int	p;

	for (p = 0; p < SIM_OPTIMAL; p++)
		expect_jct(TINY_FABRIC ONE_FLOW, (enum sim_policy)p, 2.0);
	expect_jct(TINY_FABRIC ONE_FLOW, SIM_OPTIMAL, 1.0);
}

/*
 * Two flows between the leaves: 200 Gbit over 100G of uplinks, 2 s, both
 * for the optimum and for pinned (one flow a spine).
 */
static void
test_two_flows(void **state)
{
	expect_jct(TINY_FABRIC TWO_FLOWS, SIM_OPTIMAL, 2.0);
	expect_jct(TINY_FABRIC TWO_FLOWS, SIM_PINNED, 2.0);
}

/*
 * l1-s1 fails at 1 s.  The optimum moves 100 Gbit in the first second,
 * the other 100 over the 50G left: 3 s.  Pinned loses s1 and shares s2:
 * each flow has 50 Gbit left at 25G: also 3 s.  Every policy ends
 * between 3 and 4 s, and none may route over the dead link.
 */
static void
test_failure_reroutes(void **state)
{
	static const char	*y = TINY_FABRIC
	    "events:\n"
	    "  - {at: 1s, link: [l1, s1], action: down}\n"
	    TWO_FLOWS;
	int			 p;

	expect_jct(y, SIM_OPTIMAL, 3.0);
	for (p = 0; p < SIM_OPTIMAL; p++) {
		struct sim_result	res;

		run(y, (enum sim_policy)p, &res);
		/* 4 s: both on s2 from the start (an ECMP collision) */
		if (res.jct < 3.0 - 1e-9 || res.jct > 4.0 + 1e-9)
			fail_msg("%s: jct %g", sim_policy_str(p), res.jct);
	}
}

/*
 * A failover delay: the switches notice the failure 0.5 s late, so the
 * flow on s1 stalls meanwhile; s2 stays busy, so pinned still ends at 3 s.
 */
static void
test_failover_delay(void **state)
{
	static const char	*y = TINY_FABRIC
	    "sim: {failover_delay: 500ms}\n"
	    "events:\n"
	    "  - {at: 1s, link: [l1, s1], action: down}\n"
	    TWO_FLOWS;

	expect_jct(y, SIM_PINNED, 3.0);
}

/*
 * With one spine there is no way round: l1-s1 down from 0.5 s to 1.5 s
 * stalls the flow (25 Gbit done), the other 75 Gbit take 1.5 s: 3 s for
 * every policy and for the optimum (an interval without any path).
 */
static void
test_failure_stalls(void **state)
{
	static const char	*y = ONE_SPINE_FABRIC
	    "events:\n"
	    "  - {at: 500ms, link: [l1, s1], action: down}\n"
	    "  - {at: 1500ms, link: [l1, s1], action: restore}\n"
	    ONE_FLOW;
	int			 p;

	for (p = 0; p < SIM_NPOLICIES; p++)
		expect_jct(y, (enum sim_policy)p, 3.0);
}

/* A link that never comes back: the job never ends, and says so. */
static void
test_partition(void **state)
{
	static const char	*y = ONE_SPINE_FABRIC
	    "controller: {interval: 1ms}\n"
	    "events:\n"
	    "  - {at: 500ms, link: [l1, s1], action: down}\n"
	    ONE_FLOW;
	struct sim_result	 res;
	int			 p;

	for (p = 0; p < SIM_NPOLICIES; p++) {
		run(y, (enum sim_policy)p, &res);
		assert_true(isinf(res.jct));
	}
}

/*
 * A degraded link: l1-s1 at half capacity.  The optimum has 75G of
 * uplinks for 200 Gbit: 8/3 s.  WCMP and pinned see the capacities.
 */
static void
test_degrade(void **state)
{
	static const char	*y = TINY_FABRIC
	    "events:\n"
	    "  - {at: 0, link: [l1, s1], action: degrade, fraction: 0.5}\n"
	    TWO_FLOWS;
	struct sim_result	 res;

	expect_jct(y, SIM_OPTIMAL, 8.0 / 3);
	/* pinned: one flow on each spine; the one on s1 ends at 4 s */
	run(y, SIM_PINNED, &res);
	assert_true(res.jct >= 8.0 / 3 - 1e-9 && res.jct <= 4.0 + 1e-9);
}

/*
 * Fixed-rate background takes its rate: a 20G flow h2->h4 leaves the
 * optimum 80G of uplinks for 100 Gbit: 1.25 s.
 */
static void
test_fixed_background(void **state)
{
	static const char	*y = TINY_FABRIC ONE_FLOW
	    "background:\n"
	    "  - {type: fixed, src: h2, dst: h4, rate: 20G}\n";

	expect_jct(y, SIM_OPTIMAL, 1.25);
	/* pinned puts them on different spines: 50G for the job, 2 s */
	expect_jct(y, SIM_PINNED, 2.0);
}

/* Ring all-reduce on 4 hosts on one leaf each: 6 steps of S/4. */
static void
test_ring_optimal(void **state)
{
	static const char	*y =
	    "fabric: {clos: {leaves: 4, spines: 2, hosts_per_leaf: 1,"
	    " host_link: 100G, leaf_link: 100G}}\n"
	    "workload:\n"
	    "  - {type: ring-allreduce, hosts: all, size: 50GB}\n";

	/* each step: 100 Gbit per host link at 100G: 1 s; 6 steps */
	expect_jct(y, SIM_OPTIMAL, 6.0);
	expect_jct(y, SIM_PINNED, 6.0);
}

/*
 * Congestion-aware flowlets on the degraded tiny fabric: two flows, one
 * QP each, 75G of uplinks (50G + 25G).  Any single path per flow at a
 * time leaves one flow on the 25G link; only moving them in turn gets the
 * optimum's 8/3 s.  flowlet-ca, re-placing the flow that is behind on the
 * better link at every boundary, must come within 1% of it and beat the
 * random re-picks of `flowlet', on every seed tried.
 */
static void
test_flowlet_ca_degraded(void **state)
{
	static const char	*y = TINY_FABRIC
	    "flowlet: {interval: 5ms, decision_delay: 1ms}\n"
	    "events:\n"
	    "  - {at: 0, link: [l1, s1], action: degrade, fraction: 0.5}\n"
	    TWO_FLOWS;
	struct sim_scenario	*sc;
	struct sim_job		 job;
	struct sim_result	 ca, rnd, pin;
	char			 err[512];
	uint64_t		 seed;

	for (seed = 1; seed <= 5; seed++) {
		sc = parse(y);
		sc->params.seed = seed;
		assert_int_equal(sim_job_build(sc, &job, err, sizeof(err)), 0);
		assert_int_equal(sim_run(sc, &job, SIM_FLOWLET_CA, &ca), 0);
		assert_int_equal(sim_run(sc, &job, SIM_FLOWLET, &rnd), 0);
		assert_int_equal(sim_run(sc, &job, SIM_PINNED, &pin), 0);
		assert_int_equal(ca.down_violations, 0);
		if (!(ca.jct >= 8.0 / 3 * (1 - 1e-4) && ca.jct <= 8.0 / 3 *
		    1.01))
			fail_msg("seed %llu: flowlet-ca %.6g s, optimum %.6g s",
			    (unsigned long long)seed, ca.jct, 8.0 / 3);
		if (!(ca.jct < rnd.jct && ca.jct < pin.jct))
			fail_msg("seed %llu: flowlet-ca %.6g s, flowlet %.6g s, "
			    "pinned %.6g s", (unsigned long long)seed, ca.jct,
			    rnd.jct, pin.jct);
		sim_job_free(&job);
		sim_scen_free(sc);
	}
}

/*
 * Reordering is counted when a flow moves onto a path faster than its
 * old one by more than the flowlet gap.  One 40G flow, h1->h3: l1-s1 is
 * at a fifth from the start, so the flow takes s2; at 505 ms l1-s1 comes
 * back and l1-s2 drops to a fifth.  The flow, now saturating the 10G
 * hop (a queue of queue_delay, 20 us), decides at the next boundary
 * (510 ms) to move to the idle s1 path, 20 us faster, and moves 1 ms
 * later (the decision delay).  With gap 0 (or 10 us) that reorders,
 * once; with the default gap (2 hops x 20 us x margin 2 = 80 us) it
 * does not.  Either way 6 ms at 10G instead of 40G: 0.18 Gbit late,
 * 4.5 ms.
 */
static void
test_flowlet_ca_reorder(void **state)
{
	static const char	*fab =
	    "fabric:\n"
	    "  nodes:\n"
	    "    - {name: s1, role: spine}\n"
	    "    - {name: s2, role: spine}\n"
	    "    - {name: l1, role: leaf}\n"
	    "    - {name: l2, role: leaf}\n"
	    "    - {name: h1, role: host}\n"
	    "    - {name: h3, role: host}\n"
	    "  links:\n"
	    "    - {a: l1, b: s1, capacity: 50G}\n"
	    "    - {a: l1, b: s2, capacity: 50G}\n"
	    "    - {a: l2, b: s1, capacity: 50G}\n"
	    "    - {a: l2, b: s2, capacity: 50G}\n"
	    "    - {a: h1, b: l1, capacity: 40G}\n"
	    "    - {a: h3, b: l2, capacity: 40G}\n"
	    "events:\n"
	    "  - {at: 0, link: [l1, s1], action: degrade, fraction: 0.2}\n"
	    "  - {at: 505ms, link: [l1, s1], action: restore}\n"
	    "  - {at: 505ms, link: [l1, s2], action: degrade, fraction: 0.2}\n"
	    "workload:\n"
	    "  - {type: pipeline, stages: [h1, h3], size: 5GB}\n";
	static const char	*gaps[] = { "0", "10us", "auto" };
	static const uint64_t	 want[] = { 1, 1, 0 };
	char			 y[2048];
	struct sim_result	 res;
	int			 i;

	for (i = 0; i < 3; i++) {
		snprintf(y, sizeof(y), "%sflowlet: {interval: 10ms, gap: %s,"
		    " decision_delay: 1ms}\n", fab, gaps[i]);
		run(y, SIM_FLOWLET_CA, &res);
		if (res.reorder_events != want[i])
			fail_msg("gap %s: %llu reorder events, want %llu",
			    gaps[i], (unsigned long long)res.reorder_events,
			    (unsigned long long)want[i]);
		if (!REL(res.jct, 1.0045))
			fail_msg("gap %s: jct %.9g", gaps[i], res.jct);
	}
}

/* ---- determinism -------------------------------------------------------- */

/* Everything random at once: order, hashes, arrivals; and events. */
static const char *det_yaml =
    "name: det\n"
    "fabric: {clos: {leaves: 4, spines: 4, hosts_per_leaf: 4,"
    " host_link: 100G, leaf_link: 100G}}\n"
    "controller: {interval: 2ms, telemetry_delay: 1ms, push_delay: 1ms}\n"
    "events:\n"
    "  - {at: 0, link: [leaf1, spine1], action: degrade, fraction: 0.5}\n"
    "  - {at: 20ms, link: [leaf2, spine3], action: down}\n"
    "  - {at: 60ms, link: [leaf2, spine3], action: restore}\n"
    "workload:\n"
    "  - {type: ring-allreduce, hosts: all, order: random, channels: 2,"
    " size: 1GB}\n"
    "background:\n"
    "  - {type: poisson, rate: 500, sizes: [1MB, 10MB], hosts: h1..h16}\n"
    "  - {type: fixed, src: h1, dst: h16, rate: 10G, stop: 50ms}\n";

static char *
json_of(uint64_t seed)
{
	struct sim_report	 r = { 0 };
	struct sim_scenario	*sc = parse(det_yaml);
	struct sim_job		 job;
	char			 err[512], *buf = NULL;
	size_t			 len;
	FILE			*fp;
	int			 p;

	sc->params.seed = seed;
	assert_int_equal(sim_job_build(sc, &job, err, sizeof(err)), 0);
	r.scen = sc;
	r.seed = seed;
	for (p = 0; p < SIM_NPOLICIES; p++) {
		assert_int_equal(sim_run(sc, &job, (enum sim_policy)p,
		    &r.res[p]), 0);
		assert_int_equal(r.res[p].down_violations, 0);
		r.want[p] = r.has[p] = 1;
	}
	assert_non_null(fp = open_memstream(&buf, &len));
	sim_report_json(fp, &r);
	fclose(fp);
	sim_job_free(&job);
	sim_scen_free(sc);
	return buf;
}

/* Same seed, same output, byte for byte; another seed, other hashes. */
static void
test_determinism(void **state)
{
	char	*a = json_of(7), *b = json_of(7), *c = json_of(8);

	assert_string_equal(a, b);
	assert_non_null(strstr(a, "{\"policies\": {\"ecmp\": {\"jct_s\": "));
	assert_non_null(strstr(a, "\"fraction_of_optimal\": "));
	assert_non_null(strstr(a, "\"max_link_util\": "));
	assert_non_null(strstr(a, "\"reorder_events\": "));
	assert_non_null(strstr(a, "}, \"scenario\": \"det\", \"seed\": 7}"));
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
}

/* ---- the optimum: column generation against the full LP ----------------- */

/*
 * sim_optimal() prices paths in (SIM_OPT_COLGEN); the reference LP has
 * every path as a column (SIM_OPT_PATHS).  Both are exact, so they must
 * agree to the solvers' tolerance (1e-6 relative: GLPK's 1e-7 feasibility
 * and optimality tolerances, CG_GAP 1e-7), partitions included; and with
 * one interval the column generation's lower bound must meet it.
 */
#define OPT_REL		1e-6

static uint64_t	opt_fluid, opt_lps;	/* phases, over the tests */

static void
opt_agree(const char *what, struct sim_scenario *sc)
{
	static const enum sim_opt_method m[] = { SIM_OPT_COLGEN,
				    SIM_OPT_AUTO };
	struct sim_job		 job;
	struct sim_result	 cg, ref;
	struct sim_opt_stats	 st;
	char			 err[512];
	int			 i;

	if (sim_job_build(sc, &job, err, sizeof(err)) != 0)
		fail_msg("%s: %s", what, err);
	assert_int_equal(sim_optimal_with(sc, &job, SIM_OPT_PATHS, &ref,
	    NULL), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(sim_optimal_with(sc, &job, m[i], &cg, &st),
		    0);
		if (isinf(ref.jct) != isinf(cg.jct) || (!isinf(ref.jct) &&
		    !(fabs(cg.jct - ref.jct) <= OPT_REL * ref.jct)))
			fail_msg("%s: %s %.9g s, full LP %.9g s", what,
			    i == 0 ? "column generation" : "auto", cg.jct,
			    ref.jct);
		if (!(st.gap <= OPT_REL))
			fail_msg("%s: gap %g left", what, st.gap);
		/* the column generation ran wherever the fluid did not do */
		assert_true(i == 1 || st.fluid == 0);
		opt_fluid += st.fluid;
		opt_lps += st.lps;
	}
	sim_job_free(&job);
}

static void
opt_agree_yaml(const char *what, const char *yaml)
{
	struct sim_scenario	*sc = parse(yaml);

	opt_agree(what, sc);
	sim_scen_free(sc);
}

/* Hand-made cases: failures mid-phase, degrades, background, 3 tiers. */
static void
test_opt_colgen_cases(void **state)
{
	const struct {
		const char	*what, *yaml;
	} cases[] = {
		{ "tiny, failure at 1 s", TINY_FABRIC
		    "events:\n"
		    "  - {at: 1s, link: [l1, s1], action: down}\n"
		    TWO_FLOWS },
		{ "tiny, degraded, fixed and poisson background", TINY_FABRIC
		    "events:\n"
		    "  - {at: 0, link: [l1, s1], action: degrade,"
		    " fraction: 0.3}\n"
		    "  - {at: 700ms, link: [l2, s2], action: degrade,"
		    " fraction: 0.6}\n"
		    TWO_FLOWS
		    "background:\n"
		    "  - {type: fixed, src: h2, dst: h3, rate: 20G,"
		    " stop: 1500ms}\n"
		    "  - {type: poisson, rate: 2, sizes: [1GB, 2GB],"
		    " hosts: [h1, h2, h3, h4], start: 200ms}\n" },
		{ "two tiers, ring, degrade, down, restore", det_yaml },
		{ "tiny, only within a leaf, and a failure", TINY_FABRIC
		    "events:\n"
		    "  - {at: 100ms, link: [l1, s1], action: down}\n"
		    "workload:\n"
		    "  - {type: pipeline, stages: [h1, h2], size: 12.5GB}\n" },
		{ "tiny, only within a leaf", TINY_FABRIC
		    "workload:\n"
		    "  - {type: pipeline, stages: [h1, h2], size: 12.5GB}\n" },
		{ "three tiers, pods cut apart where no single cut shows it",
		    "fabric: {clos: {pods: 2, leaves: 1, spines: 1,"
		    " superspines: 2, hosts_per_leaf: 2, host_link: 100G,"
		    " leaf_link: 100G, spine_link: 100G}}\n"
		    "events:\n"
		    "  - {at: 0, link: [pod0-spine1, ss2], action: down}\n"
		    "  - {at: 0, link: [pod1-spine2, ss1], action: down}\n"
		    "workload:\n"
		    "  - {type: all-to-all, hosts: all, size: 1GB}\n" },
		{ "three tiers, all-to-all, failures",
		    "fabric: {clos: {pods: 3, leaves: 3, spines: 2,"
		    " superspines: 3, hosts_per_leaf: 2, host_link: 100G,"
		    " leaf_link: 40G, spine_link: 25G}}\n"
		    "events:\n"
		    "  - {at: 0, link: [pod0-leaf1, pod0-spine1],"
		    " action: degrade, fraction: 0.25}\n"
		    "  - {at: 0, link: [pod1-spine3, ss2], action: down}\n"
		    "  - {at: 50ms, link: [pod2-spine5, ss1], action: down}\n"
		    "  - {at: 300ms, link: [pod1-spine3, ss2],"
		    " action: restore}\n"
		    "workload:\n"
		    "  - {type: all-to-all, hosts: all, size: 1GB}\n"
		    "  - {type: pipeline, stages: [pod0-h1, pod2-h18],"
		    " microbatches: 3, size: 500MB}\n"
		    "background:\n"
		    "  - {type: fixed, src: pod0-h2, dst: pod1-h8, rate: 5G}\n" },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		opt_agree_yaml(cases[i].what, cases[i].yaml);
}

/* Every shipped example. */
static void
test_opt_colgen_examples(void **state)
{
	struct sim_scenario	*sc;
	struct dirent		*de;
	char			 path[4096], err[512];
	DIR			*d;
	int			 n = 0;

	assert_non_null(d = opendir(TEST_EXAMPLES));
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".yml") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", TEST_EXAMPLES,
		    de->d_name);
		if ((sc = sim_scen_load(path, err, sizeof(err))) == NULL)
			fail_msg("%s", err);
		opt_agree(de->d_name, sc);
		sim_scen_free(sc);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
}

/*
 * Random small fabrics, two or three tiers, with random degrades,
 * failures and restores at random times, under a random collective and
 * sometimes background: 40 of them.
 */
static void
random_scenario(uint64_t seed, char *y, size_t len)
{
	static const char	*acts[] = { "down", "restore",
				    "degrade, fraction: 0.25",
				    "degrade, fraction: 0.5",
				    "degrade, fraction: 0.75" };
	static const char	*work[] = {
		"  - {type: all-to-all, hosts: all, size: 200MB}\n",
		"  - {type: ring-allreduce, hosts: all, order: random,"
		" size: 1GB}\n",
		"  - {type: ring-allreduce, hosts: all, order: interleave,"
		" rails: 2, channels: 2, size: 1GB}\n",
	};
	struct sim_rng	 r;
	uint32_t	 three, pods, leaves, spines, ss, hpl, i, nev, l, p, s;
	size_t		 n;
	char		 pre[16];

	sim_rng_seed(&r, seed);
	three = (uint32_t)sim_rng_below(&r, 2);
	pods = three ? 2 + (uint32_t)sim_rng_below(&r, 2) : 1;
	leaves = 2 + (uint32_t)sim_rng_below(&r, 3);
	spines = 2 + (uint32_t)sim_rng_below(&r, 2);
	ss = 2 + (uint32_t)sim_rng_below(&r, 3);
	hpl = 2 + 2 * (uint32_t)sim_rng_below(&r, 2);
	n = (size_t)snprintf(y, len, "fabric: {clos: {pods: %u, leaves: %u,"
	    " spines: %u, superspines: %u, hosts_per_leaf: %u,"
	    " host_link: 100G, leaf_link: %uG, spine_link: %uG}}\n"
	    "events:\n", three ? pods : 0, leaves, spines, three ? ss : 0, hpl,
	    25 + 25 * (uint32_t)sim_rng_below(&r, 3),
	    25 + 25 * (uint32_t)sim_rng_below(&r, 3));
	nev = 1 + (uint32_t)sim_rng_below(&r, 4);
	for (i = 0; i < nev && n < len; i++) {
		p = (uint32_t)sim_rng_below(&r, pods);
		l = p * leaves + 1 + (uint32_t)sim_rng_below(&r, leaves);
		s = p * spines + 1 + (uint32_t)sim_rng_below(&r, spines);
		if (three)
			snprintf(pre, sizeof(pre), "pod%u-", p);
		else
			pre[0] = '\0';
		if (three && sim_rng_below(&r, 3) == 0)
			n += (size_t)snprintf(y + n, len - n, "  - {at: %ums,"
			    " link: [%sspine%u, ss%u], action: %s}\n",
			    5 * (uint32_t)sim_rng_below(&r, 4), pre, s,
			    1 + (uint32_t)sim_rng_below(&r, ss),
			    acts[sim_rng_below(&r, 5)]);
		else
			n += (size_t)snprintf(y + n, len - n, "  - {at: %ums,"
			    " link: [%sleaf%u, %sspine%u], action: %s}\n",
			    5 * (uint32_t)sim_rng_below(&r, 4), pre, l, pre, s,
			    acts[sim_rng_below(&r, 5)]);
	}
	if (n < len)
		n += (size_t)snprintf(y + n, len - n, "workload:\n%s",
		    work[sim_rng_below(&r, 3)]);
	if (n < len && sim_rng_below(&r, 2) == 0)
		snprintf(y + n, len - n, "background:\n  - {type: fixed,"
		    " src: %sh1, dst: %sh%u, rate: 10G}\n", three ? "pod0-" : "",
		    three ? "pod1-" : "", three ? leaves * hpl + 1 : 2);
}

static void
test_opt_colgen_random(void **state)
{
	struct sim_scenario	*sc;
	char			 y[4096], what[64], err[512];
	uint64_t		 seed;

	for (seed = 1; seed <= 40; seed++) {
		random_scenario(seed, y, sizeof(y));
		snprintf(what, sizeof(what), "random scenario %llu",
		    (unsigned long long)seed);
		sc = sim_scen_parse("random.yml", y, strlen(y), err,
		    sizeof(err));
		if (sc == NULL)
			fail_msg("%s: %s\n%s", what, err, y);
		opt_agree(what, sc);
		sim_scen_free(sc);
	}
	/* both ways of sim_optimal() were exercised */
	assert_true(opt_fluid > 0 && opt_lps > opt_fluid);
}

/* ---- the reader ----------------------------------------------------------- */

struct bad {
	const char	*yaml;
	const char	*want;		/* in the first error */
};

static void
test_parse_errors(void **state)
{
	static const struct bad	bad[] = {
		{ "name: x\nfabrik: {}\n",
		    "test.yml:2: the scenario: unknown key 'fabrik'" },
		{ "name: x\n" TINY_FABRIC "workload:\n"
		    "  - {type: pipeline, stages: [h1, h3], size: 12XB}\n",
		    "test.yml:22: 'size': expected a size" },
		{ TINY_FABRIC "events:\n"
		    "  - {at: 1s, link: [l1, s9], action: down}\n" ONE_FLOW,
		    "test.yml:21: link end: no node 's9' in the fabric" },
		{ TINY_FABRIC "events:\n"
		    "  - {at: 1s, link: [l1, l2], action: down}\n" ONE_FLOW,
		    "test.yml:21: no link between 'l1' and 'l2'" },
		{ TINY_FABRIC "events:\n"
		    "  - {at: 1s, link: [l1, s1], action: degrade}\n" ONE_FLOW,
		    "test.yml:21: 'degrade' needs 'fraction'" },
		{ TINY_FABRIC "events:\n"
		    "  - {at: soon, link: [l1, s1], action: down}\n" ONE_FLOW,
		    "test.yml:21: 'at': expected a time" },
		{ TINY_FABRIC,
		    "test.yml:1: missing 'workload'" },
		{ TINY_FABRIC "workload:\n  - {type: ring, hosts: all, "
		    "size: 1MB}\n",
		    "test.yml:21: type 'ring': expected ring-allreduce" },
		{ TINY_FABRIC "workload:\n  - {type: all-to-all, hosts: "
		    "[h1, l1], size: 1MB}\n",
		    "test.yml:21: 'l1' is a leaf, not a host" },
		{ TINY_FABRIC "workload:\n  - {type: all-to-all, hosts: "
		    "h1..hx, size: 1MB}\n",
		    "test.yml:21: bad host range 'h1..hx'" },
		{ "fabric: {clos: {pods: 2, leaves: 2, spines: 2}}\n" ONE_FLOW,
		    "test.yml:1: three tiers need both" },
		{ "fabric:\n  clos: {leaves: 2, spines: 2}\nworkload: [\n",
		    "test.yml:4: YAML:" },
		{ TINY_FABRIC ONE_FLOW "background:\n  - {type: fixed, "
		    "src: h1, dst: h1, rate: 1G}\n",
		    "test.yml:23: 'src' and 'dst' must be two different hosts" },
		{ TINY_FABRIC ONE_FLOW "controller: {wcmp_buckets: -1}\n",
		    "test.yml:22: 'wcmp_buckets': expected a whole number" },
		{ "fabric:\n  nodes:\n    - {name: l1, role: leaf}\n"
		    "    - {name: h1, role: host}\n  links: []\n" ONE_FLOW,
		    "test.yml:2: fabric: host h1 has 0 links" },
	};
	struct sim_scenario	*sc;
	char			 err[512];
	size_t			 i;

	log_init(LOG_TO_STDERR, LOG_USER);
	log_setverbose(0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc = sim_scen_parse("test.yml", bad[i].yaml,
		    strlen(bad[i].yaml), err, sizeof(err));
		if (sc != NULL)
			fail_msg("case %zu parsed", i);
		if (getenv("SHOW") != NULL)
			fprintf(stderr, "case %zu: %s\n", i, err);
		if (strstr(err, bad[i].want) == NULL && getenv("SHOW") == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    bad[i].want);
	}
}

static void
test_units(void **state)
{
	double	v;

	assert_int_equal(sim_parse_bits("64MB", &v), 0);
	assert_true(v == 64e6 * 8);
	assert_int_equal(sim_parse_bits("1GiB", &v), 0);
	assert_true(v == 8.0 * 1073741824);
	assert_int_equal(sim_parse_rate("400G", &v), 0);
	assert_true(v == 400e9);
	assert_int_equal(sim_parse_rate("100 Mbps", &v), 0);
	assert_true(v == 100e6);
	assert_int_equal(sim_parse_time("10ms", &v), 0);
	assert_true(REL(v, 0.01));
	assert_int_equal(sim_parse_time("5us", &v), 0);
	assert_true(REL(v, 5e-6));
	assert_int_equal(sim_parse_time("-1s", &v), -1);
	assert_int_equal(sim_parse_bits("12 parsecs", &v), -1);
}

/* Every shipped scenario parses and makes a job. */
static void
test_examples(void **state)
{
	struct sim_scenario	*sc;
	struct sim_job		 job;
	struct dirent		*de;
	char			 path[4096], err[512];
	DIR			*d;
	int			 n = 0;

	assert_non_null(d = opendir(TEST_EXAMPLES));
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".yml") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", TEST_EXAMPLES,
		    de->d_name);
		if ((sc = sim_scen_load(path, err, sizeof(err))) == NULL)
			fail_msg("%s", err);
		assert_int_equal(sim_job_build(sc, &job, err, sizeof(err)), 0);
		assert_true(job.nphases > 0);
		sim_job_free(&job);
		sim_scen_free(sc);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mm_two_flows),
		cmocka_unit_test(test_mm_chain),
		cmocka_unit_test(test_mm_parking_lot),
		cmocka_unit_test(test_mm_caps),
		cmocka_unit_test(test_mm_dead_link),
		cmocka_unit_test(test_one_flow),
		cmocka_unit_test(test_two_flows),
		cmocka_unit_test(test_failure_reroutes),
		cmocka_unit_test(test_failover_delay),
		cmocka_unit_test(test_failure_stalls),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_degrade),
		cmocka_unit_test(test_fixed_background),
		cmocka_unit_test(test_ring_optimal),
		cmocka_unit_test(test_flowlet_ca_degraded),
		cmocka_unit_test(test_flowlet_ca_reorder),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_opt_colgen_cases),
		cmocka_unit_test(test_opt_colgen_examples),
		cmocka_unit_test(test_opt_colgen_random),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_examples),
	};

	log_init(LOG_TO_STDERR, LOG_USER);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
