/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* pkt.h - builds test frames from a short description: Ethernet, VLAN
 * tags, IPv4 with options or IPv6 with extension headers, fragments, and
 * TCP/UDP/ICMP headers. */
#ifndef SG_TEST_PKT_H
#define SG_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 2048

struct pkt_spec {
	int family;		/* 4 or 6; 0 builds an ARP frame */
	const char *src, *dst;	/* addresses in text */
	uint8_t proto;		/* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 or any other */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t tcp_doff;	/* 0 = 5 */
	int vlans;		/* 0, 1 (802.1Q) or 2 (802.1ad outer + 802.1Q inner) */
	int ip_opts;		/* IPv4 option bytes, a multiple of 4 */
	int ihl;		/* IPv4 IHL override; 0 = computed */
	int ext_hdrs;		/* IPv6 hop-by-hop/destination options headers before L4 */
	bool frag_first;	/* offset 0, more fragments */
	bool frag_later;	/* offset > 0 */
	size_t payload;
	size_t trim;		/* bytes cut off the end of the built frame */
	uint8_t sctp_chunk;	/* type of the SCTP chunk (1 = INIT) */
	size_t l4_cut;		/* IP length holds only this much L4 header (tiny fragments) */
	size_t pad_to;		/* zero padding up to this frame length (Ethernet minimum) */
};

/* Builds the frame into buf; returns its length (0 if it does not fit). */
size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap);
/* Offsets of the L3 and L4 headers in the last frame built. */
size_t pkt_l3_off(void);
size_t pkt_l4_off(void);

#endif
