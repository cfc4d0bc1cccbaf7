/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jsonw: the tracer's one JSON writer off the hot path (the event lines of
 * --json have their own, in output.c). Streaming: objects, arrays, keys and
 * values written as they come, commas placed by the writer, so the time line
 * writes a million slices without building a tree. Strings are escaped once,
 * here: the result is valid JSON for any byte string (invalid UTF-8 becomes
 * U+FFFD), and with JSONW_HTML also safe inside an HTML <script> block ('<',
 * '>', '&', U+2028 and U+2029 escaped). Numbers print as cJSON prints them,
 * so a cJSON tree written through jsonw__cjson() reads as cJSON's own text.
 * Addresses go out as "0x..." strings (cJSON numbers are doubles).
 *
 * Errors are sticky: calls after a failed write do nothing, and
 * jsonw__finish() says what went wrong (a negative errno). Nothing prints.
 */
#ifndef GOTRACER_JSONW_H
#define GOTRACER_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cJSON;
struct jsonw;

/* Escape for an HTML <script> block: '<', '>', '&', U+2028, U+2029 as \uXXXX. */
#define JSONW_HTML 0x1

/* A writer onto f (not closed by it): 0 or -ENOMEM. */
int jsonw__new(FILE *f, unsigned int flags, struct jsonw **out);
/*
 * Write out what is buffered and free w (NULL: 0): 0, the first error seen,
 * or -EINVAL when an object or array was left open.
 */
int jsonw__finish(struct jsonw *w);

/* A JSON text built with a writer in memory (open_memstream). */
struct jsonw_mem {
	char *buf; /* after jsonw__mem_close() returned 0: the text, the caller's to free */
	size_t len;
	FILE *f;
	struct jsonw *w;
};

/* Start m (m->w is the writer): 0 or -errno. */
int jsonw__mem_open(struct jsonw_mem *m);
/* Finish m: 0 with m->buf and m->len the text, or an error with m->buf NULL. */
int jsonw__mem_close(struct jsonw_mem *m);

void jsonw__object(struct jsonw *w);
void jsonw__object_end(struct jsonw *w);
void jsonw__array(struct jsonw *w);
void jsonw__array_end(struct jsonw *w);
/* The key of the next value in an object. */
void jsonw__key(struct jsonw *w, const char *key);

/* A string value (s NULL: null); _n for len bytes that may hold NULs. */
void jsonw__string(struct jsonw *w, const char *s);
void jsonw__string_n(struct jsonw *w, const char *s, size_t len);
/* Formatted with printf's fmt, then escaped as a string. */
void jsonw__stringf(struct jsonw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jsonw__u64(struct jsonw *w, uint64_t v);
void jsonw__i64(struct jsonw *w, int64_t v);
/* As cJSON prints a number: %.15g, or %.17g when that does not read back; NaN, inf: null. */
void jsonw__double(struct jsonw *w, double v);
/* Fixed-point with decimals digits after the point ("%.*f"). */
void jsonw__fixed(struct jsonw *w, double v, int decimals);
/* "0x..." in lower-case hex. */
void jsonw__hex(struct jsonw *w, uint64_t v);
void jsonw__bool(struct jsonw *w, bool v);
void jsonw__null(struct jsonw *w);
/* A cJSON tree (NULL: null), strings escaped and numbers printed as above. */
void jsonw__cjson(struct jsonw *w, const struct cJSON *item);

/*
 * A line break before the next item (after its comma) or before the closing
 * bracket, one per call: for files people read or diff, one record a line.
 */
void jsonw__newline(struct jsonw *w);

#endif /* GOTRACER_JSONW_H */
