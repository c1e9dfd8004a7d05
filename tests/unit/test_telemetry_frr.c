/*
 * Unit tests for what fabric-agent reports of FRR and for the flowlet
 * data plane's parsers: TMSG types 3 (BGP state) and 4 (FIB routes),
 * round trips and every rejection, by the writer and by the parser; the
 * ingest's per-agent FRR state; `show bgp summary json` as FRR 8.4 writes
 * it; --flowlet-prefix; and kernel route messages (RTA_MULTIPATH with
 * RTA_GATEWAY and RTA_VIA), well and badly formed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "flowlet.h"
#include "frr_state.h"
#include "ibuf.h"
#include "ingest.h"
#include "tmsg.h"

static const char	 keytext[] = "0123456789abcdef0123456789abcdef";
static struct tmsg_key	 key;

static struct tmsg *
msg(uint8_t type, uint64_t seq)
{
	struct tmsg	*m = calloc(1, sizeof(*m));

	assert_non_null(m);
	assert_int_equal(tmsg_key_set(&key, keytext, 32), 0);
	m->type = type;
	m->seq = seq;
	m->time_ns = 1700000000123456789ULL;
	strcpy(m->agent, "leaf1");
	return m;
}

static void
bgp_peers(struct tmsg *m)
{
	m->nbgp = 3;
	m->bgp[0] = (struct tmsg_bgp){ .peer = "eth1", .state =
	    TMSG_BGP_ESTABLISHED, .remote_as = 65000, .uptime_s = 99,
	    .pfx_rcvd = 7 };
	m->bgp[1] = (struct tmsg_bgp){ .state = TMSG_BGP_ACTIVE,
	    .remote_as = 4200000000u };
	memset(m->bgp[1].peer, 'p', TMSG_PEER_MAX);
	m->bgp[2] = (struct tmsg_bgp){ .peer = "fe80::1", .state =
	    TMSG_BGP_IDLE };
}

static void
fib_routes(struct tmsg *m)
{
	struct tmsg_route	*r = &m->routes[0];

	m->nroutes = 3;
	*r = (struct tmsg_route){ .family = 4, .len = 24,
	    .addr = { 10, 1, 4, 0 }, .flags = TMSG_ROUTE_MIRRORED, .nnh = 2 };
	r->nh[0] = (struct tmsg_nh){ .family = 4, .gw = { 10, 0, 0, 1 },
	    .ifindex = 2, .weight = 25 };
	r->nh[1] = (struct tmsg_nh){ .family = 4, .gw = { 10, 0, 0, 2 },
	    .ifindex = 3, .weight = 256 };
	r = &m->routes[1];
	*r = (struct tmsg_route){ .family = 6, .len = 64,
	    .addr = { 0x20, 0x01, 0x0d, 0xb8 }, .nnh = 2 };
	r->nh[0] = (struct tmsg_nh){ .family = 6, .gw = { 0xfe, 0x80, [15] =
	    1 }, .ifindex = 2, .weight = 1 };
	r->nh[1] = (struct tmsg_nh){ .family = 0, .ifindex = 9, .weight = 1 };
	m->routes[2] = (struct tmsg_route){ .family = 4, .len = 0 };
}

static struct ibuf *
encode(const struct tmsg *m)
{
	struct ibuf	*b = ibuf_dynamic(256, TMSG_MAX_SIZE);

	assert_non_null(b);
	assert_int_equal(tmsg_write(b, m, &key), 0);
	return b;
}

static enum tmsg_err
decode(struct tmsg_rx *rx, const struct ibuf *b, struct tmsg *out)
{
	return tmsg_rx_decode(rx, ibuf_data(b), ibuf_size(b), out);
}

static void
test_bgp_round_trip(void **state)
{
	struct tmsg	*m = msg(TMSG_T_BGP_STATE, 1), *got = msg(0, 0);
	struct tmsg_rx	 rx;
	struct ibuf	*b;
	int		 i;

	(void)state;
	bgp_peers(m);
	b = encode(m);
	tmsg_rx_init(&rx, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(got->type, TMSG_T_BGP_STATE);
	assert_int_equal(got->nbgp, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(got->bgp[i].peer, m->bgp[i].peer);
		assert_int_equal(got->bgp[i].state, m->bgp[i].state);
		assert_int_equal(got->bgp[i].remote_as, m->bgp[i].remote_as);
		assert_int_equal(got->bgp[i].uptime_s, m->bgp[i].uptime_s);
		assert_int_equal(got->bgp[i].pfx_rcvd, m->bgp[i].pfx_rcvd);
	}
	assert_string_equal(tmsg_type_str(TMSG_T_BGP_STATE), "bgp-state");
	assert_string_equal(tmsg_bgp_state_str(TMSG_BGP_OPENCONFIRM),
	    "OpenConfirm");
	assert_string_equal(tmsg_bgp_state_str(200), "unknown");
	assert_int_equal(tmsg_bgp_state_from_str("established"),
	    TMSG_BGP_ESTABLISHED);
	assert_int_equal(tmsg_bgp_state_from_str("Clearing"),
	    TMSG_BGP_UNKNOWN);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(m);
	free(got);
}

static void
test_fib_round_trip(void **state)
{
	struct tmsg	*m = msg(TMSG_T_FIB_ROUTES, 1), *got = msg(0, 0);
	struct tmsg_rx	 rx;
	struct ibuf	*b;
	int		 i, j;

	(void)state;
	fib_routes(m);
	b = encode(m);
	tmsg_rx_init(&rx, &key);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(got->type, TMSG_T_FIB_ROUTES);
	assert_int_equal(got->nroutes, 3);
	for (i = 0; i < 3; i++) {
		assert_memory_equal(&got->routes[i], &m->routes[i],
		    offsetof(struct tmsg_route, nh));
		for (j = 0; j < m->routes[i].nnh; j++) {
			const struct tmsg_nh	*x = &got->routes[i].nh[j];
			const struct tmsg_nh	*y = &m->routes[i].nh[j];

			assert_int_equal(x->family, y->family);
			assert_memory_equal(x->gw, y->gw, sizeof(x->gw));
			assert_int_equal(x->ifindex, y->ifindex);
			assert_int_equal(x->weight, y->weight);
		}
	}
	assert_string_equal(tmsg_type_str(TMSG_T_FIB_ROUTES), "fib-routes");
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(m);
	free(got);
}

/* The writer refuses what the parser would: nothing bad goes out. */
static void
test_writer_refuses(void **state)
{
	struct tmsg	*m = msg(TMSG_T_BGP_STATE, 1);
	struct ibuf	*b = ibuf_dynamic(256, TMSG_MAX_SIZE);
	int		 n = 0;

	(void)state;
#define NOWRITE(ty, change) do {					\
	m->type = (ty);							\
	bgp_peers(m);							\
	fib_routes(m);							\
	change;								\
	assert_int_equal(tmsg_write(b, m, &key), -1);			\
	assert_int_equal(ibuf_size(b), 0);				\
	n++;								\
} while (0)
	NOWRITE(TMSG_T_BGP_STATE, m->bgp[0].state = TMSG_BGP_STATE_MAX + 1);
	NOWRITE(TMSG_T_BGP_STATE, m->bgp[0].peer[0] = '\0');
	NOWRITE(TMSG_T_BGP_STATE, memset(m->bgp[0].peer, 'x',
	    TMSG_PEER_MAX + 1));
	NOWRITE(TMSG_T_BGP_STATE, m->nbgp = TMSG_MAX_BGP + 1);
	NOWRITE(TMSG_T_FIB_ROUTES, m->nroutes = TMSG_MAX_ROUTES + 1);
	NOWRITE(TMSG_T_FIB_ROUTES, m->routes[0].family = 5);
	NOWRITE(TMSG_T_FIB_ROUTES, m->routes[0].len = 33);
	NOWRITE(TMSG_T_FIB_ROUTES, m->routes[0].flags = 0x80);
	NOWRITE(TMSG_T_FIB_ROUTES, m->routes[0].nnh = TMSG_MAX_NH + 1);
	NOWRITE(TMSG_T_FIB_ROUTES, m->routes[0].nh[1].family = 5);
	NOWRITE(TMSG_T_FIB_ROUTES, m->routes[0].nh[1].weight = 0);
	NOWRITE(TMSG_T_FIB_ROUTES, m->routes[0].nh[1].weight = 257);
