#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_replay_lab.sh - a real nmap SYN scan and benign traffic (a client of
# the host's services, and the host's own UDP queries whose answers arrive
# from one source to many ports) are recorded with tcpdump while scanguardd
# protects the host; replaying the recordings must agree with what the live
# daemon did: the same source detected after the same number of ports, and
# exactly the scanner packets the live program let through pass in replay.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL replay_lab: lab setup"; exit 1; }
daemon_start --threshold 15 || { echo "FAIL replay_lab: daemon start"; exit 1; }

# start_capture NS IFACE FILE: tcpdump until stop_captures; waits until it
# listens.  A short snap length keeps the ring's slots small, so a burst
# of probes fits in it (with the full length only a few do, and the kernel
# drops the rest); the test's packets are headers only anyway.
CAP_PIDS=()
start_capture() {
	ip netns exec "$1" tcpdump -i "$2" -w "$3" -n -s 200 -B 8192 -U --immediate-mode \
		2>"$3.err" &
	CAP_PIDS+=($!)
	for _ in $(seq 50); do grep -q "listening on" "$3.err" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
stop_captures() {
	sleep 1		# let tcpdump write what it still holds
	for p in "${CAP_PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${CAP_PIDS[@]}"; do timeout 10 tail --pid="$p" -f /dev/null; done
}
# The scanner's side sees every packet it sent, including those the
# host's XDP program dropped; the host's side ("any", Linux cooked v2) sees
# only what that program let through, plus the host's own traffic.
start_capture "$NS_SCAN" "$IF_SCAN" "$LAB/scan-side.pcap" &&
start_capture "$NS_HOST" any "$LAB/host-side.pcap" || { echo "FAIL replay_lab: tcpdump"; exit 1; }

# The client's UDP echo service, which the host queries from 30 ports.
in_cli timeout 60 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("'$CLI4'", 7777))
while True:
    d, a = s.recvfrom(2048); s.sendto(d, a)' &
ECHO=$!
sleep 0.3
in_host timeout 30 python3 -c '
import socket
for i in range(30):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("'$HOST4B'", 0)); s.settimeout(2)
    s.sendto(b"query %d" % i, ("'$CLI4'", 7777)); s.recvfrom(2048); s.close()
' && pass "host's own queries answered" || fail "host's own queries answered" "python client failed"
# The client uses two open services.
for i in 1 2 3 4; do in_cli nc -w2 $HOST4B $(( i % 2 ? 80 : 443 )) </dev/null >/dev/null; done

nmap_scan "$LAB/syn.xml" -sS -p 1-300 $HOST4
stop_captures
kill "$ECHO" 2>/dev/null
check "recorded: scanner side without kernel drops" grep -q "^0 packets dropped by kernel" "$LAB/scan-side.pcap.err"
check "recorded: host side without kernel drops" grep -q "^0 packets dropped by kernel" "$LAB/host-side.pcap.err"

live=$(scan_events | head -1)
check_eq "live: one scan event, for the scanner" "$(scan_events | wc -l) $(jq -r .source <<<"$live")" "1 $SCAN4"
sent=$(tcpdump -nr "$LAB/scan-side.pcap" "ip src $SCAN4" 2>/dev/null | wc -l)
let_through=$(tcpdump -nr "$LAB/host-side.pcap" "ip src $SCAN4" 2>/dev/null | wc -l)
check "recorded: the scanner sent more than the live program let through" test "$sent" -gt "$let_through"

# Replay what the scanner sent, inferring the host from the capture.
rep=$(ctl --json replay --threshold 15 "$LAB/scan-side.pcap" 2>"$LAB/replay.err")
check_eq "replay (scanner side): host inferred" "$(jq -c '.local.addresses | index("'$HOST4'") != null' <<<"$rep")" true
det=$(jq -c ".detections[] | select(.source == \"$SCAN4\")" <<<"$rep")
check_eq "replay (scanner side): one detection, by the live detector" \
	"$(jq -c '.detections | length' <<<"$rep") $(jq -r .detector <<<"$det")" "1 $(jq -r .detector <<<"$live")"
check_eq "replay = live: evidence" "$(jq -c '.evidence' <<<"$det")" "$(jq -c '.evidence' <<<"$live")"
check_eq "replay = live: last probe" "$(jq -c '.last_probe' <<<"$det")" "$(jq -c '.last_probe' <<<"$live")"
check_eq "replay = live: ports counted" "$(jq .ports_counted <<<"$det")" "$(jq .ports_counted <<<"$live")"
check_eq "replay = live: probe kinds" "$(jq -c .probe_kinds <<<"$det")" "$(jq -c .probe_kinds <<<"$live")"
check_eq "replay = live: ports sampled" "$(jq -c '.ports_sample | sort' <<<"$det")" "$(jq -c '.ports_sample | sort' <<<"$live")"
syns=$(tcpdump -nr "$LAB/host-side.pcap" "ip src $SCAN4 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" 2>/dev/null | wc -l)
check_eq "replay = live: probes that got through before the block" "$(jq .probes_passed <<<"$det")" "$syns"
src=$(jq -c ".sources[] | select(.source == \"$SCAN4\")" <<<"$rep")
check_eq "replay = live: scanner packets let through" "$(jq '.packets - .dropped' <<<"$src")" "$let_through"
check_eq "replay = live: scanner packets dropped" "$(jq .dropped <<<"$src")" $((sent - let_through))

# Replay what the host saw (cooked capture): the scan stopped at 15 ports,
# the client used two services, and the 30 answers to the host's own
# queries are not probes.
rep=$(ctl --json replay --threshold 15 "$LAB/host-side.pcap" 2>>"$LAB/replay.err")
check_eq "replay (host side): cooked capture read" "$(jq -r .capture.link_type <<<"$rep")" LINUX_SLL2
check_eq "replay (host side): both host addresses inferred" \
	"$(jq -c '[.local.addresses | index("'$HOST4'", "'$HOST4B'") | . != null]' <<<"$rep")" '[true,true]'
check_eq "replay (host side): nothing detected" "$(jq '.detections | length' <<<"$rep")" 0
check_eq "replay (host side): the scanner stopped one step short of the live detection" \
	"$(jq ".sources[] | select(.source == \"$SCAN4\") | .peak_score + 1" <<<"$rep")" "$(jq .evidence.score <<<"$live")"
check_eq "replay (host side): the client's connections were all successes" \
	"$(jq -c ".sources[] | select(.source == \"$CLI4\") | [.probes, .peak_ports, .probe_kinds]" <<<"$rep")" '[4,0,["syn"]]'
check "replay (host side): the host's own flows were given sockets" test "$(jq .open.host_flows <<<"$rep")" -ge 30
check_eq "replay (host side): no answer counted as a udp probe" \
	"$(jq '[.sources[] | select(.probe_kinds | index("udp"))] | length' <<<"$rep")" 0
# The live daemon agreed: the client is not blocked.
check "live: the client is not blocked" sh -c "! '$SCANGUARDCTL' --pin-path '$PIN' --json block list | jq -e '.[] | select(.source == \"$CLI4\")'"
lab_finish
