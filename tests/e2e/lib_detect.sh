# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# lib_detect.sh - what the detection suites (test_detect_*.sh) add to the
# lab of lib.sh: more scanner addresses (also in a second /24), bounded scans
# from a chosen source, assertions on one source's scan event and block, and
# two more topologies:
#
#   NAT:     $NS_NAT (198.18.3.2, masquerade) -- ${P}h2 198.18.3.1 on the host;
#            users $P-u1..N at 198.18.4.11.. behind it, on a bridge
#   segment: the host namespace routes (forwarding on) to a segment of
#            addresses 198.18.2.0/24 in the client namespace
#
# Source it after lib.sh and call detect_up instead of lab_up.

NS_NAT=$P-nat
IF_H2=${P}h2
IF_NAT=${P}n
BR_NAT=${P}br
HOST4C=198.18.3.1
NAT4=198.18.3.2
NAT_USERS=0
OTHER_NET=198.18.5	# a second scanner /24, for scans of a whole network
DETECT_PIDS=()

detect_down() {
	set +e
	for pid in "${DETECT_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for i in $(seq "$NAT_USERS"); do
		ip netns pids "$P-u$i" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$P-u$i" 2>/dev/null
	done
	if ip netns list | grep -q "^$NS_NAT\b"; then
		ip netns pids "$NS_NAT" | xargs -r kill -9 2>/dev/null
		ip netns del "$NS_NAT"
	fi
}

# detect_up: lib.sh's lab, the host answering every closed port (so nmap's
# and hping3's counts of answers are exact), and scanner addresses
# 198.18.0.2-.29 and 198.18.5.10-.39.
detect_up() {
	lab_up || return 1
	trap 'detect_down; lab_down' EXIT
	in_host sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 || return 1
	for i in $(seq 10 29); do
		ip -n "$NS_SCAN" addr add 198.18.0.$i/24 dev "$IF_SCAN" || return 1
	done
	for i in $(seq 10 39); do
		ip -n "$NS_SCAN" addr add $OTHER_NET.$i/24 dev "$IF_SCAN" || return 1
	done
	in_host ip route add $OTHER_NET.0/24 via $SCAN4
}

# nat_up N: a NAT namespace between the host and N user namespaces.
nat_up() {
	local n=$1 i
	ip netns add "$NS_NAT" || return 1
	ip link add "$IF_NAT" netns "$NS_NAT" type veth peer name "$IF_H2" netns "$NS_HOST" ||
		return 1
	ip -n "$NS_HOST" addr add $HOST4C/24 dev "$IF_H2"
	ip -n "$NS_NAT" addr add $NAT4/24 dev "$IF_NAT"
	ip -n "$NS_NAT" link add "$BR_NAT" type bridge
	ip -n "$NS_NAT" addr add 198.18.4.1/24 dev "$BR_NAT"
	for l in "$NS_HOST:$IF_H2" "$NS_NAT:$IF_NAT" "$NS_NAT:$BR_NAT" "$NS_NAT:lo"; do
		ip -n "${l%%:*}" link set "${l#*:}" up
	done
	ip netns exec "$NS_NAT" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NS_NAT" nft -f - <<-EOF || return 1
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "$IF_NAT" masquerade
		}
	}
	EOF
	for i in $(seq "$n"); do
		ip netns add "$P-u$i" || return 1
		NAT_USERS=$i
		ip link add "${P}u$i" netns "$P-u$i" type veth peer name "${P}b$i" \
			netns "$NS_NAT" || return 1
		ip -n "$NS_NAT" link set "${P}b$i" master "$BR_NAT" up
		ip -n "$P-u$i" addr add 198.18.4.$((10 + i))/24 dev "${P}u$i"
		ip -n "$P-u$i" link set "${P}u$i" up
		ip -n "$P-u$i" link set lo up
		ip -n "$P-u$i" route add default via 198.18.4.1
	done
}

