/*
 * Path attributes in memory: copy, free, a total order and a hash (so
 * that equal attribute sets can be interned and shared), AS paths, and
 * the link bandwidth extended community.
 *
 * An AS path is kept as the RFC 4271 4.3 segments with 4-octet ASNs
 * (RFC 6793 "NEW" form): type (1), count (1), count * ASN (4).  Runs of
 * AS_SEQUENCE segments are kept canonical: one segment per 255 ASNs,
 * the leftmost holding the remainder (RFC 4271 5.1.2 b prepends a new
 * segment on overflow), so that equal paths compare equal however they
 * were built.  Every path is read through an ibuf: one handed in by a
 * caller is no more trusted than one off the wire.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp.h"

#define SEG_MAX		255	/* ASNs in one segment (1-octet count) */
#define ASPATH_MAX	UINT16_MAX

_Static_assert(sizeof(float) == 4, "float must be IEEE 754 binary32");

struct seg {
	uint8_t		 type;
	uint8_t		 count;
	struct ibuf	 asns;	/* count * asnlen octets */
};

/* Next segment of a path: 1, 0 at the end, -1 (EBADMSG) if malformed. */
static int
seg_next(struct ibuf *path, size_t asnlen, struct seg *s)
{
	if (ibuf_size(path) == 0)
		return 0;
	if (ibuf_get_n8(path, &s->type) == -1 ||
	    ibuf_get_n8(path, &s->count) == -1 ||
	    ibuf_get_ibuf(path, (size_t)s->count * asnlen, &s->asns) == -1)
		return -1;
	if (s->count == 0 || s->type < AS_SET || s->type > AS_CONFED_SET) {
		errno = EBADMSG;
		return -1;
	}
	return 1;
}

static int
get_asn(struct ibuf *asns, size_t asnlen, uint32_t *as)
{
	uint16_t	 as2;

	if (asnlen == 4)
		return ibuf_get_n32(asns, as);
	if (ibuf_get_n16(asns, &as2) == -1)
		return -1;
	*as = as2;
	return 0;
}

static int
is_confed(uint8_t type)
{
	return type == AS_CONFED_SEQUENCE || type == AS_CONFED_SET;
}

/* Hands the written bytes of b over as a malloc'd path. */
static int
path_take(struct ibuf *b, uint8_t **path, uint16_t *len)
{
	uint8_t	*p = NULL;
	size_t	 n = ibuf_size(b);

	if (n > ASPATH_MAX) {
		ibuf_free(b);
		errno = ERANGE;
		return -1;
	}
	if (n > 0 && (p = malloc(n)) == NULL) {
		ibuf_free(b);
		return -1;
	}
	if (n > 0)
		memcpy(p, ibuf_data(b), n);
	ibuf_free(b);
	*path = p;
	*len = n;
	return 0;
}

static void
path_replace(struct bgp_attrs *a, uint8_t *path, uint16_t len)
{
	free(a->aspath);
	a->aspath = path;
	a->aspath_len = len;
	a->present |= 1ULL << ATTR_ASPATH;
}

/* ---- canonical AS_SEQUENCE runs ---- */

static int
put_seq_run(struct ibuf *out, const uint32_t *asn, size_t n)
{
	size_t	 i = 0, k;

	while (i < n) {
		k = i == 0 && n % SEG_MAX != 0 ? n % SEG_MAX : SEG_MAX;
		if (ibuf_add_n8(out, AS_SEQUENCE) == -1 ||
		    ibuf_add_n8(out, k) == -1)
			return -1;
		for (; k > 0; k--, i++)
			if (ibuf_add_n32(out, asn[i]) == -1)
				return -1;
	}
	return 0;
}

struct run {
	uint32_t	*asn;
	size_t		 n;
};

static int
put_seg(struct ibuf *out, struct seg *s, struct run *run)
{
	uint32_t	 as;

	if (s->type == AS_SEQUENCE) {
		while (get_asn(&s->asns, 4, &as) == 0)
			run->asn[run->n++] = as;
		return 0;
	}
	if (put_seq_run(out, run->asn, run->n) == -1)
		return -1;
	run->n = 0;
	if (ibuf_add_n8(out, s->type) == -1 ||
	    ibuf_add_n8(out, s->count) == -1)
		return -1;
	return ibuf_add_buf(out, &s->asns);
}

