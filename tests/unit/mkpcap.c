// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mkpcap.c - writes test captures from a short text description, one packet
 * a line, so replay tests can state their traffic inline:
 *
 *   TIME SRC DST PROTO [SPORT DPORT [FLAGS]] [KEY=VALUE...]
 *   0.010 198.18.0.2 198.18.0.1 tcp 40000 22 S
 *   0.011 198.18.0.1 198.18.0.2 tcp 22 40000 SA
 *
 * TIME is seconds after the base time (decimal, ns precision); PROTO is tcp,
 * udp, icmp (echo) or a protocol number; FLAGS are letters of S A F R P U,
 * or "-" for none.  Keys: vlan=1|2, dir=in|out|other (cooked captures'
 * packet type), payload=BYTES, mac=SRC-MAC (default: derived from SRC, so
 * each address has its own), frag=first|later.  Lines starting with # and
 * empty lines are skipped.
 *
 * Usage: mkpcap [--format pcap|pcap-ns|pcapng] [--link eth|sll|sll2|raw|null|wifi]
 *               [--snaplen N] [--base EPOCH-SECONDS] OUT < description
 * Frames come from pkt.c, the unit tests' frame builder.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pkt.h"

enum link { L_ETH, L_SLL, L_SLL2, L_RAW, L_NULL, L_WIFI };
static const struct { const char *name; uint32_t linktype; } links[] = {
	[L_ETH] = { "eth", 1 }, [L_SLL] = { "sll", 113 }, [L_SLL2] = { "sll2", 276 },
	[L_RAW] = { "raw", 101 }, [L_NULL] = { "null", 0 }, [L_WIFI] = { "wifi", 105 },
};

static enum link link = L_ETH;
static int format;		/* 0 pcap, 1 pcap-ns, 2 pcapng */
static uint32_t snaplen = 262144;
static FILE *out;

static void die(int line, const char *msg)
{
	if (line)
		fprintf(stderr, "mkpcap: line %d: %s\n", line, msg);
	else
		fprintf(stderr, "mkpcap: %s\n", msg);
	exit(2);
}

static void w32(uint32_t v) { fwrite(&v, 4, 1, out); }
static void w16(uint16_t v) { fwrite(&v, 2, 1, out); }

static void write_header(void)
{
	if (format < 2) {
		w32(format ? 0xa1b23c4d : 0xa1b2c3d4);
		w16(2);
		w16(4);
		w32(0);
		w32(0);
		w32(snaplen);
		w32(links[link].linktype);
		return;
	}
	/* Section header block, then one interface with ns timestamps. */
	w32(0x0a0d0d0a);
	w32(28);
	w32(0x1a2b3c4d);
	w16(1);
	w16(0);
	w32(0xffffffff);
	w32(0xffffffff);
	w32(28);
	w32(1);
	w32(32);
	w16(links[link].linktype);
	w16(0);
	w32(snaplen);
	w16(9);		/* if_tsresol */
	w16(1);
	w32(9);		/* 10^-9, padded */
	w16(0);		/* opt_endofopt */
	w16(0);
	w32(32);
}

