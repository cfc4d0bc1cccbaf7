#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-resolver.sh [RUNS]: time `gooffsets` against `pahole -C runtime.g` and
# `go version` on the same binaries, interleaved, in one run; print medians and
# ratios. Binaries: the bundled server (small, DWARF), cmd/go built here with
# DWARF (medium), and Debian's hugo (53 MB, stripped: pclntab + type
# descriptors only; pahole has nothing to read there).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
runs=${1:-21}
cache=$(cache_root)/bench
mkdir -p "$cache"
gooffsets=$top/build/gooffsets
[ -x "$gooffsets" ] || die "build first (scripts/build.sh)"

if [ ! -x "$cache/hugo" ]; then
	(cd "$cache" && apt-get download hugo >/dev/null 2>&1) || die "cannot fetch Debian's hugo package"
	dpkg -x "$cache"/hugo_*.deb "$cache/hugo-pkg"
	cp "$cache/hugo-pkg/usr/bin/hugo" "$cache/hugo"
	rm -rf "$cache/hugo-pkg" "$cache"/hugo_*.deb
fi
if [ ! -x "$cache/gocmd-dwarf" ]; then
	GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -o "$cache/gocmd-dwarf" cmd/go
fi
bins=("$top/go-server-http/main" "$cache/gocmd-dwarf" "$cache/hugo")

# median_ms CMD...: median wall time of $runs runs, in ms (3 decimals).
declare -A samples
now_ns() { date +%s%N; }
run_once() { # key cmd...
	local key=$1 t0 t1
	shift
	t0=$(now_ns)
	"$@" >/dev/null 2>&1 || true
	t1=$(now_ns)
	samples[$key]+="$(((t1 - t0) / 1000)) "
}
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }'; }

printf '%-28s %9s %10s %9s %11s %12s %9s\n' BINARY "SIZE(MB)" "gooffsets" pahole "go version" "pahole/ours" "gover/ours"
for b in "${bins[@]}"; do
	name=$(basename "$b")
	samples=()
	for _ in $(seq "$runs"); do
		run_once ours "$gooffsets" "$b"
		run_once pahole pahole -C runtime.g "$b"
		run_once gover go version "$b"
	done
	ours=$(median "${samples[ours]}")
	ph=$(median "${samples[pahole]}")
	gv=$(median "${samples[gover]}")
	dwarf="$(readelf -SW "$b" | grep -q debug_info && echo dwarf || echo stripped)"
	printf '%-28s %9.1f %8sms %7sms %9sms %11.1fx %8.2fx\n' "$name ($dwarf)" \
		"$(echo "$(stat -c %s "$b") / 1048576" | bc -l)" "$ours" "$ph" "$gv" \
		"$(echo "$ph / $ours" | bc -l)" "$(echo "$gv / $ours" | bc -l)"
done
echo "(medians of $runs interleaved runs; pahole on a stripped binary only fails to find DWARF)"
