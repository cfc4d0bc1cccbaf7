#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# godump.py: reads goroutine tracebacks as the Go runtime prints them (a
# crash, pprof's goroutine?debug=2, runtime.Stack(all)) and compares two of
# them goroutine by goroutine, so that `goroutine --dump` can be checked
# against the runtime's own dump of the same process (tests/e2e/goroutine-dump.sh).
# Standard library only: the tests run it wherever python3 is.
#
#   godump.py compare WANT GOT [--min 0.99] [--only-user]
#   godump.py summary FILE      goroutines per wait reason
#   godump.py json FILE         the parsed records
#
# A goroutine parked in WANT (any status but running and runnable, which may
# change from one instant to the next) matches when GOT has the same goid
# with the same wait reason, the same innermost function outside package
# runtime (the runtime hides its own frames, and where it parks is an
# implementation detail; what the user called is not), the same created-by
# function and the same creator goid. --only-user counts only goroutines with
# a frame in the program's own code (package main or a module path, not the
# standard library) and compares the innermost such frame instead.
#
# The parser is strict inside a goroutine's block (from its header to the
# blank line after it): a line that is not a frame, a file line, "created by"
# or one of the runtime's notes is an error naming FILE:LINE, since a dump
# tool that prints a malformed line must not pass for one that matched.
# Lines outside blocks (a crash's "panic:" preamble) are skipped.

import argparse
import json
import re
import signal
import sys

# goroutine 18 [chan receive, 3 minutes, locked to thread]:
# GOTRACEBACK=system and crashes add "gp=0x... m=N mp=0x..." after the goid.
HEADER = re.compile(
    r"goroutine (\d+)(?: gp=0x[0-9a-f]+)?(?: m=\S+)?(?: mp=0x[0-9a-f]+)? \[(.*)\]:"
)
# \t/usr/lib/go/src/runtime/proc.go:398 +0x12e   (no offset on inlined frames;
# "fp= sp= pc=" with GOTRACEBACK=system)
FILELINE = re.compile(
    r"\t(.+):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+)?"
)
# created by main.spawnLeaks in goroutine 1   ("in goroutine N" from go1.21)
CREATED = re.compile(r"created by (\S+?)(?: in goroutine (\d+))?")
MINUTES = re.compile(r"(\d+) minutes?")
UNAVAILABLE = "\tgoroutine running on other thread; stack unavailable"
# "...additional frames elided..." (deep stacks), "...N frames elided..." (go1.21+)
ELIDED = re.compile(r"\t?\.\.\.(?:additional|\d+) frames elided\.\.\.")
# GODEBUG=tracebackancestors: the creators' stacks, not this goroutine's own.
ANCESTOR = re.compile(r"\[originating from goroutine \d+\]:")


class ParseError(Exception):
    pass


def call_name(line):
    """The function of a frame line "F(args)": F, whose own name may hold
    parentheses (main.(*T).M) and brackets (pkg.F[...]); None if not a call."""
    if not line.endswith(")") or line.startswith("\t"):
        return None
    depth = 0
    for i in range(len(line) - 1, -1, -1):
        if line[i] == ")":
            depth += 1
        elif line[i] == "(":
            depth -= 1
            if depth == 0:
                return line[:i] if i > 0 else None
    return None


def parse(text, name="<dump>"):
    """Records, in the order of the dump: {goid, status, minutes, frames:
    [{func, file, line}], created_by, creator_goid}."""
    records = []
    rec = None
    pending = None  # a frame or created-by line, waiting for its file line
    in_ancestor = False

    def need_file(lineno):
        if pending is not None:
            raise ParseError(f"{name}:{lineno}: no file line after {pending[1]!r}")

    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.rstrip("\r")
        if rec is None:
            m = HEADER.fullmatch(line)
            if m:
                rec = header_record(m)
                records.append(rec)
            continue
        if line == "":
            need_file(lineno)
            rec, in_ancestor = None, False
            continue
        if in_ancestor:
            continue
        m = FILELINE.fullmatch(line)
        if m and pending is not None:
            kind, _ = pending
            if kind == "frame":
                rec["frames"][-1]["file"] = m.group(1)
                rec["frames"][-1]["line"] = int(m.group(2))
            pending = None
            continue
        need_file(lineno)
        m = HEADER.fullmatch(line)
        if m:  # no blank line between two goroutines: accepted
            rec = header_record(m)
            records.append(rec)
            continue
        if line == UNAVAILABLE or ELIDED.fullmatch(line):
            continue
        if ANCESTOR.fullmatch(line):
            in_ancestor = True
            continue
        m = CREATED.fullmatch(line)
        if m:
            if rec["created_by"] is not None:
                raise ParseError(
                    f"{name}:{lineno}: a second 'created by' for goroutine {rec['goid']}"
                )
            rec["created_by"] = m.group(1)
            rec["creator_goid"] = int(m.group(2)) if m.group(2) else None
            pending = ("created", line)
            continue
        func = call_name(line)
        if func is not None and rec["created_by"] is None:
            rec["frames"].append({"func": func, "file": None, "line": None})
            pending = ("frame", line)
            continue
        raise ParseError(
            f"{name}:{lineno}: not a frame, file line or 'created by'"
            f" in goroutine {rec['goid']}: {line!r}"
        )
    need_file("end")
    if not records:
        raise ParseError(f"{name}: no goroutine header found")
    return records


