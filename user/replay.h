/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* replay.h - `scanguardctl replay`: runs the real XDP program over a capture
 * through BPF_PROG_TEST_RUN, each packet at its capture time, and reports
 * what it would have detected, blocked and dropped. */
#ifndef SG_REPLAY_H
#define SG_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "scanguard.h"
#include "addr.h"
#include "htab.h"
#include "ops.h"

#define SG_REPLAY_MAX_CIDRS	256

/* A port (range) declared open with --open. */
struct sg_port_range {
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t lo, hi;
};

enum sg_progress { SG_PROGRESS_AUTO, SG_PROGRESS_ALWAYS, SG_PROGRESS_NEVER };

struct sg_replay_opts {
	const char *path;
	struct sg_config cfg;
	struct sg_cidr allow[SG_REPLAY_MAX_CIDRS];
	int nallow;
	struct sg_cidr local[SG_REPLAY_MAX_CIDRS];	/* none: inferred */
	int nlocal;
	struct sg_port_range open[SG_REPLAY_MAX_CIDRS];
	int nopen;
	uint32_t traps[SG_REPLAY_MAX_CIDRS];	/* SG_TARGET values, as scanguardd --trap */
	int ntraps;
	struct sg_expose_entry expose[SG_REPLAY_MAX_CIDRS];	/* segment mode, as --expose */
	int nexpose;
	int top;		/* undetected sources to list */
	enum sg_progress progress;
	bool json;
};

/* Parses "tcp/22", "udp/5000-5010"; on error returns -1 with a reason. */
int sg_port_range_parse(const char *s, struct sg_port_range *out, char *err, size_t errlen);

/* Runs the replay and writes its report to out.  Returns the CLI exit
 * status: 0 done, 1 failed (program or namespace), 2 bad capture.  err
 * holds the reason of a failure. */
int sg_replay(const struct sg_replay_opts *o, FILE *out, char *err, size_t errlen);

/* ---- What the run found (shared with the report writer) ----------------- */

enum { SG_ROLE_NONIP, SG_ROLE_UNPARSED, SG_ROLE_SHORT, SG_ROLE_IN, SG_ROLE_OUT, SG_ROLE_OTHER,
       SG_ROLE_INTERNAL, SG_ROLE_MAX };

struct sg_replay_detection {
	uint64_t ts_ns;
	struct sg_addr src;
	uint8_t family, prefixlen, action, detector;
	uint32_t count, threshold, kinds, nsample;
	int32_t score;
	uint32_t strikes, hosts, protect, last_target;
	uint64_t block_ttl_ns, window_ns;
	struct sg_addr last_dst;
	uint32_t sample[SG_EVENT_SAMPLE];
	uint64_t probes_passed;	/* the source's probes that passed before this detection */
	uint64_t dropped;	/* packets dropped (or, in monitor mode, that would be) after it */
};

struct sg_replay_source {
	uint64_t packets;	/* inbound packets replayed */
	uint64_t probes;	/* that the program counted as probes */
	uint64_t probes_passed;	/* probes that passed, all told */
	uint64_t pending;	/* probes passed since the last detection */
	uint64_t dropped;	/* XDP_DROP verdicts */
	uint64_t would_drop;	/* monitor mode: counted as would-drop */
	uint32_t peak;		/* most distinct targets counted in one window */
	int32_t peak_score;	/* highest failure score */
	uint32_t kinds;
	uint32_t detections;
	int last_det;		/* index of its latest detection, -1 none */
	uint64_t first_ts, last_ts;
};

struct sg_replay_result {
	/* capture */
	const char *format, *linkname;
	uint64_t packets, first_ts, last_ts;
	uint64_t snapped, cut, out_of_order;
	bool truncated_end;
	uint64_t role[SG_ROLE_MAX];
	/* local addresses */
	struct sg_cidr local[SG_REPLAY_MAX_CIDRS];
	int nlocal;
	bool inferred;
	double coverage;	/* inferred: share of IP packets with a local end */
	/* emulated sockets */
	uint64_t tcp_listeners, udp_servers, flows_emulated, flows_failed;
	uint64_t flows_untracked;	/* past the flow table's limit */
	uint64_t inside_fed;		/* segment mode: outbound packets given to the inside program */
	char env_error[160];
	struct htab listeners;	/* (addr, port, proto) -> u8 */
	/* outcome */
	struct sg_replay_detection *det;
	size_t ndet, capdet;
	struct htab sources;	/* struct sg_addr key -> struct sg_replay_source */
	struct sg_stats stats;
	uint64_t xdp_drop, xdp_pass;
};

/* Writes the report (text or JSON). */
void sg_replay_report(const struct sg_replay_opts *o, const struct sg_replay_result *r, FILE *out);

/* A listener/bound port key in sg_replay_result.listeners. */
struct sg_replay_port {
	struct sg_addr addr;
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

#endif
