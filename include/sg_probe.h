/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sg_probe.h - the part of probe classification that needs nothing but the
 * parsed packet: which packets can be probes, of what kind, against which
 * target, with what weight, and which lookup (if any) settles it.  Shared
 * by the XDP program (bpf/classify.h adds the socket, exposed-service and
 * flow lookups) and userspace (the fuzzer's model of the program).
 */
#ifndef SG_PROBE_H
#define SG_PROBE_H

#include "scanguard.h"
#include "sg_parse.h"

enum sg_check {
	SG_CHECK_NONE = 0,	/* a probe, and a failure, as it stands */
	SG_CHECK_OPEN,		/* a probe; a lookup says whether its target is open */
	SG_CHECK_CONN,		/* a probe only if it belongs to no connection or flow */
};

struct sg_probe {
	__u32 kind;	/* one SG_PROBE_* bit; 0 = not a probe */
	__u32 target;	/* what "distinct" counts */
	__u32 host;	/* segment mode: the destination as a target, for sweeps */
	__u16 port;
	__u8 pc;	/* enum sg_proto_class */
	__u8 open;	/* the target is open: a success */
	__u8 weight;	/* score steps a failure adds */
	__u8 check;	/* enum sg_check */
	__u8 first;	/* XDP: first contact with the target this window (evidence) */
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

static __always_inline __u8 sg_l4_class(__u8 l4proto)
{
	switch (l4proto) {
	case IPPROTO_TCP: return SG_PC_TCP;
	case IPPROTO_UDP: return SG_PC_UDP;
	case IPPROTO_SCTP: return SG_PC_SCTP;
	}
	return SG_PC_IPPROTO;
}

/* ICMP of the packet's own family (the parser reads no other). */
static __always_inline int sg_is_icmp(const struct sg_pkt *p)
{
	return p->l4proto == (p->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
}

/* What the packet can be, before any lookup. */
static __always_inline struct sg_probe sg_candidate(const struct sg_pkt *p, int res,
						    __u32 protect)
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
		if (p->frag == SG_FRAG_LATER || sg_is_icmp(p))
			return pr;
		pr.kind = SG_PROBE_PROTO;
		pr.pc = SG_PC_IPPROTO;
		pr.port = p->l4proto;
		pr.weight = 0;
	} else if (res != SG_PARSE_OK) {
		return pr;
	} else if (p->l4proto == IPPROTO_TCP) {
		pr.pc = SG_PC_TCP;
		pr.port = p->dport;
		if ((flags & (SG_TCP_SYN | SG_TCP_ACK)) == SG_TCP_SYN) {
			pr.kind = SG_PROBE_SYN;
			pr.check = SG_CHECK_OPEN;
		} else if (!(flags & (SG_TCP_SYN | SG_TCP_ACK | SG_TCP_RST))) {
			/* Legitimate TCP always carries SYN, ACK or RST. */
			pr.kind = sg_tcp_stealth_kind(flags);
			pr.weight = SG_STEALTH_WEIGHT;
		} else if ((flags & SG_TCP_ACK) && !(flags & (SG_TCP_SYN | SG_TCP_RST)) &&
			   p->l4_payload == 0) {
			/* A bare ACK or FIN+ACK (nmap -sA, -sW, -sM) is a probe
			 * only when it belongs to no connection. */
			pr.kind = SG_PROBE_ACK;
			pr.check = SG_CHECK_CONN;
		}
	} else if (p->l4proto == IPPROTO_UDP) {
		/* A datagram a socket takes, or the answer to one the segment
		 * sent, is traffic, not a probe. */
		pr.kind = SG_PROBE_UDP;
		pr.pc = SG_PC_UDP;
		pr.port = p->dport;
		pr.check = SG_CHECK_CONN;
	} else if (p->l4proto == IPPROTO_SCTP) {
		/* Chunk type 1 is INIT, what nmap -sY sends. */
		if (p->sctp_chunk == 1) {
			pr.kind = SG_PROBE_SCTP;
			pr.pc = SG_PC_SCTP;
			pr.port = p->dport;
			pr.check = protect == SG_PROTECT_SEGMENT ? SG_CHECK_OPEN : SG_CHECK_NONE;
		}
	} else if (sg_is_icmp(p)) {
		/* Echo requests only matter as a sweep across a segment. */
		if (protect == SG_PROTECT_SEGMENT &&
		    ((p->l4proto == IPPROTO_ICMP && p->icmp_type == 8) ||
		     (p->l4proto == IPPROTO_ICMPV6 && p->icmp_type == 128))) {
			pr.kind = SG_PROBE_ECHO;
			pr.pc = SG_PC_ICMP;
			pr.check = SG_CHECK_OPEN;
		}
	}
	return pr;
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

/* Fills what "distinct" counts: in host mode the class and port, in
 * segment mode the (destination, class, port) and the destination. */
static __always_inline void sg_probe_targets(struct sg_probe *pr, const struct sg_pkt *p,
					     __u32 protect)
{
	__u16 port = pr->port;

	/* traceroute sends a dozen or more probes at once to the ports after
	 * 33434: they are one target, so tracing the route to a host is a
	 * single failure. */
	if (pr->pc == SG_PC_UDP && (__u16)(port - SG_TRACEROUTE_PORT) < SG_TRACEROUTE_PORTS)
		port = SG_TRACEROUTE_PORT;
	if (protect == SG_PROTECT_SEGMENT) {
		pr->target = sg_dst_hash(&p->dst, SG_TARGET(pr->pc, port));
		pr->host = sg_dst_hash(&p->dst, 0x5bd1e995u);
	} else {
		pr->target = SG_TARGET(pr->pc, port);
	}
}

#endif /* SG_PROBE_H */
