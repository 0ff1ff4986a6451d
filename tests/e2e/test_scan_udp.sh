#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_scan_udp.sh - real nmap UDP scans (IPv4 and IPv6) with the default
# configuration: a datagram to a port without a socket is a failed probe, and
# the one that brings the failure score to score-threshold (4) is dropped
# and blocks the source, with one event; datagrams to the open UDP service
# are never probes, and that service keeps working.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL scan_udp: lab setup"; exit 1; }
daemon_start || { echo "FAIL scan_udp: daemon start"; exit 1; }

# Datagrams to a port with a socket (the UDP echo on 53) are not probes, from
# however many source ports they come.
probes0=$(counter probes)
answers=$(in_scan python3 -c '
import socket, sys
n = 0
for i in range(20):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], 0))	# a new source port each time
    s.settimeout(2)
    s.sendto(b"q%d" % i, (sys.argv[2], 53))
    try:
        n += s.recv(64) == b"q%d" % i
    except OSError:
        pass
    s.close()
print(n)' 198.18.0.6 $HOST4)
check_eq "udp to an open port: 20 exchanges answered" "$answers" 20
check_eq "udp to an open port: none counted as a probe" "$(counter probes)" "$probes0"
check "udp to an open port: sender not blocked" not_blocked 198.18.0.6

# IPv4: 31 ports, one of them open (53).
nmap_scan "$LAB/udp4.xml" -sU -p 53,1000-1029 $HOST4
read -r open closed filtered openf _ <<<"$(nmap_counts "$LAB/udp4.xml")"
# Closed ports answer with ICMP port unreachable; the rest after the block
# gets no answer and is open|filtered (nmap cannot tell it from open UDP).
check_eq "udp scan: exactly score-threshold - 1 closed ports answered" "$closed" 3
check_eq "udp scan: the rest is unanswered" $((open + openf)) 28
check_eq "udp scan: one scan event" "$(scan_events '"source":"198.18.0.2"' | wc -l)" 1
ev=$(scan_events '"source":"198.18.0.2"' | head -1)
check_eq "udp scan: event detector and action" "$(jq -c '[.detector, .action]' <<<"$ev")" \
	'["failure_score","blocked"]'
check_eq "udp scan: event evidence" "$(jq -c '[.evidence.score, .ports_counted]' <<<"$ev")" '[4,4]'
check_eq "udp scan: event probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["udp"]'
check_eq "udp scan: sample holds only the closed ports" \
	"$(jq '[.ports_sample[] | select(test("^udp/10[0-2][0-9]$"))] | length' <<<"$ev")" 4
check "udp scan: block listed" blocked $SCAN4
check "udp scan: dropped over threshold counted" test "$(counter dropped_over_threshold)" -ge 1
# The block covers the open service too.
check "udp scan: scanner's queries to the open port dropped" \
	sh -c "! echo q | ip netns exec $NS_SCAN nc -u -w1 -s $SCAN4 $HOST4 53 | grep -q q"

# IPv6, from another address of the same /64 as the host's scanner side.
nmap_from 2001:db8::3 "$LAB/udp6.xml" -sU -p 53,2000-2019 $HOST6
read -r open closed filtered openf _ <<<"$(nmap_counts "$LAB/udp6.xml")"
check_eq "udp6 scan: exactly score-threshold - 1 closed ports answered" "$closed" 3
check_eq "udp6 scan: the rest is unanswered" $((open + openf)) 18
ev=$(scan_events '"source":"2001:db8::/64"' | head -1)
check_eq "udp6 scan: one event for the /64" "$(scan_events '"source":"2001:db8::/64"' | wc -l)" 1
check_eq "udp6 scan: event family" "$(jq -r .family <<<"$ev")" ipv6
check_eq "udp6 scan: event ports counted" "$(jq -r .ports_counted <<<"$ev")" 4
check_eq "udp6 scan: event probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["udp"]'

# The benign client's DNS-like exchanges with the open port still work.
ok=0
for i in $(seq 10); do
	echo "hello $i" | in_cli nc -u -w1 $HOST4B 53 | grep -q "hello $i" && ok=$((ok + 1))
done
check_eq "benign client: udp service answers after the scans" "$ok" 10
check "benign client: not blocked" not_blocked $CLI4
lab_finish
