// SPDX-License-Identifier: GPL-2.0
/*
 * output: filters, creation hold-back and formatting of goroutine events (see
 * output.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "goroutine_account.h"
#include "gtable.h"
#include "names.h"
#include "output.h"
#include "sites.h"

/* Held-back creations, by (tgid, g address); past this many, print rather than guess. */
#define PENDING_MAX 8192
#define PENDING_PER_G 2

struct pending {
	uint32_t n;
	struct goroutine_event ev[PENDING_PER_G];
};

struct output {
	struct output_opts o;
	struct format_clock clock;
	struct gtable *pending;
	uint64_t printed;
	size_t len;
	/* Lines are built here and written in one fwrite per poll (or when full). */
	char buf[1 << 20];
};

struct output *output__new(const struct output_opts *opts)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	if (gtable__new(sizeof(struct pending), &o->pending)) {
		free(o);
		return NULL;
	}
	o->o = *opts;
	format__clock_init(&o->clock);
	if (opts->mono_to_real_ns)
		o->clock.mono_to_real_ns = opts->mono_to_real_ns;
	return o;
}

static const char *wait_reason(const struct output *o, const struct goroutine_event *e)
{
	if (!(e->flags & GOROUTINE_EV_WAITREASON))
		return NULL;
	return names__reason(o->o.names, e->waitreason);
}

/* Room for the longest line (a JSON event with every field) with margin. */
#define LINE_MAX_BYTES 512
/* A creation's site strings are cut at this many bytes; escaped, each is at most 6 times. */
#define SITE_STR_MAX 4096
#define SITE_ROOM (3 * 6 * SITE_STR_MAX + 128)
/* A record's "exe" is cut at this many bytes (escaped, at most 6 times). */
#define EXE_STR_MAX 1024
#define EXE_ROOM (6 * EXE_STR_MAX + 16)

static void out_flush(struct output *o)
{
	if (o->len)
		fwrite(o->buf, 1, o->len, o->o.out);
	o->len = 0;
}

/* JSON string body: names come from the binary, so escape what JSON needs. */
static char *json_str_n(char *p, const char *s, size_t max)
{
	const char *end = s + strnlen(s, max);

	/* Cut short: not inside a UTF-8 sequence. */
	if (*end)
		while (end > s && ((unsigned char)*end & 0xc0) == 0x80)
			end--;
	*p++ = '"';
	for (; s < end; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = c;
		} else if (c < 0x20) {
			p += sprintf(p, "\\u%04x", c);
		} else {
			*p++ = c;
		}
	}
	*p++ = '"';
	return p;
}

static char *json_str(char *p, const char *s)
{
	return json_str_n(p, s, SIZE_MAX);
}

#define PUT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

static char *hex64(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	int shift = 60;

	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = digits[(v >> shift) & 15];
	return p;
}

/* A creation's origin, when the event has it and the table knows its pcs. */
static void site_of(const struct output *o, const struct goroutine_event *e,
		    const struct site_sym **start, const struct site_sym **creator)
{
	*start = *creator = NULL;
	if (!o->o.sites || !(e->flags & GOROUTINE_EV_SITE))
		return;
	*start = sites__get(o->o.sites, e->target, e->startpc, false);
	*creator = sites__get(o->o.sites, e->target, e->gopc, true);
}

