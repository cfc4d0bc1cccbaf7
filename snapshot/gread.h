/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gread: one runtime.g decoded from a copy of its bytes, through the field
 * offsets of the binary's profile (Delve's "each g decoded through named
 * fields"). The copy comes from a running process, so nothing in it is
 * trusted: the decoder checks only that each field lies in the buffer; what
 * the values mean (a stack inside its bounds, a pc inside the text) is
 * checked by whoever follows them.
 */
#ifndef GOTRACER_GREAD_H
#define GOTRACER_GREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile;

/* Where each field is: bytes into runtime.g, -1 when the binary's g lacks it. */
struct gread_layout {
	int64_t goid, atomicstatus, waitreason, waitsince, gopc, startpc, parent_goid, lockedm;
	int64_t sched_sp, sched_pc, sched_bp;
	int64_t syscallsp, syscallpc, syscallbp;
	int64_t stack_lo, stack_hi;
	size_t size; /* bytes to read of each g: past the last field used */
};

/* One goroutine as read; fields the layout lacks are 0. */
struct gread_g {
	uint64_t goid;
	uint32_t status; /* atomicstatus, the scan bit included */
	uint8_t waitreason;
	int64_t waitsince; /* nanotime (CLOCK_MONOTONIC); 0 = not yet seen blocked by a GC */
	uint64_t gopc, startpc, parent_goid, lockedm;
	uint64_t sched_sp, sched_pc, sched_bp;
	uint64_t syscallsp, syscallpc, syscallbp;
	uint64_t stack_lo, stack_hi;
};

/*
 * The layout from a profile: 0, or -ENOENT naming in *missing (a static
 * string) the first field a snapshot cannot do without (goid, atomicstatus,
 * sched, stack and the gobuf members).
 */
int gread__layout(const struct profile *p, struct gread_layout *l, const char **missing);

/* Decode buf (len bytes, a copy of one g): 0, or -EINVAL when len < l->size. */
int gread__decode(const struct gread_layout *l, const void *buf, size_t len, struct gread_g *g);

#endif /* GOTRACER_GREAD_H */
