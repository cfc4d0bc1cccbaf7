// SPDX-License-Identifier: GPL-2.0
/*
 * moduledata: find and validate runtime.firstmoduledata (see moduledata.h).
 *
 * Every field of moduledata up to itablinks is a word or a slice of three
 * words, so a layout is a table of word indexes per named field (-1: absent
 * in that layout), read at any pointer size. A candidate struct is accepted
 * only when it agrees with the pcHeader it points at (each table pointer is
 * the pcHeader plus the header's own offset, ftab has nfunc + 1 slots, minpc
 * and maxpc are the function table's first and end pcs from the text base)
 * and its ranges are ordered; textsect[0].baseaddr must equal text. Those
 * checks also tell the go1.20, go1.26 and go1.27 layouts apart, which share
 * one pclntab magic.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "elfbuf.h"
#include "errors.h"
#include "log.h"
#include "moduledata.h"
#include "pclntab.h"
#include "rd.h"

#ifndef R_AARCH64_RELATIVE
#define R_AARCH64_RELATIVE 1027
#endif

/* Named fields; a slice field's index is its data pointer, then len, cap. */
enum field {
	F_PCLN, /* pcHeader (1.16+) or pclntable.ptr (1.2) */
	F_PCLN_LEN,
	F_FUNCNAMETAB,
	F_CUTAB,
	F_FILETAB,
	F_PCTAB,
	F_PCLNTABLE,
	F_FTAB,
	F_MINPC,
	F_MAXPC,
	F_TEXT,
	F_ETEXT,
	F_NOPTRDATA,
	F_ENOPTRDATA,
	F_DATA,
	F_EDATA,
	F_BSS,
	F_EBSS,
	F_NOPTRBSS,
	F_ENOPTRBSS,
	F_END,
	F_TYPES,
	F_TYPEDESCLEN,
	F_ETYPES,
	F_ITABOFFSET,
	F_ITABSIZE,
	F_RODATA,
	F_GOFUNC,
	F_EPCLNTAB,
	F_TEXTSECTMAP,
	F_TYPELINKS,
	F_ITABLINKS,
	F_COUNT,
};

#define ABSENT (-1)
#define NLAYOUTS 6

/*
 * Word index of each field in each layout (src/runtime/symtab.go at each
 * release), columns in enum moduledata_layout order. -1: not in that layout.
 */
static const int8_t layout_words[F_COUNT][NLAYOUTS] = {
	/* Columns: 1.2, 1.16, 1.18, 1.20, 1.26, 1.27. */
	[F_PCLN] = {0, 0, 0, 0, 0, 0},
	[F_PCLN_LEN] = {1, -1, -1, -1, -1, -1},
	[F_FUNCNAMETAB] = {-1, 1, 1, 1, 1, 1},
	[F_CUTAB] = {-1, 4, 4, 4, 4, 4},
	[F_FILETAB] = {6, 7, 7, 7, 7, 7},
	[F_PCTAB] = {-1, 10, 10, 10, 10, 10},
	[F_PCLNTABLE] = {-1, 13, 13, 13, 13, 13},
	[F_FTAB] = {3, 16, 16, 16, 16, 16},
	[F_MINPC] = {10, 20, 20, 20, 20, 20},
	[F_MAXPC] = {11, 21, 21, 21, 21, 21},
	[F_TEXT] = {12, 22, 22, 22, 22, 22},
	[F_ETEXT] = {13, 23, 23, 23, 23, 23},
	[F_NOPTRDATA] = {14, 24, 24, 24, 24, 24},
	[F_ENOPTRDATA] = {15, 25, 25, 25, 25, 25},
	[F_DATA] = {16, 26, 26, 26, 26, 26},
	[F_EDATA] = {17, 27, 27, 27, 27, 27},
	[F_BSS] = {18, 28, 28, 28, 28, 28},
	[F_EBSS] = {19, 29, 29, 29, 29, 29},
	[F_NOPTRBSS] = {20, 30, 30, 30, 30, 30},
	[F_ENOPTRBSS] = {21, 31, 31, 31, 31, 31},
	/* 1.20 inserted covctrs, ecovctrs here (words 32, 33). */
	[F_END] = {22, 32, 32, 34, 34, 34},
	[F_TYPES] = {25, 35, 35, 37, 37, 37},
	[F_TYPEDESCLEN] = {-1, -1, -1, -1, -1, 38},
	[F_ETYPES] = {26, 36, 36, 38, 38, 39},
	[F_ITABOFFSET] = {-1, -1, -1, -1, -1, 40},
	[F_ITABSIZE] = {-1, -1, -1, -1, -1, 41},
	[F_RODATA] = {-1, -1, 37, 39, 39, 42},
	[F_GOFUNC] = {-1, -1, 38, 40, 40, 43},
	[F_EPCLNTAB] = {-1, -1, -1, -1, 41, 44},
	[F_TEXTSECTMAP] = {27, 37, 39, 41, 42, 45},
	[F_TYPELINKS] = {30, 40, 42, 44, 45, -1},
	[F_ITABLINKS] = {33, 43, 45, 47, 48, -1},
};

