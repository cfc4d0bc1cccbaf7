// SPDX-License-Identifier: GPL-2.0
/*
 * test_pclntab: the function-table, moduledata and Go version parsers on
 * synthetic inputs -- a hand-built table in every header format, good and
 * damaged (wrong magic, absurd counts, offsets past the end, cut at every
 * byte, random byte flips), and a synthetic executable for pclntab__locate
 * and moduledata__find (symbol, scan, and relocation-only PIE pointers).
 * Damaged input must give an error, never a crash: run it under the
 * sanitizer build to make over-reads fail loudly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "elfbuf.h"
#include "errors.h"
#include "goversion.h"
#include "moduledata.h"
#include "pclntab.h"
#include "synth_pclntab.h"

#define TEXT 0x401000ULL
#define NFUNC 6
#define CAP 8192

static const enum pclntab_version versions[] = {PCLNTAB_VER_12, PCLNTAB_VER_116, PCLNTAB_VER_118,
						PCLNTAB_VER_120};

/* A malloc'ed copy of exactly n bytes, so that ASan catches any read past n. */
static uint8_t *exact(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	memcpy(p, b, n);
	return p;
}

/* Exercise every accessor; returns how many functions decoded. */
static int walk(const struct pclntab *t)
{
	struct pclntab_func f;
	int64_t d;
	size_t i;
	int n = 0;

	pclntab__for_each_func(t, i, &f)
	{
		n++;
		pclntab__sp_delta(t, &f, f.entry, &d);
		pclntab__sp_delta(t, &f, f.end - 1, &d);
	}
	pclntab__find_func(t, "runtime.casgstatus", &f);
	pclntab__find_pc(t, TEXT + 5, &f);
	return n;
}

static void test_good(enum pclntab_version v, unsigned int ps, unsigned int q)
{
	uint8_t buf[CAP];
	struct synth_tab st = synth_pclntab(buf, sizeof(buf), v, ps, q, TEXT, TEXT, NFUNC);
	struct pclntab *t;
	struct pclntab_func f;
	char name[64];
	int64_t d;
	size_t i;

	CHECK_EQ_U64(pclntab__new(buf, st.len, 0, &t), 0);
	if (!t)
		return;
	CHECK_EQ_U64(pclntab__version(t), v);
	CHECK_EQ_U64(pclntab__ptrsize(t), ps);
	CHECK_EQ_U64(pclntab__quantum(t), q);
	CHECK_EQ_U64(pclntab__func_count(t), NFUNC);
	CHECK_EQ_U64(pclntab__min_pc(t), TEXT);
	CHECK_EQ_U64(pclntab__max_pc(t), TEXT + NFUNC * SYNTH_FSIZE);
	CHECK_EQ_U64(pclntab__text_start(t), v >= PCLNTAB_VER_118 ? TEXT : 0);
	for (i = 0; i < NFUNC; i++) {
		CHECK_EQ_U64(pclntab__func_at(t, i, &f), 0);
		synth_name(name, sizeof(name), i);
		CHECK_STR(f.name, name);
		CHECK_EQ_U64(f.entry, TEXT + i * SYNTH_FSIZE);
		CHECK_EQ_U64(f.end, f.entry + SYNTH_FSIZE);
		CHECK_EQ_U64(f.args, 16);
	}
	CHECK_EQ_U64(pclntab__func_at(t, NFUNC, &f), -ENOENT);
	CHECK_EQ_U64(pclntab__find_func(t, "runtime.casgstatus", &f), 0);
	CHECK_EQ_U64(f.entry, TEXT + SYNTH_FSIZE);
	CHECK_EQ_U64(f.index, 1);
	CHECK_EQ_U64(pclntab__find_func(t, "runtime.casgstatu", &f), -ERRORS__NO_SYMBOL);
	CHECK_EQ_U64(pclntab__find_func(t, "runtime.casgstatusx", &f), -ERRORS__NO_SYMBOL);
	CHECK_EQ_U64(pclntab__find_pc(t, TEXT + 3 * SYNTH_FSIZE + 7, &f), 0);
	CHECK_EQ_U64(f.index, 3);
	CHECK_EQ_U64(pclntab__find_pc(t, TEXT + 3 * SYNTH_FSIZE, &f), 0);
	CHECK_EQ_U64(f.index, 3);
	CHECK_EQ_U64(pclntab__find_pc(t, TEXT + 3 * SYNTH_FSIZE - 1, &f), 0);
	CHECK_EQ_U64(f.index, 2);
	CHECK_EQ_U64(pclntab__find_pc(t, TEXT, &f), 0);
	CHECK_EQ_U64(f.index, 0);
	CHECK_EQ_U64(pclntab__find_pc(t, TEXT + NFUNC * SYNTH_FSIZE - 1, &f), 0);
	CHECK_EQ_U64(f.index, NFUNC - 1);
	CHECK_EQ_U64(pclntab__find_pc(t, TEXT - 1, &f), -ERRORS__NO_SYMBOL);
	CHECK_EQ_U64(pclntab__find_pc(t, TEXT + NFUNC * SYNTH_FSIZE, &f), -ERRORS__NO_SYMBOL);
	/* SP delta: 0 in the prologue, 8 after it, nothing outside the function. */
	pclntab__find_func(t, "runtime.casgstatus", &f);
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.entry, &d), 0);
	CHECK_EQ_U64(d, 0);
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.entry + SYNTH_PROLOGUE - 1, &d), 0);
	CHECK_EQ_U64(d, 0);
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.entry + SYNTH_PROLOGUE, &d), 0);
	CHECK_EQ_U64(d, 8);
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.end - SYNTH_EPILOGUE - 1, &d), 0);
	CHECK_EQ_U64(d, 8);
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.end - SYNTH_EPILOGUE, &d), 0);
	CHECK_EQ_U64(d, 0);
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.end - 1, &d), 0);
	CHECK_EQ_U64(d, 0);
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.end, &d), -ERANGE);
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.entry - 1, &d), -ERANGE);
	f.pcsp = 0;
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.entry, &d), -ENOENT);
	pclntab__delete(t);
}

