/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* fixture.h - a freshly loaded XDP program per test case, driven through
 * BPF_PROG_TEST_RUN on its test entry point with a clock the test sets. */
#ifndef SG_FIXTURE_H
#define SG_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include "scanguard.h"
#include "pin.h"
#include "pkt.h"

struct scanguard_bpf;

struct fx {
	struct scanguard_bpf *skel;
	struct sg_maps m;
	int prog_fd;
	uint64_t now;		/* the clock passed to the program */
	struct sg_event ev[64];	/* events drained by fx_events() */
	int nev;
};

#define SEC_NS(s) ((uint64_t)(s) * SG_NSEC_PER_SEC)

/* Loads the program with cfg (NULL = defaults); returns 0 or -errno. */
int fx_open(struct fx *f, const struct sg_config *cfg);
/* The same on a skeleton the test loaded itself (e.g. with smaller maps). */
int fx_open_skel(struct fx *f, struct scanguard_bpf *skel, const struct sg_config *cfg);
void fx_close(struct fx *f);
/* Empties every map of the loaded program, the configuration too. */
void fx_clear(struct fx *f);
int fx_set_config(struct fx *f, const struct sg_config *cfg);
/* Runs one frame at f->now through the test entry; returns the XDP verdict
 * or -1 when the run itself failed. */
int fx_run(struct fx *f, const struct pkt_spec *s);
/* From now on frames go through the production entry, whose clock is the
 * kernel's (f->now no longer matters), until the next fx_open(). */
void fx_production(struct fx *f);
int fx_run_raw(struct fx *f, const void *data, uint32_t len);
uint64_t fx_stat(struct fx *f, enum sg_stat id);
/* A copy of key's entry in the sources' (net: the networks') tracking
 * table into *t (if t); with forget the entry goes, as a replaced one does.
 * Returns false when the table does not hold key. */
bool fx_track(struct fx *f, bool net, const struct sg_addr *key, struct sg_track *t, bool forget);
bool fx_blocked(struct fx *f, const char *addr);
/* Empties the ring buffer; returns how many events it held. */
long fx_drain(struct fx *f);
/* Drains the ring buffer into f->ev; returns how many are there now. */
int fx_events(struct fx *f);

/* Defaults with only the plain distinct-port detector on (issue 2's
 * semantics); tests of the other detectors switch theirs on. */
struct sg_config fx_cfg_plain(uint32_t threshold, uint32_t window_s, uint32_t ttl_s);
/* A bare TCP packet: flags without data (a bare ACK when flags == ACK). */
struct pkt_spec fx_bare(const char *src, const char *dst, uint16_t dport, uint8_t flags);

/* A TCP SYN (or other flags) from src to dst:dport; with ACK set it carries
 * data, like established traffic (build a bare ACK by hand). */
struct pkt_spec fx_tcp(const char *src, const char *dst, uint16_t dport, uint8_t flags);
struct pkt_spec fx_udp(const char *src, const char *dst, uint16_t sport, uint16_t dport);

#endif
