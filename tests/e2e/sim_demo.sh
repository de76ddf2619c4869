#!/bin/sh
# Run the dpsec-sim-demo example for 2 seconds: it must exit 0 and print
# per-second counter lines showing packets received and sent on both ports.
# Usage: sim_demo.sh DEMO-BINARY
set -eu
. "$(dirname "$0")/lib.sh"
e2e_init sim_demo

[ $# -eq 1 ] || e2e_fail "usage: $0 DEMO-BINARY"
[ -x "$1" ] || e2e_fail "$1 is not an executable"
OUT=$TMP/demo.out
timeout 30 "$1" --file-prefix "$E2E_PREFIX" -- --seconds 2 >"$OUT" 2>&1 || rc=$?
[ "${rc:-0}" = 0 ] || { e2e_show "$OUT"; e2e_fail "demo exited with status $rc"; }

# Counter lines: "[Ns] port P: rx_pkts=... tx_pkts=... ..." (one per port
# and second); the last one of each port must show traffic both ways.
for p in 0 1; do
	line=$(grep "^\[ *[0-9]*s\] port $p:" "$OUT" | tail -n 1)
	[ -n "$line" ] || { e2e_show "$OUT"; e2e_fail "no counter line for port $p"; }
	n=$(grep -c "^\[ *[0-9]*s\] port $p:" "$OUT")
	[ "$n" -ge 2 ] || { e2e_show "$OUT"; e2e_fail "only $n counter lines for port $p (want >= 2 in 2 s)"; }
	for k in rx_pkts tx_pkts; do
		v=$(echo "$line" | sed -n "s/.* $k=\([0-9][0-9]*\).*/\1/p")
		[ -n "$v" ] && [ "$v" -gt 0 ] ||
			{ e2e_show "$OUT"; e2e_fail "port $p: $k is '${v}' in: $line"; }
	done
	for k in rx_errors tx_errors rx_missed; do
		v=$(echo "$line" | sed -n "s/.* $k=\([0-9][0-9]*\).*/\1/p")
		[ "$v" = 0 ] || { e2e_show "$OUT"; e2e_fail "port $p: $k is '${v}' in: $line"; }
	done
	echo "$line"
done
