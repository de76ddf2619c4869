#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build a release tree and run dpsec-bench with its default settings
# (5 runs, 0.3 s per cell, burst 32, 64 and 1420 B, the four algorithms,
# crypto_aesni_gcm0 / crypto_aesni_mb0) and, on a machine with two CPUs or
# more, the two-lcore table (--lcores BENCH_CPU,BENCH_CPU2).
#
#   bench/run.sh [dpsec-bench options] [-- extra EAL args]
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

if ! grep -q "^subdir('bench')" "$src/meson.build"; then
	echo "run.sh: $src/meson.build has no subdir('bench')" >&2
	exit 2
fi
if [ ! -f "$build/build.ninja" ]; then
	# shellcheck disable=SC2086
	meson setup "$build" "$src" --buildtype=release -Db_ndebug=true \
		${MESON_ARGS:-}
fi
ninja -C "$build" bench/dpsec-bench

if [ -n "$cpu2" ]; then
	echo "reproduce: taskset -c $cpu,$cpu2 $build/bench/dpsec-bench" \
		"--lcores $cpu,$cpu2 $*"
	exec taskset -c "$cpu,$cpu2" "$build/bench/dpsec-bench" \
		--lcores "$cpu,$cpu2" "$@"
fi
echo "reproduce: taskset -c $cpu $build/bench/dpsec-bench --lcore $cpu $*"
exec taskset -c "$cpu" "$build/bench/dpsec-bench" --lcore "$cpu" "$@"
