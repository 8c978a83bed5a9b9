#!/usr/bin/env bash
# tcpstack figures, each beside its baseline from the same run:
#  1. in memory, one core (bench_tcp_mem): goodput, segments/s, setups/s;
#  2. over veth: a kernel sender (cubic) to the box's sink service, against
#     the same sender to a kernel receiver on the same veth, and against
#     the port type's ceiling (the kernel receiver behind DPDK's testpmd
#     io-forwarding on net_af_packet: what any DPDK app on this port gets).
# Rounds interleave the modes; medians are reported.
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
ROUNDS=${ROUNDS:-3}
MB=${MB:-1024}
. "$(dirname "$0")/../net/lib.sh"

echo "== tcpstack in memory"
"$BUILD/bench/bench_tcp_mem" 2048 100000

# host A (kernel sender) --[eth0/in]-- box --[out/eth0]-- host B (kernel)
tb_ns ha
tb_ns box
tb_ns hb
tb_veth ha eth0 box in
tb_veth box out hb eth0
tb_exec ha ip addr add 198.18.1.10/24 dev eth0
tb_exec hb ip addr add 198.18.1.20/24 dev eth0
tb_kernel_cc cubic ha hb box

cat >"$TB_DIR/box.yaml" <<EOF
eal:
  args: [--no-huge, --no-pci, -m, "512", --file-prefix, $TB-box, -l, "0-1", --no-telemetry, --log-level, "*:warning"]
ports:
  - {name: wan, devargs: "net_af_packet0,iface=in,framecnt=4096", role: wan}
addresses:
  - {name: wan0, port: wan, address: 198.18.1.2/24}
services:
  - {name: sink, kind: sink, listen: 5001}
workers: {count: 1, idle_sleep_us: 0, burst: 32}
mempool: {mbufs: 32767, cache: 256}
EOF

send() { # IP: seconds to push MB MiB from host A
	local t0 t1
	t0=$(date +%s.%N)
	if ! head -c $((MB << 20)) /dev/zero | tb_exec ha socat -u - "TCP:$1:5001"; then
		echo 0 # a failed transfer measures nothing
		return
	fi
	t1=$(date +%s.%N)
	awk -v a="$t0" -v z="$t1" -v b=$((MB << 20)) 'BEGIN{printf "%d", b * 8 / (z - a) / 1e6}'
}

run_kernel() { # a kernel receiver on the box's side of the same veth
	tb_exec box ip addr add 198.18.1.2/24 dev in
	tb_start box "$TB_DIR/ksink.log" socat -u TCP-LISTEN:5001,reuseaddr /dev/null
	local pid=$TB_LAST_PID
	tb_wait_for 10 sh -c "ip netns exec $TB-box ss -ltn | grep -q ':5001 '"
	send 198.18.1.2
	wait "$pid" 2>/dev/null || true
	tb_exec box ip addr del 198.18.1.2/24 dev in
}

run_mpgwd() {
	tb_dpdk_if box in
	tb_start box "$TB_DIR/box.log" "$MPGWD" -c "$TB_DIR/box.yaml"
	local pid=$TB_LAST_PID n
	if ! tb_wait_for 60 grep -qs "running:" "$TB_DIR/box.log"; then
		sed 's/^/# /' "$TB_DIR/box.log" >&2
		echo 0
		return
	fi
	tb_exec ha ip neigh flush dev eth0
	n=$(grep -c "service sink: connection" "$TB_DIR/box.log" || true)
	send 198.18.1.2
	tb_wait_for 60 sh -c "[ \$(grep -c 'service sink: connection' '$TB_DIR/box.log') -gt $n ]"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
}

run_testpmd() { # host B receives, through testpmd between in and out
	tb_start hb "$TB_DIR/ksink.log" socat -u TCP-LISTEN:5001,reuseaddr /dev/null
	local spid=$TB_LAST_PID
	tb_start box "$TB_DIR/pmd.log" dpdk-testpmd --no-huge --no-pci -m 256 \
		--file-prefix "$TB-pmd" -l 0-1 --no-telemetry --log-level '*:warning' \
		--vdev net_af_packet0,iface=in,framecnt=4096 \
		--vdev net_af_packet1,iface=out,framecnt=4096 \
		-- --forward-mode=io --auto-start --stats-period 3600 --total-num-mbufs=16384
	local pid=$TB_LAST_PID
	tb_wait_for 30 sh -c "ip netns exec $TB-ha ping -c1 -W1 -q 198.18.1.20 >/dev/null 2>&1"
	send 198.18.1.20
	wait "$spid" 2>/dev/null || true
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
}

tb_bench_rounds "$ROUNDS" kernel testpmd mpgwd
k=${TB_MEDIAN[kernel]} t=${TB_MEDIAN[testpmd]} m=${TB_MEDIAN[mpgwd]}
echo "== tcpstack over veth, one kernel sender (cubic), $MB MiB, median of $ROUNDS"
printf '  kernel -> kernel on the veth          %6d Mbit/s\n' "$k"
printf '  kernel -> testpmd fwd -> kernel       %6d Mbit/s   (port ceiling)\n' "$t"
printf '  kernel -> mpgwd sink (tcpstack)       %6d Mbit/s\n' "$m"
awk -v m="$m" -v t="$t" -v k="$k" 'BEGIN {
	printf "  tcpstack / ceiling = %.2f   tcpstack / kernel = %.2f\n", (t ? m / t : 0), (k ? m / k : 0) }'
