// SPDX-License-Identifier: GPL-2.0
/*
 * metrics: the text exposition format written into a growing buffer (see
 * metrics.h). The buffer is kept between scrapes (metrics__reset), so a
 * steady scrape allocates nothing; the size limit bounds what one scrape of
 * a hostile process (a million label sets) can take.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define DEFAULT_MAX (64u << 20)
#define MAX_FAMILIES 64
#define NAME_MAX_LEN 128

struct metrics {
	char *buf;
	size_t len, cap, max;
	int err;
	/* The families begun, to refuse a second HELP/TYPE of one. */
	char families[MAX_FAMILIES][NAME_MAX_LEN];
	size_t nfamilies;
	enum metrics_type type;
};

struct metrics *metrics__new(size_t max_bytes)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	m->max = max_bytes ? max_bytes : DEFAULT_MAX;
	return m;
}

void metrics__delete(struct metrics *m)
{
	if (!m)
		return;
	free(m->buf);
	free(m);
}

void metrics__reset(struct metrics *m)
{
	m->len = 0;
	m->err = 0;
	m->nfamilies = 0;
	if (m->buf)
		m->buf[0] = 0;
}

static int fail(struct metrics *m, int err)
{
	if (!m->err)
		m->err = err;
	return m->err;
}

/* Room for n more bytes and the NUL. */
static int reserve(struct metrics *m, size_t n)
{
	size_t cap;
	char *b;

	if (m->err)
		return m->err;
	if (n > m->max || m->len > m->max - n)
		return fail(m, -E2BIG);
	if (m->len + n + 1 <= m->cap)
		return 0;
	cap = m->cap ? m->cap : 4096;
	while (cap < m->len + n + 1)
		cap *= 2;
	b = realloc(m->buf, cap);
	if (!b)
		return fail(m, -ENOMEM);
	m->buf = b;
	m->cap = cap;
	return 0;
}

static void put(struct metrics *m, const char *s, size_t n)
{
	if (reserve(m, n))
		return;
	memcpy(m->buf + m->len, s, n);
	m->len += n;
	m->buf[m->len] = 0;
}

