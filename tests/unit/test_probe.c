/*
 * Unit tests for gpu-probe/probe_pkt.c: RC and UD round trips, every
 * parser rejection counted under its own category, a corrupted payload
 * counted as an integrity failure (not as malformed), and the writer's
 * bounds.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ibuf.h"
#include "payload.h"
#include "probe_pkt.h"

/* Offsets into an RC packet (no DETH). */
#define OFF_FLAGS	1
#define OFF_PKEY	2
#define OFF_MAGIC	PROBE_BTH_LEN
#define OFF_VERSION	(PROBE_BTH_LEN + 4)
#define OFF_LEN		(PROBE_BTH_LEN + 12)
#define OFF_PAYLOAD	(PROBE_BTH_LEN + PROBE_HDR_LEN)

static struct probe_pkt
sample(uint8_t opcode, uint32_t len)
{
	struct probe_pkt	 p = { 0 };

	p.opcode = opcode;
	p.ackreq = 1;
	p.dest_qp = 0xabcdef;
	p.psn = 0x123456;
	p.qkey = 0x80010000;
	p.src_qp = 0x000101;
	p.src_port = 49152 + 17;
	p.path_id = 42;
	p.payload_len = len;
	p.seq = 0x0102030405060708ULL;
	p.send_ns = 1795000000123456789ULL;
	p.seed = 0xfeedfacecafebeefULL;
	return p;
}

/* Writes p into buf; returns the length. */
static size_t
build(uint8_t *buf, size_t size, struct probe_pkt *p)
{
	struct ibuf	*b = ibuf_open(size);
	size_t		 n;

	assert_non_null(b);
	assert_int_equal(probe_write(b, p), 0);
	n = ibuf_size(b);
	assert_int_equal(n, probe_pkt_len(p));
	memcpy(buf, ibuf_data(b), n);
	ibuf_free(b);
	return n;
}

static enum probe_err
parse(const uint8_t *buf, size_t n, struct probe_pkt *out,
    struct probe_stats *st)
{
	struct ibuf	 in;

	ibuf_from_buffer(&in, buf, n);
	return probe_parse(&in, out, st);
}

static void
assert_same(const struct probe_pkt *a, const struct probe_pkt *b)
{
	assert_int_equal(a->opcode, b->opcode);
	assert_int_equal(a->ackreq, b->ackreq);
	assert_int_equal(a->dest_qp, b->dest_qp);
	assert_int_equal(a->psn, b->psn);
	assert_int_equal(a->src_port, b->src_port);
	assert_int_equal(a->path_id, b->path_id);
	assert_int_equal(a->payload_len, b->payload_len);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->send_ns, b->send_ns);
	assert_int_equal(a->seed, b->seed);
	assert_int_equal(a->csum, b->csum);
	if (a->opcode == PROBE_OP_UD_SEND_ONLY) {
		assert_int_equal(a->qkey, b->qkey);
		assert_int_equal(a->src_qp, b->src_qp);
	}
}

static void
test_round_trip(void **state)
{
	static const uint32_t	 lens[] = { 0, 1, 2, 3, 4, 5, 63, 1024, 4093,
				    PROBE_PAYLOAD_MAX };
	static const uint8_t	 ops[] = { PROBE_OP_RC_SEND_ONLY,
				    PROBE_OP_UD_SEND_ONLY };
	static uint8_t		 buf[PROBE_PKT_MAX];
	struct probe_stats	 st = { { 0 } };
	struct probe_pkt	 p, q;
	size_t			 i, j, n;

	for (i = 0; i < sizeof(ops); i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			p = sample(ops[i], lens[j]);
			n = build(buf, sizeof(buf), &p);
			assert_true(n <= PROBE_PKT_MAX);
			assert_int_equal(n % 4, 0);	/* pad did its job */
			assert_int_equal(parse(buf, n, &q, &st), PROBE_OK);
			assert_same(&p, &q);
			assert_int_equal(q.verdict, 0);
			assert_int_equal(q.icrc, 0);
		}
	}
	assert_int_equal(st.count[PROBE_OK], 20);
}

/* The wire bytes, pinned: the BTH and the probe header of an RC probe. */
static void
test_wire_layout(void **state)
{
	static const uint8_t	 want[] = {
		0x04, 0x30, 0xff, 0xff, 0x00, 0xab, 0xcd, 0xef,	/* BTH */
		0x80, 0x12, 0x34, 0x56,
		'F', 'P', 'R', 'B', 1, 0, 0xc0, 0x11,		/* probe */
		0, 0, 0, 42, 0, 0, 0, 5,
		1, 2, 3, 4, 5, 6, 7, 8,
	};
	uint8_t			 buf[128];
	struct probe_pkt	 p = sample(PROBE_OP_RC_SEND_ONLY, 5);
	size_t			 n = build(buf, sizeof(buf), &p);

	assert_int_equal(n, 12 + 40 + 5 + 8 + 3 + 4);
	assert_memory_equal(buf, want, sizeof(want));
	/* Pad and ICRC are zero. */
	assert_memory_equal(buf + n - 7, "\0\0\0\0\0\0\0", 7);
}

