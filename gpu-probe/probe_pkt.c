/*
 * Probe packet writer and parser (probe_pkt.h has the layout).
 */
#ifndef PROBE_STANDALONE
#include "config.h"
#endif

#include <errno.h>
#include <string.h>

#include "payload.h"
#include "probe_pkt.h"

#define BTH_TVER_MASK	0x0f
#define BTH_PAD_SHIFT	4
#define BTH_PAD_MASK	0x03

static const char *const probe_errstr[PROBE_E_MAX] = {
	[PROBE_OK] = "ok",
	[PROBE_E_TRUNCATED] = "truncated",
	[PROBE_E_OPCODE] = "bad opcode",
	[PROBE_E_BTH] = "bad BTH (P_Key or transport version)",
	[PROBE_E_MAGIC] = "bad magic",
	[PROBE_E_VERSION] = "bad version",
	[PROBE_E_LENGTH] = "length mismatch",
	[PROBE_E_INTEGRITY] = "payload integrity failure",
};

/* Short names for counters (JSON keys). */
static const char *const probe_errkey[PROBE_E_MAX] = {
	[PROBE_OK] = "ok",
	[PROBE_E_TRUNCATED] = "truncated",
	[PROBE_E_OPCODE] = "opcode",
	[PROBE_E_BTH] = "bth",
	[PROBE_E_MAGIC] = "magic",
	[PROBE_E_VERSION] = "version",
	[PROBE_E_LENGTH] = "length",
	[PROBE_E_INTEGRITY] = "integrity",
};

const char *
probe_err_key(enum probe_err e)
{
	if ((unsigned int)e >= PROBE_E_MAX)
		return "unknown";
	return probe_errkey[e];
}

const char *
probe_strerror(enum probe_err e)
{
	if ((unsigned int)e >= PROBE_E_MAX)
		return "unknown";
	return probe_errstr[e];
}

int
probe_err_malformed(enum probe_err e)
{
	return e != PROBE_OK && e != PROBE_E_INTEGRITY;
}

/* Pad octets that make the IB payload (40 + len + 8) a multiple of 4. */
static size_t
probe_pad(uint32_t payload_len)
{
	return (4 - payload_len % 4) % 4;
}

static int
probe_is_ud(uint8_t opcode)
{
	return opcode == PROBE_OP_UD_SEND_ONLY;
}

size_t
probe_pkt_len(const struct probe_pkt *p)
{
	return PROBE_BTH_LEN + (probe_is_ud(p->opcode) ? PROBE_DETH_LEN : 0) +
	    PROBE_HDR_LEN + p->payload_len + PROBE_CSUM_LEN +
	    probe_pad(p->payload_len) + PROBE_ICRC_LEN;
}

