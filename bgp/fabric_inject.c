/*
 * fabric-inject: holds BGP sessions and announces weighted routes from a
 * file, for operators pinning routes by hand and for tests and benchmarks.
 *
 * Each line of the file is "PREFIX NEXTHOP WEIGHT [COMMUNITY ...]"; the
 * lines of one prefix become its ADD-PATH paths, one per next-hop, with
 * link-bandwidth values planned so that FRR 8.4 installs the weights (see
 * bgp_lbw.h).  SIGHUP re-reads the file and sends only the difference; a
 * bad file changes nothing.  SIGTERM sends a Cease and exits.
 */
#include "config.h"

#include <sys/signalfd.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bgp.h"
#include "bgp_lbw.h"
#include "bgp_rib.h"
#include "bgp_speaker.h"
#include "compat.h"
#include "log.h"
#include "util.h"

#define LINE_MAX_LEN	4096
#define LINE_COMMS_MAX	32
#define ROUTES_MAX	(16 * 1024 * 1024)
#define POLLFDS_MAX	(2 * BGP_PEERS_MAX + 2)

/* One line of the file; its communities live in routes.pool. */
struct route_line {
	struct bgp_prefix	 pfx;
	uint8_t			 nh[16];	/* v4: ::ffff:a.b.c.d */
	uint8_t			 nh_v4;
	uint8_t			 ncomms, nlarge;
	uint32_t		 pool_off;	/* comms, then large triples */
	double			 weight;
	int			 lineno;
};

/* What parse_line finds before it is stored. */
struct line_parse {
	struct route_line	 r;
	uint32_t		 comms[LINE_COMMS_MAX];
	uint32_t		 large[LINE_COMMS_MAX][3];
};

struct routes {
	struct route_line	*v;
	size_t			 n, cap;
	uint32_t		*pool;
	size_t			 npool, poolcap;
};

/* What the last file said of a prefix, to skip it if it says the same. */
struct pfx_state {
	struct bgp_prefix	 p;
	uint64_t		 sig;		/* its lines' contents */
	double			 max_err;	/* its plan's */
	int			 valid;		/* sig is what the rib holds */
};

struct inject {
	const char		*path;
	struct bgp_speaker	*sp;
	struct bgp_rib		*rib;
	struct pfx_state	*announced;	/* sorted, for the diff */
	size_t			 nannounced;
	uint32_t		 local_as;
	uint32_t		 local_pref;
	int			 advertise;	/* no NO_ADVERTISE */
	int			 check;		/* print the plan and exit */
	int			 json;
	double			 max_err;
	char			 max_err_pfx[64];
};

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: fabric-inject --local-as ASN --router-id ID --routes FILE\n"
"                     --peer ADDR[,remote-as=ASN][,local-as=ASN][,md5=KEY]\n"
"                            [,passive][,port=N][,name=NAME][,source=ADDR]\n"
"                     [--peer ...] [--listen ADDR[:PORT]] [--holdtime S]\n"
"                     [--connect-retry S] [--local-pref N] [--advertise]\n"
"                     [--graceful-restart S] [-v]\n"
"       fabric-inject --check [-j] [--local-as ASN] --routes FILE\n"
"\n"
"Each line of FILE: PREFIX NEXTHOP WEIGHT [COMMUNITY ...]; communities are\n"
"ASN:VALUE, GLOBAL:LOCAL1:LOCAL2 (large), no-export or no-advertise.\n"
"SIGHUP re-reads FILE and sends the difference; SIGTERM sends a Cease.\n"
"See fabric-inject(8).\n");
}

/* ---- the routes file ---------------------------------------------- */

static int
parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char		*end;
	unsigned long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_community(struct line_parse *lp, const char *tok)
{
	char		 buf[64], *a, *b, *c;
	uint32_t	 x, y, z;

	if (strcmp(tok, "no-export") == 0)
		x = COMMUNITY_NO_EXPORT;
	else if (strcmp(tok, "no-advertise") == 0)
		x = COMMUNITY_NO_ADVERTISE;
	else {
		if (strlcpy(buf, tok, sizeof(buf)) >= sizeof(buf) ||
		    (b = strchr(buf, ':')) == NULL)
			return -1;
		a = buf;
		*b++ = '\0';
		if ((c = strchr(b, ':')) != NULL) {
			*c++ = '\0';
			if (parse_u32(a, UINT32_MAX, &x) == -1 ||
			    parse_u32(b, UINT32_MAX, &y) == -1 ||
			    parse_u32(c, UINT32_MAX, &z) == -1 ||
			    lp->r.nlarge == LINE_COMMS_MAX)
				return -1;
			lp->large[lp->r.nlarge][0] = x;
			lp->large[lp->r.nlarge][1] = y;
			lp->large[lp->r.nlarge++][2] = z;
			return 0;
		}
		if (parse_u32(a, 65535, &x) == -1 ||
		    parse_u32(b, 65535, &y) == -1)
			return -1;
		x = x << 16 | y;
	}
	if (lp->r.ncomms == LINE_COMMS_MAX)
		return -1;
	lp->comms[lp->r.ncomms++] = x;
	return 0;
}

