/*
 * Per-path bookkeeping and the ok/failed state machine (probe_path.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_path.h"

#define SLOT(p, seq)	(&(p)->slots[(seq) & (PATH_RING - 1)])

void
path_init(struct path *p, const struct path_conf *conf)
{
	memset(p, 0, sizeof(*p));
	p->conf = conf;
	p->next_seq = 1;
	p->oldest = 1;
}

/* Checks a configuration; on error, a message naming the field in err. */
int
path_conf_check(const struct path_conf *c, char *err, size_t len)
{
	if (c->timeout_us == 0)
		snprintf(err, len, "timeout must be above 0");
	else if (c->fail_consecutive == 0)
		snprintf(err, len, "fail-after must be at least 1");
	else if (c->recover_consecutive == 0)
		snprintf(err, len, "recover-after must be at least 1");
	else if (c->window == 0 || c->window > PATH_WINDOW_MAX)
		snprintf(err, len, "window must be 1 to %d probes",
		    PATH_WINDOW_MAX);
	else if (!(c->fail_ratio > 0 && c->fail_ratio <= 1))
		snprintf(err, len, "loss ratio must be in (0, 1]");
	else
		return 0;
	return -1;
}

uint64_t
path_bound_us(const struct path_conf *c)
{
	return c->fail_consecutive * c->interval_us + c->timeout_us;
}

static void
window_push(struct path *p, int bad)
{
	uint32_t	 w = p->conf->window;

	if (p->win_n == w) {
		p->win_bad -= p->win[p->win_pos];
		p->win_n--;
	}
	p->win[p->win_pos] = (uint8_t)bad;
	p->win_bad += (uint32_t)bad;
	p->win_n++;
	p->win_pos = (p->win_pos + 1) % w;
}

static void
set_state(struct path *p, int failed, const char *reason, uint64_t now)
{
	p->failed = failed;
	p->reason = reason;
	p->changed_us = now;
	p->c.state_changes++;
	if (!failed) {	/* recovered: the old losses do not count again */
		p->win_n = p->win_bad = p->win_pos = 0;
		p->consec_bad = 0;
	}
}

/*
 * Undoes a state change the caller could not confirm (fabric_probe.c
 * re-traces the path first): back to `failed', counted as no change, the
 * outcomes so far forgotten.
 */
void
path_revert(struct path *p, int failed)
{
	if (p->failed != failed && p->c.state_changes > 0)
		p->c.state_changes--;
	p->failed = failed;
	p->reason = failed ? p->reason : NULL;
	p->win_n = p->win_bad = p->win_pos = 0;
	p->consec_bad = p->consec_good = 0;
}

static void
outcome(struct path *p, int bad, const char *why, uint64_t now)
{
	const struct path_conf	*c = p->conf;

	window_push(p, bad);
	if (bad) {
		p->consec_bad++;
		p->consec_good = 0;
	} else {
		p->consec_good++;
		p->consec_bad = 0;
	}
	if (!p->failed) {
		if (p->consec_bad >= c->fail_consecutive)
			set_state(p, 1, why, now);
		else if (p->win_n == c->window &&
		    p->win_bad >= c->fail_ratio * c->window)
			set_state(p, 1, "loss-rate", now);
	} else if (p->consec_good >= c->recover_consecutive)
		set_state(p, 0, NULL, now);
}

static void
declare_lost(struct path *p, struct path_slot *s, uint64_t now)
{
	s->state = PATH_SLOT_LOST;
	p->c.lost++;
	outcome(p, 1, "loss", now);
}

/*
 * Records a probe of `bytes' octets sent now and returns its sequence
 * number.  A slot still pending from PATH_RING probes ago is lost.
 */
uint64_t
path_send(struct path *p, uint64_t now, uint32_t bytes)
{
	uint64_t		 seq = p->next_seq++;
	struct path_slot	*s = SLOT(p, seq);

	if (s->state == PATH_SLOT_PENDING)
		declare_lost(p, s, now);
	*s = (struct path_slot){ .seq = seq, .sent_us = now, .bytes = bytes,
	    .state = PATH_SLOT_PENDING };
	p->c.sent++;
	if (p->oldest + PATH_RING <= seq)
		p->oldest = seq - PATH_RING + 1;
	return seq;
}

