#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-blockprof: `goroutine --summary --pprof FILE -- CMD`, the block
# profile taken from outside, against Go's own block profile of the same run.
# tests/fixtures/go/blockprof blocks about 1 s in each of its named functions
# (a channel receive and send, a select, 3 goroutines on a mutex, an RLock, a
# Cond.Wait, a WaitGroup.Wait, a sleep, and one goroutine blocked forever)
# with runtime.SetBlockProfileRate(1), prints what it measured itself around
# each wait, and writes pprof.Lookup("block") at exit. Both profiles are read
# by the real client, one `go tool pprof` for all (go1.24's: the proto is the
# same whichever Go wrote it), and per innermost main.* frame of each sample:
#   - every function in Go's profile is in ours, with the same number of
#     waits and its delay within 10% of Go's;
#   - the same leaf functions (the blocking call a stack starts at:
#     runtime.chanrecv1, runtime.selectgo, sync.(*Mutex).Lock, ...), and
#     `-top`'s flat functions are Go's, each within 10% (-focus on main.*:
#     ours has the runtime's own goroutines' waits too, gcenable's receive
#     among them, from before the program turned Go's profile on);
#   - main.blockSleep is in ours only: time.Sleep is none of the waits Go's
#     block profile records (channels, select, semaphores, notify lists), so
#     its delay is compared with the wall time the fixture measured;
#   - main.blockForever is in neither: Go records a wait when it ends and
#     that one never does; ours holds only the waits the tracer saw end.
# Every toolchain of the suite, stripped builds on half of them (symbols
# from pclntab only), PIE on some; twice more with the profile made from the
# events in user space (--trace-json) instead of the kernel's aggregate.
# BLOCKPROF_MATRIX="go1.24/pie go1.25/dwarf@events ..." runs others.
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 is needed"
MATRIX=(go1.19/stripped go1.19/dwarf go1.21/pie go1.22/stripped go1.23/dwarf go1.24/stripped
	go1.25/pie go1.26/stripped go1.27/stripped go1.27/extld)
EVENTS_MATRIX=(go1.19/dwarf@events go1.26/stripped@events)
if [ -n "${BLOCKPROF_MATRIX:-}" ]; then
	read -ra MATRIX <<<"$BLOCKPROF_MATRIX"
	EVENTS_MATRIX=()
fi
[ -x "$T" ] || fail "$T missing: build first"

# One pprof for every profile: go1.24 still ships the binary (go1.25+ build
# it on first use), and `go tool -n` names it without running the go command
# for each read.
goroot=$CACHE/go/1.24/usr/lib/go-1.24
[ -x "$goroot/bin/go" ] || fail "MISSING toolchain: $goroot (run scripts/fixtures.sh)"
tool=$(GOROOT=$goroot GOTOOLCHAIN=local "$goroot/bin/go" tool -n pprof) || fail "no pprof in $goroot"
PPROF=(env GOROOT="$goroot" "$tool")

# The comparison (see the top of the file): ours.raw theirs.raw ours.top
# theirs.top wall.txt.
cat >"$WORK/cmp.py" <<'EOF'
import re, sys

def raw(path):
    """{innermost main.* function: [count, delay, {leaf: delay}]} from `pprof -raw`."""
    samples, locs, cur = [], {}, None
    section = None
    for line in open(path):
        line = line.rstrip("\n")
        if line in ("Samples:", "Locations", "Mappings"):
            section = line
            continue
        if section == "Samples:":
            m = re.match(r"^\s*(\d+)\s+(\d+):\s*([\d ]*)$", line)
            if m:
                samples.append((int(m.group(1)), int(m.group(2)), [int(x) for x in m.group(3).split()]))
        elif section == "Locations":
            m = re.match(r"^\s*(\d+): 0x[0-9a-f]+ M=\d+ (\S+)", line)
            if m:
                cur = int(m.group(1))
                locs[cur] = [m.group(2)]
            elif cur is not None and line.startswith("   ") and line.strip():
                locs[cur].append(line.split()[0])
    by = {}
    for count, delay, ids in samples:
        frames = [f for i in ids for f in locs.get(i, ["?"])]
        user = next((f for f in frames if f.startswith("main.")), None)
        if user is None:
            continue
        e = by.setdefault(user, [0, 0, {}])
        e[0] += count
        e[1] += delay
        e[2][frames[0]] = e[2].get(frames[0], 0) + delay
    return by

