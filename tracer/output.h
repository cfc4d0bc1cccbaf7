/* SPDX-License-Identifier: GPL-2.0 */
/*
 * output: the event stream as users see it — the table or JSON lines, after
 * the filters, with goroutine creations held back until their goid is a fact.
 *
 * Before go1.24, casgstatus(newg, _Gdead, _Grunnable) runs before newg.goid is
 * assigned, and a brand-new g's _Gidle -> _Gdead switch always precedes it: the
 * goid read there is 0 or a previous goroutine's. Such events are keyed by the
 * g's address and printed once the next event of the same g shows the real
 * goid; what never resolves is printed with the goid unknown, never a guess.
 */
#ifndef GOTRACER_OUTPUT_H
#define GOTRACER_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "goroutine.h"

struct names;
struct sites;

struct output_opts {
	FILE *out;
	bool json;
	int64_t goid;		   /* print only this goroutine; -1: all */
	int64_t state;		   /* print only switches to this state; -1: all */
	bool goid_at_creation;	   /* the goid read at _Gdead -> _Grunnable is right */
	const struct names *names; /* state and wait-reason names; NULL: built-in */
	/*
	 * Creation sites by pc (sites.h), looked up when a creation is printed
	 * (JSON: start_func and created_by); NULL: none.
	 */
	const struct sites *sites;
	/*
	 * CLOCK_MONOTONIC -> CLOCK_REALTIME for the TIME column; 0: now's. A
	 * report of a recording prints the wall clock the recording had.
	 */
	int64_t mono_to_real_ns;
	/*
	 * Following (--all, a command's tree): each target's binary by target
	 * id (GOROUTINE_MAX_TARGETS entries, filled as targets come), for the
	 * JSON records' "exe"; NULL: no "exe".
	 */
	const char *const *exes;
};

struct output;

struct output *output__new(const struct output_opts *opts);
/* Prints what is still held back (goid unknown), then frees. NULL is a no-op. */
void output__delete(struct output *o);
int output__event(struct output *o, const struct goroutine_event *e);
uint64_t output__printed(const struct output *o);
/*
 * Print the held-back events older than before_ns with the goid unknown: a g
 * that has not run since (a process gone, an idle extra M) must not hold its
 * slot for ever, or a long --binary run would fill the table.
 */
void output__expire(struct output *o, uint64_t before_ns);
/*
 * The goid of the g at gp of process tgid, learnt other than from a switch
 * (read from the process after its allocation; stream.h): print what is held
 * back for that g with it. No-op when nothing is.
 */
void output__goid(struct output *o, uint32_t tgid, uint64_t gp, uint64_t goid);
/* Write out what is buffered (call once per poll). */
void output__flush(struct output *o);

#endif /* GOTRACER_OUTPUT_H */
