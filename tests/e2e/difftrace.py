# SPDX-License-Identifier: GPL-2.0
"""difftrace.py: the tracer's events against Go's own execution tracer.

    difftrace.py MINOR OURS.json PARSED.txt [--drop-every N]

OURS.json: `goroutine --json` lines of one run of a program that recorded
runtime/trace; PARSED.txt: that trace as the newest toolchain's
`go tool trace -d=parsed` prints it (the old format of go1.19-1.21 is
converted by its internal/trace/tracev1.go). MINOR: the Go minor version
that built the program (19 for go1.19), for the rules that depend on it.

Per goroutine living inside the trace window (its creation and its exit
both in the trace), both sides are brought to the same tokens: create,
start (Runnable->Running), block:REASON (Running->Waiting, with the
trace's name of the reason), unblock (Waiting->Runnable), yield
(Running->Runnable), sysenter, sysexit, exit. The counts of each token
must agree exactly. Where the two event models differ by design a named
rule (RULES below, each citing the Go source it comes from) rewrites or
drops events, and is counted in the output; nothing else is left out. Every
goroutine of the trace must be in ours too, window or not. Exit 0 when all
agree, 1 with the differences, per goroutine, on stdout.

--drop-every N drops every Nth of our events first: the comparison must
then fail (the test's check that it can).
"""

import json
import re
import sys
from collections import Counter, defaultdict

RULES = {
    "alloc": "ours only: IDLE->DEAD (IDLE->DEADEXTRA on 1.26+) is a g's allocation "
    "(runtime/proc.go newproc1 `casgstatus(newg, _Gidle, _Gdead)` before allgadd; "
    "oneNewExtraM for the cgo extra M's g); the trace has no event for it, a "
    "goroutine begins there at traceGoCreate (NotExist->Runnable)",
    "copystack": "ours only: RUNNING->COPYSTACK->RUNNING is a stack growth (runtime/stack.go "
    "newstack `casgstatus(gp, _Grunning, _Gcopystack)`); the trace sees the "
    "goroutine running throughout",
    "internal-wait": "ours only: RUNNING->WAITING ended by WAITING->RUNNING is a wait the runtime "
    "takes with casgstatus on the system stack, never through gopark, so no "
    "trace event (runtime/proc.go stopTheWorld, forEachP `casGToWaitingForSuspendG`; "
    "runtime/mgc.go gcMarkTermination, gcBgMarkWorker; runtime/mgcmark.go "
    "gcAssistAlloc1, markroot scanning its own stack; runtime/traceruntime.go "
    "(1.22+) traceAdvance's status waits). Its reason must be one of "
    "INTERNAL_REASONS (go1.21+: casGToWaiting sets it before the switch) or, "
    "before go1.21, unknown: there the reason is set after the switch or never "
    "(go1.19 runtime/proc.go stopTheWorld, runtime/mgc.go gcMarkTermination), so "
    "what g.waitreason holds at the switch is the previous wait's",
    "syscall-exit": "a syscall exit is one sysexit token on both sides, whatever follows "
    "it at once. The trace writes Syscall->Runnable, Runnable->Running when the P "
    "was lost (runtime/proc.go exitsyscall: 1.22+ `trace.GoSysExit(lostP)` then "
    "`trace.GoStart()`; go1.19-1.21's EvGoSysExit and EvGoStart, converted by "
    "internal/trace/tracev1.go), even where the runtime switched once, "
    "_Gsyscall->_Grunning in exitsyscallfast; before 1.26 exitsyscall0 switches "
    "_Gsyscall->_Grunnable; from 1.26 exitsyscall's raw CAS goes "
    "_Gsyscall->_Grunning first and exitsyscall0 then _Grunning->_Grunnable. So, "
    "on both sides alike, a Syscall->Runnable's next start, and a yield and start "
    "right after a syscall exit, are taken into that exit",
    "preempted": "ours RUNNING->PREEMPTED (casGToPreemptScan, from preemptPark) is the "
    "trace's Running->Waiting of preemptPark (runtime/proc.go preemptPark: "
    "1.22+ `trace.GoPark(traceBlockPreempted, 0)`, reason \"preempted\"; before, "
    "`traceGoPark(traceEvGoBlock, 0)`, reason \"\"); ours PREEMPTED->WAITING "
    "(casGFromPreempted, runtime/preempt.go suspendG) has no trace event: the "
    "trace's goroutine is Waiting from preemptPark on, and readied by resumeG",
    "extra-m-g": "go1.21: the cgo extra M's g is in the trace from its start as in a "
    "syscall (runtime/trace.go StartTrace of go1.21 writes GoInSyscall for a dead "
    "g of an extra M), with no transition; ours sees its one switch, IDLE->DEAD in "
    "runtime/proc.go oneNewExtraM, before `gp.goid = sched.goidgen.Add(1)`: the "
    "tracer reads that goid from the process once the g has been quiet for 100 ms "
    "(tracer/stream.c, stream__goid), so the trace's goroutine is ours too, with "
    "that one switch and nothing to compare",
    "coroutine": "a coroutine switch (1.23+, runtime/coro.go coroswitch_m): ours "
    "RUNNING->WAITING \"coroutine\" of the goroutine that switches and "
    "WAITING->RUNNING of the one it switches to; the trace's GoSwitch is read as "
    "a Running->Waiting without a reason and, for the next goroutine, a GoUnblock "
    "(Waiting->Runnable) and its GoStart (internal/trace/order.go advanceGoSwitch, "
    "internal/trace/event.go): ours WAITING->RUNNING outside an internal wait is "
    "those two",
    "reason-names": "wait reasons compared by the trace's name: the runtime's waitReason "
    "strings (runtime/runtime2.go waitReasonStrings) as the tracer names them "
    "(1.22+: runtime/traceruntime.go traceBlockReasonStrings, paired at each "
    "gopark call site; 1.19-1.21: the event type of the block, "
    "internal/trace/tracev1.go): REASON_NAMES",
}

