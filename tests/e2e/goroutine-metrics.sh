#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-metrics: goroutine --metrics ADDR as Prometheus sees it.
#  1. On the parked fixture (-p PID): a curl scrape's gauges are the known
#     population (1100 chan receive, 200 sync.Mutex.Lock, 100 sleep, 50
#     select {} plus goroutine 1's, 30 sync.Cond.Wait, 1 IO wait; main.tick's
#     select and os/signal's syscall besides), none of which switches state
#     while traced; the leak candidates are grouped by start function and
#     creation site; `promtool check metrics` finds nothing to say; anything
#     but GET /metrics is 404.
#  2. A real Prometheus server scraping it every second (and a second tracer
#     of --binary pingpong, started before pingpong) answers its HTTP API with
#     the fixture's counts and a scheduler-latency histogram of pingpong.
#  3. A fixture copied to a file whose name holds a quote, a backslash and a
#     newline (its exe and comm labels): escaped, and promtool accepts it.
#  4. 100 concurrent scrapes all answer 200, and the tracer's RSS stays put.
source "$(dirname "$0")/../lib.sh"
require_bpf
require_ptrace
command -v promtool >/dev/null || fail "promtool missing (scripts/deps.sh --test)"
command -v prometheus >/dev/null || fail "prometheus missing (scripts/deps.sh --test)"

FX=$CACHE/fixtures/go1.24/parked-stripped
PINGPONG=$CACHE/fixtures/go1.24/pingpong-stripped
[ -x "$PINGPONG" ] || fail "MISSING fixture: $PINGPONG (run scripts/fixtures.sh)"

# start_metrics ERR ARGS...: the tracer with --metrics 127.0.0.1:0 in the
# background until it says where it serves; sets TRACER_PID and ADDR.
start_metrics() {
	local err=$1 _
	shift
	# A sanitizer build holds what is freed in quarantine (256 MB by default):
	# a small one, so that its RSS says what is really kept.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4 \
		"$BUILD/goroutine" --metrics 127.0.0.1:0 "$@" >"$err.out" 2>"$err" &
	TRACER_PID=$!
	_pids+=("$TRACER_PID")
	for _ in $(seq 200); do
		ADDR=$(sed -n 's|^goroutine: metrics at http://\(.*\)/metrics$|\1|p' "$err")
		[ -n "$ADDR" ] && return 0
		kill -0 "$TRACER_PID" 2>/dev/null || fail "tracer exited: $(cat "$err")"
		sleep 0.05
	done
	fail "tracer did not serve within 10 s: $(cat "$err")"
}

# value FILE SELECTOR: the value of the one sample of FILE whose line starts
# with SELECTOR (a metric name and the labels after the common four); "" when none.
value() {
	awk -v s="$2" 'BEGIN { i = index(s, "{"); n = i ? substr(s, 1, i - 1) : s
			l = i ? substr(s, i + 1) : ""; sub(/}$/, "", l) }
		/^#/ { next }
		{ j = index($0, "{"); m = j ? substr($0, 1, j - 1) : $1
		  if (m == n && index($0, l)) { print $NF; exit } }' "$1"
}

# ---- 0. refusals, in one line
one_line "no port" "not HOST:PORT or :PORT" "$BUILD/goroutine" --metrics 127.0.0.1 -p 1
one_line "bad port" "not HOST:PORT or :PORT" "$BUILD/goroutine" --metrics :99999 -p 1
one_line "with -i" "--metrics excludes" "$BUILD/goroutine" --metrics :0 -i 1 -p 1
one_line "with --html" "--metrics excludes" "$BUILD/goroutine" --metrics :0 --html x -p 1

# ---- 1. the parked population, by curl; promtool; 404s
start_parked "$FX" || fail "the fixture did not start"
start_metrics "$WORK/err1" --leak-after 1 -p "$PARKED_PID"
sleep 1.5 # past --leak-after for the goroutines seeded at attach
curl -sf "http://$ADDR/metrics" -o "$WORK/scrape" || fail "scrape failed"
grep -qi '^content-type: text/plain; version=0.0.4' <(curl -sD - -o /dev/null "http://$ADDR/metrics") ||
	fail "no text exposition content type"
