// SPDX-License-Identifier: GPL-2.0
/*
 * test_dwarfg: runtime.g offsets from DWARF (dwarfg__read), checked four ways.
 *
 * 1. Synthetic ELF images with hand-assembled DWARF 4: runtime.g in the last
 *    "runtime" CU (after a declaration-only copy), in another Go CU, or absent;
 *    member locations as udata, exprloc and block1 DW_OP_plus_uconst, or none;
 *    each plain, as GNU .zdebug_* and as SHF_COMPRESSED; then broken
 *    compression headers and streams, and every byte of the DWARF mutated.
 * 2. Twins of a small program built now with the system Go ($GO, else `go`):
 *    default (compressed), -compressdwarf=false, .zdebug_* (objcopy
 *    --compress-debug-sections=zlib-gnu of the plain one: Go 1.11-1.18 wrote
 *    that format, and no such toolchain is at hand), PIE, cgo with external
 *    linking; every field and size must equal `pahole -C runtime.g`, and the
 *    stripped twin must give -ERRORS__NO_DWARF. The twins are then corrupted:
 *    bytes flipped near runtime.g and anywhere, .debug_info cut short.
 * 3. Every *-dwarf, *-pie, *-static, *-extld fixture in the cache against
 *    pahole, every *-stripped one for -ERRORS__NO_DWARF, and the npm esbuild
 *    binaries either way (esbuild 0.1.26, go1.14, kept real .zdebug_* DWARF).
 * 4. With arguments, only those binaries: `test_dwarfg BINARY...`.
 *
 * DWARFG_ITERS sets the number of random mutations per twin (default 400) and
 * DWARFG_SEED their seed; DWARFG_QUICK=1 skips the fixture cache (for the
 * valgrind run); DWARFG_DEBUG=1 prints the resolver's debug log.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <dwarf.h>

#include "cache.h"
#include "check.h"
#include "dwarfg.h"
#include "elfbuf.h"
#include "errors.h"
#include "log.h"
#include "synth_elf.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2 /* newer <elf.h> only */
#endif

#define NFIELDS 7

static const char *const field_names[NFIELDS] = {
	"goid", "atomicstatus", "waitreason", "parentGoid", "m", "sched", "stack",
};

static int64_t field_off(const struct dwarfg_fields *f, int i)
{
	const int64_t v[NFIELDS] = {f->goid, f->atomicstatus, f->waitreason, f->parent_goid,
				    f->m,    f->sched,	      f->stack};

	return v[i];
}

/* 0 for fields whose size the API does not report. */
static uint64_t field_size(const struct dwarfg_fields *f, int i)
{
	switch (i) {
	case 0:
		return f->goid_size;
	case 1:
		return f->atomicstatus_size;
	case 2:
		return f->waitreason_size;
	case 3:
		return f->parent_goid_size;
	}
	return 0;
}

static bool has_size(int i)
{
	return i < 4;
}

static int read_buf(const void *buf, size_t len, struct dwarfg_fields *f)
{
	struct elfbuf *e;
	int err = elfbuf__new(buf, len, &e);

	if (err)
		return err;
	err = dwarfg__read(e, f);
	elfbuf__delete(e);
	return err;
}

/* Corrupt input may fail only in these ways, and a success must be self-consistent. */
static bool acceptable(int err, const struct dwarfg_fields *f)
{
	if (err == 0) {
		for (int i = 0; i < NFIELDS; i++) {
			int64_t off = field_off(f, i);

			if (off < -1 || (f->g_size && off >= 0 && (uint64_t)off >= f->g_size))
				return false;
		}
		return true;
	}
	/* EOPNOTSUPP: a flipped Elf64_Chdr type that happens to read ELFCOMPRESS_ZSTD. */
	return err == -ERRORS__NO_DWARF || err == -ERRORS__NO_TYPE || err == -ERRORS__CORRUPT ||
	       err == -ERRORS__TRUNCATED || err == -EOPNOTSUPP;
}

/* ---------------------------------------------------------------- synthetic */

struct bb {
	uint8_t *p;
	size_t n, cap;
};

static void bb_put(struct bb *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void bb_u8(struct bb *b, uint8_t v)
{
	bb_put(b, &v, 1);
}

static void bb_u16(struct bb *b, uint16_t v)
{
	bb_u8(b, v & 0xff);
	bb_u8(b, v >> 8);
}

static void bb_u32(struct bb *b, uint32_t v)
{
	bb_u16(b, v & 0xffff);
	bb_u16(b, v >> 16);
}

static void bb_uleb(struct bb *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		bb_u8(b, c | (v ? 0x80 : 0));
	} while (v);
}

static void bb_str(struct bb *b, const char *s)
{
	bb_put(b, s, strlen(s) + 1);
}

enum {
	AB_CU = 1,
	AB_STRUCT,
	AB_MEMBER_UDATA,
	AB_BASE,
	AB_TYPEDEF,
	AB_MEMBER_EXPRLOC,
	AB_MEMBER_BLOCK1,
	AB_SUBPROGRAM,
	AB_DECL,
	AB_MEMBER_NOLOC,
};

static void abbrev(struct bb *b, unsigned int code, unsigned int tag, bool children,
		   const unsigned int *attrs)
{
	bb_uleb(b, code);
	bb_uleb(b, tag);
	bb_u8(b, children);
	for (; *attrs; attrs += 2) {
		bb_uleb(b, attrs[0]);
		bb_uleb(b, attrs[1]);
	}
	bb_u8(b, 0);
	bb_u8(b, 0);
}

static void make_abbrev(struct bb *b)
{
	abbrev(b, AB_CU, DW_TAG_compile_unit, true,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_language, DW_FORM_data1,
				      0});
	abbrev(b, AB_STRUCT, DW_TAG_structure_type, true,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_byte_size, DW_FORM_udata,
				      0});
	abbrev(b, AB_MEMBER_UDATA, DW_TAG_member, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_data_member_location,
				      DW_FORM_udata, DW_AT_type, DW_FORM_ref_addr, 0});
	abbrev(b, AB_BASE, DW_TAG_base_type, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_byte_size, DW_FORM_data1,
				      0});
	abbrev(b, AB_TYPEDEF, DW_TAG_typedef, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_type, DW_FORM_ref_addr, 0});
	abbrev(b, AB_MEMBER_EXPRLOC, DW_TAG_member, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_data_member_location,
				      DW_FORM_exprloc, DW_AT_type, DW_FORM_ref_addr, 0});
	abbrev(b, AB_MEMBER_BLOCK1, DW_TAG_member, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_data_member_location,
				      DW_FORM_block1, DW_AT_type, DW_FORM_ref4, 0});
	abbrev(b, AB_SUBPROGRAM, DW_TAG_subprogram, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, 0});
	abbrev(b, AB_DECL, DW_TAG_structure_type, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, 0});
	abbrev(b, AB_MEMBER_NOLOC, DW_TAG_member, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_type, DW_FORM_ref_addr, 0});
	bb_u8(b, 0);
}

/* Start a DWARF 4 CU; returns the offset of its length field. */
static size_t cu_begin(struct bb *b, const char *name, unsigned int lang)
{
	size_t start = b->n;

	bb_u32(b, 0); /* patched by cu_end */
	bb_u16(b, 4);
	bb_u32(b, 0);
	bb_u8(b, 8);
	bb_uleb(b, AB_CU);
	bb_str(b, name);
	bb_u8(b, lang);
	return start;
}

