// SPDX-License-Identifier: GPL-2.0
/*
 * resolver: combine every source a Go binary offers into a profile (see
 * resolver.h).
 *
 * Addresses come from pclntab (present in every Go binary, stripped or not),
 * with the text base taken from moduledata because the pclntab header's own
 * textStart is wrong for externally linked binaries and zero from go1.26;
 * .symtab, when present, cross-checks them. runtime.g offsets come from DWARF,
 * else from the runtime's type descriptors, else from the offsets/ table;
 * all that answer are compared.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildinfo.h"
#include "dwarfg.h"
#include "elfbuf.h"
#include "errors.h"
#include "gotypes.h"
#include "gobin.h"
#include "govars.h"
#include "goversion.h"
#include "log.h"
#include "moduledata.h"
#include "offtable.h"
#include "pclntab.h"
#include "probepoint.h"
#include "profile.h"
#include "resolver.h"

/* The one function every target must have: its name as profile.c spells it. */
#define PROBED_FUNC profile__func_names[PROFILE_FUNC_CASGSTATUS]

/* One runtime.g field as each source saw it (-1: that source did not answer). */
struct candidates {
	const char *name; /* the field's name in runtime.g */
	int64_t dwarf, typedesc, table;
	uint64_t dwarf_size, typedesc_size;
};

struct ctx {
	struct gobin *b;
	const struct elfbuf *e;
	struct profile *p;
	struct goversion ver;
	bool ver_known;
	const struct pclntab *tab;
	const struct moduledata *md; /* NULL when not found */
};

static void binary_facts(struct ctx *c)
{
	const struct elfbuf *e = c->e;
	struct profile *p = c->p;

	switch (elfbuf__machine(e)) {
	case EM_X86_64:
		strcpy(p->arch, "x86_64");
		break;
	case EM_AARCH64:
		strcpy(p->arch, "aarch64");
		break;
	default:
		snprintf(p->arch, sizeof(p->arch), "em%u", elfbuf__machine(e));
	}
	p->pie = elfbuf__type(e) == ET_DYN;
	p->is_static = !elfbuf__has_interp(e);
	p->stripped = !elfbuf__has_symtab(e);
	p->has_dwarf = elfbuf__section_by_name(e, ".debug_info") ||
		       elfbuf__section_by_name(e, ".zdebug_info");
	if (!elfbuf__gnu_build_id(e, p->build_id, sizeof(p->build_id)))
		p->build_id_is_gnu = true;
	else if (elfbuf__go_build_id(e, p->build_id, sizeof(p->build_id)))
		p->build_id[0] = 0;
}

/*
 * Only x86_64 and aarch64 binaries: the tracer's BPF reads the Go register ABI
 * of those two, the offsets table and the relocations read are theirs, and an
 * offset that is right on another machine cannot be traced here anyway.
 */
static int supported_machine(const struct elfbuf *e, char *what, size_t whatlen)
{
	unsigned int m = elfbuf__machine(e);
	const char *name;

	switch (m) {
	case EM_X86_64:
	case EM_AARCH64:
		return 0;
	case EM_386:
		name = "i386";
		break;
	case EM_ARM:
		name = "arm";
		break;
	case EM_MIPS:
		name = "mips";
		break;
	case EM_PPC64:
		name = "ppc64";
		break;
	case EM_RISCV:
		name = "riscv64";
		break;
	case 258: /* EM_LOONGARCH, in newer <elf.h> only */
		name = "loong64";
		break;
	default:
		name = "unknown";
	}
	snprintf(what, whatlen,
		 "ELF machine %u (%s) is not supported: only x86_64 and aarch64 binaries", m, name);
	return -ERRORS__ELF_CLASS;
}

