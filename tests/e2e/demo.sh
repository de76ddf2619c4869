#!/bin/sh
# Run the IPsec gateway demo (dpsec-ipsec-gw) for 2 seconds and check, from
# its output alone: exit 0 and "result: PASS"; per-second tables that show
# the three placements (inline protocol, inline crypto, software) and the
# three SPD actions at work; A's outbound SA moved to software and back
# with traffic on; the NICs' xstats consistent with the placements; every
# protected and bypassed packet back. Also: --help exits 0, a bad option 1.
# Usage: demo.sh GW-BINARY
set -eu
. "$(dirname "$0")/lib.sh"
e2e_init demo

[ $# -eq 1 ] || e2e_fail "usage: $0 GW-BINARY"
[ -x "$1" ] || e2e_fail "$1 is not an executable"
OUT=$TMP/demo.out
fail() { e2e_show "$OUT"; e2e_fail "$@"; }

timeout 60 "$1" --file-prefix "$E2E_PREFIX" -- --seconds 2 >"$OUT" 2>&1 || rc=$?
[ "${rc:-0}" = 0 ] || fail "demo exited with status $rc"
grep -q '^result: PASS$' "$OUT" || fail "no 'result: PASS'"
! grep -q '^  FAIL ' "$OUT" || fail "a check failed"

# Value of key $2 in the last line matching $1.
last() {
	grep -- "$1" "$OUT" | tail -n 1 | sed -n "s/.* $2=\([0-9][0-9]*\).*/\1/p"
}
# Same, and it must be a number > 0 (or = $3 when given).
want() {
	v=$(last "$1" "$2")
	if [ $# -ge 3 ]; then
		[ "$v" = "$3" ] || fail "'$1' $2 is '$v', want $3"
	else
		[ -n "$v" ] && [ "$v" -gt 0 ] || fail "'$1' $2 is '$v', want > 0"
	fi
}

n=$(grep -c '^\[ *[0-9]*s\] A port 0:' "$OUT")
[ "$n" -ge 3 ] || fail "only $n counter tables (want [0s], [1s], [2s])"

# Placements at the end: A both on the NIC as inline protocol, B's
# outbound in software, B's inbound inline crypto.
grep '^\[ *2s\] A sa out 0x1001: inline-protocol (on the NIC)' "$OUT" >/dev/null ||
	fail "A's outbound SA not back on the NIC at 2s"
grep '^\[ *2s\] A sa in  0x2001: inline-protocol' "$OUT" >/dev/null ||
	fail "A's inbound SA not inline protocol"
grep '^\[ *2s\] B sa out 0x2001: software .*offload=none' "$OUT" >/dev/null ||
	fail "B's outbound SA not in software"
grep '^\[ *2s\] B sa in  0x1001: inline-crypto .*NO_INLINE_PROTOCOL' "$OUT" >/dev/null ||
	fail "B's inbound SA not inline crypto"
# The move: out at 0.8 s, back at 1.4 s; the 1 s table shows it moved.
grep -q 'A sa out 0x1001: dpsec_sa_move(to software) = 0 -> software' "$OUT" ||
	fail "no move to software"
grep -q 'A sa out 0x1001: dpsec_sa_move(to NIC) = 0 -> inline-protocol' "$OUT" ||
	fail "no move back to the NIC"
grep '^\[ *1s\] A sa out 0x1001: software .*dpsec_sa_move' "$OUT" >/dev/null ||
	fail "the 1 s table does not show A's outbound SA moved"

# All three SPD actions, and packets through every SA.
want '\] A spd out:' protect
want '\] A spd out:' bypass
want '\] A spd out:' discard
want '\] B spd in :' protect
want '\] B spd in :' bypass
for sa in 'A sa out' 'A sa in ' 'B sa out' 'B sa in '; do
	want "\] $sa" pkts
done
# NICs: A's encrypts and decrypts, B's only decrypts (its outbound SA is
# in software); no port saw an error.
want '\] A port 0:' sec_tx_packets
want '\] A port 0:' sec_rx_packets
want '\] B port 1:' sec_tx_packets 0
want '\] B port 1:' sec_rx_packets
other=$(grep 'drops:' "$OUT" | grep -v 'A spd out: .* drops:DISCARD=[0-9]*$' || true)
[ -z "$other" ] || fail "drops other than A's DISCARD: $(echo "$other" | head -n 1)"

# Summary: all protected and bypassed packets back, none of the blocked.
for k in 'protected' 'clear (bypass)'; do
	line=$(grep "^  $k  *sent" "$OUT") || fail "no summary line for $k"
	s=$(echo "$line" | sed -n 's/.* sent \([0-9]*\), came back \([0-9]*\)$/\1/p')
	b=$(echo "$line" | sed -n 's/.* sent \([0-9]*\), came back \([0-9]*\)$/\2/p')
	[ -n "$s" ] && [ "$s" -gt 0 ] && [ "$s" = "$b" ] ||
		fail "summary: $line"
done
grep -q '^  blocked (discard) sent [1-9][0-9]*, came back 0$' "$OUT" ||
	fail "summary: blocked packets"
grep '^  protected\|^  clear\|^  blocked\|^  A.s NIC\|^result' "$OUT"

# Options: --help is not an error, an unknown option is.
"$1" --file-prefix "$E2E_PREFIX" -- --help >"$TMP/help.out" 2>&1 ||
	{ e2e_show "$TMP/help.out"; e2e_fail "--help failed"; }
grep -q 'usage:' "$TMP/help.out" || e2e_fail "--help printed no usage"
if "$1" --file-prefix "$E2E_PREFIX" -- --bogus >"$TMP/bad.out" 2>&1; then
	e2e_fail "an unknown option was accepted"
fi