/* Words read per candidate: enough for the largest layout's last slice. */
#define MAX_WORDS 51
/* More text sections than this is not a binary we can trace. */
#define MAX_TEXTSECT 256

/* --- Relocations ---------------------------------------------------------------------------- */

struct reloc {
	uint64_t offset;
	uint64_t addend;
};

struct moduledata_relocs {
	struct reloc *v;
	size_t n;
};

static uint32_t relative_type(const struct elfbuf *e)
{
	return elfbuf__machine(e) == EM_AARCH64 ? R_AARCH64_RELATIVE : R_X86_64_RELATIVE;
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct reloc *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Append the RELATIVE entries of n Elf64_Rela records at p. */
static int add_relas(struct moduledata_relocs *r, const uint8_t *p, size_t n, uint32_t type)
{
	struct reloc *v;
	size_t i;

	v = realloc(r->v, (r->n + n) * sizeof(*v));
	if (!v && r->n + n)
		return -ENOMEM;
	r->v = v;
	for (i = 0; i < n; i++) {
		const uint8_t *q = p + i * sizeof(Elf64_Rela);

		if (ELF64_R_TYPE(rd__le64(q + 8)) != type)
			continue;
		r->v[r->n++] = (struct reloc){rd__le64(q), rd__le64(q + 16)};
	}
	return 0;
}

/* DT_RELA / DT_RELASZ from PT_DYNAMIC: what the loader itself applies. */
static int relas_from_dynamic(const struct elfbuf *e, struct moduledata_relocs *r, bool *found)
{
	uint64_t rela = 0, relasz = 0, relaent = sizeof(Elf64_Rela);
	size_t flen, i, j;
	const uint8_t *file = elfbuf__data(e, &flen), *p;

	*found = false;
	for (i = 0; i < elfbuf__segment_count(e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);

		if (s->type != PT_DYNAMIC || !rd__in(flen, s->offset, s->filesz))
			continue;
		for (j = 0; j + 16 <= s->filesz; j += 16) {
			uint64_t tag = rd__le64(file + s->offset + j);
			uint64_t val = rd__le64(file + s->offset + j + 8);

			if (tag == DT_NULL)
				break;
			if (tag == DT_RELA)
				rela = val;
			else if (tag == DT_RELASZ)
				relasz = val;
			else if (tag == DT_RELAENT)
				relaent = val;
		}
		break;
	}
	if (!rela || !relasz || relaent != sizeof(Elf64_Rela))
		return 0;
	p = elfbuf__at_vaddr(e, rela, relasz, NULL);
	if (!p)
		return 0;
	*found = true;
	return add_relas(r, p, relasz / sizeof(Elf64_Rela), relative_type(e));
}

int moduledata__relocs_new(const struct elfbuf *e, struct moduledata_relocs **out)
{
	struct moduledata_relocs *r;
	bool found, sorted = true;
	size_t i;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = relas_from_dynamic(e, r, &found);
	for (i = 0; !err && !found && i < elfbuf__section_count(e); i++) {
		const struct elfbuf_section *s = elfbuf__section(e, i);
		const uint8_t *d;
		size_t n;

		if (s->type != SHT_RELA || !(s->flags & SHF_ALLOC) ||
		    elfbuf__section_data(e, s, &d, &n))
			continue;
		err = add_relas(r, d, n / sizeof(Elf64_Rela), relative_type(e));
	}
	if (err) {
		moduledata__relocs_delete(r);
		return err;
	}
	/* Linkers emit them sorted (combreloc); sort only when they are not. */
	for (i = 1; i < r->n && sorted; i++)
		sorted = r->v[i - 1].offset <= r->v[i].offset;
	if (!sorted)
		qsort(r->v, r->n, sizeof(*r->v), cmp_reloc);
	*out = r;
	return 0;
}

void moduledata__relocs_delete(struct moduledata_relocs *r)
{
	if (!r)
		return;
	free(r->v);
	free(r);
}

int moduledata__relocs_at(const struct moduledata_relocs *r, uint64_t vaddr, uint64_t *addend)
{
	size_t lo = 0, hi = r ? r->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].offset < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!r || lo >= r->n || r->v[lo].offset != vaddr)
		return -ENOENT;
	*addend = r->v[lo].addend;
	return 0;
}

