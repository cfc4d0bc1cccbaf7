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
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"

# top_frame JSON REASON: "func:line total_ms" of the first user frame of REASON's top stack.
top_frame() {
	jq -r --arg r "$2" '[.blocking[] | select(.reason | test($r))][0].stacks[0] // empty |
		"\(.frames[.first_user_frame:] | map(select(.func | startswith("main."))) | .[0] |
		"\(.func):\(.line)") \(.total_ms | floor) \(.truncated)"' "$1"
}

# want JSON REASON FUNC:LINE MIN_MS LABEL
want() {
	local got
	got=$(top_frame "$1" "$2")
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

n=0
for fx in go1.19/blocking-dwarf go1.21/blocking-pie go1.22/blocking-stripped \
	go1.23/blocking-dwarf go1.24/blocking-stripped go1.25/blocking-dwarf \
	go1.26/blocking-pie go1.27/blocking-stripped; do
	bin="$CACHE/fixtures/$fx"
	[ -x "$bin" ] || fail "MISSING fixture: $bin (run scripts/fixtures.sh)"
	rm -f "$WORK/b.pb.gz"
	"$T" --summary --json --pprof "$WORK/b.pb.gz" -o "$WORK/s.json" -- "$bin" \
		>"$WORK/out" 2>"$WORK/err" || fail "$fx: $(tail -n 2 "$WORK/err")"
	want "$WORK/s.json" "^chan receive$" main.main.func2:104 950 "$fx"
	want "$WORK/s.json" "^(sync.Mutex.Lock|semacquire)$" main.main.func4:118 300 "$fx"
	want "$WORK/s.json" "^sleep$" main.main:128 950 "$fx"
	profile_cum "$WORK/b.pb.gz" "$fx"
	"${pprof[@]}" -traces "$WORK/b.pb.gz" >"$WORK/traces" 2>"$WORK/perr" ||
		fail "$fx: go tool pprof -traces: $(tail -n 2 "$WORK/perr")"
	grep -q 'runtime.gopark$' "$WORK/traces" &&
		fail "$fx: a stack of the block profile starts in runtime.gopark"
	n=$((n + 1))
	echo "  $fx: $(top_frame "$WORK/s.json" "^chan receive$"), pprof main.main.func2 $cum ms"
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
"$T" --report "$WORK/r.rec" --summary --json -o "$WORK/rep.json" 2>"$WORK/err" ||
	fail "--report: $(tail -n 2 "$WORK/err")"
cmp -s <(jq -S .blocking "$WORK/live.json") <(jq -S .blocking "$WORK/rep.json") ||
	fail "--report's blocking stacks differ from the live run's: $(diff <(jq -S .blocking "$WORK/live.json") <(jq -S .blocking "$WORK/rep.json") | head -n 6)"

# --no-stacks: the same waits, no stacks.
bin="$CACHE/fixtures/go1.24/blocking-dwarf"
"$T" --summary --json --no-stacks -o "$WORK/s.json" -- "$bin" >"$WORK/out" 2>"$WORK/err" ||
	fail "--no-stacks: $(tail -n 2 "$WORK/err")"
jq -e '(.blocking | length) >= 3 and all(.blocking[]; (.stacks | length) == 0)' "$WORK/s.json" \
	>/dev/null || fail "--no-stacks: stacks walked: $(jq -c '.blocking' "$WORK/s.json" | head -c 400)"
out=$("$T" --summary --no-stacks --pprof "$WORK/x.pb.gz" -- "$bin" 2>&1 >/dev/null) &&
	fail "--no-stacks --pprof was accepted"
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "--no-stacks --pprof: not one line: $out"
pass "$n binaries: the kernel's blocking stacks name the blocking lines; go tool pprof reads the block profile"
