/*
 * Unit tests for bgp/bgp_msg.c: framing (fed byte by byte, several
 * messages at once, every header error), OPEN round trips over every
 * combination of capabilities, every OPEN error, the negotiation truth
 * table, and NOTIFICATION, KEEPALIVE and ROUTE-REFRESH.
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

#include "bgp.h"
#include "fixtures.h"

#define MARKER	"ffffffffffffffffffffffffffffffff"

/* Hex digits to bytes; anything else (spaces, '|') separates. */
static struct ibuf *
hexbuf(const char *s)
{
	uint8_t		 b[4096];
	struct ibuf	*buf;
	size_t		 n = hex_decode(s, b, sizeof(b));

	assert_non_null(buf = ibuf_dynamic(n + 1, 65536 * 4));
	assert_int_equal(ibuf_add(buf, b, n), 0);
	return buf;
}

/* ---- framing ---- */

static void
write_some(struct ibuf *out)
{
	struct bgp_open		 o = { .holdtime = 90, .bgp_id = 0x0a000001,
				    .caps = { .as4 = 65001 } };
	struct bgp_notify	 n = { .code = BGP_ERR_CEASE,
				    .subcode = CEASE_ADMIN_DOWN };
	struct bgp_neg		 neg = { .max_msg = BGP_MAX_MSG,
				    .mp = { 1, 0 } };

	assert_int_equal(bgp_open_write(out, &o), 0);
	assert_int_equal(bgp_keepalive_write(out), 0);
	assert_int_equal(bgp_eor_write(out, &neg, AID_IPV4), 0);
	assert_int_equal(bgp_route_refresh_write(out, AID_IPV4), 0);
	assert_int_equal(bgp_notification_write(out, &n), 0);
}

static const uint8_t expect_types[] = { BGP_OPEN, BGP_KEEPALIVE, BGP_UPDATE,
    BGP_ROUTE_REFRESH, BGP_NOTIFICATION };
static const size_t expect_len[] = { 29 + 8, 19, 23, 23, 21 };

static void
test_framing_all_at_once(void **state)
{
	struct ibuf		*out;
	struct ibuf		 body;
	struct bgp_notify	 err;
	uint8_t			 type;
	size_t			 i, left;

	assert_non_null(out = ibuf_dynamic(64, 8192));
	write_some(out);
	for (i = 0; i < sizeof(expect_types); i++) {
		left = ibuf_size(out);
		assert_int_equal(bgp_read_msg(out, BGP_MAX_MSG, &type, &body,
		    &err), 1);
		assert_int_equal(type, expect_types[i]);
		assert_int_equal(ibuf_size(&body), expect_len[i] - BGP_HDR_LEN);
		assert_int_equal(left - ibuf_size(out), expect_len[i]);
	}
	assert_int_equal(ibuf_size(out), 0);
	assert_int_equal(bgp_read_msg(out, BGP_MAX_MSG, &type, &body, &err),
	    0);
	ibuf_free(out);
}

static void
test_framing_byte_by_byte(void **state)
{
	struct ibuf		*all, *in;
	struct ibuf		 body;
	struct bgp_notify	 err;
	const uint8_t		*p;
	uint8_t			 type;
	size_t			 i, n, got = 0, rpos;
	int			 rc;

	assert_non_null(all = ibuf_dynamic(64, 8192));
	write_some(all);
	assert_non_null(in = ibuf_dynamic(16, 8192));
	p = ibuf_data(all);
	n = ibuf_size(all);
	for (i = 0; i < n; i++) {
		assert_int_equal(ibuf_add(in, p + i, 1), 0);
		rpos = in->rpos;
		rc = bgp_read_msg(in, BGP_MAX_MSG, &type, &body, &err);
		if (rc == 0) {
			/* Not enough yet: nothing consumed. */
			assert_int_equal(in->rpos, rpos);
			continue;
		}
		assert_int_equal(rc, 1);
		assert_true(got < sizeof(expect_types));
		assert_int_equal(type, expect_types[got]);
		assert_int_equal(ibuf_size(&body), expect_len[got] -
		    BGP_HDR_LEN);
		got++;
	}
	assert_int_equal(got, sizeof(expect_types));
	assert_int_equal(ibuf_size(in), 0);
	ibuf_free(in);
	ibuf_free(all);
}

/* A header error must be seen from the 19 header octets alone. */
static void
hdr_error(const char *msg, size_t max, uint8_t sub, size_t datalen,
    const char *data)
{
	struct ibuf		*in = hexbuf(msg);
	struct ibuf		 body;
	struct bgp_notify	 err = { 0 };
	uint8_t			 type, d[8];
	size_t			 left = ibuf_size(in);

	assert_int_equal(bgp_read_msg(in, max, &type, &body, &err), -1);
	assert_int_equal(err.code, BGP_ERR_HEADER);
	assert_int_equal(err.subcode, sub);
	assert_int_equal(err.datalen, datalen);
	if (datalen > 0) {
		assert_int_equal(hex_decode(data, d, sizeof(d)), datalen);
		assert_memory_equal(err.data, d, datalen);
	}
	assert_true(err.reason[0] != '\0');
	assert_int_equal(ibuf_size(in), left);
	ibuf_free(in);
}

