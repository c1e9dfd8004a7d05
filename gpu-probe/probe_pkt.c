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
	if (ibuf_add_n64(b, p->csum) == -1 ||
	    ibuf_add_zero(b, probe_pad(p->payload_len)) == -1 ||
	    ibuf_add_n32(b, 0) == -1)
		return -1;
	return 0;
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

static enum probe_err
probe_parse_body(struct ibuf *b, struct probe_pkt *p, uint8_t pad, int verify)
{
	struct ibuf	 pl;
	size_t		 want;

	if (p->payload_len > PROBE_PAYLOAD_MAX ||
	    pad != probe_pad(p->payload_len))
		return PROBE_E_LENGTH;
	want = (size_t)p->payload_len + PROBE_CSUM_LEN + pad + PROBE_ICRC_LEN;
	if (ibuf_size(b) < want)
		return PROBE_E_TRUNCATED;
	if (ibuf_size(b) > want)
		return PROBE_E_LENGTH;
	if (ibuf_get_ibuf(b, p->payload_len, &pl) == -1 ||
	    ibuf_get_n64(b, &p->csum) == -1 ||
	    ibuf_skip(b, pad) == -1 ||
	    ibuf_get_n32(b, &p->icrc) == -1)
		return PROBE_E_TRUNCATED;	/* not reached: sized above */
	p->payload = ibuf_data(&pl);
	if (!verify)
		return PROBE_OK;
	p->verdict = payload_verify(p->payload, p->payload_len, p->seed,
	    p->seq, p->csum);
	return p->verdict != 0 ? PROBE_E_INTEGRITY : PROBE_OK;
}

/*
 * Parses the unread octets of in as one probe packet (one UDP payload)
 * and consumes them.  *p is filled as far as the parse got; p->payload
 * borrows in's bytes.  The result is counted in *st (may be NULL).
 */
static enum probe_err
parse(struct ibuf *in, struct probe_pkt *p, struct probe_stats *st,
    int verify)
{
	struct ibuf	 b;
	struct probe_pkt pkt = { 0 };
	enum probe_err	 e;
	uint8_t		 pad = 0;

	ibuf_from_buffer(&b, ibuf_data(in), ibuf_size(in));
	(void)ibuf_skip(in, ibuf_size(in));
	if ((e = probe_parse_bth(&b, &pkt, &pad)) == PROBE_OK &&
	    (e = probe_parse_hdr(&b, &pkt)) == PROBE_OK)
		e = probe_parse_body(&b, &pkt, pad, verify);
	*p = pkt;
	if (st != NULL)
		st->count[e]++;
	return e;
}

enum probe_err
probe_parse(struct ibuf *in, struct probe_pkt *p, struct probe_stats *st)
{
	return parse(in, p, st, 1);
}

/*
 * As probe_parse(), but the payload is left unverified (p->verdict 0,
 * PROBE_OK for a well-formed packet): the caller verifies p->payload
 * against (seed, seq, csum) itself, in a batch on the GPU, and counts.
 */
enum probe_err
probe_parse_deferred(struct ibuf *in, struct probe_pkt *p)
{
	return parse(in, p, NULL, 0);
}
