/*
 * BGP-4 on the wire (RFC 4271) with the extensions the fabric needs:
 * multiprotocol IPv4/IPv6 unicast (RFC 4760), 4-octet AS (RFC 6793),
 * ADD-PATH (RFC 7911), route refresh (RFC 2918), extended messages
 * (RFC 8654), graceful restart (RFC 4724), extended next-hop (RFC 8950),
 * communities (RFC 1997), extended communities (RFC 4360) with link
 * bandwidth (RFC 10005), large communities (RFC 8092).
 *
 * The parsers here do no I/O and read only through struct ibuf: feed
 * bytes in, take messages out.  The same code serves the session, the
 * unit tests and the fuzzers.  Received UPDATEs are judged by RFC 7606:
 * most attribute errors withdraw the routes of that UPDATE and keep the
 * session ("treat-as-withdraw"); only what leaves the NLRI unlocatable
 * resets it.
 */
#ifndef FABRIC_BGP_H
#define FABRIC_BGP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "ibuf.h"

#define BGP_PORT		179
#define BGP_VERSION		4
#define BGP_MARKER_LEN		16
#define BGP_HDR_LEN		19
#define BGP_MAX_MSG		4096
#define BGP_EXT_MAX_MSG		65535	/* RFC 8654 */
#define BGP_MIN_HOLDTIME	3
#define AS_TRANS		23456	/* RFC 6793 */

enum bgp_msg_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5,
};

/* NOTIFICATION codes and subcodes (RFC 4271 4.5, 6; RFC 4486; RFC 8203) */
enum bgp_err {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_RREFRESH = 7,
};
enum { HDR_SYNC = 1, HDR_LEN = 2, HDR_TYPE = 3 };
enum { OPEN_VERSION = 1, OPEN_AS = 2, OPEN_BGPID = 3, OPEN_OPT = 4,
    OPEN_HOLDTIME = 6, OPEN_CAPA = 7, OPEN_ROLE = 11 };
enum { UPD_ATTRLIST = 1, UPD_UNKNWN_WK = 2, UPD_MISSING = 3,
    UPD_ATTRFLAGS = 4, UPD_ATTRLEN = 5, UPD_ORIGIN = 6, UPD_NEXTHOP = 8,
    UPD_OPTATTR = 9, UPD_NETWORK = 10, UPD_ASPATH = 11 };
enum { CEASE_MAXPREFIX = 1, CEASE_ADMIN_DOWN = 2, CEASE_PEER_UNCONF = 3,
    CEASE_ADMIN_RESET = 4, CEASE_CONN_REJECT = 5, CEASE_CFGCHANGE = 6,
    CEASE_COLLISION = 7, CEASE_RESOURCE = 8, CEASE_HARD_RESET = 9 };

/* Path attribute type codes and flags */
enum bgp_attr_type {
	ATTR_ORIGIN = 1,
	ATTR_ASPATH = 2,
	ATTR_NEXTHOP = 3,
	ATTR_MED = 4,
	ATTR_LOCALPREF = 5,
	ATTR_ATOMIC_AGGREGATE = 6,
	ATTR_AGGREGATOR = 7,
	ATTR_COMMUNITIES = 8,
	ATTR_MP_REACH = 14,
	ATTR_MP_UNREACH = 15,
	ATTR_EXT_COMMUNITIES = 16,
	ATTR_AS4_PATH = 17,
	ATTR_AS4_AGGREGATOR = 18,
	ATTR_LARGE_COMMUNITIES = 32,
};
#define ATTR_F_OPTIONAL		0x80
#define ATTR_F_TRANSITIVE	0x40
#define ATTR_F_PARTIAL		0x20
#define ATTR_F_EXTLEN		0x10

enum { ORIGIN_IGP = 0, ORIGIN_EGP = 1, ORIGIN_INCOMPLETE = 2 };
enum { AS_SET = 1, AS_SEQUENCE = 2, AS_CONFED_SEQUENCE = 3,
    AS_CONFED_SET = 4 };

/* Well-known communities (RFC 1997) */
#define COMMUNITY_NO_EXPORT	0xffffff01U
#define COMMUNITY_NO_ADVERTISE	0xffffff02U

/* Link bandwidth extended community (RFC 10005): 2-octet AS, float32 B/s */
#define EXT_COMMUNITY_LB_TYPE	0x40	/* non-transitive two-octet AS */
#define EXT_COMMUNITY_LB_SUB	0x04

#define AFI_IPV4		1
#define AFI_IPV6		2
#define SAFI_UNICAST		1

/* The address families the speaker handles, as a small index. */
enum bgp_aid {
	AID_IPV4 = 0,		/* IPv4 unicast */
	AID_IPV6 = 1,		/* IPv6 unicast */
	AID_MAX = 2,
};

