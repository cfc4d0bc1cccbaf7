// SPDX-License-Identifier: GPL-2.0
/*
 * pclntab: parse the Go runtime's function table (see pclntab.h).
 *
 * Layout facts (from the Go linker's pcln.go and the runtime's symtab.go):
 *   header   magic u32, 0, 0, quantum u8, ptrsize u8, then words:
 *            1.2:   nfunc; ftab follows at 8 + ptrsize
 *            1.16:  nfunc, nfiles, funcname, cu, filetab, pctab, pcln offsets
 *            1.18+: nfunc, nfiles, textStart, funcname, cu, filetab, pctab, pcln
 *   ftab     nfunc {entry, funcoff} pairs plus an end pc; fields are ptrsize
 *            wide (1.18+: u32 offsets from the text base); funcoff is from the
 *            func data base (1.2: the table; 1.16+: the pcln offset).
 *            1.2 follows the ftab with a u32 offset of the file table.
 *   _func    entry (ptrsize; 1.18+: u32 offset), then i32 fields: nameoff,
 *            args, deferreturn (frame before 1.12), pcsp, pcfile, pcln, ...
 *            nameoff is from the name table, pcsp from the pc tables.
 * Everything is read through rd.h with the table's byte order; a field that
 * would be read past the buffer makes the call fail, never read out of bounds.
 */
#define _GNU_SOURCE /* memmem */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elfbuf.h"
#include "errors.h"
#include "log.h"
#include "pclntab.h"
#include "rd.h"

#define MAGIC_12 0xfffffffbu
#define MAGIC_116 0xfffffffau
#define MAGIC_118 0xfffffff0u
#define MAGIC_120 0xfffffff1u

/* Longest function name we accept (generic instantiations can be long). */
#define MAX_NAME (1 << 16)

/* _func field numbers after the entry: each an int32. */
enum func_field {
	FUNC_NAMEOFF = 1,
	FUNC_ARGS = 2,
	FUNC_PCSP = 4,
};

struct pclntab {
	const uint8_t *buf;
	size_t len;
	struct pclntab_header h;
	uint64_t text_start; /* base added to 1.18+ offsets */
};

static int rd_field(const uint8_t *b, size_t len, bool be, uint64_t off, unsigned int width,
		    uint64_t *v)
{
	return rd__uint(b, len, off, width, be, v) ? -ERRORS__TRUNCATED : 0;
}

static enum pclntab_version version_of_magic(uint32_t magic)
{
	switch (magic) {
	case MAGIC_12:
		return PCLNTAB_VER_12;
	case MAGIC_116:
		return PCLNTAB_VER_116;
	case MAGIC_118:
		return PCLNTAB_VER_118;
	case MAGIC_120:
		return PCLNTAB_VER_120;
	}
	return PCLNTAB_VER_UNKNOWN;
}

/* Header word i (after the 8 fixed bytes). */
static int hdr_word(const uint8_t *b, size_t len, const struct pclntab_header *h, unsigned int i,
		    uint64_t *v)
{
	return rd_field(b, len, h->big_endian, 8 + (uint64_t)i * h->ptrsize, h->ptrsize, v);
}

/* The 1.16+ header: counts, then offsets that must be in the linker's order. */
static int parse_header_116(const uint8_t *b, size_t len, enum pclntab_version ver,
			    struct pclntab_header *h)
{
	/* Word index of funcnameOffset; 1.18 inserted textStart before it. */
	unsigned int first = ver == PCLNTAB_VER_116 ? 2 : 3, i;
	uint64_t offs[5], prev;
	int err;

