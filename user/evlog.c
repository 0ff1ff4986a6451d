// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* evlog.c - event line output.  Each line is written whole and flushed, so
 * a reader (journald, a log shipper tailing the file) never sees half an
 * event; a failed write is counted, never retried, so the daemon's memory
 * stays bounded whatever arrives. */
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include "evlog.h"

static FILE *open_path(const char *path, char *err, size_t errlen)
{
	FILE *f;

	if (!*path)
		return stdout;
	f = fopen(path, "ae");
	if (!f) {
		snprintf(err, errlen, "cannot open events file %s: %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int sg_evlog_open(struct sg_evlog *l, const char *path, bool use_syslog, char *err,
		  size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->f = open_path(path, err, errlen);
	if (!l->f)
		return -errno;
	snprintf(l->path, sizeof(l->path), "%s", path);
	l->syslog = use_syslog;
	if (use_syslog)
		openlog("scanguardd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	return 0;
}

int sg_evlog_reopen(struct sg_evlog *l, const char *path, bool use_syslog, char *err,
		    size_t errlen)
{
	FILE *f = open_path(path, err, errlen);

	if (!f)
		return -errno;
	if (l->f && l->f != stdout)
		fclose(l->f);
	l->f = f;
	snprintf(l->path, sizeof(l->path), "%s", path);
	if (use_syslog && !l->syslog)
		openlog("scanguardd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!use_syslog && l->syslog)
		closelog();
	l->syslog = use_syslog;
	return 0;
}

void sg_evlog_line(struct sg_evlog *l, const char *line, size_t len, bool warn)
{
	if (len && line[len - 1] == '\n')
		len--;
	if (fwrite(line, 1, len, l->f) != len || fputc('\n', l->f) == EOF || fflush(l->f))
		l->errors++;
	else
		l->lines++;
	clearerr(l->f);
	if (l->syslog)
		syslog(warn ? LOG_WARNING : LOG_INFO, "%.*s", (int)len, line);
}

void sg_evlog_close(struct sg_evlog *l)
{
	if (l->f && l->f != stdout)
		fclose(l->f);
	else if (l->f)
		fflush(l->f);
	l->f = NULL;
	if (l->syslog)
		closelog();
	l->syslog = false;
}
