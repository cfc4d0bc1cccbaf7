// SPDX-License-Identifier: GPL-2.0
/*
 * test_gotypes: runtime.g field offsets from type descriptors, checked three ways.
 *
 * 1. Synthetic ELF images holding a hand-made struct descriptor in each layout
 *    (name length as big-endian 16 or uvarint, offset word plain or <<1), with
 *    and without PIE relocations, and corrupt variants that must be refused.
 * 2. Twins built now with the system Go ($GO, else `go` on PATH): unstripped,
 *    stripped (-s -w), PIE and external link. Every field the descriptor gives
 *    must equal `pahole -C runtime.g` on the DWARF of the same binary, and the
 *    stripped twin must give exactly what the unstripped one gives.
 * 3. Every fixture in the cache (~/.cache/gotracer/fixtures/go1.NN/<prog>-<mode>,
 *    and the npm esbuild binaries): DWARF builds against pahole, the others
 *    against their -dwarf twin, esbuild for the fields the tracer needs and
 *    against a DWARF fixture of the same Go minor version where there is one.
 *
 * The types region comes from the runtime.types/runtime.etypes symbols when the
 * binary has them, else from moduledata (moduledata__find, as the resolver
 * does), else from a fallback of this test's own that also cross-checks the
 * other two: the .go.type section from go1.27; before that, .typelink (int32
 * offsets of type descriptors from the region start) picks the one start near
 * the beginning of .data.rel.ro or .rodata from which every typelink lands on a
 * well-formed descriptor whose name offset lands on a well-formed name, and the
 * region ends with that section (a superset of [types, etypes)).
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

#include "cache.h"
#include "check.h"
#include "elfbuf.h"
#include "buildinfo.h"
#include "errors.h"
#include "gotypes.h"
#include "goversion.h"
#include "moduledata.h"
#include "pclntab.h"
#include "rd.h"

/* ---------------------------------------------------------------- synthetic */

/*
 * The image: one PT_LOAD over the whole file at IMG_BASE; the types region at
 * REG_OFF holds names from offset 8 up, the field types at 0x100/0x140/0x180
 * and struct descriptors at 0x200 + 0x100 * slot; then a RELA table and, for a
 * PIE, a PT_DYNAMIC pointing at it.
 */
#define IMG_BASE 0x400000ULL
#define REG_OFF 0x1000ULL
#define REG_LEN 0x400ULL
#define RELA_OFF (REG_OFF + REG_LEN)
#define DYN_OFF (RELA_OFF + 0x400)
#define IMG_LEN (DYN_OFF + 0x100)
#define TYPES (IMG_BASE + REG_OFF)
#define ETYPES (TYPES + REG_LEN)

struct img {
	uint8_t b[IMG_LEN];
	uint64_t names; /* next free name offset in the region */
	uint64_t nrela;
	bool pie;
};

enum { ENC_BE16, ENC_UVARINT };

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *reg(struct img *m, uint64_t off)
{
	return m->b + REG_OFF + off;
}