#undef NOWRITE
	assert_int_equal(n, 12);
	ibuf_free(b);
	free(m);
}

/* Signs raw header + body octets, fixing the length field up. */
static void
sign_raw(struct ibuf *b)
{
	uint8_t		 mac[TMSG_MAC_LEN];
	unsigned int	 maclen = sizeof(mac);

	assert_int_equal(ibuf_set_n32(b, 4, ibuf_size(b) + TMSG_MAC_LEN), 0);
	assert_non_null(HMAC(EVP_sha256(), key.key, (int)key.len,
	    ibuf_data(b), ibuf_size(b), mac, &maclen));
	assert_int_equal(ibuf_add(b, mac, sizeof(mac)), 0);
}

static struct ibuf *
raw_header(uint8_t type, uint64_t seq)
{
	struct ibuf	*b = ibuf_dynamic(64, TMSG_MAX_SIZE * 2);

	assert_non_null(b);
	assert_int_equal(ibuf_add_n8(b, TMSG_VERSION), 0);
	assert_int_equal(ibuf_add_n8(b, type), 0);
	assert_int_equal(ibuf_add_n16(b, 0), 0);
	assert_int_equal(ibuf_add_n32(b, 0), 0);
	assert_int_equal(ibuf_add_n64(b, seq), 0);
	assert_int_equal(ibuf_add_n64(b, 1), 0);
	assert_int_equal(ibuf_add_n8(b, 2), 0);
	assert_int_equal(ibuf_add(b, "s1", 2), 0);
	return b;
}