static void
test_header_errors(void **state)
{
	/* RFC 4271 6.1, one by one. */
	hdr_error("ffffffffffffffffffffffffffffff7f 0013 04", 4096, HDR_SYNC,
	    0, "");
	hdr_error("00000000000000000000000000000000 0013 04", 4096, HDR_SYNC,
	    0, "");
	hdr_error(MARKER "0012 04", 4096, HDR_LEN, 2, "0012");
	hdr_error(MARKER "0000 04", 4096, HDR_LEN, 2, "0000");
	hdr_error(MARKER "1001 02", 4096, HDR_LEN, 2, "1001");
	hdr_error(MARKER "1001 02", 0, HDR_LEN, 2, "1001");
	hdr_error(MARKER "ffff 02", 4096, HDR_LEN, 2, "ffff");
	hdr_error(MARKER "001c 01", 4096, HDR_LEN, 2, "001c");
	/* RFC 8654 4: OPEN and KEEPALIVE stay within 4096. */
	hdr_error(MARKER "1001 01", 65535, HDR_LEN, 2, "1001");
	hdr_error(MARKER "0016 02", 4096, HDR_LEN, 2, "0016");
	hdr_error(MARKER "0014 04", 4096, HDR_LEN, 2, "0014");
	hdr_error(MARKER "0014 03", 4096, HDR_LEN, 2, "0014");
	hdr_error(MARKER "0018 05", 4096, HDR_LEN, 2, "0018");
	hdr_error(MARKER "0016 05", 4096, HDR_LEN, 2, "0016");
	hdr_error(MARKER "0013 00", 4096, HDR_TYPE, 1, "00");
	hdr_error(MARKER "0013 06", 4096, HDR_TYPE, 1, "06");
	hdr_error(MARKER "0013 ff", 4096, HDR_TYPE, 1, "ff");
	/* Marker first, then length, then type. */
	hdr_error("fe" "ffffffffffffffffffffffffffffff 0000 00", 4096,
	    HDR_SYNC, 0, "");
	hdr_error(MARKER "0000 00", 4096, HDR_LEN, 2, "0000");
}

static void
test_header_lengths_ok(void **state)
{
	struct ibuf		*in;
	struct ibuf		 body;
	struct bgp_notify	 err;
	uint8_t			 type;

	/* A 4097-octet UPDATE header is fine with extended messages, and
	 * waits for its body. */
	in = hexbuf(MARKER "1001 02 0000 0000");
	assert_int_equal(bgp_read_msg(in, BGP_EXT_MAX_MSG, &type, &body,
	    &err), 0);
	assert_int_equal(ibuf_size(in), 23);
	assert_int_equal(ibuf_add_zero(in, 4097 - 23), 0);
	assert_int_equal(bgp_read_msg(in, BGP_EXT_MAX_MSG, &type, &body,
	    &err), 1);
	assert_int_equal(type, BGP_UPDATE);
	assert_int_equal(ibuf_size(&body), 4097 - 19);
	ibuf_free(in);
	/* Fewer than 19 octets: wait, even with a bad marker. */
	in = hexbuf("00 00 00");
	assert_int_equal(bgp_read_msg(in, 4096, &type, &body, &err), 0);
	ibuf_free(in);
	in = hexbuf(MARKER "0017 05 0001 00 01");
	assert_int_equal(bgp_read_msg(in, 4096, &type, &body, &err), 1);
	assert_int_equal(type, BGP_ROUTE_REFRESH);
	ibuf_free(in);
}

/* ---- OPEN ---- */

static void
open_rt(const struct bgp_open *o)
{
	struct ibuf		*out;
	struct ibuf		 body;
	struct bgp_notify	 err = { 0 };
	struct bgp_open		 p;
	uint8_t			 type;

	assert_non_null(out = ibuf_dynamic(64, 4096));
	assert_int_equal(bgp_open_write(out, o), 0);
	assert_int_equal(bgp_read_msg(out, 4096, &type, &body, &err), 1);
	assert_int_equal(type, BGP_OPEN);
	memset(&p, 0x5a, sizeof(p));
	if (bgp_open_parse(&body, &p, &err) != 0)
		fail_msg("%s", err.reason);
	assert_int_equal(p.version, 4);
	assert_int_equal(p.as2, o->as2 != 0 ? o->as2 :
	    o->caps.as4 > 65535 ? AS_TRANS : o->caps.as4);
	assert_int_equal(p.holdtime, o->holdtime);
	assert_int_equal(p.bgp_id, o->bgp_id);
	assert_memory_equal(&p.caps, &o->caps, sizeof(p.caps));
	ibuf_free(out);
}