static void puts_(struct metrics *m, const char *s)
{
	put(m, s, strlen(s));
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics; labels the same without ':' (and no "__" prefix). */
static bool valid_name(const char *s, bool label)
{
	size_t i;

	if (!s || !*s || strlen(s) >= NAME_MAX_LEN)
		return false;
	if (label && !strncmp(s, "__", 2))
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			     (!label && c == ':');

		if (!alpha && !(i && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t k, i;

	/* A NUL would end the text for every C reader of it: not kept either. */
	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and past U+10FFFF are not UTF-8. */
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/* Escaped into out as snprintf would: quote and backslash too with quote (label values). */
static size_t escape(const char *value, size_t len, bool quote, char *out, size_t outlen)
{
	const unsigned char *v = (const unsigned char *)value;
	size_t i = 0, n = 0, k, copied = 0;
	bool room = outlen > 0;

	while (i < len) {
		const char *e;
		size_t el;

		if (v[i] == '\\')
			e = "\\\\", el = 2, k = 1;
		else if (v[i] == '\n')
			e = "\\n", el = 2, k = 1;
		else if (v[i] == '"' && quote)
			e = "\\\"", el = 2, k = 1;
		else if ((k = utf8_len(v + i, len - i)))
			e = value + i, el = k;
		else
			e = "\xef\xbf\xbd", el = 3, k = 1;
		/* What does not fit is counted, not copied: nothing after it either. */
		if (room && n + el < outlen) {
			memcpy(out + n, e, el);
			copied = n + el;
		} else {
			room = false;
		}
		n += el;
		i += k;
	}
	if (outlen)
		out[copied] = 0;
	return n;
}

size_t metrics__escape(const char *value, size_t len, char *out, size_t outlen)
{
	return escape(value, len, true, out, outlen);
}

static void put_escaped(struct metrics *m, const char *v, size_t len, bool quote)
{
	size_t n = escape(v, len, quote, NULL, 0);

	if (reserve(m, n))
		return;
	escape(v, len, quote, m->buf + m->len, n + 1);
	m->len += n;
}

int metrics__family(struct metrics *m, const char *name, enum metrics_type type, const char *help)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	size_t i;

	if (m->err)
		return m->err;
	if (!valid_name(name, false) || (unsigned int)type > METRICS_HISTOGRAM)
		return fail(m, -EINVAL);
	for (i = 0; i < m->nfamilies; i++)
		if (!strcmp(m->families[i], name))
			return fail(m, -EEXIST);
	if (m->nfamilies == MAX_FAMILIES)
		return fail(m, -E2BIG);
	snprintf(m->families[m->nfamilies++], NAME_MAX_LEN, "%s", name);
	m->type = type;
	puts_(m, "# HELP ");
	puts_(m, name);
	puts_(m, " ");
	put_escaped(m, help ? help : "", help ? strlen(help) : 0, false);
	puts_(m, "\n# TYPE ");
	puts_(m, name);
	puts_(m, " ");
	puts_(m, types[type]);
	puts_(m, "\n");
	return m->err;
}

/* The shortest of %.15g to %.17g that reads back as v; NaN and the infinities as the format spells them. */
static void put_double(struct metrics *m, double v)
{
	char b[40];
	int p;

	if (isnan(v)) {
		puts_(m, "NaN");
		return;
	}
	if (isinf(v)) {
		puts_(m, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (p = 15; p <= 17; p++) {
		snprintf(b, sizeof(b), "%.*g", p, v);
		if (strtod(b, NULL) == v)
			break;
	}
	puts_(m, b);
}

/* name{labels,extra="value"} — the name of the current family with suffix. */
static void put_series(struct metrics *m, const char *suffix, const struct metrics_label *labels,
		       size_t n, const char *extra, const char *extra_value)
{
	size_t i;

	if (m->err)
		return;
	if (!m->nfamilies) {
		fail(m, -EINVAL);
		return;
	}
	for (i = 0; i < n; i++)
		if (!valid_name(labels[i].name, true) || (!labels[i].value && labels[i].len)) {
			fail(m, -EINVAL);
			return;
		}
	puts_(m, m->families[m->nfamilies - 1]);
	puts_(m, suffix);
	if (!n && !extra)
		return;
	puts_(m, "{");
	for (i = 0; i < n; i++) {
		puts_(m, i ? "," : "");
		puts_(m, labels[i].name);
		puts_(m, "=\"");
		put_escaped(m, labels[i].value, labels[i].len, true);
		puts_(m, "\"");
	}
	if (extra) {
		puts_(m, n ? "," : "");
		puts_(m, extra);
		puts_(m, "=\"");
		puts_(m, extra_value);
		puts_(m, "\"");
	}
	puts_(m, "}");
}

int metrics__sample(struct metrics *m, const struct metrics_label *labels, size_t n, double value)
{
	if (!m->err && m->type == METRICS_HISTOGRAM)
		return fail(m, -EINVAL);
	put_series(m, "", labels, n, NULL, NULL);
	puts_(m, " ");
	put_double(m, value);
	puts_(m, "\n");
	return m->err;
}

int metrics__sample_u64(struct metrics *m, const struct metrics_label *labels, size_t n,
			uint64_t value)
{
	char b[24];

	if (!m->err && m->type == METRICS_HISTOGRAM)
		return fail(m, -EINVAL);
	put_series(m, "", labels, n, NULL, NULL);
	snprintf(b, sizeof(b), " %" PRIu64 "\n", value);
	puts_(m, b);
	return m->err;
}

int metrics__histogram(struct metrics *m, const struct metrics_label *labels, size_t n,
		       const uint64_t *counts, const double *bounds, size_t nb, double sum)
{
	uint64_t cum = 0;
	char b[48];
	size_t i;

	if (!m->err && m->type != METRICS_HISTOGRAM)
		return fail(m, -EINVAL);
	for (i = 1; i < nb; i++)
		if (!(bounds[i] > bounds[i - 1]))
			return fail(m, -EINVAL);
	for (i = 0; i <= nb; i++) {
		char le[40];

		cum += counts[i];
		if (i < nb) {
			int p;

			for (p = 15; p <= 17; p++) {
				snprintf(le, sizeof(le), "%.*g", p, bounds[i]);
				if (strtod(le, NULL) == bounds[i])
					break;
			}
		} else {
			snprintf(le, sizeof(le), "+Inf");
		}
		put_series(m, "_bucket", labels, n, "le", le);
		snprintf(b, sizeof(b), " %" PRIu64 "\n", cum);
		puts_(m, b);
	}
	put_series(m, "_sum", labels, n, NULL, NULL);
	puts_(m, " ");
	put_double(m, sum);
	puts_(m, "\n");
	put_series(m, "_count", labels, n, NULL, NULL);
	snprintf(b, sizeof(b), " %" PRIu64 "\n", cum);
	puts_(m, b);
	return m->err;
}

int metrics__finish(const struct metrics *m, const char **text, size_t *len)
{
	*text = m->buf ? m->buf : "";
	*len = m->len;
	return m->err;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int metrics__container_id(const char *buf, size_t len, char id[65])
{
	size_t i = 0, found = len;

	while (i < len) {
		size_t j = i;

		while (j < len && is_hex(buf[j]))
			j++;
		if (j - i == 64)
			found = i;
		i = j > i ? j : i + 1;
	}
	if (found == len)
		return -ENOENT;
	memcpy(id, buf + found, 64);
	id[64] = 0;
	return 0;
}
