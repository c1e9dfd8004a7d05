/*
 * Probe packets, framed as RoCEv2 so that captures and switches treat
 * them as RoCE: the UDP payload to destination port 4791 is
 *
 *   BTH    12  opcode n8, SE/M/pad count/transport version n8,
 *              P_Key n16 (0xffff), reserved n8 + destination QP n24,
 *              AckReq/reserved n8 + PSN n24
 *   DETH    8  (UD SEND ONLY only) Q_Key n32, reserved n8 + source QP n24
 *   probe  40  magic n32 "FPRB", version n8, flags n8, source port n16,
 *              path id n32, payload length n32, sequence n64,
 *              send time ns n64, pattern seed n64
 *   payload    payload length octets (payload_algo.h: the pattern)
 *   csum    8  payload checksum n64 (payload_algo.h)
 *   pad   0-3  zero, so that the IB payload is a multiple of 4 (BTH pad
 *              count)
 *   ICRC    4  written as zero: not computed (see docs/PROBE.md)
 *
 * The writer and the parser work on struct ibuf; the parser does no I/O,
 * so the daemon, the unit tests and the fuzzer share it.  A payload that
 * does not match its pattern or checksum is an integrity failure, counted
 * apart from malformed packets: it means the path corrupts data.
 */
#ifndef FABRIC_PROBE_PKT_H
#define FABRIC_PROBE_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "ibuf.h"

#define PROBE_UDP_PORT		4791	/* RoCEv2 */
#define PROBE_OP_RC_SEND_ONLY	0x04
#define PROBE_OP_UD_SEND_ONLY	0x64
#define PROBE_PKEY_DEFAULT	0xffff
#define PROBE_QP_MAX		0xffffffU	/* 24 bits */
#define PROBE_PSN_MAX		0xffffffU
#define PROBE_MAGIC		0x46505242U	/* "FPRB" */
#define PROBE_VERSION		1

/* Probe header flags (fabric-probe's echo protocol, docs/PROBE.md). */
#define PROBE_F_REPLY		0x01	/* an echo of the probe it names */
#define PROBE_F_CORRUPT		0x02	/* reply: that probe's payload failed
					   verification at the responder */
#define PROBE_F_DISCOVER	0x04	/* a path discovery probe */

#define PROBE_BTH_LEN		12
#define PROBE_DETH_LEN		8
#define PROBE_HDR_LEN		40
#define PROBE_CSUM_LEN		8
#define PROBE_ICRC_LEN		4
#define PROBE_TRAILER_MAX	(PROBE_CSUM_LEN + 3 + PROBE_ICRC_LEN)
#define PROBE_PAYLOAD_MAX	4096	/* the largest RoCE MTU */
#define PROBE_PKT_MAX		(PROBE_BTH_LEN + PROBE_DETH_LEN +	\
	PROBE_HDR_LEN + PROBE_PAYLOAD_MAX + PROBE_CSUM_LEN + 3 +	\
	PROBE_ICRC_LEN)

/* Parse results; each one has a counter in struct probe_stats. */
enum probe_err {
	PROBE_OK = 0,
	PROBE_E_TRUNCATED,	/* shorter than its headers say */
	PROBE_E_OPCODE,		/* not RC/UD SEND ONLY */
	PROBE_E_BTH,		/* P_Key or transport version */
	PROBE_E_MAGIC,
	PROBE_E_VERSION,
	PROBE_E_LENGTH,		/* payload length, pad count or trailing data */
	PROBE_E_INTEGRITY,	/* well formed, payload corrupted */
	PROBE_E_MAX
};

struct probe_pkt {
	uint8_t		 opcode;
	uint8_t		 ackreq;
	uint32_t	 dest_qp;
	uint32_t	 psn;
	uint32_t	 qkey;		/* UD only */
	uint32_t	 src_qp;	/* UD only */
	uint8_t		 flags;		/* PROBE_F_* */
	uint16_t	 src_port;	/* the UDP source port it was sent with */
	uint32_t	 path_id;
	uint32_t	 payload_len;
	uint64_t	 seq;
	uint64_t	 send_ns;
	uint64_t	 seed;
	uint64_t	 csum;		/* filled by write and parse */
	uint32_t	 icrc;		/* parse only */
	int		 verdict;	/* parse: PAYLOAD_BAD_* bits */
	const uint8_t	*payload;	/* parse: borrowed from the input;
					   NULL from probe_parse_split() */
};

struct probe_stats {
	uint64_t	 count[PROBE_E_MAX];	/* [PROBE_OK]: accepted */
};

/* probe_pkt.c */
int		 probe_write(struct ibuf *, struct probe_pkt *);
int		 probe_write_payload(struct ibuf *, struct probe_pkt *,
		    const void *, uint64_t);
int		 probe_write_split(struct ibuf *, struct ibuf *,
		    struct probe_pkt *, uint64_t);
size_t		 probe_pkt_len(const struct probe_pkt *);
enum probe_err	 probe_parse(struct ibuf *, struct probe_pkt *,
		    struct probe_stats *);
enum probe_err	 probe_parse_deferred(struct ibuf *, struct probe_pkt *);
enum probe_err	 probe_parse_split(struct ibuf *, size_t, struct ibuf *,
		    struct probe_pkt *);
int		 probe_err_malformed(enum probe_err);
const char	*probe_strerror(enum probe_err);
const char	*probe_err_key(enum probe_err);

#endif /* FABRIC_PROBE_PKT_H */
