/*
 * The agent's view of the kernel (sample.h).  Counters come from two libnl
 * caches refilled at every sample: the route link cache (stats64) and the
 * qdisc cache (the root qdisc's backlog, drops, overlimits, requeues).
 * Up/down comes at once from a second socket subscribed to RTNLGRP_LINK;
 * those messages are validated against an attribute policy before any
 * field is read.  This file writes nothing to the kernel.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/tc.h>
#include <netlink/route/qdisc/tbf.h>

#include "log.h"
#include "sample.h"
#include "util.h"

#define SAMPLE_MAX_IFS	1024	/* interfaces tracked for events */

struct sampler {
	struct sample_conf	 conf;
	struct nl_sock		*sk;	/* dumps */
	struct nl_sock		*ev;	/* RTNLGRP_LINK */
	struct nl_cache		*links;
	struct nl_cache		*qdiscs;
	int			 ioctl_fd;	/* ethtool */
	sample_event_cb		 cb;
	void			*cb_arg;
	struct sample_if	 ifs[SAMPLE_MAX_IFS];
	int			 nifs;
};

static struct nla_policy link_policy[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { .type = NLA_STRING, .maxlen = IFNAMSIZ },
	[IFLA_OPERSTATE] = { .type = NLA_U8 },
};

static int
selected(const struct sampler *s, const char *name)
{
	int	 i;

	if (s->conf.nifnames == 0)
		return strcmp(name, "lo") != 0 &&
		    (s->conf.mgmt == NULL || strcmp(name, s->conf.mgmt) != 0);
	for (i = 0; i < s->conf.nifnames; i++)
		if (strcmp(s->conf.ifnames[i], name) == 0)
			return 1;
	return 0;
}

static struct sample_if *
if_find(struct sampler *s, uint32_t ifindex, const char *name, int create)
{
	int	 i;

	for (i = 0; i < s->nifs; i++)
		if (s->ifs[i].ifindex == ifindex)
			return &s->ifs[i];
	if (!create || s->nifs >= SAMPLE_MAX_IFS)
		return NULL;
	s->ifs[s->nifs] = (struct sample_if){ .ifindex = ifindex,
	    .oper = TMSG_OPER_DOWN };
	snprintf(s->ifs[s->nifs].name, sizeof(s->ifs[0].name), "%s", name);
	return &s->ifs[s->nifs++];
}

static uint8_t
oper_of(unsigned int flags)
{
	return (flags & IFF_UP) && (flags & IFF_RUNNING) ?
	    TMSG_OPER_UP : TMSG_OPER_DOWN;
}

/* ---- events ---- */

static int
event_msg(struct nl_msg *msg, void *arg)
{
	struct sampler		*s = arg;
	struct nlmsghdr		*nlh = nlmsg_hdr(msg);
	struct nlattr		*tb[IFLA_MAX + 1];
	struct ifinfomsg	*ifi;
	struct sample_if	*si;
	struct tmsg_event	 e = { 0 };

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return NL_OK;
	if (nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, link_policy) < 0 ||
	    tb[IFLA_IFNAME] == NULL) {
		log_warnx("netlink: malformed link message ignored");
		return NL_OK;
	}
	ifi = nlmsg_data(nlh);
	nla_strlcpy(e.name, tb[IFLA_IFNAME], sizeof(e.name));
	if (ifi->ifi_index <= 0 || e.name[0] == '\0' || !selected(s, e.name))
		return NL_OK;
	e.ifindex = (uint32_t)ifi->ifi_index;
	e.oper = nlh->nlmsg_type == RTM_DELLINK ? TMSG_OPER_DOWN :
	    oper_of(ifi->ifi_flags);
	/* Statistics and address changes come as RTM_NEWLINK too. */
	if ((si = if_find(s, e.ifindex, e.name, 1)) != NULL) {
		if (si->oper == e.oper &&
		    strcmp(si->name, e.name) == 0)
			return NL_OK;
		si->oper = e.oper;
		snprintf(si->name, sizeof(si->name), "%s", e.name);
	}
	log_debug("%s (%u) %s", e.name, e.ifindex,
	    e.oper == TMSG_OPER_UP ? "up" : "down");
	s->cb(&e, s->cb_arg);
	return NL_OK;
}

static struct nl_sock *
event_socket(struct sampler *s)
{
	struct nl_sock	*ev;

	if ((ev = nl_socket_alloc()) == NULL)
		return NULL;
	nl_socket_disable_seq_check(ev);
	nl_socket_modify_cb(ev, NL_CB_VALID, NL_CB_CUSTOM, event_msg, s);
	if (nl_connect(ev, NETLINK_ROUTE) < 0 ||
	    nl_socket_add_membership(ev, RTNLGRP_LINK) < 0 ||
	    nl_socket_set_nonblocking(ev) < 0 ||
	    nl_socket_set_buffer_size(ev, 1 << 20, 0) < 0) {
		nl_socket_free(ev);
		return NULL;
	}
	return ev;
}

