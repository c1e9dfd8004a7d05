/*
 * Adj-RIB-Out shared by peers (see bgp_rib.h for the design).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_rib.h"
#include "log.h"

#define RIB_WINDOW	8192	/* paths encoded per pull step */
#define RIB_PATHS_MAX	1024	/* paths per prefix */
#define RIB_WINDOW_MAX	(RIB_WINDOW + RIB_PATHS_MAX)	/* whole prefixes */
#define RIB_CACHE_MAX	((size_t)256 << 20)	/* encoded table, octets */

struct rib_attrs {
	struct rib_attrs	*hnext;
	struct bgp_attrs	 a;
	uint64_t		 hash;
	uint32_t		 refcnt;
};

/*
 * The table as UPDATEs for one encoding, built before any session needs
 * it: a fresh peer then costs a copy, not an encoding, and FRR gets the
 * paths of a prefix together even when we are short of CPU (an encoder
 * that lags behind FRR's reader makes it install a prefix with some of
 * its paths, then again with all).
 */
struct rib_cache {
	struct ibuf		*out;		/* whole UPDATEs */
	size_t			*cuts;		/* window ends, ascending */
	size_t			 ncuts, cutcap;
	uint64_t		 version;	/* the rib's when built */
	size_t			 npaths;	/* live paths then */
	uint32_t		 refcnt;	/* the rib, cursors sending it */
	/* the encoding, and what in it matters for this table */
	struct bgp_neg		 neg;
	uint32_t		 prepend_as;
	int			 ebgp;
	uint8_t			 has[AID_MAX];	/* paths of the family */
	int			 has_v4_nh6;	/* IPv4 via IPv6 next-hops */
};

struct rib_prefix {
	struct rib_prefix	*hnext;
	struct bgp_prefix	 p;
	struct rib_path		**paths;	/* live and tombstones */
	uint16_t		 npaths, cap;
};

/* ---- hashing ---------------------------------------------------- */

static uint64_t
fnv(const void *data, size_t len, uint64_t h)
{
	const uint8_t	*p = data;

	while (len-- > 0)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static uint64_t
prefix_hash(const struct bgp_prefix *p)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	h = fnv(&p->aid, 1, h);
	h = fnv(&p->plen, 1, h);
	return fnv(&p->addr, p->aid == AID_IPV4 ? 4 : 16, h);
}

static int
prefix_eq(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->aid == b->aid && a->plen == b->plen &&
	    memcmp(&a->addr, &b->addr, a->aid == AID_IPV4 ? 4 : 16) == 0;
}

/* Chained tables double when they are as full as they are wide. */
static int
table_grow(void ***tab, size_t *cap, size_t n, size_t off_hnext,
    uint64_t (*hash)(const void *))
{
	void	**nt, *e, *next;
	size_t	  ncap, i;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i < *cap; i++)
		for (e = (*tab)[i]; e != NULL; e = next) {
			size_t	  b = hash(e) & (ncap - 1);

			/* the chain pointer lives at off_hnext in the entry */
			memcpy(&next, (char *)e + off_hnext, sizeof(next));
			memcpy((char *)e + off_hnext, &nt[b], sizeof(nt[b]));
			nt[b] = e;
		}
	free(*tab);
	*tab = nt;
	*cap = ncap;
	return 0;
}

static uint64_t
prefix_entry_hash(const void *e)
{
	return prefix_hash(&((const struct rib_prefix *)e)->p);
}

static uint64_t
attrs_entry_hash(const void *e)
{
	return ((const struct rib_attrs *)e)->hash;
}

/* ---- interned attributes ---------------------------------------- */

