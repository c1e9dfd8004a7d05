/*
 * fabric-probe's libibverbs transport (probe_verbs.c): one UD queue pair
 * that sends the same probe packets as the UDP back end (probe_pkt.h,
 * BTH and DETH included, so that one parser verifies both) and receives
 * them through a ring of posted receives.  Opaque, so that it compiles
 * without libibverbs: then verbs_open() fails, saying so.
 *
 *   verbs_open   device, port, GID, PD, one MR (ibv_reg_dmabuf_mr when
 *                conf->dmabuf_fd >= 0, else ibv_reg_mr on host memory),
 *                CQs, the QP taken RESET -> INIT -> RTR -> RTS, every
 *                receive posted; NULL and why in err on failure
 *   verbs_send   one probe to (GID, QPN); an address handle per GID,
 *                kept; 0, or -1 and why
 *   verbs_poll   reaps both CQs, parses and verifies what arrived (the
 *                UDP path's probe_parse()), reposts; the number of
 *                accepted probes copied to out (payload pointers valid
 *                until the next poll), or -1 and why (a completion error)
 */
#ifndef FABRIC_PROBE_VERBS_H
#define FABRIC_PROBE_VERBS_H

#include <stddef.h>
#include <stdint.h>

#include "probe_pkt.h"

#define VERBS_QKEY		0x46505242U	/* "FPRB", every probe QP */
#define VERBS_GRH_LEN		40	/* UD receives start with the GRH */
#define VERBS_RING_MAX		4096
#define VERBS_AH_MAX		64	/* destinations (GIDs) per endpoint */

struct verbs_conf {
	uint8_t		 port;		/* 1 */
	uint8_t		 gid_index;	/* RoCEv2 GID of the port */
	unsigned int	 ring;		/* receives posted; sends in flight */
	int		 dmabuf_fd;	/* -1: host memory, ibv_reg_mr */
	uint64_t	 dmabuf_offset;
	void		*buf;		/* with dmabuf_fd: its CPU mapping */
	size_t		 buf_len;	/* with dmabuf_fd: its length */
};

struct verbs_stats {
	uint64_t		 sent, received;
	uint64_t		 send_ring_full;	/* verbs_send refused */
	uint64_t		 recv_ring_empty;	/* UD may have dropped */
	uint64_t		 cq_errors;
	struct probe_stats	 parse;		/* PROBE_E_INTEGRITY included */
};

struct verbs_ep;

/* probe_verbs.c */
void		 verbs_conf_default(struct verbs_conf *);
size_t		 verbs_buf_len(const struct verbs_conf *);
struct verbs_ep	*verbs_open(const struct verbs_conf *, char *, size_t);
void		 verbs_close(struct verbs_ep *);
uint32_t	 verbs_qpn(const struct verbs_ep *);
void		 verbs_gid(const struct verbs_ep *, uint8_t [16]);
int		 verbs_send(struct verbs_ep *, const uint8_t [16], uint32_t,
		    struct probe_pkt *, char *, size_t);
int		 verbs_poll(struct verbs_ep *, struct probe_pkt *, size_t,
		    char *, size_t);
const struct verbs_stats *verbs_stats(const struct verbs_ep *);

#endif /* FABRIC_PROBE_VERBS_H */
