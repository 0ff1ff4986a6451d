#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""services.py - the protected host's services in the namespace lab: TCP
22, 80, 443 and 8080 answer every connection with one line, UDP 53 echoes.
Runs until killed."""
import selectors
import socket

TCP_PORTS = (22, 80, 443, 8080)
UDP_PORTS = (53,)

sel = selectors.DefaultSelector()
for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for port in TCP_PORTS:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port))
        s.listen(128)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("tcp", port))
    for port in UDP_PORTS:
        s = socket.socket(family, socket.SOCK_DGRAM)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("udp", port))

print("services ready", flush=True)
while True:
    for key, _ in sel.select():
        proto, port = key.data
        sock = key.fileobj
        try:
            if proto == "tcp":
                conn, _ = sock.accept()
                conn.sendall(b"scanguard-lab %d ok\n" % port)
                conn.close()
            else:
                data, peer = sock.recvfrom(2048)
                sock.sendto(data, peer)
        except OSError:
            pass
