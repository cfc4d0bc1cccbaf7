#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# package-deb: the .deb a fleet installs, as an administrator meets it. CPack
# builds it from this build directory; its control fields are checked (Depends
# must name the Debian package of every library the packaged binaries link,
# looked up with dpkg -S, not from a list kept here); it is unpacked into a
# scratch root (dpkg -x) where the installed gooffsets resolves the bundled
# server as the build's own does, the installed goroutine prints its version
# and help and traces the server for real, each man page renders (man -l) and
# documents every option --help lists, and the systemd unit starts the
# installed goroutine, passes systemd-analyze verify without a warning and
# scores at most 5 ("OK") in systemd-analyze security; every system call the
# installed exporter makes, run as ExecStart= runs it under strace, is one the
# unit's SystemCallFilter= (expanded by systemd-analyze syscall-filter) allows.
source "$(dirname "$0")/../lib.sh"

# --- build the package (outside the build tree: nothing left behind) ---
(cd "$BUILD" && cpack -G DEB -B "$WORK/cpack") >"$WORK/cpack.log" 2>&1 ||
	fail "cpack: $(tail -n 5 "$WORK/cpack.log")"
debs=("$WORK"/cpack/gotracer_*.deb)
if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then
	fail "cpack made no gotracer_*.deb: $(ls "$WORK/cpack")"
fi
deb=${debs[0]}
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = gotracer ] || fail "Package: $(field Package)"
for f in Version Maintainer Section Description Depends; do
	[ -n "$(field "$f")" ] || fail "no $f field: $(dpkg-deb -I "$deb")"
done
version=$(field Version)

# --- unpack into a scratch root; what must be there ---
root="$WORK/root"
dpkg -x "$deb" "$root"
unit="$root/usr/lib/systemd/system/gotracer-exporter.service"
man8="$root/usr/share/man/man8/goroutine.8.gz"
man1="$root/usr/share/man/man1/gooffsets.1.gz"
for f in usr/bin/goroutine usr/bin/gooffsets; do
	[ -x "$root/$f" ] || fail "the package has no executable /$f: $(dpkg-deb -c "$deb")"
done
for f in "$man8" "$man1" "$unit"; do
	[ -f "$f" ] || fail "the package has no ${f#"$root"}: $(dpkg-deb -c "$deb")"
done

