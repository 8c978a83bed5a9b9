#!/usr/bin/env bash
# The box's MPTCP against the Linux kernel's, over the testbed: MPTCP
# services on gwA (a sink and a source on every box address) and an
# unmodified kernel MPTCP client on host B (mptcpize), which joins the two
# addresses the box announces (ADD_ADDR): 3 subflows over 3 links with
# 10 ms RTT each; and the box's MPTCP client against a kernel MPTCP
# server, joining from its two other addresses. Every transfer is checked
# byte for byte with SHA-256 on both ends; then a path cut while all three
# subflows carry data, each way; DSS checksums asked for by the kernel
# (net.mptcp.checksum_enabled=1); nftables stripping MPTCP options from
# SYNs, and from either side after the handshake; and MPTCP off in the
# kernel (fallback to plain TCP).
#
# usage: test_mptcp_kernel.sh [BUILD_DIR]
#   MB=N      MiB per transfer (default 256)
#   CUT_MB=N  MiB of the transfers during which a path is cut (default 256)
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
MB=${MB:-256}
CUT_MB=${CUT_MB:-256} # long enough to cut a path while all three carry data
. "$(dirname "$0")/lib.sh"

BOX=198.18.1.2 # gwA wan0; wan1 and wan2 are announced
HB=198.18.2.10

TB_GW_EXTRA_a="services:
  - {name: mpsink, kind: sink, listen: 5001, mptcp: true}
  - {name: mpsource, kind: source, listen: 5002, mptcp: true, bytes: $((MB << 20))}
  - {name: mpcut, kind: source, listen: 5003, mptcp: true, bytes: $((CUT_MB << 20))}
  - {name: mppush, kind: source, connect: \"$HB:6001\", from: wan0, mptcp: true, bytes: $((MB << 20))}
  - {name: mpblackhole, kind: source, connect: \"$HB:6002\", from: wan0, mptcp: true, bytes: $((MB << 20))}"

tb_topology 3 1 "delay=5ms" "delay=5ms" "delay=5ms"
tb_kernel_cc cubic ha hb ra rb
# The kernel client accepts the box's two announcements and opens a
# subflow to each.
tb_exec hb sysctl -qw net.mptcp.enabled=1
tb_exec hb ip mptcp limits set subflows 2 add_addr_accepted 2
# A kernel MPTCP server for the box's client (which connects at start,
# from wan0, and joins from wan1 and wan2).
# (the listening socket must stay open while the connection lives: the
# kernel takes joins on it)
cat >"$TB_DIR/mpserver.py" <<'EOF2'
import hashlib, socket, sys
IPPROTO_MPTCP = 262
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1])))
ls.listen(8)
c, _ = ls.accept()
h = hashlib.sha256()
while True:
    d = c.recv(1 << 20)
    if not d:
        break
    h.update(d)
print(h.hexdigest())
EOF2
tb_start hb "$TB_DIR/push.log" sh -c "python3 '$TB_DIR/mpserver.py' 6001 > '$TB_DIR/push.sha'"
push_pid=$TB_LAST_PID
tb_start hb "$TB_DIR/bh.log" sh -c "python3 '$TB_DIR/mpserver.py' 6002 > '$TB_DIR/bh.sha'"
bh_pid=$TB_LAST_PID
tb_wait_for 10 sh -c "ip netns exec $TB-hb ss -ltn | grep -q ':6001 '"
tb_wait_for 10 sh -c "ip netns exec $TB-hb ss -ltn | grep -q ':6002 '"
# A middlebox (nftables on rB) that drops SYNs carrying MPTCP options to
# port 6002: the box's client must give up on MP_CAPABLE after three tries
# and connect as plain TCP (blackhole fallback).
printf 'table inet blackhole {\n\tchain forward {\n\t\ttype filter hook forward priority 0;\n\t\t%s\n\t}\n}\n' \
	"tcp dport 6002 tcp flags syn tcp option mptcp exists drop" | tb_exec rb nft -f -
tb_gw_start a
tb_gw_start b

