#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/build-fixtures.sh [1.NN ...] - build every Go test program with every
# fetched toolchain (scripts/fetch-go-toolchains.sh) in every link mode, into
# $CACHE/fixtures/go1.NN/<prog>-<mode>, and list them in
# $CACHE/fixtures/manifest.tsv.
#
# The tracer reads symbols, DWARF, pclntab and buildinfo; each mode changes
# which of those exist or where they are, so all are built:
#   dwarf     plain go build (DWARF and symbol table kept)
#   stripped  -ldflags='-s -w' (no symtab, no DWARF: pclntab only)
#   static    CGO_ENABLED=0 (never a dynamic libc)
#   pie       -buildmode=pie (ET_DYN, load address differs per run)
#   extld     CGO_ENABLED=1 -ldflags=-linkmode=external (linked by gcc; the go
#             command adds runtime/cgo itself when external linking is forced,
#             so pure Go programs need no cgo file)
# Programs: each directory of tests/fixtures/go/ with a main.go, plus
# go-server-http/. Builds are skipped when a stamp (hash of the sources, the
# toolchain's exact package version and the mode's flags) matches.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CACHE=$(cache_root)
REPO=$(repo_root)
GODIR=$CACHE/go
OUTDIR=$CACHE/fixtures

MODES=(dwarf stripped static pie extld)

# Set CGO (CGO_ENABLED value, empty: the toolchain's default) and FLAGS (one
# extra go build argument, may be empty) for a mode.
mode_flags() {
	CGO="" FLAGS=""
	case $1 in
	dwarf) ;;
	stripped) FLAGS="-ldflags=-s -w" ;;
	static) CGO=0 ;;
	pie) FLAGS="-buildmode=pie" ;;
	extld) CGO=1 FLAGS="-ldflags=-linkmode=external" ;;
	*) return 1 ;;
	esac
}

# Check the binary really has the mode's property: a flag silently lost (as
# happens with a quoting slip) would otherwise give five identical binaries.
check_mode() { # file mode
	local hdr
	hdr=$(readelf -hSlW "$1" 2>/dev/null) || return 1
	case $2 in
	dwarf) grep -qE '\.z?debug_info' <<<"$hdr" ;;
	stripped) ! grep -qE '\.symtab|\.z?debug_info' <<<"$hdr" ;;
	static) ! grep -q 'INTERP' <<<"$hdr" ;;
	pie) grep -qE 'Type:[[:space:]]+DYN' <<<"$hdr" ;;
	extld) readelf -p .comment "$1" 2>/dev/null | grep -q GCC ;;
	esac
}