static int
parse_nexthop(const char *s, struct route_line *r, char *err, size_t errlen)
{
	if (inet_pton(AF_INET, s, r->nh + 12) == 1) {
		if (r->pfx.aid == AID_IPV6) {
			snprintf(err, errlen, "IPv6 prefix with IPv4 next-hop "
			    "'%s'", s);
			return -1;
		}
		r->nh[10] = r->nh[11] = 0xff;
		r->nh_v4 = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, s, r->nh) == 1) {
		if (r->nh[0] == 0xfe && (r->nh[1] & 0xc0) == 0x80) {	/* fe80::/10 */
			snprintf(err, errlen, "link-local next-hop '%s': give "
			    "a global address (a multihop session cannot say "
			    "which link)", s);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "bad next-hop '%s'", s);
	return -1;
}

static int
parse_weight(const char *s, double *w)
{
	char	*end;

	errno = 0;
	*w = strtod(s, &end);
	return (errno != 0 || *end != '\0' || end == s || !isfinite(*w) ||
	    *w < 0 || *w > 1e9) ? -1 : 0;
}

static const char *
prefix_error(const char *tok)
{
	switch (errno) {
	case EDOM:
		return "host bits set beyond the prefix length";
	case ERANGE:
		return "prefix length out of range";
	default:
		return "not a prefix";
	}
	(void)tok;
}

/* One line: 0 parsed, 1 blank or comment, -1 error (message in err). */
static int
parse_line(char *line, struct line_parse *lp, char *err, size_t errlen)
{
	struct route_line	*r = &lp->r;
	char	*tok[3 + LINE_COMMS_MAX + 1], *save = NULL, *t;
	int	 n = 0, i;

	if ((t = strchr(line, '#')) != NULL)
		*t = '\0';
	for (t = strtok_r(line, " \t\r\n", &save); t != NULL &&
	    n < (int)(sizeof(tok) / sizeof(tok[0])); t = strtok_r(NULL,
	    " \t\r\n", &save))
		tok[n++] = t;
	if (n == 0)
		return 1;
	if (n < 3 || t != NULL) {
		snprintf(err, errlen, n < 3 ? "expected PREFIX NEXTHOP WEIGHT "
		    "[COMMUNITY ...]" : "too many communities (at most %d)",
		    LINE_COMMS_MAX);
		return -1;
	}
	memset(lp, 0, sizeof(*lp));
	if (bgp_prefix_parse(tok[0], &r->pfx) == -1) {
		snprintf(err, errlen, "'%s': %s", tok[0], prefix_error(tok[0]));
		return -1;
	}
	if (parse_nexthop(tok[1], r, err, errlen) == -1)
		return -1;
	if (parse_weight(tok[2], &r->weight) == -1) {
		snprintf(err, errlen, "bad weight '%s' (a number >= 0)",
		    tok[2]);
		return -1;
	}
	for (i = 3; i < n; i++)
		if (parse_community(lp, tok[i]) == -1) {
			snprintf(err, errlen, "bad community '%s'", tok[i]);
			return -1;
		}
	return 0;
}

static int
pool_push(struct routes *rs, const uint32_t *v, size_t n)
{
	uint32_t	*np;
	size_t		 cap = rs->poolcap;

	if (n == 0)
		return 0;
	while (rs->npool + n > cap)
		cap = cap ? cap * 2 : 4096;
	if (cap != rs->poolcap) {
		if ((np = reallocarray(rs->pool, cap, sizeof(*np))) == NULL)
			return -1;
		rs->pool = np;
		rs->poolcap = cap;
	}
	memcpy(rs->pool + rs->npool, v, n * sizeof(*v));
	rs->npool += n;
	return 0;
}