int moduledata__read_ptr(const struct elfbuf *e, const struct moduledata_relocs *r, uint64_t vaddr,
			 unsigned int ptrsize, uint64_t *v)
{
	const uint8_t *p = elfbuf__at_vaddr(e, vaddr, ptrsize, NULL);

	if (!p || (ptrsize != 4 && ptrsize != 8))
		return -ERANGE;
	if (!moduledata__relocs_at(r, vaddr, v))
		return 0;
	*v = ptrsize == 8 ? rd__le64(p) : rd__le32(p);
	return 0;
}

/* --- Validation ----------------------------------------------------------------------------- */

struct ctx {
	const struct elfbuf *e;
	const struct moduledata_relocs *relocs;
	const struct pclntab_loc *loc;
	struct pclntab_header h;
	uint64_t ftab_first, ftab_end; /* raw ftab pcs: absolute before 1.18, offsets after */
};

/* A candidate struct's words read under one layout: the named field accessors. */
struct view {
	enum moduledata_layout layout;
	const uint64_t *words;
};

static bool has(const struct view *v, enum field f)
{
	return layout_words[f][v->layout - 1] != ABSENT;
}

/* Word plus (a slice's len is 1, cap 2) of field f; 0 when the layout lacks f. */
static uint64_t get(const struct view *v, enum field f, int plus)
{
	return has(v, f) ? v->words[layout_words[f][v->layout - 1] + plus] : 0;
}

static bool slice_ok(const struct view *v, enum field f, uint64_t max)
{
	uint64_t len = get(v, f, 1), cap = get(v, f, 2);

	return !has(v, f) || (len == cap && len <= max && (len == 0 || get(v, f, 0)));
}

static bool range_ok(uint64_t lo, uint64_t hi)
{
	return lo <= hi;
}

/* Is the struct in words[] a moduledata of layout l for ctx's table? */
static bool validate(const struct ctx *c, const struct view *v)
{
	const struct pclntab_header *h = &c->h;
	uint64_t pc = c->loc->vaddr, text = get(v, F_TEXT, 0), base, tsm, tbase;
	unsigned int ps = h->ptrsize;

	if (get(v, F_PCLN, 0) != pc)
		return false;
	/* The table views must be the pcHeader plus the header's own offsets. */
	if (v->layout == MODULEDATA_LAYOUT_12) {
		if (get(v, F_PCLN_LEN, 0) < h->ftab_off + h->ftab_size ||
		    get(v, F_FILETAB, 0) != pc + h->filetab_off ||
		    get(v, F_FILETAB, 1) != h->nfiles)
			return false;
	} else if (get(v, F_FUNCNAMETAB, 0) != pc + h->funcname_off ||
		   get(v, F_CUTAB, 0) != pc + h->cu_off ||
		   get(v, F_FILETAB, 0) != pc + h->filetab_off ||
		   get(v, F_PCTAB, 0) != pc + h->pctab_off ||
		   get(v, F_PCLNTABLE, 0) != pc + h->funcdata_off) {
		return false;
	}
	if (get(v, F_FTAB, 0) != pc + h->ftab_off || get(v, F_FTAB, 1) != h->nfunc + 1)
		return false;
	/* minpc/maxpc are the ftab's first and end pcs: this pins text for 1.18+. */
	base = h->version >= PCLNTAB_VER_118 ? text : 0;
	if (get(v, F_MINPC, 0) != base + c->ftab_first || get(v, F_MAXPC, 0) != base + c->ftab_end)
		return false;
	if (!text || !range_ok(text, get(v, F_MINPC, 0)) ||
	    !range_ok(get(v, F_MAXPC, 0), get(v, F_ETEXT, 0)))
		return false;
	if (!range_ok(get(v, F_NOPTRDATA, 0), get(v, F_ENOPTRDATA, 0)) ||
	    !range_ok(get(v, F_DATA, 0), get(v, F_EDATA, 0)) ||
	    !range_ok(get(v, F_BSS, 0), get(v, F_EBSS, 0)) ||
	    !range_ok(get(v, F_NOPTRBSS, 0), get(v, F_ENOPTRBSS, 0)) ||
	    !range_ok(get(v, F_TYPES, 0), get(v, F_ETYPES, 0)))
		return false;
	if (has(v, F_TYPEDESCLEN)) {
		uint64_t span = get(v, F_ETYPES, 0) - get(v, F_TYPES, 0);

		if (get(v, F_TYPEDESCLEN, 0) > span || get(v, F_ITABOFFSET, 0) > span ||
		    get(v, F_ITABSIZE, 0) > span - get(v, F_ITABOFFSET, 0))
			return false;
	}
	if (has(v, F_EPCLNTAB) && get(v, F_EPCLNTAB, 0) < pc + h->ftab_off + h->ftab_size)
		return false;
	if (!slice_ok(v, F_TYPELINKS, UINT32_MAX) || !slice_ok(v, F_ITABLINKS, UINT32_MAX) ||
	    !slice_ok(v, F_TEXTSECTMAP, MAX_TEXTSECT))
		return false;
	/* textsect[0].baseaddr is runtime.text: the strongest layout discriminator. */
	if (has(v, F_TEXTSECTMAP) && get(v, F_TEXTSECTMAP, 1)) {
		tsm = get(v, F_TEXTSECTMAP, 0);
		if (moduledata__read_ptr(c->e, c->relocs, tsm + 2 * ps, ps, &tbase) ||
		    tbase != text)
			return false;
	}
	return true;
}

