/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stream: the one event stream of a session and its consumers. Events come
 * from the BPF ring buffer (tracing) or from a record file (--report); each
 * is handed, unformatted, to every consumer the options ask for:
 *   - the recorder (--record): the raw event into the record file;
 *   - the analysis (--html, --trace-json, --record, --report --summary): the
 *     summary computed in user space, and the time line's slices;
 *   - the printer (table or JSON lines).
 * At the end (and every -i seconds) the reports are made from what the
 * consumers hold, or, for --summary while tracing, from the kernel's maps.
 * So every output reads the same events, live or recorded.
 */
#ifndef GOTRACER_STREAM_H
#define GOTRACER_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "goroutine.h"

struct names;
struct summary_proc;
struct stream;
struct target;

/* --summary aggregated in the kernel: the loader's maps, read at report time. */
struct stream_kernel {
	int (*summary)(void *ctx, struct goroutine_summary *sum);
	int (*live)(void *ctx, struct goroutine_gkey **keys, struct goroutine_gval **vals,
		    size_t *n);
	/* Blocking by (target, reason, stack) (loader.h); may be NULL. */
	int (*blocking)(void *ctx, struct goroutine_bkey **keys, struct goroutine_bval **vals,
			size_t *n);
	/* The target process tgid is of (for its stacks' symbols); may be NULL: target 0. */
	uint32_t (*target_of)(void *ctx, uint32_t tgid);
	/* Following: each process's share (summary.h), a malloc'd array; may be NULL. */
	int (*procs)(void *ctx, struct summary_proc **v, size_t *n);
	void *ctx;
};

/* The kernel's blocking stacks by id (loader__stack()); NULL: none. */
struct stream_stacks {
	int (*get)(void *ctx, uint64_t id, struct goroutine_stack *out);
	void *ctx;
};

struct seed_site;

/* Where the goroutines come from, asked at each report (a snapshot's; seed.h). */
struct stream_sites {
	int (*get)(void *ctx, const struct seed_site **sites, size_t *n);
	void *ctx;
};

/*
 * A fresh g's goid, read from its process (live tracing only): 0 with
 * *goid set (0 if the runtime has not set it yet), or a negative errno (the
 * process is gone, the target has no goid offset).
 */
struct stream_goids {
	int (*read)(void *ctx, uint32_t target, uint32_t tgid, uint64_t gp, uint64_t *goid);
	void *ctx;
};

struct stream_opts {
	FILE *out; /* events and the summary */
	bool json;
	bool print_events;
	int64_t goid;  /* print only this goroutine; -1: all */
	int64_t state; /* print only switches to this state; -1: all */
	bool summary;  /* print the summary at the end (and at each interval) */
	double leak_after_s;
	const char *html;		    /* NULL: no page */
	const char *trace_json;		    /* NULL: no trace-event file */
	const char *record;		    /* NULL: no record file */
	const struct stream_kernel *kernel; /* NULL: the summary comes from the events */
	const struct stream_sites *sites;   /* NULL: leak candidates grouped by parent */
	const struct stream_stacks *stacks; /* NULL: blocking by wait reason only */
	const struct stream_goids *goids;   /* NULL: a g's goid only from its switches */
	const char *pprof;	 /* NULL: no block profile; else its path ("-": stdout) */
	const char *pprof_sched; /* NULL: no scheduler-latency profile; else its path */
	const char *exe;	 /* the first target's binary as the profile names it */
	const char *const *exes; /* following: each target's binary, for events (output.h) */
	/* The session: */
	const char *version; /* the tool's, for the record */
	const char *shown;   /* what is traced, for the page */
	uint32_t pid;	     /* 0: every process of the binary */
	const struct names *names;
	bool goid_at_creation;
	uint64_t start_ns;	 /* CLOCK_MONOTONIC time 0, if known before stream__start() */
	int64_t mono_to_real_ns; /* the wall clock of start_ns */
};

/* What the event source counted (the BPF counters, or a record's STATS). */
struct stream_stats {
	uint64_t events, lost, evicted;
	uint64_t end_ns; /* CLOCK_MONOTONIC end of the stream */
};

