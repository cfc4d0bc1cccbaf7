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
#include <stddef.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "errors.h"
#include "profile.h"

static const char *const source_names[] = {
	[PROFILE_SRC_NONE] = "none",	     [PROFILE_SRC_DWARF] = "dwarf",
	[PROFILE_SRC_TYPEDESC] = "typedesc", [PROFILE_SRC_TABLE] = "table",
	[PROFILE_SRC_DEFAULT] = "default",   [PROFILE_SRC_PCLNTAB] = "pclntab",
	[PROFILE_SRC_SYMTAB] = "symtab",     [PROFILE_SRC_BINARY] = "binary",
	[PROFILE_SRC_CODE] = "code",
};

/* The offsets section: key, field, and whether a profile must have it. */
static const struct {
	const char *key;
	size_t off;
	bool required;
	bool key_required; /* false: keys added after schema 1's first release */
} offset_keys[] = {
#define OFF(k, f, req, keyreq)                              \
	{                                                   \
		k, offsetof(struct profile, f), req, keyreq \
	}
	OFF("g_goid", g_goid, true, true),
	OFF("g_atomicstatus", g_atomicstatus, false, true),
	OFF("g_waitreason", g_waitreason, false, true),
	OFF("g_parent_goid", g_parent_goid, false, true),
	OFF("g_m", g_m, false, true),
	OFF("g_waitsince", g_waitsince, false, false),
	OFF("g_gopc", g_gopc, false, false),
	OFF("g_startpc", g_startpc, false, false),
	OFF("g_lockedm", g_lockedm, false, false),
	OFF("g_sched", g_sched, false, false),
	OFF("g_stack", g_stack, false, false),
	OFF("g_syscallsp", g_syscallsp, false, false),
	OFF("g_syscallpc", g_syscallpc, false, false),
	OFF("g_syscallbp", g_syscallbp, false, false),
	OFF("gobuf_sp", gobuf_sp, false, false),
	OFF("gobuf_pc", gobuf_pc, false, false),
	OFF("gobuf_bp", gobuf_bp, false, false),
#undef OFF
};

/* The variables section, optional as a whole (added with snapshots). */
static const struct {
	const char *key;
	size_t off;
} var_keys[] = {
	{"runtime.allgs", offsetof(struct profile, allgs)},
	{"runtime.allglen", offsetof(struct profile, allglen)},
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
	[PROFILE_FUNC_PREEMPT_PARK] = "runtime.casGToPreemptScan",
	[PROFILE_FUNC_PREEMPT_RESUME] = "runtime.casGFromPreempted",
	[PROFILE_FUNC_COROSWITCH] = "runtime.coroswitch",
	[PROFILE_FUNC_COROEXIT] = "runtime.corostart.deferwrap1", /* coroexit inlined */
};

const char *profile__source_name(enum profile_source s)
{
	return (unsigned int)s < ARRAY_SIZE(source_names) ? source_names[s] : "none";
}

const char *profile__version_source_name(enum profile_version_source s)
{
	return (unsigned int)s < ARRAY_SIZE(version_source_names) ? version_source_names[s] :
								    "none";
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

void profile__init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < ARRAY_SIZE(offset_keys); i++)
		((struct profile_offset *)((char *)p + offset_keys[i].off))->value = -1;
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
	cJSON *root, *bin, *offs, *vars, *syms, *f, *sem, *arr, *pcln;
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
	for (i = 0; i < (int)ARRAY_SIZE(offset_keys); i++)
		add_offset(offs, offset_keys[i].key,
			   (const struct profile_offset *)((const char *)p + offset_keys[i].off));

	vars = cJSON_AddObjectToObject(root, "variables");
	for (i = 0; i < (int)ARRAY_SIZE(var_keys); i++) {
		const struct profile_var *pv =
			(const struct profile_var *)((const char *)p + var_keys[i].off);

		if (!pv->address)
			continue;
		f = cJSON_AddObjectToObject(vars, var_keys[i].key);
		add_hex(f, "address", pv->address);
		cJSON_AddStringToObject(f, "source", profile__source_name(pv->source));
	}

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
			cJSON_AddStringToObject(pr, "kind",
						pf->probe.emulated ? "emulated" : "entry");
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
	cJSON_AddBoolToObject(sem, "waitreason_after_switch", p->waitreason_after_switch);
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

