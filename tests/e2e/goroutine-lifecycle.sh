#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-lifecycle: however the tracer ends, it leaves nothing behind and the
# traced program never notices. Scenarios:
#   a. -p PID and the process exits (killed; by itself; and last, exited but
#      not reaped by its parent) -> the tracer ends by itself, exit 0, final
#      line
#   b. SIGINT (-p), c. SIGTERM (--binary), while events flow -> exit 0, final
#      line, the server still answers
#   d. -- CMD whose command exits 3, panics (2), dies of SIGSEGV (139), is
#      killed with SIGKILL (137), or gets the tracer's SIGTERM (143) or SIGINT
#      (130): that status is the tracer's; the command's panic message goes
#      through
#   e. the tracer killed with SIGKILL: the kernel drops everything by itself,
#      and the program (a server under -p, a command under -- CMD) goes on
#   f. the reader of the tracer's output goes away (SIGPIPE); g. -d expires
# After each: none of the BPF programs, maps, links and perf-event uprobes the
# tracer held is left (found from the prog id it prints with -v: its maps,
# every program using them, their links; ids, so tests running in parallel do
# not matter), the instruction bytes at every probe in the target's memory are
# the file's again (they differed while tracing), and tracefs's uprobe_events
# never gained a line (libbpf's uprobes are perf events, not listed there).
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"
CHURN="$CACHE/fixtures/go1.26/churn-stripped"
PIE_SERVER="$CACHE/fixtures/go1.19/go-server-http-pie"
for f in "$CHURN" "$PIE_SERVER"; do
	[ -x "$f" ] || fail "MISSING fixture: $f (run scripts/build-fixtures.sh)"
done
for c in bpftool jq; do
	command -v "$c" >/dev/null || fail "$c is needed"
done

TRACEFS=/sys/kernel/tracing
tracefs_mounted=0
if [ ! -e "$TRACEFS/uprobe_events" ]; then
	if mount -t tracefs nodev "$TRACEFS" 2>/dev/null; then
		tracefs_mounted=1
	else
		echo "  note: tracefs is not mounted and cannot be: uprobe_events not checked" >&2
	fi
fi
trap '[ "$tracefs_mounted" = 0 ] || umount "$TRACEFS" 2>/dev/null; _cleanup' EXIT
uprobe_events() {
	if [ -r "$TRACEFS/uprobe_events" ]; then cat "$TRACEFS/uprobe_events"; fi
}
UPROBE_EVENTS=$(uprobe_events)

# Has process PID ended (gone, or a zombie of ours not yet waited for)?
ended() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

# wait_gone PID SECONDS: wait for PID to end; fails naming the scenario if it
# does not within that time.
wait_gone() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		ended "$1" && return 0
		sleep 0.05
	done
	fail "$SCEN: the tracer did not end within $2 s"
}

# wait_end PID SECONDS: the same, for a child of ours; sets RC to its status.
wait_end() {
	wait_gone "$@"
	RC=0
	wait "$1" || RC=$?
}

# kill9 PID: SIGKILL for a child of ours, which bash then does not report.
kill9() {
	disown "$1"
	kill -KILL "$1"
}

