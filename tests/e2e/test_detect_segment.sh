#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_detect_segment.sh - segment mode on a router in front of a segment:
#
#   scanner ns --- host ns: a router running scanguardd --protect segment,
#                  -i on the outside veth, --inside on the inside veth
#              --- client ns: the segment, hosts 198.18.2.10-.19, each
#                  running tcp 22, 80, 443, 8080 and udp 53
#
# Exposed (the segment's "allow only the minimum" design): tcp/443 on every
# host, tcp/80, udp/53 and ping on 198.18.2.10.  Everything else is closed
# to the outside, whether a segment host listens there or not.
#
# Under the defaults a vertical scan, a horizontal sweep of one port and a
# ping sweep are each blocked by the failure score by the 4th failed target
# (evidence.hosts tells the shapes apart); with scoring off the distinct-
# target backstop and the sweep count label them.  Clients of the exposed
# services are never blocked, and the answers to the segment's own DNS and
# NTP queries are not probes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_detect.sh"
WORKLOAD=$SG_ROOT/tests/e2e/workload.py
detect_up || { echo "FAIL detect_segment: lab setup"; exit 1; }
segment_up || { echo "FAIL detect_segment: segment setup"; exit 1; }
HOSTS=$(echo 198.18.2.{10..19})
daemon_start -i "$IF_H0" --inside "$IF_H1" --protect segment \
	--expose tcp/443@198.18.2.0/24,tcp/80@198.18.2.10,udp/53@198.18.2.10,icmp@198.18.2.10 ||
	{ echo "FAIL detect_segment: daemon start"; exit 1; }
CLIENT=198.18.0.20

# ping_sweep SRC XML-OUT RANGE: nmap's host discovery by echo request (not
# through nmap_as, whose -Pn would skip discovery).
ping_sweep() {
	in_scan timeout 60 nmap -n -sn -PE --max-retries 1 --max-rtt-timeout 200ms -S "$1" \
		-e "$IF_SCAN" -oX "$2" "$3" >/dev/null 2>&1
}

# ---- an outside client of every exposed service, during the scans
(
	in_scan python3 "$WORKLOAD" --tcp 443 --rounds 10 --source $CLIENT $HOSTS
	in_scan python3 "$WORKLOAD" --tcp 80,443 --udp 53 --rounds 20 --source $CLIENT 198.18.2.10
	in_scan ping -c 5 -i 0.2 -I $CLIENT 198.18.2.10 >/dev/null && echo "ping ok"
) >"$LAB/client.out" 2>&1 &
client=$!

# ---- vertical: one host, many ports.  443 is exposed (a success, one step
# of credit); 22 and 80 answer on .11 but are not exposed: failures.
nmap_as 198.18.0.10 "$LAB/vert.xml" -sS -p 1-100,443 198.18.2.11
read -r open closed _ <<<"$(nmap_counts "$LAB/vert.xml")"
ev=$(event_of 198.18.0.10)
credit=0
[ "$(nmap_port "$LAB/vert.xml" 443)" = open ] && credit=1
check_eq "vertical: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "vertical: one host" "$(jq -r .evidence.hosts <<<"$ev")" 1
check_eq "vertical: 4 failed targets, one more per exposed port found" \
	"$(jq -r .evidence.count <<<"$ev")" $((4 + credit))
check_eq "vertical: nmap's answers = the failures let through + exposed ones" \
	$((open + closed)) $((3 + 2 * credit))
check_eq "vertical: protect" "$(jq -r .protect <<<"$ev")" segment

# ---- horizontal: one port across the segment's hosts (all of them answer,
# so every probe let through shows in nmap's counts)
nmap_as 198.18.0.11 "$LAB/horiz.xml" -sS -p 3389 198.18.2.10-19
read -r open closed _ <<<"$(nmap_counts "$LAB/horiz.xml")"
ev=$(event_of 198.18.0.11)
check_eq "sweep: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "sweep: 4 failed targets on 4 hosts" \
	"$(jq -c '[.evidence.count, .evidence.hosts]' <<<"$ev")" "[4,4]"
check_eq "sweep: the target" "$(jq -r .last_probe.target <<<"$ev")" tcp/3389
check_eq "sweep: 3 hosts answered" $((open + closed)) 3

# ---- ping sweep: echo requests; only .10 may be pinged (a success)
ping_sweep 198.18.0.12 "$LAB/ping.xml" 198.18.2.10-19
read -r up _ <<<"$(nmap_hosts "$LAB/ping.xml")"
ev=$(event_of 198.18.0.12)
n=$(jq -r .evidence.count <<<"$ev")
check_eq "ping sweep: detector" "$(jq -r .detector <<<"$ev")" failure_score
check_eq "ping sweep: probe kinds" "$(jq -c .probe_kinds <<<"$ev")" '["echo"]'
check_eq "ping sweep: every failed target a host" "$(jq -r .evidence.hosts <<<"$ev")" "$n"
# 4 failed hosts block; if .10 answered first, its credit lets one more through.
check_eq "ping sweep: hosts found up = failures let through (+ .10 and its credit)" \
	"$up" $(( n == 5 ? 5 : n == 4 ? 3 : -1 ))

