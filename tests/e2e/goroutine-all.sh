#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-all: --all traces every Go process on the host, those running when
# it starts (one scan of /proc) and those started later (the exec tracepoint).
# --exe "$WORK/bin/*" keeps it to this test's own copies (other tests may run Go
# programs meanwhile), which are:
#   parked19  go1.19 parked fixture, running before the tracer (found by the scan)
#   churn19   go1.19 churn, and churn24, go1.24 churn, started after the tracer, at
#             once: goid at 152 in one, 160 in the other, so a goid read with
#             the other's offset is garbage: every goid must be one the churn
#             could have made (20 waves of 1251: 1..25100, and at least 100 distinct ones: a process found at its exec misses its first moments, 917 seen under ASan on a loaded machine)
#   nosym     a Go binary (churn) whose casgstatus is renamed: reported once, by
#             path, though run twice
#   true      /bin/true: not Go, ignored without a word
#   hello*    short-lived Go processes started by the dozen: exiting during attach
# and a churn outside $WORK/bin, which --exe keeps out. Then the filters
# (--comm, --cgroup), and --max-targets 1 with two binaries: one warning, one
# binary traced.
source "$(dirname "$0")/../lib.sh"
require_bpf
F=$CACHE/fixtures
for f in "$F/go1.19/parked-dwarf" "$F/go1.19/churn-dwarf" "$F/go1.24/churn-stripped" \
	"$F/go1.24/hello-static"; do
	[ -x "$f" ] || fail "MISSING fixture: $f (run scripts/fixtures.sh)"
done
command -v jq >/dev/null || fail "jq is needed"
mkdir "$WORK/bin"
cp "$F/go1.19/parked-dwarf" "$WORK/bin/parked19"
cp "$F/go1.19/churn-dwarf" "$WORK/bin/churn19"
cp "$F/go1.24/churn-stripped" "$WORK/bin/churn24"
cp "$F/go1.24/hello-static" "$WORK/bin/hello"
cp /bin/true "$WORK/bin/true"
perl -0777 -pe 's/runtime\.casgstatus\0/runtime.casgstatuZ\0/g' "$F/go1.24/churn-stripped" \
	>"$WORK/bin/nosym"
chmod +x "$WORK/bin/nosym"

# wait_line ERR REGEX: until the tracer's stderr has such a line (10 s).
wait_line() {
	local _
	for _ in $(seq 200); do
		grep -qE -e "$2" "$1" && return 0
		kill -0 "$TRACER_PID" 2>/dev/null || fail "the tracer exited: $(cat "$1")"
		sleep 0.05
	done
	fail "no line /$2/ within 10 s: $(cat "$1")"
}

# per_process EV: one pass over the events: by tgid, the distinct goids, their
# range, and the binary named (into $WORK/procs.json).
per_process() {
	jq -r '[.tgid, (.goid // -1), (.exe // "none")] | @tsv' "$1" | sort -u | awk -F'\t' '
		{ n[$1]++; exe[$1] = $3
		  if ($2 >= 0) { g[$1]++; if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2
				  if ($2 > hi[$1]) hi[$1] = $2 } }
		END { printf "{"; sep = ""
		      for (p in n) { e = exe[p]; gsub(/\\/, "\\\\", e); gsub(/"/, "\\\"", e)
			printf "%s\"%s\":{\"n\":%d,\"min\":%d,\"max\":%d,\"exe\":\"%s\"}", sep, p, g[p], lo[p], hi[p], e
			sep = "," }
		      print "}" }' >"$WORK/procs.json"
}

has() { # PID: whether the last per_process saw events of process PID
	jq -e --arg p "$1" 'has($p)' "$WORK/procs.json" >/dev/null
}

# goids_ok PID: the process's goids are ones its churn made (see above).
goids_ok() {
	local r
	r=$(jq -c --arg p "$1" '.[$p] | {n, min, max}' "$WORK/procs.json")
	jq -e '.n >= 100 and .min >= 1 and .max <= 25100' <<<"$r" >/dev/null ||
		fail "process $1: goids $r, not those of its churn (a wrong goid offset?)"
	echo "$r"
}

# a. Everything at once.
start_parked "$WORK/bin/parked19" || fail "parked19 did not start"
start_tracer "$WORK/a.json" "$WORK/a.err" --all --exe "$WORK/bin/*" --json
wait_line "$WORK/a.err" "^goroutine: tracing every Go process"
grep -q "^goroutine: tracing process $PARKED_PID ($WORK/bin/parked19, go1.19" "$WORK/a.err" ||
	fail "a: the running parked19 ($PARKED_PID) not found by the scan: $(cat "$WORK/a.err")"
