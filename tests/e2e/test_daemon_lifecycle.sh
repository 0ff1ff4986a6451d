#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_daemon_lifecycle.sh - scanguardd refuses bad arguments and missing
# interfaces with a message and a non-zero exit, leaving nothing attached or
# pinned (also when an attach fails half-way, and in the default persistent
# mode); a second daemon on the same pin path refuses; an ephemeral daemon
# detaches, unpins and exits 0 on SIGINT and SIGTERM; generic XDP is
# reported as such; a killed daemon's maps (and blocks) are adopted.  The
# persistent instance's own lifecycle is test_restart.sh's.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL daemon_lifecycle: lab setup"; exit 1; }

# nothing_left [IFACE...]: no XDP program on the interfaces (default both
# host interfaces) and nothing pinned.
nothing_left() {
	local ifs=("$@") i
	[ $# = 0 ] && ifs=("$IF_H0" "$IF_H1")
	for i in "${ifs[@]}"; do xdp_attached "$NS_HOST" "$i" && return 1; done
	[ ! -e "$PIN" ]
}
LEFT_IFS=()	# what refused() checks; empty = both
# refused NAME WANT-STDERR-SUBSTRING ARGS...: the daemon exits non-zero at once.
refused() {
	local name=$1 want=$2 rc; shift 2

	in_host timeout 20 "$SCANGUARDD" --config /dev/null --pin-path "$PIN" "$@" \
		>"$LAB/d.out" 2>"$LAB/d.err"
	rc=$?
	if [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
		fail "$name" "exit status $rc"
	elif ! grep -q "^scanguardd: .*$want" "$LAB/d.err"; then
		fail "$name" "stderr lacks '$want': $(head -3 "$LAB/d.err")"
	elif ! nothing_left "${LEFT_IFS[@]}"; then
		fail "$name" "something was left attached or pinned"
	elif grep -q '"event":"start"' "$LAB/d.out"; then
		fail "$name" "it reported a start"
	else
		pass "$name"
	fi
}

# ---- bad arguments (exit 2, before touching anything)
refused "no interface"             "no interface given"        --threshold 5
refused "missing interface"        "no interface named 'nosuch0'" -i nosuch0
refused "one missing of two"       "no interface named 'nosuch0'" -i "$IF_H0" -i nosuch0
refused "threshold 0"              "threshold"                 -i "$IF_H0" --threshold 0
refused "threshold not a number"   "threshold"                 -i "$IF_H0" --threshold ten
refused "window 0"                 "window"                    -i "$IF_H0" --window 0
refused "block-ttl too long"       "block-ttl"                 -i "$IF_H0" --block-ttl 31d
refused "mode unknown"             "mode"                      -i "$IF_H0" --mode drop
refused "ipv6-prefix out of range" "ipv6-prefix"               -i "$IF_H0" --ipv6-prefix 200
refused "xdp-mode unknown"         "xdp-mode"                  -i "$IF_H0" --xdp-mode fast
refused "allow: bad prefix"        "allow"                     -i "$IF_H0" --allow 198.18.0.0/33
refused "allow: host bits"         "host bits"                 -i "$IF_H0" --allow 198.18.0.1/24
refused "unexpected argument"      "unexpected argument"       -i "$IF_H0" extra
refused "score-threshold too large" "score-threshold"          -i "$IF_H0" --score-threshold 65
refused "protect unknown"          "protect"                   -i "$IF_H0" --protect router
refused "trap: not tcp or udp"     "trap"                      -i "$IF_H0" --trap icmp
refused "trap: bad port"           "trap"                      -i "$IF_H0" --trap tcp/70000
refused "expose without segment"   "expose needs protect = segment" \
	-i "$IF_H0" --expose tcp/80@198.18.1.0/24
refused "inside without segment"   "inside $IF_H1 needs protect = segment" \
	-i "$IF_H0" --inside "$IF_H1"
refused "only an inside interface" "no interface given"        --protect segment --inside "$IF_H1"
# Fails after attaching (the address is not this host's): undone.
refused "metrics address unusable" "metrics"                   -i "$IF_H0" -i "$IF_H1" \
	--metrics 198.18.9.9:9101
in_host "$SCANGUARDD" --config /dev/null --pin-path "$PIN" -i "$IF_H0" --bogus >/dev/null 2>&1
check_eq "unknown option: exit 2" "$?" 2
check "bad arguments: nothing attached or pinned" nothing_left

# ---- failures after loading (exit 1), rolled back
refused "relative pin path"        "not an absolute path"      -i "$IF_H0" --pin-path relative/sg
refused "interface given twice"    "given twice"               -i "$IF_H0" -i "$IF_H0"
# Another program on the second interface: the first attach is undone.
PIN_OTHER=$LAB/bpf/other
ip netns exec "$NS_HOST" "$SCANGUARDD" --config /dev/null --ephemeral --pin-path "$PIN_OTHER" \
	-i "$IF_H1" >"$LAB/other.out" 2>"$LAB/other.err" &
other=$!
LAB_PIDS+=("$other")
for _ in $(seq 100); do grep -qs '"event":"start"' "$LAB/other.out" && break; sleep 0.1; done
LEFT_IFS=("$IF_H0")	# the other instance stays on the second
refused "second interface busy: first attach undone" "already has an XDP program" \
	-i "$IF_H0" -i "$IF_H1"
LEFT_IFS=()
check "second interface busy: the other instance is untouched" \
	sh -c "kill -0 $other && ip -n $NS_HOST -d link show dev $IF_H1 | grep -q prog/xdp"
# The same failure against a persistent instance that already runs on the
# first interface: the instance stays as it was.
daemon_start_persistent -i "$IF_H0" || { echo "FAIL daemon_lifecycle: persistent start"; exit 1; }
daemon_stop TERM
in_host timeout 20 "$SCANGUARDD" --config /dev/null --pin-path "$PIN" -i "$IF_H0" -i "$IF_H1" \
	>/dev/null 2>"$LAB/d.err"
check "adopted instance, second interface busy: refused" grep -q "already has an XDP program" "$LAB/d.err"
check "adopted instance: still attached to its interface" xdp_attached "$NS_HOST" "$IF_H0"
check "adopted instance: still pinned" test -e "$PIN/links/xdp_$(in_host cat /sys/class/net/$IF_H0/ifindex)"
in_host "$SCANGUARDD" --detach --pin-path "$PIN" >/dev/null 2>&1
check "adopted instance: removed with --detach" nothing_left "$IF_H0"
kill -TERM "$other"; wait "$other"
check_eq "the other instance: SIGTERM exits 0" "$?" 0

# ---- a second daemon on the same pin path
daemon_start || { echo "FAIL daemon_lifecycle: daemon start"; exit 1; }
in_host timeout 20 "$SCANGUARDD" --config /dev/null --pin-path "$PIN" -i "$IF_H0" \
	>"$LAB/d.out" 2>"$LAB/d.err"
rc=$?
check "second daemon: refused" test "$rc" != 0 -a "$rc" != 124
check "second daemon: says why" grep -q "another scanguardd is already running on $PIN" "$LAB/d.err"
check "second daemon: the first still runs" \
	jq -e '.daemon_running and (.interfaces | length == 2)' <<<"$(ctl --json status)"
check "second daemon: the first is still attached" \
	sh -c "ip -n $NS_HOST -d link show dev $IF_H0 | grep -q prog/xdp && ip -n $NS_HOST -d link show dev $IF_H1 | grep -q prog/xdp"

# ---- SIGINT and SIGTERM (an ephemeral daemon, as daemon_start starts it)
for sig in INT TERM; do
	[ -n "$DAEMON_PID" ] || daemon_start || { fail "SIG$sig" "daemon start"; continue; }
	daemon_stop $sig
	check_eq "SIG$sig: exit 0" "$DAEMON_RC" 0
	check "SIG$sig: detached from both interfaces and unpinned" nothing_left
	check "SIG$sig: stop event written" grep -q '"event":"stop"' "$EVENTS"
	ctl status >/dev/null 2>&1
	check_eq "SIG$sig: scanguardctl finds no instance" "$?" 3
done

# ---- generic XDP
daemon_start --xdp-mode generic || { echo "FAIL daemon_lifecycle: generic start"; exit 1; }
check_eq "generic: status" "$(ctl --json status | jq -c '[.interfaces[].xdp_mode]')" '["generic","generic"]'
check_eq "generic: start event" "$(grep '"event":"start"' "$EVENTS" | jq -c '[.interfaces[].xdp_mode]')" \
	'["generic","generic"]'
check "generic: attached as xdpgeneric" sh -c "ip -n $NS_HOST link show dev $IF_H0 | grep -q xdpgeneric"
nmap_scan "$LAB/g.xml" -sS -p 1000-1039 $HOST4
read -r open closed _ <<<"$(nmap_counts "$LAB/g.xml")"
check_eq "generic: scan blocked at the 4th failure" $((open + closed)) 3
daemon_stop TERM
check "generic: detached and unpinned" nothing_left

# ---- native XDP, asked for explicitly (veth supports it)
daemon_start --xdp-mode native || { echo "FAIL daemon_lifecycle: native start"; exit 1; }
check_eq "native: status" "$(ctl --json status | jq -c '[.interfaces[].xdp_mode]')" '["native","native"]'

# ---- a killed daemon: XDP goes with it, the pinned maps stay and are adopted
ctl block add 198.18.0.7 >/dev/null
check "killed: block active before" not in_scan ping -c1 -W1 -I 198.18.0.7 $HOST4
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
check "killed: nothing attached" sh -c "! ip -n $NS_HOST -d link show dev $IF_H0 | grep -q prog/xdp"
check_eq "killed: maps still pinned, no daemon" "$(ctl --json status | jq .daemon_running)" false
daemon_start || { echo "FAIL daemon_lifecycle: restart"; exit 1; }
check "restarted: the block survived" blocked 198.18.0.7
check "restarted: and is enforced" not in_scan ping -c1 -W1 -I 198.18.0.7 $HOST4
check "restarted: other sources pass" in_scan ping -c1 -W2 -I 198.18.0.6 $HOST4
daemon_stop TERM
check_eq "restarted: SIGTERM exits 0" "$DAEMON_RC" 0
check "restarted: detached and unpinned" nothing_left
lab_finish
