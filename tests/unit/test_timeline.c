// SPDX-License-Identifier: GPL-2.0
/*
 * test_timeline: the time line's two files (tracer/timeline.c) and the JSON
 * writer under them (tracer/jsonw.c). Both files are parsed back with cJSON:
 * the trace-event file (metadata, slices, wait reasons, otherData) and the
 * page's inlined data (meta, names, rows, slices, the summary), also with
 * hostile target and wait-reason names (quotes, backslashes, control bytes,
 * "</script>", U+2028, invalid UTF-8) that must leave both valid JSON and the
 * page's <script> unbroken; the page's limit (max_slices: later slices
 * counted, not drawn) and its merging of short slices past DISPLAY_SLICES;
 * a bad path failing at creation; and the writer's own promises: its escapes
 * for every byte, numbers printed as cJSON prints them, commas, line breaks,
 * and open brackets reported.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "analysis.h"
#include "check.h"
#include "jsonw.h"
#include "names.h"
#include "profile.h"
#include "timeline.h"

/* The page, reduced to where the data goes (the tracer links report.html's text here). */
#define PAGE_HEAD "<html><script id=\"gt-data\" type=\"application/json\">"
#define PAGE_TAIL "</script></html>\n"
const char timeline_report_html[] = PAGE_HEAD "@GOROUTINE_DATA@" PAGE_TAIL;

#define T0 1000000000ULL

