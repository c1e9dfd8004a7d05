/*
 * fabric-inject's SIGHUP: the real binary against a peer played here
 * over loopback.  After a reload only what changed in the file goes out
 * (a weight, one path's community, a prefix gone), the prefixes whose
 * lines are the same are not planned again (its -v log says how many),
 * and a reload of the same file sends nothing.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bgp.h"
#include "ibuf.h"

#define NPFX		40
#define QUIET_MS	700	/* no UPDATE for this long: all was sent */

struct peer {
	int		 fd;
	struct ibuf	*rbuf;
	struct bgp_neg	 neg;
	pid_t		 pid;
	char		 routes[64], log[80];
	size_t		 nann, nwd, msgs;
	struct bgp_prefix ann[4 * NPFX], wd[4 * NPFX];
	int		 eor;
};

static void
write_routes(const char *path, int variant)
{
	FILE	*fp = fopen(path, "w");
	int	 i;

	assert_non_null(fp);
	for (i = 0; i < NPFX; i++) {
		if (variant == 1 && i == 2)
			continue;				/* gone */
		fprintf(fp, "10.9.%d.0/24 192.0.2.1 %d\n", i,
		    variant == 1 && i == 0 ? 3 : 1);		/* weight */
		fprintf(fp, "10.9.%d.0/24 192.0.2.2 %d%s\n", i,
		    variant == 1 && i == 0 ? 1 : 3,
		    variant == 1 && i == 1 ? " 65001:7" : "");	/* community */
	}
	assert_int_equal(fclose(fp), 0);
}

/* One message, or 0 after timeout_ms without one. */
static int
next_msg(struct peer *p, uint8_t *type, struct ibuf *body, int timeout_ms)
{
	struct bgp_notify	*err = calloc(1, sizeof(*err));
	struct pollfd		 pfd = { p->fd, POLLIN, 0 };
	void			*room;
	ssize_t			 n;
	int			 r;

	for (;;) {
		if ((r = bgp_read_msg(p->rbuf, BGP_EXT_MAX_MSG, type, body,
		    err)) != 0)
			break;
		/* what was read stays where it is: compact first */
		memmove(p->rbuf->buf, ibuf_data(p->rbuf), ibuf_size(p->rbuf));
		p->rbuf->wpos = ibuf_size(p->rbuf);
		p->rbuf->rpos = 0;
		if (poll(&pfd, 1, timeout_ms) == 0) {
			r = 0;
			break;
		}
		assert_non_null(room = ibuf_reserve(p->rbuf, 65536));
		n = read(p->fd, room, 65536);
		assert_true(n > 0);
		p->rbuf->wpos -= 65536 - n;
	}
	assert_int_not_equal(r, -1);
	free(err);
	return r;
}

static void
handshake(struct peer *p)
{
	struct bgp_open		 theirs, ours = { .version = BGP_VERSION,
				    .holdtime = 90, .bgp_id = 0x0a000002 };
	struct bgp_notify	*err = calloc(1, sizeof(*err));
	struct ibuf		*out = ibuf_dynamic(64, 4096), body;
	uint8_t			 type;

	assert_int_equal(next_msg(p, &type, &body, 10000), 1);
	assert_int_equal(type, BGP_OPEN);
	assert_int_equal(bgp_open_parse(&body, &theirs, err), 0);
	ours.caps.as4 = 65001;
	ours.caps.mp[AID_IPV4] = 1;
	ours.caps.addpath[AID_IPV4] = ADDPATH_RECV;
	ours.caps.ext_msg = 1;
	ours.caps.route_refresh = 1;
	bgp_negotiate(&ours, &theirs, &p->neg);
	assert_true(p->neg.addpath_rx[AID_IPV4]);
	assert_int_equal(bgp_open_write(out, &ours), 0);
	assert_int_equal(bgp_keepalive_write(out), 0);
	assert_int_equal(write(p->fd, ibuf_data(out), ibuf_size(out)),
	    (ssize_t)ibuf_size(out));
	ibuf_free(out);
	free(err);
}

