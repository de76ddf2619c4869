#!/bin/sh
# DPDK's own inline IPsec conformance suite (Debian's dpdk-test) against the
# sim_inline plugin, in loopback: every case must run and pass except those
# listed in inline_autotest_expect.txt; a case on that list that now passes
# also fails this test, so the list cannot go stale.
# Usage: dpdk_inline_autotest.sh AUTOTEST PLUGIN [B_SANITIZE CC]
set -eu
. "$(dirname "$0")/lib.sh"
e2e_init "$1"

[ $# -ge 2 ] || e2e_fail "usage: $0 AUTOTEST PLUGIN [B_SANITIZE CC]"
AUTOTEST=$1
EXPECT=$(dirname "$0")/inline_autotest_expect.txt
e2e_safe_plugin "$2"
PRELOAD=$(e2e_san_preload "${3:-none}" "${4:-cc}")
command -v dpdk-test >/dev/null || e2e_fail "dpdk-test not found (run devtools/setup.sh)"

OUT=$TMP/autotest.out
DPDK_TEST=$AUTOTEST LD_PRELOAD=$PRELOAD ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	timeout 500 dpdk-test $(e2e_eal) -l 0 -d "$PLUGIN" \
	--vdev net_sim_inline0 >"$OUT" 2>&1 </dev/null || rc=$?
# dpdk-test exits non-zero when any case failed; we judge case by case.
grep -q "Tests Executed" "$OUT" || { e2e_show "$OUT"; e2e_fail "no test summary (exit ${rc:-0})"; }

# "+ TestCase [ N] : NAME succeeded|failed|skipped" -> "result: NAME"
sed -n 's/^.*+ TestCase \[ *[0-9]*\] : \(.*\) \(succeeded\|failed\|skipped\|unsupported\)$/\2: \1/p' \
	"$OUT" | sort >"$TMP/results"
total=$(sed -n 's/.*Tests Total : *\([0-9]*\).*/\1/p' "$OUT")
[ "$(wc -l <"$TMP/results")" = "$total" ] ||
	{ e2e_show "$TMP/results"; e2e_fail "parsed $(wc -l <"$TMP/results") results, suite says $total"; }

grep -v '^#' "$EXPECT" | sort >"$TMP/expect"
grep -v '^succeeded: ' "$TMP/results" | sed 's/^failed:/fail:/; s/^skipped:/skip:/' |
	sort >"$TMP/got"
if ! cmp -s "$TMP/expect" "$TMP/got"; then
	echo "Differences (< expected, > got):" >&2
	diff "$TMP/expect" "$TMP/got" >&2 || true
	e2e_fail "cases outside the expected list failed or skipped, or listed cases passed"
fi
passed=$(grep -c '^succeeded: ' "$TMP/results")
echo "$AUTOTEST: $total cases, $passed passed, $(grep -c '^skip' "$TMP/expect") skipped as listed, $(grep -c '^fail' "$TMP/expect") known DPDK test defect"
