/*
 * fabricd's parts, without the network: the weights it announces for the
 * example fabric, and each safety rule (drains, the last path, frozen
 * telemetry, the step limit, the link hold-down, transactional reload),
 * the control socket's answers to good and bad requests (over inproc
 * ZeroMQ), and the metrics page.
 */
#include "config.h"

#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <zmq.h>

#include <arpa/inet.h>

#include "bgp.h"
#include "fabricd.h"
#include "log.h"
#include "util.h"

#ifndef EXAMPLES_DIR
#error "EXAMPLES_DIR must name examples/"
#endif
#define POD2S4L	EXAMPLES_DIR "/pod-2s4l-unnumbered/fabricd.json"

struct fx {
	struct fabricd	 d;
	char		 dir[64];
	char		 path[128];
};

static void
copy_config(struct fx *x, const char *from, const char *edit_from,
    const char *edit_to)
{
	char	*buf, *p;
	FILE	*in, *out;
	long	 n;

	assert_non_null(in = fopen(from, "r"));
	fseek(in, 0, SEEK_END);
	n = ftell(in);
	rewind(in);
	assert_non_null(buf = calloc(1, n + 1));
	assert_int_equal(fread(buf, 1, n, in), n);
	fclose(in);
	assert_non_null(out = fopen(x->path, "w"));
	if (edit_from != NULL && (p = strstr(buf, edit_from)) != NULL) {
		fwrite(buf, 1, p - buf, out);
		fputs(edit_to, out);
		fputs(p + strlen(edit_from), out);
	} else
		fputs(buf, out);
	fclose(out);
	free(buf);
}

/* The example with no telemetry endpoints (nothing can go stale) unless
   the test keeps them. */