static void
test_open_round_trips(void **state)
{
	static const uint32_t	 as4[] = { 0, 65001, 4200000000U };
	struct bgp_open		 o;
	unsigned		 a, mp, ap, bits, gr, count = 0;

	for (a = 0; a < 3; a++)
	for (mp = 0; mp < 4; mp++)
	for (ap = 0; ap < 16; ap++)
	for (bits = 0; bits < 8; bits++)
	for (gr = 0; gr < 4; gr++) {
		memset(&o, 0, sizeof(o));
		o.as2 = as4[a] == 0 ? 65002 : 0;	/* 0: derived */
		o.holdtime = a == 1 ? 0 : 90;
		o.bgp_id = 0xc0000201 + count;
		o.caps.as4 = as4[a];
		o.caps.mp[AID_IPV4] = mp & 1;
		o.caps.mp[AID_IPV6] = (mp >> 1) & 1;
		o.caps.addpath[AID_IPV4] = ap & 3;
		o.caps.addpath[AID_IPV6] = ap >> 2;
		o.caps.ext_nh[AID_IPV4] = bits & 1;
		o.caps.route_refresh = (bits >> 1) & 1;
		o.caps.ext_msg = (bits >> 2) & 1;
		if (gr > 0) {
			o.caps.gr = 1;
			o.caps.gr_restarting = gr == 2;
			o.caps.gr_time = gr == 3 ? 4095 : 120;
			o.caps.gr_af[AID_IPV4] = gr == 3 ? 0 :
			    GR_AF_PRESENT | GR_AF_FORWARDING;
			o.caps.gr_af[AID_IPV6] = gr == 1 ? GR_AF_PRESENT : 0;
		}
		open_rt(&o);
		count++;
	}
	assert_int_equal(count, 3 * 4 * 16 * 8 * 4);
}

static void
test_open_exact_bytes(void **state)
{
	struct bgp_open	 o = { .as2 = 0, .holdtime = 180,
			    .bgp_id = 0x0a000001, .caps = { .as4 = 65001,
			    .mp = { 1, 1 }, .route_refresh = 1 } };
	struct ibuf	*out, *want;

	assert_non_null(out = ibuf_dynamic(64, 4096));
	assert_int_equal(bgp_open_write(out, &o), 0);
	want = hexbuf(MARKER "0033 01 | 04 fde9 00b4 0a000001 | 16 02 14"
	    " 01 04 0001 00 01 | 01 04 0002 00 01 | 02 00 |"
	    " 41 04 0000fde9");
	assert_int_equal(ibuf_size(out), ibuf_size(want));
	assert_memory_equal(ibuf_data(out), ibuf_data(want), ibuf_size(want));
	ibuf_free(out);
	ibuf_free(want);
	/* No capability: no optional parameter. */
	o = (struct bgp_open){ .as2 = 65001, .holdtime = 3, .bgp_id = 1 };
	assert_non_null(out = ibuf_dynamic(64, 4096));
	assert_int_equal(bgp_open_write(out, &o), 0);
	want = hexbuf(MARKER "001d 01 04 fde9 0003 00000001 00");
	assert_memory_equal(ibuf_data(out), ibuf_data(want), ibuf_size(want));
	ibuf_free(out);
	ibuf_free(want);
}

/* Parses an OPEN body given in hex. */
static int
open_parse_hex(const char *s, struct bgp_open *o, struct bgp_notify *err)
{
	uint8_t		 b[1024];
	struct ibuf	 body;
	size_t		 n = hex_decode(s, b, sizeof(b));

	ibuf_from_buffer(&body, b, n);
	memset(err, 0, sizeof(*err));
	return bgp_open_parse(&body, o, err);
}

static void
open_ok(const char *s, struct bgp_open *o)
{
	struct bgp_notify	 err;

	if (open_parse_hex(s, o, &err) != 0)
		fail_msg("%s", err.reason);
}

static void
open_bad(const char *s, uint8_t code, uint8_t sub)
{
	struct bgp_open		 o, before;
	struct bgp_notify	 err;

	memset(&o, 0x5a, sizeof(o));
	before = o;
	assert_int_equal(open_parse_hex(s, &o, &err), -1);
	if (err.code != code || err.subcode != sub)
		fail_msg("%s: got %u/%u (%s), want %u/%u", s, err.code,
		    err.subcode, err.reason, code, sub);
	assert_true(err.reason[0] != '\0');
	assert_memory_equal(&o, &before, sizeof(o));
}

#define FIX	"04 fde9 00b4 0a000001"		/* AS 65001, 180 s, id */

