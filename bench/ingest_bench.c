/*
 * ingest_bench: link-samples per second that the controller's ingest
 * verifies (HMAC-SHA256), decodes and applies to its per-link state, on
 * one core.  Signed link-sample messages are generated ahead (distinct
 * agents, rising sequence numbers, times and counters, as agents send
 * them) and fed to ingest_feed() in a loop.  The same messages are also
 * put through the HMAC alone and through tmsg_rx_decode() (HMAC, parse,
 * replay window), so the time splits into MAC, parse and state.
 *
 * usage: bench/ingest_bench [LINKS_PER_MSG [ROUNDS [PASSES]]]
 *        (default 256 links, 16 rounds, 5 passes; links x agents = 16384,
 *        at most 1024 agents: TMSG_MAX_AGENTS)
 */
#include "config.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ingest.h"
#include "tmsg.h"

struct corpus {
	struct ibuf	**msg;		/* round-major: round r, agent a */
	size_t		  nmsg;
	uint32_t	  links, agents;
	uint64_t	  samples;	/* link records in all messages */
};

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Counters that grow as a busy 400G port's would in 100 ms. */
static void
fill_link(struct tmsg_link *l, uint32_t i, uint32_t round)
{
	uint64_t	 r = round + 1;

	*l = (struct tmsg_link){ 0 };
	l->ifindex = i + 2;
	snprintf(l->name, sizeof(l->name), "swp%u", i + 1);
	l->oper = TMSG_OPER_UP;
	l->capsrc = TMSG_CAP_KERNEL;
	l->capacity_bps = 400000000000ULL;
	l->rx_bytes = r * 3000000000ULL + i;
	l->tx_bytes = r * 2900000000ULL + i;
	l->rx_packets = r * 750000;
	l->tx_packets = r * 725000;
	l->q_backlog = (i % 7) * 1500;
	l->q_overlimits = r * (i % 3);
}

static void
corpus_make(struct corpus *c, uint32_t links, uint32_t rounds,
    const struct tmsg_key *key)
{
	struct tmsg	*m;
	uint32_t	 r, a, i;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		err(1, NULL);
	c->links = links;
	/* as many agents as the ingest keeps links for, or replay windows */
	c->agents = INGEST_MAX_LINKS / links;
	if (c->agents > TMSG_MAX_AGENTS)
		c->agents = TMSG_MAX_AGENTS;
	c->nmsg = (size_t)rounds * c->agents;
	if ((c->msg = calloc(c->nmsg, sizeof(*c->msg))) == NULL)
		err(1, NULL);
	m->type = TMSG_T_LINK_SAMPLE;
	m->nlinks = links;
	for (r = 0; r < rounds; r++)
		for (a = 0; a < c->agents; a++) {
			struct ibuf **b = &c->msg[(size_t)r * c->agents + a];

			snprintf(m->agent, sizeof(m->agent), "leaf%04u", a);
			m->seq = 1000 + r;
			m->time_ns = 1795000000000000000ULL +
			    (uint64_t)r * 100000000;
			for (i = 0; i < links; i++)
				fill_link(&m->links[i], i, r);
			if ((*b = ibuf_dynamic(4096, TMSG_MAX_SIZE)) == NULL ||
			    tmsg_write(*b, m, key) == -1)
				err(1, "tmsg_write");
			c->samples += links;
		}
	free(m);
}

/* The MAC as tmsg_rx_decode() computes it: a context keyed once. */
static double
pass_hmac(const struct corpus *c, const struct tmsg_key *key)
{
	OSSL_PARAM	 params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)"SHA256", 0),
		OSSL_PARAM_construct_end()
	};
	uint8_t		 mac[TMSG_MAC_LEN];
	EVP_MAC		*alg;
	EVP_MAC_CTX	*ctx;
	double		 t0, t;
	size_t		 i, out;

	if ((alg = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(alg)) == NULL ||
	    EVP_MAC_init(ctx, key->key, key->len, params) != 1)
		errx(1, "EVP_MAC");
	t0 = now_s();
	for (i = 0; i < c->nmsg; i++)
		if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1 ||
		    EVP_MAC_update(ctx, ibuf_data(c->msg[i]),
		    ibuf_size(c->msg[i]) - TMSG_MAC_LEN) != 1 ||
		    EVP_MAC_final(ctx, mac, &out, sizeof(mac)) != 1 ||
		    memcmp(mac, (uint8_t *)ibuf_data(c->msg[i]) +
		    ibuf_size(c->msg[i]) - TMSG_MAC_LEN, sizeof(mac)) != 0)
			errx(1, "HMAC of message %zu", i);
	t = now_s() - t0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(alg);
	return t;
}

