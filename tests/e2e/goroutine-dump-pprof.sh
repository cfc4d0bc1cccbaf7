#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-dump-pprof: `goroutine --dump -p PID --pprof FILE` against the
# runtime's own goroutine profile of the same process, both read by the real
# client: `go tool pprof` of the toolchain that built the binary (the
# program `go tool -n pprof` names, run directly).
# tests/fixtures/go/parked parks a known population and, with -pprof ADDR,
# serves pprof.Lookup("goroutine").WriteTo(w, debug) at /goroutine; nothing
# in it moves after "ready". For each binary of a matrix of toolchains and
# link modes (stripped ones included: symbols from pclntab only), ours is
# taken, then the runtime's (debug=0, the gzipped proto), and
#   - `-traces`: per distinct stack of function names (inlined ones marked as
#     pprof marks them), the counts must agree for >= 99% of the runtime's
#     goroutines (its own HTTP handler's goroutine is in its profile only);
#   - `-traces -lines`: the same, with the file:line of every main.* frame
#     in the key, so the user frames' positions must be equal too;
#   - `-top`: the totals within 1%, and every function's flat count too.
# Then the refusals: --pprof with --json, and a FILE that cannot be written
# (one line, exit 1, nothing left behind, neither FILE nor FILE.tmp).
# --dump needs no BPF, only the right to read the target's memory.
source "$(dirname "$0")/../lib.sh"
T="$BUILD/goroutine"
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 is needed"
# Oldest and newest toolchains in several modes, stripped on both ends; the others once.
# PPROF_MATRIX="go1.24/pie ..." runs others.
# Split on any blank, newlines included (read -a stops at the first newline).
# shellcheck disable=SC2206
MATRIX=(${PPROF_MATRIX:-go1.19/dwarf go1.19/stripped go1.21/pie go1.22/static go1.23/extld
	go1.24/stripped go1.25/dwarf go1.26/pie go1.27/stripped go1.27/extld})


# As goroutine-dump.sh: never a silent skip, and a failure under CI.
require_ptrace() {
	local capeff scope=0
	capeff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
	(((0x$capeff >> 19) & 1)) && return 0 # CAP_SYS_PTRACE
	[ -r /proc/sys/kernel/yama/ptrace_scope ] && scope=$(cat /proc/sys/kernel/yama/ptrace_scope)
	[ "$scope" = 0 ] && return 0
	echo "!!! [$TEST_NAME] cannot read another process: no CAP_SYS_PTRACE, ptrace_scope $scope !!!" >&2
	[ "${CI:-}" = true ] && fail "reading another process's memory is required under CI"
	exit $SKIP
}
require_ptrace
[ -x "$T" ] || fail "$T missing: build first"
command -v curl >/dev/null || fail "curl is needed (scripts/deps.sh --test)"

# The comparison of two pprof text outputs (see the top of the file).
cat >"$WORK/cmp.py" <<'EOF'
import re, sys

def traces(path, user_lines):
    """{stack key: count} from `pprof -traces [-lines]` output."""
    stacks, cur, n = {}, None, 0
    def close():
        if cur is not None:
            stacks[tuple(cur)] = stacks.get(tuple(cur), 0) + n
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("-----------+"):
            close()
            cur, n = [], 0
            continue
        if cur is None or not line.strip():
            continue
        m = re.match(r"^\s*(\d+)\s{3}(.*)$", line) if not cur else None
        if m:
            n, frame = int(m.group(1)), m.group(2)
        else:
            frame = line.strip()
        inline = frame.endswith(" (inline)")
        frame = frame[: -len(" (inline)")] if inline else frame
        if user_lines:
            parts = frame.split(" ")
            name, pos = parts[0], parts[1] if len(parts) > 1 else "?"
            # Only the user frames' positions are part of the key.
            frame = name + " " + pos if name.startswith("main.") else name
        cur.append(frame + (" (inline)" if inline else ""))
    close()
    return stacks

def top(path):
    total, flat = None, {}
    for line in open(path):
        m = re.match(r"^Showing nodes accounting for .* of (\d+) total", line)
        if m:
            total = int(m.group(1))
        m = re.match(r"^\s*(\d+)\s+\S+%\s+\S+%\s+\d+\s+\S+%\s+(.*)$", line)
        if m:
            flat[m.group(2)] = flat.get(m.group(2), 0) + int(m.group(1))
    return total, flat

def main():
    kind, ours, theirs = sys.argv[1:4]
    if kind == "top":
        (t1, f1), (t2, f2) = top(ours), top(theirs)
        if not t1 or not t2:
            sys.exit(f"top: no total line (ours {t1}, runtime's {t2})")
        off = sum(abs(f1.get(k, 0) - f2.get(k, 0)) for k in set(f1) | set(f2))
        print(f"top: total {t1} vs {t2}, flat counts off by {off}")
        if abs(t1 - t2) > 0.01 * t2 or off > 0.02 * t2:
            sys.exit("top: totals or flat counts differ by more than 1%")
        return
    a, b = traces(ours, kind == "lines"), traces(theirs, kind == "lines")
    total = sum(b.values())
    same = sum(min(a.get(k, 0), v) for k, v in b.items())
    pct = 100.0 * same / total if total else 0
    print(f"{kind}: {same} of {total} goroutines ({pct:.2f}%) in stacks of the same count, "
          f"{len(a)} vs {len(b)} stacks")
    if pct < 99:
        for k in sorted(set(a) | set(b), key=lambda k: -b.get(k, 0)):
            if a.get(k, 0) != b.get(k, 0):
                print(f"  ours {a.get(k, 0)} runtime's {b.get(k, 0)}: {' < '.join(k)}",
                      file=sys.stderr)
        sys.exit(f"{kind}: under 99%")