/* One bgp record: peer "ab", then state, AS, uptime, prefixes. */
static void
bgp_rec(struct ibuf *b, uint16_t len, uint8_t namelen, uint8_t st)
{
	ibuf_add_n16(b, len);
	ibuf_add_n8(b, namelen);
	ibuf_add(b, "ab", namelen < 2 ? namelen : 2);
	ibuf_add_n8(b, st);
	ibuf_add_n32(b, 65000);
	ibuf_add_n32(b, 5);
	ibuf_add_n32(b, 7);
}

static void
test_bgp_malformed(void **state)
{
	struct tmsg	*got = msg(0, 0);
	struct ibuf	*b;
	struct tmsg_rx	 rx;
	uint64_t	 seq = 1;
	int		 n = 0;

	(void)state;
	tmsg_rx_init(&rx, &key);
#define REFUSE(build) do {						\
	b = raw_header(TMSG_T_BGP_STATE, seq++);			\
	build;								\
	sign_raw(b);							\
	assert_int_equal(decode(&rx, b, got), TMSG_E_MALFORMED);	\
	ibuf_free(b);							\
	n++;								\
} while (0)
	/* No count; more records than allowed; more than the body holds. */
	REFUSE((void)0);
	REFUSE(ibuf_add_n16(b, TMSG_MAX_BGP + 1);
	    ibuf_add_zero(b, (TMSG_MAX_BGP + 1) * (2 + TMSG_BGP_REC_MIN)));
	REFUSE(ibuf_add_n16(b, 2); bgp_rec(b, 16, 2, 6));
	/* A record length past the body. */
	REFUSE(ibuf_add_n16(b, 1); bgp_rec(b, 17, 2, 6));
	/* A record length that cuts the counters short. */
	REFUSE(ibuf_add_n16(b, 1); bgp_rec(b, 15, 2, 6); ibuf_add_n8(b, 0));
	/* An empty peer name; one longer than TMSG_PEER_MAX. */
	REFUSE(ibuf_add_n16(b, 1); bgp_rec(b, 14, 0, 6); ibuf_add_n8(b, 0));
	REFUSE(ibuf_add_n16(b, 1); ibuf_add_n16(b, 15 + TMSG_PEER_MAX);
	    ibuf_add_n8(b, TMSG_PEER_MAX + 1);
	    ibuf_add_zero(b, TMSG_PEER_MAX + 1); ibuf_add_zero(b, 13));
	/* A NUL in the name. */
	REFUSE(ibuf_add_n16(b, 1); ibuf_add_n16(b, 16); ibuf_add_n8(b, 2);
	    ibuf_add(b, "a", 2); ibuf_add_n8(b, 6); ibuf_add_zero(b, 12));
	/* State 7. */
	REFUSE(ibuf_add_n16(b, 1); bgp_rec(b, 16, 2, 7));
	/* An octet after the last record. */
	REFUSE(ibuf_add_n16(b, 1); bgp_rec(b, 16, 2, 6); ibuf_add_n8(b, 0));
