// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scanguard.bpf.c - the XDP entry points and the per-packet decision:
 * drop blocked sources (most frames: from a few header bytes, fastpath.h);
 * parse; classify probes as successes or failures;
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

/* True when the source is blocked now (an exact block that expired is
 * removed and counted). */
static __always_inline int sg_block_check(struct sg_state *st, struct sg_stats *stats,
					  const struct sg_addr *key, const struct sg_lpm_key *src,
					  struct sg_clock *clk)
{
	__u32 expired = 0;
	int blocked = sg_is_blocked(st, key, src, clk, &expired);

	if (expired)
		sg_count(stats, SG_STAT_BLOCKS_EXPIRED);
	return blocked;
}

/* A blocked source's packet is dropped, unless policy "new" lets it pass
 * (pass_new: it is no probe, so a wrongly framed partner keeps its
 * established sessions) or the mode is monitor. */
static __always_inline enum sg_stat sg_blocked_reason(const struct sg_config *cfg, int pass_new,
						      int *verdict)
{
	if (pass_new && cfg->block_policy == SG_POLICY_NEW)
		return SG_STAT_BLOCKED_PASSED;
	if (cfg->mode == SG_MODE_MONITOR)
		return SG_STAT_MONITOR_PASSED;
	*verdict = XDP_DROP;
	return SG_STAT_DROP_BLOCKED;
}

/* The full path's packet, probe and keys: not on its stack, which the
 * weighing below it needs (the call chain has 512 bytes). */
struct sg_full_scratch {
	struct sg_pkt p;
	struct sg_probe pr;
	struct sg_lpm_key srck;
	struct sg_addr key;
	/* The peek found the source not blocked: under policy "new" the full
	 * path, there to tell a probe from established traffic, need not
	 * look again.  In map memory, whose contents the verifier does not
	 * follow, so it adds no path for it to check. */
	__u32 peek_clear;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_full_scratch);
} sg_full_scratch SEC(".maps");

/* What the full path decided: a verdict and the counter that says why. */
#define SG_OUTCOME(verdict, reason)	((reason) << 8 | (verdict))

/* The full path, for frames the peek could not settle: parse; a blocked
 * source's frame with VLAN tags (which the peek cannot read) or, under
 * policy "new", one that may be a probe; classify; weigh. */
