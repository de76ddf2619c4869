#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build a release tree and run the benchmarks (doc/benchmarks.md).
#
#   bench/run.sh [dpsec-bench options] [-- extra EAL args]
#       dpsec-bench alone, pinned to BENCH_CPU (and BENCH_CPU2), its
#       default settings (5 runs, 0.3 s per cell, burst 32, 64 and 1420 B,
#       the four algorithms, crypto_aesni_gcm0 / crypto_aesni_mb0) and, on
#       a machine with two CPUs or more, the two-lcore table
#       (--lcores BENCH_CPU,BENCH_CPU2).
#   bench/run.sh --full|--short [--out DIR] [--only PROG,...]
#       the whole matrix: every bench program of the build (dpsec-bench,
#       dpsec-bench-scale, dpsec-bench-tls; --full also the callgrind
#       instruction counts), each with --json into DIR (default
#       build-release/bench-results/<date-time>/), its human output in
#       DIR/<prog>.txt, its progress on the terminal with the program's
#       step and the elapsed time; then bench/report.py DIR (results.md,
#       results.json, plots). --full: each program's full settings (its
#       defaults, or --full if it lists one); --short: under 2 minutes in
#       all (--short if the program lists one, else --runs 5 --time 0.05).
#       An option is passed only when the program's --help lists it.
#       A program not in the build is reported missing; exit status 1
#       when a program is missing or failed.
#
# Environment: BUILD_DIR (default <src>/build-release), BENCH_CPU (CPU to
# pin to, default 0), BENCH_CPU2 (the second lcore's CPU, default 1 when
# there is a CPU 1; empty: no two-lcore table), MESON_ARGS (extra `meson
# setup` options for a new build dir, e.g. -Dtests=false).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build-release}
cpu=${BENCH_CPU:-0}
if [ -z "${BENCH_CPU2+x}" ]; then
	if [ "$(nproc)" -ge 2 ]; then cpu2=1; else cpu2=; fi
else
	cpu2=$BENCH_CPU2
fi

# The bench programs of the matrix, in the order they run.
PROGRAMS="dpsec-bench dpsec-bench-scale dpsec-bench-tls"