svc_line() { grep "service $1: connection" "$TB_DIR/gwa.log" | sed -n "${2:-1}p"; }
svc_field() { # SERVICE N FIELD(rx|tx) -> "BYTES SHA"
	svc_line "$1" "${2:-1}" | sed -n "s/.* $3 \([0-9]*\) bytes sha256 \([0-9a-f]*\).*/\1 \2/p"
}
wait_svc() { tb_wait_for "${3:-120}" sh -c "[ \$(grep -c 'service $1: connection' '$TB_DIR/gwa.log') -ge ${2:-1} ]"; }

head -c $((MB << 20)) /dev/urandom >"$TB_DIR/blob"
want=$(sha256sum <"$TB_DIR/blob" | cut -d' ' -f1)

timed() { # NAME BYTES COMMAND...: run, print the rate
	local name=$1 bytes=$2 t0 t1
	shift 2
	t0=$(date +%s.%N)
	"$@"
	t1=$(date +%s.%N)
	awk -v n="$name" -v b="$bytes" -v a="$t0" -v z="$t1" \
		'BEGIN{printf "# %s: %.1f MiB in %.2f s, %.0f Mbit/s\n", n, b/1048576, z-a, b*8/(z-a)/1e6}'
}

# ---- box MPTCP client -> kernel MPTCP server (3 subflows: the box joins
# from its two other addresses)
wait "$push_pid" || true
wait_svc mppush 1
tb_log "$(svc_line mppush 1)"
tb_check "box MPTCP client -> kernel MPTCP server: $MB MiB, SHA-256 equal" \
	test "$(svc_field mppush 1 tx)" = "$((MB << 20)) $(cut -d' ' -f1 "$TB_DIR/push.sha")"
tb_check "it was MPTCP, with 3 subflows (the kernel accepted both joins)" \
	sh -c "grep 'service mppush: connection' '$TB_DIR/gwa.log' | sed -n 1p | grep -q 'mptcp yes, subflows 3'"
tb_exec hb nstat -az 2>/dev/null | grep -E 'MPTcp' | grep -v ' 0 ' | sed 's/^/# kernel0: /' || true

# ---- the blackhole: SYNs with MP_CAPABLE dropped on the way
wait "$bh_pid" || true
wait_svc mpblackhole 1 30
tb_log "$(svc_line mpblackhole 1)"
tb_check "SYNs with MP_CAPABLE dropped: the box retried as plain TCP, $MB MiB, SHA-256 equal" \
	sh -c "[ '$(svc_field mpblackhole 1 tx)' = '$((MB << 20)) $(cut -d' ' -f1 "$TB_DIR/bh.sha")' ] &&
		grep 'service mpblackhole: connection' '$TB_DIR/gwa.log' | grep -q 'closed (ok).*mptcp fallback'"
tb_gw_stats a >"$TB_DIR/bh.stats" || true
tb_check "counted as a blackhole fallback" \
	grep -qE '^counter mptcp\.mptcp_fallback_syn_blackhole +[1-9]' "$TB_DIR/bh.stats"
tb_exec rb nft delete table inet blackhole

# ---- kernel MPTCP client -> box MPTCP sink (it joins the addresses the
# box announces)
timed "kernel MPTCP -> box sink ($MB MiB)" $((MB << 20)) \
	tb_exec hb timeout 120 mptcpize run socat -u "OPEN:$TB_DIR/blob" "TCP:$BOX:5001"
wait_svc mpsink 1
tb_log "$(svc_line mpsink 1)"
tb_check "kernel MPTCP -> box: $MB MiB, SHA-256 equal" \
	test "$(svc_field mpsink 1 rx)" = "$((MB << 20)) $want"
tb_check "it was MPTCP, with 3 subflows (the kernel joined both announced addresses), no checksums" \
	sh -c "grep 'service mpsink: connection' '$TB_DIR/gwa.log' | sed -n 1p | grep -q 'mptcp yes, subflows 3, checksums off'"

tb_gw_stats a | grep -E '^counter mptcp' | sed 's/^/# /' || true
tb_exec hb nstat -az 2>/dev/null | grep -E 'MPTcp' | grep -v ' 0 ' | sed 's/^/# kernel: /' || true

