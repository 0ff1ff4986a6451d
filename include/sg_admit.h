/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sg_admit.h - the admission slots: where the XDP program keeps the first
 * probe of a source (or source network) it does not track yet, and how a
 * key finds its slot; where a (network, target) pair is remembered seen;
 * which networks the network map may hold; and where a key's fingerprint
 * goes in the failed-before filter (bpf/slow.h).  Shared by the program
 * (bpf/track.h, bpf/weigh.h, bpf/slow.h) and userspace that reads a
 * source's state (scanguardctl replay, the loader, the tests).
 */
#ifndef SG_ADMIT_H
#define SG_ADMIT_H

#include <linux/types.h>
#include "scanguard.h"

#define SG_ADMIT_SRC_SLOTS	65536	/* power of two; 32 bytes each, in pairs */
#define SG_ADMIT_NET_SLOTS	16384

struct sg_admit_slot {
	__u64 seen;		/* when the first probe came */
	__u32 fp;		/* the key's fingerprint, never 0; 0 = empty slot */
	__u32 target;
	__u32 host;		/* segment mode: its destination as a target */
	__u32 kinds;
	__s16 score;		/* what the first probe did to the score */
	__u8 counted;		/* it counted toward the distinct-target backstop */
	__u8 failed;		/* it (or one in the window before) failed */
	__u32 pad;
};

/* A key's pair of slots (*idx and *idx + 1, one cache line) and its
 * fingerprint: two multiplicative hashes of its words. */
static inline __attribute__((always_inline)) __u32 sg_admit_mix(const struct sg_addr *key)
{
	__u32 a = key->w[0] * 0x9e3779b1u ^ key->w[1] * 0x85ebca6bu ^
		  key->w[2] * 0xc2b2ae35u ^ key->w[3] * 0x27d4eb2fu;

	return a ^ a >> 15;
}

static inline __attribute__((always_inline)) void
sg_admit_hash(const struct sg_addr *key, __u32 nslots, __u32 *idx, __u32 *fp)
{
	__u32 a = sg_admit_mix(key);

	*idx = ((a * 0x2c1b3c6du) >> 16 & (nslots - 1)) & ~1u;
	*fp = (a * 0x297a2d39u) | 1;
}

/* The per-CPU cache of (network, target) pairs the network weighing found
 * seen this window (bpf/weigh.h): the pair whole, and the start of the
 * window it was seen in. */
#define SG_NET_SEEN_SLOTS	512	/* power of two */

struct sg_net_seen {
	struct sg_addr net;
	__u32 target;
	__u32 pad;
	__u64 window_start;
};

static inline __attribute__((always_inline)) __u32
sg_net_seen_index(const struct sg_addr *net, __u32 target)
{
	return ((sg_admit_mix(net) ^ target) * 0x2c1b3c6du) >> 16 & (SG_NET_SEEN_SLOTS - 1);
}

/* Which source networks the network map may hold an entry for: a bit per
 * hashed network key, set before the program inserts one (bpf/weigh.h) and
 * by the loader from the map (entries an earlier program made).  A network
 * whose bit is clear has no entry, and its probes skip the map's lookup: a
 * flood from random networks, each new, would pay it on every packet.
 * Bits are never cleared, so the hint is a superset of the map; an evicted
 * network's bit only costs the lookup it used to. */
#define SG_NET_HINT_BITS	65536	/* power of two: 8 KiB */

struct sg_net_hint {
	__u64 w[SG_NET_HINT_BITS / 64];
};

static inline __attribute__((always_inline)) __u32 sg_net_hint_bit(const struct sg_addr *net)
{
	return (sg_admit_mix(net) * 0x7feb352du) >> 16 & (SG_NET_HINT_BITS - 1);
}

/* A key's place in the failed-before filter: the array element (a pair of
 * fingerprints), which of the two, and the fingerprint (never 0, which an
 * empty slot holds). */
static inline __attribute__((always_inline)) void
sg_slow_fp_hash(const struct sg_addr *key, __u32 *idx, __u32 *half, __u32 *fp)
{
	__u32 a = sg_admit_mix(key), h = a;

	/* A full avalanche (murmur3's finalizer): with the index taken from
	 * a bare product, neighbouring IPv4 addresses shared slots more often
	 * than chance, and 42% of them, not 1/e, outlived a flood as large as
	 * the filter (tests/unit/test_flood.c). */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	*idx = (h >> 1) & (SG_SLOW_FP_SLOTS / 2 - 1);
	*half = h & 1;
	*fp = (a * 0x297a2d39u) | 1;
}

#endif /* SG_ADMIT_H */
