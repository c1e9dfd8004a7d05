/*
 * Unit tests for gpu-probe/probe_path.c (with a fake clock) and
 * gpu-probe/probe_disc.c: a black hole is declared exactly when the
 * stated bound says, not a probe earlier; recovery needs the configured
 * run of good answers; corruption is never loss; late, duplicate and
 * never-sent answers are told apart; the loss-rate window; RTT
 * percentiles; and discovery's grouping of candidates into paths.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe_disc.h"
#include "probe_path.h"

static const struct path_conf conf = {
	.interval_us = 10000, .timeout_us = 50000, .fail_consecutive = 5,
	.window = 20, .fail_ratio = 0.5, .recover_consecutive = 3,
	.corrupt_fails = 1,
};

static struct path *
new_path(const struct path_conf *c)
{
	struct path	*p = malloc(sizeof(*p));

	assert_non_null(p);
	path_init(p, c);
	return p;
}

/*
 * Probes every interval from t = 0; the first `good' are answered after
 * rtt us, the rest never.  Returns when the path failed (or at `until').
 */
static uint64_t
run_blackhole(struct path *p, int good, uint64_t rtt, uint64_t until)
{
	uint64_t	 t, seq, last_seq = 0;
	uint32_t	 r;
	int		 n = 0;

	for (t = 0; t <= until; t += 1000) {	/* 1 ms ticks */
		path_expire(p, t);
		if (p->failed)
			return t;
		if (t % conf.interval_us == 0) {
			seq = path_send(p, t, 100);
			if (n++ < good)
				last_seq = seq;
		}
		if (last_seq != 0 && t >= (last_seq - 1) * conf.interval_us +
		    rtt) {
			assert_int_equal(path_reply(p, last_seq, t, 0, &r),
			    PATH_RX_OK);
			last_seq = 0;
		}
	}
	return UINT64_MAX;
}

static void
test_blackhole_bound(void **state)
{
	struct path	*p = new_path(&conf);
	uint64_t	 t;

	(void)state;
	assert_int_equal(path_bound_us(&conf), 5 * 10000 + 50000);
	/* probe 1 (t = 0) answered; from probe 2 (t = 10 ms) all lost */
	t = run_blackhole(p, 1, 1000, 1000000);
	/* the 5th lost probe left at 50 ms and times out at 100 ms */
	assert_int_equal(t, 100000);
	assert_true(t <= 10000 + path_bound_us(&conf));
	assert_int_equal(p->c.lost, 5);
	assert_string_equal(p->reason, "loss");
	assert_int_equal(p->c.state_changes, 1);
	free(p);
}

static void
test_four_losses_do_not_fail(void **state)
{
	struct path	*p = new_path(&conf);
	uint64_t	 s[6];
	uint32_t	 r;
	int		 i;

	(void)state;
	for (i = 0; i < 6; i++)
		s[i] = path_send(p, (uint64_t)i * 10000, 100);
	path_expire(p, 5 * 10000 + 49999);	/* probes 1-5 out, 6 not yet */
	assert_int_equal(p->c.lost, 5);
	assert_true(p->failed);
	free(p);
	p = new_path(&conf);
	for (i = 0; i < 6; i++)
		s[i] = path_send(p, (uint64_t)i * 10000, 100);
	path_expire(p, 85000);			/* probes 1-4 out */
	assert_int_equal(p->c.lost, 4);
	assert_false(p->failed);
	/* the 5th answered in time: the run restarts */
	assert_int_equal(path_reply(p, s[4], 86000, 0, &r), PATH_RX_OK);
	path_expire(p, 200000);
	assert_int_equal(p->c.lost, 5);
	assert_false(p->failed);	/* 4 + 1 lost, never 5 in a row */
	free(p);
}

