#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# mkbase.sh - makes the container base image (Debian 12 "bookworm", minbase
# variant) with debootstrap from a Debian mirror and imports it into podman,
# for machines that reach Debian's mirrors but no container registry.
# Elsewhere deploy/Dockerfile's default base (debian:bookworm-slim) serves.
#   scripts/mkbase.sh [IMAGE-NAME] [MIRROR]
# Does nothing when the image already exists.
set -eu

IMAGE=${1:-localhost/scanguard-base:bookworm}
MIRROR=${2:-http://deb.debian.org/debian}

if podman image exists "$IMAGE"; then
	echo "mkbase: $IMAGE already exists"
	exit 0
fi
ROOT=$(mktemp -d /var/tmp/scanguard-base.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
echo "mkbase: debootstrap bookworm (minbase) into $ROOT"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 || {
	tail -20 "$ROOT.log" >&2
	rm -f "$ROOT.log"
	exit 1
}
rm -f "$ROOT.log"
# What bookworm-slim leaves out too: apt lists and caches, man pages and docs.
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/usr/share/man/* \
	"$ROOT"/usr/share/doc/*
cat >"$ROOT/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
tar -C "$ROOT" -c . | podman import --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
echo "mkbase: imported $IMAGE"