# segment_up: the host namespace becomes a router in front of a segment
# 198.18.2.10-.19 (addresses of the client namespace); the scanner
# reaches it through the host.  Services run on every segment address.
segment_up() {
	local i
	in_host sysctl -qw net.ipv4.ip_forward=1 || return 1
	# On loopback: the kernel here may lack the dummy driver.
	for i in $(seq 10 19); do ip -n "$NS_CLI" addr add 198.18.2.$i/32 dev lo || return 1; done
	in_host ip route add 198.18.2.0/24 via $CLI4
	in_scan ip route add 198.18.2.0/24 via $HOST4
	in_cli ip route add $OTHER_NET.0/24 via $HOST4B
	ip netns exec "$NS_CLI" python3 "$SG_ROOT/tests/e2e/services.py" >"$LAB/segment.log" 2>&1 &
	DETECT_PIDS+=($!)
	for _ in $(seq 50); do
		in_scan nc -z -w1 198.18.2.10 443 2>/dev/null && return 0
		sleep 0.1
	done
	echo "lab: segment services did not start" >&2
	return 1
}

in_user() { local i=$1; shift; ip netns exec "$P-u$i" "$@"; }

# nmap_as SRC XML-OUT ARGS...: a bounded nmap run from one scanner address.
nmap_as() {
	local src=$1 out=$2; shift 2
	nmap_scan "$out" -S "$src" -e "$IF_SCAN" "$@"
}

# event_of SOURCE [SECONDS]: the first scan event of SOURCE (address, /64 or
# network as the event names it), waiting for it up to SECONDS (default 3).
event_of() {
	local i
	for i in $(seq $(( ${2:-3} * 10 ))); do
		grep '"event":"scan"' "$EVENTS" | jq -c --arg s "$1" 'select(.source == $s)' |
			head -1 | grep . && return 0
		sleep 0.1
	done
	return 1
}

# events_of SOURCE: how many scan events name SOURCE.
events_of() {
	grep '"event":"scan"' "$EVENTS" | jq -c --arg s "$1" 'select(.source == $s)' | wc -l
}

# block_of SOURCE: the detector of SOURCE's block, "none" when not blocked,
# "error" when the block list cannot be read (a dead daemon never passes).
block_of() {
	local l
	l=$(ctl --json block list) || { echo error; return; }
	jq -r --arg s "$1" '[.[] | select(.source == $s)][0].detector // "none"' <<<"$l"
}

# stat_of NAME: one counter of `scanguardctl stats`.
stat_of() { ctl --json stats | jq -r --arg n "$1" '.[$n]'; }

# nmap_port XML PORT: the state nmap reported for PORT ("none" if not listed).
nmap_port() {
	python3 - "$1" "$2" <<-'PY'
	import sys, xml.etree.ElementTree as ET
	try:
	    root = ET.parse(sys.argv[1]).getroot()
	except Exception:
	    print("error"); sys.exit(0)
	for p in root.iter("port"):
	    if p.get("portid") == sys.argv[2]:
	        print(p.find("state").get("state")); sys.exit(0)
	print("none")
	PY
}

# nmap_hosts XML: "UP DOWN" hosts of a host discovery (-sn) run.
nmap_hosts() {
	python3 - "$1" <<-'PY'
	import sys, xml.etree.ElementTree as ET
	try:
	    h = ET.parse(sys.argv[1]).getroot().find("runstats/hosts")
	    print(h.get("up"), h.get("down"))
	except Exception:
	    print("-1 -1")
	PY
}

# hping_received OUTPUT-FILE: "packets received" from hping3's summary.
hping_received() { sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$1"; }

# not COMMAND...: inverts a command's status (check runs functions too).
declare -F not >/dev/null || not() { ! "$@"; }

# check_le NAME GOT MAX / check_ge NAME GOT MIN
check_le() {
	if [[ "$2" =~ ^-?[0-9]+$ ]] && [ "$2" -le "$3" ]; then pass "$1"; else
		fail "$1" "got '$2', want at most $3"; fi
}
check_ge() {
	if [[ "$2" =~ ^-?[0-9]+$ ]] && [ "$2" -ge "$3" ]; then pass "$1"; else
		fail "$1" "got '$2', want at least $3"; fi
}
