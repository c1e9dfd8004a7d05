/*
 * bgp_floor: the least a BGP speaker can do to hand routes to FRR, as the
 * floor for bench/bgp_inject_bench.sh.  It reads a fabric-inject routes
 * file, builds each path's attributes exactly as fabric-inject does
 * (LOCAL_PREF 200, NO_ADVERTISE, the link-bandwidth community planned by
 * lbw_plan()), encodes every UPDATE with the library's writers BEFORE it
 * connects, then connects, exchanges OPEN and KEEPALIVE and writes the
 * whole buffer with write().  Whatever time is left is FRR's own.
 *
 * The UPDATEs are grouped as bgp_rib_pull() groups them: windows of 8192
 * paths in file order, each window split into runs of equal attributes.
 *
 * usage: bgp_floor --local-as ASN --router-id ID --peer ADDR --routes FILE
 *                  [--react FILE_B [--react-a FILE_A]] [--max-msg 4096|65535]
 *                  [--advertise]
 *        bgp_floor --mrt OUT --local-as ASN --routes FILE
 *
 * --react: after the initial routes, each SIGHUP sends the UPDATEs of
 * FILE_B, the next those of FILE_A (default: FILE) again, and so on
 * (pre-encoded too).
 * --mrt: writes the same paths as an MRT TABLE_DUMP_V2 file with ADD-PATH
 * RIB entries (RFC 6396, 8050), one MRT peer per path id, for `gobgp mrt
 * inject global' (GoBGP keeps paths of one prefix apart by their source).
 * Only IPv4 routes with IPv4 next-hops, and only iBGP.  SIGTERM: Cease.
 */
#include "config.h"

#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bgp.h"
#include "bgp_lbw.h"
#include "ibuf.h"

#define WINDOW		8192	/* as RIB_WINDOW in bgp_rib.c */
#define ATTRS_MAX	4096	/* distinct (next-hop, bandwidth) pairs */
#define BUF_MAX		((size_t)2 << 30)
#define HOLDTIME	90
#define GR_TIME		120	/* fabric-inject's default */
#define LOCAL_PREF	200

struct item {
	struct bgp_prefix	p;	/* with its path id */
	uint16_t		attr;
};

struct routes {
	struct item		*v;
	size_t			 n, cap;
	struct bgp_attrs	 attrs[ATTRS_MAX];
	size_t			 nattrs;
};

struct floor_opts {
	uint32_t	 local_as, router_id;
	const char	*peer, *routes, *react, *react_a, *mrt;
	size_t		 max_msg;
	int		 advertise;
};

static double
now_real(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- attributes, as fabric-inject builds them ---------------------- */

static int
attrs_build(const struct floor_opts *o, struct in_addr nh, uint32_t mbps,
    struct bgp_attrs *a)
{
	uint16_t	lbas = o->local_as > 65535 ? AS_TRANS : o->local_as;

	memset(a, 0, sizeof(*a));
	a->nexthop = nh;
	a->present = 1ULL << ATTR_NEXTHOP | 1ULL << ATTR_ORIGIN |
	    1ULL << ATTR_ASPATH | 1ULL << ATTR_LOCALPREF |
	    1ULL << ATTR_EXT_COMMUNITIES;
	a->origin = ORIGIN_IGP;
	a->local_pref = LOCAL_PREF;
	if (!o->advertise) {
		if ((a->communities = malloc(4)) == NULL)
			return -1;
		a->communities[0] = COMMUNITY_NO_ADVERTISE;
		a->ncommunities = 1;
		a->present |= 1ULL << ATTR_COMMUNITIES;
	}
	if ((a->ext_communities = malloc(8)) == NULL)
		return -1;
	a->next_communities = 1;
	return bgp_ext_community_lb(lbas, lbw_mbps_to_bytes(mbps),
	    a->ext_communities);
}

static int
attrs_index(struct routes *rs, const struct floor_opts *o, struct in_addr nh,
    uint32_t mbps)
{
	struct bgp_attrs	a;
	size_t			i;

	if (attrs_build(o, nh, mbps, &a) == -1)
		return -1;
	for (i = 0; i < rs->nattrs; i++)
		if (bgp_attrs_cmp(&rs->attrs[i], &a) == 0) {
			bgp_attrs_free(&a);
			return (int)i;
		}
	if (rs->nattrs == ATTRS_MAX) {
		bgp_attrs_free(&a);
		errno = ERANGE;
		return -1;
	}
	rs->attrs[rs->nattrs] = a;
	return (int)rs->nattrs++;
}

/* ---- the routes file ----------------------------------------------- */

struct prefix_lines {
	struct bgp_prefix	p;
	struct in_addr		nh[LBW_PATHS_MAX];
	double			w[LBW_PATHS_MAX];
	size_t			n;
};

static int
items_push(struct routes *rs, const struct bgp_prefix *p, uint32_t id,
    int attr)
{
	struct item	*nv;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 65536;
		if ((nv = reallocarray(rs->v, rs->cap, sizeof(*nv))) == NULL)
			return -1;
		rs->v = nv;
	}
	rs->v[rs->n].p = *p;
	rs->v[rs->n].p.path_id = id;
	rs->v[rs->n++].attr = (uint16_t)attr;
	return 0;
}

