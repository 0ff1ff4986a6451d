// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_equiv.c - the userspace model (tests/unit/model.c: the shared parser
 * and classification compiled for userspace) against the real XDP program
 * through BPF_PROG_TEST_RUN, frame by frame: the fuzz seed corpus, random
 * well-formed frames, mutations of both, and raw noise, in host and segment
 * mode.  Every source starts with no state (its admission slots, tracking,
 * failed-before and slow-window entries are taken out after each frame), so
 * each frame must give the same outcome (refused, not IP, parse error, not
 * a probe, probe, tiny fragment dropped), the same verdict, exactly the
 * same change in every counter, and for probes the same kind, target,
 * weight, source key and source network, read back from the admission
 * slots (a first probe waits there) or the tracking map (a probe heavy
 * enough to cross the score alone).  Run it in a network namespace of its own (no sockets:
 * host-mode lookups find nothing, as the model assumes).
 *   test_equiv [CORPUS-DIR] [SEED]
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cfgkeys.h"
#include "fixture.h"
#include "fmt.h"
#include "gen.h"
#include "harness.h"
#include "model.h"
#include "ops.h"
#include "scanguard.skel.h"
#include "sg_admit.h"

#define MAX_FRAME 1600
#define MAX_SEEDS 512

struct frame {
	uint8_t data[MAX_FRAME];
	size_t len;
	char name[256];
};

static struct frame seeds[MAX_SEEDS];
static int nseeds;

static const char *const exposed_spec[] = {
	"tcp/22@198.18.0.1", "udp/any@198.18.0.0/24", "sctp/80@198.18.0.1", "icmp@2001:db8::1",
	"tcp/443@2001:db8::/64",
};
#define NEXPOSED (sizeof(exposed_spec) / sizeof(exposed_spec[0]))
static struct model_exposed exposed[NEXPOSED];

struct runner {
	struct fx f;
	struct model_env env;
	struct sg_config cfg;
	int net_suspect, slow, admit_src, admit_net, slow_fp, net_seen;
	struct sg_stats last;
	/* outcome counts of the current set, and its first mismatch */
	unsigned long outcomes[M_NOUTCOMES];
	uint32_t kinds;
	unsigned long frames, open;
	char why[512];
	uint8_t bad[MAX_FRAME];	/* the first frame that mismatched */
	size_t badlen;
};

static int load_seeds(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d)) && nseeds < MAX_SEEDS) {
		char path[512];
		FILE *fp;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fp = fopen(path, "rb");
		if (!fp)
			continue;
		seeds[nseeds].len = fread(seeds[nseeds].data, 1, MAX_FRAME, fp);
		snprintf(seeds[nseeds].name, sizeof(seeds[nseeds].name), "%s", de->d_name);
		fclose(fp);
		nseeds++;
	}
	closedir(d);
	return nseeds;
}

static int run_frame(struct runner *r, const uint8_t *data, size_t len)
{
	uint8_t out[MAX_FRAME + 64];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(r->f.prog_fd, &opts))
		return -1;
	return opts.retval;
}

#define MISMATCH(...)								\
	do {									\
		if (!r->why[0]) {						\
			snprintf(r->why, sizeof(r->why), __VA_ARGS__);		\
			memcpy(r->bad, data, len);				\
			r->badlen = len;					\
		}								\
		ok = false;							\
	} while (0)

/* A probe that alone crosses the score is tracked at once; any other first
 * probe waits in an admission slot. */
static bool tracked_at_once(const struct runner *r, const struct model *m)
{
	return r->cfg.score_threshold && !m->pr.open &&
	       (int32_t)m->pr.weight >= (int32_t)r->cfg.score_threshold;
}

/* What a source's first probe left, from its slot or its entry. */
struct first {
	uint32_t kinds, target;
	int32_t score;
	uint32_t count, host;
};

/* Reads the admission slot holding key and empties it; false when no slot
 * holds it. */
static bool take_slot(int fd, uint32_t nslots, const struct sg_addr *key,
		      struct sg_admit_slot *out)
{
	const struct sg_admit_slot empty = { 0 };
	uint32_t i;

	return sg_admit_find(fd, nslots, key, out, &i) == 0 &&
	       bpf_map_update_elem(fd, &i, &empty, BPF_ANY) == 0;
}

