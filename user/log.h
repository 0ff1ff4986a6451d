/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* log.h - the one way userspace writes diagnostics (stderr), with libbpf's
 * own messages routed through it and shown with -v. */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <stdarg.h>

enum sg_log_level { SG_LOG_WARN = 0, SG_LOG_INFO = 1, SG_LOG_DEBUG = 2 };

void sg_log_init(const char *prog, int verbosity);
void sg_log(enum sg_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...)  sg_log(SG_LOG_WARN, __VA_ARGS__)
#define pr_info(...)  sg_log(SG_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) sg_log(SG_LOG_DEBUG, __VA_ARGS__)

#endif
