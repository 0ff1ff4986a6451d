/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * classify.h - decides whether a parsed packet is a probe (a packet that
 * opens or tests a port, or in front of a segment a host), what target it
 * tests, and whether that target is open (a success) or not (a failure).
 *
 * Host mode asks the kernel's socket tables: a SYN to a listener is a
 * success (the answer kept for a clock tick); a SYN, UDP datagram or bare
 * ACK that reaches no socket is a failure; replies to this host's own
 * traffic reach its sockets and are never probes.  Segment mode asks the
 * exposed-services map instead, and the flows map for answers to the
 * segment's own outbound traffic.
 */
#ifndef SG_CLASSIFY_H
#define SG_CLASSIFY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "scanguard.h"
#include "sg_parse.h"
#include "sg_probe.h"
#include "maps.h"

/* The kernel's socket lookups take the packet's own tuple, or with
 * any_source its destination alone (source 0.0.0.0:0 or [::]:0). */
static __always_inline __u32 sg_fill_tuple(const struct sg_pkt *p, struct bpf_sock_tuple *t,
					   int any_source)
{
	if (p->family == 4) {
		if (!any_source) {
			t->ipv4.saddr = p->src.w[3];
			t->ipv4.sport = bpf_htons(p->sport);
		}
		t->ipv4.daddr = p->dst.w[3];
		t->ipv4.dport = bpf_htons(p->dport);
		return sizeof(t->ipv4);
	}
	if (!any_source) {
		__builtin_memcpy(t->ipv6.saddr, &p->src, sizeof(t->ipv6.saddr));
		t->ipv6.sport = bpf_htons(p->sport);
	}
	__builtin_memcpy(t->ipv6.daddr, &p->dst, sizeof(t->ipv6.daddr));
	t->ipv6.dport = bpf_htons(p->dport);
	return sizeof(t->ipv6);
}

/* True when a socket of this host would take the packet: a listener or a
 * connection for TCP, a bound socket for UDP.  With any_source, a TCP
 * lookup asks only whether the port has a listener: the established-
 * connection table is then always read at the same hot bucket, where a new
 * source's own tuple reads a cold one (SG_SK_LOOKUP_LISTENER, below). */
static __always_inline int sg_has_socket(struct xdp_md *ctx, const struct sg_pkt *p,
					 int any_source)
{
	struct bpf_sock_tuple tup = {};
	__u32 size = sg_fill_tuple(p, &tup, any_source);
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

/* Whether a destination port has a listener depends on neither the source
 * nor the packet, and a SYN flood's thousands of sources a millisecond ask
 * it of a few ports: each CPU keeps the answers of the current slice of the
 * clock (2^20 ns; with the jiffies clock, which stands still for a tick,
 * the current tick), so a listener opened or closed is seen within one
 * slice or tick.  An entry is the (destination, port) hash, the slice and
 * the answer in one word; another slice's entry is a miss. */
#define SG_LISTEN_CACHE_SLOTS	2048	/* power of two */

struct sg_listen_cache {
	__u64 e[SG_LISTEN_CACHE_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_listen_cache);
} sg_listen_cache SEC(".maps");

static __always_inline int sg_has_listener(struct xdp_md *ctx, const struct sg_pkt *p, __u64 now)
{
	__u32 zero = 0, h = sg_dst_hash(&p->dst, 0x3c6ef372u ^ p->dport);
	struct sg_listen_cache *c = bpf_map_lookup_elem(&sg_listen_cache, &zero);
	__u64 key = (__u64)h << 32 | (now >> 20 & 0x7fffffff) << 1, *e;
	int open;

	if (!c)
		return sg_has_socket(ctx, p, 1);
	e = &c->e[h & (SG_LISTEN_CACHE_SLOTS - 1)];
	if ((*e & ~1ULL) == key)	/* h is never 0, so neither is key */
		return *e & 1;
	open = sg_has_socket(ctx, p, 1);
	*e = key | open;
	return open;
}

/* Is the target open?  Segment mode: exposed.  Host mode (only TCP SYNs
 * get here): a listener for the port, or with socket-lookup exact a socket
 * for the SYN's own tuple, which sk_lookup programs that steer by source
 * need (SECURITY.md). */
static __always_inline int sg_target_open(struct xdp_md *ctx, const struct sg_pkt *p,
					  const struct sg_config *cfg, __u8 pc, __u16 port,
					  __u64 now)
{
	if (cfg->protect == SG_PROTECT_SEGMENT)
		return sg_is_exposed(p, pc, port);
	if (cfg->sk_lookup == SG_SK_LOOKUP_EXACT)
		return sg_has_socket(ctx, p, 0);
	return sg_has_listener(ctx, p, now);
}

/* Classifies a packet: sg_candidate() says what it can be, the lookups here
 * settle whether it reached a connection and whether its target is open. */
static __always_inline struct sg_probe sg_classify(struct xdp_md *ctx, const struct sg_pkt *p,
						   int res, __u32 protect)
{
	struct sg_probe pr = sg_candidate(p, res, protect);

	if (!pr.kind)
		return pr;
	if (pr.check == SG_CHECK_CONN) {
		/* Segment mode: an answer to the segment's own flow, or
		 * traffic of an exposed service (its clients' bare ACKs). */
		int traffic = protect == SG_PROTECT_SEGMENT
			? sg_is_answer(p, pr.pc) || sg_is_exposed(p, pr.pc, pr.port)
			: sg_has_socket(ctx, p, 0);

		if (traffic) {
			pr.kind = 0;
			return pr;
		}
	}
	/* SG_CHECK_OPEN is left to sg_probe_open(): whether the target is
	 * open only matters on first contact, which the source's set says. */
	sg_probe_targets(&pr, p, protect);
	return pr;
}

/* Whether the probe's target is open, looked up now if classify left it. */
static __always_inline __u8 sg_probe_open(struct xdp_md *ctx, const struct sg_pkt *p,
					  const struct sg_probe *pr, const struct sg_config *cfg,
					  __u64 now)
{
	if (pr->check != SG_CHECK_OPEN)
		return pr->open;
	return sg_target_open(ctx, p, cfg, pr->pc, pr->port, now);
}

#endif /* SG_CLASSIFY_H */
