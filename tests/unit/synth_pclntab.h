/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synth_pclntab: hand-built function tables in every header format, for the
 * pclntab and moduledata unit tests. Function i is named "main.f<i>" (i = 1
 * is "runtime.casgstatus"), starts at text + i * SYNTH_FSIZE, and has an SP
 * delta of 0 for its first 4 bytes, 8 after, and 0 again for its last 4, as
 * a real prologue and epilogue would.
 */
#ifndef GOTRACER_SYNTH_PCLNTAB_H
#define GOTRACER_SYNTH_PCLNTAB_H

#include <stdio.h>

#include "pclntab.h"
#include "synth_elf.h"

#define SYNTH_FSIZE 0x40
#define SYNTH_PROLOGUE 4
#define SYNTH_EPILOGUE 4

struct synth_tab {
	size_t len;
	/* Where the header's offsets ended up, for tests that corrupt them. */
	uint64_t ftab_off, names_off, pctab_off, funcdata_off, filetab_off;
	unsigned int field;
};

static inline uint32_t synth_magic(enum pclntab_version v)
{
	switch (v) {
	case PCLNTAB_VER_12:
		return 0xfffffffb;
	case PCLNTAB_VER_116:
		return 0xfffffffa;
	case PCLNTAB_VER_118:
		return 0xfffffff0;
	default:
		return 0xfffffff1;
	}
}

static inline void synth_name(char *buf, size_t n, int i)
{
	if (i == 1)
		snprintf(buf, n, "runtime.casgstatus");
	else
		snprintf(buf, n, "main.f%d", i);
}

/*
 * Build a table into b (cap bytes, zeroed). text: the absolute text base;
 * hdr_text: what to write in the 1.18+ header's textStart. Returns the layout.
 */
static inline struct synth_tab synth_pclntab(uint8_t *b, size_t cap, enum pclntab_version v,
					     unsigned int ps, unsigned int q, uint64_t text,
					     uint64_t hdr_text, int nfunc)
{
	struct synth_tab t = {0};
	unsigned int entw = v >= PCLNTAB_VER_118 ? 4 : ps, recsize = entw + 10 * 4;
	uint64_t off, nameoff[256], pcspoff[256], funcoff[256], base_names, base_pc, base_fd;
	char name[64];
	int i;

	memset(b, 0, cap);
	put32(b, synth_magic(v));
	b[6] = q;
	b[7] = ps;
	t.field = v >= PCLNTAB_VER_118 ? 4 : ps;
	if (v == PCLNTAB_VER_12) {
		put_word(b + 8, nfunc, ps);
		t.ftab_off = 8 + ps;
		off = t.ftab_off + (2 * nfunc + 1) * ps + 4;
		base_names = base_pc = base_fd = 0;
	} else {
		off = 8 + (v == PCLNTAB_VER_116 ? 7 : 8) * ps;
		base_names = off;
	}
	/* Names. */
	t.names_off = base_names;
	for (i = 0; i < nfunc; i++) {
		synth_name(name, sizeof(name), i);
		nameoff[i] = off - base_names;
		memcpy(b + off, name, strlen(name) + 1);
		off += strlen(name) + 1;
	}
	off = (off + 3) & ~3ULL;
	if (v != PCLNTAB_VER_12) {
		uint64_t cu = off, ft;

		off += 4; /* cutab: one entry */
		ft = off;
		memcpy(b + off, "a.go", 5);
		off += 5;
		base_pc = off;
		b[off++] = 0; /* so that a pcsp offset of 0 means "none" */
		put_word(b + 8 + 0 * ps, nfunc, ps);
		put_word(b + 8 + 1 * ps, 1, ps);
		i = 2;
		if (v != PCLNTAB_VER_116)
			put_word(b + 8 + (i++) * ps, hdr_text, ps);
		put_word(b + 8 + (i++) * ps, base_names, ps);
		put_word(b + 8 + (i++) * ps, cu, ps);
		put_word(b + 8 + (i++) * ps, ft, ps);
		put_word(b + 8 + (i++) * ps, base_pc, ps);
		t.filetab_off = ft;
	}
	t.pctab_off = base_pc;
	for (i = 0; i < nfunc; i++) {
		pcspoff[i] = off - base_pc;
		b[off++] = 2;		       /* value -1 + 1 = 0 ... */
		b[off++] = SYNTH_PROLOGUE / q; /* ... for the prologue */
		b[off++] = 16;		       /* + 8 ... */
		b[off++] = (SYNTH_FSIZE - SYNTH_PROLOGUE - SYNTH_EPILOGUE) / q;
		b[off++] = 15; /* - 8: back to 0 for the epilogue (zigzag: odd is negative) */
		b[off++] = SYNTH_EPILOGUE / q;
		b[off++] = 0;
	}
	off = (off + 7) & ~7ULL;
	if (v != PCLNTAB_VER_12) {
		base_fd = off;
		t.ftab_off = off;
		put_word(b + 8 + (v == PCLNTAB_VER_116 ? 6 : 7) * ps, base_fd, ps);
		off += (2 * nfunc + 1) * t.field;
		off = (off + 7) & ~7ULL;
	} else {
		/* The file table: count, then one offset. */
		t.filetab_off = off;
		put32(b + t.ftab_off + (2 * nfunc + 1) * ps, off);
		put32(b + off, 2);
		off += 8;
	}
	t.funcdata_off = base_fd;
	for (i = 0; i < nfunc; i++) {
		uint64_t entry = text + (uint64_t)i * SYNTH_FSIZE;
		uint64_t raw = v >= PCLNTAB_VER_118 ? entry - text : entry;

		funcoff[i] = off - base_fd;
		put_word(b + off, raw, entw);
		put32(b + off + entw, nameoff[i]);
		put32(b + off + entw + 4, 16);		/* args */
		put32(b + off + entw + 12, pcspoff[i]); /* pcsp */
		off += recsize;
		off = (off + 7) & ~7ULL;
	}
	for (i = 0; i <= nfunc; i++) {
		uint64_t entry = text + (uint64_t)i * SYNTH_FSIZE;
		uint64_t raw = v >= PCLNTAB_VER_118 ? entry - text : entry;

		put_word(b + t.ftab_off + 2 * i * t.field, raw, t.field);
		if (i < nfunc)
			put_word(b + t.ftab_off + (2 * i + 1) * t.field, funcoff[i], t.field);
	}
	t.len = off;
	(void)cap;
	return t;
}

#endif /* GOTRACER_SYNTH_PCLNTAB_H */
