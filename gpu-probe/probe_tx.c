/*
 * Building and sending the sender's probes.  --payload cpu (the default):
 * each probe is built and sent when due, its payload filled by the CPU
 * inside probe_write().  --payload gpu: the probes due in one pass of the
 * loop are queued, their payloads filled together on the GPU and staged
 * to pinned host memory (payload_gpu_fill()), then each probe is stamped,
 * built around its staged payload and sent.  docs/PROBE.md, "GPU payloads
 * in the daemon", says what that costs.  With --backend verbs (GPUDirect)
 * nothing is staged: the payloads are filled in place in the NIC's GPU
 * send slots and each probe is gathered from its host headers and its
 * slot (tx_gdr_flush()).
 */
#include "config.h"

#include <string.h>

#include "fabric_probe.h"
#include "log.h"
#include "payload.h"
#include "probe_net.h"
#include "probe_verbs.h"
#include "util.h"

static struct probe_pkt
tx_pkt(const struct fp *fp, const struct fp_path *p, uint8_t flags,
    uint64_t seq, uint32_t payload_len)
{
	return (struct probe_pkt){
		.opcode = PROBE_OP_RC_SEND_ONLY,
		.dest_qp = p->id & PROBE_QP_MAX,
		.psn = (uint32_t)(seq & PROBE_PSN_MAX),
		.flags = flags,
		.src_port = p->dp.sport,
		.path_id = p->id,
		.payload_len = payload_len,
		.seq = seq,
		.send_ns = real_ns(),
		.seed = fp->seed,
	};
}

/* Appends one probe of path p to b; payload NULL: filled from (seed, seq). */
static int
build(struct fp *fp, struct ibuf *b, const struct fp_path *p, uint8_t flags,
    uint64_t seq, uint32_t payload_len, const void *payload, uint64_t csum)
{
	struct probe_pkt	 pk = tx_pkt(fp, p, flags, seq, payload_len);

	return probe_write_payload(b, &pk, payload, csum);
}

/* Appends one probe of path p to b (RC SEND ONLY, our session seed). */
int
fp_build(struct fp *fp, struct ibuf *b, const struct fp_path *p,
    uint8_t flags, uint64_t seq, uint32_t payload_len)
{
	return build(fp, b, p, flags, seq, payload_len, NULL, 0);
}

uint64_t
fp_inflight(const struct fp_path *p)
{
	const struct path_counters	*c = &p->st.c;

	return c->sent - c->received - c->lost;
}

int
fp_send_done(const struct fp *fp, const struct fp_path *p)
{
	return fp->conf.count > 0 && p->st.c.sent >= fp->conf.count;
}

/*
 * Whether path p may send now, as far as --count and the window go.
 * --payload gpu with --interval 0 refills the window only once half of it
 * is free, so that each batch is at least half a window: refilling it
 * probe by probe as replies come back would pay a GPU round trip (some
 * 25 us) for each one or two probes.
 */
int
fp_can_send(const struct fp *fp, const struct fp_path *p)
{
	uint64_t	 limit = fp->conf.max_inflight;

	if (fp->conf.payload_gpu && fp->conf.path.interval_us == 0)
		limit = limit / 2 + 1;
	return !fp_send_done(fp, p) && fp_inflight(p) < limit;
}

/*
 * --test-corrupt N: flips one payload octet of every Nth data probe after
 * it is built, as a path that damages data would; the responder must
 * count each as an integrity failure, never as loss.
 */
static void
tx_corrupt(struct fp *fp, struct ibuf *b, uint64_t seq)
{
	uint8_t	*pl = (uint8_t *)ibuf_data(b) + PROBE_BTH_LEN + PROBE_HDR_LEN;

	fp->tx_count++;
	if (fp->conf.test_corrupt == 0 || fp->conf.size == 0 ||
	    fp->tx_count % fp->conf.test_corrupt != 0)
		return;
	pl[seq % fp->conf.size] ^= 0x5a;
}

static uint32_t
probe_len(const struct fp *fp)
{
	struct probe_pkt sz = { .opcode = PROBE_OP_RC_SEND_ONLY,
			    .payload_len = fp->conf.size };

	return (uint32_t)probe_pkt_len(&sz);
}

