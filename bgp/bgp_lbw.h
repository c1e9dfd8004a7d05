/*
 * Weights to link-bandwidth values that FRR 8.4 turns back into the
 * intended kernel weights.
 *
 * FRR 8.4 reads the link-bandwidth community as whole Mbit/s and installs
 * each next-hop with weight floor(100 x bw / sum of bw), at least 1
 * (measured: ../shared/ARCHITECTURE.md); large values go wrong, so the
 * values stay small.  The kernel then splits traffic in the ratio of those
 * weights.  Any vector of small integers is a candidate encoding: the
 * planner searches them for the one whose installed ratios are closest to
 * the targets, and reports the error that remains.
 */
#ifndef FABRIC_BGP_LBW_H
#define FABRIC_BGP_LBW_H

#include <stddef.h>
#include <stdint.h>

#define LBW_PATHS_MAX	128	/* FRR's maximum-paths ceiling */
#define LBW_SCALE_MAX	400	/* largest sum of encoded values tried */

struct lbw_plan {
	uint32_t	mbps[LBW_PATHS_MAX];	/* what to encode, Mbit/s */
	uint32_t	weight[LBW_PATHS_MAX];	/* what FRR 8.4 will install */
	double		max_err;	/* max |installed - target| share */
};

/* bgp_lbw.c */
uint32_t lbw_frr84_weight(uint32_t mbps, uint64_t sum_mbps);
int	 lbw_plan(const double *target, size_t n, struct lbw_plan *);
float	 lbw_mbps_to_bytes(uint32_t mbps);

#endif /* FABRIC_BGP_LBW_H */
