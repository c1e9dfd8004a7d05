/*
 * Unit tests for TMSG_T_PATH (telemetry/tmsg.c), the report fabric-probe
 * signs and publishes: IPv4 and IPv6 round trips through the receiver
 * (MAC, replay window), the exact octets of the body as docs/PROBE.md
 * lays them out, and the rejections: wrong key, every truncation, a
 * trailing octet, an unknown family, too many hops, a bad state, counters
 * that do not add up, RTTs out of order.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ibuf.h"
#include "tmsg.h"

static struct tmsg_key	 key, other;

static void
v4(struct tmsg_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	*a = (struct tmsg_addr){ .af = TMSG_AF_INET,
	    .addr = { x, y, z, w } };
}

static struct tmsg *
path_msg(uint64_t seq)
{
	struct tmsg	*m = calloc(1, sizeof(*m));
	struct tmsg_path *p;

	assert_non_null(m);
	m->type = TMSG_T_PATH;
	m->seq = seq;
	m->time_ns = 1763700000000000000ULL;
	snprintf(m->agent, sizeof(m->agent), "h1");
	p = &m->path;
	v4(&p->src, 10, 1, 1, 11);
	v4(&p->dst, 10, 1, 4, 11);
	p->src_port = 49153;
	p->dst_port = 4791;
	p->path_id = 2;
	p->state = TMSG_PATH_FAILED;
	p->nhops = 3;
	v4(&p->hops[0], 10, 1, 1, 1);
	v4(&p->hops[1], 10, 0, 0, 2);
	v4(&p->hops[2], 10, 0, 1, 4);
	p->rtt_min_us = 41;
	p->rtt_median_us = 57;
	p->rtt_p99_us = 230;
	p->window_ms = 1000;
	p->sent = 1000;
	p->received = 990;
	p->lost = 7;
	p->integrity = 3;
	p->throughput_bps = 1234567;
	p->state_changes = 1;
	return m;
}

static struct ibuf *
encode(const struct tmsg *m, const struct tmsg_key *k)
{
	struct ibuf	*b = ibuf_dynamic(256, TMSG_MAX_SIZE);

	assert_non_null(b);
	assert_int_equal(tmsg_write(b, m, k), 0);
	return b;
}

/* Appends the MAC of b's octets under key (fixing the length first). */
static void
sign(struct ibuf *b)
{
	unsigned char	 mac[TMSG_MAC_LEN];
	unsigned int	 maclen = sizeof(mac);

	assert_int_equal(ibuf_set_n32(b, 4, ibuf_size(b) + TMSG_MAC_LEN), 0);
	assert_non_null(HMAC(EVP_sha256(), key.key, (int)key.len,
	    ibuf_data(b), ibuf_size(b), mac, &maclen));
	assert_int_equal(ibuf_add(b, mac, sizeof(mac)), 0);
}

static void
setup_keys(void)
{
	assert_int_equal(tmsg_key_set(&key, "0123456789abcdef0123", 20), 0);
	assert_int_equal(tmsg_key_set(&other, "fedcba9876543210fedc", 20), 0);
}

static void
test_roundtrip_v4(void **state)
{
	struct tmsg	*m = path_msg(7), *got = calloc(1, sizeof(*got));
	struct ibuf	*b = encode(m, &key);
	struct tmsg_rx	 rx;

	(void)state;
	tmsg_rx_init(&rx, &key);
	assert_int_equal(tmsg_rx_decode(&rx, ibuf_data(b), ibuf_size(b), got),
	    TMSG_OK);
	assert_int_equal(got->type, TMSG_T_PATH);
	assert_string_equal(got->agent, "h1");
	assert_memory_equal(&got->path, &m->path, sizeof(m->path));
	assert_string_equal(tmsg_type_str(got->type), "path");
	/* the same octets again: a replay */
	assert_int_equal(tmsg_rx_decode(&rx, ibuf_data(b), ibuf_size(b), got),
	    TMSG_E_REPLAYED);
	assert_int_equal(rx.errors[TMSG_E_REPLAYED], 1);
	tmsg_rx_free(&rx);
	ibuf_free(b);
	free(m);
	free(got);
}