def top(path):
    """{flat function: flat ms} from `pprof -top -unit=ms`."""
    flat = {}
    for line in open(path):
        m = re.match(r"^\s*([\d.]+)ms\s+\S+%\s+\S+%\s+[\d.]+ms\s+\S+%\s+(.*?)( \(inline\))?$", line)
        if m and float(m.group(1)) > 0:
            flat[m.group(2)] = flat.get(m.group(2), 0) + float(m.group(1))
    return flat

def main():
    ours, theirs = raw(sys.argv[1]), raw(sys.argv[2])
    otop, ttop = top(sys.argv[3]), top(sys.argv[4])
    wall = {}
    for line in open(sys.argv[5]):
        f = line.split()
        if len(f) == 4 and f[0] == "wall":
            wall[f[1]] = (int(f[2]), int(f[3]))
    errs, ratios = [], []
    want = ["main.blockRecv", "main.blockSend", "main.blockSelect", "main.blockMutex",
            "main.blockRLock", "main.blockCond", "main.waitAll"]
    for f in want + ["main.blockSleep"]:
        if f not in wall:
            errs.append(f"the fixture did not report {f}")
    for f in want:
        if f not in theirs:
            errs.append(f"{f} is not in Go's profile")
    for f, (tc, td, tleaf) in sorted(theirs.items()):
        # Waits of a few microseconds (a lock taken back after Cond.Wait) are
        # noise next to the 1 s ones: compared only as a part of their function.
        if td < 50e6:
            continue
        if f not in ours:
            errs.append(f"{f}: in Go's profile ({tc} waits, {td / 1e6:.1f} ms), not in ours")
            continue
        oc, od, oleaf = ours[f]
        r = od / td
        ratios.append(r)
        sig = lambda leaves, d: sorted(k for k, v in leaves.items() if v >= 0.01 * d)
        line = (f"{f}: ours {oc} waits {od / 1e6:.1f} ms, Go's {tc} waits {td / 1e6:.1f} ms "
                f"(x{r:.4f}), leaf {','.join(sig(oleaf, od))}")
        print("    " + line)
        if abs(r - 1) > 0.10:
            errs.append(f"delay off by more than 10%: {line}")
        if oc != tc:
            errs.append(f"contention counts differ: {line}")
        if sig(oleaf, od) != sig(tleaf, td):
            errs.append(f"{f}: leaf functions {sig(oleaf, od)} in ours, {sig(tleaf, td)} in Go's")
        if f in wall and abs(td / wall[f][1] - 1) > 0.10:
            errs.append(f"{f}: Go's {td / 1e6:.1f} ms against {wall[f][1] / 1e6:.1f} ms measured")
    # Sleep: Go does not profile it; ours against the fixture's own clock.
    if "main.blockSleep" in theirs:
        errs.append("main.blockSleep is in Go's block profile: it never was")
    s = ours.get("main.blockSleep")
    if not s or "main.blockSleep" not in wall:
        errs.append("main.blockSleep is not in ours")
    else:
        r = s[1] / wall["main.blockSleep"][1]
        print(f"    main.blockSleep: ours {s[0]} waits {s[1] / 1e6:.1f} ms, measured "
              f"{wall['main.blockSleep'][1] / 1e6:.1f} ms (x{r:.4f}), leaf {','.join(sorted(s[2]))}")
        if abs(r - 1) > 0.10 or s[0] != wall["main.blockSleep"][0] or set(s[2]) != {"time.Sleep"}:
            errs.append(f"main.blockSleep: {s}")
    for name, prof in (("ours", ours), ("Go's", theirs)):
        if "main.blockForever" in prof:
            errs.append(f"main.blockForever, which never returns, is in {name}: {prof['main.blockForever']}")
    # -top: Go's flat functions (of 50 ms or more) are ours, and ours has
    # only time.Sleep besides.
    big = lambda t: {k for k, v in t.items() if v >= 50}
    if big(ttop) - big(otop) or big(otop) - big(ttop) - {"time.Sleep"}:
        errs.append(f"-top flat functions: ours {sorted(big(otop))}, Go's {sorted(big(ttop))}")
    for k in big(ttop) & big(otop):
        if abs(otop[k] / ttop[k] - 1) > 0.10:
            errs.append(f"-top {k}: flat {otop[k]} ms in ours, {ttop[k]} ms in Go's")
    print(f"  ratios {min(ratios):.4f}..{max(ratios):.4f}; -top flat: {', '.join(sorted(big(ttop)))}"
          if ratios else "  no function compared")
    if not ratios:
        errs.append("nothing compared")
    if errs:
        sys.exit("\n".join(errs))

