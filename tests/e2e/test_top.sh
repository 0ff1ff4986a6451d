#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_top.sh - `scanguardctl top` in a real terminal (tmux): after a scan it
# shows the rates, a source being tracked, the blocked scanner with time
# left and the detection; it redraws within a smaller window after a resize;
# q and Ctrl-C exit 0 and give the terminal back.  Without a terminal it
# prints plain frames or JSON lines.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL top: lab setup"; exit 1; }
daemon_start --threshold 15 || { echo "FAIL top: daemon start"; exit 1; }
TMUX_SOCK=$LAB/tmux.sock
tmx() { tmux -S "$TMUX_SOCK" "$@"; }
trap 'tmx kill-server 2>/dev/null; lab_down' EXIT

# A scan that gets blocked, and a second source below the threshold.
nmap_scan "$LAB/syn.xml" -sS -p 1-40 $HOST4
for p in 1 2; do in_scan nc -z -w1 -s 198.18.0.7 $HOST4 $p 2>/dev/null; done
# Traffic while top runs, so the rates move: pings from the client.
in_cli ping -q -i 0.05 -c 400 $HOST4B >/dev/null 2>&1 &
PING=$!

# start NAME COLS ROWS: top in a detached tmux session; its exit status is
# written where the test can read it.
start() {
	tmx new-session -d -s "$1" -x "$2" -y "$3" \
		"ip netns exec $NS_HOST $SCANGUARDCTL --pin-path $PIN top --interval 0.3; rc=\$?; echo rc=\$rc >$LAB/$1.rc; echo shell back, rc \$rc; sleep 60"
}
screen() { tmx capture-pane -p -t "$1"; }
# wait_screen NAME PATTERN: up to 5 s for the pattern on the screen.
wait_screen() {
	for _ in $(seq 50); do screen "$1" | grep -qE -- "$2" && return 0; sleep 0.1; done
	return 1
}
wait_rc() {
	for _ in $(seq 50); do [ -s "$LAB/$1.rc" ] && { cat "$LAB/$1.rc"; return; }; sleep 0.1; done
	echo "rc=none"
}

start a 110 30
check "top: header with the daemon running" wait_screen a "^scanguard top  $PIN  daemon running  mode enforce"
check "top: interfaces" wait_screen a "^interfaces: $IF_H0 \((native|generic)\), $IF_H1 \((native|generic)\)"
check "top: packet rate moves" wait_screen a "^packets/s [1-9][0-9.]*k?  drops/s "
check "top: detection counter" wait_screen a "detections 1 \(\+0\)  blocked 1"
DET=$(scan_events | head -1 | jq -r .detector)
check "top: source below the thresholds tracked with its score" wait_screen a "^  198\.18\.0\.7 +2 +2  syn +[0-9]+s$"
check "top: blocked scanner with time left" wait_screen a "^  $SCAN4 +$DET +(9m[0-9]{2}s|10m00s) +[0-9]+s ago$"
check "top: recent detection" wait_screen a "^  [0-9]{2}:[0-9]{2}:[0-9]{2} +$SCAN4 +$DET +blocked$"
screen a >"$LAB/a.screen"
check_eq "top: no line wider than the terminal" "$(awk 'length > 110' "$LAB/a.screen" | wc -l)" 0

# A smaller window: redrawn at the new size, header still on the first line.
tmx resize-window -t a -x 60 -y 12
sleep 1
screen a >"$LAB/a2.screen"
check "top: after resize the header is still the first line" sh -c "head -1 '$LAB/a2.screen' | grep -q '^scanguard top'"
check_eq "top: after resize no line wider than 60" "$(awk 'length > 60' "$LAB/a2.screen" | wc -l)" 0
check "top: after resize the lists are cut to fit" grep -q "^BLOCKED (1)" "$LAB/a2.screen"
check "top: after resize the whole frame fits (its last line shows)" grep -q "^q or Ctrl-C quits" "$LAB/a2.screen"
tmx send-keys -t a q
check_eq "top: q exits 0" "$(wait_rc a)" rc=0
sleep 0.3
screen a >"$LAB/a3.screen"
check "top: q gives the terminal back" sh -c "grep -q '^shell back, rc 0' '$LAB/a3.screen' && ! grep -q '^scanguard top' '$LAB/a3.screen'"

start b 100 30
wait_screen b "^scanguard top" || fail "top: second session" "did not draw"
tmx send-keys -t b C-c
check_eq "top: Ctrl-C exits 0" "$(wait_rc b)" rc=0

# Ctrl-Z in an interactive shell gives the terminal back; fg takes it again.
tmx new-session -d -s c -x 100 -y 30 "env PS1='sh\$ ' bash --norc --noprofile -i"
tmx send-keys -t c "ip netns exec $NS_HOST $SCANGUARDCTL --pin-path $PIN top --interval 0.3" Enter
wait_screen c "^scanguard top" || fail "top: under a shell" "did not draw"
tmx send-keys -t c C-z
check "top: Ctrl-Z shows the shell again" wait_screen c '^\[1\]\+ +Stopped +ip netns exec'
check_eq "top: Ctrl-Z: the prompt is the last line" "$(screen c | grep . | tail -1)" 'sh$'
tmx send-keys -t c "fg" Enter
check "top: fg redraws" wait_screen c "^scanguard top"
tmx send-keys -t c q
sleep 0.5
check_eq "top: q after fg returns to the shell" "$(screen c | grep . | tail -1)" 'sh$'
check_eq "top: q after fg: the frame is gone" "$(screen c | grep -c '^scanguard top')" 0

# A terminal that cannot position the cursor gets plain frames.
tmx new-session -d -s d -x 100 -y 60 \
	"TERM=dumb ip netns exec $NS_HOST $SCANGUARDCTL --pin-path $PIN top --interval 0.2 --count 2; sleep 60"
sleep 1.5
check_eq "top: TERM=dumb prints frames one after another" "$(screen d | grep -c '^scanguard top')" 2

# Without a terminal: plain frames, then JSON lines.
out=$(in_host "$SCANGUARDCTL" --pin-path "$PIN" top --interval 0.2 --count 2)
check_eq "batch: two frames" "$(grep -c '^scanguard top' <<<"$out")" 2
check_eq "batch: no escape sequences" "$(grep -c $'\033' <<<"$out")" 0
out=$(in_host "$SCANGUARDCTL" --pin-path "$PIN" --json top --interval 0.2 --count 2)
check_eq "json: two lines" "$(wc -l <<<"$out")" 2
check_eq "json: blocked scanner and detection" \
	"$(tail -1 <<<"$out" | jq -c "[(.blocked[] | select(.source == \"$SCAN4\") | .detector), (.recent_detections[0] | .source, .active)]")" \
	"[\"$DET\",\"$SCAN4\",true]"
check_eq "json: tracked source" "$(tail -1 <<<"$out" | jq -c '.top_sources[] | select(.source == "198.18.0.7") | [.score, .ports]')" '[2,2]'

"$SCANGUARDCTL" --pin-path "$LAB/none" top --count 1 >/dev/null 2>&1
check_eq "no instance: exit 3" "$?" 3
"$SCANGUARDCTL" --pin-path "$PIN" top --interval 0 >/dev/null 2>&1
check_eq "bad --interval: exit 2" "$?" 2
kill $PING 2>/dev/null
lab_finish