static __always_inline int sg_full(struct xdp_md *ctx, const int test)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_clock clk = { .test = test };
	struct sg_config *cfg;
	struct sg_state *st;
	struct sg_stats *stats;
	struct sg_full_scratch *sc;
	__u32 zero = 0;
	int verdict = XDP_PASS, res, over, blocked = 0;
	enum sg_stat reason;
	__u64 now;

	/* Looked up again rather than passed in, like the packet pointers:
	 * passed in, they brought the peek's paths along, and the verifier
	 * needed 873k instructions instead of 469k. */
	stats = bpf_map_lookup_elem(&SG_MAP_STATS, &zero);
	st = bpf_map_lookup_elem(&SG_MAP_STATE, &zero);
	cfg = bpf_map_lookup_elem(&SG_MAP_CONFIG, &zero);
	sc = bpf_map_lookup_elem(&sg_full_scratch, &zero);
	if (!stats || !st || !cfg || !sc)
		return SG_OUTCOME(XDP_PASS, SG_STAT_PASSED);
	__builtin_memset(&sc->p, 0, sizeof(sc->p));

	res = sg_parse(data, data_end, &sc->p);
	if (res == SG_PARSE_NOT_IP)
		return SG_OUTCOME(XDP_PASS, SG_STAT_NOT_IP);
	if (res == SG_PARSE_BAD_L3)
		return SG_OUTCOME(XDP_PASS, SG_STAT_PARSE_ERRORS);
	sg_src_lpm(&sc->p.src, &sc->srck);
	/* With a good IP header, what the peek could not read is a frame
	 * with VLAN tags; and under policy "new" only the parse tells a probe
	 * of a blocked source from its established traffic (a source the
	 * peek found not blocked is not looked up again). */
	if ((sc->p.vlans || (cfg->block_policy == SG_POLICY_NEW && !sc->peek_clear)) &&
	    (st->nr_blocks | st->nr_cidr_blocks)) {
		sg_source_key(&sc->p.src, sc->p.family, cfg->ipv6_prefix, &sc->key);
		if (sg_block_check(st, stats, &sc->key, &sc->srck, &clk)) {
			/* Fragments and malformed L4 headers may hide a probe. */
			if (res != SG_PARSE_NO_L4 && res != SG_PARSE_OK) {
				reason = sg_blocked_reason(cfg, 0, &verdict);
				return SG_OUTCOME(verdict, reason);
			}
			blocked = 1;
		}
	}
	if (res == SG_PARSE_BAD_L4)
		return SG_OUTCOME(XDP_PASS, SG_STAT_PARSE_ERRORS);
	sc->pr = sg_classify(ctx, &sc->p, res, cfg->protect);
	if (blocked) {
		reason = sg_blocked_reason(cfg, !sc->pr.kind, &verdict);
		return SG_OUTCOME(verdict, reason);
	}
	if (!sc->pr.kind)
		return SG_OUTCOME(XDP_PASS, SG_STAT_PASSED);

	sg_count(stats, SG_STAT_PROBES);
	if (sg_allowed(&sc->srck))
		return SG_OUTCOME(XDP_PASS, SG_STAT_PROBES_ALLOWED);
	sg_source_key(&sc->p.src, sc->p.family, cfg->ipv6_prefix, &sc->key);
	now = sg_now(&clk);

	reason = SG_STAT_PASSED;
	/* The source weighs the probe, and on first contact with its target
	 * so does the source's network; either may block. */
	over = sg_weigh(ctx, &sc->p, &sc->pr, &sc->key, now);
	if (sc->pr.first && cfg->net_threshold && (cfg->score_threshold <= 0 || !sc->pr.open))
		over |= sg_weigh_net(&sc->p, &sc->pr, now, ctx->ingress_ifindex);
	if (over) {
		verdict = XDP_DROP;
		reason = SG_STAT_DROP_DETECT;
	} else if (sc->pr.kind == SG_PROBE_FRAG) {
		verdict = XDP_DROP;
		reason = SG_STAT_DROP_FRAGMENT;
	}
	if (verdict == XDP_DROP && cfg->mode == SG_MODE_MONITOR) {
		verdict = XDP_PASS;
		reason = SG_STAT_MONITOR_PASSED;
	}
	return SG_OUTCOME(verdict, reason);
}

static __always_inline int sg_process(struct xdp_md *ctx, const int test)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_clock clk = { .test = test };
	struct sg_config *cfg;
	struct sg_state *st;
	struct sg_stats *stats;
	struct sg_lpm_key srck;
	struct sg_addr key;
	__u32 zero = 0;
	int verdict = XDP_PASS, fam, est, out, clear = 0;
	struct sg_full_scratch *sc;
	enum sg_stat reason;
	const void *src;

	stats = bpf_map_lookup_elem(&SG_MAP_STATS, &zero);
	st = bpf_map_lookup_elem(&SG_MAP_STATE, &zero);
	cfg = bpf_map_lookup_elem(&SG_MAP_CONFIG, &zero);
	if (!stats || !st || !cfg)
		return XDP_PASS;

	/* Most frames give their source, and established traffic its whole
	 * verdict, in a few header bytes: every packet of a blocked source is
	 * dropped here, whatever it is, and no lookup at all is made while
	 * nothing is blocked. */
	fam = sg_peek(data, data_end, &src, &est);
	if (fam && (st->nr_blocks | st->nr_cidr_blocks)) {
		srck.prefixlen = 128;
		sg_peek_src(fam, src, &srck.addr);
		sg_source_key(&srck.addr, fam, cfg->ipv6_prefix, &key);
		/* Policy "new" drops a blocked source's probes and new
		 * connections only: which this is, the full path says
		 * (established traffic is neither). */
		clear = !sg_block_check(st, stats, &key, &srck, &clk);
		if (!clear && (est || cfg->block_policy != SG_POLICY_NEW)) {
			reason = sg_blocked_reason(cfg, est, &verdict);
			goto out;
		}
	}
	if (est) {
		reason = SG_STAT_PASSED;
		goto out;
	}
	sc = bpf_map_lookup_elem(&sg_full_scratch, &zero);
	if (sc)
		sc->peek_clear = clear;
	asm volatile("" ::: "memory");
	out = sg_full(ctx, test);
	verdict = out & 0xff;
	reason = out >> 8;
	if (reason >= SG_STAT_MAX)	/* cannot be: for the verifier */
		reason = SG_STAT_PASSED;
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