static void
test_open_errors(void **state)
{
	struct bgp_notify	 err;
	struct bgp_open		 o;

	/* RFC 4271 6.2 */
	assert_int_equal(open_parse_hex("03 fde9 00b4 0a000001 00", &o, &err),
	    -1);
	assert_int_equal(err.subcode, OPEN_VERSION);
	assert_int_equal(err.datalen, 2);
	assert_int_equal(err.data[0], 0);
	assert_int_equal(err.data[1], 4);
	open_bad("05 fde9 00b4 0a000001 00", BGP_ERR_OPEN, OPEN_VERSION);
	open_bad("04 fde9 0001 0a000001 00", BGP_ERR_OPEN, OPEN_HOLDTIME);
	open_bad("04 fde9 0002 0a000001 00", BGP_ERR_OPEN, OPEN_HOLDTIME);
	open_bad("04 fde9 00b4 00000000 00", BGP_ERR_OPEN, OPEN_BGPID);
	open_bad(FIX "04 01 02 0000", BGP_ERR_OPEN, OPEN_OPT);
	open_bad(FIX "03 03 01 00", BGP_ERR_OPEN, OPEN_OPT);
	/* Optional parameters that lie about their lengths. */
	open_bad(FIX "0a 02 06 01 04 0001 00", BGP_ERR_OPEN, 0);
	open_bad(FIX "02 02 06 01 04 0001 00 01", BGP_ERR_OPEN, 0);
	open_bad(FIX "08 02 07 01 04 0001 00 01", BGP_ERR_OPEN, 0);
	open_bad(FIX "01 02", BGP_ERR_OPEN, 0);
	open_bad(FIX "02 02 01 01", BGP_ERR_OPEN, 0);
	open_bad(FIX, BGP_ERR_OPEN, 0);
	/* Malformed known capabilities. */
	open_bad(FIX "05 02 03 01 01 00", BGP_ERR_OPEN, 0);	/* MP */
	open_bad(FIX "07 02 05 01 03 0001 00", BGP_ERR_OPEN, 0);
	open_bad(FIX "09 02 07 01 05 0001 00 0101", BGP_ERR_OPEN, 0);
	open_bad(FIX "05 02 03 02 01 00", BGP_ERR_OPEN, 0);	/* RR */
	open_bad(FIX "05 02 03 06 01 00", BGP_ERR_OPEN, 0);	/* ext msg */
	open_bad(FIX "06 02 04 05 02 0001", BGP_ERR_OPEN, 0);	/* ext nh */
	open_bad(FIX "04 02 02 05 00", BGP_ERR_OPEN, 0);
	open_bad(FIX "05 02 03 40 01 00", BGP_ERR_OPEN, 0);	/* GR */
	open_bad(FIX "08 02 06 40 04 0078 0001", BGP_ERR_OPEN, 0);
	open_bad(FIX "06 02 04 41 02 fde9", BGP_ERR_OPEN, 0);	/* AS4 */
	open_bad(FIX "09 02 07 41 05 0000fde9 00", BGP_ERR_OPEN, 0);
	open_bad(FIX "05 02 03 45 01 00", BGP_ERR_OPEN, 0);	/* ADD-PATH */
	open_bad(FIX "04 02 02 45 00", BGP_ERR_OPEN, 0);
	/* RFC 7607 and RFC 6793 on the AS numbers. */
	open_bad("04 0000 00b4 0a000001 00", BGP_ERR_OPEN, OPEN_AS);
	open_bad(FIX "08 02 06 41 04 00000000", BGP_ERR_OPEN, OPEN_AS);
	open_bad(FIX "08 02 06 41 04 fa56ea00", BGP_ERR_OPEN, OPEN_AS);
	/* Too short for the fixed fields: a length error. */
	open_bad("04 fde9 00b4 0a0000", BGP_ERR_HEADER, HDR_LEN);
	open_bad("", BGP_ERR_HEADER, HDR_LEN);
	/* RFC 9072 whose extended length lies. */
	open_bad(FIX "ff ff 0009 02 0004 02 00 06 00", BGP_ERR_OPEN, 0);
	open_bad(FIX "ff ff 0007 02 0005 02 00 06 00", BGP_ERR_OPEN, 0);
	open_bad(FIX "ff ff 00", BGP_ERR_OPEN, 0);
}

