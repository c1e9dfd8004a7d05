/*
 * The telemetry wire format (tmsg.h): writers, the parser, the HMAC and
 * the replay window.  Every byte from the network goes through ibuf; the
 * parser does no I/O and keeps no state, the replay window lives in the
 * caller's struct tmsg_rx.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "log.h"
#include "tmsg.h"

#define TMSG_COUNTERS	12	/* 64-bit counters in a link record */

static const uint8_t zero_mac[TMSG_MAC_LEN];

int
tmsg_key_set(struct tmsg_key *k, const void *key, size_t len)
{
	if (len < TMSG_KEY_MIN || len > sizeof(k->key)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(k->key, key, len);
	k->len = len;
	return 0;
}

/*
 * The key is the file's bytes, less one trailing newline, so that
 * `openssl rand -hex 32 > key` works as it is.  Not part of the parser.
 */
int
tmsg_key_load(struct tmsg_key *k, const char *path)
{
	uint8_t		 buf[TMSG_KEY_MAX + 2];
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("key file %s is readable by everyone", path);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n == -1)
		return -1;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n < TMSG_KEY_MIN || n > TMSG_KEY_MAX) {
		log_warnx("key file %s: %zd octets, want %d to %d", path, n,
		    TMSG_KEY_MIN, TMSG_KEY_MAX);
		errno = EINVAL;
		return -1;
	}
	return tmsg_key_set(k, buf, (size_t)n);
}

static int
tmsg_mac(const struct tmsg_key *k, const uint8_t *data, size_t len,
    uint8_t mac[TMSG_MAC_LEN])
{
	unsigned int	 maclen = TMSG_MAC_LEN;

	if (HMAC(EVP_sha256(), k->key, (int)k->len, data, len, mac,
	    &maclen) == NULL || maclen != TMSG_MAC_LEN)
		return -1;
	return 0;
}

/*
 * The receiver's HMAC context, keyed once: each message then costs a
 * re-initialisation from the kept key (no allocation, no algorithm
 * fetch), where HMAC() fetches SHA-256 and builds a context every time,
 * about 0.8 us of a 184-octet message's 1.1 (bench/ingest_bench).
 */
