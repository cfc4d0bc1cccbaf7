// SPDX-License-Identifier: GPL-2.0
/*
 * seed: records and origins of goroutines from a snapshot (see seed.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "gobin.h"
#include "gosym.h"
#include "seed.h"
#include "snapshot.h"

int seed__entries(const struct snapshot *s, struct goroutine_gentry **out, size_t *n)
{
	struct goroutine_gentry *v = calloc(s->n + 1, sizeof(*v));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!v)
		return -ENOMEM;
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
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

static int by_key(const void *a, const void *b)
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
		struct gosym_frame fr[16];
		struct gobin_func f;
		size_t nf;

		if (sg->state == SNAPSHOT_G_CHANGED)
			continue;
		v[k] = (struct seed_site){.tgid = (uint32_t)s->pid, .goid = sg->g.goid};
		if (sg->g.startpc && !gobin__find_pc(b, sg->g.startpc - s->bias, &f))
			v[k].start = f.name;
		if (sg->g.gopc && !gobin__find_pc(b, sg->g.gopc - s->bias, &f)) {
			uint64_t pc = sg->g.gopc - s->bias;

			v[k].creator =
				f.name; /* the runtime's "created by": the physical function */
			if (!gobin__frames(b, pc > f.entry ? pc - 1 : pc, fr, 16, &nf) && nf) {
				v[k].file = fr[0].file;
				v[k].line = fr[0].line;
			}
		}
		k++;
	}
	qsort(v, k, sizeof(*v), by_key);
	*out = v;
	*n = k;
	return 0;
}

const struct seed_site *seed__find(const struct seed_site *sites, size_t n, uint32_t tgid,
				   uint64_t goid)
{
	struct seed_site key = {.tgid = tgid, .goid = goid};

	return n ? bsearch(&key, sites, n, sizeof(*sites), by_key) : NULL;
}
