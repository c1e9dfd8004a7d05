/*
 * BGP messages other than UPDATE: the header and its framing (RFC 4271
 * 4.1, 6.1), OPEN with capabilities (RFC 4271 4.2, 6.2; RFC 5492; RFC
 * 9072), KEEPALIVE, NOTIFICATION (RFC 4271 4.5; RFC 9003), ROUTE-REFRESH
 * (RFC 2918), and what two OPENs agree on.
 *
 * Nothing here does I/O: bytes in, messages out.  A peer that sends
 * garbage gets a filled struct bgp_notify back, never a crash.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bgp.h"

/* Capability codes (IANA "Capability Codes" registry) */
enum {
	CAPA_MP = 1,		/* RFC 4760 */
	CAPA_REFRESH = 2,	/* RFC 2918 */
	CAPA_EXT_NH = 5,	/* RFC 8950 */
	CAPA_EXT_MSG = 6,	/* RFC 8654 */
	CAPA_GR = 64,		/* RFC 4724 */
	CAPA_AS4 = 65,		/* RFC 6793 */
	CAPA_ADDPATH = 69,	/* RFC 7911 */
};
#define OPT_PARAM_CAPA		2	/* RFC 5492 */
#define OPT_PARAM_EXT		255	/* RFC 9072 */
#define OPEN_MIN_BODY		10	/* 29 octets less the header */
#define NOTIFY_MIN_BODY		2
#define RREFRESH_BODY		4
#define GR_RESTART_BIT		0x8000
#define GR_TIME_MASK		0x0fff
#define GR_F_BIT		0x80

/* The largest message this session takes, whatever the caller passed. */
size_t
bgp_msg_max(size_t max_msg)
{
	if (max_msg < BGP_MAX_MSG)
		return BGP_MAX_MSG;
	if (max_msg > BGP_EXT_MAX_MSG)
		return BGP_EXT_MAX_MSG;
	return max_msg;
}

/* May this session carry the family at all?  IPv4 unicast also where
 * only RFC 8950 (IPv4 with IPv6 next-hops) was agreed. */
int
bgp_neg_aid(const struct bgp_neg *neg, uint8_t aid)
{
	if (aid >= AID_MAX)
		return 0;
	return neg->mp[aid] || (aid == AID_IPV4 && neg->ext_nh[AID_IPV4]);
}

/* ---- names ---- */

const char *
bgp_msg_type_str(uint8_t type)
{
	static const char *const names[] = {
		[BGP_OPEN] = "OPEN",
		[BGP_UPDATE] = "UPDATE",
		[BGP_NOTIFICATION] = "NOTIFICATION",
		[BGP_KEEPALIVE] = "KEEPALIVE",
		[BGP_ROUTE_REFRESH] = "ROUTE-REFRESH",
	};

	if (type >= sizeof(names) / sizeof(names[0]) || names[type] == NULL)
		return "unknown";
	return names[type];
}

#define N_HDR	"message header error"
#define N_OPEN	"OPEN message error"
#define N_UPD	"UPDATE message error"
#define N_FSM	"finite state machine error"
#define N_CEASE	"cease"
#define N_RR	"ROUTE-REFRESH message error"
#define NOTIFY_CODES	9
#define NOTIFY_SUBCODES	12

/* Whole strings, so that two calls in one printf do not share a buffer. */
static const char *const notify_names[NOTIFY_CODES][NOTIFY_SUBCODES] = {
	[BGP_ERR_HEADER] = { N_HDR,
	    N_HDR " / connection not synchronized",
	    N_HDR " / bad message length",
	    N_HDR " / bad message type" },
	[BGP_ERR_OPEN] = { N_OPEN,
	    N_OPEN " / unsupported version number",
	    N_OPEN " / bad peer AS",
	    N_OPEN " / bad BGP identifier",
	    N_OPEN " / unsupported optional parameter",
	    N_OPEN " / authentication failure",
	    N_OPEN " / unacceptable hold time",
	    N_OPEN " / unsupported capability",
	    [OPEN_ROLE] = N_OPEN " / role mismatch" },
	[BGP_ERR_UPDATE] = { N_UPD,
	    N_UPD " / malformed attribute list",
	    N_UPD " / unrecognized well-known attribute",
	    N_UPD " / missing well-known attribute",
	    N_UPD " / attribute flags error",
	    N_UPD " / attribute length error",
	    N_UPD " / invalid ORIGIN attribute",
	    N_UPD " / AS routing loop",
	    N_UPD " / invalid NEXT_HOP attribute",
	    N_UPD " / optional attribute error",
	    N_UPD " / invalid network field",
	    N_UPD " / malformed AS_PATH" },
	[BGP_ERR_HOLD] = { "hold timer expired" },
	[BGP_ERR_FSM] = { N_FSM,
	    N_FSM " / unexpected message in OpenSent",
	    N_FSM " / unexpected message in OpenConfirm",
	    N_FSM " / unexpected message in Established" },
	[BGP_ERR_CEASE] = { N_CEASE,
	    N_CEASE " / maximum number of prefixes reached",
	    N_CEASE " / administrative shutdown",
	    N_CEASE " / peer de-configured",
	    N_CEASE " / administrative reset",
	    N_CEASE " / connection rejected",
	    N_CEASE " / other configuration change",
	    N_CEASE " / connection collision resolution",
	    N_CEASE " / out of resources",
	    N_CEASE " / hard reset",
	    N_CEASE " / BFD down" },
	[BGP_ERR_RREFRESH] = { N_RR,
	    N_RR " / invalid message length" },
	[8] = { "send hold timer expired" },		/* RFC 9687 */
};

