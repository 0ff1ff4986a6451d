#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""spoof_syn.py - sends TCP SYNs from many spoofed IPv4 sources, one each,
as raw Ethernet frames on an interface of the lab (AF_PACKET), at a bounded
rate.  Sources count up from FIRST: FIRST+1, FIRST+2, ... (host part 1-250
of each /24).  Checksums are left zero: XDP never checks them.

    spoof_syn.py IFACE DST-MAC DST-IP DST-PORT FIRST-SOURCE COUNT RATE-PER-S
"""
import ipaddress
import socket
import struct
import sys
import time


def frame(src_mac, dst_mac, src, dst, dport):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0,
                     src.packed, dst.packed)
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def main():
    ifname, dst_mac, dst, dport, first, count, rate = sys.argv[1:8]
    count, rate, dport = int(count), float(rate), int(dport)
    if count > 60000 or rate > 100000:
        sys.exit("spoof_syn: at most 60000 packets, 100000/s")
    dst_mac = bytes.fromhex(dst_mac.replace(":", ""))
    dst = ipaddress.IPv4Address(dst)
    base = int(ipaddress.IPv4Address(first))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    src_mac = s.getsockname()[4]
    start = time.monotonic()
    for i in range(count):
        src = ipaddress.IPv4Address(base + (i // 250) * 256 + i % 250 + 1)
        s.send(frame(src_mac, dst_mac, src, dst, dport))
        # Pace to the rate, in bursts of 10 (sleep granularity); after a
        # stall, carry on from now rather than catch up in a burst.
        if i % 10 == 9:
            ahead = start + (i + 1) / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
            else:
                start -= ahead
    print(f"sent {count} in {time.monotonic() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