# Waits taken without gopark (see RULES["internal-wait"]), by waitReason string.
INTERNAL_REASONS = {
    "stopping the world",  # proc.go stopTheWorld (1.21+ sets it; 1.19/1.20 do not)
    "garbage collection",  # mgc.go gcMarkTermination
    "GC mark termination",  # mgc.go gcMarkDone (1.21+)
    "GC assist marking",  # mgcmark.go gcAssistAlloc1
    "GC worker (active)",  # mgc.go gcBgMarkWorker (1.21 casGToWaiting, 1.22+ ...ForSuspendG)
    "flushing proc caches",  # proc.go forEachP (1.22+)
    "trace goroutine status",  # traceruntime.go/trace.go traceAdvance (1.22+)
    "trace proc status",  # trace.go traceAdvance (1.22+)
    "garbage collection scan",  # mgcmark.go markroot of its own stack
}

# The runtime's waitReason -> the trace's reason (see RULES["reason-names"]).
REASON_NAMES_NEW = {
    "chan receive": "chan receive",
    "chan send": "chan send",
    "chan receive (nil chan)": "forever",
    "chan send (nil chan)": "forever",
    "select": "select",
    "select (no cases)": "forever",
    "sleep": "sleep",
    "IO wait": "network",
    "sync.Mutex.Lock": "sync",
    "sync.RWMutex.Lock": "sync",
    "sync.RWMutex.RLock": "sync",
    "semacquire": "sync",
    "sync.WaitGroup.Wait": "sync",
    "sync.Cond.Wait": "sync.(*Cond).Wait",
    "GC assist wait": "GC mark assist wait for work",  # traceBlockGCMarkAssist
    "wait for GC cycle": "wait until GC ends",
    "GC background sweeper wait": "system goroutine wait",
    "GC scavenge wait": "system goroutine wait",
    "GC sweep wait": "system goroutine wait",
    "GC worker (idle)": "system goroutine wait",
    "finalizer wait": "system goroutine wait",
    "cleanup wait": "system goroutine wait",
    "force gc (idle)": "system goroutine wait",
    "trace reader (blocked)": "system goroutine wait",
    "coroutine": "",  # coroswitch_m's GoSwitch: internal/trace/order.go advanceGoSwitch gives no reason
    "preempted": "preempted",
}
# go1.19-1.21: the block's event type (runtime/trace.go traceEvGoBlock*).
REASON_NAMES_OLD = dict(REASON_NAMES_NEW)
REASON_NAMES_OLD.update({
    "chan receive (nil chan)": "forever",  # EvGoStop
    "select (no cases)": "forever",
    "GC background sweeper wait": "",  # EvGoBlock
    "GC scavenge wait": "",
    "GC sweep wait": "",
    "GC worker (idle)": "",
    "finalizer wait": "",
    "force gc (idle)": "",
    "trace reader (blocked)": "",
    "wait for GC cycle": "",
    "GC assist wait": "GC mark assist wait",  # EvGoBlockGC
    "preempted": "",  # preemptPark's EvGoBlock
})

