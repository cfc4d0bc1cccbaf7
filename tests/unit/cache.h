/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cache: where the fixture cache is, for the C tests that read real binaries;
 * the same rule as scripts/lib.sh's cache_root.
 */
#ifndef GOTRACER_TEST_CACHE_H
#define GOTRACER_TEST_CACHE_H

#include <stdio.h>
#include <stdlib.h>

static inline void cache_root(char *buf, size_t n)
{
	const char *c = getenv("GOTRACER_CACHE"), *x = getenv("XDG_CACHE_HOME");
	const char *h = getenv("HOME");

	if (c && *c)
		snprintf(buf, n, "%s", c);
	else if (x && *x)
		snprintf(buf, n, "%s/gotracer", x);
	else
		snprintf(buf, n, "%s/.cache/gotracer", h ? h : "/root");
}

#endif /* GOTRACER_TEST_CACHE_H */