static int
routes_push(struct routes *rs, struct line_parse *lp)
{
	struct route_line	*nv;
	struct route_line	*r = &lp->r;

	if (rs->n == rs->cap) {
		if (rs->cap >= ROUTES_MAX) {
			errno = EFBIG;
			return -1;
		}
		nv = reallocarray(rs->v, rs->cap ? rs->cap * 2 : 1024,
		    sizeof(*nv));
		if (nv == NULL)
			return -1;
		rs->v = nv;
		rs->cap = rs->cap ? rs->cap * 2 : 1024;
	}
	r->pool_off = rs->npool;
	if (pool_push(rs, lp->comms, r->ncomms) == -1 ||
	    pool_push(rs, &lp->large[0][0], 3 * r->nlarge) == -1)
		return -1;
	rs->v[rs->n++] = *r;
	return 0;
}

static int
line_cmp(const void *va, const void *vb)
{
	const struct route_line	*a = va, *b = vb;
	int			 c = bgp_prefix_cmp(&a->pfx, &b->pfx);

	return c != 0 ? c : a->lineno - b->lineno;
}

static int
lines_sorted(const struct routes *rs)
{
	size_t	i;

	for (i = 1; i < rs->n; i++)
		if (line_cmp(&rs->v[i - 1], &rs->v[i]) > 0)
			return 0;
	return 1;
}

/* Same prefix and next-hop twice is an error: which weight is meant? */
static int
routes_check_dups(const char *path, struct routes *rs)
{
	size_t	i, j;
	int	bad = 0;
	char	pb[64];

	for (i = 0; i < rs->n; i = j) {
		for (j = i + 1; j < rs->n &&
		    bgp_prefix_cmp(&rs->v[i].pfx, &rs->v[j].pfx) == 0; j++)
			;
		for (size_t x = i; x < j; x++)
			for (size_t y = i; y < x; y++) {
				if (memcmp(rs->v[x].nh, rs->v[y].nh, 16) != 0)
					continue;
				log_warnx("%s:%d: %s: next-hop given twice "
				    "(also at line %d)", path,
				    rs->v[x].lineno, bgp_prefix_str(
				    &rs->v[x].pfx, pb, sizeof(pb)),
				    rs->v[y].lineno);
				bad++;
			}
	}
	return bad ? -1 : 0;
}

static int
routes_load(const char *path, struct routes *rs)
{
	FILE			*fp;
	char			*line = NULL, err[256];
	size_t			 cap = 0;
	ssize_t			 len;
	struct line_parse	 lp;
	int			 lineno = 0, bad = 0, k;

	memset(rs, 0, sizeof(*rs));
	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (len > LINE_MAX_LEN) {
			log_warnx("%s:%d: line longer than %d bytes", path,
			    lineno, LINE_MAX_LEN);
			bad++;
			continue;
		}
		if ((k = parse_line(line, &lp, err, sizeof(err))) == 1)
			continue;
		if (k == -1) {
			log_warnx("%s:%d: %s", path, lineno, err);
			bad++;
			continue;
		}
		lp.r.lineno = lineno;
		if (routes_push(rs, &lp) == -1) {
			log_warn("%s:%d", path, lineno);
			bad++;
			break;
		}
	}
	if (ferror(fp)) {
		log_warn("%s", path);
		bad++;
	}
	free(line);
	fclose(fp);
	/* a file written in order, as most are, is not sorted again */
	if (!lines_sorted(rs))
		qsort(rs->v, rs->n, sizeof(*rs->v), line_cmp);
	if (bad == 0 && routes_check_dups(path, rs) == -1)
		bad++;
	if (bad > 0) {
		log_warnx("%s: %d error%s; nothing changed", path, bad,
		    bad == 1 ? "" : "s");
		free(rs->v);
		free(rs->pool);
		return -1;
	}
	return 0;
}

/* ---- from lines to paths ------------------------------------------ */

/* Plans are shared by the many prefixes that have the same weights. */
struct plan_cache {
	double		w[8][LBW_PATHS_MAX];
	size_t		n[8];
	struct lbw_plan	plan[8];
	int		next;
};

static const struct lbw_plan *
plan_for(struct plan_cache *pc, const double *w, size_t n)
{
	int	i, k;

	for (i = 0; i < 8; i++)
		if (pc->n[i] == n && memcmp(pc->w[i], w, n * sizeof(*w)) == 0)
			return &pc->plan[i];
	k = pc->next;
	pc->next = (pc->next + 1) % 8;
	if (lbw_plan(w, n, &pc->plan[k]) == -1)
		return NULL;
	memcpy(pc->w[k], w, n * sizeof(*w));
	pc->n[k] = n;
	return &pc->plan[k];
}