/* Reads every pending event; -1 only when the socket is broken. */
int
sampler_events(struct sampler *s)
{
	int	 rc;

	while ((rc = nl_recvmsgs_default(s->ev)) >= 0)
		;
	if (rc == -NLE_AGAIN)
		return 0;
	if (rc == -NLE_NOMEM) {
		/* Overrun: events were lost; the next sample has the state. */
		log_warnx("netlink: event socket overrun");
		return 0;
	}
	log_warnx("netlink: events: %s", nl_geterror(rc));
	return -1;
}

int
sampler_event_fd(const struct sampler *s)
{
	return nl_socket_get_fd(s->ev);
}

/* ---- samples ---- */

static uint64_t
ethtool_speed(struct sampler *s, const char *name)
{
	struct ethtool_cmd	 cmd = { .cmd = ETHTOOL_GSET };
	struct ifreq		 ifr = { 0 };
	uint32_t		 mbps;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&cmd;
	if (ioctl(s->ioctl_fd, SIOCETHTOOL, &ifr) == -1)
		return 0;
	mbps = ethtool_cmd_speed(&cmd);
	if (mbps == 0 || mbps == (uint32_t)SPEED_UNKNOWN)
		return 0;
	return (uint64_t)mbps * 1000000;
}

/*
 * The operator's word first; else the tighter of the kernel's speed and
 * the root tbf's rate: a shaped link carries no more than its shaper
 * (veths report 10 Gb/s on this kernel, shaped or not).
 */
static void
link_capacity(struct sampler *s, struct tmsg_link *l, struct rtnl_qdisc *q)
{
	const char	*kind;
	uint64_t	 tbf = 0;
	int		 i;

	for (i = 0; i < s->conf.ncaps; i++)
		if (strcmp(s->conf.caps[i].name, l->name) == 0) {
			l->capacity_bps = s->conf.caps[i].bps;
			l->capsrc = TMSG_CAP_CONFIG;
			return;
		}
	/* libnl keeps the tbf rate in bytes per second. */
	if (q != NULL && (kind = rtnl_tc_get_kind(TC_CAST(q))) != NULL &&
	    strcmp(kind, "tbf") == 0 && rtnl_qdisc_tbf_get_rate(q) > 0)
		tbf = (uint64_t)rtnl_qdisc_tbf_get_rate(q) * 8;
	l->capacity_bps = ethtool_speed(s, l->name);
	l->capsrc = l->capacity_bps > 0 ? TMSG_CAP_KERNEL : TMSG_CAP_NONE;
	if (tbf > 0 && (l->capacity_bps == 0 || tbf < l->capacity_bps)) {
		l->capacity_bps = tbf;
		l->capsrc = TMSG_CAP_TBF;
	}
}

static void
link_counters(struct rtnl_link *k, struct tmsg_link *l, struct rtnl_qdisc *q)
{
	l->rx_bytes = rtnl_link_get_stat(k, RTNL_LINK_RX_BYTES);
	l->tx_bytes = rtnl_link_get_stat(k, RTNL_LINK_TX_BYTES);
	l->rx_packets = rtnl_link_get_stat(k, RTNL_LINK_RX_PACKETS);
	l->tx_packets = rtnl_link_get_stat(k, RTNL_LINK_TX_PACKETS);
	l->rx_drops = rtnl_link_get_stat(k, RTNL_LINK_RX_DROPPED);
	l->tx_drops = rtnl_link_get_stat(k, RTNL_LINK_TX_DROPPED);
	l->rx_errors = rtnl_link_get_stat(k, RTNL_LINK_RX_ERRORS);
	l->tx_errors = rtnl_link_get_stat(k, RTNL_LINK_TX_ERRORS);
	if (q == NULL)
		return;
	l->q_backlog = rtnl_tc_get_stat(TC_CAST(q), RTNL_TC_BACKLOG);
	l->q_drops = rtnl_tc_get_stat(TC_CAST(q), RTNL_TC_DROPS);
	l->q_overlimits = rtnl_tc_get_stat(TC_CAST(q), RTNL_TC_OVERLIMITS);
	l->q_requeues = rtnl_tc_get_stat(TC_CAST(q), RTNL_TC_REQUEUES);
}

/*
 * Remembers l for the next sample and for events.  A state that differs
 * from what events told us means events were lost (socket overrun): the
 * sample reports the change as an event too, late rather than never.
 */
