/*
 * cuda_selftest: the GPU payload path (payload_cuda.cu) against the CPU
 * reference (payload.c), then its speed beside the device's.
 *
 *  1. For batches of several payload sizes (the 16-octet fast path and
 *     the byte path), with random seeds and sequence numbers: the GPU's
 *     fill is byte-identical to the CPU's, and the checksums agree.
 *  2. Random bytes of random payloads are flipped, and some expected
 *     checksums altered: the GPU and the CPU flag exactly the same
 *     payloads with the same verdict bits, and exactly the damaged ones.
 *  3. GPU verify and fill throughput over a 1 GiB batch (1 MiB and 4 KiB
 *     payloads), beside a 1 GiB device-to-device cudaMemcpy and a kernel
 *     that only reads the same 1 GiB (what verify does, minus the
 *     arithmetic).
 *
 * Exit 0: all checks passed; 1: a check failed; 77: no usable GPU.
 * Build (see docs/PROBE.md): nvcc -O3 -arch=sm_90 -DHAVE_CUDA
 * -DPROBE_STANDALONE -I. cuda_selftest.cu payload_cuda.cu payload.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cuda_runtime.h>

#include "payload.h"

#define CK(x) do {							\
	cudaError_t e_ = (x);						\
	if (e_ != cudaSuccess) {					\
		fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__,	\
		    #x, cudaGetErrorString(e_));			\
		exit(1);						\
	}								\
} while (0)

static uint64_t	 rng_state = 0x5eed5eed12345678ULL;

static uint64_t
rng(void)
{
	uint64_t	 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct batch {
	size_t		 len, n;
	uint8_t		*d_buf;
	uint64_t	*d_seeds, *d_seqs, *d_csums, *d_scratch;
	uint32_t	*d_verdicts;
	uint64_t	*seeds, *seqs, *csums;
	uint32_t	*verdicts;
};

static void
batch_open(struct batch *b, size_t len, size_t n)
{
	size_t	 k;

	b->len = len;
	b->n = n;
	CK(cudaMalloc((void **)&b->d_buf, len * n + 16));
	CK(cudaMalloc((void **)&b->d_seeds, n * 8));
	CK(cudaMalloc((void **)&b->d_seqs, n * 8));
	CK(cudaMalloc((void **)&b->d_csums, n * 8));
	CK(cudaMalloc((void **)&b->d_scratch, 2 * n * 8));
	CK(cudaMalloc((void **)&b->d_verdicts, n * 4));
	b->seeds = (uint64_t *)calloc(n, 8);
	b->seqs = (uint64_t *)calloc(n, 8);
	b->csums = (uint64_t *)calloc(n, 8);
	b->verdicts = (uint32_t *)calloc(n, 4);
	if (!b->seeds || !b->seqs || !b->csums || !b->verdicts)
		exit(1);
	for (k = 0; k < n; k++) {
		b->seeds[k] = rng();
		b->seqs[k] = rng() >> (k % 64);
	}
	CK(cudaMemcpy(b->d_seeds, b->seeds, n * 8, cudaMemcpyHostToDevice));
	CK(cudaMemcpy(b->d_seqs, b->seqs, n * 8, cudaMemcpyHostToDevice));
}

static void
batch_close(struct batch *b)
{
	CK(cudaFree(b->d_buf));
	CK(cudaFree(b->d_seeds));
	CK(cudaFree(b->d_seqs));
	CK(cudaFree(b->d_csums));
	CK(cudaFree(b->d_scratch));
	CK(cudaFree(b->d_verdicts));
	free(b->seeds);
	free(b->seqs);
	free(b->csums);
	free(b->verdicts);
}

static int
gpu_verify(struct batch *b)
{
	if (payload_cuda_verify(b->d_buf, b->len, b->n, b->d_seeds,
	    b->d_seqs, b->d_csums, b->d_verdicts, b->d_scratch, NULL) == -1)
		return -1;
	CK(cudaDeviceSynchronize());
	CK(cudaMemcpy(b->verdicts, b->d_verdicts, b->n * 4,
	    cudaMemcpyDeviceToHost));
	return 0;
}

/* Checks 1 and 2 for one batch shape; returns the failures. */
static int
check_shape(size_t len, size_t n)
{
	struct batch	 b;
	uint8_t		*gpu = (uint8_t *)malloc(len * n + 1);
	uint8_t		*cpu = (uint8_t *)malloc(len * n + 1);
	uint8_t		*bad = (uint8_t *)calloc(n, 1);
	uint64_t	 c;
	size_t		 k, nbad = 0, fail = 0, flagged = 0;
	int		 v;

	batch_open(&b, len, n);
	if (payload_cuda_fill(b.d_buf, len, n, b.d_seeds, b.d_seqs,
	    b.d_csums, NULL) == -1)
		return 1;
	CK(cudaDeviceSynchronize());
	CK(cudaMemcpy(gpu, b.d_buf, len * n, cudaMemcpyDeviceToHost));
	CK(cudaMemcpy(b.csums, b.d_csums, n * 8, cudaMemcpyDeviceToHost));
	for (k = 0; k < n; k++) {
		c = payload_fill(cpu + k * len, len, b.seeds[k], b.seqs[k]);
		if (c != b.csums[k] || payload_checksum(gpu + k * len, len) != c)
			fail++;
	}
	if (memcmp(gpu, cpu, len * n) != 0)
		fail++;

	/* Damage: flipped bytes in some payloads, wrong checksums in others. */
	for (k = 0; k < n; k++) {
		uint64_t	 r = rng();

		if (len > 0 && r % 4 == 0) {
			gpu[k * len + (r >> 8) % len] ^=
			    (uint8_t)(1 + (r >> 40) % 255);
			bad[k] = PAYLOAD_BAD_PATTERN;
		} else if (r % 4 == 1) {
			b.csums[k] ^= 1ULL << (r >> 58);
			bad[k] = PAYLOAD_BAD_CSUM;
		}
		nbad += bad[k] != 0;
	}
	CK(cudaMemcpy(b.d_buf, gpu, len * n, cudaMemcpyHostToDevice));
	CK(cudaMemcpy(b.d_csums, b.csums, n * 8, cudaMemcpyHostToDevice));
	if (gpu_verify(&b) == -1)
		return 1;
	for (k = 0; k < n; k++) {
		v = payload_verify(gpu + k * len, len, b.seeds[k], b.seqs[k],
		    b.csums[k]);
		if ((uint32_t)v != b.verdicts[k] || (v != 0) != (bad[k] != 0) ||
		    (bad[k] == PAYLOAD_BAD_CSUM && v != PAYLOAD_BAD_CSUM) ||
		    (bad[k] == PAYLOAD_BAD_PATTERN && !(v & PAYLOAD_BAD_PATTERN)))
			fail++;
		flagged += b.verdicts[k] != 0;
	}
	printf("check len=%zu n=%zu: fill identical, %zu damaged, GPU flagged "
	    "%zu, CPU/GPU verdicts %s\n", len, n, nbad, flagged,
	    fail ? "DIFFER" : "agree");
	batch_close(&b);
	free(gpu);
	free(cpu);
	free(bad);
	return fail != 0;
}