static void
nexthop_attr(const struct route_line *r, struct bgp_attrs *a)
{
	if (r->nh_v4) {
		memcpy(&a->nexthop, r->nh + 12, 4);
		a->present |= 1ULL << ATTR_NEXTHOP;
	} else {
		memcpy(&a->mp_nh6[0], r->nh, 16);
		a->mp_nh_len = 16;
	}
}

static int
path_attrs(struct inject *in, const struct routes *rs,
    const struct route_line *r, uint32_t mbps, struct bgp_attrs *a)
{
	const uint32_t	*pool = rs->pool + r->pool_off;
	uint32_t	 comms[LINE_COMMS_MAX + 1];
	uint16_t	 lbas = in->local_as > 65535 ? AS_TRANS : in->local_as;
	size_t		 n = 0, i;

	nexthop_attr(r, a);
	a->present |= 1ULL << ATTR_ORIGIN | 1ULL << ATTR_ASPATH |
	    1ULL << ATTR_LOCALPREF | 1ULL << ATTR_EXT_COMMUNITIES;
	a->origin = ORIGIN_IGP;
	a->local_pref = in->local_pref;
	for (i = 0; i < r->ncomms; i++)
		comms[n++] = pool[i];
	if (!in->advertise)
		comms[n++] = COMMUNITY_NO_ADVERTISE;
	if (n > 0) {
		if ((a->communities = malloc(n * 4)) == NULL)
			return -1;
		memcpy(a->communities, comms, n * 4);
		a->ncommunities = n;
		a->present |= 1ULL << ATTR_COMMUNITIES;
	}
	if ((a->ext_communities = malloc(8)) == NULL)
		return -1;
	a->next_communities = 1;
	bgp_ext_community_lb(lbas, lbw_mbps_to_bytes(mbps),
	    a->ext_communities);
	if (r->nlarge > 0) {
		if ((a->large_communities = malloc(r->nlarge * 12)) == NULL)
			return -1;
		for (i = 0; i < 3 * (size_t)r->nlarge; i++) {
			uint32_t v = htonl(pool[r->ncomms + i]);

			memcpy(a->large_communities + i * 4, &v, 4);
		}
		a->nlarge_communities = r->nlarge;
		a->present |= 1ULL << ATTR_LARGE_COMMUNITIES;
	}
	return 0;
}

static void
print_plan(struct inject *in, const struct route_line *r, size_t n,
    const struct lbw_plan *plan, struct json_object *jarr)
{
	char			 pb[64], nb[INET6_ADDRSTRLEN];
	struct json_object	*jp, *jpaths;
	size_t			 i;

	bgp_prefix_str(&r[0].pfx, pb, sizeof(pb));
	if (jarr != NULL) {
		jp = json_object_new_object();
		jpaths = json_object_new_array();
		json_object_object_add(jp, "prefix", json_object_new_string(pb));
		json_object_object_add(jp, "max_error",
		    json_object_new_double(plan->max_err));
	} else
		printf("%s  (max error %.2f %%)\n", pb, plan->max_err * 100);
	for (i = 0; i < n; i++) {
		if (r[i].nh_v4)
			inet_ntop(AF_INET, r[i].nh + 12, nb, sizeof(nb));
		else
			inet_ntop(AF_INET6, r[i].nh, nb, sizeof(nb));
		if (jarr == NULL) {
			printf("  %-40s weight %-10g lb %4u Mbit/s  frr %3u\n",
			    nb, r[i].weight, plan->mbps[i], plan->weight[i]);
			continue;
		}
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "nexthop", json_object_new_string(nb));
		json_object_object_add(o, "weight",
		    json_object_new_double(r[i].weight));
		json_object_object_add(o, "lb_mbps",
		    json_object_new_int64(plan->mbps[i]));
		json_object_object_add(o, "frr_weight",
		    json_object_new_int64(plan->weight[i]));
		json_object_array_add(jpaths, o);
	}
	if (jarr != NULL) {
		json_object_object_add(jp, "paths", jpaths);
		json_object_array_add(jarr, jp);
	}
}

/* The paths of one prefix: lines r[0..n), weight-0 lines dropped. */
static void
note_max_err(struct inject *in, const struct bgp_prefix *p, double err)
{
	if (err > in->max_err) {
		in->max_err = err;
		bgp_prefix_str(p, in->max_err_pfx, sizeof(in->max_err_pfx));
	}
}

