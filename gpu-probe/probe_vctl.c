/*
 * --backend verbs (docs/PROBE.md, "The verbs back end"): each path is an
 * RC queue pair whose GRH flow label reproduces the UDP source port that
 * discovery found (probe_ctl.h), so its probes take the same ECMP path.
 * The QPs are set up out of band, one TCP exchange per path on
 * --control-port (probe_ctl.h has the messages):
 *
 *   sender     per path: IDLE -> CONNECTING (a QP in INIT, a TCP
 *              connection) -> WAIT (request sent) -> UP (reply: the QP
 *              to RTR/RTS towards the responder's QP).  A refusal, a
 *              timeout or a QP in error goes back to IDLE, to retry after
 *              a backoff (at once after a QP that had answered, then
 *              50 ms doubling to 1 s).  Probes due while the path is not UP are
 *              registered with the path state machine but not sent, so
 *              they count as lost: a path that cannot be reached fails
 *              within the same bound as over UDP.
 *   responder  accepts at most FP_CTL_CONNS connections at a time, each
 *              for FP_CTL_TIMEOUT_US; checks the source and the GID
 *              against --allow; creates a QP (at most FP_VERBS_PEERS;
 *              a new request for the same GID and flow label replaces
 *              the old QP), takes it to RTS towards the sender with the
 *              same flow label, answers, closes.  Probes are echoed on
 *              the QP they came in on, as probe_resp.c echoes UDP ones.
 *              QPs silent for FP_VERBS_IDLE_US or in error are reaped.
 *
 * --payload gpu (GPUDirect RDMA; docs/PROBE.md): the payloads live in GPU
 * memory exported as a dma-buf and registered on the RC endpoint's PD
 * (gdr_export(), verbs_rc_open()); the sender fills them in place in
 * batches and sends each probe gathered from host headers and its GPU
 * payload (probe_tx.c, vb_send_gpu()); the responder's QPs receive the
 * payloads into GPU slots, verified in place per poll (gdr_verify())
 * before they are counted and echoed as below.  If the dma-buf cannot be
 * exported or registered, fabric-probe says why and exits: no fallback.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fabric_probe.h"
#include "log.h"
#include "probe_net.h"
#include "probe_verbs.h"

#define VB_EVENTS	64
#define VB_ROUNDS	16	/* polls of VB_EVENTS per wake-up */

static const uint8_t	 v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			    0xff, 0xff };

/* The IPv4 address of an IPv4-mapped GID; 0 if it is not one. */
static uint32_t
gid_addr(const uint8_t gid[16])
{
	uint32_t	 a;

	if (memcmp(gid, v4_prefix, sizeof(v4_prefix)) != 0)
		return 0;
	memcpy(&a, gid + 12, 4);
	return a;
}

