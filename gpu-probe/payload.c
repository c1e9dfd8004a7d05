/*
 * The CPU reference path for probe payloads (payload_algo.h has the
 * algorithm): fill, checksum and verify in one pass over the buffer.
 */
#ifndef PROBE_STANDALONE
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "payload_algo.h"

static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t	 w;

	memcpy(&w, p, sizeof(w));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static inline void
store_le64(uint8_t *p, uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	memcpy(p, &w, sizeof(w));
}

static inline void
store_tail(uint8_t *p, uint64_t w, size_t n)
{
	size_t		 k;

	for (k = 0; k < n; k++)
		p[k] = (uint8_t)(w >> (8 * k));
}

/* The zero-padded last partial word (n < 8 octets). */
static inline uint64_t
load_tail(const uint8_t *p, size_t n)
{
	uint64_t	 w = 0;
	size_t		 k;

	for (k = 0; k < n; k++)
		w |= (uint64_t)p[k] << (8 * k);
	return w;
}

uint64_t
payload_fill(void *buf, size_t len, uint64_t seed, uint64_t seq)
{
	uint8_t		*p = buf;
	uint64_t	 base = payload_base(seed, seq), sum = 0, w;
	size_t		 i, nfull = len / 8, tail = len % 8;

	for (i = 0; i < nfull; i++) {
		w = payload_word(base, i);
		store_le64(p + 8 * i, w);
		sum += payload_term(w, i);
	}
	if (tail != 0) {
		w = payload_keep(payload_word(base, i), tail);
		store_tail(p + 8 * i, w, tail);
		sum += payload_term(w, i);
	}
	return payload_final(sum, len);
}

uint64_t
payload_checksum(const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	uint64_t	 sum = 0;
	size_t		 i, nfull = len / 8, tail = len % 8;

	for (i = 0; i < nfull; i++)
		sum += payload_term(load_le64(p + 8 * i), i);
	if (tail != 0)
		sum += payload_term(load_tail(p + 8 * i, tail), i);
	return payload_final(sum, len);
}

int
payload_verify(const void *buf, size_t len, uint64_t seed, uint64_t seq,
    uint64_t csum)
{
	const uint8_t	*p = buf;
	uint64_t	 base = payload_base(seed, seq), sum = 0, diff = 0, w;
	size_t		 i, nfull = len / 8, tail = len % 8;
	int		 verdict = 0;

	/* No early exit: the time does not depend on where the damage is. */
	for (i = 0; i < nfull; i++) {
		w = load_le64(p + 8 * i);
		diff |= w ^ payload_word(base, i);
		sum += payload_term(w, i);
	}
	if (tail != 0) {
		w = load_tail(p + 8 * i, tail);
		diff |= w ^ payload_keep(payload_word(base, i), tail);
		sum += payload_term(w, i);
	}
	if (diff != 0)
		verdict |= PAYLOAD_BAD_PATTERN;
	if (payload_final(sum, len) != csum)
		verdict |= PAYLOAD_BAD_CSUM;
	return verdict;
}

#ifndef HAVE_CUDA
/* No GPU path in this build: the daemon's --payload gpu says so. */
struct payload_gpu *
payload_gpu_open(size_t maxn, size_t maxlen, char *err, size_t errlen)
{
	(void)maxn;
	(void)maxlen;
	snprintf(err, errlen, "built without CUDA: configure --with-cuda");
	return NULL;
}

void
payload_gpu_close(struct payload_gpu *g)
{
	(void)g;
}

const uint8_t *
payload_gpu_fill(struct payload_gpu *g, size_t len, size_t n, uint64_t seed,
    const uint64_t *seqs, uint64_t *csums)
{
	(void)g, (void)len, (void)n, (void)seed, (void)seqs, (void)csums;
	return NULL;
}

int
payload_gpu_verify(struct payload_gpu *g, const struct payload_ref *refs,
    size_t n, uint32_t *verdicts)
{
	(void)g, (void)refs, (void)n, (void)verdicts;
	return -1;
}
#endif
