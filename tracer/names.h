/* SPDX-License-Identifier: GPL-2.0 */
/*
 * names: what the outputs call goroutine states and wait reasons — the Go
 * version's own names (from its profile) where it has them, else the
 * tracer's built-in state names (the only place they are spelled), else the
 * number. A few hundred bytes instead of the whole profile, and with a JSON
 * form, so a report made elsewhere from a --record file names things as the
 * traced binary did without its profile.
 */
#ifndef GOTRACER_NAMES_H
#define GOTRACER_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct names;
struct profile;

#define NAMES_SCHEMA_VERSION 1

/* From p's gstatus, waitreasons and go_version; p NULL: built-in names only. 0 or -ENOMEM. */
int names__new(const struct profile *p, struct names **out);
/* NULL is a no-op. */
/*
 * Name by p (NULL: the built-in names) from now on: for outputs opened before
 * the binary was known (following a command, --all).
 */
void names__set(struct names *n, const struct profile *p);
void names__delete(struct names *n);

/* A copy of n (NULL: the built-in names only), for a merge to grow. 0 or -ENOMEM. */
int names__dup(const struct names *n, struct names **out);
/*
 * Programs of different Go versions number their wait reasons differently
 * (go1.25 put "sleep" at 20, go1.26 at 14): one session names them all from
 * one table. Each of from's wait reasons goes into into's by name (appended
 * when new); map[i] (nmap entries) is into's index for from's reason i. An
 * into without reasons and Go version (the built-in names) takes from whole:
 * the first program's numbering is the session's (so is a NULL from's). A
 * value from has no name for maps to 0 (waitReasonZero, printed as a number,
 * never as another reason's name). 0, or -ENOSPC when into was full (those
 * map to 0 too).
 */
int names__merge(struct names *into, const struct names *from, uint8_t *map, size_t nmap);

/* The name of state value (the _Gscan bit included: a number), or its decimal in buf. */
const char *names__state(const struct names *n, uint32_t value, char *buf, size_t len);
/* The Go version's name of wait reason idx, or NULL when unknown. */
const char *names__reason(const struct names *n, int idx);
/* The state value a name (or a number, 0 to 0xffff) stands for, or -1. */
int64_t names__state_value(const struct names *n, const char *name);
/* States 0 to this - 1 have names (built-in or the Go version's). */
uint32_t names__nstates(const struct names *n);
/* Wait reasons 0 to this - 1 may have names (names__reason()). */
uint32_t names__nreasons(const struct names *n);
/* "go1.22.3", or "" when unknown. */
const char *names__go_version(const struct names *n);

/*
 * The JSON form, one object: {"schema_version":1,"go_version":"...",
 * "states":[...],"wait_reasons":[...]} ("" for a value without a name).
 * to_json: malloc'd text (NUL-terminated, its length in *len): 0 or -ENOMEM.
 * from_json: 0, -EINVAL for text that is not such an object (bad JSON, wrong
 * types, too many or too long names, a newer schema_version), or -ENOMEM.
 */
int names__to_json(const struct names *n, char **json, size_t *len);
int names__from_json(const void *buf, size_t len, struct names **out);

#endif /* GOTRACER_NAMES_H */
