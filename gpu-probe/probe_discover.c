/*
 * Discovery rounds for one target (probe_disc.h has the idea).  Each
 * candidate source port gets its own socket with IP_RECVERR: the kernel
 * queues the ICMP time-exceeded replies to the probes it sent, with the
 * router that sent them (the offender) and our quoted probe, whose
 * sequence number carries the TTL.  The destination's responder answers
 * the probes that reach it.  Up to disc_rounds rounds, disc_wait apart,
 * resend what is missing (ICMP is rate limited on most routers).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip_icmp.h>
#include <linux/errqueue.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabric_probe.h"
#include "log.h"
#include "probe_net.h"


static uint16_t
cand_sport(const struct fp_target *t, size_t k, size_t n)
{
	return (uint16_t)(FP_SPORT_LOW + (t->index * 1031u +
	    t->generation * n + k) % FP_SPORT_SPAN);
}

void
disc_start(struct fp *fp, struct fp_target *t, uint64_t now)
{
	struct fp_disc		*d = &t->disc;
	struct sockaddr_in	 sin = fp->conf.bind;
	size_t			 k, n = fp->conf.test_paths > 0 ?
				    fp->conf.test_paths : fp->conf.candidates;

	d->active = 1;
	d->round = 0;
	d->round_end_us = now;
	d->ncands = n;
	for (k = 0; k < n; k++) {
		d->cands[k] = (struct disc_cand){ .sport = cand_sport(t, k, n),
		    .rule = fp->conf.verbs ? DISC_RULE_SILENT :
		    DISC_RULE_REACHED, .probed = (uint8_t)fp->conf.max_ttl };
		sin.sin_port = htons(d->cands[k].sport);
		d->fds[k] = net_socket(&sin, NET_F_RECVERR | NET_F_NOCSUM);
		if (d->fds[k] == -1 && errno != EADDRINUSE)
			log_warn("discovery %s: port %u", t->name,
			    d->cands[k].sport);
	}
	log_debug("discovery %s: %zu candidates", t->name, n);
}

/*
 * One TTL-limited DISCOVER probe from fd for path p's port (discovery's
 * candidates and re-traces alike); the round and TTL ride in its
 * sequence number.  A failure is counted.
 */
void
disc_probe(struct fp *fp, struct ibuf *b, int fd, const struct fp_path *p,
    unsigned int round, unsigned int ttl)
{
	ibuf_truncate(b, 0);
	if (fp_build(fp, b, p, PROBE_F_DISCOVER, FP_DISC_SEQ(round, ttl),
	    FP_DISC_PAYLOAD) == -1 || net_send(fd, ibuf_data(b),
	    ibuf_size(b), &p->t->addr, (int)ttl) == -1)
		fp->send.send_errors++;
}

static void
disc_send_round(struct fp *fp, struct fp_target *t)
{
	struct fp_disc	*d = &t->disc;
	struct fp_path	 fake = { .t = t };
	struct ibuf	*b;
	unsigned int	 ttl;
	size_t		 k;

	if ((b = ibuf_open(PROBE_PKT_MAX)) == NULL)
		return;
	for (k = 0; k < d->ncands; k++) {
		/* SILENT: the TTLs above the last router are sent every
		 * round, to see that they stay silent */
		if (d->fds[k] == -1 || (disc_complete(&d->cands[k]) &&
		    d->cands[k].rule != DISC_RULE_SILENT))
			continue;
		fake.dp.sport = d->cands[k].sport;
		for (ttl = 1; ttl <= fp->conf.max_ttl; ttl++) {
			if (d->cands[k].got[ttl] || (d->cands[k].reached &&
			    ttl > d->cands[k].reached))
				continue;
			disc_probe(fp, b, d->fds[k], &fake, d->round, ttl);
		}
	}
	ibuf_free(b);
}

/*
 * A discovery candidate's socket becomes a path's: its probes go out at
 * TTL 64 (discovery's and re-traces' TTLs travel with each datagram).
 * Under verbs the probes go over an RC QP whose flow label gives it this
 * port (the same 5-tuple); the socket stays for re-traces.
 */
static int
path_sock(int fd)
{
	int	 ttl = 64;

	if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) == -1) {
		log_warn("IP_TTL");
		return -1;
	}
	return 0;
}