/* Write a Go name in the name area; returns its region offset (its nameOff). */
static uint64_t put_name(struct img *m, const char *s, int enc)
{
	uint64_t off = m->names;
	uint8_t *p = reg(m, off);
	size_t n = strlen(s), k = 0;

	p[k++] = 0; /* flags: unexported, no tag, no pkgPath */
	if (enc == ENC_BE16) {
		p[k++] = (uint8_t)(n >> 8);
		p[k++] = (uint8_t)n;
	} else {
		uint64_t v = n;

		do {
			p[k++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			v >>= 7;
		} while (v);
	}
	memcpy(p + k, s, n);
	m->names += k + n;
	if (m->names > 0x100) {
		fprintf(stderr, "synthetic image: name area overflow\n");
		exit(2);
	}
	return off;
}

/* A pointer in the region: in a PIE the file holds 0 and a RELATIVE reloc the value. */
static void put_ptr(struct img *m, uint64_t off, uint64_t vaddr)
{
	uint8_t *r = m->b + RELA_OFF + m->nrela * sizeof(Elf64_Rela);

	if (!m->pie) {
		put64(reg(m, off), vaddr);
		return;
	}
	put64(reg(m, off), 0);
	put64(r, TYPES + off);
	put64(r + 8, R_X86_64_RELATIVE);
	put64(r + 16, vaddr);
	m->nrela++;
}

/* A type descriptor header (abi.Type, 48 bytes) at region offset off. */
static void put_type(struct img *m, uint64_t off, uint64_t size, uint8_t kind, uint32_t str)
{
	uint8_t *h = reg(m, off);

	put64(h, size);
	h[20] = 1 << 1; /* tflagExtraStar */
	h[21] = h[22] = 8;
	h[23] = kind;
	put32(h + 40, str);
}

struct sfield {
	const char *name;
	uint64_t off;
	int type; /* 0: int64 (8 bytes), 1: uint32 (4), 2: a 16-byte struct */
};

/* The usual fields: a int64 @0, b uint32 @8, c struct16 @16 in a 32-byte struct. */
static const struct sfield abc[] = {{"a", 0, 0}, {"b", 8, 1}, {"c", 16, 2}};

struct sdesc {
	const char *name; /* without the star */
	const struct sfield *f;
	size_t nf;
	uint64_t cap; /* the slice's cap; normally nf */
	uint64_t size;
	int enc;
	bool anon; /* offset word is offset<<1 */
	uint8_t kind;
};

/* The struct descriptor d in slot (0 or 1), with the fields' names and types. */
static void put_struct(struct img *m, int slot, const struct sdesc *d)
{
	static const uint64_t tsz[] = {8, 4, 16};
	static const uint8_t tkind[] = {6, 10, 25};
	uint64_t t = 0x200 + 0x100 * slot, fields = t + 80, fname[4], str;
	char star[64];
	size_t i;

	snprintf(star, sizeof(star), "*%s", d->name);
	str = put_name(m, star, d->enc);
	for (i = 0; i < d->nf && i < 4; i++)
		fname[i] = put_name(m, d->f[i].name, d->enc);
	for (i = 0; i < 3; i++)
		put_type(m, 0x100 + 0x40 * i, tsz[i], tkind[i], 0);
	put_type(m, t, d->size, d->kind ? d->kind : 25, (uint32_t)str);
	put_ptr(m, t + 56, TYPES + fields);
	put64(reg(m, t + 64), d->nf);
	put64(reg(m, t + 72), d->cap ? d->cap : d->nf);
	for (i = 0; i < d->nf && i < 4; i++) {
		uint64_t fo = fields + 24 * i;

		put_ptr(m, fo, TYPES + fname[i]);
		put_ptr(m, fo + 8, TYPES + 0x100 + 0x40 * d->f[i].type);
		put64(reg(m, fo + 16), d->anon ? d->f[i].off << 1 : d->f[i].off);
	}
}

/* ELF header, one PT_LOAD over the whole image, and for a PIE a PT_DYNAMIC with DT_RELA. */
static void put_elf(struct img *m, bool drop_relocs)
{
	Elf64_Ehdr eh = {0};
	Elf64_Phdr ph[2] = {0};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = m->pie ? ET_DYN : ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = m->pie ? 2 : 1;
	ph[0].p_type = PT_LOAD;
	ph[0].p_vaddr = IMG_BASE;
	ph[0].p_filesz = ph[0].p_memsz = IMG_LEN;
	ph[1].p_type = PT_DYNAMIC;
	ph[1].p_offset = DYN_OFF;
	ph[1].p_vaddr = IMG_BASE + DYN_OFF;
	ph[1].p_filesz = ph[1].p_memsz = 5 * 16;
	memcpy(m->b, &eh, sizeof(eh));
	memcpy(m->b + sizeof(eh), ph, sizeof(ph));
	if (m->pie) {
		/* Entries in reverse, as no linker promises them sorted. */
		for (uint64_t i = 0; i < m->nrela / 2; i++) {
			uint8_t tmp[sizeof(Elf64_Rela)], *a, *z;

			a = m->b + RELA_OFF + i * sizeof(tmp);
			z = m->b + RELA_OFF + (m->nrela - 1 - i) * sizeof(tmp);
			memcpy(tmp, a, sizeof(tmp));
			memcpy(a, z, sizeof(tmp));
			memcpy(z, tmp, sizeof(tmp));
		}
		put64(m->b + DYN_OFF, DT_RELA);
		put64(m->b + DYN_OFF + 8, IMG_BASE + RELA_OFF);
		put64(m->b + DYN_OFF + 16, DT_RELASZ);
		put64(m->b + DYN_OFF + 24, drop_relocs ? 0 : m->nrela * sizeof(Elf64_Rela));
		put64(m->b + DYN_OFF + 32, DT_RELAENT);
		put64(m->b + DYN_OFF + 40, sizeof(Elf64_Rela));
		put64(m->b + DYN_OFF + 48, DT_NULL);
	}
}

static struct img *img_new(bool pie)
{
	struct img *m = calloc(1, sizeof(*m));

	if (!m)
		exit(2);
	m->pie = pie;
	m->names = 8;
	return m;
}

/* Parse m and look for "main.t"; returns the error and leaves the layout in *out. */
static int img_find(struct img *m, int go_minor, struct gotypes_struct **out)
{
	struct elfbuf *e;
	int err;

	*out = NULL;
	err = elfbuf__new(m->b, sizeof(m->b), &e);
	if (err)
		return err;
	err = gotypes__find_struct(e, TYPES, ETYPES, go_minor, "main.t", out);
	elfbuf__delete(e);
	return err;
}

static void check_abc(const struct gotypes_struct *s)
{
	struct gotypes_field f;

	CHECK_EQ_U64(gotypes__size(s), 32);
	CHECK_EQ_U64(gotypes__field_count(s), 3);
	CHECK_EQ_U64(gotypes__addr(s), TYPES + 0x200);
	CHECK(gotypes__field(s, "a", &f) == 0);
	CHECK_EQ_U64(f.offset, 0);
	CHECK_EQ_U64(f.size, 8);
	CHECK_EQ_U64(f.kind, 6);
	CHECK(gotypes__field(s, "b", &f) == 0);
	CHECK_EQ_U64(f.offset, 8);
	CHECK_EQ_U64(f.size, 4);
	CHECK_EQ_U64(f.kind, 10);
	CHECK(gotypes__field(s, "c", &f) == 0);
	CHECK_EQ_U64(f.offset, 16);
	CHECK_EQ_U64(f.size, 16);
	CHECK_EQ_U64(f.kind, 25);
	CHECK(gotypes__field(s, "d", &f) == -ERRORS__NO_FIELD);
	CHECK_STR(gotypes__field_at(s, 2)->name, "c");
	CHECK(gotypes__field_at(s, 3) == NULL);
}

/* Each layout, as ELF_EXEC and as a PIE whose pointers only relocations hold. */
static void test_synthetic_layouts(void)
{
	static const struct {
		int enc;
		bool anon;
		int min_minor, good_minor, bad_minor;
	} cases[] = {
		{ENC_BE16, false, 7, 8, 14},
		{ENC_BE16, true, 9, 14, 17},
		{ENC_UVARINT, true, 17, 18, 19},
		{ENC_UVARINT, false, 19, 26, 18},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int pie = 0; pie < 2; pie++) {
			struct sdesc d = {"main.t", abc, 3, 0, 32, cases[i].enc, cases[i].anon};
			struct gotypes_struct *s;
			struct img *m = img_new(pie);

			put_struct(m, 0, &d);
			put_elf(m, false);
			CHECK(img_find(m, 0, &s) == 0);
			if (s) {
				check_abc(s);
				CHECK_EQ_U64(gotypes__layout_min_minor(s), cases[i].min_minor);
			}
			gotypes__delete(s);
			CHECK(img_find(m, cases[i].good_minor, &s) == 0);
			if (s)
				check_abc(s);
			gotypes__delete(s);
			/* The neighbouring version's layout must not read it. */
			CHECK(img_find(m, cases[i].bad_minor, &s) == -ERRORS__NO_TYPE);
			CHECK(s == NULL);
			if (pie) {
				/* Without its relocations a PIE's pointers are 0. */
				put_elf(m, true);
				CHECK(img_find(m, 0, &s) == -ERRORS__NO_TYPE);
				gotypes__delete(s);
			}
			free(m);
		}
	}
}

