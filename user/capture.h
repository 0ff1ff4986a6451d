/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* capture.h - reads pcap and pcapng captures (through libpcap) and hands out
 * each packet as the Ethernet frame an XDP program would have seen: Linux
 * cooked captures (SLL, SLL2), raw IP and BSD loopback get a synthetic
 * Ethernet header; VLAN tags stay in place; timestamps are nanoseconds. */
#ifndef SG_CAPTURE_H
#define SG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The most of a packet handed to the program.  BPF_PROG_TEST_RUN takes at
 * most a page minus XDP headroom and tailroom from a program without
 * multi-buffer support; the program reads only headers, so a longer packet
 * (GRO super-packets in host captures) is cut to this. */
#define SG_CAPTURE_FRAME_MAX	3072

enum sg_capture_dir {
	SG_DIR_UNKNOWN = 0,	/* the link type does not say */
	SG_DIR_IN,		/* cooked capture: to this host (unicast, broadcast, multicast) */
	SG_DIR_OUT,		/* cooked capture: sent by this host */
	SG_DIR_OTHERHOST,	/* cooked capture: to another host (promiscuous) */
};

struct sg_frame {
	uint64_t ts_ns;		/* capture time, ns since the epoch */
	const uint8_t *data;	/* Ethernet frame */
	uint32_t len;		/* bytes at data */
	uint32_t wire_len;	/* the packet's length on the wire */
	bool snapped;		/* the capture kept less than the packet (snap length) */
	bool cut;		/* longer than SG_CAPTURE_FRAME_MAX: cut for the program */
	bool has_mac;
	uint8_t src_mac[6];	/* the sender's link address, when known */
	enum sg_capture_dir dir;
};

struct sg_capture {
	void *pcap;		/* pcap_t */
	const char *path;
	const char *format;	/* "pcap", "pcap (ns)" or "pcapng" */
	int linktype;		/* DLT_* */
	const char *linkname;
	long size;		/* bytes, for progress */
	uint64_t packets;	/* read so far */
	bool truncated_end;	/* ended in a record cut short (warned, not an error) */
	/* Frames are copied here SG_CAPTURE_IP_ALIGN bytes in, so the IP
	 * header is 4-byte aligned for the parser's header structs, as
	 * drivers place it (NET_IP_ALIGN). */
	uint8_t buf[SG_CAPTURE_FRAME_MAX + 64] __attribute__((aligned(8)));
};
#define SG_CAPTURE_IP_ALIGN 2

/* Opens path; returns 0, or -1 with a reason in err (unreadable, not a
 * capture, compressed, unsupported link type). */
int sg_capture_open(struct sg_capture *c, const char *path, char *err, size_t errlen);
/* Reads the next packet: 1 with *fr filled, 0 at the end, -1 on a corrupt
 * capture (reason in err).  A record cut short by the end of the file ends
 * the capture with truncated_end set instead. */
int sg_capture_next(struct sg_capture *c, struct sg_frame *fr, char *err, size_t errlen);
/* How far through the file reading is, 0..1. */
double sg_capture_progress(const struct sg_capture *c);
void sg_capture_close(struct sg_capture *c);

#endif
