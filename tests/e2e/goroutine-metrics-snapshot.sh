#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-metrics-snapshot: --metrics --mode snapshot serves the gauges from
# snapshots alone, with no probe in the traced programs: the parked fixture's
# population exact (1100 goroutines in chan receive), promtool silent, none of
# the probe-fed families, and no uprobe held by the tracer (bpftool perf show:
# a uprobe there is a probe in the program). With --all, a process started
# after the tracer is served too (found by the exec tracepoint, the one BPF
# program it loads besides fork and exit).
source "$(dirname "$0")/../lib.sh"
require_bpf
FX=$CACHE/fixtures/go1.24/parked-dwarf
[ -x "$FX" ] || fail "MISSING fixture: $FX (run scripts/fixtures.sh)"
for c in curl promtool bpftool jq; do
	command -v "$c" >/dev/null || fail "$c is needed"
done
mkdir "$WORK/bin"
cp "$FX" "$WORK/bin/parked"

# serve ERR ARGS...: the tracer with --metrics on a free port; sets ADDR.
serve() {
	local err=$1 _
	shift
	: >"$err"
	"$BUILD/goroutine" --metrics 127.0.0.1:0 --mode snapshot "$@" >"$err.out" 2>"$err" &
	TRACER_PID=$!
	_pids+=("$TRACER_PID")
	for _ in $(seq 200); do
		ADDR=$(sed -n 's|^goroutine: metrics at http://\(.*\)/metrics$|\1|p' "$err")
		[ -n "$ADDR" ] && return 0
		kill -0 "$TRACER_PID" 2>/dev/null || fail "the tracer exited: $(cat "$err")"
		sleep 0.05
	done
	fail "no metrics address within 10 s: $(cat "$err")"
}

# check SCRAPE PID: the parked population of process PID, and nothing probe-fed.
check() {
	local n
	n=$(grep -F "gotracer_goroutines_waiting{pid=\"$2\"" "$1" | grep -F 'reason="chan receive"' |
		awk '{print $NF}')
	[ "$n" = 1100 ] || fail "process $2: chan receive '$n', want 1100: $(grep -c . "$1") lines"
	promtool check metrics <"$1" >"$WORK/promtool" 2>&1 || fail "promtool: $(head -c 600 "$WORK/promtool")"
	[ ! -s "$WORK/promtool" ] || fail "promtool complains: $(head -c 600 "$WORK/promtool")"
	! grep -qE '^gotracer_(goroutines_created_total|scheduler_latency_seconds|events_lost_total)' "$1" ||
		fail "probe-fed families in a probe-free scrape"
	bpftool perf show -j >"$WORK/perf.json"
	n=$(jq --argjson p "$TRACER_PID" '[.[] | select(.pid == $p and .fd_type == "uprobe")] | length' \
		"$WORK/perf.json")
	[ "$n" = 0 ] || fail "the tracer holds $n uprobes in --mode snapshot"
}

start_parked "$WORK/bin/parked" || fail "parked did not start"
serve "$WORK/a.err" -p "$PARKED_PID"
curl -sf "http://$ADDR/metrics" -o "$WORK/a.prom" || fail "scrape failed"
check "$WORK/a.prom" "$PARKED_PID"
stop_tracer
grep -q '^goroutine: --mode snapshot: no probes, no events$' "$WORK/a.err" ||
	fail "no final line: $(tail -n 2 "$WORK/a.err")"
echo "  -p: 1100 chan receive, promtool silent, no probe-fed family, no uprobe"
stop_parked

serve "$WORK/b.err" --all --exe "$WORK/bin/*"
start_parked "$WORK/bin/parked" || fail "parked did not start"
for _ in $(seq 100); do
	grep -q "^goroutine: tracing process $PARKED_PID " "$WORK/b.err" && break
	sleep 0.05
done
curl -sf "http://$ADDR/metrics" -o "$WORK/b.prom" || fail "scrape failed"
check "$WORK/b.prom" "$PARKED_PID"
stop_tracer
stop_parked
echo "  --all: a process started after the tracer served, no uprobe"
pass "--mode snapshot: the gauges exact from snapshots alone, no probes"
