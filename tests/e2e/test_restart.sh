#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_restart.sh - protection does not depend on the daemon: kill -9 in the
# middle of an nmap scan leaves the program attached through its pinned
# links, the scanner stays blocked, the kernel keeps counting and even
# detects and blocks a new scanner with no daemon alive; a restarted daemon
# adopts program and maps (blocks, counters intact) and writes the event it
# missed.  Then SIGTERM leaves the program attached and `scanguardctl
# detach` removes everything.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL restart: lab setup"; exit 1; }
: >"$EVENTS"
daemon_start_persistent --threshold 15 --score-threshold 0 || { echo "FAIL restart: daemon start"; exit 1; }
first_pid=$DAEMON_PID

stat_of() { ctl --json stats | jq -r ".$1"; }

# The scan runs in the background; the daemon dies as soon as it has blocked.
nmap_scan "$LAB/syn.xml" -sS -p 1-300 $HOST4 &
scan=$!
wait_for_event "\"source\":\"$SCAN4\"" 30
check "restart: scan detected before the kill" test -n "$(scan_events "$SCAN4")"
kill -9 "$first_pid"
wait "$first_pid" 2>/dev/null
DAEMON_PID=
check "restart: nmap still running when the daemon died" kill -0 "$scan"

check "restart: program still attached to ${IF_H0} after kill -9" xdp_attached "$NS_HOST" "$IF_H0"
check "restart: program still attached to ${IF_H1} after kill -9" xdp_attached "$NS_HOST" "$IF_H1"
check_eq "restart: daemon reported gone" "$(ctl --json status | jq -r .daemon_running)" false
check_eq "restart: two pinned links" "$(ctl --json status | jq -r .pinned_links)" 2
drops_at_kill=$(stat_of dropped_blocked)
packets_at_kill=$(stat_of packets)
detections_at_kill=$(stat_of detections)

# No daemon: the scanner is still dropped, and counted.
check "restart: scanner still dropped with no daemon" \
	sh -c "! ip netns exec $NS_SCAN nc -z -w2 -s $SCAN4 $HOST4 80"
wait "$scan"
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/syn.xml")"
check_eq "restart: scan blocked after exactly the threshold through the kill" \
	$((open + closed)) 15
check_eq "restart: rest of the scan filtered" "$filtered" 285
drops_dead=$(stat_of dropped_blocked)
check "restart: kernel kept counting drops ($drops_at_kill -> $drops_dead)" \
	test "$drops_dead" -gt "$drops_at_kill"

# A second scanner, detected and blocked by the kernel alone.
SCAN4B=198.18.0.4
in_scan timeout 60 nmap -n -Pn --max-retries 0 -T5 -S $SCAN4B -e "$IF_SCAN" -sS -p 1-40 \
	$HOST4 >/dev/null 2>&1
check "restart: new scanner blocked with no daemon" \
	sh -c "'$SCANGUARDCTL' --pin-path '$PIN' --json block list | jq -e '.[] | select(.source == \"$SCAN4B\")'"
check_eq "restart: its event waits in the ring buffer" "$(scan_events "$SCAN4B" | wc -l)" 0
blocks_before=$(ctl --json block list | jq -c '[.[].source] | sort')
stats_before=$(ctl --json stats)

daemon_start_persistent --threshold 15 --score-threshold 0 || { echo "FAIL restart: daemon restart"; exit 1; }
start=$(grep '"event":"start"' "$EVENTS" | tail -1)
check_eq "restart: maps adopted" "$(jq -r .maps_adopted <<<"$start")" true
check_eq "restart: links adopted" "$(jq -c '[.interfaces[].adopted]' <<<"$start")" '[true,true]'
check_eq "restart: blocks survived" "$(ctl --json block list | jq -c '[.[].source] | sort')" \
	"$blocks_before"
packets_after=$(stat_of packets)
check "restart: packet counter intact ($packets_at_kill -> $packets_after)" \
	test "$packets_after" -ge "$(jq -r .packets <<<"$stats_before")"
check_eq "restart: detections intact" "$(stat_of detections)" $((detections_at_kill + 1))
wait_for_event "\"source\":\"$SCAN4B\"" 5
check_eq "restart: missed event drained after restart" "$(scan_events "$SCAN4B" | wc -l)" 1
check_eq "restart: first scanner reported once" "$(scan_events "\"source\":\"$SCAN4\"" | wc -l)" 1
check "restart: scanner still dropped after restart" \
	sh -c "! ip netns exec $NS_SCAN nc -z -w2 -s $SCAN4 $HOST4 80"
check "restart: benign client unaffected" in_cli nc -z -w2 $HOST4B 80

daemon_stop TERM
check_eq "restart: SIGTERM exits 0" "$DAEMON_RC" 0
check_eq "restart: stop event says the program stays" \
	"$(grep '"event":"stop"' "$EVENTS" | tail -1 | jq -r .program)" attached
check "restart: program stays attached after SIGTERM" xdp_attached "$NS_HOST" "$IF_H0"
check "restart: pins stay after SIGTERM" test -e "$PIN/sg_blocks"
ctl detach >/dev/null
check_eq "restart: scanguardctl detach exits 0" "$?" 0
check "restart: detached from ${IF_H0}" sh -c "! ip -n $NS_HOST -d link show dev $IF_H0 | grep -q prog/xdp"
check "restart: detached from ${IF_H1}" sh -c "! ip -n $NS_HOST -d link show dev $IF_H1 | grep -q prog/xdp"
check "restart: instance removed" test ! -e "$PIN"
ctl detach >/dev/null 2>&1
check_eq "restart: detach again: no instance (exit 3)" "$?" 3

# Removal by an ephemeral daemon (the DaemonSet's way out): it adopts the
# persistent instance and takes it all away when it exits.
daemon_start_persistent || { echo "FAIL restart: persistent start"; exit 1; }
ctl block add 198.18.0.7 >/dev/null
daemon_stop TERM
daemon_start_persistent --ephemeral || { echo "FAIL restart: ephemeral start"; exit 1; }
start=$(grep '"event":"start"' "$EVENTS" | tail -1)
check_eq "restart: ephemeral daemon adopts the links" "$(jq -c '[.interfaces[].adopted]' <<<"$start")" '[true,true]'
check_eq "restart: and the blocks" "$(ctl --json block list | jq -r '.[].source')" 198.18.0.7
daemon_stop TERM
check "restart: its exit detaches" sh -c "! ip -n $NS_HOST -d link show dev $IF_H0 | grep -q prog/xdp"
check "restart: and removes the instance" test ! -e "$PIN"
lab_finish