static int
apply_prefix(struct inject *in, struct plan_cache *pc, const struct routes *rs,
    const struct route_line *all, size_t nall, struct json_object *jarr,
    double *max_err)
{
	struct route_line	 r[LBW_PATHS_MAX];
	struct bgp_attrs	*a;
	double			 w[LBW_PATHS_MAX];
	const struct lbw_plan	*plan = NULL;
	char			 pb[64];
	size_t			 n = 0, i;
	int			 rc = 0;

	for (i = 0; i < nall; i++)
		if (all[i].weight > 0) {
			if (n == LBW_PATHS_MAX) {
				log_warnx("%s:%d: more than %d paths", in->path,
				    all[i].lineno, LBW_PATHS_MAX);
				return -1;
			}
			w[n] = all[i].weight;
			r[n++] = all[i];
		}
	if (n > 0 && (plan = plan_for(pc, w, n)) == NULL)
		return -1;
	*max_err = n > 0 ? plan->max_err : 0;
	note_max_err(in, &all[0].pfx, *max_err);
	if (in->check) {
		if (n > 0)
			print_plan(in, r, n, plan, jarr);
		return 0;
	}
	/* only n of them: clearing LBW_PATHS_MAX per prefix was most of a
	 * 100,000-prefix reload */
	if ((a = calloc(n ? n : 1, sizeof(*a))) == NULL)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = path_attrs(in, rs, &r[i], plan->mbps[i], &a[i]);
	if (rc == 0 && bgp_rib_set(in->rib, &all[0].pfx, a, n) == -1) {
		log_warn("%s: %s", in->path, bgp_prefix_str(&all[0].pfx, pb,
		    sizeof(pb)));
		rc = -1;
	}
	for (i = 0; i < n; i++)
		bgp_attrs_free(&a[i]);
	free(a);
	return rc;
}

/*
 * The contents of one prefix's lines (next-hop, weight, communities, in
 * file order), hashed: equal in two files, the prefix is not planned and
 * set again.  64 bits, each word multiplied and folded (the file is the
 * operator's, not an adversary's; two different line sets of one prefix
 * meet at about 1 in 2^64).
 */
static uint64_t
sig_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static uint64_t
lines_sig(const struct routes *rs, const struct route_line *r, size_t n)
{
	uint64_t	 h = sig_mix(0xcbf29ce484222325ULL, n), w[3];
	const uint32_t	*pool;
	size_t		 i, k, npool;

	for (i = 0; i < n; i++) {
		memcpy(w, r[i].nh, 16);
		memcpy(&w[2], &r[i].weight, 8);
		h = sig_mix(sig_mix(sig_mix(h, w[0]), w[1]), w[2]);
		h = sig_mix(h, (uint64_t)r[i].nh_v4 << 16 |
		    (uint64_t)r[i].ncomms << 8 | r[i].nlarge);
		pool = rs->pool + r[i].pool_off;
		npool = r[i].ncomms + 3 * (size_t)r[i].nlarge;
		for (k = 0; k < npool; k++)
			h = sig_mix(h, pool[k]);
	}
	return h;
}

/* Withdraws what was announced before and is not in the file now. */
static void
withdraw_missing(struct inject *in, struct pfx_state *now, size_t nnow)
{
	size_t	i = 0, j = 0;
	int	c;

	while (i < in->nannounced) {
		c = j < nnow ? bgp_prefix_cmp(&in->announced[i].p, &now[j].p) :
		    -1;
		if (c < 0)
			bgp_rib_withdraw(in->rib, &in->announced[i++].p);
		else if (c == 0)
			i++, j++;
		else
			j++;
	}
	free(in->announced);
	in->announced = now;
	in->nannounced = nnow;
}

/* The previous state of p, if it is unchanged: both walk in order. */
static const struct pfx_state *
unchanged(struct inject *in, size_t *old, const struct bgp_prefix *p,
    uint64_t sig)
{
	const struct pfx_state	*st;

	while (*old < in->nannounced &&
	    bgp_prefix_cmp(&in->announced[*old].p, p) < 0)
		(*old)++;
	if (in->check || *old >= in->nannounced)
		return NULL;
	st = &in->announced[*old];
	if (!st->valid || st->sig != sig || bgp_prefix_cmp(&st->p, p) != 0)
		return NULL;
	return st;
}

