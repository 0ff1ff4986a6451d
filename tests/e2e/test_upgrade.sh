#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_upgrade.sh - `scanguardd --upgrade` swaps the program under traffic
# with no gap.  A blocked source sends a steady UDP stream to a listening
# socket on the host while the program is replaced ten times with
# --upgrade and once more by a daemon restart; the socket must receive
# nothing from it (packets unfiltered during the swaps = 0), the XDP drop
# counter must account for every datagram sent, and an unblocked source in
# the same stream must keep arriving (the measurement can see a gap).  The
# running daemon keeps draining events written by the new program.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL upgrade: lab setup"; exit 1; }
: >"$EVENTS"
daemon_start_persistent --threshold 15 --score-threshold 0 || { echo "FAIL upgrade: daemon start"; exit 1; }

BLOCKED=198.18.0.3
CONTROL=198.18.0.5
PORT=9999
prog_id() { ip -n "$NS_HOST" -d link show dev "$1" | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}'; }
dropped() { ctl --json stats | jq -r .dropped_blocked; }

ctl block add $BLOCKED >/dev/null
check "upgrade: source blocked by hand" sh -c "'$SCANGUARDCTL' --pin-path '$PIN' --json block list | jq -e '.[] | select(.source == \"$BLOCKED\")'"

ip netns exec "$NS_HOST" python3 "$SG_ROOT/tests/e2e/udpflow.py" recv $PORT "$LAB/recv.json" &
recv=$!
sleep 0.5
drops0=$(dropped)
ip netns exec "$NS_SCAN" python3 "$SG_ROOT/tests/e2e/udpflow.py" send $HOST4 $PORT "$LAB/stop" \
	$BLOCKED:9 $CONTROL:1 >"$LAB/sent.json" &
sender=$!
sleep 0.5

ids="$(prog_id "$IF_H0")"
upgrades_ok=0
for _ in $(seq 10); do
	if "$SCANGUARDD" --upgrade --pin-path "$PIN" >>"$LAB/upgrade.out" 2>>"$LAB/upgrade.err"; then
		upgrades_ok=$((upgrades_ok + 1))
	fi
	ids="$ids $(prog_id "$IF_H0")"
	sleep 0.1
done
check_eq "upgrade: ten upgrades succeeded" "$upgrades_ok" 10
check_eq "upgrade: each swapped in a new program (ids: $ids)" \
	"$(tr ' ' '\n' <<<"$ids" | sort -u | wc -l)" 11
check_eq "upgrade: both interfaces run the same program" "$(prog_id "$IF_H1")" "$(prog_id "$IF_H0")"
check "upgrade: the daemon kept running" kill -0 "$DAEMON_PID"
# The daemon rebuilds the tracking hints through its own program's maps: the
# swapped-in program must read the same ones, the instance's pins.
uses_pinned_hints() {	# prog id
	local m want
	for m in sg_track_hint sg_net_hint; do
		want=$(bpftool -j map show pinned "$PIN/$m" | jq -e .id) || return 1
		bpftool -j prog show id "$1" | jq -e --argjson w "$want" '.map_ids | index($w)' \
			>/dev/null || return 1
	done
}
check "upgrade: the daemon's program reads the pinned tracking hints" \
	uses_pinned_hints "${ids%% *}"
check "upgrade: ... and so does the program swapped in last" uses_pinned_hints "$(prog_id "$IF_H0")"
check_eq "upgrade: upgrade event" "$(tail -1 "$LAB/upgrade.out" | jq -r '.event + " " + (.interfaces|tostring)')" "upgrade 2"

