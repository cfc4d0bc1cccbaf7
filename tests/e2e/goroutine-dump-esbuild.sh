#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-dump-esbuild: `goroutine --dump` on a real program built by
# someone else and kept running: each npm esbuild release
# (tests/fixtures/npm-fixtures.tsv: stripped, static, go1.14 to go1.26) in
# --serve mode on a two-file project, asked for its bundle over HTTP before,
# during and after the dump. gooffsets makes the profile that the dump and
# two tracers (BPF, -p PID) then share: `--summary --json` runs across the
# whole window and `--json` (the state switches) across the dump. Checked:
#   - the dump: goids unique; consistent + changed + bad = the goroutines
#     listed (--system: all of them), each one "ok" with frames, "running",
#     or reported as changed or bad;
#   - symbols: goroutine 1 is in github.com/evanw/esbuild/pkg/cli.serveImpl,
#     under main.main, under runtime.main, under runtime.goexit; at least one
#     other goroutine starts in a github.com/evanw/esbuild/ function; every
#     complete stack of a goroutine started in esbuild's code or main ends
#     in its start function, then runtime.goexit;
#   - the tracers: every goroutine of the dump that the switch events show
#     before or after it (none during) was in the state and wait reason that
#     the last switch before it set and the first after it left (>= 1 such
#     goroutine); every goroutine of the summary's table that never switched
#     while traced has the dump's state and reason (>= 3 such: the parked ones).
# Releases before 0.8 have no --serve (esbuild says "Invalid flag"): reported as
# skipped, not failed. A missing fixture fails the test (scripts/fixtures.sh).
# What it guards, seen at 3e5d324: on go1.17 and go1.18 (0.13.15, 0.14.40) the
# goroutine reading stdin in a syscall had the one frame syscall.Syscall (asm,
# frameless until go1.19), said complete; 62f2772 walks on to runtime.goexit.
source "$(dirname "$0")/../lib.sh"
require_ptrace
require_bpf
T="$BUILD/goroutine"
[ -x "$T" ] && [ -x "$BUILD/gooffsets" ] || fail "$T or gooffsets missing: build first"
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 is needed"

proj="$WORK/proj"
mkdir -p "$proj"
printf 'export const greet = (n) => "hello " + n;\n' >"$proj/a.js"
printf 'import { greet } from "./a.js";\nconsole.log(greet("world"));\n' >"$proj/index.js"
# esbuild >= 0.17 stops serving when its stdin closes: a FIFO this shell holds open.
mkfifo "$WORK/stdin"
# shellcheck disable=SC2034 # held open, never read
exec {hold}<>"$WORK/stdin"

mono_ns() { "$PY" -c 'import time; print(time.monotonic_ns())'; }

# requests N: N requests of the bundle, each answered with it.
requests() {
	local _ body
	for _ in $(seq "$1"); do
		body=$(http_get "$ADDR" /index.js)
		[[ $body == *'"hello "'* ]] || fail "$label: no bundle from $ADDR: ${body:0:200}"
	done
}