static void go_version(struct ctx *c)
{
	const struct buildinfo *bi = gobin__buildinfo(c->b);
	static const enum profile_version_source how[] = {
		[BUILDINFO_SECTION] = PROFILE_VER_BUILDINFO_SECTION,
		[BUILDINFO_SEGMENT] = PROFILE_VER_BUILDINFO_SEGMENT,
		[BUILDINFO_BUILDVERSION_SYMBOL] = PROFILE_VER_BUILDVERSION_SYMBOL,
		[BUILDINFO_BUILDVERSION_SCAN] = PROFILE_VER_BUILDVERSION_SCAN,
	};

	if (bi && (size_t)bi->method < sizeof(how) / sizeof(how[0]) &&
	    strlen(bi->version) < sizeof(c->p->go_version)) {
		strcpy(c->p->go_version, bi->version);
		c->p->go_version_source = how[bi->method];
		c->ver_known = !goversion__parse(bi->version, &c->ver);
	}
}

/* pclntab, moduledata and the probed function's address. */
static int functions(struct ctx *c, char *what, size_t whatlen)
{
	struct profile *p = c->p;
	enum pclntab_version v;
	struct pclntab_func f;
	uint64_t sym, off;
	bool located;
	int err, i;

	err = gobin__pclntab(c->b, &c->tab, &located);
	if (err && !located) {
		if (err == -ERRORS__NOT_GO)
			snprintf(what, whatlen, "not a Go executable (no Go pclntab found)");
		else
			snprintf(what, whatlen, "Go pclntab: %s", errors__str(err));
		return err;
	}
	c->md = gobin__moduledata(c->b);
	if (!c->md)
		log__info("moduledata not found; using the pclntab header's text start");
	if (err) {
		snprintf(what, whatlen, "pclntab: %s", errors__str(err));
		return err;
	}
	v = gobin__pclntab_loc(c->b)->version;
	p->pclntab_version = v == PCLNTAB_VER_12  ? 12 :
			     v == PCLNTAB_VER_116 ? 116 :
			     v == PCLNTAB_VER_118 ? 118 :
						    120;
	p->text_start = pclntab__text_start(c->tab);

	err = pclntab__find_func(c->tab, PROBED_FUNC, &f);
	if (err == -ERRORS__NO_SYMBOL) {
		snprintf(what, whatlen, "%s not found in pclntab", PROBED_FUNC);
		return err;
	}
	if (err) {
		snprintf(what, whatlen, "pclntab, looking up %s: %s", PROBED_FUNC,
			 errors__str(err));
		return err;
	}
	for (i = 0; i < PROFILE_FUNC_MAX; i++) {
		struct profile_func *pf = &p->funcs[i];

		if (pclntab__find_func(c->tab, profile__func_names[i], &f))
			continue;
		if (f.end <= f.entry) {
			/* A zero-length function: two equal entries in the table (fuzz find). */
			if (i == PROFILE_FUNC_CASGSTATUS) {
				snprintf(what, whatlen, "%s has no code in pclntab", PROBED_FUNC);
				return -ERRORS__CORRUPT;
			}
			continue;
		}
		pf->address = f.entry;
		pf->end = f.end;
		pf->source = PROFILE_SRC_PCLNTAB;
		if (!elfbuf__symbol(c->e, profile__func_names[i], &sym, NULL) && sym != f.entry) {
			/* The linker's symbol table is the ground truth when it exists. */
			profile__add_warning(p,
					     "%s: pclntab says 0x%" PRIx64
					     ", .symtab says 0x%" PRIx64 "; using .symtab",
					     profile__func_names[i], f.entry, sym);
			pf->end = sym + (f.end - f.entry);
			pf->address = sym;
			pf->source = PROFILE_SRC_SYMTAB;
		}
		if (pf->address < p->text_start) {
			/* Below runtime.text: not a function (and a profile reader refuses it). */
			if (i == PROFILE_FUNC_CASGSTATUS) {
				snprintf(what, whatlen,
					 "%s at 0x%" PRIx64 " is below the text start 0x%" PRIx64,
					 PROBED_FUNC, pf->address, p->text_start);
				return -ERRORS__CORRUPT;
			}
			memset(pf, 0, sizeof(*pf));
			continue;
		}
		if (elfbuf__vaddr_to_offset(c->e, pf->address, &off)) {
			if (i == PROFILE_FUNC_CASGSTATUS) {
				snprintf(what, whatlen,
					 "%s at 0x%" PRIx64
					 " is not in a loaded segment of the file",
					 PROBED_FUNC, pf->address);
				return -ERRORS__CORRUPT;
			}
			memset(pf, 0, sizeof(*pf));
			continue;
		}
		pf->file_offset = off;
	}
	return 0;
}

