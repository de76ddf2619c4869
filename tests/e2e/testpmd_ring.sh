#!/bin/sh
# dpdk-testpmd with the sim_inline plugin: two ring-wired ports forward
# traffic back and forth (io, tx_first); assert both directions carried
# traffic, no errors, and exact frame conservation over the wire:
#   port A TX-packets == port B RX-packets + port B rx_stop_discard.
# Usage: testpmd_ring.sh PLUGIN [B_SANITIZE CC]
set -eu
. "$(dirname "$0")/lib.sh"
e2e_init testpmd_ring

[ $# -ge 1 ] || e2e_fail "usage: $0 PLUGIN [B_SANITIZE CC]"
e2e_safe_plugin "$1"
PRELOAD=$(e2e_san_preload "${2:-none}" "${3:-cc}")
TESTPMD=${DPSEC_TESTPMD:-dpdk-testpmd}
command -v "$TESTPMD" >/dev/null || e2e_fail "$TESTPMD not found (run devtools/setup.sh)"

OUT=$TMP/testpmd.out
{
	sleep 1
	echo "start tx_first"
	sleep 2
	echo "stop"
	sleep 0.5
	echo "port stop all"
	sleep 0.5
	echo "show port stats all"
	echo "show port xstats all"
	echo "quit"
	sleep 1
} | LD_PRELOAD=$PRELOAD ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	timeout 60 "$TESTPMD" $(e2e_eal) $(e2e_lcores) -d "$PLUGIN" \
	--vdev net_sim_inline0 --vdev net_sim_inline1 -- -i --total-num-mbufs=16384 >"$OUT" 2>&1 || rc=$?
[ "${rc:-0}" = 0 ] || { e2e_show "$OUT"; e2e_fail "testpmd exited with status $rc"; }

grep -q "Bye" "$OUT" || { e2e_show "$OUT"; e2e_fail "testpmd did not quit cleanly"; }

get() { # get STAT PORT
	e2e_port_stat "$OUT" "$1" "$2" ||
		{ e2e_show "$OUT"; e2e_fail "no $1 for port $2 in testpmd output"; }
}
getx() { # getx XSTAT PORT
	e2e_port_xstat "$OUT" "$1" "$2" ||
		{ e2e_show "$OUT"; e2e_fail "no xstat $1 for port $2 in testpmd output"; }
}

fail=0
check() { # check DESCRIPTION TEST-ARGS...
	d=$1; shift
	if [ "$@" ]; then
		echo "ok: $d"
	else
		echo "NOT OK: $d" >&2
		fail=1
	fi
}

for p in 0 1; do
	eval rx$p=$(get RX-packets $p) tx$p=$(get TX-packets $p)
	eval miss$p=$(get RX-missed $p) rxerr$p=$(get RX-errors $p) txerr$p=$(get TX-errors $p)
	eval disc$p=$(getx rx_stop_discard $p)
done
echo "port 0: rx=$rx0 tx=$tx0 missed=$miss0 rxerr=$rxerr0 txerr=$txerr0 rx_stop_discard=$disc0"
echo "port 1: rx=$rx1 tx=$tx1 missed=$miss1 rxerr=$rxerr1 txerr=$txerr1 rx_stop_discard=$disc1"

for p in 0 1; do
	eval v=\$rx$p; check "port $p RX-packets $v > 1000" "$v" -gt 1000
	eval v=\$tx$p; check "port $p TX-packets $v > 1000" "$v" -gt 1000
	eval v=\$miss$p; check "port $p RX-missed $v == 0" "$v" -eq 0
	eval v=\$rxerr$p; check "port $p RX-errors $v == 0" "$v" -eq 0
	eval v=\$txerr$p; check "port $p TX-errors $v == 0" "$v" -eq 0
done
check "port 0 TX $tx0 == port 1 RX $rx1 + port 1 rx_stop_discard $disc1" \
	"$tx0" -eq $((rx1 + disc1))
check "port 1 TX $tx1 == port 0 RX $rx0 + port 0 rx_stop_discard $disc0" \
	"$tx1" -eq $((rx0 + disc0))
check "TX total $((tx0 + tx1)) == RX total $((rx0 + rx1)) + rx_stop_discard total $((disc0 + disc1))" \
	$((tx0 + tx1)) -eq $((rx0 + rx1 + disc0 + disc1))

if [ "$fail" != 0 ]; then
	e2e_show "$OUT"
	e2e_fail "assertions failed (see above)"
fi
