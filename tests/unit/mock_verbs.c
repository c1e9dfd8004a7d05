/*
 * MOCK libibverbs (see mock_verbs.h: no RDMA NIC exists here, so the
 * verbs back end is tested against this and only this).  Linked in place
 * of -libverbs; ibv_post_send, ibv_post_recv and ibv_poll_cq are inline
 * in verbs.h and reach it through ibv_context.ops, as they reach a real
 * provider.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mock_verbs.h"

#define MOCK_QPS	64
#define MOCK_EVENTS	64
#define MOCK_QPN_BASE	0x100
#define MOCK_MRS	16
#define MOCK_SGE	4	/* scatter/gather entries per WR */
#define MOCK_WIRE_MAX	8192	/* one message on the "wire" */
#define MOCK_LKEY_BASE	0x1234

struct mock_verbs mock_verbs;

struct mock_channel {
	struct ibv_comp_channel	 ch;
	int			 wfd;		/* ch.fd is the read end */
	struct ibv_cq		*ev[MOCK_EVENTS];
	unsigned int		 head, n;
};

struct mock_cq {
	struct ibv_cq		 cq;
	struct ibv_wc		*e;
	int			 cap, head, n, overrun;
	struct mock_channel	*ch;
	int			 armed;
};

struct mock_recv {
	uint64_t		 wr_id;
	struct ibv_sge		 sge[MOCK_SGE];
	int			 nsge;
};

struct mock_rq {
	struct mock_recv	*e;
	unsigned int		 cap, head, n;
};

struct mock_srq {
	struct ibv_srq		 srq;
	struct mock_rq		 rq;
	uint32_t		 max_sge;
};

struct mock_qp {
	struct ibv_qp		 qp;
	uint32_t		 qkey;
	struct mock_recv	*rq;
	unsigned int		 rq_cap, rq_head, rq_n;
	struct mock_srq		*srq;		/* RC: receives come from it */
	struct ibv_qp_attr	 attr;		/* RC: as last modified */
	uint32_t		 max_send_sge, max_recv_sge;
};

struct mock_ah {
	struct ibv_ah		 ah;
	union ibv_gid		 dgid;
};

static struct ibv_device	 mock_dev = { .name = "mock_roce0" };
static struct mock_qp		*mock_qps[MOCK_QPS];
static struct ibv_mr		*mock_mrs[MOCK_MRS];	/* by lkey */
static int			 mock_mr_dmabuf[MOCK_MRS];
static uint8_t			 mock_wire[MOCK_WIRE_MAX];
static const union ibv_gid	 mock_gid = { .raw = { 0, 0, 0, 0, 0, 0, 0, 0,
				    0, 0, 0xff, 0xff, 192, 0, 2, 1 } };

void
mock_verbs_reset(void)
{
	mock_verbs = (struct mock_verbs){ .ndev = 1,
	    .port_state = IBV_PORT_ACTIVE, .corrupt_at = -1,
	    .next_recv_status = IBV_WC_SUCCESS, .dmabuf_fd = -1 };
}

/*
 * The "DMA": bytes between a registered region and the wire.  A dma-buf
 * region's memory need not be CPU-addressable (GPU memory): its bytes go
 * through the test's copy hook (cudaMemcpy on a GPU machine); without a
 * hook the test's dma-buf is host memory and memcpy() does.
 */
static int
mock_dma(void *dst, const void *src, size_t n, int dmabuf, int dir)
{
	if (n == 0)
		return 0;
	if (!dmabuf) {
		memcpy(dst, src, n);
		return 0;
	}
	if (dir == MOCK_DMA_TO_WIRE)
		mock_verbs.dmabuf_gathered += n;
	else
		mock_verbs.dmabuf_scattered += n;
	if (mock_verbs.copy == NULL) {
		memcpy(dst, src, n);
		return 0;
	}
	return mock_verbs.copy(dst, src, n, dir);
}