/*
 * Register ABI (ABIInternal) binaries have runtime.spillArgs (amd64 go1.17+,
 * arm64 go1.18+): a fact of the binary, not a guess from its version.
 */
static void abi(struct ctx *c)
{
	struct pclntab_func f;
	bool reg = !pclntab__find_func(c->tab, "runtime.spillArgs", &f);

	c->p->abi = reg ? PROFILE_ABI_REGISTER : PROFILE_ABI_STACK;
	if (c->ver_known && !strcmp(c->p->arch, "x86_64") &&
	    goversion__at_least(&c->ver, 1, 17) != reg)
		profile__add_warning(c->p, "%s ABI, unexpected for %s", reg ? "register" : "stack",
				     c->p->go_version);
}

/* A source's answer that cannot be a field of runtime.g is no answer. */
static void drop_absurd(struct ctx *c, const char *name, const char *source, int64_t *v,
			uint64_t *size)
{
	if (*v >= PROFILE_MAX_G_OFFSET) {
		profile__add_warning(c->p,
				     "g.%s: %s says %" PRId64 ", beyond any runtime.g; ignored",
				     name, source, *v);
		*v = -1;
	}
	/* The fields the tracer reads are at most a word; a wider size is a corrupt type. */
	if (size && *size > 8)
		*size = 0;
}

/*
 * Choose one field's offset: DWARF, else the type descriptors, else the table.
 * DWARF and the type descriptors are both the compiler's record of the one
 * struct, so in a sound binary they agree: when they differ one of them is
 * corrupt, and only the table can say which. Without that, any choice could
 * point the tracer at the wrong field, so the binary is refused.
 */
static int pick(struct ctx *c, struct candidates *k, struct profile_offset *out, char *what,
		size_t whatlen)
{
	out->value = -1;
	out->source = PROFILE_SRC_NONE;
	out->size = 0;
	drop_absurd(c, k->name, "dwarf", &k->dwarf, &k->dwarf_size);
	drop_absurd(c, k->name, "typedesc", &k->typedesc, &k->typedesc_size);
	drop_absurd(c, k->name, "table", &k->table, NULL);
	if (k->dwarf >= 0 && k->typedesc >= 0 && k->dwarf != k->typedesc) {
		if (k->table != k->dwarf && k->table != k->typedesc) {
			snprintf(what, whatlen,
				 "g.%s: DWARF says %" PRId64 ", the type descriptors say %" PRId64
				 "%s: corrupt Go runtime metadata",
				 k->name, k->dwarf, k->typedesc,
				 k->table >= 0 ? ", the offsets table a third value" :
						 " and the offsets table has no row to decide");
			return -ERRORS__CORRUPT;
		}
		profile__add_warning(c->p,
				     "g.%s: %s says %" PRId64 ", %s and the %s table say %" PRId64
				     "; using %s",
				     k->name, k->table == k->dwarf ? "typedesc" : "dwarf",
				     k->table == k->dwarf ? k->typedesc : k->dwarf,
				     k->table == k->dwarf ? "dwarf" : "typedesc", c->p->go_version,
				     k->table, k->table == k->dwarf ? "dwarf" : "typedesc");
		if (k->table == k->typedesc)
			k->dwarf = -1; /* the corrupt one steps aside */
		else
			k->typedesc = -1;
	}
	if (k->dwarf >= 0) {
		out->value = k->dwarf;
		out->source = PROFILE_SRC_DWARF;
		out->size = k->dwarf_size;
	} else if (k->typedesc >= 0) {
		out->value = k->typedesc;
		out->source = PROFILE_SRC_TYPEDESC;
		out->size = k->typedesc_size;
	} else if (k->table >= 0) {
		out->value = k->table;
		out->source = PROFILE_SRC_TABLE;
	}
	if (out->value < 0)
		return 0;
	if (k->typedesc >= 0 && k->typedesc != out->value)
		profile__add_warning(c->p,
				     "g.%s: %s says %" PRId64 ", type descriptors say %" PRId64
				     "; using %s",
				     k->name, profile__source_name(out->source), out->value,
				     k->typedesc, profile__source_name(out->source));
	if (k->table >= 0 && k->table != out->value)
		profile__add_warning(
			c->p, "g.%s: %s says %" PRId64 ", the %s table says %" PRId64 "; using %s",
			k->name, profile__source_name(out->source), out->value, c->p->go_version,
			k->table, profile__source_name(out->source));
	return 0;
}

