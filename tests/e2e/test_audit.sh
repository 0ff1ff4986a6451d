#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_audit.sh - `scanguardctl audit` in the lab's host namespace with
# scanguardd protecting one of its two interfaces: every listener is
# reported with its process and user; loopback, device-bound and link-local
# sockets of the unprotected interface are not exposed; an exposed listener
# missing from the expected list makes the exit status 4.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL audit: lab setup"; exit 1; }
daemon_start -i "$IF_H0" || { echo "FAIL audit: daemon start"; exit 1; }

# listener NAME [RUN-AS-PREFIX...] -- PYTHON-BIND-CODE: a process holding one
# socket; its pid goes to PID_<NAME>.
listener() {
	local name=$1 pre=(); shift
	while [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	# python3 itself, so $! is the socket's holder (it exits on its own).
	ip netns exec "$NS_HOST" "${pre[@]}" /usr/bin/python3 -c "
import socket, time
$1
time.sleep(120)" &
	eval "PID_$name=$!"
}
# The link-local address can be bound once duplicate address detection is done.
for _ in $(seq 50); do
	ip -n "$NS_HOST" -6 addr show dev "$IF_H1" scope link | grep -q tentative || break
	sleep 0.1
done
LL=$(ip -n "$NS_HOST" -6 addr show dev "$IF_H1" scope link | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }')
listener LO -- 's = socket.socket(); s.bind(("127.0.0.1", 7777)); s.listen()'
listener LO6 -- 's = socket.socket(socket.AF_INET6); s.bind(("::1", 7778)); s.listen()'
listener OTHER -- 's = socket.socket(); s.bind(("'$HOST4B'", 2222)); s.listen()'
listener DEV -- 's = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"'$IF_H1'"); s.bind(("0.0.0.0", 3333)); s.listen()'
listener LL -- 's = socket.socket(socket.AF_INET6); s.bind(("'$LL'", 4444, 0, socket.if_nametoindex("'$IF_H1'"))); s.listen()'
listener NOBODY setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 5555))'
for _ in $(seq 50); do
	[ "$(in_host ss -Hltnu | grep -cE ':(7777|7778|2222|3333|4444|5555) ')" = 6 ] && break
	sleep 0.1
done

SERVICES=tcp/22,tcp/80,tcp/443,tcp/8080,udp/53
audit() { in_host "$SCANGUARDCTL" --pin-path "$PIN" "$@"; }
# row JSON PROTO PORT [ADDRESS]: the listener's object
row() { jq -c ".listeners[] | select(.proto == \"$2\" and .port == $3 ${4:+and .address == \"$4\"})" <<<"$1"; }

out=$(audit --json audit --expect $SERVICES,udp/5555); rc=$?
check_eq "unexpected exposed listener: exit 4" "$rc" 4
check_eq "protected interfaces from the running instance" "$(jq -c '[.instance, .protected_interfaces]' <<<"$out")" "[true,[\"$IF_H0\"]]"
check_eq "services are exposed and expected" \
	"$(jq -c '[.listeners[] | select(.port == 80 or .port == 53) | [.proto, .family, .reach, .expected]] | sort' <<<"$out")" \
	'[["tcp","ipv4","exposed",true],["tcp","ipv6","exposed",true],["udp","ipv4","exposed",true],["udp","ipv6","exposed",true]]'
check_eq "services: owned by the lab's services process" \
	"$(row "$out" tcp 8080 0.0.0.0 | jq -c '[.processes[0].pid, .processes[0].command, .user]')" "[$SERVICES_PID,\"python3\",\"root\"]"
check_eq "ipv6 socket is ipv6-only" "$(row "$out" tcp 22 :: | jq .ipv6_only)" true
check_eq "loopback listener: not reachable, right process" \
	"$(row "$out" tcp 7777 | jq -c '[.reach, .unexpected_exposed, .processes[0].pid]')" "[\"loopback\",false,$PID_LO]"