mode=
out=
only=
case "${1:-}" in
--full|--short)
	mode=${1#--}
	shift
	while [ $# -gt 0 ]; do
		case "$1" in
		--out) [ $# -ge 2 ] || { echo "run.sh: --out needs a DIR" >&2; exit 2; }
			out=$2; shift 2 ;;
		--only) [ $# -ge 2 ] || { echo "run.sh: --only needs names" >&2; exit 2; }
			only=$(echo "$2" | tr ',' ' '); shift 2 ;;
		*) echo "run.sh: --$mode takes --out DIR and --only PROG,... (not $1)" >&2
			exit 2 ;;
		esac
	done ;;
esac

if ! grep -q "^subdir('bench')" "$src/meson.build"; then
	echo "run.sh: $src/meson.build has no subdir('bench')" >&2
	exit 2
fi
if [ ! -f "$build/build.ninja" ]; then
	# shellcheck disable=SC2086
	meson setup "$build" "$src" --buildtype=release -Db_ndebug=true \
		${MESON_ARGS:-}
fi

if [ -z "$mode" ]; then
	ninja -C "$build" bench/dpsec-bench
	if [ -n "$cpu2" ]; then
		echo "reproduce: taskset -c $cpu,$cpu2 $build/bench/dpsec-bench" \
			"--lcores $cpu,$cpu2 $*"
		exec taskset -c "$cpu,$cpu2" "$build/bench/dpsec-bench" \
			--lcores "$cpu,$cpu2" "$@"
	fi
	echo "reproduce: taskset -c $cpu $build/bench/dpsec-bench --lcore $cpu $*"
	exec taskset -c "$cpu" "$build/bench/dpsec-bench" --lcore "$cpu" "$@"
fi

# ---- the matrix ----------------------------------------------------------

[ -n "$only" ] && PROGRAMS=$only
out=${out:-$build/bench-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Which programs the build has (a target unknown to ninja is missing).
ninja -C "$build" -t targets all >"$out/.targets" 2>/dev/null || :
built=
missing=
for p in $PROGRAMS; do
	if grep -q "^bench/$p:" "$out/.targets"; then
		built="$built bench/$p"
	else
		missing="$missing $p"
	fi
done
rm -f "$out/.targets"
# shellcheck disable=SC2086
[ -z "$built" ] || ninja -C "$build" $built

# has PROG OPTION: the program's --help lists OPTION.
has() {
	grep -q -- "$2\\b" "$out/.help-$1"
}

steps=0
for p in $PROGRAMS; do steps=$((steps + 1)); done
[ "$mode" = full ] && steps=$((steps + 1))	# the callgrind counts
t_start=$(date +%s)
status=0
runjson=

# record NAME STATUS RC ELAPSED ARGS: one entry of run.json.
record() {
	a=$(printf '%s' "$5" | sed 's/\\/\\\\/g; s/"/\\"/g')
	rc=$3
	[ -n "$rc" ] || rc=null
	runjson="$runjson${runjson:+,
}  {\"program\": \"$1\", \"status\": \"$2\", \"rc\": $rc, \"elapsed_s\": $4, \"args\": \"$a\"}"
}

# run_step K NAME CMD...: run CMD, its stdout to NAME.txt, each stderr line
# to NAME.stderr and to the terminal with the step and the elapsed time.
run_step() {
	k=$1 name=$2
	shift 2
	t0=$(date +%s)
	echo "=== [$k/$steps] $name: $*"
	{ rc=0; "$@" 2>&1 >"$out/$name.txt" || rc=$?; echo "$rc" >"$out/.rc-$name"; } |
	while IFS= read -r line; do
		now=$(date +%s)
		printf '[%d/%d %s %ds, total %ds] %s\n' "$k" "$steps" "$name" \
			$((now - t0)) $((now - t_start)) "$line"
		printf '%s\n' "$line" >>"$out/$name.stderr"
	done
	rc=$(cat "$out/.rc-$name")
	rm -f "$out/.rc-$name"
	el=$(($(date +%s) - t0))
	if [ "$rc" = 0 ]; then
		echo "=== [$k/$steps] $name: done in ${el}s"
		record "$name" ok "$rc" "$el" "$*"
	else
		echo "=== [$k/$steps] $name: FAILED (exit $rc) after ${el}s, see $out/$name.txt and $name.stderr"
		record "$name" "failed (exit $rc)" "$rc" "$el" "$*"
		status=1
	fi
}

k=0
for p in $PROGRAMS; do
	k=$((k + 1))
	case " $missing " in
	*" $p "*)
		echo "=== [$k/$steps] $p: MISSING (no target bench/$p in $build)"
		record "$p" "missing (not built)" "" 0 ""
		status=1
		continue ;;
	esac
	exe=$build/bench/$p
	"$exe" --help >"$out/.help-$p" 2>&1 || :
	set --
	dropped=
	if [ "$mode" = short ]; then
		if has "$p" --short; then
			set -- --short
		else
			for o in "--runs 5" "--time 0.05"; do
				# shellcheck disable=SC2086
				if has "$p" "${o%% *}"; then set -- "$@" $o
				else dropped="$dropped ${o%% *}"; fi
			done
		fi
	elif has "$p" --full; then
		set -- --full
	fi
	if [ -n "$cpu2" ] && has "$p" --lcores; then
		set -- "$@" --lcores "$cpu,$cpu2"
	elif has "$p" --lcore; then
		set -- "$@" --lcore "$cpu"
	fi
	if has "$p" --json; then
		set -- "$@" --json "$out/$p.json"
	else
		dropped="$dropped --json"
	fi
	rm -f "$out/.help-$p"
	[ -z "$dropped" ] || echo "=== $p: its --help does not list:$dropped (not passed)"
	run_step "$k" "$p" "$exe" "$@"
done

if [ "$mode" = full ]; then
	k=$((k + 1))
	run_step "$k" callgrind-guard /usr/bin/python3 \
		"$src/bench/callgrind_guard.py" --build "$build" --report-only \
		--json "$out/callgrind-guard.json"
fi

printf '{"schema": "dpsec-bench-run/1", "mode": "%s", "programs": [\n%s\n]}\n' \
	"$mode" "$runjson" >"$out/run.json"
total=$(($(date +%s) - t_start))
echo "=== $mode matrix: ${total}s in all"
[ "$mode" = short ] && [ "$total" -gt 120 ] &&
	echo "=== note: --short took more than 2 minutes"
/usr/bin/python3 "$src/bench/report.py" "$out" || status=1
[ -z "$missing" ] || echo "=== MISSING (not in the build):$missing"
echo "=== results: $out/results.md"
exit "$status"
