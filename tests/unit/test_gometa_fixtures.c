// SPDX-License-Identifier: GPL-2.0
/*
 * test_gometa_fixtures: pclntab, moduledata and buildinfo on real Go
 * binaries, checked against independent oracles: the .symtab of the binary
 * or of its unstripped twin (every function's entry, runtime.text,
 * runtime.types...), and the Go version the caller read with `go version`.
 * tests/e2e/resolver-pclntab.sh builds the argument list from the fixture cache.
 *
 * usage: test_gometa_fixtures [--max-ms N] {[--twin T] [--version V] BINARY}...
 * --twin and --version apply to the next BINARY only. Prints one table row
 * per binary; exits 1 when any check fails.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buildinfo.h"
#include "check.h"
#include "elfbuf.h"
#include "errors.h"
#include "moduledata.h"
#include "pclntab.h"

struct sym {
	const char *name;
	uint64_t value;
};

struct symtab {
	struct sym *v;
	size_t n;
};

/* By address, then name: functions are looked up by entry. */
static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->value != y->value)
		return (x->value > y->value) - (x->value < y->value);
	return strcmp(x->name, y->name);
}

/* STT_FUNC symbols of .symtab, sorted by address. */
static int load_funcs(const struct elfbuf *e, struct symtab *st)
{
	size_t i, k, nsym;

	st->v = NULL;
	st->n = 0;
	for (i = 0; i < elfbuf__section_count(e); i++) {
		const struct elfbuf_section *s = elfbuf__section(e, i), *str;
		const uint8_t *d, *sd;
		size_t n, sn;

		if (s->type != SHT_SYMTAB)
			continue;
		str = elfbuf__section(e, s->link);
		if (!str || elfbuf__section_data(e, s, &d, &n) ||
		    elfbuf__section_data(e, str, &sd, &sn))
			return -1;
		nsym = n / sizeof(Elf64_Sym);
		st->v = calloc(nsym, sizeof(*st->v));
		for (k = 1; k < nsym; k++) {
			Elf64_Sym sym;

			memcpy(&sym, d + k * sizeof(sym), sizeof(sym));
			if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
			    sym.st_name >= sn)
				continue;
			st->v[st->n++] = (struct sym){(const char *)sd + sym.st_name, sym.st_value};
		}
		qsort(st->v, st->n, sizeof(*st->v), cmp_sym);
		return 0;
	}
	return -1;
}

/*
 * Does pclntab name p denote symbol name s? The symbol of an assembly
 * function carries an ".abi0" suffix the table does not, the table
 * shortens type arguments of generic functions to "[...]", and the symbol
 * table spells the middle dot of old closure names as '.'.
 */
static bool name_match(const char *p, const char *s)
{
	while (*p && *s) {
		if (!strncmp(p, "[...]", 5) && *s == '[') {
			int depth = 0;

			do {
				depth += *s == '[' ? 1 : *s == ']' ? -1 : 0;
				s++;
			} while (*s && depth);
			if (depth)
				return false;
			p += 5;
			continue;
		}
		if (!strncmp(p, "\xc2\xb7", 2) && *s == '.') {
			p += 2;
			s++;
			continue;
		}
		if (*p++ != *s++)
			return false;
	}
	return !*p && (!*s || !strcmp(s, ".abi0"));
}

