/*
 * The telemetry wire format: what fabric-agent publishes and what the
 * controller's ingest takes in.  See docs/TELEMETRY.md for the layout.
 *
 *   header  version n8, type n8, flags n16, length n32 (the whole
 *           message, MAC included), seq n64, time_ns n64,
 *           agent id: len n8 + bytes
 *   body    by type (link sample, link event, bgp state)
 *   trailer HMAC-SHA256 over every byte before it (32 octets)
 *
 * The writers and the parser work on struct ibuf only; the parser does no
 * I/O, so the agent, the ingest, the unit tests and the fuzzer share it.
 * tmsg_key_load() is the one function here that touches a file.
 */
#ifndef FABRIC_TMSG_H
#define FABRIC_TMSG_H

#include <stddef.h>
#include <stdint.h>

#include "ibuf.h"

#define TMSG_VERSION		1
#define TMSG_T_LINK_SAMPLE	1
#define TMSG_T_LINK_EVENT	2
#define TMSG_T_BGP_STATE	3	/* FRR's BGP sessions (tmsg_frr.c) */
#define TMSG_T_FIB_ROUTES	4	/* steered prefixes in the kernel FIB */
#define TMSG_T_PATH		5	/* fabric-probe: one path's health */

#define TMSG_MAC_LEN		32	/* HMAC-SHA256 */
#define TMSG_FIXED_HDR		24	/* up to the agent id length octet */
#define TMSG_MIN_SIZE		(TMSG_FIXED_HDR + 1 + TMSG_MAC_LEN)
#define TMSG_MAX_SIZE		65536	/* explicit bound on any message */
#define TMSG_AGENT_MAX		32	/* agent id octets */
#define TMSG_IFNAME_MAX		15	/* IFNAMSIZ - 1 */
#define TMSG_MAX_LINKS		256	/* links in one sample */
#define TMSG_LINK_REC_MIN	112	/* a link record with a 1-octet name */
#define TMSG_KEY_MIN		16
#define TMSG_KEY_MAX		256
#define TMSG_REPLAY_WINDOW	64	/* sequence numbers behind the newest */
#define TMSG_MAX_AGENTS		1024
#define TMSG_AGENT_SLOTS	(2 * TMSG_MAX_AGENTS)	/* a power of 2 */
#define TMSG_SEQ_RESTART	(1ULL << 24)	/* a jump this far: restarted */

/* Where a link's capacity came from. */
#define TMSG_CAP_NONE		0
#define TMSG_CAP_KERNEL		1	/* ethtool speed */
#define TMSG_CAP_CONFIG		2	/* --capacity */
#define TMSG_CAP_TBF		3	/* rate of the root tbf qdisc */

#define TMSG_OPER_DOWN		0
#define TMSG_OPER_UP		1

/* BGP state records (type 3): one per session, as FRR reports it. */
#define TMSG_PEER_MAX		63	/* peer name octets: address or ifname */
#define TMSG_MAX_BGP		128	/* sessions in one message */
#define TMSG_BGP_REC_MIN	15	/* a record with a 1-octet name */
#define TMSG_BGP_UNKNOWN	0
#define TMSG_BGP_IDLE		1	/* RFC 4271 8.2.2 */
#define TMSG_BGP_CONNECT	2
#define TMSG_BGP_ACTIVE		3
#define TMSG_BGP_OPENSENT	4
#define TMSG_BGP_OPENCONFIRM	5
#define TMSG_BGP_ESTABLISHED	6
#define TMSG_BGP_STATE_MAX	TMSG_BGP_ESTABLISHED

/* FIB route records (type 4): a prefix and its next-hops and weights. */
#define TMSG_MAX_ROUTES		16	/* routes in one message */
#define TMSG_MAX_NH		63	/* next-hops of one route */
#define TMSG_ROUTE_REC_MIN	8	/* an IPv4 prefix, no next-hop */
#define TMSG_ROUTE_MIRRORED	0x01	/* in the agent's resilient group */
#define TMSG_ROUTE_FLAGS	TMSG_ROUTE_MIRRORED

struct tmsg_bgp {
	char		 peer[TMSG_PEER_MAX + 1];
	uint8_t		 state;		/* TMSG_BGP_* */
	uint32_t	 remote_as;
	uint32_t	 uptime_s;	/* in this state; 0 if not up */
	uint32_t	 pfx_rcvd;
};

struct tmsg_nh {
	uint8_t		 family;	/* 0 (none), 4 or 6 */
	uint8_t		 gw[16];
	uint32_t	 ifindex;
	uint16_t	 weight;
};

struct tmsg_route {
	uint8_t		 family;	/* 4 or 6 */
	uint8_t		 len;
	uint8_t		 addr[16];
	uint8_t		 flags;		/* TMSG_ROUTE_* */
	uint8_t		 nnh;		/* 0: no route in the FIB */
	struct tmsg_nh	 nh[TMSG_MAX_NH];
};

struct tmsg_link {
	uint32_t	 ifindex;
	char		 name[TMSG_IFNAME_MAX + 1];
	uint8_t		 oper;
	uint8_t		 capsrc;
	uint64_t	 capacity_bps;
	uint64_t	 rx_bytes, tx_bytes;
	uint64_t	 rx_packets, tx_packets;
	uint64_t	 rx_drops, tx_drops;
	uint64_t	 rx_errors, tx_errors;
	uint64_t	 q_backlog;	/* bytes */
	uint64_t	 q_drops, q_overlimits, q_requeues;
};

struct tmsg_event {
	uint32_t	 ifindex;
	char		 name[TMSG_IFNAME_MAX + 1];
	uint8_t		 oper;
};

