/*
 * Flow label steering and the control protocol's codec (probe_ctl.h).
 * No I/O: the daemon, the unit tests and a fuzzer share it.
 */
#include "config.h"

#include <string.h>

#include "probe_ctl.h"

/* The flow label whose RoCEv2 UDP source port is sport; 0: none does. */
uint32_t
ctl_sport_to_fl(uint16_t sport)
{
	if (sport < 0xc000)
		return 0;	/* the kernel's ports are 0xC000..0xFFFF */
	if ((sport & 0x3fff) == 0)
		return 0x4001;	/* 0 means "no label": see probe_ctl.h */
	return sport & 0x3fff;
}

/* The UDP source port Linux derives from flow label fl (not 0). */
uint16_t
ctl_fl_to_sport(uint32_t fl)
{
	return (uint16_t)(0xc000 | (((fl & 0x3fff) ^ (fl >> 14)) & 0x3fff));
}

static int
ctl_write_head(struct ibuf *b, uint8_t type_or_status)
{
	return ibuf_add_n32(b, CTL_MAGIC) == -1 ||
	    ibuf_add_n8(b, CTL_VERSION) == -1 ||
	    ibuf_add_n8(b, type_or_status) == -1 ||
	    ibuf_add_n16(b, 0) == -1 ? -1 : 0;
}

int
ctl_write_req(struct ibuf *b, const struct ctl_end *e)
{
	if (e->qpn > CTL_24_MAX || e->psn > CTL_24_MAX ||
	    e->flow_label == 0 || e->flow_label > CTL_FL_MAX)
		return -1;
	if (ctl_write_head(b, CTL_T_CONNECT) == -1 ||
	    ibuf_add(b, e->gid, sizeof(e->gid)) == -1 ||
	    ibuf_add_n32(b, e->qpn) == -1 ||
	    ibuf_add_n32(b, e->psn) == -1 ||
	    ibuf_add_n32(b, e->flow_label) == -1)
		return -1;
	return 0;
}

static enum ctl_err
ctl_parse_head(struct ibuf *b, size_t want, uint8_t *type)
{
	uint32_t	 magic;
	uint16_t	 rsvd;
	uint8_t		 version;

	if (ibuf_size(b) != want)
		return CTL_E_LENGTH;
	if (ibuf_get_n32(b, &magic) == -1 ||
	    ibuf_get_n8(b, &version) == -1 ||
	    ibuf_get_n8(b, type) == -1 ||
	    ibuf_get_n16(b, &rsvd) == -1)
		return CTL_E_LENGTH;
	if (magic != CTL_MAGIC)
		return CTL_E_MAGIC;
	if (version != CTL_VERSION)
		return CTL_E_VERSION;
	return rsvd != 0 ? CTL_E_FIELD : CTL_OK;
}

/* A connect request; e is written only when it is acceptable. */
enum ctl_err
ctl_parse_req(struct ibuf *b, struct ctl_end *e)
{
	struct ctl_end	 r = { 0 };
	enum ctl_err	 err;
	uint8_t		 type;

	if ((err = ctl_parse_head(b, CTL_REQ_LEN, &type)) != CTL_OK)
		return err;
	if (type != CTL_T_CONNECT)
		return CTL_E_TYPE;
	if (ibuf_get(b, r.gid, sizeof(r.gid)) == -1 ||
	    ibuf_get_n32(b, &r.qpn) == -1 ||
	    ibuf_get_n32(b, &r.psn) == -1 ||
	    ibuf_get_n32(b, &r.flow_label) == -1)
		return CTL_E_LENGTH;
	if (r.qpn > CTL_24_MAX || r.qpn < 2 || r.psn > CTL_24_MAX ||
	    r.flow_label == 0 || r.flow_label > CTL_FL_MAX)
		return CTL_E_FIELD;
	*e = r;
	return CTL_OK;
}

int
ctl_write_reply(struct ibuf *b, const struct ctl_reply *r)
{
	char	 text[CTL_ERR_LEN] = { 0 };
	size_t	 n = strnlen(r->err, CTL_ERR_LEN);

	if (r->end.qpn > CTL_24_MAX || r->end.psn > CTL_24_MAX ||
	    r->status > CTL_ST_REFUSED)
		return -1;
	memcpy(text, r->err, n);
	if (ctl_write_head(b, r->status) == -1 ||
	    ibuf_add(b, r->end.gid, sizeof(r->end.gid)) == -1 ||
	    ibuf_add_n32(b, r->end.qpn) == -1 ||
	    ibuf_add_n32(b, r->end.psn) == -1 ||
	    ibuf_add(b, text, sizeof(text)) == -1)
		return -1;
	return 0;
}

/* The error text: printable ASCII, then only NULs. */
static int
ctl_text_ok(const char *t, size_t len)
{
	size_t	 i, n = strnlen(t, len);

	for (i = 0; i < n; i++)
		if (t[i] < 0x20 || t[i] > 0x7e)
			return 0;
	for (; i < len; i++)
		if (t[i] != '\0')
			return 0;
	return 1;
}

enum ctl_err
ctl_parse_reply(struct ibuf *b, struct ctl_reply *out)
{
	struct ctl_reply r = { 0 };
	enum ctl_err	 err;

	if ((err = ctl_parse_head(b, CTL_REP_LEN, &r.status)) != CTL_OK)
		return err;
	if (r.status > CTL_ST_REFUSED)
		return CTL_E_TYPE;
	if (ibuf_get(b, r.end.gid, sizeof(r.end.gid)) == -1 ||
	    ibuf_get_n32(b, &r.end.qpn) == -1 ||
	    ibuf_get_n32(b, &r.end.psn) == -1 ||
	    ibuf_get(b, r.err, CTL_ERR_LEN) == -1)
		return CTL_E_LENGTH;
	if (!ctl_text_ok(r.err, CTL_ERR_LEN) ||
	    (r.status == CTL_ST_OK && (r.end.qpn > CTL_24_MAX ||
	    r.end.qpn < 2 || r.end.psn > CTL_24_MAX || r.err[0] != '\0')))
		return CTL_E_FIELD;
	*out = r;
	return CTL_OK;
}

const char *
ctl_strerror(enum ctl_err e)
{
	switch (e) {
	case CTL_OK:		return "ok";
	case CTL_E_LENGTH:	return "wrong length";
	case CTL_E_MAGIC:	return "bad magic";
	case CTL_E_VERSION:	return "unknown version";
	case CTL_E_TYPE:	return "unknown type or status";
	case CTL_E_FIELD:	return "field out of range";
	default:		return "?";
	}
}
