#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_benign.sh - benign workloads stay unblocked, with the distinct-port
# threshold as low as the number of open TCP services (4) and the failure
# score at its default: a client using every service many times over IPv4
# and IPv6 (also while a scan is being blocked), whose connections are all
# successes, and the host's own DNS-like UDP exchanges and TCP connections
# with a server in another namespace, whose answers arrive from one source
# on many ports and are no probes at all.  A control shows the same answers
# without a socket would be blocked.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL benign: lab setup"; exit 1; }
CLIENT=$SG_ROOT/tests/e2e/client.py
# The client namespace runs the same services, for the host's own traffic.
ip netns exec "$NS_CLI" python3 "$SG_ROOT/tests/e2e/services.py" >"$LAB/cli-services.log" 2>&1 &
LAB_PIDS+=($!)
for _ in $(seq 50); do in_host nc -z -w1 $CLI4 80 2>/dev/null && break; sleep 0.1; done
daemon_start --threshold 4 || { echo "FAIL benign: daemon start"; exit 1; }

# ---- a client of every open service, many times, while a scan runs
nmap_scan "$LAB/scan.xml" -sS -p 1000-1039 $HOST4 &
scan=$!
out=$(in_cli python3 "$CLIENT" --rounds 25 $HOST4B $HOST6B)
check_eq "client: 25 rounds of 4 tcp + 1 udp services over ipv4 and ipv6" "$out" "ok 250 failed 0"
wait $scan
check "client: the concurrent scan was blocked" blocked $SCAN4
out=$(in_cli python3 "$CLIENT" --rounds 10 --unconnected $HOST4B $HOST6B)
check_eq "client: unconnected udp sockets too" "$out" "ok 100 failed 0"
check "client: ipv4 address not blocked" not_blocked $CLI4
check "client: ipv6 /64 not blocked" not_blocked 2001:db8:1::/64
check_eq "client: only the scan was detected" "$(scan_events | jq -r .source)" $SCAN4
# Each of its two sources' first contact with each of the 4 tcp services is
# looked up and counted open; repeats are no evidence and are not looked up.
check "client: its connections' first contacts were successes" test "$(counter probes_open)" -ge 8

# ---- the host's own exchanges: answers from one source to many ports
probes0=$(counter probes)
out=$(in_host python3 "$CLIENT" --rounds 40 $CLI4 $CLI6)
check_eq "host's own traffic: 40 rounds over ipv4 and ipv6" "$out" "ok 400 failed 0"
out=$(in_host python3 "$CLIENT" --rounds 20 --unconnected $CLI4 $CLI6)
check_eq "host's own traffic: unconnected udp sockets too" "$out" "ok 200 failed 0"
check_eq "host's own traffic: no answer counted as a probe" "$(counter probes)" "$probes0"
check "host's own traffic: the server is not blocked" not_blocked $CLI4
check "host's own traffic: the server's /64 is not blocked" not_blocked 2001:db8:1::/64
check_eq "host's own traffic: no new event" "$(scan_events | wc -l)" 1

# ---- control: the same kind of answers to ports with no socket are probes
ip -n "$NS_CLI" addr add 198.18.1.3/24 dev "$IF_CLI"
in_cli python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 123))	# an NTP server answering too late
for port in range(40000, 40010):
    s.sendto(b"late answer", (sys.argv[2], port))' 198.18.1.3 $HOST4B
check "control: unsolicited answers to closed ports are detected" \
	wait_for_event '"source":"198.18.1.3"'
check_eq "control: as udp probes" "$(scan_events '"source":"198.18.1.3"' | jq -c .probe_kinds)" '["udp"]'
lab_finish
