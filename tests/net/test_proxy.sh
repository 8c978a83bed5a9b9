#!/usr/bin/env bash
# The product end to end: unmodified kernel hosts on both sides, two boxes
# inline, 3 WAN paths of 10 ms RTT. Host A's TCP to host B is intercepted by
# gwA, carried to gwB as MPTCP over the 3 paths (conversion exchange with
# the pre-shared key), and re-originated by gwB from host A's own address.
#   - curl downloads and uploads MB MiB over HTTP: SHA-256 equal; the server
#     sees host A's address; both boxes log one connection with 3 subflows
#   - iperf3 with 32 parallel streams, each way
#   - half-close both ways, a server's RST, an idle timeout
#   - a closed port on host B: curl says "Connection refused", promptly
#   - ICMP, UDP and TCP outside every rule pass the inline pairs untouched
#   - a path cut during a download: the download completes
#   - a kernel MPTCP client that is not a peer, and one from a peer address
#     that cannot prove the key: host B sees no connection at all
#   - every WAN path down before connecting: the connection goes the
#     ordinary way (fail open) and the counters say why
#   - peer kinds against the kernel: host A's TCP converted to MPTCP
#     straight to host B's kernel MPTCP server (mptcp-server), and a kernel
#     MPTCP client of gwB forwarded as TCP to host B (mptcp-clients)
#
# usage: test_proxy.sh [BUILD_DIR]
#   MB=N       MiB per transfer (default 256)
#   WORKERS=N  worker lcores per box (default 1)
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
MB=${MB:-256}
. "$(dirname "$0")/lib.sh"

HA=198.18.1.10
HB=198.18.2.10
PSK=6d7067772d746573742d6b65792d666f722d70726f7879 # "mpgw-test-key-for-proxy"
ROGUE_PSK=00112233445566778899aabbccddeeff

# Each box: its peer over 3 paths, a rule intercepting TCP to the other
# host, and what it serves (its own host). gwB also knows a "rogue" peer at
# rA's link-0 address, with a key rA's client does not have.
TB_GW_EXTRA_a="peers:
  - name: gwb
    psk: $PSK
    paths:
      - {name: p0, local: wan0, remote: 198.18.2.2}
      - {name: p1, local: wan1, remote: 198.18.21.2}
      - {name: p2, local: wan2, remote: 198.18.22.2}
  - name: ksrv
    kind: mptcp-server
    paths: [{name: p0, local: wan0}, {name: p1, local: wan1}, {name: p2, local: wan2}]
rules:
  - {name: to-ksrv, dst: $HB/32, dport: 7000, action: intercept, peer: ksrv}
  - {name: to-hb, dst: $HB/32, action: intercept, peer: gwb}
