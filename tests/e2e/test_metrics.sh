#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_metrics.sh - the Prometheus endpoint reflects a real scan, passes
# promtool's format and naming checks, and /healthz turns 503 while an
# interface has lost its program (until the daemon attaches it again).
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL metrics: lab setup"; exit 1; }
M=127.0.0.1:19401
daemon_start_persistent --threshold 15 --score-threshold 0 --metrics $M || { echo "FAIL metrics: daemon start"; exit 1; }

scrape() { in_host curl -s -m5 "http://$M/metrics"; }
val() { awk -v m="$2" '$1 == m { print $2 }' <<<"$1"; }
PROMTOOL="$SG_ROOT/tests/tools/promtool.sh"

before=$(scrape)
check "metrics: served" test -n "$before"
code=$(in_host curl -s -o /dev/null -w '%{http_code}' "http://$M/healthz")
check_eq "metrics: healthy" "$code" 200
check_eq "metrics: unknown path is 404" \
	"$(in_host curl -s -o /dev/null -w '%{http_code}' "http://$M/nope")" 404
check_eq "metrics: POST refused" \
	"$(in_host curl -s -o /dev/null -w '%{http_code}' -X POST "http://$M/metrics")" 405
check_eq "metrics: content type" \
	"$(in_host curl -s -o /dev/null -w '%{content_type}' "http://$M/metrics")" \
	"text/plain; version=0.0.4; charset=utf-8"
if out=$("$PROMTOOL" check metrics <<<"$before" 2>&1); then
	pass "metrics: promtool check metrics (format and naming) is clean"
else
	fail "metrics: promtool check metrics" "$(tr '\n' ' ' <<<"$out")"
fi
check_eq "metrics: attach mode of $IF_H0" \
	"$(val "$before" "scanguard_interface_attached{interface=\"$IF_H0\",xdp_mode=\"native\",role=\"outside\"}")" 1
check_eq "metrics: nothing blocked yet" "$(val "$before" 'scanguard_blocked_sources{table="exact"}')" 0

nmap_scan "$LAB/syn.xml" -sS -p 1-300 $HOST4
wait_for_event "\"source\":\"$SCAN4\"" 5
after=$(scrape)
delta() { echo $(( $(val "$after" "$1") - $(val "$before" "$1") )); }
check_eq "metrics: one detection" "$(delta scanguard_detections_total)" 1
check_eq "metrics: one source blocked" "$(val "$after" 'scanguard_blocked_sources{table="exact"}')" 1
check_eq "metrics: map fill of sg_blocks" "$(val "$after" 'scanguard_map_entries{map="sg_blocks"}')" 1
check_eq "metrics: sg_blocks capacity" "$(val "$after" 'scanguard_map_capacity{map="sg_blocks"}')" 65536
check_eq "metrics: no tracking entry evicted" "$(val "$after" scanguard_tracked_sources_evicted_total)" 0
check_eq "metrics: no admission slot taken" "$(val "$after" scanguard_admission_slots_taken_total)" 0
check_eq "metrics: the probe over the threshold dropped" \
	"$(delta 'scanguard_packets_dropped_total{reason="over_threshold"}')" 1
drops=$(delta 'scanguard_packets_dropped_total{reason="blocked_source"}')
check "metrics: the rest of the scan dropped as blocked ($drops)" test "$drops" -ge 284
check "metrics: probes counted ($(delta scanguard_probes_total))" test "$(delta scanguard_probes_total)" -ge 16
check_eq "metrics: one event written" "$(delta scanguard_events_written_total)" 1
check_eq "metrics: no event dropped" \
	"$(val "$after" 'scanguard_events_dropped_total{reason="ring_buffer_full"}')" 0
stats_drops=$(ctl --json stats | jq -r .dropped_blocked)
check "metrics: agree with scanguardctl stats" \
	test "$(val "$(scrape)" 'scanguard_packets_dropped_total{reason="blocked_source"}')" -le "$stats_drops"
sum_passed=$(grep '^scanguard_packets_passed_total' <<<"$after" | awk '{s += $2} END {print s}')
sum_dropped=$(grep '^scanguard_packets_dropped_total' <<<"$after" | awk '{s += $2} END {print s}')
check_eq "metrics: passed + dropped = packets" $((sum_passed + sum_dropped)) \
	"$(val "$after" scanguard_packets_total)"

# An interface loses its program behind the daemon's back: the daemon
# attaches it again at once.
bpftool link detach pinned "$PIN/links/xdp_$(ip netns exec "$NS_HOST" cat /sys/class/net/$IF_H1/ifindex)"
for _ in $(seq 50); do grep -q "$IF_H1 is back" "$DAEMON_ERR" && break; sleep 0.1; done
check "metrics: detached link noticed" grep -q "$IF_H1 lost its program" "$DAEMON_ERR"
check "metrics: $IF_H1 attached again" xdp_attached "$NS_HOST" "$IF_H1"

# The interface disappears: /healthz says 503 until it exists again, and
# the daemon attaches to the new one.
health() { in_host curl -s -o /dev/null -w '%{http_code}' "http://$M/healthz"; }
ip -n "$NS_HOST" link del "$IF_H1"
for _ in $(seq 50); do [ "$(health)" = 503 ] && break; sleep 0.1; done
check_eq "metrics: /healthz 503 while $IF_H1 is gone" "$(health)" 503
check "metrics: /healthz says why" grep -q "attached to 1 of 2 interfaces" \
	<<<"$(in_host curl -s "http://$M/healthz")"
ip link add "$IF_CLI" netns "$NS_CLI" type veth peer name "$IF_H1" netns "$NS_HOST"
ip -n "$NS_HOST" link set "$IF_H1" up
ip -n "$NS_CLI" link set "$IF_CLI" up
for _ in $(seq 50); do [ "$(health)" = 200 ] && break; sleep 0.1; done
check_eq "metrics: /healthz 200 once $IF_H1 is back" "$(health)" 200
check "metrics: the new $IF_H1 runs the program" xdp_attached "$NS_HOST" "$IF_H1"
check_eq "metrics: attach mode of the new $IF_H1" \
	"$(val "$(scrape)" "scanguard_interface_attached{interface=\"$IF_H1\",xdp_mode=\"native\",role=\"outside\"}")" 1
lab_finish