/* One prefix's lines become its paths, ids 1.. in file order. */
static int
prefix_flush(struct routes *rs, const struct floor_opts *o,
    struct prefix_lines *pl)
{
	static struct lbw_plan	plan;
	static double		last[LBW_PATHS_MAX];
	static size_t		nlast;
	size_t			i;
	int			a;

	if (pl->n == 0)
		return 0;
	/* fabric-inject caches plans too: most prefixes share weights */
	if (pl->n != nlast || memcmp(last, pl->w, pl->n * sizeof(*last))) {
		if (lbw_plan(pl->w, pl->n, &plan) == -1)
			return -1;
		memcpy(last, pl->w, pl->n * sizeof(*last));
		nlast = pl->n;
	}
	for (i = 0; i < pl->n; i++)
		if ((a = attrs_index(rs, o, pl->nh[i], plan.mbps[i])) == -1 ||
		    items_push(rs, &pl->p, i + 1, a) == -1)
			return -1;
	pl->n = 0;
	return 0;
}

static int
parse_route_line(char *line, struct bgp_prefix *p, struct in_addr *nh,
    double *w)
{
	char	*pfx, *gw, *wt, *save = NULL;

	if ((pfx = strtok_r(line, " \t\n", &save)) == NULL || *pfx == '#')
		return 1;
	if ((gw = strtok_r(NULL, " \t\n", &save)) == NULL ||
	    (wt = strtok_r(NULL, " \t\n", &save)) == NULL ||
	    bgp_prefix_parse(pfx, p) == -1 || p->aid != AID_IPV4 ||
	    inet_pton(AF_INET, gw, nh) != 1)
		return -1;
	*w = strtod(wt, NULL);
	return 0;
}

static int
routes_load(const char *path, const struct floor_opts *o, struct routes *rs)
{
	struct prefix_lines	 pl = {};
	struct bgp_prefix	 p;
	struct in_addr		 nh;
	char			 line[512];
	double			 w = 0;
	FILE			*fp;
	int			 r, lineno = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bgp_floor: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if ((r = parse_route_line(line, &p, &nh, &w)) == 1 ||
		    (r == 0 && w <= 0))
			continue;
		if (r == -1 || (pl.n > 0 && bgp_prefix_cmp(&p, &pl.p) != 0 &&
		    prefix_flush(rs, o, &pl) == -1) || pl.n == LBW_PATHS_MAX) {
			fprintf(stderr, "bgp_floor: %s:%d: bad line (IPv4 only; "
			    "the lines of a prefix together)\n", path, lineno);
			fclose(fp);
			return -1;
		}
		pl.p = p;
		pl.nh[pl.n] = nh;
		pl.w[pl.n++] = w;
	}
	fclose(fp);
	return prefix_flush(rs, o, &pl);
}

/* ---- pre-encoding --------------------------------------------------- */

static int
item_cmp(const void *va, const void *vb)
{
	const struct item	*a = va, *b = vb;

	return (int)a->attr - (int)b->attr;
}

