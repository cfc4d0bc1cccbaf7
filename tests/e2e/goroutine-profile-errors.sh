#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-profile-errors: `goroutine --profile FILE` refuses a bad profile in
# exactly one line on stderr that names the file and says what is wrong (the
# key, for a malformed one), with exit status 1, before any BPF is loaded. The
# mutations start from the good profile gooffsets writes for the bundled
# server: every key removed in turn and every value given another type (both
# generated from the good profile's own keys), runtime.g offsets out of range,
# function addresses outside the text or off the entry, file offsets that do
# not go with the addresses, another binary's build id or Go version, not
# JSON, empty, too big, a directory. Those runs are made as nobody with no
# capabilities, so no BPF can be loaded whatever the tracer decides; a profile
# it accepts then ends at the kernel's refusal to load BPF, which is how the
# optional keys are seen to be optional. Last, with BPF: the good profile
# traces, and another build's profile only with --force.
# shellcheck disable=SC2016 # jq programs: their $names are jq's, not the shell's
source "$(dirname "$0")/../lib.sh"
GO_BIN="$SRC/go-server-http/main"
OTHER="$CACHE/fixtures/go1.21/hello-dwarf"
[ -x "$GO_BIN" ] || fail "$GO_BIN missing: build first"
[ -f "$OTHER" ] || fail "MISSING fixture: $OTHER (scripts/fixtures.sh)"

# What nobody may run and read: the tracer, the target, the profiles.
chmod 755 "$WORK"
cp "$BUILD/goroutine" "$GO_BIN" "$WORK/"
chmod 755 "$WORK/goroutine" "$WORK/main"
T="$WORK/goroutine"
TARGET="$WORK/main"
p="$WORK/p"
mkdir -p "$p"
chmod 755 "$p"
GOOD="$p/good.json"
"$BUILD/gooffsets" "$TARGET" >"$GOOD" || fail "gooffsets $TARGET failed"
"$BUILD/gooffsets" "$OTHER" >"$p/other.json" || fail "gooffsets $OTHER failed"

# As nobody with no capabilities when we may switch (as root), else as we are: no BPF.
unprivileged() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
			--bounding-set=-all "$@"
	else
		"$@"
	fi
}
ACCEPTED='cannot load BPF program: Operation not permitted'