/* Late ticks are skipped, not bunched; 1: send no more this time. */
static int
tx_advance(struct fp_path *p, uint64_t iv, uint64_t now)
{
	if (p->next_send_us + iv < now)
		p->next_send_us = now;
	p->next_send_us += iv;
	return iv > 0;
}

/* Over the path's UDP socket, or its RC queue pair (--backend verbs). */
static int
tx_send(struct fp *fp, struct fp_path *p, struct ibuf *b)
{
	if (fp->conf.verbs)
		return vb_send(fp, p, ibuf_data(b), ibuf_size(b));
	return net_send(p->fd, ibuf_data(b), ibuf_size(b), &p->t->addr, 0);
}

/* --payload cpu: builds and sends path p's probes due now. */
void
tx_due(struct fp *fp, struct fp_path *p, struct ibuf *b, uint64_t now)
{
	uint64_t	 iv = fp->conf.path.interval_us, seq;

	if (vb_hold(p)) {		/* its QP is being set up */
		p->next_send_us = now;
		return;
	}
	while (p->next_send_us <= now && !fp_send_done(fp, p) &&
	    fp_inflight(p) < fp->conf.max_inflight) {
		seq = path_send(&p->st, now, probe_len(fp));
		ibuf_truncate(b, 0);
		if (fp_build(fp, b, p, 0, seq, fp->conf.size) == -1) {
			fp->send.send_errors++;
		} else {
			tx_corrupt(fp, b, seq);
			if (tx_send(fp, p, b) == -1)
				fp->send.send_errors++;
		}
		if (tx_advance(p, iv, now))
			break;
	}
}

/* ---- --payload gpu ---- */

int
tx_gpu_open(struct fp *fp)
{
	char	 err[160];

	if (!fp->conf.payload_gpu)
		return 0;
	fp->gpu = payload_gpu_open(FP_GPU_BATCH, PROBE_PAYLOAD_MAX, err,
	    sizeof(err));
	if (fp->gpu == NULL) {
		log_warnx("--payload gpu: %s", err);
		return -1;
	}
	return 0;
}

/*
 * Queues path p's probes due now, as tx_due() would send them; their
 * sequence numbers are the path's next ones.  path_send() is called when
 * each leaves (tx_gpu_flush()), so the RTT does not include the batch.
 */
void
tx_gpu_queue(struct fp *fp, struct fp_path *p, struct ibuf *b, uint64_t now)
{
	struct fp_txq	*q = &fp->txq;
	uint64_t	 iv = fp->conf.path.interval_us, queued = 0;

	if (vb_hold(p)) {		/* its QP is being set up */
		p->next_send_us = now;
		return;
	}
	if (!fp_can_send(fp, p))
		return;
	while (p->next_send_us <= now && (fp->conf.count == 0 ||
	    p->st.c.sent + queued < fp->conf.count) &&
	    fp_inflight(p) + queued < fp->conf.max_inflight) {
		if (q->n == FP_GPU_BATCH) {
			tx_gpu_flush(fp, b);
			queued = 0;
		}
		q->path[q->n] = p;
		q->seq[q->n++] = p->st.next_seq + queued++;
		if (tx_advance(p, iv, now))
			break;
	}
}

/* The batch's payloads, from the GPU or (if it failed) from the CPU. */
static const uint8_t *
tx_gpu_fill(struct fp *fp)
{
	struct fp_txq	*q = &fp->txq;
	const uint8_t	*pl;

	pl = payload_gpu_fill(fp->gpu, fp->conf.size, q->n, fp->seed, q->seq,
	    q->csum);
	if (pl == NULL) {
		fp->send.gpu_errors++;
		log_warnx("--payload gpu: fill of %zu payloads failed; "
		    "filling them on the CPU", q->n);
	}
	return pl;
}

/*
 * --test-corrupt with GPUDirect: the payload is in GPU memory, out of the
 * CPU's reach, so a checksum octet (host memory) is flipped instead; the
 * responder's in-place verify must count it as an integrity failure.
 */
static void
tx_gdr_corrupt(struct fp *fp, struct ibuf *tail, uint64_t seq)
{
	fp->tx_count++;
	if (fp->conf.test_corrupt == 0 ||
	    fp->tx_count % fp->conf.test_corrupt != 0)
		return;
	((uint8_t *)ibuf_data(tail))[seq % PROBE_CSUM_LEN] ^= 0x5a;
}