static const char *const notify_unknown_sub[NOTIFY_CODES] = {
	[BGP_ERR_HEADER] = N_HDR " / unknown subcode",
	[BGP_ERR_OPEN] = N_OPEN " / unknown subcode",
	[BGP_ERR_UPDATE] = N_UPD " / unknown subcode",
	[BGP_ERR_HOLD] = "hold timer expired / unknown subcode",
	[BGP_ERR_FSM] = N_FSM " / unknown subcode",
	[BGP_ERR_CEASE] = N_CEASE " / unknown subcode",
	[BGP_ERR_RREFRESH] = N_RR " / unknown subcode",
	[8] = "send hold timer expired / unknown subcode",
};

const char *
bgp_notify_str(uint8_t code, uint8_t subcode)
{
	if (code == 0 || code >= NOTIFY_CODES)
		return "unknown error code";
	if (subcode < NOTIFY_SUBCODES && notify_names[code][subcode] != NULL)
		return notify_names[code][subcode];
	return notify_unknown_sub[code];
}

void
bgp_notify_set(struct bgp_notify *n, uint8_t code, uint8_t subcode,
    const char *fmt, ...)
{
	va_list	 ap;

	n->code = code;
	n->subcode = subcode;
	n->datalen = 0;
	va_start(ap, fmt);
	vsnprintf(n->reason, sizeof(n->reason), fmt, ap);
	va_end(ap);
}

int
bgp_notify_data(struct bgp_notify *n, const void *data, size_t len)
{
	if (len > sizeof(n->data)) {
		errno = ERANGE;
		return -1;
	}
	if (len > 0)
		memcpy(n->data, data, len);
	n->datalen = len;
	return 0;
}

/* ---- header ---- */

int
bgp_msg_begin(struct ibuf *out, uint8_t type, size_t *start)
{
	uint8_t	 hdr[BGP_HDR_LEN];

	memset(hdr, 0xff, BGP_MARKER_LEN);
	hdr[16] = 0;
	hdr[17] = 0;		/* length, patched by bgp_msg_end() */
	hdr[18] = type;
	*start = out->wpos;
	/* One add: a header is either all there or not at all. */
	return ibuf_add(out, hdr, sizeof(hdr));
}

void
bgp_msg_abort(struct ibuf *out, size_t start)
{
	int	 saved_errno = errno;

	if (start >= out->rpos && start <= out->wpos)
		ibuf_truncate(out, start - out->rpos);
	errno = saved_errno;
}

int
bgp_msg_end(struct ibuf *out, size_t start)
{
	size_t	 len = out->wpos - start;

	if (len < BGP_HDR_LEN || len > BGP_EXT_MAX_MSG) {
		bgp_msg_abort(out, start);
		errno = EMSGSIZE;
		return -1;
	}
	if (ibuf_set_n16(out, start + BGP_MARKER_LEN, len) == -1) {
		bgp_msg_abort(out, start);
		return -1;
	}
	return 0;
}

/* RFC 4271 6.1: lengths by type; RFC 8654 4: OPEN, KEEPALIVE stay 4096. */
static int
hdr_len_ok(uint8_t type, uint16_t len, size_t max_msg)
{
	switch (type) {
	case BGP_OPEN:
		return len >= BGP_HDR_LEN + OPEN_MIN_BODY && len <= BGP_MAX_MSG;
	case BGP_UPDATE:
		return len >= BGP_HDR_LEN + 4 && len <= max_msg;
	case BGP_NOTIFICATION:
		return len >= BGP_HDR_LEN + NOTIFY_MIN_BODY && len <= max_msg;
	case BGP_KEEPALIVE:
		return len == BGP_HDR_LEN;
	case BGP_ROUTE_REFRESH:
		return len == BGP_HDR_LEN + RREFRESH_BODY;
	default:
		return 0;
	}
}

static int
hdr_len_error(struct bgp_notify *err, uint16_t len, const char *what)
{
	uint8_t	 data[2] = { len >> 8, len & 0xff };

	/* RFC 4271 6.1: "The Data field MUST contain the erroneous Length
	 * field." */
	bgp_notify_set(err, BGP_ERR_HEADER, HDR_LEN,
	    "bad message length %u%s", len, what);
	bgp_notify_data(err, data, sizeof(data));
	return -1;
}