/*
 * A profile may come from anywhere, and is refused at its first problem, named
 * by its key path ("symbols.runtime.casgstatus.address"). Every key gooffsets
 * always writes is required, so a hand-edited or half-written profile cannot
 * pass with a silent default; the keys it writes only sometimes (probed
 * functions other than casgstatus, a function's probe, a field's size) are
 * optional. Values are checked for type and range, and the informative ones
 * are kept, so that a profile read and written again is the same profile.
 */
struct reader {
	char *why;
	size_t whylen;
	int failed;
};

#define KEY_LEN 96

static __attribute__((format(printf, 2, 3))) void bad(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed++)
		return; /* the first problem is the one to report */
	va_start(ap, fmt);
	vsnprintf(r->why, r->whylen, fmt, ap);
	va_end(ap);
}

/* "path.key", or "key" at the root (path ""). */
static const char *join(char *buf, const char *path, const char *key)
{
	if (snprintf(buf, KEY_LEN, "%s%s%s", path, path[0] ? "." : "", key) >= KEY_LEN)
		strcpy(buf + KEY_LEN - 4, "...");
	return buf;
}

/* The member key of obj, or NULL: an error when it is required. */
static const cJSON *member(struct reader *r, const cJSON *obj, const char *path, const char *key,
			   bool required)
{
	const cJSON *n = r->failed ? NULL : cJSON_GetObjectItemCaseSensitive(obj, key);
	char name[KEY_LEN];

	if (!n && required && !r->failed)
		bad(r, "missing key %s", join(name, path, key));
	return n;
}

static const cJSON *get_object(struct reader *r, const cJSON *obj, const char *path,
			       const char *key, bool required)
{
	const cJSON *n = member(r, obj, path, key, required);
	char name[KEY_LEN];

	if (n && !cJSON_IsObject(n)) {
		bad(r, "%s: not an object", join(name, path, key));
		return NULL;
	}
	return n;
}

static const cJSON *get_array(struct reader *r, const cJSON *obj, const char *path, const char *key)
{
	const cJSON *n = member(r, obj, path, key, true);
	char name[KEY_LEN];

	if (n && !cJSON_IsArray(n)) {
		bad(r, "%s: not an array", join(name, path, key));
		return NULL;
	}
	return n;
}

static void get_str(struct reader *r, const cJSON *obj, const char *path, const char *key,
		    char *dst, size_t len)
{
	const cJSON *n = member(r, obj, path, key, true);
	char name[KEY_LEN];

	if (!n)
		return;
	if (!cJSON_IsString(n))
		return bad(r, "%s: not a string", join(name, path, key));
	if (strlen(n->valuestring) >= len)
		return bad(r, "%s: longer than %zu bytes", join(name, path, key), len - 1);
	strcpy(dst, n->valuestring);
}

static void get_bool(struct reader *r, const cJSON *obj, const char *path, const char *key,
		     bool *dst)
{
	const cJSON *n = member(r, obj, path, key, true);
	char name[KEY_LEN];

	if (!n)
		return;
	if (!cJSON_IsBool(n))
		return bad(r, "%s: not true or false", join(name, path, key));
	*dst = cJSON_IsTrue(n);
}

/* An integer in [lo, hi]. Returns true when the key is there and valid. */
static bool get_int(struct reader *r, const cJSON *obj, const char *path, const char *key,
		    bool required, int64_t lo, int64_t hi, int64_t *dst)
{
	const cJSON *n = member(r, obj, path, key, required);
	char name[KEY_LEN];
	double v;

	if (!n)
		return false;
	if (!cJSON_IsNumber(n)) {
		bad(r, "%s: not a number", join(name, path, key));
		return false;
	}
	v = n->valuedouble;
	/* Range first: converting a huge double to an integer is undefined (fuzz find). */
	if (!(v >= (double)lo && v <= (double)hi)) {
		bad(r, "%s: %g is outside %" PRId64 "..%" PRId64, join(name, path, key), v, lo, hi);
		return false;
	}
	if (v != (double)(int64_t)v) {
		bad(r, "%s: %g is not an integer", join(name, path, key), v);
		return false;
	}
	*dst = (int64_t)v;
	return true;
}

/* "0x" and 1 to 16 hex digits: strtoull alone would take "0x-1" or "0x 1". */
static void get_hex(struct reader *r, const cJSON *obj, const char *path, const char *key,
		    uint64_t *dst)
{
	const cJSON *n = member(r, obj, path, key, true);
	char name[KEY_LEN];
	const char *s;
	size_t len;

	if (!n)
		return;
	s = cJSON_IsString(n) ? n->valuestring : NULL;
	len = s ? strlen(s) : 0;
	if (!s || len < 3 || len > 18 || strncmp(s, "0x", 2) ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != len - 2)
		return bad(r, "%s: not a \"0x...\" hex number of at most 64 bits",
			   join(name, path, key));
	*dst = strtoull(s + 2, NULL, 16);
}

