/*
 * gpu-probe/probe_ctl.c: the flow label <-> UDP source port mapping that
 * steers a verbs path onto the ECMP path UDP discovery found, and the
 * control protocol's codec (round trips, the documented octets, every
 * refusal).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probe_ctl.h"

/* Every port discovery can pick comes back from its flow label. */
static void
test_fl_round_trip(void **state)
{
	uint32_t	 fl, s;

	(void)state;
	for (s = 0xc000; s <= 0xffff; s++) {
		fl = ctl_sport_to_fl((uint16_t)s);
		assert_true(fl != 0 && fl <= CTL_FL_MAX);
		assert_int_equal(ctl_fl_to_sport(fl), s);
	}
	assert_int_equal(ctl_sport_to_fl(0xc000), 0x4001);
	assert_int_equal(ctl_sport_to_fl(0xc123), 0x0123);
	assert_int_equal(ctl_sport_to_fl(49151), 0);	/* not reachable */
	/* the kernel's formula, spelt out: high bits fold into the low */
	assert_int_equal(ctl_fl_to_sport(0xfffff), 0xc000 | (0x3fff ^ 0x3f));
	assert_int_equal(ctl_fl_to_sport(0x12345), 0xc000 |
	    ((0x12345 & 0x3fff) ^ (0x12345 >> 14)));
}

static const uint8_t req_octets[CTL_REQ_LEN] = {
	0x46, 0x50, 0x43, 0x54, 1, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 9, 0, 1,
	0x00, 0x00, 0x00, 0x11,			/* QPN */
	0x00, 0xab, 0xcd, 0xef,			/* PSN */
	0x00, 0x00, 0x01, 0x23,			/* flow label */
};

static void
test_req(void **state)
{
	struct ctl_end	 e = { .qpn = 0x11, .psn = 0xabcdef,
			    .flow_label = 0x123 }, got;
	struct ibuf	*b, in;

	(void)state;
	memcpy(e.gid, req_octets + 8, 16);
	assert_non_null(b = ibuf_open(CTL_REQ_LEN));
	assert_int_equal(ctl_write_req(b, &e), 0);
	assert_int_equal(ibuf_size(b), CTL_REQ_LEN);
	assert_memory_equal(ibuf_data(b), req_octets, CTL_REQ_LEN);
	ibuf_from_buffer(&in, ibuf_data(b), ibuf_size(b));
	assert_int_equal(ctl_parse_req(&in, &got), CTL_OK);
	assert_memory_equal(&got, &e, sizeof(e));
	ibuf_free(b);
	/* the writer refuses what the parser would */
	assert_non_null(b = ibuf_open(CTL_REQ_LEN));
	e.flow_label = 0;
	assert_int_equal(ctl_write_req(b, &e), -1);
	e.flow_label = CTL_FL_MAX + 1;
	assert_int_equal(ctl_write_req(b, &e), -1);
	ibuf_free(b);
}

/* req_octets with octet `at' set to v, parsed: the result. */
static enum ctl_err
req_with(size_t at, uint8_t v, size_t len)
{
	uint8_t		 m[CTL_REQ_LEN + 1] = { 0 };
	struct ctl_end	 e = { .qpn = 77 };
	struct ibuf	 in;
	enum ctl_err	 err;

	memcpy(m, req_octets, CTL_REQ_LEN);
	if (at < sizeof(m))
		m[at] = v;
	ibuf_from_buffer(&in, m, len);
	err = ctl_parse_req(&in, &e);
	if (err != CTL_OK)
		assert_int_equal(e.qpn, 77);	/* untouched */
	return err;
}

