#!/usr/bin/env bash
# Two gateways in bridge mode on the testbed with 3 WAN paths: hosts talk
# through both inline pairs (ping, UDP, TCP) with nothing lost; every WAN
# address of both boxes answers ARP and ping; a link emulator's delay shows
# in the RTT of the path it sits on; each box stops cleanly with every mbuf
# back and its packet counters adding up.
#
# usage: test_bridge.sh [BUILD_DIR]   (build-san: also no ASan/UBSan report)
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
. "$(dirname "$0")/lib.sh"

NPATHS=3
DELAY_MS=5 # one way, on path 1 only

tb_topology $NPATHS "${WORKERS:-1}" "delay=0ms" "delay=${DELAY_MS}ms" "delay=0ms"
tb_gw_start a
tb_gw_start b

# ---- hosts through both boxes
tb_check "ping host A -> host B through both boxes" \
	tb_exec ha ping -c 5 -i 0.2 -W 2 -q 198.18.2.10

# ---- every WAN address answers ARP and ping, on-link and across routers
wan_a=(198.18.1.2) wan_b=(198.18.2.2)
for ((i = 1; i < NPATHS; i++)); do
	wan_a+=("198.18.$((10 + i)).2")
	wan_b+=("198.18.$((20 + i)).2")
done
gw_mac() { tb_exec "gw$1" cat "/sys/class/net/$2/address"; }
arp_ok() { # ROUTER IP IF GW_SIDE GW_IF: the router resolved IP to the gw's MAC
	local mac
	mac=$(tb_exec "$1" ip -4 neigh show "$2" dev "$3" | awk '{print $3}')
	[ "$mac" = "$(gw_mac "$4" "$5")" ]
}
for ((i = 0; i < NPATHS; i++)); do
	if_r=lan if_g=out
	[ $i -gt 0 ] && if_r=wan$i if_g=wan$i
	tb_check "ping gwA ${wan_a[i]} from rA" tb_exec ra ping -c 3 -i 0.2 -W 2 -q "${wan_a[i]}"
	tb_check "rA resolved gwA ${wan_a[i]} by ARP" arp_ok ra "${wan_a[i]}" $if_r a $if_g
	tb_check "ping gwB ${wan_b[i]} from rB" tb_exec rb ping -c 3 -i 0.2 -W 2 -q "${wan_b[i]}"
	tb_check "rB resolved gwB ${wan_b[i]} by ARP" arp_ok rb "${wan_b[i]}" $if_r b $if_g
done
# Off-link: the box answers through its gateway, which it must resolve itself.
tb_check "ping gwA wan0 from host B (via routers)" \
	tb_exec hb ping -c 3 -i 0.2 -W 2 -q "${wan_a[0]}"
tb_check "ping gwB wan2 from rA (across path 2)" \
	tb_exec ra ping -c 3 -i 0.2 -W 2 -q "${wan_b[2]}"

# ---- the emulator's delay on path 1 shows in the RTT across it
rtt() { # NS IP: average RTT in ms over 20 pings
	tb_exec "$1" ping -c 20 -i 0.05 -W 2 -q "$2" | awk -F/ '/^rtt/ {print $5}'
}
rtt1=$(rtt ra "${wan_b[1]}")
rtt2=$(rtt ra "${wan_b[2]}")
extra=$(echo "$rtt1 $rtt2" | awk '{printf "%.2f", $1 - $2}')
tb_check "path 1 RTT ${rtt1} ms = path 2 RTT ${rtt2} ms + ${extra} ms (expect $((2 * DELAY_MS)) +- 1.5)" \
	awk -v e="$extra" -v d=$((2 * DELAY_MS)) 'BEGIN{exit !(e >= d - 1.5 && e <= d + 1.5)}'

# ---- UDP and TCP between the hosts
tb_start hb "$TB_DIR/iperf-s.log" iperf3 -s -B 198.18.2.10
iperf_ready() { tb_exec hb ss -ltn | grep -q ':5201 '; }
tb_wait_for 10 iperf_ready

