/*
 * libFuzzer targets for the BGP wire parsers.  Each target is built two
 * ways: with -fsanitize=fuzzer (./configure --enable-fuzzing, clang),
 * and linked with replay.c, which feeds it the files of the seed corpora
 * in every build (fuzz/smoke.sh, run by make check).
 */
#ifndef FABRIC_FUZZ_H
#define FABRIC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bgp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A property of the code under test failed: make the fuzzer stop here. */
#define FUZZ_ASSERT(x)	do { if (!(x)) abort(); } while (0)

/*
 * The session rules from one input octet, so that one corpus covers
 * 2- and 4-octet AS sessions, ADD-PATH, IPv6 and extended next-hops:
 * bit 0 as4, 1 IPv6, 2 ADD-PATH IPv4, 3 ADD-PATH IPv6, 4 extended
 * next-hop for IPv4, 5 extended messages, 6 IPv4 not negotiated.
 */
static inline struct bgp_neg
fuzz_neg(uint8_t f)
{
	struct bgp_neg	 n = { 0 };

	n.as4 = f & 1;
	n.mp[AID_IPV4] = !(f & 0x40);
	n.mp[AID_IPV6] = (f >> 1) & 1;
	n.addpath_rx[AID_IPV4] = (f >> 2) & 1;
	n.addpath_rx[AID_IPV6] = (f >> 3) & 1;
	n.addpath_tx[AID_IPV4] = n.addpath_rx[AID_IPV4];
	n.addpath_tx[AID_IPV6] = n.addpath_rx[AID_IPV6];
	n.ext_nh[AID_IPV4] = (f >> 4) & 1;
	n.ext_msg = (f >> 5) & 1;
	n.max_msg = n.ext_msg ? BGP_EXT_MAX_MSG : BGP_MAX_MSG;
	return n;
}

#endif /* FABRIC_FUZZ_H */
