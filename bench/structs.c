// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * structs.c - times the per-source state structures of structs.bpf.c bare:
 * one hit in an LRU hash like sg_track, and one in a direct-mapped array of
 * cache-line slots, each with 1 K, 100 K and 1 M sources, cycled through
 * in a scattered order behind the harness (whose own cost, harness ->
 * empty program, is subtracted, so the figure is the structure's alone);
 * and the memory's latency at the footprint of scanguard's table for as
 * many sources (four 64-byte ways a source, as the scaling runs size it):
 * one read per run, each at the slot the run before it read named.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "sg_parse.h"
#include "scenarios.h"
#include "structs.skel.h"

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* The tracked sources' keys, as structs.bpf.c builds them from the word
 * the harness writes. */
static int prefill(int fd, uint32_t n)
{
	const uint32_t chunk = 65536;
	struct { __u32 w[4]; } *keys = calloc(chunk, sizeof(*keys));
	char (*vals)[48] = calloc(chunk, sizeof(*vals));
	int ret = 0;

	if (!keys || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t first = 0; first < n && !ret; first += chunk) {
		__u32 cnt = n - first < chunk ? n - first : chunk;

		for (uint32_t i = 0; i < cnt; i++) {
			keys[i].w[0] = htonl(0x20010db8);
			keys[i].w[1] = htonl(BM_TRACK6 + first + i);
		}
		if (bpf_map_update_batch(fd, keys, vals, &cnt, NULL))
			ret = -errno;
	}
out:
	free(keys);
	free(vals);
	return ret;
}

static uint32_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x >> 32;
}

/* A cycle through n slots of an array of 4 n, one in a random way of each
 * group of four, the groups in a random order (fixed seed: the same walk
 * every run); *start is a slot on it. */
static int chase_fill(int fd, uint32_t n, uint32_t *start)
{
	const uint32_t chunk = 65536;
	struct bench_chase_slot *vals = calloc(chunk, sizeof(*vals));
	uint32_t *keys = calloc(chunk, sizeof(*keys)), *slot = calloc(n, sizeof(*slot));
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int ret = 0;

	if (!keys || !vals || !slot) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		slot[i] = i * 4 + xorshift(&x) % 4;
	for (uint32_t i = n - 1; i > 0; i--) {	/* Fisher-Yates */
		uint32_t j = xorshift(&x) % (i + 1), t = slot[i];

		slot[i] = slot[j];
		slot[j] = t;
	}
	*start = slot[0];
	for (uint32_t first = 0; first < n && !ret; first += chunk) {
		__u32 cnt = n - first < chunk ? n - first : chunk;

		for (uint32_t i = 0; i < cnt; i++) {
			keys[i] = slot[first + i];
			vals[i].next = slot[(first + i + 1) % n];
		}
		if (bpf_map_update_batch(fd, keys, vals, &cnt, NULL))
			ret = -errno;
	}
out:
	free(keys);
	free(vals);
	free(slot);
	return ret;
}

static struct bm_struct_result *new_row(struct bm_ctx *c)
{
	if (c->nstructs == (int)(sizeof(c->structs) / sizeof(c->structs[0])))
		return NULL;
	return &c->structs[c->nstructs++];
}

int bm_run_structures(struct bm_ctx *c)
{
	static const uint32_t sizes[] = { 1000, 100000, 1000000 };
	struct bm_frame f;
	int ret;

	ret = bm_frame_tcp(&f, 6, NULL, BM_PORT_PROBE, SG_TCP_SYN, 0);
	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t n = sizes[i], slots = pow2_at_least(n);
		double v[3][BM_MAX_REPS];
		struct structs_bpf *sk;
		uint32_t verdict[3] = { 0, 0, 0 };
		int fds[3];

		pr_info("structures: %u sources", n);
		sk = structs_bpf__open();
		if (!sk)
			return -errno;
		ret = bpf_map__set_max_entries(sk->maps.bench_lru, (n + 4096) * c->ncpus);
		if (!ret)
			ret = bpf_map__set_max_entries(sk->maps.bench_slots, slots);
		if (!ret)
			ret = bpf_map__set_max_entries(sk->maps.bench_chase, 4 * n);
		sk->rodata->slot_mask = slots - 1;
		if (!ret)
			ret = structs_bpf__load(sk);
		if (!ret)
			ret = prefill(bpf_map__fd(sk->maps.bench_lru), n);
		if (!ret)
			ret = chase_fill(bpf_map__fd(sk->maps.bench_chase), n, &sk->bss->chase_at);
		fds[0] = bpf_program__fd(sk->progs.bench_lru_hit);
		fds[1] = bpf_program__fd(sk->progs.bench_slot_hit);
		fds[2] = bpf_program__fd(sk->progs.bench_chase_step);
		for (int rep = 0; rep < c->o.scale_reps && !ret; rep++) {
			struct bench_vary vary = { .mode = BENCH_VARY_STRIDE, .base = BM_TRACK6,
						   .mul = 2654435761u, .n = n,
						   .start = (uint64_t)rep * c->o.cycle_repeat };
			double empty = 0, t;

			for (int k = -1; k < 3 && !ret; k++) {
				ret = bench_target(&c->b, k < 0 ? c->b.empty_fd : fds[k]);
				if (ret)
					break;
				bench_vary(&c->b, &vary);
				ret = bm_run(c->b.harness_fd, f.buf, f.len, c->o.cycle_repeat, &t,
					     k < 0 ? NULL : &verdict[k]);
				if (k < 0)
					empty = t;
				else
					v[k][rep] = t - empty;
			}
		}
		structs_bpf__destroy(sk);
		if (ret)
			return ret;
		if (verdict[0] != XDP_PASS) {
			pr_warn("structures: the LRU hash missed a tracked source");
			return -EIO;
		}
		if (verdict[2] != XDP_PASS) {
			pr_warn("structures: the memory walk left its slots");
			return -EIO;
		}
		for (int k = 0; k < 3; k++) {
			static const char *const name[] = { "lru_hash", "slot_array", "memory_chase" };
			static const int bytes[] = { 128, 64, 256 };
			struct bm_struct_result *r = new_row(c);

			if (!r)
				return -ENOSPC;
			r->structure = name[k];
			r->sources = n;
			r->bytes_per_source = bytes[k];
			bm_stats(v[k], c->o.scale_reps, &r->ns);
		}
	}
	return 0;
}
