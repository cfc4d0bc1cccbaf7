// SPDX-License-Identifier: GPL-2.0
/*
 * summary: the --summary report (see summary.h). Not on the hot path: runs
 * once at exit (or per interval), so plain printf and a cJSON tree are fine
 * here; the tree is written out by the tracer's one JSON writer (jsonw.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "goroutine_account.h"
#include "jsonw.h"
#include "names.h"
#include "seed.h"
#include "summary.h"

#define LEAK_GOIDS_TEXT 8
#define LEAK_GOIDS_JSON 1000
#define GOROUTINES_JSON 1000 /* the busiest; goroutines.live has the count */

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
	/* The maxima were summed with the rest: take them again, by max. */
	out->schedlat_max_ns = out->lifetime_max_ns = 0;
	memset(out->wait_max_ns, 0, sizeof(out->wait_max_ns));
	for (c = 0; c < ncpu; c++) {
		const struct goroutine_summary *s = &percpu[c];

		if (s->schedlat_max_ns > out->schedlat_max_ns)
			out->schedlat_max_ns = s->schedlat_max_ns;
		if (s->lifetime_max_ns > out->lifetime_max_ns)
			out->lifetime_max_ns = s->lifetime_max_ns;
		for (i = 0; i < GOROUTINE_NREASONS; i++)
			if (s->wait_max_ns[i] > out->wait_max_ns[i])
				out->wait_max_ns[i] = s->wait_max_ns[i];
	}
}

void summary__add(struct goroutine_summary *out, const struct goroutine_summary *in,
		  const uint8_t *map)
{
	struct goroutine_summary v = *in;
	const uint64_t *src = (const uint64_t *)&v;
	uint64_t *dst = (uint64_t *)out;
	size_t i, n = sizeof(*out) / sizeof(uint64_t);
	uint64_t sl, lt, wm[GOROUTINE_NREASONS];

	/* In's reasons moved to the indices they have in out (several may meet at one). */
	if (map) {
		memset(v.wait_count, 0, sizeof(v.wait_count));
		memset(v.wait_ns, 0, sizeof(v.wait_ns));
		memset(v.wait_hist, 0, sizeof(v.wait_hist));
		memset(v.wait_max_ns, 0, sizeof(v.wait_max_ns));
		for (i = 0; i < GOROUTINE_NREASONS; i++) {
			unsigned int k = map[i] % GOROUTINE_NREASONS;

			v.wait_count[k] += in->wait_count[i];
			v.wait_ns[k] += in->wait_ns[i];
			for (int j = 0; j < GOROUTINE_HIST_SLOTS; j++)
				v.wait_hist[k][j] += in->wait_hist[i][j];
			if (in->wait_max_ns[i] > v.wait_max_ns[k])
				v.wait_max_ns[k] = in->wait_max_ns[i];
		}
	}
	/* Summed, then the maxima taken again by max. */
	sl = out->schedlat_max_ns;
	lt = out->lifetime_max_ns;
	memcpy(wm, out->wait_max_ns, sizeof(wm));
	for (i = 0; i < n; i++)
		dst[i] += src[i];
	out->schedlat_max_ns = v.schedlat_max_ns > sl ? v.schedlat_max_ns : sl;
	out->lifetime_max_ns = v.lifetime_max_ns > lt ? v.lifetime_max_ns : lt;
	for (i = 0; i < GOROUTINE_NREASONS; i++)
		out->wait_max_ns[i] = v.wait_max_ns[i] > wm[i] ? v.wait_max_ns[i] : wm[i];
}

double summary__percentile(const __u64 *slots, double p, double max_us)
{
	uint64_t total = 0, cum = 0;
	double target, lo, hi, v;
	int i;

	for (i = 0; i < GOROUTINE_HIST_SLOTS; i++)
		total += slots[i];
	if (!total)
		return 0;
	target = p * total;
	for (i = 0; i < GOROUTINE_HIST_SLOTS; i++) {
		if (!slots[i] || cum + slots[i] < target) {
			cum += slots[i];
			continue;
		}
		lo = i ? (double)(1ULL << i) : 0;
		hi = (double)(1ULL << (i + 1));
		v = lo + (hi - lo) * (target - cum) / slots[i];
		return max_us > 0 && v > max_us ? max_us : v;
	}
	return max_us;
}

/* The last state slot holds every value past it (a newer Go's). */
static const char *state(const struct names *n, unsigned int v, char *buf, size_t len)
{
	if (v == GOROUTINE_NSTATES - 1 && v >= names__nstates(n)) {
		snprintf(buf, len, ">=%u", v);
		return buf;
	}
	return names__state(n, v, buf, len);
}

static const char *reason(const struct names *n, unsigned int v, char *buf, size_t len)
{
	const char *s = names__reason(n, v);

	if (s)
		return s;
	snprintf(buf, len, "reason %u", v);
	return buf;
}

/*
 * How long before the report t was, in ns: 0 for a t after it (the kernel's
 * records go on changing while they are read at the report's end).
 */
static uint64_t ago(const struct summary_input *in, uint64_t t)
{
	return in->now_ns > t ? in->now_ns - t : 0;
}

/* A duration for people: 850ns, 12.3us, 4.56ms, 1.23s. */
static const char *dur(double ns, char *buf, size_t len)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

static uint64_t hist_count(const __u64 *slots)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < GOROUTINE_HIST_SLOTS; i++)
		n += slots[i];
	return n;
}

/* Time in a state so far: the state's stays that ended, and the current one until now. */
static uint64_t g_ns(const struct goroutine_gval *g, unsigned int slot, uint64_t now_ns)
{
	uint64_t ns = g->state_ns[slot];

	if (goroutine_gslot(goroutine_state_index(g->state)) == slot && now_ns > g->since_ns)
		ns += now_ns - g->since_ns;
	return ns;
}

static uint64_t busy_ns(const struct goroutine_gval *g, uint64_t now_ns)
{
	return g_ns(g, GOROUTINE_G_RUNNING, now_ns) + g_ns(g, GOROUTINE_G_RUNNABLE, now_ns) +
	       g_ns(g, GOROUTINE_G_SYSCALL, now_ns);
}

/* What both outputs are made of, computed once. */
struct report {
	const struct summary_input *in;
	uint64_t switches, total_ns;
	/* Time in each state: the kernel's (stays that ended) and live goroutines' current stays. */
	uint64_t state_ns[GOROUTINE_NSTATES];
	uint64_t live_by_state[GOROUTINE_NSTATES];
	unsigned int reasons[GOROUTINE_NREASONS]; /* wait reasons seen, by total time */
	unsigned int nreasons;
	size_t *busy;  /* live goroutines, busiest first */
	size_t *leaks; /* leak candidates, grouped: pid, reason, parent, then oldest first */
	size_t nleaks;
	/* Following: each of in->procs's goroutines now (proc_tallies()). */
	struct proc_tally {
		uint64_t live, waiting, leaks;
	} * ptally;
};