static struct fx *
fx_new(int telemetry)
{
	struct fx	*x = calloc(1, sizeof(*x));
	char		 err[2048];

	assert_non_null(x);
	strcpy(x->dir, "/tmp/test_fabricd.XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->path, sizeof(x->path), "%s/fabricd.json", x->dir);
	if (telemetry)
		copy_config(x, POD2S4L, NULL, NULL);
	else
		copy_config(x, POD2S4L, "\"fabric:telemetry\"",
		    "\"fabric:probe\"");
	if (fab_config_load(x->path, &x->d.cfg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_non_null(x->d.cfg_path = strdup(x->path));
	assert_int_equal(fd_weights_init(&x->d), 0);
	assert_int_equal(fd_peers_init(&x->d), 0);
	return x;
}

static void
fx_free(struct fx *x)
{
	if (x->d.ctl != NULL)
		zmq_close(x->d.ctl);
	if (x->d.zctx != NULL)
		zmq_ctx_term(x->d.zctx);
	fd_peers_free(&x->d);
	fd_weights_free(&x->d);
	fab_config_free(x->d.cfg);
	free(x->d.cfg_path);
	unlink(x->path);
	rmdir(x->dir);
	free(x);
}

static uint32_t
node(struct fx *x, const char *name)
{
	uint32_t	n = fab_node_find(x->d.cfg->fabric, name);

	assert_int_not_equal(n, FAB_NONE);
	return n;
}

static struct fd_block *
block(struct fx *x, const char *from, const char *to)
{
	struct fd_block	*b = fd_block_find(&x->d, node(x, from), node(x, to));

	assert_non_null(b);
	return b;
}

/* The share block b gives the link towards node `via' (0 if none). */
static double
share(struct fx *x, struct fd_block *b, const char *via)
{
	const struct fabric	*f = x->d.cfg->fabric;
	uint32_t		 pos, v = node(x, via);

	for (pos = 0; pos < b->n; pos++)
		if (fab_link_other(f, f->nodes[b->node].adj[pos], b->node) ==
		    v)
			return b->mbps[pos] > 0 ? b->applied[pos] : 0;
	return 0;
}

static uint32_t
link_of(struct fx *x, const char *name)
{
	uint32_t	l = fab_config_link_find(x->d.cfg, name);

	assert_int_not_equal(l, FAB_NONE);
	return l;
}

/* The paths leaf's RIB holds for prefix, with their next-hops. */
static int
rib_paths(struct fx *x, const char *leaf, const char *prefix,
    char nh[][16])
{
	const struct bgp_attrs	*attrs[8];
	uint32_t		 ids[8];
	struct bgp_prefix	 p = { .aid = AID_IPV4 };
	struct fab_prefix	 fp;
	size_t			 i;
	int			 n;

	assert_int_equal(fab_prefix_parse(prefix, &fp), 0);
	p.plen = fp.len;
	memcpy(&p.addr.v4, fp.addr, 4);
	for (i = 0; i < x->d.npeers; i++)
		if (x->d.peers[i].node == node(x, leaf))
			break;
	assert_true(i < x->d.npeers);
	n = bgp_rib_paths(x->d.peers[i].rib, &p, ids, attrs, 8);
	for (int k = 0; k < n; k++)
		inet_ntop(AF_INET, &attrs[k]->nexthop, nh[k], 16);
	return n;
}

/* ---- weights ------------------------------------------------------- */

static void
test_announces_equal_weights(void **state)
{
	struct fx	*x = fx_new(0);
	char		 nh[8][16];

	(void)state;
	assert_int_equal(x->d.nblocks, 12);	/* 4 leaves x 3 others */
	assert_true(fd_compute(&x->d, 1000) == 12);
	assert_float_equal(share(x, block(x, "leaf1", "leaf4"), "spine1"),
	    0.5, 1e-9);
	assert_int_equal(block(x, "leaf1", "leaf4")->frr[0] +
	    block(x, "leaf1", "leaf4")->frr[1], 100);
	assert_int_equal(rib_paths(x, "leaf1", "10.1.4.0/24", nh), 2);
	assert_true((strcmp(nh[0], "10.0.0.1") == 0 && strcmp(nh[1],
	    "10.0.0.2") == 0) || (strcmp(nh[0], "10.0.0.2") == 0 &&
	    strcmp(nh[1], "10.0.0.1") == 0));
	/* nothing changed: nothing announced again */
	assert_int_equal(fd_compute(&x->d, 1200), 0);
	fx_free(x);
}

static void
test_degraded_link_moves_weight_in_steps(void **state)
{
	struct fx	*x = fx_new(0);
	struct fd_block	*b;
	double		 prev = 0.5, s;
	int		 i;

	(void)state;
	fd_compute(&x->d, 1000);
	b = block(x, "leaf1", "leaf4");
	x->d.nominal[link_of(x, "spine1-leaf1")] /= 10;	/* 10G -> 1G */
	for (i = 0; i < 20; i++) {
		fd_compute(&x->d, 1200 + 200 * i);
		s = share(x, b, "spine1");
		assert_true(prev - s <= x->d.cfg->policy.max_step + 1e-9);
		prev = s;
	}
	/* 1G against 10G: 1/11 of the traffic */
	assert_float_equal(share(x, b, "spine1"), 1.0 / 11, 0.02);
	/* leaf4 sees the whole path to leaf1: spine1 is worth less too */
	assert_true(share(x, block(x, "leaf4", "leaf1"), "spine1") < 0.2);
	/* and leaf2 -> leaf3 does not care */
	assert_float_equal(share(x, block(x, "leaf2", "leaf3"), "spine1"),
	    0.5, 1e-9);
	fx_free(x);
}

static void
test_drain_and_last_path(void **state)
{
	struct fx	*x = fx_new(0);
	char		 err[256] = "", nh[8][16];

	(void)state;
	fd_compute(&x->d, 1000);
	x->d.node_admin[node(x, "spine2")] = FAB_DRAINED;
	assert_int_equal(fd_drain_check(&x->d, err, sizeof(err)), 0);
	fd_compute(&x->d, 1200);
	assert_float_equal(share(x, block(x, "leaf1", "leaf4"), "spine2"), 0,
	    0);
	assert_int_equal(rib_paths(x, "leaf1", "10.1.4.0/24", nh), 1);
	assert_string_equal(nh[0], "10.0.0.1");
	/* spine1 as well would leave the leaves with nothing */
	x->d.node_admin[node(x, "spine1")] = FAB_DRAINED;
	assert_int_equal(fd_drain_check(&x->d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, FD_E_LASTPATH));
	fx_free(x);
}

static void
test_no_path_withdraws_routes(void **state)
{
	struct fx	*x = fx_new(0);
	char		 nh[8][16];

	(void)state;
	fd_compute(&x->d, 1000);
	/* both of leaf1's uplinks drained by hand (no check): the model
	   has no path, so fabricd's routes go and FRR's own stay */
	x->d.admin[link_of(x, "spine1-leaf1")] = FAB_DRAINED;
	x->d.admin[link_of(x, "spine2-leaf1")] = FAB_DRAINED;
	fd_compute(&x->d, 1200);
	assert_int_equal(rib_paths(x, "leaf1", "10.1.4.0/24", nh), 0);
	assert_false(block(x, "leaf1", "leaf4")->announced);
	fx_free(x);
}

static void
test_frozen_telemetry_moves_nothing_but_failures(void **state)
{
	struct fx	*x = fx_new(1);	/* 6 endpoints, none heard from */
	struct fd_block	*b;

	(void)state;
	fd_compute(&x->d, 1000);
	assert_true(x->d.frozen);
	b = block(x, "leaf1", "leaf4");
	assert_true(b->announced);	/* the first announcement is made */
	/* a capacity change would come from telemetry: frozen, no move */
	x->d.cfg->fabric->links[link_of(x, "spine1-leaf1")].capacity /= 10;
	fd_compute(&x->d, 1200);
	assert_float_equal(share(x, b, "spine1"), 0.5, 1e-9);
	/* a drain (the operator's) still applies at once */
	x->d.admin[link_of(x, "spine1-leaf1")] = FAB_DRAINED;
	fd_compute(&x->d, 1400);
	assert_float_equal(share(x, b, "spine1"), 0, 0);
	assert_float_equal(share(x, b, "spine2"), 1, 1e-9);
	/* undrained while frozen: straight to the model's target, which
	   (frozen) is the model as it stands: 1G against 10G */
	x->d.admin[link_of(x, "spine1-leaf1")] = FAB_UP;
	fd_compute(&x->d, 1600);
	assert_float_equal(share(x, b, "spine1"), 1.0 / 11, 1e-3);
	fx_free(x);
}

static void
test_moves_per_minute_limit(void **state)
{
	struct fx	*x = fx_new(0);
	struct fd_block	*b;
	uint64_t	 t = 600000;
	int		 i;

	(void)state;
	x->d.cfg->policy.max_moves_per_minute = 3;
	fd_compute(&x->d, t);		/* the first announcement is free */
	b = block(x, "leaf1", "leaf4");
	x->d.nominal[link_of(x, "spine1-leaf1")] /= 10;
	for (i = 1; i <= 20; i++)
		fd_compute(&x->d, t + 100 * i);
	/* three blocks may move once in this minute: leaf1's are three */
	assert_int_equal(b->moves, 2);
	assert_true(share(x, b, "spine1") > 0.2);
	/* then three a minute: ten minutes are enough for all of them */
	for (i = 1; i <= 600; i++)
		fd_compute(&x->d, t + 61000 + 1000 * i);
	assert_true(share(x, b, "spine1") < 0.2);
	fx_free(x);
}

static struct tmsg_path
report(const char *src, const char *dst, const char *spine, int failed)
{
	struct tmsg_path	p = {};

	p.src.af = p.dst.af = TMSG_AF_INET;
	inet_pton(AF_INET, src, p.src.addr);
	inet_pton(AF_INET, dst, p.dst.addr);
	p.nhops = 2;
	p.hops[0].af = p.hops[1].af = TMSG_AF_INET;
	inet_pton(AF_INET, "10.1.1.1", p.hops[0].addr);	/* the leaf */
	inet_pton(AF_INET, spine, p.hops[1].addr);
	p.state = failed ? TMSG_PATH_FAILED : TMSG_PATH_OK;
	return p;
}

static void
test_probe_failure_zeroes_a_path(void **state)
{
	struct fx		*x = fx_new(0);
	struct fd_block		*b;
	struct tmsg_path	 p;
	uint64_t		 now = (uint64_t)mono_ms();
	int			 i;

	(void)state;
	fd_compute(&x->d, now);
	b = block(x, "leaf1", "leaf4");
	p = report("10.1.1.11", "10.1.4.11", "10.0.0.1", 1);
	assert_int_equal(fd_probe_report(&x->d, &p, now), 1);
	fd_compute(&x->d, now + 10);
	assert_float_equal(share(x, b, "spine1"), 0, 0);
	assert_float_equal(share(x, b, "spine2"), 1, 1e-9);
	/* only towards leaf4: leaf1 -> leaf2 keeps both */
	assert_float_equal(share(x, block(x, "leaf1", "leaf2"), "spine1"),
	    0.5, 1e-9);
	/* a report that maps onto nothing is counted, not applied */
	p = report("10.9.9.9", "10.1.4.11", "10.0.0.1", 1);
	assert_int_equal(fd_probe_report(&x->d, &p, now), 0);
	assert_int_equal(x->d.probe_unmapped, 1);
	/* spine2 failed too: not believed, both kept */
	p = report("10.1.1.11", "10.1.4.11", "10.0.0.2", 1);
	fd_probe_report(&x->d, &p, now);
	fd_compute(&x->d, now + 20);
	assert_true(share(x, b, "spine1") > 0);
	assert_true(share(x, b, "spine2") > 0);
	/* spine2 heals: spine1 is out again; then spine1 heals too */
	p = report("10.1.1.11", "10.1.4.11", "10.0.0.2", 0);
	assert_int_equal(fd_probe_report(&x->d, &p, now), 1);
	fd_compute(&x->d, now + 30);
	assert_float_equal(share(x, b, "spine1"), 0, 0);
	p = report("10.1.1.11", "10.1.4.11", "10.0.0.1", 0);
	fd_probe_report(&x->d, &p, now);
	for (i = 1; i <= 30; i++)
		fd_compute(&x->d, now + 30 + 200 * i);
	assert_float_equal(share(x, b, "spine1"), 0.5, 1e-9);
	/* a failure nobody refreshes expires */
	p = report("10.1.1.11", "10.1.4.11", "10.0.0.1", 1);
	fd_probe_report(&x->d, &p, now);
	assert_true(fd_probe_failed(&x->d, node(x, "leaf1"), node(x, "leaf4"),
	    link_of(x, "spine1-leaf1"), now + 1000));
	assert_false(fd_probe_failed(&x->d, node(x, "leaf1"), node(x, "leaf4"),
	    link_of(x, "spine1-leaf1"), now + 3 * 3000 + 1));
	fd_probe_close(&x->d);
	fx_free(x);
}

/*
 * Out of the FIB a failed path is UNSEEN by the probe; fabricd puts it
 * back on trial after probe-retest-ms, doubling the delay after each
 * failed trial (failed again, or never found), back to the start once it
 * stayed ok for probe-retest-max-ms.
 */
static int
spine1_out(struct fx *x, int state, uint64_t t)
{
	struct tmsg_path	p = report("10.1.1.11", "10.1.4.11", "10.0.0.1",
				    0);

	p.state = state;
	fd_probe_report(&x->d, &p, t);
	fd_compute(&x->d, t);
	return share(x, block(x, "leaf1", "leaf4"), "spine1") == 0;
}

static void
test_probe_trials(void **state)
{
	struct fx	*x = fx_new(0);
	uint64_t	 t = 1000000, base, max;

	(void)state;
	base = x->d.cfg->policy.probe_retest_ms;
	max = x->d.cfg->policy.probe_retest_max_ms;
	assert_int_equal(base, 5000);
	assert_int_equal(max, 300000);
	fd_compute(&x->d, t);
	assert_true(spine1_out(x, TMSG_PATH_FAILED, t));
	/* out, and unseen: stays out until the trial */
	assert_true(spine1_out(x, TMSG_PATH_UNSEEN, t + 1000));
	assert_true(spine1_out(x, TMSG_PATH_UNSEEN, t + base - 1));
	/* the trial: weight back; unseen reports do not end it early */
	assert_false(spine1_out(x, TMSG_PATH_UNSEEN, t + base));
	assert_false(spine1_out(x, TMSG_PATH_UNSEEN, t + base + 1000));
	/* the probe found it and failed it again: out, twice as long */
	t += base + 2000;
	assert_true(spine1_out(x, TMSG_PATH_FAILED, t));
	assert_true(spine1_out(x, TMSG_PATH_UNSEEN, t + 2 * base - 1));
	assert_false(spine1_out(x, TMSG_PATH_UNSEEN, t + 2 * base));
	/* a trial the probe never reports on ends as failed */
	t += 2 * base;
	assert_false(spine1_out(x, TMSG_PATH_UNSEEN, t + FD_TRIAL_MS - 1));
	assert_true(spine1_out(x, TMSG_PATH_UNSEEN, t + FD_TRIAL_MS));
	t += FD_TRIAL_MS;
	assert_true(spine1_out(x, TMSG_PATH_UNSEEN, t + 4 * base - 1));
	assert_false(spine1_out(x, TMSG_PATH_UNSEEN, t + 4 * base));
	/* the trial passes: in, and stays in */
	t += 4 * base;
	assert_false(spine1_out(x, TMSG_PATH_OK, t + 100));
	assert_false(spine1_out(x, TMSG_PATH_OK, t + 100000));
	/* failing again soon: the delay is still 4 x base */
	t += 200000;
	assert_true(spine1_out(x, TMSG_PATH_FAILED, t));
	assert_true(spine1_out(x, TMSG_PATH_UNSEEN, t + 4 * base - 1));
	assert_false(spine1_out(x, TMSG_PATH_UNSEEN, t + 4 * base));
	t += 4 * base;
	assert_false(spine1_out(x, TMSG_PATH_OK, t + 1));
	/* a trial that passed and failed a second later failed: 8 x base */
	assert_true(spine1_out(x, TMSG_PATH_FAILED, t + 1000));
	t += 1000;
	assert_true(spine1_out(x, TMSG_PATH_UNSEEN, t + 8 * base - 1));
	assert_false(spine1_out(x, TMSG_PATH_UNSEEN, t + 8 * base));
	t += 8 * base;
	assert_false(spine1_out(x, TMSG_PATH_OK, t + 1));
	/* ok for probe-retest-max-ms: the next failure starts from base */
	t += max + 1;
	assert_false(spine1_out(x, TMSG_PATH_OK, t));
	assert_true(spine1_out(x, TMSG_PATH_FAILED, t + 1));
	assert_false(spine1_out(x, TMSG_PATH_UNSEEN, t + 1 + base));
	/* unseen with no failure seen first (fabricd restarted): out */
	fd_probe_close(&x->d);
	fd_compute(&x->d, t + 2 * max);
	assert_true(spine1_out(x, TMSG_PATH_UNSEEN, t + 2 * max));
	fd_probe_close(&x->d);
	fx_free(x);
}

/* Endpoint keys: one shared file, or a key per agent (its name). */
static void
write_key(const char *path, const char *text)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
test_keys_per_agent(void **state)
{
	struct fx		*x = fx_new(0);
	struct fab_endpoint	 e[2];
	char			 k1[160], k2[160];
	char			 nokey[] = "/nonexistent/fabricd-test.key";
	struct tmsg_key		 key, key1, key2;
	struct tmsg_rx		 rx;
	struct tmsg		*m = calloc(1, sizeof(*m)), *got = calloc(1,
				    sizeof(*got));
	struct ibuf		*b = ibuf_dynamic(256, TMSG_MAX_SIZE);

	(void)state;
	snprintf(k1, sizeof(k1), "%s/leaf1.key", x->dir);
	snprintf(k2, sizeof(k2), "%s/leaf2.key", x->dir);
	write_key(k1, "7d1a0c0e5f9b2a3c4d5e6f708192a3b4\n");
	write_key(k2, "0f1e2d3c4b5a69788796a5b4c3d2e1f0\n");
	assert_int_equal(tmsg_key_load(&key1, k1), 0);
	assert_int_equal(tmsg_key_load(&key2, k2), 0);
	memset(e, 0, sizeof(e));
	strcpy(e[0].name, "leaf1");
	strcpy(e[1].name, "leaf2");
	/* one file for both: shared */
	e[0].hmac_key_file = e[1].hmac_key_file = k1;
	assert_int_equal(fd_key_first(e, 2, "telemetry", &key), 1);
	/* one each: by agent, leaf1's key signs for leaf1 alone */
	e[1].hmac_key_file = k2;
	assert_int_equal(fd_key_first(e, 2, "telemetry", &key), 0);
	tmsg_rx_init(&rx, &key);
	assert_int_equal(fd_keys_by_agent(e, 2, "telemetry", &rx), 0);
	m->type = TMSG_T_LINK_SAMPLE;
	m->seq = 1;
	strcpy(m->agent, "leaf2");
	assert_int_equal(tmsg_write(b, m, &key1), 0);
	assert_int_equal(tmsg_rx_decode(&rx, ibuf_data(b), ibuf_size(b), got),
	    TMSG_E_BAD_MAC);
	ibuf_truncate(b, 0);
	assert_int_equal(tmsg_write(b, m, &key2), 0);
	assert_int_equal(tmsg_rx_decode(&rx, ibuf_data(b), ibuf_size(b), got),
	    TMSG_OK);
	tmsg_rx_free(&rx);
	/* the same name twice, a key missing or unreadable: refused */
	tmsg_rx_init(&rx, &key);
	strcpy(e[1].name, "leaf1");
	assert_int_equal(fd_keys_by_agent(e, 2, "telemetry", &rx), -1);
	tmsg_rx_free(&rx);
	e[1].hmac_key_file = NULL;
	assert_int_equal(fd_key_first(e, 2, "telemetry", &key), -1);
	e[1].hmac_key_file = nokey;
	strcpy(e[1].name, "leaf2");
	tmsg_rx_init(&rx, &key);
	assert_int_equal(fd_keys_by_agent(e, 2, "telemetry", &rx), -1);
	tmsg_rx_free(&rx);
	ibuf_free(b);
	free(m);
	free(got);
	unlink(k1);
	unlink(k2);
	fx_free(x);
}

#define JOBS "\"fabric:jobs\": {\"job\": [{\"name\": \"allreduce\", " \
	"\"flow\": [{\"src\": \"h1\", \"dst\": \"h3\", " \
	"\"dst-address\": \"10.1.3.11\", \"rate\": \"8G\"}, " \
	"{\"src\": \"h1\", \"dst\": \"h4\", " \
	"\"dst-address\": \"10.1.4.11\", \"rate\": \"8G\"}]}]}, " \
	"\"fabric:bgp\""

static void
test_pinned_jobs(void **state)
{
	struct fx	*x = fx_new(0);
	char		 err[2048], a[8][16], b[8][16];
	json_object	*j;

	(void)state;
	copy_config(x, x->path, "\"mode\": \"static\"", "\"mode\": \"pinned\"");
	copy_config(x, x->path, "\"fabric:bgp\"", JOBS);
	if (fd_reload(&x->d, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(x->d.cfg->nflows, 2);
	fd_compute(&x->d, 1000);
	/* two 8G flows from leaf1 on 10G uplinks: one per spine */
	assert_int_equal(rib_paths(x, "leaf1", "10.1.3.11/32", a), 1);
	assert_int_equal(rib_paths(x, "leaf1", "10.1.4.11/32", b), 1);
	assert_string_not_equal(a[0], b[0]);
	j = fd_show_jobs(&x->d);
	assert_int_equal(json_object_array_length(json_object_object_get(
	    json_object_array_get_idx(j, 0), "flows")), 2);
	json_object_put(j);
	/* spine1 drained: both go over spine2 */
	x->d.node_admin[node(x, "spine1")] = FAB_DRAINED;
	fd_compute(&x->d, 1200);
	assert_int_equal(rib_paths(x, "leaf1", "10.1.3.11/32", a), 1);
	assert_int_equal(rib_paths(x, "leaf1", "10.1.4.11/32", b), 1);
	assert_string_equal(a[0], "10.0.0.2");
	assert_string_equal(b[0], "10.0.0.2");
	/* back to static: the host routes are withdrawn */
	x->d.cfg->policy.mode = FAB_MODE_STATIC;
	fd_compute(&x->d, 1400);
	assert_int_equal(rib_paths(x, "leaf1", "10.1.3.11/32", a), 0);
	assert_int_equal(rib_paths(x, "leaf1", "10.1.4.11/32", b), 0);
	fd_pinned_free(&x->d);
	fx_free(x);
}

/* The large communities of the first path leaf1 announces for prefix. */
static int
lcomms(struct fx *x, const char *prefix, uint32_t lc[3])
{
	const struct bgp_attrs	*attrs[8];
	uint32_t		 ids[8];
	struct bgp_prefix	 p = { .aid = AID_IPV4 };
	struct fab_prefix	 fp;
	size_t			 i;

	assert_int_equal(fab_prefix_parse(prefix, &fp), 0);
	p.plen = fp.len;
	memcpy(&p.addr.v4, fp.addr, 4);
	for (i = 0; i < x->d.npeers; i++)
		if (x->d.peers[i].node == node(x, "leaf1"))
			break;
	assert_true(bgp_rib_paths(x->d.peers[i].rib, &p, ids, attrs, 8) > 0);
	for (i = 0; i < 3 && attrs[0]->nlarge_communities > 0; i++) {
		memcpy(&lc[i], attrs[0]->large_communities + 4 * i, 4);
		lc[i] = ntohl(lc[i]);
	}
	return attrs[0]->nlarge_communities;
}

static void
test_flowlet_marking(void **state)
{
	struct fx	*x = fx_new(0);
	char		 err[2048];
	uint32_t	 lc[3];

	(void)state;
	copy_config(x, x->path, "\"mode\": \"static\"", "\"mode\": "
	    "\"static\", \"flowlet\": {\"prefix\": [\"10.1.4.0/24\"]}");
	if (fd_reload(&x->d, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	fd_compute(&x->d, 1000);
	assert_int_equal(lcomms(x, "10.1.4.0/24", lc), 1);
	assert_int_equal(lc[0], FD_FLOWLET_LC_GA);
	assert_int_equal(lc[1], FD_FLOWLET_LC_L1);
	assert_int_equal(lc[2], FD_FLOWLET_LC_L2);
	assert_int_equal(lcomms(x, "10.1.3.0/24", lc), 0);
	fx_free(x);
}

static void
test_link_holddown(void **state)
{
	struct fx	*x = fx_new(0);
	struct fd_block	*b;
	uint32_t	 l;
	uint64_t	 t = 100000;

	(void)state;
	fd_compute(&x->d, t);
	b = block(x, "leaf1", "leaf4");
	l = link_of(x, "spine1-leaf1");
	x->d.down_ms[l] = t;		/* telemetry saw it down just now */
	fd_compute(&x->d, t + 200);
	assert_float_equal(share(x, b, "spine1"), 0, 0);
	fd_compute(&x->d, t + x->d.cfg->policy.link_up_holddown_ms - 100);
	assert_float_equal(share(x, b, "spine1"), 0, 0);
	fd_compute(&x->d, t + x->d.cfg->policy.link_up_holddown_ms + 100);
	assert_true(share(x, b, "spine1") > 0);
	fx_free(x);
}

static void
test_reload_is_a_transaction(void **state)
{
	struct fx	*x = fx_new(0);
	char		 err[2048];
	size_t		 npeers;

	(void)state;
	fd_compute(&x->d, 1000);
	npeers = x->d.npeers;
	copy_config(x, POD2S4L, "\"mode\": \"static\"", "\"mode\": \"up\"");
	assert_int_equal(fd_reload(&x->d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode"));
	assert_int_equal(x->d.reload_failures, 1);
	assert_float_equal(share(x, block(x, "leaf1", "leaf4"), "spine1"),
	    0.5, 1e-9);
	/* drains survive a reload */
	x->d.node_admin[node(x, "spine2")] = FAB_DRAINED;
	/* a good one: leaf4 loses its prefix; sessions and weights stay */
	copy_config(x, POD2S4L, "\"fabric:telemetry\"", "\"fabric:probe\"");
	copy_config(x, x->path, ", \"prefix\": [\"10.1.4.0/24\"]", "");
	if (fd_reload(&x->d, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(x->d.node_admin[node(x, "spine2")], FAB_DRAINED);
	/* telemetry endpoints cannot change on reload */
	copy_config(x, POD2S4L, NULL, NULL);
	assert_int_equal(fd_reload(&x->d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "endpoints"));
	assert_int_equal(x->d.npeers, npeers);
	assert_int_equal(x->d.nblocks, 4 * 3 - 3);	/* leaf4 no dest */
	assert_true(block(x, "leaf1", "leaf2")->announced);
	fx_free(x);
}

/* ---- the control socket -------------------------------------------- */

static json_object *
ask(struct fx *x, void *req, const char *q)
{
	char		 buf[1 << 16];
	int		 n;
	json_object	*o;

	assert_true(zmq_send(req, q, strlen(q), 0) >= 0);
	fd_control_dispatch(&x->d);
	n = zmq_recv(req, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(o = json_tokener_parse(buf));
	return o;
}

static int
ok_of(json_object *o)
{
	return json_object_get_boolean(json_object_object_get(o, "ok"));
}

static void
expect_error(struct fx *x, void *req, const char *q, const char *want)
{
	json_object	*o = ask(x, req, q);

	assert_false(ok_of(o));
	if (strstr(json_object_get_string(json_object_object_get(o,
	    "error")), want) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", q,
		    json_object_get_string(json_object_object_get(o, "error")),
		    want);
	json_object_put(o);
}

static void
test_control_socket(void **state)
{
	struct fx	*x = fx_new(0);
	void		*req;
	json_object	*o, *r;
	char		 big[FD_REQ_MAX + 64];
	int		 t = 2000;

	(void)state;
	fd_compute(&x->d, 1000);
	assert_non_null(x->d.zctx = zmq_ctx_new());
	assert_int_equal(fd_control_open(&x->d, "inproc://ctl"), 0);
	assert_non_null(req = zmq_socket(x->d.zctx, ZMQ_REQ));
	zmq_setsockopt(req, ZMQ_RCVTIMEO, &t, sizeof(t));
	assert_int_equal(zmq_connect(req, "inproc://ctl"), 0);

	expect_error(x, req, "{\"command\": ", "not a JSON object");
	expect_error(x, req, "[1, 2]", "not a JSON object");
	expect_error(x, req, "{\"what\": \"links\"}", "\"command\" is missing");
	expect_error(x, req, "{\"command\": \"explode\"}", "unknown command");
	expect_error(x, req, "{\"command\": \"show\", \"what\": \"x\"}",
	    "unknown 'x'");
	expect_error(x, req, "{\"command\": \"show\", \"what\": \"weights\", "
	    "\"node\": \"leaf9\"}", "no node named 'leaf9'");
	expect_error(x, req, "{\"command\": \"show\", \"what\": \"paths\", "
	    "\"prefix\": \"10.1.4.0/33\"}", "not a prefix");
	expect_error(x, req, "{\"command\": \"drain\", \"link\": \"nope\"}",
	    "no link named 'nope'");
	expect_error(x, req, "{\"command\": \"drain\"}", "give a link or a node");
	memset(big, ' ', sizeof(big));
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	expect_error(x, req, big, "octets");

	o = ask(x, req, "{\"command\": \"show\", \"what\": \"paths\", "
	    "\"prefix\": \"10.1.4.0/24\"}");
	assert_true(ok_of(o));
	r = json_object_object_get(o, "result");
	assert_string_equal(json_object_get_string(json_object_object_get(r,
	    "leaf")), "leaf4");
	assert_int_equal(json_object_array_length(json_object_object_get(r,
	    "switches")), 3);
	json_object_put(o);

	o = ask(x, req, "{\"command\": \"drain\", \"node\": \"spine1\"}");
	assert_true(ok_of(o));
	json_object_put(o);
	assert_float_equal(share(x, block(x, "leaf3", "leaf1"), "spine1"), 0,
	    0);
	expect_error(x, req, "{\"command\": \"drain\", \"node\": \"spine2\"}",
	    FD_E_LASTPATH);
	assert_int_equal(x->d.node_admin[node(x, "spine2")], FAB_UP);
	o = ask(x, req, "{\"command\": \"undrain\", \"node\": \"spine1\"}");
	assert_true(ok_of(o));
	json_object_put(o);
	/* back in service gradually (EWMA, max-step), then exactly even */
	assert_true(share(x, block(x, "leaf3", "leaf1"), "spine1") > 0);
	assert_true(share(x, block(x, "leaf3", "leaf1"), "spine1") < 0.5);
	for (t = 0; t < 30; t++)
		fd_compute(&x->d, 2000 + 200 * t);
	assert_float_equal(share(x, block(x, "leaf3", "leaf1"), "spine1"), 0.5,
	    1e-9);
	zmq_close(req);
	fx_free(x);
}

static void
test_metrics_page(void **state)
{
	struct fx	*x = fx_new(0);
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*fp;

	(void)state;
	fd_compute(&x->d, 1000);
	assert_non_null(fp = open_memstream(&buf, &len));
	fd_metrics_write(&x->d, fp);
	fclose(fp);
	assert_non_null(strstr(buf, "fabric_weight_share{switch=\"leaf1\","
	    "destination=\"leaf4\",link=\"spine1-leaf1\"} 0.500000\n"));
	assert_non_null(strstr(buf, "fabric_bgp_session_up{switch=\"leaf1\"} "
	    "0\n"));
	assert_non_null(strstr(buf, "# TYPE fabric_pushes counter\n"));
	assert_true(len > 6 && strcmp(buf + len - 6, "# EOF\n") == 0);
	free(buf);
	fx_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_announces_equal_weights),
		cmocka_unit_test(test_degraded_link_moves_weight_in_steps),
		cmocka_unit_test(test_drain_and_last_path),
		cmocka_unit_test(test_no_path_withdraws_routes),
		cmocka_unit_test(test_frozen_telemetry_moves_nothing_but_failures),
		cmocka_unit_test(test_moves_per_minute_limit),
		cmocka_unit_test(test_probe_failure_zeroes_a_path),
		cmocka_unit_test(test_probe_trials),
		cmocka_unit_test(test_keys_per_agent),
		cmocka_unit_test(test_pinned_jobs),
		cmocka_unit_test(test_flowlet_marking),
		cmocka_unit_test(test_link_holddown),
		cmocka_unit_test(test_reload_is_a_transaction),
		cmocka_unit_test(test_control_socket),
		cmocka_unit_test(test_metrics_page),
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