static void cu_end(struct bb *b, size_t start)
{
	uint32_t len;

	bb_u8(b, 0); /* end of the CU DIE's children */
	len = (uint32_t)(b->n - start - 4);
	memcpy(b->p + start, &len, 4);
}

struct syn {
	const char *types_cu; /* name of the CU holding the types */
	unsigned int types_lang;
	bool with_g;
	bool with_parent;
	uint64_t g_size;
	/* For the prefix rounds over a large compressed .debug_info: */
	size_t pad_before; /* bytes of filler CUs before the types CU */
	size_t pad_after;  /* and after it */
	size_t pad_unit;   /* size of each filler CU (0: 64 KiB) */
	bool goid_fwd;	   /* goid's type lives in a last CU, after pad_after */
};

/* A Go CU of about n bytes of incompressible filler (a function with a long name). */
static void filler_cu(struct bb *b, size_t n, uint64_t *seed)
{
	size_t cu = cu_begin(b, "internal/filler", DW_LANG_Go);

	bb_uleb(b, AB_SUBPROGRAM);
	for (size_t i = 0; i + 32 < n; i++) {
		*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
		bb_u8(b, 'a' + (uint8_t)((*seed >> 33) % 26));
	}
	bb_u8(b, 0);
	cu_end(b, cu);
}

static void fillers(struct bb *b, size_t total, size_t unit, uint64_t *seed)
{
	for (size_t done = 0; done < total; done += unit)
		filler_cu(b, unit, seed);
}

static void make_info(struct bb *b, const struct syn *s)
{
	size_t cu, u64, u32, wr, td, i64, goid_ref = 0;
	size_t unit = s->pad_unit ? s->pad_unit : 64 << 10;
	uint64_t seed = 1;

	fillers(b, s->pad_before, unit, &seed);
	cu = cu_begin(b, "main", DW_LANG_Go);
	bb_uleb(b, AB_SUBPROGRAM);
	bb_str(b, "main.main");
	cu_end(b, cu);

	cu = cu_begin(b, "runtime", DW_LANG_Go);
	bb_uleb(b, AB_SUBPROGRAM);
	bb_str(b, "runtime.main");
	cu_end(b, cu);

	cu = cu_begin(b, s->types_cu, s->types_lang);
	bb_uleb(b, AB_SUBPROGRAM);
	bb_str(b, "runtime.schedule");
	u64 = b->n;
	bb_uleb(b, AB_BASE);
	bb_str(b, "uint64");
	bb_u8(b, 8);
	i64 = b->n;
	bb_uleb(b, AB_BASE);
	bb_str(b, "int64");
	bb_u8(b, 8);
	u32 = b->n;
	bb_uleb(b, AB_BASE);
	bb_str(b, "uint32");
	bb_u8(b, 4);
	wr = b->n;
	bb_uleb(b, AB_BASE);
	bb_str(b, "runtime.waitReason");
	bb_u8(b, 1);
	td = b->n;
	bb_uleb(b, AB_TYPEDEF);
	bb_str(b, "runtime/internal/atomic.Uint32");
	bb_u32(b, (uint32_t)u32);
	/* A typedef and a declaration of the same name come first, as decoys. */
	bb_uleb(b, AB_TYPEDEF);
	bb_str(b, "runtime.g");
	bb_u32(b, (uint32_t)u64);
	bb_uleb(b, AB_DECL);
	bb_str(b, "runtime.g");
	if (s->with_g) {
		bb_uleb(b, AB_STRUCT);
		bb_str(b, "runtime.g");
		bb_uleb(b, s->g_size);
		bb_uleb(b, AB_MEMBER_NOLOC);
		bb_str(b, "stack");
		bb_u32(b, (uint32_t)u64);
		bb_uleb(b, AB_MEMBER_UDATA);
		bb_str(b, "m");
		bb_uleb(b, 48);
		bb_u32(b, (uint32_t)u64);
		bb_uleb(b, AB_MEMBER_UDATA);
		bb_str(b, "sched");
		bb_uleb(b, 56);
		bb_u32(b, (uint32_t)u64);
		bb_uleb(b, AB_MEMBER_EXPRLOC);
		bb_str(b, "atomicstatus");
		bb_uleb(b, 3);
		bb_u8(b, DW_OP_plus_uconst);
		bb_uleb(b, 144);
		bb_u32(b, (uint32_t)td);
		bb_uleb(b, AB_MEMBER_UDATA);
		bb_str(b, "goid");
		bb_uleb(b, 152);
		goid_ref = b->n;
		bb_u32(b, (uint32_t)i64);
		bb_uleb(b, AB_MEMBER_BLOCK1);
		bb_str(b, "waitreason");
		bb_u8(b, 3);
		bb_u8(b, DW_OP_plus_uconst);
		bb_uleb(b, 176);
		bb_u32(b, (uint32_t)(wr - cu));
		if (s->with_parent) {
			bb_uleb(b, AB_MEMBER_UDATA);
			bb_str(b, "parentGoid");
			bb_uleb(b, 272);
			bb_u32(b, (uint32_t)u64);
		}
		bb_u8(b, 0);
	}
	cu_end(b, cu);
	fillers(b, s->pad_after, unit, &seed);
	if (s->goid_fwd && goid_ref) {
		uint32_t ref;

		cu = cu_begin(b, "internal/late", DW_LANG_Go);
		ref = (uint32_t)b->n;
		bb_uleb(b, AB_BASE);
		bb_str(b, "int64");
		bb_u8(b, 8);
		cu_end(b, cu);
		memcpy(b->p + goid_ref, &ref, 4);
	}
}

enum zkind { Z_PLAIN, Z_GNU, Z_GABI };

