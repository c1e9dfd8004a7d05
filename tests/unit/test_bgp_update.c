/*
 * Unit tests for bgp/bgp_update.c and bgp/bgp_attr.c: announce,
 * withdraw and End-of-RIB round trips for every family and session
 * kind, packing into as few messages as fit, RFC 6793 AS4_PATH merging,
 * attribute order/hash/copy, AS paths, link bandwidth, and the RFC 7606
 * table in tests/data/bgp/update_cases.txt (one row per case).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "bgp.h"
#include "fixtures.h"

#ifndef TEST_DATADIR
#error "TEST_DATADIR must name tests/data"
#endif

#define CASES		TEST_DATADIR "/bgp/update_cases.txt"
#define MARKER		"ffffffffffffffffffffffffffffffff"
#define BIT(t)		(1ULL << (t))

static void
assert_bytes(const struct ibuf *b, const char *want)
{
	uint8_t	 w[512];
	size_t	 n = hex_decode(want, w, sizeof(w));

	assert_int_equal(ibuf_size(b), n);
	assert_memory_equal(ibuf_data(b), w, n);
}

/* A session seen from both ends: what tx sends, rx expects. */
struct pair {
	struct bgp_neg	 tx, rx;
};

static struct pair
pair_make(int as4, int ap, size_t max_msg)
{
	struct pair	 p = { 0 };
	uint8_t		 aid;

	p.tx.as4 = as4;
	p.tx.max_msg = max_msg;
	p.tx.ext_msg = max_msg > BGP_MAX_MSG;
	for (aid = 0; aid < AID_MAX; aid++) {
		p.tx.mp[aid] = 1;
		p.tx.ext_nh[aid] = aid == AID_IPV4;
	}
	p.rx = p.tx;
	for (aid = 0; aid < AID_MAX; aid++) {
		p.tx.addpath_tx[aid] = ap;
		p.rx.addpath_rx[aid] = ap;
	}
	return p;
}

static struct bgp_prefix
pfx_make(uint8_t aid, size_t i, uint8_t plen, uint32_t path_id)
{
	struct bgp_prefix	 p = { .aid = aid, .plen = plen,
				    .path_id = path_id };
	uint8_t			*a;
	size_t			 len, j;
	uint32_t		 h = (uint32_t)i * 2654435761U + 0x0a000000;

	a = aid == AID_IPV4 ? (uint8_t *)&p.addr.v4 : (uint8_t *)&p.addr.v6;
	len = aid == AID_IPV4 ? 4 : 16;
	for (j = 0; j < len; j++)
		a[j] = (h >> (8 * (j % 4))) ^ (uint8_t)(j * 17 + i / 256);
	for (j = 0; j < len; j++) {
		if (j * 8 >= plen)
			a[j] = 0;
		else if (j * 8 + 8 > plen)
			a[j] &= 0xff << (8 - plen % 8);
	}
	return p;
}

static struct bgp_prefix
P(const char *s)
{
	struct bgp_prefix	 p;

	assert_int_equal(bgp_prefix_parse(s, &p), 0);
	return p;
}

static void
attrs_full(struct bgp_attrs *a, uint8_t nh_kind)
{
	static const uint32_t	 path[] = { 65001, 4200000001U, 65002 };
	static const uint32_t	 comm[] = { COMMUNITY_NO_EXPORT, 0xfde90001,
				    0x12345678 };
	static const uint8_t	 large[12] = { 0, 0, 0xfd, 0xe9, 0, 0, 0, 1,
				    0, 0, 0, 2 };

	memset(a, 0, sizeof(*a));
	a->present = BIT(ATTR_ORIGIN) | BIT(ATTR_MED) | BIT(ATTR_LOCALPREF) |
	    BIT(ATTR_ATOMIC_AGGREGATE) | BIT(ATTR_AGGREGATOR) |
	    BIT(ATTR_COMMUNITIES) | BIT(ATTR_EXT_COMMUNITIES) |
	    BIT(ATTR_LARGE_COMMUNITIES);
	a->origin = ORIGIN_EGP;
	assert_int_equal(bgp_aspath_set(a, path, 3), 0);
	a->med = 7;
	a->local_pref = 200;
	a->aggregator_as = 4200000000U;
	a->aggregator_id.s_addr = htonl(0x0a090909);
	assert_non_null(a->communities = malloc(sizeof(comm)));
	memcpy(a->communities, comm, sizeof(comm));
	a->ncommunities = 3;
	assert_non_null(a->ext_communities = calloc(2, 8));
	assert_int_equal(bgp_ext_community_lb(65001, 12.5e9f,
	    a->ext_communities), 0);
	a->ext_communities[8] = 0x00;
	a->ext_communities[9] = 0x02;	/* route target */
	a->next_communities = 2;
	assert_non_null(a->large_communities = malloc(12));
	memcpy(a->large_communities, large, 12);
	a->nlarge_communities = 1;
	switch (nh_kind) {
	case 4:
		a->present |= BIT(ATTR_NEXTHOP);
		a->nexthop.s_addr = htonl(0x0a000001);
		break;
	case 32:
		inet_pton(AF_INET6, "fe80::1", &a->mp_nh6[1]);
		/* FALLTHROUGH */
	case 16:
		a->present |= BIT(ATTR_MP_REACH);
		a->mp_nh_len = nh_kind;
		inet_pton(AF_INET6, "2001:db8::1", &a->mp_nh6[0]);
		break;
	}
}

/* Reads every message out of `out`, checking each against max_msg. */
struct got {
	struct bgp_prefix	*p;
	size_t			 n;
	size_t			 msgs;
};

static void
got_add(struct got *g, const struct bgp_prefix *p, size_t n)
{
	if (n == 0)
		return;
	assert_non_null(g->p = realloc(g->p, (g->n + n) * sizeof(*p)));
	memcpy(g->p + g->n, p, n * sizeof(*p));
	g->n += n;
}

static void
read_all(struct ibuf *out, const struct bgp_neg *rx,
    const struct bgp_attrs *want, int withdraw, struct got *g)
{
	struct bgp_update	 u;
	struct bgp_notify	 err;
	struct ibuf		 body;
	uint8_t			 type;
	int			 rc;

	while ((rc = bgp_read_msg(out, rx->max_msg, &type, &body, &err)) ==
	    1) {
		assert_int_equal(type, BGP_UPDATE);
		assert_true(ibuf_size(&body) + BGP_HDR_LEN <= rx->max_msg);
		if (bgp_update_parse(&body, rx, &u, &err) != 0)
			fail_msg("parse: %s", err.reason);
		assert_int_equal(u.action, UPD_ACTION_OK);
		assert_int_equal(u.discarded, 0);
		assert_int_equal(u.eor, 0);
		if (withdraw) {
			assert_int_equal(u.nnlri, 0);
			got_add(g, u.withdrawn, u.nwithdrawn);
		} else {
			assert_int_equal(u.nwithdrawn, 0);
			assert_int_equal(bgp_attrs_cmp(&u.attrs, want), 0);
			got_add(g, u.nlri, u.nnlri);
		}
		g->msgs++;
		bgp_update_free(&u);
	}
	if (rc == -1)
		fail_msg("read: %s", err.reason);
	assert_int_equal(ibuf_size(out), 0);
}

