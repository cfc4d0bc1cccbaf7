// SPDX-License-Identifier: GPL-2.0
/*
 * test_analysis: the user-space analysis (tracer/analysis.c) and the
 * summary's arithmetic (tracer/summary.c) on synthetic events whose answers
 * are worked out by hand: time per state, scheduler latency and wait
 * histograms, lifetimes, the slices handed to the time line, goids assigned
 * after creation (before go1.24), and the live-goroutine table under heavy
 * churn against a plain reference list.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "analysis.h"
#include "check.h"
#include "summary.h"

#define US 1000ULL
#define T0 1000000ULL

struct rec {
	struct analysis_slice s[64];
	int n;
};

static void on_slice(void *ctx, const struct analysis_slice *s)
{
	struct rec *r = ctx;

	if (r->n < 64)
		r->s[r->n++] = *s;
}

static struct goroutine_event ev(uint64_t ts, uint64_t gp, uint64_t goid, uint32_t o, uint32_t n)
{
	/* Time 0 would read as "created before tracing": start at T0. */
	struct goroutine_event e = {
		.ts_ns = T0 + ts,
		.goid = goid,
		.gp = gp,
		.tgid = 42,
		.old_state = o,
		.new_state = n,
	};
	return e;
}

/* One goroutine's life, by hand. */
static void test_life(void)
{
	struct analysis *a;
	struct rec r = {};
	const struct goroutine_summary *s;
	struct goroutine_event e;

	CHECK(!analysis__new(true, on_slice, &r, &a));
	e = ev(0, 0x1000, 7, GOROUTINE_DEAD, GOROUTINE_RUNNABLE);
	e.flags = GOROUTINE_EV_PARENT;
	e.parent_goid = 1;
	analysis__event(a, &e);
	e = ev(5 * US, 0x1000, 7, GOROUTINE_RUNNABLE, GOROUTINE_RUNNING);
	analysis__event(a, &e);
	e = ev(10 * US, 0x1000, 7, GOROUTINE_RUNNING, GOROUTINE_WAITING);
	e.flags = GOROUTINE_EV_WAITREASON;
	e.waitreason = 7;
	analysis__event(a, &e);
	e = ev(1010 * US, 0x1000, 7, GOROUTINE_WAITING, GOROUTINE_RUNNABLE);
	analysis__event(a, &e);
	e = ev(1012 * US, 0x1000, 7, GOROUTINE_RUNNABLE, GOROUTINE_RUNNING);
	analysis__event(a, &e);
	e = ev(2000 * US, 0x1000, 7, GOROUTINE_RUNNING, GOROUTINE_DEAD);
	analysis__event(a, &e);

	s = analysis__summary(a);
	CHECK_EQ_U64(s->created, 1);
	CHECK_EQ_U64(s->exited, 1);
	CHECK_EQ_U64(s->state_ns[GOROUTINE_RUNNABLE], 7 * US);
	CHECK_EQ_U64(s->state_ns[GOROUTINE_RUNNING], 5 * US + 988 * US);
	CHECK_EQ_U64(s->state_ns[GOROUTINE_WAITING], 1000 * US);
	/* 5 us: slot 2 (4-7); 2 us: slot 1 (2-3). */
	CHECK_EQ_U64(s->schedlat[2], 1);
	CHECK_EQ_U64(s->schedlat[1], 1);
	CHECK_EQ_U64(s->schedlat_ns, 7 * US);
	CHECK_EQ_U64(s->schedlat_max_ns, 5 * US);
	/* 1000 us: slot 9 (512-1023). */
	CHECK_EQ_U64(s->wait_count[7], 1);
	CHECK_EQ_U64(s->wait_ns[7], 1000 * US);
	CHECK_EQ_U64(s->wait_hist[7][9], 1);
	CHECK_EQ_U64(s->wait_max_ns[7], 1000 * US);
	/* 2000 us: slot 10 (1024-2047). */
	CHECK_EQ_U64(s->lifetime[10], 1);
	CHECK_EQ_U64(s->lifetime_ns, 2000 * US);
	CHECK_EQ_U64(s->transitions[GOROUTINE_RUNNABLE][GOROUTINE_RUNNING], 2);

	/* Slices: RUNNABLE, RUNNING, WAITING (reason 7), RUNNABLE, RUNNING (exits). */
	CHECK(r.n == 5);
	if (r.n == 5) {
		CHECK(r.s[0].state == GOROUTINE_RUNNABLE && r.s[0].start_ns == T0 &&
		      r.s[0].end_ns == T0 + 5 * US);
		CHECK(r.s[2].state == GOROUTINE_WAITING && r.s[2].waitreason == 7 &&
		      r.s[2].end_ns - r.s[2].start_ns == 1000 * US);
		CHECK(r.s[1].waitreason == -1);
		CHECK(r.s[4].exited && !r.s[3].exited && r.s[4].end_ns == T0 + 2000 * US);
		CHECK(r.s[0].has_parent && r.s[0].parent_goid == 1 && r.s[0].goid == 7);
		CHECK(r.s[0].created_ns == T0 && r.s[0].goid_known);
	}
	analysis__delete(a);
}

