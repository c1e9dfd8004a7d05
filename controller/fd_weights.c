/*
 * From the fabric to announcements: telemetry into the model, the path
 * computation, and for every switch and destination leaf the weights that
 * go out as ADD-PATH routes with the link-bandwidth community.
 *
 * Safety, in the order it is applied:
 *   - a link that is down or drained gets weight 0 at once, whatever the
 *     smoothing (route_smooth_apply drops failed next-hops immediately);
 *   - when a switch has no path left to a destination in the model, its
 *     routes for it are withdrawn and FRR's own routing takes over: never
 *     an empty next-hop set, never a black hole of ours;
 *   - stale telemetry freezes every telemetry-driven move (FD-STALE);
 *     drains by the operator still apply;
 *   - moves are smoothed (EWMA, min-change, max-step) and limited to
 *     max-moves-per-minute over the whole fabric.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp.h"
#include "bgp_lbw.h"
#include "fabricd.h"
#include "log.h"
#include "util.h"

static int
is_switch(const struct fab_node *n)
{
	return n->role != ROLE_HOST;
}

static int
is_dest(const struct fab_config *cfg, uint32_t node)
{
	size_t	i;

	for (i = 0; i < cfg->ndests; i++)
		if (cfg->dests[i].node == node)
			return 1;
	return 0;
}

static int
block_alloc(struct fd_block *b, uint32_t node, uint32_t dst, uint32_t n)
{
	b->node = node;
	b->dst = dst;
	b->n = n;
	b->ewma = calloc(n + 1, sizeof(double));
	b->applied = calloc(n + 1, sizeof(double));
	b->mbps = calloc(n + 1, sizeof(uint32_t));
	b->frr = calloc(n + 1, sizeof(uint32_t));
	if (b->ewma == NULL || b->applied == NULL || b->mbps == NULL ||
	    b->frr == NULL)
		return -1;
	return 0;
}

static void
block_free(struct fd_block *b)
{
	free(b->ewma);
	free(b->applied);
	free(b->mbps);
	free(b->frr);
}

/* One block for every switch that has a session and every other leaf
   that has prefixes. */
/*
 * Does NODE choose among links towards DST?  In an up-down Clos only on
 * the way up: a leaf towards every other leaf, a spine towards the leaves
 * of other pods (through the super-spines).  Down, there is one way.
 */
static int
steers(const struct fabric *f, uint32_t node, uint32_t dst)
{
	const struct fab_node	*n = &f->nodes[node];
	uint32_t		 i, up = 0;

	if (n->bgp_addr[0] == '\0' || dst == node)
		return 0;
	if (n->role == ROLE_SPINE && f->nodes[dst].pod == n->pod)
		return 0;
	for (i = 0; i < n->nadj; i++)
		up += f->nodes[fab_link_other(f, n->adj[i], node)].role >
		    n->role;
	return (n->role == ROLE_LEAF || n->role == ROLE_SPINE) && up > 0;
}

static int
blocks_init(struct fabricd *d)
{
	const struct fabric	*f = d->cfg->fabric;
	uint32_t		 node, dst;
	size_t			 n = 0;

	for (node = 0; node < f->nnodes; node++)
		for (dst = 0; dst < f->nnodes; dst++)
			n += steers(f, node, dst) && is_dest(d->cfg, dst);
	if ((d->blocks = calloc(n + 1, sizeof(*d->blocks))) == NULL)
		return -1;
	for (node = 0; node < f->nnodes; node++) {
		for (dst = 0; dst < f->nnodes; dst++) {
			if (!steers(f, node, dst) || !is_dest(d->cfg, dst))
				continue;
			if (block_alloc(&d->blocks[d->nblocks++], node, dst,
			    f->nodes[node].nadj) == -1)
				return -1;
		}
	}
	return 0;
}

int
fd_weights_init(struct fabricd *d)
{
	const struct fabric	*f = d->cfg->fabric;
	const struct fab_policy	*p = &d->cfg->policy;
	uint32_t		 i;

	if ((d->nominal = calloc(f->nlinks + 1, sizeof(double))) == NULL ||
	    (d->admin = calloc(f->nlinks + 1, 1)) == NULL ||
	    (d->node_admin = calloc(f->nnodes + 1, 1)) == NULL ||
	    (d->down_ms = calloc(f->nlinks + 1, sizeof(uint64_t))) == NULL ||
	    (d->end_cap = calloc(2 * f->nlinks + 1, sizeof(uint64_t))) == NULL ||
	    (d->routes = route_new()) == NULL)
		return -1;
	for (i = 0; i < f->nlinks; i++) {
		d->nominal[i] = f->links[i].capacity;
		d->admin[i] = f->links[i].state;	/* the config's */
	}
	for (i = 0; i < f->nnodes; i++)
		d->node_admin[i] = f->nodes[i].state;
	d->rp.adaptive = p->mode == FAB_MODE_ADAPTIVE;
	d->rp.min_share = 0.05;
	d->rp.congestion_drop_penalty = 0.01;	/* per packet/s dropped */
	d->rp.congestion_backlog_penalty = 1e-5;	/* per byte queued */
	return blocks_init(d);
}

void
fd_blocks_free(struct fd_block *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		block_free(&b[i]);
	free(b);
}

