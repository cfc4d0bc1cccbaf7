#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gooffsets-fixtures: the resolver against independent oracles on every real
# fixture: Go programs built with each Debian toolchain in each mode, and the
# prebuilt stripped esbuild binaries from npm.
#   offsets   pahole -C runtime.g on the DWARF twin (same toolchain, same program)
#   address   nm on the binary, or on its DWARF twin for stripped builds (same
#             layout: -s -w drops symbols, not code)
#   file off  the PT_LOAD program header holding that address (readelf)
#   version   the toolchain's VERSION file; npm-fixtures.tsv for esbuild
#   ABI       register from go1.17 on amd64, stack before
#   end       the next function symbol after casgstatus (nm)
#   sources   offsets from DWARF where the build kept it, from the type
#             descriptors where not (never the table alone); the version from
#             buildinfo, or the runtime.buildVersion scan where there is none;
#             the pclntab format of that Go version
#   npm       offsets equal to the offsets table's row for the version, and no
#             warning (typedesc and table agree)
# A fixture that is missing (not fetched or not built) is named, and fails.
source "$(dirname "$0")/../lib.sh"
GOOFFSETS="$BUILD/gooffsets"
mapfile -t MINORS < <(default_minors)
MODES=(dwarf stripped static pie extld)
PROGS=(go-server-http)
for d in "$SRC"/tests/fixtures/go/*/; do
	[ -f "$d/main.go" ] && PROGS+=("$(basename "$d")")
done

missing=()
bad=0
checked=0
note() { echo "  $*"; }
mismatch() {
	echo "MISMATCH $*" >&2
	bad=$((bad + 1))
}
# profile BIN LABEL: gooffsets BIN into $WORK/p.json, counted as checked; a
# warning is a mismatch; returns 1 (a mismatch said) when gooffsets fails.
profile() {
	if ! "$GOOFFSETS" "$1" >"$WORK/p.json" 2>"$WORK/err"; then
		mismatch "$2: gooffsets failed: $(cat "$WORK/err")"
		return 1
	fi
	checked=$((checked + 1))
	[ ! -s "$WORK/err" ] || mismatch "$2: warnings: $(cat "$WORK/err")"
}

# pahole_fields BINARY: FIELD=offset lines for the runtime.g fields we resolve ("-": absent).
pahole_fields() {
	pahole -C runtime.g "$1" 2>/dev/null | gawk '
		/;[[:space:]]*\/\*/ { match($0, /([A-Za-z_0-9]+);[[:space:]]*\/\*[[:space:]]*([0-9]+)/, m)
			if (m[1] != "") off[m[1]] = m[2] }
		END { for (f in want) printf "%s=%s\n", f, (f in off) ? off[f] : "-" }
		BEGIN { want["goid"]; want["atomicstatus"]; want["waitreason"]; want["parentGoid"]; want["m"]
			want["waitsince"]; want["gopc"]; want["startpc"]; want["lockedm"]
			want["syscallsp"]; want["syscallpc"]; want["syscallbp"] }'
}

# profile_fields PROFILE: the same FIELD=offset lines as pahole_fields, sorted.
profile_fields() {
	jq -r '.offsets | "goid=\(.g_goid.value // "-")", "atomicstatus=\(.g_atomicstatus.value // "-")",
		"waitreason=\(.g_waitreason.value // "-")", "parentGoid=\(.g_parent_goid.value // "-")",
		"m=\(.g_m.value // "-")", "waitsince=\(.g_waitsince.value // "-")",
		"gopc=\(.g_gopc.value // "-")", "startpc=\(.g_startpc.value // "-")",
		"lockedm=\(.g_lockedm.value // "-")", "syscallsp=\(.g_syscallsp.value // "-")",
		"syscallpc=\(.g_syscallpc.value // "-")", "syscallbp=\(.g_syscallbp.value // "-")"' "$1" | sort
}

# casgstatus_nm BINARY: "ADDR END" from one nm run: runtime.casgstatus's address
# (decimal; 0 without the symbol) and the lowest text symbol above it (its end, hex).
casgstatus_nm() {
	nm "$1" 2>/dev/null | gawk '$2 ~ /^[Tt]$/ { v[NR] = strtonum("0x" $1) }
		$3 == "runtime.casgstatus" { a = strtonum("0x" $1) }
		END { for (i in v) if (v[i] > a && (e == "" || v[i] < e)) e = v[i]
			printf "%d 0x%x\n", a, e }'
}

