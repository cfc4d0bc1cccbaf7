#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-dump: `goroutine --dump -p PID`, read from outside the process,
# against the runtime's own dump of the same process. tests/fixtures/go/parked,
# built with every default toolchain in every link mode, parks a known
# population (channel, mutex, sleep, select, cond, IO) and writes
# pprof.Lookup("goroutine").WriteTo(f, 2) before it says "ready"; nothing in it
# moves after that, so the two dumps must agree. tests/e2e/godump.py compare
# (itself checked by godump-selftest) must match at least 99% of the parked
# goroutines, by goid, wait reason, innermost frame outside runtime, created-by
# function and creator goid. `--dump --json` must parse and hold as many
# goroutine records as the text. Every binary is reported, with the longest
# stall of the fixture's 1 ms ticker while the two dumps ran (its -gapfile,
# reset by SIGUSR1; reported, not judged); a missing fixture or any binary
# under 99% fails the test at the end.
# --dump needs no BPF, only the right to read the target's memory: root
# (CAP_SYS_PTRACE), or its owner where Yama's ptrace_scope is 0.
source "$(dirname "$0")/../lib.sh"
T="$BUILD/goroutine"
GODUMP="$SRC/tests/e2e/godump.py"
MODES=(dwarf stripped static pie extld)
# The interpreter itself, found once: a version manager's shim (pyenv) in front
# of it costs most of a second per call.
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 is needed"

require_ptrace
[ -x "$T" ] || fail "$T missing: build first"

# reset_gap GAPFILE: the ticker's worst lateness back to 0, waited for: the
# fixture rewrites the file when SIGUSR1 has reached it.
reset_gap() {
	local _
	rm -f "$1"
	kill -USR1 "$PARKED_PID"
	for _ in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.01
	done
	echo "the fixture did not answer SIGUSR1" >&2
	return 1
}

# check_binary BIN: one line of results in RESULT; returns 1 with the reason on
# stderr. Run in this shell, not in $(...): the fixture it starts must be one
# _cleanup and stop_parked know.
check_binary() {
	local bin=$1 want="$WORK/want.txt" got="$WORK/got.txt" json="$WORK/got.json"
	local gapfile="$WORK/gap" rc=0 out t0 ms ntext njson gap
	rm -f "$want"
	start_parked "$bin" -dump "$want" -gapfile "$gapfile" || return 1
	reset_gap "$gapfile" || return 1
	t0=$(date +%s%N)
	timeout 60 "$T" --dump -p "$PARKED_PID" >"$got" 2>"$WORK/dump.err" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$rc" -ne 0 ]; then
		echo "--dump: exit $rc: $(tail -n 2 "$WORK/dump.err")" >&2
		return 1
	fi
	rc=0
	timeout 60 "$T" --dump -p "$PARKED_PID" --json >"$json" 2>"$WORK/dump.err" || rc=$?
	# A stall shows at the ticker's next wakeup, 1 ms after it ends.
	sleep 0.01
	gap=$(cat "$gapfile")
	stop_parked
	if [ "$rc" -ne 0 ]; then
		echo "--dump --json: exit $rc: $(tail -n 2 "$WORK/dump.err")" >&2
		return 1
	fi
	rc=0
	out=$("$PY" "$GODUMP" compare --min 0.99 "$want" "$got" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$out" >&2
		return 1
	fi
	ntext=$(grep -c '^goroutine ' "$got") || true
	if ! njson=$(jq -e '.goroutines | length' "$json" 2>"$WORK/jq.err"); then
		echo "--dump --json: not a document with a goroutines array: $(head -c 200 "$json")" \
			"$(head -n 1 "$WORK/jq.err")" >&2
		return 1
	fi
	if [ "$njson" != "$ntext" ]; then
		echo "--dump --json: $njson goroutine records, the text has $ntext" >&2
		return 1
	fi
	RESULT="${out%%$'\n'*}; json $njson records; text dump in $ms ms; ticker at most $gap us late"
}

bad=() missing=() n=0
for minor in $(default_minors); do
	for mode in "${MODES[@]}"; do
		bin="$CACHE/fixtures/go$minor/parked-$mode"
		label="go$minor/parked-$mode"
		if [ ! -x "$bin" ]; then
			echo "  $label: MISSING (run scripts/fixtures.sh)"
			missing+=("$label")
			continue
		fi
		n=$((n + 1))
		if check_binary "$bin" 2>"$WORK/why"; then
			echo "  $label: $RESULT"
		else
			stop_parked
			echo "  $label: FAILED: $(cat "$WORK/why")"
			bad+=("$label")
		fi
	done
done
why=""
[ ${#bad[@]} -eq 0 ] || why="${#bad[@]} of $n binaries failed: ${bad[*]}"
[ ${#missing[@]} -eq 0 ] || why="${why:+$why; }${#missing[@]} fixtures missing: ${missing[*]}"
[ -z "$why" ] || fail "$why"
pass "$n binaries: goroutine --dump matches the runtime's own dump (>= 99%), --json as many records"
