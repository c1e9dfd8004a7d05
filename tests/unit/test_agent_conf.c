/*
 * Unit tests for telemetry/agent_conf.c: fabric-agent's configuration file
 * (yang/fabric-agent.yang).
 *
 * examples/agent/leaf1.json loads and gives what it says, field by field;
 * an empty agent gives the command line's defaults.  Every bad fixture
 * (tests/data/agent/bad/NAME.json or .xml, found with opendir so that a
 * new file is a new test) must fail to load; the error must start with
 * the file's name and hold each line of the sidecar NAME.expect.
 */
#include "config.h"

#include <sys/socket.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent_conf.h"
#include "fixtures.h"
#include "yconf.h"

#ifndef TEST_DATADIR
#error "TEST_DATADIR must name tests/data"
#endif
#ifndef YANG_DIR
#error "YANG_DIR must name the directory of fabric-agent.yang"
#endif
#ifndef EXAMPLES_DIR
#error "EXAMPLES_DIR must name examples/"
#endif

#define BADDIR		TEST_DATADIR "/agent/bad"
#define ERR_MAX		2048
#define BAD_MIN		20

static void
load_ok(struct agent_conf *o, const char *path)
{
	char	 err[ERR_MAX] = "";

	agent_conf_default(o);
	if (agent_conf_load(o, path, err, sizeof(err)) == -1)
		fail_msg("%s: %s", path, err);
}

static void
test_example(void **state)
{
	struct agent_conf	*o = malloc(sizeof(*o));
	char			 dir[PATH_MAX], key[PATH_MAX + 32];

	(void)state;
	assert_non_null(o);
	load_ok(o, EXAMPLES_DIR "/agent/leaf1.json");
	assert_non_null(realpath(EXAMPLES_DIR "/agent", dir));
	snprintf(key, sizeof(key), "%s/telemetry.key", dir);
	assert_string_equal(o->id, "leaf1");
	assert_string_equal(o->publish, "tcp://172.20.20.101:7100");
	assert_string_equal(o->keyfile, key);
	assert_int_equal(o->interval, 50);
	assert_string_equal(o->sc.mgmt, "eth0");
	assert_int_equal(o->sc.nifnames, 3);
	assert_string_equal(o->sc.ifnames[0], "swp1");
	assert_string_equal(o->sc.ifnames[2], "swp3");
	assert_int_equal(o->sc.ncaps, 3);
	assert_string_equal(o->sc.caps[0].name, "swp1");
	assert_true(o->sc.caps[0].bps == 400000000000ULL);
	assert_true(o->sc.caps[1].bps == 400000000000ULL);
	assert_string_equal(o->sc.caps[2].name, "swp3");
	assert_true(o->sc.caps[2].bps == 1600000000000ULL);
	assert_int_equal(o->fc.nprefixes, 2);
	assert_int_equal(o->fc.prefixes[0].family, AF_INET);
	assert_int_equal(o->fc.prefixes[0].len, 24);
	assert_int_equal(o->fc.prefixes[0].addr[2], 4);
	assert_int_equal(o->fc.prefixes[1].family, AF_INET6);
	assert_int_equal(o->fc.prefixes[1].len, 48);
	assert_string_equal(o->lcomm, "65000:4200:1");
	assert_int_equal(o->fc.learn, 1);
	assert_int_equal(o->fc.table, 4300);
	assert_int_equal(o->fc.pref, 900);
	assert_int_equal(o->fc.buckets, 256);
	assert_int_equal(o->fc.idle_ms, 20);
	assert_int_equal(o->fc.unbalanced_ms, 5000);
	assert_string_equal(o->frr_ns, "leaf1");
	assert_int_equal(o->bgp_state, 1);
	assert_int_equal(o->frr_interval, 2);
	agent_conf_free(o);
	free(o);
}

