/*
 * fabric-agent's flowlet data plane: for the prefixes marked for flowlet
 * switching, mirror the weighted next-hops that FRR installed in the main
 * table into a Linux resilient nexthop group, route the prefix through
 * that group in a table of our own, looked up before main (an ip rule of
 * lower preference), and keep it in step with a netlink route monitor.
 *
 * Everything we add is ours by three marks, so that a restarted agent can
 * remove what a crashed one left: rules and routes carry protocol
 * FLOWLET_RTPROT and name our table; nexthop objects carry the same
 * protocol and ids in [nhid_base, nhid_base + FLOWLET_NHID_SPAN).
 *
 * flowlet_route.c parses the kernel's route messages (no I/O, so the unit
 * tests feed it bytes); flowlet_nl.c writes requests; flowlet.c keeps the
 * state and reconciles.
 */
#ifndef FABRIC_FLOWLET_H
#define FABRIC_FLOWLET_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#define FLOWLET_RTPROT		245	/* "fabric" in rt_protos */
#define FLOWLET_MAX_PREFIXES	256
#define FLOWLET_MAX_NH		63	/* members of one group */
#define FLOWLET_NHID_STRIDE	64	/* ids per prefix: group + members */
#define FLOWLET_NHID_SPAN	(FLOWLET_MAX_PREFIXES * FLOWLET_NHID_STRIDE)
#define FLOWLET_DEF_TABLE	4200
#define FLOWLET_DEF_PREF	1000
#define FLOWLET_DEF_NHID_BASE	0xf1000000u
#define FLOWLET_DEF_BUCKETS	128
#define FLOWLET_DEF_IDLE_MS	100
#define FLOWLET_DEF_UNBAL_MS	0	/* never force busy buckets */
#define FLOWLET_MAX_TIMER_MS	3600000
#define FLOWLET_MAIN_TABLE	254
#define FLOWLET_RTPROT_BGP	186

struct flowlet_prefix {
	uint8_t		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 len;
	uint8_t		 addr[16];
};

struct flowlet_nh {
	uint8_t		 family;	/* of the gateway; 0: none */
	uint8_t		 gw[16];
	uint32_t	 oif;
	uint16_t	 weight;	/* 1..256, as the kernel has it */
};

/* One route, as FRR installed it (or nothing: n == 0). */
struct flowlet_route {
	struct flowlet_prefix	 dst;
	uint32_t		 table;
	uint8_t			 protocol;
	uint8_t			 type;
	uint32_t		 priority;	/* metric */
	uint32_t		 nhid;		/* 0 if none */
	int			 n;
	struct flowlet_nh	 nh[FLOWLET_MAX_NH];
};

struct flowlet_conf {
	struct flowlet_prefix	 prefixes[FLOWLET_MAX_PREFIXES];
	int			 nprefixes;
	uint32_t		 table;
	uint32_t		 pref;
	uint32_t		 nhid_base;
	uint16_t		 buckets;
	uint32_t		 idle_ms;	/* multiples of 10 ms */
	uint32_t		 unbalanced_ms;
	int			 learn;		/* prefixes also from FRR */
};

/* What the agent tells the controller after each change (TMSG type 4). */
typedef void	(*flowlet_change_cb)(const struct flowlet_route *, int mirrored,
		    void *);

struct flowlet;

/* flowlet.c */
void		 flowlet_conf_default(struct flowlet_conf *);
struct flowlet	*flowlet_open(const struct flowlet_conf *, flowlet_change_cb,
		    void *);
void		 flowlet_close(struct flowlet *);
int		 flowlet_event_fd(const struct flowlet *);
int		 flowlet_events(struct flowlet *);
long		 flowlet_timeout(const struct flowlet *);
void		 flowlet_tick(struct flowlet *);
int		 flowlet_cleanup(const struct flowlet_conf *);
void		 flowlet_report_all(struct flowlet *);
int		 flowlet_bgp_changed(struct flowlet *);
void		 flowlet_mark(struct flowlet *, const struct flowlet_prefix *,
		    int);

/* flowlet_route.c: parsing, no I/O */
int		 flowlet_prefix_parse(const char *, struct flowlet_prefix *);
const char	*flowlet_prefix_str(const struct flowlet_prefix *, char *,
		    size_t);
int		 flowlet_prefix_eq(const struct flowlet_prefix *,
		    const struct flowlet_prefix *);
int		 flowlet_route_parse(const struct nlmsghdr *,
		    struct flowlet_route *);
int		 flowlet_nh_same_paths(const struct flowlet_route *,
		    const struct flowlet_route *);
int		 flowlet_nh_same(const struct flowlet_route *,
		    const struct flowlet_route *);
uint32_t	 flowlet_clock_t(uint32_t);

#endif /* FABRIC_FLOWLET_H */
