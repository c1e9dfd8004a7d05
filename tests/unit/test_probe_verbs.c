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
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric_probe.h"
#include "mock_verbs.h"
#include "payload.h"
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
