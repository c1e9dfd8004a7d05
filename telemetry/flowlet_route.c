/*
 * The flowlet data plane's parsers (flowlet.h): prefixes from the command
 * line, and the kernel's route messages.  No I/O: the monitor, the dumps
 * and the unit tests hand in bytes.  Every route message is validated
 * against an attribute policy before a field is read; RTA_MULTIPATH is
 * walked record by record, each one bounded by its own length.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "flowlet.h"

static struct nla_policy route_policy[RTA_MAX + 1] = {
	[RTA_DST] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[RTA_GATEWAY] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[RTA_VIA] = { .type = NLA_UNSPEC, .minlen = 2 + 4, .maxlen = 2 + 16 },
	[RTA_OIF] = { .type = NLA_U32 },
	[RTA_TABLE] = { .type = NLA_U32 },
	[RTA_PRIORITY] = { .type = NLA_U32 },
	[RTA_NH_ID] = { .type = NLA_U32 },
	[RTA_MULTIPATH] = { .type = NLA_UNSPEC },
};

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* "ADDRESS/LEN" with no bits set past LEN; IPv4 or IPv6. */
int
flowlet_prefix_parse(const char *s, struct flowlet_prefix *p)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long		 len;
	int		 i, max;

	*p = (struct flowlet_prefix){ 0 };
	if (strlen(s) >= sizeof(buf) || (slash = strchr(s, '/')) == NULL)
		return -1;
	snprintf(buf, sizeof(buf), "%.*s", (int)(slash - s), s);
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = AF_INET6;
	else
		return -1;
	max = p->family == AF_INET ? 32 : 128;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || len < 0 ||
	    len > max)
		return -1;
	p->len = (uint8_t)len;
	for (i = len; i < max; i++)
		if (p->addr[i / 8] & (0x80 >> (i % 8)))
			return -1;	/* host bits set */
	return 0;
}

const char *
flowlet_prefix_str(const struct flowlet_prefix *p, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	if (inet_ntop(p->family, p->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

int
flowlet_prefix_eq(const struct flowlet_prefix *a,
    const struct flowlet_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->addr, b->addr, addr_len(a->family)) == 0;
}

/* ms to the kernel's clock_t (USER_HZ 100), rounded up: 10 ms is 1. */
uint32_t
flowlet_clock_t(uint32_t ms)
{
	return (ms + 9) / 10;
}

static int
nh_gateway(struct nlattr *gw, struct nlattr *via, int rtfamily,
    struct flowlet_nh *nh)
{
	uint16_t	 vfam;
	size_t		 alen;

	if (gw != NULL) {
		if ((size_t)nla_len(gw) != addr_len(rtfamily))
			return -1;
		nh->family = rtfamily;
		memcpy(nh->gw, nla_data(gw), nla_len(gw));
	} else if (via != NULL) {
		memcpy(&vfam, nla_data(via), sizeof(vfam));
		alen = addr_len(vfam);
		if (alen == 0 || (size_t)nla_len(via) != 2 + alen)
			return -1;
		nh->family = vfam;
		memcpy(nh->gw, (uint8_t *)nla_data(via) + 2, alen);
	}
	return 0;
}

static int
parse_multipath(struct nlattr *mp, int rtfamily, struct flowlet_route *r)
{
	const struct rtnexthop	*rtnh = nla_data(mp);
	struct nlattr		*tb[RTA_MAX + 1];
	struct flowlet_nh	*nh;
	int			 rem = nla_len(mp);

	while (rem >= (int)sizeof(*rtnh)) {
		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > rem ||
		    r->n >= FLOWLET_MAX_NH)
			return -1;
		if (nla_parse(tb, RTA_MAX, (struct nlattr *)RTNH_DATA(rtnh),
		    rtnh->rtnh_len - RTNH_LENGTH(0), route_policy) < 0)
			return -1;
		nh = &r->nh[r->n++];
		*nh = (struct flowlet_nh){ .oif = (uint32_t)rtnh->rtnh_ifindex,
		    .weight = (uint16_t)rtnh->rtnh_hops + 1 };
		if (nh_gateway(tb[RTA_GATEWAY], tb[RTA_VIA], rtfamily,
		    nh) == -1)
			return -1;
		rem -= RTNH_ALIGN(rtnh->rtnh_len);
		rtnh = RTNH_NEXT(rtnh);
	}
	return rem > 0 ? -1 : 0;
}

static int
nh_cmp(const void *a, const void *b)
{
	const struct flowlet_nh	*x = a, *y = b;
	int			 c;

	if (x->family != y->family)
		return x->family - y->family;
	if ((c = memcmp(x->gw, y->gw, sizeof(x->gw))) != 0)
		return c;
	return x->oif < y->oif ? -1 : x->oif > y->oif;
}

static int
route_header(const struct nlmsghdr *nlh, struct nlattr **tb,
    struct flowlet_route *r)
{
	const struct rtmsg	*rtm;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -1;
	rtm = NLMSG_DATA(nlh);
	if (nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*rtm), tb, RTA_MAX,
	    route_policy) < 0)
		return -1;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -1;
	r->dst.family = rtm->rtm_family;
	r->dst.len = rtm->rtm_dst_len;
	r->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	r->protocol = rtm->rtm_protocol;
	r->type = rtm->rtm_type;
	if (r->dst.len > (rtm->rtm_family == AF_INET ? 32 : 128))
		return -1;
	if (tb[RTA_DST] != NULL) {
		if ((size_t)nla_len(tb[RTA_DST]) != addr_len(r->dst.family))
			return -1;
		memcpy(r->dst.addr, nla_data(tb[RTA_DST]),
		    nla_len(tb[RTA_DST]));
	} else if (r->dst.len != 0)
		return -1;
	return 0;
}

