/*
 * The flowlet data plane's state and reconciler (flowlet.h).
 *
 * For prefix number i the group is nexthop id base + 64 i and its members
 * take the ids after it, one per (gateway, interface), kept while the
 * path stays so that a weight change is one group replace: the kernel
 * then moves only idle buckets.  The monitor socket hears route and
 * nexthop changes; any that may touch a marked prefix (a main-table route
 * of that prefix, or a nexthop object that is not ours, which FRR may
 * have replaced in place under a route) makes the main table be dumped
 * again and each prefix be reconciled against what FRR has there.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "flowlet.h"
#include "flowlet_nl.h"
#include "log.h"
#include "util.h"

#define FL_RETRY_MS	1000

struct fl_prefix {
	struct flowlet_prefix	 p;
	int			 active;	/* marked: slot in use */
	int			 learned;	/* from FRR, not the command line */
	struct flowlet_route	 want;		/* FRR's, from main */
	int			 have_want;
	struct flowlet_route	 inst;		/* what the group mirrors */
	int			 installed;	/* group and route exist */
	int			 pending;	/* want changed by an event */
	struct flowlet_nh	 members[FLOWLET_NHID_STRIDE];	/* [0] unused */
	uint8_t			 used[FLOWLET_NHID_STRIDE];
};

struct flowlet {
	struct flowlet_conf	 conf;
	struct nl_sock		*sk;	/* requests and dumps */
	struct nl_sock		*ev;	/* route and nexthop monitor */
	struct fl_prefix	*pfx;		/* FLOWLET_MAX_PREFIXES slots */
	int			 npfx;		/* slots ever used */
	int			 dirty;		/* dump main again */
	int			 pending;	/* some prefix's want changed */
	int			 bgp_changed;	/* a BGP route in main changed */
	uint64_t		 retry_at;	/* mono ms; 0: none */
	flowlet_change_cb	 cb;
	void			*cb_arg;
	uint64_t		 syncs, changes, errors;
};

void
flowlet_conf_default(struct flowlet_conf *c)
{
	c->table = FLOWLET_DEF_TABLE;
	c->pref = FLOWLET_DEF_PREF;
	c->nhid_base = FLOWLET_DEF_NHID_BASE;
	c->buckets = FLOWLET_DEF_BUCKETS;
	c->idle_ms = FLOWLET_DEF_IDLE_MS;
	c->unbalanced_ms = FLOWLET_DEF_UNBAL_MS;
}

static int
ours(const struct flowlet_conf *c, uint32_t id)
{
	return id >= c->nhid_base && id - c->nhid_base < FLOWLET_NHID_SPAN;
}

static uint32_t
grp_id(const struct flowlet *fl, int i)
{
	return fl->conf.nhid_base + (uint32_t)i * FLOWLET_NHID_STRIDE;
}

/* ---- clean-up: what carries our marks, whoever left it ---- */

struct fl_sweep {
	const struct flowlet_conf *conf;
	uint32_t		 ids[FLOWLET_NHID_SPAN];
	int			 nids, ngroups;
	int			 nrules;
	struct flowlet_route	 routes[FLOWLET_MAX_PREFIXES];
	int			 nroutes;
	uint32_t		 prefs[16];
};

static int
sweep_nh(struct nlmsghdr *nlh, void *arg)
{
	struct fl_sweep	*s = arg;
	uint32_t	 id, tmp;
	uint8_t		 proto;
	int		 group;

	if (nlh->nlmsg_type != RTM_NEWNEXTHOP ||
	    fl_nh_parse(nlh, &id, &proto, &group) == -1 ||
	    !ours(s->conf, id) || proto != FLOWLET_RTPROT ||
	    s->nids >= FLOWLET_NHID_SPAN)
		return 0;
	/* Groups first: a member in use by a group would take it along. */
	s->ids[s->nids++] = id;
	if (group) {
		tmp = s->ids[s->ngroups];
		s->ids[s->ngroups++] = id;
		s->ids[s->nids - 1] = tmp;
	}
	return 0;
}

static int
sweep_rule(struct nlmsghdr *nlh, void *arg)
{
	struct fl_sweep	*s = arg;
	uint32_t	 table, pref;
	uint8_t		 proto;

	if (nlh->nlmsg_type != RTM_NEWRULE ||
	    fl_rule_parse(nlh, &table, &pref, &proto) == -1 ||
	    table != s->conf->table || proto != FLOWLET_RTPROT ||
	    s->nrules >= (int)(sizeof(s->prefs) / sizeof(s->prefs[0])))
		return 0;
	s->prefs[s->nrules++] = pref;
	return 0;
}

