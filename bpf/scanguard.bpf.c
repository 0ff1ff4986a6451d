// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scanguard.bpf.c - the XDP entry points and the per-packet decision:
 * parse; drop blocked sources; classify probes as successes or failures;
 * weigh them (distinct targets, failure score, sweeps, source networks,
 * slow window, trap ports); on the first crossing of any threshold block the
 * source and report it once.  Time comes from clock.h, read only when a
 * packet needs it: the production entries' is jiffies converted into
 * CLOCK_MONOTONIC, the test entries' a clock the caller sets.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"
#include "sg_parse.h"
#include "maps.h"
#include "clock.h"
#include "fastpath.h"
#include "classify.h"
#include "block.h"
#include "track.h"
#include "slow.h"
#include "flows.h"
#include "weigh.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void sg_count(struct sg_stats *s, enum sg_stat id)
{
	s->c[id]++;
}

static __always_inline int sg_process(struct xdp_md *ctx, const int test)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_config *cfg;
	struct sg_state *st;
	struct sg_stats *stats;
	struct sg_pkt p;
	struct sg_probe pr;
	struct sg_addr key;
	__u32 zero = 0, expired = 0;
	struct sg_clock clk = { .test = test };
	enum sg_stat reason;
	int verdict = XDP_PASS;
	int res, have_key = 0, over, fast;
	__u64 now;

	stats = bpf_map_lookup_elem(&SG_MAP_STATS, &zero);
	st = bpf_map_lookup_elem(&SG_MAP_STATE, &zero);
	cfg = bpf_map_lookup_elem(&SG_MAP_CONFIG, &zero);
	if (!stats || !st || !cfg)
		return XDP_PASS;

	/* Established traffic needs no parse: only its source, and that only
	 * while something is blocked. */
	fast = sg_fast_established(data, data_end, &p.src);
	if (fast) {
		if (!(st->nr_blocks | st->nr_cidr_blocks)) {
			reason = SG_STAT_PASSED;
			goto out;
		}
		p.family = fast;
		res = SG_PARSE_OK;
	} else {
		__builtin_memset(&p, 0, sizeof(p));
		res = sg_parse(data, data_end, &p);
		if (res == SG_PARSE_NOT_IP) {
			reason = SG_STAT_NOT_IP;
			goto out;
		}
		if (res == SG_PARSE_BAD_L3) {
			reason = SG_STAT_PARSE_ERRORS;
			goto out;
		}
	}

	/* Every packet of a blocked source, whatever it is (later fragments
	 * included); no lookup at all while nothing is blocked. */
	if (st->nr_blocks | st->nr_cidr_blocks) {
		sg_source_key(&p, cfg->ipv6_prefix, &key);
		have_key = 1;
		if (sg_is_blocked(st, &key, &p.src, &clk, &expired)) {
			/* Policy "new": a wrongly framed partner keeps its
			 * established sessions; only its probes are dropped.
			 * (The fast path's packets are established traffic.) */
			if (cfg->block_policy == SG_POLICY_NEW &&
			    (fast || ((res == SG_PARSE_NO_L4 || res == SG_PARSE_OK) &&
				      !sg_classify(ctx, &p, res, cfg->protect).kind))) {
				reason = SG_STAT_BLOCKED_PASSED;
				goto out;
			}
			if (cfg->mode == SG_MODE_MONITOR) {
				reason = SG_STAT_MONITOR_PASSED;
				goto out;
			}
			verdict = XDP_DROP;
			reason = SG_STAT_DROP_BLOCKED;
			goto out;
		}
		if (expired)
			sg_count(stats, SG_STAT_BLOCKS_EXPIRED);
	}
	if (fast) {
		reason = SG_STAT_PASSED;
		goto out;
	}

	if (res == SG_PARSE_BAD_L4) {
		reason = SG_STAT_PARSE_ERRORS;
		goto out;
	}
	pr = sg_classify(ctx, &p, res, cfg->protect);
	if (!pr.kind) {
		reason = SG_STAT_PASSED;
		goto out;
	}

	sg_count(stats, SG_STAT_PROBES);
	if (sg_allowed(&p.src)) {
		reason = SG_STAT_PROBES_ALLOWED;
		goto out;
	}
	if (!have_key)
		sg_source_key(&p, cfg->ipv6_prefix, &key);
	now = sg_now(&clk);

	reason = SG_STAT_PASSED;
	/* The source weighs the probe, and on first contact with its target
	 * so does the source's network; either may block. */
	over = sg_weigh(ctx, &p, &pr, &key, now);
	if (pr.first && cfg->net_threshold && (cfg->score_threshold <= 0 || !pr.open))
		over |= sg_weigh_net(&p, &pr, now, ctx->ingress_ifindex);
	if (over) {
		verdict = XDP_DROP;
		reason = SG_STAT_DROP_DETECT;
	} else if (pr.kind == SG_PROBE_FRAG) {
		verdict = XDP_DROP;
		reason = SG_STAT_DROP_FRAGMENT;
	}
	if (verdict == XDP_DROP && cfg->mode == SG_MODE_MONITOR) {
		verdict = XDP_PASS;
		reason = SG_STAT_MONITOR_PASSED;
	}
out:
	sg_count(stats, SG_STAT_PACKETS);
	sg_count(stats, reason);
	return verdict;
}

SEC("xdp")
int scanguard_xdp(struct xdp_md *ctx)
{
	return sg_process(ctx, 0);
}

SEC("xdp")
int scanguard_xdp_test(struct xdp_md *ctx)
{
	return sg_process(ctx, 1);
}

/* Segment mode, on the router's inside interfaces: records the flows the
 * segment opens so their answers are not taken for probes.  Never drops. */
static __always_inline int sg_inside(struct xdp_md *ctx, __u64 now)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_pkt p = {};
	struct sg_stats *stats;
	__u32 zero = 0;

	stats = bpf_map_lookup_elem(&SG_MAP_STATS, &zero);
	if (sg_parse(data, data_end, &p) == SG_PARSE_OK && sg_flow_record(&p, now) && stats)
		sg_count(stats, SG_STAT_FLOWS_RECORDED);
	return XDP_PASS;
}

SEC("xdp")
int scanguard_xdp_inside(struct xdp_md *ctx)
{
	return sg_inside(ctx, sg_mono_ns());
}

SEC("xdp")
int scanguard_xdp_inside_test(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *now = bpf_map_lookup_elem(&SG_MAP_TEST_CLOCK, &zero);

	return sg_inside(ctx, now ? *now : 0);
}
