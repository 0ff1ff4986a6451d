#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# promtool.sh - runs Prometheus' promtool (from Debian's prometheus package,
# unpacked under build/tools without installing it, so no Prometheus server
# is set up on the machine): promtool.sh ARGS...
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${SG_TOOLS:-$ROOT/build/tools}
BIN=$DIR/prometheus/usr/bin/promtool
if [ ! -x "$BIN" ]; then
	mkdir -p "$DIR"
	tmp=$(mktemp -d "$DIR/dl.XXXXXX")
	if ! (cd "$tmp" && apt-get download -q prometheus >/dev/null 2>&1); then
		apt-get update -q >/dev/null 2>&1 || true
		(cd "$tmp" && apt-get download -q prometheus >/dev/null)
	fi
	dpkg-deb -x "$tmp"/prometheus_*.deb "$DIR/prometheus"
	rm -rf "$tmp"
fi
exec "$BIN" "$@"
