#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-default-offset: with --default (no profile, no resolving), the
# values in the loaded BPF program's read-only data must be the go1.17
# hardcoded default: goid offset 152 and the register ABI, nothing else. Read back from the kernel
# with bpftool, not from our own output.
source "$(dirname "$0")/../lib.sh"
require_bpf

start_server
start_tracer "$WORK/events" "$WORK/tracer.err" --default -v -p "$SERVER_PID"
id=$(sed -n 's/.*BPF prog id \([0-9]*\).*/\1/p' "$WORK/tracer.err")
[ -n "$id" ] || fail "tracer did not report its BPF program id"
rodata=""
for _ in 1 2 3; do
	bpftool prog show id "$id" -j >"$WORK/prog.json" 2>&1 || true
	for m in $(grep -o '"map_ids":\[[0-9,]*\]' "$WORK/prog.json" | grep -o '[0-9]\+'); do
		# Into a variable first: grep -q exiting early would SIGPIPE bpftool (pipefail).
		info=$(bpftool map show id "$m" 2>/dev/null || true)
		if grep -q 'name [a-z_]*\.rodata' <<<"$info"; then
			rodata=$(bpftool map dump id "$m" -j)
		fi
	done
	[ -n "$rodata" ] && break
	sleep 0.2
done
[ -n "$rodata" ] || fail "no .rodata map on BPF program $id: $(head -c 300 "$WORK/prog.json");" \
	"tracer: $(tail -n 2 "$WORK/tracer.err")"
echo "$rodata" | grep -q '{"goid_offset":152}' || fail "goid_offset is not 152: $rodata"
echo "$rodata" | grep -q '{"abi":0}' || fail "ABI is not register (0): $rodata"
echo "$rodata" | grep -q '{"waitreason_offset":-1}' || fail "waitreason offset set: $rodata"
echo "$rodata" | grep -q '{"parent_goid_offset":-1}' || fail "parentGoid offset set: $rodata"
echo "$rodata" | grep -q "{\"target_tgid\":$SERVER_PID}" || fail "pid filter not set: $rodata"
http_get "$SERVER_ADDR" >/dev/null
sleep 0.2
stop_tracer
# And the default reads right on this go1.19 server: the main goroutine is 1.
awk 'NR > 1 && $3 == 1 { found = 1 } END { exit !found }' "$WORK/events" ||
	fail "goroutine 1 never seen with the default offset"
pass "kernel holds goid_offset=152, abi=register for a --default run"