/* 1.18+: the caller's text base wins; the header's is the fallback; neither fails. */
static void test_text_start(void)
{
	uint8_t buf[CAP];
	struct synth_tab st;
	struct pclntab *t;
	struct pclntab_func f;

	st = synth_pclntab(buf, sizeof(buf), PCLNTAB_VER_120, 8, 1, TEXT, TEXT, NFUNC);
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT + 0x1000, &t), 0);
	if (t) {
		CHECK_EQ_U64(pclntab__text_start(t), TEXT + 0x1000);
		CHECK_EQ_U64(pclntab__header(t)->text_start, TEXT);
		pclntab__func_at(t, 0, &f);
		CHECK_EQ_U64(f.entry, TEXT + 0x1000);
		pclntab__delete(t);
	}
	/* go1.26 writes 0 in the header: the caller must give the base. */
	st = synth_pclntab(buf, sizeof(buf), PCLNTAB_VER_120, 8, 1, TEXT, 0, NFUNC);
	CHECK_EQ_U64(pclntab__new(buf, st.len, 0, &t), -ERRORS__FORMAT);
	CHECK(t == NULL);
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), 0);
	if (t) {
		CHECK_EQ_U64(pclntab__min_pc(t), TEXT);
		pclntab__delete(t);
	}
	/* Before 1.18 entries are absolute and the argument is ignored. */
	st = synth_pclntab(buf, sizeof(buf), PCLNTAB_VER_116, 8, 1, TEXT, 0, NFUNC);
	CHECK_EQ_U64(pclntab__new(buf, st.len, 0x999000, &t), 0);
	if (t) {
		CHECK_EQ_U64(pclntab__min_pc(t), TEXT);
		pclntab__delete(t);
	}
}

