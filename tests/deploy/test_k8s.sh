#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# test_k8s.sh - deploy/kubernetes/ is valid against the Kubernetes API schema
# (strictly: unknown fields are errors), the validator does reject broken
# manifests, the DaemonSet keeps its security and operations promises, and
# the ConfigMap's configuration file is accepted by scanguardd itself.
# The validator's npm packages are pinned in tests/deploy/k8s and installed
# under build/tools/k8s.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=$ROOT/build/tools/k8s
K8S=$ROOT/deploy/kubernetes
T_FAIL=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; T_FAIL=$((T_FAIL + 1)); }

mkdir -p "$TOOLS"
if ! cmp -s "$ROOT/tests/deploy/k8s/package-lock.json" "$TOOLS/package-lock.json" ||
   [ ! -d "$TOOLS/node_modules" ]; then
	cp "$ROOT/tests/deploy/k8s/package.json" "$ROOT/tests/deploy/k8s/package-lock.json" "$TOOLS/"
	(cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) ||
		{ echo "FAIL k8s: npm ci of the validator's packages"; exit 1; }
fi
cp "$ROOT/tests/deploy/k8s/validate.mjs" "$TOOLS/"
validate() { (cd "$TOOLS" && node validate.mjs "$@" 2>&1); }

# Every object of every manifest.
out=$(validate "$K8S"/*.yaml)
rc=$?
while read -r status file what rest; do
	if [ "$status" = ok ]; then pass "k8s: $(basename "$file") $what valid"
	else fail "k8s: $(basename "$file") ${what%:}" "$rest"; fi
done <<<"$out"
[ "$rc" = 0 ] || fail "k8s: validator exit status" "$rc"
[ "$(grep -c '^ok' <<<"$out")" = 4 ] || fail "k8s: four objects validated" "$(grep -c '^ok' <<<"$out")"

# The validator must catch what the API server would refuse or drop.
BAD=$(mktemp -d /tmp/scanguard-k8s.XXXXXX)
trap 'rm -rf "$BAD"' EXIT
expect_error() {	# name, sed expression, substring of the expected error
	sed "$2" "$K8S/daemonset.yaml" >"$BAD/ds.yaml"
	local o
	o=$(validate "$BAD/ds.yaml")
	if [ $? != 0 ] && grep -q -- "$3" <<<"$o"; then pass "k8s: validator rejects $1"
	else fail "k8s: validator rejects $1" "$o"; fi
}
expect_error "an unknown field" 's/hostNetwork: true/hostNetwrk: true/' "unknown field"
expect_error "a wrong type" 's/containerPort: 9101/containerPort: "nine"/' "must be integer"
expect_error "a missing required field" \
	's/- name: scanguardd/- imagePullPolicy: Always/;/imagePullPolicy: IfNotPresent/d' \
	"must have required property name"
expect_error "an invalid enum" 's/type: RollingUpdate/type: Sometimes/' "must be equal to one of"

# What the DaemonSet promises (least privilege, health, limits, bpffs).
policy=$(cd "$TOOLS" && node --input-type=module - "$K8S" <<'JS' 2>&1
import fs from "node:fs";
import YAML from "yaml";
const dir = process.argv[2];
const load = (f) => YAML.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
const ds = load("daemonset.yaml"), cm = load("configmap.yaml"), svc = load("service.yaml");
const pod = ds.spec.template.spec, c = pod.containers[0], sc = c.securityContext;
const mount = (p) => c.volumeMounts.find((m) => m.mountPath === p);
const vol = (n) => pod.volumes.find((v) => v.name === n);
const checks = {
	"host network": pod.hostNetwork === true,
	"not privileged": sc.privileged === false && sc.allowPrivilegeEscalation === false,
	"drops all capabilities": JSON.stringify(sc.capabilities.drop) === '["ALL"]',
	"adds only BPF, NET_ADMIN, PERFMON":
		JSON.stringify([...sc.capabilities.add].sort()) === '["BPF","NET_ADMIN","PERFMON"]',
	"read-only root": sc.readOnlyRootFilesystem === true,
	"seccomp profile set": !!sc.seccompProfile,
	"readiness on /healthz": c.readinessProbe?.httpGet?.path === "/healthz",
	"liveness on /healthz": c.livenessProbe?.httpGet?.path === "/healthz",
	"probes on the metrics port": c.readinessProbe.httpGet.port === "metrics" &&
		c.ports.some((p) => p.name === "metrics"),
	"metrics flag on that port": c.args.some((a) => a === "--metrics=$(NODE_IP):9101") &&
		c.ports[0].containerPort === 9101,
	"cpu and memory limits": !!(c.resources.limits.cpu && c.resources.limits.memory),
	"bpffs from the host": vol("bpffs")?.hostPath?.path === "/sys/fs/bpf" &&
		mount("/sys/fs/bpf")?.name === "bpffs",
	"config from the ConfigMap": vol("config")?.configMap?.name === cm.metadata.name &&
		c.args.includes(`--config=${mount("/etc/scanguard").mountPath}/scanguard.conf`),
	"service selects the pods": Object.entries(svc.spec.selector).every(
		([k, v]) => ds.spec.template.metadata.labels[k] === v),
	"service scrape annotations": svc.metadata.annotations["prometheus.io/scrape"] === "true" &&
		svc.metadata.annotations["prometheus.io/port"] === "9101",
	"same namespace": ds.metadata.namespace === cm.metadata.namespace &&
		svc.metadata.namespace === ds.metadata.namespace,
};
for (const [name, ok] of Object.entries(checks))
	console.log(`${ok ? "PASS" : "FAIL"} k8s: daemonset ${name}${ok ? "" : ": not so"}`);
fs.writeFileSync(`${process.env.TMPDIR || "/tmp"}/scanguard-k8s-conf.${process.pid}`,
	cm.data["scanguard.conf"]);
console.log(`conf ${process.env.TMPDIR || "/tmp"}/scanguard-k8s-conf.${process.pid}`);
JS
)
grep -E '^(PASS|FAIL)' <<<"$policy"
T_FAIL=$((T_FAIL + $(grep -c '^FAIL' <<<"$policy")))
conf=$(sed -n 's/^conf //p' <<<"$policy")
[ -n "$conf" ] || fail "k8s: policy checks ran" "$policy"

# The ConfigMap's file, checked by scanguardd on a "node": a namespace with
# an uplink holding the default route.
NS=sgk8s$$
ip netns add "$NS"
ip -n "$NS" link add up0 type veth peer name up1
ip -n "$NS" link set up0 up
ip -n "$NS" addr add 198.18.9.2/24 dev up0
ip -n "$NS" route add default via 198.18.9.1
o=$(ip netns exec "$NS" "$ROOT/build/scanguardd" --check-config --config "$conf" 2>&1)
rc=$?
ip netns del "$NS"
rm -f "$conf"
if [ "$rc" = 0 ] && [ "$o" = "configuration ok; interfaces: up0" ]; then
	pass "k8s: ConfigMap's scanguard.conf accepted; default-route is the uplink"
else
	fail "k8s: ConfigMap's scanguard.conf accepted" "$o"
fi
[ "$T_FAIL" = 0 ]