/* The region an SGE names by its lkey, and whether it lies inside it. */
static struct ibv_mr *
mock_sge_mr(const struct ibv_sge *s, int *dmabuf)
{
	uint32_t	 k = s->lkey - MOCK_LKEY_BASE;
	struct ibv_mr	*mr;

	if (k >= MOCK_MRS || (mr = mock_mrs[k]) == NULL ||
	    s->addr < (uintptr_t)mr->addr ||
	    s->addr + s->length > (uintptr_t)mr->addr + mr->length)
		return NULL;
	*dmabuf = mock_mr_dmabuf[k];
	return mr;
}

/* A send's SGEs, gathered into mock_wire; a bad one: LOC_PROT_ERR. */
static enum ibv_wc_status
mock_gather(const struct ibv_send_wr *wr, size_t *n)
{
	int	 k, dmabuf = 0;

	*n = 0;
	for (k = 0; k < wr->num_sge; k++) {
		if (mock_sge_mr(&wr->sg_list[k], &dmabuf) == NULL)
			return IBV_WC_LOC_PROT_ERR;
		if (*n + wr->sg_list[k].length > MOCK_WIRE_MAX)
			return IBV_WC_LOC_LEN_ERR;
		if (mock_dma(mock_wire + *n, (void *)(uintptr_t)
		    wr->sg_list[k].addr, wr->sg_list[k].length, dmabuf,
		    MOCK_DMA_TO_WIRE) == -1)
			return IBV_WC_LOC_PROT_ERR;
		*n += wr->sg_list[k].length;
	}
	if (mock_verbs.corrupt_at >= 0 && (size_t)mock_verbs.corrupt_at < *n)
		mock_wire[mock_verbs.corrupt_at] ^= 0x5a;
	mock_verbs.corrupt_at = -1;
	return IBV_WC_SUCCESS;
}

/* n octets of msg into a receive's SGEs, in order, as a NIC scatters. */
static enum ibv_wc_status
mock_scatter(const struct mock_recv *r, const uint8_t *msg, size_t n)
{
	size_t	 done = 0, m;
	int	 k, dmabuf = 0;

	for (k = 0; k < r->nsge && done < n; k++) {
		if (mock_sge_mr(&r->sge[k], &dmabuf) == NULL)
			return IBV_WC_LOC_PROT_ERR;
		m = n - done < r->sge[k].length ? n - done : r->sge[k].length;
		if (mock_dma((void *)(uintptr_t)r->sge[k].addr, msg + done, m,
		    dmabuf, MOCK_DMA_FROM_WIRE) == -1)
			return IBV_WC_LOC_PROT_ERR;
		done += m;
	}
	return done < n ? IBV_WC_LOC_LEN_ERR : IBV_WC_SUCCESS;
}

/* A posted receive's SGEs, kept; refused beyond max. */
static int
mock_recv_keep(struct mock_recv *r, const struct ibv_recv_wr *wr,
    uint32_t max)
{
	int	 k;

	if (wr->num_sge < 1 || (uint32_t)wr->num_sge > max ||
	    wr->num_sge > MOCK_SGE)
		return -1;
	r->wr_id = wr->wr_id;
	r->nsge = wr->num_sge;
	for (k = 0; k < wr->num_sge; k++)
		r->sge[k] = wr->sg_list[k];
	return 0;
}

/* A real CQ that overflows goes to error (IBV_EVENT_CQ_ERR); so here. */
static void
mock_cq_push(struct mock_cq *c, const struct ibv_wc *wc)
{
	if (c->n == c->cap) {
		c->overrun = 1;
		return;
	}
	c->e[(c->head + c->n) % c->cap] = *wc;
	c->n++;
	if (c->armed && c->ch != NULL && c->ch->n < MOCK_EVENTS) {
		c->armed = 0;	/* one event per arming, as a device does */
		c->ch->ev[(c->ch->head + c->ch->n++) % MOCK_EVENTS] = &c->cq;
		mock_verbs.events++;
		if (write(c->ch->wfd, "e", 1) != 1)
			abort();
	}
}

static int
mock_req_notify_cq(struct ibv_cq *cq, int solicited_only)
{
	struct mock_cq	*c = (struct mock_cq *)cq;

	(void)solicited_only;
	if (c->ch == NULL)
		return EINVAL;
	c->armed = 1;
	return 0;
}

