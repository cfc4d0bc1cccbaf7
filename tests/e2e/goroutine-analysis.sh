#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-analysis: the analysis against a workload whose answers are known
# (tests/fixtures/go/blocking prints its goroutines' goids and parents): a
# goroutine blocked 1 s in a channel receive, a 500 ms sleeper, 8 goroutines
# queued on a mutex, 5 leaked goroutines of one creator, 4 CPU-bound
# goroutines sharing one P. Each binary is traced twice: aggregated in the
# kernel (--summary) and from events in user space (--trace-json), and both
# summaries must give the facts. The trace-event file is checked against the
# format's required fields and against the same facts. Last, a run with
# more than a million events: the page's data is reduced for display, says
# so, and the trace file still holds every slice.
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"

# check SUMMARY.json OUT SOURCE LABEL: the summary against what OUT (the
# program's own report) says.
check() {
	local s=$1 out=$2 source=$3 label=$4 leaker leaks chan
	leaker=$(awk '$1 == "leaker" { print $2 }' "$out")
	leaks=$(awk '$1 == "leak" { print $2 }' "$out" | sort -n | paste -sd,)
	chan=$(awk '$1 == "chan" { print $2 }' "$out")
	[ -n "$leaker" ] && [ -n "$chan" ] && [ "$(tr -cd , <<<"$leaks" | wc -c)" -eq 4 ] ||
		fail "$label: the program's report is incomplete: $(head -c 300 "$out")"
	q() { jq -e "$1" "$s" >/dev/null || fail "$label ($source): $2: $(jq -c "${3:-.}" "$s" | head -c 600)"; }
	q ".source == \"$source\" and .lost == 0" "source or losses" '{source, lost}'
	# 20 created: leaker + 5 leaked, chan, sleep, 8 mutex, 4 busy; 15 of them exit.
	q '.goroutines.created >= 20 and .goroutines.exited >= 15' "goroutine counts" .goroutines
	q '.lifetimes.count >= 15 and .lifetimes.max_us > 900000' "lifetimes" '.lifetimes | del(.hist)'
	q '.blocking | map(select(.reason == "chan receive"))[0] |
		.max_us >= 950000 and .max_us < 1600000' "the 1 s channel receive" .blocking
	# The 500 ms sleep lands in the 262144-524287 us slot of the sleep histogram.
	q '.blocking | map(select(.reason == "sleep"))[0].hist |
		any(.lo_us == 262144 and .count >= 1)' "the 500 ms sleep" '.blocking[] | select(.reason == "sleep")'
	# Mutex waits: named sync.Mutex.Lock from go1.20, semacquire before. The 8
	# wait in turn for each other's 20 ms: at least 20 * (1 + ... + 7) ms in all.
	q '.blocking | (map(select(.reason == "sync.Mutex.Lock")) + map(select(.reason == "semacquire")))[0] |
		.count >= 8 and .total_ms >= 500' "mutex contention" '.blocking | map(.reason)'
	# One P, 4 spinners: each waits while the others run their 10 ms slices.
	q '.sched_latency.hist | map(select(.lo_us >= 4096) | .count) | add >= 8' \
		"scheduler latency" .sched_latency.hist
	q ".leaks.after_s == 1 and (.leaks.groups | map(select(.reason == \"chan receive\" and
		.parent == $leaker))[0] | .count == 5 and (.goids | sort | map(tostring) | join(\",\")) == \"$leaks\")" \
		"the 5 goroutines leaked by goroutine $leaker ($leaks)" .leaks.groups
	# ... and where they block: the kernel's walk of their own stacks, at <-never.
	q '.leaks.groups | map(select(.reason == "chan receive" and .count == 5))[0] |
		.stack[0].func == "main.main.func1.1" and .stack[0].line == 97 and
		(.stack[0].file | endswith("/main.go")) and .stack_truncated == false' \
		"the leak group's blocking stack" '.leaks.groups | map(select(.count == 5))'
	q "[.goroutine_table[] | select(.state == \"WAITING\" and .reason == \"chan receive\" and
		.parent == $leaker)] | length == 5" "the leaked goroutines in the goroutine table" .goroutine_table
	echo "  $label ($source): leak group of $leaker = {$leaks}; $(jq -r '.blocking |
		map(select(.reason == "chan receive"))[0].max_us / 1000 | floor' "$s") ms channel wait"
}

