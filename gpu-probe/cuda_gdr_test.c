/*
 * GPUDirect RDMA probes end to end on a GPU, against the MOCK NIC
 * (tests/unit/mock_verbs.c: no RDMA NIC exists on any machine here, the
 * GPU machines included).  What is real: the GPU memory, exported as a
 * dma-buf (payload_gpu_dmabuf()) and handed to ibv_reg_dmabuf_mr() by
 * the RC transport (probe_rc.c); payloads filled in place by the GPU in
 * batches; 3-entry sends and receives (headers in host memory, payloads
 * in GPU memory); payloads verified in place in runs (probe_gdr.c); the
 * echo with REPLY/CORRUPT as the daemon sends it.  What the mock stands
 * in for: the NIC's DMA, done here by cudaMemcpy through the mock's copy
 * hook.  Damage: after some deliveries, the hook flips 1 to 3 octets of
 * the payload in the responder's GPU slot; exactly those probes must
 * come back CORRUPT, and every verdict must equal the CPU's.
 *
 * Built by make with --with-cuda (and libibverbs-dev, for the headers);
 * run by hand: cuda_gdr_test [PROBES [SEED]].  Exit 0 all passed, 1 a
 * check failed, 77 no usable GPU.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cuda_runtime_api.h>

#include "mock_verbs.h"
#include "payload.h"
#include "probe_verbs.h"

#define RING	64		/* SRQ receives, send slots */
#define BATCH	32		/* probes filled per GPU call */
#define EVENTS	64

static int	 failures, checks;
static uint64_t	 rng;

#define CHECK(c, ...) do {						\
	checks++;							\
	if (!(c)) {							\
		failures++;						\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
	}								\
} while (0)

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ---- the mock NIC's DMA, and the damage ---- */

static int
dma_copy(void *dst, const void *src, size_t n, int dir)
{
	(void)dir;
	return cudaMemcpy(dst, src, n, cudaMemcpyDefault) == cudaSuccess ?
	    0 : -1;
}

struct damage {
	uint32_t	 every;		/* damage about 1 delivery in every */
	uint8_t		*hit;		/* by sequence number */
	uint64_t	 n, nseq;
	uint32_t	 plen;
};

static struct damage	 dmg;