/* Section bytes for d in the given container; *flags gets SHF_COMPRESSED when due. */
static uint8_t *pack(enum zkind k, const uint8_t *d, size_t n, size_t *out, uint64_t *flags)
{
	uLongf zn = compressBound(n);
	size_t hdr = k == Z_GNU ? 12 : k == Z_GABI ? 24 : 0;
	uint8_t *p = calloc(1, hdr + zn + n + 1);

	*flags = 0;
	if (k == Z_PLAIN) {
		memcpy(p, d, n);
		*out = n;
		return p;
	}
	if (compress2(p + hdr, &zn, d, n, 9) != Z_OK)
		abort();
	if (k == Z_GNU) {
		memcpy(p, "ZLIB", 4);
		for (int i = 0; i < 8; i++)
			p[4 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	} else {
		put32(p, ELFCOMPRESS_ZLIB);
		put64(p + 8, n);
		put64(p + 16, 1);
		*flags = SHF_COMPRESSED;
	}
	*out = hdr + zn;
	return p;
}

struct sec_in {
	const char *name;
	const uint8_t *data;
	size_t size;
	uint64_t flags;
	uint32_t type;
};

static uint8_t *build_elf(const struct sec_in *secs, int n, size_t *len)
{
	struct synth s;

	synth_init(&s);
	for (int i = 0; i < n; i++)
		s.sec[s.nsec++] = (struct synth_sec){
			.name = secs[i].name,
			.type = secs[i].type ? secs[i].type : SHT_PROGBITS,
			.flags = secs[i].flags,
			.seg = -1,
			.data = secs[i].data,
			.size = secs[i].size,
		};
	return synth_build(&s, len);
}

/* An image with the synthetic DWARF s, both sections packed as k. */
static uint8_t *syn_image(const struct syn *s, enum zkind k, size_t *len, struct bb *info_out,
			  struct bb *abbrev_out)
{
	struct bb info = {0}, ab = {0};
	uint8_t *pi, *pa, *img;
	size_t ni, na;
	uint64_t fi, fa;
	bool z = k == Z_GNU;

	make_abbrev(&ab);
	make_info(&info, s);
	pi = pack(k, info.p, info.n, &ni, &fi);
	pa = pack(k, ab.p, ab.n, &na, &fa);
	img = build_elf(
		(const struct sec_in[]){
			{z ? ".zdebug_abbrev" : ".debug_abbrev", pa, na, fa, 0},
			{z ? ".zdebug_info" : ".debug_info", pi, ni, fi, 0},
		},
		2, len);
	free(pi);
	free(pa);
	if (info_out)
		*info_out = info;
	else
		free(info.p);
	if (abbrev_out)
		*abbrev_out = ab;
	else
		free(ab.p);
	return img;
}

static void expect_syn_fields(const struct dwarfg_fields *f, bool with_parent)
{
	CHECK_EQ_U64(f->stack, 0);
	CHECK_EQ_U64(f->m, 48);
	CHECK_EQ_U64(f->sched, 56);
	CHECK_EQ_U64(f->atomicstatus, 144);
	CHECK_EQ_U64(f->atomicstatus_size, 4);
	CHECK_EQ_U64(f->goid, 152);
	CHECK_EQ_U64(f->goid_size, 8);
	CHECK_EQ_U64(f->waitreason, 176);
	CHECK_EQ_U64(f->waitreason_size, 1);
	CHECK_EQ_U64(f->g_size, 400);
	if (with_parent) {
		CHECK_EQ_U64(f->parent_goid, 272);
		CHECK_EQ_U64(f->parent_goid_size, 8);
	} else {
		CHECK(f->parent_goid == -1);
		CHECK_EQ_U64(f->parent_goid_size, 0);
	}
}

static void test_synthetic_layouts(void)
{
	const struct syn ok = {"runtime", DW_LANG_Go, true, true, 400};
	struct dwarfg_fields f;
	uint8_t *img;
	size_t len;

	for (int k = Z_PLAIN; k <= Z_GABI; k++) {
		struct syn s = ok;

		img = syn_image(&s, k, &len, NULL, NULL);
		CHECK_EQ_U64(read_buf(img, len, &f), 0);
		expect_syn_fields(&f, true);
		free(img);

		s.with_parent = false; /* before go1.21 */
		img = syn_image(&s, k, &len, NULL, NULL);
		CHECK_EQ_U64(read_buf(img, len, &f), 0);
		expect_syn_fields(&f, false);
		free(img);

		s = ok;
		s.types_cu = "internal/abi"; /* a linker that moved the types: the fallback */
		img = syn_image(&s, k, &len, NULL, NULL);
		CHECK_EQ_U64(read_buf(img, len, &f), 0);
		expect_syn_fields(&f, true);
		free(img);

		s.types_lang = DW_LANG_C99; /* not Go, not "runtime": never looked at */
		img = syn_image(&s, k, &len, NULL, NULL);
		CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__NO_TYPE);
		CHECK(f.goid == -1);
		free(img);

		s = ok;
		s.with_g = false; /* only the typedef and the declaration */
		img = syn_image(&s, k, &len, NULL, NULL);
		CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__NO_TYPE);
		free(img);

		s = ok;
		s.g_size = 200; /* parentGoid at 272 lies outside */
		img = syn_image(&s, k, &len, NULL, NULL);
		CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
		free(img);
	}
}

/* Count the prefix rounds dwarfg__read logs, and the last prefix shown. */
static int rounds;
static unsigned long long last_shown, last_total;

static void count_rounds(enum log__level level, const char *fmt, va_list ap)
{
	char line[256];

	(void)level;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (sscanf(line, "dwarfg: .debug_info %llu of %llu", &last_shown, &last_total) == 2)
		rounds++;
}

/*
 * A compressed .debug_info over 1 MiB is read in prefixes of whole units. Each
 * case: the layout, how many rounds at least and at most, and whether the last
 * round may stop short of the whole section.
 */
static void test_synthetic_rounds(void)
{
	static const struct {
		const char *what;
		size_t before, after, unit;
		bool fwd, with_g;
		int min_rounds, max_rounds;
		bool short_of_all;
		int err;
	} cases[] = {
		{"types early", 0, 3 << 20, 0, false, true, 1, 1, true, 0},
		{"types after 1.5 MiB", 3 << 19, 3 << 20, 0, false, true, 2, 2, true, 0},
		{"first unit over 1 MiB", 3 << 19, 3 << 20, 3 << 19, false, true, 1, 1, true, 0},
		{"type beyond the first prefix", 0, 3 << 20, 0, true, true, 2, 3, false, 0},
		{"no runtime.g", 0, 3 << 20, 0, false, false, 3, 3, false, -ERRORS__NO_TYPE},
	};
	log__fn_t old = log__set_fn(count_rounds);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int k = Z_PLAIN; k <= Z_GABI; k++) {
			struct syn s = {"runtime", DW_LANG_Go, cases[i].with_g, true, 400};
			struct dwarfg_fields f;
			uint8_t *img;
			size_t len;
			int err;

			s.pad_before = cases[i].before;
			s.pad_after = cases[i].after;
			s.pad_unit = cases[i].unit;
			s.goid_fwd = cases[i].fwd;
			img = syn_image(&s, k, &len, NULL, NULL);
			rounds = 0;
			err = read_buf(img, len, &f);
			CHECK_EQ_U64(err, cases[i].err);
			if (!err)
				expect_syn_fields(&f, true);
			if (k == Z_PLAIN) {
				CHECK_EQ_U64(rounds, 1); /* nothing to save on a plain section */
			} else if (rounds < cases[i].min_rounds || rounds > cases[i].max_rounds ||
				   (cases[i].short_of_all && last_shown >= last_total)) {
				fprintf(stderr, "rounds %s: %d rounds, last %llu of %llu\n",
					cases[i].what, rounds, last_shown, last_total);
				CHECK(0);
			}
			free(img);
		}
	}
	log__set_fn(old);
}

