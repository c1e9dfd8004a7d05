/*
 * The GPU path for probe payloads: fill and verify batches of payloads in
 * device memory with the pattern and checksum of payload_algo.h, the same
 * inline functions the CPU path (payload.c) runs, so the bits agree.
 *
 * A batch is n payloads of len octets, back to back.  The grid is
 * (blocks per payload, n): each thread walks its payload's words with a
 * grid stride, each block sums its checksum terms and ORs its pattern
 * mismatches, and one atomic per block adds them into the payload's
 * accumulator (the checksum sum is mod 2^64, so the order of the atomics
 * does not change the result).  A second kernel finishes each payload.
 * Payloads of a multiple of 16 octets from a 16-aligned base take 16-octet
 * loads (a warp per payload up to 8 KiB, blocks per payload above);
 * anything else a byte-wise path.
 */
#include <stdint.h>

#include <cuda_runtime.h>

#include "payload.h"
#include "payload_algo.h"

#define THREADS		256
#define WARPS		(THREADS / 32)
#define PAIRS_PER_THREAD 8	/* 128 octets a thread: enough in flight */
#define MAX_BLOCKS_Y	65535
#define WARP_MAX_LEN	8192	/* a warp per payload up to this */

struct acc {
	uint64_t	 sum;
	uint64_t	 diff;
};

/* Adds the block's (sum, diff) into out[0], out[1] with two atomics. */
__device__ static void
block_reduce(struct acc a, unsigned long long *out)
{
	__shared__ uint64_t	 ssum[WARPS], sdiff[WARPS];
	int			 lane = threadIdx.x % 32, warp = threadIdx.x / 32;
	int			 k;

	for (k = 16; k > 0; k /= 2) {
		a.sum += __shfl_xor_sync(0xffffffffU, a.sum, k);
		a.diff |= __shfl_xor_sync(0xffffffffU, a.diff, k);
	}
	if (lane == 0) {
		ssum[warp] = a.sum;
		sdiff[warp] = a.diff;
	}
	__syncthreads();
	if (threadIdx.x != 0)
		return;
	a.sum = 0;
	a.diff = 0;
	for (k = 0; k < WARPS; k++) {
		a.sum += ssum[k];
		a.diff |= sdiff[k];
	}
	atomicAdd(&out[0], (unsigned long long)a.sum);
	if (a.diff != 0)
		atomicOr(&out[1], 1ULL);
}

/* Word i of a payload of len octets, zero-padded past the end. */
__device__ static uint64_t
load_word_bytes(const uint8_t *p, size_t i, size_t len)
{
	uint64_t	 w = 0;
	size_t		 k, n = len - 8 * i < 8 ? len - 8 * i : 8;

	for (k = 0; k < n; k++)
		w |= (uint64_t)p[8 * i + k] << (8 * k);
	return w;
}

__device__ static void
store_word_bytes(uint8_t *p, size_t i, size_t len, uint64_t w)
{
	size_t		 k, n = len - 8 * i < 8 ? len - 8 * i : 8;

	for (k = 0; k < n; k++)
		p[8 * i + k] = (uint8_t)(w >> (8 * k));
}

/* fill = 1: write the pattern; fill = 0: check it.  Fast 16-octet path. */
template <int fill>
__global__ static void
k_pairs(uint8_t *buf, size_t len, const uint64_t *seeds,
    const uint64_t *seqs, unsigned long long *accs)
{
	size_t		 b = blockIdx.y, npairs = len / 16;
	ulonglong2	*p = (ulonglong2 *)(buf + b * len);
	uint64_t	 base = payload_base(seeds[b], seqs[b]);
	size_t		 j = (size_t)blockIdx.x * THREADS + threadIdx.x;
	size_t		 stride = (size_t)gridDim.x * THREADS;
	struct acc	 a = { 0, 0 };

	for (; j < npairs; j += stride) {
		uint64_t	 w0 = payload_word(base, 2 * j);
		uint64_t	 w1 = payload_word(base, 2 * j + 1);

		if (fill) {
			p[j] = make_ulonglong2(w0, w1);
		} else {
			ulonglong2	 v = __ldg(&p[j]);

			a.diff |= (v.x ^ w0) | (v.y ^ w1);
			w0 = v.x;
			w1 = v.y;
		}
		a.sum += payload_term(w0, 2 * j) + payload_term(w1, 2 * j + 1);
	}
	block_reduce(a, accs + 2 * b);
}