static int
apply_routes(struct inject *in, struct routes *rs)
{
	struct plan_cache	*pc;
	struct pfx_state	*now;
	const struct pfx_state	*st;
	struct json_object	*jarr = NULL;
	size_t			 i, j, n = 0, old = 0, skipped = 0;
	int			 rc = 0;

	if ((pc = calloc(1, sizeof(*pc))) == NULL ||
	    (now = calloc(rs->n ? rs->n : 1, sizeof(*now))) == NULL) {
		free(pc);
		return -1;
	}
	if (in->check && in->json)
		jarr = json_object_new_array();
	in->max_err = 0;
	in->max_err_pfx[0] = '\0';
	for (i = 0; i < rs->n && rc == 0; i = j) {
		for (j = i + 1; j < rs->n &&
		    bgp_prefix_cmp(&rs->v[i].pfx, &rs->v[j].pfx) == 0; j++)
			;
		now[n] = (struct pfx_state){ .p = rs->v[i].pfx, .valid = 1,
		    .sig = lines_sig(rs, &rs->v[i], j - i) };
		if ((st = unchanged(in, &old, &now[n].p, now[n].sig)) != NULL) {
			now[n].max_err = st->max_err;
			note_max_err(in, &now[n].p, st->max_err);
			skipped++;
		} else
			rc = apply_prefix(in, pc, rs, &rs->v[i], j - i, jarr,
			    &now[n].max_err);
		n++;
	}
	free(pc);
	if (jarr != NULL) {
		puts(json_object_to_json_string_ext(jarr,
		    JSON_C_TO_STRING_PRETTY));
		json_object_put(jarr);
	}
	if (rc == -1) {
		/* Some prefixes may hold the new file's paths already: none
		 * may be skipped next time. */
		for (i = 0; i < in->nannounced; i++)
			in->announced[i].valid = 0;
	}
	if (in->check || rc == -1) {
		free(now);
		return rc;
	}
	log_debug("%s: %zu of %zu prefixes unchanged", in->path, skipped, n);
	/* rs is sorted by prefix, and so now is */
	withdraw_missing(in, now, n);
	return 0;
}

static int
load_and_apply(struct inject *in)
{
	struct routes		rs;
	struct rib_stats	st;
	int			rc;

	if (routes_load(in->path, &rs) == -1)
		return -1;
	rc = apply_routes(in, &rs);
	free(rs.v);
	free(rs.pool);
	if (rc == -1 || in->check)
		return rc;
	bgp_rib_stats(in->rib, &st);
	log_info("%s: %zu prefixes, %zu paths; largest quantisation error "
	    "%.2f %%%s%s", in->path, st.prefixes, st.paths, in->max_err * 100,
	    in->max_err_pfx[0] ? " at " : "", in->max_err_pfx);
	return 0;
}

/* ---- options ------------------------------------------------------- */

static int
peer_opt(struct bgp_peer_config *pc, char *kv, uint16_t port)
{
	char		*v = strchr(kv, '=');
	uint32_t	 x;

	if (v != NULL)
		*v++ = '\0';
	if (strcmp(kv, "passive") == 0 && v == NULL)
		pc->passive = 1;
	else if (v == NULL)
		return -1;
	else if (strcmp(kv, "remote-as") == 0)
		return parse_u32(v, UINT32_MAX, &pc->remote_as);
	else if (strcmp(kv, "local-as") == 0)
		return parse_u32(v, UINT32_MAX, &pc->local_as);
	else if (strcmp(kv, "md5") == 0) {
		if (strlcpy(pc->md5_key, v, sizeof(pc->md5_key)) >=
		    sizeof(pc->md5_key))
			return -1;
	} else if (strcmp(kv, "port") == 0) {
		if (parse_u32(v, 65535, &x) == -1 || x == 0)
			return -1;
		((struct sockaddr_in *)&pc->addr)->sin_port = htons(x);
	} else if (strcmp(kv, "name") == 0)
		strlcpy(pc->name, v, sizeof(pc->name));
	else if (strcmp(kv, "source") == 0)
		return bgp_sockaddr_parse(v, 0, &pc->local);
	else
		return -1;
	(void)port;
	return 0;
}

static int
parse_peer(const char *spec, uint32_t local_as, uint16_t port,
    struct bgp_rib *rib, struct bgp_peer_config *pc)
{
	char	buf[512], *tok, *save = NULL;

	memset(pc, 0, sizeof(*pc));
	if (strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf) ||
	    (tok = strtok_r(buf, ",", &save)) == NULL ||
	    bgp_sockaddr_parse(tok, port, &pc->addr) == -1) {
		log_warnx("--peer '%s': expected ADDR[,option=value...]", spec);
		return -1;
	}
	pc->remote_as = local_as;
	pc->rib = rib;
	while ((tok = strtok_r(NULL, ",", &save)) != NULL)
		if (peer_opt(pc, tok, port) == -1) {
			log_warnx("--peer '%s': bad option '%s' (remote-as=, "
			    "local-as=, md5=, passive, port=, name=, "
			    "source=)", spec, tok);
			return -1;
		}
	return 0;
}

