// SPDX-License-Identifier: GPL-2.0
/*
 * dump: the runtime's traceback format for a snapshot (see dump.h). The
 * rules are those of runtime/traceback.go (showframe, goroutineheader,
 * printcreatedby, isSystemGoroutine) and runtime/pprof's debug=1 writer.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "gobin.h"
#include "gosym.h"
#include "jsonw.h"
#include "profile.h"
#include "snapshot.h"

#define GSCAN 0x1000
#define MAX_INLINE 32

/* One printed frame: a physical pc's function, or one of its inlined calls. */
struct frame {
	const char *func, *file;
	uint32_t line;
	uint64_t pc;  /* process pc (the return address) */
	uint64_t off; /* pc - entry; printed for physical frames only */
	bool inlined;
	uint8_t func_id;
};

/* runtime.isExportedRuntime: "runtime." and an upper-case letter. */
static bool exported_runtime(const char *name)
{
	return !strncmp(name, "runtime.", 8) && isupper((unsigned char)name[8]);
}

/* runtime.showfuncinfo at GOTRACEBACK=single. */
static bool show_frame(const char *name, bool first, bool system)
{
	if (system)
		return true;
	if (!strcmp(name, "runtime.gopanic") && !first)
		return true;
	return strchr(name, '.') && (strncmp(name, "runtime.", 8) || exported_runtime(name));
}

/* printFuncName: a generic's type arguments as "[...]". */
static void print_name(FILE *out, const char *name)
{
	const char *i = strchr(name, '['), *j = strrchr(name, ']');

	if (!i || !j || j <= i)
		fputs(name, out);
	else
		fprintf(out, "%.*s[...]%s", (int)(i - name), name, j + 1);
}

/* The runtime looks a return address up one byte back (inside the call). */
static uint64_t sym_pc(struct gobin *b, uint64_t pc)
{
	struct gobin_func f;

	if (!gobin__find_pc(b, pc, &f) && pc > f.entry)
		return pc - 1;
	return pc;
}

/* The frames of one link-time pc into fr (at most max): their count, 0 when unknown. */
static size_t frames_of(struct gobin *b, uint64_t bias, uint64_t pc, struct frame *fr, size_t max)
{
	struct gosym_frame g[MAX_INLINE];
	size_t n = 0, i;
	int err;

	err = gobin__frames(b, sym_pc(b, pc), g, MAX_INLINE, &n);
	if (err && err != -ENOSPC)
		return 0;
	for (i = 0; i < n && i < max; i++)
		fr[i] = (struct frame){.func = g[i].func,
				       .file = g[i].file,
				       .line = g[i].line,
				       .pc = pc + bias,
				       .off = pc - g[i].entry,
				       .inlined = g[i].inlined,
				       .func_id = g[i].func_id};
	return i;
}

/* runtime.isSystemGoroutine: started in a runtime function other than runtime.main. */
static bool system_goroutine(struct gobin *b, uint64_t startpc)
{
	struct gobin_func f;

	if (gobin__find_pc(b, startpc, &f))
		return false;
	return !strncmp(f.name, "runtime.", 8) && strcmp(f.name, "runtime.main") &&
	       strcmp(f.name, "runtime.handleAsyncEvent");
}

static const char *status_text(const struct profile *p, const struct gread_g *g, char *buf,
			       size_t len)
{
	uint32_t st = g->status & ~(uint32_t)GSCAN;
	const char *name = (int)st < p->n_gstatus ? p->gstatus[st] : NULL;
	size_t i;

	if (name && !strcmp(name, "WAITING") && g->waitreason && g->waitreason < p->n_waitreasons &&
	    p->waitreasons[g->waitreason][0])
		return p->waitreasons[g->waitreason];
	if (!name || !*name || strstr(name, "UNUSED"))
		return "???";
	/* gStatusStrings: the state's name in lower case. */
	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = 0;
	return buf;
}

static bool waiting_or_syscall(const struct profile *p, uint32_t status)
{
	uint32_t st = status & ~(uint32_t)GSCAN;
	const char *name = (int)st < p->n_gstatus ? p->gstatus[st] : "";

	return !strcmp(name, "WAITING") || !strcmp(name, "SYSCALL");
}

/* goroutineheader's minutes: (nanotime() - waitsince) / 60e9, when the GC stamped it. */
static int64_t minutes(const struct profile *p, const struct snapshot *s, const struct gread_g *g)
{
	if (!waiting_or_syscall(p, g->status) || g->waitsince <= 0 || s->now_ns < g->waitsince)
		return 0;
	return (s->now_ns - g->waitsince) / 60000000000LL;
}

