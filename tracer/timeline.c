// SPDX-License-Identifier: GPL-2.0
/*
 * timeline: the HTML report and the Chrome trace-event file (see
 * timeline.h). The trace-event file is streamed, a slice at a time, so it
 * holds the whole run at any length. The page keeps the first max_slices
 * slices in memory and, to stay responsive in a browser, shows at most
 * DISPLAY_SLICES of them: short slices are merged with their neighbours
 * (coarser and coarser until they fit), and the page says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analysis.h"
#include "format.h"
#include "goroutine.h"
#include "profile.h"
#include "timeline.h"

#define DEFAULT_MAX_SLICES (2u << 20) /* 48 MiB of slices */
#define DISPLAY_SLICES 250000
#define DISPLAY_ROWS 20000
#define DATA_MARKER "@GOROUTINE_DATA@"

extern const char timeline_report_html[];

struct row {
	uint64_t goid, parent_goid, created_ns, end_ns;
	uint32_t tgid;
	bool has_parent, exited;
};

struct tslice {
	uint64_t start_ns, end_ns;
	uint32_t row;
	uint8_t state;
	int16_t reason; /* -1: none */
};

struct timeline {
	struct timeline_opts o;
	char *target; /* a copy: the caller's string need not outlive this call */
	FILE *html, *trace;
	bool trace_first;
	/* Rows: (tgid, goid) -> index, open addressing; the rows themselves in a vector. */
	uint32_t *index; /* row + 1; 0: free */
	size_t nindex;
	struct row *rows;
	size_t nrows, caprows;
	struct tslice *slices;
	size_t nslices, capslices;
	uint64_t dropped;   /* slices past max_slices, not on the page */
	uint32_t tgids[64]; /* processes given a name in the trace file */
	size_t ntgids;
	int err;
};

static const char *state_name(const struct timeline *t, uint32_t v, char *buf, size_t len)
{
	return format__state(t->o.names, v, buf, len);
}

static const char *reason_name(const struct timeline *t, int v)
{
	return format__reason(t->o.names, v);
}

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
	t->nindex = 1024;
	t->index = calloc(t->nindex, sizeof(*t->index));
	if (!t->index)
		goto fail;
	if (opts->html_path && !(t->html = fopen(opts->html_path, "w")))
		goto fail;
	if (opts->trace_path) {
		t->trace = fopen(opts->trace_path, "w");
		if (!t->trace)
			goto fail;
		setvbuf(t->trace, NULL, _IOFBF, 1 << 20);
		fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", t->trace);
		t->trace_first = true;
	}
	*out = t;
	return 0;
fail:
	err = -errno;
	timeline__delete(t);
	return err;
}

void timeline__delete(struct timeline *t)
{
	if (!t)
		return;
	if (t->html)
		fclose(t->html);
	if (t->trace)
		fclose(t->trace);
	free(t->index);
	free(t->target);
	free(t->rows);
	free(t->slices);
	free(t);
}

void timeline__start(struct timeline *t, uint64_t start_ns)
{
	t->o.start_ns = start_ns;
}

static size_t row_home(const struct timeline *t, uint32_t tgid, uint64_t goid)
{
	uint64_t h = (goid ^ ((uint64_t)tgid << 40)) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (t->nindex - 1);
}

static uint32_t *row_slot(struct timeline *t, uint32_t tgid, uint64_t goid)
{
	size_t i;

	for (i = row_home(t, tgid, goid);; i = (i + 1) & (t->nindex - 1)) {
		uint32_t r = t->index[i];

		if (!r || (t->rows[r - 1].tgid == tgid && t->rows[r - 1].goid == goid))
			return &t->index[i];
	}
}

static int grow_index(struct timeline *t)
{
	uint32_t *old = t->index;
	size_t i, n = t->nindex;

	t->index = calloc(n * 2, sizeof(*t->index));
	if (!t->index) {
		t->index = old;
		return -ENOMEM;
	}
	t->nindex = n * 2;
	for (i = 0; i < n; i++)
		if (old[i])
			*row_slot(t, t->rows[old[i] - 1].tgid, t->rows[old[i] - 1].goid) = old[i];
	free(old);
	return 0;
}

static double us(const struct timeline *t, uint64_t ns)
{
	return ns > t->o.start_ns ? (ns - t->o.start_ns) / 1e3 : 0;
}

/* A JSON string's contents (no quotes): the few escapes names can need. */
static void json_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else if (*s == '<')
			fputs("\\u003c", f); /* never "</script>" inside the page */
		else
			fputc(*s, f);
	}
}

