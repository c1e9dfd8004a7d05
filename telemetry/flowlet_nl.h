/*
 * Netlink requests of the flowlet data plane (flowlet_nl.c): nexthop
 * objects, resilient groups, routes and rules, each sent and acknowledged
 * one at a time; and the dumps that the reconciler and the start-up
 * clean-up read.  Private to telemetry/flowlet*.c.
 */
#ifndef FABRIC_FLOWLET_NL_H
#define FABRIC_FLOWLET_NL_H

#include <stdint.h>

#include <netlink/netlink.h>

#include "flowlet.h"

struct fl_grp_member {
	uint32_t	 id;
	uint16_t	 weight;	/* 1..256 */
};

struct fl_res_conf {
	uint16_t	 buckets;
	uint32_t	 idle_ms;
	uint32_t	 unbalanced_ms;
};

typedef int	(*fl_dump_cb)(struct nlmsghdr *, void *);

/* flowlet_nl.c */
struct nl_sock	*fl_nl_open(void);
int		 fl_nh_add(struct nl_sock *, uint32_t, const struct flowlet_nh *);
int		 fl_grp_set(struct nl_sock *, uint32_t,
		    const struct fl_grp_member *, int,
		    const struct fl_res_conf *, int);
int		 fl_nh_del(struct nl_sock *, uint32_t);
int		 fl_route_set(struct nl_sock *, uint32_t,
		    const struct flowlet_prefix *, uint32_t);
int		 fl_route_del(struct nl_sock *, uint32_t,
		    const struct flowlet_prefix *);
int		 fl_rule(struct nl_sock *, int, int, uint32_t, uint32_t);
int		 fl_dump(struct nl_sock *, int, int, fl_dump_cb, void *);
int		 fl_nh_parse(struct nlmsghdr *, uint32_t *, uint8_t *, int *);
int		 fl_rule_parse(struct nlmsghdr *, uint32_t *, uint32_t *,
		    uint8_t *);

#endif /* FABRIC_FLOWLET_NL_H */