#undef REFUSE
	assert_int_equal(rx.errors[TMSG_E_MALFORMED], n);
	assert_int_equal(rx.accepted, 0);

	/* Octets after a record's known fields are a later version's. */
	b = raw_header(TMSG_T_BGP_STATE, seq++);
	ibuf_add_n16(b, 1);
	bgp_rec(b, 19, 2, 6);
	ibuf_add_zero(b, 3);
	sign_raw(b);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(got->nbgp, 1);
	assert_string_equal(got->bgp[0].peer, "ab");
	assert_int_equal(got->bgp[0].pfx_rcvd, 7);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(got);
}

/* A route record: family, len, address, flags, count, then next-hops. */
static void
route_head(struct ibuf *b, uint16_t len, uint8_t fam, uint8_t plen,
    const void *addr, uint8_t flags, uint8_t nnh)
{
	ibuf_add_n16(b, len);
	ibuf_add_n8(b, fam);
	ibuf_add_n8(b, plen);
	ibuf_add(b, addr, fam == 6 ? 16 : 4);
	ibuf_add_n8(b, flags);
	ibuf_add_n8(b, nnh);
}

static void
nh4(struct ibuf *b, uint8_t fam, uint16_t weight)
{
	static const uint8_t	 gw[4] = { 10, 0, 0, 1 };

	ibuf_add_n8(b, fam);
	ibuf_add(b, gw, fam == 4 ? 4 : 0);
	ibuf_add_n32(b, 2);
	ibuf_add_n16(b, weight);
}

static void
test_fib_malformed(void **state)
{
	static const uint8_t	 a4[4] = { 10, 1, 4, 0 }, a6[16] = { 0x20 };
	static const uint8_t	 host[4] = { 10, 1, 4, 1 };
	struct tmsg		*got = msg(0, 0);
	struct ibuf		*b;
	struct tmsg_rx		 rx;
	uint64_t		 seq = 1;
	int			 n = 0;

	(void)state;
	tmsg_rx_init(&rx, &key);
#define REFUSE(build) do {						\
	b = raw_header(TMSG_T_FIB_ROUTES, seq++);			\
	build;								\
	sign_raw(b);							\
	assert_int_equal(decode(&rx, b, got), TMSG_E_MALFORMED);	\
	ibuf_free(b);							\
	n++;								\
} while (0)
	REFUSE((void)0);
	REFUSE(ibuf_add_n16(b, TMSG_MAX_ROUTES + 1); ibuf_add_zero(b,
	    (TMSG_MAX_ROUTES + 1) * (2 + TMSG_ROUTE_REC_MIN)));
	REFUSE(ibuf_add_n16(b, 2); route_head(b, 8, 4, 24, a4, 0, 0));
	/* Family 5; a length past the family's; host bits set. */
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 8, 5, 24, a4, 0, 0));
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 8, 4, 33, a4, 0, 0));
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 20, 6, 129, a6, 0, 0));
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 8, 4, 24, host, 0, 0));
	/* Unknown flags; more next-hops than a group holds. */
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 8, 4, 24, a4, 0x02, 0));
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 8 + 64 * 7, 4, 24, a4, 0,
	    TMSG_MAX_NH + 1); ibuf_add_zero(b, 64 * 7));
	/* A next-hop of family 5, weight 0, weight 257. */
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 15, 4, 24, a4, 0, 1);
	    nh4(b, 5, 1));
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 19, 4, 24, a4, 0, 1);
	    nh4(b, 4, 0));
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 19, 4, 24, a4, 0, 1);
	    nh4(b, 4, 257));
	/* A record length that cuts a next-hop short. */
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 18, 4, 24, a4, 0, 1);
	    nh4(b, 4, 1));
	/* The count promises a next-hop that is not there. */
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 8, 4, 24, a4, 0, 1));
	/* An octet after the last record. */
	REFUSE(ibuf_add_n16(b, 1); route_head(b, 8, 4, 24, a4, 0, 0);
	    ibuf_add_n8(b, 0));