# ---- box MPTCP source -> kernel MPTCP client
timed "box source -> kernel MPTCP ($MB MiB)" $((MB << 20)) \
	sh -c "ip netns exec $TB-hb timeout 120 mptcpize run socat -u TCP:$BOX:5002 - | sha256sum > '$TB_DIR/src.sha'"
wait_svc mpsource 1
tb_log "$(svc_line mpsource 1)"
tb_check "box -> kernel MPTCP: $MB MiB, SHA-256 equal" \
	test "$(svc_field mpsource 1 tx)" = "$((MB << 20)) $(cut -d' ' -f1 "$TB_DIR/src.sha")"
tb_check "it was MPTCP, with 3 subflows" \
	sh -c "grep 'service mpsource: connection' '$TB_DIR/gwa.log' | sed -n 1p | grep -q 'mptcp yes, subflows 3'"

# ---- a path cut mid-transfer, each way, once the kernel shows its three
# subflows: the connection goes on over the other two, the sender moving
# what the dead path held (the box says how much it reinjected)
head -c $((CUT_MB << 20)) /dev/urandom >"$TB_DIR/big"
want_big=$(sha256sum <"$TB_DIR/big" | cut -d' ' -f1)
three_subflows() { # PORT: the kernel has 3 established subflows with the box on it
	[ "$(ip netns exec "$TB-hb" ss -tnH state established "( dport = :$1 or sport = :$1 )" | wc -l)" -ge 3 ]
}
tb_start hb "$TB_DIR/cut1.log" sh -c "timeout 120 mptcpize run socat -u TCP:$BOX:5003 - | sha256sum > '$TB_DIR/cut1.sha'"
cut_pid=$TB_LAST_PID
tb_check "box -> kernel: 3 subflows up" tb_wait_for 20 three_subflows 5003
tb_linkem_ctl 1 down >/dev/null
wait "$cut_pid" || true
tb_wait_for 60 sh -c "grep -q 'service mpcut: connection' '$TB_DIR/gwa.log'" || {
	tb_gw_stats a | grep -E 'counter mptcp' | sed 's/^/# diag: /'
	tb_exec hb ss -tniH state established "( sport = :5003 or dport = :5003 )" | sed 's/^/# diag: /'
	tb_exec hb ss -MniH | sed 's/^/# diag: /'
}
tb_log "$(svc_line mpcut 1)"
tb_check "path 1 cut during box -> kernel: $CUT_MB MiB, SHA-256 equal, closed in order" \
	sh -c "[ '$(svc_field mpcut 1 tx)' = '$((CUT_MB << 20)) $(cut -d' ' -f1 "$TB_DIR/cut1.sha")' ] &&
		grep 'service mpcut: connection' '$TB_DIR/gwa.log' | grep -q 'closed (ok)'"
tb_check "the box reinjected what the dead path held" \
	sh -c "grep 'service mpcut: connection' '$TB_DIR/gwa.log' | grep -qE 'reinjected [1-9][0-9]* bytes'"
tb_linkem_ctl 1 up >/dev/null
sleep 1
n=$(($(grep -c 'service mpsink: connection' "$TB_DIR/gwa.log") + 1))
tb_start hb "$TB_DIR/cut2.log" timeout 120 mptcpize run socat -u "OPEN:$TB_DIR/big" "TCP:$BOX:5001"
cut_pid=$TB_LAST_PID
tb_check "kernel -> box: 3 subflows up" tb_wait_for 20 three_subflows 5001
tb_linkem_ctl 1 down >/dev/null
wait "$cut_pid" || true
wait_svc mpsink $n
tb_log "$(svc_line mpsink $n)"
tb_check "path 1 cut during kernel -> box: $CUT_MB MiB, SHA-256 equal, closed in order" \
	sh -c "[ '$(svc_field mpsink $n rx)' = '$((CUT_MB << 20)) $want_big' ] &&
		grep 'service mpsink: connection' '$TB_DIR/gwa.log' | sed -n ${n}p | grep -q 'closed (ok)'"
tb_linkem_ctl 1 up >/dev/null
sleep 1

