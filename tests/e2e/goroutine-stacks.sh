#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-stacks: where goroutines block, from the kernel's own stack walks.
# The blocking fixture blocks in known places of tests/fixtures/go/blocking/
# main.go: a 1 s channel receive at line 104 (main.main.func2), 8 goroutines
# queued on a mutex at line 118 (main.main.func4), a 987 ms sleep at line 128
# (main.main). Traced with --summary on go1.19 to go1.27 (DWARF, stripped,
# PIE), the summary's top stack under each of those wait reasons must name
# that function and line, with the reason's time; the block profile
# (--pprof) must be read by the real `go tool pprof` and give the same; the
# summary from the events (--record) must too, and its --report the same;
# and --no-stacks must walk none.
# With BLOCKING_SYSCALLS (syscalls.go): the top syscall stack (three 200 ms
# nanosleeps) must be, frame for frame, the one the runtime's own traceback
# (runtime.Stack) gives that goroutine in its syscall, found three ways by
# release (go1.19-1.22 from the live frame pointer, go1.23-1.25 g.syscallbp,
# go1.26+ reentersyscall's arguments); it is not in the block profile (Go's
# has no syscalls); and a sleep 40 calls deep has a stack cut at 32 frames,
# marked truncated in the JSON and the table.
# The scheduler-latency profile (--pprof-sched) is read by go tool pprof: the
# 4 goroutines spinning on one P (main.spin, preempted by signals) wait their
# turn with the leaf main.spin (not the preemption's frames), and its total is
# the summary's RUNNABLE -> RUNNING latency by stack.
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"

# top_frame JSON REASON [FUNC]: "func:line total_ms truncated" of the first
# main.* frame of REASON's top stack, or of its first stack in FUNC (go1.19's
# WaitGroup.Wait and Mutex.Lock share "semacquire": which is longer depends on
# the machine's load).
top_frame() {
	jq -r --arg r "$2" --arg f "${3:-}" '[.blocking[] | select(.reason | test($r)) | .stacks[] |
		{at: (.frames[.first_user_frame:] | map(select(.func | startswith("main."))) | .[0]),
		 total_ms, truncated} | select($f == "" or .at.func == $f)][0] // empty |
		"\(.at.func):\(.at.line) \(.total_ms | floor) \(.truncated)"' "$1"
}

# want JSON REASON FUNC:LINE MIN_MS LABEL [FUNC]: the top stack (or FUNC's) blocks at FUNC:LINE.
want() {
	local got
	got=$(top_frame "$1" "$2" "${6:-}")
	read -r at ms trunc <<<"$got"
	[ "$at" = "$3" ] && [ "${ms:-0}" -ge "$4" ] && [ "$trunc" = false ] ||
		fail "$5: $2: top stack $got, want $3 with >= $4 ms, not truncated: $(jq -c --arg r "$2" '[.blocking[] | select(.reason | test($r))][0].stacks[0]' "$1" | head -c 700)"
}

# profile_cum PROFILE LABEL: go tool pprof reads it as a delay profile, and
# main.main.func2 (the 1 s channel receive) blocked about 1 s; in $cum.
profile_cum() {
	[ -s "$1" ] && [ ! -e "$1.tmp" ] || fail "$2: no block profile written"
	"${pprof[@]}" -top -cum -nodecount=200 -unit=ms "$1" >"$WORK/top" 2>"$WORK/perr" ||
		fail "$2: go tool pprof: $(tail -n 2 "$WORK/perr")"
	grep -q '^Type: delay$' "$WORK/top" || fail "$2: not a delay profile: $(head -n 5 "$WORK/top")"
	cum=$(awk '$NF == "main.main.func2" { sub(/ms$/, "", $4); print int($4) }' "$WORK/top")
	[ "${cum:-0}" -ge 950 ] && [ "${cum:-0}" -le 1200 ] ||
		fail "$2: pprof: main.main.func2 blocked ${cum:-no} ms, want about 1000: $(head -n 20 "$WORK/top")"
}

gover=go1.24
goroot="$CACHE/go/${gover#go}/usr/lib/go-${gover#go}"
[ -x "$goroot/bin/go" ] || fail "MISSING toolchain: $goroot (run scripts/fixtures.sh)"
tool=$(GOROOT=$goroot GOTOOLCHAIN=local "$goroot/bin/go" tool -n pprof) ||
	fail "no pprof in $goroot"
pprof=(env GOROOT="$goroot" "$tool")

# oracle_stack TRACEBACK: "func:line" of each frame of the goroutine that
# runtime.Stack showed in its syscall in main.inSyscall, innermost first.
oracle_stack() {
	awk '/^goroutine [0-9]+ \[syscall/ { g = 1; n = 0; s = ""; next }
		g && /^$/ { if (s ~ /main\.inSyscall:/) print s; g = 0; next }
		g && /^created by / { g = 2; next }
		g == 1 && /^\t/ { sub(/^\t/, ""); sub(/ \+0x[0-9a-f]+$/, ""); sub(/.*:/, ":");
			s = s (n++ ? " " : "") fn $0; next }
		g == 1 { fn = $0; sub(/\([^()]*\)$/, "", fn) }
		END { if (g && s ~ /main\.inSyscall:/) print s }' "$1" | head -n 1
}

