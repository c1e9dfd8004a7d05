/*
 * bgp_raw: a scriptable, deliberately dumb BGP peer for the lab tests.
 *
 * It connects from a chosen source address (which bash's /dev/tcp cannot
 * do), writes the bytes the test gives it and prints every BGP message
 * that comes back as hex, one line each, so that a shell script can judge
 * the speaker's answers octet by octet.  It never interprets what it
 * sends: malformed messages are the point.
 *
 * Commands, one a line on stdin:
 *   send HEX...          write these octets (spaces between groups allowed)
 *   wait MS              read for MS milliseconds before the next command
 *   waitfor TEXT MS      read until a printed line contains TEXT, the
 *                        connection closes, or MS milliseconds pass
 *   close                close the connection and exit
 * At the end of stdin it reads until the speaker closes or -t passes.
 *
 * Output, one a line:
 *   msg TYPE LENGTH HEX  a whole BGP message (HEX: header included)
 *   garbage HEX          octets that do not frame as BGP
 *   partial HEX          an incomplete message when the connection ended
 *   closed-by-peer       the speaker closed (FIN)
 *   reset-by-peer        the speaker reset the connection
 *   closed-by-us         the connection was still open at "close"/the end
 *   timeout TEXT         "waitfor" gave up
 *   error TEXT           a local failure (connect refused, bad hex...)
 *
 * -n N: N times connect and close at once (-R: by reset), then print
 * "cycles N connected M"; nothing is sent.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BGP_HDR		19
#define RBUF_SIZE	(4 * 65536)
#define LINE_MAX_LEN	(2 * 65536 + 64)
#define KEEPALIVE_HEX	"ffffffffffffffffffffffffffffffff001304"

struct raw {
	int		 fd;		/* -1: closed */
	uint8_t		 rbuf[RBUF_SIZE];
	size_t		 rlen;
	char		*in;		/* stdin, not yet executed */
	size_t		 inlen, incap;
	int		 in_eof;
	int64_t		 wait_until;	/* ms; "wait" or "waitfor" */
	const char	*waitfor;	/* text the next line must contain */
	char		 waitfor_buf[256];
	int		 waitfor_hit;
	int64_t		 keepalive_ms;	/* -k; 0: off */
	int64_t		 keepalive_at;
};

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bgp_raw [-s SOURCE] [-t MS] [-k SECONDS] "
	    "[-n COUNT [-R]] ADDRESS PORT\n");
	exit(2);
}

/* Prints one output line; "waitfor" looks at every line. */
static void
out_line(struct raw *r, const char *kind, const uint8_t *p, size_t n)
{
	static char	 line[LINE_MAX_LEN];
	size_t		 off, i;

	off = (size_t)snprintf(line, sizeof(line), "%s", kind);
	for (i = 0; i < n && off + 3 < sizeof(line); i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off,
		    "%s%02x", i == 0 ? " " : "", p[i]);
	printf("%s\n", line);
	if (r->waitfor != NULL && strstr(line, r->waitfor) != NULL)
		r->waitfor_hit = 1;
}

static void
out_msgs(struct raw *r)
{
	char	kind[32];
	size_t	len, done = 0;

	while (r->rlen - done >= BGP_HDR) {
		len = (size_t)r->rbuf[done + 16] << 8 | r->rbuf[done + 17];
		if (len < BGP_HDR) {
			out_line(r, "garbage", r->rbuf + done, r->rlen - done);
			done = r->rlen;
			break;
		}
		if (r->rlen - done < len)
			break;
		snprintf(kind, sizeof(kind), "msg %u %zu",
		    r->rbuf[done + 18], len);
		out_line(r, kind, r->rbuf + done, len);
		done += len;
	}
	memmove(r->rbuf, r->rbuf + done, r->rlen - done);
	r->rlen -= done;
}

static void
conn_gone(struct raw *r, const char *how)
{
	if (r->rlen > 0)
		out_line(r, "partial", r->rbuf, r->rlen);
	r->rlen = 0;
	out_line(r, how, NULL, 0);
	close(r->fd);
	r->fd = -1;
}

