/*
 * cuda_dmabuf_test: GPU payload memory exported as a dma-buf
 * (payload_gpu_dmabuf(), payload_dmabuf.cu) and filled and verified in
 * place (payload_gpu_fill_dmabuf(), payload_gpu_verify_dmabuf()), run by
 * hand on a GPU machine.
 *
 *  1. The export: the descriptor is a dma-buf (fstat works, the kernel's
 *     /proc/self/fdinfo names an exporter, exp_name, and its size), of
 *     the requested length rounded up to whole host pages (lseek to the
 *     end), and the device address starts on a host page.
 *  2. In place against the CPU (payload.c): random seeds and sequence
 *     numbers, fast and byte paths, aligned and unaligned offsets; the
 *     bytes the GPU wrote into the exported buffer are those of
 *     payload_fill() and the checksums agree; then bytes flipped in the
 *     exported buffer and checksums altered are flagged exactly, with
 *     the CPU's verdict bits.  Ranges past the end, batches over maxn
 *     and calls without a buffer are refused.
 *  3. Time per batch (16/128/1024 x 256/4096 octets), the staged path
 *     (payload_gpu_fill/verify) and in place side by side, as ratios;
 *     then the kernels' throughput over 1 GiB in exported memory beside
 *     1 GiB of ordinary cudaMalloc() memory.
 *
 * No RDMA NIC exists where this runs, so ibv_reg_dmabuf_mr() is not
 * called: this shows the descriptor is one a NIC could import, not that
 * one did.  Exit 0: all checks passed; 1: a check failed; 77: no GPU.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cuda_runtime.h>

#include "payload.h"

#define MAXN		1024
#define MAXLEN		4096
#define REPS		300
#define WARMUP		30

#define CK(x) do {							\
	cudaError_t e_ = (x);						\
	if (e_ != cudaSuccess) {					\
		fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__,	\
		    #x, cudaGetErrorString(e_));			\
		exit(1);						\
	}								\
} while (0)

static uint64_t	 rng_state;

static uint64_t
rng(void)
{
	uint64_t	 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void *
xcalloc(size_t n, size_t sz)
{
	void	*p = calloc(n ? n : 1, sz);

	if (p == NULL) {
		perror("calloc");
		exit(1);
	}
	return p;
}

/* The value of "key:" in /proc/self/fdinfo/fd, or "" if absent. */
static void
fdinfo(int fd, const char *key, char *val, size_t vlen)
{
	char	 path[64], line[256];
	size_t	 klen = strlen(key);
	FILE	*f;

	val[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			snprintf(val, vlen, "%s", line + klen + 1 +
			    strspn(line + klen + 1, " \t"));
			val[strcspn(val, "\n")] = '\0';
			break;
		}
	fclose(f);
}

/* Check 1. */
static int
check_export(int fd, uint64_t off, void *dev, size_t asked)
{
	long		 page = sysconf(_SC_PAGESIZE);
	size_t		 want = (asked + page - 1) / page * page;
	char		 link[256] = "", path[64], exp[128], size[64];
	struct stat	 st;
	off_t		 end;
	ssize_t		 n;
	int		 fail = 0;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((n = readlink(path, link, sizeof(link) - 1)) > 0)
		link[n] = '\0';
	fdinfo(fd, "exp_name", exp, sizeof(exp));
	fdinfo(fd, "size", size, sizeof(size));
	end = lseek(fd, 0, SEEK_END);
	if (fstat(fd, &st) == -1) {
		perror("fstat");
		fail++;
	}
	fail += exp[0] == '\0';
	fail += end < 0 || (size_t)end != want;
	fail += size[0] == '\0' || strtoull(size, NULL, 10) != want;
	fail += off != 0 || (uintptr_t)dev % page != 0;
	printf("export: fd %d -> %s, exp_name '%s', fdinfo size %s, lseek end "
	    "%lld (asked %zu, want %zu: %zu pages of %ld), offset %llu, dev %p"
	    ": %s\n", fd, link, exp, size, (long long)end, asked, want,
	    want / page, page, (unsigned long long)off, dev,
	    fail ? "WRONG" : "ok");
	return fail != 0;
}