main()
EOF

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}


# check_binary BIN GOROOT: one line of results in RESULT; returns 1 with the
# reason on stderr.
check_binary() {
	local bin=$1 goroot=$2 addr out rc=0 _ k
	local ours="$WORK/ours.pb.gz" theirs="$WORK/runtime.pb.gz"
	local tool pprof
	# What `go tool pprof` runs (go1.25+ build it into the build cache), found
	# once: the go command's own start-up is most of a small profile's time.
	tool=$(GOROOT=$goroot GOTOOLCHAIN=local "$goroot/bin/go" tool -n pprof) || {
		echo "no pprof in $goroot" >&2
		return 1
	}
	pprof=(env GOROOT="$goroot" "$tool")
	addr="127.0.0.1:$(free_port)"
	rm -f "$ours" "$theirs"
	start_parked "$bin" -pprof "$addr" || return 1
	timeout 60 "$T" --dump -p "$PARKED_PID" --pprof "$ours" >"$WORK/dump.out" \
		2>"$WORK/dump.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "--dump --pprof: exit $rc: $(tail -n 2 "$WORK/dump.err")" >&2
		return 1
	fi
	if [ -s "$WORK/dump.out" ] || [ -e "$ours.tmp" ]; then
		echo "--dump --pprof: printed on stdout, or left $ours.tmp" >&2
		return 1
	fi
	# The server starts after "ready": try until it answers.
	for _ in $(seq 100); do
		curl -sf -o "$theirs" "http://$addr/goroutine?debug=0" && break
		sleep 0.05
	done
	stop_parked
	[ -s "$theirs" ] || {
		echo "the runtime's profile could not be fetched from $addr" >&2
		return 1
	}
	for k in ours theirs; do
		local f=$ours
		[ $k = theirs ] && f=$theirs
		"${pprof[@]}" -traces "$f" >"$WORK/$k.traces" 2>"$WORK/pprof.err" &&
			"${pprof[@]}" -traces -lines "$f" >"$WORK/$k.lines" 2>>"$WORK/pprof.err" &&
			"${pprof[@]}" -top -nodefraction=0 -nodecount=100000 "$f" >"$WORK/$k.top" \
				2>>"$WORK/pprof.err" || {
			echo "go tool pprof on $k: $(tail -n 3 "$WORK/pprof.err")" >&2
			return 1
		}
	done
	RESULT=""
	for k in traces lines top; do
		out=$("$PY" "$WORK/cmp.py" "$k" "$WORK/ours.$k" "$WORK/theirs.$k" 2>&1) || {
			echo "$out" >&2
			return 1
		}
		RESULT="${RESULT:+$RESULT; }$out"
	done
}

t0=$(date +%s%N)
bad=() missing=() n=0
for entry in "${MATRIX[@]}"; do
	tc=${entry%%/*} mode=${entry#*/}
	minor=${tc#go}
	bin="$CACHE/fixtures/$tc/parked-$mode"
	goroot="$CACHE/go/$minor/usr/lib/go-$minor"
	if [ ! -x "$bin" ] || [ ! -x "$goroot/bin/go" ]; then
		echo "  $entry: MISSING (run scripts/fixtures.sh)"
		missing+=("$entry")
		continue
	fi
	n=$((n + 1))
	if check_binary "$bin" "$goroot" 2>"$WORK/why"; then
		echo "  $entry: $RESULT"
	else
		stop_parked
		echo "  $entry: FAILED: $(cat "$WORK/why")"
		bad+=("$entry")
	fi
done

# The refusals, on the last binary that ran.
if [ -n "${bin:-}" ] && [ -x "$bin" ] && start_parked "$bin" -pprof "127.0.0.1:$(free_port)" 2>"$WORK/why"; then
	rc=0
	"$T" --dump -p "$PARKED_PID" --json --pprof "$WORK/x.pb.gz" >"$WORK/r.out" 2>"$WORK/r.err" ||
		rc=$?
	if [ "$rc" -ne 1 ] || [ "$(wc -l <"$WORK/r.err")" -ne 1 ] || [ -s "$WORK/r.out" ]; then
		bad+=("--json --pprof: exit $rc, $(wc -l <"$WORK/r.err") error lines")
	fi
	rc=0
	# root writes anywhere it may: a path under a regular file cannot be created by anyone.
	: >"$WORK/file"
	"$T" --dump -p "$PARKED_PID" --pprof "$WORK/file/x.pb.gz" >"$WORK/r.out" 2>"$WORK/r.err" ||
		rc=$?
	if [ "$rc" -ne 1 ] || [ "$(wc -l <"$WORK/r.err")" -ne 1 ] || [ -s "$WORK/r.out" ] ||
		! grep -q 'x.pb.gz' "$WORK/r.err"; then
		bad+=("unwritable FILE: exit $rc, stderr: $(head -c 300 "$WORK/r.err")")
	else
		echo "  refusals: $(cat "$WORK/r.err")"
	fi
	stop_parked
fi
secs=$((($(date +%s%N) - t0) / 1000000000))
why=""
[ ${#bad[@]} -eq 0 ] || why="${#bad[@]} failed: ${bad[*]}"
[ ${#missing[@]} -eq 0 ] || why="${why:+$why; }${#missing[@]} fixtures missing: ${missing[*]}"
[ -z "$why" ] || fail "$why"
pass "$n binaries in $secs s: go tool pprof reads --dump --pprof as the runtime's own profile (>= 99%)"
