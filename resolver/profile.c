// SPDX-License-Identifier: GPL-2.0
/*
 * profile: the JSON form of a resolver profile (see profile.h), with cJSON.
 *
 * cJSON numbers are doubles, so addresses and file offsets travel as "0x..."
 * strings; small offsets into runtime.g are plain numbers. Each node is
 * attached to its parent as soon as it is made, so one cJSON_Delete(root)
 * frees everything on any path. Parsing validates every value it takes: a
 * profile may come from anywhere.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "errors.h"
#include "profile.h"

/* runtime.g is a few hundred bytes in every Go release; anything past this is bogus. */
#define MAX_G_OFFSET 1024

static const char *const source_names[] = {
	[PROFILE_SRC_NONE] = "none",	     [PROFILE_SRC_DWARF] = "dwarf",
	[PROFILE_SRC_TYPEDESC] = "typedesc", [PROFILE_SRC_TABLE] = "table",
	[PROFILE_SRC_DEFAULT] = "default",   [PROFILE_SRC_PCLNTAB] = "pclntab",
	[PROFILE_SRC_SYMTAB] = "symtab",     [PROFILE_SRC_BINARY] = "binary",
};

static const char *const version_source_names[] = {
	[PROFILE_VER_NONE] = "none",
	[PROFILE_VER_BUILDINFO_SECTION] = "buildinfo",
	[PROFILE_VER_BUILDINFO_SEGMENT] = "buildinfo-segment",
	[PROFILE_VER_BUILDVERSION_SYMBOL] = "runtime.buildVersion-symbol",
	[PROFILE_VER_BUILDVERSION_SCAN] = "runtime.buildVersion-scan",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *const profile__func_names[PROFILE_FUNC_MAX] = {
	[PROFILE_FUNC_CASGSTATUS] = "runtime.casgstatus",
	[PROFILE_FUNC_NEWPROC] = "runtime.newproc",
	[PROFILE_FUNC_REENTERSYSCALL] = "runtime.reentersyscall",
	[PROFILE_FUNC_EXITSYSCALL] = "runtime.exitsyscall",
};

const char *profile__source_name(enum profile_source s)
{
	return (unsigned int)s < ARRAY_SIZE(source_names) ? source_names[s] : "none";
}

const char *profile__version_source_name(enum profile_version_source s)
{
	return (unsigned int)s < ARRAY_SIZE(version_source_names) ? version_source_names[s] : "none";
}

void profile__add_warning(struct profile *p, const char *fmt, ...)
{
	va_list ap;

	if (p->n_warnings >= PROFILE_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(p->warnings[p->n_warnings++], sizeof(p->warnings[0]), fmt, ap);
	va_end(ap);
}

/* ---- writing ---- */

static cJSON *add_hex(cJSON *obj, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return cJSON_AddStringToObject(obj, key, buf);
}

static void add_offset(cJSON *offsets, const char *key, const struct profile_offset *o)
{
	cJSON *n = cJSON_AddObjectToObject(offsets, key);

	if (!n)
		return;
	if (o->value < 0)
		cJSON_AddNullToObject(n, "value");
	else
		cJSON_AddNumberToObject(n, "value", (double)o->value);
	cJSON_AddStringToObject(n, "source", profile__source_name(o->source));
	if (o->size)
		cJSON_AddNumberToObject(n, "size", o->size);
}

int profile__to_json(const struct profile *p, char **json)
{
	cJSON *root, *bin, *offs, *syms, *f, *sem, *arr, *pcln;
	char *text;
	int i;

	root = cJSON_CreateObject();
	if (!root)
		return -ENOMEM;
	cJSON_AddNumberToObject(root, "schema_version", PROFILE_SCHEMA_VERSION);
	bin = cJSON_AddObjectToObject(root, "binary");
	cJSON_AddStringToObject(bin, "path", p->path);
	cJSON_AddStringToObject(bin, "build_id", p->build_id);
	cJSON_AddStringToObject(bin, "build_id_kind", p->build_id_is_gnu ? "gnu" : "go");
	cJSON_AddStringToObject(bin, "go_version", p->go_version);
	cJSON_AddStringToObject(bin, "go_version_source",
				profile__version_source_name(p->go_version_source));
	cJSON_AddStringToObject(bin, "arch", p->arch);
	cJSON_AddBoolToObject(bin, "pie", p->pie);
	cJSON_AddBoolToObject(bin, "static", p->is_static);
	cJSON_AddBoolToObject(bin, "stripped", p->stripped);
	cJSON_AddBoolToObject(bin, "dwarf", p->has_dwarf);

	cJSON_AddStringToObject(root, "abi", p->abi == PROFILE_ABI_STACK ? "stack" : "register");

	offs = cJSON_AddObjectToObject(root, "offsets");
	add_offset(offs, "g_goid", &p->g_goid);
	add_offset(offs, "g_atomicstatus", &p->g_atomicstatus);
	add_offset(offs, "g_waitreason", &p->g_waitreason);
	add_offset(offs, "g_parent_goid", &p->g_parent_goid);
	add_offset(offs, "g_m", &p->g_m);

	syms = cJSON_AddObjectToObject(root, "symbols");
	for (i = 0; i < PROFILE_FUNC_MAX; i++) {
		const struct profile_func *pf = &p->funcs[i];

		if (!pf->address)
			continue;
		f = cJSON_AddObjectToObject(syms, profile__func_names[i]);
		add_hex(f, "address", pf->address);
		add_hex(f, "file_offset", pf->file_offset);
		add_hex(f, "end", pf->end);
		cJSON_AddStringToObject(f, "source", profile__source_name(pf->source));
		if (pf->probe.address) {
			cJSON *pr = cJSON_AddObjectToObject(f, "probe");

			add_hex(pr, "address", pf->probe.address);
			add_hex(pr, "file_offset", pf->probe.file_offset);
			cJSON_AddStringToObject(pr, "kind", pf->probe.emulated ? "emulated" : "entry");
			cJSON_AddNumberToObject(pr, "sp_delta", (double)pf->probe.sp_delta);
			cJSON_AddStringToObject(pr, "insn", pf->probe.insn);
		}
	}

	pcln = cJSON_AddObjectToObject(root, "pclntab");
	cJSON_AddNumberToObject(pcln, "version", p->pclntab_version);
	add_hex(pcln, "text_start", p->text_start);

	sem = cJSON_AddObjectToObject(root, "semantics");
	cJSON_AddBoolToObject(sem, "goid_at_creation", p->goid_at_creation);
	cJSON_AddBoolToObject(sem, "syscall_bypasses_casgstatus", p->syscall_bypasses_casgstatus);
	arr = cJSON_AddArrayToObject(sem, "gstatus");
	for (i = 0; arr && i < p->n_gstatus; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(p->gstatus[i]));
	arr = cJSON_AddArrayToObject(sem, "waitreasons");
	for (i = 0; arr && i < p->n_waitreasons; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(p->waitreasons[i]));
	cJSON_AddStringToObject(sem, "waitreasons_source",
				profile__source_name(p->waitreasons_source));

	arr = cJSON_AddArrayToObject(root, "warnings");
	for (i = 0; arr && i < p->n_warnings; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(p->warnings[i]));

	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return -ENOMEM;
	/* cJSON_Print has no trailing newline; a text file should. */
	*json = realloc(text, strlen(text) + 2);
	if (!*json) {
		free(text);
		return -ENOMEM;
	}
	strcat(*json, "\n");
	return 0;
}

/* ---- reading ---- */

struct reader {
	char *why;
	size_t whylen;
	int failed;
};

static __attribute__((format(printf, 2, 3))) void bad(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed++)
		return; /* the first problem is the one to report */
	va_start(ap, fmt);
	vsnprintf(r->why, r->whylen, fmt, ap);
	va_end(ap);
}

static const cJSON *get(struct reader *r, const cJSON *obj, const char *path, const char *key)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!n)
		bad(r, "missing key %s.%s", path, key);
	return n;
}