static void
test_open_lenient(void **state)
{
	struct bgp_open	 o;

	/* Hold time 0 and 3 are fine. */
	open_ok("04 fde9 0000 0a000001 00", &o);
	assert_int_equal(o.holdtime, 0);
	open_ok("04 fde9 0003 0a000001 00", &o);
	/* Unknown capabilities are counted, never an error (RFC 5492):
	 * enhanced route refresh (70), LLGR (71), FQDN (73), old RR
	 * (128). */
	open_ok(FIX "0e 02 0c 46 00 47 00 49 04 01 61 01 62 80 00", &o);
	assert_int_equal(o.caps.unknown, 4);
	assert_int_equal(o.caps.route_refresh, 0);
	/* Capabilities spread over several optional parameters. */
	open_ok(FIX "10 02 06 01 04 0002 00 01 02 02 02 00 02 02 06 00", &o);
	assert_int_equal(o.caps.mp[AID_IPV6], 1);
	assert_int_equal(o.caps.mp[AID_IPV4], 0);
	assert_int_equal(o.caps.route_refresh, 1);
	assert_int_equal(o.caps.ext_msg, 1);
	/* MP for families we do not know: ignored, not counted. */
	open_ok(FIX "08 02 06 01 04 0001 00 02", &o);
	assert_int_equal(o.caps.mp[AID_IPV4], 0);
	assert_int_equal(o.caps.unknown, 0);
	/* RFC 7911 4: a bad Send/Receive value ignores the capability. */
	open_ok(FIX "0c 02 0a 45 08 0001 01 03 0002 01 04", &o);
	assert_int_equal(o.caps.addpath[AID_IPV4], 0);
	assert_int_equal(o.caps.unknown, 1);
	/* RFC 8950: IPv4 with IPv6 next-hop; IPv6/IPv4 and SAFI > 255 are
	 * not ours. */
	open_ok(FIX "16 02 14 05 12 0001 0001 0002 0002 0001 0001"
	    " 0001 0100 0002", &o);
	assert_int_equal(o.caps.ext_nh[AID_IPV4], 1);
	assert_int_equal(o.caps.ext_nh[AID_IPV6], 0);
	/* RFC 9072 extended optional parameters. */
	open_ok(FIX "ff ff 000b 02 0008 01 04 0002 00 01 02 00", &o);
	assert_int_equal(o.caps.mp[AID_IPV6], 1);
	assert_int_equal(o.caps.route_refresh, 1);
	/* 4-octet AS: AS_TRANS in My AS, and a small AS may differ. */
	open_ok("04 5ba0 00b4 0a000001 08 02 06 41 04 fa56ea00", &o);
	assert_int_equal(o.caps.as4, 4200000000U);
	open_ok(FIX "08 02 06 41 04 0000fdea", &o);
	assert_int_equal(o.caps.as4, 65002);
	/* GR: R bit, 12-bit time, F bit per family. */
	open_ok(FIX "0e 02 0c 40 0a 8fff 0001 01 80 0002 01 00", &o);
	assert_int_equal(o.caps.gr, 1);
	assert_int_equal(o.caps.gr_restarting, 1);
	assert_int_equal(o.caps.gr_time, 4095);
	assert_int_equal(o.caps.gr_af[AID_IPV4],
	    GR_AF_PRESENT | GR_AF_FORWARDING);
	assert_int_equal(o.caps.gr_af[AID_IPV6], GR_AF_PRESENT);
}

/* ---- negotiation ---- */

static struct bgp_open
side(uint32_t as4, int mp4, int mp6, int ap4, int ap6)
{
	struct bgp_open	 o = { .version = 4, .as2 = 65001, .holdtime = 90,
			    .bgp_id = 1 };

	o.caps.as4 = as4;
	o.caps.mp[AID_IPV4] = mp4;
	o.caps.mp[AID_IPV6] = mp6;
	o.caps.addpath[AID_IPV4] = ap4;
	o.caps.addpath[AID_IPV6] = ap6;
	return o;
}

static void
test_negotiate_families(void **state)
{
	/* mp announced by us and them -> negotiated IPv4, IPv6. */
	static const struct {
		int	 o4, o6, t4, t6, n4, n6;
	} t[] = {
		{ 0, 0, 0, 0, 1, 0 },	/* none at all: IPv4 implied */
		{ 1, 0, 0, 0, 1, 0 },
		{ 1, 1, 0, 0, 1, 0 },	/* they speak IPv4 only */
		{ 0, 1, 0, 0, 0, 0 },	/* we said IPv6 only */
		{ 0, 0, 0, 1, 0, 0 },
		{ 1, 1, 1, 1, 1, 1 },
		{ 1, 1, 0, 1, 0, 1 },
		{ 0, 1, 0, 1, 0, 1 },
		{ 1, 0, 0, 1, 0, 0 },
		{ 1, 0, 1, 0, 1, 0 },
	};
	struct bgp_open	 ours, theirs;
	struct bgp_neg	 neg;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ours = side(65001, t[i].o4, t[i].o6, 0, 0);
		theirs = side(65002, t[i].t4, t[i].t6, 0, 0);
		bgp_negotiate(&ours, &theirs, &neg);
		assert_int_equal(neg.mp[AID_IPV4], t[i].n4);
		assert_int_equal(neg.mp[AID_IPV6], t[i].n6);
		/* symmetric */
		bgp_negotiate(&theirs, &ours, &neg);
		assert_int_equal(neg.mp[AID_IPV4], t[i].n4);
		assert_int_equal(neg.mp[AID_IPV6], t[i].n6);
	}
}

