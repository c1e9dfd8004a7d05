/*
 * fabric-probe: the daemon's shared state.  One process is a responder
 * (echoes probes on UDP 4791), a sender (discovers the paths to each
 * target and probes every one), or both; one poll() loop, one thread.
 *
 *   fabric_probe.c   options, the loop, the sender
 *   probe_tx.c       building and sending probes; --payload gpu batches
 *   probe_resp.c     the responder
 *   probe_discover.c discovery rounds (Paris traceroute) and re-mapping
 *   probe_out.c      JSON / text output and signed TMSG_T_PATH reports
 *   probe_vctl.c     --backend verbs: RC QPs per path, the control
 *                    protocol (probe_ctl.h), the responder's QPs
 */
#ifndef FABRIC_FABRIC_PROBE_H
#define FABRIC_FABRIC_PROBE_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#include "probe_ctl.h"
#include "probe_disc.h"
#include "probe_net.h"
#include "probe_path.h"
#include "probe_pkt.h"
#include "tmsg.h"

#define FP_MAX_TARGETS		64
#define FP_MAX_PATHS		32	/* per target */
#define FP_MAX_ALLOW		32
#define FP_SPORT_LOW		49152	/* candidates: the dynamic ports */
#define FP_SPORT_SPAN		16384
#define FP_DISC_PAYLOAD		16	/* discovery probes: quoted whole */
#define FP_GPU_BATCH		1024	/* --payload gpu: probes per batch */
#define FP_UNSEEN_RETRY_US	500000	/* re-map while a path is unseen */
#define FP_GONE_RETRY_MIN_US	1000000	/* while paths are gone: 1 s, */
#define FP_GONE_RETRY_MAX_US	30000000 /* doubling to 30 s */
/* discovery and re-trace probes: the sequence number carries the TTL */
#define FP_DISC_SEQ(round, ttl)	((uint64_t)(round) << 8 | (ttl))
#define FP_DISC_TTL(seq)	((unsigned int)((seq) & 0xff))
/* --backend verbs */
#define FP_VERBS_PEERS		1024	/* responder: RC QPs at most */
#define FP_VERBS_IDLE_US	10000000ULL /* responder: silent QP reaped */
#define FP_CTL_CONNS		16	/* responder: control connections */
#define FP_CTL_TIMEOUT_US	2000000ULL  /* one control exchange */
#define FP_V_BACKOFF_MIN_US	50000ULL    /* sender: reconnect backoff */
#define FP_V_BACKOFF_MAX_US	1000000ULL
#define FP_V_RING		1024	/* SRQ receives, sends in flight */

/* Why the responder or the sender refused a datagram. */
struct fp_rx_counters {
	struct probe_stats	 parse;		/* by probe_err */
	uint64_t		 spoofed;	/* see docs/PROBE.md */
	uint64_t		 not_reply;	/* sender: a probe, not a reply */
	uint64_t		 replies;	/* responder: echoes sent */
	uint64_t		 send_errors;
	uint64_t		 icmp;		/* ICMP errors on path sockets */
	uint64_t		 gpu_errors;	/* batches redone on the CPU
						   (verbs: not done at all) */
};

struct fp_target;
struct fp_rxq;
struct payload_gpu;
struct verbs_qp;
struct verbs_rc;

/* What a verbs completion's QP belongs to. */
#define FP_VCTX_PATH		1
#define FP_VCTX_PEER		2
struct fp_vctx {
	int			 kind;
	void			*owner;
};

/* --backend verbs, the sender's side of one path. */
#define FP_V_IDLE		0	/* no QP; connect at retry_us */
#define FP_V_CONNECTING		1	/* control connection under way */
#define FP_V_WAIT		2	/* request sent, reply awaited */
#define FP_V_UP			3	/* the QP is in RTS */
struct fp_vpath {
	struct fp_vctx		 ctx;
	struct verbs_qp		*qp;
	int			 state;
	int			 fd;		/* control connection */
	uint8_t			 buf[CTL_REP_LEN];
	size_t			 len;
	uint64_t		 retry_us, deadline_us, backoff_us;
	int			 answered;	/* since it came up */
	int			 tried;		/* a first attempt ended */
	uint64_t		 connects, qp_errors;
};

/* --backend verbs, the responder: one RC QP per sender path. */
struct fp_vpeer {
	struct fp_vctx		 ctx;
	struct verbs_qp		*qp;
	uint8_t			 gid[16];
	uint32_t		 fl;
	uint64_t		 last_us;
};

