/*
 * fib_watch: watches the kernel FIB of the network namespace it runs in,
 * for the BGP benchmarks (docs/BENCHMARKS.md).  It listens to route
 * notifications (RTNLGRP_IPV4_ROUTE) rather than dumping the table again
 * and again, so watching 100,000 routes costs little CPU next to the
 * routing daemons it measures, and the time it reports is the moment the
 * kernel told it, not the next tick of a poll.
 *
 *   fib_watch count N GW=W[,GW=W...] [TIMEOUT_S]
 *	waits until N IPv4 routes of protocol bgp each have exactly the
 *	given next-hops with the given weights; prints "done=EPOCH
 *	first=EPOCH events=N resyncs=N" (CLOCK_REALTIME, as date +%s.%N).
 *   fib_watch react PID PREFIX GWS_A GWS_B ROUNDS [FILE FILE_A FILE_B]
 *	ROUNDS times: (copy FILE_A or FILE_B onto FILE,) note the time,
 *	send SIGHUP to PID, wait for PREFIX to have the other weights;
 *	prints each delay and the median, min and max in ms.
 *   fib_watch stamp
 *	copies stdin to stdout, each line prefixed by the time it was read.
 */
#include "config.h"

#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GW_MAX		128
#define RCVBUF		(256 * 1024 * 1024)
#define RTPROT_BGP_	186

struct want {
	uint32_t	gw[GW_MAX];	/* network order */
	int		weight[GW_MAX];
	int		n;
};

struct table {			/* open addressing: prefix -> good */
	uint64_t	*key;		/* dst << 8 | len, + 1; 0: empty */
	uint8_t		*good;
	size_t		 cap, nkeys, ngood;
};

static double
now_real(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
parse_want(const char *s, struct want *w)
{
	char	buf[4096], *tok, *save = NULL, *eq;

	memset(w, 0, sizeof(*w));
	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL || w->n == GW_MAX)
			return -1;
		*eq++ = '\0';
		if (inet_pton(AF_INET, tok, &w->gw[w->n]) != 1)
			return -1;
		w->weight[w->n++] = atoi(eq);
	}
	return w->n > 0 ? 0 : -1;
}

/* ---- one route message -------------------------------------------- */

struct route {
	uint32_t	dst;
	uint8_t		len;
	uint8_t		proto;
	int		del;
	int		nnh;
	uint32_t	gw[GW_MAX];
	int		weight[GW_MAX];
};