TRACE_KINDS = {
    ("NotExist", "Runnable"): "create",
    ("NotExist", "Waiting"): "create",  # a g made blocked (1.22+ extra M, GoCreateBlocked)
    ("Runnable", "Running"): "start",
    ("Running", "Waiting"): "block",
    ("Waiting", "Runnable"): "unblock",
    ("Running", "Runnable"): "yield",
    ("Running", "Syscall"): "sysenter",
    ("Syscall", "Running"): "sysexit",
    ("Syscall", "Runnable"): "sysexit-runnable",
    ("Running", "NotExist"): "exit",
    ("Waiting", "NotExist"): "exit",
    ("Syscall", "NotExist"): "exit",
    ("Runnable", "NotExist"): "exit",
}
OUR_KINDS = {
    ("DEAD", "RUNNABLE"): "create",
    ("IDLE", "RUNNABLE"): "create",
    ("DEAD", "WAITING"): "create",
    ("RUNNABLE", "RUNNING"): "start",
    ("RUNNING", "WAITING"): "block",
    ("WAITING", "RUNNABLE"): "unblock",
    ("RUNNING", "RUNNABLE"): "yield",
    ("RUNNING", "SYSCALL"): "sysenter",
    ("SYSCALL", "RUNNING"): "sysexit",
    ("SYSCALL", "RUNNABLE"): "sysexit-runnable",
    ("RUNNING", "DEAD"): "exit",
    ("SYSCALL", "DEAD"): "exit",
    ("WAITING", "DEAD"): "exit",
    ("RUNNABLE", "DEAD"): "exit",
}

TRANS = re.compile(r" StateTransition Time=\d+ GoID=(-?\d+) (\w+)->(\w+) Reason=\"((?:[^\"\\]|\\.)*)\"")


def read_trace(path):
    """{goid: [(kind, reason)]} in trace order; the goroutines seen at all."""
    seq, seen, status = defaultdict(list), set(), defaultdict(set)
    for line in open(path, encoding="utf-8", errors="replace"):
        m = TRANS.search(line)
        if not m:
            continue
        goid, old, new, reason = int(m[1]), m[2], m[3], m[4]
        seen.add(goid)
        if old == "Undetermined":
            status[goid].add(new)
            continue  # a generation's status of a goroutine, no transition
        kind = TRACE_KINDS.get((old, new))
        if kind is None:
            raise SystemExit(f"difftrace: trace transition not understood: {old}->{new}")
        seq[goid].append((kind, reason))
    return seq, seen, status


def read_ours(path, drop_every):
    """{goid: [(old, new, reason)]}; the count of events without a goid."""
    seq, nogoid, n = defaultdict(list), Counter(), 0
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        n += 1
        if drop_every and n % drop_every == 0:
            continue
        ev = json.loads(line)
        if ev.get("goid") is None:
            nogoid[f"{ev['old_state']}->{ev['new_state']}"] += 1
            continue
        seq[ev["goid"]].append((ev["old_state"], ev["new_state"], ev.get("wait_reason")))
    return seq, nogoid


def syscall_exits(tokens, applied):
    """RULES["syscall-exit"]: a sysexit-runnable and its next start, or a sysexit
    followed at once by yield and start, become one sysexit, on both sides."""
    out, i = [], 0
    while i < len(tokens):
        kind = tokens[i][0]
        if kind not in ("sysexit", "sysexit-runnable"):
            out.append(tokens[i])
            i += 1
            continue
        out.append(("sysexit", ""))
        j = i + 1
        if kind == "sysexit-runnable" and j < len(tokens) and tokens[j][0] == "start":
            applied["syscall-exit"] += 1
            j += 1
        while j + 1 < len(tokens) and tokens[j][0] == "yield" and tokens[j + 1][0] == "start":
            applied["syscall-exit"] += 1
            j += 2
        i = j
    return out


