#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_cli_errors.sh - invalid input to scanguardctl: a clear message on
# stderr, the documented exit status (2 invalid input, 1 refused, 3 no
# instance), a {"error": ...} object with --json, and nothing changed on the
# running instance.  Invalid input is reported as such even with no instance.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL cli_errors: lab setup"; exit 1; }
daemon_start --allow 198.18.0.4 || { echo "FAIL cli_errors: daemon start"; exit 1; }
ctl block add 198.18.0.9 >/dev/null && ctl block add 2001:db8::8/125 >/dev/null &&
	ctl trap add udp/5353 >/dev/null || { echo "FAIL cli_errors: setup"; exit 1; }

# Everything a command could change, in a stable form.
snapshot() {
	ctl --json config get &&
	ctl --json allow list | jq -c 'sort_by(.cidr)' &&
	ctl --json block list | jq -c 'map(del(.expires_in)) | sort_by(.source)' &&
	ctl --json trap list && ctl --json expose list &&
	ctl --json status | jq -c 'del(.tracked_sources)'
}
before=$(snapshot) || { echo "FAIL cli_errors: snapshot"; exit 1; }
NOPIN=$LAB/bpf/nothere
TARGET=$PIN	# the pin path the commands under test are given

# expect NAME CODE ARGS...: runs the command with and without --json.
expect() {
	local name=$1 code=$2 rc out err; shift 2

	"$SCANGUARDCTL" --pin-path "$TARGET" --json "$@" >"$LAB/out" 2>"$LAB/err"
	rc=$?
	out=$(cat "$LAB/out"); err=$(cat "$LAB/err")
	if [ "$rc" != "$code" ]; then
		fail "$name" "exit status $rc, want $code (stderr: $err)"; return
	fi
	if ! jq -e '(keys == ["error"]) and (.error | type == "string" and length > 0)' \
		<<<"$out" >/dev/null 2>&1 || [ "$(jq -s length <<<"$out")" != 1 ]; then
		fail "$name" "--json output is not one {\"error\": ...} object: $out"; return
	fi
	if ! grep -q '^scanguardctl: ' <<<"$err"; then
		fail "$name" "no message on stderr: $err"; return
	fi
	"$SCANGUARDCTL" --pin-path "$TARGET" "$@" >"$LAB/out" 2>"$LAB/err"
	rc=$?
	if [ "$rc" != "$code" ] || [ -s "$LAB/out" ] || ! grep -q '^scanguardctl: ' "$LAB/err"; then
		fail "$name" "without --json: exit $rc, stdout '$(cat "$LAB/out")'"; return
	fi
	if [ "$(snapshot)" != "$before" ]; then
		fail "$name" "the instance changed"; before=$(snapshot); return
	fi
	pass "$name"
}

# Invalid input: exit 2.
expect "bad address"                 2 block add 198.18.0.300
expect "bad prefix length"           2 block add 198.18.0.0/33
expect "ipv4 host bits set"          2 block add 198.18.0.1/24
expect "ipv6 host bits set"          2 block add 2001:db8::1/64
expect "allow: bad address"          2 allow add not-an-address
expect "allow: host bits set"        2 allow add 198.18.0.4/24
expect "unknown config key"          2 config set nosuch 1
expect "config get unknown key"      2 config get nosuch
expect "threshold 0"                 2 config set threshold 0
expect "threshold too large"         2 config set threshold 100000
expect "threshold not a number"      2 config set threshold 5x
expect "window 0"                    2 config set window 0
expect "window over a day"           2 config set window 2d
expect "window bad unit"             2 config set window 5w
expect "block-ttl over 30 days"      2 config set block-ttl 31d
expect "mode unknown"                2 config set mode block
expect "ipv6-prefix too short"       2 config set ipv6-prefix 8
expect "ipv6-prefix too long"        2 config set ipv6-prefix 129
expect "score-threshold too large"   2 config set score-threshold 65
expect "protect unknown"             2 config set protect router
expect "socket-lookup unknown"       2 config set socket-lookup fast
expect "slow-window under a minute"  2 config set slow-window 30
expect "net-prefix4 too short"       2 config set net-prefix4 4
expect "trap: port 0"                2 trap add tcp/0
expect "trap: not tcp or udp"        2 trap add icmp
expect "trap: bad protocol"          2 trap add gre/5
expect "trap: no port"               2 trap add tcp
expect "expose: bad prefix"          2 expose add tcp/80@198.18.2.0/33
expect "expose: no address"          2 expose add tcp/80
expect "expose: bad port"            2 expose add tcp/70000@198.18.2.0/24
expect "config set without value"    2 config set threshold
expect "config unknown subcommand"   2 config put threshold 5
expect "unknown command"             2 frobnicate
expect "ambiguous command"           2 s
expect "block unknown subcommand"    2 block zap 198.18.0.5
expect "block add --ttl 0"           2 block add 198.18.0.5 --ttl 0
expect "block add --ttl not a time"  2 block add 198.18.0.5 --ttl soon
expect "block add --ttl over 30 days" 2 block add 198.18.0.5 --ttl 31d
expect "--ttl on block list"         2 block list --ttl 5
expect "--ttl on another command"    2 status --ttl 5
expect "status with an argument"     2 status now
expect "block add without address"   2 block add
expect "no command"                  2
expect "unknown option"              2 --bogus status
expect "negative number as a value"  2 config set threshold -1
expect "option without its value"    2 block add 198.18.0.5 --ttl
expect "negative number after --"    2 config set threshold -- -1

# Refused: exit 1.
expect "block this host's address"   1 block add $HOST4
expect "block a range with this host" 1 block add 198.18.0.0/24
expect "block an allowed address"    1 block add 198.18.0.4
expect "block del of a non-block"    1 block del 198.18.0.77
expect "allow del of a non-entry"    1 allow del 198.18.0.77
expect "allow del of this host"      1 allow del $HOST4
expect "expose del of a non-entry"   1 expose del tcp/80@198.18.2.0/24
expect "detach while the daemon runs" 1 detach
expect "detach with an argument"     2 detach now

# No instance: exit 3, but invalid input is still exit 2.
TARGET=$NOPIN
expect "no instance: status"         3 status
expect "no instance: block add"      3 block add 198.18.0.5
expect "no instance: config get"     3 config get
expect "no instance: detach"         3 detach
expect "no instance: invalid input first" 2 config set threshold 0
check "no instance: nothing created at the pin path" test ! -e "$NOPIN"
check_eq "the instance is unchanged after every error" "$(snapshot)" "$before"
lab_finish
