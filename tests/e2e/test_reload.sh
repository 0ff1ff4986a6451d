#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_reload.sh - the configuration file and SIGHUP: settings come from the
# file with flags overriding it; a reload applies changes (detection keys,
# allow-list, interfaces, metrics address) without losing tracking state or
# blocks; a bad file (syntax or value) is rejected with its line and reason
# and the running configuration stays; the events file is reopened for
# logrotate.
source "$(dirname "$0")/lib.sh"
lab_up || { echo "FAIL reload: lab setup"; exit 1; }

CONF=$LAB/scanguard.conf
EVFILE=$LAB/events-file.jsonl
M1=127.0.0.1:19301
M2=127.0.0.1:19302
cfg() { ctl config get "$1"; }
allow_config() { ctl --json allow list | jq -c '[.[] | select(.origin == "config") | .cidr] | sort'; }
metric() { in_host curl -s "http://$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
reloads() { cat "$EVFILE.1" "$EVFILE" 2>/dev/null | grep '"event":"reload"'; }
hup() {	# waits for the reload event that answers this SIGHUP
	local before
	before=$(reloads | wc -l)
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 50); do
		[ "$(reloads | wc -l)" -gt "$before" ] && break
		sleep 0.1
	done
	reloads | tail -1
}

cat >"$CONF" <<EOF
# scanguard test configuration
interface = [ "$IF_H0" ];
threshold = 10;
score-threshold = 0;  # count distinct ports only
window = "10m";   # overridden by --window on the command line
block-ttl = "15m";
allow = [ "198.18.0.7", "2001:db8:99::/48" ];
metrics = "$M1";
events-file = "$EVFILE";
EOF
in_host "$SCANGUARDD" --check-config --config "$CONF" >/dev/null
check_eq "reload: --check-config accepts the file" "$?" 0
: >"$EVENTS"
# daemon_start waits for the start event on stdout: here it goes to the file.
ip netns exec "$NS_HOST" "$SCANGUARDD" --ephemeral --pin-path "$PIN" --config "$CONF" \
	--window 120 >"$EVENTS" 2>"$DAEMON_ERR" &
DAEMON_PID=$!
for _ in $(seq 100); do grep -q '"event":"start"' "$EVFILE" 2>/dev/null && break; sleep 0.1; done
check "reload: started from the file" grep -q '"event":"start"' "$EVFILE"
check_eq "reload: nothing on stdout with an events file" "$(wc -c <"$EVENTS")" 0
check_eq "reload: threshold from the file" "$(cfg threshold)" 10
check_eq "reload: block-ttl from the file" "$(cfg block-ttl)" 900
check_eq "reload: flag overrides the file" "$(cfg window)" 120
check_eq "reload: allow-list from the file" "$(allow_config)" '["198.18.0.7","2001:db8:99::/48"]'
check_eq "reload: interfaces from the file" "$(ctl --json status | jq -c '[.interfaces[].name]')" "[\"$IF_H0\"]"
check_eq "reload: metrics served where the file says" "$(metric $M1 scanguard_config_threshold)" 10

# State that a reload must keep: a block and a partly counted source.
ctl block add 198.18.0.9 >/dev/null
for p in 1 2 3 4 5; do in_scan nc -z -w1 -s 198.18.0.4 $HOST4 $((1000 + p)) 2>/dev/null; done
tracked=$(ctl --json status | jq -r .tracked_sources)
check "reload: a source is being tracked" test "$tracked" -ge 1

# A good change.
sed -i -e 's/^threshold = 10;/threshold = 20;/' -e 's/"198.18.0.7"/"198.18.0.8"/' \
	-e "s/^interface = .*/interface = [ \"$IF_H0\", \"$IF_H1\" ];/" \
	-e "s/^metrics = .*/metrics = \"$M2\";/" "$CONF"
ev=$(hup)
check_eq "reload: applied" "$(jq -r .result <<<"$ev")" applied
check_eq "reload: new threshold" "$(cfg threshold)" 20
check_eq "reload: flag still overrides" "$(cfg window)" 120
check_eq "reload: allow-list follows the file" "$(allow_config)" '["198.18.0.8","2001:db8:99::/48"]'
check_eq "reload: new interface attached" "$(ctl --json status | jq -c '[.interfaces[].name] | sort')" \
	"[\"$IF_H0\",\"$IF_H1\"]"
check "reload: program on the new interface" xdp_attached "$NS_HOST" "$IF_H1"
check_eq "reload: metrics moved to the new address" "$(metric $M2 scanguard_config_threshold)" 20
check "reload: old metrics address closed" sh -c "! ip netns exec $NS_HOST curl -s -m2 http://$M1/metrics"
check_eq "reload: block kept" "$(ctl --json block list | jq -r '.[].source')" 198.18.0.9
check_eq "reload: tracking state kept" "$(ctl --json status | jq -r .tracked_sources)" "$tracked"