tb_exec ha iperf3 -c 198.18.2.10 -u -b 20M -l 1200 -t 3 --json >"$TB_DIR/udp.json" || true
udp=$(python3 -c '
import json,sys; j=json.load(open(sys.argv[1])); s=j["end"]["sum"]
print(s["packets"], s["lost_packets"], s["bytes"])' "$TB_DIR/udp.json" 2>/dev/null || echo "0 -1 0")
read -r udp_pkts udp_lost udp_bytes <<<"$udp"
tb_check "UDP 20 Mbit/s host A -> host B: $udp_pkts datagrams, $udp_lost lost" \
	test "$udp_pkts" -gt 5000 -a "$udp_lost" -eq 0

tb_exec ha iperf3 -c 198.18.2.10 -t 4 --json >"$TB_DIR/tcp.json" || true
tcp_mbps=$(python3 -c '
import json,sys; j=json.load(open(sys.argv[1]))
print(int(j["end"]["sum_received"]["bits_per_second"]/1e6))' "$TB_DIR/tcp.json" 2>/dev/null || echo 0)
tb_check "iperf3 TCP host A -> host B: $tcp_mbps Mbit/s" test "$tcp_mbps" -gt 0
echo "# bridge throughput through two boxes on veth/af_packet: $tcp_mbps Mbit/s"

# A known file both ways: every byte arrives, in order.
head -c $((64 << 20)) /dev/urandom >"$TB_DIR/blob"
want=$(sha256sum <"$TB_DIR/blob" | cut -d' ' -f1)
transfer() { # FROM_NS TO_NS TO_IP
	local got
	tb_start "$2" "$TB_DIR/recv.log" sh -c "socat -u TCP-LISTEN:7000,reuseaddr - | sha256sum >'$TB_DIR/got'"
	local rpid=$TB_LAST_PID
	tb_wait_for 10 sh -c "ip netns exec $TB-$2 ss -ltn | grep -q ':7000 '" || return 1
	tb_exec "$1" socat -u "OPEN:$TB_DIR/blob" "TCP:$3:7000" || return 1
	wait "$rpid" || return 1
	got=$(cut -d' ' -f1 "$TB_DIR/got")
	echo "sent $want, received $got"
	[ "$got" = "$want" ]
}
tb_check "64 MiB host A -> host B over TCP, SHA-256 equal" transfer ha hb 198.18.2.10
tb_check "64 MiB host B -> host A over TCP, SHA-256 equal" transfer hb ha 198.18.1.10

# ---- each box: counters add up; clean stop; nothing leaked
redirected=0
conserved() { # SIDE: every frame received was bridged, handled or dropped by name
	local st=$1 rx=0 tx=0 drops=0 p v
	for p in inside outside wan1 wan2; do
		rx=$((rx + $(tb_stat "$st" $p rx_packets)))
		tx=$((tx + $(tb_stat "$st" $p tx_packets)))
		drops=$((drops + $(tb_stat "$st" $p tx_drops)))
	done
	local bridged local_in local_out dropped
	bridged=$(tb_counter "$st" bridged)
	local_in=$(tb_counter "$st" local)
	dropped=$(echo "$st" | awk '$1=="counter" && $2 ~ /^drop_/ {s+=$3} END{print s+0}')
	local_out=$(echo "$st" | awk '$1=="counter" && $2 ~ /\.(arp_tx_request|arp_tx_reply|icmp_tx_echo_reply)$/ {s+=$3} END{print s+0}')
	echo "# rx $rx = bridged $bridged + local $local_in + dropped $dropped; tx $tx = bridged $bridged + local out $local_out; tx_drops $drops"
	[ "$rx" -eq $((bridged + local_in + dropped)) ] &&
		[ "$tx" -eq $((bridged + local_out)) ] && [ "$drops" -eq 0 ]
}
for s in a b; do
	rc=0
	tb_gw_stop $s || rc=$?
	tb_check "gw$s stopped cleanly, every mbuf back (exit $rc)" test $rc -eq 0
	st=$(awk '/^port inside /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$TB_DIR/gw$s.log" |
		grep -E '^(port|counter|lcore|mempool) ')
	tb_check "gw$s packet counters add up" conserved "$st"
	redirected=$((redirected + $(tb_counter "$st" redirected_to_worker0)))
	tb_check "gw$s: no sanitizer report" \
		sh -c "! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' '$TB_DIR/gw$s.log'"
done

if [ "${WORKERS:-1}" -gt 1 ]; then
	# Frames for the box that a worker other than 0 receives reach the
	# stack on worker 0 through its ring (and were answered: pings above).
	tb_check "frames for the box redirected to worker 0: $redirected" test "$redirected" -gt 0
fi

tb_done