check_eq "ipv6 loopback listener" "$(row "$out" tcp 7778 | jq -r .reach)" loopback
check_eq "address of the unprotected interface: exposed (weak host), unexpected" \
	"$(row "$out" tcp 2222 | jq -c '[.address, .reach, .unexpected_exposed, .processes[0].pid]')" \
	"[\"$HOST4B\",\"exposed\",true,$PID_OTHER]"
check_eq "bound to the unprotected device: not exposed" \
	"$(row "$out" tcp 3333 | jq -c '[.bound_interface, .reach, .processes[0].pid]')" "[\"$IF_H1\",\"unprotected\",$PID_DEV]"
check_eq "link-local address of the unprotected interface: not exposed" \
	"$(row "$out" tcp 4444 | jq -c '[.address, .reach, .processes[0].pid]')" "[\"$LL\",\"unprotected\",$PID_LL]"
check_eq "udp listener of another user" \
	"$(row "$out" udp 5555 | jq -c '[.reach, .expected, .user, .processes[0].pid]')" "[\"exposed\",true,\"nobody\",$PID_NOBODY]"
check_eq "counts: one unexpected" "$(jq -c '[.unexpected, ([.listeners[] | select(.unexpected_exposed)] | map(.port))]' <<<"$out")" '[1,[2222]]'

# Text report names the unexpected one; exit 0 once it is expected.
txt=$(audit audit --expect $SERVICES,udp/5555)
check "text: unexpected listener named with its process" grep -q "^unexpected: tcp/2222 on $HOST4B (python3, pid $PID_OTHER)$" <<<"$txt"
check "text: its row is marked" grep -qE "^tcp +$HOST4B +2222 +EXPOSED +no +root +python3\($PID_OTHER\)$" <<<"$txt"
audit audit --expect $SERVICES,udp/5555,tcp/2000-2999 >/dev/null
check_eq "all exposed listeners expected: exit 0" "$?" 0
cat >"$LAB/expected" <<EOF
# the lab's services
tcp/22 tcp/80, tcp/443
tcp/8080   # web
udp/53 udp/5555
tcp/2222
EOF
audit audit --expect-file "$LAB/expected" >/dev/null
check_eq "--expect-file with comments: exit 0" "$?" 0
echo "tcp/99999" >"$LAB/bad-expected"
out=$(audit audit --expect-file "$LAB/bad-expected" 2>&1); rc=$?
check_eq "bad --expect-file line: exit 2 naming file and line" "$rc $(grep -c "$LAB/bad-expected:1: 'tcp/99999'" <<<"$out")" "2 1"
audit audit --expect tcp/ssh >/dev/null 2>&1
check_eq "bad --expect: exit 2" "$?" 2
audit audit now >/dev/null 2>&1
check_eq "audit takes no arguments: exit 2" "$?" 2

# Without a running instance every interface but loopback counts.
daemon_stop
out=$(audit --json audit --expect $SERVICES,udp/5555); rc=$?
check_eq "no instance: all interfaces protected" "$(jq -c '[.instance, (.protected_interfaces | sort)]' <<<"$out")" \
	"[false,$(printf '%s\n' "$IF_H0" "$IF_H1" | jq -R . | jq -sc 'sort')]"
check_eq "no instance: device-bound and link-local listeners now exposed" \
	"$(jq -c '[.listeners[] | select(.unexpected_exposed) | .port] | sort' <<<"$out") $rc" '[2222,3333,4444] 4'
# A persistent instance keeps protecting its interface after its daemon
# exits (pinned links): audit still counts only that interface.
daemon_start_persistent -i "$IF_H0" || fail "audit: persistent daemon" "did not start"
daemon_stop
out=$(audit --json audit --expect $SERVICES,udp/5555)
check_eq "persistent instance, no daemon: its interface is still the protected one" \
	"$(jq -c '[.instance, .protected_interfaces, ([.listeners[] | select(.unexpected_exposed) | .port] | sort)]' <<<"$out")" \
	"[true,[\"$IF_H0\"],[2222]]"
in_host "$SCANGUARDCTL" --pin-path "$PIN" detach >/dev/null
kill $PID_LO $PID_LO6 $PID_OTHER $PID_DEV $PID_LL $PID_NOBODY 2>/dev/null
lab_finish
