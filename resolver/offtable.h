/* SPDX-License-Identifier: GPL-2.0 */
/*
 * offtable: the per-Go-version tables of offsets/ (runtime.g field offsets,
 * goroutine status names, wait-reason names), compiled into the library.
 *
 * The tables are the last resort after DWARF and the binary's own type
 * descriptors, and the only source of names for values a binary does not
 * spell out (wait reasons of a stripped binary).
 */
#ifndef GOTRACER_OFFTABLE_H
#define GOTRACER_OFFTABLE_H

#include <stddef.h>

#include "goversion.h"

/* Offsets of runtime.g fields in bytes; -1 where the field does not exist. */
struct offtable_g {
	int goid, atomicstatus, waitreason, parent_goid, m, sched, stack;
	/* What a snapshot reads: */
	int waitsince, gopc, startpc, lockedm, syscallsp, syscallpc, syscallbp;
	int gobuf_bp;	  /* bp inside runtime.gobuf (sp is at 0 and pc at 8 in every release) */
	char source[400]; /* where the row came from, from the table */
};

/* The row for v: 0, or -ENOENT when no row covers v. */
int offtable__g(const struct goversion *v, struct offtable_g *out);

/*
 * Name of goroutine status or wait-reason value in release v: 0, -ENOENT when
 * the table has no such value (or no range covers v), -ENOSPC when buf is short.
 */
int offtable__gstatus_name(const struct goversion *v, unsigned int value, char *buf, size_t len);
int offtable__waitreason_name(const struct goversion *v, unsigned int value, char *buf, size_t len);
/* Largest wait-reason value the table knows in release v, or -ENOENT. */
int offtable__waitreason_max(const struct goversion *v);

#endif /* GOTRACER_OFFTABLE_H */