/* Descriptors that break one rule each must be refused. */
static void test_synthetic_corrupt(void)
{
	static const struct sfield overlap[] = {{"a", 0, 0}, {"b", 4, 1}, {"c", 16, 2}};
	static const struct sfield backwards[] = {{"a", 8, 0}, {"b", 0, 1}, {"c", 16, 2}};
	static const struct sfield badname[] = {{"a", 0, 0}, {"b c", 8, 1}, {"c", 16, 2}};
	const struct sdesc ds[] = {
		{"main.t", overlap, 3, 0, 32, ENC_UVARINT, false},
		{"main.t", backwards, 3, 0, 32, ENC_UVARINT, false},
		{"main.t", badname, 3, 0, 32, ENC_UVARINT, false},
		{"main.t", abc, 3, 4, 32, ENC_UVARINT, false},	   /* len != cap */
		{"main.t", abc, 3, 0, 24, ENC_UVARINT, false},	   /* c past the end */
		{"main.t", abc, 3, 0, 32, ENC_UVARINT, false, 22}, /* kind Pointer */
		{"main.tt", abc, 3, 0, 32, ENC_UVARINT, false},	   /* another name */
	};

	for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		struct gotypes_struct *s;
		struct img *m = img_new(false);

		put_struct(m, 0, &ds[i]);
		put_elf(m, false);
		CHECK(img_find(m, 0, &s) == -ERRORS__NO_TYPE);
		CHECK(s == NULL);
		gotypes__delete(s);
		free(m);
	}

	/* A fields pointer out of the region, and a field name pointer into nothing. */
	for (int k = 0; k < 2; k++) {
		struct sdesc d = {"main.t", abc, 3, 0, 32, ENC_UVARINT, false};
		struct gotypes_struct *s;
		struct img *m = img_new(false);

		put_struct(m, 0, &d);
		put64(reg(m, k == 0 ? 0x200 + 56 : 0x200 + 80 + 24), ETYPES + 0x10);
		put_elf(m, false);
		CHECK(img_find(m, 0, &s) == -ERRORS__NO_TYPE);
		gotypes__delete(s);
		free(m);
	}
}

static void test_synthetic_misc(void)
{
	static const struct sfield longf[] = {{"a", 0, 0},
					      {"averyveryverylongfieldnamepastthirtytwo", 8, 1}};
	struct sdesc d = {"main.t", abc, 3, 0, 32, ENC_UVARINT, false};
	struct gotypes_struct *s;
	struct gotypes_field f;
	struct elfbuf *e;
	struct img *m;

	/* Two valid descriptors of the name that disagree: refuse to pick. */
	m = img_new(false);
	put_struct(m, 0, &d);
	d.f = longf;
	d.nf = 2;
	d.size = 16;
	put_struct(m, 1, &d);
	put_elf(m, false);
	CHECK(img_find(m, 0, &s) == -ERRORS__FORMAT);
	free(m);

	/* A name longer than the field's buffer is cut and matches no lookup. */
	m = img_new(false);
	put_struct(m, 0, &d);
	put_elf(m, false);
	CHECK(img_find(m, 0, &s) == 0);
	if (s) {
		const struct gotypes_field *l = gotypes__field_at(s, 1);

		CHECK(strlen(l->name) == sizeof(l->name) - 1);
		CHECK(!strncmp(l->name, longf[1].name, sizeof(l->name) - 1));
		CHECK(gotypes__field(s, l->name, &f) == -ERRORS__NO_FIELD);
		CHECK(gotypes__field(s, longf[1].name, &f) == -ERRORS__NO_FIELD);
		CHECK(gotypes__field(s, "a", &f) == 0);
	}
	gotypes__delete(s);

	/* Bad arguments, a region outside the file, and delete(NULL). */
	CHECK(elfbuf__new(m->b, sizeof(m->b), &e) == 0);
	if (e) {
		CHECK(gotypes__find_struct(e, ETYPES, TYPES, 0, "main.t", &s) == -EINVAL);
		CHECK(gotypes__find_struct(e, TYPES, ETYPES, 0, "", &s) == -EINVAL);
		CHECK(gotypes__find_struct(e, TYPES, IMG_BASE + IMG_LEN + 8, 0, "main.t", &s) ==
		      -ERRORS__TRUNCATED);
		CHECK(gotypes__find_struct(e, TYPES, ETYPES, 0, "main.u", &s) == -ERRORS__NO_TYPE);
	}
	elfbuf__delete(e);
	gotypes__delete(NULL);
	free(m);
}

