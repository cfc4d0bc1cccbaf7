/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pclntab: the Go runtime's function table (runtime.pclntab / pcHeader), which
 * every Go executable keeps even when stripped, because the runtime itself
 * needs it for stack unwinding and tracebacks.
 *
 * It maps a function name to its entry address (the uprobe target for
 * runtime.casgstatus) and a pc to its stack-pointer delta (to read stack-ABI
 * arguments from a probe placed after a prologue). Four header formats exist,
 * chosen by the magic number: go1.2-1.15, go1.16-1.17, go1.18-1.19, go1.20+.
 *
 * Which text base wins (1.18+ tables store function entries as offsets from
 * runtime.text):
 *   1. the text_start given to pclntab__new(), which callers take from
 *      moduledata.text -- the runtime's own answer, right for external links
 *      (runtime.text is after the C start-up code there, not at .text) and for
 *      go1.26+, whose header no longer stores the field (it is written as 0);
 *   2. else the header's textStart field when it is not 0;
 *   3. else pclntab__new() fails with -ERRORS__FORMAT: guessing (.text start)
 *      would give silently wrong uprobe addresses for external links.
 * Before 1.18 entries are absolute addresses and text_start is ignored.
 */
#ifndef GOTRACER_PCLNTAB_H
#define GOTRACER_PCLNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elfbuf;
struct pclntab;

enum pclntab_version {
	PCLNTAB_VER_UNKNOWN = 0,
	PCLNTAB_VER_12,	 /* magic 0xfffffffb: go1.2 - go1.15 */
	PCLNTAB_VER_116, /* magic 0xfffffffa: go1.16 - go1.17 */
	PCLNTAB_VER_118, /* magic 0xfffffff0: go1.18 - go1.19 */
	PCLNTAB_VER_120, /* magic 0xfffffff1: go1.20 and later */
};

enum pclntab_how {
	PCLNTAB_HOW_SECTION = 1, /* a section named .gopclntab */
	PCLNTAB_HOW_RELRO,	 /* .data.rel.ro.gopclntab (internal-link PIE) */
	PCLNTAB_HOW_SCAN,	 /* magic scan over non-executable data */
};

struct pclntab_loc {
	uint64_t vaddr;	     /* address of the pcHeader */
	const uint8_t *data; /* its bytes in the file */
	size_t size;	     /* table size, or the bytes up to the end of the segment */
	enum pclntab_how how;
	enum pclntab_version version; /* from the magic, after the header validated */
};

struct pclntab_func {
	uint64_t entry;	  /* absolute entry address */
	uint64_t end;	  /* next function's entry, or the table's end pc */
	uint32_t index;	  /* position in the function table */
	uint32_t nameoff; /* name offset in the name table */
	const char *name; /* NUL-terminated inside the table buffer; "" if invalid */
	uint32_t funcoff; /* offset of the _func record in the func data */
	uint32_t pcsp;	  /* offset of the pc->sp-delta table in the pc tables, 0 if none */
	int32_t args;	  /* argument size in bytes */
};

/*
 * Find the table in an executable: the .gopclntab section, else
 * .data.rel.ro.gopclntab, else a magic scan over PT_LOAD data (non-executable
 * segments first) where a candidate counts only when its header is valid, its
 * function table sorted and its functions inside an executable segment.
 * Returns 0, -ERRORS__NOT_GO when there is no table at all, or the section's
 * -ERRORS__FORMAT / -ERRORS__TRUNCATED / -ERRORS__CORRUPT when a section of
 * that name holds no valid table and the scan finds none either.
 */
int pclntab__locate(const struct elfbuf *e, struct pclntab_loc *loc);

/*
 * Parse the table in buf (len bytes; buf must outlive the result). See the top
 * of this file for text_start. Returns 0 or -ERRORS__FORMAT (unknown magic or
 * header), -ERRORS__TRUNCATED (a header offset or the function table runs past
 * len), -ERRORS__CORRUPT (inconsistent header or unsorted table), -ENOMEM.
 */
