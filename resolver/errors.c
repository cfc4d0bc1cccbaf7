// SPDX-License-Identifier: GPL-2.0
/*
 * errors: messages for the resolver's error codes (see errors.h).
 */
#include <string.h>

#include "errors.h"

static const char *const messages[ERRORS__END - ERRORS__START] = {
	[ERRORS__NOT_ELF - ERRORS__START] = "not an ELF file",
	[ERRORS__ELF_CLASS - ERRORS__START] = "not a 64-bit little-endian ELF file",
	[ERRORS__TRUNCATED - ERRORS__START] = "file is truncated",
	[ERRORS__NOT_GO - ERRORS__START] = "not a Go executable",
	[ERRORS__FORMAT - ERRORS__START] = "unrecognized Go binary format",
	[ERRORS__CORRUPT - ERRORS__START] = "corrupt Go runtime metadata",
	[ERRORS__NO_SYMBOL - ERRORS__START] = "function not found",
	[ERRORS__NO_DWARF - ERRORS__START] = "no DWARF debug information",
	[ERRORS__NO_TYPE - ERRORS__START] = "no runtime.g type information",
	[ERRORS__NO_FIELD - ERRORS__START] = "runtime.g field not found",
	[ERRORS__PROFILE - ERRORS__START] = "malformed profile",
	[ERRORS__MISMATCH - ERRORS__START] = "profile does not match the binary",
};

const char *errors__str(int err)
{
	if (err < 0)
		err = -err;
	if (err >= ERRORS__START && err < ERRORS__END)
		return messages[err - ERRORS__START];
	return strerror(err);
}
