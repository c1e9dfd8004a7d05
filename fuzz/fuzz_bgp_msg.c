/*
 * A byte stream from a peer: bgp_read_msg() takes messages out of it as
 * they arrive, a few octets at a time, and each goes to its parser, as
 * the session does.  First octet: the session rules (fuzz_neg); second:
 * how many octets arrive at a time (1 to 256).
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"

static void
dispatch(uint8_t type, struct ibuf *body, const struct bgp_neg *neg)
{
	struct bgp_open		 o;
	struct bgp_update	 u;
	struct bgp_notify	 n, err;
	uint8_t			 aid;

	switch (type) {
	case BGP_OPEN:
		bgp_open_parse(body, &o, &err);
		break;
	case BGP_UPDATE:
		bgp_update_parse(body, neg, &u, &err);
		bgp_update_free(&u);
		break;
	case BGP_NOTIFICATION:
		bgp_notification_parse(body, &n);
		break;
	case BGP_ROUTE_REFRESH:
		bgp_route_refresh_parse(body, &aid, &err);
		break;
	case BGP_KEEPALIVE:
		FUZZ_ASSERT(ibuf_size(body) == 0);
		break;
	default:
		FUZZ_ASSERT(0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_neg		 neg;
	struct bgp_notify	 err;
	struct ibuf		*in;
	struct ibuf		 body;
	size_t			 off, chunk, len;
	uint8_t			 type;
	int			 rc = 0;

	if (size < 2)
		return 0;
	neg = fuzz_neg(data[0]);
	chunk = (size_t)data[1] + 1;
	FUZZ_ASSERT((in = ibuf_dynamic(256, 1 << 20)) != NULL);
	for (off = 2; off < size && rc != -1; off += len) {
		len = size - off < chunk ? size - off : chunk;
		FUZZ_ASSERT(ibuf_add(in, data + off, len) == 0);
		while ((rc = bgp_read_msg(in, neg.max_msg, &type, &body,
		    &err)) == 1) {
			FUZZ_ASSERT(ibuf_size(&body) + BGP_HDR_LEN <=
			    neg.max_msg);
			dispatch(type, &body, &neg);
		}
		if (rc == -1)
			FUZZ_ASSERT(err.code == BGP_ERR_HEADER);
	}
	ibuf_free(in);
	return 0;
}
