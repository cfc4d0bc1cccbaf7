/* SPDX-License-Identifier: GPL-2.0 */
/*
 * errors: the resolver's small error vocabulary.
 *
 * Library functions return 0 or a negative number: either a negative errno
 * (-ENOMEM, -EIO, ...) or one of the negative codes below, which say what is
 * wrong with the *input* in words a user can act on. Keeping "not a Go
 * executable" apart from "corrupt" matters: the first is the user's mistake,
 * the second is a bug report. The codes start above any errno, as libbpf's do.
 */
#ifndef GOTRACER_ERRORS_H
#define GOTRACER_ERRORS_H

enum errors__code {
	ERRORS__START = 4000,
	ERRORS__NOT_ELF = ERRORS__START, /* not an ELF file */
	ERRORS__ELF_CLASS,		 /* ELF, but not a 64-bit little-endian one */
	ERRORS__TRUNCATED,		 /* a header or table points past the end */
	ERRORS__NOT_GO,			 /* ELF, but no Go runtime in it */
	ERRORS__FORMAT,			 /* a Go structure of a format we do not know */
	ERRORS__CORRUPT,		 /* a Go structure that fails validation */
	ERRORS__NO_SYMBOL,		 /* a function or symbol that is not there */
	ERRORS__NO_DWARF,		 /* no DWARF debug information */
	ERRORS__NO_TYPE,		 /* no runtime.g type information */
	ERRORS__NO_FIELD,		 /* runtime.g lacks a field we need */
	ERRORS__PROFILE,		 /* a profile that is malformed */
	ERRORS__MISMATCH,		 /* a profile made for another binary */
	ERRORS__END,
};

/* A static string for err (negative errno or negative errors__code); never NULL. */
const char *errors__str(int err);

#endif /* GOTRACER_ERRORS_H */