int pclntab__new(const void *buf, size_t len, uint64_t text_start, struct pclntab **out);
void pclntab__delete(struct pclntab *t);

/* The header, decoded and checked; offsets are from the start of the table. */
struct pclntab_header {
	enum pclntab_version version;
	unsigned int ptrsize; /* 4 or 8 */
	unsigned int quantum; /* 1, 2 or 4: minimum instruction size */
	bool big_endian;
	uint64_t nfunc;
	uint64_t nfiles;
	uint64_t text_start;	 /* 1.18+ header field; 0 when absent or not stored */
	uint64_t funcname_off;	 /* function names (1.2: the whole table, 0) */
	uint64_t cu_off;	 /* compilation-unit file index table (1.16+) */
	uint64_t filetab_off;	 /* file names (1.2: the uint32 file offset table) */
	uint64_t pctab_off;	 /* pc-value tables (1.2: the whole table, 0) */
	uint64_t funcdata_off;	 /* base of _func record offsets (1.2: 0) */
	uint64_t ftab_off;	 /* the {entry, funcoff} function table */
	uint64_t ftab_size;	 /* its bytes, end sentinel included */
	unsigned int ftab_field; /* bytes of one ftab field: ptrsize, or 4 for 1.18+ */
	uint64_t header_size;	 /* bytes of the fixed header */
};

/*
 * Decode and check the header of a candidate table in buf: magic, pad bytes,
 * quantum, ptrsize, and that every offset and the function table lie inside
 * len in the order the linker writes them. No text base is needed, so a
 * locator can use it before moduledata is known. The version is set only when
 * all checks pass. Returns 0 or an error as pclntab__new().
 */
int pclntab__parse_header(const void *buf, size_t len, struct pclntab_header *h);

enum pclntab_version pclntab__version(const struct pclntab *t);
unsigned int pclntab__ptrsize(const struct pclntab *t);
unsigned int pclntab__quantum(const struct pclntab *t);
/* The text base in use (see above); 0 before 1.18. */
uint64_t pclntab__text_start(const struct pclntab *t);
size_t pclntab__func_count(const struct pclntab *t);
const struct pclntab_header *pclntab__header(const struct pclntab *t);
/* Lowest entry and the end pc of the last function. */
uint64_t pclntab__min_pc(const struct pclntab *t);
uint64_t pclntab__max_pc(const struct pclntab *t);

/* Function idx (0-based). -ENOENT past the end, -ERRORS__CORRUPT for a bad record. */
int pclntab__func_at(const struct pclntab *t, size_t idx, struct pclntab_func *f);
/*
 * By exact name, e.g. "runtime.casgstatus". -ERRORS__NO_SYMBOL when absent,
 * -ERRORS__CORRUPT when not found and some record of the table was unreadable.
 */
int pclntab__find_func(const struct pclntab *t, const char *name, struct pclntab_func *f);
/* The function containing pc. -ERRORS__NO_SYMBOL when none does. */
int pclntab__find_pc(const struct pclntab *t, uint64_t pc, struct pclntab_func *f);

/*
 * The SP delta at pc inside f (bytes the function's frame has pushed so far:
 * 0 at entry, the frame size after the prologue), from f's pcsp table.
 * Returns 0, -ERANGE when pc is outside f, -ENOENT when f has no pcsp table,
 * -ERRORS__CORRUPT when the table is malformed or does not cover pc.
 */
int pclntab__sp_delta(const struct pclntab *t, const struct pclntab_func *f, uint64_t pc,
		      int64_t *delta);

/*
 * The pc-value primitives the symbolizer (gosym.c) is built on. A pc-value
 * table maps each pc of a function to an int32 (frame size, file number, line,
 * inline tree index, ...); all of them go through one decoder.
 */

