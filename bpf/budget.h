/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * budget.h - bounds the events the XDP program emits, so a storm of
 * detections (say, spoofed sources each probing a few ports) can neither
 * flood the ring buffer nor the daemon and the SIEM behind it.  Two budgets,
 * each a count of events per fixed window: one per source key, one for all
 * sources together.  An event over budget is not emitted and counted
 * instead; blocking never depends on it.  Call sg_event_budget() right
 * before reserving an event.
 */
#ifndef SG_BUDGET_H
#define SG_BUDGET_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"

struct sg_ev_window {
	__u64 start;		/* ns; the window is [start, start + period) */
	__u64 used;		/* events emitted in it (atomic) */
};

/* Private to the program: a restart or an upgrade starts the budgets anew. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_ev_window);
} sg_ev_global SEC(".maps");

/* LRU: forgetting a quiet source's budget only gives it a fresh one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_EVENT_BUDGET_SOURCES);
	__type(key, struct sg_addr);
	__type(value, struct sg_ev_window);
} sg_ev_source SEC(".maps");

/* Takes one event from a window of period_ns that allows limit events.  The
 * CPU that wins the compare-and-swap opens the next window; a CPU racing it
 * may still count into the old one, so the bound holds to within a few
 * events per window, which is all a storm limit needs. */
static __always_inline int sg_window_take(struct sg_ev_window *w, __u64 now, __u64 period_ns,
					  __u64 limit)
{
	__u64 start = w->start;

	if (sg_elapsed(now, start) >= period_ns &&
	    __sync_val_compare_and_swap(&w->start, start, now) == start)
		__sync_lock_test_and_set(&w->used, 0);
	return __sync_fetch_and_add(&w->used, 1) < limit;
}

/* True when an event about key may be emitted now; otherwise counts why
 * not in stats (SG_STAT_EVENTS_BUDGET_SOURCE or _GLOBAL). */
static __always_inline int sg_event_budget(const struct sg_addr *key, __u64 now,
					   struct sg_stats *stats)
{
	const __u64 src_period = SG_EVENT_BUDGET_PERIOD_S * SG_NSEC_PER_SEC;
	struct sg_ev_window *w;
	__u32 zero = 0;

	w = bpf_map_lookup_elem(&sg_ev_source, key);
	if (!w) {
		struct sg_ev_window fresh = { .start = now, .used = 1 };

		/* First event of this source: a racing CPU's entry wins. */
		if (bpf_map_update_elem(&sg_ev_source, key, &fresh, BPF_NOEXIST) != 0)
			w = bpf_map_lookup_elem(&sg_ev_source, key);
	}
	if (w && !sg_window_take(w, now, src_period, SG_EVENT_BUDGET_SOURCE)) {
		stats->c[SG_STAT_EVENTS_BUDGET_SOURCE]++;
		return 0;
	}

	w = bpf_map_lookup_elem(&sg_ev_global, &zero);
	if (w && !sg_window_take(w, now, SG_NSEC_PER_SEC, SG_EVENT_BUDGET_GLOBAL)) {
		stats->c[SG_STAT_EVENTS_BUDGET_GLOBAL]++;
		return 0;
	}
	return 1;
}

#endif /* SG_BUDGET_H */
