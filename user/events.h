/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* events.h - turns scan events from the ring buffer into JSON lines. */
#ifndef SG_EVENTS_H
#define SG_EVENTS_H

#include <stdio.h>
#include "scanguard.h"

struct ring_buffer;
struct sg_evlog;

struct sg_events {
	struct ring_buffer *rb;
	struct sg_evlog *out;
	unsigned long long written;
};

int sg_events_open(struct sg_events *e, int ringbuf_fd, struct sg_evlog *out);
/* Drains what is there, waiting up to timeout_ms; returns events or -errno. */
int sg_events_poll(struct sg_events *e, int timeout_ms);
void sg_events_close(struct sg_events *e);

/* Writes one event as a JSON line (also used by tests and tools). */
void sg_event_write_json(FILE *out, const struct sg_event *ev);
/* Converts a kernel monotonic timestamp to an RFC 3339 UTC string. */
void sg_mono_to_rfc3339(unsigned long long mono_ns, char *buf, size_t len);

#endif
