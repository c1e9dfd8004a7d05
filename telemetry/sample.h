/*
 * fabric-agent's sampler: link stats64 and root qdisc statistics through
 * libnl caches, capacities, and link up/down events from RTNLGRP_LINK.
 */
#ifndef FABRIC_SAMPLE_H
#define FABRIC_SAMPLE_H

#include <stdint.h>

#include "tmsg.h"

#define SAMPLE_MAX_CONF		TMSG_MAX_LINKS

struct sample_cap {
	char		 name[TMSG_IFNAME_MAX + 1];
	uint64_t	 bps;
};

struct sample_conf {
	char		 ifnames[SAMPLE_MAX_CONF][TMSG_IFNAME_MAX + 1];
	int		 nifnames;	/* 0: all but lo and the management */
	struct sample_cap caps[SAMPLE_MAX_CONF];
	int		 ncaps;
	const char	*mgmt;		/* skipped when nifnames == 0 */
};

/* What the agent knows of one interface between samples. */
struct sample_if {
	uint32_t	 ifindex;
	char		 name[TMSG_IFNAME_MAX + 1];
	uint8_t		 oper;
	uint64_t	 tx_bytes;
	uint64_t	 t_ns;
	double		 tx_bps;	/* for logging; the ingest recomputes */
};

struct sampler;
typedef void	(*sample_event_cb)(const struct tmsg_event *, void *);

/* sample.c */
struct sampler	*sampler_open(const struct sample_conf *, sample_event_cb,
		    void *);
void		 sampler_close(struct sampler *);
int		 sampler_event_fd(const struct sampler *);
int		 sampler_events(struct sampler *);
int		 sampler_collect(struct sampler *, struct tmsg *);
const struct sample_if *sampler_ifs(const struct sampler *, int *);

#endif /* FABRIC_SAMPLE_H */
