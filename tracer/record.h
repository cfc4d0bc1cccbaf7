/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record: the file of `goroutine --record FILE`, read back by `goroutine --report FILE`
 * (perf record / perf report). The tracer writes the raw events with no formatting on
 * the hot path (record__event() is a bounds check and a memcpy into a 4 MiB buffer,
 * write(2) only when it is full), together with everything needed to analyse them
 * later on another machine; a report replays them into any output. The reader works on
 * a memory buffer (a mapped file) so that it can be fuzzed, and validates the whole
 * file before the first callback: a truncated or corrupt file is one error, never a
 * partial replay that looks complete.
 *
 * The format, version 1. Every integer is little-endian (the events are copied as the
 * BPF program wrote them, so the file is only written and read on little-endian hosts);
 * offsets are from the start of the file.
 *
 *   File header, 16 bytes:
 *     0  u8[8]  magic "GOTRREC\n" (a text tool shows the name; a newline-translated
 *               copy no longer matches)
 *     8  u32    format version, 1 (a newer version is refused: -ERRORS__FORMAT)
 *    12  u32    flags, 0 (bits set are features this reader lacks: -ERRORS__FORMAT)
 *   Then chunks, each starting 8-byte aligned:
 *     0  u32    type (RECORD_CHUNK_*; 0 is never a type: zeroes are corruption)
 *     4  u32    flags: RECORD_CHUNK_OPTIONAL (0x1) says a reader that does not know
 *               the type may skip it; any other bit is refused (-ERRORS__FORMAT)
 *     8  u64    payload length L, not counting the header or the padding; more than
 *               the type can hold is -ERRORS__CORRUPT, past the file's end (a file
 *               cut short) -ERRORS__TRUNCATED
 *    16  u8[L]  payload, then zero bytes up to the next multiple of 8
 *   The chunks, in this order:
 *     META    (1) exactly once, first: JSON text (below)
 *     TARGET  (2) any number, before the events of that target (a process that appears
 *                 mid-trace gets one then): u32 target id, u32 reserved (0), JSON text.
 *                 A later TARGET with the same id describes that id from then on (a
 *                 process that exec'd).
 *     EVENTS  (3) any number, mixed with TARGETs: u32 event size, u32 count, then count
 *                 events of that size (struct goroutine_event, bpf/goroutine.h, 80
 *                 bytes today). size is checked against the sizes this reader knows
 *                 (-ERRORS__FORMAT otherwise): the struct can grow, its size saying
 *                 which layout it is. L must be 8 + count * size exactly. The events
 *                 start 8 bytes after an aligned chunk header and their size is a
 *                 multiple of 8, so in a mapped file (or any 8-aligned buffer) every
 *                 event is aligned and handed to the reader's callback in place.
 *                 Sizes read: 80 (today's); 72 (before stack_id) and 56 (before
 *                 gopc and startpc), converted into today's layout without them.
 *                 The writer closes a chunk at 65536 events or when its buffer is
 *                 full, whichever comes first (count 0 is valid, never written).
 *     SITES   (6) any number, mixed with the events, before the first event whose
 *                 creation site names one of its pcs: u32 target id, u32 reserved (0),
 *                 JSON text: an array of {pc: "0x..." (link-time), call: bool (a go
 *                 statement's return address, else a function's entry), func, file,
 *                 line}, the symbols the binary gave while tracing (tracer/sites.h),
 *                 so a report needs no binary. Written with the OPTIONAL flag: a
 *                 reader without it shows no sites.
 *     STACKS  (8) any number, mixed with the events, before the first event that names
 *                 one of its stacks: u32 target id, u32 reserved (0), JSON text: an
 *                 array of {id: "0x...", truncated: bool, frames: [{func, file,
 *                 line}, ...]} (innermost first), the blocking stacks the kernel
 *                 walked, symbolized while tracing (tracer/stacks.h). OPTIONAL: a
 *                 reader without it shows no stacks.
 *     SEED    (7) any number, after the TARGET they name and before the first
 *                 EVENTS: u32 target id, u32 entry size (120: struct record_seed),
 *                 then the entries (L is 8 + a multiple of the size): the goroutines
 *                 a snapshot found before tracing began, so that a report starts
 *                 where the live outputs started. Their sites come in SITES before.
 *                 Aligned as events are, and handed over in place.
 *     GOIDS   (9) any number, mixed with the events, after the event they complete:
 *                 u32 target id, u32 entry size (24: struct record_goid), then the
 *                 entries (L is 8 + a multiple of the size): the goids of fresh g's
 *                 that the tracer read from the process after their one switch
 *                 (a g made _Gidle -> _Gdead, its goid set after the switch, that
 *                 never switched again: go1.21's cgo extra M's g), so that a report
 *                 names them as tracing did. OPTIONAL: a reader without it shows
 *                 those events without a goid.
 *     STATS   (4) exactly once, after the last EVENTS: JSON text (below)
 *     END     (5) exactly once, right after STATS, the last bytes of the file:
 *                 u64 number of events in the file, u64 number of chunks before END
 *                 (checked: a chunk lost or repeated in a spliced copy shows).
 *                 A file without it was cut short (the tracer was killed, the disk
 *                 filled): -ERRORS__TRUNCATED. Bytes after it: -ERRORS__CORRUPT.
 *   Optional chunks of unknown types are skipped anywhere between META and STATS: a
 *   later writer may add an index or extra data without a new version, while a chunk
 *   a reader must understand (no OPTIONAL flag) makes an old reader refuse the file.
 *   JSON texts are opaque here, but checked to be UTF-8 without NUL bytes and at most
 *   RECORD_MAX_TEXT (16 MiB) long, so a report can hand them to any JSON parser:
 *     META:   tool version, options, clock base (CLOCK_MONOTONIC to CLOCK_REALTIME
 *             offset in ns, as the events' ts_ns are monotonic), start time, hostname
 *     TARGET: the profile as profile__to_json() writes it, the state and wait-reason
 *             names, the binary path, the pid, the symbol data a report needs
 *     STATS:  the counters (events, lost, per reason) and the end time
 *
 * Errors: 0 or a negative errno (-EINVAL for bad arguments, -ENOMEM, write(2)'s
 * errno), or for a file that is not a valid record -ERRORS__TRUNCATED (cut short),
 * -ERRORS__CORRUPT (fails validation) or -ERRORS__FORMAT (valid, but of a version,
 * event size or chunk this reader does not know), from resolver/errors.h. Nothing here
 * prints.
 */
#ifndef GOTRACER_RECORD_H
#define GOTRACER_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "goroutine.h"

#define RECORD_MAGIC "GOTRREC\n"
#define RECORD_VERSION 1
#define RECORD_HEADER_SIZE 16
#define RECORD_CHUNK_HEADER_SIZE 16
#define RECORD_MAX_TEXT (16u << 20)
/* Events per EVENTS chunk as the writer makes them (the reader takes any count). */
#define RECORD_MAX_BATCH 65536

enum record_chunk_type {
	RECORD_CHUNK_META = 1,
	RECORD_CHUNK_TARGET = 2,
	RECORD_CHUNK_EVENTS = 3,
	RECORD_CHUNK_STATS = 4,
	RECORD_CHUNK_END = 5,
	RECORD_CHUNK_SITES = 6,
	RECORD_CHUNK_SEED = 7,
	RECORD_CHUNK_STACKS = 8,
	RECORD_CHUNK_GOIDS = 9,
};

/*
 * A SEED chunk's entry: a goroutine that existed before tracing, as the
 * snapshot at attach gave it (seed.h), and its g.startpc and g.gopc
 * (link-time; 0: not set).
 */
struct record_seed {
	struct goroutine_gentry g;
	uint64_t startpc, gopc;
};

/* A GOIDS chunk's entry: the g at gp of process tgid has goid (never 0). */
struct record_goid {
	uint32_t tgid, reserved;
	uint64_t gp, goid;
};

#define RECORD_CHUNK_OPTIONAL 0x1u

struct record;

/*
 * Create (truncate) path, mode 0666 & ~umask as the tracer's other outputs, opened
 * O_CLOEXEC so that a traced child never inherits it, and start it with the header and
 * META. Nothing reaches the file before the buffer fills or record__flush().
 */
int record__create(const char *path, const char *meta_json, size_t len, struct record **out);
/* A TARGET chunk: the events after it may name this target. */
int record__add_target(struct record *r, uint32_t id, const char *json, size_t len);
/* A SITES chunk: symbols of pcs the events after it carry (sites.h). */
int record__add_sites(struct record *r, uint32_t id, const char *json, size_t len);
/* A STACKS chunk: the blocking stacks the events after it name (stacks.h). */
int record__add_stacks(struct record *r, uint32_t id, const char *json, size_t len);
/* A SEED chunk of n entries (n may be large: written in pieces as the buffer fills). */
int record__add_seed(struct record *r, uint32_t id, const struct record_seed *v, size_t n);
/* A GOIDS chunk of n entries (n is small: a g or two a process). */
int record__add_goids(struct record *r, uint32_t id, const struct record_goid *v, size_t n);
/*
 * The hot path: one event copied into the buffer. An error (from write(2) when the
 * buffer was full) is sticky: every later call returns it, and record__finish() too.
 */
int record__event(struct record *r, const struct goroutine_event *e);
/* Write what is buffered now (a poll loop's idle tick), so a killed tracer loses less. */
int record__flush(struct record *r);
/*
 * Flush the events, write STATS and END, close; frees r whatever happens. No fsync:
 * END already tells a complete file from a cut one. On error the file is left without
 * END, so it reads as truncated.
 */
int record__finish(struct record *r, const char *stats_json, size_t len);
/* Close without END (error paths): the file reads as truncated. NULL is a no-op. */
void record__discard(struct record *r);

/*
 * The reader's callbacks, each optional (NULL: skipped). Texts and events point into
 * the caller's buffer; texts are not NUL-terminated. A non-zero return stops the replay
 * and is what record__read() returns.
 */
struct record_ops {
	int (*meta)(void *ctx, const char *json, size_t len);
	int (*target)(void *ctx, uint32_t id, const char *json, size_t len);
	int (*events)(void *ctx, const struct goroutine_event *ev, size_t n);
	int (*sites)(void *ctx, uint32_t id, const char *json, size_t len);
	int (*stacks)(void *ctx, uint32_t id, const char *json, size_t len);
	int (*seed)(void *ctx, uint32_t id, const struct record_seed *v, size_t n);
	int (*goids)(void *ctx, uint32_t id, const struct record_goid *v, size_t n);
	int (*stats)(void *ctx, const char *json, size_t len);
};

/*
 * Validate the whole of buf, then replay it through ops in file order: meta, then
 * targets and events, then stats. buf must be 8-byte aligned (-EINVAL otherwise; a
 * mapping or malloc'd copy is). On a file error nothing is called and why (if given)
 * holds one line naming the byte offset.
 */
int record__read(const void *buf, size_t len, const struct record_ops *ops, void *ctx, char *why,
		 size_t whylen);

/*
 * Map path read-only: 0, or -EISDIR / -EINVAL (not a regular file: a pipe cannot be
 * mapped, and a file that changes while read is not a record) / open(2)'s errno. An
 * empty file maps to len 0. Replaying a file that another process truncates meanwhile
 * raises SIGBUS, as in any mapped reader.
 */
/*
 * The three file errors in a record's words ("truncated record file", ...; the
 * resolver's errors__str() speaks of Go metadata), errors__str() for anything else.
 */
const char *record__strerror(int err);

int record__map_path(const char *path, const void **buf, size_t *len);
void record__unmap(const void *buf, size_t len);

#endif /* GOTRACER_RECORD_H */