static const struct summary_input *sort_in;

static int by_busy(const void *a, const void *b)
{
	const struct goroutine_gval *x = &sort_in->vals[*(const size_t *)a];
	const struct goroutine_gval *y = &sort_in->vals[*(const size_t *)b];
	uint64_t bx = busy_ns(x, sort_in->now_ns), by = busy_ns(y, sort_in->now_ns);

	if (bx != by)
		return bx > by ? -1 : 1;
	return x->goid < y->goid ? -1 : x->goid > y->goid;
}

/* The goroutine's origin, when the report has one for it. */
static const struct seed_site *site_of(const struct summary_input *in, size_t k)
{
	if (!in->nsites || in->vals[k].flags & GOROUTINE_G_GOID_PENDING)
		return NULL;
	return seed__find(in->sites, in->nsites, in->keys[k].tgid, in->vals[k].goid);
}

static int cmp_str(const char *a, const char *b)
{
	return a == b ? 0 : !a ? -1 : !b ? 1 : strcmp(a, b);
}

/* Origins compared by start function, creating function, file and line; none sorts first. */
static int cmp_site(const struct seed_site *x, const struct seed_site *y)
{
	int c;

	if (!x || !y)
		return x == y ? 0 : !x ? -1 : 1;
	if ((c = cmp_str(x->start, y->start)) || (c = cmp_str(x->creator, y->creator)) ||
	    (c = cmp_str(x->file, y->file)))
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int by_group(const void *a, const void *b)
{
	const struct goroutine_gkey *kx = &sort_in->keys[*(const size_t *)a];
	const struct goroutine_gkey *ky = &sort_in->keys[*(const size_t *)b];
	const struct goroutine_gval *x = &sort_in->vals[*(const size_t *)a];
	const struct goroutine_gval *y = &sort_in->vals[*(const size_t *)b];
	int px = x->flags & GOROUTINE_G_HAS_PARENT, py = y->flags & GOROUTINE_G_HAS_PARENT;

	if (kx->tgid != ky->tgid)
		return kx->tgid < ky->tgid ? -1 : 1;
	if (x->waitreason != y->waitreason)
		return x->waitreason < y->waitreason ? -1 : 1;
	{
		const struct seed_site *sx = site_of(sort_in, *(const size_t *)a);
		const struct seed_site *sy = site_of(sort_in, *(const size_t *)b);
		int c = cmp_site(sx, sy);

		if (c)
			return c;
		if (sx && sy)
			goto oldest;
	}
	if (px != py)
		return px ? -1 : 1;
	if (px && x->parent_goid != y->parent_goid)
		return x->parent_goid < y->parent_goid ? -1 : 1;
oldest:
	if (x->since_ns != y->since_ns)
		return x->since_ns < y->since_ns ? -1 : 1;
	return x->goid < y->goid ? -1 : x->goid > y->goid;
}

static bool same_group(const struct report *r, size_t a, size_t b)
{
	const struct goroutine_gval *x = &r->in->vals[a], *y = &r->in->vals[b];
	bool px = x->flags & GOROUTINE_G_HAS_PARENT, py = y->flags & GOROUTINE_G_HAS_PARENT;
	const struct seed_site *sx = site_of(r->in, a), *sy = site_of(r->in, b);

	if (sx || sy)
		return r->in->keys[a].tgid == r->in->keys[b].tgid &&
		       x->waitreason == y->waitreason && !cmp_site(sx, sy);
	return r->in->keys[a].tgid == r->in->keys[b].tgid && x->waitreason == y->waitreason &&
	       px == py && (!px || x->parent_goid == y->parent_goid);
}

/* procs[] index by pid, for the per-process live counts. */
static int by_pid(const void *a, const void *b)
{
	const struct summary_proc *x = &sort_in->procs[*(const size_t *)a];
	const struct summary_proc *y = &sort_in->procs[*(const size_t *)b];

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The tally of process tgid: idx (np of them) are procs[]'s indices sorted by pid. */
static struct proc_tally *tally_of(struct report *r, const size_t *idx, size_t np, uint32_t tgid)
{
	const struct summary_proc *p = r->in->procs;
	size_t lo = 0, hi = np;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p[idx[mid]].pid < (int32_t)tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < np && p[idx[lo]].pid == (int32_t)tgid ? &r->ptally[idx[lo]] : NULL;
}

/* Each listed process's live goroutines, waiting ones and leak candidates. */
static int proc_tallies(struct report *r)
{
	const struct summary_input *in = r->in;
	size_t *idx, np = 0, k;

	if (!in->nprocs)
		return 0;
	r->ptally = calloc(in->nprocs, sizeof(*r->ptally));
	idx = calloc(in->nprocs, sizeof(*idx));
	if (!r->ptally || !idx) {
		free(idx);
		return -1;
	}
	for (k = 0; k < in->nprocs; k++)
		if (in->procs[k].pid > 0)
			idx[np++] = k;
	sort_in = in;
	qsort(idx, np, sizeof(*idx), by_pid);
	for (k = 0; k < in->n; k++) {
		struct proc_tally *t = tally_of(r, idx, np, in->keys[k].tgid);

		if (t) {
			t->live++;
			t->waiting += in->vals[k].state == GOROUTINE_WAITING;
		}
	}
	for (k = 0; k < r->nleaks; k++) {
		struct proc_tally *t = tally_of(r, idx, np, in->keys[r->leaks[k]].tgid);

		if (t)
			t->leaks++;
	}
	free(idx);
	return 0;
}

static int report_init(struct report *r, const struct summary_input *in)
{
	const struct goroutine_summary *s = in->sum;
	uint64_t leak_ns = in->leak_after_s * 1e9;
	unsigned int i, j;
	size_t k;

	memset(r, 0, sizeof(*r));
	r->in = in;
	for (i = 0; i < GOROUTINE_NSTATES; i++) {
		r->state_ns[i] = s->state_ns[i];
		for (j = 0; j < GOROUTINE_NSTATES; j++)
			r->switches += s->transitions[i][j];
	}
	for (i = 0; i < GOROUTINE_NREASONS; i++)
		if (s->wait_count[i])
			r->reasons[r->nreasons++] = i;
	/* Few reasons: an insertion sort by total time, largest first. */
	for (i = 1; i < r->nreasons; i++)
		for (j = i; j > 0 && s->wait_ns[r->reasons[j]] > s->wait_ns[r->reasons[j - 1]];
		     j--) {
			unsigned int t = r->reasons[j];

			r->reasons[j] = r->reasons[j - 1];
			r->reasons[j - 1] = t;
		}
	r->busy = calloc(in->n ? in->n : 1, sizeof(*r->busy));
	r->leaks = calloc(in->n ? in->n : 1, sizeof(*r->leaks));
	if (!r->busy || !r->leaks) {
		free(r->busy);
		free(r->leaks);
		return -1;
	}
	for (k = 0; k < in->n; k++) {
		const struct goroutine_gval *g = &in->vals[k];

		r->live_by_state[goroutine_state_index(g->state)]++;
		if (in->now_ns > g->since_ns)
			r->state_ns[goroutine_state_index(g->state)] += in->now_ns - g->since_ns;
		r->busy[k] = k;
		if (g->state == GOROUTINE_WAITING && in->now_ns > g->since_ns &&
		    in->now_ns - g->since_ns >= leak_ns)
			r->leaks[r->nleaks++] = k;
	}
	for (i = 0; i < GOROUTINE_NSTATES; i++)
		r->total_ns += r->state_ns[i];
	sort_in = in;
	qsort(r->busy, in->n, sizeof(*r->busy), by_busy);
	qsort(r->leaks, r->nleaks, sizeof(*r->leaks), by_group);
	if (proc_tallies(r)) {
		free(r->busy);
		free(r->leaks);
		return -1;
	}
	return 0;
}

static void report_fini(struct report *r)
{
	free(r->busy);
	free(r->leaks);
	free(r->ptally);
}

static void histogram(FILE *f, const __u64 *slots, const char *none)
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
		fprintf(f, "  (%s)\n", none);
		return;
	}
	fprintf(f, "%18s : %-10s %s\n", "usecs", "count", "distribution");
	for (i = first; i <= last; i++) {
		uint64_t lo = i ? 1ULL << i : 0, hi = (1ULL << (i + 1)) - 1;
		int stars = (int)(slots[i] * 40 / max);
		char bar[41];

		memset(bar, '*', stars);
		bar[stars] = 0;
		fprintf(f, "%8" PRIu64 " -> %-8" PRIu64 ": %-10" PRIu64 " |%-40s|\n", lo, hi,
			(uint64_t)slots[i], bar);
	}
}

