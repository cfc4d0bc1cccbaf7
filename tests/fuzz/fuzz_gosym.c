// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gosym: the input is an executable, opened as the resolver opens one
 * (the function table, moduledata, relocations), then symbolized at each
 * function's entry, middle and last byte (some hundreds of a large table) and
 * around the table's ends. Frames must be consistent: strings inside the input
 * (or "?"), only the last one physical, at most the buffer's size, and a
 * corrupt inline tree must end in an error, not a hang.
 */
#include <errno.h>
#include <string.h>

#include "elfbuf.h"
#include "errors.h"
#include "fuzz.h"
#include "gosym.h"
#include "moduledata.h"
#include "pclntab.h"

#define MAX_FUNCS 256
#define MAX_FRAMES 8

static bool inside(const char *s, const uint8_t *data, size_t size)
{
	return (const uint8_t *)s >= data && (const uint8_t *)s < data + size &&
	       memchr(s, 0, data + size - (const uint8_t *)s);
}

static void frames_at(const struct gosym *s, uint64_t pc, const uint8_t *data, size_t size)
{
	struct gosym_frame out[MAX_FRAMES];
	size_t n = 99, i;
	int err = gosym__frames(s, pc, out, MAX_FRAMES, &n);

	FUZZ_CHECK(!err || err == -ENOSPC || err == -ERRORS__NO_SYMBOL || err == -ERRORS__CORRUPT);
	FUZZ_CHECK(n <= MAX_FRAMES);
	if (err == -ERRORS__NO_SYMBOL || err == -ERRORS__CORRUPT)
		FUZZ_CHECK(n == 0);
	if (!err)
		FUZZ_CHECK(n >= 1 && !out[n - 1].inlined);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(inside(out[i].func, data, size));
		FUZZ_CHECK(!strcmp(out[i].file, "?") || inside(out[i].file, data, size));
		FUZZ_CHECK(out[i].entry <= out[i].pc);
		FUZZ_CHECK(out[i].inlined || i == n - 1);
	}
	if (!err && n == 1)
		FUZZ_CHECK(out[0].pc == pc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moduledata_relocs *r = NULL;
	struct pclntab *t = NULL;
	struct gosym *s = NULL;
	struct elfbuf *e = NULL;
	struct pclntab_loc loc;
	struct pclntab_func f;
	struct moduledata md;
	bool md_ok;
	size_t k, n, nfunc;
	uint64_t lo, hi;

	gosym__delete(NULL);
	if (elfbuf__new(data, size, &e) || pclntab__locate(e, &loc))
		goto out;
	md_ok = !moduledata__find(e, &loc, 0, &md);
	if (pclntab__new(loc.data, loc.size, md_ok ? md.text : 0, &t))
		goto out;
	if (moduledata__relocs_new(e, &r))
		r = NULL;
	if (gosym__new(e, t, md_ok ? &md : NULL, r, &s))
		goto out;
	nfunc = pclntab__func_count(t);
	n = nfunc < MAX_FUNCS ? nfunc : MAX_FUNCS;
	for (k = 0; k < n; k++) {
		size_t i = nfunc <= MAX_FUNCS ? k : k * (nfunc / MAX_FUNCS);

		if (pclntab__func_at(t, i, &f))
			continue;
		frames_at(s, f.entry, data, size);
		frames_at(s, f.entry + (f.end - f.entry) / 2, data, size);
		if (f.end > f.entry)
			frames_at(s, f.end - 1, data, size);
	}
	lo = pclntab__min_pc(t);
	hi = pclntab__max_pc(t);
	frames_at(s, lo - 1, data, size);
	frames_at(s, hi, data, size);
	frames_at(s, hi - 1, data, size);
out:
	gosym__delete(s);
	pclntab__delete(t);
	moduledata__relocs_delete(r);
	elfbuf__delete(e);
	return 0;
}
