#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/fetch-go-toolchains.sh [1.NN ...] - fetch Debian's golang-1.NN-go and
# golang-1.NN-src packages with a private apt configuration and unpack them
# under $CACHE/go/1.NN, giving GOROOT=$CACHE/go/1.NN/usr/lib/go-1.NN.
#
# The tracer must be tested against many Go runtimes, but only Debian's archive
# is reachable, so the toolchains come from Debian's suites. A private apt
# state (lists, cache, sources, preferences) under $CACHE/apt means the
# machine's own apt state is never touched and no root-only path is written.
# The archive address is read from the machine's apt sources at run time so
# the repository never names a mirror.
#
# Exit status: 0 when every requested toolchain is present, 1 otherwise (one
# line per missing toolchain is printed on stderr; the others still proceed).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CACHE=$(cache_root)
APTDIR=$CACHE/apt
GODIR=$CACHE/go

# Suites searched. Each default minor has a preferred suite below; a minor not
# found there falls back to the highest version in any of these suites, since
# sid and backports move on and drop old minors.
SUITES=(bookworm bookworm-backports trixie trixie-backports sid)
declare -A PREFERRED_SUITE=(
	[1.19]=bookworm
	[1.21]=bookworm-backports
	[1.22]=bookworm-backports
	[1.23]=bookworm-backports
	[1.24]=trixie
	[1.25]=trixie-backports
	[1.26]=sid
	[1.27]=sid
)
# No suite here carries golang-1.20, hence the gap.
DEFAULT_MINORS=(1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27)

# Refresh the private package lists at most this often (seconds).
LISTS_MAX_AGE=${GOTRACER_APT_MAX_AGE:-86400}
DEFAULT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

