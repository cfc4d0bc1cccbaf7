#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-attach: how the tracer attaches and what it refuses.
#   1. -p PID sees only that process while a second copy of the binary serves
#      too, and the other copy never even runs the BPF program (pid-filtered
#      attach: the kernel's run count equals our event count).
#   2. --profile from gooffsets is used as is; a profile of another build is
#      refused (one line, exit 1) unless --force; a malformed one is refused.
#   3. Stack-ABI binaries (esbuild from npm, go1.14-1.16) traced through
#      `-- CMD` while they bundle a small project.
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"

# --- 1. -p isolation --------------------------------------------------------
start_server
first_pid=$SERVER_PID first_addr=$SERVER_ADDR
start_server
second_addr=$SERVER_ADDR
stats=$(cat /proc/sys/kernel/bpf_stats_enabled)
echo 1 >/proc/sys/kernel/bpf_stats_enabled
trap 'echo "$stats" >/proc/sys/kernel/bpf_stats_enabled; _cleanup' EXIT
start_tracer "$WORK/ev1" "$WORK/err1" -v --json -p "$first_pid"
id=$(sed -n 's/.*BPF prog id \([0-9]*\).*/\1/p' "$WORK/err1")
for _ in 1 2 3 4 5; do
	http_get "$first_addr" >/dev/null
	http_get "$second_addr" >/dev/null
done
sleep 0.3
run_cnt=$(bpftool prog show id "$id" -j | jq .run_cnt)
stop_tracer
events=$(sed -n 's/^goroutine: \([0-9]*\) events, 0 lost$/\1/p' "$WORK/err1")
[ -n "$events" ] || fail "-p: no final count line: $(tail -n 1 "$WORK/err1")"
[ "$events" -gt 0 ] || fail "-p: no events"
foreign=$(jq_first "$WORK/ev1" ".tgid != $first_pid")
[ -z "$foreign" ] || fail "-p $first_pid: event of another process: $foreign"
[ "$run_cnt" = "$events" ] ||
	fail "-p: BPF program ran $run_cnt times for $events events: the other process pays the trap"
echo "  -p: $events events, all of pid $first_pid; BPF run count $run_cnt"

# Filters: only switches to WAITING, then only goroutine 1.
start_tracer "$WORK/ev1f" "$WORK/err1f" --state WAITING -p "$first_pid"
http_get "$first_addr" >/dev/null
sleep 0.2
stop_tracer
awk 'NR > 1 && $2 != "WAITING" { bad = 1 } END { exit bad || NR < 2 }' "$WORK/ev1f" ||
	fail "--state WAITING: other states, or nothing: $(head -n 3 "$WORK/ev1f")"
start_tracer "$WORK/ev1g" "$WORK/err1g" --json --goid 1 -p "$first_pid"
http_get "$first_addr" >/dev/null
sleep 0.2
stop_tracer
[ -s "$WORK/ev1g" ] && ! jq_any "$WORK/ev1g" '.goid != 1' || fail "--goid 1: wrong or no events"

# A process in another mount namespace (as in a container): its binary is not
# at any path the tracer can see, only through /proc/PID/exe.
mkdir -p "$WORK/ns"
: >"$WORK/ns.out" # before the job: it opens the file on its own time
unshare --mount --propagation private sh -c \
	"mount -t tmpfs none '$WORK/ns' && cp '$SRC/go-server-http/main' '$WORK/ns/server' &&
	 exec '$WORK/ns/server' --addr 127.0.0.1:0" >"$WORK/ns.out" 2>&1 &
ns_pid=$!
_pids+=("$ns_pid")
for _ in $(seq 100); do
	ns_addr=$(sed -n 's/^Listening on //p' "$WORK/ns.out") || true
	[ -n "$ns_addr" ] && break
	sleep 0.05
done
[ -n "$ns_addr" ] || fail "server in a mount namespace did not start: $(cat "$WORK/ns.out")"
[ ! -e "$WORK/ns/server" ] || fail "the namespace's binary is visible outside it"
start_tracer "$WORK/ev1n" "$WORK/err1n" --json -p "$ns_pid"
http_get "$ns_addr" >/dev/null
sleep 0.2
stop_tracer
jq_any "$WORK/ev1n" ".tgid == $ns_pid" || fail "-p in another mount namespace: no events"
echo "  filters --state/--goid; -p into another mount namespace"

