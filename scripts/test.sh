#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh: the whole test suite on a fresh Debian machine. Installs what is
# missing, builds, fetches and builds the fixtures into a cache outside the
# clone (Go toolchains from Debian's archive, prebuilt Go binaries from npm),
# then runs every test with CTest, twice: in build/, and in build-asan/ where
# everything (tools, tracer, tests) is built with ASan and UBSan. BPF tests load
# for real: under CI=true a machine where BPF cannot load fails the run.
# One line per build directory, CTest's whole output only when a test failed.
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
scripts/build.sh "$top/build-asan" -DGOTRACER_SANITIZE=ON
if [ -x scripts/fixtures.sh ]; then
	# A fixture that cannot be fetched is named by the script and by the tests
	# that need it; the suite goes on so everything else still runs.
	scripts/fixtures.sh || echo "test: some fixtures are missing (named above)" >&2
fi
rc=0 passed=0 failed=0 skipped=0
for b in build build-asan; do
	t0=$(date +%s)
	log="$top/$b/ctest.log"
	(cd "$b" && ctest --output-on-failure -j"$(nproc)" "$@") >"$log" 2>&1 || {
		rc=1
		cat "$log"
	}
	n=$(sed -nE 's/.*tests failed out of ([0-9]+)$/\1/p' "$log")
	p=$(grep -cE ' Passed +[0-9.]+ sec$' "$log" || true)
	k=$(grep -cE '\*\*\*(Skipped|Not Run \(Disabled\))' "$log" || true)
	passed=$((passed + p)) skipped=$((skipped + k)) failed=$((failed + ${n:-0} - p - k))
	summary=$(grep -E 'tests failed out of' "$log" || echo "ctest ran nothing")
	echo "test: $b: $summary ($(($(date +%s) - t0)) s)"
done
echo "test: finished in $(($(date +%s) - start)) s"
echo "test: $passed passed, $failed failed, $skipped skipped"
exit $rc
