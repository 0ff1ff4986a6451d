// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * scenarios.c - the six scenarios of the main table (IPv4 and IPv6 each) and
 * the scaling series: the state each starts from, the frame, and how the
 * three programs are timed on it (directly, or behind the harness with the
 * harness's own cost removed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "ops.h"
#include "sg_parse.h"
#include "scenarios.h"
#include "table.h"
#include "scanguard.skel.h"

static int prog_fd(struct bm_ctx *c, struct sg_subject *s, enum bm_prog p)
{
	return p == BM_SG ? s->prog_fd : p == BM_EMPTY ? c->b.empty_fd : c->xf.prog_fd;
}

static struct bm_result *new_result(struct bm_ctx *c, bool scaling)
{
	struct bm_result *r;

	/* The scenario lists are fixed; running out is a bug here. */
	if (scaling ? c->nscale == BM_MAX_RESULTS : c->nres == BM_MAX_RESULTS) {
		pr_warn("more than %d results: raise BM_MAX_RESULTS", BM_MAX_RESULTS);
		abort();
	}
	r = scaling ? &c->scale[c->nscale++] : &c->res[c->nres++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void note_state(struct bm_result *r, struct sg_subject *s)
{
	r->tracked = sg_table_count_fd(s->m.track);
	r->blocks = sg_map_count(s->m.blocks, sizeof(struct sg_addr));
	r->allow = sg_map_count(s->m.allow, sizeof(struct sg_lpm_key));
	r->track_entries = s->track_entries;
}

/* Times the three programs on one frame, interleaved (the first program
 * rotates each round, so drift in the machine's load spreads evenly). */
static int measure_direct(struct bm_ctx *c, struct sg_subject *s, const struct bm_frame *f,
			  int reps, struct bm_result *r)
{
	double v[BM_NPROGS][BM_MAX_REPS];
	int ret;

	note_state(r, s);
	r->repeat = c->o.repeat;
	for (int rep = 0; rep < reps; rep++) {
		for (int k = 0; k < BM_NPROGS; k++) {
			enum bm_prog p = (rep + k) % BM_NPROGS;

			ret = bm_run(prog_fd(c, s, p), f->buf, f->len, c->o.repeat, &v[p][rep],
				     &r->verdict[p]);
			if (ret)
				return ret;
		}
	}
	for (int p = 0; p < BM_NPROGS; p++)
		bm_stats(v[p], reps, &r->ns[p]);
	return 0;
}

/* How one harness scenario varies sources, and what undoes its effect. */
struct harness_plan {
	struct bench_vary v;
	uint64_t rep_stride;	/* each round starts this many keys later */
	uint32_t repeat;
	/* Called after scanguard's run of each round, with what the program
	 * counted during it. */
	int (*after)(struct bm_ctx *c, struct sg_subject *s, int family,
		     const struct bench_vary *v, uint32_t repeat, const struct sg_stats *delta);
};

/* Each round times: the empty program directly, then the harness in front
 * of each program.  A program's cost is harness->program minus
 * harness->empty plus empty: the harness's own work (the rewrite and the
 * tail call) cancels, what stays is comparable with a direct run. */
static int measure_harness(struct bm_ctx *c, struct sg_subject *s, const struct bm_frame *f,
			   int family, const struct harness_plan *plan, int reps,
			   struct bm_result *r)
{
	double v[BM_NPROGS][BM_MAX_REPS], h[BM_MAX_REPS];
	int ret;

	r->harness = true;
	r->repeat = plan->repeat;
	for (int rep = 0; rep < reps; rep++) {
		struct bench_vary vary = plan->v;
		double th[BM_NPROGS], empty;

		vary.start += rep * plan->rep_stride;
		ret = bm_run(c->b.empty_fd, f->buf, f->len, plan->repeat, &empty, NULL);
		if (ret)
			return ret;
		for (int k = 0; k < BM_NPROGS; k++) {
			enum bm_prog p = (rep + k) % BM_NPROGS;

			struct sg_stats before, after;

			ret = bench_target(&c->b, prog_fd(c, s, p));
			if (!ret && p == BM_SG)
				ret = sg_stats_read(&s->m, &before);
			if (ret)
				return ret;
			bench_vary(&c->b, &vary);
			ret = bm_run(c->b.harness_fd, f->buf, f->len, plan->repeat, &th[p],
				     &r->verdict[p]);
			if (ret)
				return ret;
			if (p == BM_SG && plan->after) {
				ret = sg_stats_read(&s->m, &after);
				for (int i = 0; !ret && i < SG_STAT_MAX; i++)
					after.c[i] -= before.c[i];
				if (!ret)
					ret = plan->after(c, s, family, &vary, plan->repeat, &after);
				if (ret)
					return ret;
			}
		}
		v[BM_SG][rep] = th[BM_SG] - th[BM_EMPTY] + empty;
		v[BM_FILT][rep] = th[BM_FILT] - th[BM_EMPTY] + empty;
		v[BM_EMPTY][rep] = empty;
		h[rep] = th[BM_EMPTY] - empty;
	}
	for (int p = 0; p < BM_NPROGS; p++)
		bm_stats(v[p], reps, &r->ns[p]);
	bm_stats(h, reps, &r->harness_ns);
	sg_subject_drain(s);
	return 0;
}

/* Scenario 5's check and undo: every frame of the round was a new source's
 * first contact, and none failed to be tracked; the sources are forgotten
 * again so the map never fills (whatever the design keeps of them). */
static int forget_new(struct bm_ctx *c, struct sg_subject *s, int family,
		      const struct bench_vary *v, uint32_t repeat, const struct sg_stats *delta)
{
	__u64 first = delta->c[SG_STAT_PROBES_OPEN] + delta->c[SG_STAT_PROBES_FAILED];

	if (first != repeat || delta->c[SG_STAT_TRACK_FAILED]) {
		pr_warn("insert path: %llu of %u IPv%d frames were first contacts, %llu not tracked",
			(unsigned long long)first, repeat, family,
			(unsigned long long)delta->c[SG_STAT_TRACK_FAILED]);
		return -EIO;
	}
	for (uint32_t i = 0; i < repeat; i++) {
		struct sg_addr key;

		bm_src_key(family, v->base + (uint32_t)((v->start + i) * v->mul % v->n), &key);
		bpf_map_delete_elem(s->m.track, &key);	/* ENOENT: not kept */
	}
	return 0;
}

static void set_name(struct bm_result *r, int scenario, int family, const char *tag,
		     const char *what)
{
	snprintf(r->name, sizeof(r->name), "s%d_%s_v%d", scenario, tag, family);
	r->scenario = scenario;
	r->family = family;
	r->what = what;
}

/* ---- main table ------------------------------------------------------------ */

static int scenarios_1(struct bm_ctx *c)
{
	struct sg_subject s;
	int ret;

	ret = sg_subject_open(&s, 0);
	if (ret)
		return ret;
	for (int fam = 4; fam <= 6 && !ret; fam += 2) {
		struct bm_result *r = new_result(c, false);
		struct bm_frame f;

		set_name(r, 1, fam, "benign", "established TCP (ACK+PSH, 1400 B payload), no blocks");
		ret = bm_frame_tcp(&f, fam, fam == 4 ? "198.18.1.2" : "2001:db8:1::2",
				   BM_PORT_SERVICE, SG_TCP_ACK | SG_TCP_PSH, 1400);
		if (!ret)
			ret = measure_direct(c, &s, &f, c->o.reps, r);
	}
	sg_subject_close(&s);
	return ret;
}

/* 10,000 blocks (half per family) and n allow-list entries. */
static int blocked_state(struct bm_ctx *c, struct sg_subject *s, long nallow)
{
	int ret;

	ret = sg_subject_open(s, 0);
	if (ret)
		return ret;
	ret = bm_add_allow(s, nallow);
	if (!ret)
		ret = bm_make_blocks(c, s, 4, BM_BLOCK4, 5000);
	if (!ret)
		ret = bm_make_blocks(c, s, 6, BM_BLOCK6, 5000);
	if (ret)
		sg_subject_close(s);
	return ret;
}

static int scenarios_2_3(struct bm_ctx *c)
{
	struct sg_subject s;
	char src[64];
	int ret;

	ret = blocked_state(c, &s, 1000);
	if (ret)
		return ret;
	for (int fam = 4; fam <= 6 && !ret; fam += 2) {
		struct bm_result *r = new_result(c, false);
		struct bm_frame f;

		set_name(r, 2, fam, "benign_blocks",
			 "established TCP with 10,000 blocks and 1,000 allow-list CIDRs");
		ret = bm_frame_tcp(&f, fam, fam == 4 ? "198.18.1.2" : "2001:db8:1::2",
				   BM_PORT_SERVICE, SG_TCP_ACK | SG_TCP_PSH, 1400);
		if (!ret)
			ret = measure_direct(c, &s, &f, c->o.reps, r);
		if (ret)
			break;
		r = new_result(c, false);
		set_name(r, 3, fam, "blocked", "SYN from a blocked source (drop path)");
		bm_src_str(fam, (fam == 4 ? BM_BLOCK4 : BM_BLOCK6) + 7, src, sizeof(src));
		ret = bm_frame_tcp(&f, fam, src, BM_PORT_CLOSED, SG_TCP_SYN, 0);
		if (!ret)
			ret = measure_direct(c, &s, &f, c->o.reps, r);
	}
	sg_subject_close(&s);
	return ret;
}

/* Scenario 4 (a tracked source probes again, below threshold) and 5 (new
 * sources: the insert path), from a map that tracks `tracked` sources.
 * cycle: scenario 4 behind the harness, cycling through all tracked
 * sources, rather than one source in a hot cache. */
static int scenarios_4_5(struct bm_ctx *c, int fam, long tracked, bool cycle, bool scaling,
			 const char *series, int reps)
{
	uint32_t track_base = fam == 4 ? BM_TRACK4 : BM_TRACK6;
	/* Four entries a source: a set-associative table holds all but
	 * 0.4 % of them then (a full set replaces its oldest). */
	uint32_t need = (tracked + c->o.insert_repeat + 4096) * SG_TRACK_WAYS, entries = 0;
	struct bm_result *r;
	struct sg_subject s;
	struct bm_frame f;
	char src[64];
	int ret;

	if (fam == 4 && tracked > 65536) {
		pr_warn("IPv4 scaling past 65,536 sources leaves 198.18.0.0/15");
		return -EINVAL;
	}
	/* Raised only when the built-in size cannot hold them on one CPU. */
	ret = sg_subject_open(&s, 0);
	if (ret)
		return ret;
	if (need > s.track_entries) {
		sg_subject_close(&s);
		entries = need;
		ret = sg_subject_open(&s, entries);
		if (ret)
			return ret;
	}
	ret = bm_make_tracked(c, &s, fam, track_base, tracked);
	if (ret)
		goto out;

	r = new_result(c, scaling);
	set_name(r, 4, fam, "tracked", "SYN from a tracked source to a port it probed, below threshold");
	if (scaling) {
		snprintf(r->series, sizeof(r->series), "%s", series);
		r->x = tracked;
	}
	if (!cycle) {
		bm_src_str(fam, track_base + tracked / 2, src, sizeof(src));
		ret = bm_frame_tcp(&f, fam, src, BM_PORT_PROBE + bm_tracked_targets() - 1, SG_TCP_SYN,
				   0);
		if (!ret)
			ret = measure_direct(c, &s, &f, reps, r);
	} else {
		/* 2654435761 is prime, so coprime to any count of sources: the
		 * stride visits every tracked source once per `tracked` runs. */
		struct harness_plan plan = {
			.v = { .mode = BENCH_VARY_STRIDE, .base = track_base, .mul = 2654435761u,
			       .n = tracked },
			.rep_stride = c->o.cycle_repeat,
			.repeat = c->o.cycle_repeat,
		};

		note_state(r, &s);
		ret = bm_frame_tcp(&f, fam, NULL, BM_PORT_PROBE + bm_tracked_targets() - 1,
				   SG_TCP_SYN, 0);
		if (!ret)
			ret = measure_harness(c, &s, &f, fam, &plan, reps, r);
	}
	if (ret)
		goto out;

	r = new_result(c, scaling);
	set_name(r, 5, fam, "new_source", "SYN from a new source (insert path)");
	if (scaling) {
		snprintf(r->series, sizeof(r->series), "%s", series);
		r->x = tracked;
	}
	{
		/* New keys in every round: a design may remember a source's
		 * first probe somewhere the benchmark cannot clear. */
		struct harness_plan plan = {
			.v = { .mode = BENCH_VARY_STRIDE, .base = fam == 4 ? BM_NEW4 : BM_NEW6,
			       .mul = 1, .n = fam == 4 ? BM_NEW4_COUNT : BM_NEW6_COUNT },
			.rep_stride = c->o.insert_repeat,
			.repeat = c->o.insert_repeat,
			.after = forget_new,
		};

		if ((uint64_t)reps * c->o.insert_repeat > plan.v.n) {
			pr_warn("%d rounds of %u new IPv%d sources need more than %llu addresses",
				reps, c->o.insert_repeat, fam, (unsigned long long)plan.v.n);
			ret = -EINVAL;
			goto out;
		}

		note_state(r, &s);
		ret = bm_frame_tcp(&f, fam, NULL, BM_PORT_PROBE, SG_TCP_SYN, 0);
		if (!ret)
			ret = measure_harness(c, &s, &f, fam, &plan, reps, r);
	}
out:
	sg_subject_close(&s);
	return ret;
}

static int scenario_6(struct bm_ctx *c, int fam)
{
	struct bm_result *r = new_result(c, false);
	struct harness_plan plan = {
		.v = { .mode = BENCH_VARY_MIX, .base = fam == 4 ? BM_FLOOD4 : 0,
		       .bits = fam == 4 ? BM_FLOOD4_BITS : BM_FLOOD6_BITS },
		.rep_stride = c->o.flood_repeat,
		.repeat = c->o.flood_repeat,
	};
	struct sg_subject s;
	struct bm_frame f;
	uint32_t cap;
	long n;
	int ret;

	set_name(r, 6, fam, "flood", "spoofed random-source SYN flood, tracking map full (eviction)");
	ret = sg_subject_open(&s, 0);
	if (ret)
		return ret;
	cap = s.track_entries;
	/* Fill the table with the flood's own first keys, each probing as
	 * many closed ports as a tracked source does (a design may track a
	 * source only from its second probe): three a way, so that every set
	 * is full; the timed rounds continue the sequence, so every key is
	 * new. */
	ret = bm_probe_chunked(c, &s, fam, &plan.v, 3 * cap, bm_tracked_targets());
	if (ret)
		goto out;
	plan.v.start = 3 * cap;
	note_state(r, &s);
	ret = bm_frame_tcp(&f, fam, NULL, BM_PORT_PROBE, SG_TCP_SYN, 0);
	if (!ret)
		ret = measure_harness(c, &s, &f, fam, &plan, c->o.reps, r);
	if (ret)
		goto out;
	/* Still full after every round: each new source replaced an old one.
	 * Only the sources whose admission slot survived to their second
	 * probe enter, and a set they hit less than four times keeps a free
	 * way: three quarters of the ways (or of the flood's addresses, when
	 * fewer) taken is a full table here. */
	n = sg_table_count_fd(s.m.track);
	if (plan.v.bits < 32 && cap > 1u << plan.v.bits)
		cap = 1u << plan.v.bits;	/* the flood's addresses: 198.18.0.0/15 */
	if (n < (long)cap * 3 / 4 || n > (long)s.track_entries) {
		pr_warn("flood: %ld sources tracked, want about %u", n, cap);
		ret = -EIO;
	}
out:
	sg_subject_close(&s);
	return ret;
}

static bool wanted(struct bm_ctx *c, int a, int b)
{
	return !c->o.only || c->o.only == a || c->o.only == b;
}

int bm_run_main(struct bm_ctx *c)
{
	int ret = 0;

	if (wanted(c, 1, 1)) {
		pr_info("scenario 1: benign traffic");
		ret = scenarios_1(c);
	}
	if (!ret && wanted(c, 2, 3)) {
		pr_info("scenarios 2, 3: 10,000 blocks, 1,000 allow-list entries");
		ret = scenarios_2_3(c);
	}
	for (int fam = 4; fam <= 6 && !ret && wanted(c, 4, 5); fam += 2) {
		pr_info("scenarios 4, 5: IPv%d, 1,000 tracked sources", fam);
		ret = scenarios_4_5(c, fam, 1000, false, false, NULL, c->o.reps);
	}
	for (int fam = 4; fam <= 6 && !ret && wanted(c, 6, 6); fam += 2) {
		pr_info("scenario 6: IPv%d spoofed flood", fam);
		ret = scenario_6(c, fam);
	}
	return ret;
}

/* ---- scaling ------------------------------------------------------------------ */

int bm_run_scaling(struct bm_ctx *c)
{
	static const long tracked[] = { 1000, 100000, 1000000 };
	static const long allow[] = { 1, 100, 10000 };
	int ret = 0;

	/* IPv6 only: 198.18.0.0/15 holds fewer than 1 M IPv4 sources, and past
	 * the parser both families are the same 16-byte key in the same map. */
	for (size_t i = 0; i < sizeof(tracked) / sizeof(tracked[0]) && !ret; i++) {
		pr_info("scaling: %ld tracked sources", tracked[i]);
		ret = scenarios_4_5(c, 6, tracked[i], true, true, "tracked_sources",
				    c->o.scale_reps);
	}
	for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]) && !ret; i++) {
		struct sg_subject s;

		pr_info("scaling: %ld allow-list CIDRs", allow[i]);
		ret = blocked_state(c, &s, allow[i]);
		if (ret)
			break;
		for (int fam = 4; fam <= 6 && !ret; fam += 2) {
			struct bm_result *r = new_result(c, true);
			struct bm_frame f;
			char src[64];

			set_name(r, 2, fam, "benign_blocks",
				 "established TCP with 10,000 blocks and N allow-list CIDRs");
			snprintf(r->series, sizeof(r->series), "allow_cidrs");
			r->x = allow[i];
			ret = bm_frame_tcp(&f, fam, fam == 4 ? "198.18.1.2" : "2001:db8:1::2",
					   BM_PORT_SERVICE, SG_TCP_ACK | SG_TCP_PSH, 1400);
			if (!ret)
				ret = measure_direct(c, &s, &f, c->o.scale_reps, r);
			if (ret)
				break;
			/* The allow-list is consulted for probes, before tracking:
			 * a tracked source's SYN walks it on every probe. */
			r = new_result(c, true);
			set_name(r, 4, fam, "tracked_allow",
				 "SYN from a tracked source, N allow-list CIDRs");
			snprintf(r->series, sizeof(r->series), "allow_cidrs");
			r->x = allow[i];
			bm_src_str(fam, fam == 4 ? BM_TRACK4 : BM_TRACK6, src, sizeof(src));
			ret = bm_frame_tcp(&f, fam, src, BM_PORT_PROBE, SG_TCP_SYN, 0);
			if (!ret)
				ret = measure_direct(c, &s, &f, c->o.scale_reps, r);
		}
		sg_subject_close(&s);
	}
	return ret;
}