static int
probe_check(const struct probe_pkt *p)
{
	if (p->opcode != PROBE_OP_RC_SEND_ONLY &&
	    p->opcode != PROBE_OP_UD_SEND_ONLY) {
		errno = EINVAL;
		return -1;
	}
	if (p->dest_qp > PROBE_QP_MAX || p->psn > PROBE_PSN_MAX ||
	    p->src_qp > PROBE_QP_MAX || p->payload_len > PROBE_PAYLOAD_MAX) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

static int
probe_write_bth(struct ibuf *b, const struct probe_pkt *p)
{
	uint8_t	 flags = (uint8_t)(probe_pad(p->payload_len) << BTH_PAD_SHIFT);

	if (ibuf_add_n8(b, p->opcode) == -1 ||
	    ibuf_add_n8(b, flags) == -1 ||
	    ibuf_add_n16(b, PROBE_PKEY_DEFAULT) == -1 ||
	    ibuf_add_n32(b, p->dest_qp) == -1 ||
	    ibuf_add_n32(b, (uint32_t)(p->ackreq ? 0x80 : 0) << 24 |
	    p->psn) == -1)
		return -1;
	if (!probe_is_ud(p->opcode))
		return 0;
	if (ibuf_add_n32(b, p->qkey) == -1 ||
	    ibuf_add_n32(b, p->src_qp) == -1)
		return -1;
	return 0;
}

static int
probe_write_hdr(struct ibuf *b, const struct probe_pkt *p)
{
	if (ibuf_add_n32(b, PROBE_MAGIC) == -1 ||
	    ibuf_add_n8(b, PROBE_VERSION) == -1 ||
	    ibuf_add_n8(b, p->flags) == -1 ||
	    ibuf_add_n16(b, p->src_port) == -1 ||
	    ibuf_add_n32(b, p->path_id) == -1 ||
	    ibuf_add_n32(b, p->payload_len) == -1 ||
	    ibuf_add_n64(b, p->seq) == -1 ||
	    ibuf_add_n64(b, p->send_ns) == -1 ||
	    ibuf_add_n64(b, p->seed) == -1)
		return -1;
	return 0;
}

/* The trailer: checksum, pad, ICRC (zero). */
static int
probe_write_trailer(struct ibuf *b, const struct probe_pkt *p)
{
	if (ibuf_add_n64(b, p->csum) == -1 ||
	    ibuf_add_zero(b, probe_pad(p->payload_len)) == -1 ||
	    ibuf_add_n32(b, 0) == -1)
		return -1;
	return 0;
}

/* given: a payload filled elsewhere (the GPU path), p->csum its checksum */
static int
probe_write_body(struct ibuf *b, struct probe_pkt *p, const void *given)
{
	void	*pl = NULL;

	if (p->payload_len > 0 &&
	    (pl = ibuf_reserve(b, p->payload_len)) == NULL)
		return -1;
	if (given == NULL)
		p->csum = payload_fill(pl, p->payload_len, p->seed, p->seq);
	else if (p->payload_len > 0)
		memcpy(pl, given, p->payload_len);
	return probe_write_trailer(b, p);
}

/*
 * Appends the packet p describes, its payload filled from (seed, seq),
 * and sets p->csum.  On failure (-1, errno as ibuf's, or EINVAL/ERANGE
 * for a field out of range) b is as it was.
 */
int
probe_write(struct ibuf *b, struct probe_pkt *p)
{
	return probe_write_payload(b, p, NULL, 0);
}

/*
 * As probe_write(), with payload_len octets of payload copied from payload
 * (filled elsewhere: the GPU path) and csum as its checksum; payload NULL
 * fills it from (seed, seq) as probe_write() does.
 */
int
probe_write_payload(struct ibuf *b, struct probe_pkt *p, const void *payload,
    uint64_t csum)
{
	size_t	 start = ibuf_size(b);
	int	 saved;

	if (probe_check(p) == -1)
		return -1;
	if (payload != NULL)
		p->csum = csum;
	if (probe_write_bth(b, p) == -1 || probe_write_hdr(b, p) == -1 ||
	    probe_write_body(b, p, payload) == -1) {
		saved = errno;
		(void)ibuf_truncate(b, start);
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * The packet without its payload, for a payload that lies elsewhere (in
 * GPU memory the NIC gathers from): BTH, DETH if UD and the probe header
 * appended to head, checksum (csum, the payload's), pad and ICRC to tail.
 * Sent as head, payload_len octets of payload, tail, the octets are those
 * probe_write_payload() builds.  On failure (-1) both are as they were.
 */
int
probe_write_split(struct ibuf *head, struct ibuf *tail, struct probe_pkt *p,
    uint64_t csum)
{
	size_t	 hs = ibuf_size(head), ts = ibuf_size(tail);
	int	 saved;

	if (probe_check(p) == -1)
		return -1;
	p->csum = csum;
	if (probe_write_bth(head, p) == -1 || probe_write_hdr(head, p) == -1 ||
	    probe_write_trailer(tail, p) == -1) {
		saved = errno;
		(void)ibuf_truncate(head, hs);
		(void)ibuf_truncate(tail, ts);
		errno = saved;
		return -1;
	}
	return 0;
}

static enum probe_err
probe_parse_bth(struct ibuf *b, struct probe_pkt *p, uint8_t *pad)
{
	uint8_t		 flags;
	uint16_t	 pkey;
	uint32_t	 qp, psn;

	if (ibuf_get_n8(b, &p->opcode) == -1 ||
	    ibuf_get_n8(b, &flags) == -1 ||
	    ibuf_get_n16(b, &pkey) == -1 ||
	    ibuf_get_n32(b, &qp) == -1 ||
	    ibuf_get_n32(b, &psn) == -1)
		return PROBE_E_TRUNCATED;
	if (p->opcode != PROBE_OP_RC_SEND_ONLY &&
	    p->opcode != PROBE_OP_UD_SEND_ONLY)
		return PROBE_E_OPCODE;
	if (pkey != PROBE_PKEY_DEFAULT || (flags & BTH_TVER_MASK) != 0)
		return PROBE_E_BTH;
	*pad = (flags >> BTH_PAD_SHIFT) & BTH_PAD_MASK;
	p->dest_qp = qp & PROBE_QP_MAX;
	p->ackreq = (psn >> 31) & 1;
	p->psn = psn & PROBE_PSN_MAX;
	if (!probe_is_ud(p->opcode))
		return PROBE_OK;
	if (ibuf_get_n32(b, &p->qkey) == -1 ||
	    ibuf_get_n32(b, &qp) == -1)
		return PROBE_E_TRUNCATED;
	p->src_qp = qp & PROBE_QP_MAX;
	return PROBE_OK;
}

static enum probe_err
probe_parse_hdr(struct ibuf *b, struct probe_pkt *p)
{
	uint32_t	 magic;
	uint8_t		 version;

	if (ibuf_get_n32(b, &magic) == -1)
		return PROBE_E_TRUNCATED;
	if (magic != PROBE_MAGIC)
		return PROBE_E_MAGIC;
	if (ibuf_get_n8(b, &version) == -1)
		return PROBE_E_TRUNCATED;
	if (version != PROBE_VERSION)
		return PROBE_E_VERSION;
	/* flags: unknown ones are ignored, so that senders can add some */
	if (ibuf_get_n8(b, &p->flags) == -1 ||
	    ibuf_get_n16(b, &p->src_port) == -1 ||
	    ibuf_get_n32(b, &p->path_id) == -1 ||
	    ibuf_get_n32(b, &p->payload_len) == -1 ||
	    ibuf_get_n64(b, &p->seq) == -1 ||
	    ibuf_get_n64(b, &p->send_ns) == -1 ||
	    ibuf_get_n64(b, &p->seed) == -1)
		return PROBE_E_TRUNCATED;
	return PROBE_OK;
}

/* Whether have octets after the header hold the body its fields promise. */
static enum probe_err
probe_body_len(const struct probe_pkt *p, uint8_t pad, size_t have)
{
	size_t		 want;

	if (p->payload_len > PROBE_PAYLOAD_MAX ||
	    pad != probe_pad(p->payload_len))
		return PROBE_E_LENGTH;
	want = (size_t)p->payload_len + PROBE_CSUM_LEN + pad + PROBE_ICRC_LEN;
	if (have < want)
		return PROBE_E_TRUNCATED;
	if (have > want)
		return PROBE_E_LENGTH;
	return PROBE_OK;
}

static enum probe_err
probe_parse_trailer(struct ibuf *b, struct probe_pkt *p, uint8_t pad)
{
	if (ibuf_get_n64(b, &p->csum) == -1 ||
	    ibuf_skip(b, pad) == -1 ||
	    ibuf_get_n32(b, &p->icrc) == -1)
		return PROBE_E_TRUNCATED;	/* not reached: sized before */
	return PROBE_OK;
}

static enum probe_err
probe_parse_body(struct ibuf *b, struct probe_pkt *p, uint8_t pad, int verify)
{
	struct ibuf	 pl;
	enum probe_err	 e;

	if ((e = probe_body_len(p, pad, ibuf_size(b))) != PROBE_OK)
		return e;
	if (ibuf_get_ibuf(b, p->payload_len, &pl) == -1)
		return PROBE_E_TRUNCATED;	/* not reached: sized above */
	if ((e = probe_parse_trailer(b, p, pad)) != PROBE_OK)
		return e;
	p->payload = ibuf_data(&pl);
	if (!verify)
		return PROBE_OK;
	p->verdict = payload_verify(p->payload, p->payload_len, p->seed,
	    p->seq, p->csum);
	return p->verdict != 0 ? PROBE_E_INTEGRITY : PROBE_OK;
}

/*
 * The body of a split packet: ext octets went elsewhere (GPU memory),
 * the rest to tail.  The payload must be exactly those ext octets (a
 * receiver that scatters payload_len octets there knows no other
 * length), and the header must have ended where head did.
 */
static enum probe_err
probe_parse_ext(struct ibuf *head, struct ibuf *tail, size_t ext,
    struct probe_pkt *p, uint8_t pad)
{
	enum probe_err	 e;

	if (ibuf_size(head) != 0)
		return PROBE_E_LENGTH;
	if ((e = probe_body_len(p, pad, ext + ibuf_size(tail))) != PROBE_OK)
		return e;
	if (p->payload_len != ext)
		return PROBE_E_LENGTH;
	return probe_parse_trailer(tail, p, pad);
}

/*
 * Parses head as one probe packet and consumes it: the whole packet
 * (tail NULL), or (split) its headers, with ext octets of payload
 * elsewhere and the trailer in tail.  *p is filled as far as the parse
 * got; p->payload borrows head's bytes (NULL when split).  The result is
 * counted in *st (may be NULL).
 */
static enum probe_err
parse(struct ibuf *head, struct ibuf *tail, size_t ext, struct probe_pkt *p,
    struct probe_stats *st, int verify)
{
	struct ibuf	 b, t = { 0 };
	struct probe_pkt pkt = { 0 };
	enum probe_err	 e;
	uint8_t		 pad = 0;

	ibuf_from_buffer(&b, ibuf_data(head), ibuf_size(head));
	(void)ibuf_skip(head, ibuf_size(head));
	if (tail != NULL) {
		ibuf_from_buffer(&t, ibuf_data(tail), ibuf_size(tail));
		(void)ibuf_skip(tail, ibuf_size(tail));
	}
	if ((e = probe_parse_bth(&b, &pkt, &pad)) == PROBE_OK &&
	    (e = probe_parse_hdr(&b, &pkt)) == PROBE_OK)
		e = tail == NULL ? probe_parse_body(&b, &pkt, pad, verify) :
		    probe_parse_ext(&b, &t, ext, &pkt, pad);
	*p = pkt;
	if (st != NULL)
		st->count[e]++;
	return e;
}

/*
 * Parses the unread octets of in as one probe packet (one UDP payload)
 * and consumes them.  *p is filled as far as the parse got; p->payload
 * borrows in's bytes.  The result is counted in *st (may be NULL).
 */
enum probe_err
probe_parse(struct ibuf *in, struct probe_pkt *p, struct probe_stats *st)
{
	return parse(in, NULL, 0, p, st, 1);
}

/*
 * As probe_parse(), but the payload is left unverified (p->verdict 0,
 * PROBE_OK for a well-formed packet): the caller verifies p->payload
 * against (seed, seq, csum) itself, in a batch on the GPU, and counts.
 */
enum probe_err
probe_parse_deferred(struct ibuf *in, struct probe_pkt *p)
{
	return parse(in, NULL, 0, p, NULL, 0);
}

/*
 * A packet received in pieces (GPUDirect: headers to host memory, the
 * payload to GPU memory the CPU cannot read, the trailer to host memory):
 * head holds BTH and probe header (exactly), ext octets went to the GPU,
 * tail holds the rest.  The same checks as probe_parse(), plus: the
 * payload is exactly the ext octets.  The payload is not verified here
 * (p->payload NULL, p->verdict 0): the caller verifies it in place
 * against (seed, seq, csum) and counts.  Not counted in any stats.
 */
enum probe_err
probe_parse_split(struct ibuf *head, size_t ext, struct ibuf *tail,
    struct probe_pkt *p)
{
	return parse(head, tail, ext, p, NULL, 0);
}