	h->header_size = 8 + (uint64_t)(first + 5) * h->ptrsize;
	if (len < h->header_size)
		return -ERRORS__TRUNCATED;
	if ((err = hdr_word(b, len, h, 0, &h->nfunc)) || (err = hdr_word(b, len, h, 1, &h->nfiles)))
		return err;
	if (ver != PCLNTAB_VER_116 && (err = hdr_word(b, len, h, 2, &h->text_start)))
		return err;
	prev = h->header_size;
	for (i = 0; i < 5; i++) {
		if ((err = hdr_word(b, len, h, first + i, &offs[i])))
			return err;
		if (offs[i] < prev)
			return -ERRORS__CORRUPT;
		if (offs[i] > len)
			return -ERRORS__TRUNCATED;
		prev = offs[i];
	}
	h->funcname_off = offs[0];
	h->cu_off = offs[1];
	h->filetab_off = offs[2];
	h->pctab_off = offs[3];
	h->funcdata_off = offs[4];
	h->ftab_off = offs[4];
	return 0;
}

static int parse_header_12(const uint8_t *b, size_t len, struct pclntab_header *h)
{
	uint64_t fileoff, nfiletab;
	int err;

	h->header_size = 8 + h->ptrsize;
	if (len < h->header_size)
		return -ERRORS__TRUNCATED;
	if ((err = hdr_word(b, len, h, 0, &h->nfunc)))
		return err;
	h->ftab_off = h->header_size;
	/* The file table offset follows the ftab; ftab_size is checked by the caller first. */
	if (h->nfunc > (len - h->ftab_off) / (2 * h->ptrsize))
		return -ERRORS__TRUNCATED;
	if ((err = rd_field(b, len, h->big_endian, h->ftab_off + (2 * h->nfunc + 1) * h->ptrsize, 4,
			    &fileoff)))
		return err;
	if (fileoff < h->header_size)
		return -ERRORS__CORRUPT;
	if ((err = rd_field(b, len, h->big_endian, fileoff, 4, &nfiletab)))
		return err;
	if (!rd__in(len, fileoff, nfiletab * 4))
		return -ERRORS__TRUNCATED;
	h->nfiles = nfiletab;
	h->filetab_off = fileoff;
	return 0;
}

int pclntab__parse_header(const void *buf, size_t len, struct pclntab_header *out)
{
	const uint8_t *b = buf;
	struct pclntab_header h = {0};
	enum pclntab_version ver;
	uint32_t magic;
	int err;

	memset(out, 0, sizeof(*out));
	if (len < 4)
		return -ERRORS__TRUNCATED;
	/* Little-endian first; a big-endian table has its magic byte-swapped. */
	magic = rd__le32(b);
	ver = version_of_magic(magic);
	if (ver == PCLNTAB_VER_UNKNOWN) {
		ver = version_of_magic(rd__be32(b));
		h.big_endian = true;
	}
	if (ver == PCLNTAB_VER_UNKNOWN)
		return -ERRORS__FORMAT;
	if (len < 8)
		return -ERRORS__TRUNCATED;
	if (b[4] || b[5] || (b[6] != 1 && b[6] != 2 && b[6] != 4) || (b[7] != 4 && b[7] != 8))
		return -ERRORS__FORMAT;
	h.quantum = b[6];
	h.ptrsize = b[7];
	h.ftab_field = ver >= PCLNTAB_VER_118 ? 4 : h.ptrsize;
	err = ver == PCLNTAB_VER_12 ? parse_header_12(b, len, &h) :
				      parse_header_116(b, len, ver, &h);
	if (err)
		return err;
	/* nfunc entries of two fields, plus the end pc; no overflow for any nfunc <= len. */
	if (h.nfunc == 0 || h.nfunc > len / (2 * h.ftab_field))
		return h.nfunc ? -ERRORS__TRUNCATED : -ERRORS__CORRUPT;
	h.ftab_size = (2 * h.nfunc + 1) * h.ftab_field;
	if (!rd__in(len, h.ftab_off, h.ftab_size))
		return -ERRORS__TRUNCATED;
	if (h.nfiles > len)
		return -ERRORS__CORRUPT;
	h.version = ver;
	*out = h;
	return 0;
}