static struct rib_attrs *
attrs_intern(struct bgp_rib *rib, const struct bgp_attrs *a)
{
	struct rib_attrs	*ra;
	uint64_t		 h = bgp_attrs_hash(a);
	size_t			 b;

	if (rib->attr_cap > 0)
		for (ra = rib->attr_tab[h & (rib->attr_cap - 1)]; ra != NULL;
		    ra = ra->hnext)
			if (ra->hash == h && bgp_attrs_cmp(&ra->a, a) == 0) {
				ra->refcnt++;
				return ra;
			}
	if (table_grow((void ***)&rib->attr_tab, &rib->attr_cap, rib->nattrs,
	    offsetof(struct rib_attrs, hnext), attrs_entry_hash) == -1 ||
	    (ra = calloc(1, sizeof(*ra))) == NULL)
		return NULL;
	if (bgp_attrs_copy(&ra->a, a) == -1) {
		free(ra);
		return NULL;
	}
	ra->hash = h;
	ra->refcnt = 1;
	b = h & (rib->attr_cap - 1);
	ra->hnext = rib->attr_tab[b];
	rib->attr_tab[b] = ra;
	rib->nattrs++;
	return ra;
}

static void
attrs_unref(struct bgp_rib *rib, struct rib_attrs *ra)
{
	struct rib_attrs	**pp;

	if (ra == NULL || --ra->refcnt > 0)
		return;
	for (pp = &rib->attr_tab[ra->hash & (rib->attr_cap - 1)]; *pp != ra;
	    pp = &(*pp)->hnext)
		;
	*pp = ra->hnext;
	rib->nattrs--;
	bgp_attrs_free(&ra->a);
	free(ra);
}

/* ---- prefixes ---------------------------------------------------- */

static struct rib_prefix *
prefix_find(struct bgp_rib *rib, const struct bgp_prefix *p)
{
	struct rib_prefix	*rp;

	if (rib->pfx_cap == 0)
		return NULL;
	for (rp = rib->pfx_tab[prefix_hash(p) & (rib->pfx_cap - 1)];
	    rp != NULL; rp = rp->hnext)
		if (prefix_eq(&rp->p, p))
			return rp;
	return NULL;
}

static struct rib_prefix *
prefix_get(struct bgp_rib *rib, const struct bgp_prefix *p)
{
	struct rib_prefix	*rp;
	size_t			 b;

	if ((rp = prefix_find(rib, p)) != NULL)
		return rp;
	if (table_grow((void ***)&rib->pfx_tab, &rib->pfx_cap, rib->npfx,
	    offsetof(struct rib_prefix, hnext), prefix_entry_hash) == -1 ||
	    (rp = calloc(1, sizeof(*rp))) == NULL)
		return NULL;
	rp->p = *p;
	rp->p.path_id = 0;
	b = prefix_hash(p) & (rib->pfx_cap - 1);
	rp->hnext = rib->pfx_tab[b];
	rib->pfx_tab[b] = rp;
	rib->npfx++;
	return rp;
}

static void
prefix_drop_if_empty(struct bgp_rib *rib, struct rib_prefix *rp)
{
	struct rib_prefix	**pp;

	if (rp->npaths > 0)
		return;
	for (pp = &rib->pfx_tab[prefix_hash(&rp->p) & (rib->pfx_cap - 1)];
	    *pp != rp; pp = &(*pp)->hnext)
		;
	*pp = rp->hnext;
	rib->npfx--;
	free(rp->paths);
	free(rp);
}

/* ---- the log ----------------------------------------------------- */

/* Moves a path to the tail with a new version, keeping cursors right. */
static void
log_touch(struct bgp_rib *rib, struct rib_path *rp, int linked)
{
	struct rib_cursor	*c;

	if (linked) {
		LIST_FOREACH(c, &rib->cursors, entry)
			if (c->next == rp)
				c->next = TAILQ_NEXT(rp, log);
		TAILQ_REMOVE(&rib->log, rp, log);
	}
	rp->version = ++rib->version;
	TAILQ_INSERT_TAIL(&rib->log, rp, log);
	LIST_FOREACH(c, &rib->cursors, entry)
		if (c->next == NULL)
			c->next = rp;
}

static void
path_set_attrs(struct bgp_rib *rib, struct rib_path *rp,
    struct rib_attrs *ra)
{
	if (rp->attrs == NULL && ra != NULL) {
		rib->npaths++;
		rib->ntombstones--;
		TAILQ_REMOVE(&rib->tombs, rp, gc);
	} else if (rp->attrs != NULL && ra == NULL) {
		rib->npaths--;
		rib->ntombstones++;
	}
	attrs_unref(rib, rp->attrs);
	rp->attrs = ra;
	log_touch(rib, rp, 1);
	if (ra == NULL)	/* after log_touch: in version order */
		TAILQ_INSERT_TAIL(&rib->tombs, rp, gc);
}