/*
 * abi.FuncIDWrapper: its number changes between releases, but it follows
 * FuncID_systemstack_switch in every one (1.12 to 1.27), and
 * runtime.systemstack_switch is in every binary. -1 when not found.
 */
static int wrapper_id(struct gobin *b)
{
	struct gosym_frame g[MAX_INLINE];
	struct gobin_func f;
	size_t n;

	if (gobin__find_func(b, "runtime.systemstack_switch", &f) ||
	    gobin__frames(b, f.entry, g, MAX_INLINE, &n) || !n)
		return -1;
	return g[n - 1].func_id + 1;
}

/* elideWrapperCalling: a wrapper is shown only when it called a panic. */
static bool panic_callee(const char *callee)
{
	return callee &&
	       (!strcmp(callee, "runtime.gopanic") || !strcmp(callee, "runtime.sigpanic") ||
		!strcmp(callee, "runtime.panicwrap"));
}

/* The shown frames of a goroutine, innermost first, into a malloc'd array. */
static size_t shown_frames(struct gobin *b, const struct snapshot *s, const struct snapshot_g *sg,
			   bool system, int wrapper, struct frame **out)
{
	struct frame *v = NULL, tmp[MAX_INLINE];
	size_t n = 0, cap = 0, i, k, m;
	const char *callee = NULL;

	*out = NULL;
	for (i = 0; i < sg->npcs; i++) {
		m = frames_of(b, s->bias, sg->pcs[i], tmp, MAX_INLINE);
		for (k = 0; k < m; k++) {
			bool wrap =
				wrapper >= 0 && tmp[k].func_id == wrapper && !panic_callee(callee);
			bool show = show_frame(tmp[k].func, n == 0 && i == 0, system) && !wrap;

			callee = tmp[k].func;
			if (!show)
				continue;
			if (n == cap) {
				struct frame *nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));

				if (!nv) {
					free(v);
					return 0;
				}
				v = nv;
				cap = cap ? cap * 2 : 16;
			}
			v[n++] = tmp[k];
		}
	}
	*out = v;
	return n;
}

/* printcreatedby: the go statement's function and line, unless it is hidden or g is main's. */
static bool created_by(struct gobin *b, const struct snapshot *s, const struct snapshot_g *sg,
		       bool system, struct frame *f)
{
	uint64_t gopc = sg->g.gopc - s->bias; /* link-time, as the binary's tables are */
	struct gobin_func fn;
	struct frame fr[MAX_INLINE];
	size_t n;

	if (!sg->g.gopc || sg->g.goid == 1 || gobin__find_pc(b, gopc, &fn) ||
	    !show_frame(fn.name, false, system))
		return false;
	n = frames_of(b, s->bias, gopc, fr, MAX_INLINE);
	*f = (struct frame){.func = fn.name,
			    .file = n ? fr[0].file : "?",
			    .line = n ? fr[0].line : 0,
			    .pc = sg->g.gopc,
			    .off = gopc - fn.entry};
	return true;
}

static void text_one(FILE *out, struct gobin *b, const struct profile *p, const struct snapshot *s,
		     const struct snapshot_g *sg, bool system, int wrapper)
{
	char buf[PROFILE_NAME_LEN];
	struct frame *fr, cb;
	int64_t min = minutes(p, s, &sg->g);
	size_t n, i;

	fprintf(out, "goroutine %" PRIu64 " [%s", sg->g.goid,
		status_text(p, &sg->g, buf, sizeof(buf)));
	if (sg->g.status & GSCAN)
		fputs(" (scan)", out);
	if (min >= 1)
		fprintf(out, ", %" PRId64 " minutes", min);
	if (sg->g.lockedm)
		fputs(", locked to thread", out);
	fputs("]:\n", out);
	switch (sg->state) {
	case SNAPSHOT_G_RUNNING:
		fputs("\tgoroutine running on other thread; stack unavailable\n", out);
		break;
	case SNAPSHOT_G_CHANGED:
		fputs("\tgoroutine changed while it was read; stack unavailable\n", out);
		break;
	case SNAPSHOT_G_BAD:
		fputs("\tgoroutine's stack bounds are not valid; stack unavailable\n", out);
		break;
	case SNAPSHOT_G_OK:
		n = shown_frames(b, s, sg, system, wrapper, &fr);
		for (i = 0; i < n; i++) {
			print_name(out, fr[i].func);
			fprintf(out, "(...)\n\t%s:%u", fr[i].file, fr[i].line);
			if (!fr[i].inlined && fr[i].off)
				fprintf(out, " +0x%" PRIx64, fr[i].off);
			fputc('\n', out);
		}
		free(fr);
		if (sg->end == UNWIND_END_MAX)
			fputs("...additional frames elided...\n", out);
		break;
	}
	if (created_by(b, s, sg, system, &cb)) {
		fputs("created by ", out);
		print_name(out, cb.func);
		if (sg->g.parent_goid)
			fprintf(out, " in goroutine %" PRIu64, sg->g.parent_goid);
		fprintf(out, "\n\t%s:%u", cb.file, cb.line);
		if (cb.off)
			fprintf(out, " +0x%" PRIx64, cb.off);
		fputc('\n', out);
	}
}

