// SPDX-License-Identifier: GPL-2.0
/*
 * pprof: the profile builder (see pprof.h). Strings, functions, locations
 * and stacks each go through one hash table, so a 100k-goroutine snapshot
 * costs a lookup per return address, not a symbolization; the message is
 * encoded by protobuf-c (proto/profile.proto) and gzipped by zlib when
 * written. The rules for what a stack shows are those of Go's tracebackPCs
 * (runtime/traceback.go: wrappers elided unless calling a panic) and
 * runtime/pprof's allFrames (runtime.goexit dropped) and emitLocation (one
 * Location per physical frame, its address CallersFrames' pc).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "profile.pb-c.h"

#include "gobin.h"
#include "gosym.h"
#include "pclntab.h"
#include "pprof.h"

/* Open addressing over indices into the owner's vector; the hash is kept for growing. */
struct htab {
	struct hslot {
		uint64_t h;
		uint32_t idx; /* index + 1; 0: empty */
	} * s;
	size_t cap, n;
};

struct func {
	int64_t name, file, start_line;
};

struct line {
	uint64_t func_id;
	int64_t line;
};

struct loc {
	uint64_t pc;	   /* the return address, the key with callee_panic */
	bool callee_panic; /* the frame below called a panic: a wrapper here is shown */
	bool next_panic;   /* what the frame above sees: this one's outermost function panics */
	bool dropped;	   /* runtime.goexit, or wrappers only: not a location */
	size_t nframes;	   /* entries of the runtime's traceback buffer it stands for */
	uint64_t id;	   /* 0: no location (runtime.goexit, a wrapper, ...) */
	uint64_t address;
	uint64_t mapping_id;
	struct line *lines;
	size_t nlines;
};

struct sample {
	uint64_t *pcs;
	size_t npcs;
	uint64_t *loc_ids;
	size_t nlocs;
	int64_t values[PPROF_MAX_VALUES];
};

struct mapping {
	struct pprof_mapping m;
	int64_t file, build_id;
	struct gobin *bin;
	uint64_t bias;
	int wrapper_id; /* abi.FuncIDWrapper in bin, -1 when unknown */
	bool inline_ok; /* bin's tables have inline trees */
	bool tried;	/* some address was looked up */
	bool failed;	/* some lookup gave no function, file or line */
};

struct pprof {
	int64_t sample_types[PPROF_MAX_VALUES][2];
	size_t nvalues;
	int64_t period_type[2];
	bool has_period_type;
	int64_t period, time_nanos, duration_nanos;
	size_t max_frames;

	char **strs;
	size_t nstrs, capstrs;
	struct htab str_ix;

	struct func *funcs;
	size_t nfuncs, capfuncs;
	struct htab func_ix; /* by name's string index */

	struct loc *locs;
	size_t nlocs, caplocs;
	uint64_t nlocids;
	struct htab loc_ix;

	struct sample *samples;
	size_t nsamples, capsamples;
	struct sample **order; /* as written */
	struct htab sample_ix;

	struct mapping *maps;
	size_t nmaps, capmaps;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Grow v (of *cap elements of size sz) to hold one more than n. 0 or -ENOMEM. */
static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	nv = realloc(*v, ncap * sz);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

typedef bool (*htab_eq)(const struct pprof *p, uint32_t idx, const void *key);

/* The slot holding key, or the empty one where it would go. */
static struct hslot *htab_find(const struct pprof *p, const struct htab *t, uint64_t h, htab_eq eq,
			       const void *key)
{
	size_t mask = t->cap - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		struct hslot *s = &t->s[i];

		if (!s->idx || (s->h == h && eq(p, s->idx - 1, key)))
			return s;
	}
}

/* Room for one more entry, keeping the table at most half full. 0 or -ENOMEM. */
static int htab_reserve(struct htab *t)
{
	struct hslot *ns;
	size_t ncap, i;

	if ((t->n + 1) * 2 <= t->cap)
		return 0;
	ncap = t->cap ? t->cap * 2 : 64;
	ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		size_t j = t->s[i].h & (ncap - 1);

		if (!t->s[i].idx)
			continue;
		while (ns[j].idx)
			j = (j + 1) & (ncap - 1);
		ns[j] = t->s[i];
	}
	free(t->s);
	t->s = ns;
	t->cap = ncap;
	return 0;
}

