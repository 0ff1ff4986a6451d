// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* capture.c - capture reading and link-layer conversion.  The file's magic
 * number is checked before libpcap sees it, so a wrong file gets a reason an
 * operator understands ("compressed", "not a capture") rather than libpcap's
 * wording. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include <pcap/sll.h>
#include "capture.h"

#define ETH_HLEN_ 14

static const char *classify_magic(const uint8_t *m, size_t n, char *err, size_t errlen,
				  const char *path)
{
	uint32_t be, le;

	if (n < 4) {
		snprintf(err, errlen, "%s: %s", path, n ? "too short to be a capture" : "empty file");
		return NULL;
	}
	if (m[0] == 0x1f && m[1] == 0x8b) {
		snprintf(err, errlen, "%s: compressed (gzip); decompress it first", path);
		return NULL;
	}
	be = (uint32_t)m[0] << 24 | m[1] << 16 | m[2] << 8 | m[3];
	le = (uint32_t)m[3] << 24 | m[2] << 16 | m[1] << 8 | m[0];
	if (be == 0x0a0d0d0a)
		return "pcapng";
	if (be == 0xa1b2c3d4 || le == 0xa1b2c3d4)
		return "pcap";
	if (be == 0xa1b23c4d || le == 0xa1b23c4d)
		return "pcap (ns)";
	snprintf(err, errlen, "%s: not a pcap or pcapng capture (magic %02x%02x%02x%02x)", path,
		 m[0], m[1], m[2], m[3]);
	return NULL;
}

static bool linktype_supported(int lt)
{
	switch (lt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	}
	return false;
}

int sg_capture_open(struct sg_capture *c, const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	uint8_t magic[4];
	struct stat st;
	size_t n;
	FILE *f;
	pcap_t *p;

	memset(c, 0, sizeof(*c));
	c->path = path;
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "%s: is a directory", path);
		return -1;
	}
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	c->format = classify_magic(magic, n, err, errlen, path);
	if (!c->format)
		return -1;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p) {
		snprintf(err, errlen, "%s: corrupt or unsupported %s capture: %s", path, c->format,
			 perr);
		return -1;
	}
	c->linktype = pcap_datalink(p);
	c->linkname = pcap_datalink_val_to_name(c->linktype);
	if (!c->linkname)
		c->linkname = "unknown";
	if (!linktype_supported(c->linktype)) {
		snprintf(err, errlen,
			 "%s: unsupported link type %d (%s); supported: Ethernet, Linux cooked "
			 "(SLL, SLL2), raw IP, BSD loopback", path, c->linktype, c->linkname);
		pcap_close(p);
		return -1;
	}
	c->pcap = p;
	c->size = st.st_size > 0 ? st.st_size : 0;
	if (!c->size && stat(path, &st) == 0)
		c->size = st.st_size;
	return 0;
}

void sg_capture_close(struct sg_capture *c)
{
	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
}

