// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_profile: the input is profile JSON (what `gooffsets` writes and the
 * tracer reads, perhaps from anywhere). profile__from_json() must either
 * accept it or say why; a profile it accepts must survive the round trip:
 * profile__to_json() of it parses again, to the very same profile (both
 * parses start from a zeroed struct, so a memcmp compares every value).
 */
#include <string.h>

#include "errors.h"
#include "fuzz.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
	char why[256], *json = NULL;
	int err;

	FUZZ_CHECK(p && q);
	why[0] = 0;
	err = profile__from_json((const char *)data, size, p, why, sizeof(why));
	if (err) {
		FUZZ_CHECK(err == -ERRORS__PROFILE && why[0]);
		goto out;
	}
	FUZZ_CHECK(!profile__to_json(p, &json));
	why[0] = 0;
	err = profile__from_json(json, strlen(json), q, why, sizeof(why));
	if (err)
		fprintf(stderr, "profile JSON written does not parse again (%s):\n%s", why, json);
	FUZZ_CHECK(!err);
	if (memcmp(p, q, sizeof(*p)))
		fprintf(stderr, "profile JSON written parses to another profile:\n%s", json);
	FUZZ_CHECK(!memcmp(p, q, sizeof(*p)));
out:
	free(json);
	free(p);
	free(q);
	return 0;
}