# --- Depends: the package of each library a binary needs (NEEDED), by dpkg -S ---
# Each library as ldd finds it; dpkg knows it under /lib or /usr/lib (merged /usr),
# by the link's name or its target's: every spelling asked at once (dpkg-query
# reads its whole database per call), the first one found names the package.
declare -A owner
needs=() paths=()
for bin in "$root"/usr/bin/*; do
	for so in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		path=$(ldd "$bin" | awk -v so="$so" '$1 == so && $3 ~ /^\// { print $3 }')
		[ -n "$path" ] || fail "${bin#"$root"}: $so not found by ldd: $(ldd "$bin")"
		needs+=("${bin#"$root"} $so $path")
		for p in "$path" "$(realpath "$path")"; do paths+=("$p" "${p#/usr}" "/usr$p"); done
	done
done
while IFS= read -r line; do
	owner[${line#*: }]=${line%%:*}
done < <(dpkg-query -S "${paths[@]}" 2>/dev/null || true)
depends=" $(field Depends | tr -d ' '), "
nlibs=0
for n in "${needs[@]}"; do
	read -r bin so path <<<"$n"
	pkg=
	for p in "$path" "$(realpath "$path")"; do
		for q in "$p" "${p#/usr}" "/usr$p"; do
			[ -z "$pkg" ] && pkg=${owner[$q]:-}
		done
	done
	[ -n "$pkg" ] || fail "$bin: no package owns $path ($so)"
	[[ $depends == *[\ ,]"$pkg"[\ \(,]* ]] ||
		fail "$bin needs $so ($pkg), not in Depends: $(field Depends)"
	nlibs=$((nlibs + 1))
done
# libbpf at least: the tracer cannot be built without it.
[ "$nlibs" -gt 0 ] || fail "no NEEDED library in the packaged binaries"
[[ $depends == *[\ ,]libbpf1[\ \(,]* ]] || fail "Depends lacks libbpf1: $(field Depends)"
echo "  $(basename "$deb"): Depends: $(field Depends)"

# --- the installed tools run from the scratch root ---
g="$root/usr/bin/goroutine" o="$root/usr/bin/gooffsets"
[ "$("$g" --version)" = "goroutine $version" ] ||
	fail "goroutine --version says \"$("$g" --version)\", the package is $version"
[ "$("$o" --version)" = "gooffsets $version" ] ||
	fail "gooffsets --version says \"$("$o" --version)\", the package is $version"
"$g" --help >"$WORK/g.help" || fail "goroutine --help failed"
"$o" --help >"$WORK/o.help" || fail "gooffsets --help failed"
grep -q '^USAGE: goroutine ' "$WORK/g.help" || fail "goroutine --help: $(head -3 "$WORK/g.help")"
server="$SRC/go-server-http/main"
[ -x "$server" ] || fail "$server missing: build first"
"$o" "$server" >"$WORK/installed.json" 2>"$WORK/err" ||
	fail "installed gooffsets $server: $(cat "$WORK/err")"
"$BUILD/gooffsets" "$server" >"$WORK/built.json" 2>"$WORK/err" ||
	fail "built gooffsets $server: $(cat "$WORK/err")"
cmp -s "$WORK/installed.json" "$WORK/built.json" ||
	fail "installed gooffsets differs from the build's: $(diff "$WORK/built.json" "$WORK/installed.json" | head)"
jq -e '.offsets.g_goid.value > 0' "$WORK/installed.json" >/dev/null ||
	fail "installed gooffsets: no goid offset in $(head -c 300 "$WORK/installed.json")"

# --- man pages: render, and carry every option --help lists ---
check_man() { # PAGE HELP_FILE TOOL
	MANWIDTH=200 man -E ascii -l "$1" >"$WORK/man.txt" 2>"$WORK/man.err" ||
		fail "man -l ${1#"$root"}: $(cat "$WORK/man.err")"
	[ ! -s "$WORK/man.err" ] || fail "man -l ${1#"$root"} warns: $(cat "$WORK/man.err")"
	grep -qE "^ *$3 - " "$WORK/man.txt" || fail "${1#"$root"}: no NAME line: $(head -5 "$WORK/man.txt")"
	local opt n=0
	for opt in $(grep -oE '^ +(-[a-zA-Z?], )?--[a-z][a-z-]*' "$2" | grep -oE -- '--[a-z][a-z-]*'); do
		grep -qF -e "$opt" "$WORK/man.txt" || fail "${1#"$root"} lacks $opt (in $3 --help)"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "$3 --help: only $n options found"
	echo "  ${1#"$root/"}: renders, $n options of --help"
}
check_man "$man8" "$WORK/g.help" goroutine
check_man "$man1" "$WORK/o.help" gooffsets

# --- the systemd unit: the installed binary, and systemd's own check ---
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$(wc -l <<<"$exec_start")" -eq 1 ] || fail "unit: not one ExecStart: $exec_start"
exe=${exec_start%% *}
[ "$exe" = /usr/bin/goroutine ] || fail "unit: ExecStart runs $exe, the package installs /usr/bin/goroutine"
[ "${exec_start#* }" = "--all --metrics 127.0.0.1:9464" ] || fail "unit: ExecStart=$exec_start"
# verify checks that ExecStart's binary exists and Documentation='s page opens: the
# scratch root's, in a copy of the unit pointing there (the name must stay).
mkdir "$WORK/unit"
sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$unit" >"$WORK/unit/gotracer-exporter.service"
MANPATH="$root/usr/share/man" systemd-analyze verify "$WORK/unit/gotracer-exporter.service" \
	>"$WORK/verify" 2>&1 || fail "systemd-analyze verify: $(cat "$WORK/verify")"
[ ! -s "$WORK/verify" ] || fail "systemd-analyze verify warns: $(cat "$WORK/verify")"
# The hardening, scored offline by systemd (0 best, 10 worst): 3.2 today (4.4
# before SystemCallFilter=), "OK" up to 5.
systemd-analyze security --offline=yes --root="$root" --threshold=50 gotracer-exporter.service \
	>"$WORK/security" 2>&1 || fail "systemd-analyze security: $(tail -n 1 "$WORK/security")"
exposure=$(sed -n 's/.*Overall exposure level for gotracer-exporter.service: \([0-9.]*\).*/\1/p' "$WORK/security")
[ -n "$exposure" ] || fail "systemd-analyze security said no exposure: $(tail -n 3 "$WORK/security")"
for cap in CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_PTRACE; do
	grep -qE "^CapabilityBoundingSet=.*\\b$cap\\b" "$unit" || fail "unit: no $cap in CapabilityBoundingSet"