/* Containers that are wrong: each must be refused, none may be inflated past its bounds. */
static void test_synthetic_containers(void)
{
	const struct syn ok = {"runtime", DW_LANG_Go, true, true, 400};
	struct bb info = {0}, ab = {0};
	struct dwarfg_fields f;
	uint8_t *img, *pi, *pa, *bad;
	size_t len, ni, na;
	uint64_t fi, fa;

	img = syn_image(&ok, Z_PLAIN, &len, &info, &ab);
	free(img);

	/* No DWARF at all, and a stripped file's leftover NOBITS header. */
	img = build_elf((const struct sec_in[]){{".text", (const uint8_t *)"\xc3", 1, 0, 0}}, 1,
			&len);
	CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__NO_DWARF);
	free(img);
	img = build_elf(
		(const struct sec_in[]){
			{".debug_abbrev", ab.p, ab.n, 0, 0},
			{".debug_info", NULL, 0, 0, SHT_NOBITS},
		},
		2, &len);
	CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__NO_DWARF);
	free(img);

	/* .zdebug_info: absurd size, more than 1000x its input, bad magic, short header. */
	pa = pack(Z_GNU, ab.p, ab.n, &na, &fa);
	pi = pack(Z_GNU, info.p, info.n, &ni, &fi);
	bad = malloc(ni);
	{
		static const uint64_t sizes[] = {1ULL << 40, UINT64_MAX, (1ULL << 30) + 1, 0};

		for (int i = 0; sizes[i] || i == 0; i++) {
			uint64_t sz = sizes[i] ? sizes[i] : (uint64_t)(ni - 12) * 1001;

			memcpy(bad, pi, ni);
			for (int j = 0; j < 8; j++)
				bad[4 + j] = (uint8_t)(sz >> (56 - 8 * j));
			img = build_elf(
				(const struct sec_in[]){
					{".zdebug_abbrev", pa, na, 0, 0},
					{".zdebug_info", bad, ni, 0, 0},
				},
				2, &len);
			CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
			free(img);
			if (!sizes[i])
				break;
		}
	}
	/* Declared one byte more, then one less, than the stream holds. */
	for (int d = -1; d <= 1; d += 2) {
		uint64_t sz = info.n + d;

		memcpy(bad, pi, ni);
		for (int j = 0; j < 8; j++)
			bad[4 + j] = (uint8_t)(sz >> (56 - 8 * j));
		img = build_elf(
			(const struct sec_in[]){
				{".zdebug_abbrev", pa, na, 0, 0},
				{".zdebug_info", bad, ni, 0, 0},
			},
			2, &len);
		CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
		free(img);
	}
	memcpy(bad, pi, ni);
	memcpy(bad, "ZLIX", 4);
	img = build_elf(
		(const struct sec_in[]){
			{".zdebug_abbrev", pa, na, 0, 0},
			{".zdebug_info", bad, ni, 0, 0},
		},
		2, &len);
	CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
	free(img);
	img = build_elf(
		(const struct sec_in[]){
			{".zdebug_abbrev", pa, na, 0, 0},
			{".zdebug_info", pi, 11, 0, 0},
		},
		2, &len);
	CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
	free(img);
	/* Garbage after a good header: zlib refuses it. */
	memcpy(bad, pi, ni);
	memset(bad + 12, 0x5a, ni - 12);
	img = build_elf(
		(const struct sec_in[]){
			{".zdebug_abbrev", pa, na, 0, 0},
			{".zdebug_info", bad, ni, 0, 0},
		},
		2, &len);
	CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
	free(img);
	free(bad);
	free(pi);
	free(pa);

	/* SHF_COMPRESSED: absurd and inflated sizes, zstd, a short header, a short stream. */
	pa = pack(Z_GABI, ab.p, ab.n, &na, &fa);
	pi = pack(Z_GABI, info.p, info.n, &ni, &fi);
	bad = malloc(ni);
	{
		const uint64_t sizes[] = {1ULL << 40, UINT64_MAX, (uint64_t)(ni - 24) * 1001,
					  info.n + 1, info.n - 1};

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			memcpy(bad, pi, ni);
			put64(bad + 8, sizes[i]);
			img = build_elf(
				(const struct sec_in[]){
					{".debug_abbrev", pa, na, fa, 0},
					{".debug_info", bad, ni, fi, 0},
				},
				2, &len);
			CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
			free(img);
		}
	}
	memcpy(bad, pi, ni);
	put32(bad, ELFCOMPRESS_ZSTD);
	img = build_elf(
		(const struct sec_in[]){
			{".debug_abbrev", pa, na, fa, 0},
			{".debug_info", bad, ni, fi, 0},
		},
		2, &len);
	CHECK_EQ_U64(read_buf(img, len, &f), -EOPNOTSUPP);
	free(img);
	put32(bad, 0x41); /* no such type */
	img = build_elf(
		(const struct sec_in[]){
			{".debug_abbrev", pa, na, fa, 0},
			{".debug_info", bad, ni, fi, 0},
		},
		2, &len);
	CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
	free(img);
	img = build_elf(
		(const struct sec_in[]){
			{".debug_abbrev", pa, na, fa, 0},
			{".debug_info", pi, 20, fi, 0},
		},
		2, &len);
	CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
	free(img);
	img = build_elf(
		(const struct sec_in[]){
			{".debug_abbrev", pa, na, fa, 0},
			{".debug_info", pi, ni - 6, fi, 0},
		},
		2, &len);
	CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
	free(img);
	/* .debug_info twice (once as .zdebug_info): libdwarf refuses it as it starts. */
	{
		uint64_t fgi;
		size_t ngi;
		uint8_t *gi = pack(Z_GNU, info.p, info.n, &ngi, &fgi);

		img = build_elf(
			(const struct sec_in[]){
				{".debug_abbrev", pa, na, fa, 0},
				{".debug_info", pi, ni, fi, 0},
				{".zdebug_info", gi, ngi, 0, 0},
			},
			3, &len);
		CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
		free(img);
		free(gi);
	}
	/* A broken section nobody needs is left out, not fatal. */
	img = build_elf(
		(const struct sec_in[]){
			{".debug_abbrev", pa, na, fa, 0},
			{".debug_info", pi, ni, fi, 0},
			{".debug_line", pi, 10, SHF_COMPRESSED, 0},
			{".zdebug_frame", (const uint8_t *)"ZLIB", 4, 0, 0},
		},
		4, &len);
	CHECK_EQ_U64(read_buf(img, len, &f), 0);
	expect_syn_fields(&f, true);
	free(img);
	free(bad);
	free(pi);
	free(pa);
	free(info.p);
	free(ab.p);
}

/* Every byte of the synthetic DWARF, replaced by a few values: no crash, no nonsense. */
static void test_synthetic_mutations(void)
{
	const struct syn ok = {"runtime", DW_LANG_Go, true, true, 400};
	static const int how[] = {0x00, 0xff, 0x80, 0x7f, -1 /* x ^ 1 */};
	struct bb info = {0}, ab = {0};
	struct dwarfg_fields f;
	uint8_t *img;
	size_t len;
	int bad = 0, runs = 0, ok_runs = 0;

	img = syn_image(&ok, Z_PLAIN, &len, &info, &ab);
	free(img);
	for (int which = 0; which < 2; which++) {
		struct bb *b = which ? &ab : &info;

		for (size_t pos = 0; pos <= b->n; pos++) {
			for (size_t h = 0; h < sizeof(how) / sizeof(how[0]); h++) {
				uint8_t save = pos < b->n ? b->p[pos] : 0;
				size_t n = b->n;
				int err;

				if (pos == b->n) {
					if (h)
						break;
					n = 0; /* and, below, every truncation */
				} else {
					b->p[pos] = how[h] < 0 ? save ^ 1 : how[h];
				}
				img = build_elf(
					(const struct sec_in[]){
						{".debug_abbrev", ab.p, which ? n : ab.n, 0, 0},
						{".debug_info", info.p, which ? info.n : n, 0, 0},
					},
					2, &len);
				err = read_buf(img, len, &f);
				runs++;
				ok_runs += !err;
				if (!acceptable(err, &f)) {
					fprintf(stderr, "mutation %s[%zu] = %d: %d (%s)\n",
						which ? "abbrev" : "info", pos, how[h], err,
						errors__str(err));
					bad++;
				}
				free(img);
				if (pos < b->n)
					b->p[pos] = save;
			}
		}
		for (size_t cut = 1; cut < b->n; cut++) {
			img = build_elf(
				(const struct sec_in[]){
					{".debug_abbrev", ab.p, which ? cut : ab.n, 0, 0},
					{".debug_info", info.p, which ? info.n : cut, 0, 0},
				},
				2, &len);
			CHECK(acceptable(read_buf(img, len, &f), &f));
			runs++;
			free(img);
		}
	}
	CHECK(bad == 0);
	printf("synthetic mutations: %d runs, %d still parsed\n", runs, ok_runs);
	free(info.p);
	free(ab.p);
}

