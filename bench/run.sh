#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build a release tree and run dpsec-bench with its default settings
# (5 runs, 0.3 s per cell, burst 32, 64 and 1420 B, crypto_aesni_gcm0).
#
#   bench/run.sh [dpsec-bench options] [-- extra EAL args]
#
# Environment: BUILD_DIR (default <src>/build-release), BENCH_CPU (CPU to
# pin to, default 0), MESON_ARGS (extra `meson setup` options for a new
# build dir, e.g. -Dtests=false).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build-release}
cpu=${BENCH_CPU:-0}

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

echo "reproduce: taskset -c $cpu $build/bench/dpsec-bench --lcore $cpu $*"
exec taskset -c "$cpu" "$build/bench/dpsec-bench" --lcore "$cpu" "$@"
