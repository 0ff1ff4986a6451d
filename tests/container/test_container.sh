#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_container.sh - builds the container image (deploy/Dockerfile, on a
# base made by scripts/mkbase.sh when none is given) with podman and runs it
# the way the DaemonSet does: the lab host's network, bpffs from the host,
# no capabilities but CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, not
# privileged; then checks that an nmap scan is blocked, that the events are
# the container's log, that metrics and health answer, and that the program
# stays attached when the container stops.  `make container-test` runs it.
#   SG_IMAGE_BASE=IMAGE  base image for both stages (default: built locally)
source "$(dirname "$0")/../e2e/lib.sh"

PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)
# Limits within the ones this sandbox may set (runc cannot raise them
# without CAP_SYS_RESOURCE); the daemon needs few files and threads.
LIMITS=(--ulimit nofile=4096:4096 --ulimit nproc=32768:32768)
# A tag of this run's own: other worktrees may build theirs meanwhile.
IMAGE=localhost/scanguard:test-$P
BASE=${SG_IMAGE_BASE:-localhost/scanguard-base:bookworm}
NAME=scanguard-$P
M=127.0.0.1:19501

t0=$(date +%s)
if [ -z "${SG_IMAGE_BASE:-}" ]; then
	"$SG_ROOT/scripts/mkbase.sh" "$BASE" >&2 || { echo "FAIL container: base image"; exit 1; }
fi
"${PODMAN[@]}" build --network host -f "$SG_ROOT/deploy/Dockerfile" --build-arg BASE="$BASE" \
	-t "$IMAGE" "$SG_ROOT" >"/tmp/$NAME.build.log" 2>&1
rc=$?
check_eq "container: image builds" "$rc" 0
if [ "$rc" != 0 ]; then tail -20 "/tmp/$NAME.build.log" >&2; exit 1; fi
rm -f "/tmp/$NAME.build.log"
echo "# image ready in $(( $(date +%s) - t0 ))s" >&2
size=$("${PODMAN[@]}" image inspect "$IMAGE" | jq '.[0].Size')
check "container: runtime image is slim ($((size / 1000000)) MB, no compiler)" \
	test "$size" -lt 200000000
check_eq "container: no compiler in the runtime image" \
	"$("${PODMAN[@]}" run --rm "${LIMITS[@]}" --network none --entrypoint sh "$IMAGE" \
		-c 'command -v clang gcc cc || echo none')" none
check_eq "container: the image's programs run" \
	"$("${PODMAN[@]}" run --rm "${LIMITS[@]}" --network none "$IMAGE" --version)" "scanguardd $(sed -n 's/#define SG_VERSION "\(.*\)"/\1/p' "$SG_ROOT/user/version.h")"

lab_up || { echo "FAIL container: lab setup"; exit 1; }
container_down() {
	"${PODMAN[@]}" rm -f -t 5 "$NAME" >/dev/null 2>&1
	"${PODMAN[@]}" rmi "$IMAGE" >/dev/null 2>&1
	# Layers of earlier builds; today's stay as the build cache.
	"${PODMAN[@]}" image prune -f --filter until=24h >/dev/null 2>&1
	rm -f "$LAB/seccomp.json"
	lab_down
}
trap container_down EXIT
"$SG_ROOT/scripts/seccomp-profile.sh" >"$LAB/seccomp.json"

# The lab's "host" namespace is the container's host network; the lab's
# bpffs is the host's /sys/fs/bpf; the pin path inside is /sys/fs/bpf/sg,
# which is $PIN outside, so scanguardctl on the host reaches it.
"${PODMAN[@]}" run -d --name "$NAME" --network "ns:/run/netns/$NS_HOST" \
	--cap-drop all --cap-add bpf,net_admin,perfmon \
	--security-opt seccomp="$LAB/seccomp.json" --security-opt no-new-privileges \
	--read-only "${LIMITS[@]}" \
	-v "$LAB/bpf:/sys/fs/bpf" "$IMAGE" -i "$IF_H0" -i "$IF_H1" --pin-path /sys/fs/bpf/sg \
	--threshold 15 --score-threshold 0 --metrics $M >/dev/null
check_eq "container: started" "$?" 0
logs() { "${PODMAN[@]}" logs "$NAME" 2>/dev/null; }
for _ in $(seq 100); do logs | grep -q '"event":"start"' && break; sleep 0.1; done
check "container: daemon started" grep -q '"event":"start"' <<<"$(logs)"
check_eq "container: privileged is off" \
	"$("${PODMAN[@]}" inspect "$NAME" | jq -r '.[0].HostConfig.Privileged')" false
check_eq "container: only the three capabilities" \
	"$("${PODMAN[@]}" inspect "$NAME" | jq -c '.[0].EffectiveCaps | sort')" \
	'["CAP_BPF","CAP_NET_ADMIN","CAP_PERFMON"]'
check "container: program attached to the lab host" xdp_attached "$NS_HOST" "$IF_H0"
check_eq "container: healthy" "$(in_host curl -s -o /dev/null -w '%{http_code}' "http://$M/healthz")" 200

nmap_scan "$LAB/syn.xml" -sS -p 1-300 $HOST4
read -r open closed filtered _ <<<"$(nmap_counts "$LAB/syn.xml")"
check_eq "container: scan blocked after exactly the threshold" $((open + closed)) 15
check_eq "container: the rest filtered" "$filtered" 285
for _ in $(seq 30); do logs | grep -q '"event":"scan"' && break; sleep 0.1; done
ev=$(logs | grep '"event":"scan"' | head -1)
check_eq "container: scan event in the container log" "$(jq -r .source <<<"$ev")" $SCAN4
check_eq "container: event action" "$(jq -r .action <<<"$ev")" blocked
check "container: block visible to scanguardctl on the host" \
	sh -c "'$SCANGUARDCTL' --pin-path '$PIN' --json block list | jq -e '.[] | select(.source == \"$SCAN4\")'"
check "container: scanguardctl inside the container" \
	sh -c "${PODMAN[*]} exec $NAME scanguardctl --pin-path /sys/fs/bpf/sg --json block list | jq -e '.[] | select(.source == \"$SCAN4\")'"
check_eq "container: metrics count the detection" \
	"$(in_host curl -s "http://$M/metrics" | awk '$1 == "scanguard_detections_total" {print $2}')" 1

"${PODMAN[@]}" stop -t 10 "$NAME" >/dev/null
check_eq "container: stops cleanly" "$("${PODMAN[@]}" inspect "$NAME" | jq -r '.[0].State.ExitCode')" 0
check "container: program stays attached after the container stops" xdp_attached "$NS_HOST" "$IF_H0"
check "container: scanner still dropped" sh -c "! ip netns exec $NS_SCAN nc -z -w2 -s $SCAN4 $HOST4 80"
echo "# container test took $(( $(date +%s) - t0 ))s" >&2
lab_finish