/* Raw ftab field: entry (pc) or funcoff of slot i; i == nfunc is the end pc. */
static int ftab_raw(const struct pclntab *t, uint64_t i, unsigned int which, uint64_t *v)
{
	const struct pclntab_header *h = &t->h;

	return rd_field(t->buf, t->len, h->big_endian,
			h->ftab_off + (2 * i + which) * h->ftab_field, h->ftab_field, v);
}

/* Absolute pc of ftab slot i. */
static int ftab_pc(const struct pclntab *t, uint64_t i, uint64_t *pc)
{
	int err = ftab_raw(t, i, 0, pc);

	if (!err && t->h.version >= PCLNTAB_VER_118)
		*pc += t->text_start;
	return err;
}

static int ftab_funcoff(const struct pclntab *t, uint64_t i, uint64_t *off)
{
	return ftab_raw(t, i, 1, off);
}

/* Offset, from the table start, of int32 field n of the _func at funcoff. */
static uint64_t func_field_off(const struct pclntab *t, uint64_t funcoff, unsigned int n)
{
	unsigned int entry_size = t->h.version >= PCLNTAB_VER_118 ? 4 : t->h.ptrsize;

	return t->h.funcdata_off + funcoff + entry_size + (n - 1) * 4;
}

static int func_field(const struct pclntab *t, uint64_t funcoff, unsigned int n, uint32_t *v)
{
	uint64_t x = 0;
	int err = rd_field(t->buf, t->len, t->h.big_endian, func_field_off(t, funcoff, n), 4, &x);

	*v = (uint32_t)x;
	return err;
}

/* Entry address stored in the _func record itself. */
static int func_entry(const struct pclntab *t, uint64_t funcoff, uint64_t *entry)
{
	const struct pclntab_header *h = &t->h;
	unsigned int w = h->version >= PCLNTAB_VER_118 ? 4 : h->ptrsize;
	int err = rd_field(t->buf, t->len, h->big_endian, h->funcdata_off + funcoff, w, entry);

	if (!err && h->version >= PCLNTAB_VER_118)
		*entry += t->text_start;
	return err;
}

/*
 * The NUL-terminated name at nameoff, or NULL when it is not inside the table.
 * The search for the NUL is bounded so that a table of corrupt name offsets
 * costs O(functions), not O(functions x table size).
 */
/* A NUL-terminated string at off, of at most MAX_NAME bytes; NULL when it is not one. */
static const char *str_at(const struct pclntab *t, uint64_t off)
{
	uint64_t n;

	if (off >= t->len)
		return NULL;
	n = t->len - off < MAX_NAME ? t->len - off : MAX_NAME;
	if (!memchr(t->buf + off, 0, n))
		return NULL;
	return (const char *)t->buf + off;
}

static const char *name_at(const struct pclntab *t, uint32_t nameoff)
{
	return str_at(t, t->h.funcname_off + nameoff);
}

/* Check the ftab is sorted and its end pc follows the last entry: one linear pass. */
static int check_ftab(const struct pclntab *t)
{
	uint64_t i, prev = 0, pc;
	int err;

	for (i = 0; i <= t->h.nfunc; i++) {
		if ((err = ftab_raw(t, i, 0, &pc)))
			return err;
		if (pc < prev)
			return -ERRORS__CORRUPT;
		prev = pc;
	}
	return 0;
}

