/*
 * The responder: parses every datagram to the probe port, counts what it
 * refuses by reason, and echoes each acceptable probe as a short reply
 * (no payload, so that a reflected flood is smaller than its cause).  A
 * reply says whether the probe's payload verified (PROBE_F_CORRUPT), so
 * that the sender counts forward-path corruption as such, never as loss.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "fabric_probe.h"
#include "log.h"
#include "probe_net.h"

#define RESP_BURST	256	/* datagrams per wake-up, then poll again */

int
resp_open(struct fp *fp)
{
	struct sockaddr_in	 sin = fp->conf.bind;
	char			 a[INET_ADDRSTRLEN];

	sin.sin_port = htons(fp->conf.port);
	if ((fp->resp_fd = net_socket(&sin, NET_F_NOCSUM)) == -1) {
		log_warn("responder: bind %s port %u",
		    net_ntoa(sin.sin_addr.s_addr, a, sizeof(a)), fp->conf.port);
		return -1;
	}
	return 0;
}

/* No --allow: everyone; else the source must be in one of the prefixes. */
int
resp_allowed(const struct fp_conf *c, uint32_t addr)
{
	size_t	 i;

	if (c->nallow == 0)
		return 1;
	for (i = 0; i < c->nallow; i++)
		if ((addr & c->allow_mask[i]) == c->allow_addr[i])
			return 1;
	return 0;
}

static int
resp_echo(struct fp *fp, const struct probe_pkt *in, int corrupt,
    const struct sockaddr_in *to)
{
	uint8_t		 raw[PROBE_BTH_LEN + PROBE_DETH_LEN + PROBE_HDR_LEN +
			    PROBE_CSUM_LEN + PROBE_ICRC_LEN];
	struct ibuf	*b;
	struct probe_pkt r = *in;
	int		 rc;

	r.flags = PROBE_F_REPLY | (corrupt ? PROBE_F_CORRUPT : 0) |
	    (in->flags & PROBE_F_DISCOVER);
	r.payload_len = 0;
	r.payload = NULL;
	if ((b = ibuf_open(sizeof(raw))) == NULL)
		return -1;
	rc = probe_write(b, &r);
	if (rc == 0)
		rc = net_send(fp->resp_fd, ibuf_data(b), ibuf_size(b), to, 0);
	ibuf_free(b);
	return rc;
}

static void
resp_one(struct fp *fp, const uint8_t *buf, size_t len,
    const struct sockaddr_in *from)
{
	struct fp_rx_counters	*c = &fp->resp;
	struct probe_pkt	 p;
	struct ibuf		 in;
	enum probe_err		 e;
	char			 a[INET_ADDRSTRLEN];

	ibuf_from_buffer(&in, buf, len);
	e = probe_parse(&in, &p, NULL);
	net_ntoa(from->sin_addr.s_addr, a, sizeof(a));
	if (probe_err_malformed(e)) {
		c->parse.count[e]++;
		log_debug("responder: %s port %u: %s (%zu octets)", a,
		    ntohs(from->sin_port), probe_strerror(e), len);
		return;
	}
	if (p.flags & PROBE_F_REPLY) {
		c->not_reply++;
		log_debug("responder: %s: a reply sent to the responder", a);
		return;
	}
	if (!resp_allowed(&fp->conf, from->sin_addr.s_addr) ||
	    p.src_port != ntohs(from->sin_port)) {
		c->spoofed++;
		log_debug("responder: %s port %u: spoofed (header says port "
		    "%u)", a, ntohs(from->sin_port), p.src_port);
		return;
	}
	c->parse.count[e]++;
	if (resp_echo(fp, &p, e == PROBE_E_INTEGRITY, from) == -1)
		c->send_errors++;
	else
		c->replies++;
}

void
resp_read(struct fp *fp)
{
	uint8_t			 buf[PROBE_PKT_MAX + 1];
	struct sockaddr_in	 from;
	ssize_t			 n;
	int			 i;

	buf[sizeof(buf) - 1] = 0;	/* the octet that marks truncation */
	for (i = 0; i < RESP_BURST; i++) {
		if ((n = net_recv(fp->resp_fd, buf, sizeof(buf) - 1,
		    &from)) <= 0) {
			if (n == -1)
				log_warn("responder: recv");
			return;
		}
		resp_one(fp, buf, (size_t)n, &from);
	}
}
