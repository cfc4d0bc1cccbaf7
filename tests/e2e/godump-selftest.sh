#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# godump-selftest: tests/e2e/godump.py, the comparator goroutine-dump trusts,
# checked before it judges anything else:
#   1. the runtime's formats it must read (written out here): "gp= m=" headers,
#      minutes and "locked to thread", generic and method names, inlined
#      frames, "fp= sp= pc=", a goroutine running on another thread, elided
#      frames, "created by" with and without "in goroutine N"; malformed
#      dumps refused in one line naming FILE:LINE, exit 1;
#   2. real dumps of tests/fixtures/go/parked (the oldest cached toolchain,
#      whose "created by" names no goroutine, and the newest with other
#      counts and -scale): the population its flags ask for, a dump matches
#      itself 100%, and a copy with known mutations matches exactly as many
#      fewer as were mutated, while changes the comparison must ignore
#      (runtime frames, file lines, minutes) change nothing.
# No BPF and no tracer: only python3, jq and the fixture cache.
source "$(dirname "$0")/../lib.sh"
GODUMP="$SRC/tests/e2e/godump.py"
# The interpreter itself, found once: a version manager's shim (pyenv) in front
# of it costs most of a second per call, and this test makes dozens.
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 is needed"

# --- 1. formats --------------------------------------------------------------
cat >"$WORK/formats.txt" <<'EOF'
panic: boom

goroutine 1 gp=0xc000002380 m=0 mp=0x5a1b40 [running, locked to thread]:
panic({0x4a0b20?, 0x4e0d30?})
	/usr/lib/go/src/runtime/panic.go:770 +0x132 fp=0xc00006ef20 sp=0xc00006ef00 pc=0x43a1b2
main.(*T[...]).M(...)
	/src/main.go:12
main.F[...](0xc000012345, {0x1, 0x2})
	/src/main.go:20 +0x25 fp=0xc00006ef50 sp=0xc00006ef30 pc=0x48a1b5
main.main()
	/src/main.go:30 +0x18

goroutine 7 [chan receive, 12 minutes]:
main.worker(0x0?)
	/src/main.go:40 +0x1d
created by main.spawn in goroutine 1
	/src/main.go:50 +0x3a

goroutine 9 [running]:
	goroutine running on other thread; stack unavailable
created by main.spawn
	/src/main.go:51 +0x3a

goroutine 10 gp=0xc000003500 m=nil [select, 1 minutes, locked to thread]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/usr/lib/go/src/runtime/proc.go:402 +0xce
sync.(*Cond).Wait(0xc0000b0010)
	/usr/lib/go/src/sync/cond.go:70 +0x85
github.com/x/y.(*S).loop(...)
	/src/y.go:8
...2 frames elided...
github.com/x/y.(*S).Run.func1()
	/src/y.go:3 +0x11
created by github.com/x/y.(*S).Run in goroutine 7
	/src/y.go:1 +0x3

goroutine 11 [runnable]:
main.worker(0x0?)
	/src/main.go:40 +0x1d
created by main.spawn in goroutine 1
	/src/main.go:50 +0x3a
EOF
"$PY" "$GODUMP" json "$WORK/formats.txt" >"$WORK/formats.json" ||
	fail "formats: not parsed: $("$PY" "$GODUMP" json "$WORK/formats.txt" 2>&1 >/dev/null)"
# Each check: a jq condition over the document that must hold.
checks=(
	'.schema_version == 1 and (.goroutines | length) == 5'
	'[.goroutines[].goid] == [1, 7, 9, 10, 11]'
	'.goroutines[4] | .status == "runnable" and .minutes == 0'
	'.goroutines[0] | .status == "running" and .minutes == 0 and .created_by == null'
	'.goroutines[0].frames | map(.func) == ["panic", "main.(*T[...]).M", "main.F[...]", "main.main"]'
	'.goroutines[0].frames[1] | .file == "/src/main.go" and .line == 12'
	'.goroutines[0].frames[2] | .file == "/src/main.go" and .line == 20'
	'.goroutines[1] | .status == "chan receive" and .minutes == 12'
	'.goroutines[1] | .created_by == "main.spawn" and .creator_goid == 1'
	'.goroutines[2] | .frames == [] and .created_by == "main.spawn" and .creator_goid == null'
	'.goroutines[3] | .status == "select" and .minutes == 1 and .creator_goid == 7'
	'.goroutines[3] | .created_by == "github.com/x/y.(*S).Run" and (.frames | length) == 4'
)
for c in "${checks[@]}"; do
	jq -e "$c" "$WORK/formats.json" >/dev/null || fail "formats: does not hold: $c"
