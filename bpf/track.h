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

/* The source's entry for the current window: created, or restarted when
 * its window is over.  Whether the last window saw a failure carries over,
 * so slow scanners, one probe per window, are still noticed. */
static __always_inline struct sg_track *sg_track_get(void *track_map, const struct sg_addr *key,
						     __u64 now, __u64 window_ns, __u32 *inserted)
{
	struct sg_track *t = bpf_map_lookup_elem(track_map, key);
	struct sg_track fresh = { .window_start = now };

	if (t && sg_elapsed(now, t->window_start) < window_ns)
		return t;
	/* Two separate updates: clang may otherwise fold "updated && !t"
	 * into arithmetic on the map pointer, which the verifier refuses. */
	if (t) {
		fresh.bits = t->bits & SG_TRACK_HAD_FAILURE;
		bpf_map_update_elem(track_map, key, &fresh, BPF_ANY);
	} else if (bpf_map_update_elem(track_map, key, &fresh, BPF_NOEXIST) == 0) {
		/* On a race for a new source the loser uses the winner's. */
		*inserted = 1;
	}
	return bpf_map_lookup_elem(track_map, key);
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
 * gives them an entry in the LRU map, with the first probe's evidence
 * carried over.  So a flood of one-probe sources neither pays the LRU's
 * insert nor evicts the sources the LRU tracks.  A slot lost to another
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

/* Creates the LRU entry of an admitted key from its recorded first probe
 * (or, for a stale slot, only its failure, as sg_track_get carries it). */
static __always_inline struct sg_track *sg_admit_promote(void *track_map, const struct sg_addr *key,
							 struct sg_admit_slot *slot, int stale,
							 __u64 now, __u32 *inserted)
{
	struct sg_track fresh = { .window_start = now };

	if (slot->failed)
		fresh.bits = SG_TRACK_HAD_FAILURE;
	if (!stale) {
		fresh.window_start = slot->seen;
		fresh.count = slot->counted;
		fresh.score = slot->score;
		fresh.bits |= slot->kinds;
		/* A first success that took a step off used one credit. */
		if (slot->score < 0)
			fresh.bits |= SG_TRACK_CREDIT_ONE;
		fresh.slot[0] = slot->target;
		if (slot->counted && slot->host) {
			fresh.slot[1] = slot->host;
			fresh.hosts = 1;
		}
	}
	slot->fp = 0;
	/* On a race for a new key the loser uses the winner's entry. */
	if (bpf_map_update_elem(track_map, key, &fresh, BPF_NOEXIST) == 0)
		*inserted = 1;
	return bpf_map_lookup_elem(track_map, key);
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