struct shape {
	size_t		 off, len, n;
	uint64_t	*seeds, *seqs, *csums;
	uint32_t	*verd;
	uint8_t		*cpu, *img, *bad;
};

/* Fills in place with two seeds (two calls), the CPU likewise. */
static int
shape_fill(struct payload_gpu *g, struct shape *s, uint8_t *dev)
{
	size_t		 k, half = s->n / 2;
	uint64_t	 s0 = rng(), s1 = rng(), c;
	int		 fail = 0;

	for (k = 0; k < s->n; k++) {
		s->seeds[k] = k < half ? s0 : s1;
		s->seqs[k] = rng() >> (k % 64);
	}
	if (payload_gpu_fill_dmabuf(g, s->off, s->len, half, s0, s->seqs,
	    s->csums) == -1 ||
	    payload_gpu_fill_dmabuf(g, s->off + half * s->len, s->len,
	    s->n - half, s1, s->seqs + half, s->csums + half) == -1)
		return 1;
	CK(cudaMemcpy(s->img, dev + s->off, s->len * s->n,
	    cudaMemcpyDeviceToHost));
	for (k = 0; k < s->n; k++) {
		c = payload_fill(s->cpu + k * s->len, s->len, s->seeds[k],
		    s->seqs[k]);
		fail += c != s->csums[k];
	}
	fail += memcmp(s->cpu, s->img, s->len * s->n) != 0;
	return fail;
}

/* Flips bytes in the exported buffer, alters checksums; verifies. */
static int
shape_damage(struct payload_gpu *g, struct shape *s, uint8_t *dev,
    size_t *nbad, size_t *flagged)
{
	size_t		 k, at;
	uint64_t	 r;
	int		 v, fail = 0;

	for (k = 0; k < s->n; k++) {
		r = rng();
		s->bad[k] = 0;
		if (s->len > 0 && r % 4 == 0) {
			at = k * s->len + (r >> 8) % s->len;
			s->img[at] ^= (uint8_t)(1 + (r >> 40) % 255);
			CK(cudaMemcpy(dev + s->off + at, s->img + at, 1,
			    cudaMemcpyHostToDevice));
			s->bad[k] = PAYLOAD_BAD_PATTERN;
		} else if (r % 4 == 1) {
			s->csums[k] ^= 1ULL << (r >> 58);
			s->bad[k] = PAYLOAD_BAD_CSUM;
		}
		*nbad += s->bad[k] != 0;
	}
	if (payload_gpu_verify_dmabuf(g, s->off, s->len, s->n, s->seeds,
	    s->seqs, s->csums, s->verd) == -1)
		return 1;
	for (k = 0; k < s->n; k++) {
		v = payload_verify(s->img + k * s->len, s->len, s->seeds[k],
		    s->seqs[k], s->csums[k]);
		if ((uint32_t)v != s->verd[k] || (v != 0) != (s->bad[k] != 0) ||
		    (s->bad[k] == PAYLOAD_BAD_CSUM && v != PAYLOAD_BAD_CSUM) ||
		    (s->bad[k] == PAYLOAD_BAD_PATTERN &&
		    !(v & PAYLOAD_BAD_PATTERN)))
			fail++;
		*flagged += s->verd[k] != 0;
	}
	return fail;
}

/* Check 2 for one shape. */
static int
check_inplace(struct payload_gpu *g, uint8_t *dev, size_t off, size_t len,
    size_t n)
{
	struct shape	 s = { off, len, n, NULL, NULL, NULL, NULL, NULL,
			    NULL, NULL };
	size_t		 nbad = 0, flagged = 0;
	int		 ffail, vfail;

	s.seeds = (uint64_t *)xcalloc(n, 8);
	s.seqs = (uint64_t *)xcalloc(n, 8);
	s.csums = (uint64_t *)xcalloc(n, 8);
	s.verd = (uint32_t *)xcalloc(n, 4);
	s.cpu = (uint8_t *)xcalloc(n * len, 1);
	s.img = (uint8_t *)xcalloc(n * len, 1);
	s.bad = (uint8_t *)xcalloc(n, 1);
	ffail = shape_fill(g, &s, dev);
	vfail = ffail ? 0 : shape_damage(g, &s, dev, &nbad, &flagged);
	printf("in place off=%zu len=%zu n=%zu: fill %s, %zu damaged, GPU "
	    "flagged %zu, verdicts %s\n", off, len, n,
	    ffail ? "DIFFERS from the CPU" : "identical to the CPU", nbad,
	    flagged, ffail ? "not checked" : vfail ? "DIFFER" : "agree");
	free(s.seeds);
	free(s.seqs);
	free(s.csums);
	free(s.verd);
	free(s.cpu);
	free(s.img);
	free(s.bad);
	return ffail + vfail != 0;
}

