// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_xdp.c - unit tests of the XDP program through BPF_PROG_TEST_RUN:
 * parsing and probe classification (table-driven), truncation at every
 * byte, threshold semantics, windows and block expiry with a test clock,
 * the production entry's clock against CLOCK_MONOTONIC, allow-list, manual
 * blocks, monitor mode, the host's own UDP replies, IPv6 prefix aggregation and exact counting with probes on two CPUs at once.
 * Run it in a network namespace of its own (tests/run.sh does): the socket
 * lookups then see only the sockets these tests open.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "cfgkeys.h"
#include "fixture.h"
#include "fmt.h"
#include "harness.h"
#include "ops.h"
#include "sg_parse.h"

#define SCANNER  "198.18.0.2"
#define HOST     "198.18.0.1"
#define SCANNER6 "2001:db8:1:2::10"
#define HOST6    "2001:db8::1"

#define SYN  SG_TCP_SYN
#define ACK  SG_TCP_ACK
#define FIN  SG_TCP_FIN
#define RST  SG_TCP_RST
#define PSH  SG_TCP_PSH
#define URG  SG_TCP_URG

static struct sg_config cfg_with(uint32_t threshold, uint32_t window_s, uint32_t ttl_s)
{
	return fx_cfg_plain(threshold, window_s, ttl_s);
}

static bool open_or_fail(struct fx *f, const struct sg_config *cfg)
{
	int ret = fx_open(f, cfg);

	return CHECK(ret == 0, "cannot load the XDP program: %s", strerror(-ret));
}

/* ---- classification table ---------------------------------------------------- */

struct class_case {
	const char *name;
	struct pkt_spec s;
	int verdict;
	int probes;		/* expected increase of the probe counter */
	enum sg_stat reason;	/* the exit counter this packet must hit */
};

#define T4(fl) { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, \
		 .sport = 40000, .dport = 80, .tcp_flags = (fl) }
#define T4D(fl) { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, \
		  .sport = 40000, .dport = 80, .tcp_flags = (fl), .payload = 100 }
#define T6(fl) { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_TCP, \
		 .sport = 40000, .dport = 80, .tcp_flags = (fl) }

static const struct class_case class_cases[] = {
	{ "tcp syn v4 is a probe", T4(SYN), XDP_PASS, 1, SG_STAT_PASSED },
	{ "tcp syn v6 is a probe", T6(SYN), XDP_PASS, 1, SG_STAT_PASSED },
	{ "tcp syn+fin is a probe", T4(SYN | FIN), XDP_PASS, 1, SG_STAT_PASSED },
	{ "tcp null is a probe", T4(0), XDP_PASS, 1, SG_STAT_PASSED },
	{ "tcp fin is a probe", T4(FIN), XDP_PASS, 1, SG_STAT_PASSED },
	{ "tcp xmas is a probe", T4(FIN | PSH | URG), XDP_PASS, 1, SG_STAT_PASSED },
	{ "tcp psh alone is a probe", T4(PSH), XDP_PASS, 1, SG_STAT_PASSED },
	{ "tcp null v6 is a probe", T6(0), XDP_PASS, 1, SG_STAT_PASSED },
	{ "tcp syn+ack is not a probe", T4(SYN | ACK), XDP_PASS, 0, SG_STAT_PASSED },
	{ "tcp ack with data is not a probe", T4D(ACK | PSH), XDP_PASS, 0, SG_STAT_PASSED },
	{ "tcp fin+ack with data is not a probe", T4D(FIN | ACK), XDP_PASS, 0, SG_STAT_PASSED },
	{ "bare tcp ack matching no connection is a probe (ack scan)", T4(ACK), XDP_PASS, 1,
	  SG_STAT_PASSED },
	{ "bare tcp fin+ack matching no connection is a probe (maimon)", T4(FIN | ACK), XDP_PASS,
	  1, SG_STAT_PASSED },
	{ "bare tcp ack v6 matching no connection is a probe", T6(ACK), XDP_PASS, 1,
	  SG_STAT_PASSED },
	{ "tcp rst is not a probe", T4(RST), XDP_PASS, 0, SG_STAT_PASSED },
	{ "tcp rst+ack v6 is not a probe", T6(RST | ACK), XDP_PASS, 0, SG_STAT_PASSED },
	{ "udp to a closed port is a probe",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_UDP, .sport = 5000,
	    .dport = 9 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "udp v6 to a closed port is a probe",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_UDP, .sport = 5000,
	    .dport = 9 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "icmp echo is not a probe",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_ICMP }, XDP_PASS, 0,
	  SG_STAT_PASSED },
	{ "icmpv6 echo is not a probe",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_ICMPV6 }, XDP_PASS, 0,
	  SG_STAT_PASSED },
	{ "another ip protocol is a probe (ip protocol scan)",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = 47 }, XDP_PASS, 1, SG_STAT_PASSED },
	/* nmap -sO tries every number: ICMPv6's in IPv4 is not ICMP. */
	{ "icmpv6's protocol number in ipv4 is a probe (ip protocol scan)",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_ICMPV6 }, XDP_PASS, 1,
	  SG_STAT_PASSED },
	{ "icmp's protocol number in ipv6 is a probe (ip protocol scan)",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_ICMP }, XDP_PASS, 1,
	  SG_STAT_PASSED },
	{ "sctp init is a probe",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_SCTP, .dport = 80,
	    .sctp_chunk = 1 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "sctp data is not a probe",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_SCTP, .dport = 80,
	    .sctp_chunk = 0 }, XDP_PASS, 0, SG_STAT_PASSED },
	{ "sctp init v6 is a probe",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_SCTP, .dport = 80,
	    .sctp_chunk = 1 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "ipv4 tiny first fragment is a probe and dropped",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .frag_first = true, .l4_cut = 8 }, XDP_DROP, 1,
	  SG_STAT_DROP_FRAGMENT },
	{ "ipv6 tiny first fragment is a probe and dropped",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .frag_first = true, .l4_cut = 8 }, XDP_DROP, 1,
	  SG_STAT_DROP_FRAGMENT },
	{ "ipv4 tiny first fragment padded to 60 bytes is still tiny",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_UDP, .dport = 53,
	    .frag_first = true, .l4_cut = 4, .pad_to = 60 }, XDP_DROP, 1, SG_STAT_DROP_FRAGMENT },
	{ "tcp without a fragment but short ip length is a parse error",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .l4_cut = 8 }, XDP_PASS, 0, SG_STAT_PARSE_ERRORS },
	{ "802.1q syn is a probe",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .vlans = 1 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "qinq syn is a probe",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .vlans = 2 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "qinq v6 udp is a probe",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_UDP, .dport = 7,
	    .vlans = 2 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "ipv4 options are skipped",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .ip_opts = 12 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "ipv4 maximum options are skipped",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .ip_opts = 40 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "ipv6 extension headers are walked",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .ext_hdrs = 3 }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "ipv6 six extension headers are walked",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .ext_hdrs = SG_IPV6_EXT_MAX }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "ipv6 too many extension headers is a parse error",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .ext_hdrs = SG_IPV6_EXT_MAX + 1 }, XDP_PASS, 0,
	  SG_STAT_PARSE_ERRORS },
	{ "ipv6 first fragment with tcp is a probe",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .frag_first = true }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "ipv6 later fragment is passed",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_TCP, .dport = 80,
	    .frag_later = true, .payload = 16 }, XDP_PASS, 0, SG_STAT_PASSED },
	{ "ipv4 first fragment with tcp is a probe",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .frag_first = true }, XDP_PASS, 1, SG_STAT_PASSED },
	{ "ipv4 later fragment is passed",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .frag_later = true, .payload = 16 }, XDP_PASS, 0, SG_STAT_PASSED },
	{ "arp is not ip", { .family = 0 }, XDP_PASS, 0, SG_STAT_NOT_IP },
	{ "ipv4 ihl 4 is a parse error",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .ihl = 4 }, XDP_PASS, 0, SG_STAT_PARSE_ERRORS },
	{ "ipv4 ihl past the frame is a parse error",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .ihl = 15 }, XDP_PASS, 0, SG_STAT_PARSE_ERRORS },
	{ "tcp doff 4 is a parse error",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .tcp_doff = 4 }, XDP_PASS, 0, SG_STAT_PARSE_ERRORS },
	{ "tcp doff 0 is a parse error",
	  { .family = 6, .src = SCANNER6, .dst = HOST6, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .tcp_doff = 1 }, XDP_PASS, 0, SG_STAT_PARSE_ERRORS },
	{ "tcp options past the frame is a parse error",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .tcp_doff = 15, .trim = 4 }, XDP_PASS, 0, SG_STAT_PARSE_ERRORS },
	{ "tcp with full options is a probe",
	  { .family = 4, .src = SCANNER, .dst = HOST, .proto = IPPROTO_TCP, .dport = 80,
	    .tcp_flags = SYN, .tcp_doff = 15, .payload = 40 }, XDP_PASS, 1, SG_STAT_PASSED },
};

