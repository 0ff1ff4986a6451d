/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* subjects.h - the programs the benchmark times: scanguard's production entry
 * configured as scanguardd configures it, the benchmark's empty program and
 * key-varying harness, and xdp-tools' xdpfilt_dny_all with a rule set. */
#ifndef SG_BENCH_SUBJECTS_H
#define SG_BENCH_SUBJECTS_H

#include <stdint.h>
#include "scanguard.h"
#include "pin.h"
#include "bench.h"

struct scanguard_bpf;
struct empty_bpf;
struct harness_bpf;
struct bpf_object;
struct ring_buffer;

/* scanguard_xdp with its maps. */
struct sg_subject {
	struct scanguard_bpf *skel;
	struct sg_maps m;
	int prog_fd;
	struct ring_buffer *rb;
	uint32_t track_entries;	/* max_entries of the tracking map as loaded */
};

/* The configuration every later sg_subject_open() writes: the defaults
 * unless changed here (scanguard-bench --set).  */
void sg_subject_set_config(const struct sg_config *cfg);
const struct sg_config *sg_subject_config(void);
/* Loads the program (track_entries 0 keeps the built-in size), writes the
 * configuration and this host's addresses into the allow-list, as
 * scanguardd does before it attaches.  Returns 0 or -errno. */
int sg_subject_open(struct sg_subject *s, uint32_t track_entries);
void sg_subject_close(struct sg_subject *s);
/* Empties the event ring buffer (detections during setup fill it). */
void sg_subject_drain(struct sg_subject *s);

struct bench_progs {
	struct empty_bpf *empty;
	struct harness_bpf *harness;
	int empty_fd, harness_fd, next_fd;
};

int bench_progs_open(struct bench_progs *b);
void bench_progs_close(struct bench_progs *b);
/* Makes the harness tail-call prog_fd. */
int bench_target(struct bench_progs *b, int prog_fd);
/* Sets how the harness varies the source and restarts its count. */
void bench_vary(struct bench_progs *b, const struct bench_vary *v);

/* xdp-filter's program with its deny policy: a frame passes only when it
 * matches an allow rule (a service port or a trusted source), otherwise it
 * is dropped after every lookup. */
struct xdpfilt {
	struct bpf_object *obj;
	int prog_fd;
	int ports_fd, v4_fd, v6_fd, eth_fd;
	int nports, nv4, nv6;	/* rules loaded */
	char path[256];
};


/* Loads path (NULL: the first of the usual install locations) and loads the
 * rule set.  Returns 0 or -errno with a reason in err. */
int xdpfilt_open(struct xdpfilt *x, const char *path, char *err, size_t errlen);
void xdpfilt_close(struct xdpfilt *x);

#endif
