/*
 * fabric-probe's RC transport (probe_verbs.h has the interface; docs/
 * PROBE.md, "The verbs back end", the design).  One shared receive queue
 * feeds every RC queue pair; one send CQ and one receive CQ report on one
 * completion channel, whose fd the daemon polls.
 *
 * RC retransmits what it loses, which would hide the loss we measure, so
 * the QPs are brought up with retry_cnt 0 (one lost packet or a PSN
 * sequence NAK: the QP goes to error, RETRY_EXC_ERR), an ACK timeout near
 * the probe timeout, and rnr_retry 1 (receiver not ready is our own SRQ
 * running dry, not the path: one retry after the minimum RNR timer).  A QP
 * in error is reported once; the caller counts its probes lost through
 * the path state machine (they are never answered) and reconnects.
 *
 * Tested against tests/unit/mock_verbs.c (a MOCK: no RDMA NIC exists on
 * any machine this project runs on) and by hand on soft-RoCE (rdma_rxe)
 * in a VM (docs/PROBE.md).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#ifdef HAVE_IBVERBS
#include <infiniband/verbs.h>
#endif

#include "ibuf.h"
#include "probe_verbs.h"

#define RC_SLOT		(PROBE_PKT_MAX + 5)		/* 8-aligned */
#define RC_HASH		2048				/* QPN buckets */
#define RC_GEN_SHIFT	32
/* GPUDirect receives: host parts (header, then trailer at RC_GTAIL_AT) */
#define RC_GTAIL_AT	56				/* 8-aligned */
#define RC_GTAIL	16				/* >= trailer */
#define RC_GSLOT	(RC_GTAIL_AT + RC_GTAIL)
#define RC_GPU_RECV	0x80000000U			/* in wr_id */

void
verbs_rc_conf_default(struct verbs_rc_conf *c)
{
	*c = (struct verbs_rc_conf){ .port = 1, .gid_index = -1,
	    .ring = 1024, .max_qps = 1024, .timeout_us = 50000,
	    .retry_cnt = 0, .rnr_retry = 1, .dmabuf_fd = -1 };
}

/* GPUDirect: the octets of GPU memory the dma-buf must have. */
size_t
verbs_rc_gpu_len(const struct verbs_rc_conf *c)
{
	return 2 * (size_t)c->ring * c->gpu_len;
}

/*
 * The IB ACK timeout exponent t (4.096 us x 2^t) nearest below us, 1 to
 * 31: the QP gives up no later than the probe is declared lost, so that
 * it is reconnecting by then.
 */
uint8_t
verbs_ack_timeout(uint64_t us)
{
	uint8_t		 t = 1;

	while (t < 31 && (4096ULL << (t + 1)) <= us * 1000)
		t++;
	return t;
}

#ifdef HAVE_IBVERBS
struct verbs_qp {
	struct ibv_qp		*qp;
	void			*ctx;
	struct verbs_qp		*next;		/* hash chain */
	uint32_t		 psn, flow_label;
	unsigned int		 sends;		/* in flight */
	int			 failed, reported;
};

struct verbs_rc {
	struct verbs_rc_conf	 conf;
	struct ibv_context	*ctx;
	char			 name[64];
	int			 gid_index;
	union ibv_gid		 gid;
	uint32_t		 mtu;
	enum ibv_mtu		 path_mtu;
	struct ibv_pd		*pd;
	struct ibv_mr		*mr;
	uint8_t			*buf;		/* send slots, then receive,
						   then GPU receives' host
						   parts */
	size_t			 buf_len;
	/* GPUDirect: payload slots in GPU memory (dma-buf) */
	struct ibv_mr		*gmr;
	struct ibv_srq		*gsrq;
	uint8_t			*gbusy;		/* send slot in use */
	int32_t			*gslot;		/* send slot i's, or -1 */
	unsigned int		 gnext;
	struct ibv_comp_channel	*ch;
	struct ibv_cq		*scq, *rcq;
	struct ibv_srq		*srq;
	struct verbs_qp		*hash[RC_HASH];
	size_t			 nqps;
	/* send slots: a free stack; each use has a generation */
	struct verbs_qp		**owner;
	uint32_t		*gen;
	unsigned int		*free;
	unsigned int		 nfree;
	uint32_t		*taken;		/* receives to repost (wr_id) */
	unsigned int		 ntaken;
	struct verbs_rc_stats	 st;
};

static uint8_t *
rc_send_slot(struct verbs_rc *rc, unsigned int i)
{
	return rc->buf + (size_t)i * RC_SLOT;
}

static uint8_t *
rc_recv_slot(struct verbs_rc *rc, unsigned int i)
{
	return rc->buf + ((size_t)rc->conf.ring + i) * RC_SLOT;
}

static int
rc_post_recv(struct verbs_rc *rc, unsigned int i)
{
	struct ibv_sge		 sge = { .addr = (uintptr_t)rc_recv_slot(rc, i),
				    .length = RC_SLOT, .lkey = rc->mr->lkey };
	struct ibv_recv_wr	 wr = { .wr_id = i, .sg_list = &sge,
				    .num_sge = 1 }, *bad;

	return ibv_post_srq_recv(rc->srq, &wr, &bad) == 0 ? 0 : -1;
}