static void test_bad_header(enum pclntab_version v)
{
	uint8_t buf[CAP], *p;
	struct synth_tab st = synth_pclntab(buf, sizeof(buf), v, 8, 1, TEXT, TEXT, NFUNC);
	struct pclntab_header h;
	struct pclntab *t;
	size_t n, hdr;
	uint8_t save[16];

	CHECK_EQ_U64(pclntab__parse_header(buf, st.len, &h), 0);
	hdr = h.header_size;
	memcpy(save, buf, sizeof(save));

	/* Wrong magic, pad, quantum, pointer size. */
	put32(buf, 0x12345678);
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__FORMAT);
	memcpy(buf, save, sizeof(save));
	buf[0] ^= 0x80;
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__FORMAT);
	memcpy(buf, save, sizeof(save));
	buf[4] = 1;
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__FORMAT);
	memcpy(buf, save, sizeof(save));
	buf[6] = 3;
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__FORMAT);
	memcpy(buf, save, sizeof(save));
	buf[7] = 2;
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__FORMAT);
	memcpy(buf, save, sizeof(save));
	CHECK(t == NULL);

	/* Absurd function counts. */
	put64(buf + 8, 1ULL << 40);
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__TRUNCATED);
	put64(buf + 8, UINT64_MAX);
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__TRUNCATED);
	put64(buf + 8, 0);
	CHECK(pclntab__new(buf, st.len, TEXT, &t) < 0);
	put64(buf + 8, st.len); /* fits no function table */
	CHECK(pclntab__new(buf, st.len, TEXT, &t) < 0);
	put64(buf + 8, NFUNC);

	/* Offsets past the end, and out of the linker's order. */
	if (v != PCLNTAB_VER_12) {
		unsigned int pcln = v == PCLNTAB_VER_116 ? 6 : 7, names = pcln - 4;
		uint64_t o;

		memcpy(&o, buf + 8 + pcln * 8, 8);
		put64(buf + 8 + pcln * 8, st.len + 1);
		CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__TRUNCATED);
		put64(buf + 8 + pcln * 8, UINT64_MAX);
		CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__TRUNCATED);
		put64(buf + 8 + pcln * 8, st.len - 8); /* ftab no longer fits */
		CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__TRUNCATED);
		put64(buf + 8 + pcln * 8, o);
		memcpy(&o, buf + 8 + names * 8, 8);
		put64(buf + 8 + names * 8, 2); /* inside the header */
		CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__CORRUPT);
		put64(buf + 8 + names * 8, o);
	} else {
		uint64_t at = st.ftab_off + (2 * NFUNC + 1) * 8;

		put32(buf + at, st.len);
		CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__TRUNCATED);
		put32(buf + at, st.filetab_off);
		put32(buf + st.filetab_off, 0x40000000);
		CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__TRUNCATED);
		put32(buf + st.filetab_off, 2);
	}
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), 0);
	pclntab__delete(t);

	/* An unsorted function table. */
	{
		uint64_t a = st.ftab_off + 2 * 2 * st.field;
		uint8_t tmp[8];

		memcpy(tmp, buf + a, st.field);
		put_word(buf + a, 0xffffff, st.field);
		CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), -ERRORS__CORRUPT);
		memcpy(buf + a, tmp, st.field);
	}

	/* Cut at every byte: the header part must say truncated; nothing may crash. */
	for (n = 0; n < st.len; n++) {
		int err;

		p = exact(buf, n);
		err = pclntab__new(p, n, TEXT, &t);
		if (n < hdr)
			CHECK_EQ_U64(err, -ERRORS__TRUNCATED);
		if (n < st.ftab_off + (2 * NFUNC + 1) * st.field)
			CHECK(err < 0);
		if (!err) {
			walk(t);
			pclntab__delete(t);
		}
		free(p);
	}
}

/* Each damaged record is an error of its own, and the rest still decode. */
static void test_bad_records(enum pclntab_version v)
{
	uint8_t buf[CAP];
	struct synth_tab st = synth_pclntab(buf, sizeof(buf), v, 8, 1, TEXT, TEXT, NFUNC);
	struct pclntab *t;
	struct pclntab_func f;
	int64_t d;
	uint64_t a;

	/* Function 2's funcoff points past the end. */
	a = st.ftab_off + (2 * 2 + 1) * st.field;
	put_word(buf + a, 0x7fff0000, st.field);
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), 0);
	if (!t)
		return;
	CHECK_EQ_U64(pclntab__func_at(t, 2, &f), -ERRORS__CORRUPT);
	CHECK_EQ_U64(pclntab__func_at(t, 3, &f), 0);
	CHECK_EQ_U64(walk(t), 2); /* the iterator stops at the bad record */
	/* A pcsp offset past the end, and a pcsp stream that never ends. */
	pclntab__func_at(t, 3, &f);
	f.pcsp = 0x7fffffff;
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.entry, &d), -ERRORS__CORRUPT);
	pclntab__delete(t);
	memset(buf + st.len - 16, 0xff, 16);
	CHECK_EQ_U64(pclntab__new(buf, st.len, TEXT, &t), 0);
	if (!t)
		return;
	pclntab__func_at(t, 3, &f);
	f.pcsp = st.len - 16 - st.pctab_off;
	CHECK_EQ_U64(pclntab__sp_delta(t, &f, f.entry, &d), -ERRORS__CORRUPT);
	pclntab__delete(t);
}

