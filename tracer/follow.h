/* SPDX-License-Identifier: GPL-2.0 */
/*
 * follow: the processes a session finds while it runs: the Go programs a
 * command ends up running (its process tree: `env X=1 app`, `sh -c ./app`,
 * `go run .`, `make run`), or every Go process on the host (--all). The
 * loader's exec tracepoint names a process; follow says whether it is a new
 * target (and makes it), a new process of a binary already traced, or none
 * of ours (not Go, the Go toolchain itself, filtered out).
 *
 * Each distinct binary is resolved once: binaries are kept by (device,
 * inode), and a copy elsewhere with the same build id reuses the profile, so
 * that 200 processes of one service cost one resolution. A binary that
 * cannot be resolved is said once (its why), then ignored. What a target
 * borrows from here (its gobin, profile, names) lives until follow__delete().
 */
#ifndef GOTRACER_FOLLOW_H
#define GOTRACER_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan.h"

struct follow;
struct target;

struct follow_opts {
	/*
	 * A target per binary, each probed for every process of it (--all
	 * unfiltered), or only for those in the follow map (follow_only: a
	 * command's descendants, or --all's filtered processes).
	 */
	bool follow_only;
	/* --all: a binary's target is dropped when its last process ends. */
	bool drop_when_done;
	bool toolchain;	    /* trace the go command and its tools too (cmd/...) */
	bool use_default;   /* the go1.17 default, not resolved */
	const char *comm;   /* only processes whose comm matches (fnmatch); NULL: all */
	const char *exe;    /* only binaries whose path matches (fnmatch) */
	const char *cgroup; /* only processes whose cgroup path matches (fnmatch) */
	struct plan_opts plan;
};

enum follow_verdict {
	FOLLOW_IGNORE,	/* not ours: gone, not Go, the toolchain, filtered, known */
	FOLLOW_NEW,	/* a new target (a binary): *out, to be given an id and attached */
	FOLLOW_JOINED,	/* one more process of a binary traced already */
	FOLLOW_REFUSED, /* a Go binary that cannot be traced: why, said once per binary */
	/*
	 * A binary whose target was dropped (its last process ended) runs
	 * again: the same target (follow__proc()'s), to attach again; no new
	 * id, so that restarts do not use up --max-targets.
	 */
	FOLLOW_REVIVED,
};

/* What a process is known by, for labels (attacker-controlled: escape on output). */
struct follow_proc {
	pid_t pid;
	uint32_t target;       /* UINT32_MAX once it has ended */
	uint32_t ended_target; /* the target it was of, once ended (pid then negated) */
	char comm[16];
	char container[80]; /* the container id from /proc/PID/cgroup; "" on the host */
};

int follow__new(const struct follow_opts *o, struct follow **out);
/*
 * Process pid has just exec'd (or was found running): what it is. With
 * FOLLOW_NEW, *out is a target (TARGET_BINARY) whose gobin,
 * profile, plan and names are ready; the caller sets its id and calls
 * follow__bind() once it is attached. why is set for FOLLOW_REFUSED.
 */
enum follow_verdict follow__process(struct follow *f, pid_t pid, struct target **out, char *why,
				    size_t whylen);
/*
 * The new target t (from follow__process() for process pid, or
 * follow__prepare() with pid 0) is attached under t->id. 0 or -ENOMEM.
 */
int follow__bind(struct follow *f, pid_t pid, const struct target *t);
/*
 * A binary named by a command's words (path: as execvp would find it), to
 * attach before the command runs, so its processes are traced from their
 * first instruction. FOLLOW_NEW with *out, or FOLLOW_IGNORE (not Go, not a
 * file, known), or FOLLOW_REFUSED with why.
 */
enum follow_verdict follow__prepare(struct follow *f, const char *path, struct target **out,
				    char *why, size_t whylen);
/*
 * Process pid has ended. Returns the id of a target none of whose processes
 * are left (to detach), or -1.
 */
int follow__exit(struct follow *f, pid_t pid);
/* A process known, NULL if none. */
const struct follow_proc *follow__proc(const struct follow *f, pid_t pid);
/* The processes known, in the order found. */
const struct follow_proc *follow__procs(const struct follow *f, size_t *n);
/* How many distinct binaries were resolved, and how many processes were found. */
size_t follow__binaries(const struct follow *f);
/*
 * Every process now running, for --all: /proc read once, each pid handed to
 * fn. 0 or -errno.
 */
int follow__scan(int (*fn)(void *ctx, pid_t pid), void *ctx);
void follow__delete(struct follow *f);

#endif /* GOTRACER_FOLLOW_H */
