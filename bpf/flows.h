/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flows.h - segment mode's memory of the segment's own traffic.  The inside
 * program sees packets leaving the segment (on the router's inside
 * interfaces) and records the flows they open, so that the answers coming
 * back through the outside interface are never taken for probes: the role
 * the socket lookup plays in host mode.
 */
#ifndef SG_FLOWS_H
#define SG_FLOWS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "scanguard.h"
#include "sg_parse.h"
#include "maps.h"

/* Refresh an entry at most this often, so a busy flow costs one lookup. */
#define SG_FLOW_REFRESH_NS (1 * SG_NSEC_PER_SEC)

/* Records a flow the segment opens: a TCP SYN or SYN+ACK (it connects out,
 * or answers a connection in) or any UDP datagram.  Returns 1 if recorded. */
static __always_inline int sg_flow_record(const struct sg_pkt *p, __u64 now)
{
	struct sg_flow_key k = {
		.remote = p->dst,
		.local = p->src,
		.remote_port = p->dport,
		.local_port = p->sport,
	};
	__u64 *seen;

	if (p->l4proto == IPPROTO_TCP) {
		if (!(p->tcp_flags & SG_TCP_SYN) || (p->tcp_flags & SG_TCP_RST))
			return 0;
		k.pc = SG_PC_TCP;
	} else if (p->l4proto == IPPROTO_UDP) {
		k.pc = SG_PC_UDP;
	} else {
		return 0;
	}
	seen = bpf_map_lookup_elem(&SG_MAP_FLOWS, &k);
	if (seen && sg_elapsed(now, *seen) < SG_FLOW_REFRESH_NS)
		return 0;
	if (seen) {
		*seen = now;
		return 0;
	}
	return bpf_map_update_elem(&SG_MAP_FLOWS, &k, &now, BPF_ANY) == 0;
}

#endif /* SG_FLOWS_H */
