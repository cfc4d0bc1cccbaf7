// SPDX-License-Identifier: GPL-2.0
/*
 * test_record: the `goroutine --record` file (tracer/record.c). A round trip of 200k
 * events with targets before and among them (one of them bigger than the writer's
 * buffer) gives back every byte, in order; a small file cut at every length is one
 * -ERRORS__TRUNCATED and no callback; flipped magic, version, flags, types, lengths,
 * counts, sizes, texts, order and trailing bytes each give the error they should;
 * write errors are sticky; the descriptor is close-on-exec. `test_record --bench [N]`
 * times the writer and the reader over N (default 10 M) events instead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "errors.h"
#include "record.h"

#define EV sizeof(struct goroutine_event)
#define P8(n) (((n) + 7) & ~(size_t)7)

static char dir[256];

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Every byte of event i from its index, pad included: a byte lost or moved shows. */
static void make_event(uint64_t i, struct goroutine_event *e)
{
	uint64_t w[EV / 8];
	size_t k;

	for (k = 0; k < EV / 8; k++)
		w[k] = splitmix(i * 8 + k);
	memcpy(e, w, EV);
}

/* What the callbacks saw: pointers into the buffer read, valid until it is freed. */
#define MAX_TARGETS 16
struct seen {
	int calls;
	/* M, T, E (once per run of EVENTS calls), X (SITES), D (SEED), G (GOIDS), S */
	char order[64];
	size_t norder;
	const char *meta, *stats, *sites;
	size_t meta_len, stats_len, sites_len;
	uint32_t sites_id, seed_id;
	bool seed_aligned;
	uint64_t seed_gp0, seed_goid1, seed_gopc1;
	size_t nseed;
	uint32_t goids_id;
	size_t ngoids;
	struct record_goid goid1;
	uint32_t target_id[MAX_TARGETS];
	const char *target_json[MAX_TARGETS];
	size_t target_len[MAX_TARGETS], target_at[MAX_TARGETS];
	size_t ntargets;
	size_t nev, nevcalls, max_batch;
	int event_mismatch, misaligned;
	int stop;	   /* returned by the events callback when non-zero */
	bool check_events; /* events are make_event(0...) */
	bool check_v1;	   /* ... cut to 56 bytes, with GOROUTINE_EV_SITE set */
};

static void note(struct seen *s, char c)
{
	s->calls++;
	if (s->norder && s->order[s->norder - 1] == c && c == 'E')
		return;
	if (s->norder < sizeof(s->order) - 1)
		s->order[s->norder++] = c;
}

static int cb_meta(void *ctx, const char *json, size_t len)
{
	struct seen *s = ctx;

	note(s, 'M');
	s->meta = json;
	s->meta_len = len;
	return 0;
}

static int cb_target(void *ctx, uint32_t id, const char *json, size_t len)
{
	struct seen *s = ctx;

	note(s, 'T');
	if (s->ntargets < MAX_TARGETS) {
		s->target_id[s->ntargets] = id;
		s->target_json[s->ntargets] = json;
		s->target_len[s->ntargets] = len;
		s->target_at[s->ntargets] = s->nev;
		s->ntargets++;
	}
	return 0;
}

static int cb_events(void *ctx, const struct goroutine_event *ev, size_t n)
{
	struct seen *s = ctx;
	struct goroutine_event want;
	size_t i;

	note(s, 'E');
	if ((uintptr_t)ev % 8)
		s->misaligned++;
	for (i = 0; s->check_events && i < n; i++) {
		make_event(s->nev + i, &want);
		if (memcmp(&ev[i], &want, EV))
			s->event_mismatch++;
	}
	for (i = 0; s->check_v1 && i < n; i++) {
		make_event(s->nev + i, &want);
		want.flags &= ~(GOROUTINE_EV_SITE | GOROUTINE_EV_STACK);
		want.gopc = want.startpc = want.stack_id = 0;
		if (memcmp(&ev[i], &want, EV))
			s->event_mismatch++;
	}
	s->nev += n;
	s->nevcalls++;
	if (n > s->max_batch)
		s->max_batch = n;
	return s->stop;
}

static int cb_stats(void *ctx, const char *json, size_t len)
{
	struct seen *s = ctx;

	note(s, 'S');
	s->stats = json;
	s->stats_len = len;
	return 0;
}

static int cb_sites(void *ctx, uint32_t id, const char *json, size_t len)
{
	struct seen *s = ctx;

	note(s, 'X');
	s->sites_id = id;
	s->sites = json;
	s->sites_len = len;
	return 0;
}

static int cb_seed(void *ctx, uint32_t id, const struct record_seed *v, size_t n)
{
	struct seen *s = ctx;

	note(s, 'D');
	s->seed_id = id;
	s->nseed = n;
	/* Read now: the buffer read is freed once the reader returns. */
	s->seed_aligned = (uintptr_t)v % 8 == 0;
	s->seed_gp0 = n ? v[0].g.key.gp : 0;
	s->seed_goid1 = n > 1 ? v[1].g.val.goid : 0;
	s->seed_gopc1 = n > 1 ? v[1].gopc : 0;
	return 0;
}

