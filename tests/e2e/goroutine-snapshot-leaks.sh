#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-snapshot-leaks: the tracer sees what was there before it. The
# parked fixture parks 1481 goroutines for good before we attach; none of
# them switches state while traced, so without the snapshot at attach the
# tracer finds no leak at all. With it, --summary --leak-after 1 -p PID finds
# each kind as leak candidates grouped by (wait reason, start function,
# creation site): 1100 main.leakRecv in chan receive, 200 main.leakLock, 100
# main.leakSleep, 50 main.leakSelect, 30 main.leakCond, 1 main.leakIO, each
# created by main.spawnLeaks, each marked as a lower bound; in the kernel's
# aggregate (--summary) and in the user-space analysis (--html) alike; with
# --binary (every process already running the file), and in a recording's
# --report as in the live run that recorded it. Each group shows where it
# blocks, from the snapshot's walk (no switch gives the kernel one): its
# function at the line main.go blocks at.
source "$(dirname "$0")/../lib.sh"
require_bpf

# want: "function reason count line" per leak kind (the wait reason's first
# word suffices; line: where in main.go it blocks).
want='main.leakRecv chan 1100 77
main.leakLock sync.Mutex.Lock|semacquire 200 83
main.leakSleep sleep 100 90
main.leakSelect select 50 97
main.leakCond sync.Cond.Wait 30 105
main.leakIO IO 1 113'

check() { # LABEL JSON
	local label=$1 j=$2 fn reason count line got
	# No time in state past the run's own (an unsigned underflow printed 18446744073 s).
	jq -e '[.goroutine_table[] | .in_state_s, (.age_s // 0)] | all(. >= 0 and . < 100000)' "$j" \
		>/dev/null || fail "$label: impossible times in state: $(jq -c '[.goroutine_table[] | select(.in_state_s >= 100000)][0]' "$j")"
	while read -r fn reason count line; do
		got=$(jq -r --arg f "$fn" --arg r "$reason" --argjson l "$line" '[.leaks.groups[] |
			select(.start_func == $f and (.reason | test("^(" + $r + ")")) and
			.created_by.func == "main.spawnLeaks" and .oldest_is_lower_bound and
			.stack_truncated == false and
			([.stack[]? | select(.func | startswith("main."))][0] |
			 .func == $f and .line == $l and (.file | endswith("/parked/main.go"))))] |
			map(.count) | add // 0' "$j")
		[ "$got" = "$count" ] || fail "$label: $fn: $got leak candidates ($reason), want $count blocked at main.go:$line: $(jq -c '.leaks.groups | map({start_func, reason, count, at: ([.stack[]? | select(.func | startswith("main."))][0] | "\(.func):\(.line)")})' "$j" | head -c 700)"
	done <<<"$want"
}

for fx in go1.24/parked-stripped go1.19/parked-dwarf go1.27/parked-pie; do
	start_parked "$CACHE/fixtures/$fx" || fail "$fx: the fixture did not start"
	pid=$PARKED_PID
	"$BUILD/goroutine" --summary --json --leak-after 1 -d 2 -p "$pid" -o "$WORK/sum.json" \
		2>"$WORK/err" || fail "$fx: $(tail -n 2 "$WORK/err")"
	check "$fx --summary" "$WORK/sum.json"
	"$BUILD/goroutine" --html "$WORK/r.html" --json --leak-after 1 -d 2 -p "$pid" \
		-o "$WORK/an.json" 2>"$WORK/err" || fail "$fx --html: $(tail -n 2 "$WORK/err")"
	check "$fx --html" "$WORK/an.json"
	stop_parked
	echo "  $fx: $(jq '.leaks.count' "$WORK/sum.json") leak candidates, every kind by its creation site"
done
# --binary seeds every process already running that file; a --record session
# records its seed, so that --report finds the same leak candidates.
fx=go1.26/parked-stripped
start_parked "$CACHE/fixtures/$fx" || fail "$fx: the fixture did not start"
pid=$PARKED_PID
"$BUILD/goroutine" --summary --json --leak-after 1 -d 2 --binary "$CACHE/fixtures/$fx" \
	-o "$WORK/bin.json" 2>"$WORK/err" || fail "$fx --binary: $(tail -n 2 "$WORK/err")"
check "$fx --binary" "$WORK/bin.json"
jq -e --argjson p "$pid" 'all(.leaks.groups[]; .pid == $p)' "$WORK/bin.json" >/dev/null ||
	fail "$fx --binary: leak groups of another process than $pid"
"$BUILD/goroutine" --record "$WORK/r.rec" --summary --json --leak-after 1 -d 2 -p "$pid" \
	-o "$WORK/live.json" 2>"$WORK/err" || fail "$fx --record: $(tail -n 2 "$WORK/err")"
check "$fx --record" "$WORK/live.json"
stop_parked
"$BUILD/goroutine" --report "$WORK/r.rec" --summary --json --leak-after 1 -o "$WORK/rep.json" \
	2>"$WORK/err" || fail "$fx --report: $(tail -n 2 "$WORK/err")"
check "$fx --report" "$WORK/rep.json"
cmp -s <(jq -S .leaks "$WORK/live.json") <(jq -S .leaks "$WORK/rep.json") ||
	fail "$fx: the report's leak candidates differ from the live run's: $(diff <(jq -S .leaks "$WORK/live.json") <(jq -S .leaks "$WORK/rep.json") | head -n 8)"
echo "  $fx: --binary and --record/--report: $(jq '.leaks.count' "$WORK/rep.json") leak candidates, the same"
# Copies of one non-PIE binary started alike put their g's at the same
# addresses: the kernel's table must still hold every copy's goroutines (its
# slots hash the process too): 8 bundled servers, all seeded, none evicted.
fx=go1.24/go-server-http-stripped
cp "$CACHE/fixtures/$fx" "$WORK/server" || fail "MISSING fixture: $CACHE/fixtures/$fx"
copies=()
for i in 1 2 3 4 5 6 7 8; do
	"$WORK/server" -addr 127.0.0.1:0 >"$WORK/server$i.out" 2>&1 &
	copies+=("$!")
	_pids+=("$!")
done
for i in 1 2 3 4 5 6 7 8; do
	for _ in $(seq 200); do
		grep -q '^Listening on' "$WORK/server$i.out" && break
		sleep 0.05
	done
done
"$BUILD/goroutine" --summary --json --leak-after 0.5 -d 1 --binary "$WORK/server" \
	-o "$WORK/copies.json" 2>"$WORK/err" || fail "$fx x8: $(tail -n 2 "$WORK/err")"
kill "${copies[@]}" 2>/dev/null || true
grep -q 'did not fit' "$WORK/err" && fail "$fx x8: $(grep 'did not fit' "$WORK/err" | head -n 2)"
jq -e '(.evicted // 0) == 0' "$WORK/copies.json" >/dev/null ||
	fail "$fx x8: records evicted: $(jq .evicted "$WORK/copies.json")"
procs=$(jq '[.leaks.groups[].pid] | unique | length' "$WORK/copies.json")
[ "$procs" = 8 ] || fail "$fx x8: leak candidates in $procs processes, want all 8"
echo "  $fx x8 copies: every copy's goroutines held, none evicted"
pass "goroutines parked before attach are leak candidates, grouped by start function and creation site"
