#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-tracer.sh [--quick] [RUNS]: what tracing costs the traced program, in
# one run, interleaved, as medians and ratios:
#   - pingpong (a fixed number of channel round trips; it prints its own
#     elapsed time) built with go1.19 (casgstatus entry is single-stepped) and
#     go1.24 (entry is an emulated PUSH): untraced; our count-only mode at the
#     entry and at the resolver's cheap probe point; bpftrace count and printf
#     one-liners; our tracer writing every event as a table and as JSON, and
#     aggregating in the kernel (--summary);
#   - go-server-http under wrk on loopback: untraced, our count-only mode (the
#     probes' own cost: the ceiling for the rest), our tracer streaming every
#     event and aggregating (--summary), bpftrace's count one-liner.
# Installs bpftrace and wrk if missing. Default under 15 minutes, --quick under 2.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

runs=3 n19=300000 n24=1000000 wrk_secs=10
if [ "${1:-}" = --quick ]; then
	runs=1 n19=30000 n24=200000 wrk_secs=3
	shift
fi
runs=${1:-$runs}
[ "$(id -u)" -eq 0 ] || die "needs root (BPF)"
for p in bpftrace wrk; do
	command -v "$p" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
T=$top/build/goroutine
[ -x "$T" ] || die "build first (scripts/build.sh)"
cache=$(cache_root)
pp19=$cache/fixtures/go1.19/pingpong-dwarf
pp24=$cache/fixtures/go1.24/pingpong-dwarf
for f in "$pp19" "$pp24"; do [ -x "$f" ] || die "missing fixture $f (run scripts/fixtures.sh)"; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A secs events lost
record() { # KEY SECONDS EVENTS LOST
	secs[$1]+="$2 "
	events[$1]=$3
	lost[$1]+="$4 "
}
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
elapsed() { sed -n 's/^pingpong: [0-9]* round trips in \([0-9.]*\) s$/\1/p' "$1"; }
ours() { # KEY PINGPONG N ARGS...: the run's own elapsed time, our event and loss counts
	local key=$1 pp=$2 n=$3
	shift 3
	"$T" "$@" -- "$pp" "$n" >"$work/out" 2>"$work/err" || die "$key: $(tail -n 2 "$work/err")"
	record "$key" "$(elapsed "$work/out")" \
		"$(sed -n 's/^goroutine: \([0-9]*\) events, \([0-9]*\) lost$/\1/p' "$work/err")" \
		"$(sed -n 's/^goroutine: [0-9]* events, \([0-9]*\) lost$/\1/p' "$work/err")"
}
bpft() { # KEY PINGPONG N PROGRAM
	local key=$1 pp=$2 n=$3 prog=$4
	bpftrace -q -e "$prog" -c "$pp $n" >"$work/out" 2>"$work/err" || die "$key: $(tail -n 2 "$work/err")"
	local c
	c=$(sed -n 's/^@c: \([0-9]*\)$/\1/p' "$work/out")
	[ -n "$c" ] || c=$(grep -c '^[0-9]' "$work/out" || true)
	record "$key" "$(elapsed "$work/out")" "$c" "?"
}

pingpong() { # LABEL BINARY N
	local label=$1 pp=$2 n=$3 r
	for r in $(seq "$runs"); do
		"$pp" "$n" >"$work/out"
		record "$label/untraced" "$(elapsed "$work/out")" 0 0
		ours "$label/ours-count-entry" "$pp" "$n" --mode count --probe entry
		ours "$label/ours-count" "$pp" "$n" --mode count
		ours "$label/ours-table" "$pp" "$n" -o "$work/ev.txt"
		ours "$label/ours-json" "$pp" "$n" --json -o "$work/ev.json"
		ours "$label/ours-summary" "$pp" "$n" --summary -o "$work/summary.txt"
		bpft "$label/bpftrace-count" "$pp" "$n" "uprobe:$pp:runtime.casgstatus { @c = count(); }"
		bpft "$label/bpftrace-printf" "$pp" "$n" \
			"uprobe:$pp:runtime.casgstatus { printf(\"%d %d %d\\n\", pid, tid, reg(\"cx\")); }"
		echo "  $label run $r/$runs done" >&2
	done
}

