/*
 * fabric-probe's verbs transport (gpu-probe/probe_verbs.c) against
 * tests/unit/mock_verbs.c, a MOCK device: no RDMA NIC exists on any
 * machine this project runs on.  What this shows: the calls the
 * transport makes, in order and with the attributes UD needs; that a
 * probe goes out and comes back through posted receives and the UDP
 * path's parser and payload checker; that corruption, an exhausted
 * receive ring, a full send ring, completion errors and a missing device
 * are reported.  What it cannot show: that a real NIC accepts the same.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric_probe.h"
#include "mock_verbs.h"
#include "payload.h"
#include "probe_ctl.h"
#include "probe_verbs.h"

#define PAYLOAD_LEN	256
#define PAYLOAD_OFF	(PROBE_BTH_LEN + PROBE_DETH_LEN + PROBE_HDR_LEN)

static struct verbs_ep *
open_ep(unsigned int ring)
{
	struct verbs_conf	 c;
	struct verbs_ep		*ep;
	char			 err[256];

	verbs_conf_default(&c);
	c.ring = ring;
	ep = verbs_open(&c, err, sizeof(err));
	if (ep == NULL)
		fail_msg("verbs_open: %s", err);
	return ep;
}

static int
send_probe(struct verbs_ep *from, struct verbs_ep *to, uint64_t seq,
    char *err, size_t len)
{
	struct probe_pkt	 p = { .src_port = 49152, .path_id = 3,
				    .payload_len = PAYLOAD_LEN, .seq = seq,
				    .send_ns = 1000 + seq,
				    .seed = 0x0123456789abcdefULL };
	uint8_t			 gid[16];

	verbs_gid(to, gid);
	return verbs_send(from, gid, verbs_qpn(to), &p, err, len);
}

static int
setup(void **state)
{
	(void)state;
	mock_verbs_reset();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	assert_int_equal(mock_verbs.open_objects, 0);	/* nothing leaked */
	return 0;
}

/* RESET -> INIT (P_Key index, port, Q_Key) -> RTR -> RTS (SQ PSN). */
static void
test_qp_states(void **state)
{
	struct verbs_ep	*ep = open_ep(8);
	const int	 want_mask[3] = {
		IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY,
		IBV_QP_STATE, IBV_QP_STATE | IBV_QP_SQ_PSN };
	const enum ibv_qp_state want_state[3] = { IBV_QPS_INIT, IBV_QPS_RTR,
		IBV_QPS_RTS };
	size_t		 i;

	(void)state;
	assert_int_equal(mock_verbs.nmods, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(mock_verbs.mods[i].qp_num, verbs_qpn(ep));
		assert_int_equal(mock_verbs.mods[i].attr.qp_state,
		    want_state[i]);
		assert_int_equal(mock_verbs.mods[i].mask, want_mask[i]);
		assert_int_equal(mock_verbs.mods[i].rc, 0);
	}
	assert_int_equal(mock_verbs.mods[0].attr.qkey, VERBS_QKEY);
	assert_int_equal(mock_verbs.mods[0].attr.port_num, 1);
	assert_int_equal(mock_verbs.mods[0].attr.pkey_index, 0);
	assert_int_equal(mock_verbs.reg_mr, 1);
	assert_int_equal(mock_verbs.reg_dmabuf_mr, 0);
	verbs_close(ep);
}

/* The mock refuses what a device would, so the test above can fail. */
static void
test_mock_refuses_order(void **state)
{
	struct ibv_device	**l = ibv_get_device_list(NULL);
	struct ibv_context	*ctx = ibv_open_device(l[0]);
	struct ibv_pd		*pd = ibv_alloc_pd(ctx);
	struct ibv_cq		*cq = ibv_create_cq(ctx, 4, NULL, NULL, 0);
	struct ibv_qp_init_attr	 ia = { .send_cq = cq, .recv_cq = cq,
				    .qp_type = IBV_QPT_UD,
				    .cap = { .max_recv_wr = 4 } };
	struct ibv_qp		*qp = ibv_create_qp(pd, &ia);
	struct ibv_qp_attr	 a = { .qp_state = IBV_QPS_RTR };

	(void)state;
	ibv_free_device_list(l);
	assert_int_not_equal(ibv_modify_qp(qp, &a, IBV_QP_STATE), 0);
	a = (struct ibv_qp_attr){ .qp_state = IBV_QPS_INIT, .port_num = 1 };
	assert_int_not_equal(ibv_modify_qp(qp, &a, IBV_QP_STATE |
	    IBV_QP_PORT), 0);			/* no Q_Key, no P_Key index */
	ibv_destroy_qp(qp);
	ibv_destroy_cq(cq);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
}

