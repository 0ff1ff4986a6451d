/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* links.h - the pinned bpf_links that keep an instance's XDP program
 * attached while no daemon runs (SG_PIN_LINKS_DIR in its pin directory),
 * and removing an instance completely. */
#ifndef SG_LINKS_H
#define SG_LINKS_H

#include <limits.h>
#include <stddef.h>
#include "scanguard.h"

struct sg_pinned_link {
	int fd;
	__u32 ifindex;		/* 0: the interface is gone or the link was detached */
	__u32 prog_id;
	__u32 link_id;
	char path[PATH_MAX];
};

/* path of the links directory of the instance at pin. */
void sg_links_dir(const char *pin, char *buf, size_t len);
/* path where the link of ifindex is pinned. */
void sg_link_path(const char *pin, __u32 ifindex, char *buf, size_t len);
/* Creates the links directory and takes its lock, which serialises every
 * change of an instance's links (daemon, --upgrade, detach).  Returns the
 * lock fd or -errno. */
int sg_links_lock(const char *pin);
void sg_links_unlock(int fd);
/* Opens every pinned link; returns how many (at most max) or -errno.
 * A missing directory is no links. */
int sg_links_list(const char *pin, struct sg_pinned_link *v, int max);
void sg_links_close(struct sg_pinned_link *v, int n);
/* The attach mode (SG_XDP_NATIVE/GENERIC) of the program on ifindex, or
 * SG_XDP_NONE. */
__u32 sg_xdp_attached_mode(__u32 ifindex);

/* Detaches every pinned link and removes the instance's pins and
 * directory.  Refuses (-EBUSY) while a daemon holds the instance; -ENOENT
 * when there is no instance.  *ndetached says how many links it detached. */
int sg_instance_remove(const char *pin, int *ndetached, char *err, size_t errlen);

/* The same without those checks, for the daemon that holds the instance. */
int sg_instance_teardown(const char *pin, int *ndetached);

#endif
