#!/usr/bin/env bash
# A bad configuration stops mpgwd before it touches the EAL or any port,
# with exit status 2 and a message naming the file, the line and the key.
# --check-config says the same without running anything.
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
dir=$(mktemp -d /tmp/mpgw-badcfg.XXXX)
prefix=mpgw-badcfg-$$
trap 'rm -rf "$dir" /var/run/dpdk/$prefix' EXIT
pass=0 fail=0

good() {
	cat <<EOF
eal:
  args: [--no-huge, --no-pci, -m, "128", --file-prefix, $prefix]
ports:
  - name: inside
    devargs: net_af_packet0,iface=lo
    role: inside
  - name: outside
    devargs: net_af_packet1,iface=lo
    role: outside
addresses:
  - name: wan0
    port: outside
    address: 198.18.1.2/24
    gateway: 198.18.1.1
EOF
}

# NAME, SED EXPRESSION applied to the good file, LINE and TEXT expected.
expect_refused() {
	local name=$1 expr=$2 line=$3 text=$4 f=$dir/$1.yaml rc=0 msg
	good | sed -e "$expr" >"$f"
	msg=$("$MPGWD" -c "$f" 2>&1) || rc=$?
	if [ $rc -eq 2 ] && [[ $msg == *"$f:$line:"* ]] && [[ $msg == *"$text"* ]] &&
		[ ! -e "/var/run/dpdk/$prefix" ]; then
		pass=$((pass + 1)); echo "ok - $name refused at line $line: $msg"
	else
		fail=$((fail + 1)); echo "not ok - $name: exit $rc, message: $msg"
	fi
	rc=0
	"$MPGWD" --check-config "$f" >/dev/null 2>&1 || rc=$?
	if [ $rc -eq 2 ]; then
		pass=$((pass + 1)); echo "ok - --check-config refuses $name"
	else
		fail=$((fail + 1)); echo "not ok - --check-config $name: exit $rc"
	fi
}

expect_refused unknown-key '6a\    colour: blue' 7 "ports[0].colour"
expect_refused bad-address 's|198.18.1.2/24|198.18.1.300/24|' 13 "addresses[0].address"
expect_refused bad-prefix 's|198.18.1.2/24|198.18.1.2/33|' 13 "addresses[0].address"
expect_refused missing-port 's|port: outside|port: wan9|' 12 "addresses[0].port"
expect_refused gateway-off-link 's|gateway: 198.18.1.1|gateway: 198.18.9.1|' 14 "addresses[0].gateway"
expect_refused bad-role 's|role: outside|role: outsde|' 9 "ports[1].role"

rc=0
good >"$dir/good.yaml"
out=$("$MPGWD" --check-config "$dir/good.yaml" 2>&1) || rc=$?
if [ $rc -eq 0 ] && [ ! -e "/var/run/dpdk/$prefix" ]; then
	pass=$((pass + 1)); echo "ok - --check-config accepts a good file: $out"
else
	fail=$((fail + 1)); echo "not ok - good file: exit $rc: $out"
fi
rc=0
"$MPGWD" -c "$dir/missing.yaml" >"$dir/out" 2>&1 || rc=$?
if [ $rc -eq 2 ] && grep -q "missing.yaml" "$dir/out"; then
	pass=$((pass + 1)); echo "ok - a missing file is named: $(cat "$dir/out")"
else
	fail=$((fail + 1)); echo "not ok - missing file: exit $rc"
fi

# Well-formed, but a port's interface does not exist: start-up fails (3)
# naming the port, and mpgwd exits instead of running without it.
rc=0
good | sed -e 's|iface=lo|iface=mpgw-none0|' >"$dir/noif.yaml"
timeout 60 "$MPGWD" -c "$dir/noif.yaml" >"$dir/out" 2>&1 || rc=$?
if [ $rc -eq 3 ] && grep -q "port inside" "$dir/out"; then
	pass=$((pass + 1)); echo "ok - a port that cannot be opened is named: $(grep 'port inside' "$dir/out")"
else
	fail=$((fail + 1)); echo "not ok - absent interface: exit $rc: $(cat "$dir/out")"
fi

echo "$(basename "$0"): $pass passed, $fail failed"
[ $fail -eq 0 ]
