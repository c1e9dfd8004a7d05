/*
 * bgp_rib_mem: what the speaker's Adj-RIB-Out costs in memory, without
 * sockets: a rib of PREFIXES x PATHS paths with attributes built as
 * fabric-inject builds them (next-hop, LOCAL_PREF 200, NO_ADVERTISE, a
 * planned link-bandwidth community; one weight vector, or SETS of them),
 * PEERS cursors, and every cursor pulled to the end through a buffer of
 * its own.  The peers are pulled round-robin, a session's worth each
 * (bgp_session.c refills a peer's write buffer to just under 4 MiB), and
 * every buffer is kept full until all of them are: the worst moment of a
 * start with PEERS slow sockets.  Prints VmRSS after each step and VmHWM.
 *
 * usage: bgp_rib_mem [PREFIXES [PATHS [PEERS [SETS]]]]
 *        (defaults: 100000 8 64 1)
 */
#include "config.h"

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp.h"
#include "bgp_lbw.h"
#include "bgp_rib.h"
#include "ibuf.h"

#define WBUF_MAX	(4 * 1024 * 1024)	/* as bgp_session.c */
#define WBUF_LOW	(256 * 1024)
#define PULL_BUDGET	(WBUF_MAX - WBUF_LOW - 2 * BGP_EXT_MAX_MSG)
#define LOCAL_AS	65001

static double
now_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
status_kb(const char *key)
{
	char	line[256];
	long	v = -1;
	size_t	klen = strlen(key);
	FILE	*fp = fopen("/proc/self/status", "r");

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = strtol(line + klen + 1, NULL, 10);
	fclose(fp);
	return v;
}

static void
report(const char *step, double secs)
{
	printf("%-44s VmRSS %8.1f MiB  (%.2f s)\n", step,
	    status_kb("VmRSS") / 1024.0, secs);
}

static int
path_attrs(uint32_t k, uint32_t mbps, struct bgp_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->present = 1ULL << ATTR_NEXTHOP | 1ULL << ATTR_ORIGIN |
	    1ULL << ATTR_ASPATH | 1ULL << ATTR_LOCALPREF |
	    1ULL << ATTR_EXT_COMMUNITIES | 1ULL << ATTR_COMMUNITIES;
	a->nexthop.s_addr = htonl(0x0ac80001U + (k << 8));	/* 10.200.k.1 */
	a->origin = ORIGIN_IGP;
	a->local_pref = 200;
	if ((a->communities = malloc(4)) == NULL ||
	    (a->ext_communities = malloc(8)) == NULL)
		return -1;
	a->communities[0] = COMMUNITY_NO_ADVERTISE;
	a->ncommunities = 1;
	a->next_communities = 1;
	return bgp_ext_community_lb(LOCAL_AS, lbw_mbps_to_bytes(mbps),
	    a->ext_communities);
}

/* Weight vector s of sets: 1..paths, rotated by s, plus s / 7 on path 0. */
static int
plan_set(uint32_t s, uint32_t paths, struct lbw_plan *plan)
{
	double		w[LBW_PATHS_MAX];
	uint32_t	i;

	for (i = 0; i < paths; i++)
		w[i] = 1 + (i + s) % paths;
	w[0] += s / 7.0;
	return lbw_plan(w, paths, plan);
}

static int
build(struct bgp_rib *rib, uint32_t npfx, uint32_t paths, uint32_t sets)
{
	struct bgp_attrs	a[LBW_PATHS_MAX];
	struct lbw_plan		*plans;
	struct bgp_prefix	p = { .aid = AID_IPV4, .plen = 24 };
	uint32_t		i, k;
	int			r = 0;

	if ((plans = calloc(sets, sizeof(*plans))) == NULL)
		return -1;
	for (i = 0; i < sets; i++)
		if (plan_set(i, paths, &plans[i]) == -1)
			return -1;
	for (i = 0; i < npfx && r == 0; i++) {
		const struct lbw_plan *pl = &plans[i % sets];

		p.addr.v4.s_addr = htonl(0x14000000U + (i << 8)); /* 20/8.. */
		for (k = 0; k < paths && r == 0; k++)
			r = path_attrs(k + 1, pl->mbps[k], &a[k]);
		if (r == 0)
			r = bgp_rib_set(rib, &p, a, paths);
		for (k = 0; k < paths; k++)
			bgp_attrs_free(&a[k]);
	}
	free(plans);
	return r;
}

