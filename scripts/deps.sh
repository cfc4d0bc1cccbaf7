#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [--test]: install what building (and, with --test, testing) needs,
# from Debian's packages. Idempotent and silent when everything is present:
# apt-get runs only for packages that are missing.
set -euo pipefail

build_pkgs=(gcc make cmake pkg-config clang llvm bpftool libbpf-dev libelf-dev
	libdwarf-dev libcjson-dev zlib1g-dev libcapstone-dev libprotobuf-c-dev protobuf-c-compiler
	libmicrohttpd-dev golang-go help2man)
# Test oracles and fixture fetchers: pahole (dwarves) and nm (binutils) check the
# resolver independently; npm fetches prebuilt Go binaries; dpkg-dev/apt fetch
# Go toolchains; headless chromium opens the --html report; the style test runs
# clang-format and shellcheck; Delve is what bench-dump.sh compares --dump with;
# prometheus (its server, and promtool) reads what --metrics serves. package-deb:
# dpkg-dev (dpkg-shlibdeps, for cpack's Depends), man-db, systemd (systemd-analyze),
# strace (the exporter's system calls, held against the unit's SystemCallFilter=).
test_pkgs=(dwarves binutils jq gawk bc xz-utils libcap2-bin util-linux libclang-rt-dev
	chromium curl procps clang-format shellcheck delve prometheus
	dpkg-dev man-db systemd strace)

pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && pkgs+=("${test_pkgs[@]}")
# npm may come from another source than Debian (e.g. nodesource): any npm will do.
if [ "${1:-}" = "--test" ] && ! command -v npm >/dev/null; then
	pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
