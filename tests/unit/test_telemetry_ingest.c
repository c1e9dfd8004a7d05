/*
 * Unit tests for telemetry/ingest.c, driven by a fake clock: rates from
 * successive samples over the agent's timestamps, the EWMA, congestion
 * flags, counter resets, link events, staleness, and that a rejected
 * message changes no state.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ibuf.h"
#include "ingest.h"
#include "tmsg.h"

#define MS	1000000ULL	/* ns */
#define CAP	10000000ULL	/* 10 Mb/s */

struct fixture {
	struct tmsg_key	 key;
	struct ingest	 in;
	struct tmsg	*m;	/* what we send */
	struct tmsg	*scratch;
	uint64_t	 seq;
};

static int
setup(void **state)
{
	struct fixture		*f = calloc(1, sizeof(*f));
	struct ingest_conf	 c;

	if (f == NULL || tmsg_key_set(&f->key,
	    "a test key of 32 octets ........", 32) == -1)
		return -1;
	ingest_conf_default(&c);
	c.alpha = 0.5;
	c.stale_ms = 500;
	c.backlog_bytes = 10000;
	if (ingest_init(&f->in, &c, &f->key) == -1)
		return -1;
	f->m = calloc(1, sizeof(*f->m));
	f->scratch = calloc(1, sizeof(*f->scratch));
	if (f->m == NULL || f->scratch == NULL)
		return -1;
	f->m->type = TMSG_T_LINK_SAMPLE;
	strcpy(f->m->agent, "leaf1");
	f->m->nlinks = 1;
	f->m->links[0] = (struct tmsg_link){ .ifindex = 3, .name = "swp1",
	    .oper = TMSG_OPER_UP, .capsrc = TMSG_CAP_TBF,
	    .capacity_bps = CAP };
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	ingest_free(&f->in);
	free(f->m);
	free(f->scratch);
	free(f);
	return 0;
}

/* Sends f->m at agent time t_ms, arriving at our time now_ms. */
static enum tmsg_err
feed(struct fixture *f, uint64_t t_ms, uint64_t now_ms)
{
	struct ibuf	*b = ibuf_dynamic(256, TMSG_MAX_SIZE);
	enum tmsg_err	 e;

	assert_non_null(b);
	f->m->seq = ++f->seq;
	f->m->time_ns = t_ms * MS;
	assert_int_equal(tmsg_write(b, f->m, &f->key), 0);
	e = ingest_feed(&f->in, ibuf_data(b), ibuf_size(b), now_ms,
	    f->scratch);
	ibuf_free(b);
	return e;
}

static struct ingest_link *
swp1(struct fixture *f)
{
	struct ingest_link	*l = ingest_find(&f->in, "leaf1", "swp1");

	assert_non_null(l);
	return l;
}

static void
test_rates(void **state)
{
	struct fixture		*f = *state;
	struct ingest_link	*l;

	assert_int_equal(feed(f, 1000, 5000), TMSG_OK);
	l = swp1(f);
	assert_false(l->have_rate);	/* one sample: no rate yet */
	assert_true(l->util == 0);
	/* 62500 octets in 100 ms: 5 Mb/s, half the capacity. */
	f->m->links[0].tx_bytes = 62500;
	f->m->links[0].rx_bytes = 12500;
	f->m->links[0].tx_packets = 50;
	assert_int_equal(feed(f, 1100, 5100), TMSG_OK);
	l = swp1(f);
	assert_true(l->have_rate);
	assert_float_equal(l->tx_bps, 5e6, 1);
	assert_float_equal(l->rx_bps, 1e6, 1);
	assert_float_equal(l->tx_pps, 500, 0.01);
	assert_float_equal(l->ewma_tx_bps, 5e6, 1);	/* first: as is */
	assert_float_equal(l->util, 0.5, 1e-9);
	assert_false(l->congested);
	/* Then 10 Mb/s: the EWMA (alpha 0.5) is 7.5 Mb/s. */
	f->m->links[0].tx_bytes += 125000;
	assert_int_equal(feed(f, 1200, 5200), TMSG_OK);
	assert_float_equal(l->tx_bps, 1e7, 1);
	assert_float_equal(l->ewma_tx_bps, 7.5e6, 1);
	assert_float_equal(l->util, 0.75, 1e-9);
	/* Twice more at 10 Mb/s: 8.75, 9.375; then 9.6875 >= 0.95. */
	f->m->links[0].tx_bytes += 125000;
	assert_int_equal(feed(f, 1300, 5300), TMSG_OK);
	f->m->links[0].tx_bytes += 125000;
	assert_int_equal(feed(f, 1400, 5400), TMSG_OK);
	assert_float_equal(l->ewma_tx_bps, 9.375e6, 1);
	assert_false(l->congested);
	f->m->links[0].tx_bytes += 125000;
	assert_int_equal(feed(f, 1500, 5500), TMSG_OK);
	assert_true(l->congested);
	assert_int_equal(l->samples, 6);
}

