/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * model.h - the userspace model of what the XDP program does with one
 * frame, built from the same parser and lookup-free classification the
 * program compiles (include/sg_parse.h, include/sg_probe.h).  The lookups
 * are modelled for the test setting: no sockets (a private network
 * namespace), an exposed-services list the test gives, no flows.  The
 * equivalence and randomized tests hold the real program to it.
 */
#ifndef SG_TEST_MODEL_H
#define SG_TEST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scanguard.h"
#include "sg_parse.h"
#include "sg_probe.h"
#include "addr.h"

/* What becomes of a frame from a source with no state and no block. */
enum model_outcome {
	M_REFUSED,	/* shorter than Ethernet: BPF_PROG_TEST_RUN refuses it */
	M_NOT_IP,
	M_PARSE_ERROR,	/* bad L3 (source unknown) or bad L4 */
	M_NOT_PROBE,
	M_PROBE,	/* a probe, passed while under every threshold */
	M_TINY_FRAG,	/* a probe, and dropped at once */
	M_NOUTCOMES
};
extern const char *const model_outcome_names[M_NOUTCOMES];

struct model_exposed {
	struct sg_cidr dst;
	uint8_t pc;
	uint16_t port;		/* 0 = every port of the class */
};

struct model_env {
	uint32_t protect;	/* enum sg_protect */
	uint32_t ipv6_prefix;
	uint32_t net_prefix4, net_prefix6;
	const struct model_exposed *exposed;
	size_t nexposed;
};

struct model {
	int res;		/* enum sg_parse_result */
	struct sg_pkt p;
	struct sg_probe pr;	/* kind 0 = not a probe; targets filled for probes */
	enum model_outcome out;
	bool has_src;		/* p.src is known (res below SG_PARSE_BAD_L3) */
	struct sg_addr key;	/* source key (IPv6 cut to ipv6_prefix) */
	struct sg_addr net;	/* source network */
};

struct sg_maps;

/* Sets env from cfg and, in segment mode, gives the program (its maps) and
 * the model the same exposed services, parsed from spec (n of them, into
 * ex).  Returns false with err set when a spec is refused. */
bool model_env_init(struct model_env *env, const struct sg_config *cfg, const struct sg_maps *maps,
		    const char *const *spec, size_t n, struct model_exposed *ex, char *err,
		    size_t errlen);
/* Runs the model on one frame. */
void model_run(const struct model_env *env, const void *frame, size_t len, struct model *m);
/* The exit counter the program must hit for a frame of outcome out. */
enum sg_stat model_reason(enum model_outcome out);
bool model_in_cidrs(const struct sg_cidr *v, size_t n, const struct sg_addr *a);

#endif