static void test_classification(void)
{
	for (size_t i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]); i++) {
		const struct class_case *c = &class_cases[i];
		struct fx f;

		h_begin("classify: %s", c->name);
		if (!open_or_fail(&f, NULL))
			continue;
		CHECK_EQ(fx_run(&f, &c->s), c->verdict, "verdict");
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES), c->probes, "probes");
		CHECK_EQ(fx_stat(&f, c->reason), 1, sg_stat_name(c->reason));
		CHECK_EQ(fx_stat(&f, SG_STAT_PACKETS), 1, "packets");
		fx_close(&f);
	}
}

/* The established-traffic fast path (bpf/fastpath.h) must agree with the
 * full parse: Ethernet padding after a bare ACK is not data, so the ACK is
 * still a probe (an ACK scan), in both families; a segment whose IP length
 * says it carries data passes without being a probe. */
static void test_fast_path(void)
{
	static const struct { const char *name; struct pkt_spec s; int probes; } cases[] = {
		{ "v4 bare ack padded to 60 bytes", { .family = 4, .src = SCANNER, .dst = HOST,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = ACK }, 1 },
		{ "v6 bare ack padded", { .family = 6, .src = SCANNER6, .dst = HOST6,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = ACK }, 1 },
		{ "v4 ack with 1 byte of data", { .family = 4, .src = SCANNER, .dst = HOST,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = ACK, .payload = 1 }, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[PKT_MAX];
		size_t len = pkt_build(&cases[i].s, buf, sizeof(buf));
		struct fx f;

		h_begin("fast path agrees: %s", cases[i].name);
		if (!open_or_fail(&f, NULL))
			continue;
		/* Pad as a NIC would, past the IP length, with non-zero bytes. */
		memset(buf + len, 0xab, 16);
		CHECK_EQ(fx_run_raw(&f, buf, len + 16), XDP_PASS, "verdict");
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES), cases[i].probes, "probes");
		CHECK_EQ(fx_stat(&f, SG_STAT_PACKETS), 1, "packets");
		fx_close(&f);
	}
}

/* ---- truncation -------------------------------------------------------------- */

/* Every prefix of a valid probe must pass without being counted as a probe,
 * and the run must never fail (the verifier proved the bounds; this proves
 * the logic). */
static void test_truncation(void)
{
	static const struct { const char *name; struct pkt_spec s; } frames[] = {
		{ "v4 syn with options", { .family = 4, .src = SCANNER, .dst = HOST,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = SYN, .ip_opts = 8,
		  .tcp_doff = 8 } },
		{ "qinq v6 syn with extension headers", { .family = 6, .src = SCANNER6,
		  .dst = HOST6, .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = SYN,
		  .vlans = 2, .ext_hdrs = 2 } },
		{ "vlan v4 udp", { .family = 4, .src = SCANNER, .dst = HOST,
		  .proto = IPPROTO_UDP, .dport = 9, .vlans = 1 } },
		{ "v6 fragment udp", { .family = 6, .src = SCANNER6, .dst = HOST6,
		  .proto = IPPROTO_UDP, .dport = 9, .frag_first = true } },
	};

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		uint8_t buf[PKT_MAX];
		size_t len = pkt_build(&frames[i].s, buf, sizeof(buf));
		struct fx f;

		h_begin("truncated at every byte: %s (%zu bytes)", frames[i].name, len);
		if (!open_or_fail(&f, NULL))
			continue;
		for (size_t cut = 0; cut < len; cut++) {
			int v = fx_run_raw(&f, buf, cut);

			/* The kernel refuses runs shorter than an Ethernet header. */
			if (cut < 14) {
				CHECK(v == -1 || v == XDP_PASS, "cut %zu: verdict %d", cut, v);
				continue;
			}
			CHECK_EQ(v, XDP_PASS, "verdict");
		}
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES), 0, "probes counted from truncated frames");
		CHECK_EQ(fx_stat(&f, SG_STAT_DROP_BLOCKED) + fx_stat(&f, SG_STAT_DROP_DETECT), 0,
			 "drops");
		CHECK_EQ(fx_run_raw(&f, buf, len), XDP_PASS, "whole frame verdict");
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES), 1, "whole frame is a probe");
		fx_close(&f);
	}
}