/* One of names[0..n): its index, or -1. */
static int get_enum(struct reader *r, const cJSON *obj, const char *path, const char *key,
		    const char *const *names, size_t n)
{
	const cJSON *v = member(r, obj, path, key, true);
	char name[KEY_LEN], list[160] = "";
	size_t i;

	if (!v)
		return -1;
	if (!cJSON_IsString(v))
		return bad(r, "%s: not a string", join(name, path, key)), -1;
	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(v->valuestring, names[i]))
			return (int)i;
	for (i = 0; i < n; i++)
		if (names[i])
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? ", " : "", names[i]);
	bad(r, "%s: \"%.40s\" is not one of %s", join(name, path, key), v->valuestring, list);
	return -1;
}

static enum profile_source get_source(struct reader *r, const cJSON *obj, const char *path)
{
	int s = get_enum(r, obj, path, "source", source_names, ARRAY_SIZE(source_names));

	return s < 0 ? PROFILE_SRC_NONE : (enum profile_source)s;
}

/* One field of runtime.g: value (null when the field does not exist), source, size. */
static void get_offset(struct reader *r, const cJSON *offs, const char *key, bool required,
		       bool key_required, struct profile_offset *o)
{
	const cJSON *n, *v;
	char path[KEY_LEN];
	int64_t x;

	o->value = -1;
	o->source = PROFILE_SRC_NONE;
	o->size = 0;
	n = get_object(r, offs, "offsets", key, key_required);
	if (!n)
		return;
	join(path, "offsets", key);
	v = member(r, n, path, "value", true);
	o->source = get_source(r, n, path);
	if (!v || r->failed)
		return;
	if (cJSON_IsNull(v)) {
		if (required)
			return bad(r, "%s.value: null, but the tracer cannot do without it", path);
		if (o->source != PROFILE_SRC_NONE)
			return bad(r, "%s.source: \"%s\" for no value", path,
				   profile__source_name(o->source));
		return;
	}
	if (!get_int(r, n, path, "value", true, 0, PROFILE_MAX_G_OFFSET - 1, &o->value))
		return;
	if (o->source == PROFILE_SRC_NONE)
		return bad(r, "%s.source: \"none\" for a value", path);
	/* The fields the tracer reads are at most a word. */
	if (get_int(r, n, path, "size", false, 1, 8, &x))
		o->size = (uint32_t)x;
}

/* One variable: a nonzero address and where it came from (symtab or code). */
static void get_var(struct reader *r, const cJSON *vars, const char *key, struct profile_var *v)
{
	const cJSON *n = get_object(r, vars, "variables", key, false);
	char path[KEY_LEN];

	v->address = 0;
	v->source = PROFILE_SRC_NONE;
	if (!n)
		return;
	join(path, "variables", key);
	get_hex(r, n, path, "address", &v->address);
	v->source = get_source(r, n, path);
	if (r->failed)
		return;
	if (!v->address)
		return bad(r, "%s.address: 0", path);
	if (v->source != PROFILE_SRC_SYMTAB && v->source != PROFILE_SRC_CODE)
		return bad(r, "%s.source: \"%s\", not symtab or code", path,
			   profile__source_name(v->source));
}

/* Semantics names: an array of at most max short strings. */
static void get_names(struct reader *r, const cJSON *sem, const char *key,
		      char (*names)[PROFILE_NAME_LEN], int max, int *count)
{
	const cJSON *arr = get_array(r, sem, "semantics", key), *n;

	*count = 0;
	if (!arr)
		return;
	cJSON_ArrayForEach(n, arr) {
		if (*count >= max)
			return bad(r, "semantics.%s: more than %d entries", key, max);
		if (!cJSON_IsString(n) || strlen(n->valuestring) >= PROFILE_NAME_LEN)
			return bad(r, "semantics.%s[%d]: not a string of at most %d bytes", key,
				   *count, PROFILE_NAME_LEN - 1);
		strcpy(names[(*count)++], n->valuestring);
	}
}

/*
 * One probed function of symbols (required: casgstatus only). The entry must
 * lie in the text, end after it; the probe, which only informs (the tracer
 * chooses its own on the target), inside the function at the same
 * address-to-file-offset distance.
 */