static uint32_t
free_path_id(const struct rib_prefix *rp)
{
	uint32_t	id;
	int		i, used;

	for (id = 1;; id++) {
		for (used = 0, i = 0; i < rp->npaths && !used; i++)
			used = rp->paths[i]->path_id == id;
		if (!used)
			return id;
	}
}

static struct rib_path *
path_new(struct bgp_rib *rib, struct rib_prefix *rp, const uint8_t nh[16])
{
	struct rib_path	 *p, **np;

	if (rp->npaths == rp->cap) {
		if (rp->cap >= RIB_PATHS_MAX) {
			errno = ERANGE;
			return NULL;
		}
		np = reallocarray(rp->paths, rp->cap ? rp->cap * 2 : 2,
		    sizeof(*np));
		if (np == NULL)
			return NULL;
		rp->paths = np;
		rp->cap = rp->cap ? rp->cap * 2 : 2;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->pfx = rp;
	p->path_id = free_path_id(rp);
	memcpy(p->nh, nh, 16);
	rp->paths[rp->npaths++] = p;
	rib->ntombstones++;	/* path_set_attrs makes it live */
	log_touch(rib, p, 0);
	TAILQ_INSERT_TAIL(&rib->tombs, p, gc);
	return p;
}

/* ---- the encoded cache ------------------------------------------ */

static void
cache_unref(struct rib_cache *rc)
{
	if (rc == NULL || --rc->refcnt > 0)
		return;
	ibuf_free(rc->out);
	free(rc->cuts);
	free(rc);
}

/* Too many changes after it: a fresh peer would get much twice. */
static int
cache_stale(const struct bgp_rib *rib, const struct rib_cache *rc)
{
	return rib->version - rc->version > rc->npaths / 2 + RIB_WINDOW;
}

/* ---- public ------------------------------------------------------ */

struct bgp_rib *
bgp_rib_new(void)
{
	struct bgp_rib	*rib;

	if ((rib = calloc(1, sizeof(*rib))) == NULL)
		return NULL;
	TAILQ_INIT(&rib->log);
	TAILQ_INIT(&rib->tombs);
	LIST_INIT(&rib->cursors);
	return rib;
}

void
bgp_rib_free(struct bgp_rib *rib)
{
	struct rib_path		*p;
	struct rib_prefix	*rp, *next;
	size_t			 i;

	if (rib == NULL)
		return;
	cache_unref(rib->cache);
	while ((p = TAILQ_FIRST(&rib->log)) != NULL) {
		TAILQ_REMOVE(&rib->log, p, log);
		attrs_unref(rib, p->attrs);
		free(p);
	}
	for (i = 0; i < rib->pfx_cap; i++)
		for (rp = rib->pfx_tab[i]; rp != NULL; rp = next) {
			next = rp->hnext;
			free(rp->paths);
			free(rp);
		}
	free(rib->pfx_tab);
	free(rib->attr_tab);
	free(rib);
}

int
bgp_path_nexthop(const struct bgp_attrs *a, uint8_t nh[16])
{
	memset(nh, 0, 16);
	if (ATTR_HAS(a, ATTR_NEXTHOP)) {
		nh[10] = nh[11] = 0xff;
		memcpy(nh + 12, &a->nexthop, 4);
	} else if (a->mp_nh_len == 4) {
		nh[10] = nh[11] = 0xff;
		memcpy(nh + 12, &a->mp_nh4, 4);
	} else if (a->mp_nh_len == 16 || a->mp_nh_len == 32)
		memcpy(nh, &a->mp_nh6[0], 16);
	else
		return -1;
	return 0;
}

/* A path must have a next-hop its prefix's family can carry. */
static int
path_valid(const struct bgp_prefix *p, const struct bgp_attrs *a)
{
	if (p->aid == AID_IPV6)
		return a->mp_nh_len == 16 || a->mp_nh_len == 32;
	return ATTR_HAS(a, ATTR_NEXTHOP) || a->mp_nh_len == 16 ||
	    a->mp_nh_len == 32;
}

static int
set_check(const struct bgp_prefix *p, const struct bgp_attrs *paths,
    size_t n, uint8_t (*nh)[16])
{
	size_t	i, j;

	if (n > RIB_PATHS_MAX || p->aid >= AID_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!path_valid(p, &paths[i]) ||
		    bgp_path_nexthop(&paths[i], nh[i]) == -1) {
			errno = EINVAL;
			return -1;
		}
		for (j = 0; j < i; j++)
			if (memcmp(nh[i], nh[j], 16) == 0) {
				errno = EEXIST;
				return -1;
			}
	}
	return 0;
}

