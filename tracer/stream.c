// SPDX-License-Identifier: GPL-2.0
/*
 * stream: where each event goes, and the reports made at the end of the
 * stream (see stream.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "analysis.h"
#include "array.h"
#include "blockpprof.h"
#include "format.h"
#include "gobin.h"
#include "goroutine_account.h"
#include "gosym.h"
#include "gtable.h"
#include "jsonw.h"
#include "names.h"
#include "output.h"
#include "profile.h"
#include "record.h"
#include "seed.h"
#include "sites.h"
#include "stacks.h"
#include "stream.h"
#include "summary.h"
#include "target.h"
#include "timeline.h"

#define TOP_GOROUTINES 20
/* Creations held back for their goid longer than this are printed without it. */
#define PENDING_MAX_NS (30 * 1000000000ULL)
/* How often, in the events' clock, held-back creations are looked at. */
#define EXPIRE_EVERY_NS (2 * 1000000000ULL)
#define FLUSH_EVERY_NS (2 * 1000000000ULL)
/*
 * A fresh g quiet this long is read for its goid (the runtime sets it a few
 * instructions after the switch), and given up on after LATE_GIVEUP_NS.
 */
#define LATE_AFTER_NS (100 * 1000000ULL)
#define LATE_GIVEUP_NS (10 * 1000000000ULL)
#define LATE_MAX 4096
#define RECORD_SCHEMA_VERSION 1

/*
 * Which target a process's events come from, for the stacks of its live
 * goroutines: a small open-addressed table (a process past it: target 0's).
 */
#define PROCS_MAX 4096
#define PROCS_PROBE 16
struct proc_target {
	uint32_t tgid, target;
};

struct stream {
	struct stream_opts o;
	struct output *printer;
	struct analysis *an;
	struct timeline *tl;
	struct record *rec;
	/* Creation sites by pc: resolved from the targets' binaries, or a record's SITES. */
	struct sites *sites;
	struct stacks *stacks; /* blocking stacks by id: the kernel's, or a record's STACKS */
	struct gobin *bins[GOROUTINE_MAX_TARGETS];
	struct seed_site *site_v; /* the last summary's, merged */
	/* Seeded before the record starts: written after its TARGETs (record.h's SEED). */
	struct record_seed *seed_v;
	uint32_t *seed_target;
	size_t nseed;
	/* Fresh g's whose goid is to be read from the process (stream__goid()). */
	struct gtable *late;
	/*
	 * The session's wait-reason names, which every consumer is given: the
	 * first target's, grown by the others' (names__merge()); reason[t][i]
	 * is the session's index of target t's reason i, for the events, the
	 * seeds and the kernel's tables (stream__reason_map()).
	 */
	struct names *names;
	uint8_t reason[GOROUTINE_MAX_TARGETS][GOROUTINE_NREASONS];
	bool remap[GOROUTINE_MAX_TARGETS]; /* reason[t] is not the identity */
	struct proc_target procs[PROCS_MAX];
	uint32_t last_tgid;   /* the last event's: procs is written on a change */
	uint64_t next_expire; /* events' clock */
	uint64_t next_flush;  /* CLOCK_MONOTONIC */
};

/* A fresh g waiting for its goid to be read (stream__goid()). */
struct late {
	uint32_t target;
	uint64_t ts_ns; /* its switch out of _Gidle, CLOCK_MONOTONIC as the events' */
};

/* A JSON text of another writer (cJSON's parse of it), embedded as a value. */
static void embed(struct jsonw *w, const char *json, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(json, len);

	jsonw__cjson(w, j);
	cJSON_Delete(j);
}

/* The record's META: what a report elsewhere needs of the session. */
static int record_meta(const struct stream_opts *o, struct jsonw_mem *m)
{
	char host[256] = "";
	int err = jsonw__mem_open(m);

	if (err)
		return err;
	gethostname(host, sizeof(host) - 1);
	jsonw__object(m->w);
	jsonw__key(m->w, "schema_version");
	jsonw__u64(m->w, RECORD_SCHEMA_VERSION);
	jsonw__key(m->w, "tool");
	jsonw__string(m->w, o->version);
	jsonw__key(m->w, "hostname");
	jsonw__string(m->w, host);
	jsonw__key(m->w, "target");
	jsonw__string(m->w, o->shown);
	jsonw__key(m->w, "pid");
	jsonw__u64(m->w, o->pid);
	jsonw__key(m->w, "start_ns");
	jsonw__u64(m->w, o->start_ns);
	/* A string: ~1.8e18 is past what a JSON reader's doubles hold exactly. */
	jsonw__key(m->w, "mono_to_real_ns");
	jsonw__stringf(m->w, "%" PRId64, o->mono_to_real_ns);
	jsonw__object_end(m->w);
	return jsonw__mem_close(m);
}

