// SPDX-License-Identifier: GPL-2.0
/*
 * sites: the table of creation sites and start functions by pc (see
 * sites.h). A goroutine table (gtable.h) keyed by (pc, target and kind)
 * holds a pointer to each entry, so entries stay put as the table grows;
 * the entries are also kept in the order they came, for the record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "gobin.h"
#include "goroutine.h"
#include "gosym.h"
#include "gtable.h"
#include "jsonw.h"
#include "sites.h"

struct sites {
	struct gtable *by_pc;
	struct site_sym **v; /* in the order added */
	size_t n, cap;
	size_t taken[GOROUTINE_MAX_TARGETS]; /* sites__take_json()'s cursor per target */
};

static struct goroutine_gkey key_of(uint32_t target, uint64_t pc, bool call)
{
	return (struct goroutine_gkey){.gp = pc, .tgid = target << 1 | call};
}

int sites__new(struct sites **out)
{
	struct sites *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	err = gtable__new(sizeof(struct site_sym *), &s->by_pc);
	if (err) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

void sites__delete(struct sites *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	gtable__delete(s->by_pc);
	free(s);
}

const struct site_sym *sites__get(const struct sites *s, uint32_t target, uint64_t pc, bool call)
{
	struct goroutine_gkey k = key_of(target, pc, call);
	struct site_sym **e = gtable__find(s->by_pc, &k);

	return e ? *e : NULL;
}

int sites__add(struct sites *s, uint32_t target, uint64_t pc, bool call, const char *func,
	       const char *file, uint32_t line, const struct site_sym **out)
{
	struct goroutine_gkey k = key_of(target, pc, call);
	size_t flen, fnlen;
	struct site_sym *e;
	void *slot;
	int rc;

	if (!func || target >= GOROUTINE_MAX_TARGETS)
		return -EINVAL;
	if (!file)
		file = "?";
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct site_sym **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	rc = gtable__insert(s->by_pc, &k, &slot);
	if (rc < 0)
		return rc;
	if (!rc) {
		if (out)
			*out = *(struct site_sym **)slot;
		return 0;
	}
	/* One allocation: the entry, then its two strings. */
	fnlen = strlen(func) + 1;
	flen = strlen(file) + 1;
	e = malloc(sizeof(*e) + fnlen + flen);
	if (!e) {
		gtable__remove(s->by_pc, slot);
		return -ENOMEM;
	}
	*e = (struct site_sym){.pc = pc, .target = target, .call = call, .line = line};
	e->func = memcpy((char *)(e + 1), func, fnlen);
	e->file = memcpy((char *)(e + 1) + fnlen, file, flen);
	*(struct site_sym **)slot = e;
	s->v[s->n++] = e;
	if (out)
		*out = e;
	return 0;
}

int sites__symbolize(struct gobin *b, uint64_t pc, bool call, const char **func, const char **file,
		     uint32_t *line)
{
	struct gosym_frame fr[GOSYM_MAX_DEPTH];
	struct gobin_func f;
	uint64_t wrapped;
	size_t nf = 0;

	/* A go statement's wrapper is named by what it wraps, as Go's tracer does. */
	if (!call && pc && !gobin__wrapped(b, pc, &wrapped))
		pc = wrapped;
	if (!pc || gobin__find_pc(b, pc, &f))
		return -ENOENT;
	*func = f.name;
	*file = "?";
	*line = 0;
	/* The call's own line: the return address may already be the next line's. */
	if (call && pc > f.entry)
		pc--;
	if (!gobin__frames(b, pc, fr, GOSYM_MAX_DEPTH, &nf) && nf) {
		/* A go statement's place is its innermost frame's; an entry's, its own line. */
		*file = fr[call ? 0 : nf - 1].file;
		*line = fr[call ? 0 : nf - 1].line;
	}
	return 0;
}

int sites__take_json(struct sites *s, uint32_t target, char **json, size_t *len, size_t *n)
{
	struct jsonw_mem m;
	struct jsonw *w;
	size_t i, k = 0;
	int err;

	*json = NULL;
	*len = 0;
	*n = 0;
	if (target >= GOROUTINE_MAX_TARGETS)
		return -EINVAL;
	for (i = s->taken[target]; i < s->n; i++)
		k += s->v[i]->target == target;
	if (!k) {
		s->taken[target] = s->n;
		return 0;
	}
	err = jsonw__mem_open(&m);
	if (err)
		return err;
	w = m.w;
	jsonw__array(w);
	for (i = s->taken[target]; i < s->n; i++) {
		const struct site_sym *e = s->v[i];

		if (e->target != target)
			continue;
		jsonw__object(w);
		jsonw__key(w, "pc");
		jsonw__hex(w, e->pc);
		jsonw__key(w, "call");
		jsonw__bool(w, e->call);
		jsonw__key(w, "func");
		jsonw__string(w, e->func);
		jsonw__key(w, "file");
		jsonw__string(w, e->file);
		jsonw__key(w, "line");
		jsonw__u64(w, e->line);
		jsonw__object_end(w);
	}
	jsonw__array_end(w);
	err = jsonw__mem_close(&m);
	if (err)
		return err;
	*json = m.buf;
	*len = m.len;
	s->taken[target] = s->n;
	*n = k;
	return 0;
}

int sites__add_json(struct sites *s, uint32_t target, const char *json, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(json, len);
	const cJSON *e;
	int err = cJSON_IsArray(j) ? 0 : -ERRORS__CORRUPT;

	cJSON_ArrayForEach(e, j) {
		const cJSON *pc = cJSON_GetObjectItemCaseSensitive(e, "pc");
		const cJSON *call = cJSON_GetObjectItemCaseSensitive(e, "call");
		const cJSON *func = cJSON_GetObjectItemCaseSensitive(e, "func");
		const cJSON *file = cJSON_GetObjectItemCaseSensitive(e, "file");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(e, "line");
		char *end;
		uint64_t v;

		if (err)
			break;
		if (!cJSON_IsString(pc) || !cJSON_IsBool(call) || !cJSON_IsString(func) ||
		    !cJSON_IsString(file) || !cJSON_IsNumber(line) || line->valuedouble < 0 ||
		    line->valuedouble > UINT32_MAX) {
			err = -ERRORS__CORRUPT;
			break;
		}
		errno = 0;
		v = strtoull(pc->valuestring, &end, 16);
		if (errno || end == pc->valuestring || *end) {
			err = -ERRORS__CORRUPT;
			break;
		}
		err = sites__add(s, target, v, cJSON_IsTrue(call), func->valuestring,
				 file->valuestring, (uint32_t)line->valuedouble, NULL);
		if (err == -EINVAL)
			err = -ERRORS__CORRUPT;
	}
	cJSON_Delete(j);
	return err;
}
