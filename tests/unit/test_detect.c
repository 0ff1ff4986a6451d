// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_detect.c - unit tests of every detector through BPF_PROG_TEST_RUN,
 * at their exact crossing points: the failure score (Threshold Random Walk)
 * with success credit and its cap, stealth flags, tiny fragments, ACK scans,
 * the distinct-port backstop under scoring, trap ports, segment mode
 * (exposed services, sweeps, answers to the segment's own flows), source
 * networks (distributed scans), the slow window (nmap -T0/-T1 pacing, and a
 * flood that must not flush it), repeat offenders, and what says a SYN's
 * port is open (socket-lookup listener or exact).  Time is the test
 * clock.  Run in a network namespace of its own: the listening sockets the
 * tests open are then the only "open ports".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "cfgkeys.h"
#include "fixture.h"
#include "harness.h"
#include "ops.h"
#include "scanguard.skel.h"
#include "skel.h"
#include "sg_admit.h"
#include "sg_parse.h"

#define SCANNER  "198.18.0.2"
#define HOST     "198.18.0.1"
#define SCANNER6 "2001:db8:1:2::10"
#define HOST6    "2001:db8::1"
#define SYN      SG_TCP_SYN
#define ACK      SG_TCP_ACK
#define FIN      SG_TCP_FIN

/* Ports the tests listen on: the host's "open services". */
static const uint16_t open_ports[] = { 22, 80, 443, 8000, 8001, 8002, 8003, 8004, 8005, 8006 };
#define NOPEN (sizeof(open_ports) / sizeof(open_ports[0]))
static int listeners[2 * NOPEN];

/* A TCP listener on port of every address of the family (IPv6 only for
 * AF_INET6); returns its socket or -1. */
static int listen_port(int family, uint16_t port)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int fd = socket(family, SOCK_STREAM, 0), one = 1, ret;

	if (fd < 0)
		return -1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	ret = family == AF_INET ? bind(fd, (void *)&a4, sizeof(a4)) : bind(fd, (void *)&a6, sizeof(a6));
	if (ret || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void listen_all(void)
{
	for (size_t i = 0; i < NOPEN; i++) {
		listeners[2 * i] = listen_port(AF_INET, open_ports[i]);
		listeners[2 * i + 1] = listen_port(AF_INET6, open_ports[i]);
		if (listeners[2 * i] < 0 || listeners[2 * i + 1] < 0) {
			fprintf(stderr, "cannot listen on %u: %s\n", open_ports[i], strerror(errno));
			exit(1);
		}
	}
}

/* Scoring on with the paper's parameters; the other detectors off unless a
 * test turns them on. */
static struct sg_config cfg_scoring(void)
{
	struct sg_config c = fx_cfg_plain(SG_DEFAULT_THRESHOLD, 300, 600);

	c.score_threshold = SG_DEFAULT_SCORE_THRESHOLD;
	c.score_credit = SG_DEFAULT_SCORE_CREDIT;
	return c;
}

static bool open_or_fail(struct fx *f, const struct sg_config *cfg)
{
	int ret = fx_open(f, cfg);

	return CHECK(ret == 0, "cannot load the XDP program: %s", strerror(-ret));
}

static int run(struct fx *f, struct pkt_spec s)
{
	return fx_run(f, &s);
}

static int last_detector(struct fx *f)
{
	return fx_events(f) > 0 ? (int)f->ev[f->nev - 1].detector : -1;
}

/* ---- failure score ---------------------------------------------------------- */

static void test_score_closed_ports(void)
{
	struct sg_config cfg = cfg_scoring();
	struct fx f;

	h_begin("score: the 4th failed first contact blocks (theta 0.8/0.2, alpha 0.01, beta 0.99)");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int port = 1; port <= 3; port++)
		CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, port, SYN)), XDP_PASS, "failures 1-3");
	/* Retransmissions are not first contacts. */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 2, SYN)), XDP_PASS, "retransmission");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 4, SYN)), XDP_DROP, "4th failure");
	CHECK_EQ(last_detector(&f), SG_DET_SCORE, "detector");
	if (f.nev == 1) {
		CHECK_EQ(f.ev[0].score, 4, "event score");
		CHECK_EQ(f.ev[0].threshold, 4, "event threshold");
		CHECK_EQ(f.ev[0].count, 4, "event failed targets");
	}
	CHECK(fx_blocked(&f, SCANNER), "not blocked");
	fx_close(&f);

	h_begin("score: ipv6 sources are scored per /64 too");
	if (!open_or_fail(&f, &cfg))
		return;
	CHECK_EQ(run(&f, fx_tcp("2001:db8:1:2::1", HOST6, 1, SYN)), XDP_PASS, "1");
	CHECK_EQ(run(&f, fx_tcp("2001:db8:1:2::2", HOST6, 2, SYN)), XDP_PASS, "2");
	CHECK_EQ(run(&f, fx_tcp("2001:db8:1:2::3", HOST6, 3, SYN)), XDP_PASS, "3");
	CHECK_EQ(run(&f, fx_tcp("2001:db8:1:2::4", HOST6, 4, SYN)), XDP_DROP, "4");
	fx_close(&f);

	/* A program whose clock reads a tick behind the one that opened the
	 * window (the new one just after --upgrade) continues it: the
	 * unsigned difference must not wrap into "the window is over". */
	h_begin("score: a window opened a tick ahead of the clock goes on");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int port = 1; port <= 3; port++)
		CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, port, SYN)), XDP_PASS, "below the score");
	f.now -= 4000000;	/* one tick at HZ 250 */
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 4, SYN)), XDP_DROP, "the 4th failure blocks");
	fx_close(&f);
}