int pclntab__new(const void *buf, size_t len, uint64_t text_start, struct pclntab **out)
{
	struct pclntab *t;
	struct pclntab_header h;
	int err;

	*out = NULL;
	err = pclntab__parse_header(buf, len, &h);
	if (err)
		return err;
	if (h.version >= PCLNTAB_VER_118) {
		if (!text_start)
			text_start = h.text_start;
		if (!text_start)
			return -ERRORS__FORMAT;
		if (text_start > UINT64_MAX - UINT32_MAX) /* u32 offsets from it must not wrap */
			return -ERRORS__CORRUPT;
	} else {
		text_start = 0;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->buf = buf;
	t->len = len;
	t->h = h;
	t->text_start = text_start;
	err = check_ftab(t);
	if (err) {
		free(t);
		return err;
	}
	*out = t;
	return 0;
}

void pclntab__delete(struct pclntab *t)
{
	free(t);
}

enum pclntab_version pclntab__version(const struct pclntab *t)
{
	return t->h.version;
}

unsigned int pclntab__ptrsize(const struct pclntab *t)
{
	return t->h.ptrsize;
}

unsigned int pclntab__quantum(const struct pclntab *t)
{
	return t->h.quantum;
}

uint64_t pclntab__text_start(const struct pclntab *t)
{
	return t->text_start;
}

size_t pclntab__func_count(const struct pclntab *t)
{
	return t->h.nfunc;
}

const struct pclntab_header *pclntab__header(const struct pclntab *t)
{
	return &t->h;
}

uint64_t pclntab__min_pc(const struct pclntab *t)
{
	uint64_t pc = 0;

	ftab_pc(t, 0, &pc);
	return pc;
}

uint64_t pclntab__max_pc(const struct pclntab *t)
{
	uint64_t pc = 0;

	ftab_pc(t, t->h.nfunc, &pc);
	return pc;
}

int pclntab__func_at(const struct pclntab *t, size_t idx, struct pclntab_func *f)
{
	uint64_t funcoff, entry, end, fentry;
	uint32_t nameoff, args, pcsp;
	const char *name;

	if (idx >= t->h.nfunc)
		return -ENOENT;
	if (ftab_pc(t, idx, &entry) || ftab_pc(t, idx + 1, &end) || ftab_funcoff(t, idx, &funcoff))
		return -ERRORS__CORRUPT;
	/* The record must agree with the table that points at it. */
	if (funcoff > UINT32_MAX || func_entry(t, funcoff, &fentry) || fentry != entry)
		return -ERRORS__CORRUPT;
	if (func_field(t, funcoff, FUNC_NAMEOFF, &nameoff) ||
	    func_field(t, funcoff, FUNC_ARGS, &args) || func_field(t, funcoff, FUNC_PCSP, &pcsp))
		return -ERRORS__CORRUPT;
	name = name_at(t, nameoff);
	*f = (struct pclntab_func){
		.entry = entry,
		.end = end,
		.index = idx,
		.nameoff = nameoff,
		.name = name ? name : "",
		.funcoff = funcoff,
		.pcsp = pcsp,
		.args = (int32_t)args,
	};
	return 0;
}

int pclntab__find_func(const struct pclntab *t, const char *name, struct pclntab_func *f)
{
	size_t n = strlen(name) + 1, i;
	bool unreadable = false;

	/*
	 * A linear pass comparing names in place: one lookup per run, and the
	 * table is not sorted by name. Only the matching record is decoded fully.
	 */
	for (i = 0; i < t->h.nfunc; i++) {
		uint64_t funcoff, off;
		uint32_t nameoff;

		if (ftab_funcoff(t, i, &funcoff) ||
		    func_field(t, funcoff, FUNC_NAMEOFF, &nameoff)) {
			unreadable = true;
			continue;
		}
		off = t->h.funcname_off + nameoff;
		if (off >= t->len) {
			unreadable = true; /* a name outside the table */
			continue;
		}
		if (!rd__in(t->len, off, n) || memcmp(t->buf + off, name, n))
			continue;
		return pclntab__func_at(t, i, f);
	}
	/* The name may have been in a record we could not read: that is no "absent". */
	return unreadable ? -ERRORS__CORRUPT : -ERRORS__NO_SYMBOL;
}

int pclntab__find_pc(const struct pclntab *t, uint64_t pc, struct pclntab_func *f)
{
	uint64_t lo = 0, hi = t->h.nfunc, mid, v;

	if (pc < pclntab__min_pc(t) || pc >= pclntab__max_pc(t))
		return -ERRORS__NO_SYMBOL;
	/* Largest slot whose entry is <= pc; the ftab was checked sorted at parse. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (ftab_pc(t, mid, &v))
			return -ERRORS__CORRUPT;
		if (v <= pc)
			lo = mid;
		else
			hi = mid;
	}
	return pclntab__func_at(t, lo, f);
}

/* One pcvalue varint: Go's readvarint decodes into a uint32. */
static size_t pc_varint(const struct pclntab *t, uint64_t off, uint32_t *v)
{
	uint64_t x;
	size_t n = rd__uvarint(t->buf, t->len, off, &x);

	if (!n || x > UINT32_MAX)
		return 0;
	*v = (uint32_t)x;
	return n;
}

/*
 * The one pc-value decoder (pcsp, pcfile, pcln, pcdata): the value at pc of
 * the table at offset table of the pc tables, for a function starting at
 * entry. Returns 0, -ENOENT when the table ends before pc (the runtime's -1),
 * -ERRORS__CORRUPT when it is malformed.
 */
static int pcvalue(const struct pclntab *t, uint64_t entry, uint32_t table, uint64_t pc,
		   int32_t *value)
{
	uint64_t off, cur = entry;
	int32_t val = -1;
	bool first = true;

	if (rd__add(t->h.pctab_off, table, &off) || off >= t->len)
		return -ERRORS__CORRUPT;
	/* Each step eats at least two bytes, so the loop ends within the buffer. */
	for (;;) {
		uint32_t uv, pcd;
		size_t n;

		if (!(n = pc_varint(t, off, &uv)))
			return -ERRORS__CORRUPT;
		off += n;
		if (uv == 0 && !first)
			return -ENOENT;
		first = false;
		/* Zigzag: the low bit is the sign. */
		uv = uv & 1 ? ~(uv >> 1) : uv >> 1;
		if (!(n = pc_varint(t, off, &pcd)))
			return -ERRORS__CORRUPT;
		off += n;
		val = (int32_t)((uint32_t)val + uv); /* wraps like Go's int32, no UB */
		cur += (uint64_t)pcd * t->h.quantum;
		if (pc < cur) {
			*value = val;
			return 0;
		}
	}
}

int pclntab__sp_delta(const struct pclntab *t, const struct pclntab_func *f, uint64_t pc,
		      int64_t *delta)
{
	int32_t v;
	int err;

	if (pc < f->entry || pc >= f->end)
		return -ERANGE;
	if (!f->pcsp)
		return -ENOENT;
	/* Every pc of a function has a frame size: a table that stops short is corrupt. */
	err = pcvalue(t, f->entry, f->pcsp, pc, &v);
	if (err)
		return err == -ENOENT ? -ERRORS__CORRUPT : err;
	*delta = v;
	return 0;
}

int pclntab__pcvalue(const struct pclntab *t, const struct pclntab_func *f, uint32_t table,
		     uint64_t pc, int32_t *value)
{
	if (pc < f->entry || pc >= f->end)
		return -ERANGE;
	if (!table)
		return -ENOENT;
	return pcvalue(t, f->entry, table, pc, value);
}

/*
 * Byte offsets inside a _func record after its entry field (entry_size bytes):
 * the i32 fields up to cuOffset are common to 1.16+; 1.20 inserted startLine
 * before the funcID, flag, pad, nfuncdata bytes. 1.2-1.15 records end with
 * funcID, 2 pad bytes, nfuncdata (1.12+) after npcdata.
 */
#define FOFF_PCFILE 16
#define FOFF_PCLN 20
#define FOFF_NPCDATA 24
#define FOFF_CUOFF 28

int pclntab__func_info(const struct pclntab *t, const struct pclntab_func *f,
		       struct pclntab_funcinfo *fi)
{
	const struct pclntab_header *h = &t->h;
	unsigned int esz = h->version >= PCLNTAB_VER_118 ? 4 : h->ptrsize;
	uint64_t base, tail, x, end;
	uint8_t b[4];

	memset(fi, 0, sizeof(*fi));
	if (rd__add(h->funcdata_off, f->funcoff, &base) || rd__add(base, esz, &base))
		return -ERRORS__CORRUPT;
	if (rd_field(t->buf, t->len, h->big_endian, base + FOFF_PCFILE, 4, &x))
		return -ERRORS__CORRUPT;
	fi->pcfile = (uint32_t)x;
	if (rd_field(t->buf, t->len, h->big_endian, base + FOFF_PCLN, 4, &x))
		return -ERRORS__CORRUPT;
	fi->pcln = (uint32_t)x;
	if (rd_field(t->buf, t->len, h->big_endian, base + FOFF_NPCDATA, 4, &x))
		return -ERRORS__CORRUPT;
	fi->npcdata = (uint32_t)x;
	if (h->version == PCLNTAB_VER_12) {
		/* funcID, pad, pad, nfuncdata: the go1.12-1.15 tail. */
		tail = base + FOFF_CUOFF;
	} else {
		if (rd_field(t->buf, t->len, h->big_endian, base + FOFF_CUOFF, 4, &x))
			return -ERRORS__CORRUPT;
		fi->cu_offset = (uint32_t)x;
		tail = base + FOFF_CUOFF + 4;
		if (h->version >= PCLNTAB_VER_120) {
			if (rd_field(t->buf, t->len, h->big_endian, tail, 4, &x))
				return -ERRORS__CORRUPT;
			fi->start_line = (int32_t)(uint32_t)x;
			tail += 4;
		}
	}
	if (!rd__in(t->len, tail, 4))
		return -ERRORS__CORRUPT;
	memcpy(b, t->buf + tail, 4);
	fi->func_id = b[0];
	fi->flag = h->version >= PCLNTAB_VER_116 ? b[1] : 0;
	fi->nfuncdata = b[3];
	fi->pcdata_off = tail + 4;
	/* npcdata comes from the file: the arrays must fit before they are indexed. */
	if (fi->npcdata > t->len / 4 || !rd__in(t->len, fi->pcdata_off, (uint64_t)fi->npcdata * 4))
		return -ERRORS__CORRUPT;
	end = fi->pcdata_off + (uint64_t)fi->npcdata * 4;
	if (h->version >= PCLNTAB_VER_118) {
		fi->funcdata_ptrsize = 4;
	} else {
		/* Pointer slots, aligned like the runtime's funcdata() (the record is). */
		fi->funcdata_ptrsize = h->ptrsize;
		if (h->ptrsize == 8 && ((end - (base - esz)) & 4))
			end += 4;
	}
	fi->funcdata_off = end;
	if (!rd__in(t->len, end, (uint64_t)fi->nfuncdata * fi->funcdata_ptrsize))
		return -ERRORS__CORRUPT;
	return 0;
}

int pclntab__pcdata(const struct pclntab *t, const struct pclntab_func *f,
		    const struct pclntab_funcinfo *fi, uint32_t idx, uint64_t pc, int32_t *value)
{
	uint64_t x;

	if (idx >= fi->npcdata)
		return -ENOENT;
	/* In bounds: func_info checked the whole array. */
	if (rd_field(t->buf, t->len, t->h.big_endian, fi->pcdata_off + (uint64_t)idx * 4, 4, &x))
		return -ERRORS__CORRUPT;
	return pclntab__pcvalue(t, f, (uint32_t)x, pc, value);
}

int pclntab__funcdata(const struct pclntab *t, const struct pclntab_funcinfo *fi, uint32_t idx,
		      uint64_t *value, uint64_t *slot_off)
{
	uint64_t off = fi->funcdata_off + (uint64_t)idx * fi->funcdata_ptrsize, x;

	if (idx >= fi->nfuncdata)
		return -ENOENT;
	if (rd_field(t->buf, t->len, t->h.big_endian, off, fi->funcdata_ptrsize, &x))
		return -ERRORS__CORRUPT;
	/* 1.18+: ^uint32(0) is nil; earlier: a nil pointer (unless relocated, see the caller). */
	if (fi->funcdata_ptrsize == 4 && t->h.version >= PCLNTAB_VER_118 && x == UINT32_MAX)
		return -ENOENT;
	*value = x;
	if (slot_off)
		*slot_off = off;
	return 0;
}

int pclntab__file_name(const struct pclntab *t, const struct pclntab_funcinfo *fi, int32_t fileno,
		       const char **file)
{
	const struct pclntab_header *h = &t->h;
	uint64_t slot, x;

	if (fileno < 0)
		return -ENOENT;
	if (h->version == PCLNTAB_VER_12) {
		/* A u32 array whose slot 0 holds its length; offsets from the table start. */
		if ((uint64_t)fileno >= h->nfiles || fileno == 0)
			return -ERRORS__CORRUPT;
		if (rd_field(t->buf, t->len, h->big_endian, h->filetab_off + (uint64_t)fileno * 4,
			     4, &x))
			return -ERRORS__CORRUPT;
		*file = str_at(t, x);
		return *file ? 0 : -ERRORS__CORRUPT;
	}
	/* 1.16+: the CU's slot in cutab gives an offset into the file names. */
	slot = (uint64_t)fi->cu_offset + (uint64_t)fileno;
	if (slot >= (h->filetab_off - h->cu_off) / 4)
		return -ERRORS__CORRUPT;
	if (rd_field(t->buf, t->len, h->big_endian, h->cu_off + slot * 4, 4, &x))
		return -ERRORS__CORRUPT;
	if (x == UINT32_MAX)
		return -ENOENT; /* the runtime prints "?" */
	*file = str_at(t, h->filetab_off + x);
	return *file ? 0 : -ERRORS__CORRUPT;
}

int pclntab__file_line(const struct pclntab *t, const struct pclntab_func *f,
		       const struct pclntab_funcinfo *fi, uint64_t pc, const char **file,
		       uint32_t *line)
{
	int32_t fileno, ln;
	int err;

	*file = "?";
	*line = 0;
	err = pclntab__pcvalue(t, f, fi->pcfile, pc, &fileno);
	if (!err)
		err = pclntab__pcvalue(t, f, fi->pcln, pc, &ln);
	if (!err && ln < 0)
		err = -ENOENT;
	if (!err)
		err = pclntab__file_name(t, fi, fileno, file);
	if (err) {
		*file = "?";
		return err;
	}
	*line = (uint32_t)ln;
	return 0;
}

const char *pclntab__name(const struct pclntab *t, uint32_t nameoff)
{
	return name_at(t, nameoff);
}

const uint8_t *pclntab__data(const struct pclntab *t, size_t *len)
{
	*len = t->len;
	return t->buf;
}

/* --- Locating the table in an executable -------------------------------------------------- */

/* Is [lo, hi) inside the file image of one executable PT_LOAD segment? */
static bool in_exec_segment(const struct elfbuf *e, uint64_t lo, uint64_t hi)
{
	size_t i;

	for (i = 0; i < elfbuf__segment_count(e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);

		if (s->type == PT_LOAD && (s->flags & PF_X) && lo >= s->vaddr && lo <= hi &&
		    hi - s->vaddr <= s->memsz)
			return true;
	}
	return false;
}

/* Largest executable segment size: bound for 1.18+ offsets when no base is known. */
static uint64_t max_exec_size(const struct elfbuf *e)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < elfbuf__segment_count(e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);

		if (s->type == PT_LOAD && (s->flags & PF_X) && s->memsz > m)
			m = s->memsz;
	}
	return m;
}