struct options {
	uint32_t	 local_as, router_id, holdtime, retry, gr;
	const char	*peers[BGP_PEERS_MAX];
	int		 npeers;
	const char	*listen;
};

enum { O_LOCAL_AS = 256, O_ROUTER_ID, O_PEER, O_ROUTES, O_LISTEN,
    O_HOLD, O_RETRY, O_LP, O_ADV, O_GR, O_CHECK };

static const struct option longopts[] = {
	{ "local-as", required_argument, NULL, O_LOCAL_AS },
	{ "router-id", required_argument, NULL, O_ROUTER_ID },
	{ "peer", required_argument, NULL, O_PEER },
	{ "routes", required_argument, NULL, O_ROUTES },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "holdtime", required_argument, NULL, O_HOLD },
	{ "connect-retry", required_argument, NULL, O_RETRY },
	{ "local-pref", required_argument, NULL, O_LP },
	{ "advertise", no_argument, NULL, O_ADV },
	{ "graceful-restart", required_argument, NULL, O_GR },
	{ "check", no_argument, NULL, O_CHECK },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int
bad_opt(const char *name, const char *val, const char *want)
{
	log_warnx("--%s '%s': %s", name, val, want);
	return -1;
}

static int
one_opt(int ch, struct options *o, struct inject *in)
{
	struct in_addr	a;

	switch (ch) {
	case O_LOCAL_AS:
		if (parse_u32(optarg, UINT32_MAX, &o->local_as) == -1 ||
		    o->local_as == 0)
			return bad_opt("local-as", optarg, "an AS number");
		return 0;
	case O_ROUTER_ID:
		if (inet_pton(AF_INET, optarg, &a) != 1 || a.s_addr == 0)
			return bad_opt("router-id", optarg,
			    "a non-zero IPv4 address");
		o->router_id = ntohl(a.s_addr);
		return 0;
	case O_PEER:
		if (o->npeers == BGP_PEERS_MAX)
			return bad_opt("peer", optarg, "too many peers");
		o->peers[o->npeers++] = optarg;
		return 0;
	case O_ROUTES: in->path = optarg; return 0;
	case O_LISTEN: o->listen = optarg; return 0;
	case O_HOLD:
		if (parse_u32(optarg, 65535, &o->holdtime) == -1 ||
		    (o->holdtime > 0 && o->holdtime < 3))
			return bad_opt("holdtime", optarg, "0 or 3 to 65535");
		return 0;
	case O_RETRY:
		if (parse_u32(optarg, 3600, &o->retry) == -1 || o->retry == 0)
			return bad_opt("connect-retry", optarg, "1 to 3600");
		return 0;
	case O_LP:
		if (parse_u32(optarg, UINT32_MAX, &in->local_pref) == -1)
			return bad_opt("local-pref", optarg, "0 to 4294967295");
		return 0;
	case O_ADV: in->advertise = 1; return 0;
	case O_GR:
		if (parse_u32(optarg, 4095, &o->gr) == -1)
			return bad_opt("graceful-restart", optarg,
			    "0 (off) to 4095 seconds");
		return 0;
	case O_CHECK: in->check = 1; return 0;
	case 'j': in->json = 1; return 0;
	case 'v': log_setverbose(1); return 0;
	case 'h': usage(stdout); exit(0);
	case 'V': printf("fabric-inject %s\n", PACKAGE_VERSION); exit(0);
	default: return -1;
	}
}

static int
parse_args(int argc, char **argv, struct options *o, struct inject *in)
{
	int	ch;

	o->gr = BGP_DEFAULT_GR_TIME;
	in->local_pref = 200;
	while ((ch = getopt_long(argc, argv, "jvhV", longopts, NULL)) != -1)
		if (one_opt(ch, o, in) == -1) {
			usage(stderr);
			return -1;
		}
	if (optind < argc)
		return bad_opt("", argv[optind], "unexpected argument");
	if (in->path == NULL)
		return bad_opt("routes", "", "missing: the routes file");
	if (in->check)
		return 0;
	if (o->local_as == 0 || o->router_id == 0 || o->npeers == 0) {
		log_warnx("--local-as, --router-id and at least one --peer "
		    "are required");
		usage(stderr);
		return -1;
	}
	return 0;
}

/* ---- running -------------------------------------------------------- */

