#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh: the whole test suite on a fresh Debian machine. Installs what is
# missing, builds, fetches and builds the fixtures into a cache outside the
# clone (Go toolchains from Debian's archive, prebuilt Go binaries from npm),
# then runs every test with CTest. BPF tests load for real: under CI=true a
# machine where BPF cannot load fails the run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" -ne 0 ]; then
	echo "test: BPF tests and apt-get need root; re-running with sudo" >&2
	exec sudo -E "$0" "$@"
fi
start=$(date +%s)
scripts/deps.sh --test
scripts/build.sh "$top/build"
if [ -x scripts/fixtures.sh ]; then
	# A fixture that cannot be fetched is named by the script and by the tests
	# that need it; the suite goes on so everything else still runs.
	scripts/fixtures.sh || echo "test: some fixtures are missing (named above)" >&2
fi
rc=0
(cd build && ctest --output-on-failure -j"$(nproc)" "$@") || rc=$?
echo "test: finished in $(($(date +%s) - start)) s"
exit $rc