static struct rib_path *
path_by_nh(struct rib_prefix *rp, const uint8_t nh[16])
{
	int	i;

	for (i = 0; i < rp->npaths; i++)
		if (memcmp(rp->paths[i]->nh, nh, 16) == 0)
			return rp->paths[i];
	return NULL;
}

static int
path_in(const uint8_t (*nh)[16], size_t n, const uint8_t cand[16])
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (memcmp(nh[i], cand, 16) == 0)
			return 1;
	return 0;
}

/*
 * Makes paths[0..n) the prefix's paths: unchanged ones stay untouched,
 * changed ones are re-announced under their path id, missing ones are
 * withdrawn.  n == 0 withdraws the prefix.
 */
int
bgp_rib_set(struct bgp_rib *rib, const struct bgp_prefix *p,
    const struct bgp_attrs *paths, size_t n)
{
	uint8_t			(*nh)[16];
	struct rib_prefix	*rp;
	struct rib_path		*path;
	struct rib_attrs	*ra;
	size_t			 i;
	int			 r = -1;

	if ((nh = calloc(n ? n : 1, 16)) == NULL)
		return -1;
	if (set_check(p, paths, n, nh) == -1)
		goto out;
	if ((rp = n > 0 ? prefix_get(rib, p) : prefix_find(rib, p)) == NULL) {
		r = n > 0 ? -1 : 0;
		goto out;
	}
	for (i = 0; i < rp->npaths; i++)
		if (rp->paths[i]->attrs != NULL &&
		    !path_in((const uint8_t (*)[16])nh, n, rp->paths[i]->nh))
			path_set_attrs(rib, rp->paths[i], NULL);
	for (i = 0; i < n; i++) {
		if ((ra = attrs_intern(rib, &paths[i])) == NULL)
			goto out;
		if ((path = path_by_nh(rp, nh[i])) == NULL &&
		    (path = path_new(rib, rp, nh[i])) == NULL) {
			attrs_unref(rib, ra);
			goto out;
		}
		if (path->attrs == ra)
			attrs_unref(rib, ra);	/* unchanged */
		else
			path_set_attrs(rib, path, ra);
	}
	r = 0;
out:
	free(nh);
	return r;
}

int
bgp_rib_withdraw(struct bgp_rib *rib, const struct bgp_prefix *p)
{
	return bgp_rib_set(rib, p, NULL, 0);
}

/* The live paths of a prefix, for display and tests. */
int
bgp_rib_paths(struct bgp_rib *rib, const struct bgp_prefix *p,
    uint32_t *ids, const struct bgp_attrs **attrs, size_t max)
{
	struct rib_prefix	*rp = prefix_find(rib, p);
	size_t			 n = 0;
	int			 i;

	if (rp == NULL)
		return 0;
	for (i = 0; i < rp->npaths; i++) {
		if (rp->paths[i]->attrs == NULL)
			continue;
		if (n < max) {
			ids[n] = rp->paths[i]->path_id;
			attrs[n] = &rp->paths[i]->attrs->a;
		}
		n++;
	}
	return (int)n;
}

void
bgp_rib_stats(const struct bgp_rib *rib, struct rib_stats *st)
{
	st->prefixes = rib->npfx;
	st->paths = rib->npaths;
	st->tombstones = rib->ntombstones;
	st->attrs = rib->nattrs;
	st->version = rib->version;
}

