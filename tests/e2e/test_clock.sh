#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_clock.sh - the program's clock (jiffies plus an offset it keeps
# itself, bpf/clock.h) agrees with the CLOCK_MONOTONIC that `scanguardctl
# block add --ttl` computes expiries with: a 2 s block drops at once and is
# lifted within a few seconds, with the daemon running and with it killed
# (then only the program can lift it, and counts it in blocks_expired).
# Bounds are generous (no timing asserted): a wrong offset is off by days.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL clock: lab setup"; exit 1; }
daemon_start_persistent || { echo "FAIL clock: daemon start"; exit 1; }

reaches() { in_scan nc -z -w1 -s $SCAN4 $HOST4 80 2>/dev/null; }

# until_reaches SECONDS: polls until the scanner reaches the host again.
until_reaches() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		reaches && return 0
		sleep 0.2
	done
	return 1
}

check "clock: scanner reaches the host before any block" reaches

# Daemon running.
ctl block add $SCAN4 --ttl 2 >/dev/null
check "clock: a 2 s block drops at once (daemon running)" not reaches
check "clock: and is lifted within 10 s (daemon running)" until_reaches 10

# Daemon dead: the pinned program alone decides.
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
check "clock: program still attached with no daemon" xdp_attached "$NS_HOST" "$IF_H0"
expired_before=$(counter blocks_expired)
ctl block add $SCAN4 --ttl 2 >/dev/null
ctl block add 198.18.0.9 --ttl 1h >/dev/null
check "clock: a 2 s block drops at once (no daemon)" not reaches
check "clock: and is lifted within 10 s (no daemon)" until_reaches 10
check "clock: the program counted it expired" \
	test "$(counter blocks_expired)" -gt "$expired_before"
check "clock: the program removed it" not_blocked $SCAN4
check "clock: a 1 h block is still there" blocked 198.18.0.9
lab_finish
