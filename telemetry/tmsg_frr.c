/*
 * What FRR did, on the wire (tmsg.h): BGP session states (type 3) and
 * the next-hops and weights of steered prefixes in the kernel FIB (type
 * 4).  Same framing as a link sample: n16 count, then records of n16
 * length each, parsed from a truncated sub-view so that one record can
 * never be read into the next; octets after the known fields of a record
 * are for later versions and skipped.  No I/O.
 *
 *   bgp record    peer (n8 len + octets), state n8, remote AS n32,
 *                 uptime s n32, prefixes received n32
 *   route record  family n8 (4, 6), length n8, address (4 or 16),
 *                 flags n8, next-hop count n8, then per next-hop:
 *                 family n8 (0, 4, 6), gateway (0, 4 or 16),
 *                 ifindex n32, weight n16 (1..256)
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "tmsg.h"

static size_t
fam_len(uint8_t family)
{
	return family == 4 ? 4 : family == 6 ? 16 : 0;
}

/* ---- type 3: BGP sessions ---- */

static int
write_bgp(struct ibuf *b, const struct tmsg_bgp *p)
{
	size_t	 start = ibuf_size(b);

	if (p->state > TMSG_BGP_STATE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_add_n16(b, 0) == -1 ||
	    tmsg_put_name(b, p->peer, TMSG_PEER_MAX) == -1 ||
	    ibuf_add_n8(b, p->state) == -1 ||
	    ibuf_add_n32(b, p->remote_as) == -1 ||
	    ibuf_add_n32(b, p->uptime_s) == -1 ||
	    ibuf_add_n32(b, p->pfx_rcvd) == -1)
		return -1;
	return ibuf_set_n16(b, start, ibuf_size(b) - start - 2);
}

int
tmsg_write_bgp_state(struct ibuf *b, const struct tmsg *m)
{
	uint16_t	 i;

	if (m->nbgp > TMSG_MAX_BGP) {
		errno = ERANGE;
		return -1;
	}
	if (ibuf_add_n16(b, m->nbgp) == -1)
		return -1;
	for (i = 0; i < m->nbgp; i++)
		if (write_bgp(b, &m->bgp[i]) == -1)
			return -1;
	return 0;
}

static int
read_bgp(struct ibuf *rec, struct tmsg_bgp *p)
{
	memset(p, 0, sizeof(*p));
	if (tmsg_get_name(rec, p->peer, TMSG_PEER_MAX) == -1 ||
	    ibuf_get_n8(rec, &p->state) == -1 ||
	    ibuf_get_n32(rec, &p->remote_as) == -1 ||
	    ibuf_get_n32(rec, &p->uptime_s) == -1 ||
	    ibuf_get_n32(rec, &p->pfx_rcvd) == -1)
		return -1;
	return p->state > TMSG_BGP_STATE_MAX ? -1 : 0;
}

int
tmsg_read_bgp_state(struct ibuf *body, struct tmsg *m)
{
	struct ibuf	 rec;
	uint16_t	 n, len, i;

	if (ibuf_get_n16(body, &n) == -1 || n > TMSG_MAX_BGP ||
	    (size_t)n * (2 + TMSG_BGP_REC_MIN) > ibuf_size(body))
		return -1;
	for (i = 0; i < n; i++)
		if (ibuf_get_n16(body, &len) == -1 ||
		    ibuf_get_ibuf(body, len, &rec) == -1 ||
		    read_bgp(&rec, &m->bgp[i]) == -1)
			return -1;
	m->nbgp = n;
	return 0;
}

/* ---- type 4: routes in the FIB ---- */

static int
write_nh(struct ibuf *b, const struct tmsg_nh *nh)
{
	if ((nh->family != 0 && fam_len(nh->family) == 0) ||
	    nh->weight < 1 || nh->weight > 256) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_add_n8(b, nh->family) == -1 ||
	    ibuf_add(b, nh->gw, fam_len(nh->family)) == -1 ||
	    ibuf_add_n32(b, nh->ifindex) == -1 ||
	    ibuf_add_n16(b, nh->weight) == -1)
		return -1;
	return 0;
}