/* Sends all of pfx, in as many UPDATEs as it takes, and reads them:
 * with attributes `want`, or a when NULL. */
static size_t
send_want(const struct pair *s, const struct bgp_attrs *a,
    const struct bgp_attrs *want, const struct bgp_prefix *pfx, size_t n,
    int withdraw)
{
	struct ibuf	*out;
	struct got	 g = { 0 };
	size_t		 done = 0, i, before;
	int		 k;

	assert_non_null(out = ibuf_dynamic(4096, 64 << 20));
	while (done < n) {
		before = ibuf_size(out);
		k = withdraw ? bgp_update_write_withdraw(out, &s->tx,
		    pfx + done, n - done) : bgp_update_write_announce(out,
		    &s->tx, a, pfx + done, n - done);
		if (k < 1)
			fail_msg("write: %s (done %zu of %zu)", strerror(errno),
			    done, n);
		done += k;
		/* Full: one more prefix would not have fit. */
		if (done < n)
			assert_true(ibuf_size(out) - before +
			    bgp_nlri_len(&pfx[done], s->tx.addpath_tx[
			    pfx[0].aid]) > bgp_msg_max(s->tx.max_msg));
	}
	read_all(out, &s->rx, want != NULL ? want : a, withdraw, &g);
	assert_int_equal(g.n, n);
	for (i = 0; i < n; i++)
		if (bgp_prefix_cmp(&g.p[i], &pfx[i]) != 0)
			fail_msg("prefix %zu differs", i);
	free(g.p);
	ibuf_free(out);
	return g.msgs;
}

static size_t
send_all(const struct pair *s, const struct bgp_attrs *a,
    const struct bgp_prefix *pfx, size_t n, int withdraw)
{
	return send_want(s, a, NULL, pfx, n, withdraw);
}

/* ---- round trips ---- */

static void
round_trip(uint8_t aid, uint8_t nh_kind)
{
	struct bgp_attrs	 a;
	struct bgp_prefix	 pfx[20];
	struct pair		 s;
	size_t			 i;
	int			 as4, ap;
	static const uint8_t	 plens[] = { 0, 1, 7, 8, 9, 16, 24, 31, 32,
				    48, 64, 127, 128 };

	attrs_full(&a, nh_kind);
	for (as4 = 0; as4 <= 1; as4++)
		for (ap = 0; ap <= 1; ap++) {
			s = pair_make(as4, ap, BGP_MAX_MSG);
			for (i = 0; i < 20; i++)
				pfx[i] = pfx_make(aid, i, plens[i % (aid ==
				    AID_IPV4 ? 9 : 13)], ap ? i * 7 + 1 : 0);
			assert_int_equal(send_all(&s, &a, pfx, 20, 0), 1);
			assert_int_equal(send_all(&s, &a, pfx, 20, 1), 1);
			assert_int_equal(send_all(&s, &a, pfx, 1, 0), 1);
		}
	bgp_attrs_free(&a);
}

static void
test_round_trip_ipv4(void **state)
{
	round_trip(AID_IPV4, 4);
}

static void
test_round_trip_ipv6(void **state)
{
	round_trip(AID_IPV6, 16);
	round_trip(AID_IPV6, 32);
}

static void
test_round_trip_ipv4_over_ipv6(void **state)
{
	round_trip(AID_IPV4, 16);
	round_trip(AID_IPV4, 32);
}

static void
test_round_trip_mp_ipv4(void **state)
{
	struct bgp_attrs	 a;
	struct bgp_prefix	 p = P("10.1.0.0/16");
	struct pair		 s = pair_make(1, 0, BGP_MAX_MSG);

	attrs_full(&a, 0);
	a.present |= BIT(ATTR_MP_REACH);
	a.mp_nh_len = 4;
	a.mp_nh4.s_addr = htonl(0x0a000002);
	assert_int_equal(send_all(&s, &a, &p, 1, 0), 1);
	bgp_attrs_free(&a);
}

static void
test_round_trip_minimal(void **state)
{
	struct bgp_attrs	 a = { 0 };
	struct bgp_prefix	 p = P("10.1.0.0/24");
	struct pair		 s = pair_make(1, 0, BGP_MAX_MSG);

	struct bgp_attrs	 want;
	struct ibuf		*out;
	struct got		 g = { 0 };

	/* Nothing set: ORIGIN IGP and an empty AS_PATH still go out. */
	a.present = BIT(ATTR_NEXTHOP);
	a.nexthop.s_addr = htonl(0x0a000001);
	want = a;
	want.present |= BIT(ATTR_ORIGIN) | BIT(ATTR_ASPATH);
	assert_non_null(out = ibuf_dynamic(64, 4096));
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, &p, 1), 1);
	read_all(out, &s.rx, &want, 0, &g);
	assert_int_equal(g.n, 1);
	free(g.p);
	ibuf_free(out);
}

static void
test_exact_bytes(void **state)
{
	struct bgp_attrs	 a = { 0 };
	struct bgp_prefix	 p4 = P("10.1.0.0/24"), p6 = P("2001:db8::/32");
	struct pair		 s = pair_make(1, 0, BGP_MAX_MSG);
	struct pair		 s2 = pair_make(0, 0, BGP_MAX_MSG);
	struct ibuf		*out;
	uint32_t		 as = 65001;

	assert_int_equal(bgp_aspath_set(&a, &as, 1), 0);
	a.present |= BIT(ATTR_ORIGIN) | BIT(ATTR_NEXTHOP);
	a.nexthop.s_addr = htonl(0x0a000001);
	assert_non_null(out = ibuf_dynamic(64, 4096));
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, &p4, 1), 1);
	assert_bytes(out, MARKER "002f 02 0000 0014 40010100"
	    " 4002060201 0000fde9 4003040a000001 180a0100");
	ibuf_truncate(out, 0);
	/* 2-octet session, small ASNs: no AS4_PATH. */
	assert_int_equal(bgp_update_write_announce(out, &s2.tx, &a, &p4, 1),
	    1);
	assert_bytes(out, MARKER "002d 02 0000 0012 40010100"
	    " 4002040201 fde9 4003040a000001 180a0100");
	ibuf_truncate(out, 0);
	/* 2-octet session, a 4-octet ASN: AS_TRANS, then AS4_PATH. */
	as = 4200000001U;
	assert_int_equal(bgp_aspath_set(&a, &as, 1), 0);
	assert_int_equal(bgp_update_write_announce(out, &s2.tx, &a, &p4, 1),
	    1);
	assert_bytes(out, MARKER "0036 02 0000 001b 40010100"
	    " 4002040201 5ba0 4003040a000001 c0110602 01fa56ea01 180a0100");
	ibuf_truncate(out, 0);
	/* IPv6: MP_REACH_NLRI first (RFC 7606 5.1), no NEXT_HOP. */
	as = 65001;
	assert_int_equal(bgp_aspath_set(&a, &as, 1), 0);
	a.mp_nh_len = 16;
	inet_pton(AF_INET6, "2001:db8::1", &a.mp_nh6[0]);
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, &p6, 1), 1);
	assert_bytes(out, MARKER "0041 02 0000 002a"
	    " 800e1a 0002 01 10 20010db8000000000000000000000001 00"
	    " 20 20010db8 40010100 4002060201 0000fde9");
	ibuf_truncate(out, 0);
	assert_int_equal(bgp_update_write_withdraw(out, &s.tx, &p6, 1), 1);
	assert_bytes(out, MARKER "0022 02 0000 000b 800f08 0002 01"
	    " 20 20010db8");
	ibuf_truncate(out, 0);
	assert_int_equal(bgp_update_write_withdraw(out, &s.tx, &p4, 1), 1);
	assert_bytes(out, MARKER "001b 02 0004 180a0100 0000");
	ibuf_truncate(out, 0);
	assert_int_equal(bgp_eor_write(out, &s.tx, AID_IPV4), 0);
	assert_bytes(out, MARKER "0017 02 0000 0000");
	ibuf_truncate(out, 0);
	assert_int_equal(bgp_eor_write(out, &s.tx, AID_IPV6), 0);
	assert_bytes(out, MARKER "001d 02 0000 0006 800f03 0002 01");
	ibuf_free(out);
	bgp_attrs_free(&a);
}

