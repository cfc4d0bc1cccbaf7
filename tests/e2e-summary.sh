#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# e2e-summary: --summary (aggregated in the kernel) on the workload, whose
# answers are known: its sleeper sleeps 200 ms, its channel and mutex
# goroutines block for the 100 ms main waits before releasing them, and it
# creates its 6 goroutines (plus the runtime's own).
source "$(dirname "$0")/lib.sh"
require_bpf
CACHE=${GOTRACER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gotracer}
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
pass "summary totals match what the workload does"
