// SPDX-License-Identifier: GPL-2.0
/*
 * stacks: blocking stacks by (target, id) (see stacks.h). A goroutine table
 * (gtable.h) holds a pointer to each entry, so entries stay put as it grows;
 * each entry owns its frames and their strings, whether they came from the
 * binary or from a record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "gobin.h"
#include "gosym.h"
#include "gtable.h"
#include "jsonw.h"
#include "stacks.h"
#include "summary.h"

struct entry {
	struct stacks_entry e;
	struct summary_frame *frames;
	char **strings; /* each frame's func and file, owned */
};

struct stacks {
	struct gtable *by_id;
	struct entry **v; /* in the order added */
	size_t n, cap;
	size_t taken[GOROUTINE_MAX_TARGETS];
};

/* The table's key: the stack id, and the target where the tgid goes. */
static struct goroutine_gkey key_of(uint32_t target, uint64_t id)
{
	return (struct goroutine_gkey){.gp = id, .tgid = target};
}

int stacks__new(struct stacks **out)
{
	struct stacks *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	err = gtable__new(sizeof(struct entry *), &s->by_id);
	if (err) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

static void entry_free(struct entry *x)
{
	if (!x)
		return;
	for (size_t i = 0; x->strings && i < 2 * x->e.nframes; i++)
		free(x->strings[i]);
	free(x->strings);
	free(x->frames);
	free(x);
}

void stacks__delete(struct stacks *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		entry_free(s->v[i]);
	free(s->v);
	gtable__delete(s->by_id);
	free(s);
}

const struct stacks_entry *stacks__get(const struct stacks *s, uint32_t target, uint64_t id)
{
	struct goroutine_gkey k = key_of(target, id);
	struct entry **e = gtable__find(s->by_id, &k);

	return e ? &(*e)->e : NULL;
}

/* One more frame of x, its strings copied. */
static int push_frame(struct entry *x, size_t *cap, const char *func, const char *file,
		      uint32_t line)
{
	size_t n = x->e.nframes;

	if (n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		struct summary_frame *f = realloc(x->frames, c * sizeof(*f));
		char **str;

		if (!f)
			return -ENOMEM;
		x->frames = f;
		str = realloc(x->strings, 2 * c * sizeof(*str));
		if (!str)
			return -ENOMEM;
		x->strings = str;
		*cap = c;
	}
	x->strings[2 * n] = strdup(func ? func : "?");
	x->strings[2 * n + 1] = strdup(file ? file : "?");
	x->e.nframes = n + 1;
	if (!x->strings[2 * n] || !x->strings[2 * n + 1])
		return -ENOMEM;
	x->frames[n] = (struct summary_frame){x->strings[2 * n], x->strings[2 * n + 1], line};
	return 0;
}

/* The pcs' frames from b: each return address's calls (the byte before), inlined ones first. */
static int symbolize(struct entry *x, struct gobin *b, size_t *cap)
{
	struct gosym_frame fr[GOSYM_MAX_DEPTH];
	size_t nf, i, j;
	int err = 0;

	for (i = 0; !err && i < x->e.st.n && i < GOROUTINE_STACK_DEPTH; i++) {
		if (!x->e.st.pcs[i] ||
		    gobin__frames(b, x->e.st.pcs[i] - 1, fr, GOSYM_MAX_DEPTH, &nf))
			nf = 0;
		for (j = 0; !err && j < nf; j++)
			/* runtime.goexit is where every goroutine returns to, not where it is. */
			if (strcmp(fr[j].func, "runtime.goexit"))
				err = push_frame(x, cap, fr[j].func, fr[j].file, fr[j].line);
	}
	return err;
}

/* The new entry x into the table, or freed. */
static int insert(struct stacks *s, struct entry *x, const struct stacks_entry **out)
{
	struct goroutine_gkey k = key_of(x->e.target, x->e.id);
	void *slot;
	int rc;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct entry **v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			entry_free(x);
			return -ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	rc = gtable__insert(s->by_id, &k, &slot);
	if (rc <= 0) {
		entry_free(x);
		if (!rc && out)
			*out = &(*(struct entry **)slot)->e;
		return rc;
	}
	*(struct entry **)slot = x;
	s->v[s->n++] = x;
	if (out)
		*out = &x->e;
	return 0;
}

int stacks__add(struct stacks *s, uint32_t target, uint64_t id, const struct goroutine_stack *st,
		struct gobin *b, const struct stacks_entry **out)
{
	const struct stacks_entry *have = stacks__get(s, target, id);
	struct entry *x;
	size_t cap = 0;

	if (have) {
		if (out)
			*out = have;
		return 0;
	}
	if (target >= GOROUTINE_MAX_TARGETS)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->e.id = id;
	x->e.target = target;
	x->e.st = *st;
	if (x->e.st.n > GOROUTINE_STACK_DEPTH)
		x->e.st.n = GOROUTINE_STACK_DEPTH;
	if (b && symbolize(x, b, &cap)) {
		entry_free(x);
		return -ENOMEM;
	}
	x->e.frames = x->frames;
	return insert(s, x, out);
}

void stacks__frames_json(struct jsonw *w, const struct stacks_entry *e)
{
	jsonw__array(w);
	for (size_t j = 0; e && j < e->nframes; j++) {
		jsonw__object(w);
		jsonw__key(w, "func");
		jsonw__string(w, e->frames[j].func);
		jsonw__key(w, "file");
		jsonw__string(w, e->frames[j].file);
		jsonw__key(w, "line");
		jsonw__u64(w, e->frames[j].line);
		jsonw__object_end(w);
	}
	jsonw__array_end(w);
}

int stacks__take_json(struct stacks *s, uint32_t target, char **json, size_t *len)
{
	struct jsonw_mem m;
	struct jsonw *w;
	size_t i, k = 0;
	int err;

	*json = NULL;
	*len = 0;
	if (target >= GOROUTINE_MAX_TARGETS)
		return -EINVAL;
	for (i = s->taken[target]; i < s->n; i++)
		k += s->v[i]->e.target == target;
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
		const struct stacks_entry *e = &s->v[i]->e;

		if (e->target != target)
			continue;
		jsonw__object(w);
		jsonw__key(w, "id");
		jsonw__hex(w, e->id);
		jsonw__key(w, "truncated");
		jsonw__bool(w, e->st.flags & GOROUTINE_STACK_TRUNCATED);
		jsonw__key(w, "frames");
		stacks__frames_json(w, e);
		jsonw__object_end(w);
	}
	jsonw__array_end(w);
	err = jsonw__mem_close(&m);
	if (err)
		return err;
	*json = m.buf;
	*len = m.len;
	s->taken[target] = s->n;
	return 0;
}