static char dir[64];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) == (size_t)n) {
		buf[n] = 0;
		*len = n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

struct files {
	char *trace, *html;
	size_t trace_len, html_len;
	cJSON *tj, *pj; /* parsed: the trace file, the page's data */
	char *data;	/* the page's data, as text */
};

static void files_free(struct files *f)
{
	free(f->trace);
	free(f->html);
	free(f->data);
	cJSON_Delete(f->tj);
	cJSON_Delete(f->pj);
}

/* Is s (n bytes) valid UTF-8 with no control byte but '\n'? */
static bool clean_text(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;

	while (i < n) {
		if (s[i] < 0x80) {
			if (s[i] < 0x20 && s[i] != '\n')
				return false;
			i++;
			continue;
		}
		k = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : s[i] >= 0xc2 ? 2 : 0;
		if (!k || i + k > n)
			return false;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

/* Run a time line over n slices from gen; read both files back and parse them. */
typedef struct analysis_slice (*gen_fn)(size_t i);

static void run(const char *target, const struct names *names, size_t max_slices, gen_fn gen,
		size_t n, uint64_t end_ns, const cJSON *summary, struct files *out)
{
	char trace[128], html[128];
	struct timeline_opts o = {
		.html_path = html,
		.trace_path = trace,
		.target = target,
		.pid = 4242,
		.names = names,
		.start_ns = T0,
		.mono_to_real_ns = 1700000000000000000LL,
		.max_slices = max_slices,
	};
	struct timeline *t = NULL;
	size_t i, head = strlen(PAGE_HEAD), tail = strlen(PAGE_TAIL);

	memset(out, 0, sizeof(*out));
	snprintf(trace, sizeof(trace), "%s/t.json", dir);
	snprintf(html, sizeof(html), "%s/p.html", dir);
	CHECK(!timeline__new(&o, &t));
	if (!t)
		return;
	for (i = 0; i < n; i++) {
		struct analysis_slice s = gen(i);

		timeline__slice(t, &s);
	}
	CHECK(!timeline__finish(t, end_ns, summary, n + 1, 3));
	timeline__delete(t);
	out->trace = slurp(trace, &out->trace_len);
	out->html = slurp(html, &out->html_len);
	CHECK(out->trace && out->html);
	if (!out->trace || !out->html)
		return;
	out->tj = cJSON_ParseWithLength(out->trace, out->trace_len);
	CHECK(out->tj != NULL);
	CHECK(clean_text(out->trace, out->trace_len));
	/* The data is all between the template's two halves: nothing in it closed the script. */
	CHECK(out->html_len > head + tail && !strncmp(out->html, PAGE_HEAD, head) &&
	      !strcmp(out->html + out->html_len - tail, PAGE_TAIL));
	if (out->html_len <= head + tail)
		return;
	out->data = strndup(out->html + head, out->html_len - head - tail);
	CHECK(out->data && !strchr(out->data, '<') && !strchr(out->data, '>') &&
	      !strchr(out->data, '&') && !strstr(out->data, "\xe2\x80\xa8"));
	CHECK(clean_text(out->data, strlen(out->data)));
	out->pj = cJSON_Parse(out->data);
	CHECK(out->pj != NULL);
}

static const cJSON *get(const cJSON *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = cJSON_GetObjectItemCaseSensitive(o, key);
		path = dot + 1;
	}
	return o ? cJSON_GetObjectItemCaseSensitive(o, path) : NULL;
}

static double num(const cJSON *o, const char *path)
{
	const cJSON *v = get(o, path);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *path)
{
	return cJSON_GetStringValue(get(o, path));
}

/* Goroutine 7 (parent 1, created at 5 us, exits at 30 us) and goroutine 8. */
static struct analysis_slice small(size_t i)
{
	static const struct analysis_slice v[] = {
		{T0 + 5000, T0 + 10000, 7, 1, T0 + 5000, 77, 1, -1, true, true, false, false},
		{T0 + 10000, T0 + 20500, 7, 1, T0 + 5000, 77, 4, 3, true, true, false, false},
		{T0 + 20500, T0 + 30000, 7, 1, T0 + 5000, 77, 2, -1, true, true, true, false},
		{T0, T0 + 40000, 8, 0, 0, 77, 4, 1, false, true, false, true},
		/* Not drawn: unknown goid, an idle g, a dead one. */
		{T0, T0 + 100, 9, 0, 0, 77, 2, -1, false, false, false, false},
		{T0, T0 + 100, 10, 0, 0, 77, 0, -1, false, true, false, false},
		{T0, T0 + 100, 11, 0, 0, 77, 6, -1, false, true, false, false},
	};
	return v[i];
}

static struct names *hostile_names(void)
{
	static struct profile p;
	struct names *n = NULL;

	p.n_waitreasons = 4;
	snprintf(p.waitreasons[1], sizeof(p.waitreasons[1]), "GC assist marking");
	snprintf(p.waitreasons[3], sizeof(p.waitreasons[3]),
		 "q\"b\\c\x01\x1f</script>&\xe2\x80\xa8\xff\xc3(");
	snprintf(p.go_version, sizeof(p.go_version), "go1.22.0");
	CHECK(!names__new(&p, &n));
	return n;
}

#define HOSTILE_TARGET "/srv/a\"b\\c\t\x7f</script><!--&\xe2\x80\xa9\xc0\xaf\xed\xa0\x80.bin"
/* As read back: the invalid bytes (overlong, surrogate) one U+FFFD each. */
#define HOSTILE_TARGET_READ                                                                \
	"/srv/a\"b\\c\t\x7f</script><!--&\xe2\x80\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" \
	"\xef\xbf\xbd\xef\xbf\xbd.bin"
#define HOSTILE_REASON_READ "q\"b\\c\x01\x1f</script>&\xe2\x80\xa8\xef\xbf\xbd\xef\xbf\xbd("

static void test_files(void)
{
	struct names *n = hostile_names();
	cJSON *sum = cJSON_CreateObject(), *ev;
	const cJSON *a, *g;
	struct files f;
	int meta = 0, slices = 0, waiting = 0;

	cJSON_AddStringToObject(sum, "type", "summary");
	cJSON_AddStringToObject(sum, "reason", HOSTILE_TARGET);
	run(HOSTILE_TARGET, n, 0, small, 7, T0 + 50000, sum, &f);
	if (!f.tj || !f.pj)
		goto out;

	/* The trace file. */
	CHECK_STR(str(f.tj, "displayTimeUnit"), "ns");
	CHECK_STR(str(f.tj, "otherData.target"), HOSTILE_TARGET_READ);
	CHECK(num(f.tj, "otherData.events") == 8 && num(f.tj, "otherData.lost") == 3);
	cJSON_ArrayForEach(ev, get(f.tj, "traceEvents")) {
		const char *ph = str(ev, "ph");

		CHECK(ph && num(ev, "pid") == 77);
		if (ph && !strcmp(ph, "M")) {
			meta++;
			if (!strcmp(str(ev, "name"), "process_name"))
				CHECK_STR(str(ev, "args.name"), HOSTILE_TARGET_READ " (pid 77)");
			if (!strcmp(str(ev, "name"), "thread_name") && num(ev, "tid") == 7)
				CHECK_STR(str(ev, "args.name"), "goroutine 7 (parent 1)");
			if (!strcmp(str(ev, "name"), "thread_name") && num(ev, "tid") == 8)
				CHECK_STR(str(ev, "args.name"), "goroutine 8");
			continue;
		}
		slices++;
		CHECK_STR(str(ev, "cat"), "goroutine");
		if (str(ev, "name") && !strcmp(str(ev, "name"), "WAITING")) {
			waiting++;
			if (num(ev, "tid") == 7) {
				CHECK_STR(str(ev, "args.reason"), HOSTILE_REASON_READ);
				CHECK(num(ev, "ts") == 10 && num(ev, "dur") == 10.5);
			} else {
				CHECK_STR(str(ev, "args.reason"), "GC assist marking");
			}
		} else {
			CHECK(get(ev, "args") == NULL);
		}
	}
	/* One process name, a name and a sort index per goroutine; the four drawn slices. */
	CHECK(meta == 5 && slices == 4 && waiting == 2);
	/* One record a line. */
	CHECK(!strncmp(f.trace, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n{", 41));
	CHECK(!strcmp(f.trace + f.trace_len - 2, "}\n"));

	/* The page's data. */
	CHECK_STR(str(f.pj, "meta.target"), HOSTILE_TARGET_READ);
	CHECK_STR(str(f.pj, "meta.go_version"), "go1.22.0");
	CHECK(num(f.pj, "meta.pid") == 4242 && num(f.pj, "meta.events") == 8);
	CHECK(num(f.pj, "meta.duration_us") == 50 && num(f.pj, "meta.goroutines") == 2);
	CHECK(num(f.pj, "meta.slices") == 4 && num(f.pj, "meta.slices_shown") == 4);
	CHECK(num(f.pj, "meta.started_unix_ms") == 1700000001000.0);
	CHECK(cJSON_IsFalse(get(f.pj, "meta.aggregated")));
	CHECK_STR(str(f.pj, "meta.note"), "");
	CHECK(cJSON_GetArraySize(get(f.pj, "states")) == 12);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(get(f.pj, "states"), 4)), "WAITING");
	a = get(f.pj, "reasons");
	CHECK(cJSON_GetArraySize(a) == 4);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(a, 0)), "");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(a, 3)), HOSTILE_REASON_READ);
	a = get(f.pj, "goroutines");
	CHECK(cJSON_GetArraySize(a) == 2);
	g = cJSON_GetArrayItem(a, 0);
	CHECK(num(g, "goid") == 7 && num(g, "parent") == 1 && num(g, "tgid") == 77);
	CHECK(num(g, "start_us") == 5 && num(g, "end_us") == 30);
	g = cJSON_GetArrayItem(a, 1);
	CHECK(num(g, "goid") == 8 && cJSON_IsNull(get(g, "parent")));
	CHECK(cJSON_IsNull(get(g, "start_us")) && cJSON_IsNull(get(g, "end_us")));
	a = get(f.pj, "slices");
	CHECK(cJSON_GetArraySize(a) == 4);
	/* [row, start_us, dur_us, state, reason], by row then start. */
	a = cJSON_GetArrayItem(a, 1);
	CHECK(cJSON_GetArrayItem(a, 0)->valuedouble == 0 &&
	      cJSON_GetArrayItem(a, 1)->valuedouble == 10 &&
	      cJSON_GetArrayItem(a, 2)->valuedouble == 10.5 &&
	      cJSON_GetArrayItem(a, 3)->valuedouble == 4 &&
	      cJSON_GetArrayItem(a, 4)->valuedouble == 3);
	/* The summary as given, but for its invalid UTF-8. */
	cJSON_ReplaceItemInObject(sum, "reason", cJSON_CreateString(HOSTILE_TARGET_READ));
	CHECK(cJSON_Compare(get(f.pj, "summary"), sum, true));