static void
test_req_refused(void **state)
{
	(void)state;
	assert_int_equal(req_with(99, 0, CTL_REQ_LEN), CTL_OK);
	assert_int_equal(req_with(99, 0, CTL_REQ_LEN - 1), CTL_E_LENGTH);
	assert_int_equal(req_with(99, 0, CTL_REQ_LEN + 1), CTL_E_LENGTH);
	assert_int_equal(req_with(99, 0, 0), CTL_E_LENGTH);
	assert_int_equal(req_with(0, 'X', CTL_REQ_LEN), CTL_E_MAGIC);
	assert_int_equal(req_with(4, 2, CTL_REQ_LEN), CTL_E_VERSION);
	assert_int_equal(req_with(5, 2, CTL_REQ_LEN), CTL_E_TYPE);
	assert_int_equal(req_with(7, 1, CTL_REQ_LEN), CTL_E_FIELD);
	assert_int_equal(req_with(24, 1, CTL_REQ_LEN), CTL_E_FIELD); /* QPN */
	assert_int_equal(req_with(27, 1, CTL_REQ_LEN), CTL_E_FIELD); /* QP1 */
	assert_int_equal(req_with(28, 1, CTL_REQ_LEN), CTL_E_FIELD); /* PSN */
	assert_int_equal(req_with(33, 0x10, CTL_REQ_LEN), CTL_E_FIELD);
	assert_int_equal(req_with(35, 0, CTL_REQ_LEN), CTL_OK);	/* 0x100 */
}

static void
test_reply(void **state)
{
	struct ctl_reply r = { .status = CTL_ST_OK, .end = { .qpn = 0x12,
			    .psn = 0x42 } }, got;
	struct ibuf	*b, in;
	uint8_t		*m;

	(void)state;
	memset(r.end.gid, 0xab, 16);
	assert_non_null(b = ibuf_open(CTL_REP_LEN));
	assert_int_equal(ctl_write_reply(b, &r), 0);
	assert_int_equal(ibuf_size(b), CTL_REP_LEN);
	ibuf_from_buffer(&in, ibuf_data(b), ibuf_size(b));
	assert_int_equal(ctl_parse_reply(&in, &got), CTL_OK);
	assert_int_equal(got.status, CTL_ST_OK);
	assert_int_equal(got.end.qpn, 0x12);
	assert_int_equal(got.end.psn, 0x42);
	assert_memory_equal(got.end.gid, r.end.gid, 16);
	assert_string_equal(got.err, "");
	ibuf_free(b);

	r = (struct ctl_reply){ .status = CTL_ST_REFUSED };
	snprintf(r.err, sizeof(r.err), "%s", "not allowed: 10.0.0.9");
	assert_non_null(b = ibuf_open(CTL_REP_LEN));
	assert_int_equal(ctl_write_reply(b, &r), 0);
	m = ibuf_data(b);
	ibuf_from_buffer(&in, m, ibuf_size(b));
	assert_int_equal(ctl_parse_reply(&in, &got), CTL_OK);
	assert_int_equal(got.status, CTL_ST_REFUSED);
	assert_string_equal(got.err, "not allowed: 10.0.0.9");
	m[33] = '\n';				/* not printable */
	ibuf_from_buffer(&in, m, ibuf_size(b));
	assert_int_equal(ctl_parse_reply(&in, &got), CTL_E_FIELD);
	m[33] = 'o';
	m[CTL_REP_LEN - 1] = 'x';		/* text after the NUL */
	ibuf_from_buffer(&in, m, ibuf_size(b));
	assert_int_equal(ctl_parse_reply(&in, &got), CTL_E_FIELD);
	m[CTL_REP_LEN - 1] = 0;
	m[5] = 2;				/* status */
	ibuf_from_buffer(&in, m, ibuf_size(b));
	assert_int_equal(ctl_parse_reply(&in, &got), CTL_E_TYPE);
	m[5] = CTL_ST_OK;			/* ok with an error text */
	ibuf_from_buffer(&in, m, ibuf_size(b));
	assert_int_equal(ctl_parse_reply(&in, &got), CTL_E_FIELD);
	ibuf_from_buffer(&in, m, CTL_REQ_LEN);	/* a request's size */
	assert_int_equal(ctl_parse_reply(&in, &got), CTL_E_LENGTH);
	ibuf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fl_round_trip),
		cmocka_unit_test(test_req),
		cmocka_unit_test(test_req_refused),
		cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
