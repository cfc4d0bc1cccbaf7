/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metricsd: goroutine --metrics ADDR, the Prometheus endpoint. An HTTP
 * server (libmicrohttpd, on its own polling thread) answering GET /metrics
 * and nothing else; each scrape reads, under one lock, the kernel's
 * aggregate (created, exited, scheduler latency, blocking, the live table
 * for leak candidates) and a snapshot of each traced process (goroutines by
 * state and wait reason, parked ones included, and where they come from),
 * and writes them with metrics.h.
 *
 * What the scrape touches besides the BPF maps (any thread may read those)
 * is the targets' binaries (symbolization is not thread-safe): the session
 * must leave them alone between metricsd__start() and metricsd__stop().
 */
#ifndef GOTRACER_METRICSD_H
#define GOTRACER_METRICSD_H

#include <stddef.h>
#include <sys/types.h>

struct loader;
struct metricsd;
struct target;

struct metricsd_opts {
	const char *addr; /* HOST:PORT, or :PORT for 127.0.0.1:PORT; port 0: any */
	struct loader *loader;
	struct target *const *targets;
	size_t ntargets;
	/*
	 * Following (--all, a command's tree): a target's processes as the
	 * session knows them (NULL: target__processes()); called with the
	 * lock held (metricsd__lock()).
	 */
	int (*processes)(void *ctx, const struct target *t, pid_t **pids, size_t *n);
	void *ctx;
	double leak_after_s; /* WAITING longer than this: a leak candidate */
	/*
	 * --mode snapshot: no probes; only what a scrape's snapshots give (the
	 * gauges, process info), none of the kernel's counters and histograms.
	 */
	bool snapshot_only;
	/*
	 * Following: the kernel keeps each process's created and exited
	 * goroutines (loader__procsum()), served per process.
	 */
	bool per_process;
	const char *version; /* the tracer's, for gotracer_build_info */
};

/*
 * Listen on o->addr and serve from now on. 0, or a negative errno with one
 * line in why (a bad address, the port taken). The address bound (the port
 * chosen for port 0) is in bound.
 */
int metricsd__start(const struct metricsd_opts *o, struct metricsd **out, char *bound,
		    size_t boundlen, char *why, size_t whylen);
/*
 * Following: what a scrape reads (the targets array, the session's process
 * list) changes only between metricsd__lock() and metricsd__unlock(), which
 * wait for a scrape under way; the number of targets grows with
 * metricsd__set_ntargets(), the lock held. NULL is a no-op for the three.
 */
void metricsd__lock(struct metricsd *d);
void metricsd__unlock(struct metricsd *d);
void metricsd__set_ntargets(struct metricsd *d, size_t n);
/* Stop serving (a scrape under way is finished first). NULL is a no-op. */
void metricsd__stop(struct metricsd *d);

#endif /* GOTRACER_METRICSD_H */
