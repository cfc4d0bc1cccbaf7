// SPDX-License-Identifier: GPL-2.0
/*
 * record: the writer and the reader of the `goroutine --record` file (the format is
 * described byte by byte in record.h). The writer keeps one buffer that holds the file's
 * next bytes; an EVENTS chunk is left open in it while events arrive, so the hot path is
 * a compare and a memcpy and the chunk header is filled in only when the chunk closes.
 * The reader walks the buffer twice with the same code: once to validate everything,
 * then, only if all of it is valid, to call back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "record.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the record format is little-endian and holds the events as the kernel wrote them"
#endif

#define EV_SIZE sizeof(struct goroutine_event)
/* Events follow an 8-byte prefix after an aligned header: each stays aligned if this holds. */
_Static_assert(EV_SIZE % 8 == 0, "struct goroutine_event must stay a multiple of 8 bytes");
/*
 * The event size in the file says which layout it is. If the struct changes, files
 * recorded before still hold the older events: teach walk() to read (or convert) every
 * size, then change this. Older sizes are today's first bytes (fields are only added at
 * the end), converted with the rest zero and the flags of the missing fields cleared:
 *   56  before gopc and startpc (GOROUTINE_EV_SITE)
 *   72  before stack_id (GOROUTINE_EV_STACK)
 */
_Static_assert(EV_SIZE == 80, "struct goroutine_event changed: see the comment above");
_Static_assert(__builtin_offsetof(struct goroutine_event, gopc) == 56 &&
		       __builtin_offsetof(struct goroutine_event, stack_id) == 72,
	       "an older event is the start of today's");
static const struct {
	uint32_t size;
	uint8_t lacks; /* flags of fields past it */
} old_sizes[] = {
	{56, GOROUTINE_EV_SITE | GOROUTINE_EV_STACK},
	{72, GOROUTINE_EV_STACK},
};

/* The flags an event of size lacks, or -1 for a size this reader does not know. */
static int old_size(uint32_t size)
{
	for (size_t i = 0; i < sizeof(old_sizes) / sizeof(old_sizes[0]); i++)
		if (old_sizes[i].size == size)
			return old_sizes[i].lacks;
	return -1;
}
#define SEED_SIZE sizeof(struct record_seed)
_Static_assert(SEED_SIZE == 120 && SEED_SIZE % 8 == 0,
	       "struct record_seed changed: a new size, and the reader told of it");
/* SEED entries per chunk: a 100k-goroutine seed is a few chunks, each a buffer or less. */
#define SEED_BATCH 16384
#define GOID_SIZE sizeof(struct record_goid)
_Static_assert(GOID_SIZE == 24, "struct record_goid is the file's layout");
/* Old events are converted this many at a time. */
#define CONVERT_BATCH 1024
_Static_assert(RECORD_HEADER_SIZE % 8 == 0 && RECORD_CHUNK_HEADER_SIZE % 8 == 0,
	       "chunks must start 8-byte aligned");

/* 4 MiB: a whole 64 Ki-event chunk (3.5 MiB) fits, and write(2) runs ~30 times a second at
 * 1 M events/s. */
#define BUF_SIZE (4u << 20)
#define EVENTS_PREFIX 8 /* u32 event size, u32 count */
#define END_PAYLOAD 16

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct record {
	/* pos == lim sends record__event() to the slow path: no open chunk, full, or failed. */
	char *pos;   /* the end of the file's bytes in buf */
	char *lim;   /* where the open EVENTS chunk is full */
	char *chunk; /* the open EVENTS chunk's header, NULL when none */
	char *buf;
	int fd;
	int err;	 /* sticky: the first write error */
	uint64_t events; /* in closed chunks */
	uint64_t chunks;
};

static void put32(char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static size_t pad8(uint64_t n)
{
	return (size_t)(-n & 7);
}

/*
 * The offset of the first byte of s[0, n) that is a NUL or not part of well-formed UTF-8
 * (no overlong forms, no surrogates, nothing past U+10FFFF), or n when there is none.
 * ASCII, the bulk of any JSON, goes 8 bytes at a time.
 */
static size_t text_bad(const uint8_t *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0, k, j;
	uint32_t cp, min;

	while (i < n) {
		uint64_t w;
		uint8_t c;

		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			/* No high bit and no zero byte in the word. */
			if (!((w | ((w - ones) & ~w)) & highs)) {
				i += 8;
				continue;
			}
		}
		c = s[i];
		if (!c)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (n - i <= k)
			return i;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += k + 1;
	}
	return n;
}