want='gotracer_goroutines_waiting{reason="chan receive"} 1100
gotracer_goroutines_waiting{reason="sync.Mutex.Lock"} 200
gotracer_goroutines_waiting{reason="sleep"} 100
gotracer_goroutines_waiting{reason="select (no cases)"} 51
gotracer_goroutines_waiting{reason="select"} 1
gotracer_goroutines_waiting{reason="sync.Cond.Wait"} 30
gotracer_goroutines_waiting{reason="IO wait"} 1
gotracer_goroutines{state="WAITING"} 1483
gotracer_goroutines{state="SYSCALL"} 1
gotracer_goroutines{state="RUNNABLE"} 0
gotracer_leak_candidates{reason="chan receive",start="main.leakRecv",created_by="main.spawnLeaks 1100
gotracer_leak_candidates{reason="sync.Mutex.Lock",start="main.leakLock",created_by="main.spawnLeaks 200
gotracer_leak_candidates{reason="sleep",start="main.leakSleep",created_by="main.spawnLeaks 100
gotracer_leak_candidates{reason="select (no cases)",start="main.leakSelect",created_by="main.spawnLeaks 50
gotracer_leak_candidates{reason="sync.Cond.Wait",start="main.leakCond",created_by="main.spawnLeaks 30
gotracer_leak_candidates{reason="IO wait",start="main.leakIO",created_by="main.spawnLeaks 1
gotracer_process_info{go_version="go1.24.4"} 1
gotracer_events_lost_total 0'
while read -r line; do
	sel=${line% *} count=${line##* }
	got=$(value "$WORK/scrape" "$sel")
	[ "$got" = "$count" ] || fail "$sel: $got, want $count: $(grep -F "${sel%%\{*}" "$WORK/scrape" | grep -v '^#' | head -n 12)"
done <<<"$want"
grep -q "^gotracer_goroutines{pid=\"$PARKED_PID\",exe=\"$FX\",comm=\"parked-stripped\",container=\"\",state=\"WAITING\"} 1483$" \
	"$WORK/scrape" || fail "the common labels: $(grep '^gotracer_goroutines{' "$WORK/scrape" | head -n 2)"
grep -q '^gotracer_scheduler_latency_seconds_bucket{.*le="+Inf"} ' "$WORK/scrape" ||
	fail "no scheduler latency histogram"
for fam in gotracer_goroutines gotracer_blocked_seconds gotracer_build_info; do
	[ "$(grep -c "^# TYPE $fam " "$WORK/scrape")" = 1 ] || fail "$fam: not one TYPE line"
done
promtool check metrics <"$WORK/scrape" >"$WORK/promtool" 2>&1 ||
	fail "promtool check metrics: $(head -c 600 "$WORK/promtool")"
[ ! -s "$WORK/promtool" ] || fail "promtool complains: $(head -c 600 "$WORK/promtool")"
for req in "GET /" "GET /metrics/x" "POST /metrics" "GET /metricsx"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -X "${req% *}" "http://$ADDR${req#* }")
	[ "$code" = 404 ] || fail "$req: $code, want 404"
done
echo "  parked: $(grep -c '^gotracer_' "$WORK/scrape") samples, the population exact, promtool silent, 404 elsewhere"

# ---- 4. 100 concurrent scrapes: all answered, memory bounded
rss() { awk '/^VmRSS/ {print $2}' "/proc/$TRACER_PID/status"; }
scrapes100() {
	seq 100 | xargs -P 100 -I{} curl -s -m 60 -o /dev/null -w '%{http_code}\n' \
		"http://$ADDR/metrics" >"$WORK/codes"
	[ "$(grep -cx 200 "$WORK/codes")" = 100 ] ||
		fail "of 100 concurrent scrapes, $(grep -cx 200 "$WORK/codes") answered 200: $(sort "$WORK/codes" | uniq -c | tr '\n' ' ')"
}
rss0=$(rss)
t0=$(date +%s.%N)
scrapes100
rss1=$(rss)
scrapes100
scrapes100
rss2=$(rss)
t1=$(date +%s.%N)
# Each held response is one scrape's text (about 40 kB here) and at most 16 are held.
[ $((rss2 - rss1)) -lt 4096 ] || fail "RSS grew from $rss1 kB to $rss2 kB over 200 more scrapes"
[ $((rss2 - rss0)) -lt 32768 ] || fail "RSS grew from $rss0 kB to $rss2 kB over 300 scrapes"
echo "  300 concurrent scrapes (100 at a time) answered in $(echo "$t1 - $t0" | bc) s; RSS $rss0 -> $rss1 -> $rss2 kB"

# ---- 2. a Prometheus server scraping the parked tracer and a --binary pingpong tracer
parked_addr=$ADDR
parked_tracer=$TRACER_PID
start_metrics "$WORK/err2" --binary "$PINGPONG"
pp_addr=$ADDR
"$PINGPONG" 2000000000 >/dev/null 2>&1 &
pp_pid=$!
_pids+=("$pp_pid")
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: gotracer
    static_configs:
      - targets: ['$parked_addr', '$pp_addr']
EOF
promtool check config "$WORK/prometheus.yml" >/dev/null || fail "promtool check config"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$WORK/prometheus.log" 2>&1 &
_pids+=("$!")
# query PROMQL: the API's result vector, as JSON.
query() {
	curl -sf --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
		jq -c '.data.result'
}
ok=
for _ in $(seq 60); do
	sleep 1
	got=$(query "gotracer_goroutines_waiting{pid=\"$PARKED_PID\"}" || true)
	n=$(jq 'length' <<<"${got:-[]}")
	lat=$(query "sum(gotracer_scheduler_latency_seconds_count{exe=\"$PINGPONG\"})" || true)
	latn=$(jq -r '.[0].value[1] // 0' <<<"${lat:-[]}")
	if [ "$n" = 7 ] && [ "$latn" != 0 ]; then
		ok=1
		break
	fi
done
[ -n "$ok" ] || fail "Prometheus did not get the metrics: waiting $got; latency $lat; $(tail -n 5 "$WORK/prometheus.log")"
kill "$pp_pid" 2>/dev/null || true
while read -r line; do
	sel=${line% *} count=${line##* }
	case $sel in gotracer_goroutines_waiting*) ;; *) continue ;; esac
	r=${sel#*reason=\"}
	r=${r%%\"*}
	v=$(query "gotracer_goroutines_waiting{pid=\"$PARKED_PID\",reason=\"$r\"}" | jq -r '.[0].value[1]')
	[ "$v" = "$count" ] || fail "Prometheus: waiting on $r: $v, want $count"
done <<<"$want"
v=$(query "gotracer_goroutines{pid=\"$PARKED_PID\",state=\"WAITING\"}" | jq -r '.[0].value[1]')
[ "$v" = 1483 ] || fail "Prometheus: WAITING $v, want 1483"
# The histogram as PromQL reads it: buckets that make a median, a count that grows.
p50=$(query "histogram_quantile(0.5, sum by (le) (gotracer_scheduler_latency_seconds_bucket{exe=\"$PINGPONG\"}))" |
	jq -r '.[0].value[1]')
awk -v v="$p50" 'BEGIN { exit !(v > 0 && v < 10) }' ||
	fail "Prometheus: pingpong's median scheduler latency $p50"
up=$(query 'sum(up{job="gotracer"})' | jq -r '.[0].value[1]')
[ "$up" = 2 ] || fail "Prometheus: up $up, want 2"
echo "  Prometheus: the parked counts by its API; pingpong: $latn RUNNABLE->RUNNING, median ${p50} s"
kill -INT "$TRACER_PID"
wait "$TRACER_PID" || fail "pingpong tracer exited with $?"
TRACER_PID=$parked_tracer
stop_tracer
stop_parked

# ---- 3. hostile exe and comm: a quote, a backslash, a newline
dir="$WORK/d\"i\\r
x"
mkdir -p "$dir"
bad="$dir/p\"\\
q"
cp "$FX" "$bad"
start_parked "$bad" || fail "the hostile copy did not start"
start_metrics "$WORK/err3" -p "$PARKED_PID"
curl -sf "http://$ADDR/metrics" -o "$WORK/scrape3" || fail "scrape 3 failed"
esc_exe='exe="'$WORK'/d\"i\\r\nx/p\"\\\nq"'
esc_comm='comm="p\"\\\nq"'
grep -qF "gotracer_process_info{pid=\"$PARKED_PID\",$esc_exe,$esc_comm," "$WORK/scrape3" ||
	fail "not escaped: $(grep '^gotracer_process_info' "$WORK/scrape3")"
promtool check metrics <"$WORK/scrape3" >"$WORK/promtool3" 2>&1 ||
	fail "promtool on hostile labels: $(head -c 600 "$WORK/promtool3")"
[ ! -s "$WORK/promtool3" ] || fail "promtool complains: $(head -c 600 "$WORK/promtool3")"
[ "$(value "$WORK/scrape3" 'gotracer_goroutines_waiting{reason="chan receive"}')" = 1100 ] ||
	fail "hostile copy: the counts"
echo "  hostile path and comm: $esc_comm, promtool silent"
stop_tracer
stop_parked
pass "--metrics: the parked population exact, read by promtool and a Prometheus server; pingpong's scheduler latency; hostile labels escaped; 300 concurrent scrapes in bounded memory"
