/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* replay_env.h - the sockets a replayed capture's host had open.  The XDP
 * program asks the kernel's socket tables whether a port is open (and whether
 * a datagram answers one of this host's own flows) in the network namespace
 * BPF_PROG_TEST_RUN executes in.  Replay therefore runs in a private network
 * namespace and opens, there, the sockets the capture shows: listeners for
 * ports that answered with SYN-ACK, bound UDP sockets for ports that
 * answered, and for the host's own flows a connected UDP socket or an
 * established TCP socket (made with TCP_REPAIR, so no packet is ever sent),
 * each open only while its flow lasts in the capture. */
#ifndef SG_REPLAY_ENV_H
#define SG_REPLAY_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scanguard.h"

struct sg_env {
	bool v6;			/* IPv6 routes work in the namespace */
	unsigned long long opened;	/* sockets opened in total */
	unsigned long long failed;	/* sockets that could not be opened */
	int open_now;
	char first_error[160];		/* why the first failure failed */
};

/* Moves this process into a new, empty network namespace with loopback up
 * and default routes through it (so sockets can connect to any address).
 * Returns 0, or -errno with a reason in err. */
int sg_env_enter(struct sg_env *e, char *err, size_t errlen);

/* A listening TCP socket or a bound UDP socket on addr:port (addr NULL: the
 * wildcard of family 4 or 6).  Returns the fd, or -1 (counted in failed;
 * an address already in use counts as open). */
int sg_env_server(struct sg_env *e, uint8_t proto, int family, const struct sg_addr *addr,
		  uint16_t port);
/* The host's end of a flow: a connected UDP socket, or an established TCP
 * socket.  Returns the fd, or -1 (counted in failed). */
int sg_env_flow(struct sg_env *e, uint8_t proto, const struct sg_addr *local, uint16_t lport,
		const struct sg_addr *remote, uint16_t rport);
void sg_env_close(struct sg_env *e, int fd);

#endif
