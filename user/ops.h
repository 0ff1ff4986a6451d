/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ops.h - operations on a scanguard instance's maps, shared by the daemon
 * and scanguardctl: configuration, statistics, blocks and the allow-list.
 * Each keeps sg_state's counts right and refuses what would break the
 * rules (blocking this host, blocking an allow-listed source). */
#ifndef SG_OPS_H
#define SG_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scanguard.h"
#include "addr.h"
#include "pin.h"

/* The clock the kernel's expiry decisions use (CLOCK_MONOTONIC, ns). */
uint64_t sg_now_ns(void);

int sg_config_read(const struct sg_maps *m, struct sg_config *cfg);
int sg_config_write(const struct sg_maps *m, const struct sg_config *cfg);
/* Sums the per-CPU counters. */
int sg_stats_read(const struct sg_maps *m, struct sg_stats *sum);

struct sg_block_entry {
	struct sg_cidr cidr;
	struct sg_block b;
	bool exact;		/* in sg_blocks (else sg_cidr_blocks) */
};

/* ttl_s 0 blocks until removed.  Errors: -EPERM (allow-listed or this
 * host's address), -ENOSPC (table full); err says which. */
int sg_block_add(const struct sg_maps *m, const struct sg_cidr *c, uint64_t ttl_s,
		 uint64_t now, char *err, size_t errlen);
int sg_block_del(const struct sg_maps *m, const struct sg_cidr *c);
/* Live blocks (expired ones not yet swept are left out); free(*out). */
int sg_block_list(const struct sg_maps *m, uint64_t now, struct sg_block_entry **out,
		  size_t *n);
/* Moves exact IPv6 blocks keyed by old_prefix into the CIDR table, so they
 * keep matching when ipv6-prefix changes. */
int sg_block_rekey_v6(const struct sg_maps *m, uint32_t old_prefix);
/* Removes expired blocks; returns how many or -errno. */
int sg_block_sweep(const struct sg_maps *m, uint64_t now);

struct sg_allow_entry {
	struct sg_cidr cidr;
	uint32_t flags;		/* SG_ALLOW_* */
};

/* Adds an allow entry and lifts blocks inside it; *unblocked says how many. */
/* Sets the allow-list hint's bits (struct sg_allow_hint) for every entry
 * of the allow-list: the loader calls it, for maps an older build left. */
int sg_allow_hint_fill(const struct sg_maps *m);
int sg_allow_add(const struct sg_maps *m, const struct sg_cidr *c, uint32_t flags,
		 size_t *unblocked, char *err, size_t errlen);
/* Operators cannot delete automatic entries (-EPERM) unless flags says so. */
int sg_allow_del(const struct sg_maps *m, const struct sg_cidr *c, bool allow_auto,
		 char *err, size_t errlen);
int sg_allow_list(const struct sg_maps *m, struct sg_allow_entry **out, size_t *n);
/* Makes sg_allow_inside agree with the allow-list and the configured IPv6
 * prefix, and flags the blocks of the prefixes in it
 * (SG_BLOCK_ALLOW_INSIDE): at start and after the prefix changed.
 * sg_allow_add/sg_allow_del keep it current otherwise. */
int sg_allow_inside_sync(const struct sg_maps *m);

/* Trap ports: one probe there blocks at once (TCP and UDP only).  Removing
 * a port that is not a trap returns -ENOENT. */
int sg_trap_set(const struct sg_maps *m, uint8_t pc, uint16_t port, bool on);
/* The trap targets (SG_TARGET values); free(*out). */
int sg_trap_list(const struct sg_maps *m, uint32_t **out, size_t *n);

/* Exposed services (segment mode): port 0 = every port of the class. */
struct sg_expose_entry {
	struct sg_cidr cidr;
	uint8_t pc;
	uint16_t port;
};

int sg_expose_add(const struct sg_maps *m, const struct sg_expose_entry *e, char *err,
		  size_t errlen);
int sg_expose_del(const struct sg_maps *m, const struct sg_expose_entry *e);
int sg_expose_list(const struct sg_maps *m, struct sg_expose_entry **out, size_t *n);
/* Parses "PROTO/PORT@CIDR" (e.g. tcp/443@198.18.2.0/24, icmp@198.18.2.10). */
int sg_expose_parse(const char *s, struct sg_expose_entry *e, char *err, size_t errlen);

/* How many keys the hash, LRU or LPM map fd holds; -EINVAL for keys
 * longer than 64 bytes. */
long sg_map_count(int fd, size_t key_size);

struct sg_admit_slot;
/* The admission slot holding key's first probe, in the array fd of nslots
 * (include/sg_admit.h): copied to *slot, its index to *index.  Returns 0,
 * or -ENOENT when neither slot of its pair holds it. */
int sg_admit_find(int fd, uint32_t nslots, const struct sg_addr *key, struct sg_admit_slot *slot,
		  uint32_t *index);

#endif