/* Empties key's place in the failed-before filter. */
static void forget_failure(struct runner *r, const struct sg_addr *key)
{
	struct sg_slow_fp_pair pair;
	uint32_t idx, half, fp;

	sg_slow_fp_hash(key, &idx, &half, &fp);
	if (bpf_map_lookup_elem(r->slow_fp, &idx, &pair) == 0 && pair.fp[half] == fp) {
		pair.fp[half] = 0;
		bpf_map_update_elem(r->slow_fp, &idx, &pair, BPF_ANY);
	}
}

/* Empties the (network, target) pair's place in the per-CPU seen cache. */
static void forget_seen_pair(struct runner *r, const struct sg_addr *net, uint32_t target)
{
	uint32_t idx = sg_net_seen_index(net, target);
	size_t len = (size_t)libbpf_num_possible_cpus() * sizeof(struct sg_net_seen);
	void *zero = calloc(1, len);

	if (zero)
		bpf_map_update_elem(r->net_seen, &idx, zero, BPF_ANY);
	free(zero);
}

/* Runs one frame through both and compares; returns false on a mismatch. */
static bool compare(struct runner *r, const uint8_t *data, size_t len)
{
	uint64_t want[SG_STAT_MAX] = { 0 };
	struct sg_admit_slot slot;
	struct sg_stats now;
	struct first st;
	struct sg_track t;
	struct model m;
	bool ok = true;
	int v, want_v;

	model_run(&r->env, data, len, &m);
	r->outcomes[m.out]++;
	r->kinds |= m.pr.kind;
	r->open += m.pr.open;
	r->frames++;
	v = run_frame(r, data, len);
	if (m.out == M_REFUSED) {
		if (v != -1)
			MISMATCH("a %zu-byte frame was run (verdict %d)", len, v);
		return ok;
	}
	if (v < 0) {
		MISMATCH("run failed: %s", strerror(errno));
		return false;
	}
	want_v = m.out == M_TINY_FRAG ? XDP_DROP : XDP_PASS;
	if (v != want_v)
		MISMATCH("%s: verdict %d, model %d", model_outcome_names[m.out], v, want_v);

	/* Exactly the counters the model predicts moved, by one each. */
	want[SG_STAT_PACKETS] = 1;
	want[model_reason(m.out)]++;
	if (m.pr.kind) {
		want[SG_STAT_PROBES] = 1;
		want[m.pr.open ? SG_STAT_PROBES_OPEN : SG_STAT_PROBES_FAILED] = 1;
		want[SG_STAT_TRACK_INSERTS] = tracked_at_once(r, &m);
	}
	if (sg_stats_read(&r->f.m, &now)) {
		MISMATCH("cannot read counters");
		return false;
	}
	for (int i = 0; i < SG_STAT_MAX; i++) {
		uint64_t d = now.c[i] - r->last.c[i];

		if (d != want[i])
			MISMATCH("%s: counter %s moved by %llu, model %llu",
				 model_outcome_names[m.out], sg_stat_name(i), (unsigned long long)d,
				 (unsigned long long)want[i]);
	}
	r->last = now;
	if (!m.pr.kind)
		return ok;

	/* The source's first probe, under the model's source key, holds the
	 * model's kind, target and weight; taking it out (and the
	 * failed-before fingerprint) leaves the next frame with no state. */
	if (tracked_at_once(r, &m)) {
		if (!fx_track(&r->f, false, &m.key, &t, true)) {
			MISMATCH("%s: no tracking entry under the model's source key",
				 model_outcome_names[m.out]);
			return false;
		}
		bpf_map_delete_elem(r->f.m.suspect, &m.key);
		st = (struct first){ SG_TRACK_KINDS(t.bits), t.slot[0], t.score, t.count,
				     t.hosts ? t.slot[t.slot[1] ? 1 : 0] : 0 };
	} else if (!take_slot(r->admit_src, SG_ADMIT_SRC_SLOTS, &m.key, &slot)) {
		MISMATCH("%s: no admission slot under the model's source key",
			 model_outcome_names[m.out]);
		return false;
	} else {
		st = (struct first){ slot.kinds, slot.target, slot.score, slot.counted, slot.host };
	}
	forget_failure(r, &m.key);
	bpf_map_delete_elem(r->slow, &m.key);
	if (st.kinds != m.pr.kind)
		MISMATCH("probe kind %#x, model %#x", st.kinds, m.pr.kind);
	if (st.target != m.pr.target)
		MISMATCH("target %#x, model %#x", st.target, m.pr.target);
	if (st.score != (m.pr.open ? -1 : (int32_t)m.pr.weight))
		MISMATCH("score %d, model weight %u open %u", st.score, m.pr.weight, m.pr.open);
	if (st.count != (m.pr.open ? 0u : 1u))
		MISMATCH("count %u, model open %u", st.count, m.pr.open);
	if (r->cfg.protect == SG_PROTECT_SEGMENT && !m.pr.open && st.host != m.pr.host)
		MISMATCH("sweep: host %#x, model host %#x", st.host, m.pr.host);
	/* The source network weighed the failure too: its first probe waits
	 * in the network admission slots. */
	if (!m.pr.open) {
		forget_seen_pair(r, &m.net, m.pr.target);
		if (!take_slot(r->admit_net, SG_ADMIT_NET_SLOTS, &m.net, &slot))
			MISMATCH("no admission slot under the model's source network");
		else if (!slot.counted || slot.target != m.pr.target)
			MISMATCH("network slot counted %u target %#x, model 1 %#x", slot.counted,
				 slot.target, m.pr.target);
	}
	return ok;
}

