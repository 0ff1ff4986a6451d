#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# demo.sh - `sudo make demo`: a throwaway namespace lab (tests/e2e/lib.sh),
# scanguardd on the protected host, a real nmap scan that gets detected and
# blocked, and a benign client that keeps working.  Everything is torn down
# at the end, also on Ctrl-C.  Takes well under a minute.
set -u
if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (XDP, BPF and network namespaces): sudo make demo" >&2
	exit 1
fi
source "$(dirname "$0")/../tests/e2e/lib.sh"
[ -x "$SCANGUARDD" ] && [ -x "$SCANGUARDCTL" ] || {
	echo "demo: build first: make" >&2
	exit 1
}

if [ -t 1 ]; then B=$'\e[1m'; G=$'\e[32m'; R=$'\e[31m'; N=$'\e[0m'; else B= G= R= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
say()  { printf '   %s\n' "$*"; }
indent() { sed 's/^/   /'; }
good() { printf '   %s%s%s\n' "$G" "$*" "$N"; }
bad()  { printf '   %s%s%s\n' "$R" "$*" "$N"; }

step "Building a throwaway lab of three network namespaces"
lab_up || { bad "lab setup failed"; exit 1; }
cat <<EOF
   scanner  $NS_SCAN  $SCAN4 (and 2001:db8::2)
      |     veth
   host     $NS_HOST  $HOST4 on $IF_H0, $HOST4B on $IF_H1
            services: tcp 22, 80, 443, 8080 and udp 53
      |     veth
   client   $NS_CLI   $CLI4 (a benign user of the services)
EOF

step "Starting scanguardd on both host interfaces (default settings)"
say "scanguardd -i $IF_H0 -i $IF_H1 --pin-path $PIN"
daemon_start || { bad "scanguardd did not start"; exit 1; }
grep '"event":"start"' "$EVENTS" | jq -c . | indent
SCORE=$(ctl --json config get score-threshold)
say "Each probe of a closed port is a failure, each connection to an open one a success."
say "The probe that brings a source's failure score to $SCORE is dropped and blocks it."

step "The benign client uses the services while the scan runs"
(
	in_cli python3 "$SG_ROOT/tests/e2e/client.py" --rounds 30 $HOST4B $HOST6B >"$LAB/client.out"
) &
client=$!

step "The scanner runs nmap -sS against 200 ports of the host"
in_scan timeout 90 nmap -n -Pn -sS --max-retries 1 --host-timeout 60s --initial-rtt-timeout 50ms \
	--max-rtt-timeout 100ms -T4 -p 1-200 -oX "$LAB/demo.xml" $HOST4 2>&1 |
	grep -E '^(Not shown|PORT|[0-9]+/tcp|Nmap done)' | indent
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/demo.xml")"
say "nmap saw $open open and $closed closed ports; $filtered went unanswered (filtered)."

step "The detection event (one JSON line on scanguardd's stdout)"
wait_for_event '"source"' 5
ev=$(scan_events | head -1)
jq . <<<"$ev" | indent
fails=$(jq -r .evidence.count <<<"$ev")
if [ "$(jq -r '[.detector, .action, .evidence.score] | join(" ")' <<<"$ev")" = \
     "failure_score blocked $SCORE" ] && [ "$closed" = $((fails - 1)) ]; then
	good "Failed probe number $fails brought the failure score to $SCORE: it was dropped and"
	good "the scanner blocked.  Only its first $((fails - 1)) failures got an answer."
	if [ "$open" = 1 ]; then
		say "(The open port it found first had offset one failure.)"
	elif [ "$open" -gt 1 ]; then
		say "(The $open open ports it found first had offset $open failures.)"
	fi
else
	bad "Expected a block at failure score $SCORE after $((fails - 1)) answered failures."
fi

step "scanguardctl block list"
ctl block list | indent

step "Everything from the scanner is dropped now, even to an open port"
if in_scan nc -z -w2 -s $SCAN4 $HOST4 80; then
	bad "the scanner still reaches tcp/80"
else
	good "nc $HOST4 80 from $SCAN4: no answer"
fi

step "The benign client"
wait "$client"
read -r _ ok _ failed <"$LAB/client.out"
if [ "$failed" = 0 ]; then
	good "$ok of $ok requests to tcp 22/80/443/8080 and udp 53 (IPv4 and IPv6) answered"
else
	bad "$failed of $((ok + failed)) requests failed"
fi
if not_blocked $CLI4; then good "$CLI4 is not blocked"; else bad "$CLI4 is blocked"; fi

step "scanguardctl stats"
ctl stats | grep -E '^(packets|probes|detections|dropped_blocked|dropped_over_threshold) ' | indent

step "Stopping scanguardd (SIGTERM): the lab's daemon is --ephemeral, so it detaches and unpins"
daemon_stop TERM
if [ "$DAEMON_RC" = 0 ] && ! xdp_attached "$NS_HOST" "$IF_H0" && [ ! -e "$PIN" ]; then
	good "exit status 0, no XDP program left on $IF_H0/$IF_H1, nothing pinned"
else
	bad "exit status $DAEMON_RC"
fi
step "Tearing the lab down"
