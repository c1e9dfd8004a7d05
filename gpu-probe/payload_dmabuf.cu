/*
 * GPU memory a NIC can reach: a device buffer exported as a dma-buf
 * file descriptor with cuMemGetHandleForAddressRange(), which the verbs
 * back end registers with ibv_reg_dmabuf_mr() (probe_verbs.h: dmabuf_fd,
 * dmabuf_offset, and the device address as the IOVA).  The payload
 * kernels then write and read the very memory the NIC sends from and
 * receives into (payload_gpu.cu, payload_gpu_fill_dmabuf()).
 *
 * The driver API is reached through cudaGetDriverEntryPointByVersion()
 * rather than by linking -lcuda: a build --with-cuda then still starts
 * where there is no NVIDIA driver (no libcuda.so.1), as the CPU path
 * must, and builds where there is only the toolkit (no stub library).
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cuda.h>
#include <cuda_runtime.h>

#include "payload_dmabuf.h"

typedef CUresult (*dev_attr_fn)(int *, CUdevice_attribute, CUdevice);
typedef CUresult (*range_handle_fn)(void *, CUdeviceptr, size_t,
    CUmemRangeHandleType, unsigned long long);
typedef CUresult (*ptr_attr_fn)(const void *, CUpointer_attribute,
    CUdeviceptr);
typedef CUresult (*err_name_fn)(CUresult, const char **);

struct drv {
	dev_attr_fn	 dev_attr;
	range_handle_fn	 range_handle;
	ptr_attr_fn	 ptr_attr;
	err_name_fn	 err_name;
};

/*
 * One driver entry point, in the version of the headers this was built
 * with (CUDART_VERSION), so that its signature is the one cuda.h gives.
 */
static int
drv_sym(const char *name, void **fn, char *err, size_t errlen)
{
	enum cudaDriverEntryPointQueryResult	 q;
	cudaError_t				 e;

	e = cudaGetDriverEntryPointByVersion(name, fn, CUDART_VERSION,
	    cudaEnableDefault, &q);
	if (e == cudaSuccess && q == cudaDriverEntryPointSuccess && *fn)
		return 0;
	snprintf(err, errlen, "the NVIDIA driver has no %s for CUDA %d.%d: %s",
	    name, CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10,
	    e != cudaSuccess ? cudaGetErrorString(e) :
	    q == cudaDriverEntryPointVersionNotSufficent ?
	    "the driver is older than the toolkit" : "symbol not found");
	return -1;
}

static int
drv_open(struct drv *d, char *err, size_t errlen)
{
	return drv_sym("cuDeviceGetAttribute", (void **)&d->dev_attr, err,
	    errlen) == -1 ||
	    drv_sym("cuMemGetHandleForAddressRange", (void **)&d->range_handle,
	    err, errlen) == -1 ||
	    drv_sym("cuPointerSetAttribute", (void **)&d->ptr_attr, err,
	    errlen) == -1 ||
	    drv_sym("cuGetErrorName", (void **)&d->err_name, err,
	    errlen) == -1 ? -1 : 0;
}

static const char *
drv_error(const struct drv *d, CUresult r)
{
	const char	*s = NULL;

	return d->err_name(r, &s) == CUDA_SUCCESS && s != NULL ? s :
	    "unknown driver error";
}

/* The device must say it can export dma-bufs; say what is missing. */
static int
dmabuf_supported(const struct drv *d, int dev, char *err, size_t errlen)
{
	CUresult	 r;
	int		 ok = 0;

	if ((r = d->dev_attr(&ok, CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED,
	    (CUdevice)dev)) != CUDA_SUCCESS) {
		snprintf(err, errlen, "CUDA device %d: cannot query "
		    "CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED: %s", dev,
		    drv_error(d, r));
		return -1;
	}
	if (!ok) {
		snprintf(err, errlen, "CUDA device %d cannot export its memory "
		    "as a dma-buf (CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED is 0; "
		    "NVIDIA's dma-buf export wants its open kernel modules and "
		    "Linux 5.12 or later)", dev);
		return -1;
	}
	return 0;
}

