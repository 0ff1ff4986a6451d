#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_replay.sh - `scanguardctl replay` over captures written by mkpcap from
# crafted packets: detection time, probes before the block and drops; the
# configuration flags (threshold, window as capture time, block-ttl, mode,
# allow-list, ipv6-prefix, score, traps, segment mode); the sockets the
# capture shows (listeners, UDP ports that answered, the host's own UDP and
# TCP flows) make connections successes and answers non-probes, as live;
# every link type and file format; snap lengths; clear errors for bad
# captures.  The distinct-port tests turn failure scoring off
# (--score-threshold 0) to test that detector alone.
source "$(dirname "$0")/lib.sh"
MKPCAP=$SG_BUILD/tests/mkpcap
T=$(mktemp -d /tmp/sg-replay.XXXXXX)
trap 'rm -rf "$T"' EXIT
H=198.18.0.1; S=198.18.0.2; C=198.18.1.2; R=198.18.5.53
DP="--score-threshold 0 --slow-threshold 0 --net-threshold 0"	# distinct ports alone

replay() { "$SCANGUARDCTL" --json replay --no-progress "$@" 2>"$T/err"; }
# q CAPTURE-ARGS... -- JQ: runs a replay and a jq query on its report.
q() {
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	replay "${args[@]}" | jq -c "$1"
}

# A benign client's three connections to port 80, then a SYN scan of ports
# 1-100 from S, one probe a millisecond; the host answers RST, or SYN-ACK on 80.
python3 - >"$T/scan.txt" <<EOF
t = 0.0
for i in range(3):
    sp = 50000 + i
    for a, b, sp_, dp, fl in (("$C", "$H", sp, 80, "S"), ("$H", "$C", 80, sp, "SA"),
                              ("$C", "$H", sp, 80, "A"), ("$H", "$C", 80, sp, "PA"),
                              ("$C", "$H", sp, 80, "FA")):
        print(f"{t:.6f} {a} {b} tcp {sp_} {dp} {fl}"); t += 0.0001
for port in range(1, 101):
    print(f"{t:.6f} $S $H tcp 40000 {port} S"); t += 0.0005
    print(f"{t:.6f} $H $S tcp {port} 40000 {'SA' if port == 80 else 'RA'}"); t += 0.0005
EOF
"$MKPCAP" "$T/scan.pcap" <"$T/scan.txt" || { echo "FAIL replay: mkpcap"; exit 1; }

det=$(q $DP "$T/scan.pcap" -- '.detections')
check_eq "scan: one detection" "$(jq length <<<"$det")" 1
check_eq "scan: source, detector, action" "$(jq -c '.[0] | [.source, .detector, .action]' <<<"$det")" \
	"[\"$S\",\"distinct_ports\",\"blocked\"]"
check_eq "scan: detected at the 16th probe (capture time)" "$(jq -c '.[0] | [.offset_ms, .time]' <<<"$det")" \
	'[16,"2023-11-14T22:13:20.016Z"]'
check_eq "scan: 15 probes got through, 85 packets dropped" \
	"$(jq -c '.[0] | [.ports_counted, .probes_passed, .dropped]' <<<"$det")" '[16,15,85]'
check_eq "scan: probe kinds" "$(jq -c '.[0].probe_kinds' <<<"$det")" '["syn"]'
check_eq "scan: local address inferred" "$(q "$T/scan.pcap" -- '[.local.inferred, .local.addresses]')" \
	"[true,[\"$H\"]]"
check_eq "scan: the port that answered SYN-ACK is listening" \
	"$(q "$T/scan.pcap" -- '.open.tcp_listening')" "[{\"address\":\"$H\",\"port\":80}]"
check_eq "scan: inbound and outbound split" "$(q "$T/scan.pcap" -- '[.packets.inbound, .packets.outbound]')" '[109,106]'
check_eq "scan: the client is listed, undetected" \
	"$(q $DP "$T/scan.pcap" -- ".sources[] | select(.source == \"$C\") | [.detected, .probes, .peak_ports]")" \
	'[false,3,1]'
check_eq "scan: program verdicts" "$(q $DP "$T/scan.pcap" -- '[.program.passed, .program.dropped, .program.counters.dropped_blocked]')" \
	'[24,85,84]'
txt=$("$SCANGUARDCTL" replay $DP "$T/scan.pcap" 2>/dev/null)
check "scan: text report names the detection" grep -qE "^  2023-11-14T22:13:20.016Z +\+0.016s +$S +distinct_ports +blocked +16 +0 +syn +15 +85$" <<<"$txt"

