// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * gen_corpus.c - writes the fuzzers' seed corpus: frames built with the unit
 * tests' frame builder (tests/unit/pkt.c) that reach every result of the
 * parser and every probe kind, each also padded to the Ethernet minimum,
 * and strings for each CLI parser.  `make fuzz-corpus` runs it into
 * tests/fuzz/corpus/; the output is committed so the fuzzers and the
 * equivalence test start from the same seeds everywhere.  (The make rule
 * adds the example configuration file to the configuration seeds.)
 *   gen_corpus DIR
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cfgkeys.h"
#include "pkt.h"
#include "sg_parse.h"

#define S4 "198.18.0.2"
#define D4 "198.18.0.1"
#define S6 "2001:db8:1:2::10"
#define D6 "2001:db8::1"

#define TCP4(fl, ...) { .family = 4, .src = S4, .dst = D4, .proto = IPPROTO_TCP, \
			.sport = 40000, .dport = 80, .tcp_flags = (fl), __VA_ARGS__ }
#define TCP6(fl, ...) { .family = 6, .src = S6, .dst = D6, .proto = IPPROTO_TCP, \
			.sport = 40000, .dport = 443, .tcp_flags = (fl), __VA_ARGS__ }
#define UDP4(...) { .family = 4, .src = S4, .dst = D4, .proto = IPPROTO_UDP, \
		    .sport = 5353, .dport = 53, __VA_ARGS__ }
#define UDP6(...) { .family = 6, .src = S6, .dst = D6, .proto = IPPROTO_UDP, \
		    .sport = 5353, .dport = 53, __VA_ARGS__ }
#define IP4(pr, ...) { .family = 4, .src = S4, .dst = D4, .proto = (pr), __VA_ARGS__ }
#define IP6(pr, ...) { .family = 6, .src = S6, .dst = D6, .proto = (pr), __VA_ARGS__ }

