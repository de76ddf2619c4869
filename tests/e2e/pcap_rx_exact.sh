#!/bin/sh
# 200 distinct frames (scapy) are received by a sim_inline port from its
# rx_pcap file, forwarded by dpdk-testpmd (io) to a second sim_inline port and
# written to its tx_pcap file; the output must equal the input byte for byte,
# in order, no more, no fewer.
# Usage: pcap_rx_exact.sh PLUGIN [B_SANITIZE CC]
set -eu
. "$(dirname "$0")/lib.sh"
e2e_init pcap_rx_exact

[ $# -ge 1 ] || e2e_fail "usage: $0 PLUGIN [B_SANITIZE CC]"
e2e_safe_plugin "$1"
PRELOAD=$(e2e_san_preload "${2:-none}" "${3:-cc}")
TESTPMD=${DPSEC_TESTPMD:-dpdk-testpmd}
HELPER="$(dirname "$0")/pcap_frames.py"
command -v "$TESTPMD" >/dev/null || e2e_fail "$TESTPMD not found (run devtools/setup.sh)"

N=200
IN=$TMP/in.pcap
PCAP=$TMP/out.pcap
OUT=$TMP/testpmd.out
/usr/bin/python3 "$HELPER" gen "$IN" "$N" || e2e_fail "cannot generate $IN"

{
	sleep 1
	echo "start"
	sleep 2
	echo "stop"
	sleep 0.5
	echo "show port stats all"
	echo "quit"
	sleep 1
} | LD_PRELOAD=$PRELOAD ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	timeout 60 "$TESTPMD" $(e2e_eal) $(e2e_lcores) -d "$PLUGIN" \
	--vdev "net_sim_inline0,wire=pcap,rx_pcap=$IN" \
	--vdev "net_sim_inline1,wire=pcap,tx_pcap=$PCAP" \
	-- -i --forward-mode=io --no-flush-rx --total-num-mbufs=16384 >"$OUT" 2>&1 || rc=$?
[ "${rc:-0}" = 0 ] || { e2e_show "$OUT"; e2e_fail "testpmd exited with status $rc"; }
grep -q "Bye" "$OUT" || { e2e_show "$OUT"; e2e_fail "testpmd did not quit cleanly"; }

stat() { e2e_port_stat "$OUT" "$1" "$2" ||
	{ e2e_show "$OUT"; e2e_fail "no $1 for port $2 in testpmd output"; }; }
rx0=$(stat RX-packets 0)
tx1=$(stat TX-packets 1)
echo "testpmd: port 0 RX-packets=$rx0, port 1 TX-packets=$tx1"
[ "$rx0" -eq "$N" ] || { e2e_show "$OUT"; e2e_fail "port 0 RX-packets $rx0 != $N"; }
[ "$tx1" -eq "$N" ] || { e2e_show "$OUT"; e2e_fail "port 1 TX-packets $tx1 != $N"; }

[ -f "$PCAP" ] || e2e_fail "tx_pcap file $PCAP was not written"
/usr/bin/python3 "$HELPER" compare "$IN" "$PCAP" ||
	e2e_fail "$PCAP does not hold exactly the frames of $IN"
