#!/usr/bin/env bash
# make demo: two mpgw gateways bump-in-the-wire on a namespace testbed with
# three WAN paths; show hosts talking through both inline pairs, every WAN
# address answering, and what each box counted. Everything is removed at
# the end, also on Ctrl-C.
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
. "$(dirname "$0")/lib.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# gwA also runs a sink service on its own TCP stack.
TB_GW_EXTRA_a="services:
  - {name: sink, kind: sink, listen: 5001}"

say "Building the testbed: host A - gwA - rA == 3 links (linkem) == rB - gwB - host B"
tb_topology 3 1 "delay=1ms" "delay=5ms" "delay=10ms"
echo "link delays one way: path 0 1 ms, path 1 5 ms, path 2 10 ms"
tb_gw_start a
tb_gw_start b
echo "gwA and gwB running (logs: $TB_DIR)"

say "host A pings host B through both boxes (bridged unchanged)"
tb_exec ha ping -c 3 -i 0.3 198.18.2.10

say "every WAN address of both boxes answers ping (the box's own ARP and ICMP)"
for ip in 198.18.1.2 198.18.11.2 198.18.12.2; do
	printf 'gwA %-12s from rA: ' $ip
	tb_exec ra ping -c 3 -i 0.2 -q $ip | awk '/^rtt/ {split($4, r, "/"); print "rtt min " r[1] " ms, avg " r[2] " ms"}'
done
for i in 0 1 2; do
	ip=198.18.2.2
	[ $i -gt 0 ] && ip=198.18.$((20 + i)).2
	printf 'gwB %-12s from rA across path %d: ' $ip $i
	tb_exec ra ping -c 5 -i 0.2 -q $ip | awk '/^rtt/ {split($4, r, "/"); print "rtt min " r[1] " ms, avg " r[2] " ms"}'
done

say "iperf3 TCP, host A -> host B, through both boxes (5 s)"
tb_start hb "$TB_DIR/iperf-s.log" iperf3 -s -B 198.18.2.10
tb_wait_for 10 sh -c "ip netns exec $TB-hb ss -ltn | grep -q ':5201 '"
tb_exec ha iperf3 -c 198.18.2.10 -t 5 -f m | grep -E 'sender|receiver'

say "the box's own TCP: rA sends 64 MiB to gwA's sink service (198.18.11.2:5001)"
head -c $((64 << 20)) /dev/urandom >"$TB_DIR/blob"
echo "sent:     $(sha256sum <"$TB_DIR/blob" | cut -d' ' -f1)"
tb_exec ra socat -u "OPEN:$TB_DIR/blob" TCP:198.18.11.2:5001
tb_wait_for 30 grep -q "service sink: connection" "$TB_DIR/gwa.log"
echo "received: $(grep -o 'rx [0-9]* bytes sha256 [0-9a-f]*' "$TB_DIR/gwa.log" | head -1 | awk '{print $5 "  (" $2 " bytes)"}')"

say "what gwA counted (SIGUSR1 dumps every counter)"
stats=$(tb_gw_stats a)
echo "$stats" | grep '^port ' | awk '{printf "port %-8s rx %9s pkts %12s bytes (dropped %s)   tx %9s pkts %12s bytes (dropped %s)\n", $2, $4, $6, $8, $10, $12, $14}'
echo "$stats" | grep -E '^counter ' | grep -v ' 0$' | sed 's/^counter /  /'

say "stopping: each box checks that every mbuf came back"
for s in a b; do
	tb_gw_stop $s && echo "gw$s: $(grep -o 'stopped.*' "$TB_DIR/gw$s.log")"
done
say "done; the testbed is being removed"
