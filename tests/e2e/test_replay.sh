#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_replay.sh - `scanguardctl replay` over captures written by mkpcap from
# crafted packets: detection time, probes before the block and drops; the
# configuration flags (threshold, window as capture time, block-ttl, mode,
# allow-list, ipv6-prefix); answers to the host's own flows and ports it
# answered from (emulated sockets) never count as probes; every link type
# and file format; snap lengths; and clear errors for bad captures.
source "$(dirname "$0")/lib.sh"
MKPCAP=$SG_BUILD/tests/mkpcap
T=$(mktemp -d /tmp/sg-replay.XXXXXX)
trap 'rm -rf "$T"' EXIT
H=198.18.0.1; S=198.18.0.2; C=198.18.1.2; R=198.18.5.53

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

det=$(q "$T/scan.pcap" -- '.detections')
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
	"$(q "$T/scan.pcap" -- ".sources[] | select(.source == \"$C\") | [.detected, .probes, .peak_ports]")" \
	'[false,3,1]'
check_eq "scan: program verdicts" "$(q "$T/scan.pcap" -- '[.program.passed, .program.dropped, .program.counters.dropped_blocked]')" \
	'[24,85,84]'
txt=$("$SCANGUARDCTL" replay "$T/scan.pcap" 2>/dev/null)
check "scan: text report names the detection" grep -qE "^  2023-11-14T22:13:20.016Z +\+0.016s +$S +distinct_ports +blocked +16 +syn +15 +85$" <<<"$txt"

# Configuration flags are the daemon's.
check_eq "--threshold 5" "$(q --threshold 5 "$T/scan.pcap" -- '.detections[0] | [.ports_counted, .probes_passed, .threshold]')" '[6,5,5]'
check_eq "--threshold 100: nothing detected" "$(q --threshold 100 "$T/scan.pcap" -- '.detections | length')" 0
check_eq "--mode monitor: reported, nothing dropped" \
	"$(q --mode monitor "$T/scan.pcap" -- '[.detections[0].action, .detections[0].would_drop, .program.dropped]')" \
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
check_eq "window 300s: 15 probes per window, not detected" "$(q "$T/slow.pcap" -- '.detections | length')" 0
check_eq "window 301s: detected at 300s" \
	"$(q --window 301 "$T/slow.pcap" -- '[.detections[] | [.offset_ms, .probes_passed]]')" '[[300000,15]]'
check_eq "slow scan: peak distinct ports per window" "$(q "$T/slow.pcap" -- ".sources[0].peak_ports")" 15

# Blocks expire on capture time too: a probe a second for 200 s, blocks of 60 s.
python3 -c "
for k in range(200):
    print(f'{k} $S $H tcp 40000 {k + 1} S')
" | "$MKPCAP" "$T/ttl.pcap"
check_eq "block-ttl 60s: detected again after each block" \
	"$(q --local $H --block-ttl 60 "$T/ttl.pcap" -- '[.detections[] | [.offset_ms, .probes_passed, .dropped]]')" \
	'[[15000,15,60],[90000,15,60],[165000,15,35]]'

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
	"$(q --local $H "$T/dns-answers.pcap" -- '.detections[0] | [.source, .probe_kinds[0], .probes_passed]')" \
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
	"$(q --threshold 29 "$T/udp.pcap" -- '[(.detections | length), .program.counters.probes, .open.udp_answering[0].port]')" '[0,29,53]'
check_eq "without its answer it counts: 30 probes cross 29" \
	"$(q --threshold 29 --local $H "$T/udp-noanswer.pcap" -- '[(.detections | length), .program.counters.probes]')" '[1,30]'
check_eq "--open declares ports open" \
	"$(q --threshold 29 --local $H --open udp/1-10,udp/53 "$T/udp-noanswer.pcap" -- '[(.detections | length), .program.counters.probes, .open.declared]')" \
	'[0,19,["udp/1-10","udp/53"]]'

# Every format and link type gives the same result.  Cooked captures mark
# the host's own packets outgoing.
sed -E "s/^([0-9.]+ $H .*)\$/\1 dir=out/" "$T/scan.txt" >"$T/scan-dir.txt"
want='["198.18.0.2",15,85]'
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
check_eq "ipv6 /64 aggregation" "$(q "$T/v6.pcap" -- '.detections[0] | [.source, .probes_passed]')" '["2001:db8:1:2::/64",15]'
check_eq "--ipv6-prefix 128: eight probes per address" \
	"$(q --ipv6-prefix 128 "$T/v6.pcap" -- '[(.detections | length), (.sources | map(.peak_ports) | max)]')" '[0,8]'

# Snap lengths: headers intact replay the same; cut headers are parse errors.
"$MKPCAP" --snaplen 54 "$T/snap54.pcap" <"$T/scan.txt"
check_eq "snap length 54: same detection" "$(q "$T/snap54.pcap" -- '.detections[0] | [.probes_passed, .dropped]')" '[15,85]'
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
usage_err() {	# NAME PATTERN ARGS...
	local name=$1 pat=$2 out rc; shift 2
	out=$("$SCANGUARDCTL" "$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$pat" <<<"$out"; then pass "$name"; else fail "$name" "rc $rc: $out"; fi
}
usage_err "--threshold 0 refused" "threshold: 0 is out of range" replay --threshold 0 "$T/scan.pcap"
usage_err "--window garbage refused" "not a duration" replay --window 5x "$T/scan.pcap"
usage_err "--local garbage refused" "--local: 'nope' is not" replay --local nope "$T/scan.pcap"
usage_err "--open tcp/0 refused" "ports must be 1..65535" replay --open tcp/0 "$T/scan.pcap"
usage_err "replay needs one capture" "usage: replay" replay
usage_err "replay option with another command refused" "--local only applies to replay" status --local $H

# Progress: on request, on stderr, ending at 100%.
"$SCANGUARDCTL" replay --progress "$T/scan.pcap" >/dev/null 2>"$T/progress"
check "--progress reports on stderr" grep -q "replay: replaying 100% (215 packets, 1 detection)" "$T/progress"
"$SCANGUARDCTL" replay --no-progress "$T/scan.pcap" >/dev/null 2>"$T/progress"
check_eq "--no-progress is quiet" "$(wc -c <"$T/progress")" 0
lab_finish
