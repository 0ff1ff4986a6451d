#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_scan_tcp.sh - a real nmap SYN scan is blocked after exactly the
# threshold, the rest is reported filtered, one event is written, and a
# benign client of an open service keeps working throughout.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL scan_tcp: lab setup"; exit 1; }
daemon_start --threshold 15 --score-threshold 0 || { echo "FAIL scan_tcp: daemon start"; exit 1; }

# Benign client: connects to open services all through the scan.
(
	ok=0; bad=0
	for i in $(seq 60); do
		if in_cli nc -w2 $HOST4B $(( i % 2 ? 80 : 443 )) </dev/null | grep -q ok; then
			ok=$((ok + 1)); else bad=$((bad + 1)); fi
		sleep 0.2
	done
	echo "$ok $bad" >"$LAB/client.result"
) &
client=$!

nmap_scan "$LAB/syn.xml" -sS -p 1-300 $HOST4
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/syn.xml")"
check_eq "syn scan: exactly threshold ports answered" $((open + closed)) 15
check_eq "syn scan: the rest is filtered" "$filtered" 285
check_eq "syn scan: one scan event" "$(scan_events | wc -l)" 1
ev=$(scan_events | head -1)
check_eq "syn scan: event source" "$(jq -r .source <<<"$ev")" $SCAN4
check_eq "syn scan: event action" "$(jq -r .action <<<"$ev")" blocked
check_eq "syn scan: event ports counted" "$(jq -r .ports_counted <<<"$ev")" 16
check_eq "syn scan: event probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["syn"]'
check_eq "syn scan: event interface" "$(jq -r .interface <<<"$ev")" "$IF_H0"
check_eq "syn scan: event sample" "$(jq '.ports_sample | length' <<<"$ev")" 16
check "syn scan: block listed" sh -c "'$SCANGUARDCTL' --pin-path '$PIN' --json block list | jq -e '.[] | select(.source == \"$SCAN4\" and .detector == \"distinct_ports\" and .expires_in > 500)'"
# Everything from the scanner is dropped now, not only probes.
check "syn scan: scanner's pings dropped" sh -c "! ip netns exec $NS_SCAN ping -c2 -W1 -I $SCAN4 $HOST4"
check "syn scan: scanner's connections to open ports dropped" sh -c "! ip netns exec $NS_SCAN nc -z -w2 -s $SCAN4 $HOST4 80"
# Another address of the scanner namespace is a different source.
check "syn scan: other sources unaffected" in_scan nc -z -w2 -s 198.18.0.9 $HOST4 80

wait "$client"
read -r ok bad <"$LAB/client.result"
check_eq "benign client: no failed connection during the scan" "$bad" 0
check "benign client: not blocked" sh -c "! '$SCANGUARDCTL' --pin-path '$PIN' --json block list | jq -e '.[] | select(.source == \"$CLI4\")'"
daemon_stop TERM
check_eq "daemon: SIGTERM exits 0" "$DAEMON_RC" 0
check "daemon: detached on exit" sh -c "! ip -n $NS_HOST -d link show dev $IF_H0 | grep -q prog/xdp"
check "daemon: unpinned on exit" test ! -e "$PIN"
lab_finish
