#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gooffsets-bad-input: a corpus of bad binaries. Not ELF, not Go, another
# architecture, truncated at every section boundary, a corrupt pclntab header or
# function table, a corrupt runtime.g in DWARF. A refusal is exactly one line on
# stderr naming the file and saying the problem (checked against the expected
# one), exit status 1, nothing on stdout; a corruption the resolver can route
# around (DWARF -> type descriptors, a pclntab field moduledata overrides) must
# give the very profile of the intact binary and say where the values came
# from. Every run: no signal, under 1 s. The table printed at the end is the
# case, the time and the line.
source "$(dirname "$0")/../lib.sh"
GOOFFSETS="$BUILD/gooffsets"
GO_BIN="$SRC/go-server-http/main"
GO=${GO:-go}
[ -x "$GO_BIN" ] || fail "$GO_BIN missing: build first"
command -v "$GO" >/dev/null || fail "no go toolchain ($GO): scripts/deps.sh installs golang-go"
STRIPPED="$CACHE/fixtures/go1.27/hello-stripped"
EXTLD="$CACHE/fixtures/go1.23/hello-extld"
for f in "$STRIPPED" "$EXTLD"; do
	[ -f "$f" ] || fail "MISSING fixture: $f (scripts/fixtures.sh)"
done

d="$WORK/in"
mkdir -p "$d"
n=0
table="$WORK/table"
: >"$table"

# --- helpers ---------------------------------------------------------------------------------

# Microseconds since the epoch (EPOCHREALTIME's separator follows the locale).
now_us() { echo "${EPOCHREALTIME//[.,]/}"; }

# run FILE: gooffsets FILE into $WORK/out and $WORK/err; sets RC and MS. No signal, < 1 s.
run() {
	local t0 t1
	RC=0
	t0=$(now_us)
	"$GOOFFSETS" "$1" >"$WORK/out" 2>"$WORK/err" || RC=$?
	t1=$(now_us)
	MS=$(((t1 - t0) / 1000))
	[ "$RC" -lt 128 ] || fail "$1: killed by signal $((RC - 128)): $(head -c 300 "$WORK/err")"
	[ $((t1 - t0)) -lt 1000000 ] || fail "$1: took $MS ms, the limit is 1 s"
}

# refused NAME FILE ERE: one line "gooffsets: FILE: ..." matching ERE, exit 1, empty stdout.
refused() {
	local name=$1 f=$2 want=$3 line lines
	run "$f"
	line=$(head -c 400 "$WORK/err")
	[ "$RC" -eq 1 ] || fail "$name: exit status $RC, want 1 ($line)"
	[ ! -s "$WORK/out" ] || fail "$name: wrote to stdout: $(head -c 200 "$WORK/out")"
	lines=$(wc -l <"$WORK/err")
	[ "$lines" -eq 1 ] || fail "$name: $lines lines on stderr, want 1: $line"
	[[ $line == "gooffsets: $f: "* ]] || fail "$name: the line does not name the file first: $line"
	grep -qE -- "$want" "$WORK/err" || fail "$name: got \"$line\", want /$want/"
	printf '  %-46s %4d ms  %s\n' "$name" "$MS" "${line#"gooffsets: $f: "}" >>"$table"
	n=$((n + 1))
}

# The profile minus what may differ between a binary and its damaged copy.
comparable() { jq -S 'del(.binary.path, .warnings) | .offsets |= map_values(del(.source))' "$1"; }

