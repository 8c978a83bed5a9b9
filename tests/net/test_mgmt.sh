#!/usr/bin/env bash
# The management plane on a running pair of boxes, with real clients:
#   - mpgwctl over the control socket: status, peers, paths with their
#     health, rules, connections with their subflows, counters; --json
#     parses everywhere
#   - a path added at run time: the running download opens a subflow on it;
#     a path removed under the download: its subflow closes, the download
#     completes intact
#   - rules added and removed at run time apply to new SYNs
#   - reload (mpgwctl and SIGHUP) of a broken file: refused with its line
#     named, the running configuration and the traffic go on; a good file
#     is applied
#   - path health: a cut link's path goes down, and up again, logged and
#     counted; the probes' RTT is the link's
#   - the control socket refuses a user outside its group, and lets one in
#   - /metrics: a real Prometheus scrapes gwA over a management link and its
#     query API returns the series; promtool check metrics finds nothing;
#     gwB's /metrics (localhost, the default) is not reachable from outside
#
# usage: test_mgmt.sh [BUILD_DIR]
set -euo pipefail
BUILD=${1:-build}
MPGWD=$BUILD/mpgwd
. "$(dirname "$0")/lib.sh"

HA=198.18.1.10
HB=198.18.2.10
PSK=6d7067772d746573742d6b65792d666f722d70726f7879
GROUP=4242 # the control socket's group: no user has it but by setpriv
MGMT_A=198.18.40.1 # gwA's management address, on a link to "mon"
MON=198.18.40.2

TB_GW_EXTRA_a="peers:
  - name: gwb
    psk: $PSK
    paths:
      - {name: p0, local: wan0, remote: 198.18.2.2}
      - {name: p1, local: wan1, remote: 198.18.21.2}
rules:
  - {name: to-hb, dst: $HB/32, action: intercept, peer: gwb}
