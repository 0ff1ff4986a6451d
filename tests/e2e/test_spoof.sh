#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_spoof.sh - spoof safety end to end.  An nmap decoy scan (-D) names
# the host's default gateway, its DNS resolver (from the namespace's
# resolv.conf, which `ip netns exec` binds over /etc/resolv.conf), an
# allow-listed partner and one unprotected address: the real scanner is
# blocked, the three protected addresses never are and keep their access,
# and the unprotected decoy is blocked too (a spoofed SYN cannot be told
# from a real one: SECURITY.md).  Then block policy "new": a blocked
# source's established session keeps working while its new connections are
# dropped, and policy "all" cuts the session.
source "$(dirname "$0")/lib.sh"

GW4=198.18.0.254	# the host's default gateway
DNS4=198.18.0.253	# its resolver
PARTNER4=198.18.0.252	# allow-listed with --allow
DECOY4=198.18.0.251	# an unprotected decoy
GW6=2001:db8::fe
ETC_NETNS=/etc/netns/$NS_HOST
SESSION=$LAB/session
SERVER_PID=
CLIENT_PID=
[ -d /etc/netns ] && MADE_ETC_NETNS= || MADE_ETC_NETNS=1

cleanup_spoof() {
	[ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	rm -rf "$ETC_NETNS"
	[ -n "$MADE_ETC_NETNS" ] && rmdir /etc/netns 2>/dev/null
	lab_down
}

lab_up || { echo "FAIL spoof: lab setup"; exit 1; }
trap cleanup_spoof EXIT
# The gateway, resolver, partner and decoy are addresses of the scanner's
# side, so each can also talk to the host for real.
for a in $GW4 $DNS4 $PARTNER4 $DECOY4; do ip -n "$NS_SCAN" addr add $a/24 dev "$IF_SCAN"; done
ip -n "$NS_SCAN" addr add $GW6/64 dev "$IF_SCAN" nodad
in_host ip route add default via $GW4 dev "$IF_H0"
in_host ip -6 route add default via $GW6 dev "$IF_H0"
mkdir -p "$ETC_NETNS"
printf 'nameserver %s\noptions timeout:1\n' $DNS4 >"$ETC_NETNS/resolv.conf"

daemon_start --allow $PARTNER4 || { echo "FAIL spoof: daemon start"; exit 1; }
protected=$(ctl --json status | jq -c '.protected')
origin() { jq -r --arg c "$1" '.[] | select(.cidr == $c) | .origin' <<<"$protected"; }
check_eq "spoof: gateway auto-protected" "$(origin $GW4)" gateway
check_eq "spoof: ipv6 gateway auto-protected" "$(origin $GW6)" gateway
check_eq "spoof: resolver auto-protected" "$(origin $DNS4)" resolver
check_eq "spoof: own address auto-protected" "$(origin $HOST4)" own-address
check "spoof: partner allow-listed" sh -c "'$SCANGUARDCTL' --pin-path '$PIN' --json allow list | jq -e '.[] | select(.cidr == \"$PARTNER4\")'"

# The decoy scan: every probe goes out from each decoy and from the scanner.
nmap_scan "$LAB/decoy.xml" -sS -D $GW4,$DNS4,$PARTNER4,$DECOY4,ME -p 1-200 $HOST4
blocked() { ctl --json block list | jq -e --arg s "$1" '.[] | select(.source == $s)' >/dev/null; }
not_blocked() { ! blocked "$1"; }
check "spoof: the real scanner is blocked" blocked $SCAN4
for a in $GW4 $DNS4 $PARTNER4; do
	check "spoof: decoy $a (protected) is not blocked" not_blocked $a
	check_eq "spoof: no event names $a" "$(scan_events "\"source\":\"$a\"" | wc -l)" 0
done
check "spoof: the unprotected decoy is blocked too (spoofing cannot be told apart)" blocked $DECOY4
check "spoof: the protected decoys' probes were seen and let through" \
	test "$(ctl --json stats | jq -r .probes_allowed)" -gt 0
for a in $GW4 $DNS4 $PARTNER4; do
	check "spoof: $a still reaches the host" in_scan nc -z -w2 -s $a $HOST4 80
done
check "spoof: the scanner does not" sh -c "! ip netns exec $NS_SCAN nc -z -w2 -s $SCAN4 $HOST4 80"
check "spoof: the benign client is unaffected" in_cli nc -z -w2 $HOST4B 80
# The operator cannot take the automatic entries away by mistake.
ctl allow del $GW4 >/dev/null 2>&1
check_eq "spoof: the gateway's entry cannot be deleted (exit 1)" "$?" 1
daemon_stop TERM

# ---- block policy "new" --------------------------------------------------------------
daemon_start --block-policy new || { echo "FAIL spoof: daemon start (policy new)"; exit 1; }
mkdir -p "$SESSION"
ip netns exec "$NS_HOST" python3 "$SG_ROOT/tests/e2e/session.py" serve 9000 &
SERVER_PID=$!
for _ in $(seq 50); do in_host nc -z -w1 127.0.0.1 9000 2>/dev/null && break; sleep 0.1; done
# From the scanner's own address (its primary), an established session.
ip netns exec "$NS_SCAN" python3 "$SG_ROOT/tests/e2e/session.py" client $HOST4 9000 "$SESSION" &
CLIENT_PID=$!
step() {	# N: one request over the session; prints its result
	touch "$SESSION/send-$1"
	for _ in $(seq 100); do [ -e "$SESSION/result-$1" ] && break; sleep 0.1; done
	cat "$SESSION/result-$1" 2>/dev/null || echo "no result"
}
for _ in $(seq 50); do [ -e "$SESSION/connected" ] && break; sleep 0.1; done
check_eq "policy new: session established" "$(step 1)" ok
nmap_scan "$LAB/new.xml" -sS -p 1-200 $HOST4
check "policy new: the scanner is blocked" blocked $SCAN4
check_eq "policy new: its established session keeps working" "$(step 2)" ok
check "policy new: its new connections are dropped" \
	sh -c "! ip netns exec $NS_SCAN nc -z -w2 -s $SCAN4 $HOST4 80"
check "policy new: its pings pass (not probes)" in_scan ping -c1 -W2 -I $SCAN4 $HOST4
check "policy new: blocked traffic let through is counted" \
	test "$(ctl --json stats | jq -r .blocked_traffic_passed)" -gt 0
ctl config set block-policy all >/dev/null
check_eq "policy all: the same session is cut" "$(step 3)" "error: timed out"
check "policy all: its pings are dropped" sh -c "! ip netns exec $NS_SCAN ping -c1 -W2 -I $SCAN4 $HOST4"
touch "$SESSION/quit"
daemon_stop TERM
check_eq "spoof: SIGTERM exits 0" "$DAEMON_RC" 0
lab_finish
