// SPDX-License-Identifier: GPL-2.0
/*
 * test_profile: the profile's JSON round trip (resolver/profile.c), the contract
 * between gooffsets and the tracer. A profile resolved from a real binary (the
 * bundled server, argv[1]) and hand-made ones that between them take every
 * source, version source, ABI, probe kind and flag value go through
 * profile__to_json() and profile__from_json() and must come back equal, field by
 * field (not memcmp: padding and the bytes after a string's end are not part of
 * the contract); the JSON written again must be the same text. A writer that
 * drops or misspells one field, or a reader that ignores one, fails here.
 */
#include <errno.h>
#include <stdbool.h>

#include "check.h"
#include "errors.h"
#include "profile.h"
#include "resolver.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CHECK_FIELD_U64(a, b, f) CHECK_EQ_U64((uint64_t)(a)->f, (uint64_t)(b)->f)
#define CHECK_FIELD_STR(a, b, f) CHECK_STR((a)->f, (b)->f)

static void check_offset(const char *name, const struct profile_offset *a,
			 const struct profile_offset *b)
{
	int before = check_failures;

	CHECK_FIELD_U64(a, b, value);
	CHECK_FIELD_U64(a, b, source);
	CHECK_FIELD_U64(a, b, size);
	if (check_failures != before)
		fprintf(stderr, "  in offset %s\n", name);
}

static void check_func(int i, const struct profile_func *a, const struct profile_func *b)
{
	int before = check_failures;

	CHECK_FIELD_U64(a, b, address);
	CHECK_FIELD_U64(a, b, file_offset);
	CHECK_FIELD_U64(a, b, end);
	CHECK_FIELD_U64(a, b, source);
	CHECK_FIELD_U64(a, b, probe.address);
	CHECK_FIELD_U64(a, b, probe.file_offset);
	CHECK_FIELD_U64(a, b, probe.emulated);
	CHECK_FIELD_U64(a, b, probe.sp_delta);
	CHECK_FIELD_STR(a, b, probe.insn);
	if (check_failures != before)
		fprintf(stderr, "  in function %s\n", profile__func_names[i]);
}

/* Every field of struct profile (resolver/profile.h), in its order. */
static void check_profile_eq(const char *what, const struct profile *a, const struct profile *b)
{
	int before = check_failures, i;

	CHECK_FIELD_STR(a, b, path);
	CHECK_FIELD_STR(a, b, build_id);
	CHECK_FIELD_U64(a, b, build_id_is_gnu);
	CHECK_FIELD_STR(a, b, go_version);
	CHECK_FIELD_U64(a, b, go_version_source);
	CHECK_FIELD_STR(a, b, arch);
	CHECK_FIELD_U64(a, b, pie);
	CHECK_FIELD_U64(a, b, is_static);
	CHECK_FIELD_U64(a, b, stripped);
	CHECK_FIELD_U64(a, b, has_dwarf);
	CHECK_FIELD_U64(a, b, abi);
	check_offset("g_goid", &a->g_goid, &b->g_goid);
	check_offset("g_atomicstatus", &a->g_atomicstatus, &b->g_atomicstatus);
	check_offset("g_waitreason", &a->g_waitreason, &b->g_waitreason);
	check_offset("g_parent_goid", &a->g_parent_goid, &b->g_parent_goid);
	check_offset("g_m", &a->g_m, &b->g_m);
	for (i = 0; i < PROFILE_FUNC_MAX; i++)
		check_func(i, &a->funcs[i], &b->funcs[i]);
	CHECK_FIELD_U64(a, b, pclntab_version);
	CHECK_FIELD_U64(a, b, text_start);
	CHECK_FIELD_U64(a, b, goid_at_creation);
	CHECK_FIELD_U64(a, b, syscall_bypasses_casgstatus);
	CHECK_FIELD_U64(a, b, waitreason_after_switch);
	CHECK_FIELD_U64(a, b, n_gstatus);
	for (i = 0; i < a->n_gstatus && i < b->n_gstatus; i++)
		CHECK_FIELD_STR(a, b, gstatus[i]);
	CHECK_FIELD_U64(a, b, n_waitreasons);
	for (i = 0; i < a->n_waitreasons && i < b->n_waitreasons; i++)
		CHECK_FIELD_STR(a, b, waitreasons[i]);
	CHECK_FIELD_U64(a, b, waitreasons_source);
	CHECK_FIELD_U64(a, b, n_warnings);
	for (i = 0; i < a->n_warnings && i < b->n_warnings; i++)
		CHECK_FIELD_STR(a, b, warnings[i]);
	if (check_failures != before)
		fprintf(stderr, "  in the round trip of %s\n", what);
}

