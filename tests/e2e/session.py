#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""session.py - one long-lived TCP session for the lab, driven step by step
by a test through files in a control directory.

    session.py serve PORT            echo server (lines), until killed
    session.py client HOST PORT DIR  connects and writes DIR/connected; then,
        for N = 1, 2, ...: waits for DIR/send-N, sends a line, waits up to 3 s
        for its echo and writes DIR/result-N ("ok" or the error); stops at
        DIR/quit or after 120 s without a request.
"""
import os
import socket
import sys
import threading
import time


def serve(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(16)

    def echo(conn):
        with conn, conn.makefile("rb") as f:
            for line in f:
                conn.sendall(line)

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def client(host, port, ctl):
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(3)
    f = s.makefile("rb")
    write(os.path.join(ctl, "connected"), "ok")
    n, idle = 1, time.monotonic()
    while time.monotonic() - idle < 120:
        if os.path.exists(os.path.join(ctl, "quit")):
            break
        if not os.path.exists(os.path.join(ctl, f"send-{n}")):
            time.sleep(0.05)
            continue
        try:
            s.sendall(b"ping %d\n" % n)
            line = f.readline()
            result = "ok" if line == b"ping %d\n" % n else f"bad echo {line!r}"
        except OSError as e:
            result = f"error: {e}"
        write(os.path.join(ctl, f"result-{n}"), result)
        n, idle = n + 1, time.monotonic()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        client(sys.argv[2], int(sys.argv[3]), sys.argv[4])