static bool text_ok(const char *s, size_t len)
{
	return len <= RECORD_MAX_TEXT && (!len || s) && text_bad((const uint8_t *)s, len) == len;
}

/* --- writer ---------------------------------------------------------------------------- */

static int write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!w)
			return -EIO;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static int fail(struct record *r, int err)
{
	r->err = err;
	r->chunk = NULL;
	r->lim = r->pos;
	return err;
}

static void close_events(struct record *r)
{
	char *first;
	uint32_t n;

	if (!r->chunk)
		return;
	first = r->chunk + RECORD_CHUNK_HEADER_SIZE + EVENTS_PREFIX;
	n = (uint32_t)((size_t)(r->pos - first) / EV_SIZE);
	put32(r->chunk, RECORD_CHUNK_EVENTS);
	put32(r->chunk + 4, 0);
	put64(r->chunk + 8, EVENTS_PREFIX + (uint64_t)n * EV_SIZE);
	put32(r->chunk + 16, EV_SIZE);
	put32(r->chunk + 20, n);
	r->events += n;
	r->chunks++;
	r->chunk = NULL;
	r->lim = r->pos;
}

/* Write out the buffer; the open chunk is closed first, so the file stays chunk-aligned. */
static int flush(struct record *r)
{
	int err;

	if (r->err)
		return r->err;
	close_events(r);
	err = write_all(r->fd, r->buf, (size_t)(r->pos - r->buf));
	r->pos = r->lim = r->buf;
	return err ? fail(r, err) : 0;
}

static size_t room(const struct record *r)
{
	return (size_t)(r->buf + BUF_SIZE - r->pos);
}

/* A whole chunk: header, prefix (0 or 8 bytes), text, padding; big texts bypass the buffer. */
static int put_chunk_flags(struct record *r, uint32_t type, uint32_t flags, const char *prefix,
			   size_t plen, const char *text, size_t len)
{
	static const char zeros[8];
	char hdr[RECORD_CHUNK_HEADER_SIZE + END_PAYLOAD]; /* the longest prefix: END's */
	size_t pad = pad8(plen + len), n = RECORD_CHUNK_HEADER_SIZE + plen;
	int err;

	if (r->err)
		return r->err;
	close_events(r);
	put32(hdr, type);
	put32(hdr + 4, flags);
	put64(hdr + 8, plen + len);
	if (plen)
		memcpy(hdr + RECORD_CHUNK_HEADER_SIZE, prefix, plen);
	if (room(r) < n + len + pad) {
		err = flush(r);
		if (err)
			return err;
	}
	if (room(r) >= n + len + pad) {
		memcpy(r->pos, hdr, n);
		if (len)
			memcpy(r->pos + n, text, len);
		memcpy(r->pos + n + len, zeros, pad);
		r->pos += n + len + pad;
		r->lim = r->pos;
	} else {
		err = write_all(r->fd, hdr, n);
		if (!err)
			err = write_all(r->fd, text, len);
		if (!err)
			err = write_all(r->fd, zeros, pad);
		if (err)
			return fail(r, err);
	}
	r->chunks++;
	return 0;
}

static int put_chunk(struct record *r, uint32_t type, const char *prefix, size_t plen,
		     const char *text, size_t len)
{
	return put_chunk_flags(r, type, 0, prefix, plen, text, len);
}

int record__create(const char *path, const char *meta_json, size_t len, struct record **out)
{
	struct record *r;
	int err;

	if (!path || !out || !text_ok(meta_json, len))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->buf = malloc(BUF_SIZE);
	if (!r->buf) {
		free(r);
		return -ENOMEM;
	}
	r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (r->fd < 0) {
		err = -errno;
		free(r->buf);
		free(r);
		return err;
	}
	memcpy(r->buf, RECORD_MAGIC, 8);
	put32(r->buf + 8, RECORD_VERSION);
	put32(r->buf + 12, 0);
	r->pos = r->lim = r->buf + RECORD_HEADER_SIZE;
	err = put_chunk(r, RECORD_CHUNK_META, NULL, 0, meta_json, len);
	if (err) {
		record__discard(r);
		return err;
	}
	*out = r;
	return 0;
}

