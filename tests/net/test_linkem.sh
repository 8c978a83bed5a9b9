#!/usr/bin/env bash
# Checks of the link emulator tests/tools/linkem.c (docs/linkem.md).
#
#   tests/net/test_linkem.sh [BUILD_DIR]      (default: build; needs root)
#
# Topology, all in namespaces private to this run:
#
#   [mpgw-PID-h1] veth0 198.18.200.1 ── lem-a [mpgw-PID-lem: linkem -a lem-a -b lem-b] lem-b ── veth0 198.18.200.2 [mpgw-PID-h2]
#
# a2b is the h1 -> h2 direction. Neighbour entries are static, so that loss and
# link-down tests are not disturbed by ARP, and IPv6 is off everywhere, so that
# nothing but the test's own traffic crosses the emulator.
#
# Checks (each prints "ok - ..." or "not ok - ..." with the measured figure):
#   1. delay:   delay=5ms each way adds 10 ms +- 1 ms to the median ping RTT
#               (against the RTT measured through the transparent emulator).
#   1b. jitter: delay=5ms,jitter=4ms on a2b: no reply out of order, RTTs spread;
#               with `reorder` some replies do come out of order.
#   2. loss:    loss=10% on a2b: ping loss within 4 sigma of the binomial mean;
#               loss=0 loses nothing.
#   3. rate:    rate=50mbit,queue=100kb on a2b; iperf3 UDP, 1400-byte datagrams,
#               offered at 60 Mbit/s for 5 s. Each datagram is a 1442-byte frame
#               (1400 + 8 UDP + 20 IPv4 + 14 Ethernet; linkem counts frame bytes,
#               overhead=0), so the expected goodput is 50 * 1400/1442 = 48.544
#               Mbit/s. The receiver's (server's) 1-second intervals 1-2, 2-3 and
#               3-4 s are averaged (start-up and end excluded); must be within 5%.
#   4. down/up: via the control socket: pings fail while down, pass after up,
#               stats show drop_down > 0; the same with SIGUSR1/SIGUSR2.
#   5. exit:    SIGTERM ends linkem with status 0, the stats line on stdout.
set -euo pipefail

BUILD=${1:-build}
LINKEM=$(realpath -e "$BUILD/linkem" 2>/dev/null || true)
if [[ -z $LINKEM || ! -x $LINKEM ]]; then
	echo "not ok - linkem binary not found at $BUILD/linkem (make $BUILD/linkem)"
	exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "not ok - needs root (network namespaces)"
	exit 1
fi
for tool in ip ethtool ping iperf3 awk timeout; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok - $tool is not installed"
		exit 1
	fi
done

NS1=mpgw-$$-h1
NSL=mpgw-$$-lem
NS2=mpgw-$$-h2
IP1=198.18.200.1
IP2=198.18.200.2
MAC1=02:00:c6:12:c8:01
MAC2=02:00:c6:12:c8:02
TMP=$(mktemp -d /tmp/mpgw-linkem.XXXXXX)
CTL=$TMP/ctl.sock
PIDF=$TMP/linkem.pid
LEM_PID=
IPERF_PID=
FAILS=0
T0=$SECONDS

cleanup() {
	local rc=$?
	set +e
	if [[ -n $IPERF_PID ]] && kill -0 "$IPERF_PID" 2>/dev/null; then
		kill "$IPERF_PID" 2>/dev/null
		wait "$IPERF_PID" 2>/dev/null
	fi
	if [[ -n $LEM_PID ]] && kill -0 "$LEM_PID" 2>/dev/null; then
		kill -TERM "$LEM_PID" 2>/dev/null
		wait "$LEM_PID" 2>/dev/null
	fi
	if [[ $rc -ne 0 && -s $TMP/linkem.err ]]; then
		echo "# linkem stderr:"
		sed 's/^/#   /' "$TMP/linkem.err"
	fi
	for ns in "$NS1" "$NSL" "$NS2"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
ctl() { # a control command; a failed one ends the test
	local out
	if ! out=$(timeout 10 "$LINKEM" --ctl "$CTL" "$@" 2>&1); then
		echo "not ok - control command '$*' failed: $out"
		exit 1
	fi
	echo "$out"
}
# awk arithmetic: calc 'EXPR' prints the value, test 'COND' is true/false
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
test_awk() { awk "BEGIN { exit !($1) }"; }
stat_field() { # stat_field DIR FIELD: a counter from the stats line
	ctl stats | awk -v d="$1" -v f="$2" '{
		for (i = 1; i <= NF; i++) {
			if ($i == "a2b" || $i == "b2a") cur = $i
			else if (cur == d && index($i, f "=") == 1) print substr($i, length(f) + 2)
		}
	}'
}

