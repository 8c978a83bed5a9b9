#!/usr/bin/env bash
# The product end to end: host A -> host B through the two boxes (HTTP, one
# connection), each figure beside its baselines from the same run.
#
# Throughput, three paths shaped by the link emulator:
#   direct  the ordinary way: a port no rule intercepts, so one path (link 0)
#   kernel  the Linux kernel's MPTCP over the same three paths: a kernel
#           client in gwA's namespace and a kernel server in gwB's, on the
#           boxes' own veths and addresses (mpgwd stopped), cubic subflows
#   box     through the boxes: intercepted by gwA, MPTCP to gwB, re-originated
# first with three equal paths (RATE Mbit/s, 10 ms RTT), then with paths that
# differ (100 Mbit/s and 10 ms on the direct path, 20 Mbit/s and 40 ms, 10
# Mbit/s and 80 ms, each with a queue of about two bandwidth-delay products,
# as a WAN router's, not the emulator's default 32 MB of bufferbloat): the
# boxes must then not fall below the best path alone.
#
# Latency: request/response with 1000-byte messages (a ping-pong client on
# host A, an echo server on host B, TCP_NODELAY), N round trips, p50 and p99,
# with 0 %, 1 % and 3 % random loss on every path: direct, through the boxes
# with the default scheduler, and with the redundant scheduler (every segment
# on every path).
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-50} # Mbit/s per path
MB=${MB:-64}
N=${N:-1000} # round trips per latency figure
PARTS=${PARTS:-equal mixed latency} # which parts to run
BUFFER=${BUFFER:-4194304} # proxy.buffer, bytes
. "$(dirname "$0")/../net/lib.sh"

HA=198.18.1.10
HB=198.18.2.10
PSK=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

gw_extra() { # PEER PEER-LAN PEER-WANBASE DST SERVED SCHEDULER
	cat <<EOF
peers:
  - name: $1
    psk: $PSK
    scheduler: $6
    paths:
      - {name: p0, local: wan0, remote: 198.18.$2.2}
      - {name: p1, local: wan1, remote: 198.18.$(($3 + 1)).2}
      - {name: p2, local: wan2, remote: 198.18.$(($3 + 2)).2}
rules:
  - {name: web, dst: $4/32, dport: 8080, action: intercept, peer: $1}
  - {name: echo, dst: $4/32, dport: 8090, action: intercept, peer: $1}
served: [$5/32]
proxy: {buffer: $BUFFER}
EOF
}
configure() { # SCHEDULER
	TB_GW_EXTRA_a=$(gw_extra gwb 2 20 $HB $HA "$1")
	TB_GW_EXTRA_b=$(gw_extra gwa 1 10 $HA $HB "$1")
	tb_gw_config a 3 1 >"$TB_DIR/gwa.yaml"
	tb_gw_config b 3 1 >"$TB_DIR/gwb.yaml"
}

spec() { # LINK: its emulator spec in the current scenario
	case "$SCENARIO.$1" in
	equal.*) echo "delay=5ms,rate=${RATE}mbit${LOSS:+,loss=$LOSS%}" ;;
	mixed.0) echo "delay=5ms,rate=100mbit,queue=256kb" ;;
	mixed.1) echo "delay=20ms,rate=20mbit,queue=128kb" ;;
	mixed.2) echo "delay=40ms,rate=10mbit,queue=128kb" ;;
	esac
}
apply_specs() {
	for i in 0 1 2; do tb_linkem_ctl $i set both "$(spec $i)" >/dev/null; done
}

SCENARIO=equal LOSS=
tb_topology 3 1 "$(spec 0)" "$(spec 1)" "$(spec 2)"
tb_kernel_cc cubic ha hb gwa gwb ra rb
configure "${SCHED:-roundrobin}"

mkdir "$TB_DIR/www"
head -c $((MB << 20)) /dev/urandom >"$TB_DIR/www/file"
for p in 8080 8081; do
	tb_start hb "$TB_DIR/http$p.log" python3 -m http.server -d "$TB_DIR/www" $p
