/*
 * Test helpers shared by the cmocka tests: one test per fixture file in a
 * directory, named after the file.
 */
#ifndef FABRIC_TEST_FIXTURES_H
#define FABRIC_TEST_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Runs fn once per file in dir whose name ends with one of suffixes
 * (NULL-terminated), with the file's path as its state, in name order.
 * Fails the group if fewer than min files are found.
 */
int	fixture_tests_run(const char *group, const char *dir,
	    const char *const *suffixes, void (*fn)(void **), size_t min);
int	has_suffix(const char *s, const char *suffix);

/*
 * A bad fixture says what it must fail with in its first line,
 * "# expect: TEXT": TEXT into buf (len octets at most).  Fails the test
 * if the line is not of that form or TEXT is empty.
 */
void	fixture_read_expect(const char *path, char *buf, size_t len);

/*
 * Other bad fixtures list the messages they must give in a sidecar,
 * NAME.expect beside NAME.EXT, one a line: each non-empty line must
 * appear in err.  Fails the test if the sidecar is missing or empty.
 */
void	fixture_expect_sidecar(const char *path, const char *err);

/* Sends stderr to a temporary file until capture_end, which restores it
 * and returns what was written meanwhile, NUL-terminated. */
void	capture_begin(void);
void	capture_end(char *out, size_t outlen);

/* Hex digits to octets, whitespace skipped; fails the test on an odd
   count or more than max octets. */
size_t	hex_decode(const char *, uint8_t *, size_t max);

#endif