static void
test_recovery_hysteresis(void **state)
{
	struct path	*p = new_path(&conf);
	uint64_t	 t = 0, seq;
	uint32_t	 r;
	int		 i;

	(void)state;
	for (i = 0; i < 5; i++)
		path_send(p, t += 10000, 100);
	path_expire(p, t + 50000);
	assert_true(p->failed);
	t += 50000;
	for (i = 0; i < 3; i++) {
		assert_true(p->failed);		/* 0, 1, 2 good: still failed */
		seq = path_send(p, t += 10000, 100);
		assert_int_equal(path_reply(p, seq, t + 500, 0, &r),
		    PATH_RX_OK);
		assert_int_equal(r, 500);
	}
	assert_false(p->failed);
	assert_int_equal(p->c.state_changes, 2);
	assert_int_equal(p->win_n, 0);	/* the window starts afresh */
	free(p);
}

static void
test_corruption_is_not_loss(void **state)
{
	struct path_conf c = conf;
	struct path	*p;
	uint64_t	 seq;
	uint32_t	 r;
	int		 i;

	(void)state;
	p = new_path(&c);
	for (i = 0; i < 5; i++) {
		seq = path_send(p, (uint64_t)i * 10000, 100);
		assert_int_equal(path_reply(p, seq, i * 10000 + 300, 1, &r),
		    PATH_RX_CORRUPT);
	}
	assert_int_equal(p->c.integrity, 5);
	assert_int_equal(p->c.lost, 0);
	assert_int_equal(p->c.received, 5);
	assert_true(p->failed);
	assert_string_equal(p->reason, "integrity");
	free(p);
	/* --no-corrupt-fails: counted, never failed */
	c.corrupt_fails = 0;
	p = new_path(&c);
	for (i = 0; i < 50; i++) {
		seq = path_send(p, (uint64_t)i * 10000, 100);
		path_reply(p, seq, i * 10000 + 300, 1, &r);
	}
	assert_int_equal(p->c.integrity, 50);
	assert_false(p->failed);
	free(p);
}

static void
test_late_dup_unsent(void **state)
{
	struct path	*p = new_path(&conf);
	uint64_t	 a, b;
	uint32_t	 r;

	(void)state;
	a = path_send(p, 0, 100);
	b = path_send(p, 10000, 100);
	assert_int_equal(path_reply(p, b + 1, 12000, 0, &r), PATH_RX_UNSENT);
	assert_int_equal(path_reply(p, 0, 12000, 0, &r), PATH_RX_UNSENT);
	assert_int_equal(path_reply(p, b, 12000, 0, &r), PATH_RX_OK);
	assert_int_equal(path_reply(p, b, 12001, 0, &r), PATH_RX_DUP);
	path_expire(p, 60000);			/* a times out */
	assert_int_equal(path_reply(p, a, 61000, 0, &r), PATH_RX_LATE);
	assert_int_equal(p->c.received, 1);
	assert_int_equal(p->c.lost, 1);
	assert_int_equal(p->c.late, 1);
	assert_int_equal(p->c.dup, 1);
	assert_int_equal(p->c.spoofed, 2);
	assert_true(p->c.received + p->c.lost <= p->c.sent);
	/* an answer older than the ring is late, never matched */
	for (b = 0; b < PATH_RING; b++)
		path_send(p, 70000 + b, 100);
	assert_int_equal(path_reply(p, a + 1, 80000, 0, &r), PATH_RX_LATE);
	free(p);
}

static void
test_loss_rate_window(void **state)
{
	struct path	*p = new_path(&conf);
	uint64_t	 t = 0, seq;
	uint32_t	 r;
	int		 i;

	(void)state;
	/* every other probe lost: never 5 in a row, but 50% of 20 */
	for (i = 0; i < 19; i++) {
		seq = path_send(p, t, 100);
		if (i % 2 == 1)
			path_reply(p, seq, t + 100, 0, &r);
		t += 10000;
		path_expire(p, t);
	}
	path_expire(p, t + 100000);
	assert_false(p->failed);	/* 19 outcomes: window not full */
	seq = path_send(p, t, 100);
	path_expire(p, t + 100000);	/* the 20th, lost: 10 of 20 */
	assert_true(p->failed);
	assert_string_equal(p->reason, "loss-rate");
	free(p);
}

