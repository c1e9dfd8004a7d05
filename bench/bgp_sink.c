/*
 * bgp_sink: many cheap BGP peers in one process, for measuring a speaker
 * with that many real sessions (bench/bgp_memory_bench.sh) where as many
 * FRR instances would not fit.  It accepts every connection on port 179,
 * answers OPEN with an OPEN of its own (the same AS: iBGP; router-id = the
 * local address the peer connected to, so 127.1.0.1 ... 127.1.0.64 are 64
 * peers; ADD-PATH receive, 4-octet AS, extended messages) and a
 * KEEPALIVE, then counts the IPv4 NLRI of every UPDATE (classic NLRI
 * field, ADD-PATH encoding) and throws the bytes away.  When PEERS
 * sessions have each sent End-of-RIB it prints "all EPOCH PATHS" and
 * keeps the sessions up until SIGTERM.  READ_DELAY_US makes it a slow
 * peer: it sleeps that long after every read of up to 64 KiB, and keeps
 * its receive buffer at 64 KiB so the speaker's writes come back short.
 * BGP_SINK_DUMP=FILE: what 127.1.0.1 receives is copied to FILE.
 *
 * usage: bgp_sink PEERS [READ_DELAY_US]
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bgp.h"
#include "ibuf.h"

#define CONNS_MAX	1024
#define RBUF_MAX	(4 * BGP_EXT_MAX_MSG)

struct conn {
	int		 fd;
	struct ibuf	*rb;
	int		 established, eor, addpath;
	uint32_t	 local_id;	/* host order */
	uint64_t	 paths;
};

static long read_delay_us;
static FILE *dump;		/* BGP_SINK_DUMP: the first session's bytes */

static double
now_real(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
send_buf(int fd, struct ibuf *b)
{
	const uint8_t	*p = ibuf_data(b);
	size_t		 left = ibuf_size(b);
	ssize_t		 n;

	while (left > 0) {
		if ((n = write(fd, p, left)) == -1) {
			if (errno == EAGAIN || errno == EINTR) {
				struct pollfd pfd = { fd, POLLOUT, 0 };

				poll(&pfd, 1, 1000);
				continue;
			}
			return -1;
		}
		p += n;
		left -= n;
	}
	return 0;
}

static int
answer_open(struct conn *c, struct ibuf *body)
{
	struct bgp_open		 theirs, ours = {};
	struct bgp_notify	 err = {};
	struct bgp_neg		 neg;
	struct ibuf		*b;
	int			 r;

	if (bgp_open_parse(body, &theirs, &err) == -1) {
		fprintf(stderr, "bgp_sink: bad OPEN: %s\n", err.reason);
		return -1;
	}
	ours.version = BGP_VERSION;
	ours.holdtime = 90;
	ours.bgp_id = c->local_id;
	ours.caps.as4 = theirs.caps.as4 ? theirs.caps.as4 : theirs.as2;
	ours.caps.mp[AID_IPV4] = ours.caps.mp[AID_IPV6] = 1;
	ours.caps.addpath[AID_IPV4] = ours.caps.addpath[AID_IPV6] =
	    ADDPATH_RECV;
	ours.caps.route_refresh = 1;
	ours.caps.ext_msg = 1;
	bgp_negotiate(&ours, &theirs, &neg);
	c->addpath = neg.addpath_rx[AID_IPV4];
	if ((b = ibuf_dynamic(256, BGP_MAX_MSG)) == NULL)
		return -1;
	r = bgp_open_write(b, &ours) == 0 && bgp_keepalive_write(b) == 0 ?
	    send_buf(c->fd, b) : -1;
	ibuf_free(b);
	return r;
}

/* Counts the NLRI of an UPDATE body; End-of-RIB is an empty one. */
static void
count_update(struct conn *c, struct ibuf *body)
{
	uint16_t	wlen, alen;
	uint8_t		plen;

	if (ibuf_size(body) == 4) {
		c->eor = 1;
		return;
	}
	if (ibuf_get_n16(body, &wlen) == -1 || ibuf_skip(body, wlen) == -1 ||
	    ibuf_get_n16(body, &alen) == -1 || ibuf_skip(body, alen) == -1)
		return;
	while (ibuf_size(body) > 0) {
		if ((c->addpath && ibuf_skip(body, 4) == -1) ||
		    ibuf_get_n8(body, &plen) == -1 ||
		    ibuf_skip(body, (plen + 7) / 8) == -1)
			return;
		c->paths++;
	}
}

static int
conn_read(struct conn *c)
{
	struct bgp_notify	 err = {};
	struct ibuf		 body;
	uint8_t			 type;
	void			*room;
	ssize_t			 n;
	int			 r;

	if ((room = ibuf_reserve(c->rb, BGP_EXT_MAX_MSG)) == NULL)
		return -1;
	n = read(c->fd, room, BGP_EXT_MAX_MSG);
	c->rb->wpos -= BGP_EXT_MAX_MSG - (n > 0 ? n : 0);
	if (read_delay_us > 0)
		usleep(read_delay_us);
	if (dump != NULL && c->local_id == 0x7f010001U && n > 0)
		fwrite(room, 1, n, dump);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	while ((r = bgp_read_msg(c->rb, BGP_EXT_MAX_MSG, &type, &body,
	    &err)) == 1) {
		if (type == BGP_OPEN && answer_open(c, &body) == -1)
			return -1;
		if (type == BGP_KEEPALIVE)
			c->established = 1;
		if (type == BGP_UPDATE)
			count_update(c, &body);
		if (type == BGP_NOTIFICATION)
			return -1;
	}
	if (r == -1)
		return -1;
	n = ibuf_size(c->rb);		/* keep only a partial message */
	memmove(c->rb->buf, ibuf_data(c->rb), n);
	c->rb->rpos = 0;
	c->rb->wpos = n;
	return 0;
}

static int
listen_179(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET,
				    .sin_port = htons(BGP_PORT) };
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, CONNS_MAX) == -1)
		return -1;
	return fd;
}