static void test_score_credit(void)
{
	struct sg_config cfg = cfg_scoring();
	struct fx f;

	h_begin("score: successes offset failures, at most score-credit");
	if (!open_or_fail(&f, &cfg))
		return;
	/* Five different open services: five successes, but only 2 steps of credit. */
	for (int i = 0; i < 5; i++)
		CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, open_ports[i], SYN)), XDP_PASS, "success");
	for (int port = 1; port <= 5; port++)
		CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, port, SYN)), XDP_PASS, "failures 1-5");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 6, SYN)), XDP_DROP, "6th failure (-2 + 6 = 4)");
	CHECK_EQ(last_detector(&f), SG_DET_SCORE, "detector");
	fx_close(&f);

	h_begin("score: the mixing trick with one open port earns one step only");
	if (!open_or_fail(&f, &cfg))
		return;
	int dropped_at = 0;

	for (int i = 1; i <= 10 && !dropped_at; i++) {
		run(&f, fx_tcp(SCANNER, HOST, 80, SYN));
		if (run(&f, fx_tcp(SCANNER, HOST, 100 + i, SYN)) == XDP_DROP)
			dropped_at = i;
	}
	CHECK_EQ(dropped_at, 5, "failure that was dropped");
	CHECK_EQ(last_detector(&f), SG_DET_SCORE, "detector");
	fx_close(&f);

	h_begin("score: mixing in many open ports earns score-credit steps in all");
	if (!open_or_fail(&f, &cfg))
		return;
	dropped_at = 0;
	for (int i = 1; i <= (int)NOPEN && !dropped_at; i++) {
		run(&f, fx_tcp(SCANNER, HOST, open_ports[i - 1], SYN));
		if (run(&f, fx_tcp(SCANNER, HOST, 100 + i, SYN)) == XDP_DROP)
			dropped_at = i;
	}
	CHECK_EQ(dropped_at, 6, "failure that was dropped (-2 + 6 = 4)");
	CHECK_EQ(last_detector(&f), SG_DET_SCORE, "detector");
	fx_close(&f);

	h_begin("score: the credit is per window");
	if (!open_or_fail(&f, &cfg))
		return;
	run(&f, fx_tcp(SCANNER, HOST, open_ports[0], SYN));
	run(&f, fx_tcp(SCANNER, HOST, open_ports[1], SYN));
	run(&f, fx_tcp(SCANNER, HOST, open_ports[2], SYN));
	f.now += SEC_NS(300);
	for (int port = 1; port <= 3; port++)
		CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, port, SYN)), XDP_PASS, "failures 1-3");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 4, SYN)), XDP_DROP, "no credit carried over");
	fx_close(&f);

	h_begin("score: mixing past any credit is caught by the distinct-port backstop");
	cfg.score_threshold = SG_MAX_SCORE;
	cfg.score_credit = SG_MAX_SCORE;
	cfg.threshold = 5;
	if (!open_or_fail(&f, &cfg))
		return;
	dropped_at = 0;
	for (int i = 1; i <= (int)NOPEN && !dropped_at; i++) {
		run(&f, fx_tcp(SCANNER, HOST, open_ports[i - 1], SYN));
		if (run(&f, fx_tcp(SCANNER, HOST, 100 + i, SYN)) == XDP_DROP)
			dropped_at = i;
	}
	CHECK_EQ(dropped_at, 6, "failure that was dropped");
	CHECK_EQ(last_detector(&f), SG_DET_DISTINCT_PORTS, "detector");
	fx_close(&f);
}

static void test_benign_client(void)
{
	struct sg_config cfg = cfg_scoring();
	struct fx f;

	h_begin("score: a client of every open service, many times, is never blocked");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int round = 0; round < 50; round++)
		for (size_t i = 0; i < NOPEN; i++) {
			CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, open_ports[i], SYN)), XDP_PASS, "syn");
			CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, open_ports[i], ACK)), XDP_PASS, "data");
		}
	/* Even with a couple of mistyped ports on top. */
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 8080, SYN)), XDP_PASS, "one closed port");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 8443, SYN)), XDP_PASS, "two closed ports");
	CHECK_EQ(fx_stat(&f, SG_STAT_DETECTIONS), 0, "detections");
	/* Only first contacts are looked up and counted as open or failed. */
	CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_OPEN), NOPEN, "probes_open");
	fx_close(&f);
}

static void test_stealth_fragment_ack(void)
{
	struct sg_config cfg = cfg_scoring();
	struct pkt_spec s;
	struct fx f;

	h_begin("stealth flags: the 2nd FIN/NULL/Xmas probe blocks");
	if (!open_or_fail(&f, &cfg))
		return;
	CHECK_EQ(run(&f, fx_bare(SCANNER, HOST, 1, FIN)), XDP_PASS, "first fin");
	CHECK_EQ(run(&f, fx_bare(SCANNER, HOST, 2, 0)), XDP_DROP, "then null");
	CHECK_EQ(last_detector(&f), SG_DET_STEALTH, "detector");
	if (f.nev)
		CHECK_EQ(f.ev[0].kinds, SG_PROBE_FIN | SG_PROBE_NULL, "kinds");
	fx_close(&f);

	h_begin("fragments: the 2nd tiny first fragment blocks, each is dropped");
	if (!open_or_fail(&f, &cfg))
		return;
	s = fx_tcp(SCANNER, HOST, 80, SYN);
	s.frag_first = true;
	s.l4_cut = 8;
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "first tiny fragment dropped");
	CHECK_EQ(fx_stat(&f, SG_STAT_DROP_FRAGMENT), 1, "dropped_tiny_fragment");
	s.dport = 81;
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "second");
	CHECK_EQ(last_detector(&f), SG_DET_FRAGMENT, "detector");
	/* A later fragment of the blocked source goes too. */
	s.frag_first = false;
	s.frag_later = true;
	CHECK_EQ(fx_run(&f, &s), XDP_DROP, "later fragment of a blocked source");
	fx_close(&f);

	h_begin("ack scan: bare ACKs to no connection score as failures");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int port = 1; port <= 3; port++)
		CHECK_EQ(run(&f, fx_bare(SCANNER, HOST, port, ACK)), XDP_PASS, "acks 1-3");
	/* An ACK to a listening port is not evidence. */
	CHECK_EQ(run(&f, fx_bare(SCANNER, HOST, 22, ACK)), XDP_PASS, "ack to a listener");
	CHECK_EQ(run(&f, fx_bare(SCANNER, HOST, 4, ACK | FIN)), XDP_DROP, "4th (maimon)");
	CHECK_EQ(last_detector(&f), SG_DET_SCORE, "detector");
	fx_close(&f);
}

