#!/bin/sh
# dpdk-testpmd transmits UDP/IPv4 frames (io forwarding, "start tx_first N")
# into a sim_inline port on the pcap wire; tshark must open the tx_pcap file
# and find exactly as many frames as testpmd counted as TX-packets, all of
# them Ethernet/IPv4/UDP.
# Usage: pcap_tx_tshark.sh PLUGIN [B_SANITIZE CC]
set -eu
. "$(dirname "$0")/lib.sh"
e2e_init pcap_tx_tshark

[ $# -ge 1 ] || e2e_fail "usage: $0 PLUGIN [B_SANITIZE CC]"
e2e_safe_plugin "$1"
PRELOAD=$(e2e_san_preload "${2:-none}" "${3:-cc}")
TESTPMD=${DPSEC_TESTPMD:-dpdk-testpmd}
command -v "$TESTPMD" >/dev/null || e2e_fail "$TESTPMD not found (run devtools/setup.sh)"
command -v tshark >/dev/null || e2e_fail "tshark not found (run devtools/setup.sh)"

BURSTS=8
PCAP=$TMP/out.pcap
OUT=$TMP/testpmd.out
{
	sleep 1
	echo "start tx_first $BURSTS"
	sleep 1
	echo "stop"
	sleep 0.5
	echo "show port stats 0"
	echo "quit"
	sleep 1
} | LD_PRELOAD=$PRELOAD ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	timeout 60 "$TESTPMD" $(e2e_eal) $(e2e_lcores) -d "$PLUGIN" \
	--vdev "net_sim_inline0,wire=pcap,tx_pcap=$PCAP" -- -i --total-num-mbufs=16384 >"$OUT" 2>&1 || rc=$?
[ "${rc:-0}" = 0 ] || { e2e_show "$OUT"; e2e_fail "testpmd exited with status $rc"; }
grep -q "Bye" "$OUT" || { e2e_show "$OUT"; e2e_fail "testpmd did not quit cleanly"; }

tx=$(e2e_port_stat "$OUT" TX-packets 0) ||
	{ e2e_show "$OUT"; e2e_fail "no TX-packets for port 0 in testpmd output"; }
txerr=$(e2e_port_stat "$OUT" TX-errors 0) ||
	{ e2e_show "$OUT"; e2e_fail "no TX-errors for port 0 in testpmd output"; }
echo "testpmd: port 0 TX-packets=$tx TX-errors=$txerr"
[ "$tx" -ge 32 ] || { e2e_show "$OUT"; e2e_fail "testpmd sent only $tx frames (expected >= 32)"; }
[ "$txerr" -eq 0 ] || { e2e_show "$OUT"; e2e_fail "TX-errors $txerr != 0"; }

[ -s "$PCAP" ] || e2e_fail "tx_pcap file $PCAP missing or empty"
FIELDS=$TMP/fields.txt
tshark -r "$PCAP" -T fields -E separator=' ' -e frame.protocols -e ip.version -e udp.length \
	>"$FIELDS" 2>"$TMP/tshark.err" ||
	{ e2e_show "$TMP/tshark.err"; e2e_fail "tshark cannot read $PCAP"; }
n=$(wc -l <"$FIELDS")
nudp=$(awk '$1 ~ /^eth:ethertype:ip:udp(:|$)/ && $2 == 4 && $3 > 8' "$FIELDS" | wc -l)
echo "tshark: $n frames, $nudp Ethernet/IPv4/UDP"
[ "$n" -eq "$tx" ] || { head -5 "$FIELDS"; e2e_fail "tshark counts $n frames, testpmd sent $tx"; }
[ "$nudp" -eq "$n" ] || { sort "$FIELDS" | uniq -c | head; e2e_fail "only $nudp of $n frames decode as Ethernet/IPv4/UDP"; }