static void
test_send_recv(void **state)
{
	struct verbs_ep		*a = open_ep(16), *b = open_ep(4);
	struct probe_pkt	 got[4];
	uint8_t			 want[PAYLOAD_LEN];
	char			 err[256];
	uint64_t		 seq;

	(void)state;
	assert_int_equal(send_probe(a, b, 7, err, sizeof(err)), 0);
	assert_int_equal(verbs_poll(b, got, 4, err, sizeof(err)), 1);
	assert_int_equal(got[0].seq, 7);
	assert_int_equal(got[0].path_id, 3);
	assert_int_equal(got[0].send_ns, 1007);
	assert_int_equal(got[0].opcode, PROBE_OP_UD_SEND_ONLY);
	assert_int_equal(got[0].dest_qp, verbs_qpn(b));
	assert_int_equal(got[0].src_qp, verbs_qpn(a));
	assert_int_equal(got[0].verdict, 0);
	assert_int_equal(got[0].payload_len, PAYLOAD_LEN);
	payload_fill(want, sizeof(want), 0x0123456789abcdefULL, 7);
	assert_memory_equal(got[0].payload, want, PAYLOAD_LEN);
	/* Receives are reposted: ten times the ring goes through. */
	for (seq = 100; seq < 140; seq++) {
		assert_int_equal(send_probe(a, b, seq, err, sizeof(err)), 0);
		assert_int_equal(verbs_poll(b, got, 4, err, sizeof(err)), 1);
		assert_int_equal(got[0].seq, seq);
		assert_int_equal(verbs_poll(a, got, 4, err, sizeof(err)), 0);
	}
	assert_int_equal(verbs_stats(b)->parse.count[PROBE_OK], 41);
	{	/* one UD send is one packet: no more than the MTU (4096) */
		struct probe_pkt big = { .payload_len = 4096 };
		uint8_t gid[16];

		verbs_gid(b, gid);
		assert_int_equal(verbs_send(a, gid, verbs_qpn(b), &big, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "exceeds the port's MTU of 4096"));
	}
	assert_int_equal(verbs_stats(a)->sent, 41);
	assert_int_equal(mock_verbs.dropped_no_recv, 0);
	verbs_close(a);
	verbs_close(b);
}

static void
test_corrupt(void **state)
{
	struct verbs_ep		*a = open_ep(4), *b = open_ep(4);
	struct probe_pkt	 got[1];
	char			 err[256];

	(void)state;
	mock_verbs.corrupt_at = PAYLOAD_OFF + 5;
	assert_int_equal(send_probe(a, b, 1, err, sizeof(err)), 0);
	assert_int_equal(verbs_poll(b, got, 1, err, sizeof(err)), 0);
	assert_int_equal(verbs_stats(b)->parse.count[PROBE_E_INTEGRITY], 1);
	assert_int_equal(verbs_stats(b)->parse.count[PROBE_OK], 0);
	assert_int_equal(verbs_stats(b)->received, 1);
	/* the next, untouched, is fine */
	assert_int_equal(send_probe(a, b, 2, err, sizeof(err)), 0);
	assert_int_equal(verbs_poll(b, got, 1, err, sizeof(err)), 1);
	assert_int_equal(verbs_stats(b)->parse.count[PROBE_E_INTEGRITY], 1);
	verbs_close(a);
	verbs_close(b);
}

static void
test_rings_full(void **state)
{
	struct verbs_ep		*a = open_ep(16), *b = open_ep(4), *c;
	struct probe_pkt	 got[8];
	char			 err[256];
	uint64_t		 seq;

	(void)state;
	for (seq = 0; seq < 6; seq++)
		assert_int_equal(send_probe(a, b, seq, err, sizeof(err)), 0);
	assert_int_equal(mock_verbs.dropped_no_recv, 2);
	assert_int_equal(verbs_poll(b, got, 8, err, sizeof(err)), 4);
	assert_int_equal(verbs_stats(b)->recv_ring_empty, 1);
	/* a sender whose sends are not reaped stops, saying why */
	c = open_ep(2);
	assert_int_equal(send_probe(c, b, 1, err, sizeof(err)), 0);
	assert_int_equal(send_probe(c, b, 2, err, sizeof(err)), 0);
	assert_int_equal(send_probe(c, b, 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "send ring full"));
	assert_int_equal(verbs_stats(c)->send_ring_full, 1);
	assert_int_equal(verbs_poll(c, got, 8, err, sizeof(err)), 0);
	assert_int_equal(send_probe(c, b, 3, err, sizeof(err)), 0);
	verbs_close(a);
	verbs_close(b);
	verbs_close(c);
}

