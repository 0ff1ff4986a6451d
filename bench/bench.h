/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bench.h - what the benchmark's own XDP programs (bench.bpf.c) and its
 * driver share: how the harness varies the source address of the frame it
 * is given before it tail-calls the program under test, and the slots of
 * structs.bpf.c's memory walk.
 */
#ifndef SG_BENCH_H
#define SG_BENCH_H

#include <linux/types.h>

/* Byte offset of the 32-bit word the harness rewrites: the IPv4 source
 * address (14 + 12), or bytes 4..7 of the IPv6 source (14 + 8 + 4), which
 * lie inside the /64 that scanguard keys IPv6 sources by.  Both are 26, so
 * one harness serves both families of untagged frames. */
#define BENCH_SRC_OFF		26

enum bench_vary_mode {
	/* word = base + ((start + i) * mul) % n: mul 1 walks n keys in order,
	 * an odd prime mul coprime to n visits them in a scattered order. */
	BENCH_VARY_STRIDE = 0,
	/* word = base + mix(start + i) over `bits` bits: a pseudo-random
	 * permutation, every key new until 2^bits iterations have passed. */
	BENCH_VARY_MIX = 1,
};

struct bench_vary {
	__u32 mode;		/* enum bench_vary_mode */
	__u32 base;		/* host byte order */
	__u64 start;		/* first iteration's index */
	__u64 mul;		/* STRIDE */
	__u64 n;		/* STRIDE: number of keys (> 0) */
	__u32 bits;		/* MIX: 1..32 */
	__u32 pad;
};

/* A slot of structs.bpf.c's memory walk: a cache line naming the next. */
struct bench_chase_slot {
	__u32 next;
	__u32 pad[15];
};

#endif /* SG_BENCH_H */