/*
 * Random byte damage to a valid image (a PIE, so relocations are damaged too):
 * the search may fail, but must stay in bounds (run under the sanitizer build)
 * and anything it accepts must still be a valid layout.
 */
static void test_synthetic_damage(void)
{
	struct sdesc d = {"main.t", abc, 3, 0, 32, ENC_UVARINT, false};
	struct img *m = img_new(true), *w = malloc(sizeof(*m));
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int found = 0;

	put_struct(m, 0, &d);
	put_elf(m, false);
	for (int it = 0; it < 20000 && w; it++) {
		struct gotypes_struct *s;
		int n = 1 + it % 4;

		memcpy(w, m, sizeof(*m));
		for (int k = 0; k < n; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			/* Mostly the region and the relocations, sometimes anywhere. */
			uint64_t at =
				it % 8 ? REG_OFF + seed % (IMG_LEN - REG_OFF) : seed % IMG_LEN;

			w->b[at] = (uint8_t)(seed >> 32);
		}
		if (img_find(w, it % 3 ? 0 : 19, &s) != 0)
			continue;
		found++;
		uint64_t end = 0;

		for (size_t i = 0; i < gotypes__field_count(s); i++) {
			const struct gotypes_field *f = gotypes__field_at(s, i);

			CHECK(f->offset >= end && f->offset + f->size <= gotypes__size(s));
			end = f->offset + f->size;
		}
		gotypes__delete(s);
	}
	CHECK(found > 0);
	free(w);
	free(m);
}

/* ------------------------------------------------------------ real binaries */

/* snprintf for paths and commands: false (and the test fails) when it would not fit. */
static bool __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = vsnprintf(buf, n, f, ap);
	va_end(ap);
	CHECK(r >= 0 && (size_t)r < n);
	return r >= 0 && (size_t)r < n;
}

struct ofield {
	char name[64];
	uint64_t off, size;
};

struct layout {
	uint64_t size;
	size_t n;
	struct ofield f[256];
};

/* runtime.g as pahole reads it from the binary's DWARF; 0 or -1 when it cannot. */
static int pahole_layout(const char *path, struct layout *l)
{
	char cmd[4200], line[512];
	FILE *p;

	memset(l, 0, sizeof(*l));
	fmt(cmd, sizeof(cmd), "pahole -C runtime.g '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *semi = strstr(line, "; "), *c = strstr(line, "/*"), *b;
		unsigned long long off, size;

		if (strstr(line, "/* size: ") &&
		    sscanf(strstr(line, "/* size: "), "/* size: %llu", &size) == 1)
			l->size = size;
		/* A member: tab, type, name, ';', then the offset and size in a comment. */
		if (line[0] != '\t' || line[1] == '\t' || line[1] == '/' || !semi || !c || c < semi)
			continue;
		if (sscanf(c, "/* %llu %llu", &off, &size) != 2 || l->n == 256)
			continue;
		*semi = 0;
		for (b = semi; b > line && b[-1] != ' ' && b[-1] != '\t' && b[-1] != '*'; b--)
			;
		snprintf(l->f[l->n].name, sizeof(l->f[l->n].name), "%.63s", b);
		l->f[l->n].off = off;
		l->f[l->n].size = size;
		l->n++;
	}
	pclose(p);
	return l->n && l->size ? 0 : -1;
}

static const struct elfbuf_section *section_of(const struct elfbuf *e, const char *const *names)
{
	for (; *names; names++) {
		const struct elfbuf_section *s = elfbuf__section_by_name(e, *names);

		if (s)
			return s;
	}
	return NULL;
}

/* Does a well-formed Go name start at region offset off? Either length encoding. */
static bool plausible_name(const uint8_t *r, size_t len, uint64_t off, bool star)
{
	for (int enc = 0; enc < 2; enc++) {
		uint64_t n, at;
		bool ok = true;

		if (!rd__in(len, off, 3) || r[off] > 0x0f)
			return false;
		if (enc == ENC_BE16) {
			n = (uint64_t)r[off + 1] << 8 | r[off + 2];
			at = off + 3;
		} else {
			size_t k = rd__uvarint(r, len, off + 1, &n);

			if (!k)
				continue;
			at = off + 1 + k;
		}
		if (n == 0 || n > 4096 || !rd__in(len, at, n) || (star && r[at] != '*'))
			continue;
		for (uint64_t i = 0; i < n && ok; i++)
			ok = r[at + i] >= ' ' && r[at + i] != 0x7f; /* "*struct { n int }" */
		if (ok)
			return true;
	}
	return false;
}

