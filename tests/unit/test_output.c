// SPDX-License-Identifier: GPL-2.0
/*
 * test_output: the event stream as users read it (tracer/output.c) on
 * synthetic events: unknown states printed as numbers in the table and in
 * JSON, names from the binary escaped in JSON, table lines under 100 columns
 * whatever the wait reason, creations held back until their goid is a fact
 * (before go1.24, and a fresh g's first switch in every release), and the
 * --goid and --state filters.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "names.h"
#include "output.h"
#include "profile.h"

static struct goroutine_event ev(uint64_t gp, uint64_t goid, uint32_t o, uint32_t n)
{
	static uint64_t ts = 1000000;
	struct goroutine_event e = {
		.ts_ns = ts += 1000,
		.goid = goid,
		.gp = gp,
		.pid = 101,
		.tgid = 100,
		.old_state = o,
		.new_state = n,
		.cpu = 1,
	};
	return e;
}

struct run {
	char *text;
	size_t len;
	FILE *f;
	struct output *o;
	struct names *names; /* the profile's, as the tracer hands them to output */
};

/* The state value of name with the built-in names, as --state reads it. */
static int64_t state_value(const char *name)
{
	struct names *n = NULL;
	int64_t v;

	CHECK(!names__new(NULL, &n));
	v = names__state_value(n, name);
	names__delete(n);
	return v;
}

static void start(struct run *r, bool json, int64_t goid, int64_t state, bool goid_at_creation,
		  const struct profile *names)
{
	struct output_opts opts = {
		.json = json,
		.goid = goid,
		.state = state,
		.goid_at_creation = goid_at_creation,
	};

	memset(r, 0, sizeof(*r));
	CHECK(!names__new(names, &r->names));
	opts.names = r->names;
	r->f = open_memstream(&r->text, &r->len);
	opts.out = r->f;
	r->o = output__new(&opts);
	CHECK(r->f && r->o);
}

/* Ends the run (held-back events are printed by output__delete); the text stays in r. */
static void finish(struct run *r)
{
	output__delete(r->o);
	names__delete(r->names);
	fclose(r->f);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Line i (0-based) of s into buf. */
static const char *line(const char *s, int i, char *buf, size_t len)
{
	const char *e;

	while (i-- > 0 && (s = strchr(s, '\n')))
		s++;
	if (!s)
		return "";
	e = strchr(s, '\n');
	snprintf(buf, len, "%.*s", (int)(e ? e - s : (long)strlen(s)), s);
	return buf;
}

static cJSON *json_line(const char *s, int i)
{
	char buf[1024];

	return cJSON_Parse(line(s, i, buf, sizeof(buf)));
}

static void test_unknown_state(void)
{
	struct run r;
	char buf[256];
	cJSON *j;

	start(&r, false, -1, -1, true, NULL);
	output__event(r.o, &(struct goroutine_event){0});
	finish(&r);
	/* gp 0, IDLE -> IDLE: a fresh g's switch with no g to key it by, goid unknown. */
	CHECK(strstr(r.text, " ? ") != NULL);
	free(r.text);

	start(&r, false, -1, -1, true, NULL);
	{
		struct goroutine_event e = ev(0x1000, 7, 2, 13);

		output__event(r.o, &e);
	}
	finish(&r);
	line(r.text, 0, buf, sizeof(buf));
	/* TIME (15) and a blank, then the state column: the number, not a name. */
	CHECK(strncmp(buf + 16, "13 ", 3) == 0);
	CHECK(strstr(buf, "RUNNING") != NULL);
	free(r.text);

	start(&r, true, -1, -1, true, NULL);
	{
		struct goroutine_event e = ev(0x1000, 7, 13, 2);

		output__event(r.o, &e);
	}
	finish(&r);
	j = json_line(r.text, 0);
	CHECK(j != NULL);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "old_state")), "13");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "new_state")), "RUNNING");
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "goid")) == 7);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "pid")) == 101);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "tgid")) == 100);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "wait_reason")));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "parent_goid")));
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "cpu")) == 1);
	CHECK(cJSON_IsNumber(cJSON_GetObjectItem(j, "ts_ns")));
	cJSON_Delete(j);
	free(r.text);
}

/* Names come from the binary: JSON must stay valid, the table short. */
static void test_reasons(void)
{
	static struct profile p;
	struct goroutine_event e = ev(0x2000, 12345678, 2, 4);
	struct run r;
	char buf[256];
	cJSON *j;

	p.n_waitreasons = 3;
	snprintf(p.waitreasons[1], sizeof(p.waitreasons[1]), "sync.WaitGroup.Wait (durable)");
	snprintf(p.waitreasons[2], sizeof(p.waitreasons[2]), "a \"quoted\" \\ reason\t!");
	e.flags = GOROUTINE_EV_WAITREASON | GOROUTINE_EV_PARENT;
	e.parent_goid = 9999999;
	e.pid = 4194304;
	e.tgid = 4194303;

	start(&r, false, -1, -1, true, &p);
	e.waitreason = 1;
	output__event(r.o, &e);
	e.waitreason = 2;
	output__event(r.o, &e);
	finish(&r);
	CHECK(count_lines(r.text) == 2);
	for (int i = 0; i < 2; i++)
		CHECK(strlen(line(r.text, i, buf, sizeof(buf))) < 100);
	/* Clipped where it had to be, and said so with '~'. */
	line(r.text, 0, buf, sizeof(buf));
	CHECK(strstr(buf, "sync.WaitGroup.Wait (") != NULL && buf[strlen(buf) - 1] == '~');
	free(r.text);

	start(&r, true, -1, -1, true, &p);
	output__event(r.o, &e);
	finish(&r);
	j = json_line(r.text, 0);
	CHECK(j != NULL);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "wait_reason")), p.waitreasons[2]);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "parent_goid")) == 9999999);
	cJSON_Delete(j);
	free(r.text);
}

