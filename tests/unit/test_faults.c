// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_faults.c - full tables, through BPF_PROG_TEST_RUN: the event ring
 * buffer full (no reader), the exact block table full, the CIDR block
 * table full.  In each case the loss is counted and reported, and nothing
 * else breaks: blocks stay, probes over a threshold are still dropped,
 * other traffic passes, the counts in sg_state stay right, and the table
 * works again once there is room.  Run in a network namespace of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "cfgkeys.h"
#include "fixture.h"
#include "harness.h"
#include "ops.h"
#include "scanguard.skel.h"
#include "sg_parse.h"

#define HOST "198.18.0.1"
#define SYN  SG_TCP_SYN
#define ACK  SG_TCP_ACK

static int run(struct fx *f, struct pkt_spec s)
{
	return fx_run(f, &s);
}

static void src_name(char *buf, size_t len, int i)
{
	snprintf(buf, len, "198.18.%d.%d", 40 + i / 250, 1 + i % 250);
}

static void test_ring_full(void)
{
	/* Records are the event plus an 8-byte header, 8-aligned. */
	const long rec = (sizeof(struct sg_event) + 8 + 7) & ~7L;
	const long room = 256 * 1024 / rec, extra = 300, n = room + extra;
	long blocked = 0, dropped = 0, passed = 0;
	char src[32];
	struct fx f;

	h_begin("ring buffer full: %ld detections with no reader, %ld events lost and counted, "
		"every block in place", n, extra);
	if (!CHECK(fx_open(&f, NULL) == 0, "cannot load the XDP program"))
		return;
	/* A trap port: one probe, one detection, one event. */
	CHECK(sg_trap_set(&f.m, SG_PC_TCP, 23, true) == 0, "trap");
	for (long i = 0; i < n; i++) {
		/* Under the global event budget (per second): the ring, not the
		 * budget, is what runs out here. */
		if (i % (SG_EVENT_BUDGET_GLOBAL - 100) == 0)
			f.now += SEC_NS(1);
		src_name(src, sizeof(src), i);
		dropped += run(&f, fx_tcp(src, HOST, 23, SYN)) == XDP_DROP;
	}
	CHECK_EQ(dropped, n, "trap probes dropped");
	CHECK_EQ(fx_stat(&f, SG_STAT_EVENTS_BUDGET_GLOBAL), 0, "events over the global budget");
	CHECK_EQ(fx_stat(&f, SG_STAT_DETECTIONS), n, "detections");
	CHECK_EQ(fx_stat(&f, SG_STAT_EVENTS_LOST), extra, "events_lost");
	CHECK_EQ(f.m.state_mm->nr_blocks, n, "blocks");
	for (long i = 0; i < n; i++) {
		src_name(src, sizeof(src), i);
		blocked += fx_blocked(&f, src);
		dropped += run(&f, fx_tcp(src, HOST, 80, ACK)) == XDP_DROP;
	}
	CHECK_EQ(blocked, n, "sources in the block table");
	CHECK_EQ(dropped, 2 * n, "blocked sources' traffic dropped");
	passed = run(&f, fx_tcp("198.18.39.1", HOST, 80, ACK)) == XDP_PASS;
	CHECK(passed, "another source's traffic dropped");
	CHECK_EQ(fx_drain(&f), room, "events a reader finds");
	/* Room again: the next detection is reported. */
	run(&f, fx_tcp("198.18.39.2", HOST, 23, SYN));
	CHECK_EQ(fx_drain(&f), 1, "events after draining");
	CHECK_EQ(fx_stat(&f, SG_STAT_EVENTS_LOST), extra, "events_lost after draining");
	fprintf(stderr, "ring: %ld-byte records, %ld fit in 256 KiB; %ld of %ld lost and counted\n",
		rec, room, extra, n);
	fx_close(&f);
}

/* Loads a private copy of the program with one map shrunk. */
static struct scanguard_bpf *load_small(const char *what, __u32 entries)
{
	struct scanguard_bpf *skel = scanguard_bpf__open();
	struct bpf_map *map;

