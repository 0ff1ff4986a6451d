#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# run.sh - runs every test suite (unit binaries, then end-to-end scripts),
# counts their "PASS name" / "FAIL name: why" lines and ends with the line
# "N passed, N failed".  A suite that exits non-zero without reporting a
# failure counts as one failure, so a crash can never look green.
#   tests/run.sh [SUITE-PATTERN]    e.g. tests/run.sh e2e_cli
# Environment: BUILD (unit binaries, default build), SG_BUILD (daemon and CLI
# for the e2e suites), SUITES_SKIP (a regex of suite names not to run).
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
PATTERN=${1:-}
LOGDIR=$(mktemp -d /tmp/scanguard-tests.XXXXXX)
pass=0
fail=0

if [ "$(id -u)" != 0 ]; then
	echo "tests need root (BPF, XDP and network namespaces): sudo make test" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

run_suite() {	# name, command...
	local name=$1; shift
	local out="$LOGDIR/$name.out" err="$LOGDIR/$name.err" rc p f
	[ -n "$PATTERN" ] && [[ "$name" != *$PATTERN* ]] && return
	[ -n "${SUITES_SKIP:-}" ] && [[ "$name" =~ $SUITES_SKIP ]] && return
	echo "== $name"
	"$@" >"$out" 2>"$err"
	rc=$?
	grep -E '^(PASS|FAIL) ' "$out"
	p=$(grep -c '^PASS ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name: exited with status $rc"
		f=1
	fi
	if [ "$f" != 0 ] || [ "$rc" != 0 ]; then
		echo "-- $name stderr (last 30 lines):"
		tail -n 30 "$err" | sed 's/^/   /'
	fi
	pass=$((pass + p))
	fail=$((fail + f))
}

run_suite unit_addr "$BUILD/tests/test_addr"
run_suite unit_conffile "$BUILD/tests/test_conffile"
run_suite unit_budget unshare -n "$BUILD/tests/test_budget"
# Own network namespace: socket lookups then see only the test's sockets.
run_suite unit_xdp unshare -n "$BUILD/tests/test_xdp"
run_suite unit_detect unshare -n "$BUILD/tests/test_detect"
# The README's detection table: every scenario's outcome as stated there.
run_suite unit_detect_report unshare -n "$BUILD/tests/detect_report" --check
# The userspace model against the program, frame by frame (seed in the names).
run_suite unit_equiv unshare -n "$BUILD/tests/test_equiv"
# Full tables: ring buffer, exact and CIDR blocks.
run_suite unit_faults unshare -n "$BUILD/tests/test_faults"
# State exhaustion: floods of spoofed sources (numbers for SECURITY.md on stderr).
run_suite unit_flood unshare -n "$BUILD/tests/test_flood"
# 10^7 random and mutated frames, every drop explained (RANDOM_FRAMES=N for fewer).
run_suite unit_random unshare -n "$BUILD/tests/test_random" "${RANDOM_FRAMES:-10000000}"
# Bounded libFuzzer sessions (FUZZ_SECONDS each, default 20).
run_suite fuzz_parse tests/fuzz/run.sh parse
run_suite fuzz_cli tests/fuzz/run.sh cli
run_suite fuzz_conffile tests/fuzz/run.sh conffile
for t in tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .sh)
	run_suite "e2e_${n#test_}" bash "$t"
done
for t in tests/deploy/test_*.sh; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .sh)
	run_suite "deploy_${n#test_}" bash "$t"
done
# About 2 minutes on a new machine (base image, image build), 30 s after.
run_suite container bash tests/container/test_container.sh

rm -rf "$LOGDIR"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
