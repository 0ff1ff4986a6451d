# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# lib.sh - the namespace lab every end-to-end test (and the demo) runs in,
# plus result helpers.  Source it, call lab_up, and the EXIT trap tears
# everything down even when the test fails.
#
# Topology (all addresses in 198.18.0.0/15 and 2001:db8::/32):
#
#   $NS_SCAN  ${P}s  198.18.0.2-.9/24  2001:db8::2-9/64
#        |  veth
#   $NS_HOST  ${P}h0 198.18.0.1/24     2001:db8::1/64     <- scanguardd (XDP)
#             ${P}h1 198.18.1.1/24     2001:db8:1::1/64   <- scanguardd (XDP)
#        |  veth
#   $NS_CLI   ${P}c  198.18.1.2/24     2001:db8:1::2/64   (benign client)
#
# The host runs services on TCP 22, 80, 443, 8080 and UDP 53 (echo).
# Maps are pinned on a bpffs under /run (visible inside every namespace).

set -u
SG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SG_BUILD=${SG_BUILD:-$SG_ROOT/build}
SCANGUARDD=$SG_BUILD/scanguardd
SCANGUARDCTL=$SG_BUILD/scanguardctl

P=sg$$
P=${P:0:8}
NS_SCAN=$P-scan
NS_HOST=$P-host
NS_CLI=$P-cli
IF_SCAN=${P}s
IF_H0=${P}h0
IF_H1=${P}h1
IF_CLI=${P}c
HOST4=198.18.0.1
HOST4B=198.18.1.1
SCAN4=198.18.0.2
CLI4=198.18.1.2
HOST6=2001:db8::1
HOST6B=2001:db8:1::1
SCAN6=2001:db8::2
CLI6=2001:db8:1::2
LAB=/run/$P
PIN=$LAB/bpf/sg
EVENTS=$LAB/events.jsonl
DAEMON_ERR=$LAB/daemon.err
DAEMON_PID=
SERVICES_PID=
LAB_PIDS=()	# other background processes a test starts; killed by lab_down
T_PASS=0
T_FAIL=0

pass() { echo "PASS $1"; T_PASS=$((T_PASS + 1)); }
fail() { echo "FAIL $1: $2"; T_FAIL=$((T_FAIL + 1)); }
# check NAME COMMAND... : passes when the command succeeds.
check() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "command failed: $*"; fi
}
# not COMMAND...: inverts a command's status (for check, which runs functions).
not() { ! "$@"; }
# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

in_scan() { ip netns exec "$NS_SCAN" "$@"; }
in_host() { ip netns exec "$NS_HOST" "$@"; }
in_cli()  { ip netns exec "$NS_CLI" "$@"; }
ctl()     { "$SCANGUARDCTL" --pin-path "$PIN" "$@"; }