# With failure scoring (the default) the same scan is caught at its 4th
# closed port; the client's connections to the open port are successes.
check_eq "score: detected at the 4th failure" \
	"$(q "$T/scan.pcap" -- '.detections[0] | [.detector, .offset_ms, .evidence.score, .probes_passed, .dropped]')" \
	'["failure_score",4,4,3,97]'
check_eq "score: the client's connections to the listener are successes" \
	"$(q "$T/scan.pcap" -- ".sources[] | select(.source == \"$C\") | [.detected, .peak_ports, .peak_score]")" '[false,0,0]'

# Configuration flags are the daemon's.
check_eq "--threshold 5" "$(q $DP --threshold 5 "$T/scan.pcap" -- '.detections[0] | [.ports_counted, .probes_passed, .evidence.threshold]')" '[6,5,5]'
check_eq "--threshold 100: nothing detected" "$(q $DP --threshold 100 "$T/scan.pcap" -- '.detections | length')" 0
check_eq "distributed: the /24 is detected at 51 ports, every drop attributed to it" \
	"$(q --score-threshold 0 --slow-threshold 0 --threshold 100 "$T/scan.pcap" -- '.detections[] as $d | [$d.source, $d.detector, $d.ports_counted, $d.probes_passed, $d.dropped == .program.dropped, $d.dropped > 0]')" \
	'["198.18.0.0/24","distributed",51,50,true,true]'
check_eq "--mode monitor: reported, nothing dropped" \
	"$(q $DP --mode monitor "$T/scan.pcap" -- '[.detections[0].action, .detections[0].would_drop, .program.dropped]')" \
	'["monitored",85,0]'
check_eq "--allow: allow-listed scanner is never counted" \
	"$(q --allow 198.18.0.0/24 "$T/scan.pcap" -- '[(.detections | length), .program.counters.probes_allowed]')" '[0,100]'
check_eq "--threshold and --window reported" \
	"$(q --threshold 20 --window 10m --block-ttl 1h "$T/scan.pcap" -- '[.config.threshold, .config.window, ."config"."block-ttl"]')" \
	'[20,600,3600]'

# The window runs on capture time: 40 probes 20 s apart span 800 s.
python3 -c "
for k in range(40):
    print(f'{20 * k} $S $H tcp 40000 {k + 1} S'); print(f'{20 * k}.0001 $H $S tcp {k + 1} 40000 RA')
" | "$MKPCAP" "$T/slow.pcap"
check_eq "window 300s: 15 probes per window, not detected" "$(q $DP "$T/slow.pcap" -- '.detections | length')" 0
check_eq "window 301s: detected at 300s" \
	"$(q $DP --window 301 "$T/slow.pcap" -- '[.detections[] | [.offset_ms, .probes_passed]]')" '[[300000,15]]'
check_eq "slow scan: peak distinct ports per window" "$(q $DP "$T/slow.pcap" -- ".sources[0].peak_ports")" 15
check_eq "slow scan: the slow window catches it at its 21st port" \
	"$(q --score-threshold 0 "$T/slow.pcap" -- '[.detections[] | [.detector, .offset_ms]]')" '[["slow",400000]]'

# Blocks expire on capture time too: a probe a second for 200 s, blocks of 60 s.
python3 -c "
for k in range(200):
    print(f'{k} $S $H tcp 40000 {k + 1} S')
" | "$MKPCAP" "$T/ttl.pcap"
check_eq "block-ttl 60s: detected again after each block, blocked twice as long" \
	"$(q $DP --local $H --block-ttl 60 "$T/ttl.pcap" -- '[.detections[] | [.offset_ms, .probes_passed, .dropped, .strikes, .block_ttl]]')" \
	'[[15000,15,60,1,60],[90000,15,110,2,120]]'

# The host's own DNS queries from 40 ports: the answers come from one source
# to 40 ports, and must not count (connected sockets answer the lookup).
python3 -c "
for i in range(40):
    print(f'{0.002 * i:.3f} $H $R udp {33000 + 7 * i} 53'); print(f'{0.002 * i + 0.001:.3f} $R $H udp 53 {33000 + 7 * i}')
" >"$T/dns.txt"
"$MKPCAP" "$T/dns.pcap" <"$T/dns.txt"
grep -v " $H $R " "$T/dns.txt" | "$MKPCAP" "$T/dns-answers.pcap"
check_eq "dns answers to the host's queries: not probes" \
	"$(q "$T/dns.pcap" -- '[(.detections | length), .program.counters.probes, .open.host_flows]')" '[0,0,40]'