/* ---- cursors and pulling UPDATEs --------------------------------- */

void
bgp_rib_cursor_open(struct bgp_rib *rib, struct rib_cursor *c)
{
	c->next = TAILQ_FIRST(&rib->log);
	c->synced = 0;
	c->initial = 1;
	c->active = 1;
	c->cache = NULL;
	c->cache_off = 0;
	c->cached = 0;
	LIST_INSERT_HEAD(&rib->cursors, c, entry);
}

void
bgp_rib_cursor_close(struct bgp_rib *rib, struct rib_cursor *c)
{
	if (!c->active)
		return;
	LIST_REMOVE(c, entry);
	c->active = 0;
	cache_unref(c->cache);
	c->cache = NULL;
	bgp_rib_gc(rib);
}

int
bgp_rib_cursor_pending(const struct bgp_rib *rib, const struct rib_cursor *c)
{
	return c->active && (c->next != NULL || c->cache != NULL);
}

/* Tombstones every peer is past are forgotten. */
void
bgp_rib_gc(struct bgp_rib *rib)
{
	struct rib_cursor	*c;
	struct rib_path		*p, *next;
	struct rib_prefix	*rp;
	uint64_t		 min = rib->version;
	int			 i;

	if (rib->cache != NULL && cache_stale(rib, rib->cache)) {
		cache_unref(rib->cache);
		rib->cache = NULL;
	}
	/* A withdrawal after the cache was built must stay for the peers
	 * that will be sent the cache: it is what takes the path back. */
	if (rib->cache != NULL && rib->cache->version < min)
		min = rib->cache->version;
	LIST_FOREACH(c, &rib->cursors, entry)
		if (c->synced < min)
			min = c->synced;
	for (p = TAILQ_FIRST(&rib->tombs); p != NULL && p->version <= min;
	    p = next) {
		next = TAILQ_NEXT(p, gc);
		TAILQ_REMOVE(&rib->tombs, p, gc);
		TAILQ_REMOVE(&rib->log, p, log);
		rp = p->pfx;
		for (i = 0; rp->paths[i] != p; i++)
			;
		rp->paths[i] = rp->paths[--rp->npaths];
		rib->ntombstones--;
		free(p);
		prefix_drop_if_empty(rib, rp);
	}
}

/* One window entry: what to send for one path. */
struct pull_item {
	struct rib_attrs	*attrs;	/* NULL: withdraw */
	struct bgp_prefix	 p;
};

static int
item_cmp(const void *va, const void *vb)
{
	const struct pull_item	*a = va, *b = vb;

	if (a->p.aid != b->p.aid)
		return a->p.aid < b->p.aid ? -1 : 1;
	if (a->attrs != b->attrs)
		return (uintptr_t)a->attrs < (uintptr_t)b->attrs ? -1 : 1;
	return 0;
}

/* Whether this peer's session can carry the path at all. */
static int
carriable(const struct rib_encoding *enc, const struct rib_path *p)
{
	const struct bgp_neg	*neg = enc->neg;
	uint8_t			 aid = p->pfx->p.aid;

	if (!neg->mp[aid])
		return 0;
	if (p->attrs != NULL && aid == AID_IPV4 &&
	    !ATTR_HAS(&p->attrs->a, ATTR_NEXTHOP) && !neg->ext_nh[AID_IPV4])
		return 0;
	/* Without ADD-PATH a peer holds one path per prefix: the first. */
	if (!neg->addpath_tx[aid] && p->path_id != 1)
		return 0;
	return 1;
}

/*
 * The most octets one path can cost on the wire: an UPDATE of its own
 * (header, withdrawn and attribute lengths, every attribute with an
 * extended length, an MP_REACH with two IPv6 next-hops) and its NLRI with
 * a path id.
 */
static size_t
path_wire_max(const struct rib_path *p, uint32_t prepend_as)
{
	const struct bgp_attrs	*a;
	size_t			 n = BGP_HDR_LEN + 4 + 64 + 4 + 17 + 6;

	if (p->attrs == NULL)
		return n;
	a = &p->attrs->a;
	n += 14 * 4 + 32 + a->aspath_len + (prepend_as ? 6 : 0) +
	    4 * a->ncommunities + 8 * a->next_communities +
	    12 * a->nlarge_communities + a->unknown_len;
	return n;
}

