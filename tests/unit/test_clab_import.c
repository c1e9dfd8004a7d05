/*
 * Unit tests for fabric/clab_import.c: a fabric model from a containerlab
 * topology, with roles maps and capacities files.
 *
 * The two example topologies import by their node names; fixtures in
 * tests/data/clab_import cover three tiers, a roles map and a capacities
 * file.  Every bad side file (NAME.roles or NAME.caps in
 * tests/data/clab_import/bad, applied to the pod-2s4l example) starts with
 * the line "# expect: TEXT" (a comment to the importer): importing must
 * fail, the error must start with a file's name and contain TEXT, line
 * included.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"

#include "clab.h"
#include "clab_import.h"
#include "fabric.h"
#include "log.h"

#ifndef TEST_DATADIR
#error "TEST_DATADIR must name tests/data"
#endif
#ifndef EXAMPLES_DIR
#error "EXAMPLES_DIR must name examples/"
#endif

#define POD2	EXAMPLES_DIR "/pod-2s4l-unnumbered/pod-2s4l.clab.yml"
#define POD4	EXAMPLES_DIR "/pod-4s8l-numbered/pod-4s8l.clab.yml"
#define DATA(f)	TEST_DATADIR "/clab_import/" f
#define BADDIR	TEST_DATADIR "/clab_import/bad"
#define ERR_MAX	2048
#define BAD_MIN	15

static struct clab_topo *
topo(const char *path)
{
	struct clab_topo	*t = clab_load(path);

	if (t == NULL)
		fail_msg("%s does not load", path);
	return t;
}

/* Imports PATH; the fabric, checked with fab_check(). */
static struct fabric *
import_ok(const char *path, const char *roles, const char *caps,
    double dflt)
{
	struct clab_topo	*t = topo(path);
	struct fabric		*f = NULL;
	char			 err[ERR_MAX] = "";

	if (fab_import_clab(t, roles, caps, dflt, &f, err, sizeof(err)) == -1)
		fail_msg("%s: %s", path, err);
	clab_free(t);
	assert_non_null(f);
	if (fab_check(f, err, sizeof(err)) == -1)
		fail_msg("%s: fab_check: %s", path, err);
	return f;
}

/* Importing fails, *out stays as it was, and ERR has WANT. */
static void
import_fails(const char *path, const char *roles, const char *caps,
    double dflt, const char *want)
{
	struct clab_topo	*t = topo(path);
	struct fabric		*f = (struct fabric *)&f;
	char			 err[ERR_MAX] = "";

	assert_int_equal(fab_import_clab(t, roles, caps, dflt, &f, err,
	    sizeof(err)), -1);
	clab_free(t);
	assert_ptr_equal(f, (struct fabric *)&f);
	if (strstr(err, want) == NULL)
		fail_msg("got \"%s\", expected \"%s\"", err, want);
}

static const struct fab_node *
node(const struct fabric *f, const char *name)
{
	uint32_t	i = fab_node_find(f, name);

	if (i == FAB_NONE)
		fail_msg("no node %s", name);
	return &f->nodes[i];
}

static void
check_node(const struct fabric *f, const char *name, enum fab_role r,
    int32_t pod)
{
	const struct fab_node	*n = node(f, name);

	if (n->role != r || n->pod != pod)
		fail_msg("%s: %s in pod %d, expected %s in pod %d", name,
		    fab_role_str(n->role), n->pod, fab_role_str(r), pod);
}

static void
check_roles(const struct fabric *f, uint32_t hosts, uint32_t leaves,
    uint32_t spines, uint32_t ss)
{
	uint32_t	n[4] = { 0 }, i;

	for (i = 0; i < f->nnodes; i++)
		n[f->nodes[i].role]++;
	assert_int_equal(n[ROLE_HOST], hosts);
	assert_int_equal(n[ROLE_LEAF], leaves);
	assert_int_equal(n[ROLE_SPINE], spines);
	assert_int_equal(n[ROLE_SUPERSPINE], ss);
}