void
fd_weights_free(struct fabricd *d)
{
	fd_blocks_free(d->blocks, d->nblocks);
	d->blocks = NULL;
	d->nblocks = 0;
	route_free(d->routes);
	d->routes = NULL;
	free(d->nominal);
	free(d->admin);
	free(d->node_admin);
	free(d->down_ms);
	free(d->end_cap);
	d->down_ms = NULL;
	d->end_cap = NULL;
	d->nominal = NULL;
	d->admin = d->node_admin = NULL;
}

struct fd_block *
fd_block_find(struct fabricd *d, uint32_t node, uint32_t dst)
{
	size_t	i;

	for (i = 0; i < d->nblocks; i++)
		if (d->blocks[i].node == node && d->blocks[i].dst == dst)
			return &d->blocks[i];
	return NULL;
}

/* ---- telemetry into the model ----------------------------------- */

/* The fresh telemetry of NODE's end of a link, or NULL. */
static struct ingest_link *
end_of(struct fabricd *d, uint32_t node, const char *ifname, uint64_t now)
{
	struct ingest_link	*il;

	if (!d->ing_ok || ifname[0] == '\0')
		return NULL;
	il = ingest_find(&d->ing, d->cfg->fabric->nodes[node].name, ifname);
	if (il == NULL || ingest_is_stale(&d->ing, il, now))
		return NULL;
	return il;
}

/* What one end's sender side says about direction dir of link li. */
static void
direction_from(struct fab_link *l, int dir, const struct ingest_link *il)
{
	l->load[dir] = il->have_rate ? il->ewma_tx_bps : 0;
	l->drops[dir] = il->have_rate ? il->q_drops_ps : 0;
	l->backlog[dir] = (double)il->last.q_backlog;
}

static void
link_telemetry(struct fabricd *d, uint32_t li, uint64_t now, int *down)
{
	struct fab_link		*l = &d->cfg->fabric->links[li];
	struct ingest_link	*ea = end_of(d, l->a, l->a_if, now);
	struct ingest_link	*eb = end_of(d, l->b, l->b_if, now);
	double			 cap = d->nominal[li];

	if (ea != NULL) {
		direction_from(l, 0, ea);
		if (ea->capsrc != TMSG_CAP_NONE && ea->capacity_bps > 0)
			cap = fmin(cap, (double)ea->capacity_bps);
		*down |= ea->oper == TMSG_OPER_DOWN;
	}
	if (eb != NULL) {
		direction_from(l, 1, eb);
		if (eb->capsrc != TMSG_CAP_NONE && eb->capacity_bps > 0)
			cap = fmin(cap, (double)eb->capacity_bps);
		*down |= eb->oper == TMSG_OPER_DOWN;
	}
	if (l->capacity != cap) {
		l->capacity = cap;
		d->cfg->fabric->version++;
	}
}

/* Does a fresh end of link li report it down? */
static int
link_down_fresh(struct fabricd *d, uint32_t li, uint64_t now)
{
	struct fab_link		*l = &d->cfg->fabric->links[li];
	struct ingest_link	*ea = end_of(d, l->a, l->a_if, now);
	struct ingest_link	*eb = end_of(d, l->b, l->b_if, now);

	return (ea != NULL && ea->oper == TMSG_OPER_DOWN) ||
	    (eb != NULL && eb->oper == TMSG_OPER_DOWN);
}

/*
 * Telemetry (unless frozen) and the operator's drains into the model.
 * A link's state is the worst of: its admin state, and down when an end
 * reports it down.
 */
void
fd_apply_telemetry(struct fabricd *d, uint64_t now)
{
	struct fabric	*f = d->cfg->fabric;
	uint32_t	 i;
	int		 down;

	for (i = 0; i < f->nlinks; i++) {
		down = 0;
		if (!d->frozen)
			link_telemetry(d, i, now, &down);
		else		/* loads frozen; a fresh end's down counts */
			down = link_down_fresh(d, i, now) ||
			    (f->links[i].state == FAB_DOWN &&
			    d->admin[i] != FAB_DOWN && d->down_ms[i] != 0);
		if (down)
			d->down_ms[i] = now ? now : 1;
		else if (d->down_ms[i] != 0 && now - d->down_ms[i] <
		    d->cfg->policy.link_up_holddown_ms)
			down = 1;	/* back up, not trusted yet */
		else if (d->down_ms[i] != 0) {
			d->down_ms[i] = 0;
			log_info("link %s up for %u ms: in use again",
			    d->cfg->link_names[i],
			    d->cfg->policy.link_up_holddown_ms);
		}
		fab_link_set_state(f, i, d->admin[i] == FAB_DOWN || down ?
		    FAB_DOWN : (enum fab_state)d->admin[i]);
	}
	for (i = 0; i < f->nnodes; i++)
		if (f->nodes[i].state != d->node_admin[i])
			fab_node_set_state(f, i, d->node_admin[i]);
}

/*
 * Does this sample bring news that should not wait for the next step: a
 * link end whose capacity changed (shaped, a LAG member lost)?  Congestion
 * and load are smoothed anyway and wait.
 */