/*
 * The fields resolved, each from DWARF, the type descriptors and the table.
 * gobuf_* are members of runtime.gobuf (g.sched's type), not of runtime.g.
 */
#define DW(f) offsetof(struct dwarfg_fields, f)
#define TB(f) offsetof(struct offtable_g, f)
#define PR(f) offsetof(struct profile, f)
#define NONE SIZE_MAX
static const struct field_src {
	const char *name; /* in runtime.g, or in runtime.gobuf when gobuf is set */
	bool gobuf;
	size_t dwarf, dwarf_size, table, out;
	const char *label; /* in messages, when not name */
} field_srcs[] = {
	{"goid", false, DW(goid), DW(goid_size), TB(goid), PR(g_goid)},
	{"atomicstatus", false, DW(atomicstatus), DW(atomicstatus_size), TB(atomicstatus),
	 PR(g_atomicstatus)},
	{"waitreason", false, DW(waitreason), DW(waitreason_size), TB(waitreason),
	 PR(g_waitreason)},
	{"parentGoid", false, DW(parent_goid), DW(parent_goid_size), TB(parent_goid),
	 PR(g_parent_goid)},
	{"m", false, DW(m), NONE, TB(m), PR(g_m)},
	{"waitsince", false, DW(waitsince), NONE, TB(waitsince), PR(g_waitsince)},
	{"gopc", false, DW(gopc), NONE, TB(gopc), PR(g_gopc)},
	{"startpc", false, DW(startpc), NONE, TB(startpc), PR(g_startpc)},
	{"lockedm", false, DW(lockedm), NONE, TB(lockedm), PR(g_lockedm)},
	{"sched", false, DW(sched), NONE, TB(sched), PR(g_sched)},
	{"stack", false, DW(stack), NONE, TB(stack), PR(g_stack)},
	{"syscallsp", false, DW(syscallsp), NONE, TB(syscallsp), PR(g_syscallsp)},
	{"syscallpc", false, DW(syscallpc), NONE, TB(syscallpc), PR(g_syscallpc)},
	{"syscallbp", false, DW(syscallbp), NONE, TB(syscallbp), PR(g_syscallbp)},
	{"sp", true, DW(gobuf_sp), NONE, NONE, PR(gobuf_sp), "sched.sp"},
	{"pc", true, DW(gobuf_pc), NONE, NONE, PR(gobuf_pc), "sched.pc"},
	{"bp", true, DW(gobuf_bp), NONE, TB(gobuf_bp), PR(gobuf_bp), "sched.bp"},
};
#define N_FIELDS (sizeof(field_srcs) / sizeof(field_srcs[0]))

/* The table's value of field k (sp and pc sit at 0 and 8 of gobuf in every release). */
static int64_t table_value(const struct field_src *k, const struct offtable_g *t)
{
	if (k->table != NONE)
		return *(const int *)((const char *)t + k->table);
	return !strcmp(k->name, "sp") ? 0 : 8;
}

