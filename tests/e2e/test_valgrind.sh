#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_valgrind.sh - the daemon under valgrind memcheck over a scan: started
# with metrics, it sees an nmap SYN scan and a UDP scan, serves /metrics,
# takes a SIGHUP reload and CLI changes (a short block the sweep expires),
# then stops on SIGTERM.  It must exit 0 with no memory error and nothing
# lost: valgrind's --error-exitcode turns any error or leak into exit 99.
# (tests/valgrind.supp holds the false positives of valgrind's bpf(2)
# wrapper, each explained.)
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL valgrind: lab setup"; exit 1; }
VGLOG=$LAB/valgrind.log
cat >"$LAB/vg-scanguardd" <<WRAP
#!/bin/sh
exec valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \\
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \\
	--suppressions=$SG_ROOT/tests/valgrind.supp -s --log-file=$VGLOG "$SCANGUARDD" "\$@"
WRAP
chmod +x "$LAB/vg-scanguardd"

: >"$EVENTS"
ip netns exec "$NS_HOST" "$LAB/vg-scanguardd" --config /dev/null --ephemeral --pin-path "$PIN" \
	-i "$IF_H0" -i "$IF_H1" --metrics 127.0.0.1:9101 --threshold 15 --score-threshold 0 \
	>>"$EVENTS" 2>>"$DAEMON_ERR" &
DAEMON_PID=$!
# Valgrind is slow to start a program: up to a minute.
for _ in $(seq 600); do
	grep -q '"event":"start"' "$EVENTS" && break
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	sleep 0.1
done
check "valgrind: the daemon starts under memcheck" grep -q '"event":"start"' "$EVENTS"

nmap_scan "$LAB/syn.xml" -sS -p 1-300 $HOST4
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/syn.xml")"
check_eq "valgrind: the syn scan is cut at the threshold" "$((open + closed)) $filtered" "15 285"
wait_for_event "\"source\":\"$SCAN4\"" 10
check_eq "valgrind: one event for it" "$(scan_events "\"source\":\"$SCAN4\"" | wc -l)" 1
in_scan timeout 60 nmap -n -Pn -sU --max-retries 0 -T5 -S $SCAN6 -6 -e "$IF_SCAN" -p 1-100 \
	$HOST6 >/dev/null 2>&1
wait_for_event '"family":"ipv6"' 10
check "valgrind: an ipv6 udp scan is detected" test -n "$(scan_events '"family":"ipv6"')"
check "valgrind: metrics served" sh -c \
	"ip netns exec $NS_HOST curl -sf http://127.0.0.1:9101/metrics | grep -q '^scanguard_detections_total 2'"
ctl block add 198.18.0.9 --ttl 1 >/dev/null
ctl allow add 198.18.0.8 >/dev/null
kill -HUP "$DAEMON_PID"
sleep 3
check "valgrind: the sweep expired the short block" \
	sh -c "! '$SCANGUARDCTL' --pin-path '$PIN' --json block list | jq -e '.[] | select(.source == \"198.18.0.9\")'"
check "valgrind: still running after all that" kill -0 "$DAEMON_PID"

kill -TERM "$DAEMON_PID"
# memcheck's leak search takes a while.
for _ in $(seq 600); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
check_eq "valgrind: SIGTERM exits 0 (99: memcheck found errors or leaks)" "$rc" 0
check "valgrind: no errors" grep -q "ERROR SUMMARY: 0 errors" "$VGLOG"
check "valgrind: nothing leaked" grep -q "All heap blocks were freed -- no leaks are possible" "$VGLOG"
grep -E "total heap usage|in use at exit|ERROR SUMMARY" "$VGLOG" >&2
grep -A3 "used_suppression" "$VGLOG" >&2
if [ "$T_FAIL" != 0 ]; then
	grep -E "^==[0-9]+== (Invalid|Conditional|Syscall|Use of|[0-9,]+ bytes)|definitely|ERROR SUMMARY" \
		"$VGLOG" | head -20 >&2
fi
lab_finish
