// SPDX-License-Identifier: GPL-2.0
/*
 * jsonw: the streaming JSON writer (see jsonw.h). Output is built in a
 * buffer of its own and handed to stdio in large writes; the string escaper
 * copies runs of plain ASCII at once, so names cost little more than a copy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonw.h"

#define BUF_SIZE (64u << 10)
#define MAX_DEPTH 64
/* The most one put_*() call writes without checking for room again. */
#define MAX_TOKEN 512

struct jsonw {
	FILE *f;
	unsigned int flags;
	int err;
	int depth;		   /* open objects and arrays */
	bool after_key;		   /* a key was written: the value follows without a comma */
	unsigned int newlines;	   /* jsonw__newline()s: line breaks before the next item */
	bool first[MAX_DEPTH + 1]; /* no item yet at this level (level 0: the top) */
	bool plain[256];	   /* bytes that go out as they are, by flags */
	size_t len;
	char buf[BUF_SIZE];
};

int jsonw__new(FILE *f, unsigned int flags, struct jsonw **out)
{
	struct jsonw *w = malloc(sizeof(*w));
	int c;

	if (!w)
		return -ENOMEM;
	w->f = f;
	w->flags = flags;
	w->err = 0;
	w->depth = 0;
	w->after_key = false;
	w->newlines = 0;
	w->first[0] = true;
	w->len = 0;
	for (c = 0; c < 256; c++)
		w->plain[c] = c >= 0x20 && c < 0x80 && c != '"' && c != '\\' &&
			      !((flags & JSONW_HTML) && (c == '<' || c == '>' || c == '&'));
	*out = w;
	return 0;
}

static void flush(struct jsonw *w)
{
	if (w->len && !w->err && fwrite(w->buf, 1, w->len, w->f) != w->len)
		w->err = errno ? -errno : -EIO;
	w->len = 0;
}

int jsonw__finish(struct jsonw *w)
{
	int err;

	if (!w)
		return 0;
	flush(w);
	err = w->err ? w->err : w->depth ? -EINVAL : 0;
	free(w);
	return err;
}

