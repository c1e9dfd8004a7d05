/*
 * Namespace labs: containerlab topology files realised with network
 * namespaces, veth pairs and one FRR instance per switch.
 */
#ifndef FABRIC_LAB_H
#define FABRIC_LAB_H

#include "clab.h"

#define LAB_STATEDIR	"/run/fabric-lab"
#define LAB_FRR_RUNDIR	"/var/run/frr"
#define LAB_FRR_ETCDIR	"/etc/frr"
#define LAB_VETH_MTU	9500	/* containerlab's default */

struct lab {
	struct clab_topo	*topo;
	char			(*ns)[CLAB_NSNAME_MAX];	/* per node */
	char			 mgmt_ns[CLAB_NSNAME_MAX + 16];
	char			 statedir[256];
	char			 mgmt_gw[16];
	int			 mgmt_plen;
	char			(*mgmt_ip)[16];		/* per node */
};

struct lab_netem {
	const char	*node;
	const char	*ifname;
	long		 rate_kbit;	/* -1: not given */
	const char	*delay;		/* netem-only parameters */
	const char	*jitter;
	const char	*loss;
	const char	*corruption;
};

/* lab.c */
struct lab	*lab_open(const char *path);
void		 lab_close(struct lab *);
int		 lab_deploy(struct lab *, int reconfigure);
int		 lab_destroy(struct lab *);
int		 lab_inspect(struct lab *, int json);
int		 lab_exec(struct lab *, const char *node, char **argv);
int		 lab_ns_exists(const char *ns);
int		 lab_wait(struct lab *, int timeout_s);

/* lab_netem.c */
int		 lab_netem_set(struct lab *, const struct lab_netem *);
int		 lab_netem_show(struct lab *, const char *node, int json);
int		 lab_netem_reset(struct lab *, const char *node,
		    const char *ifname);

#endif /* FABRIC_LAB_H */