/* The part of a _func record past the fields of struct pclntab_func. */
struct pclntab_funcinfo {
	uint32_t pcfile;	       /* pc -> file number table (0: none) */
	uint32_t pcln;		       /* pc -> line table (0: none) */
	uint32_t npcdata;	       /* pcdata tables (PCDATA_*) */
	uint32_t cu_offset;	       /* 1.16+: the function's first slot in the cutab */
	int32_t start_line;	       /* 1.20+: line of the func keyword; else 0 */
	uint8_t func_id;	       /* abi.FuncID (1.12+; values differ between releases) */
	uint8_t flag;		       /* abi.FuncFlag (1.17+) */
	uint8_t nfuncdata;	       /* funcdata slots (FUNCDATA_*) */
	unsigned int funcdata_ptrsize; /* bytes of one funcdata slot: 4 for 1.18+, else ptrsize */
	uint64_t pcdata_off;	       /* table offset of the npcdata u32 table offsets */
	uint64_t funcdata_off;	       /* table offset of the funcdata slots */
};

/* PCDATA and FUNCDATA numbers of go1.16 and later (internal/abi/symtab.go). */
#define PCLNTAB_PCDATA_INLTREEINDEX 2
#define PCLNTAB_FUNCDATA_INLTREE 3

/*
 * Decode f's _func record past the fields of pclntab_func; the pcdata and
 * funcdata arrays are checked to lie inside the table. 0 or -ERRORS__CORRUPT.
 */
int pclntab__func_info(const struct pclntab *t, const struct pclntab_func *f,
		       struct pclntab_funcinfo *fi);

/*
 * The value at pc of the pc-value table at offset table (from the pc tables'
 * start) of function f. Returns 0, -ERANGE (pc outside f), -ENOENT (no table:
 * table is 0, or the table ends before pc -- the runtime's -1),
 * -ERRORS__CORRUPT (a malformed table).
 */
int pclntab__pcvalue(const struct pclntab *t, const struct pclntab_func *f, uint32_t table,
		     uint64_t pc, int32_t *value);

/* PCDATA table idx of f at pc; returns as pclntab__pcvalue(), -ENOENT when f has none. */
int pclntab__pcdata(const struct pclntab *t, const struct pclntab_func *f,
		    const struct pclntab_funcinfo *fi, uint32_t idx, uint64_t pc, int32_t *value);

/*
 * FUNCDATA slot idx: in 1.18+ an offset from moduledata.gofunc, earlier an
 * absolute pointer as the linker wrote it (in a PIE it may be 0 in the file
 * and live in a RELATIVE relocation at the slot: *slot_off, optional, is the
 * slot's offset in the table so the caller can read it through one).
 * Returns 0, -ENOENT (no such slot, or the 1.18+ nil ^0), -ERRORS__CORRUPT.
 */
int pclntab__funcdata(const struct pclntab *t, const struct pclntab_funcinfo *fi, uint32_t idx,
		      uint64_t *value, uint64_t *slot_off);

/*
 * File number fileno (a pcfile value) of a function: through the cutab (1.16+)
 * or the 1.2 file table. *file is NUL-terminated inside the table. Returns 0,
 * -ENOENT (no file: negative number, or a cutab hole), -ERRORS__CORRUPT.
 */
int pclntab__file_name(const struct pclntab *t, const struct pclntab_funcinfo *fi, int32_t fileno,
		       const char **file);

/*
 * File and line of pc inside f from pcfile and pcln. On any error *file is
 * "?" and *line 0, what the runtime prints; -ENOENT means the tables do not
 * cover pc (the runtime's "?"), -ERRORS__CORRUPT that they are unreadable.
 */
int pclntab__file_line(const struct pclntab *t, const struct pclntab_func *f,
		       const struct pclntab_funcinfo *fi, uint64_t pc, const char **file,
		       uint32_t *line);

/* The function name at nameoff in the name table, or NULL when it is not one. */
const char *pclntab__name(const struct pclntab *t, uint32_t nameoff);
/* The table's bytes (as given to pclntab__new). */
const uint8_t *pclntab__data(const struct pclntab *t, size_t *len);

/* Visit every function in address order; stops at the end or at a bad record. */
#define pclntab__for_each_func(t, idx, f) \
	for ((idx) = 0; !pclntab__func_at((t), (idx), (f)); (idx)++)

#endif /* GOTRACER_PCLNTAB_H */
