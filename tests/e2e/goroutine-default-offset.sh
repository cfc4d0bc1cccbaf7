#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-default-offset: with --default (no profile, no resolving), the
# target's values the loaded BPF program reads (its config map entry, found by
# attach cookie; or its read-only data with --bpf-config rodata) must be the
# go1.17 hardcoded default: goid offset 152 and the register ABI, nothing
# else. Read back from the kernel with bpftool, not from our own output.
source "$(dirname "$0")/../lib.sh"
require_bpf

start_server

# config_of MODE: start the tracer with --bpf-config MODE and print the target's
# values as the kernel holds them, as JSON: the
# config map's entry 0 (--bpf-config cookie) or .rodata's target_config (rodata).
config_of() {
	local mode=$1 id m info dump name
	start_tracer "$WORK/events" "$WORK/tracer.err" --default -v --bpf-config "$mode" \
		-p "$SERVER_PID"
	id=$(sed -n 's/.*BPF prog id \([0-9]*\).*/\1/p' "$WORK/tracer.err")
	[ -n "$id" ] || fail "tracer did not report its BPF program id"
	name=config
	[ "$mode" = rodata ] && name='[a-z_]*\.rodata'
	dump=""
	for _ in 1 2 3; do
		bpftool prog show id "$id" -j >"$WORK/prog.json" 2>&1 || true
		for m in $(grep -o '"map_ids":\[[0-9,]*\]' "$WORK/prog.json" | grep -o '[0-9]\+'); do
			# Into a variable first: grep -q exiting early would SIGPIPE bpftool (pipefail).
			info=$(bpftool map show id "$m" 2>/dev/null || true)
			if grep -q "name $name\$\|name $name " <<<"$info"; then
				dump=$(bpftool map dump id "$m" -j)
			fi
		done
		[ -n "$dump" ] && break
		sleep 0.2
	done
	[ -n "$dump" ] || fail "no $name map on BPF program $id: $(head -c 300 "$WORK/prog.json");" \
		"tracer: $(tail -n 2 "$WORK/tracer.err")"
	if [ "$mode" = rodata ]; then
		jq -c '.[0].formatted.value[".rodata"][] | select(.target_config) | .target_config' \
			<<<"$dump"
	else
		jq -c '.[] | select(.formatted.key == 0) | .formatted.value' <<<"$dump"
	fi
}

for mode in cookie rodata; do
	# Into a file, not $(...): start_tracer must set TRACER_PID in this shell.
	config_of "$mode" >"$WORK/cfg"
	cfg=$(cat "$WORK/cfg")
	[ -n "$cfg" ] || fail "$mode: no target values in the kernel"
	check() { [ "$(jq -r ".$1" <<<"$cfg")" = "$2" ] || fail "$mode: $1 is not $2: $cfg"; }
	check goid_offset 152
	check abi 0
	check waitreason_offset -1
	check parent_goid_offset -1
	check target_tgid "$SERVER_PID"
	http_get "$SERVER_ADDR" >/dev/null
	sleep 0.2
	stop_tracer
	# And the default reads right on this go1.19 server: the main goroutine is 1.
	awk 'NR > 1 && $3 == 1 { found = 1 } END { exit !found }' "$WORK/events" ||
		fail "$mode: goroutine 1 never seen with the default offset"
done
pass "kernel holds goid_offset=152, abi=register for a --default run, by cookie and in rodata"
