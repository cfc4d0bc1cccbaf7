// SPDX-License-Identifier: GPL-2.0
/*
 * test_metrics: the Prometheus text writer (tracer/metrics.c) — label values
 * with quotes, backslashes, newlines and bytes that are not UTF-8 escaped as
 * the exposition format wants, HELP escaped, HELP and TYPE once per family (a
 * second begin refused), histograms cumulative with +Inf, _sum and _count,
 * bad names and the size limit refused with a sticky error, the container
 * id of /proc/PID/cgroup texts; and the whole text through promtool's
 * parser (`promtool check metrics`) when it is installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "metrics.h"

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_escape(void)
{
	char out[64];
	static const char bad[] = "a\xff"
				  "b\xc0\xaf"
				  "c\xed\xa0\x80"
				  "d\xe2\x82";

	CHECK_EQ_U64(metrics__escape("a\"b\\c\nd", 7, out, sizeof(out)), 10);
	CHECK_STR(out, "a\\\"b\\\\c\\nd");
	/* Valid UTF-8 passes as it is; anything else becomes U+FFFD, byte by byte. */
	CHECK_EQ_U64(metrics__escape("h\xc3\xa9\xe2\x82\xac", 6, out, sizeof(out)), 6);
	CHECK_STR(out, "h\xc3\xa9\xe2\x82\xac");
	metrics__escape(bad, sizeof(bad) - 1, out, sizeof(out));
	CHECK_STR(out, "a\xef\xbf\xbd"
		       "b\xef\xbf\xbd\xef\xbf\xbd"
		       "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		       "d\xef\xbf\xbd\xef\xbf\xbd");
	/* A NUL inside would end the text for C readers: replaced too. */
	CHECK_EQ_U64(metrics__escape("a\0b", 3, out, sizeof(out)), 5);
	CHECK_STR(out, "a\xef\xbf\xbd"
		       "b");
	/* Too small: counted whole, copied up to the last escape that fits, never half of one. */
	CHECK_EQ_U64(metrics__escape("ab\"cd", 5, out, 4), 6);
	CHECK_STR(out, "ab");
	CHECK_EQ_U64(metrics__escape("x", 1, NULL, 0), 1);
}

static void test_families(void)
{
	struct metrics *m = metrics__new(0);
	struct metrics_label l[3];
	const char *text;
	size_t len;

	CHECK(m);
	if (!m)
		return;
	l[0] = metrics__label("exe", "/tmp/a\"b\\c\nd");
	l[1] = metrics__label("comm", NULL);
	CHECK(!metrics__family(m, "x_total", METRICS_COUNTER, "Help with \\ and\nnewline \"q\"."));
	CHECK(!metrics__sample_u64(m, l, 2, 18446744073709551615ULL));
	CHECK(!metrics__sample(m, NULL, 0, 0.1));
	CHECK(!metrics__finish(m, &text, &len));
	CHECK_STR(text, "# HELP x_total Help with \\\\ and\\nnewline \"q\".\n"
			"# TYPE x_total counter\n"
			"x_total{exe=\"/tmp/a\\\"b\\\\c\\nd\",comm=\"\"} 18446744073709551615\n"
			"x_total 0.1\n");
	CHECK(strlen(text) == len);
	CHECK(count(text, "# HELP ") == 1 && count(text, "# TYPE ") == 1);
	/* HELP and TYPE once per family: a second begin is an error, and it sticks. */
	CHECK(metrics__family(m, "x_total", METRICS_COUNTER, "again") == -EEXIST);
	CHECK(metrics__sample(m, NULL, 0, 1) == -EEXIST);
	CHECK(metrics__finish(m, &text, &len) == -EEXIST);
	metrics__reset(m);
	CHECK(!metrics__finish(m, &text, &len) && len == 0);
	CHECK(metrics__family(m, "9bad", METRICS_GAUGE, "") == -EINVAL);
	metrics__reset(m);
	CHECK(!metrics__family(m, "ok", METRICS_GAUGE, ""));
	l[2] = metrics__label("bad-name", "v");
	CHECK(metrics__sample(m, l + 2, 1, 1) == -EINVAL);
	metrics__reset(m);
	CHECK(!metrics__family(m, "ok", METRICS_GAUGE, ""));
	l[2] = metrics__label("__reserved", "v");
	CHECK(metrics__sample(m, l + 2, 1, 1) == -EINVAL);
	/* A sample before any family, and a histogram in a gauge family. */
	metrics__reset(m);
	CHECK(metrics__sample(m, NULL, 0, 1) == -EINVAL);
	metrics__reset(m);
	CHECK(!metrics__family(m, "g", METRICS_GAUGE, ""));
	CHECK(metrics__histogram(m, NULL, 0, (uint64_t[]){1, 2}, (double[]){1}, 1, 0) == -EINVAL);
	metrics__reset(m);
	CHECK(!metrics__family(m, "g", METRICS_GAUGE, ""));
	CHECK(!metrics__sample(m, NULL, 0, 1.0 / 0.0));
	CHECK(!metrics__sample(m, NULL, 0, 0.0 / 0.0));
	CHECK(!metrics__sample(m, NULL, 0, 2e-6));
	CHECK(!metrics__finish(m, &text, &len));
	CHECK(strstr(text, "g +Inf\ng NaN\ng 2e-06\n") != NULL);
	metrics__delete(m);
	metrics__delete(NULL);
}