/*
 * Validate a candidate found by scanning: a good header, a sorted function
 * table, and functions that lie in this file's executable code. The last
 * check turns away stray magic bytes and tables of other Go programs embedded
 * as data.
 */
static int check_candidate(const struct elfbuf *e, const uint8_t *p, size_t len,
			   struct pclntab_header *h)
{
	struct pclntab *t;
	uint64_t lo, hi;
	int err;

	err = pclntab__parse_header(p, len, h);
	if (err)
		return err;
	/* Any non-zero base lets the sortedness check run; the range check decides. */
	err = pclntab__new(p, len, h->version >= PCLNTAB_VER_118 ? 1 : 0, &t);
	if (err)
		return err;
	lo = pclntab__min_pc(t) - pclntab__text_start(t);
	hi = pclntab__max_pc(t) - pclntab__text_start(t);
	pclntab__delete(t);
	if (h->version < PCLNTAB_VER_118 || h->text_start)
		return in_exec_segment(e, lo + h->text_start, hi + h->text_start) ?
			       0 :
			       -ERRORS__CORRUPT;
	return hi <= max_exec_size(e) ? 0 : -ERRORS__CORRUPT;
}

static int loc_from_section(const struct elfbuf *e, const char *name, enum pclntab_how how,
			    struct pclntab_loc *loc)
{
	const struct elfbuf_section *s = elfbuf__section_by_name(e, name);
	struct pclntab_header h;
	const uint8_t *d;
	size_t n;
	int err;

