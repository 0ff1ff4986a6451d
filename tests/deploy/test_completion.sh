#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_completion.sh - the bash completion completes what the programs
# accept: commands, subcommands, config keys (read from --help), enum
# values, and scanguardd's long options.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T_FAIL=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; T_FAIL=$((T_FAIL + 1)); }

if [ ! -r /usr/share/bash-completion/bash_completion ]; then
	echo "FAIL completion: bash-completion is not installed (scripts/install-deps.sh)"
	exit 1
fi
# complete LINE: what completing the last word of LINE offers, one per line.
complete_line() {
	PATH="$ROOT/build:$PATH" bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"
		COMP_LINE=$2
		read -ra COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_POINT=${#COMP_LINE}
		fn=$(complete -p "${COMP_WORDS[0]}" | sed "s/.*-F \([^ ]*\).*/\1/")
		$fn "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$ROOT/deploy/bash-completion/scanguardctl" "$1"
}
expect() {	# name, line, expected words (sorted, space-separated)
	local got
	got=$(complete_line "$2" | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$3" ]; then pass "completion: $1"; else fail "completion: $1" "got '$got', want '$3'"; fi
}
expect_has() {	# name, line, one word that must be offered
	if complete_line "$2" | grep -qx -- "$3"; then pass "completion: $1"
	else fail "completion: $1" "'$3' not offered for '$2'"; fi
}

expect "commands" "scanguardctl " "allow audit block config detach expose help replay stats status top trap"
expect "command prefix" "scanguardctl st" "stats status"
expect "block subcommands" "scanguardctl block " "add del list"
expect "config subcommands" "scanguardctl --json config " "get set"
keys=$("$ROOT/build/scanguardctl" --help | awk '/^Config keys:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' | sort | tr '\n' ' ' | sed 's/ $//')
expect "config keys from --help" "scanguardctl config set " "$keys"
expect "mode values" "scanguardctl config set mode " "enforce monitor"
expect "options" "scanguardctl --j" "--json"
expect "replay options" "scanguardctl replay --lo" "--local"
expect_has "replay: config keys as options" "scanguardctl replay --score" "--score-threshold"
expect "replay: a config key's value is not a command" "scanguardctl replay --mode " "enforce monitor"
expect "audit options" "scanguardctl audit --exp" "--expect --expect-file"
expect "top options" "scanguardctl top --i" "--interval"
expect_has "daemon long options from --help" "scanguardd --met" "--metrics"
expect_has "daemon: every setting is offered" "scanguardd --score" "--score-threshold"
expect "daemon xdp modes" "scanguardd --xdp-mode " "auto generic native"
expect_has "daemon interfaces" "scanguardd -i " "default-route"
expect_has "daemon interfaces are the host's" "scanguardd -i l" "lo"
[ "$T_FAIL" = 0 ]
