// SPDX-License-Identifier: GPL-2.0
/*
 * gobin: a Go executable opened once (see gobin.h).
 *
 * What every query needs (the ELF view, pclntab with the moduledata text
 * base, build info) is read at open: each is one pass over its own bytes, and
 * a tracer asks for all of them anyway. The relocations are read on first
 * use: only PIE builds have them, and only some queries need them; so is the
 * symbolizer (gosym), which only snapshots and stacks need.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buildinfo.h"
#include "elfbuf.h"
#include "errors.h"
#include "gobin.h"
#include "gosym.h"
#include "moduledata.h"
#include "pclntab.h"
#include "rd.h"

struct gobin {
	struct elfbuf *e;
	struct pclntab_loc loc;
	struct pclntab *tab;
	int tab_err;
	bool located;
	struct moduledata md;
	bool md_found;
	struct buildinfo bi;
	bool bi_found;
	struct moduledata_relocs *relocs;
	bool relocs_read;
	struct gosym *sym;
};

static void open_tables(struct gobin *b)
{
	b->tab_err = pclntab__locate(b->e, &b->loc);
	if (b->tab_err)
		return;
	b->located = true;
	/* The table's own textStart is wrong for external links and 0 from go1.26. */
	b->md_found = !moduledata__find(b->e, &b->loc, b->loc.version, &b->md);
	b->tab_err = pclntab__new(b->loc.data, b->loc.size, b->md_found ? b->md.text : 0, &b->tab);
}

static int finish_open(struct gobin *b, struct gobin **out)
{
	open_tables(b);
	b->bi_found = !buildinfo__read(b->e, &b->bi);
	*out = b;
	return 0;
}

int gobin__new(const void *buf, size_t len, struct gobin **out)
{
	struct gobin *b;
	int err;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	err = elfbuf__new(buf, len, &b->e);
	if (err) {
		free(b);
		return err;
	}
	return finish_open(b, out);
}

int gobin__open_path(const char *path, struct gobin **out)
{
	struct gobin *b;
	int err;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	err = elfbuf__open_path(path, &b->e);
	if (err) {
		free(b);
		return err;
	}
	return finish_open(b, out);
}

void gobin__delete(struct gobin *b)
{
	if (!b)
		return;
	gosym__delete(b->sym);
	pclntab__delete(b->tab);
	moduledata__relocs_delete(b->relocs);
	elfbuf__delete(b->e);
	free(b);
}

const struct elfbuf *gobin__elf(const struct gobin *b)
{
	return b->e;
}

int gobin__pclntab(const struct gobin *b, const struct pclntab **t, bool *located)
{
	if (located)
		*located = b->located;
	*t = b->tab;
	return b->tab ? 0 : b->tab_err ? b->tab_err : -ERRORS__NOT_GO;
}

const struct pclntab_loc *gobin__pclntab_loc(const struct gobin *b)
{
	return b->located ? &b->loc : NULL;
}

const struct moduledata *gobin__moduledata(const struct gobin *b)
{
	return b->md_found ? &b->md : NULL;
}

const struct buildinfo *gobin__buildinfo(const struct gobin *b)
{
	return b->bi_found ? &b->bi : NULL;
}

int gobin__relocs(struct gobin *b, const struct moduledata_relocs **r)
{
	int err;

	if (!b->relocs_read) {
		err = moduledata__relocs_new(b->e, &b->relocs);
		if (err)
			return err;
		b->relocs_read = true;
	}
	*r = b->relocs;
	return 0;
}

static int to_func(const struct gobin *b, const struct pclntab_func *pf, struct gobin_func *f)
{
	f->name = pf->name;
	f->entry = pf->entry;
	f->end = pf->end;
	return elfbuf__vaddr_to_offset(b->e, pf->entry, &f->file_offset);
}

