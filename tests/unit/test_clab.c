/*
 * Unit tests for fabric/clab.c, the containerlab topology reader.
 *
 * Good fixtures (tests/data/clab/good) are loaded and their model checked
 * field by field.  Every bad fixture (tests/data/clab/bad, found with
 * opendir so that a new file is a new test) starts with the line
 * "# expect: TEXT": loading it must fail, and TEXT, line number included,
 * must appear among the messages written to stderr.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixtures.h"

#include "clab.h"
#include "log.h"

#ifndef TEST_DATADIR
#error "TEST_DATADIR must name tests/data"
#endif

#define GOOD(f)		TEST_DATADIR "/clab/good/" f
#define BADDIR		TEST_DATADIR "/clab/bad"
#define OUT_MAX		8192


/* clab_load with its messages captured into OUT. */
static struct clab_topo *
load_quiet(const char *path, char *out, size_t outlen)
{
	struct clab_topo	*t;

	capture_begin();
	t = clab_load(path);
	capture_end(out, outlen);
	return t;
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

static void
assert_suffix(const char *s, const char *suffix)
{
	size_t	 ls, lx = strlen(suffix);

	if (s == NULL)
		fail_msg("NULL, expected a path ending in \"%s\"", suffix);
	ls = strlen(s);
	if (ls < lx || strcmp(s + ls - lx, suffix) != 0)
		fail_msg("\"%s\" does not end in \"%s\"", s, suffix);
}

static void
assert_regular_file(const char *path)
{
	struct stat	 st;

	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

struct want_node {
	const char	*name;
	const char	*kind_name;
	enum clab_kind	 kind;
	const char	*image;		/* NULL: none */
	const char	*frr_conf;	/* suffix of the path, NULL: none */
	const char	*frr_daemons;	/* suffix of the path, NULL: none */
	const char	*mgmt_ipv4;
	const char	*nsname;
	int		 line;
	const char	*exec[4];	/* NULL-terminated */
};

struct want_link {
	const char	*node[2];
	const char	*ifname[2];
	int		 line;
};

static void
check_frr_path(const char *got, const char *want)
{
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_suffix(got, want);
	assert_regular_file(got);
}

static void
check_node(const struct clab_topo *t, const struct want_node *w)
{
	const struct clab_node	*n;
	char			 ns[CLAB_NSNAME_MAX];
	int			 idx, i;

	if ((idx = clab_node_find(t, w->name)) == -1)
		fail_msg("node '%s' not found", w->name);
	n = &t->nodes[idx];
	assert_string_equal(n->name, w->name);
	assert_string_equal(n->kind_name, w->kind_name);
	assert_int_equal(n->kind, w->kind);
	if (w->image == NULL)
		assert_null(n->image);
	else
		assert_string_equal(n->image, w->image);
	check_frr_path(n->frr_conf, w->frr_conf);
	check_frr_path(n->frr_daemons, w->frr_daemons);
	assert_string_equal(n->mgmt_ipv4, w->mgmt_ipv4);
	assert_int_equal(clab_nsname(t, n, ns, sizeof(ns)), 0);
	assert_string_equal(ns, w->nsname);
	assert_int_equal(n->line, w->line);
	for (i = 0; w->exec[i] != NULL; i++) {
		assert_true(i < n->nexec);
		assert_string_equal(n->exec[i], w->exec[i]);
	}
	assert_int_equal(n->nexec, i);
}

static void
check_nodes(const struct clab_topo *t, const struct want_node *w, int n)
{
	int	 i;

	assert_int_equal(t->nnodes, n);
	for (i = 0; i < n; i++) {
		/* The model keeps the order of the file. */
		assert_string_equal(t->nodes[i].name, w[i].name);
		check_node(t, &w[i]);
	}
}

static void
check_links(const struct clab_topo *t, const struct want_link *w, int n)
{
	const struct clab_link	*l;
	int			 i, j;

	assert_int_equal(t->nlinks, n);
	for (i = 0; i < n; i++) {
		l = &t->links[i];
		assert_int_equal(l->line, w[i].line);
		for (j = 0; j < 2; j++) {
			assert_string_equal(l->ep[j].node, w[i].node[j]);
			assert_string_equal(l->ep[j].ifname, w[i].ifname[j]);
			assert_int_equal(l->ep[j].node_idx,
			    clab_node_find(t, w[i].node[j]));
			assert_string_equal(t->nodes[l->ep[j].node_idx].name,
			    w[i].node[j]);
		}
	}
}

/* Loads a good fixture: no error, and exactly NWARN warnings. */
static struct clab_topo *
load_good(const char *path, int nwarn, char *out, size_t outlen)
{
	struct clab_topo	*t;

	t = load_quiet(path, out, outlen);
	if (t == NULL)
		fail_msg("%s did not load:\n%s", path, out);
	assert_null(strstr(out, "error"));
	assert_int_equal(t->nwarnings, nwarn);
	assert_string_equal(t->path, path);
	return t;
}

static void
test_basic(void **state)
{
	static const struct want_node nodes[] = {
		{ "r1", "frr", CLAB_KIND_FRR, "quay.io/frrouting/frr:10.1.0",
		    "/good/cfg/r1/frr.conf", "/good/cfg/r1/daemons",
		    "10.99.0.11", "clab-basic-r1", 10, { NULL } },
		/* kind linux, FRR by image; frr.conf from startup-config */
		{ "r2", "linux", CLAB_KIND_FRR, "quay.io/frrouting/frr:10.1.0",
		    "/good/cfg/r2.conf", NULL, "", "clab-basic-r2", 16,
		    { NULL } },
		{ "h1", "linux", CLAB_KIND_LINUX, "alpine:3.20", NULL, NULL,
		    "", "clab-basic-h1", 20,
		    { "ip addr add 192.0.2.1/24 dev eth1",
		    "ip route add default via 192.0.2.254", NULL } },
	};
	static const struct want_link links[] = {
		{ { "r1", "r2" }, { "eth1", "eth1" }, 27 },
		{ { "r1", "h1" }, { "eth2", "eth1" }, 29 },
	};
	struct clab_topo	*t;
	char			 out[OUT_MAX];

	t = load_good(GOOD("basic.clab.yml"), 0, out, sizeof(out));
	assert_string_equal(out, "");
	assert_string_equal(t->name, "basic");
	assert_string_equal(t->nsprefix, "clab-basic-");
	assert_string_equal(t->mgmt_subnet, "10.99.0.0/24");
	assert_string_equal(t->dir, TEST_DATADIR "/clab/good");
	check_nodes(t, nodes, 3);
	check_links(t, links, 2);
	assert_int_equal(clab_node_find(t, "r3"), -1);
	clab_free(t);
}

static void
test_inherit(void **state)
{
	static const struct want_node nodes[] = {
		/* image, /etc/frr directory and exec from kinds.frr */
		{ "spine1", "frr", CLAB_KIND_FRR,
		    "quay.io/frrouting/frr:9.1.0", "/good/cfg/r1/frr.conf",
		    "/good/cfg/daemons", "", "inherit-spine1", 29,
		    { "echo from-kind", NULL } },
		/* its /etc/frr replaces the kind's: no daemons file */
		{ "spine2", "frr", CLAB_KIND_FRR, "frrouting/frr:v8.4.0",
		    "/good/cfg/shared/frr.conf", NULL, "", "inherit-spine2", 33,
		    { NULL } },
		/* all through a merge key: FRR by image */
		{ "leaf1", "linux", CLAB_KIND_FRR,
		    "quay.io/frrouting/frr:10.1.0", NULL, NULL, "",
		    "inherit-leaf1", 39,
		    { "sysctl -w net.ipv4.ip_forward=1", NULL } },
		/* a list of merges; its own image wins */
		{ "leaf2", "linux", CLAB_KIND_LINUX, "alpine:edge", NULL, NULL,
		    "172.20.20.31", "inherit-leaf2", 41,
		    { "sysctl -w net.ipv4.ip_forward=1", NULL } },
		/* empty: everything from topology.defaults */
		{ "h1", "linux", CLAB_KIND_LINUX, "alpine:3.20", NULL, NULL, "",
		    "inherit-h1", 44, { "echo from-defaults", NULL } },
		{ "h2", "linux", CLAB_KIND_LINUX, "alpine:3.20", NULL, NULL, "",
		    "inherit-h2", 46, { "echo from-defaults", NULL } },
	};
	static const struct want_link links[] = {
		{ { "spine1", "leaf1" }, { "eth1", "eth1" }, 48 },
		{ { "spine2", "leaf1" }, { "eth1", "eth2" }, 49 },
		{ { "leaf1", "h1" }, { "eth3", "eth1" }, 50 },
		{ { "leaf2", "h2" }, { "eth1", "eth1" }, 51 },
	};
	struct clab_topo	*t;
	char			 out[OUT_MAX];

	t = load_good(GOOD("inherit.clab.yml"), 0, out, sizeof(out));
	assert_string_equal(t->name, "inherit");
	assert_string_equal(t->nsprefix, "inherit-");
	assert_string_equal(t->mgmt_subnet, "172.20.20.0/24");
	check_nodes(t, nodes, 6);
	check_links(t, links, 4);
	clab_free(t);
}

static void
test_frr_detect(void **state)
{
	static const struct want_node nodes[] = {
		{ "by-kind", "frr", CLAB_KIND_FRR, NULL, NULL, NULL, "",
		    "by-kind", 7, { NULL } },
		{ "by-image", "linux", CLAB_KIND_FRR,
		    "docker.io/frrouting/frr:v9.1.0", NULL, NULL, "",
		    "by-image", 9, { NULL } },
		{ "by-dir", "linux", CLAB_KIND_FRR, "alpine:3.20",
		    "/good/cfg/r1/frr.conf", "/good/cfg/r1/daemons", "",
		    "by-dir", 12, { NULL } },
		{ "by-file", "linux", CLAB_KIND_FRR, "alpine:3.20",
		    "/good/cfg/r2.conf", "/good/cfg/daemons", "", "by-file", 17,
		    { NULL } },
		{ "by-startup", "frr", CLAB_KIND_FRR, NULL,
		    "/good/cfg/startup.conf", NULL, "", "by-startup", 23,
		    { NULL } },
		/* startup-config over the directory's frr.conf */
		{ "startup-wins", "frr", CLAB_KIND_FRR, NULL,
		    "/good/cfg/r2.conf", "/good/cfg/r1/daemons", "",
		    "startup-wins", 26, { NULL } },
		/* a file bind over the directory, though listed first */
		{ "file-over-dir", "frr", CLAB_KIND_FRR, NULL,
		    "/good/cfg/r2.conf", "/good/cfg/r1/daemons", "",
		    "file-over-dir", 31, { NULL } },
		{ "host1", "linux", CLAB_KIND_LINUX, "alpine:3.20", NULL, NULL,
		    "", "host1", 37, { NULL } },
	};
	static const struct want_link links[] = {
		{ { "by-kind", "by-image" }, { "eth1", "eth1" }, 41 },
		{ { "by-dir", "by-file" }, { "eth1", "eth1" }, 42 },
		{ { "by-startup", "startup-wins" }, { "eth1", "eth1" }, 43 },
		{ { "host1", "by-kind" }, { "eth1", "eth2" }, 44 },
		{ { "file-over-dir", "by-kind" }, { "eth1", "eth3" }, 45 },
	};
	struct clab_topo	*t;
	char			 out[OUT_MAX];

	t = load_good(GOOD("frr-detect.clab.yml"), 0, out, sizeof(out));
	assert_string_equal(t->name, "detect");
	assert_string_equal(t->nsprefix, "");
	check_nodes(t, nodes, 8);
	check_links(t, links, 5);
	clab_free(t);
}

static void
test_extended(void **state)
{
	static const struct want_node nodes[] = {
		/* binds from defaults, kinds.frr and the node */
		{ "a", "frr", CLAB_KIND_FRR, NULL, "/good/cfg/r1/frr.conf",
		    "/good/cfg/r1/daemons", "192.168.50.10", "lab-ext-a", 17,
		    { NULL } },
		{ "b", "linux", CLAB_KIND_LINUX, "alpine:3.20", NULL, NULL, "",
		    "lab-ext-b", 24, { NULL } },
	};
	static const struct want_link links[] = {
		{ { "a", "b" }, { "eth1", "eth1" }, 30 },
		{ { "a", "b" }, { "eth2", "eth2" }, 36 },
		{ { "b", "a" }, { "eth3", "eth3" }, 39 },
	};
	struct clab_topo	*t;
	char			 out[OUT_MAX];

	t = load_good(GOOD("extended.clab.yml"), 4, out, sizeof(out));
	assert_string_equal(t->name, "ext");
	assert_string_equal(t->nsprefix, "lab-ext-");
	assert_string_equal(t->mgmt_subnet, "192.168.50.0/24");
	check_nodes(t, nodes, 2);
	check_links(t, links, 3);
	assert_contains(out, "extended.clab.yml:20: warning: 'a': 'env' is "
	    "not supported by the namespace runner and is ignored");
	/* the node's "/data:ro" replaced the defaults' "/data": one warning */
	assert_contains(out, "extended.clab.yml:23: warning: node 'a': bind "
	    "onto '/data' is ignored");
	assert_null(strstr(out, "extended.clab.yml:11: warning: node 'a'"));
	assert_contains(out, "extended.clab.yml:11: warning: node 'b': bind "
	    "onto '/data' is ignored");
	assert_contains(out, "extended.clab.yml:27: warning: node 'b': "
	    "startup-config is ignored on a linux node without FRR");
	clab_free(t);
}

/* A relative path: FRR files resolve against the file's directory. */
static void
test_relative_path(void **state)
{
	struct clab_topo	*t;
	char			 cwd[PATH_MAX], out[OUT_MAX];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(TEST_DATADIR "/clab"), 0);
	t = load_quiet("good/basic.clab.yml", out, sizeof(out));
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(t);
	assert_string_equal(t->dir, "good");
	assert_string_equal(t->nodes[0].frr_conf, "good/cfg/r1/frr.conf");
	assert_string_equal(t->nodes[1].frr_conf, "good/cfg/r2.conf");
	clab_free(t);
}

static void
test_nsname_short_buffer(void **state)
{
	struct clab_topo	*t;
	char			 out[OUT_MAX], ns[14];

	/* "clab-basic-r1" and its NUL: 14 bytes */
	t = load_good(GOOD("basic.clab.yml"), 0, out, sizeof(out));
	assert_int_equal(clab_nsname(t, &t->nodes[0], ns, sizeof(ns)), 0);
	assert_string_equal(ns, "clab-basic-r1");
	assert_int_equal(clab_nsname(t, &t->nodes[0], ns, sizeof(ns) - 1),
	    -1);
	assert_int_equal(clab_nsname(t, &t->nodes[0], ns, 8), -1);
	clab_free(t);
}

static void
test_nonexistent(void **state)
{
	char	 out[OUT_MAX];

	assert_null(load_quiet(TEST_DATADIR "/clab/no-such.clab.yml", out,
	    sizeof(out)));
	assert_contains(out, "no-such.clab.yml: No such file or directory");
}

static void
test_directory(void **state)
{
	char	 out[OUT_MAX];

	assert_null(load_quiet(TEST_DATADIR "/clab/good", out, sizeof(out)));
	assert_contains(out, "/clab/good: error: not a regular file");
}

static void
test_bad_file(void **state)
{
	const char	*path = *state;
	char		 expect[1024], out[OUT_MAX];

	fixture_read_expect(path, expect, sizeof(expect));
	if (load_quiet(path, out, sizeof(out)) != NULL)
		fail_msg("%s loaded, expected \"%s\"", path, expect);
	assert_contains(out, expect);
	/* every failure ends with the count of errors */
	assert_contains(out, " error");
}

/* One test per fixture in bad/, named after the file. */
static int
run_bad_tests(void)
{
	static const char *const suffixes[] = { ".clab.yml", NULL };

	return fixture_tests_run("bad_fixtures", BADDIR, suffixes, test_bad_file,
	    20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_inherit),
		cmocka_unit_test(test_frr_detect),
		cmocka_unit_test(test_extended),
		cmocka_unit_test(test_relative_path),
		cmocka_unit_test(test_nsname_short_buffer),
		cmocka_unit_test(test_nonexistent),
		cmocka_unit_test(test_directory),
	};
	int	 r;

	log_init(LOG_TO_STDERR, 0);
	r = cmocka_run_group_tests_name("clab", tests, NULL, NULL);
	r += run_bad_tests();
	return r != 0;
}
