/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* evlog.h - where event lines go: stdout (the default, for containers and
 * journald), or a file reopened on SIGHUP (for logrotate), and optionally
 * syslog as well. */
#ifndef SG_EVLOG_H
#define SG_EVLOG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sg_evlog {
	FILE *f;
	char path[PATH_MAX];	/* "" = stdout */
	bool syslog;
	unsigned long long lines, errors;
};

/* Opens path ("" = stdout) for appending; returns 0 or -errno with a reason. */
int sg_evlog_open(struct sg_evlog *l, const char *path, bool use_syslog, char *err,
		  size_t errlen);
/* Switches to path/use_syslog, or reopens the same file (after logrotate
 * moved it).  The new file is opened before the old one is closed, so on
 * failure the old one stays in use. */
int sg_evlog_reopen(struct sg_evlog *l, const char *path, bool use_syslog, char *err,
		    size_t errlen);
/* Writes one line (len bytes, with or without its newline); warn says it
 * is a scan event (syslog priority warning rather than info). */
void sg_evlog_line(struct sg_evlog *l, const char *line, size_t len, bool warn);
void sg_evlog_close(struct sg_evlog *l);

#endif