/*
 * Small payloads (packets: up to WARP_MAX_LEN octets), fast path: a warp
 * per payload, so that a 4 KiB payload keeps 32 lanes busy and needs no
 * atomics; the lanes' results go straight to the payload's accumulator.
 */
template <int fill>
__global__ static void
k_pairs_warp(uint8_t *buf, size_t len, size_t n, const uint64_t *seeds,
    const uint64_t *seqs, unsigned long long *accs)
{
	size_t		 b = (size_t)blockIdx.x * WARPS + threadIdx.x / 32;
	size_t		 j, npairs = len / 16;
	int		 lane = threadIdx.x % 32, k;
	ulonglong2	*p;
	uint64_t	 base;
	struct acc	 a = { 0, 0 };

	if (b >= n)
		return;		/* whole warps leave together */
	p = (ulonglong2 *)(buf + b * len);
	base = payload_base(seeds[b], seqs[b]);
#pragma unroll 4
	for (j = lane; j < npairs; j += 32) {
		uint64_t	 w0 = payload_word(base, 2 * j);
		uint64_t	 w1 = payload_word(base, 2 * j + 1);

		if (fill) {
			p[j] = make_ulonglong2(w0, w1);
		} else {
			ulonglong2	 v = __ldg(&p[j]);

			a.diff |= (v.x ^ w0) | (v.y ^ w1);
			w0 = v.x;
			w1 = v.y;
		}
		a.sum += payload_term(w0, 2 * j) + payload_term(w1, 2 * j + 1);
	}
	for (k = 16; k > 0; k /= 2) {
		a.sum += __shfl_xor_sync(0xffffffffU, a.sum, k);
		a.diff |= __shfl_xor_sync(0xffffffffU, a.diff, k);
	}
	if (lane == 0) {
		accs[2 * b] = a.sum;
		accs[2 * b + 1] = a.diff != 0;
	}
}

/* Any length, any alignment: one word at a time, byte by byte. */
template <int fill>
__global__ static void
k_bytes(uint8_t *buf, size_t len, const uint64_t *seeds,
    const uint64_t *seqs, unsigned long long *accs)
{
	size_t		 b = blockIdx.y, nwords = (len + 7) / 8;
	uint8_t		*p = buf + b * len;
	uint64_t	 base = payload_base(seeds[b], seqs[b]), w, want;
	size_t		 i = (size_t)blockIdx.x * THREADS + threadIdx.x;
	size_t		 stride = (size_t)gridDim.x * THREADS;
	struct acc	 a = { 0, 0 };

	for (; i < nwords; i += stride) {
		want = payload_keep(payload_word(base, i), len - 8 * i);
		if (fill) {
			store_word_bytes(p, i, len, want);
			w = want;
		} else {
			w = load_word_bytes(p, i, len);
			a.diff |= w ^ want;
		}
		a.sum += payload_term(w, i);
	}
	block_reduce(a, accs + 2 * b);
}

__global__ static void
k_fill_final(size_t len, size_t n, const unsigned long long *accs,
    uint64_t *csums)
{
	size_t	 b = (size_t)blockIdx.x * blockDim.x + threadIdx.x;

	if (b < n)
		csums[b] = payload_final(accs[2 * b], len);
}

__global__ static void
k_verify_final(size_t len, size_t n, const unsigned long long *accs,
    const uint64_t *csums, uint32_t *verdicts)
{
	size_t		 b = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	uint32_t	 v = 0;

	if (b >= n)
		return;
	if (accs[2 * b + 1] != 0)
		v |= PAYLOAD_BAD_PATTERN;
	if (payload_final(accs[2 * b], len) != csums[b])
		v |= PAYLOAD_BAD_CSUM;
	verdicts[b] = v;
}

