// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* addr.c - address and CIDR parsing/printing in the 16-byte mapped form the
 * BPF maps use.  Strict: anything inet_pton rejects, a bad length, or host
 * bits below the prefix is refused with a reason. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"

static const __u8 v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool sg_addr_is_v4(const struct sg_addr *a)
{
	return sg_addr_mapped(a);
}

void sg_addr_mask(struct sg_addr *a, int len128)
{
	for (int i = 0; i < 4; i++) {
		int bits = len128 - 32 * i;

		if (bits >= 32)
			continue;
		a->w[i] &= htonl(bits <= 0 ? 0 : ~0u << (32 - bits));
	}
}

static int cidr_len128(const struct sg_cidr *c)
{
	return c->family == 4 ? c->len + 96 : c->len;
}

int sg_cidr_parse(const char *s, struct sg_cidr *out, char *err, size_t errlen)
{
	char buf[SG_ADDRSTRLEN];
	const char *slash;
	struct sg_addr masked;
	size_t alen;
	int max;

	memset(out, 0, sizeof(*out));
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf)) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", s);
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = 0;

	if (inet_pton(AF_INET, buf, &out->addr.w[3]) == 1) {
		memcpy(&out->addr, v4_mapped_prefix, sizeof(v4_mapped_prefix));
		out->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &out->addr) == 1) {
		out->family = 6;
		max = 128;
	} else {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
		return -1;
	}

	out->len = max;
	if (slash) {
		char *end;
		long len;

		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || len < 0 || len > max ||
		    !(slash[1] >= '0' && slash[1] <= '9')) {
			snprintf(err, errlen, "'%s': prefix length must be 0..%d", s, max);
			return -1;
		}
		out->len = (int)len;
	}

	/* ::ffff:a.b.c.d is an IPv4 address whatever it was written as. */
	if (out->family == 6 && sg_addr_is_v4(&out->addr) && out->len >= 96) {
		out->family = 4;
		out->len -= 96;
	}

	masked = out->addr;
	sg_addr_mask(&masked, cidr_len128(out));
	if (memcmp(&masked, &out->addr, sizeof(masked))) {
		char net[SG_ADDRSTRLEN];
		struct sg_cidr fixed = *out;

		fixed.addr = masked;
		snprintf(err, errlen, "'%s' has host bits set (did you mean %s?)", s,
			 sg_cidr_str(&fixed, net, sizeof(net)));
		return -1;
	}
	return 0;
}

struct sg_lpm_key sg_cidr_to_lpm(const struct sg_cidr *c)
{
	struct sg_lpm_key k = { .prefixlen = cidr_len128(c), .addr = c->addr };

	return k;
}

struct sg_cidr sg_cidr_from_lpm(const struct sg_lpm_key *k)
{
	struct sg_cidr c = { .addr = k->addr };

	/* A mapped prefix shorter than /96 cannot be IPv4: show it as IPv6. */
	if (sg_addr_is_v4(&k->addr) && k->prefixlen >= 96) {
		c.family = 4;
		c.len = k->prefixlen - 96;
	} else {
		c.family = 6;
		c.len = k->prefixlen;
	}
	return c;
}

struct sg_cidr sg_cidr_make(const struct sg_addr *a, int len)
{
	struct sg_cidr c = { .addr = *a, .family = sg_addr_is_v4(a) ? 4 : 6, .len = len };

	return c;
}

bool sg_cidr_contains(const struct sg_cidr *net, const struct sg_addr *a)
{
	struct sg_addr m = *a;

	sg_addr_mask(&m, cidr_len128(net));
	return memcmp(&m, &net->addr, sizeof(m)) == 0;
}

const char *sg_addr_str(const struct sg_addr *a, int len, char *buf, size_t buflen)
{
	char tmp[INET6_ADDRSTRLEN];

	if (sg_addr_is_v4(a))
		inet_ntop(AF_INET, &a->w[3], tmp, sizeof(tmp));
	else
		inet_ntop(AF_INET6, a, tmp, sizeof(tmp));
	if (len < 0)
		snprintf(buf, buflen, "%s", tmp);
	else
		snprintf(buf, buflen, "%s/%d", tmp, len);
	return buf;
}

const char *sg_cidr_str(const struct sg_cidr *c, char *buf, size_t buflen)
{
	int full = c->family == 4 ? 32 : 128;

	return sg_addr_str(&c->addr, c->len == full ? -1 : c->len, buf, buflen);
}