static void
test_negotiate_addpath(void **state)
{
	struct bgp_open	 ours, theirs;
	struct bgp_neg	 neg;
	int		 o, t;

	for (o = 0; o < 4; o++)
		for (t = 0; t < 4; t++) {
			ours = side(65001, 1, 1, o, o);
			theirs = side(65002, 1, 0, t, t);
			bgp_negotiate(&ours, &theirs, &neg);
			assert_int_equal(neg.addpath_tx[AID_IPV4],
			    (o & ADDPATH_SEND) && (t & ADDPATH_RECV));
			assert_int_equal(neg.addpath_rx[AID_IPV4],
			    (o & ADDPATH_RECV) && (t & ADDPATH_SEND));
			/* IPv6 not negotiated: no ADD-PATH for it. */
			assert_int_equal(neg.addpath_tx[AID_IPV6], 0);
			assert_int_equal(neg.addpath_rx[AID_IPV6], 0);
		}
}

static void
test_negotiate_rest(void **state)
{
	static const struct {
		uint16_t	 ours, theirs, neg;
	} hold[] = {
		{ 0, 90, 0 }, { 90, 0, 0 }, { 0, 0, 0 }, { 90, 30, 30 },
		{ 3, 180, 3 }, { 180, 180, 180 },
	};
	struct bgp_open	 ours, theirs;
	struct bgp_neg	 neg;
	size_t		 i;
	int		 a, b;

	for (a = 0; a < 2; a++)
		for (b = 0; b < 2; b++) {
			ours = side(a ? 65001 : 0, 1, 1, 0, 0);
			theirs = side(b ? 4200000000U : 0, 1, 1, 0, 0);
			ours.caps.ext_nh[AID_IPV4] = a;
			theirs.caps.ext_nh[AID_IPV4] = b;
			ours.caps.route_refresh = a;
			theirs.caps.route_refresh = b;
			ours.caps.ext_msg = a;
			theirs.caps.ext_msg = b;
			bgp_negotiate(&ours, &theirs, &neg);
			assert_int_equal(neg.as4, a && b);
			assert_int_equal(neg.ext_nh[AID_IPV4], a && b);
			assert_int_equal(neg.route_refresh, a && b);
			assert_int_equal(neg.ext_msg, a && b);
			assert_int_equal(neg.max_msg, a && b ? 65535 : 4096);
		}
	for (i = 0; i < sizeof(hold) / sizeof(hold[0]); i++) {
		ours = side(1, 1, 0, 0, 0);
		theirs = side(1, 1, 0, 0, 0);
		ours.holdtime = hold[i].ours;
		theirs.holdtime = hold[i].theirs;
		bgp_negotiate(&ours, &theirs, &neg);
		assert_int_equal(neg.holdtime, hold[i].neg);
	}
	/* Graceful restart: what the peer said, ours does not matter. */
	ours = side(1, 1, 1, 0, 0);
	theirs = side(1, 1, 1, 0, 0);
	bgp_negotiate(&ours, &theirs, &neg);
	assert_int_equal(neg.peer_gr, 0);
	theirs.caps.gr = 1;
	theirs.caps.gr_restarting = 1;
	theirs.caps.gr_time = 120;
	theirs.caps.gr_af[AID_IPV6] = GR_AF_PRESENT | GR_AF_FORWARDING;
	bgp_negotiate(&ours, &theirs, &neg);
	assert_int_equal(neg.peer_gr, 1);
	assert_int_equal(neg.peer_gr_restarting, 1);
	assert_int_equal(neg.peer_gr_time, 120);
	assert_int_equal(neg.peer_gr_af[AID_IPV4], 0);
	assert_int_equal(neg.peer_gr_af[AID_IPV6],
	    GR_AF_PRESENT | GR_AF_FORWARDING);
	bgp_negotiate(&theirs, &ours, &neg);
	assert_int_equal(neg.peer_gr, 0);
	assert_int_equal(neg.peer_gr_time, 0);
}

/* ---- NOTIFICATION, KEEPALIVE, ROUTE-REFRESH ---- */

static void
notify_rt(const struct bgp_notify *n)
{
	struct ibuf		*out;
	struct ibuf		 body;
	struct bgp_notify	 err, p;
	uint8_t			 type;

	assert_non_null(out = ibuf_dynamic(64, 4096));
	assert_int_equal(bgp_notification_write(out, n), 0);
	assert_int_equal(ibuf_size(out), 21 + n->datalen);
	assert_int_equal(bgp_read_msg(out, 4096, &type, &body, &err), 1);
	assert_int_equal(type, BGP_NOTIFICATION);
	assert_int_equal(bgp_notification_parse(&body, &p), 0);
	assert_int_equal(p.code, n->code);
	assert_int_equal(p.subcode, n->subcode);
	assert_int_equal(p.datalen, n->datalen);
	assert_memory_equal(p.data, n->data, n->datalen);
	ibuf_free(out);
}

