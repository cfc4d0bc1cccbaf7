// SPDX-License-Identifier: GPL-2.0
/*
 * names: state and wait-reason names (see names.h). The built-in state names
 * are the tracer spellings of runtime2.go's _G constants, the same as
 * offsets/gstatus.tsv's newest range (test_names checks the two agree).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "goroutine.h"
#include "jsonw.h"
#include "names.h"
#include "profile.h"

#define MAX_STATES PROFILE_MAX_GSTATUS
#define MAX_REASONS PROFILE_MAX_WAITREASONS
#define NAME_LEN PROFILE_NAME_LEN

static const char *const builtin[] = {
	[GOROUTINE_IDLE] = "IDLE",	     [GOROUTINE_RUNNABLE] = "RUNNABLE",
	[GOROUTINE_RUNNING] = "RUNNING",     [GOROUTINE_SYSCALL] = "SYSCALL",
	[GOROUTINE_WAITING] = "WAITING",     [GOROUTINE_MORIBUND_UNUSED] = "MORIBUND_UNUSED",
	[GOROUTINE_DEAD] = "DEAD",	     [GOROUTINE_ENQUEUE_UNUSED] = "ENQUEUE_UNUSED",
	[GOROUTINE_COPYSTACK] = "COPYSTACK", [GOROUTINE_PREEMPTED] = "PREEMPTED",
	[GOROUTINE_LEAKED] = "LEAKED",	     [GOROUTINE_DEADEXTRA] = "DEADEXTRA",
};

#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))

struct names {
	char go_version[48];
	char states[MAX_STATES][NAME_LEN]; /* the Go version's; "" where it has none */
	uint32_t nstates;
	char reasons[MAX_REASONS][NAME_LEN];
	uint32_t nreasons;
};

void names__set(struct names *n, const struct profile *p)
{
	int i;

	memset(n, 0, sizeof(*n));
	if (!p)
		return;
	/* A profile's strings are bounded by its arrays; copy them as C strings. */
	snprintf(n->go_version, sizeof(n->go_version), "%s", p->go_version);
	for (i = 0; i < p->n_gstatus && i < MAX_STATES; i++)
		snprintf(n->states[i], NAME_LEN, "%.*s", NAME_LEN - 1, p->gstatus[i]);
	n->nstates = i;
	for (i = 0; i < p->n_waitreasons && i < MAX_REASONS; i++)
		snprintf(n->reasons[i], NAME_LEN, "%.*s", NAME_LEN - 1, p->waitreasons[i]);
	n->nreasons = i;
}

int names__new(const struct profile *p, struct names **out)
{
	struct names *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	names__set(n, p);
	*out = n;
	return 0;
}

int names__dup(const struct names *n, struct names **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	if (n)
		**out = *n;
	return 0;
}

/* into's index for a reason named name, appended when new; -ENOSPC when full. */
static int reason_index(struct names *into, const char *name)
{
	uint32_t i;

	for (i = 0; i < into->nreasons; i++)
		if (!strcmp(into->reasons[i], name))
			return (int)i;
	/* Indices past GOROUTINE_NREASONS do not fit the summaries' tables. */
	if (into->nreasons >= MAX_REASONS || into->nreasons >= GOROUTINE_NREASONS)
		return -ENOSPC;
	snprintf(into->reasons[into->nreasons], NAME_LEN, "%s", name);
	return (int)into->nreasons++;
}

/* Whether from's reasons are into's first ones, index by index. */
static bool prefix(const struct names *into, const struct names *from)
{
	if (from->nreasons > into->nreasons)
		return false;
	for (uint32_t i = 0; i < from->nreasons; i++)
		if (strcmp(into->reasons[i], from->reasons[i]))
			return false;
	return true;
}

int names__merge(struct names *into, const struct names *from, uint8_t *map, size_t nmap)
{
	int err = 0, k;
	size_t i;

	/*
	 * The first program's numbering is the session's; nothing known: as it
	 * is; and so for a table into begins with (the same Go version's).
	 */
	if (from && !into->nreasons && !into->go_version[0])
		*into = *from;
	if (!from || prefix(into, from)) {
		/* Past from's table: not another version's name (appended there since). */
		for (i = 0; i < nmap; i++)
			map[i] = !from || i < from->nreasons || !names__reason(into, (int)i) ?
					 (uint8_t)i :
					 0;
		return 0;
	}
	for (i = 0; i < nmap; i++) {
		const char *name = names__reason(from, (int)i);

		/* waitReasonZero ("") is every version's 0, and so is a value it has no name for. */
		k = i && name ? reason_index(into, name) : 0;
		if (k < 0) {
			err = k;
			k = 0;
		}
		map[i] = (uint8_t)k;
	}
	return err;
}

