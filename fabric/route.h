/*
 * Path computation: weighted ECMP over a Clos fabric, and per-flow path
 * assignment.
 *
 * Routing is up-down (valley-free): from a leaf up to a spine of its pod,
 * for another pod on up to a super-spine, then down to a spine of the
 * destination's pod and down to the destination leaf.  Destinations are
 * leaves (their hosts' subnets).  At every switch the weight of a next-hop
 * link is what the whole path through it can carry to the destination:
 * min(the link's share, what the next switch can carry on), summed over
 * that switch's own next-hops, computed backwards from the destination.
 * In adaptive mode a link's share is its usable capacity less the load
 * other traffic puts on it, discounted for congestion (drops, backlog).
 */
#ifndef FABRIC_ROUTE_H
#define FABRIC_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "fabric.h"

struct route_nh {
	uint32_t	link;
	uint32_t	next;		/* the node at the other end */
	double		weight;		/* bit/s the path can carry, > 0 */
};

struct route_params {
	int	adaptive;	/* 0: capacities and failures only */
	double	congestion_drop_penalty;	/* share lost per drop/s */
	double	congestion_backlog_penalty;	/* share lost per queued byte */
	double	min_share;	/* floor, fraction of usable capacity, so a
				   busy working link keeps some weight */
};

struct fab_routes;

/* route.c */
struct fab_routes *route_new(void);
void		 route_free(struct fab_routes *);
int		 route_compute(struct fab_routes *, const struct fabric *,
		    const struct route_params *);
int		 route_update(struct fab_routes *, const struct fabric *,
		    const struct route_params *, const uint32_t *links,
		    size_t nlinks, size_t *recomputed);
int		 route_nexthops(const struct fab_routes *, uint32_t node,
		    uint32_t dst_leaf, const struct route_nh **nh);
double		 route_capacity(const struct fab_routes *, uint32_t node,
		    uint32_t dst_leaf);
int		 route_check(const struct fab_routes *, const struct fabric *,
		    char *err, size_t errlen);
size_t		 route_memory(const struct fab_routes *);

/* EWMA and hysteresis over successive weight vectors of one next-hop set */
struct route_smooth {
	double		alpha;		/* weight of the new sample, 0..1 */
	double		min_change;	/* share; smaller moves are not made */
	double		max_step;	/* share a next-hop may move per step */
};
int		 route_smooth_apply(const struct route_smooth *,
		    double *ewma, const double *target, size_t n,
		    double *applied);

/* Quantisation to what a data plane can express */
int		 quant_buckets(const double *w, size_t n, uint32_t buckets,
		    uint32_t *out, double *max_err);

/* assign.c: elephant flows to paths, minimising the largest link load */
struct assign_flow {
	uint32_t	src;		/* host or leaf node */
	uint32_t	dst;
	double		rate;		/* demand, bit/s */
	/* out: the links of the chosen path, in order */
	uint32_t	path[8];
	uint8_t		npath;
};
int		 assign_flows(const struct fabric *, struct assign_flow *,
		    size_t n, double *max_util);
double		 flowlet_gap(double path_delay_spread_s, double margin);

#endif /* FABRIC_ROUTE_H */
