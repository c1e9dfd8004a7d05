/*
 * Grouping discovery candidates into distinct paths (probe_disc.h).
 */
#include "config.h"

#include <string.h>

#include "probe_disc.h"

/* ICMP time-exceeded from addr for the probe sent with this TTL. */
void
disc_hop(struct disc_cand *c, unsigned int ttl, uint32_t addr)
{
	if (ttl == 0 || ttl > DISC_MAX_TTL)
		return;
	if (c->got[ttl] && c->hop[ttl] != addr)
		c->bad = 1;	/* the flow moved: not a stable path */
	c->got[ttl] = 1;
	c->hop[ttl] = addr;
}

/* The destination itself answered the probe sent with this TTL. */
void
disc_reached(struct disc_cand *c, unsigned int ttl)
{
	if (ttl == 0 || ttl > DISC_MAX_TTL)
		return;
	if (c->reached == 0 || ttl < c->reached)
		c->reached = (uint8_t)ttl;
}

/* The routers before the destination: under SILENT, the highest hop. */
unsigned int
disc_nhops(const struct disc_cand *c)
{
	unsigned int	 t;

	if (c->reached != 0)
		return c->reached - 1u;
	for (t = DISC_MAX_TTL; t > 0; t--)
		if (c->got[t])
			return t;
	return 0;
}

/* Every hop before the destination answered, consistently (see .h). */
int
disc_complete(const struct disc_cand *c)
{
	unsigned int	 t, k;

	if (c->bad)
		return 0;
	if (c->reached == 0) {
		if (c->rule != DISC_RULE_SILENT)
			return 0;
		/* the TTLs above k were sent and died at the target */
		k = disc_nhops(c);
		if (k == 0 || k >= c->probed || c->probed > DISC_MAX_TTL)
			return 0;
	} else
		k = c->reached - 1u;
	for (t = 1; t <= k; t++)
		if (!c->got[t])
			return 0;
	return 1;
}

int
disc_same(const struct disc_path *a, const struct disc_path *b)
{
	return a->nhops == b->nhops &&
	    memcmp(a->hops, b->hops, a->nhops * sizeof(a->hops[0])) == 0;
}

/*
 * Fills out (at most max) with the distinct hop lists of the complete
 * candidates, in candidate order, each with the first source port that
 * took it.  Returns how many.
 */
size_t
disc_group(const struct disc_cand *c, size_t n, struct disc_path *out,
    size_t max)
{
	struct disc_path	 p;
	size_t			 i, j, np = 0;
	unsigned int		 t;

	for (i = 0; i < n; i++) {
		if (!disc_complete(&c[i]))
			continue;
		p = (struct disc_path){ .sport = c[i].sport, .ncands = 1,
		    .nhops = (uint8_t)disc_nhops(&c[i]) };
		for (t = 1; t <= p.nhops; t++)
			p.hops[t - 1] = c[i].hop[t];
		for (j = 0; j < np; j++)
			if (disc_same(&out[j], &p))
				break;
		if (j < np)
			out[j].ncands++;
		else if (np < max)
			out[np++] = p;
	}
	return np;
}

/*
 * The hops that name the path in a leaf-spine fabric: all but the first
 * (the source's leaf) and the last (the destination's leaf) when there
 * are three or more; all of them otherwise.
 */
size_t
disc_via(const struct disc_path *p, const uint32_t **via)
{
	if (p->nhops >= 3) {
		*via = &p->hops[1];
		return p->nhops - 2u;
	}
	*via = p->hops;
	return p->nhops;
}

enum disc_verdict
disc_check(const struct disc_cand *c, const struct disc_path *p)
{
	unsigned int	 t, need;

	for (t = 1; t <= DISC_MAX_TTL; t++)
		if (c->got[t] && (t > p->nhops || c->hop[t] != p->hops[t - 1]))
			return DISC_MOVED;
	if (c->reached != 0 && c->reached != p->nhops + 1u)
		return DISC_MOVED;
	if (c->bad)
		return DISC_UNSURE;
	/* the via hops (what tells paths apart): TTL = index in hops + 1 */
	for (t = disc_via_ttls(p, &need); t <= need; t++)
		if (!c->got[t])
			return DISC_UNSURE;
	return DISC_SAME;
}

/*
 * The TTLs of p's via hops, first (returned) to *last: all that a
 * re-trace needs to send, since the hops around them (the two leaves)
 * are the same on every path between two hosts.  None (first > *last)
 * for a path without routers.
 */
unsigned int
disc_via_ttls(const struct disc_path *p, unsigned int *last)
{
	const uint32_t	*via;
	size_t		 n = disc_via(p, &via);

	*last = (unsigned int)(n + (size_t)(via - p->hops));
	return (unsigned int)(via - p->hops) + 1;
}

const char *
disc_verdict_str(enum disc_verdict v)
{
	switch (v) {
	case DISC_SAME:
		return "same";
	case DISC_MOVED:
		return "moved";
	default:
		return "unsure";
	}
}