# Pins an older build left have no allow-list hint (struct sg_allow_hint):
# --upgrade and a restart each create it and fill it from the allow-list,
# or the allow-list's entries would go unseen.
hint_has() {	# an IPv4 address: is its /16's bit set in the pinned hint?
	bpftool -j map dump pinned "$PIN/sg_allow_hint" | python3 -c '
import json, sys
a = [int(x) for x in sys.argv[1].split(".")]
bit = a[0] << 8 | a[1]
v = json.load(sys.stdin)[0]["value"]
sys.exit(0 if int(v[bit // 8], 16) >> (bit % 8) & 1 else 1)' "$1"
}
check "upgrade: no allow-list entry in 198.19.0.0/16 yet" not hint_has 198.19.77.1
ctl allow add 198.19.77.0/24 >/dev/null
check "upgrade: allow add sets its hint bit" hint_has 198.19.77.1
# A map another build laid out differently is refused, not misread.
mv "$PIN/sg_traps" "$PIN/sg_traps_keep"
bpftool map create "$PIN/sg_traps" type array key 4 value 4 entries 2048 name sg_traps
out=$(ctl status 2>&1)
check_eq "upgrade: scanguardctl on a map of another layout: exit 1" "$?" 1
check_eq "upgrade: ... and says why" "$(grep -c -- 'laid out differently' <<<"$out")" 1
rm -f "$PIN/sg_traps"
mv "$PIN/sg_traps_keep" "$PIN/sg_traps"
check "upgrade: ... and reads it again once it is back" ctl status
rm -f "$PIN/sg_allow_hint"
out=$(ctl status 2>&1)
check_eq "upgrade: scanguardctl on another build's pins: exit 1" "$?" 1
check_eq "upgrade: ... and says to restart or upgrade" "$(grep -c -- 'run scanguardd --upgrade' <<<"$out")" 1
"$SCANGUARDD" --upgrade --pin-path "$PIN" >>"$LAB/upgrade.out" 2>>"$LAB/upgrade.err"
check "upgrade: a missing hint is pinned anew" test -e "$PIN/sg_allow_hint"
check "upgrade: ... and filled from the allow-list" hint_has 198.19.77.1

# And an upgrade by restart: the new daemon swaps its own program in.
before_restart=$(prog_id "$IF_H0")
daemon_stop TERM
rm -f "$PIN/sg_allow_hint"
daemon_start_persistent --threshold 15 --score-threshold 0 || { echo "FAIL upgrade: daemon restart"; exit 1; }
check "upgrade: restart swapped the program too" test "$(prog_id "$IF_H0")" != "$before_restart"
check "upgrade: the restart filled the hint it made anew" hint_has 198.19.77.1
sleep 0.5

touch "$LAB/stop"
wait "$sender"
sleep 0.5
kill -TERM "$recv"
wait "$recv"
sent_blocked=$(jq -r ".\"$BLOCKED\" // 0" "$LAB/sent.json")
sent_control=$(jq -r ".\"$CONTROL\" // 0" "$LAB/sent.json")
got_blocked=$(jq -r ".\"$BLOCKED\" // 0" "$LAB/recv.json")
got_control=$(jq -r ".\"$CONTROL\" // 0" "$LAB/recv.json")
drops=$(( $(dropped) - drops0 ))
echo "# sent blocked=$sent_blocked control=$sent_control; received blocked=$got_blocked" \
	"control=$got_control; XDP drops of the blocked source=$drops" >&2
check "upgrade: traffic flowed through the swaps ($sent_blocked datagrams from the blocked source)" \
	test "$sent_blocked" -gt 10000
check_eq "upgrade: packets unfiltered during the swaps" "$got_blocked" 0
check_eq "upgrade: every datagram of the blocked source dropped by XDP" "$drops" "$sent_blocked"
check "upgrade: the unblocked source kept arriving ($got_control of $sent_control)" \
	test "$got_control" -gt 0 -a "$got_control" -ge $((sent_control * 9 / 10))

# Events written by the upgraded program reach the daemon.
in_scan timeout 60 nmap -n -Pn --max-retries 0 -T5 -S 198.18.0.6 -e "$IF_SCAN" -sS -p 1-40 \
	$HOST4 >/dev/null 2>&1
wait_for_event '"source":"198.18.0.6"' 5
check_eq "upgrade: events still drained after the swaps" "$(scan_events 198.18.0.6 | wc -l)" 1

# An upgrade needs an instance with pinned links.
"$SCANGUARDD" --upgrade --pin-path "$LAB/bpf/none" >/dev/null 2>&1
check_eq "upgrade: no instance: exit 3" "$?" 3
lab_finish