static int
hdr_check(uint16_t len, uint8_t type, size_t max_msg, struct bgp_notify *err)
{
	/* RFC 4271 6.1: "if the Length field of the message header is less
	 * than 19 or greater than 4096" (65535 after RFC 8654) */
	if (len < BGP_HDR_LEN || len > max_msg)
		return hdr_len_error(err, len, "");
	/* RFC 4271 6.1: "If the Type field of the message header is not
	 * recognized, then the Error Subcode MUST be set to Bad Message
	 * Type.  The Data field MUST contain the erroneous Type field." */
	if (type < BGP_OPEN || type > BGP_ROUTE_REFRESH) {
		bgp_notify_set(err, BGP_ERR_HEADER, HDR_TYPE,
		    "bad message type %u", type);
		bgp_notify_data(err, &type, 1);
		return -1;
	}
	/* RFC 4271 6.1: "or if the Length field of an OPEN message is less
	 * than the minimum length of the OPEN message, ..." */
	if (!hdr_len_ok(type, len, max_msg))
		return hdr_len_error(err, len, type == BGP_OPEN ? " for OPEN" :
		    type == BGP_UPDATE ? " for UPDATE" :
		    type == BGP_NOTIFICATION ? " for NOTIFICATION" :
		    type == BGP_KEEPALIVE ? " for KEEPALIVE" :
		    " for ROUTE-REFRESH");
	return 0;
}