static int
mock_poll_cq(struct ibv_cq *cq, int max, struct ibv_wc *wc)
{
	struct mock_cq	*c = (struct mock_cq *)cq;
	int		 k;

	if (c->overrun)
		return -1;
	for (k = 0; k < max && c->n > 0; k++) {
		wc[k] = c->e[c->head];
		c->head = (c->head + 1) % c->cap;
		c->n--;
	}
	return k;
}

static int
mock_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr,
    struct ibv_recv_wr **bad)
{
	struct mock_qp	*q = (struct mock_qp *)qp;

	for (; wr != NULL; wr = wr->next) {
		if (qp->state == IBV_QPS_RESET || q->rq_n == q->rq_cap ||
		    mock_recv_keep(&q->rq[(q->rq_head + q->rq_n) % q->rq_cap],
		    wr, q->max_recv_sge) == -1) {
			*bad = wr;
			return EINVAL;
		}
		q->rq_n++;
	}
	return 0;
}

static struct mock_qp *
mock_qp_by_num(uint32_t qpn)
{
	if (qpn < MOCK_QPN_BASE || qpn >= MOCK_QPN_BASE + MOCK_QPS)
		return NULL;
	return mock_qps[qpn - MOCK_QPN_BASE];
}

/* UD: into the oldest posted receive, after a 40-octet GRH; none: lost. */
static void
mock_deliver(struct mock_qp *src, struct mock_qp *dst, size_t n)
{
	struct ibv_wc		 wc = { .opcode = IBV_WC_RECV,
				    .src_qp = src->qp.qp_num,
				    .qp_num = dst->qp.qp_num,
				    .wc_flags = IBV_WC_GRH };
	static uint8_t		 msg[40 + MOCK_WIRE_MAX];
	struct mock_recv	 r;

	if (dst->rq_n == 0) {
		mock_verbs.dropped_no_recv++;
		return;
	}
	r = dst->rq[dst->rq_head];
	dst->rq_head = (dst->rq_head + 1) % dst->rq_cap;
	dst->rq_n--;
	wc.wr_id = r.wr_id;
	wc.byte_len = (uint32_t)(40 + n);
	memset(msg, 0, 40);
	memcpy(msg + 8, mock_gid.raw, 16);	/* SGID */
	memcpy(msg + 24, mock_gid.raw, 16);	/* DGID */
	memcpy(msg + 40, mock_wire, n);
	if ((wc.status = mock_scatter(&r, msg, 40 + n)) == IBV_WC_SUCCESS)
		wc.status = mock_verbs.next_recv_status;
	mock_verbs.next_recv_status = IBV_WC_SUCCESS;
	mock_verbs.delivered++;
	mock_cq_push((struct mock_cq *)dst->qp.recv_cq, &wc);
}

/* RC: into the peer's SRQ, no GRH; the sender's CQ gets the outcome. */
static enum ibv_wc_status
mock_rc_deliver(struct mock_qp *src, size_t n)
{
	struct ibv_wc		 wc = { .opcode = IBV_WC_RECV,
				    .src_qp = src->qp.qp_num,
				    .byte_len = (uint32_t)n };
	struct mock_qp		*dst = mock_qp_by_num(src->attr.dest_qp_num);
	struct mock_rq		*rq;
	struct mock_recv	 r;

	/* nobody acknowledges: after retry_cnt retries, the QP fails */
	if (mock_verbs.blackhole || mock_verbs.fail_qpn == src->qp.qp_num ||
	    dst == NULL || dst->qp.state < IBV_QPS_RTR ||
	    dst->qp.state == IBV_QPS_ERR || dst->srq == NULL ||
	    dst->attr.dest_qp_num != src->qp.qp_num) {
		mock_verbs.fail_qpn = 0;
		return IBV_WC_RETRY_EXC_ERR;
	}
	rq = &dst->srq->rq;
	if (rq->n == 0) {
		mock_verbs.rnr++;
		return IBV_WC_RNR_RETRY_EXC_ERR;
	}
	r = rq->e[rq->head];
	rq->head = (rq->head + 1) % rq->cap;
	rq->n--;
	wc.wr_id = r.wr_id;
	wc.qp_num = dst->qp.qp_num;
	wc.status = mock_scatter(&r, mock_wire, n);
	if (wc.status == IBV_WC_SUCCESS && mock_verbs.delivered_hook != NULL)
		mock_verbs.delivered_hook(&r.sge[0], r.nsge, n);
	mock_verbs.rc_delivered++;
	mock_cq_push((struct mock_cq *)dst->qp.recv_cq, &wc);
	return IBV_WC_SUCCESS;
}

