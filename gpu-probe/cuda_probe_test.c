/*
 * cuda_probe_test: fabric-probe's --payload gpu path end to end over
 * loopback UDP, on a machine with a GPU, where the daemon itself cannot
 * be built (it needs the telemetry libraries: libzmq, json-c, OpenSSL).
 * It runs the daemon's own code: the sender's batches (probe_tx.c:
 * tx_gpu_queue(), tx_gpu_flush(), and tx_due() for --payload cpu), the
 * responder (probe_resp.c: resp_open(), resp_read(), which batches and
 * verifies on the GPU with --payload gpu) and the path bookkeeping
 * (probe_path.c), in one thread and one poll() loop, as `fabric-probe
 * --respond --target 127.0.0.1' runs them.  Only the loop and the reply
 * matching (fabric_probe.c's, which carries the telemetry) are this
 * file's.
 *
 * For cpu and gpu payloads, 256 and 4096 octets: COUNT clean probes (no
 * loss, no integrity failure, at the responder and on the path), then
 * COUNT with --test-corrupt 7 (exactly COUNT / 7 integrity failures at
 * the responder and on the path, none counted as loss); probes/s of the
 * clean runs (usage: cuda_probe_test [COUNT [WINDOW]], WINDOW the probes
 * in flight, by default 128, or 16 for 4096 octets).  Exit 0: all passed; 1: a check failed; 77: no usable GPU.
 * Build: see gpu-probe/subdir.am (HAVE_CUDA) or docs/PROBE.md.
 */
#include "config.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fabric_probe.h"
#include "log.h"
#include "payload.h"
#include "probe_net.h"
#include "probe_verbs.h"

static int	 failures;
static uint32_t	 window;		/* max_inflight; 0: by size */

/*
 * UDP only: probe_tx.c's --backend verbs calls (probe_vctl.c, probe_rc.c,
 * probe_gdr.c, which need libibverbs and the control protocol) are never
 * reached here (conf.verbs is 0); these stand in for them at link time.
 */
int vb_hold(const struct fp_path *p) { (void)p; return 0; }
int vb_send(struct fp *fp, struct fp_path *p, const void *b, size_t n)
{ (void)fp; (void)p; (void)b; (void)n; abort(); }
int vb_send_gpu(struct fp *fp, struct fp_path *p, const struct ibuf *h,
    const struct ibuf *t, size_t off)
{ (void)fp; (void)p; (void)h; (void)t; (void)off; abort(); }
size_t verbs_rc_gpu_room(struct verbs_rc *rc, size_t n, size_t *off)
{ (void)rc; (void)n; (void)off; abort(); }
int gdr_fill(struct payload_gpu *g, size_t off, size_t len, size_t n,
    uint64_t seed, const uint64_t *seqs, uint64_t *csums)
{ (void)g; (void)off; (void)len; (void)n; (void)seed; (void)seqs;
  (void)csums; abort(); }

