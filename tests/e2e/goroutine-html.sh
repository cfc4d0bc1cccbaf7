#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# goroutine-html: `goroutine --html` on the bundled server while it serves N
# requests, then the page in headless Chromium: it renders (data-ready, a row
# per goroutine, the summary tables filled from the same data), logs nothing to
# the console, survives being used (hover, zoom, drag, keys, a click on a row),
# loads nothing from outside, and leaves a screenshot in $BUILD/goroutine-html.png.
# Then a page of 1.2 million events must open without freezing.
# Chromium's stderr log carries console messages and uncaught errors but not
# their level, so any console line fails; each run proves that log is not
# blind by planting an uncaught error in a copy of the page.
source "$(dirname "$0")/../lib.sh"
require_bpf
N=${N:-20}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || fail "chromium missing (scripts/deps.sh --test installs it)"

start_server
start_tracer "$WORK/summary" "$WORK/tracer.err" --html "$WORK/report.html" -p "$SERVER_PID" -d 3
for _ in $(seq "$N"); do
	[ "$(http_get "$SERVER_ADDR")" = "Hello,World!" ] || fail "bad reply from server"
done
rc=0
wait "$TRACER_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "tracer exited with status $rc: $(tail -n 2 "$WORK/tracer.err")"
page="$WORK/report.html"
[ -s "$page" ] || fail "no page written"

# Self-contained: nothing to fetch, not even a favicon or a CSS import.
ext=$(grep -noE 'https?://|src=|href=|url\(|@import' "$page" || true)
[ -z "$ext" ] || fail "page refers to outside resources: $ext"
[ "$(grep -c '</body>' "$page")" = 1 ] || fail "page has not exactly one </body>"

# The data the page was given, to hold what it shows against.
json="$WORK/data.json"
awk '/<script id="gt-data"/ { on = 1; sub(/.*<script id="gt-data" type="application\/json">/, "") }
	on { if (sub(/<\/script>.*/, "")) { print; exit } print }' "$page" >"$json"
ngor=$(jq '.goroutines | length' "$json") || fail "embedded data is not JSON"
[ "$ngor" -ge "$N" ] || fail "$ngor goroutine rows for $N requests (one connection goroutine each)"
# Each connection's goroutine, created while traced, is named by its creation event's site:
# (*conn).serve, or before go1.21 (no wrapper info) the closure its go statement compiles to.
nconn=$(jq '[.goroutines[] | select((.start_func |
	test("^net/http[.](\\(\\*conn\\)[.]serve|\\(\\*Server\\)[.]Serve[.]func[0-9]+)$")) and
	.created_by.func == "net/http.(*Server).Serve" and (.created_by.file | endswith("/server.go")) and
	.created_by.line > 0)] | length' "$json")
[ "$nconn" -ge "$N" ] || fail "$nconn rows of connection goroutines with their function and creation site, for $N requests: $(jq -c '[.goroutines[] | select(.start_us != null)][:3]' "$json")"

# WAITING slices name the stack they blocked at, which the page's data holds.
jq -e '(.stacks | length) >= 1 and ([.slices[] | select(.[3] == 4 and .[5] >= 0)] | length) >= 1 and
	all(.slices[]; .[5] < ($s | length)) and
	any(.stacks[]; any(.frames[]; .func | startswith("net/http.")))' --argjson s "$(jq .stacks "$json")" \
	"$json" >/dev/null || fail "no WAITING slice with a stack, or a stack index out of range: $(jq -c '.stacks[:2]' "$json" | head -c 400)"

# chrome PAGE OUT ARGS...: headless, offline, a fresh profile; stderr (the
# console log) in OUT.err.
chrome() {
	local url="file://$1" out=$2
	shift 2
	rm -rf "$WORK/chrome"
	timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--disable-dev-shm-usage --disable-quic --no-first-run --disable-sync \
		--disable-background-networking --disable-component-update \
		--user-data-dir="$WORK/chrome" --enable-logging=stderr --v=0 \
		--virtual-time-budget=5000 "$@" "$url" >"$out" 2>"$out.err" ||
		fail "chromium failed on $url: $(tail -n 3 "$out.err")"
}
console() { grep -a 'CONSOLE' "$1.err" || true; }
body() { grep -ao '<body[^>]*>' "$1" || true; }
# attr DOMFILE NAME: a data-NAME attribute of body.
attr() { body "$1" | sed -n "s/.* data-$2=\"\([^\"]*\)\".*/\1/p"; }
# data_rows DOMFILE ID: rows with cells (not the header) in table ID.
data_rows() {
	awk -v id="$2" 'match($0, "<table[^>]*id=\"" id "\"") {
		s = substr($0, RSTART); e = index(s, "</table>"); if (e) s = substr(s, 1, e)
		print gsub(/<tr><td/, "", s); found = 1; exit }
		END { if (!found) print -1 }' "$1"
}