/* TMSG_T_PATH (fabric-probe, docs/PROBE.md has the layout). */
#define TMSG_PATH_MAX_HOPS	8
#define TMSG_AF_INET		4
#define TMSG_AF_INET6		6
#define TMSG_PATH_OK		0
#define TMSG_PATH_FAILED	1
#define TMSG_PATH_UNSEEN	2	/* failed, and no source port reaches
					   it now: not probed (docs/PROBE.md) */

struct tmsg_addr {
	uint8_t		 af;		/* TMSG_AF_INET or TMSG_AF_INET6 */
	uint8_t		 addr[16];	/* 4 or 16 octets used */
};

struct tmsg_path {
	struct tmsg_addr src, dst;
	uint16_t	 src_port;	/* the UDP source port that pins it */
	uint16_t	 dst_port;
	uint32_t	 path_id;
	uint8_t		 state;		/* TMSG_PATH_OK, _FAILED, _UNSEEN */
	uint8_t		 nhops;
	struct tmsg_addr hops[TMSG_PATH_MAX_HOPS];	/* the spine(s) */
	uint32_t	 rtt_min_us, rtt_median_us, rtt_p99_us;
	uint32_t	 window_ms;	/* what the RTT figures cover */
	uint64_t	 sent, received, lost, integrity;
	uint64_t	 throughput_bps;
	uint64_t	 state_changes;
};

struct tmsg {
	uint8_t		 version;
	uint8_t		 type;
	uint64_t	 seq;
	uint64_t	 time_ns;	/* agent's CLOCK_REALTIME */
	char		 agent[TMSG_AGENT_MAX + 1];
	uint16_t	 nlinks;	/* link sample */
	struct tmsg_link links[TMSG_MAX_LINKS];
	struct tmsg_event event;	/* link event */
	uint16_t	 nbgp;		/* bgp state */
	struct tmsg_bgp	 bgp[TMSG_MAX_BGP];
	uint16_t	 nroutes;	/* fib routes */
	struct tmsg_route routes[TMSG_MAX_ROUTES];
	struct tmsg_path path;		/* path report */
};

struct tmsg_key {
	uint8_t		 key[TMSG_KEY_MAX];
	size_t		 len;
};

/* Why a message was rejected; each has a counter in struct tmsg_rx. */
enum tmsg_err {
	TMSG_OK = 0,
	TMSG_E_TRUNCATED,
	TMSG_E_OVERSIZED,
	TMSG_E_BAD_VERSION,
	TMSG_E_UNSIGNED,	/* an all-zero MAC */
	TMSG_E_BAD_MAC,		/* forged, or signed with another key */
	TMSG_E_REPLAYED,
	TMSG_E_MALFORMED,
	TMSG_E_UNKNOWN_AGENT,	/* per-agent keys: none for this agent id */
	TMSG_E_MAX
};

struct tmsg_replay {
	char		 agent[TMSG_AGENT_MAX + 1];
	uint64_t	 top;		/* newest sequence number accepted */
	uint64_t	 bitmap;	/* bit i: top - i was seen */
	uint64_t	 missing;	/* numbers skipped and not (yet) seen */
	uint64_t	 restarts;	/* jumps of TMSG_SEQ_RESTART or more */
};

/* The receiver: its key, the replay windows and the counters. */
/* A key of its own for one agent id (tmsg_rx_agent_key). */
struct tmsg_agent_key {
	char			 agent[TMSG_AGENT_MAX + 1];
	struct tmsg_key		 key;
	struct evp_mac_ctx_st	*mac;
};

struct tmsg_rx {
	struct tmsg_key		 key;
	struct tmsg_agent_key	*keys;	/* nkeys > 0: only these, by agent */
	size_t			 nkeys;
	struct tmsg_replay	*agents;
	size_t			 nagents;
	uint16_t		 slots[TMSG_AGENT_SLOTS];	/* agent + 1 */
	struct evp_mac_ctx_st	*mac;	/* OpenSSL's EVP_MAC_CTX, keyed once;
					   NULL: HMAC() for each message */
	uint64_t		 accepted;
	uint64_t		 errors[TMSG_E_MAX];
};

/* tmsg.c */
int		 tmsg_key_set(struct tmsg_key *, const void *, size_t);
int		 tmsg_key_load(struct tmsg_key *, const char *);
int		 tmsg_write(struct ibuf *, const struct tmsg *,
		    const struct tmsg_key *);
enum tmsg_err	 tmsg_parse(const uint8_t *, size_t, const struct tmsg_key *,
		    struct tmsg *);
void		 tmsg_rx_init(struct tmsg_rx *, const struct tmsg_key *);
void		 tmsg_rx_free(struct tmsg_rx *);
int		 tmsg_rx_agent_key(struct tmsg_rx *, const char *,
		    const struct tmsg_key *);
enum tmsg_err	 tmsg_rx_decode(struct tmsg_rx *, const uint8_t *, size_t,
		    struct tmsg *);
const char	*tmsg_err_str(enum tmsg_err);
const char	*tmsg_type_str(uint8_t);
int		 tmsg_put_name(struct ibuf *, const char *, size_t max);
int		 tmsg_get_name(struct ibuf *, char *, size_t max);

/* tmsg_frr.c: the bodies of types 3 and 4 */
int		 tmsg_write_bgp_state(struct ibuf *, const struct tmsg *);
int		 tmsg_read_bgp_state(struct ibuf *, struct tmsg *);
int		 tmsg_write_fib_routes(struct ibuf *, const struct tmsg *);
int		 tmsg_read_fib_routes(struct ibuf *, struct tmsg *);
const char	*tmsg_bgp_state_str(uint8_t);
uint8_t		 tmsg_bgp_state_from_str(const char *);

#endif /* FABRIC_TMSG_H */