/* One struct's type descriptor fields into the candidates that belong to it. */
static void from_typedesc(struct ctx *c, const char *type, bool gobuf, struct candidates *k)
{
	struct gotypes_struct *gs = NULL;
	size_t i;
	int err;

	err = gotypes__find_struct(c->e, c->md->types, c->md->etypes,
				   c->ver_known ? c->ver.minor : 0, type, &gs);
	if (err) {
		log__info("%s type descriptor: %s", type, errors__str(err));
		return;
	}
	for (i = 0; i < N_FIELDS; i++) {
		struct gotypes_field f;

		if (field_srcs[i].gobuf == gobuf && !gotypes__field(gs, field_srcs[i].name, &f)) {
			k[i].typedesc = f.offset;
			/* A size only where DWARF gives one too, so both make the same profile. */
			if (field_srcs[i].dwarf_size != NONE || field_srcs[i].dwarf == DW(m))
				k[i].typedesc_size = f.size;
		}
	}
	gotypes__delete(gs);
}

static int g_offsets(struct ctx *c, char *what, size_t whatlen)
{
	struct candidates k[N_FIELDS];
	struct dwarfg_fields d;
	struct offtable_g t;
	size_t i;
	int err;

	for (i = 0; i < N_FIELDS; i++) {
		memset(&k[i], 0, sizeof(k[i]));
		k[i].name = field_srcs[i].label ? field_srcs[i].label : field_srcs[i].name;
		k[i].dwarf = k[i].typedesc = k[i].table = -1;
	}
	if (c->p->has_dwarf) {
		err = dwarfg__read(c->e, &d);
		if (!err) {
			for (i = 0; i < N_FIELDS; i++) {
				const struct field_src *f = &field_srcs[i];

				k[i].dwarf = *(int64_t *)((char *)&d + f->dwarf);
				k[i].dwarf_size = f->dwarf_size == NONE ?
							  0 :
							  *(uint64_t *)((char *)&d + f->dwarf_size);
			}
			k[4].dwarf_size = 8; /* g.m is a pointer */
		} else {
			profile__add_warning(c->p, "DWARF: %s", errors__str(err));
		}
	}
	if (c->md && c->md->types < c->md->etypes) {
		from_typedesc(c, "runtime.g", false, k);
		from_typedesc(c, "runtime.gobuf", true, k);
	}
	if (c->ver_known && !offtable__g(&c->ver, &t))
		for (i = 0; i < N_FIELDS; i++)
			k[i].table = table_value(&field_srcs[i], &t);
	for (i = 0; i < N_FIELDS; i++) {
		err = pick(c, &k[i], (struct profile_offset *)((char *)c->p + field_srcs[i].out),
			   what, whatlen);
		if (err)
			return err;
	}
	return 0;
}
#undef DW
#undef TB
#undef PR
#undef NONE

/* runtime.waitReasonStrings, a [N]string array, when the symbol table names it. */
static int waitreasons_from_binary(struct ctx *c)
{
	const struct moduledata_relocs *relocs;
	struct profile *p = c->p;
	uint64_t addr, size, i, n;

	if (elfbuf__symbol(c->e, "runtime.waitReasonStrings", &addr, &size) || size % 16)
		return -ENOENT;
	n = size / 16;
	if (n == 0 || n > PROFILE_MAX_WAITREASONS)
		return -ENOENT;
	if (gobin__relocs(c->b, &relocs))
		relocs = NULL;
	for (i = 0; i < n; i++) {
		uint64_t ptr, len;
		const uint8_t *s;

		if (moduledata__read_ptr(c->e, relocs, addr + 16 * i, 8, &ptr) ||
		    moduledata__read_ptr(c->e, relocs, addr + 16 * i + 8, 8, &len))
			return -ERRORS__CORRUPT;
		if (len >= PROFILE_NAME_LEN)
			return -ERRORS__CORRUPT;
		s = len ? elfbuf__at_vaddr(c->e, ptr, len, NULL) : (const uint8_t *)"";
		if (!s)
			return -ERRORS__CORRUPT;
		memcpy(p->waitreasons[i], s, len);
		p->waitreasons[i][len] = 0;
	}
	p->n_waitreasons = n;
	p->waitreasons_source = PROFILE_SRC_BINARY;
	return 0;
}

