/*
 * Link-bandwidth planning for FRR 8.4's weighted ECMP (see bgp_lbw.h).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "bgp_lbw.h"

/* FRR 8.4's next-hop weight for one path (bgp_zebra.c), as measured. */
uint32_t
lbw_frr84_weight(uint32_t mbps, uint64_t sum_mbps)
{
	uint64_t	w;

	if (sum_mbps == 0)
		return 1;
	w = (uint64_t)mbps * 100 / sum_mbps;
	return w == 0 ? 1 : (uint32_t)w;
}

/* The community carries bytes per second; FRR reads back Mbit/s. */
float
lbw_mbps_to_bytes(uint32_t mbps)
{
	return (float)mbps * 125000.0f;
}

/* How far the installed shares are from the targets, at the worst path. */
static double
plan_error(const double *share, const uint32_t *w, size_t n)
{
	uint64_t	sum = 0;
	double		err = 0, d;
	size_t		i;

	for (i = 0; i < n; i++)
		sum += w[i];
	for (i = 0; i < n; i++) {
		d = fabs((double)w[i] / (double)sum - share[i]);
		if (d > err)
			err = d;
	}
	return err;
}

static void
plan_weights(const uint32_t *mbps, size_t n, uint32_t *w)
{
	uint64_t	sum = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		sum += mbps[i];
	for (i = 0; i < n; i++)
		w[i] = lbw_frr84_weight(mbps[i], sum);
}

/* The targets scaled to about `scale', rounded, at least 1 each. */
static void
plan_round(const double *share, size_t n, uint32_t scale, uint32_t *mbps)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		mbps[i] = (uint32_t)lround(share[i] * scale);
		if (mbps[i] == 0)
			mbps[i] = 1;
	}
}

/* The targets apportioned to exactly `scale' by largest remainder. */
static void
plan_apportion(const double *share, size_t n, uint32_t scale, uint32_t *mbps)
{
	double		rem[LBW_PATHS_MAX];
	uint64_t	sum = 0;
	size_t		i, best;

	for (i = 0; i < n; i++) {
		mbps[i] = (uint32_t)floor(share[i] * scale);
		if (mbps[i] == 0)
			mbps[i] = 1;
		rem[i] = share[i] * scale - mbps[i];
		sum += mbps[i];
	}
	for (; sum < scale; sum++) {
		for (best = 0, i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		mbps[best]++;
		rem[best] -= 1;
	}
}

/*
 * Plans the encoding of n target weights (any positive scale).  Tries
 * every total from n to LBW_SCALE_MAX, each rounded and apportioned, and
 * keeps the best; ties go to the smaller values.  Returns -1 (EINVAL) for n out of range or a target that
 * is not positive: a path of weight 0 is not advertised at all.
 */
int
lbw_plan(const double *target, size_t n, struct lbw_plan *plan)
{
	double		share[LBW_PATHS_MAX], total = 0, err;
	uint32_t	mbps[LBW_PATHS_MAX], w[LBW_PATHS_MAX], scale;
	size_t		i;
	int		k;

	if (n == 0 || n > LBW_PATHS_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!(target[i] > 0) || !isfinite(target[i])) {
			errno = EINVAL;
			return -1;
		}
		total += target[i];
	}
	for (i = 0; i < n; i++)
		share[i] = target[i] / total;
	plan->max_err = 2;
	for (scale = n; scale <= LBW_SCALE_MAX; scale++)
		for (k = 0; k < 2; k++) {
			if (k == 0)
				plan_round(share, n, scale, mbps);
			else
				plan_apportion(share, n, scale, mbps);
			plan_weights(mbps, n, w);
			err = plan_error(share, w, n);
			if (err < plan->max_err - 1e-12) {
				plan->max_err = err;
				memcpy(plan->mbps, mbps, n * sizeof(mbps[0]));
				memcpy(plan->weight, w, n * sizeof(w[0]));
			}
		}
	return 0;
}