static bool str_eq(const struct pprof *p, uint32_t idx, const void *key)
{
	return !strcmp(p->strs[idx], key);
}

/* s's index in the string table (0 for NULL or ""), or -ENOMEM. */
static int64_t intern(struct pprof *p, const char *s)
{
	uint64_t h;
	struct hslot *slot;
	char *copy;

	if (!s || !*s)
		return 0;
	if (htab_reserve(&p->str_ix) ||
	    grow((void **)&p->strs, &p->capstrs, p->nstrs, sizeof(*p->strs)))
		return -ENOMEM;
	h = hash_str(s);
	slot = htab_find(p, &p->str_ix, h, str_eq, s);
	if (slot->idx)
		return slot->idx - 1;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	p->strs[p->nstrs] = copy;
	*slot = (struct hslot){h, (uint32_t)++p->nstrs};
	p->str_ix.n++;
	return (int64_t)p->nstrs - 1;
}

static bool func_eq(const struct pprof *p, uint32_t idx, const void *key)
{
	return p->funcs[idx].name == *(const int64_t *)key;
}

/* The function named name (Go keys them by name): its id, or -ENOMEM. */
static int64_t func_id(struct pprof *p, const char *name, const char *file, int32_t start_line)
{
	int64_t n = intern(p, name), f;
	struct hslot *slot;
	uint64_t h;

	if (n < 0)
		return n;
	if (htab_reserve(&p->func_ix) ||
	    grow((void **)&p->funcs, &p->capfuncs, p->nfuncs, sizeof(*p->funcs)))
		return -ENOMEM;
	h = mix(0, (uint64_t)n);
	slot = htab_find(p, &p->func_ix, h, func_eq, &n);
	if (slot->idx)
		return slot->idx;
	f = intern(p, file && strcmp(file, "?") ? file : NULL);
	if (f < 0)
		return f;
	p->funcs[p->nfuncs] = (struct func){n, f, start_line};
	*slot = (struct hslot){h, (uint32_t)++p->nfuncs};
	p->func_ix.n++;
	return (int64_t)p->nfuncs;
}

int pprof__new(const struct pprof_opts *o, struct pprof **out)
{
	struct pprof *p;
	size_t i;
	int64_t a, b;

	*out = NULL;
	if (!o->n_sample_types || o->n_sample_types > PPROF_MAX_VALUES)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* Index 0 is the empty string, as the format requires. */
	p->strs = calloc(16, sizeof(*p->strs));
	if (!p->strs || !(p->strs[0] = strdup("")))
		goto nomem;
	p->nstrs = 1;
	p->capstrs = 16;
	p->nvalues = o->n_sample_types;
	for (i = 0; i < o->n_sample_types; i++) {
		a = intern(p, o->sample_types[i].type);
		b = intern(p, o->sample_types[i].unit);
		if (a < 0 || b < 0)
			goto nomem;
		p->sample_types[i][0] = a;
		p->sample_types[i][1] = b;
	}
	if (o->period_type.type) {
		a = intern(p, o->period_type.type);
		b = intern(p, o->period_type.unit);
		if (a < 0 || b < 0)
			goto nomem;
		p->period_type[0] = a;
		p->period_type[1] = b;
		p->has_period_type = true;
	}
	p->period = o->period;
	p->time_nanos = o->time_nanos;
	p->duration_nanos = o->duration_nanos;
	p->max_frames = o->max_frames;
	*out = p;
	return 0;
nomem:
	pprof__delete(p);
	return -ENOMEM;
}

void pprof__delete(struct pprof *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nstrs; i++)
		free(p->strs[i]);
	for (i = 0; i < p->nlocs; i++)
		free(p->locs[i].lines);
	for (i = 0; i < p->nsamples; i++) {
		free(p->samples[i].pcs);
		free(p->samples[i].loc_ids);
	}
	free(p->strs);
	free(p->str_ix.s);
	free(p->funcs);
	free(p->func_ix.s);
	free(p->locs);
	free(p->loc_ix.s);
	free(p->samples);
	free(p->order);
	free(p->sample_ix.s);
	free(p->maps);
	free(p);
}

