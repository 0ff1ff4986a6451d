// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* harness.c - case bookkeeping and the PASS/FAIL lines. */
#include <stdarg.h>
#include <stdio.h>
#include "harness.h"

static char cur_name[256];
static char cur_why[512];
static bool cur_open, cur_failed;
static int npass, nfail;

void h_begin(const char *fmt, ...)
{
	va_list ap;

	if (cur_open)
		h_end();
	va_start(ap, fmt);
	vsnprintf(cur_name, sizeof(cur_name), fmt, ap);
	va_end(ap);
	cur_open = true;
	cur_failed = false;
	cur_why[0] = 0;
}

bool h_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ok)
		return true;
	if (!cur_failed) {
		n = snprintf(cur_why, sizeof(cur_why), "%s:%d: ", file, line);
		va_start(ap, fmt);
		vsnprintf(cur_why + n, sizeof(cur_why) - n, fmt, ap);
		va_end(ap);
	}
	cur_failed = true;
	return false;
}

void h_end(void)
{
	if (!cur_open)
		return;
	if (cur_failed) {
		printf("FAIL %s: %s\n", cur_name, cur_why);
		nfail++;
	} else {
		printf("PASS %s\n", cur_name);
		npass++;
	}
	fflush(stdout);
	cur_open = false;
}

int h_finish(void)
{
	h_end();
	fprintf(stderr, "%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
