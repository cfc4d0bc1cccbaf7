#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-metrics.sh [--quick] [RUNS]: what serving --metrics costs the program
# it watches, in one run: go-server-http (the bundled server) under wrk on
# loopback, untraced, then watched by `goroutine -p PID --metrics ADDR` with
# a scrape every second (curl), probe-free (--mode snapshot) and with the
# probes (the default, the kernel's aggregate), the three interleaved RUNS
# times. Prints the median requests/s of each and the ratios to untraced; the
# goal, the issue's: probe-free within 2% of untraced (ratio >= 0.98). Ends
# with PASS or FAIL for that goal. Default RUNS 5 of 10 s (about 3 minutes);
# --quick: 3 runs of 3 s.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

runs=5 secs=10
usage="usage: bench-metrics.sh [--quick] [RUNS]"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) runs=3 secs=3 ;;
	-h | --help)
		sed -n '4,14s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*[!0-9]* | 0 | '') die "unknown argument '$1' ($usage)" ;;
	*) runs=$1 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || die "needs root (BPF)"
# wrk is this benchmark's load: installed from Debian when missing, as the suite's tools are.
if ! command -v wrk >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk \
		>/dev/null 2>&1 || true
fi
need_cmd wrk curl
build=${BUILD:-$top/build}
"$top/scripts/build.sh" "$build"
tracer=$build/goroutine server=$top/go-server-http/main
[ -x "$server" ] || die "$server missing: build first"
work=$(mktemp -d /tmp/bench-metrics.XXXXXX)
spid="" tpid="" spid_scrape=""
cleanup() {
	for p in $spid_scrape $tpid $spid; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# one CONFIG: requests/s of one wrk run; CONFIG untraced, snapshot or probes.
one() {
	local conf=$1 addr="" maddr="" rps _
	: >"$work/srv"
	"$server" --addr 127.0.0.1:0 >"$work/srv" 2>&1 &
	spid=$!
	for _ in $(seq 100); do
		addr=$(sed -n 's/^Listening on //p' "$work/srv")
		[ -n "$addr" ] && break
		sleep 0.05
	done
	[ -n "$addr" ] || die "the server did not start"
	if [ "$conf" != untraced ]; then
		: >"$work/terr"
		if [ "$conf" = snapshot ]; then
			"$tracer" -p "$spid" --metrics 127.0.0.1:0 --mode snapshot >/dev/null 2>"$work/terr" &
		else
			"$tracer" -p "$spid" --metrics 127.0.0.1:0 >/dev/null 2>"$work/terr" &
		fi
		tpid=$!
		for _ in $(seq 200); do
			maddr=$(sed -n 's|^goroutine: metrics at http://\(.*\)/metrics$|\1|p' "$work/terr")
			[ -n "$maddr" ] && break
			sleep 0.05
		done
		[ -n "$maddr" ] || die "$conf: no metrics address: $(cat "$work/terr")"
		# The scrape Prometheus would make, every second, while the load runs.
		(while :; do
			curl -sf "http://$maddr/metrics" -o /dev/null || true
			sleep 1
		done) &
		spid_scrape=$!
	fi
	wrk -t1 -c32 -d"${secs}s" "http://$addr/" >"$work/wrk" 2>&1 || die "wrk failed: $(cat "$work/wrk")"
	rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk")
	if [ -n "$spid_scrape" ]; then
		kill "$spid_scrape" 2>/dev/null || true
		wait "$spid_scrape" 2>/dev/null || true
		spid_scrape=""
	fi
	if [ -n "$tpid" ]; then
		kill -INT "$tpid" 2>/dev/null || true
		wait "$tpid" || die "$conf: the tracer failed: $(tail -n 3 "$work/terr")"
		tpid=""
	fi
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	spid=""
	echo "$rps"
}

declare -A all
confs=(untraced snapshot probes)
for ((r = 1; r <= runs; r++)); do
	# Rotated each run, so that no configuration always comes first.
	for ((k = 0; k < ${#confs[@]}; k++)); do
		c=${confs[$(((k + r) % ${#confs[@]}))]}
		v=$(one "$c")
		all[$c]="${all[$c]:-} $v"
		info "run $r/$runs $c: $v req/s"
	done
done
base=$(median "${all[untraced]}")
printf '\ngo-server-http under wrk -t1 -c32 -d%ss, a /metrics scrape every 1 s (medians of %s runs)\n' \
	"$secs" "$runs"
printf '%-10s %12s %8s\n' CONFIG REQ/S RATIO
for c in "${confs[@]}"; do
	m=$(median "${all[$c]}")
	printf '%-10s %12s %8s\n' "$c" "$m" "$(div "$m" "$base")"
done
ratio=$(div "$(median "${all[snapshot]}")" "$base")
if awk -v r="$ratio" 'BEGIN { exit !(r >= 0.98) }'; then
	echo "PASS: probe-free --metrics at $ratio of untraced (goal >= 0.98)"
else
	echo "FAIL: probe-free --metrics at $ratio of untraced (goal >= 0.98)"
	exit 1
fi