static struct fp_path *
path_new(struct fp *fp, struct fp_target *t, const struct disc_path *dp,
    int fd, uint64_t now)
{
	struct fp_path	*p;

	if (path_sock(fd) == -1)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("calloc");
		return NULL;
	}
	p->t = t;
	p->id = ++fp->next_path_id;
	p->fd = fd;
	p->dp = *dp;
	path_init(&p->st, &fp->conf.path);
	p->next_send_us = now;
	p->last_us = now;
	if (fp->conf.verbs)
		vb_path_init(p, now);
	return p;
}

static void
path_free(struct fp *fp, struct fp_path *p)
{
	vb_path_free(fp, p);
	if (p->fd != -1)
		close(p->fd);
	free(p);
}

/*
 * A path found again whose own port was seen crossing another path takes
 * the port discovery just found for its hops.  One that was unseen (out
 * of the FIB, failed) is probed again on probation (probe_retrace.c): the
 * fabric routes over it again (fabricd's trial); healthy, it is said ok
 * after recover-after good answers; still broken, failed within the bound.
 */
static void
path_refound(struct fp *fp, struct fp_target *t, struct fp_path *p,
    const struct disc_path *dp, uint64_t now)
{
	struct fp_disc		*d = &t->disc;
	struct path_counters	 c;
	uint64_t		 seq;
	size_t			 k;

	if (!p->port_moved && (p->state != TMSG_PATH_UNSEEN || p->probation))
		return;
	for (k = 0; k < d->ncands; k++)
		if (d->fds[k] != -1 && d->cands[k].sport == dp->sport)
			break;
	if (k == d->ncands || path_sock(d->fds[k]) == -1)
		return;
	path_forget_inflight(&p->st);
	close(p->fd);
	p->fd = d->fds[k];
	d->fds[k] = -1;
	p->dp = *dp;
	p->port_moved = 0;
	p->rt_active = 0;
	p->rt_verdict = DISC_UNSURE;
	if (fp->conf.verbs) {	/* a QP with the new port's flow label */
		vb_path_free(fp, p);
		vb_path_init(p, now);
	}
	if (p->state == TMSG_PATH_UNSEEN) {
		c = p->st.c;
		seq = p->st.next_seq;
		path_init(&p->st, &fp->conf.path);
		p->st.c = c;
		p->st.next_seq = p->st.oldest = seq;
		p->probation = 1;
		p->next_send_us = now;
		log_info("%s path %u: found again (port %u): probing it",
		    t->name, p->id, p->dp.sport);
	}
}

/*
 * An unseen path that no complete candidate took: a black hole past the
 * spine keeps every port that crosses it from reaching the target, so
 * look for a candidate whose answered hops are the path's (disc_check).
 */
static void
disc_unseen(struct fp *fp, struct fp_target *t, const int *found,
    uint64_t now)
{
	struct fp_disc		*d = &t->disc;
	struct fp_path		*p;
	struct disc_path	 dp;
	size_t			 i, k;

	for (i = 0; i < t->npaths; i++) {
		p = t->paths[i];
		if (found[i] || p->probation ||
		    (p->state != TMSG_PATH_UNSEEN && !p->port_moved))
			continue;
		for (k = 0; k < d->ncands; k++) {
			if (d->fds[k] == -1 ||
			    disc_check(&d->cands[k], &p->dp) != DISC_SAME)
				continue;
			dp = p->dp;
			dp.sport = d->cands[k].sport;
			path_refound(fp, t, p, &dp, now);
			break;
		}
	}
}

/*
 * Keeps the paths whose hops were found again (found[] marks them, in the
 * new order), and the failed ones.
 */