int stream__new(const struct stream_opts *o, struct stream **out, char *why, size_t whylen)
{
	struct stream *s = calloc(1, sizeof(*s));
	int err = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->o = *o;
	err = names__dup(o->names, &s->names);
	if (!err)
		err = sites__new(&s->sites);
	if (!err)
		err = stacks__new(&s->stacks);
	if (err) {
		snprintf(why, whylen, "%s", strerror(-err));
		goto fail;
	}
	if (o->html || o->trace_json) {
		struct timeline_opts to = {
			.html_path = o->html,
			.trace_path = o->trace_json,
			.target = o->shown,
			.pid = o->pid,
			.names = s->names,
			.start_ns = o->start_ns,
			.mono_to_real_ns = o->mono_to_real_ns,
			.stacks = s->stacks,
		};

		err = timeline__new(&to, &s->tl);
		if (err) {
			snprintf(why, whylen, "%s: %s",
				 err == -ENOMEM ? "cannot start the analysis" :
						  "cannot write the report",
				 strerror(-err));
			goto fail;
		}
	}
	/* The profiles need blocking by stack: the kernel's, or else the events'. */
	if (s->tl || ((o->summary || o->pprof || o->pprof_sched) && !o->kernel)) {
		err = analysis__new(o->goid_at_creation, s->tl ? timeline__slice : NULL, s->tl,
				    &s->an);
		if (err) {
			snprintf(why, whylen, "cannot start the analysis: %s", strerror(-err));
			goto fail;
		}
		analysis__set_sites(s->an, s->sites);
	}
	if (o->record) {
		/* Written from stream__start(); a path that cannot be must fail now. */
		int fd = open(o->record, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);

		if (fd < 0) {
			err = -errno;
			snprintf(why, whylen, "%s: %s", o->record, strerror(errno));
			goto fail;
		}
		close(fd);
	}
	if (o->print_events) {
		struct output_opts oo = {
			.out = o->out,
			.json = o->json,
			.goid = o->goid,
			.state = o->state,
			.goid_at_creation = o->goid_at_creation,
			.names = s->names,
			.sites = s->sites,
			.mono_to_real_ns = o->mono_to_real_ns,
			.exes = o->exes,
		};

		s->printer = output__new(&oo);
		if (!s->printer) {
			err = -ENOMEM;
			snprintf(why, whylen, "%s", strerror(ENOMEM));
			goto fail;
		}
	}
	/* Only the events' consumers print or keep goids; the summary has its own. */
	if (o->goids && (s->printer || o->record) && gtable__new(sizeof(struct late), &s->late)) {
		err = -ENOMEM;
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	stream__delete(s);
	return err;
}

static const char *kind_name(enum target_kind k)
{
	return k == TARGET_PID ? "pid" : k == TARGET_COMMAND ? "command" : "binary";
}

/* A target in the record (its profile and names), before its events. */
static int record_target(struct stream *s, const struct target *t)
{
	char *profile = NULL, *names = NULL;
	size_t names_len = 0;
	struct jsonw_mem m;
	int err;

	err = profile__to_json(t->prof, &profile);
	if (!err)
		err = names__to_json(t->names, &names, &names_len);
	if (!err)
		err = jsonw__mem_open(&m);
	if (err)
		goto out;
	jsonw__object(m.w);
	jsonw__key(m.w, "id");
	jsonw__u64(m.w, t->id);
	jsonw__key(m.w, "kind");
	jsonw__string(m.w, kind_name(t->kind));
	jsonw__key(m.w, "path");
	jsonw__string(m.w, t->shown);
	jsonw__key(m.w, "pid");
	jsonw__u64(m.w, t->pid);
	jsonw__key(m.w, "goid_at_creation");
	jsonw__bool(m.w, t->prof->goid_at_creation);
	jsonw__key(m.w, "names");
	embed(m.w, names, names_len);
	jsonw__key(m.w, "profile");
	embed(m.w, profile, strlen(profile));
	jsonw__object_end(m.w);
	err = jsonw__mem_close(&m);
	if (!err)
		err = record__add_target(s->rec, t->id, m.buf, m.len);
	free(m.buf);
out:
	free(profile);
	free(names);
	return err;
}

/* What was seeded, for the record: kept until stream__start() writes it. */
static int keep_seed(struct stream *s, uint32_t target, const struct goroutine_gentry *e,
		     const uint64_t (*pcs)[2], size_t n)
{
	struct record_seed *v = realloc(s->seed_v, (s->nseed + n + 1) * sizeof(*v));
	uint32_t *t;

	if (!v)
		return -ENOMEM;
	s->seed_v = v;
	t = realloc(s->seed_target, (s->nseed + n + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	s->seed_target = t;
	for (size_t i = 0; i < n; i++, s->nseed++) {
		v[s->nseed] = (struct record_seed){
			.g = e[i],
			.startpc = pcs ? pcs[i][0] : 0,
			.gopc = pcs ? pcs[i][1] : 0,
		};
		t[s->nseed] = target;
	}
	return 0;
}

/* The kept seed after the TARGETs: each target's sites and stacks, then its goroutines. */
static int record_seed(struct stream *s, struct target *const *targets, size_t n)
{
	int err = 0;

	for (size_t i = 0; !err && i < n; i++) {
		uint32_t id = targets[i]->id;
		size_t k = 0, len, nj;
		char *json;

		err = sites__take_json(s->sites, id, &json, &len, &nj);
		if (!err && json)
			err = record__add_sites(s->rec, id, json, len);
		free(json);
		/* The stacks the seeded goroutines wait at (stream__stack). */
		json = NULL;
		if (!err)
			err = stacks__take_json(s->stacks, id, &json, &len);
		if (!err && json)
			err = record__add_stacks(s->rec, id, json, len);
		free(json);
		/* Each target's entries are consecutive: seeded one target after another. */
		while (!err && k < s->nseed) {
			size_t a = k;

			while (k < s->nseed && s->seed_target[k] == s->seed_target[a])
				k++;
			if (s->seed_target[a] == id)
				err = record__add_seed(s->rec, id, s->seed_v + a, k - a);
		}
	}
	free(s->seed_v);
	free(s->seed_target);
	s->seed_v = NULL;
	s->seed_target = NULL;
	s->nseed = 0;
	return err;
}

int stream__start(struct stream *s, uint64_t start_ns, struct target *const *targets, size_t n,
		  char *why, size_t whylen)
{
	char header[160];
	struct jsonw_mem meta;
	size_t i;
	int err = 0;

	s->o.start_ns = start_ns;
	for (i = 0; i < n; i++)
		stream__bind(s, targets[i]);
	if (s->tl)
		timeline__start(s->tl, start_ns);
	if (s->o.record) {
		err = record_meta(&s->o, &meta);
		if (!err) {
			err = record__create(s->o.record, meta.buf, meta.len, &s->rec);
			free(meta.buf);
		}
		for (i = 0; !err && i < n; i++)
			err = record_target(s, targets[i]);
		if (!err)
			err = record_seed(s, targets, n);
		if (err) {
			snprintf(why, whylen, "%s: %s", s->o.record, record__strerror(err));
			return err;
		}
	}
	if (s->printer && !s->o.json) {
		format__header(header, sizeof(header));
		fprintf(s->o.out, "%s\n", header);
	}
	fflush(s->o.out);
	return 0;
}

/*
 * The entry of pc in target's binary, symbolized the first time it is seen
 * (NULL when it cannot be: no binary, as in a report, or no function there).
 * A new entry goes into the record before the event that needs it.
 */
static const struct site_sym *site(struct stream *s, uint32_t target, uint64_t pc, bool call)
{
	const struct site_sym *e = sites__get(s->sites, target, pc, call);
	const char *func, *file;
	char *json;
	size_t len, n;
	uint32_t line;

	if (e || target >= GOROUTINE_MAX_TARGETS || !s->bins[target] ||
	    sites__symbolize(s->bins[target], pc, call, &func, &file, &line) ||
	    sites__add(s->sites, target, pc, call, func, file, line, &e))
		return e;
	if (s->rec && !sites__take_json(s->sites, target, &json, &len, &n) && json) {
		/* A write error is sticky in the record, and reported at the end. */
		record__add_sites(s->rec, target, json, len);
		free(json);
	}
	return e;
}

int stream__sites(struct stream *s, uint32_t target, const char *json, size_t len)
{
	return sites__add_json(s->sites, target, json, len);
}

/* The target process tgid's events came from (stream__event() keeps the last of each). */
static uint32_t proc_target(const struct stream *s, uint32_t tgid)
{
	if (s->o.kernel && s->o.kernel->target_of)
		return s->o.kernel->target_of(s->o.kernel->ctx, tgid);
	for (uint32_t i = 0, h = tgid; tgid && i < PROCS_PROBE; i++, h++) {
		const struct proc_target *p = &s->procs[h % PROCS_MAX];

		if (p->tgid == tgid)
			return p->target;
		if (!p->tgid)
			break;
	}
	return 0;
}

static void learn_target(struct stream *s, uint32_t tgid, uint32_t target)
{
	for (uint32_t i = 0, h = tgid; tgid && i < PROCS_PROBE; i++, h++) {
		struct proc_target *p = &s->procs[h % PROCS_MAX];

		if (!p->tgid || p->tgid == tgid) {
			*p = (struct proc_target){tgid, target};
			return;
		}
	}
}

void stream__bind(struct stream *s, const struct target *t)
{
	if (t->id < GOROUTINE_MAX_TARGETS)
		s->bins[t->id] = t->bin;
	stream__reasons(s, t->id, t->names);
}

int stream__reasons(struct stream *s, uint32_t target, const struct names *n)
{
	bool remap = false;
	int err;

	if (target >= GOROUTINE_MAX_TARGETS)
		return -EINVAL;
	err = names__merge(s->names, n, s->reason[target], GOROUTINE_NREASONS);
	for (int i = 0; i < GOROUTINE_NREASONS; i++)
		remap |= s->reason[target][i] != i;
	s->remap[target] = remap;
	return err;
}

const uint8_t *stream__reason_map(const struct stream *s, uint32_t target)
{
	return target < GOROUTINE_MAX_TARGETS && s->remap[target] ? s->reason[target] : NULL;
}

bool stream__wants_seed(const struct stream *s)
{
	return s->an || s->o.record;
}

int stream__seed(struct stream *s, uint32_t target, const struct goroutine_gentry *e,
		 const uint64_t (*pcs)[2], size_t n)
{
	const struct site_sym *(*v)[2] = NULL;
	int err = 0;

	/* Recorded whatever this session shows: a later report may show more. */
	if (s->o.record && !s->rec) {
		err = keep_seed(s, target, e, pcs, n);
		if (err)
			return err;
	}
	if (!s->an && !s->o.record)
		return 0;
	for (size_t i = 0; target && i < n; i++)
		if (e[i].key.tgid != s->last_tgid) {
			learn_target(s, e[i].key.tgid, target);
			s->last_tgid = e[i].key.tgid;
		}
	if (pcs) {
		v = calloc(n + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			v[i][0] = pcs[i][0] ? site(s, target, pcs[i][0], false) : NULL;
			v[i][1] = pcs[i][1] ? site(s, target, pcs[i][1], true) : NULL;
		}
	}
	if (s->an && target < GOROUTINE_MAX_TARGETS && s->remap[target]) {
		struct goroutine_gentry *c = malloc((n + 1) * sizeof(*c));

		if (!c) {
			free(v);
			return -ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			c[i] = e[i];
			c[i].val.waitreason =
				s->reason[target][e[i].val.waitreason % GOROUTINE_NREASONS];
		}
		err = analysis__seed(s->an, c, (const struct site_sym *const(*)[2])v, n);
		free(c);
	} else if (s->an) {
		err = analysis__seed(s->an, e, (const struct site_sym *const(*)[2])v, n);
	}
	free(v);
	return err;
}

/*
 * The stack (target, id) an event or the kernel's blocking map names: the
 * table's, or fetched from the kernel and symbolized the first time (NULL
 * when it cannot be had: a report without the record's STACKS, a stack the
 * kernel's LRU map evicted). A new one goes into the record before the event
 * that names it.
 */
static const struct stacks_entry *stack_of(struct stream *s, uint32_t target, uint64_t id)
{
	const struct stacks_entry *e = stacks__get(s->stacks, target, id);
	struct goroutine_stack st;
	size_t len;
	char *json;

	if (e || !s->o.stacks || target >= GOROUTINE_MAX_TARGETS ||
	    s->o.stacks->get(s->o.stacks->ctx, id, &st) ||
	    stacks__add(s->stacks, target, id, &st, s->bins[target], &e))
		return e;
	if (s->rec && !stacks__take_json(s->stacks, target, &json, &len) && json) {
		/* A write error is sticky in the record, and reported at the end. */
		record__add_stacks(s->rec, target, json, len);
		free(json);
	}
	return e;
}

int stream__stack(struct stream *s, uint32_t target, uint64_t id, const struct goroutine_stack *st)
{
	const struct stacks_entry *e;
	size_t len;
	char *json;
	int err;

	if (target >= GOROUTINE_MAX_TARGETS || stacks__get(s->stacks, target, id))
		return 0;
	err = stacks__add(s->stacks, target, id, st, s->bins[target], &e);
	if (!err && s->rec && !stacks__take_json(s->stacks, target, &json, &len) && json) {
		record__add_stacks(s->rec, target, json, len);
		free(json);
	}
	return err;
}

int stream__stacks(struct stream *s, uint32_t target, const char *json, size_t len)
{
	return stacks__add_json(s->stacks, target, json, len);
}

/*
 * A g out of _Gidle is watched for its goid; any later switch of it (which
 * carries the goid, or the next life's) ends the watch. Rare: g's are
 * allocated, then reused from the free lists.
 */
static void watch_late(struct stream *s, const struct goroutine_event *e)
{
	struct goroutine_gkey key = {.gp = e->gp, .tgid = e->tgid};
	struct late *l;
	void *v;

	if (!e->gp)
		return;
	l = gtable__count(s->late) ? gtable__find(s->late, &key) : NULL;
	if (goroutine_base_state(e->old_state) != GOROUTINE_IDLE) {
		if (l)
			gtable__remove(s->late, l);
		return;
	}
	if (!l) {
		if (gtable__count(s->late) >= LATE_MAX || gtable__insert(s->late, &key, &v) < 0)
			return;
		l = v;
	}
	l->target = e->target;
	l->ts_ns = e->ts_ns;
}

struct late_sweep {
	struct stream *s;
	uint64_t now;
	bool all;
};

static bool read_late(void *ctx, const struct goroutine_gkey *key, void *val)
{
	struct late_sweep *x = ctx;
	struct late *l = val;
	uint64_t goid = 0;
	int err;

	if (!x->all && x->now < l->ts_ns + LATE_AFTER_NS)
		return false;
	err = x->s->o.goids->read(x->s->o.goids->ctx, l->target, key->tgid, key->gp, &goid);
	if (!err && goid) {
		stream__goid(x->s, l->target, key->tgid, key->gp, goid);
		return true;
	}
	/* Not set yet: again at the next tick, for a while. */
	return err || x->all || x->now >= l->ts_ns + LATE_GIVEUP_NS;
}

static void sweep_late(struct stream *s, bool all)
{
	struct late_sweep x = {.s = s, .all = all};
	struct timespec ts;

	if (!s->late || !gtable__count(s->late))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x.now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	gtable__sweep(s->late, read_late, &x);
}

void stream__goid(struct stream *s, uint32_t target, uint32_t tgid, uint64_t gp, uint64_t goid)
{
	struct record_goid g = {.tgid = tgid, .gp = gp, .goid = goid};

	if (!goid)
		return;
	if (s->rec)
		record__add_goids(s->rec, target, &g, 1);
	if (s->printer)
		output__goid(s->printer, tgid, gp, goid);
}

int stream__event(struct stream *s, const struct goroutine_event *e)
{
	struct goroutine_event mapped;

	/* A wait's stack, known to every consumer (and before it in the record) from here. */
	if (e->flags & GOROUTINE_EV_STACK)
		stack_of(s, e->target, e->stack_id);
	/* A creation's origin, known to every consumer from here. */
	if ((e->flags & GOROUTINE_EV_SITE) && goroutine_is_creation(e->old_state, e->new_state)) {
		site(s, e->target, e->startpc, false);
		site(s, e->target, e->gopc, true);
	}
	if (s->printer && e->ts_ns >= s->next_expire) {
		if (s->next_expire && e->ts_ns > PENDING_MAX_NS)
			output__expire(s->printer, e->ts_ns - PENDING_MAX_NS);
		s->next_expire = e->ts_ns + EXPIRE_EVERY_NS;
	}
	/* A record's write error is sticky, and reported at the end. */
	if (s->rec)
		record__event(s->rec, e);
	if (e->tgid != s->last_tgid && e->target) {
		learn_target(s, e->tgid, e->target);
		s->last_tgid = e->tgid;
	}
	/* Recorded as the program numbers it; shown in the session's numbering. */
	if ((e->flags & GOROUTINE_EV_WAITREASON) && e->target < GOROUTINE_MAX_TARGETS &&
	    s->remap[e->target]) {
		mapped = *e;
		mapped.waitreason = s->reason[e->target][e->waitreason % GOROUTINE_NREASONS];
		e = &mapped;
	}
	if (s->late)
		watch_late(s, e);
	if (s->an)
		analysis__event(s->an, e);
	return s->printer ? output__event(s->printer, e) : 0;
}

void stream__tick(struct stream *s)
{
	struct timespec ts;
	uint64_t now;

	sweep_late(s, false);
	if (s->printer)
		output__flush(s->printer);
	if (!s->rec)
		return;
	/* So that a killed tracer loses less, without a write per poll. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (now >= s->next_flush) {
		if (s->next_flush)
			record__flush(s->rec);
		s->next_flush = now + FLUSH_EVERY_NS;
	}
}

/*
 * Where the live goroutines come from: the sites their creation events
 * carried (the analysis), and a snapshot's (the session's callback, asked
 * now) for the rest; one sorted list, valid until the next summary.
 */
static void merge_sites(struct stream *s, const struct seed_site **out, size_t *n)
{
	const struct seed_site *snap = NULL;
	struct seed_site *ev = NULL, *v;
	size_t nsnap = 0, nev = 0, k = 0;

	free(s->site_v);
	s->site_v = NULL;
	*out = NULL;
	*n = 0;
	if (s->o.sites && s->o.sites->get(s->o.sites->ctx, &snap, &nsnap))
		nsnap = 0;
	if (s->an && analysis__sites(s->an, &ev, &nev))
		nev = 0;
	if (!nev) {
		*out = snap;
		*n = nsnap;
		return;
	}
	v = realloc(ev, (nev + nsnap) * sizeof(*v));
	if (!v) {
		free(ev);
		*out = snap;
		*n = nsnap;
		return;
	}
	if (nsnap)
		memcpy(v + nev, snap, nsnap * sizeof(*v));
	qsort(v, nev + nsnap, sizeof(*v), seed__cmp);
	for (size_t i = 0; i < nev + nsnap; i++)
		if (!k || seed__cmp(&v[k - 1], &v[i]))
			v[k++] = v[i];
	s->site_v = v;
	*out = v;
	*n = k;
}

struct blocks {
	struct summary_block *v;
	const struct stacks_entry **stack; /* v[i]'s */
	uint32_t *targets;
	size_t n;
};

static void blocks_free(struct blocks *b)
{
	free(b->stack);
	free(b->targets);
	free(b->v);
	memset(b, 0, sizeof(*b));
}

/*
 * Blocking by (reason, stack) with each stack's frames: from the kernel's
 * map (--summary) or the analysis of the events; nothing when unavailable.
 */
static void get_blocks(struct stream *s, struct blocks *out)
{
	struct goroutine_bkey *keys = NULL;
	struct goroutine_bval *vals = NULL;
	size_t n = 0, i, k = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (s->an)
		err = analysis__blocking(s->an, &keys, &vals, &n);
	else if (s->o.kernel && s->o.kernel->blocking)
		err = s->o.kernel->blocking(s->o.kernel->ctx, &keys, &vals, &n);
	else
		return;
	if (err || !n)
		goto out;
	out->v = calloc(n, sizeof(*out->v));
	out->stack = calloc(n, sizeof(*out->stack));
	out->targets = calloc(n, sizeof(*out->targets));
	if (!out->v || !out->stack || !out->targets) {
		blocks_free(out);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct stacks_entry *e =
			keys[i].stack_id ? stack_of(s, keys[i].target, keys[i].stack_id) : NULL;
		const uint8_t *map;

		/* A stack evicted from the kernel's LRU map: its time is still the reason's. */
		if (!e)
			continue;
		map = s->an ? NULL : stream__reason_map(s, keys[i].target);
		out->v[k] = (struct summary_block){
			.reason = map && keys[i].reason < GOROUTINE_NREASONS ? map[keys[i].reason] :
									       keys[i].reason,
			.count = vals[i].count,
			.total_ns = vals[i].total_ns,
			.max_ns = vals[i].max_ns,
			.stack_id = keys[i].stack_id,
			.frames = e->frames,
			.nframes = e->nframes,
			.truncated = e->st.flags & GOROUTINE_STACK_TRUNCATED,
		};
		out->stack[k] = e;
		out->targets[k] = keys[i].target;
		out->n = ++k;
	}
out:
	free(keys);
	free(vals);
}

/* A live goroutine's wait stack for the leak candidates, symbolized by its process's binary. */
struct stack_lookup {
	struct stream *s;
	struct summary_block b;
};

static const struct summary_block *stack_lookup(void *ctx, uint32_t tgid, uint64_t id)
{
	struct stack_lookup *l = ctx;
	const struct stacks_entry *e = stack_of(l->s, proc_target(l->s, tgid), id);

	if (!e)
		return NULL;
	l->b = (struct summary_block){
		.stack_id = id,
		.frames = e->frames,
		.nframes = e->nframes,
		.truncated = e->st.flags & GOROUTINE_STACK_TRUNCATED,
	};
	return &l->b;
}

/*
 * The summary at st->end_ns: from the kernel's maps, or the analysis of the
 * events; printed to the output as a table or a JSON line, or returned as
 * JSON when json_out is given (for the HTML page).
 */
static void summary(struct stream *s, const struct stream_stats *st, cJSON **json_out)
{
	struct summary_input in = {
		.now_ns = st->end_ns,
		.elapsed_s = st->end_ns > s->o.start_ns ? (st->end_ns - s->o.start_ns) / 1e9 : 0,
		.lost = st->lost,
		.evicted = s->an ? 0 : st->evicted,
		.source = s->an ? "events" : "kernel",
		.leak_after_s = s->o.leak_after_s,
		.top = TOP_GOROUTINES,
		.names = s->names,
	};
	struct goroutine_gkey *keys = NULL;
	struct goroutine_gval *vals = NULL;
	struct goroutine_summary total;
	struct blocks blocks = {0};
	struct stack_lookup lookup = {.s = s};
	struct summary_proc *procs = NULL;

	if (s->an) {
		in.sum = analysis__summary(s->an);
		if (analysis__live(s->an, &keys, &vals, &in.n))
			return;
		get_blocks(s, &blocks);
	} else if (s->o.kernel) {
		if (s->o.kernel->summary(s->o.kernel->ctx, &total) ||
		    s->o.kernel->live(s->o.kernel->ctx, &keys, &vals, &in.n))
			return;
		in.sum = &total;
		get_blocks(s, &blocks);
		if (s->o.kernel->procs &&
		    s->o.kernel->procs(s->o.kernel->ctx, &procs, &in.nprocs)) {
			free(keys);
			free(vals);
			blocks_free(&blocks);
			return;
		}
		in.procs = procs;
	} else {
		return;
	}
	in.blocks = blocks.v;
	in.nblocks = blocks.n;
	in.stack = stack_lookup;
	in.stack_ctx = &lookup;
	in.keys = keys;
	in.vals = vals;
	merge_sites(s, &in.sites, &in.nsites);
	if (json_out)
		*json_out = summary__json(&in);
	else if (s->o.json)
		summary__print_json(s->o.out, &in);
	else
		summary__print(s->o.out, &in);
	fflush(s->o.out);
	free(keys);
	free(vals);
	free(procs);
	blocks_free(&blocks);
}

void stream__interval(struct stream *s, const struct stream_stats *st)
{
	summary(s, st, NULL);
	if (!s->o.json)
		fputc('\n', s->o.out);
}

/* The record's STATS: what the event source counted. */
static int record_stats(const struct stream_stats *st, struct jsonw_mem *m)
{
	int err = jsonw__mem_open(m);

	if (err)
		return err;
	jsonw__object(m->w);
	jsonw__key(m->w, "events");
	jsonw__u64(m->w, st->events);
	jsonw__key(m->w, "lost");
	jsonw__u64(m->w, st->lost);
	jsonw__key(m->w, "evicted");
	jsonw__u64(m->w, st->evicted);
	jsonw__key(m->w, "end_ns");
	jsonw__u64(m->w, st->end_ns);
	jsonw__object_end(m->w);
	return jsonw__mem_close(m);
}

/* Which of the blocking map's entries a profile holds. */
static bool block_sample(uint32_t reason)
{
	/* Go's block profile has no syscalls: neither has ours. */
	return reason != GOROUTINE_REASON_SYSCALL && reason != GOROUTINE_REASON_SCHED;
}

static bool sched_sample(uint32_t reason)
{
	return reason == GOROUTINE_REASON_SCHED;
}

/*
 * --pprof, --pprof-sched: blocking (or scheduler latency) by stack, the
 * kernel's or the events', as a profile of the first target's binary, which
 * its symbols come from.
 */
static int block_profile(struct stream *s, const struct stream_stats *st, const char *path,
			 bool (*want)(uint32_t reason))
{
	struct blockpprof_sample *v;
	struct blocks b;
	size_t k = 0;
	int err;

	if (!s->bins[0])
		return -ENOENT;
	get_blocks(s, &b);
	v = calloc(b.n + 1, sizeof(*v));
	if (!v) {
		blocks_free(&b);
		return -ENOMEM;
	}
	for (size_t i = 0; i < b.n; i++)
		if (!b.targets[i] && b.stack[i]->st.n && want(b.v[i].reason))
			v[k++] = (struct blockpprof_sample){(const uint64_t *)b.stack[i]->st.pcs,
							    b.stack[i]->st.n, b.v[i].count,
							    b.v[i].total_ns};
	err = blockpprof__write_file(
		path, s->bins[0], s->o.exe ? s->o.exe : s->o.shown, v, k,
		st->end_ns > s->o.start_ns ? (int64_t)(st->end_ns - s->o.start_ns) : 0);
	free(v);
	blocks_free(&b);
	return err;
}

int stream__finish(struct stream *s, const struct stream_stats *st, char *why, size_t whylen)
{
	struct jsonw_mem m;
	int err, rc = 0;

	/* The processes still there give their fresh g's goids now. */
	sweep_late(s, true);
	if (s->o.pprof) {
		err = block_profile(s, st, s->o.pprof, block_sample);
		if (err) {
			snprintf(why, whylen, "writing %s: %s", s->o.pprof,
				 err == -ENOENT ? "no binary to symbolize the stacks with" :
						  strerror(-err));
			rc = err;
		}
	}
	if (s->o.pprof_sched) {
		err = block_profile(s, st, s->o.pprof_sched, sched_sample);
		if (err && !rc) {
			snprintf(why, whylen, "writing %s: %s", s->o.pprof_sched,
				 err == -ENOENT ? "no binary to symbolize the stacks with" :
						  strerror(-err));
			rc = err;
		}
	}

	if (s->an) {
		cJSON *j = NULL;

		analysis__finish(s->an, st->end_ns);
		if (s->o.html)
			summary(s, st, &j);
		err = s->tl ? timeline__finish(s->tl, st->end_ns, j, st->events, st->lost) : 0;
		cJSON_Delete(j);
		if (err) {
			snprintf(why, whylen, "writing %s: %s",
				 s->o.html ? s->o.html : s->o.trace_json, strerror(-err));
			rc = err;
		}
	}
	if (s->o.summary || s->tl)
		summary(s, st, NULL);
	/* What is still held back is printed with the goid unknown. */
	output__delete(s->printer);
	s->printer = NULL;
	if (s->rec) {
		err = record_stats(st, &m);
		if (!err) {
			err = record__finish(s->rec, m.buf, m.len);
			free(m.buf);
		} else {
			record__discard(s->rec);
		}
		s->rec = NULL;
		if (err && !rc) {
			snprintf(why, whylen, "writing %s: %s", s->o.record, record__strerror(err));
			rc = err;
		}
	}
	return rc;
}

void stream__delete(struct stream *s)
{
	if (!s)
		return;
	record__discard(s->rec);
	output__delete(s->printer);
	gtable__delete(s->late);
	analysis__delete(s->an);
	timeline__delete(s->tl);
	sites__delete(s->sites);
	stacks__delete(s->stacks);
	names__delete(s->names);
	free(s->site_v);
	free(s->seed_v);
	free(s->seed_target);
	free(s);
}
