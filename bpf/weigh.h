/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * weigh.h - the detectors.  Each probe from a source that may be counted
 * is weighed once: trap ports block at once; otherwise its target joins the
 * source's set, and only first contact with a target is evidence: a
 * failure adds to the source's failure score (Threshold Random Walk), a
 * success takes a step off it (never more than score-credit in all), and
 * failures (every probe, with scoring off) count toward the distinct-target
 * backstop, the segment-mode sweep count, the source network's count and
 * the slow window.  The first detector to cross its threshold blocks.
 * Also here: the per-CPU cache of (network, target) pairs already counted.
 * Global functions: the verifier checks each once.
 */
#ifndef SG_WEIGH_H
#define SG_WEIGH_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"
#include "sg_parse.h"
#include "maps.h"
#include "classify.h"
#include "block.h"
#include "track.h"
#include "slow.h"
#include "report.h"

/* A report is built here, not on the stack: the call chain's stack is
 * limited to 512 bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);	/* one for the source, one for its network */
	__type(key, __u32);
	__type(value, struct sg_report);
} sg_report_scratch SEC(".maps");

static __always_inline struct sg_report *sg_report_get(__u32 slot)
{
	struct sg_report *r = bpf_map_lookup_elem(&sg_report_scratch, &slot);

	if (r)
		__builtin_memset(r, 0, sizeof(*r));
	return r;
}

static __always_inline int sg_is_trap(const struct sg_probe *pr)
{
	__u32 idx;
	__u64 *w;

	if (pr->pc != SG_PC_TCP && pr->pc != SG_PC_UDP)
		return 0;
	idx = SG_TRAP_INDEX(pr->pc, pr->port);
	w = bpf_map_lookup_elem(&SG_MAP_TRAPS, &idx);
	return w && (*w & (1ULL << (pr->port & 63)));
}

static __always_inline void sg_report_init(struct sg_report *r, const struct sg_pkt *p,
					   const struct sg_probe *pr, __u64 now, __u32 ifindex)
{
	r->dst = p->dst;
	r->now = now;
	r->ifindex = ifindex;
	r->kind = pr->kind;
	r->last_target = SG_TARGET(pr->pc, pr->port);
	r->family = p->family;
}

/* The source network's key; returns its prefix length. */
static __always_inline __u32 sg_net_key(const struct sg_pkt *p, const struct sg_config *cfg,
					struct sg_addr *key)
{
	__u32 len = p->family == 6 ? cfg->net_prefix6 : cfg->net_prefix4;

	*key = p->src;
	sg_mask_family(key, p->family, len);
	return len;
}

