/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * track.h - per-source (or per-network) state for one window: the set of
 * distinct targets, stored exactly (a few inline slots in the tier-1 entry,
 * then an open-addressing table in a tier-2 entry that only sources past
 * the inline slots get), plus counters.  Slots are claimed with
 * compare-and-swap and counters change with atomic adds, so probes of one
 * source arriving on several CPUs at once are each counted once and exactly
 * one CPU sees a counter cross its threshold.
 */
#ifndef SG_TRACK_H
#define SG_TRACK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"
#include "maps.h"
#include "sg_admit.h"

#define SG_READ_ONCE(x) (*(volatile typeof(x) *)&(x))

enum sg_add_result {
	SG_ADD_SEEN = 0,	/* target already in the set this window */
	SG_ADD_NEW,		/* first time this window */
	SG_ADD_FULL,		/* no room: caller must spill to the next tier */
};

/* Zeroed template for new tier-2 entries (too big for the BPF stack); its
 * slots are never written, only window_start. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_suspect);
} sg_suspect_tmpl SEC(".maps");

static __always_inline int sg_slot_claim(__u32 *slot, __u32 target)
{
	__u32 cur = SG_READ_ONCE(*slot);

	if (cur == target)
		return SG_ADD_SEEN;
	if (cur != 0)
		return SG_ADD_FULL;	/* taken by another target */
	cur = __sync_val_compare_and_swap(slot, 0, target);
	if (cur == 0)
		return SG_ADD_NEW;
	return cur == target ? SG_ADD_SEEN : SG_ADD_FULL;
}

static __always_inline int sg_inline_add(struct sg_track *t, __u32 target)
{
	SG_UNROLL
	for (int i = 0; i < SG_INLINE_SLOTS; i++) {
		int r = sg_slot_claim(&t->slot[i], target);

		if (r != SG_ADD_FULL)
			return r;
	}
	return SG_ADD_FULL;
}

struct sg_suspect_walk {
	struct sg_suspect *s;
	__u32 target;		/* add: the target */
	__u32 start;		/* add: first slot index */
	int result;		/* add: enum sg_add_result */
	__u32 n;		/* sample: targets copied */
	__u32 *out;		/* sample: destination */
};

/* One step of linear probing; bpf_loop keeps the verifier's work constant
 * however many slots the table has. */
static long sg_suspect_add_step(__u32 i, struct sg_suspect_walk *w)
{
	__u32 idx = (w->start + i) & (SG_SUSPECT_SLOTS - 1);

	w->result = sg_slot_claim(&w->s->slot[idx], w->target);
	return w->result != SG_ADD_FULL;	/* 1 stops the loop */
}

static __always_inline int sg_suspect_add(struct sg_suspect *s, __u32 target)
{
	struct sg_suspect_walk w = {
		.s = s,
		.target = target,
		.start = (target * 2654435761u) >> 16,
		.result = SG_ADD_FULL,
	};

	bpf_loop(SG_SUSPECT_SLOTS, sg_suspect_add_step, &w, 0);
	return w.result;
}

/* Finds or creates the tier-2 entry of a source whose window began at
 * window_start; a leftover entry from an earlier window is replaced. */
static __always_inline struct sg_suspect *sg_suspect_get(void *suspect_map,
							 const struct sg_addr *key,
							 __u64 window_start)
{
	struct sg_suspect *s, *tmpl;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(suspect_map, key);
	if (s && s->window_start == window_start)
		return s;
	tmpl = bpf_map_lookup_elem(&sg_suspect_tmpl, &zero);
	if (!tmpl)
		return 0;
	tmpl->window_start = window_start;
	/* A racing CPU may have created it first: BPF_NOEXIST keeps its slots. */
	bpf_map_update_elem(suspect_map, key, tmpl, s ? BPF_EXIST : BPF_NOEXIST);
	s = bpf_map_lookup_elem(suspect_map, key);
	if (s && s->window_start == window_start)
		return s;
	return 0;
}

/* ---- The tier-1 tables ------------------------------------------------------
 * Set associative (scanguard.h): an array whose element is a set, so one
 * lookup (inlined by the verifier, the map being known) reaches all its
 * ways.  Finding and claiming are global functions, one per table: the
 * verifier checks each once, not at every caller, and the callers take an
 * index back (set * SG_TRACK_WAYS + way: a global function returns
 * scalars), then look it up. */

#define SG_TABLE_NEW	(1 << 30)	/* claim: this call inserted the key */

static __always_inline int sg_addr_eq(const struct sg_addr *a, const struct sg_addr *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2] &&
	       a->w[3] == b->w[3];
}