done
cat >"$TB_DIR/echo.py" <<'EOF2'
import socket, sys, threading
def serve(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1])))
ls.listen(16)
while True:
    threading.Thread(target=serve, args=(ls.accept()[0],), daemon=True).start()
EOF2
cat >"$TB_DIR/pingpong.py" <<'EOF2'
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port), timeout=30)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
msg, rtt = bytes(1000), []
for i in range(n + 20):
    t = time.perf_counter()
    s.sendall(msg)
    got = 0
    while got < len(msg):
        d = s.recv(len(msg) - got)
        if not d:
            sys.exit("closed")
        got += len(d)
    if i >= 20: # the first round trips warm the connection up
        rtt.append(time.perf_counter() - t)
rtt.sort()
print("%.1f %.1f" % (rtt[len(rtt) // 2] * 1e3, rtt[int(len(rtt) * 0.99)] * 1e3))
EOF2
for p in 8090 8091; do
	tb_start hb "$TB_DIR/echo$p.log" python3 "$TB_DIR/echo.py" $p
done
for p in 8080 8081 8090 8091; do
	tb_wait_for 10 sh -c "ip netns exec $TB-hb ss -ltn | grep -q ':$p '"
done

BOX_UP=
box_up() {
	[ -n "$BOX_UP" ] && return 0
	tb_gw_start a >&2 && tb_gw_start b >&2 || return 1
	BOX_UP=1
}
box_down() {
	[ -z "$BOX_UP" ] && return 0
	tb_gw_stop a || true
	tb_gw_stop b || true
	BOX_UP=
}

fetch() { # [NS] URL: Mbit/s of the whole file, 0 if it did not come whole
	local ns=ha
	[ $# -gt 1 ] && { ns=$1; shift; }
	local out
	out=$(tb_exec $ns timeout 300 ${KERNEL_MPTCP:+mptcpize run} curl -s -o /dev/null \
		-w '%{size_download} %{speed_download}' "$1") || { echo 0; return; }
	awk -v n=$((MB << 20)) '{ if ($1 != n) print 0; else printf "%d", $2 * 8 / 1e6 }' <<<"$out"
}

# ---- the kernel's MPTCP between gwA's and gwB's namespaces
kside_up() { # SIDE(a|b) LAN WANBASE
	local s=$1
	tb_exec gw$s ip addr add "198.18.$2.2/24" dev out
	tb_exec gw$s ip route add default via "198.18.$2.1"
	for i in 1 2; do
		tb_exec gw$s ip addr add "198.18.$(($3 + i)).2/24" dev "wan$i"
		tb_exec gw$s ip rule add from "198.18.$(($3 + i)).2" table $((100 + i))
		tb_exec gw$s ip route add default via "198.18.$(($3 + i)).1" dev "wan$i" table $((100 + i))
	done
	tb_exec gw$s sysctl -qw net.mptcp.enabled=1
	tb_exec gw$s ip mptcp limits set subflows 2 add_addr_accepted 0
}
kside_down() { # SIDE WANBASE
	local s=$1
	tb_exec gw$s ip mptcp endpoint flush
	for i in 1 2; do
		tb_exec gw$s ip rule del from "198.18.$(($2 + i)).2" table $((100 + i))
		tb_exec gw$s ip addr flush dev "wan$i"
	done
	tb_exec gw$s ip addr flush dev out
}
run_kernel() {
	kside_up a 1 10
	kside_up b 2 20
	for i in 1 2; do tb_exec gwa ip mptcp endpoint add "198.18.1$i.2" dev "wan$i" subflow; done
	tb_start gwb "$TB_DIR/khttp.log" mptcpize run python3 -m http.server -d "$TB_DIR/www" 8082
	local pid=$TB_LAST_PID
	tb_wait_for 10 sh -c "ip netns exec $TB-gwb ss -ltn | grep -q ':8082 '"
	KERNEL_MPTCP=1 fetch gwa http://198.18.2.2:8082/file
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	kside_down a 10
	kside_down b 20
	for ns in ha hb ra rb; do tb_exec $ns ip neigh flush all; done
}
# (each run is a subshell of tb_bench_rounds: it starts and stops the boxes)
run_direct() {
	box_up || { echo 0; return; }
	fetch http://$HB:8081/file
	box_down
}
run_box() {
	box_up || { echo 0; return; }
	fetch http://$HB:8080/file
	box_down
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b ? a / b : 0}'; }

part() { [[ " $PARTS " == *" $1 "* ]]; }

if part equal; then
tb_bench_rounds "$ROUNDS" direct kernel box
d=${TB_MEDIAN[direct]} k=${TB_MEDIAN[kernel]} b=${TB_MEDIAN[box]}
sum=$((3 * RATE))
echo "== through the boxes: 3 paths of $RATE Mbit/s, 10 ms RTT (sum $sum), one HTTP download, $MB MiB, median of $ROUNDS"
printf '  direct TCP (cubic), one path            %6d Mbit/s\n' "$d"
printf '  kernel MPTCP (cubic subflows), 3 paths  %6d Mbit/s  %sx direct, %s of the sum\n' "$k" "$(ratio "$k" "$d")" "$(ratio "$k" $sum)"
printf '  box to box MPTCP, 3 paths               %6d Mbit/s  %sx direct, %s of the sum, %sx kernel MPTCP\n' \
	"$b" "$(ratio "$b" "$d")" "$(ratio "$b" $sum)" "$(ratio "$b" "$k")"

fi

if part mixed; then
SCENARIO=mixed
apply_specs
tb_bench_rounds "$ROUNDS" direct kernel box
d=${TB_MEDIAN[direct]} k=${TB_MEDIAN[kernel]} b=${TB_MEDIAN[box]}
echo "== through the boxes: paths that differ (100 Mbit/s 10 ms, 20 Mbit/s 40 ms, 10 Mbit/s 80 ms RTT; the direct path is the best), median of $ROUNDS"
printf '  direct TCP (cubic), the best path       %6d Mbit/s\n' "$d"
printf '  kernel MPTCP (cubic subflows), 3 paths  %6d Mbit/s  %sx the best path\n' "$k" "$(ratio "$k" "$d")"
printf '  box to box MPTCP, 3 paths               %6d Mbit/s  %sx the best path, %sx kernel MPTCP\n' \
	"$b" "$(ratio "$b" "$d")" "$(ratio "$b" "$k")"

fi

# ---- latency
pingpong() { # PORT: "p50 p99" in ms, or "0 0"
	tb_exec ha timeout 120 python3 "$TB_DIR/pingpong.py" $HB "$1" "$N" 2>/dev/null || echo "0 0"
}
part latency || exit 0
SCENARIO=equal
echo "== request/response, 1000-byte messages, $N round trips, paths of $RATE Mbit/s and 10 ms RTT: p50 / p99 in ms"
printf '  %-6s %-22s %-22s %-22s\n' loss "direct" "box (round-robin)" "box (redundant)"
for LOSS in 0 1 3; do
	apply_specs
	box_down
	configure roundrobin
	box_up
	read -r dp50 dp99 <<<"$(pingpong 8091)"
	read -r bp50 bp99 <<<"$(pingpong 8090)"
	box_down
	configure redundant
	box_up
	read -r rp50 rp99 <<<"$(pingpong 8090)"
	printf '  %-6s %-22s %-22s %-22s\n' "$LOSS %" "$dp50 / $dp99" "$bp50 / $bp99" "$rp50 / $rp99"
	[ "$LOSS" = 0 ] && base50=$rp50
done
echo "  (target: p99 through the boxes no more than 2.5x the loss-free p50, $base50 ms)"
box_down
