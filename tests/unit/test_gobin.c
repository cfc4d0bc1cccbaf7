// SPDX-License-Identifier: GPL-2.0
/*
 * test_gobin: the binary model on real binaries: opened once, every query
 * answers from the same tables (functions by name and by pc, the SP delta,
 * frames with the function's own name, file and line), and what is not a
 * Go executable is told apart: not ELF at open, not Go (no table) at the
 * first query. The frames themselves are checked against the Go runtime by
 * test_gosym; here, that gobin hands out the same symbolizer's answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "errors.h"
#include "gobin.h"
#include "gosym.h"
#include "pclntab.h"

static void test_go(const char *path)
{
	const struct pclntab *t;
	struct gosym_frame fr[8];
	struct gobin_func f, g;
	struct gobin *b;
	bool located;
	int64_t delta;
	size_t n;

	CHECK(!gobin__open_path(path, &b));
	if (!b)
		return;
	CHECK(!gobin__pclntab(b, &t, &located) && located && t);
	CHECK(gobin__moduledata(b) != NULL);
	CHECK(gobin__buildinfo(b) != NULL);
	CHECK(!gobin__find_func(b, "runtime.casgstatus", &f));
	CHECK_STR(f.name, "runtime.casgstatus");
	CHECK(f.entry < f.end && f.file_offset);
	/* By pc: the same function from anywhere inside it, none past the table. */
	CHECK(!gobin__find_pc(b, f.entry + (f.end - f.entry) / 2, &g));
	CHECK_EQ_U64(g.entry, f.entry);
	CHECK_EQ_U64(g.file_offset, f.file_offset);
	CHECK(gobin__find_pc(b, pclntab__max_pc(t) + 16, &g) == -ERRORS__NO_SYMBOL);
	CHECK(gobin__find_func(b, "main.noSuchFunction", &g) == -ERRORS__NO_SYMBOL);
	/* Nothing pushed at the entry. */
	CHECK(!gobin__sp_delta(b, f.entry, f.entry, &delta) && delta == 0);
	CHECK(gobin__sp_delta(b, f.entry + 1, f.entry + 1, &delta) == -ENOENT);
	/* Frames: the function itself, in its own file, at a line. */
	CHECK(!gobin__frames(b, f.entry, fr, 8, &n) && n >= 1);
	if (n >= 1) {
		CHECK_STR(fr[n - 1].func, "runtime.casgstatus");
		CHECK(!fr[n - 1].inlined && strstr(fr[n - 1].file, "runtime/proc.go") &&
		      fr[n - 1].line > 0);
		CHECK_EQ_U64(fr[n - 1].entry, f.entry);
	}
	/* Asked twice (the memo): the same answer. */
	CHECK(!gobin__frames(b, f.entry, fr, 8, &n) && n >= 1);
	CHECK(gobin__frames(b, pclntab__max_pc(t) + 16, fr, 8, &n) == -ERRORS__NO_SYMBOL && !n);
	gobin__delete(b);
}

static void test_not_go(void)
{
	static const char text[] = "not an ELF file at all\n";
	const struct pclntab *t = (const void *)1;
	struct gobin_func f;
	struct gosym_frame fr[2];
	struct gobin *b = NULL;
	bool located = true;
	size_t n = 1;

	CHECK(gobin__new(text, sizeof(text), &b) == -ERRORS__NOT_ELF && !b);
	/* An ELF without Go: it opens, and every Go query says so. */
	CHECK(!gobin__open_path("/bin/sh", &b));
	if (!b)
		return;
	CHECK(gobin__pclntab(b, &t, &located) == -ERRORS__NOT_GO && !t && !located);
	CHECK(gobin__find_func(b, "runtime.casgstatus", &f) == -ERRORS__NOT_GO);
	CHECK(gobin__find_pc(b, 0x401000, &f) == -ERRORS__NOT_GO);
	CHECK(gobin__frames(b, 0x401000, fr, 2, &n) == -ERRORS__NOT_GO && !n);
	CHECK(!gobin__moduledata(b) && !gobin__pclntab_loc(b));
	gobin__delete(b);
	gobin__delete(NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_go(argv[1]);
	else
		CHECK_SKIP("no Go binary given");
	test_not_go();
	return check_done("test_gobin");
}