n=0
# try FILE EXTRA...: the tracer on TARGET with profile FILE; sets RC and LINE.
try() {
	local f=$1
	shift
	RC=0
	unprivileged "$T" --profile "$f" --binary "$TARGET" -d 1 "$@" >"$WORK/out" 2>"$WORK/err" ||
		RC=$?
	LINE=$(head -c 400 "$WORK/err")
	[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$CASE: not one line on stderr: $LINE"
	[ ! -s "$WORK/out" ] || fail "$CASE: wrote to stdout: $(head -c 200 "$WORK/out")"
	[ "$RC" -eq 1 ] || fail "$CASE: exit status $RC, want 1: $LINE"
	n=$((n + 1))
}

# refused CASE FILE ERE [NAMED]: one line "goroutine: NAMED: ..." matching ERE; NAMED is
# the profile FILE unless said (the tracer names the binary when it checks an address).
refused() {
	local named=${4:-$2}
	CASE=$1
	try "$2"
	[[ $LINE == "goroutine: $named: "* ]] || fail "$CASE: the line does not name $named first: $LINE"
	grep -qE -- "$3" "$WORK/err" || fail "$CASE: got \"$LINE\", want /$3/"
	printf '  %-44s %s\n' "$CASE" "${LINE#"goroutine: $named: "}"
}

# malformed CASE FILE TEXT: "goroutine: FILE: malformed profile: TEXT..." (TEXT literal).
malformed() {
	CASE=$1
	try "$2"
	[[ $LINE == "goroutine: $2: malformed profile: $3"* ]] ||
		fail "$CASE: got \"$LINE\", want \"malformed profile: $3...\""
	printf '  %-44s %s\n' "$CASE" "${LINE#"goroutine: $2: malformed profile: "}"
}

# accepted CASE FILE: past every check of the profile, up to loading BPF.
accepted() {
	CASE=$1
	try "$2"
	grep -qF -- "$ACCEPTED" "$WORK/err" || fail "$CASE: refused: $LINE"
	printf '  %-44s accepted (optional)\n' "$CASE"
}

# mut NAME JQ: the good profile through a jq program, as $p/NAME.json.
mut() {
	jq "${@:3}" "$2" "$GOOD" >"$p/$1.json"
	echo "$p/$1.json"
}

# The good profile itself gets as far as BPF.
accepted "good profile" "$GOOD"

# --- every key missing, one at a time (the keys of the good profile) ----------------------
# Optional are the keys gooffsets writes only sometimes: probed functions other than
# casgstatus, a function's probe, a field's size; and the ones added for snapshots (the
# offsets beyond the first five, the variables), which older profiles lack. All the
# others are required.
# One line per key: the path as JSON, its name as the tracer writes it, optional or not.
jq -r 'def name: map(if type == "number" then "[\(.)]" else "." + . end) | join("") | ltrimstr(".");
	def optional: (.[0] == "symbols" and length == 2 and .[1] != "runtime.casgstatus")
		or (.[0] == "symbols" and length == 3 and .[2] == "probe")
		or (.[0] == "offsets" and length == 3 and .[2] == "size")
		or (.[0] == "offsets" and length == 2 and
			([.[1]] | inside(["g_goid", "g_atomicstatus", "g_waitreason",
				"g_parent_goid", "g_m"]) | not))
		or (.[0] == "variables" and length <= 2);
	paths | select(.[-1] | type == "string") | [tojson, name, optional] | @tsv' "$GOOD" >"$WORK/keys"
[ "$(wc -l <"$WORK/keys")" -gt 60 ] || fail "only $(wc -l <"$WORK/keys") keys in $GOOD"
i=0
while IFS=$'\t' read -r path k opt; do
	i=$((i + 1))
	f=$(mut "missing-$i" 'delpaths([$p])' --argjson p "$path")
	if [ "$opt" = true ]; then
		accepted "missing $k" "$f"
	else
		malformed "missing $k" "$f" "missing key $k"
		[ "$LINE" = "goroutine: $f: malformed profile: missing key $k" ] ||
			fail "missing $k: more than the key: $LINE"
	fi
done <"$WORK/keys"

# --- every value of another type -------------------------------------------------------------
retype='def other: if type == "number" then tostring elif type == "string" then 4096
	elif type == "boolean" then "yes" elif type == "null" then "null"
	elif type == "array" then {} else [] end;'
jq -r "$retype"'def name: map(if type == "number" then "[\(.)]" else "." + . end) | join("")
		| ltrimstr(".");
	. as $all | paths as $p | getpath($p) as $v
		| [($p | tojson), ($p | name), ($v | type), ($v | other | type)] | @tsv' "$GOOD" \
	>"$WORK/paths"
i=0
while IFS=$'\t' read -r path k from to; do
	i=$((i + 1))
	f=$(mut "type-$i" "$retype"' setpath($p; getpath($p) | other)' --argjson p "$path")
	malformed "$k: $from -> $to" "$f" "$k: "
done <"$WORK/paths"

# --- runtime.g offsets out of range (runtime.g is well under 1 KiB) ------------------------
for field in g_goid g_atomicstatus g_waitreason g_parent_goid g_m; do
	for v in -1 -8 1024 4096 1e18 1e300 152.5; do
		f=$(mut "off-$field-$v" '.offsets[$k].value = ($v | tonumber) | .offsets[$k].source = "dwarf"' \
			--arg k "$field" --arg v "$v")
		malformed "offsets.$field.value $v" "$f" "offsets.$field.value: "
	done
done
malformed "goid null" "$(mut goid-null '.offsets.g_goid.value = null')" \
	"offsets.g_goid.value: null, but the tracer cannot do without it"
malformed "goid source none" "$(mut goid-none '.offsets.g_goid.source = "none"')" \
	'offsets.g_goid.source: "none" for a value'
malformed "goid source unknown" "$(mut goid-src '.offsets.g_goid.source = "guess"')" \
	'offsets.g_goid.source: "guess" is not one of none, dwarf'
malformed "parentGoid null from dwarf" "$(mut parent-src '.offsets.g_parent_goid.source = "dwarf"')" \
	'offsets.g_parent_goid.source: "dwarf" for no value'
for v in 0 9 4096; do
	malformed "goid size $v" "$(mut "size-$v" '.offsets.g_goid.size = ($v | tonumber)' --arg v $v)" \
		"offsets.g_goid.size: $v is outside 1..8"
done

# --- function addresses --------------------------------------------------------------------
# $shift_fn: every address and file offset of the function $f moved by $by bytes, the
# function kept consistent with itself.
shift_fn='def hex: tonumber as $n | [range(15; -1; -1) as $i | ($n / pow(16; $i) | floor) % 16
		| "0123456789abcdef"[.:. + 1]] | join("") | sub("^0+(?=.)"; "") | "0x" + .;
	def num: ltrimstr("0x") | explode | reduce .[] as $c (0; . * 16 +
		(if $c >= 97 then $c - 87 elif $c >= 65 then $c - 55 else $c - 48 end));
	def mv: (num + $by) | hex;
	.symbols[$f] |= (.address |= mv | .file_offset |= mv | .end |= mv
		| .probe.address |= mv | .probe.file_offset |= mv)'
