/*
 * Weighted ECMP over Clos fabrics: weights from path capacity, failures,
 * drains and degraded LAGs, adaptive load, the invariants, incremental
 * recomputation equal to a full one, smoothing and quantisation.
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

#include "fabric.h"
#include "route.h"

#define G	1e9

static const struct route_params static_params = { 0, 0, 0, 0.05 };

/* Capacities are kept as floats: compare relatively. */
static int
near(double a, double b)
{
	return fabs(a - b) <= 1e-6 * fmax(fabs(a), fabs(b)) + 1;
}

static struct fabric *
two_tier(uint32_t leaves, uint32_t spines)
{
	struct fab_clos_spec	s = { 0 };

	s.leaves_per_pod = leaves;
	s.spines_per_pod = spines;
	s.hosts_per_leaf = 2;
	s.gpus_per_host = 8;
	s.host_link = 400 * G;
	s.leaf_link = 400 * G;
	return fab_clos(&s);
}

static struct fabric *
three_tier(void)
{
	struct fab_clos_spec	s = { 0 };

	s.pods = 3;
	s.leaves_per_pod = 3;
	s.spines_per_pod = 2;
	s.superspines = 4;
	s.hosts_per_leaf = 1;
	s.gpus_per_host = 8;
	s.host_link = 400 * G;
	s.leaf_link = 400 * G;
	s.spine_link = 400 * G;
	return fab_clos(&s);
}

static uint32_t
node(const struct fabric *f, const char *name)
{
	uint32_t	n = fab_node_find(f, name);

	assert_int_not_equal(n, FAB_NONE);
	return n;
}

static double
weight_via(const struct fab_routes *r, const struct fabric *f,
    const char *from, const char *dst, const char *via)
{
	const struct route_nh	*nh;
	int			 n, i;

	n = route_nexthops(r, node(f, from), node(f, dst), &nh);
	for (i = 0; i < n; i++)
		if (nh[i].next == node(f, via))
			return nh[i].weight;
	return 0;
}

static void
check_ok(const struct fab_routes *r, const struct fabric *f)
{
	char	err[256] = "";

	if (route_check(r, f, err, sizeof(err)) != 0)
		fail_msg("route_check: %s", err);
}

static void
test_symmetric(void **state)
{
	struct fabric		*f = two_tier(4, 2);
	struct fab_routes	*r = route_new();
	const struct route_nh	*nh;

	assert_int_equal(route_compute(r, f, &static_params), 0);
	check_ok(r, f);
	assert_int_equal(route_nexthops(r, node(f, "leaf1"), node(f, "leaf4"),
	    &nh), 2);
	assert_true(near(nh[0].weight, nh[1].weight));
	assert_true(near(route_capacity(r, node(f, "leaf1"),
	    node(f, "leaf4")), 800 * G));
	/* a leaf has no route to itself; hosts route nothing */
	assert_int_equal(route_nexthops(r, node(f, "leaf1"), node(f, "leaf1"),
	    &nh), 0);
	assert_int_equal(route_nexthops(r, node(f, "h1"), node(f, "leaf4"),
	    &nh), 0);
	route_free(r);
	fab_free(f);
}

/* A LAG that lost half its members: half the weight, from both sides. */
static void
test_degraded_lag(void **state)
{
	struct fabric		*f = two_tier(4, 2);
	struct fab_routes	*r = route_new();
	uint32_t		 l;

	l = fab_link_between(f, node(f, "leaf1"), node(f, "spine1"));
	f->links[l].members = 2;
	f->links[l].members_up = 1;
	assert_int_equal(route_compute(r, f, &static_params), 0);
	check_ok(r, f);
	/* leaf1 going out: spine1 at 200G, spine2 at 400G */
	assert_true(near(weight_via(r, f, "leaf1", "leaf4", "spine1") * 2,
	    weight_via(r, f, "leaf1", "leaf4", "spine2")));
	/* others coming in to leaf1: spine1 only reaches it at 200G */
	assert_true(near(weight_via(r, f, "leaf3", "leaf1", "spine1") * 2,
	    weight_via(r, f, "leaf3", "leaf1", "spine2")));
	/* others between themselves: untouched */
	assert_true(near(weight_via(r, f, "leaf3", "leaf4", "spine1"),
	    weight_via(r, f, "leaf3", "leaf4", "spine2")));
	route_free(r);
	fab_free(f);
}

