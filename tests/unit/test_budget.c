// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_budget.c - the event budgets of bpf/budget.h through BPF_PROG_TEST_RUN:
 * one source detected again and again is reported SG_EVENT_BUDGET_SOURCE
 * times per period, a storm of distinct sources SG_EVENT_BUDGET_GLOBAL
 * times per second; what is over budget is counted, never emitted, and
 * every detected source is blocked all the same.  Both budgets start over
 * when their window does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cfgkeys.h"
#include "fixture.h"
#include "harness.h"
#include "scanguard.skel.h"
#include "sg_parse.h"

#define HOST "198.18.0.1"

/* Threshold 1: a source's second distinct failed probe detects it. */
static struct sg_config cfg_quick(void)
{
	struct sg_config c;

	sg_config_defaults(&c);
	c.threshold = 1;
	c.block_ttl_ns = SEC_NS(1);
	c.block_ttl_max_ns = SEC_NS(1);
	return c;
}

static bool detect(struct fx *f, const char *src, uint16_t port)
{
	struct pkt_spec a = fx_tcp(src, HOST, port, SG_TCP_SYN);
	struct pkt_spec b = fx_tcp(src, HOST, port + 1, SG_TCP_SYN);

	return fx_run(f, &a) >= 0 && fx_run(f, &b) >= 0;
}

static void test_source_budget(void)
{
	struct sg_config c = cfg_quick();
	const int rounds = SG_EVENT_BUDGET_SOURCE + 3;
	int blocked = 0, events;
	struct fx f;

	h_begin("budget: one source is reported %d times per %ds, detected every time",
		SG_EVENT_BUDGET_SOURCE, SG_EVENT_BUDGET_PERIOD_S);
	if (!CHECK(fx_open(&f, &c) == 0, "cannot load the program"))
		goto out;
	for (int i = 0; i < rounds; i++) {
		detect(&f, "198.18.0.2", 1000 + 2 * i);
		blocked += fx_blocked(&f, "198.18.0.2");
		f.now += SEC_NS(2);	/* the 1 s block expires */
	}
	events = fx_drain(&f);
	CHECK_EQ(fx_stat(&f, SG_STAT_DETECTIONS), rounds, "detections");
	CHECK_EQ(blocked, rounds, "rounds in which the source was blocked");
	CHECK_EQ(events, SG_EVENT_BUDGET_SOURCE, "events emitted");
	CHECK_EQ(fx_stat(&f, SG_STAT_EVENTS_BUDGET_SOURCE), rounds - SG_EVENT_BUDGET_SOURCE,
		 "events over the source budget");
	CHECK_EQ(fx_stat(&f, SG_STAT_EVENTS_BUDGET_GLOBAL), 0, "events over the global budget");
	/* Another source is not held back by this one's budget. */
	detect(&f, "198.18.0.3", 2000);
	CHECK_EQ(fx_drain(&f), 1, "another source's event");
	/* A new period: reported again. */
	f.now += SEC_NS(SG_EVENT_BUDGET_PERIOD_S);
	detect(&f, "198.18.0.2", 3000);
	CHECK_EQ(fx_drain(&f), 1, "event in the next period");
	fx_close(&f);
out:
	h_end();
}

static void test_global_budget(void)
{
	struct sg_config c = cfg_quick();
	const int sources = SG_EVENT_BUDGET_GLOBAL + 20;
	int blocked = 0, events;
	char src[32];
	struct fx f;

	h_begin("budget: a storm of %d sources in one second is reported %d times, all blocked",
		sources, SG_EVENT_BUDGET_GLOBAL);
	if (!CHECK(fx_open(&f, &c) == 0, "cannot load the program"))
		goto out;
	for (int i = 0; i < sources; i++) {
		snprintf(src, sizeof(src), "198.19.%d.%d", i / 250, 1 + i % 250);
		detect(&f, src, 1000);
		blocked += fx_blocked(&f, src);
	}
	events = fx_drain(&f);
	CHECK_EQ(fx_stat(&f, SG_STAT_DETECTIONS), sources, "detections");
	CHECK_EQ(blocked, sources, "sources blocked");
	CHECK_EQ(events, SG_EVENT_BUDGET_GLOBAL, "events emitted");
	CHECK_EQ(fx_stat(&f, SG_STAT_EVENTS_BUDGET_GLOBAL), sources - SG_EVENT_BUDGET_GLOBAL,
		 "events over the global budget");
	CHECK_EQ(fx_stat(&f, SG_STAT_EVENTS_LOST), 0, "events lost to a full ring buffer");
	f.now += SEC_NS(1);
	detect(&f, "198.18.0.9", 1000);
	CHECK_EQ(fx_drain(&f), 1, "event in the next second");
	fx_close(&f);
out:
	h_end();
}

int main(void)
{
	libbpf_set_print(NULL);
	test_source_budget();
	test_global_budget();
	return h_finish();
}