/* What must be refused is. */
static int
check_refusals(struct payload_gpu *g, size_t buflen)
{
	uint64_t	 w[MAXN + 1] = { 0 }, c[MAXN + 1];
	uint32_t	 v[MAXN + 1];
	int		 fail = 0;

	fail += payload_gpu_fill_dmabuf(g, buflen - 4096 + 16, 4096, 1, 1, w,
	    c) != -1;
	fail += payload_gpu_verify_dmabuf(g, buflen - 2 * 4096, 4096, 3, w, w,
	    c, v) != -1;
	fail += payload_gpu_fill_dmabuf(g, 0, 16, MAXN + 1, 1, w, c) != -1;
	fail += payload_gpu_fill_dmabuf(g, buflen + 1, 0, 1, 1, w, c) != -1;
	fail += payload_gpu_fill_dmabuf(g, buflen - 4096, 4096, 1, 1, w,
	    c) != 0;
	printf("refusals (past the end, over maxn; the last payload fits): "
	    "%s\n", fail ? "WRONG" : "ok");
	return fail != 0;
}

static double
mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct timing {
	double	 t[4][REPS];	/* staged fill, in place fill, staged
				   verify, in place verify */
};

/* One round of the four calls, each timed; verdicts must be clean. */
static int
bench_round(struct payload_gpu *g, size_t len, size_t n, const uint64_t *seqs,
    const uint64_t *seeds, struct payload_ref *refs, uint8_t *rx,
    double *t)
{
	uint64_t	 cs[MAXN], cs2[MAXN];
	uint32_t	 v[MAXN];
	const uint8_t	*p;
	size_t		 k;
	double		 t0;
	int		 fail = 0;

	t0 = mono_us();
	p = payload_gpu_fill(g, len, n, seeds[0], seqs, cs);
	t[0] = mono_us() - t0;
	t0 = mono_us();
	fail += payload_gpu_fill_dmabuf(g, 0, len, n, seeds[0], seqs,
	    cs2) == -1;
	t[1] = mono_us() - t0;
	if (p == NULL)
		return 1;
	memcpy(rx, p, n * len);		/* as received: plain host memory */
	for (k = 0; k < n; k++) {
		refs[k] = (struct payload_ref){ rx + k * len, (uint32_t)len,
		    seeds[k], seqs[k], cs[k] };
		fail += cs[k] != cs2[k];
	}
	t0 = mono_us();
	fail += payload_gpu_verify(g, refs, n, v) == -1;
	t[2] = mono_us() - t0;
	for (k = 0; k < n; k++)
		fail += v[k] != 0;
	t0 = mono_us();
	fail += payload_gpu_verify_dmabuf(g, 0, len, n, seeds, seqs, cs2,
	    v) == -1;
	t[3] = mono_us() - t0;
	for (k = 0; k < n; k++)
		fail += v[k] != 0;
	return fail;
}