static void
track(struct sampler *s, const struct tmsg_link *l, uint64_t t)
{
	struct sample_if	*si;
	struct tmsg_event	 e;
	int			 known = if_find(s, l->ifindex, l->name, 0) != NULL;

	if ((si = if_find(s, l->ifindex, l->name, 1)) == NULL)
		return;
	if (si->t_ns != 0 && t > si->t_ns && l->tx_bytes >= si->tx_bytes)
		si->tx_bps = (double)(l->tx_bytes - si->tx_bytes) * 8e9 /
		    (double)(t - si->t_ns);
	si->tx_bytes = l->tx_bytes;
	si->t_ns = t;
	snprintf(si->name, sizeof(si->name), "%s", l->name);
	if (known && si->oper != l->oper) {
		e = (struct tmsg_event){ .ifindex = l->ifindex,
		    .oper = l->oper };
		snprintf(e.name, sizeof(e.name), "%s", l->name);
		log_debug("%s: %s seen in a sample, not in an event", l->name,
		    l->oper == TMSG_OPER_UP ? "up" : "down");
		si->oper = l->oper;
		s->cb(&e, s->cb_arg);
	}
	si->oper = l->oper;
}

/*
 * Fills m's links and time from a fresh dump.  Returns the number of
 * links, or -1 when the kernel could not be read (the caller skips this
 * sample and tries again at the next tick).
 */
int
sampler_collect(struct sampler *s, struct tmsg *m)
{
	struct nl_object	*o;
	struct rtnl_link	*k;
	struct rtnl_qdisc	*q;
	struct tmsg_link	*l;
	const char		*name;
	int			 rc;

	if ((rc = nl_cache_refill(s->sk, s->links)) < 0 ||
	    (rc = nl_cache_refill(s->sk, s->qdiscs)) < 0) {
		log_warnx("netlink: dump: %s", nl_geterror(rc));
		return -1;
	}
	m->time_ns = real_ns();
	m->nlinks = 0;
	for (o = nl_cache_get_first(s->links); o != NULL;
	    o = nl_cache_get_next(o)) {
		k = (struct rtnl_link *)o;
		if ((name = rtnl_link_get_name(k)) == NULL ||
		    strlen(name) > TMSG_IFNAME_MAX || !selected(s, name))
			continue;
		if (m->nlinks >= TMSG_MAX_LINKS) {
			log_warnx("more than %d links: the rest not sampled",
			    TMSG_MAX_LINKS);
			break;
		}
		l = &m->links[m->nlinks++];
		*l = (struct tmsg_link){ 0 };
		l->ifindex = (uint32_t)rtnl_link_get_ifindex(k);
		snprintf(l->name, sizeof(l->name), "%s", name);
		l->oper = oper_of(rtnl_link_get_flags(k));
		q = rtnl_qdisc_get_by_parent(s->qdiscs, (int)l->ifindex,
		    TC_H_ROOT);
		link_counters(k, l, q);
		link_capacity(s, l, q);
		if (q != NULL)
			rtnl_qdisc_put(q);
		track(s, l, m->time_ns);
	}
	return m->nlinks;
}

const struct sample_if *
sampler_ifs(const struct sampler *s, int *n)
{
	*n = s->nifs;
	return s->ifs;
}

struct sampler *
sampler_open(const struct sample_conf *conf, sample_event_cb cb, void *arg)
{
	struct sampler	*s;
	int		 rc = 0;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->conf = *conf;
	s->cb = cb;
	s->cb_arg = arg;
	s->ioctl_fd = -1;
	if ((s->sk = nl_socket_alloc()) == NULL ||
	    (rc = nl_connect(s->sk, NETLINK_ROUTE)) < 0 ||
	    (rc = rtnl_link_alloc_cache(s->sk, AF_UNSPEC, &s->links)) < 0 ||
	    (rc = rtnl_qdisc_alloc_cache(s->sk, &s->qdiscs)) < 0) {
		log_warnx("netlink: %s", s->sk == NULL ? "no memory" :
		    nl_geterror(rc));
		sampler_close(s);
		return NULL;
	}
	if ((s->ev = event_socket(s)) == NULL) {
		log_warnx("netlink: cannot subscribe to link events");
		sampler_close(s);
		return NULL;
	}
	if ((s->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) ==
	    -1) {
		log_warn("socket");
		sampler_close(s);
		return NULL;
	}
	return s;
}

void
sampler_close(struct sampler *s)
{
	if (s == NULL)
		return;
	if (s->links != NULL)
		nl_cache_free(s->links);
	if (s->qdiscs != NULL)
		nl_cache_free(s->qdiscs);
	if (s->sk != NULL)
		nl_socket_free(s->sk);
	if (s->ev != NULL)
		nl_socket_free(s->ev);
	if (s->ioctl_fd != -1)
		close(s->ioctl_fd);
	free(s);
}
