#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-resolver.sh [--baseline DIR] [RUNS]: time `gooffsets` against `pahole -C runtime.g` and
# `go version` on the same binaries, interleaved, in one run; print medians and
# ratios, then PASS/FAIL against the goals: gooffsets faster than pahole
# wherever pahole succeeds, and under 100 ms on the largest binary. Binaries:
# the bundled server (small, DWARF), cmd/go built here with DWARF (medium), and
# Debian's hugo (53 MB, stripped: pclntab + type descriptors only; pahole has
# nothing to read there, so its cells say n/a rather than time a failure).
# --baseline DIR: DIR is another build directory of this project (e.g. one
# built from an older commit); DIR/gooffsets is timed on the same binaries,
# next to ours in every run (the order swaps every run), in a gooffsets-base
# column, and the report ends with a "vs baseline" block: our median / the
# baseline's per binary, with the goal of no regression beyond noise, a time
# ratio <= 1.05.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
runs=21 baseline_arg=""
while [ $# -gt 0 ]; do
	case $1 in
	--baseline)
		[ $# -ge 2 ] || die "--baseline needs a build directory (usage: bench-resolver.sh [--baseline DIR] [RUNS])"
		baseline_arg=$2
		shift
		;;
	--baseline=*) baseline_arg=${1#--baseline=} ;;
	*[!0-9]* | 0 | '') die "RUNS must be a positive number, not '$1'" ;;
	*) runs=$1 ;;
	esac
	shift
done
# The baseline's resolver, empty without --baseline; checked before the build
# so a wrong path fails at once.
base="" bdir=""
if [ -n "$baseline_arg" ]; then
	bdir=$(baseline_dir "$baseline_arg" gooffsets)
	base=$bdir/gooffsets
fi
cache=$(cache_root)/bench
mkdir -p "$cache"
gooffsets=$top/build/gooffsets
"$top/scripts/deps.sh" --test
"$top/scripts/build.sh" "$top/build"
# Which commits are compared, taken now: the tree may move on during the run.
ours_commit=$(build_commit "$top/build") base_commit=""
if [ -n "$bdir" ]; then base_commit=$(build_commit "$bdir"); fi
have_pahole=1
command -v pahole >/dev/null || have_pahole=0

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
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# samples[KEY]: wall times of the successful runs, in µs; failed[KEY]: set
# when a run failed. A run that fails (non-zero exit, or nothing on stdout:
# pahole exits 0 when the type is not found) is not timed as a success.
declare -A samples failed
now_ns() { date +%s%N; }
run_once() { # KEY CMD...
	local key=$1 t0 t1 rc=0
	shift
	t0=$(now_ns)
	"$@" >"$work/out" 2>/dev/null || rc=$?
	t1=$(now_ns)
	if [ "$rc" -ne 0 ] || [ ! -s "$work/out" ]; then
		failed[$key]=1
	else
		samples[$key]+="$(((t1 - t0) / 1000)) "
	fi
}
# cell KEY: the median (scripts/lib.sh) in ms, 2 decimals, empty for no
# samples; or FAILED: one failed run fails the cell (the median of the others
# would look like a full one).
cell() {
	local m
	if [ -n "${failed[$1]:-}" ]; then
		echo FAILED
	else
		m=$(median "${samples[$1]:-}")
		if [ -n "$m" ]; then awk -v m="$m" 'BEGIN { printf "%.2f\n", m / 1000 }'; fi
	fi
}
ms() { # CELL: with its unit when it is a time
	case $1 in
	[0-9]*) echo "$1ms" ;;
	*) echo "$1" ;;
	esac
}
ratio() { # A B DECIMALS: "A / B" followed by x, or - when either is not a time
	local r
	r=$(div "$1" "$2")
	if [ -n "$r" ]; then printf '%.*fx\n' "$3" "$r"; else echo -; fi
}

declare -A ours_ms pahole_ms ours_us base_us base_ms
names=()
# With --baseline, one more column: the baseline's gooffsets.
bcol="" bhead=()
if [ -n "$base" ]; then bcol=" %14s" bhead=(gooffsets-base); fi
# shellcheck disable=SC2059 # the format is ours, with or without the column
printf "%-28s %9s %10s$bcol %16s %11s %12s %9s\n" BINARY "SIZE(MB)" "gooffsets" "${bhead[@]}" pahole \
	"go version" "pahole/ours" "gover/ours"
