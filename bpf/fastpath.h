/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fastpath.h - the packet most traffic is: a segment of an established TCP
 * connection, carrying data, in an untagged frame with plain IPv4 or IPv6
 * headers.  It cannot matter to any detector (TCP with ACK and data,
 * without SYN or RST, is never a probe): only the blocklist may want it.
 * So it is recognised from a few header bytes, with only its source
 * copied out, before the full parse copies addresses and walks options.
 * Anything else, or anything odd about it, takes the full path, which
 * reaches the same verdict.
 */
#ifndef SG_FASTPATH_H
#define SG_FASTPATH_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include "sg_parse.h"

/* The family (4 or 6) of an established TCP segment with data (per the IP
 * length, not the frame's: Ethernet padding is not data, and a bare ACK
 * may be a probe), its source in *src; else 0 and *src untouched. */
static __always_inline int sg_fast_established(void *data, void *data_end, struct sg_addr *src)
{
	struct ethhdr *eth = data;
	__u32 room, doff, v4 = 0;
	__u8 *th, *src6 = 0;

	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ((__u8 *)ip)[0] != 0x45 ||
		    ip->protocol != IPPROTO_TCP || (ip->frag_off & bpf_htons(0x3fff)))
			return 0;
		room = bpf_ntohs(ip->tot_len);
		if (room < sizeof(*ip))
			return 0;
		room -= sizeof(*ip);
		th = (void *)(ip + 1);
		v4 = ip->saddr;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || (((__u8 *)ip6)[0] >> 4) != 6 ||
		    ip6->nexthdr != IPPROTO_TCP)
			return 0;
		room = bpf_ntohs(ip6->payload_len);	/* 0: a jumbogram, full path */
		th = (void *)(ip6 + 1);
		src6 = (__u8 *)&ip6->saddr;
	} else {
		return 0;
	}
	if ((void *)(th + 20) > data_end)
		return 0;
	doff = (th[12] >> 4) * 4;
	if (doff < 20 || (void *)(th + doff) > data_end || room <= doff ||
	    (th[13] & (SG_TCP_ACK | SG_TCP_SYN | SG_TCP_RST)) != SG_TCP_ACK)
		return 0;
	if (src6) {
		__builtin_memcpy(src, src6, sizeof(*src));
		return 6;
	}
	sg_addr_from_v4(src, v4);
	return 4;
}

#endif /* SG_FASTPATH_H */