static void
parse_multipath(struct rtattr *a, struct route *r)
{
	struct rtnexthop	*nh = RTA_DATA(a);
	int			 left = RTA_PAYLOAD(a);

	while (RTNH_OK(nh, left) && r->nnh < GW_MAX) {
		struct rtattr	*na = RTNH_DATA(nh);
		int		 alen = nh->rtnh_len - sizeof(*nh);

		r->gw[r->nnh] = 0;
		for (; RTA_OK(na, alen); na = RTA_NEXT(na, alen))
			if (na->rta_type == RTA_GATEWAY &&
			    RTA_PAYLOAD(na) == 4)
				memcpy(&r->gw[r->nnh], RTA_DATA(na), 4);
		r->weight[r->nnh++] = nh->rtnh_hops + 1;
		left -= NLMSG_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
}

/* 0: an IPv4 main-table unicast route, in r; -1: anything else. */
static int
parse_route(struct nlmsghdr *h, struct route *r)
{
	struct rtmsg	*rtm = NLMSG_DATA(h);
	struct rtattr	*a = RTM_RTA(rtm);
	int		 len = RTM_PAYLOAD(h);
	uint32_t	 table = rtm->rtm_table;

	if ((h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE) ||
	    rtm->rtm_family != AF_INET || rtm->rtm_type != RTN_UNICAST)
		return -1;
	memset(r, 0, offsetof(struct route, gw));
	r->len = rtm->rtm_dst_len;
	r->proto = rtm->rtm_protocol;
	r->del = h->nlmsg_type == RTM_DELROUTE;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		switch (a->rta_type) {
		case RTA_DST:
			memcpy(&r->dst, RTA_DATA(a), 4);
			break;
		case RTA_TABLE:
			memcpy(&table, RTA_DATA(a), 4);
			break;
		case RTA_GATEWAY:
			if (r->nnh == 0) {
				memcpy(&r->gw[0], RTA_DATA(a), 4);
				r->weight[r->nnh++] = 1;
			}
			break;
		case RTA_MULTIPATH:
			r->nnh = 0;
			parse_multipath(a, r);
			break;
		}
	return table == RT_TABLE_MAIN ? 0 : -1;
}

static int
route_matches(const struct route *r, const struct want *w)
{
	int	i, j, seen = 0;

	if (r->del || r->proto != RTPROT_BGP_ || r->nnh != w->n)
		return 0;
	for (i = 0; i < r->nnh; i++)
		for (j = 0; j < w->n; j++)
			if (r->gw[i] == w->gw[j]) {
				if (r->weight[i] != w->weight[j])
					return 0;
				seen++;
			}
	return seen == w->n;
}

/* ---- the table of good routes ------------------------------------- */

static int
table_init(struct table *t, size_t n)
{
	t->cap = 1024;
	while (t->cap < 2 * n)
		t->cap *= 2;
	t->key = calloc(t->cap, sizeof(*t->key));
	t->good = calloc(t->cap, 1);
	t->nkeys = t->ngood = 0;
	return t->key && t->good ? 0 : -1;
}

static void
table_set(struct table *t, const struct route *r, int good)
{
	uint64_t	k = ((uint64_t)r->dst << 8 | r->len) + 1;
	size_t		i = (k * 0x9e3779b97f4a7c15ULL >> 20) & (t->cap - 1);

	while (t->key[i] != 0 && t->key[i] != k)
		i = (i + 1) & (t->cap - 1);
	if (t->key[i] == 0) {
		if (!good)
			return;
		t->key[i] = k;	/* entries stay; cmd_count keeps it half empty */
		t->nkeys++;
	}
	if (t->good[i] != good) {
		t->good[i] = good;
		if (good)
			t->ngood++;
		else
			t->ngood--;
	}
}

static void
table_clear(struct table *t)
{
	memset(t->key, 0, t->cap * sizeof(*t->key));
	memset(t->good, 0, t->cap);
	t->nkeys = t->ngood = 0;
}

/* ---- netlink ------------------------------------------------------ */

static int
nl_open(unsigned groups)
{
	struct sockaddr_nl	sa = { .nl_family = AF_NETLINK };
	int			fd, sz = RCVBUF;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	sa.nl_groups = groups;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
nl_dump_request(int fd)
{
	struct {
		struct nlmsghdr	h;
		struct rtmsg	r;
	} req = {};

	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.r.rtm_family = AF_INET;
	return send(fd, &req, sizeof(req), 0) == (ssize_t)sizeof(req) ? 0 : -1;
}

typedef void (*route_fn)(const struct route *, void *);

/* Reads one batch; 1 if a dump ended, 0 otherwise, -1 on error. */
static int
nl_read(int fd, char *buf, size_t len, route_fn fn, void *arg)
{
	struct nlmsghdr	*h;
	struct route	 r;
	ssize_t		 n;
	int		 end = 0;

	if ((n = recv(fd, buf, len, 0)) == -1)
		return -1;
	for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
	    h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_DONE)
			end = 1;
		else if (h->nlmsg_type == NLMSG_ERROR) {
			errno = EPROTO;
			return -1;
		} else if (parse_route(h, &r) == 0)
			fn(&r, arg);
	}
	return end;
}

/* ---- count -------------------------------------------------------- */

struct count_ctx {
	struct table	t;
	struct want	w;
	size_t		events;
	double		first;
};

static void
count_route(const struct route *r, void *arg)
{
	struct count_ctx	*c = arg;
	int			 good = route_matches(r, &c->w);

	c->events++;
	table_set(&c->t, r, good);
	if (good && c->first == 0)
		c->first = now_real();
}

static int
dump_into(struct count_ctx *c, char *buf, size_t len)
{
	int	fd, r;

	if ((fd = nl_open(0)) == -1 || nl_dump_request(fd) == -1)
		return -1;
	while ((r = nl_read(fd, buf, len, count_route, c)) == 0)
		;
	close(fd);
	return r == 1 ? 0 : -1;
}

