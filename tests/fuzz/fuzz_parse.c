// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_parse.c - libFuzzer target for the packet parser and the lookup-free
 * probe classification (include/sg_parse.h, include/sg_probe.h), the very
 * code the XDP program runs.  Besides AddressSanitizer catching any read
 * past the frame, it asserts the properties the program relies on:
 * results and fields stay in range, classification agrees with the parse,
 * parsing is deterministic, and bytes after the IP datagram (Ethernet
 * padding, trailers) never change a complete parse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scanguard.h"
#include "sg_parse.h"
#include "sg_probe.h"

#define REQUIRE(cond)								\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz_parse: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();						\
		}								\
	} while (0)

static int one_bit(__u32 v)
{
	return v && !(v & (v - 1));
}

static void check_parse(const struct sg_pkt *p, int res)
{
	REQUIRE(res >= SG_PARSE_OK && res <= SG_PARSE_NOT_IP);
	REQUIRE(p->vlans <= SG_VLAN_MAX_DEPTH);
	/* The source is known exactly when L3 parsed. */
	if (res < SG_PARSE_BAD_L3)
		REQUIRE(p->family == 4 || p->family == 6);
	else
		REQUIRE(p->family == 0);
	if (p->family == 4) {
		REQUIRE(p->src.w[0] == 0 && p->src.w[1] == 0 && p->src.w[2] == bpf_htonl(0xffff));
		REQUIRE(p->dst.w[0] == 0 && p->dst.w[1] == 0 && p->dst.w[2] == bpf_htonl(0xffff));
	}
	REQUIRE(p->frag <= SG_FRAG_LATER);
	/* A later fragment has no L4 header; a tiny one is always a first. */
	if (p->frag == SG_FRAG_LATER)
		REQUIRE(res == SG_PARSE_NO_L4);
	if (res == SG_PARSE_TINY_FRAG)
		REQUIRE(p->frag == SG_FRAG_FIRST);
	if (p->has_ports)
		REQUIRE(p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP ||
			p->l4proto == IPPROTO_SCTP);
	if (res == SG_PARSE_OK) {
		REQUIRE(p->l4_payload <= p->l4_room);
		if (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP ||
		    p->l4proto == IPPROTO_SCTP)
			REQUIRE(p->has_ports);
		if (p->l4proto == IPPROTO_TCP)
			REQUIRE(p->l4_room >= 20 && p->l4_room - p->l4_payload >= 20);
		if (p->l4proto == IPPROTO_UDP)
			REQUIRE(p->l4_room - p->l4_payload == 8);
	}
	if (p->l4proto != IPPROTO_TCP)
		REQUIRE(p->tcp_flags == 0);
}

