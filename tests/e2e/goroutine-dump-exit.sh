#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-dump-exit: a process that dies while `goroutine --dump -p PID`
# reads it. The parked fixture with 100,644 goroutines (-scale 68) is
# SIGKILLed (and reaped, as its parent would) some time after the dump
# starts. Timing varies, so every run must be one of two things: a complete
# dump (exit 0, the count line alone on stderr, every one of the fixture's
# goroutines on stdout), or a refusal (exit 1, one line on stderr saying that
# the process exited, nothing on stdout: nothing partial presented as
# complete; gone before the read began is said by the step that saw it: "no
# process with PID", "no such process" or "exited before it was read"). The read is a small part of a dump's time (~0.1 of ~0.6 s here),
# so the delays are searched for it: 0 s and 1.5 s first, then halving the
# interval between the latest kill that came too early and the earliest that
# came too late, until two runs were cut in the middle of the read ("exited
# while it was read") or 10 runs are done; at least one must have been, or
# the test proved nothing.
source "$(dirname "$0")/../lib.sh"
require_ptrace
T="$BUILD/goroutine"
[ -x "$T" ] || fail "$T missing: build first"
bin="$CACHE/fixtures/go1.24/parked-dwarf"
# -scale 68's population (parked.go): 68 x (1100 + 200 + 100 + 50 + 30) + leakIO.
POP=100641

# run DELAY: one fixture, one dump, the kill DELAY seconds in; the outcome in
# OUTCOME (early, mid, complete), or the test fails.
run() {
	local d=$1 pid dump rc=0 lines err n
	start_parked "$bin" -scale 68 || fail "the fixture did not start"
	pid=$PARKED_PID
	timeout 60 "$T" --dump -p "$pid" >"$WORK/out" 2>"$WORK/err" &
	dump=$!
	sleep "$d"
	stop_parked KILL
	wait "$dump" || rc=$?
	lines=$(wc -l <"$WORK/err")
	err=$(head -c 300 "$WORK/err")
	case $rc in
	0)
		n=$(grep -c '^goroutine [0-9]* \[' "$WORK/out") || true
		[ "$lines" -eq 1 ] && grep -qE "^goroutine: process $pid: [0-9]+ goroutines read in [0-9.]+ ms" \
			"$WORK/err" || fail "after ${d}s: exit 0, but stderr says: $err"
		[ "$n" -ge "$POP" ] || fail "after ${d}s: exit 0 with $n goroutines printed, want >= $POP"
		echo "  killed after ${d}s: a complete dump, $n goroutines: $err"
		OUTCOME=complete
		;;
	1)
		[ "$lines" -eq 1 ] || fail "after ${d}s: exit 1 with $lines lines on stderr: $err"
		[ ! -s "$WORK/out" ] || fail "after ${d}s: exit 1, but $(wc -c <"$WORK/out") bytes on stdout:" \
			"$(head -c 200 "$WORK/out")"
		if grep -qx "goroutine: process $pid: the process exited while it was read" "$WORK/err"; then
			OUTCOME=mid
		elif grep -qE "^goroutine: (process $pid: (.*exited.*|no such process)|no process with PID $pid)$" \
			"$WORK/err"; then
			OUTCOME=early
		else
			fail "after ${d}s: exit 1, but not a line saying the process exited: $err"
		fi
		echo "  killed after ${d}s: refused: $err"
		;;
	*) fail "after ${d}s: exit status $rc: $err" ;;
	esac
	case $OUTCOME in
	early) n_early=$((n_early + 1)) ;;
	mid) n_mid=$((n_mid + 1)) ;;
	complete) n_complete=$((n_complete + 1)) ;;
	esac
}

n_early=0 n_mid=0 n_complete=0 runs=0
lo=0 hi=1.5
for d in $lo $hi; do
	run "$d"
	runs=$((runs + 1))
done
while [ "$n_mid" -lt 2 ] && [ "$runs" -lt 10 ]; do
	d=$(awk -v a="$lo" -v b="$hi" 'BEGIN { printf "%.3f", (a + b) / 2 }')
	run "$d"
	runs=$((runs + 1))
	case $OUTCOME in
	early) lo=$d ;;
	complete) hi=$d ;;
	esac
done
[ "$n_mid" -ge 1 ] || fail "no run of $runs was cut while reading ($n_early before, $n_complete after)"
pass "$runs kills: $n_mid in the middle of the read, $n_early before it, $n_complete after; each a complete dump, or one line and nothing on stdout"