int pprof__add_mapping(struct pprof *p, const struct pprof_mapping *m, struct gobin *b,
		       uint64_t bias)
{
	struct mapping *nm;
	const struct pclntab *t;
	int64_t file, build_id;

	if (m->start >= m->limit)
		return -EINVAL;
	file = intern(p, m->file);
	build_id = intern(p, m->build_id);
	if (file < 0 || build_id < 0 ||
	    grow((void **)&p->maps, &p->capmaps, p->nmaps, sizeof(*p->maps)))
		return -ENOMEM;
	nm = &p->maps[p->nmaps++];
	*nm = (struct mapping){.m = *m,
			       .file = file,
			       .build_id = build_id,
			       .bin = b,
			       .bias = bias,
			       .wrapper_id = -1};
	/* The strings are the table's now: the caller's may go. */
	nm->m.file = nm->m.build_id = NULL;
	if (b) {
		nm->wrapper_id = gobin__wrapper_func_id(b);
		/* gosym reads inline trees from go1.16's tables, through moduledata. */
		nm->inline_ok = !gobin__pclntab(b, &t, NULL) &&
				pclntab__version(t) >= PCLNTAB_VER_116 && gobin__moduledata(b);
	}
	return 0;
}

/* runtime.elideWrapperCalling: a wrapper is shown when it called one of these. */
static bool is_panic(const char *name)
{
	return !strcmp(name, "runtime.gopanic") || !strcmp(name, "runtime.sigpanic") ||
	       !strcmp(name, "runtime.panicwrap");
}

struct loc_key {
	uint64_t pc;
	bool callee_panic;
};

static bool loc_eq(const struct pprof *p, uint32_t idx, const void *key)
{
	const struct loc_key *k = key;

	return p->locs[idx].pc == k->pc && p->locs[idx].callee_panic == k->callee_panic;
}

static struct mapping *mapping_of(struct pprof *p, uint64_t pc, uint64_t *id)
{
	for (size_t i = 0; i < p->nmaps; i++)
		if (p->maps[i].m.start <= pc && pc < p->maps[i].m.limit) {
			*id = i + 1;
			return &p->maps[i];
		}
	*id = 0;
	return NULL;
}

/* l's address and lines, from its mapping's binary when it has one. 0 or -ENOMEM. */
static int symbolize(struct pprof *p, struct loc *l)
{
	struct gosym_frame fr[GOSYM_MAX_DEPTH];
	struct mapping *m = mapping_of(p, l->pc, &l->mapping_id);
	bool panic = l->callee_panic;
	struct gobin_func f;
	uint64_t link;
	size_t n = 0, k;
	int err;

	/* Unknown code: the call's address is a byte back all the same (Go's allFrames). */
	l->address = l->pc - 1;
	l->next_panic = false;
	l->nframes = 1;
	if (!m || !m->bin)
		return 0;
	m->tried = true;
	link = l->pc - m->bias;
	err = gobin__find_pc(m->bin, link, &f);
	if (!err) {
		/* CallersFrames backs a return address into the call, except at an entry. */
		if (link == f.entry)
			l->address = l->pc;
		err = gobin__frames(m->bin, link > f.entry ? link - 1 : link, fr, GOSYM_MAX_DEPTH,
				    &n);
	}
	if ((err && err != -ENOSPC) || !n) {
		m->failed = true;
		return 0;
	}
	/* allFrames: a goroutine's bottom frame is no location. */
	if (!strcmp(fr[0].func, "runtime.goexit")) {
		l->dropped = true;
		return 0;
	}
	l->lines = calloc(n, sizeof(*l->lines));
	if (!l->lines)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		bool wrapper = m->wrapper_id >= 0 && fr[k].func_id == m->wrapper_id && !panic;
		int64_t id;

		panic = is_panic(fr[k].func);
		if (wrapper)
			continue;
		if (!fr[k].line || !strcmp(fr[k].file, "?"))
			m->failed = true;
		id = func_id(p, fr[k].func, fr[k].file, fr[k].start_line);
		if (id < 0)
			return (int)id;
		l->lines[l->nlines++] = (struct line){(uint64_t)id, fr[k].line};
	}
	l->next_panic = panic;
	l->nframes = l->nlines;
	if (!l->nlines) {
		/* Only wrappers: tracebackPCs never records the frame. */
		free(l->lines);
		l->lines = NULL;
		l->dropped = true;
		return 0;
	}
	return 0;
}

