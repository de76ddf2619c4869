#!/bin/sh
# The dpsec-ipsec-gw demo (doc/ipsec_gw.md, "The demo"): two gateway
# processes, A and B, each from its config file (configs/gw-a.cfg,
# gw-b.cfg), joined by a WAN of net_memif wrapped in sim_inline (the NIC
# with the inline IPsec engine, a deliberately small SA table), and a third
# process, dpsec-gw-hosts, on both LANs (memif): it sends IPv4 and IPv6
# flows both ways - protected with AES-GCM-128/256, ChaCha20-Poly1305 and
# AES-CBC+HMAC-SHA256, one over NAT-T, SAs on the NIC as inline protocol,
# as inline crypto and in software - plus a bypassed and a discarded flow,
# and checks every packet on the far side. Mid-run, A's NIC duplicates and
# reorders frames on the wire for two seconds (the fault) while one of A's
# SAs moves from the NIC to software and back (run-time control through
# DPDK telemetry, dpdk-telemetry.py). A's console
# shows live counters; at the end the hosts' verdict, both gateways' final
# counters, and the exit status: 0 only if every protected packet arrived
# once and intact, no discarded one arrived, and both gateways stopped
# cleanly with all their mbufs back.
#
#   sh examples/ipsec-gw/demo.sh BUILD_DIR [SECONDS]
# No hugepages, no NIC, no root needed beyond what DPDK's runtime dir wants.
set -eu
BUILD=$1
SECS=${2:-6}
HERE=$(cd "$(dirname "$0")" && pwd)
GW=$BUILD/examples/ipsec-gw/dpsec-ipsec-gw
HOSTS=$BUILD/examples/ipsec-gw/dpsec-gw-hosts
D=$(mktemp -d "${TMPDIR:-/tmp}/dpsec-demo.XXXXXX")
P=dpsec-demo-$$
EAL="--no-huge --no-pci -m 512 --log-level=lib.eal:warning --log-level=pmd.net.memif:${DPSEC_DEMO_MEMIF_LOG:-warning}"
pids=""

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$D"
	# EAL leaves its runtime directory behind: ours go.
	for d in /var/run/dpdk "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk" /tmp/dpdk; do
		for n in a b h; do
			[ -d "$d/$P-$n" ] && rm -rf "${d:?}/$P-$n"
		done
	done
	return 0
}
trap cleanup EXIT INT TERM

# $1 = a|b, $2 = memif role on the WAN
gateway() {
	name=$1
	role=$2
	shift 2
	exec ${DPSEC_DEMO_WRAP:-} "$GW" $EAL --file-prefix "$P-$name" -l 0,1 \
		--vdev="net_memif0,role=$role,socket=$D/wan.sock,socket-abstract=no,id=0,rsize=12" \
		--vdev="net_sim_inline0,wire=port,port=net_memif0,max_sa=5" \
		--vdev="net_memif1,role=server,socket=$D/lan-$name.sock,socket-abstract=no,id=0,rsize=12" \
		-- -p 0x6 -u 0x2 -f "$HERE/configs/gw-$name.cfg" -w 1024 \
		--tx-wait-us 200000 "$@"
}

# A memif server's socket exists from its probe on, before its port is
# configured: a client that connects earlier can find it half set up. So
# each process starts once the one before says it is forwarding: A (the
# WAN's server), then B, then the hosts (clients of both LANs).
until_up() {
	n=0
	while ! grep -q '^forwarding on' "$1" 2>/dev/null && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	grep -q '^forwarding on' "$1" || { echo "demo: $1: the gateway did not start"; cat "$1"; exit 1; }
}
echo "== dpsec-ipsec-gw demo: gateways A and B, ${SECS}s of traffic (logs in $D)"
gateway a server --stats 1 >"$D/a.log" 2>&1 &
A_PID=$!
pids="$pids $A_PID"
tail -n +1 -f --pid="$A_PID" "$D/a.log" | sed 's/^/A| /' &
until_up "$D/a.log"
gateway b client --stats 0 >"$D/b.log" 2>&1 &
B_PID=$!
pids="$pids $B_PID"
until_up "$D/b.log"