/* GPU receive j's header and trailer, in host memory. */
static uint8_t *
rc_grecv_host(struct verbs_rc *rc, unsigned int j)
{
	return rc->buf + 2 * (size_t)rc->conf.ring * RC_SLOT +
	    (size_t)j * RC_GSLOT;
}

/* Octet of the dma-buf where GPU payload slot g starts (sends, then
   receives). */
static size_t
rc_gpu_off(const struct verbs_rc *rc, size_t g)
{
	return g * rc->conf.gpu_len;
}

/* Header to host, payload to GPU slot ring + j, trailer to host. */
static int
rc_post_grecv(struct verbs_rc *rc, unsigned int j)
{
	uint8_t			*h = rc_grecv_host(rc, j);
	struct ibv_sge		 sge[3] = {
		{ .addr = (uintptr_t)h, .length = VERBS_GPU_HEAD,
		    .lkey = rc->mr->lkey },
		{ .addr = rc->conf.dmabuf_iova + rc_gpu_off(rc,
		    rc->conf.ring + j), .length = rc->conf.gpu_len,
		    .lkey = rc->gmr->lkey },
		{ .addr = (uintptr_t)(h + RC_GTAIL_AT), .length = RC_GTAIL,
		    .lkey = rc->mr->lkey } };
	struct ibv_recv_wr	 wr = { .wr_id = RC_GPU_RECV | j,
				    .sg_list = sge, .num_sge = 3 }, *bad;

	return ibv_post_srq_recv(rc->gsrq, &wr, &bad) == 0 ? 0 : -1;
}

/* A receive by its wr_id, to whichever SRQ it came from. */
static int
rc_repost(struct verbs_rc *rc, uint32_t id)
{
	if (id & RC_GPU_RECV)
		return rc_post_grecv(rc, id & ~RC_GPU_RECV);
	return rc_post_recv(rc, id);
}

/* The device: by name, or the first whose port is active. */
static int
rc_open_dev(struct verbs_rc *rc, char *err, size_t len)
{
	struct ibv_device	**list;
	struct ibv_context	 *c;
	struct ibv_port_attr	  pa;
	int			  n = 0, i;

	if ((list = ibv_get_device_list(&n)) == NULL || n == 0) {
		snprintf(err, len, "no RDMA device; use --backend udp");
		if (list != NULL)
			ibv_free_device_list(list);
		return -1;
	}
	for (i = 0; i < n && rc->ctx == NULL; i++) {
		if (rc->conf.device != NULL && strcmp(rc->conf.device,
		    ibv_get_device_name(list[i])) != 0)
			continue;
		if ((c = ibv_open_device(list[i])) == NULL)
			continue;
		if (ibv_query_port(c, rc->conf.port, &pa) == 0 &&
		    (pa.state == IBV_PORT_ACTIVE || rc->conf.device != NULL)) {
			rc->ctx = c;
			rc->mtu = 128U << pa.active_mtu;
			rc->path_mtu = pa.active_mtu;
			snprintf(rc->name, sizeof(rc->name), "%s",
			    ibv_get_device_name(list[i]));
		} else
			ibv_close_device(c);
	}
	ibv_free_device_list(list);
	if (rc->ctx == NULL) {
		if (rc->conf.device != NULL)
			snprintf(err, len, "--device '%s': no such RDMA device "
			    "(or it cannot be opened)", rc->conf.device);
		else
			snprintf(err, len, "no RDMA device with an active port "
			    "%u; use --backend udp", rc->conf.port);
		return -1;
	}
	return 0;
}

/* An IPv4-mapped GID (::ffff:a.b.c.d), and its address. */
static int
rc_gid_v4(const union ibv_gid *g, uint32_t *addr)
{
	static const uint8_t	 pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };

	if (memcmp(g->raw, pfx, sizeof(pfx)) != 0)
		return 0;
	memcpy(addr, g->raw + 12, 4);
	return 1;
}

/* --gid-index, or the RoCEv2 GID of conf.addr (any IPv4 one if 0). */
static int
rc_pick_gid(struct verbs_rc *rc, char *err, size_t len)
{
	struct ibv_port_attr	 pa;
	struct ibv_gid_entry	 e;
	uint32_t		 a;
	int			 i;

	if (ibv_query_port(rc->ctx, rc->conf.port, &pa) != 0) {
		snprintf(err, len, "port %u of %s: %s", rc->conf.port,
		    rc->name, strerror(errno));
		return -1;
	}
	if (rc->conf.gid_index >= 0) {
		if (rc->conf.gid_index >= pa.gid_tbl_len ||
		    ibv_query_gid(rc->ctx, rc->conf.port, rc->conf.gid_index,
		    &rc->gid) != 0) {
			snprintf(err, len, "--gid-index %d: no such GID on %s "
			    "port %u", rc->conf.gid_index, rc->name,
			    rc->conf.port);
			return -1;
		}
		rc->gid_index = rc->conf.gid_index;
		return 0;
	}
	for (i = 0; i < pa.gid_tbl_len; i++) {
		if (ibv_query_gid_ex(rc->ctx, rc->conf.port, (uint32_t)i, &e,
		    0) != 0 || e.gid_type != IBV_GID_TYPE_ROCE_V2 ||
		    !rc_gid_v4(&e.gid, &a) ||
		    (rc->conf.addr != 0 && a != rc->conf.addr))
			continue;
		rc->gid = e.gid;
		rc->gid_index = i;
		return 0;
	}
	snprintf(err, len, "%s port %u has no RoCEv2 IPv4 GID%s; give "
	    "--gid-index", rc->name, rc->conf.port, rc->conf.addr != 0 ?
	    " for the source address" : "");
	return -1;
}