int
fd_sample_news(struct fabricd *d, const struct tmsg *m)
{
	const struct fabric	*f = d->cfg->fabric;
	const struct fab_link	*l;
	uint32_t		 node, i, k;
	uint64_t		 cap;
	int			 news = 0, end;

	if ((node = fab_node_find(f, m->agent)) == FAB_NONE)
		return 0;
	for (k = 0; k < m->nlinks; k++)
		for (i = 0; i < f->nodes[node].nadj; i++) {
			l = &f->links[f->nodes[node].adj[i]];
			end = l->a == node ? 0 : 1;
			if (strcmp(end ? l->b_if : l->a_if,
			    m->links[k].name) != 0)
				continue;
			cap = m->links[k].capsrc == TMSG_CAP_NONE ? 0 :
			    m->links[k].capacity_bps;
			if (d->end_cap[2 * f->nodes[node].adj[i] + end] != cap)
				news = 1;
			d->end_cap[2 * f->nodes[node].adj[i] + end] = cap;
		}
	return news;
}

/* Has the agent `name' sent a sample of any link within the stale time? */
int
fd_source_fresh(struct fabricd *d, const char *name, uint64_t now)
{
	size_t	j;

	for (j = 0; d->ing_ok && j < d->ing.nlinks; j++)
		if (strcmp(d->ing.links[j].agent, name) == 0 &&
		    !ingest_is_stale(&d->ing, &d->ing.links[j], now))
			return 1;
	return 0;
}

/*
 * Stale: a configured telemetry source that has sent nothing for
 * telemetry-stale-ms (or never).  Returns how many; names the first.
 */
int
fd_telemetry_stale(struct fabricd *d, uint64_t now, char *who,
    size_t wholen)
{
	const struct fab_config	*cfg = d->cfg;
	size_t			 i;
	int			 stale = 0;

	if (who != NULL && wholen > 0)
		who[0] = '\0';
	for (i = 0; i < cfg->ntelemetry; i++)
		if (!fd_source_fresh(d, cfg->telemetry[i].name, now) &&
		    stale++ == 0 && who != NULL)
			snprintf(who, wholen, "%s", cfg->telemetry[i].name);
	return stale;
}

/* ---- announcements ------------------------------------------------ */

static struct fd_peer *
peer_of(struct fabricd *d, uint32_t node)
{
	size_t	i;

	for (i = 0; i < d->npeers; i++)
		if (d->peers[i].node == node)
			return &d->peers[i];
	return NULL;
}

static int
is_flowlet(const struct fab_config *cfg, const struct fab_prefix *p)
{
	size_t	i;

	for (i = 0; i < cfg->policy.nflowlet_prefixes; i++)
		if (fab_prefix_eq(&cfg->policy.flowlet_prefixes[i], p))
			return 1;
	return 0;
}

static void
to_bgp_prefix(const struct fab_prefix *fp, struct bgp_prefix *bp)
{
	memset(bp, 0, sizeof(*bp));
	bp->aid = fp->af == AF_INET ? AID_IPV4 : AID_IPV6;
	bp->plen = fp->len;
	if (fp->af == AF_INET)
		memcpy(&bp->addr.v4, fp->addr, 4);
	else
		memcpy(&bp->addr.v6, fp->addr, 16);
}

static int
path_attrs(struct fabricd *d, const struct fd_block *b, uint32_t pos,
    const struct fab_prefix *fp, struct bgp_attrs *a)
{
	const struct fab_node	*n = &d->cfg->fabric->nodes[b->node];
	uint32_t		 li = n->adj[pos];
	const char		*nh = fab_config_nexthop(d->cfg, li, b->node);
	uint16_t		 as2 = n->asn > 65535 ? AS_TRANS : n->asn;
	static uint32_t		 comm, lc[3];

	memset(a, 0, sizeof(*a));
	if (fp->af == AF_INET) {
		if (inet_pton(AF_INET, nh, &a->nexthop) != 1)
			return -1;
		a->present |= 1ULL << ATTR_NEXTHOP;
	} else {
		if (inet_pton(AF_INET6, nh, &a->mp_nh6[0]) != 1)
			return -1;
		a->mp_nh_len = 16;
	}
	a->present |= 1ULL << ATTR_ORIGIN | 1ULL << ATTR_ASPATH |
	    1ULL << ATTR_LOCALPREF | 1ULL << ATTR_EXT_COMMUNITIES |
	    1ULL << ATTR_COMMUNITIES;
	a->origin = ORIGIN_IGP;
	a->local_pref = FD_LOCAL_PREF;
	comm = COMMUNITY_NO_ADVERTISE;
	a->communities = &comm;
	a->ncommunities = 1;
	if (is_flowlet(d->cfg, fp)) {
		lc[0] = htonl(FD_FLOWLET_LC_GA);
		lc[1] = htonl(FD_FLOWLET_LC_L1);
		lc[2] = htonl(FD_FLOWLET_LC_L2);
		a->large_communities = (uint8_t *)lc;
		a->nlarge_communities = 1;
		a->present |= 1ULL << ATTR_LARGE_COMMUNITIES;
	}
	if ((a->ext_communities = malloc(8)) == NULL)
		return -1;
	a->next_communities = 1;
	return bgp_ext_community_lb(as2, lbw_mbps_to_bytes(b->mbps[pos]),
	    a->ext_communities);
}

