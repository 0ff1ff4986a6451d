#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# run.sh - one bounded libFuzzer session for tests/run.sh: replays the
# committed seed corpus, then fuzzes for a fixed time (FUZZ_SECONDS, default
# 20) from it, and reports PASS/FAIL lines.  New inputs go to a scratch
# directory (the committed corpus is never changed); a crashing input is
# kept under $BUILD/fuzz/artifacts/ with the command that replays it.
#   tests/fuzz/run.sh TARGET        TARGET: parse | cli | conffile
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
target=$1
secs=${FUZZ_SECONDS:-20}
bin=$BUILD/fuzz/fuzz_$target
seeds=tests/fuzz/corpus/$target
arts=$BUILD/fuzz/artifacts
name="fuzz $target"

if [ ! -x "$bin" ]; then
	echo "FAIL $name: $bin is not built (make fuzz)"
	exit 1
fi
nseeds=$(find "$seeds" -type f | wc -l)
if [ "$nseeds" = 0 ]; then
	echo "FAIL $name: no seeds in $seeds (make fuzz-corpus)"
	exit 1
fi
mkdir -p "$arts"
work=$(mktemp -d /tmp/scanguard-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
log=$work/log
# Leaks inside third-party libraries (libconfig) are not ours to fix.
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
opts=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$arts/$target-" -print_final_stats=1)

report_crash() {	# case-name
	local art
	art=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //')
	grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz_$target:)|runtime error" "$log" | head -5 >&2
	echo "FAIL $1: crash or failed property, input in ${art:-?} (replay: $bin ${art:-INPUT})"
}

# Every seed alone first: a seed that fails is a regression, not a find.
if "$bin" "${opts[@]}" -runs=0 "$seeds" >"$log" 2>&1; then
	echo "PASS $name: the $nseeds seeds run clean"
else
	report_crash "$name: seeds"
	exit 1
fi

mkdir "$work/new"
if "$bin" "${opts[@]}" -max_total_time="$secs" "$work/new" "$seeds" >"$log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	added=$(sed -n 's/^stat::new_units_added: *//p' "$log")
	echo "PASS $name: ${runs:-?} inputs in ${secs}s, $added new, no crash or failed property"
else
	report_crash "$name: ${secs}s run"
	exit 1
fi
