#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""client.py - a benign client of the lab's services (services.py): every
round connects once to each TCP service and exchanges one datagram with the
UDP echo, each datagram from a new source port, as a resolver or an NTP
client does.  Prints "ok N failed M"; exits 1 if anything failed.

    client.py [--rounds N] [--unconnected] [--source ADDR] ADDR..."""
import argparse
import socket
import sys

TCP_PORTS = (22, 80, 443, 8080)
UDP_PORT = 53


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def tcp_once(addr, port, source):
    src = (source, 0) if source else None
    with socket.create_connection((addr, port), timeout=3, source_address=src) as s:
        data = b""
        while True:
            chunk = s.recv(256)
            if not chunk:
                break
            data += chunk
    return data == b"scanguard-lab %d ok\n" % port


def udp_once(addr, payload, connected, source):
    with socket.socket(family(addr), socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        if source:
            s.bind((source, 0))
        if connected:
            s.connect((addr, UDP_PORT))
            s.send(payload)
        else:
            if not source:
                s.bind(("::" if ":" in addr else "0.0.0.0", 0))
            s.sendto(payload, (addr, UDP_PORT))
        # The socket stays open until the answer is in, as a resolver's does.
        return s.recv(2048) == payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--unconnected", action="store_true",
                    help="send datagrams from bound, unconnected sockets")
    ap.add_argument("--source", help="local address to send from")
    ap.add_argument("addrs", nargs="+")
    a = ap.parse_args()
    ok = failed = 0
    for r in range(a.rounds):
        for addr in a.addrs:
            results = []
            for port in TCP_PORTS:
                try:
                    results.append(tcp_once(addr, port, a.source))
                except OSError:
                    results.append(False)
            try:
                results.append(udp_once(addr, b"query %d" % r, not a.unconnected, a.source))
            except OSError:
                results.append(False)
            ok += results.count(True)
            failed += results.count(False)
    print("ok %d failed %d" % (ok, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
