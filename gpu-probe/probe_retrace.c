/*
 * A path is its routers, not its source port.  ECMP maps a port onto a
 * path through the FIB's next-hops and weights, so the port that crossed
 * spine1 at discovery crosses spine2 once the fabric takes spine1 out
 * (fabricd does, when we say spine1's path failed) or changes weights.
 * Its answers would then be taken for spine1's path: the path would
 * "heal", fabricd would put the black hole back, and so on.
 *
 * So before fabric-probe says a path changed state, it re-traces the
 * path's own port: TTL-limited DISCOVER probes from the path's socket,
 * the routers' time-exceeded replies read from its error queue (as
 * discovery does), judged by disc_check():
 *
 *   ok -> failed   the re-trace starts at the first bad outcome of a run,
 *                  so its verdict is usually in before the failure is due;
 *                  it is waited for at most --timeout past that.  SAME or
 *                  UNSURE (routers that limit ICMP): failed.  MOVED: not
 *                  this path's failure; the change is undone and the
 *                  target re-mapped.
 *   failed -> ok   the re-trace starts when the state machine recovers.
 *                  SAME: ok.  MOVED: the port no longer reaches the path
 *                  (it is out of the FIB): the path stays failed, UNSEEN,
 *                  is not probed, and the target is re-mapped every
 *                  FP_UNSEEN_RETRY_US until discovery finds a port that
 *                  crosses its routers again (probe_discover.c; fabricd's
 *                  trial puts it back).  UNSURE: stays failed.
 *   unseen         found again, it is probed on probation, still UNSEEN:
 *                  said ok after recover-after good answers in a row (and
 *                  a SAME re-trace), failed by the usual rule.
 *
 * A re-trace sends only the TTLs of the path's via hops (the spines: the
 * leaves are the same on every path), one ICMP per spine per round.
 * Time: one round when the routers answer at once (the lab: under a
 * millisecond); at most --disc-rounds x --disc-wait when they do not.
 */
#include "config.h"

#include <string.h>

#include "fabric_probe.h"
#include "log.h"

void
rt_start(struct fp *fp, struct fp_path *p, uint64_t now)
{
	(void)fp;
	p->rt = (struct disc_cand){ .sport = p->dp.sport };
	p->rt_active = 1;
	p->rt_round = 0;
	p->rt_started_us = now;
	p->rt_end_us = now;	/* the first round at the next tick */
	p->rt_verdict = DISC_UNSURE;
}

static void
rt_send_round(struct fp *fp, struct fp_path *p)
{
	struct ibuf	*b;
	unsigned int	 ttl, last;

	if ((b = ibuf_open(PROBE_PKT_MAX)) == NULL)
		return;
	/* only the via hops: routers limit ICMP, spend none on the leaves */
	for (ttl = disc_via_ttls(&p->dp, &last); ttl <= last &&
	    ttl <= fp->conf.max_ttl; ttl++)
		if (!p->rt.got[ttl] && (!p->rt.reached || ttl <= p->rt.reached))
			disc_probe(fp, b, p->fd, p, p->rt_round, ttl);
	ibuf_free(b);
}

/*
 * --retrace: every path's port re-traced this often, so that a port the
 * fabric moved onto another path (a weight change, a link or a switch
 * taken out) is noticed within that time even when nothing fails: its
 * path then takes a port discovery finds for its routers.  Not for an
 * unseen path (discovery looks for it).
 */
void
rt_due(struct fp *fp, struct fp_path *p, uint64_t now)
{
	if (fp->conf.retrace_us == 0 || p->rt_active ||
	    (p->state == TMSG_PATH_UNSEEN && !p->probation) ||
	    now < p->rt_started_us + fp->conf.retrace_us)
		return;
	rt_start(fp, p, now);
}

/* Sends the next round, or ends with a verdict (then acts on it). */
void
rt_tick(struct fp *fp, struct fp_path *p, uint64_t now)
{
	enum disc_verdict	 v;

	if (!p->rt_active)
		return;
	v = disc_check(&p->rt, &p->dp);
	if (v == DISC_UNSURE && (now < p->rt_end_us ||
	    p->rt_round < fp->conf.disc_rounds)) {
		if (now >= p->rt_end_us) {
			rt_send_round(fp, p);
			p->rt_round++;
			p->rt_end_us = now + fp->conf.disc_wait_us;
		}
		return;
	}
	p->rt_active = 0;
	p->rt_verdict = v;
	log_debug("%s path %u: re-trace of port %u: %s after %llu us",
	    p->t->name, p->id, p->dp.sport, disc_verdict_str(v),
	    (unsigned long long)(now - p->rt_started_us));
	rt_gate(fp, p, now);
}

