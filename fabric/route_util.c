/*
 * The invariants of computed routes, weight smoothing and quantisation.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

#define HOPS_MAX	6	/* leaf-spine-super-spine-spine-leaf is 4 */

/*
 * Can `node' reach leaf `dst' over usable links, going up then down
 * (valley-free)?  Computed from the fabric alone, independently of the
 * routes, so route_check can compare the two.
 */
static int
reachable(const struct fabric *f, uint32_t node, uint32_t dst, int went_down,
    int depth)
{
	const struct fab_node	*n = &f->nodes[node];
	uint32_t		 i, o;
	int			 down;

	if (node == dst)
		return 1;
	if (depth == 0 || !fab_node_usable(f, node))
		return 0;
	for (i = 0; i < n->nadj; i++) {
		if (fab_link_usable(f, n->adj[i]) <= 0)
			continue;
		o = fab_link_other(f, n->adj[i], node);
		if (f->nodes[o].role == ROLE_HOST)
			continue;
		down = f->nodes[o].role < n->role;
		if (went_down && !down)
			continue;	/* a valley */
		if (down && f->nodes[o].role == ROLE_LEAF && o != dst)
			continue;
		if (reachable(f, o, dst, down, depth - 1))
			return 1;
	}
	return 0;
}

/* Every path the routes allow from node ends at dst, within HOPS_MAX. */
static int
walk(const struct fab_routes *r, const struct fabric *f, uint32_t node,
    uint32_t dst, int depth, char *err, size_t errlen)
{
	const struct route_nh	*nh;
	int			 n, i;

	if (node == dst)
		return 0;
	if (depth == 0) {
		snprintf(err, errlen, "a path from %s towards %s is longer "
		    "than %d hops: a loop", f->nodes[node].name,
		    f->nodes[dst].name, HOPS_MAX);
		return -1;
	}
	if ((n = route_nexthops(r, node, dst, &nh)) == 0) {
		snprintf(err, errlen, "%s has no next-hop towards %s, which "
		    "it reached on the way", f->nodes[node].name,
		    f->nodes[dst].name);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (fab_link_usable(f, nh[i].link) <= 0) {
			snprintf(err, errlen, "%s routes towards %s over link "
			    "%s-%s, which is %s", f->nodes[node].name,
			    f->nodes[dst].name, f->nodes[f->links[nh[i].link].a]
			    .name, f->nodes[f->links[nh[i].link].b].name,
			    fab_state_str(f->links[nh[i].link].state));
			return -1;
		}
		if (!(nh[i].weight > 0) || !isfinite(nh[i].weight)) {
			snprintf(err, errlen, "%s: next-hop weight %g towards "
			    "%s", f->nodes[node].name, nh[i].weight,
			    f->nodes[dst].name);
			return -1;
		}
		if (walk(r, f, nh[i].next, dst, depth - 1, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * The invariants: never a route over a down or drained link or switch;
 * never zero paths to a destination the fabric can reach; every path ends
 * at the destination (loop-free); weights positive.
 */
int
route_check(const struct fab_routes *r, const struct fabric *f, char *err,
    size_t errlen)
{
	const struct route_nh	*nh;
	uint32_t		 s, d;
	int			 n, reach;

	for (d = 0; d < f->nnodes; d++) {
		if (f->nodes[d].role != ROLE_LEAF)
			continue;
		for (s = 0; s < f->nnodes; s++) {
			if (s == d || f->nodes[s].role != ROLE_LEAF)
				continue;
			reach = reachable(f, s, d, 0, HOPS_MAX);
			n = route_nexthops(r, s, d, &nh);
			if (reach && n == 0) {
				snprintf(err, errlen, "%s can reach %s but has "
				    "no route to it", f->nodes[s].name,
				    f->nodes[d].name);
				return -1;
			}
			if (!reach && n > 0) {
				snprintf(err, errlen, "%s has a route to %s, "
				    "which it cannot reach", f->nodes[s].name,
				    f->nodes[d].name);
				return -1;
			}
			if (n > 0 && walk(r, f, s, d, HOPS_MAX, err, errlen) ==
			    -1)
				return -1;
		}
	}
	return 0;
}

/* ---- smoothing ---------------------------------------------------- */

static void
normalise(const double *in, size_t n, double *out)
{
	double	sum = 0;
	size_t	i;

	for (i = 0; i < n; i++)
		sum += in[i] > 0 ? in[i] : 0;
	for (i = 0; i < n; i++)
		out[i] = sum > 0 ? (in[i] > 0 ? in[i] / sum : 0) : 1.0 / n;
}

/*
 * One control step for one next-hop set.  `ewma' holds the smoothed
 * target shares, `applied' the shares in force (both in and out, both
 * summing to 1).  The target is folded into the EWMA; the applied shares
 * follow only when the EWMA has moved away from them by min_change
 * (hysteresis), and no share moves by more than max_step in one step.  A
 * next-hop whose target is 0 (failed) drops to 0 at once: safety before
 * smoothness.  Returns 1 if the applied shares changed.
 */
int
route_smooth_apply(const struct route_smooth *sm, double *ewma,
    const double *target, size_t n, double *applied)
{
	double	t[1024], d, maxd = 0;
	size_t	i;
	int	failed = 0;

	if (n == 0 || n > 1024) {
		errno = EINVAL;
		return -1;
	}
	normalise(target, n, t);
	for (i = 0; i < n; i++) {
		ewma[i] = t[i] == 0 ? 0 : sm->alpha * t[i] +
		    (1 - sm->alpha) * ewma[i];
		failed |= t[i] == 0 && applied[i] > 0;
	}
	normalise(ewma, n, ewma);
	for (i = 0; i < n; i++)
		maxd = fmax(maxd, fabs(ewma[i] - applied[i]));
	if (maxd < sm->min_change && !failed)
		return 0;
	for (i = 0; i < n; i++) {
		d = ewma[i] - applied[i];
		if (t[i] == 0)
			applied[i] = 0;
		else if (sm->max_step > 0 && fabs(d) > sm->max_step)
			applied[i] += d > 0 ? sm->max_step : -sm->max_step;
		else
			applied[i] = ewma[i];
	}
	normalise(applied, n, applied);
	return 1;
}

/* ---- quantisation ------------------------------------------------- */

/*
 * A resilient nexthop group's buckets: largest remainder, every positive
 * weight at least one bucket.  max_err is the largest |installed share -
 * target share|.
 */
int
quant_buckets(const double *w, size_t n, uint32_t buckets, uint32_t *out,
    double *max_err)
{
	double		 share[1024], rem[1024], e = 0;
	uint32_t	 used = 0;
	size_t		 i, best, live = 0;

	if (n == 0 || n > 1024) {
		errno = EINVAL;
		return -1;
	}
	normalise(w, n, share);
	for (i = 0; i < n; i++)
		live += share[i] > 0;
	if (live > buckets) {
		errno = ERANGE;
		return -1;
	}
	for (i = 0; i < n; i++) {
		out[i] = (uint32_t)floor(share[i] * buckets);
		if (share[i] > 0 && out[i] == 0)
			out[i] = 1;
		rem[i] = share[i] > 0 ? share[i] * buckets - out[i] : -1e9;
		used += out[i];
	}
	while (used > buckets) {	/* the minimums overshot */
		for (best = 0, i = 1; i < n; i++)
			if (out[i] > 1 && (out[best] <= 1 || rem[i] < rem[best]))
				best = i;
		out[best]--;
		rem[best] += 1;
		used--;
	}
	for (; used < buckets; used++) {
		for (best = 0, i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		out[best]++;
		rem[best] -= 1;
	}
	for (i = 0; i < n; i++)
		e = fmax(e, fabs((double)out[i] / buckets - share[i]));
	if (max_err != NULL)
		*max_err = e;
	return 0;
}
