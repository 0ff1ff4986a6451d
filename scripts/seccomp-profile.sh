#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# seccomp-profile.sh - writes to stdout the container runtime's default
# seccomp profile with one change: bpf(2) is allowed to a container that
# holds CAP_BPF.  Older default profiles (containers-common before CAP_BPF
# existed, as in Debian 12's podman) allow bpf(2) only with CAP_SYS_ADMIN,
# which scanguard does not need and should not get.
#   scripts/seccomp-profile.sh [DEFAULT-PROFILE] > scanguard-seccomp.json
set -eu
SRC=${1:-/usr/share/containers/seccomp.json}
jq '
  .syscalls |= map(
    # Drop bpf from the rules that deny it or tie it to CAP_SYS_ADMIN...
    if (.names | index("bpf")) then .names -= ["bpf"] else . end
    | select(.names | length > 0)
  )
  # ...and allow it with CAP_BPF (the verifier and the capability still
  # decide what a program may do).
  | .syscalls += [{ "names": ["bpf"], "action": "SCMP_ACT_ALLOW", "args": [],
                    "includes": { "caps": ["CAP_BPF"] }, "excludes": {} }]
' "$SRC"
