# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh: what the shell tests share: failing with a message, refusals in one
# line, the BPF and ptrace privilege gates (loud, and a failure under CI),
# starting the bundled server on a free loopback port, plain HTTP requests, the
# parked fixture and the tracer in the background, the npm fixtures' list.
# Built on scripts/lib.sh, so tests and scripts agree on the fixture cache
# ($CACHE, from its cache_root) and speak through the same info/warn/die.
# Sourced by tests/<kind>/*.sh; $BUILD and $SRC come from CTest.
set -euo pipefail

: "${SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BUILD:=$SRC/build}"
# shellcheck source=scripts/lib.sh
source "$SRC/scripts/lib.sh"
# The fixture cache (toolchains, fixtures/go1.NN/, npm/), as scripts/fixtures.sh fills it.
# shellcheck disable=SC2034 # read by the tests that source this file
CACHE=$(cache_root)
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/gotracer-$TEST_NAME.XXXXXX")
_pids=()

_cleanup() {
	local p
	for p in "${_pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ "${KEEP_WORK:-}" = 1 ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap _cleanup EXIT

fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	exit 1
}

pass() {
	echo "PASS [$TEST_NAME]: $*"
}

# Skip code CTest recognises (SKIP_RETURN_CODE); used only outside CI.
SKIP=77

# Tests that load BPF and attach uprobes need CAP_BPF, CAP_PERFMON and, for the
# uprobes, CAP_SYS_ADMIN (goroutine-errors shows that). Never a silent skip: a loud
# line, and a failure under CI, where BPF must work.
require_bpf() {
	local capeff
	capeff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
	# CAP_SYS_ADMIN is bit 21, CAP_PERFMON bit 38, CAP_BPF bit 39.
	if (((0x$capeff >> 38 & 3) == 3)) && (((0x$capeff >> 21) & 1)); then
		return 0
	fi
	echo "!!! [$TEST_NAME] cannot load BPF: not root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN) !!!" >&2
	if [ "${CI:-}" = true ]; then
		fail "BPF is required under CI"
	fi
	exit $SKIP
}

# Reading another process's memory (--dump, snapshots) needs CAP_SYS_PTRACE, or
# being its owner where Yama's ptrace_scope is 0. Like require_bpf: never a
# silent skip, and a failure under CI.
require_ptrace() {
	local capeff scope=0
	capeff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
	# CAP_SYS_PTRACE is bit 19.
	(((0x$capeff >> 19) & 1)) && return 0
	if [ -r /proc/sys/kernel/yama/ptrace_scope ]; then
		scope=$(cat /proc/sys/kernel/yama/ptrace_scope)
	fi
	[ "$scope" = 0 ] && return 0
	echo "!!! [$TEST_NAME] cannot read another process: no CAP_SYS_PTRACE, ptrace_scope $scope !!!" >&2
	[ "${CI:-}" = true ] && fail "reading another process's memory is required under CI"
	exit $SKIP
}

