/*
 * TMSG_T_PATH bodies into tmsg_parse() (telemetry/tmsg.c, read_path):
 * the input is the body of a path report; the harness wraps it in a
 * header and signs it, so that the fuzzer reaches the body parser (a
 * forger cannot: the MAC is checked first).  Properties: a signed,
 * well-framed report is accepted or malformed, nothing else; an accepted
 * one keeps the writer's rules (at most 8 hops, state 0 or 1, received +
 * lost <= sent, RTTs in order) and writes back to the very same octets.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz.h"
#include "ibuf.h"
#include "tmsg.h"

#define KEY	"fuzz-probe-tmsg-key"

static struct tmsg	 got;

static struct ibuf *
wrap(const uint8_t *body, size_t len)
{
	struct ibuf	*b = ibuf_dynamic(256, TMSG_MAX_SIZE);
	unsigned char	 mac[TMSG_MAC_LEN];
	unsigned int	 maclen = sizeof(mac);

	FUZZ_ASSERT(b != NULL);
	FUZZ_ASSERT(ibuf_add_n8(b, TMSG_VERSION) == 0 &&
	    ibuf_add_n8(b, TMSG_T_PATH) == 0 && ibuf_add_n16(b, 0) == 0 &&
	    ibuf_add_n32(b, TMSG_FIXED_HDR + 2 + len + TMSG_MAC_LEN) == 0 &&
	    ibuf_add_n64(b, 1) == 0 && ibuf_add_n64(b, 2) == 0 &&
	    ibuf_add_n8(b, 1) == 0 && ibuf_add(b, "f", 1) == 0 &&
	    ibuf_add(b, body, len) == 0);
	FUZZ_ASSERT(HMAC(EVP_sha256(), KEY, sizeof(KEY) - 1, ibuf_data(b),
	    ibuf_size(b), mac, &maclen) != NULL);
	FUZZ_ASSERT(ibuf_add(b, mac, sizeof(mac)) == 0);
	return b;
}

static void
check_accepted(const struct ibuf *in, const struct tmsg_key *key)
{
	const struct tmsg_path	*p = &got.path;
	struct ibuf		*out = ibuf_dynamic(256, TMSG_MAX_SIZE);

	FUZZ_ASSERT(got.type == TMSG_T_PATH && got.seq == 1 &&
	    got.time_ns == 2 && strcmp(got.agent, "f") == 0);
	FUZZ_ASSERT(p->nhops <= TMSG_PATH_MAX_HOPS &&
	    p->state <= TMSG_PATH_UNSEEN && p->lost <= p->sent &&
	    p->received <= p->sent - p->lost &&
	    p->rtt_min_us <= p->rtt_median_us &&
	    p->rtt_median_us <= p->rtt_p99_us);
	FUZZ_ASSERT(out != NULL && tmsg_write(out, &got, key) == 0);
	FUZZ_ASSERT(ibuf_size(out) == ibuf_size(in) &&
	    memcmp(ibuf_data(out), ibuf_data(in), ibuf_size(in)) == 0);
	ibuf_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmsg_key	 key;
	struct ibuf	*b;
	enum tmsg_err	 e;

	if (size > TMSG_MAX_SIZE - TMSG_FIXED_HDR - 2 - TMSG_MAC_LEN)
		return 0;
	FUZZ_ASSERT(tmsg_key_set(&key, KEY, sizeof(KEY) - 1) == 0);
	b = wrap(data, size);
	e = tmsg_parse(ibuf_data(b), ibuf_size(b), &key, &got);
	FUZZ_ASSERT(e == TMSG_OK || e == TMSG_E_MALFORMED);
	if (e == TMSG_OK)
		check_accepted(b, &key);
	ibuf_free(b);
	return 0;
}