# ping_rtt COUNT INTERVAL [PING_OPTION...]: sets R (= "median avg replies" of
# the RTTs, h1 to h2).
# ping runs in the foreground (a signal to this script waits for it) and under
# timeout (SIGINT, so that it still prints its summary), so it can never outlive
# the test.
ping_rtt() {
	local count=$1 interval=$2
	shift 2
	timeout -s INT "$(ping_deadline "$count" "$interval")" ip netns exec "$NS1" \
		ping -n -c "$count" -i "$interval" -W 1 "$@" "$IP2" >"$TMP/ping.txt" 2>&1 || true
	R=$(awk -F'time=' '/time=/ { split($2, a, " "); print a[1] }' "$TMP/ping.txt" | sort -g |
		awk '{ v[NR] = $1; s += $1 }
		     END { if (NR == 0) { print "nan nan 0"; exit }
			   m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			   printf "%.3f %.3f %d\n", m, s / NR, NR }')
}
# ping_count COUNT INTERVAL: sets R (= "transmitted received")
ping_count() {
	timeout -s INT "$(ping_deadline "$1" "$2")" ip netns exec "$NS1" \
		ping -n -q -c "$1" -i "$2" -W 1 "$IP2" >"$TMP/ping.txt" 2>&1 || true
	R=$(awk '/packets transmitted/ { print $1, $4; found = 1 } END { if (!found) print 0, 0 }' \
		"$TMP/ping.txt")
}
ping_deadline() { awk -v c="$1" -v i="$2" 'BEGIN { printf "%d", c * i * 2 + 3 }'; }

# ---------------------------------------------------------------- setup
for ns in "$NS1" "$NSL" "$NS2"; do
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip -n "$NS1" link add veth0 address "$MAC1" type veth peer name lem-a netns "$NSL"
ip -n "$NS2" link add veth0 address "$MAC2" type veth peer name lem-b netns "$NSL"
for pair in "$NS1 veth0" "$NS2 veth0" "$NSL lem-a" "$NSL lem-b"; do
	read -r ns dev <<<"$pair"
	ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1
	ip -n "$ns" link set dev "$dev" up
done
ip -n "$NS1" addr add "$IP1/24" dev veth0
ip -n "$NS2" addr add "$IP2/24" dev veth0
ip -n "$NS1" neigh replace "$IP2" lladdr "$MAC2" dev veth0 nud permanent
ip -n "$NS2" neigh replace "$IP1" lladdr "$MAC1" dev veth0 nud permanent

ip netns exec "$NSL" "$LINKEM" -a lem-a -b lem-b --ctl "$CTL" --seed 20240501 \
	--pidfile "$PIDF" >"$TMP/linkem.out" 2>"$TMP/linkem.err" &
LEM_PID=$!
for _ in $(seq 100); do
	[[ -s $PIDF ]] && break
	kill -0 "$LEM_PID" 2>/dev/null || break
	sleep 0.05
done
if [[ ! -s $PIDF || $(cat "$PIDF") != "$LEM_PID" ]]; then
	echo "not ok - linkem did not start"
	exit 1
fi
echo "# $(head -1 "$TMP/linkem.out")"

# warm up (and prove the wire is transparent)
ping_count 5 0.05
read -r tx rx <<<"$R"
if [[ $rx != 5 ]]; then
	echo "not ok - no connectivity through linkem ($rx/$tx pings)"
	exit 1
fi

# ---------------------------------------------------------------- 1. delay
ctl set both none >/dev/null
ping_rtt 50 0.02
read -r base_med base_avg base_n <<<"$R"
ctl set both delay=5ms >/dev/null
ping_rtt 50 0.02
read -r dl_med dl_avg dl_n <<<"$R"
extra=$(calc "$dl_med - $base_med")
extra_avg=$(calc "$dl_avg - $base_avg")
msg="delay: delay=5ms each way adds $extra ms to the median RTT (want 10 +- 1; median $dl_med vs $base_med ms, avg +$extra_avg ms, $dl_n/$base_n replies)"
if [[ $dl_n -ge 45 && $base_n -ge 45 ]] && test_awk "$extra >= 9 && $extra <= 11"; then
	ok "$msg"
else
	notok "$msg"
fi

# ---------------------------------------------------------------- 1b. jitter
# delay=5ms,jitter=4ms one way, pings every 2 ms with up to 8 in flight (-l 8;
# without it ping waits for each reply when the RTT is short): the one-way
# delays spread over 1..9 ms, yet replies must come back in order (FIFO
# clamping); with `reorder` some must not.
ooo() { awk -F'icmp_seq=' '/icmp_seq=/ { split($2, a, " "); if (a[1] + 0 < last) r++; last = a[1] + 0 }
	END { print r + 0 }' "$TMP/ping.txt"; }
ctl set a2b delay=5ms,jitter=4ms >/dev/null
ctl set b2a none >/dev/null
ping_rtt 200 0.002 -l 8
read -r j_med _ j_n <<<"$R"
j_min=$(awk -F'time=' '/time=/ { split($2, a, " "); if (m == "" || a[1] < m) m = a[1] } END { print m + 0 }' "$TMP/ping.txt")
j_max=$(awk -F'time=' '/time=/ { split($2, a, " "); if (a[1] > m) m = a[1] } END { print m + 0 }' "$TMP/ping.txt")
j_ooo=$(ooo)
ctl set a2b delay=5ms,jitter=4ms,reorder >/dev/null
ping_rtt 200 0.002 -l 8
read -r _ _ r_n <<<"$R"
r_ooo=$(ooo)
msg="jitter: delay=5ms,jitter=4ms: RTT $j_min..$j_max ms (median $j_med), $j_ooo of $j_n replies out of order (want 0); with reorder $r_ooo of $r_n (want > 0)"
if [[ $j_n -ge 190 && $j_ooo -eq 0 && $r_ooo -gt 0 ]] &&
	test_awk "$j_min >= 0.9 && $j_max - $j_min >= 4 && $j_max <= 9 + $base_med + 1"; then
	ok "$msg"
else
	notok "$msg"
fi

# ---------------------------------------------------------------- 2. loss
ctl set both none >/dev/null
ctl set a2b loss=10% >/dev/null
ctl reset >/dev/null
ping_count 2000 0.002
read -r tx rx <<<"$R"
lost=$((tx - rx))
drop_loss=$(stat_field a2b drop_loss)
mean=$(calc "$tx * 0.1")
sigma=$(calc "sqrt($tx * 0.1 * 0.9)")
msg="loss: loss=10% a2b lost $lost of $tx pings ($(calc "100 * $lost / $tx")%; want $mean +- $(calc "4 * $sigma"), 4 sigma; linkem drop_loss=$drop_loss)"
if [[ $tx -ge 1900 ]] && test_awk "($lost - $mean)^2 <= 16 * $sigma^2"; then
	ok "$msg"
else
	notok "$msg"
fi
ctl set both none >/dev/null
ctl reset >/dev/null
ping_count 1000 0.002
read -r tx rx <<<"$R"
msg="loss: loss=0 lost $((tx - rx)) of $tx pings (want 0; linkem a2b drop_loss=$(stat_field a2b drop_loss) drop_queue=$(stat_field a2b drop_queue))"
if [[ $tx -ge 950 && $rx == "$tx" ]]; then
	ok "$msg"
else
	notok "$msg"
fi

# ---------------------------------------------------------------- 3. rate
ctl set a2b rate=50mbit,queue=100kb >/dev/null
ctl set b2a none >/dev/null
ctl reset >/dev/null
ip netns exec "$NS2" iperf3 -s -1 -B "$IP2" -f k -i 1 >"$TMP/iperf_s.txt" 2>&1 &
IPERF_PID=$!
iperf_rc=1
for _ in $(seq 20); do
	sleep 0.1
	if timeout 30 ip netns exec "$NS1" iperf3 -c "$IP2" -u -b 60M -l 1400 -t 5 \
		-f k -i 1 >"$TMP/iperf_c.txt" 2>&1; then
		iperf_rc=0
		break
	fi
	grep -q 'Connection refused' "$TMP/iperf_c.txt" || break
done
timeout 10 tail --pid="$IPERF_PID" -f /dev/null || true
IPERF_PID=
exp_kbit=$(calc "50000 * 1400 / 1442")
# server interval lines: [  5]   1.00-2.00   sec  5928 KBytes  48543 Kbits/sec ...
got_kbit=$(awk '$0 ~ /Kbits\/sec/ && $0 !~ /receiver|sender/ {
		split($3, t, "-")
		if (t[1] + 0 >= 0.99 && t[2] + 0 <= 4.01) { s += $7; n++ }
	} END { if (n == 3) printf "%.1f", s / n; else print "nan" }' "$TMP/iperf_s.txt")
qdrops=$(stat_field a2b drop_queue)
if [[ $iperf_rc -eq 0 && $got_kbit != nan ]]; then
	err_pct=$(calc "100 * ($got_kbit - $exp_kbit) / $exp_kbit")
	msg="rate: rate=50mbit gives $(calc "$got_kbit / 1000") Mbit/s UDP goodput, expected $(calc "$exp_kbit / 1000") ($err_pct%, want within 5%; frame rate $(calc "$got_kbit * 1442 / 1400 / 1000") Mbit/s; linkem drop_queue=$qdrops)"
	if test_awk "$err_pct >= -5 && $err_pct <= 5" && [[ ${qdrops:-0} -gt 0 ]]; then
		ok "$msg"
	else
		notok "$msg"
	fi
else
	notok "rate: iperf3 failed (rc=$iperf_rc): $(tail -3 "$TMP/iperf_c.txt" "$TMP/iperf_s.txt" | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- 4. down/up
ctl set both none >/dev/null
ctl reset >/dev/null
ctl down >/dev/null
ping_count 5 0.1
read -r tx_d rx_d <<<"$R"
ctl up >/dev/null
ping_count 5 0.1
read -r tx_u rx_u <<<"$R"
drops=$(stat_field a2b drop_down)
msg="down/up (control socket): $rx_d/$tx_d pings while down, $rx_u/$tx_u after up, a2b drop_down=$drops"
if [[ $tx_d == 5 && $rx_d == 0 && $tx_u == 5 && $rx_u == 5 && ${drops:-0} -gt 0 ]]; then
	ok "$msg"
else
	notok "$msg"
fi
ctl reset >/dev/null
kill -USR1 "$LEM_PID"
sleep 0.05
ping_count 5 0.1
read -r tx_d rx_d <<<"$R"
kill -USR2 "$LEM_PID"
sleep 0.05
ping_count 5 0.1
read -r tx_u rx_u <<<"$R"
drops=$(stat_field a2b drop_down)
msg="down/up (SIGUSR1/SIGUSR2): $rx_d/$tx_d pings while down, $rx_u/$tx_u after up, a2b drop_down=$drops"
if [[ $tx_d == 5 && $rx_d == 0 && $tx_u == 5 && $rx_u == 5 && ${drops:-0} -gt 0 ]]; then
	ok "$msg"
else
	notok "$msg"
fi

# ---------------------------------------------------------------- 5. exit
kill -TERM "$LEM_PID"
lem_rc=0
wait "$LEM_PID" || lem_rc=$?
LEM_PID=
last=$(tail -1 "$TMP/linkem.out")
if [[ $lem_rc -eq 0 && $last == "a2b rx="*" b2a rx="* && ! -e $CTL && ! -e $PIDF ]]; then
	ok "exit: SIGTERM -> status 0, counters printed ($last)"
else
	notok "exit: SIGTERM -> status $lem_rc, last line '$last'"
fi

echo "# $((SECONDS - T0)) s, $FAILS failed"
[[ $FAILS -eq 0 ]]