/* "count N, mean X, p50 X, p90 X, p99 X, max X" of a log2 histogram. */
static void dist_line(FILE *f, const __u64 *slots, double total_ns, double max_ns)
{
	uint64_t n = hist_count(slots);
	char a[24], b[24], c[24], d[24], e[24];

	if (!n)
		return;
	fprintf(f, "  %" PRIu64 " seen: mean %s, p50 %s, p90 %s, p99 %s, max %s\n", n,
		dur(total_ns / n, a, sizeof(a)),
		dur(summary__percentile(slots, 0.5, max_ns / 1e3) * 1e3, b, sizeof(b)),
		dur(summary__percentile(slots, 0.9, max_ns / 1e3) * 1e3, c, sizeof(c)),
		dur(summary__percentile(slots, 0.99, max_ns / 1e3) * 1e3, d, sizeof(d)),
		dur(max_ns, e, sizeof(e)));
}

static void print_goroutines(FILE *f, const struct report *r)
{
	const struct summary_input *in = r->in;
	size_t k, shown = in->n < in->top ? in->n : in->top;
	char a[16], b[24], c[24], d[24], e[24], g[24], h[24], w[160];
	const struct seed_site *site;

	if (!in->n)
		return;
	fprintf(f,
		"\nbusiest live goroutines (%zu of %zu, by RUNNING + RUNNABLE + SYSCALL time):\n",
		shown, in->n);
	fprintf(f, "%10s %10s %7s %-9s %9s %9s %9s %9s %9s %9s  %s\n", "GOID", "PARENT", "PID",
		"STATE", "FOR", "AGE", names__state(NULL, GOROUTINE_RUNNING, a, sizeof(a)),
		names__state(NULL, GOROUTINE_RUNNABLE, b, sizeof(b)),
		names__state(NULL, GOROUTINE_SYSCALL, c, sizeof(c)),
		names__state(NULL, GOROUTINE_WAITING, d, sizeof(d)),
		in->nsites ? "REASON / FUNCTION" : "REASON");
	for (k = 0; k < shown; k++) {
		const struct goroutine_gval *v = &in->vals[r->busy[k]];
		char parent[24] = "-", goid[24] = "?";

		if (v->flags & GOROUTINE_G_HAS_PARENT)
			snprintf(parent, sizeof(parent), "%" PRIu64, (uint64_t)v->parent_goid);
		if (!(v->flags & GOROUTINE_G_GOID_PENDING))
			snprintf(goid, sizeof(goid), "%" PRIu64, (uint64_t)v->goid);
		w[0] = 0;
		if (v->state == GOROUTINE_WAITING && (v->flags & GOROUTINE_G_HAS_REASON))
			snprintf(w, sizeof(w), "%s",
				 reason(in->names, v->waitreason, b, sizeof(b)));
		site = site_of(in, r->busy[k]);
		if (site && site->start)
			snprintf(w + strlen(w), sizeof(w) - strlen(w), "%s%s", w[0] ? " / " : "",
				 site->start);
		fprintf(f, "%10s %10s %7u %-9s %s%8s %9s %9s %9s %9s %9s  %s\n", goid, parent,
			in->keys[r->busy[k]].tgid, state(in->names, v->state, a, sizeof(a)),
			v->flags & GOROUTINE_G_SEEDED ? ">" : " ",
			dur(ago(in, v->since_ns), b, sizeof(b)),
			v->created_ns ? dur(ago(in, v->created_ns), c, sizeof(c)) : "-",
			dur(g_ns(v, GOROUTINE_G_RUNNING, in->now_ns), d, sizeof(d)),
			dur(g_ns(v, GOROUTINE_G_RUNNABLE, in->now_ns), e, sizeof(e)),
			dur(g_ns(v, GOROUTINE_G_SYSCALL, in->now_ns), g, sizeof(g)),
			dur(g_ns(v, GOROUTINE_G_WAITING, in->now_ns), h, sizeof(h)), w);
	}
}

/* Whether leaks [i, j) hold a goroutine seeded from the attach's snapshot (a lower bound). */
static bool group_seeded(const struct report *r, size_t i, size_t j)
{
	for (size_t k = i; k < j; k++)
		if (r->in->vals[r->leaks[k]].flags & GOROUTINE_G_SEEDED)
			return true;
	return false;
}

static bool seeded_any(const struct report *r)
{
	return group_seeded(r, 0, r->nleaks);
}

/*
 * The innermost frame a user reads first: past the runtime's own (gopark,
 * chanrecv, ...), and in a syscall's stack the system call wrappers; in a
 * runtime goroutine, past the parking itself.
 */
