/*
 * Adj-RIB-Out: the routes the speaker announces, shared by the peers that
 * subscribe to them.
 *
 * A rib holds, for each prefix, a set of paths told apart by next-hop;
 * each (prefix, next-hop) keeps its ADD-PATH path id for as long as it
 * exists.  Every change moves the path to the tail of one list ordered by
 * version, so a peer that has sent everything up to version V finds what
 * it still owes at the tail, and a new peer walks the whole list: only
 * changes are sent, and a slow peer simply lags behind without copies.
 * Withdrawn paths stay as tombstones until every peer is past them.
 * Attributes are interned, so 64 peers x 800,000 paths cost one copy.
 *
 * A peer without ADD-PATH for a family gets the path with id 1 only.
 */
#ifndef FABRIC_BGP_RIB_H
#define FABRIC_BGP_RIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "bgp.h"

struct rib_attrs;		/* an interned, refcounted bgp_attrs */
struct rib_prefix;

struct rib_path {
	TAILQ_ENTRY(rib_path)	 log;	/* ordered by version */
	TAILQ_ENTRY(rib_path)	 gc;	/* tombstones, by version */
	struct rib_prefix	*pfx;
	struct rib_attrs	*attrs;	/* NULL: withdrawn (tombstone) */
	uint64_t		 version;
	uint32_t		 path_id;
	uint8_t			 nh[16];	/* next-hop: the path's identity */
};
TAILQ_HEAD(rib_log, rib_path);

struct rib_cache;		/* the initial table, encoded once */

/* Where one peer is in the log. */
struct rib_cursor {
	LIST_ENTRY(rib_cursor)	 entry;
	struct rib_path		*next;	/* first path not yet sent, or NULL */
	uint64_t		 synced;	/* everything <= this was sent */
	int			 initial;	/* first pass: skip tombstones */
	int			 active;
	/* added: a fresh peer whose encoding matches rib->cache is sent
	 * the cache's bytes first, then the log after the cache's version
	 * (withdrawals included: the cache may hold what they withdraw) */
	struct rib_cache	*cache;		/* being sent, or NULL */
	size_t			 cache_off;
	int			 cached;	/* this pass began with a cache */
};
LIST_HEAD(rib_cursors, rib_cursor);

/* How a peer wants its UPDATEs: from its session and its kind. */
struct rib_encoding {
	const struct bgp_neg	*neg;
	uint32_t		 prepend_as;	/* eBGP: our AS; 0: iBGP */
	int			 ebgp;		/* strip LOCAL_PREF */
};

struct bgp_rib {
	struct rib_log		 log;
	struct rib_log		 tombs;	/* through rib_path.gc */
	struct rib_cursors	 cursors;
	struct rib_prefix	**pfx_tab;	/* open hash by prefix */
	size_t			 pfx_cap, npfx;
	struct rib_attrs	**attr_tab;	/* open hash of interned attrs */
	size_t			 attr_cap, nattrs;
	uint64_t		 version;
	size_t			 npaths;	/* live paths */
	size_t			 ntombstones;
	struct rib_cache	*cache;		/* added; NULL: none */
};

struct rib_stats {
	size_t		prefixes, paths, tombstones, attrs;
	uint64_t	version;
};

/* bgp_rib.c */
struct bgp_rib	*bgp_rib_new(void);
void		 bgp_rib_free(struct bgp_rib *);
int		 bgp_rib_set(struct bgp_rib *, const struct bgp_prefix *,
		    const struct bgp_attrs *paths, size_t n);
int		 bgp_rib_withdraw(struct bgp_rib *, const struct bgp_prefix *);
int		 bgp_rib_paths(struct bgp_rib *, const struct bgp_prefix *,
		    uint32_t *path_ids, const struct bgp_attrs **attrs,
		    size_t max);
void		 bgp_rib_stats(const struct bgp_rib *, struct rib_stats *);
void		 bgp_rib_cursor_open(struct bgp_rib *, struct rib_cursor *);
void		 bgp_rib_cursor_close(struct bgp_rib *, struct rib_cursor *);
int		 bgp_rib_cursor_pending(const struct bgp_rib *,
		    const struct rib_cursor *);
int		 bgp_rib_pull(struct bgp_rib *, struct rib_cursor *,
		    const struct rib_encoding *, struct ibuf *out,
		    size_t budget, int *done);
void		 bgp_rib_gc(struct bgp_rib *);
int		 bgp_path_nexthop(const struct bgp_attrs *, uint8_t nh[16]);

/*
 * Added: the whole table encoded ahead, once, for one encoding.  A
 * fresh cursor of a peer whose session encodes alike (same AS size,
 * message size, eBGP-ness, and ADD-PATH/families/extended next-hop
 * where the table has such paths) is sent these bytes, cut only where
 * every prefix before the cut has all its paths, then what changed
 * since.  Changes keep the cache valid (their paths follow it in the
 * log); when they outgrow half of it, it is dropped.  Returns -1
 * (errno) and keeps no cache on failure.
 */
int		 bgp_rib_cache_build(struct bgp_rib *,
		    const struct rib_encoding *);
void		 bgp_rib_cache_drop(struct bgp_rib *);
int		 bgp_rib_cache_usable(const struct bgp_rib *,
		    const struct rib_encoding *);
size_t		 bgp_rib_cache_size(const struct bgp_rib *);

#endif /* FABRIC_BGP_RIB_H */
