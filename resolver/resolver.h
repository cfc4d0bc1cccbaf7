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

struct gobin;

/*
 * What the kernel that will run the probes can do. The caller asks (a tool
 * with probepoint__kernel_emulates_push(), a test with whatever it tests):
 * the library never asks the running kernel itself.
 */
struct resolver_kernel {
	bool emulates_push; /* push %reg is emulated, not single-stepped (x86-64, 4.16+) */
};

/*
 * Fill p from the binary b (path is only recorded), choosing probe points for
 * kernel k. Returns 0 when both the goid offset and runtime.casgstatus were
 * resolved; otherwise a negative code (ERRORS__NOT_GO, ERRORS__NO_SYMBOL,
 * ERRORS__NO_FIELD, ...) with p holding whatever was found, and what is
 * missing in what (always set on failure).
 */
int resolver__resolve(struct gobin *b, const char *path, const struct resolver_kernel *k,
		      struct profile *p, char *what, size_t whatlen);

/* Same, for a file: opens it, resolves, closes. */
int resolver__resolve_path(const char *path, const struct resolver_kernel *k, struct profile *p,
			   char *what, size_t whatlen);

/*
 * Only the identity of the binary: path, build id, Go version, arch and build
 * flags (what a profile is matched against).
 */
int resolver__identify(const struct gobin *b, const char *path, struct profile *p);

/*
 * Choose f's probe point (f's entry, end and file offset from the binary b)
 * on b's own bytes, for the ABI and the kernel k; fills f->probe. The entry
 * when nothing better is proven safe, so it never fails once f is valid.
 */
void resolver__choose_probe(const struct gobin *b, enum profile_func_id id, enum profile_abi abi,
			    const struct resolver_kernel *k, struct profile_func *f);

#endif /* GOTRACER_RESOLVER_H */