# ---- the same with DSS checksums (the kernel asks for them)
tb_exec hb sysctl -qw net.mptcp.checksum_enabled=1
n=$(($(grep -c 'service mpsink: connection' "$TB_DIR/gwa.log") + 1))
tb_exec hb timeout 120 mptcpize run socat -u "OPEN:$TB_DIR/blob" "TCP:$BOX:5001"
wait_svc mpsink $n
tb_log "$(svc_line mpsink $n)"
tb_check "with checksums: kernel MPTCP -> box, SHA-256 equal, 3 subflows, checksums on" \
	sh -c "[ '$(svc_field mpsink $n rx)' = '$((MB << 20)) $want' ] &&
		grep 'service mpsink: connection' '$TB_DIR/gwa.log' | sed -n ${n}p | grep -q 'mptcp yes, subflows 3, checksums on'"
tb_exec hb sysctl -qw net.mptcp.checksum_enabled=0

# ---- a middlebox (nftables on rB) strips MPTCP options: from SYNs both
# ways; then from everything host B sends after the handshake (the box
# sees no MP_CAPABLE on the third ACK and no DSS); then from everything
# the box sends after the handshake (the kernel falls back on seeing no
# DSS, after having sent some of its own: the box must follow). Both ends
# must converge on plain TCP and the transfers complete intact, each
# direction.
strip() { # NFT-STATEMENT
	printf 'table inet strip {\n\tchain forward {\n\t\ttype filter hook forward priority 0;\n\t\t%s\n\t}\n}\n' "$1" |
		tb_exec rb nft -f -
}
for rule in "tcp flags syn reset tcp option mptcp" \
	"ip saddr $HB tcp flags ! syn reset tcp option mptcp" \
	"ip daddr $HB tcp flags ! syn reset tcp option mptcp"; do
	strip "$rule"
	n=$(($(grep -c 'service mpsink: connection' "$TB_DIR/gwa.log") + 1))
	tb_exec hb timeout 120 mptcpize run socat -u "OPEN:$TB_DIR/blob" "TCP:$BOX:5001"
	wait_svc mpsink $n
	tb_check "options stripped ($rule): kernel -> box, SHA-256 equal, plain TCP" \
		sh -c "[ '$(svc_field mpsink $n rx)' = '$((MB << 20)) $want' ] &&
			grep 'service mpsink: connection' '$TB_DIR/gwa.log' | sed -n ${n}p | grep -q 'closed (ok).*mptcp fallback'"
	k=$(($(grep -c 'service mpsource: connection' "$TB_DIR/gwa.log") + 1))
	tb_exec hb sh -c "timeout 120 mptcpize run socat -u TCP:$BOX:5002 - | sha256sum > '$TB_DIR/strip.sha'"
	wait_svc mpsource $k
	tb_check "options stripped ($rule): box -> kernel, SHA-256 equal, plain TCP" \
		sh -c "[ '$(svc_field mpsource $k tx)' = '$((MB << 20)) $(cut -d' ' -f1 "$TB_DIR/strip.sha")' ] &&
			grep 'service mpsource: connection' '$TB_DIR/gwa.log' | sed -n ${k}p | grep -q 'closed (ok).*mptcp fallback'"
	tb_exec rb nft delete table inet strip
done

# ---- MPTCP off in the kernel: plain TCP, the box falls back
tb_exec hb sysctl -qw net.mptcp.enabled=0
n=$((n + 1))
tb_exec hb timeout 120 socat -u "OPEN:$TB_DIR/blob" "TCP:$BOX:5001"
wait_svc mpsink $n
tb_log "$(svc_line mpsink $n)"
tb_check "kernel without MPTCP -> box: plain TCP (fallback), SHA-256 equal" \
	sh -c "[ '$(svc_field mpsink $n rx)' = '$((MB << 20)) $want' ] &&
		grep 'service mpsink: connection' '$TB_DIR/gwa.log' | sed -n ${n}p | grep -q 'mptcp fallback'"
tb_exec hb sysctl -qw net.mptcp.enabled=1

rc=0
tb_gw_stop a || rc=$?
tb_check "gwA stopped cleanly, every mbuf back (exit $rc)" test $rc -eq 0
tb_check "gwA: no sanitizer report" \
	sh -c "! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' '$TB_DIR/gwa.log'"
grep -E '^counter mptcp\.' "$TB_DIR/gwa.log" | sort -u | sed 's/^/# /' || true
tb_done
