#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_cli_live.sh - scanguardctl changes a running instance's behaviour at
# once: score-threshold, threshold, mode, window, block-ttl (and the longer
# block of a repeat offender), trap ports; manual blocks with and without
# --ttl (expiry decided in the kernel), CIDR blocks, allow add lifting a
# block; status and stats reflect a scan; every --json output parses with jq.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL cli_live: lab setup"; exit 1; }
daemon_start || { echo "FAIL cli_live: daemon start"; exit 1; }

answered() { local o c; read -r o c _ <<<"$(nmap_counts "$1")"; echo $((o + c)); }
reaches()  { in_scan ping -c1 -W2 -I "$1" $HOST4 >/dev/null 2>&1; }
reaches6() { in_scan ping -6 -c1 -W2 -I "$1" $HOST6 >/dev/null 2>&1; }
jqc()      { jq -c "$@"; }

# ---- status and stats before anything happened
st=$(ctl --json status)
check_eq "status: json" "$(jqc '[.daemon_running, .mode, .protect, .score_threshold, .threshold, .window, .block_ttl, .ipv6_prefix, .blocks]' <<<"$st")" \
	'[true,"enforce","host",4,15,300,600,64,0]'
check_eq "status: both interfaces, native XDP" "$(jqc '[.interfaces[] | [.name, .xdp_mode]]' <<<"$st")" \
	"[[\"$IF_H0\",\"native\"],[\"$IF_H1\",\"native\"]]"
check_eq "stats: no detection yet" "$(counter detections)" 0

# ---- score-threshold, live
out=$(ctl --json config set score-threshold 7)
check_eq "config set score-threshold: json" "$(jqc . <<<"$out")" \
	'{"key":"score-threshold","value":7,"previous":4}'
nmap_from 198.18.0.2 "$LAB/s.xml" -sS -p 1000-1039 $HOST4
check_eq "score-threshold 7: exactly 6 failures answered" "$(answered "$LAB/s.xml")" 6
ev=$(scan_events '"source":"198.18.0.2"')
check_eq "score-threshold 7: event" "$(jqc '[.detector, .evidence.threshold, .evidence.score]' <<<"$ev")" \
	'["failure_score",7,7]'

# ---- threshold, live (scoring off: the distinct-port count alone)
check "config set score-threshold 0" ctl config set score-threshold 0
out=$(ctl --json config set threshold 5)
check_eq "config set threshold: json" "$(jqc . <<<"$out")" '{"key":"threshold","value":5,"previous":15}'
check_eq "config get threshold" "$(ctl config get threshold)" 5
# (with the socket lookup of the SYN's own tuple, which counts the same here)
check "config set socket-lookup exact" ctl config set socket-lookup exact
check_eq "config get socket-lookup" "$(ctl config get socket-lookup)" exact
nmap_from 198.18.0.3 "$LAB/t.xml" -sS -p 1000-1039 $HOST4
check_eq "threshold 5: exactly 5 ports answered" "$(answered "$LAB/t.xml")" 5
ev=$(scan_events '"source":"198.18.0.3"')
check_eq "threshold 5: event" "$(jqc '[.detector, .evidence.threshold, .ports_counted, .action]' <<<"$ev")" \
	'["distinct_ports",5,6,"blocked"]'
check "config set socket-lookup listener" ctl config set socket-lookup listener

# ---- status and stats reflect the scan
st=$(ctl --json status)
check_eq "status after the scans: two blocks" "$(jq .blocks <<<"$st")" 2
s=$(ctl --json stats)
check_eq "stats after the scans: two detections" "$(jq .detections <<<"$s")" 2
check "stats after the scans: dropped counters" jq -e '.dropped_over_threshold >= 2 and .dropped_blocked >= 1' <<<"$s"
check "stats after the scans: probes" jq -e '.probes >= 13 and .probes_failed >= 13 and .packets > .probes' <<<"$s"
check "status text: two active blocks" sh -c "'$SCANGUARDCTL' --pin-path '$PIN' status | grep -q '^blocks: *2 active'"
check "stats text: detections line" sh -c "'$SCANGUARDCTL' --pin-path '$PIN' stats | grep -Eq '^detections +2$'"