#undef REFUSE
	assert_int_equal(rx.errors[TMSG_E_MALFORMED], n);
	assert_int_equal(rx.accepted, 0);

	/* Trailing octets inside a record: a later version's, skipped. */
	b = raw_header(TMSG_T_FIB_ROUTES, seq++);
	ibuf_add_n16(b, 1);
	route_head(b, 21, 4, 24, a4, TMSG_ROUTE_MIRRORED, 1);
	nh4(b, 4, 75);
	ibuf_add_zero(b, 2);
	sign_raw(b);
	assert_int_equal(decode(&rx, b, got), TMSG_OK);
	assert_int_equal(got->nroutes, 1);
	assert_int_equal(got->routes[0].nh[0].weight, 75);
	assert_int_equal(got->routes[0].flags, TMSG_ROUTE_MIRRORED);
	ibuf_free(b);
	tmsg_rx_free(&rx);
	free(got);
}

static void
feed(struct ingest *in, struct tmsg *m, struct tmsg *scratch, uint64_t now)
{
	struct ibuf	*b = encode(m);

	assert_int_equal(ingest_feed(in, ibuf_data(b), ibuf_size(b), now,
	    scratch), TMSG_OK);
	ibuf_free(b);
}

static void
test_ingest_frr(void **state)
{
	struct tmsg		*m = msg(TMSG_T_BGP_STATE, 1), *s = msg(0, 0);
	struct ingest_conf	 ic;
	struct ingest		 in;
	const struct ingest_frr	*f;
	const struct tmsg_route	*r;
	static const uint8_t	 a4[16] = { 10, 1, 4, 0 };

	(void)state;
	ingest_conf_default(&ic);
	assert_int_equal(ingest_init(&in, &ic, &key), 0);
	assert_null(ingest_frr_find(&in, "leaf1"));
	bgp_peers(m);
	feed(&in, m, s, 1000);
	assert_non_null(f = ingest_frr_find(&in, "leaf1"));
	assert_int_equal(f->nbgp, 3);
	assert_int_equal(f->bgp_ms, 1000);
	assert_string_equal(f->bgp[0].peer, "eth1");
	/* A snapshot replaces the last one whole. */
	m->seq = 2;
	m->nbgp = 1;
	m->bgp[0].state = TMSG_BGP_IDLE;
	feed(&in, m, s, 2000);
	assert_int_equal(f->nbgp, 1);
	assert_int_equal(f->bgp[0].state, TMSG_BGP_IDLE);

	/* Routes: added, updated, withdrawn one by one. */
	m->type = TMSG_T_FIB_ROUTES;
	m->seq = 3;
	fib_routes(m);
	m->nroutes = 2;
	feed(&in, m, s, 3000);
	assert_int_equal(f->nroutes, 2);
	assert_non_null(r = ingest_frr_route(f, 4, 24, a4));
	assert_int_equal(r->nh[0].weight, 25);
	m->seq = 4;
	m->nroutes = 1;
	m->routes[0].nh[0].weight = 99;
	feed(&in, m, s, 4000);
	assert_int_equal(f->nroutes, 2);
	assert_int_equal(ingest_frr_route(f, 4, 24, a4)->nh[0].weight, 99);
	assert_null(ingest_frr_route(f, 4, 23, a4));
	m->seq = 5;
	m->routes[0].nnh = 0;
	feed(&in, m, s, 5000);
	assert_int_equal(f->nroutes, 1);
	assert_null(ingest_frr_route(f, 4, 24, a4));
	assert_int_equal(in.bgp_states, 2);
	assert_int_equal(in.fib_routes, 3);

	/* Another agent has its own state. */
	strcpy(m->agent, "leaf2");
	m->seq = 1;
	m->type = TMSG_T_BGP_STATE;
	feed(&in, m, s, 6000);
	assert_non_null(f = ingest_frr_find(&in, "leaf2"));
	assert_int_equal(f->nroutes, 0);
	assert_int_equal(ingest_frr_find(&in, "leaf1")->nroutes, 1);
	ingest_free(&in);
	free(m);
	free(s);
}