/* The entry at idx of the sources' (net: the networks') table. */
static __always_inline struct sg_track_entry *sg_table_entry(int net, __u32 idx)
{
	__u32 set = idx / SG_TRACK_WAYS;
	struct sg_track_set *s = net ? bpf_map_lookup_elem(&SG_MAP_NET_TRACK, &set)
				     : bpf_map_lookup_elem(&SG_MAP_TRACK, &set);

	return s ? &s->way[idx & (SG_TRACK_WAYS - 1)] : NULL;
}

/* Key's set in a table of nsets, or NULL. */
static __always_inline struct sg_track_set *sg_table_set(void *map, __u32 nsets,
							 const struct sg_addr *key, __u32 *set)
{
	__u32 zero = 0;
	struct sg_state *st = bpf_map_lookup_elem(&SG_MAP_STATE, &zero);

	if (!st)
		return NULL;
	*set = sg_track_set_of(key, st->track_seed, nsets);
	return bpf_map_lookup_elem(map, set);
}

/* Marks an entry used now; written only when the tick changed. */
static __always_inline void sg_table_touch(struct sg_track_entry *e, __u64 now)
{
	__u32 tick = now >> SG_TRACK_TICK_SHIFT;

	if (e->last != tick)
		e->last = tick;
}

/* The index of key's entry in a table, marked used now, or -1. */
static __always_inline int sg_table_scan(void *map, __u32 nsets, const struct sg_addr *key,
					 __u64 now)
{
	struct sg_track_set *s;
	__u32 set;

	if (!key)
		return -1;
	s = sg_table_set(map, nsets, key, &set);
	if (!s)
		return -1;
	SG_UNROLL
	for (int i = 0; i < SG_TRACK_WAYS; i++) {
		struct sg_track_entry *e = &s->way[i];

		if ((e->gen & 1) && sg_addr_eq(&e->key, key)) {
			sg_table_touch(e, now);
			return set * SG_TRACK_WAYS + i;
		}
	}
	return -1;
}

__noinline int sg_src_find(const struct sg_addr *key, __u64 now)
{
	return sg_table_scan(&SG_MAP_TRACK, sg_track_sets, key, now);
}

__noinline int sg_net_find(const struct sg_addr *key, __u64 now)
{
	return sg_table_scan(&SG_MAP_NET_TRACK, SG_NET_TRACK_SETS, key, now);
}

static __always_inline int sg_table_find(const struct sg_addr *key, int net, __u64 now)
{
	return net ? sg_net_find(key, now) : sg_src_find(key, now);
}

/* Key's entry, inserting it when absent: into a free way of its set, else
 * in place of the way used longest ago.  Returns the index, with
 * SG_TABLE_NEW when this call inserted it (its window starting now, all
 * else zero), or -1 when a racing CPU claimed the way first: that probe
 * is then weighed without an entry, one target short. */
static __always_inline int sg_table_insert(void *map, __u32 nsets, const struct sg_addr *key,
					   __u64 now)
{
	__u32 tick = now >> SG_TRACK_TICK_SHIFT, gen = 0, age, oldest = 0, set;
	struct sg_track_entry *e;
	struct sg_track_set *s;
	int victim = -1;

	if (!key)
		return -1;
	s = sg_table_set(map, nsets, key, &set);
	if (!s)
		return -1;
	SG_UNROLL
	for (int i = 0; i < SG_TRACK_WAYS; i++) {
		e = &s->way[i];
		if (!(e->gen & 1)) {
			if (victim < 0 || oldest != ~0u) {
				victim = i;
				gen = e->gen;
				oldest = ~0u;	/* a free way beats any used one */
			}
			continue;
		}
		if (sg_addr_eq(&e->key, key)) {
			sg_table_touch(e, now);
			return set * SG_TRACK_WAYS + i;
		}
		age = tick - e->last;
		if (victim < 0 || age > oldest) {
			victim = i;
			gen = e->gen;
			oldest = age;
		}
	}
	if (victim < 0)
		return -1;
	e = &s->way[victim & (SG_TRACK_WAYS - 1)];
	/* Odd from even (free) or odd (replaced): a racing claimer's
	 * compare-and-swap fails, and it weighs its probe without one. */
	if (__sync_val_compare_and_swap(&e->gen, gen, gen + 1 + (gen & 1)) != gen)
		return -1;
	e->key = *key;
	e->t.window_start = now;
	e->t.count = 0;
	e->t.bits = 0;
	e->t.score = 0;
	e->t.hosts = 0;
	SG_UNROLL
	for (int i = 0; i < SG_INLINE_SLOTS; i++)
		e->t.slot[i] = 0;
	e->last = tick;
	return (set * SG_TRACK_WAYS + victim) | SG_TABLE_NEW;
}

