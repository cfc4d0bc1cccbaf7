// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_resolver: the input is an executable; the whole pipeline on it, as
 * `gooffsets` runs it: resolver__resolve(), then resolver__identify() and
 * resolver__find_func(). A failure must say what is missing; a profile it
 * resolves must be one the tracer accepts: its JSON parses again.
 */
#include <string.h>

#include "elfbuf.h"
#include "fuzz.h"
#include "profile.h"
#include "resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p, *q;
	struct profile_func f;
	struct elfbuf *e;
	char what[512], why[256], *json = NULL;
	int err;

	if (elfbuf__new(data, size, &e))
		return 0;
	p = malloc(sizeof(*p));
	q = malloc(sizeof(*q));
	FUZZ_CHECK(p && q);
	err = resolver__resolve(e, "fuzz", p, what, sizeof(what));
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
	FUZZ_CHECK(!resolver__identify(e, "fuzz", q));
	if (!resolver__find_func(e, "runtime.casgstatus", &f))
		FUZZ_CHECK(f.address && f.end >= f.address);
	elfbuf__delete(e);
	free(p);
	free(q);
	return 0;
}