static void check_candidate(const struct sg_pkt *p, int res, __u32 protect)
{
	struct sg_probe pr = sg_candidate(p, res, protect);

	REQUIRE(pr.kind == 0 || one_bit(pr.kind));
	REQUIRE(pr.kind < (SG_PROBE_ECHO << 1));
	REQUIRE(pr.check <= SG_CHECK_CONN);
	REQUIRE(pr.weight <= SG_STEALTH_WEIGHT);
	REQUIRE(pr.open == 0);
	/* Tiny first fragments are always probes, and only they are FRAG. */
	REQUIRE((res == SG_PARSE_TINY_FRAG) == (pr.kind == SG_PROBE_FRAG));
	if (!pr.kind)
		return;
	/* Nothing that failed to parse, or was not IP, is ever a probe. */
	REQUIRE(res == SG_PARSE_OK || res == SG_PARSE_NO_L4 || res == SG_PARSE_TINY_FRAG);
	REQUIRE(pr.pc >= SG_PC_TCP && pr.pc <= SG_PC_IPPROTO);
	REQUIRE(p->frag != SG_FRAG_LATER);
	switch (pr.kind) {
	case SG_PROBE_SYN:
		REQUIRE((p->tcp_flags & (SG_TCP_SYN | SG_TCP_ACK)) == SG_TCP_SYN);
		REQUIRE(pr.check == SG_CHECK_OPEN && pr.pc == SG_PC_TCP);
		break;
	case SG_PROBE_NULL:
	case SG_PROBE_FIN:
	case SG_PROBE_XMAS:
	case SG_PROBE_STEALTH:
		/* Legitimate TCP always has SYN, ACK or RST. */
		REQUIRE(!(p->tcp_flags & (SG_TCP_SYN | SG_TCP_ACK | SG_TCP_RST)));
		REQUIRE(pr.weight == SG_STEALTH_WEIGHT);
		break;
	case SG_PROBE_ACK:
		REQUIRE(p->tcp_flags & SG_TCP_ACK);
		REQUIRE(!(p->tcp_flags & (SG_TCP_SYN | SG_TCP_RST)));
		REQUIRE(p->l4_payload == 0 && pr.check == SG_CHECK_CONN);
		break;
	case SG_PROBE_UDP:
		REQUIRE(p->l4proto == IPPROTO_UDP && pr.check == SG_CHECK_CONN);
		break;
	case SG_PROBE_SCTP:
		REQUIRE(p->l4proto == IPPROTO_SCTP && p->sctp_chunk == 1);
		break;
	case SG_PROBE_PROTO:
		REQUIRE(res == SG_PARSE_NO_L4 && pr.weight == 0 && pr.port == p->l4proto);
		REQUIRE(!sg_is_icmp(p));
		break;
	case SG_PROBE_ECHO:
		REQUIRE(protect == SG_PROTECT_SEGMENT && sg_is_icmp(p));
		break;
	}
	sg_probe_targets(&pr, p, protect);
	REQUIRE(pr.target != 0);
	if (protect == SG_PROTECT_SEGMENT)
		REQUIRE(pr.host != 0);
	else if (pr.pc == SG_PC_UDP && pr.port >= SG_TRACEROUTE_PORT &&
		 pr.port < SG_TRACEROUTE_PORT + SG_TRACEROUTE_PORTS)
		/* traceroute's ports are one target */
		REQUIRE(pr.target == SG_TARGET(SG_PC_UDP, SG_TRACEROUTE_PORT) && pr.host == 0);
	else
		REQUIRE(pr.target == SG_TARGET(pr.pc, pr.port) && pr.host == 0);
}

/* Frames start NET_IP_ALIGN (2) bytes into a buffer, as drivers place them,
 * so the IP header is 4-byte aligned and UBSan's alignment check stays on. */
#define IP_ALIGN 2

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_pkt p = {}, again = {}, padded = {};
	uint8_t *buf, *frame, *ext;
	int res;

	/* The frame ends where the allocation does: any read past it is a
	 * heap overflow. */
	buf = malloc(size + IP_ALIGN);
	if (!buf)
		return 0;
	frame = buf + IP_ALIGN;
	memcpy(frame, data, size);
	res = sg_parse(frame, frame + size, &p);
	check_parse(&p, res);
	check_candidate(&p, res, SG_PROTECT_HOST);
	check_candidate(&p, res, SG_PROTECT_SEGMENT);

	REQUIRE(sg_parse(frame, frame + size, &again) == res);
	REQUIRE(!memcmp(&p, &again, sizeof(p)));

	/* Padding after a complete datagram changes nothing. */
	if (res == SG_PARSE_OK) {
		ext = malloc(size + IP_ALIGN + 64);
		if (ext) {
			memcpy(ext + IP_ALIGN, frame, size);
			memset(ext + IP_ALIGN + size, 0xa5, 64);
			REQUIRE(sg_parse(ext + IP_ALIGN, ext + IP_ALIGN + size + 64, &padded) ==
				SG_PARSE_OK);
			REQUIRE(!memcmp(&p, &padded, sizeof(p)));
			free(ext);
		}
	}
	free(buf);
	return 0;
}