static EVP_MAC_CTX *
mac_ctx_new(const struct tmsg_key *k)
{
	OSSL_PARAM	 params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)"SHA256", 0),
		OSSL_PARAM_construct_end()
	};
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;

	if (k->len == 0 || (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	if (ctx != NULL && EVP_MAC_init(ctx, k->key, k->len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static int
mac_ctx_run(EVP_MAC_CTX *ctx, const uint8_t *data, size_t len,
    uint8_t mac[TMSG_MAC_LEN])
{
	size_t	 out;

	if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(ctx, data, len) != 1 ||
	    EVP_MAC_final(ctx, mac, &out, TMSG_MAC_LEN) != 1 ||
	    out != TMSG_MAC_LEN)
		return -1;
	return 0;
}

/* ---- writers ---- */

/* A length-prefixed name of 1 to max octets (tmsg_frr.c uses it too). */
int
tmsg_put_name(struct ibuf *b, const char *name, size_t max)
{
	size_t	 len = strnlen(name, max + 1);

	if (len == 0 || len > max) {
		errno = ERANGE;
		return -1;
	}
	if (ibuf_add_n8(b, len) == -1 || ibuf_add(b, name, len) == -1)
		return -1;
	return 0;
}

static int
write_link(struct ibuf *b, const struct tmsg_link *l)
{
	size_t		 start = ibuf_size(b);
	const uint64_t	 c[TMSG_COUNTERS] = { l->rx_bytes, l->tx_bytes,
			    l->rx_packets, l->tx_packets, l->rx_drops,
			    l->tx_drops, l->rx_errors, l->tx_errors,
			    l->q_backlog, l->q_drops, l->q_overlimits,
			    l->q_requeues };
	int		 i;

	if (ibuf_add_n16(b, 0) == -1 ||
	    ibuf_add_n32(b, l->ifindex) == -1 ||
	    tmsg_put_name(b, l->name, TMSG_IFNAME_MAX) == -1 ||
	    ibuf_add_n8(b, l->oper) == -1 ||
	    ibuf_add_n8(b, l->capsrc) == -1 ||
	    ibuf_add_n64(b, l->capacity_bps) == -1)
		return -1;
	for (i = 0; i < TMSG_COUNTERS; i++)
		if (ibuf_add_n64(b, c[i]) == -1)
			return -1;
	return ibuf_set_n16(b, start, ibuf_size(b) - start - 2);
}

/* ---- TMSG_T_PATH: fabric-probe's per-path report ---- */

static size_t
addr_len(uint8_t af)
{
	return af == TMSG_AF_INET ? 4 : af == TMSG_AF_INET6 ? 16 : 0;
}

static int
write_addr(struct ibuf *b, const struct tmsg_addr *a)
{
	size_t	 len = addr_len(a->af);

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_add_n8(b, a->af) == -1 || ibuf_add(b, a->addr, len) == -1)
		return -1;
	return 0;
}

static int
write_path(struct ibuf *b, const struct tmsg_path *p)
{
	uint8_t	 i;

	if (p->nhops > TMSG_PATH_MAX_HOPS || p->state > TMSG_PATH_UNSEEN) {
		errno = ERANGE;
		return -1;
	}
	if (write_addr(b, &p->src) == -1 || write_addr(b, &p->dst) == -1 ||
	    ibuf_add_n16(b, p->src_port) == -1 ||
	    ibuf_add_n16(b, p->dst_port) == -1 ||
	    ibuf_add_n32(b, p->path_id) == -1 ||
	    ibuf_add_n8(b, p->state) == -1 ||
	    ibuf_add_n8(b, p->nhops) == -1)
		return -1;
	for (i = 0; i < p->nhops; i++)
		if (write_addr(b, &p->hops[i]) == -1)
			return -1;
	if (ibuf_add_n32(b, p->rtt_min_us) == -1 ||
	    ibuf_add_n32(b, p->rtt_median_us) == -1 ||
	    ibuf_add_n32(b, p->rtt_p99_us) == -1 ||
	    ibuf_add_n32(b, p->window_ms) == -1 ||
	    ibuf_add_n64(b, p->sent) == -1 ||
	    ibuf_add_n64(b, p->received) == -1 ||
	    ibuf_add_n64(b, p->lost) == -1 ||
	    ibuf_add_n64(b, p->integrity) == -1 ||
	    ibuf_add_n64(b, p->throughput_bps) == -1 ||
	    ibuf_add_n64(b, p->state_changes) == -1)
		return -1;
	return 0;
}

static int
read_addr(struct ibuf *b, struct tmsg_addr *a)
{
	size_t	 len;

	if (ibuf_get_n8(b, &a->af) == -1 || (len = addr_len(a->af)) == 0)
		return -1;
	return ibuf_get(b, a->addr, len);
}

/* Rejects what the writer cannot produce: a state past FAILED, more hops
 * than TMSG_PATH_MAX_HOPS, an unknown family, counters that do not add up
 * (received + lost > sent), RTTs out of order. */
static int
read_path(struct ibuf *body, struct tmsg_path *p)
{
	uint8_t	 i;

	*p = (struct tmsg_path){ 0 };
	if (read_addr(body, &p->src) == -1 || read_addr(body, &p->dst) == -1 ||
	    ibuf_get_n16(body, &p->src_port) == -1 ||
	    ibuf_get_n16(body, &p->dst_port) == -1 ||
	    ibuf_get_n32(body, &p->path_id) == -1 ||
	    ibuf_get_n8(body, &p->state) == -1 ||
	    ibuf_get_n8(body, &p->nhops) == -1 ||
	    p->state > TMSG_PATH_UNSEEN || p->nhops > TMSG_PATH_MAX_HOPS)
		return -1;
	for (i = 0; i < p->nhops; i++)
		if (read_addr(body, &p->hops[i]) == -1)
			return -1;
	if (ibuf_get_n32(body, &p->rtt_min_us) == -1 ||
	    ibuf_get_n32(body, &p->rtt_median_us) == -1 ||
	    ibuf_get_n32(body, &p->rtt_p99_us) == -1 ||
	    ibuf_get_n32(body, &p->window_ms) == -1 ||
	    ibuf_get_n64(body, &p->sent) == -1 ||
	    ibuf_get_n64(body, &p->received) == -1 ||
	    ibuf_get_n64(body, &p->lost) == -1 ||
	    ibuf_get_n64(body, &p->integrity) == -1 ||
	    ibuf_get_n64(body, &p->throughput_bps) == -1 ||
	    ibuf_get_n64(body, &p->state_changes) == -1)
		return -1;
	if (p->lost > p->sent || p->received > p->sent - p->lost ||
	    p->rtt_min_us > p->rtt_median_us ||
	    p->rtt_median_us > p->rtt_p99_us)
		return -1;
	return 0;
}

static int
write_body(struct ibuf *b, const struct tmsg *m)
{
	uint16_t	 i;

	switch (m->type) {
	case TMSG_T_LINK_SAMPLE:
		if (m->nlinks > TMSG_MAX_LINKS) {
			errno = ERANGE;
			return -1;
		}
		if (ibuf_add_n16(b, m->nlinks) == -1)
			return -1;
		for (i = 0; i < m->nlinks; i++)
			if (write_link(b, &m->links[i]) == -1)
				return -1;
		return 0;
	case TMSG_T_LINK_EVENT:
		if (ibuf_add_n32(b, m->event.ifindex) == -1 ||
		    tmsg_put_name(b, m->event.name, TMSG_IFNAME_MAX) == -1 ||
		    ibuf_add_n8(b, m->event.oper) == -1)
			return -1;
		return 0;
	case TMSG_T_BGP_STATE:
		return tmsg_write_bgp_state(b, m);
	case TMSG_T_FIB_ROUTES:
		return tmsg_write_fib_routes(b, m);
	case TMSG_T_PATH:
		return write_path(b, &m->path);
	default:
		errno = EINVAL;
		return -1;
	}
}

/*
 * Appends one whole message to b: header, body, then the MAC over both
 * (all zero when key is NULL: only the tests write unsigned messages).
 */
int
tmsg_write(struct ibuf *b, const struct tmsg *m, const struct tmsg_key *key)
{
	size_t		 start = ibuf_size(b), len;
	uint8_t		 mac[TMSG_MAC_LEN];

	if (ibuf_add_n8(b, TMSG_VERSION) == -1 ||
	    ibuf_add_n8(b, m->type) == -1 ||
	    ibuf_add_n16(b, 0) == -1 ||
	    ibuf_add_n32(b, 0) == -1 ||
	    ibuf_add_n64(b, m->seq) == -1 ||
	    ibuf_add_n64(b, m->time_ns) == -1 ||
	    tmsg_put_name(b, m->agent, TMSG_AGENT_MAX) == -1 ||
	    write_body(b, m) == -1)
		goto fail;
	len = ibuf_size(b) - start + TMSG_MAC_LEN;
	if (len > TMSG_MAX_SIZE) {
		errno = ERANGE;
		goto fail;
	}
	if (ibuf_set_n32(b, start + 4, len) == -1)
		goto fail;
	memset(mac, 0, sizeof(mac));
	if (key != NULL && tmsg_mac(key, (uint8_t *)ibuf_data(b) + start,
	    len - TMSG_MAC_LEN, mac) == -1) {
		errno = EINVAL;
		goto fail;
	}
	if (ibuf_add(b, mac, sizeof(mac)) == -1)
		goto fail;
	return 0;
 fail:
	ibuf_truncate(b, start);
	return -1;
}

/* ---- the parser ---- */

int
tmsg_get_name(struct ibuf *b, char *dst, size_t max)
{
	uint8_t	 len;

	if (ibuf_get_n8(b, &len) == -1 || len == 0 || len > max)
		return -1;
	return ibuf_get_strbuf(b, dst, max + 1, len);
}

static int
read_link(struct ibuf *rec, struct tmsg_link *l)
{
	uint64_t	*c[TMSG_COUNTERS] = { &l->rx_bytes, &l->tx_bytes,
			    &l->rx_packets, &l->tx_packets, &l->rx_drops,
			    &l->tx_drops, &l->rx_errors, &l->tx_errors,
			    &l->q_backlog, &l->q_drops, &l->q_overlimits,
			    &l->q_requeues };
	int		 i;

	memset(l, 0, sizeof(*l));
	if (ibuf_get_n32(rec, &l->ifindex) == -1 ||
	    tmsg_get_name(rec, l->name, TMSG_IFNAME_MAX) == -1 ||
	    ibuf_get_n8(rec, &l->oper) == -1 ||
	    ibuf_get_n8(rec, &l->capsrc) == -1 ||
	    ibuf_get_n64(rec, &l->capacity_bps) == -1)
		return -1;
	for (i = 0; i < TMSG_COUNTERS; i++)
		if (ibuf_get_n64(rec, c[i]) == -1)
			return -1;
	/* Octets left in rec are for later versions: skipped. */
	if (l->oper > TMSG_OPER_UP || l->capsrc > TMSG_CAP_TBF)
		return -1;
	return 0;
}

static int
read_sample(struct ibuf *body, struct tmsg *m)
{
	struct ibuf	 rec;
	uint16_t	 n, len, i;

	if (ibuf_get_n16(body, &n) == -1 || n > TMSG_MAX_LINKS ||
	    (size_t)n * (2 + TMSG_LINK_REC_MIN) > ibuf_size(body))
		return -1;
	for (i = 0; i < n; i++) {
		if (ibuf_get_n16(body, &len) == -1 ||
		    ibuf_get_ibuf(body, len, &rec) == -1 ||
		    read_link(&rec, &m->links[i]) == -1)
			return -1;
	}
	m->nlinks = n;
	return 0;
}

static int
read_body(struct ibuf *body, struct tmsg *m)
{
	int	 rc;

	switch (m->type) {
	case TMSG_T_LINK_SAMPLE:
		rc = read_sample(body, m);
		break;
	case TMSG_T_LINK_EVENT:
		rc = (ibuf_get_n32(body, &m->event.ifindex) == -1 ||
		    tmsg_get_name(body, m->event.name, TMSG_IFNAME_MAX) == -1 ||
		    ibuf_get_n8(body, &m->event.oper) == -1 ||
		    m->event.oper > TMSG_OPER_UP) ? -1 : 0;
		break;
	case TMSG_T_BGP_STATE:
		rc = tmsg_read_bgp_state(body, m);
		break;
	case TMSG_T_FIB_ROUTES:
		rc = tmsg_read_fib_routes(body, m);
		break;
	case TMSG_T_PATH:
		rc = read_path(body, &m->path);
		break;
	default:
		return -1;
	}
	/* Trailing octets in a body are a framing error, not padding. */
	if (rc == 0 && ibuf_size(body) != 0)
		return -1;
	return rc;
}

/* Size, version, length field: the checks that need no key. */
static enum tmsg_err
check_frame(struct ibuf *b, size_t len)
{
	uint8_t		 version;
	uint32_t	 wirelen;

	if (len > TMSG_MAX_SIZE)
		return TMSG_E_OVERSIZED;
	if (ibuf_peek_n8(b, 0, &version) == -1)
		return TMSG_E_TRUNCATED;
	if (version != TMSG_VERSION)
		return TMSG_E_BAD_VERSION;
	if (len < TMSG_MIN_SIZE || ibuf_peek_n32(b, 4, &wirelen) == -1)
		return TMSG_E_TRUNCATED;
	if (wirelen > TMSG_MAX_SIZE)
		return TMSG_E_OVERSIZED;
	if (wirelen > len)
		return TMSG_E_TRUNCATED;
	if (wirelen < len || wirelen < TMSG_MIN_SIZE)
		return TMSG_E_MALFORMED;
	return TMSG_OK;
}

/* ctx: the receiver's keyed context (the same key), or NULL. */
static enum tmsg_err
check_mac(const uint8_t *data, size_t len, const struct tmsg_key *key,
    EVP_MAC_CTX *ctx)
{
	uint8_t		 mac[TMSG_MAC_LEN];
	const uint8_t	*got = data + len - TMSG_MAC_LEN;
	int		 rc;

	if (CRYPTO_memcmp(got, zero_mac, TMSG_MAC_LEN) == 0)
		return TMSG_E_UNSIGNED;
	rc = ctx != NULL ? mac_ctx_run(ctx, data, len - TMSG_MAC_LEN, mac) :
	    tmsg_mac(key, data, len - TMSG_MAC_LEN, mac);
	if (rc == -1 ||
	    CRYPTO_memcmp(got, mac, TMSG_MAC_LEN) != 0)
		return TMSG_E_BAD_MAC;
	return TMSG_OK;
}

/*
 * Parses one message of exactly len octets into m.  The MAC is checked
 * before any field past the fixed frame is read, so a forger reaches the
 * body parser never.  The replay window is the caller's: tmsg_rx_decode(),
 * which passes its keyed HMAC context; tmsg_parse() has none.
 */
static enum tmsg_err
parse(const uint8_t *data, size_t len, const struct tmsg_key *key,
    EVP_MAC_CTX *ctx, struct tmsg *m)
{
	struct ibuf	 b, body;
	uint16_t	 flags;
	uint32_t	 wirelen;
	enum tmsg_err	 e;

	ibuf_from_buffer(&b, data, len);
	if ((e = check_frame(&b, len)) != TMSG_OK)
		return e;
	if ((e = check_mac(data, len, key, ctx)) != TMSG_OK)
		return e;
	memset(m, 0, offsetof(struct tmsg, links));
	m->event = (struct tmsg_event){ 0 };
	m->nbgp = 0;
	m->nroutes = 0;
	if (ibuf_truncate(&b, len - TMSG_MAC_LEN) == -1 ||
	    ibuf_get_n8(&b, &m->version) == -1 ||
	    ibuf_get_n8(&b, &m->type) == -1 ||
	    ibuf_get_n16(&b, &flags) == -1 ||
	    ibuf_get_n32(&b, &wirelen) == -1 ||
	    ibuf_get_n64(&b, &m->seq) == -1 ||
	    ibuf_get_n64(&b, &m->time_ns) == -1 ||
	    tmsg_get_name(&b, m->agent, TMSG_AGENT_MAX) == -1 ||
	    ibuf_get_ibuf(&b, ibuf_size(&b), &body) == -1)
		return TMSG_E_MALFORMED;
	if (flags != 0 || read_body(&body, m) == -1)
		return TMSG_E_MALFORMED;
	return TMSG_OK;
}

enum tmsg_err
tmsg_parse(const uint8_t *data, size_t len, const struct tmsg_key *key,
    struct tmsg *m)
{
	return parse(data, len, key, NULL, m);
}

/* ---- the receiver: replay windows and counters ---- */

void
tmsg_rx_init(struct tmsg_rx *rx, const struct tmsg_key *key)
{
	*rx = (struct tmsg_rx){ .key = *key };
	rx->mac = mac_ctx_new(key);
}

/*
 * Per-agent keys: once one is given, a message is checked under the key
 * of the agent id it names, and an id with no key is refused
 * (TMSG_E_UNKNOWN_AGENT), so that one agent's key cannot sign for another
 * and a stolen key is revoked alone.  0, or -1 (errno: EINVAL for a bad
 * id, EEXIST for an id given twice, or ENOMEM).
 */
int
tmsg_rx_agent_key(struct tmsg_rx *rx, const char *agent,
    const struct tmsg_key *key)
{
	struct tmsg_agent_key	*k;
	size_t			 i, n = strlen(agent);

	if (n == 0 || n > TMSG_AGENT_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < rx->nkeys; i++)
		if (strcmp(rx->keys[i].agent, agent) == 0) {
			errno = EEXIST;
			return -1;
		}
	if ((k = reallocarray(rx->keys, rx->nkeys + 1, sizeof(*k))) == NULL)
		return -1;
	rx->keys = k;
	k = &rx->keys[rx->nkeys];
	memset(k, 0, sizeof(*k));
	memcpy(k->agent, agent, n);
	k->key = *key;
	k->mac = mac_ctx_new(key);
	rx->nkeys++;
	return 0;
}

/* The key for the agent id the (framed) message names; NULL if none. */
static const struct tmsg_agent_key *
agent_key(const struct tmsg_rx *rx, const uint8_t *data, size_t len)
{
	struct ibuf	 b;
	char		 agent[TMSG_AGENT_MAX + 1];
	size_t		 i;

	ibuf_from_buffer(&b, data, len);
	if (ibuf_skip(&b, TMSG_FIXED_HDR) == -1 ||
	    tmsg_get_name(&b, agent, TMSG_AGENT_MAX) == -1)
		return NULL;
	for (i = 0; i < rx->nkeys; i++)
		if (strcmp(rx->keys[i].agent, agent) == 0)
			return &rx->keys[i];
	return NULL;
}

void
tmsg_rx_free(struct tmsg_rx *rx)
{
	size_t	 i;

	for (i = 0; i < rx->nkeys; i++)
		EVP_MAC_CTX_free(rx->keys[i].mac);
	free(rx->keys);
	rx->keys = NULL;
	rx->nkeys = 0;
	EVP_MAC_CTX_free(rx->mac);
	rx->mac = NULL;
	free(rx->agents);
	rx->agents = NULL;
	rx->nagents = 0;
	memset(rx->slots, 0, sizeof(rx->slots));
}

/* FNV-1a over the agent id: every message looks its window up. */
static uint32_t
agent_hash(const char *agent)
{
	uint32_t	 h = 2166136261u;

	for (; *agent != '\0'; agent++)
		h = (h ^ (uint8_t)*agent) * 16777619u;
	return h;
}

/*
 * The agent's replay window, created on its first message.  Windows are
 * never removed, so linear probing needs no tombstones, and the table is
 * at most half full (TMSG_AGENT_SLOTS): a lookup costs about one
 * comparison at 1024 agents, where a scan cost 512.
 */
static struct tmsg_replay *
replay_find(struct tmsg_rx *rx, const char *agent)
{
	struct tmsg_replay	*r;
	uint16_t		*slot;
	uint32_t		 i;

	for (i = agent_hash(agent);; i++) {
		slot = &rx->slots[i & (TMSG_AGENT_SLOTS - 1)];
		if (*slot == 0)
			break;
		if (strcmp(rx->agents[*slot - 1].agent, agent) == 0)
			return &rx->agents[*slot - 1];
	}
	if (rx->nagents >= TMSG_MAX_AGENTS)
		return NULL;
	r = reallocarray(rx->agents, rx->nagents + 1, sizeof(*r));
	if (r == NULL)
		return NULL;
	rx->agents = r;
	r = &rx->agents[rx->nagents++];
	*r = (struct tmsg_replay){ 0 };
	memcpy(r->agent, agent, sizeof(r->agent));
	*slot = (uint16_t)rx->nagents;
	return r;
}

/*
 * A sliding window, as IPsec's (RFC 4303 3.4.3): newer than the top moves
 * the window; within it, each number once; older than it, rejected.
 * missing counts the numbers jumped over: messages that PUB dropped at
 * its high-water mark or that were lost, less those that came late.
 * Sequence number 0 is never valid, so a fresh window accepts anything
 * from 1 up.
 */
static int
replay_check(struct tmsg_replay *r, uint64_t seq)
{
	uint64_t	 d;

	if (seq == 0)
		return -1;
	if (seq > r->top) {
		d = seq - r->top;
		/*
		 * The first message of an agent sets the base.  An agent
		 * starts at its start time in ns, so a restart jumps by about
		 * its predecessor's uptime in ns: far more than it could send.
		 */
		if (r->top != 0 && d - 1 >= TMSG_SEQ_RESTART)
			r->restarts++;
		else if (r->top != 0)
			r->missing += d - 1;
		r->bitmap = d >= TMSG_REPLAY_WINDOW ? 0 : r->bitmap << d;
		r->bitmap |= 1;
		r->top = seq;
		return 0;
	}
	d = r->top - seq;
	if (d >= TMSG_REPLAY_WINDOW || (r->bitmap & (1ULL << d)))
		return -1;
	r->bitmap |= 1ULL << d;
	if (r->missing > 0)	/* late, not lost; or older than the base */
		r->missing--;
	return 0;
}

enum tmsg_err
tmsg_rx_decode(struct tmsg_rx *rx, const uint8_t *data, size_t len,
    struct tmsg *m)
{
	const struct tmsg_agent_key	*k = NULL;
	struct tmsg_replay		*r;
	enum tmsg_err			 e;

	if (rx->nkeys > 0 && len >= TMSG_MIN_SIZE &&
	    (k = agent_key(rx, data, len)) == NULL)
		e = TMSG_E_UNKNOWN_AGENT;
	else if (k != NULL)
		e = parse(data, len, &k->key, k->mac, m);
	else
		e = parse(data, len, &rx->key, rx->mac, m);
	if (e == TMSG_OK) {
		/* Table full: refuse the newcomer rather than forget one. */
		if ((r = replay_find(rx, m->agent)) == NULL)
			e = TMSG_E_MALFORMED;
		else if (replay_check(r, m->seq) == -1)
			e = TMSG_E_REPLAYED;
	}
	if (e == TMSG_OK)
		rx->accepted++;
	else
		rx->errors[e]++;
	return e;
}

const char *
tmsg_err_str(enum tmsg_err e)
{
	static const char *const names[TMSG_E_MAX] = {
		[TMSG_OK] = "ok",
		[TMSG_E_TRUNCATED] = "truncated",
		[TMSG_E_OVERSIZED] = "oversized",
		[TMSG_E_BAD_VERSION] = "bad-version",
		[TMSG_E_UNSIGNED] = "unsigned",
		[TMSG_E_BAD_MAC] = "bad-mac",
		[TMSG_E_REPLAYED] = "replayed",
		[TMSG_E_UNKNOWN_AGENT] = "unknown-agent",
		[TMSG_E_MALFORMED] = "malformed",
	};

	if ((unsigned)e >= TMSG_E_MAX)
		return "unknown";
	return names[e];
}

const char *
tmsg_type_str(uint8_t type)
{
	switch (type) {
	case TMSG_T_LINK_SAMPLE:
		return "link-sample";
	case TMSG_T_LINK_EVENT:
		return "link-event";
	case TMSG_T_BGP_STATE:
		return "bgp-state";
	case TMSG_T_FIB_ROUTES:
		return "fib-routes";
	case TMSG_T_PATH:
		return "path";
	default:
		return "unknown";
	}
}
