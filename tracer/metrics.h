/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics: a writer of Prometheus's text exposition format (version 0.0.4)
 * into a memory buffer, for --metrics. Families are begun once each (HELP
 * and TYPE), samples follow under the family's name; label values are taken
 * as (bytes, length) and escaped as the format says (backslash, double
 * quote, newline), with bytes that are not UTF-8 (and NULs) replaced by U+FFFD, because
 * they come from the traced process (its path, its comm) and a value that is
 * not UTF-8 makes the whole scrape fail to parse. Histograms are given as
 * per-bucket counts and written cumulative, with +Inf, _sum and _count.
 *
 * Errors are sticky: the first one (-ENOMEM, -E2BIG past the size limit,
 * -EINVAL for a bad metric or label name, -EEXIST for a family begun twice)
 * stops all writing and is what metrics__finish() returns, so a caller writes
 * a whole scrape and checks once.
 */
#ifndef GOTRACER_METRICS_H
#define GOTRACER_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct metrics;

enum metrics_type {
	METRICS_COUNTER,
	METRICS_GAUGE,
	METRICS_HISTOGRAM,
};

/* One label: its name (a Prometheus label name) and len bytes of value (any bytes). */
struct metrics_label {
	const char *name;
	const char *value;
	size_t len;
};

/* A label of a NUL-terminated value (NULL: ""). */
static inline struct metrics_label metrics__label(const char *name, const char *value)
{
	return (struct metrics_label){name, value ? value : "", value ? strlen(value) : 0};
}

/* An empty exposition of at most max_bytes (0: 64 MiB); NULL with errno set. */
struct metrics *metrics__new(size_t max_bytes);
/* NULL is a no-op. */
void metrics__delete(struct metrics *m);
/* Empty again (the families forgotten, the error cleared), the buffer kept. */
void metrics__reset(struct metrics *m);

/* # HELP and # TYPE of family name; the samples that follow belong to it. 0 or the error. */
int metrics__family(struct metrics *m, const char *name, enum metrics_type type, const char *help);
/* A sample of the current family: value as the shortest decimal that reads back the same. */
int metrics__sample(struct metrics *m, const struct metrics_label *labels, size_t n, double value);
/* A sample of an integer value (counts: exact beyond 2^53). */
int metrics__sample_u64(struct metrics *m, const struct metrics_label *labels, size_t n,
			uint64_t value);
/*
 * A histogram series of the current (histogram) family: counts[i] observed in
 * bucket i, whose upper bound is bounds[i], for i < nb (bounds rising), and
 * counts[nb] above the last bound; written cumulative with le="+Inf", then
 * _sum and _count.
 */
int metrics__histogram(struct metrics *m, const struct metrics_label *labels, size_t n,
		       const uint64_t *counts, const double *bounds, size_t nb, double sum);

/* The text so far (NUL-terminated) and its length; the first error, or 0. */
int metrics__finish(const struct metrics *m, const char **text, size_t *len);

/*
 * The escaped form of a label value (len bytes) into out (at most outlen
 * bytes, NUL-terminated): the number of bytes it needs, without the NUL, as
 * snprintf counts.
 */
size_t metrics__escape(const char *value, size_t len, char *out, size_t outlen);

/*
 * The container id in the text of a /proc/PID/cgroup (len bytes): the last
 * run of exactly 64 hex digits in a cgroup path (docker, containerd, CRI-O,
 * podman name their scopes so), into id (65 bytes). 0, or -ENOENT (none).
 */
int metrics__container_id(const char *buf, size_t len, char id[65]);

#endif /* GOTRACER_METRICS_H */