served: [$HA/32]
proxy: {connect_timeout_ms: 1000, buffer: 4194304, idle_timeout_s: 6}"
TB_GW_EXTRA_b="peers:
  - name: gwa
    psk: $PSK
    paths:
      - {name: p0, local: wan0, remote: 198.18.1.2}
      - {name: p1, local: wan1, remote: 198.18.11.2}
      - {name: p2, local: wan2, remote: 198.18.12.2}
  - name: rogue
    psk: $ROGUE_PSK
    paths:
      - {name: p0, local: wan0, remote: 198.18.30.1}
  - {name: kclients, kind: mptcp-clients, listen: 7100, backend: \"$HB:7101\"}
rules:
  - {name: to-ha, dst: $HA/32, action: intercept, peer: gwa}
served: [$HB/32]
proxy: {connect_timeout_ms: 1000, buffer: 4194304, idle_timeout_s: 6}"

tb_topology 3 "${WORKERS:-1}" "delay=5ms" "delay=5ms" "delay=5ms"
tb_kernel_cc cubic ha hb ra rb
for ns in ra rb hb; do tb_exec "$ns" sysctl -qw net.mptcp.enabled=1; done
tb_exec hb ip mptcp limits set subflows 2 add_addr_accepted 0
tb_exec ra ip mptcp limits set subflows 2 add_addr_accepted 2

# Host B: an HTTP server that serves the blob, hashes uploads, and logs
# every client's address; a plain listener that logs any connection.
cat >"$TB_DIR/httpd.py" <<'EOF2'
import hashlib, http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, fmt, *a):
        pass
    def note(self, what):
        print("%s from %s:%d %s" % (self.command, self.client_address[0],
              self.client_address[1], what), flush=True)
    def do_GET(self):
        data = open(sys.argv[2], "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.note("sent %d" % len(data))
    def do_PUT(self):
        n = int(self.headers["Content-Length"])
        h = hashlib.sha256()
        while n > 0:
            d = self.rfile.read(min(n, 1 << 20))
            if not d:
                break
            h.update(d)
            n -= len(d)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.note("sha256 " + h.hexdigest())
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
EOF2
cat >"$TB_DIR/listen.py" <<'EOF2'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, a = s.accept()
    print("accepted from %s:%d" % a, flush=True)
    c.close()
EOF2
# A kernel MPTCP client that asks a box for a connection with a request
# whose HMAC is made up (docs/convert.md: header, CLIENT, DEST, NONCE,
# TIME, AUTH).
cat >"$TB_DIR/forge.py" <<'EOF2'
import os, socket, struct, sys, time
box, port, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def addr(t, a, p):
    return struct.pack("!BBHB3x4s", t, 3, p, 1, socket.inet_aton(a))
body = (addr(0x81, "198.18.1.99", 40000) + addr(0x82, dst, dport) +
        struct.pack("!BBH16s", 0x84, 5, 0, os.urandom(16)) +
        struct.pack("!BBHQ", 0x85, 3, 0, int(time.time() * 1000)) +
        struct.pack("!BBH32s", 0x87, 9, 0, os.urandom(32)))
msg = struct.pack("!BBHB3x", 1, (8 + len(body)) // 4, 0x6d67, 1) + body
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
s.settimeout(10)
try:
    s.connect((box, port))
    s.sendall(msg)
    print("answer: %r" % s.recv(100))
except OSError as e:
    print("error: %s" % e)
EOF2
# A sink that logs its client and the SHA-256 of what it got; MPTCP with
# "mptcp" (the listening socket stays open: the kernel takes joins on it).
cat >"$TB_DIR/sink.py" <<'EOF2'
import hashlib, socket, sys
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262 if sys.argv[2] == "mptcp" else 0)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1])))
ls.listen(8)
while True:
    c, a = ls.accept()
    h = hashlib.sha256()
    while True:
        d = c.recv(1 << 20)
        if not d:
            break
        h.update(d)
    print("from %s:%d sha256 %s" % (a[0], a[1], h.hexdigest()), flush=True)
    c.close()
EOF2
# Ends of connections: a server that answers after the client's FIN
# (half-close), one that resets, one that says nothing.
cat >"$TB_DIR/ends.py" <<'EOF2'
import socket, struct, sys, threading, time
def serve(c, mode):
    if mode == "halfclose": # read to EOF, then answer with what was read
        got = b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            got += d
        c.sendall(b"got %d" % len(got))
        c.close()
    elif mode == "reset":
        c.recv(100)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    else: # idle: wait for the other end
        try:
            c.recv(100)
            print("idle connection ended", flush=True)
        except OSError as e:
            print("idle connection ended: %s" % e, flush=True)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1])))
ls.listen(8)
while True:
    threading.Thread(target=serve, args=(ls.accept()[0], sys.argv[2]), daemon=True).start()
EOF2
cat >"$TB_DIR/endc.py" <<'EOF2'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
mode = sys.argv[3]
try:
    if mode == "halfclose":
        s.sendall(b"x" * 100000)
        s.shutdown(socket.SHUT_WR)
        print(s.recv(100).decode())
    elif mode == "reset":
        s.sendall(b"hello")
        print("recv: %r" % s.recv(100))
    else:
        print("recv: %r" % s.recv(100)) # nothing comes; the box gives up
except OSError as e:
    print("error: %s" % e)
EOF2
for m in halfclose:7201 reset:7202 idle:7203; do
	tb_start hb "$TB_DIR/ends-${m%%:*}.log" python3 -u "$TB_DIR/ends.py" "${m##*:}" "${m%%:*}"