/* Runs the fill or verify pass over the batch into accs (2 * n). */
static int
launch_pass(int fill, void *buf, size_t len, size_t n,
    const uint64_t *seeds, const uint64_t *seqs, unsigned long long *accs,
    cudaStream_t st)
{
	int	 fast = len % 16 == 0 && (uintptr_t)buf % 16 == 0;
	size_t	 units = fast ? len / 16 : (len + 7) / 8;
	size_t	 bx = (units + THREADS * PAIRS_PER_THREAD - 1) /
		    (THREADS * PAIRS_PER_THREAD);
	size_t	 done;

	if (bx == 0)
		bx = 1;
	if (cudaMemsetAsync(accs, 0, 2 * n * sizeof(*accs), st) != cudaSuccess)
		return -1;
	if (fast && len <= WARP_MAX_LEN) {
		unsigned int	 nb = (unsigned int)((n + WARPS - 1) / WARPS);

		if (fill)
			k_pairs_warp<1><<<nb, THREADS, 0, st>>>((uint8_t *)buf,
			    len, n, seeds, seqs, accs);
		else
			k_pairs_warp<0><<<nb, THREADS, 0, st>>>((uint8_t *)buf,
			    len, n, seeds, seqs, accs);
		return cudaGetLastError() == cudaSuccess ? 0 : -1;
	}
	for (done = 0; done < n; done += MAX_BLOCKS_Y) {
		size_t		 m = n - done < MAX_BLOCKS_Y ? n - done :
				    MAX_BLOCKS_Y;
		dim3		 grid((unsigned int)bx, (unsigned int)m);
		uint8_t		*p = (uint8_t *)buf + done * len;

		if (fast && fill)
			k_pairs<1><<<grid, THREADS, 0, st>>>(p, len,
			    seeds + done, seqs + done, accs + 2 * done);
		else if (fast)
			k_pairs<0><<<grid, THREADS, 0, st>>>(p, len,
			    seeds + done, seqs + done, accs + 2 * done);
		else if (fill)
			k_bytes<1><<<grid, THREADS, 0, st>>>(p, len,
			    seeds + done, seqs + done, accs + 2 * done);
		else
			k_bytes<0><<<grid, THREADS, 0, st>>>(p, len,
			    seeds + done, seqs + done, accs + 2 * done);
	}
	return cudaGetLastError() == cudaSuccess ? 0 : -1;
}

int
payload_cuda_fill(void *buf, size_t len, size_t n, const uint64_t *seeds,
    const uint64_t *seqs, uint64_t *csums, void *stream)
{
	cudaStream_t		 st = (cudaStream_t)stream;
	unsigned long long	*accs;
	int			 rc;

	if (n == 0)
		return 0;
	/* The sums go through scratch of our own: csums holds one word each. */
	if (cudaMallocAsync((void **)&accs, 2 * n * sizeof(*accs), st) !=
	    cudaSuccess)
		return -1;
	rc = launch_pass(1, buf, len, n, seeds, seqs, accs, st);
	if (rc == 0) {
		k_fill_final<<<(unsigned int)((n + THREADS - 1) / THREADS),
		    THREADS, 0, st>>>(len, n, accs, csums);
		rc = cudaGetLastError() == cudaSuccess ? 0 : -1;
	}
	if (cudaFreeAsync(accs, st) != cudaSuccess)
		rc = -1;
	return rc;
}

int
payload_cuda_verify(const void *buf, size_t len, size_t n,
    const uint64_t *seeds, const uint64_t *seqs, const uint64_t *csums,
    uint32_t *verdicts, uint64_t *scratch, void *stream)
{
	cudaStream_t		 st = (cudaStream_t)stream;
	unsigned long long	*accs = (unsigned long long *)scratch;

	if (n == 0)
		return 0;
	/* Verify only reads buf; the shared pass takes it non-const. */
	if (launch_pass(0, (void *)buf, len, n, seeds, seqs, accs, st) == -1)
		return -1;
	k_verify_final<<<(unsigned int)((n + THREADS - 1) / THREADS), THREADS,
	    0, st>>>(len, n, accs, csums, verdicts);
	return cudaGetLastError() == cudaSuccess ? 0 : -1;
}