# one_line NAME WANT_REGEX CMD...: CMD must refuse: exit 1, one line on stderr
# matching WANT_REGEX, nothing on stdout (no partial output presented as a result).
one_line() {
	local name=$1 want=$2 rc=0
	shift 2
	"$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$name: exit status $rc, want 1 ($(cat "$WORK/err"))"
	[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$name: not one line on stderr: $(cat "$WORK/err")"
	grep -qE -e "$want" "$WORK/err" || fail "$name: says \"$(cat "$WORK/err")\", want /$want/"
	[ ! -s "$WORK/out" ] || fail "$name: wrote to stdout: $(head -c 200 "$WORK/out")"
	echo "  $name: $(cat "$WORK/err")"
}

# default_minors: the Go minors the fixtures are built for (DEFAULT_MINORS of
# scripts/fetch-go-toolchains.sh), one a line.
default_minors() {
	sed -n 's/^DEFAULT_MINORS=(\(.*\))/\1/p' "$SRC/scripts/fetch-go-toolchains.sh" | tr ' ' '\n'
}

# start_server [ARGS...]: the bundled server on a kernel-chosen loopback port;
# sets SERVER_PID and SERVER_ADDR.
start_server() {
	local bin=${SERVER_BIN:-$SRC/go-server-http/main} out
	# A file of its own: a reused one could still hold the last server's address.
	out=$(mktemp "$WORK/server.XXXXXX")
	[ -x "$bin" ] || fail "$bin missing: build first"
	"$bin" --addr 127.0.0.1:0 "$@" >"$out" 2>&1 &
	SERVER_PID=$!
	_pids+=("$SERVER_PID")
	local _
	for _ in $(seq 100); do
		SERVER_ADDR=$(sed -n 's/^Listening on //p' "$out")
		[ -n "$SERVER_ADDR" ] && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$out" >&2
	fail "server did not start"
}

# http_get ADDR [PATH]: one request (of PATH, / by default) on its own
# connection; prints the body.
http_get() {
	local host=${1%:*} port=${1##*:} body
	exec {fd}<>"/dev/tcp/$host/$port"
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "${2:-/}" "$1" >&"$fd"
	body=$(sed '1,/^\r*$/d' <&"$fd")
	exec {fd}<&-
	printf '%s\n' "$body"
}

# start_parked BIN [ARGS...]: tests/fixtures/go/parked (BIN, one of its builds
# in $CACHE/fixtures) in the background with ARGS (-dump, -scale, -gapfile, ...)
# until it says "ready PID" (its -dump written by then); sets PARKED_PID, and
# _cleanup stops it. Returns 1 after one line on stderr: the fixture missing,
# dead, or not ready in 60 s (-scale 68, 100k goroutines, takes 2-3 s).
start_parked() {
	local bin=$1 out _
	shift
	if [ ! -x "$bin" ]; then
		echo "MISSING fixture: $bin (run scripts/fixtures.sh)" >&2
		return 1
	fi
	out=$(mktemp "$WORK/parked.XXXXXX")
	"$bin" "$@" >"$out" 2>&1 &
	PARKED_PID=$!
	_pids+=("$PARKED_PID")
	for _ in $(seq 1200); do
		grep -qx "ready $PARKED_PID" "$out" && return 0
		kill -0 "$PARKED_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "$bin did not get ready: $(tail -n 2 "$out" | tr '\n' ' ')" >&2
	return 1
}

# stop_parked [SIGNAL]: the fixture started last, ended (SIGTERM by default) and waited for.
stop_parked() {
	kill "-${1:-TERM}" "$PARKED_PID" 2>/dev/null || true
	wait "$PARKED_PID" 2>/dev/null || true
}

# npm_fixtures: the rows of tests/fixtures/npm-fixtures.tsv, one a line, tab-
# separated: PACKAGE VERSION GO_VERSION ABI BIN, BIN where
# scripts/fetch-npm-fixtures.sh unpacks the package's binary (which may be missing).
npm_fixtures() {
	local pkg ver gov abi name
	while IFS=$'\t' read -r pkg ver gov abi _; do
		case $pkg in '' | '#'* | package) continue ;; esac
		# "@esbuild/linux-x64" -> "esbuild-linux-x64", as npm names its tarball.
		name=${pkg#@}
		printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "$ver" "$gov" "$abi" \
			"$CACHE/npm/${name//\//-}-$ver/package/bin/esbuild"
	done <"$SRC/tests/fixtures/npm-fixtures.tsv"
}

# start_tracer OUT ERR ARGS...: build/goroutine in the background; waits until
# it says it is tracing (the uprobes are attached by then). Sets TRACER_PID.
start_tracer() {
	local out=$1 err=$2
	shift 2
	: >"$err" # not a previous run's "tracing" line
	"$BUILD/goroutine" "$@" >"$out" 2>"$err" &
	TRACER_PID=$!
	_pids+=("$TRACER_PID")
	local _
	for _ in $(seq 200); do
		grep -q '^goroutine: tracing ' "$err" && return 0
		if ! kill -0 "$TRACER_PID" 2>/dev/null; then
			cat "$err" >&2
			fail "tracer exited before attaching"
		fi
		sleep 0.05
	done
	fail "tracer did not attach within 10 s"
}

# stop_tracer: SIGINT, then wait; fails if the tracer does not exit 0.
stop_tracer() {
	kill -INT "$TRACER_PID"
	local rc=0
	wait "$TRACER_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "tracer exited with status $rc"
}

# jq over JSON lines without pipes (a reader that stops early would SIGPIPE jq
# and, with pipefail, fail the test): the first object matching COND, or "".
jq_first() { # FILE COND
	jq -c -s "map(select($2)) | .[0] // empty" "$1"
}

# True when any object of the JSON lines FILE matches COND.
jq_any() { # FILE COND
	jq -e -s "any(.[]; $2)" "$1" >/dev/null
}