report() { # LABEL
	local label=$1 k base
	base=$(median "${secs[$label/untraced]}")
	printf '\n%s (medians of %s runs)\n' "$label" "$runs"
	printf '%-20s %10s %10s %12s %8s\n' CONFIG "SECONDS" "x UNTRACED" EVENTS LOST
	for k in untraced ours-count-entry ours-count ours-table ours-json ours-summary bpftrace-count \
		bpftrace-printf; do
		local s
		s=$(median "${secs[$label/$k]}")
		printf '%-20s %10.3f %10.1f %12s %8s\n' "$k" "$s" "$(echo "$s / $base" | bc -l)" \
			"${events[$label/$k]}" "$(median "${lost[$label/$k]}")"
	done
}

ratio() { # LABEL A B: median(A) / median(B)
	echo "$(median "${secs[$1/$2]}") / $(median "${secs[$1/$3]}")" | bc -l
}

pingpong go1.19 "$pp19" "$n19"
pingpong go1.24 "$pp24" "$n24"

# HTTP: requests/s of the bundled server under wrk, untraced and traced.
http() { # KEY [TRACER ARGS...]
	local key=$1 addr spid tpid=""
	shift
	: >"$work/srv" # exists before the background job opens it
	"$top/go-server-http/main" --addr 127.0.0.1:0 >"$work/srv" 2>&1 &
	spid=$!
	for _ in $(seq 100); do
		addr=$(sed -n 's/^Listening on //p' "$work/srv")
		[ -n "$addr" ] && break
		sleep 0.05
	done
	if [ "$key" = bpftrace-count ]; then
		bpftrace -q -e "uprobe:$top/go-server-http/main:runtime.casgstatus /pid == $spid/ { @c = count(); }" \
			>"$work/bt" 2>&1 &
		tpid=$!
		sleep 3
	elif [ $# -gt 0 ]; then
		: >"$work/terr"
		"$T" "$@" -p "$spid" >/dev/null 2>"$work/terr" &
		tpid=$!
		for _ in $(seq 100); do grep -q '^goroutine: tracing' "$work/terr" && break; sleep 0.05; done
	fi
	wrk -t1 -c32 -d"${wrk_secs}s" "http://$addr/" >"$work/wrk"
	[ -n "$tpid" ] && kill -INT "$tpid" && wait "$tpid" || true
	kill "$spid"
	wait "$spid" 2>/dev/null || true
	record "http/$key" "$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk")" \
		"$(sed -n 's/^goroutine: \([0-9]*\) events, [0-9]* lost$/\1/p' "$work/terr" 2>/dev/null)" \
		"$(sed -n 's/^goroutine: [0-9]* events, \([0-9]*\) lost$/\1/p' "$work/terr" 2>/dev/null)"
	: >"$work/terr"
}
for r in $(seq "$runs"); do
	http untraced
	http ours-count --mode count
	http ours-table -o "$work/ev-http.txt"
	http ours-summary --summary -o /dev/null
	http bpftrace-count
	echo "  http run $r/$runs done" >&2
done

report go1.19
report go1.24
printf '\nhttp: go-server-http under wrk -t1 -c32 -d%ss (medians of %s runs)\n' "$wrk_secs" "$runs"
u=$(median "${secs[http/untraced]}")
for k in untraced ours-count ours-table ours-summary bpftrace-count; do
	v=$(median "${secs[http/$k]}")
	printf '%-20s %10.0f req/s %6.1f%% of untraced  events %s lost %s\n' "$k" "$v" \
		"$(echo "100 * $v / $u" | bc -l)" "${events[http/$k]:-}" "$(median "${lost[http/$k]:-0}")"
done

printf '\ntargets\n'
printf 'go1.19 table vs bpftrace count-only:  %.1fx faster (goal >= 8x)\n' "$(ratio go1.19 bpftrace-count ours-table)"
printf 'go1.24 table / bpftrace count-only:   %.2f (goal <= 1.3)\n' "$(ratio go1.24 ours-table bpftrace-count)"
printf 'go1.24 table / our count-only:        %.2f (goal <= 1.3)\n' "$(ratio go1.24 ours-table ours-count)"
printf 'go1.19 summary / our count-only:      %.2f (goal <= 1.05)\n' "$(ratio go1.19 ours-summary ours-count)"
printf 'go1.24 summary / our count-only:      %.2f (goal <= 1.05)\n' "$(ratio go1.24 ours-summary ours-count)"
printf 'http table: %.0f%% of untraced (goal >= 50%%)\n' "$(echo "100 * $(median "${secs[http/ours-table]}") / $u" | bc -l)"