served: [$HA/32]
proxy: {connect_timeout_ms: 1000, buffer: 4194304}
control: {socket: $TB_DIR/gwa.sock, group: \"$GROUP\", mode: \"0660\"}
metrics: {listen: \"$MGMT_A:9477\"}
health: {probe_interval_ms: 200, probe_timeout_ms: 400, down_after: 3, up_after: 2}"
TB_GW_EXTRA_b="peers:
  - name: gwa
    psk: $PSK
    paths:
      - {name: p0, local: wan0, remote: 198.18.1.2}
      - {name: p1, local: wan1, remote: 198.18.11.2}
      - {name: p2, local: wan2, remote: 198.18.12.2}
rules:
  - {name: to-ha, dst: $HA/32, action: intercept, peer: gwa}
served: [$HB/32]
proxy: {connect_timeout_ms: 1000, buffer: 4194304}
control: {socket: $TB_DIR/gwb.sock}
health: {probe_interval_ms: 200, probe_timeout_ms: 400}"

tb_topology 3 1 "delay=5ms" "delay=5ms" "delay=5ms"
tb_kernel_cc cubic ha hb

# The sockets' directory must let other users reach the socket (the file's
# mode then decides), and mpgwctl must be runnable by them.
chmod 711 "$TB_DIR"
cp "$BUILD/mpgwctl" "$TB_DIR/mpgwctl"
chmod 755 "$TB_DIR/mpgwctl"
CTL="$TB_DIR/mpgwctl -s $TB_DIR/gwa.sock"
ctl() { $CTL "$@"; }
ctlj() { $CTL --json "$@"; }
jq_py() { # EXPR: evaluate EXPR on the JSON document on stdin as `d`
	python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}

# A management link from gwA's namespace to "mon", where Prometheus runs.
tb_ns mon
tb_veth gwa mgmt mon eth0
tb_exec gwa ip addr add $MGMT_A/24 dev mgmt
tb_exec mon ip addr add $MON/24 dev eth0

# Host B serves a blob over HTTP, slowly enough to change paths under it.
head -c $((48 << 20)) /dev/urandom >"$TB_DIR/blob"
want=$(sha256sum <"$TB_DIR/blob" | cut -d' ' -f1)
tb_start hb "$TB_DIR/httpd.log" python3 -m http.server --bind 0.0.0.0 --directory "$TB_DIR" 8080
tb_wait_for 10 tb_exec hb bash -c "exec 3<>/dev/tcp/127.0.0.1/8080" 2>/dev/null || true

for s in a b; do tb_gw_start "$s"; done
tb_check "the control socket is 0660, group $GROUP" \
	test "$(stat -c '%a %g' "$TB_DIR/gwa.sock")" = "660 $GROUP"

out=$(ctlj status)
tb_check "status: version and config, as JSON" \
	test "$(echo "$out" | jq_py 'd["ok"] and d["version"] != "" and d["config"].endswith("gwa.yaml")')" = True

# Predicates for tb_wait_for (functions: it runs them in this shell).
path_state() { # PEER PATH
	ctlj path show peer "$1" | jq_py "[p['state'] for p in d['paths'] if p['name']=='$2'][0]"
}
path_is() { [ "$(path_state gwb "$1")" = "$2" ]; }
states_are() { # STATES: of gwb's paths, in order
	[ "$(ctlj path show peer gwb | jq_py "' '.join(p['state'] for p in d['paths'])")" = "$1" ]
}
conn_paths() { # the paths of the first connection's subflows, sorted
	ctlj connection show |
		jq_py "' '.join(sorted(s['path'] for s in d['connections'][0]['subflows'] if s['state'] != 'closing'))" 2>/dev/null
}
conn_paths_are() { [ "$(conn_paths)" = "$1" ]; }
path_carries() { # PATH: the first connection received bytes on it
	[ "$(ctlj connection show | jq_py "sum(s['bytes_received'] for s in d['connections'][0]['subflows'] if s['path']=='$1') > 0")" = True ]
}

# Both paths come up by their probes, before any traffic.
tb_check "paths p0 and p1 up by their probes" tb_wait_for 10 states_are "up up"
rtt=$(ctlj path show peer gwb | jq_py "[p['rtt_ms'] for p in d['paths'] if p['name']=='p1'][0]")
tb_check "p1's probe RTT is the link's 10 ms (got $rtt)" \
	python3 -c "import sys; sys.exit(not 9 <= $rtt <= 30)"
ctl path show >"$TB_DIR/ctl.out"
tb_check "path show: a table with both paths" \
	sh -c "grep -Eq '^gwb +p0 .*up' '$TB_DIR/ctl.out' && grep -Eq '^gwb +p1 .*up' '$TB_DIR/ctl.out'"

# A download, slowed so that paths change under it.
tb_start ha "$TB_DIR/curl.log" sh -c \
	"curl -sS --limit-rate 4M -o '$TB_DIR/got' http://$HB:8080/blob; echo \"curl exit \$?\""
curl_pid=$TB_LAST_PID
tb_check "the download runs on p0 and p1" tb_wait_for 10 conn_paths_are "p0 p1"
ctl connection show >"$TB_DIR/ctl.out"
tb_check "connection show: the connection and a line per subflow" \
	sh -c "grep -q '$HA:.*$HB:8080' '$TB_DIR/ctl.out' && [ \$(grep -c '^ ' '$TB_DIR/ctl.out') -ge 2 ]"

ctl path add p2 peer gwb local wan2 remote 198.18.22.2 >"$TB_DIR/ctl.out" 2>&1
tb_check "path add p2 at run time" grep -q '^ok' "$TB_DIR/ctl.out"
tb_check "the running download opens a subflow on p2" tb_wait_for 10 conn_paths_are "p0 p1 p2"
tb_check "and the download's bytes come over it" tb_wait_for 10 path_carries p2
tb_check "p2 comes up by its probes" tb_wait_for 10 path_is p2 up

ctl path del p1 peer gwb >"$TB_DIR/ctl.out" 2>&1
tb_check "path del p1 under the download" grep -q '^ok' "$TB_DIR/ctl.out"
tb_check "p1's subflow leaves; p0 and p2 carry on" tb_wait_for 10 conn_paths_are "p0 p2"
tb_check "gwA logged the path added and removed" \
	sh -c "grep -q 'path gwb/p2: added' '$TB_DIR/gwa.log' && grep -q 'path gwb/p1: removed' '$TB_DIR/gwa.log'"

# A broken file is refused whole, naming its line, while the download goes on.
cp "$TB_DIR/gwa.yaml" "$TB_DIR/gwa.good.yaml"
sed -i 's/action: intercept, peer: gwb/action: intercpt, peer: gwb/' "$TB_DIR/gwa.yaml"
line=$(grep -n 'intercpt' "$TB_DIR/gwa.yaml" | cut -d: -f1)
if ctl reload >"$TB_DIR/ctl.out" 2>&1; then rc=0; else rc=$?; fi
tb_check "reload of a broken file: refused, exit 1" test "$rc" = 1
tb_check "the refusal names the file's line $line" grep -q "gwa.yaml:$line:" "$TB_DIR/ctl.out"
kill -HUP "$TB_GW_PID_a"
tb_check "SIGHUP with the broken file: refused and logged with the line" \
	tb_wait_for 5 grep -q "reload (SIGHUP) refused.*gwa.yaml:$line:" "$TB_DIR/gwa.log"
tb_check "status says the last reload failed, and why" \
	test "$(ctlj status | jq_py 'd["reload"]["ok"] == False and "intercpt" in d["reload"]["error"]')" = True
tb_check "the running configuration stayed (p2 still there, p1 still gone)" \
	test "$(ctlj path show peer gwb | jq_py "' '.join(p['name'] for p in d['paths'])")" = "p0 p2"

wait "$curl_pid" || true
got=$(sha256sum <"$TB_DIR/got" | cut -d' ' -f1)
tb_check "the download completed intact through all of it" \
	sh -c "grep -q 'curl exit 0' '$TB_DIR/curl.log' && [ '$got' = '$want' ]"

# The good file again: p1 back, p2 gone (the file is what a reload applies).
cp "$TB_DIR/gwa.good.yaml" "$TB_DIR/gwa.yaml"
ctl reload >"$TB_DIR/ctl.out" 2>&1 || true
tb_check "reload of the good file: applied" grep -q '^ok' "$TB_DIR/ctl.out"
tb_check "paths as the file says again" \
	test "$(ctlj path show peer gwb | jq_py "' '.join(p['name'] for p in d['paths'])")" = "p0 p1"

# Rules at run time: a deny rule first, for port 8080 only.
ctl rule add no-web dst $HB/32 dport 8080 action deny index 0 >"$TB_DIR/ctl.out" 2>&1 || true
tb_check "rule add at run time, first in order" \
	test "$(ctlj rule show | jq_py "d['rules'][0]['name']")" = no-web
if tb_exec ha curl -sS -m 3 -o /dev/null "http://$HB:8080/blob" 2>/dev/null; then rc=0; else rc=$?; fi
tb_check "a new connection to the denied port fails (curl exit $rc)" test "$rc" != 0
tb_check "and gwA says why, in one line" \
	grep -q "proxy: $HA:[0-9]* -> $HB:8080: denied by rule no-web" "$TB_DIR/gwa.log"
# no-web counts the SYNs it denied; to-hb kept the download's through the
# reloads and the rule added before it (its counter follows its name).
tb_check "rule show: hits on no-web, and to-hb's still there" \
	test "$(ctlj rule show | jq_py "d['rules'][0]['hits'] >= 1 and d['rules'][1]['name'] == 'to-hb' and d['rules'][1]['hits'] >= 1")" = True
ctl rule del no-web >/dev/null
tb_check "rule del: the port works again" \
	tb_exec ha curl -sS -m 20 -o /dev/null "http://$HB:8080/blob"
tb_check "counters show has the deny counted" \
	test "$(ctlj counters show | jq_py 'd["counters"]["proxy_denied_by_rule"] >= 1')" = True

# Path health: cut link 1 (path p1), and bring it back.
tb_linkem_ctl 1 down >/dev/null
tb_check "a cut path goes down" tb_wait_for 10 path_is p1 down
tb_linkem_ctl 1 up >/dev/null
tb_check "and up again" tb_wait_for 10 path_is p1 up
# (by way of degraded, both ways: the lost probes stay in the loss window)
tb_check "the changes logged" \
	sh -c "grep -Eq 'path gwb/p1: (up|degraded) -> down' '$TB_DIR/gwa.log' && grep -Eq 'path gwb/p1: down -> (up|degraded)' '$TB_DIR/gwa.log'"
tb_check "and counted" \
	test "$(tb_exec gwa curl -sS -m 5 "http://$MGMT_A:9477/metrics" | awk '$1 ~ /^mpgw_path_state_changes_total\{peer="gwb",path="p1"\}/ {print ($2 >= 3)}')" = 1

# The control socket and who may use it.
if setpriv --reuid=65534 --regid=65534 --clear-groups $CTL status >"$TB_DIR/ctl.out" 2>&1; then
	rc=0
else rc=$?; fi
tb_check "a user outside group $GROUP is refused (exit $rc)" \
	sh -c "[ $rc = 3 ] && grep -qi 'permission denied' '$TB_DIR/ctl.out'"
tb_check "the same user in group $GROUP gets in" \
	setpriv --reuid=65534 --regid=65534 --groups=$GROUP $CTL status

# /metrics: promtool finds nothing to say; Prometheus scrapes it.
tb_exec mon curl -sS -m 5 "http://$MGMT_A:9477/metrics" >"$TB_DIR/metrics.txt"
tb_check "promtool check metrics: clean" \
	sh -c "promtool check metrics <'$TB_DIR/metrics.txt' >'$TB_DIR/promtool.out' 2>&1 && [ ! -s '$TB_DIR/promtool.out' ]"
tb_check "the metrics carry no address" \
	sh -c "! grep -E '^[a-z_]+\\{[^}]*198\\.18\\.' '$TB_DIR/metrics.txt'"
cat >"$TB_DIR/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: mpgw
    static_configs: [{targets: ["$MGMT_A:9477"]}]
EOF
tb_start mon "$TB_DIR/prometheus.log" prometheus --config.file="$TB_DIR/prometheus.yml" \
	--storage.tsdb.path="$TB_DIR/tsdb" --web.listen-address=127.0.0.1:9090
query() { # PROMQL: the first value, or nothing
	tb_exec mon curl -sS -m 5 -G --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
		python3 -c "import json,sys; r=json.load(sys.stdin)['data']['result']; print(r[0]['value'][1] if r else '')"
}
query_is() { [ "$(query "$1")" = "$2" ]; }
query_over() { # PROMQL MIN: its value is above MIN
	local v
	v=$(query "$1")
	python3 -c "import sys; sys.exit(not float('${v:-nan}') > $2)"
}
tb_check "Prometheus scrapes gwA (up == 1)" tb_wait_for 30 query_is 'up{job="mpgw"}' 1
tb_check "Prometheus: path p0 up" query_is 'mpgw_path_up{peer="gwb",path="p0"}' 1
tb_check "Prometheus: connections spliced through gwb" \
	query_over 'mpgw_proxy_spliced_total{peer="gwb"}' 1
tb_check "Prometheus: the last reload succeeded" query_is mpgw_config_last_reload_successful 1
tb_check "Prometheus: connections counted on rule to-hb" \
	query_over 'mpgw_rule_hits_total{rule="to-hb"}' 1
tb_check "Prometheus: bytes on path p0 counted" query_over \
	'mpgw_path_sent_bytes_total{peer="gwb",path="p0"} + mpgw_path_received_bytes_total{peer="gwb",path="p0"}' 1000000
tb_check "Prometheus: setup times in a histogram" query_over \
	'histogram_quantile(0.5, mpgw_proxy_connection_setup_seconds_bucket{peer="gwb"})' 0

# gwB's /metrics is on its localhost: there, not elsewhere.
tb_check "gwB's /metrics answers on its own localhost" \
	tb_exec gwb curl -sS -m 5 -o /dev/null http://127.0.0.1:9477/metrics
tb_check "and nothing answers it from host B's namespace" \
	sh -c "! ip netns exec $TB-hb curl -sS -m 3 -o /dev/null http://127.0.0.1:9477/metrics 2>/dev/null"
tb_check "nor from gwA's management link" \
	sh -c "! ip netns exec $TB-mon curl -sS -m 3 -o /dev/null http://198.18.2.2:9477/metrics 2>/dev/null"

for s in a b; do tb_check "gw$s stops with every mbuf back" tb_gw_stop "$s"; done
tb_done
