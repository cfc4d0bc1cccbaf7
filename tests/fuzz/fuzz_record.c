// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_record: the input is a `goroutine --record` file (tracer/record.c), which a
 * report may be handed from anywhere. record__read() must either replay it or refuse
 * it with one of the three file errors and a reason naming an offset, and when it
 * refuses, no callback may have run (no partial replay). When it replays, every byte
 * handed to a callback is read (so ASan sees a range outside the input), texts are
 * NUL-free and at most 16 MiB, events are 8-byte aligned and lie inside the input (or,
 * for the 56-byte events of older files, in the reader's own buffer of converted ones,
 * at most 1024 at a time), and the calls come in the promised order: one meta first,
 * one stats last.
 */
#include <errno.h>
#include <string.h>

#include "errors.h"
#include "fuzz.h"
#include "record.h"

struct seen {
	const uint8_t *data;
	size_t size;
	int meta, stats, other;
	uint64_t sum;
};

/* Read every byte of [p, p + n), and check that it lies inside the input. */
static void touch(struct seen *s, const void *p, size_t n)
{
	const volatile uint8_t *b = p;
	size_t i;

	FUZZ_CHECK(!n || ((const uint8_t *)p >= s->data && n <= s->size &&
			  (const uint8_t *)p - s->data <= (ptrdiff_t)(s->size - n)));
	for (i = 0; i < n; i++)
		s->sum += b[i];
}

static void text(struct seen *s, const char *json, size_t len)
{
	FUZZ_CHECK(len <= RECORD_MAX_TEXT);
	FUZZ_CHECK(!memchr(json, 0, len));
	touch(s, json, len);
}

static int on_meta(void *ctx, const char *json, size_t len)
{
	struct seen *s = ctx;

	FUZZ_CHECK(!s->meta && !s->stats && !s->other);
	s->meta++;
	text(s, json, len);
	return 0;
}

static int on_target(void *ctx, uint32_t id, const char *json, size_t len)
{
	struct seen *s = ctx;

	FUZZ_CHECK(s->meta && !s->stats);
	s->other++;
	s->sum += id;
	text(s, json, len);
	return 0;
}

static int on_events(void *ctx, const struct goroutine_event *ev, size_t n)
{
	struct seen *s = ctx;

	FUZZ_CHECK(s->meta && !s->stats && n);
	FUZZ_CHECK((uintptr_t)ev % 8 == 0);
	s->other++;
	if ((const uint8_t *)ev >= s->data && (const uint8_t *)ev < s->data + s->size) {
		FUZZ_CHECK(n <= s->size / sizeof(*ev));
		touch(s, ev, n * sizeof(*ev));
	} else {
		const volatile uint8_t *b = (const void *)ev;

		/* Converted: a buffer of the reader's (ASan sees a read past it). */
		FUZZ_CHECK(n <= 1024);
		for (size_t i = 0; i < n * sizeof(*ev); i++)
			s->sum += b[i];
	}
	return 0;
}

static int on_sites(void *ctx, uint32_t id, const char *json, size_t len)
{
	struct seen *s = ctx;

	FUZZ_CHECK(s->meta && !s->stats);
	s->other++;
	s->sum += id;
	text(s, json, len);
	return 0;
}

static int on_seed(void *ctx, uint32_t id, const struct record_seed *v, size_t n)
{
	struct seen *s = ctx;

	FUZZ_CHECK(s->meta && !s->stats && n);
	FUZZ_CHECK((uintptr_t)v % 8 == 0);
	s->other++;
	s->sum += id;
	touch(s, v, n * sizeof(*v));
	return 0;
}

static int on_goids(void *ctx, uint32_t id, const struct record_goid *v, size_t n)
{
	struct seen *s = ctx;

	FUZZ_CHECK(s->meta && !s->stats && n);
	FUZZ_CHECK((uintptr_t)v % 8 == 0);
	s->other++;
	s->sum += id;
	touch(s, v, n * sizeof(*v));
	return 0;
}

static int on_stats(void *ctx, const char *json, size_t len)
{
	struct seen *s = ctx;

	FUZZ_CHECK(s->meta && !s->stats);
	s->stats++;
	text(s, json, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct record_ops ops = {
		.seed = on_seed,
		.goids = on_goids,
		.meta = on_meta,
		.target = on_target,
		.events = on_events,
		.sites = on_sites,
		.stats = on_stats,
	};
	struct seen s = {.data = data, .size = size};
	char why[256];
	int err;

	why[0] = 'x';
	err = record__read(data, size, &ops, &s, why, sizeof(why));
	/* libFuzzer's and replay.c's copies are malloc'd, so aligned; the rest is refused. */
	if (size && (uintptr_t)data % 8) {
		FUZZ_CHECK(err == -EINVAL && !s.meta && !s.other);
		return 0;
	}
	FUZZ_CHECK(fuzz_terminated(why, sizeof(why)));
	if (err) {
		FUZZ_CHECK(err == -ERRORS__TRUNCATED || err == -ERRORS__CORRUPT ||
			   err == -ERRORS__FORMAT);
		FUZZ_CHECK(!strncmp(why, "offset ", 7));
		FUZZ_CHECK(!s.meta && !s.stats && !s.other);
		return 0;
	}
	FUZZ_CHECK(!why[0]);
	FUZZ_CHECK(s.meta == 1 && s.stats == 1);
	/* The smallest complete file: header, empty META and STATS, END. */
	FUZZ_CHECK(size >= 16 + 16 + 16 + 32);
	return 0;
}
