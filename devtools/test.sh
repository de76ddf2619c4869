#!/bin/sh
# The whole test suite: install prerequisites (devtools/setup.sh), then build
# and test twice: build/ (plain) and build-san/ (ASan + UBSan), then run
# the libFuzzer harnesses for a bounded time in build-fuzz/ (clang, suite
# fuzz, doc/reliability.md). Exits non-zero if anything fails; the last
# line is "N passed, N failed".
#   sh devtools/test.sh [extra `meson test` args, e.g. --suite pmd]
# A skipped test counts as failed: nothing in this suite may skip silently.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "$(id -u)" = 0 ]; then
	sh devtools/setup.sh || { echo "test.sh: setup.sh failed"; echo "0 passed, 1 failed"; exit 1; }
else
	sudo sh devtools/setup.sh || { echo "test.sh: setup.sh failed"; echo "0 passed, 1 failed"; exit 1; }
fi

PASSED=0
FAILED=0
STATUS=0
NJOBS=$(nproc 2>/dev/null || echo 2)

# count DIR: add DIR's last `meson test` results (testlog.json) to the totals.
count() {
	set -- $(/usr/bin/python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
try:
    with open(sys.argv[1]) as f:
        for line in f:
            if line.strip():
                r = json.loads(line).get("result")
                if r in ("OK", "EXPECTEDFAIL"):
                    ok += 1
                else:
                    bad += 1
except OSError:
    pass
print(ok, bad)
PY
)
	LAST_FAILED=${2:-0}
	PASSED=$((PASSED + ${1:-0}))
	FAILED=$((FAILED + ${2:-0}))
	echo "test.sh: $DIR: ${1:-0} passed, ${2:-0} failed"
}

# suite DIR [meson setup options]: configure (once), build, test.
# SUITE_CC: compiler for the first configure; SUITE_TARGETS: build only
# these ninja targets (and test with --no-rebuild); SUITE_TEST_ARGS:
# `meson test` arguments instead of the command line's.
suite() {
	DIR=$1
	shift
	echo "=== $DIR: configure and build ==="
	rm -f "$DIR/meson-logs/testlog.json"
	if [ ! -f "$DIR/build.ninja" ]; then
		${SUITE_CC:+env CC=$SUITE_CC} meson setup "$DIR" "$@" || { echo "test.sh: $DIR: meson setup failed"; FAILED=$((FAILED + 1)); STATUS=1; return; }
	elif [ $# -gt 0 ]; then
		meson configure "$DIR" "$@" || { echo "test.sh: $DIR: meson configure failed"; FAILED=$((FAILED + 1)); STATUS=1; return; }
	fi
	ninja -C "$DIR" ${SUITE_TARGETS:-} || { echo "test.sh: $DIR: build failed"; FAILED=$((FAILED + 1)); STATUS=1; return; }
	echo "=== $DIR: meson test ==="
	rc=0
	meson test -C "$DIR" --print-errorlogs --num-processes "$NJOBS" \
		${SUITE_TARGETS:+--no-rebuild} ${SUITE_TEST_ARGS:-$EXTRA} || rc=$?
	count "$DIR"
	if [ "$rc" != 0 ]; then
		STATUS=1
		# meson test failed without a failed test to show for it
		# (bad arguments, a crash of meson itself): count that.
		[ "$LAST_FAILED" != 0 ] || FAILED=$((FAILED + 1))
	fi
}

EXTRA="$*"
suite build
suite build-san -Db_sanitize=address,undefined -Db_lundef=false

# Fuzzing: each harness of tests/fuzz for a short bounded time over its
# seed corpus, with ASan + UBSan, coverage of the libraries it calls, and
# only the harnesses built. Skipped when the arguments select other suites.
case "$EXTRA" in
''|*fuzz*)
	SUITE_CC=clang
	SUITE_TARGETS=$(for f in tests/fuzz/fuzz_*.c; do
		case "$f" in */fuzz_common.c) continue ;; esac
		basename "$f" .c | tr _ -; done | sed 's|^|tests/fuzz/|')
	SUITE_TEST_ARGS="--suite fuzz"
	suite build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
	SUITE_CC= SUITE_TARGETS= SUITE_TEST_ARGS=
	;;
*)
	echo "test.sh: build-fuzz: not run (arguments select other suites)"
	;;
esac

[ "$FAILED" = 0 ] || STATUS=1
echo "$PASSED passed, $FAILED failed"
exit "$STATUS"
