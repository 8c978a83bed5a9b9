#!/usr/bin/env bash
# make demo: the product as a newcomer should first see it. Two mpgw boxes
# inline in front of two unmodified hosts, three WAN paths of 50 Mbit/s and
# 10 ms RTT each between the sites (the link emulator). Host A downloads the
# same file from host B twice: once the ordinary way (one path), once
# through the boxes (intercepted by gwA, carried to gwB as MPTCP over all
# three paths, re-originated by gwB in host A's name). Live progress, then
# the two throughputs. Everything is removed at the end, also on Ctrl-C.
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
MB=${MB:-64}
RATE=${RATE:-50}
. "$(dirname "$0")/lib.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

HA=198.18.1.10
HB=198.18.2.10
PSK=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# Each box: its peer over the 3 paths (its address, the peer's), the key
# they share, a rule (TCP to host B's port 8080 is intercepted; anything
# else is bridged as if the box were not there), and what it serves.
gw_extra() { # PEER-NAME PEER-SIDE-LAN PEER-WANBASE DST SERVED
	cat <<EOF
peers:
  - name: $1
    psk: $PSK
    paths:
      - {name: p0, local: wan0, remote: 198.18.$2.2}
      - {name: p1, local: wan1, remote: 198.18.$(($3 + 1)).2}
      - {name: p2, local: wan2, remote: 198.18.$(($3 + 2)).2}
rules:
  - {name: web, dst: $4/32, dport: 8080, action: intercept, peer: $1}
served: [$5/32]
EOF
}
TB_GW_EXTRA_a=$(gw_extra gwb 2 20 $HB $HA)
TB_GW_EXTRA_b=$(gw_extra gwa 1 10 $HA $HB)

spec="delay=5ms,rate=${RATE}mbit"
say "The testbed: host A - gwA - rA == 3 WAN paths ($RATE Mbit/s, 10 ms RTT each) == rB - gwB - host B"
tb_topology 3 1 "$spec" "$spec" "$spec"
tb_kernel_cc cubic ha hb
tb_gw_start a
tb_gw_start b
echo "gwA and gwB running; their configuration and logs: $TB_DIR/gw{a,b}.{yaml,log}"
echo "gwA's rule: TCP to host B ($HB) port 8080 is intercepted; the rest is bridged untouched"

say "Host B serves a $MB MiB file over HTTP on ports 8080 and 8081 (python3 http.server)"
mkdir "$TB_DIR/www"
head -c $((MB << 20)) /dev/urandom >"$TB_DIR/www/file"
for p in 8080 8081; do
	tb_start hb "$TB_DIR/http$p.log" python3 -m http.server -d "$TB_DIR/www" $p
	tb_wait_for 10 sh -c "ip netns exec $TB-hb ss -ltn | grep -q ':$p '"
done
echo "sha256 $(sha256sum "$TB_DIR/www/file" | cut -d' ' -f1)"

fetch() { # PORT: curl with its live meter; leaves Mbit/s in $mbit
	local bps
	bps=$(tb_exec ha curl -o "$TB_DIR/got" -w '%{speed_download}' "http://$HB:$1/file")
	mbit=$(awk -v b="$bps" 'BEGIN{printf "%.0f", b * 8 / 1e6}')
	echo "received: sha256 $(sha256sum "$TB_DIR/got" | cut -d' ' -f1), $mbit Mbit/s"
}

say "1. The ordinary way: host A fetches it from port 8081 (no rule: one path, as without the boxes)"
fetch 8081
direct=$mbit

CTL="$BUILD/mpgwctl -s $TB_DIR/gwa.sock"
say "gwA's paths to gwB, as mpgwctl shows them (health from echo probes)"
tb_wait_for 10 sh -c "$CTL path show | grep -c ' up ' | grep -q 3" || true
$CTL path show

say "2. Through the boxes: the same from port 8080 (MPTCP over 3 paths between gwA and gwB)"
( sleep 3; echo; $CTL connection show ) &
shower=$!
fetch 8080
boxed=$mbit
wait $shower
echo "host B's server saw the client as: $(tail -1 "$TB_DIR/http8080.log" | cut -d' ' -f1) (host A itself)"
tb_wait_for 10 grep -q "proxy: intercepted" "$TB_DIR/gwa.log" || true
echo "gwA: $(grep -o 'proxy: intercepted.*' "$TB_DIR/gwa.log" | tail -1)"
echo "gwB: $(grep -o 'proxy: far.*' "$TB_DIR/gwb.log" | tail -1)"

say "What gwA counted for it (mpgwctl counters; the same on http://127.0.0.1:9477/metrics)"
$CTL counters | grep -E '^(proxy_|mptcp\.)' | grep -v ' 0$' | sed 's/^/  /'

say "Result"
printf '  the ordinary way (one path):  %4s Mbit/s\n' "$direct"
printf '  through the boxes (3 paths):  %4s Mbit/s  (%sx)\n' "$boxed" \
	"$(awk -v a="$boxed" -v b="$direct" 'BEGIN{printf "%.1f", b ? a / b : 0}')"

say "Stopping: each box checks that every mbuf came back"
for s in a b; do
	tb_gw_stop $s && echo "gw$s: $(grep -o 'stopped.*' "$TB_DIR/gw$s.log")"
done
say "Done; the testbed is being removed"