static void
disc_prune(struct fp *fp, struct fp_target *t, const struct disc_path *np,
    size_t n, int *kept, int *found, uint64_t now)
{
	size_t	 i, j, w = 0;

	for (i = 0; i < t->npaths; i++) {
		for (j = 0; j < n; j++)
			if (!kept[j] && disc_same(&t->paths[i]->dp, &np[j]))
				break;
		if (j < n) {
			kept[j] = 1;
			path_refound(fp, t, t->paths[i], &np[j], now);
			found[w] = 1;
			t->paths[w++] = t->paths[i];
			continue;
		}
		/*
		 * A failed path cannot be found again (its probes die): it
		 * stays, failed, until it recovers or the next re-map.
		 */
		if (t->paths[i]->st.failed) {
			found[w] = 0;
			t->paths[w++] = t->paths[i];
			continue;
		}
		out_path_gone(fp, t->paths[i]);
		path_free(fp, t->paths[i]);
	}
	t->npaths = w;
}

static size_t
disc_adopt(struct fp *fp, struct fp_target *t, const struct disc_path *np,
    size_t n, const int *kept, uint64_t now)
{
	struct fp_disc	*d = &t->disc;
	struct fp_path	*p;
	size_t		 j, k, added = 0;

	for (j = 0; j < n && t->npaths < FP_MAX_PATHS; j++) {
		if (kept[j])
			continue;
		for (k = 0; k < d->ncands; k++)
			if (d->fds[k] != -1 && d->cands[k].sport == np[j].sport)
				break;
		if (k == d->ncands ||
		    (p = path_new(fp, t, &np[j], d->fds[k], now)) == NULL)
			continue;
		d->fds[k] = -1;
		t->paths[t->npaths++] = p;
		added++;
	}
	return added;
}

static void
disc_finish(struct fp *fp, struct fp_target *t, uint64_t now)
{
	struct disc_path	 np[FP_MAX_PATHS];
	int			 kept[FP_MAX_PATHS] = { 0 };
	int			 found[FP_MAX_PATHS] = { 0 };
	size_t			 n, added, complete = 0, k;

	for (k = 0; k < t->disc.ncands; k++) {
		complete += disc_complete(&t->disc.cands[k]);
		log_debug("discovery %s: port %u: reached at TTL %u, hops "
		    "1-3 %x %x %x%s", t->name, t->disc.cands[k].sport,
		    t->disc.cands[k].reached, t->disc.cands[k].hop[1],
		    t->disc.cands[k].hop[2], t->disc.cands[k].hop[3],
		    t->disc.cands[k].bad ? " (unstable)" : "");
	}
	if (fp->conf.test_paths > 0) {	/* testing: each port a path */
		for (n = 0; n < t->disc.ncands && n < FP_MAX_PATHS; n++)
			np[n] = (struct disc_path){ .ncands = 1,
			    .sport = t->disc.cands[n].sport };
	} else
		n = disc_group(t->disc.cands, t->disc.ncands, np,
		    FP_MAX_PATHS);
	disc_prune(fp, t, np, n, kept, found, now);
	disc_unseen(fp, t, found, now);
	added = disc_adopt(fp, t, np, n, kept, now);
	disc_close(t);
	t->generation++;
	if (fp->conf.remap_us > 0)
		t->next_disc_us = now + fp->conf.remap_us;
	else if (t->npaths == 0)	/* nothing answered yet: try again */
		t->next_disc_us = now + 1000000;
	else
		t->next_disc_us = UINT64_MAX;
	/*
	 * Fewer paths than ever (a path gone: the fabric took it out, or a
	 * port moved and nothing found it again): look for them again, 1 s
	 * doubling to 30 s, so that a path the fabric puts back is probed.
	 */
	if (t->npaths > t->most_paths)
		t->most_paths = t->npaths;
	if (t->npaths < t->most_paths) {
		t->gone_wait_us = t->gone_wait_us == 0 ? FP_GONE_RETRY_MIN_US :
		    t->gone_wait_us * 2 > FP_GONE_RETRY_MAX_US ?
		    FP_GONE_RETRY_MAX_US : t->gone_wait_us * 2;
		if (now + t->gone_wait_us < t->next_disc_us)
			t->next_disc_us = now + t->gone_wait_us;
	} else
		t->gone_wait_us = 0;
	for (k = 0; k < t->npaths; k++)	/* look for the unseen again */
		if ((t->paths[k]->state == TMSG_PATH_UNSEEN &&
		    !t->paths[k]->probation) || t->paths[k]->port_moved)
			t->next_disc_us = now + FP_UNSEEN_RETRY_US <
			    t->next_disc_us ? now + FP_UNSEEN_RETRY_US :
			    t->next_disc_us;
	out_discovered(fp, t, complete, added);
}

