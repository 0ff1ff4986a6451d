/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* harness.h - the unit tests' reporting: one "PASS name" or "FAIL name: why"
 * line per case, which tests/run.sh counts. */
#ifndef SG_HARNESS_H
#define SG_HARNESS_H

#include <stdbool.h>

/* Starts a case; every CHECK until the next h_begin/h_end belongs to it. */
void h_begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records a failed expectation for the current case (the first is shown). */
bool h_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Ends the current case, printing its line. */
void h_end(void);
/* Prints totals to stderr and returns the exit status. */
int h_finish(void);

#define CHECK(cond, ...) h_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ(a, b, what) h_check_eq((a), (b), (what), __FILE__, __LINE__)

static inline bool h_check_eq(unsigned long long a, unsigned long long b, const char *what,
			      const char *file, int line)
{
	return h_check(a == b, file, line, "%s: got %llu, want %llu", what, a, b);
}

#endif