/* UPDATEs until End-of-RIB (initial) or QUIET_MS of silence. */
static void
collect(struct peer *p, int until_eor)
{
	struct bgp_update	 u;
	struct bgp_notify	*err = calloc(1, sizeof(*err));
	struct ibuf		 body;
	uint8_t			 type;
	size_t			 i;

	p->nann = p->nwd = p->msgs = 0;
	p->eor = 0;
	while (!(until_eor && p->eor) &&
	    next_msg(p, &type, &body, until_eor ? 10000 : QUIET_MS) == 1) {
		if (type == BGP_KEEPALIVE)
			continue;
		assert_int_equal(type, BGP_UPDATE);
		assert_int_equal(bgp_update_parse(&body, &p->neg, &u, err), 0);
		p->msgs++;
		p->eor |= u.eor;
		for (i = 0; i < u.nnlri && p->nann < 4 * NPFX; i++)
			p->ann[p->nann++] = u.nlri[i];
		for (i = 0; i < u.nwithdrawn && p->nwd < 4 * NPFX; i++)
			p->wd[p->nwd++] = u.withdrawn[i];
		bgp_update_free(&u);
	}
	free(err);
}

static void
start(struct peer *p)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sin);
	struct pollfd		 pfd;
	char			 peer[64];
	int			 lfd, logfd;

	snprintf(p->routes, sizeof(p->routes), "/tmp/test_bgp_reload.%d",
	    (int)getpid());
	snprintf(p->log, sizeof(p->log), "%s.log", p->routes);
	write_routes(p->routes, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", ntohs(sin.sin_port));
	assert_true((p->pid = fork()) != -1);
	if (p->pid == 0) {
		logfd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(logfd, 2);
		execl(INJECT_BIN, "fabric-inject", "-v", "--local-as", "65001",
		    "--router-id", "10.0.0.1", "--peer", peer, "--routes",
		    p->routes, (char *)NULL);
		_exit(127);
	}
	pfd = (struct pollfd){ lfd, POLLIN, 0 };
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_true((p->fd = accept(lfd, NULL, NULL)) != -1);
	close(lfd);
	assert_non_null(p->rbuf = ibuf_dynamic(65536, 4 * 65536));
	handshake(p);
}

/* The last "N of M prefixes unchanged" of the log, as N. */
static long
unchanged(const struct peer *p, long *of)
{
	FILE	*fp = fopen(p->log, "r");
	char	 line[512];
	long	 n = -1;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, "prefixes unchanged") != NULL)
			assert_int_equal(sscanf(strrchr(line, ':') + 1,
			    "%ld of %ld", &n, of), 2);
	fclose(fp);
	return n;
}

static void
reload(struct peer *p)
{
	assert_int_equal(kill(p->pid, SIGHUP), 0);
	collect(p, 0);
}

/* Also when a check failed half-way: no fabric-inject is left running. */
static int
teardown(void **state)
{
	struct peer	*p = *state;

	if (p == NULL)
		return 0;
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	if (p->fd > 0)
		close(p->fd);
	ibuf_free(p->rbuf);
	if (p->routes[0] != '\0') {
		unlink(p->routes);
		unlink(p->log);
	}
	free(p);
	return 0;
}

static void
test_reload_sends_only_changes(void **state)
{
	struct peer	*p = calloc(1, sizeof(*p));
	size_t		 i;
	long		 of = 0;
	int		 status;

	assert_non_null(p);
	*state = p;
	start(p);
	collect(p, 1);
	assert_true(p->eor);
	assert_int_equal(p->nann, 2 * NPFX);

	write_routes(p->routes, 1);
	reload(p);
	/* 10.9.0: both weights; 10.9.1: the path with the community */
	assert_int_equal(p->nann, 3);
	for (i = 0; i < p->nann; i++) {
		assert_int_equal(p->ann[i].addr.v4.s_addr & htonl(0xffffff00),
		    htonl(0x0a090000 + (i < 2 ? 0 : 1) * 256) &
		    htonl(0xffffff00));
	}
	assert_int_equal(p->nwd, 2);		/* 10.9.2 */
	for (i = 0; i < p->nwd; i++)
		assert_int_equal(p->wd[i].addr.v4.s_addr, htonl(0x0a090200));
	assert_int_equal(unchanged(p, &of), NPFX - 3);
	assert_int_equal(of, NPFX - 1);

	reload(p);				/* the same file again */
	assert_int_equal(p->msgs, 0);
	assert_int_equal(unchanged(p, &of), NPFX - 1);
	assert_int_equal(of, NPFX - 1);

	write_routes(p->routes, 0);		/* and back */
	reload(p);
	assert_int_equal(p->nann, 2 + 1 + 2);
	assert_int_equal(p->nwd, 0);
	assert_int_equal(unchanged(p, &of), NPFX - 3);

	assert_int_equal(kill(p->pid, SIGTERM), 0);
	assert_int_equal(waitpid(p->pid, &status, 0), p->pid);
	p->pid = 0;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_reload_sends_only_changes,
		    teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