static void get_str(struct reader *r, const cJSON *obj, const char *path, const char *key,
		    char *dst, size_t len)
{
	const cJSON *n = get(r, obj, path, key);

	if (!n)
		return;
	if (!cJSON_IsString(n))
		return bad(r, "%s.%s: not a string", path, key);
	if (strlen(n->valuestring) >= len)
		return bad(r, "%s.%s: too long", path, key);
	strcpy(dst, n->valuestring);
}

static void get_bool(struct reader *r, const cJSON *obj, const char *path, const char *key,
		     bool *dst)
{
	const cJSON *n = get(r, obj, path, key);

	if (!n)
		return;
	if (!cJSON_IsBool(n))
		return bad(r, "%s.%s: not a boolean", path, key);
	*dst = cJSON_IsTrue(n);
}

static void get_hex(struct reader *r, const cJSON *obj, const char *path, const char *key,
		    uint64_t *dst)
{
	const cJSON *n = get(r, obj, path, key);
	char *end;

	if (!n)
		return;
	if (!cJSON_IsString(n) || strncmp(n->valuestring, "0x", 2) || !n->valuestring[2])
		return bad(r, "%s.%s: not a \"0x...\" hex string", path, key);
	errno = 0;
	*dst = strtoull(n->valuestring + 2, &end, 16);
	if (errno || *end)
		return bad(r, "%s.%s: bad hex number \"%s\"", path, key, n->valuestring);
}

