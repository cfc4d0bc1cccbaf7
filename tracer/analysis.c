// SPDX-License-Identifier: GPL-2.0
/*
 * analysis: the summary aggregate and per-goroutine time lines from events
 * (see analysis.h). The live goroutines are a goroutine table (gtable.h)
 * of their struct goroutine_gval, the record the BPF program keeps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "goroutine_account.h"
#include "gtable.h"

struct analysis {
	struct goroutine_summary sum;
	struct gtable *live;
	bool goid_at_creation;
	analysis_slice_fn fn;
	void *ctx;
};

int analysis__new(bool goid_at_creation, analysis_slice_fn fn, void *ctx, struct analysis **out)
{
	struct analysis *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	err = gtable__new(sizeof(struct goroutine_gval), &a->live);
	if (err) {
		free(a);
		return err;
	}
	a->goid_at_creation = goid_at_creation;
	a->fn = fn;
	a->ctx = ctx;
	*out = a;
	return 0;
}

void analysis__delete(struct analysis *a)
{
	if (!a)
		return;
	gtable__delete(a->live);
	free(a);
}
static void emit(struct analysis *a, const struct goroutine_gkey *k, const struct goroutine_gval *g,
		 uint64_t end, bool exited, bool open)
{
	struct analysis_slice s = {
		.start_ns = g->since_ns,
		.end_ns = end > g->since_ns ? end : g->since_ns,
		.goid = g->goid,
		.parent_goid = g->parent_goid,
		.created_ns = g->created_ns,
		.tgid = k->tgid,
		.state = g->state,
		.waitreason = g->state == GOROUTINE_WAITING && (g->flags & GOROUTINE_G_HAS_REASON) ?
				      g->waitreason :
				      -1,
		.has_parent = g->flags & GOROUTINE_G_HAS_PARENT,
		.goid_known = !(g->flags & GOROUTINE_G_GOID_PENDING),
		.exited = exited,
		.open = open,
	};

	if (a->fn)
		a->fn(a->ctx, &s);
}

void analysis__event(struct analysis *a, const struct goroutine_event *e)
{
	struct goroutine_gkey key = {.gp = e->gp, .tgid = e->tgid};
	uint32_t o = goroutine_base_state(e->old_state), n = goroutine_base_state(e->new_state);
	bool creation = goroutine_is_creation(o, n);
	bool goid_ok = !(e->flags & GOROUTINE_EV_GOID_UNREADABLE);
	struct goroutine_gval *g = gtable__find(a->live, &key);
	void *v;

	/* The event after a creation shows the goid the creation could not. */
	if (g && (g->flags & GOROUTINE_G_GOID_PENDING) && goid_ok && !creation) {
		g->goid = e->goid;
		g->flags &= ~GOROUTINE_G_GOID_PENDING;
	}
	if (g)
		emit(a, &key, g, e->ts_ns, goroutine_is_exit(o, n), false);
	goroutine_account(&a->sum, g, o, n, e->ts_ns);
	if (n == GOROUTINE_DEAD) {
		if (g)
			gtable__remove(a->live, g);
		return;
	}
	if (!g || creation) {
		/* Out of memory: stop following new goroutines. */
		if (!g && gtable__insert(a->live, &key, &v) < 0)
			return;
		g = g ? g : v;
		memset(g, 0, sizeof(*g));
		if (creation)
			g->created_ns = e->ts_ns;
		if (goroutine_goid_unset(o, n, a->goid_at_creation))
			g->flags |= GOROUTINE_G_GOID_PENDING;
		if (e->flags & GOROUTINE_EV_PARENT) {
			g->parent_goid = e->parent_goid;
			g->flags |= GOROUTINE_G_HAS_PARENT;
		}
		if (!(g->flags & GOROUTINE_G_GOID_PENDING)) {
			if (goid_ok)
				g->goid = e->goid;
			else
				g->flags |= GOROUTINE_G_GOID_PENDING;
		}
	}
	g->since_ns = e->ts_ns;
	g->state = n;
	g->flags &= ~GOROUTINE_G_HAS_REASON;
	if (n == GOROUTINE_WAITING && (e->flags & GOROUTINE_EV_WAITREASON)) {
		g->waitreason = e->waitreason;
		g->flags |= GOROUTINE_G_HAS_REASON;
	}
}

int analysis__seed(struct analysis *a, const struct goroutine_gentry *e, size_t n)
{
	void *v;

	for (size_t i = 0; i < n; i++) {
		if (gtable__find(a->live, &e[i].key))
			continue;
		if (gtable__insert(a->live, &e[i].key, &v) < 0)
			return -ENOMEM;
		memcpy(v, &e[i].val, sizeof(e[i].val));
	}
	return 0;
}

struct finish {
	struct analysis *a;
	uint64_t now_ns;
};

static bool finish_one(void *ctx, const struct goroutine_gkey *key, void *val)
{
	struct finish *f = ctx;

	emit(f->a, key, val, f->now_ns, false, true);
	return false;
}

void analysis__finish(struct analysis *a, uint64_t now_ns)
{
	struct finish f = {.a = a, .now_ns = now_ns};

	gtable__sweep(a->live, finish_one, &f);
}

const struct goroutine_summary *analysis__summary(const struct analysis *a)
{
	return &a->sum;
}

struct live {
	struct goroutine_gkey *keys;
	struct goroutine_gval *vals;
	size_t n;
};

static bool live_one(void *ctx, const struct goroutine_gkey *key, void *val)
{
	struct live *l = ctx;

	l->keys[l->n] = *key;
	l->keys[l->n].pad = 0;
	memcpy(&l->vals[l->n++], val, sizeof(*l->vals));
	return false;
}

int analysis__live(const struct analysis *a, struct goroutine_gkey **keys,
		   struct goroutine_gval **vals, size_t *n)
{
	size_t count = gtable__count(a->live);
	struct live l = {0};

	*keys = NULL;
	*vals = NULL;
	*n = 0;
	if (!count)
		return 0;
	l.keys = malloc(count * sizeof(*l.keys));
	l.vals = malloc(count * sizeof(*l.vals));
	if (!l.keys || !l.vals) {
		free(l.keys);
		free(l.vals);
		return -ENOMEM;
	}
	/* Only reads: the sweep removes nothing (fn returns false). */
	gtable__sweep(a->live, live_one, &l);
	*keys = l.keys;
	*vals = l.vals;
	*n = l.n;
	return 0;
}