/*
 * Takes the next paths the cursor owes into w, about RIB_WINDOW of them
 * and as many as the room left allows even if every one needed an UPDATE
 * of its own: a window is encoded whole, so it must fit.  A window does
 * not end inside a run of one prefix's paths, so the UPDATEs up to its
 * end give a peer those prefixes whole.
 */
static size_t
pull_window(struct rib_cursor *c, const struct rib_encoding *enc,
    struct pull_item *w, size_t room)
{
	struct rib_path		*p;
	struct rib_prefix	*last = NULL;
	size_t			 n = 0, seen = 0, cost;

	for (p = c->next; p != NULL; p = TAILQ_NEXT(p, log), seen++) {
		if (seen >= RIB_WINDOW && p->pfx != last)
			break;
		cost = path_wire_max(p, enc->prepend_as);
		if (cost > room)
			break;
		room -= cost;
		last = p->pfx;
		c->synced = p->version;
		c->next = TAILQ_NEXT(p, log);
		if ((p->attrs == NULL && c->initial && !c->cached) ||
		    !carriable(enc, p))
			continue;
		w[n].attrs = p->attrs;
		w[n].p = p->pfx->p;
		w[n].p.path_id = p->path_id;
		n++;
	}
	return n;
}

/* The attributes as this peer must see them. */
static int
peer_attrs(const struct rib_encoding *enc, const struct bgp_attrs *src,
    struct bgp_attrs *dst)
{
	uint8_t	*seg;
	size_t	 len;

	if (bgp_attrs_copy(dst, src) == -1)
		return -1;
	if (!enc->ebgp)
		return 0;
	dst->present &= ~(1ULL << ATTR_LOCALPREF);
	/* prepend our AS as a one-ASN AS_SEQUENCE segment */
	len = 6 + dst->aspath_len;
	if ((seg = malloc(len)) == NULL)
		return -1;
	seg[0] = AS_SEQUENCE;
	seg[1] = 1;
	seg[2] = enc->prepend_as >> 24;
	seg[3] = enc->prepend_as >> 16;
	seg[4] = enc->prepend_as >> 8;
	seg[5] = enc->prepend_as;
	if (dst->aspath_len > 0)
		memcpy(seg + 6, dst->aspath, dst->aspath_len);
	free(dst->aspath);
	dst->aspath = seg;
	dst->aspath_len = len;
	dst->present |= 1ULL << ATTR_ASPATH;
	return 0;
}

static int
encode_run(const struct rib_encoding *enc, struct pull_item *w, size_t n,
    struct ibuf *out)
{
	struct bgp_prefix	*pfx;
	struct bgp_attrs	 a = {};
	size_t			 i, done;
	int			 k, r = 0;

