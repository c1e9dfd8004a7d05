/*
 * Device memory exported as a dma-buf (payload_dmabuf.cu), for
 * payload_gpu.cu: the payload buffer a NIC registers with
 * ibv_reg_dmabuf_mr().  Internal to the CUDA part of libprobe.a; the
 * public interface is payload_gpu_dmabuf() in payload.h.
 */
#ifndef FABRIC_PAYLOAD_DMABUF_H
#define FABRIC_PAYLOAD_DMABUF_H

#include <stddef.h>

struct dmabuf_mem {
	void	*alloc;		/* what cudaMalloc returned; NULL: none */
	void	*dev;		/* host-page aligned start of the export */
	size_t	 len;		/* octets exported: a multiple of the page */
	int	 fd;		/* the dma-buf; -1: none */
};

/* payload_dmabuf.cu */
int	 dmabuf_export(struct dmabuf_mem *, size_t, char *, size_t);
void	 dmabuf_release(struct dmabuf_mem *);

#endif /* FABRIC_PAYLOAD_DMABUF_H */