/* Trimmed from FRR 8.4.4's `show bgp summary json` on a lab leaf. */
static const char frr_summary[] =
    "{\"ipv4Unicast\":{\"routerId\":\"10.0.1.1\",\"as\":65001,"
    "\"peers\":{\"172.20.20.1\":{\"remoteAs\":65001,\"state\":\"Active\","
    "\"peerUptimeMsec\":0,\"pfxRcd\":0},"
    "\"eth1\":{\"hostname\":\"spine1\",\"remoteAs\":65000,"
    "\"state\":\"Established\",\"peerUptimeMsec\":12345,\"pfxRcd\":7},"
    "\"eth2\":{\"remoteAs\":65000,\"state\":\"Idle (Admin)\","
    "\"peerUptimeMsec\":999000,\"pfxRcd\":0}}},"
    "\"ipv6Unicast\":{\"peers\":{\"eth1\":{\"remoteAs\":65000,"
    "\"state\":\"Established\",\"pfxRcd\":3},"
    "\"fe80::1\":{\"remoteAs\":65002,\"state\":\"OpenSent\"}}}}";

static void
test_frr_summary(void **state)
{
	struct tmsg	*m = msg(TMSG_T_BGP_STATE, 1);

	(void)state;
	assert_int_equal(frr_bgp_parse(frr_summary, m), 0);
	assert_int_equal(m->nbgp, 4);
	assert_string_equal(m->bgp[0].peer, "172.20.20.1");
	assert_int_equal(m->bgp[0].state, TMSG_BGP_ACTIVE);
	assert_string_equal(m->bgp[1].peer, "eth1");
	assert_int_equal(m->bgp[1].state, TMSG_BGP_ESTABLISHED);
	assert_int_equal(m->bgp[1].remote_as, 65000);
	assert_int_equal(m->bgp[1].uptime_s, 12);
	assert_int_equal(m->bgp[1].pfx_rcvd, 7);	/* IPv4's, first */
	assert_int_equal(m->bgp[2].state, TMSG_BGP_IDLE);
	assert_int_equal(m->bgp[2].uptime_s, 0);	/* not up */
	assert_string_equal(m->bgp[3].peer, "fe80::1");
	assert_int_equal(m->bgp[3].state, TMSG_BGP_OPENSENT);
	/* FRR with no BGP says {}; not JSON, or not an object: refused. */
	assert_int_equal(frr_bgp_parse("{}", m), 0);
	assert_int_equal(m->nbgp, 0);
	assert_int_equal(frr_bgp_parse("% BGP instance not found", m), -1);
	assert_int_equal(frr_bgp_parse("[1, 2]", m), -1);
	free(m);
}

/* Trimmed from `show bgp ipv4 unicast large-community 65001:7:1 json`. */
static const char frr_lcomm[] =
    "{\"vrfId\":0,\"vrfName\":\"default\",\"localAS\":65001,"
    "\"routes\":{\"10.1.3.0/24\":[{\"valid\":true,\"peerId\":"
    "\"172.20.20.1\"}],\"10.1.2.0/24\":[{\"valid\":true}],"
    "\"10.1.9.1/24\":[]}}";

static void
test_frr_lcomm(void **state)
{
	struct flowlet_prefix	 p[4], want;

	(void)state;
	assert_true(frr_lcomm_valid("65001:7:1"));
	assert_true(frr_lcomm_valid("0:0:4294967295"));
	assert_false(frr_lcomm_valid("65001:7"));
	assert_false(frr_lcomm_valid("65001:7:1:2"));
	assert_false(frr_lcomm_valid("65001:7:4294967296"));
	assert_false(frr_lcomm_valid("65001::1"));
	assert_false(frr_lcomm_valid("-1:7:1"));
	assert_false(frr_lcomm_valid("a:b:c"));
	/* Two prefixes; one with host bits set is not a prefix: skipped. */
	assert_int_equal(frr_lcomm_parse(frr_lcomm, p, 4), 2);
	assert_int_equal(flowlet_prefix_parse("10.1.3.0/24", &want), 0);
	assert_true(flowlet_prefix_eq(&p[0], &want));
	assert_int_equal(flowlet_prefix_parse("10.1.2.0/24", &want), 0);
	assert_true(flowlet_prefix_eq(&p[1], &want));
	/* Bounded by max. */
	assert_int_equal(frr_lcomm_parse(frr_lcomm, p, 1), 1);
	/* No routes; no "routes"; not JSON. */
	assert_int_equal(frr_lcomm_parse("{\"routes\":{}}", p, 4), 0);
	assert_int_equal(frr_lcomm_parse("{\"vrfId\":0}", p, 4), -1);
	assert_int_equal(frr_lcomm_parse("% Unknown command", p, 4), -1);
}

