// SPDX-License-Identifier: GPL-2.0
/*
 * mkseeds: small synthetic seeds for the fuzz targets, written as
 * OUTDIR/<target>/synth-*: function tables in each header format, .go.buildinfo
 * blobs of both formats (laid out for fuzz_buildinfo's two mappings), Go-like
 * ELF executables of a few KB (a function table, a buildinfo blob, symbols,
 * build-id notes) and a profile. The real binaries give large seeds; these
 * small ones let the fuzzer try many more mutations a second on the same paths.
 * Usage: fuzz_mkseeds OUTDIR (whose <target>/ directories exist).
 *
 * fuzz_mkseeds gotypes BINARY MINOR OUT: fuzz_gotypes inputs cut from a real
 * binary with a symbol table: OUT, its whole types region, and OUT-window, 8 KB
 * around runtime.g's descriptor (found with gotypes itself: the linker keeps
 * no symbol for it), each behind the 16-byte header fuzz_gotypes reads.
 *
 * fuzz_mkseeds probepoint BINARY STACK_ABI OUT: fuzz_probepoint inputs, the code
 * of the functions the tracer probes (OUT-casgstatus, ...) behind their header.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfbuf.h"
#include "gobin.h"
#include "gotypes.h"
#include "probepoint.h"
#include "profile.h"
#include "resolver.h"
#include "synth_pclntab.h"

#define TEXT 0x401000
#define RODATA 0x480000
#define DATA 0x500000
#define NFUNC 6
/* fuzz_buildinfo maps its input read-only here and writable at DATA. */
#define RO_BASE 0x400000

static const char *outdir;

