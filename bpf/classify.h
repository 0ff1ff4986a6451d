/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * classify.h - decides whether a parsed packet is a probe (a packet that
 * opens or tests a port, or in front of a segment a host), what target it
 * tests, and whether that target is open (a success) or not (a failure).
 *
 * Host mode asks the kernel's socket tables: a SYN to a listener is a
 * success; a SYN, UDP datagram or bare ACK that reaches no socket is a
 * failure; replies to this host's own traffic reach its sockets and are
 * never probes.  Segment mode asks the exposed-services map instead, and the
 * flows map for answers to the segment's own outbound traffic.
 */
#ifndef SG_CLASSIFY_H
#define SG_CLASSIFY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "scanguard.h"
#include "sg_parse.h"
#include "maps.h"

struct sg_probe {
	__u32 kind;	/* one SG_PROBE_* bit; 0 = not a probe */
	__u32 target;	/* what "distinct" counts */
	__u32 host;	/* segment mode: the destination as a target, for sweeps */
	__u16 port;
	__u8 pc;	/* enum sg_proto_class */
	__u8 open;	/* the target is open: a success */
	__u8 weight;	/* score steps a failure adds */
	__u8 open_later;	/* open not looked up yet: sg_probe_open() decides */
	__u8 first;	/* set by sg_weigh: first contact with the target (evidence) */
};

static __always_inline __u32 sg_tcp_stealth_kind(__u8 flags)
{
	if (flags == 0)
		return SG_PROBE_NULL;
	if (flags == SG_TCP_FIN)
		return SG_PROBE_FIN;
	if ((flags & (SG_TCP_FIN | SG_TCP_PSH | SG_TCP_URG)) ==
	    (SG_TCP_FIN | SG_TCP_PSH | SG_TCP_URG))
		return SG_PROBE_XMAS;
	return SG_PROBE_STEALTH;
}

static __always_inline __u32 sg_mix(__u32 h, __u32 v)
{
	h ^= v;
	h *= 0x9e3779b1u;
	return h ^ (h >> 15);
}

/* Segment-mode targets: hashes, never 0 (the empty slot). */
static __always_inline __u32 sg_dst_hash(const struct sg_addr *a, __u32 seed)
{
	__u32 h = seed;

	h = sg_mix(h, a->w[0]);
	h = sg_mix(h, a->w[1]);
	h = sg_mix(h, a->w[2]);
	h = sg_mix(h, a->w[3]);
	return h ? h : 1;
}

/* The kernel's socket lookups take the packet's own tuple. */
static __always_inline __u32 sg_fill_tuple(const struct sg_pkt *p, struct bpf_sock_tuple *t)
{
	if (p->family == 4) {
		t->ipv4.saddr = p->src.w[3];
		t->ipv4.daddr = p->dst.w[3];
		t->ipv4.sport = bpf_htons(p->sport);
		t->ipv4.dport = bpf_htons(p->dport);
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, &p->src, sizeof(t->ipv6.saddr));
	__builtin_memcpy(t->ipv6.daddr, &p->dst, sizeof(t->ipv6.daddr));
	t->ipv6.sport = bpf_htons(p->sport);
	t->ipv6.dport = bpf_htons(p->dport);
	return sizeof(t->ipv6);
}

/* True when a socket of this host would take the packet: a listener or a
 * connection for TCP, a bound socket for UDP. */
