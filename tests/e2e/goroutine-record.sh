#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-record: `goroutine --record FILE` and `goroutine --report FILE` give
# the same outputs as streaming the same run. Three targets: the bundled server
# under a few requests (-p), and churn built with go1.24 and with go1.19 (whose
# creations are held back until their goid is known, so events leave time
# order) through `-- CMD`. For each, runs recorded while streaming JSON lines,
# the --html page with the --trace-json file, and --summary; then from each
# recording --report must give byte-identical JSON lines, page, trace file and
# printed summary, a --summary --json with the same counts, a table with one
# line per JSON record, and --state / --goid filters equal to jq's on the live
# JSON. With --record the command's exit status is still the tracer's (churn
# exits 3), nothing is printed without --json, and on the server run no event
# is lost. Last, bad recordings (cut at several lengths, a flipped magic byte,
# a directory, a missing, empty or special file) and --report with tracing
# options are each one line on stderr and exit 1, with nothing on stdout.
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"
SERVER_BIN=${SERVER_BIN:-$SRC/go-server-http/main}

# same A B WHAT: A and B byte-identical, and not empty.
same() {
	[ -s "$1" ] || fail "$3: $1 is empty"
	cmp -s "$1" "$2" || fail "$3 differs between live and --report: $(diff "$1" "$2" | head -n 6)"
}

# counts ERR: "N M" from the tracer's last line "goroutine: N events, M lost[ (recorded)]".
counts() {
	sed -n 's/^goroutine: \([0-9]*\) events, \([0-9]*\) lost\( (recorded)\)\{0,1\}$/\1 \2/p' "$1" |
		tail -n 1
}

# The tracer's own stdout: a traced command (churn) prints its waves there too.
tracer_stdout() {
	grep -Ev '^(wave [0-9]+|total): ' "$1" || true
}

# live NAME ARGS...: one traced run of the current target into $D/NAME.{out,err};
# the server is loaded with a few requests, a command must exit 3 (its status).
live() {
	local name=$1 rc=0 _
	shift
	if [ "$KIND" = server ]; then
		start_tracer "$D/$name.out" "$D/$name.err" "$@" -p "$SERVER_PID"
		for _ in $(seq 5); do
			[ "$(http_get "$SERVER_ADDR")" = "Hello,World!" ] || fail "bad reply from server"
		done
		sleep 0.2
		stop_tracer
	else
		"$T" "$@" -- "$BIN" -waves 3 -per 200 >"$D/$name.out" 2>"$D/$name.err" || rc=$?
		[ "$rc" -eq 3 ] || fail "$LABEL $name: exit status $rc, not churn's 3: $(tail -n 2 "$D/$name.err")"
	fi
	[ -n "$(counts "$D/$name.err")" ] ||
		fail "$LABEL $name: no final count line: $(tail -n 2 "$D/$name.err")"
	if [ "$KIND" = server ] && [ "$(counts "$D/$name.err" | cut -d' ' -f2)" != 0 ]; then
		fail "$LABEL $name: events lost with --record: $(tail -n 1 "$D/$name.err")"
	fi
}

# report NAME LIVE ARGS...: --report into $D/NAME.{out,err}, exit 0, with the
# counts the live run LIVE ended with.
report() {
	local name=$1 from=$2
	shift 2
	"$T" --report "$@" >"$D/$name.out" 2>"$D/$name.err" ||
		fail "$LABEL --report $*: $(tail -n 2 "$D/$name.err")"
	[ "$(counts "$D/$name.err")" = "$(counts "$D/$from.err")" ] ||
		fail "$LABEL --report $*: counts '$(tail -n 1 "$D/$name.err")' vs live '$(tail -n 1 "$D/$from.err")'"
}

