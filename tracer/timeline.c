// SPDX-License-Identifier: GPL-2.0
/*
 * timeline: the HTML report and the Chrome trace-event file (see
 * timeline.h). The trace-event file is streamed, a slice at a time, so it
 * holds the whole run at any length. The page keeps the first max_slices
 * slices in memory and, to stay responsive in a browser, shows at most
 * DISPLAY_SLICES of them: short slices are merged with their neighbours
 * (coarser and coarser until they fit), and the page says so. Both are
 * written with jsonw in its HTML-safe mode (the page's data sits in a
 * <script> block; the trace file gets the same bytes).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "array.h"
#include "goroutine.h"
#include "gtable.h"
#include "jsonw.h"
#include "names.h"
#include "sites.h"
#include "stacks.h"
#include "summary.h"
#include "timeline.h"

#define DEFAULT_MAX_SLICES (2u << 20) /* 48 MiB of slices */
#define DISPLAY_SLICES 250000
#define DISPLAY_ROWS 20000
#define DATA_MARKER "@GOROUTINE_DATA@"

extern const char timeline_report_html[];

struct row {
	uint64_t goid, parent_goid, created_ns, end_ns;
	const struct site_sym *start, *creator; /* the sites table's, which outlives the page */
	uint32_t tgid;
	bool has_parent, exited;
};

struct tslice {
	uint64_t start_ns, end_ns;
	uint32_t row;
	int32_t stack; /* index into stack_ids: where a WAITING slice blocked; -1: none */
	uint8_t state;
	int16_t reason; /* -1: none */
};

struct timeline {
	struct timeline_opts o;
	char *target; /* a copy: the caller's string need not outlive this call */
	FILE *html, *trace;
	struct jsonw *tw; /* onto trace */
	bool trace_first;
	/* Rows: (tgid, goid) -> index into rows (a goroutine table keyed by goid). */
	struct gtable *index;
	struct row *rows;
	size_t nrows, caprows;
	struct tslice *slices;
	size_t nslices, capslices;
	uint64_t dropped; /* slices past max_slices, not on the page */
	/* The distinct stacks slices name: id -> index (a goroutine table keyed by id). */
	struct gtable *stack_index;
	uint64_t *stack_ids;
	size_t nstacks, capstacks;
	uint32_t tgids[64]; /* processes given a name in the trace file */
	size_t ntgids;
	int err;
};

int timeline__new(const struct timeline_opts *opts, struct timeline **out)
{
	struct timeline *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->o = *opts;
	t->target = strdup(opts->target ? opts->target : "");
	if (!t->target)
		goto fail;
	t->o.target = t->target;
	if (!t->o.max_slices)
		t->o.max_slices = DEFAULT_MAX_SLICES;
	err = gtable__new(sizeof(uint32_t), &t->index);
	if (!err)
		err = gtable__new(sizeof(uint32_t), &t->stack_index);
	if (err)
		goto fail_err;
	if (opts->html_path && !(t->html = fopen(opts->html_path, "w")))
		goto fail;
	if (opts->trace_path) {
		t->trace = fopen(opts->trace_path, "w");
		if (!t->trace)
			goto fail;
		err = jsonw__new(t->trace, JSONW_HTML, &t->tw);
		if (err)
			goto fail_err;
		/* The events one a line, the first on the line after the bracket. */
		jsonw__object(t->tw);
		jsonw__key(t->tw, "displayTimeUnit");
		jsonw__string(t->tw, "ns");
		jsonw__key(t->tw, "traceEvents");
		jsonw__array(t->tw);
		jsonw__newline(t->tw);
		t->trace_first = true;
	}
	*out = t;
	return 0;
fail:
	err = -errno;
fail_err:
	timeline__delete(t);
	return err;
}

void timeline__delete(struct timeline *t)
{
	if (!t)
		return;
	jsonw__finish(t->tw);
	if (t->html)
		fclose(t->html);
	if (t->trace)
		fclose(t->trace);
	gtable__delete(t->index);
	gtable__delete(t->stack_index);
	free(t->stack_ids);
	free(t->target);
	free(t->rows);
	free(t->slices);
	free(t);
}

void timeline__start(struct timeline *t, uint64_t start_ns)
{
	t->o.start_ns = start_ns;
}

static double us(const struct timeline *t, uint64_t ns)
{
	return ns > t->o.start_ns ? (ns - t->o.start_ns) / 1e3 : 0;
}

/* A new trace item: on a line of its own. */
static void trace_sep(struct timeline *t)
{
	if (!t->trace_first)
		jsonw__newline(t->tw);
	t->trace_first = false;
}

