#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gooffsets-default: the offset resolved for the bundled server (built with the
# system Go, 1.19 on Debian 12) must equal the go1.17 hardcoded default the
# tracer uses without a profile (bpf/goroutine.h), and the casgstatus address
# and file offset must equal what nm and the program headers say.
source "$(dirname "$0")/../lib.sh"
bin="$SRC/go-server-http/main"
"$BUILD/gooffsets" "$bin" >"$WORK/p.json" || fail "gooffsets failed on $bin"
default=$(gawk '/#define GOROUTINE_DEFAULT_GOID_OFFSET/ { print strtonum($3) }' "$SRC/bpf/goroutine.h")
[ -n "$default" ] || fail "no GOROUTINE_DEFAULT_GOID_OFFSET in bpf/goroutine.h"
goid=$(jq -r '.offsets.g_goid.value' "$WORK/p.json")
[ "$goid" = "$default" ] || fail "resolved goid offset $goid != hardcoded default $default"
[ "$(jq -r .abi "$WORK/p.json")" = register ] || fail "ABI is not register"

addr=$(nm "$bin" | awk '$3 == "runtime.casgstatus" { print "0x" $1 }' | sed 's/0x0*/0x/')
[ "$(jq -r '.symbols["runtime.casgstatus"].address' "$WORK/p.json")" = "$addr" ] ||
	fail "casgstatus address differs from nm ($addr)"
# File offset = vaddr - p_vaddr + p_offset of the PT_LOAD holding it.
want=$(readelf -lW "$bin" | gawk -v a="$((addr))" '$1 == "LOAD" {
	off = strtonum($2); va = strtonum($3); fs = strtonum($5)
	if (a >= va && a < va + fs) printf "0x%x\n", a - va + off }')
[ "$(jq -r '.symbols["runtime.casgstatus"].file_offset' "$WORK/p.json")" = "$want" ] ||
	fail "casgstatus file offset differs from the program headers ($want)"

# -p PID: the same profile from the running process, naming the binary, not /proc/PID/exe.
start_server
"$BUILD/gooffsets" -p "$SERVER_PID" >"$WORK/pid.json" || fail "gooffsets -p $SERVER_PID failed"
[ "$(jq -r .binary.path "$WORK/pid.json")" = "$(readlink -f "$bin")" ] ||
	fail "gooffsets -p: binary.path is $(jq -r .binary.path "$WORK/pid.json")"
diff <(jq 'del(.binary.path)' "$WORK/p.json") <(jq 'del(.binary.path)' "$WORK/pid.json") >&2 ||
	fail "gooffsets -p $SERVER_PID differs from gooffsets $bin"
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
set +e
err=$("$BUILD/gooffsets" -p "$SERVER_PID" 2>&1 >"$WORK/gone.json")
rc=$?
set -e
[ "$rc" = 1 ] && [ ! -s "$WORK/gone.json" ] && [ "$(wc -l <<<"$err")" = 1 ] ||
	fail "gooffsets -p on an exited process: rc=$rc, stderr: $err"
[[ $err == *"no process with PID $SERVER_PID"* ]] || fail "gooffsets -p: unexpected error: $err"
pass "goid offset $goid = hardcoded default; casgstatus $addr at file offset $want; -p gives the same profile"
