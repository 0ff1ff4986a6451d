/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * slow.h - slow scans: distinct failed targets of a source over a long
 * window (hours), in a map of its own that only sources with a second
 * failure enter, so that a flood of one-probe spoofed sources cannot evict
 * a patient scanner.  Targets go into a 256-bit Bloom filter: compact, and
 * its rare false hits only make the count lower, never a false block.
 */
#ifndef SG_SLOW_H
#define SG_SLOW_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"
#include "maps.h"
#include "track.h"
#include "sg_admit.h"

/* True when the source failed before: the failed-before filter holds its
 * fingerprint.  Otherwise it remembers this failure there. */
static __always_inline int sg_failed_before(const struct sg_addr *key)
{
	struct sg_slow_fp_pair *pair;
	__u32 idx, half, fp, *slot;

	sg_slow_fp_hash(key, &idx, &half, &fp);
	pair = bpf_map_lookup_elem(&SG_MAP_SLOW_FP, &idx);
	if (!pair)
		return 0;
	slot = &pair->fp[half & 1];
	if (SG_READ_ONCE(*slot) == fp)
		return 1;
	*slot = fp;
	return 0;
}

/* Touches the key's place in the failed-before filter. */
static __always_inline void sg_failed_before_touch(const struct sg_addr *key)
{
	__u32 idx, half, fp;

	sg_slow_fp_hash(key, &idx, &half, &fp);
	sg_touch(bpf_map_lookup_elem(&SG_MAP_SLOW_FP, &idx));
}

/* Counts a new failed target of a source that has a slow entry or is
 * admitted now; returns the slow count after it, or 0 when the target was
 * (probably) seen in this slow window or the source is not admitted. */
static __always_inline __u32 sg_slow_add(const struct sg_addr *key, __u32 target, __u64 now,
					 __u64 window_ns, int had_failure)
{
	struct sg_slow *s = bpf_map_lookup_elem(&SG_MAP_SLOW, key);
	__u32 h1 = target * 0x9e3779b1u, h2 = (target ^ 0x5bd1e995u) * 0x85ebca6bu;
	__u64 b1 = 1ULL << ((h1 >> 24) & 63), b2 = 1ULL << ((h2 >> 24) & 63);
	__u32 w1 = (h1 >> 16) & (SG_SLOW_BLOOM_WORDS - 1), w2 = (h2 >> 16) & (SG_SLOW_BLOOM_WORDS - 1);

	if (!s && !had_failure && !sg_failed_before(key))
		return 0;
	if (!s || sg_elapsed(now, s->window_start) >= window_ns) {
		/* The failure that qualified the source came before this one. */
		struct sg_slow fresh = { .window_start = now, .count = 1 };

		bpf_map_update_elem(&SG_MAP_SLOW, key, &fresh, s ? BPF_ANY : BPF_NOEXIST);
		s = bpf_map_lookup_elem(&SG_MAP_SLOW, key);
		if (!s)
			return 0;
	}
	if ((SG_READ_ONCE(s->bloom[w1]) & b1) && (SG_READ_ONCE(s->bloom[w2]) & b2))
		return 0;
	__sync_fetch_and_or(&s->bloom[w1], b1);
	__sync_fetch_and_or(&s->bloom[w2], b2);
	return __sync_fetch_and_add(&s->count, 1) + 1;
}

#endif /* SG_SLOW_H */