static void test_backstop_counts_failures(void)
{
	struct sg_config cfg = cfg_scoring();
	struct fx f;

	cfg.score_threshold = SG_MAX_SCORE;	/* leave the backstop alone */
	cfg.threshold = 5;
	h_begin("backstop under scoring: counts failed targets only");
	if (!open_or_fail(&f, &cfg))
		return;
	for (size_t i = 0; i < NOPEN; i++)
		run(&f, fx_tcp(SCANNER, HOST, open_ports[i], SYN));
	for (int port = 1; port <= 5; port++)
		CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, port, SYN)), XDP_PASS, "failures 1-5");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 6, SYN)), XDP_DROP, "6th failure");
	CHECK_EQ(last_detector(&f), SG_DET_DISTINCT_PORTS, "detector");
	fx_close(&f);
}

/* ---- trap ports ---------------------------------------------------------------- */

static void test_traps(void)
{
	struct sg_config cfg = cfg_scoring();
	struct fx f;

	h_begin("trap ports: one probe blocks at once");
	if (!open_or_fail(&f, &cfg))
		return;
	CHECK_EQ(sg_trap_set(&f.m, SG_PC_TCP, 23, true), 0, "trap tcp/23");
	CHECK_EQ(sg_trap_set(&f.m, SG_PC_UDP, 1900, true), 0, "trap udp/1900");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 24, SYN)), XDP_PASS, "next to the trap");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 23, SYN)), XDP_DROP, "the trap");
	CHECK_EQ(last_detector(&f), SG_DET_TRAP, "detector");
	CHECK_EQ(run(&f, fx_udp("198.18.0.3", HOST, 5000, 1900)), XDP_DROP, "udp trap");
	CHECK(fx_blocked(&f, "198.18.0.3"), "udp trap source blocked");
	/* Traps never fire on traffic, only on probes. */
	CHECK_EQ(run(&f, fx_tcp("198.18.0.4", HOST, 23, ACK)), XDP_PASS, "data to the trap port");
	CHECK_EQ(sg_trap_set(&f.m, SG_PC_TCP, 23, false), 0, "untrap");
	CHECK_EQ(run(&f, fx_tcp("198.18.0.5", HOST, 23, SYN)), XDP_PASS, "after untrap");
	fx_close(&f);
}

/* ---- segment mode ---------------------------------------------------------------- */

static void expose(struct fx *f, const char *spec)
{
	struct sg_expose_entry e;
	char err[256];

	if (CHECK(!sg_expose_parse(spec, &e, err, sizeof(err)), "%s", err))
		CHECK(!sg_expose_add(&f->m, &e, err, sizeof(err)), "%s", err);
}

static int run_inside(struct fx *f, struct pkt_spec s)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(&s, buf, sizeof(buf));
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = len, .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.scanguard_xdp_inside_test),
				   &opts))
		return -1;
	return opts.retval;
}