# recovered NAME FILE REF JQ WARN: exit 0 and the profile of REF (the intact binary's
# profile) in every value; JQ, run on the profile, must print true (where the values came
# from); WARN: an ERE one of the "gooffsets: warning: FILE: ..." lines must match, or ""
# for a silent run.
recovered() {
	local name=$1 f=$2 ref=$3 cond=$4 warn=$5 line
	run "$f"
	line=$(head -c 400 "$WORK/err")
	[ "$RC" -eq 0 ] || fail "$name: exit status $RC, want 0 (a correct profile): $line"
	comparable "$ref" >"$WORK/want"
	comparable "$WORK/out" >"$WORK/got"
	diff -u "$WORK/want" "$WORK/got" >"$WORK/diff" ||
		fail "$name: profile differs from the intact binary's: $(tr '\n' ' ' <"$WORK/diff")"
	[ "$(jq "$cond" "$WORK/out")" = true ] ||
		fail "$name: want $cond, profile offsets: $(jq -c .offsets "$WORK/out")"
	if [ -z "$warn" ]; then
		[ ! -s "$WORK/err" ] || fail "$name: unexpected stderr: $line"
	else
		grep -qE -- "^gooffsets: warning: $f: .*$warn" "$WORK/err" ||
			fail "$name: no warning /$warn/ on stderr: $line"
		if grep -qv -- "^gooffsets: warning: $f: " "$WORK/err"; then
			fail "$name: stderr has more than warnings naming the file: $line"
		fi
	fi
	printf '  %-46s %4d ms  ok: %s\n' "$name" "$MS" \
		"$(jq -r '"goid \(.offsets.g_goid.value) (\(.offsets.g_goid.source))"' "$WORK/out")${warn:+, warns}" \
		>>"$table"
	n=$((n + 1))
}

# rd FILE OFF WIDTH: unsigned little-endian integer. wr FILE OFF WIDTH VALUE: write one.
rd() { od -An -t "u$3" -j "$2" -N "$3" "$1" | tr -d ' '; }
wr() {
	local f=$1 off=$2 w=$3 v=$4 i s=""
	for ((i = 0; i < w; i++)); do s+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255))); done
	printf '%b' "$s" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# sec FILE NAME FIELD: a section's file offset (FIELD=off) or size (FIELD=size), in decimal.
sec() {
	readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] //p' |
		gawk -v n="$2" -v f="$3" '$1 == n && !done { print strtonum("0x" (f == "off" ? $4 : $5)); done = 1 }'
}

# mutate NAME SRC OFF WIDTH VALUE: a copy of SRC named NAME with one integer rewritten.
mutate() {
	cp "$2" "$d/$1"
	wr "$d/$1" "$3" "$4" "$5"
	echo "$d/$1"
}

# --- not ELF, not Go, missing --------------------------------------------------------------
: >"$d/empty"
printf 'hello, I am text\n' >"$d/text"
mkdir "$d/directory"
cp /bin/ls "$d/ls"
printf 'hello\n' >"$d/payload"
refused empty "$d/empty" '^gooffsets: .*: not an ELF file$'
refused text "$d/text" ': not an ELF file$'
refused directory "$d/directory" ': Is a directory$'
refused nonexistent /nonexistent/file ': No such file or directory$'
refused "ls (ELF, not Go)" "$d/ls" ': not a Go executable'
objcopy -I binary -O elf64-x86-64 "$d/payload" "$d/elf64-x86-64-data"
refused "x86-64 object, no code" "$d/elf64-x86-64-data" ': not a Go executable'

# --- other architectures ---------------------------------------------------------------------
# Supported: x86_64, and aarch64 as far as the format goes (gooffsets-fixtures checks an
# arm64 build). 32-bit and big-endian ELF is refused by the ELF reader; a 64-bit
# little-endian Go binary of another machine by the resolver, which knows only those two.
for arch in 386 arm s390x ppc64 riscv64 ppc64le; do
	(cd "$SRC/tests/fixtures/go/hello" && GOARCH=$arch CGO_ENABLED=0 GOTOOLCHAIN=local \
		GOFLAGS=-mod=mod "$GO" build -o "$d/hello-$arch" .) 2>"$WORK/build.err" ||
		fail "GOARCH=$arch go build: $(cat "$WORK/build.err")"
done
for arch in 386 arm s390x ppc64; do
	refused "Go $arch" "$d/hello-$arch" ': not a 64-bit little-endian ELF file$'
done
refused "Go riscv64" "$d/hello-riscv64" ': ELF machine 243 \(riscv64\) is not supported'
refused "Go ppc64le" "$d/hello-ppc64le" ': ELF machine 21 \(ppc64\) is not supported'
for fmt in elf32-i386 elf32-x86-64 elf64-big; do
	objcopy -I binary -O "$fmt" "$d/payload" "$d/$fmt-data"
	refused "non-Go $fmt object" "$d/$fmt-data" ': not a 64-bit little-endian ELF file$'