static int
cmd_count(int argc, char **argv)
{
	struct count_ctx	 c = {};
	size_t			 n, resyncs = 0;
	double			 deadline;
	static char		 buf[1 << 20];
	int			 fd, r;

	if (argc < 3 || parse_want(argv[2], &c.w) == -1)
		return 2;
	n = strtoul(argv[1], NULL, 10);
	deadline = now_real() + (argc > 3 ? atof(argv[3]) : 600);
	if (table_init(&c.t, n) == -1 ||
	    (fd = nl_open(1 << (RTNLGRP_IPV4_ROUTE - 1))) == -1 ||
	    dump_into(&c, buf, sizeof(buf)) == -1) {
		perror("fib_watch");
		return 1;
	}
	while (c.t.ngood < n) {
		struct pollfd	pfd = { fd, POLLIN, 0 };

		if (now_real() > deadline) {
			printf("timeout good=%zu events=%zu\n", c.t.ngood,
			    c.events);
			return 1;
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		r = nl_read(fd, buf, sizeof(buf), count_route, &c);
		if (r == -1 && errno == ENOBUFS) {	/* lost events */
			resyncs++;
			table_clear(&c.t);
			if (dump_into(&c, buf, sizeof(buf)) == -1)
				return 1;
		} else if (r == -1) {
			perror("fib_watch: recv");
			return 1;
		}
		if (c.t.nkeys >= c.t.cap / 2) {
			fprintf(stderr, "fib_watch: far more routes than %zu\n",
			    n);
			return 1;
		}
	}
	printf("done=%.6f first=%.6f events=%zu resyncs=%zu\n", now_real(),
	    c.first, c.events, resyncs);
	return 0;
}

/* ---- react -------------------------------------------------------- */

struct react_ctx {
	uint32_t		 dst;
	uint8_t			 len;
	const struct want	*w;
	int			 hit;
};

static void
react_route(const struct route *r, void *arg)
{
	struct react_ctx	*c = arg;

	if (r->dst == c->dst && r->len == c->len && route_matches(r, c->w))
		c->hit = 1;
}

static int
copy_file(const char *from, const char *to)
{
	char	tmp[4096], buf[65536];
	FILE	*in, *out;
	size_t	 n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	if ((in = fopen(from, "r")) == NULL || (out = fopen(tmp, "w")) == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	if (fclose(out) != 0)
		return -1;
	return rename(tmp, to);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Waits up to 5 s for the prefix to show weights w; ms or -1. */
static double
react_wait(int fd, struct react_ctx *c, char *buf, size_t len, double t0)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	c->hit = 0;
	while (!c->hit) {
		if (now_real() - t0 > 5)
			return -1;
		if (poll(&pfd, 1, 100) > 0 &&
		    nl_read(fd, buf, len, react_route, c) == -1 &&
		    errno != ENOBUFS)
			return -1;
	}
	return (now_real() - t0) * 1000;
}

static int
cmd_react(int argc, char **argv)
{
	struct want		 wa, wb;
	struct react_ctx	 c = {};
	static char		 buf[1 << 20];
	char			 pfx[64], *slash;
	double			 t0, ms, *v;
	int			 pid, rounds, i, fd, ok = 0;

	if (argc < 6 || parse_want(argv[3], &wa) == -1 ||
	    parse_want(argv[4], &wb) == -1)
		return 2;
	pid = atoi(argv[1]);
	snprintf(pfx, sizeof(pfx), "%s", argv[2]);
	if ((slash = strchr(pfx, '/')) == NULL)
		return 2;
	*slash++ = '\0';
	if (inet_pton(AF_INET, pfx, &c.dst) != 1)
		return 2;
	c.len = atoi(slash);
	rounds = atoi(argv[5]);
	if ((v = calloc(rounds, sizeof(*v))) == NULL ||
	    (fd = nl_open(1 << (RTNLGRP_IPV4_ROUTE - 1))) == -1)
		return 1;
	for (i = 0; i < rounds; i++) {
		/* odd rounds go to B, even ones back to A */
		c.w = i % 2 == 0 ? &wb : &wa;
		if (argc > 8 && copy_file(argv[i % 2 == 0 ? 8 : 7],
		    argv[6]) == -1) {
			perror("fib_watch: routes file");
			return 1;
		}
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;	/* drain */
		t0 = now_real();
		if (kill(pid, SIGHUP) == -1) {
			perror("fib_watch: kill");
			return 1;
		}
		ms = react_wait(fd, &c, buf, sizeof(buf), t0);
		printf("round %d: %.2f ms\n", i + 1, ms);
		if (ms >= 0)
			v[ok++] = ms;
		/* 200-400 ms apart, not in step with FRR's own timers */
		usleep(200000 + random() % 200000);
	}
	if (ok == 0) {
		printf("no round saw the change\n");
		return 1;
	}
	qsort(v, ok, sizeof(*v), dbl_cmp);
	printf("rounds=%d ok=%d median=%.2f min=%.2f max=%.2f\n", rounds, ok,
	    ok % 2 ? v[ok / 2] : (v[ok / 2 - 1] + v[ok / 2]) / 2, v[0],
	    v[ok - 1]);
	return ok == rounds ? 0 : 1;
}

/* ---- stamp -------------------------------------------------------- */

static int
cmd_stamp(void)
{
	char	line[8192];

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin) != NULL)
		printf("%.6f %s", now_real(), line);
	return 0;
}

int
main(int argc, char **argv)
{
	int	r = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	srandom(getpid());
	if (argc > 1 && strcmp(argv[1], "count") == 0)
		r = cmd_count(argc - 1, argv + 1);
	else if (argc > 1 && strcmp(argv[1], "react") == 0)
		r = cmd_react(argc - 1, argv + 1);
	else if (argc > 1 && strcmp(argv[1], "stamp") == 0)
		r = cmd_stamp();
	if (r == 2)
		fprintf(stderr, "usage: fib_watch count N GW=W[,GW=W...] "
		    "[TIMEOUT_S]\n"
		    "       fib_watch react PID PREFIX GWS_A GWS_B ROUNDS "
		    "[FILE FILE_A FILE_B]\n"
		    "       fib_watch stamp\n");
	return r;
}