/* Rates use the agent's clock, not the arrival time. */
static void
test_rates_agent_clock(void **state)
{
	struct fixture		*f = *state;
	struct ingest_link	*l;

	assert_int_equal(feed(f, 1000, 7000), TMSG_OK);
	f->m->links[0].tx_bytes = 250000;
	/* Delivered together, 200 ms apart at the source. */
	assert_int_equal(feed(f, 1200, 7000), TMSG_OK);
	l = swp1(f);
	assert_float_equal(l->tx_bps, 1e7, 1);
	/* The same agent time again: no division by zero, a reset. */
	assert_int_equal(feed(f, 1200, 7001), TMSG_OK);
	assert_false(l->have_rate);
	assert_int_equal(l->resets, 1);
}

static void
test_congestion_flags(void **state)
{
	struct fixture		*f = *state;
	struct ingest_link	*l;

	assert_int_equal(feed(f, 1000, 1000), TMSG_OK);
	f->m->links[0].q_backlog = 10000;
	assert_int_equal(feed(f, 1100, 1100), TMSG_OK);
	l = swp1(f);
	assert_true(l->congested);	/* backlog at the threshold */
	f->m->links[0].q_backlog = 0;
	assert_int_equal(feed(f, 1200, 1200), TMSG_OK);
	assert_false(l->congested);
	f->m->links[0].q_drops = 3;
	assert_int_equal(feed(f, 1300, 1300), TMSG_OK);
	assert_float_equal(l->q_drops_ps, 30, 1e-9);
	assert_true(l->congested);	/* qdisc drops in the interval */
	assert_int_equal(feed(f, 1400, 1400), TMSG_OK);
	assert_false(l->congested);
}

static void
test_counter_reset(void **state)
{
	struct fixture		*f = *state;
	struct ingest_link	*l;

	f->m->links[0].tx_bytes = 1000000;
	assert_int_equal(feed(f, 1000, 1000), TMSG_OK);
	f->m->links[0].tx_bytes = 1125000;
	assert_int_equal(feed(f, 1100, 1100), TMSG_OK);
	l = swp1(f);
	assert_true(l->have_rate);
	/* Recreated: counters start again, no huge or negative rate. */
	f->m->links[0].tx_bytes = 10;
	f->m->links[0].ifindex = 9;
	assert_int_equal(feed(f, 1200, 1200), TMSG_OK);
	assert_false(l->have_rate);
	assert_true(l->util == 0);
	assert_int_equal(l->resets, 1);
	f->m->links[0].tx_bytes = 12510;
	assert_int_equal(feed(f, 1300, 1300), TMSG_OK);
	assert_float_equal(l->tx_bps, 1e6, 1);
	assert_float_equal(l->ewma_tx_bps, 1e6, 1);	/* restarted */
}

static void
test_staleness(void **state)
{
	struct fixture		*f = *state;
	struct ingest_link	*l;

	assert_int_equal(feed(f, 1000, 1000), TMSG_OK);
	l = swp1(f);
	assert_false(ingest_is_stale(&f->in, l, 1000));
	assert_false(ingest_is_stale(&f->in, l, 1500));
	assert_true(ingest_is_stale(&f->in, l, 1501));
	/* A clock that went backwards is not trusted either. */
	assert_true(ingest_is_stale(&f->in, l, 999));
	assert_int_equal(feed(f, 1600, 1600), TMSG_OK);
	assert_false(ingest_is_stale(&f->in, l, 2000));
	assert_true(ingest_is_stale(&f->in, l, 2101));
}

