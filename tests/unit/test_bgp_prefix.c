/*
 * Unit tests for bgp/bgp_prefix.c: text in and out, the total order,
 * address family indices, and the <length, prefix> wire encoding.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bgp.h"

static void
round_trip(const char *in, const char *out, uint8_t aid, uint8_t plen)
{
	struct bgp_prefix	 p;
	char			 buf[BGP_PREFIX_STRLEN];

	assert_int_equal(bgp_prefix_parse(in, &p), 0);
	assert_int_equal(p.aid, aid);
	assert_int_equal(p.plen, plen);
	assert_int_equal(p.path_id, 0);
	assert_string_equal(bgp_prefix_str(&p, buf, sizeof(buf)), out);
}

static void
test_parse_good(void **state)
{
	round_trip("10.0.0.0/24", "10.0.0.0/24", AID_IPV4, 24);
	round_trip("0.0.0.0/0", "0.0.0.0/0", AID_IPV4, 0);
	round_trip("192.0.2.1", "192.0.2.1/32", AID_IPV4, 32);
	round_trip("192.0.2.1/32", "192.0.2.1/32", AID_IPV4, 32);
	round_trip("10.128.0.0/9", "10.128.0.0/9", AID_IPV4, 9);
	round_trip("2001:db8::/32", "2001:db8::/32", AID_IPV6, 32);
	round_trip("2001:DB8::/32", "2001:db8::/32", AID_IPV6, 32);
	round_trip("::/0", "::/0", AID_IPV6, 0);
	round_trip("2001:db8::1", "2001:db8::1/128", AID_IPV6, 128);
	round_trip("fe80::/10", "fe80::/10", AID_IPV6, 10);
	round_trip("2001:db8:0:1::/127", "2001:db8:0:1::/127", AID_IPV6, 127);
	round_trip("::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104", AID_IPV6, 104);
}

static void
bad(const char *text, int err)
{
	struct bgp_prefix	 p, before;

	memset(&p, 0xa5, sizeof(p));
	before = p;
	errno = 0;
	assert_int_equal(bgp_prefix_parse(text, &p), -1);
	assert_int_equal(errno, err);
	/* A failed parse leaves the output alone. */
	assert_memory_equal(&p, &before, sizeof(p));
}

static void
test_parse_bad(void **state)
{
	static const char *junk[] = {
		"", "/", "/24", "10.0.0.0/", "10.0.0/24", "10.0.0.0.0/8",
		"10.0.0.0/ 8", "10.0.0.0/+8", "10.0.0.0/-1", "10.0.0.0/8x",
		"10.0.0.0/0x8", " 10.0.0.0/8", "10.0.0.0 /8", "bogus",
		"10.0.0.256/32", "2001:db8::/3a", "2001:db8:::/32",
		"10.0.0.0/8/8", "::1::/128",
		"0000000000000000000000000000000000000000000000000000000/0",
	};
	size_t	 i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		bad(junk[i], EINVAL);
	bad("10.0.0.0/33", ERANGE);
	bad("10.0.0.0/99999999999999999999", ERANGE);
	bad("2001:db8::/129", ERANGE);
	bad("::/256", ERANGE);
	bad("10.0.0.1/24", EDOM);
	bad("11.0.0.0/7", EDOM);
	bad("10.128.0.0/8", EDOM);
	bad("2001:db8::1/64", EDOM);
	bad("2001:db8:4000::/33", EDOM);
	bad("::1/127", EDOM);
}

static void
test_str_short_buffer(void **state)
{
	struct bgp_prefix	 p;
	char			 buf[8];

	assert_int_equal(bgp_prefix_parse("192.168.100.0/24", &p), 0);
	assert_string_equal(bgp_prefix_str(&p, buf, sizeof(buf)), "192.168");
	memset(buf, 'x', sizeof(buf));
	bgp_prefix_str(&p, buf, 0);
	assert_int_equal(buf[0], 'x');
	p.aid = 7;
	assert_string_equal(bgp_prefix_str(&p, buf, sizeof(buf)), "?");
}

static struct bgp_prefix
P(const char *s, uint32_t path_id)
{
	struct bgp_prefix	 p;

	assert_int_equal(bgp_prefix_parse(s, &p), 0);
	p.path_id = path_id;
	return p;
}

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

static void
test_cmp(void **state)
{
	/* Ascending: aid, then address, then length, then path id. */
	struct bgp_prefix	 v[] = {
		P("0.0.0.0/0", 0), P("10.0.0.0/8", 0), P("10.0.0.0/8", 1),
		P("10.0.0.0/8", 0xffffffff), P("10.0.0.0/16", 0),
		P("10.0.0.1/32", 0), P("10.1.0.0/16", 0),
		P("255.255.255.255/32", 0), P("::/0", 0), P("::/1", 0),
		P("2001:db8::/32", 0), P("2001:db8::/48", 7),
		P("2001:db8::1/128", 0), P("ff00::/8", 0),
	};
	size_t			 n = sizeof(v) / sizeof(v[0]), i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			assert_int_equal(sign(bgp_prefix_cmp(&v[i], &v[j])),
			    i < j ? -1 : i > j ? 1 : 0);
}