static size_t first_user_frame(const struct summary_block *b)
{
	bool sys = b->reason == GOROUTINE_REASON_SYSCALL;
	size_t i;

	for (i = 0; i < b->nframes; i++)
		if (strncmp(b->frames[i].func, "runtime.", 8) &&
		    strncmp(b->frames[i].func, "internal/", 9) &&
		    /* A syscall's stack: past the system call wrappers too. */
		    (!sys || (strncmp(b->frames[i].func, "syscall.", 8) &&
			      strncmp(b->frames[i].func, "golang.org/x/sys/", 17))))
			return i;
	for (i = 0; i + 1 < b->nframes; i++)
		if (strncmp(b->frames[i].func, "runtime.gopark", 14))
			return i;
	return i < b->nframes ? i : 0;
}

/* Where the group leaks[i, j) waits: the stack of the first of them that blocked while traced. */
static const struct summary_block *group_stack(const struct report *r, size_t i, size_t j)
{
	const struct summary_input *in = r->in;

	if (!in->stack)
		return NULL;
	for (size_t k = i; k < j; k++) {
		const struct goroutine_gval *g = &in->vals[r->leaks[k]];
		const struct summary_block *b;

		if ((g->flags & GOROUTINE_G_HAS_STACK) &&
		    (b = in->stack(in->stack_ctx, in->keys[r->leaks[k]].tgid, g->wait_stack)))
			return b;
	}
	return NULL;
}

static void print_leaks(FILE *f, const struct report *r)
{
	const struct summary_input *in = r->in;
	const struct summary_block *st;
	size_t i = 0, j, k;
	char a[48], b[24];

	fprintf(f, "\nleak candidates: %zu goroutines WAITING for more than %g s\n", r->nleaks,
		in->leak_after_s);
	if (!r->nleaks)
		return;
	fprintf(f, "%7s %-28s %10s %8s %9s  %s\n", "PID", "REASON", "PARENT", "COUNT", "OLDEST",
		"GOIDS");
	while (i < r->nleaks) {
		const struct goroutine_gval *v = &in->vals[r->leaks[i]];
		char parent[24] = "?";

		for (j = i + 1; j < r->nleaks && same_group(r, r->leaks[i], r->leaks[j]); j++)
			;
		if (v->flags & GOROUTINE_G_HAS_PARENT)
			snprintf(parent, sizeof(parent), "%" PRIu64, (uint64_t)v->parent_goid);
		const struct seed_site *site = site_of(in, r->leaks[i]);

		fprintf(f, "%7u %-28s %10s %8zu %s%8s  ", in->keys[r->leaks[i]].tgid,
			v->flags & GOROUTINE_G_HAS_REASON ?
				reason(in->names, v->waitreason, a, sizeof(a)) :
				"?",
			parent, j - i, group_seeded(r, i, j) ? ">" : " ",
			dur(ago(in, v->since_ns), b, sizeof(b)));
		for (k = i; k < j && k < i + LEAK_GOIDS_TEXT; k++) {
			const struct goroutine_gval *g = &in->vals[r->leaks[k]];

			if (g->flags & GOROUTINE_G_GOID_PENDING)
				fprintf(f, "%s?", k > i ? " " : "");
			else
				fprintf(f, "%s%" PRIu64, k > i ? " " : "", (uint64_t)g->goid);
		}
		fprintf(f, "%s\n", j - i > LEAK_GOIDS_TEXT ? " ..." : "");
		if (site && (site->start || site->creator))
			fprintf(f, "%7s %s, created by %s at %s:%u\n", "",
				site->start ? site->start : "?",
				site->creator ? site->creator : "?", site->file ? site->file : "?",
				site->line);
		st = group_stack(r, i, j);
		if (st && st->nframes) {
			const struct summary_frame *fr = &st->frames[first_user_frame(st)];

			fprintf(f, "%7s blocked at %s %s:%u%s\n", "", fr->func, fr->file, fr->line,
				st->truncated ? " (stack truncated)" : "");
		}
		i = j;
	}
	if (seeded_any(r))
		fprintf(f, "(>: goroutines that existed before tracing; waiting at least that "
			   "long)\n");
}

/* Scheduler latency by start function: the live goroutines' own RUNNABLE time while traced. */
#define TOP_FUNCS 10
#define MAX_FUNCS 4096

struct func_lat {
	const char *func;
	uint64_t ns, goroutines;
};

static int by_lat(const void *a, const void *b)
{
	const struct func_lat *x = a, *y = b;

	return x->ns != y->ns ? (x->ns > y->ns ? -1 : 1) : strcmp(x->func, y->func);
}

/* Into v (MAX_FUNCS), sorted: the number of functions. */
static size_t lat_by_func(const struct report *r, struct func_lat *v)
{
	const struct summary_input *in = r->in;
	size_t n = 0, k, i;

	for (k = 0; k < in->n; k++) {
		const struct goroutine_gval *g = &in->vals[k];
		const struct seed_site *site = site_of(in, k);
		uint64_t ns = g->state_ns[GOROUTINE_G_RUNNABLE];

		if (!site || !site->start)
			continue;
		if (g->state == GOROUTINE_RUNNABLE && in->now_ns > g->since_ns)
			ns += in->now_ns - g->since_ns;
		for (i = 0; i < n && strcmp(v[i].func, site->start); i++)
			;
		if (i == n) {
			if (n == MAX_FUNCS)
				continue;
			v[n++] = (struct func_lat){.func = site->start};
		}
		v[i].ns += ns;
		v[i].goroutines++;
	}
	qsort(v, n, sizeof(*v), by_lat);
	return n;
}

static void print_lat_by_func(FILE *f, const struct report *r)
{
	struct func_lat *v = calloc(MAX_FUNCS, sizeof(*v));
	size_t n = v ? lat_by_func(r, v) : 0;
	char a[24];

	if (n && v[0].ns) {
		fprintf(f,
			"\nscheduler latency by start function (live goroutines, time RUNNABLE "
			"while traced):\n%-50s %10s %10s\n",
			"FUNCTION", "GOROUTINES", "RUNNABLE");
		for (size_t i = 0; i < n && i < TOP_FUNCS && v[i].ns; i++)
			fprintf(f, "%-50s %10" PRIu64 " %10s\n", v[i].func, v[i].goroutines,
				dur(v[i].ns, a, sizeof(a)));
	}
	free(v);
}

static cJSON *lat_by_func_json(const struct report *r)
{
	struct func_lat *v = calloc(MAX_FUNCS, sizeof(*v));
	size_t n = v ? lat_by_func(r, v) : 0;
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < n && i < TOP_FUNCS && v[i].ns; i++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddItemToArray(arr, x);
		cJSON_AddStringToObject(x, "start_func", v[i].func);
		cJSON_AddNumberToObject(x, "goroutines", v[i].goroutines);
		cJSON_AddNumberToObject(x, "runnable_ms", v[i].ns / 1e6);
	}
	free(v);
	return arr;
}