static void
test_roundtrip_v6_nohops(void **state)
{
	struct tmsg	*m = path_msg(1), *got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	int		 i;

	(void)state;
	m->path.src.af = m->path.dst.af = TMSG_AF_INET6;
	for (i = 0; i < 16; i++) {
		m->path.src.addr[i] = (uint8_t)i;
		m->path.dst.addr[i] = (uint8_t)(0xf0 + i);
	}
	m->path.nhops = 0;
	memset(m->path.hops, 0, sizeof(m->path.hops));
	m->path.state = TMSG_PATH_OK;
	b = encode(m, &key);
	assert_int_equal(tmsg_parse(ibuf_data(b), ibuf_size(b), &key, got),
	    TMSG_OK);
	assert_memory_equal(&got->path, &m->path, sizeof(m->path));
	ibuf_free(b);
	free(m);
	free(got);
}

/* The body as docs/PROBE.md draws it, octet for octet. */
static void
test_layout(void **state)
{
	static const uint8_t want[] = {
		4, 10, 1, 1, 11,		/* src */
		4, 10, 1, 4, 11,		/* dst */
		0xc0, 0x01, 0x12, 0xb7,		/* ports 49153, 4791 */
		0, 0, 0, 2,			/* path id */
		1, 3,				/* failed, 3 hops */
		4, 10, 1, 1, 1, 4, 10, 0, 0, 2, 4, 10, 0, 1, 4,
		0, 0, 0, 41, 0, 0, 0, 57, 0, 0, 0, 230,	/* RTT us */
		0, 0, 0x03, 0xe8,		/* window 1000 ms */
		0, 0, 0, 0, 0, 0, 0x03, 0xe8,	/* sent */
		0, 0, 0, 0, 0, 0, 0x03, 0xde,	/* received */
		0, 0, 0, 0, 0, 0, 0, 7,		/* lost */
		0, 0, 0, 0, 0, 0, 0, 3,		/* integrity */
		0, 0, 0, 0, 0, 0x12, 0xd6, 0x87,	/* throughput */
		0, 0, 0, 0, 0, 0, 0, 1,		/* state changes */
	};
	struct tmsg	*m = path_msg(1);
	struct ibuf	*b = encode(m, NULL);
	size_t		 body = TMSG_FIXED_HDR + 1 + strlen(m->agent);

	(void)state;
	assert_int_equal(ibuf_size(b), body + sizeof(want) + TMSG_MAC_LEN);
	assert_memory_equal((uint8_t *)ibuf_data(b) + body, want,
	    sizeof(want));
	ibuf_free(b);
	free(m);
}

static void
test_wrong_key(void **state)
{
	struct tmsg	*m = path_msg(1), *got = calloc(1, sizeof(*got));
	struct ibuf	*b = encode(m, &other);

	(void)state;
	assert_int_equal(tmsg_parse(ibuf_data(b), ibuf_size(b), &key, got),
	    TMSG_E_BAD_MAC);
	ibuf_free(b);
	free(m);
	free(got);
}

/*
 * Re-signs a message whose body was cut to blen octets (plus extra
 * appended octets), so that only the body parser can object.
 */
static enum tmsg_err
parse_body_variant(const struct tmsg *m, size_t blen, const uint8_t *extra,
    size_t elen)
{
	struct ibuf	*full = encode(m, NULL), *b;
	struct tmsg	*got = calloc(1, sizeof(*got));
	size_t		 hdr = TMSG_FIXED_HDR + 1 + strlen(m->agent);
	enum tmsg_err	 e;

	b = ibuf_dynamic(256, TMSG_MAX_SIZE);
	assert_non_null(got);
	assert_int_equal(ibuf_add(b, ibuf_data(full), hdr + blen), 0);
	if (elen > 0)
		assert_int_equal(ibuf_add(b, extra, elen), 0);
	sign(b);
	e = tmsg_parse(ibuf_data(b), ibuf_size(b), &key, got);
	ibuf_free(full);
	ibuf_free(b);
	free(got);
	return e;
}

static size_t
body_len(const struct tmsg *m)
{
	struct ibuf	*b = encode(m, NULL);
	size_t		 n = ibuf_size(b) - TMSG_FIXED_HDR - 1 -
			    strlen(m->agent) - TMSG_MAC_LEN;

	ibuf_free(b);
	return n;
}

