/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * clock.h - the program's clock, read at most once per packet and only by
 * packets that need it (a block that matched, a probe to weigh): the helper
 * call cost benign traffic about 14 ns of its 48 (bench/README.md).  The
 * production entry reads the kernel's coarse clock, the test entry the clock
 * the caller set in sg_test_clock.
 */
#ifndef SG_CLOCK_H
#define SG_CLOCK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"

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
		/* A jiffy of resolution is plenty for windows of seconds. */
		c->now = bpf_ktime_get_coarse_ns();
	}
	c->have = 1;
	return c->now;
}

#endif /* SG_CLOCK_H */
