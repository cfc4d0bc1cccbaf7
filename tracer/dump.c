// SPDX-License-Identifier: GPL-2.0
/*
 * dump: the runtime's traceback format for a snapshot (see dump.h). The
 * rules are those of runtime/traceback.go (showframe, goroutineheader,
 * printcreatedby, isSystemGoroutine) and runtime/pprof's debug=1 writer.
 *
 * A process with 100k goroutines parks them in a handful of stacks, started
 * by a handful of go statements, so each distinct stack is symbolized and
 * formatted once per dump (its shown frames, and their text), and so is each
 * go statement's "created by" and each start function's system-or-not; a
 * goroutine then costs its header and a few copies into an output buffer
 * that goes out in large writes.
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
#define OUT_BUF (64 << 10) /* a few pages, reused: fresh pages cost more than the writes */

/* One printed frame: a physical pc's function, or one of its inlined calls. */
struct frame {
	const char *func, *file;
	uint32_t line;
	uint64_t pc;  /* process pc (the return address) */
	uint64_t off; /* pc - entry; printed for physical frames only */
	bool inlined;
	uint8_t func_id;
};

/* A growable byte string: the output buffer, and the cached texts. */
struct text {
	char *p;
	size_t len, cap;
};

/* A distinct stack (its pcs and how its walk ended) and what it shows. */
struct stack {
	const uint64_t *pcs;
	size_t npcs;
	enum unwind_end end;
	struct frame *fr; /* the shown frames */
	size_t nfr;
	size_t text, text_len; /* the debug=2 lines of fr, in the dumper's texts */
};

/* What a go statement's pc prints as "created by" (shown false: nothing). */
struct site {
	bool shown;
	struct frame f;
	size_t name, name_len; /* "created by F" */
	size_t tail, tail_len; /* "\n\tfile:line +0x...\n" */
};

/* A goroutine's start function: its name (NULL: none) and whether it is a system one. */
struct start {
	const char *name;
	bool system;
};

/* debug=1: stacks keyed by their pcs, counted, most frequent first. */
struct group {
	const struct snapshot_g *first;
	size_t count;
};

/* u64 keys to indexes into a vector (value index + 1; 0: empty), open addressing. */
struct umap {
	uint64_t *k;
	uint32_t *v;
	size_t cap, n;
};

