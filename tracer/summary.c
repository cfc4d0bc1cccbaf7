// SPDX-License-Identifier: GPL-2.0
/*
 * summary: printing the --summary aggregate (see summary.h). Not on the hot
 * path: runs once at exit (or per interval), so plain printf is fine here.
 */
#include <inttypes.h>
#include <string.h>

#include "format.h"
#include "profile.h"
#include "summary.h"

void summary__sum(const struct goroutine_summary *percpu, int ncpu, struct goroutine_summary *out)
{
	const uint64_t *src;
	uint64_t *dst = (uint64_t *)out;
	size_t i, n = sizeof(*out) / sizeof(uint64_t);
	int c;

	memset(out, 0, sizeof(*out));
	for (c = 0; c < ncpu; c++) {
		src = (const uint64_t *)&percpu[c];
		for (i = 0; i < n; i++)
			dst[i] += src[i];
	}
}

static const char *state(const struct profile *p, unsigned int v, char *buf, size_t len)
{
	if (p && v < (unsigned int)p->n_gstatus && p->gstatus[v][0])
		return p->gstatus[v];
	if (v == GOROUTINE_NSTATES - 1) {
		snprintf(buf, len, ">=%u", v);
		return buf;
	}
	return format__state(v, buf, len);
}

static void histogram(FILE *f, const __u64 *slots)
{
	uint64_t max = 0;
	int i, first = -1, last = -1;

	for (i = 0; i < GOROUTINE_HIST_SLOTS; i++) {
		if (!slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	if (first < 0) {
		fprintf(f, "  (no RUNNABLE -> RUNNING switch seen)\n");
		return;
	}
	fprintf(f, "%18s : %-10s %s\n", "usecs", "count", "distribution");
	for (i = first; i <= last; i++) {
		uint64_t lo = i ? 1ULL << i : 0, hi = (1ULL << (i + 1)) - 1;
		int stars = (int)(slots[i] * 40 / max);
		char bar[41];

		memset(bar, '*', stars);
		bar[stars] = 0;
		fprintf(f, "%8" PRIu64 " -> %-8" PRIu64 ": %-10" PRIu64 " |%-40s|\n", lo, hi, (uint64_t)slots[i],
			bar);
	}
}

void summary__print(FILE *f, const struct goroutine_summary *s, const struct profile *names,
		    double seconds, uint64_t lost)
{
	uint64_t switches = 0, total_ns = 0;
	char a[16], b[16];
	unsigned int i, j;

	for (i = 0; i < GOROUTINE_NSTATES; i++) {
		total_ns += s->state_ns[i];
		for (j = 0; j < GOROUTINE_NSTATES; j++)
			switches += s->transitions[i][j];
	}
	fprintf(f, "goroutine summary: %.1f s, %" PRIu64 " state switches, %" PRIu64 " lost\n",
		seconds, switches, lost);
	fprintf(f, "goroutines: %" PRIu64 " created, %" PRIu64 " exited\n\n", (uint64_t)s->created, (uint64_t)s->exited);

	fprintf(f, "%-12s %14s %7s\n", "STATE", "TIME(ms)", "SHARE");
	for (i = 0; i < GOROUTINE_NSTATES; i++) {
		if (!s->state_ns[i])
			continue;
		fprintf(f, "%-12s %14.3f %6.1f%%\n", state(names, i, a, sizeof(a)),
			s->state_ns[i] / 1e6, total_ns ? 100.0 * s->state_ns[i] / total_ns : 0);
	}

	fprintf(f, "\n%-12s %-12s %12s\n", "FROM", "TO", "COUNT");
	for (i = 0; i < GOROUTINE_NSTATES; i++)
		for (j = 0; j < GOROUTINE_NSTATES; j++)
			if (s->transitions[i][j])
				fprintf(f, "%-12s %-12s %12" PRIu64 "\n", state(names, i, a, sizeof(a)),
					state(names, j, b, sizeof(b)), (uint64_t)s->transitions[i][j]);

	fprintf(f, "\nscheduler latency (RUNNABLE -> RUNNING):\n");
	histogram(f, s->schedlat);

	fprintf(f, "\n%-30s %10s %14s %12s\n", "BLOCKED ON (WAIT REASON)", "COUNT", "TOTAL(ms)",
		"MEAN(us)");
	for (i = 0; i < GOROUTINE_NREASONS; i++) {
		const char *name = NULL;

		if (!s->wait_count[i])
			continue;
		if (names && i < (unsigned int)names->n_waitreasons && names->waitreasons[i][0])
			name = names->waitreasons[i];
		if (!name) {
			snprintf(a, sizeof(a), "reason %u", i);
			name = a;
		}
		fprintf(f, "%-30s %10" PRIu64 " %14.3f %12.1f\n", name, (uint64_t)s->wait_count[i],
			s->wait_ns[i] / 1e6, s->wait_ns[i] / 1e3 / s->wait_count[i]);
	}
}
