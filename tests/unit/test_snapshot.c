// SPDX-License-Identifier: GPL-2.0
/*
 * test_snapshot: the snapshot's parts on synthetic buffers: the frame-pointer
 * walk (a three-frame chain, a loop, a frame pointer out of the stack, a
 * return address out of the text, a walk that needs more of the stack, the
 * frame limit), the maps parser (a real line of each kind, malformed lines),
 * and the g layout (a profile without g.sched is refused, by name). The live
 * reading is checked end to end against the runtime's own dumps
 * (tests/e2e/goroutine-dump.sh).
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "gread.h"
#include "procmem.h"
#include "profile.h"
#include "unwind.h"

#define BASE 0xc000100000ULL
#define TEXT_LO 0x400000
#define TEXT_HI 0x500000

static void put(uint8_t *stk, uint64_t addr, uint64_t v)
{
	memcpy(stk + (addr - BASE), &v, 8);
}

/* Frames at BASE+0x40 -> +0x80 -> +0xc0 -> 0, return addresses 0x401000.. */
static void chain(uint8_t *stk)
{
	memset(stk, 0, 512);
	put(stk, BASE + 0x40, BASE + 0x80);
	put(stk, BASE + 0x48, 0x401000);
	put(stk, BASE + 0x80, BASE + 0xc0);
	put(stk, BASE + 0x88, 0x402000);
	put(stk, BASE + 0xc0, 0);
	put(stk, BASE + 0xc8, 0x403000);
}

static void test_unwind(void)
{
	uint8_t stk[512];
	struct unwind_stack st = {.buf = stk,
				  .len = sizeof(stk),
				  .base = BASE,
				  .lo = BASE - 0x1000,
				  .hi = BASE + sizeof(stk)};
	uint64_t pcs[8], need;
	enum unwind_end end;
	size_t n;

	chain(stk);
	CHECK(!unwind__fp(&st, 0x400100, BASE, BASE + 0x40, TEXT_LO, TEXT_HI, pcs, 8, &n, &end,
			  &need));
	CHECK_EQ_U64(n, 4);
	CHECK(pcs[0] == 0x400100 && pcs[1] == 0x401000 && pcs[2] == 0x402000 && pcs[3] == 0x403000);
	CHECK(end == UNWIND_END_ZERO_FP);
	/* The frame limit. */
	CHECK(!unwind__fp(&st, 0x400100, BASE, BASE + 0x40, TEXT_LO, TEXT_HI, pcs, 2, &n, &end,
			  &need));
	CHECK(n == 2 && end == UNWIND_END_MAX);
	/* A loop: the second frame points back at the first. */
	put(stk, BASE + 0x80, BASE + 0x40);
	CHECK(!unwind__fp(&st, 0x400100, BASE, BASE + 0x40, TEXT_LO, TEXT_HI, pcs, 8, &n, &end,
			  &need));
	CHECK(n == 3 && end == UNWIND_END_BAD_FP);
	/* A return address outside the text. */
	chain(stk);
	put(stk, BASE + 0x88, 0x7f0000001000);
	CHECK(!unwind__fp(&st, 0x400100, BASE, BASE + 0x40, TEXT_LO, TEXT_HI, pcs, 8, &n, &end,
			  &need));
	CHECK(n == 2 && end == UNWIND_END_BAD_PC);
	/* A frame pointer above the stack, and a misaligned one. */
	chain(stk);
	put(stk, BASE + 0x80, BASE + 0x10000);
	CHECK(!unwind__fp(&st, 0x400100, BASE, BASE + 0x40, TEXT_LO, TEXT_HI, pcs, 8, &n, &end,
			  &need));
	CHECK(n == 3 && end == UNWIND_END_BAD_FP);
	CHECK(!unwind__fp(&st, 0x400100, BASE, BASE + 0x41, TEXT_LO, TEXT_HI, pcs, 8, &n, &end,
			  &need));
	CHECK(n == 1 && end == UNWIND_END_BAD_FP);
	/* Below sp is not a caller's frame. */
	CHECK(!unwind__fp(&st, 0x400100, BASE + 0x50, BASE + 0x40, TEXT_LO, TEXT_HI, pcs, 8, &n,
			  &end, &need));
	CHECK(n == 1 && end == UNWIND_END_BAD_FP);
	/* A copy that ends early: the walk asks for the rest. */
	chain(stk);
	st.len = 0x90;
	CHECK(unwind__fp(&st, 0x400100, BASE, BASE + 0x40, TEXT_LO, TEXT_HI, pcs, 8, &n, &end,
			 &need) == -EAGAIN);
	CHECK_EQ_U64(need, BASE + 0xd0);
	CHECK(unwind__fp(&st, 0, 0, 0, 0, 0, pcs, 0, &n, &end, &need) == -EINVAL);
}

