/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dumppprof: a goroutine snapshot as a pprof goroutine profile, what
 * pprof.Lookup("goroutine").WriteTo(w, 0) writes in the process itself (and
 * /debug/pprof/goroutine serves): sample and period type goroutine/count,
 * period 1, one sample per distinct stack valued by its goroutines, every
 * frame the runtime's profile has (runtime ones too), the process's
 * executable mappings, so `go tool pprof` reads both alike.
 *
 * What it cannot hold: goroutines whose stack could not be read (running on
 * a thread, changed while read), which are counted, not sampled; and pprof
 * labels, which are not decoded.
 */
#ifndef GOTRACER_DUMPPPROF_H
#define GOTRACER_DUMPPPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct gobin;
struct snapshot;

struct dumppprof_stats {
	size_t goroutines; /* in the profile */
	size_t no_stack;   /* listed, but without a stack: not in it */
	size_t samples;	   /* distinct stacks */
};

/*
 * The profile of s (of binary b, whose file is exe: the build id and the
 * mappings' inode come from it) to out, gzipped. system: system goroutines
 * too (the runtime's profile has none). Returns 0, -EIO, -ENOMEM, or
 * -ESRCH / -EACCES when the process's maps cannot be read.
 */
int dumppprof__write(FILE *out, struct gobin *b, const char *exe, const struct snapshot *s,
		     bool system, struct dumppprof_stats *st);

/*
 * The same into path, "-" being stdout: written to path.tmp and renamed, so
 * that no partial file is ever seen under path; on error nothing is left.
 */
int dumppprof__write_file(const char *path, struct gobin *b, const char *exe,
			  const struct snapshot *s, bool system, struct dumppprof_stats *st);

#endif /* GOTRACER_DUMPPPROF_H */
