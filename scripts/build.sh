#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh [BUILD_DIR [CMAKE_ARGS...]]: configure (once) and build everything:
# the tools, the BPF skeleton, go-server-http/main. Quiet unless it fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
shift || true
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$log" 2>&1 || {
		cat "$log" >&2
		echo "build: cmake configure failed (log above)" >&2
		exit 1
	}
fi
cmake --build "$build" -j"$(nproc)" >"$log" 2>&1 || {
	cat "$log" >&2
	echo "build: failed (log above)" >&2
	exit 1
}