done
objcopy -I binary -O elf64-little "$d/payload" "$d/elf64-little-data"
refused "non-Go elf64 no machine" "$d/elf64-little-data" ': ELF machine 0 \(unknown\) is not supported'

# --- truncated -------------------------------------------------------------------------------
# At the start and the end of every section with file data, in the bundled server (go1.19,
# DWARF, section headers first), a stripped go1.27 build and an external link (section
# headers last), and one byte short of the whole. The ELF reader refuses any file whose
# section or PT_LOAD headers describe bytes it does not have, so every cut is "file is
# truncated", also the ones that keep all the resolver reads: a cut file is a broken copy,
# and its profile would describe a binary nobody runs.
head -c 100 "$GO_BIN" >"$d/go-truncated-100"
head -c $(($(stat -c %s "$GO_BIN") / 2)) "$GO_BIN" >"$d/go-truncated-half"
refused "truncated at 100 bytes" "$d/go-truncated-100" ': file is truncated$'
refused "truncated at half" "$d/go-truncated-half" ': file is truncated$'
for bin in "$GO_BIN" "$STRIPPED" "$EXTLD"; do
	size=$(stat -c %s "$bin")
	label=$(basename "$(dirname "$bin")")/$(basename "$bin")
	readelf -SW "$bin" | sed -n 's/^ *\[ *[0-9]*\] //p' |
		gawk '$2 != "NOBITS" && $2 != "NULL" && $1 != "" {
			o = strtonum("0x" $4); s = strtonum("0x" $5)
			print o, $1; print o + s, $1 "+end" }' >"$WORK/bounds"
	echo "$((size - 1)) size-1" >>"$WORK/bounds"
	# Longest cut first: each truncates the same copy a little further.
	sort -k1,1nr -u "$WORK/bounds" >"$WORK/cuts"
	cut="$d/cut-$(basename "$bin")"
	cp "$bin" "$cut"
	cuts=0
	while read -r off what; do
		if [ "$off" -eq 0 ] || [ "$off" -ge "$size" ]; then continue; fi
		truncate -s "$off" "$cut"
		refused "$label cut at $what" "$cut" ': file is truncated$'
		cuts=$((cuts + 1))
	done <"$WORK/cuts"
	[ "$cuts" -ge 15 ] || fail "$bin: only $cuts section boundaries: readelf output changed?"
done

# --- pclntab: header counts and offsets, the function table ----------------------------------
P=$(sec "$GO_BIN" .gopclntab off)
P_SIZE=$(sec "$GO_BIN" .gopclntab size)
[ -n "$P" ] || fail "no .gopclntab in $GO_BIN"
magic=$(rd "$GO_BIN" "$P" 4)
# The go1.18+ header: magic, 0, 0, quantum, ptrsize, then 8-byte words nfunc, nfiles,
# textStart, funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset.
[ "$magic" = $((0xfffffff0)) ] || [ "$magic" = $((0xfffffff1)) ] ||
	fail "$GO_BIN: pclntab magic $(printf 0x%x "$magic"), not go1.18+: rebuild it with go1.19+"
"$GOOFFSETS" "$GO_BIN" >"$WORK/pristine.json" 2>"$WORK/err" || fail "$GO_BIN: $(cat "$WORK/err")"
hw() { echo $((P + 8 + 8 * $1)); } # header word i
nfunc=$(rd "$GO_BIN" "$(hw 0)" 8)
text=$(rd "$GO_BIN" "$(hw 2)" 8)
pcln=$(rd "$GO_BIN" "$(hw 7)" 8)
FT=$((P + pcln)) # the function table: nfunc {entry, funcoff} u32 pairs, then the end pc
cas=$(nm "$GO_BIN" | gawk '$3 == "runtime.casgstatus" { print strtonum("0x" $1) }')
[ -n "$cas" ] || fail "$GO_BIN: nm finds no runtime.casgstatus"
idx=$(od -An -v -t u4 -w8 -j "$FT" -N $((8 * nfunc)) "$GO_BIN" |
	gawk -v e=$((cas - text)) '$1 == e && !done { print NR - 1; done = 1 }')
[ -n "$idx" ] || fail "runtime.casgstatus not in the function table"
funcoff=$(rd "$GO_BIN" $((FT + 8 * idx + 4)) 4)
rec=$((FT + funcoff)) # its _func: entry u32, nameoff i32, ...
nextpc=$(rd "$GO_BIN" $((FT + 8 * idx + 8)) 4)