static enum profile_source source_of(struct reader *r, const cJSON *n, const char *path)
{
	size_t i;

	if (cJSON_IsString(n))
		for (i = 0; i < ARRAY_SIZE(source_names); i++)
			if (!strcmp(n->valuestring, source_names[i]))
				return i;
	bad(r, "%s.source: unknown source", path);
	return PROFILE_SRC_NONE;
}

static void get_offset(struct reader *r, const cJSON *offs, const char *key, bool required,
		       struct profile_offset *o)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(offs, key), *v;
	char path[64];

	snprintf(path, sizeof(path), "offsets.%s", key);
	o->value = -1;
	o->source = PROFILE_SRC_NONE;
	o->size = 0;
	if (!n) {
		if (required)
			bad(r, "missing key %s", path);
		return;
	}
	if (!cJSON_IsObject(n))
		return bad(r, "%s: not an object", path);
	v = get(r, n, path, "value");
	if (!v)
		return;
	if (cJSON_IsNull(v) && !required)
		return;
	if (!cJSON_IsNumber(v))
		return bad(r, "%s.value: not a number", path);
	/* Range first: converting a huge double to an integer is undefined (fuzz find). */
	if (!(v->valuedouble >= 0 && v->valuedouble < MAX_G_OFFSET))
		return bad(r, "%s.value: %g is outside runtime.g (0..%d)", path, v->valuedouble,
			   MAX_G_OFFSET - 1);
	if (v->valuedouble != (double)(int64_t)v->valuedouble)
		return bad(r, "%s.value: not an integer", path);
	o->value = (int64_t)v->valuedouble;
	v = get(r, n, path, "source");
	if (v)
		o->source = source_of(r, v, path);
	v = cJSON_GetObjectItemCaseSensitive(n, "size");
	if (v && cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble <= 8)
		o->size = (uint32_t)v->valuedouble;
}

static void get_names(struct reader *r, const cJSON *sem, const char *key, char (*names)[PROFILE_NAME_LEN],
		      int max, int *count)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(sem, key), *n;

	*count = 0;
	if (!arr)
		return; /* optional: the tracer falls back to its own names */
	if (!cJSON_IsArray(arr))
		return bad(r, "semantics.%s: not an array", key);
	cJSON_ArrayForEach(n, arr) {
		if (*count >= max)
			return bad(r, "semantics.%s: more than %d entries", key, max);
		if (!cJSON_IsString(n) || strlen(n->valuestring) >= PROFILE_NAME_LEN)
			return bad(r, "semantics.%s[%d]: not a short string", key, *count);
		strcpy(names[(*count)++], n->valuestring);
	}
}

/* One optional function of symbols: address, file offset and end, validated. */
static void get_func(struct reader *r, const cJSON *syms, const char *name, struct profile_func *pf)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(syms, name), *n;
	char path[64];

	if (!f)
		return;
	snprintf(path, sizeof(path), "symbols.%s", name);
	if (!cJSON_IsObject(f))
		return bad(r, "%s: not an object", path);
	get_hex(r, f, path, "address", &pf->address);
	get_hex(r, f, path, "file_offset", &pf->file_offset);
	get_hex(r, f, path, "end", &pf->end);
	/* Address 0 means "absent" in the profile: a present key must not say it. */
	if (!r->failed && !pf->address)
		return bad(r, "%s: address 0", path);
	if (!r->failed && pf->end <= pf->address)
		return bad(r, "%s: end 0x%" PRIx64 " is not after address 0x%" PRIx64, path, pf->end,
			   pf->address);
	n = cJSON_GetObjectItemCaseSensitive(f, "source");
	pf->source = n ? source_of(r, n, path) : PROFILE_SRC_NONE;
	/* The probe is informative: the tracer chooses its own on the target. */
	n = cJSON_GetObjectItemCaseSensitive(f, "probe");
	if (cJSON_IsObject(n)) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(n, "kind");

		strcat(path, ".probe");
		get_hex(r, n, path, "address", &pf->probe.address);
		get_hex(r, n, path, "file_offset", &pf->probe.file_offset);
		pf->probe.emulated = cJSON_IsString(k) && !strcmp(k->valuestring, "emulated");
		if (!r->failed && (pf->probe.address < pf->address || pf->probe.address >= pf->end))
			bad(r, "%s: 0x%" PRIx64 " is outside the function", path, pf->probe.address);
	}
}