static void
test_failures_and_drain(void **state)
{
	struct fabric		*f = two_tier(4, 3);
	struct fab_routes	*r = route_new();
	const struct route_nh	*nh;
	uint32_t		 l, i;

	l = fab_link_between(f, node(f, "leaf2"), node(f, "spine1"));
	fab_link_set_state(f, l, FAB_DOWN);
	fab_node_set_state(f, node(f, "spine3"), FAB_DRAINED);
	assert_int_equal(route_compute(r, f, &static_params), 0);
	check_ok(r, f);
	/* leaf1 to leaf2: spine1 cannot go down to leaf2, spine3 drained */
	assert_int_equal(route_nexthops(r, node(f, "leaf1"), node(f, "leaf2"),
	    &nh), 1);
	assert_int_equal(nh[0].next, node(f, "spine2"));
	/* leaf1 to leaf4: spine1 and spine2 */
	assert_int_equal(route_nexthops(r, node(f, "leaf1"), node(f, "leaf4"),
	    &nh), 2);
	/* cut leaf4 off entirely: nobody routes to it, check still holds */
	for (i = 1; i <= 3; i++) {
		char sp[16];

		snprintf(sp, sizeof(sp), "spine%u", i);
		fab_link_set_state(f, fab_link_between(f, node(f, "leaf4"),
		    node(f, sp)), FAB_DOWN);
	}
	assert_int_equal(route_compute(r, f, &static_params), 0);
	check_ok(r, f);
	assert_int_equal(route_nexthops(r, node(f, "leaf1"), node(f, "leaf4"),
	    &nh), 0);
	/* the check catches routes that no longer match the fabric */
	fab_node_set_state(f, node(f, "spine2"), FAB_DOWN);
	{
		char	err[256];

		assert_int_equal(route_check(r, f, err, sizeof(err)), -1);
		assert_true(strstr(err, "spine2") != NULL ||
		    strstr(err, "cannot reach") != NULL);
	}
	route_free(r);
	fab_free(f);
}

static void
test_three_tier(void **state)
{
	struct fabric		*f = three_tier();
	struct fab_routes	*r = route_new();
	const struct route_nh	*nh;
	uint32_t		 l;

	assert_int_equal(route_compute(r, f, &static_params), 0);
	check_ok(r, f);
	/* inside a pod: two spines, straight down */
	assert_int_equal(route_nexthops(r, node(f, "pod0-leaf1"),
	    node(f, "pod0-leaf2"), &nh), 2);
	/* across pods: two spines, each up to four super-spines */
	assert_int_equal(route_nexthops(r, node(f, "pod0-leaf1"),
	    node(f, "pod1-leaf4"), &nh), 2);
	assert_int_equal(route_nexthops(r, node(f, "pod0-spine1"),
	    node(f, "pod1-leaf4"), &nh), 4);
	assert_int_equal(route_nexthops(r, node(f, "ss1"),
	    node(f, "pod1-leaf4"), &nh), 2);
	/* a spine loses 3 of its 4 super-spine links: 1/4 of the weight */
	for (int k = 2; k <= 4; k++) {
		char ss[8];

		snprintf(ss, sizeof(ss), "ss%d", k);
		l = fab_link_between(f, node(f, "pod0-spine1"), node(f, ss));
		fab_link_set_state(f, l, FAB_DOWN);
	}
	assert_int_equal(route_compute(r, f, &static_params), 0);
	check_ok(r, f);
	assert_int_equal(route_nexthops(r, node(f, "pod0-spine1"),
	    node(f, "pod1-leaf4"), &nh), 1);
	assert_true(near(route_capacity(r, node(f, "pod0-spine1"),
	    node(f, "pod1-leaf4")) * 4, route_capacity(r, node(f,
	    "pod0-spine2"), node(f, "pod1-leaf4"))));
	/* the leaf's 400G uplinks are the bottleneck either way: equal */
	assert_true(near(weight_via(r, f, "pod0-leaf1", "pod1-leaf4",
	    "pod0-spine1"), weight_via(r, f, "pod0-leaf1", "pod1-leaf4",
	    "pod0-spine2")));
	/* with fatter uplinks the spine's loss shows at the leaf: 1:4 */
	for (l = 0; l < f->nlinks; l++)
		if (f->nodes[f->links[l].a].role == ROLE_LEAF)
			f->links[l].capacity = 3200 * G;
	assert_int_equal(route_compute(r, f, &static_params), 0);
	check_ok(r, f);
	assert_true(near(weight_via(r, f, "pod0-leaf1", "pod1-leaf4",
	    "pod0-spine1") * 4, weight_via(r, f, "pod0-leaf1", "pod1-leaf4",
	    "pod0-spine2")));
	route_free(r);
	fab_free(f);
}