def normalise_ours(events, names, applied, problems, goid, minor, internal):
    tokens, i = [], 0
    while i < len(events):
        old, new, reason = events[i]
        if old == "IDLE" and new in ("DEAD", "DEADEXTRA"):
            applied["alloc"] += 1
            i += 1
            continue
        if (old, new) == ("WAITING", "RUNNING"):
            applied["coroutine"] += 1
            tokens += [("unblock", ""), ("start", "")]
            i += 1
            continue
        if (old, new) == ("RUNNING", "PREEMPTED"):
            applied["preempted"] += 1
            tokens.append(("block", names["preempted"]))
            i += 1
            continue
        if (old, new) == ("PREEMPTED", "WAITING"):
            applied["preempted"] += 1
            i += 1
            continue
        if new == "COPYSTACK" or old == "COPYSTACK":
            applied["copystack"] += 1
            i += 1
            continue
        if (old, new) == ("RUNNING", "WAITING") and reason != "coroutine" and i + 1 < len(
                events) and events[i + 1][:2] == ("WAITING", "RUNNING"):
            if reason is not None and (minor < 21 or reason not in INTERNAL_REASONS):
                problems.append(f"goroutine {goid}: an internal wait (WAITING->RUNNING) "
                                f"with the reason {reason!r}, which is not its own (stale)")
            applied["internal-wait"] += 1
            internal[reason] += 1
            i += 2
            continue
        kind = OUR_KINDS.get((old, new))
        if kind is None:
            problems.append(f"goroutine {goid}: our transition not understood: {old}->{new}")
            i += 1
            continue
        if kind == "block":
            name = names.get(reason)
            if name is None:
                problems.append(f"goroutine {goid}: wait reason {reason!r} has no trace name")
                name = f"?{reason}"
            else:
                applied["reason-names"] += 1
            tokens.append((kind, name))
        else:
            tokens.append((kind, ""))
        i += 1
    return syscall_exits(tokens, applied)


def key(tok):
    return f"{tok[0]}:{tok[1]}" if tok[0] == "block" else tok[0]


def main(argv):
    drop = 0
    if len(argv) == 6 and argv[4] == "--drop-every":
        drop = int(argv[5])
        argv = argv[:4]
    if len(argv) != 4:
        raise SystemExit(__doc__.split("\n\n")[1])
    minor = int(argv[1])
    names = REASON_NAMES_NEW if minor >= 22 else REASON_NAMES_OLD
    ours, nogoid = read_ours(argv[2], drop)
    theirs, seen, status = read_trace(argv[3])
    applied, problems, internal = Counter(), [], Counter()

    window = sorted(g for g, toks in theirs.items()
                    if toks and toks[0][0] == "create" and toks[-1][0] == "exit")
    missing = sorted(g for g in seen if g > 0 and g not in ours)
    for g in missing:
        problems.append(f"goroutine {g} is in the trace but not in ours")
    for g in sorted(seen):
        if g > 0 and not theirs.get(g) and status[g] == {"Syscall"} and \
                [x[:2] for x in ours.get(g, [])] == [("IDLE", "DEAD")]:
            applied["extra-m-g"] += 1
    # A fresh g's goid is set just after its IDLE->DEAD: the tracer must read it later.
    for k in ("IDLE->DEAD", "IDLE->DEADEXTRA"):
        if nogoid[k]:
            problems.append(f"{nogoid[k]} fresh g's ({k}) without a goid in ours")
    ndiff = 0
    for g in window:
        t = Counter(key(x) for x in syscall_exits(theirs[g], Counter()))
        o = Counter(key(x) for x in normalise_ours(ours.get(g, []), names, applied, problems, g,
                                                   minor, internal))
        if t != o:
            ndiff += 1
            rows = ", ".join(f"{k} {t[k]} vs {o[k]}" for k in sorted(set(t) | set(o)) if t[k] != o[k])
            problems.append(f"goroutine {g}: trace vs ours: {rows}")
    total = sum(sum(Counter(key(x) for x in syscall_exits(theirs[g], Counter())).values())
                for g in window)
    print(f"window: {len(window)} goroutines, {total} transitions; "
          f"{ndiff} differ; without a goid in ours: {dict(nogoid) or 0}")
    print("internal waits: " + ", ".join(f"{r or 'unknown'} {n}" for r, n in sorted(
        internal.items(), key=lambda x: str(x[0]))))
    for name in sorted(applied):
        print(f"rule {name}: {applied[name]} events")
    for p in problems:
        print("DIFF", p)
    return 1 if problems or not window else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
