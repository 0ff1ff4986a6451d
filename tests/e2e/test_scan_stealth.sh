#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_scan_stealth.sh - nmap's stealthier scans, each from its own scanner
# address so each starts clean, with the default configuration.  FIN, Xmas
# and NULL probes (TCP without SYN, ACK or RST) weigh two failures, so the
# second one blocks; ACK probes that match no connection (-sA) and SCTP INITs
# (-sY) weigh one; tiny first fragments (-f) are dropped every time and
# weigh two; an IP protocol scan (-sO) meets the distinct-target backstop.
# Each scan gives one event naming the probe kind.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL scan_stealth: lab setup"; exit 1; }
daemon_start || { echo "FAIL scan_stealth: daemon start"; exit 1; }

# stealth_scan NMAP-FLAG KIND SOURCE DETECTOR ANSWERED: a 40-port scan; the
# closed ports that answered (RST, or unfiltered for -sA) must be ANSWERED.
stealth_scan() {
	local flag=$1 kind=$2 src=$3 det=$4 want=$5 xml=$LAB/$2.xml ev
	local open closed filtered openf unfiltered

	nmap_from "$src" "$xml" $flag -p 1000-1039 $HOST4
	read -r open closed filtered openf unfiltered <<<"$(nmap_counts "$xml")"
	check_eq "$kind scan: exactly $want ports answered" $((closed + unfiltered)) "$want"
	check_eq "$kind scan: the rest is unanswered" $((open + filtered + openf)) $((40 - want))
	check_eq "$kind scan: one scan event" "$(scan_events "\"source\":\"$src\"" | wc -l)" 1
	ev=$(scan_events "\"source\":\"$src\"" | head -1)
	check_eq "$kind scan: event probe kinds" "$(jq -c .probe_kinds <<<"$ev")" "[\"$kind\"]"
	check_eq "$kind scan: event detector, action and score" \
		"$(jq -c '[.detector, .action, .evidence.score]' <<<"$ev")" "[\"$det\",\"blocked\",4]"
	check "$kind scan: block listed" blocked "$src"
}

# Closed ports answer RST; after the block nothing answers, which nmap
# reports as open|filtered for these scan types.
stealth_scan -sF fin 198.18.0.3 stealth_flags 1
stealth_scan -sX xmas 198.18.0.4 stealth_flags 1
stealth_scan -sN null 198.18.0.5 stealth_flags 1
# ACK probes of no connection: each unfiltered answer is an RST.
stealth_scan -sA ack 198.18.0.6 failure_score 3
# The first fragment holds the ports but not the flags: never legitimate.
stealth_scan "-sS -f" tiny_fragment 198.18.0.7 fragment 0
check "tiny fragments: dropped as such" test "$(counter dropped_tiny_fragment)" -ge 1
# This host speaks no SCTP: every INIT is a failure (nmap gets no answer).
stealth_scan -sY sctp_init 198.18.0.8 failure_score 0
# IP protocol scan (-sO): protocols this host does not parse are counted
# but carry no score; the distinct-target backstop blocks the 16th.
nmap_from 198.18.0.9 "$LAB/proto.xml" -sO $HOST4
ev=$(scan_events '"source":"198.18.0.9"')
check_eq "ip protocol scan: one event" "$(wc -l <<<"$ev")" 1
check_eq "ip protocol scan: event" "$(jq -c '[.detector, .ports_counted]' <<<"$ev")" \
	'["distinct_ports",16]'
# nmap sends real headers for the protocols it knows (a UDP datagram for 17,
# an ACK for 6, an INIT for 132, an echo for 1): whichever came before the
# 16th protocol is a probe of its own kind.
check_eq "ip protocol scan: probe kinds" "$(jq -c '.probe_kinds | index("ip_protocol") != null and
	all(. as $k | ["ip_protocol","udp","ack","sctp_init","echo"] | index($k) != null)' <<<"$ev")" true
check_eq "seven detections" "$(counter detections)" 7

# The default scanner address never scanned and is untouched; an
# established connection's own ACKs are never probes.
check "other sources unaffected" in_scan nc -z -w2 -s $SCAN4 $HOST4 80
out=$(in_scan python3 "$SG_ROOT/tests/e2e/client.py" --rounds 20 --source $SCAN4 $HOST4)
check_eq "a client's established connections are not ack probes" "$out" "ok 100 failed 0"
check "that client is not blocked" not_blocked $SCAN4
lab_finish
