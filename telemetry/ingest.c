/*
 * Per-link state from verified telemetry (ingest.h).  Rates are computed
 * here from the cumulative counters, over the agents' own timestamps: a
 * lost sample costs resolution, never bytes.  Freshness is judged on the
 * controller's clock, which the caller passes in.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

void
ingest_conf_default(struct ingest_conf *c)
{
	c->alpha = 0.3;
	c->stale_ms = 500;
	c->backlog_bytes = 64 * 1024;
	c->util_congested = 0.95;
}

int
ingest_init(struct ingest *in, const struct ingest_conf *conf,
    const struct tmsg_key *key)
{
	if (conf->alpha <= 0 || conf->alpha > 1 || conf->stale_ms == 0) {
		errno = EINVAL;
		return -1;
	}
	*in = (struct ingest){ .conf = *conf };
	if ((in->slots = calloc(INGEST_HASH_SLOTS, sizeof(*in->slots))) ==
	    NULL)
		return -1;
	tmsg_rx_init(&in->rx, key);
	return 0;
}

void
ingest_free(struct ingest *in)
{
	tmsg_rx_free(&in->rx);
	ingest_frr_free(in);
	free(in->links);
	free(in->slots);
	in->links = NULL;
	in->slots = NULL;
	in->nlinks = in->cap = 0;
}

/* FNV-1a over "agent\0name": links are looked up once per sample. */
static uint32_t
link_hash(const char *agent, const char *name)
{
	uint32_t	 h = 2166136261u;

	for (; *agent != '\0'; agent++)
		h = (h ^ (uint8_t)*agent) * 16777619u;
	h = (h ^ 0) * 16777619u;
	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

/*
 * The slot holding (agent, name), or the empty slot where it belongs.
 * Links are never removed, so linear probing needs no tombstones, and
 * the table is at most half full (INGEST_HASH_SLOTS).
 */
static uint32_t *
link_slot(const struct ingest *in, const char *agent, const char *name)
{
	uint32_t		 i = link_hash(agent, name);
	uint32_t		*slot;
	const struct ingest_link *l;

	for (;; i++) {
		slot = &in->slots[i & (INGEST_HASH_SLOTS - 1)];
		if (*slot == 0)
			return slot;
		l = &in->links[*slot - 1];
		if (strcmp(l->name, name) == 0 && strcmp(l->agent, agent) == 0)
			return slot;
	}
}

struct ingest_link *
ingest_find(struct ingest *in, const char *agent, const char *name)
{
	uint32_t	*slot = link_slot(in, agent, name);

	return *slot == 0 ? NULL : &in->links[*slot - 1];
}

static struct ingest_link *
link_get(struct ingest *in, const char *agent, const char *name)
{
	struct ingest_link	*l;
	uint32_t		*slot = link_slot(in, agent, name);
	size_t			 cap;

	if (*slot != 0)
		return &in->links[*slot - 1];
	if (in->nlinks >= INGEST_MAX_LINKS) {
		in->dropped_links++;
		return NULL;
	}
	if (in->nlinks == in->cap) {
		cap = in->cap == 0 ? 64 : in->cap * 2;
		if ((l = reallocarray(in->links, cap, sizeof(*l))) == NULL) {
			in->dropped_links++;
			return NULL;
		}
		in->links = l;
		in->cap = cap;
	}
	l = &in->links[in->nlinks++];
	*l = (struct ingest_link){ 0 };
	memcpy(l->agent, agent, sizeof(l->agent));
	memcpy(l->name, name, sizeof(l->name));
	*slot = (uint32_t)in->nlinks;
	return l;
}

/* A counter that went backwards: the interface was recreated. */
static int
counters_reset(const struct tmsg_link *a, const struct tmsg_link *b)
{
	return b->rx_bytes < a->rx_bytes || b->tx_bytes < a->tx_bytes ||
	    b->rx_packets < a->rx_packets || b->tx_packets < a->tx_packets ||
	    b->q_drops < a->q_drops;
}

static double
ewma(double old, double now, double alpha, int first)
{
	return first ? now : alpha * now + (1 - alpha) * old;
}

static void
link_rates(struct ingest *in, struct ingest_link *l,
    const struct tmsg_link *s, uint64_t ns)
{
	const struct tmsg_link	*p = &l->last;
	double			 dt = (double)(ns - l->last_ns) / 1e9;
	int			 first = !l->have_rate;

	l->rx_bps = (double)(s->rx_bytes - p->rx_bytes) * 8 / dt;
	l->tx_bps = (double)(s->tx_bytes - p->tx_bytes) * 8 / dt;
	l->rx_pps = (double)(s->rx_packets - p->rx_packets) / dt;
	l->tx_pps = (double)(s->tx_packets - p->tx_packets) / dt;
	l->q_drops_ps = (double)(s->q_drops - p->q_drops) / dt;
	l->ewma_rx_bps = ewma(l->ewma_rx_bps, l->rx_bps, in->conf.alpha, first);
	l->ewma_tx_bps = ewma(l->ewma_tx_bps, l->tx_bps, in->conf.alpha, first);
	l->have_rate = 1;
}

static void
link_sample(struct ingest *in, const char *agent, const struct tmsg_link *s,
    uint64_t ns, uint64_t now_ms)
{
	struct ingest_link	*l;

	if ((l = link_get(in, agent, s->name)) == NULL)
		return;
	if (l->samples > 0 && (ns <= l->last_ns || s->ifindex != l->ifindex ||
	    counters_reset(&l->last, s))) {
		l->have_rate = 0;
		l->resets++;
	} else if (l->samples > 0)
		link_rates(in, l, s, ns);
	l->ifindex = s->ifindex;
	l->oper = s->oper;
	l->capsrc = s->capsrc;
	l->capacity_bps = s->capacity_bps;
	l->util = l->capacity_bps > 0 && l->have_rate ?
	    l->ewma_tx_bps / (double)l->capacity_bps : 0;
	l->congested = s->q_backlog >= in->conf.backlog_bytes ||
	    (l->have_rate && l->q_drops_ps > 0) ||
	    (l->capacity_bps > 0 && l->util >= in->conf.util_congested);
	l->last = *s;
	l->last_ns = ns;
	l->seen_ms = now_ms;
	l->samples++;
}

static void
link_event(struct ingest *in, const char *agent, const struct tmsg_event *e,
    uint64_t now_ms)
{
	struct ingest_link	*l;

	in->link_events++;
	if ((l = link_get(in, agent, e->name)) == NULL)
		return;
	l->ifindex = e->ifindex;
	l->oper = e->oper;
	l->event_ms = now_ms;
}

/*
 * Verifies, decodes and applies one message; returns why it was rejected
 * (counted in in->rx), or TMSG_OK.  m is the caller's scratch space, large
 * (struct tmsg holds a full sample), and holds the message on return.
 */
enum tmsg_err
ingest_feed(struct ingest *in, const uint8_t *data, size_t len,
    uint64_t now_ms, struct tmsg *m)
{
	enum tmsg_err	 e;
	uint16_t	 i;

	if ((e = tmsg_rx_decode(&in->rx, data, len, m)) != TMSG_OK)
		return e;
	switch (m->type) {
	case TMSG_T_LINK_SAMPLE:
		for (i = 0; i < m->nlinks; i++)
			link_sample(in, m->agent, &m->links[i], m->time_ns,
			    now_ms);
		break;
	case TMSG_T_LINK_EVENT:
		link_event(in, m->agent, &m->event, now_ms);
		break;
	case TMSG_T_BGP_STATE:
	case TMSG_T_FIB_ROUTES:
		ingest_frr_apply(in, m, now_ms);
		break;
	default:
		break;
	}
	return TMSG_OK;
}

/*
 * Stale: no sample within stale_ms of now.  A stale link's rates are the
 * last known, not the present: the caller must not steer on them.
 */
int
ingest_is_stale(const struct ingest *in, const struct ingest_link *l,
    uint64_t now_ms)
{
	return l->samples == 0 || now_ms < l->seen_ms ||
	    now_ms - l->seen_ms > in->conf.stale_ms;
}