done
tb_start hb "$TB_DIR/ksink.log" python3 -u "$TB_DIR/sink.py" 7000 mptcp
# The mptcp-clients backend reads slowly (about 16 MB/s): back-pressure.
sed 's/d = c.recv(1 << 20)/d = c.recv(1 << 16); __import__("time").sleep(0.004)/' \
	"$TB_DIR/sink.py" >"$TB_DIR/slowsink.py"
tb_start hb "$TB_DIR/backend.log" python3 -u "$TB_DIR/slowsink.py" 7101 tcp
tb_start hb "$TB_DIR/httpd.log" python3 -u "$TB_DIR/httpd.py" 8080 "$TB_DIR/blob"
tb_start hb "$TB_DIR/listen.log" python3 -u "$TB_DIR/listen.py" 8099
tb_start rb "$TB_DIR/rb_listen.log" python3 -u "$TB_DIR/listen.py" 8098
head -c $((MB << 20)) /dev/urandom >"$TB_DIR/blob"
sha_blob=$(sha256sum "$TB_DIR/blob" | cut -d' ' -f1)
tb_wait_for 10 sh -c "ip netns exec $TB-hb ss -ltn | grep -q ':8080 '"
tb_gw_start a
tb_gw_start b

tb_stat_mempool() { echo "$1" | awk '$1=="mempool" && $2=="rx" {print $4}'; }
stat_a() { tb_gw_stats a; }
stat_b() { tb_gw_stats b; }

# ---- download and upload through the boxes
t0=$(date +%s.%N)
tb_check "curl in host A downloads $MB MiB from host B through the boxes, SHA-256 equal" \
	sh -c "ip netns exec $TB-ha curl -sS --max-time 300 -o '$TB_DIR/got' http://$HB:8080/blob &&
		[ \$(sha256sum '$TB_DIR/got' | cut -d' ' -f1) = $sha_blob ]"
t1=$(date +%s.%N)
tb_log "download: $(awk -v a="$t0" -v z="$t1" -v mb="$MB" 'BEGIN{printf "%.0f", mb * 8.389 / (z - a)}') Mbit/s"
tb_check "the server saw host A's own address" grep -q "^GET from $HA:" "$TB_DIR/httpd.log"
tb_check "gwA: one intercepted connection over 3 subflows, closed in order" \
	tb_wait_for 10 grep -q "proxy: intercepted $HA:[0-9]* -> $HB:8080 via gwb closed (ok).*subflows 3" "$TB_DIR/gwa.log"
far_bytes() { # the first far connection's server->client bytes (3 subflows, in order)
	sed -n "s/.*proxy: far $HA:[0-9]* -> $HB:8080 via gwa closed (ok).*server->client \([0-9]*\) bytes, subflows 3 .*/\1/p" \
		"$TB_DIR/gwb.log" | head -1
}
far_ok() { [ "$(far_bytes)" -ge $((MB << 20)) ] 2>/dev/null; }
tb_check "gwB: the far end of it, 3 subflows, the $MB MiB and the headers to the client" \
	tb_wait_for 10 far_ok