/* ---------------------------------------------------------------- real binaries */

static bool fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static bool fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = vsnprintf(buf, n, f, ap);
	va_end(ap);
	CHECK(r >= 0 && (size_t)r < n);
	return r >= 0 && (size_t)r < n;
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "failed (%d): %s\n", rc, cmd);
	return rc;
}

struct oracle {
	bool present[NFIELDS];
	uint64_t off[NFIELDS], size[NFIELDS], g_size;
};

/* runtime.g as pahole (libdw, independent of libdwarf) reads it. 0, or -1 when it cannot. */
static int pahole(const char *path, struct oracle *o)
{
	char cmd[4400], line[512];
	int members = 0;
	FILE *p;

	memset(o, 0, sizeof(*o));
	if (!fmt(cmd, sizeof(cmd), "pahole -C runtime.g '%s' 2>/dev/null", path))
		return -1;
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *semi = strstr(line, "; "), *c = strstr(line, "/*"), *name;
		unsigned long long off, size;

		if ((c = strstr(line, "/* size: ")) && sscanf(c, "/* size: %llu", &size) == 1) {
			o->g_size = size;
			continue;
		}
		/* A member line: tab, type, name, ';', then offset and size in a comment. */
		c = strstr(line, "/*");
		if (line[0] != '\t' || !semi || !c || c < semi)
			continue;
		if (sscanf(c, "/* %llu %llu", &off, &size) != 2)
			continue;
		*semi = 0;
		for (name = semi;
		     name > line && name[-1] != ' ' && name[-1] != '\t' && name[-1] != '*'; name--)
			;
		members++;
		for (int i = 0; i < NFIELDS; i++) {
			if (!strcmp(name, field_names[i]) && !o->present[i]) {
				o->present[i] = true;
				o->off[i] = off;
				o->size[i] = size;
			}
		}
	}
	pclose(p);
	return members && o->g_size ? 0 : -1;
}

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *compression_of(const struct elfbuf *e)
{
	const struct elfbuf_section *s;

	if (elfbuf__section_by_name(e, ".zdebug_info"))
		return "zdebug";
	s = elfbuf__section_by_name(e, ".debug_info");
	if (!s)
		return "none";
	return s->flags & SHF_COMPRESSED ? "SHF_COMPRESSED" : "plain";
}

static void go_version_of(const char *path, char *ver, size_t n)
{
	const char *go = getenv("GO");
	char cmd[8800], out[4400] = "", *v;
	FILE *p;

	snprintf(ver, n, "?");
	if (!fmt(cmd, sizeof(cmd), "'%s' version '%s' 2>/dev/null", go && *go ? go : "go", path))
		return;
	p = popen(cmd, "r");
	if (!p)
		return;
	if (fgets(out, sizeof(out), p) && (v = strstr(out, ": go"))) {
		v += 2;
		v[strcspn(v, " \n")] = 0;
		snprintf(ver, n, "%s", v);
	}
	pclose(p);
}

static void row_header(void)
{
	printf("%-34s %-10s %-14s %6s %6s %6s %6s %6s %6s %6s %7s %7s\n", "binary", "go",
	       "compression", "goid", "status", "wait", "parent", "m", "sched", "g_size", "ms",
	       "cpu ms");
}

/*
 * Read path with dwarfg and, when want_dwarf, compare with pahole. The times are
 * the best of 3 calls, wall clock and CPU (the machine may be shared).
 */
static void check_binary(const char *path, const char *label, bool want_dwarf)
{
	struct dwarfg_fields f;
	struct oracle o;
	struct elfbuf *e;
	char ver[64], cols[NFIELDS][24];
	double wall = 1e9, cpu = 1e9;
	int err = 0;

	if (elfbuf__open_path(path, &e)) {
		fprintf(stderr, "%s: cannot open\n", path);
		CHECK(0);
		return;
	}
	for (int k = 0; k < 3; k++) {
		double w0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
		double w, c;

		err = dwarfg__read(e, &f);
		w = clock_ms(CLOCK_MONOTONIC) - w0;
		c = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		wall = w < wall ? w : wall;
		cpu = c < cpu ? c : cpu;
	}
	go_version_of(path, ver, sizeof(ver));
	for (int i = 0; i < NFIELDS; i++)
		snprintf(cols[i], sizeof(cols[i]), "%" PRId64, field_off(&f, i));
	printf("%-34s %-10s %-14s %6s %6s %6s %6s %6s %6s %6" PRIu64 " %7.2f %7.2f%s%s\n", label,
	       ver, compression_of(e), cols[0], cols[1], cols[2], cols[3], cols[4], cols[5],
	       f.g_size, wall, cpu, err ? "  " : "", err ? errors__str(err) : "");
	elfbuf__delete(e);
	if (!want_dwarf) {
		if (err != -ERRORS__NO_DWARF)
			fprintf(stderr, "%s: %d, expected no DWARF\n", path, err);
		CHECK(err == -ERRORS__NO_DWARF);
		return;
	}
	CHECK(err == 0);
	if (pahole(path, &o)) {
		fprintf(stderr, "%s: pahole cannot read runtime.g\n", path);
		CHECK(0);
		return;
	}
	CHECK_EQ_U64(f.g_size, o.g_size);
	for (int i = 0; i < NFIELDS; i++) {
		int64_t want = o.present[i] ? (int64_t)o.off[i] : -1;

		if (field_off(&f, i) != want || (has_size(i) && field_size(&f, i) != o.size[i])) {
			fprintf(stderr,
				"%s: %s at %" PRId64 " size %" PRIu64 ", pahole %" PRId64
				" size %" PRIu64 "\n",
				path, field_names[i], field_off(&f, i), field_size(&f, i), want,
				o.size[i]);
			CHECK(0);
		}
	}
	/* The tracer needs these in every Go version this project supports. */
	CHECK(f.goid >= 0 && f.atomicstatus >= 0 && f.waitreason >= 0 && f.m >= 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0) {
		b = malloc(n);
		if (b && fread(b, 1, n, fp) != (size_t)n) {
			free(b);
			b = NULL;
		}
		*len = n;
	}
	fclose(fp);
	return b;
}