check_eq "the same answers without the queries: a udp scan" \
	"$(q $DP --local $H "$T/dns-answers.pcap" -- '.detections[0] | [.source, .probe_kinds[0], .probes_passed]')" \
	"[\"$R\",\"udp\",15]"

# A UDP scan of ports 1-30 where the host answers on 53: 53 is open.
python3 -c "
for p in list(range(1, 30)) + [53]:
    print(f'{0.01 * p:.2f} $S $H udp 5000 {p}')
print('0.54 $H $S udp 53 5000')
" | sort -n >"$T/udp.txt"
"$MKPCAP" "$T/udp.pcap" <"$T/udp.txt"
grep -v " $H $S " "$T/udp.txt" | "$MKPCAP" "$T/udp-noanswer.pcap"
check_eq "udp port that answered is open: 29 probes, threshold 29 not crossed" \
	"$(q $DP --threshold 29 "$T/udp.pcap" -- '[(.detections | length), .program.counters.probes, .open.udp_answering[0].port]')" '[0,29,53]'
check_eq "without its answer it counts: 30 probes cross 29" \
	"$(q $DP --threshold 29 --local $H "$T/udp-noanswer.pcap" -- '[(.detections | length), .program.counters.probes]')" '[1,30]'
check_eq "--open declares ports open" \
	"$(q $DP --threshold 29 --local $H --open udp/1-10,udp/53 "$T/udp-noanswer.pcap" -- '[(.detections | length), .program.counters.probes, .open.declared]')" \
	'[0,19,["udp/1-10","udp/53"]]'

# TCP: ports that answered SYN-ACK listen, so a client's connections to six
# of them are successes; without the host's answers they are failures.
python3 -c "
t = 0
for i, port in enumerate([22, 80, 443, 8080, 25, 110]):
    sp = 50000 + i
    for a, b, s_, d, f in (('$C', '$H', sp, port, 'S'), ('$H', '$C', port, sp, 'SA'),
                           ('$C', '$H', sp, port, 'A'), ('$C', '$H', sp, port, 'PA payload=10'),
                           ('$H', '$C', port, sp, 'A'), ('$C', '$H', sp, port, 'FA'),
                           ('$H', '$C', port, sp, 'FA'), ('$C', '$H', sp, port, 'A')):
        print(f'{t:.3f} {a} {b} tcp {s_} {d} {f}'); t += 0.001
" >"$T/lis.txt"
"$MKPCAP" "$T/lis.pcap" <"$T/lis.txt"
grep -v " $H $C " "$T/lis.txt" | "$MKPCAP" "$T/lis-in.pcap"
check_eq "listeners from SYN-ACKs: six services used, all successes" \
	"$(q "$T/lis.pcap" -- '[(.detections | length), (.open.tcp_listening | length), .program.counters.probes_open, .program.counters.probes_failed]')" \
	'[0,6,6,0]'
check_eq "the same connections without the host's answers: failures" \
	"$(q --local $H "$T/lis-in.pcap" -- '[.detections[0].source, .detections[0].detector]')" "[\"$C\",\"failure_score\"]"

# The host's own ten HTTPS connections: the server's bare ACKs belong to
# them (established sockets); without the host's side they are ACK probes.
python3 -c "
t = 0
for i in range(10):
    sp = 40000 + i
    for a, b, s_, d, f in (('$H', '$R', sp, 443, 'S'), ('$R', '$H', 443, sp, 'SA'),
                           ('$H', '$R', sp, 443, 'A'), ('$H', '$R', sp, 443, 'PA payload=100'),
                           ('$R', '$H', 443, sp, 'A'), ('$R', '$H', 443, sp, 'PA payload=500'),
                           ('$H', '$R', sp, 443, 'A'), ('$H', '$R', sp, 443, 'FA'),
                           ('$R', '$H', 443, sp, 'FA'), ('$H', '$R', sp, 443, 'A')):
        print(f'{t:.3f} {a} {b} tcp {s_} {d} {f}'); t += 0.001
" >"$T/est.txt"
"$MKPCAP" "$T/est.pcap" <"$T/est.txt"
grep -v " $H $R " "$T/est.txt" | "$MKPCAP" "$T/est-in.pcap"
check_eq "host's own tcp connections: the server's ACKs are not probes" \
	"$(q --local $H "$T/est.pcap" -- '[(.detections | length), .open.host_flows, .program.counters.probes]')" '[0,10,0]'