/* p -> JSON -> q, q == p, and q -> JSON gives the same text again. */
static void round_trip(const char *what, const struct profile *p)
{
	struct profile *q = calloc(1, sizeof(*q));
	char *json = NULL, *again = NULL, why[256];
	int err;

	CHECK(q);
	if (!q)
		return;
	CHECK(!profile__to_json(p, &json));
	if (!json)
		goto out;
	err = profile__from_json(json, strlen(json), q, why, sizeof(why));
	CHECK(!err);
	if (err) {
		fprintf(stderr, "  %s: refused its own JSON: %s\n%s", what, why, json);
		goto out;
	}
	check_profile_eq(what, p, q);
	CHECK(!profile__to_json(q, &again));
	CHECK(again && !strcmp(json, again));
out:
	free(again);
	free(json);
	free(q);
}

static void set_offset(struct profile_offset *o, int64_t value, enum profile_source source,
		       uint32_t size)
{
	/* A field that does not exist has no source and no size (the reader's rule). */
	o->value = value;
	o->source = value < 0 ? PROFILE_SRC_NONE : source;
	o->size = value < 0 ? 0 : size;
}

/* Function i at base + i * 0x1000, 0x100 long, probed at +delta when delta >= 0. */
static void set_func(struct profile *p, int i, uint64_t base, enum profile_source source,
		     int64_t delta, bool emulated)
{
	struct profile_func *f = &p->funcs[i];

	f->address = base + (uint64_t)i * 0x1000;
	f->file_offset = f->address - 0x400000;
	f->end = f->address + 0x100;
	f->source = source;
	if (delta < 0)
		return;
	f->probe.address = f->address + (uint64_t)delta;
	f->probe.file_offset = f->file_offset + (uint64_t)delta;
	f->probe.emulated = emulated;
	f->probe.sp_delta = emulated ? 8 * (i + 1) : 0;
	snprintf(f->probe.insn, sizeof(f->probe.insn), "%s", emulated ? "push %rbp" : "");
}

