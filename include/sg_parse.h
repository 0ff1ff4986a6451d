/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sg_parse.h - the packet parser: Ethernet (up to two VLAN tags), IPv4 (with
 * options), IPv6 (a bounded chain of extension headers), then TCP, UDP and
 * ICMP/ICMPv6.  It only reads between data and data_end and checks every
 * header before touching it, so the same code runs in the XDP program and in
 * userspace (tools and the fuzzer) and gives the same answer on both.
 */
#ifndef SG_PARSE_H
#define SG_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "scanguard.h"

#ifdef __bpf__
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#define SG_UNROLL _Pragma("unroll")
#else
#include <netinet/in.h>
#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define SG_UNROLL
#endif

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

enum sg_parse_result {
	SG_PARSE_OK = 0,	/* L3 and L4 headers parsed */
	SG_PARSE_NO_L4,		/* IP parsed; no L4 header to look at (later fragment, other protocol) */
	SG_PARSE_TINY_FRAG,	/* first fragment too short for its L4 header (an evasion) */
	SG_PARSE_BAD_L4,	/* IP parsed, source known; L4 header truncated or malformed */
	SG_PARSE_BAD_L3,	/* IP header truncated or malformed: source unknown */
	SG_PARSE_NOT_IP,	/* not IPv4/IPv6 (ARP, LLDP, ...) */
};

enum sg_frag {
	SG_FRAG_NONE = 0,
	SG_FRAG_FIRST,		/* offset 0, more fragments follow */
	SG_FRAG_LATER,		/* offset > 0: no L4 header */
};

struct sg_pkt {
	struct sg_addr src;
	struct sg_addr dst;
	__u16 sport;		/* host byte order */
	__u16 dport;		/* host byte order */
	__u8 family;		/* 4 or 6 once L3 parsed */
	__u8 l4proto;		/* IPPROTO_* of the transport header */
	__u8 tcp_flags;		/* FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ... */
	__u8 frag;		/* enum sg_frag */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 vlans;		/* VLAN tags seen */
	__u8 ip_ttl;		/* IPv4 TTL / IPv6 hop limit */
	__u8 sctp_chunk;	/* type of the first SCTP chunk */
	__u8 has_ports;		/* sport/dport valid (also for a tiny fragment with 4+ bytes) */
	__u16 l4_room;		/* bytes after the L3 headers, per the IP length fields */
	__u16 l4_payload;	/* bytes after the L4 header, per the IP length fields */
};

#define SG_TCP_FIN 0x01
#define SG_TCP_SYN 0x02
#define SG_TCP_RST 0x04
#define SG_TCP_PSH 0x08
#define SG_TCP_ACK 0x10
#define SG_TCP_URG 0x20

static __always_inline void sg_addr_from_v4(struct sg_addr *a, __u32 v4)
{
	a->w[0] = 0;
	a->w[1] = 0;
	a->w[2] = bpf_htonl(0x0000ffff);
	a->w[3] = v4;
}

/* Parses Ethernet and VLAN tags; returns the EtherType (network order) and
 * advances *pos, or 0 when the frame is too short. */
static __always_inline __u16 sg_parse_eth(void **pos, void *data_end, struct sg_pkt *p)
{
	struct ethhdr *eth = *pos;
	__u16 proto;

	if ((void *)(eth + 1) > data_end)
		return 0;
	proto = eth->h_proto;
	*pos = eth + 1;

	SG_UNROLL
	for (int i = 0; i < SG_VLAN_MAX_DEPTH; i++) {
		/* 802.1Q / 802.1ad tag: TCI then the inner EtherType. */
		__u16 *tag = *pos;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(tag + 2) > data_end)
			return 0;
		proto = tag[1];
		*pos = tag + 2;
		p->vlans++;
	}
	return proto;
}

static __always_inline int sg_parse_ipv4(void **pos, void *data_end, struct sg_pkt *p)
{
	struct iphdr *iph = *pos;
	__u32 hlen;
	__u16 frag;

	if ((void *)(iph + 1) > data_end)
		return SG_PARSE_BAD_L3;
	if (iph->version != 4 || iph->ihl < 5)
		return SG_PARSE_BAD_L3;
	hlen = iph->ihl * 4;
	if ((void *)iph + hlen > data_end || bpf_ntohs(iph->tot_len) < hlen)
		return SG_PARSE_BAD_L3;
	/* Bound L4 by the IP length, not the frame: short frames are padded. */
	p->l4_room = bpf_ntohs(iph->tot_len) - hlen;

	p->family = 4;
	sg_addr_from_v4(&p->src, iph->saddr);
	sg_addr_from_v4(&p->dst, iph->daddr);
	p->l4proto = iph->protocol;
	p->ip_ttl = iph->ttl;

	frag = bpf_ntohs(iph->frag_off);
	if (frag & 0x1fff) {
		p->frag = SG_FRAG_LATER;
		return SG_PARSE_NO_L4;
	}
	if (frag & 0x2000)
		p->frag = SG_FRAG_FIRST;
	*pos = (void *)iph + hlen;
	return SG_PARSE_OK;
}

