// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_flood.c - state exhaustion, measured through BPF_PROG_TEST_RUN with
 * the default configuration: floods of spoofed sources (distinct IPv6 /64s,
 * so every source is new) with one probe each (what a spoofer sends: they
 * stay in the admission array) or two (each takes a tracking entry), run on
 * each CPU.  It checks that (a) blocks are never evicted, (b) a scanner
 * probing during a flood is still caught, and how, (c) the program never
 * fails open silently: every tracked source is counted, every eviction is
 * visible as sources_tracked - sources_forgotten - entries, and inserts
 * never fail.
 * The measured numbers go to stderr (SECURITY.md quotes them).  Run it in
 * a network namespace of its own (no sockets: every probe is a failure).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cfgkeys.h"
#include "fixture.h"
#include "fmt.h"
#include "harness.h"
#include "ops.h"
#include "scanguard.skel.h"
#include "sg_admit.h"
#include "sg_parse.h"
#include "table.h"

#define HOST	"198.18.0.1"
#define HOST6	"2001:db8::1"

struct flood {
	uint8_t buf[2][PKT_MAX];	/* a source's first and second probe */
	size_t len, src_off;
	uint32_t next;		/* the next source's number */
	int probes;		/* per source: 1 or 2 */
};

static void flood_init(struct flood *fl, int probes)
{
	for (int i = 0; i < 2; i++) {
		struct pkt_spec s = fx_tcp("2001:db8:f100::1", HOST6, 9999 - i, SG_TCP_SYN);

		fl->len = pkt_build(&s, fl->buf[i], sizeof(fl->buf[i]));
	}
	fl->src_off = pkt_l3_off() + 8;
	fl->next = 1;
	fl->probes = probes;
}

/* The CPUs this test may run on (at most 4, to bound its time), from the
 * affinity it started with: possible CPUs need not be online. */
#define MAX_FLOOD_CPUS 4
static int cpus[MAX_FLOOD_CPUS], ncpus;

static void find_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int c = 0; c < CPU_SETSIZE && ncpus < MAX_FLOOD_CPUS; c++)
		if (CPU_ISSET(c, &set))
			cpus[ncpus++] = c;
}

static bool pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

/* n new sources, fl->probes SYNs each to closed ports, on the current CPU:
 * 2001:db8:NNNN:NNNN::1, a /64 each.  The clock moves 1 us a source, in
 * steps of 1024 (a clock update per frame would double the test's time):
 * with a clock that stood still, the admission sets' older-first choice
 * would always fall on the same slot. */
static int flood_run(struct fx *f, struct flood *fl, uint32_t n)
{
	int clock_fd = bpf_map__fd(f->skel->maps.SG_MAP_TEST_CLOCK);
	uint8_t out[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_size_in = fl->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	__u32 zero = 0;

	for (uint32_t i = 0; i < n; i++, fl->next++) {
		uint32_t w1 = htonl(fl->next);

		if (i % 1024 == 0) {
			f->now += 1024 * 1000;
			if (bpf_map_update_elem(clock_fd, &zero, &f->now, BPF_ANY))
				return -errno;
		}
		for (int k = 0; k < fl->probes; k++) {
			memcpy(fl->buf[k] + fl->src_off + 4, &w1, 4);
			opts.data_in = fl->buf[k];
			opts.data_size_out = sizeof(out);
			if (bpf_prog_test_run_opts(f->prog_fd, &opts))
				return -errno;
		}
	}
	return 0;
}

struct tally {
	uint64_t tracked, forgotten, failed;
	long entries;
	long evicted;
};

static struct tally tally(struct fx *f)
{
	struct tally t = {
		.tracked = fx_stat(f, SG_STAT_TRACK_INSERTS),
		.forgotten = fx_stat(f, SG_STAT_TRACK_DELETES),
		.failed = fx_stat(f, SG_STAT_TRACK_FAILED),
		.entries = sg_table_count_fd(f->m.track),
	};

	t.evicted = (long)t.tracked - (long)t.forgotten - t.entries;
	return t;
}

static bool open_or_fail(struct fx *f, const struct sg_config *cfg)
{
	int ret = fx_open(f, cfg);

	return CHECK(ret == 0, "cannot load the XDP program: %s", strerror(-ret));
}

/* ---- how many sources the defaults track ---------------------------------- */

/* One-probe sources never reach the tracking map: the admission array
 * holds their probe, so a spoofed flood inserts nothing and evicts nothing. */
static void test_one_probe_flood(void)
{
	const uint32_t n = 2 * SG_MAX_SOURCES;
	struct flood fl;
	struct tally t;
	struct fx f;

	h_begin("flood: %u one-probe sources take no tracking entry", n);
	if (!open_or_fail(&f, NULL))
		return;
	pin_cpu(cpus[0]);
	flood_init(&fl, 1);
	CHECK(flood_run(&f, &fl, n) == 0, "run failed");
	t = tally(&f);
	CHECK_EQ(t.tracked, 0, "sources_tracked");
	CHECK_EQ(t.entries, 0, "entries");
	CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_FAILED), n, "probes_failed: every probe weighed");
	/* All within one window: past the slots' number, each first probe
	 * takes another's slot (a few pairs stay short of their two). */
	CHECK(fx_stat(&f, SG_STAT_ADMIT_TAKEN) >= n - SG_ADMIT_SRC_SLOTS &&
	      fx_stat(&f, SG_STAT_ADMIT_TAKEN) <= n, "admission_slots_taken %llu",
	      (unsigned long long)fx_stat(&f, SG_STAT_ADMIT_TAKEN));
	fx_close(&f);
}