check_eq "the same ACKs without the host's side: an ACK scan" \
	"$(q --local $H "$T/est-in.pcap" -- '.detections[0] | [.source, .probe_kinds]')" "[\"$R\",[\"ack\"]]"

# Trap ports, as scanguardd --trap: the first probe there blocks.
check_eq "--trap: blocked at the trap port" \
	"$(q $DP --threshold 100 --trap tcp/23 "$T/scan.pcap" -- '.detections[0] | [.detector, .offset_ms, .probes_passed, .ports_sample[-1]]')" \
	'["trap",23,22,"tcp/23"]'

# Segment mode: a router's capture.  Packets leaving the segment go to the
# inside program, so answers to the segment's own queries are not probes;
# a sweep of one port across the segment is caught.
G=198.18.2
python3 -c "
for i in range(30):
    print(f'{0.002 * i:.3f} $G.5 $R udp {33000 + 7 * i} 53'); print(f'{0.002 * i + 0.001:.3f} $R $G.5 udp 53 {33000 + 7 * i}')
for h in range(1, 41):
    print(f'{1 + 0.001 * h:.3f} $S $G.{h} tcp 40000 22 S')
" >"$T/seg.txt"
"$MKPCAP" "$T/seg.pcap" <"$T/seg.txt"
SEG="--protect segment --local $G.0/24 --expose tcp/22@$G.10"
check_eq "segment: the segment's own queries answered, the sweep failing at its 4th host" \
	"$(q $SEG "$T/seg.pcap" -- '[.packets.outbound_to_inside_program, (.detections | map([.source, .detector, .evidence.hosts]))]')" \
	"[30,[[\"$S\",\"failure_score\",4]]]"
check_eq "segment: with scoring off the sweep detector takes it at 11 hosts" \
	"$(q $SEG $DP --threshold 100 "$T/seg.pcap" -- '.detections | map([.source, .detector, .evidence.hosts])')" "[[\"$S\",\"sweep\",11]]"
grep -v " $G.5 $R " "$T/seg.txt" | "$MKPCAP" "$T/seg-in.pcap"
check_eq "segment: the answers alone are a udp scan" \
	"$(q $SEG "$T/seg-in.pcap" -- '[.detections[] | select(.source == "'$R'") | .probe_kinds[0]]')" '["udp"]'