/*
 * Writes pre[0..npre) as a leading AS_SEQUENCE, then path, with every
 * run of AS_SEQUENCE ASNs repacked canonically.
 */
static int
path_canon(struct ibuf *out, const uint32_t *pre, size_t npre,
    const uint8_t *path, size_t len)
{
	struct ibuf	 p;
	struct seg	 s;
	struct run	 run;
	int		 rc;

	if ((run.asn = calloc(npre + len / 4 + 1, sizeof(*run.asn))) == NULL)
		return -1;
	if (npre > 0)
		memcpy(run.asn, pre, npre * sizeof(*pre));
	run.n = npre;
	ibuf_from_buffer(&p, path, len);
	while ((rc = seg_next(&p, 4, &s)) == 1)
		if ((rc = put_seg(out, &s, &run)) == -1)
			break;
	if (rc == 0)
		rc = put_seq_run(out, run.asn, run.n);
	free(run.asn);
	return rc;
}

static int
path_build(struct bgp_attrs *a, const uint32_t *pre, size_t npre,
    const uint8_t *path, size_t len)
{
	struct ibuf	*b;
	uint8_t		*np;
	uint16_t	 nlen;

	if ((b = ibuf_dynamic(64, ASPATH_MAX)) == NULL)
		return -1;
	if (path_canon(b, pre, npre, path, len) == -1) {
		ibuf_free(b);
		return -1;
	}
	if (path_take(b, &np, &nlen) == -1)
		return -1;
	path_replace(a, np, nlen);
	return 0;
}

int
bgp_aspath_set(struct bgp_attrs *a, const uint32_t *asns, size_t n)
{
	/* n ASNs need n * 4 octets plus 2 per segment: refuse early what
	 * cannot fit the 2-octet attribute length. */
	if (n > ASPATH_MAX / 4) {
		errno = ERANGE;
		return -1;
	}
	return path_build(a, asns, n, NULL, 0);
}

