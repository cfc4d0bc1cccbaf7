/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dwarfg: runtime.g field offsets from a Go binary's DWARF, read with libdwarf.
 *
 * DWARF is the most trustworthy source of the offsets when it is there: the
 * linker wrote it from the very struct the runtime was compiled with. The
 * reader goes through the in-memory ELF view (no file descriptor, so it can be
 * fuzzed), decompresses .zdebug_* and SHF_COMPRESSED sections itself with
 * bounded zlib (and only as much of .debug_info as it needs), and looks only
 * inside the compile units named "runtime", where the Go linker puts every
 * type DIE, instead of walking the whole tree.
 *
 * libdwarf keeps a little process-wide state (its ELF-flags hook is set by
 * dwarf_init_path/dwarf_elf_init): do not use those libdwarf entry points in
 * the same process, and do not call dwarfg__read() from two threads at once.
 */
#ifndef GOTRACER_DWARFG_H
#define GOTRACER_DWARFG_H

#include <stdint.h>

struct elfbuf;

/* Byte offsets into runtime.g; -1 when the field is absent (parentGoid before go1.21). */
struct dwarfg_fields {
	int64_t goid;
	int64_t atomicstatus;
	int64_t waitreason;
	int64_t parent_goid;
	int64_t m;
	int64_t sched;
	int64_t stack;
	int64_t waitsince;
	int64_t gopc;
	int64_t startpc;
	int64_t lockedm;
	int64_t syscallsp;
	int64_t syscallpc;
	int64_t syscallbp; /* go1.23+ */
	/* runtime.gobuf, the type of g.sched: -1 when its DIE was not found. */
	int64_t gobuf_sp;
	int64_t gobuf_pc;
	int64_t gobuf_bp;
	uint64_t gobuf_size;
	/* Byte sizes of the members' types; 0 when absent or unknown. */
	uint64_t goid_size;
	uint64_t atomicstatus_size;
	uint64_t waitreason_size;
	uint64_t parent_goid_size;
	uint64_t g_size; /* DW_AT_byte_size of runtime.g itself */
};

/*
 * Fill *out from e's DWARF. Returns 0, -ERRORS__NO_DWARF (no .debug_info: not a
 * Go binary, or stripped), -ERRORS__NO_TYPE (DWARF without runtime.g),
 * -ERRORS__CORRUPT (DWARF, or its compression, that fails validation),
 * -EOPNOTSUPP (zstd-compressed DWARF) or -ENOMEM. Fields runtime.g
 * lacks are -1: which ones are required is the caller's decision.
 */
int dwarfg__read(const struct elfbuf *e, struct dwarfg_fields *out);

#endif /* GOTRACER_DWARFG_H */