static __always_inline int sg_has_socket(struct xdp_md *ctx, const struct sg_pkt *p)
{
	struct bpf_sock_tuple tup = {};
	__u32 size = sg_fill_tuple(p, &tup);
	struct bpf_sock *sk;

	if (p->l4proto == IPPROTO_TCP)
		sk = bpf_skc_lookup_tcp(ctx, &tup, size, BPF_F_CURRENT_NETNS, 0);
	else
		sk = bpf_sk_lookup_udp(ctx, &tup, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	bpf_sk_release(sk);
	return 1;
}

static __always_inline int sg_is_exposed(const struct sg_pkt *p, __u8 pc, __u16 port)
{
	struct sg_exposed_key k = {
		.prefixlen = SG_EXPOSED_KEY_BITS,
		.pc = pc,
		.port = port,
		.addr = p->dst,
	};

	if (bpf_map_lookup_elem(&SG_MAP_EXPOSED, &k))
		return 1;
	if (!port)
		return 0;
	k.port = 0;	/* every port of the class */
	return bpf_map_lookup_elem(&SG_MAP_EXPOSED, &k) != 0;
}

/* An inbound packet of a flow the segment opened (recorded by the inside
 * program): an answer, not a probe. */
static __always_inline int sg_is_answer(const struct sg_pkt *p, __u8 pc)
{
	struct sg_flow_key k = {
		.remote = p->src,
		.local = p->dst,
		.remote_port = p->sport,
		.local_port = p->dport,
		.pc = pc,
	};

	return bpf_map_lookup_elem(&SG_MAP_FLOWS, &k) != 0;
}

/* Is the target open?  Host mode: a socket; segment mode: exposed. */
static __always_inline int sg_target_open(struct xdp_md *ctx, const struct sg_pkt *p,
					  __u32 protect, __u8 pc, __u16 port)
{
	if (protect == SG_PROTECT_SEGMENT)
		return sg_is_exposed(p, pc, port);
	return sg_has_socket(ctx, p);
}

static __always_inline __u8 sg_l4_class(__u8 l4proto)
{
	switch (l4proto) {
	case IPPROTO_TCP: return SG_PC_TCP;
	case IPPROTO_UDP: return SG_PC_UDP;
	case IPPROTO_SCTP: return SG_PC_SCTP;
	}
	return SG_PC_IPPROTO;
}

static __always_inline int sg_is_icmp(__u8 l4proto)
{
	return l4proto == IPPROTO_ICMP || l4proto == IPPROTO_ICMPV6;
}

static __always_inline struct sg_probe sg_classify(struct xdp_md *ctx, const struct sg_pkt *p,
						   int res, __u32 protect)
{
	struct sg_probe pr = { .weight = 1 };
	__u8 flags = p->tcp_flags;

	if (res == SG_PARSE_TINY_FRAG) {
		/* Never legitimate (RFC 1858): an attempt to hide the flags. */
		pr.kind = SG_PROBE_FRAG;
		pr.pc = sg_l4_class(p->l4proto);
		pr.port = p->has_ports ? p->dport : 0;
		pr.weight = SG_STEALTH_WEIGHT;
	} else if (res == SG_PARSE_NO_L4) {
		/* A protocol this host does not parse: an IP protocol scan
		 * probes many.  Counted, but no evidence on its own. */
		if (p->frag == SG_FRAG_LATER || sg_is_icmp(p->l4proto))
			return pr;
		pr.kind = SG_PROBE_PROTO;
		pr.pc = SG_PC_IPPROTO;
		pr.port = p->l4proto;
		pr.weight = 0;
	} else if (p->l4proto == IPPROTO_TCP) {
		pr.pc = SG_PC_TCP;
		pr.port = p->dport;
		if ((flags & (SG_TCP_SYN | SG_TCP_ACK)) == SG_TCP_SYN) {
			/* Whether the port is open only matters on first
			 * contact: the socket lookup waits until the target
			 * is known to be new for the source. */
			pr.kind = SG_PROBE_SYN;
			pr.open_later = 1;
		} else if (!(flags & (SG_TCP_SYN | SG_TCP_ACK | SG_TCP_RST))) {
			/* Legitimate TCP always carries SYN, ACK or RST. */
			pr.kind = sg_tcp_stealth_kind(flags);
			pr.weight = SG_STEALTH_WEIGHT;
		} else if ((flags & SG_TCP_ACK) && !(flags & (SG_TCP_SYN | SG_TCP_RST)) &&
			   p->l4_payload == 0) {
			/* A bare ACK or FIN+ACK (nmap -sA, -sW, -sM) is a probe
			 * only when it belongs to no connection. */
			if (protect == SG_PROTECT_SEGMENT) {
				if (sg_is_exposed(p, SG_PC_TCP, p->dport) ||
				    sg_is_answer(p, SG_PC_TCP))
					return pr;
			} else if (sg_has_socket(ctx, p)) {
				return pr;
			}
			pr.kind = SG_PROBE_ACK;
		} else {
			return pr;
		}
	} else if (p->l4proto == IPPROTO_UDP) {
		pr.pc = SG_PC_UDP;
		pr.port = p->dport;
		/* A datagram a socket takes, or the answer to one the segment
		 * sent, is traffic, not a probe. */
		if (protect == SG_PROTECT_SEGMENT) {
			if (sg_is_answer(p, SG_PC_UDP) || sg_is_exposed(p, SG_PC_UDP, p->dport))
				return pr;
		} else if (sg_has_socket(ctx, p)) {
			return pr;
		}
		pr.kind = SG_PROBE_UDP;
	} else if (p->l4proto == IPPROTO_SCTP) {
		/* Chunk type 1 is INIT, what nmap -sY sends. */
		if (p->sctp_chunk != 1)
			return pr;
		pr.kind = SG_PROBE_SCTP;
		pr.pc = SG_PC_SCTP;
		pr.port = p->dport;
		pr.open = protect == SG_PROTECT_SEGMENT && sg_is_exposed(p, SG_PC_SCTP, p->dport);
	} else if (sg_is_icmp(p->l4proto)) {
		/* Echo requests only matter as a sweep across a segment. */
		if (protect != SG_PROTECT_SEGMENT ||
		    !((p->l4proto == IPPROTO_ICMP && p->icmp_type == 8) ||
		      (p->l4proto == IPPROTO_ICMPV6 && p->icmp_type == 128)))
			return pr;
		pr.kind = SG_PROBE_ECHO;
		pr.pc = SG_PC_ICMP;
		pr.open = sg_is_exposed(p, SG_PC_ICMP, 0);
	} else {
		return pr;
	}

	if (protect == SG_PROTECT_SEGMENT) {
		pr.target = sg_dst_hash(&p->dst, SG_TARGET(pr.pc, pr.port));
		pr.host = sg_dst_hash(&p->dst, 0x5bd1e995u);
	} else {
		pr.target = SG_TARGET(pr.pc, pr.port);
	}
	return pr;
}

/* Whether the probe's target is open, looked up now if classify left it. */
static __always_inline __u8 sg_probe_open(struct xdp_md *ctx, const struct sg_pkt *p,
					  const struct sg_probe *pr, __u32 protect)
{
	if (!pr->open_later)
		return pr->open;
	return sg_target_open(ctx, p, protect, pr->pc, pr->port);
}

#endif /* SG_CLASSIFY_H */
