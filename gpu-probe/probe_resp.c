/*
 * The responder: parses every datagram to the probe port, counts what it
 * refuses by reason, and echoes each acceptable probe as a short reply
 * (no payload, so that a reflected flood is smaller than its cause).  A
 * reply says whether the probe's payload verified (PROBE_F_CORRUPT), so
 * that the sender counts forward-path corruption as such, never as loss.
 *
 * --payload gpu: a burst is read into the batch's buffers and parsed
 * without the payload check (probe_parse_deferred()); the acceptable
 * probes' payloads are then verified together on the GPU
 * (payload_gpu_verify()) and counted and echoed exactly as resp_one()
 * does.  Should the GPU fail, the batch is verified on the CPU.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabric_probe.h"
#include "log.h"
#include "payload.h"
#include "probe_net.h"

#define RESP_BURST	256	/* datagrams per wake-up, then poll again */

/* --payload gpu: one burst, parsed, its payloads verified together. */
struct fp_rxq {
	uint8_t			 buf[RESP_BURST][PROBE_PKT_MAX + 1];
	struct probe_pkt	 pkt[RESP_BURST];
	struct sockaddr_in	 from[RESP_BURST];
	struct payload_ref	 ref[RESP_BURST];
	uint32_t		 verdict[RESP_BURST];
	size_t			 n;
};

int
resp_open(struct fp *fp)
{
	struct sockaddr_in	 sin = fp->conf.bind;
	char			 a[INET_ADDRSTRLEN];

	/* --backend verbs: the RDMA stack owns the port (probe_vctl.c) */
	if (fp->conf.verbs)
		return 0;
	sin.sin_port = htons(fp->conf.port);
	if ((fp->resp_fd = net_socket(&sin, NET_F_NOCSUM)) == -1) {
		log_warn("responder: bind %s port %u",
		    net_ntoa(sin.sin_addr.s_addr, a, sizeof(a)), fp->conf.port);
		return -1;
	}
	if (fp->conf.payload_gpu &&
	    (fp->rxq = calloc(1, sizeof(*fp->rxq))) == NULL) {
		log_warn("responder: calloc");
		return -1;
	}
	return 0;
}

void
resp_close(struct fp *fp)
{
	if (fp->resp_fd != -1)
		close(fp->resp_fd);
	fp->resp_fd = -1;
	free(fp->rxq);
	fp->rxq = NULL;
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

/* A parsed datagram: 0 if it is to be answered, else counted as refused. */
static int
resp_check(struct fp *fp, const struct probe_pkt *p, enum probe_err e,
    size_t len, const struct sockaddr_in *from)
{
	struct fp_rx_counters	*c = &fp->resp;
	char			 a[INET_ADDRSTRLEN];

	net_ntoa(from->sin_addr.s_addr, a, sizeof(a));
	if (probe_err_malformed(e)) {
		c->parse.count[e]++;
		log_debug("responder: %s port %u: %s (%zu octets)", a,
		    ntohs(from->sin_port), probe_strerror(e), len);
		return -1;
	}
	if (p->flags & PROBE_F_REPLY) {
		c->not_reply++;
		log_debug("responder: %s: a reply sent to the responder", a);
		return -1;
	}
	if (!resp_allowed(&fp->conf, from->sin_addr.s_addr) ||
	    p->src_port != ntohs(from->sin_port)) {
		c->spoofed++;
		log_debug("responder: %s port %u: spoofed (header says port "
		    "%u)", a, ntohs(from->sin_port), p->src_port);
		return -1;
	}
	return 0;
}

static void
resp_answer(struct fp *fp, const struct probe_pkt *p, enum probe_err e,
    const struct sockaddr_in *from)
{
	struct fp_rx_counters	*c = &fp->resp;

	c->parse.count[e]++;
	if (resp_echo(fp, p, e == PROBE_E_INTEGRITY, from) == -1)
		c->send_errors++;
	else
		c->replies++;
}

static void
resp_one(struct fp *fp, const uint8_t *buf, size_t len,
    const struct sockaddr_in *from)
{
	struct probe_pkt	 p;
	struct ibuf		 in;
	enum probe_err		 e;

	ibuf_from_buffer(&in, buf, len);
	e = probe_parse(&in, &p, NULL);
	if (resp_check(fp, &p, e, len, from) == 0)
		resp_answer(fp, &p, e, from);
}

/* --payload gpu: datagram k of the burst, checked, kept for the batch. */
static void
resp_queue(struct fp *fp, size_t k, size_t len)
{
	struct fp_rxq		*q = fp->rxq;
	struct probe_pkt	*p = &q->pkt[q->n];
	struct ibuf		 in;
	enum probe_err		 e;

	ibuf_from_buffer(&in, q->buf[k], len);
	e = probe_parse_deferred(&in, p);
	if (resp_check(fp, p, e, len, &q->from[k]) == -1)
		return;
	q->from[q->n] = q->from[k];
	q->ref[q->n] = (struct payload_ref){ .buf = p->payload,
	    .len = p->payload_len, .seed = p->seed, .seq = p->seq,
	    .csum = p->csum };
	q->n++;
}

/* Verifies the batch's payloads in one go, then counts and answers. */
static void
resp_flush(struct fp *fp)
{
	struct fp_rxq	*q = fp->rxq;
	size_t		 k;

	if (q->n == 0)
		return;
	if (payload_gpu_verify(fp->gpu, q->ref, q->n, q->verdict) == -1) {
		fp->resp.gpu_errors++;
		log_warnx("responder: --payload gpu: verify of %zu payloads "
		    "failed; verifying them on the CPU", q->n);
		for (k = 0; k < q->n; k++)
			q->verdict[k] = (uint32_t)payload_verify(q->ref[k].buf,
			    q->ref[k].len, q->ref[k].seed, q->ref[k].seq,
			    q->ref[k].csum);
	}
	for (k = 0; k < q->n; k++) {
		q->pkt[k].verdict = (int)q->verdict[k];
		resp_answer(fp, &q->pkt[k], q->verdict[k] != 0 ?
		    PROBE_E_INTEGRITY : PROBE_OK, &q->from[k]);
	}
	q->n = 0;
}

/*
 * --payload gpu: reads a burst (the datagrams stay in the batch's buffers
 * until it is answered), then verifies and answers it.
 */
static void
resp_read_batch(struct fp *fp)
{
	struct fp_rxq	*q = fp->rxq;
	ssize_t		 n;
	size_t		 k;

	q->n = 0;
	for (k = 0; k < RESP_BURST; k++) {
		q->buf[k][PROBE_PKT_MAX] = 0;	/* marks truncation */
		if ((n = net_recv(fp->resp_fd, q->buf[k], PROBE_PKT_MAX,
		    &q->from[k])) <= 0) {
			if (n == -1)
				log_warn("responder: recv");
			break;
		}
		resp_queue(fp, k, (size_t)n);
	}
	resp_flush(fp);
}

void
resp_read(struct fp *fp)
{
	uint8_t			 buf[PROBE_PKT_MAX + 1];
	struct sockaddr_in	 from;
	ssize_t			 n;
	int			 i;

	if (fp->rxq != NULL) {
		resp_read_batch(fp);
		return;
	}
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
