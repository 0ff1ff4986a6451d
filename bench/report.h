/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* report.h - the benchmark's outputs: a table on stdout and results.json. */
#ifndef SG_BENCH_REPORT_H
#define SG_BENCH_REPORT_H

#include <stdio.h>
#include "scenarios.h"

void bm_print_table(FILE *f, const struct bm_ctx *c);
/* Returns 0 or -errno. */
int bm_write_json(const char *path, const struct bm_ctx *c);

#endif