done
# Goroutines 7 and 10 are parked (1 and 9 run, 11 is runnable); the innermost
# frame outside runtime of 10 is sync's, its innermost user frame github.com/x/y's.
out=$("$PY" "$GODUMP" compare "$WORK/formats.txt" "$WORK/formats.txt") ||
	fail "formats: a dump does not match itself: $out"
[ "$out" = "matched 2 of 2 parked goroutines (100.00%)" ] || fail "formats: $out"
sed 's/^sync.(\*Cond).Wait/sync.(*Mutex).Lock/' "$WORK/formats.txt" >"$WORK/formats-lock.txt"
rc=0
out=$("$PY" "$GODUMP" compare "$WORK/formats.txt" "$WORK/formats-lock.txt") || rc=$?
line="  goroutine 10: innermost 'sync.(*Cond).Wait' != 'sync.(*Mutex).Lock'"
[ "$rc" -eq 1 ] && [ "$(sed -n 2p <<<"$out")" = "$line" ] ||
	fail "formats: another innermost std frame not seen (exit $rc): $out"
out=$("$PY" "$GODUMP" compare --only-user "$WORK/formats.txt" "$WORK/formats-lock.txt") ||
	fail "formats: --only-user looked at a std frame: $out"
# A goroutine twice in GOT is a dump tool's bug, not a match.
{ cat "$WORK/formats.txt" && echo && sed -n '/^goroutine 7 /,/^$/p' "$WORK/formats.txt"; } \
	>"$WORK/formats-twice.txt"
rc=0
out=$("$PY" "$GODUMP" compare --min 0.5 "$WORK/formats.txt" "$WORK/formats-twice.txt") || rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "matched 1 of 2 parked goroutines (50.00%)
  goroutine 7: 2 times in GOT" ] || fail "formats: a goroutine twice in GOT (exit $rc): $out"

# Refused: one line on stderr naming the file (and the line), exit 1, by
# every command, whichever side of compare the bad file is on.
printf 'goroutine 3 [sleep]:\ntime.Sleep(0x3b9aca00)\n\nmain.main()\n' >"$WORK/bad-noline.txt"
printf 'goroutine 3 [sleep]:\ntime.Sleep(0x3b9aca00)\n\t/go/src/time.go:1 +0x1\nnonsense here\n' \
	>"$WORK/bad-garbage.txt"
printf 'no goroutine at all\n' >"$WORK/bad-none.txt"
: >"$WORK/bad-empty.txt"
while IFS='|' read -r name msg; do
	f="$WORK/bad-$name.txt"
	for cmd in json summary compare-want compare-got; do
		case $cmd in
		compare-want) args=(compare "$f" "$WORK/formats.txt") ;;
		compare-got) args=(compare "$WORK/formats.txt" "$f") ;;
		*) args=("$cmd" "$f") ;;
		esac
		rc=0
		"$PY" "$GODUMP" "${args[@]}" >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
		line="godump.py: $f$msg"
		[ "$rc" -eq 1 ] && [ ! -s "$WORK/bad.out" ] && [ "$(cat "$WORK/bad.err")" = "$line" ] ||
			fail "$cmd $name: exit $rc, want 1 and '$line': $(cat "$WORK/bad.out" "$WORK/bad.err")"
	done
done <<'EOF'
noline|:3: no file line after 'time.Sleep(0x3b9aca00)'
garbage|:4: not a frame, file line or 'created by' in goroutine 3: 'nonsense here'
none|: no goroutine header found
empty|: no goroutine header found
missing|: No such file or directory
EOF
rc=0
"$PY" "$GODUMP" compare --min 2 "$WORK/formats.txt" "$WORK/formats.txt" 2>"$WORK/bad.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'not between 0 and 1' "$WORK/bad.err" || fail "--min 2: exit $rc"
echo "  formats: ${#checks[@]} facts of 5 goroutines; 5 bad inputs refused by every command"

