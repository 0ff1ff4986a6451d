#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_dashboard.sh - deploy/grafana/scanguard-dashboard.json is a valid
# dashboard model whose every query is valid PromQL (checked by promtool, as
# recording rules), names only metrics scanguardd exports, and lays its
# panels out without overlaps.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DASH=${SG_DASHBOARD:-$ROOT/deploy/grafana/scanguard-dashboard.json}
T_FAIL=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; T_FAIL=$((T_FAIL + 1)); }
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$*"; fi; }

check "dashboard: valid JSON" jq -e . "$DASH"
check "dashboard: panel ids unique" jq -e '[.panels[].id] | length == (unique | length)' "$DASH"
check "dashboard: every query uses the datasource variable" \
	jq -e '[.panels[] | select(.type != "row") | .targets[].datasource.uid] | all(. == "${datasource}")' "$DASH"
check "dashboard: every query filters by the instance variable" \
	jq -e '[.panels[] | select(.type != "row") | .targets[].expr] | all(test("\\$instance"))' "$DASH"
overlap=$(jq -r '[.panels[].gridPos] as $g | [range(0; $g | length) as $i | range($i + 1; $g | length) as $j
	| select($g[$i].x < $g[$j].x + $g[$j].w and $g[$j].x < $g[$i].x + $g[$i].w and
		 $g[$i].y < $g[$j].y + $g[$j].h and $g[$j].y < $g[$i].y + $g[$i].h) | "\($i),\($j)"] | join(" ")' "$DASH")
[ -z "$overlap" ] && pass "dashboard: panels do not overlap" || fail "dashboard: panels do not overlap" "$overlap"

# PromQL: Grafana's variables replaced by what they expand to.
rules=$(mktemp /tmp/scanguard-dash.XXXXXX.yml)
trap 'rm -f "$rules"' EXIT
{
	echo "groups:"
	echo "  - name: dashboard"
	echo "    rules:"
	jq -r '.panels[] | select(.type != "row") | .targets[].expr' "$DASH" |
		sed -e 's/\$__rate_interval/1m/g' -e 's/\$__range/1h/g' -e 's/\$instance/.*/g' |
		awk '{ gsub(/'"'"'/, "'"''"'"); printf "      - record: dashboard:query%d\n        expr: '"'"'%s'"'"'\n", NR, $0 }'
} >"$rules"
n=$(grep -c 'record:' "$rules")
if out=$("$ROOT/tests/tools/promtool.sh" check rules "$rules" 2>&1); then
	pass "dashboard: all $n queries are valid PromQL (promtool)"
else
	fail "dashboard: queries are valid PromQL" "$(tr '\n' ' ' <<<"$out")"
fi

# Every metric the dashboard names is one scanguardd exports.
exported=$(grep -o '"scanguard_[a-z_]*' "$ROOT/user/metrics.c" | tr -d '"' | sort -u)
missing=""
for m in $({ jq -r '.panels[] | select(.type != "row") | .targets[].expr' "$DASH"
	     jq -r '.templating.list[].definition // empty' "$DASH"; } |
	   grep -o 'scanguard_[a-z_]*' | sort -u); do
	grep -qx "$m" <<<"$exported" || missing="$missing $m"
done
[ -z "$missing" ] && pass "dashboard: names only exported metrics" ||
	fail "dashboard: names only exported metrics" "unknown:$missing"
[ "$T_FAIL" = 0 ]
