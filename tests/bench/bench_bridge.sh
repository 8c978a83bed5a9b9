#!/usr/bin/env bash
# Bridge throughput of one box, as ratios against baselines measured in the
# same run on the same veths:
#   kernel  a Linux bridge in the box's namespace (what veth itself carries)
#   testpmd DPDK's io forwarder on the same net_af_packet ports: the I/O
#           ceiling of the port type
#   mpgwd   the box, inline pair, one worker, polling like testpmd
# host A --[in] box [out]-- host B; one TCP flow (iperf3, 5 s), rounds
# interleaved so that drift on this noisy machine hits every mode alike.
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
ROUNDS=${ROUNDS:-3}
. "$(dirname "$0")/../net/lib.sh"

tb_ns ha
tb_ns box
tb_ns hb
tb_veth ha eth0 box in
tb_veth box out hb eth0
tb_dpdk_if box in
tb_dpdk_if box out
tb_exec ha ip addr add 198.18.1.10/24 dev eth0
tb_exec hb ip addr add 198.18.1.20/24 dev eth0
tb_start hb "$TB_DIR/iperf-s.log" iperf3 -s -B 198.18.1.20
tb_wait_for 10 sh -c "ip netns exec $TB-hb ss -ltn | grep -q ':5201 '"

cat >"$TB_DIR/box.yaml" <<EOF
eal:
  args: [--no-huge, --no-pci, -m, "256", --file-prefix, $TB-box, -l, "0-1", --no-telemetry, --log-level, "*:warning"]
ports:
  - {name: inside, devargs: "net_af_packet0,iface=in,framecnt=4096", role: inside}
  - {name: outside, devargs: "net_af_packet1,iface=out,framecnt=4096", role: outside}
workers: {count: 1, idle_sleep_us: 0, burst: 32}
mempool: {mbufs: 16383, cache: 256}
EOF

measure() { # Mbit/s of one 5 s TCP flow host A -> host B
	tb_exec ha iperf3 -c 198.18.1.20 -t 5 -O 1 --json 2>/dev/null |
		python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))' ||
		echo 0
}
reachable() { tb_exec ha ping -c 1 -W 1 -q 198.18.1.20 >/dev/null 2>&1; }

run_kernel() {
	tb_exec box ip link add br0 type bridge
	tb_exec box ip link set dev in master br0
	tb_exec box ip link set dev out master br0
	tb_exec box ip link set dev br0 up
	tb_wait_for 10 reachable
	measure
	tb_exec box ip link del br0
}
run_dpdk() { # COMMAND...: a forwarder in the box's namespace
	tb_start box "$TB_DIR/fwd.log" "$@"
	local pid=$TB_LAST_PID
	tb_wait_for 30 reachable || { echo 0; kill "$pid"; wait "$pid" 2>/dev/null; return; }
	measure
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
}
run_testpmd() {
	run_dpdk dpdk-testpmd --no-huge --no-pci -m 256 --file-prefix "$TB-pmd" -l 0-1 \
		--no-telemetry --log-level '*:warning' \
		--vdev net_af_packet0,iface=in,framecnt=4096 \
		--vdev net_af_packet1,iface=out,framecnt=4096 \
		-- --forward-mode=io --auto-start --stats-period 3600 --total-num-mbufs=16384
}
run_mpgwd() { run_dpdk "$MPGWD" -c "$TB_DIR/box.yaml"; }

tb_bench_rounds "$ROUNDS" kernel testpmd mpgwd
k=${TB_MEDIAN[kernel]} t=${TB_MEDIAN[testpmd]} m=${TB_MEDIAN[mpgwd]}
echo "bridge, one TCP flow, median of $ROUNDS x 5 s:"
printf '  kernel bridge (veth)        %6d Mbit/s\n' "$k"
printf '  testpmd io fwd (af_packet)  %6d Mbit/s\n' "$t"
printf '  mpgwd bridge (af_packet)    %6d Mbit/s\n' "$m"
awk -v m="$m" -v t="$t" -v k="$k" 'BEGIN {
	printf "  mpgwd / testpmd = %.2f   mpgwd / kernel = %.2f\n", (t ? m / t : 0), (k ? m / k : 0) }'