/* Is every (sampled) typelink a well-formed descriptor if the region starts at r? */
static bool typelinks_fit(const uint8_t *tl, size_t ntl, const uint8_t *r, size_t len)
{
	size_t step = ntl > 256 ? ntl / 256 : 1;

	for (size_t i = 0; i < ntl; i += step) {
		int32_t t = (int32_t)rd__le32(tl + 4 * i);
		const uint8_t *h;

		if (t < 0 || t % 8 || !rd__in(len, t, 48))
			return false;
		h = r + t;
		if ((h[23] & 31) == 0 || (h[23] & 31) > 26 || !h[21] || (h[21] & (h[21] - 1)) ||
		    h[21] > 64)
			return false;
		if (!plausible_name(r, len, rd__le32(h + 40), h[20] & 2))
			return false;
	}
	return true;
}

/* The types region of a binary without symbols (see the top of the file). */
static int region_from_typelinks(const struct elfbuf *e, uint64_t *types, uint64_t *etypes)
{
	static const char *const tlnames[] = {".typelink", ".data.rel.ro.typelink", NULL};
	static const char *const homes[] = {".data.rel.ro", ".rodata", NULL};
	static const char *const own[] = {".go.type", ".data.rel.ro.go.type", NULL};
	const struct elfbuf_section *tls = section_of(e, tlnames), *gt = section_of(e, own);
	const uint8_t *tl;
	size_t ntl;

	/* go1.27 gives the types a section of their own, and drops .typelink. */
	if (gt) {
		*types = gt->addr;
		*etypes = gt->addr + gt->size;
		return 0;
	}
	if (!tls || elfbuf__section_data(e, tls, &tl, &ntl) || ntl < 4)
		return -1;
	ntl /= 4;
	for (const char *const *h = homes; *h; h++) {
		const struct elfbuf_section *s = elfbuf__section_by_name(e, *h);
		const uint8_t *d;
		size_t n;

		if (!s || elfbuf__section_data(e, s, &d, &n))
			continue;
		for (uint64_t skip = 0; skip < n && skip < 0x10000; skip += 8) {
			if (typelinks_fit(tl, ntl, d + skip, n - skip)) {
				*types = s->addr + skip;
				*etypes = s->addr + s->size;
				return 0;
			}
		}
	}
	return -1;
}

/* [types, etypes) from runtime.firstmoduledata, the resolver's own way. */
static int region_from_moduledata(const struct elfbuf *e, uint64_t *types, uint64_t *etypes)
{
	struct pclntab_loc loc;
	struct moduledata md;
	int err;

	err = pclntab__locate(e, &loc);
	if (!err)
		err = moduledata__find(e, &loc, 0, &md);
	if (err)
		return err;
	*types = md.types;
	*etypes = md.etypes;
	return 0;
}

