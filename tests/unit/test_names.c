// SPDX-License-Identifier: GPL-2.0
/*
 * test_names: state and wait-reason names (tracer/names.c) — the built-in
 * names against offsets/gstatus.tsv's newest range (one spelling of each),
 * a profile's own names over them, numbers for the rest, --state's
 * name-to-value, and the JSON form: round trip with hostile names, and
 * refusal of every malformed, oversized or truncated text; and one session's
 * table for programs of two Go versions (names__merge()).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "goversion.h"
#include "names.h"
#include "offtable.h"
#include "profile.h"

static void test_builtin(void)
{
	struct names *n;
	struct goversion v;
	char buf[16], want[64];
	unsigned int i, agree = 0;

	CHECK(!names__new(NULL, &n));
	CHECK_STR(names__state(n, 4, buf, sizeof(buf)), "WAITING");
	CHECK_STR(names__state(n, 11, buf, sizeof(buf)), "DEADEXTRA");
	CHECK_STR(names__state(n, 12, buf, sizeof(buf)), "12");
	/* The _Gscan bit is part of the value here: the outputs show what casgstatus saw. */
	CHECK_STR(names__state(n, 0x1004, buf, sizeof(buf)), "4100");
	CHECK_STR(names__state(NULL, 2, buf, sizeof(buf)), "RUNNING");
	CHECK(names__reason(n, 0) == NULL && names__reason(NULL, 3) == NULL);
	CHECK(names__nstates(n) == 12 && names__nreasons(n) == 0);
	CHECK_STR(names__go_version(n), "");
	/* The newest Go release the offsets tables cover names every state as we do. */
	CHECK(!goversion__parse("go1.27.0", &v));
	for (i = 0; i < 16; i++) {
		int err = offtable__gstatus_name(&v, i, want, sizeof(want));

		if (err == -ENOENT) {
			CHECK_STR(names__state(n, i, buf, sizeof(buf)),
				  (snprintf(want, 8, "%u", i), want));
			continue;
		}
		CHECK(!err);
		CHECK_STR(names__state(n, i, buf, sizeof(buf)), want);
		agree++;
	}
	CHECK(agree == 12);
	CHECK(names__state_value(n, "WAITING") == 4);
	CHECK(names__state_value(n, "0x1004") == 0x1004);
	CHECK(names__state_value(n, "65536") == -1);
	CHECK(names__state_value(n, "") == -1);
	CHECK(names__state_value(NULL, "DEAD") == 6);
	names__delete(n);
	names__delete(NULL);
}

static struct profile prof;

static void fill_profile(void)
{
	memset(&prof, 0, sizeof(prof));
	snprintf(prof.go_version, sizeof(prof.go_version), "go1.30.1");
	prof.n_gstatus = 13;
	snprintf(prof.gstatus[2], sizeof(prof.gstatus[2]), "running-go");
	snprintf(prof.gstatus[12], sizeof(prof.gstatus[12]), "NEWSTATE");
	prof.n_waitreasons = 4;
	snprintf(prof.waitreasons[1], sizeof(prof.waitreasons[1]), "GC assist marking");
	snprintf(prof.waitreasons[3], sizeof(prof.waitreasons[3]),
		 "a \"q\" \\ \t\x01 </script> \xff");
}

static void check_profile_names(const struct names *n)
{
	char buf[16];

	CHECK_STR(names__state(n, 2, buf, sizeof(buf)), "running-go");
	CHECK_STR(names__state(n, 3, buf, sizeof(buf)), "SYSCALL"); /* "" in the profile */
	CHECK_STR(names__state(n, 12, buf, sizeof(buf)), "NEWSTATE");
	CHECK_STR(names__state(n, 13, buf, sizeof(buf)), "13");
	CHECK(names__nstates(n) == 13 && names__nreasons(n) == 4);
	CHECK(names__reason(n, 0) == NULL && names__reason(n, 2) == NULL);
	CHECK(names__reason(n, 4) == NULL && names__reason(n, -1) == NULL);
	CHECK_STR(names__reason(n, 1), "GC assist marking");
	CHECK_STR(names__go_version(n), "go1.30.1");
	CHECK(names__state_value(n, "NEWSTATE") == 12);
	CHECK(names__state_value(n, "running-go") == 2);
	CHECK(names__state_value(n, "RUNNING") == 2); /* the built-in name still works */
}