/* File offset of section header idx's sh_size field, for cutting a section short. */
static uint64_t shdr_size_at(const uint8_t *img, int idx)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;

	return eh->e_shoff + (uint64_t)idx * sizeof(Elf64_Shdr) + offsetof(Elf64_Shdr, sh_size);
}

static int section_index(const struct elfbuf *e, const struct elfbuf_section *s)
{
	for (size_t i = 0; i < elfbuf__section_count(e); i++)
		if (elfbuf__section(e, i) == s)
			return (int)i;
	return -1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Damage a copy of a real binary's DWARF: flip bytes (half of them within 8 KiB
 * of the "runtime.g" DIE name, where they reach the search and the members),
 * cut .debug_info short at many points, and for .zdebug_* claim absurd sizes.
 */
static void corrupt_binary(const char *path, int iters)
{
	struct dwarfg_fields f;
	const struct elfbuf_section *info, *abbrev;
	struct elfbuf *e;
	uint8_t *img;
	size_t len;
	uint64_t at_size, info_off, info_size, abbrev_off, abbrev_size, hot = 0, orig_size;
	const uint8_t *hit;
	static uint64_t units[4096];
	size_t nunits = 0;
	int idx, bad = 0, parsed = 0, err;
	bool zdebug, compressed;

	img = slurp(path, &len);
	if (!img || elfbuf__new(img, len, &e)) {
		CHECK(0);
		free(img);
		return;
	}
	zdebug = elfbuf__section_by_name(e, ".zdebug_info");
	info = elfbuf__section_by_name(e, zdebug ? ".zdebug_info" : ".debug_info");
	abbrev = elfbuf__section_by_name(e, zdebug ? ".zdebug_abbrev" : ".debug_abbrev");
	if (!info || !abbrev) {
		CHECK(0);
		elfbuf__delete(e);
		free(img);
		return;
	}
	idx = section_index(e, info);
	compressed = zdebug || info->flags & SHF_COMPRESSED;
	info_off = info->offset;
	info_size = info->size;
	abbrev_off = abbrev->offset;
	abbrev_size = abbrev->size;
	elfbuf__delete(e);
	hit = memmem(img + info_off, info_size, "runtime.g\0", 10);
	if (hit)
		hot = hit - (img + info_off);
	/* Where the units start, when .debug_info is plain: their headers and CU DIEs. */
	for (uint64_t off = 0; !compressed && nunits < 4096 && off + 4 <= info_size;) {
		uint32_t ulen;

		memcpy(&ulen, img + info_off + off, 4);
		if (ulen >= 0xfffffff0)
			break;
		units[nunits++] = off;
		off += 4 + (uint64_t)ulen;
	}

	for (int it = 0; it < iters; it++) {
		uint64_t pos[4];
		uint8_t save[4];
		int n = 1 + rng() % 4;

		for (int k = 0; k < n; k++) {
			uint64_t r = rng();

			if (k == 0 && it % 8 == 7)
				pos[k] = abbrev_off + r % abbrev_size;
			else if (nunits && it % 4 == 2)
				pos[k] = info_off + (units[r % nunits] + rng() % 48) % info_size;
			else if (hit && it % 2)
				pos[k] =
					info_off + (hot + r % 16384 + info_size - 8192) % info_size;
			else
				pos[k] = info_off + r % info_size;
			save[k] = img[pos[k]];
			img[pos[k]] ^= (uint8_t)(1 + rng() % 255);
		}
		err = read_buf(img, len, &f);
		parsed += !err;
		if (!acceptable(err, &f)) {
			fprintf(stderr, "%s: mutation %d: %d (%s)\n", path, it, err,
				errors__str(err));
			bad++;
		}
		for (int k = n - 1; k >= 0; k--)
			img[pos[k]] = save[k];
	}

	at_size = shdr_size_at(img, idx);
	memcpy(&orig_size, img + at_size, 8);
	for (int k = 0; k <= 40; k++) {
		uint64_t cut = k < 32 ? info_size * k / 32 :
			       hot    ? hot + (uint64_t)(k - 32) * 37 :
					(uint64_t)k + 1;

		if (cut >= info_size)
			continue;
		memcpy(img + at_size, &cut, 8);
		err = read_buf(img, len, &f);
		if (!acceptable(err, &f) || (err == 0 && !zdebug && cut < hot)) {
			fprintf(stderr, "%s: cut at %" PRIu64 ": %d (%s)\n", path, cut, err,
				errors__str(err));
			bad++;
		}
	}
	memcpy(img + at_size, &orig_size, 8);

	if (zdebug) {
		uint8_t saved[8];

		memcpy(saved, img + info_off + 4, 8);
		memset(img + info_off + 4, 0xff, 8);
		CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT);
		memset(img + info_off + 4, 0, 4);
		CHECK_EQ_U64(read_buf(img, len, &f), -ERRORS__CORRUPT); /* ~4 GiB */
		memcpy(img + info_off + 4, saved, 8);
	}
	CHECK_EQ_U64(read_buf(img, len, &f), 0); /* every change undone */
	CHECK(bad == 0);
	printf("%s: %d mutations (%d still parsed), 41 cuts: %s\n", path, iters, parsed,
	       bad ? "FAILED" : "ok");
	free(img);
}

static int iters_env(void)
{
	const char *s = getenv("DWARFG_ITERS");
	int n = s ? atoi(s) : 400;

	return n > 0 ? n : 0;
}

/*
 * DW_AT_sibling, which Go never writes but GCC does. A "runtime" unit holds a
 * pointer type with children and no DW_AT_sibling, whose child, an array type,
 * has one: libdwarf walks that subtree to find the pointer's sibling and jumps
 * where the array's DW_AT_sibling says. sib_at picks the target: the DIE after
 * the array (right), the array itself (libdwarf 20210528 looped for ever), the
 * pointer (backwards), or past the unit. Then runtime.g, one member, goid.
 * SIB_HIDDEN is SIB_SELF with the array's abbreviation after a null entry
 * spelt in two bytes (0x80 0x00), which libdwarf reads past when it looks a
 * code up, and no other DW_AT_sibling in the table.
 */
enum sib_at { SIB_RIGHT, SIB_SELF, SIB_BACK, SIB_OUT, SIB_TOP_BACK, SIB_HIDDEN };

