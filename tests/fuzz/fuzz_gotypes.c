// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gotypes: the input is a types region with a 16-byte header:
 *   0  u64 little-endian: the region's vaddr (moduledata.types), so that the
 *      absolute pointers of a region cut from a real binary stay valid
 *   8  go_minor, modulo 32 (0: unknown, try every layout)
 *   9  unused (7 bytes)
 *   16 the region's bytes
 * They are mapped as one read-only PT_LOAD of a small ELF at that vaddr and
 * gotypes__find_struct() looks for runtime.g in them; a struct it returns must
 * be laid out as it promises.
 */
#include <elf.h>
#include <string.h>

#include "elfbuf.h"
#include "errors.h"
#include "fuzz.h"
#include "gotypes.h"
#include "synth_elf.h"

#define HDR 16

static const char *const wanted[] = {
	"goid", "atomicstatus", "waitreason", "parentGoid", "m", "sched", "stack", "",
};

static void check(const struct gotypes_struct *s, uint64_t types, uint64_t etypes)
{
	const struct gotypes_field *f;
	struct gotypes_field g;
	uint64_t end = 0;
	size_t i, n = gotypes__field_count(s);
	int m = gotypes__layout_min_minor(s);

	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(gotypes__addr(s) >= types && gotypes__addr(s) < etypes);
	FUZZ_CHECK(m == 7 || m == 9 || m == 17 || m == 19);
	for (i = 0; i < n; i++) {
		f = gotypes__field_at(s, i);
		FUZZ_CHECK(f && fuzz_terminated(f->name, sizeof(f->name)) && f->name[0]);
		FUZZ_CHECK(f->offset >= end && f->size <= gotypes__size(s) &&
			   f->offset <= gotypes__size(s) - f->size);
		end = f->offset + f->size;
		if (strlen(f->name) < sizeof(f->name) - 1)
			FUZZ_CHECK(!gotypes__field(s, f->name, &g) && !strcmp(g.name, f->name));
	}
	FUZZ_CHECK(!gotypes__field_at(s, n));
	for (i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		if (!gotypes__field(s, wanted[i], &g))
			FUZZ_CHECK(!strcmp(g.name, wanted[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gotypes_struct *s;
	struct elfbuf *e;
	struct synth sy;
	uint64_t types;
	uint8_t *img;
	size_t len;
	int err;

	gotypes__delete(NULL);
	if (size < HDR)
		return 0;
	types = fuzz_le64(data);
	synth_init(&sy);
	synth_segment(&sy, PT_LOAD, PF_R, types, data + HDR, size - HDR);
	img = synth_build(&sy, &len);
	FUZZ_CHECK(img);
	FUZZ_CHECK(!elfbuf__new(img, len, &e));
	err = gotypes__find_struct(e, types, types + (size - HDR), data[8] % 32, "runtime.g", &s);
	FUZZ_CHECK(!err == !!s);
	if (!err) {
		check(s, types, types + (size - HDR));
		gotypes__delete(s);
	}
	elfbuf__delete(e);
	free(img);
	return 0;
}
