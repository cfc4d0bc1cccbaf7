// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_buildinfo: the input is a .go.buildinfo blob (or a whole ELF file).
 * buildinfo__parse_inline() on the bytes as they are; then buildinfo__read()
 * on the input itself when it is an ELF file, else on two small executables
 * built around it: one with the input as a .go.buildinfo section (and a
 * runtime.buildVersion symbol inside it), one without section headers, where
 * only the segment search and the buildVersion scan can find anything. Each
 * maps the input twice, writable at RW_BASE and read-only at RO_BASE, so that
 * pointers and Go string headers in the input can reach its own bytes.
 */
#include <elf.h>
#include <string.h>

#include "buildinfo.h"
#include "elfbuf.h"
#include "fuzz.h"
#include "goversion.h"
#include "synth_elf.h"

#define RO_BASE 0x400000
#define RW_BASE 0x500000

static void check(const struct buildinfo *bi)
{
	struct goversion v;

	FUZZ_CHECK(fuzz_terminated(bi->version, sizeof(bi->version)));
	FUZZ_CHECK(bi->version[0] && !goversion__parse(bi->version, &v));
	FUZZ_CHECK(fuzz_terminated(bi->path, sizeof(bi->path)));
	FUZZ_CHECK(fuzz_terminated(bi->mod_path, sizeof(bi->mod_path)));
	FUZZ_CHECK(fuzz_terminated(bi->mod_version, sizeof(bi->mod_version)));
	FUZZ_CHECK(buildinfo__method_str(bi->method));
}

static void read_elf(const uint8_t *img, size_t len)
{
	struct buildinfo bi;
	struct elfbuf *e;

	if (elfbuf__new(img, len, &e))
		return;
	if (!buildinfo__read(e, &bi)) {
		FUZZ_CHECK(bi.method != BUILDINFO_NONE);
		check(&bi);
	}
	elfbuf__delete(e);
}

static void read_wrapped(const uint8_t *data, size_t size, int with_sections)
{
	struct synth s;
	uint8_t *img;
	size_t len;
	int rw;

	synth_init(&s);
	s.with_sections = with_sections;
	synth_segment(&s, PT_LOAD, PF_R, RO_BASE, data, size);
	rw = synth_segment(&s, PT_LOAD, PF_R | PF_W, RW_BASE, data, size);
	if (with_sections) {
		synth_section(&s, ".go.buildinfo", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, rw, 0,
			      size);
		synth_symbol(&s, "runtime.buildVersion", RW_BASE + 16, 16);
	}
	img = synth_build(&s, &len);
	FUZZ_CHECK(img);
	read_elf(img, len);
	free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buildinfo bi;

	if (!buildinfo__parse_inline(data, size, &bi)) {
		FUZZ_CHECK(bi.inline_strings);
		check(&bi);
	}
	if (size >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG)) {
		read_elf(data, size);
		return 0;
	}
	read_wrapped(data, size, 1);
	read_wrapped(data, size, 0);
	return 0;
}
