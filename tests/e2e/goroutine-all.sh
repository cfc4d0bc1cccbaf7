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
# Long enough to outlast the attach (a binary resolved at its exec: 20 waves
# last 60 ms, less than that attach under ASan on a loaded machine).
"$WORK/bin/churn19" -seconds 1 -exit 0 >/dev/null &
c19=$!
"$WORK/bin/churn24" -seconds 1 -exit 0 >/dev/null &
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
# Created and exited per process (the kernel's share by tgid), not per binary.
for f in created exited; do
	grep -qF "gotracer_goroutines_${f}_total{pid=\"$PARKED_PID\",$esc," "$WORK/e.prom" ||
		fail "e: no per-process gotracer_goroutines_${f}_total: $(grep "^gotracer_goroutines_${f}" "$WORK/e.prom")"
done
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
line=$(grep -E "^ +$PARKED_PID " "$WORK/f.out" || true)
case $line in
*" p\"\\?q "*" $WORK/bin/p\"\\?q") ;;
*) fail "e: --summary: no per-process line with the name's newline as '?': $(head -n 5 "$WORK/f.out")" ;;
esac
[ "$(grep -c "^ *$PARKED_PID " "$WORK/f.out")" = 1 ] || fail "e: --summary: the name forged a line"
grep -q '^goroutine summary: ' "$WORK/f.out" || fail "e: --summary: no total after the per-process lines"
echo "  e. --summary: per process, then the total; its newline printed as '?'"
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
# g. --summary --json of two Go versions at once: go1.24 and go1.26 number
# their wait reasons differently (sleep is 19 in one, 14 in the other; 14 is
# chan receive in go1.24), so each process's leak candidates must come under
# its own version's names, with stacks from its own binary; a line per
# process, and a churn that ran and ended while traced, whose share is kept.
# The processes' shares add up to the total (the switches read a moment apart).
for v in 1.24 1.26; do
	[ -x "$F/go$v/parked-dwarf" ] || fail "MISSING fixture: $F/go$v/parked-dwarf"
	cp "$F/go$v/parked-dwarf" "$WORK/bin/parked${v#1.}"
done
# Small populations: the kernel's table has two slots per hash, and a few of
# 3000 goroutines seeded at once may find both taken (said on stderr).
pop=(-chan 100 -mutex 20 -sleep 10 -select 5 -cond 3)
start_parked "$WORK/bin/parked24" "${pop[@]}" || fail "g: parked24 did not start"
p24=$PARKED_PID
start_parked "$WORK/bin/parked26" "${pop[@]}" || fail "g: parked26 did not start"
p26=$PARKED_PID
start_tracer "$WORK/g.json" "$WORK/g.err" --all --exe "$WORK/bin/*" --summary --json \
	--leak-after 0
wait_line "$WORK/g.err" "^goroutine: tracing every Go process"
"$WORK/bin/churn24" -waves 20 -exit 0 >/dev/null &
c24=$!
wait "$c24"
sleep 0.5
stop_tracer
stop_parked
kill "$p24"
jq -e '.processes' "$WORK/g.json" >/dev/null || fail "g: no processes in the JSON: $(head -c 300 "$WORK/g.json")"
for p in "$p24:go1.24:parked24" "$p26:go1.26:parked26"; do
	IFS=: read -r pid gv name <<<"$p"
	r=$(jq -c --argjson p "$pid" '.processes[] | select(.pid == $p)' "$WORK/g.json")
	jq -e --arg gv "$gv" --arg exe "$WORK/bin/$name" \
		'(.go_version | startswith($gv)) and .exe == $exe and .ended == false and
		 .goroutines.leak_candidates >= 139' <<<"$r" >/dev/null ||
		fail "g: process $pid ($name): $r"
	# By reason, the fixture's population (leakRecv's 100 and more may share chan receive).
	got=$(jq -c --argjson p "$pid" '[.leaks.groups[] | select(.pid == $p)] | group_by(.reason) |
		map({key: .[0].reason, value: (map(.count) | add)}) | from_entries |
		{sleep, "sync.Cond.Wait", "sync.Mutex.Lock", "chan receive"}' "$WORK/g.json")
	jq -e '.sleep == 10 and ."sync.Cond.Wait" == 3 and ."sync.Mutex.Lock" == 20 and
		."chan receive" >= 100' <<<"$got" >/dev/null ||
		fail "g: process $pid ($name, $gv): leak candidates by reason $got, not the fixture's (another version's names?)"
	# The sleepers' stack, symbolized from this process's own binary.
	jq -e --argjson p "$pid" '[.leaks.groups[] | select(.pid == $p and .reason == "sleep") |
		.stack[].func] | index("main.leakSleep")' "$WORK/g.json" >/dev/null ||
		fail "g: process $pid: the sleepers' stack is not main.leakSleep's (another binary's symbols?)"