/* The sources of a network mostly probe the targets its other sources
 * probed this window (a spoofed flood's /24, a botnet's port): each CPU
 * remembers the (network, target) pairs its weighings found already seen,
 * with the start of the window they were seen in, so a repeat skips the
 * network map's lookup (jhash of the key, a bucket walk) and the admission
 * slot.  Kept exact, key and target: a hash collision could be forged to
 * hide a network's targets.  A network whose entry was evicted and made
 * anew (or whose admission slot was taken) within the window may have a
 * seen pair skipped once more: its evidence was lost with the entry. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SG_NET_SEEN_SLOTS);
	__type(key, __u32);
	__type(value, struct sg_net_seen);
} sg_net_seen SEC(".maps");

static __always_inline struct sg_net_seen *sg_net_seen_slot(const struct sg_addr *net,
							     __u32 target)
{
	__u32 idx = sg_net_seen_index(net, target);

	return bpf_map_lookup_elem(&sg_net_seen, &idx);
}

static __always_inline int sg_net_seen_hit(const struct sg_net_seen *e, const struct sg_addr *net,
					   __u32 target, __u64 now, __u64 window_ns)
{
	return e && e->target == target && e->net.w[0] == net->w[0] &&
	       e->net.w[1] == net->w[1] && e->net.w[2] == net->w[2] &&
	       e->net.w[3] == net->w[3] && sg_elapsed(now, e->window_start) < window_ns;
}

static __always_inline void sg_net_seen_put(struct sg_net_seen *e, const struct sg_addr *net,
					    __u32 target, __u64 window_start)
{
	if (!e)
		return;
	e->net = *net;
	e->target = target;
	e->window_start = window_start;
}

/* Distributed scans: the distinct-target count per source network. */
__noinline int sg_weigh_net(const struct sg_pkt *p, const struct sg_probe *pr, __u64 now,
			    __u32 ifindex)
{
	__u32 zero = 0, n = 0, fp, len;
	struct sg_config *cfg = bpf_map_lookup_elem(&SG_MAP_CONFIG, &zero);
	struct sg_admit_slot *slot;
	struct sg_net_seen *seen;
	struct sg_report *r;
	struct sg_track *nt;
	struct sg_addr key;
	int a, hit, add;

	if (!p || !pr || !cfg || !cfg->net_threshold)
		return 0;
	len = sg_net_key(p, cfg, &key);
	seen = sg_net_seen_slot(&key, pr->target);
	if (sg_net_seen_hit(seen, &key, pr->target, now, cfg->window_ns))
		return 0;
	nt = sg_hinted(&SG_MAP_NET_HINT, SG_NET_HINT_ORDER, &key) ?
	     sg_table_get(&key, 1, now) : NULL;
	if (!nt) {
		/* A network's first probe waits in the admission array. */
		slot = sg_admit_slot(&SG_MAP_ADMIT_NET, SG_ADMIT_NET_SLOTS, &key, &fp, &hit);
		a = sg_admit_check(slot, hit, pr->target, now, cfg->window_ns);
		if (a == SG_ADMIT_REPEAT) {
			if (slot)
				sg_net_seen_put(seen, &key, pr->target, slot->seen);
			return 0;
		}
		if (slot && a == SG_ADMIT_NEW) {
			slot->target = pr->target;
			slot->counted = 1;
			slot->seen = now;
			slot->fp = fp;	/* last: it makes the slot valid */
			sg_net_seen_put(seen, &key, pr->target, now);
			return 0;
		}
		sg_hint_set(&SG_MAP_NET_HINT, SG_NET_HINT_ORDER, &key);
		nt = slot ? sg_admit_promote(&key, 1, slot, a == SG_ADMIT_STALE, now, &n)
			  : sg_track_get(&key, 1, now, cfg->window_ns, &n);
	} else if (sg_elapsed(now, nt->window_start) >= cfg->window_ns) {
		sg_track_restart(nt, now);
	}
	if (!nt)
		return 0;
	add = sg_track_add(&SG_MAP_NET_SUSPECT, &key, nt, pr->target);
	if (add >= 0)
		sg_net_seen_put(seen, &key, pr->target, nt->window_start);
	if (add != SG_ADD_NEW)
		return 0;
	n = __sync_fetch_and_add(&nt->count, 1) + 1;
	if (n != cfg->net_threshold + 1 || !sg_track_holds(nt, &key))
		return 0;
	r = sg_report_get(1);
	if (!r)
		return 0;
	r->prefixlen = len;
	r->key = key;
	sg_report_init(r, p, pr, now, ifindex);
	r->net = 1;
	r->has_t = 1;
	r->t = *nt;
	r->detector = SG_DET_DISTRIBUTED;
	r->count = n;
	r->threshold = cfg->net_threshold;
	r->window_ns = cfg->window_ns;
	return sg_report(r) >= 0;
}

/* First contact with a target: whether it is open is looked up now (a
 * socket lookup), and counted.  The caller's network weighing reads both. */
static __always_inline void sg_first_contact(struct xdp_md *ctx, const struct sg_pkt *p,
					     struct sg_probe *pr, const struct sg_config *cfg,
					     struct sg_stats *stats, __u64 now)
{
	pr->open = sg_probe_open(ctx, p, pr, cfg, now);
	pr->check = SG_CHECK_NONE;	/* looked up: later reads take pr->open */
	pr->first = 1;
	stats->c[pr->open ? SG_STAT_PROBES_OPEN : SG_STAT_PROBES_FAILED]++;
}

/* A source the tier-1 table does not track (or whose hint bit is clear): its
 * first probe is recorded in the admission array; a second, different
 * target (or a first probe that alone crosses a threshold) gives it an
 * entry.  Returns the entry to weigh the probe with, or NULL when there is
 * nothing more to do. */