__noinline int sg_src_claim(const struct sg_addr *key, __u64 now)
{
	return sg_table_insert(&SG_MAP_TRACK, sg_track_sets, key, now);
}

__noinline int sg_net_claim(const struct sg_addr *key, __u64 now)
{
	return sg_table_insert(&SG_MAP_NET_TRACK, SG_NET_TRACK_SETS, key, now);
}

static __always_inline int sg_table_claim(const struct sg_addr *key, int net, __u64 now)
{
	return net ? sg_net_claim(key, now) : sg_src_claim(key, now);
}

/* Removes key's entry (a blocked source's evidence is spent).  Returns 0,
 * or -1 when the table did not hold it. */
static __always_inline int sg_table_forget(const struct sg_addr *key, int net, __u64 now)
{
	/* Inline: the report's call chain has no stack left for a frame. */
	int idx = net ? sg_table_scan(&SG_MAP_NET_TRACK, SG_NET_TRACK_SETS, key, now)
		      : sg_table_scan(&SG_MAP_TRACK, sg_track_sets, key, now);
	struct sg_track_entry *e;
	__u32 gen;

	if (idx < 0)
		return -1;
	e = sg_table_entry(net, idx);
	if (!e)
		return -1;
	gen = e->gen;
	if (!(gen & 1) || __sync_val_compare_and_swap(&e->gen, gen, gen + 1) != gen)
		return -1;
	__builtin_memset(&e->key, 0, sizeof(e->key));
	return 0;
}

/* Key's tracking entry, or NULL. */
static __always_inline struct sg_track *sg_table_get(const struct sg_addr *key, int net,
						     __u64 now)
{
	int idx = sg_table_find(key, net, now);
	struct sg_track_entry *e = idx < 0 ? NULL : sg_table_entry(net, idx);

	return e ? &e->t : NULL;
}

/* Whether t, an entry found for key, still holds key: a set that filled
 * since may have given its way to another key.  Checked before a probe is
 * dropped or a detection reported, so another source's count never blocks
 * this one. */
static __always_inline int sg_track_holds(struct sg_track *t, const struct sg_addr *key)
{
	struct sg_track_entry *e = (void *)t - __builtin_offsetof(struct sg_track_entry, t);

	return (SG_READ_ONCE(e->gen) & 1) && sg_addr_eq(&e->key, key);
}

/* Starts a new window in an entry whose window is over.  What carries over
 * is whether the last window saw a failure, so slow scanners, one probe per
 * window, are still noticed.  Of racing CPUs one restarts it; a probe the
 * others add meanwhile may be lost. */
static __always_inline void sg_track_restart(struct sg_track *t, __u64 now)
{
	__u64 start = SG_READ_ONCE(t->window_start);

	if (__sync_val_compare_and_swap(&t->window_start, start, now) != start)
		return;
	t->bits &= SG_TRACK_HAD_FAILURE;
	t->count = 0;
	t->score = 0;
	t->hosts = 0;
	SG_UNROLL
	for (int i = 0; i < SG_INLINE_SLOTS; i++)
		t->slot[i] = 0;
}

/* Key's entry for the current window: created, or restarted when its
 * window is over.  *inserted is set when this call created it. */
static __always_inline struct sg_track *sg_track_get(const struct sg_addr *key, int net,
						     __u64 now, __u64 window_ns, __u32 *inserted)
{
	int idx = sg_table_claim(key, net, now);
	struct sg_track_entry *e;

	if (idx < 0)
		return NULL;
	e = sg_table_entry(net, idx & ~SG_TABLE_NEW);
	if (!e)
		return NULL;
	if (idx & SG_TABLE_NEW)
		*inserted = 1;
	else if (sg_elapsed(now, e->t.window_start) >= window_ns)
		sg_track_restart(&e->t, now);
	return &e->t;
}

/* The tracking maps' hints (include/sg_admit.h), built by the loader and
 * the daemon.  Pinned with the instance, so the daemon's rebuilds reach
 * whichever program runs, also one swapped in by --upgrade. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_track_hint);
} SG_MAP_TRACK_HINT SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_net_hint);
} SG_MAP_NET_HINT SEC(".maps");

/* The word of hint_map's bitmap (2^order bits) that holds key's bit, and
 * in *mask the bit; NULL if the map cannot be read.  Recomputed where
 * needed rather than kept: the call chain's stack is at the verifier's
 * limit. */