static __always_inline int sg_parse_ipv6(void **pos, void *data_end, struct sg_pkt *p)
{
	struct ipv6hdr *ip6 = *pos;
	__u32 ext_len = 0, plen;
	__u8 nexthdr;

	if ((void *)(ip6 + 1) > data_end)
		return SG_PARSE_BAD_L3;
	if (ip6->version != 6)
		return SG_PARSE_BAD_L3;

	p->family = 6;
	__builtin_memcpy(&p->src, &ip6->saddr, sizeof(p->src));
	__builtin_memcpy(&p->dst, &ip6->daddr, sizeof(p->dst));
	p->ip_ttl = ip6->hop_limit;
	nexthdr = ip6->nexthdr;
	plen = bpf_ntohs(ip6->payload_len);
	*pos = ip6 + 1;

	SG_UNROLL
	for (int i = 0; i < SG_IPV6_EXT_MAX; i++) {
		__u8 *hdr = *pos;
		__u32 len;

		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if ((void *)(hdr + 8) > data_end)
				return SG_PARSE_BAD_L4;
			len = ((__u32)hdr[1] + 1) * 8;
			break;
		case IPPROTO_AH:
			if ((void *)(hdr + 8) > data_end)
				return SG_PARSE_BAD_L4;
			len = ((__u32)hdr[1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT: {
			__u16 off;

			if ((void *)(hdr + 8) > data_end)
				return SG_PARSE_BAD_L4;
			off = ((__u16)hdr[2] << 8) | hdr[3];
			if (off & 0xfff8) {
				p->l4proto = hdr[0];
				p->frag = SG_FRAG_LATER;
				return SG_PARSE_NO_L4;
			}
			if (off & 1)
				p->frag = SG_FRAG_FIRST;
			len = 8;
			break;
		}
		default:
			goto done;
		}
		nexthdr = hdr[0];
		*pos = hdr + len;
		ext_len += len;
	}
	/* More extension headers than we walk: treat as malformed. */
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		return SG_PARSE_BAD_L4;
	}
done:
	p->l4proto = nexthdr;
	/* A zero payload length (jumbogram) is bounded by the frame alone. */
	p->l4_room = plen == 0 ? 0xffff : plen > ext_len ? plen - ext_len : 0;
	return SG_PARSE_OK;
}

/* An L4 header must fit both the IP length and the frame.  A first
 * fragment whose IP length cannot hold it is an evasion (nmap -f), not an
 * error; a frame shorter than its IP length is malformed. */
static __always_inline int sg_l4_short(const struct sg_pkt *p)
{
	return p->frag == SG_FRAG_FIRST ? SG_PARSE_TINY_FRAG : SG_PARSE_BAD_L4;
}

static __always_inline int sg_parse_l4(void *pos, void *data_end, struct sg_pkt *p)
{
	__u8 *b = pos;

	/* Ports lead TCP, UDP and SCTP headers alike: keep them even when the
	 * rest is cut short, so a tiny fragment still names its target. */
	if (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP ||
	    p->l4proto == IPPROTO_SCTP) {
		if ((void *)(b + 4) <= data_end && p->l4_room >= 4) {
			p->sport = ((__u16)b[0] << 8) | b[1];
			p->dport = ((__u16)b[2] << 8) | b[3];
			p->has_ports = 1;
		}
	}

	switch (p->l4proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = pos;
		__u32 hlen;

		if (p->l4_room < sizeof(*th))
			return sg_l4_short(p);
		if ((void *)(th + 1) > data_end)
			return SG_PARSE_BAD_L4;
		hlen = th->doff * 4;
		if (hlen < sizeof(*th))
			return SG_PARSE_BAD_L4;
		if (p->l4_room < hlen)
			return sg_l4_short(p);
		if (pos + hlen > data_end)
			return SG_PARSE_BAD_L4;
		p->tcp_flags = b[13];
		p->l4_payload = p->l4_room - hlen;
		return SG_PARSE_OK;
	}
	case IPPROTO_UDP:
		if (p->l4_room < 8)
			return sg_l4_short(p);
		if ((void *)(b + 8) > data_end)
			return SG_PARSE_BAD_L4;
		p->l4_payload = p->l4_room - 8;
		return SG_PARSE_OK;
	case IPPROTO_SCTP:
		/* Common header (12 bytes), then the first chunk's type. */
		if (p->l4_room < 13)
			return sg_l4_short(p);
		if ((void *)(b + 13) > data_end)
			return SG_PARSE_BAD_L4;
		p->sctp_chunk = b[12];
		return SG_PARSE_OK;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Each family has its own: ICMPv6 in IPv4, or ICMP in IPv6, is
		 * a protocol nothing here speaks (nmap -sO probes it). */
		if ((p->l4proto == IPPROTO_ICMP) != (p->family == 4))
			return SG_PARSE_NO_L4;
		if ((void *)(b + 4) > data_end || p->l4_room < 4)
			return SG_PARSE_BAD_L4;
		p->icmp_type = b[0];
		p->icmp_code = b[1];
		return SG_PARSE_OK;
	}
	return SG_PARSE_NO_L4;
}

/* Parses one frame into *p (which the caller zeroes).  The result says how
 * far it got; p->src is valid for every result below SG_PARSE_BAD_L3. */
static __always_inline int sg_parse(void *data, void *data_end, struct sg_pkt *p)
{
	void *pos = data;
	__u16 proto;
	int ret;

	proto = sg_parse_eth(&pos, data_end, p);
	if (proto == bpf_htons(ETH_P_IP))
		ret = sg_parse_ipv4(&pos, data_end, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ret = sg_parse_ipv6(&pos, data_end, p);
	else
		return proto ? SG_PARSE_NOT_IP : SG_PARSE_BAD_L3;
	if (ret != SG_PARSE_OK)
		return ret;
	return sg_parse_l4(pos, data_end, p);
}

#endif /* SG_PARSE_H */
