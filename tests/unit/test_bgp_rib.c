/*
 * The shared Adj-RIB-Out: stable path ids, only changes sent, withdrawals
 * per path id, packing, lagging and fresh peers, garbage collection.  The
 * UPDATEs it produces are read back with the real parser.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgp.h"
#include "bgp_rib.h"

/* What a peer received: announced and withdrawn (prefix, path id). */
struct seen {
	struct bgp_prefix	ann[40000];
	uint32_t		ann_lp[40000];
	uint32_t		ann_nh[40000];
	size_t			nann;
	struct bgp_prefix	wd[40000];
	size_t			nwd;
	int			msgs;
	int			eor;
	uint32_t		first_as;
	int			has_lp;
};

static struct bgp_neg
neg_of(int addpath, size_t max_msg)
{
	struct bgp_neg	n = {};

	n.as4 = 1;
	n.mp[AID_IPV4] = n.mp[AID_IPV6] = 1;
	n.addpath_tx[AID_IPV4] = n.addpath_tx[AID_IPV6] = addpath;
	n.addpath_rx[AID_IPV4] = n.addpath_rx[AID_IPV6] = addpath;
	n.ext_nh[AID_IPV4] = 1;
	n.max_msg = max_msg;
	return n;
}

static void
prefix4(struct bgp_prefix *p, const char *s)
{
	assert_int_equal(bgp_prefix_parse(s, p), 0);
}

/* A path via next-hop 10.255.0.NH with link bandwidth `lb'. */
static void
path4(struct bgp_attrs *a, int nh, uint32_t lb)
{
	memset(a, 0, sizeof(*a));
	a->present = 1ULL << ATTR_ORIGIN | 1ULL << ATTR_ASPATH |
	    1ULL << ATTR_NEXTHOP | 1ULL << ATTR_LOCALPREF |
	    1ULL << ATTR_EXT_COMMUNITIES;
	a->nexthop.s_addr = htonl(0x0aff0000 | nh);
	a->local_pref = 200;
	a->ext_communities = malloc(8);
	a->next_communities = 1;
	bgp_ext_community_lb(65001, (float)lb * 125000, a->ext_communities);
}

static void
read_back(struct ibuf *out, const struct bgp_neg *neg, struct seen *s)
{
	struct bgp_update	u;
	struct bgp_notify	n;
	struct ibuf		body;
	uint8_t			type, *seg;
	size_t			i;

	while (bgp_read_msg(out, neg->max_msg, &type, &body, &n) == 1) {
		assert_int_equal(type, BGP_UPDATE);
		memset(&u, 0, sizeof(u));
		assert_int_equal(bgp_update_parse(&body, neg, &u, &n), 0);
		assert_int_equal(u.action, UPD_ACTION_OK);
		s->msgs++;
		s->eor += u.eor;
		for (i = 0; i < u.nnlri; i++) {
			s->ann_lp[s->nann] = u.attrs.local_pref;
			s->ann_nh[s->nann] = ntohl(u.attrs.nexthop.s_addr);
			s->ann[s->nann++] = u.nlri[i];
		}
		for (i = 0; i < u.nwithdrawn; i++)
			s->wd[s->nwd++] = u.withdrawn[i];
		s->has_lp = ATTR_HAS(&u.attrs, ATTR_LOCALPREF);
		if (u.attrs.aspath_len >= 6) {
			seg = u.attrs.aspath;
			s->first_as = (uint32_t)seg[2] << 24 | seg[3] << 16 |
			    seg[4] << 8 | seg[5];
		}
		bgp_update_free(&u);
	}
}

static void
pull_all(struct bgp_rib *rib, struct rib_cursor *c,
    const struct rib_encoding *enc, struct seen *s)
{
	struct ibuf	*out = ibuf_dynamic(4096, 64 * 1024 * 1024);
	int		 done = 0;

	memset(s, 0, sizeof(*s));
	while (!done)
		assert_int_equal(bgp_rib_pull(rib, c, enc, out, 1 << 20,
		    &done), 0);
	read_back(out, enc->neg, s);
	ibuf_free(out);
}

