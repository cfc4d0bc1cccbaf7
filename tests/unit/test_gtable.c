// SPDX-License-Identifier: GPL-2.0
/*
 * test_gtable: the goroutine table (tracer/gtable.c) — insert, find and
 * remove; values zero-filled and kept apart per key; growth far past the
 * first size; random churn at every load against a reference array (a
 * removal inside a collision run must leave every other key findable); and
 * sweeps that remove some entries and must visit each entry exactly once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gtable.h"

struct val {
	uint64_t id;
	uint32_t visits;
	char tail[3]; /* an odd size: the table rounds the stride */
};

static struct goroutine_gkey key(uint64_t gp, uint32_t tgid)
{
	return (struct goroutine_gkey){.gp = gp, .tgid = tgid};
}

static void test_basic(void)
{
	struct goroutine_gkey a = key(0xc000001000, 7), b = key(0xc000001000, 8), z = key(0, 0);
	struct gtable *t;
	struct val *v, *w;
	void *p;

	CHECK(gtable__new(1 << 20, &t) == -EINVAL);
	CHECK(!gtable__new(sizeof(struct val), &t));
	CHECK(gtable__find(t, &a) == NULL);
	CHECK(gtable__insert(t, &a, &p) == 1);
	v = p;
	CHECK(v->id == 0 && v->visits == 0 && !v->tail[2]); /* zero-filled */
	v->id = 1;
	/* Same g address in another process: another goroutine. */
	CHECK(gtable__insert(t, &b, &p) == 1);
	((struct val *)p)->id = 2;
	/* gp 0, tgid 0 is a key like any other. */
	CHECK(gtable__insert(t, &z, &p) == 1);
	((struct val *)p)->id = 3;
	CHECK(gtable__count(t) == 3);
	CHECK(gtable__insert(t, &a, &p) == 0 && ((struct val *)p)->id == 1);
	a.pad = 99; /* ignored */
	v = gtable__find(t, &a);
	CHECK(v && v->id == 1);
	w = gtable__find(t, &z);
	CHECK(w && w->id == 3);
	gtable__remove(t, v);
	CHECK(gtable__find(t, &a) == NULL);
	v = gtable__find(t, &b);
	CHECK(v && v->id == 2);
	CHECK(gtable__count(t) == 2);
	/* Added again after removal: zero-filled again. */
	CHECK(gtable__insert(t, &a, &p) == 1 && ((struct val *)p)->id == 0);
	gtable__delete(t);
	gtable__delete(NULL);
}

/* Many keys, as a busy server's g's: addresses a g size apart, a few processes. */
static void test_many(void)
{
	enum { N = 200000 };
	struct gtable *t;
	size_t i, wrong = 0;
	void *p;

	CHECK(!gtable__new(sizeof(uint64_t), &t));
	for (i = 0; i < N; i++) {
		struct goroutine_gkey k = key(0xc000000000ULL + (i / 4) * 0x1a0, 100 + i % 4);

		if (gtable__insert(t, &k, &p) != 1)
			wrong++;
		else
			*(uint64_t *)p = i;
	}
	CHECK_EQ_U64(wrong, 0);
	CHECK_EQ_U64(gtable__count(t), N);
	for (i = 0; i < N; i++) {
		struct goroutine_gkey k = key(0xc000000000ULL + (i / 4) * 0x1a0, 100 + i % 4);
		uint64_t *v = gtable__find(t, &k);

		if (!v || *v != i)
			wrong++;
	}
	CHECK_EQ_U64(wrong, 0);
	{
		struct goroutine_gkey k = key(0xc000000000ULL + 0x1a0, 99);

		CHECK(gtable__find(t, &k) == NULL);
	}
	gtable__delete(t);
}

/*
 * Churn against a reference: keys from a small space so runs collide, at a
 * load that swings from empty to the growth point and back.
 */
