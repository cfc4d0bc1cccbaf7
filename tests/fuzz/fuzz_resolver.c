// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_resolver: the input is an executable; the whole pipeline on it, as
 * `gooffsets` runs it: resolver__resolve(), then resolver__identify() and
 * gobin__find_func(), on one gobin. A failure must say what is missing; a profile it
 * resolves must be one the tracer accepts: its JSON parses again.
 */
#include <string.h>

#include "fuzz.h"
#include "gobin.h"
#include "profile.h"
#include "resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p, *q;
	struct resolver_kernel k = {.emulates_push = size & 1};
	struct gobin_func f;
	struct gobin *b;
	char what[512], why[256], *json = NULL;
	int err;

	if (gobin__new(data, size, &b))
		return 0;
	p = malloc(sizeof(*p));
	q = malloc(sizeof(*q));
	FUZZ_CHECK(p && q);
	err = resolver__resolve(b, "fuzz", &k, p, what, sizeof(what));
	FUZZ_CHECK(fuzz_terminated(what, sizeof(what)));
	if (err) {
		FUZZ_CHECK(err < 0 && what[0]);
	} else {
		FUZZ_CHECK(p->g_goid.value >= 0 && p->funcs[PROFILE_FUNC_CASGSTATUS].address);
		FUZZ_CHECK(!profile__to_json(p, &json));
		err = profile__from_json(json, strlen(json), q, why, sizeof(why));
		if (err)
			fprintf(stderr, "resolved profile does not parse (%s):\n%s", why, json);
		FUZZ_CHECK(!err);
		free(json);
	}
	FUZZ_CHECK(!resolver__identify(b, "fuzz", q));
	if (!gobin__find_func(b, "runtime.casgstatus", &f))
		FUZZ_CHECK(f.entry && f.end >= f.entry);
	gobin__delete(b);
	free(p);
	free(q);
	return 0;
}
