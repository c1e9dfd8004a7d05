/*
 * fabric-agent's configuration: the command line's options, and the file
 * that `-f FILE' names, a JSON or XML instance of yang/fabric-agent.yang
 * validated by libyang (lib/yconf.c).  The file is read first; an option
 * on the command line then overrides its value, and a list given there
 * (--interfaces, --capacity, --flowlet-prefix) replaces the file's.
 */
#ifndef FABRIC_AGENT_CONF_H
#define FABRIC_AGENT_CONF_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "flowlet.h"
#include "sample.h"

#define AGENT_YANG_MODULE	"fabric-agent"
#define AGENT_DEF_INTERVAL	100	/* ms */
#define AGENT_MIN_INTERVAL	10
#define AGENT_MAX_INTERVAL	60000
#define AGENT_DEF_FRR_INTERVAL	5	/* s: BGP states, FIB refresh */
#define AGENT_MAX_FRR_INTERVAL	3600
#define AGENT_CONF_STRS		8	/* strings the file gives */

struct agent_conf {
	struct sample_conf	 sc;
	struct flowlet_conf	 fc;
	const char		*publish, *keyfile, *id;
	long			 interval;
	int			 verbose;
	int			 cleanup;	/* --flowlet-cleanup */
	int			 bgp_state;
	const char		*frr_ns;
	const char		*lcomm;
	uint32_t		 frr_interval;	/* s */
	const char		*file;		/* -f */
	int			 check;		/* --check: print, exit */
	int			 cli_ifnames;	/* lists the command line */
	int			 cli_caps;	/* gave: the file's are */
	int			 cli_prefixes;	/* replaced, not added to */
	char			*strs[AGENT_CONF_STRS];	/* the file's */
	int			 nstrs;
};

/* agent_conf.c */
void	 agent_conf_default(struct agent_conf *);
int	 agent_conf_load(struct agent_conf *, const char *, char *, size_t);
void	 agent_conf_free(struct agent_conf *);
int	 agent_conf_print(const struct agent_conf *, FILE *);

#endif /* FABRIC_AGENT_CONF_H */