# --- 2. real dumps --------------------------------------------------------------
# mutate IN OUT [KIND]: a copy of a dump with the changes the comparison must
# see, each on its own goroutines so none counts twice: 20 wait reasons
# (reason), 3 innermost functions (inner), 5 goroutines dropped (drop), 2
# created-by functions (created), 4 creator goids where the dump has them
# (creator); only KIND's when given. And, always, changes it must not see: a
# runtime frame on top of every channel receiver, every file line, minutes in
# every sleeper's header, the running goroutine's status. Prints how many it
# made that must be seen. awk's paragraph mode reads a goroutine's block at a time.
mutate() { # IN OUT [KIND]
	awk -v RS= -v ORS='\n\n' -v only="${3:-}" '
	function on(kind) { return only == "" || only == kind }
	/^goroutine [0-9]+ \[chan receive\]/ {
		sub(/\nmain\.leakRecv\(\)/, "\nruntime.gopark(...)\n\t/go/src/runtime/proc.go:1 +0x1&")
		if (nchan < 20 && on("reason")) { sub(/\[chan receive\]/, "[select]"); n++ }
		if (nchan >= 20 && nchan < 23 && on("inner")) {
			sub(/\nmain\.leakRecv\(\)/, "\nmain.leakOther()"); n++
		}
		nchan++
	}
	/\nmain\.leakSleep\(\)/ { sub(/\[sleep\]/, "[sleep, 7 minutes]") }
	/^goroutine [0-9]+ \[sync\.Cond\.Wait\]/ && ncond++ < 5 && on("drop") { n++; next }
	/\nmain\.leakLock\(\)/ && nlock++ < 2 && on("created") {
		sub(/created by main\.spawnLeaks/, "created by main.main"); n++
	}
	/\nmain\.leakSelect\(\)/ && /in goroutine 1\n/ && nsel++ < 4 && on("creator") {
		sub(/in goroutine 1\n/, "in goroutine 2\n"); n++
	}
	/^goroutine [0-9]+ \[running\]/ { sub(/\[running\]/, "[chan send]") }
	{ gsub(/\.go:[0-9]+/, ".go:1"); print }
	END { print n + 0 >"/dev/stderr" }' "$1" 2>"$WORK/mutations" >"$2"
	cat "$WORK/mutations"
}

# pct MATCHED TOTAL: the percentage as compare prints it, rounded down.
pct() { awk -v m="$1" -v t="$2" 'BEGIN { printf "%.2f%%\n", int(m * 10000 / t) / 100 }'; }