# ---- monitor mode: reported, nothing dropped; enforce again: blocks apply
check "config set mode monitor" ctl config set mode monitor
check "monitor: a blocked source passes" in_scan nc -z -w2 -s 198.18.0.3 $HOST4 80
nmap_from 198.18.0.4 "$LAB/m.xml" -sS -p 1000-1039 $HOST4
check_eq "monitor: every port answered" "$(answered "$LAB/m.xml")" 40
check_eq "monitor: event action" "$(scan_events '"source":"198.18.0.4"' | jq -r .action)" monitored
check_eq "monitor: block list state" \
	"$(ctl --json block list | jq -r '.[] | select(.source == "198.18.0.4") | .state')" monitored
check "monitor: would-drop counted" test "$(counter monitor_would_drop)" -gt 0
check "config set mode enforce" ctl config set mode enforce
check "enforce: the earlier block applies again" not in_scan nc -z -w2 -s 198.18.0.3 $HOST4 80
check "enforce: the source detected in monitor mode is now dropped" not reaches 198.18.0.4

# ---- window, live: past the window the count starts again
check "config set window 2s" ctl config set window 2s
check_eq "config get window" "$(ctl --json config get window)" 2
nmap_from 198.18.0.5 "$LAB/w1.xml" -sS -p 1000-1004 $HOST4
sleep 3
nmap_from 198.18.0.5 "$LAB/w2.xml" -sS -p 1005-1009 $HOST4
check_eq "window 2s: 5 + 5 ports with a pause between, all answered" \
	$(( $(answered "$LAB/w1.xml") + $(answered "$LAB/w2.xml") )) 10
check "window 2s: not blocked" not_blocked 198.18.0.5
check "config set window 300" ctl config set window 300
nmap_from 198.18.0.6 "$LAB/w3.xml" -sS -p 1000-1004 $HOST4
sleep 3
nmap_from 198.18.0.6 "$LAB/w4.xml" -sS -p 1005-1009 $HOST4
check_eq "window 300s: the same pattern is blocked on the 6th port" \
	"$(answered "$LAB/w3.xml") $(answered "$LAB/w4.xml")" "5 0"

# ---- block-ttl, live, and a repeat offender's longer block
check "config set block-ttl 2s" ctl config set block-ttl 2s
check "config set score-threshold 4" ctl config set score-threshold 4
nmap_from 198.18.0.8 "$LAB/r1.xml" -sS -p 1010-1019 $HOST4
ev=$(scan_events '"source":"198.18.0.8"' | tail -1)
check_eq "block-ttl 2s: first block" "$(jqc '[.strikes, .block_ttl]' <<<"$ev")" '[1,2]'
sleep 3
check "block-ttl 2s: the block is over" not_blocked 198.18.0.8
nmap_from 198.18.0.8 "$LAB/r2.xml" -sS -p 1020-1029 $HOST4
check_eq "repeat offender: blocked again at the 4th failure" "$(answered "$LAB/r2.xml")" 3
ev=$(scan_events '"source":"198.18.0.8"' | tail -1)
check_eq "repeat offender: second strike, twice the ttl" "$(jqc '[.strikes, .block_ttl]' <<<"$ev")" '[2,4]'
check "config set block-ttl 600" ctl config set block-ttl 600

# ---- trap ports, live: one probe blocks
check_eq "trap add: json" "$(ctl --json trap add tcp/2323 | jqc .)" '{"trap_added":"tcp/2323"}'
check_eq "trap list: json" "$(ctl --json trap list | jqc .)" '["tcp/2323"]'
check "trap: the source reaches the host first" reaches 198.18.0.9
in_scan nc -z -w1 -s 198.18.0.9 $HOST4 2323
check "trap: one probe blocks" wait_for_event '"source":"198.18.0.9"'
check_eq "trap: event" "$(scan_events '"source":"198.18.0.9"' | jqc '[.detector, .last_probe.target]')" \
	'["trap","tcp/2323"]'
