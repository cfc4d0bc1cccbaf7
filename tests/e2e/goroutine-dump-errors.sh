#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-dump-errors: what stops a --dump is said in one line, exit 1, and
# nothing goes to stdout (no partial dump presented as complete): not a Go
# process, no such process, a process we may not read (as nobody), a profile
# without runtime.allgs, another build's profile whose allgs is no goroutine
# list in this process, --dump without -p, and --dump with tracing options.
# Then the good case's stderr line counts the goroutines read consistently.
source "$(dirname "$0")/../lib.sh"
T="$BUILD/goroutine"

bin="$CACHE/fixtures/go1.24/parked-dwarf"
other="$CACHE/fixtures/go1.21/parked-dwarf"
[ -x "$bin" ] && [ -x "$other" ] || fail "MISSING fixture: $bin or $other (run scripts/fixtures.sh)"
sleep 30 &
notgo=$!
_pids+=("$notgo")
start_parked "$bin" || fail "the fixture did not start"
pid=$PARKED_PID

one_line "not Go" "not a Go executable" "$T" --dump -p "$notgo"
one_line "no process" "no process with PID" "$T" --dump -p 999999999
chmod 755 "$WORK"
cp "$T" "$WORK/goroutine"
chmod 755 "$WORK/goroutine"
one_line "not allowed" "process $pid: not allowed to read it" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$WORK/goroutine" --dump -p "$pid"
"$BUILD/gooffsets" "$bin" | jq 'del(.variables)' >"$WORK/noallgs.json"
one_line "no allgs" "runtime.allgs not found" "$T" --dump -p "$pid" --profile "$WORK/noallgs.json"
"$BUILD/gooffsets" "$other" >"$WORK/other.json"
one_line "another build's profile" "is not a goroutine list in this process" \
	"$T" --dump -p "$pid" --profile "$WORK/other.json" --force
one_line "no -p" "--dump reads one process, or all: give -p PID or --all" "$T" --dump
one_line "with tracing" "--dump takes only" "$T" --dump -p "$pid" --summary
one_line "--group without --dump" "--group(,| and) --system.* go with --dump" "$T" --group -p "$pid"

"$T" --dump -p "$pid" >"$WORK/got.txt" 2>"$WORK/err" || fail "good dump: $(cat "$WORK/err")"
n=$(grep -c '^goroutine ' "$WORK/got.txt")
grep -qE "^goroutine: process $pid: [0-9]+ goroutines read in [0-9.]+ ms \([0-9]+ reads\): [0-9]+ consistent, 0 changed while read" \
	"$WORK/err" || fail "good dump: stderr says $(cat "$WORK/err")"
[ "$n" -ge 1481 ] || fail "good dump: $n goroutines printed, want >= 1481"
pass "every refused --dump says why in one line, writes nothing to stdout; the good one counts what it read"
