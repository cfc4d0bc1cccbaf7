#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# resolver-pclntab.sh MODE [GO]: pclntab, moduledata and buildinfo on real Go
# binaries, through $BUILD/tests/unit/test_gometa_fixtures, which checks every
# function against .symtab (the binary's own, or its unstripped twin's), the
# text/types bases against runtime.text/runtime.types, and the Go version
# against `go version`.
#   selfbuild  build a small program with GO (default: the system go) in every
#              link mode into $BUILD/gometa-fixtures, then check those
#   cache      check every fixture of the cache's manifest.tsv and every npm
#              esbuild binary; a missing fixture is named and fails the test
#              (tests/fixtures/npm-fixtures.tsv names the npm ones)
# GOTRACER_MAX_MS (default 500) bounds one binary's resolver time.
. "$(dirname "$0")/../lib.sh"

MODE=${1:-selfbuild}
GO=${2:-}
[ -n "$GO" ] && [ "$GO" != GO-NOTFOUND ] || GO=$(command -v go || true)
CHECKER=$BUILD/tests/unit/test_gometa_fixtures
MAX_MS=${GOTRACER_MAX_MS:-500}
[ -x "$CHECKER" ] || fail "$CHECKER missing: build the test_gometa_fixtures target"

# go_version BINARY: the version `go version` reads, or nothing.
go_version() {
	[ -n "$GO" ] || return 0
	"$GO" version "$1" 2>/dev/null | awk '{print $2}' || true
}

selfbuild() {
	local out=$BUILD/gometa-fixtures src=$WORK/src mode
	if [ -z "$GO" ]; then
		[ "${CI:-}" != true ] || fail "no go toolchain under CI (scripts/deps.sh installs golang-go)"
		echo "!!! no go toolchain: skipping !!!" >&2
		exit $SKIP
	fi
	mkdir -p "$out" "$src"
	cat >"$src/main.go" <<'EOF'
package main

import (
	"fmt"
	"os"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	for i := 0; i < len(os.Args); i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); fmt.Println("hello", i) }(i)
	}
	wg.Wait()
}
EOF
	printf 'module example.com/gometa\n\ngo 1.18\n' >"$src/go.mod"
	local -A flags=(
		[dwarf]="" [stripped]="-ldflags=-s -w" [pie]="-buildmode=pie"
		[pie-stripped]="-buildmode=pie|-ldflags=-s -w" [extld]="-ldflags=-linkmode=external"
		[extld-stripped]="-ldflags=-linkmode=external -s -w" [static]=""
	)
	for mode in dwarf stripped pie pie-stripped extld extld-stripped static; do
		local cgo=1 args=()
		[ "$mode" = static ] && cgo=0
		IFS='|' read -r -a args <<<"${flags[$mode]}"
		[ -n "${flags[$mode]}" ] || args=()
		(cd "$src" && CGO_ENABLED=$cgo GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod \
			"$GO" build "${args[@]}" -o "$out/gometa-$mode" .) ||
			fail "go build ($mode) failed"
	done
	# Without section headers too: zero e_shoff, e_shnum and e_shstrndx, so
	# that everything must be found through segments and scans.
	for mode in stripped pie-stripped extld-stripped; do
		cp "$out/gometa-$mode" "$out/gometa-$mode-nosections"
		dd if=/dev/zero of="$out/gometa-$mode-nosections" bs=1 seek=40 count=8 \
			conv=notrunc status=none
		dd if=/dev/zero of="$out/gometa-$mode-nosections" bs=1 seek=60 count=4 \
			conv=notrunc status=none
	done
	local argv=(--max-ms "$MAX_MS") want
	want=$(go_version "$out/gometa-dwarf")
	[ -n "$want" ] || fail "go version cannot read $out/gometa-dwarf"
	for mode in dwarf stripped pie pie-stripped extld extld-stripped static \
		stripped-nosections pie-stripped-nosections extld-stripped-nosections; do
		local bin=$out/gometa-$mode twin=${mode%-nosections}
		case $twin in
		stripped) argv+=(--twin "$out/gometa-dwarf") ;;
		*-stripped) argv+=(--twin "$out/gometa-${twin%-stripped}") ;;
		esac
		argv+=(--version "$want" "$bin")
	done
	"$CHECKER" "${argv[@]}" || fail "checks failed on binaries built by $GO"
	pass "$("$GO" version) binaries in 10 link modes"
}

cache() {
	local manifest=$CACHE/fixtures/manifest.tsv missing=0 n=0 argv=(--max-ms "$MAX_MS")
	local gov minor prog mode path want
	if [ ! -s "$manifest" ]; then
		echo "missing fixture manifest: $manifest (run scripts/build-fixtures.sh)" >&2
		missing=1
	else
		while IFS=$'\t' read -r gov minor prog mode path; do
			[ "$gov" = go_version ] && continue
			if [ ! -f "$path" ]; then
				echo "missing fixture: $path (go$minor $prog $mode)" >&2
				missing=1
				continue
			fi
			want=$(go_version "$path")
			if [ -n "$want" ] && [ "$want" != "$gov" ]; then
				fail "$path: the manifest says $gov, go version says $want"
			fi
			[ "$mode" = stripped ] && argv+=(--twin "${path%-stripped}-dwarf")
			argv+=(--version "$gov" "$path")
			n=$((n + 1))
		done <"$manifest"
	fi
	# npm binaries: every row of the fixture list must have been fetched;
	# the expected version is the list's, cross-checked by `go version`.
	local list=$SRC/tests/fixtures/npm-fixtures.tsv npm=0 pkg ver _abi bin
	[ -r "$list" ] || fail "cannot read $list"
	while IFS=$'\t' read -r pkg ver gov _abi bin; do
		if [ ! -f "$bin" ]; then
			echo "missing npm fixture: $bin ($pkg@$ver, $gov; run scripts/fetch-npm-fixtures.sh)" >&2
			missing=1
			continue
		fi
		want=$(go_version "$bin")
		if [ -n "$want" ] && [ "$want" != "$gov" ]; then
			fail "$bin: the fixture list says $gov, go version says $want"
		fi
		argv+=(--version "$gov" "$bin")
		npm=$((npm + 1))
	done < <(npm_fixtures)
	if [ $((n + npm)) -gt 0 ]; then
		"$CHECKER" "${argv[@]}" || fail "checks failed on cached fixtures"
	fi
	[ "$missing" = 0 ] || fail "fixtures missing (named above)"
	pass "$n toolchain fixtures, $npm npm binaries"
}

case $MODE in
selfbuild) selfbuild ;;
cache) cache ;;
*) fail "unknown mode '$MODE' (selfbuild or cache)" ;;
esac
