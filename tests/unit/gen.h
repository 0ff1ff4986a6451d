/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gen.h - random frames for the equivalence and randomized tests: well-
 * formed frames of every shape the frame builder knows (families, VLAN
 * tags, options, extension headers, fragments, every TCP flag set, UDP,
 * SCTP, ICMP, other protocols), mutations of any frame (bit flips, bytes
 * set to edge values, truncation, extension), and raw random bytes.  One
 * seeded generator, so a failure is reproducible from its seed.
 */
#ifndef SG_TEST_GEN_H
#define SG_TEST_GEN_H

#include <stddef.h>
#include <stdint.h>
#include "scanguard.h"

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)((rng_next(r) >> 32) * n >> 32) : 0;
}

/* A well-formed frame of a random shape; returns its length.  Addresses
 * are placeholders: set them with gen_set_addrs(). */
size_t gen_frame(struct rng *r, uint8_t *buf, size_t cap);
/* Like gen_frame(), but only traffic that is never a probe while no socket
 * or flow matters: TCP with SYN+ACK, RST, or ACK with data, ICMP, later
 * fragments. */
size_t gen_benign_frame(struct rng *r, uint8_t *buf, size_t cap);
/* Mutates a frame in place; *len may change (at most cap). */
void gen_mutate(struct rng *r, uint8_t *buf, size_t *len, size_t cap);
/* Random bytes, of a random length in [min, max]. */
size_t gen_noise(struct rng *r, uint8_t *buf, size_t min, size_t max);
/* Writes src and dst into the last frame gen_*frame() built (same family). */
void gen_set_addrs(uint8_t *buf, const struct sg_addr *src, const struct sg_addr *dst);
/* The family (4 or 6) of the last frame built. */
int gen_family(void);

#endif