static void
test_cq_error(void **state)
{
	struct verbs_ep		*a = open_ep(16), *b = open_ep(4);
	struct probe_pkt	 got[1];
	char			 err[256] = "";

	(void)state;
	mock_verbs.next_recv_status = IBV_WC_LOC_PROT_ERR;
	assert_int_equal(send_probe(a, b, 1, err, sizeof(err)), 0);
	assert_int_equal(verbs_poll(b, got, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "receive completion error: local protection "
	    "error (wr 0)");
	assert_int_equal(verbs_stats(b)->cq_errors, 1);
	/* its receive was reposted: the ring is whole again */
	for (int i = 0; i < 4; i++)
		assert_int_equal(send_probe(a, b, 2, err, sizeof(err)), 0);
	assert_int_equal(verbs_poll(b, got, 1, err, sizeof(err)), 1);
	assert_int_equal(mock_verbs.dropped_no_recv, 0);
	verbs_close(a);
	verbs_close(b);
}

static void
test_no_device(void **state)
{
	struct verbs_conf	 c;
	char			 err[256] = "";

	(void)state;
	verbs_conf_default(&c);
	mock_verbs.ndev = 0;
	assert_int_equal(verbs_check(err, sizeof(err)), -1);
	assert_string_equal(err, "no RDMA device; use --backend udp");
	err[0] = '\0';
	assert_null(verbs_open(&c, err, sizeof(err)));
	assert_string_equal(err, "no RDMA device; use --backend udp");
	mock_verbs.ndev = 1;
	mock_verbs.port_state = IBV_PORT_DOWN;
	assert_null(verbs_open(&c, err, sizeof(err)));
	assert_string_equal(err, "RDMA device mock_roce0: port 1 is not "
	    "active; use --backend udp");
}

static void
test_dmabuf(void **state)
{
	struct verbs_conf	 c;
	struct verbs_ep		*a = open_ep(4), *b;
	struct probe_pkt	 got[1];
	char			 err[256];
	uint8_t			*mem;

	(void)state;
	verbs_conf_default(&c);
	c.ring = 4;
	c.dmabuf_fd = 9;
	c.dmabuf_offset = 4096;
	c.buf_len = verbs_buf_len(&c) - 1;
	assert_non_null(mem = calloc(1, verbs_buf_len(&c)));
	c.buf = mem;
	assert_null(verbs_open(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "dmabuf: want a mapping of at least"));
	c.buf_len = verbs_buf_len(&c);
	if ((b = verbs_open(&c, err, sizeof(err))) == NULL)
		fail_msg("verbs_open: %s", err);
	assert_int_equal(mock_verbs.reg_dmabuf_mr, 1);
	assert_int_equal(mock_verbs.dmabuf_fd, 9);
	assert_int_equal(mock_verbs.dmabuf_offset, 4096);
	assert_int_equal(mock_verbs.dmabuf_iova, (uintptr_t)mem);
	assert_int_equal(send_probe(a, b, 5, err, sizeof(err)), 0);
	assert_int_equal(verbs_poll(b, got, 1, err, sizeof(err)), 1);
	assert_true(got[0].payload > mem && got[0].payload <
	    mem + c.buf_len);			/* landed in that memory */
	verbs_close(a);
	verbs_close(b);
	free(mem);
}

/* ---- RC (--backend verbs) ---- */

struct rc_pair {
	struct verbs_rc	*rc;
	struct verbs_qp	*a, *b;		/* sender's, responder's */
	int		 ctx_a, ctx_b;
};

static struct verbs_rc *
open_rc(uint32_t addr, int gid_index, char *err, size_t len)
{
	struct verbs_rc_conf	 c;

	verbs_rc_conf_default(&c);
	c.ring = 16;
	c.max_qps = 8;
	c.addr = addr;
	c.gid_index = gid_index;
	return verbs_rc_open(&c, err, len);
}

/* Two QPs of one device connected to each other with flow label fl. */
static void
rc_pair(struct rc_pair *p, uint32_t fl)
{
	struct verbs_peer	 pa, pb;
	char			 err[256];

	p->rc = open_rc(0, -1, err, sizeof(err));
	if (p->rc == NULL)
		fail_msg("verbs_rc_open: %s", err);
	p->a = verbs_qp_new(p->rc, &p->ctx_a, err, sizeof(err));
	p->b = verbs_qp_new(p->rc, &p->ctx_b, err, sizeof(err));
	assert_non_null(p->a);
	assert_non_null(p->b);
	verbs_qp_local(p->rc, p->a, &pa);
	verbs_qp_local(p->rc, p->b, &pb);
	pa.flow_label = pb.flow_label = fl;
	if (verbs_qp_connect(p->rc, p->a, &pb, err, sizeof(err)) == -1 ||
	    verbs_qp_connect(p->rc, p->b, &pa, err, sizeof(err)) == -1)
		fail_msg("verbs_qp_connect: %s", err);
}

static void
rc_pair_close(struct rc_pair *p)
{
	verbs_rc_close(p->rc);
}

static size_t
rc_probe(uint8_t *buf, size_t max, uint16_t sport, uint8_t flags,
    uint64_t seq)
{
	struct probe_pkt	 pk = { .opcode = PROBE_OP_RC_SEND_ONLY,
				    .dest_qp = 7, .psn = (uint32_t)seq,
				    .flags = flags, .src_port = sport,
				    .path_id = 7, .payload_len = PAYLOAD_LEN,
				    .seq = seq, .seed = 0x1122334455667788ULL };
	struct ibuf		*b = ibuf_open(max);
	size_t			 n;

	assert_non_null(b);
	assert_int_equal(probe_write(b, &pk), 0);
	n = ibuf_size(b);
	memcpy(buf, ibuf_data(b), n);
	ibuf_free(b);
	return n;
}

static int
fd_readable(int fd)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

/* The QPs come up with the flow label, retry and timeout chosen. */
static void
test_rc_connect(void **state)
{
	struct rc_pair		 p;
	struct ibv_qp_attr	 a;
	struct verbs_peer	 me;
	uint32_t		 fl = ctl_sport_to_fl(0xc123);

	(void)state;
	rc_pair(&p, fl);
	verbs_qp_local(p.rc, p.a, &me);
	assert_int_equal(mock_qp_state(me.qpn), IBV_QPS_RTS);
	assert_int_equal(mock_qp_flow_label(me.qpn), fl);
	assert_int_equal(verbs_qp_flow_label(p.a), fl);
	assert_int_equal(ctl_fl_to_sport(mock_qp_flow_label(me.qpn)), 0xc123);
	assert_int_equal(mock_qp_attr(me.qpn, &a), 0);
	assert_int_equal(a.retry_cnt, 0);	/* a lost packet fails it */
	assert_int_equal(a.rnr_retry, 1);
	assert_int_equal(a.timeout, 13);	/* 33.5 ms <= 50 ms */
	assert_int_equal(a.sq_psn, me.psn);
	assert_true(a.ah_attr.is_global);
	assert_int_equal(a.ah_attr.grh.sgid_index, 2);	/* RoCE v2 IPv4 */
	assert_int_equal(verbs_rc_gid_index(p.rc), 2);
	assert_string_equal(verbs_rc_device(p.rc), "mock_roce0");
	assert_int_equal(verbs_rc_nqps(p.rc), 2);
	assert_int_equal(verbs_ack_timeout(1), 1);
	assert_int_equal(verbs_ack_timeout(1000000), 17);
	rc_pair_close(&p);
}

/* A probe out over a's QP, the echo back on b's: the same parser. */
static void
test_rc_echo(void **state)
{
	struct rc_pair	 p;
	struct verbs_ev	 ev[8];
	uint8_t		 buf[PROBE_PKT_MAX];
	size_t		 n;
	char		 err[256];

	(void)state;
	rc_pair(&p, 0x123);
	assert_false(fd_readable(verbs_rc_fd(p.rc)));
	n = rc_probe(buf, sizeof(buf), 0xc123, 0, 42);
	assert_int_equal(verbs_rc_send(p.rc, p.a, buf, n, err, sizeof(err)),
	    0);
	assert_true(fd_readable(verbs_rc_fd(p.rc)));
	assert_int_equal(verbs_rc_poll(p.rc, ev, 8, err, sizeof(err)), 1);
	assert_false(fd_readable(verbs_rc_fd(p.rc)));
	assert_int_equal(mock_verbs.events, mock_verbs.events_acked);
	assert_int_equal(ev[0].type, VERBS_EV_RECV);
	assert_ptr_equal(ev[0].qp, p.b);
	assert_ptr_equal(ev[0].ctx, &p.ctx_b);
	assert_int_equal(ev[0].err, PROBE_OK);
	assert_int_equal(ev[0].len, n);
	assert_int_equal(ev[0].pkt.seq, 42);
	assert_int_equal(ev[0].pkt.src_port, 0xc123);
	n = rc_probe(buf, sizeof(buf), 0xc123, PROBE_F_REPLY, 42);
	assert_int_equal(verbs_rc_send(p.rc, p.b, buf, n, err, sizeof(err)),
	    0);
	assert_int_equal(verbs_rc_poll(p.rc, ev, 8, err, sizeof(err)), 1);
	assert_ptr_equal(ev[0].ctx, &p.ctx_a);
	assert_true(ev[0].pkt.flags & PROBE_F_REPLY);
	/* 40 more through an SRQ of 16: receives are reposted */
	for (unsigned int i = 0; i < 40; i++) {
		n = rc_probe(buf, sizeof(buf), 0xc123, 0, i);
		assert_int_equal(verbs_rc_send(p.rc, p.a, buf, n, err,
		    sizeof(err)), 0);
		assert_int_equal(verbs_rc_poll(p.rc, ev, 8, err, sizeof(err)),
		    1);
		assert_int_equal(ev[0].pkt.seq, i);
	}
	assert_int_equal(mock_verbs.rnr, 0);
	assert_int_equal(verbs_rc_stats(p.rc)->received, 42);
	/* a damaged payload is an integrity failure, not a malformed one */
	mock_verbs.corrupt_at = PROBE_BTH_LEN + PROBE_HDR_LEN + 5;
	n = rc_probe(buf, sizeof(buf), 0xc123, 0, 99);
	assert_int_equal(verbs_rc_send(p.rc, p.a, buf, n, err, sizeof(err)),
	    0);
	assert_int_equal(verbs_rc_poll(p.rc, ev, 8, err, sizeof(err)), 1);
	assert_int_equal(ev[0].err, PROBE_E_INTEGRITY);
	/* larger than the MTU: refused (one probe, one packet) */
	assert_int_equal(verbs_rc_send(p.rc, p.a, buf, 4097, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "MTU"));
	rc_pair_close(&p);
}

/*
 * A black-holed path: the send fails (RETRY_EXC_ERR, retry_cnt 0), the
 * QP is reported in error once, the later sends are refused; a new QP
 * takes over; the old one's late completions are ignored.
 */
static void
test_rc_qp_error(void **state)
{
	struct rc_pair		 p;
	struct verbs_ev		 ev[8];
	struct verbs_peer	 me, pb;
	uint8_t			 buf[PROBE_PKT_MAX];
	size_t			 n;
	char			 err[256];

	(void)state;
	rc_pair(&p, 0x77);
	verbs_qp_local(p.rc, p.a, &me);
	mock_verbs.fail_qpn = me.qpn;
	n = rc_probe(buf, sizeof(buf), 0xc077, 0, 1);
	assert_int_equal(verbs_rc_send(p.rc, p.a, buf, n, err, sizeof(err)),
	    0);
	assert_int_equal(verbs_rc_send(p.rc, p.a, buf, n, err, sizeof(err)),
	    0);				/* not known yet: flushed */
	assert_int_equal(verbs_rc_poll(p.rc, ev, 8, err, sizeof(err)), 1);
	assert_int_equal(ev[0].type, VERBS_EV_QP_ERROR);
	assert_ptr_equal(ev[0].ctx, &p.ctx_a);
	assert_int_equal(ev[0].status, IBV_WC_RETRY_EXC_ERR);
	assert_true(verbs_qp_failed(p.a));
	assert_int_equal(mock_qp_state(me.qpn), IBV_QPS_ERR);
	assert_int_equal(verbs_rc_send(p.rc, p.a, buf, n, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "in error"));
	assert_int_equal(verbs_rc_poll(p.rc, ev, 8, err, sizeof(err)), 0);
	assert_int_equal(verbs_rc_stats(p.rc)->qp_errors, 1);
	/* reconnect: a new QP for a, b's peer moves to it */
	verbs_qp_free(p.rc, p.a);
	assert_non_null(p.a = verbs_qp_new(p.rc, &p.ctx_a, err,
	    sizeof(err)));
	verbs_qp_local(p.rc, p.a, &me);
	verbs_qp_free(p.rc, p.b);
	assert_non_null(p.b = verbs_qp_new(p.rc, &p.ctx_b, err,
	    sizeof(err)));
	verbs_qp_local(p.rc, p.b, &pb);
	me.flow_label = pb.flow_label = 0x77;
	assert_int_equal(verbs_qp_connect(p.rc, p.a, &pb, err, sizeof(err)),
	    0);
	assert_int_equal(verbs_qp_connect(p.rc, p.b, &me, err, sizeof(err)),
	    0);
	assert_int_equal(verbs_rc_send(p.rc, p.a, buf, n, err, sizeof(err)),
	    0);
	/* freed before its completion is reaped: the slot comes back */
	verbs_qp_free(p.rc, p.a);
	p.a = NULL;
	assert_int_equal(verbs_rc_poll(p.rc, ev, 8, err, sizeof(err)), 1);
	assert_int_equal(ev[0].type, VERBS_EV_RECV);	/* b got it */
	/* every path black-holed: every QP fails, each reported once */
	mock_verbs.blackhole = 1;
	assert_int_equal(verbs_rc_send(p.rc, p.b, buf, n, err, sizeof(err)),
	    0);
	assert_int_equal(verbs_rc_poll(p.rc, ev, 8, err, sizeof(err)), 1);
	assert_int_equal(ev[0].type, VERBS_EV_QP_ERROR);
	rc_pair_close(&p);
}

/* The GID: by address, by index; refusals name the option. */
static void
test_rc_gid_and_refusals(void **state)
{
	struct verbs_rc		*rc;
	struct verbs_rc_conf	 c;
	struct verbs_qp		*q[9];
	uint8_t			 gid[16];
	char			 err[256];
	int			 i;

	(void)state;
	assert_non_null(rc = open_rc(htonl(0xc6336407), -1, err,
	    sizeof(err)));			/* 198.51.100.7 */
	assert_int_equal(verbs_rc_gid_index(rc), 3);
	verbs_rc_gid(rc, gid);
	assert_int_equal(gid[15], 7);
	for (i = 0; i < 8; i++)
		assert_non_null(q[i] = verbs_qp_new(rc, NULL, err,
		    sizeof(err)));
	assert_null(q[8] = verbs_qp_new(rc, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "limit of 8"));
	verbs_rc_close(rc);			/* frees its QPs */
	assert_null(open_rc(htonl(0xcb007101), -1, err, sizeof(err)));
	assert_non_null(strstr(err, "--gid-index"));
	assert_non_null(rc = open_rc(0, 1, err, sizeof(err)));
	assert_int_equal(verbs_rc_gid_index(rc), 1);
	verbs_rc_close(rc);
	assert_null(open_rc(0, 9, err, sizeof(err)));
	assert_non_null(strstr(err, "--gid-index 9"));
	verbs_rc_conf_default(&c);
	c.device = "mlx5_7";
	assert_null(verbs_rc_open(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "--device 'mlx5_7'"));
	mock_verbs.port_state = IBV_PORT_DOWN;
	c.device = NULL;
	assert_null(verbs_rc_open(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "active port"));
	mock_verbs.ndev = 0;
	assert_null(verbs_rc_open(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "use --backend udp"));
}

/* ---- GPUDirect (--payload gpu): split probes, a dma-buf region ---- */

#define GLEN	256		/* payload octets of every GPU probe */
#define GRING	16

static struct probe_pkt
gpu_pkt(uint64_t seq, uint32_t len, uint8_t flags)
{
	return (struct probe_pkt){ .opcode = PROBE_OP_RC_SEND_ONLY,
	    .dest_qp = 9, .psn = (uint32_t)seq, .flags = flags,
	    .src_port = 0xc009, .path_id = 9, .payload_len = len, .seq = seq,
	    .send_ns = 5000 + seq, .seed = 0x5eed5eed5eedULL };
}

/* Head + payload + tail, as split, is what probe_write_payload() builds. */
static void
test_split_write_parse(void **state)
{
	struct probe_pkt	 p = gpu_pkt(77, 13, 0), q, r;
	struct ibuf		*whole = ibuf_open(PROBE_PKT_MAX);
	struct ibuf		*head = ibuf_open(64), *tail = ibuf_open(16);
	struct ibuf		 hb, tb;
	uint8_t			 pl[13], cat[PROBE_PKT_MAX];
	uint64_t		 csum;
	size_t			 hl, tl;

	(void)state;
	assert_non_null(whole);
	csum = payload_fill(pl, sizeof(pl), p.seed, p.seq);
	assert_int_equal(probe_write_payload(whole, &p, pl, csum), 0);
	q = gpu_pkt(77, 13, 0);
	assert_int_equal(probe_write_split(head, tail, &q, csum), 0);
	hl = ibuf_size(head);
	tl = ibuf_size(tail);
	assert_int_equal(hl, VERBS_GPU_HEAD);
	assert_int_equal(tl, PROBE_CSUM_LEN + 3 + PROBE_ICRC_LEN); /* pad 3 */
	memcpy(cat, ibuf_data(head), hl);
	memcpy(cat + hl, pl, sizeof(pl));
	memcpy(cat + hl + sizeof(pl), ibuf_data(tail), tl);
	assert_int_equal(hl + sizeof(pl) + tl, ibuf_size(whole));
	assert_memory_equal(cat, ibuf_data(whole), ibuf_size(whole));
	/* parsed in pieces: the header's fields, the trailer's checksum */
	ibuf_from_buffer(&hb, ibuf_data(head), hl);
	ibuf_from_buffer(&tb, ibuf_data(tail), tl);
	assert_int_equal(probe_parse_split(&hb, 13, &tb, &r), PROBE_OK);
	assert_int_equal(r.seq, 77);
	assert_int_equal(r.payload_len, 13);
	assert_int_equal(r.csum, csum);
	assert_null(r.payload);
	assert_int_equal(r.verdict, 0);		/* not verified here */
	/* the payload is not where this receiver put it: length */
	ibuf_from_buffer(&hb, ibuf_data(head), hl);
	ibuf_from_buffer(&tb, ibuf_data(tail), tl);
	assert_int_equal(probe_parse_split(&hb, 12, &tb, &r), PROBE_E_TRUNCATED);
	ibuf_from_buffer(&hb, ibuf_data(head), hl);
	ibuf_from_buffer(&tb, ibuf_data(tail), tl - 1);
	assert_int_equal(probe_parse_split(&hb, 14, &tb, &r), PROBE_E_LENGTH);
	/* a header one octet short, or one long */
	ibuf_from_buffer(&hb, ibuf_data(head), hl - 1);
	ibuf_from_buffer(&tb, ibuf_data(tail), tl);
	assert_int_equal(probe_parse_split(&hb, 13, &tb, &r),
	    PROBE_E_TRUNCATED);
	ibuf_from_buffer(&hb, cat, hl + 1);
	ibuf_from_buffer(&tb, ibuf_data(tail), tl);
	assert_int_equal(probe_parse_split(&hb, 12, &tb, &r), PROBE_E_LENGTH);
	/* a reply (no payload) scattered over a payload slot: length */
	ibuf_free(whole);
	assert_non_null(whole = ibuf_open(PROBE_PKT_MAX));
	q = gpu_pkt(78, 0, PROBE_F_REPLY);
	assert_int_equal(probe_write(whole, &q), 0);
	ibuf_from_buffer(&hb, ibuf_data(whole), VERBS_GPU_HEAD);
	ibuf_from_buffer(&tb, NULL, 0);
	assert_int_equal(probe_parse_split(&hb, ibuf_size(whole) -
	    VERBS_GPU_HEAD, &tb, &r), PROBE_E_LENGTH);
	ibuf_free(whole);
	ibuf_free(head);
	ibuf_free(tail);
}

struct gpu_rc {
	struct verbs_rc	*rc;
	struct verbs_qp	*a, *b;		/* sender's (host receives), */
	int		 ctx_a, ctx_b;	/* responder's (GPU receives) */
	uint8_t		*mem;		/* stands in for GPU memory */
	size_t		 len;
};

static struct verbs_rc *
gpu_open(struct gpu_rc *g, size_t len, char *err, size_t errlen)
{
	struct verbs_rc_conf	 c;

	verbs_rc_conf_default(&c);
	c.ring = GRING;
	c.max_qps = 8;
	c.gpu_len = GLEN;
	c.dmabuf_fd = 11;
	c.dmabuf_offset = 0;
	g->len = verbs_rc_gpu_len(&c);
	if (g->mem == NULL && (g->mem = calloc(1, g->len)) == NULL)
		fail_msg("calloc");
	c.dmabuf_iova = (uintptr_t)g->mem;
	c.dmabuf_len = len;
	return verbs_rc_open(&c, err, errlen);
}

static void
gpu_pair(struct gpu_rc *g)
{
	struct verbs_peer	 pa, pb;
	char			 err[256];

	*g = (struct gpu_rc){ 0 };
	if ((g->rc = gpu_open(g, 2 * GRING * GLEN, err, sizeof(err))) == NULL)
		fail_msg("verbs_rc_open: %s", err);
	g->a = verbs_qp_new(g->rc, &g->ctx_a, err, sizeof(err));
	g->b = verbs_qp_new_gpu(g->rc, &g->ctx_b, err, sizeof(err));
	assert_non_null(g->a);
	assert_non_null(g->b);
	verbs_qp_local(g->rc, g->a, &pa);
	verbs_qp_local(g->rc, g->b, &pb);
	pa.flow_label = pb.flow_label = 9;
	if (verbs_qp_connect(g->rc, g->a, &pb, err, sizeof(err)) == -1 ||
	    verbs_qp_connect(g->rc, g->b, &pa, err, sizeof(err)) == -1)
		fail_msg("verbs_qp_connect: %s", err);
}

/* n probes from a's GPU send slots (filled "in place" by the CPU here). */
static void
gpu_send(struct gpu_rc *g, uint64_t seq0, size_t n)
{
	struct probe_pkt	 p;
	struct ibuf		*head = ibuf_open(64), *tail = ibuf_open(16);
	size_t			 off, k;
	uint64_t		 csum;
	char			 err[256];

	assert_int_equal(verbs_rc_gpu_room(g->rc, n, &off), n);
	for (k = 0; k < n; k++) {
		p = gpu_pkt(seq0 + k, GLEN, 0);
		csum = payload_fill(g->mem + off + k * GLEN, GLEN, p.seed,
		    p.seq);
		ibuf_truncate(head, 0);
		ibuf_truncate(tail, 0);
		assert_int_equal(probe_write_split(head, tail, &p, csum), 0);
		if (verbs_rc_send_gpu(g->rc, g->a, ibuf_data(head),
		    ibuf_size(head), ibuf_data(tail), ibuf_size(tail),
		    off + k * GLEN, err, sizeof(err)) == -1)
			fail_msg("verbs_rc_send_gpu: %s", err);
	}
	ibuf_free(head);
	ibuf_free(tail);
}

/*
 * Payloads gathered from the dma-buf region and scattered into the
 * responder's GPU slots, headers through host memory; the slots are
 * used in turn, so that a batch is verified in runs; damage counted.
 */
static void
test_rc_gpu_echo(void **state)
{
	struct gpu_rc		 g;
	struct verbs_ev		 ev[16];
	uint8_t			 buf[PROBE_PKT_MAX];
	size_t			 off, n, k;
	char			 err[256];
	int			 got;

	(void)state;
	gpu_pair(&g);
	assert_int_equal(mock_verbs.reg_dmabuf_mr, 1);
	assert_int_equal(mock_verbs.dmabuf_fd, 11);
	assert_int_equal(mock_verbs.dmabuf_iova, (uintptr_t)g.mem);
	assert_int_equal(mock_verbs.dmabuf_len, 2 * GRING * GLEN);
	assert_true(mock_verbs.dmabuf_access & IBV_ACCESS_LOCAL_WRITE);
	gpu_send(&g, 100, 4);
	/* busy until their completions are reaped */
	assert_int_equal(verbs_rc_gpu_room(g.rc, GRING, &off), GRING - 4);
	assert_int_equal(off, 4 * GLEN);
	assert_int_equal(mock_verbs.dmabuf_gathered, 4 * GLEN);
	assert_int_equal(mock_verbs.dmabuf_scattered, 4 * GLEN);
	assert_int_equal(got = verbs_rc_poll(g.rc, ev, 16, err, sizeof(err)),
	    4);
	for (k = 0; k < 4; k++) {
		assert_int_equal(ev[k].type, VERBS_EV_RECV);
		assert_ptr_equal(ev[k].ctx, &g.ctx_b);
		assert_int_equal(ev[k].err, PROBE_OK);
		assert_true(ev[k].gpu);
		assert_null(ev[k].pkt.payload);
		assert_int_equal(ev[k].pkt.seq, 100 + k);
		assert_int_equal(ev[k].len, VERBS_GPU_HEAD + GLEN + 12);
		/* receive slots of the second half, in turn */
		assert_int_equal(ev[k].gpu_off, (GRING + k) * GLEN);
		assert_int_equal(payload_verify(g.mem + ev[k].gpu_off, GLEN,
		    ev[k].pkt.seed, ev[k].pkt.seq, ev[k].pkt.csum), 0);
	}
	assert_int_equal(verbs_rc_gpu_room(g.rc, GRING, &off), GRING);
	/* the reply, no payload, to a's host receives */
	n = rc_probe(buf, sizeof(buf), 0xc009, PROBE_F_REPLY, 100);
	assert_int_equal(verbs_rc_send(g.rc, g.b, buf, n, err, sizeof(err)),
	    0);
	assert_int_equal(verbs_rc_poll(g.rc, ev, 16, err, sizeof(err)), 1);
	assert_ptr_equal(ev[0].ctx, &g.ctx_a);
	assert_false(ev[0].gpu);
	assert_int_equal(ev[0].err, PROBE_OK);
	/*
	 * 40 more through 16 GPU receives: reposted in the order taken, so
	 * the slots are used in turn (a burst is one run, or two where it
	 * wraps), as the in-place verify wants them
	 */
	for (k = 0; k < 40; k += 8) {
		gpu_send(&g, 200 + k, 8);
		assert_int_equal(verbs_rc_poll(g.rc, ev, 16, err,
		    sizeof(err)), 8);
		for (n = 1; n < 8; n++)
			assert_int_equal(ev[n].gpu_off / GLEN - GRING,
			    (ev[0].gpu_off / GLEN - GRING + n) % GRING);
		assert_int_equal(ev[7].pkt.seq, 200 + k + 7);
	}
	/* a payload octet damaged in flight: there in GPU memory */
	mock_verbs.corrupt_at = VERBS_GPU_HEAD + 5;
	gpu_send(&g, 300, 1);
	assert_int_equal(verbs_rc_poll(g.rc, ev, 16, err, sizeof(err)), 1);
	assert_int_equal(ev[0].err, PROBE_OK);		/* deferred */
	assert_int_equal(payload_verify(g.mem + ev[0].gpu_off, GLEN,
	    ev[0].pkt.seed, ev[0].pkt.seq, ev[0].pkt.csum),
	    PAYLOAD_BAD_PATTERN | PAYLOAD_BAD_CSUM);
	/* the checksum damaged (host trailer): the checksum's verdict */
	mock_verbs.corrupt_at = VERBS_GPU_HEAD + GLEN + 2;
	gpu_send(&g, 301, 1);
	assert_int_equal(verbs_rc_poll(g.rc, ev, 16, err, sizeof(err)), 1);
	assert_int_equal(payload_verify(g.mem + ev[0].gpu_off, GLEN,
	    ev[0].pkt.seed, ev[0].pkt.seq, ev[0].pkt.csum), PAYLOAD_BAD_CSUM);
	/* another length than the slots: malformed, never verified */
	n = rc_probe(buf, sizeof(buf), 0xc009, 0, 302);	/* 256: fits */
	assert_int_equal(verbs_rc_send(g.rc, g.a, buf, n, err, sizeof(err)),
	    0);
	assert_int_equal(verbs_rc_poll(g.rc, ev, 16, err, sizeof(err)), 1);
	assert_int_equal(ev[0].err, PROBE_OK);	/* same layout, one SGE */
	{
		struct probe_pkt	 p = gpu_pkt(303, 100, 0);
		struct ibuf		*b = ibuf_open(PROBE_PKT_MAX);

		assert_int_equal(probe_write(b, &p), 0);
		assert_int_equal(verbs_rc_send(g.rc, g.a, ibuf_data(b),
		    ibuf_size(b), err, sizeof(err)), 0);
		assert_int_equal(verbs_rc_poll(g.rc, ev, 16, err,
		    sizeof(err)), 1);
		assert_int_equal(ev[0].err, PROBE_E_LENGTH);
		/* longer than header + slot + trailer: the NIC refuses it */
		p = gpu_pkt(304, 1024, 0);
		ibuf_truncate(b, 0);
		assert_int_equal(probe_write(b, &p), 0);
		assert_int_equal(verbs_rc_send(g.rc, g.a, ibuf_data(b),
		    ibuf_size(b), err, sizeof(err)), 0);
		assert_int_equal(verbs_rc_poll(g.rc, ev, 16, err,
		    sizeof(err)), 1);
		assert_int_equal(ev[0].type, VERBS_EV_QP_ERROR);
		assert_ptr_equal(ev[0].ctx, &g.ctx_b);
		assert_int_equal(ev[0].status, IBV_WC_LOC_LEN_ERR);
		ibuf_free(b);
	}
	assert_int_equal(verbs_rc_stats(g.rc)->gpu_received, 44 + 2 + 2);
	verbs_rc_close(g.rc);
	free(g.mem);
}

/* Slots in use are not handed out; refusals say what. */
static void
test_rc_gpu_refusals(void **state)
{
	struct gpu_rc		 g;
	struct verbs_ev		 ev[16];
	size_t			 off;
	char			 err[256];

	(void)state;
	gpu_pair(&g);
	gpu_send(&g, 1, GRING - 2);
	assert_int_equal(verbs_rc_gpu_room(g.rc, 8, &off), 2);
	assert_int_equal(off, (GRING - 2) * GLEN);
	assert_int_equal(verbs_rc_send_gpu(g.rc, g.a, "h", 1, "t", 1, 0, err,
	    sizeof(err)), -1);			/* slot 0 is busy */
	assert_non_null(strstr(err, "no free GPU send slot"));
	assert_int_equal(verbs_rc_send_gpu(g.rc, g.a, "h", 1, "t", 1, 3, err,
	    sizeof(err)), -1);			/* not a slot */
	assert_int_equal(verbs_rc_poll(g.rc, ev, 16, err, sizeof(err)),
	    GRING - 2);
	/* the longer run: from slot 0 once the first ones are free */
	gpu_send(&g, 100, 1);
	assert_int_equal(verbs_rc_gpu_room(g.rc, 8, &off), 8);
	assert_int_equal(off, 0);
	verbs_rc_close(g.rc);
	/* a NIC or driver that refuses the dma-buf: said, no fallback */
	mock_verbs.refuse_dmabuf = EOPNOTSUPP;
	assert_null(gpu_open(&g, 2 * GRING * GLEN, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot register GPU memory"));
	assert_non_null(strstr(err, "ibv_reg_dmabuf_mr"));
	assert_non_null(strstr(err, strerror(EOPNOTSUPP)));
	mock_verbs.refuse_dmabuf = 0;
	assert_null(gpu_open(&g, 2 * GRING * GLEN - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "needed"));
	free(g.mem);
	/* without a dma-buf: no GPU QP, no GPU room */
	{
		struct rc_pair	 p;

		rc_pair(&p, 5);
		assert_null(verbs_qp_new_gpu(p.rc, NULL, err, sizeof(err)));
		assert_non_null(strstr(err, "no GPU memory"));
		assert_int_equal(verbs_rc_gpu_room(p.rc, 4, &off), 0);
		rc_pair_close(&p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_qp_states, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mock_refuses_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_recv, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rings_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cq_error, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_device, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dmabuf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rc_connect, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rc_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rc_qp_error, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rc_gid_and_refusals,
		    setup, teardown),
		cmocka_unit_test(test_split_write_parse),
		cmocka_unit_test_setup_teardown(test_rc_gpu_echo, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rc_gpu_refusals, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
