/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* pin.h - how a scanguard instance is found: its pin directory on bpffs,
 * the lock that admits one daemon per directory, and the pinned maps. */
#ifndef SG_PIN_H
#define SG_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include "scanguard.h"

#define SG_DEFAULT_PIN_PATH "/sys/fs/bpf/scanguard"
#define SG_PIN_PATH_MAX 256	/* pin directory name length, so map paths fit */
#define SG_MAPS_STALE "was made by another version of scanguardd (a map this one needs is " \
		      "missing or laid out differently): restart scanguardd, or run " \
		      "scanguardd --upgrade"

struct sg_maps {
	int config, state, stats, track, suspect, blocks, cidr_blocks, allow, allow_inside, ifaces;
	int traps, exposed, allow_hint;
	struct sg_state *state_mm;	/* mmap of sg_state for atomic updates */
	struct sg_allow_hint *hint_mm;	/* mmap of sg_allow_hint, likewise */
};

/* Makes sure dir's parent is a bpffs (mounting one where that is safe) and
 * creates dir.  Returns 0 or -errno with a reason in err. */
int sg_pin_prepare(const char *dir, char *err, size_t errlen);

/* Takes the instance lock on dir (held until fd is closed or the process
 * dies).  Returns the fd, or -EBUSY when another daemon holds it. */
int sg_pin_lock(const char *dir);
/* True when a daemon holds the lock on dir. */
bool sg_pin_locked(const char *dir);

/* Opens every pinned map under dir.  Returns 0, -ENOENT when nothing is
 * pinned there (no instance), -ESTALE when a map this build needs is
 * missing or holds another layout (an instance another build made:
 * SG_MAPS_STALE says what to do),
 * or another -errno. */
int sg_maps_open(const char *dir, struct sg_maps *m);
/* Fills m from already-open map fds (the daemon's skeleton). */
int sg_maps_from_fds(struct sg_maps *m);
void sg_maps_close(struct sg_maps *m);
/* Drops only the sg_state and sg_allow_hint mappings (fds owned elsewhere). */
void sg_maps_unmap(struct sg_maps *m);

#endif