static int
same_routes(const struct fab_routes *a, const struct fab_routes *b,
    const struct fabric *f)
{
	const struct route_nh	*x, *y;
	uint32_t		 s, d;
	int			 nx, ny, i;

	for (d = 0; d < f->nnodes; d++) {
		if (f->nodes[d].role != ROLE_LEAF)
			continue;
		for (s = 0; s < f->nnodes; s++) {
			if (f->nodes[s].role == ROLE_HOST)
				continue;
			nx = route_nexthops(a, s, d, &x);
			ny = route_nexthops(b, s, d, &y);
			if (nx != ny)
				return 0;
			for (i = 0; i < nx; i++)
				if (x[i].link != y[i].link ||
				    fabs(x[i].weight - y[i].weight) > 1)
					return 0;
		}
	}
	return 1;
}

/* After random changes, the incremental result equals a full one. */
static void
test_incremental(void **state)
{
	struct fabric		*f = three_tier();
	struct fab_routes	*inc = route_new(), *full = route_new();
	uint32_t		 l, round;
	size_t			 whole;

	srandom(3);
	assert_int_equal(route_compute(inc, f, &static_params), 0);
	for (round = 0; round < 300; round++) {
		l = random() % f->nlinks;
		switch (random() % 3) {
		case 0:
			fab_link_set_state(f, l, f->links[l].state == FAB_UP ?
			    FAB_DOWN : FAB_UP);
			break;
		case 1:
			f->links[l].members = 4;
			fab_link_set_members_up(f, l, random() % 5);
			break;
		default:
			fab_link_set_state(f, l, FAB_DRAINED);
		}
		assert_int_equal(route_update(inc, f, &static_params, &l, 1,
		    &whole), 0);
		assert_int_equal(route_compute(full, f, &static_params), 0);
		if (!same_routes(inc, full, f))
			fail_msg("round %u: incremental update of link %u "
			    "differs from a full computation", round, l);
		check_ok(inc, f);
	}
	route_free(inc);
	route_free(full);
	fab_free(f);
}

/* One leaf-spine link: one destination redone whole, not all of them. */
static void
test_incremental_is_small(void **state)
{
	struct fabric		*f = two_tier(16, 8);
	struct fab_routes	*r = route_new();
	uint32_t		 l;
	size_t			 whole = 99;

	assert_int_equal(route_compute(r, f, &static_params), 0);
	l = fab_link_between(f, node(f, "leaf5"), node(f, "spine3"));
	fab_link_set_state(f, l, FAB_DOWN);
	assert_int_equal(route_update(r, f, &static_params, &l, 1, &whole), 0);
	assert_int_equal(whole, 1);
	check_ok(r, f);
	route_free(r);
	fab_free(f);
}