static void
sock_read(struct raw *r)
{
	ssize_t	n;

	if (r->rlen == sizeof(r->rbuf)) {
		out_line(r, "garbage", r->rbuf, r->rlen);
		r->rlen = 0;
	}
	n = read(r->fd, r->rbuf + r->rlen, sizeof(r->rbuf) - r->rlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		conn_gone(r, errno == ECONNRESET ? "reset-by-peer" :
		    "error read");
		return;
	}
	if (n == 0) {
		conn_gone(r, "closed-by-peer");
		return;
	}
	r->rlen += (size_t)n;
	out_msgs(r);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Writes all of it, blocking: the messages are small. */
static void
sock_send_hex(struct raw *r, const char *hex)
{
	static uint8_t	 buf[65536 + 64];
	size_t		 n = 0, off = 0;
	ssize_t		 w;
	int		 hi, lo;

	while (*hex != '\0') {
		if (*hex == ' ' || *hex == '\t') {
			hex++;
			continue;
		}
		if ((hi = hexval(hex[0])) == -1 || hex[1] == '\0' ||
		    (lo = hexval(hex[1])) == -1 || n == sizeof(buf)) {
			printf("error bad hex\n");
			exit(2);
		}
		buf[n++] = (uint8_t)(hi << 4 | lo);
		hex += 2;
	}
	if (r->fd == -1) {
		printf("error send: not connected\n");
		return;
	}
	while (off < n) {
		w = write(r->fd, buf + off, n - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			printf("error send: %s\n", strerror(errno));
			return;
		}
		off += (size_t)w;
	}
}

/* Runs the commands that are complete; 1: "close" seen. */
static int
run_commands(struct raw *r)
{
	char	*nl, *line, text[256];
	long	 ms;

	while (now_ms() >= r->wait_until && r->inlen > 0 &&
	    (nl = memchr(r->in, '\n', r->inlen)) != NULL) {
		*nl = '\0';
		line = r->in;
		if (strncmp(line, "send ", 5) == 0)
			sock_send_hex(r, line + 5);
		else if (sscanf(line, "wait %ld", &ms) == 1)
			r->wait_until = now_ms() + ms;
		else if (sscanf(line, "waitfor %255s %ld", text, &ms) == 2) {
			snprintf(r->waitfor_buf, sizeof(r->waitfor_buf), "%s",
			    text);
			r->waitfor = r->waitfor_buf;
			r->waitfor_hit = 0;
			r->wait_until = now_ms() + ms;
		} else if (strcmp(line, "close") == 0)
			return 1;
		else if (line[0] != '\0' && line[0] != '#') {
			printf("error unknown command '%s'\n", line);
			exit(2);
		}
		r->inlen -= (size_t)(nl + 1 - r->in);
		memmove(r->in, nl + 1, r->inlen);
	}
	return 0;
}

static void
stdin_read(struct raw *r)
{
	ssize_t	n;

	if (r->incap - r->inlen < 65536) {
		r->incap = r->incap * 2 + 65536;
		if ((r->in = realloc(r->in, r->incap)) == NULL) {
			printf("error out of memory\n");
			exit(1);
		}
	}
	n = read(0, r->in + r->inlen, r->incap - r->inlen);
	if (n == -1 && errno == EINTR)
		return;
	if (n <= 0) {
		r->in_eof = 1;
		/* a last line without its newline still counts */
		if (r->inlen > 0 && r->in[r->inlen - 1] != '\n')
			r->in[r->inlen++] = '\n';
		return;
	}
	r->inlen += (size_t)n;
}

static int
open_conn(const char *src, const char *addr, const char *port,
    int quiet)
{
	struct sockaddr_in	 sa = { .sin_family = AF_INET }, ss = sa;
	struct timeval		 tv = { 5, 0 };
	int			 fd;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    (src != NULL && inet_pton(AF_INET, src, &ss.sin_addr) != 1)) {
		printf("error bad address\n");
		exit(2);
	}
	sa.sin_port = htons((uint16_t)atoi(port));
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((src != NULL && bind(fd, (struct sockaddr *)&ss,
	    sizeof(ss)) == -1) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		if (!quiet)
			printf("error connect: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
cycles(const char *src, const char *addr, const char *port, long n,
    int rst)
{
	struct linger	lg = { 1, 0 };
	long		i, ok = 0;
	int		fd;

	for (i = 0; i < n; i++) {
		if ((fd = open_conn(src, addr, port, 1)) == -1)
			continue;
		ok++;
		if (rst)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
	printf("cycles %ld connected %ld\n", n, ok);
	return ok == n ? 0 : 1;
}

static void
keepalive_tick(struct raw *r, int64_t now)
{
	if (r->keepalive_ms == 0 || r->fd == -1 || now < r->keepalive_at)
		return;
	sock_send_hex(r, KEEPALIVE_HEX);
	r->keepalive_at = now + r->keepalive_ms;
}

/* How long poll may sleep: until the next wait ends, keepalive, or end. */
static int
poll_timeout(struct raw *r, int64_t end)
{
	int64_t	now = now_ms(), next = end;

	if (r->wait_until > now && r->wait_until < next)
		next = r->wait_until;
	if (r->keepalive_ms && r->fd != -1 && r->keepalive_at < next)
		next = r->keepalive_at;
	if (next == INT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

/* "waitfor" ends when its text was seen, the connection closed, or time
 * ran out (then it says so). */
static void
waitfor_check(struct raw *r)
{
	if (r->waitfor == NULL)
		return;
	if (!r->waitfor_hit && r->fd != -1 && now_ms() < r->wait_until)
		return;
	if (!r->waitfor_hit)
		printf("timeout %s\n", r->waitfor);
	r->waitfor = NULL;
	r->wait_until = 0;
}

static void
session(struct raw *r, long timeout_ms)
{
	struct pollfd	 pfd[2];
	int64_t		 end = INT64_MAX, now;
	nfds_t		 n;

	for (;;) {
		waitfor_check(r);
		if (run_commands(r))
			break;
		now = now_ms();
		keepalive_tick(r, now);
		if (r->in_eof && r->inlen == 0 && now >= r->wait_until) {
			if (r->fd == -1)
				return;
			if (end == INT64_MAX)
				end = now + timeout_ms;
			if (now >= end)
				break;
		}
		n = 0;
		if (r->fd != -1)
			pfd[n++] = (struct pollfd){ r->fd, POLLIN, 0 };
		if (!r->in_eof)
			pfd[n++] = (struct pollfd){ 0, POLLIN, 0 };
		if (poll(pfd, n, poll_timeout(r, end)) == -1 && errno != EINTR)
			break;
		for (nfds_t i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == 0)
				stdin_read(r);
			else if (r->fd != -1)
				sock_read(r);
		}
	}
	if (r->fd != -1) {
		out_line(r, "closed-by-us", NULL, 0);
		close(r->fd);
		r->fd = -1;
	}
}

int
main(int argc, char **argv)
{
	static struct raw	 r;
	const char		*src = NULL;
	long			 timeout_ms = 3000, count = 0;
	int			 ch, rst = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "s:t:k:n:R")) != -1)
		switch (ch) {
		case 's': src = optarg; break;
		case 't': timeout_ms = atol(optarg); break;
		case 'k': r.keepalive_ms = atol(optarg) * 1000; break;
		case 'n': count = atol(optarg); break;
		case 'R': rst = 1; break;
		default: usage();
		}
	if (argc - optind != 2)
		usage();
	if (count > 0)
		return cycles(src, argv[optind], argv[optind + 1], count, rst);
	if ((r.fd = open_conn(src, argv[optind], argv[optind + 1], 0)) == -1)
		return 1;
	r.keepalive_at = now_ms() + r.keepalive_ms;
	session(&r, timeout_ms);
	free(r.in);
	return 0;
}