static int cb_goids(void *ctx, uint32_t id, const struct record_goid *v, size_t n)
{
	struct seen *s = ctx;

	note(s, 'G');
	s->goids_id = id;
	s->ngoids = n;
	if (n > 1)
		s->goid1 = v[1];
	return 0;
}

static const struct record_ops ops = {
	.meta = cb_meta,
	.target = cb_target,
	.events = cb_events,
	.sites = cb_sites,
	.seed = cb_seed,
	.goids = cb_goids,
	.stats = cb_stats,
};

static char *path_of(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* A file's bytes in a malloc'd buffer of exactly its size (so ASan sees any overread). */
static uint8_t *slurp(const char *path, size_t *len)
{
	const void *m;
	uint8_t *b;

	if (record__map_path(path, &m, len))
		return NULL;
	b = malloc(*len ? *len : 1);
	if (b)
		memcpy(b, m, *len);
	record__unmap(m, *len);
	return b;
}

/* record__read() of a copy of exactly n bytes of p. */
static int read_copy(const uint8_t *p, size_t n, struct seen *s, char *why, size_t whylen)
{
	uint8_t *c = malloc(n ? n : 1);
	int err;

	memcpy(c, p, n);
	err = record__read(c, n, &ops, s, why, whylen);
	free(c);
	return err;
}

static const char meta[] = "{\"schema_version\":1,\"tool\":\"goroutine\",\"host\":\"h\xc3\xa9\"}";
static const char target7[] = "{\"pid\":7,\"x\":\"\xe2\x82\xac\"}";
static const char stats[] = "{\"events\":3,\"lost\":0}";

/* The small file of the cut and flip tests: META, 2 TARGETs, 3 + 2 events, STATS, END. */
static uint8_t *small_file(size_t *len)
{
	struct goroutine_event e;
	struct record *r;
	uint64_t i;

	if (record__create(path_of("small"), meta, strlen(meta), &r))
		return NULL;
	record__add_target(r, 100, "{\"pid\":100}", strlen("{\"pid\":100}"));
	for (i = 0; i < 3; i++) {
		make_event(i, &e);
		record__event(r, &e);
	}
	record__add_target(r, 7, target7, strlen(target7));
	for (; i < 5; i++) {
		make_event(i, &e);
		record__event(r, &e);
	}
	if (record__finish(r, stats, strlen(stats)))
		return NULL;
	return slurp(path_of("small"), len);
}

static void test_round_trip(void)
{
	const size_t n = 200000, big_len = (5u << 20) + 3;
	struct goroutine_event e;
	struct seen s = {.check_events = true};
	struct record *r;
	char why[256], *big;
	const void *m;
	size_t len, i;

	/* A TARGET larger than the buffer goes around it: written directly, in order. */
	big = malloc(big_len);
	for (i = 0; i < big_len; i++)
		big[i] = "{}abcdefgh \"xyz\""[i % 16];
	CHECK(!record__create(path_of("rt"), meta, strlen(meta), &r));
	CHECK(!record__add_target(r, 1, "{\"id\":1}", 8));
	CHECK(!record__add_target(r, 2, "", 0));
	for (i = 0; i < n; i++) {
		if (i == 1000)
			CHECK(!record__add_target(r, 3, big, big_len));
		if (i == 150001)
			CHECK(!record__add_target(r, 1, "{\"id\":1,\"exec\":true}", 20));
		if (i == 99999)
			CHECK(!record__flush(r));
		make_event(i, &e);
		CHECK(!record__event(r, &e));
	}
	CHECK(!record__finish(r, stats, strlen(stats)));

	CHECK(!record__map_path(path_of("rt"), &m, &len));
	CHECK_EQ_U64((uintptr_t)m % 8, 0);
	CHECK_EQ_U64(record__read(m, len, &ops, &s, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	CHECK_STR(s.order, "MTTETETES");
	CHECK_EQ_U64(s.nev, n);
	CHECK_EQ_U64(s.event_mismatch, 0);
	CHECK_EQ_U64(s.misaligned, 0);
	CHECK(s.meta_len == strlen(meta) && !memcmp(s.meta, meta, s.meta_len));
	CHECK(s.stats_len == strlen(stats) && !memcmp(s.stats, stats, s.stats_len));
	CHECK_EQ_U64(s.ntargets, 4);
	CHECK(s.target_id[0] == 1 && s.target_len[0] == 8 &&
	      !memcmp(s.target_json[0], "{\"id\":1}", 8));
	CHECK(s.target_id[1] == 2 && s.target_len[1] == 0 && s.target_at[1] == 0);
	CHECK(s.target_id[2] == 3 && s.target_len[2] == big_len && s.target_at[2] == 1000 &&
	      !memcmp(s.target_json[2], big, big_len));
	CHECK(s.target_id[3] == 1 && s.target_len[3] == 20 && s.target_at[3] == 150001);
	/* Nothing but the events and the texts, each padded to 8: no slack in the format. */
	CHECK(s.nevcalls >= 5 && s.max_batch <= RECORD_MAX_BATCH);
	CHECK_EQ_U64(len, 16 + (16 + P8(strlen(meta))) + (16 + 16) + (16 + 8) +
				  (16 + 8 + P8(big_len)) + (16 + 8 + 24) + (16 + 24) + (16 + 16) +
				  s.nevcalls * (16 + 8) + n * EV);
	record__unmap(m, len);
	free(big);
}

static void test_cuts(void)
{
	size_t len, cut, bad = 0, nocb = 0;
	uint8_t *f = small_file(&len);
	struct seen s = {.check_events = true};
	char why[256];

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ_U64(record__read(f, len, &ops, &s, why, sizeof(why)), 0);
	CHECK_STR(s.order, "MTETES");
	CHECK_EQ_U64(s.nev, 5);
	CHECK_EQ_U64(s.event_mismatch, 0);
	for (cut = 0; cut < len; cut++) {
		struct seen t = {};
		int err = read_copy(f, cut, &t, why, sizeof(why));

		if (err != -ERRORS__TRUNCATED || !strstr(why, "offset ")) {
			fprintf(stderr, "cut at %zu: %d (%s)\n", cut, err, why);
			bad++;
		}
		if (t.calls)
			nocb++;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(nocb, 0);
	free(f);
}

/* f (len bytes) with a u32 or u64 at off replaced, read: the error and why's words. */
static void flip(const uint8_t *f, size_t len, size_t off, int width, uint64_t v, int want,
		 const char *word, int line)
{
	uint8_t *c = malloc(len);
	struct seen s = {};
	char why[256];
	int err;

	memcpy(c, f, len);
	if (width == 1)
		c[off] = (uint8_t)v;
	else if (width == 4)
		memcpy(c + off, &(uint32_t){(uint32_t)v}, 4);
	else
		memcpy(c + off, &v, 8);
	err = record__read(c, len, &ops, &s, why, sizeof(why));
	if (err != want || (want && (s.calls || !strstr(why, word)))) {
		fprintf(stderr, "line %d: flip at %zu to 0x%llx: %d, want %d; %d calls; why: %s\n",
			line, off, (unsigned long long)v, err, want, s.calls, why);
		check_failures++;
	}
	check_count++;
	free(c);
}

#define FLIP(off, w, v, want, word) flip(f, len, off, w, v, want, word, __LINE__)

static void test_flips(void)
{
	size_t len, meta_chunk = 16, t1, ev1, stats_off, end_off;
	uint8_t *f = small_file(&len);
	uint64_t plen;

	CHECK(f != NULL);
	if (!f)
		return;
	/* Find the chunks by walking the headers, as a reader would. */
	memcpy(&plen, f + meta_chunk + 8, 8);
	t1 = meta_chunk + 16 + ((plen + 7) & ~7ull);
	memcpy(&plen, f + t1 + 8, 8);
	ev1 = t1 + 16 + ((plen + 7) & ~7ull);
	end_off = len - 32;
	stats_off = end_off - 16 - ((strlen(stats) + 7) & ~7ul);
	CHECK_EQ_U64(f[ev1], RECORD_CHUNK_EVENTS);
	CHECK_EQ_U64(f[stats_off], RECORD_CHUNK_STATS);
	CHECK_EQ_U64(f[end_off], RECORD_CHUNK_END);

	FLIP(0, 1, 'g', -ERRORS__FORMAT, "magic");
	FLIP(7, 1, 0, -ERRORS__FORMAT, "magic");
	FLIP(8, 4, 2, -ERRORS__FORMAT, "version 2");
	FLIP(8, 4, 0, -ERRORS__FORMAT, "version 0");
	FLIP(12, 4, 1, -ERRORS__FORMAT, "flags");
	FLIP(meta_chunk, 4, RECORD_CHUNK_TARGET, -ERRORS__CORRUPT,
	     "offset 16: first chunk is TARGET");
	FLIP(meta_chunk, 4, 0, -ERRORS__CORRUPT, "type 0");
	FLIP(t1, 4, 99, -ERRORS__FORMAT, "not optional");
	FLIP(t1 + 4, 4, 2, -ERRORS__FORMAT, "flags 0x2");
	/* OPTIONAL on a known type changes nothing (skipping unknown ones: test_built). */
	FLIP(t1 + 4, 4, RECORD_CHUNK_OPTIONAL, 0, "");
	FLIP(t1, 4, RECORD_CHUNK_META, -ERRORS__CORRUPT, "second META");
	/* A TARGET read as STATS: its binary id is not text. */
	FLIP(t1, 4, RECORD_CHUNK_STATS, -ERRORS__CORRUPT, "STATS text has a NUL");
	FLIP(t1, 4, RECORD_CHUNK_END, -ERRORS__CORRUPT, "impossible");
	FLIP(t1 + 16 + 4, 4, 1, -ERRORS__CORRUPT, "reserved");
	FLIP(t1 + 16 + 8, 1, 0, -ERRORS__CORRUPT, "NUL");
	FLIP(t1 + 16 + 8, 1, 0xc0, -ERRORS__CORRUPT, "UTF-8");
	FLIP(meta_chunk + 16 + 1, 1, 0xff, -ERRORS__CORRUPT, "offset 33: META text");
	FLIP(t1 + 16 + 8 + 11, 1, ' ', -ERRORS__CORRUPT, "padding is not zero");
	/* Lengths: huge ones (overflow) are impossible for the type, plausible ones run out. */
	FLIP(ev1 + 8, 8, UINT64_MAX, -ERRORS__CORRUPT, "impossible");
	FLIP(ev1 + 8, 8, UINT64_MAX - 15, -ERRORS__CORRUPT, "impossible");
	FLIP(ev1 + 8, 8, 1ull << 63, -ERRORS__CORRUPT, "impossible");
	FLIP(meta_chunk + 8, 8, RECORD_MAX_TEXT + 1ull, -ERRORS__CORRUPT, "impossible");
	FLIP(ev1 + 8, 8, 1u << 30, -ERRORS__TRUNCATED, "only");
	FLIP(t1, 4, 1000, -ERRORS__FORMAT, "unknown");
	FLIP(ev1 + 8, 8, 8 + 4 * EV, -ERRORS__CORRUPT, "3 events of 80 bytes");
	FLIP(ev1 + 8, 8, 0, -ERRORS__CORRUPT, "less than its 8-byte prefix");
	FLIP(ev1 + 8, 8, 4, -ERRORS__CORRUPT, "padding is not zero");
	FLIP(ev1 + 16, 4, 64, -ERRORS__FORMAT, "events of 64 bytes");
	FLIP(ev1 + 16, 4, 0, -ERRORS__FORMAT, "events of 0 bytes");
	FLIP(ev1 + 20, 4, 4, -ERRORS__CORRUPT, "4 events");
	FLIP(ev1 + 20, 4, UINT32_MAX, -ERRORS__CORRUPT, "4294967295 events");
	FLIP(ev1 + 20, 4, 0, -ERRORS__CORRUPT, "0 events");
	FLIP(stats_off, 4, RECORD_CHUNK_TARGET, -ERRORS__CORRUPT, "reserved");
	FLIP(end_off, 4, RECORD_CHUNK_EVENTS, -ERRORS__CORRUPT, "EVENTS chunk after STATS");
	FLIP(end_off + 8, 8, 24, -ERRORS__CORRUPT, "impossible");
	FLIP(end_off + 16, 8, 6, -ERRORS__CORRUPT, "END counts 6 events, the file holds 5");
	FLIP(end_off + 24, 8, 1, -ERRORS__CORRUPT, "END counts 1 chunks");
	free(f);
}

/* A tiny file builder for orders and chunks the writer never makes. */
struct fb {
	uint8_t b[4096];
	size_t n;
};

static void fb_put(struct fb *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void fb_chunk(struct fb *b, uint32_t type, uint32_t flags, const void *p, size_t n)
{
	uint64_t len = n;

	fb_put(b, &type, 4);
	fb_put(b, &flags, 4);
	fb_put(b, &len, 8);
	fb_put(b, p, n);
	memset(b->b + b->n, 0, -n & 7);
	b->n += -n & 7;
}

static void fb_header(struct fb *b)
{
	uint32_t v[2] = {RECORD_VERSION, 0};

	b->n = 0;
	fb_put(b, RECORD_MAGIC, 8);
	fb_put(b, v, 8);
}

static void fb_end(struct fb *b, uint64_t events, uint64_t chunks)
{
	uint64_t e[2] = {events, chunks};

	fb_chunk(b, RECORD_CHUNK_END, 0, e, sizeof(e));
}

static void fb_events(struct fb *b, uint64_t first, uint32_t n)
{
	uint8_t p[8 + 4 * EV];
	uint32_t size = EV;
	uint32_t i;

	memcpy(p, &size, 4);
	memcpy(p + 4, &n, 4);
	for (i = 0; i < n; i++)
		make_event(first + i, (struct goroutine_event *)(p + 8 + i * EV));
	fb_chunk(b, RECORD_CHUNK_EVENTS, 0, p, 8 + n * EV);
}

static int fb_read(struct fb *b, struct seen *s, char *why)
{
	return read_copy(b->b, b->n, s, why, 256);
}

static void test_built(void)
{
	struct seen s = {.check_events = true};
	char why[256];
	struct fb b;

	/* Optional chunks of unknown types are skipped, and counted by END. */
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, 77, RECORD_CHUNK_OPTIONAL, "index", 5);
	fb_events(&b, 0, 2);
	fb_chunk(&b, 78, RECORD_CHUNK_OPTIONAL, "", 0);
	fb_events(&b, 2, 1);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 3, 6);
	CHECK_EQ_U64(fb_read(&b, &s, why), 0);
	CHECK_STR(s.order, "MES");
	CHECK_EQ_U64(s.nev, 3);
	CHECK_EQ_U64(s.event_mismatch, 0);

	/* ... but an unknown chunk a reader must understand is refused. */
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, 77, 0, "index", 5);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 0, 3);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__FORMAT);
	CHECK(strstr(why, "offset 40: chunk type 77") != NULL);
	CHECK_EQ_U64(s.calls, 0);

	/* An optional unknown chunk with a length past the end: cut short. */
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, 77, RECORD_CHUNK_OPTIONAL, "index", 5);
	memcpy(b.b + 40 + 8, &(uint64_t){UINT64_MAX - 7}, 8);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__TRUNCATED);
	CHECK_EQ_U64(s.calls, 0);

	/* Two STATS; nothing between STATS and END; an empty META is fine. */
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "", 0);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 0, 3);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__CORRUPT);
	CHECK(strstr(why, "STATS chunk after STATS") != NULL);
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "", 0);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_chunk(&b, 77, RECORD_CHUNK_OPTIONAL, "x", 1);
	fb_end(&b, 0, 3);
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__CORRUPT);
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "", 0);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "", 0);
	fb_end(&b, 0, 2);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_U64(fb_read(&b, &s, why), 0);
	CHECK_STR(s.order, "MS");
	/* Bytes after END. */
	fb_put(&b, "\0\0\0\0\0\0\0\0", 8);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__CORRUPT);
	CHECK(strstr(why, "8 bytes after the END chunk") != NULL);
	CHECK_EQ_U64(s.calls, 0);

	/* Texts: UTF-8 as RFC 3629 has it, or refused (overlong, surrogate, past U+10FFFF, cut). */
	static const struct {
		const char *s;
		int ok;
	} texts[] = {
		{"\xf0\x9f\x98\x80 \xc3\xa9 \xe2\x82\xac \xf4\x8f\xbf\xbf", 1},
		{"\xc0\x80", 0},
		{"\xe0\x80\x80", 0},
		{"\xed\xa0\x80", 0},
		{"\xf4\x90\x80\x80", 0},
		{"\xf8\x88\x80\x80\x80", 0},
		{"abcdefgh\xe2\x82", 0},
		{"\x80", 0},
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		fb_header(&b);
		fb_chunk(&b, RECORD_CHUNK_META, 0, texts[i].s, strlen(texts[i].s));
		fb_chunk(&b, RECORD_CHUNK_STATS, 0, "", 0);
		fb_end(&b, 0, 2);
		memset(&s, 0, sizeof(s));
		CHECK_EQ_U64(fb_read(&b, &s, why), texts[i].ok ? 0 : -ERRORS__CORRUPT);
		CHECK(texts[i].ok || strstr(why, "not UTF-8"));
	}

	/* END without STATS. */
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "", 0);
	fb_end(&b, 0, 1);
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__CORRUPT);
	CHECK(strstr(why, "offset 32: END chunk before STATS") != NULL);

	/* Only a header: truncated; a few bytes of something else: not a record. */
	fb_header(&b);
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__TRUNCATED);
	CHECK(strstr(why, "no END chunk") != NULL);
	b.n = 0;
	fb_put(&b,
	       "\x7f"
	       "ELF",
	       4);
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__FORMAT);
	CHECK(strstr(why, "bad magic") != NULL);
}

