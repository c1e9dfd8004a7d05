/*
 * fabric-probe's libibverbs back end.  With libibverbs at build time
 * (configure: HAVE_IBVERBS) verbs_check() looks for an RDMA device and an
 * active port, and probe_verbs.h's transport sends and receives probes on
 * a UD queue pair; without a device, or without libibverbs, both say so
 * and point to the UDP back end.  No machine here has an RDMA device:
 * this UD transport is tested against tests/unit/mock_verbs.c only (the
 * daemon's RC back end, probe_rc.c, also on soft-RoCE in
 * tests/lab/rxe.sh; docs/PROBE.md).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_IBVERBS
#include <infiniband/verbs.h>
#endif

#include "fabric_probe.h"
#include "ibuf.h"
#include "probe_verbs.h"

#define VERBS_NO_LIB	"this build has no libibverbs (configure found no " \
	"libibverbs-dev); use --backend udp"

#ifdef HAVE_IBVERBS
/* Port 1 of dev: active or not, as a message when not. */
static int
verbs_port(struct ibv_device *dev, char *msg, size_t len)
{
	struct ibv_context	*ctx;
	struct ibv_port_attr	 pa;
	const char		*name = ibv_get_device_name(dev);

	if ((ctx = ibv_open_device(dev)) == NULL) {
		snprintf(msg, len, "RDMA device %s: cannot open: %s; use "
		    "--backend udp", name, strerror(errno));
		return -1;
	}
	if (ibv_query_port(ctx, 1, &pa) != 0 || pa.state != IBV_PORT_ACTIVE) {
		snprintf(msg, len, "RDMA device %s: port 1 is not active; use "
		    "--backend udp", name);
		ibv_close_device(ctx);
		return -1;
	}
	ibv_close_device(ctx);
	snprintf(msg, len, "%s", name);
	return 0;
}
#endif

/*
 * 0 and the device's name in msg when an RDMA device with an active port
 * exists; else -1 and, in msg, why not and what to use instead.
 */
int
verbs_check(char *msg, size_t len)
{
#ifdef HAVE_IBVERBS
	struct ibv_device	**list;
	int			 n = 0, rc;

	if ((list = ibv_get_device_list(&n)) == NULL || n == 0) {
		snprintf(msg, len, "no RDMA device%s%s; use --backend udp",
		    list == NULL ? ": " : "", list == NULL ?
		    strerror(errno) : "");
		if (list != NULL)
			ibv_free_device_list(list);
		return -1;
	}
	rc = verbs_port(list[0], msg, len);
	ibv_free_device_list(list);
	return rc;
#else
	snprintf(msg, len, VERBS_NO_LIB);
	return -1;
#endif
}

#define VERBS_SLOT	(VERBS_GRH_LEN + PROBE_PKT_MAX + 4)	/* 8-aligned */

void
verbs_conf_default(struct verbs_conf *c)
{
	*c = (struct verbs_conf){ .port = 1, .gid_index = 0, .ring = 256,
	    .dmabuf_fd = -1 };
}

/* Octets of memory the endpoint registers: a send and a receive ring. */
size_t
verbs_buf_len(const struct verbs_conf *c)
{
	return (size_t)c->ring * 2 * VERBS_SLOT;
}

#ifdef HAVE_IBVERBS
struct verbs_ah {
	union ibv_gid		 gid;
	struct ibv_ah		*ah;
};

struct verbs_ep {
	struct verbs_conf	 conf;
	struct ibv_context	*ctx;
	struct ibv_pd		*pd;
	struct ibv_mr		*mr;
	struct ibv_cq		*scq, *rcq;
	struct ibv_qp		*qp;
	uint8_t			*buf;		/* send slots, then receive */
	int			 own_buf;
	union ibv_gid		 gid;
	uint32_t		 mtu;		/* the port's, in octets */
	struct verbs_ah		 ahs[VERBS_AH_MAX];
	size_t			 nahs;
	unsigned int		 send_next, send_inflight, recv_posted;
	unsigned int		 taken[VERBS_RING_MAX];	/* reposted next poll */
	unsigned int		 ntaken;
	struct verbs_stats	 st;
};