static void test_segment(void)
{
	struct sg_config cfg = cfg_scoring();
	char dst[32];
	struct fx f;

	cfg.protect = SG_PROTECT_SEGMENT;
	cfg.sweep_threshold = 5;
	cfg.score_threshold = SG_MAX_SCORE;	/* isolate the counts */
	h_begin("segment: exposed services are successes, the rest failures");
	if (!open_or_fail(&f, &cfg))
		return;
	expose(&f, "tcp/443@198.18.2.0/24");
	expose(&f, "tcp/any@198.18.2.10");
	expose(&f, "icmp@198.18.2.20");
	for (int i = 0; i < 30; i++) {
		CHECK_EQ(run(&f, fx_tcp(SCANNER, "198.18.2.30", 443, SYN)), XDP_PASS, "exposed");
		CHECK_EQ(run(&f, fx_tcp(SCANNER, "198.18.2.10", 1000 + i, SYN)), XDP_PASS,
			 "every port of .10");
	}
	CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_FAILED), 0, "failures so far");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, "198.18.2.30", 22, SYN)), XDP_PASS, "not exposed");
	CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_FAILED), 1, "probes_failed");
	fx_close(&f);

	h_begin("segment: a horizontal sweep of one port across hosts");
	if (!open_or_fail(&f, &cfg))
		return;
	expose(&f, "tcp/443@198.18.2.0/24");
	for (int h = 1; h <= 5; h++) {
		snprintf(dst, sizeof(dst), "198.18.2.%d", 100 + h);
		CHECK_EQ(run(&f, fx_tcp(SCANNER, dst, 3389, SYN)), XDP_PASS, "hosts 1-5");
		CHECK_EQ(run(&f, fx_tcp(SCANNER, dst, 3389, SYN)), XDP_PASS, "retransmission");
	}
	CHECK_EQ(run(&f, fx_tcp(SCANNER, "198.18.2.106", 3389, SYN)), XDP_DROP, "6th host");
	CHECK_EQ(last_detector(&f), SG_DET_SWEEP, "detector");
	if (f.nev) {
		CHECK_EQ(f.ev[0].hosts, 6, "event hosts");
		CHECK_EQ(f.ev[0].last_target, SG_TARGET(SG_PC_TCP, 3389), "event target");
	}
	fx_close(&f);

	h_begin("segment: a vertical scan of one host");
	cfg.threshold = 5;
	if (!open_or_fail(&f, &cfg))
		return;
	for (int port = 1; port <= 5; port++)
		CHECK_EQ(run(&f, fx_tcp(SCANNER, "198.18.2.40", port, SYN)), XDP_PASS, "ports 1-5");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, "198.18.2.40", 6, SYN)), XDP_DROP, "6th port");
	CHECK_EQ(last_detector(&f), SG_DET_DISTINCT_PORTS, "detector");
	fx_close(&f);
	cfg.threshold = SG_DEFAULT_THRESHOLD;

	h_begin("segment: an icmp echo sweep");
	if (!open_or_fail(&f, &cfg))
		return;
	expose(&f, "icmp@198.18.2.20");
	struct pkt_spec echo = { .family = 4, .src = SCANNER, .proto = IPPROTO_ICMP };

	echo.dst = "198.18.2.20";
	CHECK_EQ(fx_run(&f, &echo), XDP_PASS, "ping of a host that answers pings");
	for (int h = 1; h <= 5; h++) {
		snprintf(dst, sizeof(dst), "198.18.2.%d", 200 + h);
		echo.dst = dst;
		CHECK_EQ(fx_run(&f, &echo), XDP_PASS, "pings 1-5");
	}
	echo.dst = "198.18.2.206";
	CHECK_EQ(fx_run(&f, &echo), XDP_DROP, "6th host pinged");
	CHECK_EQ(last_detector(&f), SG_DET_SWEEP, "detector");
	fx_close(&f);

	h_begin("segment: answers to the segment's own flows are not probes");
	cfg.score_threshold = SG_DEFAULT_SCORE_THRESHOLD;
	if (!open_or_fail(&f, &cfg))
		return;
	/* A segment host queries DNS and NTP servers, and connects out. */
	for (int i = 0; i < 10; i++) {
		CHECK_EQ(run_inside(&f, fx_udp("198.18.2.50", "198.18.0.53", 33000 + i, 53)),
			 XDP_PASS, "inside never drops");
		run_inside(&f, fx_bare("198.18.2.50", "198.18.0.80", 44000 + i, SYN));
	}
	CHECK_EQ(fx_stat(&f, SG_STAT_FLOWS_RECORDED), 20, "flows_recorded");
	for (int i = 0; i < 10; i++) {
		CHECK_EQ(run(&f, fx_udp("198.18.0.53", "198.18.2.50", 53, 33000 + i)), XDP_PASS,
			 "dns answer");
		/* Bare ACKs of the connection it opened. */
		struct pkt_spec ack = fx_bare("198.18.0.80", "198.18.2.50", 40000, ACK);

		ack.sport = 44000 + i;
		CHECK_EQ(run(&f, ack), XDP_PASS, "ack of an outbound connection");
	}
	CHECK_EQ(fx_stat(&f, SG_STAT_PROBES), 0, "probes");
	/* The same server to ports the segment never used: a UDP scan. */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(run(&f, fx_udp("198.18.0.53", "198.18.2.50", 53, 50000 + i)), XDP_PASS,
			 "udp probes 1-3");
	CHECK_EQ(run(&f, fx_udp("198.18.0.53", "198.18.2.50", 53, 50003)), XDP_DROP, "4th");
	fx_close(&f);
}

/* ---- distributed scans ---------------------------------------------------------- */

static void test_distributed(void)
{
	struct sg_config cfg = cfg_scoring();
	char src[32];
	struct fx f;

	cfg.net_threshold = 10;
	h_begin("distributed: a scan spread across a /24 is caught as one");
	if (!open_or_fail(&f, &cfg))
		return;
	/* Ten sources, one closed port each: no source crosses anything alone. */
	for (int i = 1; i <= 10; i++) {
		snprintf(src, sizeof(src), "198.18.9.%d", i);
		CHECK_EQ(run(&f, fx_tcp(src, HOST, 1000 + i, SYN)), XDP_PASS, "sources 1-10");
	}
	CHECK_EQ(fx_events(&f), 0, "no event yet");
	CHECK_EQ(run(&f, fx_tcp("198.18.9.77", HOST, 1011, SYN)), XDP_DROP, "11th target");
	CHECK_EQ(last_detector(&f), SG_DET_DISTRIBUTED, "detector");
	if (f.nev) {
		struct sg_cidr want;
		char err[64];

		sg_cidr_parse("198.18.9.0", &want, err, sizeof(err));
		CHECK(!memcmp(&f.ev[0].src, &want.addr, 16), "event names the network");
		CHECK_EQ(f.ev[0].prefixlen, 24, "event prefix length");
		CHECK_EQ(f.ev[0].count, 11, "event count");
	}
	CHECK_EQ(run(&f, fx_tcp("198.18.9.200", HOST, 80, ACK)), XDP_DROP, "the whole /24 blocked");
	CHECK_EQ(run(&f, fx_tcp("198.18.10.1", HOST, 80, ACK)), XDP_PASS, "the next /24");
	fx_close(&f);

	h_begin("distributed: ipv6 per /48");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int i = 1; i <= 10; i++) {
		snprintf(src, sizeof(src), "2001:db8:5:%x::1", i);
		CHECK_EQ(run(&f, fx_tcp(src, HOST6, 1000 + i, SYN)), XDP_PASS, "sources 1-10");
	}
	CHECK_EQ(run(&f, fx_tcp("2001:db8:5:ff::1", HOST6, 1011, SYN)), XDP_DROP, "11th target");
	CHECK_EQ(last_detector(&f), SG_DET_DISTRIBUTED, "detector");
	fx_close(&f);
}

/* Ten new sources of the /24 net ("198.18.12.") probe ten closed ports from
 * first, and an eleventh source one more: with net-threshold 10, the
 * network crosses at the eleventh target, which counts every one anew. */