/* An ICMP error on the path's socket: 1 if it answered our re-trace. */
int
rt_icmp(struct fp *fp, struct fp_path *p, const uint8_t *buf,
    const struct net_icmp *ic)
{
	unsigned int	 ttl;

	if ((ttl = disc_icmp_ttl(fp, buf, ic, p->dp.sport)) == 0)
		return 0;
	if (p->rt_active)
		disc_hop(&p->rt, ttl, ic->offender.sin_addr.s_addr);
	return 1;
}

/* The destination answered a re-trace probe (REPLY | DISCOVER). */
void
rt_reply(struct fp_path *p, const struct probe_pkt *pk)
{
	if (p->rt_active)
		disc_reached(&p->rt, FP_DISC_TTL(pk->seq));
	else
		p->st.c.late++;
}

static void
say(struct fp *fp, struct fp_path *p, uint8_t state)
{
	p->state = state;
	out_state(fp, p);
	out_publish_path(fp, p);
}

/*
 * p's port was found crossing another path.  An ok path is re-mapped (it
 * takes a port discovery finds for its routers); a failed one is unseen:
 * the fabric no longer routes over it.
 */
static void
moved(struct fp *fp, struct fp_path *p, uint64_t now)
{
	struct fp_target	*t = p->t;

	p->rt_verdict = DISC_UNSURE;	/* acted on */
	p->moves++;
	p->port_moved = 1;
	p->probation = 0;
	log_info("%s path %u: its port %u now crosses another path: %s",
	    t->name, p->id, p->dp.sport, p->state == TMSG_PATH_OK ?
	    "re-mapping" : "unseen until discovery finds it again");
	if (p->state == TMSG_PATH_OK) {
		path_revert(&p->st, 0);
		t->next_disc_us = now;
		return;
	}
	path_revert(&p->st, 1);
	if (p->state != TMSG_PATH_UNSEEN)
		say(fp, p, TMSG_PATH_UNSEEN);
	if (t->next_disc_us > now + FP_UNSEEN_RETRY_US)
		t->next_disc_us = now + FP_UNSEEN_RETRY_US;
}

/* No change pending: a periodic re-trace (rt_due) that found it moved. */
static void
steady(struct fp *fp, struct fp_path *p, uint64_t now)
{
	if (p->rt_active || p->rt_verdict != DISC_MOVED || p->port_moved ||
	    (p->state == TMSG_PATH_UNSEEN && !p->probation))
		return;
	moved(fp, p, now);
}

/*
 * What p's state machine says, as a state to say: a path found again after
 * it was unseen (on probation) is said ok only after recover-after good
 * answers in a row, failed by the usual rule; until then, nothing.
 */
static int
wanted(const struct fp_path *p)
{
	if (p->st.failed)
		return TMSG_PATH_FAILED;
	if (p->probation &&
	    p->st.consec_good < p->st.conf->recover_consecutive)
		return -1;
	return TMSG_PATH_OK;
}

/*
 * After every event on p: what its state machine says against what we
 * said, held until a re-trace started since the change has a verdict.
 */
void
rt_gate(struct fp *fp, struct fp_path *p, uint64_t now)
{
	int			 want;

	if (p->st.consec_bad == 0)
		p->bad_since_us = 0;
	else if (p->bad_since_us == 0) {
		p->bad_since_us = now;
		/* the first bad outcome of a run: re-trace ahead of time */
		if (!p->st.failed && !p->rt_active)
			rt_start(fp, p, now);
	}
	want = wanted(p);
	if ((p->state == TMSG_PATH_UNSEEN && !p->probation) || want == -1 ||
	    want == p->state) {
		p->change_us = 0;
		steady(fp, p, now);
		return;
	}
	if (p->change_us == 0)
		p->change_us = now;
	/*
	 * A failure waits for the re-trace begun at the first bad outcome,
	 * but no longer than a probe's timeout past its due time: routers
	 * that limit ICMP must not hold a failure back.  A later MOVED
	 * verdict makes it unseen (steady()).
	 */
	if (p->rt_active && want == TMSG_PATH_FAILED &&
	    now - p->change_us >= p->st.conf->timeout_us) {
		p->probation = 0;
		say(fp, p, TMSG_PATH_FAILED);
		p->change_us = 0;
		return;
	}
	if (p->rt_active)
		return;
	/* a verdict from before the change (or the bad run) does not count */
	if (p->rt_started_us < (want == TMSG_PATH_FAILED ? p->bad_since_us :
	    p->change_us) || p->rt_started_us == 0) {
		rt_start(fp, p, now);
		return;
	}
	p->change_us = 0;
	if (p->rt_verdict == DISC_MOVED) {
		moved(fp, p, now);
		return;
	}
	if (want == TMSG_PATH_FAILED || p->rt_verdict == DISC_SAME) {
		p->probation = 0;
		say(fp, p, (uint8_t)want);
		return;
	}
	/* ok, but not sure it is this path: not yet */
	path_revert(&p->st, p->probation ? 0 : 1);
}