static void
attrs_release(struct bgp_attrs *a, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(a[i].ext_communities);
}

/* Puts block b's announced paths into its switch's Adj-RIB-Out. */
static int
announce(struct fabricd *d, struct fd_block *b)
{
	struct fd_peer		*p = peer_of(d, b->node);
	struct bgp_attrs	*a;
	struct bgp_prefix	 bp;
	size_t			 i, k;
	uint32_t		 pos;
	int			 rc = 0;

	if (p == NULL)
		return 0;
	if ((a = calloc(b->n + 1, sizeof(*a))) == NULL)
		return -1;
	for (i = 0; i < d->cfg->ndests && rc == 0; i++) {
		if (d->cfg->dests[i].node != b->dst)
			continue;
		k = 0;
		for (pos = 0; pos < b->n && rc == 0; pos++)
			if (b->mbps[pos] > 0 && (rc = path_attrs(d, b, pos,
			    &d->cfg->dests[i].pfx, &a[k++])) == -1)
				log_warnx("%s: link %s: no next-hop address "
				    "(give the link's address or the node's "
				    "loopback)", d->cfg->fabric->nodes[b->node].name,
				    d->cfg->link_names[d->cfg->fabric->nodes[
				    b->node].adj[pos]]);
		to_bgp_prefix(&d->cfg->dests[i].pfx, &bp);
		if (rc == 0)
			rc = bgp_rib_set(p->rib, &bp, a, k);
		attrs_release(a, k);
	}
	free(a);
	return rc;
}

/*
 * Announces one prefix from `node' over the links with mbps[pos] > 0 (by
 * adjacency position); none withdraws it.  For the pinned host routes.
 */
int
fd_announce_prefix(struct fabricd *d, uint32_t node,
    const struct fab_prefix *fp, const uint32_t *mbps, uint32_t n)
{
	struct fd_block		 tmp = { .node = node, .n = n,
				    .mbps = (uint32_t *)(uintptr_t)mbps };
	struct fd_peer		*p = peer_of(d, node);
	struct bgp_attrs	*a;
	struct bgp_prefix	 bp;
	size_t			 k = 0;
	uint32_t		 pos;
	int			 rc = 0;

	if (p == NULL)
		return 0;
	if ((a = calloc(n + 1, sizeof(*a))) == NULL)
		return -1;
	for (pos = 0; pos < n && rc == 0; pos++)
		if (mbps != NULL && mbps[pos] > 0)
			rc = path_attrs(d, &tmp, pos, fp, &a[k++]);
	to_bgp_prefix(fp, &bp);
	if (rc == 0)
		rc = bgp_rib_set(p->rib, &bp, a, k);
	attrs_release(a, k);
	free(a);
	return rc;
}

static void
block_withdraw(struct fabricd *d, struct fd_block *b)
{
	const struct fabric	*f = d->cfg->fabric;

	if (!b->announced)
		return;
	log_warnx("%s: %s has no path to %s in the model: its routes are "
	    "withdrawn and FRR's own routing takes over", FD_E_LASTPATH,
	    f->nodes[b->node].name, f->nodes[b->dst].name);
	memset(b->mbps, 0, b->n * sizeof(*b->mbps));
	memset(b->applied, 0, b->n * sizeof(*b->applied));
	announce(d, b);
	b->announced = 0;
}

/*
 * Paths the probe found failed get nothing, unless that would be all of
 * them: then the probe is not believed (FD-LASTPATH), the model is.
 */
static int
probe_zero(struct fabricd *d, struct fd_block *b, double *t, int found,
    uint64_t now)
{
	const struct fab_node	*n = &d->cfg->fabric->nodes[b->node];
	uint32_t		 pos;
	int			 failed = 0;

	if (d->npaths == 0)
		return found;
	for (pos = 0; pos < b->n; pos++)
		failed += t[pos] > 0 && fd_probe_failed(d, b->node, b->dst,
		    n->adj[pos], now);
	if (failed == 0)
		return found;
	if (failed == found) {
		if (!b->all_failed)
			log_warnx("%s: the probe says every path from %s to %s "
			    "failed: keeping them", FD_E_LASTPATH, n->name,
			    d->cfg->fabric->nodes[b->dst].name);
		b->all_failed = 1;
		return found;
	}
	b->all_failed = 0;
	for (pos = 0; pos < b->n; pos++)
		if (t[pos] > 0 && fd_probe_failed(d, b->node, b->dst,
		    n->adj[pos], now))
			t[pos] = 0;
	return found - failed;
}

/* The target shares over the switch's links, from the computation. */
static int
block_target(struct fabricd *d, struct fd_block *b, double *t, uint64_t now)
{
	const struct fab_node	*n = &d->cfg->fabric->nodes[b->node];
	const struct route_nh	*nh;
	int			 k, i, found = 0;
	uint32_t		 pos;

	memset(t, 0, b->n * sizeof(*t));
	k = route_nexthops(d->routes, b->node, b->dst, &nh);
	for (i = 0; i < k; i++)
		for (pos = 0; pos < b->n; pos++)
			if (n->adj[pos] == nh[i].link && nh[i].weight > 0) {
				t[pos] += nh[i].weight;
				found++;
			}
	return found > 0 ? probe_zero(d, b, t, found, now) : 0;
}

