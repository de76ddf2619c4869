#!/bin/sh
# Long fuzzing run of every harness, one after the other (doc/reliability.md).
#   sh tests/fuzz/longrun.sh BUILD_DIR [RUNS [MAX_SECONDS [HARNESS...]]]
# BUILD_DIR: a build configured with CC=clang -Dfuzz=true
# -Db_sanitize=address,undefined -Db_lundef=false
# -Dc_args=-fsanitize=fuzzer-no-link (devtools/test.sh's build-fuzz).
# Each harness runs until RUNS executions (default 10000000) or MAX_SECONDS
# (default 3600), from its committed seeds plus what earlier long runs
# found (BUILD_DIR/tests/fuzz/longrun/<harness>/corpus). Logs and crash
# artifacts go there too. Prints one line per harness: executions, cov,
# ft, seconds, and the result (clean, or the crash/leak file). Exits
# non-zero if any harness found something.
set -u
export LC_ALL=C	# libFuzzer logs hold arbitrary bytes
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [RUNS [MAX_SECONDS [HARNESS...]]]"; exit 2; }
B=$(cd "$1" && pwd)
RUNS=${2:-10000000}
MAXT=${3:-3600}
shift; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
SRC=$(cd "$(dirname "$0")" && pwd)
HARNESSES=${*:-fuzz-esp-inbound fuzz-tls-rx fuzz-tls-cursor fuzz-sim-rx fuzz-sim-devargs fuzz-secgw-cfg fuzz-cli}
status=0
for h in $HARNESSES; do
	exe=$B/tests/fuzz/$h
	d=$B/tests/fuzz/longrun/$h
	[ -x "$exe" ] || { echo "$h: $exe not built"; status=1; continue; }
	mkdir -p "$d/corpus" "$d/artifacts"
	extra=
	[ "$h" = fuzz-sim-devargs ] && extra=-dict=$SRC/sim_devargs.dict
	[ "$h" = fuzz-secgw-cfg ] && extra=-dict=$SRC/secgw_cfg.dict
	# fuzz-cli: leaks at exit only (tests/fuzz/meson.build says why)
	[ "$h" = fuzz-cli ] && extra="-dict=$SRC/cli.dict -detect_leaks=0"
	start=$(date +%s)
	"$exe" -runs="$RUNS" -max_total_time="$MAXT" -timeout=10 \
		-rss_limit_mb=4096 -print_final_stats=1 $extra \
		-artifact_prefix="$d/artifacts/" "$d/corpus" "$SRC/corpus/$h" \
		>"$d/log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -1)
	last=$(grep -aE '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$d/log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	res=clean
	if [ "$rc" != 0 ]; then
		res="FOUND: rc=$rc $(ls "$d/artifacts" | tr '\n' ' ')"
		status=1
	fi
	echo "$h: execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} seconds=$secs $res"
done
exit $status
