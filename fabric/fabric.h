/*
 * The fabric model: switches in tiers (leaf, spine, super-spine in pods),
 * the links between them with their capacity and state, and the GPUs
 * (hosts) behind the leaves.
 *
 * Links are undirected with two directions of traffic; every direction
 * has its own measured load.  A link's usable capacity is what its
 * members that are up give (a LAG that lost a member is degraded), and
 * nothing when it or either end is down or drained.
 *
 * Indices, not pointers, tie things together, so a fabric can be copied,
 * diffed and recomputed incrementally; names map to indices through a
 * hash.  Every array has a maximum size.
 */
#ifndef FABRIC_FABRIC_H
#define FABRIC_FABRIC_H

#include <stddef.h>
#include <stdint.h>

#define FAB_NAME_MAX		64
#define FAB_IFNAME_MAX		16
#define FAB_NODES_MAX		(1U << 20)
#define FAB_LINKS_MAX		(1U << 22)
#define FAB_NONE		UINT32_MAX

enum fab_role {
	ROLE_HOST = 0,		/* a GPU server: traffic starts and ends here */
	ROLE_LEAF = 1,		/* top of rack: the hosts' gateway */
	ROLE_SPINE = 2,
	ROLE_SUPERSPINE = 3,
};

enum fab_state {
	FAB_UP = 0,
	FAB_DOWN,		/* failed: carries nothing */
	FAB_DRAINED,		/* up, but to be avoided (maintenance) */
};

struct fab_node {
	char		 name[FAB_NAME_MAX];
	enum fab_role	 role;
	enum fab_state	 state;
	int32_t		 pod;		/* -1: not in a pod (super-spines) */
	uint32_t	 asn;
	char		 loopback[46];	/* text, "" when unknown */
	char		 bgp_addr[46];	/* where the controller peers */
	uint32_t	 gpus;		/* hosts: GPUs (NICs) in the server */
	uint32_t	*adj;		/* incident links */
	uint32_t	 nadj, adjcap;
};

struct fab_link {
	uint32_t	 a, b;		/* node indices; a is in the lower tier */
	char		 a_if[FAB_IFNAME_MAX], b_if[FAB_IFNAME_MAX];
	double		 capacity;	/* nominal, bit/s, all members */
	uint16_t	 members;	/* LAG members; 1 for a plain link */
	uint16_t	 members_up;
	enum fab_state	 state;
	/* measured, per direction: [0] a->b (up), [1] b->a (down) */
	double		 load[2];	/* bit/s from telemetry */
	double		 drops[2];	/* packets/s dropped */
	double		 backlog[2];	/* bytes queued */
};

struct fabric {
	struct fab_node	*nodes;
	uint32_t	 nnodes, nodecap;
	struct fab_link	*links;
	uint32_t	 nlinks, linkcap;
	uint32_t	*name_tab;	/* open addressing: node index + 1 */
	uint32_t	 name_cap;
	uint64_t	 version;	/* bumped by every change */
};

/* fabric.c */
struct fabric	*fab_new(void);
void		 fab_free(struct fabric *);
uint32_t	 fab_node_add(struct fabric *, const char *name,
		    enum fab_role, int32_t pod);
uint32_t	 fab_node_find(const struct fabric *, const char *name);
uint32_t	 fab_link_add(struct fabric *, uint32_t a, uint32_t b,
		    double capacity, uint16_t members);
uint32_t	 fab_link_between(const struct fabric *, uint32_t a,
		    uint32_t b);
double		 fab_link_usable(const struct fabric *, uint32_t link);
uint32_t	 fab_link_other(const struct fabric *, uint32_t link,
		    uint32_t node);
int		 fab_node_usable(const struct fabric *, uint32_t node);
int		 fab_link_set_state(struct fabric *, uint32_t link,
		    enum fab_state);
int		 fab_link_set_members_up(struct fabric *, uint32_t link,
		    uint16_t up);
int		 fab_node_set_state(struct fabric *, uint32_t node,
		    enum fab_state);
int		 fab_check(const struct fabric *, char *err, size_t errlen);
const char	*fab_role_str(enum fab_role);
const char	*fab_state_str(enum fab_state);
int		 fab_role_parse(const char *, enum fab_role *);

/* fabric_gen.c: synthetic Clos fabrics for tests, benchmarks, the sim */
struct fab_clos_spec {
	uint32_t	 pods;		/* 0: two-tier */
	uint32_t	 leaves_per_pod;
	uint32_t	 spines_per_pod;
	uint32_t	 superspines;	/* 3-tier: each spine to every one */
	uint32_t	 hosts_per_leaf;
	uint32_t	 gpus_per_host;
	double		 host_link;	/* bit/s, host-leaf */
	double		 leaf_link;	/* leaf-spine */
	double		 spine_link;	/* spine-superspine */
};
struct fabric	*fab_clos(const struct fab_clos_spec *);

#endif /* FABRIC_FABRIC_H */