static double
pass_decode(const struct corpus *c, const struct tmsg_key *key,
    struct tmsg *m)
{
	struct tmsg_rx	 rx;
	double		 t0, t;
	size_t		 i;

	tmsg_rx_init(&rx, key);
	t0 = now_s();
	for (i = 0; i < c->nmsg; i++)
		if (tmsg_rx_decode(&rx, ibuf_data(c->msg[i]),
		    ibuf_size(c->msg[i]), m) != TMSG_OK)
			errx(1, "message %zu rejected", i);
	t = now_s() - t0;
	tmsg_rx_free(&rx);
	return t;
}

/* The whole ingest; checks that every link ended with a rate. */
static double
pass_ingest(const struct corpus *c, const struct tmsg_key *key,
    struct tmsg *m)
{
	struct ingest_conf	 conf;
	struct ingest		 in;
	double			 t0, t;
	size_t			 i;

	ingest_conf_default(&conf);
	if (ingest_init(&in, &conf, key) == -1)
		err(1, "ingest_init");
	t0 = now_s();
	for (i = 0; i < c->nmsg; i++)
		if (ingest_feed(&in, ibuf_data(c->msg[i]),
		    ibuf_size(c->msg[i]), 1000 + i, m) != TMSG_OK)
			errx(1, "message %zu rejected", i);
	t = now_s() - t0;
	if (in.nlinks != (size_t)c->agents * c->links)
		errx(1, "%zu links in the state, want %u", in.nlinks,
		    c->agents * c->links);
	for (i = 0; i < in.nlinks; i++)
		if (!in.links[i].have_rate || in.links[i].rx_bps < 1e11)
			errx(1, "link %zu: no rate", i);
	ingest_free(&in);
	return t;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char *argv[])
{
	struct tmsg_key	 key;
	struct corpus	 c = { 0 };
	struct tmsg	*m;
	uint32_t	 links = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	uint32_t	 rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 16;
	int		 passes = argc > 3 ? atoi(argv[3]) : 5, p;
	double		 th[64], td[64], ti[64], h, d, t;
	size_t		 bytes = 0, i;

	if (links < 1 || links > TMSG_MAX_LINKS || rounds < 2 ||
	    passes < 1 || passes > 64)
		errx(1, "usage: ingest_bench [LINKS 1-%d [ROUNDS >= 2 "
		    "[PASSES 1-64]]]", TMSG_MAX_LINKS);
	if (tmsg_key_set(&key, "ingest-bench-key-0123456789abcdef", 32) == -1 ||
	    (m = malloc(sizeof(*m))) == NULL)
		err(1, NULL);
	corpus_make(&c, links, rounds, &key);
	for (i = 0; i < c.nmsg; i++)
		bytes += ibuf_size(c.msg[i]);
	for (p = 0; p < passes; p++) {
		th[p] = pass_hmac(&c, &key);
		td[p] = pass_decode(&c, &key, m);
		ti[p] = pass_ingest(&c, &key, m);
	}
	h = median(th, passes);
	d = median(td, passes);
	t = median(ti, passes);
	printf("links/msg %u  agents %u  messages %zu  octets/msg %zu  "
	    "passes %d\n", links, c.agents, c.nmsg, bytes / c.nmsg, passes);
	printf("ingest_feed      %9.0f link-samples/s  %7.2f us/msg\n",
	    c.samples / t, t / c.nmsg * 1e6);
	printf("  hmac only      %9.0f link-samples/s  %7.2f us/msg  "
	    "(%.0f%%)\n", c.samples / h, h / c.nmsg * 1e6, 100 * h / t);
	printf("  + parse,replay %9.0f link-samples/s  %7.2f us/msg  "
	    "(parse %.0f%%)\n", c.samples / d, d / c.nmsg * 1e6,
	    100 * (d - h) / t);
	printf("  + state        (state %.0f%%)\n", 100 * (t - d) / t);
	for (i = 0; i < c.nmsg; i++)
		ibuf_free(c.msg[i]);
	free(c.msg);
	free(m);
	return 0;
}