#define TOP_STACKS 5
#define SHOWN_FRAMES 4

/* in->blocks of reason k, the longest total first, at most max of them into idx. */
static size_t stacks_of(const struct summary_input *in, unsigned int k, size_t *idx, size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; i < in->nblocks; i++) {
		const struct summary_block *b = &in->blocks[i];

		if (b->reason != k)
			continue;
		/* Insertion into the top max: there are few stacks per reason. */
		for (j = n < max ? n++ : max;
		     j > 0 && in->blocks[idx[j - 1]].total_ns < b->total_ns; j--)
			if (j < max)
				idx[j] = idx[j - 1];
		if (j < max)
			idx[j] = i;
	}
	return n;
}

/* One stack of the blocking or syscall lists: its figures, then its innermost user frames. */
static void print_block(FILE *f, const struct summary_input *in, const struct summary_block *bl)
{
	char a[48], b[24], c[24];
	size_t first = first_user_frame(bl);
	bool sys = bl->reason == GOROUTINE_REASON_SYSCALL,
	     sched = bl->reason == GOROUTINE_REASON_SCHED;

	fprintf(f, "  %-28s %8" PRIu64 " %s %11.3f ms  mean %s  max %s%s\n",
		sys   ? "syscall" :
		sched ? "runnable" :
			reason(in->names, bl->reason, a, sizeof(a)),
		bl->count,
		sys   ? "calls" :
		sched ? "wakeups" :
			"waits",
		bl->total_ns / 1e6, dur((double)bl->total_ns / bl->count, b, sizeof(b)),
		dur(bl->max_ns, c, sizeof(c)), bl->truncated ? "  (truncated)" : "");
	for (size_t j = first; j < bl->nframes && j < first + SHOWN_FRAMES; j++)
		fprintf(f, "      %s %s:%u\n", bl->frames[j].func, bl->frames[j].file,
			bl->frames[j].line);
	if (bl->nframes > first + SHOWN_FRAMES)
		fprintf(f, "      ... %zu more\n", bl->nframes - first - SHOWN_FRAMES);
}

static void print_stacks(FILE *f, const struct summary_input *in, const struct report *r)
{
	size_t idx[TOP_STACKS], n, i, k;
	bool any = false;

	for (i = 0; i < r->nreasons; i++) {
		n = stacks_of(in, r->reasons[i], idx, TOP_STACKS);
		for (k = 0; k < n; k++) {
			if (!any)
				fprintf(f,
					"\nblocking stacks (the %d longest per wait reason, "
					"innermost user frame first):\n",
					TOP_STACKS);
			any = true;
			print_block(f, in, &in->blocks[idx[k]]);
		}
	}
	/* Time in the kernel is not blocking on Go's terms, but where it is spent is asked as often. */
	n = stacks_of(in, GOROUTINE_REASON_SYSCALL, idx, TOP_STACKS);
	if (n)
		fprintf(f, "\nsyscall stacks (the %d longest, innermost user frame first):\n",
			TOP_STACKS);
	for (k = 0; k < n; k++)
		print_block(f, in, &in->blocks[idx[k]]);
}

/* Woken goroutines' latency by the stack they waited at, where they resume. */
static void print_sched_stacks(FILE *f, const struct summary_input *in)
{
	size_t idx[TOP_STACKS], n = stacks_of(in, GOROUTINE_REASON_SCHED, idx, TOP_STACKS);

	if (n)
		fprintf(f,
			"\nscheduler latency by stack (where each goroutine resumes: its wait or "
			"yield; "
			"the %d longest):\n",
			TOP_STACKS);
	for (size_t k = 0; k < n; k++)
		print_block(f, in, &in->blocks[idx[k]]);
}

static cJSON *stacks_json(const struct summary_input *in, unsigned int k)
{
	size_t idx[TOP_STACKS], n = stacks_of(in, k, idx, TOP_STACKS);
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < n; i++) {
		const struct summary_block *bl = &in->blocks[idx[i]];
		cJSON *x = cJSON_CreateObject(), *fr;

		cJSON_AddItemToArray(arr, x);
		cJSON_AddNumberToObject(x, "count", bl->count);
		cJSON_AddNumberToObject(x, "total_ms", bl->total_ns / 1e6);
		cJSON_AddNumberToObject(x, "max_ms", bl->max_ns / 1e6);
		cJSON_AddBoolToObject(x, "truncated", bl->truncated);
		cJSON_AddNumberToObject(x, "first_user_frame", first_user_frame(bl));
		fr = cJSON_AddArrayToObject(x, "frames");
		for (size_t j = 0; fr && j < bl->nframes; j++) {
			cJSON *y = cJSON_CreateObject();

			cJSON_AddItemToArray(fr, y);
			cJSON_AddStringToObject(y, "func", bl->frames[j].func);
			cJSON_AddStringToObject(y, "file", bl->frames[j].file);
			cJSON_AddNumberToObject(y, "line", bl->frames[j].line);
		}
	}
	return arr;
}

/*
 * A name from a process for a terminal line: a newline or an escape
 * sequence in a comm or a path must not forge lines, so bytes below 0x20
 * and 0x7f are printed as '?'.
 */
static const char *printable(const char *in, char *out, size_t len)
{
	snprintf(out, len, "%s", in ? in : "");
	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return out;
}

