/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* skel.h - opens the XDP object (not yet loaded) the way every user of it in
 * scanguardd and scanguardctl must, and takes the instance's maps from it
 * once loaded. */
#ifndef SG_SKEL_H
#define SG_SKEL_H

#include <stdbool.h>

struct scanguard_bpf;
struct sg_maps;

/* scanguard_bpf__open(), but a kernel whose config libbpf cannot find gets
 * the coarse clock instead of a load that fails (bpf/clock.h), with a
 * warning if warn (users of the test entries, whose clock is their own,
 * need none).  NULL with errno set on failure. */
struct scanguard_bpf *sg_skel_open(bool warn);

/* Fills m with the loaded object's map fds (owned by the skeleton) and maps
 * sg_state.  Returns 0 or -errno. */
int sg_maps_from_skel(struct sg_maps *m, const struct scanguard_bpf *skel);

/* Builds the tracking maps' hints (include/sg_admit.h) from the keys the
 * maps hold: before the program runs, and every SG_HINT_REBUILD_NS while
 * it does.  Returns 0 or -errno. */
int sg_hints_build(const struct scanguard_bpf *skel);

#endif