	if ((pfx = calloc(n, sizeof(*pfx))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		pfx[i] = w[i].p;
	if (w[0].attrs != NULL && peer_attrs(enc, &w[0].attrs->a, &a) == -1) {
		free(pfx);
		return -1;
	}
	for (done = 0; done < n && r == 0; done += k) {
		if (w[0].attrs != NULL)
			k = bgp_update_write_announce(out, enc->neg, &a,
			    pfx + done, n - done);
		else
			k = bgp_update_write_withdraw(out, enc->neg,
			    pfx + done, n - done);
		if (k <= 0)
			r = -1;
	}
	bgp_attrs_free(&a);
	free(pfx);
	return r;
}

/*
 * Encodes the next window.  0: done; 1: the next path does not fit the
 * room left (c unchanged); -1: error.
 */
static int
pull_step(struct rib_cursor *c, const struct rib_encoding *enc,
    struct pull_item *w, struct ibuf *out)
{
	struct rib_path	*before = c->next;
	size_t		 n, i, j;

	n = pull_window(c, enc, w, ibuf_left(out));
	if (c->next == before)
		return 1;
	qsort(w, n, sizeof(*w), item_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && item_cmp(&w[i], &w[j]) == 0; j++)
			;
		if (encode_run(enc, w + i, j - i, out) == -1)
			return -1;
	}
	return 0;
}

/* Whether the cache's bytes are what this peer would be sent. */
static int
cache_fits(const struct rib_cache *rc, const struct rib_encoding *enc)
{
	const struct bgp_neg	*a = &rc->neg, *b = enc->neg;
	int			 aid;

	if (!a->as4 != !b->as4 ||
	    bgp_msg_max(a->max_msg) != bgp_msg_max(b->max_msg) ||
	    rc->prepend_as != enc->prepend_as || !rc->ebgp != !enc->ebgp)
		return 0;
	/* a family, or a session flag, that no path needs cannot matter */
	for (aid = 0; aid < AID_MAX; aid++)
		if (rc->has[aid] && (!a->mp[aid] != !b->mp[aid] ||
		    !a->addpath_tx[aid] != !b->addpath_tx[aid]))
			return 0;
	if (rc->has_v4_nh6 && !a->ext_nh[AID_IPV4] != !b->ext_nh[AID_IPV4])
		return 0;
	return 1;
}

int
bgp_rib_cache_usable(const struct bgp_rib *rib, const struct rib_encoding *enc)
{
	return rib->cache != NULL && !cache_stale(rib, rib->cache) &&
	    cache_fits(rib->cache, enc);
}

size_t
bgp_rib_cache_size(const struct bgp_rib *rib)
{
	return rib->cache != NULL ? ibuf_size(rib->cache->out) : 0;
}

/* A fresh cursor starts with the cache, then what changed after it. */
static void
cache_attach(struct bgp_rib *rib, struct rib_cursor *c,
    const struct rib_encoding *enc)
{
	struct rib_cache	*rc = rib->cache;
	struct rib_path		*p, *first = NULL;

	if (!c->initial || c->cached || c->synced != 0 ||
	    !bgp_rib_cache_usable(rib, enc))
		return;
	for (p = TAILQ_LAST(&rib->log, rib_log);
	    p != NULL && p->version > rc->version;
	    p = TAILQ_PREV(p, rib_log, log))
		first = p;
	c->next = first;
	c->cache = rc;
	c->cache_off = 0;
	c->cached = 1;
	rc->refcnt++;
}

/* The index of the first window end past `off'. */
static size_t
cache_cut_after(const struct rib_cache *rc, size_t off)
{
	size_t	lo = 0, hi = rc->ncuts, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rc->cuts[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Where to stop copying from `from': the last window end within
 * `budget', or else the first one if it fits `left'; `from' if none.
 */
static size_t
cache_cut(const struct rib_cache *rc, size_t from, size_t budget,
    size_t left)
{
	size_t	i = cache_cut_after(rc, from + budget);

	if (i > 0 && rc->cuts[i - 1] > from)
		return rc->cuts[i - 1];
	i = cache_cut_after(rc, from);
	if (i < rc->ncuts && rc->cuts[i] - from <= left)
		return rc->cuts[i];
	return from;
}

/* Copies whole windows of the cache: 0, or -1 when none ever fits. */
static int
cache_send(struct rib_cursor *c, struct ibuf *out, size_t budget)
{
	struct rib_cache	*rc = c->cache;
	size_t			 left = ibuf_left(out), end;

	end = cache_cut(rc, c->cache_off, budget < left ? budget : left,
	    left);
	if (end == c->cache_off && c->cache_off < ibuf_size(rc->out)) {
		if (ibuf_size(out) > 0)
			return 0;	/* wait for the socket to drain */
		errno = ENOBUFS;
		return -1;
	}
	if (end > c->cache_off && ibuf_add(out,
	    (uint8_t *)ibuf_data(rc->out) + c->cache_off,
	    end - c->cache_off) == -1)
		return -1;
	c->cache_off = end;
	if (end == ibuf_size(rc->out)) {
		c->synced = rc->version;
		c->cache = NULL;
		cache_unref(rc);
	}
	return 0;
}

/*
 * Appends UPDATEs for what the cursor has not sent yet, until `out' has
 * grown by `budget' bytes or the cursor is at the end (*done = 1).  Paths
 * with the same attributes are packed into as few UPDATEs as the message
 * size allows.
 */
int
bgp_rib_pull(struct bgp_rib *rib, struct rib_cursor *c,
    const struct rib_encoding *enc, struct ibuf *out, size_t budget,
    int *done)
{
	struct pull_item	*w;
	size_t			 start = ibuf_size(out);
	int			 r = 0;

	cache_attach(rib, c, enc);
	if (c->cache != NULL && cache_send(c, out, budget) == -1)
		return -1;
	if (c->cache != NULL) {
		*done = 0;
		return 0;
	}
	if ((w = calloc(RIB_WINDOW_MAX, sizeof(*w))) == NULL)
		return -1;
	while (c->next != NULL && ibuf_size(out) - start < budget &&
	    (r = pull_step(c, enc, w, out)) == 0)
		;
	free(w);
	if (r == -1)
		return -1;
	if (r == 1 && ibuf_size(out) == 0) {
		/* the next path does not fit, and there is nothing to drain */
		errno = ENOBUFS;
		return -1;
	}
	*done = c->next == NULL;
	if (*done)
		c->initial = 0;
	bgp_rib_gc(rib);
	return 0;
}

/* What the table holds, for the cache's key. */
static void
cache_census(const struct bgp_rib *rib, struct rib_cache *rc)
{
	const struct rib_path	*p;

	TAILQ_FOREACH(p, &rib->log, log) {
		if (p->attrs == NULL)
			continue;
		rc->npaths++;
		rc->has[p->pfx->p.aid] = 1;
		if (p->pfx->p.aid == AID_IPV4 &&
		    !ATTR_HAS(&p->attrs->a, ATTR_NEXTHOP))
			rc->has_v4_nh6 = 1;
	}
}

static int
cache_cut_add(struct rib_cache *rc, size_t off)
{
	size_t	*nc;

	if (rc->ncuts == rc->cutcap) {
		nc = reallocarray(rc->cuts, rc->cutcap ? rc->cutcap * 2 : 64,
		    sizeof(*nc));
		if (nc == NULL)
			return -1;
		rc->cuts = nc;
		rc->cutcap = rc->cutcap ? rc->cutcap * 2 : 64;
	}
	rc->cuts[rc->ncuts++] = off;
	return 0;
}

static int
cache_fill(struct bgp_rib *rib, struct rib_cache *rc,
    const struct rib_encoding *enc)
{
	struct rib_cursor	 c = {};
	struct pull_item	*w;
	int			 r = 0;

	if ((w = calloc(RIB_WINDOW_MAX, sizeof(*w))) == NULL)
		return -1;
	bgp_rib_cursor_open(rib, &c);
	while (c.next != NULL && (r = pull_step(&c, enc, w, rc->out)) == 0)
		if ((r = cache_cut_add(rc, ibuf_size(rc->out))) == -1)
			break;
	bgp_rib_cursor_close(rib, &c);
	free(w);
	if (r == 1)
		errno = ENOBUFS;	/* larger than RIB_CACHE_MAX */
	return r == 0 ? 0 : -1;
}

int
bgp_rib_cache_build(struct bgp_rib *rib, const struct rib_encoding *enc)
{
	struct rib_cache	*rc;

	bgp_rib_cache_drop(rib);
	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return -1;
	rc->refcnt = 1;
	rc->neg = *enc->neg;
	rc->prepend_as = enc->prepend_as;
	rc->ebgp = enc->ebgp;
	rc->version = rib->version;
	cache_census(rib, rc);
	if ((rc->out = ibuf_dynamic(BGP_EXT_MAX_MSG, RIB_CACHE_MAX)) == NULL ||
	    cache_fill(rib, rc, enc) == -1) {
		cache_unref(rc);
		return -1;
	}
	rib->cache = rc;
	return 0;
}

void
bgp_rib_cache_drop(struct bgp_rib *rib)
{
	if (rib->cache == NULL)
		return;
	cache_unref(rib->cache);
	rib->cache = NULL;
	bgp_rib_gc(rib);
}