/* Root can give a socket more than rmem_max: then wide windows lose none. */
static void
big_buffers(int fd)
{
	int	 sz = 32 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

uint64_t
mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
check(int ok, const char *what, const char *mode, uint32_t size,
    unsigned long long got, unsigned long long want)
{
	printf("%s - %s %u: %s: %llu (want %llu)\n", ok ? "ok" : "not ok",
	    mode, size, what, got, want);
	if (!ok)
		failures++;
}

/* fabric_probe.c's path_rx(), less the spoofing checks: a reply. */
static void
replies(struct fp *fp, struct fp_path *p)
{
	uint8_t			 buf[PROBE_PKT_MAX];
	struct sockaddr_in	 from;
	struct probe_pkt	 pk;
	struct ibuf		 in;
	enum probe_err		 e;
	uint32_t		 rtt;
	ssize_t			 n;

	while ((n = net_recv(p->fd, buf, sizeof(buf), &from)) > 0) {
		ibuf_from_buffer(&in, buf, (size_t)n);
		e = probe_parse(&in, &pk, NULL);
		fp->send.parse.count[e]++;
		if (e != PROBE_OK || !(pk.flags & PROBE_F_REPLY))
			continue;
		(void)path_reply(&p->st, pk.seq, mono_us(),
		    (pk.flags & PROBE_F_CORRUPT) != 0, &rtt);
	}
}

static int
open_path(struct fp *fp, struct fp_target *t, struct fp_path *p)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (getsockname(fp->resp_fd, (struct sockaddr *)&t->addr, &len) == -1)
		return -1;
	p->t = t;
	p->id = 1;
	if ((p->fd = net_socket(&sin, NET_F_NOCSUM)) == -1 ||
	    getsockname(p->fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	p->dp.sport = ntohs(sin.sin_port);
	path_init(&p->st, &fp->conf.path);
	return 0;
}

/* Sends conf.count probes and waits for every answer; probes/s. */
static double
run_loop(struct fp *fp, struct fp_path *p, struct ibuf *b)
{
	struct pollfd	 pfd[2] = { { .fd = fp->resp_fd, .events = POLLIN },
			    { .fd = p->fd, .events = POLLIN } };
	uint64_t	 t0 = mono_us(), now = t0;

	while (now < t0 + 60000000 && (p->st.c.sent < fp->conf.count ||
	    fp_inflight(p) > 0)) {
		path_expire(&p->st, now);
		if (fp->conf.payload_gpu) {
			tx_gpu_queue(fp, p, b, now);
			tx_gpu_flush(fp, b);
		} else {
			tx_due(fp, p, b, now);
		}
		if (poll(pfd, 2, 10) > 0) {
			if (pfd[0].revents)
				resp_read(fp);
			if (pfd[1].revents)
				replies(fp, p);
		}
		now = mono_us();
	}
	return (double)p->st.c.sent * 1e6 / (double)(now - t0);
}

static double
run(int gpu, uint32_t size, uint64_t count, uint64_t corrupt_every)
{
	static struct fp	 fp;
	struct fp_target	 t = { 0 };
	struct fp_path		 p = { 0 };
	struct ibuf		*b;
	const char		*mode = gpu ? "gpu" : "cpu";
	uint64_t		 bad = corrupt_every ? count / corrupt_every : 0;
	double			 pps;

	memset(&fp, 0, sizeof(fp));
	fp.conf.path = (struct path_conf){ .interval_us = 0,
	    .timeout_us = 2000000, .fail_consecutive = 5, .window = 100,
	    .fail_ratio = 0.2, .recover_consecutive = 10, .corrupt_fails = 0 };
	fp.conf.bind.sin_family = AF_INET;
	fp.conf.bind.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fp.conf.respond = 1;
	fp.conf.size = size;
	fp.conf.count = count;
	/* within the default loopback socket buffers (212992 octets) */
	fp.conf.max_inflight = window ? window : size > 1024 ? 16 : 128;
	fp.conf.test_corrupt = corrupt_every;
	fp.conf.payload_gpu = gpu;
	fp.seed = 0x5eed0000ULL + size + corrupt_every;
	fp.resp_fd = -1;
	if (tx_gpu_open(&fp) == -1)
		exit(77);
	if (resp_open(&fp) == -1 || open_path(&fp, &t, &p) == -1 ||
	    (b = ibuf_open(PROBE_PKT_MAX)) == NULL)
		fatal("setup");
	big_buffers(fp.resp_fd);
	big_buffers(p.fd);
	pps = run_loop(&fp, &p, b);
	check(p.st.c.sent == count, "sent", mode, size, p.st.c.sent, count);
	check(p.st.c.lost == 0, "lost", mode, size, p.st.c.lost, 0);
	check(p.st.c.integrity == bad, "path integrity failures", mode, size,
	    p.st.c.integrity, bad);
	check(fp.resp.parse.count[PROBE_E_INTEGRITY] == bad,
	    "responder integrity failures", mode, size,
	    fp.resp.parse.count[PROBE_E_INTEGRITY], bad);
	check(fp.resp.parse.count[PROBE_OK] == count - bad,
	    "responder accepted", mode, size, fp.resp.parse.count[PROBE_OK],
	    count - bad);
	check(fp.resp.gpu_errors + fp.send.gpu_errors == 0,
	    "batches the GPU failed", mode, size,
	    fp.resp.gpu_errors + fp.send.gpu_errors, 0);
	ibuf_free(b);
	close(p.fd);
	resp_close(&fp);
	payload_gpu_close(fp.gpu);
	return pps;
}

/* Microseconds per batch call: GPU (staging included) against the CPU. */
static void
batch_costs(void)
{
	static const size_t	 ns[] = { 1, 16, 128, 1024 };
	static const uint32_t	 lens[] = { 256, 4096 };
	static struct payload_ref refs[FP_GPU_BATCH];
	static uint64_t		 seqs[FP_GPU_BATCH], csums[FP_GPU_BATCH];
	static uint32_t		 verd[FP_GPU_BATCH];
	static uint8_t		 cpu[FP_GPU_BATCH * 4096];
	struct payload_gpu	*g;
	const uint8_t		*pl = NULL;
	char			 err[160];
	uint64_t		 t0, t[4];
	size_t			 i, k, r, n, reps = 200;

	if ((g = payload_gpu_open(FP_GPU_BATCH, 4096, err, sizeof(err))) ==
	    NULL)
		return;
	for (i = 0; i < 2; i++)
		for (k = 0; k < 4; k++) {
			n = ns[k];
			for (r = 0; r < n; r++)
				seqs[r] = r + 1;
			t0 = mono_us();
			for (r = 0; r < reps; r++)
				pl = payload_gpu_fill(g, lens[i], n, 7, seqs,
				    csums);
			t[0] = mono_us() - t0;
			if (pl == NULL)
				break;
			for (r = 0; r < n; r++)
				refs[r] = (struct payload_ref){ .buf = pl +
				    r * lens[i], .len = lens[i], .seed = 7,
				    .seq = seqs[r], .csum = csums[r] };
			t0 = mono_us();
			for (r = 0; r < reps; r++)
				(void)payload_gpu_verify(g, refs, n, verd);
			t[1] = mono_us() - t0;
			t0 = mono_us();
			for (r = 0; r < reps * n; r++)
				csums[r % n] = payload_fill(cpu + (r % n) *
				    lens[i], lens[i], 7, seqs[r % n]);
			t[2] = mono_us() - t0;
			t0 = mono_us();
			for (r = 0; r < reps * n; r++)
				verd[r % n] = (uint32_t)payload_verify(cpu +
				    (r % n) * lens[i], lens[i], 7, seqs[r % n],
				    csums[r % n]);
			t[3] = mono_us() - t0;
			printf("# batch of %4zu x %4u octets, us per batch: "
			    "gpu fill %.1f verify %.1f, cpu fill %.1f verify "
			    "%.1f\n", n, lens[i], (double)t[0] / reps,
			    (double)t[1] / reps, (double)t[2] / reps,
			    (double)t[3] / reps);
		}
	payload_gpu_close(g);
}

int
main(int argc, char *argv[])
{
	static const uint32_t	 sizes[] = { 256, 4096 };
	uint64_t		 count = argc > 1 ? strtoull(argv[1], NULL, 10) :
				    100000;
	double			 pps[2][2];
	size_t			 s;
	int			 gpu;

	if (argc > 2)
		window = (uint32_t)strtoul(argv[2], NULL, 10);
	log_init(LOG_TO_STDERR, LOG_DAEMON);
	for (gpu = 0; gpu < 2; gpu++)
		for (s = 0; s < 2; s++) {
			pps[gpu][s] = run(gpu, sizes[s], count, 0);
			(void)run(gpu, sizes[s], count, 7);
		}
	for (s = 0; s < 2; s++)
		printf("# %u-octet payloads, %llu probes, window %u: cpu %.0f "
		    "probes/s, gpu %.0f probes/s\n", sizes[s],
		    (unsigned long long)count, window ? window : sizes[s] > 1024 ?
		    16 : 128, pps[0][s], pps[1][s]);
	batch_costs();
	printf("# %d failed\n", failures);
	return failures ? 1 : 0;
}
