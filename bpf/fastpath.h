/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fastpath.h - what a few header bytes decide before the full parse.
 * The source of an untagged IPv4 or IPv6 packet is at a fixed offset, and
 * it is all the blocklist needs: a blocked source's frame is dropped
 * without the full parse zeroing `struct sg_pkt`, copying addresses and
 * walking options.  And the packet most traffic is, a segment of an
 * established TCP connection carrying data, cannot matter to any detector
 * (TCP with ACK and data, without SYN or RST, is never a probe): it needs
 * nothing more.  Anything else, or anything odd, takes the full path,
 * which reaches the same verdict.
 */
#ifndef SG_FASTPATH_H
#define SG_FASTPATH_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include "sg_parse.h"

/* The family (4 or 6) of an untagged frame whose IP header the full parse
 * would accept too (so both agree on its source), with *src pointing at
 * its source address in the frame (4 or 16 bytes); else 0.  *est says
 * whether it is an established TCP segment with data (per the IP length,
 * not the frame's: Ethernet padding is not data, and a bare ACK may be a
 * probe) in a plain header.  The source is not copied here: established
 * traffic needs it only while something is blocked. */
static __always_inline int sg_peek(void *data, void *data_end, const void **src, int *est)
{
	struct ethhdr *eth = data;
	__u32 room, doff, hlen;
	int fam;
	__u8 *th;

	*est = 0;
	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		/* sg_parse_ipv4()'s checks. */
		if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl < 5)
			return 0;
		hlen = ip->ihl * 4;
		room = bpf_ntohs(ip->tot_len);
		if ((void *)ip + hlen > data_end || room < hlen)
			return 0;
		*src = &ip->saddr;
		fam = 4;
		if (hlen != sizeof(*ip) || ip->protocol != IPPROTO_TCP ||
		    (ip->frag_off & bpf_htons(0x3fff)))
			return 4;
		room -= sizeof(*ip);
		th = (void *)(ip + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return 0;
		*src = &ip6->saddr;
		fam = 6;
		if (ip6->nexthdr != IPPROTO_TCP)
			return 6;
		room = bpf_ntohs(ip6->payload_len);	/* 0: a jumbogram, full path */
		th = (void *)(ip6 + 1);
	} else {
		return 0;
	}
	if ((void *)(th + 20) > data_end)
		return fam;
	doff = (th[12] >> 4) * 4;
	if (doff < 20 || (void *)(th + doff) > data_end || room <= doff ||
	    (th[13] & (SG_TCP_ACK | SG_TCP_SYN | SG_TCP_RST)) != SG_TCP_ACK)
		return fam;
	*est = 1;
	return fam;
}

/* Copies out the source sg_peek() found. */
static __always_inline void sg_peek_src(int fam, const void *src, struct sg_addr *a)
{
	if (fam == 4)
		sg_addr_from_v4(a, *(const __u32 *)src);
	else
		__builtin_memcpy(a, src, sizeof(*a));
}

#endif /* SG_FASTPATH_H */