usage() {
	cat <<EOF
usage: ${0##*/} [1.NN ...]
Build Go fixtures with the toolchains in $GODIR (default: all fetched ones)
into $OUTDIR. Environment: GOTRACER_CACHE, GOTRACER_VERBOSE=1,
GOTRACER_JOBS (toolchains built at once, default: number of cores).
EOF
}

# Hash of a program's sources: names and contents of the files go build reads.
# Built binaries next to the sources (go-server-http/main) are left out.
source_hash() {
	(cd "$1" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \
		-o -name '*.[chsS]' \) -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | hash_stdin
}

# Build one program with one toolchain in one mode. Return 1 on failure after
# printing one line.
build_one() { # minor goroot tcstamp prog dir srchash mode
	local minor=$1 goroot=$2 tcstamp=$3 prog=$4 dir=$5 srchash=$6 mode=$7
	local out=$OUTDIR/go$minor/$prog-$mode key log goflags CGO FLAGS
	mode_flags "$mode"
	key=$(printf '%s\n' "$srchash" "$tcstamp" "$mode" "cgo=$CGO" "$FLAGS" | hash_stdin)
	if [[ -x $out && -e $out.stamp && "$(cat "$out.stamp")" == "$key" ]]; then
		return 0
	fi
	log=$OUTDIR/log/go$minor-$prog-$mode.log
	mkdir -p "$OUTDIR/go$minor" "$OUTDIR/log"
	# VCS stamping (Go 1.18+) would make the binary depend on the state of
	# the checkout, and fails outright in a repository without commits.
	goflags="-mod=mod -buildvcs=false"
	debug "building go$minor/$prog-$mode"
	local args=(build -o "$out.tmp")
	[[ -n $FLAGS ]] && args+=("$FLAGS")
	if ! (
		cd "$dir"
		export GOROOT=$goroot PATH=$goroot/bin:$PATH GOTOOLCHAIN=local \
			GOFLAGS=$goflags GOPROXY=off GOSUMDB=off GO111MODULE=on GOENV=off \
			GOCACHE=$CACHE/gobuild/$minor/cache GOPATH=$CACHE/gobuild/$minor/gopath \
			XDG_CONFIG_HOME=$CACHE/gobuild/$minor/config
		# Unset means the toolchain's default (cgo on when gcc exists).
		if [[ -n $CGO ]]; then export CGO_ENABLED=$CGO; else unset CGO_ENABLED; fi
		go "${args[@]}" .
	) >"$log" 2>&1; then
		rm -f "$out.tmp"
		info "build failed: go$minor $prog $mode (see $log)"
		return 1
	fi
	if ! check_mode "$out.tmp" "$mode"; then
		rm -f "$out.tmp"
		info "build wrong: go$minor $prog $mode lacks the mode's ELF property"
		return 1
	fi
	mv -f "$out.tmp" "$out"
	write_atomic "$out.stamp" "$key"
	rm -f "$log"
	info "built go$minor/$prog-$mode"
}

# Build all programs in all modes with one toolchain, appending a manifest row
# per good binary to $OUTDIR/.rows.<minor>. Runs in a background lane; uses
# the program lists of main.
build_toolchain() { # minor
	local m=$1 goroot tcstamp gov i mode failed=0 rows=$OUTDIR/.rows.$1
	goroot=$GODIR/$m/usr/lib/go-$m
	if [[ ! -s $GODIR/$m/.stamp || ! -x $goroot/bin/go ]]; then
		info "Go $m not fetched, skipping its fixtures (run scripts/fetch-go-toolchains.sh $m)"
		return 1
	fi
	tcstamp=$(cat "$GODIR/$m/.stamp")
	gov=$(head -n1 <<<"$tcstamp" | awk '{print $3}') # "go version goX.Y.Z os/arch"
	: >"$rows"
	for i in "${!progs[@]}"; do
		for mode in "${MODES[@]}"; do
			if build_one "$m" "$goroot" "$tcstamp" "${progs[$i]}" "${dirs[$i]}" "${hashes[$i]}" "$mode"; then
				printf '%s\t%s\t%s\t%s\t%s\n' "$gov" "$m" "${progs[$i]}" "$mode" \
					"$OUTDIR/go$m/${progs[$i]}-$mode" >>"$rows"
			else
				failed=1
			fi
		done
	done
	return "$failed"
}

main() {
	local minors=() m failed=0 d i
	# Read by build_toolchain in the lanes.
	progs=() dirs=() hashes=()
	for m in "$@"; do
		case $m in
		-h | --help) usage && exit 0 ;;
		1.[0-9]*) minors+=("$m") ;;
		*) die "bad Go minor '$m' (expected e.g. 1.22)" ;;
		esac
	done
	if ((${#minors[@]} == 0)); then
		for d in "$GODIR"/1.*/.stamp; do
			[[ -e $d ]] && m=${d%/.stamp} && minors+=("${m##*/}")
		done
		((${#minors[@]})) || die "no Go toolchain in $GODIR: run scripts/fetch-go-toolchains.sh"
	fi
	# Oldest first, numerically (1.9 < 1.10).
	mapfile -t minors < <(printf '%s\n' "${minors[@]}" | sort -t. -k1,1n -k2,2n)

	for d in "$REPO"/tests/fixtures/go/*/; do
		[[ -f $d/main.go ]] || continue
		d=${d%/}
		progs+=("${d##*/}") dirs+=("$d")
	done
	if [[ -f $REPO/go-server-http/main.go ]]; then
		progs+=(go-server-http) dirs+=("$REPO/go-server-http")
	else
		info "note: go-server-http/main.go absent, skipping it"
	fi
	((${#progs[@]})) || die "no Go program found under tests/fixtures/go/"

	for i in "${!dirs[@]}"; do hashes+=("$(source_hash "${dirs[$i]}")"); done

	# One lane per toolchain (each has its own GOCACHE, so lanes never share
	# a cache lock); a single go build keeps 2 cores only ~70% busy, mostly
	# in the linker, so two lanes shorten a cold run.
	local jobs=${GOTRACER_JOBS:-$(nproc)} running=0
	rm -f "$OUTDIR"/.rows.*
	mkdir -p "$OUTDIR"
	for m in "${minors[@]}"; do
		if ((running >= jobs)); then
			wait -n || failed=1
			running=$((running - 1))
		fi
		build_toolchain "$m" &
		running=$((running + 1))
	done
	while ((running > 0)); do
		wait -n || failed=1
		running=$((running - 1))
	done

	# The manifest lists every good fixture, so tests iterate over it instead
	# of guessing paths: this run's rows, plus the old rows of toolchains this
	# run was not asked about (when given a subset of minors).
	local old=$OUTDIR/manifest.tsv row
	write_atomic "$OUTDIR/manifest.tsv" "$(
		printf 'go_version\tminor\tprog\tmode\tpath\n'
		{
			if [[ -e $old ]]; then
				awk -F'\t' -v skip=" ${minors[*]} " 'NR > 1 && index(skip, " " $2 " ") == 0' "$old" |
					while IFS= read -r row; do
						if [[ -x ${row##*$'\t'} ]]; then printf '%s\n' "$row"; fi
					done
			fi
			for m in "${minors[@]}"; do
				if [[ -e $OUTDIR/.rows.$m ]]; then cat "$OUTDIR/.rows.$m"; fi
			done
		} | sort -t$'\t' -k2,2V -k3,3 -k4,4
	)"
	rm -f "$OUTDIR"/.rows.*
	return "$failed"
}

main "$@"
