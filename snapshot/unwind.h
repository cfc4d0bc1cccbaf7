/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unwind: a goroutine's return addresses by frame pointers, over a copy of
 * (part of) its stack.
 *
 * Go keeps frame pointers on amd64 and arm64 (every function with a frame
 * saves the caller's BP at [BP] and has its return address at [BP+8]), so a
 * parked goroutine's stack is walked from g.sched's {pc, sp, bp} without
 * pclntab's SP tables, as the runtime's own fpTracebackPCs does. The copy
 * was read from a running process: every frame pointer must lie inside the
 * goroutine's stack bounds, above the last one and 8-aligned, so a torn or
 * hostile stack ends the walk rather than sending it anywhere.
 */
#ifndef GOTRACER_UNWIND_H
#define GOTRACER_UNWIND_H

#include <stddef.h>
#include <stdint.h>

/* A copy of the stack bytes [base, base + len), inside the stack [lo, hi). */
struct unwind_stack {
	const void *buf;
	size_t len;
	uint64_t base;
	uint64_t lo, hi;
};

enum unwind_end {
	UNWIND_END_ZERO_FP, /* a zero frame pointer: the goroutine's first frame (normal end) */
	UNWIND_END_MAX,	    /* max pcs: more frames above */
	UNWIND_END_BAD_FP,  /* a frame pointer out of bounds, below the last, or misaligned */
	UNWIND_END_BAD_PC,  /* a return address outside [text_lo, text_hi) */
};

/*
 * Walk from (pc, sp, bp): pcs[0] = pc, then each caller's return address,
 * at most max into pcs, *n set, *end why it stopped. Return addresses are
 * kept only when inside [text_lo, text_hi) (the process's text).
 * Returns 0, or -EAGAIN when the walk needs stack bytes past the copy:
 * *need is then the address the copy must reach (read more, call again).
 * -EINVAL for max == 0.
 */
int unwind__fp(const struct unwind_stack *st, uint64_t pc, uint64_t sp, uint64_t bp,
	       uint64_t text_lo, uint64_t text_hi, uint64_t *pcs, size_t max, size_t *n,
	       enum unwind_end *end, uint64_t *need);

#endif /* GOTRACER_UNWIND_H */