static void test_profile(void)
{
	struct names *n, *m;
	char *json, *json2;
	size_t len, len2;

	fill_profile();
	CHECK(!names__new(&prof, &n));
	check_profile_names(n);
	CHECK_STR(names__reason(n, 3), prof.waitreasons[3]);

	CHECK(!names__to_json(n, &json, &len));
	CHECK(json && strlen(json) == len);
	CHECK(!strncmp(json, "{\"schema_version\":1,", 20));
	CHECK(!names__from_json(json, len, &m));
	if (m) {
		check_profile_names(m);
		/* Valid JSON for any bytes: the invalid one became U+FFFD. */
		CHECK_STR(names__reason(m, 3), "a \"q\" \\ \t\x01 </script> \xef\xbf\xbd");
		/* From there on a trip changes nothing (U+FFFD now goes out as itself). */
		CHECK(!names__to_json(m, &json2, &len2));
		names__delete(m);
		CHECK(!names__from_json(json2, len2, &m));
		free(json);
		CHECK(!names__to_json(m, &json, &len));
		CHECK(len2 == len && !memcmp(json, json2, len));
		free(json2);
		names__delete(m);
	}
	/* With the terminating NUL, or white space after: still one object. */
	CHECK(!names__from_json(json, len + 1, &m));
	names__delete(m);
	free(json);
	names__delete(n);
}

static int parse(const char *text)
{
	struct names *n = NULL;
	int err = names__from_json(text, strlen(text), &n);

	CHECK(err ? n == NULL : n != NULL);
	names__delete(n);
	return err;
}

static void test_bad_json(void)
{
	static const char *const bad[] = {
		"",
		"null",
		"[]",
		"{}",
		"{\"schema_version\":1,\"go_version\":\"\",\"states\":[]}",
		"{\"schema_version\":2,\"go_version\":\"\",\"states\":[],\"wait_reasons\":[]}",
		"{\"schema_version\":\"1\",\"go_version\":\"\",\"states\":[],\"wait_reasons\":[]}",
		"{\"schema_version\":1,\"go_version\":7,\"states\":[],\"wait_reasons\":[]}",
		"{\"schema_version\":1,\"go_version\":\"\",\"states\":{},\"wait_reasons\":[]}",
		"{\"schema_version\":1,\"go_version\":\"\",\"states\":[1],\"wait_reasons\":[]}",
		"{\"schema_version\":1,\"go_version\":\"\",\"states\":[],\"wait_reasons\":[null]}",
		"{\"schema_version\":1,\"go_version\":\"\",\"states\":[],\"wait_reasons\":[]} x",
		"{\"schema_version\":1,\"go_version\":\"\",\"states\":[],\"wait_reasons\":[]}{}",
		/* 40 bytes: one more than a name holds. */
		"{\"schema_version\":1,\"go_version\":\"\",\"states\":"
		"[\"0123456789012345678901234567890123456789\"],\"wait_reasons\":[]}",
		/* 17 states. */
		"{\"schema_version\":1,\"go_version\":\"\",\"states\":[\"\",\"\",\"\",\"\",\"\","
		"\"\",\"\","
		"\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"],\"wait_reasons\":[]}",
		/* A Go version longer than any. */
		"{\"schema_version\":1,\"go_version\":\"go1.21.0-"
		"0123456789012345678901234567890123456789\","
		"\"states\":[],\"wait_reasons\":[]}",
	};
	const char *good = "{\"schema_version\":1,\"go_version\":\"go1.2\",\"states\":[\"A\"],"
			   "\"wait_reasons\":[\"\",\"x\"]}";
	struct names *n;
	size_t i, cut, accepted = 0;
	char buf[16];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i]) != -EINVAL)
			fprintf(stderr, "accepted bad[%zu]\n", i), check_failures++;
	CHECK(names__from_json(NULL, 0, &n) == -EINVAL);
	CHECK(parse(good) == 0);
	CHECK(!names__from_json(good, strlen(good), &n));
	CHECK_STR(names__state(n, 0, buf, sizeof(buf)), "A");
	CHECK_STR(names__reason(n, 1), "x");
	names__delete(n);
	/* Every cut of a valid text is refused. */
	for (cut = 0; cut < strlen(good); cut++) {
		if (!names__from_json(good, cut, &n)) {
			accepted++;
			names__delete(n);
		}
	}
	CHECK_EQ_U64(accepted, 0);
}