/* ---- threshold semantics ---------------------------------------------------- */

static void test_threshold_exact(void)
{
	struct sg_config cfg = cfg_with(5, 60, 600);
	struct pkt_spec s;
	struct fx f;

	h_begin("threshold: the (threshold+1)-th distinct port is dropped, not before");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int port = 1; port <= 5; port++) {
		s = fx_tcp(SCANNER, HOST, port, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "probe within threshold");
	}
	/* Repeats of counted ports never cross it. */
	for (int i = 0; i < 50; i++) {
		s = fx_tcp(SCANNER, HOST, 1 + i % 5, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "repeated port");
	}
	CHECK_EQ(fx_events(&f), 0, "events before crossing");
	CHECK(!fx_blocked(&f, SCANNER), "blocked before crossing");
	s = fx_tcp(SCANNER, HOST, 6, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "sixth distinct port");
	CHECK(fx_blocked(&f, SCANNER), "not blocked after crossing");
	CHECK_EQ(fx_stat(&f, SG_STAT_DETECTIONS), 1, "detections");
	CHECK_EQ(fx_stat(&f, SG_STAT_DROP_DETECT), 1, "dropped_over_threshold");
	CHECK_EQ(fx_events(&f), 1, "events");
	if (f.nev == 1) {
		struct sg_event *e = &f.ev[0];
		struct sg_cidr want;
		char err[64];

		sg_cidr_parse(SCANNER, &want, err, sizeof(err));
		CHECK(!memcmp(&e->src, &want.addr, sizeof(want.addr)), "event source");
		CHECK_EQ(e->family, 4, "event family");
		CHECK_EQ(e->prefixlen, 32, "event prefix length");
		CHECK_EQ(e->count, 6, "event count");
		CHECK_EQ(e->threshold, 5, "event threshold");
		CHECK_EQ(e->action, SG_ACT_BLOCKED, "event action");
		CHECK_EQ(e->detector, SG_DET_DISTINCT_PORTS, "event detector");
		CHECK_EQ(e->kinds, SG_PROBE_SYN, "event kinds");
		CHECK_EQ(e->nsample, 6, "event sample size");
		CHECK_EQ(e->block_ttl_ns, SEC_NS(600), "event block ttl");
		CHECK_EQ(e->ts_ns, f.now, "event time");
		for (unsigned i = 0; i < e->nsample && i < 6; i++)
			CHECK_EQ(e->sample[i], SG_TARGET(SG_PC_TCP, i + 1), "sampled target");
	}
	/* Blocked: every packet from it now, probe or not; others unaffected. */
	s = fx_tcp(SCANNER, HOST, 1, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "counted port after block");
	s = fx_tcp(SCANNER, HOST, 22, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "established-looking packet after block");
	s = fx_udp(SCANNER, HOST, 53, 4000);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "udp after block");
	s = fx_tcp("198.18.0.3", HOST, 1, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "another source");
	CHECK_EQ(fx_stat(&f, SG_STAT_DROP_BLOCKED), 3, "dropped_blocked");
	CHECK_EQ(fx_events(&f), 1, "one event per detection");
	fx_close(&f);
}

static void test_threshold_one(void)
{
	struct sg_config cfg = cfg_with(1, 60, 600);
	struct pkt_spec s;
	struct fx f;

	h_begin("threshold 1: a second distinct port blocks");
	if (!open_or_fail(&f, &cfg))
		return;
	s = fx_tcp(SCANNER, HOST, 443, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "first port");
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "same port again");
	s = fx_udp(SCANNER, HOST, 5000, 443);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "udp/443 is a distinct target from tcp/443");
	fx_close(&f);
}

static void test_threshold_large(uint32_t threshold)
{
	struct sg_config cfg = cfg_with(threshold, 60, 600);
	struct pkt_spec s;
	struct fx f;
	uint32_t port;

	h_begin("threshold %u: exact past the inline slots", threshold);
	if (!open_or_fail(&f, &cfg))
		return;
	/* Scattered ports, each probed twice, in two passes. */
	for (int pass = 0; pass < 2; pass++)
		for (port = 1; port <= threshold; port++) {
			s = fx_tcp(SCANNER, HOST, (port * 7919) % 65521, port % 3 ? SYN : FIN);
			CHECK_EQ(fx_run(&f, &s), XDP_PASS, "probe within threshold");
		}
	CHECK_EQ(fx_stat(&f, SG_STAT_DETECTIONS), 0, "detections before crossing");
	s = fx_tcp(SCANNER, HOST, 65535, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "threshold+1");
	CHECK_EQ(fx_events(&f), 1, "events");
	if (f.nev == 1) {
		CHECK_EQ(f.ev[0].count, threshold + 1, "event count");
		CHECK_EQ(f.ev[0].nsample, threshold + 1 < SG_EVENT_SAMPLE ? threshold + 1
									 : SG_EVENT_SAMPLE,
			 "event sample size");
		CHECK_EQ(f.ev[0].kinds, threshold >= 3 ? SG_PROBE_SYN | SG_PROBE_FIN : SG_PROBE_SYN,
			 "event kinds");
	}
	fx_close(&f);
}

static void test_window_expiry(void)
{
	struct sg_config cfg = cfg_with(3, 60, 600);
	struct pkt_spec s;
	struct fx f;

	h_begin("window: counts restart when the window is over");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int port = 1; port <= 3; port++) {
		s = fx_tcp(SCANNER, HOST, port, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "first window");
	}
	f.now += SEC_NS(60) - 1;	/* last nanosecond of the window */
	s = fx_tcp(SCANNER, HOST, 3, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "repeat at the end of the window");
	f.now += 1;			/* the window is over */
	for (int port = 4; port <= 6; port++) {
		s = fx_tcp(SCANNER, HOST, port, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "second window");
	}
	s = fx_tcp(SCANNER, HOST, 7, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "fourth port of the second window");
	fx_close(&f);
}

static void test_block_expiry(void)
{
	struct sg_config cfg = cfg_with(3, 60, 600);
	struct pkt_spec s;
	uint64_t blocked_at;
	struct fx f;

	h_begin("block expiry: decided in the kernel, and the count starts clean");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int port = 1; port <= 4; port++) {
		s = fx_tcp(SCANNER, HOST, port, SYN);
		fx_run(&f, &s);
	}
	CHECK(fx_blocked(&f, SCANNER), "not blocked");
	blocked_at = f.now;
	f.now = blocked_at + SEC_NS(600) - 1;
	s = fx_tcp(SCANNER, HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "just before expiry");
	f.now = blocked_at + SEC_NS(600);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "at expiry");
	CHECK(!fx_blocked(&f, SCANNER), "expired block still in the map");
	CHECK_EQ(fx_stat(&f, SG_STAT_BLOCKS_EXPIRED), 1, "blocks_expired");
	CHECK_EQ(f.m.state_mm->nr_blocks, 0, "block count after expiry");
	for (int port = 1; port <= 3; port++) {
		s = fx_tcp(SCANNER, HOST, 100 + port, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "clean count after expiry");
	}
	s = fx_tcp(SCANNER, HOST, 200, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "blocked again at threshold+1");
	fx_close(&f);
}

