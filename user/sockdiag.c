// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sockdiag.c - one NETLINK_SOCK_DIAG dump per (family, protocol) and a walk
 * of /proc/PID/fd matching "socket:[INODE]" links.  Processes in other PID
 * namespaces, or gone between the two steps, leave a socket without owner;
 * that is reported, not guessed. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include "htab.h"
#include "sockdiag.h"

/* Socket states as the kernel numbers them (include/net/tcp_states.h). */
#define SK_STATE_CLOSE	7	/* an unconnected UDP socket */
#define SK_STATE_LISTEN	10

struct vec {
	struct sg_sock *v;
	size_t n, cap;
};

static struct sg_sock *vec_add(struct vec *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct sg_sock *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return NULL;
		s->v = nv;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

static int add_msg(struct vec *s, uint8_t proto, const struct nlmsghdr *h)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a;
	int alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	struct sg_sock *k;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EPROTO;
	k = vec_add(s);
	if (!k)
		return -ENOMEM;
	k->proto = proto;
	k->family = m->idiag_family == AF_INET6 ? 6 : 4;
	k->v6only = -1;
	if (k->family == 4) {
		k->addr.w[2] = htonl(0xffff);
		k->addr.w[3] = m->id.idiag_src[0];
	} else {
		memcpy(&k->addr, m->id.idiag_src, sizeof(k->addr));
	}
	k->port = ntohs(m->id.idiag_sport);
	k->ifindex = m->id.idiag_if;
	k->uid = m->idiag_uid;
	k->inode = m->idiag_inode;
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
		if (a->rta_type == INET_DIAG_SKV6ONLY && RTA_PAYLOAD(a) >= 1)
			k->v6only = *(const uint8_t *)RTA_DATA(a);
	return 0;
}

static int dump(int fd, struct vec *s, int family, uint8_t proto, uint32_t states)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.r = {
			.sdiag_family = family,
			.sdiag_protocol = proto,
			.idiag_states = states,
		},
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[32768] __attribute__((aligned(8)));

	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPROTO;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			int ret;

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				/* No IPv6 in this kernel: nothing to list. */
				return e->error == -ENOENT && family == AF_INET6 ? 0 : e->error;
			}
			ret = add_msg(s, proto, h);
			if (ret)
				return ret;
		}
	}
}

int sg_sockdiag_list(struct sg_sock **out, size_t *n)
{
	static const struct { int family; uint8_t proto; uint32_t states; } q[] = {
		{ AF_INET, IPPROTO_TCP, 1u << SK_STATE_LISTEN },
		{ AF_INET6, IPPROTO_TCP, 1u << SK_STATE_LISTEN },
		{ AF_INET, IPPROTO_UDP, 1u << SK_STATE_CLOSE },
		{ AF_INET6, IPPROTO_UDP, 1u << SK_STATE_CLOSE },
	};
	struct vec s = {};
	int fd, ret = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]) && !ret; i++)
		ret = dump(fd, &s, q[i].family, q[i].proto, q[i].states);
	close(fd);
	if (ret) {
		free(s.v);
		return ret;
	}
	*out = s.v;
	*n = s.n;
	return 0;
}

static void read_comm(pid_t pid, char *comm, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	comm[0] = 0;
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, len, f))
		comm[strcspn(comm, "\n")] = 0;
	fclose(f);
}

int sg_sock_owners(struct sg_sock *v, size_t n)
{
	struct htab byinode;
	struct dirent *pe;
	DIR *proc;

	if (htab_init(&byinode, sizeof(uint64_t), sizeof(size_t)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t *idx = htab_get(&byinode, &v[i].inode, true);

		if (!idx) {
			htab_free(&byinode);
			return -ENOMEM;
		}
		*idx = i;
	}
	proc = opendir("/proc");
	if (!proc) {
		htab_free(&byinode);
		return -errno;
	}
	while ((pe = readdir(proc))) {
		char path[300], link[64], comm[16] = "";
		pid_t pid = atoi(pe->d_name);
		struct dirent *fe;
		DIR *fds;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;	/* gone, or not ours to read */
		while ((fe = readdir(fds))) {
			unsigned long long ino;
			struct sg_sock *k;
			size_t *idx;
			ssize_t l;
			int j;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, fe->d_name);
			l = readlink(path, link, sizeof(link) - 1);
			if (l <= 0)
				continue;
			link[l] = 0;
			if (sscanf(link, "socket:[%llu]", &ino) != 1)
				continue;
			idx = htab_get(&byinode, &(uint64_t){ ino }, false);
			if (!idx)
				continue;
			k = &v[*idx];
			/* One entry per process, however many fds it has on it (past
			 * the listed holders the count may include repeats). */
			for (j = 0; j < k->nowners && j < SG_SOCK_MAX_PIDS; j++)
				if (k->owner[j].pid == pid)
					break;
			if (j < k->nowners && j < SG_SOCK_MAX_PIDS)
				continue;
			if (!comm[0])
				read_comm(pid, comm, sizeof(comm));
			if (k->nowners < SG_SOCK_MAX_PIDS) {
				k->owner[k->nowners].pid = pid;
				memcpy(k->owner[k->nowners].comm, comm, sizeof(comm));
			}
			k->nowners++;
		}
		closedir(fds);
	}
	closedir(proc);
	htab_free(&byinode);
	return 0;
}
