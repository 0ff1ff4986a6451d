/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* hostaddr.h - keeps this host's own addresses and loopback in the
 * allow-list, so they can never be counted or blocked. */
#ifndef SG_HOSTADDR_H
#define SG_HOSTADDR_H

#include "pin.h"

/* Adds current addresses, removes automatic entries for addresses that are
 * gone.  Returns the number of automatic entries, or -errno. */
int sg_hostaddr_sync(const struct sg_maps *m);

#endif