/*
 * Files recorded before gopc and startpc hold 56-byte events: each is read as
 * today's with no site (its first 56 bytes the same, the rest zero, the flag
 * off); a SITES chunk is handed over in file order, before the events; and
 * so is a SEED chunk, whose entries are checked and handed over in place.
 */
static void test_new_chunks(void)
{
	struct seen s = {.check_v1 = true};
	uint8_t p[8 + 3 * 56];
	uint32_t size = 56, n = 3;
	char why[256];
	struct fb b;

	memcpy(p, &size, 4);
	memcpy(p + 4, &n, 4);
	for (uint32_t i = 0; i < n; i++) {
		struct goroutine_event e;

		make_event(i, &e);
		e.flags |= GOROUTINE_EV_SITE;
		memcpy(p + 8 + i * 56, &e, 56);
	}
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, RECORD_CHUNK_SITES, RECORD_CHUNK_OPTIONAL, "\x07\0\0\0\0\0\0\0[]", 10);
	fb_chunk(&b, RECORD_CHUNK_EVENTS, 0, p, sizeof(p));
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 3, 4);
	CHECK_EQ_U64(fb_read(&b, &s, why), 0);
	CHECK_STR(s.order, "MXES");
	CHECK_EQ_U64(s.nev, 3);
	CHECK_EQ_U64(s.sites_id, 7);
	CHECK_EQ_U64(s.sites_len, 2);
	CHECK_EQ_U64(s.misaligned, 0);
	CHECK_EQ_U64(s.event_mismatch, 0);

	/* A SITES chunk with a bad reserved field, or one cut before its id. */
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, RECORD_CHUNK_SITES, RECORD_CHUNK_OPTIONAL, "\0\0\0\0\1\0\0\0[]", 10);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 0, 3);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__CORRUPT);
	CHECK(strstr(why, "SITES's reserved field") != NULL);
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, RECORD_CHUNK_SITES, RECORD_CHUNK_OPTIONAL, "\0\0\0", 3);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 0, 3);
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__CORRUPT);
	CHECK(strstr(why, "less than its 8-byte id") != NULL);

	/* SEED: whole entries of the size it says, in place, and only before the events. */
	struct {
		uint32_t id, size;
		struct record_seed v[2];
	} seed = {.id = 3, .size = sizeof(struct record_seed)};
	seed.v[0].g.key.gp = 0xc000001000;
	seed.v[1].g.val.goid = 42;
	seed.v[1].gopc = 0x401234;
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, RECORD_CHUNK_SEED, 0, &seed, sizeof(seed));
	fb_events(&b, 0, 1);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 1, 4);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_U64(fb_read(&b, &s, why), 0);
	CHECK_STR(s.order, "MDES");
	CHECK_EQ_U64(s.seed_id, 3);
	CHECK_EQ_U64(s.nseed, 2);
	CHECK(s.seed_aligned);
	CHECK(s.seed_gp0 == 0xc000001000 && s.seed_goid1 == 42 && s.seed_gopc1 == 0x401234);
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_events(&b, 0, 1);
	fb_chunk(&b, RECORD_CHUNK_SEED, 0, &seed, sizeof(seed));
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 1, 4);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__CORRUPT);
	CHECK(strstr(why, "SEED chunk after events") != NULL);
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, RECORD_CHUNK_SEED, 0, &seed, sizeof(seed) - 8);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 0, 3);
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__CORRUPT);
	CHECK(strstr(why, "not whole entries") != NULL);
	seed.size = 96;
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, RECORD_CHUNK_SEED, 0, &seed, sizeof(seed));
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 0, 3);
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__FORMAT);
	CHECK(strstr(why, "SEED entries of 96 bytes") != NULL);
}