/* ---- allow-list, manual blocks, monitor mode ----------------------------- */

static void add_allow(struct fx *f, const char *cidr)
{
	struct sg_cidr c;
	char err[256];

	if (CHECK(!sg_cidr_parse(cidr, &c, err, sizeof(err)), "%s", err))
		CHECK(!sg_allow_add(&f->m, &c, 0, NULL, err, sizeof(err)), "allow add: %s", err);
}

static int add_block(struct fx *f, const char *cidr, uint64_t ttl_s)
{
	struct sg_cidr c;
	char err[256];

	if (!CHECK(!sg_cidr_parse(cidr, &c, err, sizeof(err)), "%s", err))
		return -1;
	return sg_block_add(&f->m, &c, ttl_s, f->now, err, sizeof(err));
}

/* The production entry's clock (bpf/clock.h: jiffies plus an offset the
 * program measures) must be CLOCK_MONOTONIC, the clock userspace writes
 * block expiries with: an offset that is wrong (missing, of the wrong sign,
 * a tick of the wrong length) makes live blocks expire or expired ones
 * live, and stamps events wrongly.  The bound is the clock's precision, 2
 * ticks; 20 ms covers HZ 100.  No timing: each stamp is taken between two
 * reads of CLOCK_MONOTONIC, however long the run takes. */
#define CLOCK_SLACK_NS (20 * 1000 * 1000ULL)

static void test_production_clock(void)
{
	struct sg_config cfg = cfg_with(1, 60, 600);
	uint64_t before, after;
	struct pkt_spec s;
	struct fx f;

	h_begin("production clock: CLOCK_MONOTONIC, as userspace's block expiries");
	if (!open_or_fail(&f, &cfg))
		return;
	fx_production(&f);
	/* Live for a minute more; expired a minute ago. */
	f.now = sg_now_ns();
	CHECK_EQ(add_block(&f, "198.18.0.20", 60), 0, "block add, 60 s");
	CHECK_EQ(add_block(&f, "198.18.2.0/29", 60), 0, "cidr block add, 60 s");
	f.now = sg_now_ns() - SEC_NS(120);
	CHECK_EQ(add_block(&f, "198.18.0.21", 60), 0, "block add, expired 60 s ago");
	CHECK_EQ(add_block(&f, "198.18.1.0/29", 60), 0, "cidr block add, expired 60 s ago");
	s = fx_tcp("198.18.0.20", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "block live for 60 s more");
	s = fx_tcp("198.18.2.5", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "cidr block live for 60 s more");
	s = fx_tcp("198.18.0.21", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "block expired 60 s ago");
	s = fx_tcp("198.18.1.5", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "cidr block expired 60 s ago");
	CHECK_EQ(fx_stat(&f, SG_STAT_BLOCKS_EXPIRED), 1, "expired exact block seen expired");
	CHECK(!fx_blocked(&f, "198.18.0.21"), "expired block left in the map");

	/* A detection stamps its event and block with the clock. */
	before = sg_now_ns();
	s = fx_tcp(SCANNER, HOST, 1, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "first port");
	s = fx_tcp(SCANNER, HOST, 2, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "second port crosses threshold 1");
	after = sg_now_ns();
	CHECK_EQ(fx_events(&f), 1, "events");
	if (f.nev == 1)
		CHECK(f.ev[0].ts_ns + CLOCK_SLACK_NS >= before &&
		      f.ev[0].ts_ns <= after + CLOCK_SLACK_NS,
		      "event time %llu outside [%llu, %llu] +- 20 ms",
		      (unsigned long long)f.ev[0].ts_ns, (unsigned long long)before,
		      (unsigned long long)after);
	fx_close(&f);
}

static void test_allow_list(void)
{
	struct sg_config cfg = cfg_with(3, 60, 600);
	struct pkt_spec s;
	struct fx f;

	h_begin("allow-list: allowed sources are never counted or blocked");
	if (!open_or_fail(&f, &cfg))
		return;
	add_allow(&f, "198.18.0.0/24");
	add_allow(&f, "2001:db8:1::/48");
	for (int port = 1; port <= 100; port++) {
		s = fx_tcp(SCANNER, HOST, port, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "allowed v4 scanner");
		s = fx_tcp(SCANNER6, HOST6, port, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "allowed v6 scanner");
	}
	CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_ALLOWED), 200, "probes_allowed");
	CHECK_EQ(fx_stat(&f, SG_STAT_DETECTIONS), 0, "detections");
	for (int port = 1; port <= 4; port++) {
		s = fx_tcp("198.18.1.2", HOST, port, SYN);
		fx_run(&f, &s);
	}
	CHECK(fx_blocked(&f, "198.18.1.2"), "a source outside the allow-list is still blocked");
	fx_close(&f);
}

/* Whether the allow-list hint has the bit of addr (a single address). */
static bool hint_has(struct fx *f, const char *addr)
{
	struct sg_cidr c;
	char err[256];
	__u32 bit;

	if (!CHECK(!sg_cidr_parse(addr, &c, err, sizeof(err)), "%s", err))
		return false;
	bit = sg_allow_hint_bit(&c.addr);
	return f->m.hint_mm->w[bit / 64] & (1ULL << (bit % 64));
}

/* One SYN from src to a closed port: 1 when it was counted as allowed. */
static int allowed_probe(struct fx *f, const char *src, int port)
{
	uint64_t before = fx_stat(f, SG_STAT_PROBES_ALLOWED);
	struct pkt_spec s = strchr(src, ':') ? fx_tcp(src, HOST6, port, SYN)
					     : fx_tcp(src, HOST, port, SYN);

	fx_run(f, &s);
	return (int)(fx_stat(f, SG_STAT_PROBES_ALLOWED) - before);
}

/* The hint in front of the allow-list's trie (struct sg_allow_hint): every
 * address an entry holds finds its bit set, whatever the entry's length;
 * an address in no entry's range finds it clear, and its probe is weighed
 * without the trie. */