static void
expect(uint8_t *buf, size_t n, enum probe_err e, struct probe_stats *st)
{
	struct probe_pkt	 q;
	uint64_t		 before = st->count[e];

	assert_int_equal(parse(buf, n, &q, st), e);
	assert_int_equal(st->count[e], before + 1);
}

static void
test_rejections(void **state)
{
	static uint8_t		 buf[PROBE_PKT_MAX + 16], orig[sizeof(buf)];
	struct probe_stats	 st = { { 0 } };
	struct probe_pkt	 p = sample(PROBE_OP_RC_SEND_ONLY, 64);
	size_t			 n = build(orig, sizeof(orig), &p), k;
	int			 e;

	/* Every prefix is truncated (or, past the header, short). */
	for (k = 0; k < n; k++)
		expect(orig, k, PROBE_E_TRUNCATED, &st);
	assert_int_equal(st.count[PROBE_E_TRUNCATED], n);

	memcpy(buf, orig, n);
	buf[0] = 0x0a;				/* RC SEND FIRST */
	expect(buf, n, PROBE_E_OPCODE, &st);
	memcpy(buf, orig, n);
	buf[OFF_PKEY + 1] = 0xfe;		/* P_Key 0xfffe */
	expect(buf, n, PROBE_E_BTH, &st);
	memcpy(buf, orig, n);
	buf[OFF_FLAGS] |= 0x01;			/* transport version 1 */
	expect(buf, n, PROBE_E_BTH, &st);
	memcpy(buf, orig, n);
	buf[OFF_MAGIC] ^= 0x20;
	expect(buf, n, PROBE_E_MAGIC, &st);
	memcpy(buf, orig, n);
	buf[OFF_VERSION] = 2;
	expect(buf, n, PROBE_E_VERSION, &st);

	/* Length: one octet too many, a pad count that does not fit the
	 * payload length, a payload length past the maximum. */
	memcpy(buf, orig, n);
	expect(buf, n + 1, PROBE_E_LENGTH, &st);
	buf[OFF_FLAGS] = 0x10;
	expect(buf, n, PROBE_E_LENGTH, &st);
	memcpy(buf, orig, n);
	buf[OFF_LEN + 2] = 0x10;		/* 4096 + 64 */
	expect(buf, n, PROBE_E_LENGTH, &st);
	memcpy(buf, orig, n);
	buf[OFF_LEN + 3] = 68;			/* claims 4 more: short */
	expect(buf, n, PROBE_E_TRUNCATED, &st);

	for (e = PROBE_E_TRUNCATED; e < PROBE_E_INTEGRITY; e++)
		assert_true(probe_err_malformed((enum probe_err)e));
	assert_int_equal(st.count[PROBE_OK], 0);
	assert_int_equal(st.count[PROBE_E_INTEGRITY], 0);
	assert_int_equal(st.count[PROBE_E_OPCODE], 1);
	assert_int_equal(st.count[PROBE_E_BTH], 2);
	assert_int_equal(st.count[PROBE_E_MAGIC], 1);
	assert_int_equal(st.count[PROBE_E_VERSION], 1);
	assert_int_equal(st.count[PROBE_E_LENGTH], 3);
}

/* A UD packet cut inside its DETH is truncated. */
static void
test_ud_truncated_deth(void **state)
{
	uint8_t			 buf[256];
	struct probe_stats	 st = { { 0 } };
	struct probe_pkt	 p = sample(PROBE_OP_UD_SEND_ONLY, 8);
	size_t			 n = build(buf, sizeof(buf), &p);

	assert_int_equal(n, 12 + 8 + 40 + 8 + 8 + 0 + 4);
	expect(buf, PROBE_BTH_LEN + 4, PROBE_E_TRUNCATED, &st);
	expect(buf, n, PROBE_OK, &st);
}

/* A flipped payload or checksum octet: integrity, not malformed. */
static void
test_integrity(void **state)
{
	static uint8_t		 buf[PROBE_PKT_MAX], orig[PROBE_PKT_MAX];
	struct probe_stats	 st = { { 0 } };
	struct probe_pkt	 p = sample(PROBE_OP_UD_SEND_ONLY, 1500), q;
	size_t			 n = build(orig, sizeof(orig), &p), k;
	size_t			 pl = OFF_PAYLOAD + PROBE_DETH_LEN;
	int			 e;

	/* Payload octets every 97, then the checksum's last octet. */
	for (k = 0; k < 1500 + PROBE_CSUM_LEN; k = k + 97 < 1500 ? k + 97 :
	    k < 1500 ? 1500 + PROBE_CSUM_LEN - 1 : k + 1) {
		memcpy(buf, orig, n);
		buf[pl + k] ^= 0x04;
		e = parse(buf, n, &q, &st);
		assert_int_equal(e, PROBE_E_INTEGRITY);
		assert_false(probe_err_malformed((enum probe_err)e));
		/* The header is still there for the per-path counters. */
		assert_int_equal(q.path_id, 42);
		assert_int_equal(q.seq, p.seq);
		if (k < 1500)
			assert_true(q.verdict & PAYLOAD_BAD_PATTERN);
		else
			assert_int_equal(q.verdict, PAYLOAD_BAD_CSUM);
	}
	assert_int_equal(st.count[PROBE_E_INTEGRITY], 16 + 1);
	for (e = PROBE_OK; e < PROBE_E_MAX; e++)
		if (e != PROBE_E_INTEGRITY)
			assert_int_equal(st.count[e], 0);
	/* A different seed in the header: the pattern is wrong too. */
	memcpy(buf, orig, n);
	buf[pl - 1] ^= 1;
	assert_int_equal(parse(buf, n, &q, &st), PROBE_E_INTEGRITY);
}

