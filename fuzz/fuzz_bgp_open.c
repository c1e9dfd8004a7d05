/*
 * OPEN bodies (the octets after the 19-octet header) into
 * bgp_open_parse().  What parses must write back and parse to the same
 * OPEN, and negotiate with anything without trouble.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"

static void
reparse(const struct bgp_open *o)
{
	struct ibuf		*out;
	struct ibuf		 body;
	struct bgp_notify	 err;
	struct bgp_open		 again;
	uint8_t			 type;

	FUZZ_ASSERT((out = ibuf_dynamic(64, BGP_MAX_MSG)) != NULL);
	FUZZ_ASSERT(bgp_open_write(out, o) == 0);
	FUZZ_ASSERT(bgp_read_msg(out, BGP_MAX_MSG, &type, &body, &err) == 1);
	FUZZ_ASSERT(type == BGP_OPEN);
	FUZZ_ASSERT(bgp_open_parse(&body, &again, &err) == 0);
	/* Unknown capabilities are not written back. */
	again.caps.unknown = o->caps.unknown;
	FUZZ_ASSERT(again.version == o->version && again.as2 == o->as2 &&
	    again.holdtime == o->holdtime && again.bgp_id == o->bgp_id);
	FUZZ_ASSERT(memcmp(&again.caps, &o->caps, sizeof(o->caps)) == 0);
	ibuf_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ibuf		 body;
	struct bgp_open		 o, ours = { .version = 4, .as2 = 65001,
				    .holdtime = 90, .bgp_id = 1,
				    .caps = { .as4 = 65001, .mp = { 1, 1 },
				    .addpath = { 3, 3 }, .ext_nh = { 1, 0 },
				    .route_refresh = 1, .ext_msg = 1 } };
	struct bgp_notify	 err;
	struct bgp_neg		 neg;

	ibuf_from_buffer(&body, data, size);
	memset(&o, 0, sizeof(o));
	if (bgp_open_parse(&body, &o, &err) == -1) {
		FUZZ_ASSERT(err.code == BGP_ERR_OPEN ||
		    err.code == BGP_ERR_HEADER);
		FUZZ_ASSERT(bgp_notify_str(err.code, err.subcode) != NULL);
		return 0;
	}
	reparse(&o);
	bgp_negotiate(&ours, &o, &neg);
	FUZZ_ASSERT(neg.max_msg == BGP_MAX_MSG ||
	    neg.max_msg == BGP_EXT_MAX_MSG);
	FUZZ_ASSERT(neg.holdtime <= 90);
	bgp_negotiate(&o, &ours, &neg);
	return 0;
}
