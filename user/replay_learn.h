/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* replay_learn.h - replay's first pass: the host's addresses, the ports that
 * answered and the host's own flows, as the capture shows them, turned into
 * the sockets of the replay namespace (replay_env.c). */
#ifndef SG_REPLAY_LEARN_H
#define SG_REPLAY_LEARN_H

#include <stdbool.h>
#include <stdint.h>
#include "capture.h"
#include "htab.h"
#include "replay.h"
#include "replay_env.h"
#include "sg_parse.h"

#define MAX_OWN_MACS	16

struct flow_key {
	struct sg_addr a, b;	/* endpoints in a canonical order, a < b */
	uint16_t pa, pb;
	uint8_t proto;
	uint8_t pad[3];
};

struct flow {
	uint64_t first_idx, last_idx;	/* packet numbers, 1-based */
	uint8_t first_from;		/* 0: a sent the first packet, 1: b */
	uint8_t sent;			/* bit 0: a sent one, bit 1: b */
	uint8_t want;			/* pass 2: the host's end gets a socket */
	uint8_t local_side;		/* which end is the host's */
	int fd;				/* pass 2: its socket while open, else -1 (+1 stored) */
};

struct addr_stat {
	uint64_t appear;	/* packets with this address at either end */
	uint64_t serverish;	/* answered as a server would, or was probed */
	uint8_t mac[6];
	uint8_t has_mac;
	uint8_t family;
};

struct sg_learn {
	struct htab flows;	/* flow_key -> flow */
	struct htab addrs;	/* sg_addr -> addr_stat (inference only) */
	struct htab synack;	/* sg_replay_port -> u8: endpoints that sent SYN-ACK */
	uint64_t ip_packets[2];	/* per family, for inference */
	uint8_t own_mac[MAX_OWN_MACS][6];
	int nown_mac;
	bool infer;
};

int sg_learn_init(struct sg_learn *l, bool infer);
void sg_learn_free(struct sg_learn *l);
/* Learns from one parsed packet (res: sg_parse's result; idx: its number). */
int sg_learn_packet(struct sg_learn *l, const struct sg_pkt *p, int res,
		    const struct sg_frame *fr, uint64_t idx, struct sg_replay_result *r);
/* Infers the host's addresses into r->local. */
void sg_learn_local(struct sg_learn *l, struct sg_replay_result *r);
/* Opens the listeners and UDP servers (for the whole replay) and marks the
 * host's flows that get a socket while they last. */
int sg_learn_sockets(struct sg_learn *l, const struct sg_replay_opts *o, struct sg_env *env,
		     struct sg_replay_result *r);
/* Opens (before) or closes (after) the socket of p's flow at packet idx. */
void sg_learn_flow_step(struct sg_learn *l, struct sg_env *env, struct sg_replay_result *r,
			const struct sg_pkt *p, uint64_t idx, bool before);

bool sg_addr_unicast(const struct sg_addr *a);
bool sg_in_cidrs(const struct sg_cidr *c, int n, const struct sg_addr *a);

#endif
