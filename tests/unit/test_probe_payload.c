/*
 * Unit tests for gpu-probe/payload.c, the CPU reference path: the pattern
 * and checksum pinned to known values (the GPU path must match them; see
 * gpu-probe/cuda_selftest.cu), determinism, every flipped bit detected,
 * and the fill/verify throughput for 1 MiB payloads, printed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "payload.h"
#include "payload_algo.h"

#define MIB	(1U << 20)

/*
 * Pinned: the bytes and checksums of (seed 1, seq 2), computed also by an
 * independent Python model of docs/PROBE.md's definition.
 */
static void
test_known_values(void **state)
{
	static const uint8_t	 want[16] = {
		0xff, 0xf4, 0x3f, 0x29, 0x26, 0x0d, 0x95, 0x64,
		0x89, 0xb6, 0xfb, 0x31, 0xb5, 0x34, 0xeb, 0x87,
	};
	uint8_t			 buf[16];

	/* SplitMix64's first output from state 0. */
	assert_int_equal(payload_mix64(PAYLOAD_GOLDEN), 0xe220a8397b1dcdafULL);
	assert_int_equal(payload_fill(buf, sizeof(buf), 1, 2),
	    0x366529a2cc941cbbULL);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(payload_checksum(buf, sizeof(buf)),
	    0x366529a2cc941cbbULL);
	/* A partial word: the first 5 octets, checksummed zero-padded. */
	assert_int_equal(payload_fill(buf, 5, 1, 2), 0xe260cd403dae87b0ULL);
	assert_memory_equal(buf, want, 5);
}

static void
test_deterministic(void **state)
{
	static const size_t	 lens[] = { 0, 1, 7, 8, 9, 15, 16, 17, 1000,
				    4093, 4096 };
	static uint8_t		 a[4096 + 1], b[4096 + 1];
	size_t			 i, k;
	uint64_t		 ca, cb;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(a, 0xaa, sizeof(a));
		memset(b, 0x55, sizeof(b));
		ca = payload_fill(a, lens[i], 11, 99);
		/* Unaligned: the same bytes. */
		cb = payload_fill(b + 1, lens[i], 11, 99);
		assert_int_equal(ca, cb);
		assert_memory_equal(a, b + 1, lens[i]);
		assert_int_equal(a[lens[i]], 0xaa);	/* no write past len */
		assert_int_equal(payload_checksum(a, lens[i]), ca);
		assert_int_equal(payload_verify(a, lens[i], 11, 99, ca), 0);
		assert_int_equal(payload_verify(b + 1, lens[i], 11, 99, ca), 0);
		/* Another sequence number or seed: another pattern. */
		if (lens[i] == 0)
			continue;
		assert_int_not_equal(payload_verify(a, lens[i], 11, 100, ca),
		    0);
		assert_int_not_equal(payload_verify(a, lens[i], 12, 99, ca), 0);
		cb = payload_fill(b, lens[i], 11, 100);
		for (k = 0; k < lens[i] && a[k] == b[k]; k++)
			;
		assert_true(k < lens[i] || lens[i] < 2);
	}
}

/* Every single-bit flip in a 64-octet payload fails both checks. */
static void
test_every_bit(void **state)
{
	uint8_t		 buf[64 + 3];
	uint64_t	 c = payload_fill(buf, sizeof(buf), 5, 6);
	size_t		 bit;

	for (bit = 0; bit < 8 * sizeof(buf); bit++) {
		buf[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		assert_int_equal(payload_verify(buf, sizeof(buf), 5, 6, c),
		    PAYLOAD_BAD_PATTERN | PAYLOAD_BAD_CSUM);
		buf[bit / 8] ^= (uint8_t)(1U << (bit % 8));
	}
	assert_int_equal(payload_verify(buf, sizeof(buf), 5, 6, c), 0);
	assert_int_equal(payload_verify(buf, sizeof(buf), 5, 6, c ^ 1),
	    PAYLOAD_BAD_CSUM);
}

/* Swapped words keep the pattern's multiset but not the checksum. */
static void
test_swapped_words(void **state)
{
	uint8_t		 buf[32], t[8];
	uint64_t	 c = payload_fill(buf, sizeof(buf), 3, 4);

	memcpy(t, buf, 8);
	memcpy(buf, buf + 8, 8);
	memcpy(buf + 8, t, 8);
	assert_int_not_equal(payload_checksum(buf, sizeof(buf)), c);
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Not a pass/fail check: the figure for docs/PROBE.md. */
static void
test_throughput(void **state)
{
	uint8_t		*buf = malloc(MIB);
	uint64_t	 c = 0;
	double		 t0, tf, tv;
	int		 i, n = 64, v = 0;

	assert_non_null(buf);
	t0 = now();
	for (i = 0; i < n; i++)
		c = payload_fill(buf, MIB, 1, (uint64_t)i);
	tf = now() - t0;
	t0 = now();
	for (i = 0; i < n; i++)
		v |= payload_verify(buf, MIB, 1, (uint64_t)n - 1, c);
	tv = now() - t0;
	assert_int_equal(v, 0);
	print_message("payload 1 MiB on one core: fill %.2f GB/s, "
	    "verify %.2f GB/s\n", (double)MIB * n / tf / 1e9,
	    (double)MIB * n / tv / 1e9);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_every_bit),
		cmocka_unit_test(test_swapped_words),
		cmocka_unit_test(test_throughput),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
