#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz.sh [--smoke] [-j N] [--runs N] [SECONDS] [TARGET...]: fuzz the parsers.
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in
# build-fuzz/ (or $FUZZ_BUILD), makes seed corpora from real Go binaries and
# small synthetic ones into $CACHE/fuzz/<target>/seeds, then runs each target
# for SECONDS (default 60), N at a time (default 1), niced, and prints one row
# per target: executions, executions per second, crashes (timeouts and
# out-of-memory count as crashes) and leaks. Exits 1 on any finding, whose
# input is saved under build-fuzz/findings/<target>/ (fix the bug, then copy
# the input into tests/fuzz/regressions/<target>/, which every run and CTest
# replay). The working corpus grows in $CACHE/fuzz/<target>/corpus.
# --smoke: a few seconds per target ($FUZZ_SMOKE_SECONDS, default 5) on the
# seeds alone, for CTest; exits 77 (skip) when clang cannot build a fuzzer,
# except under CI=true, where that fails.
# TARGETS: elfbuf pclntab buildinfo gotypes dwarfg profile resolver probepoint record gosym snapshot.
# FUZZ_MAX_LEN=BYTES caps the input length (default: the largest seed, a whole
# binary); 65536 fuzzes the ELF-level targets on the small seeds, ~40x faster.
# --runs N: stop each target after N executions (10M, 500k, 1e7 are understood)
# or at SECONDS (then default 7200), whichever comes first; with -j 2, the
# slow targets first: --runs 10M -j 2 gotypes dwarfg elfbuf profile ...
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

top=$(repo_root)
all_targets=(elfbuf pclntab buildinfo gotypes dwarfg profile resolver probepoint record gosym snapshot)
smoke=0 secs='' jobs=1 runs=0 targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 secs=${FUZZ_SMOKE_SECONDS:-5} ;;
	-j | --runs) [ $# -ge 2 ] || die "$1 wants a number (see --help)" ;;&
	-j) jobs=$2; shift ;;
	--runs)
		case $2 in
		*[0-9][Mm]) runs=$((${2%?} * 1000000)) ;;
		*[0-9][kK]) runs=$((${2%?} * 1000)) ;;
		*[0-9]e[0-9]*) runs=$(gawk -v n="$2" 'BEGIN { printf "%d", n + 0 }') ;;
		*) runs=$2 ;;
		esac
		[[ $runs =~ ^[0-9]+$ ]] && [ "$runs" -gt 0 ] || die "--runs wants a count, not '$2'"
		shift
		;;
	-h | --help) sed -n '4,24s/^# \{0,1\}//p' "$0"; exit 0 ;;
	[0-9]*) secs=$1 ;;
	*)
		[[ " ${all_targets[*]} " == *" $1 "* ]] || die "unknown target '$1' (see --help)"
		targets+=("$1")
		;;
	esac
	shift
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
if [ -z "$secs" ]; then
	secs=60
	[ "$runs" -gt 0 ] && secs=7200
fi

bld=${FUZZ_BUILD:-$top/build-fuzz}
cache=$(cache_root)/fuzz
work=$(mktemp -d /tmp/gotracer-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Can clang link a libFuzzer program here (Debian: libclang-rt-dev)?
printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return d && n; }\n' >"$work/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" 2>/dev/null; then
	msg="clang cannot build a libFuzzer target (install clang and libclang-rt-dev)"
	if [ "$smoke" = 1 ] && [ "${CI:-}" != true ]; then
		info "$msg: skipping"
		exit 77
	fi
	die "$msg"
fi

# --- build -------------------------------------------------------------------------------
log="$work/build.log"
if [ ! -f "$bld/CMakeCache.txt" ]; then
	cmake -S "$top" -B "$bld" -DCMAKE_C_COMPILER=clang -DGOTRACER_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$log" 2>&1 || {
		cat "$log" >&2
		die "configuring $bld failed"
	}
fi
nice cmake --build "$bld" --target fuzz -j"$(nproc)" >"$log" 2>&1 || {
	cat "$log" >&2
	die "building the fuzz targets failed"
}
fz="$bld/tests/fuzz"