wait $client
check_eq "exposed services: every client request served" "$(cat "$LAB/client.out" | xargs)" \
	"ok 100 failed 0 down 0 ok 60 failed 0 down 0 ping ok"
check_eq "exposed services: the client is not blocked" "$(block_of $CLIENT)" none

# ---- the segment's own queries: answers come from one server to many ports
ip -n "$NS_SCAN" addr add 198.18.0.53/24 dev "$IF_SCAN"
: >"$LAB/udpserv.log"
ip netns exec "$NS_SCAN" python3 "$SG_ROOT/tests/e2e/udpserv.py" 198.18.0.53 \
	>>"$LAB/udpserv.log" 2>&1 &
DETECT_PIDS+=($!)
for _ in $(seq 50); do grep -q ready "$LAB/udpserv.log" && break; sleep 0.1; done
# Segment host .13 speaks for itself, not with the router-facing address.
in_cli ip route replace 198.18.0.0/24 via $HOST4B src 198.18.2.13
probes0=$(stat_of probes)
flows0=$(stat_of flows_recorded)
answers=0
# Each query from its own port, below the ephemeral range: a flow is keyed by
# its ports, and dig's random ones collide about once in 60 runs.
for i in $(seq 30); do
	in_cli dig +short +tries=1 +time=2 -b "198.18.2.13#$((20000 + i))" @198.18.0.53 \
		"seg$i.lab" A | grep -q 198.18.4.99 &&
		answers=$((answers + 1))
done
check_eq "segment dns: dig got every answer" "$answers" 30
answers=0
for i in $(seq 5); do
	in_cli timeout 10 ntpdig -t 2 198.18.0.53 >/dev/null 2>&1 && answers=$((answers + 1))
done
check_eq "segment ntp: ntpdig got every answer" "$answers" 5
# ntpdig picks its ports at random from the ephemeral range: two of its five
# queries may share one (a chance of about 1 in 3,000), never three.
check_ge "segment dns and ntp: the inside recorded their flows" \
	$(( $(stat_of flows_recorded) - flows0 )) 34
check_eq "segment dns and ntp: no answer counted as a probe" "$(stat_of probes)" "$probes0"
check_eq "segment dns and ntp: the server is not blocked" "$(block_of 198.18.0.53)" none
# Control: the same server to ports the segment never used is a UDP scan.
in_scan timeout 10 hping3 --udp -a 198.18.0.53 -s 53 -k -p ++40000 -c 6 -i u10000 198.18.2.13 \
	>/dev/null 2>&1
check_eq "control: unsolicited datagrams are probes" \
	"$(event_of 198.18.0.53 | jq -c '[.detector, .evidence.count]')" '["failure_score",4]'

# ---- with scoring off, the counts label the shapes: the distinct-target
# backstop (15) a vertical scan, the sweep count (10 here) the sweeps.  From
# the other scanner /24: with scoring off every probe counts toward the
# source network too, and 198.18.0.0/24 has scanned plenty by now.
check "counts: score-threshold 0, sweep-threshold 10" sh -c \
	"'$SCANGUARDCTL' --pin-path '$PIN' config set score-threshold 0 >/dev/null &&
	 '$SCANGUARDCTL' --pin-path '$PIN' config set sweep-threshold 10 >/dev/null"
nmap_as $OTHER_NET.14 "$LAB/vert0.xml" -sS -p 1-100 198.18.2.12
check_eq "counts: vertical scan" \
	"$(event_of $OTHER_NET.14 | jq -c '[.detector, .evidence.count, .evidence.hosts]')" \
	'["distinct_ports",16,1]'
nmap_as $OTHER_NET.15 "$LAB/horiz0.xml" -sS -p 3389 198.18.2.1-30
check_eq "counts: horizontal sweep" \
	"$(event_of $OTHER_NET.15 | jq -c '[.detector, .evidence.count, .evidence.threshold]')" \
	'["sweep",11,10]'
ping_sweep $OTHER_NET.16 "$LAB/ping0.xml" 198.18.2.20-50
check_eq "counts: ping sweep" \
	"$(event_of $OTHER_NET.16 | jq -c '[.detector, .evidence.count, .probe_kinds]')" \
	'["sweep",11,["echo"]]'

check_eq "segment: its own address never blocked" "$(block_of 198.18.2.13)" none
check_eq "no tracking insert failed" "$(stat_of track_insert_failed)" 0
lab_finish
