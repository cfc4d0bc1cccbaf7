/* SPDX-License-Identifier: GPL-2.0 */
/*
 * govars: the runtime's goroutine list, runtime.allgs ([]*g) and
 * runtime.allglen (uintptr), found in the machine code that uses them, for
 * binaries without a symbol table.
 *
 * pclntab, which no Go binary lacks, still names the runtime's functions; the
 * ones that touch the list address it RIP-relative. runtime.allgadd appends
 * to allgs (so it reads its pointer, length and capacity words) and stores
 * the new length into allglen with an atomic exchange; runtime.forEachG (before
 * go1.17 runtime.gcResetMarkState) reads allgs's pointer and length;
 * runtime.forEachGRace reads allglen (not found without it: allglen is 0 then,
 * and len(allgs) is the same number). An address
 * is accepted only when both functions that should use it do, and only inside
 * a writable PT_LOAD segment: code that moved in some release fails the
 * cross-check rather than giving a wrong address.
 *
 * x86-64 only (capstone); an aarch64 binary needs its symbol table.
 */
#ifndef GOTRACER_GOVARS_H
#define GOTRACER_GOVARS_H

#include <stddef.h>
#include <stdint.h>

struct gobin;

#define GOVARS_MAX_REFS 256

/* What one function does with RIP-relative addresses. */
enum govars_use {
	GOVARS_LOAD,  /* a register loaded from the address */
	GOVARS_ADDR,  /* the address itself taken (lea) */
	GOVARS_XCHG,  /* an atomic store into the address (xchg), value from... */
	GOVARS_OTHER, /* any other access (cmp, store, ...) */
};

struct govars_ref {
	uint64_t addr;
	enum govars_use use;
	uint64_t from; /* GOVARS_XCHG: the address the stored value was loaded from, or 0 */
};

struct govars_refs {
	struct govars_ref v[GOVARS_MAX_REFS];
	size_t n;
};

/*
 * Decode x86-64 code (len bytes at link-time address addr) and list its
 * RIP-relative references in out. Returns 0, -ENOMEM, or -EIO when capstone
 * cannot be opened. Code that does not decode ends the scan (not an error).
 */
int govars__scan_x86(const void *code, size_t len, uint64_t addr, struct govars_refs *out);

/*
 * From the references of allgadd, forEachG and forEachGRace: *allgs and
 * *allglen, or -ENOENT when no address passes the cross-checks, -ERRORS__FORMAT
 * when more than one does. An address is kept only if writable(addr, ctx).
 */
int govars__pick(const struct govars_refs *allgadd, const struct govars_refs *foreachg,
		 const struct govars_refs *foreachgrace, int (*writable)(uint64_t addr, void *ctx),
		 void *ctx, uint64_t *allgs, uint64_t *allglen);

/*
 * Both addresses from b's code: 0, -EOPNOTSUPP (not x86-64), -ERRORS__NO_SYMBOL
 * (one of the three functions is not in pclntab), or govars__pick()'s error.
 */
int govars__find(const struct gobin *b, uint64_t *allgs, uint64_t *allglen);

#endif /* GOTRACER_GOVARS_H */
