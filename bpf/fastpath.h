/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fastpath.h - the packet most traffic is: a segment of an established TCP
 * connection, carrying data, in an untagged frame with plain IPv4 or IPv6
 * headers.  While nothing is blocked it cannot matter to any detector (TCP
 * with ACK and data, without SYN or RST, is never a probe), so it is
 * recognised from a few header bytes before the full parse copies
 * addresses and walks options.  Anything else, or anything odd about it,
 * takes the full path, which reaches the same verdict.
 */
#ifndef SG_FASTPATH_H
#define SG_FASTPATH_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include "sg_parse.h"

/* True for an established TCP segment with data (per the IP length, not the
 * frame's: Ethernet padding is not data, and a bare ACK may be a probe). */
static __always_inline int sg_fast_established(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	__u32 room, doff;
	__u8 *th;

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
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || (((__u8 *)ip6)[0] >> 4) != 6 ||
		    ip6->nexthdr != IPPROTO_TCP)
			return 0;
		room = bpf_ntohs(ip6->payload_len);	/* 0: a jumbogram, full path */
		th = (void *)(ip6 + 1);
	} else {
		return 0;
	}
	if ((void *)(th + 20) > data_end)
		return 0;
	doff = (th[12] >> 4) * 4;
	return doff >= 20 && (void *)(th + doff) <= data_end && room > doff &&
	       (th[13] & (SG_TCP_ACK | SG_TCP_SYN | SG_TCP_RST)) == SG_TCP_ACK;
}

#endif /* SG_FASTPATH_H */
