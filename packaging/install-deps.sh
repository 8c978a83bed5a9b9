#!/bin/sh
# Installs every Debian 12 package that mpgw's build, tests and demo need.
# Idempotent: quiet and quick when everything is already there.
set -eu

PKGS="build-essential pkg-config make gcc libc6-dev
libdpdk-dev dpdk dpdk-dev libev-dev libssl-dev libcmocka-dev libcyaml-dev
libhttp-parser-dev libjansson-dev libyaml-dev
iproute2 ethtool iputils-ping iperf3 socat netcat-openbsd curl
nftables tshark hping3 mptcpd mptcpize procps psmisc kmod python3 util-linux
prometheus
clang libclang-rt-14-dev clang-format cppcheck"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root)" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