static void
test_prefix_parse(void **state)
{
	struct flowlet_prefix	 p, q;
	char			 buf[64];

	(void)state;
	assert_int_equal(flowlet_prefix_parse("10.1.4.0/24", &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 24);
	assert_string_equal(flowlet_prefix_str(&p, buf, sizeof(buf)),
	    "10.1.4.0/24");
	assert_int_equal(flowlet_prefix_parse("2001:db8::/32", &q), 0);
	assert_int_equal(q.family, AF_INET6);
	assert_false(flowlet_prefix_eq(&p, &q));
	assert_int_equal(flowlet_prefix_parse("0.0.0.0/0", &q), 0);
	assert_int_equal(flowlet_prefix_parse("10.1.4.0/24", &q), 0);
	assert_true(flowlet_prefix_eq(&p, &q));
	assert_int_equal(flowlet_prefix_parse("10.1.4.1/24", &p), -1);
	assert_int_equal(flowlet_prefix_parse("10.1.4.0/33", &p), -1);
	assert_int_equal(flowlet_prefix_parse("10.1.4.0/-1", &p), -1);
	assert_int_equal(flowlet_prefix_parse("10.1.4.0/", &p), -1);
	assert_int_equal(flowlet_prefix_parse("10.1.4.0/24x", &p), -1);
	assert_int_equal(flowlet_prefix_parse("10.1.4.0", &p), -1);
	assert_int_equal(flowlet_prefix_parse("leaf1/24", &p), -1);
	assert_int_equal(flowlet_prefix_parse("2001:db8::1/64", &p), -1);
	assert_int_equal(flowlet_prefix_parse("2001:db8::/129", &p), -1);
	assert_int_equal(flowlet_clock_t(10), 1);
	assert_int_equal(flowlet_clock_t(1), 1);
	assert_int_equal(flowlet_clock_t(0), 0);
	assert_int_equal(flowlet_clock_t(100), 10);
	assert_int_equal(flowlet_clock_t(105), 11);
}

/* An RTM_NEWROUTE for 10.1.4.0/24 in main, built as the kernel does. */
static struct nl_msg *
route_msg(uint8_t dst_len, int dst_bytes)
{
	struct rtmsg	 rtm = { .rtm_family = AF_INET, .rtm_dst_len = dst_len,
			    .rtm_table = RT_TABLE_MAIN, .rtm_protocol = 186,
			    .rtm_type = RTN_UNICAST };
	static const uint8_t dst[16] = { 10, 1, 4, 0 };
	struct nl_msg	*m = nlmsg_alloc_simple(RTM_NEWROUTE, 0);

	assert_non_null(m);
	assert_int_equal(nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO), 0);
	assert_int_equal(nla_put_u32(m, RTA_TABLE, RT_TABLE_MAIN), 0);
	assert_int_equal(nla_put(m, RTA_DST, dst_bytes, dst), 0);
	assert_int_equal(nla_put_u32(m, RTA_PRIORITY, 20), 0);
	assert_int_equal(nla_put_u32(m, RTA_NH_ID, 36), 0);
	return m;
}

/* Two next-hops: via 10.0.0.2 (weight 75), via inet6 fe80::1 (25). */
static void
put_multipath(struct nl_msg *m, int lie)
{
	struct nlattr		*mp = nla_nest_start(m, RTA_MULTIPATH);
	struct rtnexthop	*rtnh;
	struct {
		uint16_t	 family;
		uint8_t		 addr[16];
	} __attribute__((packed)) via = { AF_INET6, { 0xfe, 0x80,
	    [15] = 1 } };
	static const uint8_t	 gw[4] = { 10, 0, 0, 2 };

	rtnh = nlmsg_reserve(m, sizeof(*rtnh), NLMSG_ALIGNTO);
	*rtnh = (struct rtnexthop){ .rtnh_hops = 74, .rtnh_ifindex = 3 };
	nla_put(m, RTA_GATEWAY, 4, gw);
	rtnh->rtnh_len = (uint8_t *)nlmsg_tail(nlmsg_hdr(m)) -
	    (uint8_t *)rtnh + (lie ? 64 : 0);
	rtnh = nlmsg_reserve(m, sizeof(*rtnh), NLMSG_ALIGNTO);
	*rtnh = (struct rtnexthop){ .rtnh_hops = 24, .rtnh_ifindex = 2 };
	nla_put(m, RTA_VIA, sizeof(via), &via);
	rtnh->rtnh_len = (uint8_t *)nlmsg_tail(nlmsg_hdr(m)) -
	    (uint8_t *)rtnh;
	nla_nest_end(m, mp);
}