# vaddr PID FILE_OFFSET: where that byte of the main executable is mapped.
vaddr() {
	local exe range off path start end
	exe=$(readlink "/proc/$1/exe")
	while read -r range _ off _ _ path; do
		[ "$path" = "$exe" ] || continue
		start=$((16#${range%-*})) end=$((16#${range#*-})) off=$((16#$off))
		if (($2 >= off && $2 < off + end - start)); then
			echo $((start + $2 - off))
			return 0
		fi
	done <"/proc/$1/maps"
	return 1
}

bytes_at() { # FILE OFFSET: 4 bytes in hex (an x86 int3 is 1, an arm64 brk 4)
	dd if="$1" bs=4 count=1 skip="$2" iflag=skip_bytes status=none | od -An -tx1 | tr -d ' \n'
}

# held TRACER_PID ERR [TARGET_PID]: what the tracer holds in the kernel, into
# HELD (JSON: progs, names, maps, links, probes). Checks it is whole: each
# loaded program attached once, each attachment a uprobe perf event. With a
# TARGET_PID, also records the probed bytes (PROBES: "vaddr file_bytes") and
# checks the kernel's breakpoints are in the target's memory now.
held() {
	local tpid=$1 err=$2 target=${3:-} id exe off a mem file
	id=$(sed -n 's/.*BPF prog id \([0-9]*\).*/\1/p' "$err")
	[ -n "$id" ] || fail "$SCEN: no 'BPF prog id' in the -v output: $(grep -v libbpf: "$err")"
	bpftool prog show -j >"$WORK/progs.json"
	bpftool link show -j >"$WORK/links.json"
	bpftool perf show -j >"$WORK/perf.json"
	HELD=$(jq -c -n --argjson id "$id" --argjson tpid "$tpid" \
		--slurpfile progs "$WORK/progs.json" --slurpfile links "$WORK/links.json" \
		--slurpfile perf "$WORK/perf.json" '
		($progs[0] | map(select(.id == $id)) | .[0].map_ids // []) as $maps
		| ($progs[0] | map(select(any(.map_ids[]?; IN($maps[]))))) as $p
		| ($p | map(.id)) as $ids
		| {progs: $ids, names: ($p | map(.name)), maps: $maps,
		   links: ($links[0] | map(select(IN(.prog_id; $ids[]))) | map(.id)),
		   probes: ($perf[0] | map(select(.pid == $tpid)))}')
	# -- CMD follows the command's process tree: three sched tracepoints, and every
	# probe program loaded for the Go programs it may run (attached when one does).
	jq -e '(.names | index("casgstatus")) and
		all(.names[]; IN("casgstatus", "newproc", "entersyscall", "exitsyscall", "preempt_park",
			"preempt_resume", "coroswitch", "coroexit", "follow_fork", "follow_exec",
			"follow_exit")) and
		(.links | length) == (.probes | length) and
		all(.probes[]; IN(.prog_id; $h.progs[]) and (.fd_type == "uprobe" or
			(.fd_type == "raw_tracepoint" and IN(.tracepoint; "sched_process_fork",
			"sched_process_exec", "sched_process_exit"))))' \
		--argjson h "$HELD" <<<"$HELD" >/dev/null ||
		fail "$SCEN: the tracer's kernel objects are not what was expected: $HELD"
	[ "$(uprobe_events)" = "$UPROBE_EVENTS" ] ||
		fail "$SCEN: uprobe_events gained lines while tracing: $(uprobe_events)"
	PROBES=()
	[ -n "$target" ] || return 0
	exe=$(readlink "/proc/$target/exe")
	for off in $(jq '.probes[] | select(.fd_type == "uprobe") | .offset' <<<"$HELD"); do
		a=$(vaddr "$target" "$off") || fail "$SCEN: probe offset $off not mapped in $target"
		mem=$(bytes_at "/proc/$target/mem" "$a")
		file=$(bytes_at "$exe" "$off")
		[ "$mem" != "$file" ] ||
			fail "$SCEN: no breakpoint at file offset $off in $target while tracing"
		PROBES+=("$a $file")
	done
}

# released [TARGET_PID]: nothing of HELD is left, within 2 s (a program's last
# reference may be dropped from a deferred kernel context); the target's
# probed bytes are the file's again. Sets RELEASED_MS.
released() {
	local target=${1:-} i p left
	for ((i = 0; i < 40; i++)); do
		left=$(jq -c -n --argjson h "$HELD" \
			--argjson progs "$(bpftool prog show -j)" \
			--argjson maps "$(bpftool map show -j)" \
			--argjson links "$(bpftool link show -j)" \
			--argjson perf "$(bpftool perf show -j)" '
			[($progs[] | select(IN(.id; $h.progs[])) | "prog \(.id) \(.name)"),
			 ($maps[] | select(IN(.id; $h.maps[])) | "map \(.id) \(.name)"),
			 ($links[] | select(IN(.id; $h.links[])) | "link \(.id)"),
			 ($perf[] | select(IN(.prog_id; $h.progs[])) |
			  "uprobe \(.filename):\(.offset)")]')
		[ "$left" = "[]" ] && break
		sleep 0.05
	done
	[ "$left" = "[]" ] || fail "$SCEN: left behind after 2 s: $left"
	RELEASED_MS=$((i * 50))
	[ "$(uprobe_events)" = "$UPROBE_EVENTS" ] ||
		fail "$SCEN: uprobe_events changed: $(uprobe_events)"
	[ -n "$target" ] || return 0
	for p in "${PROBES[@]}"; do
		[ "$(bytes_at "/proc/$target/mem" "${p% *}")" = "${p#* }" ] ||
			fail "$SCEN: the breakpoint at 0x$(printf %x "${p% *}") is still in $target"
	done
}

final_line() { # ERR
	grep -qE '^goroutine: [0-9]+ events, [0-9]+ lost$' "$1" ||
		fail "$SCEN: no final count line: $(grep -v libbpf: "$1" | tail -n 3)"
}

healthy() { # ADDR N: the server still answers every request, with its body
	local i body
	for ((i = 0; i < $2; i++)); do
		body=$(http_get "$1") || fail "$SCEN: the server no longer answers"
		[ "$body" = "Hello,World!" ] || fail "$SCEN: the server answers \"$body\""
	done
}

# start_server again, emptying the output file first: the new server truncates
# it only once running, and start_server would read the last one's address.
new_server() {
	: >"$WORK/server.out"
	start_server
}

# start_tracer with its stderr file made first: start_tracer looks into it
# before the tracer (a child still starting) has created it.
trace() {
	: >"$2"
	start_tracer "$@"
}

traffic() { # ADDR: requests in the background until killed; sets TRAFFIC_PID
	(while :; do (http_get "$1") >/dev/null 2>&1 || sleep 0.01; done) &
	TRAFFIC_PID=$!
	_pids+=("$TRAFFIC_PID")
}

# --- a. -p: the traced process exits -----------------------------------------------
SCEN="a: -p, process killed"
new_server
trace "$WORK/a.ev" "$WORK/a.err" -v -p "$SERVER_PID"
held "$TRACER_PID" "$WORK/a.err" "$SERVER_PID"
healthy "$SERVER_ADDR" 5
kill -TERM "$SERVER_PID"
wait_end "$TRACER_PID" 3
[ "$RC" -eq 0 ] || fail "$SCEN: tracer exit status $RC, want 0"
final_line "$WORK/a.err"
grep -q '^goroutine: 0 events' "$WORK/a.err" && fail "$SCEN: no events before the exit"
released
echo "  $SCEN: the tracer ended by itself ($(tail -n 1 "$WORK/a.err")), released in $RELEASED_MS ms"

SCEN="a: -p, process exits by itself"
# 4 s: long enough to outlive an attach under ASan on a loaded machine (with 2 s
# the process had sometimes ended before its breakpoints were looked at).
"$CHURN" -seconds 4 >"$WORK/a2.out" &
churn_pid=$!
_pids+=("$churn_pid")
trace "$WORK/a2.ev" "$WORK/a2.err" -v -p "$churn_pid"
held "$TRACER_PID" "$WORK/a2.err" "$churn_pid"
wait_end "$TRACER_PID" 8
[ "$RC" -eq 0 ] || fail "$SCEN: tracer exit status $RC, want 0"
final_line "$WORK/a2.err"
grep -q '^goroutine: 0 events' "$WORK/a2.err" && fail "$SCEN: no events"
released
rc=0
wait "$churn_pid" || rc=$?
[ "$rc" -eq 3 ] && grep -q '^total: ' "$WORK/a2.out" ||
	fail "$SCEN: churn: exit $rc, $(tail -n 1 "$WORK/a2.out")"
echo "  $SCEN: the tracer ended by itself ($(tail -n 1 "$WORK/a2.err")," \
	"released in $RELEASED_MS ms"

# --- b, c. SIGINT and SIGTERM while requests are served ------------------------------
for sig in INT TERM; do
	SCEN="${sig/INT/b}"
	SCEN="${SCEN/TERM/c}: SIG$sig under load"
	[ "$sig" = INT ] || SCEN="$SCEN, --binary"
	SERVER_BIN=$PIE_SERVER new_server
	# SIGINT with -p (a pid-filtered uprobe), SIGTERM with --binary (for all).
	how=(-p "$SERVER_PID")
	[ "$sig" = INT ] || how=(--binary "$PIE_SERVER")
	trace "$WORK/$sig.ev" "$WORK/$sig.err" -v --json "${how[@]}"
	held "$TRACER_PID" "$WORK/$sig.err" "$SERVER_PID"
	traffic "$SERVER_ADDR"
	sleep 0.5
	kill "-$sig" "$TRACER_PID"
	wait_end "$TRACER_PID" 2
	[ "$RC" -eq 0 ] || fail "$SCEN: tracer exit status $RC, want 0"
	final_line "$WORK/$sig.err"
	released "$SERVER_PID"
	kill "$TRAFFIC_PID"
	healthy "$SERVER_ADDR" 20
	jq -e . "$WORK/$sig.ev" >/dev/null || fail "$SCEN: the JSON output is cut short"
	echo "  $SCEN: exit 0, $(tail -n 1 "$WORK/$sig.err" | cut -d' ' -f2-)," \
		"released in $RELEASED_MS ms, server fine"
	kill "$SERVER_PID"
done

# --- d. -- CMD: the command's fate is the tracer's exit status ------------------------
# cmd_case NAME WANT ACTION CHURN_ARGS...: ACTION is what the test does once
# the command runs: nothing, or a signal for the command or for the tracer.
cmd_case() {
	local name=$1 want=$2 action=$3 child d
	shift 3
	SCEN="d: -- CMD, $name"
	# Files of their own: start_tracer must not see the last run's lines.
	ncase=$((ncase + 1)) d=$WORK/d$ncase
	trace "$d.out" "$d.err" -v -o "$d.ev" -- "$CHURN" "$@"
	held "$TRACER_PID" "$d.err"
	child=$(pgrep -o -P "$TRACER_PID" || true)
	[ -n "$child" ] || fail "$SCEN: the command is not running"
	case $action in
	child-*) kill "-${action#child-}" "$child" ;;
	tracer-*) kill "-${action#tracer-}" "$TRACER_PID" ;;
	esac
	wait_end "$TRACER_PID" 10
	[ "$RC" -eq "$want" ] ||
		fail "$SCEN: exit status $RC, want $want: $(grep -v libbpf: "$d.err" | tail -n 3)"
	final_line "$d.err"
	released
	ended "$child" || fail "$SCEN: the command is still running"
	echo "  $SCEN: exit $RC, released in $RELEASED_MS ms"
}
ncase=0
cmd_case "exits 3" 3 none -seconds 1
cmd_case "panics" 2 none -seconds 1 -crash panic
grep -q '^panic: churn: asked to panic' "$WORK/d$ncase.err" ||
	fail "$SCEN: the panic message is lost"
cmd_case "dies of SIGSEGV" 139 none -seconds 1 -crash segv
cmd_case "killed with SIGKILL" 137 child-KILL -seconds 30
cmd_case "tracer gets SIGTERM" 143 tracer-TERM -seconds 30
# A command started with & by a script ignores SIGINT, and so does what it
# starts: as from a terminal, the tracer (then the command) gets SIGINT's
# default action back first, through a wrapper named goroutine.
mkdir "$WORK/dfl"
printf '#!/bin/sh\nexec env --default-signal=INT "%s" "$@"\n' "$T" >"$WORK/dfl/goroutine"
chmod +x "$WORK/dfl/goroutine"
BUILD=$WORK/dfl cmd_case "tracer gets SIGINT" 130 tracer-INT -seconds 30

# --- e. the tracer killed with SIGKILL ------------------------------------------------
SCEN="e: SIGKILL, -p"
new_server
trace "$WORK/e.ev" "$WORK/e.err" -v -p "$SERVER_PID"
held "$TRACER_PID" "$WORK/e.err" "$SERVER_PID"
traffic "$SERVER_ADDR"
sleep 0.3
kill9 "$TRACER_PID"
wait_gone "$TRACER_PID" 2
released "$SERVER_PID"
kill "$TRAFFIC_PID"
healthy "$SERVER_ADDR" 20
echo "  $SCEN: released in $RELEASED_MS ms after the kill, server fine"
kill "$SERVER_PID"

# Under -- CMD the command outlives its tracer, and computes what it always does.
SCEN="e: SIGKILL, -- CMD"
rc=0
"$CHURN" -waves 40 -per 2000 >"$WORK/e.want" || rc=$?
[ "$rc" -eq 3 ] || fail "$SCEN: churn exit status $rc untraced"
trace "$WORK/e.out" "$WORK/e.err" -v -o "$WORK/e.ev" -- "$CHURN" -waves 40 -per 2000
held "$TRACER_PID" "$WORK/e.err"
child=$(pgrep -o -P "$TRACER_PID" || true)
[ -n "$child" ] && ! ended "$child" || fail "$SCEN: the command ended before the kill"
kill9 "$TRACER_PID"
wait_gone "$TRACER_PID" 2
released
for _ in $(seq 200); do
	ended "$child" && break
	sleep 0.05
done
ended "$child" || fail "$SCEN: the command did not finish within 10 s of its tracer's death"
cmp -s "$WORK/e.want" "$WORK/e.out" ||
	fail "$SCEN: the command's output differs from an untraced run:" \
		"$(diff "$WORK/e.want" "$WORK/e.out" | sed -n 1,5p)"
echo "  $SCEN: released in $RELEASED_MS ms; the command finished with the right output"

# --- f. the output's reader goes away ------------------------------------------------
SCEN="f: reader gone"
new_server
mkfifo "$WORK/fifo"
head -n 2 <"$WORK/fifo" >"$WORK/f.head" &
head_pid=$!
_pids+=("$head_pid")
trace "$WORK/fifo" "$WORK/f.err" -v -p "$SERVER_PID"
held "$TRACER_PID" "$WORK/f.err" "$SERVER_PID"
traffic "$SERVER_ADDR"
wait "$head_pid"
wait_end "$TRACER_PID" 3
released "$SERVER_PID"
kill "$TRAFFIC_PID"
healthy "$SERVER_ADDR" 20
echo "  $SCEN: tracer ended with status $RC, released in $RELEASED_MS ms, server fine"
kill "$SERVER_PID"

# --- g. -d expires ----------------------------------------------------------------------
SCEN="g: -d 1"
new_server
trace "$WORK/g.ev" "$WORK/g.err" -v -d 1 -p "$SERVER_PID"
held "$TRACER_PID" "$WORK/g.err" "$SERVER_PID"
wait_end "$TRACER_PID" 3
[ "$RC" -eq 0 ] || fail "$SCEN: exit status $RC, want 0"
final_line "$WORK/g.err"
released "$SERVER_PID"
healthy "$SERVER_ADDR" 5
echo "  $SCEN: exit 0, released in $RELEASED_MS ms"
kill "$SERVER_PID"

# --- a, again: the process exits but its parent never reaps it --------------------------
# Last, as it needs the tracer to look past kill(pid, 0), which a zombie passes.
SCEN="a: -p, process exited, not reaped"
sh -c '"$1" --addr 127.0.0.1:0 >"$2" 2>&1 & echo $! >"$3"; exec sleep 60' \
	sh "$SRC/go-server-http/main" "$WORK/z.out" "$WORK/z.pid" &
_pids+=("$!")
for _ in $(seq 100); do
	grep -q '^Listening on' "$WORK/z.out" 2>/dev/null && break
	sleep 0.05
done
zpid=$(cat "$WORK/z.pid")
_pids+=("$zpid")
trace "$WORK/z.ev" "$WORK/z.err" -v -p "$zpid"
held "$TRACER_PID" "$WORK/z.err" "$zpid"
kill -TERM "$zpid"
wait_end "$TRACER_PID" 3
[ "$RC" -eq 0 ] || fail "$SCEN: tracer exit status $RC, want 0"
final_line "$WORK/z.err"
released
echo "  $SCEN: the tracer ended by itself"
pass "every ending detaches: -p exit, SIGINT, SIGTERM, -- CMD statuses, SIGKILL, SIGPIPE, -d"