static int
mock_rc_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
    struct ibv_send_wr **bad)
{
	struct mock_qp	*q = (struct mock_qp *)qp;
	struct ibv_wc	 wc = { .opcode = IBV_WC_SEND, .qp_num = qp->qp_num };

	size_t		 n;

	for (; wr != NULL; wr = wr->next) {
		if ((qp->state != IBV_QPS_RTS && qp->state != IBV_QPS_ERR) ||
		    wr->opcode != IBV_WR_SEND || wr->num_sge < 1 ||
		    (uint32_t)wr->num_sge > q->max_send_sge ||
		    wr->num_sge > MOCK_SGE) {
			*bad = wr;
			return EINVAL;
		}
		wc.wr_id = wr->wr_id;
		if (qp->state == IBV_QPS_ERR)
			wc.status = IBV_WC_WR_FLUSH_ERR;
		else if ((wc.status = mock_gather(wr, &n)) != IBV_WC_SUCCESS ||
		    (wc.status = mock_rc_deliver(q, n)) != IBV_WC_SUCCESS)
			qp->state = IBV_QPS_ERR;
		/* errors complete whether signaled or not */
		if ((wr->send_flags & IBV_SEND_SIGNALED) ||
		    wc.status != IBV_WC_SUCCESS)
			mock_cq_push((struct mock_cq *)qp->send_cq, &wc);
	}
	return 0;
}

static int
mock_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
    struct ibv_send_wr **bad)
{
	struct mock_qp	*q = (struct mock_qp *)qp, *dst;
	struct ibv_wc	 wc = { .opcode = IBV_WC_SEND, .qp_num = qp->qp_num };
	size_t		 n;

	if (qp->qp_type == IBV_QPT_RC)
		return mock_rc_post_send(qp, wr, bad);
	for (; wr != NULL; wr = wr->next) {
		if (qp->state != IBV_QPS_RTS || wr->opcode != IBV_WR_SEND ||
		    wr->num_sge < 1 || (uint32_t)wr->num_sge >
		    q->max_send_sge || wr->wr.ud.ah == NULL) {
			*bad = wr;
			return EINVAL;
		}
		if ((dst = mock_qp_by_num(wr->wr.ud.remote_qpn)) == NULL ||
		    dst->qp.state < IBV_QPS_RTR)
			;	/* nobody there: UD loses it silently */
		else if (dst->qkey != wr->wr.ud.remote_qkey)
			mock_verbs.dropped_qkey++;
		else if (mock_gather(wr, &n) == IBV_WC_SUCCESS)
			mock_deliver(q, dst, n);
		wc.wr_id = wr->wr_id;
		if (wr->send_flags & IBV_SEND_SIGNALED)
			mock_cq_push((struct mock_cq *)qp->send_cq, &wc);
	}
	return 0;
}

static int
mock_post_srq_recv(struct ibv_srq *srq, struct ibv_recv_wr *wr,
    struct ibv_recv_wr **bad)
{
	struct mock_rq	*rq = &((struct mock_srq *)srq)->rq;

	uint32_t	 max = ((struct mock_srq *)srq)->max_sge;

	for (; wr != NULL; wr = wr->next) {
		if (rq->n == rq->cap || mock_recv_keep(&rq->e[(rq->head +
		    rq->n) % rq->cap], wr, max) == -1) {
			*bad = wr;
			return EINVAL;
		}
		rq->n++;
	}
	return 0;
}