# The hosts: port 0 on A's LAN, port 1 on B's.
F=""
for i in 1 2 3 5; do
	F="$F --flow p$i-ab,0,10.1.$i.1,10.2.$i.1,deliver"
	F="$F --flow p$i-ba,1,10.2.$i.1,10.1.$i.1,deliver"
done
F="$F --flow p4v6-ab,0,2001:db8:1:4::1,2001:db8:2:4::1,deliver"
F="$F --flow p4v6-ba,1,2001:db8:2:4::1,2001:db8:1:4::1,deliver"
F="$F --flow bypass-ab,0,10.1.6.1,10.2.6.1,clear"
F="$F --flow bypass-ba,1,10.2.6.1,10.1.6.1,clear"
F="$F --flow discard-ab,0,10.1.7.1,10.2.7.1,drop"
"$HOSTS" $EAL --file-prefix "$P-h" -l 0 \
	--vdev="net_memif0,role=client,socket=$D/lan-a.sock,socket-abstract=no,id=0,rsize=12" \
	--vdev="net_memif1,role=client,socket=$D/lan-b.sock,socket-abstract=no,id=0,rsize=12" \
	-- $F --seconds "$SECS" --pps 10000 --stats 0 >"$D/hosts.log" 2>&1 &
H_PID=$!
pids="$pids $H_PID"

# The fault: A's WAN NIC duplicates and reorders frames for 2 s.
ctl() {
	echo "$2" | dpdk-telemetry.py -f "$P-$1" 2>&1 | grep -o '"[a-z]*": "[^"]*"' |
		sed "s/^/control $1: /"
}
# Timed from when A's console shows the traffic (the hosts can take a
# while to start on a loaded machine): a third of the way in.
n=0
while ! grep -Eq '^ +1 unprotected +[1-9]' "$D/a.log" && [ $n -lt 300 ]; do
	sleep 0.1
	n=$((n + 1))
done
sleep $((SECS / 3))
ctl a "/dpsec_gw/fault,1 dup 0.05" || true
ctl a "/dpsec_gw/fault,1 reorder 0.05" || true
# ... and A's first outbound SA leaves the NIC for software and comes back
# while its traffic runs: no number reused, no packet lost.
ctl a "/dpsec_gw/sa/move,out 4097 sw" || true
sleep 1
ctl a "/dpsec_gw/sa/move,out 4097 nic" || true
sleep 1
ctl a "/dpsec_gw/fault,1 dup 0" || true
ctl a "/dpsec_gw/fault,1 reorder 0" || true

rc=0
wait "$H_PID" || rc=1
# B (the WAN's memif client) first: a memif client whose server leaves
# while it closes can crash in DPDK 22.11's memif interrupt handler.
kill -TERM "$B_PID" 2>/dev/null || true
wait "$B_PID" || { echo "gateway B: exit status $?"; rc=1; }
kill -TERM "$A_PID" 2>/dev/null || true
wait "$A_PID" || { echo "gateway A: exit status $?"; rc=1; }
wait || true
pids=""
echo
echo "== gateway B"
sed -n '/^-- final counters/,$p' "$D/b.log"
echo
echo "== hosts"
sed -n '/^$/,$p' "$D/hosts.log"
grep -q '^mbufs: all' "$D/a.log" || { echo "gateway A did not stop cleanly"; rc=1; }
grep -q '^mbufs: all' "$D/b.log" || { echo "gateway B did not stop cleanly"; rc=1; }
grep -q '^result: PASS$' "$D/hosts.log" || rc=1
if [ "${DPSEC_DEMO_KEEP:-}" != "" ]; then
	cp "$D"/*.log "$DPSEC_DEMO_KEEP"/ 2>/dev/null || true
fi
echo "demo: $([ $rc = 0 ] && echo PASS || echo FAIL)"
exit $rc