# check: every comparison on the current target ($KIND, $LABEL, into $D).
check() {
	D="$WORK/$LABEL"
	mkdir -p "$D"

	# 1. JSON lines streamed while recording, and from the recording.
	live j --record "$D/j.rec" --json -o "$D/live.json"
	[ -z "$(tracer_stdout "$D/j.out")" ] || fail "$LABEL: stdout not empty with -o: $(head -c 200 "$D/j.out")"
	report jr j "$D/j.rec" --json -o "$D/rep.json"
	same "$D/live.json" "$D/rep.json" "$LABEL: JSON lines"
	[ ! -s "$D/jr.out" ] || fail "$LABEL: --report -o printed on stdout: $(head -c 200 "$D/jr.out")"
	nev=$(wc -l <"$D/live.json")
	[ "$nev" -eq "$(counts "$D/j.err" | cut -d' ' -f1)" ] ||
		fail "$LABEL: $nev JSON lines, but $(tail -n 1 "$D/j.err")"
	if [ "$LABEL" = go1.19 ]; then
		late=$(jq -s '[range(1; length) as $i | select(.[$i].ts_ns < .[$i - 1].ts_ns)] | length' \
			"$D/live.json")
		[ "$late" -gt 0 ] || fail "$LABEL: no creation held back (every event in time order)"
	fi

	# 4. The table from the recording: a header and a line per JSON record; filters.
	report t j "$D/j.rec"
	head -n 1 "$D/t.out" | grep -q '^TIME  *STATE  *GOID  *PID  *TGID  *OLD' ||
		fail "$LABEL: --report table without header: $(head -n 1 "$D/t.out")"
	[ "$(($(wc -l <"$D/t.out") - 1))" -eq "$nev" ] ||
		fail "$LABEL: --report table has $(($(wc -l <"$D/t.out") - 1)) events, the JSON $nev"
	report ts j "$D/j.rec" --state WAITING
	nwait=$(jq -s 'map(select(.new_state == "WAITING")) | length' "$D/live.json")
	[ "$nwait" -gt 0 ] || fail "$LABEL: no WAITING event"
	[ "$(($(wc -l <"$D/ts.out") - 1))" -eq "$nwait" ] ||
		fail "$LABEL: --report --state WAITING: $(($(wc -l <"$D/ts.out") - 1)) lines, jq $nwait"
	report sj j "$D/j.rec" --state WAITING --json
	jq -c 'select(.new_state == "WAITING")' "$D/live.json" >"$D/want.state"
	jq -c . "$D/sj.out" >"$D/got.state"
	same "$D/want.state" "$D/got.state" "$LABEL: --state WAITING --json"
	# The goroutine with the most events.
	goid=$(jq -s 'map(select(.goid != null)) | group_by(.goid) | max_by(length)[0].goid' "$D/live.json")
	report gj j "$D/j.rec" --goid "$goid" --json
	jq -c "select(.goid == $goid)" "$D/live.json" >"$D/want.goid"
	jq -c . "$D/gj.out" >"$D/got.goid"
	same "$D/want.goid" "$D/got.goid" "$LABEL: --goid $goid --json"
	report gt j "$D/j.rec" --goid "$goid"
	[ "$(($(wc -l <"$D/gt.out") - 1))" -eq "$(wc -l <"$D/want.goid")" ] ||
		fail "$LABEL: --report --goid $goid (table): $(($(wc -l <"$D/gt.out") - 1)) lines"

	# 2. The page and the trace file, and the summary printed beside them.
	live h --record "$D/h.rec" --html "$D/live.html" --trace-json "$D/live.tj"
	report hr h "$D/h.rec" --html "$D/rep.html" --trace-json "$D/rep.tj"
	same "$D/live.html" "$D/rep.html" "$LABEL: --html page"
	same "$D/live.tj" "$D/rep.tj" "$LABEL: --trace-json file"
	tracer_stdout "$D/h.out" >"$D/h.sum"
	same "$D/h.sum" "$D/hr.out" "$LABEL: summary printed with --html"

	# 3. --summary with --record comes from the events, and so does the report's.
	live s --record "$D/s.rec" --summary
	tracer_stdout "$D/s.out" >"$D/s.sum"
	grep -q '^goroutine summary: .*(from events)$' "$D/s.sum" ||
		fail "$LABEL: --record --summary not from events: $(head -n 1 "$D/s.sum")"
	report sr s "$D/s.rec" --summary
	same "$D/s.sum" "$D/sr.out" "$LABEL: --summary"
	report srj s "$D/s.rec" --summary --json
	jq -e . "$D/srj.out" >/dev/null || fail "$LABEL: --report --summary --json is not JSON"
	# "goroutine summary: 0.1 s, N state switches, L lost (from events)"
	# "goroutines: C created, E exited, V live..."
	want=$(sed -n 's/^goroutine summary: .*, \([0-9]*\) state switches, \([0-9]*\) lost.*/\1 \2/p;
		s/^goroutines: \([0-9]*\) created, \([0-9]*\) exited, \([0-9]*\) live.*/\1 \2 \3/p' \
		"$D/s.sum" | paste -sd' ')
	got=$(jq -r '"\(.switches | length) \(.lost) \(.goroutines | "\(.created) \(.exited) \(.live)")"' \
		"$D/srj.out")
	if [ "$(wc -w <<<"$want")" -ne 5 ] || [ "$want" != "$got" ] ||
		! jq -e '.source == "events"' "$D/srj.out" >/dev/null; then
		fail "$LABEL: --summary --json (switches lost created exited live) '$got' vs text '$want'"
	fi

	echo "  $LABEL: $nev events ($nwait WAITING, $(wc -l <"$D/want.goid") of goroutine $goid)," \
		"$(jq -r '.goroutines.created' "$D/srj.out") goroutines created: live = report"
}

# The bundled server, whose tracer gets only --record: nothing printed.
start_server
KIND=server LABEL=server
check
live r --record "$D/r.rec"
[ -z "$(tracer_stdout "$D/r.out")" ] || fail "--record alone printed: $(head -c 200 "$D/r.out")"
report rr r "$D/r.rec" --json
[ -s "$D/rr.out" ] || fail "--record alone: the recording has no events"
GOOD="$D/j.rec"

for v in go1.24 go1.19; do
	BIN="$CACHE/fixtures/$v/churn-static"
	[ -x "$BIN" ] || fail "MISSING fixture: $BIN (run scripts/fixtures.sh)"
	KIND=command LABEL=$v
	check
done

# 6. Bad recordings: one line on stderr naming the file, exit 1, nothing on stdout.
bad() { # WHAT FILE
	local opts rc
	for opts in "" "--json" "--summary --json" "--html $WORK/bad.html"; do
		rc=0
		# shellcheck disable=SC2086 # the options split on purpose
		"$T" --report "$2" $opts >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
		[ "$rc" -eq 1 ] || fail "$1 ($opts): exit status $rc, not 1"
		[ ! -s "$WORK/bad.out" ] || fail "$1 ($opts): printed on stdout: $(head -c 200 "$WORK/bad.out")"
		[ "$(wc -l <"$WORK/bad.err")" -eq 1 ] || fail "$1 ($opts): not one line: $(head -c 400 "$WORK/bad.err")"
		grep -qF "goroutine: $2: " "$WORK/bad.err" || fail "$1 ($opts): file not named: $(cat "$WORK/bad.err")"
		[ ! -e "$WORK/bad.html" ] || fail "$1 ($opts): a page was written"
	done
}
size=$(stat -c %s "$GOOD")
for n in 1 16 $((size / 2)) $((size - 1)); do
	head -c "$n" "$GOOD" >"$WORK/cut.rec"
	bad "cut at $n of $size bytes" "$WORK/cut.rec"
done
cp "$GOOD" "$WORK/flip.rec"
[ "$(head -c 1 "$WORK/flip.rec")" = G ] || fail "the recording does not start with its magic"
printf 'g' | dd of="$WORK/flip.rec" bs=1 count=1 conv=notrunc status=none
bad "flipped magic byte" "$WORK/flip.rec"
mkdir "$WORK/dir.rec"
bad "directory" "$WORK/dir.rec"
bad "missing file" "$WORK/missing.rec"
: >"$WORK/empty.rec"
bad "empty file" "$WORK/empty.rec"
bad "/dev/null" /dev/null

# --report with options of a tracing session: refused in one line, before anything runs.
refused() { # ARGS...
	local rc=0
	"$T" --report "$GOOD" "$@" >"$WORK/ref.out" 2>"$WORK/ref.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "--report $*: exit status $rc, not 1"
	[ ! -s "$WORK/ref.out" ] || fail "--report $*: printed on stdout: $(head -c 200 "$WORK/ref.out")"
	if [ "$(wc -l <"$WORK/ref.err")" -ne 1 ] || ! grep -q '^goroutine: --report ' "$WORK/ref.err"; then
		fail "--report $*: not a one-line refusal: $(head -c 400 "$WORK/ref.err")"
	fi
}
refused -p "$SERVER_PID"
refused --binary "$SERVER_BIN"
refused --profile "$WORK/no-such-profile.json"
refused -d 1
refused --json -- touch "$WORK/ran"
[ ! -e "$WORK/ran" ] || fail "--report -- CMD ran the command"

pass "JSON lines, table, filters, page, trace file and summaries identical live and from" \
	"--record on the server, go1.24 and go1.19 churn; bad recordings and options refused"