static int
sweep_route(struct nlmsghdr *nlh, void *arg)
{
	struct fl_sweep		*s = arg;
	struct flowlet_route	*r;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    s->nroutes >= FLOWLET_MAX_PREFIXES)
		return 0;
	r = &s->routes[s->nroutes];
	if (flowlet_route_parse(nlh, r) == -1 || r->table != s->conf->table ||
	    r->protocol != FLOWLET_RTPROT)
		return 0;
	s->nroutes++;
	return 0;
}

static int
sweep_family(struct nl_sock *sk, struct fl_sweep *s, int family)
{
	char	 buf[64];
	int	 i, n = 0, rc;

	s->nrules = s->nroutes = 0;
	if (fl_dump(sk, RTM_GETRULE, family, sweep_rule, s) < 0 ||
	    fl_dump(sk, RTM_GETROUTE, family, sweep_route, s) < 0)
		return -1;
	for (i = 0; i < s->nrules; i++)
		if ((rc = fl_rule(sk, 0, family, s->conf->table,
		    s->prefs[i])) == 0)
			n++;
		else
			log_warnx("flowlet: remove rule pref %u lookup %u: %s",
			    s->prefs[i], s->conf->table, nl_geterror(rc));
	for (i = 0; i < s->nroutes; i++)
		if ((rc = fl_route_del(sk, s->conf->table,
		    &s->routes[i].dst)) == 0)
			n++;
		else
			log_warnx("flowlet: remove route %s table %u: %s",
			    flowlet_prefix_str(&s->routes[i].dst, buf,
			    sizeof(buf)), s->conf->table, nl_geterror(rc));
	return n;
}

/*
 * Removes every rule, route and nexthop object that carries our marks:
 * rules first, so that traffic is back on the main table before anything
 * it might use goes.  Returns how many objects went, or -1.
 */
static int
sweep(struct nl_sock *sk, const struct flowlet_conf *c)
{
	struct fl_sweep	*s;
	int		 n = 0, k, i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->conf = c;
	if ((k = sweep_family(sk, s, AF_INET)) < 0 ||
	    (n = k, k = sweep_family(sk, s, AF_INET6)) < 0 ||
	    fl_dump(sk, RTM_GETNEXTHOP, AF_UNSPEC, sweep_nh, s) < 0) {
		free(s);
		return -1;
	}
	n += k;
	for (i = 0; i < s->nids; i++)
		if ((k = fl_nh_del(sk, s->ids[i])) == 0)
			n++;
		else
			log_warnx("flowlet: remove nexthop %u: %s", s->ids[i],
			    nl_geterror(k));
	free(s);
	return n;
}

int
flowlet_cleanup(const struct flowlet_conf *c)
{
	struct nl_sock	*sk;
	int		 n;

	if ((sk = fl_nl_open()) == NULL)
		return -1;
	n = sweep(sk, c);
	nl_socket_free(sk);
	return n;
}

/* ---- reconcile one prefix ---- */

static void
report(struct flowlet *fl, struct fl_prefix *x)
{
	struct flowlet_route	 none = { .dst = x->p };

	if (fl->cb != NULL)
		fl->cb(x->have_want ? &x->want : &none, x->installed,
		    fl->cb_arg);
}

static void
fl_fail(struct flowlet *fl, struct fl_prefix *x, const char *what, int rc)
{
	char	 buf[64];

	log_warnx("flowlet %s: %s: %s", flowlet_prefix_str(&x->p, buf,
	    sizeof(buf)), what, nl_geterror(rc));
	fl->errors++;
	fl->retry_at = mono_ms() + FL_RETRY_MS;
}

static void
unmirror(struct flowlet *fl, int i)
{
	struct fl_prefix	*x = &fl->pfx[i];
	int			 s;

	if (!x->installed)
		return;
	fl_route_del(fl->sk, fl->conf.table, &x->p);
	fl_nh_del(fl->sk, grp_id(fl, i));
	for (s = 1; s < FLOWLET_NHID_STRIDE; s++)
		if (x->used[s]) {
			fl_nh_del(fl->sk, grp_id(fl, i) + s);
			x->used[s] = 0;
		}
	x->installed = 0;
}

