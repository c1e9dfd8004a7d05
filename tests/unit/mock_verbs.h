/*
 * A MOCK of the libibverbs calls gpu-probe/probe_verbs.c makes, because
 * no RDMA NIC exists on any machine this project can run on (none here,
 * none on the GPU machines; the host kernel has no RDMA stack, so the
 * real soft-RoCE runs only inside the VMs of tests/lab/rxe.sh, which
 * cover the RC back end end to end but cannot be unit tests).  One loopback "device" whose UD queue pairs deliver a send
 * straight into the destination QP's oldest posted receive and complete
 * both CQs.  It enforces what a real device would refuse (QP state
 * transitions and their required attributes, Q_Key mismatches) and
 * records what was asked of it.  RC queue pairs (for --backend verbs) are
 * mocked too: a shared receive queue, a completion channel (a pipe), the
 * GRH flow label each QP was given at RTR, and a way to make a QP fail as
 * a black-holed path would (IBV_WC_RETRY_EXC_ERR, the QP to ERR).
 * Work requests gather and scatter up to 4 entries, each checked against
 * the region its lkey names (else LOC_PROT_ERR, as a NIC answers); a
 * region registered with ibv_reg_dmabuf_mr() may be GPU memory the CPU
 * cannot address: its bytes move through mock_verbs.copy, which a test
 * on a GPU machine sets to cudaMemcpy (NULL: memcpy, a dma-buf of host
 * memory).  It cannot show that real hardware, firmware or a fabric
 * behave the same, nor that a NIC can register GPU memory (docs/PROBE.md).
 */
#ifndef FABRIC_MOCK_VERBS_H
#define FABRIC_MOCK_VERBS_H

#include <infiniband/verbs.h>

#define MOCK_MAX_MODS	32
#define MOCK_DMA_TO_WIRE	0	/* a send gathers from a dma-buf */
#define MOCK_DMA_FROM_WIRE	1	/* a receive scatters into one */

struct mock_modify {
	uint32_t		 qp_num;
	int			 mask;
	struct ibv_qp_attr	 attr;
	int			 rc;
};

struct mock_verbs {
	/* knobs, set by the test */
	int			 ndev;		/* 0: no RDMA device */
	enum ibv_port_state	 port_state;
	long			 corrupt_at;	/* next delivery: flip the
						   octet at this body
						   offset; -1: none */
	enum ibv_wc_status	 next_recv_status;	/* next delivery */
	uint32_t		 fail_qpn;	/* RC: its next send fails with
						   RETRY_EXC_ERR, QP to ERR */
	int			 blackhole;	/* RC: every send so fails */
	int			 refuse_dmabuf;	/* ibv_reg_dmabuf_mr fails
						   with this errno */
	/* moves n octets to or from a dma-buf region (dir MOCK_DMA_*);
	   0, or -1: the work request fails (LOC_PROT_ERR) */
	int			(*copy)(void *, const void *, size_t, int);
	/* RC: called after a receive's SGEs were written (n octets) */
	void			(*delivered_hook)(const struct ibv_sge *, int,
				    size_t);
	/* what happened */
	struct mock_modify	 mods[MOCK_MAX_MODS];
	size_t			 nmods;
	unsigned int		 reg_mr, reg_dmabuf_mr, reg_dmabuf_calls;
	int			 dmabuf_fd, dmabuf_access;
	uint64_t		 dmabuf_offset, dmabuf_iova;
	size_t			 dmabuf_len;
	uint64_t		 dmabuf_gathered, dmabuf_scattered; /* octets */
	uint64_t		 delivered, dropped_no_recv, dropped_qkey;
	unsigned int		 open_objects;	/* leaks show here */
	uint64_t		 events, events_acked;	/* comp channel */
	uint64_t		 rc_delivered, rnr;
};

extern struct mock_verbs mock_verbs;

void	 mock_verbs_reset(void);
/* An RC QP as the mock sees it; -1 / 0 when there is no such QP. */
int	 mock_qp_state(uint32_t);
uint32_t mock_qp_flow_label(uint32_t);
uint32_t mock_qp_dest(uint32_t);
int	 mock_qp_attr(uint32_t, struct ibv_qp_attr *);

#endif /* FABRIC_MOCK_VERBS_H */
