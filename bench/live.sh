#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# live.sh - the live part of the benchmark: a benign client's goodput and
# latency to a server across a veth pair while a bounded SYN flood comes from
# a blocked source, in five configurations, rounds interleaved:
#   idle       no flood, no filter: the reference
#   none       the flood, no filter
#   xdp_pass   the flood, an empty XDP program attached natively: what native
#              XDP on a veth costs by itself (it copies every frame)
#   scanguard  the flood, scanguardd (native XDP) with the source blocked
#   nftables   the flood, the rule set a user would write instead (a
#              per-source set with timeouts), the source in the set
#
#   bench/live.sh OUT.json [--quick]
#
# Topology (unique names per run, torn down on exit):
#   $NS_CLI  ${P}c 198.18.0.2/24  benign client (sg-peer) + flood (sg-flood)
#      | veth
#   $NS_SRV  ${P}s 198.18.0.1/24  server (sg-peer), XDP / nftables here
# The flood's source 198.18.0.66 has a static neighbour entry on the server
# pointing nowhere, so the server's SYN-ACKs leave without ARP and are lost,
# as they are for a spoofed flood.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SG_BUILD:-$ROOT/build}
OUT=${1:?usage: live.sh OUT.json [--quick]}
QUICK=${2:-}

PHASE_S=3		# seconds per measurement phase
ROUNDS=3
FLOOD_PPS=${FLOOD_PPS:-200000}	# the offered load: the same in every configuration
if [ "$QUICK" = --quick ]; then PHASE_S=1; ROUNDS=1; fi

P=sgb$$
P=${P:0:8}
NS_SRV=$P-srv
NS_CLI=$P-cli
IF_S=${P}s
IF_C=${P}c
SRV4=198.18.0.1
CLI4=198.18.0.2
FLOOD4=198.18.0.66
PORT=8080
CPU=$(( $(nproc) - 1 ))
LAB=/run/$P
PIN=$LAB/bpf/sg
DAEMON_PID=
SERVER_PID=

in_srv() { ip netns exec "$NS_SRV" "$@"; }
in_cli() { ip netns exec "$NS_CLI" "$@"; }
log() { echo "live: $*" >&2; }

teardown() {
	set +e
	[ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && \
		timeout 10 tail --pid="$DAEMON_PID" -f /dev/null 2>/dev/null
	[ -e "$PIN" ] && "$BUILD/scanguardd" --detach --pin-path "$PIN" >/dev/null 2>&1
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	for ns in "$NS_SRV" "$NS_CLI"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	mountpoint -q "$LAB/bpf" && umount "$LAB/bpf"
	rm -rf "$LAB"
}
trap teardown EXIT
trap 'exit 130' INT TERM

for t in nft ethtool jq; do
	command -v $t >/dev/null || { log "needs $t (scripts/install-deps.sh)"; exit 1; }
done
for b in sg-flood sg-peer empty.bpf.o; do
	[ -e "$BUILD/bench/$b" ] || { log "build $BUILD/bench/$b first (make bench-build)"; exit 1; }
done

setup() {
	mkdir -p "$LAB/bpf" && mount -t bpf bpf "$LAB/bpf" || return 1
	ip netns add "$NS_SRV" && ip netns add "$NS_CLI" || return 1
	ip link add "$IF_C" netns "$NS_CLI" type veth peer name "$IF_S" netns "$NS_SRV" || return 1
	ip -n "$NS_SRV" addr add $SRV4/24 dev "$IF_S"
	ip -n "$NS_CLI" addr add $CLI4/24 dev "$IF_C"
	for x in "$NS_SRV:$IF_S" "$NS_CLI:$IF_C"; do
		ip -n "${x%%:*}" link set "${x#*:}" up
		ip -n "${x%%:*}" link set lo up
	done
	# NAPI (GRO) on the server's veth in every configuration: native XDP
	# turns it on anyway, so only the program differs between them.
	in_srv ethtool -K "$IF_S" gro on >/dev/null || return 1
	# Native XDP on a veth turns segmentation offload off on its peer (frames
	# must fit a page); off in every configuration, so all of them carry
	# MTU-sized segments, as a physical link does.
	in_cli ethtool -K "$IF_C" tso off gso off >/dev/null || return 1
	in_srv ip neigh replace $FLOOD4 lladdr 02:00:00:00:06:06 dev "$IF_S" nud permanent
	SRV_MAC=$(ip -n "$NS_SRV" -j link show dev "$IF_S" | jq -r '.[0].address')
	# The server outlives every phase; bounded all the same.
	local total=$(( (PHASE_S + 3) * 2 * 5 * ROUNDS + 60 ))
	ip netns exec "$NS_SRV" "$BUILD/bench/sg-peer" server $PORT $total >"$LAB/server.out" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 50); do
		grep -q listening "$LAB/server.out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

nft_rules() {
	cat <<'NFT'
table inet sgbench {
	set blocked4 { type ipv4_addr; flags timeout; timeout 10m; size 65536; }
	set blocked6 { type ipv6_addr; flags timeout; timeout 10m; size 65536; }
	set probes4 { type ipv4_addr; flags dynamic, timeout; timeout 5m; size 131072; }
	set probes6 { type ipv6_addr; flags dynamic, timeout; timeout 5m; size 131072; }
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		ip saddr @blocked4 counter drop
		ip6 saddr @blocked6 counter drop
		tcp flags & (fin | syn | rst | ack) == syn add @probes4 { ip saddr limit rate over 15/minute } add @blocked4 { ip saddr } counter drop
		tcp flags & (fin | syn | rst | ack) == syn add @probes6 { ip6 saddr limit rate over 15/minute } add @blocked6 { ip6 saddr } counter drop
	}
}
NFT
}

