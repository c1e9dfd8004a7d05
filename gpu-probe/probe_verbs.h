/*
 * fabric-probe's libibverbs transport (probe_verbs.c): one UD queue pair
 * that sends the same probe packets as the UDP back end (probe_pkt.h,
 * BTH and DETH included, so that one parser verifies both) and receives
 * them through a ring of posted receives.  Opaque, so that it compiles
 * without libibverbs: then verbs_open() fails, saying so.
 *
 *   verbs_open   device, port, GID, PD, one MR (ibv_reg_dmabuf_mr when
 *                conf->dmabuf_fd >= 0, else ibv_reg_mr on host memory),
 *                CQs, the QP taken RESET -> INIT -> RTR -> RTS, every
 *                receive posted; NULL and why in err on failure
 *   verbs_send   one probe to (GID, QPN); an address handle per GID,
 *                kept; 0, or -1 and why
 *   verbs_poll   reaps both CQs, parses and verifies what arrived (the
 *                UDP path's probe_parse()), reposts; the number of
 *                accepted probes copied to out (payload pointers valid
 *                until the next poll), or -1 and why (a completion error)
 */
#ifndef FABRIC_PROBE_VERBS_H
#define FABRIC_PROBE_VERBS_H

#include <stddef.h>
#include <stdint.h>

#include "probe_pkt.h"

#define VERBS_QKEY		0x46505242U	/* "FPRB", every probe QP */
#define VERBS_GRH_LEN		40	/* UD receives start with the GRH */
#define VERBS_RING_MAX		4096
#define VERBS_AH_MAX		64	/* destinations (GIDs) per endpoint */

struct verbs_conf {
	uint8_t		 port;		/* 1 */
	uint8_t		 gid_index;	/* RoCEv2 GID of the port */
	unsigned int	 ring;		/* receives posted; sends in flight */
	int		 dmabuf_fd;	/* -1: host memory, ibv_reg_mr */
	uint64_t	 dmabuf_offset;
	void		*buf;		/* with dmabuf_fd: its CPU mapping */
	size_t		 buf_len;	/* with dmabuf_fd: its length */
};

struct verbs_stats {
	uint64_t		 sent, received;
	uint64_t		 send_ring_full;	/* verbs_send refused */
	uint64_t		 recv_ring_empty;	/* UD may have dropped */
	uint64_t		 cq_errors;
	struct probe_stats	 parse;		/* PROBE_E_INTEGRITY included */
};

struct verbs_ep;

/* probe_verbs.c */
void		 verbs_conf_default(struct verbs_conf *);
size_t		 verbs_buf_len(const struct verbs_conf *);
struct verbs_ep	*verbs_open(const struct verbs_conf *, char *, size_t);
void		 verbs_close(struct verbs_ep *);
uint32_t	 verbs_qpn(const struct verbs_ep *);
void		 verbs_gid(const struct verbs_ep *, uint8_t [16]);
int		 verbs_send(struct verbs_ep *, const uint8_t [16], uint32_t,
		    struct probe_pkt *, char *, size_t);
int		 verbs_poll(struct verbs_ep *, struct probe_pkt *, size_t,
		    char *, size_t);
const struct verbs_stats *verbs_stats(const struct verbs_ep *);

