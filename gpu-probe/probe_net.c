/*
 * UDP sockets for fabric-probe (probe_net.h).  Everything is
 * non-blocking; a caller reads until 0 / EAGAIN.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "probe_net.h"

/*
 * A non-blocking UDP socket bound to *bind (port 0: any).  Returns the
 * descriptor, or -1 with errno (EADDRINUSE when the port is taken).
 */
int
net_socket(const struct sockaddr_in *bind_to, int flags)
{
	int	 fd, on = 1, saved;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (((flags & NET_F_RECVERR) &&
	    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)) == -1) ||
	    ((flags & NET_F_NOCSUM) &&
	    setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &on, sizeof(on)) == -1) ||
	    bind(fd, (const struct sockaddr *)bind_to, sizeof(*bind_to)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * An ICMP error that the kernel also left in sk_err (IP_RECVERR sets it):
 * the next send or receive returns it once, instead of doing its job.
 * The error itself is read from the error queue; the call is retried.
 */
static int
soft_error(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	    e == EHOSTDOWN || e == EPROTO || e == EMSGSIZE;
}

/*
 * Sends one datagram; ttl > 0 is its IP TTL (ancillary data: the socket's
 * own TTL is left as it is, for the datagrams after it).  0 or -1.
 */
int
net_send(int fd, const void *buf, size_t len, const struct sockaddr_in *to,
    int ttl)
{
	union {
		struct cmsghdr	 h;
		uint8_t		 b[CMSG_SPACE(sizeof(int))];
	}			 cb;
	struct iovec		 iov = { (void *)(uintptr_t)buf, len };
	struct msghdr		 mh = { .msg_name = (void *)(uintptr_t)to,
				    .msg_namelen = sizeof(*to),
				    .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr		*c;

	if (ttl > 0) {
		memset(&cb, 0, sizeof(cb));
		mh.msg_control = cb.b;
		mh.msg_controllen = sizeof(cb.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_TTL;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ttl, sizeof(ttl));
	}
	if (sendmsg(fd, &mh, 0) != -1)
		return 0;
	if (!soft_error(errno) || sendmsg(fd, &mh, 0) == -1)
		return -1;
	return 0;
}

/* One datagram into buf: its length, 0 when none waits, -1 on error. */
ssize_t
net_recv(int fd, void *buf, size_t len, struct sockaddr_in *from)
{
	socklen_t	 fl;
	ssize_t		 n;
	int		 tries = 0;

	do {
		fl = sizeof(*from);
		n = recvfrom(fd, buf, len, MSG_TRUNC, (struct sockaddr *)from,
		    &fl);
	} while (n == -1 && soft_error(errno) && ++tries < 4);
	if (n == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK ||
		    soft_error(errno)) ? 0 : -1;
	if (fl != sizeof(*from) || from->sin_family != AF_INET)
		return 0;
	if ((size_t)n > len)	/* longer than any probe: truncated */
		n = (ssize_t)len + 1;
	return n;
}

static int
take_ee(struct msghdr *mh, struct net_icmp *ic)
{
	struct cmsghdr		 *cm;
	struct sock_extended_err *ee;
	struct sockaddr_in	 *off;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != IPPROTO_IP || cm->cmsg_type != IP_RECVERR)
			continue;
		ee = (struct sock_extended_err *)(void *)CMSG_DATA(cm);
		off = (struct sockaddr_in *)(void *)SO_EE_OFFENDER(ee);
		ic->origin = ee->ee_origin;
		ic->type = ee->ee_type;
		ic->code = ee->ee_code;
		memset(&ic->offender, 0, sizeof(ic->offender));
		if (off->sin_family == AF_INET)
			ic->offender = *off;
		return 1;
	}
	return 0;
}

/*
 * One queued error: the quoted datagram (our probe as we sent it, from
 * its UDP payload on) into buf and the ICMP details into *ic.  1 when one
 * was read, 0 when none waits, -1 on error.
 */
int
net_recv_err(int fd, void *buf, size_t len, struct net_icmp *ic)
{
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[512];
	}		 ctl;
	struct sockaddr_in to;
	struct iovec	 iov = { .iov_base = buf, .iov_len = len };
	struct msghdr	 mh = { .msg_name = &to, .msg_namelen = sizeof(to),
			    .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	ssize_t		 n;

	if ((n = recvmsg(fd, &mh, MSG_ERRQUEUE)) == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	*ic = (struct net_icmp){ .len = (size_t)n };
	(void)take_ee(&mh, ic);	/* without one: origin 0, no offender */
	return 1;
}

/* "A.B.C.D" into *sin with port; -1 if it is not an IPv4 address. */
int
net_parse_addr(const char *s, struct sockaddr_in *sin, uint16_t port)
{
	*sin = (struct sockaddr_in){ .sin_family = AF_INET,
	    .sin_port = htons(port) };
	return inet_pton(AF_INET, s, &sin->sin_addr) == 1 ? 0 : -1;
}

/* "A.B.C.D/LEN" (or a bare address, /32) into network-order addr, mask. */
int
net_parse_prefix(const char *s, uint32_t *addr, uint32_t *mask)
{
	char		 buf[INET_ADDRSTRLEN + 4], *slash, *end;
	struct in_addr	 a;
	long		 len = 32;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		errno = 0;
		len = strtol(slash, &end, 10);
		if (errno || *end || end == slash || len < 0 || len > 32)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*mask = len == 0 ? 0 : htonl(~0U << (32 - len));
	*addr = a.s_addr & *mask;
	return 0;
}

const char *
net_ntoa(uint32_t addr, char *buf, size_t len)
{
	struct in_addr	 a = { .s_addr = addr };

	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}