static int
rc_alloc(struct verbs_rc *rc, char *err, size_t len)
{
	unsigned int	 n = rc->conf.ring, i;
	int		 gpu = rc->conf.dmabuf_fd >= 0;

	rc->buf_len = 2 * (size_t)n * RC_SLOT + (gpu ? n * RC_GSLOT : 0);
	if ((rc->buf = calloc(1, rc->buf_len)) == NULL ||
	    (rc->owner = calloc(n, sizeof(*rc->owner))) == NULL ||
	    (rc->gen = calloc(n, sizeof(*rc->gen))) == NULL ||
	    (rc->free = calloc(n, sizeof(*rc->free))) == NULL ||
	    (rc->taken = calloc(2 * (size_t)n, sizeof(*rc->taken))) == NULL ||
	    (rc->gbusy = calloc(n, sizeof(*rc->gbusy))) == NULL ||
	    (rc->gslot = calloc(n, sizeof(*rc->gslot))) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		rc->free[rc->nfree++] = n - 1 - i;
		rc->gslot[i] = -1;
	}
	return 0;
}

/*
 * GPUDirect: the dma-buf registered on our PD (local write: receives
 * land in it), and the SRQ whose receives scatter into it.  Said
 * plainly when the NIC or its driver refuses: there is no fallback.
 */
static int
rc_open_gpu(struct verbs_rc *rc, char *err, size_t len)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = rc->conf.ring,
				    .max_sge = 3 } };
	const struct verbs_rc_conf *c = &rc->conf;
	unsigned int		 j;

	if ((rc->gmr = ibv_reg_dmabuf_mr(rc->pd, c->dmabuf_offset,
	    c->dmabuf_len, c->dmabuf_iova, c->dmabuf_fd,
	    IBV_ACCESS_LOCAL_WRITE)) == NULL) {
		snprintf(err, len, "%s cannot register GPU memory: "
		    "ibv_reg_dmabuf_mr (dma-buf fd %d, %zu octets): %s",
		    rc->name, c->dmabuf_fd, c->dmabuf_len, strerror(errno));
		return -1;
	}
	if ((rc->gsrq = ibv_create_srq(rc->pd, &sa)) == NULL) {
		snprintf(err, len, "%s: a shared receive queue of 3 scatter "
		    "entries (GPU payloads): %s", rc->name, strerror(errno));
		return -1;
	}
	for (j = 0; j < c->ring; j++)
		if (rc_post_grecv(rc, j) == -1) {
			snprintf(err, len, "%s: posting GPU receive %u",
			    rc->name, j);
			return -1;
		}
	return 0;
}

static int
rc_open_queues(struct verbs_rc *rc, char *err, size_t len)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = rc->conf.ring,
				    .max_sge = 1 } };
	int			 cqe = (int)(rc->conf.ring * 2);
	unsigned int		 i;

	if ((rc->pd = ibv_alloc_pd(rc->ctx)) == NULL ||
	    (rc->mr = ibv_reg_mr(rc->pd, rc->buf, rc->buf_len,
	    IBV_ACCESS_LOCAL_WRITE)) == NULL ||
	    (rc->ch = ibv_create_comp_channel(rc->ctx)) == NULL ||
	    (rc->scq = ibv_create_cq(rc->ctx, cqe, NULL, rc->ch, 0)) == NULL ||
	    (rc->rcq = ibv_create_cq(rc->ctx, cqe, NULL, rc->ch, 0)) == NULL ||
	    (rc->srq = ibv_create_srq(rc->pd, &sa)) == NULL) {
		snprintf(err, len, "%s: PD, MR, CQs or SRQ: %s", rc->name,
		    strerror(errno));
		return -1;
	}
	if (fcntl(rc->ch->fd, F_SETFL, fcntl(rc->ch->fd, F_GETFL) |
	    O_NONBLOCK) == -1 || ibv_req_notify_cq(rc->scq, 0) != 0 ||
	    ibv_req_notify_cq(rc->rcq, 0) != 0) {
		snprintf(err, len, "%s: completion channel: %s", rc->name,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < rc->conf.ring; i++)
		if (rc_post_recv(rc, i) == -1) {
			snprintf(err, len, "%s: posting receive %u", rc->name,
			    i);
			return -1;
		}
	if (rc->conf.dmabuf_fd >= 0)
		return rc_open_gpu(rc, err, len);
	return 0;
}

