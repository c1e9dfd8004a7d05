/*
 * UPDATE messages: parsing by RFC 4271 4.3, 6.3 as revised by RFC 7606,
 * with multiprotocol NLRI (RFC 4760), ADD-PATH (RFC 7911), 4-octet AS
 * (RFC 6793), IPv6 next-hops for IPv4 (RFC 8950) and End-of-RIB (RFC
 * 4724 2); and writing announcements, withdrawals and End-of-RIB.
 *
 * RFC 7606 2 defines the approaches, mildest first: "attribute discard"
 * (the attribute is dropped, the UPDATE goes on), "treat-as-withdraw"
 * (every route of the UPDATE is handled as withdrawn), "AFI/SAFI
 * disable", and "session reset".  We do not implement AFI/SAFI disable:
 * where it is allowed we reset the session, which the RFC also allows.
 * Each attribute is parsed from its own truncated view, so a lying
 * length can never make one parser read the next attribute's bytes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp.h"

#define ATTR_F_KIND	(ATTR_F_OPTIONAL | ATTR_F_TRANSITIVE)
#define WELL_KNOWN	ATTR_F_TRANSITIVE
#define OPT_TRANS	(ATTR_F_OPTIONAL | ATTR_F_TRANSITIVE)
#define OPT_NONTRANS	ATTR_F_OPTIONAL
#define UPD_MIN_BODY	4	/* withdrawn length, attribute length */
#define MP_REACH_FIXED	5	/* AFI, SAFI, NH length, reserved */
#define MP_UNREACH_FIXED 3	/* AFI, SAFI */

/* RFC 7606 2, mildest first, so that the worst one found wins. */
enum verdict { V_OK, V_DISCARD, V_WITHDRAW, V_RESET };

struct upd_ctx {
	const struct bgp_neg	*neg;
	struct bgp_update	*upd;
	struct bgp_notify	*err;
	uint8_t			 seen[256 / 8];	/* attribute types met */
	int			 nattrs;
	int			 broken;	/* RFC 7606 4: stop here */
	int			 mp_unreach_aid; /* -1: none used */
	size_t			 mp_unreach_n;
	size_t			 nclassic;	/* prefixes in the NLRI field */
	uint8_t			*as4path;	/* RFC 6793, 2-octet only */
	uint16_t		 as4path_len;
	int			 has_as4path;
	int			 has_as4agg;
	uint32_t		 as4agg_as;
	struct in_addr		 as4agg_id;
};

/* ---- verdicts ---- */

static void
upd_note(struct upd_ctx *c, const char *fmt, ...)
    __attribute__((__format__ (printf, 2, 3)));