	if (!s)
		return -ENOENT;
	if (elfbuf__section_data(e, s, &d, &n))
		return -ERRORS__TRUNCATED;
	err = pclntab__parse_header(d, n, &h);
	if (err)
		return err;
	*loc = (struct pclntab_loc){
		.vaddr = s->addr, .data = d, .size = n, .how = how, .version = h.version};
	return 0;
}

/*
 * Scan the file image of the PT_LOAD segments with (want_exec ? any : no)
 * PF_X for a little-endian magic followed by 0, 0. memmem finds the rare
 * "ff ff ff 00 00" runs quickly; each hit is checked in full.
 */
static int scan_segments(const struct elfbuf *e, bool want_exec, struct pclntab_loc *loc)
{
	static const uint8_t needle[] = {0xff, 0xff, 0xff, 0x00, 0x00};
	size_t flen, i;
	const uint8_t *file = elfbuf__data(e, &flen);

	for (i = 0; i < elfbuf__segment_count(e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);
		const uint8_t *seg, *p, *end;

		if (s->type != PT_LOAD || !s->filesz || !!(s->flags & PF_X) != want_exec)
			continue;
		if (!rd__in(flen, s->offset, s->filesz))
			continue;
		seg = file + s->offset;
		end = seg + s->filesz;
		p = seg + 1;
		while (p < end && (p = memmem(p, end - p, needle, sizeof(needle)))) {
			const uint8_t *cand = p - 1;
			struct pclntab_header h;

			p++;
			if (version_of_magic(rd__le32(cand)) == PCLNTAB_VER_UNKNOWN)
				continue;
			if (check_candidate(e, cand, end - cand, &h))
				continue;
			*loc = (struct pclntab_loc){
				.vaddr = s->vaddr + (cand - seg),
				.data = cand,
				.size = end - cand,
				.how = PCLNTAB_HOW_SCAN,
				.version = h.version,
			};
			return 0;
		}
	}
	return -ENOENT;
}

int pclntab__locate(const struct elfbuf *e, struct pclntab_loc *loc)
{
	int err;

	memset(loc, 0, sizeof(*loc));
	err = loc_from_section(e, ".gopclntab", PCLNTAB_HOW_SECTION, loc);
	if (err == -ENOENT)
		err = loc_from_section(e, ".data.rel.ro.gopclntab", PCLNTAB_HOW_RELRO, loc);
	if (!err)
		return 0;
	if (err != -ENOENT)
		log__info("pclntab: named section unusable (%s), scanning", errors__str(err));
	/*
	 * No usable named section: stripped of section headers, or an external PIE
	 * link that put the table inside .data.rel.ro. Read-only data first; code
	 * segments last, for old linkers that merged rodata into the text segment.
	 */
	if (!scan_segments(e, false, loc) || !scan_segments(e, true, loc))
		return 0;
	memset(loc, 0, sizeof(*loc));
	return err == -ENOENT ? -ERRORS__NOT_GO : err;
}
