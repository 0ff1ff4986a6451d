// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* measure.c - timed test runs and order statistics. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "measure.h"

int bm_run(int prog_fd, const void *frame, uint32_t len, uint32_t repeat, double *ns,
	   uint32_t *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	/* The kernel reports floor(mean) in whole ns, timing only the loop
	 * and stopping its clock while the task is rescheduled.  The wall
	 * clock around the call would be finer but on a shared machine it
	 * counts other tasks' time (measured here: up to twice the kernel's
	 * figure), so the middle of the kernel's interval is the estimate. */
	*ns = opts.duration + 0.5;
	if (verdict)
		*verdict = opts.retval;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Linear interpolation between closest ranks. */
static double quantile(const double *s, int n, double q)
{
	double pos = q * (n - 1);
	int lo = (int)pos;

	if (lo >= n - 1)
		return s[n - 1];
	return s[lo] + (pos - lo) * (s[lo + 1] - s[lo]);
}

void bm_stats(const double *v, int n, struct bm_stats *out)
{
	double *s;

	memset(out, 0, sizeof(*out));
	if (n <= 0)
		return;
	s = malloc(n * sizeof(*s));
	if (!s)
		return;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = quantile(s, n, 0.5);
	out->p25 = quantile(s, n, 0.25);
	out->p75 = quantile(s, n, 0.75);
	free(s);
}

int bm_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}