int record__add_target(struct record *r, uint32_t id, const char *json, size_t len)
{
	char prefix[8];

	if (!r || !text_ok(json, len))
		return -EINVAL;
	put32(prefix, id);
	put32(prefix + 4, 0);
	return put_chunk(r, RECORD_CHUNK_TARGET, prefix, sizeof(prefix), json, len);
}

/* A chunk of a target's optional JSON text: SITES, STACKS. */
static int add_optional_text(struct record *r, uint32_t type, uint32_t id, const char *json,
			     size_t len)
{
	char prefix[8];

	if (!r || !text_ok(json, len))
		return -EINVAL;
	put32(prefix, id);
	put32(prefix + 4, 0);
	return put_chunk_flags(r, type, RECORD_CHUNK_OPTIONAL, prefix, sizeof(prefix), json, len);
}

int record__add_sites(struct record *r, uint32_t id, const char *json, size_t len)
{
	return add_optional_text(r, RECORD_CHUNK_SITES, id, json, len);
}

int record__add_stacks(struct record *r, uint32_t id, const char *json, size_t len)
{
	return add_optional_text(r, RECORD_CHUNK_STACKS, id, json, len);
}

int record__add_seed(struct record *r, uint32_t id, const struct record_seed *v, size_t n)
{
	char prefix[8];
	int err = 0;

	if (!r || (n && !v))
		return -EINVAL;
	put32(prefix, id);
	put32(prefix + 4, SEED_SIZE);
	for (size_t done = 0; !err && done < n; done += SEED_BATCH) {
		size_t k = n - done < SEED_BATCH ? n - done : SEED_BATCH;

		err = put_chunk(r, RECORD_CHUNK_SEED, prefix, sizeof(prefix),
				(const char *)(v + done), k * SEED_SIZE);
	}
	return err;
}

int record__add_goids(struct record *r, uint32_t id, const struct record_goid *v, size_t n)
{
	char prefix[8];

	if (!r || !n || !v || n > SEED_BATCH)
		return -EINVAL;
	put32(prefix, id);
	put32(prefix + 4, GOID_SIZE);
	return put_chunk_flags(r, RECORD_CHUNK_GOIDS, RECORD_CHUNK_OPTIONAL, prefix, sizeof(prefix),
			       (const char *)v, n * GOID_SIZE);
}

/* Out of line: the fast path stays a compare and a copy. */
static __attribute__((noinline)) int event_slow(struct record *r, const struct goroutine_event *e)
{
	size_t fit;
	int err;

	if (r->err)
		return r->err;
	close_events(r);
	if (room(r) < RECORD_CHUNK_HEADER_SIZE + EVENTS_PREFIX + EV_SIZE) {
		err = flush(r);
		if (err)
			return err;
	}
	r->chunk = r->pos;
	r->pos += RECORD_CHUNK_HEADER_SIZE + EVENTS_PREFIX;
	fit = room(r) / EV_SIZE;
	if (fit > RECORD_MAX_BATCH)
		fit = RECORD_MAX_BATCH;
	r->lim = r->pos + fit * EV_SIZE;
	memcpy(r->pos, e, EV_SIZE);
	r->pos += EV_SIZE;
	return 0;
}

int record__event(struct record *r, const struct goroutine_event *e)
{
	if (unlikely(r->pos == r->lim))
		return event_slow(r, e);
	memcpy(r->pos, e, EV_SIZE);
	r->pos += EV_SIZE;
	return 0;
}

int record__flush(struct record *r)
{
	if (!r)
		return -EINVAL;
	return flush(r);
}

int record__finish(struct record *r, const char *stats_json, size_t len)
{
	char end[END_PAYLOAD];
	int err;

	if (!r)
		return -EINVAL;
	if (!text_ok(stats_json, len)) {
		record__discard(r);
		return -EINVAL;
	}
	err = put_chunk(r, RECORD_CHUNK_STATS, NULL, 0, stats_json, len);
	if (!err) {
		/* The counts as of before END: the reader checks them against what it walked. */
		put64(end, r->events);
		put64(end + 8, r->chunks);
		err = put_chunk(r, RECORD_CHUNK_END, end, sizeof(end), NULL, 0);
	}
	if (!err)
		err = flush(r);
	if (close(r->fd) && !err)
		err = -errno;
	free(r->buf);
	free(r);
	return err;
}

