#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-synctest: on go1.26+ the SYSCALL switches come from entry probes on
# reentersyscall and exitsyscall, which still call casgstatus when their raw
# CAS is not taken; inside a testing/synctest bubble they always do. Each
# switch must be shown once: a test binary (tests/fixtures/go/synctest, built
# here with `go test -c` by each cached go1.26+ toolchain) makes N write(2)
# calls in a bubble, and its goroutine must have N RUNNING -> SYSCALL and N
# SYSCALL -> RUNNING switches give or take the test harness's own, never the
# same switch twice in a row.
source "$(dirname "$0")/../lib.sh"
require_bpf
mapfile -t MINORS < <(default_minors | awk -F. '$2 >= 26')
[ ${#MINORS[@]} -ge 2 ] || fail "no go1.26+ toolchain in DEFAULT_MINORS of fetch-go-toolchains.sh"
runs=0
for minor in "${MINORS[@]}"; do
	goroot=$CACHE/go/$minor/usr/lib/go-$minor
	[ -x "$goroot/bin/go" ] || fail "MISSING fixture: Go $minor toolchain in $goroot (scripts/fixtures.sh)"
	bin=$WORK/synctest-$minor.test
	(
		cd "$SRC/tests/fixtures/go/synctest"
		export GOROOT=$goroot PATH=$goroot/bin:$PATH GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" \
			GOPROXY=off GOSUMDB=off GOENV=off GOCACHE=$CACHE/gobuild/$minor/cache \
			GOPATH=$CACHE/gobuild/$minor/gopath CGO_ENABLED=0
		go test -c -o "$bin" .
	) >"$WORK/build.log" 2>&1 || fail "go$minor: go test -c failed: $(tail -n 5 "$WORK/build.log")"
	ev=$WORK/ev-$minor.json
	rc=0
	"$BUILD/goroutine" --json -o "$ev" -- "$bin" -test.run TestSyscallsInBubble >"$WORK/out" \
		2>"$WORK/err" || rc=$?
	[ "$rc" -eq 0 ] || fail "go$minor: exit status $rc: $(tail -n 3 "$WORK/err") $(tail -n 3 "$WORK/out")"
	read -r _ g n < <(grep '^bubble ' "$WORK/out") || fail "go$minor: the test printed no 'bubble' line"
	# Per goroutine, in time order: a RUNNING <-> SYSCALL switch twice in a row is a double.
	doubles=$(jq -s --argjson g "$g" '[.[] | select(.goid == $g)] | sort_by(.ts_ns) |
		[range(1; length) as $i | select(.[$i].old_state == .[$i - 1].old_state and
			.[$i].new_state == .[$i - 1].new_state and
			([.[$i].old_state, .[$i].new_state] | sort) == ["RUNNING", "SYSCALL"])] | length' "$ev")
	enter=$(jq -s --argjson g "$g" '[.[] | select(.goid == $g and .old_state == "RUNNING" and
		.new_state == "SYSCALL")] | length' "$ev")
	leave=$(jq -s --argjson g "$g" '[.[] | select(.goid == $g and .old_state == "SYSCALL" and
		.new_state == "RUNNING")] | length' "$ev")
	[ "$doubles" -eq 0 ] || fail "go$minor: goroutine $g: $doubles switches shown twice in a row"
	# The harness's own system calls on this goroutine (a few writes of output) come on top.
	[ "$enter" -ge "$n" ] && [ "$enter" -le $((n + 20)) ] ||
		fail "go$minor: goroutine $g entered SYSCALL $enter times for $n write(2) calls"
	[ "$leave" -ge "$n" ] && [ "$leave" -le $((n + 20)) ] ||
		fail "go$minor: goroutine $g left SYSCALL $leave times for $n write(2) calls"
	echo "  go$minor: goroutine $g: $enter RUNNING->SYSCALL, $leave SYSCALL->RUNNING for $n writes"
	runs=$((runs + 1))
done
pass "$runs toolchains: SYSCALL switches in a synctest bubble shown once each"
