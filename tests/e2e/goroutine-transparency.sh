#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-transparency [MINOR...]: the traced program does exactly what it does
# untraced. For each toolchain (default 1.19 and 1.26) and build (stripped,
# pie), untraced, then traced with --probe auto and --probe entry:
#   a. go-server-http (-p) answers a fixed set of requests (100 over one
#      kept-alive connection, 100 over 8 in parallel, 20 HTTP/1.0 ones), then
#      SIGTERM: every answer is 200 with the body it must be ("Hello,World!",
#      or N bytes, the same random ones for every request of one server), and
#      what the run prints (status counts, sizes, bodies, the server's own
#      output, its exit status) is the same byte for byte as untraced;
#   b. tests/fixtures/go/churn (-- CMD: 20 waves of 1252 goroutines that
#      combine checksums through channels, a mutex, WaitGroups and a pipe)
#      prints byte-identical output and exits 3, as untraced.
# And the tracer never loses events silently: every event it counted is a
# line of its output, and the lost count of its final line is either 0 or
# matched by the creations missing from the trace (churn makes a known number).
source "$(dirname "$0")/../lib.sh"
require_bpf
T="$BUILD/goroutine"
if [ $# -gt 0 ]; then MINORS=("$@"); else MINORS=(1.19 1.26); fi
MODES=(stripped pie)
PROBES=(auto entry)
BODY=65536
# churn's defaults: 20 waves of 1000 workers, 250 nested, a combiner and a pipe writer.
CHURN_GOROUTINES=$((20 * (1000 + 250 + 2)))
for c in curl jq; do
	command -v "$c" >/dev/null || fail "$c is needed"
done
missing=()
for minor in "${MINORS[@]}"; do
	for b in "${MODES[@]}"; do
		for p in churn go-server-http; do
			f="$CACHE/fixtures/go$minor/$p-$b"
			[ -x "$f" ] || missing+=("$f")
		done
	done
done
[ ${#missing[@]} -eq 0 ] || fail "MISSING fixtures (run scripts/build-fixtures.sh): ${missing[*]}"

# accounted NAME ERR EVENTS: the tracer's final line, and each event it
# counted is in EVENTS (JSON lines). Sets LOST.
accounted() {
	local name=$1 n lines
	n=$(sed -n 's/^goroutine: \([0-9]*\) events, [0-9]* lost$/\1/p' "$2")
	LOST=$(sed -n 's/^goroutine: [0-9]* events, \([0-9]*\) lost$/\1/p' "$2")
	[ -n "$n" ] || fail "$name: no final count line: $(tail -n 2 "$2")"
	lines=$(wc -l <"$3")
	[ "$lines" -eq "$n" ] || fail "$name: the tracer counted $n events but printed $lines"
	[ "$n" -gt 0 ] || fail "$name: no events"
	if [ "$LOST" -gt 0 ]; then
		echo "  note: $name: $LOST events lost, and said so" >&2
	fi
}

# serve NAME BIN TRACE [BODY]: start BIN (traced with `--probe TRACE`, or
# untraced for "none"), ask the fixed requests, stop it; what a client and the
# server's own output can see goes to $WORK/NAME.sum.
serve() {
	local name=$1 bin=$2 trace=$3 d=$WORK/$1 code size hello bad n
	shift 3
	mkdir -p "$d"
	: >"$WORK/server.out" # start_server must not read the last server's address
	SERVER_BIN=$bin start_server "$@"
	if [ "$trace" != none ]; then
		: >"$d.err"
		start_tracer "$d.out" "$d.err" --json -o "$d.ev" --probe "$trace" -p "$SERVER_PID"
	fi
	curl -sS -o "$d/k#1" -w '%{http_code} %{size_download}\n' \
		"http://$SERVER_ADDR/k[1-100]" >"$d.codes" 2>"$d.curl" ||
		fail "$name: curl: $(cat "$d.curl")"
	curl -sS --parallel --parallel-max 8 -o "$d/p#1" -w '%{http_code} %{size_download}\n' \
		"http://$SERVER_ADDR/p[1-100]" >>"$d.codes" 2>"$d.curl" ||
		fail "$name: curl --parallel: $(cat "$d.curl")"
	# HTTP/1.0: a connection per request, closed by the server.
	curl -sS --http1.0 -o "$d/c#1" -w '%{http_code} %{size_download} %{num_connects}\n' \
		"http://$SERVER_ADDR/c[1-20]" >>"$d.codes" 2>"$d.curl" ||
		fail "$name: curl --http1.0: $(cat "$d.curl")"
	kill -TERM "$SERVER_PID"
	code=0
	wait "$SERVER_PID" || code=$?
	if [ "$trace" != none ]; then
		wait_tracer_end "$name" "$d.err"
		accounted "$name" "$d.err" "$d.ev"
	fi
	n=$(find "$d" -type f | wc -l)
	[ "$n" -eq 220 ] || fail "$name: $n answers, want 220"
	{
		echo "exit status $code"
		sed "s/$SERVER_ADDR/ADDR/" "$WORK/server.out"
		sort "$d.codes" | uniq -c
		# Sizes and how many bodies are equal (random ones differ per server).
		(cd "$d" && wc -c -- * | sed '$d' | LC_ALL=C sort -k2) >"$d.sizes"
		(cd "$d" && sha256sum -- * | LC_ALL=C sort -k2) >"$d.sums"
		LC_ALL=C join -1 2 -2 2 "$d.sizes" "$d.sums" | cut -d' ' -f2,3 | sort | uniq -c |
			sed 's/ [0-9a-f]*$//'
	} >"$WORK/$name.sum"
	size=${1:-12}
	grep -qx "    220 $size" <(tail -n 1 "$WORK/$name.sum") ||
		fail "$name: not 220 equal bodies of $size bytes: $(tail -n 3 "$WORK/$name.sum")"
	if [ $# -eq 0 ]; then
		hello=$(printf 'Hello,World!' | sha256sum | cut -d' ' -f1)
		bad=$(grep -m 1 -v "^$hello " "$d.sums" || true)
		[ -z "$bad" ] || fail "$name: a body is not Hello,World!: $bad"
	fi
	rm -rf "$d"
}

# The tracer under -p ends by itself once the server is gone.
wait_tracer_end() { # NAME ERR
	local rc=0
	wait "$TRACER_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "$1: tracer exit status $rc: $(tail -n 2 "$2")"
}

same() { # WANT GOT WHAT
	cmp -s "$1" "$2" ||
		fail "$3 differs from untraced:$(printf '\n')$(diff "$1" "$2" | sed -n 1,10p)"
}

# churn_traced ID BIN PROBE: churn under `--probe PROBE` does what it did
# untraced ($WORK/ID-churn.want*), and every goroutine it made is in the trace.
churn_traced() {
	local name="$1 churn --probe $3" rc=0 created
	"$T" --json -o "$WORK/churn.ev" --probe "$3" -- "$2" \
		>"$WORK/churn.out" 2>"$WORK/churn.err" || rc=$?
	[ "$rc" -eq 3 ] || fail "$name: exit status $rc, want 3: $(tail -n 3 "$WORK/churn.err")"
	same "$WORK/$1-churn.want" "$WORK/churn.out" "$name: stdout"
	grep -v '^goroutine: ' "$WORK/churn.err" >"$WORK/churn.cmderr" || true
	same "$WORK/$1-churn.wanterr" "$WORK/churn.cmderr" "$name: stderr"
	accounted "$name" "$WORK/churn.err" "$WORK/churn.ev"
	created=$(jq -s 'map(select(.old_state == "DEAD" and .new_state == "RUNNABLE")) | length' \
		"$WORK/churn.ev")
	[ "$((created + LOST))" -ge "$CHURN_GOROUTINES" ] ||
		fail "$name: $created creations traced and $LOST lost, for $CHURN_GOROUTINES"
	echo "  $name: same output, exit 3; $(wc -l <"$WORK/churn.ev") events" \
		"($created creations), $LOST lost"
}

n=0
t0=$SECONDS
for minor in "${MINORS[@]}"; do
	for b in "${MODES[@]}"; do
		id="go$minor-$b"
		server="$CACHE/fixtures/go$minor/go-server-http-$b"
		churn="$CACHE/fixtures/go$minor/churn-$b"

		# --- a. the server ---------------------------------------------------------
		t1=$SECONDS
		serve "$id-none" "$server" none
		serve "$id-none-body" "$server" none "$BODY"
		for p in "${PROBES[@]}"; do
			serve "$id-$p" "$server" "$p"
			same "$WORK/$id-none.sum" "$WORK/$id-$p.sum" \
				"$id server, --probe $p: what is seen"
			serve "$id-$p-body" "$server" "$p" "$BODY"
			same "$WORK/$id-none-body.sum" "$WORK/$id-$p-body.sum" \
				"$id server with $BODY-byte bodies, --probe $p: what is seen"
			n=$((n + 1))
		done

		echo "  $id server: the same answers traced ($((SECONDS - t1)) s)"

		# --- b. churn -----------------------------------------------------------------
		rc=0
		"$churn" >"$WORK/$id-churn.want" 2>"$WORK/$id-churn.wanterr" || rc=$?
		[ "$rc" -eq 3 ] || fail "$id churn untraced: exit status $rc, want 3"
		[ -s "$WORK/churn.first" ] || cp "$WORK/$id-churn.want" "$WORK/churn.first"
		same "$WORK/churn.first" "$WORK/$id-churn.want" \
			"$id churn (vs ${MINORS[0]} untraced)"
		for p in "${PROBES[@]}"; do
			churn_traced "$id" "$churn" "$p"
			n=$((n + 1))
		done
	done
done
pass "$n traced runs (server and churn) do what they do untraced ($((SECONDS - t0)) s)"