static void
write_tmp(char *path, const char *text)
{
	FILE	*fp;
	int	 fd;

	assert_true((fd = mkstemps(path, 5)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* Nothing set: what agent_conf_default() gives, the YANG defaults alike. */
static void
test_defaults(void **state)
{
	struct agent_conf	*o = malloc(sizeof(*o));
	struct agent_conf	*d = malloc(sizeof(*d));
	char			 tmp[] = "/tmp/test_agent_conf_XXXXXX.json";

	(void)state;
	assert_non_null(o);
	assert_non_null(d);
	write_tmp(tmp, "{ \"fabric-agent:agent\": { } }\n");
	load_ok(o, tmp);
	agent_conf_default(d);
	assert_null(o->id);
	assert_null(o->publish);
	assert_null(o->keyfile);
	assert_null(o->lcomm);
	assert_null(o->frr_ns);
	assert_int_equal(o->interval, d->interval);
	assert_string_equal(o->sc.mgmt, d->sc.mgmt);
	assert_int_equal(o->sc.nifnames, 0);
	assert_int_equal(o->sc.ncaps, 0);
	assert_int_equal(o->fc.nprefixes, 0);
	assert_int_equal(o->fc.learn, 0);
	assert_int_equal(o->fc.table, d->fc.table);
	assert_int_equal(o->fc.pref, d->fc.pref);
	assert_int_equal(o->fc.nhid_base, d->fc.nhid_base);
	assert_int_equal(o->fc.buckets, d->fc.buckets);
	assert_int_equal(o->fc.idle_ms, d->fc.idle_ms);
	assert_int_equal(o->fc.unbalanced_ms, d->fc.unbalanced_ms);
	assert_int_equal(o->bgp_state, 0);
	assert_int_equal(o->frr_interval, d->frr_interval);
	agent_conf_free(o);
	unlink(tmp);
	free(o);
	free(d);
}

/* Loading path must fail, with an error (into err) that names the file. */
static void
load_fails(const char *path, char *err, size_t errlen)
{
	struct agent_conf	*o = malloc(sizeof(*o));

	assert_non_null(o);
	agent_conf_default(o);
	assert_int_equal(agent_conf_load(o, path, err, errlen), -1);
	agent_conf_free(o);
	free(o);
	if (strncmp(err, path, strlen(path)) != 0)
		fail_msg("error \"%s\" does not start with the file name", err);
}

static void
expect_error(const char *path, const char *want)
{
	char	 err[ERR_MAX] = "";

	load_fails(path, err, sizeof(err));
	if (strstr(err, want) == NULL)
		fail_msg("%s: got \"%s\", expected \"%s\"", path, err, want);
}

static void
test_missing_file(void **state)
{
	(void)state;
	expect_error(TEST_DATADIR "/agent/no-such.json", "cannot open: No "
	    "such file or directory");
}

/* The module is looked for where FABRIC_YANG_DIR says, and only there. */
static void
test_yang_dir_env(void **state)
{
	(void)state;
	assert_int_equal(setenv(YCONF_ENV, TEST_DATADIR, 1), 0);
	expect_error(EXAMPLES_DIR "/agent/leaf1.json", "cannot read the YANG "
	    "module " TEST_DATADIR "/fabric-agent.yang");
	assert_int_equal(setenv(YCONF_ENV, YANG_DIR, 1), 0);
}

static void
test_bad_file(void **state)
{
	const char	*path = *state;
	char		 err[ERR_MAX] = "";

	load_fails(path, err, sizeof(err));
	fixture_expect_sidecar(path, err);
}

int
main(void)
{
	static const char *const suffixes[] = { ".json", ".xml", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_yang_dir_env),
	};
	int	 r;

	/* the modules of this source tree, not installed ones */
	if (setenv(YCONF_ENV, YANG_DIR, 1) == -1)
		return 1;
	r = cmocka_run_group_tests_name("agent_conf", tests, NULL, NULL);
	r += fixture_tests_run("agent_conf_bad_fixtures", BADDIR, suffixes,
	    test_bad_file, BAD_MIN);
	return r != 0;
}