/* Check 3, per batch: median (and minimum) microseconds, and ratios. */
static int
bench_batch(struct payload_gpu *g, size_t len, size_t n)
{
	static struct timing	 tm;
	static struct payload_ref refs[MAXN];
	uint64_t		 seqs[MAXN], seeds[MAXN];
	uint8_t			*rx = (uint8_t *)xcalloc(MAXN, MAXLEN);
	double			 t[4], med[4], lo[4];
	size_t			 k;
	int			 r, i, fail = 0;

	seeds[0] = rng();
	for (k = 0; k < n; k++) {
		seeds[k] = seeds[0];
		seqs[k] = rng();
	}
	for (r = -WARMUP; r < REPS; r++) {
		fail += bench_round(g, len, n, seqs, seeds, refs, rx, t);
		for (i = 0; r >= 0 && i < 4; i++)
			tm.t[i][r] = t[i];
	}
	for (i = 0; i < 4; i++) {
		qsort(tm.t[i], REPS, sizeof(double), cmp_double);
		med[i] = tm.t[i][REPS / 2];
		lo[i] = tm.t[i][0];
	}
	printf("| %4zu x %4zu | %6.1f (%5.1f) | %6.1f (%5.1f) | %5.2f | "
	    "%6.1f (%5.1f) | %6.1f (%5.1f) | %5.2f |%s\n", n, len, med[0],
	    lo[0], med[1], lo[1], med[0] / med[1], med[2], lo[2], med[3],
	    lo[3], med[2] / med[3], fail ? " VERDICTS WRONG" : "");
	free(rx);
	return fail != 0;
}

static double
ev_ms(cudaEvent_t a, cudaEvent_t z)
{
	float	 ms;

	CK(cudaEventElapsedTime(&ms, a, z));
	return ms;
}

/* The kernels alone over 1 GiB at buf: fill and verify GB/s. */
static int
kernel_gbs(uint8_t *buf, size_t len, size_t total, int iters,
    double *fill, double *verify)
{
	size_t		 n = total / len;
	uint64_t	*d, *h = (uint64_t *)xcalloc(2 * n, 8);
	uint32_t	*dv, *hv = (uint32_t *)xcalloc(n, 4);
	cudaEvent_t	 a, z;
	size_t		 k;
	int		 i, fail = 0;

	for (k = 0; k < 2 * n; k++)
		h[k] = rng();
	CK(cudaMalloc((void **)&d, 5 * n * 8));
	CK(cudaMalloc((void **)&dv, n * 4));
	CK(cudaMemcpy(d, h, 2 * n * 8, cudaMemcpyHostToDevice));
	CK(cudaEventCreate(&a));
	CK(cudaEventCreate(&z));
	fail += payload_cuda_fill(buf, len, n, d, d + n, d + 2 * n, NULL) != 0;
	CK(cudaEventRecord(a));
	for (i = 0; i < iters; i++)
		fail += payload_cuda_fill(buf, len, n, d, d + n, d + 2 * n,
		    NULL) != 0;
	CK(cudaEventRecord(z));
	CK(cudaEventSynchronize(z));
	*fill = total / (ev_ms(a, z) / iters) / 1e6;
	CK(cudaEventRecord(a));
	for (i = 0; i < iters; i++)
		fail += payload_cuda_verify(buf, len, n, d, d + n, d + 2 * n,
		    dv, d + 3 * n, NULL) != 0;
	CK(cudaEventRecord(z));
	CK(cudaEventSynchronize(z));
	*verify = total / (ev_ms(a, z) / iters) / 1e6;
	CK(cudaMemcpy(hv, dv, n * 4, cudaMemcpyDeviceToHost));
	for (k = 0; k < n; k++)
		fail += hv[k] != 0;
	CK(cudaEventDestroy(a));
	CK(cudaEventDestroy(z));
	CK(cudaFree(d));
	CK(cudaFree(dv));
	free(h);
	free(hv);
	return fail != 0;
}