static uint64_t
be64(const uint8_t *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* After a receive was scattered: maybe flip octets in its GPU slot. */
static void
damage_hook(const struct ibv_sge *sge, int nsge, size_t n)
{
	const uint8_t	*hdr = (const uint8_t *)(uintptr_t)sge[0].addr;
	uint64_t	 seq, o;
	uint8_t		 b;
	uint8_t		*at;
	int		 k, flips;

	if (nsge != 3 || n != VERBS_GPU_HEAD + dmg.plen + PROBE_CSUM_LEN +
	    (4 - dmg.plen % 4) % 4 + PROBE_ICRC_LEN || rnd() % dmg.every != 0)
		return;
	seq = be64(hdr + PROBE_BTH_LEN + 16);	/* the probe's sequence */
	if (seq >= dmg.nseq || dmg.hit[seq])
		return;
	flips = 1 + (int)(rnd() % 3);
	o = rnd();
	for (k = 0; k < flips; k++) {		/* distinct octets */
		at = (uint8_t *)(uintptr_t)sge[1].addr + (o + k) % dmg.plen;
		if (cudaMemcpy(&b, at, 1, cudaMemcpyDeviceToHost) !=
		    cudaSuccess)
			abort();
		b ^= (uint8_t)(1 + rnd() % 255);	/* never 0: a change */
		if (cudaMemcpy(at, &b, 1, cudaMemcpyHostToDevice) !=
		    cudaSuccess)
			abort();
	}
	dmg.hit[seq] = 1;
	dmg.n++;
}

/* ---- one run: N probes of plen octets ---- */

struct run {
	struct payload_gpu	*g;
	struct verbs_rc		*rc;
	struct verbs_qp		*a, *b;
	int			 ctx_a, ctx_b;
	uint32_t		 plen;
	uint64_t		 seed;
	uint64_t		 sent, replies, corrupt_replies;
	uint64_t		 accepted, integrity, malformed, calls;
	uint64_t		 cpu_agree, fill_checked;
	uint8_t			*host;		/* a payload read back */
};

static int
run_open(struct run *r, char *err, size_t len)
{
	struct verbs_rc_conf	 c;
	struct verbs_peer	 pa, pb;
	void			*dev;

	verbs_rc_conf_default(&c);
	c.ring = RING;
	c.max_qps = 4;
	c.gpu_len = r->plen;
	if (gdr_export(r->g, &c, err, len) == -1)
		return 77;
	dev = (void *)(uintptr_t)c.dmabuf_iova;
	mock_verbs_reset();
	mock_verbs.copy = dma_copy;
	mock_verbs.delivered_hook = damage_hook;
	if ((r->rc = verbs_rc_open(&c, err, len)) == NULL)
		return 1;
	/* the registration really took the exported dma-buf */
	CHECK(mock_verbs.reg_dmabuf_mr == 1, "ibv_reg_dmabuf_mr calls %u",
	    mock_verbs.reg_dmabuf_mr);
	CHECK(mock_verbs.dmabuf_fd == c.dmabuf_fd, "fd %d, exported %d",
	    mock_verbs.dmabuf_fd, c.dmabuf_fd);
	CHECK(mock_verbs.dmabuf_offset == c.dmabuf_offset, "offset");
	CHECK(mock_verbs.dmabuf_iova == (uintptr_t)dev, "IOVA %#" PRIx64
	    ", device address %p", mock_verbs.dmabuf_iova, dev);
	CHECK(mock_verbs.dmabuf_len == 2 * (size_t)RING * r->plen, "length");
	CHECK(mock_verbs.dmabuf_access & IBV_ACCESS_LOCAL_WRITE, "access");
	CHECK(mock_verbs.reg_mr == 1, "host MR");
	r->a = verbs_qp_new(r->rc, &r->ctx_a, err, len);
	r->b = verbs_qp_new_gpu(r->rc, &r->ctx_b, err, len);
	if (r->a == NULL || r->b == NULL)
		return 1;
	verbs_qp_local(r->rc, r->a, &pa);
	verbs_qp_local(r->rc, r->b, &pb);
	pa.flow_label = pb.flow_label = 0x1234;
	if (verbs_qp_connect(r->rc, r->a, &pb, err, len) == -1 ||
	    verbs_qp_connect(r->rc, r->b, &pa, err, len) == -1)
		return 1;
	return 0;
}

/* The first payload of a batch, read back: the GPU filled it right. */
static void
check_fill(struct run *r, size_t off, uint64_t seq, uint64_t csum)
{
	uint8_t		 want[PROBE_PAYLOAD_MAX];
	uint64_t	 c;

	if (cudaMemcpy(r->host, (uint8_t *)(uintptr_t)mock_verbs.dmabuf_iova +
	    off, r->plen, cudaMemcpyDeviceToHost) != cudaSuccess) {
		CHECK(0, "reading a payload back");
		return;
	}
	c = payload_fill(want, r->plen, r->seed, seq);
	CHECK(memcmp(want, r->host, r->plen) == 0 && c == csum,
	    "GPU fill of seq %" PRIu64 " differs from the CPU's", seq);
	r->fill_checked++;
}

/* Up to want probes: room, one in-place fill, then each sent. */
static size_t
send_batch(struct run *r, size_t want, char *err, size_t len)
{
	struct ibuf	*head = ibuf_open(64), *tail = ibuf_open(16);
	struct probe_pkt p;
	uint64_t	 seqs[BATCH], csums[BATCH];
	size_t		 off, n, k;

	n = verbs_rc_gpu_room(r->rc, want > BATCH ? BATCH : want, &off);
	for (k = 0; k < n; k++)
		seqs[k] = r->sent + k;
	if (n > 0 && payload_gpu_fill_dmabuf(r->g, off, r->plen, n, r->seed,
	    seqs, csums) == -1) {
		CHECK(0, "payload_gpu_fill_dmabuf of %zu", n);
		n = 0;
	}
	if (n > 0)
		check_fill(r, off, seqs[0], csums[0]);
	for (k = 0; k < n; k++) {
		p = (struct probe_pkt){ .opcode = PROBE_OP_RC_SEND_ONLY,
		    .dest_qp = 1, .psn = (uint32_t)seqs[k] & PROBE_PSN_MAX,
		    .src_port = 0xc123, .path_id = 1,
		    .payload_len = r->plen, .seq = seqs[k],
		    .send_ns = seqs[k], .seed = r->seed };
		ibuf_truncate(head, 0);
		ibuf_truncate(tail, 0);
		if (probe_write_split(head, tail, &p, csums[k]) == -1 ||
		    verbs_rc_send_gpu(r->rc, r->a, ibuf_data(head),
		    ibuf_size(head), ibuf_data(tail), ibuf_size(tail),
		    off + k * r->plen, err, len) == -1) {
			CHECK(0, "send %" PRIu64 ": %s", seqs[k], err);
			break;
		}
	}
	r->sent += k;
	ibuf_free(head);
	ibuf_free(tail);
	return k;
}

/* The CPU's verdict on the payload as it lies in GPU memory. */
static int
cpu_verdict(struct run *r, const struct verbs_ev *e)
{
	if (cudaMemcpy(r->host, (uint8_t *)(uintptr_t)mock_verbs.dmabuf_iova +
	    e->gpu_off, r->plen, cudaMemcpyDeviceToHost) != cudaSuccess)
		return -1;
	return payload_verify(r->host, r->plen, e->pkt.seed, e->pkt.seq,
	    e->pkt.csum);
}

/* A probe at the responder: counted, echoed as the daemon echoes. */
static void
respond(struct run *r, const struct verbs_ev *e, int cpu, char *err,
    size_t len)
{
	struct probe_pkt	 rep = e->pkt;
	struct ibuf		*b = ibuf_open(PROBE_PKT_MAX);
	int			 bad = e->err == PROBE_E_INTEGRITY;

	if (probe_err_malformed(e->err)) {
		r->malformed++;
		ibuf_free(b);
		return;
	}
	CHECK(bad == (dmg.hit[e->pkt.seq] != 0), "seq %" PRIu64 ": %s, "
	    "damaged %d", e->pkt.seq, bad ? "integrity" : "ok",
	    dmg.hit[e->pkt.seq]);
	CHECK(cpu == e->pkt.verdict, "seq %" PRIu64 ": GPU verdict %d, CPU "
	    "%d", e->pkt.seq, e->pkt.verdict, cpu);
	r->cpu_agree += cpu == e->pkt.verdict;
	if (bad)
		r->integrity++;
	else
		r->accepted++;
	rep.flags = PROBE_F_REPLY | (bad ? PROBE_F_CORRUPT : 0);
	rep.payload_len = 0;
	if (probe_write(b, &rep) == -1 || verbs_rc_send(r->rc, r->b,
	    ibuf_data(b), ibuf_size(b), err, len) == -1)
		CHECK(0, "echo of %" PRIu64 ": %s", e->pkt.seq, err);
	ibuf_free(b);
}

static void
poll_once(struct run *r, char *err, size_t len)
{
	struct verbs_ev	 ev[EVENTS];
	int		 n, k, calls, cpu[EVENTS];

	if ((n = verbs_rc_poll(r->rc, ev, EVENTS, err, len)) <= 0) {
		CHECK(n == 0, "poll: %s", err);
		return;
	}
	/* the CPU's verdicts first: the verify must not change the data */
	for (k = 0; k < n; k++)
		cpu[k] = ev[k].type == VERBS_EV_RECV && ev[k].gpu &&
		    ev[k].err == PROBE_OK ? cpu_verdict(r, &ev[k]) : 0;
	if ((calls = gdr_verify(r->g, r->plen, ev, (size_t)n)) == -1)
		CHECK(0, "gdr_verify failed");
	else
		r->calls += (uint64_t)calls;
	for (k = 0; k < n; k++) {
		CHECK(ev[k].type == VERBS_EV_RECV, "event %d", ev[k].type);
		if (ev[k].type != VERBS_EV_RECV)
			continue;
		if (ev[k].ctx == &r->ctx_b) {
			CHECK(!ev[k].gpu, "left unverified");
			respond(r, &ev[k], cpu[k], err, len);
			continue;
		}
		CHECK(ev[k].err == PROBE_OK && (ev[k].pkt.flags &
		    PROBE_F_REPLY), "reply");
		r->replies++;
		if (ev[k].pkt.flags & PROBE_F_CORRUPT) {
			r->corrupt_replies++;
			CHECK(dmg.hit[ev[k].pkt.seq], "CORRUPT for a clean "
			    "probe %" PRIu64, ev[k].pkt.seq);
		}
	}
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
run_one(struct payload_gpu *g, uint32_t plen, uint64_t nprobes,
    uint32_t every)
{
	struct run	 r = { .g = g, .plen = plen };
	char		 err[256] = "";
	double		 t0;
	int		 rc, idle = 0;
	uint64_t	 before = (uint64_t)failures;

	r.seed = rnd();
	dmg = (struct damage){ .every = every, .plen = plen,
	    .nseq = nprobes, .hit = calloc(nprobes, 1) };
	if ((r.host = malloc(PROBE_PAYLOAD_MAX)) == NULL || dmg.hit == NULL)
		abort();
	if ((rc = run_open(&r, err, sizeof(err))) != 0) {
		fprintf(stderr, "%s\n", err);
		verbs_rc_close(r.rc);
		return rc;
	}
	t0 = now_s();
	while (r.replies < nprobes && idle < 1000 &&
	    (uint64_t)failures < before + 20) {
		if (r.sent < nprobes)
			send_batch(&r, nprobes - r.sent, err, sizeof(err));
		poll_once(&r, err, sizeof(err));
		idle = r.sent == nprobes ? idle + 1 : 0;
	}
	t0 = now_s() - t0;
	CHECK(r.replies == nprobes, "replies %" PRIu64 " of %" PRIu64,
	    r.replies, nprobes);
	CHECK(r.accepted + r.integrity == nprobes && r.malformed == 0,
	    "responder: %" PRIu64 " accepted, %" PRIu64 " integrity, %"
	    PRIu64 " malformed", r.accepted, r.integrity, r.malformed);
	CHECK(r.integrity == dmg.n && r.corrupt_replies == dmg.n,
	    "damaged %" PRIu64 ", integrity %" PRIu64 ", CORRUPT replies %"
	    PRIu64, dmg.n, r.integrity, r.corrupt_replies);
	CHECK(dmg.n > 0 || every == 0 || nprobes < 100 * (uint64_t)every,
	    "nothing was damaged");
	CHECK(mock_verbs.dmabuf_gathered == nprobes * plen &&
	    mock_verbs.dmabuf_scattered == nprobes * plen,
	    "GPU octets gathered %" PRIu64 ", scattered %" PRIu64,
	    mock_verbs.dmabuf_gathered, mock_verbs.dmabuf_scattered);
	printf("%u octets: %" PRIu64 " probes, %" PRIu64 " damaged in GPU "
	    "memory -> %" PRIu64 " integrity, %" PRIu64 " CORRUPT replies; "
	    "%" PRIu64 " GPU verdicts = CPU; %" PRIu64 " fills read back; "
	    "%" PRIu64 " verify calls (%.1f payloads a call); %.2f s (mock "
	    "DMA by cudaMemcpy): %s\n", plen, nprobes, dmg.n, r.integrity,
	    r.corrupt_replies, r.cpu_agree, r.fill_checked, r.calls,
	    r.calls ? (double)(r.accepted + r.integrity) / r.calls : 0.0, t0,
	    (uint64_t)failures == before ? "ok" : "FAILED");
	verbs_rc_close(r.rc);
	CHECK(mock_verbs.open_objects == 0, "verbs objects leaked: %u",
	    mock_verbs.open_objects);
	payload_gpu_dmabuf_release(g);
	free(r.host);
	free(dmg.hit);
	return 0;
}

/* A NIC or driver that refuses the dma-buf: said, nothing opened. */
static void
refused(struct payload_gpu *g)
{
	struct verbs_rc_conf	 c;
	char			 err[256];

	verbs_rc_conf_default(&c);
	c.ring = RING;
	c.gpu_len = 256;
	if (gdr_export(g, &c, err, sizeof(err)) == -1) {
		CHECK(0, "export: %s", err);
		return;
	}
	mock_verbs_reset();
	mock_verbs.refuse_dmabuf = EOPNOTSUPP;
	CHECK(verbs_rc_open(&c, err, sizeof(err)) == NULL &&
	    strstr(err, "cannot register GPU memory") != NULL,
	    "refused registration: %s", err);
	CHECK(mock_verbs.dmabuf_fd == c.dmabuf_fd, "the fd was offered");
	CHECK(mock_verbs.open_objects == 0, "leaked after a refusal");
	printf("refused registration: \"%s\"\n", err);
	payload_gpu_dmabuf_release(g);
}

int
main(int argc, char **argv)
{
	/* 4016: the largest multiple of 16 whose probe fits a 4096 MTU */
	static const uint32_t	 lens[] = { 256, 4016, 1000, 13 };
	struct payload_gpu	*g;
	uint64_t		 n = argc > 1 ? strtoull(argv[1], NULL, 0) :
				    20000;
	char			 err[256];
	size_t			 i;
	int			 rc;

	rng = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	if (rng == 0)
		rng = 1;
	printf("seed %" PRIu64 "\n", rng);
	if ((g = payload_gpu_open(BATCH > EVENTS ? BATCH : EVENTS,
	    PROBE_PAYLOAD_MAX, err, sizeof(err))) == NULL) {
		fprintf(stderr, "no GPU: %s\n", err);
		return 77;
	}
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if ((rc = run_one(g, lens[i], n, 7)) != 0) {
			payload_gpu_close(g);
			return rc;
		}
	refused(g);
	payload_gpu_close(g);
	printf("%d checks, %d failed\n", checks, failures);
	return failures == 0 ? 0 : 1;
}
