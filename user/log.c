// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* log.c - diagnostics to stderr, prefixed with the program name; libbpf's
 * messages pass through here and appear at -v (debug at -vv). */
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

static const char *log_prog = "scanguard";
static int log_verbosity;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int need = level == LIBBPF_DEBUG ? 2 : 1;

	if (log_verbosity < need)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void sg_log_init(const char *prog, int verbosity)
{
	log_prog = prog;
	log_verbosity = verbosity;
	libbpf_set_print(libbpf_print);
}

void sg_log(enum sg_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	/* Warnings always show; info at the default level too, debug at -v. */
	if ((int)lvl > log_verbosity + 1)
		return;
	fprintf(stderr, "%s: ", log_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
