#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_multi_iface.sh - one daemon on two interfaces keeps one state: probes
# from the same source address arriving on both interfaces are counted once
# per distinct port (checked with scoring off, where the distinct-port count
# alone decides), the failure score adds up across interfaces too, the
# detection fires on the interface that saw the crossing probe, and the
# block applies on both.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL multi_iface: lab setup"; exit 1; }
daemon_start --threshold 15 --score-threshold 0 || { echo "FAIL multi_iface: daemon start"; exit 1; }

# spoofed_syns SOURCE FIRST-PORT COUNT: SYNs "from" a scanner address to
# successive ports, sent from the client namespace so they arrive on the
# host's second interface.
spoofed_syns() {
	in_cli timeout 30 hping3 -q -S -a "$1" -p ++"$2" -c "$3" -i u20000 $HOST4B >/dev/null 2>&1
}

check "the scanner reaches the host before" in_scan ping -c1 -W2 -I $SCAN4 $HOST4
# 10 ports through the first interface.
nmap_scan "$LAB/a.xml" -sS -p 1000-1009 $HOST4
read -r open closed _ <<<"$(nmap_counts "$LAB/a.xml")"
check_eq "first interface: 10 ports answered" $((open + closed)) 10
# 5 of the same ports through the second: not new, so no detection (with
# a per-interface count they would not be new either, but a count that is
# not per distinct port would be at 15 now and fire below at once).
spoofed_syns $SCAN4 1005 5
check_eq "second interface, same ports: no event" "$(scan_events | wc -l)" 0
# 10 new ports through the second: the 6th new one is the 16th distinct.
spoofed_syns $SCAN4 1010 10
check "second interface, new ports: detected" wait_for_event '"source":"198.18.0.2"'
ev=$(scan_events | head -1)
check_eq "one event" "$(scan_events | wc -l)" 1
check_eq "event: ports counted" "$(jq -r .ports_counted <<<"$ev")" 16
check_eq "event: on the second interface" "$(jq -r .interface <<<"$ev")" "$IF_H1"
check_eq "event: the 16 distinct ports of both interfaces" \
	"$(jq -c '[.ports_sample[] | ltrimstr("tcp/") | tonumber] | sort' <<<"$ev")" \
	"$(seq 1000 1015 | jq -cs .)"
check_eq "one probe dropped over the threshold" "$(counter dropped_over_threshold)" 1
# Blocked on the second interface, dropped on the first as well.
check "blocked" blocked $SCAN4
check "first interface: the scanner's pings dropped" not in_scan ping -c2 -W1 -I $SCAN4 $HOST4
check "first interface: other sources pass" in_scan ping -c1 -W2 -I 198.18.0.3 $HOST4
check "second interface: the real client passes" in_cli nc -z -w2 $HOST4B 80
check "the client is not blocked" not_blocked $CLI4

# The failure score, on: two failures through each interface make four.
check "scoring on" ctl config set score-threshold 4
nmap_from 198.18.0.3 "$LAB/s.xml" -sS -p 2000-2001 $HOST4
read -r open closed _ <<<"$(nmap_counts "$LAB/s.xml")"
check_eq "score: two failures through the first interface answered" "$closed" 2
spoofed_syns 198.18.0.3 2000 2
check_eq "score: the same ports again through the second, no new evidence" \
	"$(scan_events '"source":"198.18.0.3"' | wc -l)" 0
spoofed_syns 198.18.0.3 2002 2
check "score: the second new port through the second interface blocks" \
	wait_for_event '"source":"198.18.0.3"'
ev=$(scan_events '"source":"198.18.0.3"')
check_eq "score: event" "$(jq -c '[.detector, .evidence.score, .interface, .last_probe.target]' <<<"$ev")" \
	"[\"failure_score\",4,\"$IF_H1\",\"tcp/2003\"]"
check "score: dropped on the first interface too" not in_scan ping -c2 -W1 -I 198.18.0.3 $HOST4
lab_finish
