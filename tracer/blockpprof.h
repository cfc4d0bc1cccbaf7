/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blockpprof: the time goroutines spent blocked, by where they blocked, as a
 * pprof profile with the sample types of Go's block profile
 * (contentions/count, delay/nanoseconds, period contentions/count 1), so
 * that `go tool pprof -top`, `-traces`, `-web` read it as they read the one
 * runtime.SetBlockProfileRate makes inside a program. Ours is taken from
 * outside, on any running binary, and is not sampled: every wait the tracer
 * saw ended is in it, of every wait reason (sleeps, I/O waits and the
 * runtime's own parks too, which Go's block profile leaves out). Each stack
 * starts where Go's starts for the same wait (runtime.chanrecv1,
 * runtime.selectgo, sync.(*Mutex).Lock, ...: see parking_frames()), so the
 * two profiles have the same flat functions; a wait that never ended is in
 * neither.
 */
#ifndef GOTRACER_BLOCKPPROF_H
#define GOTRACER_BLOCKPPROF_H

#include <stddef.h>
#include <stdint.h>

struct gobin;

/* One (stack, wait reason)'s blocking: link-time pcs, innermost first, as the kernel walked them. */
struct blockpprof_sample {
	const uint64_t *pcs;
	size_t npcs;
	uint64_t count, delay_ns;
};

/*
 * The profile of n samples of binary b (file exe: named in the mapping, its
 * build id read from b) into path, "-" being stdout, written to path.tmp and
 * renamed. duration_ns: how long the tracer watched. 0, -EIO, -ENOMEM, or
 * fopen's or rename's -errno.
 */
int blockpprof__write_file(const char *path, struct gobin *b, const char *exe,
			   const struct blockpprof_sample *v, size_t n, int64_t duration_ns);

#endif /* GOTRACER_BLOCKPPROF_H */
