// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_metrics: the input is a label value and a HELP text (what a traced
 * process chooses: its path, its comm), written by the --metrics writer
 * (tracer/metrics.c). The text must stay three lines (HELP, TYPE, the
 * sample), be valid UTF-8 throughout, and the label value must read back,
 * unescaped as Prometheus's parser does, as the input with every byte that
 * is not UTF-8 (or is NUL) replaced by U+FFFD; the container id found in the input must
 * be 64 hex digits of it.
 */
#define _GNU_SOURCE
#include <string.h>

#include "fuzz.h"
#include "metrics.h"

/* The length of the valid UTF-8 sequence at s, or 0 (the writer's rule, restated). */
static size_t utf8_ok(const unsigned char *s, size_t n)
{
	size_t k, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return s[0] ? 1 : 0; /* NUL too is replaced */
	k = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 :
	    s[0] >= 0xe0 && s[0] <= 0xef ? 3 :
	    s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 :
					   0;
	if (!k || n < k)
		return 0;
	cp = s[0] & (0x7f >> k);
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metrics *m = metrics__new(1 << 20);
	struct metrics_label l = {"exe", (const char *)data, size};
	char *help = malloc(size + 1), *want = malloc(3 * size + 1), *got = malloc(size * 3 + 1);
	const char *text, *p;
	size_t len, i, k, nw = 0, ng = 0, lines = 0;
	char id[65];

	FUZZ_CHECK(m && help && want && got);
	memcpy(help, data, size);
	help[size] = 0; /* HELP is a C string: up to the first NUL */
	FUZZ_CHECK(!metrics__family(m, "f", METRICS_GAUGE, help));
	FUZZ_CHECK(!metrics__sample(m, &l, 1, 1));
	FUZZ_CHECK(!metrics__finish(m, &text, &len));
	FUZZ_CHECK(strlen(text) == len);
	for (i = 0; i < len; i += k) {
		k = utf8_ok((const unsigned char *)text + i, len - i);
		FUZZ_CHECK(k);
		lines += text[i] == '\n';
	}
	FUZZ_CHECK(lines == 3 && text[len - 1] == '\n');
	/* The value as the parser reads it: up to the first unescaped quote. */
	p = strstr(text, "\nf{exe=\"");
	FUZZ_CHECK(p);
	for (p += 8; *p != '"'; p++) {
		FUZZ_CHECK(*p && *p != '\n');
		if (*p == '\\') {
			p++;
			FUZZ_CHECK(*p == '\\' || *p == '"' || *p == 'n');
			got[ng++] = *p == 'n' ? '\n' : *p;
		} else {
			got[ng++] = *p;
		}
	}
	FUZZ_CHECK(!strcmp(p, "\"} 1\n"));
	for (i = 0; i < size; i += k) {
		k = utf8_ok(data + i, size - i);
		if (k) {
			memcpy(want + nw, data + i, k);
			nw += k;
		} else {
			memcpy(want + nw, "\xef\xbf\xbd", 3);
			nw += 3;
			k = 1;
		}
	}
	FUZZ_CHECK(ng == nw && !memcmp(got, want, nw));
	if (!metrics__container_id((const char *)data, size, id)) {
		FUZZ_CHECK(strlen(id) == 64 && strspn(id, "0123456789abcdef") == 64);
		FUZZ_CHECK(memmem(data, size, id, 64));
	}
	metrics__delete(m);
	free(help);
	free(want);
	free(got);
	return 0;
}