static uint32_t
id_of(const struct seen *s, uint32_t nh)
{
	size_t	i;

	for (i = 0; i < s->nann; i++)
		if (s->ann_nh[i] == (0x0aff0000 | nh))
			return s->ann[i].path_id;
	return 0;
}

static void
set_paths(struct bgp_rib *rib, const struct bgp_prefix *p, const int *nh,
    const uint32_t *lb, size_t n)
{
	struct bgp_attrs	a[8];
	size_t			i;

	for (i = 0; i < n; i++)
		path4(&a[i], nh[i], lb[i]);
	assert_int_equal(bgp_rib_set(rib, p, a, n), 0);
	for (i = 0; i < n; i++)
		bgp_attrs_free(&a[i]);
}

static void
test_stable_ids_and_changes(void **state)
{
	struct bgp_rib		*rib = bgp_rib_new();
	struct bgp_neg		 neg = neg_of(1, BGP_MAX_MSG);
	struct rib_encoding	 enc = { &neg, 0, 0 };
	struct rib_cursor	 c;
	struct bgp_prefix	 p;
	struct seen		*s = calloc(1, sizeof(*s));
	const int		 nh2[] = { 1, 2 }, nh3[] = { 2, 3 };
	const uint32_t		 lb2[] = { 25, 75 }, lb2b[] = { 50, 50 };
	uint32_t		 id1, id2;

	prefix4(&p, "10.1.4.0/24");
	set_paths(rib, &p, nh2, lb2, 2);
	bgp_rib_cursor_open(rib, &c);
	pull_all(rib, &c, &enc, s);
	assert_int_equal(s->nann, 2);
	assert_int_equal(s->msgs, 2);	/* two next-hops: two UPDATEs */
	id1 = id_of(s, 1);
	id2 = id_of(s, 2);
	assert_true(id1 != 0 && id2 != 0 && id1 != id2);

	/* same set, same attributes: nothing to send */
	set_paths(rib, &p, nh2, lb2, 2);
	assert_false(bgp_rib_cursor_pending(rib, &c));

	/* new weights: both re-announced under their ids */
	set_paths(rib, &p, nh2, lb2b, 2);
	pull_all(rib, &c, &enc, s);
	assert_int_equal(s->nann, 2);
	assert_int_equal(s->msgs, 2);	/* a NEXT_HOP each: two UPDATEs */
	assert_int_equal(id_of(s, 1), id1);
	assert_int_equal(id_of(s, 2), id2);

	/* next-hop 1 goes, 3 comes: one withdrawal of id1, one new id */
	set_paths(rib, &p, nh3, lb2b, 2);
	pull_all(rib, &c, &enc, s);
	assert_int_equal(s->nwd, 1);
	assert_int_equal(s->wd[0].path_id, id1);
	assert_int_equal(s->nann, 1);
	assert_true(id_of(s, 3) != id2 && id_of(s, 3) != 0);

	/* the prefix goes: its remaining paths are withdrawn */
	assert_int_equal(bgp_rib_withdraw(rib, &p), 0);
	pull_all(rib, &c, &enc, s);
	assert_int_equal(s->nwd, 2);
	assert_int_equal(s->nann, 0);

	bgp_rib_cursor_close(rib, &c);
	bgp_rib_free(rib);
	free(s);
}