struct ibv_srq *
ibv_create_srq(struct ibv_pd *pd, struct ibv_srq_init_attr *a)
{
	struct mock_srq	*m;

	if (a->attr.max_wr == 0 || a->attr.max_sge < 1 ||
	    a->attr.max_sge > MOCK_SGE ||
	    (m = calloc(1, sizeof(*m))) == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((m->rq.e = calloc(a->attr.max_wr, sizeof(*m->rq.e))) == NULL) {
		free(m);
		return NULL;
	}
	m->rq.cap = a->attr.max_wr;
	m->max_sge = a->attr.max_sge;
	m->srq.context = pd->context;
	m->srq.pd = pd;
	mock_verbs.open_objects++;
	return &m->srq;
}

int
ibv_destroy_srq(struct ibv_srq *srq)
{
	struct mock_srq	*m = (struct mock_srq *)srq;

	free(m->rq.e);
	free(m);
	mock_verbs.open_objects--;
	return 0;
}

struct ibv_comp_channel *
ibv_create_comp_channel(struct ibv_context *c)
{
	struct mock_channel	*m;
	int			 fds[2];

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if (pipe(fds) == -1) {
		free(m);
		return NULL;
	}
	m->ch = (struct ibv_comp_channel){ .context = c, .fd = fds[0] };
	m->wfd = fds[1];
	mock_verbs.open_objects++;
	return &m->ch;
}

int
ibv_destroy_comp_channel(struct ibv_comp_channel *ch)
{
	struct mock_channel	*m = (struct mock_channel *)ch;

	close(m->ch.fd);
	close(m->wfd);
	free(m);
	mock_verbs.open_objects--;
	return 0;
}

/* As the real one: reads one event from the fd (EAGAIN if non-blocking). */
int
ibv_get_cq_event(struct ibv_comp_channel *ch, struct ibv_cq **cq, void **ctx)
{
	struct mock_channel	*m = (struct mock_channel *)ch;
	char			 b;

	if (read(ch->fd, &b, 1) != 1 || m->n == 0)
		return -1;
	*cq = m->ev[m->head];
	m->head = (m->head + 1) % MOCK_EVENTS;
	m->n--;
	*ctx = (*cq)->cq_context;
	return 0;
}

void
ibv_ack_cq_events(struct ibv_cq *cq, unsigned int n)
{
	(void)cq;
	mock_verbs.events_acked += n;
}

/*
 * GID table: 0 the IPv4-mapped GID as RoCE v1 (the UD tests use index
 * 0), 1 a link-local one as RoCE v2, 2 the first as RoCE v2, 3 another
 * address's RoCE v2 GID, as rxe and mlx5 list them.
 */
static const union ibv_gid mock_gids[4] = {
	{ .raw = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 } },
	{ .raw = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ .raw = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 } },
	{ .raw = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100,
	    7 } },
};

int
_ibv_query_gid_ex(struct ibv_context *c, uint32_t port, uint32_t index,
    struct ibv_gid_entry *e, uint32_t flags, size_t size)
{
	(void)c;
	if (port != 1 || index >= 4 || flags != 0 || size < sizeof(*e))
		return EINVAL;
	*e = (struct ibv_gid_entry){ .gid = mock_gids[index],
	    .gid_index = index, .port_num = port,
	    .gid_type = index == 0 ? IBV_GID_TYPE_ROCE_V1 :
	    IBV_GID_TYPE_ROCE_V2 };
	return 0;
}

int
mock_qp_state(uint32_t qpn)
{
	struct mock_qp	*q = mock_qp_by_num(qpn);

	return q == NULL ? -1 : (int)q->qp.state;
}

uint32_t
mock_qp_flow_label(uint32_t qpn)
{
	struct mock_qp	*q = mock_qp_by_num(qpn);

	return q == NULL ? 0 : q->attr.ah_attr.grh.flow_label;
}

uint32_t
mock_qp_dest(uint32_t qpn)
{
	struct mock_qp	*q = mock_qp_by_num(qpn);

	return q == NULL ? 0 : q->attr.dest_qp_num;
}

int
mock_qp_attr(uint32_t qpn, struct ibv_qp_attr *a)
{
	struct mock_qp	*q = mock_qp_by_num(qpn);

	if (q == NULL)
		return -1;
	*a = q->attr;
	return 0;
}

