/*
 * Unit tests for fabric/assign.c: assign_flows() on cases whose optimum
 * is known, the paths it returns, its errors, and flowlet_gap().
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric.h"
#include "route.h"
#include "sim.h"

#define G	1e9

static struct fabric *
clos(uint32_t spines, uint32_t hosts, double leaf_link)
{
	struct fab_clos_spec	 s = { .leaves_per_pod = 2,
				    .spines_per_pod = spines,
				    .hosts_per_leaf = hosts, .gpus_per_host = 1,
				    .host_link = 100 * G, .leaf_link = leaf_link };
	struct fabric		*f = fab_clos(&s);

	assert_non_null(f);
	return f;
}

static uint32_t
node(const struct fabric *f, const char *name)
{
	uint32_t	n = fab_node_find(f, name);

	assert_int_not_equal(n, FAB_NONE);
	return n;
}

/* How many flows cross `link'. */
static int
on_link(const struct assign_flow *fl, size_t n, uint32_t link)
{
	size_t	i;
	int	k, c = 0;

	for (i = 0; i < n; i++)
		for (k = 0; k < fl[i].npath; k++)
			c += fl[i].path[k] == link;
	return c;
}

/* 8 equal flows between two leaves over 4 spines: 2 a spine. */
static void
test_equal_flows(void **state)
{
	struct fabric		*f = clos(4, 1, 100 * G);
	struct assign_flow	 fl[8];
	uint32_t		 l1 = node(f, "leaf1"), l2 = node(f, "leaf2");
	double			 mu;
	char			 name[16];
	int			 i;

	for (i = 0; i < 8; i++)
		fl[i] = (struct assign_flow){ .src = l1, .dst = l2,
		    .rate = 50 * G };
	assert_int_equal(assign_flows(f, fl, 8, &mu), 0);
	assert_true(fabs(mu - 1.0) < 1e-9);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "spine%d", i + 1);
		assert_int_equal(on_link(fl, 8, fab_link_between(f, l1,
		    node(f, name))), 2);
		assert_int_equal(on_link(fl, 8, fab_link_between(f, l2,
		    node(f, name))), 2);
	}
	for (i = 0; i < 8; i++)
		assert_int_equal(fl[i].npath, 2);
	fab_free(f);
}

/*
 * {30, 30, 20, 20, 20} on two paths of 60: greedy gives 70 + 50, the
 * optimum is 60 + 60 ({30, 30} and {20, 20, 20}), one swap away.
 */
static void
test_needs_swap(void **state)
{
	struct fabric		*f = clos(2, 1, 60 * G);
	struct assign_flow	 fl[5];
	static const double	 r[5] = { 30, 30, 20, 20, 20 };
	double			 mu;
	int			 i;

	for (i = 0; i < 5; i++)
		fl[i] = (struct assign_flow){ .src = node(f, "leaf1"),
		    .dst = node(f, "leaf2"), .rate = r[i] * G };
	assert_int_equal(assign_flows(f, fl, 5, &mu), 0);
	assert_true(fabs(mu - 1.0) < 1e-9);
	assert_int_equal(fl[0].path[0] == fl[1].path[0], 1);
	fab_free(f);
}

/*
 * Capacities 100, 100, 100 and 50 for seven flows of 50: the optimum
 * fills every uplink exactly (2, 2, 2, 1).
 */
static void
test_degraded_link(void **state)
{
	struct fabric		*f = clos(4, 1, 100 * G);
	struct assign_flow	 fl[7];
	uint32_t		 l1 = node(f, "leaf1"), half;
	double			 mu;
	int			 i;

	half = fab_link_between(f, l1, node(f, "spine3"));
	f->links[half].capacity = 50 * G;
	for (i = 0; i < 7; i++)
		fl[i] = (struct assign_flow){ .src = l1,
		    .dst = node(f, "leaf2"), .rate = 50 * G };
	assert_int_equal(assign_flows(f, fl, 7, &mu), 0);
	assert_true(fabs(mu - 1.0) < 1e-9);
	assert_int_equal(on_link(fl, 7, half), 1);
	fab_free(f);
}