struct dumper {
	FILE *out;
	struct gobin *b;
	const struct profile *p;
	const struct snapshot *s;
	bool system;
	int wrapper;
	int err; /* the first failure (sticky): -ENOMEM, -EIO */
	struct text buf, texts;
	struct umap stack_map, site_map, start_map, group_map;
	struct group *groups;
	struct stack *stacks;
	struct site *sites;
	struct start *starts;
	size_t nstacks, nsites, nstarts, ngroups, cap_stacks, cap_sites, cap_starts, cap_groups;
	/* gStatusStrings and the header's tests, by status (PROFILE_MAX_GSTATUS of them). */
	char lower[PROFILE_MAX_GSTATUS][PROFILE_NAME_LEN];
	const char *stext[PROFILE_MAX_GSTATUS];
	bool waiting[PROFILE_MAX_GSTATUS], wait_or_sys[PROFILE_MAX_GSTATUS];
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* The slot of key: where it is, or the empty one where it goes; eq tells equal keys apart. */
static size_t umap_find(const struct umap *m, uint64_t key,
			bool (*eq)(const struct dumper *, uint32_t, const void *),
			const struct dumper *d, const void *arg)
{
	size_t i = mix(key) & (m->cap - 1);

	while (m->v[i] && (m->k[i] != key || (eq && !eq(d, m->v[i] - 1, arg))))
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* Room for one more key (at most half full): 0 or -ENOMEM. */
static int umap_reserve(struct umap *m)
{
	struct umap nm;

	if (m->cap && 2 * (m->n + 1) <= m->cap)
		return 0;
	nm.cap = m->cap ? m->cap * 2 : 256;
	nm.n = m->n;
	nm.k = malloc(nm.cap * sizeof(*nm.k));
	nm.v = calloc(nm.cap, sizeof(*nm.v));
	if (!nm.k || !nm.v) {
		free(nm.k);
		free(nm.v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->v[i])
			continue;
		for (j = mix(m->k[i]) & (nm.cap - 1); nm.v[j]; j = (j + 1) & (nm.cap - 1))
			;
		nm.k[j] = m->k[i];
		nm.v[j] = m->v[i];
	}
	free(m->k);
	free(m->v);
	*m = nm;
	return 0;
}

static void umap_free(struct umap *m)
{
	free(m->k);
	free(m->v);
}

/* The array v of n elements (esz bytes each) with room for one more: v, a new v, or NULL. */
static void *vec_room(void *v, size_t n, size_t *cap, size_t esz)
{
	size_t nc = *cap ? *cap * 2 : 64;

	if (n < *cap)
		return v;
	v = realloc(v, nc * esz);
	if (v)
		*cap = nc;
	return v;
}

/* One more element at the end of d's array of the given kind: the address, or NULL. */
#define VEC_ADD(arr, n, cap)                                             \
	({                                                               \
		void *_v = vec_room((arr), (n), &(cap), sizeof(*(arr))); \
		_v ? ((arr) = _v, &(arr)[(n)++]) : NULL;                 \
	})

static int text_put(struct text *t, const char *s, size_t n)
{
	if (t->len + n > t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 4096;
		char *np;

		while (nc < t->len + n)
			nc *= 2;
		np = realloc(t->p, nc);
		if (!np)
			return -ENOMEM;
		t->p = np;
		t->cap = nc;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	return 0;
}

/* Write out what is buffered. */
static void flush(struct dumper *d)
{
	if (d->buf.len && !d->err && fwrite(d->buf.p, 1, d->buf.len, d->out) != d->buf.len)
		d->err = -EIO;
	d->buf.len = 0;
}

/* n bytes to the output, through the buffer. */
static void put(struct dumper *d, const char *s, size_t n)
{
	if (d->buf.len + n > d->buf.cap) {
		flush(d);
		if (n > d->buf.cap) {
			if (!d->err && fwrite(s, 1, n, d->out) != n)
				d->err = -EIO;
			return;
		}
	}
	memcpy(d->buf.p + d->buf.len, s, n);
	d->buf.len += n;
}

static void put_str(struct dumper *d, const char *s)
{
	put(d, s, strlen(s));
}

/* v in decimal, or in hex with hex set (no prefix), into p[0..21): the length. */
static size_t fmt_u64(char *p, uint64_t v, bool hex)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		unsigned int digit = hex ? (unsigned int)(v & 15) : (unsigned int)(v % 10);

		tmp[n++] = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
		v = hex ? v >> 4 : v / 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

static void put_u64(struct dumper *d, uint64_t v)
{
	char tmp[24];

	put(d, tmp, fmt_u64(tmp, v, false));
}

static int text_u64(struct text *t, uint64_t v, bool hex)
{
	char tmp[24];

	return text_put(t, tmp, fmt_u64(tmp, v, hex));
}

static int text_str(struct text *t, const char *s)
{
	return text_put(t, s, strlen(s));
}

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
static int text_name(struct text *t, const char *name)
{
	const char *i = strchr(name, '['), *j = strrchr(name, ']');

	if (!i || !j || j <= i)
		return text_str(t, name);
	if (text_put(t, name, (size_t)(i - name)) || text_str(t, "[...]") || text_str(t, j + 1))
		return -ENOMEM;
	return 0;
}

/* "\n\tfile:line", and " +0x..." when off is to be shown (offset set). */
static int text_pos(struct text *t, const char *file, uint32_t line, bool offset, uint64_t off)
{
	if (text_str(t, "\n\t") || text_str(t, file) || text_put(t, ":", 1) ||
	    text_u64(t, line, false))
		return -ENOMEM;
	if (offset && (text_str(t, " +0x") || text_u64(t, off, true)))
		return -ENOMEM;
	return text_put(t, "\n", 1);
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

/* Status names, lower-cased once (gStatusStrings), and which ones the header tests for. */
static void status_names(struct dumper *d)
{
	const struct profile *p = d->p;

	for (int st = 0; st < PROFILE_MAX_GSTATUS; st++) {
		const char *name = st < p->n_gstatus ? p->gstatus[st] : NULL;
		size_t i;

		d->stext[st] = "???";
		if (!name)
			continue;
		d->waiting[st] = !strcmp(name, "WAITING");
		d->wait_or_sys[st] = d->waiting[st] || !strcmp(name, "SYSCALL");
		if (!*name || strstr(name, "UNUSED"))
			continue;
		for (i = 0; name[i] && i + 1 < PROFILE_NAME_LEN; i++)
			d->lower[st][i] = (char)tolower((unsigned char)name[i]);
		d->lower[st][i] = 0;
		d->stext[st] = d->lower[st];
	}
}

static const char *status_text(const struct dumper *d, const struct gread_g *g)
{
	uint32_t st = g->status & ~(uint32_t)GSCAN;
	const struct profile *p = d->p;

	if (st >= PROFILE_MAX_GSTATUS)
		return "???";
	if (d->waiting[st] && g->waitreason && g->waitreason < p->n_waitreasons &&
	    p->waitreasons[g->waitreason][0])
		return p->waitreasons[g->waitreason];
	return d->stext[st];
}

/* goroutineheader's minutes: (nanotime() - waitsince) / 60e9, when the GC stamped it. */
static int64_t minutes(const struct dumper *d, const struct gread_g *g)
{
	uint32_t st = g->status & ~(uint32_t)GSCAN;

	if (st >= PROFILE_MAX_GSTATUS || !d->wait_or_sys[st] || g->waitsince <= 0 ||
	    d->s->now_ns < g->waitsince)
		return 0;
	return (d->s->now_ns - g->waitsince) / 60000000000LL;
}

/* elideWrapperCalling: a wrapper is shown only when it called a panic. */
static bool panic_callee(const char *callee)
{
	return callee &&
	       (!strcmp(callee, "runtime.gopanic") || !strcmp(callee, "runtime.sigpanic") ||
		!strcmp(callee, "runtime.panicwrap"));
}

/* The shown frames of a stack, innermost first, into a malloc'd array (NULL, 0: none). */
static size_t shown_frames(struct dumper *d, const uint64_t *pcs, size_t npcs, struct frame **out)
{
	struct frame *v = NULL, tmp[MAX_INLINE];
	size_t n = 0, cap = 0, i, k, m;
	const char *callee = NULL;

	*out = NULL;
	for (i = 0; i < npcs; i++) {
		m = frames_of(d->b, d->s->bias, pcs[i], tmp, MAX_INLINE);
		for (k = 0; k < m; k++) {
			bool wrap = d->wrapper >= 0 && tmp[k].func_id == d->wrapper &&
				    !panic_callee(callee);
			bool show = show_frame(tmp[k].func, n == 0 && i == 0, d->system) && !wrap;

			callee = tmp[k].func;
			if (!show)
				continue;
			if (n == cap) {
				struct frame *nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));

				if (!nv) {
					free(v);
					d->err = -ENOMEM;
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

static uint64_t pcs_hash(const struct snapshot_g *sg)
{
	uint64_t h = mix(sg->npcs + 1);

	for (size_t i = 0; i < sg->npcs; i++)
		h = mix(h ^ sg->pcs[i]) + i;
	return h;
}

static uint64_t stack_hash(const struct snapshot_g *sg)
{
	return mix(pcs_hash(sg) + sg->end);
}

static bool stack_eq(const struct dumper *d, uint32_t i, const void *arg)
{
	const struct snapshot_g *sg = arg;
	const struct stack *st = &d->stacks[i];

	return st->npcs == sg->npcs && st->end == sg->end &&
	       (st->pcs == sg->pcs || !memcmp(st->pcs, sg->pcs, sg->npcs * sizeof(*sg->pcs)));
}

/* The debug=2 lines of a stack's shown frames into the texts. */
static int stack_text(struct dumper *d, struct stack *st)
{
	struct text *t = &d->texts;
	size_t at = t->len;

	for (size_t i = 0; i < st->nfr; i++) {
		const struct frame *f = &st->fr[i];

		if (text_name(t, f->func) || text_str(t, "(...)") ||
		    text_pos(t, f->file, f->line, !f->inlined && f->off, f->off))
			return -ENOMEM;
	}
	if (st->end == UNWIND_END_MAX && text_str(t, "...additional frames elided...\n"))
		return -ENOMEM;
	st->text = at;
	st->text_len = t->len - at;
	return 0;
}

/* sg's stack, symbolized and formatted the first time it is seen: NULL on -ENOMEM. */
static const struct stack *stack_of(struct dumper *d, const struct snapshot_g *sg)
{
	uint64_t h = stack_hash(sg);
	struct stack *st;
	size_t i;

	if (umap_reserve(&d->stack_map))
		goto nomem;
	i = umap_find(&d->stack_map, h, stack_eq, d, sg);
	if (d->stack_map.v[i])
		return &d->stacks[d->stack_map.v[i] - 1];
	st = VEC_ADD(d->stacks, d->nstacks, d->cap_stacks);
	if (!st)
		goto nomem;
	*st = (struct stack){.pcs = sg->pcs, .npcs = sg->npcs, .end = sg->end};
	st->nfr = shown_frames(d, sg->pcs, sg->npcs, &st->fr);
	if (d->err || stack_text(d, st)) {
		free(st->fr);
		d->nstacks--;
		goto nomem;
	}
	d->stack_map.k[i] = h;
	d->stack_map.v[i] = (uint32_t)d->nstacks;
	d->stack_map.n++;
	return st;
nomem:
	d->err = -ENOMEM;
	return NULL;
}

/* printcreatedby of the go statement at gopc (a process pc): the function and line, unless hidden. */
static void site_fill(struct dumper *d, uint64_t gopc, bool system, struct site *si)
{
	uint64_t pc = gopc - d->s->bias; /* link-time, as the binary's tables are */
	struct frame fr[MAX_INLINE];
	struct gobin_func fn;
	struct text *t = &d->texts;
	size_t n;

	*si = (struct site){0};
	if (gobin__find_pc(d->b, pc, &fn) || !show_frame(fn.name, false, system))
		return;
	n = frames_of(d->b, d->s->bias, pc, fr, MAX_INLINE);
	si->shown = true;
	si->f = (struct frame){.func = fn.name,
			       .file = n ? fr[0].file : "?",
			       .line = n ? fr[0].line : 0,
			       .pc = gopc,
			       .off = pc - fn.entry};
	si->name = t->len;
	if (text_str(t, "created by ") || text_name(t, fn.name))
		goto nomem;
	si->name_len = t->len - si->name;
	si->tail = t->len;
	if (text_pos(t, si->f.file, si->f.line, si->f.off, si->f.off))
		goto nomem;
	si->tail_len = t->len - si->tail;
	return;
nomem:
	si->shown = false;
	d->err = -ENOMEM;
}

/* sg's "created by", or NULL when it has none (no gopc, goroutine 1, a hidden creator). */
static const struct site *created_by(struct dumper *d, const struct snapshot_g *sg, bool system)
{
	/* Process addresses are below 2^63: the top bit keys the system flag. */
	uint64_t key = sg->g.gopc | (system ? 1ULL << 63 : 0);
	struct site *si;
	size_t i;

	if (!sg->g.gopc || sg->g.goid == 1)
		return NULL;
	if (umap_reserve(&d->site_map)) {
		d->err = -ENOMEM;
		return NULL;
	}
	i = umap_find(&d->site_map, key, NULL, d, NULL);
	if (!d->site_map.v[i]) {
		si = VEC_ADD(d->sites, d->nsites, d->cap_sites);
		if (!si) {
			d->err = -ENOMEM;
			return NULL;
		}
		site_fill(d, sg->g.gopc, system, si);
		d->site_map.k[i] = key;
		d->site_map.v[i] = (uint32_t)d->nsites;
		d->site_map.n++;
	}
	si = &d->sites[d->site_map.v[i] - 1];
	return si->shown ? si : NULL;
}

/* sg's start function (runtime.isSystemGoroutine: a runtime one other than runtime.main). */
static const struct start *start_of(struct dumper *d, const struct snapshot_g *sg)
{
	static const struct start none = {0};
	uint64_t pc = sg->g.startpc - d->s->bias;
	struct gobin_func f;
	struct start *st;
	size_t i;

	if (umap_reserve(&d->start_map)) {
		d->err = -ENOMEM;
		return &none;
	}
	i = umap_find(&d->start_map, pc, NULL, d, NULL);
	if (d->start_map.v[i])
		return &d->starts[d->start_map.v[i] - 1];
	st = VEC_ADD(d->starts, d->nstarts, d->cap_starts);
	if (!st) {
		d->err = -ENOMEM;
		return &none;
	}
	*st = (struct start){0};
	if (!gobin__find_pc(d->b, pc, &f)) {
		st->name = f.name;
		st->system = gobin__system_start(f.name);
	}
	d->start_map.k[i] = pc;
	d->start_map.v[i] = (uint32_t)d->nstarts;
	d->start_map.n++;
	return st;
}

static bool listed(struct dumper *d, const struct snapshot_g *sg)
{
	return d->system || !start_of(d, sg)->system;
}

static void text_one(struct dumper *d, const struct snapshot_g *sg)
{
	int64_t min = minutes(d, &sg->g);
	const struct stack *st;
	const struct site *cb;

	put_str(d, "goroutine ");
	put_u64(d, sg->g.goid);
	put(d, " [", 2);
	put_str(d, status_text(d, &sg->g));
	if (sg->g.status & GSCAN)
		put_str(d, " (scan)");
	if (min >= 1) {
		put(d, ", ", 2);
		put_u64(d, (uint64_t)min);
		put_str(d, " minutes");
	}
	if (sg->g.lockedm)
		put_str(d, ", locked to thread");
	put(d, "]:\n", 3);
	switch (sg->state) {
	case SNAPSHOT_G_RUNNING:
		put_str(d, "\tgoroutine running on other thread; stack unavailable\n");
		break;
	case SNAPSHOT_G_CHANGED:
		put_str(d, "\tgoroutine changed while it was read; stack unavailable\n");
		break;
	case SNAPSHOT_G_BAD:
		put_str(d, "\tgoroutine's stack bounds are not valid; stack unavailable\n");
		break;
	case SNAPSHOT_G_OK:
		st = stack_of(d, sg);
		if (st)
			put(d, d->texts.p + st->text, st->text_len);
		break;
	}
	cb = created_by(d, sg, d->system);
	if (cb) {
		put(d, d->texts.p + cb->name, cb->name_len);
		if (sg->g.parent_goid) {
			put_str(d, " in goroutine ");
			put_u64(d, sg->g.parent_goid);
		}
		put(d, d->texts.p + cb->tail, cb->tail_len);
	}
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

static int write_json(struct dumper *d)
{
	const struct snapshot *s = d->s;
	const struct profile *p = d->p;
	struct jsonw *w;
	size_t i, k;
	int err;

	err = jsonw__new(d->out, 0, &w);
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
	for (i = 0; i < s->n && !d->err; i++) {
		const struct snapshot_g *sg = &s->gs[i];
		const struct start *sf;
		const struct site *cb;
		const struct stack *st;

		if (!listed(d, sg))
			continue;
		jsonw__newline(w);
		jsonw__object(w);
		jsonw__key(w, "goid");
		jsonw__u64(w, sg->g.goid);
		jsonw__key(w, "status");
		jsonw__string(w, status_text(d, &sg->g));
		jsonw__key(w, "state_code");
		jsonw__u64(w, sg->g.status);
		jsonw__key(w, "waitreason_code");
		jsonw__u64(w, sg->g.waitreason);
		jsonw__key(w, "wait_minutes");
		jsonw__i64(w, minutes(d, &sg->g));
		jsonw__key(w, "waitsince_ns");
		jsonw__i64(w, sg->g.waitsince);
		jsonw__key(w, "locked_to_thread");
		jsonw__bool(w, sg->g.lockedm != 0);
		jsonw__key(w, "read");
		jsonw__string(w, state_name(sg->state));
		sf = start_of(d, sg);
		if (sf->name) {
			jsonw__key(w, "start_func");
			jsonw__string(w, sf->name);
		}
		cb = created_by(d, sg, true);
		if (cb) {
			jsonw__key(w, "created_by");
			json_frame(w, &cb->f);
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
			st = stack_of(d, sg);
			for (k = 0; st && k < st->nfr; k++)
				json_frame(w, &st->fr[k]);
			jsonw__array_end(w);
		}
		jsonw__object_end(w);
	}
	jsonw__newline(w);
	jsonw__array_end(w);
	jsonw__object_end(w);
	fputc('\n', d->out);
	err = jsonw__finish(w);
	return d->err ? d->err : err;
}

static int cmp_pcs(const struct snapshot_g *a, const struct snapshot_g *b)
{
	size_t n = a->npcs < b->npcs ? a->npcs : b->npcs;

	for (size_t i = 0; i < n; i++)
		if (a->pcs[i] != b->pcs[i])
			return a->pcs[i] < b->pcs[i] ? -1 : 1;
	return a->npcs < b->npcs ? -1 : a->npcs > b->npcs;
}

static int cmp_group(const void *x, const void *y)
{
	const struct group *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return cmp_pcs(a->first, b->first);
}

static bool group_eq(const struct dumper *d, uint32_t i, const void *arg)
{
	return !cmp_pcs(d->groups[i].first, arg);
}

/* The goroutines counted by their pcs (a hash of them: 100k need no sort). */
static int count_groups(struct dumper *d, size_t *total)
{
	const struct snapshot *s = d->s;

	*total = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct snapshot_g *sg = &s->gs[i];
		struct group *g;
		uint64_t h;
		size_t j;

		if (!listed(d, sg))
			continue;
		++*total;
		if (sg->state != SNAPSHOT_G_OK || !sg->npcs)
			continue;
		h = pcs_hash(sg);
		if (umap_reserve(&d->group_map))
			return -ENOMEM;
		j = umap_find(&d->group_map, h, group_eq, d, sg);
		if (d->group_map.v[j]) {
			d->groups[d->group_map.v[j] - 1].count++;
			continue;
		}
		g = VEC_ADD(d->groups, d->ngroups, d->cap_groups);
		if (!g)
			return -ENOMEM;
		*g = (struct group){sg, 1};
		d->group_map.k[j] = h;
		d->group_map.v[j] = (uint32_t)d->ngroups;
		d->group_map.n++;
	}
	return d->err;
}

static int write_groups(struct dumper *d)
{
	const struct snapshot *s = d->s;
	size_t i, k, total;
	char line[64];
	int err;

	err = count_groups(d, &total);
	if (err)
		return err;
	qsort(d->groups, d->ngroups, sizeof(*d->groups), cmp_group);
	put_str(d, "goroutine profile: total ");
	put_u64(d, total);
	put(d, "\n", 1);
	for (i = 0; i < d->ngroups && !d->err; i++) {
		const struct snapshot_g *sg = d->groups[i].first;
		struct frame *fr;
		size_t nf;

		put_u64(d, d->groups[i].count);
		put(d, " @", 2);
		for (k = 0; k < sg->npcs; k++) {
			memcpy(line, " 0x", 3);
			put(d, line, 3 + fmt_u64(line + 3, sg->pcs[k] + s->bias, true));
		}
		put(d, "\n", 1);
		/* Each group is one distinct pc list: its frames are not worth keeping. */
		nf = shown_frames(d, sg->pcs, sg->npcs, &fr);
		for (k = 0; k < nf; k++) {
			put(d, "#\t0x", 4);
			put(d, line, fmt_u64(line, fr[k].pc, true));
			put(d, "\t", 1);
			put_str(d, fr[k].func);
			put(d, "+0x", 3);
			put(d, line, fmt_u64(line, fr[k].off, true));
			put(d, "\t", 1);
			put_str(d, fr[k].file);
			put(d, ":", 1);
			put_u64(d, fr[k].line);
			put(d, "\n", 1);
		}
		free(fr);
		put(d, "\n", 1);
	}
	return d->err;
}

static int write_text(struct dumper *d)
{
	bool first = true;

	for (size_t i = 0; i < d->s->n && !d->err; i++) {
		if (!listed(d, &d->s->gs[i]))
			continue;
		if (!first)
			put(d, "\n", 1);
		first = false;
		text_one(d, &d->s->gs[i]);
	}
	return d->err;
}

int dump__write(FILE *out, struct gobin *b, const struct profile *p, const struct snapshot *s,
		const struct dump_opts *o)
{
	struct dumper *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	*d = (struct dumper){.out = out,
			     .b = b,
			     .p = p,
			     .s = s,
			     .system = o->system,
			     .wrapper = gobin__wrapper_func_id(b)};
	status_names(d);
	d->buf.p = malloc(OUT_BUF);
	d->buf.cap = d->buf.p ? OUT_BUF : 0;
	if (!d->buf.p)
		err = -ENOMEM;
	else if (o->format == DUMP_JSON)
		err = write_json(d);
	else if (o->format == DUMP_GROUP)
		err = write_groups(d);
	else
		err = write_text(d);
	flush(d);
	if (!err)
		err = d->err;
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
	for (size_t i = 0; i < d->nstacks; i++)
		free(d->stacks[i].fr);
	free(d->stacks);
	free(d->sites);
	free(d->starts);
	umap_free(&d->stack_map);
	umap_free(&d->site_map);
	umap_free(&d->start_map);
	umap_free(&d->group_map);
	free(d->groups);
	free(d->texts.p);
	free(d->buf.p);
	free(d);
	return err;
}
