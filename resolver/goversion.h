/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goversion: Go toolchain version strings ("go1.21.13", "go1.26rc1",
 * "go1.20", "devel go1.23-abc123 ...") as comparable numbers.
 *
 * Every layout decision of the resolver (pclntab header, moduledata fields,
 * runtime.g offsets) keys on the Go version, so it is parsed once here and
 * compared with goversion__cmp() rather than with string tricks that get
 * "go1.9" > "go1.10" wrong.
 */
#ifndef GOTRACER_GOVERSION_H
#define GOTRACER_GOVERSION_H

#include <stdbool.h>

enum goversion_kind {
	GOVERSION_BETA,	   /* go1.21beta1: before the rcs of the same minor */
	GOVERSION_RC,	   /* go1.21rc2: before the .0 release */
	GOVERSION_RELEASE, /* go1.21, go1.21.0, go1.21.13 */
	GOVERSION_DEVEL,   /* devel: newer than any release of its minor */
};

struct goversion {
	int major; /* 1 */
	int minor; /* 21 */
	int patch; /* 13; 0 for go1.20 / rc / beta / devel */
	enum goversion_kind kind;
	int pre; /* the N of rcN / betaN, else 0 */
};

/*
 * Parse s. Accepts "go1.N", "go1.N.P", "go1.NrcK", "go1.NbetaK", each optionally
 * followed by a suffix starting with ' ', '-', '+' or 'X' (" X:boringcrypto",
 * "-bigcorp", "+auto"), and "devel ..." with or without an embedded
 * "go1.N". A devel string that names no version parses as 1.<a large minor>,
 * since a development toolchain is newer than every release we know.
 * Returns 0 or -EINVAL.
 */
int goversion__parse(const char *s, struct goversion *v);

/* <0, 0, >0 as a is older, the same as, or newer than b. */
int goversion__cmp(const struct goversion *a, const struct goversion *b);

/*
 * True when v is go<major>.<minor> or newer, counting the betas and rcs of
 * that minor as that minor (their runtime layouts are the release's).
 */
bool goversion__at_least(const struct goversion *v, int major, int minor);

#endif /* GOTRACER_GOVERSION_H */
