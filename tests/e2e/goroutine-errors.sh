#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-errors: what goes wrong is said in one line on stderr, with exit
# status 1: a missing binary, a binary that is not Go, one without
# runtime.casgstatus, no such process, bad options, and no permission to load
# BPF (as nobody with no capabilities, as root without CAP_BPF) or to attach
# a uprobe (root without CAP_SYS_ADMIN).
# SIGTERM detaches cleanly (exit 0 and the final count line). Every example
# line of --help prints as written.
source "$(dirname "$0")/../lib.sh"
T="$BUILD/goroutine"

one_line "missing binary" "/nonexistent/app: No such file or directory" "$T" --binary /nonexistent/app
one_line "not Go" "not a Go executable" "$T" --binary /bin/ls
one_line "no process" "no process with PID" "$T" -p 999999999
one_line "unknown state" "unknown state" "$T" --state SLEEPY --binary "$SRC/go-server-http/main"
# A command is followed through its children: one that runs no Go program says so, and
# the tracer exits with its status.
rc=0
"$T" -- /bin/false >"$WORK/nogo.out" 2>"$WORK/nogo.err" || rc=$?
[ "$rc" = 1 ] || fail "-- /bin/false: exit status $rc, want the command's 1"
grep -q '^goroutine: /bin/false ran no Go program$' "$WORK/nogo.err" ||
	fail "-- /bin/false: no 'ran no Go program' line: $(cat "$WORK/nogo.err")"
echo "  command running no Go: $(grep 'no Go' "$WORK/nogo.err"), status 1"
# A Go binary whose runtime.casgstatus is renamed (in pclntab, symtab and DWARF alike).
perl -0777 -pe 's/runtime\.casgstatus\0/runtime.casgstatuZ\0/g' "$SRC/go-server-http/main" >"$WORK/nosym"
one_line "symbol not found" "nosym: runtime.casgstatus not found" "$T" --binary "$WORK/nosym"

# No privileges: copy what nobody needs where nobody can read it.
chmod 755 "$WORK"
cp "$T" "$SRC/go-server-http/main" "$WORK/"
chmod 755 "$WORK/goroutine" "$WORK/main"
one_line "no permission" "cannot load BPF program: Operation not permitted \(run as root: CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN\)" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
	"$WORK/goroutine" --binary "$WORK/main"

one_line "bad PID" "invalid" "$T" -p 12ab
one_line "bad mode" "unknown mode" "$T" --mode sometimes
one_line "gooffsets usage" "give a BINARY or -p PID" "$BUILD/gooffsets"
one_line "gooffsets two binaries" "one binary at a time" "$BUILD/gooffsets" /bin/ls /bin/true

require_bpf
# Root without the capabilities: the same, in one line.
one_line "root without CAP_BPF" "cannot load BPF program: Operation not permitted" \
	setpriv --bounding-set=-bpf,-perfmon,-sys_admin "$T" --binary "$SRC/go-server-http/main"
# CAP_BPF and CAP_PERFMON load the program, but the kernel makes uprobes for CAP_SYS_ADMIN only.
one_line "root without CAP_SYS_ADMIN" "cannot attach uprobe to .*: Permission denied \(uprobes need root or CAP_SYS_ADMIN\)" \
	setpriv --bounding-set=-sys_admin "$T" --binary "$SRC/go-server-http/main"
start_server
start_tracer "$WORK/ev" "$WORK/err" -p "$SERVER_PID"
http_get "$SERVER_ADDR" >/dev/null
kill -TERM "$TRACER_PID"
rc=0
wait "$TRACER_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "SIGTERM: exit status $rc"
grep -q '^goroutine: [0-9]* events, 0 lost$' "$WORK/err" || fail "SIGTERM: no final line"
# --help: every EXAMPLES line of each tool prints as written (argp reflows lines
# past its right margin), taken from the doc string in the source.
for tool in tracer/goroutine resolver/gooffsets; do
	"$BUILD/${tool#*/}" --help >"$WORK/help" || fail "${tool#*/} --help failed"
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		grep -qxF -- "$line" "$WORK/help" ||
			fail "${tool#*/} --help does not print the example line as written: '$line'"
	done < <(sed -n '/"EXAMPLES:\\n"/,/^\t"\\n"$/p' "$SRC/$tool.c" |
		sed -n 's/^\t"\(    .*\)\\n"$/\1/p')
	[ "$n" -ge 3 ] || fail "${tool#*/}: found $n example lines in $tool.c"
done
pass "errors are one line and exit 1; SIGTERM detaches cleanly; --help examples as written"
