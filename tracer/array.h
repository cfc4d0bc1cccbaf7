/* SPDX-License-Identifier: GPL-2.0 */
/*
 * array: the one "grow a malloc'd array" of the tracer. Doubling (from
 * min_cap) keeps appends amortised O(1); the size arithmetic is checked, so a
 * huge count is -ENOMEM, never a short buffer.
 */
#ifndef GOTRACER_ARRAY_H
#define GOTRACER_ARRAY_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Make room for at least need elements of size bytes in the array *pv (a
 * pointer to the array's pointer) of capacity *cap: doubled from min_cap,
 * capped at max_cap (0: none). 0, or -ENOMEM with the array unchanged.
 */
static inline int array__reserve(void *pv, size_t *cap, size_t need, size_t size, size_t min_cap,
				 size_t max_cap)
{
	size_t c = *cap ? *cap : (min_cap ? min_cap : 1);
	void *v, *nv;

	if (need <= *cap)
		return 0;
	while (c < need && c <= SIZE_MAX / 2)
		c *= 2;
	if (max_cap && c > max_cap)
		c = max_cap;
	if (c < need || c > SIZE_MAX / size)
		return -ENOMEM;
	memcpy(&v, pv, sizeof(v));
	nv = realloc(v, c * size);
	if (!nv)
		return -ENOMEM;
	memcpy(pv, &nv, sizeof(nv));
	*cap = c;
	return 0;
}

#endif /* GOTRACER_ARRAY_H */