	if (!skel)
		return NULL;
	map = bpf_object__find_map_by_name(skel->obj, what);
	if (!map || bpf_map__set_max_entries(map, entries) || scanguard_bpf__load(skel)) {
		scanguard_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static void test_block_table_full(void)
{
	const int size = 16;
	struct scanguard_bpf *skel = load_small(SG_STR(SG_MAP_BLOCKS), size);
	struct sg_cidr c;
	char src[32], err[128];
	struct fx f;
	int v;

	h_begin("block table full: block_failed reported, the source's probes still dropped, "
		"nothing else changes");
	if (!CHECK(skel, "cannot load the XDP program with %d blocks", size) ||
	    !CHECK(fx_open_skel(&f, skel, NULL) == 0, "cannot open"))
		goto out;
	for (int i = 0; i < size; i++) {
		src_name(src, sizeof(src), i);
		for (int port = 1; port <= 4; port++)
			run(&f, fx_tcp(src, HOST, port, SYN));
	}
	CHECK_EQ(f.m.state_mm->nr_blocks, size, "blocks filling the table");
	CHECK_EQ(fx_events(&f), size, "events");

	/* One more scanner: its 4th failure crosses the score. */
	src_name(src, sizeof(src), size);
	for (int port = 1; port <= 3; port++)
		CHECK_EQ(run(&f, fx_tcp(src, HOST, port, SYN)), XDP_PASS, "probe under the score");
	CHECK_EQ(run(&f, fx_tcp(src, HOST, 4, SYN)), XDP_DROP, "the crossing probe");
	CHECK_EQ(fx_stat(&f, SG_STAT_BLOCK_TABLE_FULL), 1, "block_table_full");
	CHECK_EQ(fx_events(&f), size + 1, "events");
	if (f.nev == size + 1) {
		CHECK_EQ(f.ev[size].action, SG_ACT_BLOCK_FAILED, "event action");
		CHECK_EQ(f.ev[size].block_ttl_ns, 0, "event block ttl");
	}
	CHECK(!fx_blocked(&f, src), "the source is in the full table");
	CHECK_EQ(f.m.state_mm->nr_blocks, size, "block count");
	/* Over the score for the rest of its window: probes dropped, its
	 * other traffic passes (it is not blocked). */
	for (int port = 5; port <= 20; port++)
		CHECK_EQ(run(&f, fx_tcp(src, HOST, port, SYN)), XDP_DROP, "later probes");
	CHECK_EQ(run(&f, fx_tcp(src, HOST, 80, ACK)), XDP_PASS, "its established traffic");
	src_name(src, sizeof(src), 0);
	CHECK_EQ(run(&f, fx_tcp(src, HOST, 80, ACK)), XDP_DROP, "a blocked source's traffic");

	/* Room again (an operator lifts a block): the next crossing blocks. */
	sg_cidr_parse(src, &c, err, sizeof(err));
	CHECK(sg_block_del(&f.m, &c) == 0, "block del");
	src_name(src, sizeof(src), size);
	f.now += SEC_NS(SG_DEFAULT_WINDOW_S);
	for (int port = 100; port <= 104; port++)
		v = run(&f, fx_tcp(src, HOST, port, SYN));
	CHECK_EQ(v, XDP_DROP, "probe in a new window");
	CHECK(fx_blocked(&f, src), "blocked once there is room");
	CHECK_EQ(f.m.state_mm->nr_blocks, size, "block count");
	fx_close(&f);
out:
	scanguard_bpf__destroy(skel);
}

static void test_cidr_table_full(void)
{
	struct scanguard_bpf *skel = load_small(SG_STR(SG_MAP_CIDR_BLOCKS), 1);
	struct sg_config cfg;
	char src[32];
	struct fx f;
	int v = -1;

	h_begin("cidr block table full: a distributed scan's block fails loudly, its probe dropped");
	sg_config_defaults(&cfg);
	cfg.score_threshold = 0;
	cfg.slow_threshold = 0;
	cfg.net_threshold = 5;
	if (!CHECK(skel, "cannot load the XDP program with 1 cidr block") ||
	    !CHECK(fx_open_skel(&f, skel, &cfg) == 0, "cannot open"))
		goto out;
	/* Two /24s, each source of them probing two ports. */
	for (int net = 0; net < 2; net++) {
		for (int i = 1; i <= 3; i++) {
			snprintf(src, sizeof(src), "198.18.%d.%d", 60 + net, i);
			run(&f, fx_tcp(src, HOST, 10 * i, SYN));
			v = run(&f, fx_tcp(src, HOST, 10 * i + 1, SYN));
		}
		CHECK_EQ(v, XDP_DROP, "the network's crossing probe");
	}
	CHECK_EQ(f.m.state_mm->nr_cidr_blocks, 1, "cidr blocks");
	CHECK_EQ(fx_stat(&f, SG_STAT_BLOCK_TABLE_FULL), 1, "block_table_full");
	CHECK_EQ(fx_events(&f), 2, "events");
	if (f.nev == 2) {
		CHECK_EQ(f.ev[0].action, SG_ACT_BLOCKED, "first network");
		CHECK_EQ(f.ev[1].action, SG_ACT_BLOCK_FAILED, "second network");
	}
	CHECK_EQ(run(&f, fx_tcp("198.18.60.200", HOST, 80, ACK)), XDP_DROP,
		 "the blocked network's traffic");
	CHECK_EQ(run(&f, fx_tcp("198.18.61.200", HOST, 80, ACK)), XDP_PASS,
		 "the unblocked network's traffic");
	fx_close(&f);
out:
	scanguard_bpf__destroy(skel);
}

int main(void)
{
	test_ring_full();
	test_block_table_full();
	test_cidr_table_full();
	return h_finish();
}
