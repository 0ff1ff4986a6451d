/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* measure.h - one timed BPF_PROG_TEST_RUN, and the order statistics the
 * benchmark reports (medians and spread, never means: the machine is shared
 * and the clock is 1 ns granular). */
#ifndef SG_BENCH_MEASURE_H
#define SG_BENCH_MEASURE_H

#include <stdint.h>

struct bm_stats {
	double median, p25, p75, min, max;
	int n;
};

/* Runs prog over frame repeat times; *ns gets the kernel's mean time per
 * run, *verdict (if not NULL) the XDP action of the last run.  Returns 0 or
 * -errno. */
int bm_run(int prog_fd, const void *frame, uint32_t len, uint32_t repeat, double *ns,
	   uint32_t *verdict);
/* Order statistics of v[0..n) (sorts a copy). */
void bm_stats(const double *v, int n, struct bm_stats *out);
/* Pins the calling thread to cpu; returns 0 or -errno. */
int bm_pin_cpu(int cpu);

#endif
