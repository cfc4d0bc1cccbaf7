/* SPDX-License-Identifier: GPL-2.0 */
/*
 * buildinfo: which Go toolchain built a binary, and its main module.
 *
 * The Go version picks every runtime layout the resolver and the tracer
 * depend on. It is read, in order of trust, from:
 *   1. the .go.buildinfo section ("\xff Go buildinf:" blob; go1.13-1.17 point
 *      at two Go string headers, go1.18+ store the strings inline);
 *   2. the same blob searched for, 16-byte aligned, in the writable
 *      non-executable PT_LOAD segments (binaries without section headers;
 *      Go's reader looks only in the first, which misses internal-link PIEs);
 *   3. the runtime.buildVersion string, through its .symtab symbol;
 *   4. runtime.buildVersion found by shape: a Go string header {ptr, len} in
 *      writable data whose bytes are exactly "go1.N[.P|rcK|betaK]" in
 *      read-only data -- for stripped binaries that carry no blob (go1.12
 *      and older, or blobs removed after the build). Every such header must
 *      agree, or the answer is refused.
 */
#ifndef GOTRACER_BUILDINFO_H
#define GOTRACER_BUILDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elfbuf;

enum buildinfo_method {
	BUILDINFO_NONE = 0,
	BUILDINFO_SECTION,
	BUILDINFO_SEGMENT,
	BUILDINFO_BUILDVERSION_SYMBOL,
	BUILDINFO_BUILDVERSION_SCAN,
};

#define BUILDINFO_VERSION_MAX 128
#define BUILDINFO_PATH_MAX 512

struct buildinfo {
	enum buildinfo_method method;
	bool inline_strings;  /* go1.18+ blob format (flags bit 2) */
	unsigned int ptrsize; /* from the blob header; 0 for the buildVersion methods */
	uint64_t vaddr;	      /* of the blob, or of the buildVersion string header */
	char version[BUILDINFO_VERSION_MAX]; /* "go1.21.13", "devel go1.23-..." */
	/* From the module info; "" when absent (go1.12, stripped modinfo) or too long. */
	char path[BUILDINFO_PATH_MAX];	      /* main package path ("path" line) */
	char mod_path[BUILDINFO_PATH_MAX];    /* main module path ("mod" line) */
	char mod_version[BUILDINFO_PATH_MAX]; /* its version, e.g. "(devel)", "v1.2.3" */
};

/*
 * Read the build information of an executable (see above for the order).
 * Returns 0, -ERRORS__NOT_GO when no method finds any Go trace,
 * -ERRORS__FORMAT when a blob of unknown format (or disagreeing buildVersion
 * strings) is all there is, -ERRORS__TRUNCATED / -ERRORS__CORRUPT for a
 * damaged blob, -ENOMEM.
 */
int buildinfo__read(const struct elfbuf *e, struct buildinfo *bi);

/*
 * Parse a blob that starts with the magic and stores its strings inline
 * (go1.18+), from a plain buffer: the part of the format that needs no
 * address translation, kept apart so that it can be fuzzed. A pointer-format
 * blob gives -ERRORS__FORMAT here. Same returns as buildinfo__read().
 */
int buildinfo__parse_inline(const void *buf, size_t len, struct buildinfo *bi);

/* Name of a method: "section", "segment", "buildversion-symbol", "buildversion-scan". */
const char *buildinfo__method_str(enum buildinfo_method m);

#endif /* GOTRACER_BUILDINFO_H */