/* Room for MAX_TOKEN more bytes. */
static inline char *room(struct jsonw *w)
{
	if (w->len + MAX_TOKEN > BUF_SIZE)
		flush(w);
	return w->buf + w->len;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (n > BUF_SIZE - w->len) {
		flush(w);
		if (n > BUF_SIZE / 2) {
			if (!w->err && fwrite(s, 1, n, w->f) != n)
				w->err = errno ? -errno : -EIO;
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void putc1(struct jsonw *w, char c)
{
	*room(w) = c;
	w->len++;
}

/* The comma (and line break) an item needs before it; false once an error is set. */
static bool item(struct jsonw *w)
{
	if (w->err)
		return false;
	if (w->after_key) {
		w->after_key = false;
		return true;
	}
	if (w->depth && !w->first[w->depth])
		putc1(w, ',');
	w->first[w->depth] = false;
	for (; w->newlines; w->newlines--)
		putc1(w, '\n');
	return true;
}

static void open_level(struct jsonw *w, char c)
{
	if (!item(w))
		return;
	if (w->depth == MAX_DEPTH) {
		w->err = -EINVAL;
		return;
	}
	putc1(w, c);
	w->first[++w->depth] = true;
}

static void close_level(struct jsonw *w, char c)
{
	if (w->err)
		return;
	if (!w->depth || w->after_key) {
		w->err = -EINVAL;
		return;
	}
	for (; w->newlines; w->newlines--)
		putc1(w, '\n');
	putc1(w, c);
	w->depth--;
}

void jsonw__object(struct jsonw *w)
{
	open_level(w, '{');
}

void jsonw__object_end(struct jsonw *w)
{
	close_level(w, '}');
}

void jsonw__array(struct jsonw *w)
{
	open_level(w, '[');
}

void jsonw__array_end(struct jsonw *w)
{
	close_level(w, ']');
}

void jsonw__newline(struct jsonw *w)
{
	w->newlines++;
}

/* The length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t k, i;
	uint32_t c = s[0], min;

	if (c >= 0xc2 && c <= 0xdf)
		k = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (k > n)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return k;
}

static const char hexdigits[] = "0123456789abcdef";

static void put_u4(struct jsonw *w, uint32_t c)
{
	char *p = room(w);

	p[0] = '\\';
	p[1] = 'u';
	p[2] = hexdigits[(c >> 12) & 15];
	p[3] = hexdigits[(c >> 8) & 15];
	p[4] = hexdigits[(c >> 4) & 15];
	p[5] = hexdigits[c & 15];
	w->len += 6;
}

/* The escapes cJSON writes, so its text and ours read the same. */
static void put_string(struct jsonw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, j, k;
	uint32_t cp;

	/* Short and plain (keys, state names): one copy, no escaping. */
	if (n <= MAX_TOKEN - 2) {
		for (j = 0; j < n && w->plain[s[j]]; j++)
			;
		if (j == n) {
			char *p = room(w);

			p[0] = '"';
			memcpy(p + 1, str, n);
			p[n + 1] = '"';
			w->len += n + 2;
			return;
		}
	}
	putc1(w, '"');
	while (i < n) {
		for (j = i; j < n && w->plain[s[j]]; j++)
			;
		if (j > i) {
			put(w, str + i, j - i);
			i = j;
			continue;
		}
		switch (s[i]) {
		case '"':
			put(w, "\\\"", 2);
			break;
		case '\\':
			put(w, "\\\\", 2);
			break;
		case '\b':
			put(w, "\\b", 2);
			break;
		case '\f':
			put(w, "\\f", 2);
			break;
		case '\n':
			put(w, "\\n", 2);
			break;
		case '\r':
			put(w, "\\r", 2);
			break;
		case '\t':
			put(w, "\\t", 2);
			break;
		default:
			if (s[i] < 0x80) {
				put_u4(w, s[i]); /* a control byte, or '<', '>', '&' for HTML */
				break;
			}
			k = utf8_len(s + i, n - i, &cp);
			if (!k) {
				put_u4(w, 0xfffd); /* one invalid byte, one replacement */
				break;
			}
			if ((w->flags & JSONW_HTML) && (cp == 0x2028 || cp == 0x2029))
				put_u4(w, cp); /* line separators end a JavaScript string */
			else
				put(w, str + i, k);
			i += k;
			continue;
		}
		i++;
	}
	putc1(w, '"');
}

void jsonw__key(struct jsonw *w, const char *key)
{
	if (!item(w))
		return;
	if (!w->depth) {
		w->err = -EINVAL;
		return;
	}
	put_string(w, key, strlen(key));
	putc1(w, ':');
	w->after_key = true;
}

void jsonw__string_n(struct jsonw *w, const char *s, size_t len)
{
	if (item(w))
		put_string(w, s, len);
}

void jsonw__string(struct jsonw *w, const char *s)
{
	if (!s)
		jsonw__null(w);
	else
		jsonw__string_n(w, s, strlen(s));
}

void jsonw__stringf(struct jsonw *w, const char *fmt, ...)
{
	char buf[1024], *p = buf;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	if ((size_t)n >= sizeof(buf)) {
		p = malloc(n + 1);
		if (!p) {
			w->err = w->err ? w->err : -ENOMEM;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(p, n + 1, fmt, ap);
		va_end(ap);
	}
	jsonw__string_n(w, p, n);
	if (p != buf)
		free(p);
}

static void put_token(struct jsonw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A number or literal of at most MAX_TOKEN bytes. */
static void put_token(struct jsonw *w, const char *fmt, ...)
{
	char *p;
	va_list ap;
	int n;

	if (!item(w))
		return;
	p = room(w);
	va_start(ap, fmt);
	n = vsnprintf(p, MAX_TOKEN, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= MAX_TOKEN)
		w->err = -EINVAL;
	else
		w->len += n;
}

/* The decimal digits of v, written backwards from end; returns the first. */
static inline char *digits(char *end, uint64_t v)
{
	do {
		*--end = '0' + v % 10;
		v /= 10;
	} while (v);
	return end;
}

void jsonw__u64(struct jsonw *w, uint64_t v)
{
	char tmp[24], *p;

	if (!item(w))
		return;
	p = digits(tmp + sizeof(tmp), v);
	put(w, p, tmp + sizeof(tmp) - p);
}

void jsonw__i64(struct jsonw *w, int64_t v)
{
	char tmp[24], *p;

	if (!item(w))
		return;
	/* Negated as unsigned: INT64_MIN has no positive twin. */
	p = digits(tmp + sizeof(tmp), v < 0 ? -(uint64_t)v : (uint64_t)v);
	if (v < 0)
		*--p = '-';
	put(w, p, tmp + sizeof(tmp) - p);
}

/* cJSON's print_number(): %.15g when it reads back as d, else %.17g. */
static void put_double(struct jsonw *w, double d)
{
	double back, max;
	char tmp[32];

	if (isnan(d) || isinf(d)) {
		put_token(w, "null");
		return;
	}
	snprintf(tmp, sizeof(tmp), "%1.15g", d);
	back = strtod(tmp, NULL);
	max = fabs(d) > fabs(back) ? fabs(d) : fabs(back);
	if (!(fabs(back - d) <= max * DBL_EPSILON))
		snprintf(tmp, sizeof(tmp), "%1.17g", d);
	put_token(w, "%s", tmp);
}

void jsonw__double(struct jsonw *w, double v)
{
	put_double(w, v);
}

void jsonw__fixed(struct jsonw *w, double v, int decimals)
{
	/* Past 1e300 "%.Nf" is longer than a token: such a value is an exponent. */
	if (isnan(v) || isinf(v) || fabs(v) > 1e300)
		put_double(w, v);
	else
		put_token(w, "%.*f", decimals < 0 ? 0 : decimals > 17 ? 17 : decimals, v);
}

void jsonw__hex(struct jsonw *w, uint64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)v);
	jsonw__string(w, tmp);
}

void jsonw__bool(struct jsonw *w, bool v)
{
	put_token(w, v ? "true" : "false");
}

void jsonw__null(struct jsonw *w)
{
	put_token(w, "null");
}

void jsonw__cjson(struct jsonw *w, const cJSON *j)
{
	const cJSON *c;

	if (!j) {
		jsonw__null(w);
		return;
	}
	switch (j->type & 0xff) {
	case cJSON_False:
		jsonw__bool(w, false);
		break;
	case cJSON_True:
		jsonw__bool(w, true);
		break;
	case cJSON_NULL:
		jsonw__null(w);
		break;
	case cJSON_Number:
		put_double(w, j->valuedouble);
		break;
	case cJSON_String:
		jsonw__string(w, j->valuestring ? j->valuestring : "");
		break;
	case cJSON_Raw:
		if (j->valuestring && item(w))
			put(w, j->valuestring, strlen(j->valuestring));
		break;
	case cJSON_Array:
		jsonw__array(w);
		for (c = j->child; c; c = c->next)
			jsonw__cjson(w, c);
		jsonw__array_end(w);
		break;
	case cJSON_Object:
		jsonw__object(w);
		for (c = j->child; c; c = c->next) {
			jsonw__key(w, c->string ? c->string : "");
			jsonw__cjson(w, c);
		}
		jsonw__object_end(w);
		break;
	default:
		w->err = w->err ? w->err : -EINVAL;
	}
}

int jsonw__mem_open(struct jsonw_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->f = open_memstream(&m->buf, &m->len);
	if (!m->f)
		return -errno;
	if (jsonw__new(m->f, 0, &m->w)) {
		fclose(m->f);
		free(m->buf);
		m->buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

int jsonw__mem_close(struct jsonw_mem *m)
{
	int err = jsonw__finish(m->w);

	if (fclose(m->f) && !err)
		err = -errno;
	if (err) {
		free(m->buf);
		m->buf = NULL;
		m->len = 0;
	}
	return err;
}
