// SPDX-License-Identifier: GPL-2.0
/*
 * test_buildinfo: the Go build information reader on synthetic inputs. Blobs
 * in both formats (go1.13-1.17 pointers, go1.18+ inline strings), good and cut
 * at every byte, and synthetic executables that reach each fallback in turn:
 * section, segment, runtime.buildVersion by symbol and by shape, with and
 * without relocation-only pointers -- and the two failures kept apart, "not
 * Go" and "unrecognized format".
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "buildinfo.h"
#include "check.h"
#include "elfbuf.h"
#include "errors.h"
#include "synth_elf.h"

#define TEXT 0x401000ULL
#define RODATA 0x500000ULL
#define DATA 0x600000ULL

static const char start_sentinel[] = "0w\xaf\x0c\x92t\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6";
static const char end_sentinel[] = "\xf9\x32\x43\x31\x86\x18 r\x00\x82\x42\x10\x41\x16\xd8\xf2";
static const char modtext[] = "path\texample.com/hello/cmd\n"
			      "mod\texample.com/hello\t(devel)\t\n"
			      "dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n"
			      "build\tGOARCH=amd64\n";

/* The framed module info, as the go command embeds it. */
static size_t modinfo(uint8_t *out)
{
	size_t n = strlen(modtext);

	memcpy(out, start_sentinel, 16);
	memcpy(out + 16, modtext, n);
	memcpy(out + 16 + n, end_sentinel, 16);
	return n + 32;
}

/* An inline-format (go1.18+) blob with version v. */
static size_t inline_blob(uint8_t *b, const char *v, bool with_mod)
{
	uint8_t mod[512];
	size_t n = 32, vl = strlen(v), ml = with_mod ? modinfo(mod) : 0;

	memset(b, 0, 32);
	memcpy(b, "\xff Go buildinf:", 14);
	b[14] = 8;
	b[15] = 2;
	b[n++] = vl;
	memcpy(b + n, v, vl);
	n += vl;
	/* Module info longer than 127 bytes: a two-byte varint. */
	b[n++] = 0x80 | (ml & 0x7f);
	b[n++] = ml >> 7;
	memcpy(b + n, mod, ml);
	return n + ml;
}

static uint8_t *exact(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	memcpy(p, b, n);
	return p;
}

static void test_inline(void)
{
	uint8_t b[1024], *p;
	struct buildinfo bi;
	size_t len = inline_blob(b, "go1.21.13", true), n;

	CHECK_EQ_U64(buildinfo__parse_inline(b, len, &bi), 0);
	CHECK_STR(bi.version, "go1.21.13");
	CHECK_STR(bi.path, "example.com/hello/cmd");
	CHECK_STR(bi.mod_path, "example.com/hello");
	CHECK_STR(bi.mod_version, "(devel)");
	CHECK(bi.inline_strings);

	for (n = 0; n < len; n++) {
		int err;

		p = exact(b, n);
		err = buildinfo__parse_inline(p, n, &bi);
		CHECK_EQ_U64(err, n < 14 ? -ERRORS__NOT_GO : -ERRORS__TRUNCATED);
		CHECK(bi.version[0] == 0);
		free(p);
	}

	/* Unknown flags; the pointer format has no meaning without an executable. */
	b[15] = 6;
	CHECK_EQ_U64(buildinfo__parse_inline(b, len, &bi), -ERRORS__FORMAT);
	b[15] = 0;
	CHECK_EQ_U64(buildinfo__parse_inline(b, len, &bi), -ERRORS__FORMAT);
	b[14] = 3;
	CHECK_EQ_U64(buildinfo__parse_inline(b, len, &bi), -ERRORS__FORMAT);

	/* A version that is not one, an empty one, an overlong length varint. */
	len = inline_blob(b, "hello", true);
	CHECK_EQ_U64(buildinfo__parse_inline(b, len, &bi), -ERRORS__FORMAT);
	len = inline_blob(b, "", true);
	CHECK_EQ_U64(buildinfo__parse_inline(b, len, &bi), -ERRORS__CORRUPT);
	len = inline_blob(b, "go1.20", true);
	memset(b + 32, 0xff, 10);
	CHECK_EQ_U64(buildinfo__parse_inline(b, len, &bi), -ERRORS__TRUNCATED);

	/* Devel toolchains; module info without its framing is dropped, not misread. */
	len = inline_blob(b, "devel go1.23-e8ee1dc4f9 Sat Jun 1 12:00:00 2024 +0000", false);
	CHECK_EQ_U64(buildinfo__parse_inline(b, len, &bi), 0);
	CHECK_STR(bi.version, "devel go1.23-e8ee1dc4f9 Sat Jun 1 12:00:00 2024 +0000");
	CHECK_STR(bi.mod_path, "");
}

