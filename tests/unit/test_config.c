/*
 * Unit tests for fabric/config.c: the configuration model (yang/fabric.yang)
 * and its loader.
 *
 * Every example in examples/config loads and gives the model it describes,
 * field by field.  Every bad fixture (tests/data/config/bad/NAME.json or
 * .xml, found with opendir so that a new file is a new test) must fail to
 * load; each line of its sidecar NAME.expect must appear in the error, the
 * error must start with the file's name, and nothing may be returned.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"

#include "fab_config.h"

#ifndef TEST_DATADIR
#error "TEST_DATADIR must name tests/data"
#endif
#ifndef YANG_DIR
#error "YANG_DIR must name the directory of fabric.yang"
#endif
#ifndef EXAMPLES_DIR
#error "EXAMPLES_DIR must name examples/"
#endif

#define EXAMPLE(f)	EXAMPLES_DIR "/config/" f
#define GOOD(f)		TEST_DATADIR "/config/good/" f
#define BADDIR		TEST_DATADIR "/config/bad"
#define ERR_MAX		2048
#define BAD_MIN		30

static struct fab_config *
load_ok(const char *path)
{
	struct fab_config	*cfg = NULL;
	char			 err[ERR_MAX] = "";

	if (fab_config_load(path, &cfg, err, sizeof(err)) == -1)
		fail_msg("%s: %s", path, err);
	assert_non_null(cfg);
	return cfg;
}

static uint32_t
node_idx(const struct fab_config *cfg, const char *name)
{
	uint32_t	i = fab_node_find(cfg->fabric, name);

	if (i == FAB_NONE)
		fail_msg("no node %s", name);
	return i;
}

static const struct fab_node *
node(const struct fab_config *cfg, const char *name)
{
	return &cfg->fabric->nodes[node_idx(cfg, name)];
}

static const struct fab_link *
link_named(const struct fab_config *cfg, const char *name)
{
	uint32_t	i = fab_config_link_find(cfg, name);

	if (i == FAB_NONE)
		fail_msg("no link %s", name);
	return &cfg->fabric->links[i];
}

static void
count_roles(const struct fabric *f, uint32_t *n)
{
	uint32_t	i;

	memset(n, 0, 4 * sizeof(*n));
	for (i = 0; i < f->nnodes; i++)
		n[f->nodes[i].role]++;
}

static void
check_roles(const struct fab_config *cfg, uint32_t hosts, uint32_t leaves,
    uint32_t spines, uint32_t ss)
{
	uint32_t	n[4];

	count_roles(cfg->fabric, n);
	assert_int_equal(n[ROLE_HOST], hosts);
	assert_int_equal(n[ROLE_LEAF], leaves);
	assert_int_equal(n[ROLE_SPINE], spines);
	assert_int_equal(n[ROLE_SUPERSPINE], ss);
}

static void
check_node(const struct fab_config *cfg, const char *name, enum fab_role r,
    int32_t pod, uint32_t asn, const char *lo, const char *bgp)
{
	const struct fab_node	*n = node(cfg, name);

	assert_int_equal(n->role, r);
	assert_int_equal(n->pod, pod);
	assert_int_equal(n->asn, asn);
	assert_string_equal(n->loopback, lo);
	assert_string_equal(n->bgp_addr, bgp);
}

/* The link NAME from LOWER:LIF (the lower tier) to UPPER:UIF. */
static void
check_link(const struct fab_config *cfg, const char *name,
    const char *lower, const char *lif, const char *upper, const char *uif,
    double cap, uint16_t members, uint16_t up, enum fab_state st)
{
	const struct fab_link	*l = link_named(cfg, name);

	assert_int_equal(l->a, node_idx(cfg, lower));
	assert_int_equal(l->b, node_idx(cfg, upper));
	assert_string_equal(l->a_if, lif);
	assert_string_equal(l->b_if, uif);
	assert_true(l->capacity == cap);
	assert_int_equal(l->members, members);
	assert_int_equal(l->members_up, up);
	assert_int_equal(l->state, st);
}

static void
assert_fabric_ok(const struct fab_config *cfg)
{
	char	err[512];

	if (fab_check(cfg->fabric, err, sizeof(err)) == -1)
		fail_msg("%s: fab_check: %s", cfg->path, err);
}

