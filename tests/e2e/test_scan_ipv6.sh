#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_scan_ipv6.sh - nmap -6 SYN scans with the default configuration:
# IPv6 sources are weighed per /64, so a scanner rotating addresses inside
# its /64 is one source, blocked by the probe that brings the /64's failure
# score to 4, with the /64 in the event and the block.  With ipv6-prefix 128
# each address is its own source.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL scan_ipv6: lab setup"; exit 1; }
daemon_start || { echo "FAIL scan_ipv6: daemon start"; exit 1; }

# ICMP is never a probe: the pings below change no score.
check "ipv6: an address of the /64 that never scans reaches the host" \
	in_scan ping -6 -c1 -W2 -I 2001:db8::9 $HOST6
# Two closed ports from one address of the /64: score 2, below 4.
nmap_from 2001:db8::3 "$LAB/a.xml" -sS -p 1000-1001 $HOST6
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/a.xml")"
check_eq "ipv6 first address: both ports answered" "$closed" 2
check_eq "ipv6 first address: no event" "$(scan_events | wc -l)" 0

# Fifty more from another address of the same /64: one more failure passes.
nmap_from 2001:db8::2 "$LAB/b.xml" -sS -p 1010-1059 $HOST6
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/b.xml")"
check_eq "ipv6 second address: exactly one port answered" $((open + closed)) 1
check_eq "ipv6 second address: the rest is filtered" "$filtered" 49
check_eq "ipv6 scan: one scan event" "$(scan_events | wc -l)" 1
ev=$(scan_events | head -1)
check_eq "ipv6 scan: event source is the /64" "$(jq -r .source <<<"$ev")" "2001:db8::/64"
check_eq "ipv6 scan: event family" "$(jq -r .family <<<"$ev")" ipv6
check_eq "ipv6 scan: event evidence" "$(jq -c '[.detector, .evidence.score, .ports_counted]' <<<"$ev")" \
	'["failure_score",4,4]'
check_eq "ipv6 scan: the ports of both addresses in the sample" \
	"$(jq -c '[.ports_sample[] | ltrimstr("tcp/") | tonumber | select(. <= 1001)] | sort' <<<"$ev")" '[1000,1001]'
check_eq "ipv6 scan: event probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["syn"]'
check "ipv6 scan: the /64 is blocked" blocked "2001:db8::/64"
# Every address of the /64 is blocked, also one that never scanned.
check "ipv6 scan: another address of the /64 dropped" \
	not in_scan ping -6 -c2 -W1 -I 2001:db8::9 $HOST6
# Other /64s and the scanner's IPv4 address are not.
check "ipv6 scan: client in another /64 unaffected" in_cli nc -6 -z -w2 $HOST6B 80
check "ipv6 scan: client not blocked" not_blocked "2001:db8:1::/64"
check "ipv6 scan: the scanner's IPv4 address unaffected" in_scan nc -z -w2 -s $SCAN4 $HOST4 80

# Per-address counting: ipv6-prefix 128.
check "ipv6-prefix: unblock the /64" ctl block del 2001:db8::/64
check "ipv6-prefix: set to 128" ctl config set ipv6-prefix 128
nmap_from 2001:db8::4 "$LAB/c.xml" -sS -p 3000-3029 $HOST6
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/c.xml")"
check_eq "ipv6-prefix 128: exactly 3 answered" $((open + closed)) 3
ev=$(scan_events '"source":"2001:db8::4"' | head -1)
check_eq "ipv6-prefix 128: event names the address" "$(jq -r .source <<<"$ev")" "2001:db8::4"
check "ipv6-prefix 128: the address is blocked" blocked "2001:db8::4"
check "ipv6-prefix 128: its neighbour is not" in_scan nc -6 -z -w2 -s 2001:db8::5 $HOST6 80
lab_finish