static const char *
gid_str(const uint8_t gid[16], char *buf, size_t len)
{
	if (inet_ntop(AF_INET6, gid, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

/* ---- set-up ---- */

static int
vb_listen(struct fp *fp)
{
	struct sockaddr_in	 sin = fp->conf.bind;
	int			 one = 1;

	sin.sin_port = htons(fp->conf.control_port);
	if ((fp->ctl_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fp->ctl_fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 ||
	    bind(fp->ctl_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fp->ctl_fd, FP_CTL_CONNS) == -1) {
		log_warn("--control-port %u", fp->conf.control_port);
		return -1;
	}
	return 0;
}

int
vb_open(struct fp *fp)
{
	struct verbs_rc_conf	 c;
	uint8_t			 gid[16];
	char			 err[256], g[INET6_ADDRSTRLEN];
	size_t			 i;

	for (i = 0; i < FP_CTL_CONNS; i++)
		fp->vconns[i].fd = -1;
	verbs_rc_conf_default(&c);
	c.device = fp->conf.device;
	c.gid_index = fp->conf.gid_index;
	c.addr = fp->conf.bind.sin_addr.s_addr;
	if (c.addr == 0 && fp->ntargets > 0)
		c.addr = fp->targets[0].src_addr;
	c.ring = FP_V_RING;
	c.max_qps = (fp->conf.respond ? FP_VERBS_PEERS : 0) +
	    (unsigned int)fp->ntargets * FP_MAX_PATHS;
	c.timeout_us = fp->conf.path.timeout_us;
	if (fp->conf.payload_gpu) {
		c.gpu_len = fp->conf.size;
		if (gdr_export(fp->gpu, &c, err, sizeof(err)) == -1) {
			log_warnx("--payload gpu with --backend verbs: GPU "
			    "memory for the NIC: %s", err);
			return -1;
		}
	}
	if ((fp->rc = verbs_rc_open(&c, err, sizeof(err))) == NULL) {
		log_warnx("%s: %s", fp->conf.payload_gpu ? "--payload gpu "
		    "with --backend verbs" : "--backend verbs", err);
		return -1;
	}
	if (fp->conf.payload_gpu)
		log_info("--payload gpu: GPUDirect: %zu octets of GPU memory "
		    "(dma-buf fd %d) registered on %s, probes of %u octets",
		    c.dmabuf_len, c.dmabuf_fd, verbs_rc_device(fp->rc),
		    fp->conf.size);
	verbs_rc_gid(fp->rc, gid);
	log_info("--backend verbs: device %s, GID index %d (%s), MTU %u, RC "
	    "ACK timeout %u (4.096 us x 2^%u), retry_cnt %u, rnr_retry %u",
	    verbs_rc_device(fp->rc), verbs_rc_gid_index(fp->rc),
	    gid_str(gid, g, sizeof(g)), verbs_rc_mtu(fp->rc),
	    verbs_ack_timeout(c.timeout_us), verbs_ack_timeout(c.timeout_us),
	    c.retry_cnt, c.rnr_retry);
	if (!fp->conf.respond)
		return 0;
	if ((fp->vpeers = calloc(FP_VERBS_PEERS, sizeof(*fp->vpeers))) == NULL) {
		log_warn("calloc");
		return -1;
	}
	return vb_listen(fp);
}

static void
vb_conn_close(struct fp_vconn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

void
vb_close(struct fp *fp)
{
	size_t	 i;

	for (i = 0; i < FP_CTL_CONNS; i++)
		vb_conn_close(&fp->vconns[i]);
	if (fp->ctl_fd != -1)
		close(fp->ctl_fd);
	fp->ctl_fd = -1;
	free(fp->vpeers);
	fp->vpeers = NULL;
	verbs_rc_close(fp->rc);	/* every QP with it */
	fp->rc = NULL;
}

/* ---- the sender ---- */

void
vb_path_init(struct fp_path *p, uint64_t now)
{
	p->v = (struct fp_vpath){ .ctx = { FP_VCTX_PATH, p }, .fd = -1,
	    .retry_us = now, .backoff_us = FP_V_BACKOFF_MIN_US };
}

static void
vb_path_down(struct fp *fp, struct fp_path *p, uint64_t now)
{
	if (p->v.fd != -1)
		close(p->v.fd);
	p->v.fd = -1;
	p->v.tried = 1;
	if (p->v.qp != NULL && fp->rc != NULL)
		verbs_qp_free(fp->rc, p->v.qp);
	p->v.qp = NULL;
	p->v.state = FP_V_IDLE;
	p->v.len = 0;
	/*
	 * The first retry after a working QP is at once (one lost packet
	 * should cost little more than the probes in flight), then 50 ms
	 * doubling to 1 s while the responder cannot be reached.
	 */
	if (p->v.answered)
		p->v.backoff_us = 0;
	p->v.answered = 0;
	p->v.retry_us = now + p->v.backoff_us;
	p->v.backoff_us = p->v.backoff_us == 0 ? FP_V_BACKOFF_MIN_US :
	    p->v.backoff_us * 2 > FP_V_BACKOFF_MAX_US ?
	    FP_V_BACKOFF_MAX_US : p->v.backoff_us * 2;
}

void
vb_path_free(struct fp *fp, struct fp_path *p)
{
	if (fp->conf.verbs)
		vb_path_down(fp, p, 0);
}

static void
vb_connect_failed(struct fp *fp, struct fp_path *p, uint64_t now,
    const char *why)
{
	fp->vst.connect_failures++;
	log_debug("path %u (%s port %u): verbs connection: %s", p->id,
	    p->t->name, p->dp.sport, why);
	vb_path_down(fp, p, now);
}

/* IDLE -> CONNECTING: a QP in INIT and a TCP connection under way. */
static void
vb_path_start(struct fp *fp, struct fp_path *p, uint64_t now)
{
	struct sockaddr_in	 sin = fp->conf.bind, to = p->t->addr;
	char			 err[160];

	if ((p->v.qp = verbs_qp_new(fp->rc, &p->v.ctx, err,
	    sizeof(err))) == NULL) {
		vb_connect_failed(fp, p, now, err);
		return;
	}
	to.sin_port = htons(fp->conf.control_port);
	sin.sin_port = 0;
	p->v.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (p->v.fd == -1 || (sin.sin_addr.s_addr != 0 && bind(p->v.fd,
	    (struct sockaddr *)&sin, sizeof(sin)) == -1) ||
	    (connect(p->v.fd, (struct sockaddr *)&to, sizeof(to)) == -1 &&
	    errno != EINPROGRESS)) {
		vb_connect_failed(fp, p, now, strerror(errno));
		return;
	}
	fp->vst.connects++;
	p->v.connects++;
	p->v.state = FP_V_CONNECTING;
	p->v.deadline_us = now + FP_CTL_TIMEOUT_US;
}

/* CONNECTING -> WAIT: the request, all 36 octets in one write. */
static void
vb_path_request(struct fp *fp, struct fp_path *p, uint64_t now)
{
	struct verbs_peer	 me;
	struct ctl_end		 e;
	struct ibuf		*b;
	socklen_t		 len = sizeof(int);
	int			 soerr = 0;
	ssize_t			 n = -1;

	if (getsockopt(p->v.fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1 ||
	    soerr != 0) {
		vb_connect_failed(fp, p, now, strerror(soerr ? soerr : errno));
		return;
	}
	verbs_qp_local(fp->rc, p->v.qp, &me);
	e = (struct ctl_end){ .qpn = me.qpn, .psn = me.psn,
	    .flow_label = ctl_sport_to_fl(p->dp.sport) };
	memcpy(e.gid, me.gid, 16);
	if ((b = ibuf_open(CTL_REQ_LEN)) != NULL && ctl_write_req(b, &e) == 0)
		n = send(p->v.fd, ibuf_data(b), ibuf_size(b), MSG_NOSIGNAL |
		    MSG_DONTWAIT);
	ibuf_free(b);
	if (n != CTL_REQ_LEN) {
		vb_connect_failed(fp, p, now, "cannot send the request");
		return;
	}
	p->v.state = FP_V_WAIT;
}

/* The reply, checked; the QP to RTS towards the responder's. */
static void
vb_path_reply(struct fp *fp, struct fp_path *p, uint64_t now)
{
	struct ctl_reply	 r;
	struct verbs_peer	 peer;
	struct ibuf		 in;
	enum ctl_err		 e;
	char			 err[160], g[INET6_ADDRSTRLEN];

	ibuf_from_buffer(&in, p->v.buf, p->v.len);
	if ((e = ctl_parse_reply(&in, &r)) != CTL_OK) {
		vb_connect_failed(fp, p, now, ctl_strerror(e));
		return;
	}
	if (r.status != CTL_ST_OK) {
		fp->vst.refused++;
		log_warnx("path %u (%s port %u): the responder refused: %s",
		    p->id, p->t->name, p->dp.sport, r.err);
		vb_path_down(fp, p, now);
		return;
	}
	if (gid_addr(r.end.gid) != p->t->addr.sin_addr.s_addr) {
		snprintf(err, sizeof(err), "the responder's GID %s is not the "
		    "target's address (give it --bind)",
		    gid_str(r.end.gid, g, sizeof(g)));
		vb_connect_failed(fp, p, now, err);
		return;
	}
	peer = (struct verbs_peer){ .qpn = r.end.qpn, .psn = r.end.psn,
	    .flow_label = ctl_sport_to_fl(p->dp.sport) };
	memcpy(peer.gid, r.end.gid, 16);
	if (verbs_qp_connect(fp->rc, p->v.qp, &peer, err, sizeof(err)) == -1) {
		vb_connect_failed(fp, p, now, err);
		return;
	}
	close(p->v.fd);
	p->v.fd = -1;
	p->v.state = FP_V_UP;
	p->v.tried = 1;
	log_debug("path %u (%s port %u): RC QP up, flow label 0x%x, "
	    "responder QPN 0x%x", p->id, p->t->name, p->dp.sport,
	    verbs_qp_flow_label(p->v.qp), r.end.qpn);
}

/* The control connection's fd is ready (POLLOUT or POLLIN). */
void
vb_path_io(struct fp *fp, struct fp_path *p, uint64_t now)
{
	ssize_t	 n;

	if (p->v.state == FP_V_CONNECTING) {
		vb_path_request(fp, p, now);
		return;
	}
	if (p->v.state != FP_V_WAIT)
		return;
	n = recv(p->v.fd, p->v.buf + p->v.len, sizeof(p->v.buf) - p->v.len,
	    MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		vb_connect_failed(fp, p, now, n == 0 ? "closed before the "
		    "reply" : strerror(errno));
		return;
	}
	p->v.len += (size_t)n;
	if (p->v.len == sizeof(p->v.buf))
		vb_path_reply(fp, p, now);
}

/*
 * Whether path p's probes wait: only until its first connection attempt
 * has ended, so that set-up is not counted as loss; after that a path
 * that is not UP has its probes registered and counted lost (vb_send).
 */
int
vb_hold(const struct fp_path *p)
{
	return p->v.ctx.kind == FP_VCTX_PATH && !p->v.tried;
}

/* One probe as a SEND on the path's QP; not UP: registered, unsent. */
int
vb_send(struct fp *fp, struct fp_path *p, const void *pkt, size_t len)
{
	char	 err[160];

	if (p->v.state != FP_V_UP) {
		fp->vst.unsent++;
		return 0;
	}
	if (verbs_rc_send(fp->rc, p->v.qp, pkt, len, err, sizeof(err)) == -1) {
		log_debug("path %u: %s", p->id, err);
		return -1;
	}
	return 0;
}

/*
 * --payload gpu: one probe gathered from head and tail (host) and the
 * payload at octet off of the dma-buf (filled in place); not UP: as
 * vb_send().
 */
int
vb_send_gpu(struct fp *fp, struct fp_path *p, const struct ibuf *head,
    const struct ibuf *tail, size_t off)
{
	char	 err[160];

	if (p->v.state != FP_V_UP) {
		fp->vst.unsent++;
		return 0;
	}
	if (verbs_rc_send_gpu(fp->rc, p->v.qp, ibuf_data(head),
	    ibuf_size(head), ibuf_data(tail), ibuf_size(tail), off, err,
	    sizeof(err)) == -1) {
		log_debug("path %u: %s", p->id, err);
		return -1;
	}
	return 0;
}

/* A reply on path p's QP: checked as path_rx() checks a UDP one. */
static void
vb_path_rx(struct fp *fp, struct fp_path *p, const struct verbs_ev *ev,
    uint64_t now)
{
	const struct probe_pkt	*pk = &ev->pkt;
	uint32_t		 rtt;

	if (probe_err_malformed(ev->err)) {
		fp->send.parse.count[ev->err]++;
		return;
	}
	if (!(pk->flags & PROBE_F_REPLY)) {
		fp->send.not_reply++;
		return;
	}
	if (pk->seed != fp->seed || pk->src_port != p->dp.sport ||
	    pk->path_id != p->id) {
		p->st.c.spoofed++;
		return;
	}
	fp->send.parse.count[ev->err]++;
	p->v.answered = 1;
	(void)path_reply(&p->st, pk->seq, now, (pk->flags & PROBE_F_CORRUPT) ||
	    ev->err == PROBE_E_INTEGRITY, &rtt);
}

/* ---- the responder ---- */

/* Slots never move (each QP's ctx points into its own); qp NULL: free. */
static void
vb_peer_free(struct fp *fp, struct fp_vpeer *v)
{
	if (v->qp == NULL)
		return;
	verbs_qp_free(fp->rc, v->qp);
	v->qp = NULL;
	fp->nvpeers--;
}

void
vb_accept(struct fp *fp, uint64_t now)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	size_t			 i;
	int			 fd;

	while ((fd = accept4(fp->ctl_fd, (struct sockaddr *)&sin, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		fp->vst.ctl_accepted++;
		for (i = 0; i < FP_CTL_CONNS && fp->vconns[i].fd != -1; i++)
			;
		if (i == FP_CTL_CONNS) {
			fp->vst.ctl_busy++;
			close(fd);
			continue;
		}
		fp->vconns[i] = (struct fp_vconn){ .fd = fd,
		    .addr = sin.sin_addr.s_addr,
		    .deadline_us = now + FP_CTL_TIMEOUT_US };
		len = sizeof(sin);
	}
}

static void
vb_conn_answer(struct fp_vconn *c, const struct ctl_reply *r)
{
	struct ibuf	*b;

	if ((b = ibuf_open(CTL_REP_LEN)) != NULL && ctl_write_reply(b, r) == 0)
		(void)send(c->fd, ibuf_data(b), ibuf_size(b), MSG_NOSIGNAL |
		    MSG_DONTWAIT);
	ibuf_free(b);
	vb_conn_close(c);
}

/* Refused, and why (cut to the reply's CTL_ERR_LEN). */
static void
vb_conn_refuse(struct fp_vconn *c, const char *why)
{
	struct ctl_reply	 r = { .status = CTL_ST_REFUSED };

	memcpy(r.err, why, strnlen(why, CTL_ERR_LEN));
	log_debug("control: refused: %s", r.err);
	vb_conn_answer(c, &r);
}

/* A free slot for (gid, fl); the same pair's old QP goes (a reconnect). */
static struct fp_vpeer *
vb_peer_slot(struct fp *fp, const struct ctl_end *e)
{
	struct fp_vpeer	*v, *free_slot = NULL;
	size_t		 i;

	for (i = 0; i < FP_VERBS_PEERS; i++) {
		v = &fp->vpeers[i];
		if (v->qp == NULL) {
			if (free_slot == NULL)
				free_slot = v;
			continue;
		}
		if (v->fl == e->flow_label && memcmp(v->gid, e->gid, 16) == 0) {
			fp->vst.peers_replaced++;
			vb_peer_free(fp, v);
			return v;
		}
	}
	return free_slot;
}

/* An accepted request: a QP to RTS towards the sender, and the reply. */
static void
vb_conn_serve(struct fp *fp, struct fp_vconn *c, const struct ctl_end *e,
    uint64_t now)
{
	struct ctl_reply	 r = { .status = CTL_ST_OK };
	struct verbs_peer	 me, peer = { .qpn = e->qpn, .psn = e->psn,
				    .flow_label = e->flow_label };
	struct fp_vpeer		*v;
	char			 err[160];

	memcpy(peer.gid, e->gid, 16);
	if ((v = vb_peer_slot(fp, e)) == NULL) {
		vb_conn_refuse(c, "at its limit of queue pairs");
		return;
	}
	*v = (struct fp_vpeer){ .ctx = { FP_VCTX_PEER, v }, .fl = e->flow_label,
	    .last_us = now };
	memcpy(v->gid, e->gid, 16);
	/* --payload gpu: its probes' payloads land in GPU memory */
	v->qp = fp->conf.payload_gpu ? verbs_qp_new_gpu(fp->rc, &v->ctx, err,
	    sizeof(err)) : verbs_qp_new(fp->rc, &v->ctx, err, sizeof(err));
	if (v->qp == NULL) {
		fp->vst.ctl_errors++;
		vb_conn_refuse(c, err);
		return;
	}
	fp->nvpeers++;
	if (verbs_qp_connect(fp->rc, v->qp, &peer, err, sizeof(err)) == -1) {
		vb_peer_free(fp, v);
		fp->vst.ctl_errors++;
		vb_conn_refuse(c, err);
		return;
	}
	verbs_qp_local(fp->rc, v->qp, &me);
	r.end = (struct ctl_end){ .qpn = me.qpn, .psn = me.psn };
	memcpy(r.end.gid, me.gid, 16);
	fp->vst.ctl_ok++;
	vb_conn_answer(c, &r);
}

void
vb_conn_read(struct fp *fp, struct fp_vconn *c, uint64_t now)
{
	struct ctl_end	 e;
	struct ibuf	 in;
	enum ctl_err	 err;
	char		 a[INET_ADDRSTRLEN], why[CTL_ERR_LEN];
	ssize_t		 n;

	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len,
	    MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->len += (size_t)n;
	/* a whole request, or the peer stopped short (or sent too much) */
	if (n > 0 && c->len < CTL_REQ_LEN)
		return;
	ibuf_from_buffer(&in, c->buf, c->len);
	net_ntoa(c->addr, a, sizeof(a));
	if ((err = ctl_parse_req(&in, &e)) != CTL_OK) {
		fp->vst.ctl_malformed[err]++;
		log_debug("control: %s: %s (%zu octets)", a,
		    ctl_strerror(err), c->len);
		vb_conn_close(c);
		return;
	}
	if (!resp_allowed(&fp->conf, c->addr) ||
	    !resp_allowed(&fp->conf, gid_addr(e.gid)) || gid_addr(e.gid) == 0) {
		fp->vst.ctl_not_allowed++;
		snprintf(why, sizeof(why), "not allowed: %s (or its GID)", a);
		vb_conn_refuse(c, why);
		return;
	}
	vb_conn_serve(fp, c, &e, now);
}

/* A probe on a responder QP: checked and echoed as probe_resp.c does. */
static void
vb_peer_rx(struct fp *fp, struct fp_vpeer *v, const struct verbs_ev *ev,
    uint64_t now)
{
	struct fp_rx_counters	*c = &fp->resp;
	struct probe_pkt	 r = ev->pkt;
	struct ibuf		*b;
	char			 err[160];
	int			 rc = -1;

	v->last_us = now;
	if (probe_err_malformed(ev->err)) {
		c->parse.count[ev->err]++;
		return;
	}
	if (ev->pkt.flags & PROBE_F_REPLY) {
		c->not_reply++;
		return;
	}
	if (ev->pkt.src_port != ctl_fl_to_sport(v->fl)) {
		c->spoofed++;	/* not the path this QP was set up for */
		return;
	}
	c->parse.count[ev->err]++;
	r.flags = PROBE_F_REPLY | (ev->err == PROBE_E_INTEGRITY ?
	    PROBE_F_CORRUPT : 0) | (ev->pkt.flags & PROBE_F_DISCOVER);
	r.payload_len = 0;
	r.payload = NULL;
	if ((b = ibuf_open(PROBE_PKT_MAX)) != NULL && probe_write(b, &r) == 0)
		rc = verbs_rc_send(fp->rc, v->qp, ibuf_data(b), ibuf_size(b),
		    err, sizeof(err));
	ibuf_free(b);
	if (rc == -1)
		c->send_errors++;
	else
		c->replies++;
}

/* ---- both ---- */

static void
vb_qp_error(struct fp *fp, const struct verbs_ev *ev, uint64_t now)
{
	const struct fp_vctx	*x = ev->ctx;
	struct fp_path		*p;

	fp->vst.qp_errors++;
	if (x->kind == FP_VCTX_PEER) {
		vb_peer_free(fp, x->owner);
		return;
	}
	p = x->owner;
	p->v.qp_errors++;
	log_debug("path %u (%s port %u): QP in error (%s): its probes in "
	    "flight are lost; reconnecting", p->id, p->t->name, p->dp.sport,
	    ev->why);
	vb_path_down(fp, p, now);
}

/*
 * --payload gpu: the payloads the responder's QPs received into GPU
 * memory, verified in place before anything is counted or echoed.  If
 * the GPU fails, those probes are neither: nothing vouches for them
 * (they show as loss at their senders), and it is logged and counted.
 */
static void
vb_gpu_verify(struct fp *fp, struct verbs_ev *ev, size_t n)
{
	size_t	 k, lost = 0;

	if (!fp->conf.payload_gpu ||
	    gdr_verify(fp->gpu, fp->conf.size, ev, n) != -1)
		return;
	for (k = 0; k < n; k++)
		lost += ev[k].type == VERBS_EV_UNVERIFIED;
	fp->resp.gpu_errors++;
	log_warnx("responder: --payload gpu: in-place verify failed; %zu "
	    "probes neither counted nor echoed", lost);
}

/* The completion channel is readable: every completion, dispatched. */
void
vb_read(struct fp *fp, uint64_t now)
{
	struct verbs_ev		 ev[VB_EVENTS];
	const struct fp_vctx	*x;
	char			 err[160];
	int			 n, k, round;

	for (round = 0; round < VB_ROUNDS; round++) {
		if ((n = verbs_rc_poll(fp->rc, ev, VB_EVENTS, err,
		    sizeof(err))) == -1) {
			log_warnx("--backend verbs: %s", err);
			return;
		}
		vb_gpu_verify(fp, ev, (size_t)n);
		for (k = 0; k < n; k++) {
			x = ev[k].ctx;
			if (ev[k].type == VERBS_EV_UNVERIFIED)
				continue;
			if (ev[k].type == VERBS_EV_QP_ERROR)
				vb_qp_error(fp, &ev[k], now);
			else if (x->kind == FP_VCTX_PEER)
				vb_peer_rx(fp, x->owner, &ev[k], now);
			else
				vb_path_rx(fp, x->owner, &ev[k], now);
		}
		if (n < VB_EVENTS)
			return;
	}
}

static void
vb_reap(struct fp *fp, uint64_t now)
{
	struct fp_vpeer	*v;
	size_t		 i;

	if (fp->vpeers == NULL || now < fp->next_reap_us)
		return;
	fp->next_reap_us = now + 1000000;
	for (i = 0; i < FP_VERBS_PEERS; i++) {
		v = &fp->vpeers[i];
		if (v->qp != NULL && (verbs_qp_failed(v->qp) ||
		    now - v->last_us > FP_VERBS_IDLE_US)) {
			fp->vst.peers_reaped++;
			vb_peer_free(fp, v);
		}
	}
}

/* Connections to start, exchanges that took too long, silent QPs. */
void
vb_tick(struct fp *fp, uint64_t now)
{
	struct fp_path	*p;
	size_t		 i, j;

	if (fp->rc == NULL)
		return;
	for (i = 0; i < FP_CTL_CONNS; i++)
		if (fp->vconns[i].fd != -1 && now >= fp->vconns[i].deadline_us) {
			fp->vst.ctl_timeouts++;
			vb_conn_close(&fp->vconns[i]);
		}
	for (i = 0; i < fp->ntargets; i++)
		for (j = 0; j < fp->targets[i].npaths; j++) {
			p = fp->targets[i].paths[j];
			if (p->v.state == FP_V_IDLE && now >= p->v.retry_us)
				vb_path_start(fp, p, now);
			else if ((p->v.state == FP_V_CONNECTING ||
			    p->v.state == FP_V_WAIT) &&
			    now >= p->v.deadline_us)
				vb_connect_failed(fp, p, now, "timed out");
		}
	vb_reap(fp, now);
}

uint64_t
vb_next_wake(const struct fp *fp)
{
	const struct fp_path	*p;
	uint64_t		 w = UINT64_MAX, t;
	size_t			 i, j;

	if (fp->rc == NULL)
		return w;
	for (i = 0; i < FP_CTL_CONNS; i++)
		if (fp->vconns[i].fd != -1 && fp->vconns[i].deadline_us < w)
			w = fp->vconns[i].deadline_us;
	for (i = 0; i < fp->ntargets; i++)
		for (j = 0; j < fp->targets[i].npaths; j++) {
			p = fp->targets[i].paths[j];
			t = p->v.state == FP_V_IDLE ? p->v.retry_us :
			    p->v.state == FP_V_UP ? UINT64_MAX :
			    p->v.deadline_us;
			if (t < w)
				w = t;
		}
	if (fp->vpeers != NULL && fp->next_reap_us < w)
		w = fp->next_reap_us;
	return w;
}