static void test_churn(void)
{
	enum { N = 3000, STEPS = 300000 };
	uint64_t *ref = calloc(N, sizeof(*ref)), seed = 99;
	size_t i, live = 0, wrong = 0, g;
	struct gtable *t;
	void *p;

	CHECK(ref && !gtable__new(sizeof(uint64_t), &t));
	for (i = 0; i < STEPS; i++) {
		struct goroutine_gkey k;
		uint64_t *v;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		/* Phases: mostly adding, then mostly removing. */
		g = (seed >> 33) % N;
		k = key(0x10000 + (g % 600) * 0x1000, g / 600);
		v = gtable__find(t, &k);
		if ((v != NULL) != (ref[g] != 0)) {
			wrong++;
			continue;
		}
		if (v && *v != ref[g])
			wrong++;
		if (v && ((i / 20000) % 2 || (seed >> 20) % 4 == 0)) {
			gtable__remove(t, v);
			ref[g] = 0;
			live--;
		} else if (!v) {
			if (gtable__insert(t, &k, &p) != 1) {
				wrong++;
				continue;
			}
			*(uint64_t *)p = ref[g] = i + 1;
			live++;
		}
	}
	CHECK_EQ_U64(wrong, 0);
	CHECK_EQ_U64(gtable__count(t), live);
	for (g = 0; g < N; g++) {
		struct goroutine_gkey k = key(0x10000 + (g % 600) * 0x1000, g / 600);
		uint64_t *v = gtable__find(t, &k);

		if ((v != NULL) != (ref[g] != 0) || (v && *v != ref[g]))
			wrong++;
	}
	CHECK_EQ_U64(wrong, 0);
	free(ref);
	gtable__delete(t);
}

static bool drop_odd(void *ctx, const struct goroutine_gkey *k, void *val)
{
	struct val *v = val;

	(void)ctx;
	v->visits++;
	return k->gp & 1;
}

static bool count_visit(void *ctx, const struct goroutine_gkey *k, void *val)
{
	(void)k;
	((struct val *)val)->visits++;
	++*(size_t *)ctx;
	return false;
}

/* Sweeps that remove half the entries: each seen once, the rest still findable. */
static void test_sweep(void)
{
	enum { N = 5000 };
	size_t i, wrong = 0, seen = 0;
	struct gtable *t;
	void *p;

	CHECK(!gtable__new(sizeof(struct val), &t));
	for (i = 0; i < N; i++) {
		struct goroutine_gkey k = key(i * 0x40 + (i & 1), 1);

		CHECK(gtable__insert(t, &k, &p) == 1);
		((struct val *)p)->id = i;
	}
	gtable__sweep(t, drop_odd, NULL);
	CHECK_EQ_U64(gtable__count(t), N / 2);
	gtable__sweep(t, count_visit, &seen);
	CHECK_EQ_U64(seen, N / 2);
	for (i = 0; i < N; i++) {
		struct goroutine_gkey k = key(i * 0x40 + (i & 1), 1);
		struct val *v = gtable__find(t, &k);

		/* Even: kept and visited once by each sweep; odd: removed. */
		if (i & 1 ? v != NULL : !v || v->id != i || v->visits != 2)
			wrong++;
	}
	CHECK_EQ_U64(wrong, 0);
	gtable__delete(t);
}

/*
 * A probe run that wraps past the table's end: keys whose home is the last
 * of the first 1024 slots (found with the table's hash, copied here: should
 * the hash change, this still passes but no longer wraps). Removing the
 * run's first entry moves the one in slot 0 back to the end; a sweep must
 * still see it once.
 */
static size_t home1024(uint64_t gp, uint32_t tgid)
{
	uint64_t h = (gp ^ ((uint64_t)tgid << 32 | tgid)) * 0x9e3779b97f4a7c15ULL;

	return h >> 54;
}

static bool drop_first(void *ctx, const struct goroutine_gkey *k, void *val)
{
	struct val *v = val;

	(void)k;
	v->visits++;
	return v->id == *(uint64_t *)ctx;
}

static void test_wrap(void)
{
	struct goroutine_gkey keys[6];
	uint64_t gp, first = 0;
	size_t n = 0, i, wrong = 0;
	struct gtable *t;
	void *p;

	for (gp = 1; n < 6 && gp < 100000000; gp++)
		if (home1024(gp, 3) == 1023)
			keys[n++] = key(gp, 3);
	CHECK(n == 6 && !gtable__new(sizeof(struct val), &t));
	for (i = 0; i < n; i++) {
		CHECK(gtable__insert(t, &keys[i], &p) == 1);
		((struct val *)p)->id = i;
	}
	gtable__sweep(t, drop_first, &first);
	for (i = 0; i < n; i++) {
		struct val *v = gtable__find(t, &keys[i]);

		if (i == first ? v != NULL : !v || v->visits != 1)
			wrong++;
	}
	CHECK_EQ_U64(wrong, 0);
	CHECK_EQ_U64(gtable__count(t), n - 1);
	gtable__delete(t);
}

int main(void)
{
	test_basic();
	test_many();
	test_churn();
	test_sweep();
	test_wrap();
	return check_done("test_gtable");
}