"$F/go1.24/churn-stripped" -waves 2 -exit 0 >/dev/null &
outside=$!
"$WORK/bin/churn19" -waves 20 -exit 0 >/dev/null &
c19=$!
"$WORK/bin/churn24" -waves 20 -exit 0 >/dev/null &
c24=$!
for _ in $(seq 12); do "$WORK/bin/hello" >/dev/null; done
"$WORK/bin/true"
# Long enough to be looked at: a process gone before its exec is read is no one's.
"$WORK/bin/nosym" -seconds 0.5 -exit 0 >/dev/null 2>&1 || true
"$WORK/bin/nosym" -seconds 0.5 -exit 0 >/dev/null 2>&1 || true
wait "$c19" "$c24" "$outside"
sleep 0.3
stop_tracer
per_process "$WORK/a.json"
for p in "$PARKED_PID" "$c19" "$c24"; do
	has "$p" || fail "a: no events of process $p: $(cat "$WORK/a.err")"
done
! has "$outside" || fail "a: events of $outside, whose binary --exe excludes"
grep -q "^goroutine: tracing process $c19 ($WORK/bin/churn19, go1.19" "$WORK/a.err" ||
	fail "a: no line for churn19 ($c19): $(cat "$WORK/a.err")"
grep -q "^goroutine: tracing process $c24 ($WORK/bin/churn24, go1.24" "$WORK/a.err" ||
	fail "a: no line for churn24 ($c24): $(cat "$WORK/a.err")"
[ "$(jq -r --arg p "$c24" '.[$p].exe' "$WORK/procs.json")" = "$WORK/bin/churn24" ] ||
	fail "a: churn24's records do not name its binary: $(jq -c --arg p "$c24" '.[$p].exe' "$WORK/procs.json")"
g19=$(goids_ok "$c19")
g24=$(goids_ok "$c24")
n=$(grep -c "nosym" "$WORK/a.err" || true)
[ "$n" = 1 ] || fail "a: nosym reported $n times, want once: $(cat "$WORK/a.err")"
grep -q "^goroutine: $WORK/bin/nosym: .*casgstatus" "$WORK/a.err" ||
	fail "a: nosym not reported by path: $(grep nosym "$WORK/a.err")"
if grep -v -e '^goroutine: tracing ' -e '^goroutine: [0-9]* events' -e nosym "$WORK/a.err" |
	grep -q .; then
	fail "a: unexpected lines (a non-Go process, a hello exiting during attach?): $(cat "$WORK/a.err")"
fi
echo "  a. scan found parked19 ($PARKED_PID); later churn19 goids $g19, churn24 goids $g24;"
echo "     nosym said once; true and 12 short-lived hellos without a word; --exe kept $outside out"

# b. --comm and --cgroup: only the processes they match.
own=$(sed -n '1s/^[^:]*:[^:]*://p' /proc/self/cgroup)
start_tracer "$WORK/b.json" "$WORK/b.err" --all --exe "$WORK/bin/*" --comm 'churn1*' \
	--cgroup "$own" --json
wait_line "$WORK/b.err" "^goroutine: tracing every Go process"
# Long enough to outlast the attach (a binary resolved at its exec), even under ASan.
"$WORK/bin/churn19" -waves 20 -exit 0 >/dev/null &
c19=$!
"$WORK/bin/churn24" -waves 20 -exit 0 >/dev/null &
c24=$!
wait "$c19" "$c24"
sleep 0.3
stop_tracer
per_process "$WORK/b.json"
has "$c19" || fail "b: --comm 'churn1*': no events of churn19"
! has "$c24" || fail "b: --comm 'churn1*': events of churn24"
! has "$PARKED_PID" || fail "b: --comm 'churn1*': events of parked19"
start_tracer "$WORK/c.json" "$WORK/c.err" --all --exe "$WORK/bin/*" --cgroup '/no/such/*' --json
wait_line "$WORK/c.err" "^goroutine: tracing every Go process \(0 now\)"
"$WORK/bin/churn24" -waves 1 -exit 0 >/dev/null
stop_tracer
[ ! -s "$WORK/c.json" ] || fail "c: --cgroup '/no/such/*' traced something: $(head -c 300 "$WORK/c.json")"
echo "  b. --comm 'churn1*' --cgroup '$own': churn19 only; --cgroup '/no/such/*': nothing"

# d. --max-targets 1: parked19 is the one; churn24 gets the one warning.
start_tracer "$WORK/d.json" "$WORK/d.err" --all --exe "$WORK/bin/*" --max-targets 1 --json
wait_line "$WORK/d.err" "^goroutine: tracing every Go process \(1 now\)"
"$WORK/bin/churn24" -waves 1 -exit 0 >/dev/null
"$WORK/bin/churn19" -waves 1 -exit 0 >/dev/null &
c19=$!
wait "$c19"
stop_tracer
n=$(grep -c 'no more attaches' "$WORK/d.err" || true)
[ "$n" = 1 ] || fail "d: $n warnings about the limit, want 1: $(cat "$WORK/d.err")"
per_process "$WORK/d.json"
! has "$c19" || fail "d: churn19 traced beyond --max-targets 1"
echo "  d. --max-targets 1: $(grep 'no more' "$WORK/d.err")"
stop_parked