/* A function of the table by name (name) or else by pc. */
static int lookup(const struct gobin *b, const char *name, uint64_t pc, struct gobin_func *f)
{
	struct pclntab_func pf;
	int err;

	if (!b->tab)
		return gobin__pclntab(b, &(const struct pclntab *){NULL}, NULL);
	err = name ? pclntab__find_func(b->tab, name, &pf) : pclntab__find_pc(b->tab, pc, &pf);
	return err ? err : to_func(b, &pf, f);
}

int gobin__find_func(const struct gobin *b, const char *name, struct gobin_func *f)
{
	return lookup(b, name, 0, f);
}

int gobin__find_pc(const struct gobin *b, uint64_t pc, struct gobin_func *f)
{
	return lookup(b, NULL, pc, f);
}

bool gobin__system_start(const char *name)
{
	return name && !strncmp(name, "runtime.", 8) && strcmp(name, "runtime.main") &&
	       strcmp(name, "runtime.handleAsyncEvent");
}

int gobin__wrapper_func_id(struct gobin *b)
{
	struct gosym_frame g[GOSYM_MAX_DEPTH];
	struct gobin_func f;
	size_t n;

	if (gobin__find_func(b, "runtime.systemstack_switch", &f) ||
	    gobin__frames(b, f.entry, g, GOSYM_MAX_DEPTH, &n) || !n)
		return -1;
	return g[n - 1].func_id + 1;
}

/* internal/abi's FUNCDATA_WrapInfo: go1.21+, on the wrappers a go statement starts. */
#define FUNCDATA_WRAPINFO 7

int gobin__wrapped(const struct gobin *b, uint64_t pc, uint64_t *target)
{
	struct pclntab_funcinfo fi;
	struct pclntab_func pf;
	const uint8_t *p;
	uint64_t v, at, off;
	size_t avail;

	if (!b->tab || !b->md_found || pclntab__version(b->tab) < PCLNTAB_VER_120 ||
	    !b->md.gofunc || pclntab__find_pc(b->tab, pc, &pf) ||
	    pclntab__func_info(b->tab, &pf, &fi) ||
	    pclntab__funcdata(b->tab, &fi, FUNCDATA_WRAPINFO, &v, NULL))
		return -ENOENT;
	/* An offset into the text (the runtime's textAddr); split texts are not followed. */
	if (b->md.ntextsect > 1)
		return -ENOENT;
	if (rd__add(b->md.gofunc, v, &at))
		return -ERRORS__CORRUPT;
	p = elfbuf__at_vaddr(b->e, at, 4, &avail);
	if (!p || rd__uint(p, avail, 0, 4, pclntab__header(b->tab)->big_endian, &off))
		return -ERRORS__CORRUPT;
	if (rd__add(b->md.text, off, &v) || v < pclntab__min_pc(b->tab) ||
	    v >= pclntab__max_pc(b->tab))
		return -ERRORS__CORRUPT;
	*target = v;
	return 0;
}

int gobin__sp_delta(const struct gobin *b, uint64_t entry, uint64_t pc, int64_t *delta)
{
	struct pclntab_func pf;

	if (!b->tab || pclntab__find_pc(b->tab, pc, &pf) || pf.entry != entry)
		return -ENOENT;
	return pclntab__sp_delta(b->tab, &pf, pc, delta);
}

int gobin__frames(struct gobin *b, uint64_t pc, struct gosym_frame *out, size_t max, size_t *n)
{
	const struct moduledata_relocs *r;
	int err;

	*n = 0;
	if (!b->tab)
		return gobin__pclntab(b, &(const struct pclntab *){NULL}, NULL);
	if (!b->sym) {
		/* Without relocations a PIE's go1.16-1.17 inline trees are unreadable, not wrong. */
		if (gobin__relocs(b, &r))
			r = NULL;
		err = gosym__new(b->e, b->tab, gobin__moduledata(b), r, &b->sym);
		if (err)
			return err;
	}
	return gosym__frames(b->sym, pc, out, max, n);
}