# pclntab_version GO_VERSION: the pclntab format that Go version writes.
pclntab_version() {
	local minor
	minor=$(sed -E 's/^go1\.([0-9]+).*/\1/' <<<"$1")
	if [ "$minor" -ge 20 ]; then echo 120
	elif [ "$minor" -ge 18 ]; then echo 118
	elif [ "$minor" -ge 16 ]; then echo 116
	else echo 12; fi
}

# sources PROFILE: the distinct sources of the offsets that exist (JQ_SOURCES
# defines it for jq programs that read more of the profile at once).
JQ_SOURCES='def sources: [.offsets[] | select(.value != null) | .source] | unique | join(",");'
sources() {
	jq -r "$JQ_SOURCES sources" "$1"
}

# table_fields GO_VERSION: FIELD=offset lines from offsets/runtime_g.tsv, sorted.
table_fields() {
	local v=${1#go}
	gawk -F'\t' -v v="$v" '
		function key(s, a, n) { n = split(s, a, "."); return sprintf("%04d%04d%04d", a[1], a[2], n > 2 ? a[3] : 0) }
		$1 ~ /^[0-9]/ && key($1) <= key(v) && key(v) <= key($2) {
			printf "goid=%s\natomicstatus=%s\nwaitreason=%s\nparentGoid=%s\nm=%s\n", $3, $4, $5, $6, $7
			printf "waitsince=%s\ngopc=%s\nstartpc=%s\nlockedm=%s\n", $10, $11, $12, $13
			printf "syscallsp=%s\nsyscallpc=%s\nsyscallbp=%s\n", $14, $15, $16 }' \
		"$SRC/offsets/runtime_g.tsv" | sort
}

file_offset() { # BINARY VADDR(decimal)
	readelf -lW "$1" | gawk -v a="$2" '$1 == "LOAD" { off = strtonum($2); va = strtonum($3)
		fs = strtonum($5); if (a >= va && a < va + fs) printf "0x%x\n", a - va + off }'
}

check_profile() { # JSON NAME
	local j=$1 name=$2
	jq -e . "$j" >/dev/null || { mismatch "$name: invalid JSON"; return 1; }
}

