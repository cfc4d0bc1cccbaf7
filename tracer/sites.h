/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sites: where goroutines come from, by program counter. A creation event
 * carries the new goroutine's g.gopc (its go statement) and g.startpc (its
 * function) as link-time addresses; this table turns each into a function,
 * file and line once, from the binary while tracing, or from the record's
 * SITES chunks in a report, where the binary may be elsewhere. Entries never
 * move or go away while the table lives, so consumers keep pointers to them.
 *
 * The rules are the runtime's: a go statement's site ("created by F") is
 * the physical function holding the call, at the line of the call (the pc
 * before the return address); a start pc is the function entered there, or,
 * for a go1.21+ go-statement wrapper (F.gowrapN), the function it wraps, as
 * Go's execution tracer names goroutines (startPCForTrace).
 */
#ifndef GOTRACER_SITES_H
#define GOTRACER_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gobin;
struct sites;

struct site_sym {
	uint64_t pc; /* link-time */
	uint32_t target;
	bool call;	  /* a go statement's return address, not an entry */
	const char *func; /* owned by the table */
	const char *file; /* "?" when the tables have none */
	uint32_t line;
};

int sites__new(struct sites **out);
/* NULL is a no-op. */
void sites__delete(struct sites *s);

/* The entry of (target, pc, call), or NULL. */
const struct site_sym *sites__get(const struct sites *s, uint32_t target, uint64_t pc, bool call);
/*
 * Add (target, pc, call) with its symbol (strings copied): 0 (an entry
 * already there is kept), -EINVAL (func NULL), -ENOMEM. *out (may be NULL)
 * gets the entry.
 */
int sites__add(struct sites *s, uint32_t target, uint64_t pc, bool call, const char *func,
	       const char *file, uint32_t line, const struct site_sym **out);

/*
 * The symbol of pc in b by the rules above; the strings point into b's
 * buffer. 0, or -ENOENT (not in any function).
 */
int sites__symbolize(struct gobin *b, uint64_t pc, bool call, const char **func, const char **file,
		     uint32_t *line);

/*
 * The entries of target added since the last call (their count in *n), as
 * the JSON text of a record's SITES chunk, malloc'd into *json (NULL when
 * there are none): 0 or -ENOMEM.
 */
int sites__take_json(struct sites *s, uint32_t target, char **json, size_t *len, size_t *n);
/* A SITES chunk's text into the table: 0, -ERRORS__CORRUPT, -ENOMEM. */
int sites__add_json(struct sites *s, uint32_t target, const char *json, size_t len);

#endif /* GOTRACER_SITES_H */