static void get_func(struct reader *r, const cJSON *syms, const char *name, bool required,
		     uint64_t text_start, struct profile_func *pf)
{
	static const char *const func_sources[] = {
		[PROFILE_SRC_PCLNTAB] = "pclntab",
		[PROFILE_SRC_SYMTAB] = "symtab",
	};
	static const char *const kinds[] = {"entry", "emulated"};
	const cJSON *f, *pr;
	char path[KEY_LEN], ppath[KEY_LEN];
	int s;

	f = get_object(r, syms, "symbols", name, required);
	if (!f)
		return;
	join(path, "symbols", name);
	get_hex(r, f, path, "address", &pf->address);
	get_hex(r, f, path, "file_offset", &pf->file_offset);
	get_hex(r, f, path, "end", &pf->end);
	s = get_enum(r, f, path, "source", func_sources, ARRAY_SIZE(func_sources));
	pf->source = s < 0 ? PROFILE_SRC_NONE : (enum profile_source)s;
	if (r->failed)
		return;
	/* Address 0 means "absent" in the profile: a present key must not say it. */
	if (!pf->address)
		return bad(r, "%s.address: 0", path);
	if (pf->address < text_start)
		return bad(r, "%s.address: 0x%" PRIx64 " is below the text start 0x%" PRIx64, path,
			   pf->address, text_start);
	if (pf->end <= pf->address)
		return bad(r, "%s.end: 0x%" PRIx64 " is not after the address 0x%" PRIx64, path,
			   pf->end, pf->address);

	pr = get_object(r, f, path, "probe", false);
	if (!pr)
		return;
	join(ppath, path, "probe");
	get_hex(r, pr, ppath, "address", &pf->probe.address);
	get_hex(r, pr, ppath, "file_offset", &pf->probe.file_offset);
	pf->probe.emulated = get_enum(r, pr, ppath, "kind", kinds, ARRAY_SIZE(kinds)) == 1;
	get_int(r, pr, ppath, "sp_delta", true, INT32_MIN, INT32_MAX, &pf->probe.sp_delta);
	get_str(r, pr, ppath, "insn", pf->probe.insn, sizeof(pf->probe.insn));
	if (r->failed)
		return;
	if (pf->probe.address < pf->address || pf->probe.address >= pf->end)
		return bad(r, "%s.address: 0x%" PRIx64 " is outside the function", ppath,
			   pf->probe.address);
	if (pf->probe.file_offset - pf->file_offset != pf->probe.address - pf->address)
		return bad(r,
			   "%s.file_offset: 0x%" PRIx64 " does not go with its address 0x%" PRIx64,
			   ppath, pf->probe.file_offset, pf->probe.address);
}