struct fp_vconn {
	int			 fd;		/* -1: free */
	uint32_t		 addr;
	uint8_t			 buf[CTL_REQ_LEN + 1];
	size_t			 len;
	uint64_t		 deadline_us;
};

struct fp_vstats {
	uint64_t		 ctl_accepted, ctl_ok, ctl_busy, ctl_timeouts;
	uint64_t		 ctl_not_allowed, ctl_errors;
	uint64_t		 ctl_malformed[CTL_E_MAX];
	uint64_t		 peers_replaced, peers_reaped;
	uint64_t		 connects, connect_failures, refused;
	uint64_t		 qp_errors, unsent;
};

struct fp_path {
	struct fp_target	*t;
	uint32_t		 id;		/* stable while the hops are */
	int			 fd;
	struct disc_path	 dp;		/* sport and hops */
	struct path		 st;
	uint64_t		 next_send_us;
	uint8_t			 state;		/* TMSG_PATH_*: what we said */
	/* the path's own port re-traced before a change is said (retrace.c) */
	struct disc_cand	 rt;
	int			 rt_active;
	enum disc_verdict	 rt_verdict;
	unsigned int		 rt_round;
	uint64_t		 rt_started_us, rt_end_us;
	uint64_t		 bad_since_us;	/* this run of bad outcomes */
	uint64_t		 change_us;	/* st changed, not yet said */
	uint64_t		 moves;		/* its port found on another path */
	int			 port_moved;	/* take the next port discovery
						   finds for these hops */
	int			 probation;	/* unseen, found again: testing */
	struct fp_vpath		 v;		/* --backend verbs */
	uint64_t		 last_bytes, last_us;
	uint64_t		 tput_bps;
};

struct fp_disc {
	int			 active;
	unsigned int		 round;
	uint64_t		 round_end_us;
	size_t			 ncands;
	struct disc_cand	 cands[DISC_MAX_CANDIDATES];
	int			 fds[DISC_MAX_CANDIDATES];
};

struct fp_target {
	struct sockaddr_in	 addr;
	char			 name[INET_ADDRSTRLEN];
	uint32_t		 src_addr;	/* ours, towards it */
	unsigned int		 index;
	struct fp_path		*paths[FP_MAX_PATHS];
	size_t			 npaths;
	unsigned int		 generation;	/* discoveries so far */
	uint64_t		 next_disc_us;
	size_t			 most_paths;	/* found at once, ever */
	uint64_t		 gone_wait_us;	/* re-discovery while fewer */
	struct fp_disc		 disc;
};

struct fp_conf {
	struct path_conf	 path;
	uint16_t		 port;		/* responder's and targets' */
	struct sockaddr_in	 bind;
	int			 respond;
	uint32_t		 allow_addr[FP_MAX_ALLOW];
	uint32_t		 allow_mask[FP_MAX_ALLOW];
	size_t			 nallow;
	uint32_t		 size;		/* payload octets */
	unsigned int		 candidates, max_ttl, disc_rounds;
	uint64_t		 disc_wait_us;
	uint64_t		 remap_us;	/* 0: on SIGHUP only */
	uint64_t		 retrace_us;	/* 0: before a change only */
	uint64_t		 report_us;
	uint64_t		 count;		/* probes per path; 0: forever */
	uint64_t		 duration_us;
	uint32_t		 max_inflight;
	int			 json;
	const char		*outfile;
	const char		*publish, *keyfile, *id;
	int			 verbose;
	const char		*backend;
	int			 verbs;		/* --backend verbs */
	const char		*device;
	int			 gid_index;	/* -1: from the address */
	uint16_t		 control_port;
	unsigned int		 test_paths;	/* skip discovery: N paths */
	int			 payload_gpu;	/* --payload gpu */
	uint64_t		 test_corrupt;	/* flip an octet of every Nth */
};

/* --payload gpu, the sender: probes due, sent in one batch (probe_tx.c). */
struct fp_txq {
	struct fp_path		*path[FP_GPU_BATCH];
	uint64_t		 seq[FP_GPU_BATCH];
	uint64_t		 csum[FP_GPU_BATCH];
	size_t			 n;
};