check "trap: the source is dropped" not reaches 198.18.0.9
check_eq "trap del: json" "$(ctl --json trap del tcp/2323 | jqc .)" '{"trap_removed":"tcp/2323"}'
ctl trap del tcp/2323 >/dev/null 2>&1
check_eq "trap del: not a trap exits 1" "$?" 1
check_eq "trap list: empty" "$(ctl --json trap list | jqc .)" '[]'
check "trap: unblock the source" ctl block del 198.18.0.9

# ---- manual block with --ttl: expiry is decided in the kernel
check "manual block: source reaches the host first" reaches 198.18.0.7
out=$(ctl --json block add 198.18.0.7 --ttl 2)
check_eq "block add --ttl: json" "$(jqc . <<<"$out")" '{"blocked":"198.18.0.7","ttl":2}'
b=$(ctl --json block list | jqc '.[] | select(.source == "198.18.0.7")')
check_eq "block add --ttl: listed as manual" "$(jqc '[.detector, .manual, .state]' <<<"$b")" \
	'["manual",true,"enforced"]'
check "block add --ttl: time left at most 2s" jq -e '.expires_in >= 1 and .expires_in <= 2' <<<"$b"
check "block add --ttl: dropped" not reaches 198.18.0.7
sleep 3
check "block add --ttl: passes again after the ttl" reaches 198.18.0.7
check "block add --ttl: gone from the list" not_blocked 198.18.0.7

# ---- manual block without --ttl, then del
out=$(ctl --json block add 198.18.0.7)
check_eq "block add: json" "$(jqc . <<<"$out")" '{"blocked":"198.18.0.7","ttl":null}'
check_eq "block add: never expires" \
	"$(ctl --json block list | jqc '.[] | select(.source == "198.18.0.7") | .expires_in')" null
check "block add: dropped" not reaches 198.18.0.7
check "block list text: never" sh -c "'$SCANGUARDCTL' --pin-path '$PIN' block list | grep -Eq '^198\.18\.0\.7 +manual +enforced +never$'"
check_eq "block del: json" "$(ctl --json block del 198.18.0.7 | jqc .)" '{"unblocked":"198.18.0.7"}'
check "block del: passes again" reaches 198.18.0.7

# ---- CIDR blocks, IPv4 and IPv6
check "block add cidr" ctl block add 198.18.0.8/30
check "cidr block: an address inside dropped" not reaches 198.18.0.9
check "cidr block: an address outside passes" reaches 198.18.0.7
check "cidr block: listed" blocked 198.18.0.8/30
check "block del cidr" ctl block del 198.18.0.8/30
check "block del cidr: passes again" reaches 198.18.0.9
check "ipv6 cidr block: source reaches the host first" reaches6 2001:db8::9
check "block add ipv6 cidr" ctl block add 2001:db8::8/125
check "ipv6 cidr block: an address inside dropped" not reaches6 2001:db8::9
check "ipv6 cidr block: an address outside passes" reaches6 2001:db8::7
check "block del ipv6 cidr" ctl block del 2001:db8::8/125
check "ipv6 cidr block: passes again" reaches6 2001:db8::9

# ---- allow add lifts a block at once
check "allow add: source blocked before" blocked 198.18.0.3
out=$(ctl --json allow add 198.18.0.3)
check_eq "allow add: json reports the lifted block" "$(jqc . <<<"$out")" '{"allowed":"198.18.0.3","unblocked":1}'
check "allow add: block gone" not_blocked 198.18.0.3
check "allow add: source reaches the host" in_scan nc -z -w2 -s 198.18.0.3 $HOST4 80
check_eq "allow del: json" "$(ctl --json allow del 198.18.0.3 | jqc .)" '{"removed":"198.18.0.3"}'

# ---- config get --json: every key
check_eq "config get: json" \
	"$(ctl --json config get | jqc '[.threshold, .window, ."block-ttl", .mode, ."ipv6-prefix", ."score-threshold"]')" \
	'[5,300,600,"enforce",64,4]'
lab_finish