# enable CONFIG / disable CONFIG: put the configuration's filter in place.
enable() {
	case $1 in
	xdp_pass)
		in_srv ip link set dev "$IF_S" xdpdrv obj "$BUILD/bench/empty.bpf.o" sec xdp ;;
	scanguard)
		: >"$LAB/events"
		# Ephemeral: its exit detaches, so the next configuration starts
		# clean; no configuration file but its defaults.
		ip netns exec "$NS_SRV" "$BUILD/scanguardd" --config /dev/null --ephemeral \
			--pin-path "$PIN" -i "$IF_S" --xdp-mode native \
			>"$LAB/events" 2>"$LAB/daemon.err" &
		DAEMON_PID=$!
		for _ in $(seq 100); do
			grep -q '"event":"start"' "$LAB/events" 2>/dev/null && break
			sleep 0.1
		done
		grep -q '"event":"start"' "$LAB/events" || { cat "$LAB/daemon.err" >&2; return 1; }
		"$BUILD/scanguardctl" --pin-path "$PIN" block add $FLOOD4 --ttl 600 >/dev/null
		;;
	nftables)
		nft_rules | in_srv nft -f - || return 1
		in_srv nft add element inet sgbench blocked4 "{ $FLOOD4 timeout 10m }"
		;;
	esac
}

# The count of flood frames the filter dropped.
dropped() {
	case $1 in
	scanguard)
		"$BUILD/scanguardctl" --pin-path "$PIN" --json stats | jq '.dropped_blocked // 0' ;;
	nftables)
		in_srv nft -j list chain inet sgbench prerouting |
			jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets][0]' ;;
	*)	echo 0 ;;
	esac
}

disable() {
	case $1 in
	xdp_pass)
		in_srv ip link set dev "$IF_S" xdpdrv off ;;
	scanguard)
		kill -TERM "$DAEMON_PID"
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
		;;
	nftables)
		in_srv nft delete table inet sgbench ;;
	esac
}

# absorb CONFIG: the flood alone, as fast as one CPU can send it.  On a veth
# the receiving side runs in the sender's softirq on the same CPU, so the rate
# reached measures what each dropped (or delivered) frame costs the host.
absorb() {
	local cfg=$1 flood
	flood=$(in_cli taskset -c "$CPU" "$BUILD/bench/sg-flood" -i "$IF_C" --src $FLOOD4 \
		--dst $SRV4 --dst-mac "$SRV_MAC" --dport $PORT --seconds $PHASE_S \
		--count $(( 5000000 * PHASE_S )) 2>>"$LAB/flood.err")
	[ -n "$flood" ] || flood='{"error":"flood did not report"}'
	jq -c -n --arg cfg "$cfg" --argjson f "$flood" \
		'{config: $cfg, phase: "absorb", result: null, flood: $f}'
}

# measure CONFIG PHASE: one phase (stream or rr), flood on unless idle.
measure() {
	local cfg=$1 phase=$2 flood_pid= res flood='null'
	if [ "$cfg" != idle ]; then
		in_cli "$BUILD/bench/sg-flood" -i "$IF_C" --src $FLOOD4 --dst $SRV4 \
			--dst-mac "$SRV_MAC" --dport $PORT --pps $FLOOD_PPS \
			--seconds $((PHASE_S + 1)) --count $(( FLOOD_PPS * (PHASE_S + 1) )) \
			>"$LAB/flood.out" 2>>"$LAB/flood.err" &
		flood_pid=$!
		sleep 0.5
	fi
	res=$(in_cli timeout $((PHASE_S + 15)) "$BUILD/bench/sg-peer" $phase $SRV4 $PORT $PHASE_S)
	[ -n "$res" ] || res='{"error":"no result"}'
	if [ -n "$flood_pid" ]; then
		wait "$flood_pid"
		flood=$(cat "$LAB/flood.out")
		[ -n "$flood" ] || flood='{"error":"flood did not report"}'
	fi
	jq -c -n --arg cfg "$cfg" --arg phase "$phase" --argjson r "$res" --argjson f "$flood" \
		'{config: $cfg, phase: $phase, result: $r, flood: $f}'
}

