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
#include "seed.h"
#include "sites.h"

/* A live goroutine: the record the BPF program keeps, and where it comes from. */
struct ag {
	struct goroutine_gval v;
	const struct site_sym *start, *creator;
};

struct analysis {
	struct goroutine_summary sum;
	struct gtable *live;
	/* Ended waits by (stack id; target << 8 | reason): struct goroutine_bval. */
	struct gtable *blocking;
	const struct sites *sites;
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
	err = gtable__new(sizeof(struct ag), &a->live);
	if (!err)
		err = gtable__new(sizeof(struct goroutine_bval), &a->blocking);
	if (err) {
		gtable__delete(a->live);
		free(a);
		return err;
	}
	a->goid_at_creation = goid_at_creation;
	a->fn = fn;
	a->ctx = ctx;
	*out = a;
	return 0;
}

void analysis__set_sites(struct analysis *a, const struct sites *sites)
{
	a->sites = sites;
}

void analysis__delete(struct analysis *a)
{
	if (!a)
		return;
	gtable__delete(a->live);
	gtable__delete(a->blocking);
	free(a);
}

/* g's time by stack that ended after dt ns, under its reason and stack (the kernel's account_blocking). */
static void account_blocking(struct analysis *a, uint32_t target, const struct goroutine_gval *g,
			     uint64_t dt)
{
	struct goroutine_gkey k = {.gp = g->wait_stack,
				   .tgid = target << 8 | goroutine_stack_reason(g)};
	struct goroutine_bval *v;
	void *slot;

	/* Out of memory: this wait is still in its reason's total. */
	if (gtable__insert(a->blocking, &k, &slot) < 0)
		return;
	v = slot;
	v->count++;
	v->total_ns += dt;
	if (dt > v->max_ns)
		v->max_ns = dt;
}
static void emit(struct analysis *a, const struct goroutine_gkey *k, const struct ag *ag,
		 uint64_t end, bool exited, bool open)
{
	const struct goroutine_gval *g = &ag->v;
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
		.start = ag->start,
		.creator = ag->creator,
		/* A woken goroutine's RUNNABLE slice shows no stack: its WAITING one before does. */
		.stack_id = g->flags & GOROUTINE_G_HAS_STACK && g->state != GOROUTINE_RUNNABLE ?
				    g->wait_stack :
				    0,
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
	struct ag *ag = gtable__find(a->live, &key);
	struct goroutine_gval *g = ag ? &ag->v : NULL;
	bool kept;
	void *v;

	/* The event after a creation shows the goid the creation could not. */
	if (g && (g->flags & GOROUTINE_G_GOID_PENDING) && goid_ok && !creation) {
		g->goid = e->goid;
		g->flags &= ~GOROUTINE_G_GOID_PENDING;
	}
	if (g)
		emit(a, &key, ag, e->ts_ns, goroutine_is_exit(o, n), false);
	if (g && goroutine_stack_time_ends(g, n))
		account_blocking(a, e->target, g,
				 e->ts_ns > g->since_ns ? e->ts_ns - g->since_ns : 0);
	goroutine_account(&a->sum, g, o, n, e->ts_ns);
	if (n == GOROUTINE_DEAD) {
		if (g)
			gtable__remove(a->live, ag);
		return;
	}
	if (!g || creation) {
		/* Out of memory: stop following new goroutines. */
		if (!g && gtable__insert(a->live, &key, &v) < 0)
			return;
		ag = ag ? ag : v;
		g = &ag->v;
		memset(ag, 0, sizeof(*ag));
		if (creation)
			g->created_ns = e->ts_ns;
		if (creation && a->sites && (e->flags & GOROUTINE_EV_SITE)) {
			ag->start = sites__get(a->sites, e->target, e->startpc, false);
			ag->creator = sites__get(a->sites, e->target, e->gopc, true);
		}
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
	kept = goroutine_stack_kept(g, n);
	g->since_ns = e->ts_ns;
	g->state = n;
	g->flags &= ~(GOROUTINE_G_HAS_REASON | GOROUTINE_G_HAS_STACK);
	if (kept)
		g->flags |= GOROUTINE_G_HAS_STACK;
	if (n == GOROUTINE_WAITING && (e->flags & GOROUTINE_EV_WAITREASON)) {
		g->waitreason = e->waitreason;
		g->flags |= GOROUTINE_G_HAS_REASON;
	}
	if (n != GOROUTINE_RUNNING && (e->flags & GOROUTINE_EV_STACK)) {
		g->wait_stack = e->stack_id;
		g->flags |= GOROUTINE_G_HAS_STACK;
	}
}

int analysis__seed(struct analysis *a, const struct goroutine_gentry *e,
		   const struct site_sym *const (*site)[2], size_t n)
{
	struct ag *ag;
	void *v;

	for (size_t i = 0; i < n; i++) {
		if (gtable__find(a->live, &e[i].key))
			continue;
		if (gtable__insert(a->live, &e[i].key, &v) < 0)
			return -ENOMEM;
		ag = v;
		ag->v = e[i].val;
		if (site) {
			ag->start = site[i][0];
			ag->creator = site[i][1];
		}
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
	l->vals[l->n++] = ((const struct ag *)val)->v;
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

struct site_list {
	struct seed_site *v;
	size_t n;
};

static bool site_one(void *ctx, const struct goroutine_gkey *key, void *val)
{
	const struct ag *ag = val;
	struct site_list *l = ctx;

	if ((ag->v.flags & GOROUTINE_G_GOID_PENDING) || (!ag->start && !ag->creator))
		return false;
	l->v[l->n++] = (struct seed_site){
		.tgid = key->tgid,
		.goid = ag->v.goid,
		.start = ag->start ? ag->start->func : NULL,
		.creator = ag->creator ? ag->creator->func : NULL,
		.file = ag->creator ? ag->creator->file : NULL,
		.line = ag->creator ? ag->creator->line : 0,
	};
	return false;
}

int analysis__sites(const struct analysis *a, struct seed_site **out, size_t *n)
{
	size_t count = gtable__count(a->live);
	struct site_list l = {0};

	*out = NULL;
	*n = 0;
	if (!count)
		return 0;
	l.v = malloc(count * sizeof(*l.v));
	if (!l.v)
		return -ENOMEM;
	gtable__sweep(a->live, site_one, &l);
	if (!l.n) {
		free(l.v);
		return 0;
	}
	qsort(l.v, l.n, sizeof(*l.v), seed__cmp);
	*out = l.v;
	*n = l.n;
	return 0;
}

struct blocking_list {
	struct goroutine_bkey *keys;
	struct goroutine_bval *vals;
	size_t n;
};

static bool blocking_one(void *ctx, const struct goroutine_gkey *key, void *val)
{
	struct blocking_list *l = ctx;

	l->keys[l->n] = (struct goroutine_bkey){
		.stack_id = key->gp,
		.target = key->tgid >> 8,
		.reason = key->tgid & 0xff,
	};
	l->vals[l->n++] = *(const struct goroutine_bval *)val;
	return false;
}

int analysis__blocking(const struct analysis *a, struct goroutine_bkey **keys,
		       struct goroutine_bval **vals, size_t *n)
{
	size_t count = gtable__count(a->blocking);
	struct blocking_list l = {0};

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
	gtable__sweep(a->blocking, blocking_one, &l);
	*keys = l.keys;
	*vals = l.vals;
	*n = l.n;
	return 0;
}
