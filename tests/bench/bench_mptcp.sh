#!/usr/bin/env bash
# MPTCP goodput over three equal WAN paths of the testbed (the link
# emulator shapes each to RATE, 10 ms RTT), one connection, each figure
# beside its baselines from the same run:
#   tcp1    one kernel TCP connection (cubic) on one path: the single-path bar
#   kernel  the Linux kernel's MPTCP over the three paths (cubic subflows):
#           a kernel server in gwA's namespace on the same veths, announcing
#           its two other addresses; the client on host B joins them
#   box     the box's MPTCP (tcpstack, uncoupled CUBIC subflows): an MPTCP
#           source service on gwA, announcing likewise; the same client
#   box_lia the same with coupled congestion control (LIA, RFC 6356)
# The client is always a kernel MPTCP client on host B (mptcpize), receiving
# MB MiB; the sender is what is measured. Rounds interleave the modes;
# medians are reported.
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-50} # Mbit/s per path
MB=${MB:-128}
. "$(dirname "$0")/../net/lib.sh"

BOX=198.18.1.2
HB=198.18.2.10
spec="delay=5ms,rate=${RATE}mbit"
TB_GW_EXTRA_a="services:
  - {name: src, kind: source, listen: 5002, mptcp: true, bytes: $((MB << 20))}
  - {name: srclia, kind: source, listen: 5003, mptcp: true, cc: lia, bytes: $((MB << 20))}"
tb_topology 3 1 "$spec" "$spec" "$spec"
tb_kernel_cc cubic gwa hb ra rb
tb_exec hb sysctl -qw net.mptcp.enabled=1
tb_exec hb ip mptcp limits set subflows 2 add_addr_accepted 2
tb_exec gwa sysctl -qw net.mptcp.enabled=1
tb_exec gwa ip mptcp limits set subflows 2 add_addr_accepted 0
tb_gw_start b # host B's box bridges: the same in every mode

receive() { # PORT [mptcpize]: Mbit/s of MB MiB from BOX:PORT into host B
	local t0 t1 n
	t0=$(date +%s.%N)
	n=$(tb_exec hb timeout 300 ${2:+mptcpize run} socat -u "TCP:$BOX:$1" - | wc -c) || true
	t1=$(date +%s.%N)
	if [ "$n" != $((MB << 20)) ]; then
		echo 0 # a failed transfer measures nothing
		return
	fi
	awk -v a="$t0" -v z="$t1" -v b="$n" 'BEGIN{printf "%d", b * 8 / (z - a) / 1e6}'
}

# gwA's namespace as a kernel host on the same veths (mpgwd not running).
kernel_up() {
	tb_exec gwa ip addr add $BOX/24 dev out
	tb_exec gwa ip route add default via 198.18.1.1
	for i in 1 2; do
		tb_exec gwa ip addr add "198.18.1$i.2/24" dev "wan$i"
		tb_exec gwa ip rule add from "198.18.1$i.2" table $((100 + i))
		tb_exec gwa ip route add default via "198.18.1$i.1" dev "wan$i" table $((100 + i))
	done
}
kernel_down() {
	tb_exec gwa ip mptcp endpoint flush
	for i in 1 2; do
		tb_exec gwa ip rule del from "198.18.1$i.2" table $((100 + i))
		tb_exec gwa ip addr flush dev "wan$i"
	done
	tb_exec gwa ip addr flush dev out
	tb_exec rb ip neigh flush all
	tb_exec ra ip neigh flush all
}
# A sender of MB MiB to one client (MPTCP with "mptcp"); the listening
# socket stays open while it sends: the kernel takes joins on it.
cat >"$TB_DIR/ksend.py" <<'EOF2'
import socket, sys
proto = 262 if sys.argv[3] == "mptcp" else 0 # IPPROTO_MPTCP
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1])))
ls.listen(8)
c, _ = ls.accept()
left, buf = int(sys.argv[2]), bytes(1 << 20)
while left > 0:
    left -= c.send(buf[:min(left, len(buf))])
c.close()
EOF2
kernel_serve() { # PORT tcp|mptcp: send MB MiB to one client, then exit
	tb_start gwa "$TB_DIR/ksrv.log" python3 "$TB_DIR/ksend.py" "$1" $((MB << 20)) "$2"
	KPID=$TB_LAST_PID
	tb_wait_for 10 sh -c "ip netns exec $TB-gwa ss -ltn | grep -q ':$1 '"
}

run_tcp1() {
	kernel_up
	kernel_serve 5001 tcp
	receive 5001
	wait "$KPID" 2>/dev/null || true
	kernel_down
}

run_kernel() {
	kernel_up
	for i in 1 2; do tb_exec gwa ip mptcp endpoint add "198.18.1$i.2" dev "wan$i" signal; done
	kernel_serve 5001 mptcp
	receive 5001 mptcp
	wait "$KPID" 2>/dev/null || true
	kernel_down
}

BOX_UP=
box_up() {
	[ -n "$BOX_UP" ] && return 0
	tb_gw_start a >&2 || return 1
	BOX_UP=1
}
box_down() {
	[ -z "$BOX_UP" ] && return 0
	tb_gw_stop a || true
	BOX_UP=
	tb_exec rb ip neigh flush all
	tb_exec ra ip neigh flush all
}

run_box() {
	box_up || { echo 0; return; }
	receive 5002 mptcp
	box_down
}

run_box_lia() {
	box_up || { echo 0; return; }
	receive 5003 mptcp
	box_down
}

tb_bench_rounds "$ROUNDS" tcp1 kernel box box_lia
p=${TB_MEDIAN[tcp1]} k=${TB_MEDIAN[kernel]} b=${TB_MEDIAN[box]} l=${TB_MEDIAN[box_lia]}
sum=$((3 * RATE))
echo "== MPTCP over 3 paths of $RATE Mbit/s, 10 ms RTT (sum $sum), one connection, $MB MiB, median of $ROUNDS"
printf '  kernel TCP (cubic), one path           %6d Mbit/s\n' "$p"
printf '  kernel MPTCP (cubic subflows)          %6d Mbit/s\n' "$k"
printf '  box MPTCP (uncoupled cubic)            %6d Mbit/s\n' "$b"
printf '  box MPTCP (coupled, LIA)               %6d Mbit/s\n' "$l"
awk -v p="$p" -v k="$k" -v b="$b" -v l="$l" -v s="$sum" 'BEGIN {
	printf "  kernel MPTCP / one path = %.2f   / sum = %.2f\n", (p ? k / p : 0), k / s
	printf "  box / one path = %.2f   / sum = %.2f   / kernel MPTCP = %.2f\n", (p ? b / p : 0), b / s, (k ? b / k : 0)
	printf "  box LIA / one path = %.2f   / box uncoupled = %.2f\n", (p ? l / p : 0), (b ? l / b : 0) }'
