# shellcheck shell=bash
# mpgw network testbed: namespaces, veths, link emulators and two gateways.
#
#   host A ──[in] gwA [out]── rA ══ link 0 (linkem) ══ rB ──[out] gwB [in]── host B
#                gwA [wan_i]── rA ══ link i (linkem) ══ rB ──[wan_i] gwB       (i = 1..N-1)
#
# Every name is unique to the run (prefix $TB), every address comes from
# 198.18.0.0/15, and tb_cleanup (an EXIT trap) kills what the run started, by
# PID, and deletes its namespaces, even on failure.
#
# Addresses (path 0 shares the hosts' LANs; path i has subnets of its own):
#   LAN A 198.18.1.0/24: host A .10, rA .1, gwA wan0 .2
#   LAN B 198.18.2.0/24: host B .10, rB .1, gwB wan0 .2
#   path i >= 1: gwA wan_i 198.18.(10+i).2, rA .1; gwB wan_i 198.18.(20+i).2, rB .1
#   link i between routers: 198.18.(30+i).0/24, rA .1, rB .2

TB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TB=${TB:-mg$$}
TB_DIR=$(mktemp -d "/tmp/$TB.XXXX")
TB_PIDS=()
TB_NS=()
TB_PASS=0
TB_FAIL=0

tb_log() { echo "# $*"; }