/* A valid profile; variant v turns every choice the other way, or takes the next value. */
static void fill(struct profile *p, int v)
{
	static const enum profile_source all[] = {
		PROFILE_SRC_DWARF,   PROFILE_SRC_TYPEDESC, PROFILE_SRC_TABLE,  PROFILE_SRC_DEFAULT,
		PROFILE_SRC_PCLNTAB, PROFILE_SRC_SYMTAB,   PROFILE_SRC_BINARY,
	};
	static const int pclntab_versions[] = {12, 116, 118, 120};
	const int n = ARRAY_SIZE(all);
	int i;

	profile__init(p);
	snprintf(p->path, sizeof(p->path), "/opt/go \"bin\"\\%d\t\xc3\xa9", v);
	snprintf(p->build_id, sizeof(p->build_id), v & 1 ? "%040x" : "go-build-id/%d", v);
	p->build_id_is_gnu = v & 1;
	/* Variant 4: the version unknown. */
	if (v != 4)
		snprintf(p->go_version, sizeof(p->go_version), "go1.%d.%d", 17 + v, v);
	p->go_version_source = (enum profile_version_source)(v % 5);
	snprintf(p->arch, sizeof(p->arch), "%s", v & 1 ? "aarch64" : "x86_64");
	p->pie = v & 1;
	p->is_static = !(v & 1);
	p->stripped = v & 2;
	p->has_dwarf = !(v & 2);
	p->abi = v & 1 ? PROFILE_ABI_STACK : PROFILE_ABI_REGISTER;

	set_offset(&p->g_goid, 152 + 8 * v, all[v % n], 8);
	set_offset(&p->g_atomicstatus, v == 3 ? -1 : 144, all[(v + 1) % n], v & 1 ? 0 : 4);
	set_offset(&p->g_waitreason, v == 2 ? -1 : PROFILE_MAX_G_OFFSET - 1, all[(v + 2) % n], 1);
	set_offset(&p->g_parent_goid, v & 1 ? -1 : 0, all[(v + 3) % n], 8);
	set_offset(&p->g_m, 48, all[(v + 4) % n], v & 1 ? 8 : 0);
	/* The snapshot's fields: absent in variant 5 (a profile from before snapshots). */
	if (v != 5) {
		struct profile_offset *snap[] = {
			&p->g_waitsince, &p->g_gopc,   &p->g_startpc,	&p->g_lockedm,
			&p->g_sched,	 &p->g_stack,  &p->g_syscallsp, &p->g_syscallpc,
			&p->g_syscallbp, &p->gobuf_sp, &p->gobuf_pc,	&p->gobuf_bp,
		};
		for (i = 0; i < (int)ARRAY_SIZE(snap); i++)
			set_offset(snap[i], (i + v) % 7 == 3 ? -1 : 8 * i + v, all[(v + i) % n],
				   i & 1 ? 8 : 0);
		p->allgs.address = 0x500000 + 0x1000 * (uint64_t)v;
		p->allgs.source = v & 1 ? PROFILE_SRC_CODE : PROFILE_SRC_SYMTAB;
		if (v != 3) {
			p->allglen.address = p->allgs.address + 0x20000;
			p->allglen.source = v & 2 ? PROFILE_SRC_CODE : PROFILE_SRC_SYMTAB;
		}
	}

	p->pclntab_version = pclntab_versions[v % 4];
	p->text_start = 0x401000 + 0x10000 * (uint64_t)v;
	/* casgstatus always (it is required); the others absent in some variants. */
	set_func(p, PROFILE_FUNC_CASGSTATUS, p->text_start, PROFILE_SRC_PCLNTAB, v & 1 ? 4 : 0,
		 v & 1);
	for (i = 1; i < PROFILE_FUNC_MAX; i++) {
		if ((v + i) % 3 == 0)
			continue;
		set_func(p, i, p->text_start + 0x100000,
			 (v + i) & 1 ? PROFILE_SRC_SYMTAB : PROFILE_SRC_PCLNTAB,
			 (v + i) % 3 == 1 ? -1 : 0xff, !(i & 1));
	}

	p->goid_at_creation = !(v & 1);
	p->syscall_bypasses_casgstatus = v & 1;
	p->waitreason_after_switch = (v & 2) != 0;
	p->n_gstatus = v == 0 ? 0 : PROFILE_MAX_GSTATUS - v;
	for (i = 0; i < p->n_gstatus; i++)
		snprintf(p->gstatus[i], PROFILE_NAME_LEN, "_Gstate%d", i);
	p->n_waitreasons = v == 1 ? 0 : PROFILE_MAX_WAITREASONS - v;
	for (i = 0; i < p->n_waitreasons; i++)
		snprintf(p->waitreasons[i], PROFILE_NAME_LEN, "%.*s", PROFILE_NAME_LEN - 1,
			 "a wait reason that is as long as a name may be, and more");
	if (p->n_waitreasons)
		snprintf(p->waitreasons[0], PROFILE_NAME_LEN, "%s", "");
	p->waitreasons_source = v == 1 ? PROFILE_SRC_NONE : all[(v + 5) % n];
	for (i = 0; i < v * 2 && i < PROFILE_MAX_WARNINGS; i++)
		profile__add_warning(p, "warning %d: \"quoted\", a\nnewline", i);
}

/* Hand-made profiles: together they take every value of every enum and flag. */
static void test_hand_made(void)
{
	struct profile *p = malloc(sizeof(*p));
	char what[32];
	int v;

	CHECK(p);
	if (!p)
		return;
	for (v = 0; v < 8; v++) {
		fill(p, v);
		snprintf(what, sizeof(what), "hand-made profile %d", v);
		round_trip(what, p);
	}
	free(p);
}

/* A profile as gooffsets fills it, from a real binary. */
static void test_resolved(const char *path)
{
	struct profile *p = calloc(1, sizeof(*p));
	struct resolver_kernel k = {.emulates_push = true};
	char what[512];
	int err;

	CHECK(p);
	if (!p)
		return;
	err = resolver__resolve_path(path, &k, p, what, sizeof(what));
	if (err) {
		fprintf(stderr, "%s: cannot resolve: %s (%s)\n", path, errors__str(err), what);
		CHECK(!err);
		free(p);
		return;
	}
	/* A resolve that filled the fields the contract is about. */
	CHECK(p->g_goid.value > 0 && p->funcs[PROFILE_FUNC_CASGSTATUS].address);
	CHECK(p->n_gstatus > 0 && p->n_waitreasons > 0 && p->go_version[0]);
	round_trip(path, p);
	free(p);
}

int main(int argc, char **argv)
{
	test_hand_made();
	if (argc > 1)
		test_resolved(argv[1]);
	else
		CHECK_SKIP("no binary given: the resolved profile's round trip");
	return check_done("test_profile");
}