out:
	files_free(&f);
	cJSON_Delete(sum);
	names__delete(n);
}

/* 40 goroutines, alternating 900 ns RUNNING and 100 ns WAITING (reason 5). */
static struct analysis_slice many(size_t i)
{
	uint64_t row = i / 2 % 40, k = i / 80, start = T0 + k * 1000 + (i % 2 ? 900 : 0);

	return (struct analysis_slice){
		.start_ns = start,
		.end_ns = start + (i % 2 ? 100 : 900),
		.goid = row + 1,
		.tgid = 5,
		.state = i % 2 ? 4 : 2,
		.waitreason = i % 2 ? 5 : -1,
		.goid_known = true,
	};
}

/* Past the page's DISPLAY_SLICES (250,000): short slices merged, the note says so. */
static void test_merge(void)
{
	enum { N = 300000 };
	size_t i, rows = 0, bad = 0, nsl;
	double prev_row = -1, prev_end = 0, first_start[64], last_end[64];
	const cJSON *a, *s;
	struct files f;

	run("m", NULL, 0, many, N, T0 + (N / 80) * 1000, NULL, &f);
	if (!f.pj)
		goto out;
	nsl = num(f.pj, "meta.slices_shown");
	CHECK(num(f.pj, "meta.slices") == N && nsl <= 250000 && nsl > 1000);
	CHECK(cJSON_IsTrue(get(f.pj, "meta.aggregated")));
	CHECK(str(f.pj, "meta.note") && strstr(str(f.pj, "meta.note"), "are merged"));
	CHECK(cJSON_IsNull(get(f.pj, "summary")));
	a = get(f.pj, "slices");
	CHECK((size_t)cJSON_GetArraySize(a) == nsl);
	i = 0;
	cJSON_ArrayForEach(s, a) {
		double row = cJSON_GetArrayItem(s, 0)->valuedouble;
		double st = cJSON_GetArrayItem(s, 1)->valuedouble;
		double du = cJSON_GetArrayItem(s, 2)->valuedouble;
		int state = cJSON_GetArrayItem(s, 3)->valueint;

		if (row != prev_row) {
			/* Rows in goid order, each from its first start to its last end. */
			if (row != prev_row + 1 || row >= 64)
				bad++;
			else
				first_start[rows++] = st;
			prev_row = row;
		} else if (st + 0.05 < prev_end) {
			bad++; /* overlaps the one before */
		}
		/* A merged run is of the state that held longest: RUNNING, 9 to 1. */
		if (du > 1 && state != 2)
			bad++;
		prev_end = st + du;
		if (row < 64)
			last_end[(size_t)row] = prev_end;
		i++;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(rows == 40);
	for (i = 0; i < rows && i < 64; i++) {
		CHECK(first_start[i] == 0);
		CHECK(fabs(last_end[i] - (N / 80) * 1.0) < 0.2);
	}
out:
	files_free(&f);
}

/* max_slices: the page holds the first ones; the rest are counted and said. */
static void test_max_slices(void)
{
	struct files f;

	run("x", NULL, 10, many, 25, T0 + 1000000, NULL, &f);
	if (f.pj) {
		CHECK(num(f.pj, "meta.slices") == 25 && num(f.pj, "meta.slices_shown") == 10);
		CHECK(cJSON_GetArraySize(get(f.pj, "slices")) == 10);
		CHECK(cJSON_IsTrue(get(f.pj, "meta.aggregated")));
		CHECK(str(f.pj, "meta.note") &&
		      strstr(str(f.pj, "meta.note"),
			     "holds the first 10 slices; 15 later ones are not drawn"));
	}
	/* The trace file has every slice. */
	if (f.tj) {
		const cJSON *ev;
		int x = 0;

		cJSON_ArrayForEach(ev, get(f.tj, "traceEvents"))
			x += !strcmp(str(ev, "ph"), "X");
		CHECK(x == 25);
	}
	files_free(&f);
}

static void test_errors(void)
{
	struct timeline_opts o = {.html_path = "/nonexistent-dir/p.html"};
	struct timeline *t = NULL;
	struct analysis_slice s = small(0);

	CHECK(timeline__new(&o, &t) == -ENOENT && t == NULL);
	/* A full disk is an error at the end, not a silently short file. */
	o.html_path = NULL;
	o.trace_path = "/dev/full";
	CHECK(!timeline__new(&o, &t));
	if (t) {
		timeline__slice(t, &s);
		CHECK(timeline__finish(t, T0 + 1, NULL, 1, 0) < 0);
		timeline__delete(t);
	}
}

/* The text a writer on a memory stream makes of fn's calls, and its finish code. */
static char *written(void (*fn)(struct jsonw *w), unsigned int flags, int *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct jsonw *w = NULL;

	CHECK(f && !jsonw__new(f, flags, &w));
	fn(w);
	*err = jsonw__finish(w);
	fclose(f);
	return text;
}

static void bytes_fn(struct jsonw *w)
{
	char b[2] = {0, 0};
	int c;

	jsonw__array(w);
	for (c = 0; c < 256; c++) {
		b[0] = c;
		jsonw__string_n(w, b, 1);
	}
	jsonw__string_n(w, "a\0b", 3);
	jsonw__array_end(w);
}

static void shape_fn(struct jsonw *w)
{
	jsonw__object(w);
	jsonw__key(w, "a");
	jsonw__array(w);
	jsonw__newline(w);
	jsonw__u64(w, 18446744073709551615ULL);
	jsonw__newline(w);
	jsonw__i64(w, INT64_MIN);
	jsonw__fixed(w, 2.25, 1);
	jsonw__hex(w, 0xc000123abcULL);
	jsonw__bool(w, true);
	jsonw__null(w);
	jsonw__string(w, NULL);
	jsonw__stringf(w, "%s-%d", "x", 5);
	jsonw__newline(w);
	jsonw__array_end(w);
	jsonw__key(w, "e");
	jsonw__object(w);
	jsonw__object_end(w);
	jsonw__object_end(w);
}

static void open_fn(struct jsonw *w)
{
	jsonw__object(w);
	jsonw__key(w, "a");
}

static void close_fn(struct jsonw *w)
{
	jsonw__array_end(w);
	jsonw__u64(w, 1);
}

static const double numbers[] = {0,
				 -0.0,
				 1,
				 -1,
				 0.1,
				 1.5,
				 2147483647,
				 2147483648.0,
				 -2147483648.0,
				 1e15,
				 1e20,
				 123456789012.5,
				 1.0 / 3,
				 3.14159265358979,
				 1e-7,
				 5e-324,
				 1.7976931348623157e308,
				 -2.5e-5};

static void numbers_fn(struct jsonw *w)
{
	size_t i;

	jsonw__array(w);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		jsonw__double(w, numbers[i]);
	jsonw__double(w, NAN);
	jsonw__array_end(w);
}

static void test_jsonw(void)
{
	cJSON *j, *ref;
	char *text, *want;
	int err, c, wrong = 0;

	/* Every byte alone: valid JSON, read back as itself (invalid UTF-8: U+FFFD). */
	text = written(bytes_fn, JSONW_HTML, &err);
	CHECK(!err && text);
	j = text ? cJSON_Parse(text) : NULL;
	CHECK(j && cJSON_GetArraySize(j) == 257);
	for (c = 1; j && c < 256; c++) {
		const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(j, c));

		if (!s || (c < 0x80 ? !(s[0] == c && !s[1]) : strcmp(s, "\xef\xbf\xbd")))
			wrong++;
	}
	CHECK(wrong == 0);
	CHECK(text && !strchr(text, '<') && !strchr(text, '>') && !strchr(text, '&'));
	/* cJSON's short escapes, so a cJSON tree written here reads as cJSON's text. */
	CHECK(text && strstr(text, ",\"\\b\",\"\\t\",\"\\n\",\"\\u000b\",\"\\f\",\"\\r\","));
	CHECK(text && strstr(text, "\"\\u003c\"") && strstr(text, "\"\\\"\""));
	cJSON_Delete(j);
	free(text);

	text = written(shape_fn, 0, &err);
	CHECK(!err);
	CHECK_STR(text, "{\"a\":[\n18446744073709551615,\n-9223372036854775808,2.2,"
			"\"0xc000123abc\",true,null,null,\"x-5\"\n],\"e\":{}}");
	free(text);

	text = written(open_fn, 0, &err);
	CHECK(err == -EINVAL);
	free(text);
	text = written(close_fn, 0, &err);
	CHECK(err == -EINVAL);
	free(text);

	/* Numbers exactly as cJSON prints them. */
	text = written(numbers_fn, 0, &err);
	ref = cJSON_CreateDoubleArray(numbers, sizeof(numbers) / sizeof(numbers[0]));
	cJSON_AddItemToArray(ref, cJSON_CreateNumber(NAN));
	want = cJSON_PrintUnformatted(ref);
	CHECK(!err);
	CHECK_STR(text, want);
	free(want);
	free(text);
	cJSON_Delete(ref);
}