tb_cleanup() {
	local rc=$? pid ns
	set +e
	if [ -n "${TB_CC_ALLOWED_SAVED:-}" ]; then
		sysctl -qw net.ipv4.tcp_allowed_congestion_control="$TB_CC_ALLOWED_SAVED"
	fi
	# Processes started in subshells (a benchmark's rounds run in $(...))
	# are not in TB_PIDS: tb_start notes every PID in a file too.
	local pids=("${TB_PIDS[@]}")
	[ -f "$TB_DIR/pids" ] && mapfile -t -O "${#pids[@]}" pids <"$TB_DIR/pids"
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		pid=${pids[i]}
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${TB_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf /var/run/dpdk/"$TB"* 2>/dev/null
	if [ -n "${TB_KEEP_LOGS:-}" ]; then
		echo "# logs kept in $TB_DIR"
	else
		rm -rf "$TB_DIR"
	fi
	return $rc
}
trap tb_cleanup EXIT
trap 'exit 130' INT TERM

# Results, TAP-like: one line a check, counted for tb_done.
tb_ok() { TB_PASS=$((TB_PASS + 1)); echo "ok - $*"; }
tb_notok() { TB_FAIL=$((TB_FAIL + 1)); echo "not ok - $*"; }
tb_check() { # DESCRIPTION COMMAND...: output shown only on failure
	local d=$1 out=$TB_DIR/check.out; shift
	if "$@" >"$out" 2>&1; then
		tb_ok "$d"
	else
		tb_notok "$d"
		sed 's/^/#   /' "$out"
	fi
}
tb_done() {
	echo "$(basename "$0"): $TB_PASS passed, $TB_FAIL failed"
	[ "$TB_FAIL" -eq 0 ]
}

tb_ns() { # NAME: create namespace $TB-NAME with lo up
	local ns=$TB-$1
	ip netns add "$ns"
	TB_NS+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# Kernel baselines name their congestion control. A namespace may only pick
# one from the allowed list, which is global: add it, restore at cleanup.
tb_kernel_cc() { # CC NS...
	local cc=$1 ns; shift
	local allowed
	allowed=$(sysctl -n net.ipv4.tcp_allowed_congestion_control)
	if ! echo " $allowed " | grep -q " $cc "; then
		TB_CC_ALLOWED_SAVED=${TB_CC_ALLOWED_SAVED:-$allowed}
		sysctl -qw net.ipv4.tcp_allowed_congestion_control="$allowed $cc"
	fi
	for ns in "$@"; do
		tb_exec "$ns" sysctl -qw net.ipv4.tcp_congestion_control="$cc"
	done
}

tb_exec() { # NAME COMMAND...: run in namespace $TB-NAME
	local ns=$TB-$1; shift
	ip netns exec "$ns" "$@"
}

tb_offloads_off() { # NAME IF
	tb_exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || true
}

# A veth between two namespaces, up, with the offloads DPDK's software paths
# and af_packet cannot honour switched off on both ends.
tb_veth() { # NS1 IF1 NS2 IF2
	ip -n "$TB-$1" link add dev "$2" type veth peer name "$4" netns "$TB-$3"
	tb_offloads_off "$1" "$2"
	tb_offloads_off "$3" "$4"
	ip -n "$TB-$1" link set dev "$2" up
	ip -n "$TB-$3" link set dev "$4" up
}

# An interface a DPDK port drives: the kernel in the gateway's namespace
# must keep quiet on it (no IPv6 autoconf, no addresses).
tb_dpdk_if() { # NS IF
	tb_exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
}

tb_start() { # NAME LOGFILE COMMAND...: run in background in $TB-NAME, remember PID
	local ns=$TB-$1 log=$2; shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	TB_PIDS+=($!)
	TB_LAST_PID=$!
	echo $! >>"$TB_DIR/pids"
}

tb_median() { # NUMBER...: the median (benchmarks report medians of rounds)
	printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'
}

# Benchmark rounds: run_MODE for each MODE, ROUNDS times, interleaved so
# that drift on a noisy machine hits every mode alike; each run_MODE prints
# one number. Leaves the medians in TB_MEDIAN[MODE].
declare -gA TB_MEDIAN
tb_bench_rounds() { # ROUNDS MODE...
	local rounds=$1 r mode v; shift
	declare -A all
	for ((r = 1; r <= rounds; r++)); do
		for mode in "$@"; do
			v=$(run_$mode)
			echo "# round $r $mode: $v Mbit/s"
			all[$mode]="${all[$mode]:-} $v"
		done
	done
	for mode in "$@"; do
		# shellcheck disable=SC2086
		TB_MEDIAN[$mode]=$(tb_median ${all[$mode]})
	done
}

tb_wait_for() { # SECONDS COMMAND...: poll until COMMAND succeeds
	local t=$1; shift
	for _ in $(seq $((t * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# ---- link emulator between the routers

tb_linkem() { # I SPEC: start the emulator of link I with SPEC for both ways
	local i=$1 spec=$2 name=l$1
	tb_ns "$name"
	tb_veth ra "l$i" "$name" a
	tb_veth "$name" b rb "l$i"
	tb_start "$name" "$TB_DIR/linkem$i.log" "$BUILD/linkem" -a a -b b \
		--both "$spec" --ctl "$TB_DIR/linkem$i.sock"
	tb_wait_for 5 test -S "$TB_DIR/linkem$i.sock"
}

tb_linkem_ctl() { # I COMMAND...
	local i=$1; shift
	"$BUILD/linkem" --ctl "$TB_DIR/linkem$i.sock" "$@"
}

# ---- gateways

tb_gw_config() { # SIDE(a|b) NPATHS WORKERS > yaml
	local s=$1 n=$2 w=$3 lan wanbase
	if [ "$s" = a ]; then lan=1; wanbase=10; else lan=2; wanbase=20; fi
	# lcore k runs on CPU k mod 2: this machine has two.
	local lcores="0@0" k
	for ((k = 1; k <= w; k++)); do lcores="$lcores,$k@$((k % 2))"; done
	cat <<EOF
eal:
  args: [--no-huge, --no-pci, -m, "320", --file-prefix, $TB-gw$s, --lcores, "$lcores", --no-telemetry, --log-level, "*:warning"]
ports:
  - name: inside
    devargs: net_af_packet0,iface=in,qpairs=$w,framecnt=2048
    role: inside
  - name: outside
    devargs: net_af_packet1,iface=out,qpairs=$w,framecnt=2048
    role: outside
EOF
	for ((i = 1; i < n; i++)); do
		cat <<EOF
  - name: wan$i
    devargs: net_af_packet$((i + 1)),iface=wan$i,qpairs=$w,framecnt=2048
    role: wan
EOF
	done
	cat <<EOF
addresses:
  - name: wan0
    port: outside
    address: 198.18.$lan.2/24
    gateway: 198.18.$lan.1
EOF
	for ((i = 1; i < n; i++)); do
		cat <<EOF
  - name: wan$i
    port: wan$i
    address: 198.18.$((wanbase + i)).2/24
    gateway: 198.18.$((wanbase + i)).1
EOF
	done
	# Extra YAML for this side (e.g. services), from the caller.
	local extra_var="TB_GW_EXTRA_$s"
	[ -n "${!extra_var:-}" ] && printf '%s\n' "${!extra_var}"
	# Two boxes on one file system: a control socket each (the default
	# is /run/mpgwd.sock), unless the caller chose.
	case "${!extra_var:-}" in
	*control:*) ;;
	*) echo "control: {socket: $TB_DIR/gw$s.sock}" ;;
	esac
	cat <<EOF
workers:
  count: $w
  idle_sleep_us: 200
  burst: 32
mempool:
  mbufs: 32767
  cache: 256
arp:
  timeout_s: 300
  entries: 256
log:
  level: info
EOF
}

tb_gw_start() { # SIDE(a|b): start mpgwd in $TB-gwSIDE, wait until it runs
	local s=$1
	tb_start "gw$s" "$TB_DIR/gw$s.log" "$MPGWD" -c "$TB_DIR/gw$s.yaml"
	eval "TB_GW_PID_$s=$TB_LAST_PID"
	if ! tb_wait_for 60 grep -qs "running:" "$TB_DIR/gw$s.log"; then
		echo "# gw$s did not start:"; sed 's/^/#   /' "$TB_DIR/gw$s.log"
		return 1
	fi
}

tb_gw_stats() { # SIDE: print the gateway's counters (SIGUSR1) to stdout
	local s=$1 pid log=$TB_DIR/gw$1.log before
	pid=$(eval echo "\$TB_GW_PID_$s")
	before=$(grep -c '^mempool tx ' "$log" || true)
	kill -USR1 "$pid"
	# (the count is taken again on each poll, inside sh -c)
	tb_wait_for 15 sh -c "[ \$(grep -c '^mempool tx ' '$log') -gt $before ]" || return 1
	# The last complete block: from the last "port inside" line on.
	awk '/^port inside /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$log" |
		grep -E '^(port|counter|lcore|mempool) '
}

tb_stat() { # STATS_TEXT PORT FIELD: one field of a "port" line
	echo "$1" | awk -v p="$2" -v f="$3" '$1=="port" && $2==p {for(i=3;i<NF;i+=2) if($i==f) print $(i+1)}'
}

tb_counter() { # STATS_TEXT NAME
	echo "$1" | awk -v n="$2" '$1=="counter" && $2==n {print $3}'
}

tb_gw_stop() { # SIDE: SIGTERM, wait; returns mpgwd's exit status
	local s=$1 pid rc
	pid=$(eval echo "\$TB_GW_PID_$s")
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	return $rc
}

# The whole picture with NPATHS paths; SPECS[i] is link i's emulator spec.
tb_topology() { # NPATHS WORKERS SPEC0 [SPEC1 ...]
	local n=$1 w=$2; shift 2
	local ns
	for ns in ha gwa ra rb gwb hb; do tb_ns "$ns"; done
	for ns in ra rb; do tb_exec "$ns" sysctl -qw net.ipv4.ip_forward=1; done

	# Site A: host A -- gwA -- rA; site B likewise.
	tb_veth ha eth0 gwa in
	tb_veth gwa out ra lan
	tb_veth hb eth0 gwb in
	tb_veth gwb out rb lan
	tb_exec ha ip addr add 198.18.1.10/24 dev eth0
	tb_exec ha ip route add default via 198.18.1.1
	tb_exec ra ip addr add 198.18.1.1/24 dev lan
	tb_exec hb ip addr add 198.18.2.10/24 dev eth0
	tb_exec hb ip route add default via 198.18.2.1
	tb_exec rb ip addr add 198.18.2.1/24 dev lan
	for s in a b; do
		tb_dpdk_if "gw$s" in
		tb_dpdk_if "gw$s" out
	done
	for ((i = 1; i < n; i++)); do
		tb_veth gwa "wan$i" ra "wan$i"
		tb_veth gwb "wan$i" rb "wan$i"
		tb_dpdk_if gwa "wan$i"
		tb_dpdk_if gwb "wan$i"
		tb_exec ra ip addr add "198.18.$((10 + i)).1/24" dev "wan$i"
		tb_exec rb ip addr add "198.18.$((20 + i)).1/24" dev "wan$i"
	done

	# Router links, each through its own emulator. Link 0 carries the LANs
	# and path 0; link i carries path i only.
	for ((i = 0; i < n; i++)); do
		tb_linkem "$i" "${1:-delay=0ms}"
		shift || true
		tb_exec ra ip addr add "198.18.$((30 + i)).1/24" dev "l$i"
		tb_exec rb ip addr add "198.18.$((30 + i)).2/24" dev "l$i"
	done
	tb_exec ra ip route add 198.18.2.0/24 via 198.18.30.2
	tb_exec rb ip route add 198.18.1.0/24 via 198.18.30.1
	for ((i = 1; i < n; i++)); do
		tb_exec ra ip route add "198.18.$((20 + i)).0/24" via "198.18.$((30 + i)).2"
		tb_exec rb ip route add "198.18.$((10 + i)).0/24" via "198.18.$((30 + i)).1"
		# Whatever a path's addresses send goes over that path's link,
		# whichever destination: a path is a path both ways.
		tb_exec ra ip rule add from "198.18.$((10 + i)).2" table $((100 + i))
		tb_exec ra ip route add default via "198.18.$((30 + i)).2" table $((100 + i))
		tb_exec rb ip rule add from "198.18.$((20 + i)).2" table $((100 + i))
		tb_exec rb ip route add default via "198.18.$((30 + i)).1" table $((100 + i))
	done

	tb_gw_config a "$n" "$w" >"$TB_DIR/gwa.yaml"
	tb_gw_config b "$n" "$w" >"$TB_DIR/gwb.yaml"
}