struct ibv_device **
ibv_get_device_list(int *n)
{
	struct ibv_device	**l;
	int			  i;

	if ((l = calloc((size_t)mock_verbs.ndev + 1, sizeof(*l))) == NULL)
		return NULL;
	for (i = 0; i < mock_verbs.ndev; i++)
		l[i] = &mock_dev;
	if (n != NULL)
		*n = mock_verbs.ndev;
	return l;
}

void
ibv_free_device_list(struct ibv_device **l)
{
	free(l);
}

const char *
ibv_get_device_name(struct ibv_device *d)
{
	return d->name;
}

struct ibv_context *
ibv_open_device(struct ibv_device *d)
{
	struct ibv_context	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->device = d;
	c->ops.poll_cq = mock_poll_cq;
	c->ops.post_send = mock_post_send;
	c->ops.post_recv = mock_post_recv;
	c->ops.post_srq_recv = mock_post_srq_recv;
	c->ops.req_notify_cq = mock_req_notify_cq;
	mock_verbs.open_objects++;
	return c;
}

int
ibv_close_device(struct ibv_context *c)
{
	free(c);
	mock_verbs.open_objects--;
	return 0;
}

/* The compat symbol verbs.h's inline ibv_query_port() falls back to. */
int
(ibv_query_port)(struct ibv_context *c, uint8_t port,
    struct _compat_ibv_port_attr *pa)
{
	struct ibv_port_attr	*a = (struct ibv_port_attr *)(void *)pa;

	(void)c;
	if (port != 1)
		return EINVAL;
	a->state = mock_verbs.port_state;
	a->active_mtu = IBV_MTU_4096;
	a->gid_tbl_len = 4;
	return 0;
}

int
ibv_query_gid(struct ibv_context *c, uint8_t port, int index,
    union ibv_gid *gid)
{
	(void)c;
	if (port != 1 || index < 0 || index >= 4)
		return EINVAL;
	*gid = mock_gids[index];
	return 0;
}

struct ibv_pd *
ibv_alloc_pd(struct ibv_context *c)
{
	struct ibv_pd	*pd;

	if ((pd = calloc(1, sizeof(*pd))) == NULL)
		return NULL;
	pd->context = c;
	mock_verbs.open_objects++;
	return pd;
}

int
ibv_dealloc_pd(struct ibv_pd *pd)
{
	free(pd);
	mock_verbs.open_objects--;
	return 0;
}

