/*
 * Probe packets into probe_parse() (gpu-probe/probe_pkt.c): the input is
 * one UDP payload as the receiver would get it.  Properties: every parse
 * has exactly one category and is counted once; an accepted packet, or
 * one whose only fault is its payload, writes back to a packet that
 * parses to the same fields; an accepted packet's payload verifies.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "ibuf.h"
#include "payload.h"
#include "probe_pkt.h"

static uint8_t	 out[PROBE_PKT_MAX];

static void
fuzz_rewrite(struct probe_pkt *p)
{
	struct ibuf		*b = ibuf_open(sizeof(out));
	struct ibuf		 in;
	struct probe_pkt	 q, w = *p;

	FUZZ_ASSERT(b != NULL);
	FUZZ_ASSERT(probe_write(b, &w) == 0);
	ibuf_from_buffer(&in, ibuf_data(b), ibuf_size(b));
	FUZZ_ASSERT(probe_parse(&in, &q, NULL) == PROBE_OK);
	FUZZ_ASSERT(q.opcode == p->opcode && q.dest_qp == p->dest_qp &&
	    q.psn == p->psn && q.ackreq == p->ackreq &&
	    q.path_id == p->path_id && q.src_port == p->src_port &&
	    q.payload_len == p->payload_len && q.seq == p->seq &&
	    q.send_ns == p->send_ns && q.seed == p->seed &&
	    q.flags == p->flags);
	if (p->opcode == PROBE_OP_UD_SEND_ONLY)
		FUZZ_ASSERT(q.qkey == p->qkey && q.src_qp == p->src_qp);
	ibuf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_stats	 st = { { 0 } };
	struct probe_pkt	 p;
	struct ibuf		 in;
	enum probe_err		 e;
	uint64_t		 total = 0;
	int			 k;

	ibuf_from_buffer(&in, data, size);
	e = probe_parse(&in, &p, &st);
	FUZZ_ASSERT((unsigned int)e < PROBE_E_MAX);
	FUZZ_ASSERT(ibuf_size(&in) == 0);
	for (k = 0; k < PROBE_E_MAX; k++)
		total += st.count[k];
	FUZZ_ASSERT(total == 1 && st.count[e] == 1);
	if (e == PROBE_OK)
		FUZZ_ASSERT(payload_verify(p.payload, p.payload_len, p.seed,
		    p.seq, p.csum) == 0);
	if (e == PROBE_E_INTEGRITY)
		FUZZ_ASSERT(p.verdict != 0);
	if (e == PROBE_OK || e == PROBE_E_INTEGRITY)
		fuzz_rewrite(&p);
	return 0;
}
