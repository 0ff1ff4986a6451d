#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# detection-report.sh - prints the detection report (README, "Detection"):
# scenarios modelled on real scanners and benign workloads, replayed
# through the XDP program under the default configuration and under the
# plain distinct-port threshold.  Needs root (BPF) and runs in a network
# namespace of its own, whose only open ports are the report's services.
#   scripts/detection-report.sh [--check]
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
if [ "$(id -u)" != 0 ]; then
	echo "detection-report: needs root (BPF_PROG_TEST_RUN): sudo make detection-report" >&2
	exit 1
fi
if [ ! -x "$BUILD/tests/detect_report" ]; then
	echo "detection-report: no $BUILD/tests/detect_report: run make detection-report" >&2
	exit 1
fi
exec unshare -n "$BUILD/tests/detect_report" "$@"
