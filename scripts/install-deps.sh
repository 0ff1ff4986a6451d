#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# install-deps.sh - installs the Debian packages that building, testing, the
# benchmark and the demo need (libxdp1 ships xdp-filter's BPF objects, the
# benchmark's baseline; nftables, ethtool and python3-matplotlib serve its
# live test and plot); does nothing (and needs no root) when they are all
# present.
set -eu

PKGS="make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config bpftool
      libc6-dev linux-libc-dev iproute2 nmap hping3 masscan tcpdump
      netcat-openbsd procps python3 jq util-linux libmicrohttpd-dev libconfig-dev curl
      podman runc containernetworking-plugins debootstrap bash-completion
      man-db groff-base bsdextrautils systemd libpcap-dev tmux iputils-ping
      traceroute bind9-dnsutils ntpsec-ntpdig nftables
      libclang-rt-dev valgrind libcap2-bin libxdp1 ethtool python3-matplotlib"
# The Kubernetes manifests' validator runs on Node.js (tests/deploy/k8s).
# Where a Node.js with npm is present (as on these machines) it is used;
# otherwise Debian's, whose npm is a package of its own.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (sudo make ...) to install them" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
