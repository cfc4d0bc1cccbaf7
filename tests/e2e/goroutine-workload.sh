#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-workload [MINOR...]: trace tests/fixtures/go/workload, built with each
# Debian Go toolchain in each build mode, with `goroutine --json -- CMD` (the
# stripped build with `--profile` from gooffsets), and
# check the trace against what the program says about itself (runtime.Stack):
#   - every goroutine it reports has a creation event (DEAD -> RUNNABLE) with
#     its real goid and its creator's goid as parent_goid;
#   - the channel, sleep and mutex goroutines wait with the right reason;
#   - the syscall goroutine enters SYSCALL (go1.26+ through the extra probes);
#   - every event is the program's (tgid), the exit status is the program's;
#   - no goid is shown that is not known (0, or a stale one at a creation).
# A fixture that is missing is named, and fails.
source "$(dirname "$0")/../lib.sh"
require_bpf
if [ $# -gt 0 ]; then
	MINORS=("$@")
else
	mapfile -t MINORS < <(default_minors)
	# 1.19, 1.21-1.24, 1.26, 1.27 at least: a list that parsed to less checks too little.
	[ ${#MINORS[@]} -ge 7 ] || fail "DEFAULT_MINORS of fetch-go-toolchains.sh gave only: ${MINORS[*]}"
fi
MODES=(dwarf stripped static pie extld)
STATUS=7
missing=()
bad=0
runs=0

mismatch() {
	echo "MISMATCH $*" >&2
	bad=$((bad + 1))
}

for minor in "${MINORS[@]}"; do
	for mode in "${MODES[@]}"; do
		bin="$CACHE/fixtures/go$minor/workload-$mode"
		if [ ! -x "$bin" ]; then
			missing+=("$bin")
			continue
		fi
		name="go$minor/$mode"
		ev="$WORK/ev.json"
		rc=0
		# The stripped build is traced through a profile from gooffsets (typedesc
		# offsets, e.g. goid at 160 on go1.23-1.24), the others resolve on the spot.
		prof=()
		if [ "$mode" = stripped ]; then
			"$BUILD/gooffsets" "$bin" >"$WORK/p.json" 2>"$WORK/err" ||
				{ mismatch "$name: gooffsets: $(cat "$WORK/err")"; continue; }
			prof=(--profile "$WORK/p.json")
		fi
		"$BUILD/goroutine" "${prof[@]}" --json -o "$ev" -- "$bin" "$STATUS" >"$WORK/out" 2>"$WORK/err" || rc=$?
		runs=$((runs + 1))
		if [ "$rc" -ne "$STATUS" ]; then
			mismatch "$name: exit status $rc, want $STATUS: $(tail -n 3 "$WORK/err")"
			continue
		fi
		pid=$(awk '$1 == "pid" { print $2 }' "$WORK/out")
		main=$(awk '$1 == "main" { print $2 }' "$WORK/out")
		[ -n "$pid" ] && [ -n "$main" ] || { mismatch "$name: workload printed no pid/main"; continue; }
		jq -e . "$ev" >/dev/null 2>&1 || { mismatch "$name: output is not JSON lines"; continue; }
		n=$(wc -l <"$ev")
		[ "$n" -gt 20 ] || { mismatch "$name: only $n events"; continue; }
		other=$(jq_first "$ev" ".tgid != $pid")
		[ -z "$other" ] || mismatch "$name: event of another process: $other"
		nullgoid=$(jq_first "$ev" '.goid == null and .old_state != "IDLE" and .old_state != "DEAD"')
		[ -z "$nullgoid" ] || mismatch "$name: unknown goid outside a creation: $nullgoid"
		# goid 0 is never a goroutine's: a stale read shown as a fact (e.g. a fresh g's).
		zero=$(jq_first "$ev" '.goid == 0')
		[ -z "$zero" ] || mismatch "$name: goid 0 shown as known: $zero"
		for kind in chan sleep mutex syscall nested; do
			grep -q "^$kind " "$WORK/out" || mismatch "$name: the workload did not report its $kind goroutine"
		done
		# The mutex wait is named sync.Mutex.Lock from go1.20, semacquire before.
		mutex_reason='^sync\.Mutex\.Lock$'
		[ "${minor#1.}" -ge 20 ] || mutex_reason='^semacquire$'

		while read -r kind g parent; do
			case $kind in pid | main) continue ;; esac
			created=$(jq_first "$ev" ".goid == $g and .old_state == \"DEAD\" and .new_state == \"RUNNABLE\"")
			if [ -z "$created" ]; then
				mismatch "$name: no creation event with goid $g ($kind)"
				continue
			fi
			ncreated=$(jq -c "select(.goid == $g and .old_state == \"DEAD\" and .new_state == \"RUNNABLE\")" "$ev" | wc -l)
			[ "$ncreated" -eq 1 ] || mismatch "$name: $ncreated creation events with goid $g ($kind)"
			got=$(jq -r .parent_goid <<<"$created")
			[ "$got" = "$parent" ] || mismatch "$name: $kind goroutine $g: parent_goid $got, want $parent"
			case $kind in
			chan) want='^chan receive$' ;;
			sleep) want='^sleep$' ;;
			mutex) want=$mutex_reason ;;
			*) want= ;;
			esac
			if [ -n "$want" ]; then
				reasons=$(jq -r "select(.goid == $g and .new_state == \"WAITING\") | .wait_reason" "$ev")
				grep -qE "$want" <<<"$reasons" ||
					mismatch "$name: $kind goroutine $g waited for [$(tr '\n' ',' <<<"$reasons")], want $want"
			fi
			if [ "$kind" = syscall ]; then
				jq_any "$ev" ".goid == $g and .new_state == \"SYSCALL\"" ||
					mismatch "$name: syscall goroutine $g never entered SYSCALL"
			fi
		done <"$WORK/out"
		echo "  $name: $n events, exit $rc"
	done
done

if [ ${#missing[@]} -gt 0 ]; then
	printf 'MISSING fixture: %s\n' "${missing[@]}" >&2
	echo "(run scripts/fixtures.sh; it needs Debian's archive)" >&2
fi
[ "$bad" -eq 0 ] || fail "$bad mismatches in $runs traced runs"
[ "$runs" -gt 0 ] || fail "no traced run"
[ ${#missing[@]} -eq 0 ] || fail "${#missing[@]} fixtures missing (named above)"
pass "$runs traced runs: goids, parents, wait reasons, SYSCALL and exit status all right"