static void
test_rtt_summary(void **state)
{
	struct path	*p = new_path(&conf);
	uint32_t	 r, mn, md, p99;
	uint64_t	 seq;
	int		 i;

	(void)state;
	path_rtt_summary(p, &mn, &md, &p99);
	assert_int_equal(mn + md + p99, 0);
	/* RTTs 100 .. 1 us, answered in that order */
	for (i = 100; i >= 1; i--) {
		seq = path_send(p, 1000000, 100);
		path_reply(p, seq, 1000000 + (uint64_t)i, 0, &r);
	}
	path_rtt_summary(p, &mn, &md, &p99);
	assert_int_equal(mn, 1);
	assert_int_equal(md, 50);
	assert_int_equal(p99, 99);
	assert_int_equal(p->c.bytes_acked, 100 * 100);
	path_rtt_reset(p);
	path_rtt_summary(p, &mn, &md, &p99);
	assert_int_equal(p99, 0);
	free(p);
}

static void
test_conf_check(void **state)
{
	struct path_conf c = conf;
	char		 err[128];

	(void)state;
	assert_int_equal(path_conf_check(&c, err, sizeof(err)), 0);
	c.window = PATH_WINDOW_MAX + 1;
	assert_int_equal(path_conf_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "window"));
	c = conf;
	c.fail_ratio = 0;
	assert_int_equal(path_conf_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ratio"));
	c = conf;
	c.fail_consecutive = 0;
	assert_int_equal(path_conf_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fail-after"));
}

/* ---- discovery ---- */

static struct disc_cand
cand(uint16_t sport, uint32_t spine, int reach)
{
	struct disc_cand	 c = { .sport = sport };

	disc_hop(&c, 1, 0x0a010101);
	disc_hop(&c, 2, spine);
	disc_hop(&c, 3, 0x0a000104);
	if (reach)
		disc_reached(&c, 4);
	return c;
}

static void
test_disc_group(void **state)
{
	struct disc_cand	 c[6];
	struct disc_path	 out[4];
	const uint32_t		*via;

	(void)state;
	c[0] = cand(100, 0x0a000002, 1);
	c[1] = cand(101, 0x0a000002, 1);
	c[2] = cand(102, 0x0a000001, 1);
	c[3] = cand(103, 0x0a000003, 0);	/* never reached: ignored */
	c[4] = cand(104, 0x0a000001, 1);
	disc_reached(&c[4], 5);			/* a later TTL: still 4 */
	c[5] = cand(105, 0x0a000004, 1);
	c[5].got[2] = 0;			/* a hop missing: ignored */
	assert_false(disc_complete(&c[3]));
	assert_false(disc_complete(&c[5]));
	assert_int_equal(disc_group(c, 6, out, 4), 2);
	assert_int_equal(out[0].sport, 100);
	assert_int_equal(out[0].ncands, 2);
	assert_int_equal(out[1].sport, 102);
	assert_int_equal(out[1].ncands, 2);
	assert_int_equal(out[1].nhops, 3);
	assert_int_equal(disc_via(&out[1], &via), 1);
	assert_int_equal(via[0], 0x0a000001);
	/* out of room: the first max distinct ones */
	assert_int_equal(disc_group(c, 6, out, 1), 1);
}

static void
test_disc_unstable(void **state)
{
	struct disc_cand	 c = cand(100, 0x0a000002, 1);
	struct disc_path	 out[2];

	(void)state;
	disc_hop(&c, 2, 0x0a000001);	/* the same TTL, another router */
	assert_false(disc_complete(&c));
	assert_int_equal(disc_group(&c, 1, out, 2), 0);
	/* out-of-range TTLs change nothing */
	c = cand(100, 0x0a000002, 1);
	disc_hop(&c, 0, 1);
	disc_hop(&c, DISC_MAX_TTL + 1, 1);
	disc_reached(&c, 0);
	assert_true(disc_complete(&c));
}

static void
test_disc_direct(void **state)
{
	struct disc_cand	 c = { .sport = 7 };
	struct disc_path	 out[1];
	const uint32_t		*via;

	(void)state;
	disc_reached(&c, 1);		/* on-link: no router at all */
	assert_int_equal(disc_group(&c, 1, out, 1), 1);
	assert_int_equal(out[0].nhops, 0);
	assert_int_equal(disc_via(&out[0], &via), 0);
}

/* A re-trace of a known path's port: same, moved, or not sure. */
static void
test_disc_check(void **state)
{
	struct disc_cand	 c = cand(100, 0x0a000001, 1), r;
	struct disc_path	 p[1], q;
	unsigned int		 n;

	(void)state;
	assert_int_equal(disc_group(&c, 1, p, 1), 1);
	/* answered whole: same */
	r = cand(100, 0x0a000001, 1);
	assert_int_equal(disc_check(&r, p), DISC_SAME);
	/* black-holed past the spine: hops 1-2 answer, no more: same */
	r = (struct disc_cand){ .sport = 100 };
	disc_hop(&r, 1, 0x0a010101);
	assert_int_equal(disc_check(&r, p), DISC_UNSURE);
	disc_hop(&r, 2, 0x0a000001);
	assert_int_equal(disc_check(&r, p), DISC_SAME);
	/* the spine alone (the leaves rate-limited their ICMP): same */
	r = (struct disc_cand){ .sport = 100 };
	disc_hop(&r, 2, 0x0a000001);
	assert_int_equal(disc_check(&r, p), DISC_SAME);
	/* the TTLs a re-trace sends: the via hops' */
	assert_int_equal(disc_via_ttls(p, &n), 2);
	assert_int_equal(n, 2);
	q = *p;
	q.nhops = 5;		/* three tiers: leaf spine super spine leaf */
	assert_int_equal(disc_via_ttls(&q, &n), 2);
	assert_int_equal(n, 4);
	q.nhops = 1;		/* one router: it is the path */
	assert_int_equal(disc_via_ttls(&q, &n), 1);
	assert_int_equal(n, 1);
	q.nhops = 0;		/* on-link: nothing to send */
	assert_true(disc_via_ttls(&q, &n) > n);
	/* dropped before the spine: nothing contradicts, not sure */
	r = (struct disc_cand){ .sport = 100 };
	disc_hop(&r, 1, 0x0a010101);
	disc_hop(&r, 3, 0x0a000104);
	assert_int_equal(disc_check(&r, p), DISC_UNSURE);
	/* the port now crosses spine2: moved, whatever else is missing */
	r = (struct disc_cand){ .sport = 100 };
	disc_hop(&r, 2, 0x0a000002);
	assert_int_equal(disc_check(&r, p), DISC_MOVED);
	/* the destination at another TTL, or a router past the path */
	r = cand(100, 0x0a000001, 0);
	disc_reached(&r, 3);
	assert_int_equal(disc_check(&r, p), DISC_MOVED);
	r = cand(100, 0x0a000001, 0);
	disc_hop(&r, 4, 0x0a000009);
	assert_int_equal(disc_check(&r, p), DISC_MOVED);
	/* a hop that answered twice, differently: moved (it names another
	   router), and unsure where it agrees */
	r = cand(100, 0x0a000001, 1);
	r.bad = 1;
	assert_int_equal(disc_check(&r, p), DISC_UNSURE);
	assert_string_equal(disc_verdict_str(DISC_MOVED), "moved");
}

/* A change the caller could not confirm is undone, uncounted. */
static void
test_revert(void **state)
{
	struct path	*p = new_path(&conf);
	uint64_t	 t;
	uint32_t	 n;

	(void)state;
	t = run_blackhole(p, 1, 1000, 1000000);
	assert_int_equal(t, 100000);
	assert_true(p->failed);
	assert_int_equal(p->c.state_changes, 1);
	path_expire(p, t + 1000000);	/* what is in flight times out */
	t += 1000000;
	path_revert(p, 0);
	assert_false(p->failed);
	assert_int_equal(p->c.state_changes, 0);
	assert_int_equal(p->consec_bad, 0);
	assert_int_equal(p->win_n, 0);
	/* the losses so far are forgotten: it takes fail-after again */
	for (n = 1; n <= conf.fail_consecutive; n++) {
		(void)path_send(p, t, 100);
		t += conf.timeout_us + 1;
		path_expire(p, t);
		if (n < conf.fail_consecutive)
			assert_false(p->failed);
	}
	assert_true(p->failed);
	/* a recovery undone: failed again, no change counted */
	path_revert(p, 1);
	assert_true(p->failed);
	assert_int_equal(p->c.state_changes, 1);
	free(p);
}

/* cand() under the verbs rule: the target never answers, TTLs to 8. */
static struct disc_cand
silent_cand(uint16_t sport, uint32_t spine)
{
	struct disc_cand	 c = cand(sport, spine, 0);

	c.rule = DISC_RULE_SILENT;
	c.probed = 8;
	return c;
}

static void
test_disc_silent(void **state)
{
	struct disc_cand	 c[6];
	struct disc_path	 out[4];
	const uint32_t		*via;

	(void)state;
	c[0] = silent_cand(100, 0x0a000002);
	c[1] = silent_cand(101, 0x0a000001);
	c[2] = silent_cand(102, 0x0a000002);
	c[3] = silent_cand(103, 0x0a000003);
	disc_hop(&c[3], 5, 0x0a000009);		/* a router above a gap */
	c[4] = silent_cand(104, 0x0a000004);
	c[4].probed = 3;			/* nothing above k was sent */
	c[5] = silent_cand(105, 0x0a000005);
	disc_hop(&c[5], 2, 0x0a000006);		/* the flow moved */
	assert_true(disc_complete(&c[0]));
	assert_int_equal(disc_nhops(&c[0]), 3);
	assert_false(disc_complete(&c[3]));
	assert_false(disc_complete(&c[4]));
	assert_false(disc_complete(&c[5]));
	assert_int_equal(disc_group(c, 6, out, 4), 2);
	assert_int_equal(out[0].sport, 100);
	assert_int_equal(out[0].ncands, 2);
	assert_int_equal(out[0].nhops, 3);
	assert_int_equal(out[1].sport, 101);
	assert_int_equal(disc_via(&out[1], &via), 1);
	assert_int_equal(via[0], 0x0a000001);
	/* the same candidates under the UDP rule: none is complete */
	for (size_t i = 0; i < 6; i++)
		c[i].rule = DISC_RULE_REACHED;
	assert_int_equal(disc_group(c, 6, out, 4), 0);
}

/* k >= 1: silence from TTL 1 on is no path, and neither is a lone gap. */
static void
test_disc_silent_edges(void **state)
{
	struct disc_cand	 c = { .sport = 9, .rule = DISC_RULE_SILENT,
				    .probed = 8 };

	(void)state;
	assert_false(disc_complete(&c));	/* nothing answered */
	disc_hop(&c, 2, 0x0a000002);		/* TTL 1 missing */
	assert_false(disc_complete(&c));
	disc_hop(&c, 1, 0x0a000001);
	assert_true(disc_complete(&c));
	c.probed = 2;				/* k == the highest sent */
	assert_false(disc_complete(&c));
	c.probed = DISC_MAX_TTL + 1;		/* out of range */
	assert_false(disc_complete(&c));
	/* a target that answers after all: the UDP rule then holds */
	c.probed = 8;
	disc_reached(&c, 3);
	assert_true(disc_complete(&c));
	assert_int_equal(disc_nhops(&c), 2);
	c.got[2] = 0;
	c.hop[2] = 0;
	disc_hop(&c, 1, 0x0a000001);
	assert_false(disc_complete(&c));	/* reached at 3, TTL 2 lost */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blackhole_bound),
		cmocka_unit_test(test_four_losses_do_not_fail),
		cmocka_unit_test(test_recovery_hysteresis),
		cmocka_unit_test(test_corruption_is_not_loss),
		cmocka_unit_test(test_late_dup_unsent),
		cmocka_unit_test(test_loss_rate_window),
		cmocka_unit_test(test_rtt_summary),
		cmocka_unit_test(test_conf_check),
		cmocka_unit_test(test_disc_group),
		cmocka_unit_test(test_disc_silent),
		cmocka_unit_test(test_disc_silent_edges),
		cmocka_unit_test(test_disc_unstable),
		cmocka_unit_test(test_disc_direct),
		cmocka_unit_test(test_disc_check),
		cmocka_unit_test(test_revert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