static void test_allow_hint(void)
{
	struct sg_config cfg = cfg_with(3, 60, 600);
	static const struct {
		const char *entry, *inside, *outside;
	} cases[] = {
		{ "198.18.7.9", "198.18.7.9", "198.19.7.9" },		/* /32 */
		{ "198.18.0.0/15", "198.19.200.1", "198.20.0.1" },	/* two /16s */
		{ "2001:db8:1::/48", "2001:db8:1:2::10", "3fff::1" },	/* inside a /32 */
		{ "2001:c00::/22", "2001:db8:5::1", "198.18.3.3" },	/* every /32 */
		{ "::ffff:0:0/96", "198.51.100.7", "2001:db8:9::1" },	/* all of IPv4 */
		{ "::/0", "198.18.9.9", NULL },				/* everything */
	};
	struct sg_cidr c;
	char err[256];
	struct fx f;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h_begin("allow-list hint: entry %s holds %s%s%s", cases[i].entry, cases[i].inside,
			cases[i].outside ? ", not " : "", cases[i].outside ? cases[i].outside : "");
		if (!open_or_fail(&f, &cfg))
			return;
		if (cases[i].outside)
			CHECK(!hint_has(&f, cases[i].outside), "%s: bit set before any entry",
			      cases[i].outside);
		add_allow(&f, cases[i].entry);
		CHECK(hint_has(&f, cases[i].inside), "%s: bit clear", cases[i].inside);
		CHECK(allowed_probe(&f, cases[i].inside, 1) == 1, "%s not allowed", cases[i].inside);
		if (cases[i].outside) {
			CHECK(!hint_has(&f, cases[i].outside), "%s: bit set", cases[i].outside);
			CHECK(allowed_probe(&f, cases[i].outside, 1) == 0, "%s allowed",
			      cases[i].outside);
		}
		fx_close(&f);
	}

	/* Maps an older build left: an allow-list without hint bits hides its
	 * entries until the loader fills the hint from the trie. */
	h_begin("allow-list hint: filled from the trie for an older build's allow-list");
	if (!open_or_fail(&f, &cfg))
		return;
	add_allow(&f, "198.18.0.0/24");
	add_allow(&f, "2001:db8:1::/48");
	memset(f.m.hint_mm, 0, sizeof(*f.m.hint_mm));
	CHECK_EQ(allowed_probe(&f, SCANNER, 1), 0, "without its bit, the v4 entry is not seen");
	CHECK_EQ(allowed_probe(&f, SCANNER6, 1), 0, "without its bit, the v6 entry is not seen");
	CHECK_EQ(sg_allow_hint_fill(&f.m), 0, "fill");
	CHECK_EQ(allowed_probe(&f, SCANNER, 2), 1, "v4 entry seen again");
	CHECK_EQ(allowed_probe(&f, SCANNER6, 2), 1, "v6 entry seen again");
	CHECK(!hint_has(&f, "198.19.0.1"), "fill sets no other bit");
	if (CHECK(!sg_cidr_parse("198.18.0.0/24", &c, err, sizeof(err)), "%s", err))
		CHECK(sg_allow_del(&f.m, &c, false, err, sizeof(err)) == 0, "allow del: %s", err);
	CHECK(hint_has(&f, SCANNER), "a deleted entry's bit stays: bits are only set");
	CHECK_EQ(allowed_probe(&f, SCANNER, 3), 0, "its addresses are not allowed");
	fx_close(&f);
}

/* The fast path with blocks in place: an established segment with data
 * from a blocked source (exact or CIDR, either family) is still dropped,
 * and one from anyone else passes. */
static void test_fast_path_blocked(void)
{
	static const struct { const char *src, *dst; int verdict; } cases[] = {
		{ "198.18.0.9", HOST, XDP_DROP }, { "198.18.5.77", HOST, XDP_DROP },
		{ "198.18.6.77", HOST, XDP_PASS }, { "2001:db8:9:1::5", HOST6, XDP_DROP },
		{ "2001:db8:7:7::abcd", HOST6, XDP_DROP }, { "2001:db8:7:8::abcd", HOST6, XDP_PASS },
	};
	struct fx f;

	h_begin("fast path: established data from blocked sources is dropped");
	if (!open_or_fail(&f, NULL))
		return;
	CHECK_EQ(add_block(&f, "198.18.0.9", 0), 0, "block add exact");
	CHECK_EQ(add_block(&f, "198.18.5.0/24", 0), 0, "block add cidr");
	CHECK_EQ(add_block(&f, "2001:db8:9::/48", 0), 0, "block add v6 cidr");
	CHECK_EQ(add_block(&f, "2001:db8:7:7::/64", 0), 0, "block add v6 source prefix");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt_spec s = fx_tcp(cases[i].src, cases[i].dst, 80, ACK | PSH);

		s.payload = 100;
		CHECK(fx_run(&f, &s) == cases[i].verdict, "%s: want %s", cases[i].src,
		      cases[i].verdict == XDP_DROP ? "drop" : "pass");
	}
	CHECK_EQ(fx_stat(&f, SG_STAT_DROP_BLOCKED), 4, "dropped_blocked");
	CHECK_EQ(fx_stat(&f, SG_STAT_PROBES), 0, "probes");
	fx_close(&f);
}

/* The count sg_allow_inside keeps for a source prefix (0: none). */
static __u32 allow_inside(struct fx *f, const char *prefix)
{
	struct sg_cidr c;
	char err[128];
	__u32 n = 0;

	if (!sg_cidr_parse(prefix, &c, err, sizeof(err)))
		bpf_map_lookup_elem(f->m.allow_inside, &c.addr, &n);
	return n;
}

/* A source probes ports 1..n of HOST6. */
static void probe_ports(struct fx *f, const char *src, int n)
{
	for (int port = 1; port <= n; port++) {
		struct pkt_spec s = fx_tcp(src, HOST6, port, SYN);

		fx_run(f, &s);
	}
}

static int run_data(struct fx *f, const char *src)
{
	struct pkt_spec s = fx_tcp(src, HOST6, 80, ACK | PSH);

	s.payload = 10;
	return fx_run(f, &s);
}

/* An IPv6 block covers its source's whole prefix, and an allow-listed
 * address inside it stays allowed: whether the allow-list entry came
 * before the block (detected or manual) or after it.  Only blocks of
 * prefixes that hold such an entry look the allow-list up
 * (SG_BLOCK_ALLOW_INSIDE), so the flag must be right in every order. */