static char *json_line(struct output *o, const struct goroutine_event *e, bool goid_known,
		       const char *reason, char *p)
{
	const struct site_sym *start, *creator;

	char b[12];

	p = PUT(p, "{\"ts_ns\":");
	p = format__u64(p, e->ts_ns);
	p = PUT(p, ",\"time\":\"");
	p = format__time_to(&o->clock, e->ts_ns, p);
	p = PUT(p, "\",\"pid\":");
	p = format__u64(p, e->pid);
	p = PUT(p, ",\"tgid\":");
	p = format__u64(p, e->tgid);
	if (o->o.exes && e->target < GOROUTINE_MAX_TARGETS && o->o.exes[e->target]) {
		/* A path from a container is anyone's bytes: cut, and escaped as every string. */
		p = PUT(p, ",\"exe\":");
		p = json_str_n(p, o->o.exes[e->target], EXE_STR_MAX);
	}
	p = PUT(p, ",\"goid\":");
	p = goid_known ? format__u64(p, e->goid) : PUT(p, "null");
	p = PUT(p, ",\"old_state\":");
	p = json_str(p, names__state(o->o.names, e->old_state, b, sizeof(b)));
	p = PUT(p, ",\"new_state\":");
	p = json_str(p, names__state(o->o.names, e->new_state, b, sizeof(b)));
	p = PUT(p, ",\"wait_reason\":");
	p = reason ? json_str(p, reason) : PUT(p, "null");
	p = PUT(p, ",\"parent_goid\":");
	p = e->flags & GOROUTINE_EV_PARENT ? format__u64(p, e->parent_goid) : PUT(p, "null");
	site_of(o, e, &start, &creator);
	if (start) {
		p = PUT(p, ",\"start_func\":");
		p = json_str_n(p, start->func, SITE_STR_MAX);
	}
	if (creator) {
		p = PUT(p, ",\"created_by\":{\"func\":");
		p = json_str_n(p, creator->func, SITE_STR_MAX);
		p = PUT(p, ",\"file\":");
		p = json_str_n(p, creator->file, SITE_STR_MAX);
		p = PUT(p, ",\"line\":");
		p = format__u64(p, creator->line);
		*p++ = '}';
	}
	p = PUT(p, ",\"cpu\":");
	p = format__u64(p, e->cpu);
	p = PUT(p, ",\"g\":\"0x");
	p = hex64(p, e->gp);
	return PUT(p, "\"}\n");
}

/* The table row; the same columns as FORMAT_HEADER in format.h. */
#define TABLE_COLUMNS 100

static char *table_line(struct output *o, const struct goroutine_event *e, bool goid_known,
			const char *reason, char *p)
{
	char num[24], b[12], *start = p;
	const char *name;

	p = format__time_to(&o->clock, e->ts_ns, p);
	*p++ = ' ';
	name = names__state(o->o.names, e->new_state, b, sizeof(b));
	p = format__field(p, name, strlen(name), 9, false);
	*p++ = ' ';
	if (goid_known)
		p = format__field(p, num, format__u64(num, e->goid) - num, 8, true);
	else
		p = format__field(p, "?", 1, 8, true);
	*p++ = ' ';
	p = format__field(p, num, format__u64(num, e->pid) - num, 7, true);
	*p++ = ' ';
	p = format__field(p, num, format__u64(num, e->tgid) - num, 7, true);
	*p++ = ' ';
	name = names__state(o->o.names, e->old_state, b, sizeof(b));
	p = format__field(p, name, strlen(name), 9, false);
	*p++ = ' ';
	p = format__field(p, num, format__u64(num, e->cpu) - num, 3, true);
	*p++ = ' ';
	if (e->flags & GOROUTINE_EV_PARENT)
		p = format__field(p, num, format__u64(num, e->parent_goid) - num, 7, true);
	else
		p = format__field(p, "-", 1, 7, true);
	if (reason) {
		size_t n = strlen(reason), used = p - start + 1;

		*p++ = ' ';
		/* Lines stay under TABLE_COLUMNS: a longer reason ends in '~' (--json has it whole). */
		if (used + n >= TABLE_COLUMNS && used + 2 < TABLE_COLUMNS) {
			n = TABLE_COLUMNS - 2 - used;
			memcpy(p, reason, n);
			p[n++] = '~';
		} else {
			memcpy(p, reason, n);
		}
		p += n;
	}
	*p++ = '\n';
	return p;
}