int
bgp_read_msg(struct ibuf *in, size_t max_msg, uint8_t *type,
    struct ibuf *body, struct bgp_notify *err)
{
	static const uint8_t	 ones[BGP_MARKER_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct ibuf		 hdr;
	uint8_t			 marker[BGP_MARKER_LEN], t;
	uint16_t		 len;

	if (ibuf_size(in) < BGP_HDR_LEN)
		return 0;
	ibuf_from_buffer(&hdr, ibuf_data(in), BGP_HDR_LEN);
	if (ibuf_get(&hdr, marker, sizeof(marker)) == -1 ||
	    ibuf_get_n16(&hdr, &len) == -1 || ibuf_get_n8(&hdr, &t) == -1)
		return 0;	/* not reached: 19 octets are there */
	/* RFC 4271 6.1: "If the Marker field of the message header is not
	 * as expected, then a synchronization error has occurred and the
	 * Error Subcode MUST be set to Connection Not Synchronized." */
	if (memcmp(marker, ones, sizeof(ones)) != 0) {
		bgp_notify_set(err, BGP_ERR_HEADER, HDR_SYNC,
		    "marker is not all ones");
		return -1;
	}
	if (hdr_check(len, t, bgp_msg_max(max_msg), err) == -1)
		return -1;
	if (ibuf_size(in) < len)
		return 0;
	if (ibuf_skip(in, BGP_HDR_LEN) == -1 ||
	    ibuf_get_ibuf(in, len - BGP_HDR_LEN, body) == -1)
		return 0;	/* not reached: len octets are there */
	*type = t;
	return 1;
}

int
bgp_keepalive_write(struct ibuf *out)
{
	size_t	 start;

	if (bgp_msg_begin(out, BGP_KEEPALIVE, &start) == -1)
		return -1;
	return bgp_msg_end(out, start);
}

/* ---- OPEN: capabilities ---- */

struct open_ctx {
	struct bgp_open		*open;
	int			 as4_seen;
};

static int
cap_mp(struct ibuf *v, struct open_ctx *c)
{
	uint16_t	 afi;
	uint8_t		 reserved, safi, aid;

	/* RFC 4760 8: AFI (2), Reserved (1), SAFI (1) */
	if (ibuf_size(v) != 4 || ibuf_get_n16(v, &afi) == -1 ||
	    ibuf_get_n8(v, &reserved) == -1 || ibuf_get_n8(v, &safi) == -1)
		return -1;
	if (bgp_afi_aid(afi, safi, &aid) == 0)
		c->open->caps.mp[aid] = 1;
	return 0;
}

static int
cap_refresh(struct ibuf *v, struct open_ctx *c)
{
	/* RFC 2918 2: "Capability Length is set to 0" */
	if (ibuf_size(v) != 0)
		return -1;
	c->open->caps.route_refresh = 1;
	return 0;
}

static int
cap_ext_nh(struct ibuf *v, struct open_ctx *c)
{
	uint16_t	 afi, safi, nhafi;
	uint8_t		 aid;

	/* RFC 8950 3: triples of NLRI AFI (2), NLRI SAFI (2), NH AFI (2) */
	if (ibuf_size(v) == 0 || ibuf_size(v) % 6 != 0)
		return -1;
	while (ibuf_size(v) > 0) {
		if (ibuf_get_n16(v, &afi) == -1 ||
		    ibuf_get_n16(v, &safi) == -1 ||
		    ibuf_get_n16(v, &nhafi) == -1)
			return -1;
		if (safi <= UINT8_MAX && nhafi == AFI_IPV6 &&
		    bgp_afi_aid(afi, safi, &aid) == 0 && aid != AID_IPV6)
			c->open->caps.ext_nh[aid] = 1;
	}
	return 0;
}

static int
cap_ext_msg(struct ibuf *v, struct open_ctx *c)
{
	/* RFC 8654 3: "Capability Length of zero" */
	if (ibuf_size(v) != 0)
		return -1;
	c->open->caps.ext_msg = 1;
	return 0;
}

static int
cap_gr(struct ibuf *v, struct open_ctx *c)
{
	struct bgp_caps	*caps = &c->open->caps;
	uint16_t	 flags, afi;
	uint8_t		 safi, afflags, aid;

	/* RFC 4724 3: Restart Flags/Time (2), then (AFI, SAFI, Flags)* */
	if (ibuf_size(v) < 2 || (ibuf_size(v) - 2) % 4 != 0 ||
	    ibuf_get_n16(v, &flags) == -1)
		return -1;
	caps->gr = 1;
	caps->gr_restarting = (flags & GR_RESTART_BIT) != 0;
	caps->gr_time = flags & GR_TIME_MASK;
	memset(caps->gr_af, 0, sizeof(caps->gr_af));
	while (ibuf_size(v) > 0) {
		if (ibuf_get_n16(v, &afi) == -1 ||
		    ibuf_get_n8(v, &safi) == -1 ||
		    ibuf_get_n8(v, &afflags) == -1)
			return -1;
		if (bgp_afi_aid(afi, safi, &aid) == 0)
			caps->gr_af[aid] = GR_AF_PRESENT |
			    ((afflags & GR_F_BIT) ? GR_AF_FORWARDING : 0);
	}
	return 0;
}

static int
cap_as4(struct ibuf *v, struct open_ctx *c)
{
	/* RFC 6793 3: "Capability Length field ... is set to 4" */
	if (ibuf_size(v) != 4 || ibuf_get_n32(v, &c->open->caps.as4) == -1)
		return -1;
	c->as4_seen = 1;
	return 0;
}

static int
cap_addpath(struct ibuf *v, struct open_ctx *c)
{
	uint8_t		 ap[AID_MAX] = { 0 };
	uint16_t	 afi;
	uint8_t		 safi, sr, aid;

	/* RFC 7911 4: (AFI (2), SAFI (1), Send/Receive (1))* */
	if (ibuf_size(v) == 0 || ibuf_size(v) % 4 != 0)
		return -1;
	while (ibuf_size(v) > 0) {
		if (ibuf_get_n16(v, &afi) == -1 ||
		    ibuf_get_n8(v, &safi) == -1 || ibuf_get_n8(v, &sr) == -1)
			return -1;
		/* RFC 7911 4: "If any other value is received, then the
		 * capability SHOULD be treated as not understood and
		 * ignored." */
		if (sr < ADDPATH_RECV || sr > (ADDPATH_RECV | ADDPATH_SEND)) {
			if (c->open->caps.unknown < UINT16_MAX)
				c->open->caps.unknown++;
			return 0;
		}
		if (bgp_afi_aid(afi, safi, &aid) == 0)
			ap[aid] = sr;
	}
	memcpy(c->open->caps.addpath, ap, sizeof(ap));
	return 0;
}

static const struct cap_handler {
	uint8_t		 code;
	const char	*name;
	int		(*parse)(struct ibuf *, struct open_ctx *);
} cap_handlers[] = {
	{ CAPA_MP, "multiprotocol", cap_mp },
	{ CAPA_REFRESH, "route refresh", cap_refresh },
	{ CAPA_EXT_NH, "extended next hop", cap_ext_nh },
	{ CAPA_EXT_MSG, "extended message", cap_ext_msg },
	{ CAPA_GR, "graceful restart", cap_gr },
	{ CAPA_AS4, "4-octet AS", cap_as4 },
	{ CAPA_ADDPATH, "ADD-PATH", cap_addpath },
};

static int
open_malformed(struct bgp_notify *err, const char *what, size_t len)
{
	/* RFC 4271 6.2: "If one of the Optional Parameters in the OPEN
	 * message is recognized, but is malformed, then the Error Subcode
	 * MUST be set to 0 (Unspecific)." */
	bgp_notify_set(err, BGP_ERR_OPEN, 0, "malformed %s (length %zu)",
	    what, len);
	return -1;
}

static int
open_capa(struct ibuf *v, uint8_t code, struct open_ctx *c,
    struct bgp_notify *err)
{
	size_t	 i, len = ibuf_size(v);

