// SPDX-License-Identifier: GPL-2.0
/*
 * goversion: parse and compare Go toolchain version strings (see goversion.h).
 *
 * Numbers are parsed by hand with an explicit upper bound rather than with
 * strtol, whose acceptance of signs, spaces and "0x" would let odd strings from
 * a hostile binary through.
 */
#include <errno.h>
#include <string.h>

#include "goversion.h"

/* Minor number given to a devel toolchain that names no release. */
#define DEVEL_MINOR 999
#define MAX_NUMBER 99999

/* Read a decimal number of at most 5 digits at *p; advance *p. -1 when none. */
static int number(const char **p)
{
	const char *s = *p;
	int n = 0, digits = 0;

	while (*s >= '0' && *s <= '9') {
		if (++digits > 5)
			return -1;
		n = n * 10 + (*s - '0');
		s++;
	}
	if (!digits || n > MAX_NUMBER)
		return -1;
	*p = s;
	return n;
}

/* What may follow a version: the end, or the start of a vendor/experiment suffix. */
static bool suffix_ok(const char *s)
{
	return *s == 0 || *s == ' ' || *s == '-' || *s == '+' || *s == 'X';
}

/* Parse "go1.N[.P|rcK|betaK]" at the start of s, with a suffix allowed after it. */
static int parse_release(const char *s, struct goversion *v)
{
	struct goversion r = {.kind = GOVERSION_RELEASE};

	if (strncmp(s, "go", 2))
		return -EINVAL;
	s += 2;
	r.major = number(&s);
	if (r.major < 1 || *s != '.')
		return -EINVAL;
	s++;
	r.minor = number(&s);
	if (r.minor < 0)
		return -EINVAL;
	if (*s == '.') {
		s++;
		r.patch = number(&s);
		if (r.patch < 0)
			return -EINVAL;
	} else if (!strncmp(s, "rc", 2) || !strncmp(s, "beta", 4)) {
		r.kind = *s == 'r' ? GOVERSION_RC : GOVERSION_BETA;
		s += r.kind == GOVERSION_RC ? 2 : 4;
		r.pre = number(&s);
		if (r.pre < 0)
			return -EINVAL;
	}
	if (!suffix_ok(s))
		return -EINVAL;
	*v = r;
	return 0;
}

int goversion__parse(const char *s, struct goversion *v)
{
	const char *go;

	if (!s)
		return -EINVAL;
	if (strncmp(s, "devel", 5))
		return parse_release(s, v);
	if (s[5] != 0 && s[5] != ' ')
		return -EINVAL;
	/* "devel go1.23-abcdef Mon Jan 1 ..." names the minor under development. */
	go = strstr(s, " go1.");
	if (go && !parse_release(go + 1, v)) {
		v->patch = 0;
		v->pre = 0;
		v->kind = GOVERSION_DEVEL;
		return 0;
	}
	*v = (struct goversion){.major = 1, .minor = DEVEL_MINOR, .kind = GOVERSION_DEVEL};
	return 0;
}

static int cmp_int(int a, int b)
{
	return (a > b) - (a < b);
}

int goversion__cmp(const struct goversion *a, const struct goversion *b)
{
	int c;

	if ((c = cmp_int(a->major, b->major)))
		return c;
	if ((c = cmp_int(a->minor, b->minor)))
		return c;
	if ((c = cmp_int(a->kind, b->kind)))
		return c;
	if ((c = cmp_int(a->pre, b->pre)))
		return c;
	return cmp_int(a->patch, b->patch);
}

bool goversion__at_least(const struct goversion *v, int major, int minor)
{
	return v->major > major || (v->major == major && v->minor >= minor);
}