/*
 * Open every output the options name (files first, so a bad path fails
 * before tracing starts). 0, or a negative errno with one line in why.
 */
int stream__new(const struct stream_opts *o, struct stream **out, char *why, size_t whylen);
/*
 * Time 0 (CLOCK_MONOTONIC), once the probes can fire: the record file is
 * written from here (its META, then each of the n targets: profile and
 * names), and the table's header printed. 0, or a negative errno with one
 * line in why.
 */
int stream__start(struct stream *s, uint64_t start_ns, struct target *const *targets, size_t n,
		  char *why, size_t whylen);

/*
 * One event, to every consumer. Creations held back for their goid (see
 * output.h) for over 30 s of the events' own clock are printed without it
 * before the event that shows the time has come: by the events' clock, not
 * the wall clock, so that a --report prints them where tracing did.
 */
int stream__event(struct stream *s, const struct goroutine_event *e);
/*
 * A goid learnt after the switch that lacked it: a g leaves _Gidle before
 * the runtime gives it a goid (oneNewExtraM, malg's callers), and one that
 * never switches again (go1.21's cgo extra M's g, parked _Gdead) would stay
 * without one. Live, the stream reads such a g's goid from its process
 * (stream_goids) once it has been quiet for 100 ms, and comes here; a
 * report comes here from the record's GOIDS. To the printer and the record.
 */
void stream__goid(struct stream *s, uint32_t target, uint32_t tgid, uint64_t gp, uint64_t goid);
/*
 * Goroutines that existed before tracing, for the analysis (a no-op when
 * the stream has none), with each one's g.startpc and g.gopc as link-time
 * addresses of the target's binary (pcs[i][0], pcs[i][1]; pcs may be NULL):
 * 0 or -ENOMEM.
 */
int stream__seed(struct stream *s, uint32_t target, const struct goroutine_gentry *e,
		 const uint64_t (*pcs)[2], size_t n);
/*
 * The binary whose pcs target t's events and seeds carry (stream__start()
 * binds every target; seeding comes before it).
 */
void stream__bind(struct stream *s, const struct target *t);
/*
 * Target's wait reasons are named by n (stream__bind() does this with the
 * target's names; a report calls it for each recorded target): its events
 * and seeds are shown in the session's numbering from then on (names.h's
 * names__merge()). 0, -EINVAL for a target past GOROUTINE_MAX_TARGETS, or
 * -ENOSPC (the session's table full: those reasons shown as unknown).
 */
int stream__reasons(struct stream *s, uint32_t target, const struct names *n);
/*
 * The session's index of each of target's wait reasons (GOROUTINE_NREASONS
 * entries), for tables read from the kernel; NULL when they are the same.
 */
const uint8_t *stream__reason_map(const struct stream *s, uint32_t target);
/* Whether anything of the stream keeps seeded goroutines (the analysis, the record). */
bool stream__wants_seed(const struct stream *s);
/* A record's SITES chunk (record.h) for the events after it: 0, -ERRORS__CORRUPT, -ENOMEM. */
int stream__sites(struct stream *s, uint32_t target, const char *json, size_t len);
/* A record's STACKS chunk (record.h) for the events after it: 0, -ERRORS__CORRUPT, -ENOMEM. */
int stream__stacks(struct stream *s, uint32_t target, const char *json, size_t len);
/*
 * A stack from outside the kernel's map (a seeding snapshot's), so that the
 * ids the seeded records name have frames: 0 (known already: kept), -ENOMEM.
 */
int stream__stack(struct stream *s, uint32_t target, uint64_t id, const struct goroutine_stack *st);
/* Between batches: write out what is buffered (the record, about every 2 s). */
void stream__tick(struct stream *s);
/* An interval summary (-i), to the output. */
void stream__interval(struct stream *s, const struct stream_stats *st);

/*
 * End of the stream: the time line's files, the record's STATS and END, the
 * summary, the held-back events. 0, or a negative errno with one line in
 * why (an output that could not be written whole).
 */
int stream__finish(struct stream *s, const struct stream_stats *st, char *why, size_t whylen);
/* NULL is a no-op; closes a record without END (it reads as truncated) when not finished. */
void stream__delete(struct stream *s);

#endif /* GOTRACER_STREAM_H */
