/*
 * Two speakers in one process, talking over loopback: session set-up with
 * both sides opening at once (collision detection), routes flowing from
 * one rib to the other peer, route changes, hold timer expiry, a wrong AS,
 * TCP-MD5 keys, and a Cease on shutdown.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "bgp.h"
#include "bgp_rib.h"
#include "bgp_speaker.h"
#include "log.h"

struct side {
	struct bgp_speaker	*sp;
	struct bgp_peer		*peer;
	struct bgp_rib		*rib;
	int			 frozen;	/* stop serving its sockets */
};

static uint16_t	port;

static void
make_side(struct side *s, const char *self, const char *other,
    uint32_t as, uint32_t remote_as, const char *md5, int with_rib,
    uint16_t holdtime)
{
	struct bgp_speaker_config	sc = {};
	struct bgp_peer_config		pc = {};
	char				buf[64];

	memset(s, 0, sizeof(*s));
	sc.local_as = as;
	inet_pton(AF_INET, self, &sc.router_id);
	sc.router_id = ntohl(sc.router_id);
	snprintf(buf, sizeof(buf), "%s:%u", self, port);
	assert_int_equal(bgp_sockaddr_parse(buf, 179, &sc.listen), 0);
	sc.gr_time = 120;
	assert_non_null(s->sp = bgp_speaker_new(&sc));
	if (with_rib)
		assert_non_null(s->rib = bgp_rib_new());
	snprintf(buf, sizeof(buf), "%s:%u", other, port);
	assert_int_equal(bgp_sockaddr_parse(buf, 179, &pc.addr), 0);
	assert_int_equal(bgp_sockaddr_parse(self, 0, &pc.local), 0);
	pc.remote_as = remote_as;
	pc.rib = s->rib;
	pc.holdtime = holdtime;
	pc.connect_retry = 1;
	if (md5 != NULL)
		snprintf(pc.md5_key, sizeof(pc.md5_key), "%s", md5);
	assert_non_null(s->peer = bgp_peer_add(s->sp, &pc));
	assert_int_equal(bgp_speaker_start(s->sp), 0);
}