# --- seeds -------------------------------------------------------------------------------
# Real binaries: the hello fixtures of the oldest, a middle and the newest cached
# toolchain, and the oldest npm esbuild (go1.14: the 1.2 table and name formats).
fixtures=$(cache_root)/fixtures
mapfile -t vers < <(for d in "$fixtures"/go1.*; do [ -d "$d" ] && echo "${d##*go1.}"; done | sort -n)
picked=()
if [ ${#vers[@]} -gt 0 ]; then
	picked=("${vers[0]}" "${vers[$((${#vers[@]} / 2))]}" "${vers[-1]}")
	mapfile -t picked < <(printf '%s\n' "${picked[@]}" | sort -nu)
fi
hello() { # MINOR MODE: path of that fixture, or nothing
	local f="$fixtures/go1.$1/hello-$2"
	if [ -f "$f" ]; then echo "$f"; fi
}
esbuild_old="$(cache_root)/npm/esbuild-linux-64-0.1.26/package/bin/esbuild"
[ -f "$esbuild_old" ] || esbuild_old=

# Without fixtures, build a hello with the system Go (seeds then cover only it).
if [ ${#picked[@]} -eq 0 ] && command -v go >/dev/null; then
	src="$cache/src"
	minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
	fixtures="$cache/src/fixtures"
	mkdir -p "$src" "$fixtures/go1.$minor"
	if [ ! -f "$fixtures/go1.$minor/hello-stripped" ]; then
		printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' \
			>"$src/hello.go"
		(cd "$src" && GO111MODULE=off go build -o "$fixtures/go1.$minor/hello-dwarf" hello.go &&
			GO111MODULE=off go build -ldflags='-s -w' \
				-o "$fixtures/go1.$minor/hello-stripped" hello.go) >"$log" 2>&1 ||
			warn "building a hello with the system go failed: $(tail -1 "$log")"
	fi
	picked=("$minor")
fi

seed_key=$({
	cat "$0" "$top/tests/fuzz/mkseeds.c"
	for v in "${picked[@]}"; do ls -l "$fixtures/go1.$v"/hello-* 2>/dev/null; done
	echo "$esbuild_old"
} | hash_stdin)

# The bytes of section NAME of FILE into OUT (nothing when absent or empty).
section() {
	objcopy -O binary --only-section="$2" "$1" "$3" 2>/dev/null || true
	[ -s "$3" ] || rm -f "$3"
}

# FILE OUT: the file without section headers, cut after its last PT_LOAD.
headerless() {
	local end
	end=$(readelf -lW "$1" | gawk '$1 == "LOAD" { e = strtonum($2) + strtonum($5)
		if (e > m) m = e } END { print m + 0 }')
	head -c "$end" "$1" >"$2"
	perl -e 'open(F, "+<", $ARGV[0]) or die; seek(F, 0x28, 0); print F pack("Q<", 0);
		seek(F, 0x3c, 0); print F pack("vv", 0, 0); close(F)' "$2"
}

# DWARF of a tiny C "runtime" unit whose struct is renamed runtime.g: a 2 KB seed.
c_dwarf() { # DWARF_VERSION OUT
	local d="$work/cdw"
	mkdir -p "$d"
	cat >"$d/runtime" <<-'EOF'
		struct runtime_stack { unsigned long lo, hi; };
		struct runtime_g {
			struct runtime_stack stack;
			unsigned long stackguard0, stackguard1;
			void *_panic, *_defer, *m;
			unsigned long sched[7], syscallsp, syscallpc, stktopsp, param;
			unsigned int atomicstatus, stackLock;
			unsigned long goid, schedlink, waitsince;
			unsigned char waitreason;
			unsigned long parentGoid;
		} runtime_g_var;
	EOF
	(cd "$d" && gcc -g -gdwarf-"$1" -nostdlib -static -Wl,-e,0 -x c runtime -o r) \
		>/dev/null 2>&1 || return 0
	objcopy --only-section='.debug_*' "$d/r" "$2" 2>/dev/null || return 0
	perl -pi -e 's/runtime_g\0/runtime.g\0/g' "$2"
}

dwarf_seeds() { # FILE PREFIX OUTDIR
	local s="$3/$2"
	objcopy --only-section=.debug_info --only-section=.debug_abbrev \
		--only-section=.debug_str --only-section=.debug_line_str \
		--only-section=.debug_str_offsets --only-section=.zdebug_info \
		--only-section=.zdebug_abbrev --only-section=.zdebug_str "$1" "$s" 2>/dev/null ||
		return 0
	objcopy --decompress-debug-sections "$s" "$s-plain" 2>/dev/null &&
		objcopy --compress-debug-sections=zlib-gnu "$s-plain" "$s-zdebug" 2>/dev/null || true
}

make_seeds() {
	local t s="$work/seeds" v f p
	for t in "${all_targets[@]}"; do mkdir -p "$s/$t"; done
	"$fz/fuzz_mkseeds" "$s"
	c_dwarf 4 "$s/dwarfg/c-dwarf4"
	c_dwarf 5 "$s/dwarfg/c-dwarf5"
	[ -f "$s/dwarfg/c-dwarf5" ] && objcopy --compress-debug-sections=zlib \
		"$s/dwarfg/c-dwarf5" "$s/dwarfg/c-dwarf5-zlib" 2>/dev/null || true
	[ -x /bin/true ] && cp /bin/true "$s/elfbuf/bin-true"
	# snapshot: a real maps text (mode 2), and a g's worth of this shell's stack (modes 0, 1).
	{ printf '\002'; cat /proc/self/maps; } >"$s/snapshot/maps"
	{ printf '\000'; head -c 512 /proc/self/maps; } >"$s/snapshot/g"
	{ printf '\001'; head -c 600 /dev/urandom; } >"$s/snapshot/stack"
	for v in "${picked[@]}"; do
		for f in $(hello "$v" stripped) $(hello "$v" extld); do
			section "$f" .gopclntab "$s/pclntab/go1.$v-${f##*-}"
			section "$f" .go.buildinfo "$s/buildinfo/go1.$v-${f##*-}"
		done
		f=$(hello "$v" dwarf)
		if [ -n "$f" ]; then
			"$fz/fuzz_mkseeds" gotypes "$f" "$v" "$s/gotypes/go1.$v"
			"$bld/gooffsets" "$f" >"$s/profile/go1.$v-dwarf.json" 2>/dev/null || true
		fi
		f=$(hello "$v" stripped)
		[ -n "$f" ] && "$fz/fuzz_mkseeds" probepoint "$f" 0 "$s/probepoint/go1.$v"
		for p in stripped pie; do
			f=$(hello "$v" $p)
			[ -n "$f" ] || continue
			"$bld/gooffsets" "$f" >"$s/profile/go1.$v-$p.json" 2>/dev/null || true
		done
	done
	if [ ${#picked[@]} -gt 0 ]; then
		v=${picked[0]}
		f=$(hello "$v" dwarf)
		[ -n "$f" ] && dwarf_seeds "$f" "go1.$v" "$s/dwarfg"
		f=$(hello "$v" stripped)
		[ -n "$f" ] && cp "$f" "$s/elfbuf/go1.$v-stripped" &&
			cp "$f" "$s/resolver/go1.$v-stripped" &&
			headerless "$f" "$s/resolver/go1.$v-headerless"
		f=$(hello "$v" extld)
		[ -n "$f" ] && cp "$f" "$s/resolver/go1.$v-extld"
		v=${picked[-1]}
		f=$(hello "$v" dwarf)
		[ -n "$f" ] && dwarf_seeds "$f" "go1.$v" "$s/dwarfg"
		f=$(hello "$v" pie)
		[ -n "$f" ] && cp "$f" "$s/resolver/go1.$v-pie" &&
			headerless "$f" "$s/elfbuf/go1.$v-pie-headerless"
		f=$(hello "$v" stripped)
		[ -n "$f" ] && cp "$f" "$s/resolver/go1.$v-stripped"
	fi
	if [ -n "$esbuild_old" ]; then
		section "$esbuild_old" .gopclntab "$s/pclntab/esbuild-go1.14"
		section "$esbuild_old" .go.buildinfo "$s/buildinfo/esbuild-go1.14"
		"$fz/fuzz_mkseeds" gotypes "$esbuild_old" 14 "$s/gotypes/esbuild-go1.14"
		"$fz/fuzz_mkseeds" probepoint "$esbuild_old" 1 "$s/probepoint/esbuild-go1.14"
		dwarf_seeds "$esbuild_old" esbuild-go1.14 "$s/dwarfg"
	fi
	find "$s" -type f -empty -delete
	for t in "${all_targets[@]}"; do
		rm -rf "$cache/$t/seeds"
		mkdir -p "$cache/$t"
		mv "$s/$t" "$cache/$t/seeds"
	done
	write_atomic "$cache/seeds.stamp" "$seed_key"
}

mkdir -p "$cache"
if [ "$(cat "$cache/seeds.stamp" 2>/dev/null)" != "$seed_key" ]; then
	make_seeds
fi

# --- runs --------------------------------------------------------------------------------
run_one() { # TARGET: fuzz it; writes "execs exec/s crashes leaks" to $work/TARGET.res
	local t=$1 out="$bld/findings/$1" corpus max dirs=() args=() l="$work/$1.log" rc=0
	local execs eps crashes leaks
	if [ "$smoke" = 1 ]; then
		corpus="$work/corpus-$t"
	else
		corpus="$cache/$t/corpus"
	fi
	mkdir -p "$corpus" "$out"
	dirs=("$corpus" "$cache/$t/seeds")
	[ -d "$top/tests/fuzz/regressions/$t" ] && dirs+=("$top/tests/fuzz/regressions/$t")
	# Inputs as long as the largest seed (a whole binary for the ELF-level targets).
	max=$(find "${dirs[@]}" -type f -printf '%s\n' | sort -n | tail -1)
	max=$((${max:-0} > 4096 ? max : 4096))
	# FUZZ_MAX_LEN caps it: longer seeds are cut, so only the small ones stay useful.
	max=${FUZZ_MAX_LEN:-$max}
	[ -f "$top/tests/fuzz/$t.dict" ] && args+=(-dict="$top/tests/fuzz/$t.dict")
	# The suite's smoke run explores the same mutations every time (a fixed seed):
	# new ground is for the long runs, not for a CI run to stumble on.
	[ "$smoke" = 1 ] && args+=(-seed=1)
	[ "$runs" -gt 0 ] && args+=(-runs="$runs")
	nice -n 10 "$fz/fuzz_$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 \
		-malloc_limit_mb=2048 -max_len="$max" -print_final_stats=1 \
		-artifact_prefix="$out/" "${args[@]}" "${dirs[@]}" >"$l" 2>&1 || rc=$?
	cp "$l" "$out/last.log"
	execs=$(gawk '/^stat::number_of_executed_units:/ { print $2 }' "$l")
	[ -n "$execs" ] || execs=$(grep -aoE '^#[0-9]+' "$l" | tail -1 | tr -d '#' || true)
	eps=$(gawk '/^stat::average_exec_per_sec:/ { print $2 }' "$l")
	[ -n "$eps" ] || eps=$(grep -aoE 'exec/s: [0-9]+' "$l" | tail -1 | gawk '{ print $2 }' || true)
	crashes=$(find "$out" -maxdepth 1 -newer "$work/start" \
		\( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	leaks=$(find "$out" -maxdepth 1 -newer "$work/start" -name 'leak-*' | wc -l)
	# A failure that left no input behind still counts.
	if [ "$rc" -ne 0 ] && [ $((crashes + leaks)) -eq 0 ]; then
		crashes=1
	fi
	echo "${execs:-0} ${eps:-0} $crashes $leaks" >"$work/$t.res"
}

touch "$work/start"
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
	run_one "$t" &
done
wait

rc=0
printf '%-10s %12s %9s %8s %6s\n' target executions exec/s crashes leaks
for t in "${targets[@]}"; do
	# A run that died before writing its result is a finding too.
	[ -f "$work/$t.res" ] || echo "0 0 1 0" >"$work/$t.res"
	read -r execs eps crashes leaks <"$work/$t.res"
	printf '%-10s %12s %9s %8s %6s\n' "$t" "$execs" "$eps" "$crashes" "$leaks"
	if [ $((crashes + leaks)) -gt 0 ]; then
		rc=1
	fi
done
for t in "${targets[@]}"; do
	read -r execs eps crashes leaks <"$work/$t.res"
	[ $((crashes + leaks)) -gt 0 ] || continue
	echo "--- $t: $(grep -aE '^(SUMMARY|==[0-9]+==ERROR)|invariant failed' \
		"$bld/findings/$t/last.log" | head -3)"
	grep -aE '^ +#[0-9]+ ' "$bld/findings/$t/last.log" | head -8 || true
	find "$bld/findings/$t" -maxdepth 1 -newer "$work/start" \
		\( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) |
		sed 's/^/    input: /'
	echo "    log: $bld/findings/$t/last.log"
done
exit $rc