/* Declares lost, oldest first, every probe unanswered for timeout_us. */
void
path_expire(struct path *p, uint64_t now)
{
	struct path_slot	*s;

	for (; p->oldest < p->next_seq; p->oldest++) {
		s = SLOT(p, p->oldest);
		if (s->seq != p->oldest || s->state != PATH_SLOT_PENDING)
			continue;
		if (s->sent_us + p->conf->timeout_us > now)
			break;
		declare_lost(p, s, now);
	}
}

/*
 * The probes in flight no longer tell about this path (its port moved to
 * another one): neither answered nor lost, and not counted as sent.
 */
void
path_forget_inflight(struct path *p)
{
	struct path_slot	*s;

	for (; p->oldest < p->next_seq; p->oldest++) {
		s = SLOT(p, p->oldest);
		if (s->seq != p->oldest || s->state != PATH_SLOT_PENDING)
			continue;
		s->state = PATH_SLOT_FREE;
		p->c.sent--;
	}
}

/* When the oldest pending probe times out; 0 if none is pending. */
int
path_next_expiry(const struct path *p, uint64_t *when)
{
	const struct path_slot	*s;
	uint64_t		 seq;

	for (seq = p->oldest; seq < p->next_seq; seq++) {
		s = SLOT(p, seq);
		if (s->seq == seq && s->state == PATH_SLOT_PENDING) {
			*when = s->sent_us + p->conf->timeout_us;
			return 1;
		}
	}
	return 0;
}

static void
rtt_add(struct path *p, uint32_t us)
{
	p->rtt[p->rtt_pos] = us;
	p->rtt_pos = (p->rtt_pos + 1) % PATH_RTT_SAMPLES;
	if (p->nrtt < PATH_RTT_SAMPLES)
		p->nrtt++;
}

/*
 * An answer to probe seq arrived now; corrupt: the responder found its
 * payload damaged.  The caller has checked that the answer is ours (the
 * session seed, the addresses); seq is checked here.
 */
enum path_rx
path_reply(struct path *p, uint64_t seq, uint64_t now, int corrupt,
    uint32_t *rtt_us)
{
	struct path_slot	*s;
	uint64_t		 rtt;

	if (seq == 0 || seq >= p->next_seq) {
		p->c.spoofed++;
		return PATH_RX_UNSENT;
	}
	s = SLOT(p, seq);
	if (s->seq != seq || s->state == PATH_SLOT_LOST) {
		p->c.late++;
		return PATH_RX_LATE;
	}
	if (s->state == PATH_SLOT_ANSWERED) {
		p->c.dup++;
		return PATH_RX_DUP;
	}
	s->state = PATH_SLOT_ANSWERED;
	rtt = now > s->sent_us ? now - s->sent_us : 0;
	*rtt_us = rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
	p->c.received++;
	p->c.bytes_acked += s->bytes;
	rtt_add(p, *rtt_us);
	if (corrupt) {
		p->c.integrity++;
		outcome(p, p->conf->corrupt_fails, "integrity", now);
		return PATH_RX_CORRUPT;
	}
	outcome(p, 0, NULL, now);
	return PATH_RX_OK;
}

const char *
path_rx_str(enum path_rx r)
{
	switch (r) {
	case PATH_RX_OK:
		return "ok";
	case PATH_RX_CORRUPT:
		return "corrupt";
	case PATH_RX_LATE:
		return "late";
	case PATH_RX_DUP:
		return "duplicate";
	case PATH_RX_UNSENT:
		return "unsent";
	}
	return "unknown";
}

void
path_rtt_reset(struct path *p)
{
	p->nrtt = p->rtt_pos = 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Min, median and p99 (nearest rank) of the RTTs since the last reset
 * (the newest PATH_RTT_SAMPLES of them); all 0 when there are none.
 */
void
path_rtt_summary(const struct path *p, uint32_t *min, uint32_t *med,
    uint32_t *p99)
{
	uint32_t	 v[PATH_RTT_SAMPLES];
	size_t		 n = p->nrtt, rank;

	*min = *med = *p99 = 0;
	if (n == 0)
		return;
	memcpy(v, p->rtt, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_u32);
	rank = (99 * n + 99) / 100;	/* ceil(0.99 n) */
	*min = v[0];
	*med = v[(n - 1) / 2];
	*p99 = v[rank - 1];
}