big=$((0x7fffffffffffffff))
refused "pclntab magic zeroed" "$(mutate magic "$GO_BIN" "$P" 4 0)" \
	': Go pclntab: unrecognized Go binary format$'
refused "pclntab quantum 3" "$(mutate quantum "$GO_BIN" $((P + 6)) 1 3)" \
	': Go pclntab: unrecognized Go binary format$'
refused "pclntab ptrsize 2" "$(mutate ptrsize "$GO_BIN" $((P + 7)) 1 2)" \
	': Go pclntab: unrecognized Go binary format$'
refused "pclntab nfunc absurd" "$(mutate nfunc-absurd "$GO_BIN" "$(hw 0)" 8 $big)" \
	': Go pclntab: file is truncated$'
refused "pclntab nfunc 0" "$(mutate nfunc-0 "$GO_BIN" "$(hw 0)" 8 0)" \
	': Go pclntab: corrupt Go runtime metadata$'
refused "pclntab nfunc + 1" "$(mutate nfunc-plus "$GO_BIN" "$(hw 0)" 8 $((nfunc + 1)))" \
	': pclntab: corrupt Go runtime metadata$'
refused "pclntab nfunc short of casgstatus" "$(mutate nfunc-short "$GO_BIN" "$(hw 0)" 8 "$idx")" \
	': runtime.casgstatus not found in pclntab$'
refused "pclntab nfiles absurd" "$(mutate nfiles "$GO_BIN" "$(hw 1)" 8 $big)" \
	': Go pclntab: corrupt Go runtime metadata$'
refused "pclntab funcnametab past end" "$(mutate funcname "$GO_BIN" "$(hw 3)" 8 $((P_SIZE + 1)))" \
	': Go pclntab: file is truncated$'
refused "pclntab cutab past end" "$(mutate cutab "$GO_BIN" "$(hw 4)" 8 $((1 << 40)))" \
	': Go pclntab: file is truncated$'
refused "pclntab filetab before header" "$(mutate filetab "$GO_BIN" "$(hw 5)" 8 8)" \
	': Go pclntab: corrupt Go runtime metadata$'
refused "pclntab pctab past end" "$(mutate pctab "$GO_BIN" "$(hw 6)" 8 $big)" \
	': Go pclntab: file is truncated$'
refused "pclntab functab past end" "$(mutate functab "$GO_BIN" "$(hw 7)" 8 $((P_SIZE + 1)))" \
	': Go pclntab: file is truncated$'
refused "pclntab functab misaligned" "$(mutate functab-8 "$GO_BIN" "$(hw 7)" 8 $((pcln + 8)))" \
	': pclntab: corrupt Go runtime metadata$'
refused "ftab: casgstatus entry unsorted" "$(mutate ft-unsorted "$GO_BIN" $((FT + 8 * idx)) 4 $((0x7fffffff)))" \
	': pclntab: corrupt Go runtime metadata$'
refused "ftab: casgstatus entry moved" "$(mutate ft-moved "$GO_BIN" $((FT + 8 * idx)) 4 $((cas - text + 4)))" \
	': pclntab, looking up runtime.casgstatus: corrupt Go runtime metadata$'
refused "ftab: casgstatus funcoff outside" "$(mutate ft-funcoff "$GO_BIN" $((FT + 8 * idx + 4)) 4 $((0xfffffff0)))" \
	': pclntab, looking up runtime.casgstatus: corrupt Go runtime metadata$'
refused "ftab: casgstatus zero-length" "$(mutate ft-empty "$GO_BIN" $((FT + 8 * idx + 8)) 4 $((cas - text)))" \
	': runtime.casgstatus has no code in pclntab$'
refused "ftab: end pc 0" "$(mutate ft-end "$GO_BIN" $((FT + 8 * nfunc)) 4 0)" \
	': pclntab: corrupt Go runtime metadata$'
refused "_func: casgstatus entry differs" "$(mutate func-entry "$GO_BIN" "$rec" 4 $((cas - text + 4)))" \
	': pclntab, looking up runtime.casgstatus: corrupt Go runtime metadata$'