static double
elapsed_ms(cudaEvent_t a, cudaEvent_t z)
{
	float	 ms;

	CK(cudaEventElapsedTime(&ms, a, z));
	return ms;
}

/* Check 3: verify and fill throughput for one payload size, 1 GiB. */
static int
bench_shape(size_t len, size_t total, int iters)
{
	struct batch	 b;
	cudaEvent_t	 a, z;
	size_t		 k;
	double		 vms, fms;
	int		 i, fail = 0;

	batch_open(&b, len, total / len);
	CK(cudaEventCreate(&a));
	CK(cudaEventCreate(&z));
	if (payload_cuda_fill(b.d_buf, len, b.n, b.d_seeds, b.d_seqs,
	    b.d_csums, NULL) == -1)
		return 1;
	CK(cudaEventRecord(a));
	for (i = 0; i < iters; i++)
		payload_cuda_fill(b.d_buf, len, b.n, b.d_seeds, b.d_seqs,
		    b.d_csums, NULL);
	CK(cudaEventRecord(z));
	CK(cudaEventSynchronize(z));
	fms = elapsed_ms(a, z) / iters;
	if (gpu_verify(&b) == -1)
		return 1;
	CK(cudaEventRecord(a));
	for (i = 0; i < iters; i++)
		payload_cuda_verify(b.d_buf, len, b.n, b.d_seeds, b.d_seqs,
		    b.d_csums, b.d_verdicts, b.d_scratch, NULL);
	CK(cudaEventRecord(z));
	CK(cudaEventSynchronize(z));
	vms = elapsed_ms(a, z) / iters;
	CK(cudaMemcpy(b.verdicts, b.d_verdicts, b.n * 4,
	    cudaMemcpyDeviceToHost));
	for (k = 0; k < b.n; k++)
		fail += b.verdicts[k] != 0;
	printf("GPU %zu x %zu B (%.0f MiB): verify %.1f GB/s (%.3f ms), "
	    "fill %.1f GB/s (%.3f ms)%s\n", b.n, len, total / 1048576.0,
	    total / vms / 1e6, vms, total / fms / 1e6, fms,
	    fail ? " VERDICTS WRONG" : "");
	CK(cudaEventDestroy(a));
	CK(cudaEventDestroy(z));
	batch_close(&b);
	return fail != 0;
}

