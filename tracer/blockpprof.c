// SPDX-License-Identifier: GPL-2.0
/*
 * blockpprof: blocking by stack as a block profile (see blockpprof.h),
 * through the one profile builder (pprof.h). The stacks hold link-time
 * addresses, so the profile's one mapping is the binary's executable
 * segment as linked (a PIE's profile then reads as if loaded at its link
 * address, which pprof needs nothing more than the symbols for).
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blockpprof.h"
#include "elfbuf.h"
#include "gobin.h"
#include "gosym.h"
#include "pprof.h"

static const struct pprof_value_type block_types[] = {
	{"contentions", "count"},
	{"delay", "nanoseconds"},
};

/* The executable PT_LOAD segments of b, as linked, each a mapping symbolized through b. */
static int add_mappings(struct pprof *p, struct gobin *b, const char *exe)
{
	const struct elfbuf *e = gobin__elf(b);
	char build_id[128] = "";
	int err = 0, added = 0;

	if (elfbuf__gnu_build_id(e, build_id, sizeof(build_id)))
		build_id[0] = 0;
	for (size_t i = 0; !err && i < elfbuf__segment_count(e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);
		struct pprof_mapping m;

		if (s->type != PT_LOAD || !(s->flags & PF_X) || !s->memsz)
			continue;
		m = (struct pprof_mapping){
			.start = s->vaddr,
			.limit = s->vaddr + s->memsz,
			.offset = s->offset,
			.file = exe,
			.build_id = *build_id ? build_id : NULL,
		};
		err = pprof__add_mapping(p, &m, b, 0);
		added++;
	}
	return err ? err : added ? 0 : -ENOENT;
}

/*
 * Frames of the blocking call itself, above which Go's block profile starts.
 * The runtime records a wait when the waiter resumes, in the function that
 * blocked, by blockevent(cycles, skip); its traceback skips the profiler's
 * own two frames and skip more logical frames (inlined calls count). Ours
 * is walked from the park, so we leave out the parking frames and then the
 * frames each blockevent call skips, by name, so that the two profiles
 * begin at the same function (the flat one of `go tool pprof -top`):
 *
 *   runtime.gopark, goparkunlock   every wait parks there; blockevent runs
 *                                  after the park, never inside it
 *   runtime.chanrecv, chansend     runtime/chan.go: blockevent(..., 2), the
 *                                  profile starts at chanrecv1/2, chansend1
 *                                  (or reflect.chanrecv, reflect.chansend)
 *   runtime.semacquire1 and the    runtime/sema.go semacquire1:
 *   runtime_Semacquire* entries    blockevent(..., 3+skipframes): the
 *   (sync., internal/sync.,        semaphore and its linkname'd entry, and
 *   internal/poll.)                skipframes more:
 *   sync.(*Mutex).lockSlow         sync/mutex.go up to go1.23: skipframes 1
 *   internal/sync.(*Mutex).lockSlow, internal/sync/mutex.go from go1.24:
 *   internal/sync.(*Mutex).Lock    skipframes 2 (sync.(*Mutex).Lock wraps
 *                                  it, inlined: the profile starts there)
 *   sync.runtime_notifyListWait    runtime/sema.go notifyListWait:
 *                                  blockevent(..., 2): starts at Cond.Wait
 *
 * RWMutex's runtime_SemacquireRWMutex[R] calls pass skipframes 0 (the
 * profile starts at RLock, Lock), WaitGroup.Wait's none; select.go's
 * blockevent(..., 1) skips nothing of selectgo, the profile's leaf. The same
 * numbers from go1.19 to go1.27. Waits Go does not profile (sleeps, I/O,
 * the runtime's own parks) lose only the parking frames.
 *
 * The scheduler-latency profile (--pprof-sched) has the same waits, and the
 * yields and preemptions: a goroutine preempted by a signal resumes in
 * runtime.asyncPreempt and asyncPreempt2, frames the signal put there (the
 * interrupted function is the leaf); one that yields resumes in
 * runtime.Gosched, which its code called, kept.
 */
static bool skipped(const char *fn)
{
	static const char *const exact[] = {
		"runtime.gopark",
		"runtime.goparkunlock",
		"runtime.chanrecv",
		"runtime.chansend",
		"runtime.semacquire1",
		"sync.(*Mutex).lockSlow",
		"internal/sync.(*Mutex).lockSlow",
		"internal/sync.(*Mutex).Lock",
		"sync.runtime_notifyListWait",
		"runtime.asyncPreempt",
		"runtime.asyncPreempt2",
	};
	static const char *const entries[] = {
		"sync.runtime_Semacquire",
		"internal/sync.runtime_Semacquire",
		"internal/poll.runtime_Semacquire",
	};

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(fn, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (!strncmp(fn, entries[i], strlen(entries[i])))
			return true;
	return false;
}

/*
 * How many of the innermost pcs are blocking-call frames (skipped()), and,
 * when the first frame kept has inlined calls to leave out too, the pc to
 * put in its place: the call site of the first logical frame kept plus one
 * (a return address, as pprof takes them), whose inline tree holds only the
 * frames from there out. That is the pc Go's traceback records for an
 * inlined frame (the inline mark in its caller), so the location is Go's.
 */
static size_t parking_frames(struct gobin *b, const uint64_t *pcs, size_t n, uint64_t *first)
{
	struct gosym_frame fr[GOSYM_MAX_DEPTH];
	size_t k, j, nf;

	for (k = 0; k < n; k++) {
		if (!pcs[k] || gobin__frames(b, pcs[k] - 1, fr, GOSYM_MAX_DEPTH, &nf) || !nf)
			break;
		for (j = 0; j < nf && skipped(fr[j].func); j++)
			;
		if (j == nf)
			continue;
		*first = j ? fr[j].pc + 1 : pcs[k];
		return k;
	}
	*first = k < n ? pcs[k] : 0;
	return k;
}

int blockpprof__write_file(const char *path, struct gobin *b, const char *exe,
			   const struct blockpprof_sample *v, size_t n, int64_t duration_ns)
{
	struct pprof_opts o = {
		.sample_types = block_types,
		.n_sample_types = 2,
		.period_type = block_types[0],
		.period = 1,
		.duration_nanos = duration_ns,
	};
	struct pprof *p = NULL;
	struct timespec now;
	int err;

	clock_gettime(CLOCK_REALTIME, &now);
	o.time_nanos = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	err = pprof__new(&o, &p);
	if (!err)
		err = add_mappings(p, b, exe);
	for (size_t i = 0; !err && i < n; i++) {
		int64_t values[2] = {(int64_t)v[i].count, (int64_t)v[i].delay_ns};
		uint64_t first;
		size_t skip = parking_frames(b, v[i].pcs, v[i].npcs, &first);
		size_t m = v[i].npcs - skip;
		uint64_t *stack;

		if (!m)
			continue;
		if (first == v[i].pcs[skip]) {
			err = pprof__add_sample(p, v[i].pcs + skip, m, values);
			continue;
		}
		/* The first frame kept stands for fewer inlined calls: a copy with its pc. */
		stack = malloc(m * sizeof(*stack));
		if (!stack) {
			err = -ENOMEM;
			break;
		}
		memcpy(stack, v[i].pcs + skip, m * sizeof(*stack));
		stack[0] = first;
		err = pprof__add_sample(p, stack, m, values);
		free(stack);
	}
	if (!err)
		err = pprof__write_path(p, path);
	pprof__delete(p);
	return err;
}