/* Host to host: the host links, contiguous, never a link that is down. */
static void
test_host_paths(void **state)
{
	struct fabric		*f = clos(4, 4, 100 * G);
	struct assign_flow	 fl[4];
	uint32_t		 down, at, k;
	double			 mu;
	char			 a[8], b[8];
	int			 i;

	down = fab_link_between(f, node(f, "leaf1"), node(f, "spine2"));
	fab_link_set_state(f, down, FAB_DOWN);
	for (i = 0; i < 4; i++) {
		snprintf(a, sizeof(a), "h%d", i + 1);
		snprintf(b, sizeof(b), "h%d", i + 5);
		fl[i] = (struct assign_flow){ .src = node(f, a),
		    .dst = node(f, b), .rate = 100 * G };
	}
	assert_int_equal(assign_flows(f, fl, 4, &mu), 0);
	/* 4 flows of 100 on the 3 live uplinks of 100 */
	assert_true(fabs(mu - 2.0) < 1e-9);
	for (i = 0; i < 4; i++) {
		assert_int_equal(fl[i].npath, 4);
		at = fl[i].src;
		for (k = 0; k < fl[i].npath; k++) {
			const struct fab_link *l = &f->links[fl[i].path[k]];

			assert_int_not_equal(fl[i].path[k], down);
			assert_true(l->a == at || l->b == at);
			at = fab_link_other(f, fl[i].path[k], at);
		}
		assert_int_equal(at, fl[i].dst);
	}
	fab_free(f);
}

/* Background load already on a link steers the flows elsewhere. */
static void
test_background(void **state)
{
	struct fabric		*f = clos(2, 1, 100 * G);
	struct sim_paths	 p;
	struct assign_flow	 fl[1];
	double			*bg, mu;
	uint32_t		 busy;

	assert_non_null(bg = calloc(2 * f->nlinks, sizeof(*bg)));
	busy = fab_link_between(f, node(f, "leaf1"), node(f, "spine1"));
	bg[SIM_LD(busy, 0)] = 80 * G;
	assert_int_equal(sim_paths_init(&p, f), 0);
	fl[0] = (struct assign_flow){ .src = node(f, "leaf1"),
	    .dst = node(f, "leaf2"), .rate = 50 * G };
	assert_int_equal(assign_flows_with(&p, fl, 1, bg, &mu), 0);
	assert_int_not_equal(fl[0].path[0], busy);
	assert_true(fabs(mu - 0.8) < 1e-9);
	sim_paths_free(&p);
	free(bg);
	fab_free(f);
}

static void
test_errors(void **state)
{
	struct fabric		*f = clos(2, 1, 100 * G);
	struct assign_flow	 fl[1];
	double			 mu;

	fl[0] = (struct assign_flow){ .src = node(f, "spine1"),
	    .dst = node(f, "leaf2"), .rate = G };
	assert_int_equal(assign_flows(f, fl, 1, &mu), -1);
	assert_int_equal(errno, EINVAL);
	fab_link_set_state(f, fab_link_between(f, node(f, "leaf1"),
	    node(f, "spine1")), FAB_DOWN);
	fab_link_set_state(f, fab_link_between(f, node(f, "leaf1"),
	    node(f, "spine2")), FAB_DOWN);
	fl[0] = (struct assign_flow){ .src = node(f, "leaf1"),
	    .dst = node(f, "leaf2"), .rate = G };
	assert_int_equal(assign_flows(f, fl, 1, &mu), -1);
	assert_int_equal(errno, EHOSTUNREACH);
	assert_int_equal(assign_flows(f, fl, 0, &mu), 0);
	fab_free(f);
}

static void
test_flowlet_gap(void **state)
{
	assert_true(fabs(flowlet_gap(10e-6, 2) - 20e-6) < 1e-15);
	assert_true(fabs(flowlet_gap(10e-6, 0.5) - 10e-6) < 1e-15);
	assert_true(flowlet_gap(-1, 2) == 0);
	assert_true(flowlet_gap(NAN, 2) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_flows),
		cmocka_unit_test(test_needs_swap),
		cmocka_unit_test(test_degraded_link),
		cmocka_unit_test(test_host_paths),
		cmocka_unit_test(test_background),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_flowlet_gap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
