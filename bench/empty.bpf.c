// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * empty.bpf.c - the empty XDP program: the floor every number is compared
 * with.  Timed through BPF_PROG_TEST_RUN it is the cost of running any XDP
 * program at all; attached to the live test's veth it is the cost of the
 * native XDP receive path without any work in it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int bench_empty(struct xdp_md *ctx)
{
	return XDP_PASS;
}