enum layout {
	WITH_SECTION,	   /* .go.buildinfo section */
	NO_SECTIONS,	   /* no section headers: segment search */
	RELOCS_ONLY,	   /* pointers only in RELATIVE relocations */
	BUILDVERSION_SYM,  /* no blob, runtime.buildVersion in .symtab */
	BUILDVERSION_SCAN, /* no blob, no symbols */
	DISAGREE,	   /* no blob, two different version strings */
	NOTHING,	   /* no Go at all */
	BAD_FLAGS,	   /* a blob of unknown format, nothing else */
	INLINE_SECTION,	   /* a go1.18+ blob in its section */
	MISALIGNED,	   /* no sections; a decoy magic off the 16-byte grid first */
};

/*
 * A pointer-format executable: rodata holds the strings; data holds the blob
 * (at 0), the version string header (0x40) and the module info header
 * (0x50).
 */
static int run(enum layout l, struct buildinfo *bi)
{
	static uint8_t text[64], ro[1024], data[1024], rela[8 * 24], dyn[64];
	bool blob = l <= RELOCS_ONLY || l == BAD_FLAGS || l == MISALIGNED;
	uint64_t at = l == MISALIGNED ? 0x20 : 0;
	struct synth s;
	struct elfbuf *e;
	uint8_t *img;
	size_t len, ml;
	int err, seg_data, nrel = 0;

	memset(ro, 0, sizeof(ro));
	memset(data, 0, sizeof(data));
	memcpy(ro, "go1.16.15", 9);
	ml = modinfo(ro + 0x20);
	memcpy(ro + 0x200, "go1.17.1", 8);
	if (blob) {
		memcpy(data + at, "\xff Go buildinf:", 14);
		data[at + 14] = 8;
		data[at + 15] = l == BAD_FLAGS ? 0x10 : 0;
		put64(data + at + 16, l == RELOCS_ONLY ? 0 : DATA + 0x40);
		put64(data + at + 24, l == RELOCS_ONLY ? 0 : DATA + 0x50);
	}
	if (l == MISALIGNED) {
		/* Not on a 16-byte boundary, with an unknown flag: must be passed over. */
		memcpy(data + 0x08, "\xff Go buildinf:", 14);
		data[0x08 + 14] = 8;
		data[0x08 + 15] = 0x10;
	}
	if (l != NOTHING && l != BAD_FLAGS) {
		put64(data + 0x40, l == RELOCS_ONLY ? 0 : RODATA);
		put64(data + 0x48, 9);
		put64(data + 0x50, l == RELOCS_ONLY ? 0 : RODATA + 0x20);
		put64(data + 0x58, ml);
	}
	if (l == DISAGREE) {
		put64(data + 0x60, RODATA + 0x200);
		put64(data + 0x68, 8);
	}
	if (l == INLINE_SECTION)
		inline_blob(data, "go1.22.3", true);
	if (l == RELOCS_ONLY) {
		const uint64_t at[] = {DATA + 16, DATA + 24, DATA + 0x40, DATA + 0x50};
		const uint64_t val[] = {DATA + 0x40, DATA + 0x50, RODATA, RODATA + 0x20};

		for (nrel = 0; nrel < 4; nrel++) {
			put64(rela + nrel * 24, at[nrel]);
			put64(rela + nrel * 24 + 8, R_X86_64_RELATIVE);
			put64(rela + nrel * 24 + 16, val[nrel]);
		}
	}
	synth_init(&s);
	s.with_sections = l != NO_SECTIONS && l != BUILDVERSION_SCAN && l != MISALIGNED;
	synth_segment(&s, PT_LOAD, PF_R | PF_X, TEXT, text, sizeof(text));
	synth_segment(&s, PT_LOAD, PF_R, RODATA, ro, sizeof(ro));
	seg_data = synth_segment(&s, PT_LOAD, PF_R | PF_W, DATA, data, sizeof(data));
	if (nrel) {
		int seg_rela = synth_segment(&s, PT_LOAD, PF_R, 0x700000, rela, nrel * 24);

		put64(dyn, DT_RELA);
		put64(dyn + 8, 0x700000);
		put64(dyn + 16, DT_RELASZ);
		put64(dyn + 24, nrel * 24);
		put64(dyn + 32, DT_NULL);
		synth_segment(&s, PT_DYNAMIC, PF_R, 0x710000, dyn, sizeof(dyn));
		synth_section(&s, ".rela.dyn", SHT_RELA, SHF_ALLOC, seg_rela, 0, nrel * 24);
	}
	if (blob || l == INLINE_SECTION)
		synth_section(&s, ".go.buildinfo", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, seg_data, 0,
			      l == INLINE_SECTION ? 0x200 : 0x40);
	synth_section(&s, ".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, seg_data, 0x40,
		      sizeof(data) - 0x40);
	if (l == BUILDVERSION_SYM)
		synth_symbol(&s, "runtime.buildVersion", DATA + 0x40, 16);
	img = synth_build(&s, &len);
	err = elfbuf__new(img, len, &e);
	CHECK_EQ_U64(err, 0);
	if (!err) {
		err = buildinfo__read(e, bi);
		elfbuf__delete(e);
	}
	free(img);
	return err;
}