/* Remembers the first problem for the log. */
static void
upd_note(struct upd_ctx *c, const char *fmt, ...)
{
	va_list	 ap;

	if (c->upd->reason[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->upd->reason, sizeof(c->upd->reason), fmt, ap);
	va_end(ap);
}

static enum verdict
upd_reset(struct upd_ctx *c, uint8_t subcode, const struct ibuf *data,
    const char *fmt, ...) __attribute__((__format__ (printf, 4, 5)));

static enum verdict
upd_reset(struct upd_ctx *c, uint8_t subcode, const struct ibuf *data,
    const char *fmt, ...)
{
	va_list	 ap;

	c->err->code = BGP_ERR_UPDATE;
	c->err->subcode = subcode;
	c->err->datalen = 0;
	va_start(ap, fmt);
	vsnprintf(c->err->reason, sizeof(c->err->reason), fmt, ap);
	va_end(ap);
	/* RFC 4271 6.3: the Data field carries "the attribute (type,
	 * length, and value)" where one is named: whole, as it came (it
	 * fits, having come in a message of the session's size). */
	if (data != NULL)
		bgp_notify_data(c->err, ibuf_data(data), ibuf_size(data));
	return V_RESET;
}

static enum verdict
upd_oom(struct upd_ctx *c)
{
	bgp_notify_set(c->err, BGP_ERR_CEASE, CEASE_RESOURCE,
	    "out of memory parsing UPDATE");
	return V_RESET;
}

/* Applies a verdict: -1 when the session must be reset. */
static int
upd_apply(struct upd_ctx *c, enum verdict v)
{
	switch (v) {
	case V_OK:
		return 0;
	case V_DISCARD:
		c->upd->discarded++;
		return 0;
	case V_WITHDRAW:
		c->upd->action = UPD_ACTION_TREAT_AS_WITHDRAW;
		return 0;
	default:
		return -1;
	}
}

/* ---- prefixes ---- */

/*
 * Appends every prefix of `field` to *arr.  A first pass validates and
 * counts, so the array grows once and a bad field changes nothing.
 * -1 with errno: EBADMSG/ERANGE for a malformed field, ENOMEM.
 */
static int
nlri_append(struct ibuf *field, uint8_t aid, int addpath,
    struct bgp_prefix **arr, size_t *n)
{
	struct ibuf		 v = *field;
	struct bgp_prefix	 p, *na;
	size_t			 count = 0;

	while (ibuf_size(&v) > 0) {
		if (bgp_nlri_get(&v, aid, addpath, &p) == -1)
			return -1;
		count++;
	}
	if (count == 0)
		return 0;
	if ((na = reallocarray(*arr, *n + count, sizeof(*na))) == NULL)
		return -1;
	*arr = na;
	while (bgp_nlri_get(field, aid, addpath, &p) == 0)
		na[(*n)++] = p;
	return 0;
}

static int
field_prefixes(struct upd_ctx *c, struct ibuf *field, int withdrawn)
{
	struct bgp_update	*u = c->upd;
	struct bgp_prefix	**arr = withdrawn ? &u->withdrawn : &u->nlri;
	size_t			*n = withdrawn ? &u->nwithdrawn : &u->nnlri;
	size_t			 before = *n;

	if (nlri_append(field, AID_IPV4, c->neg->addpath_rx[AID_IPV4], arr,
	    n) == -1) {
		if (errno == ENOMEM)
			return upd_apply(c, upd_oom(c));
		/* RFC 4271 6.3: "The NLRI field in the UPDATE message is
		 * checked for syntactic validity.  If the field is
		 * syntactically incorrect, then the Error Subcode MUST be set
		 * to Invalid Network Field."  RFC 7606 5.3 keeps that (session
		 * reset) for the NLRI and Withdrawn Routes fields alike: a
		 * prefix length over 32, or a prefix past the field's end. */
		return upd_apply(c, upd_reset(c, UPD_NETWORK, NULL,
		    "%s field: bad prefix (%s)",
		    withdrawn ? "withdrawn routes" : "NLRI",
		    errno == ERANGE ? "length over 32" : "overrun"));
	}
	/* Well formed, but for a family this session does not carry: as
	 * with MP attributes for one (mp_family), they are ignored. */
	if (*n > before && !bgp_neg_aid(c->neg, AID_IPV4)) {
		upd_note(c, "%s field ignored: IPv4 unicast not negotiated",
		    withdrawn ? "withdrawn routes" : "NLRI");
		*n = before;
	}
	if (!withdrawn)
		c->nclassic = *n - before;
	return 0;
}

/* ---- attributes, one by one ---- */

static enum verdict
attr_origin(struct upd_ctx *c, struct ibuf *v)
{
	uint8_t	 origin;

	/* RFC 7606 7.1: "The attribute is considered malformed if its
	 * length is not 1 or if it has an undefined value [RFC4271].  An
	 * UPDATE message with a malformed ORIGIN attribute SHALL be handled
	 * using the approach of "treat-as-withdraw"." */
	if (ibuf_size(v) != 1 || ibuf_get_n8(v, &origin) == -1 ||
	    origin > ORIGIN_INCOMPLETE) {
		upd_note(c, "malformed ORIGIN");
		return V_WITHDRAW;
	}
	c->upd->attrs.origin = origin;
	return V_OK;
}

static enum verdict
attr_aspath(struct upd_ctx *c, struct ibuf *v)
{
	struct bgp_attrs	*a = &c->upd->attrs;

	/* RFC 7606 7.2: "An AS_PATH is considered malformed if an
	 * unrecognized segment type is encountered or if it contains a
	 * malformed segment" (an overrun, a single octet left, or a Path
	 * Segment Length of zero); "An UPDATE message with a malformed
	 * AS_PATH attribute SHALL be handled using the approach of
	 * "treat-as-withdraw"."  RFC 7607 2 adds AS 0 to what is malformed. */
	if (bgp_aspath_from_wire(v, c->neg->as4, &a->aspath,
	    &a->aspath_len) == -1) {
		if (errno == ENOMEM)
			return upd_oom(c);
		upd_note(c, errno == ERANGE ? "AS_PATH too long" :
		    "malformed AS_PATH");
		return V_WITHDRAW;
	}
	return V_OK;
}

/* RFC 4271 6.3: a NEXT_HOP must be "a valid IP host address". */
static int
martian4(struct in_addr a)
{
	uint32_t	 h = ntohl(a.s_addr);

	return h == INADDR_ANY || h == INADDR_BROADCAST || IN_MULTICAST(h);
}

static enum verdict
attr_nexthop(struct upd_ctx *c, struct ibuf *v)
{
	struct in_addr	 nh;
	char		 buf[INET_ADDRSTRLEN];

	/* RFC 7606 7.3: "The attribute is considered malformed if its
	 * length is not 4 [RFC4271].  An UPDATE message with a malformed
	 * NEXT_HOP attribute SHALL be handled using the approach of
	 * "treat-as-withdraw"." */
	if (ibuf_size(v) != 4 || ibuf_get(v, &nh, sizeof(nh)) == -1) {
		upd_note(c, "NEXT_HOP of %zu octets", ibuf_size(v));
		return V_WITHDRAW;
	}
	/* RFC 4271 6.3: "If the NEXT_HOP attribute is semantically
	 * incorrect, the error SHOULD be logged, and the route SHOULD be
	 * ignored.  In this case, a NOTIFICATION message SHOULD NOT be
	 * sent" -- ignoring a route that replaced an older one is exactly
	 * treat-as-withdraw. */
	if (martian4(nh)) {
		upd_note(c, "NEXT_HOP %s is not a host address",
		    inet_ntop(AF_INET, &nh, buf, sizeof(buf)));
		return V_WITHDRAW;
	}
	c->upd->attrs.nexthop = nh;
	return V_OK;
}

static enum verdict
attr_u32(struct upd_ctx *c, struct ibuf *v, uint32_t *out, const char *name)
{
	/* RFC 7606 7.4 (MULTI_EXIT_DISC), 7.5 (LOCAL_PREF): "considered
	 * malformed if its length is not 4"; "treat-as-withdraw".  (7.5
	 * would discard a LOCAL_PREF from an external peer; that is the
	 * session's filter to apply, the wire cannot tell.) */
	if (ibuf_size(v) != 4 || ibuf_get_n32(v, out) == -1) {
		upd_note(c, "%s of %zu octets", name, ibuf_size(v));
		return V_WITHDRAW;
	}
	return V_OK;
}

static enum verdict
attr_med(struct upd_ctx *c, struct ibuf *v)
{
	return attr_u32(c, v, &c->upd->attrs.med, "MULTI_EXIT_DISC");
}

static enum verdict
attr_localpref(struct upd_ctx *c, struct ibuf *v)
{
	return attr_u32(c, v, &c->upd->attrs.local_pref, "LOCAL_PREF");
}

static enum verdict
attr_atomic(struct upd_ctx *c, struct ibuf *v)
{
	/* RFC 7606 7.6: "The attribute SHALL be considered malformed if its
	 * length is not 0 [RFC4271].  An UPDATE message with a malformed
	 * ATOMIC_AGGREGATE attribute SHALL be handled using the approach
	 * of "attribute discard"." */
	if (ibuf_size(v) != 0) {
		upd_note(c, "ATOMIC_AGGREGATE of %zu octets", ibuf_size(v));
		return V_DISCARD;
	}
	return V_OK;
}

static int
get_aggregator(struct ibuf *v, int as4, uint32_t *as, struct in_addr *id)
{
	uint16_t	 as2;

	if (as4) {
		if (ibuf_get_n32(v, as) == -1)
			return -1;
	} else {
		if (ibuf_get_n16(v, &as2) == -1)
			return -1;
		*as = as2;
	}
	return ibuf_get(v, id, sizeof(*id));
}

static enum verdict
attr_aggregator(struct upd_ctx *c, struct ibuf *v)
{
	struct bgp_attrs	*a = &c->upd->attrs;
	size_t			 want = c->neg->as4 ? 8 : 6;

	/* RFC 7606 7.7: malformed if "Its length is not 6 (when the
	 * 4-octet AS number capability is not advertised to or not received
	 * from the peer [RFC6793])" or "not 8 (when ... both advertised to
	 * and received from the peer)"; "attribute discard". */
	if (ibuf_size(v) != want || get_aggregator(v, c->neg->as4,
	    &a->aggregator_as, &a->aggregator_id) == -1) {
		upd_note(c, "AGGREGATOR of %zu octets", ibuf_size(v));
		return V_DISCARD;
	}
	/* RFC 7607 2: AS 0 in AGGREGATOR makes it malformed too. */
	if (a->aggregator_as == 0) {
		upd_note(c, "AGGREGATOR with AS 0");
		return V_DISCARD;
	}
	return V_OK;
}

static enum verdict
attr_communities(struct upd_ctx *c, struct ibuf *v)
{
	struct bgp_attrs	*a = &c->upd->attrs;
	size_t			 i, n = ibuf_size(v) / 4;

	/* RFC 7606 7.8: "The Community attribute SHALL be considered
	 * malformed if its length is not a non-zero multiple of 4."
	 * "... SHALL be handled using the approach of "treat-as-
	 * withdraw"." */
	if (ibuf_size(v) == 0 || ibuf_size(v) % 4 != 0) {
		upd_note(c, "COMMUNITIES of %zu octets", ibuf_size(v));
		return V_WITHDRAW;
	}
	if ((a->communities = calloc(n, sizeof(uint32_t))) == NULL)
		return upd_oom(c);
	for (i = 0; i < n; i++)
		if (ibuf_get_n32(v, &a->communities[i]) == -1)
			return upd_oom(c);	/* not reached */
	a->ncommunities = n;
	return V_OK;
}

static enum verdict
attr_bytes(struct upd_ctx *c, struct ibuf *v, size_t unit, uint8_t **out,
    uint16_t *n, const char *name)
{
	/* RFC 7606 7.14: an Extended Communities attribute is malformed
	 * "if its length is not a non-zero multiple of 8"; RFC 8092 6:
	 * Large Communities likewise with 12; both "treat-as-withdraw". */
	if (ibuf_size(v) == 0 || ibuf_size(v) % unit != 0) {
		upd_note(c, "%s of %zu octets", name, ibuf_size(v));
		return V_WITHDRAW;
	}
	if ((*out = malloc(ibuf_size(v))) == NULL)
		return upd_oom(c);
	*n = ibuf_size(v) / unit;
	if (ibuf_get(v, *out, ibuf_size(v)) == -1)
		return upd_oom(c);	/* not reached */
	return V_OK;
}

static enum verdict
attr_ext_communities(struct upd_ctx *c, struct ibuf *v)
{
	struct bgp_attrs	*a = &c->upd->attrs;

	return attr_bytes(c, v, 8, &a->ext_communities, &a->next_communities,
	    "EXTENDED_COMMUNITIES");
}

static enum verdict
attr_large_communities(struct upd_ctx *c, struct ibuf *v)
{
	struct bgp_attrs	*a = &c->upd->attrs;

	return attr_bytes(c, v, 12, &a->large_communities,
	    &a->nlarge_communities, "LARGE_COMMUNITY");
}

static enum verdict
attr_as4path(struct upd_ctx *c, struct ibuf *v)
{
	/* RFC 6793 6: "A NEW BGP speaker that receives the AS4_PATH
	 * attribute or the AS4_AGGREGATOR attribute in an UPDATE message
	 * from another NEW BGP speaker MUST discard the path attribute and
	 * continue processing the UPDATE message." */
	if (c->neg->as4) {
		upd_note(c, "AS4_PATH on a 4-octet AS session");
		return V_DISCARD;
	}
	/* RFC 6793 6: malformed if "the attribute length is not a multiple
	 * of two or is too small (i.e., less than 6) ..., or the path
	 * segment length in the attribute is either zero or is
	 * inconsistent with the attribute length, or the path segment type
	 * in the attribute is not one of the types defined"; and "the
	 * "attribute discard" approach is chosen to handle a malformed
	 * AS4_PATH attribute". */
	if (ibuf_size(v) < 6 || bgp_aspath_from_wire(v, 1, &c->as4path,
	    &c->as4path_len) == -1) {
		if (ibuf_size(v) >= 6 && errno == ENOMEM)
			return upd_oom(c);
		upd_note(c, "malformed AS4_PATH");
		return V_DISCARD;
	}
	c->has_as4path = 1;
	return V_OK;
}

static enum verdict
attr_as4aggregator(struct upd_ctx *c, struct ibuf *v)
{
	if (c->neg->as4) {
		upd_note(c, "AS4_AGGREGATOR on a 4-octet AS session");
		return V_DISCARD;
	}
	/* RFC 6793 6: "the "attribute discard" approach is chosen to handle
	 * a malformed AS4_AGGREGATOR attribute": its length is 8, and by
	 * RFC 7607 2 its AS is not 0. */
	if (ibuf_size(v) != 8 ||
	    get_aggregator(v, 1, &c->as4agg_as, &c->as4agg_id) == -1 ||
	    c->as4agg_as == 0) {
		upd_note(c, "malformed AS4_AGGREGATOR");
		return V_DISCARD;
	}
	c->has_as4agg = 1;
	return V_OK;
}

/* ---- multiprotocol attributes ---- */

static enum verdict
mp_malformed(struct upd_ctx *c, const struct ibuf *raw, const char *what)
{
	/* RFC 7606 7.11: for MP_REACH_NLRI (and 7.12, MP_UNREACH_NLRI)
	 * whose NLRI cannot be reliably located, "the "session reset" or
	 * "AFI/SAFI disable" approach MUST be used"; RFC 4271 6.3 names
	 * the subcode: "If an error is detected, the attribute MUST be
	 * discarded, and the Error Subcode MUST be set to Optional
	 * Attribute Error." */
	return upd_reset(c, UPD_OPTATTR, raw, "%s", what);
}

/* The AFI/SAFI of an MP attribute; 1 when it is to be ignored. */
static int
mp_family(struct upd_ctx *c, uint16_t afi, uint8_t safi, uint8_t *aid,
    const char *name)
{
	/* A family we do not know, or did not negotiate (RFC 4760 6: the
	 * capability decides what a peer may send), is not an error of this
	 * UPDATE, nor what RFC 7606 7.11 calls malformed; its NLRI is not
	 * ours to take, so the attribute is ignored. */
	if (bgp_afi_aid(afi, safi, aid) == -1) {
		upd_note(c, "%s for unknown AFI %u SAFI %u ignored", name, afi,
		    safi);
		return 1;
	}
	if (!bgp_neg_aid(c->neg, *aid)) {
		upd_note(c, "%s for %s (not negotiated) ignored", name,
		    bgp_aid_str(*aid));
		return 1;
	}
	return 0;
}

static int
mp_nexthop(struct upd_ctx *c, uint8_t aid, struct ibuf *nh)
{
	struct bgp_attrs	*a = &c->upd->attrs;
	size_t			 len = ibuf_size(nh);

	if (aid == AID_IPV4 && len == 4) {
		a->mp_nh_len = 4;
		return ibuf_get(nh, &a->mp_nh4, 4);
	}
	/* RFC 2545 3: 16 for a global address, 32 with a link-local one;
	 * RFC 8950 3: IPv4 NLRI too, once the capability is exchanged. */
	if (len != 16 && len != 32)
		return -1;
	if (aid == AID_IPV4 && !c->neg->ext_nh[AID_IPV4])
		return -1;
	a->mp_nh_len = len;
	return ibuf_get(nh, a->mp_nh6, len);
}

static enum verdict
attr_mp_reach(struct upd_ctx *c, struct ibuf *v, const struct ibuf *raw)
{
	struct bgp_update	*u = c->upd;
	struct ibuf		 nh;
	uint16_t		 afi;
	uint8_t			 safi, nhlen, reserved, aid;

	/* RFC 4760 3: AFI (2), SAFI (1), Length of Next Hop (1), Next Hop,
	 * Reserved (1), NLRI. */
	if (ibuf_get_n16(v, &afi) == -1 || ibuf_get_n8(v, &safi) == -1 ||
	    ibuf_get_n8(v, &nhlen) == -1 || ibuf_get_ibuf(v, nhlen, &nh) == -1 ||
	    ibuf_get_n8(v, &reserved) == -1)
		return mp_malformed(c, raw, "MP_REACH_NLRI truncated");
	if (mp_family(c, afi, safi, &aid, "MP_REACH_NLRI"))
		return V_OK;
	/* RFC 7606 7.11: "If the Length of Next Hop Network Address field
	 * of the MP_REACH attribute is inconsistent with that which was
	 * expected, the attribute is considered malformed." */
	if (mp_nexthop(c, aid, &nh) == -1)
		return mp_malformed(c, raw, "MP_REACH_NLRI: bad next-hop length");
	if (nlri_append(v, aid, c->neg->addpath_rx[aid], &u->nlri,
	    &u->nnlri) == -1)
		return errno == ENOMEM ? upd_oom(c) :
		    mp_malformed(c, raw, "MP_REACH_NLRI: bad prefix");
	u->attrs.present |= 1ULL << ATTR_MP_REACH;
	return V_OK;
}

static enum verdict
attr_mp_unreach(struct upd_ctx *c, struct ibuf *v, const struct ibuf *raw)
{
	struct bgp_update	*u = c->upd;
	size_t			 before = u->nwithdrawn;
	uint16_t		 afi;
	uint8_t			 safi, aid;

	/* RFC 4760 4: AFI (2), SAFI (1), Withdrawn Routes. */
	if (ibuf_get_n16(v, &afi) == -1 || ibuf_get_n8(v, &safi) == -1)
		return mp_malformed(c, raw, "MP_UNREACH_NLRI truncated");
	if (mp_family(c, afi, safi, &aid, "MP_UNREACH_NLRI"))
		return V_OK;
	/* RFC 7606 7.12: "the "session reset" approach or the "AFI/SAFI
	 * disable" approach MUST be used" when it is malformed. */
	if (nlri_append(v, aid, c->neg->addpath_rx[aid], &u->withdrawn,
	    &u->nwithdrawn) == -1)
		return errno == ENOMEM ? upd_oom(c) :
		    mp_malformed(c, raw, "MP_UNREACH_NLRI: bad prefix");
	c->mp_unreach_aid = aid;
	c->mp_unreach_n = u->nwithdrawn - before;
	return V_OK;
}

/* ---- the attribute policy ---- */

/*
 * What each known attribute must look like (RFC 4271 5, 4.3 flags) and
 * what RFC 7606 makes of a wrong one.  RFC 7606 3.c: "If the value of
 * either the Optional or Transitive bits in the Attribute Flags is in
 * conflict with their specified values, then the attribute MUST be
 * treated as malformed and the "treat-as-withdraw" approach used,
 * unless the specification for the attribute mandates different
 * handling for incorrect Attribute Flags" -- so `bad` is that
 * attribute's own error handling.
 */
static const struct attr_policy {
	uint8_t		 type;
	uint8_t		 flags;		/* Optional, Transitive */
	enum verdict	 bad;
	const char	*name;
	enum verdict	(*parse)(struct upd_ctx *, struct ibuf *);
	enum verdict	(*parse_mp)(struct upd_ctx *, struct ibuf *,
			    const struct ibuf *);
} attr_policies[] = {
	{ ATTR_ORIGIN, WELL_KNOWN, V_WITHDRAW, "ORIGIN", attr_origin, NULL },
	{ ATTR_ASPATH, WELL_KNOWN, V_WITHDRAW, "AS_PATH", attr_aspath, NULL },
	{ ATTR_NEXTHOP, WELL_KNOWN, V_WITHDRAW, "NEXT_HOP", attr_nexthop,
	    NULL },
	{ ATTR_MED, OPT_NONTRANS, V_WITHDRAW, "MULTI_EXIT_DISC", attr_med,
	    NULL },
	{ ATTR_LOCALPREF, WELL_KNOWN, V_WITHDRAW, "LOCAL_PREF",
	    attr_localpref, NULL },
	{ ATTR_ATOMIC_AGGREGATE, WELL_KNOWN, V_DISCARD, "ATOMIC_AGGREGATE",
	    attr_atomic, NULL },
	{ ATTR_AGGREGATOR, OPT_TRANS, V_DISCARD, "AGGREGATOR",
	    attr_aggregator, NULL },
	{ ATTR_COMMUNITIES, OPT_TRANS, V_WITHDRAW, "COMMUNITIES",
	    attr_communities, NULL },
	{ ATTR_MP_REACH, OPT_NONTRANS, V_RESET, "MP_REACH_NLRI", NULL,
	    attr_mp_reach },
	{ ATTR_MP_UNREACH, OPT_NONTRANS, V_RESET, "MP_UNREACH_NLRI", NULL,
	    attr_mp_unreach },
	{ ATTR_EXT_COMMUNITIES, OPT_TRANS, V_WITHDRAW, "EXTENDED_COMMUNITIES",
	    attr_ext_communities, NULL },
	{ ATTR_AS4_PATH, OPT_TRANS, V_DISCARD, "AS4_PATH", attr_as4path,
	    NULL },
	{ ATTR_AS4_AGGREGATOR, OPT_TRANS, V_DISCARD, "AS4_AGGREGATOR",
	    attr_as4aggregator, NULL },
	{ ATTR_LARGE_COMMUNITIES, OPT_TRANS, V_WITHDRAW, "LARGE_COMMUNITY",
	    attr_large_communities, NULL },
};

static const struct attr_policy *
attr_policy(uint8_t type)
{
	size_t	 i;

	for (i = 0; i < sizeof(attr_policies) / sizeof(attr_policies[0]); i++)
		if (attr_policies[i].type == type)
			return &attr_policies[i];
	return NULL;
}

static enum verdict
attr_bad_flags(struct upd_ctx *c, const struct attr_policy *p,
    uint8_t flags, const struct ibuf *raw)
{
	/* RFC 4271 6.3: "If any recognized attribute has Attribute Flags
	 * that conflict with the Attribute Type Code, then the Error
	 * Subcode MUST be set to Attribute Flags Error." */
	if (p->bad == V_RESET)
		return upd_reset(c, UPD_ATTRFLAGS, raw,
		    "%s with flags 0x%02x", p->name, flags);
	upd_note(c, "%s with flags 0x%02x", p->name, flags);
	return p->bad;
}

static enum verdict
attr_known(struct upd_ctx *c, const struct attr_policy *p, uint8_t flags,
    struct ibuf *val, const struct ibuf *raw)
{
	enum verdict	 v;

	if ((flags & ATTR_F_KIND) != p->flags)
		return attr_bad_flags(c, p, flags, raw);
	v = p->parse != NULL ? p->parse(c, val) : p->parse_mp(c, val, raw);
	/* MP_REACH_NLRI sets its own bit; the RFC 6793 ones never have
	 * one, being merged into AS_PATH and AGGREGATOR. */
	if (v == V_OK && p->parse != NULL && p->type != ATTR_AS4_PATH &&
	    p->type != ATTR_AS4_AGGREGATOR)
		c->upd->attrs.present |= 1ULL << p->type;
	return v;
}

/* Inserts a raw attribute into attrs.unknown, by ascending type. */
static int
unknown_keep(struct upd_ctx *c, uint8_t flags, uint8_t type,
    const struct ibuf *raw)
{
	struct bgp_attrs	*a = &c->upd->attrs;
	struct ibuf		 list;
	size_t			 at = 0, len = ibuf_size(raw);
	uint8_t			*n, f, t, l8;
	uint16_t		 l16;

	ibuf_from_buffer(&list, a->unknown, a->unknown_len);
	/* the list is ours and well-formed: this walk cannot fail */
	while (ibuf_get_n8(&list, &f) == 0 && ibuf_get_n8(&list, &t) == 0 &&
	    t < type) {
		if (f & ATTR_F_EXTLEN)
			(void)ibuf_get_n16(&list, &l16);
		else {
			(void)ibuf_get_n8(&list, &l8);
			l16 = l8;
		}
		(void)ibuf_skip(&list, l16);
		at = a->unknown_len - ibuf_size(&list);
	}
	if ((n = realloc(a->unknown, a->unknown_len + len)) == NULL)
		return -1;
	memmove(n + at + len, n + at, a->unknown_len - at);
	memcpy(n + at, ibuf_data(raw), len);
	n[at] = flags | ATTR_F_PARTIAL;
	a->unknown = n;
	a->unknown_len += len;
	return 0;
}

static enum verdict
attr_unknown(struct upd_ctx *c, uint8_t flags, uint8_t type,
    const struct ibuf *raw)
{
	/* RFC 4271 6.3: "If any of the well-known mandatory attributes are
	 * not recognized, then the Error Subcode MUST be set to
	 * Unrecognized Well-known Attribute.  The Data field MUST contain
	 * the unrecognized attribute (type, length, and value)."  RFC 7606
	 * leaves that error as it was: a session reset. */
	if (!(flags & ATTR_F_OPTIONAL))
		return upd_reset(c, UPD_UNKNWN_WK, raw,
		    "unrecognized well-known attribute %u", type);
	/* RFC 4271 5: "Unrecognized non-transitive optional attributes
	 * MUST be quietly ignored and not passed along to other BGP peers."
	 */
	if (!(flags & ATTR_F_TRANSITIVE))
		return V_OK;
	/* "If an optional transitive attribute is unrecognized, the Partial
	 * bit in the attribute flags octet is set to 1, and the attribute
	 * is retained for propagation to other BGP speakers" (4271 9; 5:
	 * "Paths with unrecognized transitive optional attributes SHOULD be
	 * accepted").  The speaker never re-advertises what it receives,
	 * but a caller that keeps received routes (an Adj-RIB-In, a route
	 * reflector built on this parser) must be able to pass them on
	 * intact, and must not tell two paths that differ only in them
	 * apart by accident: so they are kept, in the form they would be
	 * sent, and bgp_update_write_announce writes them back. */
	return unknown_keep(c, flags, type, raw) == -1 ? upd_oom(c) : V_OK;
}

static enum verdict
attr_duplicate(struct upd_ctx *c, uint8_t type, const struct ibuf *raw)
{
	/* RFC 7606 3.g: "If the MP_REACH_NLRI attribute or the
	 * MP_UNREACH_NLRI [RFC4760] attribute appears more than once in
	 * the UPDATE message, then a NOTIFICATION message MUST be sent with
	 * the Error Subcode "Malformed Attribute List".  If any other
	 * attribute (whether recognized or unrecognized) appears more than
	 * once in an UPDATE message, then all the occurrences of the
	 * attribute other than the first one SHALL be discarded and the
	 * UPDATE message will continue to be processed." */
	if (type == ATTR_MP_REACH || type == ATTR_MP_UNREACH)
		return upd_reset(c, UPD_ATTRLIST, NULL,
		    "attribute %u appears twice", type);
	upd_note(c, "attribute %u appears twice", type);
	return V_DISCARD;
}

/*
 * RFC 7606 4: "the length of the last encountered path attribute would
 * cause the Total Attribute Length to be exceeded" or "fewer than three
 * octets remain (or fewer than four octets, if the Attribute Flags
 * field has the Extended Length bit set)": "the "treat-as-withdraw"
 * approach MUST be used ... and the Total Attribute Length MUST be
 * relied upon to enable the beginning of the NLRI field to be located."
 * The rest of the block is unusable.  When the attribute that overruns
 * is MP_REACH_NLRI or MP_UNREACH_NLRI, its own NLRI cannot be located:
 * RFC 7606 7.11/7.12 make that a session reset.  (RFC 7606 5.1 has a
 * sender put those first, so a later break does not hide them.)
 */
static enum verdict
attr_overrun(struct upd_ctx *c, const struct ibuf *raw)
{
	uint8_t	 type;

	c->broken = 1;
	if (ibuf_peek_n8(raw, 1, &type) == 0 &&
	    (type == ATTR_MP_REACH || type == ATTR_MP_UNREACH))
		return upd_reset(c, UPD_ATTRLEN, NULL,
		    "attribute %u overruns the attribute list", type);
	upd_note(c, "attribute list overrun (%zu octets left)",
	    ibuf_size(raw));
	return V_WITHDRAW;
}

static int
attr_seen(struct upd_ctx *c, uint8_t type)
{
	int	 seen = (c->seen[type / 8] >> (type % 8)) & 1;

	c->seen[type / 8] |= 1 << (type % 8);
	return seen;
}

static enum verdict
upd_attr(struct upd_ctx *c, struct ibuf *attrs)
{
	const struct attr_policy	*p;
	struct ibuf			 raw = *attrs, val;
	uint16_t			 len;
	uint8_t				 flags, type, len8;

	if (ibuf_get_n8(attrs, &flags) == -1 ||
	    ibuf_get_n8(attrs, &type) == -1)
		return attr_overrun(c, &raw);
	if (flags & ATTR_F_EXTLEN) {
		if (ibuf_get_n16(attrs, &len) == -1)
			return attr_overrun(c, &raw);
	} else {
		if (ibuf_get_n8(attrs, &len8) == -1)
			return attr_overrun(c, &raw);
		len = len8;
	}
	if (ibuf_get_ibuf(attrs, len, &val) == -1)
		return attr_overrun(c, &raw);
	/* raw: the whole attribute, for a NOTIFICATION's data. */
	ibuf_truncate(&raw, ibuf_size(&raw) - ibuf_size(attrs));
	c->nattrs++;
	if (attr_seen(c, type))
		return attr_duplicate(c, type, &raw);
	if ((p = attr_policy(type)) == NULL)
		return attr_unknown(c, flags, type, &raw);
	return attr_known(c, p, flags, &val, &raw);
}

/* ---- after the attributes ---- */

/* RFC 6793 4.2.3, on a session with an OLD (2-octet) speaker. */
static int
upd_as4(struct upd_ctx *c)
{
	struct bgp_attrs	*a = &c->upd->attrs;
	int			 rc;

	/* "If the AGGREGATOR attribute ... contains an AS number other than
	 * AS_TRANS, then: the AS4_AGGREGATOR attribute and the AS4_PATH
	 * attribute SHALL be ignored" */
	if (ATTR_HAS(a, ATTR_AGGREGATOR) && a->aggregator_as != AS_TRANS) {
		if (c->has_as4path || c->has_as4agg)
			upd_note(c, "AS4 attributes ignored: AGGREGATOR AS %u",
			    a->aggregator_as);
		return 0;
	}
	if (c->has_as4agg && ATTR_HAS(a, ATTR_AGGREGATOR)) {
		a->aggregator_as = c->as4agg_as;
		a->aggregator_id = c->as4agg_id;
	} else if (c->has_as4agg)
		upd_note(c, "AS4_AGGREGATOR without AGGREGATOR ignored");
	if (!c->has_as4path || !ATTR_HAS(a, ATTR_ASPATH))
		return 0;
	if ((rc = bgp_aspath_merge_as4(a, c->as4path, c->as4path_len)) == -1)
		return upd_apply(c, upd_oom(c));
	if (rc == 1)
		upd_note(c, "AS4_PATH longer than AS_PATH ignored");
	return 0;
}

static void
upd_mandatory(struct upd_ctx *c)
{
	const struct bgp_attrs	*a = &c->upd->attrs;
	const char		*missing = NULL;

	if (c->upd->nnlri == 0)
		return;
	/* RFC 7606 3.d: "If any of the well-known mandatory attributes are
	 * not present in an UPDATE message, then "treat-as-withdraw" MUST
	 * be used.  (Note that [RFC4760] reclassifies NEXT_HOP as what is
	 * effectively discretionary.)": it is needed for the NLRI field. */
	if (!ATTR_HAS(a, ATTR_ORIGIN))
		missing = "ORIGIN";
	else if (!ATTR_HAS(a, ATTR_ASPATH))
		missing = "AS_PATH";
	else if (c->nclassic > 0 && !ATTR_HAS(a, ATTR_NEXTHOP))
		missing = "NEXT_HOP";
	if (missing != NULL) {
		upd_note(c, "missing %s", missing);
		c->upd->action = UPD_ACTION_TREAT_AS_WITHDRAW;
	}
}

/* RFC 4724 2: End-of-RIB is an UPDATE with nothing in it for IPv4
 * unicast, and one with only an empty MP_UNREACH_NLRI for the others. */
static void
upd_eor(struct upd_ctx *c, size_t wlen, size_t alen)
{
	struct bgp_update	*u = c->upd;

	if (wlen != 0 || u->nnlri != 0 || c->nclassic != 0)
		return;
	if (alen == 0) {
		u->eor = 1;
		u->eor_aid = AID_IPV4;
	} else if (c->nattrs == 1 && c->mp_unreach_aid >= 0 &&
	    c->mp_unreach_n == 0 && u->action == UPD_ACTION_OK) {
		u->eor = 1;
		u->eor_aid = c->mp_unreach_aid;
	}
}

static int
upd_body(struct upd_ctx *c, struct ibuf *body)
{
	struct ibuf	 wd, attrs;
	uint16_t	 wlen, alen;

	/* RFC 4271 6.3: "If the Withdrawn Routes Length or Total Attribute
	 * Length is too large (i.e., if Withdrawn Routes Length + Total
	 * Attribute Length + 23 exceeds the message Length), then the Error
	 * Subcode MUST be set to Malformed Attribute List."  RFC 7606 keeps
	 * that a session reset: the NLRI cannot be located. */
	if (ibuf_get_n16(body, &wlen) == -1 ||
	    ibuf_get_ibuf(body, wlen, &wd) == -1 ||
	    ibuf_get_n16(body, &alen) == -1 ||
	    ibuf_get_ibuf(body, alen, &attrs) == -1)
		return upd_apply(c, upd_reset(c, UPD_ATTRLIST, NULL,
		    "withdrawn length or attribute length too large"));
	if (field_prefixes(c, &wd, 1) == -1)
		return -1;
	while (ibuf_size(&attrs) > 0 && !c->broken)
		if (upd_apply(c, upd_attr(c, &attrs)) == -1)
			return -1;
	if (field_prefixes(c, body, 0) == -1)
		return -1;
	if (!c->neg->as4 && upd_as4(c) == -1)
		return -1;
	upd_mandatory(c);
	upd_eor(c, wlen, alen);
	return 0;
}

int
bgp_update_parse(struct ibuf *body, const struct bgp_neg *neg,
    struct bgp_update *upd, struct bgp_notify *err)
{
	struct upd_ctx	 c = { .neg = neg, .upd = upd, .err = err,
			    .mp_unreach_aid = -1 };
	int		 rc;

	*upd = (struct bgp_update){ 0 };
	rc = upd_body(&c, body);
	free(c.as4path);
	if (rc == -1) {
		bgp_update_free(upd);
		snprintf(upd->reason, sizeof(upd->reason), "%s", err->reason);
	}
	return rc;
}

void
bgp_update_free(struct bgp_update *upd)
{
	if (upd == NULL)
		return;
	free(upd->withdrawn);
	free(upd->nlri);
	bgp_attrs_free(&upd->attrs);
	*upd = (struct bgp_update){ 0 };
}

/* ---- writing ---- */

static int
attr_hdr(struct ibuf *out, uint8_t flags, uint8_t type, size_t len)
{
	if (len > UINT16_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	/* RFC 4271 4.3: the Extended Length bit only when needed. */
	if (len > UINT8_MAX)
		return ibuf_add_n8(out, flags | ATTR_F_EXTLEN) == -1 ||
		    ibuf_add_n8(out, type) == -1 ||
		    ibuf_add_n16(out, len) == -1 ? -1 : 0;
	return ibuf_add_n8(out, flags) == -1 || ibuf_add_n8(out, type) == -1 ||
	    ibuf_add_n8(out, len) == -1 ? -1 : 0;
}

static size_t
attr_hdr_len(size_t len)
{
	return len > UINT8_MAX ? 4 : 3;
}

static int
put_aspath(struct ibuf *out, const struct bgp_neg *neg,
    const struct bgp_attrs *a)
{
	size_t	 len;

	len = bgp_aspath_wire_len(a->aspath, a->aspath_len, neg->as4, 0);
	if (attr_hdr(out, WELL_KNOWN, ATTR_ASPATH, len) == -1 ||
	    bgp_aspath_to_wire(out, a->aspath, a->aspath_len, neg->as4,
	    0) == -1)
		return -1;
	return 0;
}

static int
put_as4path(struct ibuf *out, const struct bgp_neg *neg,
    const struct bgp_attrs *a)
{
	size_t	 len;

	/* RFC 6793 4.2.2: towards an OLD speaker, an AS path that does not
	 * fit 2-octet ASNs goes in AS4_PATH as well (RFC 6793 6: without
	 * the confederation segments). */
	if (neg->as4 || bgp_aspath_is_as2(a->aspath, a->aspath_len))
		return 0;
	len = bgp_aspath_wire_len(a->aspath, a->aspath_len, 1, 1);
	if (len == 0)
		return 0;
	if (attr_hdr(out, OPT_TRANS, ATTR_AS4_PATH, len) == -1)
		return -1;
	return bgp_aspath_to_wire(out, a->aspath, a->aspath_len, 1, 1);
}

static int
put_aggregator(struct ibuf *out, const struct bgp_neg *neg,
    const struct bgp_attrs *a)
{
	uint32_t	 as = a->aggregator_as;

	if (!ATTR_HAS(a, ATTR_AGGREGATOR))
		return 0;
	if (neg->as4)
		return attr_hdr(out, OPT_TRANS, ATTR_AGGREGATOR, 8) == -1 ||
		    ibuf_add_n32(out, as) == -1 ||
		    ibuf_add(out, &a->aggregator_id, 4) == -1 ? -1 : 0;
	return attr_hdr(out, OPT_TRANS, ATTR_AGGREGATOR, 6) == -1 ||
	    ibuf_add_n16(out, as > UINT16_MAX ? AS_TRANS : as) == -1 ||
	    ibuf_add(out, &a->aggregator_id, 4) == -1 ? -1 : 0;
}

static int
put_as4aggregator(struct ibuf *out, const struct bgp_neg *neg,
    const struct bgp_attrs *a)
{
	if (neg->as4 || !ATTR_HAS(a, ATTR_AGGREGATOR) ||
	    a->aggregator_as <= UINT16_MAX)
		return 0;
	return attr_hdr(out, OPT_TRANS, ATTR_AS4_AGGREGATOR, 8) == -1 ||
	    ibuf_add_n32(out, a->aggregator_as) == -1 ||
	    ibuf_add(out, &a->aggregator_id, 4) == -1 ? -1 : 0;
}

static int
put_u32(struct ibuf *out, const struct bgp_attrs *a, uint8_t flags,
    uint8_t type, uint32_t v)
{
	if (!ATTR_HAS(a, type))
		return 0;
	return attr_hdr(out, flags, type, 4) == -1 ||
	    ibuf_add_n32(out, v) == -1 ? -1 : 0;
}

static int
put_communities(struct ibuf *out, const struct bgp_attrs *a)
{
	uint16_t	 i;

	if (!ATTR_HAS(a, ATTR_COMMUNITIES) || a->ncommunities == 0 ||
	    a->communities == NULL)
		return 0;
	if (attr_hdr(out, OPT_TRANS, ATTR_COMMUNITIES,
	    (size_t)a->ncommunities * 4) == -1)
		return -1;
	for (i = 0; i < a->ncommunities; i++)
		if (ibuf_add_n32(out, a->communities[i]) == -1)
			return -1;
	return 0;
}

static int
put_bytes(struct ibuf *out, const struct bgp_attrs *a, uint8_t type,
    const uint8_t *p, size_t n, size_t unit)
{
	/* An empty one would be malformed (RFC 7606 7.14, RFC 8092 6). */
	if (!ATTR_HAS(a, type) || n == 0 || p == NULL)
		return 0;
	if (attr_hdr(out, OPT_TRANS, type, n * unit) == -1)
		return -1;
	return ibuf_add(out, p, n * unit);
}

/* The next attribute of a list: its whole bytes and type; -1 if the
 * list is malformed or holds what is not an unrecognized optional
 * transitive attribute (attrs may come from a caller, not the parser). */
static int
unknown_next(struct ibuf *list, struct ibuf *raw, uint8_t *type)
{
	uint16_t	 len;
	uint8_t		 flags, len8;

	*raw = *list;
	if (ibuf_get_n8(list, &flags) == -1 || ibuf_get_n8(list, type) == -1)
		return -1;
	if (flags & ATTR_F_EXTLEN) {
		if (ibuf_get_n16(list, &len) == -1)
			return -1;
	} else {
		if (ibuf_get_n8(list, &len8) == -1)
			return -1;
		len = len8;
	}
	if (ibuf_skip(list, len) == -1 || (flags & OPT_TRANS) != OPT_TRANS ||
	    attr_policy(*type) != NULL)
		return -1;
	return ibuf_truncate(raw, ibuf_size(raw) - ibuf_size(list));
}

/* The kept unrecognized attributes with lo <= type < hi. */
static int
put_unknown(struct ibuf *out, const struct bgp_attrs *a, unsigned lo,
    unsigned hi)
{
	struct ibuf	 list, raw;
	uint8_t		 type;

	ibuf_from_buffer(&list, a->unknown, a->unknown ? a->unknown_len : 0);
	while (ibuf_size(&list) > 0) {
		if (unknown_next(&list, &raw, &type) == -1) {
			errno = EINVAL;
			return -1;
		}
		if (type >= lo && type < hi && ibuf_add_buf(out, &raw) == -1)
			return -1;
	}
	return 0;
}

/*
 * Every attribute but MP_REACH_NLRI, in ascending type order.  ORIGIN
 * and AS_PATH always (an empty AS_PATH is iBGP's), NEXT_HOP only for
 * the classic NLRI field.
 */
static int
put_attrs(struct ibuf *out, const struct bgp_neg *neg,
    const struct bgp_attrs *a, int classic)
{
	if (put_unknown(out, a, 0, ATTR_ORIGIN) == -1 ||	/* reserved 0 */
	    attr_hdr(out, WELL_KNOWN, ATTR_ORIGIN, 1) == -1 ||
	    ibuf_add_n8(out, a->origin) == -1 ||
	    put_aspath(out, neg, a) == -1 ||
	    (classic && (attr_hdr(out, WELL_KNOWN, ATTR_NEXTHOP, 4) == -1 ||
	    ibuf_add(out, &a->nexthop, 4) == -1)) ||
	    put_u32(out, a, OPT_NONTRANS, ATTR_MED, a->med) == -1 ||
	    put_u32(out, a, WELL_KNOWN, ATTR_LOCALPREF, a->local_pref) == -1 ||
	    (ATTR_HAS(a, ATTR_ATOMIC_AGGREGATE) &&
	    attr_hdr(out, WELL_KNOWN, ATTR_ATOMIC_AGGREGATE, 0) == -1) ||
	    put_aggregator(out, neg, a) == -1 ||
	    put_communities(out, a) == -1 ||
	    put_unknown(out, a, ATTR_COMMUNITIES + 1,
	    ATTR_EXT_COMMUNITIES) == -1 ||
	    put_bytes(out, a, ATTR_EXT_COMMUNITIES, a->ext_communities,
	    a->next_communities, 8) == -1 ||
	    put_as4path(out, neg, a) == -1 ||
	    put_as4aggregator(out, neg, a) == -1 ||
	    put_unknown(out, a, ATTR_AS4_AGGREGATOR + 1,
	    ATTR_LARGE_COMMUNITIES) == -1 ||
	    put_bytes(out, a, ATTR_LARGE_COMMUNITIES, a->large_communities,
	    a->nlarge_communities, 12) == -1 ||
	    put_unknown(out, a, ATTR_LARGE_COMMUNITIES + 1, 256) == -1)
		return -1;
	return 0;
}

/* How one batch of prefixes goes out. */
struct upd_plan {
	uint8_t		 aid;
	int		 mp;		/* in MP_(UN)REACH_NLRI */
	int		 addpath;
	size_t		 mp_fixed;	/* MP attribute octets before NLRI */
	size_t		 base;		/* message octets without prefixes */
	size_t		 limit;		/* the most octets it may have */
};

/* All prefixes of one known family, with valid lengths. */
static int
check_prefixes(const struct bgp_prefix *pfx, size_t n)
{
	size_t	 i;

	if (n == 0 || pfx == NULL || pfx[0].aid >= AID_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (pfx[i].aid != pfx[0].aid ||
		    pfx[i].plen > bgp_aid_maxlen(pfx[i].aid))
			return -1;
	return 0;
}

/* How many prefixes fit; 0 with errno when not even one does. */
static size_t
plan_fit(const struct upd_plan *pl, const struct bgp_prefix *pfx, size_t n,
    size_t msg_max)
{
	size_t	 i, nlri = 0, total = pl->base, v;

	for (i = 0; i < n; i++) {
		nlri += bgp_nlri_len(&pfx[i], pl->addpath);
		total = pl->base + nlri;
		if (pl->mp) {
			v = pl->mp_fixed + nlri;
			total += attr_hdr_len(v) + pl->mp_fixed;
		}
		if (total > pl->limit)
			break;
	}
	if (i == 0)
		errno = total > msg_max ? EMSGSIZE : ERANGE;
	return i;
}

static void
plan_limit(struct upd_plan *pl, struct ibuf *out, const struct bgp_neg *neg,
    size_t *msg_max)
{
	*msg_max = bgp_msg_max(neg->max_msg);
	pl->limit = *msg_max < ibuf_left(out) ? *msg_max : ibuf_left(out);
}

static int
put_prefixes(struct ibuf *out, const struct bgp_prefix *pfx, size_t n,
    int addpath)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (bgp_nlri_put(out, &pfx[i], addpath) == -1)
			return -1;
	return 0;
}

static int
put_mp_reach(struct ibuf *out, const struct upd_plan *pl,
    const struct bgp_attrs *a, const struct bgp_prefix *pfx, size_t n)
{
	size_t	 i, v = pl->mp_fixed;

	for (i = 0; i < n; i++)
		v += bgp_nlri_len(&pfx[i], pl->addpath);
	if (attr_hdr(out, OPT_NONTRANS, ATTR_MP_REACH, v) == -1 ||
	    ibuf_add_n16(out, bgp_aid_afi(pl->aid)) == -1 ||
	    ibuf_add_n8(out, SAFI_UNICAST) == -1 ||
	    ibuf_add_n8(out, a->mp_nh_len) == -1 ||
	    (a->mp_nh_len == 4 ? ibuf_add(out, &a->mp_nh4, 4) :
	    ibuf_add(out, a->mp_nh6, a->mp_nh_len)) == -1 ||
	    ibuf_add_n8(out, 0) == -1)
		return -1;
	return put_prefixes(out, pfx, n, pl->addpath);
}

/* Classic fields or MP_REACH_NLRI; -1 (EINVAL) if neither can carry
 * this family with these attributes on this session. */
static int
announce_plan(struct upd_plan *pl, const struct bgp_neg *neg,
    const struct bgp_attrs *a, uint8_t aid)
{
	int	 nh6 = a->mp_nh_len == 16 || a->mp_nh_len == 32;

	*pl = (struct upd_plan){ .aid = aid, .addpath = neg->addpath_tx[aid] };
	if (!bgp_neg_aid(neg, aid)) {
		errno = EINVAL;
		return -1;
	}
	if (aid == AID_IPV4 && ATTR_HAS(a, ATTR_NEXTHOP))
		return 0;
	pl->mp = 1;
	pl->mp_fixed = MP_REACH_FIXED + a->mp_nh_len;
	if ((aid == AID_IPV4 && a->mp_nh_len == 4) ||
	    (aid == AID_IPV4 && nh6 && neg->ext_nh[AID_IPV4]) ||
	    (aid == AID_IPV6 && nh6))
		return 0;
	errno = EINVAL;
	return -1;
}

static int
announce_write(struct ibuf *out, const struct upd_plan *pl,
    const struct ibuf *ab, const struct bgp_attrs *a,
    const struct bgp_prefix *pfx, size_t k)
{
	size_t	 start, alen = ibuf_size(ab), i, v = pl->mp_fixed;

	if (pl->mp) {
		for (i = 0; i < k; i++)
			v += bgp_nlri_len(&pfx[i], pl->addpath);
		alen += attr_hdr_len(v) + v;
	}
	if (bgp_msg_begin(out, BGP_UPDATE, &start) == -1)
		return -1;
	/* RFC 7606 5.1: "The MP_REACH_NLRI or MP_UNREACH_NLRI attribute (if
	 * present) SHALL be encoded as the very first path attribute". */
	if (ibuf_add_n16(out, 0) == -1 || ibuf_add_n16(out, alen) == -1 ||
	    (pl->mp && put_mp_reach(out, pl, a, pfx, k) == -1) ||
	    ibuf_add_buf(out, ab) == -1 ||
	    (!pl->mp && put_prefixes(out, pfx, k, pl->addpath) == -1)) {
		bgp_msg_abort(out, start);
		return -1;
	}
	return bgp_msg_end(out, start);
}

int
bgp_update_write_announce(struct ibuf *out, const struct bgp_neg *neg,
    const struct bgp_attrs *attrs, const struct bgp_prefix *pfx, size_t n)
{
	struct upd_plan	 pl;
	struct ibuf	*ab;
	size_t		 k, msg_max;

	if (check_prefixes(pfx, n) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (announce_plan(&pl, neg, attrs, pfx[0].aid) == -1)
		return -1;
	if ((ab = ibuf_dynamic(128, BGP_EXT_MAX_MSG)) == NULL)
		return -1;
	if (put_attrs(ab, neg, attrs, !pl.mp) == -1) {
		if (errno == ERANGE)
			errno = EMSGSIZE;	/* past 65535: never fits */
		ibuf_free(ab);
		return -1;
	}
	pl.base = BGP_HDR_LEN + UPD_MIN_BODY + ibuf_size(ab);
	plan_limit(&pl, out, neg, &msg_max);
	if ((k = plan_fit(&pl, pfx, n, msg_max)) == 0 ||
	    announce_write(out, &pl, ab, attrs, pfx, k) == -1) {
		ibuf_free(ab);
		return -1;
	}
	ibuf_free(ab);
	return k > INT32_MAX ? INT32_MAX : (int)k;
}

static int
withdraw_write(struct ibuf *out, const struct upd_plan *pl,
    const struct bgp_prefix *pfx, size_t k)
{
	size_t	 start, i, v = pl->mp_fixed;

	for (i = 0; i < k; i++)
		v += bgp_nlri_len(&pfx[i], pl->addpath);
	if (bgp_msg_begin(out, BGP_UPDATE, &start) == -1)
		return -1;
	if (pl->mp) {
		if (ibuf_add_n16(out, 0) == -1 ||
		    ibuf_add_n16(out, attr_hdr_len(v) + v) == -1 ||
		    attr_hdr(out, OPT_NONTRANS, ATTR_MP_UNREACH, v) == -1 ||
		    ibuf_add_n16(out, bgp_aid_afi(pl->aid)) == -1 ||
		    ibuf_add_n8(out, SAFI_UNICAST) == -1 ||
		    put_prefixes(out, pfx, k, pl->addpath) == -1)
			goto fail;
	} else if (ibuf_add_n16(out, v) == -1 ||
	    put_prefixes(out, pfx, k, pl->addpath) == -1 ||
	    ibuf_add_n16(out, 0) == -1)
		goto fail;
	return bgp_msg_end(out, start);
fail:
	bgp_msg_abort(out, start);
	return -1;
}

int
bgp_update_write_withdraw(struct ibuf *out, const struct bgp_neg *neg,
    const struct bgp_prefix *pfx, size_t n)
{
	struct upd_plan	 pl;
	size_t		 k, msg_max;
	uint8_t		 aid;

	if (check_prefixes(pfx, n) == -1) {
		errno = EINVAL;
		return -1;
	}
	aid = pfx[0].aid;
	if (!bgp_neg_aid(neg, aid)) {
		errno = EINVAL;
		return -1;
	}
	pl = (struct upd_plan){ .aid = aid, .addpath = neg->addpath_tx[aid],
	    .mp = aid != AID_IPV4, .base = BGP_HDR_LEN + UPD_MIN_BODY };
	if (pl.mp)
		pl.mp_fixed = MP_UNREACH_FIXED;
	plan_limit(&pl, out, neg, &msg_max);
	if ((k = plan_fit(&pl, pfx, n, msg_max)) == 0 ||
	    withdraw_write(out, &pl, pfx, k) == -1)
		return -1;
	return k > INT32_MAX ? INT32_MAX : (int)k;
}

int
bgp_eor_write(struct ibuf *out, const struct bgp_neg *neg, uint8_t aid)
{
	size_t	 start;

	if (!bgp_neg_aid(neg, aid)) {
		errno = EINVAL;
		return -1;
	}
	if (bgp_msg_begin(out, BGP_UPDATE, &start) == -1)
		return -1;
	/* RFC 4724 2: nothing at all for IPv4 unicast; otherwise only an
	 * MP_UNREACH_NLRI with no withdrawn routes. */
	if (ibuf_add_n16(out, 0) == -1 ||
	    ibuf_add_n16(out, aid == AID_IPV4 ? 0 :
	    3 + MP_UNREACH_FIXED) == -1 ||
	    (aid != AID_IPV4 &&
	    (attr_hdr(out, OPT_NONTRANS, ATTR_MP_UNREACH,
	    MP_UNREACH_FIXED) == -1 ||
	    ibuf_add_n16(out, bgp_aid_afi(aid)) == -1 ||
	    ibuf_add_n8(out, SAFI_UNICAST) == -1))) {
		bgp_msg_abort(out, start);
		return -1;
	}
	return bgp_msg_end(out, start);
}
