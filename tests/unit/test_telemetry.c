/*
 * Unit tests for telemetry/tmsg.c: round trips of every message type,
 * and each rejection (truncated at every length, oversized, bad version,
 * unsigned, forged, replayed, malformed), each counted in its own
 * counter.  Malformed bodies are signed with the right key, so that the
 * body parser itself is what refuses them.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ibuf.h"
#include "tmsg.h"

static const char	 keytext[] = "0123456789abcdef0123456789abcdef";
static struct tmsg_key	 key, other;

static void
keys(void)
{
	assert_int_equal(tmsg_key_set(&key, keytext, 32), 0);
	assert_int_equal(tmsg_key_set(&other, "another key, 20 o", 17), 0);
}

static struct tmsg *
sample(uint16_t nlinks, uint64_t seq)
{
	struct tmsg	*m = calloc(1, sizeof(*m));
	uint16_t	 i;

	assert_non_null(m);
	m->type = TMSG_T_LINK_SAMPLE;
	m->seq = seq;
	m->time_ns = 1700000000123456789ULL;
	strcpy(m->agent, "leaf1");
	m->nlinks = nlinks;
	for (i = 0; i < nlinks; i++) {
		struct tmsg_link *l = &m->links[i];

		l->ifindex = 10 + i;
		snprintf(l->name, sizeof(l->name), "swp%u", i);
		l->oper = i % 2;
		l->capsrc = TMSG_CAP_TBF;
		l->capacity_bps = 400000000000ULL;
		l->rx_bytes = 0xfedcba9876543210ULL + i;
		l->tx_bytes = 2 + i;
		l->rx_packets = 3;
		l->tx_packets = 4;
		l->rx_drops = 5;
		l->tx_drops = 6;
		l->rx_errors = 7;
		l->tx_errors = 8;
		l->q_backlog = 9;
		l->q_drops = 10;
		l->q_overlimits = 11;
		l->q_requeues = UINT64_MAX;
	}
	return m;
}

static struct ibuf *
encode(const struct tmsg *m, const struct tmsg_key *k)
{
	struct ibuf	*b = ibuf_dynamic(256, TMSG_MAX_SIZE);

	assert_non_null(b);
	assert_int_equal(tmsg_write(b, m, k), 0);
	return b;
}

/* Signs raw header + body octets, fixing the length field up. */
static struct ibuf *
sign_raw(struct ibuf *b)
{
	uint8_t		 mac[TMSG_MAC_LEN];
	unsigned int	 maclen = sizeof(mac);

	assert_int_equal(ibuf_set_n32(b, 4, ibuf_size(b) + TMSG_MAC_LEN), 0);
	assert_non_null(HMAC(EVP_sha256(), key.key, (int)key.len,
	    ibuf_data(b), ibuf_size(b), mac, &maclen));
	assert_int_equal(ibuf_add(b, mac, sizeof(mac)), 0);
	return b;
}

static struct ibuf *
raw_header(uint8_t type, uint16_t flags, uint64_t seq)
{
	struct ibuf	*b = ibuf_dynamic(64, TMSG_MAX_SIZE * 2);

	assert_non_null(b);
	assert_int_equal(ibuf_add_n8(b, TMSG_VERSION), 0);
	assert_int_equal(ibuf_add_n8(b, type), 0);
	assert_int_equal(ibuf_add_n16(b, flags), 0);
	assert_int_equal(ibuf_add_n32(b, 0), 0);
	assert_int_equal(ibuf_add_n64(b, seq), 0);
	assert_int_equal(ibuf_add_n64(b, 1), 0);
	assert_int_equal(ibuf_add_n8(b, 2), 0);
	assert_int_equal(ibuf_add(b, "s1", 2), 0);
	return b;
}

static enum tmsg_err
decode(struct tmsg_rx *rx, const struct ibuf *b, struct tmsg *out)
{
	return tmsg_rx_decode(rx, ibuf_data(b), ibuf_size(b), out);
}