struct fp {
	struct fp_conf		 conf;
	FILE			*out;
	uint64_t		 seed;		/* session secret */
	uint32_t		 next_path_id;
	int			 resp_fd;
	struct fp_rx_counters	 resp;		/* the responder's */
	struct fp_rx_counters	 send;		/* the sender's */
	struct fp_target	 targets[FP_MAX_TARGETS];
	size_t			 ntargets;
	uint64_t		 start_us, next_report_us;
	uint64_t		 tx_count;	/* data probes sent (test_corrupt) */
	struct payload_gpu	*gpu;		/* --payload gpu */
	struct fp_txq		 txq;
	struct fp_rxq		*rxq;		/* the responder's batch */
	/* --backend verbs */
	struct verbs_rc		*rc;
	int			 ctl_fd;	/* responder: listening */
	struct fp_vconn		 vconns[FP_CTL_CONNS];
	struct fp_vpeer		*vpeers;	/* FP_VERBS_PEERS */
	size_t			 nvpeers;
	uint64_t		 next_reap_us;
	struct fp_vstats	 vst;
	/* telemetry */
	void			*zctx, *pub;
	struct tmsg_key		 key;
	struct tmsg		*msg;
	struct ibuf		*tbuf;
	uint64_t		 tseq, published, publish_errors;
	char			 id[TMSG_AGENT_MAX + 1];
};

/* fabric_probe.c */
uint64_t	 mono_us(void);

/* probe_tx.c */
int		 fp_build(struct fp *, struct ibuf *, const struct fp_path *,
		    uint8_t, uint64_t, uint32_t);
uint64_t	 fp_inflight(const struct fp_path *);
int		 fp_send_done(const struct fp *, const struct fp_path *);
int		 fp_can_send(const struct fp *, const struct fp_path *);
void		 tx_due(struct fp *, struct fp_path *, struct ibuf *,
		    uint64_t);
int		 tx_gpu_open(struct fp *);
void		 tx_gpu_queue(struct fp *, struct fp_path *, struct ibuf *,
		    uint64_t);
void		 tx_gpu_flush(struct fp *, struct ibuf *);

/* probe_resp.c */
int		 resp_open(struct fp *);
void		 resp_read(struct fp *);
void		 resp_close(struct fp *);
int		 resp_allowed(const struct fp_conf *, uint32_t);

/* probe_discover.c */
void		 disc_start(struct fp *, struct fp_target *, uint64_t);
void		 disc_tick(struct fp *, struct fp_target *, uint64_t);
void		 disc_read(struct fp *, struct fp_target *, size_t);
void		 disc_close(struct fp_target *);
unsigned int	 disc_icmp_ttl(struct fp *, const uint8_t *,
		    const struct net_icmp *, uint16_t);
void		 disc_probe(struct fp *, struct ibuf *, int,
		    const struct fp_path *, unsigned int, unsigned int);

/* probe_retrace.c */
void		 rt_start(struct fp *, struct fp_path *, uint64_t);
void		 rt_tick(struct fp *, struct fp_path *, uint64_t);
void		 rt_due(struct fp *, struct fp_path *, uint64_t);
int		 rt_icmp(struct fp *, struct fp_path *, const uint8_t *,
		    const struct net_icmp *);
void		 rt_reply(struct fp_path *, const struct probe_pkt *);
void		 rt_gate(struct fp *, struct fp_path *, uint64_t);

/* probe_verbs.c */
int		 verbs_check(char *, size_t);

/* probe_vctl.c */
int		 vb_open(struct fp *);
void		 vb_close(struct fp *);
void		 vb_read(struct fp *, uint64_t);
void		 vb_accept(struct fp *, uint64_t);
void		 vb_conn_read(struct fp *, struct fp_vconn *, uint64_t);
void		 vb_path_io(struct fp *, struct fp_path *, uint64_t);
void		 vb_tick(struct fp *, uint64_t);
uint64_t	 vb_next_wake(const struct fp *);
int		 vb_send(struct fp *, struct fp_path *, const void *, size_t);
int		 vb_send_gpu(struct fp *, struct fp_path *, const struct ibuf *,
		    const struct ibuf *, size_t);
int		 vb_hold(const struct fp_path *);
void		 vb_path_init(struct fp_path *, uint64_t);
void		 vb_path_free(struct fp *, struct fp_path *);

/* probe_out.c */
int		 out_open(struct fp *);
void		 out_close(struct fp *);
void		 out_discovered(struct fp *, const struct fp_target *,
		    size_t, size_t);
void		 out_path_gone(struct fp *, const struct fp_path *);
void		 out_state(struct fp *, struct fp_path *);
void		 out_report(struct fp *, uint64_t, int);
void		 out_publish_path(struct fp *, struct fp_path *);

#endif /* FABRIC_FABRIC_PROBE_H */