static void test_histogram(void)
{
	struct metrics *m = metrics__new(0);
	const double bounds[] = {2e-6, 4e-6, 8e-6};
	const uint64_t counts[] = {3, 0, 5, 2};
	struct metrics_label l = metrics__label("reason", "chan receive");
	const char *text;
	size_t len;

	CHECK(m);
	if (!m)
		return;
	CHECK(!metrics__family(m, "h_seconds", METRICS_HISTOGRAM, "h"));
	CHECK(!metrics__histogram(m, &l, 1, counts, bounds, 3, 1.5));
	CHECK(!metrics__finish(m, &text, &len));
	CHECK_STR(text, "# HELP h_seconds h\n"
			"# TYPE h_seconds histogram\n"
			"h_seconds_bucket{reason=\"chan receive\",le=\"2e-06\"} 3\n"
			"h_seconds_bucket{reason=\"chan receive\",le=\"4e-06\"} 3\n"
			"h_seconds_bucket{reason=\"chan receive\",le=\"8e-06\"} 8\n"
			"h_seconds_bucket{reason=\"chan receive\",le=\"+Inf\"} 10\n"
			"h_seconds_sum{reason=\"chan receive\"} 1.5\n"
			"h_seconds_count{reason=\"chan receive\"} 10\n");
	/* Bounds must rise. */
	CHECK(metrics__histogram(m, NULL, 0, counts, (double[]){1, 1, 2}, 3, 0) == -EINVAL);
	metrics__delete(m);
}

static void test_limit(void)
{
	struct metrics *m = metrics__new(100);
	const char *text;
	size_t len;
	int i;

	CHECK(m);
	if (!m)
		return;
	CHECK(!metrics__family(m, "a", METRICS_GAUGE, ""));
	for (i = 0; i < 100; i++)
		metrics__sample(m, NULL, 0, i);
	CHECK(metrics__finish(m, &text, &len) == -E2BIG);
	CHECK(len <= 100);
	metrics__delete(m);
}

static void test_container(void)
{
	static const char docker[] =
		"0::/system.slice/docker-"
		"4f1d2a9b8c7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a.scope\n";
	static const char k8s[] =
		"12:cpu:/kubepods/burstable/pod1234/"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		"0::/kubepods/burstable/pod1234/cri-containerd-"
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.scope\n";
	/* 65 hex digits is not an id, nor 63. */
	static const char none[] =
		"0::/user.slice/user-0.slice/session-1.scope\n"
		"1::/x/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0\n"
		"2::/y/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
	char id[65];

	CHECK(!metrics__container_id(docker, sizeof(docker) - 1, id));
	CHECK_STR(id, "4f1d2a9b8c7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a");
	CHECK(!metrics__container_id(k8s, sizeof(k8s) - 1, id));
	CHECK_STR(id, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	CHECK(metrics__container_id(none, sizeof(none) - 1, id) == -ENOENT);
	CHECK(metrics__container_id("", 0, id) == -ENOENT);
	/* The id at the very end, with no newline. */
	CHECK(!metrics__container_id(docker + 24, 64, id));
}

/* Hostile label values and every kind of family, read by Prometheus's own parser. */
static void test_promtool(void)
{
	struct metrics *m = metrics__new(0);
	static const char hostile[] = "/tmp/x\"y\\z\nw\xff\xfe\x80"
				      "end";
	struct metrics_label l[2] = {{"exe", hostile, sizeof(hostile) - 1},
				     metrics__label("comm", "a\"b")};
	const double bounds[] = {0.001, 0.01};
	char path[] = "/tmp/test_metrics.XXXXXX", cmd[128];
	const char *text;
	size_t len;
	FILE *f;
	int fd, rc;

	if (!m)
		return;
	metrics__family(m, "t_goroutines", METRICS_GAUGE, "Goroutines \\ by\nstate.");
	metrics__sample_u64(m, l, 2, 7);
	metrics__family(m, "t_created_total", METRICS_COUNTER, "Created.");
	metrics__sample_u64(m, l, 2, 3);
	metrics__family(m, "t_latency_seconds", METRICS_HISTOGRAM, "Latency.");
	metrics__histogram(m, l, 2, (const uint64_t[]){1, 2, 3}, bounds, 2, 0.5);
	CHECK(!metrics__finish(m, &text, &len));
	if (access("/usr/bin/promtool", X_OK)) {
		CHECK_SKIP("promtool: not installed (scripts/deps.sh --test installs prometheus)");
		metrics__delete(m);
		return;
	}
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	CHECK(f);
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
		rc = system(cmd);
		CHECK(rc == 0);
		unlink(path);
	}
	metrics__delete(m);
}

int main(void)
{
	test_escape();
	test_families();
	test_histogram();
	test_limit();
	test_container();
	test_promtool();
	return check_done("test_metrics");
}
