// SPDX-License-Identifier: GPL-2.0
/*
 * analysis: the summary aggregate and per-goroutine time lines from events
 * (see analysis.h). The live goroutines are an open-addressing table on
 * (tgid, g address) with linear probing and backward-shift deletion, so a
 * long run with goroutine churn leaves no tombstones behind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "goroutine_account.h"

#define MIN_SLOTS 1024

struct entry {
	struct goroutine_gkey key;
	struct goroutine_gval val;
	bool used;
};

struct analysis {
	struct goroutine_summary sum;
	struct entry *slots;
	size_t nslots; /* a power of two */
	size_t n;
	bool goid_at_creation;
	analysis_slice_fn fn;
	void *ctx;
};

int analysis__new(bool goid_at_creation, analysis_slice_fn fn, void *ctx, struct analysis **out)
{
	struct analysis *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->slots = calloc(MIN_SLOTS, sizeof(*a->slots));
	if (!a->slots) {
		free(a);
		return -ENOMEM;
	}
	a->nslots = MIN_SLOTS;
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
	free(a->slots);
	free(a);
}

static size_t home(const struct analysis *a, const struct goroutine_gkey *k)
{
	uint64_t h = (k->gp ^ ((uint64_t)k->tgid << 32)) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (a->nslots - 1);
}

static struct entry *find(struct analysis *a, const struct goroutine_gkey *k)
{
	size_t i;

	for (i = home(a, k);; i = (i + 1) & (a->nslots - 1)) {
		struct entry *e = &a->slots[i];

		if (!e->used)
			return e;
		if (e->key.gp == k->gp && e->key.tgid == k->tgid)
			return e;
	}
}

/* Double the table; on failure keep the old one (it only gets fuller). */
static void grow(struct analysis *a)
{
	struct entry *old = a->slots, *e;
	size_t i, n = a->nslots;

	a->slots = calloc(n * 2, sizeof(*a->slots));
	if (!a->slots) {
		a->slots = old;
		return;
	}
	a->nslots = n * 2;
	for (i = 0; i < n; i++)
		if (old[i].used) {
			e = find(a, &old[i].key);
			*e = old[i];
		}
	free(old);
}

/* Backward-shift deletion: move later entries of the probe run into the hole. */
static void erase(struct analysis *a, struct entry *hole)
{
	size_t mask = a->nslots - 1, i = hole - a->slots, j = i, h;

	for (;;) {
		j = (j + 1) & mask;
		if (!a->slots[j].used)
			break;
		h = home(a, &a->slots[j].key);
		/* Stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		a->slots[i] = a->slots[j];
		i = j;
	}
	a->slots[i].used = false;
	a->n--;
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
	uint32_t o = e->old_state & 0xfff, n = e->new_state & 0xfff;
	bool creation = goroutine_is_creation(o, n);
	bool goid_ok = !(e->flags & GOROUTINE_EV_GOID_UNREADABLE);
	struct entry *slot = find(a, &key);
	struct goroutine_gval *g = slot->used ? &slot->val : NULL;

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
			erase(a, slot);
		return;
	}
	if (!g || creation) {
		if (!g) {
			if (a->n + 1 > a->nslots / 2) {
				grow(a);
				slot = find(a, &key);
			}
			/* Out of memory and nearly full: stop following new goroutines. */
			if (a->n + 2 > a->nslots)
				return;
			a->n++;
		}
		memset(slot, 0, sizeof(*slot));
		slot->used = true;
		slot->key = key;
		g = &slot->val;
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

void analysis__finish(struct analysis *a, uint64_t now_ns)
{
	size_t i;

	for (i = 0; i < a->nslots; i++)
		if (a->slots[i].used)
			emit(a, &a->slots[i].key, &a->slots[i].val, now_ns, false, true);
}

const struct goroutine_summary *analysis__summary(const struct analysis *a)
{
	return &a->sum;
}

int analysis__live(const struct analysis *a, struct goroutine_gkey **keys,
		   struct goroutine_gval **vals, size_t *n)
{
	size_t i, k = 0;

	*keys = NULL;
	*vals = NULL;
	*n = 0;
	if (!a->n)
		return 0;
	*keys = malloc(a->n * sizeof(**keys));
	*vals = malloc(a->n * sizeof(**vals));
	if (!*keys || !*vals) {
		free(*keys);
		free(*vals);
		*keys = NULL;
		*vals = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < a->nslots && k < a->n; i++)
		if (a->slots[i].used) {
			(*keys)[k] = a->slots[i].key;
			(*vals)[k++] = a->slots[i].val;
		}
	*n = k;
	return 0;
}
