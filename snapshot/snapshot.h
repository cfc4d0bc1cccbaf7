/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snapshot: every goroutine of a live Go process, read from outside without
 * stopping it: runtime.allgs, each g, and each parked goroutine's stack by
 * frame pointers (Delve's GoroutinesInfo, minus the stop).
 *
 * The process runs on while it is read, so every goroutine is read twice:
 * a g whose identity or saved registers changed between the two reads is
 * read again (twice at most) and otherwise reported as changed, never shown
 * with a stack that is not its own. Pointers are followed only into the
 * process's mappings: a g into a writable one, a stack walk inside the g's
 * own stack bounds.
 */
#ifndef GOTRACER_SNAPSHOT_H
#define GOTRACER_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gread.h"
#include "unwind.h"

struct gobin;
struct profile;

#define SNAPSHOT_MAX_FRAMES 100 /* the runtime's traceback prints at most 100 */
#define SNAPSHOT_MAX_GS (16u << 20)
#define SNAPSHOT_MAX_WORKERS 4

enum snapshot_gstate {
	SNAPSHOT_G_OK,	    /* read consistently; pcs hold its stack */
	SNAPSHOT_G_RUNNING, /* on a thread: no saved registers to start from */
	SNAPSHOT_G_CHANGED, /* changed under every read: no stack */
	SNAPSHOT_G_BAD,	    /* the g's own words are impossible (stack bounds): no stack */
};

struct snapshot_g {
	uint64_t addr; /* of the g in the process */
	struct gread_g g;
	enum snapshot_gstate state;
	/* Return addresses, link-time (the load bias removed), innermost first. */
	const uint64_t *pcs;
	size_t npcs;
	enum unwind_end end;
	bool from_syscall; /* walked from syscallsp/pc/bp */
};

struct snapshot {
	pid_t pid;
	uint64_t bias;	/* load bias: process address = link-time address + bias */
	int64_t now_ns; /* CLOCK_MONOTONIC when the goroutines were read (runtime nanotime) */
	size_t allglen; /* entries in allgs when read */
	size_t n;	/* goroutines kept (dead and idle ones are not) */
	struct snapshot_g *gs;
	size_t n_consistent, n_changed, n_bad, n_unreadable, n_retried;
	unsigned long syscalls;
	double read_ms; /* wall time of the reading */
	void *mem[2];	/* (private) the mappings of gs and of every g's pcs */
	size_t mem_len[2];
	bool mem_heap[2]; /* (private) from the heap, not mapped */
};

struct snapshot_opts {
	size_t max_frames; /* 0: SNAPSHOT_MAX_FRAMES */
	bool no_stacks;	   /* the g's only (seeding, origins): no stack is read */
	/*
	 * Threads that read (0: 1; at most SNAPSHOT_MAX_WORKERS). The reading
	 * is bound by the kernel's cost per page read, so a second thread
	 * halves it when a CPU is free, but takes that CPU from the process
	 * being read: the caller knows what the machine has to spare.
	 */
	unsigned int workers;
};

/*
 * Read process pid, an instance of binary b described by profile p. Returns
 * 0 and *out, or a negative error with a one-line reason in why: -ESRCH (no
 * such process, or it exited while read), -EPERM (not allowed to read its
 * memory), -ENOENT (the profile lacks something a snapshot needs: allgs, a g
 * field), -ENOEXEC (the process does not run this binary), -ERRORS__CORRUPT
 * (allgs does not look like a goroutine list), -ENOMEM.
 */
int snapshot__take(struct gobin *b, const struct profile *p, pid_t pid,
		   const struct snapshot_opts *o, struct snapshot **out, char *why, size_t whylen);
void snapshot__delete(struct snapshot *s);

#endif /* GOTRACER_SNAPSHOT_H */
