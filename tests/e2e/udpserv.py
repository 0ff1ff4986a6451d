#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""udpserv.py - a DNS and an NTP server for the namespace lab, so that real
clients (dig, ntpdig) can query them: every A query is answered with
198.18.4.99, every NTP client request with a stratum-2 server reply.  The
answers go from one address and port to the clients' many ephemeral ports,
the pattern a naive scan detector takes for a UDP scan.  Runs until killed.

  udpserv.py ADDRESS...
"""
import selectors
import socket
import struct
import sys
import time

NTP_EPOCH = 2208988800


def dns_answer(q):
    if len(q) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000 or qd != 1:
        return None
    end = 12
    while end < len(q) and q[end]:	# the question's name
        end += q[end] + 1
    end += 5			# the root label, type and class
    if end > len(q):
        return None
    head = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, 1, 0, 0)
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("198.18.4.99")
    return head + q[12:end] + rr


def ntp_answer(q):
    if len(q) < 48 or q[0] & 7 != 3:	# mode 3: a client
        return None
    now = time.time() + NTP_EPOCH
    ts = struct.pack("!II", int(now), int((now % 1) * 2**32))
    first = (q[0] & 0x38) | 4		# the client's version, mode 4: server
    return (bytes([first, 2, q[2], 0xEC]) + struct.pack("!II", 0, 0) + b"LAB\0" +
            ts + q[40:48] + ts + ts)


sel = selectors.DefaultSelector()
for addr in sys.argv[1:]:
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    for port, fn in ((53, dns_answer), (123, ntp_answer)):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((addr, port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, fn)

print("udpserv ready", flush=True)
while True:
    for key, _ in sel.select():
        try:
            data, peer = key.fileobj.recvfrom(2048)
            out = key.data(data)
            if out:
                key.fileobj.sendto(out, peer)
        except OSError:
            pass