/*
 * The examples
 */

static void
test_pod_2s4l(void **state)
{
	struct fab_config	*cfg = load_ok(EXAMPLE("pod-2s4l.json"));
	const struct fab_policy	*p = &cfg->policy;
	const struct fab_bgp_config *b = &cfg->bgp;
	uint32_t		 i;

	assert_int_equal(cfg->fabric->nnodes, 10);
	assert_int_equal(cfg->fabric->nlinks, 12);
	check_roles(cfg, 4, 4, 2, 0);
	assert_fabric_ok(cfg);
	check_node(cfg, "spine1", ROLE_SPINE, 0, 65000, "10.0.0.1",
	    "172.20.20.11");
	check_node(cfg, "spine2", ROLE_SPINE, 0, 65000, "10.0.0.2",
	    "172.20.20.12");
	check_node(cfg, "leaf3", ROLE_LEAF, 0, 65003, "10.0.1.3",
	    "172.20.20.103");
	/* a host without a pod is in its leaf's */
	check_node(cfg, "h2", ROLE_HOST, 0, 0, "", "");
	assert_int_equal(node(cfg, "h2")->gpus, 8);
	assert_int_equal(node(cfg, "leaf1")->gpus, 0);
	/* written spine first: the model puts the leaf at `a' */
	check_link(cfg, "spine2-leaf4", "leaf4", "eth2", "spine2", "eth4",
	    400e9, 1, 1, FAB_UP);
	check_link(cfg, "leaf3-h3", "h3", "eth1", "leaf3", "eth3", 400e9, 1,
	    1, FAB_UP);
	for (i = 0; i < cfg->fabric->nlinks; i++)
		assert_true(fab_link_usable(cfg->fabric, i) == 400e9);
	assert_int_equal(p->mode, FAB_MODE_ADAPTIVE);
	assert_int_equal(p->interval_ms, 500);
	assert_int_equal(p->telemetry_stale_ms, 3000);
	assert_true(p->ewma_alpha == 0.3);
	assert_true(p->min_change == 0.05);
	assert_true(p->max_step == 0.25);
	assert_true(p->hysteresis == 0.02);
	assert_int_equal(p->quantisation, FAB_QUANT_FRR);
	assert_int_equal(p->buckets, 0);
	/* defaults from the module */
	assert_int_equal(p->flowlet_idle_gap_us, 10000);
	assert_int_equal(p->nflowlet_prefixes, 0);
	assert_int_equal(p->max_moves_per_minute, 600);
	assert_int_equal(p->max_paths, 64);
	assert_int_equal(p->max_prefixes, 100000);
	assert_int_equal(cfg->ntelemetry, 1);
	assert_string_equal(cfg->telemetry[0].name, "agents");
	assert_string_equal(cfg->telemetry[0].address, "tcp://0.0.0.0:7100");
	assert_null(cfg->telemetry[0].curve_public_key_file);
	assert_null(cfg->telemetry[0].hmac_key_file);
	assert_int_equal(cfg->nprobe, 1);
	assert_string_equal(cfg->probe[0].address, "tcp://0.0.0.0:7200");
	assert_int_equal(b->local_as, 65000);
	assert_string_equal(b->router_id, "172.20.20.1");
	assert_int_equal(b->router_id_h, 0xac141401);
	assert_string_equal(b->listen_address, "172.20.20.1");
	assert_int_equal(b->listen_port, 179);
	assert_int_equal(b->hold_time, 90);
	assert_int_equal(b->connect_retry, 5);
	assert_int_equal(b->graceful_restart_time, 120);
	assert_null(b->tcp_md5_key_file);
	fab_config_free(cfg);
}

static void
check_key_file(const char *got, const char *tail)
{
	assert_non_null(got);
	assert_true(got[0] == '/');
	if (!has_suffix(got, tail))
		fail_msg("key file %s does not end in %s", got, tail);
}