/* Sends the next round when it is due, or finishes. */
void
disc_tick(struct fp *fp, struct fp_target *t, uint64_t now)
{
	struct fp_disc	*d = &t->disc;
	size_t		 k, open = 0;

	if (!d->active || now < d->round_end_us)
		return;
	for (k = 0; k < d->ncands; k++)
		if (d->fds[k] != -1 && !disc_complete(&d->cands[k]))
			open++;
	/* SILENT: silence is only known after the last round */
	if (fp->conf.verbs && fp->conf.test_paths == 0 && d->round > 0)
		open++;
	if (open == 0 || d->round >= fp->conf.disc_rounds ||
	    fp->conf.test_paths > 0) {
		disc_finish(fp, t, now);
		return;
	}
	disc_send_round(fp, t);
	d->round++;
	d->round_end_us = now + fp->conf.disc_wait_us;
}

/*
 * A router's time-exceeded reply to our DISCOVER probe from port sport,
 * as a socket's error queue gave it: the probe's TTL, or 0 if it is not
 * one (another ICMP error, another port, not ours).
 */
unsigned int
disc_icmp_ttl(struct fp *fp, const uint8_t *buf, const struct net_icmp *ic,
    uint16_t sport)
{
	struct ibuf		 in;
	struct probe_pkt	 p;

	if (ic->origin != SO_EE_ORIGIN_ICMP || ic->type != ICMP_TIME_EXCEEDED ||
	    ic->offender.sin_family != AF_INET)
		return 0;
	ibuf_from_buffer(&in, buf, ic->len);
	/* a corrupted payload still names the probe: the header is whole */
	if (probe_err_malformed(probe_parse(&in, &p, NULL)) ||
	    p.seed != fp->seed ||
	    !(p.flags & PROBE_F_DISCOVER) || p.src_port != sport)
		return 0;
	return FP_DISC_TTL(p.seq);
}

static void
disc_read_errors(struct fp *fp, struct fp_target *t, size_t k)
{
	uint8_t			 buf[PROBE_PKT_MAX];
	struct net_icmp		 ic;
	struct disc_cand	*c = &t->disc.cands[k];
	unsigned int		 ttl;

	while (net_recv_err(t->disc.fds[k], buf, sizeof(buf), &ic) == 1)
		if ((ttl = disc_icmp_ttl(fp, buf, &ic, c->sport)) != 0)
			disc_hop(c, ttl, ic.offender.sin_addr.s_addr);
}

static void
disc_read_replies(struct fp *fp, struct fp_target *t, size_t k)
{
	uint8_t			 buf[PROBE_PKT_MAX + 1];
	struct sockaddr_in	 from;
	struct probe_pkt	 p;
	struct ibuf		 in;
	ssize_t			 n;

	buf[sizeof(buf) - 1] = 0;
	while ((n = net_recv(t->disc.fds[k], buf, sizeof(buf) - 1,
	    &from)) > 0) {
		ibuf_from_buffer(&in, buf, (size_t)n);
		if (from.sin_addr.s_addr != t->addr.sin_addr.s_addr ||
		    from.sin_port != t->addr.sin_port ||
		    probe_err_malformed(probe_parse(&in, &p, NULL)) ||
		    p.seed != fp->seed ||
		    (p.flags & (PROBE_F_REPLY | PROBE_F_DISCOVER)) !=
		    (PROBE_F_REPLY | PROBE_F_DISCOVER) ||
		    p.src_port != t->disc.cands[k].sport) {
			fp->send.spoofed++;
			continue;
		}
		disc_reached(&t->disc.cands[k], FP_DISC_TTL(p.seq));
	}
}

void
disc_read(struct fp *fp, struct fp_target *t, size_t k)
{
	disc_read_errors(fp, t, k);
	disc_read_replies(fp, t, k);
}

void
disc_close(struct fp_target *t)
{
	size_t	 k;

	for (k = 0; k < t->disc.ncands; k++)
		if (t->disc.fds[k] != -1)
			close(t->disc.fds[k]);
	t->disc.ncands = 0;
	t->disc.active = 0;
}