/* The link LOWER:LIF -- UPPER:UIF (lower tier first) and its capacity. */
static void
check_link(const struct fabric *f, const char *lower, const char *lif,
    const char *upper, const char *uif, double cap)
{
	uint32_t		 a = fab_node_find(f, lower);
	uint32_t		 b = fab_node_find(f, upper), i;
	const struct fab_link	*l;

	for (i = 0; i < f->nlinks; i++) {
		l = &f->links[i];
		if (l->a != a || l->b != b || strcmp(l->a_if, lif) != 0)
			continue;
		assert_string_equal(l->b_if, uif);
		if (l->capacity != cap)
			fail_msg("%s:%s -- %s:%s: capacity %g, expected %g",
			    lower, lif, upper, uif, l->capacity, cap);
		assert_int_equal(l->members, 1);
		return;
	}
	fail_msg("no link %s:%s -- %s:%s", lower, lif, upper, uif);
}

static void
test_pod_2s4l(void **state)
{
	struct fabric		*f = import_ok(POD2, NULL, NULL, 400e9);
	const struct fab_node	*n;
	uint32_t		 i;

	assert_int_equal(f->nnodes, 10);
	assert_int_equal(f->nlinks, 12);
	check_roles(f, 4, 4, 2, 0);
	for (i = 0; i < f->nnodes; i++)
		assert_int_equal(f->nodes[i].pod, 0);
	for (i = 0; i < f->nlinks; i++)
		assert_true(f->links[i].capacity == 400e9);
	/* from mgmt-ipv4 and frr.conf */
	n = node(f, "spine2");
	assert_int_equal(n->asn, 65000);
	assert_string_equal(n->loopback, "10.0.0.2");
	assert_string_equal(n->bgp_addr, "172.20.20.12");
	n = node(f, "leaf3");
	assert_int_equal(n->asn, 65003);
	assert_string_equal(n->loopback, "10.0.1.3");
	assert_string_equal(n->bgp_addr, "172.20.20.103");
	n = node(f, "h4");
	assert_int_equal(n->asn, 0);
	assert_string_equal(n->bgp_addr, "");
	check_link(f, "leaf4", "eth2", "spine2", "eth4", 400e9);
	check_link(f, "h1", "eth1", "leaf1", "eth3", 400e9);
	fab_free(f);
}

static void
test_pod_4s8l(void **state)
{
	struct fabric		*f = import_ok(POD4, NULL, NULL, 100e9);
	const struct fab_node	*n;

	assert_int_equal(f->nnodes, 20);
	assert_int_equal(f->nlinks, 40);
	check_roles(f, 8, 8, 4, 0);
	n = node(f, "leaf5");
	assert_int_equal(n->asn, 65005);
	/* the loopback, not a /31 of a fabric link */
	assert_string_equal(n->loopback, "10.0.1.5");
	assert_string_equal(n->bgp_addr, "172.20.20.105");
	check_link(f, "leaf7", "eth3", "spine3", "eth7", 100e9);
	check_link(f, "h8", "eth1", "leaf8", "eth5", 100e9);
	assert_int_equal(node(f, "spine4")->nadj, 8);
	assert_int_equal(node(f, "leaf1")->nadj, 5);
	fab_free(f);
}

static void
test_clos3_names(void **state)
{
	struct fabric	*f = import_ok(DATA("clos3.clab.yml"), NULL, NULL,
			    400e9);

	assert_int_equal(f->nnodes, 14);
	assert_int_equal(f->nlinks, 20);
	check_roles(f, 4, 4, 4, 2);
	check_node(f, "ss1", ROLE_SUPERSPINE, -1);
	check_node(f, "super-spine2", ROLE_SUPERSPINE, -1);
	check_node(f, "pod1-spine2", ROLE_SPINE, 1);
	check_node(f, "pod2-leaf1", ROLE_LEAF, 2);
	check_node(f, "pod2-h2", ROLE_HOST, 2);
	assert_string_equal(node(f, "super-spine2")->bgp_addr,
	    "172.20.20.12");
	check_link(f, "pod2-spine1", "eth4", "super-spine2", "eth3", 400e9);
	fab_free(f);
}

