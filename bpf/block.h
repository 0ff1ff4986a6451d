/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * block.h - the blocklist and the allow-list as the XDP program sees them:
 * source keys, block lookup with expiry decided here in the kernel, block
 * insertion, and allow-list matching.
 */
#ifndef SG_BLOCK_H
#define SG_BLOCK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "scanguard.h"
#include "sg_parse.h"
#include "maps.h"
#include "clock.h"

/* Masks an address to len bits of its own family. */
static __always_inline void sg_mask_family(struct sg_addr *a, __u32 family, __u32 len)
{
	__u32 len128 = family == 6 ? len : len + 96;

	SG_UNROLL
	for (int i = 0; i < 4; i++) {
		__s32 bits = (__s32)len128 - 32 * i;

		if (bits >= 32)
			continue;
		a->w[i] &= bpf_htonl(bits <= 0 ? 0 : ~0u << (32 - bits));
	}
}

/* The source key: an IPv4 address, or an IPv6 address cut to the configured
 * prefix, because scanners rotate through the addresses of their /64. */
static __always_inline void sg_source_key(const struct sg_addr *src, int family, __u32 v6_prefix,
					  struct sg_addr *key)
{
	*key = *src;
	if (family == 6)
		sg_mask_family(key, 6, v6_prefix);
}

static __always_inline __u8 sg_key_prefixlen(const struct sg_pkt *p, __u32 v6_prefix)
{
	return p->family == 6 ? v6_prefix : 32;
}

/* A source as an LPM key: what the allow-list and CIDR blocks look up. */
static __always_inline void sg_src_lpm(const struct sg_addr *src, struct sg_lpm_key *k)
{
	k->prefixlen = 128;
	k->addr = *src;
}

/* The trie is looked up only when the allow-list may hold the address. */
static __always_inline int sg_allowed(const struct sg_lpm_key *src)
{
	__u32 zero = 0, bit = sg_allow_hint_bit(&src->addr);
	struct sg_allow_hint *h = bpf_map_lookup_elem(&SG_MAP_ALLOW_HINT, &zero);

	if (h && !(h->w[bit / 64 % (2 * SG_ALLOW_HINT_BITS / 64)] & (1ULL << (bit % 64))))
		return 0;
	return bpf_map_lookup_elem(&SG_MAP_ALLOW, src) != 0;
}

static __always_inline int sg_block_live(const struct sg_block *b, __u64 now)
{
	return b->expires_ns == 0 || now < b->expires_ns;
}

static __always_inline int sg_addr_is_v6(const struct sg_addr *a)
{
	return !sg_addr_mapped(a);
}

/* True when the source (src, as an LPM key) is blocked now.  An expired
 * exact block is deleted here, so the source starts again from a clean
 * count; expired CIDR blocks are ignored here and removed by the daemon's
 * sweep.  The clock is read only when a block matched. */
static __always_inline int sg_is_blocked(struct sg_state *st, const struct sg_addr *key,
					 const struct sg_lpm_key *src, struct sg_clock *clk,
					 __u32 *expired)
{
	if (st->nr_blocks) {
		struct sg_block *b = bpf_map_lookup_elem(&SG_MAP_BLOCKS, key);

		if (b) {
			/* An IPv6 key is a whole prefix: an allow-listed address
			 * inside it stays allowed, as inside a CIDR block; only
			 * a prefix that holds an allow-list entry is flagged so.
			 * An IPv4 key is the address itself, which is never
			 * allowed (not counted, manual blocks refused, allow add
			 * lifts blocks). */
			if (sg_block_live(b, sg_now(clk)))
				return !((b->flags & SG_BLOCK_ALLOW_INSIDE) && sg_allowed(src));
			if (bpf_map_delete_elem(&SG_MAP_BLOCKS, key) == 0) {
				__sync_fetch_and_sub(&st->nr_blocks, 1);
				*expired = 1;
			}
		}
	}
	if (st->nr_cidr_blocks) {
		struct sg_block *b = bpf_map_lookup_elem(&SG_MAP_CIDR_BLOCKS, src);

		/* An allow-listed address inside a blocked range stays allowed. */
		if (b && sg_block_live(b, sg_now(clk)) && !sg_allowed(src))
			return 1;
	}
	return 0;
}

