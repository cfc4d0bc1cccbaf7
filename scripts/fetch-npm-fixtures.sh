#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/fetch-npm-fixtures.sh - fetch the prebuilt Go binaries listed in
# tests/fixtures/npm-fixtures.tsv (esbuild releases) with `npm pack` and unpack
# each into $CACHE/npm/<name>-<version>/, the binary being
# $CACHE/npm/<name>-<version>/package/bin/esbuild; list them in
# $CACHE/npm/manifest.tsv.
#
# These are Go binaries built by someone else's release process (stripped,
# static, some without .go.buildinfo), covering Go versions that Debian no
# longer ships (1.14 to 1.18, 1.20); the npm registry is the one source of
# such binaries reachable here.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CACHE=$(cache_root)
REPO=$(repo_root)
NPMDIR=$CACHE/npm
LIST=${GOTRACER_NPM_LIST:-$REPO/tests/fixtures/npm-fixtures.tsv}
# Where both esbuild-linux-64 (0.x) and @esbuild/linux-x64 keep the binary.
BIN_IN_PKG=package/bin/esbuild

usage() {
	cat <<EOF
usage: ${0##*/}
Fetch the binaries of $LIST into $NPMDIR.
Environment: GOTRACER_CACHE, GOTRACER_NPM_LIST, GOTRACER_VERBOSE=1.
EOF
}

# Does the binary carry the expected runtime.buildVersion string? It guards
# against a wrong table row or a republished package.
has_go_version() { # file go_version
	local found
	found=$(grep -aoE 'go1\.[0-9]+(\.[0-9]+)?' "$1" | sort -u)
	grep -Fxq -- "$2" <<<"$found"
}

# Fetch one package into its directory; print one line and return 1 on failure.
fetch_one() { # package version go_version
	local pkg=$1 ver=$2 gov=$3 name dir tmp tgz log
	# "@esbuild/linux-x64" -> "esbuild-linux-x64", as npm names its tarball.
	name=${pkg#@}
	name=${name//\//-}
	dir=$NPMDIR/$name-$ver
	if [[ -s $dir/.stamp && -x $dir/$BIN_IN_PKG ]]; then
		debug "$pkg@$ver already present"
		return 0
	fi
	log=$NPMDIR/log/$name-$ver.log
	tmp=$NPMDIR/.tmp-$name-$ver
	rm -rf "$tmp" "$dir.tmp"
	mkdir -p "$tmp" "$dir.tmp" "$NPMDIR/log"
	# --ignore-scripts: nothing from the package runs; npm checks the
	# tarball's integrity against the registry's metadata. One retry only:
	# npm's default backoff takes over a minute to give up when offline.
	if ! tgz=$(cd "$tmp" && npm pack --silent --ignore-scripts --fetch-retries=1 \
		--pack-destination "$tmp" "$pkg@$ver" 2>"$log"); then
		info "cannot fetch npm fixture $pkg@$ver (npm pack failed, see $log)"
		rm -rf "$tmp" "$dir.tmp"
		return 1
	fi
	tgz=$(tail -n1 <<<"$tgz")
	if ! tar -xzf "$tmp/$tgz" -C "$dir.tmp" 2>>"$log" || [[ ! -f $dir.tmp/$BIN_IN_PKG ]]; then
		info "cannot fetch npm fixture $pkg@$ver ($BIN_IN_PKG missing in $tgz, see $log)"
		rm -rf "$tmp" "$dir.tmp"
		return 1
	fi
	rm -rf "$tmp"
	chmod +x "$dir.tmp/$BIN_IN_PKG"
	if ! has_go_version "$dir.tmp/$BIN_IN_PKG" "$gov"; then
		info "npm fixture $pkg@$ver does not contain '$gov': fix $LIST"
		rm -rf "$dir.tmp"
		return 1
	fi
	write_atomic "$dir.tmp/.stamp" "$pkg $ver $gov $(sha256sum <"$dir.tmp/$BIN_IN_PKG" | cut -d' ' -f1)"
	rm -rf "$dir" "$log"
	mv "$dir.tmp" "$dir"
	info "fetched $pkg@$ver ($gov): $dir/$BIN_IN_PKG"
}

main() {
	case ${1:-} in
	-h | --help) usage && exit 0 ;;
	"") ;;
	*) die "no arguments expected (see --help)" ;;
	esac
	need_cmd npm tar grep
	[[ -r $LIST ]] || die "cannot read $LIST"
	mkdir -p "$NPMDIR"
	local pkg ver gov abi _note failed=0 rows=() name
	while IFS=$'\t' read -r pkg ver gov abi _note; do
		[[ -z $pkg || $pkg == \#* || $pkg == package ]] && continue
		if fetch_one "$pkg" "$ver" "$gov"; then
			name=${pkg#@}
			rows+=("$pkg"$'\t'"$ver"$'\t'"$gov"$'\t'"$abi"$'\t'"$NPMDIR/${name//\//-}-$ver/$BIN_IN_PKG")
		else
			failed=1
		fi
	done <"$LIST"
	write_atomic "$NPMDIR/manifest.tsv" "$(
		printf 'package\tversion\tgo_version\tabi\tpath\n'
		((${#rows[@]})) && printf '%s\n' "${rows[@]}"
	)"
	return "$failed"
}

main "$@"