static void
test_sample_round_trip(void **state)
{
	struct tmsg	*m = sample(3, 42), *got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	 rx;
	int		 i;

	keys();
	b = encode(m, &key);
	tmsg_rx_init(&rx, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(got->version, TMSG_VERSION);
	assert_int_equal(got->type, TMSG_T_LINK_SAMPLE);
	assert_true(got->seq == 42 && got->time_ns == m->time_ns);
	assert_string_equal(got->agent, "leaf1");
	assert_int_equal(got->nlinks, 3);
	for (i = 0; i < 3; i++)
		assert_memory_equal(&got->links[i], &m->links[i],
		    sizeof(m->links[i]));
	assert_int_equal(rx.accepted, 1);
	tmsg_rx_free(&rx);
	ibuf_free(b);
	free(m);
	free(got);
}

static void
test_event_and_bgp_round_trip(void **state)
{
	struct tmsg	*m = sample(0, 1), *got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	 rx;

	keys();
	tmsg_rx_init(&rx, &key);
	m->type = TMSG_T_LINK_EVENT;
	m->event = (struct tmsg_event){ .ifindex = 7, .name = "swp49",
	    .oper = TMSG_OPER_DOWN };
	b = encode(m, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(got->type, TMSG_T_LINK_EVENT);
	assert_int_equal(got->event.ifindex, 7);
	assert_string_equal(got->event.name, "swp49");
	assert_int_equal(got->event.oper, TMSG_OPER_DOWN);
	ibuf_free(b);

	m->type = TMSG_T_BGP_STATE;
	m->seq = 2;
	b = encode(m, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(got->type, TMSG_T_BGP_STATE);
	assert_int_equal(got->nbgp, 0);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(m);
	free(got);
}

static void
test_max_links(void **state)
{
	struct tmsg	*m = sample(TMSG_MAX_LINKS, 1);
	struct tmsg	*got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	 rx;

	keys();
	b = encode(m, &key);
	assert_true(ibuf_size(b) <= TMSG_MAX_SIZE);
	tmsg_rx_init(&rx, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(got->nlinks, TMSG_MAX_LINKS);
	ibuf_free(b);

	/* The writer refuses more, and leaves the buffer as it was. */
	m->nlinks = TMSG_MAX_LINKS + 1;
	b = ibuf_dynamic(64, TMSG_MAX_SIZE);
	assert_int_equal(tmsg_write(b, m, &key), -1);
	assert_int_equal(ibuf_size(b), 0);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(m);
	free(got);
}

static void
test_truncated_every_length(void **state)
{
	struct tmsg	*m = sample(2, 5), *got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	 rx;
	size_t		 len;

	keys();
	b = encode(m, &key);
	tmsg_rx_init(&rx, &key);
	for (len = 0; len < ibuf_size(b); len++)
		assert_int_equal(tmsg_rx_decode(&rx, ibuf_data(b), len, got),
		    TMSG_E_TRUNCATED);
	assert_int_equal(rx.errors[TMSG_E_TRUNCATED], ibuf_size(b));
	assert_int_equal(rx.accepted, 0);
	/* The whole message still passes: nothing was consumed. */
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(m);
	free(got);
}

static void
test_oversized(void **state)
{
	struct tmsg	*got = calloc(1, sizeof(*got));
	uint8_t		*big = calloc(1, TMSG_MAX_SIZE + 1);
	struct ibuf	*b;
	struct tmsg_rx	 rx;

	keys();
	tmsg_rx_init(&rx, &key);
	big[0] = TMSG_VERSION;
	assert_int_equal(tmsg_rx_decode(&rx, big, TMSG_MAX_SIZE + 1, got),
	    TMSG_E_OVERSIZED);
	/* A length field past the maximum, in a short message. */
	b = raw_header(TMSG_T_BGP_STATE, 0, 1);
	assert_int_equal(ibuf_add_n16(b, 0), 0);
	sign_raw(b);
	assert_int_equal(ibuf_set_n32(b, 4, TMSG_MAX_SIZE + 1), 0);
	assert_int_equal(decode(&rx, b, got), TMSG_E_OVERSIZED);
	assert_int_equal(rx.errors[TMSG_E_OVERSIZED], 2);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(big);
	free(got);
}

static void
test_bad_version(void **state)
{
	struct tmsg	*m = sample(1, 5), *got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	 rx;

	keys();
	b = encode(m, &key);
	tmsg_rx_init(&rx, &key);
	assert_int_equal(ibuf_set_n8(b, 0, 2), 0);
	assert_int_equal(decode(&rx, b, got), TMSG_E_BAD_VERSION);
	assert_int_equal(ibuf_set_n8(b, 0, 0), 0);
	assert_int_equal(decode(&rx, b, got), TMSG_E_BAD_VERSION);
	assert_int_equal(rx.errors[TMSG_E_BAD_VERSION], 2);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(m);
	free(got);
}

static void
test_unsigned(void **state)
{
	struct tmsg	*m = sample(1, 5), *got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	 rx;

	keys();
	b = encode(m, NULL);
	tmsg_rx_init(&rx, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_E_UNSIGNED);
	assert_int_equal(rx.errors[TMSG_E_UNSIGNED], 1);
	assert_int_equal(rx.accepted, 0);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(m);
	free(got);
}

static void
test_forged(void **state)
{
	struct tmsg	*m = sample(2, 5), *got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	 rx;
	size_t		 i, n;
	uint8_t		*p;

	keys();
	tmsg_rx_init(&rx, &key);
	/* Signed with another key. */
	b = encode(m, &other);
	assert_int_equal(decode(&rx, b, got), TMSG_E_BAD_MAC);
	ibuf_free(b);
	/* One bit flipped anywhere past the frame checks. */
	b = encode(m, &key);
	p = ibuf_data(b);
	n = 0;
	for (i = 8; i < ibuf_size(b); i++) {
		p[i] ^= 0x01;
		assert_int_equal(decode(&rx, b, got), TMSG_E_BAD_MAC);
		p[i] ^= 0x01;
		n++;
	}
	assert_int_equal(rx.errors[TMSG_E_BAD_MAC], n + 1);
	assert_int_equal(rx.accepted, 0);
	assert_int_equal(rx.nagents, 0);	/* forgers make no state */
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(m);
	free(got);
}

/*
 * A key per agent: a message is checked under the key of the agent id it
 * names; another agent's key is a forgery, an id without a key is
 * refused, and the shared key no longer counts.
 */
static void
test_agent_keys(void **state)
{
	struct tmsg	*m = sample(1, 1), *got = calloc(1, sizeof(*got));
	struct tmsg_key	 k2;
	struct ibuf	*b;
	struct tmsg_rx	 rx;
	char		 id[TMSG_AGENT_MAX + 2];

	keys();
	assert_int_equal(tmsg_key_set(&k2, "spine1's own key, 32 octets...", 30),
	    0);
	tmsg_rx_init(&rx, &key);
	assert_int_equal(tmsg_rx_agent_key(&rx, "leaf1", &other), 0);
	assert_int_equal(tmsg_rx_agent_key(&rx, "spine1", &k2), 0);
	assert_int_equal(tmsg_rx_agent_key(&rx, "leaf1", &k2), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(tmsg_rx_agent_key(&rx, "", &k2), -1);
	assert_int_equal(errno, EINVAL);
	memset(id, 'a', TMSG_AGENT_MAX);		/* the longest id fits */
	id[TMSG_AGENT_MAX] = '\0';
	assert_int_equal(tmsg_rx_agent_key(&rx, id, &k2), 0);
	id[TMSG_AGENT_MAX] = 'a';			/* one octet more */
	id[TMSG_AGENT_MAX + 1] = '\0';
	assert_int_equal(tmsg_rx_agent_key(&rx, id, &k2), -1);
	assert_int_equal(errno, EINVAL);
	/* leaf1 under its own key */
	b = encode(m, &other);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_string_equal(got->agent, "leaf1");
	ibuf_free(b);
	/* leaf1 under spine1's key, or the old shared key: forged */
	m->seq = 2;
	b = encode(m, &k2);
	assert_int_equal(decode(&rx, b, got), TMSG_E_BAD_MAC);
	ibuf_free(b);
	b = encode(m, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_E_BAD_MAC);
	ibuf_free(b);
	/* spine1 under its key */
	strcpy(m->agent, "spine1");
	b = encode(m, &k2);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	ibuf_free(b);
	/* an id with no key, whatever it is signed with */
	strcpy(m->agent, "leaf9");
	b = encode(m, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_E_UNKNOWN_AGENT);
	ibuf_free(b);
	assert_int_equal(rx.accepted, 2);
	assert_int_equal(rx.errors[TMSG_E_BAD_MAC], 2);
	assert_int_equal(rx.errors[TMSG_E_UNKNOWN_AGENT], 1);
	assert_string_equal(tmsg_err_str(TMSG_E_UNKNOWN_AGENT),
	    "unknown-agent");
	tmsg_rx_free(&rx);
	assert_int_equal(rx.nkeys, 0);
	free(m);
	free(got);
}

static void
test_replayed(void **state)
{
	struct tmsg	*m = sample(1, 100), *got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	 rx;
	uint64_t	 seqs[] = { 100, 100, 98, 98, 101, 101,
			    101 - TMSG_REPLAY_WINDOW, 102 - TMSG_REPLAY_WINDOW,
			    0, 500, 101 };
	enum tmsg_err	 want[] = { TMSG_OK, TMSG_E_REPLAYED, TMSG_OK,
			    TMSG_E_REPLAYED, TMSG_OK, TMSG_E_REPLAYED,
			    TMSG_E_REPLAYED, TMSG_OK, TMSG_E_REPLAYED,
			    TMSG_OK, TMSG_E_REPLAYED };
	size_t		 i;

	keys();
	tmsg_rx_init(&rx, &key);
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		m->seq = seqs[i];
		b = encode(m, &key);
		assert_int_equal(decode(&rx, b, got), want[i]);
		ibuf_free(b);
	}
	assert_int_equal(rx.errors[TMSG_E_REPLAYED], 6);
	assert_int_equal(rx.accepted, 5);
	/* 101 to 500 skipped 398 numbers; 98 and 38 came under the base. */
	assert_int_equal(rx.agents[0].missing, 398);
	/* Another agent has its own window. */
	strcpy(m->agent, "leaf2");
	m->seq = 100;
	b = encode(m, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(rx.nagents, 2);
	ibuf_free(b);
	/* 100, 101, 104: two missing; 103 comes late: one. */
	for (i = 0; i < 3; i++) {
		m->seq = (uint64_t[]){ 101, 104, 103 }[i];
		b = encode(m, &key);
		assert_int_equal(decode(&rx, b, got), TMSG_OK);
		ibuf_free(b);
		assert_int_equal(rx.agents[1].missing, i == 0 ? 0 :
		    i == 1 ? 2 : 1);
	}
	/* A restarted agent: counted as such, not as messages missing. */
	m->seq = 104 + TMSG_SEQ_RESTART + 1;
	b = encode(m, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	ibuf_free(b);
	assert_int_equal(rx.agents[1].missing, 1);
	assert_int_equal(rx.agents[1].restarts, 1);
	tmsg_rx_free(&rx);
	free(m);
	free(got);
}

/*
 * TMSG_MAX_AGENTS windows, found again among all the others (the hash of
 * agent ids): each agent's own replay refused, its next message taken;
 * one agent more refused and counted; tmsg_rx_free() forgets them all.
 */
static void
test_agents_full(void **state)
{
	struct tmsg	*m = sample(1, 100), *got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	*rx = malloc(sizeof(*rx));
	int		 i, pass;

	keys();
	assert_non_null(rx);
	tmsg_rx_init(rx, &key);
	for (pass = 0; pass < 3; pass++)
		for (i = 0; i < TMSG_MAX_AGENTS; i++) {
			snprintf(m->agent, sizeof(m->agent), "sw%d", i);
			m->seq = pass == 2 ? 101 : 100;
			b = encode(m, &key);
			assert_int_equal(decode(rx, b, got),
			    pass == 1 ? TMSG_E_REPLAYED : TMSG_OK);
			ibuf_free(b);
		}
	assert_int_equal(rx->nagents, TMSG_MAX_AGENTS);
	assert_int_equal(rx->accepted, 2 * TMSG_MAX_AGENTS);
	assert_int_equal(rx->errors[TMSG_E_REPLAYED], TMSG_MAX_AGENTS);
	strcpy(m->agent, "one-too-many");
	b = encode(m, &key);
	assert_int_equal(decode(rx, b, got), TMSG_E_MALFORMED);
	assert_int_equal(rx->nagents, TMSG_MAX_AGENTS);
	tmsg_rx_free(rx);
	tmsg_rx_init(rx, &key);
	assert_int_equal(decode(rx, b, got), TMSG_OK);
	assert_int_equal(decode(rx, b, got), TMSG_E_REPLAYED);
	assert_int_equal(rx->nagents, 1);
	ibuf_free(b);
	tmsg_rx_free(rx);
	free(rx);
	free(m);
	free(got);
}

/* Bodies that the right key signed, and that the parser must refuse. */
static void
test_malformed(void **state)
{
	struct tmsg	*got = calloc(1, sizeof(*got));
	struct ibuf	*b;
	struct tmsg_rx	 rx;
	uint64_t	 seq = 1;
	int		 n = 0;

	keys();
	tmsg_rx_init(&rx, &key);
#define REFUSE(build) do {						\
	b = raw_header(TMSG_T_LINK_EVENT, 0, seq++);			\
	build;								\
	sign_raw(b);							\
	assert_int_equal(decode(&rx, b, got), TMSG_E_MALFORMED);	\
	ibuf_free(b);							\
	n++;								\
} while (0)
	/* An event with a trailing octet. */
	REFUSE(ibuf_add_n32(b, 1); ibuf_add_n8(b, 1); ibuf_add(b, "x", 1);
	    ibuf_add_n8(b, 1); ibuf_add_n8(b, 0));
	/* oper 7. */
	REFUSE(ibuf_add_n32(b, 1); ibuf_add_n8(b, 1); ibuf_add(b, "x", 1);
	    ibuf_add_n8(b, 7));
	/* An empty name; a name longer than IFNAMSIZ. */
	REFUSE(ibuf_add_n32(b, 1); ibuf_add_n8(b, 0); ibuf_add_n8(b, 1));
	REFUSE(ibuf_add_n32(b, 1); ibuf_add_n8(b, 16);
	    ibuf_add(b, "0123456789abcdef", 16); ibuf_add_n8(b, 1));
	/* A NUL inside the name. */
	REFUSE(ibuf_add_n32(b, 1); ibuf_add_n8(b, 2); ibuf_add(b, "a", 2);
	    ibuf_add_n8(b, 1));
	/* A short event. */
	REFUSE(ibuf_add_n16(b, 1));
	/* An unknown type; non-zero flags. */
	REFUSE(ibuf_set_n8(b, 1, 99));
	REFUSE(ibuf_set_n16(b, 2, 1); ibuf_add_n32(b, 1); ibuf_add_n8(b, 1);
	    ibuf_add(b, "x", 1); ibuf_add_n8(b, 1));
	/* A sample claiming more links than its body holds, or too many. */
	REFUSE(ibuf_set_n8(b, 1, TMSG_T_LINK_SAMPLE); ibuf_add_n16(b, 2);
	    ibuf_add_zero(b, 2 + TMSG_LINK_REC_MIN));
	REFUSE(ibuf_set_n8(b, 1, TMSG_T_LINK_SAMPLE);
	    ibuf_add_n16(b, TMSG_MAX_LINKS + 1);
	    ibuf_add_zero(b, (TMSG_MAX_LINKS + 1) * (2 + TMSG_LINK_REC_MIN)));
	/* A link record whose length cuts its counters short. */
	REFUSE(ibuf_set_n8(b, 1, TMSG_T_LINK_SAMPLE); ibuf_add_n16(b, 1);
	    ibuf_add_n16(b, TMSG_LINK_REC_MIN - 1);
	    ibuf_add_n32(b, 1); ibuf_add_n8(b, 1); ibuf_add(b, "x", 1);
	    ibuf_add_zero(b, TMSG_LINK_REC_MIN - 6));
	/* A bgp-state record longer than the body. */
	REFUSE(ibuf_set_n8(b, 1, TMSG_T_BGP_STATE); ibuf_add_n16(b, 1);
	    ibuf_add_n16(b, 10); ibuf_add_zero(b, 9));
#undef REFUSE
	assert_int_equal(rx.errors[TMSG_E_MALFORMED], n);
	assert_int_equal(rx.accepted, 0);

	/* A link record with octets past version 1's fields: accepted. */
	b = raw_header(TMSG_T_LINK_SAMPLE, 0, seq++);
	ibuf_add_n16(b, 1);
	ibuf_add_n16(b, TMSG_LINK_REC_MIN + 4);
	ibuf_add_n32(b, 1);
	ibuf_add_n8(b, 1);
	ibuf_add(b, "x", 1);
	ibuf_add_zero(b, TMSG_LINK_REC_MIN - 6 + 4);
	sign_raw(b);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(got->nlinks, 1);
	assert_string_equal(got->links[0].name, "x");
	/* Octets after the MAC: the length field disagrees. */
	assert_int_equal(ibuf_add_n8(b, 0), 0);
	assert_int_equal(decode(&rx, b, got), TMSG_E_MALFORMED);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(got);
}

static void
test_key_sizes(void **state)
{
	struct tmsg_key	 k;

	assert_int_equal(tmsg_key_set(&k, keytext, TMSG_KEY_MIN - 1), -1);
	assert_int_equal(tmsg_key_set(&k, keytext, TMSG_KEY_MIN), 0);
	assert_int_equal(tmsg_key_load(&k, "/nonexistent/key"), -1);
	assert_string_equal(tmsg_err_str(TMSG_E_REPLAYED), "replayed");
	assert_string_equal(tmsg_err_str(TMSG_E_MAX), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_round_trip),
		cmocka_unit_test(test_event_and_bgp_round_trip),
		cmocka_unit_test(test_max_links),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_agent_keys),
		cmocka_unit_test(test_replayed),
		cmocka_unit_test(test_agents_full),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_key_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