/* A profile naming reasons as offsets/waitreasons.tsv has them for version. */
static void table_profile(const char *version, struct profile *p)
{
	struct goversion v;
	int max;

	memset(p, 0, sizeof(*p));
	snprintf(p->go_version, sizeof(p->go_version), "%s", version);
	CHECK(!goversion__parse(version, &v));
	max = offtable__waitreason_max(&v);
	CHECK(max > 20 && max < PROFILE_MAX_WAITREASONS);
	for (int i = 0; i <= max && i < PROFILE_MAX_WAITREASONS; i++)
		offtable__waitreason_name(&v, i, p->waitreasons[i], sizeof(p->waitreasons[i]));
	p->n_waitreasons = max + 1;
}

/* The index of name among n's reasons, or -1. */
static int find(const struct names *n, const char *name)
{
	for (uint32_t i = 0; i < names__nreasons(n); i++)
		if (names__reason(n, (int)i) && !strcmp(names__reason(n, (int)i), name))
			return (int)i;
	return -1;
}

/*
 * One session's table for two Go versions (names__merge): go1.24 first, its
 * own numbering kept; go1.26's reasons (renumbered: sleep 19 in go1.24, 14 in
 * go1.26, where go1.24 has chan receive) each land on the entry of the same
 * name, new ones appended; a value without a name never takes one.
 */
static void test_merge(void)
{
	static struct profile p24, p26;
	struct names *s, *n24, *n26;
	uint8_t m24[64], m26[64], again[64];
	int sleep24, sleep26, recv26;

	table_profile("go1.24.4", &p24);
	table_profile("go1.26.1", &p26);
	CHECK(!names__new(&p24, &n24) && !names__new(&p26, &n26));
	CHECK(!names__new(NULL, &s));
	CHECK(!names__merge(s, n24, m24, 64));
	for (int i = 0; i < 64; i++)
		CHECK(m24[i] == i);
	CHECK_STR(names__go_version(s), "go1.24.4");
	sleep24 = find(n24, "sleep");
	sleep26 = find(n26, "sleep");
	recv26 = find(n26, "chan receive");
	CHECK(sleep24 >= 0 && sleep26 >= 0 && sleep24 != sleep26);
	CHECK_STR(names__reason(n24, sleep26), "chan receive");
	CHECK(!names__merge(s, n26, m26, 64));
	CHECK(m26[sleep26] == sleep24);
	CHECK(m26[recv26] == find(n24, "chan receive"));
	CHECK(m26[0] == 0);
	for (uint32_t i = 1; i < names__nreasons(n26); i++)
		if (names__reason(n26, (int)i))
			CHECK_STR(names__reason(s, m26[i]), names__reason(n26, (int)i));
	/* go1.26's new ones appended past go1.24's, which keep theirs. */
	CHECK(names__nreasons(s) > names__nreasons(n24));
	for (uint32_t i = 1; i < names__nreasons(n24); i++)
		CHECK_STR(names__reason(s, (int)i), names__reason(n24, (int)i));
	/* A value past go1.26's table: no name, not another reason's. */
	CHECK(m26[63] == 0);
	/* go1.24 again (another process of it): its own numbering. */
	CHECK(!names__merge(s, n24, again, 64));
	for (uint32_t i = 0; i < names__nreasons(n24); i++)
		CHECK(again[i] == i);
	/* Past its table, where go1.26's new ones are now: no name rather than theirs. */
	for (uint32_t i = names__nreasons(n24); i < 64; i++)
		CHECK(again[i] == (names__reason(s, (int)i) ? 0 : i));
	CHECK(!again[names__nreasons(n24)]);
	/* No names known at all: as it is. */
	CHECK(!names__merge(s, NULL, again, 64));
	CHECK(again[5] == 5);
	names__delete(s);
	names__delete(n24);
	names__delete(n26);
}

int main(void)
{
	test_builtin();
	test_profile();
	test_merge();
	test_bad_json();
	return check_done("test_names");
}
