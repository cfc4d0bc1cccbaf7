#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gooffsets-bad-input: not ELF, not Go, truncated, corrupt pclntab: each gets
# exactly one line on stderr naming the file, exit status 1, nothing on stdout,
# and never a crash (a signal would give a status above 128).
source "$(dirname "$0")/lib.sh"
GOOFFSETS="$BUILD/gooffsets"
GO_BIN="$SRC/go-server-http/main"
[ -x "$GO_BIN" ] || fail "$GO_BIN missing: build first"

d="$WORK/in"
mkdir -p "$d"
: >"$d/empty"
printf 'hello, I am text\n' >"$d/text"
mkdir "$d/directory"
cp /bin/ls "$d/ls"
head -c 100 "$GO_BIN" >"$d/go-truncated-100"
head -c $(($(stat -c %s "$GO_BIN") / 2)) "$GO_BIN" >"$d/go-truncated-half"
# Flip the pclntab magic (its first 4 bytes) where the section says it is.
cp "$GO_BIN" "$d/go-bad-magic"
off=$(readelf -SW "$GO_BIN" | gawk '$2 == ".gopclntab" { print strtonum("0x" $5) }')
[ -n "$off" ] || fail "no .gopclntab in $GO_BIN"
printf '\x00\x00\x00\x00' | dd of="$d/go-bad-magic" bs=1 seek="$off" conv=notrunc status=none
# Absurd function count right after a valid magic.
cp "$GO_BIN" "$d/go-bad-nfunc"
printf '\xff\xff\xff\xff\xff\xff\xff\x7f' | dd of="$d/go-bad-nfunc" bs=1 seek=$((off + 8)) \
	conv=notrunc status=none

n=0
for f in "$d"/* /nonexistent/file; do
	rc=0
	"$GOOFFSETS" "$f" >"$WORK/out" 2>"$WORK/err" || rc=$?
	lines=$(wc -l <"$WORK/err")
	[ "$rc" -eq 1 ] || fail "$f: exit status $rc, want 1 ($(cat "$WORK/err"))"
	[ ! -s "$WORK/out" ] || fail "$f: wrote to stdout: $(head -c 200 "$WORK/out")"
	[ "$lines" -eq 1 ] || fail "$f: $lines lines on stderr, want 1: $(cat "$WORK/err")"
	grep -qF "$f" "$WORK/err" || fail "$f: error does not name the file: $(cat "$WORK/err")"
	echo "  $(basename "$f"): $(cat "$WORK/err")"
	n=$((n + 1))
done
pass "$n bad inputs refused with one line and exit 1"
