#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_docs.sh - the man pages keep up with the programs: every option of
# `scanguardd --help` is in scanguardd(8), every command and option of
# `scanguardctl --help` in scanguardctl(8), and both render without warnings.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T_FAIL=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; T_FAIL=$((T_FAIL + 1)); }
# The text a man page shows, for searching.
rendered() { MANWIDTH=200 man -l "$1" 2>/dev/null | col -b; }

for prog in scanguardd scanguardctl; do
	page="$ROOT/man/$prog.8"
	text=$(rendered "$page")
	missing=""
	for opt in $("$ROOT/build/$prog" --help | grep -oE -- '--[a-z0-9-]+' | sort -u); do
		grep -q -- "$opt" <<<"$text" || missing="$missing $opt"
	done
	if [ "$prog" = scanguardctl ]; then
		for cmd in $("$ROOT/build/$prog" --help | sed -n '/^Commands/,/^Config/p' |
			     awk '/^  [a-z]/ {print $1}' | sort -u); do
			grep -qE "^ +$cmd( |$)" <<<"$text" || missing="$missing $cmd"
		done
	fi
	[ -z "$missing" ] && pass "docs: $prog(8) covers its --help" ||
		fail "docs: $prog(8) covers its --help" "missing:$missing"
	warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	[ -z "$warn" ] && pass "docs: $prog(8) renders cleanly" || fail "docs: $prog(8) renders cleanly" "$warn"
done
[ "$T_FAIL" = 0 ]