	for (i = 0; i < sizeof(cap_handlers) / sizeof(cap_handlers[0]); i++) {
		if (cap_handlers[i].code != code)
			continue;
		if (cap_handlers[i].parse(v, c) == -1)
			return open_malformed(err, cap_handlers[i].name, len);
		return 0;
	}
	/* RFC 5492 3: "If a BGP speaker that supports a certain capability
	 * determines that its peer doesn't support this capability, ..."
	 * and one it does not know is simply not used: never an error. */
	if (c->open->caps.unknown < UINT16_MAX)
		c->open->caps.unknown++;
	return 0;
}

/* RFC 5492 4: the Capabilities Optional Parameter holds a list of
 * <code (1), length (1), value> triples. */
static int
open_capas(struct ibuf *param, struct open_ctx *c, struct bgp_notify *err)
{
	struct ibuf	 v;
	uint8_t		 code, len;

	while (ibuf_size(param) > 0) {
		if (ibuf_get_n8(param, &code) == -1 ||
		    ibuf_get_n8(param, &len) == -1 ||
		    ibuf_get_ibuf(param, len, &v) == -1)
			return open_malformed(err, "capabilities parameter",
			    ibuf_size(param));
		if (open_capa(&v, code, c, err) == -1)
			return -1;
	}
	return 0;
}

static int
open_param(struct ibuf *params, int ext, struct open_ctx *c,
    struct bgp_notify *err)
{
	struct ibuf	 v;
	uint16_t	 len;
	uint8_t		 type, len8;

	if (ibuf_get_n8(params, &type) == -1)
		return open_malformed(err, "optional parameter", 0);
	if (ext) {
		if (ibuf_get_n16(params, &len) == -1)
			return open_malformed(err, "optional parameter", 1);
	} else {
		if (ibuf_get_n8(params, &len8) == -1)
			return open_malformed(err, "optional parameter", 1);
		len = len8;
	}
	if (ibuf_get_ibuf(params, len, &v) == -1)
		return open_malformed(err, "optional parameter", len);
	/* RFC 4271 6.2: "If one of the Optional Parameters in the OPEN
	 * message is not recognized, then the Error Subcode MUST be set to
	 * Unsupported Optional Parameters." */
	if (type != OPT_PARAM_CAPA) {
		bgp_notify_set(err, BGP_ERR_OPEN, OPEN_OPT,
		    "unsupported optional parameter %u", type);
		return -1;
	}
	return open_capas(&v, c, err);
}

static int
open_params(struct ibuf *body, struct open_ctx *c, struct bgp_notify *err)
{
	struct ibuf	 params;
	uint16_t	 len;
	uint8_t		 len8, type;
	int		 ext = 0;

	if (ibuf_get_n8(body, &len8) == -1)
		return open_malformed(err, "optional parameters length", 0);
	len = len8;
	/* RFC 9072 2: "Non-Ext OP Len" 255 followed by "Non-Ext OP Type"
	 * 255 announce a 2-octet "Extended Opt. Parm. Length", and 2-octet
	 * parameter lengths after it. */
	if (len8 == 255 && ibuf_peek_n8(body, 0, &type) == 0 &&
	    type == OPT_PARAM_EXT) {
		if (ibuf_skip(body, 1) == -1 || ibuf_get_n16(body, &len) == -1)
			return open_malformed(err, "extended parameters length",
			    ibuf_size(body));
		ext = 1;
	}
	/* The parameters must fill the message exactly: anything else is a
	 * length that lies (RFC 4271 4.2 "Optional Parameters Length"). */
	if (len != ibuf_size(body) || ibuf_get_ibuf(body, len, &params) == -1)
		return open_malformed(err, "optional parameters length", len);
	while (ibuf_size(&params) > 0)
		if (open_param(&params, ext, c, err) == -1)
			return -1;
	return 0;
}

static int
open_check(const struct open_ctx *c, struct bgp_notify *err)
{
	const struct bgp_open	*o = c->open;

	/* RFC 7607 2: "A BGP speaker MUST NOT ... zero as the peer AS" in
	 * My Autonomous System or in the 4-octet AS capability. */
	if (o->as2 == 0 || (c->as4_seen && o->caps.as4 == 0)) {
		bgp_notify_set(err, BGP_ERR_OPEN, OPEN_AS, "peer AS 0");
		return -1;
	}
	/* RFC 6793 4.1: a speaker whose AS does not fit 2 octets puts
	 * AS_TRANS into "My Autonomous System". */
	if (o->caps.as4 > UINT16_MAX && o->as2 != AS_TRANS) {
		bgp_notify_set(err, BGP_ERR_OPEN, OPEN_AS,
		    "AS %u announced with My AS %u, not AS_TRANS",
		    o->caps.as4, o->as2);
		return -1;
	}
	return 0;
}

static int
open_fixed(const struct bgp_open *o, struct bgp_notify *err)
{
	uint8_t	 data[2] = { 0, BGP_VERSION };

	/* RFC 4271 6.2: "If the version number in the Version field of the
	 * received OPEN message is not supported, then the Error Subcode
	 * MUST be set to Unsupported Version Number.  The Data field is a
	 * 2-octet unsigned integer, which indicates the largest, locally-
	 * supported version number less than the version the remote BGP
	 * peer bid" -- or the smallest if none is less: 4 either way. */
	if (o->version != BGP_VERSION) {
		bgp_notify_set(err, BGP_ERR_OPEN, OPEN_VERSION,
		    "unsupported version %u", o->version);
		bgp_notify_data(err, data, sizeof(data));
		return -1;
	}
	/* RFC 4271 6.2: "An implementation MUST reject Hold Time values of
	 * one or two seconds." */
	if (o->holdtime == 1 || o->holdtime == 2) {
		bgp_notify_set(err, BGP_ERR_OPEN, OPEN_HOLDTIME,
		    "unacceptable hold time %u", o->holdtime);
		return -1;
	}
	/* RFC 6286 2.2: the BGP Identifier is "a 4-octet, unsigned,
	 * non-zero integer". */
	if (o->bgp_id == 0) {
		bgp_notify_set(err, BGP_ERR_OPEN, OPEN_BGPID, "BGP ID 0");
		return -1;
	}
	return 0;
}

int
bgp_open_parse(struct ibuf *body, struct bgp_open *out,
    struct bgp_notify *err)
{
	struct bgp_open	 o = { 0 };
	struct open_ctx	 c = { .open = &o };
	uint16_t	 len;