static void
free_side(struct side *s)
{
	bgp_speaker_free(s->sp);
	bgp_rib_free(s->rib);
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs both event loops until cond holds or `seconds' pass. */
static int
run_until(struct side *a, struct side *b, int (*cond)(struct side *,
    struct side *), double seconds)
{
	struct pollfd	fds[16];
	struct side	*s[2] = { a, b };
	size_t		n[2];
	double		end = now_s() + seconds;
	int		i, t;

	while (now_s() < end) {
		if (cond(a, b))
			return 1;
		for (i = 0; i < 2; i++) {
			if (s[i]->frozen) {
				n[i] = 0;
				continue;
			}
			n[i] = bgp_speaker_pollfds(s[i]->sp, fds + 8 * i, 8);
		}
		memmove(fds + n[0], fds + 8, n[1] * sizeof(*fds));
		t = 20;
		poll(fds, n[0] + n[1], t);
		if (!a->frozen)
			bgp_speaker_dispatch(a->sp, fds, n[0]);
		if (!b->frozen)
			bgp_speaker_dispatch(b->sp, fds + n[0], n[1]);
	}
	return cond(a, b);
}

static enum bgp_state
state_of(struct side *s)
{
	struct bgp_peer_stats	st;

	bgp_peer_stats(s->peer, &st);
	return st.state;
}

static int
both_established(struct side *a, struct side *b)
{
	return state_of(a) == BGP_ESTABLISHED &&
	    state_of(b) == BGP_ESTABLISHED;
}

static uint64_t
prefixes_in(struct side *s)
{
	struct bgp_peer_stats	st;

	bgp_peer_stats(s->peer, &st);
	return st.prefixes_in;
}

static uint64_t want_prefixes;

static int
b_has_prefixes(struct side *a, struct side *b)
{
	return prefixes_in(b) >= want_prefixes;
}

static int
a_not_established(struct side *a, struct side *b)
{
	return state_of(a) != BGP_ESTABLISHED;
}

static int
b_not_established(struct side *a, struct side *b)
{
	return state_of(b) != BGP_ESTABLISHED;
}

static void
add_routes(struct bgp_rib *rib, int n, int base, uint32_t lp)
{
	struct bgp_attrs	a = {};
	struct bgp_prefix	p;
	char			buf[32];
	int			i;

	a.present = 1ULL << ATTR_ORIGIN | 1ULL << ATTR_ASPATH |
	    1ULL << ATTR_NEXTHOP | 1ULL << ATTR_LOCALPREF;
	inet_pton(AF_INET, "10.255.0.1", &a.nexthop);
	a.local_pref = lp;
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "10.%d.%d.0/24", base + i / 256,
		    i % 256);
		assert_int_equal(bgp_prefix_parse(buf, &p), 0);
		assert_int_equal(bgp_rib_set(rib, &p, &a, 1), 0);
	}
}

static int
setup(void **state)
{
	port = 20000 + (getpid() % 20000);
	return 0;
}

/* Both sides connect at once; one connection survives; routes flow. */
static void
test_collision_and_routes(void **state)
{
	struct side	a, b;

	make_side(&a, "127.0.0.1", "127.0.0.2", 65001, 65001, NULL, 1, 9);
	make_side(&b, "127.0.0.2", "127.0.0.1", 65001, 65001, NULL, 0, 9);
	add_routes(a.rib, 3000, 100, 200);
	assert_true(run_until(&a, &b, both_established, 10));
	want_prefixes = 3000;
	assert_true(run_until(&a, &b, b_has_prefixes, 10));
	assert_int_equal(prefixes_in(&b), 3000);
	/* a change is sent alone */
	add_routes(a.rib, 10, 100, 300);
	bgp_speaker_kick(a.sp);
	want_prefixes = 3010;
	assert_true(run_until(&a, &b, b_has_prefixes, 5));
	assert_int_equal(prefixes_in(&b), 3010);
	/* still exactly one session each: both Established, stable */
	run_until(&a, &b, a_not_established, 1.5);
	assert_true(both_established(&a, &b));
	free_side(&a);
	free_side(&b);
}

static int
never(struct side *a, struct side *b)
{
	return 0;
}

static void
add_host_routes(struct bgp_rib *rib, int n)
{
	struct bgp_attrs	a = {};
	struct bgp_prefix	p;
	char			buf[32];
	int			i;

	a.present = 1ULL << ATTR_ORIGIN | 1ULL << ATTR_ASPATH |
	    1ULL << ATTR_NEXTHOP | 1ULL << ATTR_LOCALPREF;
	inet_pton(AF_INET, "10.255.0.1", &a.nexthop);
	a.local_pref = 100;
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "10.%d.%d.%d/32", 1 + (i >> 16),
		    (i >> 8) & 255, i & 255);
		assert_int_equal(bgp_prefix_parse(buf, &p), 0);
		assert_int_equal(bgp_rib_set(rib, &p, &a, 1), 0);
	}
}

/*
 * A peer that stops reading while it is owed megabytes: the sender's
 * socket fills, writes come back short, its buffer stays under its
 * ceiling, and everything arrives once the peer reads again.
 */
static void
test_backpressure(void **state)
{
	struct side	a, b;

	make_side(&a, "127.0.0.1", "127.0.0.2", 65001, 65001, NULL, 1, 90);
	make_side(&b, "127.0.0.2", "127.0.0.1", 65001, 65001, NULL, 0, 90);
	add_host_routes(a.rib, 600000);
	assert_true(run_until(&a, &b, both_established, 10));
	b.frozen = 1;
	run_until(&a, &b, never, 1.5);
	assert_int_equal(state_of(&a), BGP_ESTABLISHED);
	b.frozen = 0;
	want_prefixes = 600000;
	assert_true(run_until(&a, &b, b_has_prefixes, 60));
	assert_int_equal(prefixes_in(&b), 600000);
	assert_true(both_established(&a, &b));
	free_side(&a);
	free_side(&b);
}

/* One side stops answering: the other's hold timer (3 s) ends it. */
static void
test_hold_timer(void **state)
{
	struct side	a, b;
	double		t0;

	make_side(&a, "127.0.0.1", "127.0.0.2", 65001, 65002, NULL, 0, 3);
	make_side(&b, "127.0.0.2", "127.0.0.1", 65002, 65001, NULL, 0, 3);
	assert_true(run_until(&a, &b, both_established, 10));
	a.frozen = 1;
	t0 = now_s();
	assert_true(run_until(&a, &b, b_not_established, 6));
	assert_true(now_s() - t0 > 2.0);	/* not before the hold time */
	free_side(&a);
	free_side(&b);
}


/* The peer claims another AS: OPEN error, never Established. */
static void
test_wrong_as(void **state)
{
	struct side		a, b;
	struct bgp_peer_stats	st;

	make_side(&a, "127.0.0.1", "127.0.0.2", 65001, 65009, NULL, 0, 9);
	make_side(&b, "127.0.0.2", "127.0.0.1", 65002, 65001, NULL, 0, 9);
	assert_false(run_until(&a, &b, both_established, 3));
	bgp_peer_stats(a.peer, &st);
	assert_int_equal(st.last_error.code, BGP_ERR_OPEN);
	assert_int_equal(st.last_error.subcode, OPEN_AS);
	free_side(&a);
	free_side(&b);
}

/* TCP-MD5: different keys never connect; equal keys do (needs root?). */
static void
test_md5(void **state)
{
	struct side	a, b;

	make_side(&a, "127.0.0.1", "127.0.0.2", 65001, 65002, "k1", 0, 9);
	make_side(&b, "127.0.0.2", "127.0.0.1", 65002, 65001, "k2", 0, 9);
	assert_false(run_until(&a, &b, both_established, 3));
	free_side(&a);
	free_side(&b);
	make_side(&a, "127.0.0.1", "127.0.0.2", 65001, 65002, "same", 0, 9);
	make_side(&b, "127.0.0.2", "127.0.0.1", 65002, 65001, "same", 0, 9);
	assert_true(run_until(&a, &b, both_established, 10));
	free_side(&a);
	free_side(&b);
}

/* Shutdown sends a Cease with a message; the other side logs it. */
static void
test_cease(void **state)
{
	struct side		a, b;
	struct bgp_peer_stats	st;

	make_side(&a, "127.0.0.1", "127.0.0.2", 65001, 65002, NULL, 0, 9);
	make_side(&b, "127.0.0.2", "127.0.0.1", 65002, 65001, NULL, 0, 9);
	assert_true(run_until(&a, &b, both_established, 10));
	bgp_speaker_shutdown(a.sp, CEASE_ADMIN_DOWN, "maintenance");
	a.frozen = 1;
	assert_true(run_until(&a, &b, b_not_established, 3));
	bgp_peer_stats(b.peer, &st);
	assert_int_equal(st.last_error.code, BGP_ERR_CEASE);
	assert_int_equal(st.last_error.subcode, CEASE_ADMIN_DOWN);
	assert_false(st.last_error_sent);
	assert_int_equal(st.last_error.data[0], strlen("maintenance"));
	assert_memory_equal(st.last_error.data + 1, "maintenance", 11);
	free_side(&a);
	free_side(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collision_and_routes),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_hold_timer),
		cmocka_unit_test(test_wrong_as),
		cmocka_unit_test(test_md5),
		cmocka_unit_test(test_cease),
	};

	log_init(LOG_TO_STDERR, 0);
	return cmocka_run_group_tests(tests, setup, NULL);
}
