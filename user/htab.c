// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* htab.c - open addressing with linear probing, kept at most half full so
 * probes stay short; entries are never deleted (the tools' tables only grow
 * during one run). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "htab.h"

#define HTAB_MIN_CAP 64

/* A slot is the used flag, the key and the value, each 8-byte aligned, so
 * callers may read keys and values as the structs they are. */
#define ALIGN8(x) (((x) + 7) & ~(size_t)7)
#define KEY_OFF 8

static size_t val_off(const struct htab *h)
{
	return KEY_OFF + ALIGN8(h->ksize);
}

static size_t slot_size(const struct htab *h)
{
	return val_off(h) + ALIGN8(h->vsize);
}

static uint8_t *slot_at(const struct htab *h, size_t i)
{
	return h->slots + i * slot_size(h);
}

/* FNV-1a, then a final mix so low bits depend on every byte. */
static uint64_t hash_bytes(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t x = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		x ^= p[i];
		x *= 0x100000001b3ULL;
	}
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

int htab_init(struct htab *h, size_t ksize, size_t vsize)
{
	h->ksize = ksize;
	h->vsize = vsize;
	h->cap = HTAB_MIN_CAP;
	h->n = 0;
	h->slots = calloc(h->cap, slot_size(h));
	return h->slots ? 0 : -ENOMEM;
}

void htab_free(struct htab *h)
{
	free(h->slots);
	h->slots = NULL;
	h->cap = h->n = 0;
}

static uint8_t *find_slot(const struct htab *h, const void *key)
{
	size_t mask = h->cap - 1, i = hash_bytes(key, h->ksize) & mask;

	for (;;) {
		uint8_t *s = slot_at(h, i);

		if (!s[0] || !memcmp(s + KEY_OFF, key, h->ksize))
			return s;
		i = (i + 1) & mask;
	}
}

static int grow(struct htab *h)
{
	struct htab big = *h;

	big.cap = h->cap * 2;
	big.slots = calloc(big.cap, slot_size(h));
	if (!big.slots)
		return -ENOMEM;
	for (size_t i = 0; i < h->cap; i++) {
		uint8_t *s = slot_at(h, i);

		if (s[0])
			memcpy(find_slot(&big, s + KEY_OFF), s, slot_size(h));
	}
	free(h->slots);
	*h = big;
	return 0;
}

void *htab_get(struct htab *h, const void *key, bool create)
{
	uint8_t *s = find_slot(h, key);

	if (s[0])
		return s + val_off(h);
	if (!create)
		return NULL;
	if ((h->n + 1) * 2 > h->cap) {
		if (grow(h))
			return NULL;
		s = find_slot(h, key);
	}
	s[0] = 1;
	memcpy(s + KEY_OFF, key, h->ksize);
	memset(s + val_off(h), 0, h->vsize);
	h->n++;
	return s + val_off(h);
}

void *htab_next(const struct htab *h, size_t *pos, const void **key)
{
	while (*pos < h->cap) {
		uint8_t *s = slot_at(h, (*pos)++);

		if (s[0]) {
			if (key)
				*key = s + KEY_OFF;
			return s + val_off(h);
		}
	}
	return NULL;
}