# 1. The page as written.
dom="$WORK/report.dom"
chrome "$page" "$dom" --dump-dom
msgs=$(console "$dom")
[ -z "$msgs" ] || fail "console output: $msgs"
[ "$(attr "$dom" ready)" = 1 ] || fail "page not ready: $(body "$dom")"
[ -z "$(attr "$dom" error)" ] || fail "page error: $(attr "$dom" error)"
[ "$(attr "$dom" rows)" = "$ngor" ] || fail "page drew $(attr "$dom" rows) rows, data has $ngor"
for id in timeline states blocking leaks goroutine-table transitions sched-latency lifetimes; do
	grep -q "id=\"$id\"" "$dom" || fail "no #$id in the page"
done
for id in states blocking transitions goroutine-table; do
	[ "$(data_rows "$dom" "$id")" -ge 1 ] || fail "#$id has no data rows"
done
# The server blocks in netpoll between requests: IO wait must be a blocking row,
# and the stack it blocks at one of the blocking-stacks rows (net/http's reads).
blocking=$(awk 'match($0, "<table[^>]*id=\"blocking\"")' "$dom")
[[ $blocking == *"<td>IO wait</td>"* ]] || fail "#blocking has no IO wait row"
[ "$(data_rows "$dom" blocking-stacks)" -ge 1 ] || fail "#blocking-stacks has no data rows"
stacks=$(awk 'match($0, "<table[^>]*id=\"blocking-stacks\"") {
	s = substr($0, RSTART); print substr(s, 1, index(s, "</table>")) }' "$dom")
[[ $stacks == *"<td>IO wait</td>"*"net/http."* ]] ||
	fail "#blocking-stacks has no IO wait row in net/http: ${stacks:0:600}"
grep -q 'id="sched-latency"><div class="stats">count <b>[1-9]' "$dom" ||
	fail "#sched-latency shows no samples"
canvas=$(grep -ao '<canvas[^>]*>' "$dom" || true)
render=$(sed -n 's/.* data-render-ms="\([0-9.]*\)".*/\1/p' <<<"$canvas")
[ -n "$render" ] || fail "no data-render-ms on the canvas: $canvas"
rects=$(sed -n 's/.* data-last-draw-rects="\([0-9]*\)".*/\1/p' <<<"$canvas")
[ "${rects:-0}" -ge 1 ] || fail "the time line drew no slices: $canvas"

# 2. The control: an uncaught error planted after the page's own script must
# show in the console log and in data-error, or the checks above prove nothing.
plant='setTimeout(function () { throw new Error("goroutine-html planted"); }, 0);'
sed "s|</body>|<script>$plant</script></body>|" "$page" >"$WORK/planted.html"
chrome "$WORK/planted.html" "$WORK/planted.dom" --dump-dom
msgs=$(console "$WORK/planted.dom")
[[ $msgs == *"Uncaught Error: goroutine-html planted"* ]] ||
	fail "the console log did not catch a planted error: $(tail -n 3 "$WORK/planted.dom.err")"
[[ $(attr "$WORK/planted.dom" error) == *"goroutine-html planted"* ]] ||
	fail "the page did not record a planted error in data-error: $(body "$WORK/planted.dom")"

# 3. Used: hover, wheel zoom, drag, W/A/S/D; a drag along the ruler must zoom
# to that range, a click on the first row's label select that goroutine (the
# gutter is 96 px wide, the ruler 24 px tall).
cat >"$WORK/use.js" <<'EOF'
<script>
(function () {
	var c = document.getElementById("timeline"), r = c.getBoundingClientRect();
	function ptr(type, x, y) {
		c.dispatchEvent(new PointerEvent(type, { bubbles: true, clientX: r.left + x,
			clientY: r.top + y, pointerId: 1, pointerType: "mouse", isPrimary: true }));
	}
	var i, keys = ["w", "w", "a", "d", "s"];
	ptr("pointermove", r.width / 2, 40);
	for (i = 0; i < 4; i++)
		c.dispatchEvent(new WheelEvent("wheel", { bubbles: true, cancelable: true,
			clientX: r.left + r.width / 2, clientY: r.top + 40, deltaY: -300 }));
	ptr("pointerdown", 400, 40); ptr("pointermove", 300, 60); ptr("pointerup", 300, 60);
	for (i = 0; i < keys.length; i++)
		document.dispatchEvent(new KeyboardEvent("keydown",
			{ key: keys[i], bubbles: true }));
	document.getElementById("reset").click();
	var v0 = c.dataset.view.split(" ").map(Number);
	ptr("pointerdown", 200, 10); ptr("pointermove", 400, 10); ptr("pointerup", 400, 10);
	var v1 = c.dataset.view.split(" ").map(Number);
	var want = 200 / (r.width - 96) * (v0[1] - v0[0]);
	ptr("pointermove", 20, 32); ptr("pointerdown", 20, 32); ptr("pointerup", 20, 32);
	var row0 = JSON.parse(document.getElementById("gt-data").textContent).goroutines[0];
	var g0 = row0.goid, fn0 = row0.start_func ? "function " + row0.start_func : "function \u2013";
	var d = document.getElementById("details").textContent.replace(/\s+/g, " ").trim();
	document.body.dataset.used = Math.abs(v1[1] - v1[0] - want) > want / 100 + 0.01 ?
		"ruler drag: view " + v0 + " became " + v1 + ", want a span of " + want :
		d.indexOf("g" + g0 + " ") !== 0 || d.indexOf(fn0) < 0 ? "details: " + d : "ok";
})();
</script>
EOF
awk -v f="$WORK/use.js" '/<\/body>/ { while ((getline l < f) > 0) print l } { print }' \
	"$page" >"$WORK/used.html"