static bool listed(struct gobin *b, const struct snapshot *s, const struct snapshot_g *sg,
		   bool system)
{
	return system || !system_goroutine(b, sg->g.startpc - s->bias);
}

static const char *end_name(enum unwind_end e)
{
	switch (e) {
	case UNWIND_END_ZERO_FP:
		return "complete";
	case UNWIND_END_MAX:
		return "truncated";
	case UNWIND_END_BAD_FP:
		return "bad frame pointer";
	case UNWIND_END_BAD_PC:
		return "bad return address";
	}
	return "?";
}

static const char *state_name(enum snapshot_gstate st)
{
	return st == SNAPSHOT_G_OK	? "ok" :
	       st == SNAPSHOT_G_RUNNING ? "running" :
	       st == SNAPSHOT_G_CHANGED ? "changed" :
					  "bad";
}

static void json_frame(struct jsonw *w, const struct frame *f)
{
	jsonw__object(w);
	jsonw__key(w, "func");
	jsonw__string(w, f->func);
	jsonw__key(w, "file");
	jsonw__string(w, f->file);
	jsonw__key(w, "line");
	jsonw__u64(w, f->line);
	if (f->pc) {
		jsonw__key(w, "pc");
		jsonw__hex(w, f->pc);
	}
	jsonw__key(w, "offset");
	jsonw__hex(w, f->off);
	jsonw__key(w, "inlined");
	jsonw__bool(w, f->inlined);
	jsonw__object_end(w);
}

static int write_json(FILE *out, struct gobin *b, const struct profile *p, const struct snapshot *s,
		      bool system, int wrapper)
{
	struct jsonw *w;
	char buf[PROFILE_NAME_LEN];
	size_t i, n, k;
	int err;

	err = jsonw__new(out, 0, &w);
	if (err)
		return err;
	jsonw__object(w);
	jsonw__key(w, "schema_version");
	jsonw__u64(w, 1);
	jsonw__key(w, "pid");
	jsonw__i64(w, s->pid);
	jsonw__key(w, "go_version");
	jsonw__string(w, p->go_version);
	jsonw__key(w, "allglen");
	jsonw__u64(w, s->allglen);
	jsonw__key(w, "consistent");
	jsonw__u64(w, s->n_consistent);
	jsonw__key(w, "changed");
	jsonw__u64(w, s->n_changed);
	jsonw__key(w, "bad");
	jsonw__u64(w, s->n_bad);
	jsonw__key(w, "read_ms");
	jsonw__fixed(w, s->read_ms, 3);
	jsonw__key(w, "goroutines");
	jsonw__array(w);
	for (i = 0; i < s->n; i++) {
		const struct snapshot_g *sg = &s->gs[i];
		struct frame *fr, cb;
		struct gobin_func sf;

		if (!listed(b, s, sg, system))
			continue;
		jsonw__newline(w);
		jsonw__object(w);
		jsonw__key(w, "goid");
		jsonw__u64(w, sg->g.goid);
		jsonw__key(w, "status");
		jsonw__string(w, status_text(p, &sg->g, buf, sizeof(buf)));
		jsonw__key(w, "state_code");
		jsonw__u64(w, sg->g.status);
		jsonw__key(w, "waitreason_code");
		jsonw__u64(w, sg->g.waitreason);
		jsonw__key(w, "wait_minutes");
		jsonw__i64(w, minutes(p, s, &sg->g));
		jsonw__key(w, "waitsince_ns");
		jsonw__i64(w, sg->g.waitsince);
		jsonw__key(w, "locked_to_thread");
		jsonw__bool(w, sg->g.lockedm != 0);
		jsonw__key(w, "read");
		jsonw__string(w, state_name(sg->state));
		if (!gobin__find_pc(b, sg->g.startpc - s->bias, &sf)) {
			jsonw__key(w, "start_func");
			jsonw__string(w, sf.name);
		}
		if (created_by(b, s, sg, true, &cb)) {
			jsonw__key(w, "created_by");
			json_frame(w, &cb);
		}
		if (sg->g.parent_goid) {
			jsonw__key(w, "parent_goid");
			jsonw__u64(w, sg->g.parent_goid);
		}
		if (sg->state == SNAPSHOT_G_OK) {
			jsonw__key(w, "stack_end");
			jsonw__string(w, end_name(sg->end));
			jsonw__key(w, "frames");
			jsonw__array(w);
			n = shown_frames(b, s, sg, system, wrapper, &fr);
			for (k = 0; k < n; k++)
				json_frame(w, &fr[k]);
			free(fr);
			jsonw__array_end(w);
		}
		jsonw__object_end(w);
	}
	jsonw__newline(w);
	jsonw__array_end(w);
	jsonw__object_end(w);
	fputc('\n', out);
	return jsonw__finish(w);
}