static void
test_packing(void **state)
{
	struct bgp_rib		*rib = bgp_rib_new();
	struct bgp_neg		 neg = neg_of(1, BGP_MAX_MSG);
	struct bgp_neg		 negx = neg_of(1, BGP_EXT_MAX_MSG);
	struct rib_encoding	 enc = { &neg, 0, 0 }, encx = { &negx, 0, 0 };
	struct rib_cursor	 c, cx;
	struct bgp_prefix	 p;
	struct bgp_attrs	 a;
	struct seen		*s = calloc(1, sizeof(*s));
	char			 buf[32];
	int			 i, j;

	path4(&a, 1, 100);
	for (i = 0; i < 10000; i++) {
		snprintf(buf, sizeof(buf), "10.%d.%d.0/24", 100 + i / 256,
		    i % 256);
		prefix4(&p, buf);
		assert_int_equal(bgp_rib_set(rib, &p, &a, 1), 0);
	}
	bgp_attrs_free(&a);
	bgp_rib_cursor_open(rib, &c);
	bgp_rib_cursor_open(rib, &cx);
	pull_all(rib, &c, &enc, s);
	assert_int_equal(s->nann, 10000);
	/* a /24 with a path id is 8 octets: ~500 per 4096-octet UPDATE */
	assert_true(s->msgs <= 10000 / ((4096 - 100) / 8) + 2);
	for (i = 1; i < 10000; i++)	/* every prefix exactly once */
		for (j = i - 1; j >= 0 && j > i - 3; j--)
			assert_int_not_equal(bgp_prefix_cmp(&s->ann[i],
			    &s->ann[j]), 0);
	pull_all(rib, &cx, &encx, s);
	assert_int_equal(s->nann, 10000);
	/* 65535-octet messages: 80,000 octets of NLRI */
	assert_true(s->msgs <= 10000 * 8 / (65535 - 100) + 2);
	bgp_rib_cursor_close(rib, &c);
	bgp_rib_cursor_close(rib, &cx);
	bgp_rib_free(rib);
	free(s);
}

/* A fresh peer gets no tombstones; a lagging one gets the withdrawals. */
static void
test_fresh_and_lagging(void **state)
{
	struct bgp_rib		*rib = bgp_rib_new();
	struct bgp_neg		 neg = neg_of(1, BGP_MAX_MSG);
	struct rib_encoding	 enc = { &neg, 0, 0 };
	struct rib_cursor	 old, fresh;
	struct bgp_prefix	 p, q;
	struct seen		*s = calloc(1, sizeof(*s));
	struct rib_stats	 st;
	const int		 nh[] = { 1, 2 };
	const uint32_t		 lb[] = { 1, 1 };

	prefix4(&p, "10.1.1.0/24");
	prefix4(&q, "10.1.2.0/24");
	set_paths(rib, &p, nh, lb, 2);
	set_paths(rib, &q, nh, lb, 2);
	bgp_rib_cursor_open(rib, &old);
	pull_all(rib, &old, &enc, s);
	assert_int_equal(s->nann, 4);
	set_paths(rib, &p, nh, lb, 1);		/* drop next-hop 2 of p */
	assert_int_equal(bgp_rib_withdraw(rib, &q), 0);
	bgp_rib_stats(rib, &st);
	assert_int_equal(st.tombstones, 3);
	assert_int_equal(st.paths, 1);
	bgp_rib_cursor_open(rib, &fresh);
	pull_all(rib, &fresh, &enc, s);
	assert_int_equal(s->nann, 1);
	assert_int_equal(s->nwd, 0);
	pull_all(rib, &old, &enc, s);
	assert_int_equal(s->nwd, 3);
	assert_int_equal(s->nann, 0);
	/* both are past the tombstones now: they are gone */
	bgp_rib_stats(rib, &st);
	assert_int_equal(st.tombstones, 0);
	assert_int_equal(st.prefixes, 1);
	bgp_rib_cursor_close(rib, &old);
	bgp_rib_cursor_close(rib, &fresh);
	bgp_rib_free(rib);
	free(s);
}