static void trace_sep(struct timeline *t)
{
	if (!t->trace_first)
		fputs(",\n", t->trace);
	t->trace_first = false;
}

/* The trace file's metadata for a new goroutine (and, once, for its process). */
static void trace_names(struct timeline *t, const struct row *r)
{
	size_t i;

	for (i = 0; i < t->ntgids && t->tgids[i] != r->tgid; i++)
		;
	if (i == t->ntgids && t->ntgids < sizeof(t->tgids) / sizeof(t->tgids[0])) {
		t->tgids[t->ntgids++] = r->tgid;
		trace_sep(t);
		fprintf(t->trace,
			"{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":0,"
			"\"args\":{\"name\":\"",
			r->tgid);
		json_str(t->trace, t->o.target ? t->o.target : "go");
		fprintf(t->trace, " (pid %u)\"}}", r->tgid);
	}
	trace_sep(t);
	fprintf(t->trace,
		"{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%" PRIu64
		",\"args\":{\"name\":\"goroutine %" PRIu64,
		r->tgid, r->goid, r->goid);
	if (r->has_parent)
		fprintf(t->trace, " (parent %" PRIu64 ")", r->parent_goid);
	fputs("\"}}", t->trace);
	trace_sep(t);
	fprintf(t->trace,
		"{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%u,\"tid\":%" PRIu64
		",\"args\":{\"sort_index\":%" PRIu64 "}}",
		r->tgid, r->goid, r->goid);
}

static struct row *row_for(struct timeline *t, const struct analysis_slice *s, uint32_t *idx)
{
	uint32_t *slot = row_slot(t, s->tgid, s->goid);
	struct row *r;

	if (*slot) {
		*idx = *slot - 1;
		return &t->rows[*idx];
	}
	if ((t->nrows + 1) * 2 > t->nindex) {
		if (grow_index(t))
			return NULL;
		slot = row_slot(t, s->tgid, s->goid);
	}
	if (t->nrows == t->caprows) {
		size_t cap = t->caprows ? t->caprows * 2 : 1024;
		struct row *rows = realloc(t->rows, cap * sizeof(*rows));

		if (!rows)
			return NULL;
		t->rows = rows;
		t->caprows = cap;
	}
	*idx = t->nrows;
	*slot = ++t->nrows;
	r = &t->rows[*idx];
	memset(r, 0, sizeof(*r));
	r->tgid = s->tgid;
	r->goid = s->goid;
	r->parent_goid = s->parent_goid;
	r->has_parent = s->has_parent;
	r->created_ns = s->created_ns;
	if (t->trace)
		trace_names(t, r);
	return r;
}

void timeline__slice(void *ctx, const struct analysis_slice *s)
{
	struct timeline *t = ctx;
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
		const char *why = reason_name(t, s->waitreason);

		trace_sep(t);
		fputs("{\"name\":\"", t->trace);
		json_str(t->trace, state_name(t, s->state, buf, sizeof(buf)));
		fprintf(t->trace,
			"\",\"cat\":\"goroutine\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,"
			"\"pid\":%u,\"tid\":%" PRIu64,
			us(t, s->start_ns), (s->end_ns - s->start_ns) / 1e3, s->tgid, s->goid);
		if (why) {
			fputs(",\"args\":{\"reason\":\"", t->trace);
			json_str(t->trace, why);
			fputs("\"}", t->trace);
		}
		fputc('}', t->trace);
	}
	if (!t->html)
		return;
	if (t->nslices == t->o.max_slices) {
		t->dropped++;
		return;
	}
	if (t->nslices == t->capslices) {
		size_t cap = t->capslices ? t->capslices * 2 : 65536;
		struct tslice *v;

		if (cap > t->o.max_slices)
			cap = t->o.max_slices;
		v = realloc(t->slices, cap * sizeof(*v));
		if (!v) {
			t->dropped++;
			return;
		}
		t->slices = v;
		t->capslices = cap;
	}
	t->slices[t->nslices++] = (struct tslice){
		.start_ns = s->start_ns,
		.end_ns = s->end_ns,
		.row = idx,
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
			j++;
		}
		for (k = 0; k < GOROUTINE_NSTATES; k++)
			if (acc[k] > acc[best])
				best = k;
		v[out] = v[i];
		v[out].end_ns = v[j - 1].end_ns;
		v[out].state = best;
		v[out].reason = best == GOROUTINE_WAITING ? reason : -1;
		out++;
		i = j;
	}
	return out;
}