static void
test_pod_4s8l(void **state)
{
	struct fab_config	*cfg = load_ok(EXAMPLE("pod-4s8l.json"));
	const struct fab_policy	*p = &cfg->policy;
	struct in_addr		 a;

	assert_int_equal(cfg->fabric->nnodes, 20);
	assert_int_equal(cfg->fabric->nlinks, 40);
	check_roles(cfg, 8, 8, 4, 0);
	assert_fabric_ok(cfg);
	check_node(cfg, "leaf8", ROLE_LEAF, 0, 65008, "10.0.1.8",
	    "172.20.20.108");
	/* 2 x 400G LAGs; one lost a member, one is down, spine4 drained */
	check_link(cfg, "spine1-leaf1", "leaf1", "eth1", "spine1", "eth1",
	    800e9, 2, 1, FAB_UP);
	assert_true(fab_link_usable(cfg->fabric,
	    fab_config_link_find(cfg, "spine1-leaf1")) == 400e9);
	check_link(cfg, "spine2-leaf2", "leaf2", "eth2", "spine2", "eth2",
	    800e9, 2, 2, FAB_DOWN);
	assert_true(fab_link_usable(cfg->fabric,
	    fab_config_link_find(cfg, "spine2-leaf2")) == 0);
	assert_int_equal(node(cfg, "spine4")->state, FAB_DRAINED);
	assert_true(fab_link_usable(cfg->fabric,
	    fab_config_link_find(cfg, "spine4-leaf1")) == 0);
	check_link(cfg, "leaf5-h5", "h5", "eth1", "leaf5", "eth5", 800e9, 2, 2,
	    FAB_UP);
	assert_int_equal(p->interval_ms, 200);
	assert_true(p->ewma_alpha == 0.5);
	assert_int_equal(p->quantisation, FAB_QUANT_BUCKETS);
	assert_int_equal(p->buckets, 128);
	assert_int_equal(p->flowlet_idle_gap_us, 20000);
	assert_int_equal(p->nflowlet_prefixes, 2);
	assert_int_equal(p->flowlet_prefixes[1].af, AF_INET);
	assert_int_equal(p->flowlet_prefixes[1].len, 24);
	inet_pton(AF_INET, "10.1.2.0", &a);
	assert_memory_equal(p->flowlet_prefixes[1].addr, &a, 4);
	assert_int_equal(p->max_moves_per_minute, 1200);
	assert_int_equal(p->max_paths, 4);
	assert_int_equal(p->max_prefixes, 1000);
	assert_int_equal(cfg->ntelemetry, 2);
	check_key_file(cfg->telemetry[0].curve_public_key_file,
	    "/examples/config/keys/controller.pub");
	check_key_file(cfg->telemetry[0].curve_secret_key_file,
	    "/examples/config/keys/controller.key");
	assert_null(cfg->telemetry[0].hmac_key_file);
	assert_string_equal(cfg->telemetry[1].address,
	    "ipc:///run/fabric/telemetry.sock");
	check_key_file(cfg->telemetry[1].hmac_key_file,
	    "/examples/config/keys/telemetry.hmac");
	check_key_file(cfg->probe[0].hmac_key_file,
	    "/examples/config/keys/probe.hmac");
	assert_int_equal(cfg->bgp.hold_time, 9);
	assert_int_equal(cfg->bgp.connect_retry, 1);
	fab_config_free(cfg);
}

