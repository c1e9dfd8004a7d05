/*
 * Writes the seed corpora of fuzz/corpus with the library's own writers:
 *
 *	make fuzz/gen_corpus
 *	fuzz/gen_corpus fuzz/corpus tests/data/bgp/update_cases.txt
 *
 * Each seed is in its target's input format (see the fuzz_*.c headers).
 * The rows of the RFC 7606 table become UPDATE seeds as well.  Crashes
 * found later are kept next to these as regression seeds (crash-*).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp.h"

static const char	*root;
static int		 nfiles;

static void
put(const char *dir, const char *name, uint8_t pre, int use_pre,
    const void *p, size_t n)
{
	char	 path[1024];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s/seed-%s", root, dir, name);
	if ((fp = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	if (use_pre)
		fputc(pre, fp);
	fwrite(p, 1, n, fp);
	fclose(fp);
	nfiles++;
}

/* The body of the single message in b (header stripped), after the
 * octet `pre` if use_pre is 1; with use_pre -1, b is only emptied. */
static void
put_body(const char *dir, const char *name, uint8_t pre, int use_pre,
    struct ibuf *b)
{
	if (use_pre >= 0)
		put(dir, name, pre, use_pre, (uint8_t *)ibuf_data(b) +
		    BGP_HDR_LEN, ibuf_size(b) - BGP_HDR_LEN);
	ibuf_truncate(b, 0);
}

static struct ibuf *
buf(void)
{
	struct ibuf	*b;

	if ((b = ibuf_dynamic(4096, 1 << 20)) == NULL)
		exit(1);
	return b;
}

static void
opens(void)
{
	struct ibuf	*b = buf();
	struct bgp_open	 o;
	char		 name[32];
	unsigned	 i;

	for (i = 0; i < 32; i++) {
		o = (struct bgp_open){ .as2 = 65001, .holdtime = i % 5 ? 90 : 0,
		    .bgp_id = 0x0a000001 + i };
		o.caps.as4 = i & 1 ? (i & 2 ? 4200000000U + i : 65001) : 0;
		if (o.caps.as4 != 0)
			o.as2 = 0;
		o.caps.mp[AID_IPV4] = (i >> 1) & 1;
		o.caps.mp[AID_IPV6] = (i >> 2) & 1;
		o.caps.addpath[AID_IPV4] = i % 4;
		o.caps.addpath[AID_IPV6] = (i / 4) % 4;
		o.caps.ext_nh[AID_IPV4] = (i >> 3) & 1;
		o.caps.route_refresh = (i >> 4) & 1;
		o.caps.ext_msg = i % 3 == 0;
		if (i % 7 < 3) {
			o.caps.gr = 1;
			o.caps.gr_restarting = i % 7 == 1;
			o.caps.gr_time = 120 + i;
			o.caps.gr_af[AID_IPV4] = GR_AF_PRESENT |
			    (i % 2 ? GR_AF_FORWARDING : 0);
			o.caps.gr_af[AID_IPV6] = i % 7 == 2 ? GR_AF_PRESENT : 0;
		}
		if (bgp_open_write(b, &o) == -1)
			exit(1);
		snprintf(name, sizeof(name), "open-%02u", i);
		put_body("bgp_open", name, 0, 0, b);
	}
	ibuf_free(b);
}

static void
attrs_make(struct bgp_attrs *a, unsigned v)
{
	static uint32_t	 path[] = { 65001, 4200000001U, 65002, 64512 };
	static uint32_t	 comm[] = { 0xffffff01, 0xfde90064 };
	static uint8_t	 ext[16], large[12] = { 0, 0, 0xfd, 0xe9, 0, 0, 0, 1,
			    0, 0, 0, 2 };

	memset(a, 0, sizeof(*a));
	bgp_aspath_set(a, path, v % 5);
	a->present |= 1ULL << ATTR_ORIGIN;
	a->origin = v % 3;
	if (v & 1) {
		a->present |= 1ULL << ATTR_MED | 1ULL << ATTR_LOCALPREF;
		a->med = v;
		a->local_pref = 100 + v;
	}
	if (v & 2) {
		a->present |= 1ULL << ATTR_COMMUNITIES |
		    1ULL << ATTR_EXT_COMMUNITIES;
		a->communities = comm;
		a->ncommunities = 2;
		bgp_ext_community_lb(65001, 12.5e9f, ext);
		ext[8] = 0;
		ext[9] = 2;
		a->ext_communities = ext;
		a->next_communities = 2;
	}
	if (v & 4) {
		a->present |= 1ULL << ATTR_LARGE_COMMUNITIES |
		    1ULL << ATTR_ATOMIC_AGGREGATE | 1ULL << ATTR_AGGREGATOR;
		a->large_communities = large;
		a->nlarge_communities = 1;
		a->aggregator_as = v & 8 ? 4200000000U : 65001;
		a->aggregator_id.s_addr = htonl(0x0a000009);
	}
}

