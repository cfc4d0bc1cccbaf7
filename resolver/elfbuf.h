/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elfbuf: a read-only, bounds-checked view of an ELF64 little-endian file held in
 * memory.
 *
 * Every other parser of the resolver (pclntab, buildinfo, type descriptors,
 * DWARF) gets at the binary through this view: sections by name, segments, and
 * virtual-address reads through PT_LOAD, which is also the vaddr -> file offset
 * arithmetic a uprobe needs. elfbuf__new() validates every header, section and
 * segment bound once, so the accessors can be trusted by their callers.
 */
#ifndef GOTRACER_ELFBUF_H
#define GOTRACER_ELFBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elfbuf;

struct elfbuf_section {
	const char *name; /* "" when the name is missing or invalid */
	uint32_t type;	  /* SHT_* */
	uint64_t flags;	  /* SHF_* */
	uint64_t addr;
	uint64_t offset;
	uint64_t size;
	uint32_t link;
	uint64_t entsize;
};

struct elfbuf_segment {
	uint32_t type;	/* PT_* */
	uint32_t flags; /* PF_* */
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
};

/*
 * Parse buf (which must outlive the view). Returns 0 or -ERRORS__NOT_ELF,
 * -ERRORS__ELF_CLASS, -ERRORS__TRUNCATED, -ENOMEM.
 */
int elfbuf__new(const void *buf, size_t len, struct elfbuf **out);
/* Map the file at path read-only and parse it; the view owns the mapping. */
int elfbuf__open_path(const char *path, struct elfbuf **out);
void elfbuf__delete(struct elfbuf *e);

const uint8_t *elfbuf__data(const struct elfbuf *e, size_t *len);
uint16_t elfbuf__machine(const struct elfbuf *e); /* EM_X86_64, EM_AARCH64, ... */
uint16_t elfbuf__type(const struct elfbuf *e);	  /* ET_EXEC, ET_DYN */
/* Has PT_INTERP: loaded by the dynamic linker (cgo / external / PIE builds). */
bool elfbuf__has_interp(const struct elfbuf *e);

size_t elfbuf__section_count(const struct elfbuf *e);
const struct elfbuf_section *elfbuf__section(const struct elfbuf *e, size_t idx);
const struct elfbuf_section *elfbuf__section_by_name(const struct elfbuf *e, const char *name);
/* File bytes of a section; -ENOENT for SHT_NOBITS. Bounds were checked at parse time. */
int elfbuf__section_data(const struct elfbuf *e, const struct elfbuf_section *s,
			 const uint8_t **data, size_t *size);

size_t elfbuf__segment_count(const struct elfbuf *e);
const struct elfbuf_segment *elfbuf__segment(const struct elfbuf *e, size_t idx);

/* File offset of vaddr, which must lie in the file-backed part of a PT_LOAD segment. */
int elfbuf__vaddr_to_offset(const struct elfbuf *e, uint64_t vaddr, uint64_t *offset);
/*
 * Pointer to n file-backed bytes at vaddr, or NULL when any of them is outside
 * the file-backed part of one PT_LOAD segment; *avail (optional) gets how many
 * bytes are readable from vaddr to the end of that segment's file image.
 */
const uint8_t *elfbuf__at_vaddr(const struct elfbuf *e, uint64_t vaddr, size_t n, size_t *avail);

bool elfbuf__has_symtab(const struct elfbuf *e);
/* Look name up in .symtab, then .dynsym. -ERRORS__NO_SYMBOL when absent. */
int elfbuf__symbol(const struct elfbuf *e, const char *name, uint64_t *value, uint64_t *size);

/* NT_GNU_BUILD_ID as lowercase hex. -ENOENT when absent, -ENOSPC when hex is too small. */
int elfbuf__gnu_build_id(const struct elfbuf *e, char *hex, size_t hexlen);
/* The Go toolchain's build id (note "Go", type 4). Same returns as above. */
int elfbuf__go_build_id(const struct elfbuf *e, char *buf, size_t buflen);

#endif /* GOTRACER_ELFBUF_H */
