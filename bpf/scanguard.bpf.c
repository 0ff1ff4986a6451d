// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scanguard.bpf.c - the XDP entry points and the per-packet decision:
 * parse, drop blocked sources, classify probes, count distinct targets per
 * source, and on the (threshold+1)-th distinct target block the source and
 * report it once.  Time is an argument: the production entry passes the
 * kernel's coarse clock, the test entry a clock the caller sets.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"
#include "sg_parse.h"
#include "maps.h"
#include "classify.h"
#include "block.h"
#include "track.h"
#include "budget.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct sg_ctx {
	struct xdp_md *ctx;
	struct sg_config *cfg;
	struct sg_state *st;
	struct sg_stats *stats;
	__u64 now;
};

static __always_inline void sg_count(struct sg_stats *s, enum sg_stat id)
{
	s->c[id]++;
}

/* Reports a detection and blocks the source; returns the action taken. */
static __always_inline __u8 sg_detect(struct sg_ctx *c, const struct sg_pkt *p,
				      const struct sg_addr *key, struct sg_track *t,
				      __u32 count, __u32 kind)
{
	__u8 action = c->cfg->mode == SG_MODE_MONITOR ? SG_ACT_MONITORED : SG_ACT_BLOCKED;
	struct sg_event *ev;

	/* In monitor mode the entry still exists: it marks the source as
	 * reported so it is reported once per block-ttl, and it is not dropped. */
	if (sg_block_add(c->st, key, c->now, c->cfg->block_ttl_ns, SG_DET_DISTINCT_PORTS)) {
		action = SG_ACT_BLOCK_FAILED;
		sg_count(c->stats, SG_STAT_BLOCK_TABLE_FULL);
	}
	sg_count(c->stats, SG_STAT_DETECTIONS);

	ev = NULL;
	if (sg_event_budget(key, c->now, c->stats)) {
		ev = bpf_ringbuf_reserve(&SG_MAP_EVENTS, sizeof(*ev), 0);
		if (!ev)
			sg_count(c->stats, SG_STAT_EVENTS_LOST);
	}
	if (ev) {
		ev->ts_ns = c->now;
		ev->src = *key;
		ev->ifindex = c->ctx->ingress_ifindex;
		ev->family = p->family;
		ev->prefixlen = sg_key_prefixlen(p, c->cfg->ipv6_prefix);
		ev->action = action;
		ev->detector = SG_DET_DISTINCT_PORTS;
		ev->count = count;
		ev->threshold = c->cfg->threshold;
		ev->kinds = SG_TRACK_KINDS(t->bits) | kind;
		ev->window_ns = c->cfg->window_ns;
		ev->block_ttl_ns = action == SG_ACT_BLOCK_FAILED ? 0 : c->cfg->block_ttl_ns;
		__builtin_memset(ev->sample, 0, sizeof(ev->sample));
		ev->nsample = sg_track_sample(key, t, ev->sample);
		bpf_ringbuf_submit(ev, 0);
	}

	/* Blocked: forget the count, so the source starts clean when the
	 * block expires. */
	if (action != SG_ACT_BLOCK_FAILED) {
		bpf_map_delete_elem(&SG_MAP_TRACK, key);
		bpf_map_delete_elem(&SG_MAP_SUSPECT, key);
	}
	return action;
}

static __always_inline int sg_process(struct xdp_md *ctx, __u64 now)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_pkt p = {};
	struct sg_probe pr;
	struct sg_addr key;
	struct sg_ctx c = { .ctx = ctx, .now = now };
	struct sg_track_result tr;
	__u32 zero = 0, expired = 0, failed = 0;
	enum sg_stat reason;
	int verdict = XDP_PASS;
	int res;

	c.stats = bpf_map_lookup_elem(&SG_MAP_STATS, &zero);
	c.st = bpf_map_lookup_elem(&SG_MAP_STATE, &zero);
	c.cfg = bpf_map_lookup_elem(&SG_MAP_CONFIG, &zero);
	if (!c.stats || !c.st || !c.cfg)
		return XDP_PASS;

	res = sg_parse(data, data_end, &p);
	if (res == SG_PARSE_NOT_IP) {
		reason = SG_STAT_NOT_IP;
		goto out;
	}
	if (res == SG_PARSE_BAD_L3) {
		reason = SG_STAT_PARSE_ERRORS;
		goto out;
	}

	/* Every packet of a blocked source, whatever it is. */
	if (c.st->nr_blocks | c.st->nr_cidr_blocks) {
		sg_source_key(&p, c.cfg->ipv6_prefix, &key);
		if (sg_is_blocked(c.st, &key, &p.src, now, &expired)) {
			if (c.cfg->mode == SG_MODE_MONITOR) {
				reason = SG_STAT_MONITOR_PASSED;
				goto out;
			}
			verdict = XDP_DROP;
			reason = SG_STAT_DROP_BLOCKED;
			goto out;
		}
		if (expired)
			sg_count(c.stats, SG_STAT_BLOCKS_EXPIRED);
	}

	if (res != SG_PARSE_OK) {
		reason = res == SG_PARSE_BAD_L4 ? SG_STAT_PARSE_ERRORS : SG_STAT_PASSED;
		goto out;
	}
	pr = sg_classify(ctx, &p);
	if (!pr.kind) {
		reason = SG_STAT_PASSED;
		goto out;
	}

	sg_count(c.stats, SG_STAT_PROBES);
	if (sg_allowed(&p.src)) {
		reason = SG_STAT_PROBES_ALLOWED;
		goto out;
	}
	sg_source_key(&p, c.cfg->ipv6_prefix, &key);
	tr = sg_track_probe(&key, pr.target, pr.kind, now, c.cfg->window_ns, &failed);
	if (failed)
		sg_count(c.stats, SG_STAT_TRACK_FAILED);
	reason = SG_STAT_PASSED;
	if (tr.count <= c.cfg->threshold)
		goto out;

	/* Exactly one CPU sees the count reach threshold + 1. */
	if (tr.count == c.cfg->threshold + 1 && tr.t &&
	    sg_detect(&c, &p, &key, tr.t, tr.count, pr.kind) == SG_ACT_MONITORED) {
		reason = SG_STAT_MONITOR_PASSED;
		goto out;
	}
	if (c.cfg->mode == SG_MODE_MONITOR) {
		reason = SG_STAT_MONITOR_PASSED;
		goto out;
	}
	verdict = XDP_DROP;
	reason = SG_STAT_DROP_DETECT;
out:
	sg_count(c.stats, SG_STAT_PACKETS);
	sg_count(c.stats, reason);
	return verdict;
}

SEC("xdp")
int scanguard_xdp(struct xdp_md *ctx)
{
	/* A jiffy of resolution is plenty for windows of seconds. */
	return sg_process(ctx, bpf_ktime_get_coarse_ns());
}

SEC("xdp")
int scanguard_xdp_test(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *now = bpf_map_lookup_elem(&SG_MAP_TEST_CLOCK, &zero);

	return sg_process(ctx, now ? *now : 0);
}
