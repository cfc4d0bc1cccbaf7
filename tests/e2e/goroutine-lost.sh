#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-lost: lost events are never silent. The tracer writes its events into a
# FIFO whose reader does not read for a few seconds while churn makes
# hundreds of thousands of switches a second: the ring buffer fills, and the
# tracer must say so while tracing ("N events lost in the last 2 s") and in
# its final line, and the periodic reports must add up to the final count.
source "$(dirname "$0")/../lib.sh"
require_bpf
CHURN="$CACHE/fixtures/go1.24/churn-static"
[ -x "$CHURN" ] || fail "MISSING fixture: $CHURN (run scripts/fixtures.sh)"
mkfifo "$WORK/fifo"
# The reader: opens the FIFO, sleeps 3 s without reading, then drains it (the
# tracer, blocked writing meanwhile, reports once it can go on).
(
	exec 3<"$WORK/fifo"
	sleep 3
	cat <&3 >/dev/null
) &
_pids+=($!)
rc=0
"$BUILD/goroutine" -o "$WORK/fifo" -- "$CHURN" -seconds 8 >/dev/null 2>"$WORK/err" || rc=$?
[ "$rc" -eq 3 ] || fail "exit status $rc, churn exits 3: $(tail -n 3 "$WORK/err")"
final=$(sed -n 's/^goroutine: [0-9]* events, \([0-9]*\) lost$/\1/p' "$WORK/err")
[ -n "$final" ] || fail "no final count line: $(tail -n 3 "$WORK/err")"
[ "$final" -gt 0 ] || fail "nothing was lost: the test did not fill the ring buffer"
periodic=$(awk '/events lost in the last/ { s += $2 } END { print s + 0 }' "$WORK/err")
[ "$periodic" -gt 0 ] || fail "$final events lost, never reported while tracing"
# The last interval may end after the last periodic report: the final line covers it.
[ "$periodic" -le "$final" ] || fail "periodic reports say $periodic lost, the final line $final"
pass "$final events lost: reported while tracing ($periodic) and in the final line"