refused "_func: casgstatus name outside" "$(mutate func-name "$GO_BIN" $((rec + 4)) 4 $((0x7ffffff0)))" \
	': pclntab, looking up runtime.casgstatus: corrupt Go runtime metadata$'
[ "$nextpc" -gt $((cas - text)) ] || fail "casgstatus's successor starts at $nextpc"
# Fields the resolver does not need from the header: the profile is the intact one.
recovered "pclntab textStart 0" "$(mutate textstart-0 "$GO_BIN" "$(hw 2)" 8 0)" \
	"$WORK/pristine.json" '.pclntab.text_start == "'"$(printf 0x%x "$text")"'"' ""
recovered "pclntab textStart wrong" "$(mutate textstart-x "$GO_BIN" "$(hw 2)" 8 $((text - 0x1000)))" \
	"$WORK/pristine.json" '.pclntab.text_start == "'"$(printf 0x%x "$text")"'"' ""
recovered "pclntab nfiles 0" "$(mutate nfiles-0 "$GO_BIN" "$(hw 1)" 8 0)" \
	"$WORK/pristine.json" 'true' ""

# --- DWARF: a broken runtime.g ---------------------------------------------------------------
# Uncompressed DWARF, so the runtime.g DIE can be edited in place. DWARF is the first
# source; when it is broken the type descriptors answer, with the very same values, and the
# profile says so. Where DWARF is wrong yet plausible, the type descriptors and the offsets
# table outvote it; with no table row to decide, the binary is refused.
plain="$d/hello-plain"
(cd "$SRC/tests/fixtures/go/hello" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
	"$GO" build -ldflags=-compressdwarf=false -o "$plain" .) 2>"$WORK/build.err" ||
	fail "go build -ldflags=-compressdwarf=false: $(cat "$WORK/build.err")"
"$GOOFFSETS" "$plain" >"$WORK/plain.json" 2>"$WORK/err" || fail "$plain: $(cat "$WORK/err")"
[ "$(jq -r '.offsets.g_goid.source' "$WORK/plain.json")" = dwarf ] ||
	fail "$plain: goid not from DWARF: $(jq -c .offsets.g_goid "$WORK/plain.json")"
[ ! -s "$WORK/err" ] || fail "$plain: warnings on the intact build: $(cat "$WORK/err")"
INFO=$(sec "$plain" .debug_info off)
[ -n "$INFO" ] || fail "$plain: no .debug_info"
# The runtime.g structure DIE and its goid member, as readelf shows them (offsets into
# .debug_info): where the name, the size, the goid DIE and its location are.
readelf --debug-dump=info "$plain" 2>/dev/null | gawk '
	function at(s) { match(s, /<[0-9a-f]+>/); return strtonum("0x" substr(s, RSTART + 1, RLENGTH - 2)) }
	/^ *<[0-9]+><[0-9a-f]+>: Abbrev Number:/ {
		if (g && $0 ~ /^ *<1>/) g = goid = 0
		sub(/^ *<[0-9]+>/, ""); die = at($0); tag = $0; abbrev = $4 }
	tag ~ /DW_TAG_structure_type/ && /DW_AT_name *: runtime\.g$/ { g = 1; print "name", at($0) }
	g && tag ~ /DW_TAG_structure_type/ && /DW_AT_byte_size/ { print "gsize", at($0), $NF }
	g && tag ~ /DW_TAG_member/ && /DW_AT_name *: goid$/ { goid = 1; print "goid_die", die, abbrev }
	goid && /DW_AT_data_member_location/ { print "goid_loc", at($0), $NF; goid = 0 }
' >"$WORK/die"
get() { gawk -v k="$1" -v i="$2" '$1 == k { print $i }' "$WORK/die"; }
name_at=$((INFO + $(get name 2)))
gsize_at=$((INFO + $(get gsize 2)))
goid_die=$((INFO + $(get goid_die 2)))
goid_loc=$((INFO + $(get goid_loc 2)))
goid=$(get goid_loc 3)
[ "$goid" = "$(jq .offsets.g_goid.value "$WORK/plain.json")" ] || fail "readelf goid $goid"
[ "$(dd if="$plain" bs=1 skip="$name_at" count=10 status=none | od -An -c | tr -d ' ')" = 'runtime.g\0' ] ||
	fail "runtime.g is not an inline name at $name_at"