# --- 2. profiles --------------------------------------------------------------
"$BUILD/gooffsets" "$SRC/go-server-http/main" >"$WORK/server.json" || fail "gooffsets failed"
start_tracer "$WORK/ev2" "$WORK/err2" -v --profile "$WORK/server.json" -p "$first_pid"
http_get "$first_addr" >/dev/null
sleep 0.2
stop_tracer
grep -q "goid at 152 (dwarf)" "$WORK/err2" || fail "--profile: not used: $(head -n 3 "$WORK/err2")"
grep -q ' IO wait$' "$WORK/ev2" || fail "--profile: no wait reason in the output"

w21="$CACHE/fixtures/go1.21/workload-dwarf"
w22="$CACHE/fixtures/go1.22/workload-dwarf"
for f in "$w21" "$w22"; do [ -x "$f" ] || fail "MISSING fixture: $f (run scripts/fixtures.sh)"; done
"$BUILD/gooffsets" "$w21" >"$WORK/w21.json" || fail "gooffsets failed on $w21"
rc=0
"$T" --profile "$WORK/w21.json" -- "$w22" >"$WORK/out3" 2>"$WORK/err3" || rc=$?
[ "$rc" -eq 1 ] || fail "mismatched profile: exit $rc, want 1"
[ "$(wc -l <"$WORK/err3")" -eq 1 ] || fail "mismatched profile: not one line: $(cat "$WORK/err3")"
grep -q "does not match" "$WORK/err3" || fail "mismatched profile: $(cat "$WORK/err3")"
[ ! -s "$WORK/out3" ] || fail "mismatched profile: the command ran: $(cat "$WORK/out3")"
rc=0
"$T" --force --profile "$WORK/w21.json" -o "$WORK/ev4" -- "$w22" 5 >"$WORK/out4" 2>"$WORK/err4" || rc=$?
[ "$rc" -eq 5 ] || fail "--force: exit $rc, want the command's 5: $(cat "$WORK/err4")"
grep -q "warning: profile" "$WORK/err4" || fail "--force: no warning"
echo '{"schema_version": 1, "binary": {}}' >"$WORK/bad.json"
rc=0
"$T" --profile "$WORK/bad.json" -p "$first_pid" >"$WORK/out5" 2>"$WORK/err5" || rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <"$WORK/err5")" -eq 1 ] && grep -q "malformed profile" "$WORK/err5" ||
	fail "malformed profile not refused in one line: rc=$rc $(cat "$WORK/err5")"
echo "  profiles: used when given, mismatch refused ($(cat "$WORK/err3"))"

# --- 3. stack ABI ---------------------------------------------------------------
proj="$WORK/proj"
mkdir -p "$proj"
printf 'export const greet = (n) => "hello " + n;\n' >"$proj/a.js"
printf 'import { greet } from "./a.js";\nconsole.log(greet("world"));\n' >"$proj/index.js"
nstack=0
while IFS=$'\t' read -r pkg version go_version abi bin; do
	[ "$abi" = stack ] || continue
	[ -x "$bin" ] || fail "MISSING fixture: npm $pkg@$version ($bin)"
	rm -f "$proj/out.js"
	rc=0
	"$T" --json -o "$WORK/es.json" -- "$bin" "$proj/index.js" --bundle --outfile="$proj/out.js" \
		>/dev/null 2>"$WORK/es.err" || rc=$?
	[ "$rc" -eq 0 ] || fail "$pkg@$version ($go_version): exit $rc: $(tail -n 2 "$WORK/es.err")"
	grep -q 'hello' "$proj/out.js" || fail "$pkg@$version: no bundle written"
	n=$(wc -l <"$WORK/es.json")
	[ "$n" -gt 10 ] || fail "$pkg@$version: only $n events"
	bad=$(jq_first "$WORK/es.json" '(.goid == null or .goid == 0) and .old_state != "IDLE" and .old_state != "DEAD"')
	[ -z "$bad" ] || fail "$pkg@$version: implausible goid: $bad"
	jq_any "$WORK/es.json" '.new_state == "SYSCALL"' ||
		fail "$pkg@$version: no SYSCALL transition"
	jq_any "$WORK/es.json" '.new_state == "WAITING" and .wait_reason == null' &&
		fail "$pkg@$version: WAITING without a wait reason"
	echo "  $pkg@$version ($go_version, stack ABI): $n events"
	nstack=$((nstack + 1))
done < <(npm_fixtures)
[ "$nstack" -gt 0 ] || fail "no stack-ABI binary in npm-fixtures.tsv"
pass "-p isolation, profiles and $nstack stack-ABI binaries"
