/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timeline: each goroutine's states over time, written as a self-contained
 * HTML page (--html: tracer/report.html with the data inlined) and/or as
 * Chrome trace-event JSON (--trace-json: one track per goroutine, a slice per
 * state, for Perfetto and chrome://tracing). Fed the slices the analysis
 * hands out (timeline__slice is an analysis_slice_fn).
 */
#ifndef GOTRACER_TIMELINE_H
#define GOTRACER_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

struct analysis_slice;
struct cJSON;
struct names;

struct timeline_opts {
	const char *html_path;	   /* NULL: no page */
	const char *trace_path;	   /* NULL: no trace-event file */
	const char *target;	   /* what was traced, for the page's header */
	uint32_t pid;		   /* 0: every process of the binary */
	const struct names *names; /* state and wait-reason names; NULL: built-in */
	uint64_t start_ns;	   /* CLOCK_MONOTONIC time 0 of the time line */
	int64_t mono_to_real_ns;   /* for the page's wall-clock start */
	size_t max_slices;	   /* kept for the page; 0: the default */
	/* The blocking stacks slices name (target 0's), for the page; NULL: none. */
	const struct stacks *stacks;
};

struct stacks;
struct timeline;

/* Opens the output files now, so a bad path fails before tracing starts. */
int timeline__new(const struct timeline_opts *opts, struct timeline **out);
void timeline__delete(struct timeline *t);

/* Time 0 of the time line (CLOCK_MONOTONIC ns), if not the one given at creation. */
void timeline__start(struct timeline *t, uint64_t start_ns);

void timeline__slice(void *ctx, const struct analysis_slice *s);

/*
 * Finish both files at end_ns: summary (may be NULL) goes into the page.
 * 0, or a negative errno (the files are then incomplete).
 */
int timeline__finish(struct timeline *t, uint64_t end_ns, const struct cJSON *summary,
		     uint64_t events, uint64_t lost);

#endif /* GOTRACER_TIMELINE_H */
