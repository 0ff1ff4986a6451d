/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* metrics.h - the Prometheus endpoint (/metrics) and the health check
 * (/healthz), served by libmicrohttpd on a thread of its own.  It reads the
 * kernel's maps directly; what only the daemon knows it publishes here
 * through atomics, so a scrape never waits for the event loop. */
#ifndef SG_METRICS_H
#define SG_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include "pin.h"

/* Written by the daemon's loop, read by scrapes (always with __atomic). */
struct sg_daemon_status {
	uint64_t heartbeat_ns;		/* CLOCK_MONOTONIC of the loop's last turn */
	uint64_t start_time_s;		/* unix time the daemon started */
	uint64_t events_written;
	uint64_t event_write_errors;
	uint64_t reloads_ok, reloads_failed;
	uint64_t last_reload_ok;	/* 1 when the last reload was applied */
	uint64_t last_reload_time_s;	/* unix time of the last reload attempt */
	uint64_t nifs, nifs_live;	/* interfaces configured, still attached */
	uint64_t adopted;		/* the kernel side survived from an earlier daemon */
};

struct MHD_Daemon;

struct sg_metrics {
	struct MHD_Daemon *mhd;
	const struct sg_maps *maps;
	struct sg_daemon_status *status;
	char addr[64];
};

/* Starts serving on addr (ADDR:PORT); returns the server or NULL with a
 * reason in err. */
struct sg_metrics *sg_metrics_start(const char *addr, const struct sg_maps *maps,
				    struct sg_daemon_status *status, char *err, size_t errlen);
/* Stops and frees (NULL is fine). */
void sg_metrics_stop(struct sg_metrics *m);
/* Renders the exposition text into a malloc'ed string (for tests too). */
char *sg_metrics_render(const struct sg_maps *maps, struct sg_daemon_status *status,
			size_t *len);
/* True when healthy; why says what is wrong otherwise. */
bool sg_metrics_healthy(struct sg_daemon_status *status, char *why, size_t len);

#endif