static void
test_route_parse(void **state)
{
	struct flowlet_route	*r = calloc(1, sizeof(*r)), *s;
	struct nl_msg		*m;

	(void)state;
	s = calloc(1, sizeof(*s));
	m = route_msg(24, 4);
	put_multipath(m, 0);
	assert_int_equal(flowlet_route_parse(nlmsg_hdr(m), r), 0);
	assert_int_equal(r->dst.family, AF_INET);
	assert_int_equal(r->dst.len, 24);
	assert_int_equal(r->table, RT_TABLE_MAIN);
	assert_int_equal(r->priority, 20);
	assert_int_equal(r->nhid, 36);
	assert_int_equal(r->n, 2);
	/* sorted: the IPv4 gateway (family 2) before the IPv6 one (10) */
	assert_int_equal(r->nh[0].family, AF_INET);
	assert_int_equal(r->nh[0].oif, 3);
	assert_int_equal(r->nh[0].weight, 75);
	assert_int_equal(r->nh[1].family, AF_INET6);
	assert_int_equal(r->nh[1].gw[0], 0xfe);
	assert_int_equal(r->nh[1].weight, 25);
	*s = *r;
	assert_true(flowlet_nh_same(r, s));
	s->nh[0].weight = 50;
	assert_false(flowlet_nh_same(r, s));
	assert_true(flowlet_nh_same_paths(r, s));
	s->nh[0].oif = 4;
	assert_false(flowlet_nh_same_paths(r, s));
	nlmsg_free(m);

	/* A single path: RTA_GATEWAY and RTA_OIF, weight 1. */
	m = route_msg(24, 4);
	nla_put_u32(m, RTA_OIF, 5);
	nla_put(m, RTA_GATEWAY, 4, (uint8_t[4]){ 10, 0, 0, 1 });
	assert_int_equal(flowlet_route_parse(nlmsg_hdr(m), r), 0);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->nh[0].oif, 5);
	assert_int_equal(r->nh[0].weight, 1);
	nlmsg_free(m);

	/* A next-hop whose length runs past RTA_MULTIPATH. */
	m = route_msg(24, 4);
	put_multipath(m, 1);
	assert_int_equal(flowlet_route_parse(nlmsg_hdr(m), r), -1);
	nlmsg_free(m);
	/* RTA_DST of 3 octets; a /33; an IPv6 gateway on an IPv4 route. */
	m = route_msg(24, 3);
	assert_int_equal(flowlet_route_parse(nlmsg_hdr(m), r), -1);
	nlmsg_free(m);
	m = route_msg(33, 4);
	assert_int_equal(flowlet_route_parse(nlmsg_hdr(m), r), -1);
	nlmsg_free(m);
	m = route_msg(24, 4);
	nla_put(m, RTA_GATEWAY, 16, (uint8_t[16]){ 0xfe, 0x80 });
	assert_int_equal(flowlet_route_parse(nlmsg_hdr(m), r), -1);
	nlmsg_free(m);
	/* A message shorter than struct rtmsg. */
	m = nlmsg_alloc_simple(RTM_NEWROUTE, 0);
	assert_int_equal(flowlet_route_parse(nlmsg_hdr(m), r), -1);
	nlmsg_free(m);
	free(r);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bgp_round_trip),
		cmocka_unit_test(test_fib_round_trip),
		cmocka_unit_test(test_writer_refuses),
		cmocka_unit_test(test_bgp_malformed),
		cmocka_unit_test(test_fib_malformed),
		cmocka_unit_test(test_ingest_frr),
		cmocka_unit_test(test_frr_summary),
		cmocka_unit_test(test_frr_lcomm),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_route_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
