/* SPDX-License-Identifier: GPL-2.0 */
/*
 * moduledata: runtime.firstmoduledata, the Go runtime's own map of a binary:
 * where the text, data, bss, type descriptors, typelinks and itabs are, and
 * which pcHeader describes the functions. It gives the true text base for
 * 1.18+ function tables (see pclntab.h) and the type ranges the type
 * descriptor walker needs, and it is there in stripped binaries too.
 *
 * Found through the .symtab symbol when present, else by looking in writable
 * data for the word that points at the pcHeader and validating the struct
 * around it. Position-independent executables may keep their pointers only in
 * R_X86_64_RELATIVE / R_AARCH64_RELATIVE relocations (lld writes zeros in the
 * file), so every pointer is read through the relocation table when one
 * covers it; the helpers for that are exported for buildinfo.
 */
#ifndef GOTRACER_MODULEDATA_H
#define GOTRACER_MODULEDATA_H

#include <stdint.h>

struct elfbuf;
struct pclntab_loc;

/* Layouts of `type moduledata struct` in src/runtime/symtab.go. */
enum moduledata_layout {
	MODULEDATA_LAYOUT_UNKNOWN = 0,
	MODULEDATA_LAYOUT_12,  /* go1.8 - go1.15: pclntable slice first */
	MODULEDATA_LAYOUT_116, /* go1.16 - go1.17: pcHeader first */
	MODULEDATA_LAYOUT_118, /* go1.18 - go1.19: + rodata, gofunc */
	MODULEDATA_LAYOUT_120, /* go1.20 - go1.25: + covctrs, ecovctrs */
	MODULEDATA_LAYOUT_126, /* go1.26: + epclntab */
	MODULEDATA_LAYOUT_127, /* go1.27: + typedesclen, itaboffset, itabsize; no typelinks/itablinks */
};

enum moduledata_how {
	MODULEDATA_HOW_SYMBOL = 1, /* .symtab runtime.firstmoduledata */
	MODULEDATA_HOW_SCAN,	   /* a word in writable data pointing at the pcHeader */
};

/* Absent fields (not in this layout) are 0. Addresses are link-time vaddrs. */
struct moduledata {
	uint64_t vaddr; /* of runtime.firstmoduledata itself */
	enum moduledata_layout layout;
	enum moduledata_how how;
	uint64_t pcheader;    /* pcHeader (1.16+) or pclntable (1.2) address */
	uint64_t ftab, nftab; /* function table and its slots (nfunc + 1) */
	uint64_t minpc, maxpc;
	uint64_t text, etext;
	uint64_t noptrdata, enoptrdata;
	uint64_t data, edata;
	uint64_t bss, ebss;
	uint64_t noptrbss, enoptrbss;
	uint64_t end;
	uint64_t types, etypes;
	uint64_t rodata;		 /* 1.18+ */
	uint64_t gofunc;		 /* 1.18+ */
	uint64_t epclntab;		 /* 1.26+ */
	uint64_t typedesclen;		 /* 1.27+ */
	uint64_t itaboffset, itabsize;	 /* 1.27+: itabs at types + itaboffset */
	uint64_t textsectmap, ntextsect; /* []textsect: vaddr, count */
	uint64_t typelinks, ntypelinks;	 /* []int32 offsets from types; absent in 1.27+ */
	uint64_t itablinks, nitablinks;	 /* []*itab; absent in 1.27+ */
};

/*
 * Find and validate runtime.firstmoduledata for the table at loc.
 * pclntab_version is an enum pclntab_version (0: take loc->version); the
 * 1.20+ sub-layouts are told apart by validation. Returns 0,
 * -ERRORS__NOT_GO (nothing points at the table), -ERRORS__FORMAT (a layout
 * we do not know, e.g. before go1.8), -ERRORS__CORRUPT (a symbol whose struct
 * fails validation), -ENOMEM.
 */
int moduledata__find(const struct elfbuf *e, const struct pclntab_loc *loc, int pclntab_version,
		     struct moduledata *md);

/* The RELATIVE dynamic relocations of an executable, sorted by address. */
struct moduledata_relocs;

/* Read them from PT_DYNAMIC (else SHF_ALLOC SHT_RELA sections). None is not an error. */
int moduledata__relocs_new(const struct elfbuf *e, struct moduledata_relocs **out);
void moduledata__relocs_delete(struct moduledata_relocs *r);
/* The addend of the RELATIVE relocation at vaddr: 0, or -ENOENT when none. */
int moduledata__relocs_at(const struct moduledata_relocs *r, uint64_t vaddr, uint64_t *addend);

/*
 * The pointer-sized (4 or 8) little-endian word at vaddr as the loader leaves
 * it: a RELATIVE relocation's addend (base 0) when one covers vaddr, else the
 * file bytes. r may be NULL. Returns 0 or -ERANGE when vaddr is not file-backed.
 */
int moduledata__read_ptr(const struct elfbuf *e, const struct moduledata_relocs *r, uint64_t vaddr,
			 unsigned int ptrsize, uint64_t *v);

#endif /* GOTRACER_MODULEDATA_H */
