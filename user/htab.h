/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* htab.h - a small open-addressing hash table with fixed-size keys and
 * values, for the tools' userspace bookkeeping (capture flows and sources in
 * replay, socket owners in audit, blocks seen by top).  Keys are compared as
 * bytes, so callers zero their padding. */
#ifndef SG_HTAB_H
#define SG_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct htab {
	size_t ksize, vsize;	/* bytes */
	size_t cap;		/* slots, a power of two */
	size_t n;		/* entries */
	uint8_t *slots;		/* cap slots: used flag, key, value, each 8-byte aligned */
};

int htab_init(struct htab *h, size_t ksize, size_t vsize);
void htab_free(struct htab *h);
/* The value of key, or NULL.  With create, a missing key is added with a
 * zeroed value (NULL only when memory runs out).  Pointers stay valid only
 * until the next insertion. */
void *htab_get(struct htab *h, const void *key, bool create);
/* Iterates: *pos starts at 0; returns the next value (and its key) or NULL. */
void *htab_next(const struct htab *h, size_t *pos, const void **key);

#endif