static void test_allowed_inside_v6_blocks(void)
{
	struct sg_config cfg = cfg_with(3, 60, 600);
	struct sg_cidr c;
	char err[128];
	struct fx f;

	h_begin("allowed addresses inside blocked IPv6 prefixes stay allowed, in any order");
	if (!open_or_fail(&f, &cfg))
		return;
	/* The entry first, then a detection. */
	add_allow(&f, "2001:db8:7:7::5");
	CHECK_EQ(allow_inside(&f, "2001:db8:7:7::/64"), 1, "prefix counted");
	probe_ports(&f, "2001:db8:7:7::10", 4);
	CHECK(fx_blocked(&f, "2001:db8:7:7::/64"), "scanner's prefix not blocked");
	CHECK_EQ(run_data(&f, "2001:db8:7:7::5"), XDP_PASS, "allowed, detection after the entry");
	CHECK_EQ(run_data(&f, "2001:db8:7:7::11"), XDP_DROP, "its neighbour");

	/* A detection first, then the entry. */
	probe_ports(&f, "2001:db8:7:8::10", 4);
	CHECK(fx_blocked(&f, "2001:db8:7:8::/64"), "second prefix not blocked");
	CHECK_EQ(run_data(&f, "2001:db8:7:8::6"), XDP_DROP, "not allowed yet");
	add_allow(&f, "2001:db8:7:8::6");
	CHECK_EQ(run_data(&f, "2001:db8:7:8::6"), XDP_PASS, "allowed, entry after the detection");
	CHECK_EQ(run_data(&f, "2001:db8:7:8::10"), XDP_DROP, "the scanner");

	/* A manual block of a prefix that holds an allowed range. */
	add_allow(&f, "2001:db8:7:9::/80");
	CHECK_EQ(add_block(&f, "2001:db8:7:9::/64", 0), 0, "block add around an allowed range");
	CHECK_EQ(run_data(&f, "2001:db8:7:9::1"), XDP_PASS, "allowed, manual block");
	CHECK_EQ(run_data(&f, "2001:db8:7:9:1::1"), XDP_DROP, "outside the allowed range");

	/* Removing the entry blocks the address again. */
	if (CHECK(!sg_cidr_parse("2001:db8:7:8::6", &c, err, sizeof(err)), "%s", err))
		CHECK_EQ(sg_allow_del(&f.m, &c, false, err, sizeof(err)), 0, "allow del");
	CHECK_EQ(allow_inside(&f, "2001:db8:7:8::/64"), 0, "prefix counted out");
	CHECK_EQ(run_data(&f, "2001:db8:7:8::6"), XDP_DROP, "entry removed");

	/* A new prefix length: the prefixes are counted again. */
	cfg.ipv6_prefix = 56;
	fx_set_config(&f, &cfg);
	CHECK_EQ(sg_allow_inside_sync(&f.m), 0, "sync");
	CHECK_EQ(allow_inside(&f, "2001:db8:7::/56"), 2, "both entries in the /56");
	CHECK_EQ(allow_inside(&f, "2001:db8:7:7::/64"), 0, "old prefix gone");
	fx_close(&f);
}

/* A blocked source's frames are decided in two places: from a few header
 * bytes (bpf/fastpath.h) when the frame is untagged, after the full parse
 * when it has VLAN tags or when policy "new" must know whether it is a
 * probe.  Both must reach the verdict the full parse alone would: every
 * frame with a readable source dropped under policy "all" (options,
 * extension headers, fragments, malformed TCP included); under policy
 * "new" only the probes and anything that may hide one. */
static void test_blocked_frames(void)
{
	static const struct {
		const char *name;
		struct pkt_spec s;
		int all, new;	/* verdict under policy all, under policy new */
	} cases[] = {
		{ "v4 syn", { .family = 4, .src = "198.18.0.9", .dst = HOST, .proto = IPPROTO_TCP,
		  .dport = 80, .tcp_flags = SYN }, XDP_DROP, XDP_DROP },
		{ "v4 syn with ip options", { .family = 4, .src = "198.18.0.9", .dst = HOST,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = SYN, .ip_opts = 8 },
		  XDP_DROP, XDP_DROP },
		{ "v4 data with ip options", { .family = 4, .src = "198.18.0.9", .dst = HOST,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = ACK | PSH, .ip_opts = 8,
		  .payload = 10 }, XDP_DROP, XDP_PASS },
		{ "v4 data in a vlan", { .family = 4, .src = "198.18.0.9", .dst = HOST,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = ACK | PSH, .vlans = 1,
		  .payload = 10 }, XDP_DROP, XDP_PASS },
		{ "v4 syn in two vlans", { .family = 4, .src = "198.18.0.9", .dst = HOST,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = SYN, .vlans = 2 },
		  XDP_DROP, XDP_DROP },
		{ "v4 later fragment", { .family = 4, .src = "198.18.0.9", .dst = HOST,
		  .proto = IPPROTO_UDP, .dport = 9, .frag_later = true }, XDP_DROP, XDP_PASS },
		{ "v4 tcp cut short", { .family = 4, .src = "198.18.0.9", .dst = HOST,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = SYN, .trim = 8 },
		  XDP_DROP, XDP_DROP },
		{ "v4 udp to a closed port", { .family = 4, .src = "198.18.0.9", .dst = HOST,
		  .proto = IPPROTO_UDP, .sport = 4000, .dport = 9 }, XDP_DROP, XDP_DROP },
		{ "v6 syn with extension headers", { .family = 6, .src = "2001:db8:7:7::5",
		  .dst = HOST6, .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = SYN,
		  .ext_hdrs = 2 }, XDP_DROP, XDP_DROP },
		{ "v6 data in two vlans", { .family = 6, .src = "2001:db8:7:7::5", .dst = HOST6,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = ACK | PSH, .vlans = 2,
		  .payload = 10 }, XDP_DROP, XDP_PASS },
		{ "v6 data", { .family = 6, .src = "2001:db8:7:7::5", .dst = HOST6,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = ACK | PSH, .payload = 10 },
		  XDP_DROP, XDP_PASS },
		{ "v4 syn from a blocked range, in a vlan", { .family = 4, .src = "198.18.5.7",
		  .dst = HOST, .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = SYN, .vlans = 1 },
		  XDP_DROP, XDP_DROP },
		{ "v4 syn from elsewhere", { .family = 4, .src = "198.18.6.7", .dst = HOST,
		  .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = SYN }, XDP_PASS, XDP_PASS },
		{ "v4 syn from elsewhere, in a vlan", { .family = 4, .src = "198.18.6.7",
		  .dst = HOST, .proto = IPPROTO_TCP, .dport = 80, .tcp_flags = SYN, .vlans = 1 },
		  XDP_PASS, XDP_PASS },
	};
	struct sg_config cfg = cfg_with(60, 60, 600);

	for (int policy = SG_POLICY_ALL; policy <= SG_POLICY_NEW; policy++) {
		uint64_t drops = 0, passes = 0, probes = 0;
		struct fx f;

		h_begin("blocked sources' frames, policy %s: the peek and the full parse agree",
			policy == SG_POLICY_ALL ? "all" : "new");
		cfg.block_policy = policy;
		if (!open_or_fail(&f, &cfg))
			continue;
		CHECK_EQ(add_block(&f, "198.18.0.9", 0), 0, "block add exact");
		CHECK_EQ(add_block(&f, "198.18.5.0/24", 0), 0, "block add cidr");
		CHECK_EQ(add_block(&f, "2001:db8:7:7::/64", 0), 0, "block add v6 source prefix");
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			int want = policy == SG_POLICY_ALL ? cases[i].all : cases[i].new;
			int blocked = strcmp(cases[i].s.src, "198.18.6.7") != 0;

			CHECK(fx_run(&f, &cases[i].s) == want, "%s: want %s", cases[i].name,
			      want == XDP_DROP ? "drop" : "pass");
			drops += want == XDP_DROP && blocked;
			passes += want == XDP_PASS && blocked;
			probes += !blocked;
		}
		CHECK_EQ(fx_stat(&f, SG_STAT_DROP_BLOCKED), drops, "dropped_blocked");
		CHECK_EQ(fx_stat(&f, SG_STAT_BLOCKED_PASSED), passes, "blocked_traffic_passed");
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES), probes, "probes (only the unblocked source's)");
		CHECK_EQ(fx_stat(&f, SG_STAT_PACKETS), sizeof(cases) / sizeof(cases[0]), "packets");
		fx_close(&f);
	}
}