/* Moves in the last minute, from per-second counts. */
static int
moves_allowed(struct fabricd *d, uint64_t now)
{
	uint32_t	limit = d->cfg->policy.max_moves_per_minute;
	uint64_t	sec = now / 1000, recent = 0;
	size_t		i;

	if (limit == 0)
		return 1;
	for (i = 0; i < 60; i++)
		if (d->move_sec[i] + 60 > sec)
			recent += d->move_count[i];
	return recent < limit;
}

static void
move_record(struct fabricd *d, uint64_t now)
{
	uint64_t	sec = now / 1000;
	size_t		i = sec % 60;

	if (d->move_sec[i] != sec) {
		d->move_sec[i] = sec;
		d->move_count[i] = 0;
	}
	d->move_count[i]++;
}

/* Quantises the applied shares; 1 if what FRR installs changes. */
static int
block_quantise(struct fabricd *d, struct fd_block *b)
{
	double		 t[LBW_PATHS_MAX];
	uint32_t	 map[LBW_PATHS_MAX], pos, mbps[1024] = {};
	struct lbw_plan	 plan;
	size_t		 k = 0, i;

	for (pos = 0; pos < b->n && k < LBW_PATHS_MAX; pos++)
		if (b->applied[pos] > 1e-9) {
			map[k] = pos;
			t[k++] = b->applied[pos];
		}
	if (k == 0 || lbw_plan(t, k, &plan) == -1)
		return -1;
	for (i = 0; i < k; i++)
		mbps[map[i]] = plan.mbps[i];
	if (b->announced && memcmp(mbps, b->mbps, b->n * sizeof(*mbps)) == 0)
		return 0;
	memcpy(b->mbps, mbps, b->n * sizeof(*mbps));
	memset(b->frr, 0, b->n * sizeof(*b->frr));
	for (i = 0; i < k; i++)
		b->frr[map[i]] = plan.weight[i];
	b->err = plan.max_err;
	return 1;
}

/* Do the target and the weights in force use different links? */
static int
support_differs(const struct fd_block *b, const double *t)
{
	uint32_t	pos;

	for (pos = 0; pos < b->n; pos++)
		if ((t[pos] > 0) != (b->applied[pos] > 1e-9))
			return 1;
	return 0;
}

/*
 * Hysteresis stops the weights short of a target that holds still (the
 * last step is smaller than min-change).  Once the EWMA has arrived, the
 * weights go the rest of the way: after a fault is gone, equal paths get
 * equal weights again, not 46/54.  1 if the weights moved.
 */
static int
settle(struct fd_block *b, const double *t)
{
	double		sum = 0, far = 0, off = 0;
	uint32_t	pos;

	for (pos = 0; pos < b->n; pos++)
		sum += t[pos];
	if (sum <= 0)
		return 0;
	for (pos = 0; pos < b->n; pos++) {
		far = fmax(far, fabs(b->ewma[pos] - t[pos] / sum));
		off = fmax(off, fabs(b->applied[pos] - t[pos] / sum));
	}
	if (far > 0.01 || off < 0.005)
		return 0;
	for (pos = 0; pos < b->n; pos++)
		b->applied[pos] = b->ewma[pos] = t[pos] / sum;
	return 1;
}

/* One block: 1 if its announcement changed. */
static int
block_step(struct fabricd *d, struct fd_block *b, uint64_t now)
{
	const struct fab_policy	*p = &d->cfg->policy;
	struct route_smooth	 sm;
	double			 t[1024];
	int			 changed;

	if (b->n > 1024)
		return 0;
	if (block_target(d, b, t, now) == 0) {
		block_withdraw(d, b);
		return 0;
	}
	if (!b->announced || ((d->frozen || !moves_allowed(d, now)) &&
	    support_differs(b, t))) {
		/* first announcement, or links gone or back (drain, undrain,
		   failure) while weights are frozen: straight to the target */
		route_smooth_apply(&(struct route_smooth){ 1, 0, 0 }, b->ewma,
		    t, b->n, b->applied);
	} else {
		sm.alpha = p->ewma_alpha > 0 ? p->ewma_alpha : 1;
		sm.min_change = fmax(p->min_change, p->hysteresis);
		sm.max_step = p->max_step;
		if (d->frozen || !moves_allowed(d, now))
			sm.alpha = 0, sm.min_change = 2;  /* only failures */
		if (route_smooth_apply(&sm, b->ewma, t, b->n,
		    b->applied) != 1 && (d->frozen || !settle(b, t)))
			return 0;
	}
	if ((changed = block_quantise(d, b)) != 1)
		return 0;
	if (announce(d, b) == -1) {
		log_warn("%s -> %s: announcing",
		    d->cfg->fabric->nodes[b->node].name,
		    d->cfg->fabric->nodes[b->dst].name);
		return 0;
	}
	if (b->announced)
		move_record(d, now);
	b->announced = 1;
	b->moves++;
	return 1;
}