static void
test_eor(void **state)
{
	struct pair		 s = pair_make(1, 1, BGP_MAX_MSG);
	struct ibuf		*out;
	struct ibuf		 body;
	struct bgp_update	 u;
	struct bgp_notify	 err;
	uint8_t			 aid, type;

	assert_non_null(out = ibuf_dynamic(64, 4096));
	for (aid = 0; aid < AID_MAX; aid++) {
		assert_int_equal(bgp_eor_write(out, &s.tx, aid), 0);
		assert_int_equal(bgp_read_msg(out, 4096, &type, &body, &err),
		    1);
		assert_int_equal(bgp_update_parse(&body, &s.rx, &u, &err), 0);
		assert_int_equal(u.eor, 1);
		assert_int_equal(u.eor_aid, aid);
		assert_int_equal(u.nnlri + u.nwithdrawn, 0);
		bgp_update_free(&u);
	}
	assert_int_equal(bgp_eor_write(out, &s.tx, AID_MAX), -1);
	s.tx.mp[AID_IPV6] = 0;
	assert_int_equal(bgp_eor_write(out, &s.tx, AID_IPV6), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ibuf_size(out), 0);
	ibuf_free(out);
}

/* ---- packing ---- */

static void
pack(uint8_t aid, uint8_t nh_kind, int ap, size_t max_msg, size_t n)
{
	static const uint8_t	 plens4[] = { 8, 16, 24, 32, 20, 28 };
	static const uint8_t	 plens6[] = { 32, 48, 64, 128, 56, 127 };
	struct bgp_prefix	*pfx;
	struct bgp_attrs	 a;
	struct pair		 s;
	size_t			 i, msgs, bytes = 0;

	attrs_full(&a, nh_kind);
	s = pair_make(1, ap, max_msg);
	assert_non_null(pfx = calloc(n, sizeof(*pfx)));
	for (i = 0; i < n; i++) {
		pfx[i] = pfx_make(aid, i, aid == AID_IPV4 ? plens4[i % 6] :
		    plens6[i % 6], ap ? (uint32_t)i : 0);
		bytes += bgp_nlri_len(&pfx[i], ap);
	}
	msgs = send_all(&s, &a, pfx, n, 0);
	/* Several messages, and not many more than the bytes need. */
	assert_true(msgs > 1);
	assert_true(msgs <= bytes / (max_msg - 200) + 1);
	msgs = send_all(&s, &a, pfx, n, 1);
	assert_true(msgs > 1);
	free(pfx);
	bgp_attrs_free(&a);
}

static void
test_pack_4096(void **state)
{
	int	 ap;

	for (ap = 0; ap <= 1; ap++) {
		pack(AID_IPV4, 4, ap, BGP_MAX_MSG, 3000);
		pack(AID_IPV4, 32, ap, BGP_MAX_MSG, 3000);
		pack(AID_IPV6, 16, ap, BGP_MAX_MSG, 2000);
	}
}

static void
test_pack_65535(void **state)
{
	int	 ap;

	for (ap = 0; ap <= 1; ap++) {
		pack(AID_IPV4, 4, ap, BGP_EXT_MAX_MSG, 40000);
		pack(AID_IPV4, 16, ap, BGP_EXT_MAX_MSG, 30000);
		pack(AID_IPV6, 32, ap, BGP_EXT_MAX_MSG, 20000);
	}
}

