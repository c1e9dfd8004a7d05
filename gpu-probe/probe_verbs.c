/*
 * fabric-probe's libibverbs back end: what exists of it.  With
 * libibverbs at build time (configure: HAVE_IBVERBS) it looks for an
 * RDMA device and an active port; without one, or without libibverbs,
 * it says so and points to the UDP back end.  The verbs data path (UD
 * queue pairs, GPU memory through ibv_reg_dmabuf_mr) is not written:
 * no machine here has an RDMA device to test it on (docs/PROBE.md).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifdef HAVE_IBVERBS
#include <infiniband/verbs.h>
#endif

#include "fabric_probe.h"

#ifdef HAVE_IBVERBS
/* Port 1 of dev: active or not, as a message when not. */
static int
verbs_port(struct ibv_device *dev, char *msg, size_t len)
{
	struct ibv_context	*ctx;
	struct ibv_port_attr	 pa;
	const char		*name = ibv_get_device_name(dev);

	if ((ctx = ibv_open_device(dev)) == NULL) {
		snprintf(msg, len, "RDMA device %s: cannot open: %s; use "
		    "--backend udp", name, strerror(errno));
		return -1;
	}
	if (ibv_query_port(ctx, 1, &pa) != 0 || pa.state != IBV_PORT_ACTIVE) {
		snprintf(msg, len, "RDMA device %s: port 1 is not active; use "
		    "--backend udp", name);
		ibv_close_device(ctx);
		return -1;
	}
	ibv_close_device(ctx);
	snprintf(msg, len, "%s", name);
	return 0;
}
#endif

/*
 * 0 and the device's name in msg when an RDMA device with an active port
 * exists; else -1 and, in msg, why not and what to use instead.
 */
int
verbs_check(char *msg, size_t len)
{
#ifdef HAVE_IBVERBS
	struct ibv_device	**list;
	int			 n = 0, rc;

	if ((list = ibv_get_device_list(&n)) == NULL || n == 0) {
		snprintf(msg, len, "no RDMA device%s%s; use --backend udp",
		    list == NULL ? ": " : "", list == NULL ?
		    strerror(errno) : "");
		if (list != NULL)
			ibv_free_device_list(list);
		return -1;
	}
	rc = verbs_port(list[0], msg, len);
	ibv_free_device_list(list);
	return rc;
#else
	snprintf(msg, len, "this build has no libibverbs (configure found no "
	    "libibverbs-dev); use --backend udp");
	return -1;
#endif
}