for minor in "${MINORS[@]}"; do
	dir="$CACHE/fixtures/go$minor"
	goroot="$CACHE/go/$minor/usr/lib/go-$minor"
	if [ ! -f "$goroot/VERSION" ]; then
		missing+=("Go $minor toolchain ($goroot)")
		continue
	fi
	want_ver=$(head -n 1 "$goroot/VERSION")
	for prog in "${PROGS[@]}"; do
		twin="$dir/$prog-dwarf"
		if [ ! -f "$twin" ]; then
			missing+=("$twin")
			continue
		fi
		pahole_fields "$twin" | sort >"$WORK/want"
		grep -q "^goid=[0-9]" "$WORK/want" || { mismatch "$twin: pahole found no runtime.g"; continue; }
		for mode in "${MODES[@]}"; do
			bin="$dir/$prog-$mode"
			if [ ! -f "$bin" ]; then
				missing+=("$bin")
				continue
			fi
			j="$WORK/p.json"
			profile "$bin" "$bin" || continue
			profile_fields "$j" >"$WORK/got"
			diff -u "$WORK/want" "$WORK/got" >"$WORK/diff" ||
				mismatch "$bin: offsets differ from pahole on $twin: $(tr '\n' ' ' <"$WORK/diff")"
			# Everything else of the profile in one jq run (the suite runs this ~250 times).
			IFS=$'\t' read -r ver vsrc abi pcv got gfo gend pkind pa pfo src goid gsrc < <(jq -r "$JQ_SOURCES"'
				.symbols["runtime.casgstatus"] as $c |
				[.binary.go_version, .binary.go_version_source, .abi, .pclntab.version,
				 $c.address, $c.file_offset, $c.end, $c.probe.kind, $c.probe.address,
				 $c.probe.file_offset, sources,
				 .offsets.g_goid.value, .offsets.g_goid.source] | @tsv' "$j")
			[ "$ver" = "$want_ver" ] || mismatch "$bin: go_version $ver, toolchain says $want_ver"
			[ "$abi" = register ] || mismatch "$bin: ABI $abi, want register"
			symsrc="$bin"
			[ "$mode" = stripped ] && symsrc="$twin"
			read -r addr want_end < <(casgstatus_nm "$symsrc")
			[ "$((got))" = "$addr" ] || mismatch "$bin: casgstatus at $got, nm says $(printf 0x%x "$addr")"
			fo=$(file_offset "$bin" "$addr")
			[ "$gfo" = "$fo" ] || mismatch "$bin: file offset $gfo, want $fo"
			[ "$gend" = "$want_end" ] || mismatch "$bin: casgstatus end $gend, nm says $want_end"
			# The probe point: an instruction the kernel emulates (go1.19: a NOP after
			# the spills; go1.21+: PUSH RBP or the first jcc), in the same segment.
			[ "$pkind" = emulated ] || mismatch "$bin: casgstatus probe is $pkind, not at an emulated instruction"
			[ $((pa - got)) -ge 0 ] && [ $((pa - got)) -lt 64 ] && [ $((pfo - pa)) = $((fo - got)) ] ||
				mismatch "$bin: probe at $pa (file offset $pfo) for casgstatus at $got ($fo)"
			want_src=dwarf
			[ "$mode" = stripped ] && want_src=typedesc
			[ "$src" = "$want_src" ] || mismatch "$bin: offsets from $src, want $want_src"
			[ "$vsrc" = buildinfo ] || mismatch "$bin: version from $vsrc, want buildinfo"
			[ "$pcv" = "$(pclntab_version "$want_ver")" ] ||
				mismatch "$bin: pclntab format $pcv, want $(pclntab_version "$want_ver")"
			# The goroutine list: nm's addresses where the binary has symbols (the code's
			# answer, checked against them inside gooffsets, would be a warning above);
			# from the code alone in a stripped build.
			IFS=$'\t' read -r ga gs la ls < <(jq -r '.variables as $v |
				[$v["runtime.allgs"].address // "0", $v["runtime.allgs"].source // "-",
				 $v["runtime.allglen"].address // "0", $v["runtime.allglen"].source // "-"] | @tsv' "$j")
			if [ "$mode" = stripped ]; then
				[ "$gs/$ls" = code/code ] && [ "$((ga))" != 0 ] && [ "$((la))" != 0 ] ||
					mismatch "$bin: allgs $ga ($gs), allglen $la ($ls): want both from the code"
			else
				read -r nga nla < <(nm "$bin" | gawk '$3 == "runtime.allgs" { a = $1 }
					$3 == "runtime.allglen" { l = $1 } END { print a, l }')
				[ "$((ga))" = "$((0x$nga))" ] && [ "$((la))" = "$((0x$nla))" ] && [ "$gs/$ls" = symtab/symtab ] ||
					mismatch "$bin: allgs $ga ($gs), allglen $la ($ls); nm says 0x$nga, 0x$nla"
			fi
			note "$(basename "$dir")/$prog-$mode: $ver goid=$goid ($gsrc) casgstatus=$got allgs=$ga ($gs)"
		done
	done
done

# npm: esbuild releases built by someone else's toolchain, stripped and static.
while IFS=$'\t' read -r pkg version go_version abi bin; do
	if [ ! -f "$bin" ]; then
		missing+=("npm $pkg@$version ($bin)")
		continue
	fi
	j="$WORK/p.json"
	profile "$bin" "$pkg@$version" || continue
	# The table's row for the version: an independent source for a stripped binary's offsets.
	table_fields "$go_version" >"$WORK/want"
	profile_fields "$j" >"$WORK/got"
	diff -u "$WORK/want" "$WORK/got" >"$WORK/diff" ||
		mismatch "$pkg@$version: offsets differ from the $go_version table row: $(tr '\n' ' ' <"$WORK/diff")"
	want_src=typedesc want_vsrc=buildinfo
	secs=$(readelf -SW "$bin")
	grep -q '\.z\?debug_info' <<<"$secs" && want_src=dwarf
	grep -q '\.go\.buildinfo' <<<"$secs" || want_vsrc=runtime.buildVersion-scan
	[ "$(sources "$j")" = "$want_src" ] || mismatch "$pkg@$version: offsets from $(sources "$j"), want $want_src"
	[ "$(jq -r .binary.go_version_source "$j")" = "$want_vsrc" ] ||
		mismatch "$pkg@$version: version from $(jq -r .binary.go_version_source "$j"), want $want_vsrc"
	[ "$(jq -r .pclntab.version "$j")" = "$(pclntab_version "$go_version")" ] ||
		mismatch "$pkg@$version: pclntab format $(jq -r .pclntab.version "$j"), want $(pclntab_version "$go_version")"
	# 0.1.26 kept its symbol table: nm checks the address and the end there.
	read -r addr want_end < <(casgstatus_nm "$bin")
	if [ "$addr" != 0 ]; then
		[ "$(($(jq -r '.symbols["runtime.casgstatus"].address' "$j")))" = "$addr" ] ||
			mismatch "$pkg@$version: casgstatus differs from nm"
		[ "$(jq -r '.symbols["runtime.casgstatus"].end' "$j")" = "$want_end" ] ||
			mismatch "$pkg@$version: casgstatus end differs from nm"
	fi
	[ "$(jq -r .binary.go_version "$j")" = "$go_version" ] ||
		mismatch "$pkg@$version: go_version $(jq -r .binary.go_version "$j"), want $go_version"
	[ "$(jq -r .abi "$j")" = "$abi" ] || mismatch "$pkg@$version: ABI $(jq -r .abi "$j"), want $abi"
	# Expected offsets for that Go version: the DWARF-checked fixture of the same minor when
	# there is one, else the goid the offsets table documents (see offsets/README.md).
	minor=$(echo "$go_version" | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')
	twin="$CACHE/fixtures/go$minor/hello-dwarf"
	if [ -f "$twin" ]; then
		pahole_fields "$twin" | sort >"$WORK/want"
		profile_fields "$j" >"$WORK/got"
		diff -u "$WORK/want" "$WORK/got" >"$WORK/diff" ||
			mismatch "$pkg@$version: offsets differ from pahole on $twin: $(tr '\n' ' ' <"$WORK/diff")"
	fi
	note "npm $pkg@$version: $go_version ($(jq -r .binary.go_version_source "$j")) $(jq -r .abi "$j") goid=$(jq .offsets.g_goid.value "$j") ($(jq -r .offsets.g_goid.source "$j"))"
done < <(npm_fixtures)

# arm64, cross-built here with the system Go: parsed like amd64 (the tracer's
# BPF side is amd64-only here, but profiles for arm64 hosts must be right).
arm="$WORK/arm64"
mkdir -p "$arm"
if (cd "$SRC/tests/fixtures/go/workload" && GOARCH=arm64 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
	go build -o "$arm/dwarf" . && GOARCH=arm64 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
	go build -ldflags='-s -w' -o "$arm/stripped" .) 2>"$WORK/arm.err"; then
	pahole_fields "$arm/dwarf" | sort >"$WORK/want"
	addr=$(nm "$arm/dwarf" | gawk '$3 == "runtime.casgstatus" { print strtonum("0x" $1) }')
	for mode in dwarf stripped; do
		j="$WORK/p.json"
		profile "$arm/$mode" "arm64/$mode" || continue
		[ "$(jq -r .binary.arch "$j")" = aarch64 ] || mismatch "arm64/$mode: arch $(jq -r .binary.arch "$j")"
		[ "$(jq -r .abi "$j")" = register ] || mismatch "arm64/$mode: ABI $(jq -r .abi "$j")"
		profile_fields "$j" >"$WORK/got"
		diff -u "$WORK/want" "$WORK/got" >"$WORK/diff" ||
			mismatch "arm64/$mode: offsets differ from pahole: $(tr '\n' ' ' <"$WORK/diff")"
		got=$(jq -r '.symbols["runtime.casgstatus"].address' "$j")
		[ "$((got))" = "$addr" ] || mismatch "arm64/$mode: casgstatus at $got, nm says $(printf 0x%x "$addr")"
		note "arm64/$mode: goid=$(jq .offsets.g_goid.value "$j") ($(jq -r .offsets.g_goid.source "$j")) casgstatus=$got"
	done
else
	mismatch "arm64 cross build failed: $(tail -n 3 "$WORK/arm.err")"
fi

if [ ${#missing[@]} -gt 0 ]; then
	printf 'MISSING fixture: %s\n' "${missing[@]}" >&2
	echo "(run scripts/fixtures.sh; it needs Debian's archive and the npm registry)" >&2
fi
[ "$bad" -eq 0 ] || fail "$bad mismatches in $checked binaries"
[ ${#missing[@]} -eq 0 ] || fail "${#missing[@]} fixtures missing (named above); $checked checked"
pass "$checked binaries resolved and matched pahole, nm, readelf and their Go version"
