// SPDX-License-Identifier: GPL-2.0
/*
 * format: the tracer's human-readable table (see format.h).
 */
#include <stdio.h>
#include <string.h>

#include "format.h"

void format__clock_init(struct format_clock *c)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	c->mono_to_real_ns =
		(int64_t)(real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
	c->cached_sec = -1;
	c->cached_hms[0] = 0;
}

char *format__time_to(struct format_clock *c, uint64_t mono_ns, char *p)
{
	int64_t real = (int64_t)mono_ns + c->mono_to_real_ns;
	time_t sec = real / 1000000000LL;
	uint32_t us = (uint32_t)((real % 1000000000LL) / 1000);
	int i;

	/* localtime_r only when the second changes: it may re-read /etc/localtime. */
	if (sec != c->cached_sec) {
		struct tm tm;

		localtime_r(&sec, &tm);
		strftime(c->cached_hms, sizeof(c->cached_hms), "%H:%M:%S", &tm);
		c->cached_sec = sec;
	}
	memcpy(p, c->cached_hms, 8);
	p[8] = '.';
	for (i = 14; i >= 9; i--, us /= 10)
		p[i] = '0' + us % 10;
	return p + 15;
}

char *format__u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

char *format__field(char *p, const char *s, size_t n, int width, bool right)
{
	size_t pad = (int)n < width ? width - n : 0;

	if (right) {
		memset(p, ' ', pad);
		p += pad;
	}
	memcpy(p, s, n);
	p += n;
	if (!right) {
		memset(p, ' ', pad);
		p += pad;
	}
	return p;
}

int format__header(char *buf, size_t len)
{
	return snprintf(buf, len, FORMAT_HEADER, "TIME", "STATE", "GOID", "PID", "TGID", "OLD",
			"CPU", "PARENT", "REASON");
}