static void semantics(struct ctx *c)
{
	struct profile *p = c->p;
	bool from_binary;
	int i, max;

	/*
	 * newproc1 assigns newg.goid before casgstatus(newg, _Gdead, _Grunnable)
	 * only from go1.24 (offsets/README.md); before, the goid read there is
	 * stale.
	 */
	p->goid_at_creation = c->ver_known && goversion__at_least(&c->ver, 1, 24);
	/*
	 * From go1.26 reentersyscall and exitsyscall switch _Grunning <-> _Gsyscall
	 * with a raw CAS, so casgstatus never sees SYSCALL there.
	 */
	p->syscall_bypasses_casgstatus = c->ver_known && goversion__at_least(&c->ver, 1, 26);
	/*
	 * go1.21 brought casGToWaiting, which sets the reason before the switch;
	 * before, only gopark's does (runtime/proc.go stopTheWorld,
	 * runtime/mgc.go gcMarkTermination of go1.19).
	 */
	p->waitreason_after_switch = c->ver_known && !goversion__at_least(&c->ver, 1, 21);
	/* The binary's own names need no version; the tables below do. */
	from_binary = !waitreasons_from_binary(c);
	if (!c->ver_known)
		return;
	for (i = 0; i < PROFILE_MAX_GSTATUS; i++)
		if (offtable__gstatus_name(&c->ver, i, p->gstatus[i], PROFILE_NAME_LEN))
			break;
	p->n_gstatus = i;
	if (from_binary)
		return;
	p->n_waitreasons = 0;
	max = offtable__waitreason_max(&c->ver);
	if (max < 0 || max >= PROFILE_MAX_WAITREASONS)
		return;
	for (i = 0; i <= max; i++)
		if (offtable__waitreason_name(&c->ver, i, p->waitreasons[i], PROFILE_NAME_LEN))
			p->waitreasons[i][0] = 0;
	p->n_waitreasons = max + 1;
	p->waitreasons_source = PROFILE_SRC_TABLE;
}

/*
 * runtime.allgs and runtime.allglen, for snapshots: from the code whenever it
 * can be decoded, so that the decoder is checked on every binary that also
 * has a symbol table, which then wins a disagreement.
 */
static void variables(struct ctx *c)
{
	static const char *const names[] = {"runtime.allgs", "runtime.allglen"};
	struct profile_var *v[] = {&c->p->allgs, &c->p->allglen};
	uint64_t code[2], sym;
	int err, i;

	err = govars__find(c->b, &code[0], &code[1]);
	if (err && err != -EOPNOTSUPP)
		log__info("runtime.allgs from code: %s", errors__str(err));
	for (i = 0; i < 2; i++) {
		if (!elfbuf__symbol(c->e, names[i], &sym, NULL) && sym) {
			v[i]->address = sym;
			v[i]->source = PROFILE_SRC_SYMTAB;
			if (!err && code[i] && code[i] != sym)
				profile__add_warning(c->p,
						     "%s: the code says 0x%" PRIx64
						     ", .symtab says 0x%" PRIx64 "; using .symtab",
						     names[i], code[i], sym);
		} else if (!err && code[i]) {
			v[i]->address = code[i];
			v[i]->source = PROFILE_SRC_CODE;
		}
	}
}

int resolver__resolve(struct gobin *b, const char *path, const struct resolver_kernel *k,
		      struct profile *p, char *what, size_t whatlen)
{
	const struct elfbuf *e = gobin__elf(b);
	struct ctx c = {.b = b, .e = e, .p = p};
	int err;

	profile__init(p);
	what[0] = 0;
	snprintf(p->path, sizeof(p->path), "%s", path);
	binary_facts(&c);
	err = supported_machine(e, what, whatlen);
	if (err)
		goto out;
	go_version(&c);
	err = functions(&c, what, whatlen);
	if (err)
		goto out;
	abi(&c);
	for (int i = 0; i < PROFILE_FUNC_MAX; i++)
		if (p->funcs[i].address)
			resolver__choose_probe(b, i, p->abi, k, &p->funcs[i]);
	err = g_offsets(&c, what, whatlen);
	if (err)
		goto out;
	semantics(&c);
	variables(&c);
	if (p->g_goid.value < 0) {
		snprintf(what, whatlen,
			 "goid offset not resolved: no DWARF, no runtime.g type descriptor, and "
			 "%s%s is not in the offsets table",
			 p->go_version[0] ? "Go version " : "an unknown Go version", p->go_version);
		err = -ERRORS__NO_FIELD;
	}
out:
	return err;
}

