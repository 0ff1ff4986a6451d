#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_faults.sh - faults and their documented behaviour (SECURITY.md,
# "Faults"): a device without native XDP; no root, no CAP_BPF; bpffs
# missing; an interface deleted while attached, during a scan; an ephemeral
# daemon killed during a scan; the event ring buffer full while the daemon
# is stopped.  (A persistent daemon killed with -9: test_restart.sh; full
# block tables: the unit suite unit_faults.)
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL faults: lab setup"; exit 1; }

DUMMY=${P}d
NOBPF=$LAB/nobpf		# a pin path's parent that does not exist yet
PLAIN=$LAB/plain		# a non-empty directory that is not a bpffs
EMPTY=$LAB/empty		# an empty directory that is not a bpffs
BG_PID=
cleanup_faults() {
	[ -n "$BG_PID" ] && kill -TERM "$BG_PID" 2>/dev/null && \
		timeout 10 tail --pid="$BG_PID" -f /dev/null 2>/dev/null
	for m in "$NOBPF" "$EMPTY"; do mountpoint -q "$m" && umount "$m"; done
	lab_down
}
trap cleanup_faults EXIT

AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
# root, without CAP_BPF (nor CAP_SYS_ADMIN, which would imply it)
WITHOUT_BPF=(setpriv --bounding-set=-bpf,-sys_admin --inh-caps=-bpf,-sys_admin)
stat_of() { ctl --json stats | jq -r ".$1"; }
no_xdp() { ! xdp_attached "$@"; }

# ---- a device without native XDP (dummy, ifb and bridge have no XDP driver) ---
for type in dummy ifb bridge; do
	in_host ip link add "$DUMMY" type $type 2>/dev/null && break
done
in_host ip link set "$DUMMY" up
out=$(in_host "$SCANGUARDD" --config /dev/null --ephemeral --pin-path "$PIN" -i "$DUMMY" \
	--xdp-mode native 2>&1 >/dev/null)
check_eq "no native xdp: --xdp-mode native exits 1" "$?" 1
check "no native xdp: native says why ($out)" \
	grep -q "cannot attach native XDP to $DUMMY: Operation not supported" <<<"$out"
check "no native xdp: nothing attached after the failure" no_xdp "$NS_HOST" "$DUMMY"
check "no native xdp: nothing pinned after the failure" test ! -e "$PIN"
daemon_start -i "$DUMMY" -i "$IF_H0" || { echo "FAIL faults: daemon start (auto)"; exit 1; }
check "no native xdp: auto falls back to generic and says so" \
	grep -q "$DUMMY: native XDP unavailable (Operation not supported), using generic" "$DAEMON_ERR"
check_eq "no native xdp: start event" \
	"$(grep '"event":"start"' "$EVENTS" | jq -c '[.interfaces[] | [.name, .xdp_mode]]')" \
	"[[\"$DUMMY\",\"generic\"],[\"$IF_H0\",\"native\"]]"
check_eq "no native xdp: status" \
	"$(ctl --json status | jq -c '[.interfaces[] | [.name, .xdp_mode]]')" \
	"[[\"$DUMMY\",\"generic\"],[\"$IF_H0\",\"native\"]]"
check "no native xdp: generic program on the device" \
	sh -c "ip -n $NS_HOST -d link show dev $DUMMY | grep -q xdpgeneric"

# ---- no root, no CAP_BPF --------------------------------------------------------
# The CLI: pinned objects are 0600 root files in a 0700 directory.
out=$("${AS_NOBODY[@]}" "$SCANGUARDCTL" --pin-path "$PIN" status 2>&1)
check_eq "privileges: scanguardctl as nobody exits 1" "$?" 1
check_eq "privileges: scanguardctl as nobody says why" "$out" \
	"scanguardctl: cannot open $PIN: Permission denied (run as root)"
out=$("${AS_NOBODY[@]}" "$SCANGUARDCTL" --pin-path "$PIN" --json block add 198.18.0.8 2>/dev/null)
check_eq "privileges: json error as nobody" "$(jq -r .error <<<"$out")" \
	"cannot open $PIN: Permission denied (run as root)"
check_eq "privileges: nothing changed" "$(ctl --json block list | jq length)" 0
# Root without CAP_BPF: recent kernels check only the pinned files'
# permissions, older ones refuse bpf(2) itself.  bpftool, doing the same
# open, says which this kernel does; the CLI must agree, and say why.
if "${WITHOUT_BPF[@]}" bpftool map show pinned "$PIN/sg_config" >/dev/null 2>&1; then
	check "privileges: root without CAP_BPF may use the CLI, as bpftool (kernel $(uname -r))" \
		"${WITHOUT_BPF[@]}" "$SCANGUARDCTL" --pin-path "$PIN" stats
else
	out=$("${WITHOUT_BPF[@]}" "$SCANGUARDCTL" --pin-path "$PIN" stats 2>&1)
	check_eq "privileges: CLI without CAP_BPF exits 1, as bpftool fails (kernel $(uname -r))" \
		"$?" 1
	check_eq "privileges: CLI without CAP_BPF says why" "$out" \
		"scanguardctl: cannot open $PIN: Operation not permitted (needs CAP_BPF)"