setup || { log "setup failed"; exit 1; }
log "server $SRV4:$PORT on $NS_SRV, flood ${FLOOD_PPS} pps from $FLOOD4, ${PHASE_S}s phases, $ROUNDS rounds"
: >"$LAB/runs.jsonl"
for round in $(seq "$ROUNDS"); do
	for cfg in idle none xdp_pass scanguard nftables; do
		enable $cfg || { log "cannot enable $cfg"; exit 1; }
		before=$(dropped $cfg)
		for phase in stream rr; do
			measure $cfg $phase | jq -c --argjson round "$round" '. + {round: $round}' \
				>>"$LAB/runs.jsonl"
		done
		[ $cfg = idle ] || absorb $cfg | jq -c --argjson round "$round" \
			'. + {round: $round}' >>"$LAB/runs.jsonl"
		after=$(dropped $cfg)
		jq -c -n --arg cfg "$cfg" --argjson round "$round" --argjson d $((after - before)) \
			'{config: $cfg, round: $round, filter_dropped: $d}' >>"$LAB/runs.jsonl"
		disable $cfg
	done
	log "round $round done"
done

# Medians per configuration, and each configuration over "none" (no filter).
jq -s --argjson pps $FLOOD_PPS --argjson phase_s $PHASE_S --argjson rounds "$ROUNDS" '
	def median: sort | if length == 0 then null
		else (if length % 2 == 1 then .[length / 2 | floor]
		      else (.[length / 2 - 1] + .[length / 2]) / 2 end) end;
	def runs($c; $p): [.[] | select(.config == $c and .phase == $p)];
	. as $all
	| ["idle", "none", "xdp_pass", "scanguard", "nftables"] as $cfgs
	| ($cfgs | map(. as $c | {key: $c, value: {
		goodput_mbit_s: ([$all | runs($c; "stream")[] | .result.mbit_s // 0] | median),
		rr_p50_us: ([$all | runs($c; "rr")[] | .result.p50_us // empty] | median),
		rr_p99_us: ([$all | runs($c; "rr")[] | .result.p99_us // empty] | median),
		connect_ms_max: ([$all | (runs($c; "stream") + runs($c; "rr"))[] |
			.result.connect_ms // empty] | max),
		rr_transactions_per_s: ([$all | runs($c; "rr")[] |
			(.result.transactions // 0) / (.result.seconds // 1)] | median),
		flood_pps_sent: ([$all[] | select(.config == $c and .phase != "absorb" and .flood.pps)
			| .flood.pps] | median),
		flood_pps_absorbed_one_cpu: ([$all[] | select(.config == $c and .phase == "absorb")
			| .flood.pps // empty] | median),
		filter_dropped: ([$all[] | select(.config == $c and .filter_dropped != null)
			| .filter_dropped] | add)
	  }}) | from_entries) as $m
	| {
		description: "benign TCP client over a veth pair while a bounded SYN flood comes from a blocked source",
		flood_pps: $pps, phase_seconds: $phase_s, rounds: $rounds,
		xdp_mode: "native", topology: "client+flood namespace -> veth -> server namespace",
		configs: $m,
		ratios_to_no_filter: ($cfgs | map(. as $c | {key: $c, value: {
			goodput: (if ($m.none.goodput_mbit_s // 0) > 0
				then $m[$c].goodput_mbit_s / $m.none.goodput_mbit_s else null end),
			rr_p50: (if ($m.none.rr_p50_us // 0) > 0 and $m[$c].rr_p50_us != null
				then $m[$c].rr_p50_us / $m.none.rr_p50_us else null end),
			rr_p99: (if ($m.none.rr_p99_us // 0) > 0 and $m[$c].rr_p99_us != null
				then $m[$c].rr_p99_us / $m.none.rr_p99_us else null end),
			flood_absorbed: (if ($m.none.flood_pps_absorbed_one_cpu // 0) > 0
				and $m[$c].flood_pps_absorbed_one_cpu != null
				then $m[$c].flood_pps_absorbed_one_cpu / $m.none.flood_pps_absorbed_one_cpu
				else null end)
		  }}) | from_entries),
		runs: $all
	}' "$LAB/runs.jsonl" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT" || { log "cannot summarise"; exit 1; }
jq -r '.configs | to_entries[] | "live: \(.key): goodput \(.value.goodput_mbit_s) Mbit/s, rr p50 \(.value.rr_p50_us) us p99 \(.value.rr_p99_us) us, slowest connect \(.value.connect_ms_max) ms, flood \(.value.flood_pps_sent) pps (dropped by the filter: \(.value.filter_dropped)), one CPU absorbs \(.value.flood_pps_absorbed_one_cpu) pps"' "$OUT" >&2
