// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_pclntab: the input is a function table (a .gopclntab section's bytes).
 * pclntab__parse_header(), then pclntab__new() with the header's own text base
 * and, when that is 0 (go1.26+) or refused, with a made-up one, then every
 * lookup: each function by index (some hundreds of a large table), by name, by pc at
 * and around the table's ends and at each function's entry, and the SP delta
 * at a few pcs of each function. What comes back must be consistent.
 */
#include <errno.h>
#include <string.h>

#include "errors.h"
#include "fuzz.h"
#include "pclntab.h"

/* A small table is walked whole, a large one at this many evenly spaced functions. */
#define MAX_FUNCS 512
#define TEXT_BASE 0x401000

static void check_func(const struct pclntab *t, const struct pclntab_func *f)
{
	struct pclntab_func g;
	int64_t delta;
	uint64_t pcs[4];
	size_t i;
	int err;

	FUZZ_CHECK(f->name && f->entry <= f->end);
	(void)strlen(f->name);
	pcs[0] = f->entry;
	pcs[1] = f->entry + (f->end - f->entry) / 2;
	pcs[2] = f->end - 1;
	pcs[3] = f->end;
	for (i = 0; i < 4; i++) {
		err = pclntab__sp_delta(t, f, pcs[i], &delta);
		FUZZ_CHECK(!err || err == -ERANGE || err == -ENOENT || err == -ERRORS__CORRUPT);
		if (pcs[i] >= f->end || pcs[i] < f->entry)
			FUZZ_CHECK(err == -ERANGE);
	}
	/* An entry inside the table's range belongs to some function. */
	if (f->entry < f->end && !pclntab__find_pc(t, f->entry, &g))
		FUZZ_CHECK(g.entry <= f->entry && f->entry < g.end);
}

static void walk(const struct pclntab *t, const uint8_t *data, size_t size)
{
	const struct pclntab_header *h = pclntab__header(t);
	struct pclntab_func f;
	uint64_t lo, hi, pcs[5];
	size_t i, k, n, nfunc = pclntab__func_count(t);
	int err;

	FUZZ_CHECK(h->ftab_off <= size && h->ftab_size <= size - h->ftab_off);
	FUZZ_CHECK(pclntab__func_count(t) == h->nfunc);
	(void)pclntab__version(t);
	(void)pclntab__ptrsize(t);
	(void)pclntab__quantum(t);
	(void)pclntab__text_start(t);
	lo = pclntab__min_pc(t);
	hi = pclntab__max_pc(t);

	n = nfunc < MAX_FUNCS ? nfunc : MAX_FUNCS;
	for (k = 0; k < n; k++) {
		i = nfunc <= MAX_FUNCS ? k : k * (nfunc / MAX_FUNCS);
		err = pclntab__func_at(t, i, &f);
		FUZZ_CHECK(!err || err == -ERRORS__CORRUPT);
		if (err)
			continue;
		FUZZ_CHECK(f.index == i);
		FUZZ_CHECK(((const uint8_t *)f.name >= data &&
			    (const uint8_t *)f.name < data + size) ||
			   !f.name[0]);
		check_func(t, &f);
	}
	FUZZ_CHECK(pclntab__func_at(t, pclntab__func_count(t), &f) == -ENOENT);

	pcs[0] = lo;
	pcs[1] = hi;
	pcs[2] = hi - 1;
	pcs[3] = lo - 1;
	pcs[4] = lo + (hi - lo) / 2;
	for (i = 0; i < 5; i++) {
		err = pclntab__find_pc(t, pcs[i], &f);
		FUZZ_CHECK(!err || err == -ERRORS__NO_SYMBOL || err == -ERRORS__CORRUPT);
		if (!err)
			check_func(t, &f);
	}
	if (!pclntab__find_func(t, "runtime.casgstatus", &f)) {
		FUZZ_CHECK(!strcmp(f.name, "runtime.casgstatus"));
		check_func(t, &f);
	}
	if (!pclntab__find_func(t, "main.main", &f))
		FUZZ_CHECK(!strcmp(f.name, "main.main"));
	(void)pclntab__find_func(t, "", &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pclntab_header h;
	struct pclntab *t;
	int err;

	pclntab__delete(NULL);
	err = pclntab__parse_header(data, size, &h);
	if (err)
		return 0;
	FUZZ_CHECK(h.version != PCLNTAB_VER_UNKNOWN);
	FUZZ_CHECK(h.ftab_off <= size && h.ftab_size <= size - h.ftab_off);
	err = pclntab__new(data, size, 0, &t);
	if (!err) {
		walk(t, data, size);
		pclntab__delete(t);
	}
	/* The base callers take from moduledata: go1.26+ tables need one. */
	if (h.version >= PCLNTAB_VER_118 && !pclntab__new(data, size, TEXT_BASE, &t)) {
		FUZZ_CHECK(pclntab__text_start(t) == TEXT_BASE);
		walk(t, data, size);
		pclntab__delete(t);
	}
	return 0;
}