static int
rc_check_gpu(const struct verbs_rc_conf *c, char *err, size_t len)
{
	if (c->dmabuf_fd < 0)
		return 0;
	if (c->gpu_len == 0 || c->gpu_len > PROBE_PAYLOAD_MAX) {
		snprintf(err, len, "GPU payloads of %u octets: want 1 to %u",
		    c->gpu_len, PROBE_PAYLOAD_MAX);
		return -1;
	}
	if (c->dmabuf_len < verbs_rc_gpu_len(c)) {
		snprintf(err, len, "a dma-buf of %zu octets: %zu needed",
		    c->dmabuf_len, verbs_rc_gpu_len(c));
		return -1;
	}
	return 0;
}

struct verbs_rc *
verbs_rc_open(const struct verbs_rc_conf *conf, char *err, size_t len)
{
	struct verbs_rc	*rc;

	if (conf->ring == 0 || conf->ring > VERBS_RING_MAX ||
	    conf->max_qps == 0) {
		snprintf(err, len, "ring of %u: want 1 to %u", conf->ring,
		    VERBS_RING_MAX);
		return NULL;
	}
	if (rc_check_gpu(conf, err, len) == -1)
		return NULL;
	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return NULL;
	}
	rc->conf = *conf;
	if (rc_open_dev(rc, err, len) == -1 ||
	    rc_pick_gid(rc, err, len) == -1 ||
	    rc_alloc(rc, err, len) == -1 ||
	    rc_open_queues(rc, err, len) == -1) {
		verbs_rc_close(rc);
		return NULL;
	}
	return rc;
}

void
verbs_rc_close(struct verbs_rc *rc)
{
	size_t	 i;

	if (rc == NULL)
		return;
	for (i = 0; i < RC_HASH; i++)
		while (rc->hash[i] != NULL)
			verbs_qp_free(rc, rc->hash[i]);
	if (rc->srq != NULL)
		ibv_destroy_srq(rc->srq);
	if (rc->gsrq != NULL)
		ibv_destroy_srq(rc->gsrq);
	if (rc->scq != NULL)
		ibv_destroy_cq(rc->scq);
	if (rc->rcq != NULL)
		ibv_destroy_cq(rc->rcq);
	if (rc->ch != NULL)
		ibv_destroy_comp_channel(rc->ch);
	if (rc->mr != NULL)
		ibv_dereg_mr(rc->mr);
	if (rc->gmr != NULL)
		ibv_dereg_mr(rc->gmr);
	if (rc->pd != NULL)
		ibv_dealloc_pd(rc->pd);
	if (rc->ctx != NULL)
		ibv_close_device(rc->ctx);
	free(rc->buf);
	free(rc->owner);
	free(rc->gen);
	free(rc->free);
	free(rc->taken);
	free(rc->gbusy);
	free(rc->gslot);
	free(rc);
}

int
verbs_rc_fd(const struct verbs_rc *rc)
{
	return rc->ch->fd;
}

const char *
verbs_rc_device(const struct verbs_rc *rc)
{
	return rc->name;
}

int
verbs_rc_gid_index(const struct verbs_rc *rc)
{
	return rc->gid_index;
}

void
verbs_rc_gid(const struct verbs_rc *rc, uint8_t gid[16])
{
	memcpy(gid, rc->gid.raw, 16);
}

uint32_t
verbs_rc_mtu(const struct verbs_rc *rc)
{
	return rc->mtu;
}

size_t
verbs_rc_nqps(const struct verbs_rc *rc)
{
	return rc->nqps;
}

const struct verbs_rc_stats *
verbs_rc_stats(const struct verbs_rc *rc)
{
	return &rc->st;
}

/* ---- queue pairs ---- */

static struct verbs_qp **
rc_bucket(struct verbs_rc *rc, uint32_t qpn)
{
	return &rc->hash[(qpn ^ (qpn >> 11)) & (RC_HASH - 1)];
}

static struct verbs_qp *
rc_find(struct verbs_rc *rc, uint32_t qpn)
{
	struct verbs_qp	*q;

	for (q = *rc_bucket(rc, qpn); q != NULL; q = q->next)
		if (q->qp->qp_num == qpn)
			return q;
	return NULL;
}