/* A metadata item ("ph":"M") of a goroutine's track, up to its args object. */
static void trace_meta(struct timeline *t, const char *name, uint32_t tgid, uint64_t tid)
{
	struct jsonw *w = t->tw;

	trace_sep(t);
	jsonw__object(w);
	jsonw__key(w, "name");
	jsonw__string(w, name);
	jsonw__key(w, "ph");
	jsonw__string(w, "M");
	jsonw__key(w, "pid");
	jsonw__u64(w, tgid);
	jsonw__key(w, "tid");
	jsonw__u64(w, tid);
	jsonw__key(w, "args");
	jsonw__object(w);
}

/* The trace file's metadata for a new goroutine (and, once, for its process). */
static void trace_names(struct timeline *t, const struct row *r)
{
	struct jsonw *w = t->tw;
	size_t i;

	for (i = 0; i < t->ntgids && t->tgids[i] != r->tgid; i++)
		;
	if (i == t->ntgids && t->ntgids < sizeof(t->tgids) / sizeof(t->tgids[0])) {
		t->tgids[t->ntgids++] = r->tgid;
		trace_meta(t, "process_name", r->tgid, 0);
		jsonw__key(w, "name");
		jsonw__stringf(w, "%s (pid %u)", t->o.target ? t->o.target : "go", r->tgid);
		jsonw__object_end(w);
		jsonw__object_end(w);
	}
	trace_meta(t, "thread_name", r->tgid, r->goid);
	jsonw__key(w, "name");
	/* As go tool trace names them: the goroutine and its function. */
	if (r->has_parent)
		jsonw__stringf(w, "goroutine %" PRIu64 "%s%s (parent %" PRIu64 ")", r->goid,
			       r->start ? " " : "", r->start ? r->start->func : "", r->parent_goid);
	else
		jsonw__stringf(w, "goroutine %" PRIu64 "%s%s", r->goid, r->start ? " " : "",
			       r->start ? r->start->func : "");
	if (r->creator) {
		jsonw__key(w, "created_by");
		jsonw__stringf(w, "%s %s:%u", r->creator->func, r->creator->file, r->creator->line);
	}
	jsonw__object_end(w);
	jsonw__object_end(w);
	trace_meta(t, "thread_sort_index", r->tgid, r->goid);
	jsonw__key(w, "sort_index");
	jsonw__u64(w, r->goid);
	jsonw__object_end(w);
	jsonw__object_end(w);
}

static struct row *row_for(struct timeline *t, const struct analysis_slice *s, uint32_t *idx)
{
	struct goroutine_gkey key = {.gp = s->goid, .tgid = s->tgid};
	uint32_t *slot = gtable__find(t->index, &key);
	struct row *r;
	void *v;

	if (slot) {
		*idx = *slot;
		return &t->rows[*idx];
	}
	if (t->nrows >= UINT32_MAX ||
	    array__reserve(&t->rows, &t->caprows, t->nrows + 1, sizeof(*t->rows), 1024, 0) ||
	    gtable__insert(t->index, &key, &v) < 0)
		return NULL;
	*idx = t->nrows;
	*(uint32_t *)v = t->nrows++;
	r = &t->rows[*idx];
	memset(r, 0, sizeof(*r));
	r->tgid = s->tgid;
	r->goid = s->goid;
	r->parent_goid = s->parent_goid;
	r->has_parent = s->has_parent;
	r->created_ns = s->created_ns;
	r->start = s->start;
	r->creator = s->creator;
	if (t->trace)
		trace_names(t, r);
	return r;
}

/* The page's index of stack id (0: none, -1), added the first time; -1 when out of memory. */
static int32_t stack_index(struct timeline *t, uint64_t id)
{
	struct goroutine_gkey key = {.gp = id};
	uint32_t *slot;
	void *v;

	if (!id || !t->o.stacks)
		return -1;
	slot = gtable__find(t->stack_index, &key);
	if (slot)
		return (int32_t)*slot;
	if (t->nstacks >= INT32_MAX ||
	    array__reserve(&t->stack_ids, &t->capstacks, t->nstacks + 1, sizeof(*t->stack_ids), 256,
			   0) ||
	    gtable__insert(t->stack_index, &key, &v) < 0)
		return -1;
	t->stack_ids[t->nstacks] = id;
	*(uint32_t *)v = (uint32_t)t->nstacks;
	return (int32_t)t->nstacks++;
}