struct result {
	int err;
	double ms;
	const char *region; /* "symtab", "modata" or "typelink" */
	struct layout l;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * runtime.g from the type descriptors of path, with go_minor and with 0 (both
 * must agree), in the region from the symbols, else moduledata, else typelinks
 * (which must agree where more than one answers).
 */
static void descriptor_layout(const char *path, int go_minor, struct result *res)
{
	uint64_t t = 0, et = 0, tt = 0, tet = 0, mt = 0, met = 0;
	struct gotypes_struct *s = NULL, *s0 = NULL;
	struct elfbuf *e;
	bool have_sym, have_tl, have_md;
	double t0;
	int err;

	memset(res, 0, sizeof(*res));
	res->err = elfbuf__open_path(path, &e);
	CHECK(res->err == 0);
	if (res->err)
		return;
	have_sym = !elfbuf__symbol(e, "runtime.types", &t, NULL) &&
		   !elfbuf__symbol(e, "runtime.etypes", &et, NULL);
	have_tl = !region_from_typelinks(e, &tt, &tet);
	err = region_from_moduledata(e, &mt, &met);
	have_md = !err;
	if (!have_md)
		fprintf(stderr, "%s: moduledata not found (%s), region from %s\n", path,
			errors__str(err), have_sym ? "symbols" : "typelinks");
	if (have_sym && have_md) {
		/* moduledata holds exactly what the symbols name. */
		CHECK_EQ_U64(mt, t);
		CHECK_EQ_U64(met, et);
	}
	if (have_md && have_tl)
		CHECK_EQ_U64(tt, mt);
	if (have_sym && have_tl) {
		/*
		 * The fallback must find the start the symbols say; its end, the
		 * section's, may run past etypes (C rodata after Go's in an external
		 * link, a few Go symbols after the types from go1.21), never before.
		 */
		CHECK_EQ_U64(tt, t);
		CHECK(tet >= et && tet - et < 0x10000);
	}
	res->region = have_sym ? "symtab" : have_md ? "modata" : "typelink";
	if (!have_sym && have_md) {
		t = mt;
		et = met;
	} else if (!have_sym) {
		t = tt;
		et = tet;
	}
	CHECK(have_sym || have_md || have_tl);
	if (!have_sym && !have_md && !have_tl) {
		fprintf(stderr, "%s: no types region found\n", path);
		res->err = -ERRORS__NO_TYPE;
		elfbuf__delete(e);
		return;
	}
	t0 = now_ms();
	res->err = gotypes__find_struct(e, t, et, go_minor, "runtime.g", &s);
	res->ms = now_ms() - t0;
	CHECK(res->err == 0);
	if (res->err) {
		fprintf(stderr, "%s: gotypes__find_struct: %s\n", path, errors__str(res->err));
	} else {
		res->l.size = gotypes__size(s);
		for (size_t i = 0; i < gotypes__field_count(s) && i < 256; i++) {
			const struct gotypes_field *f = gotypes__field_at(s, i);

			snprintf(res->l.f[i].name, sizeof(res->l.f[i].name), "%s", f->name);
			res->l.f[i].off = f->offset;
			res->l.f[i].size = f->size;
			res->l.n++;
		}
		/* Not knowing the version must give the same answer. */
		CHECK(gotypes__find_struct(e, t, et, 0, "runtime.g", &s0) == 0);
		if (s0) {
			CHECK_EQ_U64(gotypes__addr(s0), gotypes__addr(s));
			CHECK_EQ_U64(gotypes__field_count(s0), gotypes__field_count(s));
			CHECK_EQ_U64(gotypes__layout_min_minor(s0), go_minor >= 19 ? 19 :
								    go_minor >= 17 ? 17 :
								    go_minor >= 9  ? 9 :
										     7);
		}
	}
	gotypes__delete(s);
	gotypes__delete(s0);
	elfbuf__delete(e);
}

/* Every field, in order, with the same offset and size (and the struct size). */
static bool same_fields(const char *what, const struct layout *a, const struct layout *b)
{
	bool ok = a->n == b->n && a->size == b->size;

	for (size_t i = 0; ok && i < a->n; i++)
		ok = !strcmp(a->f[i].name, b->f[i].name) && a->f[i].off == b->f[i].off &&
		     a->f[i].size == b->f[i].size;
	if (!ok) {
		fprintf(stderr, "%s: layouts differ (%zu fields, size %llu vs %zu, %llu)\n", what,
			a->n, (unsigned long long)a->size, b->n, (unsigned long long)b->size);
		for (size_t i = 0; i < a->n || i < b->n; i++) {
			if (i < a->n && i < b->n && !strcmp(a->f[i].name, b->f[i].name) &&
			    a->f[i].off == b->f[i].off && a->f[i].size == b->f[i].size)
				continue;
			fprintf(stderr, "  %-24s %5llu %4llu | %-24s %5llu %4llu\n",
				i < a->n ? a->f[i].name : "",
				i < a->n ? (unsigned long long)a->f[i].off : 0,
				i < a->n ? (unsigned long long)a->f[i].size : 0,
				i < b->n ? b->f[i].name : "",
				i < b->n ? (unsigned long long)b->f[i].off : 0,
				i < b->n ? (unsigned long long)b->f[i].size : 0);
		}
	}
	return ok;
}

static const struct ofield *field_of(const struct layout *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->f[i].name, name))
			return &l->f[i];
	return NULL;
}

/* The fields the tracer reads must be there, with the sizes it reads them at. */
static void check_needed(const char *path, const struct layout *l)
{
	static const struct {
		const char *name;
		uint64_t size;
	} need[] = {{"goid", 8}, {"atomicstatus", 4}, {"waitreason", 1},
		    {"m", 8},	 {"stack", 16},	      {"sched", 0}};

	CHECK(l->size >= 200 && l->size <= 1024);
	CHECK(l->n >= 20 && l->n <= 100);
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		const struct ofield *f = field_of(l, need[i].name);

		CHECK(f != NULL);
		if (!f)
			fprintf(stderr, "%s: runtime.g has no %s\n", path, need[i].name);
		else if (need[i].size)
			CHECK_EQ_U64(f->size, need[i].size);
	}
}

static void fmt_off(char *buf, size_t n, const struct layout *l, const char *name)
{
	const struct ofield *f = l ? field_of(l, name) : NULL;

	if (f)
		snprintf(buf, n, "%llu", (unsigned long long)f->off);
	else
		snprintf(buf, n, "-");
}

/* One row of the report: descriptor offsets vs the oracle's. */
static void row(const char *label, int go_minor, const struct result *r, const struct layout *o,
		const char *oname)
{
	static const char *const cols[] = {"goid", "atomicstatus", "waitreason", "parentGoid"};
	char a[16], b[16];

	printf("%-40s go1.%-3d", label, go_minor);
	for (int i = 0; i < 4; i++) {
		fmt_off(a, sizeof(a), r->err ? NULL : &r->l, cols[i]);
		fmt_off(b, sizeof(b), o, cols[i]);
		printf(" %4s/%-4s", a, b);
	}
	printf(" %-8s %-8s %7.3fms\n", oname, r->region ? r->region : "-", r->ms);
}

static void header(void)
{
	printf("%-40s %-7s %9s %9s %9s %9s %-8s %-8s %9s\n", "binary", "go", "goid", "atomicst",
	       "waitrsn", "parentG", "oracle", "region", "time");
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "failed (%d): %s\n", rc, cmd);
	return rc;
}

