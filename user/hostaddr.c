// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* hostaddr.c - this host's addresses (getifaddrs, in the daemon's network
 * namespace) and loopback, kept in the allow-list as automatic entries. */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "hostaddr.h"
#include "log.h"
#include "ops.h"

#define MAX_OWN 1024

static int collect(struct sg_cidr *own, int max)
{
	struct ifaddrs *ifa, *i;
	int n = 0;
	char err[8];

	sg_cidr_parse("127.0.0.0/8", &own[n++], err, sizeof(err));
	sg_cidr_parse("::1", &own[n++], err, sizeof(err));
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i && n < max; i = i->ifa_next) {
		struct sg_cidr *c = &own[n];

		if (!i->ifa_addr)
			continue;
		memset(c, 0, sizeof(*c));
		if (i->ifa_addr->sa_family == AF_INET) {
			c->family = 4;
			c->len = 32;
			c->addr.w[2] = htonl(0xffff);
			c->addr.w[3] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			c->family = 6;
			c->len = 128;
			memcpy(&c->addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		n++;
	}
	freeifaddrs(ifa);
	return n;
}

static bool in_set(const struct sg_cidr *set, int n, const struct sg_cidr *c)
{
	for (int i = 0; i < n; i++)
		if (set[i].len == c->len && !memcmp(&set[i].addr, &c->addr, sizeof(c->addr)))
			return true;
	return false;
}

int sg_hostaddr_sync(const struct sg_maps *m)
{
	struct sg_cidr *own = calloc(MAX_OWN, sizeof(*own));
	struct sg_allow_entry *cur = NULL;
	size_t ncur = 0;
	char err[256];
	int n, ret;

	if (!own)
		return -ENOMEM;
	n = collect(own, MAX_OWN);
	if (n < 0) {
		free(own);
		return n;
	}
	ret = sg_allow_list(m, &cur, &ncur);
	if (ret) {
		free(own);
		return ret;
	}
	/* Drop the automatic mark of addresses this host no longer has. */
	for (size_t i = 0; i < ncur; i++) {
		struct sg_lpm_key k;
		struct sg_allow v;

		if (!(cur[i].flags & SG_ALLOW_AUTO) || in_set(own, n, &cur[i].cidr))
			continue;
		k = sg_cidr_to_lpm(&cur[i].cidr);
		v.flags = cur[i].flags & ~SG_ALLOW_AUTO;
		if (v.flags)
			bpf_map_update_elem(m->allow, &k, &v, BPF_EXIST);
		else
			bpf_map_delete_elem(m->allow, &k);
	}
	for (int i = 0; i < n; i++) {
		bool have = false;

		for (size_t j = 0; j < ncur && !have; j++)
			have = (cur[j].flags & SG_ALLOW_AUTO) && in_set(&cur[j].cidr, 1, &own[i]);
		if (!have && sg_allow_add(m, &own[i], SG_ALLOW_AUTO, NULL, err, sizeof(err)))
			pr_warn("cannot allow own address: %s", err);
	}
	free(cur);
	free(own);
	return n;
}