static void print(struct output *o, const struct goroutine_event *e, bool goid_known)
{
	const char *reason = wait_reason(o, e);
	char *p;

	goid_known = goid_known && !(e->flags & GOROUTINE_EV_GOID_UNREADABLE);
	if (o->o.goid >= 0 && (!goid_known || e->goid != (uint64_t)o->o.goid))
		return;
	if (o->o.state >= 0 && e->new_state != (uint64_t)o->o.state)
		return;
	o->printed++;
	if (o->len + LINE_MAX_BYTES + (e->flags & GOROUTINE_EV_SITE ? SITE_ROOM : 0) +
		    (o->o.exes ? EXE_ROOM : 0) >
	    sizeof(o->buf))
		out_flush(o);
	p = o->buf + o->len;
	p = o->o.json ? json_line(o, e, goid_known, reason, p) :
			table_line(o, e, goid_known, reason, p);
	o->len = p - o->buf;
}

void output__flush(struct output *o)
{
	out_flush(o);
	fflush(o->o.out);
}

/* Held back until the goroutine's next switch shows its goid. */
static bool is_creation(const struct output *o, const struct goroutine_event *e)
{
	return goroutine_goid_unset(e->old_state, e->new_state, o->o.goid_at_creation);
}

/* Print p's events with goid (known: from a later switch), or without; the caller removes p. */
static void flush_pending(struct output *o, struct pending *p, bool known, uint64_t goid,
			  uint32_t unreadable)
{
	uint32_t k;

	for (k = 0; k < p->n; k++) {
		if (known) {
			p->ev[k].goid = goid;
			p->ev[k].flags &= ~GOROUTINE_EV_GOID_UNREADABLE;
			p->ev[k].flags |= unreadable;
		}
		print(o, &p->ev[k], known);
	}
}

struct expiry {
	struct output *o;
	uint64_t before_ns;
	bool all;
};

static bool expire_one(void *ctx, const struct goroutine_gkey *key, void *val)
{
	struct expiry *x = ctx;
	struct pending *p = val;

	(void)key;
	if (!x->all && p->ev[0].ts_ns >= x->before_ns)
		return false;
	flush_pending(x->o, p, false, 0, 0);
	return true;
}

void output__expire(struct output *o, uint64_t before_ns)
{
	struct expiry x = {.o = o, .before_ns = before_ns};

	gtable__sweep(o->pending, expire_one, &x);
}

int output__event(struct output *o, const struct goroutine_event *e)
{
	struct goroutine_gkey key = {.gp = e->gp, .tgid = e->tgid};
	struct pending *p;
	void *v;

	/* No g to key it by: printed as it is. */
	if (!e->gp) {
		print(o, e, !is_creation(o, e));
		return 0;
	}
	p = gtable__find(o->pending, &key);
	if (is_creation(o, e)) {
		if (!p) {
			/* Too many unresolved: say so rather than guess. */
			if (gtable__count(o->pending) >= PENDING_MAX ||
			    gtable__insert(o->pending, &key, &v) < 0) {
				print(o, e, false);
				return 0;
			}
			p = v;
		}
		if (p->n == PENDING_PER_G) {
			print(o, &p->ev[0], false);
			p->ev[0] = p->ev[1];
			p->n--;
		}
		p->ev[p->n++] = *e;
		return 0;
	}
	if (p) {
		flush_pending(o, p, true, e->goid, e->flags & GOROUTINE_EV_GOID_UNREADABLE);
		gtable__remove(o->pending, p);
	}
	print(o, e, true);
	return 0;
}

void output__goid(struct output *o, uint32_t tgid, uint64_t gp, uint64_t goid)
{
	struct goroutine_gkey key = {.gp = gp, .tgid = tgid};
	struct pending *p = gtable__find(o->pending, &key);

	if (!p)
		return;
	flush_pending(o, p, true, goid, 0);
	gtable__remove(o->pending, p);
}

uint64_t output__printed(const struct output *o)
{
	return o->printed;
}

void output__delete(struct output *o)
{
	struct expiry x = {.o = o, .all = true};

	if (!o)
		return;
	gtable__sweep(o->pending, expire_one, &x);
	output__flush(o);
	gtable__delete(o->pending);
	free(o);
}
