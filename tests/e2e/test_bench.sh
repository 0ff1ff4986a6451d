#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_bench.sh - a smoke run of the benchmark (`bench/run.sh --quick`): it
# runs to the end and writes a valid results.json with every scenario, the
# scaling series, the map memory and the live test, and the plot.  Timing is
# never checked: the benchmark measures, CI only checks that it can.
source "$(dirname "$0")/lib.sh"
OUT=$(mktemp -d /tmp/sg-bench-smoke.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
R=$OUT/results.json

if "$SG_ROOT/bench/run.sh" --quick --out "$OUT" >"$OUT/log" 2>&1; then
	pass "bench: quick run completes"
else
	fail "bench: quick run completes" "exit status $?; last lines: $(tail -n 5 "$OUT/log" | tr '\n' ' ')"
	exit 1
fi
check "bench: results.json is valid JSON" jq -e . "$R"

# Every scenario in both families, with the three medians and their spread.
for s in s1_benign s2_benign_blocks s3_blocked s4_tracked s5_new_source s6_flood; do
	for fam in 4 6; do
		check "bench: $s IPv$fam measured" jq -e --arg n "${s}_v$fam" '
			.config.runs as $runs | .scenarios[] | select(.name == $n)
			| (.ns_per_packet > 0 and .empty_xdp_ns > 0 and .xdp_filter_ns > 0)
			  and ([.spread[] | .runs == $runs and .min <= .median and .median <= .max]
			       | all)
			  and (.target.met | type == "boolean")' "$R"
	done
done
check_eq "bench: 12 scenarios" "$(jq '.scenarios | length' "$R")" 12
# The frames took the paths the scenarios name.
check_eq "bench: benign frames pass scanguard" \
	"$(jq -c '[.scenarios[] | select(.scenario <= 2) | .verdict.scanguard] | unique' "$R")" '["pass"]'
check_eq "bench: blocked source dropped by scanguard" \
	"$(jq -c '[.scenarios[] | select(.scenario == 3) | .verdict.scanguard] | unique' "$R")" '["drop"]'
check_eq "bench: xdp-filter's deny policy drops the probes" \
	"$(jq -c '[.scenarios[] | select(.scenario >= 3) | .verdict.xdp_filter] | unique' "$R")" '["drop"]'
check_eq "bench: harness used for scenarios 5 and 6" \
	"$(jq -c '[.scenarios[] | select(.scenario >= 5) | .timing] | unique' "$R")" '["harness"]'

check_eq "bench: scaling by tracked sources" \
	"$(jq -c '[.scaling[] | select(.series == "tracked_sources") | "\(.scenario):\(.x)"]' "$R")" \
	'["4:1000","5:1000","4:100000","5:100000","4:1000000","5:1000000"]'
check_eq "bench: scaling by allow-list size" \
	"$(jq -c '[.scaling[] | select(.series == "allow_cidrs" and .scenario == 2) | .x]' "$R")" \
	'[1,1,100,100,10000,10000]'
check_eq "bench: no-cliff checks for scenarios 4 and 5" \
	"$(jq -c '[.scaling_targets[] | .scenario]' "$R")" '[4,5]'
check "bench: no-cliff checks give the memory read's share" jq -e '
	[.scaling_targets[] | has("memory_read_ns") and has("ratio_one_read")] | all' "$R"
check_eq "bench: per-source structures timed bare" \
	"$(jq -c '[.structures[] | select(.ns_per_hit != null) | "\(.structure):\(.sources)"]' "$R")" \
	'["lru_hash:1000","slot_array:1000","memory_chase:1000","lru_hash:100000","slot_array:100000","memory_chase:100000","lru_hash:1000000","slot_array:1000000","memory_chase:1000000"]'
check "bench: memory of every map, empty and full" jq -e '
	[.memory.maps[] | select(.config == "default-empty") | .map] as $empty
	| [.memory.maps[] | select(.config == "default-full") | .map] as $full
	| ($empty | length) >= 9 and $empty == $full
	  and ([.memory.maps[] | select(.map == "sg_track") | .bytes > 0] | all)
	  and .memory.bytes_per_tracked_source > 0' "$R"

# Every phase ran and reported; the values are the host's business (a flood
# on a loaded host may starve a 1 s stream), except with no flood at all.
for cfg in idle none xdp_pass scanguard nftables; do
	check "bench: live $cfg measured" jq -e --arg c $cfg '
		[.live.runs[] | select(.config == $c and (.phase == "stream" or .phase == "rr"))] as $r
		| ($r | length) == 2 * .live.rounds
		  and ($r | all(.result.error == null and .result.connect_ms >= 0))
		  and .live.configs[$c].goodput_mbit_s >= 0 and .live.configs[$c].rr_p50_us > 0' "$R"
done
check "bench: live idle moves data" jq -e '.live.configs.idle.goodput_mbit_s > 0' "$R"
check "bench: live filters dropped the flood" jq -e \
	'.live.configs.scanguard.filter_dropped > 0 and .live.configs.nftables.filter_dropped > 0' "$R"
check "bench: plot written" sh -c "head -c 8 '$OUT/results.png' | od -An -c | grep -q 'P   N   G'"
lab_finish
