# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# scripts/lib.sh - helpers sourced by the fixture scripts (not executable).
# Everything downloaded or built lives under cache_root, never in the clone,
# so a fresh checkout stays small and several clones share one cache.

# Where every fetched toolchain, built fixture and npm binary goes.
cache_root() {
	printf '%s\n' "${GOTRACER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gotracer}"
}

# Top of the repository, derived from this file so callers may run from anywhere.
repo_root() {
	(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
}

# One line on stderr, prefixed with the script name, so CI logs say who spoke.
info() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "${0##*/}" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# Only print when GOTRACER_VERBOSE is set: warm runs must stay quiet.
debug() { if [[ -n "${GOTRACER_VERBOSE:-}" ]]; then info "$@"; fi; }

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || die "missing command '$c'"
	done
}

# Hash of stdin; stamps compare these instead of timestamps so a touched but
# unchanged file does not trigger a rebuild.
hash_stdin() { sha256sum | cut -d' ' -f1; }

# Write a file atomically so an interrupted run never leaves a half stamp.
write_atomic() { # path content
	local tmp="$1.tmp.$$"
	printf '%s\n' "$2" >"$tmp" && mv -f "$tmp" "$1"
}

# Age in seconds of a file's mtime, or a huge number if it does not exist.
file_age() {
	local m
	if m=$(stat -c %Y "$1" 2>/dev/null); then
		echo $(($(date +%s) - m))
	else
		echo 999999999
	fi
}

# The benches' arithmetic (scripts/bench-*.sh), one definition each. Samples are
# a space-separated string of numbers; no grep, which fails on no input under
# pipefail.
# median "N N ...": the middle sample as given, the lower of the two middle ones
# for an even count (a time that was measured, not the mean of two); empty for none.
median() { tr -s ' ' '\n' <<<"$1" | sort -g | awk 'NF { a[++n] = $1 } END { if (n) print a[int((n + 1) / 2)] }'; }
# maximum "N N ...": the largest sample, empty for none.
maximum() { tr -s ' ' '\n' <<<"$1" | sort -g | awk 'NF { m = $1 } END { print m }'; }
# div A B: A / B to 6 decimals when both are numbers and B is not 0; empty when
# either is a word (FAILED, n/a) or empty, so that callers print their own dash.
div() {
	awk -v a="$1" -v b="$2" 'BEGIN { n = "^[0-9]*[.]?[0-9]+$"
		if (a ~ n && b ~ n && b + 0 != 0) printf "%.6f\n", a / b }'
}

# The benches' --baseline DIR: another build of this project to measure against
# in the same run. baseline_dir DIR TOOL...: DIR made absolute, once every TOOL
# is an executable in it; dies naming what is missing.
baseline_dir() {
	local d t
	d=$(cd "$1" 2>/dev/null && pwd) || die "--baseline: '$1' is not a directory"
	shift
	for t; do
		[ -x "$d/$t" ] || die "--baseline: no executable $d/$t (a build directory of this project?)"
	done
	printf '%s\n' "$d"
}
# build_commit DIR: the short commit of the tree a CMake build directory was
# configured from, "+dirty" when that tree has uncommitted changes; "unknown"
# when there is no cache or no git, so a report says what it compared.
build_commit() {
	local src c
	src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$1/CMakeCache.txt" 2>/dev/null || true)
	if [ -n "$src" ] && c=$(git -C "$src" rev-parse --short HEAD 2>/dev/null); then
		if [ -n "$(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
			c+=+dirty
		fi
		printf '%s\n' "$c"
	else
		echo unknown
	fi
}
# holds VALUE OP LIMIT: true when the number VALUE is OP (le, ge) LIMIT; false
# for anything else, a word or an empty VALUE included.
holds() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { n = "^[0-9]*[.]?[0-9]+$"
		exit !(v ~ n && (op == "ge" ? v + 0 >= l + 0 : op == "le" ? v + 0 <= l + 0 : 0)) }'
}