# syscall_stack JSON: "func:line ..." of the top syscall stack, and its count and time.
syscall_stack() {
	jq -r '.syscalls.stacks[0] // empty |
		"\(.count) \(.total_ms | floor) \([.frames[] | "\(.func):\(.line)"] | join(" "))"' "$1"
}

# want_syscall JSON TRACEBACK LABEL
want_syscall() {
	local want got count ms
	want=$(oracle_stack "$2")
	[ -n "$want" ] || fail "$3: no syscall goroutine in main.inSyscall in the runtime's traceback: $(head -c 600 "$2")"
	read -r count ms got <<<"$(syscall_stack "$1")"
	[ "$got" = "$want" ] && [ "${count:-0}" -ge 3 ] && [ "${ms:-0}" -ge 580 ] ||
		fail "$3: top syscall stack: ${count:-no} calls ${ms:-0} ms [$got], want >= 3 calls, >= 580 ms [$want]"
}

# want_truncated JSON LABEL: main.deep's 200 ms sleep, cut at 32 frames and marked.
want_truncated() {
	jq -e '[.blocking[] | select(.reason == "sleep") | .stacks[] |
		select(any(.frames[]; .func == "main.deep"))][0] |
		.truncated == true and (.frames | length) == 32 and .total_ms >= 190' "$1" >/dev/null ||
		fail "$2: main.deep's stack is not a truncated 32-frame one: $(jq -c '[.blocking[] | select(.reason == "sleep") | .stacks[] | {truncated, n: (.frames | length), f: .frames[2].func}]' "$1" | head -c 600)"
}

# sched_profile PROFILE JSON LABEL
sched_profile() {
	local spin total want
	"${pprof[@]}" -top -nodecount=200 -unit=ms "$1" >"$WORK/stop" 2>"$WORK/perr" ||
		fail "$3: go tool pprof (sched): $(tail -n 2 "$WORK/perr")"
	# The first row is the largest flat entry.
	spin=$(awk '/^ +flat / { getline; f = $NF == "(inline)" ? $(NF-1) : $NF
		if (f == "main.spin") { sub(/ms$/, "", $1); print int($1) } exit }' "$WORK/stop")
	[ "${spin:-0}" -ge 100 ] ||
		fail "$3: sched profile: main.spin not the top flat entry with >= 100 ms (${spin:-no}): $(head -n 16 "$WORK/stop")"
	grep -q 'runtime.asyncPreempt' "$WORK/stop" &&
		fail "$3: sched profile: preemption frames as leaves: $(head -n 16 "$WORK/stop")"
	total=$(sed -nE 's/.*Total samples = ([0-9.]+)(ms|s).*/\1 \2/p' "$WORK/stop" |
		awk '{ print int($2 == "s" ? $1 * 1000 : $1) }')
	want=$(jq '[.sched_latency_by_stack[].total_ms] | add // 0 | floor' "$2")
	# The summary keeps the 5 longest stacks: the profile has them all.
	[ "${total:-0}" -ge "$want" ] && [ "$want" -ge 100 ] ||
		fail "$3: sched profile total ${total:-no} ms, the summary's top stacks $want ms"
}

export BLOCKING_SYSCALLS="$WORK/traceback"
n=0
for fx in go1.19/blocking-dwarf go1.21/blocking-pie go1.22/blocking-stripped \
	go1.23/blocking-dwarf go1.24/blocking-stripped go1.25/blocking-dwarf \
	go1.26/blocking-pie go1.27/blocking-stripped; do
	bin="$CACHE/fixtures/$fx"
	[ -x "$bin" ] || fail "MISSING fixture: $bin (run scripts/fixtures.sh)"
	rm -f "$WORK/b.pb.gz" "$WORK/sched.pb.gz"
	"$T" --summary --json --pprof "$WORK/b.pb.gz" --pprof-sched "$WORK/sched.pb.gz" \
		-o "$WORK/s.json" -- "$bin" \
		>"$WORK/out" 2>"$WORK/err" || fail "$fx: $(tail -n 2 "$WORK/err")"
	want "$WORK/s.json" "^chan receive$" main.main.func2:104 950 "$fx"
	want "$WORK/s.json" "^(sync.Mutex.Lock|semacquire)$" main.main.func4:118 300 "$fx" \
		main.main.func4
	want "$WORK/s.json" "^sleep$" main.main:128 950 "$fx"
	want_syscall "$WORK/s.json" "$WORK/traceback" "$fx"
	want_truncated "$WORK/s.json" "$fx"
	profile_cum "$WORK/b.pb.gz" "$fx"
	grep -q 'main.inSyscall$' "$WORK/top" && fail "$fx: a syscall in the block profile"
	sched_profile "$WORK/sched.pb.gz" "$WORK/s.json" "$fx"
	"${pprof[@]}" -traces "$WORK/b.pb.gz" >"$WORK/traces" 2>"$WORK/perr" ||
		fail "$fx: go tool pprof -traces: $(tail -n 2 "$WORK/perr")"
	grep -q 'runtime.gopark$' "$WORK/traces" &&
		fail "$fx: a stack of the block profile starts in runtime.gopark"
	n=$((n + 1))
	echo "  $fx: $(top_frame "$WORK/s.json" "^chan receive$"), pprof main.main.func2 $cum ms, syscall $(syscall_stack "$WORK/s.json" | cut -d' ' -f1-3)"
