/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * table.h - userspace's view of the tier-1 tracking tables (sg_track,
 * sg_net_track): mapped read-only, walked, and searched for a key the way
 * the XDP program searches them (bpf/track.h).  The program writes them
 * while they are read, so callers copy an entry before they use it.
 */
#ifndef SG_TABLE_H
#define SG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include "scanguard.h"

struct sg_table {
	const struct sg_track_entry *e;	/* the sets' ways, one after another */
	__u32 entries;
	size_t len;		/* of the mapping */
};

/* Maps the table behind fd.  Returns 0 or -errno. */
int sg_table_map(int fd, struct sg_table *tb);
void sg_table_unmap(struct sg_table *tb);

static inline bool sg_table_used(const struct sg_track_entry *e)
{
	return e->gen & 1;
}

/* The index of key's entry, a copy of it in *out; seed is
 * sg_state.track_seed.  Returns -1 when the table does not hold key. */
long sg_table_index(const struct sg_table *tb, __u32 seed, const struct sg_addr *key,
		    struct sg_track_entry *out);

static inline bool sg_table_lookup(const struct sg_table *tb, __u32 seed,
				   const struct sg_addr *key, struct sg_track_entry *out)
{
	return sg_table_index(tb, seed, key, out) >= 0;
}

/* Empties the table behind fd.  Returns 0 or -errno. */
int sg_table_clear(int fd);

/* The entries in use. */
__u32 sg_table_count(const struct sg_table *tb);

/* The same, opening and closing the mapping; -errno on failure. */
long sg_table_count_fd(int fd);

#endif
