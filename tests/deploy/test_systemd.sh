#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_systemd.sh - `make install` puts every piece in place; the unit
# passes `systemd-analyze verify` and its offline security review rates it
# OK; and the daemon really works with only the unit's capability bounding
# set (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON) and no new privileges, while
# each capability left out makes it fail with its reason.
source "$(dirname "$0")/../e2e/lib.sh"
ROOT=$SG_ROOT
DEST=$(mktemp -d /tmp/scanguard-install.XXXXXX)
trap 'rm -rf "$DEST"' EXIT

make -C "$ROOT" -s install DESTDIR="$DEST" PREFIX=/usr/local >/dev/null 2>"$DEST.err"
check_eq "install: make install succeeds" "$?" 0
rm -f "$DEST.err"
for f in usr/local/sbin/scanguardd usr/local/sbin/scanguardctl \
	 usr/local/share/man/man8/scanguardd.8 usr/local/share/man/man8/scanguardctl.8 \
	 usr/local/lib/systemd/system/scanguard.service \
	 usr/local/share/bash-completion/completions/scanguardctl \
	 usr/local/share/bash-completion/completions/scanguardd \
	 etc/logrotate.d/scanguard etc/scanguard/scanguard.conf; do
	check "install: $f" test -e "$DEST/$f"
done
UNIT=$DEST/usr/local/lib/systemd/system/scanguard.service
check "install: unit names the installed daemon" grep -q '^ExecStart=/usr/local/sbin/scanguardd$' "$UNIT"
echo 'threshold = 3;' >"$DEST/etc/scanguard/scanguard.conf"
make -C "$ROOT" -s install DESTDIR="$DEST" PREFIX=/usr/local >/dev/null 2>&1
check_eq "install: an existing configuration is kept" "$(cat "$DEST/etc/scanguard/scanguard.conf")" \
	'threshold = 3;'
check "install: the example configuration is valid" \
	"$DEST/usr/local/sbin/scanguardd" --check-config --config "$ROOT/deploy/scanguard.conf" -i lo
check "install: man pages render without warnings" sh -c \
	"groff -man -Tutf8 -ww -z '$ROOT/man/scanguardd.8' 2>&1 | grep -q . && exit 1; groff -man -Tutf8 -ww -z '$ROOT/man/scanguardctl.8' 2>&1 | grep -q . && exit 1; exit 0"

# The unit as systemd reads it, with paths into the staging directory.
sed "s|/usr/local/sbin|$DEST/usr/local/sbin|g" "$UNIT" >"$DEST/scanguard.service"
out=$(MANPATH="$DEST/usr/local/share/man" systemd-analyze verify "$DEST/scanguard.service" 2>&1)
[ -z "$out" ] && pass "systemd: unit verifies" || fail "systemd: unit verifies" "$out"
score=$(systemd-analyze security --offline=true "$DEST/scanguard.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for scanguard.service: \([0-9.]*\).*/\1/p')
check "systemd: exposure level $score is OK (below 3.0)" awk -v s="$score" 'BEGIN { exit !(s != "" && s < 3.0) }'

# The unit's capabilities, measured on the namespace lab.
lab_up || { echo "FAIL systemd: lab setup"; exit 1; }
for missing in bpf net_admin perfmon; do
	caps=$(tr ' ' '\n' <<<"+bpf +net_admin +perfmon" | grep -v "+$missing" | paste -sd,)
	out=$(timeout 10 ip netns exec "$NS_HOST" setpriv --no-new-privs --inh-caps=-all \
		--bounding-set="-all,$caps" "$SCANGUARDD" --config /dev/null --ephemeral \
		--pin-path "$PIN" -i "$IF_H0" 2>&1 >/dev/null)
	rc=$?
	check_eq "capabilities: without CAP_${missing^^} it fails (${out##*: })" "$rc" 1
done
ip netns exec "$NS_HOST" setpriv --no-new-privs --inh-caps=-all \
	--bounding-set=-all,+bpf,+net_admin,+perfmon "$SCANGUARDD" --config /dev/null --ephemeral \
	--pin-path "$PIN" -i "$IF_H0" --metrics 127.0.0.1:19701 >"$EVENTS" 2>"$DAEMON_ERR" &
DAEMON_PID=$!
for _ in $(seq 100); do grep -q '"event":"start"' "$EVENTS" && break; sleep 0.1; done
check "capabilities: starts with the unit's three" grep -q '"event":"start"' "$EVENTS"
check_eq "capabilities: its bounding set" \
	"$(grep CapBnd /proc/$DAEMON_PID/status | awk '{print $2}')" 000000c000001000
check "capabilities: attached" xdp_attached "$NS_HOST" "$IF_H0"
check "capabilities: manual block works" ctl block add 198.18.0.3
check "capabilities: scanner dropped" sh -c "! ip netns exec $NS_SCAN nc -z -w2 -s 198.18.0.3 $HOST4 80"
check_eq "capabilities: metrics served" \
	"$(in_host curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:19701/healthz)" 200
daemon_stop TERM
check_eq "capabilities: exits 0 and detaches" "$DAEMON_RC" 0
check "capabilities: detached" sh -c "! ip -n $NS_HOST -d link show dev $IF_H0 | grep -q prog/xdp"
lab_finish