static void test_maps(void)
{
	static const char text[] =
		"00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/app\n"
		"c000000000-c004000000 rw-p 00000000 00:00 0 \n"
		"7ffd1e2a0000-7ffd1e2c1000 rw-p 00000000 00:00 0                  [stack]\n"
		"7f00 de\n";
	struct procmem_map *m;
	size_t n;

	CHECK(!procmem__parse_maps(text, strlen(text) - 8, &m, &n));
	CHECK_EQ_U64(n, 3);
	if (n == 3) {
		CHECK(m[0].start == 0x400000 && m[0].end == 0x452000 && m[0].r && !m[0].w &&
		      m[0].x && m[0].inode == 173521 && m[0].dev_major == 8 && m[0].dev_minor == 2);
		CHECK(m[1].start == 0xc000000000 && m[1].w && !m[1].x && m[1].inode == 0);
	}
	free(m);
	CHECK(procmem__parse_maps(text, strlen(text), &m, &n) == -EINVAL && !m && !n);
	CHECK(procmem__parse_maps("2000-1000 r--p 0 00:00 0\n", 25, &m, &n) == -EINVAL);
	CHECK(procmem__parse_maps("", 0, &m, &n) == 0 && n == 0);
	free(m);
}

static void test_layout(void)
{
	struct gread_layout l;
	struct profile p;
	const char *missing = NULL;
	uint8_t g[400];
	struct gread_g out;

	profile__init(&p);
	p.g_goid = (struct profile_offset){152, PROFILE_SRC_DWARF, 8};
	p.g_atomicstatus = (struct profile_offset){144, PROFILE_SRC_DWARF, 4};
	p.g_stack = (struct profile_offset){0, PROFILE_SRC_DWARF, 0};
	CHECK(gread__layout(&p, &l, &missing) == -ENOENT && missing &&
	      !strcmp(missing, "g.sched.sp"));
	p.g_sched = (struct profile_offset){56, PROFILE_SRC_DWARF, 0};
	p.gobuf_sp = (struct profile_offset){0, PROFILE_SRC_DWARF, 0};
	p.gobuf_pc = (struct profile_offset){8, PROFILE_SRC_DWARF, 0};
	p.gobuf_bp = (struct profile_offset){40, PROFILE_SRC_DWARF, 0};
	p.g_gopc = (struct profile_offset){288, PROFILE_SRC_DWARF, 0};
	CHECK(!gread__layout(&p, &l, &missing));
	CHECK_EQ_U64(l.size, 296);
	memset(g, 0, sizeof(g));
	g[152] = 42;
	g[144] = 4;
	g[56 + 40] = 0x80;
	g[288] = 0x11;
	CHECK(!gread__decode(&l, g, sizeof(g), &out));
	CHECK(out.goid == 42 && out.status == 4 && out.sched_bp == 0x80 && out.gopc == 0x11 &&
	      out.startpc == 0);
	CHECK(gread__decode(&l, g, 295, &out) == -EINVAL);
}

int main(void)
{
	test_unwind();
	test_maps();
	test_layout();
	return check_done("test_snapshot");
}
