/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* sockdiag.h - the sockets a scanner could reach: listening TCP sockets and
 * bound, unconnected UDP sockets of this network namespace, read from the
 * kernel with netlink sock_diag (what `ss -ltnu` shows), and the processes
 * that hold them, found through /proc. */
#ifndef SG_SOCKDIAG_H
#define SG_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "scanguard.h"

#define SG_SOCK_MAX_PIDS 8	/* holders listed per socket (forked servers share one) */

struct sg_sock_owner {
	pid_t pid;
	char comm[16];
};

struct sg_sock {
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t family;		/* 4 or 6 */
	int8_t v6only;		/* IPv6 sockets: 1 or 0; -1 unknown or IPv4 */
	struct sg_addr addr;	/* bound address (IPv4 mapped) */
	uint16_t port;
	uint32_t ifindex;	/* bound device (SO_BINDTODEVICE), 0 none */
	uint32_t uid;
	uint64_t inode;
	int nowners;		/* holders found (may exceed the ones listed) */
	struct sg_sock_owner owner[SG_SOCK_MAX_PIDS];
};

/* Lists the sockets; *out is malloc'd.  Returns 0 or -errno. */
int sg_sockdiag_list(struct sg_sock **out, size_t *n);
/* Fills in each socket's holders from /proc/PID/fd. */
int sg_sock_owners(struct sg_sock *v, size_t n);

#endif