static void
test_adaptive(void **state)
{
	struct fabric		*f = two_tier(4, 2);
	struct fab_routes	*r = route_new();
	struct route_params	 p = { 1, 0, 0, 0.05 };
	uint32_t		 l;

	l = fab_link_between(f, node(f, "leaf1"), node(f, "spine1"));
	f->links[l].load[0] = 300 * G;	/* other traffic going up */
	assert_int_equal(route_compute(r, f, &p), 0);
	check_ok(r, f);
	assert_true(near(weight_via(r, f, "leaf1", "leaf4", "spine1") * 4,
	    weight_via(r, f, "leaf1", "leaf4", "spine2")));
	/* saturated: the floor keeps a little weight on a working link */
	f->links[l].load[0] = 500 * G;
	assert_int_equal(route_compute(r, f, &p), 0);
	assert_true(near(weight_via(r, f, "leaf1", "leaf4", "spine1"),
	    0.05 * 400 * G));
	/* congestion: drops discount the share */
	f->links[l].load[0] = 0;
	f->links[l].drops[0] = 1000;
	p.congestion_drop_penalty = 0.001;
	assert_int_equal(route_compute(r, f, &p), 0);
	assert_true(near(weight_via(r, f, "leaf1", "leaf4", "spine1"),
	    200 * G));
	route_free(r);
	fab_free(f);
}

static void
test_smoothing(void **state)
{
	struct route_smooth	sm = { 0.5, 0.02, 0.1 };
	double			st[2] = { 0.5, 0.5 }, out[2] = { 0.5, 0.5 };
	const double		small[2] = { 0.51, 0.49 }, big[2] = { 1, 3 };
	const double		failed[2] = { 0, 1 };

	/* below the minimum change: nothing moves */
	assert_int_equal(route_smooth_apply(&sm, st, small, 2, out), 0);
	assert_true(out[0] == 0.5 && out[1] == 0.5);
	/* a big move: EWMA, then capped at max_step per step */
	assert_int_equal(route_smooth_apply(&sm, st, big, 2, out), 1);
	assert_true(fabs(out[0] - 0.4) < 1e-9 && fabs(out[1] - 0.6) < 1e-9);
	/* converges over steps to within the hysteresis of the target */
	for (int i = 0; i < 20; i++)
		route_smooth_apply(&sm, st, big, 2, out);
	assert_true(fabs(out[0] - 0.25) < sm.min_change);
	/* a failure is not smoothed */
	assert_int_equal(route_smooth_apply(&sm, st, failed, 2, out), 1);
	assert_true(out[0] == 0 && fabs(out[1] - 1) < 1e-12);
}

static void
test_buckets(void **state)
{
	const double	w[] = { 1, 2, 3, 0, 0.001 };
	uint32_t	out[5], sum = 0;
	double		err;
	int		i;

	assert_int_equal(quant_buckets(w, 5, 64, out, &err), 0);
	for (i = 0; i < 5; i++)
		sum += out[i];
	assert_int_equal(sum, 64);
	assert_int_equal(out[3], 0);	/* weight 0: no bucket */
	assert_int_equal(out[4], 1);	/* tiny: still one bucket */
	assert_true(err <= 1.0 / 64 + 1e-12);
	assert_int_equal(quant_buckets(w, 5, 3, out, &err), -1); /* 4 > 3 */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symmetric),
		cmocka_unit_test(test_degraded_lag),
		cmocka_unit_test(test_failures_and_drain),
		cmocka_unit_test(test_three_tier),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_incremental_is_small),
		cmocka_unit_test(test_adaptive),
		cmocka_unit_test(test_smoothing),
		cmocka_unit_test(test_buckets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
