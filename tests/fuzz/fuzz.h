/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz: what the fuzz targets share. A target checks the library's promises
 * (a string is terminated, a returned range is inside the input, a success
 * gives consistent values) with FUZZ_CHECK, which aborts so that libFuzzer
 * (or replay.c) reports the input like any crash.
 */
#ifndef GOTRACER_FUZZ_H
#define GOTRACER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                     \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                      \
			abort();                                                             \
		}                                                                            \
	} while (0)

/*
 * Read the first and the last byte of [p, p + n): a range the library hands
 * out must lie inside one allocation, and ASan reports it when it does not.
 */
static inline void fuzz_touch(const void *p, size_t n)
{
	volatile uint8_t sink;

	if (!n)
		return;
	sink = ((const volatile uint8_t *)p)[0];
	sink = ((const volatile uint8_t *)p)[n - 1];
	(void)sink;
}

/* True when s is NUL-terminated within cap bytes. */
static inline int fuzz_terminated(const char *s, size_t cap)
{
	size_t i;

	for (i = 0; i < cap; i++)
		if (!s[i])
			return 1;
	return 0;
}

/* A little-endian u64 at p (input headers of the targets that take one). */
static inline uint64_t fuzz_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* GOTRACER_FUZZ_H */
