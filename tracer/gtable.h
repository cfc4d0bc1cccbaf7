/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gtable: the tracer's one table of goroutines, keyed by struct
 * goroutine_gkey (a process and a g address, or a goid where that is what
 * identifies the goroutine), each key with a fixed-size value of the user's
 * own type. Open addressing with linear probing and backward-shift deletion,
 * so goroutine churn leaves no tombstones and lookups stay O(1) however long
 * the run; kept at most half full, doubled as it grows. On the per-event path
 * (output, analysis): a lookup is one hash and, mostly, one slot.
 */
#ifndef GOTRACER_GTABLE_H
#define GOTRACER_GTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "goroutine.h"

struct gtable;

/* A table of val_size-byte values (up to 4 KiB): 0, -EINVAL or -ENOMEM. */
int gtable__new(size_t val_size, struct gtable **out);
/* NULL is a no-op. */
void gtable__delete(struct gtable *t);

/* The value of key (key->pad is ignored), or NULL. */
void *gtable__find(const struct gtable *t, const struct goroutine_gkey *key);
/*
 * The value of key in *val, added zero-filled when absent: 1 added, 0 found,
 * -ENOMEM (table full and cannot grow). Adding moves values: pointers into
 * the table from before are stale.
 */
int gtable__insert(struct gtable *t, const struct goroutine_gkey *key, void **val);
/* Remove the entry whose value val is (as found or inserted). Moves values. */
void gtable__remove(struct gtable *t, void *val);
size_t gtable__count(const struct gtable *t);

/*
 * Call fn on every entry once, in no order; the entry is removed when fn
 * returns true. fn must not add or remove entries itself.
 */
typedef bool (*gtable_sweep_fn)(void *ctx, const struct goroutine_gkey *key, void *val);
void gtable__sweep(struct gtable *t, gtable_sweep_fn fn, void *ctx);

#endif /* GOTRACER_GTABLE_H */
