/*
 * The flowlet data plane's netlink writes and dumps (flowlet_nl.h).  Each
 * request is acknowledged before the next is sent, so a failure names the
 * object that failed.  Everything written carries FLOWLET_RTPROT.
 * Requests return 0 or a negative libnl error (nl_geterror()).
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "flowlet_nl.h"

static struct nla_policy nh_policy[NHA_MAX + 1] = {
	[NHA_ID] = { .type = NLA_U32 },
};

static struct nla_policy rule_policy[FRA_MAX + 1] = {
	[FRA_PRIORITY] = { .type = NLA_U32 },
	[FRA_TABLE] = { .type = NLA_U32 },
	[FRA_PROTOCOL] = { .type = NLA_U8 },
};

struct nl_sock *
fl_nl_open(void)
{
	struct nl_sock	*sk;

	if ((sk = nl_socket_alloc()) == NULL)
		return NULL;
	if (nl_connect(sk, NETLINK_ROUTE) < 0 ||
	    nl_socket_set_buffer_size(sk, 1 << 20, 0) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Sends msg, waits for the kernel's answer, frees msg. */
static int
send_ack(struct nl_sock *sk, struct nl_msg *msg)
{
	int	 rc = nl_send_sync(sk, msg);

	return rc < 0 ? rc : 0;
}