done
echo "  unit: ExecStart=$exec_start; systemd-analyze verify clean, exposure $exposure"

# --- cmake --install under another prefix: the same files, the unit naming that prefix ---
prefix="$WORK/prefix"
cmake --install "$BUILD" --prefix "$prefix" >"$WORK/install.log" 2>&1 ||
	fail "cmake --install: $(tail -n 3 "$WORK/install.log")"
for f in bin/goroutine bin/gooffsets share/man/man8/goroutine.8.gz share/man/man1/gooffsets.1.gz; do
	[ -f "$prefix/$f" ] || fail "cmake --install --prefix DIR: no DIR/$f"
done
grep -qx "ExecStart=$prefix/bin/goroutine --all --metrics 127.0.0.1:9464" \
	"$prefix/lib/systemd/system/gotracer-exporter.service" ||
	fail "cmake --install --prefix DIR: $(grep ^ExecStart= "$prefix/lib/systemd/system/gotracer-exporter.service")"

# --- a real trace by the installed tracer: the server's connection goroutines ---
require_bpf
start_server
"$g" --summary --json -o "$WORK/sum.json" -p "$SERVER_PID" -d 3 2>"$WORK/terr" &
tracer=$!
_pids+=("$tracer")
for _ in $(seq 100); do
	grep -q '^goroutine: tracing ' "$WORK/terr" && break
	kill -0 "$tracer" 2>/dev/null || fail "installed goroutine: $(cat "$WORK/terr")"
	sleep 0.05
done
grep -q '^goroutine: tracing ' "$WORK/terr" || fail "installed goroutine did not attach in 5 s"
# net/http serves each connection on a goroutine of its own.
for _ in 1 2 3 4 5; do http_get "$SERVER_ADDR" >/dev/null; done
rc=0
wait "$tracer" || rc=$?
[ "$rc" -eq 0 ] || fail "installed goroutine exited $rc: $(cat "$WORK/terr")"
created=$(jq -r 'select(.type == "summary") | .goroutines.created' "$WORK/sum.json")
[ "${created:-0}" -ge 5 ] || fail "installed goroutine saw ${created:-no} goroutines created for 5 connections"
echo "  installed goroutine --summary -p $SERVER_PID: $created goroutines created"

# --- the unit's SystemCallFilter= against every call the installed exporter makes ---
# PID 1 is not systemd here: the filter is expanded as systemd reads it, and the
# exporter run as ExecStart= runs it, under strace, through attach, scrapes and SIGTERM.
command -v strace >/dev/null || fail "strace missing (scripts/deps.sh --test)"
# Each group's members, as this systemd knows them (nested groups are members too).
systemd-analyze syscall-filter >"$WORK/groups" 2>"$WORK/err" ||
	fail "systemd-analyze syscall-filter: $(cat "$WORK/err")"
declare -A members
group=
while IFS= read -r line; do
	case $line in
	@*) group=$line members[$group]= ;;
	'    #'* | '') ;;
	'    '*) members[$group]+=" ${line##* }" ;;
	esac
