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
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "blockpprof.h"
#include "elfbuf.h"
#include "gobin.h"
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
 * The innermost pcs that are runtime.gopark itself, where every wait parks:
 * Go's block profile starts above it (at the blocking call: chanrecv1,
 * selectgo, a sync primitive), and so does ours.
 */
static size_t parking_frames(const struct gobin *b, const uint64_t *pcs, size_t n)
{
	struct gobin_func f;
	size_t k = 0;

	while (k < n && !gobin__find_pc(b, pcs[k] ? pcs[k] - 1 : 0, &f) &&
	       !strcmp(f.name, "runtime.gopark"))
		k++;
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
		size_t skip = parking_frames(b, v[i].pcs, v[i].npcs);

		if (v[i].npcs > skip)
			err = pprof__add_sample(p, v[i].pcs + skip, v[i].npcs - skip, values);
	}
	if (!err)
		err = pprof__write_path(p, path);
	pprof__delete(p);
	return err;
}