/* A session from the fuzz_neg() octet. */
static struct bgp_neg
neg_of(uint8_t f)
{
	struct bgp_neg	 n = { 0 };

	n.as4 = f & 1;
	n.mp[AID_IPV4] = !(f & 0x40);
	n.mp[AID_IPV6] = (f >> 1) & 1;
	n.addpath_tx[AID_IPV4] = (f >> 2) & 1;
	n.addpath_tx[AID_IPV6] = (f >> 3) & 1;
	n.ext_nh[AID_IPV4] = (f >> 4) & 1;
	n.ext_msg = (f >> 5) & 1;
	n.max_msg = n.ext_msg ? BGP_EXT_MAX_MSG : BGP_MAX_MSG;
	return n;
}

static void
prefixes(uint8_t aid, struct bgp_prefix *p, size_t n, int ap)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].aid = aid;
		p[i].path_id = ap ? i + 1 : 0;
		if (aid == AID_IPV4) {
			p[i].plen = 16 + i % 17;
			p[i].addr.v4.s_addr = htonl(0x0a000000 | (i << 16));
		} else {
			p[i].plen = 32 + i % 97;
			p[i].addr.v6.s6_addr[0] = 0x20;
			p[i].addr.v6.s6_addr[1] = 0x01;
			p[i].addr.v6.s6_addr[2] = i;
		}
	}
}

/* One UPDATE of each kind for one session; `stream` collects them,
 * and they are seeds of their own when `save` is set. */
static void
updates_for(uint8_t f, struct ibuf *stream, int save)
{
	struct bgp_neg		 neg = neg_of(f);
	struct bgp_attrs	 a;
	struct bgp_prefix	 p[300];
	struct ibuf		*b = buf();
	char			 name[64];
	unsigned		 v;
	uint8_t			 aid;

	for (v = 0; v < 4; v++) {
		aid = v % 2 ? AID_IPV6 : AID_IPV4;
		if (!neg.mp[aid] && aid != AID_IPV4)
			continue;
		attrs_make(&a, v * 5 + f);
		if (aid == AID_IPV4 && !(v & 2)) {
			a.present |= 1ULL << ATTR_NEXTHOP;
			a.nexthop.s_addr = htonl(0x0a000001);
		} else {
			a.mp_nh_len = v & 2 ? 32 : 16;
			inet_pton(AF_INET6, "2001:db8::1", &a.mp_nh6[0]);
			inet_pton(AF_INET6, "fe80::1", &a.mp_nh6[1]);
			if (aid == AID_IPV4 && !neg.ext_nh[AID_IPV4]) {
				free(a.aspath);
				continue;
			}
		}
		prefixes(aid, p, v == 3 ? 300 : 3 + v, neg.addpath_tx[aid]);
		if (bgp_update_write_announce(b, &neg, &a, p, v == 3 ? 300 :
		    3 + v) <= 0) {
			free(a.aspath);
			continue;
		}
		ibuf_add_buf(stream, b);
		snprintf(name, sizeof(name), "announce-%02x-%u", f, v);
		put_body("bgp_update", name, f, save ? 1 : -1, b);
		if (bgp_update_write_withdraw(b, &neg, p, 2 + v) > 0) {
			ibuf_add_buf(stream, b);
			snprintf(name, sizeof(name), "withdraw-%02x-%u", f, v);
			put_body("bgp_update", name, f, save ? 1 : -1, b);
		}
		free(a.aspath);
	}
	for (aid = 0; aid < AID_MAX; aid++)
		if (bgp_eor_write(b, &neg, aid) == 0) {
			ibuf_add_buf(stream, b);
			snprintf(name, sizeof(name), "eor-%02x-%u", f, aid);
			put_body("bgp_update", name, f, save ? 1 : -1, b);
		}
	ibuf_free(b);
}