done
r=$(jq -c --argjson p "$c24" '.processes[] | select(.pid == $p)' "$WORK/g.json")
jq -e '.ended and .goroutines.created >= 100 and .switches > 0' <<<"$r" >/dev/null ||
	fail "g: the churn that ended ($c24): $r"
sums=$(jq -c '{switches: ([.processes[].switches] | add), total: .switches,
	created: ([.processes[].goroutines.created] | add), tcreated: .goroutines.created}' "$WORK/g.json")
# The parked ones' main.tick switches on while the two are read: 1% apart at most.
jq -e '(.switches - .total) * 100 <= .total and (.total - .switches) * 100 <= .total and
	.created == .tcreated' <<<"$sums" >/dev/null ||
	fail "g: the processes' shares do not add up to the total: $sums"
echo "  g. go1.24 and go1.26 at once: each one's leaks by its own reason names and stacks;"
echo "     the ended churn's share kept; processes add up to the total: $sums"
# h. The same two as events (a command's tree, both probed before they run):
# each event's wait reason by its own version's name (before, go1.26's
# select came out as go1.24's semacquire).
"$BUILD/goroutine" --json -o "$WORK/h.json" -- sh -c "'$WORK/bin/parked24' ${pop[*]} &
	'$WORK/bin/parked26' ${pop[*]}" >"$WORK/h.out" 2>"$WORK/h.err" &
h=$!
_pids+=("$h")
# The command's output is the tracer's: both parked, then 0.5 s for their ticks.
for _ in $(seq 600); do
	[ "$(grep -c '^ready ' "$WORK/h.out")" = 2 ] && break
	sleep 0.05
done
sleep 0.5
pkill -f "$WORK/bin/parked2" || true
wait "$h" || true
for name in parked24 parked26; do
	got=$(jq -c --arg exe "$WORK/bin/$name" 'select(.exe == $exe and .new_state == "WAITING")' \
		"$WORK/h.json" | jq -sc 'group_by(.wait_reason) | map({key: (.[0].wait_reason //
		"none"), value: length}) | from_entries')
	jq -e '.sleep >= 10 and ."sync.Cond.Wait" == 3 and ."sync.Mutex.Lock" == 20 and
		."chan receive" >= 100 and .select > 100 and (has("semacquire") | not)' \
		<<<"$got" >/dev/null || fail "h: $name's switches to WAITING by reason: $got ($(tail -n 2 "$WORK/h.err"))"
done
echo "  h. events of both: each by its own reason names"
# i. A binary run again after its last process ended (a restart, a crash
# loop) gets its target back: with --max-targets 1, three runs of churn24 one
# after the other are all traced, and the limit is never hit.
start_tracer "$WORK/i.json" "$WORK/i.err" --all --exe "$WORK/bin/churn24" --max-targets 1 --json
wait_line "$WORK/i.err" "^goroutine: tracing every Go process"
runs=()
for _ in 1 2 3; do
	"$WORK/bin/churn24" -seconds 0.5 -exit 0 >/dev/null &
	runs+=("$!")
	wait "$!"
	sleep 0.2
done
stop_tracer
per_process "$WORK/i.json"
for p in "${runs[@]}"; do
	has "$p" || fail "i: run $p of churn24 not traced: $(cat "$WORK/i.err")"
done
! grep -q 'no more attaches' "$WORK/i.err" || fail "i: a restart used up --max-targets: $(cat "$WORK/i.err")"
[ "$(grep -c 'attached again' "$WORK/i.err")" = 2 ] ||
	fail "i: want 2 'attached again' lines: $(cat "$WORK/i.err")"
echo "  i. three runs of one binary, one after the other, under --max-targets 1: all traced"
pass "--all: scan and exec, go1.19 and go1.24 goids at once, refusals once, filters, the limit, --metrics, --summary (per process) and --dump with hostile names, go1.24 and go1.26 reasons by name, a binary's target kept for its next run"