/*
 * Before go1.24 the creation's goid is stale: it is printed once the next
 * switch of the same g shows the real one, and a fresh g's IDLE -> * (DEAD,
 * or go1.26's DEADEXTRA) is held back in every release.
 */
static void test_holdback(void)
{
	struct goroutine_event c1 = ev(0x3000, 0, 6, 1), c2 = ev(0x3000, 42, 1, 2);
	struct goroutine_event x1 = ev(0x4000, 0, 0, 11), o1 = ev(0x5000, 5, 2, 4);
	struct run r;
	cJSON *j;

	start(&r, true, -1, -1, false, NULL);
	output__event(r.o, &c1);
	output__event(r.o, &x1); /* never resolved: printed at the end with goid null */
	output__event(r.o, &o1);
	output__event(r.o, &c2);
	finish(&r);
	CHECK(count_lines(r.text) == 4);
	/* The other goroutine's switch is not held up; the creation comes out first once resolved. */
	j = json_line(r.text, 0);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "goid")) == 5);
	cJSON_Delete(j);
	j = json_line(r.text, 1);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "goid")) == 42);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "old_state")), "DEAD");
	cJSON_Delete(j);
	j = json_line(r.text, 2);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "goid")) == 42);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "new_state")), "RUNNING");
	cJSON_Delete(j);
	j = json_line(r.text, 3);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "goid")));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "old_state")), "IDLE");
	cJSON_Delete(j);
	CHECK(strstr(r.text, "\"goid\":0") == NULL);
	free(r.text);

	/* go1.24+: the creation's goid is right at once; a fresh g's is still held. */
	start(&r, true, -1, -1, true, NULL);
	c1.goid = 42;
	output__event(r.o, &c1);
	output__event(r.o, &x1);
	finish(&r);
	CHECK(count_lines(r.text) == 2);
	j = json_line(r.text, 0);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "goid")) == 42);
	cJSON_Delete(j);
	j = json_line(r.text, 1);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "goid")));
	cJSON_Delete(j);
	free(r.text);
}

/* Held-back events older than the cut are printed, goid unknown; newer ones wait. */
static void test_expire(void)
{
	struct goroutine_event a = ev(0x7000, 0, 6, 1), b = ev(0x8000, 0, 6, 1);
	struct goroutine_event b2 = ev(0x8000, 77, 1, 2);
	struct run r;
	cJSON *j;

	start(&r, true, -1, -1, false, NULL);
	output__event(r.o, &a);
	output__event(r.o, &b);
	output__expire(r.o, b.ts_ns);
	output__flush(r.o);
	fflush(r.f);
	CHECK(count_lines(r.text) == 1);
	j = json_line(r.text, 0);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "goid")));
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "ts_ns")) == a.ts_ns);
	cJSON_Delete(j);
	output__event(r.o, &b2);
	finish(&r);
	CHECK(count_lines(r.text) == 3);
	CHECK(strstr(r.text, "\"goid\":77") != NULL && strstr(r.text, "\"goid\":0") == NULL);
	free(r.text);
}

static void test_filters(void)
{
	struct goroutine_event c1 = ev(0x3000, 0, 6, 1), c2 = ev(0x3000, 7, 1, 2);
	struct goroutine_event a = ev(0x6000, 8, 2, 4), b = ev(0x3000, 7, 2, 4);
	struct run r;

	/* --goid 7: its held-back creation included once resolved, goroutine 8 not. */
	start(&r, true, 7, -1, false, NULL);
	output__event(r.o, &c1);
	output__event(r.o, &a);
	output__event(r.o, &c2);
	output__event(r.o, &b);
	finish(&r);
	CHECK(count_lines(r.text) == 3);
	CHECK(strstr(r.text, "\"goid\":8") == NULL);
	free(r.text);

	/* --state WAITING (4): only switches to it. */
	start(&r, false, -1, state_value("WAITING"), true, NULL);
	output__event(r.o, &c2);
	output__event(r.o, &a);
	output__event(r.o, &b);
	finish(&r);
	CHECK(count_lines(r.text) == 2);
	CHECK(strstr(r.text, "RUNNING ") == NULL || strstr(r.text, "WAITING") != NULL);
	free(r.text);

	CHECK(state_value("WAITING") == 4);
	CHECK(state_value("DEADEXTRA") == 11);
	CHECK(state_value("13") == 13);
	CHECK(state_value("0x1004") == 0x1004);
	CHECK(state_value("SLEEPY") == -1);
	CHECK(state_value("-3") == -1);
	CHECK(state_value("4x") == -1);
}

int main(void)
{
	test_unknown_state();
	test_reasons();
	test_holdback();
	test_expire();
	test_filters();
	return check_done("test_output");
}