fi
daemon_stop TERM
check_eq "faults: daemon on a generic device exits 0" "$DAEMON_RC" 0
# The daemon.
for who in nobody without_bpf; do
	if [ $who = nobody ]; then priv=("${AS_NOBODY[@]}"); else priv=("${WITHOUT_BPF[@]}"); fi
	out=$(in_host "${priv[@]}" "$SCANGUARDD" --config /dev/null --ephemeral --pin-path "$PIN" \
		-i "$IF_H0" 2>&1 >/dev/null)
	check_eq "privileges: scanguardd $who exits 1" "$?" 1
	check "privileges: scanguardd $who says why ($out)" grep -q \
		"cannot load the XDP program: Operation not permitted (needs root, or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)" \
		<<<"$out"
	check "privileges: scanguardd $who attached nothing" no_xdp "$NS_HOST" "$IF_H0"
	check "privileges: scanguardd $who left no instance" test ! -e "$PIN/sg_blocks"
done

# ---- bpffs missing --------------------------------------------------------------
# The daemon runs in the host's network namespace but the root mount
# namespace (not `ip netns exec`, which gives it a private one), so its
# mount is visible to the CLI and to this test.  Not through a function:
# $! must be the daemon.
ROOTMNT=(nsenter --net=/run/netns/"$NS_HOST")
bpffs_daemon() {	# DIR NAME: starts a daemon pinned at DIR/sg, waits for it
	"${ROOTMNT[@]}" "$SCANGUARDD" --config /dev/null --ephemeral --pin-path "$1/sg" \
		-i "$IF_H0" >"$LAB/$2.out" 2>"$LAB/$2.err" &
	BG_PID=$!
	for _ in $(seq 50); do grep -q '"event":"start"' "$LAB/$2.out" && return 0; sleep 0.1; done
	cat "$LAB/$2.err" >&2
	return 1
}
bpffs_stop() {
	kill -TERM "$BG_PID"
	wait "$BG_PID"
	BG_RC=$?
	BG_PID=
}
bpffs_daemon "$NOBPF" nobpf
check_eq "bpffs missing: a missing parent gets a bpffs" "$(stat -f -c %T "$NOBPF" 2>/dev/null)" bpf_fs
check "bpffs missing: the daemon runs on it" "$SCANGUARDCTL" --pin-path "$NOBPF/sg" status
check "bpffs missing: and protects" xdp_attached "$NS_HOST" "$IF_H0"
bpffs_stop
check_eq "bpffs missing: SIGTERM exits 0" "$BG_RC" 0
check "bpffs missing: the instance is gone, the mount stays" \
	sh -c "test ! -e $NOBPF/sg && mountpoint -q $NOBPF"
umount "$NOBPF"

mkdir -p "$EMPTY"
bpffs_daemon "$EMPTY" empty
check_eq "bpffs missing: an empty directory gets a bpffs" "$(stat -f -c %T "$EMPTY")" bpf_fs
bpffs_stop
umount "$EMPTY"

mkdir -p "$PLAIN" && echo keep >"$PLAIN/file"
out=$("${ROOTMNT[@]}" "$SCANGUARDD" --config /dev/null --ephemeral --pin-path "$PLAIN/sg" \
	-i "$IF_H0" 2>&1 >/dev/null)
check_eq "bpffs missing: a non-empty directory is refused (exit 1)" "$?" 1
check_eq "bpffs missing: and says what to do" "$out" \
	"scanguardd: $PLAIN is not a bpffs mount (mount one: mount -t bpf bpf $PLAIN)"
check "bpffs missing: nothing mounted over it" sh -c "! mountpoint -q $PLAIN"
check_eq "bpffs missing: its contents untouched" "$(ls "$PLAIN")" file
check "bpffs missing: nothing attached" no_xdp "$NS_HOST" "$IF_H0"

# ---- an interface deleted while attached, during a scan --------------------------
daemon_start --threshold 15 --score-threshold 0 || { echo "FAIL faults: daemon start"; exit 1; }
nmap_scan "$LAB/syn.xml" -sS -p 1-300 $HOST4 &
scan=$!
sleep 1
ip -n "$NS_CLI" link del "$IF_CLI"	# takes its peer, the daemon's $IF_H1, with it
for _ in $(seq 50); do grep -q "$IF_H1 lost its program" "$DAEMON_ERR" && break; sleep 0.1; done
check "iface deleted: the daemon says so" \
	grep -q "$IF_H1 lost its program (interface gone or detached)" "$DAEMON_ERR"
check "iface deleted: the daemon keeps running" kill -0 "$DAEMON_PID"
check "iface deleted: the other interface stays attached" xdp_attached "$NS_HOST" "$IF_H0"
check_eq "iface deleted: status lists what is attached" \
	"$(ctl --json status | jq -c '[.interfaces[].name]')" "[\"$IF_H0\"]"
