#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# style: the house style, checked: every C file of the tree formatted as
# .clang-format says (kernel style), and no warning from shellcheck on any
# shell script. A missing checker is a failure under CI, a skip elsewhere.
source "$(dirname "$0")/../lib.sh"
cd "$SRC" || fail "cannot enter $SRC"
for tool in clang-format shellcheck; do
	if ! command -v "$tool" >/dev/null; then
		[ "${CI:-}" = true ] && fail "$tool is not installed (scripts/deps.sh --test installs it)"
		echo "SKIP [$TEST_NAME]: $tool is not installed" >&2
		exit "$SKIP"
	fi
done
# The tracked files; a tree without git (an unpacked tarball) is searched instead.
if git rev-parse --show-toplevel >/dev/null 2>&1; then
	mapfile -t cfiles < <(git ls-files '*.c' '*.h')
	mapfile -t shfiles < <(git ls-files '*.sh' .ci/run)
else
	mapfile -t cfiles < <(find bpf resolver tracer tests -name '*.[ch]' | sort)
	mapfile -t shfiles < <(find scripts tests -name '*.sh' | sort; echo .ci/run)
fi
[ ${#cfiles[@]} -gt 10 ] && [ ${#shfiles[@]} -gt 10 ] ||
	fail "found only ${#cfiles[@]} C and ${#shfiles[@]} shell files under $SRC"
clang-format --dry-run --Werror "${cfiles[@]}" >"$WORK/cf" 2>&1 ||
	fail "not formatted as .clang-format says (clang-format -i FILE fixes it):
$(grep -E 'warning|error' "$WORK/cf" | head -20)"
shellcheck -x -S warning "${shfiles[@]}" >"$WORK/sc" 2>&1 ||
	fail "shellcheck warnings:
$(head -40 "$WORK/sc")"
pass "${#cfiles[@]} C files formatted, ${#shfiles[@]} shell scripts without shellcheck warnings"