double sg_capture_progress(const struct sg_capture *c)
{
	FILE *f = c->pcap ? pcap_file(c->pcap) : NULL;
	long pos = f ? ftell(f) : -1;

	if (pos < 0 || c->size <= 0)
		return 0;
	return pos >= c->size ? 1.0 : (double)pos / (double)c->size;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Writes an Ethernet header for a payload of ethertype proto into c->buf and
 * copies the payload after it; returns the frame length. */
static uint32_t synth_eth(struct sg_capture *c, const uint8_t *payload, uint32_t plen,
			  uint16_t proto, struct sg_frame *fr)
{
	uint8_t *b = c->buf + SG_CAPTURE_IP_ALIGN;

	fr->cut = plen > SG_CAPTURE_FRAME_MAX - ETH_HLEN_;
	if (fr->cut)
		plen = SG_CAPTURE_FRAME_MAX - ETH_HLEN_;
	memcpy(b, "\x02\x00\x00\x00\x00\x01", 6);	/* locally administered */
	if (fr->has_mac)
		memcpy(b + 6, fr->src_mac, 6);
	else
		memcpy(b + 6, "\x02\x00\x00\x00\x00\x02", 6);
	b[12] = proto >> 8;
	b[13] = proto & 0xff;
	memcpy(b + ETH_HLEN_, payload, plen);
	return ETH_HLEN_ + plen;
}

static enum sg_capture_dir sll_dir(unsigned int pkttype)
{
	switch (pkttype) {
	case LINUX_SLL_HOST:
	case LINUX_SLL_BROADCAST:
	case LINUX_SLL_MULTICAST:
		return SG_DIR_IN;
	case LINUX_SLL_OUTGOING:
		return SG_DIR_OUT;
	case LINUX_SLL_OTHERHOST:
		return SG_DIR_OTHERHOST;
	}
	return SG_DIR_UNKNOWN;
}

static uint16_t ethertype_of_ip(const uint8_t *p, uint32_t len)
{
	if (!len)
		return 0;
	return (p[0] >> 4) == 6 ? 0x86dd : (p[0] >> 4) == 4 ? 0x0800 : 0;
}

/* BSD loopback: a 4-byte address family, host order (DLT_NULL) or network
 * order (DLT_LOOP); IPv6 has a different number on every BSD. */
static uint16_t ethertype_of_af(uint32_t af)
{
	switch (af) {
	case 2:
		return 0x0800;
	case 10: case 24: case 28: case 30:
		return 0x86dd;
	}
	return 0;
}

/* Fills fr from one record; returns false when the record is too short to
 * hold its link-layer header (fr->len is then 0). */
static bool convert(struct sg_capture *c, const uint8_t *d, uint32_t caplen, struct sg_frame *fr)
{
	uint16_t proto;
	uint32_t af;

	switch (c->linktype) {
	case DLT_EN10MB:
		if (caplen < ETH_HLEN_)
			return false;
		fr->has_mac = true;
		memcpy(fr->src_mac, d + 6, 6);
		fr->cut = caplen > SG_CAPTURE_FRAME_MAX;
		fr->len = fr->cut ? SG_CAPTURE_FRAME_MAX : caplen;
		/* libpcap's records leave the IP header misaligned. */
		memcpy(c->buf + SG_CAPTURE_IP_ALIGN, d, fr->len);
		break;
	case DLT_LINUX_SLL: {
		if (caplen < SLL_HDR_LEN)
			return false;
		fr->dir = sll_dir(get16(d));
		if (get16(d + 4) == 6) {
			fr->has_mac = true;
			memcpy(fr->src_mac, d + 6, 6);
		}
		proto = get16(d + 14);
		fr->len = synth_eth(c, d + SLL_HDR_LEN, caplen - SLL_HDR_LEN, proto, fr);
		break;
	}
	case DLT_LINUX_SLL2: {
		if (caplen < SLL2_HDR_LEN)
			return false;
		fr->dir = sll_dir(d[10]);
		if (d[11] == 6) {
			fr->has_mac = true;
			memcpy(fr->src_mac, d + 12, 6);
		}
		proto = get16(d);
		fr->len = synth_eth(c, d + SLL2_HDR_LEN, caplen - SLL2_HDR_LEN, proto, fr);
		break;
	}
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		proto = ethertype_of_ip(d, caplen);
		fr->len = synth_eth(c, d, caplen, proto, fr);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (caplen < 4)
			return false;
		memcpy(&af, d, 4);
		af = c->linktype == DLT_LOOP ? ntohl(af) : af;
		/* A capture from a host of the other byte order. */
		if (af > 0xffff)
			af = __builtin_bswap32(af);
		proto = ethertype_of_af(af);
		fr->len = synth_eth(c, d + 4, caplen - 4, proto, fr);
		break;
	default:
		return false;
	}
	fr->data = c->buf + SG_CAPTURE_IP_ALIGN;
	return true;
}

int sg_capture_next(struct sg_capture *c, struct sg_frame *fr, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int ret;

	ret = pcap_next_ex(c->pcap, &h, &d);
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1) {
		const char *why = pcap_geterr(c->pcap);
		FILE *f = pcap_file(c->pcap);

		/* A capture stopped mid-write ends in a short record: keep what
		 * came before it, as tcpdump -r does. */
		if (strstr(why, "truncated") && f && feof(f)) {
			c->truncated_end = true;
			return 0;
		}
		snprintf(err, errlen, "%s: corrupt capture after packet %llu: %s", c->path,
			 (unsigned long long)c->packets, why);
		return -1;
	}
	c->packets++;
	memset(fr, 0, sizeof(*fr));
	fr->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
	fr->wire_len = h->len;
	fr->snapped = h->caplen < h->len;
	if (!convert(c, d, h->caplen, fr))
		fr->len = 0;
	return 1;
}
