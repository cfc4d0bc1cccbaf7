// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_snapshot: the snapshot's parsers of what a live process hands us, on
 * arbitrary bytes. The first byte picks one:
 *   0  gread__decode(): a runtime.g copy, through the go1.24 layout and a
 *      layout with every optional field missing; a short buffer is refused.
 *   1  unwind__fp(): a stack copy whose first 40 bytes give pc, sp, bp and
 *      the stack bounds; every return address kept is inside the text, the
 *      count within max, and a request for more stack lies past the copy.
 *   2  procmem__parse_maps(): /proc/PID/maps text; every mapping accepted
 *      has start <= end.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "gread.h"
#include "procmem.h"
#include "profile.h"
#include "rd.h"
#include "unwind.h"

static void layout(struct gread_layout *l, bool full)
{
	struct profile p;
	const char *missing;

	profile__init(&p);
	/* go1.24's offsets (offsets/runtime_g.tsv). */
	p.g_goid = (struct profile_offset){160, PROFILE_SRC_TABLE, 8};
	p.g_atomicstatus = (struct profile_offset){152, PROFILE_SRC_TABLE, 4};
	p.g_sched = (struct profile_offset){56, PROFILE_SRC_TABLE, 0};
	p.g_stack = (struct profile_offset){0, PROFILE_SRC_TABLE, 0};
	p.gobuf_sp = (struct profile_offset){0, PROFILE_SRC_TABLE, 0};
	p.gobuf_pc = (struct profile_offset){8, PROFILE_SRC_TABLE, 0};
	p.gobuf_bp = (struct profile_offset){48, PROFILE_SRC_TABLE, 0};
	if (full) {
		p.g_waitreason = (struct profile_offset){184, PROFILE_SRC_TABLE, 1};
		p.g_waitsince = (struct profile_offset){176, PROFILE_SRC_TABLE, 0};
		p.g_gopc = (struct profile_offset){288, PROFILE_SRC_TABLE, 0};
		p.g_startpc = (struct profile_offset){304, PROFILE_SRC_TABLE, 0};
		p.g_parent_goid = (struct profile_offset){280, PROFILE_SRC_TABLE, 8};
		p.g_syscallbp = (struct profile_offset){128, PROFILE_SRC_TABLE, 0};
	}
	FUZZ_CHECK(!gread__layout(&p, l, &missing));
}

static void decode(const uint8_t *d, size_t n)
{
	struct gread_layout l;
	struct gread_g g;

	for (int full = 0; full < 2; full++) {
		layout(&l, full);
		if (n < l.size) {
			FUZZ_CHECK(gread__decode(&l, d, n, &g) == -EINVAL);
			continue;
		}
		FUZZ_CHECK(!gread__decode(&l, d, n, &g));
		FUZZ_CHECK(g.goid == rd__le64(d + 160) && g.sched_pc == rd__le64(d + 64));
		FUZZ_CHECK(full || (!g.gopc && !g.waitsince));
	}
}

static void unwind(const uint8_t *d, size_t n)
{
	uint64_t pcs[16], pc, sp, bp, lo, hi, need, base;
	enum unwind_end end;
	struct unwind_stack st;
	size_t k;
	int err;

	if (n < 40)
		return;
	pc = rd__le64(d);
	sp = rd__le64(d + 8);
	bp = rd__le64(d + 16);
	lo = rd__le64(d + 24);
	hi = rd__le64(d + 32);
	base = sp;
	st = (struct unwind_stack){.buf = d + 40, .len = n - 40, .base = base, .lo = lo, .hi = hi};
	err = unwind__fp(&st, pc, sp, bp, 0x400000, 0x500000, pcs, 16, &k, &end, &need);
	FUZZ_CHECK(err == 0 || err == -EAGAIN);
	FUZZ_CHECK(k >= 1 && k <= 16 && pcs[0] == pc);
	for (size_t i = 1; i < k; i++)
		FUZZ_CHECK(pcs[i] >= 0x400000 && pcs[i] < 0x500000);
	if (err == -EAGAIN)
		FUZZ_CHECK(need > base && need - base > n - 40);
}

static void maps(const uint8_t *d, size_t n)
{
	struct procmem_map *m;
	size_t k;
	int err = procmem__parse_maps((const char *)d, n, &m, &k);

	FUZZ_CHECK(err == 0 || err == -EINVAL);
	for (size_t i = 0; !err && i < k; i++)
		FUZZ_CHECK(m[i].start <= m[i].end);
	if (!err)
		free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 3) {
	case 0:
		decode(data + 1, size - 1);
		break;
	case 1:
		unwind(data + 1, size - 1);
		break;
	default:
		maps(data + 1, size - 1);
	}
	return 0;
}
