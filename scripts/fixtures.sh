#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/fixtures.sh [--skip-go] [--skip-build] [--skip-npm] [1.NN ...] -
# prepare every test fixture in the cache: fetch the Go toolchains, build the
# Go programs with them, fetch the prebuilt npm Go binaries. Minors given on
# the command line restrict the first two steps. Each step is idempotent and
# quiet when up to date, so the test command can run this every time.
#
# A step that fails (one toolchain missing, say) does not stop the others:
# the tests can still use what exists; the exit status is 1 if any step failed.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

here=$(dirname "${BASH_SOURCE[0]}")
do_go=1 do_build=1 do_npm=1
minors=()
for a in "$@"; do
	case $a in
	--skip-go) do_go=0 ;;
	--skip-build) do_build=0 ;;
	--skip-npm) do_npm=0 ;;
	1.[0-9]*) minors+=("$a") ;;
	-h | --help)
		sed -n '3,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
		exit 0
		;;
	*) die "unknown argument '$a' (see --help)" ;;
	esac
done

rc=0
if ((do_go)); then
	"$here/fetch-go-toolchains.sh" "${minors[@]}" || rc=1
fi
if ((do_build)); then
	"$here/build-fixtures.sh" "${minors[@]}" || rc=1
fi
if ((do_npm)); then
	"$here/fetch-npm-fixtures.sh" || rc=1
fi
if ((rc)); then
	info "some fixtures are missing (see above); cache: $(cache_root)"
fi
exit "$rc"