static void test_capacity(void)
{
	/* Twice one CPU's share of the tracking map, on each CPU in turn. */
	const uint32_t n = 2 * (SG_MAX_SOURCES / libbpf_num_possible_cpus());
	struct flood fl;
	struct tally t;
	struct fx f;

	h_begin("flood: %u two-probe sources per cpu on %d cpus: all counted, evictions visible, "
		"no insert fails", n, ncpus);
	if (!open_or_fail(&f, NULL))
		return;
	flood_init(&fl, 2);
	for (int i = 0; i < ncpus; i++) {
		if (!CHECK(pin_cpu(cpus[i]), "cannot run on cpu %d", cpus[i]))
			continue;
		CHECK(flood_run(&f, &fl, n) == 0, "run failed");
		t = tally(&f);
		fprintf(stderr, "capacity: after %u sources on %d of %d possible cpus: %ld tracked "
			"at once (map size %u), %ld evicted, sources_tracked %llu, "
			"track_insert_failed %llu\n", n * (i + 1), i + 1, libbpf_num_possible_cpus(),
			t.entries, SG_MAX_SOURCES, t.evicted, (unsigned long long)t.tracked,
			(unsigned long long)t.failed);
	}
	pin_cpu(cpus[0]);
	t = tally(&f);
	CHECK_EQ(t.tracked, (uint64_t)n * ncpus, "sources_tracked");
	CHECK_EQ(t.failed, 0, "track_insert_failed");
	CHECK_EQ(t.forgotten, 0, "sources_forgotten (nothing was blocked)");
	CHECK(t.entries > 0 && t.entries <= SG_MAX_SOURCES, "entries %ld", t.entries);
	CHECK_EQ((uint64_t)t.evicted, (uint64_t)n * ncpus - t.entries, "evictions");
	fx_close(&f);
}

/* ---- blocks are never evicted ---------------------------------------------- */

static void test_blocks_survive(void)
{
	const int nblocks = 1000;
	int dropped = 0, still = 0;
	struct flood fl;
	char src[32];
	struct fx f;

	h_begin("flood: %d blocks survive %d two-probe sources on every cpu", nblocks,
		4 * SG_MAX_SOURCES);
	if (!open_or_fail(&f, NULL))
		return;
	for (int i = 0; i < nblocks; i++) {
		snprintf(src, sizeof(src), "198.18.%d.%d", 10 + i / 200, 1 + i % 200);
		for (int port = 1; port <= 4; port++) {
			struct pkt_spec s = fx_tcp(src, HOST, port, SG_TCP_SYN);

			fx_run(&f, &s);
		}
	}
	if (!CHECK_EQ(f.m.state_mm->nr_blocks, nblocks, "blocks before the flood"))
		return;
	flood_init(&fl, 2);
	for (int i = 0; i < ncpus; i++) {
		pin_cpu(cpus[i]);
		CHECK(flood_run(&f, &fl, 4 * SG_MAX_SOURCES / ncpus) == 0, "run failed");
	}
	pin_cpu(cpus[0]);
	for (int i = 0; i < nblocks; i++) {
		struct pkt_spec s;

		snprintf(src, sizeof(src), "198.18.%d.%d", 10 + i / 200, 1 + i % 200);
		s = fx_tcp(src, HOST, 80, SG_TCP_ACK);
		still += fx_blocked(&f, src);
		dropped += fx_run(&f, &s) == XDP_DROP;
	}
	CHECK_EQ(still, nblocks, "blocks still in the table");
	CHECK_EQ(dropped, nblocks, "blocked sources' traffic dropped");
	CHECK_EQ(f.m.state_mm->nr_blocks, nblocks, "block count");
	fprintf(stderr, "blocks: %d of %d blocks and drops kept through a flood of %d sources\n",
		still, nblocks, 4 * SG_MAX_SOURCES);
	fx_close(&f);
}