static void
test_write_errors(void **state)
{
	struct bgp_attrs	 a, big;
	struct bgp_prefix	 p[4] = { P("10.1.0.0/24"), P("10.2.0.0/24"),
				    P("2001:db8::/32"), P("10.3.0.0/24") };
	struct bgp_prefix	 q[3] = { P("10.1.0.0/24"), P("10.2.0.0/24"),
				    P("10.3.0.0/24") };
	struct pair		 s = pair_make(1, 0, BGP_MAX_MSG);
	struct ibuf		*out, *fixed;
	size_t			 one;
	uint16_t		 i;

	attrs_full(&a, 4);
	assert_non_null(out = ibuf_dynamic(64, 1 << 20));
	/* EINVAL: no prefix, mixed families, bad length, no next-hop. */
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, p, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, p, 3), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bgp_update_write_withdraw(out, &s.tx, p + 1, 2), -1);
	assert_int_equal(errno, EINVAL);
	p[3].plen = 33;
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, p + 3, 1),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, p + 2, 1),
	    -1);	/* IPv6 with only a NEXT_HOP */
	assert_int_equal(errno, EINVAL);
	a.present &= ~BIT(ATTR_NEXTHOP);
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, p, 1), -1);
	assert_int_equal(errno, EINVAL);
	a.mp_nh_len = 16;
	s.tx.ext_nh[AID_IPV4] = 0;	/* IPv4 over IPv6 not negotiated */
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, p, 1), -1);
	assert_int_equal(errno, EINVAL);
	s.tx.mp[AID_IPV6] = 0;		/* IPv6 not negotiated */
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, p + 2, 1),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bgp_update_write_withdraw(out, &s.tx, p + 2, 1), -1);
	assert_int_equal(errno, EINVAL);
	/* IPv4 not negotiated either (nor RFC 8950): nothing goes. */
	a.present |= BIT(ATTR_NEXTHOP);
	s.tx.mp[AID_IPV4] = 0;
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, p, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bgp_update_write_withdraw(out, &s.tx, p, 1), -1);
	assert_int_equal(bgp_eor_write(out, &s.tx, AID_IPV4), -1);
	s.tx.ext_nh[AID_IPV4] = 1;	/* RFC 8950 alone carries IPv4 */
	assert_int_equal(bgp_update_write_withdraw(out, &s.tx, p, 1), 1);
	ibuf_truncate(out, 0);
	a.present &= ~BIT(ATTR_NEXTHOP);
	assert_int_equal(ibuf_size(out), 0);
	/* EMSGSIZE: attributes that fill a 4096 message on their own. */
	attrs_full(&big, 4);
	free(big.communities);
	assert_non_null(big.communities = calloc(1100, 4));
	for (i = 0; i < 1100; i++)
		big.communities[i] = i;
	big.ncommunities = 1100;
	s = pair_make(1, 0, BGP_MAX_MSG);
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &big, p, 1),
	    -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(ibuf_size(out), 0);
	s = pair_make(1, 0, BGP_EXT_MAX_MSG);
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &big, p, 2), 2);
	bgp_attrs_free(&big);
	/* A full `out`: as many as fit, then ERANGE with out untouched. */
	ibuf_truncate(out, 0);
	s = pair_make(1, 0, BGP_MAX_MSG);
	assert_int_equal(bgp_update_write_announce(out, &s.tx, &a, q, 1), 1);
	one = ibuf_size(out);
	assert_non_null(fixed = ibuf_open(one + 4 + 3));
	assert_int_equal(bgp_update_write_announce(fixed, &s.tx, &a, q, 3),
	    2);
	assert_int_equal(ibuf_size(fixed), one + 4);
	assert_int_equal(bgp_update_write_announce(fixed, &s.tx, &a, p, 1),
	    -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(bgp_update_write_withdraw(fixed, &s.tx, p, 1), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(bgp_eor_write(fixed, &s.tx, AID_IPV4), -1);
	assert_int_equal(ibuf_size(fixed), one + 4);
	ibuf_free(fixed);
	ibuf_free(out);
	bgp_attrs_free(&a);
}

/* ---- RFC 6793 ---- */

static void
upd_hex(const char *flags_as4, const char *s, struct bgp_update *u)
{
	uint8_t			 b[1024];
	struct ibuf		 body;
	struct bgp_notify	 err;
	struct bgp_neg		 neg = { .max_msg = 4096, .mp = { 1, 0 } };

	neg.as4 = strcmp(flags_as4, "as4") == 0;
	ibuf_from_buffer(&body, b, hex_decode(s, b, sizeof(b)));
	if (bgp_update_parse(&body, &neg, u, &err) != 0)
		fail_msg("%s", err.reason);
}

static void
assert_path(const struct bgp_attrs *a, const char *want)
{
	char	 buf[256];

	assert_int_equal(bgp_aspath_str(a, buf, sizeof(buf)),
	    (int)strlen(want));
	assert_string_equal(buf, want);
}

static void
test_as4_merge(void **state)
{
	struct bgp_update	 u;

	/* Same length: AS4_PATH replaces it all. */
	upd_hex("as2", "0000 0027 40010100 4003040a000001"
	    " 400208 0203 5ba0 fde9 5ba0"
	    " c0110e 0203 fa56ea01 0000fde9 fa56ea02 180a0100", &u);
	assert_path(&u.attrs, "4200000001 65001 4200000002");
	assert_int_equal(u.action, UPD_ACTION_OK);
	assert_false(ATTR_HAS(&u.attrs, ATTR_AS4_PATH));
	bgp_update_free(&u);
	/* AS_PATH longer: its leading ASNs, then AS4_PATH. */
	upd_hex("as2", "0000 001f 40010100 4003040a000001"
	    " 400208 0203 fdf2 fdf3 5ba0 c01106 0201 fa56ea01 180a0100", &u);
	assert_path(&u.attrs, "65010 65011 4200000001");
	bgp_update_free(&u);
	/* AS4_PATH longer: ignored. */
	upd_hex("as2", "0000 001f 40010100 4003040a000001"
	    " 400204 0201 5ba0 c0110a 0202 00000001 00000002 180a0100", &u);
	assert_path(&u.attrs, "23456");
	assert_non_null(strstr(u.reason, "AS4_PATH"));
	bgp_update_free(&u);
	/* An AS_SET counts as one; AS4_PATH's confederation segments go. */
	upd_hex("as2", "0000 002b 40010100 4003040a000001"
	    " 40020a 0201 fdf2 0102 5ba0 fdfc"
	    " c01110 0301 0000fc00 0102 fa56ea01 0000fdfc 180a0100", &u);
	assert_path(&u.attrs, "65010 {4200000001 65020}");
	bgp_update_free(&u);
	/* AGGREGATOR other than AS_TRANS: both AS4 attributes ignored. */
	upd_hex("as2", "0000 002f 40010100 4003040a000001"
	    " 400204 0201 5ba0 c00706 fde9 0a000001"
	    " c01106 0201 fa56ea01 c01208 fa56ea00 0a000002 180a0100", &u);
	assert_path(&u.attrs, "23456");
	assert_int_equal(u.attrs.aggregator_as, 65001);
	bgp_update_free(&u);
	/* AGGREGATOR AS_TRANS: AS4_AGGREGATOR and AS4_PATH are used. */
	upd_hex("as2", "0000 002f 40010100 4003040a000001"
	    " 400204 0201 5ba0 c00706 5ba0 0a000001"
	    " c01106 0201 fa56ea01 c01208 fa56ea00 0a000002 180a0100", &u);
	assert_path(&u.attrs, "4200000001");
	assert_int_equal(u.attrs.aggregator_as, 4200000000U);
	assert_int_equal(ntohl(u.attrs.aggregator_id.s_addr), 0x0a000002);
	assert_false(ATTR_HAS(&u.attrs, ATTR_AS4_AGGREGATOR));
	bgp_update_free(&u);
	/* Merged runs are canonical: one segment. */
	upd_hex("as2", "0000 0023 40010100 4003040a000001"
	    " 400208 0203 fdf2 5ba0 5ba0 c0110a 0202 fa56ea01 fa56ea02"
	    " 180a0100", &u);
	assert_path(&u.attrs, "65010 4200000001 4200000002");
	assert_int_equal(u.attrs.aspath_len, 2 + 12);
	bgp_update_free(&u);
}

/* A 2-octet session carries 4-octet ASNs through AS4_PATH and back. */
static void
test_as4_round_trip(void **state)
{
	static const uint32_t	 paths[][4] = {
		{ 65001, 4200000001U, 65002, 0 },
		{ 4200000001U, 4200000002U, 0 },
		{ 1, 2, 3, 0 },
		{ AS_TRANS, 65001, 0 },
		{ 0 },
	};
	struct bgp_attrs	 a, want;
	struct bgp_prefix	 p = P("10.1.0.0/24");
	struct pair		 s = pair_make(0, 0, BGP_MAX_MSG);
	uint32_t		 trans[4];
	size_t			 i, n;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		attrs_full(&a, 4);
		for (n = 0; paths[i][n] != 0; n++)
			trans[n] = paths[i][n] > 65535 ? AS_TRANS : paths[i][n];
		assert_int_equal(bgp_aspath_set(&a, paths[i], n), 0);
		assert_int_equal(send_all(&s, &a, &p, 1, 0), 1);
		/* RFC 6793 4.2.3: an AGGREGATOR other than AS_TRANS makes
		 * the receiver ignore AS4_PATH: AS_TRANS stays in the path. */
		a.aggregator_as = 65001;
		assert_int_equal(bgp_attrs_copy(&want, &a), 0);
		assert_int_equal(bgp_aspath_set(&want, trans, n), 0);
		assert_int_equal(send_want(&s, &a, &want, &p, 1, 0), 1);
		bgp_attrs_free(&want);
		bgp_attrs_free(&a);
	}
}

/* ---- attributes in memory ---- */