static void
freeze_check(struct fabricd *d, uint64_t now)
{
	char	who[FAB_NAME_MAX];
	int	stale = fd_telemetry_stale(d, now, who, sizeof(who));

	if (stale && !d->frozen) {
		log_warnx("%s: telemetry from %s%s is stale (nothing for %u "
		    "ms): weights frozen", FD_E_STALE, who,
		    stale > 1 ? " and others" : "",
		    d->cfg->policy.telemetry_stale_ms);
		d->freezes++;
	} else if (!stale && d->frozen)
		log_info("telemetry fresh again: weights follow it");
	d->frozen = stale > 0;
}

/* One control step.  Returns the blocks whose announcement changed. */
int
fd_compute(struct fabricd *d, uint64_t now)
{
	size_t	i;
	int	changed = 0;
	int64_t	t0 = mono_ms();

	if (!d->check_only)
		freeze_check(d, now);
	fd_apply_telemetry(d, now);
	if (route_compute(d->routes, d->cfg->fabric, &d->rp) == -1) {
		log_warn("route_compute");
		return 0;
	}
	d->max_err = 0;
	for (i = 0; i < d->nblocks; i++) {
		changed += block_step(d, &d->blocks[i], now);
		if (d->blocks[i].announced)
			d->max_err = fmax(d->max_err, d->blocks[i].err);
	}
	changed += fd_pinned_step(d);
	d->computes++;
	d->last_compute_ms = (double)(mono_ms() - t0);
	if (changed > 0) {
		if (d->push_start_ms == 0)
			d->push_start_ms = (uint64_t)t0;
		d->pushes++;
		d->moves += changed;
		if (d->sp != NULL)
			bgp_speaker_kick(d->sp);
	}
	return changed;
}

/*
 * Would the drains in force leave a switch with no path to a destination
 * it has one to when nothing is drained?  Checked on a copy of the
 * computation before a drain is accepted.
 */
int
fd_drain_check(struct fabricd *d, char *err, size_t errlen)
{
	struct fab_routes	*r = route_new();
	struct fabric		*f = d->cfg->fabric;
	const struct route_nh	*nh;
	size_t			 i;
	int			 rc = 0;

	if (r == NULL)
		return -1;
	fd_apply_telemetry(d, mono_ms());
	if (route_compute(r, f, &d->rp) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < d->nblocks; i++) {
		if (!d->blocks[i].announced ||
		    route_nexthops(r, d->blocks[i].node, d->blocks[i].dst,
		    &nh) > 0)
			continue;
		snprintf(err, errlen, "%s: %s would have no path to %s",
		    FD_E_LASTPATH, f->nodes[d->blocks[i].node].name,
		    f->nodes[d->blocks[i].dst].name);
		rc = -1;
	}
	route_free(r);
	return rc;
}

/* ---- the BGP sessions ------------------------------------------- */

static int
md5_key(const struct fab_config *cfg, char *key, size_t keylen)
{
	FILE	*fp;
	size_t	 n;

	key[0] = '\0';
	if (cfg->bgp.tcp_md5_key_file == NULL)
		return 0;
	if ((fp = fopen(cfg->bgp.tcp_md5_key_file, "r")) == NULL) {
		log_warn("%s: tcp-md5-key-file %s", FD_E_CONFIG,
		    cfg->bgp.tcp_md5_key_file);
		return -1;
	}
	n = fread(key, 1, keylen - 1, fp);
	fclose(fp);
	key[n] = '\0';
	key[strcspn(key, "\r\n")] = '\0';
	if (key[0] == '\0') {
		log_warnx("%s: tcp-md5-key-file %s is empty", FD_E_CONFIG,
		    cfg->bgp.tcp_md5_key_file);
		return -1;
	}
	return 0;
}

static int
peer_config(struct fabricd *d, uint32_t node, struct bgp_rib *rib,
    const char *key, struct bgp_peer_config *pc)
{
	const struct fab_node	*n = &d->cfg->fabric->nodes[node];
	const struct fab_bgp_config *b = &d->cfg->bgp;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", n->name);
	if (bgp_sockaddr_parse(n->bgp_addr, BGP_PORT, &pc->addr) == -1) {
		log_warnx("%s: node %s: bad bgp-address %s", FD_E_CONFIG,
		    n->name, n->bgp_addr);
		return -1;
	}
	if (b->listen_address[0] != '\0')
		bgp_sockaddr_parse(b->listen_address, 0, &pc->local);
	pc->remote_as = n->asn;
	pc->local_as = n->asn;		/* iBGP: the switch's own AS */
	snprintf(pc->md5_key, sizeof(pc->md5_key), "%s", key);
	pc->holdtime = b->hold_time;
	pc->connect_retry = b->connect_retry;
	pc->rib = rib;
	return 0;
}