int
bgp_aspath_prepend(struct bgp_attrs *a, uint32_t as, unsigned n)
{
	uint32_t	*pre;
	unsigned	 i;
	int		 rc;

	if (n > ASPATH_MAX / 4) {
		errno = ERANGE;
		return -1;
	}
	if ((pre = calloc(n + 1, sizeof(*pre))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		pre[i] = as;
	rc = path_build(a, pre, n, a->aspath, a->aspath_len);
	free(pre);
	return rc;
}

/* ---- reading paths ---- */

size_t
bgp_aspath_count(const struct bgp_attrs *a)
{
	struct ibuf	 p;
	struct seg	 s;
	size_t		 n = 0;

	ibuf_from_buffer(&p, a->aspath, a->aspath_len);
	/* RFC 4271 9.1.2.2 a: "an AS_SET counts as 1, no matter how many
	 * ASes are in the set"; RFC 5065 5.3: confederation segments do
	 * not count at all. */
	while (seg_next(&p, 4, &s) == 1) {
		if (s.type == AS_SEQUENCE)
			n += s.count;
		else if (s.type == AS_SET)
			n++;
	}
	return n;
}

uint32_t
bgp_aspath_neighbor(const struct bgp_attrs *a)
{
	struct ibuf	 p;
	struct seg	 s;
	uint32_t	 as;

	ibuf_from_buffer(&p, a->aspath, a->aspath_len);
	while (seg_next(&p, 4, &s) == 1) {
		if (is_confed(s.type))
			continue;
		if (s.type == AS_SEQUENCE && get_asn(&s.asns, 4, &as) == 0)
			return as;
		return 0;
	}
	return 0;
}

int
bgp_aspath_contains(const struct bgp_attrs *a, uint32_t as)
{
	struct ibuf	 p;
	struct seg	 s;
	uint32_t	 v;

	ibuf_from_buffer(&p, a->aspath, a->aspath_len);
	while (seg_next(&p, 4, &s) == 1)
		while (get_asn(&s.asns, 4, &v) == 0)
			if (v == as)
				return 1;
	return 0;
}

int
bgp_aspath_is_as2(const uint8_t *path, size_t len)
{
	struct ibuf	 p;
	struct seg	 s;
	uint32_t	 v;

	ibuf_from_buffer(&p, path, len);
	while (seg_next(&p, 4, &s) == 1)
		while (get_asn(&s.asns, 4, &v) == 0)
			if (v > UINT16_MAX)
				return 0;
	return 1;
}

static const char *const seg_open[] = { "", "{", "", "(", "[" };
static const char *const seg_close[] = { "", "}", "", ")", "]" };

/* Appends text at *off as snprintf would, counting what did not fit. */
static void
str_add(char *buf, size_t len, size_t *off, const char *text)
{
	if (*off < len)
		snprintf(buf + *off, len - *off, "%s", text);
	*off += strlen(text);
}

int
bgp_aspath_str(const struct bgp_attrs *a, char *buf, size_t len)
{
	struct ibuf	 p;
	struct seg	 s;
	char		 num[16];
	size_t		 off = 0;
	uint32_t	 as;
	int		 rc, first;

	if (len > 0)
		buf[0] = '\0';
	ibuf_from_buffer(&p, a->aspath, a->aspath_len);
	while ((rc = seg_next(&p, 4, &s)) == 1) {
		if (off > 0)
			str_add(buf, len, &off, " ");
		str_add(buf, len, &off, seg_open[s.type]);
		for (first = 1; get_asn(&s.asns, 4, &as) == 0; first = 0) {
			snprintf(num, sizeof(num), first ? "%u" : " %u", as);
			str_add(buf, len, &off, num);
		}
		str_add(buf, len, &off, seg_close[s.type]);
	}
	if (rc == -1)
		return -1;
	return off > INT32_MAX ? INT32_MAX : (int)off;
}

/* ---- wire form ---- */

/* RFC 7607 2: "An UPDATE message that contains the AS number of zero in
 * the AS_PATH or AGGREGATOR attribute MUST be considered as malformed"
 * (AS4_PATH and AS4_AGGREGATOR likewise, handled by RFC 6793). */
static int
seg_has_as0(struct seg *s, size_t asnlen)
{
	struct ibuf	 v = s->asns;
	uint32_t	 as;

	while (get_asn(&v, asnlen, &as) == 0)
		if (as == 0)
			return 1;
	return 0;
}

/*
 * Validates a received AS_PATH or AS4_PATH (RFC 7606 7.2: "An AS_PATH
 * is considered malformed if an unrecognized segment type is
 * encountered or if it contains a malformed segment": an overrun, an
 * underrun of a single octet, or a Path Segment Length of zero; and
 * RFC 7607 2, AS 0) and returns its 4-octet form.  -1 with EBADMSG when
 * malformed, ERANGE when the 4-octet form would not fit 65535 octets.
 */
static int
path_convert(struct ibuf *out, struct ibuf *val, size_t asnlen)
{
	struct seg	 s;
	uint32_t	 as;

	while (seg_next(val, asnlen, &s) == 1) {
		if (ibuf_add_n8(out, s.type) == -1 ||
		    ibuf_add_n8(out, s.count) == -1)
			return -1;
		while (get_asn(&s.asns, asnlen, &as) == 0)
			if (ibuf_add_n32(out, as) == -1)
				return -1;
	}
	return 0;
}

int
bgp_aspath_from_wire(struct ibuf *val, int as4, uint8_t **path,
    uint16_t *len)
{
	struct ibuf	*b, v = *val;
	struct seg	 s;
	size_t		 asnlen = as4 ? 4 : 2, need = 0;
	int		 rc;

	while ((rc = seg_next(&v, asnlen, &s)) == 1) {
		if (seg_has_as0(&s, asnlen)) {
			rc = -1;
			break;
		}
		need += 2 + (size_t)s.count * 4;
	}
	if (rc == -1) {
		errno = EBADMSG;
		return -1;
	}
	if (need > ASPATH_MAX) {
		errno = ERANGE;
		return -1;
	}
	if ((b = ibuf_open(need)) == NULL)
		return -1;
	if (path_convert(b, val, asnlen) == -1) {
		ibuf_free(b);
		return -1;
	}
	return path_take(b, path, len);
}

size_t
bgp_aspath_wire_len(const uint8_t *path, size_t len, int as4, int no_confed)
{
	struct ibuf	 p;
	struct seg	 s;
	size_t		 n = 0;

	ibuf_from_buffer(&p, path, len);
	while (seg_next(&p, 4, &s) == 1)
		if (!(no_confed && is_confed(s.type)))
			n += 2 + (size_t)s.count * (as4 ? 4 : 2);
	return n;
}

/* RFC 6793 4.2.2: towards an OLD speaker, ASNs that do not fit 2 octets
 * become AS_TRANS; RFC 6793 6: AS4_PATH carries no confederation
 * segments. */
int
bgp_aspath_to_wire(struct ibuf *out, const uint8_t *path, size_t len,
    int as4, int no_confed)
{
	struct ibuf	 p;
	struct seg	 s;
	uint32_t	 as;
	int		 rc;

	ibuf_from_buffer(&p, path, len);
	while ((rc = seg_next(&p, 4, &s)) == 1) {
		if (no_confed && is_confed(s.type))
			continue;
		if (ibuf_add_n8(out, s.type) == -1 ||
		    ibuf_add_n8(out, s.count) == -1)
			return -1;
		while (get_asn(&s.asns, 4, &as) == 0)
			if ((as4 ? ibuf_add_n32(out, as) : ibuf_add_n16(out,
			    as > UINT16_MAX ? AS_TRANS : as)) == -1)
				return -1;
	}
	if (rc == -1)
		errno = EINVAL;
	return rc;
}

/* The leading part of the AS_PATH that carries `need` counted ASNs. */
static int
merge_head(struct ibuf *out, const uint8_t *path, size_t len, size_t need)
{
	struct ibuf	 p;
	struct seg	 s;
	uint32_t	 as;
	uint8_t		 i;

	ibuf_from_buffer(&p, path, len);
	while (need > 0 && seg_next(&p, 4, &s) == 1) {
		if (s.type == AS_SEQUENCE) {
			s.count = s.count < need ? s.count : need;
			need -= s.count;
		} else if (s.type == AS_SET)
			need--;
		if (ibuf_add_n8(out, s.type) == -1 ||
		    ibuf_add_n8(out, s.count) == -1)
			return -1;
		for (i = 0; i < s.count; i++)
			if (get_asn(&s.asns, 4, &as) == -1 ||
			    ibuf_add_n32(out, as) == -1)
				return -1;
	}
	return 0;
}

static size_t
path_count(const uint8_t *path, size_t len)
{
	struct bgp_attrs	 tmp = { .aspath = (uint8_t *)path,
				    .aspath_len = len };

	return bgp_aspath_count(&tmp);
}

/*
 * RFC 6793 4.2.3: "if the number of AS numbers in the AS_PATH attribute
 * is less than the number of AS numbers in the AS4_PATH attribute, then
 * the AS4_PATH attribute SHALL be ignored ...  Otherwise, the AS path
 * information is constructed by taking as many AS numbers and path
 * segments as necessary from the leading part of the AS_PATH attribute,
 * and then prepending them to the AS4_PATH attribute so that the AS
 * path information has a number of AS numbers identical to that of the
 * AS_PATH attribute."  Returns 0 when merged, 1 when AS4_PATH was
 * ignored, -1 on failure (errno).
 */
int
bgp_aspath_merge_as4(struct bgp_attrs *a, const uint8_t *as4path,
    uint16_t as4len)
{
	struct ibuf	*b;
	size_t		 n2, n4, len;
	int		 rc;

	n2 = bgp_aspath_count(a);
	n4 = path_count(as4path, as4len);
	if (n2 < n4)
		return 1;
	len = (size_t)a->aspath_len + as4len;
	if ((b = ibuf_dynamic(len > 0 ? len : 1, 2 * ASPATH_MAX)) == NULL)
		return -1;
	/* RFC 6793 6: confederation segments in AS4_PATH are dropped. */
	if (merge_head(b, a->aspath, a->aspath_len, n2 - n4) == -1 ||
	    bgp_aspath_to_wire(b, as4path, as4len, 1, 1) == -1) {
		ibuf_free(b);
		return -1;
	}
	rc = path_build(a, NULL, 0, ibuf_data(b), ibuf_size(b));
	ibuf_free(b);
	if (rc == -1 && errno == ERANGE)
		return 1;
	return rc;
}

/* ---- the whole set ---- */

void
bgp_attrs_free(struct bgp_attrs *a)
{
	if (a == NULL)
		return;
	free(a->aspath);
	free(a->communities);
	free(a->ext_communities);
	free(a->large_communities);
	free(a->unknown);
	*a = (struct bgp_attrs){ 0 };
}

static int
dup_array(void *dstp, const void *src, size_t n, size_t size)
{
	void	**dst = dstp;

	*dst = NULL;
	if (src == NULL || n == 0)
		return 0;
	if ((*dst = malloc(n * size)) == NULL)
		return -1;
	memcpy(*dst, src, n * size);
	return 0;
}

int
bgp_attrs_copy(struct bgp_attrs *dst, const struct bgp_attrs *src)
{
	struct bgp_attrs	 a = *src;

	if (dup_array(&a.aspath, src->aspath, src->aspath_len, 1) == -1 ||
	    dup_array(&a.communities, src->communities, src->ncommunities,
	    sizeof(uint32_t)) == -1 ||
	    dup_array(&a.ext_communities, src->ext_communities,
	    src->next_communities, 8) == -1 ||
	    dup_array(&a.large_communities, src->large_communities,
	    src->nlarge_communities, 12) == -1 ||
	    dup_array(&a.unknown, src->unknown, src->unknown_len, 1) == -1) {
		/* Pointers not yet duplicated are still src's: clear them. */
		if (a.aspath == src->aspath)
			a.aspath = NULL;
		if (a.communities == src->communities)
			a.communities = NULL;
		if (a.ext_communities == src->ext_communities)
			a.ext_communities = NULL;
		if (a.large_communities == src->large_communities)
			a.large_communities = NULL;
		if (a.unknown == src->unknown)
			a.unknown = NULL;
		bgp_attrs_free(&a);
		errno = ENOMEM;
		return -1;
	}
	if (a.aspath == NULL)
		a.aspath_len = 0;
	if (a.unknown == NULL)
		a.unknown_len = 0;
	*dst = a;
	return 0;
}

/* ---- order and hash ---- */

#define CMP(x, y) do {						\
	if ((x) != (y))						\
		return (x) < (y) ? -1 : 1;			\
} while (0)

static int
cmp_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
	int	 rc;

	CMP(alen, blen);
	if (alen == 0 || a == b)
		return 0;
	if (a == NULL || b == NULL)
		return a == NULL ? -1 : 1;
	rc = memcmp(a, b, alen);
	return rc < 0 ? -1 : rc > 0;
}