# check BIN: one release; RESULT is its line; returns 1 when a check failed, 2 when
# it has no --serve. What keeps it from being checked at all fails the test.
check() {
	local bin=$1 port out="$WORK/serve.out" es _ t0 t1 summary
	port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	ADDR=127.0.0.1:$port
	"$bin" "$proj/index.js" --bundle --outdir="$WORK/out" --serve="$ADDR" <"$WORK/stdin" >"$out" 2>&1 &
	es=$!
	_pids+=("$es")
	for _ in $(seq 200); do
		grep -q "Local: *http://$ADDR/" "$out" && break
		kill -0 "$es" 2>/dev/null || break
		sleep 0.05
	done
	if grep -qE 'Invalid (build )?flag.*--serve' "$out"; then
		RESULT="skipped: no --serve ($(head -n 1 "$out"))"
		return 2
	fi
	grep -q "Local: *http://$ADDR/" "$out" || fail "$label: not serving: $(head -c 300 "$out")"
	requests 2
	"$BUILD/gooffsets" "$bin" >"$WORK/prof.json" 2>"$WORK/off.err" ||
		fail "$label: gooffsets: $(cat "$WORK/off.err")"
	start_tracer "$WORK/sum.json" "$WORK/sum.err" --summary --json -p "$es" --profile "$WORK/prof.json"
	summary=$TRACER_PID
	start_tracer "$WORK/ev.json" "$WORK/ev.err" --json -p "$es" --profile "$WORK/prof.json"
	requests 3
	t0=$(mono_ns)
	"$T" --dump --json --system -p "$es" --profile "$WORK/prof.json" >"$WORK/dump.json" \
		2>"$WORK/dump.err" || fail "$label: --dump: $(cat "$WORK/dump.err")"
	t1=$(mono_ns)
	requests 3
	stop_tracer
	TRACER_PID=$summary
	stop_tracer
	kill "$es"
	wait "$es" 2>/dev/null || true
	grep -q ' 0 lost' "$WORK/ev.err" || fail "$label: the tracer lost events: $(tail -n 1 "$WORK/ev.err")"
	RESULT=$("$PY" - "$WORK/dump.json" "$WORK/ev.json" "$WORK/sum.json" "$t0" "$t1" 2>&1 <<'PY'
import json, sys
dump = json.load(open(sys.argv[1]))
events = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
summary = json.load(open(sys.argv[3]))
t0, t1 = int(sys.argv[4]), int(sys.argv[5])
gs = dump["goroutines"]
bad = []
def need(cond, what):
    if not cond:
        bad.append(what)

# The dump itself: unique goids, every goroutine accounted for.
goids = [g["goid"] for g in gs]
need(len(goids) == len(set(goids)), f"goids not unique: {sorted(goids)}")
reads = [g["read"] for g in gs]
need(all(r in ("ok", "running", "changed", "bad") for r in reads), f"read values {set(reads)}")
need(dump["consistent"] + dump["changed"] + dump["bad"] == len(gs),
     f"{dump['consistent']} consistent + {dump['changed']} changed + {dump['bad']} bad, "
     f"{len(gs)} listed")
need(reads.count("ok") + reads.count("running") == dump["consistent"] and
     reads.count("changed") == dump["changed"] and reads.count("bad") == dump["bad"],
     "the counts differ from the goroutines' read values")
need(all(g.get("frames") for g in gs if g["read"] == "ok"), "an \"ok\" goroutine without frames")

# Symbols: esbuild's own packages, in an order only right symbols give.
ES = "github.com/evanw/esbuild/"
by = {g["goid"]: g for g in gs}
fr1 = [f["func"] for f in by.get(1, {}).get("frames", [])]
try:
    i = fr1.index(ES + "pkg/cli.serveImpl")
    need(fr1[-3:] == ["main.main", "runtime.main", "runtime.goexit"] and i < len(fr1) - 3,
         f"goroutine 1 ends in {fr1[-3:]}")
except ValueError:
    need(False, f"goroutine 1 not in {ES}pkg/cli.serveImpl: {fr1}")
starts = [g for g in gs if g.get("start_func", "").startswith(ES)]
need(starts, f"no goroutine started in {ES}: {[g.get('start_func') for g in gs]}")
for g in gs:
    fr = [f["func"] for f in g.get("frames", [])]
    sf = g.get("start_func", "")
    if g.get("stack_end") == "complete" and (sf.startswith(ES) or sf.startswith("main.")):
        need(fr[-2:] == [sf, "runtime.goexit"],
             f"goroutine {g['goid']} ({sf}, {g['status']}): its stack, said complete, "
             f"ends in {fr[-2:]}, not in {sf} then runtime.goexit")
    for f in g.get("frames", []):
        need(f["func"] and f["line"] > 0 and (f["file"].endswith((".go", ".s")) or
             f["file"] == "<autogenerated>"), f"goroutine {g['goid']}: frame {f}")

# The tracers' view of the same goroutines.
NAMES = {1: "RUNNABLE", 2: "RUNNING", 3: "SYSCALL", 4: "WAITING", 6: "DEAD", 8: "COPYSTACK",
         9: "PREEMPTED"}
def state(g):
    return NAMES.get(g["state_code"] & ~0x1000, str(g["state_code"]))
def same(g, st, reason):
    return st == state(g) and (st != "WAITING" or reason is None or reason == g["status"])
evs = {}
for e in sorted(events, key=lambda e: e["ts_ns"]):
    evs.setdefault(e["goid"], []).append(e)
switched = 0
for goid, es in evs.items():
    g = by.get(goid)
    if not g or any(t0 <= e["ts_ns"] <= t1 for e in es):
        continue
    before = [e for e in es if e["ts_ns"] < t0]
    after = [e for e in es if e["ts_ns"] > t1]
    if before:
        e = before[-1]
        need(same(g, e["new_state"], e.get("wait_reason")),
             f"goroutine {goid}: dumped {state(g)} ({g['status']}), its last switch before "
             f"was to {e['new_state']} ({e.get('wait_reason')})")
    if after:
        need(after[0]["old_state"] == state(g),
             f"goroutine {goid}: dumped {state(g)}, its first switch after left {after[0]['old_state']}")
    switched += 1
need(switched >= 1, "no dumped goroutine switched before or after the dump (and not during)")
parked = 0
for t in summary.get("goroutine_table", []):
    g = by.get(t["goid"])
    if not g or not t.get("in_state_is_lower_bound") or sum(1 for v in t["time_ms"].values() if v) != 1:
        continue
    need(same(g, t["state"], t.get("reason")),
         f"goroutine {t['goid']}: dumped {state(g)} ({g['status']}), the summary says "
         f"{t['state']} ({t.get('reason')}) all along")
    parked += 1
need(parked >= 3, f"only {parked} goroutines of the summary never switched and were dumped")
if bad:
    sys.exit("; ".join(bad[:6]))
print(f"{len(gs)} goroutines ({dump['consistent']} consistent), {len(starts)} started in esbuild; "
      f"as the tracers saw them: {switched} switching, {parked} parked")
PY
	) || {
		RESULT="FAILED: $RESULT"
		return 1
	}
}

n=0 skipped=() missing=() bad=()
while IFS=$'\t' read -r pkg version go_version _ bin; do
	label="$pkg@$version ($go_version)"
	if [ ! -x "$bin" ]; then
		echo "  $label: MISSING $bin (run scripts/fixtures.sh)"
		missing+=("$pkg@$version")
		continue
	fi
	rc=0
	t0=$(date +%s%N)
	check "$bin" || rc=$?
	echo "  $label: $RESULT$([ "$rc" = 0 ] && echo "; $((($(date +%s%N) - t0) / 1000000)) ms")"
	case $rc in
	0) n=$((n + 1)) ;;
	1) bad+=("$version ($go_version)") ;;
	2) skipped+=("$version") ;;
	esac
done < <(npm_fixtures)
why=""
[ ${#bad[@]} -eq 0 ] || why="${#bad[@]} releases failed: ${bad[*]}"
[ ${#missing[@]} -eq 0 ] || why="${why:+$why; }${#missing[@]} npm fixtures missing: ${missing[*]}"
[ -z "$why" ] || fail "$why"
[ "$n" -gt 0 ] || fail "no esbuild release could serve"
pass "$n esbuild releases dumped while serving, as the tracers saw them; skipped (no --serve): ${skipped[*]:-none}"
