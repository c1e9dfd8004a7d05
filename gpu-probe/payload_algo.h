/*
 * The payload pattern and checksum, as inline functions that compile both
 * as C (payload.c, the CPU reference path) and as CUDA device code
 * (payload_cuda.cu): one definition, so the two paths are bit-exact by
 * construction rather than by care.
 *
 * Pattern: the payload is a run of 64-bit little-endian words; word i of
 * the probe (seed, seq) is
 *	w_i = mix64(base + i * PAYLOAD_GOLDEN),  base = mix64(seed ^ mix64(seq))
 * (a SplitMix64 stream), truncated to the payload's length in its last
 * word.  Any word can be computed alone, so a GPU thread needs no state.
 *
 * Checksum (64 bits): with the last partial word zero-padded,
 *	sum  = SUM over i of mix64(w_i ^ (i * PAYLOAD_POS)) mod 2^64
 *	csum = mix64(sum ^ len ^ PAYLOAD_CSUM_SALT)
 * The word index is mixed in, so swapped or shifted words change it; the
 * sum is associative and commutative, so a parallel reduction gives the
 * same bits in any order.  It detects corruption, not forgery: it has no
 * key (the telemetry channel is the authenticated one).
 */
#ifndef FABRIC_PAYLOAD_ALGO_H
#define FABRIC_PAYLOAD_ALGO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __CUDACC__
#define PAYLOAD_FN	static __host__ __device__ __forceinline__
#else
#define PAYLOAD_FN	static inline
#endif

#define PAYLOAD_GOLDEN		0x9e3779b97f4a7c15ULL
#define PAYLOAD_POS		0xd6e8feb86659fd93ULL
#define PAYLOAD_CSUM_SALT	0x46505242434b5331ULL	/* "FPRBCKS1" */

PAYLOAD_FN uint64_t
payload_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

PAYLOAD_FN uint64_t
payload_base(uint64_t seed, uint64_t seq)
{
	return payload_mix64(seed ^ payload_mix64(seq));
}

/* Word i of the pattern whose base is payload_base(seed, seq). */
PAYLOAD_FN uint64_t
payload_word(uint64_t base, uint64_t i)
{
	return payload_mix64(base + i * PAYLOAD_GOLDEN);
}

/* Word i's term of the checksum sum (w zero-padded if partial). */
PAYLOAD_FN uint64_t
payload_term(uint64_t w, uint64_t i)
{
	return payload_mix64(w ^ (i * PAYLOAD_POS));
}

PAYLOAD_FN uint64_t
payload_final(uint64_t sum, uint64_t len)
{
	return payload_mix64(sum ^ len ^ PAYLOAD_CSUM_SALT);
}

/* The low n (< 8) bytes of w, as a partial last word keeps them. */
PAYLOAD_FN uint64_t
payload_keep(uint64_t w, size_t n)
{
	return n >= 8 ? w : w & ((1ULL << (8 * n)) - 1);
}

#endif /* FABRIC_PAYLOAD_ALGO_H */
