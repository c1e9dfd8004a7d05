/*
 * A MOCK of the libibverbs calls gpu-probe/probe_verbs.c makes, because
 * no RDMA NIC exists on any machine this project can run on (no device
 * here, soft-RoCE rdma_rxe missing from the kernel, none on the GPU
 * machines).  One loopback "device" whose UD queue pairs deliver a send
 * straight into the destination QP's oldest posted receive and complete
 * both CQs.  It enforces what a real device would refuse (QP state
 * transitions and their required attributes, Q_Key mismatches) and
 * records what was asked of it; it cannot show that real hardware,
 * firmware or a fabric behave the same (docs/PROBE.md).
 */
#ifndef FABRIC_MOCK_VERBS_H
#define FABRIC_MOCK_VERBS_H

#include <infiniband/verbs.h>

#define MOCK_MAX_MODS	32

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
	/* what happened */
	struct mock_modify	 mods[MOCK_MAX_MODS];
	size_t			 nmods;
	unsigned int		 reg_mr, reg_dmabuf_mr;
	int			 dmabuf_fd;
	uint64_t		 dmabuf_offset, dmabuf_iova;
	uint64_t		 delivered, dropped_no_recv, dropped_qkey;
	unsigned int		 open_objects;	/* leaks show here */
};

extern struct mock_verbs mock_verbs;

void	 mock_verbs_reset(void);

#endif /* FABRIC_MOCK_VERBS_H */