static int
sgn(int v)
{
	return (v > 0) - (v < 0);
}

static void
differ(const struct bgp_attrs *a, const struct bgp_attrs *b)
{
	int	 ab = bgp_attrs_cmp(a, b), ba = bgp_attrs_cmp(b, a);

	assert_int_not_equal(ab, 0);
	assert_int_equal(sgn(ab), -sgn(ba));
}

static void
same(const struct bgp_attrs *a, const struct bgp_attrs *b)
{
	assert_int_equal(bgp_attrs_cmp(a, b), 0);
	assert_int_equal(bgp_attrs_cmp(b, a), 0);
	assert_true(bgp_attrs_hash(a) == bgp_attrs_hash(b));
}

static void
test_attrs_cmp_copy(void **state)
{
	struct bgp_attrs	 a, b;
	uint32_t		 as = 65009;

	attrs_full(&a, 32);
	assert_int_equal(bgp_attrs_copy(&b, &a), 0);
	same(&a, &b);
	assert_ptr_not_equal(a.aspath, b.aspath);
	assert_ptr_not_equal(a.communities, b.communities);
	assert_ptr_not_equal(a.ext_communities, b.ext_communities);
	assert_ptr_not_equal(a.large_communities, b.large_communities);
#define TRY(stmt) do {							\
	bgp_attrs_free(&b);						\
	assert_int_equal(bgp_attrs_copy(&b, &a), 0);			\
	stmt;								\
	differ(&a, &b);							\
} while (0)
	TRY(b.origin = ORIGIN_IGP);
	TRY(b.med++);
	TRY(b.local_pref--);
	TRY(b.aggregator_as = 1);
	TRY(b.aggregator_id.s_addr ^= 1);
	TRY(b.communities[2]++);
	TRY(b.ncommunities--);
	TRY(b.ext_communities[15]++);
	TRY(b.next_communities = 1);
	TRY(b.large_communities[11]++);
	TRY(b.aspath[b.aspath_len - 1]++);
	TRY(bgp_aspath_set(&b, &as, 1));
	TRY(b.mp_nh6[1].s6_addr[15]++);
	TRY(b.mp_nh6[0].s6_addr[0]++);
	TRY(b.mp_nh_len = 16);
	TRY(b.present &= ~BIT(ATTR_ATOMIC_AGGREGATE));
	TRY(b.present |= BIT(ATTR_NEXTHOP));
#undef TRY
	/* What is not present does not count, nor does the link-local
	 * half of a 16-octet next-hop. */
	bgp_attrs_free(&b);
	assert_int_equal(bgp_attrs_copy(&b, &a), 0);
	a.present &= ~BIT(ATTR_MED);
	b.present &= ~BIT(ATTR_MED);
	b.med = 12345;
	b.nexthop.s_addr = 99;
	same(&a, &b);
	a.mp_nh_len = b.mp_nh_len = 16;
	b.mp_nh6[1].s6_addr[3] = 7;
	same(&a, &b);
	bgp_attrs_free(&a);
	bgp_attrs_free(&b);
	same(&a, &b);
	/* An empty set copies as empty. */
	assert_int_equal(bgp_attrs_copy(&b, &a), 0);
	assert_null(b.aspath);
	bgp_attrs_free(&b);
}

static int
qcmp(const void *x, const void *y)
{
	return bgp_attrs_cmp(x, y);
}

static void
test_attrs_total_order(void **state)
{
	struct bgp_attrs	 v[24];
	size_t			 i, j, n = sizeof(v) / sizeof(v[0]);
	uint32_t		 as;

	for (i = 0; i < n; i++) {
		attrs_full(&v[i], i % 3 == 0 ? 4 : 16);
		v[i].med = i % 5;
		v[i].local_pref = i % 4;
		as = 65000 + i % 7;
		assert_int_equal(bgp_aspath_set(&v[i], &as, 1), 0);
		if (i % 2)
			v[i].present &= ~BIT(ATTR_COMMUNITIES);
	}
	qsort(v, n, sizeof(v[0]), qcmp);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			assert_true(bgp_attrs_cmp(&v[i], &v[j]) <= 0);
			assert_true(bgp_attrs_cmp(&v[j], &v[i]) >= 0);
			if (bgp_attrs_cmp(&v[i], &v[j]) == 0)
				assert_true(bgp_attrs_hash(&v[i]) ==
				    bgp_attrs_hash(&v[j]));
		}
	for (i = 0; i < n; i++)
		bgp_attrs_free(&v[i]);
}