static __always_inline struct sg_track *sg_admit(struct xdp_md *ctx, const struct sg_pkt *p,
						 struct sg_probe *pr, const struct sg_addr *key,
						 const struct sg_config *cfg, struct sg_stats *stats,
						 __u64 now)
{
	int scoring = cfg->score_threshold > 0, failed_before = 0;
	struct sg_admit_slot *slot;
	struct sg_track *t;
	__u32 fp, inserted = 0;
	int a, hit;

	slot = sg_admit_slot(&SG_MAP_ADMIT_SRC, SG_ADMIT_SRC_SLOTS, key, &fp, &hit);
	a = sg_admit_check(slot, hit, pr->target, now, cfg->window_ns);
	if (a == SG_ADMIT_REPEAT)
		return NULL;	/* no evidence, as for a tracked source */
	/* What a new source's failure reads next, the failed-before filter
	 * and its network's admission slots, starts loading now: those
	 * misses overlap the socket lookup's work. */
	if (a == SG_ADMIT_NEW && cfg->slow_threshold)
		sg_failed_before_touch(key);
	if (cfg->net_threshold) {
		struct sg_addr net;

		sg_net_key(p, cfg, &net);
		sg_admit_touch(&SG_MAP_ADMIT_NET, SG_ADMIT_NET_SLOTS, &net);
	}
	sg_first_contact(ctx, p, pr, cfg, stats, now);
	/* A failure of a source that failed before, whose slot a flood took
	 * since (a patient scanner's probes are minutes apart), is tracked at
	 * once, its earlier failure remembered: else the slow window would
	 * never see its second failure. */
	if (a == SG_ADMIT_NEW && !pr->open && cfg->slow_threshold)
		failed_before = sg_failed_before(key);
	if (slot && a == SG_ADMIT_NEW && !failed_before &&
	    !(scoring && !pr->open && (__s32)pr->weight >= cfg->score_threshold)) {
		__u8 counted = !scoring || !pr->open;

		/* Another source's first probe, still in its window, is lost. */
		if (slot->fp && sg_elapsed(now, slot->seen) < cfg->window_ns)
			stats->c[SG_STAT_ADMIT_TAKEN]++;
		slot->target = pr->target;
		slot->host = counted ? pr->host : 0;
		slot->kinds = pr->kind;
		slot->counted = counted;
		slot->failed = !pr->open;
		slot->score = !scoring ? 0 : !pr->open ? pr->weight : cfg->score_credit > 0 ? -1 : 0;
		slot->seen = now;
		slot->fp = fp;	/* last: it makes the slot valid */
		return NULL;
	}
	sg_hint_set(&SG_MAP_TRACK_HINT, SG_TRACK_HINT_ORDER, key);
	t = slot && a != SG_ADMIT_NEW ?
	    sg_admit_promote(key, 0, slot, a == SG_ADMIT_STALE, now, &inserted) :
	    sg_track_get(key, 0, now, cfg->window_ns, &inserted);
	if (!t)
		stats->c[SG_STAT_TRACK_FAILED]++;
	else if (failed_before && !(SG_READ_ONCE(t->bits) & SG_TRACK_HAD_FAILURE))
		__sync_fetch_and_or(&t->bits, SG_TRACK_HAD_FAILURE);
	if (inserted)
		stats->c[SG_STAT_TRACK_INSERTS]++;
	return t;
}

/* Weighs one probe of the source key.  Returns 1 when the source is over a
 * threshold now (its probe should be dropped); sets pr->first on first
 * contact with the target, with pr->open then looked up. */