static __always_inline __u64 *sg_hint_word(void *hint_map, __u32 order,
					   const struct sg_addr *key, __u64 *mask)
{
	__u32 zero = 0, bit = sg_hint_bit(key, order);
	__u64 *w = bpf_map_lookup_elem(hint_map, &zero);

	*mask = 1ULL << (bit % 64);
	return w ? w + (bit / 64 & ((1u << order) / 64 - 1)) : NULL;
}

/* Whether a tracking map may hold key (hint_map: its hint). */
static __always_inline int sg_hinted(void *hint_map, __u32 order, const struct sg_addr *key)
{
	__u64 m, *w = sg_hint_word(hint_map, order, key, &m);

	return !w || *w & m;
}

/* Before an insert: from then on the key's probes look the map up. */
static __always_inline void sg_hint_set(void *hint_map, __u32 order, const struct sg_addr *key)
{
	__u64 m, *w = sg_hint_word(hint_map, order, key, &m);

	if (w && !(*w & m))
		__sync_fetch_and_or(w, m);
}

/* ---- Admission: a source's (or network's) first probe -----------------------
 * Most sources that probe once never probe again: a spoofed flood is nothing
 * else.  Their first probe goes into a slot of a direct-mapped array (no
 * lock, no allocation, no eviction), and only a second, different target
 * gives them an entry in the tier-1 table, with the first probe's evidence
 * carried over.  So a flood of one-probe sources neither pays the insert
 * nor pushes out the sources the table tracks.  A slot lost to another
 * key before the second probe costs that source one probe of evidence. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* tests clear it at once */
	__uint(max_entries, SG_ADMIT_SRC_SLOTS);
	__type(key, __u32);
	__type(value, struct sg_admit_slot);
} SG_MAP_ADMIT_SRC SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, SG_ADMIT_NET_SLOTS);
	__type(key, __u32);
	__type(value, struct sg_admit_slot);
} SG_MAP_ADMIT_NET SEC(".maps");

enum sg_admit_result {
	SG_ADMIT_NEW = 0,	/* nothing known: record this probe */
	SG_ADMIT_REPEAT,	/* the recorded first probe's target again: no evidence */
	SG_ADMIT_PROMOTE,	/* a second target: create the entry from *slot */
	SG_ADMIT_STALE,		/* the key's slot is from an earlier window */
};

/* Starts loading a cache line the path will read later, so that its miss
 * overlaps the misses and the helper calls in between instead of adding
 * to them (BPF has no prefetch instruction: a load whose value goes
 * nowhere, kept by the empty asm). */
static __always_inline void sg_touch(const void *p)
{
	if (p)
		asm volatile("" :: "r"(*(volatile const __u32 *)p));
}

/* Touches a key's admission slots (sg_admit_slot() reads them next). */
static __always_inline void sg_admit_touch(void *admit_map, __u32 nslots,
					   const struct sg_addr *key)
{
	__u32 idx, fp;

	sg_admit_hash(key, nslots, &idx, &fp);
	sg_touch(bpf_map_lookup_elem(admit_map, &idx));
}

/* The slot of a key: two-way set associative, the pair sharing a cache
 * line, so two keys that hash alike (a real scanner's and a flood's, or
 * two scanners') each keep a slot instead of evicting each other at every
 * probe.  Returns the slot holding the key's fingerprint, else the one to
 * record into (empty, or the older of the two); *hit says which. */
static __always_inline struct sg_admit_slot *sg_admit_slot(void *admit_map, __u32 nslots,
							   const struct sg_addr *key, __u32 *fp,
							   int *hit)
{
	struct sg_admit_slot *s0, *s1;
	__u32 idx;

	sg_admit_hash(key, nslots, &idx, fp);
	*hit = 0;
	s0 = bpf_map_lookup_elem(admit_map, &idx);
	idx |= 1;
	s1 = bpf_map_lookup_elem(admit_map, &idx);
	if (!s0 || !s1)
		return 0;
	if (s0->fp == *fp) {
		*hit = 1;
		return s0;
	}
	if (s1->fp == *fp) {
		*hit = 1;
		return s1;
	}
	if (!s0->fp)
		return s0;
	if (!s1->fp)
		return s1;
	return s0->seen <= s1->seen ? s0 : s1;
}

static __always_inline int sg_admit_check(const struct sg_admit_slot *slot, int hit,
					  __u32 target, __u64 now, __u64 window_ns)
{
	if (!slot || !hit)
		return SG_ADMIT_NEW;
	if (sg_elapsed(now, slot->seen) >= window_ns)
		return SG_ADMIT_STALE;
	return slot->target == target ? SG_ADMIT_REPEAT : SG_ADMIT_PROMOTE;
}