int resolver__identify(const struct gobin *b, const char *path, struct profile *p)
{
	/* Only reads: binary_facts and go_version do not touch what is lazily read. */
	struct ctx c = {.b = (struct gobin *)b, .e = gobin__elf(b), .p = p};

	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", path);
	binary_facts(&c);
	go_version(&c);
	return 0;
}

/* True when the function's pcsp table gives another SP delta at pc than delta. */
static bool pcsp_disagrees(const struct gobin *b, uint64_t entry, uint64_t pc, int64_t delta)
{
	int64_t want;

	return !gobin__sp_delta(b, entry, pc, &want) && want != delta;
}

void resolver__choose_probe(const struct gobin *b, enum profile_func_id id, enum profile_abi abi,
			    const struct resolver_kernel *k, struct profile_func *f)
{
	const struct elfbuf *e = gobin__elf(b);
	struct probepoint_opts opts = {
		.stack_args = abi == PROFILE_ABI_STACK,
		.emulated_push = k->emulates_push,
	};
	struct probepoint pp;
	const uint8_t *code;

	/*
	 * casgstatus and the preemption CASes read their arguments; the others read
	 * g from R14; the coroutine switches both (their coro, in AX or in the
	 * closure context DX, and the current g).
	 */
	if (abi == PROFILE_ABI_REGISTER &&
	    (id == PROFILE_FUNC_COROSWITCH || id == PROFILE_FUNC_COROEXIT))
		opts.keep_regs = PROBEPOINT_GO_ARGS | PROBEPOINT_RDX | PROBEPOINT_R14;
	else if (abi == PROFILE_ABI_REGISTER)
		opts.keep_regs = id == PROFILE_FUNC_CASGSTATUS || id == PROFILE_FUNC_PREEMPT_PARK ||
						 id == PROFILE_FUNC_PREEMPT_RESUME ?
					 PROBEPOINT_GO_ARGS :
					 PROBEPOINT_R14;
	memset(&f->probe, 0, sizeof(f->probe));
	f->probe.address = f->address;
	f->probe.file_offset = f->file_offset;
	snprintf(f->probe.insn, sizeof(f->probe.insn), "(entry)");
	code = f->end > f->address ? elfbuf__at_vaddr(e, f->address, f->end - f->address, NULL) :
				     NULL;
	if (!code || probepoint__choose(code, f->end - f->address, f->address, elfbuf__machine(e),
					&opts, &pp))
		return;
	/*
	 * The decoder's SP count must agree with the compiler's own (pclntab's
	 * pcsp table) where the binary has one: the stack-ABI arguments and the
	 * return address are read through it.
	 */
	if (pp.address != f->address && pcsp_disagrees(b, f->address, pp.address, pp.sp_delta))
		return;
	f->probe.address = pp.address;
	f->probe.file_offset = f->file_offset + pp.offset;
	f->probe.emulated = pp.kind == PROBEPOINT_EMULATED;
	f->probe.sp_delta = pp.sp_delta;
	snprintf(f->probe.insn, sizeof(f->probe.insn), "%s", pp.insn);
}

int resolver__resolve_path(const char *path, const struct resolver_kernel *k, struct profile *p,
			   char *what, size_t whatlen)
{
	struct gobin *b;
	int err;

	err = gobin__open_path(path, &b);
	if (err) {
		profile__init(p);
		snprintf(what, whatlen, "%s", errors__str(err));
		return err;
	}
	err = resolver__resolve(b, path, k, p, what, whatlen);
	gobin__delete(b);
	return err;
}