static void
test_roles_map(void **state)
{
	struct fabric	*f;

	import_fails(DATA("opaque.clab.yml"), NULL, NULL, 400e9,
	    "opaque.clab.yml:9: cannot tell the role of node 'tor1': name "
	    "it leaf*, spine*, super-spine* or ssN, or list it in a roles "
	    "map");
	f = import_ok(DATA("opaque.clab.yml"), DATA("opaque.roles"), NULL,
	    400e9);
	check_roles(f, 2, 2, 1, 0);
	check_node(f, "agg1", ROLE_SPINE, 3);
	check_node(f, "tor1", ROLE_LEAF, 3);
	check_node(f, "tor2", ROLE_LEAF, 3);
	/* gpu1 from the map, gpu2 from its kind; both in their leaf's pod */
	check_node(f, "gpu1", ROLE_HOST, 3);
	check_node(f, "gpu2", ROLE_HOST, 3);
	fab_free(f);
}

static void
test_capacities(void **state)
{
	struct fabric	*f;

	f = import_ok(POD2, NULL, DATA("pod-2s4l.caps"), 0);

	check_link(f, "leaf4", "eth2", "spine2", "eth4", 1.6e12);
	check_link(f, "leaf4", "eth1", "spine1", "eth4", 800e9);
	check_link(f, "leaf1", "eth2", "spine2", "eth1", 800e9);
	check_link(f, "h3", "eth1", "leaf3", "eth3", 200e9);
	fab_free(f);
	/* the default fills in what the file leaves out */
	f = import_ok(POD2, NULL, DATA("uplinks-only.caps"), 100e9);
	check_link(f, "leaf2", "eth1", "spine1", "eth2", 400e9);
	check_link(f, "h2", "eth1", "leaf2", "eth3", 100e9);
	fab_free(f);
}

static void
test_no_capacity(void **state)
{
	import_fails(POD2, NULL, DATA("uplinks-only.caps"), 0,
	    "pod-2s4l.clab.yml:105: link leaf1:eth3 -- h1:eth1 has no "
	    "capacity: no capacities line matches it and there is no "
	    "default");
	import_fails(POD2, NULL, NULL, 0, "has no capacity");
}

static void
test_missing_files(void **state)
{
	import_fails(POD2, DATA("no-such.roles"), NULL, 400e9,
	    "no-such.roles: cannot open: No such file or directory");
	import_fails(POD2, NULL, DATA("no-such.caps"), 400e9,
	    "no-such.caps: cannot open: No such file or directory");
}

static void
test_bad_file(void **state)
{
	const char		*path = *state;
	int			 roles = has_suffix(path, ".roles");
	struct clab_topo	*t = topo(POD2);
	struct fabric		*f = (struct fabric *)&f;
	char			 expect[1024], err[ERR_MAX] = "";

	fixture_read_expect(path, expect, sizeof(expect));
	if (fab_import_clab(t, roles ? path : NULL, roles ? NULL : path,
	    400e9, &f, err, sizeof(err)) != -1)
		fail_msg("%s imported, expected \"%s\"", path, expect);
	clab_free(t);
	assert_ptr_equal(f, (struct fabric *)&f);
	if (strncmp(err, path, strlen(path)) != 0 &&
	    strncmp(err, POD2, strlen(POD2)) != 0)
		fail_msg("error \"%s\" does not start with a file name", err);
	if (strstr(err, expect) == NULL)
		fail_msg("got \"%s\", expected \"%s\"", err, expect);
}

/* One test per fixture in bad/, named after the file. */
static int
run_bad_tests(void)
{
	static const char *const suffixes[] = { ".roles", ".caps", NULL };

	return fixture_tests_run("clab_import_bad_fixtures", BADDIR, suffixes, test_bad_file,
	    BAD_MIN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_2s4l),
		cmocka_unit_test(test_pod_4s8l),
		cmocka_unit_test(test_clos3_names),
		cmocka_unit_test(test_roles_map),
		cmocka_unit_test(test_capacities),
		cmocka_unit_test(test_no_capacity),
		cmocka_unit_test(test_missing_files),
	};
	int	 r;

	log_init(LOG_TO_STDERR, 0);
	r = cmocka_run_group_tests_name("clab_import", tests, NULL, NULL);
	r += run_bad_tests();
	return r != 0;
}
