/*
 * Unit tests for lib/log.c.  Output is captured by pointing file
 * descriptor 2 at a temporary file; fatal() and fatalx() run in a forked
 * child whose stderr is a pipe, so that their exit(1) ends only the child.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
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

#include "log.h"

#define OUT_MAX		4096


static void
read_all(int fd, char *out, size_t outlen)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < outlen - 1) {
		n = read(fd, out + off, outlen - 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	out[off] = '\0';
}

/*
 * Runs fn in a child with stderr on a pipe.  Exit status 98 means fn
 * returned, which fatal() and fatalx() must never do.
 */
static void
run_child(void (*fn)(void), int *status, char *out, size_t outlen)
{
	int	 p[2];
	pid_t	 pid;

	assert_int_equal(pipe(p), 0);
	/* Else the child's exit() flushes our buffered stdout a second time. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], STDERR_FILENO) == -1)
			_exit(97);
		close(p[1]);
		fn();
		_exit(98);
	}
	close(p[1]);
	read_all(p[0], out, outlen);
	close(p[0]);
	assert_int_equal(waitpid(pid, status, 0), pid);
}

static void
assert_fatal_output(void (*fn)(void), const char *expect)
{
	char	 out[OUT_MAX];
	int	 status;

	run_child(fn, &status, out, sizeof(out));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_string_equal(out, expect);
}

static int
setup(void **state)
{
	log_init(LOG_TO_STDERR, LOG_DAEMON);
	log_procinit("tproc");
	log_setverbose(0);
	return 0;
}

static void
test_warn_appends_strerror(void **state)
{
	char	 out[OUT_MAX], expect[OUT_MAX];
	int	 saved;

	snprintf(expect, sizeof(expect), "open /nonexistent: %s\n",
	    strerror(ENOENT));
	capture_begin();
	errno = ENOENT;
	log_warn("open %s", "/nonexistent");
	saved = errno;
	capture_end(out, sizeof(out));
	assert_string_equal(out, expect);
	assert_int_equal(saved, ENOENT);
}

static void
test_warn_without_message(void **state)
{
	char	 out[OUT_MAX], expect[OUT_MAX];
	int	 saved;

	snprintf(expect, sizeof(expect), "%s\n", strerror(EACCES));
	capture_begin();
	errno = EACCES;
	log_warn(NULL);
	saved = errno;
	capture_end(out, sizeof(out));
	assert_string_equal(out, expect);
	assert_int_equal(saved, EACCES);
}

static void
test_warnx_has_no_strerror(void **state)
{
	char	 out[OUT_MAX];
	int	 saved;

	capture_begin();
	errno = EACCES;
	log_warnx("peer %s: bad marker", "10.0.0.1");
	saved = errno;
	capture_end(out, sizeof(out));
	assert_string_equal(out, "peer 10.0.0.1: bad marker\n");
	assert_int_equal(saved, EACCES);
}

/* The cause must survive even a message too long for log.c's buffer. */
static void
test_warn_long_message(void **state)
{
	char	 out[OUT_MAX], expect[OUT_MAX], msg[2000];

	memset(msg, 'a', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	snprintf(expect, sizeof(expect), "%.1023s: %s\n", msg,
	    strerror(EPIPE));
	capture_begin();
	errno = EPIPE;
	log_warn("%s", msg);
	capture_end(out, sizeof(out));
	assert_string_equal(out, expect);
}

/* A failing write to stderr sets errno; the caller's must win. */
static void
test_errno_survives_failed_write(void **state)
{
	int	 full, saved_fd, e1, e2, e3;

	if ((full = open("/dev/full", O_WRONLY)) == -1)
		skip();
	fflush(stderr);
	assert_true((saved_fd = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(full, STDERR_FILENO) != -1);
	errno = ENOENT;
	log_warn("disk %s", "full");
	e1 = errno;
	errno = EACCES;
	log_warnx("disk %s", "full");
	e2 = errno;
	errno = EPERM;
	log_info("disk %s", "full");
	e3 = errno;
	assert_true(dup2(saved_fd, STDERR_FILENO) != -1);
	clearerr(stderr);
	close(saved_fd);
	close(full);
	assert_int_equal(e1, ENOENT);
	assert_int_equal(e2, EACCES);
	assert_int_equal(e3, EPERM);
}

static void
test_debug_needs_verbose(void **state)
{
	char	 out[OUT_MAX];

	log_setverbose(0);
	assert_int_equal(log_getverbose(), 0);
	capture_begin();
	log_debug("hidden %d", 1);
	capture_end(out, sizeof(out));
	assert_string_equal(out, "");

	log_setverbose(1);
	assert_int_equal(log_getverbose(), 1);
	capture_begin();
	log_debug("shown %d", 2);
	capture_end(out, sizeof(out));
	log_setverbose(0);
	assert_string_equal(out, "shown 2\n");
}

static void
test_info_always_prints(void **state)
{
	char	 out[OUT_MAX];

	log_setverbose(0);
	capture_begin();
	log_info("session %s established", "up");
	logit(LOG_NOTICE, "%d%%", 100);
	capture_end(out, sizeof(out));
	assert_string_equal(out, "session up established\n100%\n");
}

static void
child_fatal(void)
{
	errno = EPERM;
	fatal("boom %d", 42);
}

static void
child_fatalx(void)
{
	errno = EPERM;
	fatalx("bad %s", "state");
}

static void
child_fatal_null(void)
{
	errno = ENOMEM;
	fatal(NULL);
}

static void
child_fatal_no_errno(void)
{
	errno = 0;
	fatal("no cause");
}

static void
child_procinit_null(void)
{
	log_procinit("rde");
	log_procinit(NULL);
	fatalx("invariant");
}

static void
test_fatal(void **state)
{
	char	 expect[OUT_MAX];

	snprintf(expect, sizeof(expect), "fatal in tproc: boom 42: %s\n",
	    strerror(EPERM));
	assert_fatal_output(child_fatal, expect);
}

static void
test_fatalx(void **state)
{
	assert_fatal_output(child_fatalx, "fatal in tproc: bad state\n");
}

static void
test_fatal_without_message(void **state)
{
	char	 expect[OUT_MAX];

	snprintf(expect, sizeof(expect), "fatal in tproc: %s\n",
	    strerror(ENOMEM));
	assert_fatal_output(child_fatal_null, expect);
}

/* errno 0 means no cause: no trailing ": Success". */
static void
test_fatal_errno_zero(void **state)
{
	assert_fatal_output(child_fatal_no_errno, "fatal in tproc: no cause\n");
}

static void
test_procinit_null_keeps_name(void **state)
{
	assert_fatal_output(child_procinit_null, "fatal in rde: invariant\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warn_appends_strerror),
		cmocka_unit_test(test_warn_without_message),
		cmocka_unit_test(test_warnx_has_no_strerror),
		cmocka_unit_test(test_warn_long_message),
		cmocka_unit_test(test_errno_survives_failed_write),
		cmocka_unit_test(test_debug_needs_verbose),
		cmocka_unit_test(test_info_always_prints),
		cmocka_unit_test(test_fatal),
		cmocka_unit_test(test_fatalx),
		cmocka_unit_test(test_fatal_without_message),
		cmocka_unit_test(test_fatal_errno_zero),
		cmocka_unit_test(test_procinit_null_keeps_name),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
