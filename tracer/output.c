// SPDX-License-Identifier: GPL-2.0
/*
 * output: filters, creation hold-back and formatting of goroutine events (see
 * output.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "output.h"
#include "profile.h"

/* Held-back creations: open addressing on (tgid, g address), a power of two. */
#define PENDING_SLOTS 16384
#define PENDING_PER_G 2

struct pending {
	uint64_t gp; /* 0: free */
	uint32_t tgid;
	uint32_t n;
	struct goroutine_event ev[PENDING_PER_G];
};

struct output {
	struct output_opts o;
	struct format_clock clock;
	struct pending *pending;
	uint32_t npending;
	uint64_t printed;
};

struct output *output__new(const struct output_opts *opts)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->pending = calloc(PENDING_SLOTS, sizeof(*o->pending));
	if (!o->pending) {
		free(o);
		return NULL;
	}
	o->o = *opts;
	format__clock_init(&o->clock);
	return o;
}

static const char *state_name(const struct output *o, uint32_t state, char *buf, size_t len)
{
	const struct profile *p = o->o.names;

	if (p && state < (uint32_t)p->n_gstatus && p->gstatus[state][0])
		return p->gstatus[state];
	return format__state(state, buf, len);
}

int64_t output__state_value(const char *name, const struct profile *names)
{
	uint32_t i;

	for (i = 0; names && i < (uint32_t)names->n_gstatus; i++)
		if (!strcmp(names->gstatus[i], name))
			return i;
	for (i = 0; i < 32; i++)
		if (format__state_name(i) && !strcmp(format__state_name(i), name))
			return i;
	return -1;
}

static const char *wait_reason(const struct output *o, const struct goroutine_event *e)
{
	const struct profile *p = o->o.names;

	if (!(e->flags & GOROUTINE_EV_WAITREASON) || !p || e->waitreason >= p->n_waitreasons)
		return NULL;
	return p->waitreasons[e->waitreason][0] ? p->waitreasons[e->waitreason] : NULL;
}

/* JSON string body: names come from the binary, so escape what JSON needs. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print(struct output *o, const struct goroutine_event *e, bool goid_known)
{
	char ts[32], nb[12], ob[12], goid[24], parent[24];
	const char *reason = wait_reason(o, e);
	FILE *f = o->o.out;

	goid_known = goid_known && !(e->flags & GOROUTINE_EV_GOID_UNREADABLE);
	if (o->o.goid >= 0 && (!goid_known || e->goid != (uint64_t)o->o.goid))
		return;
	if (o->o.state >= 0 && e->new_state != (uint64_t)o->o.state)
		return;
	o->printed++;
	format__time(&o->clock, e->ts_ns, ts, sizeof(ts));
	if (o->o.json) {
		fprintf(f, "{\"ts_ns\":%" PRIu64 ",\"time\":\"%s\",\"pid\":%u,\"tgid\":%u,\"goid\":",
			(uint64_t)e->ts_ns, ts, e->pid, e->tgid);
		if (goid_known)
			fprintf(f, "%" PRIu64, (uint64_t)e->goid);
		else
			fputs("null", f);
		fputs(",\"old_state\":", f);
		json_str(f, state_name(o, e->old_state, ob, sizeof(ob)));
		fputs(",\"new_state\":", f);
		json_str(f, state_name(o, e->new_state, nb, sizeof(nb)));
		fputs(",\"wait_reason\":", f);
		if (reason)
			json_str(f, reason);
		else
			fputs("null", f);
		if (e->flags & GOROUTINE_EV_PARENT)
			fprintf(f, ",\"parent_goid\":%" PRIu64, (uint64_t)e->parent_goid);
		else
			fputs(",\"parent_goid\":null", f);
		fprintf(f, ",\"cpu\":%u,\"g\":\"0x%" PRIx64 "\"}\n", e->cpu, (uint64_t)e->gp);
		return;
	}
	if (goid_known)
		snprintf(goid, sizeof(goid), "%" PRIu64, (uint64_t)e->goid);
	else
		snprintf(goid, sizeof(goid), "?");
	if (e->flags & GOROUTINE_EV_PARENT)
		snprintf(parent, sizeof(parent), "%" PRIu64, (uint64_t)e->parent_goid);
	else
		snprintf(parent, sizeof(parent), "-");
	fprintf(f, FORMAT_ROW "\n", ts, state_name(o, e->new_state, nb, sizeof(nb)), goid, e->pid,
		e->tgid, state_name(o, e->old_state, ob, sizeof(ob)), e->cpu, parent,
		reason ? " " : "", reason ? reason : "");
}

static bool is_creation(const struct output *o, const struct goroutine_event *e)
{
	/* A new g's first switch: its goid field is still zero in every release. */
	if (e->old_state == GOROUTINE_IDLE && e->new_state == GOROUTINE_DEAD)
		return true;
	return !o->o.goid_at_creation && e->old_state == GOROUTINE_DEAD &&
	       e->new_state == GOROUTINE_RUNNABLE;
}