static void
test_clos3_xml(void **state)
{
	struct fab_config	*cfg = load_ok(EXAMPLE("clos3-2pod.xml"));
	const struct fab_policy	*p = &cfg->policy;
	struct in6_addr		 a6;

	assert_int_equal(cfg->fabric->nnodes, 18);
	assert_int_equal(cfg->fabric->nlinks, 24);
	check_roles(cfg, 8, 4, 4, 2);
	assert_fabric_ok(cfg);
	check_node(cfg, "ss2", ROLE_SUPERSPINE, -1, 65000, "10.0.0.2",
	    "172.20.20.12");
	check_node(cfg, "pod2-spine1", ROLE_SPINE, 2, 65200, "10.2.0.1",
	    "172.20.20.17");
	check_node(cfg, "pod2-leaf2", ROLE_LEAF, 2, 65202, "10.2.1.2",
	    "172.20.20.20");
	check_node(cfg, "pod2-h4", ROLE_HOST, 2, 0, "", "");
	check_link(cfg, "pod1-spine2-ss1", "pod1-spine2", "eth3", "ss1",
	    "eth2", 800e9, 2, 2, FAB_UP);
	check_link(cfg, "pod2-leaf1-spine2", "pod2-leaf1", "eth2",
	    "pod2-spine2", "eth1", 400e9, 1, 1, FAB_UP);
	check_link(cfg, "pod1-leaf2-h4", "pod1-h4", "eth1", "pod1-leaf2",
	    "eth4", 400e9, 1, 1, FAB_UP);
	assert_int_equal(p->mode, FAB_MODE_PINNED);
	assert_int_equal(p->quantisation, FAB_QUANT_BUCKETS);
	assert_int_equal(p->buckets, 64);
	assert_true(p->ewma_alpha == 0.2);
	assert_true(p->min_change == 0.05);	/* the default */
	assert_int_equal(p->max_moves_per_minute, 300);
	assert_int_equal(p->max_paths, 64);
	assert_int_equal(p->nflowlet_prefixes, 2);
	assert_int_equal(p->flowlet_prefixes[1].af, AF_INET6);
	assert_int_equal(p->flowlet_prefixes[1].len, 48);
	inet_pton(AF_INET6, "2001:db8:100::", &a6);
	assert_memory_equal(p->flowlet_prefixes[1].addr, &a6, 16);
	assert_string_equal(cfg->telemetry[0].hmac_key_file,
	    "/etc/fabric/telemetry.hmac");
	assert_string_equal(cfg->probe[0].address, "tcp://[::]:7200");
	assert_string_equal(cfg->bgp.listen_address, "::");
	assert_string_equal(cfg->bgp.tcp_md5_key_file, "/etc/fabric/bgp.md5");
	fab_config_free(cfg);
}

static void
test_minimal(void **state)
{
	struct fab_config	*cfg = load_ok(GOOD("minimal.json"));

	assert_int_equal(cfg->fabric->nnodes, 5);
	assert_int_equal(cfg->fabric->nlinks, 4);
	/* defaults everywhere else */
	assert_int_equal(cfg->policy.mode, FAB_MODE_STATIC);
	assert_int_equal(cfg->ntelemetry, 0);
	assert_null(cfg->telemetry);
	assert_int_equal(cfg->nprobe, 0);
	assert_string_equal(cfg->bgp.listen_address, "");
	assert_int_equal(node(cfg, "h1")->pod, 1);
	assert_int_equal(node(cfg, "h1")->state, FAB_UP);
	assert_int_equal(fab_config_link_find(cfg, "nope"), FAB_NONE);
	fab_config_free(cfg);
}

/*
 * Dumping: the output loads again into the same configuration.
 */

static void
same_nodes(const struct fabric *x, const struct fabric *y)
{
	const struct fab_node	*a, *b;
	uint32_t		 i;

	assert_int_equal(x->nnodes, y->nnodes);
	for (i = 0; i < x->nnodes; i++) {
		a = &x->nodes[i];
		b = &y->nodes[i];
		assert_string_equal(a->name, b->name);
		assert_int_equal(a->role, b->role);
		assert_int_equal(a->state, b->state);
		assert_int_equal(a->pod, b->pod);
		assert_int_equal(a->asn, b->asn);
		assert_int_equal(a->gpus, b->gpus);
		assert_string_equal(a->loopback, b->loopback);
		assert_string_equal(a->bgp_addr, b->bgp_addr);
	}
}

static void
same_links(const struct fab_config *x, const struct fab_config *y)
{
	const struct fab_link	*a, *b;
	uint32_t		 i;

	assert_int_equal(x->fabric->nlinks, y->fabric->nlinks);
	for (i = 0; i < x->fabric->nlinks; i++) {
		a = &x->fabric->links[i];
		b = &y->fabric->links[i];
		assert_string_equal(x->link_names[i], y->link_names[i]);
		assert_int_equal(a->a, b->a);
		assert_int_equal(a->b, b->b);
		assert_string_equal(a->a_if, b->a_if);
		assert_string_equal(a->b_if, b->b_if);
		assert_true(a->capacity == b->capacity);
		assert_int_equal(a->members, b->members);
		assert_int_equal(a->members_up, b->members_up);
		assert_int_equal(a->state, b->state);
	}
}