/* Creates the tracking entry of an admitted key from its recorded first
 * probe (or, for a stale slot, only its failure, as a new window carries
 * it).  A key a racing CPU inserted first keeps the winner's entry. */
static __always_inline struct sg_track *sg_admit_promote(const struct sg_addr *key, int net,
							 struct sg_admit_slot *slot, int stale,
							 __u64 now, __u32 *inserted)
{
	int idx = sg_table_claim(key, net, now);
	struct sg_track_entry *e;
	struct sg_track *t;

	slot->fp = 0;
	if (idx < 0)
		return NULL;
	e = sg_table_entry(net, idx & ~SG_TABLE_NEW);
	if (!e)
		return NULL;
	t = &e->t;
	if (!(idx & SG_TABLE_NEW))
		return t;
	*inserted = 1;
	if (slot->failed)
		t->bits = SG_TRACK_HAD_FAILURE;
	if (stale)
		return t;
	t->window_start = slot->seen;
	t->count = slot->counted;
	t->score = slot->score;
	t->bits |= slot->kinds;
	/* A first success that took a step off used one credit. */
	if (slot->score < 0)
		t->bits |= SG_TRACK_CREDIT_ONE;
	t->slot[0] = slot->target;
	if (slot->counted && slot->host) {
		t->slot[1] = slot->host;
		t->hosts = 1;
	}
	return t;
}

/* Adds a target to the set; returns SG_ADD_NEW or SG_ADD_SEEN, or -1 when
 * the tier-2 entry could not be had. */
static __always_inline int sg_track_add(void *suspect_map, const struct sg_addr *key,
					struct sg_track *t, __u32 target)
{
	struct sg_suspect *s;
	int r = sg_inline_add(t, target);

	if (r != SG_ADD_FULL)
		return r;
	s = sg_suspect_get(suspect_map, key, t->window_start);
	if (!s)
		return -1;
	if (!(t->bits & SG_TRACK_PROMOTED))
		__sync_fetch_and_or(&t->bits, SG_TRACK_PROMOTED);
	r = sg_suspect_add(s, target);
	/* Only past every threshold's range: count it, so the source still
	 * crosses any threshold. */
	return r == SG_ADD_FULL ? SG_ADD_NEW : r;
}

static long sg_suspect_sample_step(__u32 i, struct sg_suspect_walk *w)
{
	__u32 v = w->s->slot[i & (SG_SUSPECT_SLOTS - 1)];

	if (v)
		w->out[w->n++ & (SG_EVENT_SAMPLE - 1)] = v;
	return w->n >= SG_EVENT_SAMPLE;
}

/* Copies up to SG_EVENT_SAMPLE of a source's targets into out[]. */
static __always_inline __u32 sg_track_sample(void *suspect_map, const struct sg_addr *key,
					     struct sg_track *t, __u32 *out)
{
	struct sg_suspect_walk w = { .out = out };

	SG_UNROLL
	for (int i = 0; i < SG_INLINE_SLOTS; i++) {
		__u32 v = t->slot[i];

		if (v)
			out[w.n++ & (SG_EVENT_SAMPLE - 1)] = v;
	}
	if (t->bits & SG_TRACK_PROMOTED) {
		w.s = bpf_map_lookup_elem(suspect_map, key);
		if (w.s && w.s->window_start == t->window_start)
			bpf_loop(SG_SUSPECT_SLOTS, sg_suspect_sample_step, &w, 0);
	}
	return w.n < SG_EVENT_SAMPLE ? w.n : SG_EVENT_SAMPLE;
}

/* A failed first contact adds its weight to the score; returns the score
 * before it. */
static __always_inline __s32 sg_score_fail(struct sg_track *t, __u32 weight)
{
	return __sync_fetch_and_add(&t->score, (__s32)weight);
}

/* A success takes one step off the score, but all of a window's successes
 * together never more than credit steps: a scanner cannot buy its way
 * through by mixing connections to open services between its probes. */
static __always_inline void sg_score_success(struct sg_track *t, __s32 credit)
{
	__u32 old;

	if (SG_TRACK_CREDITS(SG_READ_ONCE(t->bits)) >= (__u32)credit)
		return;
	/* Racing CPUs may push the counter past credit (by fewer than the
	 * CPUs), never the credit itself: only the ones below it apply. */
	old = __sync_fetch_and_add(&t->bits, SG_TRACK_CREDIT_ONE);
	if (SG_TRACK_CREDITS(old) < (__u32)credit)
		__sync_fetch_and_sub(&t->score, 1);
}

#endif /* SG_TRACK_H */