static bool runner_open(struct runner *r, uint32_t protect)
{
	char err[256];
	int ret;

	memset(r, 0, sizeof(*r));
	sg_config_defaults(&r->cfg);
	r->cfg.protect = protect;
	ret = fx_open(&r->f, &r->cfg);
	if (!CHECK(ret == 0, "cannot load the XDP program: %s", strerror(-ret)))
		return false;
	r->net_suspect = bpf_map__fd(r->f.skel->maps.SG_MAP_NET_SUSPECT);
	r->slow = bpf_map__fd(r->f.skel->maps.SG_MAP_SLOW);
	r->admit_src = bpf_map__fd(r->f.skel->maps.SG_MAP_ADMIT_SRC);
	r->admit_net = bpf_map__fd(r->f.skel->maps.SG_MAP_ADMIT_NET);
	r->slow_fp = bpf_map__fd(r->f.skel->maps.SG_MAP_SLOW_FP);
	r->net_seen = bpf_map__fd(r->f.skel->maps.sg_net_seen);
	if (!CHECK(model_env_init(&r->env, &r->cfg, &r->f.m, exposed_spec, NEXPOSED, exposed, err,
				  sizeof(err)), "expose: %s", err))
		return false;
	{
		__u32 zero = 0;

		/* The clock stands still: no window ends during a set. */
		bpf_map_update_elem(bpf_map__fd(r->f.skel->maps.SG_MAP_TEST_CLOCK), &zero, &r->f.now,
				    BPF_ANY);
	}
	return !sg_stats_read(&r->f.m, &r->last);
}

static void set_begin(struct runner *r)
{
	memset(r->outcomes, 0, sizeof(r->outcomes));
	r->kinds = 0;
	r->frames = 0;
	r->open = 0;
	r->why[0] = 0;
	r->badlen = 0;
}

static void set_end(struct runner *r, const char *what)
{
	char mix[256];
	size_t n = 0;

	for (int i = 0; i < M_NOUTCOMES; i++)
		n += snprintf(mix + n, sizeof(mix) - n, "%s%s %lu", i ? ", " : "",
			      model_outcome_names[i], r->outcomes[i]);
	fprintf(stderr, "%s: %lu frames: %s\n", what, r->frames, mix);
	if (r->why[0]) {
		fprintf(stderr, "first mismatch (%zu bytes):", r->badlen);
		for (size_t i = 0; i < r->badlen && i < 128; i++)
			fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", r->bad[i]);
		fprintf(stderr, "\n");
	}
	CHECK(!r->why[0], "%s", r->why);
}

static const char *mode_name(uint32_t protect)
{
	return protect == SG_PROTECT_SEGMENT ? "segment" : "host";
}

