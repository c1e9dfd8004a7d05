/*
 * NOTIFICATION bodies into bgp_notification_parse() (and, the same
 * octets, ROUTE-REFRESH bodies into bgp_route_refresh_parse()).  A
 * parsed NOTIFICATION writes back to the same code, subcode and data.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"

static void
reparse(const struct bgp_notify *n)
{
	struct ibuf		*out;
	struct ibuf		 body;
	struct bgp_notify	 err, again;
	uint8_t			 type;

	FUZZ_ASSERT((out = ibuf_dynamic(64, BGP_EXT_MAX_MSG)) != NULL);
	FUZZ_ASSERT(bgp_notification_write_max(out, n, BGP_EXT_MAX_MSG) == 0);
	FUZZ_ASSERT(bgp_read_msg(out, BGP_EXT_MAX_MSG, &type, &body,
	    &err) == 1);
	FUZZ_ASSERT(type == BGP_NOTIFICATION);
	FUZZ_ASSERT(bgp_notification_parse(&body, &again) == 0);
	FUZZ_ASSERT(again.code == n->code && again.subcode == n->subcode);
	FUZZ_ASSERT(again.datalen == n->datalen);
	FUZZ_ASSERT(memcmp(again.data, n->data, n->datalen) == 0);
	ibuf_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ibuf		 body;
	struct bgp_notify	 n, err;
	uint8_t			 aid;
	int			 rc;

	ibuf_from_buffer(&body, data, size);
	if (bgp_notification_parse(&body, &n) == 0) {
		FUZZ_ASSERT(n.datalen <= sizeof(n.data));
		FUZZ_ASSERT(memchr(n.reason, '\0', sizeof(n.reason)) != NULL);
		reparse(&n);
	} else
		FUZZ_ASSERT(size < 2);
	ibuf_from_buffer(&body, data, size);
	rc = bgp_route_refresh_parse(&body, &aid, &err);
	FUZZ_ASSERT(rc == -1 || (rc == 0 && aid < AID_MAX) ||
	    (rc == 1 && aid == AID_MAX));
	if (rc == 0)
		FUZZ_ASSERT(size == 4);
	return 0;
}
