#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-dump-delve: side by side with Delve (Debian's delve, a go1.19
# build, so the go1.19 parked fixture) on the same process: the same
# goroutines (goid sets equal), and for each the same wait reason and the same
# "user" frame (Delve's: the innermost frame outside the runtime's private
# functions; our --dump --system frames read by the same rule), for >= 99%.
# And the pause each inflicts, from parked's 1 ms ticker: Delve stops the
# process (hundreds of ms here); we must stay near the idle floor: at most
# 3x the lateness the same window sees with nothing running, + 2 ms.
source "$(dirname "$0")/../lib.sh"
command -v dlv >/dev/null || fail "dlv missing (scripts/deps.sh --test installs Debian's delve)"
start_parked "$CACHE/fixtures/go1.19/parked-dwarf" -scale 2 -gapfile "$WORK/gap" ||
	fail "the fixture did not start"
pid=$PARKED_PID

# window CMD...: run CMD between a reset of the ticker's lateness and a read of it (us).
window() {
	rm -f "$WORK/gap"
	kill -USR1 "$pid"
	for _ in $(seq 200); do [ -s "$WORK/gap" ] && break; sleep 0.01; done
	sleep 0.1
	"$@"
	sleep 0.05
	cat "$WORK/gap"
}
idle=$(window sleep 0.3)
ours=$(window "$BUILD/goroutine" --dump --system --json -p "$pid" -o "$WORK/ours.json" 2>"$WORK/err") ||
	fail "goroutine --dump: $(cat "$WORK/err")"
delve=$(window sh -c "printf 'goroutines\nexit\nn\n' | timeout 120 dlv attach $pid \
	--allow-non-terminal-interactive=true >'$WORK/dlv.txt' 2>&1")
kill -0 "$pid" || fail "the fixture did not survive Delve's detach"

python3 - "$WORK/dlv.txt" "$WORK/ours.json" >"$WORK/cmp" <<'PY' || fail "$(cat "$WORK/cmp")"
import json, re, sys
dlv = {}
for m in re.finditer(r"Goroutine (\d+) - User: \S+ (\S+) \(0x[0-9a-f]+\)(?: \[([^\]]*)\])?", open(sys.argv[1]).read()):
    dlv[int(m[1])] = (m[2], (m[3] or "").split(" ")[0] if m[3] and m[3][0].isdigit() else (m[3] or ""))
ours = {}
for g in json.load(open(sys.argv[2]))["goroutines"]:
    fr = [f["func"] for f in g.get("frames", [])]
    # Delve's user frame: the first outside the runtime's private functions.
    user = next((f for f in fr if not re.match(r"runtime\.[a-z_]", f)), fr[0] if fr else None)
    ours[g["goid"]] = (user, g["status"])
if not dlv:
    sys.exit("Delve listed no goroutines: " + open(sys.argv[1]).read()[-300:])
missing, extra = sorted(set(dlv) - set(ours)), sorted(set(ours) - set(dlv))
same = [k for k in dlv if k in ours and ours[k][0] == dlv[k][0] and
        (not dlv[k][1] or ours[k][1] == dlv[k][1] or ours[k][1] in ("running", "runnable"))]
bad = [k for k in dlv if k in ours and k not in same]
print(f"{len(same)} of {len(dlv)} goroutines the same as Delve's; missing {missing[:5]}, "
      f"extra {extra[:5]}; differing e.g. {[(k, dlv[k], ours[k]) for k in bad[:3]]}")
sys.exit(0 if len(same) >= 0.99 * len(dlv) and len(missing) <= 0.01 * len(dlv) else 1)
PY
echo "  $(cat "$WORK/cmp")"
echo "  largest stall: idle ${idle} us, ours ${ours} us, Delve ${delve} us"
[ "$ours" -le $((3 * idle + 2000)) ] || fail "our dump stalled the target ${ours} us (idle ${idle} us)"
[ "$delve" -gt "$ours" ] || fail "Delve stalled it ${delve} us, ours ${ours} us: the ticker does not see stops"
pass "the same goroutines, wait reasons and user frames as Delve; Delve stops the process, we do not"
