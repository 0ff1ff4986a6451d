#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_scan_stealth.sh - nmap FIN, Xmas and NULL scans (TCP without SYN, ACK
# or RST), each from its own scanner address so each starts clean: blocked
# on exactly the (threshold+1)-th distinct port, one event naming the probe
# kind.  An ACK scan is not a probe by design (README, limitations).
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL scan_stealth: lab setup"; exit 1; }
daemon_start --threshold 10 || { echo "FAIL scan_stealth: daemon start"; exit 1; }

# stealth_scan NMAP-FLAG KIND SOURCE
stealth_scan() {
	local flag=$1 kind=$2 src=$3 xml=$LAB/$2.xml ev
	local open closed filtered openf

	nmap_from "$src" "$xml" "$flag" -p 1000-1039 $HOST4
	read -r open closed filtered openf _ <<<"$(nmap_counts "$xml")"
	# Closed ports answer RST; after the block nothing answers, which nmap
	# reports as open|filtered for these scan types.
	check_eq "$kind scan: exactly threshold ports answered" "$closed" 10
	check_eq "$kind scan: the rest is unanswered" $((open + openf)) 30
	check_eq "$kind scan: one scan event" "$(scan_events "\"source\":\"$src\"" | wc -l)" 1
	ev=$(scan_events "\"source\":\"$src\"" | head -1)
	check_eq "$kind scan: event probe kinds" "$(jq -c .probe_kinds <<<"$ev")" "[\"$kind\"]"
	check_eq "$kind scan: event ports counted" "$(jq -r .ports_counted <<<"$ev")" 11
	check_eq "$kind scan: event action" "$(jq -r .action <<<"$ev")" blocked
	check "$kind scan: block listed" blocked "$src"
}

stealth_scan -sF fin 198.18.0.3
stealth_scan -sX xmas 198.18.0.4
stealth_scan -sN null 198.18.0.5
check_eq "stealth scans: three detections" "$(counter detections)" 3

# ACK scans map firewall rules, not open ports; ACK is what every
# established connection carries, so it is never counted.
nmap_from 198.18.0.6 "$LAB/ack.xml" -sA -p 1000-1039 $HOST4
read -r _ _ _ _ unfiltered <<<"$(nmap_counts "$LAB/ack.xml")"
check_eq "ack scan: every port answered (not a probe)" "$unfiltered" 40
check_eq "ack scan: no event" "$(scan_events '"source":"198.18.0.6"' | wc -l)" 0
check "ack scan: not blocked" not_blocked 198.18.0.6
# The default scanner address never scanned and is untouched.
check "other sources unaffected" in_scan nc -z -w2 -s $SCAN4 $HOST4 80
lab_finish