def header_record(m):
    parts = [p.strip() for p in m.group(2).split(",")]
    minutes = 0
    for p in parts[1:]:
        mm = MINUTES.fullmatch(p)
        if mm:
            minutes = int(mm.group(1))
    return {
        "goid": int(m.group(1)),
        "status": parts[0],
        "minutes": minutes,
        "frames": [],
        "created_by": None,
        "creator_goid": None,
    }


def load(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return parse(f.read(), path)
    except OSError as e:
        raise ParseError(f"{path}: {e.strerror}") from None


def package(func):
    """The import path of a function: up to the first dot after the last slash."""
    start = func.rfind("/", 0, func.find("[") if "[" in func else len(func)) + 1
    dot = func.find(".", start)
    return func[:dot] if dot >= 0 else func


def is_user(func):
    """Package main or a module path (its first element has a dot); the
    standard library's paths have none."""
    pkg = package(func)
    return pkg == "main" or "." in pkg.split("/")[0]


def innermost(rec, only_user):
    for f in rec["frames"]:
        if (is_user(f["func"]) if only_user else not f["func"].startswith("runtime.")):
            return f["func"]
    return None


PARKED_EXCLUDED = ("running", "runnable")


def show(v):
    return "none" if v is None else repr(v)


def compare(want, got, min_ratio, only_user, out):
    by_goid = {}
    for r in got:
        by_goid.setdefault(r["goid"], []).append(r)
    total = matched = 0
    bad = []
    for w in want:
        if w["status"] in PARKED_EXCLUDED:
            continue
        if only_user and innermost(w, True) is None:
            continue
        total += 1
        gs = by_goid.get(w["goid"], [])
        if len(gs) != 1:
            why = "missing in GOT" if not gs else f"{len(gs)} times in GOT"
            bad.append(f"goroutine {w['goid']}: {why}")
            continue
        g, diffs = gs[0], []
        for what, a, b in (
            ("wait reason", w["status"], g["status"]),
            ("innermost", innermost(w, only_user), innermost(g, only_user)),
            ("created by", w["created_by"], g["created_by"]),
            ("creator goid", w["creator_goid"], g["creator_goid"]),
        ):
            if a != b:
                diffs.append(f"{what} {show(a)} != {show(b)}")
        if diffs:
            bad.append(f"goroutine {w['goid']}: " + "; ".join(diffs))
        else:
            matched += 1
    if total == 0:
        print("matched 0 of 0 parked goroutines (WANT has none to compare)", file=out)
        return 1
    # Rounded down, so that a printed 99.00% never hides a ratio under 0.99.
    pct = (matched * 10000 // total) / 100
    print(f"matched {matched} of {total} parked goroutines ({pct:.2f}%)", file=out)
    for line in bad[:10]:
        print("  " + line, file=out)
    if len(bad) > 10:
        print(f"  ... and {len(bad) - 10} more", file=out)
    return 0 if matched >= min_ratio * total else 1


def summary(records, out):
    counts = {}
    for r in records:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print(f"{len(records)} goroutines", file=out)
    for status, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{n:8d}  {status}", file=out)


def to_json(records, out):
    # schema_version first, one record a line: diffable, and jq reads it whole.
    out.write('{"schema_version": 1, "goroutines": [\n')
    out.write(",\n".join(json.dumps(r) for r in records))
    out.write("\n]}\n")


class Parser(argparse.ArgumentParser):
    # Exit 1 on a usage error, as every tool of the house does.
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"godump.py: {message}", file=sys.stderr)
        sys.exit(1)


def ratio(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--min: {s!r} is not a number") from None
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"--min: {s} is not between 0 and 1")
    return v


def main(argv):
    p = Parser(prog="godump.py", description="Read and compare Go goroutine dumps.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=Parser)
    c = sub.add_parser("compare", help="match GOT against the parked goroutines of WANT")
    c.add_argument("want")
    c.add_argument("got")
    c.add_argument("--min", type=ratio, default=0.99, help="fraction that must match (0.99)")
    c.add_argument(
        "--only-user", action="store_true", help="goroutines and frames of user code only"
    )
    s = sub.add_parser("summary", help="goroutines per wait reason")
    s.add_argument("file")
    j = sub.add_parser("json", help="the parsed records as JSON")
    j.add_argument("file")
    a = p.parse_args(argv)
    try:
        if a.cmd == "compare":
            return compare(load(a.want), load(a.got), a.min, a.only_user, sys.stdout)
        records = load(a.file)
    except ParseError as e:
        print(f"godump.py: {e}", file=sys.stderr)
        return 1
    (summary if a.cmd == "summary" else to_json)(records, sys.stdout)
    return 0


if __name__ == "__main__":
    # Ended by a reader that stopped early (| head), like any filter.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main(sys.argv[1:]))