static void save(const char *target, const char *name, const void *d, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/synth-%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(d, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* A go1.18+ blob: header, then the version and the framed module info inline. */
static size_t inline_blob(uint8_t *b, const char *version, const char *modinfo)
{
	static const char start[] = "0w\xaf\x0c\x92t\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6";
	static const char end[] = "\xf9\x32\x43\x31\x86\x18 r\x00\x82\x42\x10\x41\x16\xd8\xf2";
	size_t n = 32, vl = strlen(version), ml = strlen(modinfo);

	memset(b, 0, 32);
	memcpy(b, "\xff Go buildinf:", 14);
	b[14] = 8;
	b[15] = 2;
	b[n++] = (uint8_t)vl; /* lengths below 128: one uvarint byte */
	memcpy(b + n, version, vl);
	n += vl;
	b[n++] = (uint8_t)(ml + 32);
	memcpy(b + n, start, 16);
	memcpy(b + n + 16, modinfo, ml);
	memcpy(b + n + 16 + ml, end, 16);
	return n + ml + 32;
}

static void buildinfo_seeds(void)
{
	static const char mod[] = "path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\n";
	uint8_t b[512];
	size_t n;

	n = inline_blob(b, "go1.21.13", mod);
	save("buildinfo", "inline-1.21", b, n);
	n = inline_blob(b, "devel go1.23-e8ee1dc4f9 Sat Jun 1 12:00:00 2024 +0000", "");
	save("buildinfo", "inline-devel", b, n);
	/* go1.13-1.17: pointers (into the writable mapping) to two string headers. */
	memset(b, 0, sizeof(b));
	memcpy(b, "\xff Go buildinf:", 14);
	b[14] = 8;
	put64(b + 16, DATA + 32);
	put64(b + 24, DATA + 48);
	put64(b + 32, RO_BASE + 64);
	put64(b + 40, 9);
	put64(b + 48, RO_BASE + 80);
	put64(b + 56, strlen(mod) + 32);
	memcpy(b + 64, "go1.16.15", 9);
	memcpy(b + 80 + 16, mod, strlen(mod));
	save("buildinfo", "pointers-1.16", b, 80 + strlen(mod) + 32);
	/* No blob: a runtime.buildVersion string header for the scan to find. */
	memset(b, 0, sizeof(b));
	put64(b, RO_BASE + 16);
	put64(b + 8, 8);
	memcpy(b + 16, "go1.19.3", 8);
	save("buildinfo", "buildversion", b, 24);
}

static void pclntab_seeds(void)
{
	static const struct {
		enum pclntab_version v;
		unsigned int ps, q;
		uint64_t hdr_text;
		const char *name;
	} tabs[] = {
		/* clang-format off */
		{PCLNTAB_VER_12, 8, 1, 0, "1.2"},
		{PCLNTAB_VER_116, 8, 1, 0, "1.16"},
		{PCLNTAB_VER_116, 4, 4, 0, "1.16-ps4"},
		{PCLNTAB_VER_118, 8, 1, TEXT, "1.18"},
		{PCLNTAB_VER_120, 8, 1, TEXT, "1.20"},
		{PCLNTAB_VER_120, 8, 1, 0, "1.26"},
		/* clang-format on */
	};
	static uint8_t b[1 << 16];

	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		struct synth_tab t = synth_pclntab(b, sizeof(b), tabs[i].v, tabs[i].ps, tabs[i].q,
						   TEXT, tabs[i].hdr_text, NFUNC);

		save("pclntab", tabs[i].name, b, t.len);
	}
}

/* A note: namesz, descsz, type, then the padded name and descriptor. */
static size_t note(uint8_t *b, const char *owner, uint32_t type, const void *desc, size_t n)
{
	size_t on = strlen(owner) + 1, oa = (on + 3) & ~3UL;

	memset(b, 0, 12 + oa + ((n + 3) & ~3UL));
	put32(b, on);
	put32(b + 4, n);
	put32(b + 8, type);
	memcpy(b + 12, owner, on);
	memcpy(b + 12 + oa, desc, n);
	return 12 + oa + ((n + 3) & ~3UL);
}

/* A Go-like executable of a few KB; the resolver can find casgstatus and a version in it. */
static void elf_seed(enum pclntab_version v, int with_sections, const char *name)
{
	static uint8_t tab[1 << 16], text[NFUNC * SYNTH_FSIZE];
	uint8_t data[512], gnu[64], gonote[64];
	size_t n, ng, ngo, len;
	struct synth s;
	uint8_t *img;
	int rx, ro, rw;

	struct synth_tab t = synth_pclntab(tab, sizeof(tab), v, 8, 1, TEXT, TEXT, NFUNC);
	n = inline_blob(data, "go1.21.13", "");
	ng = note(gnu, "GNU", 3, "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67", 12);
	ngo = note(gonote, "Go", 4, "abc/def/ghi", 11);
	synth_init(&s);
	s.with_sections = with_sections;
	memset(text, 0xcc, sizeof(text));
	rx = synth_segment(&s, PT_LOAD, PF_R | PF_X, TEXT, text, sizeof(text));
	ro = synth_segment(&s, PT_LOAD, PF_R, RODATA, tab, t.len);
	rw = synth_segment(&s, PT_LOAD, PF_R | PF_W, DATA, data, n);
	synth_section(&s, ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, rx, 0, sizeof(text));
	synth_section(&s, ".gopclntab", SHT_PROGBITS, SHF_ALLOC, ro, 0, t.len);
	synth_section(&s, ".go.buildinfo", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, rw, 0, n);
	s.sec[s.nsec++] = (struct synth_sec){
		.name = ".note.gnu.build-id", .type = SHT_NOTE, .seg = -1, .data = gnu, .size = ng};
	s.sec[s.nsec++] = (struct synth_sec){.name = ".note.go.buildid",
					     .type = SHT_NOTE,
					     .seg = -1,
					     .data = gonote,
					     .size = ngo};
	synth_symbol(&s, "runtime.casgstatus", TEXT + SYNTH_FSIZE, SYNTH_FSIZE);
	synth_symbol(&s, "main.main", TEXT, SYNTH_FSIZE);
	img = synth_build(&s, &len);
	save("elfbuf", name, img, len);
	save("resolver", name, img, len);
	save("buildinfo", name, img, len);
	free(img);
}

static void profile_seed(void)
{
	struct profile *p = calloc(1, sizeof(*p));
	char *json;

	if (!p)
		exit(1);
	strcpy(p->path, "/usr/bin/hello");
	strcpy(p->build_id, "0123456789abcdef");
	p->build_id_is_gnu = true;
	strcpy(p->go_version, "go1.21.13");
	p->go_version_source = PROFILE_VER_BUILDINFO_SECTION;
	strcpy(p->arch, "x86_64");
	p->g_goid = (struct profile_offset){152, PROFILE_SRC_DWARF, 8};
	p->g_atomicstatus = (struct profile_offset){144, PROFILE_SRC_TYPEDESC, 4};
	p->g_waitreason = (struct profile_offset){-1, PROFILE_SRC_NONE, 0};
	p->g_parent_goid = (struct profile_offset){272, PROFILE_SRC_TABLE, 8};
	p->g_m = (struct profile_offset){48, PROFILE_SRC_DEFAULT, 8};
	p->funcs[PROFILE_FUNC_CASGSTATUS] =
		(struct profile_func){0x43a120, 0x3a120, 0x43a400, PROFILE_SRC_PCLNTAB};
	p->funcs[PROFILE_FUNC_NEWPROC] =
		(struct profile_func){0x441000, 0x41000, 0x441100, PROFILE_SRC_SYMTAB};
	strcpy(p->gstatus[0], "idle");
	strcpy(p->gstatus[1], "runnable");
	p->n_gstatus = 2;
	strcpy(p->waitreasons[0], "");
	strcpy(p->waitreasons[1], "GC assist marking");
	p->n_waitreasons = 2;
	profile__add_warning(p, "a warning with \"quotes\" and a \\ backslash");
	if (profile__to_json(p, &json))
		exit(1);
	save("profile", "profile.json", json, strlen(json));
	free(json);
	free(p);
}

static void write_region(const char *path, const struct elfbuf *e, uint64_t lo, uint64_t hi,
			 int minor)
{
	const uint8_t *d = elfbuf__at_vaddr(e, lo, hi - lo, NULL);
	uint8_t hdr[16] = {0};
	FILE *f;

	if (!d)
		return;
	put64(hdr, lo);
	hdr[8] = (uint8_t)minor;
	f = fopen(path, "wb");
	if (!f || fwrite(hdr, 1, sizeof(hdr), f) != sizeof(hdr) ||
	    fwrite(d, 1, hi - lo, f) != hi - lo || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* Nothing is written for a binary without runtime.types/etypes symbols or runtime.g. */
static int gotypes_seeds(const char *bin, int minor, const char *out)
{
	struct gotypes_struct *g;
	uint64_t types, etypes, at, lo, hi;
	struct elfbuf *e;
	char path[4096];

	if (elfbuf__open_path(bin, &e))
		return 0;
	if (elfbuf__symbol(e, "runtime.types", &types, NULL) ||
	    elfbuf__symbol(e, "runtime.etypes", &etypes, NULL) || etypes <= types) {
		elfbuf__delete(e);
		return 0;
	}
	write_region(out, e, types, etypes, minor);
	if (!gotypes__find_struct(e, types, etypes, minor, "runtime.g", &g)) {
		at = gotypes__addr(g);
		lo = at - types > 2048 ? at - 2048 : types;
		hi = etypes - at > 6144 ? at + 6144 : etypes;
		snprintf(path, sizeof(path), "%s-window", out);
		write_region(path, e, lo, hi, 0);
		gotypes__delete(g);
	}
	elfbuf__delete(e);
	return 0;
}

static int probepoint_seeds(const char *bin, int stack_abi, const char *out)
{
	const struct elfbuf *e;
	struct gobin_func f;
	struct gobin *b;
	char path[4096];
	const uint8_t *code;
	uint8_t hdr[16] = {0};
	FILE *fp;
	int i;

	if (gobin__open_path(bin, &b))
		return 0;
	e = gobin__elf(b);
	for (i = 0; i < PROFILE_FUNC_MAX; i++) {
		if (gobin__find_func(b, profile__func_names[i], &f) || f.end <= f.entry)
			continue;
		code = elfbuf__at_vaddr(e, f.entry, f.end - f.entry, NULL);
		if (!code)
			continue;
		hdr[0] = (stack_abi ? 1 : 0) | 2 |
			 (i == PROFILE_FUNC_CASGSTATUS && !stack_abi ? 4 : 8);
		put64(hdr + 8, f.entry);
		snprintf(path, sizeof(path), "%s-%s", out, profile__func_names[i] + 8);
		fp = fopen(path, "wb");
		if (!fp || fwrite(hdr, 1, sizeof(hdr), fp) != sizeof(hdr) ||
		    fwrite(code, 1, f.end - f.entry, fp) != f.end - f.entry || fclose(fp)) {
			perror(path);
			exit(1);
		}
	}
	gobin__delete(b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "probepoint"))
		return probepoint_seeds(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 5 && !strcmp(argv[1], "gotypes"))
		return gotypes_seeds(argv[2], atoi(argv[3]), argv[4]);
	if (argc != 2) {
		fprintf(stderr,
			"usage: %s OUTDIR | gotypes BINARY MINOR OUT | probepoint BINARY STACK_ABI "
			"OUT\n",
			argv[0]);
		return 2;
	}
	outdir = argv[1];
	buildinfo_seeds();
	pclntab_seeds();
	elf_seed(PCLNTAB_VER_120, 1, "elf-1.20");
	elf_seed(PCLNTAB_VER_118, 0, "elf-1.18-nosections");
	elf_seed(PCLNTAB_VER_116, 1, "elf-1.16");
	profile_seed();
	return 0;
}