static int
member_find(struct fl_prefix *x, const struct flowlet_nh *nh)
{
	int	 s;

	for (s = 1; s < FLOWLET_NHID_STRIDE; s++)
		if (x->used[s] && x->members[s].oif == nh->oif &&
		    x->members[s].family == nh->family &&
		    memcmp(x->members[s].gw, nh->gw, sizeof(nh->gw)) == 0)
			return s;
	return 0;
}

/* Member ids for every next-hop FRR has, creating those we lack. */
static int
members_ensure(struct flowlet *fl, int i, struct fl_grp_member *m)
{
	struct fl_prefix	*x = &fl->pfx[i];
	int			 k, s, rc;

	for (k = 0; k < x->want.n; k++) {
		if ((s = member_find(x, &x->want.nh[k])) == 0) {
			for (s = 1; s < FLOWLET_NHID_STRIDE && x->used[s]; s++)
				;
			if (s == FLOWLET_NHID_STRIDE)
				return -NLE_RANGE;
			if ((rc = fl_nh_add(fl->sk, grp_id(fl, i) + s,
			    &x->want.nh[k])) < 0)
				return rc;
			x->members[s] = x->want.nh[k];
			x->used[s] = 1;
		}
		m[k] = (struct fl_grp_member){ .id = grp_id(fl, i) + s,
		    .weight = x->want.nh[k].weight };
	}
	return 0;
}

/* Members that FRR no longer uses go after the group stopped using them. */
static void
members_prune(struct flowlet *fl, int i)
{
	struct fl_prefix	*x = &fl->pfx[i];
	int			 s, k, keep;

	for (s = 1; s < FLOWLET_NHID_STRIDE; s++) {
		if (!x->used[s])
			continue;
		for (k = 0, keep = 0; k < x->want.n && !keep; k++)
			keep = member_find(x, &x->want.nh[k]) == s;
		if (!keep) {
			fl_nh_del(fl->sk, grp_id(fl, i) + s);
			x->used[s] = 0;
		}
	}
}

/*
 * The kernel removes a nexthop whose device goes down, and says nothing
 * (no RTM_DELNEXTHOP); a group naming it is then refused.  Start the
 * members afresh on the retry: those that are still there are replaced
 * in place, the group keeps its buckets.
 */
static void
members_forget(struct flowlet *fl, int i)
{
	struct fl_prefix	*x = &fl->pfx[i];
	int			 s;

	for (s = 1; s < FLOWLET_NHID_STRIDE; s++)
		x->used[s] = 0;
}

static int
mirror(struct flowlet *fl, int i)
{
	struct fl_prefix	*x = &fl->pfx[i];
	struct fl_grp_member	 m[FLOWLET_MAX_NH];
	struct fl_res_conf	 rc = { fl->conf.buckets, fl->conf.idle_ms,
				    fl->conf.unbalanced_ms };
	int			 err;

	if ((err = members_ensure(fl, i, m)) < 0) {
		fl_fail(fl, x, "add member nexthop", err);
		return -1;
	}
	if ((err = fl_grp_set(fl->sk, grp_id(fl, i), m, x->want.n, &rc,
	    x->installed)) < 0) {
		fl_fail(fl, x, "set resilient group", err);
		members_forget(fl, i);
		return -1;
	}
	if (!x->installed && (err = fl_route_set(fl->sk, fl->conf.table,
	    &x->p, grp_id(fl, i))) < 0) {
		fl_fail(fl, x, "add route", err);
		fl_nh_del(fl->sk, grp_id(fl, i));
		return -1;
	}
	members_prune(fl, i);
	x->inst = x->want;
	x->installed = 1;
	return 0;
}

static void
log_change(struct fl_prefix *x)
{
	char	 buf[64], w[FLOWLET_MAX_NH * 5 + 1];
	int	 k;
	size_t	 off = 0;

	w[0] = '\0';
	for (k = 0; k < x->want.n && off < sizeof(w); k++)
		off += snprintf(w + off, sizeof(w) - off, "%s%u",
		    k ? ":" : "", x->want.nh[k].weight);
	log_info("flowlet %s: %d next-hops, weights %s",
	    flowlet_prefix_str(&x->p, buf, sizeof(buf)), x->want.n, w);
}