/* jsonw__cjson of a summary-like tree: byte for byte cJSON's own text. */
static void tree_fn(struct jsonw *w)
{
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(o, "type", "summary");
	cJSON_AddNumberToObject(o, "elapsed_s", 10.000123);
	cJSON_AddNumberToObject(o, "switches", 123456789012.0);
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddNullToObject(o, "none");
	a = cJSON_AddArrayToObject(o, "list");
	cJSON_AddItemToArray(a, cJSON_CreateString("tab\there \"q\" \\ \x01 \xc3\xa9"));
	cJSON_AddItemToArray(a, cJSON_CreateObject());
	cJSON_AddItemToArray(a, cJSON_CreateArray());
	cJSON_AddItemToObject(o, "r\"k", cJSON_CreateNumber(0.25));
	jsonw__cjson(w, o);
	{
		char *want = cJSON_PrintUnformatted(o);

		jsonw__newline(w); /* at the top level: nothing */
		CHECK(want != NULL);
		/* Stash the expected text where the caller finds it. */
		setenv("TEST_TIMELINE_WANT", want ? want : "", 1);
		free(want);
	}
	cJSON_Delete(o);
}

static void test_cjson_text(void)
{
	int err;
	char *text = written(tree_fn, 0, &err);

	CHECK(!err);
	CHECK_STR(text, getenv("TEST_TIMELINE_WANT"));
	free(text);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_timeline.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_files();
	test_max_slices();
	test_merge();
	test_errors();
	test_jsonw();
	test_cjson_text();
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/t.json", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/p.html", dir);
		unlink(p);
		rmdir(dir);
	}
	return check_done("test_timeline");
}