/*
 * One RTM_NEWROUTE or RTM_DELROUTE into r: destination, table, metric and
 * the next-hops with their weights, sorted so that two routes compare
 * with memcmp-like ease.  A route through a nexthop object is expanded by
 * the kernel into RTA_MULTIPATH (or RTA_GATEWAY/RTA_OIF) in the same
 * message, so one parser serves both.  -1: malformed.
 */
int
flowlet_route_parse(const struct nlmsghdr *nlh, struct flowlet_route *r)
{
	struct nlattr		*tb[RTA_MAX + 1];
	struct flowlet_nh	*nh;

	memset(r, 0, sizeof(*r));
	if (route_header(nlh, tb, r) == -1)
		return -1;
	if (tb[RTA_PRIORITY] != NULL)
		r->priority = nla_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_NH_ID] != NULL)
		r->nhid = nla_get_u32(tb[RTA_NH_ID]);
	if (tb[RTA_MULTIPATH] != NULL) {
		if (parse_multipath(tb[RTA_MULTIPATH], r->dst.family, r) == -1)
			return -1;
	} else if (tb[RTA_OIF] != NULL || tb[RTA_GATEWAY] != NULL ||
	    tb[RTA_VIA] != NULL) {
		nh = &r->nh[r->n++];
		*nh = (struct flowlet_nh){ .weight = 1 };
		if (tb[RTA_OIF] != NULL)
			nh->oif = nla_get_u32(tb[RTA_OIF]);
		if (nh_gateway(tb[RTA_GATEWAY], tb[RTA_VIA], r->dst.family,
		    nh) == -1)
			return -1;
	}
	qsort(r->nh, r->n, sizeof(r->nh[0]), nh_cmp);
	return 0;
}

/* The same gateways and interfaces, weights aside. */
int
flowlet_nh_same_paths(const struct flowlet_route *a,
    const struct flowlet_route *b)
{
	int	 i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (nh_cmp(&a->nh[i], &b->nh[i]) != 0)
			return 0;
	return 1;
}

int
flowlet_nh_same(const struct flowlet_route *a, const struct flowlet_route *b)
{
	int	 i;

	if (!flowlet_nh_same_paths(a, b))
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->nh[i].weight != b->nh[i].weight)
			return 0;
	return 1;
}