static void
reconcile(struct flowlet *fl, int i)
{
	struct fl_prefix	*x = &fl->pfx[i];
	int			 was = x->installed;

	if (!x->have_want || x->want.n == 0) {
		if (was) {
			unmirror(fl, i);
			log_info("flowlet: %s gone from main: unmirrored",
			    flowlet_prefix_str(&x->p, (char[64]){ 0 }, 64));
			fl->changes++;
			report(fl, x);
		}
		return;
	}
	if (was && flowlet_nh_same(&x->inst, &x->want))
		return;
	if (mirror(fl, i) == -1)
		return;
	fl->changes++;
	log_change(x);
	report(fl, x);
}

/* ---- reading FRR's routes from main ---- */

static struct fl_prefix *
pfx_find(struct flowlet *fl, const struct flowlet_prefix *p)
{
	int	 i;

	for (i = 0; i < fl->npfx; i++)
		if (fl->pfx[i].active && flowlet_prefix_eq(&fl->pfx[i].p, p))
			return &fl->pfx[i];
	return NULL;
}

/* Of several main routes for a prefix, the kernel uses the lowest metric. */
static int
main_route(struct nlmsghdr *nlh, void *arg)
{
	struct flowlet		*fl = arg;
	struct flowlet_route	 r;
	struct fl_prefix	*x;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    flowlet_route_parse(nlh, &r) == -1 ||
	    r.table != FLOWLET_MAIN_TABLE || r.type != RTN_UNICAST ||
	    (x = pfx_find(fl, &r.dst)) == NULL)
		return 0;
	if (x->have_want && x->want.priority <= r.priority)
		return 0;
	x->want = r;
	x->have_want = 1;
	return 0;
}

static int
sync_main(struct flowlet *fl)
{
	int	 i, v4 = 0, v6 = 0;

	for (i = 0; i < fl->npfx; i++) {
		fl->pfx[i].have_want = 0;
		v4 |= fl->pfx[i].p.family == AF_INET;
		v6 |= fl->pfx[i].p.family == AF_INET6;
	}
	if ((v4 && fl_dump(fl->sk, RTM_GETROUTE, AF_INET, main_route,
	    fl) < 0) || (v6 && fl_dump(fl->sk, RTM_GETROUTE, AF_INET6,
	    main_route, fl) < 0)) {
		log_warnx("flowlet: cannot dump the main table");
		fl->retry_at = mono_ms() + FL_RETRY_MS;
		return -1;
	}
	fl->syncs++;
	fl->dirty = fl->pending = 0;
	fl->retry_at = 0;
	for (i = 0; i < fl->npfx; i++)
		if (fl->pfx[i].active) {
			fl->pfx[i].pending = 0;
			reconcile(fl, i);
		}
	return 0;
}

/* ---- the monitor ---- */

/*
 * A main-table route of a marked prefix.  The notification holds the
 * whole route, next-hops and weights expanded, so a new or replaced route
 * with the lowest metric so far is taken as it is, without a dump of
 * main (which grows with the table: 4.7 ms at 10,000 routes).  A route
 * deleted, or not unicast, may uncover another: dump.
 */
static void
monitor_route(struct flowlet *fl, int type, const struct flowlet_route *r)
{
	struct fl_prefix	*x;

	if ((x = pfx_find(fl, &r->dst)) == NULL)
		return;
	if (type == RTM_DELROUTE || r->type != RTN_UNICAST) {
		fl->dirty = 1;
		return;
	}
	if (x->have_want && r->priority > x->want.priority)
		return;		/* not the route the kernel uses */
	x->want = *r;
	x->have_want = 1;
	x->pending = 1;
	fl->pending = 1;
}

/*
 * A nexthop object that is not ours changed.  zebra gives a changed set
 * of next-hops a new group and replaces the route (which the route
 * notification brings); only a group replaced or deleted under a marked
 * route, which no route notification reports, needs a dump.
 */
static void
monitor_nexthop(struct flowlet *fl, uint32_t id)
{
	int	 i;

	if (ours(&fl->conf, id))
		return;
	for (i = 0; i < fl->npfx; i++)
		if (fl->pfx[i].active && fl->pfx[i].have_want &&
		    fl->pfx[i].want.nhid == id)
			fl->dirty = 1;
}

