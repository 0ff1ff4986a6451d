#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""workload.py - a benign client for the namespace lab: every round it
connects to each TCP service and reads its line, sends a datagram to each
UDP service and waits for the echo, and (like a monitoring scraper) may
check services that are expected to be down.  Bounded: --rounds rounds,
each step with a 2 s timeout.  Prints "ok N failed N down N": answers from
the services, failures among them, and refusals from the down ones.

  workload.py --tcp 22,80,443,8080 --udp 53 [--down tcp/9100] \\
              [--source ADDR] [--rounds N] [--interval S] HOST...
"""
import argparse
import socket
import sys
import time


def ports(s):
    return [int(p) for p in s.split(",") if p]


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


SOURCE = None


def src(host):
    return (SOURCE, 0) if SOURCE and (":" in SOURCE) == (":" in host) else None


def tcp_ok(host, port):
    try:
        with socket.create_connection((host, port), timeout=2, source_address=src(host)) as s:
            return s.recv(64).startswith(b"scanguard-lab")
    except OSError:
        return False


def udp_ok(host, port, n):
    with socket.socket(family(host), socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        msg = b"workload %d" % n
        try:
            if src(host):
                s.bind(src(host))
            s.sendto(msg, (host, port))
            return s.recv(2048) == msg
        except OSError:
            return False


def down_refused(host, spec):
    proto, port = spec.split("/")
    if proto != "tcp":
        sys.exit("--down: only tcp/PORT")
    try:
        socket.create_connection((host, int(port)), timeout=2, source_address=src(host)).close()
        return False		# it answered: not down after all
    except ConnectionRefusedError:
        return True
    except OSError:
        return False		# no answer at all: dropped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp", type=ports, default=[])
    ap.add_argument("--udp", type=ports, default=[])
    ap.add_argument("--down", action="append", default=[])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--interval", type=float, default=0)
    ap.add_argument("--source", help="the IPv4 or IPv6 address to send from")
    ap.add_argument("hosts", nargs="+")
    a = ap.parse_args()
    global SOURCE
    SOURCE = a.source
    ok = failed = down = 0
    for r in range(min(a.rounds, 10000)):
        for host in a.hosts:
            for p in a.tcp:
                if tcp_ok(host, p):
                    ok += 1
                else:
                    failed += 1
            for p in a.udp:
                if udp_ok(host, p, r):
                    ok += 1
                else:
                    failed += 1
            for spec in a.down:
                down += down_refused(host, spec)
        if a.interval:
            time.sleep(min(a.interval, 10))
    print("ok %d failed %d down %d" % (ok, failed, down))


if __name__ == "__main__":
    main()