static void fill(const struct view *v, uint64_t vaddr, struct moduledata *md)
{
	*md = (struct moduledata){
		.vaddr = vaddr,
		.layout = v->layout,
		.pcheader = get(v, F_PCLN, 0),
		.ftab = get(v, F_FTAB, 0),
		.nftab = get(v, F_FTAB, 1),
		.minpc = get(v, F_MINPC, 0),
		.maxpc = get(v, F_MAXPC, 0),
		.text = get(v, F_TEXT, 0),
		.etext = get(v, F_ETEXT, 0),
		.noptrdata = get(v, F_NOPTRDATA, 0),
		.enoptrdata = get(v, F_ENOPTRDATA, 0),
		.data = get(v, F_DATA, 0),
		.edata = get(v, F_EDATA, 0),
		.bss = get(v, F_BSS, 0),
		.ebss = get(v, F_EBSS, 0),
		.noptrbss = get(v, F_NOPTRBSS, 0),
		.enoptrbss = get(v, F_ENOPTRBSS, 0),
		.end = get(v, F_END, 0),
		.types = get(v, F_TYPES, 0),
		.etypes = get(v, F_ETYPES, 0),
		.rodata = get(v, F_RODATA, 0),
		.gofunc = get(v, F_GOFUNC, 0),
		.epclntab = get(v, F_EPCLNTAB, 0),
		.typedesclen = get(v, F_TYPEDESCLEN, 0),
		.itaboffset = get(v, F_ITABOFFSET, 0),
		.itabsize = get(v, F_ITABSIZE, 0),
		.textsectmap = get(v, F_TEXTSECTMAP, 0),
		.ntextsect = get(v, F_TEXTSECTMAP, 1),
		.typelinks = get(v, F_TYPELINKS, 0),
		.ntypelinks = get(v, F_TYPELINKS, 1),
		.itablinks = get(v, F_ITABLINKS, 0),
		.nitablinks = get(v, F_ITABLINKS, 1),
	};
}

/* Try every layout the table's version allows on the struct at vaddr. */
static int try_at(const struct ctx *c, uint64_t vaddr, struct moduledata *md)
{
	enum moduledata_layout first, last, l;
	uint64_t words[MAX_WORDS];
	unsigned int ps = c->h.ptrsize, i, n = 0;

	switch (c->h.version) {
	case PCLNTAB_VER_12:
		first = last = MODULEDATA_LAYOUT_12;
		break;
	case PCLNTAB_VER_116:
		first = last = MODULEDATA_LAYOUT_116;
		break;
	case PCLNTAB_VER_118:
		first = last = MODULEDATA_LAYOUT_118;
		break;
	case PCLNTAB_VER_120:
		/* One magic since go1.20; the validator tells the struct layouts apart. */
		first = MODULEDATA_LAYOUT_120;
		last = MODULEDATA_LAYOUT_127;
		break;
	default:
		return -ERRORS__FORMAT;
	}
	/* Words past the file-backed part of the segment read as 0: layouts fail on them. */
	for (i = 0; i < MAX_WORDS; i++, n++)
		if (moduledata__read_ptr(c->e, c->relocs, vaddr + (uint64_t)i * ps, ps, &words[i]))
			break;
	for (; i < MAX_WORDS; i++)
		words[i] = 0;
	if (n < 36)
		return -ERRORS__CORRUPT;
	for (l = first; l <= last; l++) {
		struct view v = {l, words};

		if (validate(c, &v)) {
			fill(&v, vaddr, md);
			return 0;
		}
	}
	return -ERRORS__CORRUPT;
}