static void
accept_one(int lfd, struct conn *conns, size_t *n)
{
	struct sockaddr_in	local;
	socklen_t		len = sizeof(local);
	int			fd;

	if ((fd = accept(lfd, NULL, NULL)) == -1)
		return;
	if (*n == CONNS_MAX ||
	    getsockname(fd, (struct sockaddr *)&local, &len) == -1) {
		close(fd);
		return;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (read_delay_us > 0) {
		int	sz = 64 * 1024;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	memset(&conns[*n], 0, sizeof(conns[*n]));
	conns[*n].fd = fd;
	conns[*n].local_id = ntohl(local.sin_addr.s_addr);
	conns[*n].rb = ibuf_dynamic(BGP_EXT_MAX_MSG, RBUF_MAX);
	(*n)++;
}

static void
keepalives(struct conn *conns, size_t n)
{
	struct ibuf	*b = ibuf_dynamic(64, BGP_MAX_MSG);
	size_t		 i;

	if (b == NULL || bgp_keepalive_write(b) == -1)
		return;
	for (i = 0; i < n; i++)
		if (conns[i].fd != -1 && conns[i].established)
			send_buf(conns[i].fd, b);
	ibuf_free(b);
}

static void
report(struct conn *conns, size_t n, size_t want, int *done)
{
	size_t		i, eors = 0;
	uint64_t	paths = 0;

	for (i = 0; i < n; i++) {
		eors += conns[i].eor;
		paths += conns[i].paths;
	}
	if (!*done && eors >= want) {
		printf("all %.6f %llu\n", now_real(), (unsigned long long)paths);
		fflush(stdout);
		*done = 1;
	}
}

int
main(int argc, char **argv)
{
	static struct conn	 conns[CONNS_MAX];
	static struct pollfd	 pfd[CONNS_MAX + 1];
	size_t			 n = 0, i, want;
	double			 next_ka;
	int			 lfd, done = 0;

	if (argc < 2 || argc > 3 ||
	    (want = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: bgp_sink PEERS [READ_DELAY_US]\n");
		return 2;
	}
	if (argc == 3)
		read_delay_us = strtol(argv[2], NULL, 10);
	if (getenv("BGP_SINK_DUMP") != NULL)
		dump = fopen(getenv("BGP_SINK_DUMP"), "w");
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = listen_179()) == -1) {
		perror("bgp_sink: port 179");
		return 1;
	}
	next_ka = now_real() + 30;
	for (;;) {
		pfd[0] = (struct pollfd){ lfd, POLLIN, 0 };
		for (i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){ conns[i].fd, POLLIN, 0 };
		poll(pfd, n + 1, 1000);
		if (pfd[0].revents & POLLIN)
			accept_one(lfd, conns, &n);
		for (i = 0; i < n; i++)
			if (conns[i].fd != -1 && (pfd[i + 1].revents &
			    (POLLIN | POLLHUP | POLLERR)) &&
			    conn_read(&conns[i]) == -1) {
				close(conns[i].fd);
				conns[i].fd = -1;
			}
		report(conns, n, want, &done);
		if (done && dump != NULL)
			fflush(dump);
		if (now_real() >= next_ka) {
			keepalives(conns, n);
			next_ka = now_real() + 30;
		}
	}
}
