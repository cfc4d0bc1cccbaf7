#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-load: many traced processes at once, and (on demand) a long run.
#   1. `goroutine --binary CHURN`, then 8 copies of tests/fixtures/go/churn
#      (a PIE: each copy mapped elsewhere) started at once: every copy is in
#      the trace (8 tgids, exactly the copies'), with all its 25040 goroutine
#      creations unless the tracer reported losses; each copy prints what it
#      prints untraced and exits 3; every event counted is printed.
#   2. Soak, only with SOAK_SECONDS=N (off in the suite): churn processes one
#      after another for N seconds under one tracer writing to /dev/null; its
#      VmRSS is sampled every SOAK_EVERY (5) seconds; min/max are reported and
#      the test fails if it grows more than 10% past its size at 30 s, or if
#      events were lost without the tracer saying so while tracing.
#        SOAK_SECONDS=600 bash tests/e2e/goroutine-load.sh   (or: scripts/soak.sh 600)
source "$(dirname "$0")/../lib.sh"
require_bpf
FIXTURE="$CACHE/fixtures/go1.26/churn-pie"
COPIES=8
# churn's defaults: 20 waves of 1000 workers, 250 nested, a combiner and a pipe writer.
CHURN_GOROUTINES=$((20 * (1000 + 250 + 2)))
[ -x "$FIXTURE" ] || fail "MISSING fixture: $FIXTURE (run scripts/build-fixtures.sh)"
# A copy of our own: --binary follows one file (the uprobes are on its inode), and other
# tests running at the same time start the cached fixture too.
CHURN="$WORK/churn"
cp "$FIXTURE" "$CHURN"

# --- 1. eight copies at once ----------------------------------------------------------
rc=0
"$CHURN" >"$WORK/want" || rc=$?
[ "$rc" -eq 3 ] || fail "churn untraced: exit status $rc, want 3"
t0=$SECONDS
: >"$WORK/err" # start_tracer reads it at once
start_tracer "$WORK/ev" "$WORK/err" --binary "$CHURN"
pids=()
for ((i = 0; i < COPIES; i++)); do
	"$CHURN" >"$WORK/out$i" 2>"$WORK/err$i" &
	pids+=("$!")
	_pids+=("$!")
done
for ((i = 0; i < COPIES; i++)); do
	rc=0
	wait "${pids[$i]}" || rc=$?
	[ "$rc" -eq 3 ] ||
		fail "copy $i (pid ${pids[$i]}): exit status $rc, want 3: $(cat "$WORK/err$i")"
	cmp -s "$WORK/want" "$WORK/out$i" ||
		fail "copy $i: output differs from untraced:" \
			"$(diff "$WORK/want" "$WORK/out$i" | sed -n 1,5p)"
done
stop_tracer
events=$(sed -n 's/^goroutine: \([0-9]*\) events, [0-9]* lost$/\1/p' "$WORK/err")
lost=$(sed -n 's/^goroutine: [0-9]* events, \([0-9]*\) lost$/\1/p' "$WORK/err")
[ -n "$events" ] || fail "no final count line: $(tail -n 2 "$WORK/err")"
lines=$(($(wc -l <"$WORK/ev") - 1)) # the table's header
[ "$lines" -eq "$events" ] || fail "the tracer counted $events events but printed $lines"
# Per process (TGID, column 5): events, and creations (RUNNABLE from DEAD).
awk 'NR > 1 { n[$5]++; if ($2 == "RUNNABLE" && $6 == "DEAD") c[$5]++ }
     END { for (t in n) print t, n[t], c[t] + 0 }' "$WORK/ev" | sort -n >"$WORK/per-tgid"
sort -n <(printf '%s\n' "${pids[@]}") >"$WORK/want-tgids"
cut -d' ' -f1 "$WORK/per-tgid" | cmp -s - "$WORK/want-tgids" ||
	fail "tgids in the trace: $(cut -d' ' -f1 "$WORK/per-tgid" | tr '\n' ' '), want: ${pids[*]}"
while read -r tgid _ c; do
	[ "$((c + lost))" -ge "$CHURN_GOROUTINES" ] ||
		fail "pid $tgid: $c creations traced, $lost lost in all," \
			"for $CHURN_GOROUTINES goroutines"
done <"$WORK/per-tgid"
[ "$lost" -eq 0 ] || echo "  note: $lost events lost, and said so" >&2
echo "  $COPIES copies at once: $events events, $lost lost, every copy's creations" \
	"($(cut -d' ' -f3 "$WORK/per-tgid" | sort -n | uniq | tr '\n' ' ')); $((SECONDS - t0)) s"
rm -f "$WORK/ev"

# --- 2. soak --------------------------------------------------------------------------------
if [ -z "${SOAK_SECONDS:-}" ]; then
	pass "$COPIES traced copies at once (soak off: SOAK_SECONDS=N to run it)"
	exit 0
fi
EVERY=${SOAK_EVERY:-5}
[ "$SOAK_SECONDS" -ge 60 ] ||
	fail "SOAK_SECONDS=$SOAK_SECONDS: at least 60 (the baseline is taken at 30 s)"
: >"$WORK/soak.err"
start_tracer /dev/null "$WORK/soak.err" -o /dev/null --binary "$CHURN"
# One churn process after another, 10 s each: goroutines and processes come and go.
(
	end=$((SECONDS + SOAK_SECONDS))
	while [ "$SECONDS" -lt "$end" ]; do
		"$CHURN" -seconds 10 >/dev/null || [ $? -eq 3 ] || exit 1
	done
) &
loop=$!
_pids+=("$loop")
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$TRACER_PID/status"; }
start=$SECONDS base="" min="" max=0 after=0 samples=0
while kill -0 "$loop" 2>/dev/null; do
	r=$(rss)
	[ -n "$r" ] || fail "soak: the tracer is gone: $(tail -n 2 "$WORK/soak.err")"
	echo "$((SECONDS - start)) $r" >>"$WORK/rss"
	samples=$((samples + 1))
	[ -n "$min" ] && [ "$min" -le "$r" ] || min=$r
	[ "$max" -ge "$r" ] || max=$r
	if [ $((SECONDS - start)) -ge 30 ]; then
		[ -n "$base" ] || base=$r
		[ "$after" -ge "$r" ] || after=$r
	fi
	sleep "$EVERY"
done
rc=0
wait "$loop" || rc=$?
[ "$rc" -eq 0 ] || fail "soak: a churn process failed"
stop_tracer
echo "  soak: $SOAK_SECONDS s, $samples samples, tracer VmRSS min $min kB, max $max kB," \
	"at 30 s $base kB, max after $after kB; $(tail -n 1 "$WORK/soak.err" | cut -d' ' -f2-)"
# Losses are allowed only when said: counted in the final line and reported while tracing.
lost=$(sed -n 's/^goroutine: [0-9]* events, \([0-9]*\) lost$/\1/p' "$WORK/soak.err")
[ -n "$lost" ] || fail "soak: no final count line: $(tail -n 2 "$WORK/soak.err")"
[ "$lost" -eq 0 ] || grep -q 'events lost in the last' "$WORK/soak.err" ||
	fail "soak: $lost events lost but never reported while tracing"
[ "$((after * 10))" -le "$((base * 11))" ] ||
	fail "soak: VmRSS grew from $base kB at 30 s to $after kB (> 10%):" \
		"$(tr '\n' ' ' <"$WORK/rss")"
pass "$COPIES traced copies at once; soak of $SOAK_SECONDS s within 10% of its size at 30 s"