__noinline int sg_weigh(struct xdp_md *ctx, const struct sg_pkt *p, struct sg_probe *pr,
			const struct sg_addr *src_key, __u64 now)
{
	__u32 zero = 0;
	struct sg_config *cfg = bpf_map_lookup_elem(&SG_MAP_CONFIG, &zero);
	struct sg_stats *stats = bpf_map_lookup_elem(&SG_MAP_STATS, &zero);
	struct sg_report *r;
	struct sg_track *t;
	int scoring, counted, add, over = 0;
	__u32 bits, det = 0;
	__u8 open;

	if (!ctx || !p || !pr || !src_key || !cfg || !stats)
		return 0;
	if (sg_is_trap(pr)) {
		r = sg_report_get(0);
		if (!r)
			return 1;
		r->key = *src_key;
		r->prefixlen = p->family == 6 ? cfg->ipv6_prefix : 32;
		r->window_ns = cfg->window_ns;
		sg_report_init(r, p, pr, now, ctx->ingress_ifindex);
		r->detector = SG_DET_TRAP;
		r->count = 1;
		sg_report(r);
		return 1;
	}

	t = sg_hinted(&SG_MAP_TRACK_HINT, SG_TRACK_HINT_ORDER, src_key) ?
	    sg_table_get(src_key, 0, now) : NULL;
	if (!t) {
		t = sg_admit(ctx, p, pr, src_key, cfg, stats, now);
		if (!t)
			return 0;
	} else if (sg_elapsed(now, t->window_start) >= cfg->window_ns) {
		sg_track_restart(t, now);
	}
	bits = SG_READ_ONCE(t->bits);
	if (!(bits & pr->kind))
		__sync_fetch_and_or(&t->bits, pr->kind);

	add = sg_track_add(&SG_MAP_SUSPECT, src_key, t, pr->target);
	if (add < 0) {
		stats->c[SG_STAT_TRACK_FAILED]++;
		sg_first_contact(ctx, p, pr, cfg, stats, now);
		return 0;
	}
	if (add != SG_ADD_NEW && !pr->first) {
		/* A repeat: no evidence.  It is dropped only while the source
		 * is over its score (monitor mode, or a block that failed). */
		return cfg->score_threshold > 0 &&
		       SG_READ_ONCE(t->score) >= cfg->score_threshold &&
		       !sg_probe_open(ctx, p, pr, cfg, now);
	}
	if (!pr->first)
		sg_first_contact(ctx, p, pr, cfg, stats, now);
	open = pr->open;
	/* The report is built only now: clearing it cost every probe. */
	r = sg_report_get(0);
	if (!r)
		return 0;
	r->key = *src_key;
	r->prefixlen = p->family == 6 ? cfg->ipv6_prefix : 32;
	r->window_ns = cfg->window_ns;
	sg_report_init(r, p, pr, now, ctx->ingress_ifindex);
	scoring = cfg->score_threshold > 0;
	counted = !scoring || !open;
	/* Only first contact with a target is evidence: retransmissions
	 * and a client's repeat visits are not. */
	if (!open && !(bits & SG_TRACK_HAD_FAILURE))
		__sync_fetch_and_or(&t->bits, SG_TRACK_HAD_FAILURE);
	if (scoring && open) {
		sg_score_success(t, cfg->score_credit);
	} else if (scoring && pr->weight) {
		__s32 old = sg_score_fail(t, pr->weight);

		if (old < cfg->score_threshold &&
		    old + (__s32)pr->weight >= cfg->score_threshold) {
			det = pr->kind == SG_PROBE_FRAG ? SG_DET_FRAGMENT :
			      pr->kind & (SG_PROBE_STEALTHY & ~SG_PROBE_ACK) ?
			      SG_DET_STEALTH : SG_DET_SCORE;
			r->threshold = cfg->score_threshold;
		}
	}
	if (counted) {
		__u32 n = __sync_fetch_and_add(&t->count, 1) + 1;

		over = n > cfg->threshold;
		if (!det && n == cfg->threshold + 1) {
			det = SG_DET_DISTINCT_PORTS;
			r->threshold = cfg->threshold;
		}
	}
	if (counted && pr->host && cfg->sweep_threshold &&
	    sg_track_add(&SG_MAP_SUSPECT, &r->key, t, pr->host) == SG_ADD_NEW) {
		__u32 h = __sync_fetch_and_add(&t->hosts, 1) + 1;

		if (!det && h == cfg->sweep_threshold + 1) {
			det = SG_DET_SWEEP;
			r->threshold = cfg->sweep_threshold;
			r->count = h;
		}
	}
	if (!open && cfg->slow_threshold) {
		__u32 s = sg_slow_add(&r->key, pr->target, now, cfg->slow_window_ns,
				      bits & SG_TRACK_HAD_FAILURE);

		if (!det && s == cfg->slow_threshold + 1) {
			det = SG_DET_SLOW;
			r->threshold = cfg->slow_threshold;
			r->count = s;
			r->window_ns = cfg->slow_window_ns;
		}
	}
	if (scoring && !open && SG_READ_ONCE(t->score) >= cfg->score_threshold)
		over = 1;
	if ((over || det) && !sg_track_holds(t, src_key))
		return 0;
	if (!det)
		return over;
	if (det != SG_DET_SWEEP && det != SG_DET_SLOW)
		r->count = SG_READ_ONCE(t->count);
	r->detector = det;
	r->has_t = 1;
	r->t = *t;
	sg_report(r);
	return 1;
}

#endif /* SG_WEIGH_H */
