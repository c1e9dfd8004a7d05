/*
 * One cmocka test per fixture file (see fixtures.h).
 */
#include "config.h"

#include <dirent.h>
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

#include "fixtures.h"

#define FIXTURES_MAX	512
#define EXPECT_TAG	"# expect: "

int
has_suffix(const char *s, const char *suffix)
{
	size_t	 ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static int
cmp_tests(const void *a, const void *b)
{
	return strcmp(((const struct CMUnitTest *)a)->name,
	    ((const struct CMUnitTest *)b)->name);
}

static int
wanted(const char *name, const char *const *suffixes)
{
	for (; *suffixes != NULL; suffixes++)
		if (has_suffix(name, *suffixes))
			return 1;
	return 0;
}

int
fixture_tests_run(const char *group, const char *dir,
    const char *const *suffixes, void (*fn)(void **), size_t min)
{
	static struct CMUnitTest	 tests[FIXTURES_MAX];
	struct dirent			*de;
	DIR				*d;
	char				*path;
	size_t				 n = 0, i;
	int				 r;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "%s: cannot open\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL && n < FIXTURES_MAX) {
		if (!wanted(de->d_name, suffixes))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) == -1)
			abort();
		tests[n].name = strrchr(path, '/') + 1;
		tests[n].test_func = fn;
		tests[n].initial_state = path;
		tests[n].setup_func = tests[n].teardown_func = NULL;
		n++;
	}
	closedir(d);
	qsort(tests, n, sizeof(tests[0]), cmp_tests);
	if (n < min) {
		fprintf(stderr, "%s: only %zu fixtures, expected %zu or more\n",
		    dir, n, min);
		return 1;
	}
	r = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	for (i = 0; i < n; i++)
		free(tests[i].initial_state);
	return r;
}

void
fixture_read_expect(const char *path, char *buf, size_t len)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "r"));
	if (fgets(buf, len, fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
	if (strncmp(buf, EXPECT_TAG, strlen(EXPECT_TAG)) != 0 ||
	    buf[strlen(EXPECT_TAG)] == '\0')
		fail_msg("%s: the first line must be \"" EXPECT_TAG "TEXT\"",
		    path);
	memmove(buf, buf + strlen(EXPECT_TAG),
	    strlen(buf + strlen(EXPECT_TAG)) + 1);
}

void
fixture_expect_sidecar(const char *path, const char *err)
{
	char	 expect[PATH_MAX], line[1024];
	FILE	*fp;
	int	 n = 0;

	snprintf(expect, sizeof(expect), "%.*s.expect",
	    (int)(strrchr(path, '.') - path), path);
	if ((fp = fopen(expect, "r")) == NULL)
		fail_msg("%s: no sidecar %s", path, expect);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		n++;
		if (strstr(err, line) == NULL)
			fail_msg("%s: got \"%s\", expected \"%s\"", path, err,
			    line);
	}
	fclose(fp);
	if (n == 0)
		fail_msg("%s: empty", expect);
}

static FILE	*cap_file;
static int	 cap_saved_fd = -1;

void
capture_begin(void)
{
	fflush(stderr);
	assert_non_null(cap_file = tmpfile());
	assert_true((cap_saved_fd = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(fileno(cap_file), STDERR_FILENO) != -1);
}

void
capture_end(char *out, size_t outlen)
{
	size_t	 n;

	fflush(stderr);
	assert_true(dup2(cap_saved_fd, STDERR_FILENO) != -1);
	close(cap_saved_fd);
	cap_saved_fd = -1;
	rewind(cap_file);
	n = fread(out, 1, outlen - 1, cap_file);
	out[n] = '\0';
	fclose(cap_file);
	cap_file = NULL;
}

/* Hex digits to octets; anything else (spaces, line breaks) is skipped. */
size_t
hex_decode(const char *s, uint8_t *out, size_t max)
{
	size_t	 n = 0;
	int	 hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < max);
		out[n++] = hi << 4 | v;
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}