static void write_record(uint64_t ts_ns, const uint8_t *d, uint32_t len)
{
	uint32_t caplen = len < snaplen ? len : snaplen;
	static const uint8_t zero[4];

	if (format < 2) {
		w32(ts_ns / 1000000000ULL);
		w32(format ? ts_ns % 1000000000ULL : ts_ns % 1000000000ULL / 1000);
		w32(caplen);
		w32(len);
		fwrite(d, 1, caplen, out);
		return;
	}
	uint32_t pad = (4 - caplen % 4) % 4, total = 32 + caplen + pad;

	w32(6);
	w32(total);
	w32(0);
	w32(ts_ns >> 32);
	w32(ts_ns & 0xffffffff);
	w32(caplen);
	w32(len);
	fwrite(d, 1, caplen, out);
	fwrite(zero, 1, pad, out);
	w32(total);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

/* Re-frames an Ethernet frame for the capture's link type; returns the
 * new length. */
static size_t reframe(const uint8_t *eth, size_t len, int dir, uint8_t *o)
{
	size_t l3 = pkt_l3_off();
	uint16_t proto = eth[12] << 8 | eth[13];
	uint8_t pkttype = dir == 1 ? 4 : dir == 2 ? 3 : 0;

	switch (link) {
	case L_ETH:
	case L_WIFI:
		memcpy(o, eth, len);
		return len;
	case L_SLL:
		memset(o, 0, 16);
		put16(o, pkttype);
		put16(o + 2, 1);	/* ARPHRD_ETHER */
		put16(o + 4, 6);
		memcpy(o + 6, eth + 6, 6);
		put16(o + 14, proto);
		memcpy(o + 16, eth + 14, len - 14);
		return len + 2;
	case L_SLL2:
		memset(o, 0, 20);
		put16(o, proto);
		o[7] = 1;		/* ifindex 1 */
		put16(o + 8, 1);
		o[10] = pkttype;
		o[11] = 6;
		memcpy(o + 12, eth + 6, 6);
		memcpy(o + 20, eth + 14, len - 14);
		return len + 6;
	case L_RAW:
		memcpy(o, eth + l3, len - l3);
		return len - l3;
	case L_NULL: {
		uint32_t af = (eth[l3] >> 4) == 6 ? 10 : 2;

		memcpy(o, &af, 4);
		memcpy(o + 4, eth + l3, len - l3);
		return len - l3 + 4;
	}
	}
	return 0;
}

static uint64_t parse_time(const char *s, int line)
{
	uint64_t sec = 0, frac = 0;
	int digits = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		die(line, "time must be decimal seconds");
	while (isdigit((unsigned char)*p))
		sec = sec * 10 + (*p++ - '0');
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			if (digits < 9) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
	if (*p)
		die(line, "time must be decimal seconds");
	while (digits++ < 9)
		frac *= 10;
	return sec * 1000000000ULL + frac;
}

static void mac_of(const char *addr, uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (const char *p = addr; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	mac[0] = 0x02;	/* locally administered */
	mac[1] = 0x5e;
	memcpy(mac + 2, &h, 4);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "link", required_argument, NULL, 'l' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "base", required_argument, NULL, 'b' },
		{ 0 }
	};
	uint64_t base = 1700000000ULL * 1000000000ULL;
	char line[1024];
	int c, lineno = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = !strcmp(optarg, "pcap") ? 0 : !strcmp(optarg, "pcap-ns") ? 1 :
				 !strcmp(optarg, "pcapng") ? 2 : -1;
			if (format < 0)
				die(0, "--format: pcap, pcap-ns or pcapng");
			break;
		case 'l': {
			size_t i;

			for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
				if (!strcmp(optarg, links[i].name))
					break;
			if (i == sizeof(links) / sizeof(links[0]))
				die(0, "--link: eth, sll, sll2, raw, null or wifi");
			link = i;
			break;
		}
		case 's':
			snaplen = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			base = strtoull(optarg, NULL, 10) * 1000000000ULL;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1)
		die(0, "usage: mkpcap [--format F] [--link L] [--snaplen N] [--base S] OUT");
	out = fopen(argv[optind], "wb");
	if (!out)
		die(0, "cannot open the output file");
	write_header();

	while (fgets(line, sizeof(line), stdin)) {
		char *tok[32], *save = NULL, *t;
		int ntok = 0, dir = 0, ti = 4;
		uint8_t frame[PKT_MAX], o[PKT_MAX + 64], mac[6], dmac[6];
		struct pkt_spec s = {};
		bool have_mac = false;
		size_t len;

		lineno++;
		for (t = strtok_r(line, " \t\r\n", &save); t && ntok < 32;
		     t = strtok_r(NULL, " \t\r\n", &save))
			tok[ntok++] = t;
		if (!ntok || tok[0][0] == '#')
			continue;
		if (ntok < 4)
			die(lineno, "need TIME SRC DST PROTO");
		s.src = tok[1];
		s.dst = tok[2];
		s.family = strchr(s.src, ':') ? 6 : 4;
		if (!strcmp(tok[3], "tcp"))
			s.proto = IPPROTO_TCP;
		else if (!strcmp(tok[3], "udp"))
			s.proto = IPPROTO_UDP;
		else if (!strcmp(tok[3], "icmp"))
			s.proto = s.family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		else if (isdigit((unsigned char)tok[3][0]))
			s.proto = atoi(tok[3]);
		else
			die(lineno, "protocol: tcp, udp, icmp or a number");
		if ((s.proto == IPPROTO_TCP || s.proto == IPPROTO_UDP)) {
			if (ntok < 6)
				die(lineno, "tcp and udp need SPORT DPORT");
			s.sport = atoi(tok[4]);
			s.dport = atoi(tok[5]);
			ti = 6;
			if (s.proto == IPPROTO_TCP) {
				if (ntok < 7)
					die(lineno, "tcp needs FLAGS");
				for (const char *f = tok[6]; *f; f++) {
					const char *letters = "FSRPAU";
					const char *at = strchr(letters, *f);

					if (*f == '-')
						continue;
					if (!at)
						die(lineno, "flags are letters of S A F R P U, or -");
					s.tcp_flags |= 1u << (at - letters);
				}
				ti = 7;
			}
		}
		for (int i = ti; i < ntok; i++) {
			char *eq = strchr(tok[i], '=');

			if (!eq)
				die(lineno, "expected KEY=VALUE");
			*eq++ = 0;
			if (!strcmp(tok[i], "vlan"))
				s.vlans = atoi(eq);
			else if (!strcmp(tok[i], "dir"))
				dir = !strcmp(eq, "out") ? 1 : !strcmp(eq, "other") ? 2 : 0;
			else if (!strcmp(tok[i], "payload"))
				s.payload = atoi(eq);
			else if (!strcmp(tok[i], "frag"))
				(!strcmp(eq, "first") ? (s.frag_first = true) : (s.frag_later = true));
			else if (!strcmp(tok[i], "mac")) {
				if (parse_mac(eq, mac))
					die(lineno, "mac=XX:XX:XX:XX:XX:XX");
				have_mac = true;
			} else
				die(lineno, "unknown key");
		}
		len = pkt_build(&s, frame, sizeof(frame));
		if (!len)
			die(lineno, "cannot build that packet");
		if (!have_mac)
			mac_of(s.src, mac);
		mac_of(s.dst, dmac);
		memcpy(frame, dmac, 6);
		memcpy(frame + 6, mac, 6);
		len = reframe(frame, len, dir, o);
		write_record(base + parse_time(tok[0], lineno), o, len);
	}
	if (fclose(out))
		die(0, "cannot write the output file");
	return 0;
}