	if (ibuf_get_n8(body, &o.version) == -1 ||
	    ibuf_get_n16(body, &o.as2) == -1 ||
	    ibuf_get_n16(body, &o.holdtime) == -1 ||
	    ibuf_get_n32(body, &o.bgp_id) == -1) {
		len = BGP_HDR_LEN + ibuf_size(body);
		return hdr_len_error(err, len, " for OPEN");
	}
	if (open_fixed(&o, err) == -1 || open_params(body, &c, err) == -1 ||
	    open_check(&c, err) == -1)
		return -1;
	*out = o;
	return 0;
}

/* ---- OPEN: writing ---- */

static int
put_cap(struct ibuf *out, uint8_t code, const uint8_t *v, size_t len)
{
	if (ibuf_add_n8(out, code) == -1 || ibuf_add_n8(out, len) == -1)
		return -1;
	return ibuf_add(out, v, len);
}

static int
put_cap_mp(struct ibuf *out, const struct bgp_caps *caps)
{
	uint8_t	 aid, v[4];

	for (aid = 0; aid < AID_MAX; aid++) {
		if (!caps->mp[aid])
			continue;
		v[0] = 0;
		v[1] = bgp_aid_afi(aid);
		v[2] = 0;
		v[3] = SAFI_UNICAST;
		if (put_cap(out, CAPA_MP, v, sizeof(v)) == -1)
			return -1;
	}
	return 0;
}

static int
put_cap_ext_nh(struct ibuf *out, const struct bgp_caps *caps)
{
	uint8_t	 aid, v[6 * AID_MAX];
	size_t	 n = 0;

	for (aid = 0; aid < AID_MAX; aid++) {
		if (!caps->ext_nh[aid])
			continue;
		v[n++] = 0;
		v[n++] = bgp_aid_afi(aid);
		v[n++] = 0;
		v[n++] = SAFI_UNICAST;
		v[n++] = 0;
		v[n++] = AFI_IPV6;
	}
	return n == 0 ? 0 : put_cap(out, CAPA_EXT_NH, v, n);
}

static int
put_cap_gr(struct ibuf *out, const struct bgp_caps *caps)
{
	uint8_t		 aid, v[2 + 4 * AID_MAX];
	uint16_t	 flags;
	size_t		 n = 0;

	if (!caps->gr)
		return 0;
	flags = (caps->gr_restarting ? GR_RESTART_BIT : 0) |
	    (caps->gr_time & GR_TIME_MASK);
	v[n++] = flags >> 8;
	v[n++] = flags & 0xff;
	for (aid = 0; aid < AID_MAX; aid++) {
		if (!(caps->gr_af[aid] & GR_AF_PRESENT))
			continue;
		v[n++] = 0;
		v[n++] = bgp_aid_afi(aid);
		v[n++] = SAFI_UNICAST;
		v[n++] = (caps->gr_af[aid] & GR_AF_FORWARDING) ? GR_F_BIT : 0;
	}
	return put_cap(out, CAPA_GR, v, n);
}

static int
put_cap_as4(struct ibuf *out, const struct bgp_caps *caps)
{
	uint8_t	 v[4];

	if (caps->as4 == 0)
		return 0;
	v[0] = caps->as4 >> 24;
	v[1] = (caps->as4 >> 16) & 0xff;
	v[2] = (caps->as4 >> 8) & 0xff;
	v[3] = caps->as4 & 0xff;
	return put_cap(out, CAPA_AS4, v, sizeof(v));
}

static int
put_cap_addpath(struct ibuf *out, const struct bgp_caps *caps)
{
	uint8_t	 aid, v[4 * AID_MAX];
	size_t	 n = 0;

	for (aid = 0; aid < AID_MAX; aid++) {
		if ((caps->addpath[aid] & (ADDPATH_RECV | ADDPATH_SEND)) == 0)
			continue;
		v[n++] = 0;
		v[n++] = bgp_aid_afi(aid);
		v[n++] = SAFI_UNICAST;
		v[n++] = caps->addpath[aid] & (ADDPATH_RECV | ADDPATH_SEND);
	}
	return n == 0 ? 0 : put_cap(out, CAPA_ADDPATH, v, n);
}

/* All capabilities in one Capabilities Optional Parameter (RFC 5492 4). */
static int
put_caps(struct ibuf *out, const struct bgp_caps *caps)
{
	if (put_cap_mp(out, caps) == -1 ||
	    (caps->route_refresh &&
	    put_cap(out, CAPA_REFRESH, NULL, 0) == -1) ||
	    put_cap_ext_nh(out, caps) == -1 ||
	    (caps->ext_msg && put_cap(out, CAPA_EXT_MSG, NULL, 0) == -1) ||
	    put_cap_gr(out, caps) == -1 ||
	    put_cap_as4(out, caps) == -1 ||
	    put_cap_addpath(out, caps) == -1)
		return -1;
	return 0;
}

static uint16_t
open_my_as(const struct bgp_open *o)
{
	if (o->as2 != 0 || o->caps.as4 == 0)
		return o->as2;
	return o->caps.as4 > UINT16_MAX ? AS_TRANS : o->caps.as4;
}

int
bgp_open_write(struct ibuf *out, const struct bgp_open *o)
{
	size_t	 start, plen_at, caps_at;

	if (bgp_msg_begin(out, BGP_OPEN, &start) == -1)
		return -1;
	if (ibuf_add_n8(out, BGP_VERSION) == -1 ||
	    ibuf_add_n16(out, open_my_as(o)) == -1 ||
	    ibuf_add_n16(out, o->holdtime) == -1 ||
	    ibuf_add_n32(out, o->bgp_id) == -1)
		goto fail;
	plen_at = out->wpos;
	if (ibuf_add_n8(out, 0) == -1 ||
	    ibuf_add_n8(out, OPT_PARAM_CAPA) == -1 ||
	    ibuf_add_n8(out, 0) == -1)
		goto fail;
	caps_at = out->wpos;
	if (put_caps(out, &o->caps) == -1)
		goto fail;
	/* No capability at all: no optional parameter either. */
	if (out->wpos == caps_at)
		ibuf_truncate(out, plen_at + 1 - out->rpos);
	else if (out->wpos - caps_at > 253 ||
	    ibuf_set_n8(out, plen_at, out->wpos - caps_at + 2) == -1 ||
	    ibuf_set_n8(out, plen_at + 2, out->wpos - caps_at) == -1) {
		errno = EMSGSIZE;	/* RFC 9072 not needed for our set */
		goto fail;
	}
	return bgp_msg_end(out, start);
fail:
	bgp_msg_abort(out, start);
	return -1;
}

/* ---- what both sides agree on ---- */

/* RFC 4760 8 with RFC 4271: a speaker that announces no multiprotocol
 * capability at all speaks IPv4 unicast only. */
static int
caps_mp(const struct bgp_caps *caps, uint8_t aid)
{
	uint8_t	 i, any = 0;

	for (i = 0; i < AID_MAX; i++)
		any |= caps->mp[i];
	if (!any)
		return aid == AID_IPV4;
	return caps->mp[aid] != 0;
}

static void
negotiate_af(const struct bgp_caps *ours, const struct bgp_caps *theirs,
    struct bgp_neg *neg)
{
	uint8_t	 aid;