/*
 * The RC transport (probe_rc.c), what --backend verbs drives: one endpoint
 * (device, port, GID, PD, one MR, a shared receive queue, one send CQ and
 * one receive CQ on a completion channel whose fd goes into poll()), and
 * one RC queue pair per path (sender) or per peer path (responder), its
 * GRH flow label chosen by the caller (probe_ctl.h: the label steers the
 * QP's UDP source port, hence its ECMP path).
 *
 *   verbs_rc_open    device (conf->device, or the first with an active
 *                    port), the GID (conf->gid_index, or the RoCEv2 GID
 *                    ::ffff:conf->addr, or the first RoCEv2 IPv4 one)
 *   verbs_qp_new     a QP in INIT, a random first PSN; ctx is the caller's
 *   verbs_qp_connect INIT -> RTR (peer's GID, QPN, PSN, flow label) -> RTS
 *                    (conf's ACK timeout, retry_cnt, rnr_retry)
 *   verbs_rc_send    one probe, as bytes, as a SEND on the QP
 *   verbs_rc_poll    completion events, then both CQs: a receive becomes
 *                    VERBS_EV_RECV (parsed by probe_parse(), payload valid
 *                    until the next poll); a failed send or receive
 *                    (RETRY_EXC_ERR and the like) puts the QP in error:
 *                    VERBS_EV_QP_ERROR, once per QP; flushed work after it
 *                    is not reported.  Returns the events, or -1.
 *
 * GPUDirect (--payload gpu; conf->dmabuf_fd >= 0): the payloads live in
 * GPU memory exported as a dma-buf (payload_gpu_dmabuf()), registered with
 * ibv_reg_dmabuf_mr() on the same PD; headers and trailers stay in host
 * memory.  Every probe then has gpu_len octets of payload.  The dma-buf
 * holds ring send slots, then ring receive slots, of gpu_len octets each,
 * back to back (as payload_gpu_fill_dmabuf() and _verify_dmabuf() take
 * them).
 *   verbs_qp_new_gpu   a QP whose receives come from a second SRQ whose
 *                      work requests scatter a probe in three: BTH and
 *                      probe header to host memory, the payload to a GPU
 *                      receive slot, the trailer to host memory.  Its
 *                      VERBS_EV_RECV is parsed by probe_parse_split():
 *                      the payload is NOT verified (pkt.payload NULL);
 *                      gpu 1 and gpu_off its slot's octet in the dma-buf,
 *                      valid until the next poll, for the caller to verify
 *                      in place.  Plain QPs keep host receives (replies,
 *                      which carry no payload).
 *   verbs_rc_gpu_room  up to n free send slots in a row: how many, and
 *                      the first's octet in the dma-buf, for the caller
 *                      to fill in place before sending from them
 *   verbs_rc_send_gpu  one probe gathered from three pieces: head (host),
 *                      the gpu_len octets at off (GPU), tail (host); the
 *                      slot is busy until the send completes
 */
#define VERBS_QP_SENDS		128	/* sends in flight per RC QP */
#define VERBS_GPU_HEAD		(PROBE_BTH_LEN + PROBE_HDR_LEN)	/* RC */

struct verbs_rc_conf {
	const char	*device;	/* NULL: the first with an active port */
	uint8_t		 port;		/* 1 */
	int		 gid_index;	/* -1: pick by addr */
	uint32_t	 addr;		/* IPv4, network order; 0: any */
	unsigned int	 ring;		/* SRQ receives, sends in flight */
	unsigned int	 max_qps;
	uint64_t	 timeout_us;	/* wanted RC ACK timeout */
	uint8_t		 retry_cnt, rnr_retry;
	/* GPUDirect: payloads in a dma-buf; dmabuf_fd -1: none */
	int		 dmabuf_fd;
	uint64_t	 dmabuf_offset;	/* into the dma-buf */
	uint64_t	 dmabuf_iova;	/* the device address it maps at */
	size_t		 dmabuf_len;	/* at least verbs_rc_gpu_len() */
	uint32_t	 gpu_len;	/* payload octets of every probe */
};

struct verbs_peer {
	uint8_t		 gid[16];
	uint32_t	 qpn, psn, flow_label;
};

#define VERBS_EV_RECV		1
#define VERBS_EV_QP_ERROR	2
#define VERBS_EV_UNVERIFIED	3	/* GPU receive, verify failed */

