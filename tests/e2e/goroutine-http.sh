#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-http: trace the bundled server (resolved on the spot) while it serves N
# requests, and check the events against what net/http must do: every
# event is the server's, goids are small integers, each request's connection
# runs on a goroutine not seen before, every state is a valid name.
source "$(dirname "$0")/../lib.sh"
require_bpf
N=${N:-20}

start_server
start_tracer "$WORK/events" "$WORK/tracer.err" -p "$SERVER_PID"
sleep 0.3
# Goids seen before the requests: a request's goroutine must not be among them.
before=$(wc -l <"$WORK/events")
t0=$(date +%s%N)
for _ in $(seq "$N"); do
	[ "$(http_get "$SERVER_ADDR")" = "Hello,World!" ] || fail "bad reply from server"
done
t1=$(date +%s%N)
sleep 0.3
stop_tracer

ev="$WORK/events"
head -n 1 "$ev" | grep -q '^TIME  *STATE  *GOID  *PID  *TGID  *OLD' || fail "no header: $(head -n 1 "$ev")"
nev=$(($(wc -l <"$ev") - 1))
[ "$nev" -gt 0 ] || fail "no events"
grep -q "^goroutine: $nev events, 0 lost" "$WORK/tracer.err" ||
	fail "final count line does not match $nev printed events: $(tail -n 1 "$WORK/tracer.err")"

long=$(awk 'length($0) >= 100 { print; exit }' "$ev")
[ -z "$long" ] || fail "line of 100 characters or more: $long"
# Columns: TIME STATE GOID PID TGID OLD CPU PARENT REASON
awk -v pid="$SERVER_PID" 'NR > 1 && $5 != pid { print "foreign tgid: " $0; bad = 1 }
	END { exit bad }' "$ev" || fail "events from another process"
valid='^(IDLE|RUNNABLE|RUNNING|SYSCALL|WAITING|MORIBUND_UNUSED|DEAD|ENQUEUE_UNUSED|COPYSTACK|PREEMPTED)$'
awk -v re="$valid" 'NR > 1 && ($2 !~ re || $6 !~ re) { print "bad state: " $0; bad = 1 }
	END { exit bad }' "$ev" || fail "invalid state names"
# Every goid is a real, small, positive number; only a creation whose goroutine
# never ran before the trace ended may print "?" (goid not yet known), never 0.
awk 'NR > 1 && $3 == "?" && !(($6 == "IDLE" && $2 == "DEAD") || ($6 == "DEAD" && $2 == "RUNNABLE")) {
		print "unknown goid outside creation: " $0; bad = 1 }
	NR > 1 && $3 != "?" && ($3 !~ /^[0-9]+$/ || $3 < 1 || $3 >= 1000000) { print "bad goid: " $0; bad = 1 }
	END { exit bad }' "$ev" || fail "implausible goids"

new=$(awk -v b="$before" 'NR > 1 && NR <= b { seen[$3] = 1 }
	NR > b && $3 ~ /^[0-9]+$/ && !($3 in seen) && !($3 in new) { new[$3] = 1; n++ }
	END { print n + 0 }' "$ev")
[ "$new" -ge "$N" ] || fail "$N requests but only $new goroutines not seen before them"

rate=$((nev * 1000000000 / (t1 - t0 + 1)))
pass "$nev events (about $rate events/s while serving $N requests), $new new goroutines"