static void net_crosses(struct fx *f, const char *net, int host0, uint16_t first, const char *what)
{
	char src[32];

	for (int i = 0; i <= 10; i++) {
		snprintf(src, sizeof(src), "%s%d", net, host0 + i);
		CHECK(run(f, fx_tcp(src, HOST, first + i, SYN)) == (i < 10 ? XDP_PASS : XDP_DROP),
		      "%s: target %d %s", what, i + 1, i < 10 ? "dropped" : "passed");
	}
	CHECK(last_detector(f) == SG_DET_DISTRIBUTED, "%s: detector %d", what, last_detector(f));
}

/* Each CPU remembers the (network, target) pairs its network weighings
 * found seen (bpf/weigh.h); a remembered pair must not hide another
 * network's target, nor the same network's target in its next window. */
static void test_distributed_seen_pairs(void)
{
	struct sg_config cfg = cfg_scoring();
	char src[32];
	struct fx f;
	int n = 0;

	cfg.net_threshold = 10;
	h_begin("distributed: seen targets count for another network and in the next window");
	if (!open_or_fail(&f, &cfg))
		return;
	/* Network A: ten targets, each probed by three sources (the first
	 * probe of each counts, the repeats find the pair seen); network C:
	 * one target, so it stays in its admission slot. */
	for (int i = 0; i < 30; i++) {
		snprintf(src, sizeof(src), "198.18.11.%d", i + 1);
		n += run(&f, fx_tcp(src, HOST, 2001 + i % 10, SYN)) == XDP_PASS;
		snprintf(src, sizeof(src), "198.18.13.%d", i + 1);
		n += run(&f, fx_tcp(src, HOST, 3000, SYN)) == XDP_PASS;
	}
	CHECK_EQ(n, 60, "every probe passes: ten targets are not over the threshold");
	CHECK_EQ(fx_events(&f), 0, "no event yet");
	net_crosses(&f, "198.18.12.", 1, 2001, "B, the ten targets A probed and one more");
	f.now += cfg.window_ns + SEC_NS(1);
	net_crosses(&f, "198.18.11.", 100, 2001, "A, next window: its ten targets again and one more");
	net_crosses(&f, "198.18.13.", 100, 3000, "C, next window: its old target and ten more");
	fx_close(&f);
}

/* A source's or network's key ("198.18.11.0" for a /24), as the program
 * makes it. */
static struct sg_addr key_of(const char *addr)
{
	struct sg_cidr c = {};
	char err[64];

	CHECK(!sg_cidr_parse(addr, &c, err, sizeof(err)), "%s: %s", addr, err);
	return c.addr;
}

static __u64 hint_words[(1u << SG_TRACK_HINT_ORDER) / 64];	/* the larger hint */

static bool hinted(const struct bpf_map *hint, __u32 order, const char *addr)
{
	struct sg_addr key = key_of(addr);
	__u32 zero = 0, bit = sg_hint_bit(&key, order);

	if (!CHECK(!bpf_map_lookup_elem(bpf_map__fd(hint), &zero, hint_words), "read the hint"))
		return false;
	return hint_words[bit / 64] & (1ULL << (bit % 64));
}

static void hint_clear(const struct bpf_map *hint)
{
	__u32 zero = 0;

	memset(hint_words, 0, sizeof(hint_words));
	CHECK(!bpf_map_update_elem(bpf_map__fd(hint), &zero, hint_words, BPF_ANY), "clear the hint");
}

/* An entry's distinct-target count; 0 without an entry. */
static __u32 entry_count(struct fx *f, bool net, const char *addr)
{
	struct sg_addr key = key_of(addr);
	struct sg_track t;

	return fx_track(f, net, &key, &t, false) ? t.count : 0;
}

/* Probe i of key: a network's from its host i (one probe each, so no source
 * gets an entry), a source's from itself; each to a closed port of its own. */
static void hint_probe(struct fx *f, const char *key, bool net, int i)
{
	char src[32];

	snprintf(src, sizeof(src), "%.*s%d", (int)(strrchr(key, '.') + 1 - key), key, i);
	run(f, fx_tcp(net ? src : key, HOST, 2000 + i, SYN));
}

/* The tracking maps' hints (include/sg_admit.h): a key's bit is set when
 * the program makes its entry; a key whose bit is clear is not looked up;
 * a build sets the bits of the entries the map holds, and only those. */
static void test_hints(void)
{
	struct sg_config cfg = cfg_scoring();
	const struct {
		const char *what, *a, *b;
		bool net;
	} cases[] = {
		{ "sources", "198.18.21.1", "198.18.22.1", false },
		{ "networks", "198.18.11.0", "198.18.12.0", true },
	};
	struct fx f;

	/* No threshold in reach of a few probes but the network's. */
	cfg.score_threshold = cfg.threshold = 100;
	cfg.slow_threshold = 0;
	cfg.net_threshold = 10;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *a = cases[i].a, *b = cases[i].b;
		bool net = cases[i].net;
		const struct bpf_map *hint;
		__u32 order;
		struct sg_addr kb;

		h_begin("tracking hints: %s", cases[i].what);
		if (!open_or_fail(&f, &cfg))
			return;
		hint = net ? f.skel->maps.SG_MAP_NET_HINT : f.skel->maps.SG_MAP_TRACK_HINT;
		order = net ? SG_NET_HINT_ORDER : SG_TRACK_HINT_ORDER;
		hint_probe(&f, a, net, 1);
		CHECK(!hinted(hint, order, a), "a key in its admission slot has no bit");
		hint_probe(&f, a, net, 2);
		CHECK_EQ(entry_count(&f, net, a), 2, "the second target makes the entry");
		CHECK(hinted(hint, order, a), "the entry's bit is set");
		hint_probe(&f, b, net, 1);
		hint_probe(&f, b, net, 2);
		CHECK(hinted(hint, order, b), "another entry's bit is set");
		kb = key_of(b);
		CHECK(fx_track(&f, net, &kb, NULL, true), "evict b");
		/* As a build that ran while a's entry went in. */
		hint_clear(hint);
		hint_probe(&f, a, net, 3);
		CHECK_EQ(entry_count(&f, net, a), 2, "bit clear: the entry is not looked up");
		hint_probe(&f, a, net, 4);
		CHECK_EQ(entry_count(&f, net, a), 3, "the next target finds the entry, one target short");
		CHECK(hinted(hint, order, a), "and sets the bit");
		CHECK(!hinted(hint, order, b), "b's bit is still clear");
		CHECK_EQ(sg_hints_build(f.skel), 0, "build");
		CHECK(hinted(hint, order, a), "a build sets the bit of every entry");
		CHECK(!hinted(hint, order, b), "and of no evicted one");
		hint_probe(&f, a, net, 5);
		CHECK_EQ(entry_count(&f, net, a), 4, "after a build the entry is found at once");
		fx_close(&f);
	}
}

