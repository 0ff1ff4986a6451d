#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_scan_tcp.sh - real nmap SYN scans with the default configuration:
# each probe of a closed port is a failure, and the probe that brings the
# failure score to score-threshold (4) is dropped and blocks the source, so
# nmap sees exactly 3 closed ports and the rest filtered, with one event.
# Successful connections bank at most score-credit (2) steps.  With scoring
# off the distinct-port backstop blocks on exactly the (threshold+1)-th port.
# A benign client of an open service keeps working throughout.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL scan_tcp: lab setup"; exit 1; }
daemon_start || { echo "FAIL scan_tcp: daemon start"; exit 1; }

# Benign client: connects to open services all through the scans.
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

# Control for the "pings dropped" check below (ICMP is never a probe here).
check "syn scan: scanner's pings answered before the scan" in_scan ping -c1 -W2 -I $SCAN4 $HOST4
nmap_scan "$LAB/syn.xml" -sS -p 1000-1099 $HOST4
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/syn.xml")"
check_eq "syn scan: exactly score-threshold - 1 ports answered" $((open + closed)) 3
check_eq "syn scan: the rest is filtered" "$filtered" 97
check_eq "syn scan: one scan event" "$(scan_events | wc -l)" 1
ev=$(scan_events | head -1)
check_eq "syn scan: event source" "$(jq -r .source <<<"$ev")" $SCAN4
check_eq "syn scan: event detector and action" "$(jq -c '[.detector, .action]' <<<"$ev")" \
	'["failure_score","blocked"]'
check_eq "syn scan: event evidence" "$(jq -c '.evidence' <<<"$ev")" \
	'{"count":4,"threshold":4,"window":300,"score":4}'
check_eq "syn scan: event ports counted" "$(jq -r .ports_counted <<<"$ev")" 4
check_eq "syn scan: event probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["syn"]'
check_eq "syn scan: event interface" "$(jq -r .interface <<<"$ev")" "$IF_H0"
check_eq "syn scan: event sample" "$(jq -c '[.ports_sample[] | ltrimstr("tcp/") | tonumber | select(. >= 1000 and . <= 1099)] | length' <<<"$ev")" 4
check "syn scan: event last probe" jq -e --arg h $HOST4 \
	'.last_probe.destination == $h and (.last_probe.target | test("^tcp/10[0-9][0-9]$"))' <<<"$ev"
check_eq "syn scan: first block, default ttl" "$(jq -c '[.strikes, .block_ttl]' <<<"$ev")" '[1,600]'
check "syn scan: block listed" jq -e --arg s $SCAN4 \
	'any(.[]; .source == $s and .detector == "failure_score" and .expires_in > 500)' \
	<<<"$(ctl --json block list)"
# Everything from the scanner is dropped now, not only probes.
check "syn scan: scanner's pings dropped" not in_scan ping -c2 -W1 -I $SCAN4 $HOST4
check "syn scan: scanner's connections to open ports dropped" \
	not in_scan nc -z -w2 -s $SCAN4 $HOST4 80
# Another address of the scanner namespace is a different source.
check "syn scan: other sources unaffected" in_scan nc -z -w2 -s 198.18.0.9 $HOST4 80

# Successes first (-r: ports in order): two open ports bank two steps, so
# five closed ports answer and the sixth is dropped.
nmap_from 198.18.0.3 "$LAB/credit.xml" -sS -r -p 22,80,2000-2099 $HOST4
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/credit.xml")"
check_eq "score credit: two open ports, then five closed ones answered" "$open $closed" "2 5"
ev=$(scan_events '"source":"198.18.0.3"')
check_eq "score credit: event" "$(jq -c '[.detector, .evidence.score, .ports_counted]' <<<"$ev")" \
	'["failure_score",4,6]'

# Scoring off: the distinct-port backstop, exactly at threshold + 1.
check "backstop: scoring off" ctl config set score-threshold 0
nmap_from 198.18.0.4 "$LAB/backstop.xml" -sS -p 3000-3099 $HOST4
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/backstop.xml")"
check_eq "backstop: exactly threshold ports answered" $((open + closed)) 15
check_eq "backstop: the rest is filtered" "$filtered" 85
ev=$(scan_events '"source":"198.18.0.4"')
check_eq "backstop: event" "$(jq -c '[.detector, .evidence.threshold, .ports_counted, (.ports_sample | length)]' <<<"$ev")" \
	'["distinct_ports",15,16,16]'

wait "$client"
read -r ok bad <"$LAB/client.result"
check_eq "benign client: no failed connection during the scans" "$bad" 0
check "benign client: not blocked" not_blocked $CLI4
daemon_stop TERM
check_eq "daemon: SIGTERM exits 0" "$DAEMON_RC" 0
check "daemon: detached on exit" not xdp_attached "$NS_HOST" "$IF_H0"
check "daemon: unpinned on exit" test ! -e "$PIN"
lab_finish