/* Changes made while a peer is half-way through are not lost. */
static void
test_change_during_pull(void **state)
{
	struct bgp_rib		*rib = bgp_rib_new();
	struct bgp_neg		 neg = neg_of(1, BGP_MAX_MSG);
	struct rib_encoding	 enc = { &neg, 0, 0 };
	struct rib_cursor	 c;
	struct bgp_prefix	*p = calloc(20000, sizeof(*p));
	struct seen		*s = calloc(1, sizeof(*s));
	struct ibuf		*out = ibuf_dynamic(4096, 1 << 24);
	const int		 nh[] = { 1 };
	const uint32_t		 lb[] = { 1 }, lb2[] = { 2 };
	char			 buf[32];
	int			 i, done = 0;

	for (i = 0; i < 20000; i++) {
		snprintf(buf, sizeof(buf), "10.%d.%d.0/24", 50 + i / 256,
		    i % 256);
		prefix4(&p[i], buf);
		set_paths(rib, &p[i], nh, lb, 1);
	}
	bgp_rib_cursor_open(rib, &c);
	assert_int_equal(bgp_rib_pull(rib, &c, &enc, out, 1, &done), 0);
	assert_false(done);
	/* touch one already sent and one not yet sent */
	set_paths(rib, &p[0], nh, lb2, 1);
	set_paths(rib, &p[19999], nh, lb2, 1);
	while (!done)
		assert_int_equal(bgp_rib_pull(rib, &c, &enc, out, 1 << 20,
		    &done), 0);
	memset(s, 0, sizeof(*s));
	read_back(out, &neg, s);
	/* all + p[0] again; p[19999] only once, with its new value */
	assert_int_equal(s->nann, 20001);
	free(p);
	ibuf_free(out);
	bgp_rib_cursor_close(rib, &c);
	bgp_rib_free(rib);
	free(s);
}

static void
test_no_addpath_and_ebgp(void **state)
{
	struct bgp_rib		*rib = bgp_rib_new();
	struct bgp_neg		 neg = neg_of(0, BGP_MAX_MSG);
	struct rib_encoding	 enc = { &neg, 65100, 1 };
	struct rib_cursor	 c;
	struct bgp_prefix	 p;
	struct seen		*s = calloc(1, sizeof(*s));
	const int		 nh[] = { 1, 2, 3 };
	const uint32_t		 lb[] = { 1, 1, 1 };

	prefix4(&p, "10.1.1.0/24");
	set_paths(rib, &p, nh, lb, 3);
	bgp_rib_cursor_open(rib, &c);
	pull_all(rib, &c, &enc, s);
	assert_int_equal(s->nann, 1);		/* path id 1 only */
	assert_int_equal(s->first_as, 65100);	/* our AS prepended */
	assert_false(s->has_lp);		/* no LOCAL_PREF on eBGP */
	bgp_rib_cursor_close(rib, &c);
	bgp_rib_free(rib);
	free(s);
}

static void
test_interning_and_errors(void **state)
{
	struct bgp_rib		*rib = bgp_rib_new();
	struct bgp_prefix	 p, p6;
	struct bgp_attrs	 a[2];
	struct rib_stats	 st;
	char			 buf[32];
	int			 i;

	path4(&a[0], 1, 10);
	path4(&a[1], 1, 10);
	prefix4(&p, "10.9.0.0/24");
	assert_int_equal(bgp_rib_set(rib, &p, a, 2), -1);	/* same nh */
	prefix4(&p6, "2001:db8::/32");
	assert_int_equal(bgp_rib_set(rib, &p6, a, 1), -1);	/* v4 nh */
	for (i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "10.8.%d.0/24", i % 256);
		prefix4(&p, buf);
		assert_int_equal(bgp_rib_set(rib, &p, a, 1), 0);
	}
	bgp_rib_stats(rib, &st);
	assert_int_equal(st.attrs, 1);		/* one shared copy */
	assert_int_equal(st.prefixes, 256);
	bgp_attrs_free(&a[0]);
	bgp_attrs_free(&a[1]);
	bgp_rib_free(rib);
}

/* ---- the table encoded ahead (bgp_rib_cache_*) ---- */

#define CACHE_PFX	3000
#define CACHE_K		3	/* 8192 paths end inside a prefix's run */

static void
cache_table(struct bgp_rib *rib, struct bgp_prefix *p, uint32_t lb0)
{
	const int	 nh[] = { 1, 2, 3 };
	const uint32_t	 lb[] = { lb0, 2 * lb0, 3 * lb0 };
	char		 buf[32];
	int		 i;

	for (i = 0; i < CACHE_PFX; i++) {
		snprintf(buf, sizeof(buf), "10.%d.%d.0/24", 20 + i / 256,
		    i % 256);
		prefix4(&p[i], buf);
		set_paths(rib, &p[i], nh, lb, CACHE_K);
	}
}