/* Random byte flips anywhere: any result but a crash. */
static void test_flips(void)
{
	uint8_t buf[CAP], *p;
	unsigned int seed = 1;
	size_t i, k;

	for (i = 0; i < 4000; i++) {
		enum pclntab_version v = versions[i % 4];
		struct synth_tab st =
			synth_pclntab(buf, sizeof(buf), v, i % 8 < 4 ? 8 : 4, 1, TEXT, TEXT, NFUNC);
		struct pclntab *t;

		for (k = 0; k < 1 + i % 5; k++)
			buf[rand_r(&seed) % st.len] ^= 1 << (rand_r(&seed) % 8);
		p = exact(buf, st.len);
		if (!pclntab__new(p, st.len, TEXT, &t)) {
			walk(t);
			pclntab__delete(t);
		}
		free(p);
	}
	CHECK(1);
}

/* --- pclntab__locate and moduledata__find on a synthetic executable --------------------- */

#define RODATA 0x500000ULL
#define DATA 0x600000ULL
#define MD_OFF 0x100

/* A go1.20-layout moduledata for the table at RODATA, as words; lengths are listed apart. */
static void moduledata_words(uint64_t *w, const struct pclntab_header *h)
{
	uint64_t pc = RODATA;

	memset(w, 0, 51 * sizeof(*w));
	w[0] = pc;
	w[1] = pc + h->funcname_off;
	w[4] = pc + h->cu_off;
	w[7] = pc + h->filetab_off;
	w[10] = pc + h->pctab_off;
	w[13] = pc + h->funcdata_off;
	w[16] = pc + h->ftab_off;
	w[17] = w[18] = NFUNC + 1;
	w[20] = TEXT;
	w[21] = TEXT + NFUNC * SYNTH_FSIZE;
	w[22] = TEXT;
	w[23] = TEXT + NFUNC * SYNTH_FSIZE + 0x10;
	w[24] = DATA;
	w[25] = DATA + 0x80;
	w[37] = RODATA + 0x1000;
	w[38] = RODATA + 0x2000;
	w[41] = DATA + 0x800; /* textsectmap -> one textsect */
	w[42] = w[43] = 1;
}

static bool is_length(int i)
{
	return i == 17 || i == 18 || i == 42 || i == 43;
}

/*
 * An executable with a text segment, the table in read-only data and
 * moduledata in writable data. relocs_only: every address word is 0 in the
 * file and given by an R_X86_64_RELATIVE relocation, as lld leaves a PIE.
 */
