#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# run.sh - `make bench`: the test-run benchmark (scanguard-bench), the live
# veth test (live.sh), then results.json and results.png in one directory.
# Timing never fails it; a scenario that cannot be set up does.
#
#   bench/run.sh [--quick] [--out DIR] [--no-live] [scanguard-bench options...]
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SG_BUILD:-$ROOT/build}
OUT=$BUILD/bench
QUICK=
LIVE=1
ARGS=()
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=--quick; ARGS+=(--quick) ;;
	--out) OUT=${2:?--out needs a directory}; shift ;;
	--no-live) LIVE= ;;
	*) ARGS+=("$1") ;;
	esac
	shift
done
if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (BPF test runs, XDP, network namespaces): sudo make bench" >&2
	exit 1
fi
mkdir -p "$OUT" || exit 1
MICRO=$OUT/micro.json
LIVEJ=$OUT/live.json
rm -f "$MICRO" "$LIVEJ"

"$BUILD/bench/scanguard-bench" -o "$MICRO" "${ARGS[@]}" || exit 1
if [ -n "$LIVE" ]; then
	"$ROOT/bench/live.sh" "$LIVEJ" $QUICK || exit 1
	jq -s '.[0] + {live: .[1]}' "$MICRO" "$LIVEJ" >"$OUT/results.json.tmp" || exit 1
else
	jq '. + {live: null}' "$MICRO" >"$OUT/results.json.tmp" || exit 1
fi
mv "$OUT/results.json.tmp" "$OUT/results.json"
/usr/bin/python3 "$ROOT/bench/plot.py" "$OUT/results.json" "$OUT/results.png" || exit 1
echo "bench: wrote $OUT/results.json and $OUT/results.png"
