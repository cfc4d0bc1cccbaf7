// SPDX-License-Identifier: GPL-2.0
/*
 * log: the single logging callback of the resolver library (see log.h).
 */
#include "log.h"

static log__fn_t log_fn;

log__fn_t log__set_fn(log__fn_t fn)
{
	log__fn_t old = log_fn;

	log_fn = fn;
	return old;
}

void log__printf(enum log__level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_fn)
		return;
	va_start(ap, fmt);
	log_fn(level, fmt, ap);
	va_end(ap);
}
