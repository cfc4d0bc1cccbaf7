/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gobin: one Go executable, opened once and queried from then on (Delve's
 * BinaryInfo): the ELF view, the function table (pclntab) with its true text
 * base from moduledata, the build information, and what is read only when
 * asked for (the RELATIVE relocations of a PIE, the symbolizer's inline
 * tables). The resolver, the plan and the tracer all query the same gobin, so
 * no table is located or parsed twice.
 *
 * Opening succeeds for any 64-bit little-endian ELF file: whether it is a Go
 * executable is a question (gobin__pclntab()), so that a caller can tell "not
 * ELF" from "not Go" from "a damaged Go table" and say which.
 */
#ifndef GOTRACER_GOBIN_H
#define GOTRACER_GOBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buildinfo;
struct elfbuf;
struct gosym_frame;
struct moduledata;
struct moduledata_relocs;
struct pclntab;
struct pclntab_loc;

struct gobin;

/* A function of the binary, as the uprobe side needs it. */
struct gobin_func {
	const char *name; /* inside the binary's buffer */
	uint64_t entry;	  /* link-time virtual address */
	uint64_t end;
	uint64_t file_offset; /* of the entry: where a uprobe on it goes */
};

/*
 * Parse buf (len bytes; buf must outlive the gobin). Returns 0 or the ELF
 * view's error (-ERRORS__NOT_ELF, -ERRORS__ELF_CLASS, -ERRORS__TRUNCATED),
 * -ENOMEM. A non-Go ELF opens; gobin__pclntab() says what is missing.
 */
int gobin__new(const void *buf, size_t len, struct gobin **out);
/* The same for a file, mapped read-only; the gobin owns the mapping. */
int gobin__open_path(const char *path, struct gobin **out);
/* NULL is a no-op. */
void gobin__delete(struct gobin *b);

const struct elfbuf *gobin__elf(const struct gobin *b);

/*
 * The function table: 0 and *t, or the error finding or parsing it gave:
 * -ERRORS__NOT_GO (no table at all) and, with *located false, the locator's
 * other errors; with *located true, pclntab__new()'s. located may be NULL.
 */
int gobin__pclntab(const struct gobin *b, const struct pclntab **t, bool *located);
/* Where the table was found; NULL when it was not. */
const struct pclntab_loc *gobin__pclntab_loc(const struct gobin *b);
/* runtime.firstmoduledata; NULL when it was not found (the header's text base is used then). */
const struct moduledata *gobin__moduledata(const struct gobin *b);
/* The build information (Go version, module); NULL when the binary has none we can read. */
const struct buildinfo *gobin__buildinfo(const struct gobin *b);
/* The RELATIVE relocations (read on first use; an empty set for non-PIE). 0 or -ENOMEM. */
int gobin__relocs(struct gobin *b, const struct moduledata_relocs **r);

/* By exact name ("runtime.casgstatus"): 0, -ERRORS__NO_SYMBOL, or the table's error. */
int gobin__find_func(const struct gobin *b, const char *name, struct gobin_func *f);
/* The function containing pc (link-time): 0, -ERRORS__NO_SYMBOL, or the table's error. */
int gobin__find_pc(const struct gobin *b, uint64_t pc, struct gobin_func *f);
/*
 * go1.21+: the function a wrapper calls when the function at pc is one (a go
 * statement with arguments starts F.gowrapN, whose FUNCDATA_WrapInfo names
 * the function it wraps; the runtime's tracer names a goroutine by that).
 * 0, -ENOENT (not a wrapper), -ERRORS__CORRUPT.
 */
int gobin__wrapped(const struct gobin *b, uint64_t pc, uint64_t *target);
/*
 * The SP delta at pc of the function entered at entry, from its pcsp table:
 * 0, -ENOENT (no such function or no table), -ERRORS__CORRUPT.
 */
int gobin__sp_delta(const struct gobin *b, uint64_t entry, uint64_t pc, int64_t *delta);

/*
 * pc's frames (link-time pc, looked up as the runtime does: a return address
 * minus one), innermost first: its inlined calls, then the function itself,
 * at most max of them into out, *n set. The symbolizer is made on first use.
 * Returns 0, -ERRORS__NO_SYMBOL (pc is in no function), -ERRORS__CORRUPT,
 * -ENOSPC (more than max frames: the innermost max written), or the table's
 * error. Not for concurrent calls on one gobin (the symbolizer memoizes).
 */
int gobin__frames(struct gobin *b, uint64_t pc, struct gosym_frame *out, size_t max, size_t *n);
/*
 * abi.FuncIDWrapper in b: its number changes between releases, but it
 * follows FuncID_systemstack_switch in every one (1.12 to 1.27), and
 * runtime.systemstack_switch is in every binary. -1 when not found.
 */
int gobin__wrapper_func_id(struct gobin *b);
/*
 * The runtime's isSystemGoroutine by the start function's name: one in
 * package runtime other than runtime.main and runtime.handleAsyncEvent (not in
 * runtime.NumGoroutine, the goroutine profile, or a traceback without
 * GOTRACEBACK=system). NULL: false.
 */
bool gobin__system_start(const char *name);

#endif /* GOTRACER_GOBIN_H */