static void
same_endpoints(const struct fab_endpoint *a, const struct fab_endpoint *b,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_string_equal(a[i].address, b[i].address);
		assert_true((a[i].hmac_key_file == NULL) ==
		    (b[i].hmac_key_file == NULL));
		if (a[i].hmac_key_file != NULL)
			assert_string_equal(a[i].hmac_key_file,
			    b[i].hmac_key_file);
		if (a[i].curve_secret_key_file != NULL)
			assert_string_equal(a[i].curve_secret_key_file,
			    b[i].curve_secret_key_file);
	}
}

static void
same_policy(const struct fab_policy *a, const struct fab_policy *b)
{
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->interval_ms, b->interval_ms);
	assert_int_equal(a->telemetry_stale_ms, b->telemetry_stale_ms);
	assert_true(a->ewma_alpha == b->ewma_alpha);
	assert_true(a->min_change == b->min_change);
	assert_true(a->max_step == b->max_step);
	assert_true(a->hysteresis == b->hysteresis);
	assert_int_equal(a->quantisation, b->quantisation);
	assert_int_equal(a->buckets, b->buckets);
	assert_int_equal(a->flowlet_idle_gap_us, b->flowlet_idle_gap_us);
	assert_int_equal(a->nflowlet_prefixes, b->nflowlet_prefixes);
	if (a->nflowlet_prefixes > 0)
		assert_memory_equal(a->flowlet_prefixes, b->flowlet_prefixes,
		    a->nflowlet_prefixes * sizeof(struct fab_prefix));
	assert_int_equal(a->max_moves_per_minute, b->max_moves_per_minute);
	assert_int_equal(a->max_paths, b->max_paths);
	assert_int_equal(a->max_prefixes, b->max_prefixes);
}

static void
same_bgp(const struct fab_bgp_config *a, const struct fab_bgp_config *b)
{
	assert_int_equal(a->local_as, b->local_as);
	assert_int_equal(a->router_id_h, b->router_id_h);
	assert_string_equal(a->listen_address, b->listen_address);
	assert_int_equal(a->listen_port, b->listen_port);
	assert_int_equal(a->hold_time, b->hold_time);
	assert_int_equal(a->connect_retry, b->connect_retry);
	assert_int_equal(a->graceful_restart_time,
	    b->graceful_restart_time);
	assert_true((a->tcp_md5_key_file == NULL) ==
	    (b->tcp_md5_key_file == NULL));
}

