/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sg_admit.h - the admission slots: where the XDP program keeps the first
 * probe of a source (or source network) it does not track yet, and how a
 * key finds its slot; where a (network, target) pair is remembered seen;
 * which keys the tracking maps may hold; and where a key's fingerprint
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

/* Which keys a tracking map may hold: a bit per hashed key, one bitmap for
 * the sources (sg_track) and one for the networks (sg_net_track), private
 * to the program.  The program sets a key's bit before it inserts the
 * key's entry (bpf/track.h); the loader builds both from the maps before
 * the program runs, and the daemon rebuilds them every SG_HINT_REBUILD_NS,
 * which clears the bits of entries evicted since.  A key whose bit is
 * clear has no entry, and its probe skips the map's lookup: a flood of new
 * sources would pay it on every packet.  An entry inserted while a rebuild
 * runs may lose its bit: its key's next probe waits in an admission slot
 * and the one after finds the entry (sg_admit_promote()), one target short. */
#define SG_TRACK_HINT_ORDER	20	/* 2^20 bits: 128 KiB */
#define SG_NET_HINT_ORDER	16	/* 8 KiB */
#define SG_HINT_REBUILD_NS	(60 * SG_NSEC_PER_SEC)

struct sg_track_hint {
	__u64 w[(1u << SG_TRACK_HINT_ORDER) / 64];
};

struct sg_net_hint {
	__u64 w[(1u << SG_NET_HINT_ORDER) / 64];
};

/* A key's bit in a bitmap of 2^order bits. */
static inline __attribute__((always_inline)) __u32 sg_hint_bit(const struct sg_addr *key,
							       __u32 order)
{
	return (sg_admit_mix(key) * 0x7feb352du) >> (32 - order);
}

/* A key's set in a tracking table of nsets sets (SG_TRACK_WAYS entries
 * each): murmur3 over the key's words, seeded with
 * the instance's secret (sg_state.track_seed).  Keyed because a set is
 * small: whoever could compute sets could push a scanner's entry out with
 * a few spoofed sources, where an LRU needed as many as it holds. */
static inline __attribute__((always_inline)) __u32
sg_track_set_of(const struct sg_addr *key, __u32 seed, __u32 nsets)
{
	__u32 h = seed;

	for (int i = 0; i < 4; i++) {
		__u32 k = key->w[i] * 0xcc9e2d51u;

		k = (k << 15 | k >> 17) * 0x1b873593u;
		h ^= k;
		h = (h << 13 | h >> 19) * 5 + 0xe6546b64u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (__u32)(((__u64)h * nsets) >> 32);
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
