/* SPDX-License-Identifier: GPL-2.0 */
/*
 * summary: the report of --summary, as a table or JSON: goroutines created,
 * exited and live by state; time in each state, overall and per goroutine;
 * scheduler latency (RUNNABLE -> RUNNING) as a log2 histogram in the style of
 * libbpf-tools' runqlat, with percentiles; blocking by wait reason, and under
 * each the stacks that blocked longest; lifetimes;
 * and leak candidates (goroutines WAITING longer than --leak-after), grouped
 * by wait reason and creating goroutine. The input is the aggregate the BPF
 * program keeps (--summary) or the one computed from events (analysis.h):
 * the same structs either way.
 */
#ifndef GOTRACER_SUMMARY_H
#define GOTRACER_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "goroutine.h"

struct cJSON;
struct names;
struct seed_site;

/* One frame of a blocking stack: a physical or inlined call. */
struct summary_frame {
	const char *func, *file;
	uint32_t line;
};

/* Time blocked under one (wait reason, stack): the kernel's blocking map, or the events'. */
struct summary_block {
	uint32_t reason; /* a g.waitreason; GOROUTINE_NREASONS: unknown; GOROUTINE_REASON_SYSCALL */
	uint64_t count, total_ns, max_ns;
	uint64_t stack_id;
	const struct summary_frame *frames; /* the whole stack, innermost first */
	size_t nframes;
	bool truncated; /* the walk stopped short (goroutine.h's GOROUTINE_STACK_TRUNCATED) */
};

/*
 * A process's share, following processes (--all, -- CMD): listed before the
 * total, which they add up to. Strings are the process's own (escaped by
 * the printer).
 */
struct summary_proc {
	int32_t pid; /* 0: the row that folds ended processes past those listed */
	bool ended;
	uint64_t folded; /* with pid 0: how many processes it holds */
	const char *exe, *comm, *container, *go_version;
	struct goroutine_procsum sum;
};

struct summary_input {
	const struct goroutine_summary *sum;
	/* The live goroutines, in no order. */
	const struct goroutine_gkey *keys;
	const struct goroutine_gval *vals;
	size_t n;
	uint64_t now_ns; /* CLOCK_MONOTONIC, the clock of since_ns and created_ns */
	double elapsed_s;
	uint64_t lost;
	uint64_t evicted;	   /* goroutine records lost to slot collisions (kernel) */
	const char *source;	   /* "kernel" or "events" */
	double leak_after_s;	   /* WAITING longer than this is a leak candidate */
	size_t top;		   /* goroutines in the table's per-goroutine list */
	const struct names *names; /* state and wait-reason names; NULL: built-in */
	/* Each goroutine's start function and creation site (seed.h), sorted; may be empty. */
	const struct seed_site *sites;
	size_t nsites;
	/* Blocking by (wait reason, stack), in no order; may be empty. */
	const struct summary_block *blocks;
	size_t nblocks;
	/*
	 * The stack a live goroutine of process tgid waits at (its wait_stack),
	 * for the leak candidates: a block with its frames, or NULL; stack may
	 * be NULL.
	 */
	const struct summary_block *(*stack)(void *ctx, uint32_t tgid, uint64_t id);
	/* Following: each process's share, in the order found; may be empty. */
	const struct summary_proc *procs;
	size_t nprocs;
	void *stack_ctx;
};

/* Sum the per-CPU copies (ncpu of them, as the map lookup returns them) into out. */
void summary__sum(const struct goroutine_summary *percpu, int ncpu, struct goroutine_summary *out);
/*
 * Add in to out (maxima by max), in's wait reasons at map[i] (names.h's
 * names__merge(): another Go version's numbering); map NULL: the same.
 */
void summary__add(struct goroutine_summary *out, const struct goroutine_summary *in,
		  const uint8_t *map);

void summary__print(FILE *f, const struct summary_input *in);
/* The report as a cJSON object (NULL when out of memory); the caller deletes it. */
struct cJSON *summary__json(const struct summary_input *in);
/* The report as one line of JSON on f (jsonw.h): 0 or a negative errno. */
int summary__print_json(FILE *f, const struct summary_input *in);

/*
 * The p-th percentile (0 < p <= 1) of a log2 histogram of microseconds, by
 * linear interpolation inside the slot, capped at max_us; 0 when empty.
 */
double summary__percentile(const __u64 *slots, double p, double max_us);

#endif /* GOTRACER_SUMMARY_H */