struct verbs_ev {
	int		 type;
	struct verbs_qp	*qp;
	void		*ctx;		/* the QP's, from verbs_qp_new() */
	enum probe_err	 err;		/* RECV: parse result */
	struct probe_pkt pkt;		/* RECV, unless malformed */
	size_t		 len;		/* RECV: octets */
	int		 status;	/* QP_ERROR: enum ibv_wc_status */
	const char	*why;		/* QP_ERROR: ibv_wc_status_str() */
	int		 gpu;		/* RECV: payload in GPU memory, not
					   yet verified (gdr_verify()), */
	size_t		 gpu_off;	/* at this octet of the dma-buf */
};

struct verbs_rc_stats {
	uint64_t	 sent, received, send_full, qp_errors;
	uint64_t	 qps_created, qps_destroyed;
	uint64_t	 unknown_qp;	/* a receive on a QP no longer ours */
	uint64_t	 gpu_sent, gpu_received;	/* GPUDirect */
};

struct verbs_rc;
struct verbs_qp;

/* probe_rc.c */
void		 verbs_rc_conf_default(struct verbs_rc_conf *);
size_t		 verbs_rc_gpu_len(const struct verbs_rc_conf *);
uint8_t		 verbs_ack_timeout(uint64_t);
struct verbs_rc	*verbs_rc_open(const struct verbs_rc_conf *, char *, size_t);
void		 verbs_rc_close(struct verbs_rc *);
int		 verbs_rc_fd(const struct verbs_rc *);
const char	*verbs_rc_device(const struct verbs_rc *);
int		 verbs_rc_gid_index(const struct verbs_rc *);
void		 verbs_rc_gid(const struct verbs_rc *, uint8_t [16]);
uint32_t	 verbs_rc_mtu(const struct verbs_rc *);
size_t		 verbs_rc_nqps(const struct verbs_rc *);
struct verbs_qp	*verbs_qp_new(struct verbs_rc *, void *, char *, size_t);
struct verbs_qp	*verbs_qp_new_gpu(struct verbs_rc *, void *, char *, size_t);
void		 verbs_qp_local(const struct verbs_rc *, const struct verbs_qp *,
		    struct verbs_peer *);
int		 verbs_qp_connect(struct verbs_rc *, struct verbs_qp *,
		    const struct verbs_peer *, char *, size_t);
uint32_t	 verbs_qp_flow_label(const struct verbs_qp *);
int		 verbs_qp_failed(const struct verbs_qp *);
void		 verbs_qp_free(struct verbs_rc *, struct verbs_qp *);
int		 verbs_rc_send(struct verbs_rc *, struct verbs_qp *,
		    const void *, size_t, char *, size_t);
int		 verbs_rc_poll(struct verbs_rc *, struct verbs_ev *, size_t,
		    char *, size_t);
size_t		 verbs_rc_gpu_room(struct verbs_rc *, size_t, size_t *);
int		 verbs_rc_send_gpu(struct verbs_rc *, struct verbs_qp *,
		    const void *, size_t, const void *, size_t, size_t, char *,
		    size_t);
const struct verbs_rc_stats *verbs_rc_stats(const struct verbs_rc *);

/*
 * probe_gdr.c: GPUDirect glue (CUDA; without it both fail, saying so)
 *   gdr_export   GPU memory for conf's payload slots exported as a
 *                dma-buf; conf's dmabuf_* filled for verbs_rc_open()
 *   gdr_fill     n payloads filled in place from octet off (a run of
 *                send slots from verbs_rc_gpu_room()); 0 or -1
 *   gdr_verify   the unverified GPU receives among the events, verified
 *                in place in runs of consecutive slots; the calls made,
 *                or -1 (those receives become VERBS_EV_UNVERIFIED)
 */
struct payload_gpu;

int		 gdr_export(struct payload_gpu *, struct verbs_rc_conf *,
		    char *, size_t);
int		 gdr_fill(struct payload_gpu *, size_t, size_t, size_t, uint64_t,
		    const uint64_t *, uint64_t *);
int		 gdr_verify(struct payload_gpu *, uint32_t, struct verbs_ev *,
		    size_t);

#endif /* FABRIC_PROBE_VERBS_H */