/* The same reads as verify, with no arithmetic: the read-only ceiling. */
__global__ static void
k_read(const ulonglong2 *p, size_t npairs, unsigned long long *out)
{
	size_t		 j = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	size_t		 stride = (size_t)gridDim.x * blockDim.x;
	uint64_t	 x = 0;

#pragma unroll 4
	for (; j < npairs; j += stride) {
		ulonglong2	 v = __ldg(&p[j]);

		x ^= v.x ^ v.y;
	}
	if (x == 0x5a5a5a5a5a5a5a5aULL)	/* never: keeps the loads */
		atomicAdd(out, 1ULL);
}

static void
bench_read(size_t total, int iters)
{
	void			*src;
	unsigned long long	*out;
	cudaEvent_t		 a, z;
	double			 ms;
	int			 i, nsm;

	CK(cudaMalloc(&src, total));
	CK(cudaMalloc((void **)&out, 8));
	CK(cudaMemset(src, 1, total));
	CK(cudaDeviceGetAttribute(&nsm, cudaDevAttrMultiProcessorCount, 0));
	k_read<<<nsm * 8, 256>>>((const ulonglong2 *)src, total / 16, out);
	CK(cudaEventCreate(&a));
	CK(cudaEventCreate(&z));
	CK(cudaEventRecord(a));
	for (i = 0; i < iters; i++)
		k_read<<<nsm * 8, 256>>>((const ulonglong2 *)src, total / 16,
		    out);
	CK(cudaEventRecord(z));
	CK(cudaEventSynchronize(z));
	ms = elapsed_ms(a, z) / iters;
	printf("read-only kernel %.0f MiB: %.1f GB/s (%.3f ms)\n",
	    total / 1048576.0, total / ms / 1e6, ms);
	CK(cudaFree(src));
	CK(cudaFree(out));
	CK(cudaEventDestroy(a));
	CK(cudaEventDestroy(z));
}

static void
bench_memcpy(size_t total, int iters)
{
	void		*src, *dst;
	cudaEvent_t	 a, z;
	double		 ms;
	int		 i;

	CK(cudaMalloc(&src, total));
	CK(cudaMalloc(&dst, total));
	CK(cudaMemset(src, 1, total));
	CK(cudaMemcpy(dst, src, total, cudaMemcpyDeviceToDevice));
	CK(cudaEventCreate(&a));
	CK(cudaEventCreate(&z));
	CK(cudaEventRecord(a));
	for (i = 0; i < iters; i++)
		CK(cudaMemcpyAsync(dst, src, total, cudaMemcpyDeviceToDevice));
	CK(cudaEventRecord(z));
	CK(cudaEventSynchronize(z));
	ms = elapsed_ms(a, z) / iters;
	printf("cudaMemcpy D2D %.0f MiB: %.1f GB/s copied (%.3f ms), "
	    "%.1f GB/s of memory traffic (read + write)\n", total / 1048576.0,
	    total / ms / 1e6, ms, 2 * total / ms / 1e6);
	CK(cudaFree(src));
	CK(cudaFree(dst));
	CK(cudaEventDestroy(a));
	CK(cudaEventDestroy(z));
}

static void
bench_cpu(size_t len, int iters)
{
	uint8_t		*p = (uint8_t *)malloc(len);
	struct timespec	 t0, t1;
	uint64_t	 c = 0;
	double		 s;
	int		 i, v = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++)
		c = payload_fill(p, len, 7, (uint64_t)i);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("CPU (one core) fill %zu B: %.2f GB/s\n", len,
	    (double)len * iters / s / 1e9);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++)
		v |= payload_verify(p, len, 7, (uint64_t)iters - 1, c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("CPU (one core) verify %zu B: %.2f GB/s%s\n", len,
	    (double)len * iters / s / 1e9, v ? " WRONG VERDICT" : "");
	free(p);
}

int
main(void)
{
	static const size_t	 lens[] = { 0, 1, 7, 8, 16, 1000, 4093, 4096, 12288,
				    65536 + 8, 1 << 20 };
	struct cudaDeviceProp	 prop;
	size_t			 i, total = (size_t)1 << 30;
	int			 ndev = 0, fail = 0;

	if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0) {
		printf("cuda_selftest: no CUDA device: skipped\n");
		return 77;
	}
	CK(cudaGetDeviceProperties(&prop, 0));
	printf("device: %s, %zu MiB, %d SMs, sm_%d%d\n", prop.name,
	    prop.totalGlobalMem >> 20, prop.multiProcessorCount, prop.major,
	    prop.minor);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		fail += check_shape(lens[i], lens[i] >= 65536 ? 64 : 1000);
	fail += check_shape(4096, 70000);	/* more than 65535 rows */
	fail += bench_shape(1 << 20, total, 20);
	fail += bench_shape(4096, total, 20);
	bench_memcpy(total, 20);
	bench_read(total, 20);
	bench_cpu(1 << 20, 200);
	printf("cuda_selftest: %s\n", fail ? "FAILED" : "all checks passed");
	return fail ? 1 : 0;
}
