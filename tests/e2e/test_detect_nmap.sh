#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_detect_nmap.sh - every nmap scan type against the host under the
# default configuration: each is blocked by the detector made for it, after
# the number of probes its design allows, and nmap's own report shows that
# only those probes were answered.  The host's open ports here are tcp 22,
# 80, 443, 8080 and udp 53.
#
# Budgets (defaults: score-threshold 4, score-credit 2): a failed first
# contact (closed port) adds 1, a stealth or tiny-fragment probe 2, a
# success takes 1 off; the probe that reaches 4 is dropped and blocks.  So
# 3 closed ports are answered, plus at most one per open port the scan
# found first; stealth and fragment scans get 1 probe through.
#
# Each scan comes from its own address.  The TCP scans share the ports
# 1-40 (+ the open ones), so together their failures stay below the source
# network threshold (50); the UDP and SCTP scans come from another /24.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_detect.sh"
detect_up || { echo "FAIL detect_nmap: lab setup"; exit 1; }
daemon_start || { echo "FAIL detect_nmap: daemon start"; exit 1; }
TCP_PORTS=1-40,80,443,8080

# nmap -T1 (one probe per 15 s) runs meanwhile: 4 closed ports, so it ends
# after about a minute; the 4th probe is the one that must be dropped.
T1_SRC=198.18.0.29
in_scan timeout 120 nmap -n -Pn -T1 --max-retries 0 --host-timeout 100s -S $T1_SRC \
	-e "$IF_SCAN" -p 1-4 -oX "$LAB/t1.xml" $HOST4 >/dev/null 2>&1 &
t1=$!

# check_tcp_scan NAME SRC XML KIND: the budget above, from nmap's counts and
# the event's evidence.
check_tcp_scan() {
	local name=$1 src=$2 xml=$3 kind=$4 open closed ev
	read -r open closed _ <<<"$(nmap_counts "$xml")"
	ev=$(event_of "$src")
	check_eq "$name: detector" "$(jq -r .detector <<<"$ev")" failure_score
	check_eq "$name: probe kinds" "$(jq -c .probe_kinds <<<"$ev")" "[\"$kind\"]"
	check_eq "$name: score at detection" "$(jq -r .evidence.score <<<"$ev")" 4
	check_ge "$name: 3 closed ports answered" "$closed" 3
	check_le "$name: plus at most one per open port found" "$closed" $((3 + open))
	check_eq "$name: failed targets = answered + the dropped one" \
		"$(jq -r .evidence.count <<<"$ev")" $((closed + 1))
	check_eq "$name: blocked" "$(block_of "$src")" failure_score
	check_eq "$name: one event" "$(events_of "$src")" 1
}

nmap_as 198.18.0.10 "$LAB/ss.xml" -sS -p $TCP_PORTS $HOST4
check_tcp_scan "nmap -sS" 198.18.0.10 "$LAB/ss.xml" syn

nmap_as 198.18.0.11 "$LAB/st.xml" -sT -p $TCP_PORTS $HOST4
check_tcp_scan "nmap -sT" 198.18.0.11 "$LAB/st.xml" syn

nmap_as $SCAN6 "$LAB/s6.xml" -6 -sS -p $TCP_PORTS $HOST6
check_tcp_scan "nmap -6 -sS" 2001:db8::/64 "$LAB/s6.xml" syn

# Stealth flags are never legitimate: the second probe blocks.
n=12
for t in F:fin X:xmas N:null; do
	src=198.18.0.$n
	n=$((n + 1))
	nmap_as $src "$LAB/s${t%:*}.xml" -s${t%:*} -p $TCP_PORTS $HOST4
	read -r open closed _ <<<"$(nmap_counts "$LAB/s${t%:*}.xml")"
	ev=$(event_of $src)
	check_eq "nmap -s${t%:*}: detector" "$(jq -r .detector <<<"$ev")" stealth_flags
	check_eq "nmap -s${t%:*}: probe kinds" "$(jq -c .probe_kinds <<<"$ev")" "[\"${t#*:}\"]"
	check_eq "nmap -s${t%:*}: the 2nd probe blocks" "$(jq -r .evidence.count <<<"$ev")" 2
	check_le "nmap -s${t%:*}: at most one port answered" $((open + closed)) 1
	check_eq "nmap -s${t%:*}: blocked" "$(block_of $src)" stealth_flags