done

# From the events (the analysis in user space): the same stacks; and a recording's
# --report gives what its live run gave, stacks included (its STACKS chunks).
bin="$CACHE/fixtures/go1.22/blocking-pie"
"$T" --record "$WORK/r.rec" --summary --json --pprof "$WORK/r.pb.gz" -o "$WORK/live.json" \
	-- "$bin" >"$WORK/out" 2>"$WORK/err" || fail "--record: $(tail -n 2 "$WORK/err")"
profile_cum "$WORK/r.pb.gz" "go1.22 --record --pprof (from events)"
jq -e '.source == "events"' "$WORK/live.json" >/dev/null || fail "--record --summary: not from events"
want "$WORK/live.json" "^chan receive$" main.main.func2:104 950 "go1.22 --record"
want "$WORK/live.json" "^sleep$" main.main:128 950 "go1.22 --record"
want_syscall "$WORK/live.json" "$WORK/traceback" "go1.22 --record"
want_truncated "$WORK/live.json" "go1.22 --record"
"$T" --report "$WORK/r.rec" --summary --json -o "$WORK/rep.json" 2>"$WORK/err" ||
	fail "--report: $(tail -n 2 "$WORK/err")"
cmp -s <(jq -S '[.blocking, .syscalls, .sched_latency_by_stack]' "$WORK/live.json") <(jq -S '[.blocking, .syscalls, .sched_latency_by_stack]' "$WORK/rep.json") ||
	fail "--report's blocking stacks differ from the live run's: $(diff <(jq -S '[.blocking, .syscalls, .sched_latency_by_stack]' "$WORK/live.json") <(jq -S '[.blocking, .syscalls, .sched_latency_by_stack]' "$WORK/rep.json") | head -n 6)"
# The table says which stack was cut, and shows where syscalls were made.
"$T" --report "$WORK/r.rec" --summary -o "$WORK/rep.txt" 2>"$WORK/err" ||
	fail "--report (table): $(tail -n 2 "$WORK/err")"
grep -qE '^  sleep .*\(truncated\)$' "$WORK/rep.txt" ||
	fail "--report table: no sleep stack marked (truncated): $(grep -A 30 'blocking stacks' "$WORK/rep.txt" | head -n 30)"
grep -A 2 '^syscall stacks' "$WORK/rep.txt" | grep -q 'main.inSyscall .*syscalls.go:45$' ||
	fail "--report table: no syscall stack at main.inSyscall: $(grep -A 6 '^syscall stacks' "$WORK/rep.txt")"

# --no-stacks: the same waits, no stacks.
bin="$CACHE/fixtures/go1.24/blocking-dwarf"
"$T" --summary --json --no-stacks -o "$WORK/s.json" -- "$bin" >"$WORK/out" 2>"$WORK/err" ||
	fail "--no-stacks: $(tail -n 2 "$WORK/err")"
jq -e '(.blocking | length) >= 3 and all(.blocking[]; (.stacks | length) == 0) and
	(.syscalls.stacks | length) == 0' "$WORK/s.json" \
	>/dev/null || fail "--no-stacks: stacks walked: $(jq -c '.blocking' "$WORK/s.json" | head -c 400)"
out=$("$T" --summary --no-stacks --pprof "$WORK/x.pb.gz" -- "$bin" 2>&1 >/dev/null) &&
	fail "--no-stacks --pprof was accepted"
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "--no-stacks --pprof: not one line: $out"
out=$("$T" --summary --no-stacks --pprof-sched "$WORK/x.pb.gz" -- "$bin" 2>&1 >/dev/null) &&
	fail "--no-stacks --pprof-sched was accepted"
[ "$(wc -l <<<"$out")" -eq 1 ] && [ ! -e "$WORK/x.pb.gz" ] ||
	fail "--no-stacks --pprof-sched: not one line, or a file written: $out"
pass "$n binaries: the kernel's blocking stacks name the blocking lines, its syscall stacks are the runtime's own; go tool pprof reads the block profile"
