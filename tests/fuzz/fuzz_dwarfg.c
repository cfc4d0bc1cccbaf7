// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_dwarfg: the input is an ELF file (seeds: the DWARF sections of real
 * binaries, plain, .zdebug_* and SHF_COMPRESSED); dwarfg__read() on it.
 * Only the documented errors may come back, and no offset below -1.
 */
#include <errno.h>

#include "dwarfg.h"
#include "elfbuf.h"
#include "errors.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dwarfg_fields f;
	struct elfbuf *e;
	int err;

	if (elfbuf__new(data, size, &e))
		return 0;
	err = dwarfg__read(e, &f);
	FUZZ_CHECK(!err || err == -ERRORS__NO_DWARF || err == -ERRORS__NO_TYPE ||
		   err == -ERRORS__CORRUPT || err == -EOPNOTSUPP || err == -ENOMEM);
	if (!err) {
		const int64_t offs[] = {
			f.goid, f.atomicstatus, f.waitreason, f.parent_goid, f.m, f.sched, f.stack,
		};

		for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
			FUZZ_CHECK(offs[i] >= -1);
	}
	elfbuf__delete(e);
	return 0;
}
