/*
 * Weights to link-bandwidth values, against FRR 8.4's formula as it was
 * measured (../shared/ARCHITECTURE.md).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "bgp_lbw.h"

/* The measured facts: 100:200 -> 33:66, 3:197 -> 1:98, 7:93 -> 7:93. */
static void
test_frr_formula(void **state)
{
	assert_int_equal(lbw_frr84_weight(100, 300), 33);
	assert_int_equal(lbw_frr84_weight(200, 300), 66);
	assert_int_equal(lbw_frr84_weight(3, 200), 1);
	assert_int_equal(lbw_frr84_weight(197, 200), 98);
	assert_int_equal(lbw_frr84_weight(7, 100), 7);
	assert_int_equal(lbw_frr84_weight(93, 100), 93);
	assert_int_equal(lbw_frr84_weight(1, 1000), 1);	/* at least 1 */
	assert_int_equal(lbw_frr84_weight(100, 400), 25);
	assert_int_equal(lbw_frr84_weight(300, 400), 75);
}

static double
installed_error(const double *t, size_t n, const struct lbw_plan *p)
{
	double	ts = 0, ws = 0, e = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		ts += t[i];
		ws += p->weight[i];
	}
	for (i = 0; i < n; i++)
		e = fmax(e, fabs(p->weight[i] / ws - t[i] / ts));
	return e;
}

/* The plan's weights are what FRR computes from the plan's values. */
static void
check_consistent(const double *t, size_t n, const struct lbw_plan *p)
{
	uint64_t	sum = 0;
	size_t		i;

	for (i = 0; i < n; i++) {
		assert_true(p->mbps[i] >= 1 && p->mbps[i] <= LBW_SCALE_MAX);
		sum += p->mbps[i];
	}
	for (i = 0; i < n; i++)
		assert_int_equal(p->weight[i],
		    lbw_frr84_weight(p->mbps[i], sum));
	assert_true(fabs(installed_error(t, n, p) - p->max_err) < 1e-12);
}

static void
test_exact_ratios(void **state)
{
	const double	 one_two[] = { 1, 2 }, one_three[] = { 100, 300 };
	const double	 thirds[] = { 1, 1, 1 };
	struct lbw_plan	 p;

	/* 1:2 is exact as 33:66, which percentages (33:67) miss */
	assert_int_equal(lbw_plan(one_two, 2, &p), 0);
	check_consistent(one_two, 2, &p);
	assert_true(p.max_err < 1e-12);
	assert_int_equal(p.weight[1], 2 * p.weight[0]);
	assert_int_equal(lbw_plan(one_three, 2, &p), 0);
	assert_true(p.max_err < 1e-12);
	assert_int_equal(p.weight[1], 3 * p.weight[0]);
	assert_int_equal(lbw_plan(thirds, 3, &p), 0);
	assert_true(p.max_err < 1e-12);
}

static void
test_equal_paths(void **state)
{
	double		t[64];
	struct lbw_plan	p;
	size_t		n, i;

	for (n = 1; n <= 64; n++) {
		for (i = 0; i < n; i++)
			t[i] = 400e9;	/* raw 400G: scale is irrelevant */
		assert_int_equal(lbw_plan(t, n, &p), 0);
		check_consistent(t, n, &p);
		assert_true(p.max_err < 1e-12);
	}
}

/* Percentages summing to 100 (largest remainder, at least 1 each). */
static double
naive_error(const double *t, size_t n)
{
	double		ts = 0, rem[LBW_PATHS_MAX];
	struct lbw_plan	p = {};
	int		sum = 0;
	size_t		i, best;

	for (i = 0; i < n; i++)
		ts += t[i];
	for (i = 0; i < n; i++) {
		p.weight[i] = (uint32_t)floor(100 * t[i] / ts);
		if (p.weight[i] == 0)
			p.weight[i] = 1;
		rem[i] = 100 * t[i] / ts - p.weight[i];
		sum += p.weight[i];
	}
	while (sum < 100) {
		for (best = 0, i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		p.weight[best]++;
		rem[best] -= 1;
		sum++;
	}
	return installed_error(t, n, &p);
}

/* Random targets: consistent, and never worse than plain percentages. */
static void
test_random_targets(void **state)
{
	double		t[16];
	struct lbw_plan	p;
	size_t		n, i;
	int		round, better = 0;

	srandom(7);
	for (round = 0; round < 2000; round++) {
		n = 2 + random() % 15;
		for (i = 0; i < n; i++)
			t[i] = 1 + random() % 1000;
		assert_int_equal(lbw_plan(t, n, &p), 0);
		check_consistent(t, n, &p);
		assert_true(p.max_err <= naive_error(t, n) + 1e-12);
		better += p.max_err < naive_error(t, n) - 1e-9;
		/* two paths: the error is below one FRR step (1 %) */
		if (n == 2)
			assert_true(p.max_err < 0.01);
	}
	assert_true(better > 100);	/* the search earns its keep */
}

static void
test_invalid(void **state)
{
	const double	zero[] = { 1, 0 }, neg[] = { 1, -1 };
	const double	nan_[] = { 1, NAN }, inf[] = { 1, INFINITY };
	double		many[LBW_PATHS_MAX + 1];
	struct lbw_plan	p;
	size_t		i;

	assert_int_equal(lbw_plan(zero, 0, &p), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lbw_plan(zero, 2, &p), -1);
	assert_int_equal(lbw_plan(neg, 2, &p), -1);
	assert_int_equal(lbw_plan(nan_, 2, &p), -1);
	assert_int_equal(lbw_plan(inf, 2, &p), -1);
	for (i = 0; i < LBW_PATHS_MAX + 1; i++)
		many[i] = 1;
	assert_int_equal(lbw_plan(many, LBW_PATHS_MAX + 1, &p), -1);
	assert_int_equal(lbw_plan(many, LBW_PATHS_MAX, &p), 0);
}

/* Mbit/s to the community's bytes/s, exactly for the values used. */
static void
test_bytes(void **state)
{
	uint32_t	m;

	for (m = 1; m <= LBW_SCALE_MAX; m++) {
		float	b = lbw_mbps_to_bytes(m);

		assert_true(b == (float)(m * 125000.0));
		/* FRR reads it back as (uint32_t)(bytes * 8 / 1000000) */
		assert_int_equal((uint32_t)(b * 8 / 1000000), m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frr_formula),
		cmocka_unit_test(test_exact_ratios),
		cmocka_unit_test(test_equal_paths),
		cmocka_unit_test(test_random_targets),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