struct bgp_prefix {
	uint8_t		aid;
	uint8_t		plen;
	uint32_t	path_id;	/* 0 unless ADD-PATH */
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
	}		addr;		/* host bits beyond plen are zero */
};

/* Capabilities: what one side announces in its OPEN. */
#define ADDPATH_RECV		0x01
#define ADDPATH_SEND		0x02
#define GR_AF_PRESENT		0x01
#define GR_AF_FORWARDING	0x02
struct bgp_caps {
	uint32_t	as4;		/* 4-octet AS capability; 0: absent */
	uint8_t		mp[AID_MAX];		/* multiprotocol */
	uint8_t		addpath[AID_MAX];	/* ADDPATH_RECV|ADDPATH_SEND */
	uint8_t		ext_nh[AID_MAX];	/* RFC 8950: NLRI of this aid
						   with an IPv6 next-hop */
	uint8_t		route_refresh;
	uint8_t		ext_msg;		/* RFC 8654 */
	uint8_t		gr;			/* graceful restart cap */
	uint8_t		gr_restarting;		/* R bit */
	uint16_t	gr_time;		/* restart time, seconds */
	uint8_t		gr_af[AID_MAX];		/* GR_AF_* */
	uint16_t	unknown;	/* capabilities not understood */
};

struct bgp_open {
	uint8_t		version;
	uint16_t	as2;		/* "My Autonomous System", AS_TRANS */
	uint16_t	holdtime;
	uint32_t	bgp_id;		/* host order */
	struct bgp_caps	caps;
};

/* What both OPENs agree on: the rules of this session. */
struct bgp_neg {
	uint8_t		as4;
	uint8_t		mp[AID_MAX];
	uint8_t		addpath_tx[AID_MAX];	/* we send path ids */
	uint8_t		addpath_rx[AID_MAX];	/* peer sends path ids */
	uint8_t		ext_nh[AID_MAX];
	uint8_t		route_refresh;
	uint8_t		ext_msg;
	size_t		max_msg;	/* 4096, or 65535 with ext_msg */
	uint16_t	holdtime;	/* the smaller of both */
	uint8_t		peer_gr;	/* peer announced graceful restart */
	uint8_t		peer_gr_restarting;
	uint16_t	peer_gr_time;
	uint8_t		peer_gr_af[AID_MAX];	/* added: peer's GR_AF_* */
};

/*
 * A NOTIFICATION to send or that was received.  data holds what the
 * largest message can: RFC 4271 6.3 makes an attribute error's data the
 * whole attribute (type, length, value), and an extended UPDATE's
 * attribute can be nearly 64 KiB.  (It was 128 octets: longer data was
 * left out.)
 */
#define BGP_NOTIFY_DATA_MAX	(BGP_EXT_MAX_MSG - BGP_HDR_LEN - 2)
struct bgp_notify {
	uint8_t		code;
	uint8_t		subcode;
	uint8_t		data[BGP_NOTIFY_DATA_MAX];
	size_t		datalen;
	char		reason[160];	/* for the log, not the wire */
};

/* Path attributes, in a form the speaker can compare and re-encode. */
#define ATTR_HAS(a, t)	(((a)->present & (1ULL << (t))) != 0)
struct bgp_attrs {
	uint64_t	present;	/* 1 << ATTR_* of what was seen/set */
	uint8_t		origin;
	uint8_t		*aspath;	/* segments with 4-octet ASNs */
	uint16_t	aspath_len;
	struct in_addr	nexthop;	/* NEXT_HOP (IPv4 NLRI) */
	uint8_t		mp_nh_len;	/* 4, 16 or 32 */
	struct in_addr	mp_nh4;		/* MP_REACH next-hop, IPv4 */
	struct in6_addr	mp_nh6[2];	/* global, link-local */
	uint32_t	med;
	uint32_t	local_pref;
	uint32_t	aggregator_as;
	struct in_addr	aggregator_id;
	uint32_t	*communities;
	uint16_t	ncommunities;
	uint8_t		*ext_communities;	/* 8 octets each */
	uint16_t	next_communities;
	uint8_t		*large_communities;	/* 12 octets each */
	uint16_t	nlarge_communities;
	/* Added: unrecognized optional transitive attributes, whole as they
	 * would be passed on (RFC 4271 5, 9: flags with Partial set, type,
	 * length, value), by ascending type; NULL/0: none.  Compared,
	 * hashed, copied and written like the others. */
	uint8_t		*unknown;
	uint32_t	unknown_len;
};