/*
 * GOIDS: the goids read after an event, written after it (its EVENTS chunk
 * closed first) and handed over in file order; entries of another size are
 * refused, a cut entry is corruption.
 */
static void test_goids(void)
{
	struct record_goid v[2] = {{.tgid = 7, .gp = 0xc000100000, .goid = 3},
				   {.tgid = 8, .gp = 0xc000200000, .goid = 41}};
	struct goroutine_event e;
	struct seen s = {};
	struct record *r;
	char why[256];
	uint8_t *f;
	size_t len;
	struct fb b;

	CHECK(!record__create(path_of("goids"), meta, strlen(meta), &r));
	make_event(0, &e);
	CHECK(!record__event(r, &e));
	CHECK(!record__add_goids(r, 5, v, 2));
	make_event(1, &e);
	CHECK(!record__event(r, &e));
	CHECK_EQ_U64(record__add_goids(r, 5, v, 0), -EINVAL);
	CHECK(!record__finish(r, stats, strlen(stats)));
	f = slurp(path_of("goids"), &len);
	CHECK_EQ_U64(read_copy(f, len, &s, why, sizeof(why)), 0);
	CHECK_STR(s.order, "MEGES");
	CHECK_EQ_U64(s.goids_id, 5);
	CHECK_EQ_U64(s.ngoids, 2);
	CHECK(s.goid1.tgid == 8 && s.goid1.gp == 0xc000200000 && s.goid1.goid == 41);
	free(f);

	struct {
		uint32_t id, size;
		struct record_goid v[1];
	} g = {.id = 1, .size = 16, .v = {{.tgid = 1, .gp = 2, .goid = 3}}};
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, RECORD_CHUNK_GOIDS, RECORD_CHUNK_OPTIONAL, &g, sizeof(g));
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 0, 3);
	memset(&s, 0, sizeof(s));
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__FORMAT);
	CHECK(strstr(why, "GOIDS entries of 16 bytes") != NULL);
	g.size = sizeof(struct record_goid);
	fb_header(&b);
	fb_chunk(&b, RECORD_CHUNK_META, 0, "{}", 2);
	fb_chunk(&b, RECORD_CHUNK_GOIDS, RECORD_CHUNK_OPTIONAL, &g, sizeof(g) - 8);
	fb_chunk(&b, RECORD_CHUNK_STATS, 0, "{}", 2);
	fb_end(&b, 0, 3);
	CHECK_EQ_U64(fb_read(&b, &s, why), -ERRORS__CORRUPT);
	CHECK(strstr(why, "not whole entries") != NULL);
}

