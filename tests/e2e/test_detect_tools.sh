#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_detect_tools.sh - scanners other than nmap's port scans, under the
# default configuration plus one trap port: hping3 port walks (SYN, FIN,
# UDP), masscan at a bounded rate, an IP protocol scan (nmap -sO), a trap
# port, a scan spread across the addresses of one /24 (distributed), a
# repeat offender and a slow scan (with the windows shortened live, so it
# takes seconds, not hours).  Open ports: tcp 22, 80, 443, 8080, udp 53.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_detect.sh"
detect_up || { echo "FAIL detect_tools: lab setup"; exit 1; }
daemon_start --trap tcp/23 || { echo "FAIL detect_tools: daemon start"; exit 1; }

# ---- hping3 port walks: ports 1, 2, 3, ... one every 20 ms, 10 in all
# hping_walk NAME SRC FLAGS...: runs the walk, output in $LAB/NAME.
hping_walk() {
	local name=$1 src=$2; shift 2
	in_scan timeout 30 hping3 "$@" -a "$src" -p ++1 -c 10 -i u20000 $HOST4 >"$LAB/$name" 2>&1
}
hping_walk syn 198.18.0.10 -S
ev=$(event_of 198.18.0.10)
check_eq "hping3 syn walk: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "hping3 syn walk: ports 1-4 counted" "$(jq -c .ports_sample <<<"$ev")" \
	'["tcp/1","tcp/2","tcp/3","tcp/4"]'
check_eq "hping3 syn walk: 3 answers of 10" "$(hping_received "$LAB/syn")" 3

hping_walk fin 198.18.0.11 -F
ev=$(event_of 198.18.0.11)
check_eq "hping3 fin walk: detector" "$(jq -r .detector <<<"$ev")" stealth_flags
check_eq "hping3 fin walk: ports 1-2 counted" "$(jq -c .ports_sample <<<"$ev")" \
	'["tcp/1","tcp/2"]'
check_eq "hping3 fin walk: 1 answer of 10" "$(hping_received "$LAB/fin")" 1

hping_walk udp 198.18.0.12 --udp
ev=$(event_of 198.18.0.12)
check_eq "hping3 udp walk: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "hping3 udp walk: ports 1-4 counted" "$(jq -c .ports_sample <<<"$ev")" \
	'["udp/1","udp/2","udp/3","udp/4"]'
check_eq "hping3 udp walk: 3 answers of 10" "$(hping_received "$LAB/udp")" 3

# ---- masscan: 1000 ports in random order at 500 packets/s.  It speaks
# from a scanner address the kernel also owns and sends to the host's MAC
# directly (no gateway in this lab).
mac=$(ip -n "$NS_HOST" -j link show "$IF_H0" | jq -r '.[0].address')
failed0=$(stat_of probes_failed)
open0=$(stat_of probes_open)
dropped0=$(stat_of dropped_blocked)
in_scan timeout 60 masscan -e "$IF_SCAN" --adapter-ip 198.18.0.13 --router-mac "$mac" \
	-p 1-1000 --rate 500 --wait 1 $HOST4 -oL "$LAB/masscan.txt" >"$LAB/masscan.out" 2>&1
ev=$(event_of 198.18.0.13)
nopen=$(grep -c '^open' "$LAB/masscan.txt")
check_eq "masscan: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "masscan: score at detection" "$(jq -r .evidence.score <<<"$ev")" 4
check_le "masscan: at most 4 + one per open port found" "$(jq -r .evidence.count <<<"$ev")" \
	$((4 + nopen))
check_eq "masscan: every probe that got through was weighed as evidence" \
	$(( $(stat_of probes_failed) - failed0 + $(stat_of probes_open) - open0 )) \
	$(( $(jq -r .evidence.count <<<"$ev") + nopen ))
check_ge "masscan: the rest of its 1000 probes dropped" \
	$(( $(stat_of dropped_blocked) - dropped0 )) $((1000 - 10))

# ---- IP protocol scan: a protocol nobody speaks is a failure without weight,
# so the distinct-target backstop (15) catches it.
nmap_as 198.18.0.14 "$LAB/so.xml" -sO -p 0-99 $HOST4
read -r _ closed _ <<<"$(nmap_counts "$LAB/so.xml")"
ev=$(event_of 198.18.0.14)
check_eq "nmap -sO: detector" "$(jq -r .detector <<<"$ev")" distinct_ports
check_eq "nmap -sO: the 16th protocol blocks" "$(jq -r .evidence.count <<<"$ev")" 16
# nmap sends real headers for the protocols it knows (a UDP datagram for 17,
# an ACK for 6, an INIT for 132, an echo for 1): whichever came before the
# 16th protocol is a probe of its own kind.  Every other protocol is the
# protocol kind, and nothing outside what -sO sends may appear.
check_eq "nmap -sO: probe kinds" "$(jq -c '.probe_kinds | index("ip_protocol") != null and
	all(. as $k | ["ip_protocol","udp","ack","sctp_init","echo"] | index($k) != null)' <<<"$ev")" true
