// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hostaddr.c - the addresses scanguard must never block, found on this
 * host and kept current: its own addresses (getifaddrs, in the daemon's
 * network namespace) and loopback, its default gateways (/proc/net/route,
 * /proc/net/ipv6_route) and its DNS resolvers (/etc/resolv.conf).  A spoofed
 * scan naming one of them could otherwise turn the blocker against the
 * host's own connectivity.  They live in the allow-list as automatic
 * entries that operators cannot remove.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "hostaddr.h"
#include "log.h"
#include "ops.h"

#define MAX_AUTO 1024

struct auto_set {
	struct sg_cidr cidr[MAX_AUTO];
	uint32_t flags[MAX_AUTO];
	int n;
};

static void add(struct auto_set *s, const struct sg_cidr *c, uint32_t flag)
{
	for (int i = 0; i < s->n; i++)
		if (s->cidr[i].len == c->len && !memcmp(&s->cidr[i].addr, &c->addr, sizeof(c->addr))) {
			s->flags[i] |= flag;
			return;
		}
	if (s->n < MAX_AUTO) {
		s->cidr[s->n] = *c;
		s->flags[s->n++] = flag;
	}
}

static void add_v4(struct auto_set *s, uint32_t be, uint32_t flag)
{
	struct sg_cidr c = { .family = 4, .len = 32 };

	c.addr.w[2] = htonl(0xffff);
	c.addr.w[3] = be;
	add(s, &c, flag);
}

static void add_v6(struct auto_set *s, const void *addr, uint32_t flag)
{
	struct sg_cidr c = { .family = 6, .len = 128 };

	memcpy(&c.addr, addr, 16);
	if (sg_addr_is_v4(&c.addr)) {
		c.family = 4;
		c.len = 32;
	}
	add(s, &c, flag);
}

static int collect_own(struct auto_set *s)
{
	struct ifaddrs *ifa, *i;
	struct sg_cidr c;
	char err[8];

	sg_cidr_parse("127.0.0.0/8", &c, err, sizeof(err));
	add(s, &c, SG_ALLOW_AUTO);
	sg_cidr_parse("::1", &c, err, sizeof(err));
	add(s, &c, SG_ALLOW_AUTO);
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			add_v4(s, ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr, SG_ALLOW_AUTO);
		else if (i->ifa_addr->sa_family == AF_INET6)
			add_v6(s, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, SG_ALLOW_AUTO);
	}
	freeifaddrs(ifa);
	return 0;
}

/* Default routes' next hops.  A missing file (no IPv6) is not an error. */
static void collect_gateways(struct auto_set *s)
{
	char line[512];
	FILE *f = fopen("/proc/net/route", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char ifname[64];
		unsigned int dst, gw, flags, mask;

		/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
		if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", ifname, &dst, &gw, &flags, &mask) == 5 &&
		    dst == 0 && mask == 0 && gw != 0)
			add_v4(s, gw, SG_ALLOW_GATEWAY);	/* printed in memory order */
	}
	if (f)
		fclose(f);

	f = fopen("/proc/net/ipv6_route", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char dst[33], src[33], hop[33];
		unsigned int dlen, slen;
		uint8_t addr[16];

		if (sscanf(line, "%32s %x %32s %x %32s", dst, &dlen, src, &slen, hop) != 5 ||
		    dlen != 0 || strspn(dst, "0") != 32 || strspn(hop, "0") == 32)
			continue;
		for (int i = 0; i < 16; i++)
			sscanf(hop + 2 * i, "%2hhx", &addr[i]);
		add_v6(s, addr, SG_ALLOW_GATEWAY);
	}
	if (f)
		fclose(f);
}

static void collect_resolvers(struct auto_set *s, const char *path)
{
	char line[512], addr[128];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		struct in_addr a4;
		struct in6_addr a6;
		char *pct;

		if (sscanf(line, " nameserver %127s", addr) != 1)
			continue;
		pct = strchr(addr, '%');	/* fe80::1%eth0 */
		if (pct)
			*pct = 0;
		if (inet_pton(AF_INET, addr, &a4) == 1)
			add_v4(s, a4.s_addr, SG_ALLOW_RESOLVER);
		else if (inet_pton(AF_INET6, addr, &a6) == 1)
			add_v6(s, &a6, SG_ALLOW_RESOLVER);
	}
	if (f)
		fclose(f);
}

int sg_hostaddr_sync(const struct sg_maps *m)
{
	struct auto_set *want = calloc(1, sizeof(*want));
	struct sg_allow_entry *cur = NULL;
	size_t ncur = 0;
	char err[256];
	int ret;

	if (!want)
		return -ENOMEM;
	ret = collect_own(want);
	if (ret)
		goto out;
	collect_gateways(want);
	collect_resolvers(want, "/etc/resolv.conf");
	ret = sg_allow_list(m, &cur, &ncur);
	if (ret)
		goto out;

	/* Take the automatic marks off what is no longer there. */
	for (size_t i = 0; i < ncur; i++) {
		uint32_t keep = 0;
		struct sg_lpm_key k;
		struct sg_allow v;

		if (!(cur[i].flags & SG_ALLOW_AUTOMATIC))
			continue;
		for (int j = 0; j < want->n; j++)
			if (want->cidr[j].len == cur[i].cidr.len &&
			    !memcmp(&want->cidr[j].addr, &cur[i].cidr.addr, 16))
				keep = want->flags[j];
		if ((cur[i].flags & SG_ALLOW_AUTOMATIC) == keep)
			continue;
		k = sg_cidr_to_lpm(&cur[i].cidr);
		v.flags = (cur[i].flags & ~SG_ALLOW_AUTOMATIC) | keep;
		if (v.flags)
			bpf_map_update_elem(m->allow, &k, &v, BPF_EXIST);
		else
			bpf_map_delete_elem(m->allow, &k);
	}
	for (int j = 0; j < want->n; j++) {
		bool have = false;

		for (size_t i = 0; i < ncur && !have; i++)
			have = cur[i].cidr.len == want->cidr[j].len &&
			       !memcmp(&cur[i].cidr.addr, &want->cidr[j].addr, 16) &&
			       (cur[i].flags & want->flags[j]) == want->flags[j];
		if (!have && sg_allow_add(m, &want->cidr[j], want->flags[j], NULL, err, sizeof(err)))
			pr_warn("cannot protect %s: %s", sg_cidr_str(&want->cidr[j], err, sizeof(err)),
				err);
	}
	ret = want->n;
out:
	free(cur);
	free(want);
	return ret;
}
