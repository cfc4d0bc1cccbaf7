/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pprof: a pprof profile (google/pprof's profile.proto, gzipped) built from
 * stacks of return addresses, the way Go's runtime/pprof builds its count
 * profiles, so that `go tool pprof` reads ours as it reads Go's: any sample
 * types, the process's executable mappings, stacks deduplicated and their
 * values summed, locations, functions and strings interned.
 *
 * Addresses are symbolized through a Go binary's own tables (gobin: pclntab
 * and inline trees, so stripped binaries too): one Location per return
 * address, its Lines the inlined calls innermost first and the physical
 * function last, as pprof represents inlining. As Go's traceback does for its
 * profiles, wrapper functions are left out unless they called a panic, and
 * runtime.goexit (the bottom of every goroutine) is not a location. The
 * Location's address is the call's, the return address minus one, what Go's
 * CallersFrames reports and its profiles store.
 *
 * Nothing here knows where the stacks came from: goroutine snapshots use it
 * (dumppprof.c), blocking profiles can.
 */
#ifndef GOTRACER_PPROF_H
#define GOTRACER_PPROF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gobin;
struct pprof;

/* One value of a sample ("goroutine", "count"; "delay", "nanoseconds"). */
struct pprof_value_type {
	const char *type;
	const char *unit;
};

#define PPROF_MAX_VALUES 8

struct pprof_opts {
	const struct pprof_value_type *sample_types; /* 1 to PPROF_MAX_VALUES of them */
	size_t n_sample_types;
	struct pprof_value_type period_type; /* NULL type: none */
	int64_t period;
	int64_t time_nanos;	/* when the profile was taken (CLOCK_REALTIME) */
	int64_t duration_nanos; /* 0 for a snapshot */
	/*
	 * Stacks cut after this many frames as the runtime's traceback buffer
	 * counts them (logical frames: inlined calls and runtime.goexit count,
	 * elided wrappers do not), the frame the cut falls in kept whole as
	 * runtime/pprof's expandFinalInlineFrame keeps it; 0: no cut. Stacks
	 * equal up to the cut are one sample, as in Go's profile.
	 */
	size_t max_frames;
};

/* One executable mapping of the process, as /proc/PID/maps lists it. */
struct pprof_mapping {
	uint64_t start, limit, offset;
	const char *file;     /* NULL: none */
	const char *build_id; /* GNU build id as hex; NULL: unknown */
};

/* Copies what o points to. Returns 0, -EINVAL (sample types), -ENOMEM. */
int pprof__new(const struct pprof_opts *o, struct pprof **out);
/* NULL is a no-op. */
void pprof__delete(struct pprof *p);

/*
 * Add a mapping (before the samples whose addresses it holds). With b, its
 * addresses are symbolized through b, whose link-time address is the
 * process's minus bias; b must outlive p. Returns 0, -EINVAL (start >= limit),
 * -ENOMEM.
 */
int pprof__add_mapping(struct pprof *p, const struct pprof_mapping *m, struct gobin *b,
		       uint64_t bias);

/*
 * One stack of n return addresses (process addresses, innermost first) with
 * its values (n_sample_types of them), added to the sample of the same
 * stack (after the max_frames cut) when there is one. Returns 0, -ENOMEM, -EOVERFLOW (a value's sum).
 */
int pprof__add_sample(struct pprof *p, const uint64_t *pcs, size_t n, const int64_t *values);

/* Samples so far (distinct stacks) and locations made. */
size_t pprof__sample_count(const struct pprof *p);
size_t pprof__location_count(const struct pprof *p);

/*
 * The profile, gzipped, to out (flushed): samples by their first value, the
 * largest first, as runtime/pprof writes count profiles. Returns 0, -EIO,
 * -ENOMEM.
 */
int pprof__write(struct pprof *p, FILE *out);
/*
 * The same into path, "-" being stdout: written to path.tmp and renamed, so
 * a profile that could not be written whole is never there. 0, -EIO,
 * -ENOMEM, or fopen's or rename's -errno.
 */
int pprof__write_path(struct pprof *p, const char *path);

#endif /* GOTRACER_PPROF_H */