/*
 * Before go1.24 the creation's goid is stale (here: a previous goroutine's 3):
 * the next event's is the real one, and the slices carry that.
 */
static void test_pending_goid(void)
{
	struct analysis *a;
	struct rec r = {};
	struct goroutine_event e;
	struct goroutine_gkey *k;
	struct goroutine_gval *v;
	size_t n;

	CHECK(!analysis__new(false, on_slice, &r, &a));
	e = ev(100, 0x2000, 3, GOROUTINE_DEAD, GOROUTINE_RUNNABLE);
	analysis__event(a, &e);
	CHECK(!analysis__live(a, &k, &v, &n));
	CHECK(n == 1 && (v[0].flags & GOROUTINE_G_GOID_PENDING));
	free(k);
	free(v);
	e = ev(200, 0x2000, 9, GOROUTINE_RUNNABLE, GOROUTINE_RUNNING);
	analysis__event(a, &e);
	CHECK(r.n == 1 && r.s[0].goid == 9 && r.s[0].goid_known);
	CHECK(!analysis__live(a, &k, &v, &n));
	CHECK(n == 1 && v[0].goid == 9 && !(v[0].flags & GOROUTINE_G_GOID_PENDING));
	free(k);
	free(v);
	/* At the end, the open RUNNING slice. */
	analysis__finish(a, T0 + 500);
	CHECK(r.n == 2 && r.s[1].open && r.s[1].end_ns == T0 + 500 &&
	      r.s[1].state == GOROUTINE_RUNNING);
	analysis__delete(a);
}

/*
 * Churn: goroutines created and exited at random, far past the table's first
 * size, against a reference array. Backward-shift deletion must keep every
 * live goroutine findable.
 */
static void test_churn(void)
{
	enum { N = 50000, STEPS = 400000 };
	bool *live = calloc(N, sizeof(*live));
	struct analysis *a;
	struct goroutine_gkey *k;
	struct goroutine_gval *v;
	uint64_t created = 0, exited = 0, t = 0, seed = 12345;
	size_t n, nlive = 0, i, wrong = 0;

	CHECK(live && !analysis__new(true, NULL, NULL, &a));
	for (i = 0; i < STEPS; i++) {
		uint32_t g;
		struct goroutine_event e;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		g = (seed >> 33) % N;
		if (live[g]) {
			e = ev(++t, 0x10000 + g * 0x1000ULL, g + 1, GOROUTINE_RUNNING,
			       GOROUTINE_DEAD);
			exited++;
			nlive--;
		} else {
			e = ev(++t, 0x10000 + g * 0x1000ULL, g + 1, GOROUTINE_DEAD,
			       GOROUTINE_RUNNABLE);
			created++;
			nlive++;
		}
		live[g] = !live[g];
		analysis__event(a, &e);
	}
	CHECK_EQ_U64(analysis__summary(a)->created, created);
	CHECK_EQ_U64(analysis__summary(a)->exited, exited);
	CHECK(!analysis__live(a, &k, &v, &n));
	CHECK_EQ_U64(n, nlive);
	for (i = 0; i < n; i++) {
		uint64_t g = (k[i].gp - 0x10000) / 0x1000;

		if (g >= N || !live[g] || v[i].goid != g + 1)
			wrong++;
		else
			live[g] = false; /* each once */
	}
	CHECK_EQ_U64(wrong, 0);
	free(k);
	free(v);
	free(live);
	analysis__delete(a);
}

static void test_percentile(void)
{
	__u64 h[GOROUTINE_HIST_SLOTS] = {0};

	CHECK(summary__percentile(h, 0.5, 0) == 0);
	h[10] = 4; /* 1024-2047 us */
	CHECK(summary__percentile(h, 0.5, 0) == 1536);
	CHECK(summary__percentile(h, 1.0, 0) == 2048);
	CHECK(summary__percentile(h, 1.0, 1500) == 1500); /* capped at the max seen */
	h[0] = 4;					  /* 0-1 us */
	CHECK(summary__percentile(h, 0.25, 0) == 1);
	CHECK(summary__percentile(h, 0.75, 0) == 1536);
}

int main(void)
{
	test_life();
	test_pending_goid();
	test_churn();
	test_percentile();
	return check_done("test_analysis");
}