static uint8_t *sibling_image(enum sib_at at, size_t *len)
{
	struct bb info = {0}, ab = {0};
	size_t cu, i64, ptr, arr, sib_ref, top, top_ref;
	uint32_t target = 0;
	uint8_t *img;

	abbrev(&ab, 1, DW_TAG_compile_unit, true,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_language, DW_FORM_data1,
				      0});
	abbrev(&ab, 2, DW_TAG_structure_type, true,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_byte_size, DW_FORM_udata,
				      0});
	abbrev(&ab, 3, DW_TAG_member, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_data_member_location,
				      DW_FORM_udata, DW_AT_type, DW_FORM_ref4, 0});
	abbrev(&ab, 4, DW_TAG_base_type, false,
	       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_byte_size, DW_FORM_data1,
				      0});
	abbrev(&ab, 6, DW_TAG_subrange_type, false,
	       (const unsigned int[]){DW_AT_upper_bound, DW_FORM_data1, 0});
	abbrev(&ab, 7, DW_TAG_pointer_type, true,
	       (const unsigned int[]){DW_AT_byte_size, DW_FORM_data1, 0});
	if (at != SIB_HIDDEN)
		abbrev(&ab, 8, DW_TAG_subprogram, true,
		       (const unsigned int[]){DW_AT_name, DW_FORM_string, DW_AT_sibling,
					      DW_FORM_ref4, 0});
	if (at == SIB_HIDDEN) {
		bb_u8(&ab, 0x80); /* code 0, in two bytes; then a tag, no children, no attributes */
		bb_u8(&ab, 0);
		bb_uleb(&ab, DW_TAG_base_type);
		bb_u8(&ab, 0);
		bb_u8(&ab, 0);
		bb_u8(&ab, 0);
	}
	abbrev(&ab, 5, DW_TAG_array_type, true,
	       (const unsigned int[]){DW_AT_type, DW_FORM_ref4, DW_AT_sibling, DW_FORM_ref4, 0});
	bb_u8(&ab, 0);

	cu = cu_begin(&info, "runtime", DW_LANG_Go);
	/* A top-level DIE with a DW_AT_sibling of its own (patched below). */
	top = top_ref = 0;
	if (at != SIB_HIDDEN) {
		top = info.n;
		bb_uleb(&info, 8);
		bb_str(&info, "runtime.main");
		top_ref = info.n;
		bb_u32(&info, 0);
		bb_uleb(&info, 6);
		bb_u8(&info, 1);
		bb_u8(&info, 0);
	}
	i64 = info.n;
	bb_uleb(&info, 4);
	bb_str(&info, "int64");
	bb_u8(&info, 8);
	ptr = info.n;
	bb_uleb(&info, 7);
	bb_u8(&info, 8);
	arr = info.n;
	bb_uleb(&info, 5);
	bb_u32(&info, (uint32_t)(i64 - cu));
	sib_ref = info.n;
	bb_u32(&info, 0); /* patched below */
	bb_uleb(&info, 6);
	bb_u8(&info, 3);
	bb_u8(&info, 0); /* end of the array's children */
	target = (uint32_t)(info.n - cu);
	bb_uleb(&info, 6); /* the DIE after the array: where its DW_AT_sibling belongs */
	bb_u8(&info, 7);
	bb_u8(&info, 0); /* end of the pointer's children */
	bb_uleb(&info, 2);
	bb_str(&info, "runtime.g");
	bb_uleb(&info, 400);
	bb_uleb(&info, 3);
	bb_str(&info, "goid");
	bb_uleb(&info, 152);
	bb_u32(&info, (uint32_t)(i64 - cu));
	bb_u8(&info, 0); /* end of runtime.g's members */
	cu_end(&info, cu);

	if (at == SIB_SELF || at == SIB_HIDDEN)
		target = (uint32_t)(arr - cu);
	else if (at == SIB_BACK)
		target = (uint32_t)(ptr - cu);
	else if (at == SIB_OUT)
		target = (uint32_t)(info.n - cu + 16);
	memcpy(info.p + sib_ref, &target, 4);
	target = (uint32_t)((at == SIB_TOP_BACK ? top : i64) - cu);
	if (top_ref)
		memcpy(info.p + top_ref, &target, 4);

	img = build_elf(
		(const struct sec_in[]){
			{".debug_abbrev", ab.p, ab.n, 0, 0},
			{".debug_info", info.p, info.n, 0, 0},
		},
		2, len);
	free(info.p);
	free(ab.p);
	return img;
}

