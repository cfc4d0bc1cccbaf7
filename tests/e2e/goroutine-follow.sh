#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-follow: `goroutine -- CMD` traces the Go programs a command ends up
# running, through its process tree (fork, exec and exit tracepoints), and
# exits with the command's status. Scenarios, each on the churn fixture (go1.24):
#   a. env X=1 CHURN: the same process execs the Go program, named in the
#      command's words, so probed before it runs: its very first switch
#      (goroutine 1's IDLE -> DEAD in runtime startup) is seen
#   b. sh -c 'CHURN ...; exit 3': a child of the shell; status 3 is ours
#   c. sh -c 'cp CHURN COPY && exec COPY': a binary no word names, found at its
#      exec and attached then ("attached N ms after its exec": the window missed)
#   d. go run . (a cached toolchain): the program go builds and runs is traced,
#      never the go command or its compile/link tools
#   e. make run (a Makefile running the fixture), and make's failure status
# Each: the stderr line naming the process traced, events only of that process,
# and nothing said of the non-Go processes (env, sh, cp, make, go).
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"
minor=1.24
CHURN=$CACHE/fixtures/go$minor/churn-dwarf
goroot=$CACHE/go/$minor/usr/lib/go-$minor
[ -x "$CHURN" ] || fail "MISSING fixture: $CHURN (run scripts/fixtures.sh)"
[ -x "$goroot/bin/go" ] || fail "MISSING fixture: Go $minor toolchain in $goroot (scripts/fixtures.sh)"
for c in jq make; do
	command -v "$c" >/dev/null || fail "$c is needed"
done

# run NAME WANT_RC ARGS...: the tracer with JSON events into $WORK/NAME.json, its
# stderr in $WORK/NAME.err; fails unless it exits WANT_RC.
run() {
	local name=$1 want=$2 rc=0
	shift 2
	timeout 60 "$T" --json -o "$WORK/$name.json" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	[ "$rc" = "$want" ] || fail "$name: exit status $rc, want $want: $(tail -n 5 "$WORK/$name.err")"
}