static void
test_aspath(void **state)
{
	struct bgp_attrs	 a = { 0 };
	uint32_t		*many;
	uint32_t		 path[] = { 65001, 65002, 65003 };
	char			 buf[8];
	uint8_t			 w[64];
	struct ibuf		 v;
	size_t			 i;

	assert_int_equal(bgp_aspath_set(&a, path, 3), 0);
	assert_true(ATTR_HAS(&a, ATTR_ASPATH));
	assert_path(&a, "65001 65002 65003");
	assert_int_equal(bgp_aspath_count(&a), 3);
	assert_int_equal(bgp_aspath_neighbor(&a), 65001);
	assert_true(bgp_aspath_contains(&a, 65003));
	assert_false(bgp_aspath_contains(&a, 65004));
	/* Truncation: the full length back, as snprintf. */
	assert_int_equal(bgp_aspath_str(&a, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "65001 6");
	assert_int_equal(bgp_aspath_str(&a, NULL, 0), 17);
	assert_int_equal(bgp_aspath_prepend(&a, 64999, 2), 0);
	assert_path(&a, "64999 64999 65001 65002 65003");
	assert_int_equal(a.aspath_len, 2 + 5 * 4);
	assert_int_equal(bgp_aspath_set(&a, NULL, 0), 0);
	assert_null(a.aspath);
	assert_true(ATTR_HAS(&a, ATTR_ASPATH));
	assert_path(&a, "");
	assert_int_equal(bgp_aspath_count(&a), 0);
	assert_int_equal(bgp_aspath_neighbor(&a), 0);
	assert_int_equal(bgp_aspath_prepend(&a, 64999, 1), 0);
	assert_path(&a, "64999");
	/* Over 255: the leftmost segment holds the remainder. */
	assert_non_null(many = calloc(600, sizeof(*many)));
	for (i = 0; i < 600; i++)
		many[i] = i + 1;
	assert_int_equal(bgp_aspath_set(&a, many, 600), 0);
	assert_int_equal(a.aspath_len, 3 * 2 + 600 * 4);
	assert_int_equal(a.aspath[0], AS_SEQUENCE);
	assert_int_equal(a.aspath[1], 600 - 2 * 255);
	assert_int_equal(bgp_aspath_count(&a), 600);
	assert_int_equal(bgp_aspath_prepend(&a, 7, 300), 0);
	assert_int_equal(bgp_aspath_count(&a), 900);
	assert_int_equal(a.aspath[1], 900 - 3 * 255);
	assert_int_equal(bgp_aspath_neighbor(&a), 7);
	errno = 0;
	assert_int_equal(bgp_aspath_set(&a, many, 16384), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(bgp_aspath_count(&a), 900);
	free(many);
	/* Sets and confederations, from the wire. */
	ibuf_from_buffer(&v, w, hex_decode("0202 0001 0002 | 0102 0003 0004 |"
	    " 0301 0005 | 0402 0006 0007", w, sizeof(w)));
	free(a.aspath);
	assert_int_equal(bgp_aspath_from_wire(&v, 0, &a.aspath, &a.aspath_len),
	    0);
	assert_path(&a, "1 2 {3 4} (5) [6 7]");
	assert_int_equal(bgp_aspath_count(&a), 3);
	assert_int_equal(bgp_aspath_neighbor(&a), 1);
	assert_int_equal(bgp_aspath_wire_len(a.aspath, a.aspath_len, 0, 1),
	    12);
	assert_int_equal(bgp_aspath_wire_len(a.aspath, a.aspath_len, 1, 0),
	    4 * 2 + 7 * 4);
	ibuf_from_buffer(&v, w, hex_decode("0301 0000fc00 0201 0000fde9", w,
	    sizeof(w)));
	free(a.aspath);
	assert_int_equal(bgp_aspath_from_wire(&v, 1, &a.aspath, &a.aspath_len),
	    0);
	assert_int_equal(bgp_aspath_neighbor(&a), 65001);
	assert_int_equal(bgp_aspath_count(&a), 1);
	/* A path that does not parse has no text. */
	a.aspath[1] = 9;
	assert_int_equal(bgp_aspath_str(&a, buf, sizeof(buf)), -1);
	bgp_attrs_free(&a);
}

static void
test_link_bandwidth(void **state)
{
	uint8_t		 ec[8], w[8];
	uint16_t	 as;
	float		 bw;

	/* 100 Gb/s is 12.5e9 bytes/s, 0x503a43b7 as IEEE 754. */
	assert_int_equal(bgp_ext_community_lb(65001, 12.5e9f, ec), 0);
	assert_int_equal(hex_decode("40 04 fde9 503a43b7", w, sizeof(w)), 8);
	assert_memory_equal(ec, w, 8);
	assert_int_equal(bgp_ext_community_lb_get(ec, &as, &bw), 0);
	assert_int_equal(as, 65001);
	assert_true(bw == 12.5e9f);
	assert_int_equal(bgp_ext_community_lb(1, 0.0f, ec), 0);
	assert_int_equal(bgp_ext_community_lb_get(ec, &as, &bw), 0);
	assert_true(bw == 0.0f);
	assert_int_equal(bgp_ext_community_lb(1, -0.0f, ec), 0);
	assert_int_equal(ec[4], 0);	/* no sign bit */
	assert_int_equal(bgp_ext_community_lb(1, -1.0f, ec), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bgp_ext_community_lb(1, NAN, ec), -1);
	assert_int_equal(bgp_ext_community_lb(1, INFINITY, ec), -1);
	/* The transitive twin is read too; others are not LB. */
	hex_decode("00 04 0001 4e9502f9", w, sizeof(w));
	assert_int_equal(bgp_ext_community_lb_get(w, &as, &bw), 0);
	assert_true(bw == 1.25e9f);
	hex_decode("00 02 fde9 00000064", w, sizeof(w));	/* route target */
	as = 7;
	assert_int_equal(bgp_ext_community_lb_get(w, &as, &bw), -1);
	assert_int_equal(as, 7);
	hex_decode("40 05 0001 4e9502f9", w, sizeof(w));
	assert_int_equal(bgp_ext_community_lb_get(w, &as, &bw), -1);
	hex_decode("43 04 0001 4e9502f9", w, sizeof(w));
	assert_int_equal(bgp_ext_community_lb_get(w, &as, &bw), -1);
	hex_decode("40 04 0001 7fc00000", w, sizeof(w));	/* NaN */
	assert_int_equal(bgp_ext_community_lb_get(w, &as, &bw), -1);
	hex_decode("40 04 0001 bf800000", w, sizeof(w));	/* -1.0 */
	assert_int_equal(bgp_ext_community_lb_get(w, &as, &bw), -1);
}

/* ---- the RFC 7606 table ---- */

static int
neg_flags(const char *flags, struct bgp_neg *n)
{
	char	 buf[128], *tok, *save = NULL;

	*n = (struct bgp_neg){ .max_msg = BGP_MAX_MSG };
	n->mp[AID_IPV4] = 1;
	snprintf(buf, sizeof(buf), "%s", flags);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "as4") == 0)
			n->as4 = 1;
		else if (strcmp(tok, "as2") == 0)
			n->as4 = 0;
		else if (strcmp(tok, "v6") == 0)
			n->mp[AID_IPV6] = 1;
		else if (strcmp(tok, "nov4") == 0)
			n->mp[AID_IPV4] = 0;
		else if (strcmp(tok, "extnh") == 0)
			n->ext_nh[AID_IPV4] = 1;
		else if (strcmp(tok, "ap4") == 0)
			n->addpath_rx[AID_IPV4] = 1;
		else if (strcmp(tok, "ap6") == 0)
			n->addpath_rx[AID_IPV6] = 1;
		else
			return -1;
	}
	return 0;
}

struct expect {
	enum { E_OK, E_WITHDRAW, E_DISCARD, E_EOR, E_RESET } kind;
	int		 code, subcode, aid;
	long		 nlri, wd, disc;
};

static int
expect_parse(const char *text, struct expect *e)
{
	char	 buf[128], *tok, *save = NULL;

	*e = (struct expect){ .nlri = -1, .wd = -1, .disc = -1 };
	snprintf(buf, sizeof(buf), "%s", text);
	if ((tok = strtok_r(buf, " ", &save)) == NULL)
		return -1;
	if (strcmp(tok, "ok") == 0)
		e->kind = E_OK;
	else if (strcmp(tok, "withdraw") == 0)
		e->kind = E_WITHDRAW;
	else if (strcmp(tok, "discard") == 0)
		e->kind = E_DISCARD;
	else if (strcmp(tok, "eor") == 0) {
		e->kind = E_EOR;
		tok = strtok_r(NULL, " ", &save);
		if (tok == NULL || (strcmp(tok, "ipv4") && strcmp(tok, "ipv6")))
			return -1;
		e->aid = strcmp(tok, "ipv4") == 0 ? AID_IPV4 : AID_IPV6;
	} else if (strcmp(tok, "reset") == 0) {
		e->kind = E_RESET;
		tok = strtok_r(NULL, " ", &save);
		if (tok == NULL || sscanf(tok, "%d/%d", &e->code,
		    &e->subcode) != 2)
			return -1;
	} else
		return -1;
	while ((tok = strtok_r(NULL, " ", &save)) != NULL)
		if (sscanf(tok, "nlri=%ld", &e->nlri) != 1 &&
		    sscanf(tok, "wd=%ld", &e->wd) != 1 &&
		    sscanf(tok, "disc=%ld", &e->disc) != 1)
			return -1;
	return 0;
}