/* Build twins of a small program with the system Go and check them against pahole. */
static void test_system_go(void)
{
	static const struct {
		const char *name, *env, *flags;
	} modes[] = {
		{"dwarf", "", ""},
		{"stripped", "", "-ldflags='-s -w'"},
		{"pie", "", "-buildmode=pie"},
		{"pie-stripped", "", "-buildmode=pie -ldflags='-s -w'"},
		{"extld", "CGO_ENABLED=1", "-ldflags=-linkmode=external"},
		{"extld-stripped", "CGO_ENABLED=1", "-ldflags='-linkmode=external -s -w'"},
	};
	const char *go = getenv("GO");
	char dir[] = "/tmp/test_gotypes.XXXXXX", cmd[8192], path[4200], ver[64] = "";
	struct layout *dwarf = calloc(1, sizeof(*dwarf)), *o = calloc(1, sizeof(*o));
	struct result *r = calloc(1, sizeof(*r));
	int minor = 0;
	FILE *p;

	if (!go || !*go)
		go = "go";
	fmt(cmd, sizeof(cmd), "'%s' env GOVERSION 2>/dev/null", go);
	p = popen(cmd, "r");
	if (p) {
		if (!fgets(ver, sizeof(ver), p))
			ver[0] = 0;
		ver[strcspn(ver, "\n")] = 0;
		pclose(p);
	}
	if (sscanf(ver, "go1.%d", &minor) != 1) {
		CHECK_SKIP("system-go twins: no Go toolchain (set GO=)");
		goto out;
	}
	if (!mkdtemp(dir)) {
		CHECK(0);
		goto out;
	}
	fmt(cmd, sizeof(cmd),
	    "cd %s && printf 'module twin\\ngo 1.%d\\n' >go.mod && "
	    "printf 'package main\\n\\nimport \"fmt\"\\n\\nfunc main() {\\n"
	    "\\tc := make(chan int)\\n\\tgo func() { c <- 1 }()\\n\\tfmt.Println(<-c)\\n}\\n' "
	    ">main.go",
	    dir, minor < 16 ? minor : 16);
	CHECK(run(cmd) == 0);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		bool stripped = strstr(modes[i].name, "stripped");

		fmt(path, sizeof(path), "%s/%s", dir, modes[i].name);
		fmt(cmd, sizeof(cmd),
		    "cd %s && GO111MODULE=on GOPROXY=off GOFLAGS=-mod=mod %s '%s' build %s "
		    "-o %s . >build-%s.log 2>&1",
		    dir, modes[i].env, go, modes[i].flags, modes[i].name, modes[i].name);
		CHECK(run(cmd) == 0);
		descriptor_layout(path, minor, r);
		if (!stripped) {
			/* Its own DWARF is the oracle. */
			CHECK(pahole_layout(path, o) == 0);
			CHECK(same_fields(path, &r->l, o));
			if (i == 0)
				*dwarf = *o;
		} else {
			*o = *dwarf;
		}
		/* Every variant of one toolchain has one runtime.g: the unstripped twin's. */
		CHECK(same_fields(path, &r->l, dwarf));
		check_needed(path, &r->l);
		fmt(path, sizeof(path), "system %s %s", ver, modes[i].name);
		row(path, minor, r, o, stripped ? "twin" : "pahole");
	}
	fmt(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
out:
	free(dwarf);
	free(o);
	free(r);
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

/* The pahole layout of each Go minor version seen, for the npm binaries to meet. */
static struct layout *by_minor[64];

/* One fixture directory go1.NN: DWARF builds against pahole, the rest against <prog>-dwarf. */
static void test_fixture_dir(const char *dir, int minor, int *count)
{
	char *names[256], path[4200], twin[4200], label[128];
	struct layout *o = calloc(1, sizeof(*o));
	struct result *r = calloc(1, sizeof(*r));
	size_t n = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp || !o || !r)
		goto out;
	while ((d = readdir(dp)) && n < 256) {
		size_t l = strlen(d->d_name);

		if (d->d_name[0] == '.' || (l > 6 && !strcmp(d->d_name + l - 6, ".stamp")) ||
		    (l > 4 && !strcmp(d->d_name + l - 4, ".log")))
			continue;
		names[n++] = strdup(d->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		const char *dash = strrchr(names[i], '-');
		struct stat st;
		const char *oname;

		if (!fmt(path, sizeof(path), "%s/%s", dir, names[i]))
			continue;
		if (stat(path, &st) || !S_ISREG(st.st_mode) || !dash)
			continue;
		if (has_dwarf(path)) {
			oname = "pahole";
			fmt(twin, sizeof(twin), "%s", path);
		} else {
			oname = "twin";
			fmt(twin, sizeof(twin), "%s/%.*s-dwarf", dir, (int)(dash - names[i]),
			    names[i]);
		}
		descriptor_layout(path, minor, r);
		(*count)++;
		if (!r->err)
			check_needed(path, &r->l);
		if (pahole_layout(twin, o)) {
			fprintf(stderr, "%s: no DWARF oracle (%s)\n", path, twin);
			CHECK(0);
		} else {
			CHECK(same_fields(path, &r->l, o));
			if (minor > 0 && minor < 64 && !by_minor[minor]) {
				by_minor[minor] = malloc(sizeof(*o));
				if (by_minor[minor])
					*by_minor[minor] = *o;
			}
		}
		fmt(label, sizeof(label), "go1.%d/%s", minor, names[i]);
		row(label, minor, r, o, oname);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(o);
	free(r);
}

static void test_fixtures(void)
{
	char root[4096], dir[4200];
	struct dirent *d;
	DIR *dp;
	int count = 0;

	cache_root(root, sizeof(root));
	fmt(dir, sizeof(dir), "%s/fixtures", root);
	dp = opendir(dir);
	if (!dp) {
		CHECK_SKIP("fixtures: %s does not exist (scripts/fixtures.sh makes it)", dir);
		return;
	}
	while ((d = readdir(dp))) {
		char sub[4400];
		int minor;

		if (sscanf(d->d_name, "go1.%d", &minor) != 1)
			continue;
		if (!fmt(sub, sizeof(sub), "%s/%s", dir, d->d_name))
			continue;
		test_fixture_dir(sub, minor, &count);
	}
	closedir(dp);
	printf("%d fixture binaries checked\n", count);
}

/* The Go minor version buildinfo__read() finds (0 if none), as the resolver reads it. */
static int buildinfo_minor(const char *path)
{
	struct buildinfo bi;
	struct goversion v;
	struct elfbuf *e;
	int minor = 0;

	if (elfbuf__open_path(path, &e))
		return 0;
	if (!buildinfo__read(e, &bi) && !goversion__parse(bi.version, &v) && v.major == 1)
		minor = v.minor;
	elfbuf__delete(e);
	return minor;
}

/* The Go version the binary's build info names, from `go version` (0 if unknown). */
static int go_minor_of(const char *path)
{
	const char *go = getenv("GO");
	char cmd[8800], out[4400] = "", *v;
	int minor = 0;
	FILE *p;

	fmt(cmd, sizeof(cmd), "'%s' version '%s' 2>/dev/null", go && *go ? go : "go", path);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	if (fgets(out, sizeof(out), p) && (v = strstr(out, ": go1.")))
		sscanf(v, ": go1.%d", &minor);
	pclose(p);
	return minor;
}

/* The esbuild binaries from npm: stripped, go1.14 on; no DWARF anywhere. */
static void test_npm(void)
{
	char root[4096], dir[4200], path[4400], label[128];
	struct result *r = calloc(1, sizeof(*r));
	char *names[256];
	size_t n = 0;
	struct dirent *d;
	DIR *dp;

	cache_root(root, sizeof(root));
	fmt(dir, sizeof(dir), "%s/npm", root);
	dp = opendir(dir);
	if (!dp || !r) {
		CHECK_SKIP("npm: %s does not exist (scripts/fixtures.sh makes it)", dir);
		free(r);
		if (dp)
			closedir(dp);
		return;
	}
	while ((d = readdir(dp)) && n < 256)
		if (d->d_name[0] != '.')
			names[n++] = strdup(d->d_name);
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		int minor;

		if (!fmt(path, sizeof(path), "%s/%s/package/bin/esbuild", dir, names[i]))
			continue;
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		/*
		 * esbuild from 0.25 or so carries no build info blob, and `go version`
		 * cannot tell; buildinfo finds runtime.buildVersion then. Where both
		 * answer they must agree.
		 */
		minor = buildinfo_minor(path);
		CHECK(minor > 0);
		if (go_minor_of(path))
			CHECK_EQ_U64(go_minor_of(path), minor);
		descriptor_layout(path, minor, r);
		if (!r->err)
			check_needed(path, &r->l);
		/* The same Go minor's runtime.g, where a DWARF fixture of it was seen. */
		if (minor > 0 && minor < 64 && by_minor[minor])
			CHECK(same_fields(path, &r->l, by_minor[minor]));
		fmt(label, sizeof(label), "npm %s", names[i]);
		row(label, minor, r, minor > 0 && minor < 64 ? by_minor[minor] : NULL,
		    minor > 0 && minor < 64 && by_minor[minor] ? "fixture" : "-");
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(r);
}

/*
 * The toolchains in the cache are stripped Go programs too (Debian strips
 * them); `go` and `compile` of each, against that minor's DWARF fixture.
 */
static void test_toolchains(void)
{
	static const char *const progs[] = {"bin/go", "pkg/tool/linux_amd64/compile"};
	char root[4096], path[4400], label[128];
	struct result *r = calloc(1, sizeof(*r));

	cache_root(root, sizeof(root));
	for (int minor = 1; minor < 64 && r; minor++) {
		for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
			struct stat st;

			if (!fmt(path, sizeof(path), "%s/go/1.%d/usr/lib/go-1.%d/%s", root, minor,
				 minor, progs[i]) ||
			    stat(path, &st) || !S_ISREG(st.st_mode))
				continue;
			descriptor_layout(path, minor, r);
			if (!r->err)
				check_needed(path, &r->l);
			if (by_minor[minor])
				CHECK(same_fields(path, &r->l, by_minor[minor]));
			fmt(label, sizeof(label), "toolchain 1.%d %s", minor,
			    strrchr(progs[i], '/') + 1);
			row(label, minor, r, by_minor[minor], by_minor[minor] ? "fixture" : "-");
		}
	}
	free(r);
}

int main(void)
{
	test_synthetic_layouts();
	test_synthetic_corrupt();
	test_synthetic_misc();
	test_synthetic_damage();
	header();
	test_system_go();
	test_fixtures();
	test_npm();
	test_toolchains();
	for (int i = 0; i < 64; i++)
		free(by_minor[i]);
	return check_done("test_gotypes");
}