# traced NAME: the one process traced (its "tracing process" line), into PID and HOW;
# checks that every event is that process's and that there are some.
traced() {
	local name=$1 lines n others
	lines=$(grep '^goroutine: tracing process ' "$WORK/$name.err" || true)
	[ "$(grep -c . <<<"$lines")" = 1 ] ||
		fail "$name: want one 'tracing process' line, got: $(cat "$WORK/$name.err")"
	PID=${lines#goroutine: tracing process }
	PID=${PID%% *}
	HOW=$lines
	n=$(wc -l <"$WORK/$name.json")
	[ "$n" -gt 100 ] || fail "$name: $n events"
	# Streamed, not slurped: a second of churn is half a million records.
	others=$(jq -r '.tgid' "$WORK/$name.json" | sort -u | grep -vx "$PID" | tr '\n' ' ' || true)
	[ -z "$others" ] || fail "$name: events of processes $others, not only of $PID"
	# Non-Go processes are ignored quietly: no line about them.
	if grep -v -e '^goroutine: tracing process ' -e '^goroutine: following ' \
		-e '^goroutine: [0-9]* events, ' "$WORK/$name.err" | grep -q .; then
		fail "$name: unexpected lines on stderr: $(cat "$WORK/$name.err")"
	fi
	EVENTS=$n
}

first_switch() { # NAME: goroutine 1's first switch as "OLD->NEW" (the events are in time order)
	jq -r 'select(.goid == 1) | "\(.old_state)->\(.new_state)"' "$WORK/$1.json" | head -n 1
}

# a. env: one process, exec'd in place into the Go program, probed before it runs.
run env 7 -- env X=1 "$CHURN" -waves 3 -exit 7
traced env
root=$(sed -n 's/^goroutine: following .* (process \([0-9]*\)).*/\1/p' "$WORK/env.err")
[ "$PID" = "$root" ] || fail "env: traced $PID, but env ran as $root (it execs in place)"
grep -q 'probed before its exec' <<<"$HOW" || fail "env: not probed before its exec: $HOW"
[ "$(first_switch env)" = "IDLE->DEAD" ] ||
	fail "env: goroutine 1's first switch is $(first_switch env), not its creation in runtime startup"
echo "  a. env X=1 churn: process $PID, $EVENTS events from its first instruction (g1 IDLE->DEAD), status 7"

# b. sh -c: a child of the shell; the shell's status is ours.
run sh 3 -- sh -c "$CHURN -waves 3 -exit 0 >/dev/null; exit 3"
traced sh
root=$(sed -n 's/^goroutine: following .* (process \([0-9]*\)).*/\1/p' "$WORK/sh.err")
[ "$PID" != "$root" ] || fail "sh: traced the shell itself ($PID)"
[ "$(first_switch sh)" = "IDLE->DEAD" ] || fail "sh: goroutine 1's first switch is $(first_switch sh)"
echo "  b. sh -c 'churn; exit 3': child $PID of shell $root, $EVENTS events, status 3"

# c. A binary no word names: found at its exec, attached then.
# shellcheck disable=SC2016 # the shell's own $1 and $2
run copy 0 -- sh -c 'cp "$1" "$2" && exec "$2" -waves 30 -exit 0' sh "$CHURN" "$WORK/churn-copy"
traced copy
grep -q "$WORK/churn-copy, go$minor" <<<"$HOW" || fail "copy: not the copy traced: $HOW"
ms=$(sed -n 's/.*attached \([0-9.]*\) ms after its exec.*/\1/p' <<<"$HOW")
[ -n "$ms" ] || fail "copy: no 'attached N ms after its exec': $HOW"
echo "  c. a copy no word names: process $PID attached $ms ms after its exec, $EVENTS events"

# d. go run: what go builds and runs, never go or its tools (themselves Go programs).
cp -r "$SRC/tests/fixtures/go/churn" "$WORK/src"
(
	cd "$WORK/src" || exit 1
	export GOROOT=$goroot PATH=$goroot/bin:$PATH GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" \
		GOPROXY=off GOSUMDB=off GOENV=off GOCACHE=$CACHE/gobuild/$minor/cache \
		GOPATH=$CACHE/gobuild/$minor/gopath CGO_ENABLED=0
	run gorun 0 -- go run . -waves 30 -exit 0
	# The go command is a Go program too: traced only when asked.
	run gover 0 -- go version
	run gotool 0 --go-toolchain -- go version
)
grep -q "^goroutine: $goroot/bin/go ran no Go program$" "$WORK/gover.err" ||
	fail "go version: the go command traced without --go-toolchain: $(cat "$WORK/gover.err")"
grep -q "^goroutine: tracing process [0-9]* ($goroot/bin/go, go1\.24" "$WORK/gotool.err" ||
	fail "go version --go-toolchain: the go command not traced: $(cat "$WORK/gotool.err")"
traced gorun
grep -q '/exe/churn, go1\.24' <<<"$HOW" || fail "go run: not the program go built: $HOW"
echo "  d. go run .: process $PID (${HOW#*(}, $EVENTS events; not go, compile or link;"
echo "     go version: not traced, but with --go-toolchain"

# e. make: a recipe running the program, and make's own failure status.
printf 'run:\n\t%s -waves 30 -exit 0\nfail:\n\t%s -waves 1 -exit 0 && false\n' "$CHURN" "$CHURN" >"$WORK/Makefile"
run make 0 -- make -s -C "$WORK" run
traced make
run makefail 2 -- make -s -C "$WORK" fail
echo "  e. make run: process $PID, $EVENTS events; make fail: status 2"

pass "env, sh -c, an unnamed copy, go run and make: the Go program traced, the command's status"