static struct ibv_mr *
mock_mr(struct ibv_pd *pd, void *addr, size_t len, int dmabuf)
{
	struct ibv_mr	*mr;
	uint32_t	 k;

	for (k = 0; k < MOCK_MRS && mock_mrs[k] != NULL; k++)
		;
	if (k == MOCK_MRS || (mr = calloc(1, sizeof(*mr))) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	*mr = (struct ibv_mr){ .context = pd->context, .pd = pd,
	    .addr = addr, .length = len, .lkey = MOCK_LKEY_BASE + k,
	    .rkey = 0x5678 + k };
	mock_mrs[k] = mr;
	mock_mr_dmabuf[k] = dmabuf;
	mock_verbs.open_objects++;
	return mr;
}

struct ibv_mr *
(ibv_reg_mr)(struct ibv_pd *pd, void *addr, size_t len, int access)
{
	if ((access & IBV_ACCESS_LOCAL_WRITE) == 0) {
		errno = EINVAL;	/* receives need it */
		return NULL;
	}
	mock_verbs.reg_mr++;
	return mock_mr(pd, addr, len, 0);
}

/*
 * The region is [iova, iova + len) in work requests; its memory is the
 * dma-buf's, which need not be CPU-addressable (mock_dma()).
 */
struct ibv_mr *
ibv_reg_dmabuf_mr(struct ibv_pd *pd, uint64_t offset, size_t len,
    uint64_t iova, int fd, int access)
{
	mock_verbs.reg_dmabuf_calls++;
	mock_verbs.dmabuf_fd = fd;
	mock_verbs.dmabuf_offset = offset;
	mock_verbs.dmabuf_iova = iova;
	mock_verbs.dmabuf_len = len;
	mock_verbs.dmabuf_access = access;
	if (mock_verbs.refuse_dmabuf != 0) {
		errno = mock_verbs.refuse_dmabuf;	/* as a NIC may */
		return NULL;
	}
	if (fd < 0 || (access & IBV_ACCESS_LOCAL_WRITE) == 0) {
		errno = EINVAL;
		return NULL;
	}
	mock_verbs.reg_dmabuf_mr++;
	return mock_mr(pd, (void *)(uintptr_t)iova, len, 1);
}

int
ibv_dereg_mr(struct ibv_mr *mr)
{
	uint32_t	 k = mr->lkey - MOCK_LKEY_BASE;

	if (k < MOCK_MRS && mock_mrs[k] == mr)
		mock_mrs[k] = NULL;
	free(mr);
	mock_verbs.open_objects--;
	return 0;
}

struct ibv_cq *
ibv_create_cq(struct ibv_context *c, int cqe, void *ctx,
    struct ibv_comp_channel *ch, int vec)
{
	struct mock_cq	*m;

	(void)vec;
	if (cqe < 1 || (m = calloc(1, sizeof(*m))) == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((m->e = calloc((size_t)cqe, sizeof(*m->e))) == NULL) {
		free(m);
		return NULL;
	}
	m->cq.context = c;
	m->cq.cq_context = ctx;
	m->cq.channel = ch;
	m->ch = (struct mock_channel *)ch;
	m->cq.cqe = m->cap = cqe;
	mock_verbs.open_objects++;
	return &m->cq;
}

int
ibv_destroy_cq(struct ibv_cq *cq)
{
	struct mock_cq	*m = (struct mock_cq *)cq;

	free(m->e);
	free(m);
	mock_verbs.open_objects--;
	return 0;
}

struct ibv_qp *
ibv_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *ia)
{
	struct mock_qp	*q;
	int		 i;

	for (i = 0; i < MOCK_QPS && mock_qps[i] != NULL; i++)
		;
	if (i == MOCK_QPS || (ia->qp_type != IBV_QPT_UD &&
	    ia->qp_type != IBV_QPT_RC) ||
	    (ia->qp_type == IBV_QPT_UD && ia->cap.max_recv_wr == 0) ||
	    (ia->qp_type == IBV_QPT_RC && ia->srq == NULL) ||
	    (q = calloc(1, sizeof(*q))) == NULL) {
		errno = EINVAL;
		return NULL;
	}
	q->srq = (struct mock_srq *)ia->srq;
	if (ia->cap.max_recv_wr > 0 &&
	    (q->rq = calloc(ia->cap.max_recv_wr, sizeof(*q->rq))) == NULL) {
		free(q);
		return NULL;
	}
	q->rq_cap = ia->cap.max_recv_wr;
	q->max_send_sge = ia->cap.max_send_sge;
	q->max_recv_sge = ia->cap.max_recv_sge;
	q->qp = (struct ibv_qp){ .context = pd->context, .pd = pd,
	    .send_cq = ia->send_cq, .recv_cq = ia->recv_cq,
	    .qp_num = MOCK_QPN_BASE + (uint32_t)i, .state = IBV_QPS_RESET,
	    .qp_type = ia->qp_type, .srq = ia->srq };
	mock_qps[i] = q;
	mock_verbs.open_objects++;
	return &q->qp;
}

int
ibv_destroy_qp(struct ibv_qp *qp)
{
	struct mock_qp	*q = (struct mock_qp *)qp;

	mock_qps[qp->qp_num - MOCK_QPN_BASE] = NULL;
	free(q->rq);
	free(q);
	mock_verbs.open_objects--;
	return 0;
}

/* What the IB spec (and rdma-core's ibv_modify_qp(3)) requires for UD. */
static int
mock_ud_mask(enum ibv_qp_state from, enum ibv_qp_state to)
{
	if (from == IBV_QPS_RESET && to == IBV_QPS_INIT)
		return IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		    IBV_QP_QKEY;
	if (from == IBV_QPS_INIT && to == IBV_QPS_RTR)
		return IBV_QP_STATE;
	if (from == IBV_QPS_RTR && to == IBV_QPS_RTS)
		return IBV_QP_STATE | IBV_QP_SQ_PSN;
	return -1;
}

/* The same for RC (ibv_modify_qp(3), "RC QP state transitions"). */
static int
mock_rc_mask(enum ibv_qp_state from, enum ibv_qp_state to)
{
	if (to == IBV_QPS_RESET || to == IBV_QPS_ERR)
		return IBV_QP_STATE;
	if (from == IBV_QPS_RESET && to == IBV_QPS_INIT)
		return IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		    IBV_QP_ACCESS_FLAGS;
	if (from == IBV_QPS_INIT && to == IBV_QPS_RTR)
		return IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
		    IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
		    IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER;
	if (from == IBV_QPS_RTR && to == IBV_QPS_RTS)
		return IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
		    IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC;
	return -1;
}

/* Keeps what an RC QP was given, as ibv_query_qp() would return it. */
static void
mock_rc_keep(struct mock_qp *q, const struct ibv_qp_attr *a, int mask)
{
	if (mask & IBV_QP_AV)
		q->attr.ah_attr = a->ah_attr;
	if (mask & IBV_QP_DEST_QPN)
		q->attr.dest_qp_num = a->dest_qp_num;
	if (mask & IBV_QP_RQ_PSN)
		q->attr.rq_psn = a->rq_psn;
	if (mask & IBV_QP_SQ_PSN)
		q->attr.sq_psn = a->sq_psn;
	if (mask & IBV_QP_TIMEOUT)
		q->attr.timeout = a->timeout;
	if (mask & IBV_QP_RETRY_CNT)
		q->attr.retry_cnt = a->retry_cnt;
	if (mask & IBV_QP_RNR_RETRY)
		q->attr.rnr_retry = a->rnr_retry;
	if (mask & IBV_QP_PATH_MTU)
		q->attr.path_mtu = a->path_mtu;
}

int
ibv_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask)
{
	struct mock_qp	*q = (struct mock_qp *)qp;
	int		 want, rc = 0;

	want = qp->qp_type == IBV_QPT_RC ? mock_rc_mask(qp->state,
	    a->qp_state) : mock_ud_mask(qp->state, a->qp_state);
	if (want == -1 || (mask & want) != want || (mask & IBV_QP_STATE) == 0)
		rc = EINVAL;
	else if ((mask & IBV_QP_AV) && (!a->ah_attr.is_global ||
	    a->ah_attr.grh.flow_label > 0xfffff))
		rc = EINVAL;	/* RoCE needs the GRH; labels are 20 bits */
	else if ((mask & IBV_QP_PORT) && a->port_num != 1)
		rc = EINVAL;
	if (mock_verbs.nmods < MOCK_MAX_MODS)
		mock_verbs.mods[mock_verbs.nmods++] = (struct mock_modify){
		    qp->qp_num, mask, *a, rc };
	if (rc != 0)
		return rc;
	if (mask & IBV_QP_QKEY)
		q->qkey = a->qkey;
	if (qp->qp_type == IBV_QPT_RC)
		mock_rc_keep(q, a, mask);
	qp->state = a->qp_state;
	return 0;
}

struct ibv_ah *
ibv_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *aa)
{
	struct mock_ah	*m;

	if (!aa->is_global || (m = calloc(1, sizeof(*m))) == NULL) {
		errno = EINVAL;	/* RoCE needs the GRH */
		return NULL;
	}
	m->ah.context = pd->context;
	m->ah.pd = pd;
	m->dgid = aa->grh.dgid;
	mock_verbs.open_objects++;
	return &m->ah;
}

int
ibv_destroy_ah(struct ibv_ah *ah)
{
	free(ah);
	mock_verbs.open_objects--;
	return 0;
}

const char *
ibv_wc_status_str(enum ibv_wc_status s)
{
	switch (s) {
	case IBV_WC_SUCCESS:		return "success";
	case IBV_WC_LOC_LEN_ERR:	return "local length error";
	case IBV_WC_LOC_PROT_ERR:	return "local protection error";
	case IBV_WC_WR_FLUSH_ERR:	return "Work Request Flushed Error";
	case IBV_WC_RETRY_EXC_ERR:	return "transport retry counter exceeded";
	case IBV_WC_RNR_RETRY_EXC_ERR:	return "RNR retry counter exceeded";
	default:			return "other completion error";
	}
}