lab_down() {
	set +e
	# Finish the teardown even if whoever reads our output has gone away.
	trap '' PIPE HUP INT TERM
	exec >/dev/null 2>&1
	[ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && \
		timeout 10 tail --pid="$DAEMON_PID" -f /dev/null 2>/dev/null
	# A persistent instance outlives its daemon: remove it before the
	# namespaces go (their interfaces take the links with them anyway).
	[ -e "$PIN" ] && "$SCANGUARDD" --detach --pin-path "$PIN" >/dev/null 2>&1
	[ -n "$SERVICES_PID" ] && kill "$SERVICES_PID" 2>/dev/null
	for pid in "${LAB_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for ns in "$NS_SCAN" "$NS_HOST" "$NS_CLI"; do
		# Kill anything left in the namespace before deleting it.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	mountpoint -q "$LAB/bpf" && umount "$LAB/bpf"
	rm -rf "$LAB"
}

lab_up() {
	trap lab_down EXIT
	# Fatal signals end in exit, so the EXIT trap tears the lab down.
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 141' PIPE
	trap 'exit 143' TERM
	mkdir -p "$LAB/bpf"
	mount -t bpf bpf "$LAB/bpf" || return 1
	ip netns add "$NS_SCAN" && ip netns add "$NS_HOST" && ip netns add "$NS_CLI" || return 1
	ip link add "$IF_SCAN" netns "$NS_SCAN" type veth peer name "$IF_H0" netns "$NS_HOST" || return 1
	ip link add "$IF_CLI" netns "$NS_CLI" type veth peer name "$IF_H1" netns "$NS_HOST" || return 1
	for i in 2 3 4 5 6 7 8 9; do
		ip -n "$NS_SCAN" addr add 198.18.0.$i/24 dev "$IF_SCAN"
		ip -n "$NS_SCAN" addr add 2001:db8::$i/64 dev "$IF_SCAN" nodad
	done
	ip -n "$NS_HOST" addr add $HOST4/24 dev "$IF_H0"
	ip -n "$NS_HOST" addr add $HOST6/64 dev "$IF_H0" nodad
	ip -n "$NS_HOST" addr add $HOST4B/24 dev "$IF_H1"
	ip -n "$NS_HOST" addr add $HOST6B/64 dev "$IF_H1" nodad
	ip -n "$NS_CLI" addr add $CLI4/24 dev "$IF_CLI"
	ip -n "$NS_CLI" addr add $CLI6/64 dev "$IF_CLI" nodad
	for ns_if in "$NS_SCAN:$IF_SCAN" "$NS_HOST:$IF_H0" "$NS_HOST:$IF_H1" "$NS_CLI:$IF_CLI"; do
		ip -n "${ns_if%%:*}" link set "${ns_if#*:}" up
	done
	for ns in "$NS_SCAN" "$NS_HOST" "$NS_CLI"; do ip -n "$ns" link set lo up; done
	in_scan ip route add 198.18.1.0/24 via $HOST4
	in_cli ip route add 198.18.0.0/24 via $HOST4B
	in_host sysctl -qw net.ipv4.ip_forward=0
	# The host answers every closed port (no ICMP rate limit in its own
	# namespace), so nmap's counts of answered ports are exact for UDP too.
	in_host sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
	ip netns exec "$NS_HOST" python3 "$SG_ROOT/tests/e2e/services.py" >"$LAB/services.log" 2>&1 &
	SERVICES_PID=$!
	# Wait until the services answer.
	for _ in $(seq 50); do
		in_cli nc -z -w1 $HOST4B 80 2>/dev/null && return 0
		sleep 0.1
	done
	echo "lab: services did not start" >&2
	return 1
}

# daemon_start [scanguardd options...]: an ephemeral daemon (everything is
# removed when it exits, as the tests expect) that ignores any system
# configuration file; attaches to both host interfaces unless -i is given;
# waits for its start event.
daemon_start() {
	: >"$EVENTS"
	daemon_start_persistent --ephemeral "$@"
}

# daemon_start_persistent [scanguardd options...]: the same, but with the
# default persistent behaviour (links pinned; the program outlives the
# daemon).  Appends to $EVENTS, so a restarted daemon's events follow.
daemon_start_persistent() {
	local args=("$@")
	if [[ " $* " != *" -i "* ]]; then args=(-i "$IF_H0" -i "$IF_H1" "${args[@]}"); fi
	local before
	before=$(grep -c '"event":"start"' "$EVENTS" 2>/dev/null)
	# Not through in_host: $! must be the daemon itself, not a subshell.
	ip netns exec "$NS_HOST" "$SCANGUARDD" --config /dev/null --pin-path "$PIN" "${args[@]}" \
		>>"$EVENTS" 2>>"$DAEMON_ERR" &
	DAEMON_PID=$!
	for _ in $(seq 100); do
		[ "$(grep -c '"event":"start"' "$EVENTS" 2>/dev/null)" -gt "${before:-0}" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "lab: scanguardd did not start:" >&2
	cat "$DAEMON_ERR" >&2
	DAEMON_PID=
	return 1
}

# daemon_stop [SIGNAL]: stops the daemon; its exit status goes to DAEMON_RC.
DAEMON_RC=
daemon_stop() {
	DAEMON_RC=none
	[ -n "$DAEMON_PID" ] || return
	kill -"${1:-TERM}" "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_RC=$?
	DAEMON_PID=
}

# scan_events [FILTER-SUBSTRING]: the scan events so far, one JSON per line.
scan_events() { grep '"event":"scan"' "$EVENTS" | grep -- "${1:-}" || true; }

# wait_for_event SUBSTRING [SECONDS]
wait_for_event() {
	for _ in $(seq $(( ${2:-5} * 10 ))); do
		scan_events "$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# nmap_counts XML: prints "open closed filtered open|filtered unfiltered" port counts.
nmap_counts() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
c = {"open": 0, "closed": 0, "filtered": 0, "open|filtered": 0, "unfiltered": 0}
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("-1 -1 -1 -1 -1"); sys.exit(0)
for host in root.iter("host"):
    for ep in host.iter("extraports"):
        st = ep.get("state")
        c[st] = c.get(st, 0) + int(ep.get("count"))
    for p in host.iter("port"):
        st = p.find("state").get("state")
        c[st] = c.get(st, 0) + 1
print(c["open"], c["closed"], c["filtered"], c["open|filtered"], c["unfiltered"])
PY
}

# A bounded nmap run from the scanner namespace: nmap_scan XML-OUT ARGS...
nmap_scan() {
	local out=$1; shift
	in_scan timeout 150 nmap -n -Pn --max-retries 1 --host-timeout 120s \
		--initial-rtt-timeout 50ms --max-rtt-timeout 100ms -T4 -oX "$out" "$@" >/dev/null 2>&1
}

# nmap_from SRC XML-OUT ARGS...: the same, from one of the scanner's own
# addresses (198.18.0.2-9 or 2001:db8::2-9), so each scan starts clean.
nmap_from() {
	local src=$1 out=$2; shift 2
	local six=()
	[[ "$src" == *:* ]] && six=(-6)
	nmap_scan "$out" "${six[@]}" -S "$src" -e "$IF_SCAN" "$@"
}

# blocked SOURCE / not_blocked SOURCE: whether `block list` shows SOURCE
# (address or prefix).  Both fail when the list cannot be read, so a dead
# daemon never passes for "not blocked".
blocked() {
	local l
	l=$(ctl --json block list) || return 2
	jq -e --arg s "$1" 'any(.[]; .source == $s)' <<<"$l" >/dev/null
}
not_blocked() {
	local l
	l=$(ctl --json block list) || return 2
	jq -e --arg s "$1" 'any(.[]; .source == $s) | not' <<<"$l" >/dev/null
}

# counter NAME: one counter from `scanguardctl stats`.
counter() { ctl --json stats | jq -r --arg n "$1" '.[$n]'; }

# xdp_attached NS IFACE: true when an XDP program is attached.
xdp_attached() { ip -n "$1" -d link show dev "$2" | grep -q 'prog/xdp'; }

lab_finish() {
	[ "$T_FAIL" = 0 ]
}
