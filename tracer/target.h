/* SPDX-License-Identifier: GPL-2.0 */
/*
 * target: what one tracer session traces: a Go binary, the processes that
 * run it (every one, one by PID, or a command the tracer starts), and what
 * is known of the binary (opened once: struct gobin) and decided for it (its
 * profile and plan). Finding, spawning and watching processes lives here.
 *
 * A command is forked stopped before exec, and runs only once the probes
 * are attached (target__release), so it is traced from its first
 * instruction; if the tracer gives up first, it exits 127 without running.
 */
#ifndef GOTRACER_TARGET_H
#define GOTRACER_TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan.h"

struct gobin;
struct names;
struct profile;

enum target_kind {
	TARGET_BINARY,	/* every process running the file, now and later */
	TARGET_PID,	/* one running process, by PID */
	TARGET_COMMAND, /* a command the tracer starts */
};

struct target {
	uint32_t id; /* index in the session: the BPF attach cookie, the events' target */
	enum target_kind kind;
	char path[PATH_MAX];  /* the file probed: the binary, or /proc/PID/exe */
	char shown[PATH_MAX]; /* the binary's own path, for reports */
	pid_t pid;	      /* the process (PID, or the command's); 0: every process */
	bool follow_only;     /* a binary's processes in the follow map only (follow.h) */
	struct gobin *bin;
	struct profile *prof;
	struct plan plan;
	struct names *names;
	/* private: */
	char **argv;
	int pidfd;
	int go_fd;
	bool done;     /* the command was reaped */
	int status;    /* its wait status then */
	bool borrowed; /* bin, prof and names are another's (follow.h): not freed here */
};

/*
 * Make a target of each kind. 0, or a negative errno with one line in why:
 * the binary cannot be found, no such process (-ESRCH), the process has
 * exited (-ECHILD), the command cannot be found or started.
 */
int target__binary(const char *path, struct target **out, char *why, size_t whylen);
int target__pid(pid_t pid, struct target **out, char *why, size_t whylen);
/* name's file as execvp finds it (in PATH unless it has a /): 0, or -errno. */
int target__find_command(const char *name, char *out, size_t len);
/* argv is NULL-terminated and must outlive the target; found in PATH as execvp does. */
int target__command(char **argv, struct target **out, char *why, size_t whylen);
/*
 * Fork a command's process, waiting before exec until target__release(); a
 * no-op for the other kinds. 0, or -errno with why set.
 */
int target__spawn(struct target *t, char *why, size_t whylen);

/*
 * The processes running the target now, malloc'd: the PID's, or, for a
 * binary, every process whose executable is that file (the same inode: a
 * copy elsewhere is another binary); none for a command (it has not run
 * yet). 0, or -errno.
 */
int target__processes(const struct target *t, pid_t **out, size_t *n);

/* Let a command run (its probes are attached). 0, or -errno. */
int target__release(struct target *t);
/* Whether the traced process has ended (always false for TARGET_BINARY); reaps a command. */
bool target__gone(struct target *t);
/*
 * End a command: pass it sig (0: none) and wait for it. Returns its exit
 * status as a shell gives it (128 + signal), or -1 when it was not reaped.
 */
int target__finish(struct target *t, int sig);
/*
 * t uses a binary's gobin, profile and names that another owns and frees
 * (follow.h: the binary's every target shares them).
 */
void target__borrow(struct target *t, struct gobin *bin, struct profile *prof, struct names *names);
/* Frees the gobin, the profile and the names too (unless borrowed). NULL is a no-op. */
void target__delete(struct target *t);

#endif /* GOTRACER_TARGET_H */