int
fd_peers_init(struct fabricd *d)
{
	const struct fabric	*f = d->cfg->fabric;
	struct bgp_peer_config	 pc;
	char			 key[BGP_MD5_KEY_MAX + 1];
	uint32_t		 node;
	struct fd_peer		*p;

	if (md5_key(d->cfg, key, sizeof(key)) == -1)
		return -1;
	if ((d->peers = calloc(f->nnodes + 1, sizeof(*d->peers))) == NULL)
		return -1;
	for (node = 0; node < f->nnodes; node++) {
		if (!is_switch(&f->nodes[node]) ||
		    f->nodes[node].bgp_addr[0] == '\0')
			continue;
		if (f->nodes[node].asn == 0) {
			log_warnx("%s: node %s has a bgp-address but no asn",
			    FD_E_CONFIG, f->nodes[node].name);
			return -1;
		}
		p = &d->peers[d->npeers];
		p->node = node;
		if ((p->rib = bgp_rib_new()) == NULL)
			return -1;
		d->npeers++;
		if (peer_config(d, node, p->rib, key, &pc) == -1)
			return -1;
		if (d->sp != NULL && (p->peer = bgp_peer_add(d->sp, &pc)) ==
		    NULL) {
			log_warn("%s: peer %s", FD_E_BGP, pc.name);
			return -1;
		}
	}
	return 0;
}

void
fd_peers_free(struct fabricd *d)
{
	size_t	i;

	for (i = 0; i < d->npeers; i++)
		bgp_rib_free(d->peers[i].rib);
	free(d->peers);
	d->peers = NULL;
	d->npeers = 0;
}

/* ---- reload ------------------------------------------------------- */

static int
same_switch(const struct fab_node *a, const struct fab_node *b)
{
	return strcmp(a->bgp_addr, b->bgp_addr) == 0 && a->asn == b->asn;
}

/* The new blocks take over the state of the old ones of the same
   switch, destination and links, so a reload moves no weight by itself. */
static void
blocks_carry(struct fabricd *d, const struct fab_config *old,
    struct fd_block *ob, size_t nob)
{
	const struct fabric	*f = d->cfg->fabric, *of = old->fabric;
	struct fd_block		*b;
	size_t			 i, j;
	uint32_t		 pos;
	int			 same;

	for (i = 0; i < nob; i++) {
		b = NULL;
		for (j = 0; j < d->nblocks && b == NULL; j++)
			if (strcmp(f->nodes[d->blocks[j].node].name,
			    of->nodes[ob[i].node].name) == 0 &&
			    strcmp(f->nodes[d->blocks[j].dst].name,
			    of->nodes[ob[i].dst].name) == 0)
				b = &d->blocks[j];
		if (b == NULL || b->n != ob[i].n)
			continue;
		same = 1;
		for (pos = 0; pos < b->n; pos++)
			same &= strcmp(d->cfg->link_names[f->nodes[b->node].adj[
			    pos]], old->link_names[of->nodes[ob[i].node].adj[
			    pos]]) == 0;
		if (!same)
			continue;
		memcpy(b->ewma, ob[i].ewma, b->n * sizeof(double));
		memcpy(b->applied, ob[i].applied, b->n * sizeof(double));
		memcpy(b->mbps, ob[i].mbps, b->n * sizeof(uint32_t));
		memcpy(b->frr, ob[i].frr, b->n * sizeof(uint32_t));
		b->err = ob[i].err;
		b->announced = ob[i].announced;
		b->moves = ob[i].moves;
	}
}

/* Withdraws, from a kept switch's RIB, prefixes the new config dropped. */
static void
withdraw_gone(struct fabricd *d, struct fd_peer *p,
    const struct fab_config *old)
{
	struct bgp_prefix	bp;
	size_t			i, j;
	int			kept;

	for (i = 0; i < old->ndests; i++) {
		kept = 0;
		for (j = 0; j < d->cfg->ndests && !kept; j++)
			kept = fab_prefix_eq(&d->cfg->dests[j].pfx,
			    &old->dests[i].pfx);
		if (kept)
			continue;
		to_bgp_prefix(&old->dests[i].pfx, &bp);
		bgp_rib_withdraw(p->rib, &bp);
	}
}

/*
 * After a reload: switches whose address and AS are unchanged keep their
 * session and RIB; others are removed (Cease) or added.
 */
void
fd_peers_reconcile(struct fabricd *d, const struct fab_config *old,
    struct fd_block *ob, size_t nob)
{
	const struct fabric	*f = d->cfg->fabric;
	struct fd_peer		*np, *p;
	struct bgp_peer_config	 pc;
	char			 key[BGP_MD5_KEY_MAX + 1];
	uint32_t		 node, on;
	size_t			 i, n = 0;

	blocks_carry(d, old, ob, nob);
	if (md5_key(d->cfg, key, sizeof(key)) == -1)
		key[0] = '\0';
	if ((np = calloc(f->nnodes + 1, sizeof(*np))) == NULL)
		fatal("reload");
	for (i = 0; i < d->npeers; i++) {
		p = &d->peers[i];
		on = fab_node_find(f, old->fabric->nodes[p->node].name);
		if (on != FAB_NONE && same_switch(&f->nodes[on],
		    &old->fabric->nodes[p->node])) {
			np[n] = *p;
			np[n].node = on;
			withdraw_gone(d, &np[n++], old);
			continue;
		}
		log_info("%s: no longer in the configuration: session "
		    "closed", old->fabric->nodes[p->node].name);
		if (p->peer != NULL)
			bgp_peer_remove(p->peer, CEASE_PEER_UNCONF);
		bgp_rib_free(p->rib);
	}
	for (node = 0; node < f->nnodes; node++) {
		if (!is_switch(&f->nodes[node]) ||
		    f->nodes[node].bgp_addr[0] == '\0' ||
		    f->nodes[node].asn == 0)
			continue;
		for (i = 0; i < n && np[i].node != node; i++)
			;
		if (i < n)
			continue;
		np[n].node = node;
		if ((np[n].rib = bgp_rib_new()) == NULL)
			fatal("reload");
		if (peer_config(d, node, np[n].rib, key, &pc) == 0 &&
		    d->sp != NULL)
			np[n].peer = bgp_peer_add(d->sp, &pc);
		log_info("%s: new in the configuration", f->nodes[node].name);
		n++;
	}
	free(d->peers);
	d->peers = np;
	d->npeers = n;
}