wait "$scan"
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/syn.xml")"
check_eq "iface deleted: the scan through the other is cut at the threshold" \
	"$((open + closed)) $filtered" "15 285"
check_eq "iface deleted: one scan event" "$(scan_events "\"source\":\"$SCAN4\"" | wc -l)" 1
# The interface comes back: attached again.
ip link add "$IF_CLI" netns "$NS_CLI" type veth peer name "$IF_H1" netns "$NS_HOST"
ip -n "$NS_HOST" addr add $HOST4B/24 dev "$IF_H1"
ip -n "$NS_CLI" addr add $CLI4/24 dev "$IF_CLI"
ip -n "$NS_HOST" link set "$IF_H1" up
ip -n "$NS_CLI" link set "$IF_CLI" up
for _ in $(seq 50); do xdp_attached "$NS_HOST" "$IF_H1" && break; sleep 0.1; done
check "iface deleted: attached again when it returns" xdp_attached "$NS_HOST" "$IF_H1"
check "iface deleted: and says so" grep -q "$IF_H1 is back: attached again" "$DAEMON_ERR"
daemon_stop TERM
check_eq "iface deleted: SIGTERM exits 0" "$DAEMON_RC" 0

# ---- an ephemeral daemon killed during a scan ----------------------------------------
# Its links die with it: protection stops (that is what --ephemeral means;
# a persistent instance keeps protecting, test_restart.sh).  The maps stay
# pinned, so the blocks survive and a new daemon enforces them again.
daemon_start --threshold 15 --score-threshold 0 || { echo "FAIL faults: daemon start"; exit 1; }
nmap_scan "$LAB/syn2.xml" -sS -p 1-300 $HOST4 &
scan=$!
wait_for_event "\"source\":\"$SCAN4\"" 30
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
check "ephemeral kill -9: program detached from $IF_H0" no_xdp "$NS_HOST" "$IF_H0"
check "ephemeral kill -9: program detached from $IF_H1" no_xdp "$NS_HOST" "$IF_H1"
check_eq "ephemeral kill -9: status says no daemon" "$(ctl --json status | jq -r .daemon_running)" false
check "ephemeral kill -9: the block survives in the pinned maps" \
	sh -c "'$SCANGUARDCTL' --pin-path '$PIN' --json block list | jq -e '.[] | select(.source == \"$SCAN4\")'"
check "ephemeral kill -9: the scanner is not dropped any more" in_scan nc -z -w2 -s $SCAN4 $HOST4 80
wait "$scan"
daemon_start --threshold 15 --score-threshold 0 || { echo "FAIL faults: daemon restart"; exit 1; }
check_eq "ephemeral kill -9: a new daemon adopts the maps" \
	"$(grep '"event":"start"' "$EVENTS" | jq -r .maps_adopted)" true
check "ephemeral kill -9: and enforces the block again" \
	sh -c "! ip netns exec $NS_SCAN nc -z -w2 -s $SCAN4 $HOST4 80"
daemon_stop TERM

# ---- the ring buffer full while the daemon is stopped ------------------------------------
# 2600 trap probes from as many spoofed sources, at under the global event
# budget (500/s), while the daemon is stopped: the 256 KiB ring holds the
# first ~1489 events, the rest are lost and counted; every source is blocked.
daemon_start --trap tcp/23 || { echo "FAIL faults: daemon start"; exit 1; }
kill -STOP "$DAEMON_PID"
hostmac=$(ip -n "$NS_HOST" -j link show dev "$IF_H0" | jq -r '.[0].address')
in_scan python3 "$SG_ROOT/tests/e2e/spoof_syn.py" "$IF_SCAN" "$hostmac" $HOST4 23 198.19.0.0 2600 450
check_eq "ring full: every trap probe detected" "$(stat_of detections)" 2600
lost=$(stat_of events_lost)
check "ring full: events lost and counted ($lost)" test "$lost" -gt 500
check_eq "ring full: every source blocked" "$(ctl --json block list | jq length)" 2600
kill -CONT "$DAEMON_PID"
for _ in $(seq 100); do
	[ "$(scan_events | wc -l)" -ge $((2600 - lost)) ] && break
	sleep 0.1
done
budget=$(($(stat_of events_dropped_global_budget) + $(stat_of events_dropped_source_budget)))
check_eq "ring full: the daemon writes what the ring held" "$(scan_events | wc -l)" \
	$((2600 - lost - budget))
check "ring full: the daemon is alive" kill -0 "$DAEMON_PID"
check "ring full: a spoofed source is in the block table" \
	sh -c "'$SCANGUARDCTL' --pin-path '$PIN' --json block list | jq -e '.[] | select(.source == \"198.19.0.1\")'"
in_scan nc -z -w1 -s 198.18.0.5 $HOST4 23
wait_for_event '"source":"198.18.0.5"' 5
check "ring full: the next detection is reported" test -n "$(scan_events '"source":"198.18.0.5"')"
check "ring full: the benign client is unaffected" in_cli nc -z -w2 $HOST4B 80
daemon_stop TERM
check_eq "ring full: SIGTERM exits 0" "$DAEMON_RC" 0
lab_finish
