/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loader: the BPF side of a session, in libbpf-bootstrap's order: open the
 * skeleton, configure it for the session's targets, load, attach every probe
 * of every target, then hand out the ring buffer and read the maps.
 *
 * One program serves every target. Each target's values (its plan's
 * goroutine_config) are found by the program through the uprobe's attach
 * cookie, in the config map, or, with LOADER_CONFIG_RODATA, in read-only data
 * written before load, where the verifier folds them into constants: one
 * target only, and the way for kernels without attach cookies (before 5.15).
 */
#ifndef GOTRACER_LOADER_H
#define GOTRACER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goroutine.h"

struct target;
struct loader;

enum loader_config {
	LOADER_CONFIG_COOKIE, /* the config map, by attach cookie: any number of targets */
	LOADER_CONFIG_RODATA, /* read-only data: one target */
};

struct loader_opts {
	enum loader_config config;
	bool count_only; /* --mode count: only count probe hits */
	bool summary;	 /* aggregate in the kernel, no events */
	/*
	 * enum goroutine_follow_mode: processes followed by their execs, their
	 * targets added at run time (loader__add_target()); n may be 0 then.
	 */
	uint32_t follow;
	/* --mode snapshot: no uprobes at all (loader__attach() attaches none). */
	bool no_probes;
};

/* Event callback, as libbpf's ring buffer calls it. */
typedef int (*loader_event_fn)(void *ctx, void *data, size_t size);

/*
 * Open, configure for the n targets (their plans made, their processes
 * started), and load. 0, or a negative errno with one line in why.
 */
int loader__load(const struct loader_opts *o, struct target *const *targets, size_t n,
		 struct loader **out, char *why, size_t whylen);
/*
 * Attach every probe of t (uprobes only, never a uretprobe on Go code).
 * 0, or a negative errno with one line in why.
 */
int loader__attach(struct loader *l, const struct target *t, char *why, size_t whylen);
/*
 * Following: a target made after load, its config written and its probes
 * attached (its id below GOROUTINE_MAX_TARGETS, unused). 0, or -errno with why.
 */
int loader__add_target(struct loader *l, const struct target *t, char *why, size_t whylen);
/* Detach target id's probes (its processes have ended). */
void loader__detach(struct loader *l, uint32_t id);
/* Following: attach the fork, exec and exit tracepoints. 0, or -errno with why. */
int loader__follow_start(struct loader *l, char *why, size_t whylen);
/* Follow process tgid and its descendants (their execs, their ends). 0 or -errno. */
int loader__follow_pid(struct loader *l, uint32_t tgid);
/*
 * Following: process events (struct goroutine_proc_event) handed to fn, from
 * the same poll as the events (after loader__open_events()). 0 or -errno.
 */
int loader__open_procs(struct loader *l, loader_event_fn fn, void *ctx);
/* The ring buffer, events handed to fn. 0 or -errno. */
int loader__open_events(struct loader *l, loader_event_fn fn, void *ctx);
/* Wait at most timeout_ms for events, then take all there are: as ring_buffer__poll. */
int loader__poll(struct loader *l, int timeout_ms);
/* Take what is in the ring buffer without waiting. */
int loader__drain(struct loader *l);

/* A counter (enum goroutine_counter), summed over CPUs; 0 when unreadable. */
uint64_t loader__counter(const struct loader *l, uint32_t idx);
/* --summary: target id's aggregate, summed over CPUs. 0 or -errno. */
int loader__summary(const struct loader *l, uint32_t id, struct goroutine_summary *out);
/*
 * --summary following processes: process tgid's share, summed over CPUs
 * (zero and -ENOENT for one without a switch seen). 0 or -errno.
 */
int loader__procsum(const struct loader *l, uint32_t tgid, struct goroutine_procsum *out);
/* Its entry taken out (the process has ended: its share is kept by the caller). */
void loader__procsum_drop(const struct loader *l, uint32_t tgid);
/*
 * --summary: the live goroutines the program's table holds, n records into
 * malloc'd arrays; with check_pids, those of processes that have ended
 * without their goroutines exiting are left out. 0 or -errno.
 */
/*
 * Seed the per-goroutine records with goroutines that existed before
 * tracing (from a snapshot), before attach, in the slots the kernel looks in;
 * *placed says how many found a free slot. 0 or -errno.
 */
int loader__seed(struct loader *l, const struct goroutine_gentry *e, size_t n, size_t *placed);

int loader__live(const struct loader *l, bool check_pids, struct goroutine_gkey **keys,
		 struct goroutine_gval **vals, size_t *n);
/* The casgstatus program's id, for -v. */
/* One blocking stack by its id (an event's stack_id, a blocking key's): 0 or -ENOENT. */
int loader__stack(const struct loader *l, uint64_t id, struct goroutine_stack *out);
/*
 * --summary: the blocking aggregate by (target, wait reason, stack), summed
 * across CPUs (maxima by max), into malloc'd arrays (both NULL when n is 0).
 * 0, -ENOMEM, or a map read's -errno.
 */
int loader__blocking(const struct loader *l, struct goroutine_bkey **keys,
		     struct goroutine_bval **vals, size_t *n);
uint32_t loader__prog_id(const struct loader *l);

/* Detach and unload. NULL is a no-op. */
void loader__delete(struct loader *l);

#endif /* GOTRACER_LOADER_H */
