#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_detect_benign.sh - legitimate traffic that a scan detector must never
# block, under the default configuration: a client using every open service
# over and over, a monitoring scraper polling several open ports and one
# service that is down, six users behind one NAT address, traceroute to the
# host (UDP, ICMP, IPv6, and through the NAT), and the host's own DNS and
# NTP queries with real clients (dig, ntpdig), whose answers arrive from one
# source on many ephemeral ports.  Open ports: tcp 22, 80, 443, 8080, udp 53.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_detect.sh"
WORKLOAD=$SG_ROOT/tests/e2e/workload.py
detect_up || { echo "FAIL detect_benign: lab setup"; exit 1; }
nat_up 6 || { echo "FAIL detect_benign: nat setup"; exit 1; }
ip -n "$NS_CLI" addr add 198.18.1.3/24 dev "$IF_CLI"	# the monitoring host
daemon_start -i "$IF_H0" -i "$IF_H1" -i "$IF_H2" ||
	{ echo "FAIL detect_benign: daemon start"; exit 1; }
SERVICES=(--tcp 22,80,443,8080 --udp 53)

# ---- a client, a scraper and six users behind one NAT, all at once
in_cli python3 "$WORKLOAD" "${SERVICES[@]}" --rounds 40 --source $CLI4 $HOST4B \
	>"$LAB/client.out" 2>&1 &
client=$!
in_cli python3 "$WORKLOAD" "${SERVICES[@]}" --down tcp/9100 --rounds 20 --interval 0.5 \
	--source 198.18.1.3 $HOST4B >"$LAB/scraper.out" 2>&1 &
scraper=$!
users=()
for i in $(seq 6); do
	# One user mistypes a port now and then: a refused connection.
	down=()
	[ "$i" = 3 ] && down=(--down tcp/8081)
	in_user "$i" python3 "$WORKLOAD" "${SERVICES[@]}" "${down[@]}" --rounds 15 \
		--interval 0.2 $HOST4C >"$LAB/user$i.out" 2>&1 &
	users+=($!)
done
# Meanwhile, one of them traces the route to the host, twice.
for _ in 1 2; do
	in_user 5 timeout 30 traceroute -n -w 1 -m 5 $HOST4C >"$LAB/user5.trace" 2>&1
done
check "nat: a user's traceroute reaches the host (2 hops)" \
	grep -q "^ 2  $HOST4C " "$LAB/user5.trace"

wait $client
check_eq "client: 40 rounds of every open service" "$(cat "$LAB/client.out")" \
	"ok 200 failed 0 down 0"
check_eq "client: ipv6 too" "$(in_cli python3 "$WORKLOAD" "${SERVICES[@]}" --rounds 20 $HOST6B)" \
	"ok 100 failed 0 down 0"
wait $scraper
check_eq "scraper: 20 polls of 5 services and one that is down" "$(cat "$LAB/scraper.out")" \
	"ok 100 failed 0 down 20"
for i in $(seq 6); do wait "${users[$((i - 1))]}"; done
check_eq "nat: every user served" "$(cat "$LAB"/user[0-9].out | sort | uniq -c | xargs)" \
	"5 ok 75 failed 0 down 0 1 ok 75 failed 0 down 15"

# ---- traceroute from the client: UDP (to closed ports 33434 and up), ICMP, IPv6
for _ in 1 2 3; do
	in_cli timeout 30 traceroute -n -w 1 -m 5 $HOST4B >"$LAB/udp.trace" 2>&1
done
check "traceroute udp: reaches the host" grep -q "^ 1  $HOST4B " "$LAB/udp.trace"
in_cli timeout 30 traceroute -I -n -w 1 -m 5 $HOST4B >"$LAB/icmp.trace" 2>&1
check "traceroute icmp: reaches the host" grep -q "^ 1  $HOST4B " "$LAB/icmp.trace"
in_cli timeout 30 traceroute -6 -n -w 1 -m 5 $HOST6B >"$LAB/udp6.trace" 2>&1
check "traceroute ipv6: reaches the host" grep -q "^ 1  $HOST6B " "$LAB/udp6.trace"

for s in $CLI4 198.18.1.3 $NAT4 2001:db8:1::/64; do
	check_eq "not blocked: $s" "$(block_of $s)" none
done

# ---- the host's own DNS and NTP queries: not one answer is even a probe
: >"$LAB/udpserv.log"
ip netns exec "$NS_CLI" python3 "$SG_ROOT/tests/e2e/udpserv.py" $CLI4 $CLI6 \
	>>"$LAB/udpserv.log" 2>&1 &
DETECT_PIDS+=($!)
for _ in $(seq 50); do grep -q ready "$LAB/udpserv.log" && break; sleep 0.1; done
probes0=$(stat_of probes)
answers=0
for i in $(seq 40); do
	in_host dig +short +tries=1 +time=2 @$CLI4 "host$i.lab" A | grep -q 198.18.4.99 &&
		answers=$((answers + 1))
	[ $((i % 4)) = 0 ] && in_host dig -6 +short +tries=1 +time=2 @$CLI6 "six$i.lab" A |
		grep -q 198.18.4.99 && answers=$((answers + 1))
done
check_eq "dns: dig got every answer (40 ipv4, 10 ipv6)" "$answers" 50
answers=0
for i in $(seq 10); do
	in_host timeout 10 ntpdig -t 2 $CLI4 >/dev/null 2>&1 && answers=$((answers + 1))
done
check_eq "ntp: ntpdig got every answer" "$answers" 10
check_eq "dns and ntp: no answer counted as a probe" "$(stat_of probes)" "$probes0"
check_eq "dns and ntp: the server is not blocked" "$(block_of $CLI4)" none

check_eq "no scan event at all" "$(scan_events | wc -l)" 0
check_eq "no block at all" "$(ctl --json block list | jq length)" 0
lab_finish