/* Round-robin, a session's refill each; all buffers full at once first. */
static int
pull_all(struct bgp_rib *rib, struct rib_cursor *c, uint32_t peers,
    double t0, size_t *bytes)
{
	struct bgp_neg		neg = { .as4 = 1, .ext_msg = 1,
				    .max_msg = BGP_EXT_MAX_MSG };
	struct rib_encoding	enc = { &neg, 0, 0 };
	struct ibuf		**out;
	uint32_t		i, left = peers;
	int			done, round = 0;

	neg.mp[AID_IPV4] = 1;
	neg.addpath_tx[AID_IPV4] = 1;
	if ((out = calloc(peers, sizeof(*out))) == NULL)
		return -1;
	for (i = 0; i < peers; i++)
		if ((out[i] = ibuf_dynamic(64 * 1024, WBUF_MAX)) == NULL)
			return -1;
	*bytes = 0;
	while (left > 0) {
		for (i = 0; i < peers; i++) {
			if (!bgp_rib_cursor_pending(rib, &c[i]))
				continue;
			ibuf_truncate(out[i], 0);	/* the socket took it */
			if (bgp_rib_pull(rib, &c[i], &enc, out[i], PULL_BUDGET,
			    &done) == -1)
				return -1;
			*bytes += ibuf_size(out[i]);
			left -= done;
		}
		if (round++ == 0)
			report("every peer's buffer full (first refill)",
			    now_mono() - t0);
	}
	report("all peers pulled to the end (buffers kept)", now_mono() - t0);
	for (i = 0; i < peers; i++)
		ibuf_free(out[i]);
	free(out);
	return 0;
}

int
main(int argc, char **argv)
{
	uint32_t		npfx = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	uint32_t		paths = argc > 2 ? strtoul(argv[2], NULL, 10) : 8;
	uint32_t		peers = argc > 3 ? strtoul(argv[3], NULL, 10) : 64;
	uint32_t		sets = argc > 4 ? strtoul(argv[4], NULL, 10) : 1;
	struct bgp_rib		*rib;
	struct rib_cursor	*c;
	struct rib_stats	 st;
	size_t			 bytes;
	double			 t0;
	uint32_t		 i;

	if (npfx == 0 || npfx > 1 << 24 || paths == 0 ||
	    paths > LBW_PATHS_MAX || peers == 0 || sets == 0) {
		fprintf(stderr, "usage: bgp_rib_mem [PREFIXES [PATHS [PEERS "
		    "[SETS]]]]\n");
		return 2;
	}
	printf("rib of %u prefixes x %u paths, %u weight vector%s, %u peers\n",
	    npfx, paths, sets, sets == 1 ? "" : "s", peers);
	report("start", 0);
	t0 = now_mono();
	if ((rib = bgp_rib_new()) == NULL || build(rib, npfx, paths, sets) == -1) {
		perror("bgp_rib_mem: build");
		return 1;
	}
	bgp_rib_stats(rib, &st);
	report("rib built", now_mono() - t0);
	printf("  %zu prefixes, %zu paths, %zu interned attribute sets\n",
	    st.prefixes, st.paths, st.attrs);
	if ((c = calloc(peers, sizeof(*c))) == NULL)
		return 1;
	for (i = 0; i < peers; i++)
		bgp_rib_cursor_open(rib, &c[i]);
	t0 = now_mono();
	if (pull_all(rib, c, peers, t0, &bytes) == -1) {
		perror("bgp_rib_mem: pull");
		return 1;
	}
	printf("  %.1f MiB of UPDATEs encoded, %.1f MiB per peer, %.0f "
	    "paths/s per core\n", bytes / 1048576.0, bytes / 1048576.0 / peers,
	    (double)st.paths * peers / (now_mono() - t0));
	report("after the pulls", 0);
	printf("VmHWM %.1f MiB (peak resident)\n", status_kb("VmHWM") / 1024.0);
	for (i = 0; i < peers; i++)
		bgp_rib_cursor_close(rib, &c[i]);
	free(c);
	bgp_rib_free(rib);
	return 0;
}