/* Why a row fails, or NULL. */
static const char *
judge(const struct expect *e, int rc, const struct bgp_update *u,
    const struct bgp_notify *err)
{
	static char	 why[256];
	long		 disc = e->disc >= 0 ? e->disc :
			    e->kind == E_DISCARD ? 1 : 0;

	if (e->kind == E_RESET) {
		if (rc != -1)
			return "parsed, expected a reset";
		if (err->code != e->code || err->subcode != e->subcode) {
			snprintf(why, sizeof(why), "reset %u/%u (%s)",
			    err->code, err->subcode, err->reason);
			return why;
		}
		if (u->nlri != NULL || u->withdrawn != NULL || u->nnlri != 0)
			return "reset left prefixes behind";
		return NULL;
	}
	if (rc != 0) {
		snprintf(why, sizeof(why), "reset %u/%u: %s", err->code,
		    err->subcode, err->reason);
		return why;
	}
	if ((e->kind == E_WITHDRAW) !=
	    (u->action == UPD_ACTION_TREAT_AS_WITHDRAW)) {
		snprintf(why, sizeof(why), "action %d (%s)", u->action,
		    u->reason);
		return why;
	}
	if (e->kind != E_WITHDRAW && u->discarded != disc) {
		snprintf(why, sizeof(why), "discarded %d (%s)", u->discarded,
		    u->reason);
		return why;
	}
	if ((e->kind == E_EOR) != (u->eor != 0) ||
	    (e->kind == E_EOR && u->eor_aid != e->aid))
		return "End-of-RIB";
	if (e->nlri >= 0 && (long)u->nnlri != e->nlri)
		return "NLRI count";
	if (e->wd >= 0 && (long)u->nwithdrawn != e->wd)
		return "withdrawn count";
	if ((e->kind == E_WITHDRAW || e->kind == E_DISCARD) &&
	    u->reason[0] == '\0')
		return "no reason given";
	return NULL;
}

/* Every neg and every truncation of the body: never a crash, and a
 * consistent answer. */
static void
robust(const uint8_t *b, size_t n)
{
	struct bgp_update	 u;
	struct bgp_notify	 err;
	struct bgp_neg		 neg;
	struct ibuf		 body;
	size_t			 cut;
	unsigned		 f;

	for (f = 0; f < 32; f++)
		for (cut = 0; cut <= n; cut++) {
			neg = (struct bgp_neg){ .as4 = f & 1,
			    .mp = { 1, (f >> 1) & 1 },
			    .addpath_rx = { (f >> 2) & 1, (f >> 3) & 1 },
			    .ext_nh = { (f >> 4) & 1, 0 } };
			ibuf_from_buffer(&body, b, cut);
			memset(&err, 0, sizeof(err));
			if (bgp_update_parse(&body, &neg, &u, &err) == -1) {
				assert_int_not_equal(err.code, 0);
				assert_null(u.nlri);
				assert_null(u.withdrawn);
			} else {
				assert_true(u.nnlri == 0 || u.nlri != NULL);
				assert_true(u.nwithdrawn == 0 ||
				    u.withdrawn != NULL);
			}
			bgp_update_free(&u);
		}
}

/*
 * Every row must be able to fail: its parse result must be refused by
 * every other expectation (another verdict, another reset subcode,
 * other counts).
 */