static void
test_afi(void **state)
{
	uint8_t	 aid = 99;

	assert_int_equal(bgp_aid_afi(AID_IPV4), AFI_IPV4);
	assert_int_equal(bgp_aid_afi(AID_IPV6), AFI_IPV6);
	assert_int_equal(bgp_aid_afi(AID_MAX), 0);
	assert_int_equal(bgp_afi_aid(AFI_IPV4, SAFI_UNICAST, &aid), 0);
	assert_int_equal(aid, AID_IPV4);
	assert_int_equal(bgp_afi_aid(AFI_IPV6, SAFI_UNICAST, &aid), 0);
	assert_int_equal(aid, AID_IPV6);
	aid = 99;
	assert_int_equal(bgp_afi_aid(AFI_IPV4, 2, &aid), -1);	/* multicast */
	assert_int_equal(bgp_afi_aid(AFI_IPV6, 128, &aid), -1);
	assert_int_equal(bgp_afi_aid(3, SAFI_UNICAST, &aid), -1);
	assert_int_equal(bgp_afi_aid(0, 0, &aid), -1);
	assert_int_equal(aid, 99);
	assert_string_equal(bgp_aid_str(AID_IPV6), "IPv6 unicast");
	assert_string_equal(bgp_aid_str(9), "unknown address family");
	assert_int_equal(bgp_aid_maxlen(AID_IPV4), 32);
	assert_int_equal(bgp_aid_maxlen(AID_IPV6), 128);
}

static void
test_nlri_round_trip(void **state)
{
	static const char *const pfx[] = {
		"0.0.0.0/0", "10.0.0.0/8", "10.128.0.0/9", "192.0.2.0/24",
		"192.0.2.1/32", "::/0", "2001:db8::/32", "2001:db8::1/128",
		"2001:db8:0:1::/127",
	};
	struct ibuf		*b;
	struct bgp_prefix	 p, q;
	size_t			 i, len;
	int			 ap;

	for (ap = 0; ap <= 1; ap++)
		for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
			p = P(pfx[i], ap ? 0x01020304 + i : 0);
			assert_non_null(b = ibuf_dynamic(8, 64));
			assert_int_equal(bgp_nlri_put(b, &p, ap), 0);
			len = bgp_nlri_len(&p, ap);
			assert_int_equal(ibuf_size(b), len);
			assert_int_equal(bgp_nlri_get(b, p.aid, ap, &q), 0);
			assert_int_equal(bgp_prefix_cmp(&p, &q), 0);
			assert_int_equal(ibuf_size(b), 0);
			ibuf_free(b);
		}
}

static void
test_nlri_get_bad(void **state)
{
	/* /33, a /24 with 2 octets, a truncated path id, trailing bits. */
	static const uint8_t	 long4[] = { 33, 1, 2, 3, 4, 5 };
	static const uint8_t	 short4[] = { 24, 10, 0 };
	static const uint8_t	 shortid[] = { 0, 0, 1 };
	static const uint8_t	 trail[] = { 9, 10, 0xff };
	static const uint8_t	 long6[] = { 129 };
	struct bgp_prefix	 p, q;
	struct ibuf		 v;

	ibuf_from_buffer(&v, long4, sizeof(long4));
	errno = 0;
	assert_int_equal(bgp_nlri_get(&v, AID_IPV4, 0, &p), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(ibuf_size(&v), sizeof(long4));	/* nothing read */
	ibuf_from_buffer(&v, short4, sizeof(short4));
	assert_int_equal(bgp_nlri_get(&v, AID_IPV4, 0, &p), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(ibuf_size(&v), sizeof(short4));
	ibuf_from_buffer(&v, shortid, sizeof(shortid));
	assert_int_equal(bgp_nlri_get(&v, AID_IPV4, 1, &p), -1);
	ibuf_from_buffer(&v, long6, sizeof(long6));
	assert_int_equal(bgp_nlri_get(&v, AID_IPV6, 0, &p), -1);
	assert_int_equal(bgp_nlri_get(&v, AID_MAX, 0, &p), -1);
	/* RFC 4271 4.3: trailing bits are irrelevant, and cleared. */
	ibuf_from_buffer(&v, trail, sizeof(trail));
	assert_int_equal(bgp_nlri_get(&v, AID_IPV4, 0, &p), 0);
	q = P("10.128.0.0/9", 0);
	assert_int_equal(bgp_prefix_cmp(&p, &q), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_str_short_buffer),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_afi),
		cmocka_unit_test(test_nlri_round_trip),
		cmocka_unit_test(test_nlri_get_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
