// SPDX-License-Identifier: GPL-2.0
/*
 * gtable: the goroutine table (see gtable.h). An entry is the key followed by
 * the value, in one array of fixed-stride slots; the key's pad field marks a
 * slot in use, so a g address or goid of 0 is a key like any other. The home
 * slot is the top bits of a multiplicative hash (Fibonacci hashing): g
 * addresses differ in their low bits by multiples of the g size, which a
 * plain mask would cluster.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gtable.h"

#define MIN_SHIFT 10 /* 1024 slots */
#define MAX_VAL 4096
#define USED 1

struct gtable {
	unsigned char *slots;
	size_t stride; /* key + value, a multiple of 8 */
	size_t val_size;
	size_t mask;	    /* slots - 1, a power of two */
	unsigned int shift; /* 64 - log2(slots) */
	size_t n;
};

static inline struct goroutine_gkey *key_at(const struct gtable *t, size_t i)
{
	return (struct goroutine_gkey *)(t->slots + i * t->stride);
}

static inline size_t home(const struct gtable *t, const struct goroutine_gkey *k)
{
	uint64_t h = (k->gp ^ ((uint64_t)k->tgid << 32 | k->tgid)) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> t->shift);
}

static int alloc_slots(struct gtable *t, unsigned int log2)
{
	unsigned char *s = calloc((size_t)1 << log2, t->stride);

	if (!s)
		return -ENOMEM;
	t->slots = s;
	t->mask = ((size_t)1 << log2) - 1;
	t->shift = 64 - log2;
	return 0;
}

int gtable__new(size_t val_size, struct gtable **out)
{
	struct gtable *t;

	if (val_size > MAX_VAL)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->val_size = val_size;
	t->stride = sizeof(struct goroutine_gkey) + ((val_size + 7) & ~(size_t)7);
	if (alloc_slots(t, MIN_SHIFT)) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void gtable__delete(struct gtable *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

/* The slot of k, or the free slot that ends its probe run. */
static inline size_t probe(const struct gtable *t, const struct goroutine_gkey *k)
{
	size_t i = home(t, k);

	for (;; i = (i + 1) & t->mask) {
		const struct goroutine_gkey *s = key_at(t, i);

		if (!s->pad || (s->gp == k->gp && s->tgid == k->tgid))
			return i;
	}
}

void *gtable__find(const struct gtable *t, const struct goroutine_gkey *key)
{
	struct goroutine_gkey *s = key_at(t, probe(t, key));

	return s->pad ? s + 1 : NULL;
}

/* Double the slots; on failure the old ones stay (only fuller). */
static int grow(struct gtable *t)
{
	unsigned char *old = t->slots;
	size_t i, n = t->mask + 1;

	if (alloc_slots(t, 64 - t->shift + 1)) {
		t->slots = old;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct goroutine_gkey *k = (const void *)(old + i * t->stride);

		if (k->pad)
			memcpy(key_at(t, probe(t, k)), k, t->stride);
	}
	free(old);
	return 0;
}

int gtable__insert(struct gtable *t, const struct goroutine_gkey *key, void **val)
{
	struct goroutine_gkey *s = key_at(t, probe(t, key));

	if (s->pad) {
		*val = s + 1;
		return 0;
	}
	/* At most half full; past that only while a free slot is left to end every probe. */
	if ((t->n + 1) * 2 > t->mask + 1) {
		if (!grow(t))
			s = key_at(t, probe(t, key));
		else if (t->n + 2 > t->mask + 1)
			return -ENOMEM;
	}
	memset(s, 0, t->stride);
	s->gp = key->gp;
	s->tgid = key->tgid;
	s->pad = USED;
	t->n++;
	*val = s + 1;
	return 1;
}

/* Empty slot i, moving later entries of its probe run back into the hole. */
static void erase(struct gtable *t, size_t i)
{
	size_t j = i, h;

	for (;;) {
		j = (j + 1) & t->mask;
		if (!key_at(t, j)->pad)
			break;
		h = home(t, key_at(t, j));
		/* It stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		memcpy(key_at(t, i), key_at(t, j), t->stride);
		i = j;
	}
	key_at(t, i)->pad = 0;
	t->n--;
}

void gtable__remove(struct gtable *t, void *val)
{
	size_t off = (unsigned char *)val - sizeof(struct goroutine_gkey) - t->slots;

	erase(t, off / t->stride);
}

size_t gtable__count(const struct gtable *t)
{
	return t->n;
}

void gtable__sweep(struct gtable *t, gtable_sweep_fn fn, void *ctx)
{
	size_t start, k, i;

	if (!t->n)
		return;
	/*
	 * Start after a free slot: no probe run then wraps past the start, and a
	 * removal only moves entries not yet visited back into the slot just
	 * visited (looked at again) or into holes ahead. Each entry is seen once.
	 */
	for (start = 0; key_at(t, start)->pad; start++)
		;
	for (k = 1; k <= t->mask + 1; k++) {
		i = (start + k) & t->mask;
		while (key_at(t, i)->pad && fn(ctx, key_at(t, i), key_at(t, i) + 1))
			erase(t, i);
	}
}