static int
monitor_msg(struct nl_msg *msg, void *arg)
{
	struct flowlet		*fl = arg;
	struct nlmsghdr		*nlh = nlmsg_hdr(msg);
	struct flowlet_route	 r;
	uint32_t		 id;
	uint8_t			 proto;
	int			 group;

	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (flowlet_route_parse(nlh, &r) == -1 ||
		    r.table != FLOWLET_MAIN_TABLE)
			break;
		monitor_route(fl, nlh->nlmsg_type, &r);
		if (r.protocol == FLOWLET_RTPROT_BGP)
			fl->bgp_changed = 1;
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		if (fl_nh_parse(nlh, &id, &proto, &group) == 0)
			monitor_nexthop(fl, id);
		break;
	}
	return NL_OK;
}

static void
reconcile_pending(struct flowlet *fl)
{
	int	 i;

	for (i = 0; i < fl->npfx; i++)
		if (fl->pfx[i].active && fl->pfx[i].pending) {
			fl->pfx[i].pending = 0;
			reconcile(fl, i);
		}
	fl->pending = 0;
}

static int
monitor_open(struct flowlet *fl)
{
	if ((fl->ev = nl_socket_alloc()) == NULL)
		return -1;
	nl_socket_disable_seq_check(fl->ev);
	nl_socket_modify_cb(fl->ev, NL_CB_VALID, NL_CB_CUSTOM, monitor_msg,
	    fl);
	if (nl_connect(fl->ev, NETLINK_ROUTE) < 0 ||
	    nl_socket_add_memberships(fl->ev, RTNLGRP_IPV4_ROUTE,
	    RTNLGRP_IPV6_ROUTE, RTNLGRP_NEXTHOP, 0) < 0 ||
	    nl_socket_set_nonblocking(fl->ev) < 0 ||
	    nl_socket_set_buffer_size(fl->ev, 4 << 20, 0) < 0)
		return -1;
	return 0;
}

int
flowlet_event_fd(const struct flowlet *fl)
{
	return nl_socket_get_fd(fl->ev);
}

/*
 * Drains the monitor, then syncs once if anything concerned us.  A lost
 * event (the socket overran) is treated as a change: dump and compare.
 */
int
flowlet_events(struct flowlet *fl)
{
	int	 rc;

	while ((rc = nl_recvmsgs_default(fl->ev)) >= 0)
		;
	if (rc != -NLE_AGAIN) {
		log_warnx("flowlet monitor: %s: resyncing", nl_geterror(rc));
		fl->dirty = 1;
	}
	if (fl->dirty)
		sync_main(fl);
	else if (fl->pending)
		reconcile_pending(fl);
	return 0;
}

/* ms until flowlet_tick() has work (a retry), or -1: none. */
long
flowlet_timeout(const struct flowlet *fl)
{
	uint64_t	 now = mono_ms();

	if (fl->retry_at == 0)
		return -1;
	return fl->retry_at > now ? (long)(fl->retry_at - now) : 0;
}

void
flowlet_tick(struct flowlet *fl)
{
	if (fl->retry_at != 0 && mono_ms() >= fl->retry_at)
		sync_main(fl);
}

/* Tells the callback the state of every marked prefix (a refresh). */
void
flowlet_report_all(struct flowlet *fl)
{
	int	 i;

	for (i = 0; i < fl->npfx; i++)
		if (fl->pfx[i].active)
			report(fl, &fl->pfx[i]);
}

/* Whether a BGP route in main changed since the last call. */
int
flowlet_bgp_changed(struct flowlet *fl)
{
	int	 c = fl->bgp_changed;

	fl->bgp_changed = 0;
	return c;
}

static int
slot_new(struct flowlet *fl, const struct flowlet_prefix *p)
{
	int	 i;

	for (i = 0; i < FLOWLET_MAX_PREFIXES && fl->pfx[i].active; i++)
		;
	if (i == FLOWLET_MAX_PREFIXES)
		return -1;
	fl->pfx[i] = (struct fl_prefix){ .p = *p, .active = 1,
	    .learned = 1 };
	if (i >= fl->npfx)
		fl->npfx = i + 1;
	return i;
}

static int
in_set(const struct flowlet_prefix *set, int n, const struct flowlet_prefix *p)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (flowlet_prefix_eq(&set[i], p))
			return 1;
	return 0;
}

/*
 * The prefixes FRR marks now (routes with the controller's community):
 * new ones are mirrored, learned ones no longer marked are given back to
 * main.  Those of the command line stay whatever FRR says.
 */