/* Following: a line per process, before the total they add up to. */
static void print_procs(FILE *f, const struct report *r)
{
	const struct summary_input *in = r->in;
	char comm[16], exe[256], cid[84], ctr[96], a[24], b[24];

	if (!in->nprocs)
		return;
	fprintf(f, "per process (the total follows):\n");
	fprintf(f, "%8s %-15s %-9s %10s %9s %9s %8s %8s %7s %9s %9s  %s\n", "PID", "COMM", "GO",
		"SWITCHES", "CREATED", "EXITED", "LIVE", "WAITING", "LEAKS", "SCHED-AVG",
		"SCHED-MAX", "EXE [CONTAINER]");
	for (size_t i = 0; i < in->nprocs; i++) {
		const struct summary_proc *p = &in->procs[i];
		const struct goroutine_procsum *q = &p->sum;
		const struct proc_tally *t = &r->ptally[i];

		if (!p->pid) {
			fprintf(f,
				"%8s %-15s %-9s %10" PRIu64 " %9" PRIu64 " %9" PRIu64
				" %8s %8s %7s %9s %9s  (%" PRIu64 " more ended processes)\n",
				"-", "-", "-", (uint64_t)q->switches, (uint64_t)q->created,
				(uint64_t)q->exited, "-", "-", "-",
				q->schedlat_count ? dur((double)q->schedlat_ns / q->schedlat_count,
							a, sizeof(a)) :
						    "-",
				q->schedlat_count ? dur(q->schedlat_max_ns, b, sizeof(b)) : "-",
				p->folded);
			continue;
		}
		printable(p->comm, comm, sizeof(comm));
		printable(p->exe, exe, sizeof(exe));
		printable(p->container, cid, sizeof(cid));
		snprintf(ctr, sizeof(ctr), "%s%s%s", cid[0] ? " [" : "", cid, cid[0] ? "]" : "");
		fprintf(f,
			"%8d %-15s %-9.9s %10" PRIu64 " %9" PRIu64 " %9" PRIu64 " %8" PRIu64
			" %8" PRIu64 " %7" PRIu64 " %9s %9s  %s%s%s\n",
			(int)p->pid, comm, p->go_version && p->go_version[0] ? p->go_version : "?",
			(uint64_t)q->switches, (uint64_t)q->created, (uint64_t)q->exited, t->live,
			t->waiting, t->leaks,
			q->schedlat_count ?
				dur((double)q->schedlat_ns / q->schedlat_count, a, sizeof(a)) :
				"-",
			q->schedlat_count ? dur(q->schedlat_max_ns, b, sizeof(b)) : "-", exe, ctr,
			p->ended ? " (ended)" : "");
	}
	fputc('\n', f);
}

/* The same, as JSON (strings escaped by cJSON). */
static cJSON *procs_json(const struct report *r)
{
	const struct summary_input *in = r->in;
	cJSON *arr = cJSON_CreateArray(), *x, *g;

	for (size_t i = 0; arr && i < in->nprocs; i++) {
		const struct summary_proc *p = &in->procs[i];
		const struct goroutine_procsum *q = &p->sum;

		x = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, x);
		if (!p->pid) {
			cJSON_AddNumberToObject(x, "more_ended_processes", p->folded);
		} else {
			cJSON_AddNumberToObject(x, "pid", p->pid);
			cJSON_AddStringToObject(x, "comm", p->comm ? p->comm : "");
			cJSON_AddStringToObject(x, "exe", p->exe ? p->exe : "");
			cJSON_AddStringToObject(x, "container", p->container ? p->container : "");
			cJSON_AddStringToObject(x, "go_version",
						p->go_version ? p->go_version : "");
			cJSON_AddBoolToObject(x, "ended", p->ended);
		}
		cJSON_AddNumberToObject(x, "switches", q->switches);
		g = cJSON_AddObjectToObject(x, "goroutines");
		cJSON_AddNumberToObject(g, "created", q->created);
		cJSON_AddNumberToObject(g, "exited", q->exited);
		if (p->pid) {
			cJSON_AddNumberToObject(g, "live", r->ptally[i].live);
			cJSON_AddNumberToObject(g, "waiting", r->ptally[i].waiting);
			cJSON_AddNumberToObject(g, "leak_candidates", r->ptally[i].leaks);
		}
		g = cJSON_AddObjectToObject(x, "sched_latency");
		cJSON_AddNumberToObject(g, "count", q->schedlat_count);
		cJSON_AddNumberToObject(
			g, "mean_us",
			q->schedlat_count ? (double)q->schedlat_ns / q->schedlat_count / 1e3 : 0);
		cJSON_AddNumberToObject(g, "max_us", q->schedlat_max_ns / 1e3);
	}
	return arr;
}

void summary__print(FILE *f, const struct summary_input *in)
{
	const struct goroutine_summary *s = in->sum;
	struct report r;
	char a[48], b[24], c[24], d[24], e[24], g[24];
	unsigned int i, j;

	if (report_init(&r, in)) {
		fprintf(f, "goroutine summary: out of memory\n");
		return;
	}
	print_procs(f, &r);
	fprintf(f, "goroutine summary: %.1f s, %" PRIu64 " state switches, %" PRIu64 " lost (%s)\n",
		in->elapsed_s, r.switches, in->lost,
		!strcmp(in->source, "kernel") ? "aggregated in the kernel" : "from events");
	if (in->evicted)
		fprintf(f,
			"note: %" PRIu64 " goroutine records were evicted by others (hash "
			"collisions): their time in state so far is not counted\n",
			in->evicted);
	fprintf(f, "goroutines: %" PRIu64 " created, %" PRIu64 " exited, %zu live",
		(uint64_t)s->created, (uint64_t)s->exited, in->n);
	for (i = 0, j = 0; i < GOROUTINE_NSTATES; i++)
		if (r.live_by_state[i])
			fprintf(f, "%s%" PRIu64 " %s", j++ ? ", " : ": ", r.live_by_state[i],
				state(in->names, i, a, sizeof(a)));
	fprintf(f, "\n\n");

	fprintf(f, "%-12s %14s %7s\n", "STATE", "TIME(ms)", "SHARE");
	for (i = 0; i < GOROUTINE_NSTATES; i++) {
		if (!r.state_ns[i])
			continue;
		fprintf(f, "%-12s %14.3f %6.1f%%\n", state(in->names, i, a, sizeof(a)),
			r.state_ns[i] / 1e6, r.total_ns ? 100.0 * r.state_ns[i] / r.total_ns : 0);
	}

	fprintf(f, "\n%-12s %-12s %12s\n", "FROM", "TO", "COUNT");
	for (i = 0; i < GOROUTINE_NSTATES; i++)
		for (j = 0; j < GOROUTINE_NSTATES; j++)
			if (s->transitions[i][j])
				fprintf(f, "%-12s %-12s %12" PRIu64 "\n",
					state(in->names, i, a, sizeof(a)),
					state(in->names, j, b, sizeof(b)),
					(uint64_t)s->transitions[i][j]);

	fprintf(f, "\nscheduler latency (RUNNABLE -> RUNNING):\n");
	dist_line(f, s->schedlat, s->schedlat_ns, s->schedlat_max_ns);
	histogram(f, s->schedlat, "no RUNNABLE -> RUNNING switch seen");
	print_lat_by_func(f, &r);
	print_sched_stacks(f, in);

	fprintf(f, "\n%-30s %8s %11s %9s %9s %9s %9s %9s\n", "BLOCKED ON (WAIT REASON)", "COUNT",
		"TOTAL(ms)", "MEAN", "P50", "P90", "P99", "MAX");
	for (i = 0; i < r.nreasons; i++) {
		unsigned int k = r.reasons[i];
		double max_us = s->wait_max_ns[k] / 1e3;

		fprintf(f, "%-30s %8" PRIu64 " %11.3f %9s %9s %9s %9s %9s\n",
			reason(in->names, k, a, sizeof(a)), (uint64_t)s->wait_count[k],
			s->wait_ns[k] / 1e6,
			dur((double)s->wait_ns[k] / s->wait_count[k], b, sizeof(b)),
			dur(summary__percentile(s->wait_hist[k], 0.5, max_us) * 1e3, c, sizeof(c)),
			dur(summary__percentile(s->wait_hist[k], 0.9, max_us) * 1e3, d, sizeof(d)),
			dur(summary__percentile(s->wait_hist[k], 0.99, max_us) * 1e3, e, sizeof(e)),
			dur(s->wait_max_ns[k], g, sizeof(g)));
	}
	if (!r.nreasons)
		fprintf(f, "  (no goroutine left WAITING while traced)\n");
	print_stacks(f, in, &r);

	fprintf(f, "\ngoroutine lifetimes (created and exited while traced):\n");
	dist_line(f, s->lifetime, s->lifetime_ns, s->lifetime_max_ns);
	histogram(f, s->lifetime, "no goroutine created and exited while traced");

	print_goroutines(f, &r);
	print_leaks(f, &r);
	report_fini(&r);
}

