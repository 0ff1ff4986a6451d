// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* replay_env.c - the private network namespace and its emulated sockets.
 * Sockets bind to the capture's addresses with IP_TRANSPARENT, which lets a
 * socket use an address no interface holds (and route from it), so nothing
 * needs configuring but loopback and two default routes. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "addr.h"
#include "replay_env.h"

#ifndef TCP_REPAIR
#define TCP_REPAIR 19
#endif
#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IPV6_TRANSPARENT
#define IPV6_TRANSPARENT 75
#endif

static int lo_up(void)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			ret = -errno;
	} else {
		ret = -errno;
	}
	close(fd);
	return ret;
}

/* "ip route add default dev lo" for one family, over rtnetlink. */
static int default_route(int family)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		struct rtattr oif_attr;
		__u32 oif;
	} req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_NEWROUTE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
			.nlmsg_seq = 1,
		},
		.rt = {
			.rtm_family = family,
			.rtm_table = RT_TABLE_MAIN,
			.rtm_protocol = RTPROT_BOOT,
			.rtm_scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
			.rtm_type = RTN_UNICAST,
		},
		.oif_attr = { .rta_len = RTA_LENGTH(sizeof(__u32)), .rta_type = RTA_OIF },
		.oif = if_nametoindex("lo"),
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[512];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	int fd, ret;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	ret = n < 0 ? -errno : -EPROTO;
	if (n >= (ssize_t)sizeof(*nh) && nh->nlmsg_type == NLMSG_ERROR)
		ret = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	close(fd);
	return ret;
}

int sg_env_enter(struct sg_env *e, char *err, size_t errlen)
{
	struct rlimit rl;
	int ret;

	memset(e, 0, sizeof(*e));
	if (unshare(CLONE_NEWNET)) {
		ret = -errno;
		snprintf(err, errlen, "cannot create a private network namespace: %s%s",
			 strerror(errno), errno == EPERM ? " (needs root or CAP_SYS_ADMIN)" : "");
		return ret;
	}
	ret = lo_up();
	if (!ret)
		ret = default_route(AF_INET);
	if (ret) {
		snprintf(err, errlen, "cannot set up the replay namespace: %s", strerror(-ret));
		return ret;
	}
	/* IPv6 may be disabled on this machine; IPv4 replay still works. */
	e->v6 = default_route(AF_INET6) == 0;
	/* One descriptor per emulated socket: allow as many as we may. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return 0;
}

static socklen_t to_sockaddr(int family, const struct sg_addr *a, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (a)
			s4->sin_addr.s_addr = a->w[3];
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	if (a)
		memcpy(&s6->sin6_addr, a, sizeof(s6->sin6_addr));
	return sizeof(*s6);
}

static void note_failure(struct sg_env *e, const char *what, int errnum)
{
	if (!e->failed++)
		snprintf(e->first_error, sizeof(e->first_error), "%s: %s", what, strerror(errnum));
}

static int make_socket(struct sg_env *e, int family, int type)
{
	int one = 1, fd;

	if (family == 6 && !e->v6) {
		note_failure(e, "IPv6 socket", EAFNOSUPPORT);
		return -1;
	}
	fd = socket(family == 4 ? AF_INET : AF_INET6, type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		note_failure(e, "socket", errno);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == 4) {
		setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	return fd;
}

int sg_env_server(struct sg_env *e, uint8_t proto, int family, const struct sg_addr *addr,
		  uint16_t port)
{
	int fd = make_socket(e, family, proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM);
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(family, addr, port, &ss);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) ||
	    (proto == IPPROTO_TCP && listen(fd, 1))) {
		int errnum = errno;

		close(fd);
		/* A wildcard listener on the same port already makes it open. */
		if (errnum == EADDRINUSE)
			return -1;
		note_failure(e, proto == IPPROTO_TCP ? "listen" : "bind", errnum);
		return -1;
	}
	e->opened++;
	e->open_now++;
	return fd;
}

int sg_env_flow(struct sg_env *e, uint8_t proto, const struct sg_addr *local, uint16_t lport,
		const struct sg_addr *remote, uint16_t rport)
{
	int family = sg_addr_is_v4(local) ? 4 : 6, one = 1, fd;
	struct sockaddr_storage ss;
	socklen_t len;

	fd = make_socket(e, family, proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM);
	if (fd < 0)
		return -1;
	/* Repair mode: connect() makes the socket established at once and no
	 * SYN (nor, on close, any FIN or RST) ever leaves it. */
	if (proto == IPPROTO_TCP && setsockopt(fd, SOL_TCP, TCP_REPAIR, &one, sizeof(one))) {
		note_failure(e, "TCP_REPAIR", errno);
		close(fd);
		return -1;
	}
	len = to_sockaddr(family, local, lport, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		note_failure(e, "bind", errno);
		close(fd);
		return -1;
	}
	len = to_sockaddr(family, remote, rport, &ss);
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		note_failure(e, "connect", errno);
		close(fd);
		return -1;
	}
	e->opened++;
	e->open_now++;
	return fd;
}

void sg_env_close(struct sg_env *e, int fd)
{
	if (fd < 0)
		return;
	close(fd);
	e->open_now--;
}