main()
EOF

t0=$(date +%s%N)
bad=() missing=() n=0
# Entries ENTRY or ENTRY@events: the kernel's aggregate (--summary), or the
# same profile from the events in user space (--trace-json streams them).
for entry in "${MATRIX[@]}" "${EVENTS_MATRIX[@]}"; do
	fx=${entry%@events}
	tc=${fx%%/*} mode=${fx#*/}
	bin="$CACHE/fixtures/$tc/blockprof-$mode"
	how=(--summary)
	[ "$fx" = "$entry" ] || how=(--trace-json "$WORK/t.json")
	if [ ! -x "$bin" ]; then
		echo "  $entry: MISSING (run scripts/fixtures.sh)"
		missing+=("$entry")
		continue
	fi
	n=$((n + 1))
	rm -f "$WORK"/ours.pb.gz "$WORK"/theirs.pb.gz
	if ! timeout 60 "$T" "${how[@]}" --pprof "$WORK/ours.pb.gz" -o /dev/null -- "$bin" \
		-blockprofile "$WORK/theirs.pb.gz" >"$WORK/wall.txt" 2>"$WORK/t.err"; then
		echo "  $entry: FAILED: the tracer: $(tail -n 2 "$WORK/t.err")"
		bad+=("$entry")
		continue
	fi
	ok=1
	for k in ours theirs; do
		"${PPROF[@]}" -raw "$WORK/$k.pb.gz" >"$WORK/$k.raw" 2>"$WORK/pprof.err" &&
			"${PPROF[@]}" -top -unit=ms -nodefraction=0 -nodecount=100000 -focus='^main[.]' \
				"$WORK/$k.pb.gz" >"$WORK/$k.top" 2>>"$WORK/pprof.err" || {
			echo "  $entry: FAILED: go tool pprof on $k: $(tail -n 3 "$WORK/pprof.err")"
			ok=0
		}
	done
	if [ $ok = 1 ]; then
		echo "  $entry:"
		"$PY" "$WORK/cmp.py" "$WORK/ours.raw" "$WORK/theirs.raw" "$WORK/ours.top" \
			"$WORK/theirs.top" "$WORK/wall.txt" 2>"$WORK/why" || {
			sed 's/^/    FAILED: /' "$WORK/why"
			ok=0
		}
	fi
	[ $ok = 1 ] || bad+=("$entry")
done
secs=$((($(date +%s%N) - t0) / 1000000000))
why=""
[ ${#bad[@]} -eq 0 ] || why="${#bad[@]} failed: ${bad[*]}"
[ ${#missing[@]} -eq 0 ] || why="${why:+$why; }${#missing[@]} fixtures missing: ${missing[*]}"
[ -z "$why" ] || fail "$why"
pass "$n binaries in $secs s: ours has Go's block profile's functions, leaves and waits, delays within 10%"
