#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# udpflow.py - measured UDP traffic for gap tests.
#   udpflow.py recv PORT OUT         counts datagrams per source until SIGTERM,
#                                    then writes {"src": count, ...} to OUT
#   udpflow.py send DST PORT STOPFILE SRC[:WEIGHT]...
#                                    sends round-robin from each SRC (WEIGHT
#                                    datagrams per round) until STOPFILE exists,
#                                    at most 60 s and 3,000,000 datagrams; prints
#                                    {"src": sent, ...}
# Paced (about 20,000 datagrams/s) so the receiving veth's queue never
# overflows: every datagram sent either reaches the socket or is dropped by XDP.
import json, os, signal, socket, sys, time

def recv(port, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("0.0.0.0", port))
    s.settimeout(0.2)
    counts, stop = {}, []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    deadline = time.time() + 120
    while not stop and time.time() < deadline:
        try:
            _, (src, _) = s.recvfrom(64)
        except socket.timeout:
            continue
        counts[src] = counts.get(src, 0) + 1
    with open(out, "w") as f:
        json.dump(counts, f)

def send(dst, port, stopfile, srcs):
    socks = []
    for spec in srcs:
        addr, _, w = spec.partition(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, 0))
        socks.append((addr, s, int(w or 1)))
    sent = {a: 0 for a, _, _ in socks}
    total, start, payload = 0, time.time(), b"x" * 16
    while total < 3000000 and time.time() - start < 60 and not os.path.exists(stopfile):
        for addr, s, w in socks:
            for _ in range(w):
                try:
                    s.sendto(payload, (dst, port))
                    sent[addr] += 1
                    total += 1
                except OSError:
                    pass
        # Pace: the expected time of this datagram count at 20,000/s.
        ahead = total / 20000.0 - (time.time() - start)
        if ahead > 0:
            time.sleep(ahead)
    print(json.dumps(sent))

if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(int(sys.argv[2]), sys.argv[3])
    else:
        send(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