/* ---- a scanner probing during a flood ---------------------------------------- */

/* A scanner at nmap -T1 pace (a probe every 15 s) to closed ports, with
 * `per_probe` flood sources on the same CPU between its probes.  Returns the
 * probe that was first dropped, 0 if none of max_probes was. */
static int scanner_in_flood(struct fx *f, uint32_t per_probe, int max_probes, int *detector)
{
	struct flood fl;

	flood_init(&fl, 1);
	*detector = -1;
	for (int i = 1; i <= max_probes; i++) {
		struct pkt_spec s = fx_tcp("198.18.0.2", HOST, 1000 + i, SG_TCP_SYN);

		if (flood_run(f, &fl, per_probe))
			return -1;
		f->now += SEC_NS(15);
		if (fx_run(f, &s) == XDP_DROP) {
			if (fx_events(f) > 0)
				*detector = f->ev[f->nev - 1].detector;
			return i;
		}
	}
	return 0;
}

static void test_scanner_in_flood(void)
{
	/* Below one cpu's share of the tracking map, and past it twice over. */
	const uint32_t rates[] = { SG_MAX_SOURCES / 4, SG_MAX_SOURCES / 2 + 1000,
				   SG_MAX_SOURCES + 1000 };
	const int max_probes = 40;

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		int at, det;
		struct fx f;

		h_begin("flood: a -T1 scanner with %u new spoofed sources between its probes is caught",
			rates[i]);
		if (!open_or_fail(&f, NULL))
			return;
		pin_cpu(cpus[0]);
		at = scanner_in_flood(&f, rates[i], max_probes, &det);
		fprintf(stderr, "scanner: %u flood sources per probe (%.0f per second): %s at probe %d"
			" by %s\n", rates[i], rates[i] / 15.0, at > 0 ? "caught" : "NOT caught",
			at > 0 ? at : max_probes, det >= 0 ? sg_detector_name(det) : "-");
		CHECK(at > 0, "not caught in %d probes", max_probes);
		fx_close(&f);
	}
}

/* The failed-before filter: of 1000 sources with one failure each, how
 * many are still remembered (and enter the slow map on their second
 * failure) after a flood of as many new sources as the filter has slots?
 * The admission array (two-way, 64Ki slots) has long forgotten them all;
 * the direct-mapped filter keeps about 1/e. */
static void test_failed_before_survival(void)
{
	const int nsrc = 1000;
	int slow_fd, admitted = 0;
	struct flood fl;
	char src[32];
	struct fx f;

	h_begin("flood: first failures remembered through %u new sources: about 1/e",
		SG_SLOW_FP_SLOTS);
	if (!open_or_fail(&f, NULL))
		return;
	slow_fd = bpf_map__fd(f.skel->maps.SG_MAP_SLOW);
	pin_cpu(cpus[0]);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < nsrc; i++) {
			struct pkt_spec s;

			snprintf(src, sizeof(src), "198.18.%d.%d", 20 + i / 200, 1 + i % 200);
			s = fx_tcp(src, HOST, 5000 + round, SG_TCP_SYN);
			fx_run(&f, &s);
		}
		if (round == 0) {
			flood_init(&fl, 1);
			CHECK(flood_run(&f, &fl, SG_SLOW_FP_SLOTS) == 0, "run failed");
		}
	}
	for (int i = 0; i < nsrc; i++) {
		struct sg_cidr c;
		struct sg_slow v;
		char err[64];

		snprintf(src, sizeof(src), "198.18.%d.%d", 20 + i / 200, 1 + i % 200);
		sg_cidr_parse(src, &c, err, sizeof(err));
		admitted += bpf_map_lookup_elem(slow_fd, &c.addr, &v) == 0;
	}
	fprintf(stderr, "failed-before: %d of %d first failures remembered through a flood of %u "
		"sources (1/e = 36.8%%)\n", admitted, nsrc, SG_SLOW_FP_SLOTS);
	/* Binomial(1000, 1/e): 368 +- 15; the flood's addresses are fixed, so
	 * the result is too. */
	CHECK(admitted >= 300 && admitted <= 440, "%d of %d admitted", admitted, nsrc);
	fx_close(&f);
}

int main(void)
{
	find_cpus();
	if (!ncpus) {
		fprintf(stderr, "cannot read this process's CPU affinity\n");
		return 1;
	}
	test_one_probe_flood();
	test_capacity();
	test_blocks_survive();
	test_scanner_in_flood();
	test_failed_before_survival();
	return h_finish();
}