/* The location of pc seen from a callee that panicked or not, made on first use. */
static int location(struct pprof *p, uint64_t pc, bool callee_panic, struct loc **out)
{
	struct loc_key key = {pc, callee_panic};
	uint64_t h = mix(mix(0, pc), callee_panic);
	struct hslot *slot;
	struct loc *l;
	int err;

	if (htab_reserve(&p->loc_ix) ||
	    grow((void **)&p->locs, &p->caplocs, p->nlocs, sizeof(*p->locs)))
		return -ENOMEM;
	slot = htab_find(p, &p->loc_ix, h, loc_eq, &key);
	if (slot->idx) {
		*out = &p->locs[slot->idx - 1];
		return 0;
	}
	l = &p->locs[p->nlocs];
	*l = (struct loc){.pc = pc, .callee_panic = callee_panic};
	err = symbolize(p, l);
	if (err) {
		free(l->lines);
		return err;
	}
	/* A location of unknown code is kept (its address alone); goexit and wrappers are not. */
	if (!l->dropped)
		l->id = ++p->nlocids;
	*slot = (struct hslot){h, (uint32_t)++p->nlocs};
	p->loc_ix.n++;
	*out = l;
	return 0;
}

struct stack_key {
	const uint64_t *pcs;
	size_t n;
};

static bool sample_eq(const struct pprof *p, uint32_t idx, const void *key)
{
	const struct stack_key *k = key;
	const struct sample *s = &p->samples[idx];

	return s->npcs == k->n && !memcmp(s->pcs, k->pcs, k->n * sizeof(*k->pcs));
}

