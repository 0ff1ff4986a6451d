// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_random.c - pushes many random and mutated frames through the real
 * XDP program (BPF_PROG_TEST_RUN, state kept from frame to frame, the test
 * clock advancing 1 ms a frame) and holds every verdict to the userspace
 * model (tests/unit/model.c):
 *   - every XDP_DROP is explained: a tiny first fragment; a source in the
 *     block tables (for block policy "new" only its probes and malformed
 *     frames); or a probe from a source over a threshold (its tracking
 *     entry, or its network's, says so);
 *   - hence no frame that is not a probe, from a source that is not
 *     blocked, is ever dropped;
 *   - allow-listed sources are never dropped, monitor mode drops nothing,
 *     and every tiny first fragment is dropped.
 * Sources: scanners (any frame, often blocked), benign clients (traffic
 * that is never a probe, sometimes mutated into anything), one-frame
 * spoofed sources from all over the test ranges, allow-listed sources, and
 * raw noise.  Four phases: defaults; block policy "new" with a small
 * max-blocks; segment mode; monitor mode.  Run it in a network namespace
 * of its own (no sockets, as the model assumes).
 *   test_random [FRAMES [SEED]]      (default 1000000 frames, seed from time)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cfgkeys.h"
#include "fixture.h"
#include "gen.h"
#include "harness.h"
#include "model.h"
#include "ops.h"
#include "scanguard.skel.h"

#define MAX_FRAME 1600
#define CLOCK_STEP_FRAMES 1000		/* the clock advances 1 s per 1000 frames */

enum explain {
	EX_FRAGMENT,
	EX_BLOCKED,
	EX_OVER,
	EX_SLOW_OVER,
	EX_NET_OVER,
	EX_N
};
static const char *const explain_names[EX_N] = {
	"tiny fragment", "blocked source", "source over a threshold",
	"source over the slow threshold", "network over a threshold",
};

enum src_class { C_SCANNER, C_BENIGN, C_MANGLED, C_SPOOFED, C_ALLOWED, C_NOISE, C_N };
static const char *const class_names[C_N] = { "scanner", "benign", "mangled", "spoofed", "allowed",
					      "noise" };

struct phase {
	const char *name;
	struct sg_config cfg;
};

static const char *const exposed_spec[] = {
	"tcp/22@198.18.0.1", "tcp/80@198.18.0.0/24", "udp/53@198.18.0.1", "icmp@2001:db8::1",
};
#define NEXPOSED (sizeof(exposed_spec) / sizeof(exposed_spec[0]))

struct state {
	struct fx f;
	struct sg_config cfg;
	struct model_env env;
	struct model_exposed exposed[NEXPOSED];
	int clock, slow;
	struct sg_cidr allow[2];
	unsigned long frames, runs, drops[EX_N], per_class[C_N], class_drops[C_N];
	unsigned long bad;
	char why[512];
	uint8_t badframe[MAX_FRAME];
	size_t badlen;
};

static bool live(const struct sg_block *b, uint64_t now)
{
	return b->expires_ns == 0 || now < b->expires_ns;
}

static bool is_blocked(struct state *s, const struct model *m)
{
	struct sg_lpm_key k = { .prefixlen = 128, .addr = m->p.src };
	struct sg_block b;

	if (s->f.m.state_mm->nr_blocks && !bpf_map_lookup_elem(s->f.m.blocks, &m->key, &b) &&
	    live(&b, s->f.now))
		return true;
	return s->f.m.state_mm->nr_cidr_blocks &&
	       !bpf_map_lookup_elem(s->f.m.cidr_blocks, &k, &b) && live(&b, s->f.now) &&
	       !model_in_cidrs(s->allow, 2, &m->p.src);
}

/* Why was this frame dropped?  -1 when nothing explains it. */
static int explain(struct state *s, const struct model *m)
{
	struct sg_track t;
	struct sg_slow sl;

	if (!m->has_src)
		return -1;
	if (m->out == M_TINY_FRAG)
		return EX_FRAGMENT;
	if (is_blocked(s, m)) {
		/* Policy "new" passes a blocked source's well-formed non-probes. */
		if (s->cfg.block_policy == SG_POLICY_NEW && !m->pr.kind &&
		    (m->res == SG_PARSE_OK || m->res == SG_PARSE_NO_L4))
			return -1;
		return EX_BLOCKED;
	}
	if (!m->pr.kind)
		return -1;
	/* Over a threshold but not blocked: max-blocks was reached, or the
	 * block table is full. */
	if (fx_track(&s->f, false, &m->key, &t, false) &&
	    (t.count > s->cfg.threshold ||
	     (s->cfg.score_threshold > 0 && t.score >= s->cfg.score_threshold) ||
	     (s->cfg.sweep_threshold && t.hosts > s->cfg.sweep_threshold)))
		return EX_OVER;
	if (s->cfg.slow_threshold && !bpf_map_lookup_elem(s->slow, &m->key, &sl) &&
	    sl.count > s->cfg.slow_threshold)
		return EX_SLOW_OVER;
	if (s->cfg.net_threshold && fx_track(&s->f, true, &m->net, &t, false) &&
	    t.count > s->cfg.net_threshold)
		return EX_NET_OVER;
	return -1;
}

static void bad(struct state *s, const uint8_t *data, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void bad(struct state *s, const uint8_t *data, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!s->bad++) {
		va_start(ap, fmt);
		vsnprintf(s->why, sizeof(s->why), fmt, ap);
		va_end(ap);
		memcpy(s->badframe, data, len);
		s->badlen = len;
	}
}

static void addr_v4(struct sg_addr *a, uint32_t host_order)
{
	a->w[0] = a->w[1] = 0;
	a->w[2] = htonl(0xffff);
	a->w[3] = htonl(host_order);
}

static void addr_v6(struct sg_addr *a, uint32_t w1, uint64_t iid)
{
	a->w[0] = htonl(0x20010db8);
	a->w[1] = htonl(w1);
	a->w[2] = htonl(iid >> 32);
	a->w[3] = htonl((uint32_t)iid);
}

/* Keeps a random IPv6 source out of the prefixes the other classes use. */
static uint32_t spoofed_w1(struct rng *r)
{
	uint32_t w1 = (uint32_t)rng_next(r);

	switch (w1 >> 16) {
	case 0x0bad: case 0x600d: case 0x600e: case 0xa110:
		w1 ^= 0x80000000u;
	}
	return w1;
}

/* Builds the next frame: a source of some class and a frame it sends.
 * Address plan (host order): scanners 198.18.128-191.7 (one per /24) and
 * 2001:db8:bad:0-15::/64; benign clients 198.18.100.0/24 and 2001:db8:600d::/48,
 * which nothing else uses; mangled-benign 198.18.101.0/24, 2001:db8:600e::/48;
 * spoofed 198.19.0.0/16 and the rest of 2001:db8::/32; allow-listed
 * 198.18.50.0/24 and 2001:db8:a110::/48. */
static size_t next_frame(struct rng *r, uint8_t *buf, enum src_class *cls)
{
	uint32_t pick = rng_below(r, 100);
	struct sg_addr src, dst;
	size_t len;
	bool v6;

	*cls = pick < 20 ? C_SCANNER : pick < 60 ? C_BENIGN : pick < 65 ? C_MANGLED :
	       pick < 85 ? C_SPOOFED : pick < 90 ? C_ALLOWED : C_NOISE;
	if (*cls == C_NOISE)
		return gen_noise(r, buf, 0, 200);
	len = *cls == C_BENIGN || *cls == C_MANGLED ? gen_benign_frame(r, buf, PKT_MAX)
						    : gen_frame(r, buf, PKT_MAX);
	v6 = gen_family() == 6;
	switch (*cls) {
	case C_SCANNER:
		if (v6)
			addr_v6(&src, 0x0bad0000 | rng_below(r, 16), rng_next(r));
		else
			addr_v4(&src, 0xc6128007 | rng_below(r, 64) << 8);
		break;
	case C_BENIGN:
		if (v6)
			addr_v6(&src, 0x600d0000, rng_below(r, 256));
		else
			addr_v4(&src, 0xc6126400 | rng_below(r, 256));
		break;
	case C_MANGLED:
		if (v6)
			addr_v6(&src, 0x600e0000, rng_below(r, 256));
		else
			addr_v4(&src, 0xc6126500 | rng_below(r, 256));
		break;
	case C_SPOOFED:
		if (v6)
			addr_v6(&src, spoofed_w1(r), rng_next(r));
		else
			addr_v4(&src, 0xc6130000 | rng_below(r, 1 << 16));
		break;
	default:
		if (v6)
			addr_v6(&src, 0xa1100000 | rng_below(r, 16), rng_next(r));
		else
			addr_v4(&src, 0xc6123200 | rng_below(r, 256));
	}
	if (v6)
		addr_v6(&dst, 0, 1 + rng_below(r, 4));
	else
		addr_v4(&dst, 0xc6120001 + rng_below(r, 4));
	gen_set_addrs(buf, &src, &dst);
	/* Benign clients' frames are never mangled; the mangled class's always
	 * are, into anything. */
	if (*cls == C_MANGLED || (*cls != C_BENIGN && rng_below(r, 4) == 0))
		gen_mutate(r, buf, &len, MAX_FRAME);
	return len;
}

static bool phase_open(struct state *s, const struct sg_config *cfg)
{
	static const char *const allow[] = { "198.18.50.0/24", "2001:db8:a110::/48" };
	char err[256];
	int ret;

	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	ret = fx_open(&s->f, cfg);
	if (!CHECK(ret == 0, "cannot load the XDP program: %s", strerror(-ret)))
		return false;
	s->clock = bpf_map__fd(s->f.skel->maps.SG_MAP_TEST_CLOCK);
	s->slow = bpf_map__fd(s->f.skel->maps.SG_MAP_SLOW);
	for (int i = 0; i < 2; i++)
		if (!CHECK(!sg_cidr_parse(allow[i], &s->allow[i], err, sizeof(err)) &&
			   !sg_allow_add(&s->f.m, &s->allow[i], 0, NULL, err, sizeof(err)),
			   "allow: %s", err))
			return false;
	return CHECK(model_env_init(&s->env, cfg, &s->f.m, exposed_spec, NEXPOSED, s->exposed, err,
				    sizeof(err)), "expose: %s", err);
}

static void run_phase(const char *name, const struct sg_config *cfg, unsigned long n,
		      uint64_t seed)
{
	uint8_t buf[PKT_MAX], out[PKT_MAX];
	struct rng r = { seed };
	struct timespec t0, t1;
	struct sg_stats st;
	struct state s;
	__u32 zero = 0;
	double secs;
	char mix[512];
	size_t used = 0;

	h_begin("random: %lu frames, %s (seed %llu): every drop explained", n, name,
		(unsigned long long)seed);
	if (!phase_open(&s, cfg))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);
		enum src_class cls;
		struct model m;
		bool allowed;
		size_t len;
		int ex;

		if (i % CLOCK_STEP_FRAMES == 0) {
			s.f.now += SG_NSEC_PER_SEC;
			bpf_map_update_elem(s.clock, &zero, &s.f.now, BPF_ANY);
		}
		len = next_frame(&r, buf, &cls);
		model_run(&s.env, buf, len, &m);
		s.frames++;
		s.per_class[cls]++;
		if (m.out == M_REFUSED)
			continue;
		opts.data_size_in = len;
		if (bpf_prog_test_run_opts(s.f.prog_fd, &opts)) {
			bad(&s, buf, len, "run failed: %s", strerror(errno));
			continue;
		}
		s.runs++;
		allowed = m.has_src && model_in_cidrs(s.allow, 2, &m.p.src);
		if (opts.retval == XDP_PASS) {
			if (m.out == M_TINY_FRAG && !allowed && cfg->mode == SG_MODE_ENFORCE)
				bad(&s, buf, len, "a tiny first fragment (%s) passed", class_names[cls]);
			continue;
		}
		if (opts.retval != XDP_DROP) {
			bad(&s, buf, len, "verdict %u", opts.retval);
			continue;
		}
		s.class_drops[cls]++;
		if (allowed || cfg->mode == SG_MODE_MONITOR) {
			bad(&s, buf, len, "dropped %s", allowed ? "an allow-listed source's frame"
								: "in monitor mode");
			continue;
		}
		ex = explain(&s, &m);
		if (ex < 0)
			bad(&s, buf, len, "unexplained drop: %s frame, model says %s (kind %#x)",
			    class_names[cls], model_outcome_names[m.out], m.pr.kind);
		else
			s.drops[ex]++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	for (int i = 0; i < C_N; i++)
		used += snprintf(mix + used, sizeof(mix) - used, "%s%s %lu (%lu dropped)",
				 i ? ", " : "", class_names[i], s.per_class[i], s.class_drops[i]);
	fprintf(stderr, "%s: %lu frames in %.1f s (%.2f us each): %s\n", name, s.frames, secs,
		secs * 1e6 / (s.frames ? s.frames : 1), mix);
	used = 0;
	for (int i = 0; i < EX_N; i++)
		used += snprintf(mix + used, sizeof(mix) - used, "%s%s %lu", i ? ", " : "",
				 explain_names[i], s.drops[i]);
	fprintf(stderr, "%s: drops explained by: %s\n", name, mix);
	if (s.bad) {
		fprintf(stderr, "%s: %lu failures; first (%zu bytes):", name, s.bad, s.badlen);
		for (size_t i = 0; i < s.badlen && i < 128; i++)
			fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", s.badframe[i]);
		fprintf(stderr, "\n");
	}
	CHECK(!s.bad, "%lu failures, first: %s", s.bad, s.why);
	CHECK(!sg_stats_read(&s.f.m, &st), "cannot read counters");
	CHECK_EQ(st.c[SG_STAT_PACKETS], s.runs, "packets counted");
	/* Clients that never sent a probe, from a network no one probes from,
	 * lose nothing (in segment mode ICMP echo is a probe: they send it). */
	if (cfg->protect == SG_PROTECT_HOST)
		CHECK_EQ(s.class_drops[C_BENIGN], 0, "benign clients' frames dropped");
	/* A run where nothing was ever blocked or dropped would prove little. */
	if (cfg->mode == SG_MODE_ENFORCE) {
		CHECK(s.drops[EX_BLOCKED] > 0, "no blocked source was dropped");
		CHECK(s.drops[EX_FRAGMENT] > 0, "no tiny fragment was dropped");
		CHECK(st.c[SG_STAT_DETECTIONS] > 0, "no detection");
	} else {
		CHECK(st.c[SG_STAT_MONITOR_PASSED] > 0, "monitor mode never had a drop to pass");
	}
	if (cfg->block_policy == SG_POLICY_NEW)
		CHECK(st.c[SG_STAT_BLOCKED_PASSED] > 0, "policy new never passed a blocked source");
	if (cfg->max_blocks < SG_DEFAULT_MAX_BLOCKS)
		CHECK(st.c[SG_STAT_BLOCK_CAP_REACHED] > 0, "max-blocks was never reached");
	fx_close(&s.f);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	struct sg_config def, cfg;

	sg_config_defaults(&def);
	run_phase("defaults", &def, n / 2, seed);

	cfg = def;
	cfg.block_policy = SG_POLICY_NEW;
	cfg.max_blocks = 40;
	run_phase("block policy new, max-blocks 40", &cfg, n / 5, seed + 1);

	cfg = def;
	cfg.protect = SG_PROTECT_SEGMENT;
	run_phase("segment mode", &cfg, n / 5, seed + 2);

	cfg = def;
	cfg.mode = SG_MODE_MONITOR;
	run_phase("monitor mode", &cfg, n - n / 2 - 2 * (n / 5), seed + 3);
	return h_finish();
}
