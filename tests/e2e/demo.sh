#!/bin/sh
# Run the gateway demo (examples/ipsec-gw/demo.sh: what devtools/demo.sh
# runs) for 4 seconds and check, from its output and its processes' logs:
# exit 0 and the hosts' "result: PASS" (every protected packet once and
# intact, every bypassed one, no discarded one); A's live console every
# second with SAs in all three placements (nic-protocol, nic-crypto,
# software: the NIC table full and no-offload) and the three SPD actions
# at work; the fault and the SA move applied through telemetry; the
# replay window catching the wire's duplicates on B; both gateways
# stopped cleanly with all mbufs back.
# Usage: demo.sh DEMO-SCRIPT BUILD-DIR
set -eu
. "$(dirname "$0")/lib.sh"
e2e_init demo

[ $# -eq 2 ] || e2e_fail "usage: $0 DEMO-SCRIPT BUILD-DIR"
OUT=$TMP/demo.out
LOGS=$TMP/logs
mkdir -p "$LOGS"
fail() { e2e_show "$OUT"; for f in "$LOGS"/*.log; do e2e_show "$f"; done; e2e_fail "$@"; }

DPSEC_DEMO_KEEP=$LOGS timeout 120 sh "$1" "$2" 4 >"$OUT" 2>&1 || rc=$?
[ "${rc:-0}" = 0 ] || fail "demo exited with status $rc"
grep -q '^demo: PASS$' "$OUT" || fail "no 'demo: PASS'"
A=$LOGS/a.log
B=$LOGS/b.log
H=$LOGS/hosts.log
grep -q '^result: PASS$' "$H" || fail "hosts: no 'result: PASS'"
n=$(grep -c '^ok  ' "$H")
[ "$n" = 13 ] || fail "hosts: $n flows ok, want 13"

n=$(grep -c '^-- dpsec-ipsec-gw ' "$A")
[ "$n" -ge 3 ] || fail "A printed $n live tables, want >= 3"
for pl in nic-protocol nic-crypto software; do
	grep -q "^out .* $pl " "$A" || fail "A: no outbound SA in $pl"
done
grep -q 'sa in 8195: software on port 1: NIC SA table full' "$A" ||
	fail "A: no SA in software for a full NIC table"
grep -q '^control: ok: port 1: dup 0.05$' "$A" || fail "A: the fault was not set"
grep -q '^control: ok: sa out 4097 sw: software$' "$A" || fail "A: no move to software"
grep -q '^control: ok: sa out 4097 nic: nic-protocol$' "$A" || fail "A: no move back"

# B's replay window (software SAs) and NIC (inline SAs) caught the
# duplicates; nothing else was dropped on its WAN.
line=$(grep '^drops of rx port 1:' "$B" | tail -n 1)
echo "$line" | grep -q 'REPLAY=[1-9]' || fail "B: no REPLAY drops: $line"
other=$(echo "$line" | sed 's/drops of rx port 1://; s/ REPLAY=[0-9]*//; s/ NIC_FAILED=[0-9]*//')
[ -z "$other" ] || fail "B: unexpected drops: $line"

# SPD actions at A: protect, bypass and discard all used.
spd=$(grep '^SPD out:' "$A" | tail -n 1 | cut -d'|' -f1)
for act in protect bypass discard; do
	v=$(echo "$spd" | sed -n "s/^SPD out: .*$act \([0-9]*\).*/\1/p" | head -n 1)
	[ -n "$v" ] && [ "$v" -gt 0 ] || fail "A: SPD $act is '$v': $spd"
done
for f in "$A" "$B"; do
	grep -q '^mbufs: all [0-9]* back in the pool$' "$f" || fail "$f: mbufs not all back"
done
grep '^ok  \|^result' "$H"