int profile__from_json(const char *buf, size_t len, struct profile *p, char *why, size_t whylen)
{
	struct reader r = { .why = why, .whylen = whylen };
	int i;
	const cJSON *root, *n, *bin, *offs, *syms, *sem;
	char abi[16] = "";

	memset(p, 0, sizeof(*p));
	root = cJSON_ParseWithLength(buf, len);
	if (!root) {
		snprintf(why, whylen, "not valid JSON");
		return -ERRORS__PROFILE;
	}
	if (!cJSON_IsObject(root)) {
		bad(&r, "not a JSON object");
		goto out;
	}
	n = get(&r, root, "", "schema_version");
	if (n && (!cJSON_IsNumber(n) || n->valueint != PROFILE_SCHEMA_VERSION)) {
		bad(&r, "schema_version: not %d", PROFILE_SCHEMA_VERSION);
		goto out;
	}
	bin = get(&r, root, "", "binary");
	if (bin && !cJSON_IsObject(bin))
		bad(&r, "binary: not an object");
	if (r.failed)
		goto out;
	get_str(&r, bin, "binary", "path", p->path, sizeof(p->path));
	get_str(&r, bin, "binary", "build_id", p->build_id, sizeof(p->build_id));
	n = cJSON_GetObjectItemCaseSensitive(bin, "build_id_kind");
	p->build_id_is_gnu = cJSON_IsString(n) && !strcmp(n->valuestring, "gnu");
	get_str(&r, bin, "binary", "go_version", p->go_version, sizeof(p->go_version));
	get_str(&r, bin, "binary", "arch", p->arch, sizeof(p->arch));
	get_bool(&r, bin, "binary", "pie", &p->pie);
	get_bool(&r, bin, "binary", "static", &p->is_static);
	get_bool(&r, bin, "binary", "stripped", &p->stripped);

	get_str(&r, root, "", "abi", abi, sizeof(abi));
	if (!r.failed) {
		if (!strcmp(abi, "register"))
			p->abi = PROFILE_ABI_REGISTER;
		else if (!strcmp(abi, "stack"))
			p->abi = PROFILE_ABI_STACK;
		else
			bad(&r, "abi: \"%s\" is neither \"register\" nor \"stack\"", abi);
	}

	offs = get(&r, root, "", "offsets");
	if (offs && !cJSON_IsObject(offs))
		bad(&r, "offsets: not an object");
	if (r.failed)
		goto out;
	get_offset(&r, offs, "g_goid", true, &p->g_goid);
	get_offset(&r, offs, "g_atomicstatus", false, &p->g_atomicstatus);
	get_offset(&r, offs, "g_waitreason", false, &p->g_waitreason);
	get_offset(&r, offs, "g_parent_goid", false, &p->g_parent_goid);
	get_offset(&r, offs, "g_m", false, &p->g_m);

	syms = get(&r, root, "", "symbols");
	if (syms && !cJSON_IsObject(syms))
		bad(&r, "symbols: not an object");
	if (r.failed)
		goto out;
	if (!cJSON_GetObjectItemCaseSensitive(syms, profile__func_names[PROFILE_FUNC_CASGSTATUS])) {
		bad(&r, "missing key symbols.%s", profile__func_names[PROFILE_FUNC_CASGSTATUS]);
		goto out;
	}
	for (i = 0; i < PROFILE_FUNC_MAX && !r.failed; i++)
		get_func(&r, syms, profile__func_names[i], &p->funcs[i]);

	sem = cJSON_GetObjectItemCaseSensitive(root, "semantics");
	if (sem && cJSON_IsObject(sem)) {
		n = cJSON_GetObjectItemCaseSensitive(sem, "goid_at_creation");
		p->goid_at_creation = cJSON_IsTrue(n);
		n = cJSON_GetObjectItemCaseSensitive(sem, "syscall_bypasses_casgstatus");
		p->syscall_bypasses_casgstatus = cJSON_IsTrue(n);
		get_names(&r, sem, "gstatus", p->gstatus, PROFILE_MAX_GSTATUS, &p->n_gstatus);
		get_names(&r, sem, "waitreasons", p->waitreasons, PROFILE_MAX_WAITREASONS,
			  &p->n_waitreasons);
	}
out:
	cJSON_Delete((cJSON *)root);
	return r.failed ? -ERRORS__PROFILE : 0;
}