/* The root object of buf, which must hold exactly one JSON value (and white space). */
static cJSON *parse(struct reader *r, const char *buf, size_t len)
{
	const char *end = NULL;
	cJSON *root;

	if (!len) {
		bad(r, "empty, not JSON");
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (!root) {
		bad(r, "not valid JSON (at byte %td)",
		    end && end >= buf ? end - buf : (ptrdiff_t)0);
		return NULL;
	}
	while (end < buf + len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (end < buf + len) {
		bad(r, "not valid JSON: more after the object, at byte %td", end - buf);
		cJSON_Delete(root);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		bad(r, "not a JSON object");
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int profile__from_json(const char *buf, size_t len, struct profile *p, char *why, size_t whylen)
{
	static const char *const build_id_kinds[] = {"go", "gnu"};
	static const char *const arches[] = {"x86_64", "aarch64"};
	static const char *const abis[] = {
		[PROFILE_ABI_REGISTER] = "register",
		[PROFILE_ABI_STACK] = "stack",
	};
	struct reader r = {.why = why, .whylen = whylen};
	const cJSON *bin, *offs, *vars, *syms, *sem, *pcln, *arr, *n;
	int64_t x;
	cJSON *root;
	int i;

	memset(p, 0, sizeof(*p));
	if (whylen)
		why[0] = 0;
	root = parse(&r, buf, len);
	if (!root)
		return -ERRORS__PROFILE;

	if (get_int(&r, root, "", "schema_version", true, 0, INT32_MAX, &x) &&
	    x != PROFILE_SCHEMA_VERSION)
		bad(&r, "schema_version: %" PRId64 ", this tracer reads %d", x,
		    PROFILE_SCHEMA_VERSION);

	bin = get_object(&r, root, "", "binary", true);
	get_str(&r, bin, "binary", "path", p->path, sizeof(p->path));
	get_str(&r, bin, "binary", "build_id", p->build_id, sizeof(p->build_id));
	p->build_id_is_gnu = get_enum(&r, bin, "binary", "build_id_kind", build_id_kinds,
				      ARRAY_SIZE(build_id_kinds)) == 1;
	get_str(&r, bin, "binary", "go_version", p->go_version, sizeof(p->go_version));
	i = get_enum(&r, bin, "binary", "go_version_source", version_source_names,
		     ARRAY_SIZE(version_source_names));
	p->go_version_source = i < 0 ? PROFILE_VER_NONE : (enum profile_version_source)i;
	i = get_enum(&r, bin, "binary", "arch", arches, ARRAY_SIZE(arches));
	if (i >= 0)
		strcpy(p->arch, arches[i]);
	get_bool(&r, bin, "binary", "pie", &p->pie);
	get_bool(&r, bin, "binary", "static", &p->is_static);
	get_bool(&r, bin, "binary", "stripped", &p->stripped);
	get_bool(&r, bin, "binary", "dwarf", &p->has_dwarf);

	i = get_enum(&r, root, "", "abi", abis, ARRAY_SIZE(abis));
	p->abi = i < 0 ? PROFILE_ABI_REGISTER : (enum profile_abi)i;

	offs = get_object(&r, root, "", "offsets", true);
	for (i = 0; i < (int)ARRAY_SIZE(offset_keys); i++)
		get_offset(&r, offs, offset_keys[i].key, offset_keys[i].required,
			   offset_keys[i].key_required,
			   (struct profile_offset *)((char *)p + offset_keys[i].off));
	vars = get_object(&r, root, "", "variables", false);
	for (i = 0; vars && i < (int)ARRAY_SIZE(var_keys); i++)
		get_var(&r, vars, var_keys[i].key,
			(struct profile_var *)((char *)p + var_keys[i].off));

	/* Before symbols: function entries are checked against the text start. */
	pcln = get_object(&r, root, "", "pclntab", true);
	if (get_int(&r, pcln, "pclntab", "version", true, 0, INT32_MAX, &x)) {
		if (x != 12 && x != 116 && x != 118 && x != 120)
			bad(&r, "pclntab.version: %" PRId64 " is not 12, 116, 118 or 120", x);
		p->pclntab_version = (int)x;
	}
	get_hex(&r, pcln, "pclntab", "text_start", &p->text_start);

	syms = get_object(&r, root, "", "symbols", true);
	for (i = 0; i < PROFILE_FUNC_MAX; i++)
		get_func(&r, syms, profile__func_names[i], i == PROFILE_FUNC_CASGSTATUS,
			 p->text_start, &p->funcs[i]);

	sem = get_object(&r, root, "", "semantics", true);
	get_bool(&r, sem, "semantics", "goid_at_creation", &p->goid_at_creation);
	get_bool(&r, sem, "semantics", "syscall_bypasses_casgstatus",
		 &p->syscall_bypasses_casgstatus);
	get_bool(&r, sem, "semantics", "waitreason_after_switch", &p->waitreason_after_switch);
	get_names(&r, sem, "gstatus", p->gstatus, PROFILE_MAX_GSTATUS, &p->n_gstatus);
	get_names(&r, sem, "waitreasons", p->waitreasons, PROFILE_MAX_WAITREASONS,
		  &p->n_waitreasons);
	i = get_enum(&r, sem, "semantics", "waitreasons_source", source_names,
		     ARRAY_SIZE(source_names));
	p->waitreasons_source = i < 0 ? PROFILE_SRC_NONE : (enum profile_source)i;

	arr = get_array(&r, root, "", "warnings");
	cJSON_ArrayForEach(n, arr) {
		if (p->n_warnings >= PROFILE_MAX_WARNINGS) {
			bad(&r, "warnings: more than %d entries", PROFILE_MAX_WARNINGS);
			break;
		}
		if (!cJSON_IsString(n) || strlen(n->valuestring) >= sizeof(p->warnings[0])) {
			bad(&r, "warnings[%d]: not a string of at most %zu bytes", p->n_warnings,
			    sizeof(p->warnings[0]) - 1);
			break;
		}
		strcpy(p->warnings[p->n_warnings++], n->valuestring);
	}
	cJSON_Delete(root);
	return r.failed ? -ERRORS__PROFILE : 0;
}
