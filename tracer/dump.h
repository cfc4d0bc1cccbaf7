/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dump: a snapshot of every goroutine printed as the Go runtime prints its
 * own tracebacks (pprof's goroutine?debug=2, a crash with GOTRACEBACK=all),
 * so that people and their scripts read it as they read those; grouped by
 * identical stacks as debug=1 does; or as JSON records.
 *
 * The runtime's rules are followed: wait reasons named as the binary's Go
 * version names them, "N minutes" from g.waitsince, runtime frames and
 * system goroutines left out unless asked for (GOTRACEBACK=system), "created
 * by F in goroutine N" where the version records the creator, "(...)" for
 * inlined calls. Arguments are not decoded: every frame shows "(...)".
 */
#ifndef GOTRACER_DUMP_H
#define GOTRACER_DUMP_H

#include <stdbool.h>
#include <stdio.h>

struct gobin;
struct profile;
struct snapshot;

enum dump_format {
	DUMP_TEXT,  /* debug=2 */
	DUMP_GROUP, /* debug=1: each distinct stack once, with its count */
	DUMP_JSON,  /* one record per goroutine */
};

struct dump_opts {
	enum dump_format format;
	bool system; /* runtime frames and system goroutines too (GOTRACEBACK=system) */
};

/* Write s (of binary b, described by p) to out: 0, -EIO, -ENOMEM. */
int dump__write(FILE *out, struct gobin *b, const struct profile *p, const struct snapshot *s,
		const struct dump_opts *o);

#endif /* GOTRACER_DUMP_H */