/*
 * len octets of device memory starting on a host page: the export must
 * begin and end on one.  cudaMalloc() aligns large allocations to 2 MiB;
 * a smaller one may not be, and then gets a page more to align within.
 */
static int
dmabuf_alloc(struct dmabuf_mem *m, size_t len, size_t page)
{
	uintptr_t	 a;

	if (cudaMalloc(&m->alloc, len) != cudaSuccess)
		return -1;
	if ((uintptr_t)m->alloc % page != 0) {
		(void)cudaFree(m->alloc);
		if (cudaMalloc(&m->alloc, len + page) != cudaSuccess) {
			m->alloc = NULL;
			return -1;
		}
	}
	a = ((uintptr_t)m->alloc + page - 1) & ~(uintptr_t)(page - 1);
	m->dev = (void *)a;
	m->len = len;
	return 0;
}

/*
 * SYNC_MEMOPS: CUDA copies to and from this memory complete before the
 * call returns, as the GPUDirect RDMA guide asks of memory a third-party
 * device reads.
 */
static int
dmabuf_handle(struct dmabuf_mem *m, const struct drv *d, char *err,
    size_t errlen)
{
	unsigned int	 one = 1;
	CUresult	 r;
	int		 fd = -1;

	if ((r = d->ptr_attr(&one, CU_POINTER_ATTRIBUTE_SYNC_MEMOPS,
	    (CUdeviceptr)(uintptr_t)m->dev)) != CUDA_SUCCESS) {
		snprintf(err, errlen, "cuPointerSetAttribute(SYNC_MEMOPS): %s",
		    drv_error(d, r));
		return -1;
	}
	if ((r = d->range_handle(&fd, (CUdeviceptr)(uintptr_t)m->dev, m->len,
	    CU_MEM_RANGE_HANDLE_TYPE_DMA_BUF_FD, 0)) != CUDA_SUCCESS ||
	    fd < 0) {
		snprintf(err, errlen, "cuMemGetHandleForAddressRange(%zu octets,"
		    " DMA_BUF_FD): %s", m->len, r != CUDA_SUCCESS ?
		    drv_error(d, r) : "no descriptor");
		return -1;
	}
	m->fd = fd;
	return 0;
}

/* len rounded up to whole host pages; 0, or -1 with why in err. */
int
dmabuf_export(struct dmabuf_mem *m, size_t len, char *err, size_t errlen)
{
	struct drv	 d;
	long		 page = sysconf(_SC_PAGESIZE);
	int		 dev;
	cudaError_t	 e;

	*m = (struct dmabuf_mem){ .alloc = NULL, .dev = NULL, .len = 0,
	    .fd = -1 };
	if (page <= 0 || (page & (page - 1)) != 0) {
		snprintf(err, errlen, "host page size unknown");
		return -1;
	}
	if (len == 0 || len > SIZE_MAX - 2 * (size_t)page) {
		snprintf(err, errlen, "dma-buf of %zu octets", len);
		return -1;
	}
	len = (len + page - 1) & ~(size_t)(page - 1);
	if ((e = cudaGetDevice(&dev)) != cudaSuccess) {
		snprintf(err, errlen, "no CUDA device: %s",
		    cudaGetErrorString(e));
		return -1;
	}
	if (drv_open(&d, err, errlen) == -1 ||
	    dmabuf_supported(&d, dev, err, errlen) == -1)
		return -1;
	if (dmabuf_alloc(m, len, (size_t)page) == -1) {
		snprintf(err, errlen, "cudaMalloc(%zu octets): %s", len,
		    cudaGetErrorString(cudaGetLastError()));
		return -1;
	}
	if (dmabuf_handle(m, &d, err, errlen) == -1) {
		dmabuf_release(m);
		return -1;
	}
	return 0;
}

/*
 * After ibv_dereg_mr(): the importer holds its own reference to the
 * dma-buf, but the memory behind it goes with cudaFree().
 */
void
dmabuf_release(struct dmabuf_mem *m)
{
	if (m->fd >= 0)
		(void)close(m->fd);
	if (m->alloc != NULL)
		(void)cudaFree(m->alloc);
	*m = (struct dmabuf_mem){ .alloc = NULL, .dev = NULL, .len = 0,
	    .fd = -1 };
}
