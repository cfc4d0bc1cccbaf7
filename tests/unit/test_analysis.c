// SPDX-License-Identifier: GPL-2.0
/*
 * test_analysis: the user-space analysis (tracer/analysis.c) and the
 * summary's arithmetic (tracer/summary.c) on synthetic events whose answers
 * are worked out by hand: time per state, scheduler latency and wait
 * histograms, lifetimes, the slices handed to the time line, goids assigned
 * after creation (before go1.24), the live-goroutine table under heavy
 * churn against a plain reference list, and --summary --json's text, written
 * by the tracer's JSON writer, byte for byte cJSON's.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analysis.h"
#include "check.h"
#include "names.h"
#include "profile.h"
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

/*
 * The _Gscan bit (0x1000) is stripped, as the runtime strips it; a value past
 * it (0x2004: no Go state) stays unknown, in the last slot, never WAITING.
 */
static void test_scan_bit(void)
{
	struct analysis *a;
	const struct goroutine_summary *s;
	struct goroutine_event e;

	CHECK(!analysis__new(true, NULL, NULL, &a));
	e = ev(0, 0x1000, 7, GOROUTINE_RUNNABLE, GOROUTINE_SCAN_BIT | GOROUTINE_RUNNING);
	analysis__event(a, &e);
	e = ev(10, 0x1000, 7, GOROUTINE_SCAN_BIT | GOROUTINE_RUNNING, GOROUTINE_WAITING);
	analysis__event(a, &e);
	e = ev(20, 0x1000, 7, GOROUTINE_WAITING, 0x2004);
	analysis__event(a, &e);
	s = analysis__summary(a);
	CHECK_EQ_U64(s->transitions[GOROUTINE_RUNNABLE][GOROUTINE_RUNNING], 1);
	CHECK_EQ_U64(s->transitions[GOROUTINE_RUNNING][GOROUTINE_WAITING], 1);
	CHECK_EQ_U64(s->transitions[GOROUTINE_WAITING][GOROUTINE_NSTATES - 1], 1);
	CHECK_EQ_U64(s->transitions[GOROUTINE_WAITING][GOROUTINE_WAITING], 0);
	CHECK_EQ_U64(s->state_ns[GOROUTINE_RUNNING], 10);
	analysis__delete(a);
}

/*
 * Two targets' aggregates added (summary__add): the second's wait reasons at
 * the session's index for them (several may meet at one), maxima by max,
 * everything else summed.
 */
static void test_add(void)
{
	static struct goroutine_summary a, b, out;
	uint8_t map[GOROUTINE_NREASONS];

	for (int i = 0; i < GOROUTINE_NREASONS; i++)
		map[i] = (uint8_t)i;
	map[14] = 19; /* go1.26's sleep is go1.24's 19 */
	map[7] = 19;  /* and so, for the test, is 7 */
	a.wait_count[19] = 2;
	a.wait_ns[19] = 200;
	a.wait_hist[19][3] = 2;
	a.wait_max_ns[19] = 150;
	a.schedlat_max_ns = 9;
	a.created = 5;
	b.wait_count[14] = 3;
	b.wait_ns[14] = 30;
	b.wait_hist[14][1] = 3;
	b.wait_max_ns[14] = 400;
	b.wait_count[7] = 1;
	b.wait_max_ns[7] = 1;
	b.wait_count[19] = 4; /* its own 19, mapped to itself here */
	b.schedlat_max_ns = 4;
	b.created = 6;
	b.transitions[2][4] = 8;
	summary__add(&out, &a, NULL);
	summary__add(&out, &b, map);
	CHECK_EQ_U64(out.wait_count[19], 2 + 3 + 1 + 4);
	CHECK_EQ_U64(out.wait_count[14], 0);
	CHECK_EQ_U64(out.wait_ns[19], 230);
	CHECK_EQ_U64(out.wait_hist[19][1], 3);
	CHECK_EQ_U64(out.wait_hist[19][3], 2);
	CHECK_EQ_U64(out.wait_max_ns[19], 400);
	CHECK_EQ_U64(out.wait_max_ns[14], 0);
	CHECK_EQ_U64(out.schedlat_max_ns, 9);
	CHECK_EQ_U64(out.created, 11);
	CHECK_EQ_U64(out.transitions[2][4], 8);
	/* Its 19 elsewhere: the 4 move, the 3 + 1 from 14 and 7 stay at 19. */
	map[19] = 20;
	memset(&out, 0, sizeof(out));
	summary__add(&out, &b, map);
	CHECK_EQ_U64(out.wait_count[20], 4);
	CHECK_EQ_U64(out.wait_count[19], 4);
	CHECK_EQ_U64(out.wait_max_ns[19], 400);
}

/* summary__print_json() is cJSON's own text of summary__json(), and a line. */
static void test_json_text(void)
{
	static struct profile p;
	struct analysis *a;
	struct names *n;
	struct goroutine_gkey *k;
	struct goroutine_gval *v;
	struct goroutine_event e;
	struct summary_input in = {.source = "events",
				   .elapsed_s = 1.25,
				   .leak_after_s = 0.0005,
				   .top = 10,
				   .lost = 3};
	char *text = NULL, *want;
	size_t len = 0, i;
	FILE *f;
	cJSON *j;

	p.n_waitreasons = 8;
	snprintf(p.waitreasons[7], sizeof(p.waitreasons[7]), "chan receive \"q\" \\");
	CHECK(!names__new(&p, &n));
	CHECK(!analysis__new(true, NULL, NULL, &a));
	for (i = 0; i < 50; i++) {
		e = ev(i * 1000, 0x1000 + i * 0x100, i + 1, GOROUTINE_DEAD, GOROUTINE_RUNNABLE);
		analysis__event(a, &e);
		e = ev(i * 1000 + 333, 0x1000 + i * 0x100, i + 1, GOROUTINE_RUNNABLE,
		       GOROUTINE_RUNNING);
		analysis__event(a, &e);
		e = ev(i * 1000 + 777, 0x1000 + i * 0x100, i + 1, GOROUTINE_RUNNING,
		       i % 2 ? GOROUTINE_WAITING : 0x1000 + GOROUTINE_DEAD);
		e.flags = GOROUTINE_EV_WAITREASON;
		e.waitreason = 7;
		analysis__event(a, &e);
	}
	in.sum = analysis__summary(a);
	in.now_ns = T0 + 1000 * US;
	in.names = n;
	CHECK(!analysis__live(a, &k, &v, &in.n));
	in.keys = k;
	in.vals = v;
	f = open_memstream(&text, &len);
	CHECK(f && !summary__print_json(f, &in));
	fclose(f);
	j = summary__json(&in);
	want = cJSON_PrintUnformatted(j);
	CHECK(want && text && len == strlen(want) + 1 && !strncmp(text, want, len - 1) &&
	      text[len - 1] == '\n');
	CHECK(text && strstr(text, "\"reason\":\"chan receive \\\"q\\\" \\\\\""));
	free(want);
	free(text);
	cJSON_Delete(j);
	free(k);
	free(v);
	analysis__delete(a);
	names__delete(n);
}

int main(void)
{
	test_life();
	test_pending_goid();
	test_churn();
	test_percentile();
	test_add();
	test_scan_bit();
	test_json_text();
	return check_done("test_analysis");
}
