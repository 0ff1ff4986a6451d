/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * classify.h - decides whether a parsed packet is a probe (a packet that
 * opens or tests a port) and which target it tests.  Replies to this host's
 * own traffic are never probes: TCP replies carry ACK or RST, and UDP replies
 * (DNS, NTP, QUIC answers) reach a socket the host opened, which the kernel's
 * socket lookup finds.
 */
#ifndef SG_CLASSIFY_H
#define SG_CLASSIFY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "scanguard.h"
#include "sg_parse.h"

struct sg_probe {
	__u32 kind;	/* one SG_PROBE_* bit, 0 = not a probe */
	__u32 target;	/* SG_TARGET() */
};

static __always_inline __u32 sg_tcp_probe_kind(__u8 flags)
{
	if ((flags & (SG_TCP_SYN | SG_TCP_ACK)) == SG_TCP_SYN)
		return SG_PROBE_SYN;
	if (flags & (SG_TCP_SYN | SG_TCP_ACK | SG_TCP_RST))
		return 0;
	/* Legitimate TCP always carries SYN, ACK or RST; these test ports. */
	if (flags == 0)
		return SG_PROBE_NULL;
	if (flags == SG_TCP_FIN)
		return SG_PROBE_FIN;
	if ((flags & (SG_TCP_FIN | SG_TCP_PSH | SG_TCP_URG)) ==
	    (SG_TCP_FIN | SG_TCP_PSH | SG_TCP_URG))
		return SG_PROBE_XMAS;
	return SG_PROBE_STEALTH;
}

/* True when a UDP socket of this host would receive the datagram. */
static __always_inline int sg_udp_has_socket(struct xdp_md *ctx, const struct sg_pkt *p)
{
	struct bpf_sock_tuple tup = {};
	struct bpf_sock *sk;
	__u32 size;

	if (p->family == 4) {
		tup.ipv4.saddr = p->src.w[3];
		tup.ipv4.daddr = p->dst.w[3];
		tup.ipv4.sport = bpf_htons(p->sport);
		tup.ipv4.dport = bpf_htons(p->dport);
		size = sizeof(tup.ipv4);
	} else {
		__builtin_memcpy(tup.ipv6.saddr, &p->src, sizeof(tup.ipv6.saddr));
		__builtin_memcpy(tup.ipv6.daddr, &p->dst, sizeof(tup.ipv6.daddr));
		tup.ipv6.sport = bpf_htons(p->sport);
		tup.ipv6.dport = bpf_htons(p->dport);
		size = sizeof(tup.ipv6);
	}
	sk = bpf_sk_lookup_udp(ctx, &tup, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	bpf_sk_release(sk);
	return 1;
}

static __always_inline struct sg_probe sg_classify(struct xdp_md *ctx, const struct sg_pkt *p)
{
	struct sg_probe pr = {};

	if (p->l4proto == IPPROTO_TCP) {
		pr.kind = sg_tcp_probe_kind(p->tcp_flags);
		pr.target = SG_TARGET(SG_PC_TCP, p->dport);
	} else if (p->l4proto == IPPROTO_UDP) {
		if (!sg_udp_has_socket(ctx, p))
			pr.kind = SG_PROBE_UDP;
		pr.target = SG_TARGET(SG_PC_UDP, p->dport);
	}
	return pr;
}

#endif /* SG_CLASSIFY_H */
