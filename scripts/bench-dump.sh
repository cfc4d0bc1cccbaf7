#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-dump.sh [--scale K] [--no-delve] [RUNS]: what a goroutine dump of a
# large live process costs, ours against the alternatives, in one run.
# The target is tests/fixtures/go/parked (go1.19, so Debian's Delve reads
# it) with -scale K (default 68: about 100k goroutines). Each row is a median
# over RUNS (default 3) of the wall time, and the largest stall the target
# saw meanwhile: parked's main.tick wakes every 1 ms and records its worst
# lateness (SIGUSR1 resets it), so a tool that stops the process shows there.
#   idle        nothing runs: the lateness this VM gives anyway (the floor)
#   goroutine   goroutine --dump -p PID (no stop: process_vm_readv)
#   runtime     the runtime's own debug=2 dump over HTTP (needs the endpoint
#               compiled in; stops the world while it walks the goroutines)
#   delve       dlv attach PID, goroutines, detach (ptrace: stops the process)
# Goals (issue 12): ours < 300 ms wall, our stall <= 2 ms; printed as ratios.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
runs=3 scale=68 delve=1
while [ $# -gt 0 ]; do
	case $1 in
	--scale) scale=${2:?--scale needs K}; shift ;;
	--no-delve) delve=0 ;;
	*[!0-9]* | 0 | '') die "usage: bench-dump.sh [--scale K] [--no-delve] [RUNS]" ;;
	*) runs=$1 ;;
	esac
	shift
done
build=${BUILD:-$top/build}
tool=$build/goroutine
[ -x "$tool" ] || die "$tool missing: build first (scripts/build.sh)"
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
dlv_goroutines() {
	printf 'goroutines\nexit\nn\n' | timeout 600 dlv attach "$pid" --allow-non-terminal-interactive=true
}
rows=(idle goroutine runtime)
[ "$delve" = 1 ] && rows+=(delve)
declare -A wall st
for r in "${rows[@]}"; do wall[$r]='' st[$r]=''; done
for i in $(seq "$runs"); do
	for r in "${rows[@]}"; do
		case $r in
		idle) read -r w s < <(stall sleep 0.4) ;;
		goroutine) read -r w s < <(stall "$tool" --dump -p "$pid") ;;
		runtime) read -r w s < <(stall curl -sf "http://127.0.0.1:$port/goroutine?debug=2") ;;
		delve) read -r w s < <(stall dlv_goroutines) ;;
		esac
		wall[$r]+=" $w" st[$r]+=" $s"
	done
	info "run $i of $runs done"
done
kill -0 "$pid" || die "the target died during the benchmark"
printf '%-10s %12s %16s\n' tool wall_ms max_stall_us
for r in "${rows[@]}"; do
	printf '%-10s %12s %16s\n' "$r" "$(median "${wall[$r]}")" "$(maximum "${st[$r]}")"
done
ours=$(median "${wall[goroutine]}") our_stall=$(maximum "${st[goroutine]}")
echo
echo "ratios (wall time, median): goroutine / runtime = $(div "$ours" "$(median "${wall[runtime]}")")"
[ "$delve" = 1 ] && echo "                            goroutine / delve   = $(div "$ours" "$(median "${wall[delve]}")")"
echo "stall, ours / idle floor: $(div "$our_stall" "$(maximum "${st[idle]}")")"
[ "$ours" -lt 300 ] && echo "PASS dump < 300 ms ($ours ms)" || echo "FAIL dump < 300 ms ($ours ms)"
[ "$our_stall" -le 2000 ] && echo "PASS stall <= 2 ms ($our_stall us)" ||
	echo "FAIL stall <= 2 ms ($our_stall us; the idle floor of this VM: $(maximum "${st[idle]}") us)"