/* First symbol at value, or st->n. */
static size_t first_at(const struct symtab *st, uint64_t value)
{
	size_t lo = 0, hi = st->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->v[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is there a symbol at value whose name the table's name denotes? */
static bool has(const struct symtab *st, const char *name, uint64_t value)
{
	size_t i;

	for (i = first_at(st, value); i < st->n && st->v[i].value == value; i++)
		if (name_match(name, st->v[i].name))
			return true;
	return false;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *how_str(enum pclntab_how h)
{
	return h == PCLNTAB_HOW_SECTION ? "section" : h == PCLNTAB_HOW_RELRO ? "relro" : "scan";
}

static const char *ver_str(enum pclntab_version v)
{
	static const char *const s[] = {"?", "1.2", "1.16", "1.18", "1.20"};

	return v <= PCLNTAB_VER_120 ? s[v] : "?";
}

static const char *layout_str(enum moduledata_layout l)
{
	static const char *const s[] = {"?", "1.2", "1.16", "1.18", "1.20", "1.26", "1.27"};

	return l <= MODULEDATA_LAYOUT_127 ? s[l] : "?";
}

static int failures_before;

/* The last two path components, without an npm package's "/package/bin/esbuild". */
static const char *display_name(const char *path, char *buf, size_t n)
{
	static const char npm[] = "/package/bin/esbuild";
	size_t len = strlen(path), k = sizeof(npm) - 1;
	const char *p;
	int slashes = 0;

	if (len > k && !strcmp(path + len - k, npm))
		len -= k;
	while (len > 1 && path[len - 1] == '/')
		len--;
	for (p = path + len; p > path; p--)
		if (p[-1] == '/' && ++slashes == 2)
			break;
	snprintf(buf, n, "%.*s", (int)(path + len - p), p);
	return buf;
}

#define FAIL(...)                              \
	do {                                   \
		fprintf(stderr, "%s: ", path); \
		fprintf(stderr, __VA_ARGS__);  \
		fputc('\n', stderr);           \
		check_failures++;              \
	} while (0)

/*
 * Every pclntab function must be a symbol at its entry, and every function
 * symbol in runtime.text..etext the entry of a pclntab function.
 */
static void compare_symtab(const char *path, const struct pclntab *t, const struct symtab *st,
			   const struct moduledata *md)
{
	struct pclntab_func f;
	size_t i, bad = 0, missing = 0;

	pclntab__for_each_func(t, i, &f)
	{
		check_count++;
		if (!has(st, f.name, f.entry) && bad++ < 5)
			FAIL("pclntab %s at 0x%" PRIx64 ": no such symbol", f.name, f.entry);
	}
	if (i != pclntab__func_count(t))
		FAIL("function %zu of %zu does not decode", i, pclntab__func_count(t));
	for (i = 0; i < st->n; i++) {
		const struct sym *s = &st->v[i];

		if (s->value < md->text || s->value >= md->etext)
			continue;
		check_count++;
		if ((pclntab__find_pc(t, s->value, &f) || f.entry != s->value) && missing++ < 5)
			FAIL("symbol %s at 0x%" PRIx64 ": no pclntab function there", s->name,
			     s->value);
	}
	if (bad || missing)
		FAIL("%zu pclntab functions without symbol, %zu symbols without function", bad,
		     missing);
}

/* Address of the first section named a or b, or 0. */
static uint64_t section_addr(const struct elfbuf *e, const char *a, const char *b)
{
	const struct elfbuf_section *s = elfbuf__section_by_name(e, a);

	if (!s && b)
		s = elfbuf__section_by_name(e, b);
	return s ? s->addr : 0;
}

/*
 * The section oracle, for binaries without symbols: Go's own linker starts
 * .text with runtime.text and its type section with runtime.types, and gives
 * the typelinks and itablinks sections of their own. An external linker puts C
 * start-up code first (it leaves an .init section), so those are skipped.
 */
static void check_sections(const char *path, const struct elfbuf *e, const struct moduledata *md)
{
	uint64_t a;

	if (!elfbuf__section_count(e) || elfbuf__section_by_name(e, ".init"))
		return;
	check_count += 4;
	if ((a = section_addr(e, ".text", NULL)) != md->text)
		FAIL(".text at 0x%" PRIx64 ", moduledata text 0x%" PRIx64, a, md->text);
	/* Types head .go.type (1.27+, PIE: .data.rel.ro.go.type), .data.rel.ro (PIE), .rodata. */
	a = section_addr(e, ".go.type", ".data.rel.ro.go.type");
	if (!a)
		a = section_addr(e, ".data.rel.ro", ".rodata");
	if (a != md->types)
		FAIL("type section at 0x%" PRIx64 ", moduledata types 0x%" PRIx64, a, md->types);
	a = section_addr(e, ".typelink", ".data.rel.ro.typelink");
	if (md->ntypelinks && a != md->typelinks)
		FAIL(".typelink at 0x%" PRIx64 ", moduledata typelinks 0x%" PRIx64, a,
		     md->typelinks);
	a = section_addr(e, ".itablink", ".data.rel.ro.itablink");
	if (md->nitablinks && a != md->itablinks)
		FAIL(".itablink at 0x%" PRIx64 ", moduledata itablinks 0x%" PRIx64, a,
		     md->itablinks);
}

/* The text-independent checks on one symbol. */
static void check_sym(const char *path, const struct elfbuf *e, const char *name, uint64_t want)
{
	uint64_t v;

	check_count++;
	if (elfbuf__symbol(e, name, &v, NULL))
		FAIL("no symbol %s", name);
	else if (v != want)
		FAIL("%s: symbol 0x%" PRIx64 ", resolver 0x%" PRIx64, name, v, want);
}

static void check_binary(const char *path, const char *twin, const char *version, double max_ms)
{
	struct elfbuf *e = NULL, *te = NULL;
	struct pclntab_loc loc;
	struct moduledata md;
	struct pclntab *t = NULL;
	struct pclntab_func cas = {0}, f;
	struct buildinfo bi;
	struct symtab st = {0};
	double t0, ms;
	size_t ncmp = 0;
	int64_t d;
	uint64_t pc;
	bool framed = false;
	char name[64];
	int err, mderr;

	failures_before = check_failures;
	check_count++;
	err = elfbuf__open_path(path, &e);
	if (err) {
		FAIL("open: %s", errors__str(err));
		return;
	}
	/* What a resolver run does, timed: locate, moduledata, table, function, version. */
	t0 = now_ms();
	err = pclntab__locate(e, &loc);
	if (err) {
		FAIL("pclntab__locate: %s", errors__str(err));
		goto out;
	}
	mderr = moduledata__find(e, &loc, 0, &md);
	err = pclntab__new(loc.data, loc.size, mderr ? 0 : md.text, &t);
	if (!err)
		err = pclntab__find_func(t, "runtime.casgstatus", &cas);
	bi.method = BUILDINFO_NONE;
	if (buildinfo__read(e, &bi))
		bi.version[0] = 0;
	ms = now_ms() - t0;

	check_count += 4;
	if (mderr)
		FAIL("moduledata__find: %s", errors__str(mderr));
	if (err) {
		FAIL("pclntab: %s", errors__str(err));
		goto out;
	}
	if (!bi.version[0])
		FAIL("no Go version");
	if (version && strcmp(version, bi.version))
		FAIL("Go version \"%s\", expected \"%s\"", bi.version, version);
	if (max_ms > 0 && ms > max_ms)
		FAIL("took %.1f ms, limit %.0f ms", ms, max_ms);

	/* SP delta: 0 at the entry, a frame somewhere inside. */
	check_count += 2;
	if (pclntab__sp_delta(t, &cas, cas.entry, &d) || d != 0)
		FAIL("casgstatus sp delta at entry: %" PRId64, d);
	for (pc = cas.entry; pc < cas.end && !framed; pc++)
		framed = !pclntab__sp_delta(t, &cas, pc, &d) && d > 0;
	if (!framed)
		FAIL("casgstatus: no frame found in its pcsp table");
	/* Every function's pc maps back to it. */
	pclntab__for_each_func(t, ncmp, &f)
	{
		struct pclntab_func g;

		if (pclntab__find_pc(t, f.entry, &g) || (g.entry != f.entry && f.entry != f.end)) {
			FAIL("find_pc(0x%" PRIx64 ") for %s", f.entry, f.name);
			break;
		}
	}
	check_count++;
	if (!mderr && (md.minpc != pclntab__min_pc(t) || md.maxpc != pclntab__max_pc(t)))
		FAIL("moduledata minpc/maxpc differ from the table");

	if (!mderr)
		check_sections(path, e, &md);
	/* Oracles: this binary's own symbols, else its twin's (text addresses only). */
	if (elfbuf__has_symtab(e)) {
		te = e;
	} else if (twin) {
		err = elfbuf__open_path(twin, &te);
		if (err)
			FAIL("twin %s: %s", twin, errors__str(err));
	}
	if (te && !mderr) {
		if (load_funcs(te, &st))
			FAIL("twin has no .symtab");
		check_sym(path, te, "runtime.text", md.text);
		check_sym(path, te, "runtime.casgstatus", cas.entry);
		if (te == e) {
			check_sym(path, e, "runtime.etext", md.etext);
			check_sym(path, e, "runtime.types", md.types);
			check_sym(path, e, "runtime.etypes", md.etypes);
			check_sym(path, e, "runtime.firstmoduledata", md.vaddr);
			if (md.layout != MODULEDATA_LAYOUT_127)
				check_sym(path, e, "runtime.typelink", md.typelinks);
		}
		compare_symtab(path, t, &st, &md);
		free(st.v);
	}
	printf("%-40s %-5s %-8s %-5s %-5s %-11s %-20s 0x%-9" PRIx64 " %7zu %7.1f %s\n",
	       display_name(path, name, sizeof(name)), ver_str(loc.version), how_str(loc.how),
	       mderr ? "-" : layout_str(md.layout),
	       mderr			       ? "-" :
	       md.how == MODULEDATA_HOW_SYMBOL ? "sym" :
						 "scan",
	       bi.version[0] ? bi.version : "?", buildinfo__method_str(bi.method), cas.entry,
	       pclntab__func_count(t), ms,
	       check_failures != failures_before ? "FAIL" :
	       te				 ? "ok" :
						   "ok (no symtab)");
out:
	pclntab__delete(t);
	if (te != e)
		elfbuf__delete(te);
	elfbuf__delete(e);
}

int main(int argc, char **argv)
{
	const char *twin = NULL, *version = NULL;
	double max_ms = 0;
	int i, n = 0;

	printf("%-40s %-5s %-8s %-5s %-5s %-11s %-20s %-11s %7s %7s %s\n", "binary", "pcln",
	       "located", "mdata", "found", "go", "version from", "casgstatus", "funcs", "ms",
	       "result");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--twin") && i + 1 < argc) {
			twin = argv[++i];
		} else if (!strcmp(argv[i], "--version") && i + 1 < argc) {
			version = argv[++i];
		} else if (!strcmp(argv[i], "--max-ms") && i + 1 < argc) {
			max_ms = strtod(argv[++i], NULL);
		} else {
			check_binary(argv[i], twin, version, max_ms);
			twin = version = NULL;
			n++;
		}
	}
	if (!n) {
		fprintf(stderr, "usage: %s [--max-ms N] {[--twin T] [--version V] BINARY}...\n",
			argv[0]);
		return 2;
	}
	return check_done("test_gometa_fixtures");
}