/* debug=1: stacks keyed by their pcs, counted, most frequent first. */
struct group {
	const struct snapshot_g *first;
	size_t count;
};

static int cmp_pcs(const struct snapshot_g *a, const struct snapshot_g *b)
{
	size_t n = a->npcs < b->npcs ? a->npcs : b->npcs;

	for (size_t i = 0; i < n; i++)
		if (a->pcs[i] != b->pcs[i])
			return a->pcs[i] < b->pcs[i] ? -1 : 1;
	return a->npcs < b->npcs ? -1 : a->npcs > b->npcs;
}

static int cmp_gp(const void *x, const void *y)
{
	return cmp_pcs(*(const struct snapshot_g *const *)x, *(const struct snapshot_g *const *)y);
}

static int cmp_group(const void *x, const void *y)
{
	const struct group *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return cmp_pcs(a->first, b->first);
}

static int write_groups(FILE *out, struct gobin *b, const struct snapshot *s, bool system,
			int wrapper)
{
	const struct snapshot_g **v = malloc((s->n + 1) * sizeof(*v));
	struct group *g = malloc((s->n + 1) * sizeof(*g));
	size_t n = 0, ng = 0, i, k, total = 0;

	if (!v || !g) {
		free(v);
		free(g);
		return -ENOMEM;
	}
	for (i = 0; i < s->n; i++)
		if (listed(b, s, &s->gs[i], system))
			total++;
	for (i = 0; i < s->n; i++)
		if (s->gs[i].state == SNAPSHOT_G_OK && s->gs[i].npcs &&
		    listed(b, s, &s->gs[i], system))
			v[n++] = &s->gs[i];
	qsort(v, n, sizeof(*v), cmp_gp);
	for (i = 0; i < n; i++) {
		if (ng && !cmp_pcs(g[ng - 1].first, v[i]))
			g[ng - 1].count++;
		else
			g[ng++] = (struct group){v[i], 1};
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	fprintf(out, "goroutine profile: total %zu\n", total);
	for (i = 0; i < ng; i++) {
		const struct snapshot_g *sg = g[i].first;
		struct frame *fr;
		size_t nf;

		fprintf(out, "%zu @", g[i].count);
		for (k = 0; k < sg->npcs; k++)
			fprintf(out, " 0x%" PRIx64, sg->pcs[k] + s->bias);
		fputc('\n', out);
		nf = shown_frames(b, s, sg, system, wrapper, &fr);
		for (k = 0; k < nf; k++)
			fprintf(out, "#\t0x%" PRIx64 "\t%s+0x%" PRIx64 "\t%s:%u\n", fr[k].pc,
				fr[k].func, fr[k].off, fr[k].file, fr[k].line);
		free(fr);
		fputc('\n', out);
	}
	free(v);
	free(g);
	return 0;
}

int dump__write(FILE *out, struct gobin *b, const struct profile *p, const struct snapshot *s,
		const struct dump_opts *o)
{
	int wrapper = wrapper_id(b);
	bool first = true;
	int err = 0;

	if (o->format == DUMP_JSON)
		err = write_json(out, b, p, s, o->system, wrapper);
	else if (o->format == DUMP_GROUP)
		err = write_groups(out, b, s, o->system, wrapper);
	else
		for (size_t i = 0; i < s->n; i++) {
			if (!listed(b, s, &s->gs[i], o->system))
				continue;
			if (!first)
				fputc('\n', out);
			first = false;
			text_one(out, b, p, s, &s->gs[i], o->system, wrapper);
		}
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
	return err;
}