static int
same_prefix(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	struct bgp_prefix	x = *a, y = *b;

	x.path_id = y.path_id = 0;
	return bgp_prefix_cmp(&x, &y) == 0;
}

/* Everything a fresh cursor is sent, pulled with `budget'. */
static struct ibuf *
pull_bytes(struct bgp_rib *rib, const struct rib_encoding *enc,
    size_t budget)
{
	struct ibuf		*out = ibuf_dynamic(4096, 64 * 1024 * 1024);
	struct rib_cursor	 c;
	int			 done = 0;

	bgp_rib_cursor_open(rib, &c);
	while (!done)
		assert_int_equal(bgp_rib_pull(rib, &c, enc, out, budget,
		    &done), 0);
	bgp_rib_cursor_close(rib, &c);
	return out;
}

/* Each pull ends where every prefix it announced has all its paths. */
static void
assert_whole_prefixes(struct bgp_rib *rib, const struct rib_encoding *enc)
{
	struct ibuf		*out = ibuf_dynamic(4096, 64 * 1024 * 1024);
	struct rib_cursor	 c;
	struct seen		*s = calloc(1, sizeof(*s));
	size_t			 i, total = 0;
	int			 done = 0, pulls = 0;

	bgp_rib_cursor_open(rib, &c);
	while (!done) {
		assert_int_equal(bgp_rib_pull(rib, &c, enc, out, 1, &done), 0);
		memset(s, 0, sizeof(*s));
		read_back(out, enc->neg, s);
		assert_int_equal(s->nann % CACHE_K, 0);
		for (i = 0; i + 1 < s->nann; i++) {
			size_t	j, same = 0;

			for (j = 0; j < s->nann; j++)
				same += same_prefix(&s->ann[i], &s->ann[j]);
			assert_int_equal(same, CACHE_K);
			if (i > 200)	/* enough of a sample, quadratic */
				break;
		}
		total += s->nann;
		pulls++;
	}
	assert_int_equal(total, CACHE_PFX * CACHE_K);
	assert_true(pulls >= 2);	/* more than one window */
	bgp_rib_cursor_close(rib, &c);
	ibuf_free(out);
	free(s);
}

static void
test_cache_same_bytes(void **state)
{
	struct bgp_rib		*rib = bgp_rib_new();
	struct bgp_neg		 neg = neg_of(1, BGP_EXT_MAX_MSG);
	struct rib_encoding	 enc = { &neg, 0, 0 };
	struct bgp_prefix	*p = calloc(CACHE_PFX, sizeof(*p));
	struct ibuf		*live, *cached;

	cache_table(rib, p, 10);
	live = pull_bytes(rib, &enc, 1 << 20);
	assert_int_equal(bgp_rib_cache_size(rib), 0);
	assert_int_equal(bgp_rib_cache_build(rib, &enc), 0);
	assert_int_equal(bgp_rib_cache_size(rib), ibuf_size(live));
	assert_true(bgp_rib_cache_usable(rib, &enc));
	cached = pull_bytes(rib, &enc, 1 << 20);
	assert_int_equal(ibuf_size(cached), ibuf_size(live));
	assert_memory_equal(ibuf_data(cached), ibuf_data(live),
	    ibuf_size(live));
	/* windows of whole prefixes, from the cache and without it */
	assert_whole_prefixes(rib, &enc);
	bgp_rib_cache_drop(rib);
	assert_int_equal(bgp_rib_cache_size(rib), 0);
	assert_whole_prefixes(rib, &enc);
	ibuf_free(live);
	ibuf_free(cached);
	bgp_rib_free(rib);
	free(p);
}