moved() { # NAME FUNC BY
	mut "$1" "$shift_fn" --arg f "$2" --argjson by "$3"
}
cas=runtime.casgstatus
text=$(jq -r .pclntab.text_start "$GOOD")
addr=$(jq -r ".symbols[\"$cas\"].address" "$GOOD")
[ "$(jq -c "$shift_fn" --arg f $cas --argjson by 0 "$GOOD")" = "$(jq -c . "$GOOD")" ] ||
	fail "the jq address arithmetic does not round-trip"
# 16 bytes below the text start (file offsets stay positive).
below() { echo $((text - $(jq -r ".symbols[\"$1\"].address" "$GOOD") - 16)); }
malformed "casgstatus below the text" "$(moved cas-below $cas "$(below $cas)")" \
	"symbols.$cas.address: $(printf 0x%x $((text - 16))) is below the text start $text"
malformed "reentersyscall below the text (not probed)" \
	"$(moved reenter-below runtime.reentersyscall "$(below runtime.reentersyscall)")" \
	"symbols.runtime.reentersyscall.address: $(printf 0x%x $((text - 16))) is below the text start"
# Past the text, or inside a function: only the binary itself can tell, and the tracer asks it.
refused "casgstatus past the text" "$(moved cas-past $cas $((0x10000000)))" \
	"the profile's $cas at $(printf 0x%x $((addr + 0x10000000))) \(file offset 0x[0-9a-f]+\) is not its entry in $TARGET \($addr, file offset 0x[0-9a-f]+\); refusing to probe"
refused "casgstatus entry + 1" "$(moved cas-plus1 $cas 1)" \
	"the profile's $cas at $(printf 0x%x $((addr + 1))) .* is not its entry in $TARGET"
refused "newproc entry + 4 (probed: no parentGoid)" "$(moved newproc-plus4 runtime.newproc 4)" \
	"the profile's runtime.newproc at 0x[0-9a-f]+ .* is not its entry in $TARGET"
refused "reentersyscall past the text (not probed)" \
	"$(moved reenter-past runtime.reentersyscall $((0x10000000)))" \
	"the profile's runtime.reentersyscall at 0x[0-9a-f]+ .* is not its entry in $TARGET"
