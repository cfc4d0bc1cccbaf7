// SPDX-License-Identifier: GPL-2.0
/*
 * gread: decode a runtime.g copy (see gread.h).
 */
#include <errno.h>
#include <string.h>

#include "gread.h"
#include "profile.h"
#include "rd.h"

/* A profile offset that exists, else -1 (a field with no source does not exist). */
static int64_t have(const struct profile_offset *o)
{
	return o->source != PROFILE_SRC_NONE && o->value >= 0 ? o->value : -1;
}

static int64_t inside(const struct profile_offset *outer, const struct profile_offset *member)
{
	int64_t a = have(outer), b = have(member);

	return a < 0 || b < 0 ? -1 : a + b;
}

int gread__layout(const struct profile *p, struct gread_layout *l, const char **missing)
{
	const int64_t *need[] = {&l->goid,     &l->atomicstatus, &l->sched_sp, &l->sched_pc,
				 &l->sched_bp, &l->stack_lo,	 &l->stack_hi};
	static const char *const names[] = {"g.goid",	  "g.atomicstatus", "g.sched.sp",
					    "g.sched.pc", "g.sched.bp",	    "g.stack",
					    "g.stack"};
	const int64_t *all[] = {&l->goid,      &l->atomicstatus, &l->waitreason,  &l->waitsince,
				&l->gopc,      &l->startpc,	 &l->parent_goid, &l->lockedm,
				&l->sched_sp,  &l->sched_pc,	 &l->sched_bp,	  &l->syscallsp,
				&l->syscallpc, &l->syscallbp,	 &l->stack_lo,	  &l->stack_hi};
	struct profile_offset zero = {.value = 0, .source = PROFILE_SRC_TABLE};
	struct profile_offset eight = {.value = 8, .source = PROFILE_SRC_TABLE};
	size_t i;

	memset(l, 0, sizeof(*l));
	l->goid = have(&p->g_goid);
	l->atomicstatus = have(&p->g_atomicstatus);
	l->waitreason = have(&p->g_waitreason);
	l->waitsince = have(&p->g_waitsince);
	l->gopc = have(&p->g_gopc);
	l->startpc = have(&p->g_startpc);
	l->parent_goid = have(&p->g_parent_goid);
	l->lockedm = have(&p->g_lockedm);
	l->sched_sp = inside(&p->g_sched, &p->gobuf_sp);
	l->sched_pc = inside(&p->g_sched, &p->gobuf_pc);
	l->sched_bp = inside(&p->g_sched, &p->gobuf_bp);
	l->syscallsp = have(&p->g_syscallsp);
	l->syscallpc = have(&p->g_syscallpc);
	l->syscallbp = have(&p->g_syscallbp);
	/* runtime.stack is {lo, hi uintptr} in every release. */
	l->stack_lo = inside(&p->g_stack, &zero);
	l->stack_hi = inside(&p->g_stack, &eight);
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (*need[i] < 0) {
			*missing = names[i];
			return -ENOENT;
		}
	}
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (*all[i] >= 0 && (size_t)*all[i] + 8 > l->size)
			l->size = (size_t)*all[i] + 8;
	return 0;
}

static uint64_t word(const uint8_t *b, size_t len, int64_t off, unsigned int width)
{
	uint64_t v = 0;

	if (off < 0 || rd__uint(b, len, (uint64_t)off, width, false, &v))
		return 0;
	return v;
}

int gread__decode(const struct gread_layout *l, const void *buf, size_t len, struct gread_g *g)
{
	const uint8_t *b = buf;

	memset(g, 0, sizeof(*g));
	if (len < l->size || !l->size)
		return -EINVAL;
	g->goid = word(b, len, l->goid, 8);
	g->status = (uint32_t)word(b, len, l->atomicstatus, 4);
	g->waitreason = (uint8_t)word(b, len, l->waitreason, 1);
	g->waitsince = (int64_t)word(b, len, l->waitsince, 8);
	g->gopc = word(b, len, l->gopc, 8);
	g->startpc = word(b, len, l->startpc, 8);
	g->parent_goid = word(b, len, l->parent_goid, 8);
	g->lockedm = word(b, len, l->lockedm, 8);
	g->sched_sp = word(b, len, l->sched_sp, 8);
	g->sched_pc = word(b, len, l->sched_pc, 8);
	g->sched_bp = word(b, len, l->sched_bp, 8);
	g->syscallsp = word(b, len, l->syscallsp, 8);
	g->syscallpc = word(b, len, l->syscallpc, 8);
	g->syscallbp = word(b, len, l->syscallbp, 8);
	g->stack_lo = word(b, len, l->stack_lo, 8);
	g->stack_hi = word(b, len, l->stack_hi, 8);
	return 0;
}