void names__delete(struct names *n)
{
	free(n);
}

const char *names__state(const struct names *n, uint32_t value, char *buf, size_t len)
{
	if (n && value < n->nstates && n->states[value][0])
		return n->states[value];
	if (value < NBUILTIN)
		return builtin[value];
	snprintf(buf, len, "%" PRIu32, value);
	return buf;
}

const char *names__reason(const struct names *n, int idx)
{
	if (n && idx >= 0 && (uint32_t)idx < n->nreasons && n->reasons[idx][0])
		return n->reasons[idx];
	return NULL;
}

int64_t names__state_value(const struct names *n, const char *name)
{
	char *end;
	uint32_t i;
	long v;

	/* A number names any state, one this tracer has no name for included. */
	errno = 0;
	v = strtol(name, &end, 0);
	if (!errno && end != name && !*end && v >= 0 && v <= 0xffff)
		return v;
	for (i = 0; n && i < n->nstates; i++)
		if (n->states[i][0] && !strcmp(n->states[i], name))
			return i;
	for (i = 0; i < NBUILTIN; i++)
		if (!strcmp(builtin[i], name))
			return i;
	return -1;
}

uint32_t names__nstates(const struct names *n)
{
	return n && n->nstates > NBUILTIN ? n->nstates : NBUILTIN;
}

uint32_t names__nreasons(const struct names *n)
{
	return n ? n->nreasons : 0;
}

const char *names__go_version(const struct names *n)
{
	return n ? n->go_version : "";
}

int names__to_json(const struct names *n, char **json, size_t *len)
{
	struct jsonw_mem m;
	uint32_t i;
	int err;

	*json = NULL;
	*len = 0;
	err = jsonw__mem_open(&m);
	if (err)
		return err;
	jsonw__object(m.w);
	jsonw__key(m.w, "schema_version");
	jsonw__u64(m.w, NAMES_SCHEMA_VERSION);
	jsonw__key(m.w, "go_version");
	jsonw__string(m.w, n->go_version);
	jsonw__key(m.w, "states");
	jsonw__array(m.w);
	for (i = 0; i < n->nstates; i++)
		jsonw__string(m.w, n->states[i]);
	jsonw__array_end(m.w);
	jsonw__key(m.w, "wait_reasons");
	jsonw__array(m.w);
	for (i = 0; i < n->nreasons; i++)
		jsonw__string(m.w, n->reasons[i]);
	jsonw__array_end(m.w);
	jsonw__object_end(m.w);
	err = jsonw__mem_close(&m);
	if (!err) {
		*json = m.buf;
		*len = m.len;
	}
	return err;
}

/* A JSON array of at most max strings shorter than NAME_LEN into v; -EINVAL else. */
static int get_list(const cJSON *o, const char *key, char (*v)[NAME_LEN], uint32_t max, uint32_t *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *s;

	*n = 0;
	if (!cJSON_IsArray(a))
		return -EINVAL;
	cJSON_ArrayForEach(s, a) {
		if (*n == max || !cJSON_IsString(s) || strlen(s->valuestring) >= NAME_LEN)
			return -EINVAL;
		memcpy(v[(*n)++], s->valuestring, strlen(s->valuestring) + 1);
	}
	return 0;
}

int names__from_json(const void *buf, size_t len, struct names **out)
{
	const char *end = NULL, *text = buf;
	struct names *n;
	const cJSON *v;
	cJSON *j;
	int err = -EINVAL;

	*out = NULL;
	if (!buf)
		return -EINVAL;
	j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!j)
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n) {
		cJSON_Delete(j);
		return -ENOMEM;
	}
	/* Nothing but white space after the object (a NUL ends C text). */
	while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end < text + len && !(*end == 0 && end + 1 == text + len))
		goto out;
	if (!cJSON_IsObject(j))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(j, "schema_version");
	if (!cJSON_IsNumber(v) || v->valuedouble != NAMES_SCHEMA_VERSION)
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(j, "go_version");
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= sizeof(n->go_version))
		goto out;
	memcpy(n->go_version, v->valuestring, strlen(v->valuestring) + 1);
	if (get_list(j, "states", n->states, MAX_STATES, &n->nstates) ||
	    get_list(j, "wait_reasons", n->reasons, MAX_REASONS, &n->nreasons))
		goto out;
	err = 0;
out:
	cJSON_Delete(j);
	if (err)
		free(n);
	else
		*out = n;
	return err;
}