static void write_names(struct timeline *t, FILE *f)
{
	const struct profile *p = t->o.names;
	char buf[16];
	int i, n;

	fputs(",\"states\":[", f);
	n = p && p->n_gstatus > 12 ? p->n_gstatus : 12;
	for (i = 0; i < n; i++) {
		fputs(i ? ",\"" : "\"", f);
		json_str(f, state_name(t, i, buf, sizeof(buf)));
		fputc('"', f);
	}
	fputs("],\"reasons\":[", f);
	for (i = 0; p && i < p->n_waitreasons; i++) {
		fputs(i ? ",\"" : "\"", f);
		json_str(f, p->waitreasons[i]);
		fputc('"', f);
	}
	fputc(']', f);
}

/* cJSON's text, with "<" escaped so that no "</script>" ends the data early. */
static void write_cjson(FILE *f, const cJSON *j)
{
	char *s = j ? cJSON_PrintUnformatted(j) : NULL, *p;

	if (!s) {
		fputs("null", f);
		return;
	}
	for (p = s; *p; p++) {
		if (*p == '<')
			fputs("\\u003c", f);
		else
			fputc(*p, f);
	}
	free(s);
}

static int write_html(struct timeline *t, uint64_t end_ns, const cJSON *summary, uint64_t events,
		      uint64_t lost)
{
	const char *tpl = timeline_report_html, *mark = strstr(tpl, DATA_MARKER);
	size_t i, shown_rows, nshown, total = t->nslices;
	uint32_t *order = NULL, *rank = NULL;
	uint64_t res_ns = 0, span = end_ns > t->o.start_ns ? end_ns - t->o.start_ns : 1;
	char note[512] = "";
	FILE *f = t->html;

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
	fprintf(f, "{\"meta\":{\"tool\":\"goroutine\",\"target\":\"");
	json_str(f, t->o.target ? t->o.target : "");
	fprintf(f, "\",\"pid\":%u,\"go_version\":\"", t->o.pid);
	json_str(f, t->o.names ? t->o.names->go_version : "");
	fprintf(f,
		"\",\"started_unix_ms\":%.0f,\"duration_us\":%.1f,\"events\":%" PRIu64
		",\"lost\":%" PRIu64 ",\"goroutines\":%zu,\"goroutines_shown\":%zu,"
		"\"slices\":%" PRIu64 ",\"slices_shown\":%zu,\"aggregated\":%s,\"note\":\"",
		(t->o.start_ns + t->o.mono_to_real_ns) / 1e6, span / 1e3, events, lost, t->nrows,
		shown_rows, (uint64_t)total + t->dropped, nshown, note[0] ? "true" : "false");
	json_str(f, note);
	fputs("\"}", f);
	write_names(t, f);
	fputs(",\"goroutines\":[", f);
	for (i = 0; i < shown_rows; i++) {
		const struct row *r = &t->rows[order[i]];

		fprintf(f, "%s{\"goid\":%" PRIu64 ",\"parent\":", i ? ",\n" : "", r->goid);
		if (r->has_parent)
			fprintf(f, "%" PRIu64, r->parent_goid);
		else
			fputs("null", f);
		fprintf(f, ",\"tgid\":%u,\"start_us\":", r->tgid);
		if (r->created_ns)
			fprintf(f, "%.1f", us(t, r->created_ns));
		else
			fputs("null", f);
		fputs(",\"end_us\":", f);
		if (r->exited)
			fprintf(f, "%.1f", us(t, r->end_ns));
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputs("],\"slices\":[", f);
	for (i = 0; i < nshown; i++) {
		const struct tslice *s = &t->slices[i];

		fprintf(f, "%s[%u,%.1f,%.1f,%u,%d]", i ? (i % 8 ? "," : ",\n") : "", s->row,
			us(t, s->start_ns), (s->end_ns - s->start_ns) / 1e3, s->state, s->reason);
	}
	fputs("],\"summary\":", f);
	write_cjson(f, summary);
	fputc('}', f);
	fputs(mark + strlen(DATA_MARKER), f);
	free(order);
	free(rank);
	return 0;
}

int timeline__finish(struct timeline *t, uint64_t end_ns, const cJSON *summary, uint64_t events,
		     uint64_t lost)
{
	int err = t->err;

	if (t->trace) {
		fprintf(t->trace, "\n],\"otherData\":{\"tool\":\"goroutine\",\"target\":\"");
		json_str(t->trace, t->o.target ? t->o.target : "");
		fprintf(t->trace, "\",\"events\":%" PRIu64 ",\"lost\":%" PRIu64 "}}\n", events,
			lost);
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