static void
test_truncated_and_trailing(void **state)
{
	struct tmsg	*m = path_msg(1);
	size_t		 n = body_len(m), cut;
	uint8_t		 one = 0;

	(void)state;
	assert_int_equal(parse_body_variant(m, n, NULL, 0), TMSG_OK);
	for (cut = 0; cut < n; cut++)
		assert_int_equal(parse_body_variant(m, cut, NULL, 0),
		    TMSG_E_MALFORMED);
	assert_int_equal(parse_body_variant(m, n, &one, 1), TMSG_E_MALFORMED);
	free(m);
}

static void
test_bad_fields(void **state)
{
	struct tmsg	*m = path_msg(1);
	struct ibuf	*b;

	(void)state;
	/* what the writer refuses */
	m->path.src.af = 5;
	assert_int_equal(tmsg_write(b = ibuf_dynamic(256, 4096), m, &key), -1);
	assert_int_equal(errno, EINVAL);
	ibuf_free(b);
	m->path.src.af = TMSG_AF_INET;

	m->path.nhops = TMSG_PATH_MAX_HOPS + 1;
	assert_int_equal(tmsg_write(b = ibuf_dynamic(256, 4096), m, &key), -1);
	assert_int_equal(errno, ERANGE);
	ibuf_free(b);
	m->path.nhops = 3;

	/* what the writer writes but the parser must refuse */
	{
		struct tmsg *bad = path_msg(1);

		bad->path.received = 995;	/* 995 + 7 > 1000 */
		assert_int_equal(parse_body_variant(bad, body_len(bad), NULL,
		    0), TMSG_E_MALFORMED);
		bad->path.received = 990;
		bad->path.lost = 1001;
		assert_int_equal(parse_body_variant(bad, body_len(bad), NULL,
		    0), TMSG_E_MALFORMED);
		bad->path.lost = 7;
		bad->path.rtt_median_us = 300;	/* above p99 */
		assert_int_equal(parse_body_variant(bad, body_len(bad), NULL,
		    0), TMSG_E_MALFORMED);
		bad->path.rtt_median_us = 30;	/* below min */
		assert_int_equal(parse_body_variant(bad, body_len(bad), NULL,
		    0), TMSG_E_MALFORMED);
		bad->path.rtt_median_us = 57;
		assert_int_equal(parse_body_variant(bad, body_len(bad), NULL,
		    0), TMSG_OK);
		free(bad);
	}
	free(m);
}

/* One octet of the encoded body patched, then re-signed. */
static enum tmsg_err
patched(size_t off, uint8_t v)
{
	struct tmsg	*m = path_msg(1), *got = calloc(1, sizeof(*got));
	struct ibuf	*b = encode(m, NULL);
	size_t		 hdr = TMSG_FIXED_HDR + 1 + strlen(m->agent);
	enum tmsg_err	 e;

	assert_int_equal(ibuf_set_n8(b, hdr + off, v), 0);
	assert_int_equal(ibuf_truncate(b, ibuf_size(b) - TMSG_MAC_LEN), 0);
	sign(b);
	e = tmsg_parse(ibuf_data(b), ibuf_size(b), &key, got);
	ibuf_free(b);
	free(m);
	free(got);
	return e;
}

static void
test_patched_octets(void **state)
{
	(void)state;
	assert_int_equal(patched(0, 4), TMSG_OK);	/* control */
	assert_int_equal(patched(0, 5), TMSG_E_MALFORMED);	/* src af */
	assert_int_equal(patched(0, 0), TMSG_E_MALFORMED);
	assert_int_equal(patched(5, 41), TMSG_E_MALFORMED);	/* dst af */
	assert_int_equal(patched(18, TMSG_PATH_UNSEEN), TMSG_OK);
	assert_int_equal(patched(18, 3), TMSG_E_MALFORMED);	/* state */
	assert_int_equal(patched(19, TMSG_PATH_MAX_HOPS + 1),
	    TMSG_E_MALFORMED);					/* nhops */
	assert_int_equal(patched(19, 2), TMSG_E_MALFORMED);	/* fewer */
	assert_int_equal(patched(20, 6), TMSG_E_MALFORMED);	/* hop af */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_v4),
		cmocka_unit_test(test_roundtrip_v6_nohops),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_patched_octets),
	};

	setup_keys();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
