/*
 * Writes fuzz/corpus/telemetry with the library's own writer:
 *
 *	make fuzz/fuzz_telemetry_seeds
 *	fuzz/fuzz_telemetry_seeds fuzz/corpus/telemetry
 *
 * Each seed is a mode octet and a message (see fuzz_telemetry.c); the
 * messages are signed with the fuzzing key, so that they pass as they are.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmsg.h"

#define FUZZ_TMSG_KEY	"fabric telemetry fuzzing key 32o"

static const char	*dir;
static struct tmsg	 m;

static void
put(const char *name, uint8_t mode, const struct ibuf *b, size_t n)
{
	char	 path[1024];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	fputc(mode, fp);
	fwrite(ibuf_data(b), 1, n, fp);
	fclose(fp);
}

static void
seed(const char *name, const struct tmsg_key *key, int version)
{
	struct ibuf	*b = ibuf_dynamic(256, TMSG_MAX_SIZE);
	char		 n2[256];

	if (b == NULL || tmsg_write(b, &m, key) == -1) {
		fprintf(stderr, "%s: cannot write\n", name);
		exit(1);
	}
	if (version != TMSG_VERSION)
		ibuf_set_n8(b, 0, version);
	put(name, 0, b, ibuf_size(b));
	snprintf(n2, sizeof(n2), "%s-resign", name);
	put(n2, 1, b, ibuf_size(b));
	snprintf(n2, sizeof(n2), "%s-short", name);
	put(n2, 0, b, ibuf_size(b) / 2);
	ibuf_free(b);
}

static void
links(uint16_t n)
{
	uint16_t	 i;

	m.type = TMSG_T_LINK_SAMPLE;
	m.nlinks = n;
	for (i = 0; i < n; i++) {
		m.links[i] = (struct tmsg_link){ .ifindex = 2 + i,
		    .oper = TMSG_OPER_UP, .capsrc = TMSG_CAP_TBF,
		    .capacity_bps = 10000000, .rx_bytes = 1000 * i,
		    .tx_bytes = 125000, .q_backlog = 3000, .q_drops = 7 };
		snprintf(m.links[i].name, sizeof(m.links[i].name), "swp%u",
		    i + 1);
	}
}

int
main(int argc, char *argv[])
{
	struct tmsg_key	 key;

	if (argc != 2) {
		fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	tmsg_key_set(&key, FUZZ_TMSG_KEY, strlen(FUZZ_TMSG_KEY));
	m.seq = 1;
	m.time_ns = 1700000000000000000ULL;
	strcpy(m.agent, "leaf1");
	links(1);
	seed("sample-1", &key, TMSG_VERSION);
	links(4);
	seed("sample-4", &key, TMSG_VERSION);
	seed("sample-unsigned", NULL, TMSG_VERSION);
	seed("sample-v2", &key, 2);
	m.type = TMSG_T_LINK_EVENT;
	m.event = (struct tmsg_event){ .ifindex = 5, .name = "swp49",
	    .oper = TMSG_OPER_DOWN };
	seed("event", &key, TMSG_VERSION);
	m.type = TMSG_T_BGP_STATE;
	m.nbgp = 2;
	m.bgp[0] = (struct tmsg_bgp){ .peer = "eth1", .state =
	    TMSG_BGP_ESTABLISHED, .remote_as = 65000, .uptime_s = 60,
	    .pfx_rcvd = 7 };
	m.bgp[1] = (struct tmsg_bgp){ .peer = "172.20.20.1", .state =
	    TMSG_BGP_ACTIVE, .remote_as = 65001 };
	seed("bgp-state", &key, TMSG_VERSION);
	m.type = TMSG_T_FIB_ROUTES;
	m.nroutes = 2;
	m.routes[0] = (struct tmsg_route){ .family = 4, .len = 24,
	    .addr = { 10, 1, 4, 0 }, .flags = TMSG_ROUTE_MIRRORED, .nnh = 2 };
	m.routes[0].nh[0] = (struct tmsg_nh){ .family = 4,
	    .gw = { 10, 0, 0, 1 }, .ifindex = 2, .weight = 25 };
	m.routes[0].nh[1] = (struct tmsg_nh){ .family = 4,
	    .gw = { 10, 0, 0, 2 }, .ifindex = 3, .weight = 75 };
	m.routes[1] = (struct tmsg_route){ .family = 6, .len = 64,
	    .addr = { 0x20, 0x01, 0x0d, 0xb8 }, .nnh = 1 };
	m.routes[1].nh[0] = (struct tmsg_nh){ .family = 6,
	    .gw = { 0xfe, 0x80, [15] = 1 }, .ifindex = 2, .weight = 1 };
	seed("fib-routes", &key, TMSG_VERSION);
	return 0;
}
