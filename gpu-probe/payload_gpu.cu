/*
 * The daemon's GPU payload batches (payload.h): host staging, since the
 * machines here have no GPUDirect RDMA.  One stream, one pinned host
 * buffer and one device buffer of maxn * (maxlen + 16) octets, and a
 * pinned array of per-payload words (seeds, sequence numbers, checksums).
 *
 *   fill:   seeds and seqs up (one copy), payload_cuda_fill(), payloads
 *           and checksums down (two copies), one synchronisation
 *   verify: payloads gathered by length into the pinned buffer (each
 *           group 16-aligned, so the kernels' 16-octet path applies when
 *           the length allows), payloads and words up (two copies), one
 *           payload_cuda_verify() per length, verdicts down, one
 *           synchronisation
 *
 * Every call waits for its results: the caller (one poll loop) has the
 * next thing to do only once it has them.
 *
 * GPUDirect: payload_gpu_dmabuf() exports a device buffer as a dma-buf
 * (payload_dmabuf.cu) for the NIC to register, and payload_gpu_fill_dmabuf()
 * and payload_gpu_verify_dmabuf() work in place in it: no payload octet
 * crosses PCIe, only the per-payload words (seeds, sequence numbers,
 * checksums) and the verdicts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime.h>

#include "payload.h"
#include "payload_dmabuf.h"

#define ALIGN16(x)	(((x) + 15) & ~(size_t)15)

struct payload_gpu {
	size_t		 maxn, maxlen, paysize;
	cudaStream_t	 st;
	uint8_t		*h_pay, *d_pay;
	uint64_t	*h_words, *d_words;	/* 3 * maxn */
	uint64_t	*d_scratch;		/* 2 * maxn */
	uint32_t	*h_verd, *d_verd;
	size_t		*order;
	struct dmabuf_mem dmabuf;		/* fd -1: none */
};

extern "C" void
payload_gpu_close(struct payload_gpu *g)
{
	if (g == NULL)
		return;
	if (g->st != NULL)
		cudaStreamSynchronize(g->st);
	dmabuf_release(&g->dmabuf);
	cudaFreeHost(g->h_pay);
	cudaFreeHost(g->h_words);
	cudaFreeHost(g->h_verd);
	cudaFree(g->d_pay);
	cudaFree(g->d_words);
	cudaFree(g->d_scratch);
	cudaFree(g->d_verd);
	if (g->st != NULL)
		cudaStreamDestroy(g->st);
	free(g->order);
	free(g);
}

static int
gpu_alloc(struct payload_gpu *g)
{
	size_t	 n = g->maxn;

	return cudaStreamCreateWithFlags(&g->st, cudaStreamNonBlocking) ||
	    cudaMallocHost((void **)&g->h_pay, g->paysize) ||
	    cudaMallocHost((void **)&g->h_words, 3 * n * sizeof(uint64_t)) ||
	    cudaMallocHost((void **)&g->h_verd, n * sizeof(uint32_t)) ||
	    cudaMalloc((void **)&g->d_pay, g->paysize) ||
	    cudaMalloc((void **)&g->d_words, 3 * n * sizeof(uint64_t)) ||
	    cudaMalloc((void **)&g->d_scratch, 2 * n * sizeof(uint64_t)) ||
	    cudaMalloc((void **)&g->d_verd, n * sizeof(uint32_t)) ? -1 : 0;
}

/*
 * payload_cuda_fill() takes its scratch with cudaMallocAsync(): without
 * this the pool hands the memory back at every synchronisation and each
 * fill pays to map it again (about 85 us a batch on an H200).
 */
static void
keep_pool(void)
{
	cudaMemPool_t	 pool;
	uint64_t	 keep = UINT64_MAX;
	int		 dev;

	if (cudaGetDevice(&dev) == cudaSuccess &&
	    cudaDeviceGetDefaultMemPool(&pool, dev) == cudaSuccess)
		(void)cudaMemPoolSetAttribute(pool,
		    cudaMemPoolAttrReleaseThreshold, &keep);
}