static int
write_route(struct ibuf *b, const struct tmsg_route *r)
{
	size_t	 start = ibuf_size(b), alen = fam_len(r->family);
	uint8_t	 i;

	if (alen == 0 || r->len > alen * 8 || r->nnh > TMSG_MAX_NH ||
	    (r->flags & ~TMSG_ROUTE_FLAGS)) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_add_n16(b, 0) == -1 ||
	    ibuf_add_n8(b, r->family) == -1 ||
	    ibuf_add_n8(b, r->len) == -1 ||
	    ibuf_add(b, r->addr, alen) == -1 ||
	    ibuf_add_n8(b, r->flags) == -1 ||
	    ibuf_add_n8(b, r->nnh) == -1)
		return -1;
	for (i = 0; i < r->nnh; i++)
		if (write_nh(b, &r->nh[i]) == -1)
			return -1;
	return ibuf_set_n16(b, start, ibuf_size(b) - start - 2);
}

int
tmsg_write_fib_routes(struct ibuf *b, const struct tmsg *m)
{
	uint16_t	 i;

	if (m->nroutes > TMSG_MAX_ROUTES) {
		errno = ERANGE;
		return -1;
	}
	if (ibuf_add_n16(b, m->nroutes) == -1)
		return -1;
	for (i = 0; i < m->nroutes; i++)
		if (write_route(b, &m->routes[i]) == -1)
			return -1;
	return 0;
}

static int
read_nh(struct ibuf *rec, struct tmsg_nh *nh)
{
	memset(nh, 0, sizeof(*nh));
	if (ibuf_get_n8(rec, &nh->family) == -1 ||
	    (nh->family != 0 && fam_len(nh->family) == 0) ||
	    ibuf_get(rec, nh->gw, fam_len(nh->family)) == -1 ||
	    ibuf_get_n32(rec, &nh->ifindex) == -1 ||
	    ibuf_get_n16(rec, &nh->weight) == -1)
		return -1;
	return nh->weight < 1 || nh->weight > 256 ? -1 : 0;
}

/* Bits past the prefix length must be zero: one prefix, one spelling. */
static int
host_bits(const struct tmsg_route *r)
{
	int	 i;

	for (i = r->len; i < (int)fam_len(r->family) * 8; i++)
		if (r->addr[i / 8] & (0x80 >> (i % 8)))
			return 1;
	return 0;
}

static int
read_route(struct ibuf *rec, struct tmsg_route *r)
{
	uint8_t	 i;

	memset(r, 0, offsetof(struct tmsg_route, nh));
	if (ibuf_get_n8(rec, &r->family) == -1 || fam_len(r->family) == 0 ||
	    ibuf_get_n8(rec, &r->len) == -1 ||
	    r->len > fam_len(r->family) * 8 ||
	    ibuf_get(rec, r->addr, fam_len(r->family)) == -1 ||
	    host_bits(r) ||
	    ibuf_get_n8(rec, &r->flags) == -1 ||
	    (r->flags & ~TMSG_ROUTE_FLAGS) ||
	    ibuf_get_n8(rec, &r->nnh) == -1 || r->nnh > TMSG_MAX_NH)
		return -1;
	for (i = 0; i < r->nnh; i++)
		if (read_nh(rec, &r->nh[i]) == -1)
			return -1;
	return 0;
}

int
tmsg_read_fib_routes(struct ibuf *body, struct tmsg *m)
{
	struct ibuf	 rec;
	uint16_t	 n, len, i;

	if (ibuf_get_n16(body, &n) == -1 || n > TMSG_MAX_ROUTES ||
	    (size_t)n * (2 + TMSG_ROUTE_REC_MIN) > ibuf_size(body))
		return -1;
	for (i = 0; i < n; i++)
		if (ibuf_get_n16(body, &len) == -1 ||
		    ibuf_get_ibuf(body, len, &rec) == -1 ||
		    read_route(&rec, &m->routes[i]) == -1)
			return -1;
	m->nroutes = n;
	return 0;
}

/* ---- names ---- */

static const char *const bgp_states[TMSG_BGP_STATE_MAX + 1] = {
	"unknown", "Idle", "Connect", "Active", "OpenSent", "OpenConfirm",
	"Established"
};

const char *
tmsg_bgp_state_str(uint8_t state)
{
	return state <= TMSG_BGP_STATE_MAX ? bgp_states[state] : "unknown";
}

/* FRR's names (show bgp summary json), case aside; else unknown. */
uint8_t
tmsg_bgp_state_from_str(const char *s)
{
	uint8_t	 i;

	for (i = 1; i <= TMSG_BGP_STATE_MAX; i++)
		if (strcasecmp(s, bgp_states[i]) == 0)
			return i;
	return TMSG_BGP_UNKNOWN;
}
