#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: the whole demo on a fresh Debian machine. Installs what is missing,
# builds, starts the bundled Go HTTP server on a free loopback port, traces it
# while sending a few requests, prints the goroutine events, stops everything.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: loading BPF needs root; re-running with sudo" >&2
	exec sudo -E "$0" "$@"
fi
scripts/deps.sh
scripts/build.sh

work=$(mktemp -d)
server_pid=""
tracer_pid=""
cleanup() {
	[ -n "$tracer_pid" ] && kill "$tracer_pid" 2>/dev/null || true
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

: >"$work/server.out" # exists before the background job opens it
./go-server-http/main --addr 127.0.0.1:0 >"$work/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
	grep -q '^Listening on' "$work/server.out" && break
	sleep 0.1
done
addr=$(sed -n 's/^Listening on //p' "$work/server.out")
[ -n "$addr" ] || { cat "$work/server.out" >&2; echo "demo: server did not start" >&2; exit 1; }
echo "demo: go-server-http (pid $server_pid) listening on $addr"

build/goroutine -p "$server_pid" >"$work/events" 2>"$work/tracer.err" &
tracer_pid=$!
for _ in $(seq 100); do
	[ -s "$work/events" ] && break
	kill -0 "$tracer_pid" 2>/dev/null || { cat "$work/tracer.err" >&2; exit 1; }
	sleep 0.1
done

host=${addr%:*}
port=${addr##*:}
for i in 1 2 3 4 5; do
	# Bash's /dev/tcp: one connection (and so one server goroutine) per request.
	exec 3<>"/dev/tcp/$host/$port"
	printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$addr" >&3
	body=$(tail -n 1 <&3)
	exec 3<&-
	echo "demo: request $i -> $body"
done
sleep 0.5
kill -INT "$tracer_pid"
wait "$tracer_pid" || true
tracer_pid=""

echo
cat "$work/events"
echo
cat "$work/tracer.err"