/*
 * A distribution's fields into o (a new object when NULL): count, mean,
 * percentiles, max and the histogram. cJSON's adders tolerate a NULL object
 * (out of memory): the result is then NULL or incomplete, never a crash.
 */
static cJSON *dist_json(cJSON *o, const __u64 *slots, double total_ns, double max_ns)
{
	uint64_t n = hist_count(slots);
	cJSON *h;
	int i;

	if (!o)
		o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "count", n);
	cJSON_AddNumberToObject(o, "mean_us", n ? total_ns / n / 1e3 : 0);
	cJSON_AddNumberToObject(o, "p50_us", summary__percentile(slots, 0.5, max_ns / 1e3));
	cJSON_AddNumberToObject(o, "p90_us", summary__percentile(slots, 0.9, max_ns / 1e3));
	cJSON_AddNumberToObject(o, "p99_us", summary__percentile(slots, 0.99, max_ns / 1e3));
	cJSON_AddNumberToObject(o, "max_us", max_ns / 1e3);
	h = cJSON_AddArrayToObject(o, "hist");
	for (i = 0; h && i < GOROUTINE_HIST_SLOTS; i++) {
		cJSON *b;

		if (!slots[i])
			continue;
		b = cJSON_CreateObject();
		cJSON_AddNumberToObject(b, "lo_us", i ? (double)(1ULL << i) : 0);
		cJSON_AddNumberToObject(b, "hi_us", (double)((1ULL << (i + 1)) - 1));
		cJSON_AddNumberToObject(b, "count", slots[i]);
		cJSON_AddItemToArray(h, b);
	}
	return o;
}

static void add_goid(cJSON *o, const char *key, const struct goroutine_gval *v, bool parent)
{
	if (parent ? !(v->flags & GOROUTINE_G_HAS_PARENT) : (v->flags & GOROUTINE_G_GOID_PENDING))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, parent ? v->parent_goid : v->goid);
}

/* A goroutine's origin as "start_func" and "created_by": {func, file, line}. */
static void add_site(cJSON *o, const struct seed_site *site)
{
	cJSON *c;

	if (site && site->start)
		cJSON_AddStringToObject(o, "start_func", site->start);
	if (site && site->creator) {
		c = cJSON_AddObjectToObject(o, "created_by");
		cJSON_AddStringToObject(c, "func", site->creator);
		cJSON_AddStringToObject(c, "file", site->file ? site->file : "?");
		cJSON_AddNumberToObject(c, "line", site->line);
	}
}

static cJSON *goroutines_json(const struct report *r)
{
	const struct summary_input *in = r->in;
	cJSON *arr = cJSON_CreateArray();
	char a[48];
	size_t k;

	for (k = 0; arr && k < in->n && k < GOROUTINES_JSON; k++) {
		const struct goroutine_gval *v = &in->vals[r->busy[k]];
		cJSON *o = cJSON_CreateObject(), *t;

		cJSON_AddItemToArray(arr, o);
		add_goid(o, "goid", v, false);
		add_goid(o, "parent", v, true);
		cJSON_AddNumberToObject(o, "pid", in->keys[r->busy[k]].tgid);
		cJSON_AddStringToObject(o, "state", state(in->names, v->state, a, sizeof(a)));
		if (v->state == GOROUTINE_WAITING && (v->flags & GOROUTINE_G_HAS_REASON))
			cJSON_AddStringToObject(o, "reason",
						reason(in->names, v->waitreason, a, sizeof(a)));
		else
			cJSON_AddNullToObject(o, "reason");
		if (v->created_ns)
			cJSON_AddNumberToObject(o, "age_s", ago(in, v->created_ns) / 1e9);
		else
			cJSON_AddNullToObject(o, "age_s");
		cJSON_AddNumberToObject(o, "in_state_s", ago(in, v->since_ns) / 1e9);
		cJSON_AddBoolToObject(o, "in_state_is_lower_bound", v->flags & GOROUTINE_G_SEEDED);
		add_site(o, site_of(in, r->busy[k]));
		/* The per-goroutine slots, under the built-in names (the page reads these keys). */
		t = cJSON_AddObjectToObject(o, "time_ms");
		cJSON_AddNumberToObject(t, names__state(NULL, GOROUTINE_RUNNABLE, a, sizeof(a)),
					g_ns(v, GOROUTINE_G_RUNNABLE, in->now_ns) / 1e6);
		cJSON_AddNumberToObject(t, names__state(NULL, GOROUTINE_RUNNING, a, sizeof(a)),
					g_ns(v, GOROUTINE_G_RUNNING, in->now_ns) / 1e6);
		cJSON_AddNumberToObject(t, names__state(NULL, GOROUTINE_SYSCALL, a, sizeof(a)),
					g_ns(v, GOROUTINE_G_SYSCALL, in->now_ns) / 1e6);
		cJSON_AddNumberToObject(t, names__state(NULL, GOROUTINE_WAITING, a, sizeof(a)),
					g_ns(v, GOROUTINE_G_WAITING, in->now_ns) / 1e6);
		cJSON_AddNumberToObject(t, "OTHER", g_ns(v, GOROUTINE_G_OTHER, in->now_ns) / 1e6);
	}
	return arr;
}

