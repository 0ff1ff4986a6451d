/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* addr.h - parsing and printing of addresses and CIDRs in scanguard's
 * 16-byte form (IPv4 mapped to ::ffff:0:0/96). */
#ifndef SG_ADDR_H
#define SG_ADDR_H

#include <stdbool.h>
#include "scanguard.h"

#define SG_ADDRSTRLEN 64	/* "ffff:...:ffff/128" with room to spare */

struct sg_cidr {
	struct sg_addr addr;	/* masked to the prefix */
	int family;		/* 4 or 6 */
	int len;		/* in the family's own terms: 0..32 or 0..128 */
};

/* Parses "ADDR" or "ADDR/LEN".  A bare address gets the full length.  Host
 * bits set below the prefix are an error (a typo more often than not).
 * On error returns -1 and writes a reason into err. */
int sg_cidr_parse(const char *s, struct sg_cidr *out, char *err, size_t errlen);

/* The LPM key (128-bit terms) of a CIDR, and back. */
struct sg_lpm_key sg_cidr_to_lpm(const struct sg_cidr *c);
struct sg_cidr sg_cidr_from_lpm(const struct sg_lpm_key *k);

bool sg_addr_is_v4(const struct sg_addr *a);
void sg_addr_mask(struct sg_addr *a, int len128);
bool sg_cidr_contains(const struct sg_cidr *net, const struct sg_addr *a);

/* "198.18.0.1", "2001:db8::/64"; len < 0 prints no length. */
const char *sg_addr_str(const struct sg_addr *a, int len, char *buf, size_t buflen);
const char *sg_cidr_str(const struct sg_cidr *c, char *buf, size_t buflen);

/* Builds a CIDR from an address of either family with its own length. */
struct sg_cidr sg_cidr_make(const struct sg_addr *a, int len);

#endif