/* A repeat offender's block: the block-ttl doubled for each block within
 * block-ttl-max of the last one ended, up to block-ttl-max (fail2ban's
 * bantime.increment).  Returns the TTL and records this block. */
static __always_inline __u64 sg_offender_ttl(const struct sg_addr *key, __u64 now,
					     const struct sg_config *cfg, __u32 *strikes)
{
	struct sg_offender *o = bpf_map_lookup_elem(&SG_MAP_OFFENDERS, key);
	struct sg_offender rec = { .strikes = 1 };
	__u64 ttl = cfg->block_ttl_ns, max = cfg->block_ttl_max_ns;

	if (max < ttl)
		max = ttl;
	if (o && now < o->last_expiry_ns + max)
		rec.strikes = o->strikes + 1;
	/* block-ttl is at most 2^52 ns, so 11 doublings cannot overflow. */
	if (rec.strikes > 12 || (ttl << (rec.strikes - 1)) > max)
		ttl = max;
	else
		ttl <<= rec.strikes - 1;
	rec.last_expiry_ns = now + ttl;
	bpf_map_update_elem(&SG_MAP_OFFENDERS, key, &rec, BPF_ANY);
	*strikes = rec.strikes;
	return ttl;
}

/* Blocks a source key; returns 0, -EEXIST when it already is (another CPU
 * detected it first), or another negative error when the table is full. */
static __always_inline int sg_block_add(struct sg_state *st, const struct sg_addr *key,
					__u64 now, __u64 ttl_ns, __u32 detector, __u32 strikes)
{
	struct sg_block b = {
		.expires_ns = now + ttl_ns,
		.created_ns = now,
		.detector = detector,
		.strikes = strikes,
	};
	struct sg_block *nb;
	int v6 = sg_addr_is_v6(key), err;

	if (v6 && bpf_map_lookup_elem(&SG_MAP_ALLOW_INSIDE, key))
		b.flags = SG_BLOCK_ALLOW_INSIDE;
	/* Count first so a reader never sees a block the count misses. */
	__sync_fetch_and_add(&st->nr_blocks, 1);
	err = bpf_map_update_elem(&SG_MAP_BLOCKS, key, &b, BPF_NOEXIST);
	if (err) {
		__sync_fetch_and_sub(&st->nr_blocks, 1);
		return err;
	}
	/* An allow-list entry added meanwhile: userspace counts it before it
	 * looks for the block, this looks again after adding it, so one of
	 * the two sees the other. */
	if (v6 && !b.flags && bpf_map_lookup_elem(&SG_MAP_ALLOW_INSIDE, key)) {
		nb = bpf_map_lookup_elem(&SG_MAP_BLOCKS, key);
		if (nb)
			__sync_fetch_and_or(&nb->flags, SG_BLOCK_ALLOW_INSIDE);
	}
	return 0;
}

/* Blocks a whole source network (a distributed scan). */
static __always_inline int sg_block_net(struct sg_state *st, const struct sg_addr *net,
					__u32 prefixlen128, __u64 now, __u64 ttl_ns,
					__u32 strikes)
{
	struct sg_lpm_key k = { .prefixlen = prefixlen128, .addr = *net };
	struct sg_block b = {
		.expires_ns = now + ttl_ns,
		.created_ns = now,
		.detector = SG_DET_DISTRIBUTED,
		.prefixlen = prefixlen128,
		.strikes = strikes,
	};
	int err;

	__sync_fetch_and_add(&st->nr_cidr_blocks, 1);
	err = bpf_map_update_elem(&SG_MAP_CIDR_BLOCKS, &k, &b, BPF_NOEXIST);
	if (err)
		__sync_fetch_and_sub(&st->nr_cidr_blocks, 1);
	return err;
}

#endif /* SG_BLOCK_H */