/*
 * The fields, in comparison order, as (pointer, length) pairs: cmp and
 * hash walk the same list, so that equal sets always hash alike.
 */
#define ATTR_FIELDS	16
struct field {
	const void	*p;
	size_t		 len;
};

static size_t
mp_nh_fields(const struct bgp_attrs *a, struct field *f)
{
	size_t	 n = 0;

	f[n++] = (struct field){ &a->mp_nh_len, sizeof(a->mp_nh_len) };
	if (a->mp_nh_len == 4)
		f[n++] = (struct field){ &a->mp_nh4, sizeof(a->mp_nh4) };
	else if (a->mp_nh_len == 16)
		f[n++] = (struct field){ &a->mp_nh6[0], 16 };
	else if (a->mp_nh_len == 32)
		f[n++] = (struct field){ a->mp_nh6, 32 };
	return n;
}

static size_t
attr_fields(const struct bgp_attrs *a, struct field *f)
{
	size_t	 n = 0;

#define OPT(t, ptr, l)	if (ATTR_HAS(a, t))				\
		f[n++] = (struct field){ (ptr), (l) }
	f[n++] = (struct field){ &a->present, sizeof(a->present) };
	f[n++] = (struct field){ &a->origin, sizeof(a->origin) };
	f[n++] = (struct field){ a->aspath, a->aspath ? a->aspath_len : 0 };
	OPT(ATTR_NEXTHOP, &a->nexthop, sizeof(a->nexthop));
	n += mp_nh_fields(a, f + n);
	OPT(ATTR_MED, &a->med, sizeof(a->med));
	OPT(ATTR_LOCALPREF, &a->local_pref, sizeof(a->local_pref));
	OPT(ATTR_AGGREGATOR, &a->aggregator_as, sizeof(a->aggregator_as));
	OPT(ATTR_AGGREGATOR, &a->aggregator_id, sizeof(a->aggregator_id));
	OPT(ATTR_COMMUNITIES, a->communities,
	    a->communities ? a->ncommunities * sizeof(uint32_t) : 0);
	OPT(ATTR_EXT_COMMUNITIES, a->ext_communities,
	    a->ext_communities ? a->next_communities * 8 : 0);
	OPT(ATTR_LARGE_COMMUNITIES, a->large_communities,
	    a->large_communities ? a->nlarge_communities * 12 : 0);
#undef OPT
	f[n++] = (struct field){ a->unknown, a->unknown ? a->unknown_len : 0 };
	return n;
}

