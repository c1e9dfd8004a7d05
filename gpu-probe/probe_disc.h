/*
 * Path discovery, the Paris-traceroute way: ECMP hashes on the flow's
 * addresses and ports, so probes that keep the flow fixed and change only
 * the IP TTL all follow one path, and the ICMP time-exceeded replies name
 * its hops.  fabric-probe tries several UDP source ports (candidates) per
 * destination; this groups the candidates by the hops they crossed and
 * keeps one source port per distinct path.  No I/O here.
 */
#ifndef FABRIC_PROBE_DISC_H
#define FABRIC_PROBE_DISC_H

#include <stddef.h>
#include <stdint.h>

#define DISC_MAX_HOPS		8	/* routers before the destination */
#define DISC_MAX_TTL		(DISC_MAX_HOPS + 1)
#define DISC_MAX_CANDIDATES	256

/*
 * When a candidate is complete.  REACHED (UDP back end): the target
 * answered TTL r and TTLs 1 .. r - 1 were each answered by one router.
 * SILENT (verbs back end: the RDMA stack owns UDP 4791 on the target, so
 * the target never answers): TTLs 1 .. k (k >= 1) were each answered by
 * one router and every TTL from k + 1 to the highest probed stayed silent
 * (the target consumed them), k below the highest probed.  The caller
 * judges a SILENT candidate only after its last round.
 */
#define DISC_RULE_REACHED	0
#define DISC_RULE_SILENT	1

struct disc_cand {
	uint16_t	 sport;
	uint8_t		 reached;	/* TTL that reached the destination */
	uint8_t		 bad;		/* a hop answered twice, differently */
	uint8_t		 rule;		/* DISC_RULE_* */
	uint8_t		 probed;	/* SILENT: the highest TTL sent */
	uint8_t		 got[DISC_MAX_TTL + 1];	/* [ttl]: hop answered */
	uint32_t	 hop[DISC_MAX_TTL + 1];	/* [ttl]: IPv4, net order */
};

struct disc_path {
	uint16_t	 sport;		/* the first candidate that took it */
	uint8_t		 nhops;
	uint32_t	 hops[DISC_MAX_HOPS];
	uint32_t	 ncands;	/* candidates that took it */
};

/*
 * A re-trace of a known path's source port, judged against the path:
 * SAME when its via hops (disc_via) answered and every answer names the
 * path's router; MOVED when an answer names another router, a
 * router answers past the path's length, or the destination answers at
 * another TTL (the fabric now hashes that port onto another path);
 * UNSURE otherwise (hops missing, none contradicting: a black hole past
 * the spine looks like this).
 */
enum disc_verdict {
	DISC_UNSURE,
	DISC_SAME,
	DISC_MOVED,
};

/* probe_disc.c */
enum disc_verdict disc_check(const struct disc_cand *,
	    const struct disc_path *);
const char	*disc_verdict_str(enum disc_verdict);
unsigned int	 disc_via_ttls(const struct disc_path *, unsigned int *);
void	 disc_hop(struct disc_cand *, unsigned int, uint32_t);
void	 disc_reached(struct disc_cand *, unsigned int);
int	 disc_complete(const struct disc_cand *);
unsigned int disc_nhops(const struct disc_cand *);
size_t	 disc_group(const struct disc_cand *, size_t, struct disc_path *,
	    size_t);
int	 disc_same(const struct disc_path *, const struct disc_path *);
size_t	 disc_via(const struct disc_path *, const uint32_t **);

#endif /* FABRIC_PROBE_DISC_H */
