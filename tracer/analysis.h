/* SPDX-License-Identifier: GPL-2.0 */
/*
 * analysis: the --summary aggregate computed in user space from the event
 * stream, when the events are wanted anyway (--html, --trace-json): the same
 * struct goroutine_summary and per-goroutine records the BPF program keeps
 * with --summary, by the same accounting code (bpf/goroutine_account.h),
 * plus each goroutine's time line as "slices" (a state held from one time to
 * another) handed to a callback as they end.
 */
#ifndef GOTRACER_ANALYSIS_H
#define GOTRACER_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goroutine.h"

struct seed_site;
struct site_sym;
struct sites;

/* A goroutine in one state from start_ns to end_ns (monotonic ns). */
struct analysis_slice {
	uint64_t start_ns, end_ns;
	uint64_t goid;
	uint64_t parent_goid; /* valid with has_parent */
	uint64_t created_ns;  /* 0: existed before tracing began */
	uint32_t tgid;
	uint32_t state;
	int32_t waitreason; /* -1: none or unknown */
	bool has_parent;
	bool goid_known; /* false: created before its goid was assigned, never seen again */
	bool exited;	 /* the goroutine ended at end_ns */
	bool open;	 /* still in this state when tracing stopped */
	/* Where it comes from (sites.h), when its creation or a snapshot said; else NULL. */
	const struct site_sym *start, *creator;
	uint64_t stack_id; /* a WAITING slice's stack where it blocked (stacks.h); 0: none */
};

typedef void (*analysis_slice_fn)(void *ctx, const struct analysis_slice *s);

struct analysis;

/*
 * goid_at_creation: the goid read at _Gdead -> _Grunnable is right (go1.24+);
 * before, it is taken from the goroutine's next event. fn may be NULL.
 */
int analysis__new(bool goid_at_creation, analysis_slice_fn fn, void *ctx, struct analysis **out);
void analysis__delete(struct analysis *a);

/*
 * The table the creation events' sites are looked up in (their pcs resolved
 * before the event is given); NULL (the default): no sites.
 */
void analysis__set_sites(struct analysis *a, const struct sites *sites);
void analysis__event(struct analysis *a, const struct goroutine_event *e);
/* Hand every live goroutine's current state to the callback as open, up to now_ns. */
void analysis__finish(struct analysis *a, uint64_t now_ns);
/*
 * Goroutines that existed before the first event (a snapshot's), with their
 * start and creation sites (site[i][0], site[i][1]; site may be NULL): 0 or
 * -ENOMEM.
 */
int analysis__seed(struct analysis *a, const struct goroutine_gentry *e,
		   const struct site_sym *const (*site)[2], size_t n);

const struct goroutine_summary *analysis__summary(const struct analysis *a);
/*
 * The live goroutines, as the BPF map holds them in --summary mode: n records
 * into malloc'd arrays (both NULL when n is 0). 0 or -ENOMEM.
 */
int analysis__live(const struct analysis *a, struct goroutine_gkey **keys,
		   struct goroutine_gval **vals, size_t *n);

/*
 * Time blocked by (target, wait reason, stack), from the waits that ended,
 * as the kernel's blocking map holds it with --summary (loader__blocking()):
 * malloc'd arrays (both NULL when n is 0). 0 or -ENOMEM.
 */
int analysis__blocking(const struct analysis *a, struct goroutine_bkey **keys,
		       struct goroutine_bval **vals, size_t *n);

/*
 * The origin of every live goroutine whose goid and site are known, sorted
 * by (tgid, goid) as seed.h's are, malloc'd (NULL when n is 0); the strings
 * are the sites table's. 0 or -ENOMEM.
 */
int analysis__sites(const struct analysis *a, struct seed_site **out, size_t *n);

#endif /* GOTRACER_ANALYSIS_H */
