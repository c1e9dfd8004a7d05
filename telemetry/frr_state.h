/*
 * fabric-agent's view of FRR's BGP sessions (frr_state.c): `vtysh [-N NS]
 * -c 'show bgp summary json'`, run with fork/exec (lib/proc.c), parsed
 * into TMSG type 3 records.  The parser does no I/O, for the unit tests.
 */
#ifndef FABRIC_FRR_STATE_H
#define FABRIC_FRR_STATE_H

#include <stddef.h>

#include "flowlet.h"
#include "tmsg.h"

#define FRR_OUT_MAX	(1 << 20)	/* bytes of vtysh output read */

/* frr_state.c */
int	 frr_bgp_parse(const char *, struct tmsg *);
int	 frr_bgp_poll(const char *, char *, size_t, struct tmsg *);
int	 frr_lcomm_valid(const char *);
int	 frr_lcomm_parse(const char *, struct flowlet_prefix *, int);
int	 frr_lcomm_poll(const char *, const char *, char *, size_t,
	    struct flowlet_prefix *, int);

#endif /* FABRIC_FRR_STATE_H */