static struct pending *slot(struct output *o, uint32_t tgid, uint64_t gp, bool insert)
{
	uint64_t h = (gp ^ ((uint64_t)tgid << 47)) * 0x9E3779B97F4A7C15ULL;
	uint32_t i, idx;

	for (i = 0; i < PENDING_SLOTS; i++) {
		idx = (uint32_t)(h >> 50) + i;
		idx &= PENDING_SLOTS - 1;
		struct pending *p = &o->pending[idx];
		if (p->gp == gp && p->tgid == tgid)
			return p;
		if (!p->gp)
			return insert ? p : NULL;
	}
	return NULL;
}

/* Remove p keeping the probe chains intact (backward-shift deletion). */
static void unslot(struct output *o, struct pending *p)
{
	uint32_t i = p - o->pending, j = i;

	o->npending--;
	for (;;) {
		j = (j + 1) & (PENDING_SLOTS - 1);
		struct pending *q = &o->pending[j];
		if (!q->gp)
			break;
		uint64_t h = (q->gp ^ ((uint64_t)q->tgid << 47)) * 0x9E3779B97F4A7C15ULL;
		uint32_t home = (uint32_t)(h >> 50) & (PENDING_SLOTS - 1);
		/* Move q back to i when i lies on q's probe path. */
		if (((j - home) & (PENDING_SLOTS - 1)) >= ((j - i) & (PENDING_SLOTS - 1))) {
			o->pending[i] = *q;
			i = j;
		}
	}
	o->pending[i].gp = 0;
}

static void flush_pending(struct output *o, struct pending *p, const struct goroutine_event *next)
{
	uint32_t k;

	for (k = 0; k < p->n; k++) {
		if (next) {
			p->ev[k].goid = next->goid;
			p->ev[k].flags &= ~GOROUTINE_EV_GOID_UNREADABLE;
			p->ev[k].flags |= next->flags & GOROUTINE_EV_GOID_UNREADABLE;
		}
		print(o, &p->ev[k], next != NULL);
	}
	unslot(o, p);
}

int output__event(struct output *o, const struct goroutine_event *e)
{
	struct pending *p = slot(o, e->tgid, e->gp, false);

	if (is_creation(o, e)) {
		if (!p) {
			if (o->npending >= PENDING_SLOTS / 2 || !e->gp) {
				/* Too many unresolved: say so rather than guess. */
				print(o, e, false);
				return 0;
			}
			p = slot(o, e->tgid, e->gp, true);
			p->gp = e->gp;
			p->tgid = e->tgid;
			p->n = 0;
			o->npending++;
		}
		if (p->n == PENDING_PER_G) {
			print(o, &p->ev[0], false);
			p->ev[0] = p->ev[1];
			p->n--;
		}
		p->ev[p->n++] = *e;
		return 0;
	}
	if (p)
		flush_pending(o, p, e);
	print(o, e, true);
	return 0;
}

uint64_t output__printed(const struct output *o)
{
	return o->printed;
}

void output__delete(struct output *o)
{
	uint32_t i;

	if (!o)
		return;
	for (i = 0; i < PENDING_SLOTS; i++)
		while (o->pending[i].gp)
			flush_pending(o, &o->pending[i], NULL);
	fflush(o->o.out);
	free(o->pending);
	free(o);
}