usage_err() {	# NAME PATTERN ARGS...
	local name=$1 pat=$2 out rc; shift 2
	out=$("$SCANGUARDCTL" "$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$pat" <<<"$out"; then pass "$name"; else fail "$name" "rc $rc: $out"; fi
}
usage_err "segment mode needs --local" "needs --local" replay --protect segment "$T/seg.pcap"
usage_err "--expose needs segment mode" "needs --protect segment" replay --expose tcp/22@$G.10 "$T/seg.pcap"

# Every format and link type gives the same result.  Cooked captures mark
# the host's own packets outgoing.
sed -E "s/^([0-9.]+ $H .*)\$/\1 dir=out/" "$T/scan.txt" >"$T/scan-dir.txt"
want='["198.18.0.2",3,97]'
for fmt in pcap pcap-ns pcapng; do
	for link in eth sll sll2 raw null; do
		"$MKPCAP" --format $fmt --link $link "$T/x.cap" <"$T/scan-dir.txt"
		check_eq "format $fmt, link $link" \
			"$(q "$T/x.cap" -- '.detections[0] | [.source, .probes_passed, .dropped]')" "$want"
	done
done
check_eq "pcapng link type reported" "$(q "$T/x.cap" -- '[.capture.format, .capture.link_type]')" '["pcapng","NULL"]'
for v in 1 2; do
	sed "s/\$/ vlan=$v/" "$T/scan.txt" | "$MKPCAP" "$T/vlan.pcap"
	check_eq "vlan tags: $v" "$(q "$T/vlan.pcap" -- '.detections[0] | [.source, .probes_passed, .dropped]')" "$want"
done
# Cooked capture where both ends are equally busy: the packet type says
# which one is this host.
python3 -c "
for p in range(1, 21):
    print(f'{0.01 * p:.2f} $C $H tcp 40000 {p} S'); print(f'{0.01 * p + 0.001:.3f} $H $C tcp {p} 40000 SA dir=out')
" | "$MKPCAP" --link sll2 "$T/dir.pcap"
check_eq "cooked capture: local from the outgoing packets" "$(q "$T/dir.pcap" -- '.local.addresses')" "[\"$H\"]"

# IPv6: five addresses of one /64 are one source; per address they are not.
python3 -c "
for p in range(1, 41):
    print(f'{0.001 * p:.3f} 2001:db8:1:2::{p % 5 + 1:x} 2001:db8::1 tcp 40000 {p} S vlan=2')
" | "$MKPCAP" "$T/v6.pcap"
check_eq "ipv6 /64 aggregation" "$(q $DP "$T/v6.pcap" -- '.detections[0] | [.source, .probes_passed]')" '["2001:db8:1:2::/64",15]'
check_eq "--ipv6-prefix 128: eight probes per address" \
	"$(q $DP --ipv6-prefix 128 "$T/v6.pcap" -- '[(.detections | length), (.sources | map(.peak_ports) | max)]')" '[0,8]'

# Snap lengths: headers intact replay the same; cut headers are parse errors.
"$MKPCAP" --snaplen 54 "$T/snap54.pcap" <"$T/scan.txt"
check_eq "snap length 54: same detection" "$(q "$T/snap54.pcap" -- '.detections[0] | [.probes_passed, .dropped]')" '[3,97]'
"$MKPCAP" --snaplen 40 "$T/snap40.pcap" <"$T/scan.txt"
check_eq "snap length 40: cut TCP headers are parse errors, with a warning" \
	"$(q "$T/snap40.pcap" -- '[(.detections | length), .capture.snapped, .program.counters.parse_errors, (.warnings[0] | test("snap length"))]')" \
	'[0,215,109,true]'

# Bad captures: a clear error, status 2, no report.
bad() {	# NAME FILE PATTERN
	local out rc
	out=$("$SCANGUARDCTL" replay --no-progress "$2" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$3" <<<"$out"; then pass "$1"; else fail "$1" "rc $rc: $out"; fi
}
echo "not a capture at all" >"$T/garbage"
bad "garbage is refused" "$T/garbage" "not a pcap or pcapng capture"
: >"$T/empty"
bad "empty file is refused" "$T/empty" "empty file"
gzip -c "$T/scan.pcap" >"$T/scan.pcap.gz"
bad "compressed capture is refused" "$T/scan.pcap.gz" "compressed (gzip)"
head -c 20 "$T/scan.pcap" >"$T/short"
bad "cut file header is refused" "$T/short" "corrupt or unsupported pcap capture"
"$MKPCAP" --link wifi "$T/wifi.pcap" <"$T/scan.txt"
bad "unsupported link type is named" "$T/wifi.pcap" "unsupported link type 105 (IEEE802_11)"
python3 -c "
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read()); off = 24 + 16 + 54
d[off + 8:off + 12] = struct.pack('<I', 0x7fffffff); open(sys.argv[2], 'wb').write(d)" "$T/scan.pcap" "$T/corrupt"
bad "corrupt record is refused with its position" "$T/corrupt" "corrupt capture after packet 1"
bad "missing file" "$T/none" "No such file"
check_eq "json error object" "$("$SCANGUARDCTL" --json replay "$T/garbage" 2>/dev/null | jq -r '.error | test("not a pcap")')" true
# A capture cut off mid-record (tcpdump killed) replays what came before.
head -c 3000 "$T/scan.pcap" >"$T/cut.pcap"
check_eq "truncated last record: replayed with a warning" \
	"$(q "$T/cut.pcap" -- '[.capture.truncated_end, .capture.packets, (.warnings[0] | test("truncated record"))]')" '[true,42,true]'

# Bad options: status 2 before the capture is read.
usage_err "--threshold 0 refused" "threshold: 0 is out of range" replay --threshold 0 "$T/scan.pcap"
usage_err "--window garbage refused" "not a duration" replay --window 5x "$T/scan.pcap"
usage_err "--local garbage refused" "--local: 'nope' is not" replay --local nope "$T/scan.pcap"
usage_err "--open tcp/0 refused" "ports must be 1..65535" replay --open tcp/0 "$T/scan.pcap"
usage_err "--trap icmp refused" "only tcp and udp" replay --trap icmp "$T/scan.pcap"
usage_err "replay needs one capture" "usage: replay" replay
usage_err "replay option with another command refused" "--local only applies to replay" status --local $H

# Progress: on request, on stderr, ending at 100%.
"$SCANGUARDCTL" replay --progress "$T/scan.pcap" >/dev/null 2>"$T/progress"
check "--progress reports on stderr" grep -q "replay: replaying 100% (215 packets, 1 detection)" "$T/progress"
"$SCANGUARDCTL" replay --no-progress "$T/scan.pcap" >/dev/null 2>"$T/progress"
check_eq "--no-progress is quiet" "$(wc -c <"$T/progress")" 0
lab_finish
