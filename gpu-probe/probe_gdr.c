/*
 * GPUDirect RDMA probes (--backend verbs --payload gpu; docs/PROBE.md,
 * "GPU memory for the NIC: dmabuf"): the glue between the RC transport
 * (probe_rc.c), which knows the dma-buf only as an fd, an IOVA and an
 * lkey, and the CUDA side (payload_gpu.cu), which fills and verifies
 * payloads in place in it.  Without HAVE_CUDA both say so and fail.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "probe_verbs.h"

#define GDR_RUN_MAX	64	/* payloads per in-place verify call */

#ifdef HAVE_CUDA
/*
 * Exports GPU memory for conf's send and receive payload slots
 * (verbs_rc_gpu_len()) as a dma-buf and fills in what verbs_rc_open()
 * registers: the fd, its offset and the device address as IOVA.
 */
int
gdr_export(struct payload_gpu *g, struct verbs_rc_conf *c, char *err,
    size_t len)
{
	void		*dev = NULL;
	uint64_t	 offset = 0;
	int		 fd = -1;

	if (payload_gpu_dmabuf(g, verbs_rc_gpu_len(c), &fd, &offset, &dev,
	    err, len) == -1)
		return -1;
	c->dmabuf_fd = fd;
	c->dmabuf_offset = offset;
	c->dmabuf_iova = (uintptr_t)dev;
	c->dmabuf_len = verbs_rc_gpu_len(c);
	return 0;
}

/* n payloads of len octets from octet off of the dma-buf, in place. */
int
gdr_fill(struct payload_gpu *g, size_t off, size_t len, size_t n,
    uint64_t seed, const uint64_t *seqs, uint64_t *csums)
{
	return payload_gpu_fill_dmabuf(g, off, len, n, seed, seqs, csums);
}

/* Verifies the m payloads of one run; their events get the verdicts. */
static int
gdr_verify_run(struct payload_gpu *g, uint32_t plen, struct verbs_ev **run,
    size_t m)
{
	uint64_t	 seeds[GDR_RUN_MAX], seqs[GDR_RUN_MAX];
	uint64_t	 csums[GDR_RUN_MAX];
	uint32_t	 verdicts[GDR_RUN_MAX];
	size_t		 k;

	for (k = 0; k < m; k++) {
		seeds[k] = run[k]->pkt.seed;
		seqs[k] = run[k]->pkt.seq;
		csums[k] = run[k]->pkt.csum;
	}
	if (payload_gpu_verify_dmabuf(g, run[0]->gpu_off, plen, m, seeds,
	    seqs, csums, verdicts) == -1)
		return -1;
	for (k = 0; k < m; k++) {
		run[k]->pkt.verdict = (int)verdicts[k];
		if (verdicts[k] != 0)
			run[k]->err = PROBE_E_INTEGRITY;
		run[k]->gpu = 0;	/* verified */
	}
	return 0;
}

/*
 * Verifies in place, on the GPU, the payloads of the well-formed GPU
 * receives among ev[0..n) (probe_parse_split() left them unverified):
 * receive slots are used in turn, so consecutive receives mostly lie
 * back to back, and each such run (at most GDR_RUN_MAX) is one call.  A
 * payload that fails gets PROBE_E_INTEGRITY and its verdict.  Returns
 * the calls made, or -1 if one failed: the receives it left unverified
 * become VERBS_EV_UNVERIFIED (nothing can vouch for them; not echoed).
 */
int
gdr_verify(struct payload_gpu *g, uint32_t plen, struct verbs_ev *ev,
    size_t n)
{
	struct verbs_ev	*run[GDR_RUN_MAX];
	size_t		 k, m = 0;
	int		 calls = 0, failed = 0;

	for (k = 0; k <= n; k++) {
		if (k < n && (ev[k].type != VERBS_EV_RECV || !ev[k].gpu ||
		    ev[k].err != PROBE_OK))
			continue;
		if (m > 0 && (k == n || m == GDR_RUN_MAX ||
		    ev[k].gpu_off != run[m - 1]->gpu_off + plen)) {
			if (!failed && gdr_verify_run(g, plen, run, m) == -1)
				failed = 1;
			calls++;
			m = 0;
		}
		if (k < n)
			run[m++] = &ev[k];
	}
	if (!failed)
		return calls;
	for (k = 0; k < n; k++)
		if (ev[k].type == VERBS_EV_RECV && ev[k].gpu &&
		    ev[k].err == PROBE_OK)
			ev[k].type = VERBS_EV_UNVERIFIED;
	return -1;
}
#else
int
gdr_fill(struct payload_gpu *g, size_t off, size_t len, size_t n,
    uint64_t seed, const uint64_t *seqs, uint64_t *csums)
{
	(void)g;
	(void)off;
	(void)len;
	(void)n;
	(void)seed;
	(void)seqs;
	(void)csums;
	return -1;
}

int
gdr_export(struct payload_gpu *g, struct verbs_rc_conf *c, char *err,
    size_t len)
{
	(void)g;
	(void)c;
	snprintf(err, len, "built without CUDA: configure --with-cuda");
	return -1;
}

int
gdr_verify(struct payload_gpu *g, uint32_t plen, struct verbs_ev *ev,
    size_t n)
{
	(void)g;
	(void)plen;
	(void)ev;
	(void)n;
	return -1;
}
#endif