static int
encode_run(struct ibuf *out, const struct bgp_neg *neg,
    const struct bgp_attrs *a, const struct item *v, size_t n)
{
	struct bgp_prefix	*pfx;
	size_t			 i, done;
	int			 k = 0;

	if ((pfx = calloc(n, sizeof(*pfx))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		pfx[i] = v[i].p;
	for (done = 0; done < n; done += k)
		if ((k = bgp_update_write_announce(out, neg, a, pfx + done,
		    n - done)) <= 0)
			break;
	free(pfx);
	return done == n ? 0 : -1;
}

static struct ibuf *
encode_all(struct routes *rs, const struct bgp_neg *neg, size_t *nmsgs)
{
	struct ibuf	*out;
	size_t		 w, n, i, j;

	if ((out = ibuf_dynamic(1 << 20, BUF_MAX)) == NULL)
		return NULL;
	*nmsgs = 0;
	for (w = 0; w < rs->n; w += n) {
		n = rs->n - w < WINDOW ? rs->n - w : WINDOW;
		qsort(rs->v + w, n, sizeof(*rs->v), item_cmp);
		for (i = w; i < w + n; i = j) {
			for (j = i + 1; j < w + n &&
			    rs->v[j].attr == rs->v[i].attr; j++)
				;
			if (encode_run(out, neg, &rs->attrs[rs->v[i].attr],
			    rs->v + i, j - i) == -1) {
				ibuf_free(out);
				return NULL;
			}
		}
	}
	for (i = 0; i + BGP_HDR_LEN <= ibuf_size(out); (*nmsgs)++) {
		uint16_t	len;

		ibuf_peek_n16(out, i + BGP_MARKER_LEN, &len);
		i += len;
	}
	return out;
}

/* ---- MRT for GoBGP -------------------------------------------------- */

/* The path attributes of an UPDATE for one prefix, as on a 4-octet
 * session (RFC 6396 4.3.4). */
static int
attr_bytes(const struct bgp_attrs *a, const struct bgp_prefix *p,
    struct ibuf *attrs)
{
	struct bgp_neg	 neg = { .as4 = 1, .max_msg = BGP_MAX_MSG };
	struct ibuf	*u;
	uint16_t	 wlen, alen;
	int		 r;

	neg.mp[AID_IPV4] = 1;
	if ((u = ibuf_dynamic(256, BGP_MAX_MSG)) == NULL)
		return -1;
	r = bgp_update_write_announce(u, &neg, a, p, 1) == 1 &&
	    ibuf_skip(u, BGP_HDR_LEN) == 0 && ibuf_get_n16(u, &wlen) == 0 &&
	    ibuf_skip(u, wlen) == 0 && ibuf_get_n16(u, &alen) == 0 &&
	    ibuf_add(attrs, ibuf_data(u), alen) == 0 ? 0 : -1;
	ibuf_free(u);
	return r;
}

static int
mrt_record(FILE *fp, uint16_t subtype, const struct ibuf *body)
{
	uint8_t	hdr[12];
	uint32_t now = (uint32_t)time(NULL), len = ibuf_size(body);

	hdr[0] = now >> 24; hdr[1] = now >> 16; hdr[2] = now >> 8;
	hdr[3] = now;
	hdr[4] = 0; hdr[5] = 13;		/* TABLE_DUMP_V2 */
	hdr[6] = subtype >> 8; hdr[7] = subtype;
	hdr[8] = len >> 24; hdr[9] = len >> 16; hdr[10] = len >> 8;
	hdr[11] = len;
	return fwrite(hdr, sizeof(hdr), 1, fp) == 1 &&
	    fwrite(ibuf_data(body), len, 1, fp) == 1 ? 0 : -1;
}

/* PEER_INDEX_TABLE: peer i (0-based) is the source of path id i + 1. */
static int
mrt_peers(FILE *fp, const struct floor_opts *o, uint16_t npeers)
{
	struct ibuf	*b = ibuf_dynamic(64, 1 << 20);
	uint16_t	 i;
	int		 r = 0;

	r |= ibuf_add_n32(b, o->router_id) | ibuf_add_n16(b, 0) |
	    ibuf_add_n16(b, npeers);
	for (i = 0; i < npeers; i++)
		r |= ibuf_add_n8(b, 0x02) |		/* IPv4, AS4 */
		    ibuf_add_n32(b, 0x0a000000U + i + 1) |
		    ibuf_add_n32(b, 0x0a000000U + i + 1) |
		    ibuf_add_n32(b, o->local_as);
	r = r == 0 ? mrt_record(fp, 1, b) : -1;
	ibuf_free(b);
	return r;
}

/* One RIB_IPV4_UNICAST_ADDPATH record: the prefix of items [i, j). */
static int
mrt_prefix(FILE *fp, struct ibuf *b, const struct routes *rs, size_t i,
    size_t j, uint32_t seq)
{
	const struct bgp_prefix	*p = &rs->v[i].p;
	size_t			 k, at;
	int			 r;

	ibuf_truncate(b, 0);
	r = ibuf_add_n32(b, seq) | ibuf_add_n8(b, p->plen) |
	    ibuf_add(b, &p->addr.v4, (p->plen + 7) / 8) |
	    ibuf_add_n16(b, j - i);
	for (k = i; k < j; k++) {
		r |= ibuf_add_n16(b, rs->v[k].p.path_id - 1) |
		    ibuf_add_n32(b, (uint32_t)time(NULL)) |
		    ibuf_add_n32(b, rs->v[k].p.path_id);
		at = ibuf_size(b);
		r |= ibuf_add_n16(b, 0) |
		    attr_bytes(&rs->attrs[rs->v[k].attr], &rs->v[k].p, b);
		r |= ibuf_set_n16(b, at, ibuf_size(b) - at - 2);
	}
	return r == 0 ? mrt_record(fp, 8, b) : -1;
}

/*
 * The items of a prefix are adjacent (file order: before encode_all sorts
 * windows).  `gobgp mrt inject' (3.10) exits without waiting for its gRPC
 * stream to drain, so the last hundred or so records are lost: the first
 * MRT_PAD prefixes are written again at the end.  gobgpd takes them as
 * the same paths again, while its neighbor is still down.
 */
#define MRT_PAD	5000
static int
write_mrt(const char *path, const struct floor_opts *o, struct routes *rs)
{
	struct ibuf	*b = ibuf_dynamic(4096, 1 << 24);
	uint16_t	 maxid = 0;
	uint32_t	 seq = 0;
	size_t		 i, j, pass, npfx;
	FILE		*fp = fopen(path, "w");
	int		 r = 0;

	if (fp == NULL || b == NULL)
		return -1;
	for (i = 0; i < rs->n; i++)
		if (rs->v[i].p.path_id > maxid)
			maxid = rs->v[i].p.path_id;
	r |= mrt_peers(fp, o, maxid);
	for (pass = 0; pass < 2; pass++)
		for (i = 0, npfx = 0; i < rs->n && r == 0 &&
		    (pass == 0 || npfx < MRT_PAD); i = j, npfx++) {
			for (j = i + 1; j < rs->n &&
			    bgp_prefix_cmp(&rs->v[j].p, &rs->v[i].p) == 0; j++)
				;
			r = mrt_prefix(fp, b, rs, i, j, seq++);
		}
	ibuf_free(b);
	if (fclose(fp) != 0)
		r = -1;
	return r;
}

/* ---- the session ---------------------------------------------------- */

static void
our_open(const struct floor_opts *o, struct bgp_open *op)
{
	int	aid;

	memset(op, 0, sizeof(*op));
	op->version = BGP_VERSION;
	op->holdtime = HOLDTIME;
	op->bgp_id = o->router_id;
	op->caps.as4 = o->local_as;
	for (aid = 0; aid < AID_MAX; aid++) {
		op->caps.mp[aid] = 1;
		op->caps.addpath[aid] = ADDPATH_SEND | ADDPATH_RECV;
		op->caps.gr_af[aid] = GR_AF_PRESENT | GR_AF_FORWARDING;
	}
	op->caps.ext_nh[AID_IPV4] = 1;
	op->caps.route_refresh = 1;
	op->caps.ext_msg = o->max_msg > BGP_MAX_MSG;
	op->caps.gr = 1;
	op->caps.gr_time = GR_TIME;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int
send_msg(int fd, int (*fn)(struct ibuf *))
{
	struct ibuf	*b = ibuf_dynamic(64, BGP_MAX_MSG);
	int		 r;

	r = b != NULL && fn(b) == 0 ? write_all(fd, ibuf_data(b),
	    ibuf_size(b)) : -1;
	ibuf_free(b);
	return r;
}

static int
connect_peer(const char *addr)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET,
				    .sin_port = htons(BGP_PORT) };
	int			fd, tries, one = 1;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return -1;
	for (tries = 0; tries < 300; tries++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			return -1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			return fd;
		close(fd);
		usleep(100 * 1000);
	}
	return -1;
}

/* Reads until the peer's OPEN and KEEPALIVE; fills *neg. */
static int
handshake(int fd, const struct bgp_open *ours, struct bgp_neg *neg)
{
	struct ibuf		*rb = ibuf_dynamic(4096, 1 << 20);
	struct ibuf		 body;
	struct bgp_open		 theirs;
	struct bgp_notify	 err = {};
	uint8_t			 type;
	int			 got_open = 0, r;
	ssize_t			 n;

	for (;;) {
		void	*room = ibuf_reserve(rb, 4096);

		if (room == NULL || (n = read(fd, room, 4096)) <= 0)
			return -1;
		rb->wpos -= 4096 - n;
		while ((r = bgp_read_msg(rb, BGP_MAX_MSG, &type, &body,
		    &err)) == 1) {
			if (type == BGP_OPEN && !got_open) {
				if (bgp_open_parse(&body, &theirs, &err) == -1)
					goto bad;
				bgp_negotiate(ours, &theirs, neg);
				if (send_msg(fd, bgp_keepalive_write) == -1)
					return -1;
				got_open = 1;
			} else if (type == BGP_KEEPALIVE && got_open) {
				ibuf_free(rb);
				return 0;
			} else if (type == BGP_NOTIFICATION) {
				bgp_notification_parse(&body, &err);
				goto bad;
			}
		}
		if (r == -1)
			goto bad;
	}
bad:
	fprintf(stderr, "bgp_floor: session failed: %s\n", err.reason);
	ibuf_free(rb);
	return -1;
}

static int
check_neg(const struct bgp_neg *neg, size_t max_msg)
{
	if (!neg->addpath_tx[AID_IPV4] || !neg->as4 ||
	    bgp_msg_max(neg->max_msg) < max_msg) {
		fprintf(stderr, "bgp_floor: the peer did not agree to what was "
		    "pre-encoded: add-path send %d, 4-octet AS %d, max message "
		    "%zu < %zu (try --max-msg 4096)\n", neg->addpath_tx[AID_IPV4],
		    neg->as4, bgp_msg_max(neg->max_msg), max_msg);
		return -1;
	}
	return 0;
}

static int
send_eors(int fd, const struct bgp_neg *neg)
{
	struct ibuf	*b = ibuf_dynamic(64, BGP_MAX_MSG);
	int		 aid, r = 0;

	for (aid = 0; aid < AID_MAX; aid++)
		if (neg->mp[aid])
			r |= bgp_eor_write(b, neg, aid);
	r = r == 0 ? write_all(fd, ibuf_data(b), ibuf_size(b)) : -1;
	ibuf_free(b);
	return r;
}

/* After the blast: keepalives, SIGHUP for --react, SIGTERM to stop. */
static int
idle_loop(int fd, int sfd, uint16_t holdtime, struct ibuf *alt[2])
{
	struct signalfd_siginfo	si;
	struct pollfd		pfd[2] = { { fd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
	char			buf[65536];
	double			ka = holdtime ? holdtime / 3.0 : 30, next;
	int			hups = 0;

	next = now_real() + ka;
	for (;;) {
		poll(pfd, 2, 200);
		if (now_real() >= next) {
			if (send_msg(fd, bgp_keepalive_write) == -1)
				return -1;
			next = now_real() + ka;
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP)) &&
		    read(fd, buf, sizeof(buf)) <= 0) {
			fprintf(stderr, "bgp_floor: session closed by peer\n");
			return -1;
		}
		if (!(pfd[1].revents & POLLIN) ||
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGHUP)
			return 0;
		if (alt[0] == NULL)
			continue;
		hups++;
		if (write_all(fd, ibuf_data(alt[hups % 2]),
		    ibuf_size(alt[hups % 2])) == -1)
			return -1;
	}
}

static int
signals(void)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int
run_session(const struct floor_opts *o, struct ibuf *buf, struct ibuf *alt[2])
{
	struct bgp_open		 ours;
	struct bgp_neg		 neg = {};
	struct bgp_notify	 cease = { .code = BGP_ERR_CEASE,
				    .subcode = CEASE_ADMIN_DOWN };
	struct ibuf		*nb;
	double			 t1, t2;
	int			 fd, sfd = signals();

	our_open(o, &ours);
	if ((fd = connect_peer(o->peer)) == -1 ||
	    (nb = ibuf_dynamic(256, BGP_MAX_MSG)) == NULL ||
	    bgp_open_write(nb, &ours) == -1 ||
	    write_all(fd, ibuf_data(nb), ibuf_size(nb)) == -1 ||
	    handshake(fd, &ours, &neg) == -1 || check_neg(&neg, o->max_msg))
		return -1;
	t1 = now_real();
	fprintf(stderr, "bgp_floor: session up at %.6f\n", t1);
	if (write_all(fd, ibuf_data(buf), ibuf_size(buf)) == -1 ||
	    send_eors(fd, &neg) == -1)
		return -1;
	t2 = now_real();
	fprintf(stderr, "bgp_floor: %zu bytes written in %.3f s, End-of-RIB "
	    "sent at %.6f\n", ibuf_size(buf), t2 - t1, t2);
	if (idle_loop(fd, sfd, neg.holdtime, alt) == -1)
		return -1;
	ibuf_truncate(nb, 0);
	if (bgp_notification_write(nb, &cease) == 0)
		write_all(fd, ibuf_data(nb), ibuf_size(nb));
	ibuf_free(nb);
	close(fd);
	return 0;
}

/* ---- main ----------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: bgp_floor --local-as ASN --router-id ID "
	    "--peer ADDR --routes FILE\n"
	    "                 [--react FILE_B [--react-a FILE_A]] "
	    "[--max-msg 4096|65535] [--advertise]\n"
	    "       bgp_floor --mrt OUT --local-as ASN [--router-id ID] "
	    "--routes FILE\n");
	exit(2);
}

static void
parse_args(int argc, char **argv, struct floor_opts *o)
{
	static const struct option lo[] = {
		{ "local-as", required_argument, NULL, 'a' },
		{ "router-id", required_argument, NULL, 'i' },
		{ "peer", required_argument, NULL, 'p' },
		{ "routes", required_argument, NULL, 'r' },
		{ "react", required_argument, NULL, 'R' },
		{ "react-a", required_argument, NULL, 'B' },
		{ "mrt", required_argument, NULL, 'm' },
		{ "max-msg", required_argument, NULL, 'M' },
		{ "advertise", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct in_addr	a;
	int		ch;

	o->max_msg = BGP_EXT_MAX_MSG;
	o->router_id = 0x0a000001;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1)
		switch (ch) {
		case 'a': o->local_as = strtoul(optarg, NULL, 10); break;
		case 'i':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			o->router_id = ntohl(a.s_addr);
			break;
		case 'p': o->peer = optarg; break;
		case 'r': o->routes = optarg; break;
		case 'R': o->react = optarg; break;
		case 'B': o->react_a = optarg; break;
		case 'm': o->mrt = optarg; break;
		case 'M': o->max_msg = bgp_msg_max(strtoul(optarg, NULL, 10));
			break;
		case 'A': o->advertise = 1; break;
		default: usage();
		}
	if (o->local_as == 0 || o->routes == NULL ||
	    (o->mrt == NULL && o->peer == NULL))
		usage();
}

static struct ibuf *
load_encode(const struct floor_opts *o, const char *path,
    const struct bgp_neg *neg, int report)
{
	struct routes	*rs = calloc(1, sizeof(*rs));
	struct ibuf	*b;
	size_t		 nmsgs, i;
	double		 t0 = now_real();

	if (rs == NULL || routes_load(path, o, rs) == -1 ||
	    (b = encode_all(rs, neg, &nmsgs)) == NULL) {
		fprintf(stderr, "bgp_floor: cannot encode %s\n", path);
		exit(1);
	}
	if (report)
		fprintf(stderr, "bgp_floor: %zu paths, %zu attribute sets -> "
		    "%zu UPDATEs, %zu bytes, encoded in %.3f s before "
		    "connecting\n", rs->n, rs->nattrs, nmsgs, ibuf_size(b),
		    now_real() - t0);
	for (i = 0; i < rs->nattrs; i++)
		bgp_attrs_free(&rs->attrs[i]);
	free(rs->v);
	free(rs);
	return b;
}

int
main(int argc, char **argv)
{
	struct floor_opts	 o = {};
	struct bgp_neg		 neg = { .as4 = 1 };
	struct routes		*rs;
	struct ibuf		*buf, *alt[2] = { NULL, NULL };

	parse_args(argc, argv, &o);
	if (o.mrt != NULL) {
		if ((rs = calloc(1, sizeof(*rs))) == NULL ||
		    routes_load(o.routes, &o, rs) == -1 ||
		    write_mrt(o.mrt, &o, rs) == -1) {
			fprintf(stderr, "bgp_floor: cannot write %s\n", o.mrt);
			return 1;
		}
		return 0;
	}
	neg.mp[AID_IPV4] = 1;
	neg.addpath_tx[AID_IPV4] = 1;
	neg.ext_msg = o.max_msg > BGP_MAX_MSG;
	neg.max_msg = o.max_msg;
	buf = load_encode(&o, o.routes, &neg, 1);
	if (o.react != NULL) {
		alt[0] = load_encode(&o, o.react_a ? o.react_a : o.routes, &neg,
		    0);
		alt[1] = load_encode(&o, o.react, &neg, 0);
	}
	return run_session(&o, buf, alt) == -1 ? 1 : 0;
}