static void test_manual_blocks(void)
{
	struct pkt_spec s;
	struct sg_config cfg;
	struct fx f;

	h_begin("manual blocks: exact, CIDR, TTL, and allow-list precedence");
	if (!open_or_fail(&f, NULL))
		return;
	CHECK_EQ(add_block(&f, "198.18.0.9", 0), 0, "block add exact");
	CHECK_EQ(add_block(&f, "198.18.5.0/24", 30), 0, "block add cidr");
	CHECK_EQ(add_block(&f, "2001:db8:9::/48", 0), 0, "block add v6 cidr");
	CHECK_EQ(add_block(&f, "2001:db8:7:7::/64", 0), 0, "block add v6 source prefix");
	CHECK_EQ(f.m.state_mm->nr_blocks, 2, "exact block count");
	CHECK_EQ(f.m.state_mm->nr_cidr_blocks, 2, "cidr block count");

	s = fx_tcp("198.18.0.9", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "exact block");
	s = fx_tcp("198.18.5.77", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "inside cidr block");
	s = fx_tcp("198.18.6.77", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "outside cidr block");
	s = fx_tcp("2001:db8:9:1::5", HOST6, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "inside v6 cidr block");
	s = fx_tcp("2001:db8:7:7::abcd", HOST6, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "inside blocked v6 source prefix");
	s = fx_tcp("2001:db8:7:8::abcd", HOST6, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "next v6 prefix");

	/* An allowed address inside a blocked range stays allowed. */
	add_allow(&f, "198.18.5.7");
	s = fx_tcp("198.18.5.7", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "allowed inside a blocked range");
	/* Blocking an allowed address is refused. */
	CHECK_EQ(add_block(&f, "198.18.5.7", 0), -EPERM, "block of an allowed address");

	/* The CIDR block's TTL is decided in the kernel. */
	f.now += SEC_NS(30);
	s = fx_tcp("198.18.5.77", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "cidr block expired");
	CHECK_EQ(sg_block_sweep(&f.m, f.now), 1, "sweep removes the expired block");
	CHECK_EQ(f.m.state_mm->nr_cidr_blocks, 1, "cidr count after sweep");

	/* Deleting lifts it at once. */
	struct sg_cidr c;
	char err[64];

	sg_cidr_parse("198.18.0.9", &c, err, sizeof(err));
	CHECK_EQ(sg_block_del(&f.m, &c), 0, "block del");
	CHECK_EQ(sg_block_del(&f.m, &c), -ENOENT, "block del twice");
	s = fx_tcp("198.18.0.9", HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "unblocked");

	/* Changing ipv6-prefix keeps existing IPv6 blocks working. */
	sg_config_read(&f.m, &cfg);
	CHECK_EQ(sg_block_rekey_v6(&f.m, cfg.ipv6_prefix), 0, "rekey");
	cfg.ipv6_prefix = 56;
	fx_set_config(&f, &cfg);
	s = fx_tcp("2001:db8:7:7::abcd", HOST6, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "v6 block after the prefix changed");
	fx_close(&f);
}

static void test_monitor_mode(void)
{
	struct sg_config cfg = cfg_with(3, 60, 600);
	struct pkt_spec s;
	struct fx f;

	cfg.mode = SG_MODE_MONITOR;
	h_begin("monitor mode: nothing dropped, detection reported once");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int port = 1; port <= 50; port++) {
		s = fx_tcp(SCANNER, HOST, port, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "monitor never drops");
	}
	CHECK_EQ(fx_events(&f), 1, "events");
	if (f.nev)
		CHECK_EQ(f.ev[0].action, SG_ACT_MONITORED, "event action");
	CHECK_EQ(fx_stat(&f, SG_STAT_DROP_BLOCKED) + fx_stat(&f, SG_STAT_DROP_DETECT), 0, "drops");
	CHECK_EQ(fx_stat(&f, SG_STAT_MONITOR_PASSED), 47, "monitor_would_drop");
	/* Switching to enforce applies at once to what was detected. */
	cfg.mode = SG_MODE_ENFORCE;
	fx_set_config(&f, &cfg);
	s = fx_tcp(SCANNER, HOST, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "enforced after the switch");
	fx_close(&f);
}

/* ---- the host's own UDP traffic -------------------------------------------- */

