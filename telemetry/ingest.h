/*
 * The controller side of telemetry: verify and decode what the agents
 * publish (tmsg.h), and keep per-link state: rates from successive
 * samples, their EWMA, congestion flags and freshness.  No I/O here: the
 * caller hands in each message and the time, so a test can drive it with
 * a fake clock.
 */
#ifndef FABRIC_INGEST_H
#define FABRIC_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "tmsg.h"

#define INGEST_MAX_LINKS	16384
#define INGEST_HASH_SLOTS	(2 * INGEST_MAX_LINKS)	/* a power of 2 */

struct ingest_conf {
	double		 alpha;		/* EWMA weight of the newest rate */
	uint64_t	 stale_ms;	/* no sample for this long: stale */
	uint64_t	 backlog_bytes;	/* congested at or above */
	double		 util_congested; /* congested at or above (0..1) */
};

struct ingest_link {
	char		 agent[TMSG_AGENT_MAX + 1];
	char		 name[TMSG_IFNAME_MAX + 1];
	uint32_t	 ifindex;
	uint8_t		 oper;
	uint8_t		 capsrc;
	uint64_t	 capacity_bps;
	struct tmsg_link last;		/* the newest sample's counters */
	uint64_t	 last_ns;	/* agent's time of that sample */
	uint64_t	 seen_ms;	/* our clock when it arrived */
	uint64_t	 event_ms;	/* our clock at the last link event */
	int		 have_rate;	/* two samples since any reset */
	double		 rx_bps, tx_bps;	/* over the last interval */
	double		 rx_pps, tx_pps;
	double		 q_drops_ps;
	double		 ewma_rx_bps, ewma_tx_bps;
	double		 util;		/* ewma tx / capacity, 0 if unknown */
	int		 congested;
	uint64_t	 samples;
	uint64_t	 resets;	/* counters went backwards */
};

#define INGEST_MAX_ROUTES	4096	/* FIB routes kept per agent */

/* What one agent last said of FRR: its sessions, its steered routes. */
struct ingest_frr {
	char		 agent[TMSG_AGENT_MAX + 1];
	struct tmsg_bgp	 bgp[TMSG_MAX_BGP];	/* the latest snapshot */
	uint16_t	 nbgp;
	uint64_t	 bgp_ms;		/* our clock; 0: none yet */
	struct tmsg_route *routes;		/* sorted by nothing: few */
	size_t		 nroutes, cap;
	uint64_t	 routes_ms;
	uint64_t	 dropped_routes;	/* table full */
};

struct ingest {
	struct ingest_conf	 conf;
	struct tmsg_rx		 rx;
	struct ingest_link	*links;
	size_t			 nlinks, cap;
	uint32_t		*slots;	/* link index + 1, 0 empty */
	uint64_t		 link_events;
	uint64_t		 dropped_links;	/* table full */
	struct ingest_frr	*frr;		/* per agent, ingest_frr.c */
	size_t			 nfrr, frrcap;
	uint64_t		 bgp_states, fib_routes;	/* messages */
};

/* ingest.c */
void			 ingest_conf_default(struct ingest_conf *);
int			 ingest_init(struct ingest *, const struct ingest_conf *,
			    const struct tmsg_key *);
void			 ingest_free(struct ingest *);
enum tmsg_err		 ingest_feed(struct ingest *, const uint8_t *, size_t,
			    uint64_t, struct tmsg *);
struct ingest_link	*ingest_find(struct ingest *, const char *,
			    const char *);
int			 ingest_is_stale(const struct ingest *,
			    const struct ingest_link *, uint64_t);

/* ingest_frr.c */
void			 ingest_frr_apply(struct ingest *, const struct tmsg *,
			    uint64_t);
void			 ingest_frr_free(struct ingest *);
const struct ingest_frr	*ingest_frr_find(const struct ingest *, const char *);
const struct tmsg_route	*ingest_frr_route(const struct ingest_frr *, uint8_t,
			    uint8_t, const uint8_t *);

#endif /* FABRIC_INGEST_H */
