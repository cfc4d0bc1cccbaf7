/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check: the few assertion macros the C unit tests use. A failed check prints
 * file:line and the expression and makes the test exit 1 at the end, so one run
 * reports every failure instead of the first.
 */
#ifndef GOTRACER_CHECK_H
#define GOTRACER_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		check_count++;                                                                   \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			check_failures++;                                                        \
		}                                                                                \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                  \
	do {                                                                                \
		uint64_t check_a_ = (a), check_b_ = (b);                                    \
		check_count++;                                                              \
		if (check_a_ != check_b_) {                                                 \
			fprintf(stderr,                                                     \
				"%s:%d: %s == %s failed: 0x%" PRIx64 " != 0x%" PRIx64 "\n", \
				__FILE__, __LINE__, #a, #b, check_a_, check_b_);            \
			check_failures++;                                                   \
		}                                                                           \
	} while (0)

#define CHECK_STR(a, b)                                                                         \
	do {                                                                                    \
		const char *check_a_ = (a), *check_b_ = (b);                                    \
		check_count++;                                                                  \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) {                     \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, \
				__LINE__, #a, #b, check_a_ ? check_a_ : "(null)",               \
				check_b_ ? check_b_ : "(null)");                                \
			check_failures++;                                                       \
		}                                                                               \
	} while (0)

/*
 * A part of a test that cannot run here is said loudly, and under CI
 * (CI=true), where everything it needs is installed and fetched, it fails.
 */
static inline void check_skip_under_ci(void)
{
	const char *ci = getenv("CI");

	if (ci && !strcmp(ci, "true")) {
		fprintf(stderr, "a SKIP is a failure under CI\n");
		check_failures++;
	}
}

#define CHECK_SKIP(fmt, ...)                             \
	do {                                             \
		printf("SKIP " fmt "\n", ##__VA_ARGS__); \
		check_skip_under_ci();                   \
	} while (0)

/* Call at the end of main(): prints a summary and gives the exit status. */
static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif /* GOTRACER_CHECK_H */
