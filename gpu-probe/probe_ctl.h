/*
 * fabric-probe's verbs back end, the parts without I/O (probe_ctl.c):
 *
 * - Steering.  A RoCEv2 RC queue pair's UDP source port is derived from
 *   the flow label fl in its address vector (Linux rdma_get_udp_sport():
 *   0xC000 | ((fl & 0x3fff) ^ (fl >> 14)); rxe, mlx5 and others), so the
 *   path that UDP discovery found with source port s (0xC000..0xFFFF) is
 *   taken again by a QP whose flow label maps back to s.  fl = s & 0x3fff,
 *   except for s = 0xC000, whose fl would be 0, which the kernel reads as
 *   "no flow label" and replaces by a hash of the QP numbers: 0x4001
 *   ((1 ^ 1) = 0 in the low bits, high part 1) maps to 0xC000 as well.
 *
 * - The control protocol (TCP, --control-port, 4792): one request and
 *   one reply per connection, each of a fixed size, big-endian:
 *
 *   request  36  magic n32 "FPCT", version n8, type n8 (1: connect),
 *                reserved n16 (0), sender's GID 16, QPN n32 (24 bits),
 *                PSN n32 (24 bits), flow label n32 (20 bits, not 0)
 *   reply    96  magic n32, version n8, status n8 (0: ok, 1: refused),
 *                reserved n16 (0), responder's GID 16, QPN n32, PSN n32,
 *                error text 64 (printable, NUL-padded; empty when ok)
 *
 *   The parsers read through one bounds-checked ibuf, as every other wire
 *   parser here does; anything else is refused and counted by reason.
 */
#ifndef FABRIC_PROBE_CTL_H
#define FABRIC_PROBE_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "ibuf.h"

#define CTL_PORT		4792
#define CTL_MAGIC		0x46504354U	/* "FPCT" */
#define CTL_VERSION		1
#define CTL_T_CONNECT		1
#define CTL_REQ_LEN		36
#define CTL_ERR_LEN		64
#define CTL_REP_LEN		(32 + CTL_ERR_LEN)
#define CTL_ST_OK		0
#define CTL_ST_REFUSED		1
#define CTL_FL_MAX		0xfffffU	/* 20 bits */
#define CTL_24_MAX		0xffffffU

enum ctl_err {
	CTL_OK = 0,
	CTL_E_LENGTH,		/* not exactly the message's size */
	CTL_E_MAGIC,
	CTL_E_VERSION,
	CTL_E_TYPE,		/* type or status unknown */
	CTL_E_FIELD,		/* reserved set, QPN/PSN/label out of range,
				   error text not printable */
	CTL_E_MAX
};

/* What each side tells the other: one end of an RC connection. */
struct ctl_end {
	uint8_t		 gid[16];
	uint32_t	 qpn;
	uint32_t	 psn;
	uint32_t	 flow_label;	/* request only */
};

struct ctl_reply {
	uint8_t		 status;
	struct ctl_end	 end;
	char		 err[CTL_ERR_LEN + 1];
};

/* probe_ctl.c */
uint32_t	 ctl_sport_to_fl(uint16_t);
uint16_t	 ctl_fl_to_sport(uint32_t);
int		 ctl_write_req(struct ibuf *, const struct ctl_end *);
enum ctl_err	 ctl_parse_req(struct ibuf *, struct ctl_end *);
int		 ctl_write_reply(struct ibuf *, const struct ctl_reply *);
enum ctl_err	 ctl_parse_reply(struct ibuf *, struct ctl_reply *);
const char	*ctl_strerror(enum ctl_err);

#endif /* FABRIC_PROBE_CTL_H */