/* ---- slow scans ------------------------------------------------------------------- */

static void test_slow(void)
{
	struct sg_config cfg = cfg_scoring();
	struct fx f;
	int dropped_at = 0;

	h_begin("slow: nmap -T1 pacing (one probe per 15 s) is caught by the 4th probe");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int i = 1; i <= 20 && !dropped_at; i++) {
		f.now += SEC_NS(15);
		if (run(&f, fx_tcp(SCANNER, HOST, i, SYN)) == XDP_DROP)
			dropped_at = i;
	}
	CHECK_EQ(dropped_at, 4, "probe that was dropped");
	fx_close(&f);

	h_begin("slow: nmap -T0 pacing (one probe per 5 min) is caught over hours");
	cfg.slow_threshold = 6;
	cfg.slow_window_ns = SEC_NS(6 * 3600);
	if (!open_or_fail(&f, &cfg))
		return;
	dropped_at = 0;
	for (int i = 1; i <= 20 && !dropped_at; i++) {
		f.now += SEC_NS(301);	/* each probe in a window of its own */
		if (run(&f, fx_tcp(SCANNER, HOST, i, SYN)) == XDP_DROP)
			dropped_at = i;
	}
	/* The first failure qualifies the source; the slow count then crosses 6. */
	CHECK_EQ(dropped_at, 7, "probe that was dropped");
	CHECK_EQ(last_detector(&f), SG_DET_SLOW, "detector");
	if (f.nev)
		CHECK_EQ(f.ev[0].window_ns, SEC_NS(6 * 3600), "event window");
	fx_close(&f);

	h_begin("slow: a flood of one-probe sources does not flush a slow scanner");
	if (!open_or_fail(&f, &cfg))
		return;
	dropped_at = 0;
	for (int i = 1; i <= 3; i++) {
		f.now += SEC_NS(301);
		run(&f, fx_tcp(SCANNER, HOST, i, SYN));
	}
	/* More spoofed sources than the tracking map holds, one probe each. */
	{
		uint8_t buf[PKT_MAX];
		struct pkt_spec s = fx_tcp("198.19.0.1", HOST, 9999, SYN);
		size_t len = pkt_build(&s, buf, sizeof(buf));
		size_t src_off = pkt_l3_off() + 12;

		for (uint32_t i = 0; i < SG_MAX_SOURCES + SG_MAX_SOURCES / 2; i++) {
			uint32_t a = htonl(0xc6130000u | (i & 0xffff)) ^ htonl((i >> 16) << 8);

			memcpy(buf + src_off, &a, 4);
			fx_run_raw(&f, buf, len);
		}
	}
	for (int i = 4; i <= 20 && !dropped_at; i++) {
		f.now += SEC_NS(301);
		if (run(&f, fx_tcp(SCANNER, HOST, i, SYN)) == XDP_DROP)
			dropped_at = i;
	}
	CHECK(dropped_at > 0 && dropped_at <= 8, "the slow scanner was caught at probe %d", dropped_at);
	fx_close(&f);
}

/* ---- repeat offenders ---------------------------------------------------------- */

static void test_repeat_offenders(void)
{
	struct sg_config cfg = cfg_scoring();
	uint64_t want[] = { 60, 120, 240, 480, 600, 600 };
	struct fx f;

	cfg.block_ttl_ns = SEC_NS(60);
	cfg.block_ttl_max_ns = SEC_NS(600);
	h_begin("repeat offenders: each block doubles, up to block-ttl-max");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int round = 0; round < 6; round++) {
		for (int port = 1; port <= 4; port++)
			run(&f, fx_tcp(SCANNER, HOST, 100 * round + port, SYN));
		if (!CHECK_EQ(fx_events(&f), round + 1, "events"))
			break;
		CHECK_EQ(f.ev[round].block_ttl_ns, SEC_NS(want[round]), "block ttl");
		CHECK_EQ(f.ev[round].strikes, round + 1, "strikes");
		/* Still blocked one second before the end, free at the end. */
		f.now += f.ev[round].block_ttl_ns - SEC_NS(1);
		CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 80, ACK)), XDP_DROP, "before expiry");
		f.now += SEC_NS(1);
		CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 80, ACK)), XDP_PASS, "at expiry");
	}
	/* Forgiven after a quiet block-ttl-max. */
	f.now += SEC_NS(601);
	for (int port = 1; port <= 4; port++)
		run(&f, fx_tcp(SCANNER, HOST, 9000 + port, SYN));
	if (CHECK_EQ(fx_events(&f), 7, "events"))
		CHECK_EQ(f.ev[6].block_ttl_ns, SEC_NS(60), "ttl after a quiet spell");
	fx_close(&f);
}

/* ---- blast radius and block policy ------------------------------------------- */