static void
test_link_event(void **state)
{
	struct fixture		*f = *state;
	struct ingest_link	*l;

	assert_int_equal(feed(f, 1000, 1000), TMSG_OK);
	f->m->type = TMSG_T_LINK_EVENT;
	f->m->event = (struct tmsg_event){ .ifindex = 3, .name = "swp1",
	    .oper = TMSG_OPER_DOWN };
	assert_int_equal(feed(f, 1030, 1031), TMSG_OK);
	l = swp1(f);
	assert_int_equal(l->oper, TMSG_OPER_DOWN);
	assert_int_equal(l->event_ms, 1031);
	assert_int_equal(f->in.link_events, 1);
	/* An event is no sample: freshness still runs from the sample. */
	assert_true(ingest_is_stale(&f->in, l, 1501));
}

static void
test_rejected_changes_nothing(void **state)
{
	struct fixture		*f = *state;
	struct tmsg_key		 wrong = f->key;
	struct ingest_link	*l;

	assert_int_equal(feed(f, 1000, 1000), TMSG_OK);
	/* The sender's key differs from the ingest's by one bit. */
	wrong.key[0] ^= 1;
	f->key = wrong;
	f->m->links[0].tx_bytes = 999999;
	f->m->links[0].oper = TMSG_OPER_DOWN;
	assert_int_equal(feed(f, 1100, 1100), TMSG_E_BAD_MAC);
	l = swp1(f);
	assert_int_equal(l->samples, 1);
	assert_int_equal(l->oper, TMSG_OPER_UP);
	assert_int_equal(l->last.tx_bytes, 0);
	assert_int_equal(f->in.rx.errors[TMSG_E_BAD_MAC], 1);
	assert_int_equal(f->in.rx.accepted, 1);
	/* And no link is made from a forged name. */
	strcpy(f->m->links[0].name, "evil0");
	assert_int_equal(feed(f, 1200, 1200), TMSG_E_BAD_MAC);
	assert_null(ingest_find(&f->in, "leaf1", "evil0"));
}

/* The table's bound: INGEST_MAX_LINKS links, then counted and dropped. */
static void
test_many_links(void **state)
{
	struct fixture	*f = *state;
	int		 a, i, full = INGEST_MAX_LINKS / TMSG_MAX_LINKS;

	f->m->nlinks = TMSG_MAX_LINKS;
	for (a = 0; a <= full; a++) {
		snprintf(f->m->agent, sizeof(f->m->agent), "leaf%d", a);
		for (i = 0; i < TMSG_MAX_LINKS; i++) {
			f->m->links[i] = f->m->links[0];
			snprintf(f->m->links[i].name, sizeof(f->m->links[i].name),
			    "swp%d", i);
		}
		assert_int_equal(feed(f, 1000, 1000), TMSG_OK);
	}
	assert_int_equal(f->in.nlinks, INGEST_MAX_LINKS);
	assert_int_equal(f->in.dropped_links, TMSG_MAX_LINKS);
	assert_non_null(ingest_find(&f->in, "leaf0", "swp0"));
	assert_non_null(ingest_find(&f->in, "leaf63", "swp255"));
	assert_null(ingest_find(&f->in, "leaf64", "swp0"));
	assert_string_equal(ingest_find(&f->in, "leaf7", "swp9")->agent,
	    "leaf7");
}

static void
test_conf_checked(void **state)
{
	struct fixture		*f = *state;
	struct ingest_conf	 c;
	struct ingest		 in;

	ingest_conf_default(&c);
	c.alpha = 0;
	assert_int_equal(ingest_init(&in, &c, &f->key), -1);
	c.alpha = 1.5;
	assert_int_equal(ingest_init(&in, &c, &f->key), -1);
	c.alpha = 1;
	c.stale_ms = 0;
	assert_int_equal(ingest_init(&in, &c, &f->key), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rates_agent_clock, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_congestion_flags, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_counter_reset, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_staleness, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_link_event, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rejected_changes_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_conf_checked, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