static void
notifications(void)
{
	static const struct {
		uint8_t		 code, subcode;
		const char	*data;
	} n[] = {
		{ 1, 1, "" }, { 1, 2, "\x10\x01" }, { 1, 3, "\x09" },
		{ 2, 1, "\x00\x04" }, { 2, 2, "" }, { 2, 4, "" }, { 2, 6, "" },
		{ 2, 7, "\x02\x00" }, { 3, 1, "" }, { 3, 2, "\x40\x63\x00" },
		{ 3, 9, "\x80\x0e\x01\x00" }, { 3, 11, "" }, { 4, 0, "" },
		{ 5, 2, "" }, { 6, 2, "\x0bmaintenance" },
		{ 6, 4, "\x05reset" }, { 6, 2, "\xff" }, { 6, 1, "" },
		{ 7, 1, "\x00\x02\x00" }, { 99, 99, "junk" },
	};
	struct ibuf		*b = buf();
	struct bgp_notify	 m;
	char			 name[32];
	size_t			 i;

	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		bgp_notify_set(&m, n[i].code, n[i].subcode, "seed");
		bgp_notify_data(&m, n[i].data, strlen(n[i].data));
		if (bgp_notification_write(b, &m) == -1)
			exit(1);
		snprintf(name, sizeof(name), "notify-%02zu", i);
		put_body("bgp_notification", name, 0, 0, b);
	}
	memset(m.data, 'x', sizeof(m.data));
	m.datalen = sizeof(m.data);
	bgp_notification_write(b, &m);
	put_body("bgp_notification", "notify-full", 0, 0, b);
	bgp_route_refresh_write(b, AID_IPV4);
	put_body("bgp_notification", "refresh-ipv4", 0, 0, b);
	bgp_route_refresh_write(b, AID_IPV6);
	put_body("bgp_notification", "refresh-ipv6", 0, 0, b);
	ibuf_free(b);
}

/* Streams: OPEN, KEEPALIVE, UPDATEs, ROUTE-REFRESH, NOTIFICATION. */
static void
streams(void)
{
	static const uint8_t	 flags[] = { 0x00, 0x01, 0x03, 0x0f, 0x13,
				    0x21, 0x1f, 0x42, 0x2b, 0x17 };
	static const uint8_t	 chunk[] = { 255, 0, 18, 3, 40 };
	struct bgp_open		 o = { .as2 = 65001, .holdtime = 90,
				    .bgp_id = 1, .caps = { .as4 = 65001,
				    .mp = { 1, 1 } } };
	struct bgp_notify	 m = { .code = 6, .subcode = 2 };
	struct ibuf		*s;
	char			 name[32];
	size_t			 i, j;

	for (i = 0; i < sizeof(flags); i++)
		for (j = 0; j < 2; j++) {
			s = buf();
			ibuf_add_n8(s, flags[i]);
			ibuf_add_n8(s, chunk[(i + j) % sizeof(chunk)]);
			bgp_open_write(s, &o);
			bgp_keepalive_write(s);
			updates_for(flags[i], s, 0);
			bgp_route_refresh_write(s, j);
			if (j)
				bgp_notification_write(s, &m);
			snprintf(name, sizeof(name), "stream-%02x-%zu",
			    flags[i], j);
			put("bgp_msg", name, 0, 0, ibuf_data(s), ibuf_size(s));
			ibuf_free(s);
		}
}

/* The RFC 7606 table: "name | flags | hex | expect | rule". */
static void
table(const char *path)
{
	FILE		*fp;
	char		 line[16384], *f[3], *save, *p;
	uint8_t		 b[8192], fl;
	size_t		 n;
	int		 hi;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		exit(1);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		save = NULL;
		f[0] = strtok_r(line, "| ", &save);
		f[1] = strtok_r(NULL, "| ", &save);
		f[2] = strtok_r(NULL, "| ", &save);
		if (f[2] == NULL)
			continue;
		fl = (strstr(f[1], "as4") ? 0x01 : 0) |
		    (strstr(f[1], "v6") ? 0x02 : 0) |
		    (strstr(f[1], "ap4") ? 0x04 : 0) |
		    (strstr(f[1], "ap6") ? 0x08 : 0) |
		    (strstr(f[1], "extnh") ? 0x10 : 0) |
		    (strstr(f[1], "nov4") ? 0x40 : 0);
		for (n = 0, hi = -1, p = f[2]; *p != '\0' && n < sizeof(b);
		    p++) {
			int d = *p >= 'a' ? *p - 'a' + 10 : *p - '0';

			if (hi < 0)
				hi = d;
			else {
				b[n++] = hi << 4 | d;
				hi = -1;
			}
		}
		put("bgp_update", f[0], fl, 1, b, n);
	}
	fclose(fp);
}

int
main(int argc, char *argv[])
{
	static const uint8_t	 flags[] = { 0x00, 0x03, 0x1f, 0x42 };
	struct ibuf		*sink;
	size_t			 i;

	if (argc < 2) {
		fprintf(stderr, "usage: gen_corpus corpus-dir [cases.txt]\n");
		return 2;
	}
	root = argv[1];
	opens();
	sink = buf();
	for (i = 0; i < sizeof(flags); i++)
		updates_for(flags[i], sink, 1);
	ibuf_free(sink);
	notifications();
	streams();
	if (argc > 2)
		table(argv[2]);
	printf("%d seeds written under %s\n", nfiles, root);
	return 0;
}
