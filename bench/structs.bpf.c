// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * structs.bpf.c - two ways to keep per-source state, timed bare behind the
 * harness so that their cost as the number of sources grows can be told
 * apart from everything else scanguard does: a hit in an LRU hash (the
 * kind of map sg_track is: 16-byte key, 48-byte value) and a hit in a
 * direct-mapped array of 64-byte slots, one cache line per source.  And
 * the memory's latency: a walk through an array of 64-byte slots in which
 * each run reads the slot the run before it named, so no run's access can
 * overlap another's, as none can in scanguard's program, whose every run
 * is longer than the CPU looks ahead.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bench.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct bench_key {
	__u32 w[4];
};

struct bench_val {
	__u64 window;
	__u32 v[10];
};

struct bench_slot {
	__u32 fp;
	__u32 count;
	__u64 window;
	__u32 v[12];
};

/* Sized by the driver before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, 1);
	__type(key, struct bench_key);
	__type(value, struct bench_val);
} bench_lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_slot);
} bench_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_chase_slot);
} bench_chase SEC(".maps");

__u32 chase_at;	/* the slot the next run reads */

const volatile __u32 slot_mask = 0;	/* slots - 1, a power of two less one */

static __always_inline __u32 *bench_word(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *w = data + BENCH_SRC_OFF;

	return (void *)(w + 1) <= data_end ? w : 0;
}

/* The IPv6 source's /64 as the key, as the harness writes it. */
SEC("xdp")
int bench_lru_hit(struct xdp_md *ctx)
{
	__u32 *w = bench_word(ctx);
	struct bench_key k = { { __builtin_bswap32(0x20010db8), 0, 0, 0 } };
	struct bench_val *v;

	if (!w)
		return XDP_ABORTED;
	k.w[1] = *w;
	v = bpf_map_lookup_elem(&bench_lru, &k);
	if (!v)
		return XDP_DROP;	/* a miss: the driver checks there are none */
	v->v[0]++;
	return XDP_PASS;
}

SEC("xdp")
int bench_slot_hit(struct xdp_md *ctx)
{
	__u32 *w = bench_word(ctx);
	struct bench_slot *s;
	__u32 h, idx;

	if (!w)
		return XDP_ABORTED;
	h = *w * 0x9e3779b1u;
	h ^= h >> 15;
	idx = h & slot_mask;
	s = bpf_map_lookup_elem(&bench_slots, &idx);
	if (!s)
		return XDP_ABORTED;
	/* Read and written, as the LRU hit is (its value and its ref bit). */
	if (s->fp != (h | 1))
		s->fp = h | 1;
	s->count++;
	return XDP_PASS;
}

SEC("xdp")
int bench_chase_step(struct xdp_md *ctx)
{
	__u32 idx = chase_at;
	struct bench_chase_slot *s = bpf_map_lookup_elem(&bench_chase, &idx);

	if (!s)
		return XDP_ABORTED;
	chase_at = s->next;
	return XDP_PASS;
}