/* One entry of a STACKS chunk, or -ERRORS__CORRUPT. */
static int entry_json(struct stacks *s, uint32_t target, const cJSON *e)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
	const cJSON *trunc = cJSON_GetObjectItemCaseSensitive(e, "truncated");
	const cJSON *frames = cJSON_GetObjectItemCaseSensitive(e, "frames"), *f;
	struct entry *x;
	size_t cap = 0;
	uint64_t v;
	char *end;
	int err = 0;

	if (!cJSON_IsString(id) || !cJSON_IsBool(trunc) || !cJSON_IsArray(frames))
		return -ERRORS__CORRUPT;
	errno = 0;
	v = strtoull(id->valuestring, &end, 16);
	if (errno || end == id->valuestring || *end || !v)
		return -ERRORS__CORRUPT;
	if (stacks__get(s, target, v))
		return 0;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->e.id = v;
	x->e.target = target;
	x->e.st.flags = cJSON_IsTrue(trunc) ? GOROUTINE_STACK_TRUNCATED : 0;
	cJSON_ArrayForEach(f, frames) {
		const cJSON *func = cJSON_GetObjectItemCaseSensitive(f, "func");
		const cJSON *file = cJSON_GetObjectItemCaseSensitive(f, "file");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(f, "line");

		if (!cJSON_IsString(func) || !cJSON_IsString(file) || !cJSON_IsNumber(line) ||
		    line->valuedouble < 0 || line->valuedouble > UINT32_MAX) {
			err = -ERRORS__CORRUPT;
			break;
		}
		err = push_frame(x, &cap, func->valuestring, file->valuestring,
				 (uint32_t)line->valuedouble);
		if (err)
			break;
	}
	if (err) {
		entry_free(x);
		return err;
	}
	x->e.frames = x->frames;
	return insert(s, x, NULL);
}

int stacks__add_json(struct stacks *s, uint32_t target, const char *json, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(json, len);
	const cJSON *e;
	int err = cJSON_IsArray(j) && target < GOROUTINE_MAX_TARGETS ? 0 : -ERRORS__CORRUPT;

	cJSON_ArrayForEach(e, j) {
		if (err)
			break;
		err = entry_json(s, target, e);
	}
	cJSON_Delete(j);
	return err;
}
