#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-dump.sh [--scale K] [--no-delve] [--baseline DIR] [RUNS]: what a
# goroutine dump of a large live process costs, ours against the
# alternatives, in one run.
# The target is tests/fixtures/go/parked (go1.19, so Debian's Delve reads
# it) with -scale K (default 68: about 100k goroutines). Each row is a median
# over RUNS (default 3) of the wall time, and the largest stall the target
# saw meanwhile: parked's main.tick wakes every 1 ms and records its worst
# lateness (SIGUSR1 resets it), so a tool that stops the process shows there.
#   idle        nothing runs: the lateness this VM gives anyway (the floor)
#   goroutine   goroutine --dump -p PID (no stop: process_vm_readv); its
#               read_ms is the reading alone (its own count, on stderr), rest_ms
#               the wall time less that: start-up (the binary and its profile),
#               symbolizing, formatting and writing the 100k stacks
#   baseline    the same with --baseline DIR's goroutine (another build of
#               this project), to compare before and after in one run
#   runtime     the runtime's own debug=2 dump over HTTP (needs the endpoint
#               compiled in; stops the world while it walks the goroutines)
#   delve       dlv attach PID, goroutines, detach (ptrace: stops the process)
# Goals (issue 12): ours < 300 ms wall, our stall <= 2 ms; printed as ratios.
# The VM's floor moves with whatever else runs on it: compare the rows of one
# run, never numbers of different runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
runs=3 scale=68 delve=1 baseline_arg=''
usage="usage: bench-dump.sh [--scale K] [--no-delve] [--baseline DIR] [RUNS]"
while [ $# -gt 0 ]; do
	case $1 in
	--scale) scale=${2:?--scale needs K}; shift ;;
	--no-delve) delve=0 ;;
	--baseline)
		[ $# -ge 2 ] || die "--baseline needs a build directory ($usage)"
		baseline_arg=$2
		shift
		;;
	--baseline=*) baseline_arg=${1#--baseline=} ;;
	*[!0-9]* | 0 | '') die "$usage" ;;
	*) runs=$1 ;;
	esac
	shift
done
build=${BUILD:-$top/build}
tool=$build/goroutine
[ -x "$tool" ] || die "$tool missing: build first (scripts/build.sh)"
base_tool=''
if [ -n "$baseline_arg" ]; then
	base_tool=$(baseline_dir "$baseline_arg" goroutine)/goroutine
	info "baseline: $base_tool (commit $(build_commit "$(dirname "$base_tool")"))"
fi
fx=$(cache_root)/fixtures/go1.19/parked-dwarf
[ -x "$fx" ] || die "$fx missing: run scripts/fixtures.sh"
"$top/scripts/deps.sh" --test # curl, Delve
need_cmd curl
[ "$delve" = 0 ] || need_cmd dlv
work=$(mktemp -d /tmp/bench-dump.XXXXXX)
pid=''
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
"$fx" -scale "$scale" -dump "$work/want.txt" -gapfile "$work/gap" -pprof "127.0.0.1:$port" \
	>"$work/ready" &
pid=$!
for _ in $(seq 600); do grep -q ready "$work/ready" && break; sleep 0.1; done
grep -q ready "$work/ready" || die "parked did not get ready"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/goroutine?debug=0" -o /dev/null && break; sleep 0.1; done
n=$(grep -c '^goroutine ' "$work/want.txt")
info "parked -scale $scale: $n goroutines (pid $pid)"

# stall CMD...: "WALL_MS STALL_US" of one run of CMD against the target.
stall() {
	local t0 t1
	rm -f "$work/gap"
	kill -USR1 "$pid"
	for _ in $(seq 200); do [ -s "$work/gap" ] && break; sleep 0.01; done
	sleep 0.2 # the reset is seen, and the ticker runs undisturbed for a while
	t0=$(date +%s%N)
	"$@" >"$work/out" 2>"$work/err" || die "$1 failed: $(tail -n 2 "$work/err")"
	t1=$(date +%s%N)
	sleep 0.05
	echo "$(((t1 - t0) / 1000000)) $(cat "$work/gap")"
}
# read_ms: the reading's own time, from the dump's summary line on stderr.
read_ms() { sed -n 's/.* goroutines read in \([0-9.]*\) ms.*/\1/p' "$work/err" | tail -n 1; }
dlv_goroutines() {
	printf 'goroutines\nexit\nn\n' | timeout 600 dlv attach "$pid" --allow-non-terminal-interactive=true
}
rows=(idle goroutine)
[ -n "$base_tool" ] && rows+=(baseline)
rows+=(runtime)
[ "$delve" = 1 ] && rows+=(delve)
declare -A wall st rd rest
for r in "${rows[@]}"; do wall[$r]='' st[$r]='' rd[$r]='' rest[$r]=''; done
for i in $(seq "$runs"); do
	for r in "${rows[@]}"; do
		case $r in
		idle) read -r w s < <(stall sleep 0.4) ;;
		goroutine) read -r w s < <(stall "$tool" --dump -p "$pid") ;;
		baseline) read -r w s < <(stall "$base_tool" --dump -p "$pid") ;;
		runtime) read -r w s < <(stall curl -sf "http://127.0.0.1:$port/goroutine?debug=2") ;;
		delve) read -r w s < <(stall dlv_goroutines) ;;
		esac
		wall[$r]+=" $w" st[$r]+=" $s"
		if [ "$r" = goroutine ] || [ "$r" = baseline ]; then
			ms=$(read_ms)
			rd[$r]+=" $ms"
			rest[$r]+=" $(awk -v w="$w" -v r="$ms" 'BEGIN { printf "%.0f", w - r }')"
		fi
	done
	info "run $i of $runs done"
done
kill -0 "$pid" || die "the target died during the benchmark"
# Medians of wall, read and rest, each on its own (they need not be one run's);
# the stall is the largest of the runs, as a stall is.
printf '%-10s %10s %10s %10s %14s %14s\n' tool wall_ms read_ms rest_ms max_stall_us \
	median_stall
for r in "${rows[@]}"; do
	printf '%-10s %10s %10s %10s %14s %14s\n' "$r" "$(median "${wall[$r]}")" \
		"$(median "${rd[$r]}")" "$(median "${rest[$r]}")" "$(maximum "${st[$r]}")" \
		"$(median "${st[$r]}")"
done
ours=$(median "${wall[goroutine]}") our_stall=$(maximum "${st[goroutine]}")
echo
echo "ratios (wall time, median): goroutine / runtime  = $(div "$ours" "$(median "${wall[runtime]}")")"
[ "$delve" = 1 ] && echo "                            goroutine / delve    = $(div "$ours" "$(median "${wall[delve]}")")"
[ -n "$base_tool" ] && echo "                            goroutine / baseline = $(div "$ours" "$(median "${wall[baseline]}")")"
echo "split of ours (medians): read $(median "${rd[goroutine]}") ms, the rest $(median "${rest[goroutine]}") ms"
echo "stall, ours / idle floor: $(div "$our_stall" "$(maximum "${st[idle]}")") (largest), $(div "$(median "${st[goroutine]}")" "$(median "${st[idle]}")") (medians)"
[ "$ours" -lt 300 ] && echo "PASS dump < 300 ms ($ours ms)" || echo "FAIL dump < 300 ms ($ours ms)"
[ "$our_stall" -le 2000 ] && echo "PASS stall <= 2 ms ($our_stall us)" ||
	echo "FAIL stall <= 2 ms ($our_stall us; the idle floor of this VM: $(maximum "${st[idle]}") us)"