static int bind_udp(int family, uint16_t port)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int ret;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, sizeof(int));
	ret = family == AF_INET ? bind(fd, (void *)&a4, sizeof(a4)) : bind(fd, (void *)&a6, sizeof(a6));
	if (ret) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_host_udp_replies(void)
{
	struct sg_config cfg = cfg_with(5, 60, 600);
	int fds[60], nfd = 0;
	struct pkt_spec s;
	struct fx f;

	h_begin("udp replies to this host's own sockets (dns, ntp, quic) are not probes");
	if (!open_or_fail(&f, &cfg))
		return;
	/* Like a resolver's answers: one server, many ephemeral destination ports. */
	for (int i = 0; i < 30; i++) {
		fds[nfd] = bind_udp(AF_INET, 33000 + i);
		if (!CHECK(fds[nfd] >= 0, "bind udp: %s", strerror(errno)))
			break;
		nfd++;
		fds[nfd] = bind_udp(AF_INET6, 33000 + i);
		if (!CHECK(fds[nfd] >= 0, "bind udp6: %s", strerror(errno)))
			break;
		nfd++;
	}
	for (int i = 0; i < 30; i++) {
		s = fx_udp("198.18.0.53", HOST, 53, 33000 + i);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "dns answer");
		s = fx_udp("198.18.0.123", HOST, 123, 33000 + i);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "ntp answer");
		s = fx_udp("2001:db8:53::53", HOST6, 443, 33000 + i);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "quic answer over ipv6");
	}
	CHECK_EQ(fx_stat(&f, SG_STAT_PROBES), 0, "probes");
	CHECK_EQ(fx_stat(&f, SG_STAT_DETECTIONS), 0, "detections");
	/* The same source to ports with no socket is a UDP scan. */
	for (int i = 0; i < 6; i++) {
		s = fx_udp("198.18.0.53", HOST, 53, 44000 + i);
		fx_run(&f, &s);
	}
	CHECK(fx_blocked(&f, "198.18.0.53"), "udp scan not blocked");
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
	fx_close(&f);
}

/* ---- IPv6 prefix aggregation ------------------------------------------------ */

static void test_ipv6_prefix(void)
{
	struct sg_config cfg = cfg_with(4, 60, 600);
	char src[64];
	struct pkt_spec s;
	struct fx f;

	h_begin("ipv6: sources rotating inside a /64 are one source; allowed addresses inside stay allowed");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int i = 1; i <= 4; i++) {
		snprintf(src, sizeof(src), "2001:db8:1:2::%x", i * 0x1111);
		s = fx_tcp(src, HOST6, i, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "within threshold");
	}
	s = fx_tcp("2001:db8:1:2:ffff::1", HOST6, 5, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "fifth port from the same /64");
	CHECK(fx_blocked(&f, "2001:db8:1:2::"), "the /64 is not blocked");
	s = fx_tcp("2001:db8:1:2:abcd::9", HOST6, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "any address of the blocked /64");
	s = fx_tcp("2001:db8:1:3::9", HOST6, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "the next /64");
	if (fx_events(&f) == 1)
		CHECK_EQ(f.ev[0].prefixlen, 64, "event prefix length");
	/* An allow-listed address inside the blocked /64 stays allowed. */
	add_allow(&f, "2001:db8:1:2::77");
	s = fx_tcp("2001:db8:1:2::77", HOST6, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_PASS, "allowed address inside the blocked /64");
	s = fx_tcp("2001:db8:1:2::78", HOST6, 80, ACK);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "its neighbour in the /64");
	CHECK(fx_blocked(&f, "2001:db8:1:2::"), "the /64 stays blocked");

	/* A /48 setting, live. */
	cfg.ipv6_prefix = 48;
	fx_set_config(&f, &cfg);
	for (int i = 1; i <= 4; i++) {
		snprintf(src, sizeof(src), "2001:db8:77:%x::1", i);
		s = fx_tcp(src, HOST6, i, SYN);
		CHECK_EQ(fx_run(&f, &s), XDP_PASS, "within threshold /48");
	}
	s = fx_tcp("2001:db8:77:ff::1", HOST6, 5, SYN);
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "fifth port from the same /48");
	fx_close(&f);
}

/* ---- exact counting on two CPUs at once ------------------------------------ */

struct cpu_worker {
	struct fx *f;
	int cpu;
	int ports;
	int rounds;
	int drops;
	int failed;
};

static void *cpu_worker_run(void *arg)
{
	struct cpu_worker *w = arg;
	cpu_set_t set;
	uint8_t buf[PKT_MAX];

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (int r = 0; r < w->rounds; r++)
		for (int p = 0; p < w->ports; p++) {
			/* Both CPUs walk the same ports in opposite orders. */
			int port = 1000 + (w->cpu % 2 ? p : w->ports - 1 - p);
			struct pkt_spec s = fx_tcp(SCANNER, HOST, port, SYN);
			size_t len = pkt_build(&s, buf, sizeof(buf));
			int v = fx_run_raw(w->f, buf, len);

			w->failed += v < 0;
			w->drops += v == XDP_DROP;
		}
	return NULL;
}

static void test_two_cpus(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (int variant = 0; variant < 2; variant++) {
		/* Exactly threshold distinct ports: never blocked; one more: one event. */
		uint32_t threshold = 60;
		int ports = variant ? threshold + 1 : threshold;
		struct sg_config cfg = cfg_with(threshold, 600, 600);
		struct cpu_worker w[2];
		pthread_t th[2];
		struct fx f;

		h_begin("two cpus probing %d distinct ports at once (threshold %u)", ports,
			threshold);
		if (ncpu < 2) {
			CHECK(false, "needs two CPUs, this machine has %ld", ncpu);
			continue;
		}
		if (!open_or_fail(&f, &cfg))
			continue;
		for (int i = 0; i < 2; i++) {
			w[i] = (struct cpu_worker){ .f = &f, .cpu = i, .ports = ports, .rounds = 20 };
			pthread_create(&th[i], NULL, cpu_worker_run, &w[i]);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		CHECK_EQ(w[0].failed + w[1].failed, 0, "failed runs");
		CHECK_EQ(fx_stat(&f, SG_STAT_DETECTIONS), variant, "detections");
		CHECK_EQ(fx_events(&f), variant, "events");
		if (variant && f.nev == 1)
			CHECK_EQ(f.ev[0].count, threshold + 1, "count at detection");
		if (!variant)
			CHECK_EQ(w[0].drops + w[1].drops, 0, "drops below threshold");
		fx_close(&f);
	}
}

int main(void)
{
	test_classification();
	test_fast_path();
	test_truncation();
	test_threshold_exact();
	test_threshold_one();
	test_threshold_large(8);
	test_threshold_large(9);
	test_threshold_large(40);
	test_threshold_large(SG_MAX_THRESHOLD);
	test_window_expiry();
	test_block_expiry();
	test_production_clock();
	test_allow_list();
	test_allow_hint();
	test_manual_blocks();
	test_blocked_frames();
	test_allowed_inside_v6_blocks();
	test_fast_path_blocked();
	test_monitor_mode();
	test_host_udp_replies();
	test_ipv6_prefix();
	test_two_cpus();
	return h_finish();
}