static void test_corpus(uint32_t protect)
{
	struct runner r;
	uint32_t want_kinds;
	char what[128];

	snprintf(what, sizeof(what), "equivalence: the %d seed frames, %s mode", nseeds,
		 mode_name(protect));
	h_begin("%s", what);
	if (!CHECK(nseeds > 0, "no seed frames") || !runner_open(&r, protect))
		return;
	set_begin(&r);
	for (int i = 0; i < nseeds; i++)
		if (!compare(&r, seeds[i].data, seeds[i].len))
			fprintf(stderr, "mismatch on seed %s\n", seeds[i].name);
	set_end(&r, what);
	/* The seeds reach every outcome and every probe kind the mode has. */
	for (int i = 0; i < M_NOUTCOMES; i++)
		CHECK(r.outcomes[i] > 0, "no seed gives outcome '%s'", model_outcome_names[i]);
	want_kinds = (SG_PROBE_FRAG << 1) - 1;
	if (protect == SG_PROTECT_SEGMENT)
		want_kinds |= SG_PROBE_ECHO;
	CHECK(r.kinds == want_kinds, "seeds reach probe kinds %#x, want %#x", r.kinds, want_kinds);
	if (protect == SG_PROTECT_SEGMENT)
		CHECK(r.open > 0, "no seed reaches an exposed service");
	fx_close(&r.f);
}

enum source { SRC_RANDOM, SRC_MUTATED_SEED, SRC_MUTATED_RANDOM, SRC_NOISE };

static void test_generated(uint32_t protect, enum source src, unsigned long n, uint64_t seed)
{
	static const char *const names[] = { "random well-formed frames", "mutated seed frames",
					     "mutated random frames", "random bytes" };
	uint8_t buf[PKT_MAX];
	struct rng rng = { seed };
	struct runner r;
	char what[160];

	snprintf(what, sizeof(what), "equivalence: %lu %s, %s mode (seed %llu)", n, names[src],
		 mode_name(protect), (unsigned long long)seed);
	h_begin("%s", what);
	if (!runner_open(&r, protect))
		return;
	set_begin(&r);
	for (unsigned long i = 0; i < n; i++) {
		size_t len = 0;

		switch (src) {
		case SRC_RANDOM:
		case SRC_MUTATED_RANDOM:
			len = gen_frame(&rng, buf, sizeof(buf));
			if (gen_family()) {
				/* Sources across the test ranges, so keys differ. */
				struct sg_addr s = { { 0, 0, htonl(0xffff), htonl(0xc6120000u |
					rng_below(&rng, 1 << 17)) } };
				struct sg_addr d = s;

				if (gen_family() == 6) {
					s.w[0] = htonl(0x20010db8);
					s.w[1] = (uint32_t)rng_next(&rng);
					s.w[2] = (uint32_t)rng_next(&rng);
					s.w[3] = (uint32_t)rng_next(&rng);
					d = s;
					d.w[3] ^= 1;
				} else {
					d.w[3] ^= htonl(1);
				}
				gen_set_addrs(buf, &s, &d);
			}
			if (src == SRC_MUTATED_RANDOM)
				gen_mutate(&rng, buf, &len, MAX_FRAME);
			break;
		case SRC_MUTATED_SEED: {
			const struct frame *s = &seeds[rng_below(&rng, nseeds)];

			memcpy(buf, s->data, s->len);
			len = s->len;
			gen_mutate(&rng, buf, &len, MAX_FRAME);
			break;
		}
		case SRC_NOISE:
			len = gen_noise(&rng, buf, 0, 200);
			break;
		}
		compare(&r, buf, len);
	}
	set_end(&r, what);
	/* A mismatch-free run that never reached probes would prove little. */
	CHECK(r.outcomes[M_PROBE] > 0 || src == SRC_NOISE, "no probe among the frames");
	fx_close(&r.f);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/parse";
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	unsigned long n = 50000;

	if (load_seeds(dir) <= 0)
		fprintf(stderr, "cannot read seed frames from %s\n", dir);
	for (uint32_t protect = SG_PROTECT_HOST; protect <= SG_PROTECT_SEGMENT; protect++) {
		test_corpus(protect);
		test_generated(protect, SRC_RANDOM, n, seed + 1);
		test_generated(protect, SRC_MUTATED_SEED, n, seed + 2);
		test_generated(protect, SRC_MUTATED_RANDOM, n, seed + 3);
		test_generated(protect, SRC_NOISE, n / 4, seed + 4);
	}
	return h_finish();
}