static void test_executable(bool with_sections, bool with_symbol, bool relocs_only)
{
	static uint8_t text[NFUNC * SYNTH_FSIZE + 0x10], ro[CAP], data[0x1000];
	static uint8_t rela[64 * 24], dyn[4 * 16];
	struct synth s;
	struct pclntab_header h;
	struct synth_tab st;
	struct pclntab_loc loc;
	struct moduledata md;
	struct elfbuf *e;
	uint64_t w[51];
	uint8_t *img;
	size_t len;
	int seg_ro, seg_data, nrel = 0, i;

	st = synth_pclntab(ro, sizeof(ro), PCLNTAB_VER_120, 8, 1, TEXT, 0, NFUNC);
	CHECK_EQ_U64(pclntab__parse_header(ro, st.len, &h), 0);
	moduledata_words(w, &h);
	memset(data, 0, sizeof(data));
	for (i = 0; i < 51; i++) {
		bool rel = relocs_only && w[i] && !is_length(i);

		put64(data + MD_OFF + i * 8, rel ? 0 : w[i]);
		if (rel) {
			put64(rela + nrel * 24, DATA + MD_OFF + i * 8);
			put64(rela + nrel * 24 + 8, R_X86_64_RELATIVE);
			put64(rela + nrel * 24 + 16, w[i]);
			nrel++;
		}
	}
	/* textsect[0] = { 0, text size, baseaddr = text } */
	put64(data + 0x808, NFUNC * SYNTH_FSIZE);
	put64(data + 0x810, relocs_only ? 0 : TEXT);
	if (relocs_only) {
		put64(rela + nrel * 24, DATA + 0x810);
		put64(rela + nrel * 24 + 8, R_X86_64_RELATIVE);
		put64(rela + nrel * 24 + 16, TEXT);
		nrel++;
	}
	synth_init(&s);
	s.with_sections = with_sections;
	synth_segment(&s, PT_LOAD, PF_R | PF_X, TEXT, text, sizeof(text));
	seg_ro = synth_segment(&s, PT_LOAD, PF_R, RODATA, ro, st.len);
	seg_data = synth_segment(&s, PT_LOAD, PF_R | PF_W, DATA, data, sizeof(data));
	if (nrel) {
		synth_segment(&s, PT_LOAD, PF_R, 0x700000, rela, nrel * 24);
		put64(dyn, DT_RELA);
		put64(dyn + 8, 0x700000);
		put64(dyn + 16, DT_RELASZ);
		put64(dyn + 24, nrel * 24);
		put64(dyn + 32, DT_RELAENT);
		put64(dyn + 40, 24);
		put64(dyn + 48, DT_NULL);
		synth_segment(&s, PT_DYNAMIC, PF_R, 0x710000, dyn, sizeof(dyn));
		s.etype = ET_DYN;
	}
	if (with_sections) {
		synth_section(&s, ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0, 0,
			      sizeof(text));
		synth_section(&s, ".rodata", SHT_PROGBITS, SHF_ALLOC, seg_ro, 0, st.len);
		synth_section(&s, ".noptrdata", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, seg_data, 0,
			      sizeof(data));
	}
	if (with_symbol)
		synth_symbol(&s, "runtime.firstmoduledata", DATA + MD_OFF, 400);
	img = synth_build(&s, &len);
	CHECK_EQ_U64(elfbuf__new(img, len, &e), 0);
	if (!e) {
		free(img);
		return;
	}
	CHECK_EQ_U64(pclntab__locate(e, &loc), 0);
	CHECK_EQ_U64(loc.vaddr, RODATA);
	CHECK_EQ_U64(loc.how, PCLNTAB_HOW_SCAN);
	CHECK_EQ_U64(loc.version, PCLNTAB_VER_120);
	CHECK_EQ_U64(moduledata__find(e, &loc, 0, &md), 0);
	CHECK_EQ_U64(md.vaddr, DATA + MD_OFF);
	CHECK_EQ_U64(md.how, with_symbol ? MODULEDATA_HOW_SYMBOL : MODULEDATA_HOW_SCAN);
	CHECK_EQ_U64(md.layout, MODULEDATA_LAYOUT_120);
	CHECK_EQ_U64(md.text, TEXT);
	CHECK_EQ_U64(md.etext, TEXT + NFUNC * SYNTH_FSIZE + 0x10);
	CHECK_EQ_U64(md.types, RODATA + 0x1000);
	CHECK_EQ_U64(md.etypes, RODATA + 0x2000);
	CHECK_EQ_U64(md.ntextsect, 1);
	CHECK_EQ_U64(md.nftab, NFUNC + 1);
	/* The table damaged: nfunc no longer matches ftab's length, nothing validates. */
	{
		struct pclntab_loc bad = loc;
		uint8_t *copy = exact(loc.data, loc.size);

		bad.data = copy;
		put64(copy + 8, NFUNC - 1);
		CHECK(moduledata__find(e, &bad, 0, &md) < 0);
		free(copy);
	}
	/* A caller that insists on another version gets a format error. */
	CHECK_EQ_U64(moduledata__find(e, &loc, PCLNTAB_VER_118, &md), -ERRORS__FORMAT);
	elfbuf__delete(e);
	free(img);
}

