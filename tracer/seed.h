/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seed: what a snapshot of a traced process gives the tracer. At attach,
 * the records of the goroutines that already existed (so that live counts,
 * time in state and above all leak candidates include goroutines that never
 * switch state while traced); at the report, each live goroutine's start
 * function and creation site (so leak candidates are grouped by where they
 * come from, as debug=1 groups stacks).
 */
#ifndef GOTRACER_SEED_H
#define GOTRACER_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "goroutine.h"

struct gobin;
struct snapshot;

/* One goroutine's origin; strings point into the binary's buffer. */
struct seed_site {
	uint32_t tgid;
	uint64_t goid;
	const char *start;   /* the goroutine's function (g.startpc), or NULL */
	const char *creator; /* the function of its go statement (g.gopc), or NULL */
	const char *file;    /* and the statement's place */
	uint32_t line;
};

/*
 * The per-goroutine records of every goroutine of s read consistently (not
 * dead, not changed under the reads), flagged GOROUTINE_G_SEEDED; malloc'd
 * into *out, and, when pcs is not NULL, each one's g.startpc and g.gopc as
 * link-time addresses (0: not set) into (*pcs)[i][0] and [1]. When stacks is
 * not NULL (and s has stacks), a WAITING or SYSCALL goroutine's stack as the
 * kernel's walk keeps it, into (*stacks)[i], its id in the record's
 * wait_stack (GOROUTINE_G_HAS_STACK). 0 or -ENOMEM.
 */
int seed__entries(const struct snapshot *s, struct goroutine_gentry **out, uint64_t (**pcs)[2],
		  struct goroutine_stack **stacks, size_t *n);

/* The origin of every goroutine of s, sorted by (tgid, goid), malloc'd: 0 or -ENOMEM. */
int seed__sites(struct gobin *b, const struct snapshot *s, struct seed_site **out, size_t *n);

/* qsort's order of sites: by (tgid, goid). */
int seed__cmp(const void *a, const void *b);

/* The site of (tgid, goid) in sites (sorted), or NULL. */
const struct seed_site *seed__find(const struct seed_site *sites, size_t n, uint32_t tgid,
				   uint64_t goid);

#endif /* GOTRACER_SEED_H */