# e. --metrics and --summary with --all: a hostile copy (a quote, a backslash, a
# newline in its path and comm) started after the tracer is served, its labels
# escaped (promtool silent); its events name it, escaped as JSON; the summary's
# per-binary lines cannot be forged by it.
bad="$WORK/bin/p\"\\
q"
cp "$F/go1.24/parked-dwarf" "$bad"
: >"$WORK/e.err"
"$BUILD/goroutine" --all --exe "$WORK/bin/*" --metrics 127.0.0.1:0 >"$WORK/e.out" 2>"$WORK/e.err" &
TRACER_PID=$!
_pids+=("$TRACER_PID")
wait_line "$WORK/e.err" "^goroutine: metrics at http://"
addr=$(sed -n 's|^goroutine: metrics at http://\(.*\)/metrics$|\1|p' "$WORK/e.err")
start_parked "$bad" || fail "e: the hostile copy did not start"
wait_line "$WORK/e.err" "^goroutine: tracing process $PARKED_PID "
curl -sf "http://$addr/metrics" -o "$WORK/e.prom" || fail "e: scrape failed"
esc='exe="'$WORK'/bin/p\"\\\nq",comm="p\"\\\nq"'
grep -qF "gotracer_process_info{pid=\"$PARKED_PID\",$esc," "$WORK/e.prom" ||
	fail "e: not served, or not escaped: $(grep '^gotracer_process_info' "$WORK/e.prom")"
n=$(grep -F "gotracer_goroutines_waiting{pid=\"$PARKED_PID\"" "$WORK/e.prom" |
	grep -F 'reason="chan receive"' | awk '{print $NF}')
[ "$n" = 1100 ] || fail "e: the hostile copy's chan receive count is '$n', want 1100"
promtool check metrics <"$WORK/e.prom" >"$WORK/e.promtool" 2>&1 ||
	fail "e: promtool: $(head -c 600 "$WORK/e.promtool")"
[ ! -s "$WORK/e.promtool" ] || fail "e: promtool complains: $(head -c 600 "$WORK/e.promtool")"
stop_tracer
stop_parked
echo "  e. --metrics: a hostile copy started later served with $esc, 1100 chan receive, promtool silent"
start_parked "$bad" || fail "e: the hostile copy did not start again"
start_tracer "$WORK/f.out" "$WORK/f.err" --all --exe "$WORK/bin/*" --summary
sleep 0.3
stop_tracer
stop_parked
line=$(grep -F "$WORK/bin/p\"\\?q: $PARKED_PID p\"\\?q" "$WORK/f.out" || true)
[ -n "$line" ] || fail "e: --summary: no per-binary line with the name's newline as '?': $(head -n 5 "$WORK/f.out")"
grep -q '^goroutine summary: ' "$WORK/f.out" || fail "e: --summary: no total after the per-binary lines"
echo "  e. --summary: per binary, then the total; its newline printed as '?'"
# f. --dump --all: every Go process's goroutines (parked19 and the hostile go1.24
# copy), each after a header, each population the fixture's (1484, 1100 receiving).
start_parked "$WORK/bin/parked19" || fail "f: parked19 did not start"
p19=$PARKED_PID
start_parked "$bad" || fail "f: the hostile copy did not start"
rc=0
"$BUILD/goroutine" --dump --all --exe "$WORK/bin/*" --group >"$WORK/f.dump" 2>"$WORK/f.derr" || rc=$?
[ "$rc" = 0 ] || fail "f: --dump --all: status $rc: $(cat "$WORK/f.derr")"
for p in "$p19" "$PARKED_PID"; do
	awk -v p="$p" '/^==> process / { on = ($3 == p) } on' "$WORK/f.dump" >"$WORK/f.$p"
	grep -q '^goroutine profile: total 1484$' "$WORK/f.$p" && grep -q '^1100 @ ' "$WORK/f.$p" ||
		fail "f: --dump --all: process $p's dump is not its population: $(head -n 3 "$WORK/f.$p")"
done
grep -qF "==> process $PARKED_PID ($WORK/bin/p\"\\?q, go1.24" "$WORK/f.dump" ||
	fail "f: the hostile copy's header is not one line with '?' for its newline"
grep -q '^goroutine: 2 Go processes dumped, 2 binaries$' "$WORK/f.derr" ||
	fail "f: --dump --all: $(tail -n 1 "$WORK/f.derr")"
stop_parked
kill "$p19"
echo "  f. --dump --all: parked19 and the hostile go1.24 copy, 1484 goroutines each"
pass "--all: scan and exec, go1.19 and go1.24 goids at once, refusals once, filters, the limit, --metrics, --summary and --dump with hostile names"