static const struct { const char *name; struct pkt_spec s; } frames[] = {
	/* SG_PARSE_OK: every TCP flag class, both families */
	{ "v4-tcp-syn", TCP4(SG_TCP_SYN) },
	{ "v6-tcp-syn", TCP6(SG_TCP_SYN) },
	{ "v4-tcp-syn-fin", TCP4(SG_TCP_SYN | SG_TCP_FIN) },
	{ "v4-tcp-synack", TCP4(SG_TCP_SYN | SG_TCP_ACK) },
	{ "v4-tcp-null", TCP4(0) },
	{ "v6-tcp-null", TCP6(0) },
	{ "v4-tcp-fin", TCP4(SG_TCP_FIN) },
	{ "v4-tcp-xmas", TCP4(SG_TCP_FIN | SG_TCP_PSH | SG_TCP_URG) },
	{ "v4-tcp-psh", TCP4(SG_TCP_PSH) },
	{ "v4-tcp-ack-bare", TCP4(SG_TCP_ACK) },
	{ "v6-tcp-ack-bare", TCP6(SG_TCP_ACK) },
	{ "v4-tcp-finack-bare", TCP4(SG_TCP_FIN | SG_TCP_ACK) },
	{ "v4-tcp-ack-data", TCP4(SG_TCP_ACK | SG_TCP_PSH, .payload = 100) },
	{ "v4-tcp-rst", TCP4(SG_TCP_RST) },
	{ "v6-tcp-rstack", TCP6(SG_TCP_RST | SG_TCP_ACK) },
	{ "v4-tcp-options", TCP4(SG_TCP_SYN, .tcp_doff = 15, .payload = 4) },
	{ "v4-udp", UDP4() },
	{ "v6-udp", UDP6() },
	{ "v4-udp-data", UDP4(.payload = 32) },
	{ "v4-udp-traceroute", { .family = 4, .src = S4, .dst = D4, .proto = IPPROTO_UDP,
				 .sport = 40000, .dport = 33440, .payload = 32 } },
	{ "v4-sctp-init", IP4(IPPROTO_SCTP, .dport = 80, .sctp_chunk = 1) },
	{ "v6-sctp-init", IP6(IPPROTO_SCTP, .dport = 80, .sctp_chunk = 1) },
	{ "v4-sctp-data", IP4(IPPROTO_SCTP, .dport = 80, .sctp_chunk = 0) },
	{ "v4-icmp-echo", IP4(IPPROTO_ICMP) },
	{ "v6-icmp-echo", IP6(IPPROTO_ICMPV6) },
	{ "v4-vlan-syn", TCP4(SG_TCP_SYN, .vlans = 1) },
	{ "v4-qinq-syn", TCP4(SG_TCP_SYN, .vlans = 2) },
	{ "v6-qinq-udp", UDP6(.vlans = 2) },
	{ "v4-ipopts-syn", TCP4(SG_TCP_SYN, .ip_opts = 12) },
	{ "v4-ipopts-max-syn", TCP4(SG_TCP_SYN, .ip_opts = 40) },
	{ "v6-ext3-syn", TCP6(SG_TCP_SYN, .ext_hdrs = 3) },
	{ "v6-ext6-syn", TCP6(SG_TCP_SYN, .ext_hdrs = SG_IPV6_EXT_MAX) },
	{ "v6-frag-first-syn", TCP6(SG_TCP_SYN, .frag_first = true) },
	{ "v4-frag-first-syn", TCP4(SG_TCP_SYN, .frag_first = true) },
	/* SG_PARSE_NO_L4 */
	{ "v4-frag-later", TCP4(0, .frag_later = true, .payload = 16) },
	{ "v6-frag-later", TCP6(0, .frag_later = true, .payload = 16) },
	{ "v4-gre", IP4(47) },
	{ "v6-ospf", IP6(89) },
	{ "v4-icmpv6", IP4(IPPROTO_ICMPV6) },	/* the other family's ICMP: a protocol probe */
	{ "v6-icmp", IP6(IPPROTO_ICMP) },
	/* SG_PARSE_TINY_FRAG */
	{ "v4-tiny-frag-tcp8", TCP4(SG_TCP_SYN, .frag_first = true, .l4_cut = 8) },
	{ "v6-tiny-frag-tcp8", TCP6(SG_TCP_SYN, .frag_first = true, .l4_cut = 8) },
	{ "v4-tiny-frag-udp4", UDP4(.frag_first = true, .l4_cut = 4) },
	{ "v4-tiny-frag-tcp2", TCP4(SG_TCP_SYN, .frag_first = true, .l4_cut = 2) },
	{ "v4-tiny-frag-sctp8", IP4(IPPROTO_SCTP, .dport = 80, .sctp_chunk = 1,
				    .frag_first = true, .l4_cut = 8) },
	/* SG_PARSE_BAD_L4 */
	{ "v4-tcp-short-iplen", TCP4(SG_TCP_SYN, .l4_cut = 8) },
	{ "v4-tcp-doff4", TCP4(SG_TCP_SYN, .tcp_doff = 4) },
	{ "v6-tcp-doff1", TCP6(SG_TCP_SYN, .tcp_doff = 1) },
	{ "v4-tcp-options-cut", TCP4(SG_TCP_SYN, .tcp_doff = 15, .trim = 4) },
	{ "v4-udp-cut", UDP4(.trim = 3) },
	{ "v6-ext7", TCP6(SG_TCP_SYN, .ext_hdrs = SG_IPV6_EXT_MAX + 1) },
	{ "v6-ext-cut", TCP6(SG_TCP_SYN, .ext_hdrs = 2, .trim = 40) },
	{ "v4-icmp-cut", IP4(IPPROTO_ICMP, .trim = 6) },
	/* SG_PARSE_BAD_L3 */
	{ "v4-ihl4", TCP4(SG_TCP_SYN, .ihl = 4) },
	{ "v4-ihl15", TCP4(SG_TCP_SYN, .ihl = 15) },
	{ "v4-ip-cut", TCP4(SG_TCP_SYN, .trim = 30) },
	{ "v6-ip-cut", TCP6(SG_TCP_SYN, .trim = 40) },
	{ "v4-vlan-cut", TCP4(SG_TCP_SYN, .vlans = 2, .trim = 60) },
	/* SG_PARSE_NOT_IP */
	{ "arp", { .family = 0 } },
	{ "arp-vlan", { .family = 0, .vlans = 1 } },
};

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int mkdirs(const char *base, const char *sub, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", base, sub);
	if (mkdir(base, 0755) && errno != EEXIST)
		return -1;
	if (mkdir(out, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

static int gen_frames(const char *base)
{
	uint8_t buf[PKT_MAX];
	char dir[512], name[128];
	size_t len;

	if (mkdirs(base, "parse", dir, sizeof(dir)))
		return -1;
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		struct pkt_spec s = frames[i].s;

		len = pkt_build(&s, buf, sizeof(buf));
		if (!len || write_file(dir, frames[i].name, buf, len))
			return -1;
		/* The same frame padded to the Ethernet minimum, as on a wire. */
		if (len < 60 && !s.trim) {
			s.pad_to = 60;
			len = pkt_build(&s, buf, sizeof(buf));
			snprintf(name, sizeof(name), "%s-padded", frames[i].name);
			if (!len || write_file(dir, name, buf, len))
				return -1;
		}
	}
	/* Shorter than an Ethernet header. */
	return write_file(dir, "runt", "\x02\x00\x00\x00\x00\x01\x02\x00", 8);
}

/* CLI seeds: first byte selects the parser (sel % 5) and its options (sel / 5),
 * as fuzz_cli.c reads them. */
static int gen_cli(const char *base)
{
	static const struct { const char *name; int parser; int opt; const char *s; } seeds[] = {
		{ "cidr-v4", 0, 0, "198.18.0.1" },
		{ "cidr-v4-net", 0, 0, "198.18.0.0/15" },
		{ "cidr-v6-net", 0, 0, "2001:db8::/32" },
		{ "cidr-mapped", 0, 0, "::ffff:198.18.0.1" },
		{ "cidr-hostbits", 0, 0, "198.18.0.1/24" },
		{ "seconds-plain", 1, 1, "90" },
		{ "seconds-minutes", 1, 1, "15m" },
		{ "seconds-hours", 1, 2, "6h" },
		{ "seconds-days", 1, 3, "30d" },
		{ "seconds-huge", 1, 0, "18446744073709551615" },
		{ "target-tcp", 3, 0, "tcp/22" },
		{ "target-udp", 3, 0, "udp/53" },
		{ "target-sctp-any", 3, 1, "sctp/any" },
		{ "target-icmp", 3, 1, "icmp" },
		{ "expose-v4", 4, 0, "tcp/443@198.18.2.0/24" },
		{ "expose-icmp", 4, 0, "icmp@198.18.2.10" },
		{ "expose-v6-any", 4, 0, "udp/any@2001:db8::/64" },
	};
	struct sg_config def;
	char dir[512], buf[256], name[128];

	if (mkdirs(base, "cli", dir, sizeof(dir)))
		return -1;
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		int n = snprintf(buf, sizeof(buf), "%c%s", seeds[i].opt * 5 + seeds[i].parser,
				 seeds[i].s);

		if (write_file(dir, seeds[i].name, buf, n))
			return -1;
	}
	/* Every configuration key with its default value. */
	sg_config_defaults(&def);
	for (size_t i = 0; i < sg_ncfgkeys; i++) {
		const char *str = NULL;
		uint64_t num = 0;
		int n;

		if (sg_cfgkey_get(&sg_cfgkeys[i], &def, &num, &str))
			n = snprintf(buf, sizeof(buf), "%c%llu", (int)(i * 5 + 2),
				     (unsigned long long)num);
		else
			n = snprintf(buf, sizeof(buf), "%c%s", (int)(i * 5 + 2), str);
		snprintf(name, sizeof(name), "cfgkey-%s", sg_cfgkeys[i].name);
		if (write_file(dir, name, buf, n))
			return -1;
	}
	return 0;
}

/* Configuration files: every kind of value, lists, and common mistakes. */
static int gen_conffile(const char *base)
{
	static const struct { const char *name; const char *text; } seeds[] = {
		{ "full",
		  "interface = [ \"eth0\", \"eth1\" ];\n"
		  "inside = [ \"eth2\" ];\n"
		  "xdp-mode = \"auto\";\n"
		  "allow = [ \"192.0.2.10\", \"2001:db8:100::/48\" ];\n"
		  "expose = [ \"tcp/443@198.18.2.0/24\", \"icmp@198.18.2.10\" ];\n"
		  "trap = [ \"tcp/23\", \"udp/69\" ];\n"
		  "threshold = 15;\nwindow = \"5m\";\nblock-ttl = \"10m\";\n"
		  "block-ttl-max = \"1d\";\nmax-blocks = 10000;\nblock-policy = \"new\";\n"
		  "mode = \"enforce\";\nprotect = \"segment\";\nsocket-lookup = \"exact\";\n"
		  "ipv6-prefix = 64;\n"
		  "score-threshold = 4;\nscore-credit = 2;\nsweep-threshold = 25;\n"
		  "net-threshold = 50;\nnet-prefix4 = 24;\nnet-prefix6 = 48;\n"
		  "slow-threshold = 20;\nslow-window = \"6h\";\n"
		  "metrics = \"127.0.0.1:9101\";\n"
		  "events-file = \"/var/log/scanguard/events.jsonl\";\n"
		  "events-syslog = true;\npin-path = \"/sys/fs/bpf/scanguard\";\n"
		  "ephemeral = false;\n" },
		{ "scalar-list", "allow = \"198.18.0.0/15\";\ntrap = \"tcp/23\";\n" },
		{ "metrics-v6", "metrics = \"[::1]:9101\"; // comment\n/* block */ threshold = 1;\n" },
		{ "unknown-key", "thresold = 15;\n" },
		{ "bad-value", "window = \"5 minutes\";\n" },
		{ "negative", "threshold = -1;\n" },
		{ "float", "threshold = 1.5;\n" },
		{ "group", "allow = { a = \"192.0.2.1\"; };\n" },
		{ "syntax", "threshold = 15\nwindow = 5;\n" },
		{ "empty", "" },
	};
	char dir[512];

	if (mkdirs(base, "conffile", dir, sizeof(dir)))
		return -1;
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		if (write_file(dir, seeds[i].name, seeds[i].text, strlen(seeds[i].text)))
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	if (gen_frames(argv[1]) || gen_cli(argv[1]) || gen_conffile(argv[1]))
		return 1;
	return 0;
}
