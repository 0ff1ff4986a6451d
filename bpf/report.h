/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report.h - acting on a detection: block the source (or source network)
 * with a TTL that grows for repeat offenders, emit one event to the ring
 * buffer, and forget the source's counts so it starts clean when the block
 * expires.  A global function: the verifier checks it once, not once per
 * path that reaches it.
 */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"
#include "maps.h"
#include "block.h"
#include "track.h"
#include "budget.h"

/* Everything a detection needs, as plain data. */
struct sg_report {
	struct sg_addr key;	/* the source key, or the network for "distributed" */
	struct sg_addr dst;	/* destination of the probe that tripped it */
	struct sg_track t;	/* snapshot of the tracking entry (zero if none) */
	__u64 now;
	__u64 window_ns;	/* of the detector */
	__u32 ifindex;
	__u32 detector;
	__u32 count;		/* the detector's evidence */
	__u32 threshold;
	__u32 kind;		/* SG_PROBE_* of the probe that tripped it */
	__u32 last_target;	/* SG_TARGET of that probe */
	__u8 family;
	__u8 prefixlen;		/* of key, in its own family */
	__u8 net;		/* key is a source network */
	__u8 has_t;
};

/* Returns the action taken, or -1 when another CPU had already blocked it. */
__noinline int sg_report(struct sg_report *r)
{
	__u32 zero = 0, strikes = 1;
	struct sg_config *cfg = bpf_map_lookup_elem(&SG_MAP_CONFIG, &zero);
	struct sg_state *st = bpf_map_lookup_elem(&SG_MAP_STATE, &zero);
	struct sg_stats *stats = bpf_map_lookup_elem(&SG_MAP_STATS, &zero);
	struct sg_event *ev;
	__u8 action;
	__u64 ttl;
	int err;

	if (!r || !cfg || !st || !stats)
		return -1;
	action = cfg->mode == SG_MODE_MONITOR ? SG_ACT_MONITORED : SG_ACT_BLOCKED;
	ttl = sg_offender_ttl(&r->key, r->now, cfg, &strikes);
	/* In monitor mode the entry still exists: it marks the source as
	 * reported, so it is reported once per block, and it is not dropped. */
	/* Bounded blast radius: past max-blocks, report but do not block. */
	if (st->nr_blocks + st->nr_cidr_blocks >= cfg->max_blocks) {
		action = SG_ACT_CAP_REACHED;
		stats->c[SG_STAT_BLOCK_CAP_REACHED]++;
		err = 0;
	} else if (r->net)
		err = sg_block_net(st, &r->key, r->family == 6 ? r->prefixlen : r->prefixlen + 96,
				   r->now, ttl, strikes);
	else
		err = sg_block_add(st, &r->key, r->now, ttl, r->detector, strikes);
	if (err == -17 /* EEXIST */)
		return -1;
	if (err) {
		action = SG_ACT_BLOCK_FAILED;
		stats->c[SG_STAT_BLOCK_TABLE_FULL]++;
	}
	stats->c[SG_STAT_DETECTIONS]++;

	/* Over budget: blocked all the same, reported only as a count. */
	ev = NULL;
	if (sg_event_budget(&r->key, r->now, stats)) {
		ev = bpf_ringbuf_reserve(&SG_MAP_EVENTS, sizeof(*ev), 0);
		if (!ev)
			stats->c[SG_STAT_EVENTS_LOST]++;
	}
	if (ev) {
		ev->ts_ns = r->now;
		ev->src = r->key;
		ev->ifindex = r->ifindex;
		ev->family = r->family;
		ev->prefixlen = r->prefixlen;
		ev->action = action;
		ev->detector = r->detector;
		ev->count = r->count;
		ev->threshold = r->threshold;
		ev->score = r->t.score;
		ev->kinds = SG_TRACK_KINDS(r->t.bits) | r->kind;
		ev->strikes = strikes;
		ev->hosts = r->t.hosts;
		ev->protect = cfg->protect;
		ev->window_ns = r->window_ns;
		ev->block_ttl_ns = action == SG_ACT_BLOCKED || action == SG_ACT_MONITORED ? ttl : 0;
		ev->last_dst = r->dst;
		ev->last_target = r->last_target;
		ev->pad = 0;
		__builtin_memset(ev->sample, 0, sizeof(ev->sample));
		if (r->has_t && cfg->protect == SG_PROTECT_HOST) {
			ev->nsample = sg_track_sample(r->net ? (void *)&SG_MAP_NET_SUSPECT
							     : (void *)&SG_MAP_SUSPECT,
						      &r->key, &r->t, ev->sample);
		} else {
			ev->nsample = 1;
			ev->sample[0] = r->last_target;
		}
		bpf_ringbuf_submit(ev, 0);
	}

	if (action == SG_ACT_BLOCKED || action == SG_ACT_MONITORED) {
		if (r->net) {
			sg_table_forget(&r->key, 1, r->now);
			bpf_map_delete_elem(&SG_MAP_NET_SUSPECT, &r->key);
		} else {
			if (sg_table_forget(&r->key, 0, r->now) == 0)
				stats->c[SG_STAT_TRACK_DELETES]++;
			bpf_map_delete_elem(&SG_MAP_SUSPECT, &r->key);
			bpf_map_delete_elem(&SG_MAP_SLOW, &r->key);
		}
	}
	return action;
}

#endif /* SG_REPORT_H */
