/* SPDX-License-Identifier: GPL-2.0 */
/*
 * resolver: everything the tracer needs to know about one Go binary, from every
 * source the binary offers, into a struct profile.
 *
 * Order of trust for runtime.g offsets: DWARF, then the runtime's own type
 * descriptors (which survive stripping), then the offsets/ table for the Go
 * version. Every source that answers is consulted; a disagreement becomes a
 * warning naming both values, and the profile records which one was used.
 */
#ifndef GOTRACER_RESOLVER_H
#define GOTRACER_RESOLVER_H

#include "profile.h"

struct elfbuf;

/*
 * Fill p from the binary e (path is only recorded). Returns 0 when both the
 * goid offset and runtime.casgstatus were resolved; otherwise a negative code
 * (ERRORS__NOT_GO, ERRORS__NO_SYMBOL, ERRORS__NO_FIELD, ...) with p holding
 * whatever was found, and what is missing in what (always set on failure).
 */
int resolver__resolve(const struct elfbuf *e, const char *path, struct profile *p, char *what,
		      size_t whatlen);

/* Same, for a file: maps it, resolves, unmaps. */
int resolver__resolve_path(const char *path, struct profile *p, char *what, size_t whatlen);

/*
 * Only the identity of the binary: path, build id, Go version, arch and build
 * flags (what a profile is matched against). Cheap: no pclntab, no DWARF.
 */
int resolver__identify(const struct elfbuf *e, const char *path, struct profile *p);

/*
 * Look name up in e's own pclntab: 0 and its entry/end/file offset in f, or a
 * negative code. The tracer uses it to refuse probe addresses that are not
 * the function's entry in the binary it attaches to.
 */
int resolver__find_func(const struct elfbuf *e, const char *name, struct profile_func *f);

/*
 * Choose f's probe point (f from resolver__find_func or a profile) on e's own
 * bytes, for the ABI and the running kernel; fills f->probe. The entry when
 * nothing better is proven safe, so it never fails once f is valid.
 */
void resolver__choose_probe(const struct elfbuf *e, enum profile_func_id id, enum profile_abi abi,
			    struct profile_func *f);

#endif /* GOTRACER_RESOLVER_H */