void timeline__slice(void *ctx, const struct analysis_slice *s)
{
	struct timeline *t = ctx;
	struct jsonw *w = t->tw;
	struct row *r;
	uint32_t idx;
	char buf[16];

	/* Idle and dead gs are not goroutines; an unknown goid has no track. */
	if (!s->goid_known || s->state == GOROUTINE_IDLE || s->state == GOROUTINE_DEAD)
		return;
	r = row_for(t, s, &idx);
	if (!r) {
		t->err = -ENOMEM;
		return;
	}
	if (s->exited) {
		r->exited = true;
		r->end_ns = s->end_ns;
	}
	if (t->trace) {
		const char *why = names__reason(t->o.names, s->waitreason);

		trace_sep(t);
		jsonw__object(w);
		jsonw__key(w, "name");
		jsonw__string(w, names__state(t->o.names, s->state, buf, sizeof(buf)));
		jsonw__key(w, "cat");
		jsonw__string(w, "goroutine");
		jsonw__key(w, "ph");
		jsonw__string(w, "X");
		jsonw__key(w, "ts");
		jsonw__fixed(w, us(t, s->start_ns), 3);
		jsonw__key(w, "dur");
		jsonw__fixed(w, (s->end_ns - s->start_ns) / 1e3, 3);
		jsonw__key(w, "pid");
		jsonw__u64(w, s->tgid);
		jsonw__key(w, "tid");
		jsonw__u64(w, s->goid);
		if (why) {
			jsonw__key(w, "args");
			jsonw__object(w);
			jsonw__key(w, "reason");
			jsonw__string(w, why);
			jsonw__object_end(w);
		}
		jsonw__object_end(w);
	}
	if (!t->html)
		return;
	if (t->nslices == t->o.max_slices) {
		t->dropped++;
		return;
	}
	if (array__reserve(&t->slices, &t->capslices, t->nslices + 1, sizeof(*t->slices), 65536,
			   t->o.max_slices)) {
		t->dropped++;
		return;
	}
	t->slices[t->nslices++] = (struct tslice){
		.start_ns = s->start_ns,
		.end_ns = s->end_ns,
		.row = idx,
		.stack = stack_index(t, s->stack_id),
		.state = s->state < 256 ? s->state : 255,
		.reason = s->waitreason >= 0 && s->waitreason < 256 ? s->waitreason : -1,
	};
}

