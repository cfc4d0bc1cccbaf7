/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gosym: the symbolizer, pc -> function, file:line with the inlined calls, as
 * the Go runtime's tracebacks and runtime.CallersFrames print them. It reads
 * only the pclntab and the inline trees in the runtime's func data, so it
 * works on stripped binaries; goroutine snapshots and blocking stacks
 * symbolize every pc through it.
 *
 * The pc to pass is the one the runtime looks up: a return address minus one
 * (what CallersFrames does for every pc after the entry), or the pc of the
 * instruction itself for the innermost frame of a stopped goroutine.
 */
#ifndef GOTRACER_GOSYM_H
#define GOTRACER_GOSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elfbuf;
struct pclntab;
struct moduledata;
struct moduledata_relocs;
struct gosym;

struct gosym_frame {
	const char *func; /* as in the binary: generic shapes are not shortened to [...] */
	const char *file; /* "?" when the tables have no file, as the runtime prints */
	uint32_t line;	  /* 0 with file "?" */
	uint64_t pc;	  /* the pc looked up for this frame (for outer frames: the call site) */
	uint64_t entry;	  /* entry of the physical function; +0x offsets are pc - entry */
	bool inlined;	  /* an inlined call: no frame of its own on the stack */
	/*
	 * abi.FuncID of the function (inlined or not). Its numbering changes
	 * between releases (FuncIDWrapper is 21 in go1.19, 24 in go1.27), so
	 * only a caller that knows the Go version can elide wrappers with it.
	 */
	uint8_t func_id;
	/* Line of the func keyword (go1.20+, inlined calls too); 0 when the tables lack it. */
	int32_t start_line;
};

/*
 * A symbolizer over the binary e, its function table t, and its moduledata md
 * (where 1.18+ func data lives; NULL: no inline frames, each pc gives its
 * physical function only) with its RELATIVE relocations r (NULL: none; a PIE
 * needs them for the func data pointers of go1.16-1.17). All must outlive it,
 * unchanged: answers are remembered.
 * Inline trees are read for go1.16 and later; older tables give physical frames.
 * Returns 0, -EINVAL, -ENOMEM.
 */
int gosym__new(const struct elfbuf *e, const struct pclntab *t, const struct moduledata *md,
	       const struct moduledata_relocs *r, struct gosym **out);
void gosym__delete(struct gosym *s);

/*
 * pc's frames, innermost first (the inlined calls, then the physical
 * function), into out[0..max). *n is the number written. Returns 0,
 * -ERRORS__NO_SYMBOL (pc is in no function), -ERRORS__CORRUPT (a table is
 * unreadable, or the inline chain does not end: *n is 0 then, no partial
 * frames), -ENOSPC (more than max frames: the first max are in out).
 * Recent answers are kept in a small memo inside s (a dump asks the same
 * return addresses many times), so calls on one gosym must not run
 * concurrently; the strings stay valid as long as the binary's buffer.
 */
int gosym__frames(const struct gosym *s, uint64_t pc, struct gosym_frame *out, size_t max,
		  size_t *n);

/* Frames of one pc never exceed this in a binary we accept (Go inlines far less deep). */
#define GOSYM_MAX_DEPTH 128

#endif /* GOTRACER_GOSYM_H */
