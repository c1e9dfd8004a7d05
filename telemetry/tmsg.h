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
#define TMSG_T_BGP_STATE	3	/* placeholder: records are skipped */
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
#define TMSG_SEQ_RESTART	(1ULL << 24)	/* a jump this far: restarted */

/* Where a link's capacity came from. */
#define TMSG_CAP_NONE		0
#define TMSG_CAP_KERNEL		1	/* ethtool speed */
#define TMSG_CAP_CONFIG		2	/* --capacity */
#define TMSG_CAP_TBF		3	/* rate of the root tbf qdisc */

#define TMSG_OPER_DOWN		0
#define TMSG_OPER_UP		1

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

struct tmsg_addr {
	uint8_t		 af;		/* TMSG_AF_INET or TMSG_AF_INET6 */
	uint8_t		 addr[16];	/* 4 or 16 octets used */
};

struct tmsg_path {
	struct tmsg_addr src, dst;
	uint16_t	 src_port;	/* the UDP source port that pins it */
	uint16_t	 dst_port;
	uint32_t	 path_id;
	uint8_t		 state;		/* TMSG_PATH_OK or _FAILED */
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
	uint16_t	 nbgp;		/* bgp state: records seen */
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
struct tmsg_rx {
	struct tmsg_key		 key;
	struct tmsg_replay	*agents;
	size_t			 nagents;
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
enum tmsg_err	 tmsg_rx_decode(struct tmsg_rx *, const uint8_t *, size_t,
		    struct tmsg *);
const char	*tmsg_err_str(enum tmsg_err);
const char	*tmsg_type_str(uint8_t);

#endif /* FABRIC_TMSG_H */