/* RESET -> INIT: the port, no remote access (SENDs only). */
static int
rc_qp_init(struct verbs_rc *rc, struct verbs_qp *q, char *err, size_t len)
{
	struct ibv_qp_attr	 a = { .qp_state = IBV_QPS_INIT,
				    .pkey_index = 0,
				    .port_num = rc->conf.port,
				    .qp_access_flags = 0 };

	if ((errno = ibv_modify_qp(q->qp, &a, IBV_QP_STATE |
	    IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS)) != 0) {
		snprintf(err, len, "RC queue pair to INIT: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static struct verbs_qp *
rc_qp_new(struct verbs_rc *rc, void *ctx, struct ibv_srq *srq, char *err,
    size_t len)
{
	struct ibv_qp_init_attr	 ia = { .qp_type = IBV_QPT_RC,
				    .send_cq = rc->scq, .recv_cq = rc->rcq,
				    .srq = srq,
				    .cap = { .max_send_wr = VERBS_QP_SENDS,
				    .max_send_sge = rc->gmr != NULL ? 3 : 1 } };
	struct verbs_qp		*q, **b;
	uint32_t		 r = 0;

	if (rc->nqps >= rc->conf.max_qps) {
		snprintf(err, len, "at the limit of %u queue pairs",
		    rc->conf.max_qps);
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return NULL;
	}
	if ((q->qp = ibv_create_qp(rc->pd, &ia)) == NULL) {
		snprintf(err, len, "RC queue pair: %s", strerror(errno));
		free(q);
		return NULL;
	}
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = q->qp->qp_num * 2654435761U;
	q->psn = r & 0xffffff;
	q->ctx = ctx;
	b = rc_bucket(rc, q->qp->qp_num);
	q->next = *b;
	*b = q;
	rc->nqps++;
	rc->st.qps_created++;
	if (rc_qp_init(rc, q, err, len) == -1) {
		verbs_qp_free(rc, q);
		return NULL;
	}
	return q;
}

struct verbs_qp *
verbs_qp_new(struct verbs_rc *rc, void *ctx, char *err, size_t len)
{
	return rc_qp_new(rc, ctx, rc->srq, err, len);
}

/* Its receives put payloads in GPU memory (GPUDirect). */
struct verbs_qp *
verbs_qp_new_gpu(struct verbs_rc *rc, void *ctx, char *err, size_t len)
{
	if (rc->gsrq == NULL) {
		snprintf(err, len, "no GPU memory registered");
		return NULL;
	}
	return rc_qp_new(rc, ctx, rc->gsrq, err, len);
}

void
verbs_qp_local(const struct verbs_rc *rc, const struct verbs_qp *q,
    struct verbs_peer *me)
{
	*me = (struct verbs_peer){ .qpn = q->qp->qp_num, .psn = q->psn,
	    .flow_label = q->flow_label };
	memcpy(me->gid, rc->gid.raw, 16);
}

uint32_t
verbs_qp_flow_label(const struct verbs_qp *q)
{
	return q->flow_label;
}

int
verbs_qp_failed(const struct verbs_qp *q)
{
	return q->failed;
}

/* INIT -> RTR towards the peer, with the path's flow label in the GRH. */
static int
rc_qp_rtr(struct verbs_rc *rc, struct verbs_qp *q, const struct verbs_peer *p,
    char *err, size_t len)
{
	struct ibv_qp_attr	 a = { .qp_state = IBV_QPS_RTR,
				    .path_mtu = rc->path_mtu,
				    .dest_qp_num = p->qpn, .rq_psn = p->psn,
				    .max_dest_rd_atomic = 1,
				    .min_rnr_timer = 1,
				    .ah_attr = { .is_global = 1,
				    .port_num = rc->conf.port,
				    .grh = { .flow_label = p->flow_label,
				    .sgid_index = (uint8_t)rc->gid_index,
				    .hop_limit = 64 } } };

	memcpy(a.ah_attr.grh.dgid.raw, p->gid, 16);
	if ((errno = ibv_modify_qp(q->qp, &a, IBV_QP_STATE | IBV_QP_AV |
	    IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
	    IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER)) != 0) {
		snprintf(err, len, "RC queue pair to RTR: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
verbs_qp_connect(struct verbs_rc *rc, struct verbs_qp *q,
    const struct verbs_peer *p, char *err, size_t len)
{
	struct ibv_qp_attr	 a = { .qp_state = IBV_QPS_RTS,
				    .timeout = verbs_ack_timeout(
				    rc->conf.timeout_us),
				    .retry_cnt = rc->conf.retry_cnt,
				    .rnr_retry = rc->conf.rnr_retry,
				    .sq_psn = q->psn, .max_rd_atomic = 1 };

	if (p->flow_label == 0 || p->flow_label > 0xfffff) {
		snprintf(err, len, "flow label %u: want 1 to 0xfffff",
		    p->flow_label);
		return -1;
	}
	if (rc_qp_rtr(rc, q, p, err, len) == -1)
		return -1;
	if ((errno = ibv_modify_qp(q->qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
	    IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
	    IBV_QP_MAX_QP_RD_ATOMIC)) != 0) {
		snprintf(err, len, "RC queue pair to RTS: %s", strerror(errno));
		return -1;
	}
	q->flow_label = p->flow_label;
	return 0;
}

/* Send slot i back to the stack (and its GPU payload slot). */
static void
rc_slot_release(struct verbs_rc *rc, unsigned int i)
{
	rc->owner[i] = NULL;
	rc->gen[i]++;
	rc->free[rc->nfree++] = i;
	if (rc->gslot[i] >= 0) {
		rc->gbusy[rc->gslot[i]] = 0;
		rc->gslot[i] = -1;
	}
}

/* Its sends' slots go back to the stack; late completions are ignored. */
void
verbs_qp_free(struct verbs_rc *rc, struct verbs_qp *q)
{
	struct verbs_qp	**pp;
	unsigned int	  i;

	for (pp = rc_bucket(rc, q->qp->qp_num); *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	for (i = 0; i < rc->conf.ring; i++)
		if (rc->owner[i] == q)
			rc_slot_release(rc, i);
	ibv_destroy_qp(q->qp);
	rc->nqps--;
	rc->st.qps_destroyed++;
	free(q);
}

/* A send slot for n octets on q, or -1 and why. */
static int
rc_slot_take(struct verbs_rc *rc, struct verbs_qp *q, size_t n, char *err,
    size_t len)
{
	if (q->failed) {
		snprintf(err, len, "queue pair in error");
		return -1;
	}
	if (n > rc->mtu) {
		snprintf(err, len, "a probe of %zu octets exceeds the port's "
		    "MTU of %u (one probe, one packet)", n, rc->mtu);
		return -1;
	}
	if (rc->nfree == 0 || q->sends == VERBS_QP_SENDS) {
		rc->st.send_full++;
		snprintf(err, len, "send queue full");
		return -1;
	}
	return (int)rc->free[--rc->nfree];
}

/* Posts slot i's SEND (gathered from sge); g its GPU slot, or -1. */
static int
rc_slot_post(struct verbs_rc *rc, struct verbs_qp *q, unsigned int i,
    struct ibv_sge *sge, int nsge, int32_t g, char *err, size_t len)
{
	struct ibv_send_wr	 wr = { .sg_list = sge, .num_sge = nsge,
				    .opcode = IBV_WR_SEND,
				    .send_flags = IBV_SEND_SIGNALED }, *bad;

	wr.wr_id = (uint64_t)rc->gen[i] << RC_GEN_SHIFT | i;
	if ((errno = ibv_post_send(q->qp, &wr, &bad)) != 0) {
		rc->free[rc->nfree++] = i;
		snprintf(err, len, "ibv_post_send: %s", strerror(errno));
		return -1;
	}
	rc->owner[i] = q;
	rc->gslot[i] = g;
	if (g >= 0)
		rc->gbusy[g] = 1;
	q->sends++;
	rc->st.sent++;
	return 0;
}

int
verbs_rc_send(struct verbs_rc *rc, struct verbs_qp *q, const void *pkt,
    size_t n, char *err, size_t len)
{
	struct ibv_sge	 sge = { .lkey = rc->mr->lkey, .length = (uint32_t)n };
	int		 i;

	if (n > RC_SLOT) {
		snprintf(err, len, "a probe of %zu octets exceeds the port's "
		    "MTU of %u (one probe, one packet)", n, rc->mtu);
		return -1;
	}
	if ((i = rc_slot_take(rc, q, n, err, len)) == -1)
		return -1;
	memcpy(rc_send_slot(rc, (unsigned int)i), pkt, n);
	sge.addr = (uintptr_t)rc_send_slot(rc, (unsigned int)i);
	return rc_slot_post(rc, q, (unsigned int)i, &sge, 1, -1, err, len);
}

/* Free GPU send slots from g on, in a row, at most n. */
static size_t
rc_gpu_run(const struct verbs_rc *rc, unsigned int g, size_t n)
{
	size_t	 k = 0;

	while (k < n && g + k < rc->conf.ring && !rc->gbusy[g + k])
		k++;
	return k;
}

/*
 * Up to n free GPU send slots in a row: from where the last send left
 * off, or from the first slot if that run is longer.  Their first octet
 * in the dma-buf to *off; how many, 0 if none is free.
 */
size_t
verbs_rc_gpu_room(struct verbs_rc *rc, size_t n, size_t *off)
{
	size_t	 a, b;

	if (rc->gmr == NULL)
		return 0;
	a = rc_gpu_run(rc, rc->gnext, n);
	b = a == n || rc->gnext == 0 ? 0 : rc_gpu_run(rc, 0, n);
	*off = rc_gpu_off(rc, b > a ? 0 : rc->gnext);
	return b > a ? b : a;
}

/*
 * One probe gathered from head (host), the gpu_len octets of payload at
 * octet off of the dma-buf (a free send slot from verbs_rc_gpu_room(),
 * filled in place), and tail (host); as verbs_rc_send() otherwise.
 */
int
verbs_rc_send_gpu(struct verbs_rc *rc, struct verbs_qp *q, const void *head,
    size_t hlen, const void *tail, size_t tlen, size_t off, char *err,
    size_t len)
{
	struct ibv_sge	 sge[3];
	size_t		 g;
	uint8_t		*slot;
	int		 i;

	if (rc->gmr == NULL || off % rc->conf.gpu_len != 0 ||
	    (g = off / rc->conf.gpu_len) >= rc->conf.ring || rc->gbusy[g] ||
	    hlen + tlen > RC_SLOT) {
		snprintf(err, len, "no free GPU send slot at octet %zu, or "
		    "headers too long", off);
		return -1;
	}
	if ((i = rc_slot_take(rc, q, hlen + rc->conf.gpu_len + tlen, err,
	    len)) == -1)
		return -1;
	slot = rc_send_slot(rc, (unsigned int)i);
	memcpy(slot, head, hlen);
	memcpy(slot + hlen, tail, tlen);
	sge[0] = (struct ibv_sge){ .addr = (uintptr_t)slot,
	    .length = (uint32_t)hlen, .lkey = rc->mr->lkey };
	sge[1] = (struct ibv_sge){ .addr = rc->conf.dmabuf_iova + off,
	    .length = rc->conf.gpu_len, .lkey = rc->gmr->lkey };
	sge[2] = (struct ibv_sge){ .addr = (uintptr_t)(slot + hlen),
	    .length = (uint32_t)tlen, .lkey = rc->mr->lkey };
	if (rc_slot_post(rc, q, (unsigned int)i, sge, tlen > 0 ? 3 : 2,
	    (int32_t)g, err, len) == -1)
		return -1;
	rc->gnext = (unsigned int)(g + 1) % rc->conf.ring;
	rc->st.gpu_sent++;
	return 0;
}

/* ---- completions ---- */

/* A failed work request: its QP is in error; say so once. */
static size_t
rc_qp_error(struct verbs_rc *rc, struct verbs_qp *q, const struct ibv_wc *wc,
    struct verbs_ev *ev)
{
	q->failed = 1;
	if (q->reported || wc->status == IBV_WC_WR_FLUSH_ERR)
		return 0;
	q->reported = 1;
	rc->st.qp_errors++;
	*ev = (struct verbs_ev){ .type = VERBS_EV_QP_ERROR, .qp = q,
	    .ctx = q->ctx, .status = wc->status,
	    .why = ibv_wc_status_str(wc->status) };
	return 1;
}

static size_t
rc_reap_send(struct verbs_rc *rc, struct verbs_ev *ev, size_t max)
{
	struct ibv_wc	 wc[16];
	struct verbs_qp	*q;
	size_t		 got = 0;
	unsigned int	 i;
	int		 n, k;

	while (got < max && (n = ibv_poll_cq(rc->scq, (int)(max - got > 16 ?
	    16 : max - got), wc)) > 0)
		for (k = 0; k < n; k++) {
			i = (unsigned int)(wc[k].wr_id & 0xffffffff);
			if (i >= rc->conf.ring || rc->gen[i] !=
			    (uint32_t)(wc[k].wr_id >> RC_GEN_SHIFT) ||
			    (q = rc->owner[i]) == NULL)
				continue;	/* its QP was freed */
			rc_slot_release(rc, i);
			q->sends--;
			if (wc[k].status != IBV_WC_SUCCESS)
				got += rc_qp_error(rc, q, &wc[k], &ev[got]);
		}
	return got;
}

/*
 * A GPU receive: header and trailer in host memory, the payload (not
 * read here) in GPU slot ring + j; split by where the NIC scattered the
 * byte_len octets.
 */
static void
rc_take_gpu(struct verbs_rc *rc, unsigned int j, size_t n, struct verbs_ev *ev)
{
	uint8_t		*h = rc_grecv_host(rc, j);
	size_t		 hl, ext;
	struct ibuf	 hb, tb;

	hl = n < VERBS_GPU_HEAD ? n : VERBS_GPU_HEAD;
	ext = n - hl < rc->conf.gpu_len ? n - hl : rc->conf.gpu_len;
	ibuf_from_buffer(&hb, h, hl);
	ibuf_from_buffer(&tb, h + RC_GTAIL_AT, n - hl - ext);
	ev->err = probe_parse_split(&hb, ext, &tb, &ev->pkt);
	ev->gpu = 1;
	ev->gpu_off = rc_gpu_off(rc, rc->conf.ring + j);
	rc->st.gpu_received++;
}

/* One receive: a probe from an SRQ, through the UDP path's parser. */
static size_t
rc_take(struct verbs_rc *rc, const struct ibv_wc *wc, struct verbs_ev *ev)
{
	struct verbs_qp	*q = rc_find(rc, wc->qp_num);
	uint32_t	 id = (uint32_t)wc->wr_id;
	unsigned int	 i = id & ~RC_GPU_RECV;
	struct ibuf	 b;

	if (i >= rc->conf.ring || ((id & RC_GPU_RECV) && rc->gsrq == NULL))
		return 0;
	rc->taken[rc->ntaken++] = id;
	if (q == NULL) {
		rc->st.unknown_qp++;
		return 0;
	}
	if (wc->status != IBV_WC_SUCCESS)
		return rc_qp_error(rc, q, wc, ev);
	*ev = (struct verbs_ev){ .type = VERBS_EV_RECV, .qp = q,
	    .ctx = q->ctx, .len = wc->byte_len };
	rc->st.received++;
	if (id & RC_GPU_RECV) {
		rc_take_gpu(rc, i, wc->byte_len, ev);
		return 1;
	}
	ibuf_from_buffer(&b, rc_recv_slot(rc, i), wc->byte_len);
	ev->err = probe_parse(&b, &ev->pkt, NULL);
	return 1;
}

/* Acknowledges the channel's events and re-arms both CQs. */
static void
rc_rearm(struct verbs_rc *rc)
{
	struct ibv_cq	*cq;
	void		*cctx;
	unsigned int	 ns = 0, nr = 0;

	while (ibv_get_cq_event(rc->ch, &cq, &cctx) == 0) {
		if (cq == rc->scq)
			ns++;
		else
			nr++;
	}
	if (ns > 0)
		ibv_ack_cq_events(rc->scq, ns);
	if (nr > 0)
		ibv_ack_cq_events(rc->rcq, nr);
	(void)ibv_req_notify_cq(rc->scq, 0);
	(void)ibv_req_notify_cq(rc->rcq, 0);
}

int
verbs_rc_poll(struct verbs_rc *rc, struct verbs_ev *ev, size_t max, char *err,
    size_t len)
{
	struct ibv_wc	 wc[16];
	size_t		 got;
	unsigned int	 t;
	int		 n, k;

	/* in the order taken: GPU slots are then used in turn, in runs */
	for (t = 0; t < rc->ntaken; t++)
		if (rc_repost(rc, rc->taken[t]) == -1) {
			memmove(rc->taken, rc->taken + t, (rc->ntaken - t) *
			    sizeof(*rc->taken));
			rc->ntaken -= t;
			snprintf(err, len, "reposting a receive: %s",
			    strerror(errno));
			return -1;
		}
	rc->ntaken = 0;
	rc_rearm(rc);
	got = rc_reap_send(rc, ev, max);
	while (got < max && (n = ibv_poll_cq(rc->rcq, (int)(max - got > 16 ?
	    16 : max - got), wc)) > 0)
		for (k = 0; k < n; k++)
			got += rc_take(rc, &wc[k], &ev[got]);
	return (int)got;
}
#else	/* !HAVE_IBVERBS: --backend verbs says so before any of this */
struct verbs_rc *
verbs_rc_open(const struct verbs_rc_conf *conf, char *err, size_t len)
{
	(void)conf;
	snprintf(err, len, "this build has no libibverbs (configure found no "
	    "libibverbs-dev); use --backend udp");
	return NULL;
}

void verbs_rc_close(struct verbs_rc *rc) { (void)rc; }
int verbs_rc_fd(const struct verbs_rc *rc) { (void)rc; return -1; }
const char *verbs_rc_device(const struct verbs_rc *rc) { (void)rc; return ""; }
int verbs_rc_gid_index(const struct verbs_rc *rc) { (void)rc; return -1; }
void verbs_rc_gid(const struct verbs_rc *rc, uint8_t g[16])
{ (void)rc; memset(g, 0, 16); }
uint32_t verbs_rc_mtu(const struct verbs_rc *rc) { (void)rc; return 0; }
size_t verbs_rc_nqps(const struct verbs_rc *rc) { (void)rc; return 0; }
const struct verbs_rc_stats *verbs_rc_stats(const struct verbs_rc *rc)
{ (void)rc; return NULL; }
struct verbs_qp *verbs_qp_new(struct verbs_rc *rc, void *c, char *e, size_t l)
{ (void)rc; (void)c; snprintf(e, l, "no libibverbs"); return NULL; }
void verbs_qp_local(const struct verbs_rc *rc, const struct verbs_qp *q,
    struct verbs_peer *p) { (void)rc; (void)q; memset(p, 0, sizeof(*p)); }
int verbs_qp_connect(struct verbs_rc *rc, struct verbs_qp *q,
    const struct verbs_peer *p, char *e, size_t l)
{ (void)rc; (void)q; (void)p; snprintf(e, l, "no libibverbs"); return -1; }
uint32_t verbs_qp_flow_label(const struct verbs_qp *q) { (void)q; return 0; }
int verbs_qp_failed(const struct verbs_qp *q) { (void)q; return 1; }
void verbs_qp_free(struct verbs_rc *rc, struct verbs_qp *q)
{ (void)rc; (void)q; }
int verbs_rc_send(struct verbs_rc *rc, struct verbs_qp *q, const void *p,
    size_t n, char *e, size_t l)
{ (void)rc; (void)q; (void)p; (void)n; snprintf(e, l, "no libibverbs");
  return -1; }
int verbs_rc_poll(struct verbs_rc *rc, struct verbs_ev *ev, size_t m, char *e,
    size_t l)
{ (void)rc; (void)ev; (void)m; snprintf(e, l, "no libibverbs"); return -1; }
struct verbs_qp *verbs_qp_new_gpu(struct verbs_rc *rc, void *c, char *e,
    size_t l)
{ (void)rc; (void)c; snprintf(e, l, "no libibverbs"); return NULL; }
size_t verbs_rc_gpu_room(struct verbs_rc *rc, size_t n, size_t *off)
{ (void)rc; (void)n; *off = 0; return 0; }
int verbs_rc_send_gpu(struct verbs_rc *rc, struct verbs_qp *q, const void *h,
    size_t hl, const void *t, size_t tl, size_t off, char *e, size_t l)
{ (void)rc; (void)q; (void)h; (void)hl; (void)t; (void)tl; (void)off;
  snprintf(e, l, "no libibverbs"); return -1; }
#endif