/* A parsed UPDATE.  action says what RFC 7606 makes of it. */
enum bgp_upd_action {
	UPD_ACTION_OK = 0,
	UPD_ACTION_TREAT_AS_WITHDRAW,	/* nlri must be handled as withdrawn */
};
struct bgp_update {
	struct bgp_prefix	*withdrawn;	/* withdrawn field + MP_UNREACH */
	size_t			 nwithdrawn;
	struct bgp_prefix	*nlri;		/* NLRI field + MP_REACH */
	size_t			 nnlri;
	struct bgp_attrs	 attrs;
	int			 eor;		/* End-of-RIB marker */
	uint8_t			 eor_aid;
	enum bgp_upd_action	 action;
	int			 discarded;	/* attributes discarded (7606) */
	char			 reason[160];	/* first problem, for the log */
};

/* bgp_msg.c: framing, OPEN, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH */
int	bgp_read_msg(struct ibuf *in, size_t max_msg, uint8_t *type,
	    struct ibuf *body, struct bgp_notify *err);
int	bgp_open_parse(struct ibuf *body, struct bgp_open *,
	    struct bgp_notify *err);
int	bgp_open_write(struct ibuf *out, const struct bgp_open *);
void	bgp_negotiate(const struct bgp_open *ours,
	    const struct bgp_open *theirs, struct bgp_neg *);
int	bgp_keepalive_write(struct ibuf *out);
int	bgp_notification_parse(struct ibuf *body, struct bgp_notify *);
int	bgp_notification_write(struct ibuf *out, const struct bgp_notify *);
int	bgp_route_refresh_parse(struct ibuf *body, uint8_t *aid,
	    struct bgp_notify *err);
int	bgp_route_refresh_write(struct ibuf *out, uint8_t aid);
const char *bgp_msg_type_str(uint8_t type);
const char *bgp_notify_str(uint8_t code, uint8_t subcode);
void	bgp_notify_set(struct bgp_notify *, uint8_t code, uint8_t subcode,
	    const char *fmt, ...) __attribute__((__format__ (printf, 4, 5)));

/* bgp_update.c: UPDATE parsing (RFC 4271, 4760, 7911, 7606) and writing */
int	bgp_update_parse(struct ibuf *body, const struct bgp_neg *,
	    struct bgp_update *, struct bgp_notify *err);
void	bgp_update_free(struct bgp_update *);
int	bgp_update_write_announce(struct ibuf *out, const struct bgp_neg *,
	    const struct bgp_attrs *, const struct bgp_prefix *, size_t n);
int	bgp_update_write_withdraw(struct ibuf *out, const struct bgp_neg *,
	    const struct bgp_prefix *, size_t n);
int	bgp_eor_write(struct ibuf *out, const struct bgp_neg *, uint8_t aid);

/* bgp_attr.c: attributes */
void	bgp_attrs_free(struct bgp_attrs *);
int	bgp_attrs_copy(struct bgp_attrs *dst, const struct bgp_attrs *src);
int	bgp_attrs_cmp(const struct bgp_attrs *, const struct bgp_attrs *);
uint64_t bgp_attrs_hash(const struct bgp_attrs *);
int	bgp_aspath_set(struct bgp_attrs *, const uint32_t *asns, size_t n);
int	bgp_aspath_str(const struct bgp_attrs *, char *buf, size_t len);
int	bgp_ext_community_lb(uint16_t as, float bytes_per_s, uint8_t out[8]);
int	bgp_ext_community_lb_get(const uint8_t ec[8], uint16_t *as,
	    float *bytes_per_s);

/* bgp_prefix.c: prefixes */
int	bgp_prefix_parse(const char *text, struct bgp_prefix *);
const char *bgp_prefix_str(const struct bgp_prefix *, char *buf,
	    size_t len);
int	bgp_prefix_cmp(const struct bgp_prefix *, const struct bgp_prefix *);
uint8_t	bgp_aid_afi(uint8_t aid);
int	bgp_afi_aid(uint16_t afi, uint8_t safi, uint8_t *aid);