/* No table anywhere is "not Go"; only a bad .gopclntab is "unrecognized format". */
static void test_not_go(bool bad_section)
{
	static uint8_t text[64], data[256];
	struct synth s;
	struct pclntab_loc loc;
	struct elfbuf *e;
	uint8_t *img;
	size_t len;
	int seg;

	memset(data, 0x5a, sizeof(data));
	synth_init(&s);
	synth_segment(&s, PT_LOAD, PF_R | PF_X, TEXT, text, sizeof(text));
	seg = synth_segment(&s, PT_LOAD, PF_R | PF_W, DATA, data, sizeof(data));
	if (bad_section)
		synth_section(&s, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, seg, 0, 64);
	img = synth_build(&s, &len);
	CHECK_EQ_U64(elfbuf__new(img, len, &e), 0);
	if (e) {
		CHECK_EQ_U64(pclntab__locate(e, &loc),
			     bad_section ? -ERRORS__FORMAT : -ERRORS__NOT_GO);
		CHECK(loc.data == NULL);
		elfbuf__delete(e);
	}
	free(img);
}

/* --- goversion ---------------------------------------------------------------------------- */

static void test_goversion(void)
{
	static const char *const ordered[] = {
		"go1.9",     "go1.10",	      "go1.16",	   "go1.20beta1", "go1.20rc1",
		"go1.20rc2", "go1.20",	      "go1.20.1",  "go1.20.10",	  "go1.21rc1",
		"go1.21.0",  "go1.21.13",     "go1.26rc1", "go1.26.0",	  "devel go1.26-abcdef Mon",
		"go1.27.3",  "devel +abc123",
	};
	static const char *const bad[] = {
		"",	  "go",	     "go1",	   "go1.",	 "1.20",
		"go1.x",  "go1.20.", "go1.20rc",   "go1.2a",	 "gox.1",
		"go-1.2", "devel1",  "go1.20beta", "go1.123456", "go1.20.1.2",
	};
	struct goversion a, b;
	size_t i;

	CHECK_EQ_U64(goversion__parse("go1.21.13", &a), 0);
	CHECK(a.major == 1 && a.minor == 21 && a.patch == 13 && a.kind == GOVERSION_RELEASE);
	CHECK_EQ_U64(goversion__parse("go1.26rc1", &a), 0);
	CHECK(a.minor == 26 && a.kind == GOVERSION_RC && a.pre == 1);
	CHECK_EQ_U64(goversion__parse("go1.22.0 X:nocoverageredesign", &a), 0);
	CHECK(a.minor == 22 && a.patch == 0);
	CHECK_EQ_U64(goversion__parse("devel go1.23-e8ee1dc4f9 Sat Jun 1 2024", &a), 0);
	CHECK(a.minor == 23 && a.kind == GOVERSION_DEVEL);
	CHECK(goversion__at_least(&a, 1, 23) && !goversion__at_least(&a, 1, 24));
	CHECK_EQ_U64(goversion__parse("go1.20rc1", &a), 0);
	CHECK(goversion__at_least(&a, 1, 20) && !goversion__at_least(&a, 1, 21));
	for (i = 0; i + 1 < sizeof(ordered) / sizeof(ordered[0]); i++) {
		CHECK_EQ_U64(goversion__parse(ordered[i], &a), 0);
		CHECK_EQ_U64(goversion__parse(ordered[i + 1], &b), 0);
		if (goversion__cmp(&a, &b) >= 0 || goversion__cmp(&b, &a) <= 0)
			fprintf(stderr, "order: %s !< %s\n", ordered[i], ordered[i + 1]);
		CHECK(goversion__cmp(&a, &b) < 0);
		CHECK(goversion__cmp(&b, &a) > 0);
		CHECK(goversion__cmp(&a, &a) == 0);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!goversion__parse(bad[i], &a))
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
		CHECK(goversion__parse(bad[i], &a) == -EINVAL);
	}
	CHECK(goversion__parse(NULL, &a) == -EINVAL);
}

int main(void)
{
	static const unsigned int quanta[] = {1, 2, 4};
	size_t i, q;

	for (i = 0; i < 4; i++) {
		for (q = 0; q < 3; q++) {
			test_good(versions[i], 8, quanta[q]);
			test_good(versions[i], 4, quanta[q]);
		}
		test_bad_header(versions[i]);
		test_bad_records(versions[i]);
	}
	test_text_start();
	test_flips();
	test_executable(true, true, false);
	test_executable(true, false, false);
	test_executable(false, false, false);
	test_executable(true, false, true);
	test_executable(false, false, true);
	test_not_go(false);
	test_not_go(true);
	test_goversion();
	return check_done("test_pclntab");
}
