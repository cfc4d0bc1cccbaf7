#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-probepoint: the cheap probe point inside runtime.casgstatus (an emulated
# NOP on go1.19, instead of the single-stepped SUBQ at the entry) must see the
# same events as an entry probe. The deterministic part of pingpong under
# GOMAXPROCS=1 GOGC=off: every hand-off parks exactly one of the two
# goroutines, so the channel waits number 2N (plus two at start-up) in both
# runs, and must be equal.
source "$(dirname "$0")/../lib.sh"
require_bpf
N=20000
for minor in 1.19 1.24; do
	pp="$CACHE/fixtures/go$minor/pingpong-dwarf"
	[ -x "$pp" ] || fail "MISSING fixture: $pp (run scripts/fixtures.sh)"
	declare -A waits=()
	for where in entry auto; do
		GOMAXPROCS=1 GOGC=off "$BUILD/goroutine" -v --probe "$where" --json -o "$WORK/$where.json" \
			-- "$pp" "$N" >"$WORK/out" 2>"$WORK/err" || fail "go$minor --probe $where: $(tail -n 2 "$WORK/err")"
		grep -q '^goroutine: [0-9]* events, 0 lost$' "$WORK/err" || fail "go$minor $where: events lost"
		waits[$where]=$(jq -s '[.[] | select(.new_state == "WAITING" and
			(.wait_reason == "chan receive" or .wait_reason == "chan send"))] | length' "$WORK/$where.json")
		point=$(sed -n 's/^goroutine: runtime.casgstatus: probe at \(.*\)$/\1/p' "$WORK/err")
		echo "  go$minor --probe $where: casgstatus probe at $point, ${waits[$where]} channel waits"
	done
	[ "${waits[entry]}" = "${waits[auto]}" ] ||
		fail "go$minor: entry probe saw ${waits[entry]} channel waits, the chosen point ${waits[auto]}"
	[ "${waits[auto]}" -ge $((2 * N)) ] && [ "${waits[auto]}" -le $((2 * N + 2)) ] ||
		fail "go$minor: ${waits[auto]} channel waits for $N round trips, want 2N"
	if [ "$minor" = 1.19 ]; then
		grep -q '^goroutine: runtime.casgstatus: probe at +0x[1-9a-f][0-9a-f]* (emulated, nop)$' "$WORK/err" ||
			fail "go1.19: casgstatus not probed at an emulated NOP inside the function"
	fi
done
pass "the chosen probe point sees what the entry probe sees"
