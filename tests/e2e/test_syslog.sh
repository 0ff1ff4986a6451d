#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_syslog.sh - events-syslog: the daemon sends every event line to
# syslog (facility daemon; scan events at warning, others at info) as well
# as to stdout.  The daemon runs in a mount namespace of its own whose /dev
# is a fresh tmpfs holding a test listener's /dev/log, so the machine's
# syslog is never touched.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL syslog: lab setup"; exit 1; }
LOG=$LAB/syslog.txt
: >"$EVENTS"
# The listener and the daemon share the private /dev (with a /dev/null for
# the shell's background job).
unshare -m --propagation private sh -c '
	mount -t tmpfs -o mode=0755 tmpfs /dev && mknod -m 0666 /dev/null c 1 3 || exit 1
	python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
s.settimeout(60)
with open(sys.argv[1], \"a\") as f:
    try:
        while True:
            f.write(s.recv(65536).decode(errors=\"replace\") + \"\n\")
            f.flush()
    except socket.timeout:
        pass
" "$1" &
	for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
	exec ip netns exec "$2" "$3" --config "$4" --ephemeral --pin-path "$5" -i "$6" -i "$7" \
		--threshold 15 --score-threshold 0 --events-syslog' \
	_ "$LOG" "$NS_HOST" "$SCANGUARDD" "$LAB/none.conf" "$PIN" "$IF_H0" "$IF_H1" \
	>"$EVENTS" 2>"$DAEMON_ERR" &
DAEMON_PID=$!
: >"$LAB/none.conf"
for _ in $(seq 100); do grep -q '"event":"start"' "$EVENTS" 2>/dev/null && break; sleep 0.1; done
check "syslog: daemon started" grep -q '"event":"start"' "$EVENTS"
for _ in $(seq 50); do grep -q '"event":"start"' "$LOG" 2>/dev/null && break; sleep 0.1; done
check "syslog: start event in syslog at daemon.info (<30>)" \
	grep -q '^<30>.*scanguardd\[[0-9]*\]: {"event":"start"' "$LOG"

nmap_scan "$LAB/syn.xml" -sS -p 1-300 $HOST4
for _ in $(seq 50); do grep -q '"event":"scan"' "$LOG" && break; sleep 0.1; done
check "syslog: scan event in syslog at daemon.warning (<28>)" \
	grep -q "^<28>.*scanguardd\[[0-9]*\]: {\"event\":\"scan\".*\"source\":\"$SCAN4\"" "$LOG"
check_eq "syslog: the same line on stdout" \
	"$(grep '"event":"scan"' "$LOG" | sed 's/^[^{]*//')" "$(scan_events)"
daemon_stop TERM
check_eq "syslog: SIGTERM exits 0" "$DAEMON_RC" 0
lab_finish
