// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * detect_report.c - the detection report (make detection-report).  Replays
 * probe sequences modelled on real scanners (nmap's port order, masscan's
 * random order, hping3's walks, -T0/-T1 pacing, scans spread over a /24)
 * and on benign workloads through the real XDP program with the test clock,
 * once under the default configuration and once under the plain distinct-
 * port threshold (15 ports per 5 minutes, every probe counted, every other
 * detector off), and prints per scenario the probes it took to block the
 * scanner, or the false blocks of the benign traffic, as a Markdown table.
 *
 * With --check it also prints one PASS/FAIL line per scenario against the
 * outcome the README's "Detection" section states, so the table cannot
 * drift from the code.  Run it in a network namespace of its own (unshare
 * -n): the sockets it opens are then the host's only open services.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "sg_parse.h"

#define HOST	"198.18.0.1"
#define HOST6	"2001:db8::1"
#define SCANNER	"198.18.0.2"
#define CLIENT	"198.18.1.2"
#define SERVER	"198.18.1.53"	/* the host's DNS and NTP server */
#define MS	(SG_NSEC_PER_SEC / 1000)
#define NSEEDS	10		/* port orders tried per randomised scan */
#define NMAP_SERVICES "/usr/share/nmap/nmap-services"

/* The host's open services, per scenario: a web server (ssh, http, https),
 * a busy server with 20 TCP services (mail, web, databases, monitoring;
 * more than the plain threshold) and DNS and NTP, or an FTP server. */
enum profile { WEB, BUSY, FTP };
static const uint16_t web_tcp[] = { 22, 80, 443 };
static const uint16_t busy_tcp[] = { 21, 22, 25, 53, 80, 110, 143, 443, 465, 587, 993, 995,
				     3306, 5432, 6379, 8080, 8443, 9090, 9100, 11211 };
static const uint16_t busy_udp[] = { 53, 123 };
static const uint16_t ftp_tcp[] = { 21, 22 };
#define N(a) (sizeof(a) / sizeof((a)[0]))
static const uint16_t *open_tcp;	/* the current profile's */
static size_t nopen;
static int listeners[64], nlisteners;

/* nmap's port lists: the most frequent ports of nmap-services. */
static uint16_t top_tcp[1000], top_udp[1000], top_sctp[64];
static int ntop_tcp, ntop_udp, ntop_sctp;

/* ---- one run of a scenario under one configuration ---------------------- */

struct run {
	struct fx *fx;
	bool stop;		/* a scan: stop at the first detection */
	uint64_t packets;
	uint64_t det_at;	/* packet that caused the first detection; 0 = none */
	uint64_t detections;
	uint64_t dropped;
	int detector;		/* of the first detection */
	uint64_t rng;
};

static uint64_t rnd(struct run *r)
{
	/* splitmix64: seeded per run, so every table is reproducible. */
	uint64_t z = (r->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void shuffle(struct run *r, uint16_t *v, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = rnd(r) % (i + 1);
		uint16_t t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

/* Runs one packet gap_ns after the last; false once the scenario may stop. */
static bool emit(struct run *r, struct pkt_spec s, uint64_t gap_ns)
{
	uint64_t d;

	r->fx->now += gap_ns;
	r->packets++;
	if (fx_run(r->fx, &s) == XDP_DROP)
		r->dropped++;
	d = fx_stat(r->fx, SG_STAT_DETECTIONS);
	if (d > r->detections) {
		if (!r->det_at) {
			r->det_at = r->packets;
			if (fx_events(r->fx) > 0)
				r->detector = r->fx->ev[0].detector;
		}
		r->detections = d;
	}
	return !(r->stop && r->det_at);
}

static struct pkt_spec syn(const char *src, const char *dst, uint16_t port)
{
	return fx_tcp(src, dst, port, SG_TCP_SYN);
}

static bool is_open_tcp(uint16_t port)
{
	for (size_t i = 0; i < nopen; i++)
		if (open_tcp[i] == port)
			return true;
	return false;
}

/* nmap's TCP order: shuffled, then its 28 most popular ports swapped to
 * the front in the order the shuffle left them (nmap's random_port_cheat). */
static int nmap_order(struct run *r, uint16_t *out)
{
	static const uint16_t pop[] = { 80, 23, 443, 21, 22, 25, 3389, 110, 445, 139, 143, 53,
					135, 3306, 8080, 1723, 111, 995, 993, 5900, 1025, 587,
					8888, 199, 1720, 113, 554, 256 };
	int early = 0;

	memcpy(out, top_tcp, ntop_tcp * sizeof(*out));
	shuffle(r, out, ntop_tcp);
	for (int i = 0; i < ntop_tcp; i++)
		for (size_t k = 0; k < sizeof(pop) / sizeof(pop[0]); k++)
			if (out[i] == pop[k]) {
				out[i] = out[early];
				out[early++] = pop[k];
				break;
			}
	return ntop_tcp;
}

/* ---- scans of the host ------------------------------------------------------ */

static void scan_tcp(struct run *r, uint8_t flags, uint64_t gap)
{
	uint16_t ports[1000];
	int n = nmap_order(r, ports);

	for (int i = 0; i < n; i++) {
		struct pkt_spec s = fx_bare(SCANNER, HOST, ports[i], flags);

		if (!emit(r, s, gap))
			return;
	}
}

static void g_nmap_syn(struct run *r) { scan_tcp(r, SG_TCP_SYN, MS); }
static void g_nmap_fin(struct run *r) { scan_tcp(r, SG_TCP_FIN, MS); }
static void g_nmap_ack(struct run *r) { scan_tcp(r, SG_TCP_ACK, MS); }
static void g_nmap_t1(struct run *r) { scan_tcp(r, SG_TCP_SYN, 15 * SG_NSEC_PER_SEC); }
static void g_nmap_t0(struct run *r) { scan_tcp(r, SG_TCP_SYN, 300 * SG_NSEC_PER_SEC); }

static void g_nmap_udp(struct run *r)
{
	uint16_t ports[1000];

	memcpy(ports, top_udp, ntop_udp * sizeof(*ports));
	shuffle(r, ports, ntop_udp);
	for (int i = 0; i < ntop_udp; i++)
		if (!emit(r, fx_udp(SCANNER, HOST, 40000, ports[i]), MS))
			return;
}

static void g_nmap_sctp(struct run *r)
{
	uint16_t ports[64];

	memcpy(ports, top_sctp, ntop_sctp * sizeof(*ports));
	shuffle(r, ports, ntop_sctp);
	for (int i = 0; i < ntop_sctp; i++) {
		struct pkt_spec s = { .family = 4, .src = SCANNER, .dst = HOST,
				      .proto = IPPROTO_SCTP, .sport = 40000,
				      .dport = ports[i], .sctp_chunk = 1 };

		if (!emit(r, s, MS))
			return;
	}
}

static void g_nmap_frag(struct run *r)
{
	uint16_t ports[1000];
	int n = nmap_order(r, ports);

	for (int i = 0; i < n; i++) {
		struct pkt_spec s = syn(SCANNER, HOST, ports[i]);

		s.frag_first = true;	/* -f: 8 bytes of TCP header per fragment */
		s.l4_cut = 8;
		if (!emit(r, s, MS))
			return;
	}
}

static void g_nmap_v6(struct run *r)
{
	uint16_t ports[1000];
	int n = nmap_order(r, ports);
	char src[64];

	for (int i = 0; i < n; i++) {
		uint64_t iid = rnd(r);

		/* A new address of the scanner's /64 for every probe. */
		snprintf(src, sizeof(src), "2001:db8:1:2:%x:%x:%x:%x", (unsigned)(iid >> 48),
			 (unsigned)(iid >> 32) & 0xffff, (unsigned)(iid >> 16) & 0xffff,
			 (unsigned)iid & 0xffff);
		if (!emit(r, syn(src, HOST6, ports[i]), MS))
			return;
	}
}

static void g_masscan(struct run *r)
{
	static uint16_t ports[65535];

	for (int i = 0; i < 65535; i++)
		ports[i] = i + 1;
	shuffle(r, ports, 65535);
	for (int i = 0; i < 65535; i++)
		if (!emit(r, syn(SCANNER, HOST, ports[i]), MS))
			return;
}

static void g_hping_walk(struct run *r)
{
	for (int port = 1; port <= 65535; port++)
		if (!emit(r, syn(SCANNER, HOST, port), 10 * MS))
			return;
}

static void g_mixing(struct run *r)
{
	uint16_t ports[1000];
	int n = nmap_order(r, ports);

	for (int i = 0; i < n; i++) {
		if (is_open_tcp(ports[i]))
			continue;
		/* A real connection to a service before every closed port. */
		if (!emit(r, syn(SCANNER, HOST, 80), MS) ||
		    !emit(r, syn(SCANNER, HOST, ports[i]), MS))
			return;
	}
}

static void g_ipproto(struct run *r)
{
	uint16_t protos[256];
	int n = 0;

	for (int p = 0; p < 256; p++)
		if (p != IPPROTO_ICMP && p != IPPROTO_TCP && p != IPPROTO_UDP &&
		    p != IPPROTO_SCTP && p != IPPROTO_ICMPV6 && p != 0 && p != 41 &&
		    p != 43 && p != 44 && p != 51 && p != 60)
			protos[n++] = p;	/* not parsed as transport or IPv6 headers */
	shuffle(r, protos, n);
	for (int i = 0; i < n; i++) {
		struct pkt_spec s = { .family = 4, .src = SCANNER, .dst = HOST,
				      .proto = protos[i] };

		if (!emit(r, s, MS))
			return;
	}
}

/* A scan spread over the addresses of 198.18.9.0/24: each address probes
 * per_source closed ports, none twice in the network. */
static void spread(struct run *r, int sources, int per_source)
{
	char src[32];
	int port = 2000;

	for (int a = 0; a < sources; a++) {
		snprintf(src, sizeof(src), "198.18.9.%d", 10 + a);
		for (int k = 0; k < per_source; k++)
			if (!emit(r, syn(src, HOST, port++), 10 * MS))
				return;
	}
}

static void g_spread3(struct run *r) { spread(r, 20, 3); }
static void g_spread1(struct run *r) { spread(r, 200, 1); }

/* ---- scans of a segment ------------------------------------------------------- */

static void seg_host(char *buf, size_t len, int h)
{
	snprintf(buf, len, "198.18.2.%d", h);
}

static void g_seg_vertical(struct run *r)
{
	uint16_t ports[1000];
	int n = nmap_order(r, ports);

	for (int i = 0; i < n; i++)
		if (!emit(r, syn(SCANNER, "198.18.2.10", ports[i]), MS))
			return;
}

static void seg_sweep(struct run *r, uint16_t port, bool echo, bool random)
{
	uint16_t hosts[254];
	char dst[32];

	for (int h = 0; h < 254; h++)
		hosts[h] = h + 1;
	if (random)
		shuffle(r, hosts, 254);
	for (int h = 0; h < 254; h++) {
		struct pkt_spec s = syn(SCANNER, dst, port);

		seg_host(dst, sizeof(dst), hosts[h]);
		if (echo)
			s = (struct pkt_spec){ .family = 4, .src = SCANNER, .dst = dst,
					       .proto = IPPROTO_ICMP };
		if (!emit(r, s, MS))
			return;
	}
}

static void g_seg_sweep(struct run *r) { seg_sweep(r, 3389, false, false); }
static void g_seg_ping(struct run *r) { seg_sweep(r, 0, true, false); }
static void g_seg_zmap443(struct run *r) { seg_sweep(r, 443, false, true); }

/* ---- benign workloads ---------------------------------------------------------- */

/* A connection: the SYN, then a data segment of the established flow. */
static bool connect_to(struct run *r, const char *src, const char *dst, uint16_t port,
		       uint64_t gap)
{
	return emit(r, syn(src, dst, port), gap) &&
	       emit(r, fx_tcp(src, dst, port, SG_TCP_ACK), MS);
}

static void g_client_all(struct run *r)
{
	for (int round = 0; round < 100; round++)
		for (size_t i = 0; i < nopen; i++)
			connect_to(r, CLIENT, HOST, open_tcp[i], 100 * MS);
}

static void g_scraper(struct run *r)
{
	static const uint16_t down[] = { 9187, 9200 };	/* exporters that are down */

	for (int round = 0; round < 120; round++) {	/* every 30 s for an hour */
		r->fx->now += 30 * SG_NSEC_PER_SEC;
		for (size_t i = 0; i < 10; i++)
			connect_to(r, CLIENT, HOST, open_tcp[nopen - 1 - i], MS);
		for (size_t i = 0; i < 2; i++)
			emit(r, syn(CLIENT, HOST, down[i]), MS);
	}
}

static void nat_users(struct run *r, int users, int mistypes)
{
	for (int u = 0; u < users; u++) {
		/* Each user: three services, a few connections each; all of
		 * them within one window (5 min). */
		for (int k = 0; k < 3; k++) {
			uint16_t port = open_tcp[rnd(r) % nopen];

			for (int c = 0; c < 3; c++)
				connect_to(r, "198.18.3.2", HOST, port, 100 * MS);
		}
		/* Now and then a port mistyped, a client misconfigured. */
		if (mistypes && u % (users / mistypes) == users / mistypes - 1)
			emit(r, syn("198.18.3.2", HOST, 8000 + u), MS);
	}
}

static void g_nat(struct run *r) { nat_users(r, 200, 0); }
static void g_nat_mistype5(struct run *r) { nat_users(r, 200, 5); }
static void g_nat_mistype10(struct run *r) { nat_users(r, 200, 10); }

static void g_passive_ftp(struct run *r)
{
	for (int i = 0; i < 50; i++) {
		/* The server opens a data port for each transfer (PASV). */
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t alen = sizeof(a);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || bind(fd, (void *)&a, sizeof(a)) || listen(fd, 1) ||
		    getsockname(fd, (void *)&a, &alen)) {
			fprintf(stderr, "passive ftp: %s\n", strerror(errno));
			exit(1);
		}
		connect_to(r, CLIENT, HOST, 21, 2 * SG_NSEC_PER_SEC);
		connect_to(r, CLIENT, HOST, ntohs(a.sin_port), 10 * MS);
		close(fd);
	}
}

static void g_traceroute(struct run *r)
{
	/* traceroute -N 16: 16 probes at once, ports from 33434; 3 runs. */
	for (int run = 0; run < 3; run++)
		for (int i = 0; i < 16; i++)
			emit(r, fx_udp(CLIENT, HOST, 50000 + i, 33434 + i),
			     i ? MS : 60 * SG_NSEC_PER_SEC);
}

static void g_own_dns(struct run *r)
{
	for (int q = 0; q < 500; q++) {
		/* A resolver's socket per query, answered while it waits. */
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t alen = sizeof(a);
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0 || bind(fd, (void *)&a, sizeof(a)) ||
		    getsockname(fd, (void *)&a, &alen)) {
			fprintf(stderr, "dns: %s\n", strerror(errno));
			exit(1);
		}
		emit(r, fx_udp(SERVER, HOST, q % 5 ? 53 : 123, ntohs(a.sin_port)), 200 * MS);
		close(fd);
	}
}

static void g_late_dns(struct run *r)
{
	/* The server stalls; the resolver gives up on 4 queries and closes
	 * their sockets; then all 4 answers arrive. */
	for (int q = 0; q < 4; q++)
		emit(r, fx_udp(SERVER, HOST, 53, 41000 + 977 * q), 10 * MS);
}

static void g_seg_clients(struct run *r)
{
	char dst[32];

	for (int round = 0; round < 20; round++)
		for (int h = 1; h <= 50; h++) {
			seg_host(dst, sizeof(dst), h);
			connect_to(r, CLIENT, dst, 443, 100 * MS);
		}
}

static int run_inside(struct fx *f, struct pkt_spec s)
{
	uint8_t buf[PKT_MAX];
	size_t len = pkt_build(&s, buf, sizeof(buf));
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = len, .repeat = 1);
	__u32 zero = 0;

	bpf_map_update_elem(bpf_map__fd(f->skel->maps.SG_MAP_TEST_CLOCK), &zero, &f->now, BPF_ANY);
	if (bpf_prog_test_run_opts(bpf_program__fd(f->skel->progs.scanguard_xdp_inside_test),
				   &opts))
		return -1;
	return opts.retval;
}

static void g_seg_own_dns(struct run *r)
{
	for (int q = 0; q < 500; q++) {
		uint16_t port = 30000 + (q * 7919) % 30000;

		/* Seen leaving on the inside, then the answer from outside. */
		run_inside(r->fx, fx_udp("198.18.2.20", SERVER, port, 53));
		emit(r, fx_udp(SERVER, "198.18.2.20", 53, port), 200 * MS);
	}
}

/* ---- scenarios ------------------------------------------------------------------ */

enum kind { SCAN, BENIGN };

struct scenario {
	const char *name;
	enum kind kind;
	uint32_t protect;
	enum profile profile;
	bool seeded;			/* random order: run NSEEDS times */
	void (*gen)(struct run *r);
	/* What the README states, checked by --check.  A scan: the detector
	 * and the most probes it may take over every seed (NONE: never
	 * blocked); the bounds follow from the design, not from one run: 4
	 * failures (2 for stealth and fragments) plus, for each open port the
	 * scan finds first, one success and the failure it offsets.  A benign
	 * workload: the detector that blocks it (NONE: never blocked). */
	int def_det, def_max;
	int plain_det, plain_max;
};

#define NONE SG_DET_NONE
#define HOSTM SG_PROTECT_HOST
#define SEGM SG_PROTECT_SEGMENT
static const struct scenario scenarios[] = {
	{ "nmap -sS / -sT, top 1000 TCP ports", SCAN, HOSTM, WEB, true, g_nmap_syn,
	  SG_DET_SCORE, 10, SG_DET_DISTINCT_PORTS, 16 },
	{ "nmap -sU, top 1000 UDP ports", SCAN, HOSTM, WEB, true, g_nmap_udp,
	  SG_DET_SCORE, 4, SG_DET_DISTINCT_PORTS, 16 },
	{ "nmap -sF / -sX / -sN", SCAN, HOSTM, WEB, true, g_nmap_fin,
	  SG_DET_STEALTH, 2, SG_DET_DISTINCT_PORTS, 16 },
	{ "nmap -sA (ACK)", SCAN, HOSTM, WEB, true, g_nmap_ack,
	  SG_DET_SCORE, 7, SG_DET_DISTINCT_PORTS, 19 },
	{ "nmap -sY (SCTP INIT)", SCAN, HOSTM, WEB, true, g_nmap_sctp,
	  SG_DET_SCORE, 4, SG_DET_DISTINCT_PORTS, 16 },
	{ "nmap -f (tiny fragments)", SCAN, HOSTM, WEB, true, g_nmap_frag,
	  SG_DET_FRAGMENT, 2, SG_DET_DISTINCT_PORTS, 16 },
	{ "nmap -6, a new address of the /64 per probe", SCAN, HOSTM, WEB, true, g_nmap_v6,
	  SG_DET_SCORE, 10, SG_DET_DISTINCT_PORTS, 16 },
	{ "nmap -sO (IP protocols)", SCAN, HOSTM, WEB, true, g_ipproto,
	  SG_DET_DISTINCT_PORTS, 16, SG_DET_DISTINCT_PORTS, 16 },
	{ "masscan -p1-65535 (random order)", SCAN, HOSTM, WEB, true, g_masscan,
	  SG_DET_SCORE, 10, SG_DET_DISTINCT_PORTS, 16 },
	{ "hping3 -S -p ++1 (port walk)", SCAN, HOSTM, WEB, false, g_hping_walk,
	  SG_DET_SCORE, 4, SG_DET_DISTINCT_PORTS, 16 },
	{ "nmap -T1 (15 s between probes)", SCAN, HOSTM, WEB, true, g_nmap_t1,
	  SG_DET_SCORE, 10, SG_DET_DISTINCT_PORTS, 16 },
	{ "nmap -T0 (5 min between probes)", SCAN, HOSTM, WEB, true, g_nmap_t0,
	  SG_DET_SLOW, 25, NONE, 0 },
	{ "mixing: a connection to port 80 before each closed port", SCAN, HOSTM, WEB, true,
	  g_mixing, SG_DET_SCORE, 12, SG_DET_DISTINCT_PORTS, 32 },
	{ "spread over a /24: 20 addresses, 3 closed ports each", SCAN, HOSTM, WEB, false,
	  g_spread3, SG_DET_DISTRIBUTED, 51, NONE, 0 },
	{ "spread over a /24: 200 addresses, 1 closed port each", SCAN, HOSTM, WEB, false,
	  g_spread1, SG_DET_DISTRIBUTED, 51, NONE, 0 },
	{ "nmap -sS of a server with 20 open services", SCAN, HOSTM, BUSY, true, g_nmap_syn,
	  SG_DET_SCORE, 40, SG_DET_DISTINCT_PORTS, 16 },
	{ "segment: nmap -sS of one host", SCAN, SEGM, WEB, true, g_seg_vertical,
	  SG_DET_SCORE, 10, SG_DET_DISTINCT_PORTS, 16 },
	{ "segment: tcp/3389 across the /24", SCAN, SEGM, WEB, false, g_seg_sweep,
	  SG_DET_SCORE, 4, SG_DET_DISTINCT_PORTS, 16 },
	{ "segment: ping sweep of the /24 (nmap -sn)", SCAN, SEGM, WEB, false, g_seg_ping,
	  SG_DET_SCORE, 6, SG_DET_DISTINCT_PORTS, 16 },
	{ "segment: sweep of the exposed tcp/443 (zmap)", SCAN, SEGM, WEB, true, g_seg_zmap443,
	  NONE, 0, SG_DET_DISTINCT_PORTS, 16 },
	{ "client of all 20 services, 100 rounds", BENIGN, HOSTM, BUSY, false, g_client_all,
	  NONE, 0, SG_DET_DISTINCT_PORTS, 0 },
	{ "scraper: 10 services + 2 down ones, every 30 s for 1 h", BENIGN, HOSTM, BUSY, false,
	  g_scraper, NONE, 0, NONE, 0 },
	{ "200 users behind one NAT address", BENIGN, HOSTM, BUSY, false, g_nat,
	  NONE, 0, SG_DET_DISTINCT_PORTS, 0 },
	{ "200 users behind one NAT, 5 of them mistype a port", BENIGN, HOSTM, BUSY, false,
	  g_nat_mistype5, NONE, 0, SG_DET_DISTINCT_PORTS, 0 },
	{ "passive FTP: 50 transfers, a new data port each", BENIGN, HOSTM, FTP, false,
	  g_passive_ftp, NONE, 0, SG_DET_DISTINCT_PORTS, 0 },
	{ "traceroute to the host, 3 runs", BENIGN, HOSTM, WEB, false, g_traceroute,
	  NONE, 0, NONE, 0 },
	{ "the host's own DNS/NTP: 500 answers", BENIGN, HOSTM, WEB, false, g_own_dns,
	  NONE, 0, NONE, 0 },
	{ "segment: clients of tcp/443 on 50 hosts", BENIGN, SEGM, WEB, false, g_seg_clients,
	  NONE, 0, SG_DET_DISTINCT_PORTS, 0 },
	{ "segment: its own DNS, 500 answers", BENIGN, SEGM, WEB, false, g_seg_own_dns,
	  NONE, 0, NONE, 0 },
	/* Known limits: failures from one address that many share. */
	{ "limit: 200 users behind one NAT, 10 mistype a port", BENIGN, HOSTM, BUSY, false,
	  g_nat_mistype10, SG_DET_SCORE, 0, SG_DET_DISTINCT_PORTS, 0 },
	{ "limit: 4 DNS answers after the resolver gave up", BENIGN, HOSTM, WEB, false,
	  g_late_dns, SG_DET_SCORE, 0, NONE, 0 },
};
#define NSCEN N(scenarios)

static void expose(struct fx *f, const char *spec)
{
	struct sg_expose_entry e;
	char err[256];

	if (sg_expose_parse(spec, &e, err, sizeof(err)) ||
	    sg_expose_add(&f->m, &e, err, sizeof(err))) {
		fprintf(stderr, "expose %s: %s\n", spec, err);
		exit(1);
	}
}

static struct sg_config config(bool plain, uint32_t protect)
{
	struct sg_config c;

	if (plain)
		c = fx_cfg_plain(SG_DEFAULT_THRESHOLD, SG_DEFAULT_WINDOW_S, SG_DEFAULT_BLOCK_TTL_S);
	else
		sg_config_defaults(&c);
	c.protect = protect;
	return c;
}

/* Empties every map the program keeps state in, so one loaded program
 * serves every run (loading it takes the verifier about a second). */
static void reset(struct fx *f, const struct sg_config *cfg)
{
	fx_events(f);
	f->nev = 0;
	fx_clear(f);
	f->now = SEC_NS(1000);
	if (fx_set_config(f, cfg)) {
		fprintf(stderr, "reset: cannot write the configuration\n");
		exit(1);
	}
}

/* ---- the host's services --------------------------------------------------------- */

static void services(enum profile p)
{
	static const uint16_t none[1];
	const uint16_t *udp = none;
	size_t nudp = 0;

	while (nlisteners)
		close(listeners[--nlisteners]);
	open_tcp = p == BUSY ? busy_tcp : p == FTP ? ftp_tcp : web_tcp;
	nopen = p == BUSY ? N(busy_tcp) : p == FTP ? N(ftp_tcp) : N(web_tcp);
	if (p == BUSY) {
		udp = busy_udp;
		nudp = N(busy_udp);
	}
	for (size_t i = 0; i < nopen + nudp; i++) {
		bool tcp = i < nopen;
		uint16_t port = tcp ? open_tcp[i] : udp[i - nopen];
		struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
		int type = tcp ? SOCK_STREAM : SOCK_DGRAM, one = 1;
		int s4 = socket(AF_INET, type, 0), s6 = socket(AF_INET6, type, 0);

		setsockopt(s4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(s6, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(s4, (void *)&a4, sizeof(a4)) || bind(s6, (void *)&a6, sizeof(a6)) ||
		    (tcp && (listen(s4, 16) || listen(s6, 16)))) {
			fprintf(stderr, "cannot open port %u: %s\n", port, strerror(errno));
			exit(1);
		}
		listeners[nlisteners++] = s4;
		listeners[nlisteners++] = s6;
	}
}

/* ---- measuring ------------------------------------------------------------------ */

struct outcome {
	int det;		/* detector of the first detection, NONE if none */
	bool mixed;		/* seeds disagreed on the detector */
	uint64_t median, min, max;	/* packets to the first detection */
	uint64_t packets;	/* packets of a run without detection */
	uint64_t detections;	/* benign: sources and networks blocked */
	int undetected;		/* runs without detection */
	int runs;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct outcome measure(struct fx *f, const struct scenario *sc, bool plain)
{
	struct sg_config cfg = config(plain, sc->protect);
	struct outcome o = { .det = NONE, .min = UINT64_MAX };
	uint64_t at[NSEEDS];
	int nat = 0;

	o.runs = sc->seeded ? NSEEDS : 1;
	for (int seed = 0; seed < o.runs; seed++) {
		struct run r = { .fx = f, .stop = sc->kind == SCAN, .rng = 0x5ca9 + seed };

		reset(f, &cfg);
		if (sc->protect == SG_PROTECT_SEGMENT) {
			/* The segment's design: https everywhere, ssh and ping on one host. */
			expose(f, "tcp/443@198.18.2.0/24");
			expose(f, "tcp/22@198.18.2.10");
			expose(f, "icmp@198.18.2.10");
		}
		sc->gen(&r);
		if (r.det_at) {
			if (o.det != NONE && o.det != r.detector)
				o.mixed = true;
			o.det = r.detector;
			at[nat++] = r.det_at;
		} else {
			o.undetected++;
			o.packets = r.packets;
		}
		o.detections += r.detections;
	}
	if (nat) {
		qsort(at, nat, sizeof(at[0]), cmp_u64);
		o.min = at[0];
		o.max = at[nat - 1];
		o.median = at[nat / 2];
	}
	return o;
}

static const char *det_name(int det)
{
	static const char *const names[] = SG_DETECTOR_NAMES;

	return det >= 0 && det < (int)N(names) ? names[det] : "?";
}

static void cell(const struct scenario *sc, const struct outcome *o, char *buf, size_t len)
{
	char range[64] = "";

	if (sc->kind == SCAN) {
		if (o->undetected == o->runs) {
			snprintf(buf, len, "not blocked (%llu probes)",
				 (unsigned long long)o->packets);
			return;
		}
		if (o->min != o->max)
			snprintf(range, sizeof(range), " (%llu-%llu)", (unsigned long long)o->min,
				 (unsigned long long)o->max);
		snprintf(buf, len, "%llu%s %s%s", (unsigned long long)o->median, range,
			 o->mixed ? "mixed" : det_name(o->det),
			 o->undetected ? ", some runs not blocked" : "");
		return;
	}
	if (!o->detections)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "**blocked** at packet %llu (%s)", (unsigned long long)o->median,
			 det_name(o->det));
}

static void check(const struct scenario *sc, const struct outcome *o, bool plain)
{
	int want_det = plain ? sc->plain_det : sc->def_det;
	int want_max = plain ? sc->plain_max : sc->def_max;

	h_begin("detection report, %s: %s", plain ? "plain" : "defaults", sc->name);
	if (want_det == NONE) {
		CHECK(o->detections == 0, "blocked at packet %llu by %s, want no block",
		      (unsigned long long)o->median, det_name(o->det));
	} else if (sc->kind == SCAN) {
		CHECK(o->undetected == 0, "not blocked in %d of %d runs", o->undetected, o->runs);
		CHECK(!o->mixed && o->det == want_det, "detector %s, want %s",
		      o->mixed ? "mixed" : det_name(o->det), det_name(want_det));
		CHECK(o->max <= (uint64_t)want_max, "took up to %llu probes, want at most %d",
		      (unsigned long long)o->max, want_max);
	} else {
		CHECK(o->detections > 0 && o->det == want_det, "detector %s, want %s",
		      det_name(o->det), det_name(want_det));
	}
	h_end();
}

/* ---- nmap-services ------------------------------------------------------------ */

struct svc {
	uint16_t port;
	double freq;
};

static int cmp_svc(const void *a, const void *b)
{
	const struct svc *x = a, *y = b;

	return x->freq < y->freq ? 1 : x->freq > y->freq ? -1 : (int)x->port - (int)y->port;
}

/* The max most frequent ports of proto, as nmap picks its default ports
 * (SCTP ports all have frequency 0 there: then every listed one). */
static int load_top(const char *proto, uint16_t *out, int max)
{
	static struct svc v[20000];
	char line[512], name[128], pp[64];
	FILE *f = fopen(NMAP_SERVICES, "r");
	int n = 0;

	if (!f) {
		fprintf(stderr, "%s: %s (install nmap: it holds nmap's port frequencies)\n",
			NMAP_SERVICES, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), f) && n < (int)N(v)) {
		unsigned port;
		char p[16];
		double freq;

		if (line[0] == '#' || sscanf(line, "%127s %63s %lf", name, pp, &freq) != 3 ||
		    sscanf(pp, "%u/%15s", &port, p) != 2 || strcmp(p, proto) || !port ||
		    port > 65535 || (freq <= 0 && strcmp(proto, "sctp")))
			continue;
		v[n++] = (struct svc){ port, freq };
	}
	fclose(f);
	qsort(v, n, sizeof(v[0]), cmp_svc);
	for (int i = 0; i < n && i < max; i++)
		out[i] = v[i].port;
	if (!n) {
		fprintf(stderr, "%s: no %s ports\n", NMAP_SERVICES, proto);
		exit(1);
	}
	return n < max ? n : max;
}

int main(int argc, char **argv)
{
	bool do_check = argc == 2 && !strcmp(argv[1], "--check");
	int nscan = 0, nbenign = 0, blocked_def = 0, blocked_plain = 0, fb_def = 0, fb_plain = 0;
	int fewer = 0, same = 0, more = 0;
	char a[128], b[128];
	struct fx f;
	int ret;

	if (argc > 2 || (argc == 2 && !do_check)) {
		fprintf(stderr, "usage: %s [--check]\n"
			"run it as root, in a network namespace of its own\n", argv[0]);
		return 2;
	}
	ntop_tcp = load_top("tcp", top_tcp, N(top_tcp));
	ntop_udp = load_top("udp", top_udp, N(top_udp));
	ntop_sctp = load_top("sctp", top_sctp, N(top_sctp));
	ret = fx_open(&f, NULL);
	if (ret) {
		fprintf(stderr, "cannot load the XDP program: %s\n", strerror(-ret));
		return 1;
	}

	printf("| Scenario | Defaults | Plain: 15 ports / 5 min |\n|---|---|---|\n");
	printf("| **Scans** | probes to the block | probes to the block |\n");
	for (size_t i = 0; i < NSCEN; i++) {
		const struct scenario *sc = &scenarios[i];
		struct outcome d, p;

		services(sc->profile);
		d = measure(&f, sc, false);
		p = measure(&f, sc, true);
		if (i > 0 && sc->kind != scenarios[i - 1].kind)
			printf("| **Benign traffic** | false blocks | false blocks |\n");
		cell(sc, &d, a, sizeof(a));
		cell(sc, &p, b, sizeof(b));
		printf("| %s | %s | %s |\n", sc->name, a, b);
		fflush(stdout);
		if (sc->kind == SCAN) {
			nscan++;
			blocked_def += d.undetected == 0;
			blocked_plain += p.undetected == 0;
			if (!d.undetected && !p.undetected) {
				fewer += d.median < p.median;
				same += d.median == p.median;
				more += d.median > p.median;
			}
		} else {
			nbenign++;
			fb_def += d.detections > 0;
			fb_plain += p.detections > 0;
		}
		if (do_check) {
			check(sc, &d, false);
			check(sc, &p, true);
		}
	}
	printf("\nScans blocked: %d of %d (defaults), %d of %d (plain).  Where both block, the "
	       "defaults need fewer probes in %d, as many in %d, more in %d.\n",
	       blocked_def, nscan, blocked_plain, nscan, fewer, same, more);
	printf("Benign workloads blocked: %d of %d (defaults), %d of %d (plain).\n", fb_def,
	       nbenign, fb_plain, nbenign);
	fx_close(&f);
	return do_check ? h_finish() : 0;
}