largest="" largest_size=0
for b in "${bins[@]}"; do
	name=$(basename "$b")
	names+=("$name")
	size=$(stat -c %s "$b")
	if [ "$size" -gt "$largest_size" ]; then largest=$name largest_size=$size; fi
	# Into a variable first: `readelf | grep -q` fails under pipefail when
	# grep stops reading early and readelf dies of SIGPIPE. Go compresses its
	# DWARF (.zdebug_info or a compressed .debug_info): either matches.
	sections=$(readelf -SW "$b" 2>/dev/null || true)
	dwarf=stripped
	if grep -q 'debug_info' <<<"$sections"; then dwarf=dwarf; fi
	samples=()
	failed=()
	for r in $(seq "$runs"); do
		if [ -n "$base" ] && [ $((r % 2)) -eq 0 ]; then run_once base "$base" "$b"; fi
		run_once ours "$gooffsets" "$b"
		if [ -n "$base" ] && [ $((r % 2)) -eq 1 ]; then run_once base "$base" "$b"; fi
		if [ "$have_pahole" -eq 1 ]; then run_once pahole pahole -C runtime.g "$b"; fi
		run_once gover go version "$b"
	done
	ours=$(cell ours)
	gv=$(cell gover)
	if [ "$have_pahole" -eq 0 ]; then
		ph="n/a (no pahole)"
	elif [ -n "${failed[pahole]:-}" ] && [ "$dwarf" = stripped ]; then
		ph="n/a (no DWARF)"
	else
		ph=$(cell pahole)
	fi
	ours_ms[$name]=$ours pahole_ms[$name]=$ph
	bc=()
	if [ -n "$base" ]; then
		base_ms[$name]=$(cell base)
		bc=("$(ms "${base_ms[$name]}")")
		# The ratio from the µs medians, not from the 2-decimal cells.
		if [ -z "${failed[ours]:-}" ]; then ours_us[$name]=$(median "${samples[ours]:-}"); fi
		if [ -z "${failed[base]:-}" ]; then base_us[$name]=$(median "${samples[base]:-}"); fi
	fi
	# shellcheck disable=SC2059 # as for the header
	printf "%-28s %9.1f %10s$bcol %16s %11s %12s %9s\n" "$name ($dwarf)" "$(div "$size" 1048576)" \
		"$(ms "$ours")" "${bc[@]}" "$(ms "$ph")" "$(ms "$gv")" "$(ratio "$ph" "$ours" 1)" \
		"$(ratio "$gv" "$ours" 2)"
done
echo "(medians of $runs interleaved runs; FAILED: a run exited non-zero or printed nothing)"

# Goals. pahole failing where there is DWARF is not ours to pass or fail: n/a.
printf '\ngoals\n'
npass=0 nfail=0
for name in "${names[@]}"; do
	o=${ours_ms[$name]} p=${pahole_ms[$name]}
	if [ "$o" = FAILED ]; then
		nfail=$((nfail + 1))
		printf 'FAIL  %s: gooffsets FAILED\n' "$name"
	elif [ -z "$(div "$p" 1)" ]; then
		printf 'n/a   %s: pahole %s\n' "$name" "$p"
	elif [ "$(div "$o" "$p" | awk '{ print ($1 < 1) }')" = 1 ]; then
		npass=$((npass + 1))
		printf 'PASS  %s: gooffsets %sms < pahole %sms (%s)\n' "$name" "$o" "$p" "$(ratio "$p" "$o" 1)"
	else
		nfail=$((nfail + 1))
		printf 'FAIL  %s: gooffsets %sms, not faster than pahole %sms\n' "$name" "$o" "$p"
	fi
done
o=${ours_ms[$largest]}
if [ "$o" != FAILED ] && [ "$(awk -v o="$o" 'BEGIN { print (o < 100) }')" = 1 ]; then
	npass=$((npass + 1))
	printf 'PASS  %s (largest): gooffsets %sms (goal < 100 ms)\n' "$largest" "$o"
else
	nfail=$((nfail + 1))
	printf 'FAIL  %s (largest): gooffsets %s (goal < 100 ms)\n' "$largest" "$(ms "$o")"
fi
printf 'goals: %d PASS, %d FAIL\n' "$npass" "$nfail"

# Before and after in one run: our median over the baseline's, measured next
# to it. Within 5 % is run-to-run noise, not a regression.
if [ -n "$base" ]; then
	printf '\nvs baseline: %s (%s) / %s (%s), medians of %s runs\n' "$top/build" \
		"$ours_commit" "$bdir" "$base_commit" "$runs"
	printf '%-28s %10s %14s %7s  %s\n' BINARY gooffsets gooffsets-base RATIO GOAL
	regressed=() missing=()
	for name in "${names[@]}"; do
		v=$(div "${ours_us[$name]:-}" "${base_us[$name]:-}")
		if [ -z "$v" ]; then
			missing+=("$name")
			printf '%-28s %10s %14s %7s  <= 1.05 n/a\n' "$name" "$(ms "${ours_ms[$name]}")" \
				"$(ms "${base_ms[$name]}")" -
			continue
		fi
		mark=ok
		if ! holds "$v" le 1.05; then
			mark=REGRESSION
			regressed+=("$name ($(printf '%.3f' "$v"))")
		fi
		printf '%-28s %10s %14s %7.3f  <= 1.05 %s\n' "$name" "$(ms "${ours_ms[$name]}")" \
			"$(ms "${base_ms[$name]}")" "$v" "$mark"
	done
	if [ ${#regressed[@]} -gt 0 ]; then
		printf 'vs baseline: REGRESSION beyond noise in %d binaries: %s\n' "${#regressed[@]}" \
			"$(printf '%s, ' "${regressed[@]}" | sed 's/, $//')"
	elif [ ${#missing[@]} -gt 0 ]; then
		printf 'vs baseline: no regression beyond noise in the binaries measured; FAILED: %s\n' \
			"${missing[*]}"
	else
		echo "vs baseline: no regression beyond noise"
	fi
fi