done

# ACK scan: a bare ACK to a port with no socket is a failure; to a listener
# it is not a probe at all (so it is answered, but buys no credit).
nmap_as 198.18.0.15 "$LAB/sa.xml" -sA -p $TCP_PORTS $HOST4
read -r _ _ filtered _ unfiltered <<<"$(nmap_counts "$LAB/sa.xml")"
ev=$(event_of 198.18.0.15)
check_eq "nmap -sA: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "nmap -sA: probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["ack"]'
check_eq "nmap -sA: the 4th failed ACK blocks" "$(jq -r .evidence.count <<<"$ev")" 4
check_ge "nmap -sA: 3 closed ports answered" "$unfiltered" 3
check_le "nmap -sA: plus only the open ports" "$unfiltered" 7
check_ge "nmap -sA: the rest filtered" "$filtered" $((43 - 7))

# Tiny fragments (-f): every first fragment is dropped, the second blocks.
nmap_as 198.18.0.16 "$LAB/sf.xml" -sS -f -p $TCP_PORTS $HOST4
read -r open closed _ <<<"$(nmap_counts "$LAB/sf.xml")"
ev=$(event_of 198.18.0.16)
check_eq "nmap -f: detector" "$(jq -r .detector <<<"$ev")" fragment
check_eq "nmap -f: probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["tiny_fragment"]'
check_eq "nmap -f: the 2nd tiny fragment blocks" "$(jq -r .evidence.count <<<"$ev")" 2
check_eq "nmap -f: no port answered" $((open + closed)) 0
check_ge "nmap -f: tiny fragments dropped by policy" "$(stat_of dropped_tiny_fragment)" 1

# UDP: datagrams a socket takes (udp/53) are traffic; the 4th closed port blocks.
nmap_as $OTHER_NET.10 "$LAB/su.xml" -sU -p 1-60 $HOST4
read -r open closed _ <<<"$(nmap_counts "$LAB/su.xml")"
ev=$(event_of $OTHER_NET.10)
check_eq "nmap -sU: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "nmap -sU: probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["udp"]'
check_eq "nmap -sU: the 4th closed port blocks" "$(jq -r .evidence.count <<<"$ev")" 4
check_eq "nmap -sU: exactly 3 closed ports answered" "$closed" 3

# SCTP INIT: nothing here speaks SCTP, so every INIT is a failure.
nmap_as $OTHER_NET.11 "$LAB/sy.xml" -sY -p 1-40 $HOST4
ev=$(event_of $OTHER_NET.11)
check_eq "nmap -sY: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "nmap -sY: probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["sctp_init"]'
check_eq "nmap -sY: the 4th INIT blocks" "$(jq -r .evidence.count <<<"$ev")" 4
check_eq "nmap -sY: blocked" "$(block_of $OTHER_NET.11)" failure_score

wait $t1
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/t1.xml")"
ev=$(event_of $T1_SRC)
check_eq "nmap -T1: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "nmap -T1: the 4th probe blocks" "$(jq -r .evidence.count <<<"$ev")" 4
check_eq "nmap -T1: nmap saw 3 closed ports, 1 filtered" "$closed $filtered" "3 1"

# Nothing else was caught: one event per scan, no network block, the
# client untouched, and no tracking state was lost.
check_eq "all scans: one event each" "$(scan_events | wc -l)" 11
check_eq "all scans: no distributed detection" "$(scan_events '"distributed"' | wc -l)" 0
check_eq "client: not blocked" "$(block_of $CLI4)" none
check "client: still served" in_cli nc -z -w2 $HOST4B 80
check_eq "no tracking insert failed" "$(stat_of track_insert_failed)" 0
lab_finish