static int
setup_speaker(struct inject *in, struct options *o)
{
	struct bgp_speaker_config	 sc = {};
	struct bgp_peer_config		 pc;
	int				 i, passive = 0;

	sc.local_as = o->local_as;
	sc.router_id = o->router_id;
	sc.gr_time = o->gr;
	for (i = 0; i < o->npeers; i++) {
		if (parse_peer(o->peers[i], o->local_as, BGP_PORT, in->rib,
		    &pc) == -1)
			return -1;
		passive |= pc.passive;
	}
	if (o->listen != NULL) {
		if (bgp_sockaddr_parse(o->listen, BGP_PORT, &sc.listen) == -1)
			return bad_opt("listen", o->listen,
			    "ADDR or ADDR:PORT or [ADDR]:PORT");
	} else if (passive)
		bgp_sockaddr_parse("::", BGP_PORT, &sc.listen);
	if ((in->sp = bgp_speaker_new(&sc)) == NULL)
		return -1;
	for (i = 0; i < o->npeers; i++) {
		parse_peer(o->peers[i], o->local_as, BGP_PORT, in->rib, &pc);
		pc.holdtime = o->holdtime;
		pc.connect_retry = o->retry;
		if (bgp_peer_add(in->sp, &pc) == NULL) {
			log_warn("--peer '%s'", o->peers[i]);
			return -1;
		}
	}
	return bgp_speaker_start(in->sp);
}

/* The table as UPDATEs before any session wants it (bgp_peer_precache). */
static void
precache(struct inject *in)
{
	struct bgp_peer	*p;
	int64_t		 t0 = mono_ms();

	for (p = bgp_peer_first(in->sp); p != NULL; p = bgp_peer_next(p))
		if (bgp_peer_precache(p) == -1)
			log_warn("neighbor %s: UPDATEs not encoded ahead",
			    bgp_peer_name(p));
	log_debug("%zu octets of UPDATEs encoded ahead in %lld ms",
	    bgp_rib_cache_size(in->rib), (long long)(mono_ms() - t0));
}

/* Returns 1 to go on, 0 to stop. */
static int
handle_signal(struct inject *in, int sfd)
{
	struct signalfd_siginfo	si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: re-reading %s", in->path);
			/* The cache stays right through changes; once they
			 * outgrow it, it is dropped and not rebuilt here: that
			 * would delay the changes themselves. */
			if (load_and_apply(in) == 0)
				bgp_speaker_kick(in->sp);
			continue;
		}
		log_info("%s: sending Cease to every neighbor",
		    strsignal(si.ssi_signo));
		return 0;
	}
	return 1;
}

static void
run(struct inject *in, int sfd)
{
	struct pollfd	fds[POLLFDS_MAX];
	size_t		n;

	for (;;) {
		n = bgp_speaker_pollfds(in->sp, fds, POLLFDS_MAX - 1);
		fds[n++] = (struct pollfd){ sfd, POLLIN, 0 };
		if (poll(fds, n, bgp_speaker_timeout(in->sp)) == -1 &&
		    errno != EINTR)
			fatal("poll");
		if (fds[n - 1].revents && !handle_signal(in, sfd))
			return;
		bgp_speaker_dispatch(in->sp, fds, n - 1);
	}
}

/* Every way out frees everything, so that ASan and valgrind stay quiet. */
static int
inject_exit(struct inject *in, int rc)
{
	bgp_speaker_free(in->sp);
	bgp_rib_free(in->rib);
	free(in->announced);
	return rc;
}

int
main(int argc, char **argv)
{
	struct inject	in = {};
	struct options	o = {};
	int		sfd;

	log_init(LOG_TO_STDERR, LOG_DAEMON);
	log_procinit("fabric-inject");
	if (parse_args(argc, argv, &o, &in) == -1)
		return 2;
	in.local_as = o.local_as;
	if ((in.rib = bgp_rib_new()) == NULL)
		fatal("bgp_rib_new");
	if (load_and_apply(&in) == -1)
		return inject_exit(&in, 1);
	if (in.check) {
		if (!in.json)
			printf("largest quantisation error: %.2f %%\n",
			    in.max_err * 100);
		return inject_exit(&in, 0);
	}
	if ((sfd = daemon_signal_fd()) == -1)
		fatal("signalfd");
	if (setup_speaker(&in, &o) == -1)
		return inject_exit(&in, 1);
	precache(&in);
	log_info("AS %u, router-id %s, %d neighbors", o.local_as,
	    inet_ntoa((struct in_addr){ htonl(o.router_id) }), o.npeers);
	run(&in, sfd);
	bgp_speaker_shutdown(in.sp, CEASE_ADMIN_DOWN, "fabric-inject stopped");
	return inject_exit(&in, 0);
}