/* Changes after the cache was built follow it, withdrawals included. */
static void
test_cache_then_changes(void **state)
{
	struct bgp_rib		*rib = bgp_rib_new();
	struct bgp_neg		 neg = neg_of(1, BGP_EXT_MAX_MSG);
	struct rib_encoding	 enc = { &neg, 0, 0 };
	struct bgp_prefix	*p = calloc(CACHE_PFX, sizeof(*p));
	struct seen		*s = calloc(1, sizeof(*s));
	struct rib_stats	 st;
	struct ibuf		*out;
	const int		 nh[] = { 1, 2, 3 };
	const uint32_t		 lb[] = { 7, 7, 7 };

	cache_table(rib, p, 10);
	assert_int_equal(bgp_rib_cache_build(rib, &enc), 0);
	set_paths(rib, &p[0], nh, lb, CACHE_K);		/* re-announced */
	assert_int_equal(bgp_rib_withdraw(rib, &p[1]), 0);
	bgp_rib_gc(rib);	/* no peer: only the cache keeps these */
	bgp_rib_stats(rib, &st);
	assert_int_equal(st.tombstones, CACHE_K);
	out = pull_bytes(rib, &enc, 1 << 20);
	read_back(out, &neg, s);
	assert_int_equal(s->nann, CACHE_PFX * CACHE_K + CACHE_K);
	assert_int_equal(s->nwd, CACHE_K);
	assert_true(same_prefix(&s->wd[0], &p[1]));
	assert_true(same_prefix(&s->ann[s->nann - 1], &p[0]));
	ibuf_free(out);
	/* a session encoded otherwise is not sent the cache */
	neg.max_msg = BGP_MAX_MSG;
	assert_false(bgp_rib_cache_usable(rib, &enc));
	out = pull_bytes(rib, &enc, 1 << 20);
	memset(s, 0, sizeof(*s));
	read_back(out, &neg, s);
	assert_int_equal(s->nann, (CACHE_PFX - 1) * CACHE_K);
	assert_int_equal(s->nwd, 0);
	ibuf_free(out);
	/* ... but one that differs only where no path is concerned is */
	neg.max_msg = BGP_EXT_MAX_MSG;
	neg.mp[AID_IPV6] = neg.addpath_tx[AID_IPV6] = 0;
	neg.ext_nh[AID_IPV4] = 0;
	assert_true(bgp_rib_cache_usable(rib, &enc));
	neg.addpath_tx[AID_IPV4] = 0;
	assert_false(bgp_rib_cache_usable(rib, &enc));
	bgp_rib_free(rib);
	free(s);
	free(p);
}

/* Once changes outgrow the cache it is dropped, and its tombstones go. */
static void
test_cache_stale(void **state)
{
	struct bgp_rib		*rib = bgp_rib_new();
	struct bgp_neg		 neg = neg_of(1, BGP_EXT_MAX_MSG);
	struct rib_encoding	 enc = { &neg, 0, 0 };
	struct bgp_prefix	*p = calloc(CACHE_PFX, sizeof(*p));
	struct rib_stats	 st;
	int			 round;

	cache_table(rib, p, 10);
	assert_int_equal(bgp_rib_cache_build(rib, &enc), 0);
	assert_int_equal(bgp_rib_withdraw(rib, &p[1]), 0);
	bgp_rib_gc(rib);
	assert_true(bgp_rib_cache_size(rib) > 0);
	for (round = 0; bgp_rib_cache_usable(rib, &enc); round++)
		cache_table(rib, p, 11 + round);	/* CACHE_PFX x K each */
	assert_int_equal(round, 2);	/* 9000 / 2 + 8192 changes */
	bgp_rib_gc(rib);
	assert_int_equal(bgp_rib_cache_size(rib), 0);
	bgp_rib_stats(rib, &st);
	assert_int_equal(st.tombstones, 0);
	bgp_rib_free(rib);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stable_ids_and_changes),
		cmocka_unit_test(test_packing),
		cmocka_unit_test(test_fresh_and_lagging),
		cmocka_unit_test(test_change_during_pull),
		cmocka_unit_test(test_no_addpath_and_ebgp),
		cmocka_unit_test(test_interning_and_errors),
		cmocka_unit_test(test_cache_same_bytes),
		cmocka_unit_test(test_cache_then_changes),
		cmocka_unit_test(test_cache_stale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
