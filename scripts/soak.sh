#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# soak.sh [SECONDS]: the long run of tests/e2e/goroutine-load.sh (default 600 s): one
# tracer on churn processes started one after another, its memory sampled
# every 5 s. Fails if the tracer's VmRSS grows more than 10% past its size at
# 30 s, or if it lost events without saying so. Builds and fetches what it
# needs first, like scripts/test.sh; needs root (BPF).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${1:-600}
case $seconds in
'' | *[!0-9]*) echo "usage: scripts/soak.sh [SECONDS]" >&2 && exit 2 ;;
esac
scripts/deps.sh --test
scripts/build.sh "$top/build"
scripts/fixtures.sh --skip-npm 1.26 >/dev/null
SOAK_SECONDS=$seconds BUILD="$top/build" SRC="$top" bash tests/e2e/goroutine-load.sh