	for (aid = 0; aid < AID_MAX; aid++) {
		neg->mp[aid] = caps_mp(ours, aid) && caps_mp(theirs, aid);
		/* RFC 7911 4: we send path ids where we said Send and the
		 * peer said Receive, and receive them the other way. */
		neg->addpath_tx[aid] = neg->mp[aid] &&
		    (ours->addpath[aid] & ADDPATH_SEND) &&
		    (theirs->addpath[aid] & ADDPATH_RECV);
		neg->addpath_rx[aid] = neg->mp[aid] &&
		    (ours->addpath[aid] & ADDPATH_RECV) &&
		    (theirs->addpath[aid] & ADDPATH_SEND);
		neg->ext_nh[aid] = ours->ext_nh[aid] && theirs->ext_nh[aid];
		neg->peer_gr_af[aid] = theirs->gr ? theirs->gr_af[aid] : 0;
	}
}

void
bgp_negotiate(const struct bgp_open *ours, const struct bgp_open *theirs,
    struct bgp_neg *neg)
{
	*neg = (struct bgp_neg){ 0 };
	neg->as4 = ours->caps.as4 != 0 && theirs->caps.as4 != 0;
	negotiate_af(&ours->caps, &theirs->caps, neg);
	neg->route_refresh = ours->caps.route_refresh &&
	    theirs->caps.route_refresh;
	neg->ext_msg = ours->caps.ext_msg && theirs->caps.ext_msg;
	neg->max_msg = neg->ext_msg ? BGP_EXT_MAX_MSG : BGP_MAX_MSG;
	/* RFC 4271 4.2: "the smaller of its configured Hold Time and the
	 * Hold Time received in the OPEN message"; 0 means no keepalives. */
	if (ours->holdtime == 0 || theirs->holdtime == 0)
		neg->holdtime = 0;
	else
		neg->holdtime = ours->holdtime < theirs->holdtime ?
		    ours->holdtime : theirs->holdtime;
	neg->peer_gr = theirs->caps.gr;
	neg->peer_gr_restarting = theirs->caps.gr && theirs->caps.gr_restarting;
	neg->peer_gr_time = theirs->caps.gr ? theirs->caps.gr_time : 0;
}

/* ---- NOTIFICATION ---- */

/* RFC 9003 2: Cease subcodes 2 and 4 may carry a length-prefixed UTF-8
 * "Shutdown Communication"; control characters are not logged as is. */
static int
notify_shutdown_msg(struct ibuf *data, char *msg, size_t msglen)
{
	uint8_t		 n, ch;
	size_t		 i;

	if (ibuf_get_n8(data, &n) == -1 || n == 0 || n > ibuf_size(data))
		return -1;
	for (i = 0; i < n && i + 1 < msglen &&
	    ibuf_get_n8(data, &ch) == 0; i++)
		msg[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	msg[i] = '\0';
	return 0;
}

int
bgp_notification_parse(struct ibuf *body, struct bgp_notify *out)
{
	struct bgp_notify	 n = { 0 };
	struct ibuf		 data;
	char			 msg[256];
	const char		*name;

	if (ibuf_get_n8(body, &n.code) == -1 ||
	    ibuf_get_n8(body, &n.subcode) == -1)
		return -1;
	data = *body;
	n.datalen = ibuf_size(body) < sizeof(n.data) ?
	    ibuf_size(body) : sizeof(n.data);
	if (ibuf_get(body, n.data, n.datalen) == -1)
		return -1;
	name = bgp_notify_str(n.code, n.subcode);
	if (n.code == BGP_ERR_CEASE && (n.subcode == CEASE_ADMIN_DOWN ||
	    n.subcode == CEASE_ADMIN_RESET) &&
	    notify_shutdown_msg(&data, msg, sizeof(msg)) == 0) {
		/* A long message is cut to fit reason, on purpose. */
		if (snprintf(n.reason, sizeof(n.reason), "%s: \"%s\"", name,
		    msg) < 0)
			n.reason[0] = '\0';
	} else
		snprintf(n.reason, sizeof(n.reason), "%s", name);
	*out = n;
	return 0;
}

int
bgp_notification_write(struct ibuf *out, const struct bgp_notify *n)
{
	return bgp_notification_write_max(out, n, BGP_MAX_MSG);
}

int
bgp_notification_write_max(struct ibuf *out, const struct bgp_notify *n,
    size_t max_msg)
{
	size_t	 start, len = n->datalen;
	size_t	 room = bgp_msg_max(max_msg) - BGP_HDR_LEN - 2;

	if (n->datalen > sizeof(n->data)) {
		errno = EINVAL;
		return -1;
	}
	/* Cut rather than not sent: the code says what went wrong, and
	 * the data's head names the attribute. */
	if (len > room)
		len = room;
	if (bgp_msg_begin(out, BGP_NOTIFICATION, &start) == -1)
		return -1;
	if (ibuf_add_n8(out, n->code) == -1 ||
	    ibuf_add_n8(out, n->subcode) == -1 ||
	    ibuf_add(out, n->data, len) == -1) {
		bgp_msg_abort(out, start);
		return -1;
	}
	return bgp_msg_end(out, start);
}

/* ---- ROUTE-REFRESH ---- */

int
bgp_route_refresh_parse(struct ibuf *body, uint8_t *aid,
    struct bgp_notify *err)
{
	uint16_t	 afi;
	uint8_t		 subtype, safi;

	/* RFC 7313 5: "If the length, excluding the fixed-size message
	 * header, of the received ROUTE-REFRESH message ... is not 4" */
	if (ibuf_size(body) != RREFRESH_BODY ||
	    ibuf_get_n16(body, &afi) == -1 ||
	    ibuf_get_n8(body, &subtype) == -1 ||
	    ibuf_get_n8(body, &safi) == -1) {
		bgp_notify_set(err, BGP_ERR_RREFRESH, 1,
		    "ROUTE-REFRESH body of %zu octets", ibuf_size(body));
		return -1;
	}
	*aid = AID_MAX;
	/* RFC 2918 4: "If a BGP speaker receives from its peer a ROUTE-
	 * REFRESH message with the <AFI, SAFI> that the speaker didn't
	 * advertise ..., the speaker shall ignore such a message."  So are
	 * the RFC 7313 subtypes, which we do not announce. */
	if (subtype != 0 || bgp_afi_aid(afi, safi, aid) == -1) {
		*aid = AID_MAX;
		return 1;
	}
	return 0;
}

int
bgp_route_refresh_write(struct ibuf *out, uint8_t aid)
{
	size_t	 start;

	if (aid >= AID_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (bgp_msg_begin(out, BGP_ROUTE_REFRESH, &start) == -1)
		return -1;
	if (ibuf_add_n16(out, bgp_aid_afi(aid)) == -1 ||
	    ibuf_add_n8(out, 0) == -1 ||
	    ibuf_add_n8(out, SAFI_UNICAST) == -1) {
		bgp_msg_abort(out, start);
		return -1;
	}
	return bgp_msg_end(out, start);
}