void
flowlet_mark(struct flowlet *fl, const struct flowlet_prefix *set, int n)
{
	struct fl_prefix	*x;
	char			 buf[64];
	int			 i, changed = 0;

	for (i = 0; i < fl->npfx; i++) {
		x = &fl->pfx[i];
		if (!x->active || !x->learned || in_set(set, n, &x->p))
			continue;
		log_info("flowlet %s: no longer marked",
		    flowlet_prefix_str(&x->p, buf, sizeof(buf)));
		unmirror(fl, i);
		x->have_want = 0;
		report(fl, x);
		x->active = 0;
	}
	for (i = 0; i < n; i++) {
		if (pfx_find(fl, &set[i]) != NULL)
			continue;
		if (slot_new(fl, &set[i]) == -1) {
			log_warnx("flowlet %s: more than %d prefixes",
			    flowlet_prefix_str(&set[i], buf, sizeof(buf)),
			    FLOWLET_MAX_PREFIXES);
			continue;
		}
		log_info("flowlet %s: marked by FRR",
		    flowlet_prefix_str(&set[i], buf, sizeof(buf)));
		changed = 1;
	}
	if (changed)
		sync_main(fl);
}

/* ---- open and close ---- */

static int
rules_add(struct flowlet *fl)
{
	int	 i, v4 = 0, v6 = 0, rc;

	for (i = 0; i < fl->npfx; i++) {
		v4 |= fl->pfx[i].p.family == AF_INET;
		v6 |= fl->pfx[i].p.family == AF_INET6;
	}
	/* Prefixes learned from FRR may come in either family. */
	if (fl->conf.learn)
		v4 = v6 = 1;
	if ((v4 && (rc = fl_rule(fl->sk, 1, AF_INET, fl->conf.table,
	    fl->conf.pref)) < 0) || (v6 && (rc = fl_rule(fl->sk, 1, AF_INET6,
	    fl->conf.table, fl->conf.pref)) < 0)) {
		log_warnx("flowlet: add rule pref %u lookup %u: %s",
		    fl->conf.pref, fl->conf.table, nl_geterror(rc));
		return -1;
	}
	return 0;
}

static int
flowlet_start(struct flowlet *fl)
{
	int	 n;

	if ((fl->sk = fl_nl_open()) == NULL || monitor_open(fl) == -1) {
		log_warnx("flowlet: netlink sockets: %s", strerror(errno));
		return -1;
	}
	if ((n = sweep(fl->sk, &fl->conf)) < 0) {
		log_warnx("flowlet: cannot list rules, routes and nexthops");
		return -1;
	}
	if (n > 0)
		log_info("flowlet: removed %d objects a previous run left", n);
	if (rules_add(fl) == -1)
		return -1;
	return sync_main(fl) == -1 && fl->retry_at == 0 ? -1 : 0;
}

/*
 * Opens the sockets, removes what an earlier run left (rules, routes and
 * nexthops with our marks), adds our rule and mirrors every marked prefix
 * that FRR has in main.  NULL: failed, and logged.
 */
struct flowlet *
flowlet_open(const struct flowlet_conf *c, flowlet_change_cb cb, void *arg)
{
	struct flowlet	*fl;
	int		 i;

	if ((fl = calloc(1, sizeof(*fl))) == NULL ||
	    (fl->pfx = calloc(FLOWLET_MAX_PREFIXES, sizeof(*fl->pfx))) ==
	    NULL) {
		free(fl);
		log_warn("flowlet: calloc");
		return NULL;
	}
	fl->conf = *c;
	fl->cb = cb;
	fl->cb_arg = arg;
	fl->npfx = c->nprefixes;
	for (i = 0; i < fl->npfx; i++) {
		fl->pfx[i].p = c->prefixes[i];
		fl->pfx[i].active = 1;
	}
	if (flowlet_start(fl) == -1) {
		flowlet_close(fl);
		return NULL;
	}
	return fl;
}

/* Removes all we added: the rule first, so nothing is ever unrouted. */
void
flowlet_close(struct flowlet *fl)
{
	int	 n;

	if (fl == NULL)
		return;
	if (fl->sk != NULL) {
		if ((n = sweep(fl->sk, &fl->conf)) < 0)
			log_warnx("flowlet: clean-up failed");
		else
			log_info("flowlet: removed %d objects", n);
		nl_socket_free(fl->sk);
	}
	if (fl->ev != NULL)
		nl_socket_free(fl->ev);
	free(fl->pfx);
	free(fl);
}
