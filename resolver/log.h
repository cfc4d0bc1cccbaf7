/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log: how library code reports warnings without printing.
 *
 * The resolver never writes to stdout or stderr itself; the application installs
 * one callback (as with libbpf_set_print) and decides what a user sees. Without a
 * callback, messages are dropped.
 */
#ifndef GOTRACER_LOG_H
#define GOTRACER_LOG_H

#include <stdarg.h>

enum log__level {
	LOG__WARN,
	LOG__INFO,
	LOG__DEBUG,
};

typedef void (*log__fn_t)(enum log__level level, const char *fmt, va_list ap);

/* Install fn (NULL to silence); returns the previous callback. */
log__fn_t log__set_fn(log__fn_t fn);

void log__printf(enum log__level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log__warn(...) log__printf(LOG__WARN, __VA_ARGS__)
#define log__info(...) log__printf(LOG__INFO, __VA_ARGS__)
#define log__debug(...) log__printf(LOG__DEBUG, __VA_ARGS__)

#endif /* GOTRACER_LOG_H */