/*
 * --payload gpu: a probe built around a payload filled elsewhere is the
 * probe probe_write() builds; a damaged one parses PROBE_OK deferred,
 * its payload left to the caller, and integrity when checked.
 */
static void
test_given_payload_deferred(void **state)
{
	static uint8_t		 a[PROBE_PKT_MAX], pl[1024];
	struct probe_pkt	 p = sample(PROBE_OP_RC_SEND_ONLY, sizeof(pl));
	struct probe_pkt	 q, r;
	struct ibuf		*b = ibuf_open(PROBE_PKT_MAX), in;
	uint64_t		 csum;
	size_t			 n;

	(void)state;
	assert_non_null(b);
	n = build(a, sizeof(a), &p);
	csum = payload_fill(pl, sizeof(pl), p.seed, p.seq);
	assert_int_equal(probe_write_payload(b, &p, pl, csum), 0);
	assert_int_equal(ibuf_size(b), n);
	assert_memory_equal(ibuf_data(b), a, n);
	assert_int_equal(p.csum, csum);

	/* the given octets and checksum go out as they are, not refilled */
	memset(pl, 0xab, sizeof(pl));
	ibuf_truncate(b, 0);
	r = p;
	assert_int_equal(probe_write_payload(b, &r, pl, 0x1122334455667788ULL),
	    0);
	assert_memory_equal((uint8_t *)ibuf_data(b) + OFF_PAYLOAD, pl,
	    sizeof(pl));
	assert_int_equal(((uint8_t *)ibuf_data(b))[OFF_PAYLOAD + sizeof(pl)],
	    0x11);
	assert_int_equal(r.csum, 0x1122334455667788ULL);

	a[OFF_PAYLOAD + 100] ^= 0x5a;
	ibuf_from_buffer(&in, a, n);
	assert_int_equal(probe_parse_deferred(&in, &q), PROBE_OK);
	assert_int_equal(q.verdict, 0);
	assert_int_equal(ibuf_size(&in), 0);
	assert_ptr_equal(q.payload, a + OFF_PAYLOAD);
	assert_same(&p, &q);
	assert_int_equal(payload_verify(q.payload, q.payload_len, q.seed,
	    q.seq, q.csum), PAYLOAD_BAD_PATTERN | PAYLOAD_BAD_CSUM);
	assert_int_equal(parse(a, n, &q, NULL), PROBE_E_INTEGRITY);

	a[OFF_MAGIC] ^= 1;	/* malformed stays malformed, deferred or not */
	ibuf_from_buffer(&in, a, n);
	assert_int_equal(probe_parse_deferred(&in, &q), PROBE_E_MAGIC);
	ibuf_free(b);
}

static void
test_writer_bounds(void **state)
{
	struct ibuf		*b = ibuf_open(64);
	struct probe_pkt	 p = sample(PROBE_OP_RC_SEND_ONLY, 64);

	assert_non_null(b);
	/* Does not fit: fails and leaves b as it was. */
	assert_int_equal(ibuf_add_n8(b, 0x99), 0);
	assert_int_equal(probe_write(b, &p), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(ibuf_size(b), 1);
	p.payload_len = PROBE_PAYLOAD_MAX + 1;
	assert_int_equal(probe_write(b, &p), -1);
	assert_int_equal(errno, ERANGE);
	p = sample(PROBE_OP_RC_SEND_ONLY, 0);
	p.dest_qp = PROBE_QP_MAX + 1;
	assert_int_equal(probe_write(b, &p), -1);
	assert_int_equal(errno, ERANGE);
	p = sample(0x0a, 0);
	assert_int_equal(probe_write(b, &p), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ibuf_size(b), 1);
	ibuf_free(b);
	assert_string_equal(probe_strerror(PROBE_E_INTEGRITY),
	    "payload integrity failure");
	assert_string_equal(probe_strerror(PROBE_E_MAX), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wire_layout),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_ud_truncated_deth),
		cmocka_unit_test(test_integrity),
		cmocka_unit_test(test_writer_bounds),
		cmocka_unit_test(test_given_payload_deferred),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