static int by_row_start(const void *a, const void *b)
{
	const struct tslice *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

static const struct row *sort_rows;

static int by_tgid_goid(const void *a, const void *b)
{
	const struct row *x = &sort_rows[*(const uint32_t *)a],
			 *y = &sort_rows[*(const uint32_t *)b];

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->goid < y->goid ? -1 : x->goid > y->goid;
}

/*
 * Merge runs of slices shorter than res_ns within a row (the slices sorted by
 * row and start) into one slice each, of the state that held longest in it.
 * In place; returns the new count.
 */
static size_t merge_short(struct tslice *v, size_t n, uint64_t res_ns)
{
	size_t i = 0, out = 0;

	while (i < n) {
		uint64_t acc[GOROUTINE_NSTATES] = {0};
		size_t j = i;
		unsigned int best = 0, k;
		int16_t reason = v[i].reason;
		int32_t stack = v[i].stack;

		if (v[i].end_ns - v[i].start_ns >= res_ns) {
			v[out++] = v[i++];
			continue;
		}
		while (j < n && v[j].row == v[i].row && v[j].end_ns - v[j].start_ns < res_ns &&
		       v[j].end_ns - v[i].start_ns < 2 * res_ns) {
			acc[v[j].state < GOROUTINE_NSTATES ? v[j].state : GOROUTINE_NSTATES - 1] +=
				v[j].end_ns - v[j].start_ns + 1;
			if (v[j].reason != reason)
				reason = -1;
			if (v[j].stack != stack)
				stack = -1;
			j++;
		}
		for (k = 0; k < GOROUTINE_NSTATES; k++)
			if (acc[k] > acc[best])
				best = k;
		v[out] = v[i];
		v[out].end_ns = v[j - 1].end_ns;
		v[out].state = best;
		v[out].reason = best == GOROUTINE_WAITING ? reason : -1;
		v[out].stack = best == GOROUTINE_WAITING ? stack : -1;
		out++;
		i = j;
	}
	return out;
}

static void write_names(struct timeline *t, struct jsonw *w)
{
	uint32_t i, n = names__nstates(t->o.names);
	char buf[16];

	jsonw__key(w, "states");
	jsonw__array(w);
	for (i = 0; i < n; i++)
		jsonw__string(w, names__state(t->o.names, i, buf, sizeof(buf)));
	jsonw__array_end(w);
	jsonw__key(w, "reasons");
	jsonw__array(w);
	/* Every index, "" where there is no name: the slices refer to them by index. */
	for (i = 0; i < names__nreasons(t->o.names); i++) {
		const char *r = names__reason(t->o.names, i);

		jsonw__string(w, r ? r : "");
	}
	jsonw__array_end(w);
}

/* A time in microseconds, or null when unknown. */
static void us_or_null(struct jsonw *w, bool known, double v)
{
	if (known)
		jsonw__fixed(w, v, 1);
	else
		jsonw__null(w);
}

static int write_html(struct timeline *t, uint64_t end_ns, const struct cJSON *summary,
		      uint64_t events, uint64_t lost)
{
	const char *tpl = timeline_report_html, *mark = strstr(tpl, DATA_MARKER);
	size_t i, shown_rows, nshown, total = t->nslices;
	uint32_t *order = NULL, *rank = NULL;
	uint64_t res_ns = 0, span = end_ns > t->o.start_ns ? end_ns - t->o.start_ns : 1;
	char note[512] = "";
	FILE *f = t->html;
	struct jsonw *w;
	int err;

	if (!mark)
		return -EINVAL;
	/* Rows in (pid, goid) order; past DISPLAY_ROWS, the later goroutines are left out. */
	order = malloc((t->nrows + 1) * sizeof(*order));
	rank = malloc((t->nrows + 1) * sizeof(*rank));
	if (!order || !rank) {
		free(order);
		free(rank);
		return -ENOMEM;
	}
	for (i = 0; i < t->nrows; i++)
		order[i] = i;
	sort_rows = t->rows;
	qsort(order, t->nrows, sizeof(*order), by_tgid_goid);
	shown_rows = t->nrows < DISPLAY_ROWS ? t->nrows : DISPLAY_ROWS;
	for (i = 0; i < t->nrows; i++)
		rank[order[i]] = i < shown_rows ? i : UINT32_MAX;
	nshown = 0;
	for (i = 0; i < t->nslices; i++)
		if (rank[t->slices[i].row] != UINT32_MAX) {
			t->slices[nshown] = t->slices[i];
			t->slices[nshown++].row = rank[t->slices[i].row];
		}
	qsort(t->slices, nshown, sizeof(*t->slices), by_row_start);
	/* Coarser until the page can draw it: start at 1/100000 of the run. */
	if (nshown > DISPLAY_SLICES) {
		for (res_ns = span / 100000 + 1; nshown > DISPLAY_SLICES; res_ns *= 2)
			nshown = merge_short(t->slices, nshown, res_ns);
		res_ns /= 2;
	}
	if (res_ns)
		snprintf(note, sizeof(note),
			 "For display, runs of states shorter than %.1f us are merged into one "
			 "slice of the state that held longest. ",
			 res_ns / 1e3);
	if (t->dropped)
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 "The time line holds the first %zu slices; %" PRIu64
			 " later ones are not drawn. ",
			 total, t->dropped);
	if (shown_rows < t->nrows)
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 "Only the first %zu of %zu goroutines (by goid) have rows. ", shown_rows,
			 t->nrows);
	if (note[0])
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 "The tables count every event.");

	fwrite(tpl, 1, mark - tpl, f);
	err = jsonw__new(f, JSONW_HTML, &w);
	if (err)
		goto out;
	jsonw__object(w);
	jsonw__key(w, "meta");
	jsonw__object(w);
	jsonw__key(w, "tool");
	jsonw__string(w, "goroutine");
	jsonw__key(w, "target");
	jsonw__string(w, t->o.target ? t->o.target : "");
	jsonw__key(w, "pid");
	jsonw__u64(w, t->o.pid);
	jsonw__key(w, "go_version");
	jsonw__string(w, names__go_version(t->o.names));
	jsonw__key(w, "started_unix_ms");
	jsonw__fixed(w, (t->o.start_ns + t->o.mono_to_real_ns) / 1e6, 0);
	jsonw__key(w, "duration_us");
	jsonw__fixed(w, span / 1e3, 1);
	jsonw__key(w, "events");
	jsonw__u64(w, events);
	jsonw__key(w, "lost");
	jsonw__u64(w, lost);
	jsonw__key(w, "goroutines");
	jsonw__u64(w, t->nrows);
	jsonw__key(w, "goroutines_shown");
	jsonw__u64(w, shown_rows);
	jsonw__key(w, "slices");
	jsonw__u64(w, (uint64_t)total + t->dropped);
	jsonw__key(w, "slices_shown");
	jsonw__u64(w, nshown);
	jsonw__key(w, "aggregated");
	jsonw__bool(w, note[0]);
	jsonw__key(w, "note");
	jsonw__string(w, note);
	jsonw__object_end(w);
	write_names(t, w);
	jsonw__key(w, "goroutines");
	jsonw__array(w);
	for (i = 0; i < shown_rows; i++) {
		const struct row *r = &t->rows[order[i]];

		if (i)
			jsonw__newline(w);
		jsonw__object(w);
		jsonw__key(w, "goid");
		jsonw__u64(w, r->goid);
		jsonw__key(w, "parent");
		if (r->has_parent)
			jsonw__u64(w, r->parent_goid);
		else
			jsonw__null(w);
		jsonw__key(w, "tgid");
		jsonw__u64(w, r->tgid);
		if (r->start) {
			jsonw__key(w, "start_func");
			jsonw__string(w, r->start->func);
		}
		if (r->creator) {
			jsonw__key(w, "created_by");
			jsonw__object(w);
			jsonw__key(w, "func");
			jsonw__string(w, r->creator->func);
			jsonw__key(w, "file");
			jsonw__string(w, r->creator->file);
			jsonw__key(w, "line");
			jsonw__u64(w, r->creator->line);
			jsonw__object_end(w);
		}
		jsonw__key(w, "start_us");
		us_or_null(w, r->created_ns, us(t, r->created_ns));
		jsonw__key(w, "end_us");
		us_or_null(w, r->exited, us(t, r->end_ns));
		jsonw__object_end(w);
	}
	jsonw__array_end(w);
	jsonw__key(w, "slices");
	jsonw__array(w);
	for (i = 0; i < nshown; i++) {
		const struct tslice *s = &t->slices[i];

		/* [row, start_us, dur_us, state, reason, stack], eight a line. */
		if (i && !(i % 8))
			jsonw__newline(w);
		jsonw__array(w);
		jsonw__u64(w, s->row);
		jsonw__fixed(w, us(t, s->start_ns), 1);
		jsonw__fixed(w, (s->end_ns - s->start_ns) / 1e3, 1);
		jsonw__u64(w, s->state);
		jsonw__i64(w, s->reason);
		jsonw__i64(w, s->stack);
		jsonw__array_end(w);
	}
	jsonw__array_end(w);
	/* [index] = {frames, truncated}: the stacks the slices' sixth element names. */
	jsonw__key(w, "stacks");
	jsonw__array(w);
	for (i = 0; i < t->nstacks; i++) {
		const struct stacks_entry *e = stacks__get(t->o.stacks, 0, t->stack_ids[i]);

		jsonw__newline(w);
		jsonw__object(w);
		jsonw__key(w, "truncated");
		jsonw__bool(w, e && (e->st.flags & GOROUTINE_STACK_TRUNCATED));
		jsonw__key(w, "frames");
		stacks__frames_json(w, e);
		jsonw__object_end(w);
	}
	jsonw__array_end(w);
	jsonw__key(w, "summary");
	jsonw__cjson(w, summary);
	jsonw__object_end(w);
	err = jsonw__finish(w);
	fputs(mark + strlen(DATA_MARKER), f);