# Both numbers are two-byte ULEB128s in this build (goid 152, size 392): rewritten in two.
uleb2() { echo $((($1 & 0x7f | 0x80) | ($1 >> 7) << 8)); }
[ "$(rd "$plain" "$goid_loc" 2)" = "$(uleb2 "$goid")" ] || fail "goid location is not a 2-byte ULEB"
[ "$(rd "$plain" "$gsize_at" 2)" = "$(uleb2 "$(get gsize 3)")" ] || fail "g size is not a 2-byte ULEB"
[ "$(get goid_die 3)" -lt 128 ] || fail "goid abbrev code is not one byte"

all_typedesc='[.offsets[] | select(.value != null) | .source] | all(. == "typedesc")'
recovered "DWARF runtime.g renamed" "$(mutate dw-name "$plain" $((name_at + 8)) 1 "$(printf %d "'q")")" \
	"$WORK/plain.json" "$all_typedesc" 'DWARF: no runtime.g type information'
recovered "DWARF goid offset 16383" "$(mutate dw-goid-huge "$plain" "$goid_loc" 2 $((0x7fff)))" \
	"$WORK/plain.json" "$all_typedesc" 'DWARF: corrupt Go runtime metadata'
recovered "DWARF runtime.g size 16" "$(mutate dw-gsize "$plain" "$gsize_at" 2 $((0x0090)))" \
	"$WORK/plain.json" "$all_typedesc" 'DWARF: corrupt Go runtime metadata'
recovered "DWARF goid DIE bad abbrev" "$(mutate dw-abbrev "$plain" "$goid_die" 1 250)" \
	"$WORK/plain.json" "$all_typedesc" 'DWARF: corrupt Go runtime metadata'
wrong=$((goid + 8))
f=$(mutate dw-goid-wrong "$plain" "$goid_loc" 2 "$(uleb2 $wrong)")
recovered "DWARF goid offset +8" "$f" "$WORK/plain.json" \
	'.offsets.g_goid.source == "typedesc" and .offsets.g_atomicstatus.source == "dwarf"' \
	"g.goid: dwarf says $wrong, typedesc and the go1\.[0-9.]+ table say $goid; using typedesc"
# The same with a Go version the offsets table has no row for: nothing to decide by.
BI=$(sec "$f" .go.buildinfo off)
ver=$(jq -r .binary.go_version "$WORK/plain.json")
voff=$(grep -boaF "$ver" "$f" | gawk -F: -v b="$BI" '$1 >= b && $1 < b + 64 && !done { print $1; done = 1 }')
[ -n "$voff" ] || fail "no $ver in .go.buildinfo"
cp "$f" "$d/dw-goid-wrong-nover"
printf 'go9.99.9' | dd of="$d/dw-goid-wrong-nover" bs=1 seek="$voff" conv=notrunc status=none
refused "DWARF goid +8, unknown Go version" "$d/dw-goid-wrong-nover" \
	": g.goid: DWARF says $wrong, the type descriptors say $goid and the offsets table has no row to decide: corrupt"
# Compressed DWARF (the bundled server's SHF_COMPRESSED .debug_info: a 24-byte Elf64_Chdr,
# then the zlib stream): a broken zlib header, and an absurd uncompressed size.
z=$(sec "$GO_BIN" .debug_info off)
{ [ "$(rd "$GO_BIN" "$z" 4)" = 1 ] && [ "$(rd "$GO_BIN" $((z + 24)) 1)" = $((0x78)) ]; } ||
	fail "$GO_BIN: .debug_info is not zlib behind an Elf64_Chdr"
recovered "DWARF zlib header broken" "$(mutate dw-zlib "$GO_BIN" $((z + 24)) 2 0)" \
	"$WORK/pristine.json" "$all_typedesc" 'DWARF: corrupt Go runtime metadata'
recovered "DWARF inflated size 2^62" "$(mutate dw-chsize "$GO_BIN" $((z + 8)) 8 $((1 << 62)))" \
	"$WORK/pristine.json" "$all_typedesc" 'DWARF: corrupt Go runtime metadata'

cat "$table"
pass "$n bad inputs: each refused in one line with exit 1, or the intact binary's profile"
