/*
 * Telemetry messages into the controller's ingest (tmsg_rx_decode() and
 * ingest_feed()).  Input: one mode octet, then a message.  Mode bit 0
 * set: the harness signs the message with FUZZ_TMSG_KEY first (over all
 * but its last 32 octets, which it overwrites), so that the fuzzer reaches
 * the body parser past the MAC; clear: the octets go in as they are, to
 * exercise the frame and MAC checks.  Properties: a rejection has a
 * category; what is accepted writes back and parses to the same message;
 * the same message again is a replay.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz.h"
#include "ingest.h"
#include "tmsg.h"

#define FUZZ_TMSG_KEY	"fabric telemetry fuzzing key 32o"

static struct tmsg	 msg, again;
static uint8_t		 buf[TMSG_MAX_SIZE + 64];

static void
fuzz_sign(uint8_t *p, size_t n)
{
	unsigned int	 maclen = TMSG_MAC_LEN;

	if (n < TMSG_MAC_LEN)
		return;
	FUZZ_ASSERT(HMAC(EVP_sha256(), FUZZ_TMSG_KEY,
	    (int)strlen(FUZZ_TMSG_KEY), p, n - TMSG_MAC_LEN,
	    p + n - TMSG_MAC_LEN, &maclen) != NULL);
}

static void
same_link(const struct tmsg_link *a, const struct tmsg_link *b)
{
	FUZZ_ASSERT(a->ifindex == b->ifindex && a->oper == b->oper &&
	    a->capsrc == b->capsrc && strcmp(a->name, b->name) == 0);
	FUZZ_ASSERT(a->capacity_bps == b->capacity_bps &&
	    a->rx_bytes == b->rx_bytes && a->tx_bytes == b->tx_bytes &&
	    a->rx_packets == b->rx_packets && a->tx_packets == b->tx_packets &&
	    a->rx_drops == b->rx_drops && a->tx_drops == b->tx_drops &&
	    a->rx_errors == b->rx_errors && a->tx_errors == b->tx_errors &&
	    a->q_backlog == b->q_backlog && a->q_drops == b->q_drops &&
	    a->q_overlimits == b->q_overlimits &&
	    a->q_requeues == b->q_requeues);
}

static void
same_bgp(const struct tmsg_bgp *a, const struct tmsg_bgp *b)
{
	FUZZ_ASSERT(strcmp(a->peer, b->peer) == 0 && a->state == b->state &&
	    a->remote_as == b->remote_as && a->uptime_s == b->uptime_s &&
	    a->pfx_rcvd == b->pfx_rcvd);
}

static void
same_route(const struct tmsg_route *a, const struct tmsg_route *b)
{
	uint8_t	 i;

	FUZZ_ASSERT(a->family == b->family && a->len == b->len &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 &&
	    a->flags == b->flags && a->nnh == b->nnh);
	for (i = 0; i < a->nnh; i++)
		FUZZ_ASSERT(a->nh[i].family == b->nh[i].family &&
		    memcmp(a->nh[i].gw, b->nh[i].gw, sizeof(a->nh[i].gw)) ==
		    0 && a->nh[i].ifindex == b->nh[i].ifindex &&
		    a->nh[i].weight == b->nh[i].weight);
}

static void
same_message(const struct tmsg *a, const struct tmsg *b)
{
	uint16_t	 i;

	FUZZ_ASSERT(a->type == b->type && a->seq == b->seq &&
	    a->time_ns == b->time_ns && strcmp(a->agent, b->agent) == 0);
	FUZZ_ASSERT(a->nlinks == b->nlinks);
	for (i = 0; i < a->nlinks; i++)
		same_link(&a->links[i], &b->links[i]);
	if (a->type == TMSG_T_LINK_EVENT)
		FUZZ_ASSERT(a->event.ifindex == b->event.ifindex &&
		    a->event.oper == b->event.oper &&
		    strcmp(a->event.name, b->event.name) == 0);
	FUZZ_ASSERT(a->nbgp == b->nbgp && a->nroutes == b->nroutes);
	for (i = 0; i < a->nbgp; i++)
		same_bgp(&a->bgp[i], &b->bgp[i]);
	for (i = 0; i < a->nroutes; i++)
		same_route(&a->routes[i], &b->routes[i]);
}

static void
rewrite(const struct tmsg_key *key)
{
	struct ibuf	*out;

	FUZZ_ASSERT((out = ibuf_dynamic(256, TMSG_MAX_SIZE)) != NULL);
	FUZZ_ASSERT(tmsg_write(out, &msg, key) == 0);
	memset(&again, 0, sizeof(again));
	FUZZ_ASSERT(tmsg_parse(ibuf_data(out), ibuf_size(out), key,
	    &again) == TMSG_OK);
	same_message(&msg, &again);
	ibuf_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmsg_key		 key;
	struct ingest_conf	 c;
	struct ingest		 in;
	enum tmsg_err		 e;
	size_t			 n;
	uint64_t		 sum = 0;
	int			 i;

	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	n = size - 1;
	memcpy(buf, data + 1, n);
	if (data[0] & 1)
		fuzz_sign(buf, n);
	FUZZ_ASSERT(tmsg_key_set(&key, FUZZ_TMSG_KEY,
	    strlen(FUZZ_TMSG_KEY)) == 0);
	ingest_conf_default(&c);
	FUZZ_ASSERT(ingest_init(&in, &c, &key) == 0);
	e = ingest_feed(&in, buf, n, 1000, &msg);
	FUZZ_ASSERT((unsigned)e < TMSG_E_MAX);
	FUZZ_ASSERT(strcmp(tmsg_err_str(e), "unknown") != 0);
	for (i = 0; i < TMSG_E_MAX; i++)
		sum += in.rx.errors[i];
	FUZZ_ASSERT(sum + in.rx.accepted == 1);
	if (e == TMSG_OK) {
		FUZZ_ASSERT(msg.nlinks <= TMSG_MAX_LINKS);
		rewrite(&key);
		FUZZ_ASSERT(ingest_feed(&in, buf, n, 1001, &again) ==
		    TMSG_E_REPLAYED);
	}
	ingest_free(&in);
	return 0;
}
