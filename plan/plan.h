/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan: what the loader needs to trace one Go binary, from what is known of
 * the binary (a profile: given, resolved, or the go1.17 default) checked
 * against the binary itself, for the kernel the probes will run on.
 *
 * The profile holds facts about a binary; the plan decides. It refuses a
 * profile that describes another build (build id or Go version, a function
 * entry that is not the binary's own), chooses which functions to probe and
 * where in each (on the binary's own bytes: a stale or forged profile can
 * never put a uprobe inside an instruction), and fills the BPF program's
 * per-target values. A profile's own probe section is not used: it records
 * what gooffsets chose for the kernel it ran on, and this plan is for the
 * kernel the caller names. No BPF, no I/O: unit-testable on any binary.
 */
#ifndef GOTRACER_PLAN_H
#define GOTRACER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goroutine.h"
#include "profile.h"
#include "resolver.h"

struct gobin;

struct plan_opts {
	const char *path;	  /* the binary, as named in messages */
	const char *profile_path; /* the --profile file; NULL when resolved or the default */
	bool force;		  /* use a profile made for another build of the binary */
	bool probe_entry;	  /* put every probe at its function's entry */
	bool no_stacks;		  /* no blocking stacks (the BPF program walks none) */
	struct resolver_kernel kernel;
};

/* One uprobe: a function of the binary and the point in it. */
struct plan_probe {
	enum profile_func_id func;
	const char *name; /* "runtime.casgstatus", ... */
	uint64_t entry, end;
	uint64_t address;     /* the probed instruction (link-time) */
	uint64_t file_offset; /* where the uprobe goes in the file */
	bool emulated;	      /* the kernel emulates it rather than single-steps */
	int64_t sp_delta;     /* stack pushed between the entry and the probe */
	char insn[48];
};

#define PLAN_MAX_NOTES 8

struct plan {
	struct goroutine_config config; /* the BPF program's values (target_tgid left 0) */
	struct plan_probe probes[PROFILE_FUNC_MAX];
	int nprobes; /* probes[0] is runtime.casgstatus */
	/* Warnings for the user (a --force mismatch, a function not found). */
	char notes[PLAN_MAX_NOTES][320];
	int nnotes;
};

/*
 * The profile the tracer uses with --default: the original example's go1.17
 * values (goid at GOROUTINE_DEFAULT_GOID_OFFSET, register ABI), nothing else.
 */
void plan__default_profile(struct profile *p, const char *path);
/* Whether p is that default profile. */
bool plan__is_default(const struct profile *p);

/*
 * Check prof against the binary b and make the plan. Returns 0, or
 * -ERRORS__MISMATCH (a profile for another build: why names it and says
 * --force), -ERRORS__NO_SYMBOL (runtime.casgstatus is not in b) or b's table
 * error; why (whylen bytes) is always set on failure, as one line.
 */
int plan__make(const struct gobin *b, const struct profile *prof, const struct plan_opts *o,
	       struct plan *out, char *why, size_t whylen);

#endif /* GOTRACER_PLAN_H */
