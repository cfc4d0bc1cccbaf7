#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-summary: --summary (aggregated in the kernel) on the workload, whose
# answers are known: its sleeper sleeps 200 ms, its channel and mutex
# goroutines block for the 100 ms main waits before releasing them, and it
# creates its 6 goroutines (plus the runtime's own). Then -i on a churning
# program: one summary a second, totals that only grow.
source "$(dirname "$0")/../lib.sh"
require_bpf
for minor in 1.19 1.26; do
	bin="$CACHE/fixtures/go$minor/workload-dwarf"
	[ -x "$bin" ] || fail "MISSING fixture: $bin (run scripts/fixtures.sh)"
	"$BUILD/goroutine" --summary -o "$WORK/sum" -- "$bin" >"$WORK/out" 2>"$WORK/err" ||
		fail "go$minor: $(tail -n 2 "$WORK/err")"
	s="$WORK/sum"
	created=$(sed -n 's/^goroutines: \([0-9]*\) created.*/\1/p' "$s")
	[ "${created:-0}" -ge 6 ] || fail "go$minor: $created goroutines created, want >= 6"
	# TOTAL(ms) of a wait reason: the name, then COUNT TOTAL(ms) MEAN P50 P90 P99 MAX.
	total() { awk -v r="$1" '{ n = NF; name = $1; for (i = 2; i <= n - 7; i++) name = name " " $i }
		name == r { print int($(n - 5)) }' "$s"; }
	sleep_ms=$(total sleep)
	chan_ms=$(total "chan receive")
	[ "${sleep_ms:-0}" -ge 190 ] && [ "${sleep_ms:-0}" -le 1000 ] ||
		fail "go$minor: sleep blocked ${sleep_ms:-0} ms, want about 200"
	[ "${chan_ms:-0}" -ge 90 ] || fail "go$minor: chan receive blocked ${chan_ms:-0} ms, want >= 100"
	grep -q '^ *[0-9]* -> [0-9]* *: [0-9]' "$s" || fail "go$minor: empty scheduler latency histogram"
	# The same run's numbers as JSON agree with the table's.
	"$BUILD/goroutine" --summary --json -o "$WORK/sum.json" -- "$bin" >/dev/null 2>"$WORK/err" ||
		fail "go$minor --json: $(tail -n 2 "$WORK/err")"
	jq -e '.type == "summary" and .source == "kernel" and .goroutines.created >= 6 and
		(.blocking | map(select(.reason == "sleep"))[0].total_ms >= 190)' "$WORK/sum.json" \
		>/dev/null || fail "go$minor --json: $(head -c 300 "$WORK/sum.json")"
	echo "  go$minor: $created created; sleep ${sleep_ms} ms, chan receive ${chan_ms} ms"
done

# -i: a summary every second while the program runs, then the final one. Counts
# only grow, the live goroutines are those by state, and time in state includes
# the live goroutines' current stays (so it grows with the elapsed time).
bin="$CACHE/fixtures/go1.24/churn-dwarf"
[ -x "$bin" ] || fail "MISSING fixture: $bin (run scripts/fixtures.sh)"
rc=0
"$BUILD/goroutine" --summary --json -i 1 -o "$WORK/int.json" -- "$bin" -seconds 3.3 >/dev/null \
	2>"$WORK/err" || rc=$?
[ "$rc" -eq 3 ] || fail "-i 1: exit status $rc, churn exits 3: $(tail -n 2 "$WORK/err")"
n=$(jq -s length "$WORK/int.json")
[ "$n" -ge 4 ] && [ "$n" -le 5 ] || fail "-i 1 over 3.3 s: $n summaries, want 3 or 4 and the final one"
jq -e -s 'all(.[]; .goroutines.live == ([.goroutines.by_state[]] | add // 0)) and
	([range(1; length) as $i | .[$i].elapsed_s > .[$i - 1].elapsed_s and
		.[$i].goroutines.created >= .[$i - 1].goroutines.created and
		.[$i].goroutines.exited >= .[$i - 1].goroutines.exited and
		([.[$i].states[].time_ms] | add) >= ([.[$i - 1].states[].time_ms] | add)] | all) and
	.[-1].goroutines.created > 1000' "$WORK/int.json" >/dev/null ||
	fail "-i 1: summaries do not add up: $(jq -c -s 'map({elapsed_s, goroutines})' "$WORK/int.json" | head -c 600)"
echo "  -i 1: $n summaries, $(jq -s '.[-1].goroutines.created' "$WORK/int.json") goroutines created"
pass "summary totals match what the workload does; -i gives growing interval summaries"