static struct nl_msg *
nh_msg(int type, int flags, uint8_t family, uint32_t id)
{
	struct nhmsg	 nhm = { .nh_family = family };
	struct nl_msg	*msg;

	/* The kernel wants a bare header on delete (nh_valid_get_del_req). */
	if (type == RTM_NEWNEXTHOP)
		nhm.nh_protocol = FLOWLET_RTPROT;
	if ((msg = nlmsg_alloc_simple(type, flags)) == NULL)
		return NULL;
	if (nlmsg_append(msg, &nhm, sizeof(nhm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NHA_ID, id) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* One member: a gateway (or none) through an interface. */
int
fl_nh_add(struct nl_sock *sk, uint32_t id, const struct flowlet_nh *nh)
{
	struct nl_msg	*msg;
	uint8_t		 family = nh->family ? nh->family : AF_INET;

	msg = nh_msg(RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_REPLACE, family, id);
	if (msg == NULL)
		return -NLE_NOMEM;
	if (nla_put_u32(msg, NHA_OIF, nh->oif) < 0 ||
	    (nh->family != 0 && nla_put(msg, NHA_GATEWAY,
	    addr_len(nh->family), nh->gw) < 0)) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	return send_ack(sk, msg);
}

static int
put_res(struct nl_msg *msg, const struct fl_res_conf *rc, int replace)
{
	struct nlattr	*res;

	if (nla_put_u16(msg, NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_RES) < 0 ||
	    (res = nla_nest_start(msg, NHA_RES_GROUP)) == NULL)
		return -1;
	/* The bucket count of a group cannot change: only on create. */
	if (!replace &&
	    nla_put_u16(msg, NHA_RES_GROUP_BUCKETS, rc->buckets) < 0)
		return -1;
	if (nla_put_u32(msg, NHA_RES_GROUP_IDLE_TIMER,
	    flowlet_clock_t(rc->idle_ms)) < 0 ||
	    nla_put_u32(msg, NHA_RES_GROUP_UNBALANCED_TIMER,
	    flowlet_clock_t(rc->unbalanced_ms)) < 0)
		return -1;
	nla_nest_end(msg, res);
	return 0;
}

/*
 * Creates or replaces resilient group id.  On replace the kernel moves
 * only the buckets idle for idle_ms (or, past unbalanced_ms, any).
 */
int
fl_grp_set(struct nl_sock *sk, uint32_t id, const struct fl_grp_member *m,
    int n, const struct fl_res_conf *rc, int replace)
{
	struct nexthop_grp	 grp[FLOWLET_MAX_NH];
	struct nl_msg		*msg;
	int			 i;

	if (n <= 0 || n > FLOWLET_MAX_NH)
		return -NLE_RANGE;
	memset(grp, 0, sizeof(grp));
	for (i = 0; i < n; i++) {
		if (m[i].weight < 1 || m[i].weight > 256)
			return -NLE_RANGE;
		grp[i].id = m[i].id;
		grp[i].weight = (uint8_t)(m[i].weight - 1);
	}
	msg = nh_msg(RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_REPLACE, AF_UNSPEC,
	    id);
	if (msg == NULL)
		return -NLE_NOMEM;
	if (nla_put(msg, NHA_GROUP, n * sizeof(grp[0]), grp) < 0 ||
	    put_res(msg, rc, replace) == -1) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	return send_ack(sk, msg);
}

int
fl_nh_del(struct nl_sock *sk, uint32_t id)
{
	struct nl_msg	*msg;

	if ((msg = nh_msg(RTM_DELNEXTHOP, 0, AF_UNSPEC, id)) == NULL)
		return -NLE_NOMEM;
	return send_ack(sk, msg);
}

static struct nl_msg *
route_msg(int type, int flags, uint32_t table, const struct flowlet_prefix *p)
{
	struct rtmsg	 rtm = { .rtm_family = p->family,
			    .rtm_dst_len = p->len, .rtm_table = RT_TABLE_UNSPEC,
			    .rtm_protocol = FLOWLET_RTPROT,
			    .rtm_scope = RT_SCOPE_UNIVERSE,
			    .rtm_type = RTN_UNICAST };
	struct nl_msg	*msg;

	if ((msg = nlmsg_alloc_simple(type, flags)) == NULL)
		return NULL;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, RTA_TABLE, table) < 0 ||
	    nla_put(msg, RTA_DST, addr_len(p->family), p->addr) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int
fl_route_set(struct nl_sock *sk, uint32_t table,
    const struct flowlet_prefix *p, uint32_t nhid)
{
	struct nl_msg	*msg;

	msg = route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, table, p);
	if (msg == NULL)
		return -NLE_NOMEM;
	if (nla_put_u32(msg, RTA_NH_ID, nhid) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	return send_ack(sk, msg);
}

int
fl_route_del(struct nl_sock *sk, uint32_t table,
    const struct flowlet_prefix *p)
{
	struct nl_msg	*msg;

	if ((msg = route_msg(RTM_DELROUTE, 0, table, p)) == NULL)
		return -NLE_NOMEM;
	return send_ack(sk, msg);
}

/* add != 0: `ip rule add pref PREF lookup TABLE proto fabric`; else del. */
int
fl_rule(struct nl_sock *sk, int add, int family, uint32_t table,
    uint32_t pref)
{
	struct fib_rule_hdr	 frh = { .family = family,
				    .action = FR_ACT_TO_TBL };
	struct nl_msg		*msg;

	msg = nlmsg_alloc_simple(add ? RTM_NEWRULE : RTM_DELRULE,
	    add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	if (msg == NULL)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &frh, sizeof(frh), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, FRA_PRIORITY, pref) < 0 ||
	    nla_put_u32(msg, FRA_TABLE, table) < 0 ||
	    nla_put_u8(msg, FRA_PROTOCOL, FLOWLET_RTPROT) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	return send_ack(sk, msg);
}

struct dump_ctx {
	fl_dump_cb	 cb;
	void		*arg;
};

static int
dump_valid(struct nl_msg *msg, void *arg)
{
	struct dump_ctx	*c = arg;

	c->cb(nlmsg_hdr(msg), c->arg);
	return NL_OK;
}

/* Dumps RTM_GETROUTE, RTM_GETNEXTHOP or RTM_GETRULE of one family. */
int
fl_dump(struct nl_sock *sk, int type, int family, fl_dump_cb cb, void *arg)
{
	struct dump_ctx		 c = { cb, arg };
	struct rtmsg		 rtm = { .rtm_family = family };
	struct nhmsg		 nhm = { .nh_family = family };
	struct fib_rule_hdr	 frh = { .family = family };
	void			*hdr = &rtm;
	size_t			 len = sizeof(rtm);
	int			 rc;

	if (type == RTM_GETNEXTHOP) {
		hdr = &nhm;
		len = sizeof(nhm);
	} else if (type == RTM_GETRULE) {
		hdr = &frh;
		len = sizeof(frh);
	}
	if ((rc = nl_send_simple(sk, type, NLM_F_DUMP, hdr, len)) < 0)
		return rc;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, dump_valid, &c);
	rc = nl_recvmsgs_default(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
	return rc < 0 ? rc : 0;
}

/* id, protocol and whether it is a group, of an RTM_NEWNEXTHOP. */
int
fl_nh_parse(struct nlmsghdr *nlh, uint32_t *id, uint8_t *proto, int *group)
{
	struct nlattr	*tb[NHA_MAX + 1];
	struct nhmsg	*nhm;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*nhm)) ||
	    nlmsg_parse(nlh, sizeof(*nhm), tb, NHA_MAX, nh_policy) < 0 ||
	    tb[NHA_ID] == NULL)
		return -1;
	nhm = NLMSG_DATA(nlh);
	*id = nla_get_u32(tb[NHA_ID]);
	*proto = nhm->nh_protocol;
	*group = tb[NHA_GROUP] != NULL;
	return 0;
}

int
fl_rule_parse(struct nlmsghdr *nlh, uint32_t *table, uint32_t *pref,
    uint8_t *proto)
{
	struct nlattr		*tb[FRA_MAX + 1];
	struct fib_rule_hdr	*frh;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*frh)) ||
	    nlmsg_parse(nlh, sizeof(*frh), tb, FRA_MAX, rule_policy) < 0)
		return -1;
	frh = NLMSG_DATA(nlh);
	*table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : frh->table;
	*pref = tb[FRA_PRIORITY] ? nla_get_u32(tb[FRA_PRIORITY]) : 0;
	*proto = tb[FRA_PROTOCOL] ? nla_get_u8(tb[FRA_PROTOCOL]) : 0;
	return 0;
}
