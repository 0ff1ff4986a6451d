/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * clock.h - the program's clock, read at most once per packet and only by
 * packets that need it (a block that matched, a probe to weigh).  The test
 * entries read the clock the caller set in sg_test_clock.  The production
 * entries count jiffies, which the verifier inlines into one load (the
 * coarse clock's helper call cost a blocked source's drop about 14 ns of
 * its 78, bench/README.md), and convert them into CLOCK_MONOTONIC, the
 * clock userspace writes block expiries with (sg_now_ns()).
 *
 * The offset between the two lives in this program's own global data and
 * the program keeps it current: once a second, the first packet that reads
 * the clock measures it again with the coarse clock.  No userspace takes
 * part, so it stays right while the daemon is dead (pinned links), in a
 * program that --upgrade swapped in (its first packet measures) and in the
 * benchmark.  The kernel advances jiffies from CLOCK_MONOTONIC itself (one
 * per TICK_NSEC of it), so the offset does not drift; the result is within
 * 2 ticks of CLOCK_MONOTONIC (8 ms at HZ 250): a block ends up to 2 ticks
 * early or late, as with the coarse clock (1 tick late) before.
 */
#ifndef SG_CLOCK_H
#define SG_CLOCK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"
#include "maps.h"

/* The running kernel's HZ, from its config (libbpf); 0 when userspace found
 * no config and said so (user/loader.c): the coarse clock is used then. */
extern unsigned int CONFIG_HZ __kconfig __weak;

/* CLOCK_MONOTONIC minus jiffies * tick as last measured, and the jiffy at
 * which to measure it again (0: never measured).  Shared by every CPU. */
__u64 sg_clk_offset;
__u64 sg_clk_resync;

/* The kernel's TICK_NSEC.  CONFIG_HZ is a constant to the verifier, which
 * removes the branches not taken: the common values cost no division. */
static __always_inline __u64 sg_tick_ns(void)
{
	if (CONFIG_HZ == 100)
		return 10000000;
	if (CONFIG_HZ == 250)
		return 4000000;
	if (CONFIG_HZ == 300)
		return 3333333;
	if (CONFIG_HZ == 1000)
		return 1000000;
	return (SG_NSEC_PER_SEC + CONFIG_HZ / 2) / CONFIG_HZ;
}

/* Measures the offset.  The coarse clock is read first: the kernel advances
 * it after jiffies in the same tick, so a tick between the two reads makes
 * the measurement one tick low, never high.  Hence the offset only grows
 * (the clock never steps back, which windows computed as now - start would
 * take for a new window), except by a real step of more than 2 ticks. */
static __always_inline void sg_clk_sync(__u64 tick)
{
	__u64 mono = bpf_ktime_get_coarse_ns();
	__u64 j = bpf_jiffies64();
	__u64 off = mono - j * tick, old = sg_clk_offset;

	if (!sg_clk_resync || (__s64)(off - old) > 0 || (__s64)(old - off) > (__s64)(2 * tick))
		__sync_val_compare_and_swap(&sg_clk_offset, old, off);
	sg_clk_resync = j + CONFIG_HZ;
}

/* CLOCK_MONOTONIC, in ns, to within 2 ticks. */
static __always_inline __u64 sg_mono_ns(void)
{
	__u64 tick, j;

	if (!CONFIG_HZ)
		return bpf_ktime_get_coarse_ns();
	tick = sg_tick_ns();
	j = bpf_jiffies64();
	if (j >= sg_clk_resync)
		sg_clk_sync(tick);
	return j * tick + sg_clk_offset;
}

struct sg_clock {
	__u64 now;
	int have;
	int test;	/* a compile-time constant in each entry point */
};

static __always_inline __u64 sg_now(struct sg_clock *c)
{
	__u32 zero = 0;
	__u64 *t;

	if (c->have)
		return c->now;
	if (c->test) {
		t = bpf_map_lookup_elem(&SG_MAP_TEST_CLOCK, &zero);
		c->now = t ? *t : 0;
	} else {
		c->now = sg_mono_ns();
	}
	c->have = 1;
	return c->now;
}

#endif /* SG_CLOCK_H */