/* A runtime.g laid out by GCC, which writes DW_AT_sibling, as DWARF 4 and 5. */
static void test_gcc_siblings(void)
{
	char dir[] = "/tmp/test_dwarfg_gcc.XXXXXX", cmd[1024], path[200];
	struct dwarfg_fields f;
	struct elfbuf *e;

	if (run("gcc --version >/dev/null 2>&1")) {
		CHECK_SKIP("gcc siblings: no gcc");
		return;
	}
	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	/*
	 * Named "runtime" so the unit is one dwarfg searches; runtime_g becomes
	 * runtime.g. Linked (with nothing), so that no relocation is left to apply.
	 */
	fmt(cmd, sizeof(cmd),
	    "cd %s && printf '%%s\\n' 'struct stk { unsigned long lo, hi; };' "
	    "'struct runtime_g { struct stk stack; void *m; long sched[7]; "
	    "unsigned int atomicstatus; long goid; unsigned char waitreason; } v;' >runtime",
	    dir);
	CHECK(run(cmd) == 0);
	for (int ver = 4; ver <= 5; ver++) {
		fmt(cmd, sizeof(cmd),
		    "cd %s && gcc -g -gdwarf-%d -nostdlib -static -Wl,-e,0 -x c runtime -o r%d && "
		    "perl -pi -e 's/runtime_g\\0/runtime.g\\0/g' r%d && "
		    "readelf -wi r%d | grep -q DW_AT_sibling",
		    dir, ver, ver, ver, ver);
		if (run(cmd)) {
			CHECK(0);
			continue;
		}
		fmt(path, sizeof(path), "%s/r%d", dir, ver);
		CHECK(elfbuf__open_path(path, &e) == 0);
		if (!e)
			continue;
		CHECK_EQ_U64(dwarfg__read(e, &f), 0);
		CHECK_EQ_U64(f.stack, 0);
		CHECK_EQ_U64(f.m, 16);
		CHECK_EQ_U64(f.sched, 24);
		CHECK_EQ_U64(f.atomicstatus, 80);
		CHECK_EQ_U64(f.goid, 88);
		CHECK_EQ_U64(f.waitreason, 96);
		elfbuf__delete(e);
	}
	fmt(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

static void test_siblings(void)
{
	static const struct {
		enum sib_at at;
		int want;
	} cases[] = {
		{SIB_RIGHT, 0},
		{SIB_SELF, -ERRORS__CORRUPT},
		{SIB_BACK, -ERRORS__CORRUPT},
		{SIB_OUT, -ERRORS__CORRUPT},
		{SIB_TOP_BACK, -ERRORS__CORRUPT},
		{SIB_HIDDEN, -ERRORS__CORRUPT},
	};
	struct dwarfg_fields f;

	/* A walk that loops fails here, not at CTest's timeout ten minutes later. */
	alarm(60);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *img = sibling_image(cases[i].at, &len);
		int err = read_buf(img, len, &f);

		if (err != cases[i].want)
			fprintf(stderr, "sibling case %zu: %d, want %d\n", i, err, cases[i].want);
		CHECK(err == cases[i].want);
		if (cases[i].at == SIB_RIGHT)
			CHECK_EQ_U64(f.goid, 152);
		free(img);
	}
	test_gcc_siblings();
	alarm(0);
}

/* Build twins of a small program with the system Go; check, then damage them. */
static void test_system_go(void)
{
	static const struct {
		const char *name, *dir, *env, *flags;
	} modes[] = {
		{"default", "prog", "", ""},
		{"plain", "prog", "", "-ldflags=-compressdwarf=false"},
		{"pie", "prog", "", "-buildmode=pie"},
		{"extld", "cgo", "CGO_ENABLED=1", "-ldflags=-linkmode=external"},
		{"stripped", "prog", "", "-ldflags='-s -w'"},
		{"extld-stripped", "cgo", "CGO_ENABLED=1", "-ldflags='-linkmode=external -s -w'"},
	};
	const char *go = getenv("GO");
	char dir[] = "/tmp/test_dwarfg.XXXXXX", cmd[8192], path[4200], label[128], ver[64] = "";
	FILE *p;

	if (!go || !*go)
		go = "go";
	if (!fmt(cmd, sizeof(cmd), "'%s' env GOVERSION 2>/dev/null", go))
		return;
	p = popen(cmd, "r");
	if (p) {
		if (!fgets(ver, sizeof(ver), p))
			ver[0] = 0;
		ver[strcspn(ver, "\n")] = 0;
		pclose(p);
	}
	if (strncmp(ver, "go1.", 4)) {
		CHECK_SKIP("system-go twins: no Go toolchain (set GO=)");
		return;
	}
	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	fmt(cmd, sizeof(cmd),
	    "cd %s && mkdir prog cgo && printf 'module twin\\ngo 1.16\\n' >prog/go.mod && "
	    "cp prog/go.mod cgo/go.mod && "
	    "printf 'package main\\n\\nimport \"fmt\"\\n\\nfunc main() {\\n"
	    "\\tc := make(chan int)\\n\\tgo func() { c <- 1 }()\\n\\tfmt.Println(<-c)\\n}\\n' "
	    ">prog/main.go && "
	    "printf 'package main\\n\\n// int twice(int x) { return 2 * x; }\\nimport \"C\"\\n"
	    "import \"fmt\"\\n\\nfunc main() {\\n\\tc := make(chan int)\\n"
	    "\\tgo func() { c <- int(C.twice(21)) }()\\n\\tfmt.Println(<-c)\\n}\\n' "
	    ">cgo/main.go",
	    dir);
	CHECK(run(cmd) == 0);
	row_header();
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		fmt(path, sizeof(path), "%s/%s", dir, modes[i].name);
		fmt(cmd, sizeof(cmd),
		    "cd %s/%s && GO111MODULE=on GOPROXY=off GOFLAGS=-mod=mod %s '%s' build %s "
		    "-o ../%s . >../build-%s.log 2>&1",
		    dir, modes[i].dir, modes[i].env, go, modes[i].flags, modes[i].name,
		    modes[i].name);
		if (run(cmd)) {
			CHECK(0);
			continue;
		}
		fmt(label, sizeof(label), "system/%s", modes[i].name);
		check_binary(path, label, !strstr(modes[i].name, "stripped"));
	}
	/* Go 1.11-1.18 wrote .zdebug_*; objcopy makes the same container from the plain twin. */
	fmt(cmd, sizeof(cmd),
	    "objcopy --compress-debug-sections=zlib-gnu %s/plain %s/zdebug >/dev/null 2>&1", dir,
	    dir);
	if (run(cmd) == 0) {
		fmt(path, sizeof(path), "%s/zdebug", dir);
		check_binary(path, "system/zdebug (objcopy)", true);
	} else {
		CHECK_SKIP("zdebug twin: objcopy cannot write zlib-gnu");
	}

	for (size_t i = 0; i < 4; i++) {
		static const char *const victims[] = {"plain", "default", "zdebug", "extld"};

		fmt(path, sizeof(path), "%s/%s", dir, victims[i]);
		if (access(path, R_OK) == 0)
			corrupt_binary(path, i == 0 ? iters_env() : iters_env() / 4);
	}
	fmt(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

static bool has_dwarf(const char *path)
{
	struct elfbuf *e;
	bool r;

	if (elfbuf__open_path(path, &e))
		return false;
	r = elfbuf__section_by_name(e, ".debug_info") || elfbuf__section_by_name(e, ".zdebug_info");
	elfbuf__delete(e);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Sorted regular-file names in dir (or, with sub, dir/NAME/sub). Returns how many. */
static size_t list_dir(const char *dir, char **names, size_t max)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	size_t n = 0;

	if (!dp)
		return 0;
	while ((d = readdir(dp)) && n < max)
		if (d->d_name[0] != '.')
			names[n++] = strdup(d->d_name);
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_str);
	return n;
}

static void test_fixtures(void)
{
	char root[4096], dir[4200], sub[4400], path[4700], label[160];
	char *vers[64], *names[256];
	size_t nv, nn;
	int count = 0;

	cache_root(root, sizeof(root));
	fmt(dir, sizeof(dir), "%s/fixtures", root);
	nv = list_dir(dir, vers, 64);
	if (!nv)
		CHECK_SKIP("fixtures: %s is empty or missing (scripts/fixtures.sh makes it)", dir);
	for (size_t v = 0; v < nv; v++) {
		if (strncmp(vers[v], "go1.", 4) || !fmt(sub, sizeof(sub), "%s/%s", dir, vers[v]))
			goto next_ver;
		nn = list_dir(sub, names, 256);
		for (size_t i = 0; i < nn; i++) {
			struct stat st;
			bool dwarf = ends_with(names[i], "-dwarf") || ends_with(names[i], "-pie") ||
				     ends_with(names[i], "-static") ||
				     ends_with(names[i], "-extld");
			bool stripped = ends_with(names[i], "-stripped");

			if ((dwarf || stripped) &&
			    fmt(path, sizeof(path), "%s/%s", sub, names[i]) && !stat(path, &st) &&
			    S_ISREG(st.st_mode)) {
				fmt(label, sizeof(label), "%s/%s", vers[v], names[i]);
				check_binary(path, label, dwarf);
				count++;
			}
			free(names[i]);
		}
next_ver:
		free(vers[v]);
	}

	fmt(dir, sizeof(dir), "%s/npm", root);
	nn = list_dir(dir, names, 256);
	for (size_t i = 0; i < nn; i++) {
		if (fmt(path, sizeof(path), "%s/%s/package/bin/esbuild", dir, names[i]) &&
		    access(path, R_OK) == 0) {
			/* Most are stripped; esbuild 0.1.26 (go1.14) kept its .zdebug_* DWARF. */
			fmt(label, sizeof(label), "npm/%s", names[i]);
			check_binary(path, label, has_dwarf(path));
			/* A real Go-written .zdebug_* container: damage it too. */
			if (has_dwarf(path))
				corrupt_binary(path, iters_env() / 4);
			count++;
		}
		free(names[i]);
	}
	printf("%d cached fixture binaries checked\n", count);
}

static void print_log(enum log__level level, const char *fmt, va_list ap)
{
	(void)level;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	if (getenv("DWARFG_DEBUG"))
		log__set_fn(print_log);
	if (getenv("DWARFG_SEED"))
		rng_state = strtoull(getenv("DWARFG_SEED"), NULL, 0) | 1;
	if (argc > 1) {
		row_header();
		for (int i = 1; i < argc; i++)
			check_binary(argv[i], argv[i], true);
		return check_done("test_dwarfg");
	}
	test_synthetic_layouts();
	test_synthetic_rounds();
	test_synthetic_containers();
	test_synthetic_mutations();
	test_siblings();
	test_system_go();
	if (!getenv("DWARFG_QUICK"))
		test_fixtures();
	return check_done("test_dwarfg");
}
