// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * harness.bpf.c - gives every iteration of a BPF_PROG_TEST_RUN a different
 * source address and then tail-calls the program under test (slot 0 of
 * bench_next).  `repeat` reuses one frame, so without the harness only hit
 * paths could be timed; the harness tail-calling the empty program is timed
 * too, so that its own cost can be subtracted.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bench.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_next SEC(".maps");

/* Set by the driver before each run; iter counts the harness's runs (one CPU
 * runs a test, so a plain increment is exact). */
struct bench_vary vary;
__u64 iter;

/* A bijection on [0, 2^bits): multiplication by an odd constant and
 * xor-shifts are each invertible modulo 2^bits. */
static __always_inline __u32 bench_mix(__u64 x, __u32 bits)
{
	__u32 mask = bits >= 32 ? ~0u : (1u << bits) - 1;
	__u32 half = (bits + 1) / 2;
	__u32 v = (__u32)x & mask;

	v = (v * 0x9e3779b1u) & mask;
	v ^= v >> half;
	v = (v * 0x85ebca6bu) & mask;
	v ^= v >> half;
	return v;
}

SEC("xdp")
int bench_harness(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *word = data + BENCH_SRC_OFF;
	__u64 i = vary.start + iter++;
	__u32 idx;

	if ((void *)(word + 1) > data_end)
		return XDP_ABORTED;
	if (vary.mode == BENCH_VARY_MIX)
		idx = bench_mix(i, vary.bits);
	else
		idx = vary.n ? (i * vary.mul) % vary.n : 0;
	*word = bpf_htonl(vary.base + idx);
	bpf_tail_call(ctx, &bench_next, 0);
	return XDP_ABORTED;	/* the slot was empty */
}