/* Queued probe k, registered as sent and gathered from GPU slot off. */
static void
tx_gdr_one(struct fp *fp, size_t k, struct ibuf *head, struct ibuf *tail,
    const size_t *off)
{
	struct fp_txq		*q = &fp->txq;
	struct fp_path		*p = q->path[k];
	struct probe_pkt	 pk;
	uint64_t		 seq;

	seq = path_send(&p->st, mono_us(), probe_len(fp));
	if (seq != q->seq[k])
		fatalx("tx_gdr_one: path %u: sequence %llu, queued %llu",
		    p->id, (unsigned long long)seq,
		    (unsigned long long)q->seq[k]);
	if (off == NULL) {		/* no slot or no fill: it is lost */
		fp->send.send_errors++;
		return;
	}
	pk = tx_pkt(fp, p, 0, seq, fp->conf.size);
	ibuf_truncate(head, 0);
	ibuf_truncate(tail, 0);
	if (probe_write_split(head, tail, &pk, q->csum[k]) == -1) {
		fp->send.send_errors++;
		return;
	}
	tx_gdr_corrupt(fp, tail, seq);
	if (vb_send_gpu(fp, p, head, tail, *off) == -1)
		fp->send.send_errors++;
}

/*
 * GPUDirect: the queued probes in runs of free GPU send slots, each run
 * filled in place with one call, then each probe stamped and sent.  With
 * no free slot (or a failed fill) the rest are registered and counted as
 * send errors: they are lost, as a full send queue loses them.
 */
static void
tx_gdr_flush(struct fp *fp, struct ibuf *head)
{
	struct fp_txq	*q = &fp->txq;
	struct ibuf	*tail = ibuf_open(PROBE_TRAILER_MAX);
	size_t		 done = 0, n, k, off = 0, at;
	int		 ok;

	while (done < q->n) {
		n = tail == NULL ? 0 :
		    verbs_rc_gpu_room(fp->rc, q->n - done, &off);
		ok = n > 0 && gdr_fill(fp->gpu, off,
		    fp->conf.size, n, fp->seed, q->seq + done,
		    q->csum + done) == 0;
		if (n > 0 && !ok) {
			fp->send.gpu_errors++;
			log_warnx("--payload gpu: in-place fill of %zu payloads "
			    "failed; not sent", n);
		}
		if (n == 0)
			n = q->n - done;	/* nothing to send them from */
		for (k = 0; k < n; k++) {
			at = off + k * fp->conf.size;
			tx_gdr_one(fp, done + k, head, tail, ok ? &at : NULL);
		}
		done += n;
	}
	ibuf_free(tail);
	q->n = 0;
}

/* Fills the queued probes' payloads in one batch, then sends them. */
void
tx_gpu_flush(struct fp *fp, struct ibuf *b)
{
	struct fp_txq	*q = &fp->txq;
	const uint8_t	*pl;
	struct fp_path	*p;
	uint64_t	 seq;
	size_t		 k;
	int		 rc;

	if (q->n == 0)
		return;
	if (fp->conf.verbs) {
		tx_gdr_flush(fp, b);
		return;
	}
	pl = tx_gpu_fill(fp);
	for (k = 0; k < q->n; k++) {
		p = q->path[k];
		seq = path_send(&p->st, mono_us(), probe_len(fp));
		if (seq != q->seq[k])
			fatalx("tx_gpu_flush: path %u: sequence %llu, queued "
			    "%llu", p->id, (unsigned long long)seq,
			    (unsigned long long)q->seq[k]);
		ibuf_truncate(b, 0);
		rc = pl == NULL ? fp_build(fp, b, p, 0, seq, fp->conf.size) :
		    build(fp, b, p, 0, seq, fp->conf.size,
		    pl + k * fp->conf.size, q->csum[k]);
		if (rc == -1) {
			fp->send.send_errors++;
			continue;
		}
		tx_corrupt(fp, b, seq);
		if (net_send(p->fd, ibuf_data(b), ibuf_size(b), &p->t->addr,
		    0) == -1)
			fp->send.send_errors++;
	}
	q->n = 0;
}