check_le "nmap -sO: at most 15 protocols answered" "$closed" 15

# ---- a trap port: the first probe blocks, and is itself dropped
check "trap: the probe to tcp/23 is not answered" not in_scan nc -z -w2 -s 198.18.0.15 $HOST4 23
ev=$(event_of 198.18.0.15)
check_eq "trap: detector" "$(jq -r .detector <<<"$ev")" trap
check_eq "trap: evidence" "$(jq -c '[.evidence.count, .last_probe.target]' <<<"$ev")" '[1,"tcp/23"]'
check_eq "trap: blocked" "$(block_of 198.18.0.15)" trap

# ---- distributed: 20 addresses of one /24, 3 closed ports each, every
# port different.  No address crosses the score (4) alone; the network's
# 51st distinct failed target crosses net-threshold (50): the 17th address.
for k in $(seq 0 19); do
	in_scan timeout 10 hping3 -S -a $OTHER_NET.$((10 + k)) -p ++$((2000 + 3 * k)) -c 3 \
		-i u10000 $HOST4 >"$LAB/dist$k" 2>&1
done
ev=$(event_of $OTHER_NET.0/24)
check_eq "distributed: detector" "$(jq -r .detector <<<"$ev")" distributed
check_eq "distributed: evidence" "$(jq -c '[.evidence.count, .evidence.threshold]' <<<"$ev")" \
	'[51,50]'
check_eq "distributed: the 17th address's 3rd probe crossed" \
	"$(jq -r .last_probe.target <<<"$ev")" tcp/2050
check_eq "distributed: answers per address" \
	"$(for k in 0 15 16 17 19; do hping_received "$LAB/dist$k"; done | xargs)" "3 3 2 0 0"
check_eq "distributed: the network is blocked" "$(block_of $OTHER_NET.0/24)" distributed
check_eq "distributed: no single address was blocked" \
	"$(ctl --json block list | jq "[.[] | select(.source | startswith(\"$OTHER_NET.\")) |
		select(.source != \"$OTHER_NET.0/24\")] | length")" 0
check "distributed: another network is not" in_scan nc -z -w2 -s 198.18.0.20 $HOST4 80

# ---- repeat offenders: the block doubles each time (block-ttl 2 s here)
check "repeat: block-ttl 2 s" ctl config set block-ttl 2
in_scan timeout 10 hping3 -S -a 198.18.0.16 -p ++100 -c 4 -i u10000 $HOST4 >/dev/null 2>&1
sleep 3	# the 2 s block is over
# (A ping, not a connection: a success would earn the source credit.)
check "repeat: free again after the block" in_scan ping -c1 -W2 -I 198.18.0.16 $HOST4
in_scan timeout 10 hping3 -S -a 198.18.0.16 -p ++200 -c 4 -i u10000 $HOST4 >/dev/null 2>&1
for _ in $(seq 30); do [ "$(events_of 198.18.0.16)" = 2 ] && break; sleep 0.1; done
check_eq "repeat: strikes and block ttl of both blocks" \
	"$(scan_events | jq -c --arg s 198.18.0.16 \
		'select(.source == $s) | [.strikes, .block_ttl]' | xargs)" \
	"[1,2] [2,4]"
check "repeat: block-ttl back to 600 s" ctl config set block-ttl 600

# ---- a slow scan: one probe every 5 s against a 4 s window never builds a
# score, but the slow window (threshold 3 here) counts every failed port.
check "slow: window 4 s, slow-threshold 3" sh -c \
	"'$SCANGUARDCTL' --pin-path '$PIN' config set window 4 >/dev/null &&
	 '$SCANGUARDCTL' --pin-path '$PIN' config set slow-threshold 3 >/dev/null"
in_scan timeout 60 nmap -n -Pn --scan-delay 5s --max-retries 0 --max-rtt-timeout 1s \
	-S 198.18.0.17 -e "$IF_SCAN" -p 1-4 -oX "$LAB/slow.xml" $HOST4 >/dev/null 2>&1
ev=$(event_of 198.18.0.17)
read -r _ closed filtered _ <<<"$(nmap_counts "$LAB/slow.xml")"
check_eq "slow: detector" "$(jq -r .detector <<<"$ev")" slow
check_eq "slow: evidence" \
	"$(jq -c '[.evidence.count, .evidence.threshold, .evidence.window]' <<<"$ev")" '[4,3,21600]'
check_eq "slow: the score never built up" "$(jq -r .evidence.score <<<"$ev")" 1
check_eq "slow: nmap saw 3 closed ports, 1 filtered" "$closed $filtered" "3 1"

check_eq "client: not blocked" "$(block_of $CLI4)" none
check_eq "no tracking insert failed" "$(stat_of track_insert_failed)" 0
lab_finish