# check_trace FILE OUT LABEL: required fields, no overlap per goroutine, facts.
check_trace() {
	local f=$1 out=$2 label=$3 chan leaker
	chan=$(awk '$1 == "chan" { print $2 }' "$out")
	leaker=$(awk '$1 == "leaker" { print $2 }' "$out")
	jq -e '.traceEvents | type == "array" and length > 100' "$f" >/dev/null ||
		fail "$label: no traceEvents array"
	bad=$(jq -c '[.traceEvents[] | select(
		(.name | type) != "string" or (.pid | type) != "number" or (.tid | type) != "number" or
		(.ph != "X" and .ph != "M") or
		(.ph == "X" and ((.ts | type) != "number" or (.dur | type) != "number" or .ts < 0 or .dur < 0)) or
		(.ph == "M" and (.args | type) != "object"))] | .[0] // empty' "$f")
	[ -z "$bad" ] || fail "$label: trace event without the format's required fields: $bad"
	overlap=$(jq -c '[.traceEvents[] | select(.ph == "X")] | group_by(.tid)[] | sort_by(.ts) |
		. as $s | range(1; length) | select($s[.].ts < $s[. - 1].ts + $s[. - 1].dur - 0.01) |
		$s[.]' "$f" | head -n 1)
	[ -z "$overlap" ] || fail "$label: overlapping slices of one goroutine: $overlap"
	jq -e ".traceEvents | any(.ph == \"X\" and .tid == $chan and .name == \"WAITING\" and
		.args.reason == \"chan receive\" and .dur >= 950000)" "$f" >/dev/null ||
		fail "$label: no 1 s WAITING slice (chan receive) on goroutine $chan's track"
	# Named as go tool trace names them, with the function from the creation's g.startpc,
	# and the go statement (main.go:94, in main.main.func1) from its g.gopc.
	for g in $(awk '$1 == "leak" { print $2 }' "$out"); do
		jq -e ".traceEvents | any(.ph == \"M\" and .name == \"thread_name\" and .tid == $g and
			.args.name == \"goroutine $g main.main.func1.1 (parent $leaker)\" and
			(.args.created_by | test(\"^main[.]main[.]func1 .*/main[.]go:94$\")))" "$f" >/dev/null ||
			fail "$label: goroutine $g's track is not named with its function and parent $leaker, and its creation site: $(jq -c "[.traceEvents[] | select(.ph == \"M\" and .tid == $g)]" "$f")"
	done
}

n=0
for fx in go1.19/blocking-dwarf go1.22/blocking-stripped go1.24/blocking-pie go1.26/blocking-dwarf; do
	bin="$CACHE/fixtures/$fx"
	[ -x "$bin" ] || fail "MISSING fixture: $bin (run scripts/fixtures.sh)"
	"$T" --summary --json --leak-after 1 -o "$WORK/k.json" -- "$bin" >"$WORK/k.out" 2>"$WORK/k.err" ||
		fail "$fx --summary: $(tail -n 2 "$WORK/k.err")"
	check "$WORK/k.json" "$WORK/k.out" kernel "$fx"
	"$T" --trace-json "$WORK/t.json" --json --leak-after 1 -o "$WORK/e.json" -- "$bin" \
		>"$WORK/e.out" 2>"$WORK/e.err" || fail "$fx --trace-json: $(tail -n 2 "$WORK/e.err")"
	check "$WORK/e.json" "$WORK/e.out" events "$fx"
	check_trace "$WORK/t.json" "$WORK/e.out" "$fx"
	# From the events alone (the process is gone by the report, no snapshot can say), the
	# leak group knows where its goroutines come from: their creations' g.startpc and g.gopc.
	jq -e '.leaks.groups | any(.count == 5 and .reason == "chan receive" and
		.start_func == "main.main.func1.1" and .created_by.func == "main.main.func1" and
		(.created_by.file | endswith("/main.go")) and .created_by.line == 94)' "$WORK/e.json" >/dev/null ||
		fail "$fx: the leak group lacks its creation site: $(jq -c '.leaks.groups' "$WORK/e.json" | head -c 800)"
	# Scheduler latency by start function: the 5 leaked goroutines each waited for a P once.
	jq -e '.sched_latency_by_func | any(.start_func == "main.main.func1.1" and .goroutines == 5 and
		.runnable_ms > 0)' "$WORK/e.json" >/dev/null ||
		fail "$fx: no scheduler latency for main.main.func1.1's 5 goroutines: $(jq -c '.sched_latency_by_func' "$WORK/e.json")"
	n=$((n + 1))
done

# The table form of the same: the leak section names the group.
bin="$CACHE/fixtures/go1.26/blocking-dwarf"
"$T" --leak-after 1 -o "$WORK/k.txt" -- "$bin" >"$WORK/k.out" 2>"$WORK/k.err" ||
	fail "--leak-after (table): $(tail -n 2 "$WORK/k.err")"
leaker=$(awk '$1 == "leaker" { print $2 }' "$WORK/k.out")
grep -Eq "^ *[0-9]+ chan receive +$leaker +5 " "$WORK/k.txt" ||
	fail "--leak-after: no table row for the 5 goroutines of $leaker: $(sed -n '/^leak candidates/,$p' "$WORK/k.txt")"

# Volume: pingpong, 2 goroutines, 1.2 million events.
pp="$CACHE/fixtures/go1.24/pingpong-dwarf"
[ -x "$pp" ] || fail "MISSING fixture: $pp (run scripts/fixtures.sh)"
"$T" --html "$WORK/big.html" --trace-json "$WORK/big.json" -o "$WORK/big.sum" -- "$pp" 200000 \
	>/dev/null 2>"$WORK/big.err" || fail "pingpong --html: $(tail -n 2 "$WORK/big.err")"
perl -0777 -ne 'print $1 if m{<script id="gt-data" type="application/json">(.*?)</script>}s' \
	"$WORK/big.html" >"$WORK/big.data"
jq -e '.meta.events > 1000000 and .meta.lost == 0 and .meta.aggregated and
	(.meta.note | length > 20) and .meta.slices_shown <= 250000 and
	(.slices | length) == .meta.slices_shown and (.goroutines | length) >= 2 and
	.summary.type == "summary"' "$WORK/big.data" >/dev/null ||
	fail "large report: $(jq -c '.meta' "$WORK/big.data" | head -c 600)"
slices=$(jq '[.traceEvents[] | select(.ph == "X")] | length' "$WORK/big.json")
[ "$slices" -gt 1000000 ] || fail "large trace file: only $slices slices"
echo "  pingpong: $(jq -r '"\(.meta.events) events, \(.meta.slices) slices, \(.meta.slices_shown) drawn"' \
	"$WORK/big.data"), $slices in the trace file"
pass "$n binaries: kernel and user-space summaries agree with the workload; trace files valid"
