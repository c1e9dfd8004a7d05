/*
 * Prefixes: text form, ordering, address family indices, and the
 * <length, prefix> wire encoding of RFC 4271 4.3 / RFC 4760 5, with the
 * optional ADD-PATH path identifier of RFC 7911 3.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp.h"

static const struct {
	uint16_t	 afi;
	uint8_t		 safi;
	const char	*name;
} aid_table[AID_MAX] = {
	[AID_IPV4] = { AFI_IPV4, SAFI_UNICAST, "IPv4 unicast" },
	[AID_IPV6] = { AFI_IPV6, SAFI_UNICAST, "IPv6 unicast" },
};

uint8_t
bgp_aid_afi(uint8_t aid)
{
	if (aid >= AID_MAX)
		return 0;
	return aid_table[aid].afi;
}

int
bgp_afi_aid(uint16_t afi, uint8_t safi, uint8_t *aid)
{
	uint8_t	 i;

	for (i = 0; i < AID_MAX; i++) {
		if (aid_table[i].afi == afi && aid_table[i].safi == safi) {
			*aid = i;
			return 0;
		}
	}
	errno = EAFNOSUPPORT;
	return -1;
}

const char *
bgp_aid_str(uint8_t aid)
{
	if (aid >= AID_MAX)
		return "unknown address family";
	return aid_table[aid].name;
}

uint8_t
bgp_aid_maxlen(uint8_t aid)
{
	switch (aid) {
	case AID_IPV4:
		return 32;
	case AID_IPV6:
		return 128;
	default:
		return 0;
	}
}

/* The address bytes of a prefix, in network order. */
static const uint8_t *
prefix_bytes(const struct bgp_prefix *p)
{
	if (p->aid == AID_IPV4)
		return (const uint8_t *)&p->addr.v4;
	return (const uint8_t *)&p->addr.v6;
}

static uint8_t *
prefix_addr(struct bgp_prefix *p)
{
	if (p->aid == AID_IPV4)
		return (uint8_t *)&p->addr.v4;
	return (uint8_t *)&p->addr.v6;
}

static size_t
aid_addrlen(uint8_t aid)
{
	return bgp_aid_maxlen(aid) / 8;
}

/* Clears the bits past plen; returns 1 if any was set. */
static int
prefix_mask(uint8_t *addr, size_t addrlen, uint8_t plen)
{
	size_t	 i, full = plen / 8;
	uint8_t	 keep, dirty = 0;

	for (i = full; i < addrlen; i++) {
		keep = (i == full && plen % 8) ?
		    (uint8_t)(0xff << (8 - plen % 8)) : 0;
		dirty |= addr[i] & ~keep;
		addr[i] &= keep;
	}
	return dirty != 0;
}

/* Digits only: strtoul would take signs, spaces and "0x". */
static int
parse_plen(const char *s, uint8_t maxlen, uint8_t *plen)
{
	unsigned	 v = 0;

	if (*s == '\0')
		return EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		if (v > 1000)
			return ERANGE;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > maxlen)
		return ERANGE;
	*plen = v;
	return 0;
}

static int
parse_addr(const char *s, struct bgp_prefix *p)
{
	if (inet_pton(AF_INET, s, &p->addr.v4) == 1) {
		p->aid = AID_IPV4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &p->addr.v6) == 1) {
		p->aid = AID_IPV6;
		return 0;
	}
	return EINVAL;
}

int
bgp_prefix_parse(const char *text, struct bgp_prefix *out)
{
	struct bgp_prefix	 p = { 0 };
	char			 buf[INET6_ADDRSTRLEN];
	const char		*slash;
	size_t			 alen;
	int			 rc;

	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (alen >= sizeof(buf)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if ((rc = parse_addr(buf, &p)) != 0) {
		errno = rc;
		return -1;
	}
	p.plen = bgp_aid_maxlen(p.aid);
	if (slash != NULL &&
	    (rc = parse_plen(slash + 1, bgp_aid_maxlen(p.aid), &p.plen)) != 0) {
		errno = rc;
		return -1;
	}
	if (prefix_mask(prefix_addr(&p), aid_addrlen(p.aid), p.plen)) {
		errno = EDOM;
		return -1;
	}
	*out = p;
	return 0;
}

const char *
bgp_prefix_str(const struct bgp_prefix *p, char *buf, size_t len)
{
	char	 addr[INET6_ADDRSTRLEN];
	int	 af = p->aid == AID_IPV4 ? AF_INET : AF_INET6;

	if (len == 0)
		return buf;
	if (p->aid >= AID_MAX ||
	    inet_ntop(af, prefix_bytes(p), addr, sizeof(addr)) == NULL) {
		snprintf(buf, len, "?");
		return buf;
	}
	snprintf(buf, len, "%s/%u", addr, p->plen);
	return buf;
}

int
bgp_prefix_cmp(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	int	 rc;

	if (a->aid != b->aid)
		return a->aid < b->aid ? -1 : 1;
	if (a->aid < AID_MAX &&
	    (rc = memcmp(prefix_bytes(a), prefix_bytes(b),
	    aid_addrlen(a->aid))) != 0)
		return rc < 0 ? -1 : 1;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	if (a->path_id != b->path_id)
		return a->path_id < b->path_id ? -1 : 1;
	return 0;
}

size_t
bgp_nlri_len(const struct bgp_prefix *p, int addpath)
{
	return (addpath ? 4 : 0) + 1 + (p->plen + 7) / 8;
}

int
bgp_nlri_put(struct ibuf *out, const struct bgp_prefix *p, int addpath)
{
	if (p->aid >= AID_MAX || p->plen > bgp_aid_maxlen(p->aid)) {
		errno = EINVAL;
		return -1;
	}
	if (addpath && ibuf_add_n32(out, p->path_id) == -1)
		return -1;
	if (ibuf_add_n8(out, p->plen) == -1 ||
	    ibuf_add(out, prefix_bytes(p), (p->plen + 7) / 8) == -1)
		return -1;
	return 0;
}

/*
 * RFC 4271 4.3: "The Prefix field contains an IP address prefix, followed
 * by the minimum number of trailing bits needed to make the end of the
 * field fall on an octet boundary.  Note that the value of trailing bits
 * is irrelevant."  They are cleared, so that equal prefixes compare equal.
 */
static int
nlri_read(struct ibuf *in, int addpath, struct bgp_prefix *p)
{
	if (addpath && ibuf_get_n32(in, &p->path_id) == -1)
		return -1;
	if (ibuf_get_n8(in, &p->plen) == -1)
		return -1;
	if (p->plen > bgp_aid_maxlen(p->aid)) {
		errno = ERANGE;
		return -1;
	}
	if (ibuf_get(in, prefix_addr(p), (p->plen + 7) / 8) == -1)
		return -1;
	prefix_mask(prefix_addr(p), aid_addrlen(p->aid), p->plen);
	return 0;
}

int
bgp_nlri_get(struct ibuf *in, uint8_t aid, int addpath, struct bgp_prefix *out)
{
	struct bgp_prefix	 p = { .aid = aid };
	size_t			 rpos = in->rpos;

	if (aid >= AID_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* As ibuf does: a failed read moves nothing. */
	if (nlri_read(in, addpath, &p) == -1) {
		in->rpos = rpos;
		return -1;
	}
	*out = p;
	return 0;
}
