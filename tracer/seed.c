// SPDX-License-Identifier: GPL-2.0
/*
 * seed: records and origins of goroutines from a snapshot (see seed.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gobin.h"
#include "goroutine_account.h"
#include "seed.h"
#include "sites.h"
#include "snapshot.h"

/*
 * sg's stack as the kernel's walk keeps one (its first GOROUTINE_STACK_DEPTH
 * pcs, truncated when there were more or the walk stopped short) into *st:
 * false when it has none.
 */
static bool kernel_stack(const struct snapshot_g *sg, struct goroutine_stack *st)
{
	size_t n = sg->npcs < GOROUTINE_STACK_DEPTH ? sg->npcs : GOROUTINE_STACK_DEPTH;

	if (sg->state != SNAPSHOT_G_OK || !n || !sg->pcs || !sg->pcs[0])
		return false;
	memset(st, 0, sizeof(*st));
	st->n = n;
	memcpy(st->pcs, sg->pcs, n * sizeof(st->pcs[0]));
	if (sg->npcs > n || sg->end != UNWIND_END_ZERO_FP)
		st->flags = GOROUTINE_STACK_TRUNCATED;
	return true;
}

int seed__entries(const struct snapshot *s, struct goroutine_gentry **out, uint64_t (**pcs)[2],
		  struct goroutine_stack **stacks, size_t *n)
{
	struct goroutine_gentry *v = calloc(s->n + 1, sizeof(*v));
	uint64_t(*pc)[2] = pcs ? calloc(s->n + 1, sizeof(*pc)) : NULL;
	struct goroutine_stack *stv = stacks ? calloc(s->n + 1, sizeof(*stv)) : NULL;
	size_t k = 0;

	*out = NULL;
	if (pcs)
		*pcs = NULL;
	if (stacks)
		*stacks = NULL;
	*n = 0;
	if (!v || (pcs && !pc) || (stacks && !stv)) {
		free(v);
		free(pc);
		free(stv);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct snapshot_g *sg = &s->gs[i];
		struct goroutine_gentry *e = &v[k];
		uint32_t st = sg->g.status & ~(uint32_t)GOROUTINE_SCAN_BIT;
		bool blocked = st == GOROUTINE_WAITING || st == GOROUTINE_SYSCALL;

		if (sg->state == SNAPSHOT_G_CHANGED || st == GOROUTINE_DEAD || st == GOROUTINE_IDLE)
			continue;
		e->key.gp = sg->addr;
		e->key.tgid = (uint32_t)s->pid;
		e->val.goid = sg->g.goid;
		e->val.state = st;
		/* When the GC first saw it blocked, else the snapshot: a lower bound either way. */
		e->val.since_ns = blocked && sg->g.waitsince > 0 && sg->g.waitsince <= s->now_ns ?
					  (uint64_t)sg->g.waitsince :
					  (uint64_t)s->now_ns;
		e->val.flags = GOROUTINE_G_SEEDED;
		if (st == GOROUTINE_WAITING) {
			e->val.waitreason = sg->g.waitreason;
			e->val.flags |= GOROUTINE_G_HAS_REASON;
		}
		if (sg->g.parent_goid) {
			e->val.parent_goid = sg->g.parent_goid;
			e->val.flags |= GOROUTINE_G_HAS_PARENT;
		}
		if (pc) {
			pc[k][0] = sg->g.startpc ? sg->g.startpc - s->bias : 0;
			pc[k][1] = sg->g.gopc ? sg->g.gopc - s->bias : 0;
		}
		if (stv && blocked && kernel_stack(sg, &stv[k])) {
			e->val.wait_stack = goroutine_stack_id(&stv[k]);
			e->val.flags |= GOROUTINE_G_HAS_STACK;
		}
		k++;
	}
	*out = v;
	if (pcs)
		*pcs = pc;
	if (stacks)
		*stacks = stv;
	*n = k;
	return 0;
}

int seed__cmp(const void *a, const void *b)
{
	const struct seed_site *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->goid < y->goid ? -1 : x->goid > y->goid;
}

int seed__sites(struct gobin *b, const struct snapshot *s, struct seed_site **out, size_t *n)
{
	struct seed_site *v = calloc(s->n + 1, sizeof(*v));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		const struct snapshot_g *sg = &s->gs[i];
		const char *file;
		uint32_t line;

		if (sg->state == SNAPSHOT_G_CHANGED)
			continue;
		v[k] = (struct seed_site){.tgid = (uint32_t)s->pid, .goid = sg->g.goid};
		if (sg->g.startpc)
			sites__symbolize(b, sg->g.startpc - s->bias, false, &v[k].start, &file,
					 &line);
		if (sg->g.gopc)
			sites__symbolize(b, sg->g.gopc - s->bias, true, &v[k].creator, &v[k].file,
					 &v[k].line);
		k++;
	}
	qsort(v, k, sizeof(*v), seed__cmp);
	*out = v;
	*n = k;
	return 0;
}

const struct seed_site *seed__find(const struct seed_site *sites, size_t n, uint32_t tgid,
				   uint64_t goid)
{
	struct seed_site key = {.tgid = tgid, .goid = goid};

	return n ? bsearch(&key, sites, n, sizeof(*sites), seed__cmp) : NULL;
}
