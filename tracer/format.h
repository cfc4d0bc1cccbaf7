/* SPDX-License-Identifier: GPL-2.0 */
/*
 * format: turning goroutine events into the tracer's text output.
 *
 * Wall-clock time is derived from the BPF monotonic timestamp with an offset
 * taken once at start, and the broken-down time is recomputed only when the
 * second changes: a localtime() per event would re-read /etc/localtime.
 */
#ifndef GOTRACER_FORMAT_H
#define GOTRACER_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "goroutine.h"

struct format_clock {
	int64_t mono_to_real_ns; /* add to a CLOCK_MONOTONIC time to get CLOCK_REALTIME */
	time_t cached_sec;
	char cached_hms[16]; /* "HH:MM:SS" of cached_sec */
};

void format__clock_init(struct format_clock *c);

/*
 * The table: the original example's columns first (TIME, STATE, GOID, PID,
 * TGID), then the old state, CPU, parent goid and wait reason; under 100
 * columns for every state and wait-reason name Go has.
 */
#define FORMAT_HEADER "%-15s %-9s %8s %7s %7s %-9s %3s %7s %s"

/*
 * Hand formatting for the per-event path: printf parses its format string
 * and takes locks on every call, which at a million events a second is most
 * of the tracer's user time. Each writes at p and returns the new end.
 */
char *format__u64(char *p, uint64_t v);
/* s (n bytes) in a field of width: right-aligned when right, else left. */
char *format__field(char *p, const char *s, size_t n, int width, bool right);
/* "HH:MM:SS.uuuuuu" (15 bytes) of a monotonic timestamp, without a NUL. */
char *format__time_to(struct format_clock *c, uint64_t mono_ns, char *p);

/* The header row, without newline. */
int format__header(char *buf, size_t len);

#endif /* GOTRACER_FORMAT_H */
