// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* gen.c - random and mutated frames (see gen.h), built with pkt.c. */
#include <netinet/in.h>
#include <string.h>
#include "gen.h"
#include "pkt.h"
#include "sg_parse.h"

static int last_family;
static size_t last_l3;

int gen_family(void)
{
	return last_family;
}

static const uint16_t ports[] = { 0, 1, 7, 22, 53, 80, 123, 443, 3389, 8080, 65535 };

static uint16_t rand_port(struct rng *r)
{
	return rng_below(r, 2) ? ports[rng_below(r, sizeof(ports) / sizeof(ports[0]))]
			       : (uint16_t)rng_next(r);
}

static size_t build(struct rng *r, struct pkt_spec *s, uint8_t *buf, size_t cap)
{
	size_t len;

	s->src = s->family == 6 ? "2001:db8::2" : "198.18.0.2";
	s->dst = s->family == 6 ? "2001:db8::1" : "198.18.0.1";
	s->sport = rand_port(r);
	s->dport = rand_port(r);
	s->vlans = rng_below(r, 8) == 0 ? 1 + rng_below(r, 2) : 0;
	if (s->family == 4 && rng_below(r, 8) == 0)
		s->ip_opts = 4 * rng_below(r, 11);
	if (s->family == 6 && rng_below(r, 8) == 0)
		s->ext_hdrs = rng_below(r, SG_IPV6_EXT_MAX + 2);
	if (rng_below(r, 6) == 0)
		s->pad_to = 60;
	len = pkt_build(s, buf, cap);
	last_family = s->family;
	last_l3 = pkt_l3_off();
	return len;
}

size_t gen_frame(struct rng *r, uint8_t *buf, size_t cap)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_TCP, IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMP, 47, 89, 0 };
	struct pkt_spec s = { .family = rng_below(r, 3) ? 4 : 6 };
	uint32_t shape = rng_below(r, 16);

	s.proto = protos[rng_below(r, sizeof(protos) / sizeof(protos[0]))];
	if (s.proto == IPPROTO_ICMP && s.family == 6)
		s.proto = IPPROTO_ICMPV6;
	s.tcp_flags = rng_below(r, 2) ? (uint8_t)rng_next(r)
		      : (uint8_t[]){ SG_TCP_SYN, SG_TCP_ACK, SG_TCP_SYN | SG_TCP_ACK, 0, SG_TCP_FIN,
				     SG_TCP_RST, SG_TCP_FIN | SG_TCP_PSH | SG_TCP_URG,
				     SG_TCP_FIN | SG_TCP_ACK }[rng_below(r, 8)];
	if (rng_below(r, 8) == 0)
		s.tcp_doff = 5 + rng_below(r, 11);
	s.sctp_chunk = rng_below(r, 2) ? 1 : (uint8_t)rng_next(r);
	s.payload = rng_below(r, 3) ? 0 : rng_below(r, 200);
	if (shape == 0)
		s.frag_first = true;
	else if (shape == 1)
		s.frag_later = true;
	if (shape == 0 && rng_below(r, 2))
		s.l4_cut = 1 + rng_below(r, 19);	/* a tiny first fragment */
	if (rng_below(r, 32) == 0)
		s.family = 0;				/* ARP */
	return build(r, &s, buf, cap);
}

size_t gen_benign_frame(struct rng *r, uint8_t *buf, size_t cap)
{
	struct pkt_spec s = { .family = rng_below(r, 3) ? 4 : 6, .proto = IPPROTO_TCP };

	switch (rng_below(r, 6)) {
	case 0:
		s.tcp_flags = SG_TCP_SYN | SG_TCP_ACK;
		break;
	case 1:
		s.tcp_flags = SG_TCP_RST | (rng_below(r, 2) ? SG_TCP_ACK : 0);
		break;
	case 2:
		s.proto = s.family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		break;
	case 3:
		s.frag_later = true;
		s.payload = 8 + rng_below(r, 100);
		break;
	default:
		s.tcp_flags = SG_TCP_ACK | (rng_below(r, 2) ? SG_TCP_PSH : 0) |
			      (rng_below(r, 4) ? 0 : SG_TCP_FIN);
		s.payload = 1 + rng_below(r, 1400);
	}
	return build(r, &s, buf, cap);
}

void gen_mutate(struct rng *r, uint8_t *buf, size_t *len, size_t cap)
{
	static const uint8_t edge[] = { 0x00, 0xff, 0x01, 0x80, 0x7f, 0x45, 0x60, 0x06, 0x11,
					0x2c, 0x3a };
	uint32_t n = 1 + rng_below(r, 4);

	for (uint32_t i = 0; i < n && *len; i++) {
		/* Headers are where the parser's decisions are. */
		size_t span = *len < 96 ? *len : 96;
		size_t at = rng_below(r, span);

		switch (rng_below(r, 6)) {
		case 0:
		case 1:
			buf[at] ^= 1u << rng_below(r, 8);
			break;
		case 2:
			buf[at] = edge[rng_below(r, sizeof(edge))];
			break;
		case 3:
			buf[at] = (uint8_t)rng_next(r);
			break;
		case 4:
			*len = rng_below(r, *len + 1);
			break;
		case 5:
			if (*len < cap) {
				size_t add = 1 + rng_below(r, cap - *len < 64 ? cap - *len : 64);

				for (size_t j = 0; j < add; j++)
					buf[*len + j] = (uint8_t)rng_next(r);
				*len += add;
			}
			break;
		}
	}
}

size_t gen_noise(struct rng *r, uint8_t *buf, size_t min, size_t max)
{
	size_t len = min + rng_below(r, max - min + 1);

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rng_next(r);
	/* Often an IP EtherType, so the noise reaches the IP parsers. */
	if (len >= 14 && rng_below(r, 2)) {
		buf[12] = rng_below(r, 2) ? 0x08 : 0x86;
		buf[13] = buf[12] == 0x08 ? 0x00 : 0xdd;
		if (len > 14)
			buf[14] = buf[12] == 0x08 ? 0x45 : 0x60;
	}
	return len;
}

void gen_set_addrs(uint8_t *buf, const struct sg_addr *src, const struct sg_addr *dst)
{
	uint8_t *ip = buf + last_l3;

	if (last_family == 4) {
		memcpy(ip + 12, &src->w[3], 4);
		memcpy(ip + 16, &dst->w[3], 4);
	} else if (last_family == 6) {
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	}
}