static void test_empty_and_zero(void)
{
	struct seen s = {};
	struct record *r;
	char why[256];
	const void *m;
	size_t len;
	int fd;

	/* An empty file (the tracer died before its first write). */
	fd = open(path_of("empty"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	close(fd);
	CHECK(!record__map_path(path_of("empty"), &m, &len));
	CHECK_EQ_U64(len, 0);
	CHECK_EQ_U64(record__read(m, len, &ops, &s, why, sizeof(why)), -ERRORS__TRUNCATED);
	CHECK(strstr(why, "empty file") != NULL);
	record__unmap(m, len);
	CHECK_EQ_U64(record__read(NULL, 0, &ops, &s, why, sizeof(why)), -ERRORS__TRUNCATED);
	CHECK_EQ_U64(s.calls, 0);

	/* A file with no events: meta and stats, no events callback. */
	CHECK(!record__create(path_of("zero"), meta, strlen(meta), &r));
	CHECK(!record__finish(r, NULL, 0));
	CHECK(!record__map_path(path_of("zero"), &m, &len));
	CHECK_EQ_U64(record__read(m, len, &ops, &s, why, sizeof(why)), 0);
	CHECK_STR(s.order, "MS");
	CHECK_EQ_U64(s.stats_len, 0);
	/* NULL ops or callbacks: validated only. */
	CHECK_EQ_U64(record__read(m, len, NULL, NULL, NULL, 0), 0);
	record__unmap(m, len);

	/* Mapping refuses what is not a regular file. */
	CHECK_EQ_U64(record__map_path("/dev/null", &m, &len), -EINVAL);
	CHECK_EQ_U64(record__map_path(dir, &m, &len), -EISDIR);
	CHECK_EQ_U64(record__map_path(path_of("nonexistent"), &m, &len), -ENOENT);
}

static void test_reader_api(void)
{
	size_t len;
	uint8_t *f = small_file(&len), *c;
	struct seen s = {.stop = -ECANCELED};
	char why[8];

	CHECK(f != NULL);
	if (!f)
		return;
	/* A callback's error stops the replay, and is what the read returns. */
	CHECK_EQ_U64(record__read(f, len, &ops, &s, NULL, 0), -ECANCELED);
	CHECK_STR(s.order, "MTE");
	CHECK_STR(record__strerror(-ERRORS__TRUNCATED),
		  "truncated record file (the recording was cut short)");
	CHECK_STR(record__strerror(-ENOENT), errors__str(-ENOENT));
	/* A misaligned buffer would hand out misaligned events: refused. */
	c = malloc(len + 1);
	memcpy(c + 1, f, len);
	CHECK_EQ_U64(record__read(c + 1, len, &ops, &s, NULL, 0), -EINVAL);
	CHECK_EQ_U64(record__read(NULL, 5, &ops, &s, NULL, 0), -EINVAL);
	/* A short why buffer is cut, still terminated. */
	c[0] = 'X';
	CHECK_EQ_U64(record__read(c, len, &ops, &s, why, sizeof(why)), -ERRORS__FORMAT);
	CHECK_STR(why, "offset ");
	free(c);
	free(f);
}

/* True when the descriptor of path in this process has FD_CLOEXEC. */
static int cloexec_of(const char *path)
{
	char link[300], target[512];
	struct dirent *d;
	int found = -1;
	DIR *dp = opendir("/proc/self/fd");

	while (dp && (d = readdir(dp))) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (!strcmp(target, path))
			found = (fcntl(atoi(d->d_name), F_GETFD) & FD_CLOEXEC) ? 1 : 0;
	}
	if (dp)
		closedir(dp);
	return found;
}

static void test_writer(void)
{
	struct goroutine_event e;
	struct record *r;
	struct seen s = {.check_events = true};
	char why[256];
	size_t len, i;
	uint8_t *f;
	int err = 0;

	/* Bad texts are refused before anything is written. */
	CHECK_EQ_U64(record__create(path_of("w"), "\xff", 1, &r), -EINVAL);
	CHECK_EQ_U64(record__create(path_of("no/such/dir"), "{}", 2, &r), -ENOENT);
	CHECK(!record__create(path_of("w"), "{}", 2, &r));
	CHECK_EQ_U64(cloexec_of(path_of("w")), 1);
	CHECK_EQ_U64(record__add_target(r, 1, "a\0b", 3), -EINVAL);
	CHECK_EQ_U64(record__add_target(r, 1, NULL, 1), -EINVAL);
	CHECK_EQ_U64(record__add_target(r, 1, "{}", RECORD_MAX_TEXT + 1), -EINVAL);
	for (i = 0; i < 10; i++) {
		make_event(i, &e);
		CHECK(!record__event(r, &e));
	}
	/* Flushed but not finished: the file on disk reads as cut short. */
	CHECK(!record__flush(r));
	f = slurp(path_of("w"), &len);
	CHECK_EQ_U64(read_copy(f, len, &s, why, sizeof(why)), -ERRORS__TRUNCATED);
	CHECK_EQ_U64(s.calls, 0);
	free(f);
	/* Discarded: what was buffered is written, still without END. */
	for (; i < 20; i++) {
		make_event(i, &e);
		record__event(r, &e);
	}
	record__discard(r);
	record__discard(NULL);
	f = slurp(path_of("w"), &len);
	CHECK_EQ_U64(len, 16 + 24 + 2 * (24 + 10 * EV));
	CHECK_EQ_U64(read_copy(f, len, &s, why, sizeof(why)), -ERRORS__TRUNCATED);
	CHECK(strstr(why, "no END chunk after 3 chunks") != NULL);
	free(f);

	/* A write error (the disk is full) is sticky, and finish reports it. */
	CHECK(!record__create("/dev/full", "{}", 2, &r));
	for (i = 0; i < 200000 && !err; i++) {
		make_event(i, &e);
		err = record__event(r, &e);
	}
	CHECK_EQ_U64(err, -ENOSPC);
	CHECK_EQ_U64(record__event(r, &e), -ENOSPC);
	CHECK_EQ_U64(record__add_target(r, 1, "{}", 2), -ENOSPC);
	CHECK_EQ_U64(record__flush(r), -ENOSPC);
	CHECK_EQ_U64(record__finish(r, "{}", 2), -ENOSPC);

	/* finish with a bad text still frees (ASan/valgrind see a leak otherwise). */
	CHECK(!record__create(path_of("w2"), "{}", 2, &r));
	CHECK_EQ_U64(record__finish(r, "\xc0\x80", 2), -EINVAL);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

struct bench {
	uint64_t n, sum;
};

static int count_events(void *ctx, const struct goroutine_event *ev, size_t n)
{
	(void)ev;
	((struct bench *)ctx)->n += n;
	return 0;
}

/* Reads each event, as any report must: the reader's cost plus the memory traffic. */
static int sum_events(void *ctx, const struct goroutine_event *ev, size_t n)
{
	struct bench *b = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		b->sum += ev[i].ts_ns ^ ev[i].goid ^ ev[i].new_state;
	b->n += n;
	return 0;
}

static int bench(uint64_t n)
{
	static const struct record_ops counting = {.events = count_events};
	static const struct record_ops summing = {.events = sum_events};
	struct goroutine_event *evs = calloc(1024, EV);
	struct bench b = {};
	const char *out[2] = {"/dev/null", path_of("bench")};
	struct record *r;
	double t0, t;
	const void *m;
	size_t len;
	uint64_t i;
	int k, err;

	for (i = 0; i < 1024; i++)
		make_event(i, &evs[i]);
	for (k = 0; k < 2; k++) {
		CHECK(!record__create(out[k], meta, strlen(meta), &r));
		t0 = now();
		for (i = 0; i < n; i++)
			record__event(r, &evs[i & 1023]);
		err = record__finish(r, stats, strlen(stats));
		t = now() - t0;
		CHECK(!err);
		printf("writer -> %-20s %llu events in %.3f s: %.1f M events/s\n", out[k],
		       (unsigned long long)n, t, n / t / 1e6);
	}
	CHECK(!record__map_path(path_of("bench"), &m, &len));
	/* Counting: the reader's own cost (it validates chunk headers, not each event). Summing:
	 * that plus reading every event from the mapping, first faulting the pages in. */
	for (k = 0; k < 4; k++) {
		b.n = 0;
		t0 = now();
		err = record__read(m, len, k >= 2 ? &summing : &counting, &b, NULL, 0);
		t = now() - t0;
		CHECK(!err && b.n == n);
		printf("reader, %s, %s: %llu events (%.0f MB) in %.6f s: %.1f M events/s\n",
		       k >= 2 ? "reading each event" : "counting", k % 2 ? "again" : "first",
		       (unsigned long long)n, len / 1e6, t, n / t / 1e6);
	}
	record__unmap(m, len);
	unlink(path_of("bench"));
	free(evs);
	return check_done("test_record --bench");
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	int rc;

	snprintf(dir, sizeof(dir), "%s/test_record.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--bench")) {
		rc = bench(argc > 2 ? strtoull(argv[2], NULL, 0) : 10000000);
	} else {
		test_round_trip();
		test_cuts();
		test_flips();
		test_built();
		test_new_chunks();
		test_goids();
		test_empty_and_zero();
		test_reader_api();
		test_writer();
		rc = check_done("test_record");
	}
	/* The few files made here, then the directory. */
	for (const char *const *f = (const char *const[]){"rt", "small", "empty", "zero", "w", "w2",
							  "goids", "bench", NULL};
	     *f; f++)
		unlink(path_of(*f));
	rmdir(dir);
	return rc;
}
