/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* skel.h - opens the XDP object (not yet loaded) the way every user of it in
 * scanguardd and scanguardctl must. */
#ifndef SG_SKEL_H
#define SG_SKEL_H

#include <stdbool.h>

struct scanguard_bpf;

/* scanguard_bpf__open(), but a kernel whose config libbpf cannot find gets
 * the coarse clock instead of a load that fails (bpf/clock.h), with a
 * warning if warn (users of the test entries, whose clock is their own,
 * need none).  NULL with errno set on failure. */
struct scanguard_bpf *sg_skel_open(bool warn);

#endif