static void test_executables(void)
{
	struct buildinfo bi;

	CHECK_EQ_U64(run(WITH_SECTION, &bi), 0);
	CHECK_EQ_U64(bi.method, BUILDINFO_SECTION);
	CHECK_STR(bi.version, "go1.16.15");
	CHECK_STR(bi.mod_path, "example.com/hello");
	CHECK_EQ_U64(bi.ptrsize, 8);
	CHECK(!bi.inline_strings);
	CHECK_EQ_U64(bi.vaddr, DATA);

	CHECK_EQ_U64(run(NO_SECTIONS, &bi), 0);
	CHECK_EQ_U64(bi.method, BUILDINFO_SEGMENT);
	CHECK_STR(bi.version, "go1.16.15");
	CHECK_STR(bi.path, "example.com/hello/cmd");

	CHECK_EQ_U64(run(RELOCS_ONLY, &bi), 0);
	CHECK_EQ_U64(bi.method, BUILDINFO_SECTION);
	CHECK_STR(bi.version, "go1.16.15");
	CHECK_STR(bi.mod_version, "(devel)");

	CHECK_EQ_U64(run(BUILDVERSION_SYM, &bi), 0);
	CHECK_EQ_U64(bi.method, BUILDINFO_BUILDVERSION_SYMBOL);
	CHECK_STR(bi.version, "go1.16.15");
	CHECK_EQ_U64(bi.vaddr, DATA + 0x40);

	CHECK_EQ_U64(run(BUILDVERSION_SCAN, &bi), 0);
	CHECK_EQ_U64(bi.method, BUILDINFO_BUILDVERSION_SCAN);
	CHECK_STR(bi.version, "go1.16.15");
	CHECK_EQ_U64(bi.vaddr, DATA + 0x40);

	CHECK_EQ_U64(run(DISAGREE, &bi), -ERRORS__FORMAT);
	CHECK_STR(bi.version, "");
	CHECK_EQ_U64(run(NOTHING, &bi), -ERRORS__NOT_GO);
	CHECK_EQ_U64(bi.method, BUILDINFO_NONE);
	CHECK_EQ_U64(run(BAD_FLAGS, &bi), -ERRORS__FORMAT);

	CHECK_EQ_U64(run(MISALIGNED, &bi), 0);
	CHECK_EQ_U64(bi.method, BUILDINFO_SEGMENT);
	CHECK_EQ_U64(bi.vaddr, DATA + 0x20);
	CHECK_STR(bi.version, "go1.16.15");

	CHECK_EQ_U64(run(INLINE_SECTION, &bi), 0);
	CHECK_EQ_U64(bi.method, BUILDINFO_SECTION);
	CHECK_STR(bi.version, "go1.22.3");
	CHECK(bi.inline_strings);
	CHECK_STR(buildinfo__method_str(bi.method), "section");
}

int main(void)
{
	test_inline();
	test_executables();
	return check_done("test_buildinfo");
}