int
bgp_attrs_cmp(const struct bgp_attrs *a, const struct bgp_attrs *b)
{
	struct field	 fa[ATTR_FIELDS], fb[ATTR_FIELDS];
	size_t		 na, nb, i;
	int		 rc;

	na = attr_fields(a, fa);
	nb = attr_fields(b, fb);
	/* present is compared first, so na == nb from here on, except for
	 * the MP next-hop whose length field decides its own extent. */
	for (i = 0; i < na && i < nb; i++)
		if ((rc = cmp_bytes(fa[i].p, fa[i].len, fb[i].p,
		    fb[i].len)) != 0)
			return rc;
	CMP(na, nb);
	return 0;
}

uint64_t
bgp_attrs_hash(const struct bgp_attrs *a)
{
	struct field	 f[ATTR_FIELDS];
	const uint8_t	*p;
	uint64_t	 h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t		 n, i, j;

	n = attr_fields(a, f);
	for (i = 0; i < n; i++) {
		p = f[i].p;
		h = (h ^ f[i].len) * 0x100000001b3ULL;
		for (j = 0; j < f[i].len; j++)
			h = (h ^ p[j]) * 0x100000001b3ULL;
	}
	return h;
}

/* ---- link bandwidth (RFC 10005 / draft-ietf-idr-link-bandwidth) ---- */