void record__discard(struct record *r)
{
	if (!r)
		return;
	/* What is buffered is written, so a failed run keeps what it saw; no END. */
	flush(r);
	close(r->fd);
	free(r->buf);
	free(r);
}

/* --- reader ---------------------------------------------------------------------------- */

static const char *const chunk_names[] = {
	[RECORD_CHUNK_META] = "META",	  [RECORD_CHUNK_TARGET] = "TARGET",
	[RECORD_CHUNK_EVENTS] = "EVENTS", [RECORD_CHUNK_STATS] = "STATS",
	[RECORD_CHUNK_END] = "END",	  [RECORD_CHUNK_SITES] = "SITES",
	[RECORD_CHUNK_SEED] = "SEED",	  [RECORD_CHUNK_STACKS] = "STACKS",
	[RECORD_CHUNK_GOIDS] = "GOIDS",
};

static const char *chunk_name(uint32_t type)
{
	if (type && type <= RECORD_CHUNK_GOIDS)
		return chunk_names[type];
	return "unknown";
}

struct why {
	char *buf;
	size_t len;
};

static __attribute__((format(printf, 4, 5))) int bad(struct why *w, int err, uint64_t off,
						     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!w || !w->buf || !w->len)
		return err;
	n = snprintf(w->buf, w->len, "offset %llu: ", (unsigned long long)off);
	if (n >= 0 && (size_t)n < w->len) {
		va_start(ap, fmt);
		vsnprintf(w->buf + n, w->len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* The most a chunk of a known type can hold; larger is corruption, not truncation. */
static uint64_t max_payload(uint32_t type)
{
	switch (type) {
	case RECORD_CHUNK_META:
	case RECORD_CHUNK_STATS:
		return RECORD_MAX_TEXT;
	case RECORD_CHUNK_TARGET:
	case RECORD_CHUNK_SITES:
	case RECORD_CHUNK_STACKS:
		return 8 + (uint64_t)RECORD_MAX_TEXT;
	case RECORD_CHUNK_SEED:
		return 8 + (uint64_t)UINT32_MAX * SEED_SIZE;
	case RECORD_CHUNK_GOIDS:
		return 8 + (uint64_t)UINT32_MAX * GOID_SIZE;
	case RECORD_CHUNK_EVENTS:
		return EVENTS_PREFIX + (uint64_t)UINT32_MAX * EV_SIZE;
	case RECORD_CHUNK_END:
		return END_PAYLOAD;
	default:
		return UINT64_MAX;
	}
}

static int check_text(struct why *w, uint64_t off, const uint8_t *s, size_t len, const char *what)
{
	size_t at = text_bad(s, len);

	if (at == len)
		return 0;
	return bad(w, -ERRORS__CORRUPT, off + at, "%s text has %s", what,
		   s[at] ? "a byte that is not UTF-8" : "a NUL byte");
}

enum walk_state { WANT_META, BODY, WANT_END };

/* Events of an older size (old_sizes), as today's. */
static int replay_old(const uint8_t *p, uint32_t size, uint32_t count, const struct record_ops *ops,
		      void *ctx)
{
	struct goroutine_event *v =
		calloc(count < CONVERT_BATCH ? count : CONVERT_BATCH, sizeof(*v));
	uint8_t lacks = (uint8_t)old_size(size);
	int err = 0;

	if (!v)
		return -ENOMEM;
	for (uint32_t done = 0; !err && done < count;) {
		uint32_t n = count - done < CONVERT_BATCH ? count - done : CONVERT_BATCH;

		memset(v, 0, n * sizeof(*v));
		for (uint32_t i = 0; i < n; i++) {
			memcpy(&v[i], p + (size_t)(done + i) * size, size);
			v[i].flags &= ~lacks;
		}
		err = ops->events(ctx, v, n);
		done += n;
	}
	free(v);
	return err;
}

/*
 * One walk over the file: with replay false every check runs and nothing is called;
 * with replay true (only after a clean first walk) the callbacks run. The same code
 * both times, so what is replayed is exactly what was validated.
 */
static int walk(const uint8_t *p, size_t len, bool replay, const struct record_ops *ops, void *ctx,
		struct why *w)
{
	enum walk_state state = WANT_META;
	uint64_t nev = 0, nchunks = 0;
	size_t off = RECORD_HEADER_SIZE;
	int err;

	if (len < RECORD_HEADER_SIZE) {
		size_t n = len < 8 ? len : 8;

		if (memcmp(p ? (const void *)p : "", RECORD_MAGIC, n))
			return bad(w, -ERRORS__FORMAT, 0, "not a goroutine record (bad magic)");
		return bad(w, -ERRORS__TRUNCATED, len,
			   "%s: file header cut short (%zu of %d bytes)",
			   len ? "truncated" : "empty file", len, RECORD_HEADER_SIZE);
	}
	if (memcmp(p, RECORD_MAGIC, 8))
		return bad(w, -ERRORS__FORMAT, 0, "not a goroutine record (bad magic)");
	if (get32(p + 8) != RECORD_VERSION)
		return bad(w, -ERRORS__FORMAT, 8, "format version %u, this reader knows %d",
			   get32(p + 8), RECORD_VERSION);
	if (get32(p + 12))
		return bad(w, -ERRORS__FORMAT, 12, "file flags 0x%x unknown to this reader",
			   get32(p + 12));

	for (;;) {
		const uint8_t *h = p + off, *pl = h + RECORD_CHUNK_HEADER_SIZE;
		int (*cb)(void *ctx, uint32_t id, const char *json, size_t len);
		const struct goroutine_event *ev;
		uint32_t type, flags, size, count;
		uint64_t plen;
		size_t rem, pad, i;

		if (off == len)
			return bad(w, -ERRORS__TRUNCATED, off,
				   "no END chunk after %llu chunks: the recording was cut short",
				   (unsigned long long)nchunks);
		if (len - off < RECORD_CHUNK_HEADER_SIZE)
			return bad(w, -ERRORS__TRUNCATED, off,
				   "chunk header cut short (%zu of %d bytes)", len - off,
				   RECORD_CHUNK_HEADER_SIZE);
		type = get32(h);
		flags = get32(h + 4);
		plen = get64(h + 8);
		if (!type)
			return bad(w, -ERRORS__CORRUPT, off, "chunk of type 0 (zeroed bytes?)");
		if (flags & ~RECORD_CHUNK_OPTIONAL)
			return bad(w, -ERRORS__FORMAT, off + 4,
				   "%s chunk with flags 0x%x unknown to this reader",
				   chunk_name(type), flags);
		if (plen > max_payload(type) || (type == RECORD_CHUNK_END && plen != END_PAYLOAD))
			return bad(w, -ERRORS__CORRUPT, off + 8,
				   "%s chunk of %llu bytes is impossible", chunk_name(type),
				   (unsigned long long)plen);
		rem = len - off - RECORD_CHUNK_HEADER_SIZE;
		if (plen > rem)
			return bad(w, -ERRORS__TRUNCATED, off,
				   "%s chunk of %llu bytes, only %zu left in the file",
				   chunk_name(type), (unsigned long long)plen, rem);
		pad = pad8(plen);
		if (pad > rem - plen)
			return bad(w, -ERRORS__TRUNCATED, off + RECORD_CHUNK_HEADER_SIZE + plen,
				   "%s chunk's padding cut short", chunk_name(type));
		for (i = 0; i < pad; i++)
			if (pl[plen + i])
				return bad(w, -ERRORS__CORRUPT,
					   off + RECORD_CHUNK_HEADER_SIZE + plen + i,
					   "%s chunk's padding is not zero", chunk_name(type));
		if (state == WANT_META && type != RECORD_CHUNK_META)
			return bad(w, -ERRORS__CORRUPT, off, "first chunk is %s, not META",
				   chunk_name(type));
		if (state == WANT_END && type != RECORD_CHUNK_END)
			return bad(w, -ERRORS__CORRUPT, off, "%s chunk after STATS, not END",
				   chunk_name(type));

		switch (type) {
		case RECORD_CHUNK_META:
			if (state != WANT_META)
				return bad(w, -ERRORS__CORRUPT, off, "a second META chunk");
			err = check_text(w, off + RECORD_CHUNK_HEADER_SIZE, pl, plen, "META");
			if (err)
				return err;
			state = BODY;
			if (replay && ops->meta && (err = ops->meta(ctx, (const char *)pl, plen)))
				return err;
			break;
		case RECORD_CHUNK_TARGET:
			if (plen < 8)
				return bad(w, -ERRORS__CORRUPT, off + 8,
					   "TARGET chunk of %llu bytes, less than its 8-byte id",
					   (unsigned long long)plen);
			if (get32(pl + 4))
				return bad(w, -ERRORS__CORRUPT, off + RECORD_CHUNK_HEADER_SIZE + 4,
					   "TARGET's reserved field is not zero");
			err = check_text(w, off + RECORD_CHUNK_HEADER_SIZE + 8, pl + 8, plen - 8,
					 "TARGET");
			if (err)
				return err;
			if (replay && ops->target &&
			    (err = ops->target(ctx, get32(pl), (const char *)pl + 8, plen - 8)))
				return err;
			break;
		case RECORD_CHUNK_EVENTS:
			if (plen < EVENTS_PREFIX)
				return bad(
					w, -ERRORS__CORRUPT, off + 8,
					"EVENTS chunk of %llu bytes, less than its 8-byte prefix",
					(unsigned long long)plen);
			size = get32(pl);
			count = get32(pl + 4);
			if (size != EV_SIZE && old_size(size) < 0)
				return bad(w, -ERRORS__FORMAT, off + RECORD_CHUNK_HEADER_SIZE,
					   "events of %u bytes, this reader knows %zu, 72 and 56",
					   size, EV_SIZE);
			if ((uint64_t)count * size != plen - EVENTS_PREFIX)
				return bad(w, -ERRORS__CORRUPT, off + RECORD_CHUNK_HEADER_SIZE + 4,
					   "%u events of %u bytes in an EVENTS chunk of %llu bytes",
					   count, size, (unsigned long long)plen);
			nev += count;
			/* Aligned: the chunk is, and so is the 8-byte prefix (record__read checks buf). */
			ev = (const struct goroutine_event *)(const void *)(pl + EVENTS_PREFIX);
			if (replay && count && ops->events &&
			    (err = size == EV_SIZE ?
					   ops->events(ctx, ev, count) :
					   replay_old(pl + EVENTS_PREFIX, size, count, ops, ctx)))
				return err;
			break;
		case RECORD_CHUNK_SEED:
			if (plen < 8)
				return bad(w, -ERRORS__CORRUPT, off + 8,
					   "SEED chunk of %llu bytes, less than its 8-byte prefix",
					   (unsigned long long)plen);
			if (get32(pl + 4) != SEED_SIZE)
				return bad(w, -ERRORS__FORMAT, off + RECORD_CHUNK_HEADER_SIZE + 4,
					   "SEED entries of %u bytes, this reader knows %zu",
					   get32(pl + 4), SEED_SIZE);
			if ((plen - 8) % SEED_SIZE)
				return bad(w, -ERRORS__CORRUPT, off + 8,
					   "SEED chunk of %llu bytes is not whole entries",
					   (unsigned long long)plen);
			if (nev)
				return bad(w, -ERRORS__CORRUPT, off, "SEED chunk after events");
			if (replay && ops->seed && plen > 8 &&
			    (err = ops->seed(ctx, get32(pl),
					     (const struct record_seed *)(const void *)(pl + 8),
					     (size_t)((plen - 8) / SEED_SIZE))))
				return err;
			break;
		case RECORD_CHUNK_GOIDS:
			if (plen < 8)
				return bad(w, -ERRORS__CORRUPT, off + 8,
					   "GOIDS chunk of %llu bytes, less than its 8-byte prefix",
					   (unsigned long long)plen);
			/* Optional, but of a known type: a layout this reader lacks is refused. */
			if (get32(pl + 4) != GOID_SIZE)
				return bad(w, -ERRORS__FORMAT, off + RECORD_CHUNK_HEADER_SIZE + 4,
					   "GOIDS entries of %u bytes, this reader knows %zu",
					   get32(pl + 4), GOID_SIZE);
			if ((plen - 8) % GOID_SIZE)
				return bad(w, -ERRORS__CORRUPT, off + 8,
					   "GOIDS chunk of %llu bytes is not whole entries",
					   (unsigned long long)plen);
			if (replay && ops->goids && plen > 8 &&
			    (err = ops->goids(ctx, get32(pl),
					      (const struct record_goid *)(const void *)(pl + 8),
					      (size_t)((plen - 8) / GOID_SIZE))))
				return err;
			break;
		case RECORD_CHUNK_SITES:
		case RECORD_CHUNK_STACKS:
			if (plen < 8)
				return bad(w, -ERRORS__CORRUPT, off + 8,
					   "%s chunk of %llu bytes, less than its 8-byte id",
					   chunk_name(type), (unsigned long long)plen);
			if (get32(pl + 4))
				return bad(w, -ERRORS__CORRUPT, off + RECORD_CHUNK_HEADER_SIZE + 4,
					   "%s's reserved field is not zero", chunk_name(type));
			err = check_text(w, off + RECORD_CHUNK_HEADER_SIZE + 8, pl + 8, plen - 8,
					 chunk_name(type));
			if (err)
				return err;
			cb = !replay ? NULL : type == RECORD_CHUNK_SITES ? ops->sites : ops->stacks;
			if (cb && (err = cb(ctx, get32(pl), (const char *)pl + 8, plen - 8)))
				return err;
			break;
		case RECORD_CHUNK_STATS:
			err = check_text(w, off + RECORD_CHUNK_HEADER_SIZE, pl, plen, "STATS");
			if (err)
				return err;
			state = WANT_END;
			if (replay && ops->stats && (err = ops->stats(ctx, (const char *)pl, plen)))
				return err;
			break;
		case RECORD_CHUNK_END:
			if (state != WANT_END)
				return bad(w, -ERRORS__CORRUPT, off, "END chunk before STATS");
			if (get64(pl) != nev)
				return bad(w, -ERRORS__CORRUPT, off + RECORD_CHUNK_HEADER_SIZE,
					   "END counts %llu events, the file holds %llu",
					   (unsigned long long)get64(pl), (unsigned long long)nev);
			if (get64(pl + 8) != nchunks)
				return bad(w, -ERRORS__CORRUPT, off + RECORD_CHUNK_HEADER_SIZE + 8,
					   "END counts %llu chunks, the file holds %llu",
					   (unsigned long long)get64(pl + 8),
					   (unsigned long long)nchunks);
			if (rem != END_PAYLOAD)
				return bad(w, -ERRORS__CORRUPT,
					   off + RECORD_CHUNK_HEADER_SIZE + plen,
					   "%zu bytes after the END chunk", rem - END_PAYLOAD);
			return 0;
		default:
			if (!(flags & RECORD_CHUNK_OPTIONAL))
				return bad(w, -ERRORS__FORMAT, off,
					   "chunk type %u unknown to this reader and not optional",
					   type);
			break;
		}
		nchunks++;
		off += RECORD_CHUNK_HEADER_SIZE + plen + pad;
	}
}

int record__read(const void *buf, size_t len, const struct record_ops *ops, void *ctx, char *why,
		 size_t whylen)
{
	static const struct record_ops none;
	struct why w = {why, whylen};
	int err;

	if (why && whylen)
		why[0] = 0;
	/* Nothing is handed out of an empty buffer, so only a non-empty one must be aligned. */
	if (len && (!buf || ((uintptr_t)buf & 7)))
		return -EINVAL;
	err = walk(buf, len, false, NULL, NULL, &w);
	if (err)
		return err;
	return walk(buf, len, true, ops ? ops : &none, ctx, NULL);
}

const char *record__strerror(int err)
{
	switch (err) {
	case -ERRORS__TRUNCATED:
		return "truncated record file (the recording was cut short)";
	case -ERRORS__CORRUPT:
		return "corrupt record file";
	case -ERRORS__FORMAT:
		return "not a record file, or one of a format this version does not read";
	default:
		return errors__str(err);
	}
}

int record__map_path(const char *path, const void **buf, size_t *len)
{
	struct stat st;
	void *p;
	int fd, err;

	if (!path || !buf || !len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if (!st.st_size) {
		/* mmap refuses length 0; any aligned pointer reads as an empty file. */
		static const uint64_t empty;

		close(fd);
		*buf = &empty;
		*len = 0;
		return 0;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return -EFBIG;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	/* The validation walk touches a header per chunk; the replay then reads it all in order. */
	madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	*buf = p;
	*len = (size_t)st.st_size;
	return 0;
}

void record__unmap(const void *buf, size_t len)
{
	if (buf && len)
		munmap((void *)buf, len);
}
