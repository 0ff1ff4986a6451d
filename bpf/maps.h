/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * maps.h - every BPF map of the XDP program.  Names come from scanguard.h so
 * userspace opens the pinned maps by the same macro; sizes are the defaults
 * there, and the daemon may resize the large ones before load.
 */
#ifndef SG_MAPS_H
#define SG_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_config);
} SG_MAP_CONFIG SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_state);
} SG_MAP_STATE SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_stats);
} SG_MAP_STATS SEC(".maps");

/* Tier-1 tracking: a set-associative table (scanguard.h), where a full
 * set replaces its least recently used entry, because forgetting an idle
 * source is acceptable.  Only sources with a second target enter (one-probe
 * sources stop in the admission array), so a flood of spoofed one-probe
 * sources pushes nobody out.  Mmapable: userspace reads it whole. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SG_MAX_SOURCES / SG_TRACK_WAYS);
	__type(key, __u32);
	__type(value, struct sg_track_set);
} SG_MAP_TRACK SEC(".maps");

/* Its number of sets: the benchmark sizes the table for 1 M sources and
 * sets this to match before load. */
const volatile __u32 sg_track_sets = SG_MAX_SOURCES / SG_TRACK_WAYS;

/* Tier-2 tracking, only for sources with more targets than fit inline: a
 * flood of one-probe sources never reaches it, so it cannot flush it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_MAX_SUSPECTS);
	__type(key, struct sg_addr);
	__type(value, struct sg_suspect);
} SG_MAP_SUSPECT SEC(".maps");

/* Blocks are a plain hash, never LRU: a flood must not be able to evict a
 * block.  When it is full a new block fails loudly (counter and event). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SG_MAX_BLOCKS);
	__type(key, struct sg_addr);
	__type(value, struct sg_block);
} SG_MAP_BLOCKS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_MAX_CIDR_BLOCKS);
	__type(key, struct sg_lpm_key);
	__type(value, struct sg_block);
} SG_MAP_CIDR_BLOCKS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_MAX_ALLOW);
	__type(key, struct sg_lpm_key);
	__type(value, struct sg_allow);
} SG_MAP_ALLOW SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* userspace sets bits atomically */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_allow_hint);
} SG_MAP_ALLOW_HINT SEC(".maps");

/* IPv6 source prefixes holding a narrower allow-list entry, and how many
 * (SG_BLOCK_ALLOW_INSIDE): at most one per allow-list entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SG_MAX_ALLOW);
	__type(key, struct sg_addr);
	__type(value, __u32);
} SG_MAP_ALLOW_INSIDE SEC(".maps");

/* Events are emitted on state changes only (a detection), never per packet. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} SG_MAP_EVENTS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct sg_iface);
} SG_MAP_IFACES SEC(".maps");

/* Distributed scans: the same two tiers, keyed by source network. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SG_MAX_NETS / SG_TRACK_WAYS);
	__type(key, __u32);
	__type(value, struct sg_track_set);
} SG_MAP_NET_TRACK SEC(".maps");

#define SG_NET_TRACK_SETS	(SG_MAX_NETS / SG_TRACK_WAYS)

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_MAX_NET_SUSPECTS);
	__type(key, struct sg_addr);
	__type(value, struct sg_suspect);
} SG_MAP_NET_SUSPECT SEC(".maps");

/* Slow scans: own map, entered only on a second failure. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_MAX_SLOW);
	__type(key, struct sg_addr);
	__type(value, struct sg_slow);
} SG_MAP_SLOW SEC(".maps");

/* The failed-before filter: per slot, a fingerprint of the last source
 * whose failure landed there.  A source's later failure finds it even when
 * a flood has taken its admission slot (bpf/track.h) and its tracking
 * entry in between: a spoofed packet overwrites a given slot with
 * probability 1/SG_SLOW_FP_SLOTS, where the admission array's two-way sets
 * turn over every few new sources and an LRU is emptied in order by as
 * many new sources as it holds. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* tests clear its 4 MiB at once */
	/* Two slots an element: array elements take 8 bytes anyway. */
	__uint(max_entries, SG_SLOW_FP_SLOTS / 2);
	__type(key, __u32);
	__type(value, struct sg_slow_fp_pair);
} SG_MAP_SLOW_FP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_MAX_OFFENDERS);
	__type(key, struct sg_addr);
	__type(value, struct sg_offender);
} SG_MAP_OFFENDERS SEC(".maps");

/* Trap ports, one bit per (TCP|UDP, port). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_TRAP_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} SG_MAP_TRAPS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_MAX_EXPOSED);
	__type(key, struct sg_exposed_key);
	__type(value, struct sg_exposed);
} SG_MAP_EXPOSED SEC(".maps");

/* Outbound flows seen on inside interfaces; LRU: an idle flow may go. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_MAX_FLOWS);
	__type(key, struct sg_flow_key);
	__type(value, __u64);
} SG_MAP_FLOWS SEC(".maps");

/* The clock of the test entry point (tests and capture replay set it). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} SG_MAP_TEST_CLOCK SEC(".maps");

#endif /* SG_MAPS_H */