/* Does vaddr lie in a writable, file-backed PT_LOAD? */
static bool writable(const struct elfbuf *e, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < elfbuf__segment_count(e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);

		if (s->type == PT_LOAD && (s->flags & PF_W) && vaddr >= s->vaddr &&
		    vaddr - s->vaddr < s->filesz)
			return true;
	}
	return false;
}

/* Scan [data, data + n) at vaddr for aligned words equal to the pcHeader address. */
static int scan_block(const struct ctx *c, const uint8_t *d, size_t n, uint64_t vaddr,
		      struct moduledata *md)
{
	unsigned int ps = c->h.ptrsize;
	uint64_t want = c->loc->vaddr;
	size_t off = (ps - vaddr % ps) % ps;

	for (; off + ps <= n; off += ps) {
		uint64_t w = ps == 8 ? rd__le64(d + off) : rd__le32(d + off);

		if (w == want && !try_at(c, vaddr + off, md))
			return 0;
	}
	return -ENOENT;
}

static int scan(const struct ctx *c, struct moduledata *md)
{
	/* go1.26 gave it a section of its own; before, the linker put it in .noptrdata. */
	static const char *const names[] = {".go.module", ".noptrdata", ".data", NULL};
	const struct moduledata_relocs *r = c->relocs;
	size_t flen, i;
	const uint8_t *file = elfbuf__data(c->e, &flen);

	for (i = 0; names[i]; i++) {
		const struct elfbuf_section *s = elfbuf__section_by_name(c->e, names[i]);
		const uint8_t *d;
		size_t n;

		if (!s || elfbuf__section_data(c->e, s, &d, &n))
			continue;
		if (!scan_block(c, d, n, s->addr, md))
			return 0;
	}
	/* Position-independent: the word may exist only as a relocation addend. */
	for (i = 0; r && i < r->n; i++)
		if (r->v[i].addend == c->loc->vaddr && writable(c->e, r->v[i].offset) &&
		    !try_at(c, r->v[i].offset, md))
			return 0;
	/* No section headers, or a linker that put it elsewhere: all writable data. */
	for (i = 0; i < elfbuf__segment_count(c->e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(c->e, i);

		if (s->type != PT_LOAD || !(s->flags & PF_W) || !rd__in(flen, s->offset, s->filesz))
			continue;
		if (!scan_block(c, file + s->offset, s->filesz, s->vaddr, md))
			return 0;
	}
	return -ERRORS__NOT_GO;
}

int moduledata__find(const struct elfbuf *e, const struct pclntab_loc *loc, int pclntab_version,
		     struct moduledata *md)
{
	struct moduledata_relocs *relocs;
	struct ctx c = {.e = e, .loc = loc};
	uint64_t sym;
	int err;

	memset(md, 0, sizeof(*md));
	err = pclntab__parse_header(loc->data, loc->size, &c.h);
	if (err)
		return err;
	if (pclntab_version && (enum pclntab_version)pclntab_version != c.h.version)
		return -ERRORS__FORMAT;
	/* Raw first and end pcs of the ftab, as the validator compares them. */
	if (rd__uint(loc->data, loc->size, c.h.ftab_off, c.h.ftab_field, c.h.big_endian,
		     &c.ftab_first) ||
	    rd__uint(loc->data, loc->size, c.h.ftab_off + 2 * c.h.nfunc * c.h.ftab_field,
		     c.h.ftab_field, c.h.big_endian, &c.ftab_end))
		return -ERRORS__TRUNCATED;
	err = moduledata__relocs_new(e, &relocs);
	if (err)
		return err;
	c.relocs = relocs;
	err = -ENOENT;
	if (!elfbuf__symbol(e, "runtime.firstmoduledata", &sym, NULL)) {
		err = try_at(&c, sym, md);
		if (!err)
			md->how = MODULEDATA_HOW_SYMBOL;
		else
			log__warn("moduledata: runtime.firstmoduledata at 0x%" PRIx64
				  " does not validate, scanning",
				  sym);
	}
	if (err) {
		int serr = scan(&c, md);

		if (!serr)
			md->how = MODULEDATA_HOW_SCAN;
		/* A symbol that failed validation is the more telling error. */
		err = serr && err != -ENOENT ? err : serr;
	}
	moduledata__relocs_delete(relocs);
	return err;
}