static void
test_notification(void **state)
{
	struct bgp_notify	 n = { 0 };
	struct ibuf		*out;
	size_t			 i;

	bgp_notify_set(&n, BGP_ERR_HEADER, HDR_LEN, "len %d", 5);
	assert_string_equal(n.reason, "len 5");
	assert_int_equal(bgp_notify_data(&n, "\x00\x05", 2), 0);
	notify_rt(&n);
	bgp_notify_set(&n, BGP_ERR_HOLD, 0, "x");
	assert_int_equal(n.datalen, 0);
	notify_rt(&n);
	/* All a 4096-octet message holds: whole. */
	for (i = 0; i < sizeof(n.data); i++)
		n.data[i] = i;
	n.datalen = BGP_MAX_MSG - BGP_HDR_LEN - 2;
	notify_rt(&n);
	/* More: cut to that, not left out (bgp_notification_write_max
	 * with 65535 sends it whole: test_bgp_update) */
	n.datalen = BGP_MAX_MSG;
	assert_non_null(out = ibuf_dynamic(64, BGP_EXT_MAX_MSG));
	assert_int_equal(bgp_notification_write(out, &n), 0);
	assert_int_equal(ibuf_size(out), BGP_MAX_MSG);
	assert_memory_equal((uint8_t *)ibuf_data(out) + 21, n.data,
	    BGP_MAX_MSG - 21);
	ibuf_free(out);
	n.datalen = sizeof(n.data);
	assert_int_equal(bgp_notify_data(&n, n.data, sizeof(n.data) + 1),
	    -1);
	assert_int_equal(n.datalen, sizeof(n.data));
	/* More than any message holds: refused, out untouched. */
	assert_non_null(out = ibuf_dynamic(64, 4096));
	n.datalen = sizeof(n.data) + 1;
	assert_int_equal(bgp_notification_write(out, &n), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ibuf_size(out), 0);
	ibuf_free(out);
}

static void
notify_parse_hex(const char *s, struct bgp_notify *n)
{
	uint8_t		 b[512];
	struct ibuf	 body;

	ibuf_from_buffer(&body, b, hex_decode(s, b, sizeof(b)));
	assert_int_equal(bgp_notification_parse(&body, n), 0);
}

static void
test_notification_parse(void **state)
{
	struct bgp_notify	 n;
	uint8_t			 b[300];
	struct ibuf		 body;
	size_t			 i;

	notify_parse_hex("03 0b", &n);
	assert_string_equal(n.reason, "UPDATE message error / malformed "
	    "AS_PATH");
	/* RFC 9003 shutdown communication, control bytes not logged. */
	notify_parse_hex("06 02 06 6d 61 69 6e 74 0a", &n);
	assert_string_equal(n.reason,
	    "cease / administrative shutdown: \"maint?\"");
	notify_parse_hex("06 04 00", &n);
	assert_string_equal(n.reason, "cease / administrative reset");
	notify_parse_hex("06 04 09 41", &n);	/* length lies */
	assert_string_equal(n.reason, "cease / administrative reset");
	notify_parse_hex("63 63 01 02", &n);
	assert_string_equal(n.reason, "unknown error code");
	assert_int_equal(n.datalen, 2);
	/* Data longer than the 128 octets once kept: all of it. */
	b[0] = 6;
	b[1] = 2;
	b[2] = 255;
	for (i = 3; i < sizeof(b); i++)
		b[i] = 'a';
	ibuf_from_buffer(&body, b, 3 + 255);
	assert_int_equal(bgp_notification_parse(&body, &n), 0);
	assert_int_equal(n.datalen, 1 + 255);
	assert_memory_equal(n.data, b + 2, 1 + 255);
	assert_int_equal(strlen(n.reason), sizeof(n.reason) - 1);
	/* Shorter than code and subcode. */
	ibuf_from_buffer(&body, b, 1);
	memset(&n, 0x5a, sizeof(n));
	assert_int_equal(bgp_notification_parse(&body, &n), -1);
	assert_int_equal(n.code, 0x5a);
}

static void
test_names(void **state)
{
	assert_string_equal(bgp_msg_type_str(BGP_OPEN), "OPEN");
	assert_string_equal(bgp_msg_type_str(BGP_UPDATE), "UPDATE");
	assert_string_equal(bgp_msg_type_str(BGP_NOTIFICATION),
	    "NOTIFICATION");
	assert_string_equal(bgp_msg_type_str(BGP_KEEPALIVE), "KEEPALIVE");
	assert_string_equal(bgp_msg_type_str(BGP_ROUTE_REFRESH),
	    "ROUTE-REFRESH");
	assert_string_equal(bgp_msg_type_str(0), "unknown");
	assert_string_equal(bgp_msg_type_str(6), "unknown");
	assert_string_equal(bgp_msg_type_str(255), "unknown");
	assert_string_equal(bgp_notify_str(BGP_ERR_UPDATE, UPD_ASPATH),
	    "UPDATE message error / malformed AS_PATH");
	assert_string_equal(bgp_notify_str(BGP_ERR_HEADER, HDR_SYNC),
	    "message header error / connection not synchronized");
	assert_string_equal(bgp_notify_str(BGP_ERR_OPEN, 0),
	    "OPEN message error");
	assert_string_equal(bgp_notify_str(BGP_ERR_OPEN, OPEN_ROLE),
	    "OPEN message error / role mismatch");
	assert_string_equal(bgp_notify_str(BGP_ERR_OPEN, 9),
	    "OPEN message error / unknown subcode");
	assert_string_equal(bgp_notify_str(BGP_ERR_HOLD, 0),
	    "hold timer expired");
	assert_string_equal(bgp_notify_str(BGP_ERR_CEASE, CEASE_HARD_RESET),
	    "cease / hard reset");
	assert_string_equal(bgp_notify_str(BGP_ERR_CEASE, 200),
	    "cease / unknown subcode");
	assert_string_equal(bgp_notify_str(0, 0), "unknown error code");
	assert_string_equal(bgp_notify_str(200, 1), "unknown error code");
}

