// SPDX-License-Identifier: GPL-2.0
/*
 * unwind: frame-pointer walk over a stack copy (see unwind.h).
 */
#include <errno.h>

#include "rd.h"
#include "unwind.h"

int unwind__fp(const struct unwind_stack *st, uint64_t pc, uint64_t sp, uint64_t bp,
	       uint64_t text_lo, uint64_t text_hi, uint64_t *pcs, size_t max, size_t *n,
	       enum unwind_end *end, uint64_t *need)
{
	const uint8_t *b = st->buf;

	*n = 0;
	*need = 0;
	if (!max)
		return -EINVAL;
	pcs[(*n)++] = pc;
	for (;;) {
		uint64_t ret, next;

		if (bp == 0) {
			*end = UNWIND_END_ZERO_FP;
			return 0;
		}
		/* The frame record [bp, bp + 16) inside the stack, above sp. */
		if (bp & 7 || bp < sp || bp < st->lo || bp > st->hi || st->hi - bp < 16) {
			*end = UNWIND_END_BAD_FP;
			return 0;
		}
		if (bp < st->base || !rd__in(st->len, bp - st->base, 16)) {
			if (bp < st->base) {
				*end = UNWIND_END_BAD_FP;
				return 0;
			}
			*need = bp + 16;
			return -EAGAIN;
		}
		if (*n >= max) {
			*end = UNWIND_END_MAX;
			return 0;
		}
		next = rd__le64(b + (bp - st->base));
		ret = rd__le64(b + (bp - st->base) + 8);
		if (ret < text_lo || ret >= text_hi) {
			*end = UNWIND_END_BAD_PC;
			return 0;
		}
		pcs[(*n)++] = ret;
		if (next != 0 && next <= bp) {
			*end = UNWIND_END_BAD_FP;
			return 0;
		}
		sp = bp + 16;
		bp = next;
	}
}