/*
 * Additions to the contract above (wire-layer helpers; the session and
 * the RIB may use them too).  Notes on the functions above:
 *
 * - Every *_write appends one whole message or nothing: on -1 `out` is
 *   as it was.  errno: ERANGE when `out` is full (ibuf), EMSGSIZE when
 *   the message cannot fit neg->max_msg, EINVAL for a meaningless call.
 * - neg->max_msg outside [4096, 65535] is taken as the nearest bound
 *   (bgp_msg_max), so a zeroed struct bgp_neg means 4096.
 * - bgp_open_write: as2 == 0 is derived from caps.as4 (AS_TRANS when
 *   it does not fit 2 octets).
 * - bgp_negotiate: a side that announces no multiprotocol capability at
 *   all speaks IPv4 unicast only (RFC 4760); each side's set is taken
 *   that way, then intersected.
 * - bgp_route_refresh_parse returns 0 with *aid set; 1 (with *aid ==
 *   AID_MAX) when the message must be ignored (RFC 2918 4: unknown
 *   AFI/SAFI, or an RFC 7313 subtype); -1 with err when malformed.
 * - bgp_notification_parse returns -1 (EBADMSG) on a body shorter than
 *   2 octets; reason holds the names and any RFC 9003 shutdown message.
 * - bgp_update_parse zeroes *upd first (free a previous result before
 *   reusing it); on -1 *upd is left empty.  upd->attrs.present only
 *   ever holds ORIGIN, ASPATH, NEXTHOP, MED, LOCALPREF,
 *   ATOMIC_AGGREGATE, AGGREGATOR, COMMUNITIES, MP_REACH (the MP
 *   next-hop), EXT_COMMUNITIES and LARGE_COMMUNITIES (unrecognized
 *   optional transitive ones go to attrs.unknown): on a 2-octet
 *   session AS4_PATH and AS4_AGGREGATOR are merged into ASPATH and
 *   AGGREGATOR (RFC 6793 4.2.3), which always hold 4-octet ASNs.  A
 *   malformed AS4_PATH is discarded (RFC 6793 6), not treat-as-
 *   withdraw; AS 0 in AS_PATH or AGGREGATOR is malformed (RFC 7607).
 * - bgp_update_write_announce: MP_REACH_NLRI, when used, is written
 *   first, then the others in ascending type order (RFC 7606 5.1).  It
 *   carries as many prefixes as fit both neg->max_msg and the room
 *   left in `out`.  The MP next-hop is used when mp_nh_len is 4, 16 or
 *   32; IPv4 with ATTR_NEXTHOP present uses the classic fields.  A
 *   family needs bgp_neg_aid() (IPv4 with an IPv6 next-hop:
 *   neg->ext_nh), for withdrawals and End-of-RIB too; the parser
 *   ignores, with a reason, the prefixes of a family it does not pass.
 * - bgp_attrs_cmp/hash look at `present`, origin, the AS path, the MP
 *   next-hop by mp_nh_len, and every other field only when its bit is
 *   present: exactly what the writer encodes.
 * - bgp_aspath_str returns the length of the full text, as snprintf
 *   does (truncated when >= len), or -1 if the path is malformed.
 * - bgp_ext_community_lb/_get refuse (EINVAL) a negative, infinite or
 *   NaN bandwidth; _get also accepts the transitive type 0x00.
 */
#define BGP_PREFIX_STRLEN	(INET6_ADDRSTRLEN + 4)	/* "addr/128" */

/* bgp_msg.c: header helpers for the writers */
size_t	bgp_msg_max(size_t max_msg);
int	bgp_neg_aid(const struct bgp_neg *, uint8_t aid);
int	bgp_msg_begin(struct ibuf *out, uint8_t type, size_t *start);
int	bgp_msg_end(struct ibuf *out, size_t start);
void	bgp_msg_abort(struct ibuf *out, size_t start);
int	bgp_notify_data(struct bgp_notify *, const void *, size_t);
/* Added: a NOTIFICATION in at most max_msg octets (bgp_msg_max), its
 * data cut to fit: RFC 8654 4 keeps a session without extended
 * messages to 4096.  bgp_notification_write is this with BGP_MAX_MSG. */
int	bgp_notification_write_max(struct ibuf *out,
	    const struct bgp_notify *, size_t max_msg);

/* bgp_attr.c: AS paths (segments of 4-octet ASNs, as in bgp_attrs) */
size_t	bgp_aspath_count(const struct bgp_attrs *);
uint32_t bgp_aspath_neighbor(const struct bgp_attrs *);
int	bgp_aspath_contains(const struct bgp_attrs *, uint32_t as);
int	bgp_aspath_prepend(struct bgp_attrs *, uint32_t as, unsigned n);
int	bgp_aspath_from_wire(struct ibuf *, int as4, uint8_t **path,
	    uint16_t *len);
size_t	bgp_aspath_wire_len(const uint8_t *path, size_t len, int as4,
	    int no_confed);
int	bgp_aspath_to_wire(struct ibuf *, const uint8_t *path, size_t len,
	    int as4, int no_confed);
int	bgp_aspath_merge_as4(struct bgp_attrs *, const uint8_t *as4path,
	    uint16_t as4len);	/* 0 merged, 1 AS4_PATH ignored, -1 */
int	bgp_aspath_is_as2(const uint8_t *path, size_t len);

/* bgp_prefix.c: address families and the <length, prefix> encoding */
const char *bgp_aid_str(uint8_t aid);
uint8_t	bgp_aid_maxlen(uint8_t aid);
size_t	bgp_nlri_len(const struct bgp_prefix *, int addpath);
int	bgp_nlri_put(struct ibuf *, const struct bgp_prefix *, int addpath);
int	bgp_nlri_get(struct ibuf *, uint8_t aid, int addpath,
	    struct bgp_prefix *);

#endif /* FABRIC_BGP_H */
