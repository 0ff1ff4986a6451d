// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pkt.c - test frame builder (no checksums: XDP never checks them). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "pkt.h"

static size_t last_l3, last_l4;

size_t pkt_l3_off(void) { return last_l3; }
size_t pkt_l4_off(void) { return last_l4; }

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

size_t pkt_build(const struct pkt_spec *s, uint8_t *buf, size_t cap)
{
	uint8_t *p = buf;
	uint16_t ethertype = s->family == 4 ? 0x0800 : s->family == 6 ? 0x86dd : 0x0806;
	uint8_t l4[64] = { 0 };
	size_t l4len = 0, iplen;

	if (cap < PKT_MAX)
		return 0;
	memset(buf, 0, PKT_MAX);
	memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	p += 12;
	if (s->vlans >= 2) {
		put16(p, 0x88a8);
		put16(p + 2, 100);
		p += 4;
	}
	if (s->vlans >= 1) {
		put16(p, 0x8100);
		put16(p + 2, 200);
		p += 4;
	}
	put16(p, ethertype);
	p += 2;
	last_l3 = p - buf;

	if (s->family == 0) {		/* ARP request */
		memcpy(p, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
		return p + 28 - buf;
	}

	switch (s->proto) {
	case IPPROTO_TCP: {
		uint8_t doff = s->tcp_doff ? s->tcp_doff : 5;

		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		l4[12] = doff << 4;
		l4[13] = s->tcp_flags;
		put16(l4 + 14, 65535);
		l4len = doff >= 5 ? doff * 4u : 20;
		break;
	}
	case IPPROTO_UDP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, 8 + s->payload);
		l4len = 8;
		break;
	case IPPROTO_SCTP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		l4[12] = s->sctp_chunk;
		put16(l4 + 14, 4);
		l4len = 16;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = s->proto == IPPROTO_ICMP ? 8 : 128;	/* echo request */
		l4len = 8;
		break;
	default:
		l4len = 8;
	}
	if (s->l4_cut)
		l4len = s->l4_cut;
	iplen = l4len + s->payload;

	if (s->family == 4) {
		int optlen = s->ip_opts;
		uint8_t *ip = p;

		ip[0] = 0x40 | (s->ihl ? s->ihl : 5 + optlen / 4);
		put16(ip + 2, 20 + optlen + iplen);
		if (s->frag_later)
			put16(ip + 6, 0x2000 | 10);
		else if (s->frag_first)
			put16(ip + 6, 0x2000);
		ip[8] = 64;
		ip[9] = s->proto;
		inet_pton(AF_INET, s->src, ip + 12);
		inet_pton(AF_INET, s->dst, ip + 16);
		memset(ip + 20, 1, optlen);	/* NOP options */
		p += 20 + optlen;
	} else {
		uint8_t *ip = p;
		uint8_t *next = ip + 6;
		size_t ext = s->ext_hdrs * 8 + ((s->frag_first || s->frag_later) ? 8 : 0);

		ip[0] = 0x60;
		put16(ip + 4, ext + iplen);
		ip[7] = 64;
		inet_pton(AF_INET6, s->src, ip + 8);
		inet_pton(AF_INET6, s->dst, ip + 24);
		p += 40;
		for (int i = 0; i < s->ext_hdrs; i++) {
			*next = i == 0 ? IPPROTO_HOPOPTS : IPPROTO_DSTOPTS;
			next = p;
			p[1] = 0;	/* 8 bytes */
			p[2] = 1;	/* PadN */
			p[3] = 4;
			p += 8;
		}
		if (s->frag_first || s->frag_later) {
			*next = IPPROTO_FRAGMENT;
			next = p;
			put16(p + 2, s->frag_later ? (10 << 3) | 1 : 1);
			p += 8;
		}
		*next = s->proto;
	}
	last_l4 = p - buf;
	if (!s->frag_later) {	/* later fragments carry no L4 header */
		memcpy(p, l4, l4len);
		p += l4len;
	}
	p += s->payload;
	if ((size_t)(p - buf) < s->pad_to)
		p = buf + s->pad_to;	/* buf is zeroed */
	return (size_t)(p - buf) > s->trim ? (size_t)(p - buf) - s->trim : 0;
}