# count REASONS: the goroutines of a summary in any of the wait reasons "A|B".
count() {
	awk -v names="$1" '
		BEGIN { n = split(names, a, "|"); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		NR > 1 { c = $1; $1 = ""; sub(/^ +/, ""); if ($0 in want) s += c }
		END { print s + 0 }' "$WORK/summary"
}

oldest=$(default_minors | head -n 1)
newest=$(default_minors | tail -n 1)
for run in "$oldest 1100 200 100 50 30 1" "$newest 9 5 3 2 2 3"; do
	read -r minor nchan nmutex nsleep nselect ncond scale <<<"$run"
	want="$WORK/want-$minor.txt"
	start_parked "$CACHE/fixtures/go$minor/parked-dwarf" -dump "$want" -chan "$nchan" \
		-mutex "$nmutex" -sleep "$nsleep" -select "$nselect" -cond "$ncond" -scale "$scale" ||
		fail "go$minor: the parked fixture did not start"
	stop_parked
	"$PY" "$GODUMP" summary "$want" >"$WORK/summary" || fail "go$minor: summary failed"
	# The mutex wait reason is "semacquire" before go1.20; one IO waiter at any scale.
	while IFS='=' read -r reasons n; do
		[ "$(count "$reasons")" -eq "$n" ] ||
			fail "go$minor: $(count "$reasons") in '$reasons', want $n: $(cat "$WORK/summary")"
	done <<-EOF
		chan receive=$((nchan * scale))
		sync.Mutex.Lock|semacquire=$((nmutex * scale))
		sleep=$((nsleep * scale))
		select (no cases)=$((nselect * scale))
		sync.Cond.Wait=$((ncond * scale))
		IO wait=1
	EOF
	total=$(grep -c '^goroutine ' "$want")
	"$PY" "$GODUMP" json "$want" >"$WORK/want.json" || fail "go$minor: json failed"
	jq -e --argjson n "$total" '.schema_version == 1 and (.goroutines | length) == $n and
		all(.goroutines[] | select(.frames[0].func == "main.leakRecv");
		    .created_by == "main.spawnLeaks")' "$WORK/want.json" >/dev/null ||
		fail "go$minor: json: not $total records, or a receiver not created by main.spawnLeaks"
	parked=$(jq '[.goroutines[] | select(.status != "running" and .status != "runnable")] | length' \
		"$WORK/want.json")

	out=$("$PY" "$GODUMP" compare --min 1 "$want" "$want") || fail "go$minor: itself: $out"
	[ "$out" = "matched $parked of $parked parked goroutines (100.00%)" ] ||
		fail "go$minor: itself: $out"
	# --only-user leaves out os/signal's loop, the one goroutine without user code.
	out=$("$PY" "$GODUMP" compare --only-user --min 1 "$want" "$want") ||
		fail "go$minor: itself, --only-user: $out"
	[ "$out" = "matched $((parked - 1)) of $((parked - 1)) parked goroutines (100.00%)" ] ||
		fail "go$minor: itself, --only-user: $out"

	# Each kind alone: exactly as many fewer, and its own example line first.
	creators=0
	grep -q '^created by main.spawnLeaks in goroutine 1$' "$want" && creators=4
	all=0
	while IFS='=' read -r kind n example; do
		[ "$kind" = creator ] && n=$creators
		[ "$(mutate "$want" "$WORK/got.txt" "$kind")" -eq "$n" ] ||
			fail "go$minor: $kind: not $n mutations"
		all=$((all + n))
		out=$("$PY" "$GODUMP" compare --min 0 "$want" "$WORK/got.txt") ||
			fail "go$minor: $kind: $out"
		[ "$(head -n 1 <<<"$out")" = "matched $((parked - n)) of $parked parked goroutines ($(
			pct $((parked - n)) "$parked"))" ] || fail "go$minor: $kind: want $n fewer: $out"
		((n == 0)) || sed -n 2p <<<"$out" | grep -qE "^  goroutine [0-9]+: $example\$" ||
			fail "go$minor: $kind: not '$example': $out"
	done <<-'EOF'
		reason=20=wait reason 'chan receive' != 'select'
		inner=3=innermost 'main\.leakRecv' != 'main\.leakOther'
		drop=5=missing in GOT
		created=2=created by 'main\.spawnLeaks' != 'main\.main'
		creator=4=creator goid 1 != 2
	EOF
	# All at once: below 0.99, so exit 1; 10 examples and how many more.
	[ "$(mutate "$want" "$WORK/got.txt")" -eq "$all" ] || fail "go$minor: not $all mutations"
	rc=0
	out=$("$PY" "$GODUMP" compare --min 0.99 "$want" "$WORK/got.txt") || rc=$?
	[ "$rc" -eq 1 ] || fail "go$minor: $all of $parked mutated: exit $rc at --min 0.99: $out"
	[ "$(head -n 1 <<<"$out")" = "matched $((parked - all)) of $parked parked goroutines ($(
		pct $((parked - all)) "$parked"))" ] || fail "go$minor: $all mutated: $out"
	[ "$(wc -l <<<"$out")" -eq 12 ] && [ "$(tail -n 1 <<<"$out")" = "  ... and $((all - 10)) more" ] ||
		fail "go$minor: $all mutated: not 10 examples and a count: $out"
	echo "  go$minor: $total goroutines, $parked parked, itself 100%;" \
		"$all mutated: $(head -n 1 <<<"$out")"
done
pass "formats, refusals, and the parked fixture's dumps of go$oldest and go$newest"
