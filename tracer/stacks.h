/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stacks: the blocking stacks an event stream names, by (target, stack id).
 * While tracing, each is fetched once from the kernel's stacks map (the
 * session's callback) and symbolized from the target's binary; in a report,
 * they come from the record's STACKS chunks, where the binary may be
 * elsewhere. Entries never move or go away while the table lives, so the
 * summary keeps pointers to them.
 */
#ifndef GOTRACER_STACKS_H
#define GOTRACER_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goroutine.h"

struct gobin;
struct stacks;
struct summary_frame;

struct stacks_entry {
	uint64_t id;
	uint32_t target;
	struct goroutine_stack st; /* the pcs as the kernel walked them (n 0 in a report) */
	const struct summary_frame *frames; /* symbolized, innermost first, inlined calls too */
	size_t nframes;
};

int stacks__new(struct stacks **out);
/* NULL is a no-op. */
void stacks__delete(struct stacks *s);

/* The entry of (target, id), or NULL. */
const struct stacks_entry *stacks__get(const struct stacks *s, uint32_t target, uint64_t id);
/*
 * Add (target, id) with its pcs, symbolized through b (NULL: no frames):
 * 0 (an entry already there is kept), -ENOMEM. *out (may be NULL) gets it.
 */
int stacks__add(struct stacks *s, uint32_t target, uint64_t id, const struct goroutine_stack *st,
		struct gobin *b, const struct stacks_entry **out);

/*
 * The entries of target added since the last call, as the JSON text of a
 * record's STACKS chunk (malloc'd into *json, NULL when none): 0 or -ENOMEM.
 */
int stacks__take_json(struct stacks *s, uint32_t target, char **json, size_t *len);
struct jsonw;
/* e's frames (e may be NULL: none) as a JSON array of {func, file, line} onto w. */
void stacks__frames_json(struct jsonw *w, const struct stacks_entry *e);

/* A STACKS chunk's text into the table: 0, -ERRORS__CORRUPT, -ENOMEM. */
int stacks__add_json(struct stacks *s, uint32_t target, const char *json, size_t len);

#endif /* GOTRACER_STACKS_H */