static int
endpoints_same(const struct fab_endpoint *a, size_t na,
    const struct fab_endpoint *b, size_t nb)
{
	size_t	i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].name, b[i].name) != 0 ||
		    strcmp(a[i].address, b[i].address) != 0 ||
		    (a[i].hmac_key_file == NULL) != (b[i].hmac_key_file ==
		    NULL) || (a[i].hmac_key_file != NULL &&
		    strcmp(a[i].hmac_key_file, b[i].hmac_key_file) != 0))
			return 0;
	return 1;
}

/* Drains by fabricctl and running hold-downs survive a reload, by name. */
static void
admin_carry(struct fabricd *d, const struct fab_config *old,
    const struct fabricd *od)
{
	const struct fabric	*f = d->cfg->fabric;
	uint32_t		 i, j;

	for (i = 0; i < old->fabric->nlinks; i++) {
		if ((j = fab_config_link_find(d->cfg, old->link_names[i])) ==
		    FAB_NONE)
			continue;
		if (od->admin[i] == FAB_DRAINED)
			d->admin[j] = FAB_DRAINED;
		d->down_ms[j] = od->down_ms[i];
	}
	for (i = 0; i < old->fabric->nnodes; i++)
		if (od->node_admin[i] == FAB_DRAINED &&
		    (j = fab_node_find(f, old->fabric->nodes[i].name)) !=
		    FAB_NONE)
			d->node_admin[j] = FAB_DRAINED;
}

/*
 * A reload is a transaction: the new file is loaded and checked whole;
 * only if it is good does it replace the running one.  BGP sessions stay
 * up when the speaker's identity and the switch's address and AS are the
 * same; switches that left are removed, new ones added.
 */
int
fd_reload(struct fabricd *d, char *err, size_t errlen)
{
	struct fab_config	*ncfg, *ocfg = d->cfg;
	struct fabricd		 nd = {};
	struct fd_block		*ob;
	size_t			 nob;

	if (fab_config_load(d->cfg_path, &ncfg, err, errlen) == -1) {
		d->reload_failures++;
		return -1;
	}
	if (!endpoints_same(ncfg->telemetry, ncfg->ntelemetry,
	    ocfg->telemetry, ocfg->ntelemetry) ||
	    !endpoints_same(ncfg->probe, ncfg->nprobe, ocfg->probe,
	    ocfg->nprobe)) {
		snprintf(err, errlen, "the telemetry and probe endpoints "
		    "cannot change on reload: restart fabricd");
		fab_config_free(ncfg);
		d->reload_failures++;
		return -1;
	}
	if (ncfg->bgp.local_as != ocfg->bgp.local_as ||
	    ncfg->bgp.router_id_h != ocfg->bgp.router_id_h ||
	    strcmp(ncfg->bgp.listen_address, ocfg->bgp.listen_address) != 0) {
		snprintf(err, errlen, "the BGP identity (local-as, router-id, "
		    "listen-address) cannot change on reload: restart fabricd");
		fab_config_free(ncfg);
		d->reload_failures++;
		return -1;
	}
	nd.cfg = ncfg;
	if (fd_weights_init(&nd) == -1) {
		snprintf(err, errlen, "out of memory");
		fd_weights_free(&nd);
		fab_config_free(ncfg);
		d->reload_failures++;
		return -1;
	}
	admin_carry(&nd, ocfg, d);
	ob = d->blocks;
	nob = d->nblocks;
	d->blocks = NULL;
	d->nblocks = 0;
	fd_weights_free(d);
	d->cfg = ncfg;
	d->nominal = nd.nominal;
	d->admin = nd.admin;
	d->node_admin = nd.node_admin;
	d->down_ms = nd.down_ms;
	d->end_cap = nd.end_cap;
	d->routes = nd.routes;
	d->rp = nd.rp;
	d->blocks = nd.blocks;
	d->nblocks = nd.nblocks;
	fd_peers_reconcile(d, ocfg, ob, nob);
	fd_pinned_remap(d, ocfg);
	free(d->paths);		/* indexed by the old numbering: the */
	d->paths = NULL;	/* probes' next reports bring them back */
	d->npaths = d->pathcap = 0;
	fd_blocks_free(ob, nob);
	fab_config_free(ocfg);
	d->reloads++;
	d->next_compute_ms = 0;
	log_info("reloaded %s: %u nodes, %u links, %zu weight sets",
	    d->cfg_path, ncfg->fabric->nnodes, ncfg->fabric->nlinks,
	    d->nblocks);
	return 0;
}