extern "C" struct payload_gpu *
payload_gpu_open(size_t maxn, size_t maxlen, char *err, size_t errlen)
{
	struct payload_gpu	*g;
	cudaError_t		 e;
	int			 ndev = 0;

	if ((e = cudaGetDeviceCount(&ndev)) != cudaSuccess || ndev == 0) {
		snprintf(err, errlen, "no CUDA device: %s",
		    e != cudaSuccess ? cudaGetErrorString(e) : "none found");
		return NULL;
	}
	keep_pool();
	if ((g = (struct payload_gpu *)calloc(1, sizeof(*g))) == NULL ||
	    (g->order = (size_t *)calloc(maxn, sizeof(size_t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(g);
		return NULL;
	}
	g->dmabuf.fd = -1;
	g->maxn = maxn;
	g->maxlen = maxlen;
	g->paysize = maxn * ALIGN16(maxlen) + 16 * maxn;
	if (gpu_alloc(g) == -1) {
		snprintf(err, errlen, "CUDA buffers (%zu payloads of %zu "
		    "octets): %s", maxn, maxlen,
		    cudaGetErrorString(cudaGetLastError()));
		payload_gpu_close(g);
		return NULL;
	}
	return g;
}

/* (seed, seqs) up and the fill of n payloads at dev, on the stream. */
static int
fill_launch(struct payload_gpu *g, uint8_t *dev, size_t len, size_t n,
    uint64_t seed, const uint64_t *seqs)
{
	uint64_t	*hw = g->h_words, *dw = g->d_words;
	size_t		 k;

	for (k = 0; k < n; k++) {
		hw[k] = seed;
		hw[n + k] = seqs[k];
	}
	return cudaMemcpyAsync(dw, hw, 2 * n * sizeof(*hw),
	    cudaMemcpyHostToDevice, g->st) != cudaSuccess ||
	    payload_cuda_fill(dev, len, n, dw, dw + n, dw + 2 * n,
	    g->st) == -1 ? -1 : 0;
}

/* The checksums of the last fill down, and the wait for it all. */
static int
fill_finish(struct payload_gpu *g, size_t n, uint64_t *csums)
{
	uint64_t	*hw = g->h_words, *dw = g->d_words;

	if (cudaMemcpyAsync(hw + 2 * n, dw + 2 * n, n * sizeof(*hw),
	    cudaMemcpyDeviceToHost, g->st) != cudaSuccess ||
	    cudaStreamSynchronize(g->st) != cudaSuccess)
		return -1;
	memcpy(csums, hw + 2 * n, n * sizeof(*csums));
	return 0;
}

extern "C" const uint8_t *
payload_gpu_fill(struct payload_gpu *g, size_t len, size_t n, uint64_t seed,
    const uint64_t *seqs, uint64_t *csums)
{
	if (n == 0 || n > g->maxn || len > g->maxlen)
		return NULL;
	if (fill_launch(g, g->d_pay, len, n, seed, seqs) == -1 ||
	    (len > 0 && cudaMemcpyAsync(g->h_pay, g->d_pay, n * len,
	    cudaMemcpyDeviceToHost, g->st) != cudaSuccess) ||
	    fill_finish(g, n, csums) == -1)
		return NULL;
	return g->h_pay;
}

/* g->order: the indices of refs, stably sorted by length (few lengths). */
static void
sort_by_len(struct payload_gpu *g, const struct payload_ref *refs, size_t n)
{
	size_t	 i, j, x;

	for (i = 0; i < n; i++) {
		x = i;
		for (j = i; j > 0 && refs[g->order[j - 1]].len > refs[x].len;
		    j--)
			g->order[j] = g->order[j - 1];
		g->order[j] = x;
	}
}

/* Gathers the payloads by length; launches one verify per length. */
static int
verify_groups(struct payload_gpu *g, const struct payload_ref *refs,
    size_t n, size_t *paylen)
{
	uint64_t	*hw = g->h_words, *dw = g->d_words;
	size_t		 a, b, k, off = 0, len;

	for (k = 0; k < n; k++) {
		hw[k] = refs[g->order[k]].seed;
		hw[n + k] = refs[g->order[k]].seq;
		hw[2 * n + k] = refs[g->order[k]].csum;
	}
	for (a = 0; a < n; a = b, off = ALIGN16(off)) {
		len = refs[g->order[a]].len;
		for (b = a; b < n && refs[g->order[b]].len == len; b++) {
			memcpy(g->h_pay + off, refs[g->order[b]].buf, len);
			off += len;
		}
	}
	*paylen = off;
	if ((off > 0 && cudaMemcpyAsync(g->d_pay, g->h_pay, off,
	    cudaMemcpyHostToDevice, g->st) != cudaSuccess) ||
	    cudaMemcpyAsync(dw, hw, 3 * n * sizeof(*hw),
	    cudaMemcpyHostToDevice, g->st) != cudaSuccess)
		return -1;
	for (a = 0, off = 0; a < n; a = b, off = ALIGN16(off)) {
		len = refs[g->order[a]].len;
		for (b = a; b < n && refs[g->order[b]].len == len; b++)
			;
		if (payload_cuda_verify(g->d_pay + off, len, b - a, dw + a,
		    dw + n + a, dw + 2 * n + a, g->d_verd + a,
		    g->d_scratch + 2 * a, g->st) == -1)
			return -1;
		off += (b - a) * len;
	}
	return 0;
}

extern "C" int
payload_gpu_verify(struct payload_gpu *g, const struct payload_ref *refs,
    size_t n, uint32_t *verdicts)
{
	size_t	 k, paylen;

	if (n == 0)
		return 0;
	if (n > g->maxn)
		return -1;
	for (k = 0; k < n; k++)
		if (refs[k].len > g->maxlen)
			return -1;
	sort_by_len(g, refs, n);
	if (verify_groups(g, refs, n, &paylen) == -1 ||
	    cudaMemcpyAsync(g->h_verd, g->d_verd, n * sizeof(uint32_t),
	    cudaMemcpyDeviceToHost, g->st) != cudaSuccess ||
	    cudaStreamSynchronize(g->st) != cudaSuccess)
		return -1;
	for (k = 0; k < n; k++)
		verdicts[g->order[k]] = g->h_verd[k];
	return 0;
}

extern "C" int
payload_gpu_dmabuf(struct payload_gpu *g, size_t len, int *fd,
    uint64_t *offset, void **dev, char *err, size_t errlen)
{
	payload_gpu_dmabuf_release(g);
	if (dmabuf_export(&g->dmabuf, len, err, errlen) == -1)
		return -1;
	*fd = g->dmabuf.fd;
	*offset = 0;
	*dev = g->dmabuf.dev;
	return 0;
}

extern "C" void
payload_gpu_dmabuf_release(struct payload_gpu *g)
{
	if (g->st != NULL)
		(void)cudaStreamSynchronize(g->st);
	dmabuf_release(&g->dmabuf);
}

/* n payloads of len octets from off, within the exported buffer? */
static uint8_t *
dmabuf_at(struct payload_gpu *g, size_t off, size_t len, size_t n)
{
	const struct dmabuf_mem	*m = &g->dmabuf;

	if (m->fd < 0 || n > g->maxn || off > m->len ||
	    (len != 0 && n > (m->len - off) / len))
		return NULL;
	return (uint8_t *)m->dev + off;
}

extern "C" int
payload_gpu_fill_dmabuf(struct payload_gpu *g, size_t off, size_t len,
    size_t n, uint64_t seed, const uint64_t *seqs, uint64_t *csums)
{
	uint8_t		*dev;

	if (n == 0)
		return 0;
	if ((dev = dmabuf_at(g, off, len, n)) == NULL ||
	    fill_launch(g, dev, len, n, seed, seqs) == -1 ||
	    fill_finish(g, n, csums) == -1)
		return -1;
	return 0;
}

extern "C" int
payload_gpu_verify_dmabuf(struct payload_gpu *g, size_t off, size_t len,
    size_t n, const uint64_t *seeds, const uint64_t *seqs,
    const uint64_t *csums, uint32_t *verdicts)
{
	uint64_t	*hw = g->h_words, *dw = g->d_words;
	uint8_t		*dev;
	size_t		 k;

	if (n == 0)
		return 0;
	if ((dev = dmabuf_at(g, off, len, n)) == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		hw[k] = seeds[k];
		hw[n + k] = seqs[k];
		hw[2 * n + k] = csums[k];
	}
	if (cudaMemcpyAsync(dw, hw, 3 * n * sizeof(*hw),
	    cudaMemcpyHostToDevice, g->st) != cudaSuccess ||
	    payload_cuda_verify(dev, len, n, dw, dw + n, dw + 2 * n,
	    g->d_verd, g->d_scratch, g->st) == -1 ||
	    cudaMemcpyAsync(g->h_verd, g->d_verd, n * sizeof(uint32_t),
	    cudaMemcpyDeviceToHost, g->st) != cudaSuccess ||
	    cudaStreamSynchronize(g->st) != cudaSuccess)
		return -1;
	memcpy(verdicts, g->h_verd, n * sizeof(*verdicts));
	return 0;
}