static void
test_route_refresh(void **state)
{
	struct ibuf		*out;
	struct ibuf		 body;
	struct bgp_notify	 err;
	uint8_t			 type, aid, b[8];

	for (aid = 0; aid < AID_MAX; aid++) {
		uint8_t got = 99;

		assert_non_null(out = ibuf_dynamic(64, 4096));
		assert_int_equal(bgp_route_refresh_write(out, aid), 0);
		assert_int_equal(bgp_read_msg(out, 4096, &type, &body, &err),
		    1);
		assert_int_equal(type, BGP_ROUTE_REFRESH);
		assert_int_equal(bgp_route_refresh_parse(&body, &got, &err),
		    0);
		assert_int_equal(got, aid);
		ibuf_free(out);
	}
	assert_non_null(out = ibuf_dynamic(64, 4096));
	assert_int_equal(bgp_route_refresh_write(out, AID_MAX), -1);
	assert_int_equal(errno, EINVAL);
	ibuf_free(out);
	/* RFC 2918 4: unknown AFI/SAFI ignored; so are RFC 7313 subtypes. */
	ibuf_from_buffer(&body, b, hex_decode("0001 00 02", b, sizeof(b)));
	assert_int_equal(bgp_route_refresh_parse(&body, &aid, &err), 1);
	assert_int_equal(aid, AID_MAX);
	ibuf_from_buffer(&body, b, hex_decode("0003 00 01", b, sizeof(b)));
	assert_int_equal(bgp_route_refresh_parse(&body, &aid, &err), 1);
	ibuf_from_buffer(&body, b, hex_decode("0002 01 01", b, sizeof(b)));
	assert_int_equal(bgp_route_refresh_parse(&body, &aid, &err), 1);
	ibuf_from_buffer(&body, b, hex_decode("0002 00", b, sizeof(b)));
	assert_int_equal(bgp_route_refresh_parse(&body, &aid, &err), -1);
	assert_int_equal(err.code, BGP_ERR_RREFRESH);
	assert_int_equal(err.subcode, 1);
	ibuf_from_buffer(&body, b, hex_decode("0002 00 01 00", b, sizeof(b)));
	assert_int_equal(bgp_route_refresh_parse(&body, &aid, &err), -1);
}

/* Every writer: one whole message or nothing. */
static void
test_writers_full_buffer(void **state)
{
	struct bgp_open		 o = { .as2 = 65001, .holdtime = 90,
				    .bgp_id = 1, .caps = { .as4 = 65001,
				    .mp = { 1, 1 }, .gr = 1 } };
	struct bgp_notify	 n = { .code = 6, .datalen = 50 };
	struct ibuf		*out;
	size_t			 room;
	int			 rc;

	for (room = 0; room < 80; room++) {
		assert_non_null(out = ibuf_open(room));
		rc = bgp_open_write(out, &o);
		assert_true(rc == 0 || (errno == ERANGE && ibuf_size(out) ==
		    0));
		ibuf_free(out);
		assert_non_null(out = ibuf_open(room));
		rc = bgp_notification_write(out, &n);
		assert_true(rc == 0 || (errno == ERANGE && ibuf_size(out) ==
		    0));
		ibuf_free(out);
		assert_non_null(out = ibuf_open(room));
		rc = bgp_keepalive_write(out);
		assert_int_equal(rc == 0, room >= 19);
		assert_int_equal(ibuf_size(out), rc == 0 ? 19 : 0);
		rc = bgp_route_refresh_write(out, AID_IPV6);
		assert_true(rc == 0 || ibuf_size(out) == (room >= 19 ? 19 : 0));
		ibuf_free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing_all_at_once),
		cmocka_unit_test(test_framing_byte_by_byte),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_header_lengths_ok),
		cmocka_unit_test(test_open_round_trips),
		cmocka_unit_test(test_open_exact_bytes),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_lenient),
		cmocka_unit_test(test_negotiate_families),
		cmocka_unit_test(test_negotiate_addpath),
		cmocka_unit_test(test_negotiate_rest),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_notification_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_route_refresh),
		cmocka_unit_test(test_writers_full_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