f=$(mut cas-foff "$shift_fn"' | .symbols[$f].address |= ($a) | .symbols[$f].end |= ($e)
	| .symbols[$f].probe.address |= ($pa)' --arg f $cas --argjson by $((0x1000)) \
	--arg a "$addr" --arg e "$(jq -r ".symbols[\"$cas\"].end" "$GOOD")" \
	--arg pa "$(jq -r ".symbols[\"$cas\"].probe.address" "$GOOD")")
[ "$(jq -r ".symbols[\"$cas\"].file_offset" "$f")" != "$(jq -r ".symbols[\"$cas\"].file_offset" "$GOOD")" ] ||
	fail "file offset not moved"
refused "casgstatus file_offset + 0x1000" "$f" \
	"the profile's $cas at $addr \(file offset 0x[0-9a-f]+\) is not its entry .*refusing to probe"
malformed "probe file_offset off its address" \
	"$(mut probe-foff '.symbols[$f].probe.file_offset = "0x10"' --arg f $cas)" \
	"symbols.$cas.probe.file_offset: 0x10 does not go with its address"
malformed "probe outside the function" \
	"$(mut probe-out '.symbols[$f].probe.address = .symbols[$f].end' --arg f $cas)" \
	"symbols.$cas.probe.address: "
malformed "end at the address" "$(mut end-eq '.symbols[$f].end = .symbols[$f].address' --arg f $cas)" \
	"symbols.$cas.end: "
malformed "address 0" "$(mut addr-0 '.symbols[$f].address = "0x0"' --arg f $cas)" \
	"symbols.$cas.address: 0"
for h in 0x '0xg1' '0x-1' '0x 10' 0x10000000000000000 4096 '0x43af40 '; do
	malformed "address \"$h\"" "$(mut "hex-$n" '.symbols[$f].address = $h' --arg f $cas --arg h "$h")" \
		"symbols.$cas.address: not a \"0x...\" hex number"
done
malformed "function source dwarf" "$(mut fn-src '.symbols[$f].source = "dwarf"' --arg f $cas)" \
	"symbols.$cas.source: \"dwarf\" is not one of pclntab, symtab"

# --- another binary, another version, other values ------------------------------------------
other_id=$(jq -r .binary.build_id "$p/other.json")
own_id=$(jq -r .binary.build_id "$GOOD")
own_ver=$(jq -r .binary.go_version "$GOOD")
[ "$other_id" != "$own_id" ] || fail "$OTHER has the build id of $GO_BIN"
OTHER_ID=$(mut other-id '.binary.build_id = $id' --arg id "$other_id")
refused "build id of another binary" "$OTHER_ID" \
	"profile does not match: was made for build id $other_id, the binary has $own_id \(--force to use it anyway\)"
refused "other's profile whole" "$p/other.json" "profile does not match: was made for build id"
refused "own build id, Go version of another" "$(mut own-id-other-ver '.binary.go_version = "go1.21.13"')" \
	"profile does not match: was made for Go version go1.21.13, the binary has $own_ver"
refused "no build id, Go version of another" \
	"$(mut other-ver '.binary.build_id = "" | .binary.go_version = "go1.21.13"')" \
	"profile does not match: was made for Go version go1.21.13, the binary has $own_ver"
malformed "arch riscv64" "$(mut arch '.binary.arch = "em243"')" \
	'binary.arch: "em243" is not one of x86_64, aarch64'
malformed "abi fastcall" "$(mut abi '.abi = "fastcall"')" 'abi: "fastcall" is not one of register, stack'
malformed "schema_version 2" "$(mut schema2 '.schema_version = 2')" 'schema_version: 2, this tracer reads 1'
malformed "schema_version 1.5" "$(mut schema15 '.schema_version = 1.5')" 'schema_version: 1.5 is not an integer'
malformed "pclntab.version 117" "$(mut pcv '.pclntab.version = 117')" 'pclntab.version: 117 is not'
malformed "path too long" "$(mut longpath '.binary.path = ("x" * 5000)')" 'binary.path: longer than 4095 bytes'
malformed "17 gstatus names" "$(mut gst '.semantics.gstatus = [range(17) | "S\(.)"]')" \
	'semantics.gstatus: more than 16 entries'
malformed "a 40-byte wait reason" "$(mut wr '.semantics.waitreasons[1] = ("w" * 40)')" \
	'semantics.waitreasons[1]: not a string of at most 39 bytes'
malformed "9 warnings" "$(mut warn '.warnings = [range(9) | "w"]')" 'warnings: more than 8 entries'

# --- not a profile at all --------------------------------------------------------------------
printf 'hello, I am not JSON\n' >"$p/text.json"
malformed "text" "$p/text.json" "not valid JSON"
head -c 500 "$GOOD" >"$p/half.json"
malformed "first 500 bytes" "$p/half.json" "not valid JSON"
cat "$GOOD" "$GOOD" >"$p/twice.json"
malformed "two profiles in one file" "$p/twice.json" "not valid JSON: more after the object"
echo '[1, 2]' >"$p/array.json"
malformed "an array" "$p/array.json" "not a JSON object"
: >"$p/empty.json"
malformed "empty file" "$p/empty.json" "empty, not JSON"
{
	cat "$GOOD"
	head -c $((2 << 20)) /dev/zero | tr '\0' ' '
} >"$p/big.json"
refused "2 MiB (valid JSON, padded)" "$p/big.json" "not a regular file of at most 1 MiB$"
mkdir "$p/dir.json"
refused "a directory" "$p/dir.json" "not a regular file of at most 1 MiB$"
refused "no such file" "$p/nonexistent.json" "No such file or directory$"

echo "  ($n refusals and acceptances checked without BPF)"

# --- with BPF: the good profile traces; another build's only with --force -----------------------
require_bpf
traced() { # CASE ARGS...: exit 0, tracing
	local rc=0
	CASE=$1
	shift
	"$BUILD/goroutine" --binary "$TARGET" -d 1 "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" -eq 0 ] || fail "$CASE: exit status $rc: $(head -c 400 "$WORK/err")"
	grep -q '^goroutine: tracing ' "$WORK/err" || fail "$CASE: no tracing line: $(cat "$WORK/err")"
}
traced "good profile" --profile "$GOOD"
if grep -q warning "$WORK/err"; then fail "good profile: warned: $(cat "$WORK/err")"; fi
traced "another build's, --force" --profile "$OTHER_ID" --force
grep -qE "^goroutine: $OTHER_ID: warning: profile was made for build id $other_id, the binary has $own_id \(--force\)$" \
	"$WORK/err" || fail "--force: no warning line naming both build ids: $(cat "$WORK/err")"
pass "$n bad profiles refused in one line with exit 1 and no BPF; --force overrides the build id"