static void test_block_policy_and_cap(void)
{
	struct sg_config cfg = cfg_scoring();
	char src[32];
	struct fx f;

	cfg.block_policy = SG_POLICY_NEW;
	h_begin("block policy new: a blocked source keeps established traffic, loses probes");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int port = 1; port <= 4; port++)
		run(&f, fx_tcp(SCANNER, HOST, port, SYN));
	CHECK(fx_blocked(&f, SCANNER), "not blocked");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 22, ACK)), XDP_PASS, "established data passes");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 22, ACK | FIN)), XDP_PASS, "its close passes");
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 22, SYN)), XDP_DROP, "a new connection is dropped");
	CHECK_EQ(run(&f, fx_bare(SCANNER, HOST, 9, FIN)), XDP_DROP, "a stealth probe is dropped");
	CHECK_EQ(run(&f, fx_udp(SCANNER, HOST, 4000, 9)), XDP_DROP, "a udp probe is dropped");
	CHECK_EQ(fx_stat(&f, SG_STAT_BLOCKED_PASSED), 2, "blocked_traffic_passed");
	cfg.block_policy = SG_POLICY_ALL;
	fx_set_config(&f, &cfg);
	CHECK_EQ(run(&f, fx_tcp(SCANNER, HOST, 22, ACK)), XDP_DROP, "policy all drops everything");
	fx_close(&f);

	h_begin("max-blocks: past the cap detections are reported, not blocked");
	cfg.max_blocks = 3;
	if (!open_or_fail(&f, &cfg))
		return;
	for (int s = 1; s <= 5; s++) {
		snprintf(src, sizeof(src), "198.18.7.%d", s);
		for (int port = 1; port <= 4; port++)
			run(&f, fx_tcp(src, HOST, port, SYN));
		/* Over the threshold, its probes are dropped either way. */
		CHECK_EQ(run(&f, fx_tcp(src, HOST, 5, SYN)), XDP_DROP, "probe past the score");
	}
	CHECK_EQ(f.m.state_mm->nr_blocks, 3, "blocks");
	CHECK_EQ(fx_stat(&f, SG_STAT_BLOCK_CAP_REACHED), 2, "block_cap_reached");
	CHECK_EQ(fx_events(&f), 5, "events");
	if (f.nev == 5) {
		CHECK_EQ(f.ev[2].action, SG_ACT_BLOCKED, "third is blocked");
		CHECK_EQ(f.ev[3].action, SG_ACT_CAP_REACHED, "fourth says the cap was reached");
		CHECK_EQ(f.ev[3].block_ttl_ns, 0, "no block ttl past the cap");
	}
	CHECK_EQ(run(&f, fx_tcp("198.18.7.4", HOST, 80, ACK)), XDP_PASS, "capped source not blocked");
	CHECK_EQ(run(&f, fx_tcp("198.18.7.1", HOST, 80, ACK)), XDP_DROP, "blocked source is");
	fx_close(&f);
}

static void test_state_counters(void)
{
	struct sg_config cfg = cfg_scoring();
	char src[32];
	struct fx f;

	h_begin("state: tracked sources are counted in and out");
	if (!open_or_fail(&f, &cfg))
		return;
	for (int s = 1; s <= 20; s++) {
		snprintf(src, sizeof(src), "198.18.8.%d", s);
		run(&f, fx_tcp(src, HOST, 1, SYN));
		run(&f, fx_tcp(src, HOST, 2, SYN));
	}
	CHECK_EQ(fx_stat(&f, SG_STAT_TRACK_INSERTS), 20, "sources_tracked");
	for (int port = 3; port <= 4; port++)
		run(&f, fx_tcp("198.18.8.1", HOST, port, SYN));
	CHECK_EQ(fx_stat(&f, SG_STAT_TRACK_DELETES), 1, "sources_forgotten after a block");
	fx_close(&f);
}

/* ---- traceroute ------------------------------------------------------------------ */

static void test_traceroute(void)
{
	struct sg_config plain = fx_cfg_plain(SG_DEFAULT_THRESHOLD, 300, 600);
	struct fx f;

	h_begin("traceroute: its udp probes to 33434-33533 are one failed target");
	if (!open_or_fail(&f, NULL))
		return;
	/* Three traceroutes to a host one hop away: 16 probes at once each
	 * (traceroute's -N 16), every one to a closed port. */
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 16; i++)
			CHECK_EQ(run(&f, fx_udp(SCANNER, HOST, 50000 + i, 33434 + 16 * round + i)),
				 XDP_PASS, "traceroute probe");
	CHECK_EQ(run(&f, fx_udp(SCANNER, HOST, 50000, 33533)), XDP_PASS, "last port of the range");
	CHECK_EQ(fx_events(&f), 0, "no detection");
	/* It is still a failure: three more closed ports make four. */
	CHECK_EQ(run(&f, fx_udp(SCANNER, HOST, 50000, 33534)), XDP_PASS, "past the range");
	CHECK_EQ(run(&f, fx_udp(SCANNER, HOST, 50000, 33433)), XDP_PASS, "before the range");
	CHECK_EQ(run(&f, fx_udp(SCANNER, HOST, 50000, 7)), XDP_DROP, "4th failed target");
	CHECK_EQ(last_detector(&f), SG_DET_SCORE, "detector");
	if (f.nev)
		CHECK_EQ(f.ev[0].count, 4, "event failed targets");
	fx_close(&f);

	h_begin("traceroute: one target for the plain distinct-port threshold too");
	if (!open_or_fail(&f, &plain))
		return;
	for (int i = 0; i < 100; i++)
		CHECK_EQ(run(&f, fx_udp(SCANNER, HOST, 50000, 33434 + i)), XDP_PASS, "probe");
	CHECK_EQ(fx_events(&f), 0, "no detection");
	fx_close(&f);
}

/* ---- defaults: every detector on, as the daemon runs --------------------------- */