chrome "$WORK/used.html" "$WORK/used.dom" --dump-dom
msgs=$(console "$WORK/used.dom")
[ -z "$msgs" ] || fail "console output while in use: $msgs"
[ -z "$(attr "$WORK/used.dom" error)" ] || fail "page error in use: $(attr "$WORK/used.dom" error)"
[ "$(attr "$WORK/used.dom" used)" = ok ] || fail "in use: $(attr "$WORK/used.dom" used)"

# 4. The screenshot, kept as the artifact: a PNG of the window's size, not blank.
png="$BUILD/goroutine-html.png"
rm -f "$png"
chrome "$page" "$WORK/shot.out" --window-size=1400,1000 --screenshot="$png"
msgs=$(console "$WORK/shot.out")
[ -z "$msgs" ] || fail "console output (screenshot run): $msgs"
[ -f "$png" ] || fail "no screenshot written"
[ "$(od -An -tx1 -N8 "$png" | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
read -r w0 w1 w2 w3 h0 h1 h2 h3 < <(od -An -tu1 -j16 -N8 "$png")
w=$(((w0 << 24) | (w1 << 16) | (w2 << 8) | w3))
h=$(((h0 << 24) | (h1 << 16) | (h2 << 8) | h3))
[ "${w}x$h" = 1400x1000 ] || fail "$png is ${w}x$h, want 1400x1000"
size=$(stat -c %s "$png")
# A blank 1400x1000 page compresses to a few KB; text, bars and tables do not.
[ "$size" -gt 30000 ] || fail "$png is only $size bytes: blank?"

# 5. Volume: a page of 1.2 million events (pingpong) opens without freezing:
# ready, no console output, the first frame within 5 s and a redraw within 1.5 s.
pp="$CACHE/fixtures/go1.24/pingpong-dwarf"
[ -x "$pp" ] || fail "MISSING fixture: $pp (run scripts/fixtures.sh)"
"$BUILD/goroutine" --html "$WORK/big.html" -o "$WORK/big.sum" -- "$pp" 200000 >/dev/null \
	2>"$WORK/big.err" || fail "pingpong --html: $(tail -n 2 "$WORK/big.err")"
events=$(sed -n 's/^goroutine: \([0-9]*\) events.*/\1/p' "$WORK/big.err")
[ "${events:-0}" -gt 1000000 ] || fail "pingpong: only ${events:-0} events"
chrome "$WORK/big.html" "$WORK/big.dom" --dump-dom
msgs=$(console "$WORK/big.dom")
[ -z "$msgs" ] || fail "console output on the large page: $msgs"
[ "$(attr "$WORK/big.dom" ready)" = 1 ] || fail "large page not ready: $(body "$WORK/big.dom")"
[ -z "$(attr "$WORK/big.dom" error)" ] || fail "large page error: $(attr "$WORK/big.dom" error)"
canvas=$(grep -ao '<canvas[^>]*>' "$WORK/big.dom" || true)
big_render=$(sed -n 's/.* data-render-ms="\([0-9.]*\)".*/\1/p' <<<"$canvas")
big_draw=$(sed -n 's/.* data-last-draw-ms="\([0-9.]*\)".*/\1/p' <<<"$canvas")
[ -n "$big_render" ] && [ -n "$big_draw" ] || fail "large page: no timings on the canvas: $canvas"
awk -v r="$big_render" -v d="$big_draw" 'BEGIN { exit !(r < 5000 && d < 1500) }' ||
	fail "large page: first frame after $big_render ms, a draw takes $big_draw ms"
echo "  $events events: first frame after $big_render ms, a draw $big_draw ms"

pass "$ngor rows, no console output, tables filled, first frame after ${render} ms," \
	"$png ($size bytes); $events events on a page that opens in $big_render ms"
