#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-difftrace: the tracer's events against Go's own execution tracer
# on one run. tests/fixtures/go/difftrace records runtime/trace while it runs
# channels, a contended mutex, sleeps, selects with timeouts, Gosched, file
# syscalls, loopback TCP, GCs, a coroutine (iter.Pull, go1.23+);
# `goroutine --json -- FIXTURE`
# traces the same run from outside. The trace is read by the newest
# toolchain's `go tool trace -d=parsed` (its internal/trace reads the older
# format of go1.19-1.21 too), and tests/e2e/difftrace.py compares, per
# goroutine living inside the trace window, the count of each transition
# (creation, Runnable->Running, Running->Waiting by wait reason,
# Waiting->Runnable, Running->Runnable, syscall enter and exit, exit):
# exact agreement, under the named rules of difftrace.py where the two event
# models differ by design; every goroutine of the trace must be in ours.
# Every toolchain of the suite; then the same comparison with every 50th of
# our events dropped must fail. Each binary must have had a wait outside
# gopark (the fixture's ReadMemStats stops the world), and one at least a
# goroutine parked for a stack scan (PREEMPTED). About 20 s on an idle machine.
# DIFFTRACE_MATRIX="go1.24/pie ..." runs others.
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"
CMP="$SRC/tests/e2e/difftrace.py"
[ -x "$T" ] || fail "$T missing: build first"
command -v python3 >/dev/null || fail "python3 is needed"
MATRIX=(go1.19/dwarf go1.21/stripped go1.22/dwarf go1.23/pie go1.24/dwarf go1.25/stripped
	go1.26/dwarf go1.27/extld)
if [ -n "${DIFFTRACE_MATRIX:-}" ]; then
	read -ra MATRIX <<<"$DIFFTRACE_MATRIX"
fi

# The newest toolchain's cmd/trace (go1.25+ ship none: `go tool -n` builds it
# into the fixtures' build cache once, then only names it).
newest=$(find "$CACHE/go" -mindepth 1 -maxdepth 1 -name '1.*' -printf '%f\n' | sort -t. -k2 -n | tail -n 1)
goroot=$CACHE/go/$newest/usr/lib/go-$newest
[ -x "$goroot/bin/go" ] || fail "MISSING toolchain: $goroot (run scripts/fixtures.sh)"
tool=$(GOROOT=$goroot GOTOOLCHAIN=local GOENV=off GOPROXY=off GOFLAGS=-mod=mod \
	GOCACHE=$CACHE/gobuild/$newest/cache GOPATH=$CACHE/gobuild/$newest/gopath \
	"$goroot/bin/go" tool -n trace) || fail "no cmd/trace in $goroot"

n=0 preempted=0
for m in "${MATRIX[@]}"; do
	bin="$CACHE/fixtures/${m%/*}/difftrace-${m#*/}"
	minor=${m%/*}
	minor=${minor#go1.}
	[ -x "$bin" ] || fail "MISSING fixture: $bin (run scripts/fixtures.sh)"
	d="$WORK/$minor"
	mkdir -p "$d"
	"$T" --json -o "$d/ours.json" --record "$d/rec" -- "$bin" "$d/go.trace" >"$d/out" 2>"$d/err" ||
		fail "$m: the traced run failed: $(tail -n 2 "$d/err")"
	grep -qx "done" "$d/out" || fail "$m: the fixture did not finish: $(head -c 300 "$d/out")"
	grep -q ' 0 lost' "$d/err" || fail "$m: events lost: $(tail -n 1 "$d/err")"
	# A report of the run's record prints what tracing printed, line for line: the
	# goids read from the process after the switch (GOIDS) included.
	"$T" --report "$d/rec" --json -o "$d/report.json" 2>"$d/rerr" ||
		fail "$m: --report: $(tail -n 1 "$d/rerr")"
	cmp -s "$d/ours.json" "$d/report.json" ||
		fail "$m: --report's events differ from tracing's: $(diff "$d/ours.json" "$d/report.json" | head -n 4)"
	GOROOT=$goroot "$tool" -d=parsed "$d/go.trace" >"$d/parsed" 2>"$d/perr" ||
		fail "$m: go tool trace -d=parsed: $(tail -n 2 "$d/perr")"
	python3 "$CMP" "$minor" "$d/ours.json" "$d/parsed" >"$d/cmp" ||
		fail "$m: ours and runtime/trace differ:$(printf '\n%s' "$(head -n 30 "$d/cmp")")"
	# The fixture's ReadMemStats stops the world from a goroutine of the window:
	# a wait outside gopark (its reason unknown before go1.21, checked above).
	grep -q '^rule internal-wait: [1-9]' "$d/cmp" ||
		fail "$m: no wait outside gopark in the window (the fixture's stop-the-world)"
	grep -q '^rule preempted: [1-9]' "$d/cmp" && preempted=$((preempted + 1))
	# go1.21 makes a cgo extra M at start: its g, never switched after its allocation,
	# must be in ours with the goid read from the process.
	if [ "$minor" = 21 ] && ! grep -q '^rule extra-m-g: [1-9]' "$d/cmp"; then
		fail "$m: the cgo extra M's g is not in ours with its goid"
	fi
	# From go1.23 the fixture pulls 100 values through a coroutine: 202 switches.
	if [ "$minor" -ge 23 ] && ! grep -q '^rule coroutine: [1-9]' "$d/cmp"; then
		fail "$m: no coroutine switch seen (the fixture's iter.Pull)"
	fi
	echo "  $m: $(head -n 1 "$d/cmp"); $(sed -n 's/^rule \([^:]*\): \([0-9]*\).*/\1 \2/p' "$d/cmp" | paste -sd, -)"
	n=$((n + 1))
done
# The spinning goroutine is stopped for the GC's scans of its stack in nearly every run;
# in none of them, the PREEMPTED switches were not compared at all.
[ "$preempted" -gt 0 ] || fail "no binary had a goroutine parked for a stack scan (PREEMPTED)"

# The comparison can fail: the last run with every 50th of our events dropped.
if python3 "$CMP" "$minor" "$d/ours.json" "$d/parsed" --drop-every 50 >"$d/cmp-drop"; then
	fail "$m: the comparison still agrees with every 50th event dropped"
fi
echo "  $m, every 50th event dropped: $(grep -c '^DIFF' "$d/cmp-drop") differences found"
pass "$n binaries ($preempted with PREEMPTED): per goroutine, the same transitions and wait reasons as runtime/trace"