static void
roundtrip(const char *path)
{
	struct fab_config	*a = load_ok(path), *b;
	char			 tmp[] = "/tmp/test_config_XXXXXX.json";
	FILE			*fp;
	int			 fd;

	assert_true((fd = mkstemps(tmp, 5)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(fab_config_dump_json(a, fp), 0);
	fclose(fp);
	b = load_ok(tmp);
	unlink(tmp);
	same_nodes(a->fabric, b->fabric);
	same_links(a, b);
	same_policy(&a->policy, &b->policy);
	assert_int_equal(a->ntelemetry, b->ntelemetry);
	same_endpoints(a->telemetry, b->telemetry, a->ntelemetry);
	assert_int_equal(a->nprobe, b->nprobe);
	same_endpoints(a->probe, b->probe, a->nprobe);
	same_bgp(&a->bgp, &b->bgp);
	assert_int_equal(a->njobs, b->njobs);
	assert_int_equal(a->nflows, b->nflows);
	for (size_t i = 0; i < a->nflows; i++) {
		assert_int_equal(a->flows[i].job, b->flows[i].job);
		assert_int_equal(a->flows[i].src, b->flows[i].src);
		assert_int_equal(a->flows[i].dst, b->flows[i].dst);
		assert_true(fab_prefix_eq(&a->flows[i].addr, &b->flows[i].addr));
		assert_float_equal(a->flows[i].rate, b->flows[i].rate, 0.5);
	}
	fab_config_free(a);
	fab_config_free(b);
}

static void
test_dump_roundtrip(void **state)
{
	roundtrip(EXAMPLE("pod-2s4l.json"));
	roundtrip(EXAMPLE("pod-4s8l.json"));
	roundtrip(EXAMPLE("clos3-2pod.xml"));
	roundtrip(GOOD("minimal.json"));
	roundtrip(GOOD("jobs.json"));
}

static void
test_jobs(void **state)
{
	struct fab_config	*cfg = load_ok(GOOD("jobs.json"));

	(void)state;
	assert_int_equal(cfg->policy.mode, FAB_MODE_PINNED);
	assert_int_equal(cfg->njobs, 2);
	assert_string_equal(cfg->job_names[1], "moe");
	assert_int_equal(cfg->nflows, 3);
	assert_int_equal(cfg->flows[2].job, 1);
	assert_int_equal(cfg->flows[2].src, fab_node_find(cfg->fabric, "h2"));
	assert_int_equal(cfg->flows[2].addr.len, 32);
	assert_float_equal(cfg->flows[2].rate, 100e9, 1);
	fab_config_free(cfg);
}

/*
 * Files, formats and the module's location
 */

/* Copies SRC to a new temporary file named with SUFFIX. */
static void
copy_to_tmp(const char *src, char *tmp, int suffixlen)
{
	char	 buf[4096];
	FILE	*in, *out;
	size_t	 n;
	int	 fd;

	assert_true((fd = mkstemps(tmp, suffixlen)) != -1);
	assert_non_null(out = fdopen(fd, "w"));
	assert_non_null(in = fopen(src, "r"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
}

/* No known extension: the first character tells JSON from XML. */
static void
test_sniff_format(void **state)
{
	struct fab_config	*cfg;
	char			 tj[] = "/tmp/test_config_XXXXXX.conf";
	char			 tx[] = "/tmp/test_config_XXXXXX.conf";

	copy_to_tmp(GOOD("minimal.json"), tj, 5);
	copy_to_tmp(EXAMPLE("clos3-2pod.xml"), tx, 5);
	cfg = load_ok(tj);
	assert_int_equal(cfg->fabric->nnodes, 5);
	fab_config_free(cfg);
	cfg = load_ok(tx);
	assert_int_equal(cfg->fabric->nnodes, 18);
	fab_config_free(cfg);
	unlink(tj);
	unlink(tx);
}

static void
expect_error(const char *path, const char *want)
{
	struct fab_config	*cfg = (struct fab_config *)&cfg;
	char			 err[ERR_MAX] = "";

	assert_int_equal(fab_config_load(path, &cfg, err, sizeof(err)), -1);
	assert_ptr_equal(cfg, (struct fab_config *)&cfg);
	if (strstr(err, want) == NULL)
		fail_msg("%s: got \"%s\", expected \"%s\"", path, err, want);
}

static void
test_unknown_format(void **state)
{
	char	 tmp[] = "/tmp/test_config_XXXXXX.conf";
	FILE	*fp;
	int	 fd;

	assert_true((fd = mkstemps(tmp, 5)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "fabric:\n  node: []\n");
	fclose(fp);
	expect_error(tmp, "neither JSON ('{') nor XML ('<')");
	unlink(tmp);
}

static void
test_missing_file(void **state)
{
	expect_error(GOOD("no-such.json"), "no-such.json: cannot open: No "
	    "such file or directory");
	expect_error(TEST_DATADIR "/config/good", "not a regular file");
}

static void
test_yang_dir_env(void **state)
{
	assert_int_equal(setenv(FAB_YANG_ENV, TEST_DATADIR, 1), 0);
	expect_error(GOOD("minimal.json"), "cannot read the YANG module "
	    TEST_DATADIR "/fabric.yang (FABRIC_YANG_DIR is set)");
	assert_int_equal(setenv(FAB_YANG_ENV, YANG_DIR, 1), 0);
}

/* A failed reload leaves the running configuration as it was. */
static void
test_transactional(void **state)
{
	struct fab_config	*cfg = load_ok(GOOD("minimal.json")), *old;
	char			 err[ERR_MAX];

	old = cfg;
	assert_int_equal(fab_config_load(BADDIR "/host-two-links.json", &cfg,
	    err, sizeof(err)), -1);
	assert_ptr_equal(cfg, old);
	assert_int_equal(cfg->fabric->nnodes, 5);
	assert_string_equal(cfg->fabric->nodes[0].name, "s1");
	assert_int_equal(fab_config_load(BADDIR "/syntax.json", &cfg, err,
	    sizeof(err)), -1);
	assert_ptr_equal(cfg, old);
	fab_config_free(cfg);
}

/* A short error buffer is cut, not overrun. */
static void
test_short_errbuf(void **state)
{
	struct fab_config	*cfg = NULL;
	char			 err[16];

	memset(err, 'x', sizeof(err));
	assert_int_equal(fab_config_load(BADDIR "/capacity-zero.json", &cfg,
	    err, 12), -1);
	assert_int_equal(strlen(err), 11);
	assert_int_equal(err[12], 'x');
	assert_null(cfg);
}

static void
test_bandwidth_parse(void **state)
{
	static const struct {
		const char	*s;
		double		 bps;	/* 0: refused */
	} cases[] = {
		{ "400G", 400e9 }, { "1.6T", 1.6e12 }, { "100M", 100e6 },
		{ "10K", 10e3 }, { "5", 5 }, { "400000000000", 400e9 },
		{ "2.5", 2.5 }, { "0", 0 }, { "0.0G", 0 }, { "G", 0 },
		{ "400X", 0 }, { "400GG", 0 }, { "400g", 0 }, { "", 0 },
		{ "-1G", 0 }, { " 1G", 0 }, { "1e3", 0 },
	};
	size_t	i;
	double	v;

	assert_int_equal(fab_bandwidth_parse(NULL, &v), -1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = -1;
		if (cases[i].bps == 0) {
			if (fab_bandwidth_parse(cases[i].s, &v) != -1)
				fail_msg("\"%s\" parsed as %g", cases[i].s, v);
			continue;
		}
		if (fab_bandwidth_parse(cases[i].s, &v) != 0)
			fail_msg("\"%s\" refused", cases[i].s);
		assert_true(fabs(v - cases[i].bps) <= cases[i].bps * 1e-12);
	}
}

static void
test_names(void **state)
{
	assert_string_equal(fab_mode_str(FAB_MODE_STATIC), "static");
	assert_string_equal(fab_mode_str(FAB_MODE_PINNED), "pinned");
	assert_string_equal(fab_mode_str((enum fab_mode)7), "?");
	assert_string_equal(fab_quant_str(FAB_QUANT_BUCKETS), "buckets");
	assert_string_equal(fab_quant_str((enum fab_quant)7), "?");
}

/*
 * The bad fixtures
 */

static void
test_bad_file(void **state)
{
	const char		*path = *state;
	struct fab_config	*cfg = (struct fab_config *)&cfg;
	char			 err[ERR_MAX] = "";

	if (fab_config_load(path, &cfg, err, sizeof(err)) != -1)
		fail_msg("%s loaded", path);
	assert_ptr_equal(cfg, (struct fab_config *)&cfg);
	if (strncmp(err, path, strlen(path)) != 0)
		fail_msg("error \"%s\" does not start with the file name", err);
	fixture_expect_sidecar(path, err);
}

/* One test per fixture in bad/, named after the file. */
static int
run_bad_tests(void)
{
	static const char *const suffixes[] = { ".json", ".xml", NULL };

	return fixture_tests_run("config_bad_fixtures", BADDIR, suffixes, test_bad_file,
	    BAD_MIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_2s4l),
		cmocka_unit_test(test_pod_4s8l),
		cmocka_unit_test(test_clos3_xml),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_jobs),
		cmocka_unit_test(test_sniff_format),
		cmocka_unit_test(test_unknown_format),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_yang_dir_env),
		cmocka_unit_test(test_transactional),
		cmocka_unit_test(test_short_errbuf),
		cmocka_unit_test(test_bandwidth_parse),
		cmocka_unit_test(test_names),
	};
	int	 r;

	/* the module of this source tree, not an installed one */
	if (setenv(FAB_YANG_ENV, YANG_DIR, 1) == -1)
		return 1;
	r = cmocka_run_group_tests_name("config", tests, NULL, NULL);
	r += run_bad_tests();
	return r != 0;
}