static uint8_t *
verbs_send_slot(struct verbs_ep *ep, unsigned int i)
{
	return ep->buf + (size_t)i * VERBS_SLOT;
}

static uint8_t *
verbs_recv_slot(struct verbs_ep *ep, unsigned int i)
{
	return ep->buf + ((size_t)ep->conf.ring + i) * VERBS_SLOT;
}

static int
verbs_post_recv(struct verbs_ep *ep, unsigned int i)
{
	struct ibv_sge		 sge = { .addr = (uintptr_t)verbs_recv_slot(ep,
				    i), .length = VERBS_SLOT,
				    .lkey = ep->mr->lkey };
	struct ibv_recv_wr	 wr = { .wr_id = i, .sg_list = &sge,
				    .num_sge = 1 }, *bad;

	if (ibv_post_recv(ep->qp, &wr, &bad) != 0)
		return -1;
	ep->recv_posted++;
	return 0;
}

/* The UD state machine: the attributes each step needs, in order. */
static int
verbs_qp_up(struct verbs_ep *ep, char *err, size_t len)
{
	struct ibv_qp_attr	 a = { .qp_state = IBV_QPS_INIT,
				    .pkey_index = 0, .port_num = ep->conf.port,
				    .qkey = VERBS_QKEY };

	if ((errno = ibv_modify_qp(ep->qp, &a, IBV_QP_STATE |
	    IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY)) != 0) {
		snprintf(err, len, "queue pair to INIT: %s", strerror(errno));
		return -1;
	}
	a = (struct ibv_qp_attr){ .qp_state = IBV_QPS_RTR };
	if ((errno = ibv_modify_qp(ep->qp, &a, IBV_QP_STATE)) != 0) {
		snprintf(err, len, "queue pair to RTR: %s", strerror(errno));
		return -1;
	}
	a = (struct ibv_qp_attr){ .qp_state = IBV_QPS_RTS, .sq_psn = 0 };
	if ((errno = ibv_modify_qp(ep->qp, &a, IBV_QP_STATE |
	    IBV_QP_SQ_PSN)) != 0) {
		snprintf(err, len, "queue pair to RTS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
verbs_reg(struct verbs_ep *ep, char *err, size_t len)
{
	size_t	 n = verbs_buf_len(&ep->conf);
	int	 acc = IBV_ACCESS_LOCAL_WRITE;

	if (ep->conf.dmabuf_fd >= 0) {
		if (ep->conf.buf == NULL || ep->conf.buf_len < n) {
			snprintf(err, len, "dmabuf: want a mapping of at least "
			    "%zu octets", n);
			return -1;
		}
		ep->buf = ep->conf.buf;
		ep->mr = ibv_reg_dmabuf_mr(ep->pd, ep->conf.dmabuf_offset, n,
		    (uintptr_t)ep->buf, ep->conf.dmabuf_fd, acc);
	} else {
		if ((ep->buf = calloc(1, n)) == NULL) {
			snprintf(err, len, "%s", strerror(errno));
			return -1;
		}
		ep->own_buf = 1;
		ep->mr = ibv_reg_mr(ep->pd, ep->buf, n, IBV_ACCESS_LOCAL_WRITE);
	}
	if (ep->mr == NULL) {
		snprintf(err, len, "%s: %s", ep->conf.dmabuf_fd >= 0 ?
		    "ibv_reg_dmabuf_mr" : "ibv_reg_mr", strerror(errno));
		return -1;
	}
	return 0;
}

static int
verbs_open_qp(struct verbs_ep *ep, char *err, size_t len)
{
	struct ibv_qp_init_attr	 ia = { .qp_type = IBV_QPT_UD,
				    .cap = { .max_send_wr = ep->conf.ring,
				    .max_recv_wr = ep->conf.ring,
				    .max_send_sge = 1, .max_recv_sge = 1 } };
	unsigned int		 i;

	if ((ep->pd = ibv_alloc_pd(ep->ctx)) == NULL ||
	    (ep->scq = ibv_create_cq(ep->ctx, (int)ep->conf.ring, NULL, NULL,
	    0)) == NULL ||
	    (ep->rcq = ibv_create_cq(ep->ctx, (int)ep->conf.ring, NULL, NULL,
	    0)) == NULL) {
		snprintf(err, len, "PD or CQ: %s", strerror(errno));
		return -1;
	}
	if (verbs_reg(ep, err, len) == -1)
		return -1;
	ia.send_cq = ep->scq;
	ia.recv_cq = ep->rcq;
	if ((ep->qp = ibv_create_qp(ep->pd, &ia)) == NULL) {
		snprintf(err, len, "UD queue pair: %s", strerror(errno));
		return -1;
	}
	if (verbs_qp_up(ep, err, len) == -1)
		return -1;
	for (i = 0; i < ep->conf.ring; i++)
		if (verbs_post_recv(ep, i) == -1) {
			snprintf(err, len, "posting receive %u: %s", i,
			    strerror(errno));
			return -1;
		}
	return 0;
}

static int
verbs_open_dev(struct verbs_ep *ep, char *err, size_t len)
{
	struct ibv_device	**list;
	struct ibv_port_attr	  pa;
	int			  n = 0;

	if (verbs_check(err, len) == -1)
		return -1;
	if ((list = ibv_get_device_list(&n)) == NULL || n == 0) {
		snprintf(err, len, "no RDMA device; use --backend udp");
		if (list != NULL)
			ibv_free_device_list(list);
		return -1;
	}
	ep->ctx = ibv_open_device(list[0]);
	ibv_free_device_list(list);
	if (ep->ctx == NULL) {
		snprintf(err, len, "cannot open RDMA device: %s; use --backend "
		    "udp", strerror(errno));
		return -1;
	}
	if (ibv_query_port(ep->ctx, ep->conf.port, &pa) != 0) {
		snprintf(err, len, "port %u: %s", ep->conf.port,
		    strerror(errno));
		return -1;
	}
	ep->mtu = 128U << pa.active_mtu;	/* IBV_MTU_256 is 1 */
	if (ibv_query_gid(ep->ctx, ep->conf.port, ep->conf.gid_index,
	    &ep->gid) != 0) {
		snprintf(err, len, "GID %u of port %u: %s", ep->conf.gid_index,
		    ep->conf.port, strerror(errno));
		return -1;
	}
	return 0;
}

struct verbs_ep *
verbs_open(const struct verbs_conf *conf, char *err, size_t len)
{
	struct verbs_ep	*ep;

	if (conf->ring == 0 || conf->ring > VERBS_RING_MAX) {
		snprintf(err, len, "ring of %u: want 1 to %u", conf->ring,
		    VERBS_RING_MAX);
		return NULL;
	}
	if ((ep = calloc(1, sizeof(*ep))) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return NULL;
	}
	ep->conf = *conf;
	if (verbs_open_dev(ep, err, len) == -1 ||
	    verbs_open_qp(ep, err, len) == -1) {
		verbs_close(ep);
		return NULL;
	}
	return ep;
}

void
verbs_close(struct verbs_ep *ep)
{
	size_t	 i;

	if (ep == NULL)
		return;
	for (i = 0; i < ep->nahs; i++)
		ibv_destroy_ah(ep->ahs[i].ah);
	if (ep->qp != NULL)
		ibv_destroy_qp(ep->qp);
	if (ep->mr != NULL)
		ibv_dereg_mr(ep->mr);
	if (ep->scq != NULL)
		ibv_destroy_cq(ep->scq);
	if (ep->rcq != NULL)
		ibv_destroy_cq(ep->rcq);
	if (ep->pd != NULL)
		ibv_dealloc_pd(ep->pd);
	if (ep->ctx != NULL)
		ibv_close_device(ep->ctx);
	if (ep->own_buf)
		free(ep->buf);
	free(ep);
}

uint32_t
verbs_qpn(const struct verbs_ep *ep)
{
	return ep->qp->qp_num;
}

void
verbs_gid(const struct verbs_ep *ep, uint8_t gid[16])
{
	memcpy(gid, ep->gid.raw, 16);
}

const struct verbs_stats *
verbs_stats(const struct verbs_ep *ep)
{
	return &ep->st;
}

/* The address handle for dgid: RoCEv2 needs the GRH. */
static struct ibv_ah *
verbs_ah(struct verbs_ep *ep, const uint8_t dgid[16], char *err, size_t len)
{
	struct ibv_ah_attr	 aa = { .is_global = 1,
				    .port_num = ep->conf.port };
	struct verbs_ah		*a;
	size_t			 i;

	for (i = 0; i < ep->nahs; i++)
		if (memcmp(ep->ahs[i].gid.raw, dgid, 16) == 0)
			return ep->ahs[i].ah;
	if (ep->nahs == VERBS_AH_MAX) {
		snprintf(err, len, "more than %d destinations", VERBS_AH_MAX);
		return NULL;
	}
	memcpy(aa.grh.dgid.raw, dgid, 16);
	aa.grh.sgid_index = ep->conf.gid_index;
	aa.grh.hop_limit = 64;
	a = &ep->ahs[ep->nahs];
	if ((a->ah = ibv_create_ah(ep->pd, &aa)) == NULL) {
		snprintf(err, len, "address handle: %s", strerror(errno));
		return NULL;
	}
	memcpy(a->gid.raw, dgid, 16);
	ep->nahs++;
	return a->ah;
}

/* p, written as the UDP back end writes it, into send slot i. */
static int
verbs_write(struct verbs_ep *ep, unsigned int i, struct probe_pkt *p,
    uint32_t *n)
{
	struct ibuf	*b;

	if ((b = ibuf_open(PROBE_PKT_MAX)) == NULL)
		return -1;
	if (probe_write(b, p) == -1) {
		ibuf_free(b);
		return -1;
	}
	*n = (uint32_t)ibuf_size(b);
	memcpy(verbs_send_slot(ep, i), ibuf_data(b), *n);
	ibuf_free(b);
	return 0;
}

int
verbs_send(struct verbs_ep *ep, const uint8_t dgid[16], uint32_t dqpn,
    struct probe_pkt *p, char *err, size_t len)
{
	struct ibv_sge		 sge = { .lkey = ep->mr->lkey };
	struct ibv_send_wr	 wr = { .sg_list = &sge, .num_sge = 1,
				    .opcode = IBV_WR_SEND,
				    .send_flags = IBV_SEND_SIGNALED }, *bad;
	unsigned int		 i = ep->send_next;

	if (ep->send_inflight == ep->conf.ring) {
		ep->st.send_ring_full++;
		snprintf(err, len, "send ring full (%u in flight)",
		    ep->send_inflight);
		return -1;
	}
	p->opcode = PROBE_OP_UD_SEND_ONLY;
	p->dest_qp = dqpn;
	p->qkey = VERBS_QKEY;
	p->src_qp = verbs_qpn(ep);
	if (probe_pkt_len(p) > ep->mtu) {
		snprintf(err, len, "a probe of %zu octets exceeds the port's "
		    "MTU of %u (UD sends one packet)", probe_pkt_len(p),
		    ep->mtu);
		return -1;
	}
	if ((wr.wr.ud.ah = verbs_ah(ep, dgid, err, len)) == NULL)
		return -1;
	if (verbs_write(ep, i, p, &sge.length) == -1) {
		snprintf(err, len, "probe: %s", strerror(errno));
		return -1;
	}
	sge.addr = (uintptr_t)verbs_send_slot(ep, i);
	wr.wr_id = i;
	wr.wr.ud.remote_qpn = dqpn;
	wr.wr.ud.remote_qkey = VERBS_QKEY;
	if ((errno = ibv_post_send(ep->qp, &wr, &bad)) != 0) {
		snprintf(err, len, "ibv_post_send: %s", strerror(errno));
		return -1;
	}
	ep->send_next = (i + 1) % ep->conf.ring;
	ep->send_inflight++;
	ep->st.sent++;
	return 0;
}

static int
verbs_wc_error(struct verbs_ep *ep, const struct ibv_wc *wc, const char *q,
    char *err, size_t len)
{
	ep->st.cq_errors++;
	snprintf(err, len, "%s completion error: %s (wr %llu)", q,
	    ibv_wc_status_str(wc->status), (unsigned long long)wc->wr_id);
	return -1;
}

static int
verbs_reap_send(struct verbs_ep *ep, char *err, size_t len)
{
	struct ibv_wc	 wc[16];
	int		 n, k, bad = -1;


	while ((n = ibv_poll_cq(ep->scq, 16, wc)) > 0 && bad == -1)
		for (k = 0; k < n; k++) {
			ep->send_inflight--;
			if (wc[k].status != IBV_WC_SUCCESS && bad == -1)
				bad = k;	/* the rest still count */
		}
	if (bad != -1)
		return verbs_wc_error(ep, &wc[bad], "send", err, len);
	if (n < 0) {
		ep->st.cq_errors++;
		snprintf(err, len, "polling the send CQ failed");
		return -1;
	}
	return 0;
}

/* One receive: past the GRH, through the UDP path's parser. */
static int
verbs_take(struct verbs_ep *ep, const struct ibv_wc *wc, struct probe_pkt *out)
{
	struct ibuf	 b;
	unsigned int	 i = (unsigned int)wc->wr_id;

	ep->recv_posted--;
	ep->taken[ep->ntaken++] = i;
	if (wc->byte_len < VERBS_GRH_LEN) {
		ep->st.parse.count[PROBE_E_TRUNCATED]++;
		return 0;
	}
	ibuf_from_buffer(&b, verbs_recv_slot(ep, i) + VERBS_GRH_LEN,
	    wc->byte_len - VERBS_GRH_LEN);
	ep->st.received++;
	return probe_parse(&b, out, &ep->st.parse) == PROBE_OK;
}

int
verbs_poll(struct verbs_ep *ep, struct probe_pkt *out, size_t max, char *err,
    size_t len)
{
	struct ibv_wc	 wc[16];
	size_t		 got = 0;
	int		 n, k;

	while (ep->ntaken > 0)
		if (verbs_post_recv(ep, ep->taken[--ep->ntaken]) == -1) {
			snprintf(err, len, "reposting a receive: %s",
			    strerror(errno));
			return -1;
		}
	if (verbs_reap_send(ep, err, len) == -1)
		return -1;
	while (got < max && (n = ibv_poll_cq(ep->rcq, (int)(max - got > 16 ?
	    16 : max - got), wc)) > 0)
		for (k = 0; k < n; k++) {
			if (wc[k].status != IBV_WC_SUCCESS) {
				ep->recv_posted--;
				(void)verbs_post_recv(ep,
				    (unsigned int)wc[k].wr_id);
				return verbs_wc_error(ep, &wc[k], "receive",
				    err, len);
			}
			got += (size_t)verbs_take(ep, &wc[k], &out[got]);
		}
	if (got < max && n < 0) {
		ep->st.cq_errors++;
		snprintf(err, len, "polling the receive CQ failed (overrun?)");
		return -1;
	}
	/* Every receive used: UD drops what arrives meanwhile, unseen. */
	if (ep->recv_posted == 0)
		ep->st.recv_ring_empty++;
	return (int)got;
}
#else	/* !HAVE_IBVERBS */
struct verbs_ep *
verbs_open(const struct verbs_conf *conf, char *err, size_t len)
{
	(void)conf;
	snprintf(err, len, VERBS_NO_LIB);
	return NULL;
}

void
verbs_close(struct verbs_ep *ep)
{
	(void)ep;
}

uint32_t
verbs_qpn(const struct verbs_ep *ep)
{
	(void)ep;
	return 0;
}

void
verbs_gid(const struct verbs_ep *ep, uint8_t gid[16])
{
	(void)ep;
	memset(gid, 0, 16);
}

int
verbs_send(struct verbs_ep *ep, const uint8_t dgid[16], uint32_t dqpn,
    struct probe_pkt *p, char *err, size_t len)
{
	(void)ep; (void)dgid; (void)dqpn; (void)p;
	snprintf(err, len, VERBS_NO_LIB);
	return -1;
}

int
verbs_poll(struct verbs_ep *ep, struct probe_pkt *out, size_t max, char *err,
    size_t len)
{
	(void)ep; (void)out; (void)max;
	snprintf(err, len, VERBS_NO_LIB);
	return -1;
}

const struct verbs_stats *
verbs_stats(const struct verbs_ep *ep)
{
	(void)ep;
	return NULL;
}
#endif