tb_check "curl in host A uploads $MB MiB to host B through the boxes, SHA-256 equal" \
	sh -c "ip netns exec $TB-ha curl -sS --max-time 300 -T '$TB_DIR/blob' http://$HB:8080/up &&
		tb_wait_for() { for _ in \$(seq 50); do \"\$@\" && return 0; sleep 0.1; done; return 1; };
		tb_wait_for grep -q 'PUT from $HA:[0-9]* sha256 $sha_blob' '$TB_DIR/httpd.log'"

# ---- many connections at once: iperf3 with 32 streams, each way
tb_start hb "$TB_DIR/iperf3s.log" iperf3 -s -p 5201
tb_wait_for 10 sh -c "ip netns exec $TB-hb ss -ltn | grep -q ':5201 '"
spliced_before=$(tb_counter "$(stat_a)" proxy_spliced)
iperf() { # ARGS...: 32 streams for 3 s; prints the receiver's Mbit/s
	tb_exec ha iperf3 -c $HB -p 5201 -P 32 -t 3 -J "$@" >"$TB_DIR/iperf3.json" 2>&1 &&
		python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(int(j['end']['sum_received']['bits_per_second']/1e6))" \
			"$TB_DIR/iperf3.json"
}
for dir in "" -R; do
	mbit=$(iperf $dir || echo 0)
	tb_check "iperf3 through the boxes, 32 streams ${dir:-(A to B)}: $mbit Mbit/s" test "$mbit" -gt 0
done
spliced=$(($(tb_counter "$(stat_a)" proxy_spliced) - spliced_before))
tb_check "gwA spliced them all (2 x 33 connections: $spliced)" test "$spliced" -ge 66

# ---- refused, passthrough
t0=$(date +%s%N)
tb_exec ha curl -sSv --max-time 20 http://$HB:8081/ >"$TB_DIR/refused.out" 2>&1 || true
t1=$(date +%s%N)
tb_check "a closed port on host B: curl says Connection refused" \
	grep -q 'connect to .* failed: Connection refused' "$TB_DIR/refused.out"
tb_check "... within a second ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 1000
tb_check "ICMP from host A to host B passes the boxes" tb_exec ha ping -c 2 -W 2 -q $HB
tb_check "UDP from host A to host B passes the boxes" \
	sh -c "ip netns exec $TB-hb timeout 5 socat -u UDP-RECV:9999 OPEN:'$TB_DIR/udp.out',creat &
		sleep 0.5; echo udp-hello | ip netns exec $TB-ha socat -u - UDP-SENDTO:$HB:9999;
		sleep 0.5; grep -q udp-hello '$TB_DIR/udp.out'"
tb_check "TCP to an address outside every rule (rB) passes untouched" \
	sh -c "echo hi | ip netns exec $TB-ha socat -u - TCP:198.18.2.1:8098,connect-timeout=5 &&
		sleep 0.3 && grep -q 'accepted from $HA:' '$TB_DIR/rb_listen.log'"

# ---- ends of connections, through the boxes
tb_check "half-close: host A's FIN reaches the server, whose answer still comes back" \
	sh -c "ip netns exec $TB-ha python3 '$TB_DIR/endc.py' $HB 7201 halfclose | grep -qx 'got 100000'"
out=$(tb_exec ha python3 "$TB_DIR/endc.py" $HB 7202 reset)
tb_check "a RST from the server resets host A's connection ($out)" \
	sh -c "echo '$out' | grep -q 'Connection reset by peer'"
t0=$(date +%s)
out=$(tb_exec ha python3 "$TB_DIR/endc.py" $HB 7203 idle)
t1=$(date +%s)
tb_check "an idle connection is reset on both sides after proxy.idle_timeout_s ($out, $((t1 - t0)) s)" \
	sh -c "echo '$out' | grep -q 'Connection reset by peer' && [ $((t1 - t0)) -ge 5 ] &&
		grep -q 'idle connection ended' '$TB_DIR/ends-idle.log'"
sa=$(stat_a)
sb=$(stat_b)
tb_check "the boxes counted the aborts and the idle timeout (the first to time out resets the other)" \
	sh -c "[ $(tb_counter "$sa" proxy_aborted) -ge 1 ] &&
		[ $(($(tb_counter "$sa" proxy_idle_timeouts) + $(tb_counter "$sb" proxy_idle_timeouts))) -ge 1 ]"

# ---- a path cut during a download
ip netns exec "$TB-ha" curl -sS --max-time 300 -o "$TB_DIR/got2" "http://$HB:8080/blob" &
curl_pid=$!
sleep 2
tb_linkem_ctl 1 down >/dev/null
sleep 2
tb_linkem_ctl 1 up >/dev/null
rc=0
wait $curl_pid || rc=$?
tb_check "path 1 cut during a download: it completes, SHA-256 equal (curl exit $rc)" \
	sh -c "[ $rc -eq 0 ] && [ \$(sha256sum '$TB_DIR/got2' | cut -d' ' -f1) = $sha_blob ]"

# ---- peer kinds: an MPTCP server with no far box, MPTCP clients of a box
tb_check "mptcp-server: host A's plain TCP to host B's kernel MPTCP server, $MB MiB, SHA-256 equal" \
	sh -c "ip netns exec $TB-ha socat -u OPEN:'$TB_DIR/blob' TCP:$HB:7000 &&
		tb_wait_for() { for _ in \$(seq 100); do \"\$@\" && return 0; sleep 0.1; done; return 1; };
		tb_wait_for grep -q 'from 198.18.1.2:[0-9]* sha256 $sha_blob' '$TB_DIR/ksink.log'"
tb_check "... carried by gwA as MPTCP over 3 subflows" \
	tb_wait_for 10 grep -q "proxy: intercepted $HA:[0-9]* -> $HB:7000 via ksrv closed (ok).*subflows 3" "$TB_DIR/gwa.log"
ip netns exec "$TB-ra" mptcpize run socat -u OPEN:"$TB_DIR/blob" TCP:198.18.2.2:7100 &
socat_pid=$!
sleep 2
mid=$(tb_stat_mempool "$(stat_b)")
rc=0
wait $socat_pid || rc=$?
tb_check "mptcp-clients: a kernel MPTCP client (rA) to gwB, forwarded to a slow backend on host B, $MB MiB, SHA-256 equal" \
	sh -c "[ $rc -eq 0 ] &&
		tb_wait_for() { for _ in \$(seq 300); do \"\$@\" && return 0; sleep 0.1; done; return 1; };
		tb_wait_for grep -q 'from 198.18.30.1:[0-9]* sha256 $sha_blob' '$TB_DIR/backend.log' ||
		{ echo 'backend:'; cat '$TB_DIR/backend.log'; grep 'proxy: service' '$TB_DIR/gwb.log'; exit 1; }"
# What gwB may hold for it: the backend connection's send buffer, the
# MPTCP receive buffer, and what the 3 subflows hold back while that is
# full, each proxy.buffer (4 MiB): 20 MiB, about 15,000 mbufs of a 1424-byte
# segment; without back-pressure it would be the whole transfer.
tb_check "... gwB held $mid receive mbufs in mid-transfer: bounded by the buffers, not the transfer" \
	test "${mid:-99999}" -le 15000
tb_check "... the backend saw the client's own address, gwB took 3 subflows (joins to what it announced)" \
	tb_wait_for 10 grep -q "proxy: service 198.18.30.1:[0-9]* -> $HB:7101 via kclients closed (ok).*subflows 3" "$TB_DIR/gwb.log"

# ---- an mptcp-clients peer added and removed at run time (mpgwctl on gwB)
ctlb() { "$BUILD/mpgwctl" -s "$TB_DIR/gwb.sock" "$@"; }
head -c $((4 << 20)) /dev/urandom >"$TB_DIR/small"
sha_small=$(sha256sum "$TB_DIR/small" | cut -d' ' -f1)
ctlb peer add kc2 kind mptcp-clients listen 7200 backend "$HB:7101" >"$TB_DIR/ctl.out" 2>&1 || true
tb_check "peer add at run time: mptcp-clients kc2 listening on 7200 ($(head -c 200 "$TB_DIR/ctl.out"))" \
	grep -q '^ok' "$TB_DIR/ctl.out"
if ip netns exec "$TB-ra" timeout 60 mptcpize run socat -u OPEN:"$TB_DIR/small" TCP:198.18.2.2:7200 \
	>"$TB_DIR/socat.out" 2>&1; then rc=0; else rc=$?; fi
got_small() { # N: the backend has seen the small file N times
	[ "$(grep -c "from 198.18.30.1:[0-9]* sha256 $sha_small" "$TB_DIR/backend.log")" -ge "$1" ]
}
tb_check "... a kernel MPTCP client (rA) to it, forwarded to host B, SHA-256 equal (socat exit $rc)" \
	sh -c "[ $rc -eq 0 ]"
tb_check "... the backend got it" tb_wait_for 10 got_small 1
tb_check "... through kc2" \
	tb_wait_for 10 grep -q "proxy: service 198.18.30.1:[0-9]* -> $HB:7101 via kc2 closed (ok)" "$TB_DIR/gwb.log"
ctlb peer del kc2 >"$TB_DIR/ctl.out" 2>&1 || true
tb_check "peer del kc2 at run time" grep -q '^ok' "$TB_DIR/ctl.out"
tb_check "... gwB logged kc2's port opened and closed" \
	sh -c "grep -q 'peer kc2: listening on port 7200' '$TB_DIR/gwb.log' &&
		grep -q 'peer kc2: port 7200 closed' '$TB_DIR/gwb.log'"
if ip netns exec "$TB-ra" timeout 20 mptcpize run socat -u OPEN:"$TB_DIR/small" TCP:198.18.2.2:7200 \
	>"$TB_DIR/socat.out" 2>&1; then rc=0; else rc=$?; fi
tb_check "... port 7200 refuses a new connection (socat exit $rc)" \
	sh -c "[ $rc -ne 0 ] && grep -qi 'refused' '$TB_DIR/socat.out'"
if ip netns exec "$TB-ra" timeout 60 mptcpize run socat -u OPEN:"$TB_DIR/small" TCP:198.18.2.2:7100 \
	>"$TB_DIR/socat.out" 2>&1; then rc=0; else rc=$?; fi
tb_check "... while kclients on 7100 still takes one (socat exit $rc)" \
	sh -c "[ $rc -eq 0 ]"
tb_check "... the backend got it" tb_wait_for 10 got_small 2

# ---- who may ask: not a peer, a peer address without the key
tb_exec ra python3 "$TB_DIR/forge.py" 198.18.2.2 6543 $HB 8099 >"$TB_DIR/forge1.out" 2>&1 || true
sb=$(stat_b)
tb_check "gwB refused rA's MPTCP: wrong key, counted ($(cat "$TB_DIR/forge1.out"))" \
	test "$(tb_counter "$sb" proxy.convert_auth_failed)" -ge 1
# From rA's LAN address: no peer's at all.
tb_exec ra python3 - "$TB_DIR/forge.py" <<'EOF2' >"$TB_DIR/forge2.out" 2>&1 || true
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)
s.bind(("198.18.1.1", 0))
s.settimeout(5)
try:
    s.connect(("198.18.2.2", 6543)); s.sendall(b"x" * 64); print(s.recv(10))
except OSError as e:
    print("error: %s" % e)
EOF2
sb=$(stat_b)
tb_check "gwB refused MPTCP from an address of no peer, counted ($(cat "$TB_DIR/forge2.out"))" \
	test "$(tb_counter "$sb" proxy_far_refused_not_a_peer)" -ge 1
tb_check "host B saw no connection from either" test ! -s "$TB_DIR/listen.log"

# ---- every WAN path down before connecting: fail open
printf 'table inet wandown {\n\tchain forward {\n\t\ttype filter hook forward priority 0;\n\t\tip saddr { 198.18.1.2, 198.18.11.2, 198.18.12.2 } drop\n\t}\n}\n' |
	tb_exec ra nft -f -
tb_check "all paths down: curl still gets its answer the ordinary way, SHA-256 equal" \
	sh -c "ip netns exec $TB-ha curl -sS --max-time 60 -o '$TB_DIR/got3' http://$HB:8080/blob &&
		[ \$(sha256sum '$TB_DIR/got3' | cut -d' ' -f1) = $sha_blob ]"
tb_check "... and a second connection at once, the peer known down" \
	sh -c "echo hi | ip netns exec $TB-ha curl -sS --max-time 20 -o /dev/null http://$HB:8080/blob"
tb_exec ra nft delete table inet wandown
sa=$(stat_a)
tb_check "gwA counted the pass-through: peer timeout then peer down" \
	sh -c "[ $(tb_counter "$sa" proxy_passthrough_peer_timeout) -ge 1 ] &&
		[ $(tb_counter "$sa" proxy_passthrough_peer_down) -ge 1 ]"
tb_check "host B saw host A's address on those too" \
	test "$(grep -c "^GET from $HA:" "$TB_DIR/httpd.log")" -ge 4

rc=0
tb_gw_stop a || rc=$?
tb_check "gwA stopped cleanly, every mbuf back (exit $rc)" test $rc -eq 0
rc=0
tb_gw_stop b || rc=$?
tb_check "gwB stopped cleanly, every mbuf back (exit $rc)" \
	sh -c "[ $rc -eq 0 ] || { grep -E 'mbufs|^mempool|^gauge|proxy_(aborted|idle)|mptcp\.' '$TB_DIR/gwb.log' | tail -40; exit 1; }"
tb_check "no sanitizer report" sh -c "! grep -q 'ERROR: AddressSanitizer\|runtime error' '$TB_DIR/gwa.log' '$TB_DIR/gwb.log'"
tb_done