done <"$WORK/groups"
[ -n "${members[@system-service]:-}" ] || fail "systemd-analyze syscall-filter lists no @system-service"
# filter_set SET ADD NAME: NAME (a call, or a group and its groups) added to the
# associative array SET when ADD is 1, taken out of it when 0.
filter_set() {
	local -n _set=$1
	local m
	if [[ $3 == @* ]]; then
		[ -n "${members[$3]+x}" ] || fail "unit: SystemCallFilter= names $3, unknown to systemd-analyze"
		for m in ${members[$3]}; do filter_set "$1" "$2" "$m"; done
	elif [ "$2" = 1 ]; then
		_set[$3]=1
	else
		unset "_set[$3]"
	fi
}
# systemd's reading (load-fragment.c): the first assignment decides; a list without
# ~ allows only what is listed, @default besides, a ~ list allows all but it. After
# that, in order, each assignment adds to or takes from that set (which ~ says); an
# empty one starts over; NAME:ERRNO is NAME.
declare -A filter=()
mode=
while IFS= read -r value; do
	if [ -z "$value" ]; then
		filter=() mode=
		continue
	fi
	invert=0
	[[ $value == '~'* ]] && invert=1 value=${value#\~}
	if [ -z "$mode" ]; then
		mode=deny
		[ "$invert" = 1 ] || { mode=allow && filter_set filter 1 @default; }
	fi
	case $mode:$invert in allow:0 | deny:1) add=1 ;; *) add=0 ;; esac
	read -ra words <<<"$value"
	for w in "${words[@]}"; do filter_set filter "$add" "${w%%:*}"; done
done < <(sed -n 's/^SystemCallFilter=//p' "$unit")
[ "$mode" = allow ] || fail "unit: no SystemCallFilter= allow list: $(grep ^SystemCallFilter= "$unit")"
allowed() { [ -n "${filter[$1]+x}" ]; }
declare -A service=()
filter_set service 1 @system-service
# ExecStart='s arguments on a free port; systemd's empty environment, its cwd and UMask=.
# Sanitizer builds: LeakSanitizer ptraces the threads at exit, which strace holds.
read -ra args <<<"${exec_start#* }"
args=("${args[@]/#127.0.0.1:9464/127.0.0.1:0}")
senv=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin)
grep -q '^GOTRACER_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && senv+=(ASAN_OPTIONS=detect_leaks=0)
(cd / && umask 0077 && exec env -i "${senv[@]}" strace -f -qq -c -o "$WORK/strace" "$g" "${args[@]}") \
	>"$WORK/xout" 2>"$WORK/xerr" &
spid=$!
_pids+=("$spid")
xaddr=
for _ in $(seq 200); do
	xaddr=$(sed -n 's|^goroutine: metrics at http://\(.*\)/metrics$|\1|p' "$WORK/xerr")
	[ -n "$xaddr" ] && break
	kill -0 "$spid" 2>/dev/null || fail "installed exporter under strace: $(cat "$WORK/xerr")"
	sleep 0.05
done
[ -n "$xaddr" ] || fail "installed exporter under strace did not serve in 10 s: $(cat "$WORK/xerr")"
xpid=$(pgrep -P "$spid")
[ "/proc/$xpid/exe" -ef "$g" ] || fail "strace's child $xpid is not $g"
_pids+=("$xpid")
for _ in 1 2 3; do
	http_get "$SERVER_ADDR" >/dev/null
	curl -sf "http://$xaddr/metrics" -o "$WORK/xscrape" || fail "scrape of the exporter under strace failed"
done
grep -q "pid=\"$SERVER_PID\"" "$WORK/xscrape" || fail "exporter under strace: no series of the server $SERVER_PID"
kill -TERM "$xpid"
rc=0
wait "$spid" || rc=$?
[ "$rc" -eq 0 ] || fail "exporter under strace exited $rc on SIGTERM: $(tail -n 3 "$WORK/xerr")"
# strace -c's table: one row a call, its name last; then the total.
mapfile -t seen < <(awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $NF }' "$WORK/strace" | sort -u)
refused=() extra=()
for c in "${seen[@]}"; do
	allowed "$c" || refused+=("$c")
	[ -n "${service[$c]+x}" ] || extra+=("$c")
done
[ ${#refused[@]} -eq 0 ] ||
	fail "the exporter calls what the unit's SystemCallFilter= refuses: ${refused[*]}"
# The run did trace: the calls the filter is there to let through were made.
for c in bpf perf_event_open process_vm_readv; do
	[[ " ${seen[*]} " == *" $c "* ]] || fail "the exporter under strace made no $c: ${seen[*]}"
done
echo "  unit: SystemCallFilter= allows ${#filter[@]} calls; the exporter made ${#seen[@]}, all allowed" \
	"(beyond @system-service: ${extra[*]:-none})"
pass "gotracer $version: Depends from $nlibs NEEDED libraries, tools, man pages, unit, a trace, the exporter's system calls"