static void
discriminates(const struct expect *e, int rc, const struct bgp_update *u,
    const struct bgp_notify *err, const char *name)
{
	struct expect	 alt;
	int		 k;

	for (k = E_OK; k <= E_RESET + 1; k++) {
		alt = (struct expect){ .kind = k > E_RESET ? E_RESET : k,
		    .code = e->code, .subcode = e->subcode, .aid = e->aid,
		    .nlri = -1, .wd = -1, .disc = -1 };
		if (k == E_RESET + 1)
			alt.subcode++;			/* another subcode */
		else if (k == E_EOR && e->kind == E_EOR)
			alt.aid = !e->aid;		/* another family */
		else if (k == (int)e->kind)
			continue;
		if (k == E_RESET && e->kind != E_RESET)
			alt.code = BGP_ERR_UPDATE;
		if (judge(&alt, rc, u, err) == NULL)
			fail_msg("%s: also passes as kind %d", name, k);
	}
	if (e->nlri >= 0) {
		alt = *e;
		alt.nlri++;
		if (judge(&alt, rc, u, err) == NULL)
			fail_msg("%s: NLRI count not checked", name);
	}
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int
run_row(char *line, int lineno)
{
	char			*f[5], *save = NULL;
	uint8_t			 b[4096];
	struct bgp_neg		 neg;
	struct expect		 e;
	struct bgp_update	 u;
	struct bgp_notify	 err;
	struct ibuf		 body;
	const char		*why;
	size_t			 n, nf = 0;
	int			 rc;

	for (f[0] = strtok_r(line, "|", &save); f[nf] != NULL && nf < 4;
	    f[nf] = strtok_r(NULL, "|", &save))
		f[nf] = trim(f[nf]), nf++;
	if (nf < 4 || neg_flags(f[1], &neg) == -1 ||
	    expect_parse(f[3], &e) == -1)
		fail_msg("%s:%d: bad row", CASES, lineno);
	n = hex_decode(f[2], b, sizeof(b));
	ibuf_from_buffer(&body, b, n);
	memset(&err, 0, sizeof(err));
	rc = bgp_update_parse(&body, &neg, &u, &err);
	if ((why = judge(&e, rc, &u, &err)) != NULL)
		print_error("%s:%d: %s: %s\n", CASES, lineno, f[0], why);
	else
		discriminates(&e, rc, &u, &err, f[0]);
	bgp_update_free(&u);
	robust(b, n);
	return why != NULL;
}

static void
test_update_table(void **state)
{
	FILE	*fp;
	char	 line[16384];
	int	 lineno = 0, rows = 0, failed = 0;

	assert_non_null(fp = fopen(CASES, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (line[0] == '#' || trim(line)[0] == '\0')
			continue;
		failed += run_row(line, lineno);
		rows++;
	}
	fclose(fp);
	assert_true(rows >= 40);
	if (failed > 0)
		fail_msg("%d of %d rows failed", failed, rows);
}

/*
 * RFC 4271 6.3: the data of an attribute error is "the unrecognized
 * attribute (type, length, and value)": whole, however long, and cut
 * only to the message size the NOTIFICATION may have.
 */
static void
notify_attr(size_t vlen, size_t max_msg)
{
	struct bgp_neg		 neg = { .as4 = 1, .max_msg = max_msg,
				    .ext_msg = max_msg > BGP_MAX_MSG,
				    .mp = { 1, 0 } };
	struct bgp_update	 u;
	struct bgp_notify	*err = calloc(1, sizeof(*err));
	struct bgp_notify	*back = calloc(1, sizeof(*back));
	struct ibuf		 body, msg;
	struct ibuf		*out;
	uint8_t			*b = malloc(12 + vlen), *attr = b + 8, type;
	size_t			 alen = 4 + vlen, i, sizes[2], cap;

	/* withdrawn 0; ORIGIN; an unrecognized well-known attribute (flags
	 * transitive | extended length, type 99) */
	b[0] = b[1] = 0;
	b[2] = (4 + alen) >> 8;
	b[3] = (4 + alen) & 0xff;
	memcpy(b + 4, "\x40\x01\x01\x00", 4);
	attr[0] = 0x50;
	attr[1] = 99;
	attr[2] = vlen >> 8;
	attr[3] = vlen & 0xff;
	for (i = 0; i < vlen; i++)
		attr[4 + i] = (uint8_t)(i * 7 + 1);
	ibuf_from_buffer(&body, b, 8 + alen);
	assert_int_equal(bgp_update_parse(&body, &neg, &u, err), -1);
	assert_int_equal(err->code, BGP_ERR_UPDATE);
	assert_int_equal(err->subcode, UPD_UNKNWN_WK);
	assert_int_equal(err->datalen, alen);
	assert_memory_equal(err->data, attr, alen);
	/* on the wire: whole within the session's size, else cut to it */
	sizes[0] = max_msg;
	sizes[1] = BGP_MAX_MSG;
	for (i = 0; i < 2; i++) {
		cap = sizes[i] - BGP_HDR_LEN - 2;
		assert_non_null(out = ibuf_dynamic(64, BGP_EXT_MAX_MSG));
		assert_int_equal(bgp_notification_write_max(out, err, sizes[i]),
		    0);
		assert_int_equal(ibuf_size(out), BGP_HDR_LEN + 2 +
		    (alen < cap ? alen : cap));
		assert_int_equal(bgp_read_msg(out, sizes[i], &type, &msg, back),
		    1);
		assert_int_equal(type, BGP_NOTIFICATION);
		assert_int_equal(bgp_notification_parse(&msg, back), 0);
		assert_int_equal(back->datalen, alen < cap ? alen : cap);
		assert_memory_equal(back->data, attr, back->datalen);
		ibuf_free(out);
	}
	free(b);
	free(err);
	free(back);
}

static void
test_notify_whole_attribute(void **state)
{
	notify_attr(124, BGP_MAX_MSG);		/* 128 octets: as before */
	notify_attr(300, BGP_MAX_MSG);		/* was left out */
	notify_attr(4000, BGP_MAX_MSG);		/* the most a 4096 UPDATE has */
	notify_attr(5000, BGP_EXT_MAX_MSG);	/* RFC 8654 */
	notify_attr(60000, BGP_EXT_MAX_MSG);
}

/*
 * RFC 4271 5 and 9: unrecognized optional transitive attributes are kept
 * with the Partial bit set, in type order, and written back in order;
 * unrecognized non-transitive ones are dropped.
 */
#define UNKNOWN_BODY	"0000 0028 40010100 400200 4003040a000001" \
	"c0630378797a 8009040a000009 d0140002abcd e02801ff c00000 180a0100"
#define UNKNOWN_KEPT	"e00000 f0140002abcd e02801ff e0630378797a"

static void
test_unknown_transitive(void **state)
{
	struct bgp_update	 u, again;
	struct bgp_neg		 neg = { .as4 = 1, .max_msg = 4096,
				    .mp = { 1, 0 } };
	struct bgp_notify	*err = calloc(1, sizeof(*err));
	struct bgp_attrs	 b;
	struct ibuf		*out, kept, body, attrs;
	uint8_t			 type, flags, t, l8;
	int			 prev = -1;
	uint16_t		 wlen, alen, l16;
	int			 n99 = 0, n9 = 0, n0 = 0;

	upd_hex("as4", UNKNOWN_BODY, &u);
	assert_int_equal(u.action, UPD_ACTION_OK);
	assert_int_equal(u.nnlri, 1);
	assert_int_equal(u.discarded, 0);
	assert_non_null(u.attrs.unknown);
	ibuf_from_buffer(&kept, u.attrs.unknown, u.attrs.unknown_len);
	assert_bytes(&kept, UNKNOWN_KEPT);

	/* written back in ascending type order, Partial set */
	assert_non_null(out = ibuf_dynamic(64, 4096));
	assert_int_equal(bgp_update_write_announce(out, &neg, &u.attrs,
	    u.nlri, 1), 1);
	assert_int_equal(bgp_read_msg(out, 4096, &type, &body, err), 1);
	attrs = body;
	assert_int_equal(ibuf_get_n16(&attrs, &wlen), 0);
	assert_int_equal(ibuf_skip(&attrs, wlen), 0);
	assert_int_equal(ibuf_get_n16(&attrs, &alen), 0);
	assert_int_equal(ibuf_truncate(&attrs, alen), 0);
	while (ibuf_size(&attrs) > 0) {
		assert_int_equal(ibuf_get_n8(&attrs, &flags), 0);
		assert_int_equal(ibuf_get_n8(&attrs, &t), 0);
		if (flags & ATTR_F_EXTLEN)
			assert_int_equal(ibuf_get_n16(&attrs, &l16), 0);
		else {
			assert_int_equal(ibuf_get_n8(&attrs, &l8), 0);
			l16 = l8;
		}
		assert_int_equal(ibuf_skip(&attrs, l16), 0);
		assert_true((int)t > prev);
		prev = t;
		n99 += t == 99 && (flags & ATTR_F_PARTIAL);
		n9 += t == 9;
		n0 += t == 0;
	}
	assert_int_equal(n99, 1);
	assert_int_equal(n0, 1);	/* reserved type 0: unrecognized too */
	assert_int_equal(n9, 0);
	/* and parsed again, the same attributes */
	assert_int_equal(bgp_update_parse(&body, &neg, &again, err), 0);
	same(&u.attrs, &again.attrs);
	bgp_update_free(&again);

	/* they tell paths apart, and copy */
	assert_int_equal(bgp_attrs_copy(&b, &u.attrs), 0);
	same(&u.attrs, &b);
	assert_ptr_not_equal(b.unknown, u.attrs.unknown);
	b.unknown[b.unknown_len - 1] ^= 1;
	differ(&u.attrs, &b);
	/* a caller's list that is not what the parser keeps is refused */
	b.unknown[0] = 0x40;		/* well-known */
	assert_int_equal(bgp_update_write_announce(out, &neg, &b, u.nlri, 1),
	    -1);
	assert_int_equal(errno, EINVAL);
	b.unknown[0] = 0xc0;
	b.unknown[1] = ATTR_COMMUNITIES;	/* one we know */
	assert_int_equal(bgp_update_write_announce(out, &neg, &b, u.nlri, 1),
	    -1);
	b.unknown_len--;		/* cut short */
	b.unknown[1] = 20;
	assert_int_equal(bgp_update_write_announce(out, &neg, &b, u.nlri, 1),
	    -1);
	assert_int_equal(ibuf_size(out), 0);
	bgp_attrs_free(&b);
	ibuf_free(out);
	bgp_update_free(&u);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_ipv4),
		cmocka_unit_test(test_round_trip_ipv6),
		cmocka_unit_test(test_round_trip_ipv4_over_ipv6),
		cmocka_unit_test(test_round_trip_mp_ipv4),
		cmocka_unit_test(test_round_trip_minimal),
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_eor),
		cmocka_unit_test(test_pack_4096),
		cmocka_unit_test(test_pack_65535),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_as4_merge),
		cmocka_unit_test(test_as4_round_trip),
		cmocka_unit_test(test_attrs_cmp_copy),
		cmocka_unit_test(test_attrs_total_order),
		cmocka_unit_test(test_aspath),
		cmocka_unit_test(test_link_bandwidth),
		cmocka_unit_test(test_update_table),
		cmocka_unit_test(test_notify_whole_attribute),
		cmocka_unit_test(test_unknown_transitive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
