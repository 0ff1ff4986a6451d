/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* scenarios.h - the benchmark's scenarios, the state each needs, and the
 * results they produce (main table, scaling series, map memory). */
#ifndef SG_BENCH_SCENARIOS_H
#define SG_BENCH_SCENARIOS_H

#include <stdbool.h>
#include <stdint.h>
#include "measure.h"
#include "subjects.h"

/* The programs timed on every frame, in the order results are kept. */
enum bm_prog { BM_SG, BM_EMPTY, BM_FILT, BM_NPROGS };

#define BM_MAX_REPS	64
#define BM_MAX_RESULTS	64

struct bm_opts {
	int reps;		/* measurements per program and scenario */
	int scale_reps;		/* the same for scaling points */
	uint32_t repeat;	/* test-run repeat of direct scenarios */
	uint32_t insert_repeat;	/* new sources per measurement (scenario 5) */
	uint32_t flood_repeat;	/* spoofed sources per measurement (scenario 6) */
	uint32_t cycle_repeat;	/* runs per measurement when cycling tracked sources */
	bool quick;		/* smoke run: small repeats, same scenarios */
	bool no_scaling;
	int only;		/* run only this scenario (1..6; 0 = all) */
	int cpu;
	const char *xdpfilt_path;
	char sets[8][64];	/* --set KEY=VALUE, as given */
	int nsets;
};

struct bm_result {
	char name[48];
	int scenario;		/* 1..6 */
	int family;		/* 4 or 6 */
	const char *what;
	bool harness;		/* timed behind the key-varying harness */
	uint32_t repeat;
	struct bm_stats ns[BM_NPROGS];	/* ns per packet, harness cost removed */
	struct bm_stats harness_ns;	/* the harness's own cost, when used */
	uint32_t verdict[BM_NPROGS];	/* XDP action of the last run */
	/* State the frame met. */
	long tracked, allow, blocks;
	uint32_t track_entries;
	char series[24];	/* scaling: which series; "" in the main table */
	long x;			/* scaling: the series' variable */
};

struct bm_map_mem {
	char map[32];
	char type[24];
	uint32_t max_entries;
	long entries;		/* entries present when read */
	uint64_t memlock;	/* the kernel's accounting, bytes */
	char config[24];	/* "default-empty", "default-full", "1M-sources" */
};

/* One per-source structure, bare (structs.c). */
struct bm_struct_result {
	const char *structure;	/* "lru_hash", "slot_array" or "memory_chase" */
	long sources;
	int bytes_per_source;	/* nominal: an LRU element and bucket; a slot; four slots */
	struct bm_stats ns;	/* one hit, harness removed */
};

struct bm_ctx {
	struct bm_opts o;
	int ncpus;		/* possible CPUs: per-CPU LRU lists split the map */
	struct bench_progs b;
	struct xdpfilt xf;
	struct bm_result res[BM_MAX_RESULTS];
	int nres;
	struct bm_result scale[BM_MAX_RESULTS];
	int nscale;
	struct bm_map_mem mem[256];	/* every map, in each memory configuration */
	int nmem;
	struct bm_struct_result structs[12];
	int nstructs;
	double bytes_per_source;		/* sg_track memlock / max_entries */
	double bytes_per_source_total;		/* (sg_track + sg_suspect) / max_entries */
};

int bm_run_main(struct bm_ctx *c);
int bm_run_scaling(struct bm_ctx *c);
int bm_run_memory(struct bm_ctx *c);
int bm_run_structures(struct bm_ctx *c);

/* ---- state.c: building the state a scenario needs ---------------------- */

/* Address ranges (the 32-bit word the harness writes; see bench.h).  All
 * inside 198.18.0.0/15 and 2001:db8::/32, and disjoint from each other. */
#define BM_V4(a, b, c, d)	(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define BM_BLOCK4	BM_V4(198, 19, 192, 0)	/* blocked sources */
#define BM_TRACK4	BM_V4(198, 18, 16, 0)	/* tracked sources */
#define BM_NEW4		BM_V4(198, 18, 32, 0)	/* new sources (insert path), up to */
#define BM_NEW4_COUNT	122880			/* the end of 198.18.0.0/15 */
#define BM_FLOOD4	BM_V4(198, 18, 0, 0)	/* spoofed flood: all of 198.18.0.0/15 */
#define BM_FLOOD4_BITS	17
#define BM_ALLOW4	BM_V4(198, 18, 64, 0)	/* allow-list CIDRs, 8 addresses apart */
#define BM_BLOCK6	0x000b0000u		/* 2001:db8:b:N::/64 */
#define BM_TRACK6	0x10000000u		/* 2001:db8:1000:N::/64 */
#define BM_NEW6		0x20000000u		/* 2001:db8:2000:N::/64 */
#define BM_NEW6_COUNT	0x10000000u
#define BM_FLOOD6_BITS	32			/* any /64 of 2001:db8::/32 */

/* Frames every scenario uses: to 198.18.0.1 / 2001:db8::1. */
struct bm_frame {
	uint8_t buf[2048];
	uint32_t len;
};

#define BM_PORT_SERVICE	443	/* an open service (benign traffic) */
#define BM_PORT_CLOSED	5555	/* what a blocked source probes */
#define BM_PORT_PROBE	2001	/* first of the ports tracked sources probed */

/* A TCP frame from src (a string, or NULL for the harness's template whose
 * source word the harness overwrites). */
int bm_frame_tcp(struct bm_frame *f, int family, const char *src, uint16_t dport, uint8_t flags,
		 uint32_t payload);
/* The source address string of word in family's range. */
const char *bm_src_str(int family, uint32_t word, char *buf, size_t len);
/* The tracking key of word (IPv6 cut to the default /64). */
void bm_src_key(int family, uint32_t word, struct sg_addr *key);

/* n allow-list CIDRs, half per family, of mixed lengths. */
int bm_add_allow(struct sg_subject *s, long n);
/* Makes the program itself detect and block n sources of family starting at
 * base (each probes distinct ports until blocked). */
int bm_make_blocks(struct bm_ctx *c, struct sg_subject *s, int family, uint32_t base, uint32_t n);
/* How many closed ports a tracked source has probed: as many as the
 * configuration lets a source probe without crossing any threshold (with
 * failure scoring on, one failure short of its threshold). */
int bm_tracked_targets(void);
/* Makes the program track n sources from base, each having probed
 * bm_tracked_targets() closed ports, from BM_PORT_PROBE up. */
int bm_make_tracked(struct bm_ctx *c, struct sg_subject *s, int family, uint32_t base,
		    uint32_t n);
/* Probes count sources of the plan passes times each (a distinct closed port
 * per pass), in chunks of 4,096 sources. */
int bm_probe_chunked(struct bm_ctx *c, struct sg_subject *s, int family,
		     const struct bench_vary *v, uint32_t count, int passes);
/* Runs the harness over scanguard: every source of the plan once per call. */
int bm_probe_range(struct bm_ctx *c, struct sg_subject *s, int family, const struct bench_vary *v,
		   uint32_t count, uint16_t dport);

#endif
