/*
 * Probe payloads: filled deterministically from (seed, sequence number)
 * and verified by the receiver, which knows both from the probe header.
 * payload_algo.h defines the pattern and the checksum; this is the CPU
 * reference path and, with HAVE_CUDA, the C interface to the GPU one
 * (payload_cuda.cu), which must agree with it bit for bit.
 */
#ifndef FABRIC_PAYLOAD_H
#define FABRIC_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* payload_verify() verdict bits: 0 is a good payload. */
#define PAYLOAD_BAD_PATTERN	0x01	/* a word differs from the pattern */
#define PAYLOAD_BAD_CSUM	0x02	/* the checksum differs */

/* payload.c: the CPU path.  Buffers need no alignment. */
uint64_t	 payload_fill(void *, size_t, uint64_t, uint64_t);
uint64_t	 payload_checksum(const void *, size_t);
int		 payload_verify(const void *, size_t, uint64_t, uint64_t,
		    uint64_t);

/*
 * Batches on the GPU with host staging, for the daemon (payload_gpu.cu;
 * docs/PROBE.md, "GPU payloads in the daemon").  Without HAVE_CUDA,
 * payload_gpu_open() fails with "built without CUDA: configure
 * --with-cuda" and the others are never reached.
 *   open:   room for batches of up to maxn payloads of up to maxlen
 *           octets (pinned host and device buffers, one stream); NULL
 *           with a message in err on failure
 *   fill:   n payloads of len octets for (seed, seqs[k]), filled on the
 *           GPU and copied back: payload k is at the returned pointer
 *           (pinned, valid until the next call) + k * len, its checksum
 *           in csums[k]; NULL if CUDA failed
 *   verify: verdicts[k] = PAYLOAD_BAD_* bits of refs[k] (any lengths up
 *           to maxlen, grouped by length into one kernel each); 0, or -1
 *           if CUDA failed (verdicts then undefined)
 */
struct payload_gpu;

struct payload_ref {
	const void	*buf;
	uint32_t	 len;
	uint64_t	 seed, seq, csum;
};

struct payload_gpu *payload_gpu_open(size_t, size_t, char *, size_t);
void		 payload_gpu_close(struct payload_gpu *);
const uint8_t	*payload_gpu_fill(struct payload_gpu *, size_t, size_t,
		    uint64_t, const uint64_t *, uint64_t *);
int		 payload_gpu_verify(struct payload_gpu *,
		    const struct payload_ref *, size_t, uint32_t *);

#ifdef HAVE_CUDA
/*
 * payload_cuda.cu: n payloads of len octets each, back to back in device
 * memory at buf (the GPU path needs buf 8-octet aligned and len a multiple
 * of 8 for its fast loads; other lengths take a byte path).  seeds, seqs,
 * csums and verdicts are device arrays of n; stream is a cudaStream_t
 * (NULL: the default stream).  The calls are asynchronous on stream and
 * return 0, or -1 if a launch failed.
 *   fill:   writes the patterns and their checksums to csums
 *   verify: verdicts[k] = PAYLOAD_BAD_* bits of payload k against its
 *           (seed, seq) and csums[k]; scratch is a device array of 2 * n
 *           uint64_t that the call overwrites
 */
int	 payload_cuda_fill(void *, size_t, size_t, const uint64_t *,
	    const uint64_t *, uint64_t *, void *);
int	 payload_cuda_verify(const void *, size_t, size_t, const uint64_t *,
	    const uint64_t *, const uint64_t *, uint32_t *, uint64_t *,
	    void *);

/*
 * GPUDirect over dma-buf (payload_gpu.cu, payload_dmabuf.cu; docs/PROBE.md,
 * "GPU memory for the NIC: dmabuf"): one device buffer per struct
 * payload_gpu that a NIC can register, and fill and verify in place in
 * it, with no payload octet staged through host memory.
 *   dmabuf:  a device buffer of at least len octets (rounded up to whole
 *            host pages, starting on one) exported as a dma-buf: *fd,
 *            *offset and *dev are what ibv_reg_dmabuf_mr(pd, *offset,
 *            len, (uintptr_t)*dev, *fd, access) takes (the device
 *            address as IOVA; the CPU cannot dereference it).  A second
 *            call releases the first buffer.  0, or -1 and why in err:
 *            no device, a driver without the API, or a device or driver
 *            that cannot export dma-bufs
 *   release: closes the fd and frees the memory (after ibv_dereg_mr);
 *            payload_gpu_close() does it too
 *   fill_dmabuf:   n payloads of len octets, back to back from octet off
 *            of that buffer, for (seed, seqs[k]), written by the GPU in
 *            place; checksums to csums[k]
 *   verify_dmabuf: verdicts[k] = PAYLOAD_BAD_* bits of the payload of
 *            len octets at off + k * len against (seeds[k], seqs[k],
 *            csums[k])
 *   Both wait for the GPU and return 0, or -1: no buffer exported, n over
 *   the maxn of payload_gpu_open(), a range past the buffer's end, or a
 *   CUDA failure.  off and len multiples of 16 take the 16-octet loads.
 */
int	 payload_gpu_dmabuf(struct payload_gpu *, size_t, int *, uint64_t *,
	    void **, char *, size_t);
void	 payload_gpu_dmabuf_release(struct payload_gpu *);
int	 payload_gpu_fill_dmabuf(struct payload_gpu *, size_t, size_t, size_t,
	    uint64_t, const uint64_t *, uint64_t *);
int	 payload_gpu_verify_dmabuf(struct payload_gpu *, size_t, size_t,
	    size_t, const uint64_t *, const uint64_t *, const uint64_t *,
	    uint32_t *);
#endif

#ifdef __cplusplus
}
#endif

#endif /* FABRIC_PAYLOAD_H */