int pprof__add_sample(struct pprof *p, const uint64_t *pcs, size_t n, const int64_t *values)
{
	struct stack_key key = {pcs, 0};
	struct sample *s;
	struct hslot *slot;
	struct loc *l;
	uint64_t *ids; /* not struct loc *: a new location may move the table */
	bool panic = false;
	size_t i, frames = 0, nlocs = 0;
	uint64_t h;
	int err = 0;

	ids = malloc((n ? n : 1) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	/* Locations first: the cut is counted in their frames. */
	for (i = 0; i < n && (!p->max_frames || frames < p->max_frames); i++) {
		err = location(p, pcs[i], panic, &l);
		if (err)
			goto out;
		panic = l->next_panic;
		frames += l->nframes;
		ids[i] = l->id;
	}
	key.n = i;
	h = mix(0, key.n);
	for (i = 0; i < key.n; i++)
		h = mix(h, pcs[i]);
	err = -ENOMEM;
	if (htab_reserve(&p->sample_ix) ||
	    grow((void **)&p->samples, &p->capsamples, p->nsamples, sizeof(*p->samples)))
		goto out;
	slot = htab_find(p, &p->sample_ix, h, sample_eq, &key);
	if (slot->idx) {
		s = &p->samples[slot->idx - 1];
		err = 0;
		for (i = 0; i < p->nvalues; i++)
			if (__builtin_add_overflow(s->values[i], values[i], &s->values[i]))
				err = -EOVERFLOW;
		goto out;
	}
	s = &p->samples[p->nsamples];
	*s = (struct sample){.npcs = key.n};
	s->pcs = malloc((key.n ? key.n : 1) * sizeof(*pcs));
	s->loc_ids = malloc((key.n ? key.n : 1) * sizeof(*s->loc_ids));
	if (!s->pcs || !s->loc_ids) {
		free(s->pcs);
		free(s->loc_ids);
		goto out;
	}
	memcpy(s->pcs, pcs, key.n * sizeof(*pcs));
	memcpy(s->values, values, p->nvalues * sizeof(*values));
	for (i = 0; i < key.n; i++)
		if (ids[i])
			s->loc_ids[nlocs++] = ids[i];
	s->nlocs = nlocs;
	*slot = (struct hslot){h, (uint32_t)++p->nsamples};
	p->sample_ix.n++;
	err = 0;
out:
	free(ids);
	return err;
}

size_t pprof__sample_count(const struct pprof *p)
{
	return p->nsamples;
}

size_t pprof__location_count(const struct pprof *p)
{
	return p->nlocids;
}

/* Every message of the profile, in arrays freed together. */
struct msgs {
	Perftools__Profiles__ValueType vt[PPROF_MAX_VALUES + 1], *vtp[PPROF_MAX_VALUES];
	Perftools__Profiles__Sample *s, **sp;
	Perftools__Profiles__Mapping *m, **mp;
	Perftools__Profiles__Location *l, **lp;
	Perftools__Profiles__Line *ln, **lnp;
	Perftools__Profiles__Function *f, **fp;
	int64_t *values;
};

static void msgs_free(struct msgs *g)
{
	free(g->s);
	free(g->sp);
	free(g->m);
	free(g->mp);
	free(g->l);
	free(g->lp);
	free(g->ln);
	free(g->lnp);
	free(g->f);
	free(g->fp);
	free(g->values);
}

/* Largest first value first, as runtime/pprof orders a count profile; else as added. */
static int cmp_sample(const void *x, const void *y)
{
	const struct sample *a = *(const struct sample *const *)x,
			    *b = *(const struct sample *const *)y;

	if (a->values[0] != b->values[0])
		return a->values[0] < b->values[0] ? 1 : -1;
	return a < b ? -1 : a > b;
}

static int build(struct pprof *p, struct msgs *g, Perftools__Profiles__Profile *pr)
{
	size_t i, k, nl = 0, nlines = 0, li = 0;

	free(p->order);
	p->order = malloc((p->nsamples + 1) * sizeof(*p->order));
	if (!p->order)
		return -ENOMEM;
	for (i = 0; i < p->nsamples; i++)
		p->order[i] = &p->samples[i];
	qsort(p->order, p->nsamples, sizeof(*p->order), cmp_sample);

	for (i = 0; i < p->nlocs; i++)
		nlines += p->locs[i].id ? p->locs[i].nlines : 0;
	g->s = calloc(p->nsamples + 1, sizeof(*g->s));
	g->sp = calloc(p->nsamples + 1, sizeof(*g->sp));
	g->values = calloc(p->nsamples * p->nvalues + 1, sizeof(*g->values));
	g->m = calloc(p->nmaps + 1, sizeof(*g->m));
	g->mp = calloc(p->nmaps + 1, sizeof(*g->mp));
	g->l = calloc(p->nlocids + 1, sizeof(*g->l));
	g->lp = calloc(p->nlocids + 1, sizeof(*g->lp));
	g->ln = calloc(nlines + 1, sizeof(*g->ln));
	g->lnp = calloc(nlines + 1, sizeof(*g->lnp));
	g->f = calloc(p->nfuncs + 1, sizeof(*g->f));
	g->fp = calloc(p->nfuncs + 1, sizeof(*g->fp));
	if (!g->s || !g->sp || !g->values || !g->m || !g->mp || !g->l || !g->lp || !g->ln ||
	    !g->lnp || !g->f || !g->fp)
		return -ENOMEM;

	for (i = 0; i < p->nvalues; i++) {
		perftools__profiles__value_type__init(&g->vt[i]);
		g->vt[i].type = p->sample_types[i][0];
		g->vt[i].unit = p->sample_types[i][1];
		g->vtp[i] = &g->vt[i];
	}
	pr->n_sample_type = p->nvalues;
	pr->sample_type = g->vtp;
	if (p->has_period_type) {
		Perftools__Profiles__ValueType *pt = &g->vt[PPROF_MAX_VALUES];

		perftools__profiles__value_type__init(pt);
		pt->type = p->period_type[0];
		pt->unit = p->period_type[1];
		pr->period_type = pt;
	}
	pr->period = p->period;
	pr->time_nanos = p->time_nanos;
	pr->duration_nanos = p->duration_nanos;

	for (i = 0; i < p->nsamples; i++) {
		const struct sample *s = p->order[i];

		perftools__profiles__sample__init(&g->s[i]);
		g->s[i].n_location_id = s->nlocs;
		g->s[i].location_id = s->loc_ids;
		g->s[i].n_value = p->nvalues;
		g->s[i].value = &g->values[i * p->nvalues];
		memcpy(g->s[i].value, s->values, p->nvalues * sizeof(*s->values));
		g->sp[i] = &g->s[i];
	}
	pr->n_sample = p->nsamples;
	pr->sample = g->sp;

	for (i = 0; i < p->nmaps; i++) {
		const struct mapping *m = &p->maps[i];
		/* Go's rule: every lookup in the mapping tried and none failed. */
		bool all = m->tried && !m->failed;

		perftools__profiles__mapping__init(&g->m[i]);
		g->m[i].id = i + 1;
		g->m[i].memory_start = m->m.start;
		g->m[i].memory_limit = m->m.limit;
		g->m[i].file_offset = m->m.offset;
		g->m[i].filename = m->file;
		g->m[i].build_id = m->build_id;
		g->m[i].has_functions = all;
		g->m[i].has_filenames = all;
		g->m[i].has_line_numbers = all;
		g->m[i].has_inline_frames = all && m->inline_ok;
		g->mp[i] = &g->m[i];
	}
	pr->n_mapping = p->nmaps;
	pr->mapping = g->mp;

	for (i = 0; i < p->nlocs; i++) {
		const struct loc *l = &p->locs[i];
		Perftools__Profiles__Location *o = &g->l[nl];

		if (!l->id)
			continue;
		perftools__profiles__location__init(o);
		o->id = l->id;
		o->mapping_id = l->mapping_id;
		o->address = l->address;
		o->n_line = l->nlines;
		o->line = &g->lnp[li];
		for (k = 0; k < l->nlines; k++, li++) {
			perftools__profiles__line__init(&g->ln[li]);
			g->ln[li].function_id = l->lines[k].func_id;
			g->ln[li].line = l->lines[k].line;
			g->lnp[li] = &g->ln[li];
		}
		g->lp[nl++] = o;
	}
	pr->n_location = nl;
	pr->location = g->lp;

	for (i = 0; i < p->nfuncs; i++) {
		perftools__profiles__function__init(&g->f[i]);
		g->f[i].id = i + 1;
		/* Go writes the symbol's name as both. */
		g->f[i].name = p->funcs[i].name;
		g->f[i].system_name = p->funcs[i].name;
		g->f[i].filename = p->funcs[i].file;
		g->f[i].start_line = p->funcs[i].start_line;
		g->fp[i] = &g->f[i];
	}
	pr->n_function = p->nfuncs;
	pr->function = g->fp;

	pr->n_string_table = p->nstrs;
	pr->string_table = p->strs;
	return 0;
}

/* len bytes of buf gzipped to out. 0, -EIO, -ENOMEM. */
static int gzip_to(FILE *out, const uint8_t *buf, size_t len)
{
	unsigned char chunk[64 * 1024];
	z_stream z = {0};
	int zr, err = 0;

	/* 16 + the window bits: a gzip header and trailer, as Go's compress/gzip writes. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)buf;
	z.avail_in = (uInt)len; /* a profile is far below 4 GiB */
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = deflate(&z, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			err = -ENOMEM;
			break;
		}
		if (fwrite(chunk, 1, sizeof(chunk) - z.avail_out, out) !=
		    sizeof(chunk) - z.avail_out) {
			err = -EIO;
			break;
		}
	} while (zr != Z_STREAM_END);
	deflateEnd(&z);
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
	return err;
}

int pprof__write(struct pprof *p, FILE *out)
{
	Perftools__Profiles__Profile pr = PERFTOOLS__PROFILES__PROFILE__INIT;
	struct msgs g = {0};
	uint8_t *buf = NULL;
	size_t len;
	int err;

	err = build(p, &g, &pr);
	if (!err) {
		len = perftools__profiles__profile__get_packed_size(&pr);
		buf = malloc(len ? len : 1);
		if (!buf)
			err = -ENOMEM;
	}
	if (!err && perftools__profiles__profile__pack(&pr, buf) != len)
		err = -EIO;
	if (!err)
		err = gzip_to(out, buf, len);
	free(buf);
	msgs_free(&g);
	return err;
}

int pprof__write_path(struct pprof *p, const char *path)
{
	char *tmp = NULL;
	FILE *f;
	int err;

	if (!strcmp(path, "-"))
		return pprof__write(p, stdout);
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	f = fopen(tmp, "we");
	if (!f) {
		err = -errno;
		free(tmp);
		return err;
	}
	err = pprof__write(p, f);
	if (fclose(f) && !err)
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
