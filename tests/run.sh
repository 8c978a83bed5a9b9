#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed".
#   tests/run.sh BUILD [SAN_BUILD]      unit tests, then network tests
#   tests/run.sh --unit-only BUILD
#   tests/run.sh --net-only BUILD SAN_BUILD
set -uo pipefail
cd "$(dirname "$0")/.."

unit=1 net=1
case "${1:-}" in
--unit-only) net=0; shift ;;
--net-only) unit=0; shift ;;
esac
BUILD=${1:-build}
SAN=${2:-build-san}
pass=0 fail=0 failed=()

run() { # NAME COMMAND...
	local name=$1 t0 rc
	shift
	echo "=== $name"
	t0=$(date +%s)
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); echo "=== $name: PASS ($(($(date +%s) - t0)) s)"
	else
		fail=$((fail + 1)); failed+=("$name"); echo "=== $name: FAIL (exit $rc)"
	fi
}

if [ $unit -eq 1 ]; then
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] && run "unit/$(basename "$t")" "$t"
	done
	for t in "$SAN"/tests/test_*; do
		[ -x "$t" ] && run "unit-san/$(basename "$t")" "$t"
	done
	# Simulations: 1000 seeds each (SIM_SEEDS to change), plain and ASan.
	for t in "$BUILD"/tests/sim_* "$SAN"/tests/sim_*; do
		[ -x "$t" ] && run "sim/$(basename "$(dirname "$(dirname "$t")")")/$(basename "$t")" "$t"
	done
	run "lint (clang-format, cppcheck)" make --no-print-directory lint
	# Every fuzz harness over its corpus and 20,000 mutations, under ASan.
	run "fuzz-smoke (SANITIZE=1)" make --no-print-directory SANITIZE=1 fuzz-smoke
fi
if [ $net -eq 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "network tests need root (namespaces, veths)"; exit 1
	fi
	for t in tests/net/test_*.sh; do
		run "net/$(basename "$t" .sh)" "$t" "$BUILD"
	done
	# Two workers per box: queues spread by the port, the box's own frames
	# redirected to worker 0.
	WORKERS=2 run "net/test_bridge (2 workers)" tests/net/test_bridge.sh "$BUILD"
	# The gateway under ASan+UBSan.
	run "net/test_bridge (SANITIZE=1)" tests/net/test_bridge.sh "$SAN"
	MB=64 LOSSY_MB=8 run "net/test_tcp_kernel (SANITIZE=1)" tests/net/test_tcp_kernel.sh "$SAN"
	MB=16 run "net/test_mptcp_kernel (SANITIZE=1)" tests/net/test_mptcp_kernel.sh "$SAN"
	# The proxy with inside frames redirected to worker 0, and under ASan.
	WORKERS=2 MB=64 run "net/test_proxy (2 workers)" tests/net/test_proxy.sh "$BUILD"
	MB=16 run "net/test_proxy (SANITIZE=1)" tests/net/test_proxy.sh "$SAN"
	# Live changes, reloads and scrapes with the data plane under ASan.
	run "net/test_mgmt (SANITIZE=1)" tests/net/test_mgmt.sh "$SAN"
fi

echo
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
echo "check: $pass passed, $fail failed"
[ $fail -eq 0 ]