# A syntax error: rejected with its line; nothing changes.
cp "$CONF" "$LAB/good.conf"
sed -i 's/^threshold = 20;/threshold = 25;/' "$CONF"
printf 'mode = "monitor";\nwindow = = 5;\n' >>"$CONF"
line=$(grep -n '^window = =' "$CONF" | cut -d: -f1)
ev=$(hup)
check_eq "reload: syntax error rejected" "$(jq -r .result <<<"$ev")" rejected
check "reload: error names file and line $line ($(jq -r .error <<<"$ev"))" \
	grep -q "$CONF:$line:" <<<"$(jq -r .error <<<"$ev")"
check "reload: reason logged on stderr" grep -q "reload rejected: $CONF:$line:" "$DAEMON_ERR"
check_eq "reload: threshold unchanged after a bad file" "$(cfg threshold)" 20
check_eq "reload: allow-list unchanged after a bad file" "$(allow_config)" '["198.18.0.8","2001:db8:99::/48"]'
check_eq "reload: failure counted in metrics" "$(metric $M2 'scanguard_config_reloads_total{result="failure"}')" 1
check_eq "reload: last reload marked failed" "$(metric $M2 scanguard_config_last_reload_successful)" 0

# A bad value: rejected with its line and the key's reason.
cp "$LAB/good.conf" "$CONF"
sed -i 's/^block-ttl = "15m";/block-ttl = "45d";/' "$CONF"
line=$(grep -n '^block-ttl' "$CONF" | cut -d: -f1)
ev=$(hup)
check_eq "reload: bad value rejected" "$(jq -r .result <<<"$ev")" rejected
check "reload: bad value's line and reason" grep -q "$CONF:$line: block-ttl: '45d' is out of range" \
	<<<"$(jq -r .error <<<"$ev")"
check_eq "reload: block-ttl unchanged" "$(cfg block-ttl)" 900
# An unknown key, and an interface that does not exist.
cp "$LAB/good.conf" "$CONF"
echo 'treshold = 5;' >>"$CONF"
check "reload: unknown key rejected" grep -q "unknown setting 'treshold'" <<<"$(hup | jq -r .error)"
cp "$LAB/good.conf" "$CONF"
sed -i "s/^interface = .*/interface = [ \"$IF_H0\", \"nosuch0\" ];/" "$CONF"
check "reload: missing interface rejected" grep -q "no interface named 'nosuch0'" <<<"$(hup | jq -r .error)"
check "reload: still attached to $IF_H1" xdp_attached "$NS_HOST" "$IF_H1"

# The good file again, and logrotate's move-then-HUP.
cp "$LAB/good.conf" "$CONF"
mv "$EVFILE" "$EVFILE.1"
ev=$(hup)
check_eq "reload: good file applied again" "$(jq -r .result <<<"$ev")" applied
check "reload: events file reopened at its path" test -s "$EVFILE"
check_eq "reload: success counted" "$(metric $M2 'scanguard_config_reloads_total{result="success"}')" 2
in_scan timeout 60 nmap -n -Pn --max-retries 0 -T5 -S 198.18.0.6 -e "$IF_SCAN" -sS -p 1-40 \
	$HOST4 >/dev/null 2>&1
for _ in $(seq 30); do grep -q '"source":"198.18.0.6"' "$EVFILE" && break; sleep 0.1; done
check "reload: new events go to the reopened file" grep -q '"source":"198.18.0.6"' "$EVFILE"
check "reload: not to the rotated one" sh -c "! grep -q '198.18.0.6' '$EVFILE.1'"
check_eq "reload: the scan was judged by the reloaded threshold" \
	"$(grep '"source":"198.18.0.6"' "$EVFILE" | jq -r .evidence.threshold)" 20

# Bad input at start: exit 2, with the line, and nothing attached.
printf 'interface = [ "%s" ];\nthreshold = "many";\n' "$IF_H0" >"$LAB/bad.conf"
ip netns exec "$NS_HOST" "$SCANGUARDD" --config "$LAB/bad.conf" --pin-path "$LAB/bpf/other" \
	2>"$LAB/bad.err" >/dev/null
check_eq "reload: bad file at start exits 2" "$?" 2
check "reload: start error names the line" grep -q "bad.conf:2: threshold: 'many' is not a whole number" "$LAB/bad.err"
"$SCANGUARDD" --config "$LAB/nosuch.conf" --check-config -i lo 2>/dev/null
check_eq "reload: a missing --config file is an error" "$?" 2

daemon_stop TERM
check_eq "reload: SIGTERM exits 0" "$DAEMON_RC" 0
lab_finish