out:
	free(order);
	free(rank);
	return err;
}

int timeline__finish(struct timeline *t, uint64_t end_ns, const struct cJSON *summary,
		     uint64_t events, uint64_t lost)
{
	int err = t->err;

	if (t->trace) {
		struct jsonw *w = t->tw;
		int e;

		jsonw__newline(w);
		jsonw__array_end(w);
		jsonw__key(w, "otherData");
		jsonw__object(w);
		jsonw__key(w, "tool");
		jsonw__string(w, "goroutine");
		jsonw__key(w, "target");
		jsonw__string(w, t->o.target ? t->o.target : "");
		jsonw__key(w, "events");
		jsonw__u64(w, events);
		jsonw__key(w, "lost");
		jsonw__u64(w, lost);
		jsonw__object_end(w);
		jsonw__object_end(w);
		e = jsonw__finish(w);
		t->tw = NULL;
		if (!err)
			err = e;
		fputc('\n', t->trace);
		if (fflush(t->trace) || ferror(t->trace))
			err = err ? err : -EIO;
	}
	if (t->html) {
		int e = write_html(t, end_ns, summary, events, lost);

		if (!err)
			err = e;
		if (fflush(t->html) || ferror(t->html))
			err = err ? err : -EIO;
	}
	return err;
}