static void test_defaults_nmap_like(void)
{
	struct fx f;
	int answered = 0;

	h_begin("defaults: an nmap-like scan of the top ports gets at most 4 failures through");
	if (!open_or_fail(&f, NULL))
		return;
	/* nmap probes common ports first, some of them open here. */
	static const uint16_t order[] = { 80, 23, 443, 21, 22, 25, 3389, 110, 445, 139, 143, 53 };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		answered += run(&f, fx_tcp(SCANNER, HOST, order[i], SYN)) == XDP_PASS;
	/* 80 and 443 are open: -1,0,-1,0; 22 is open too, but the credit (2)
	 * is spent: 0; then 25, 3389, 110 and 445 take it to 4. */
	CHECK_EQ(answered, 8, "probes answered");
	CHECK_EQ(last_detector(&f), SG_DET_SCORE, "detector");
	fx_close(&f);
}

/* ---- what says a SYN's port is open ------------------------------------------ */

static int loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret = -1;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

static int sockaddr_of(int family, const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return inet_pton(AF_INET, addr, &a4->sin_addr) == 1 ? 0 : -1;
	}
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(port);
	return inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1 ? 0 : -1;
}

/* A connection this host opened over loopback from local to remote:22;
 * returns its socket and its local port in *port. */
static int connect_loopback(int family, const char *local, const char *remote, uint16_t *port)
{
	struct sockaddr_storage l, r;
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0 || sockaddr_of(family, local, 0, &l) || sockaddr_of(family, remote, 22, &r) ||
	    bind(fd, (void *)&l, len) || connect(fd, (void *)&r, len) ||
	    getsockname(fd, (void *)&l, &len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&l)->sin_port
					: ((struct sockaddr_in6 *)&l)->sin6_port);
	return fd;
}

static void test_socket_lookup(void)
{
	static const struct {
		int family;
		const char *local, *remote;
	} conns[] = { { AF_INET, "127.0.0.1", "127.0.0.2" }, { AF_INET6, "::1", "::1" } };
	static const char *const names[] = { "listener", "exact" };

	if (!CHECK(loopback_up() == 0, "loopback up: %s", strerror(errno)))
		return;
	for (uint32_t how = SG_SK_LOOKUP_LISTENER; how <= SG_SK_LOOKUP_EXACT; how++) {
		for (size_t i = 0; i < 2; i++) {
			struct sg_config cfg = cfg_scoring();
			struct pkt_spec s;
			uint16_t port = 0;
			struct fx f;
			int fd;

			h_begin("socket-lookup %s (ipv%d): a listener opens the port to any source; a SYN "
				"of this host's own connection is a success only to exact",
				names[how], conns[i].family == AF_INET ? 4 : 6);
			fd = connect_loopback(conns[i].family, conns[i].local, conns[i].remote, &port);
			if (!CHECK(fd >= 0, "connect over loopback: %s", strerror(errno)))
				continue;
			cfg.sk_lookup = how;
			if (!open_or_fail(&f, &cfg)) {
				close(fd);
				continue;
			}
			/* Any source to the listener on 22. */
			s = fx_tcp(conns[i].family == AF_INET ? SCANNER : SCANNER6, conns[i].remote, 22,
				   SYN);
			fx_run(&f, &s);
			CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_OPEN), 1, "listener: open");
			/* The connection's own tuple, the other way round (a
			 * simultaneous open): no listener on its port. */
			s = fx_tcp(conns[i].remote, conns[i].local, port, SYN);
			s.sport = 22;
			fx_run(&f, &s);
			CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_OPEN), 1 + how, "own tuple: open");
			CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_FAILED), 1 - how, "own tuple: failed");
			fx_close(&f);
			close(fd);
		}
	}
}

/* Listener answers are kept for the current slice of the clock (2^20 ns):
 * a listener opened or closed is seen from the next slice on, and at once
 * with socket-lookup exact, which keeps nothing. */
static void test_listener_answers_kept(void)
{
	static const char *const names[] = { "listener", "exact" };
	const uint16_t port = 9100;

	for (uint32_t how = SG_SK_LOOKUP_LISTENER; how <= SG_SK_LOOKUP_EXACT; how++) {
		struct sg_config cfg = cfg_scoring();
		uint64_t slice = 1ULL << 20;
		struct fx f;
		int fd;

		h_begin("socket-lookup %s: a new listener counts from the next clock slice%s",
			names[how], how == SG_SK_LOOKUP_EXACT ? " (exact: at once)" : "");
		cfg.sk_lookup = how;
		if (!open_or_fail(&f, &cfg))
			continue;
		f.now = f.now / slice * slice;	/* the start of a slice */
		run(&f, fx_tcp("198.18.0.10", HOST, port, SYN));
		fd = listen_port(AF_INET, port);
		if (!CHECK(fd >= 0, "listen: %s", strerror(errno))) {
			fx_close(&f);
			continue;
		}
		f.now += slice - 1;	/* the same slice */
		run(&f, fx_tcp("198.18.0.11", HOST, port, SYN));
		f.now += 1;		/* the next one */
		run(&f, fx_tcp("198.18.0.12", HOST, port, SYN));
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_FAILED), 2 - how, "failed");
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_OPEN), 1 + how, "open");
		/* Closed again: still open in this slice (listener), not
		 * (exact); closed in the next. */
		close(fd);
		run(&f, fx_tcp("198.18.0.13", HOST, port, SYN));
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_FAILED), 2, "failed after close");
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_OPEN), 2, "open after close");
		f.now += slice;
		run(&f, fx_tcp("198.18.0.14", HOST, port, SYN));
		CHECK_EQ(fx_stat(&f, SG_STAT_PROBES_FAILED), 3, "failed in the next slice");
		fx_close(&f);
	}
}

int main(void)
{
	listen_all();
	test_score_closed_ports();
	test_score_credit();
	test_benign_client();
	test_stealth_fragment_ack();
	test_backstop_counts_failures();
	test_traps();
	test_segment();
	test_distributed();
	test_distributed_seen_pairs();
	test_hints();
	test_slow();
	test_repeat_offenders();
	test_traceroute();
	test_defaults_nmap_like();
	test_block_policy_and_cap();
	test_state_counters();
	test_socket_lookup();
	test_listener_answers_kept();
	return h_finish();
}