static cJSON *leaks_json(const struct report *r)
{
	const struct summary_input *in = r->in;
	cJSON *o = cJSON_CreateObject(), *groups = cJSON_AddArrayToObject(o, "groups");
	const struct summary_block *st;
	size_t i = 0, j, k;
	char a[48];

	cJSON_AddNumberToObject(o, "after_s", in->leak_after_s);
	cJSON_AddNumberToObject(o, "count", r->nleaks);
	while (groups && i < r->nleaks) {
		const struct goroutine_gval *v = &in->vals[r->leaks[i]];
		cJSON *g = cJSON_CreateObject(), *ids;

		for (j = i + 1; j < r->nleaks && same_group(r, r->leaks[i], r->leaks[j]); j++)
			;
		cJSON_AddItemToArray(groups, g);
		cJSON_AddNumberToObject(g, "pid", in->keys[r->leaks[i]].tgid);
		if (v->flags & GOROUTINE_G_HAS_REASON)
			cJSON_AddStringToObject(g, "reason",
						reason(in->names, v->waitreason, a, sizeof(a)));
		else
			cJSON_AddNullToObject(g, "reason");
		add_goid(g, "parent", v, true);
		cJSON_AddNumberToObject(g, "count", j - i);
		cJSON_AddNumberToObject(g, "oldest_s", ago(in, v->since_ns) / 1e9);
		cJSON_AddBoolToObject(g, "oldest_is_lower_bound", group_seeded(r, i, j));
		add_site(g, site_of(in, r->leaks[i]));
		st = group_stack(r, i, j);
		if (st) {
			cJSON *fr = cJSON_AddArrayToObject(g, "stack");

			for (k = first_user_frame(st); fr && k < st->nframes; k++) {
				cJSON *y = cJSON_CreateObject();

				cJSON_AddItemToArray(fr, y);
				cJSON_AddStringToObject(y, "func", st->frames[k].func);
				cJSON_AddStringToObject(y, "file", st->frames[k].file);
				cJSON_AddNumberToObject(y, "line", st->frames[k].line);
			}
			cJSON_AddBoolToObject(g, "stack_truncated", st->truncated);
		}
		ids = cJSON_AddArrayToObject(g, "goids");
		for (k = i; ids && k < j && k < i + LEAK_GOIDS_JSON; k++) {
			const struct goroutine_gval *x = &in->vals[r->leaks[k]];

			cJSON_AddItemToArray(ids, x->flags & GOROUTINE_G_GOID_PENDING ?
							  cJSON_CreateNull() :
							  cJSON_CreateNumber(x->goid));
		}
		i = j;
	}
	return o;
}

cJSON *summary__json(const struct summary_input *in)
{
	const struct goroutine_summary *s = in->sum;
	cJSON *o, *x, *arr;
	struct report r;
	char a[48], b[24];
	unsigned int i, j;

	if (report_init(&r, in))
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "summary");
	cJSON_AddStringToObject(o, "source", in->source);
	cJSON_AddNumberToObject(o, "elapsed_s", in->elapsed_s);
	cJSON_AddNumberToObject(o, "switches", r.switches);
	cJSON_AddNumberToObject(o, "lost", in->lost);
	cJSON_AddNumberToObject(o, "evicted", in->evicted);

	x = cJSON_AddObjectToObject(o, "goroutines");
	cJSON_AddNumberToObject(x, "created", s->created);
	cJSON_AddNumberToObject(x, "exited", s->exited);
	cJSON_AddNumberToObject(x, "live", in->n);
	x = cJSON_AddObjectToObject(x, "by_state");
	for (i = 0; i < GOROUTINE_NSTATES; i++)
		if (r.live_by_state[i])
			cJSON_AddNumberToObject(x, state(in->names, i, a, sizeof(a)),
						r.live_by_state[i]);

	arr = cJSON_AddArrayToObject(o, "states");
	for (i = 0; arr && i < GOROUTINE_NSTATES; i++) {
		if (!r.state_ns[i])
			continue;
		x = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, x);
		cJSON_AddStringToObject(x, "state", state(in->names, i, a, sizeof(a)));
		cJSON_AddNumberToObject(x, "time_ms", r.state_ns[i] / 1e6);
		cJSON_AddNumberToObject(x, "share",
					r.total_ns ? (double)r.state_ns[i] / r.total_ns : 0);
	}
	arr = cJSON_AddArrayToObject(o, "transitions");
	for (i = 0; arr && i < GOROUTINE_NSTATES; i++)
		for (j = 0; j < GOROUTINE_NSTATES; j++) {
			if (!s->transitions[i][j])
				continue;
			x = cJSON_CreateObject();
			cJSON_AddItemToArray(arr, x);
			cJSON_AddStringToObject(x, "from", state(in->names, i, a, sizeof(a)));
			cJSON_AddStringToObject(x, "to", state(in->names, j, b, sizeof(b)));
			cJSON_AddNumberToObject(x, "count", s->transitions[i][j]);
		}
	cJSON_AddItemToObject(o, "sched_latency",
			      dist_json(NULL, s->schedlat, s->schedlat_ns, s->schedlat_max_ns));
	cJSON_AddItemToObject(o, "sched_latency_by_func", lat_by_func_json(&r));
	cJSON_AddItemToObject(o, "sched_latency_by_stack", stacks_json(in, GOROUTINE_REASON_SCHED));
	arr = cJSON_AddArrayToObject(o, "blocking");
	for (i = 0; arr && i < r.nreasons; i++) {
		unsigned int k = r.reasons[i];

		x = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, x);
		cJSON_AddStringToObject(x, "reason", reason(in->names, k, a, sizeof(a)));
		cJSON_AddNumberToObject(x, "total_ms", s->wait_ns[k] / 1e6);
		dist_json(x, s->wait_hist[k], s->wait_ns[k], s->wait_max_ns[k]);
		cJSON_AddItemToObject(x, "stacks", stacks_json(in, k));
	}
	/* Syscalls ended while traced, under their stacks (SYSCALL's time is in "states"). */
	x = cJSON_AddObjectToObject(o, "syscalls");
	cJSON_AddItemToObject(x, "stacks", stacks_json(in, GOROUTINE_REASON_SYSCALL));
	cJSON_AddItemToObject(o, "lifetimes",
			      dist_json(NULL, s->lifetime, s->lifetime_ns, s->lifetime_max_ns));
	cJSON_AddItemToObject(o, "goroutine_table", goroutines_json(&r));
	cJSON_AddItemToObject(o, "leaks", leaks_json(&r));
	if (in->nprocs)
		cJSON_AddItemToObject(o, "processes", procs_json(&r));
	report_fini(&r);
	return o;
}

int summary__print_json(FILE *f, const struct summary_input *in)
{
	cJSON *j = summary__json(in);
	struct jsonw *w;
	int err;

	if (!j)
		return -ENOMEM;
	err = jsonw__new(f, 0, &w);
	if (!err) {
		jsonw__cjson(w, j);
		err = jsonw__finish(w);
	}
	cJSON_Delete(j);
	if (!err && fputc('\n', f) == EOF)
		err = -EIO;
	return err;
}
