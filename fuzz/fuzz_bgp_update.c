/*
 * UPDATE bodies into bgp_update_parse().  The first octet picks the
 * session rules (fuzz_neg), the rest is the body.  Besides never
 * crashing, leaking or invoking undefined behaviour: an UPDATE that
 * parses clean is written back by the writers and parses to the same
 * prefixes and attributes.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fuzz.h"

/* The next-hop is what the writer chooses the encoding by: leave it out
 * of the comparison.  So are confederation segments on a 2-octet
 * session, which AS4_PATH cannot carry (RFC 6793 6). */
static void
strip(struct bgp_attrs *a, const struct bgp_neg *neg)
{
	a->present &= ~(1ULL << ATTR_NEXTHOP | 1ULL << ATTR_MP_REACH);
	a->nexthop.s_addr = 0;
	a->mp_nh_len = 0;
	memset(&a->mp_nh4, 0, sizeof(a->mp_nh4));
	memset(a->mp_nh6, 0, sizeof(a->mp_nh6));
	if (!neg->as4 && bgp_aspath_wire_len(a->aspath, a->aspath_len, 1, 0)
	    != bgp_aspath_wire_len(a->aspath, a->aspath_len, 1, 1)) {
		free(a->aspath);
		a->aspath = NULL;
		a->aspath_len = 0;
	}
}

static void
same_attrs(const struct bgp_attrs *x, const struct bgp_attrs *y,
    const struct bgp_neg *neg)
{
	struct bgp_attrs	 a, b;

	if (bgp_attrs_copy(&a, x) == -1)
		return;
	if (bgp_attrs_copy(&b, y) == -1) {
		bgp_attrs_free(&a);
		return;
	}
	strip(&a, neg);
	strip(&b, neg);
	FUZZ_ASSERT(bgp_attrs_cmp(&a, &b) == 0);
	FUZZ_ASSERT(bgp_attrs_hash(&a) == bgp_attrs_hash(&b));
	bgp_attrs_free(&a);
	bgp_attrs_free(&b);
}

/* The prefixes of one family, in order. */
static size_t
pick(const struct bgp_prefix *in, size_t n, uint8_t aid,
    struct bgp_prefix *out)
{
	size_t	 i, k = 0;

	for (i = 0; i < n; i++)
		if (in[i].aid == aid)
			out[k++] = in[i];
	return k;
}

/* Writes pfx in as many UPDATEs as it takes, reads them back. */
static void
rewrite(const struct bgp_neg *neg, const struct bgp_attrs *attrs,
    const struct bgp_prefix *pfx, size_t n)
{
	struct ibuf		*out;
	struct ibuf		 body;
	struct bgp_update	 u;
	struct bgp_notify	 err;
	size_t			 done = 0, got = 0, i;
	uint8_t			 type;
	int			 k;

	FUZZ_ASSERT((out = ibuf_dynamic(4096, 1 << 24)) != NULL);
	while (done < n) {
		k = attrs != NULL ? bgp_update_write_announce(out, neg, attrs,
		    pfx + done, n - done) : bgp_update_write_withdraw(out, neg,
		    pfx + done, n - done);
		if (k == -1) {
			/* Only what cannot fit a message may fail. */
			FUZZ_ASSERT(errno == EMSGSIZE);
			ibuf_free(out);
			return;
		}
		done += k;
	}
	while (bgp_read_msg(out, neg->max_msg, &type, &body, &err) == 1) {
		FUZZ_ASSERT(bgp_update_parse(&body, neg, &u, &err) == 0);
		FUZZ_ASSERT(u.action == UPD_ACTION_OK && u.discarded == 0);
		FUZZ_ASSERT(attrs != NULL ? u.nwithdrawn == 0 : u.nnlri == 0);
		if (attrs != NULL)
			same_attrs(&u.attrs, attrs, neg);
		for (i = 0; i < (attrs ? u.nnlri : u.nwithdrawn); i++, got++)
			FUZZ_ASSERT(got < n && bgp_prefix_cmp(&pfx[got],
			    attrs ? &u.nlri[i] : &u.withdrawn[i]) == 0);
		bgp_update_free(&u);
	}
	FUZZ_ASSERT(got == n && ibuf_size(out) == 0);
	ibuf_free(out);
}

static void
check(const struct bgp_neg *neg, const struct bgp_update *u)
{
	struct bgp_prefix	*tmp;
	size_t			 max = u->nnlri > u->nwithdrawn ? u->nnlri :
				    u->nwithdrawn, k;
	uint8_t			 aid;

	if (max == 0 || (tmp = calloc(max, sizeof(*tmp))) == NULL)
		return;
	for (aid = 0; aid < AID_MAX; aid++) {
		if ((k = pick(u->withdrawn, u->nwithdrawn, aid, tmp)) > 0)
			rewrite(neg, NULL, tmp, k);
		if (u->action == UPD_ACTION_OK &&
		    (k = pick(u->nlri, u->nnlri, aid, tmp)) > 0)
			rewrite(neg, &u->attrs, tmp, k);
	}
	free(tmp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_neg		 neg;
	struct bgp_update	 u;
	struct bgp_notify	 err;
	struct ibuf		 body;
	char			 path[64];

	if (size < 1)
		return 0;
	neg = fuzz_neg(data[0]);
	ibuf_from_buffer(&body, data + 1, size - 1);
	memset(&err, 0, sizeof(err));
	if (bgp_update_parse(&body, &neg, &u, &err) == -1) {
		FUZZ_ASSERT(err.code != 0 && u.nlri == NULL &&
		    u.withdrawn == NULL);
		return 0;
	}
	FUZZ_ASSERT(u.nnlri == 0 || u.nlri != NULL);
	FUZZ_ASSERT(u.nwithdrawn == 0 || u.withdrawn != NULL);
	FUZZ_ASSERT(!u.eor || u.eor_aid < AID_MAX);
	bgp_aspath_str(&u.attrs, path, sizeof(path));
	check(&neg, &u);
	bgp_update_free(&u);
	return 0;
}