usage() {
	cat <<EOF
usage: ${0##*/} [1.NN ...]
Fetch Debian Go toolchains into $GODIR (default: ${DEFAULT_MINORS[*]}).
Environment: GOTRACER_CACHE (cache root), GOTRACER_DEBIAN_URI (archive URI,
default: taken from the machine's apt sources), GOTRACER_APT_MAX_AGE (seconds
before the private lists are refreshed, default 86400), GOTRACER_VERBOSE=1.
EOF
}

# --- Find the machine's Debian archive entry ---------------------------------

# Print "uri<TAB>suites<TAB>components<TAB>signed-by" for every enabled "deb"
# entry of deb822 .sources files.
parse_deb822() {
	awk '
	function flush() {
		if (uris != "" && types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
			n = split(uris, u, /[ \t]+/)
			for (i = 1; i <= n; i++) if (u[i] != "") print u[i] "\t" suites "\t" comps "\t" signed
		}
		types = uris = suites = comps = signed = key = ""; enabled = "yes"
	}
	BEGIN { enabled = "yes" }
	FNR == 1 { flush() }   # a new file starts a new stanza
	/^[ \t]*#/ { next }
	/^[ \t]*$/ { flush(); next }
	/^[ \t]/ { next }   # continuation line (e.g. an inline Signed-By key)
	{
		k = tolower($0); sub(/:.*/, "", k)
		v = $0; sub(/^[^:]*:[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
		if (k == "types") types = v
		else if (k == "uris") uris = v
		else if (k == "suites") suites = v
		else if (k == "components") comps = v
		else if (k == "signed-by") signed = v
		else if (k == "enabled") enabled = tolower(v)
	}
	END { flush() }' "$@"
}

# Same output for one-line "deb [opts] uri suite comp..." files.
parse_oneline() {
	awk '
	/^[ \t]*deb[ \t]/ {
		sub(/#.*/, ""); i = 2; signed = ""
		if ($2 ~ /^\[/) {
			for (; i <= NF; i++) {
				o = $i; gsub(/[\[\]]/, "", o)
				if (o ~ /^signed-by=/) { sub(/^signed-by=/, "", o); signed = o }
				if ($i ~ /\]$/) { i++; break }
			}
		}
		uri = $i; suite = $(i + 1); comps = ""
		for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
		print uri "\t" suite "\t" comps "\t" signed
	}' "$@"
}

# Choose the main Debian archive: an entry with component main and a Debian
# suite that is not a -security one, preferring this release's codename.
# Sets ARCHIVE_URI and ARCHIVE_KEYRING.
find_archive() {
	local codename="" files=() uri suites comps signed s score best=-1
	if [[ -n "${GOTRACER_DEBIAN_URI:-}" ]]; then
		ARCHIVE_URI=$GOTRACER_DEBIAN_URI
		ARCHIVE_KEYRING=$DEFAULT_KEYRING
		return 0
	fi
	# shellcheck disable=SC1091
	codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	shopt -s nullglob
	files=(/etc/apt/sources.list.d/*.sources)
	local lists=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list)
	shopt -u nullglob
	ARCHIVE_URI=""
	while IFS=$'\t' read -r uri suites comps signed; do
		[[ " $comps " == *" main "* ]] || continue
		[[ $uri == *security* ]] && continue
		for s in $suites; do
			[[ $s == *-security || $s == */updates ]] && continue
			# Only Debian suite names count, so third-party repositories
			# with a "main" component (nodistro, cloud-sdk-...) never win.
			case ${s%%-*} in
			buster | bullseye | bookworm | trixie | forky | duke | sid | \
				oldstable | stable | testing | unstable) score=1 ;;
			*) continue ;;
			esac
			[[ -n $codename && $s == "$codename" ]] && score=2
			if ((score > best)); then
				best=$score ARCHIVE_URI=$uri ARCHIVE_KEYRING=$signed
			fi
		done
	done < <(
		((${#files[@]})) && parse_deb822 "${files[@]}"
		for f in "${lists[@]}"; do [[ -r $f ]] && parse_oneline "$f"; done
		true
	)
	[[ -n $ARCHIVE_URI ]] || return 1
	# An inline key or no Signed-By at all: fall back to the archive keyring,
	# which (bookworm's 2023.3+) also carries the trixie keys that sign sid.
	[[ ${ARCHIVE_KEYRING:-} == /* && -r $ARCHIVE_KEYRING ]] || ARCHIVE_KEYRING=$DEFAULT_KEYRING
	ARCHIVE_URI=${ARCHIVE_URI%/}
}

# --- Private apt -------------------------------------------------------------

APT_OPTS=()
setup_apt() {
	local arch sources
	arch=$(dpkg --print-architecture)
	mkdir -p "$APTDIR"/{state/lists/partial,cache/archives/partial,etc/sources.list.d,etc/preferences.d,log,debs}
	[[ -e $APTDIR/state/status ]] || : >"$APTDIR/state/status"
	sources="# generated by ${0##*/}; archive taken from the machine's apt sources
Types: deb
URIs: $ARCHIVE_URI
Suites: ${SUITES[*]}
Components: main
Signed-By: $ARCHIVE_KEYRING"
	# A changed sources file invalidates the lists.
	if [[ ! -e $APTDIR/etc/sources.list.d/debian.sources ]] ||
		[[ "$(cat "$APTDIR/etc/sources.list.d/debian.sources")" != "$sources" ]]; then
		write_atomic "$APTDIR/etc/sources.list.d/debian.sources" "$sources"
		rm -f "$APTDIR/state/updated"
	fi
	# The machine's apt.conf.d is still read on purpose: it may hold the proxy
	# or validity settings needed to reach the archive. Everything stateful
	# is redirected. The sandbox user is ourselves because _apt cannot enter
	# a cache under /root.
	APT_OPTS=(
		-o "Dir::State=$APTDIR/state"
		-o "Dir::State::lists=$APTDIR/state/lists"
		-o "Dir::State::status=$APTDIR/state/status"
		-o "Dir::State::extended_states=$APTDIR/state/extended_states"
		-o "Dir::Cache=$APTDIR/cache"
		-o "Dir::Cache::archives=$APTDIR/cache/archives"
		-o "Dir::Cache::pkgcache="
		-o "Dir::Cache::srcpkgcache="
		-o "Dir::Etc::SourceList=$APTDIR/etc/sources.list"
		-o "Dir::Etc::SourceParts=$APTDIR/etc/sources.list.d"
		-o "Dir::Etc::Preferences=$APTDIR/etc/preferences"
		-o "Dir::Etc::PreferencesParts=$APTDIR/etc/preferences.d"
		-o "APT::Architecture=$arch"
		-o "APT::Architectures=$arch"
		-o "APT::Sandbox::User=$(id -un)"
		-o "Acquire::Languages=none"
	)
	: >"$APTDIR/etc/sources.list"
	: >"$APTDIR/etc/preferences"
}

APT_RAN=0 APT_OK=0
# Make sure usable package lists exist: run apt-get update when they are
# missing, stale, or when forced, at most once per run. Return 1 when no
# usable lists exist (e.g. network down on the first run).
apt_update() {
	local force=${1:-0}
	if ((APT_RAN)); then
		((APT_OK))
		return
	fi
	if ((!force)) && (($(file_age "$APTDIR/state/updated") < LISTS_MAX_AGE)); then
		APT_OK=1
		return 0
	fi
	APT_RAN=1
	debug "apt-get update (private lists in $APTDIR)"
	# apt-get update exits 0 even when a suite failed (bookworm's apt has no
	# APT::Update::Error-Mode), so look for W:/E: lines as well.
	if apt-get "${APT_OPTS[@]}" -q update >"$APTDIR/log/update.log" 2>&1 &&
		! grep -qE '^(E|W): ' "$APTDIR/log/update.log"; then
		touch "$APTDIR/state/updated"
		APT_OK=1
		return 0
	fi
	if compgen -G "$APTDIR/state/lists/*Packages*" >/dev/null; then
		warn "apt-get update had problems, using the lists it has; see $APTDIR/log/update.log"
		APT_OK=1
		return 0
	fi
	APT_OK=0
	return 1
}

# Print "version suite" of a package, from the preferred suite if it has it,
# otherwise the highest version in any configured suite.
pick_version() { # package preferred-suite
	local pkg=$1 pref=$2 ver rest suite best_v="" best_s=""
	while IFS='|' read -r _ ver rest; do
		ver=${ver// /}
		suite=$(awk '{print $2}' <<<"$rest")
		suite=${suite%%/*}
		[[ -n $ver && -n $suite ]] || continue
		if [[ $suite == "$pref" ]]; then
			echo "$ver $suite"
			return 0
		fi
		if [[ -z $best_v ]] || dpkg --compare-versions "$ver" gt "$best_v"; then
			best_v=$ver best_s=$suite
		fi
	done < <(apt-cache "${APT_OPTS[@]}" madison "$pkg" 2>/dev/null)
	[[ -n $best_v ]] || return 1
	echo "$best_v $best_s"
}

# --- One toolchain -----------------------------------------------------------

# Fetch and unpack one minor. On failure print one line and return 1.
fetch_one() {
	local minor=$1 dest=$GODIR/$1 goroot pref picked ver suite srcver tmp deb gov
	goroot=$dest/usr/lib/go-$minor
	# Fast path: a stamp and a working go binary mean nothing to do.
	if [[ -s $dest/.stamp && -x $goroot/bin/go ]]; then
		debug "Go $minor already present: $(head -n1 "$dest/.stamp")"
		return 0
	fi
	if [[ -z ${ARCHIVE_URI:-} ]]; then
		find_archive || {
			info "cannot fetch Go $minor: no Debian archive entry found in the machine's apt sources"
			return 1
		}
		setup_apt
	fi
	apt_update || {
		info "cannot fetch Go $minor: apt-get update failed (network?), see $APTDIR/log/update.log"
		return 1
	}
	pref=${PREFERRED_SUITE[$minor]:-}
	tmp=$APTDIR/debs/$minor
	# Two tries: stale lists may name a version the archive has replaced, so
	# a failed download forces one fresh update before giving up.
	local try
	for try in 1 2; do
		if ! picked=$(pick_version "golang-$minor-go" "$pref"); then
			if ((try == 1)) && ((!APT_RAN)); then apt_update 1 && continue; fi
			info "cannot fetch Go $minor: golang-$minor-go is in none of ${SUITES[*]}"
			return 1
		fi
		read -r ver suite <<<"$picked"
		# golang-1.NN-src (GOROOT/src, needed to build anything) comes from
		# the same source package, so normally has the same version.
		srcver=$(pick_version "golang-$minor-src" "$suite" | awk -v s="$suite" '$2 == s {print $1}') || true
		[[ -n $srcver ]] || srcver=$ver
		rm -rf "$tmp" && mkdir -p "$tmp"
		if (cd "$tmp" && apt-get "${APT_OPTS[@]}" -q download \
			"golang-$minor-go=$ver" "golang-$minor-src=$srcver") >"$APTDIR/log/download-$minor.log" 2>&1; then
			break
		fi
		rm -rf "$tmp"
		if ((try == 1)) && ((!APT_RAN)); then apt_update 1 && continue; fi
		info "cannot fetch Go $minor: apt-get download golang-$minor-go=$ver failed, see $APTDIR/log/download-$minor.log"
		return 1
	done
	[[ -z $pref || $suite == "$pref" ]] || info "Go $minor: not in $pref, using $ver from $suite"

	# Unpack next to the destination, check the go binary runs, then rename,
	# so an interrupted or broken fetch never leaves a toolchain that looks
	# complete.
	rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
	for deb in "$tmp"/*.deb; do
		dpkg -x "$deb" "$dest.tmp"
	done
	rm -rf "$tmp"
	if ! gov=$(GOROOT="$dest.tmp/usr/lib/go-$minor" GOTOOLCHAIN=local \
		"$dest.tmp/usr/lib/go-$minor/bin/go" version 2>&1); then
		info "cannot fetch Go $minor: unpacked go binary does not run: $gov"
		rm -rf "$dest.tmp"
		return 1
	fi
	rm -rf "$dest"
	mv "$dest.tmp" "$dest"
	gov=$(GOROOT=$goroot GOTOOLCHAIN=local "$goroot/bin/go" version)
	write_atomic "$dest/.stamp" "$gov
golang-$minor-go=$ver golang-$minor-src=$srcver suite=$suite"
	info "$gov (golang-$minor-go $ver from $suite): GOROOT=$goroot"
}

main() {
	local minors=() m failed=()
	for m in "$@"; do
		case $m in
		-h | --help) usage && exit 0 ;;
		1.[0-9]*) minors+=("$m") ;;
		*) die "bad Go minor '$m' (expected e.g. 1.22)" ;;
		esac
	done
	((${#minors[@]})) || minors=("${DEFAULT_MINORS[@]}")
	need_cmd apt-get apt-cache dpkg
	mkdir -p "$GODIR"
	for m in "${minors[@]}"; do
		fetch_one "$m" || failed+=("$m")
	done
	# Each failure already printed its own line.
	((${#failed[@]} == 0))
}

main "$@"