/* Check 3, at scale: exported memory is as fast as any other. */
static int
bench_gib(void)
{
	size_t			 total = (size_t)1 << 30, lens[] = { 4096,
				    1 << 20 };
	struct payload_gpu	*g;
	char			 err[256];
	uint64_t		 off;
	void			*dev, *plain;
	double			 f[2], v[2];
	int			 fd, i, fail = 0;

	if ((g = payload_gpu_open(1, 16, err, sizeof(err))) == NULL ||
	    payload_gpu_dmabuf(g, total, &fd, &off, &dev, err,
	    sizeof(err)) == -1) {
		printf("1 GiB export: %s\n", err);
		payload_gpu_close(g);
		return 1;
	}
	CK(cudaMalloc(&plain, total));
	for (i = 0; i < 2; i++) {
		fail += kernel_gbs((uint8_t *)dev, lens[i], total, 20, &f[0],
		    &v[0]);
		fail += kernel_gbs((uint8_t *)plain, lens[i], total, 20, &f[1],
		    &v[1]);
		printf("1 GiB as %zu x %zu B, kernels only (20 passes): "
		    "exported verify %.0f GB/s, fill %.0f GB/s; cudaMalloc "
		    "verify %.0f GB/s, fill %.0f GB/s%s\n", total / lens[i],
		    lens[i], v[0], f[0], v[1], f[1],
		    fail ? " VERDICTS WRONG" : "");
	}
	CK(cudaFree(plain));
	payload_gpu_close(g);
	return fail != 0;
}

static int
checks(struct payload_gpu *g, uint8_t *dev, size_t buflen)
{
	static const size_t	 shapes[][3] = {	/* off, len, n */
		{ 0, 4096, 1024 }, { 4096, 256, 1024 }, { 16, 4096, 16 },
		{ 0, 16, 1000 }, { 48, 1000, 128 }, { 8, 4096, 64 },
		{ 3, 4093, 100 }, { 0, 1, 1024 }, { 64, 0, 8 },
	};
	size_t			 i;
	int			 fail = 0, round;

	for (round = 0; round < 3; round++)
		for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
			fail += check_inplace(g, dev, shapes[i][0],
			    shapes[i][1], shapes[i][2]);
	fail += check_refusals(g, buflen);
	return fail;
}

int
main(int argc, char **argv)
{
	static const size_t	 ns[] = { 16, 128, 1024 }, lens[] = { 256,
				    4096 };
	struct cudaDeviceProp	 prop;
	struct payload_gpu	*g;
	size_t			 asked = MAXN * MAXLEN + 2 * 4096 + 100;
	size_t			 i, j, buflen;
	uint64_t		 off;
	char			 err[256];
	void			*dev;
	int			 ndev = 0, fd, fail = 0, rdma = 0, drv = 0;

	rng_state = argc > 1 ? strtoull(argv[1], NULL, 0) :
	    (uint64_t)time(NULL);
	if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0) {
		printf("cuda_dmabuf_test: no CUDA device: skipped\n");
		return 77;
	}
	CK(cudaGetDeviceProperties(&prop, 0));
	CK(cudaDriverGetVersion(&drv));
	CK(cudaDeviceGetAttribute(&rdma, cudaDevAttrGPUDirectRDMASupported, 0));
	printf("device: %s, %d SMs, driver for CUDA %d.%d, GPUDirect RDMA "
	    "attribute %d; random seed %llu\n", prop.name,
	    prop.multiProcessorCount, drv / 1000, drv % 1000 / 10, rdma,
	    (unsigned long long)rng_state);
	if ((g = payload_gpu_open(MAXN, MAXLEN, err, sizeof(err))) == NULL ||
	    payload_gpu_dmabuf(g, asked, &fd, &off, &dev, err,
	    sizeof(err)) == -1) {
		printf("cuda_dmabuf_test: %s: FAILED\n", err);
		return 1;
	}
	buflen = (size_t)lseek(fd, 0, SEEK_END);
	fail += check_export(fd, off, dev, asked);
	fail += checks(g, (uint8_t *)dev, buflen);
	printf("us per batch, median (minimum) of %d, with the waits; ratio "
	    "= staged / in place\n| batch | staged fill | in-place fill | "
	    "ratio | staged verify | in-place verify | ratio |\n", REPS);
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++)
			fail += bench_batch(g, lens[j], ns[i]);
	payload_gpu_dmabuf_release(g);
	fail += payload_gpu_fill_dmabuf(g, 0, 16, 1, 1, &off, &off) != -1;
	payload_gpu_close(g);
	fail += bench_gib();
	printf("cuda_dmabuf_test: %s\n", fail ? "FAILED" : "all checks passed");
	return fail ? 1 : 0;
}
