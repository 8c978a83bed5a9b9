#!/usr/bin/env bash
# The box's TCP against the Linux kernel's, over the testbed: built-in
# services on gwA (sink, source, echo, and a source that connects out) with
# unmodified kernel peers (socat, python) on clean and on lossy, delayed
# paths. Every transfer is checked byte for byte with SHA-256 on both ends;
# also 200 concurrent connections, a kernel client that resets mid-transfer,
# a SYN flood during a transfer, and a capture that tshark finds clean.
#
# usage: test_tcp_kernel.sh [BUILD_DIR]
#   MB=N       clean transfers, MiB each way (default 1024: the issue's 1 GiB)
#   LOSSY_MB=N transfers over 20 ms RTT and 1% loss (default 32; both
#              stacks get 6-7 Mbit/s there, so the issue's 1 GiB takes 45
#              minutes: run by hand with LOSSY_MB=1024, see docs/tcp-cc.md)
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
MB=${MB:-1024}
LOSSY_MB=${LOSSY_MB:-32}
. "$(dirname "$0")/lib.sh"

BOX=198.18.11.2  # gwA wan1, on-link to rA
BOX0=198.18.1.2  # gwA wan0
HB=198.18.2.10   # host B, across the routers

TB_GW_EXTRA_a="services:
  - {name: sink, kind: sink, listen: 5001}
  - {name: source, kind: source, listen: 5002, bytes: $((MB << 20))}
  - {name: echo, kind: echo, listen: 7}
  - {name: lossysrc, kind: source, listen: 5003, bytes: $((LOSSY_MB << 20))}
  - {name: push, kind: source, connect: \"$HB:6001\", from: wan0, bytes: $((MB << 20))}
tcp: {max_half_open: 256}"

# Link 1 (rA-rB, which host B's traffic to gwA wan1 crosses): 10 ms each
# way and 1% loss each way; link 0 clean.
tb_topology 2 1 "delay=0ms" "delay=10ms,loss=1%"
tb_kernel_cc cubic ha hb ra rb
# Host B's route to gwA wan1 goes over link 1; to wan0 over link 0.

# The active service connects at start: host B listens first.
tb_start hb "$TB_DIR/push.log" sh -c "socat -u TCP-LISTEN:6001,reuseaddr - | sha256sum > '$TB_DIR/push.sha'"
push_pid=$TB_LAST_PID
tb_wait_for 10 sh -c "ip netns exec $TB-hb ss -ltn | grep -q ':6001 '"
tb_gw_start a
tb_gw_start b

box_log() { cat "$TB_DIR/gwa.log"; }
# The box's log line for the Nth (1-based) closed connection of SERVICE.
svc_line() { grep "service $1: connection" "$TB_DIR/gwa.log" | sed -n "${2:-1}p"; }
svc_field() { # SERVICE N FIELD(rx|tx) -> "BYTES SHA"
	svc_line "$1" "${2:-1}" | sed -n "s/.* $3 \([0-9]*\) bytes sha256 \([0-9a-f]*\).*/\1 \2/p"
}
wait_svc() { tb_wait_for "${3:-120}" sh -c "[ \$(grep -c 'service $1: connection' '$TB_DIR/gwa.log') -ge ${2:-1} ]"; }

head -c $((MB << 20)) /dev/urandom >"$TB_DIR/blob"
want=$(sha256sum <"$TB_DIR/blob" | cut -d' ' -f1)
head -c $((LOSSY_MB << 20)) /dev/urandom >"$TB_DIR/lossy"
want_lossy=$(sha256sum <"$TB_DIR/lossy" | cut -d' ' -f1)

timed() { # NAME BYTES COMMAND...: run, print the rate
	local name=$1 bytes=$2 t0 t1; shift 2
	t0=$(date +%s.%N)
	"$@"
	t1=$(date +%s.%N)
	awk -v n="$name" -v b="$bytes" -v a="$t0" -v z="$t1" \
		'BEGIN{printf "# %s: %.1f MiB in %.2f s, %.0f Mbit/s\n", n, b/1048576, z-a, b*8/(z-a)/1e6}'
}

# ---- kernel client -> box sink, clean path (on-link from rA)
timed "kernel -> box sink ($MB MiB)" $((MB << 20)) \
	tb_exec ra socat -u "OPEN:$TB_DIR/blob" "TCP:$BOX:5001"
wait_svc sink 1
got=$(svc_field sink 1 rx)
tb_check "kernel -> box: $MB MiB, SHA-256 equal ($(svc_line sink 1 | grep -o 'closed ([a-z]*)'))" \
	test "$got" = "$((MB << 20)) $want"

# ---- box source -> kernel client
timed "box source -> kernel ($MB MiB)" $((MB << 20)) \
	sh -c "ip netns exec $TB-ra socat -u TCP:$BOX:5002 - | sha256sum > '$TB_DIR/src.sha'"
wait_svc source 1
sent=$(svc_field source 1 tx)
tb_check "box -> kernel: $MB MiB, SHA-256 equal" \
	test "$sent" = "$((MB << 20)) $(cut -d' ' -f1 "$TB_DIR/src.sha")"

# ---- box connects out (active open) to a kernel server
wait "$push_pid" || true
wait_svc push 1
pushed=$(svc_field push 1 tx)
tb_check "box connects to kernel server, $MB MiB, SHA-256 equal" \
	test "$pushed" = "$((MB << 20)) $(cut -d' ' -f1 "$TB_DIR/push.sha")"

# ---- echo, both ways at once
tb_exec ra socat -t 60 "TCP:$BOX:7" - <"$TB_DIR/lossy" >"$TB_DIR/echoed"
tb_check "echo: $LOSSY_MB MiB back, SHA-256 equal" \
	test "$(sha256sum <"$TB_DIR/echoed" | cut -d' ' -f1)" = "$want_lossy"

# ---- over 20 ms RTT and 1% loss each way (host B across link 1)
timed "lossy kernel -> box sink ($LOSSY_MB MiB)" $((LOSSY_MB << 20)) \
	tb_exec hb socat -u "OPEN:$TB_DIR/lossy" "TCP:$BOX:5001"
wait_svc sink 2 300
tb_check "lossy kernel -> box: SHA-256 equal ($(svc_line sink 2 | grep -o 'retransmitted [0-9]*') segments by the box)" \
	test "$(svc_field sink 2 rx)" = "$((LOSSY_MB << 20)) $want_lossy"
timed "lossy box -> kernel ($LOSSY_MB MiB)" $((LOSSY_MB << 20)) \
	sh -c "ip netns exec $TB-hb socat -u TCP:$BOX:5003 - | sha256sum > '$TB_DIR/lossy.sha'"
wait_svc lossysrc 1 300
tb_check "lossy box -> kernel: SHA-256 equal ($(svc_line lossysrc 1 | grep -o 'retransmitted [0-9]*') segments)" \
	test "$(svc_field lossysrc 1 tx)" = "$((LOSSY_MB << 20)) $(cut -d' ' -f1 "$TB_DIR/lossy.sha")"

# ---- 200 concurrent connections, each echoing 64 KiB
cat >"$TB_DIR/many.py" <<'EOF'
import os, selectors, socket, sys
host, port, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sel = selectors.DefaultSelector()
conns = []
for i in range(n):
    s = socket.create_connection((host, port), timeout=30)
    s.setblocking(False)
    data = os.urandom(size)
    st = {"s": s, "out": memoryview(data), "want": data, "got": bytearray()}
    conns.append(st)
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
open_ = n
while open_:
    for key, ev in sel.select(timeout=60) or [(None, None)]:
        if key is None:
            sys.exit("timeout")
        st = key.data
        if ev & selectors.EVENT_WRITE and len(st["out"]):
            k = st["s"].send(st["out"][:65536])
            st["out"] = st["out"][k:]
            if not len(st["out"]):
                st["s"].shutdown(socket.SHUT_WR)
                sel.modify(st["s"], selectors.EVENT_READ, st)
        if ev & selectors.EVENT_READ:
            b = st["s"].recv(65536)
            if b:
                st["got"] += b
            else:
                sel.unregister(st["s"])
                st["s"].close()
                open_ -= 1
bad = sum(1 for st in conns if bytes(st["got"]) != st["want"])
print(f"{n} connections, {bad} with wrong data")
sys.exit(1 if bad else 0)
EOF
tb_check "200 concurrent echo connections from the kernel, every byte back" \
	tb_exec ra python3 "$TB_DIR/many.py" $BOX 7 200 65536

# ---- a kernel client that resets mid-transfer
before=$(grep -c 'service sink: connection' "$TB_DIR/gwa.log")
cat >"$TB_DIR/rst.py" <<'EOF'
import os, socket, struct, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(os.urandom(1 << 20))
time.sleep(0.2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()  # linger 0: RST instead of FIN
EOF
tb_exec ra python3 "$TB_DIR/rst.py" $BOX 5001
wait_svc sink $((before + 1)) 30
tb_check "a kernel RST mid-transfer ends the box's connection: $(svc_line sink $((before + 1)) | grep -o 'closed ([^)]*)')" \
	sh -c "svc_line() { grep 'service sink: connection' '$TB_DIR/gwa.log' | sed -n \"\$1p\"; }; svc_line $((before + 1)) | grep -q 'reset by peer'"

# ---- one capture, checked by tshark (before the flood: its half-open
# connections linger a minute)
tb_start ra "$TB_DIR/tshark.log" tshark -q -i wan1 -f "tcp port 5001" -c 20000 -w "$TB_DIR/cap.pcapng"
cap_pid=$TB_LAST_PID
sleep 2
head -c $((8 << 20)) "$TB_DIR/blob" | tb_exec ra socat -u - "TCP:$BOX:5001"
sleep 1
kill -INT "$cap_pid" 2>/dev/null || true
wait "$cap_pid" 2>/dev/null || true
# The payload is random bytes: decoded as plain data, else a heuristic
# dissector (Thrift) now and then takes it for its own and reports errors
# of its own protocol.
tshark -r "$TB_DIR/cap.pcapng" -d tcp.port==5001,data -q -z expert,error >"$TB_DIR/expert.txt" 2>&1 || true
tb_check "tshark: no malformed segments or expert errors in $(tshark -r "$TB_DIR/cap.pcapng" 2>/dev/null | wc -l) frames" \
	sh -c "! grep -iE 'malformed|^ *Error' '$TB_DIR/expert.txt'"

# ---- a SYN flood from rA at wan1 while host B transfers to wan0 (link 0).
# Spoofed random sources never answer the SYN-ACKs, so the half-open table
# (256 here) fills and the box goes on with SYN cookies: host B's connection
# is one of those.
before=$(grep -c 'service sink: connection' "$TB_DIR/gwa.log")
stats0=$(tb_gw_stats a)
tb_start ra "$TB_DIR/hping.log" timeout 6 hping3 -q -S --rand-source -p 5001 -i u200 $BOX
flood_pid=$TB_LAST_PID
sleep 0.5
tb_exec hb socat -u "OPEN:$TB_DIR/lossy" "TCP:$BOX0:5001"
wait "$flood_pid" 2>/dev/null || true
stats1=$(tb_gw_stats a) # after the flood: a busy box (ASan) answers slowly
wait_svc sink $((before + 1)) 60
tb_check "a transfer during a SYN flood completes, SHA-256 equal" \
	test "$(svc_field sink $((before + 1)) rx)" = "$((LOSSY_MB << 20)) $want_lossy"
delta() { echo $(($(tb_counter "$stats1" "tcp.$1") + 0 - $(tb_counter "$stats0" "tcp.$1") - 0)); }
cookies_sent=$(delta tcp_syncookies_sent)
cookies_ok=$(delta tcp_syncookies_ok)
tb_check "the flood filled the half-open table: $cookies_sent SYN cookies sent" \
	test "$cookies_sent" -gt 0
tb_check "host B's connection came back with a valid cookie ($cookies_ok)" \
	test "$cookies_ok" -ge 1

rc=0
tb_gw_stop a || rc=$?
tb_check "gwA stopped cleanly, every mbuf back (exit $rc)" test $rc -eq 0
tb_check "gwA: no sanitizer report" \
	sh -c "! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' '$TB_DIR/gwa.log'"
grep -E '^counter tcp\.' "$TB_DIR/gwa.log" | grep -v ' 0$' | sed 's/^/# /' || true
tb_done