int
bgp_ext_community_lb(uint16_t as, float bytes_per_s, uint8_t out[8])
{
	uint32_t	 bits;

	if (!isfinite(bytes_per_s) || bytes_per_s < 0) {
		errno = EINVAL;
		return -1;
	}
	if (bytes_per_s == 0)
		bytes_per_s = 0;	/* no -0.0 on the wire */
	memcpy(&bits, &bytes_per_s, sizeof(bits));
	out[0] = EXT_COMMUNITY_LB_TYPE;
	out[1] = EXT_COMMUNITY_LB_SUB;
	out[2] = as >> 8;
	out[3] = as & 0xff;
	out[4] = bits >> 24;
	out[5] = (bits >> 16) & 0xff;
	out[6] = (bits >> 8) & 0xff;
	out[7] = bits & 0xff;
	return 0;
}

int
bgp_ext_community_lb_get(const uint8_t ec[8], uint16_t *as,
    float *bytes_per_s)
{
	struct ibuf	 v;
	uint32_t	 bits;
	uint16_t	 a;
	uint8_t		 type, sub;
	float		 f;

	ibuf_from_buffer(&v, ec, 8);
	if (ibuf_get_n8(&v, &type) == -1 || ibuf_get_n8(&v, &sub) == -1 ||
	    ibuf_get_n16(&v, &a) == -1 || ibuf_get_n32(&v, &bits) == -1)
		return -1;
	/* The non-transitive type we send, or its transitive twin 0x00. */
	if ((type & ~EXT_COMMUNITY_LB_TYPE) != 0 ||
	    sub != EXT_COMMUNITY_LB_SUB) {
		errno = EINVAL;
		return -1;
	}
	memcpy(&f, &bits, sizeof(f));
	if (!isfinite(f) || f < 0) {
		errno = EINVAL;
		return -1;
	}
	*as = a;
	*bytes_per_s = f;
	return 0;
}
