// SPDX-License-Identifier: GPL-2.0
/*
 * test_loader: one loaded BPF program serving several targets at once, each
 * with its own plan: go1.19 and go1.24 builds of the churn fixture (goid at
 * 152 and at 160 in runtime.g, the parent goid from a newproc probe and from
 * g.parentGoid) started as commands and traced together through the
 * loader, the values found by attach cookie. Every event must name its own
 * target, and each process's exits must carry goids that are its own: as
 * many distinct ones as the fixture makes goroutines, all small numbers (a
 * wrong offset gives garbage or repeats). Then the refusals: more targets
 * than read-only data holds. Loads BPF for real: root, and under CI a
 * machine that cannot is a failure.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "check.h"
#include "gobin.h"
#include "loader.h"
#include "names.h"
#include "plan.h"
#include "probepoint.h"
#include "resolver.h"
#include "target.h"

#define NT 2
#define WAVES "3"
#define PER "200"
/* A wave is PER goroutines, one nested per four, and a combiner. */
#define MADE (3 * (200 + 50 + 1))
#define MAX_GOID 100000

struct seen {
	uint32_t tgid[NT];
	uint64_t events[NT], wrong_target, unreadable;
	uint8_t *exited[NT]; /* by goid, bounded by MAX_GOID */
	uint64_t distinct[NT], big[NT];
};

static int on_event(void *ctx, void *data, size_t size)
{
	const struct goroutine_event *e = data;
	struct seen *s = ctx;
	uint32_t t = e->target;

	if (size < sizeof(*e))
		return 0;
	if (t >= NT || e->tgid != s->tgid[t]) {
		s->wrong_target++;
		return 0;
	}
	s->events[t]++;
	if (e->flags & GOROUTINE_EV_GOID_UNREADABLE)
		s->unreadable++;
	if (e->new_state == GOROUTINE_DEAD && e->old_state == GOROUTINE_RUNNING) {
		if (e->goid >= MAX_GOID)
			s->big[t]++;
		else if (!s->exited[t][e->goid]++)
			s->distinct[t]++;
	}
	return 0;
}

static struct target *make(const char *bin, char **argv)
{
	struct resolver_kernel k = {.emulates_push = probepoint__kernel_emulates_push()};
	struct plan_opts po = {.path = bin, .kernel = k};
	struct target *t = NULL;
	char why[512];

	if (target__command(argv, &t, why, sizeof(why)) || gobin__open_path(t->path, &t->bin)) {
		fprintf(stderr, "%s: %s\n", bin, why);
		CHECK(!"target");
		target__delete(t);
		return NULL;
	}
	t->prof = calloc(1, sizeof(*t->prof));
	CHECK(t->prof && !resolver__resolve(t->bin, t->path, &k, t->prof, why, sizeof(why)));
	CHECK(!plan__make(t->bin, t->prof, &po, &t->plan, why, sizeof(why)));
	return t;
}

int main(void)
{
	char root[4096], bins[NT][4400];
	static const char *const minors[NT] = {"1.19", "1.24"};
	char *argv[NT][6];
	struct target *t[NT] = {};
	struct loader_opts lo = {.config = LOADER_CONFIG_COOKIE};
	struct loader *l = NULL;
	struct seen s = {};
	char why[512];
	int i, alive, polls;

	if (geteuid()) {
		CHECK_SKIP("not root: cannot load BPF");
		return check_done("test_loader");
	}
	cache_root(root, sizeof(root));
	for (i = 0; i < NT; i++) {
		snprintf(bins[i], sizeof(bins[i]), "%s/fixtures/go%s/churn-static", root,
			 minors[i]);
		if (access(bins[i], X_OK)) {
			CHECK_SKIP("%s missing (scripts/fixtures.sh)", bins[i]);
			return check_done("test_loader");
		}
		argv[i][0] = bins[i];
		argv[i][1] = "-waves";
		argv[i][2] = WAVES;
		argv[i][3] = "-per";
		argv[i][4] = PER;
		argv[i][5] = NULL;
		t[i] = make(bins[i], argv[i]);
		if (!t[i])
			goto out;
		t[i]->id = i;
		s.exited[i] = calloc(MAX_GOID, 1);
	}
	/* The two Go versions really differ where the program reads them. */
	CHECK(t[0]->plan.config.goid_offset != t[1]->plan.config.goid_offset);
	CHECK(t[0]->plan.config.parent_goid_offset < 0 &&
	      t[1]->plan.config.parent_goid_offset >= 0);

	/* Read-only data holds one target's values: two are refused. */
	lo.config = LOADER_CONFIG_RODATA;
	CHECK(loader__load(&lo, t, NT, &l, why, sizeof(why)) == -E2BIG && !l);
	lo.config = LOADER_CONFIG_COOKIE;

	for (i = 0; i < NT; i++)
		CHECK(!target__spawn(t[i], why, sizeof(why)));
	if (loader__load(&lo, t, NT, &l, why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		CHECK(!"load");
		goto out;
	}
	for (i = 0; i < NT; i++) {
		CHECK(!loader__attach(l, t[i], why, sizeof(why)));
		s.tgid[i] = t[i]->pid;
	}
	CHECK(!loader__open_events(l, on_event, &s));
	for (i = 0; i < NT; i++)
		CHECK(!target__release(t[i]));
	for (polls = 0; polls < 6000; polls++) {
		loader__poll(l, 5);
		for (alive = 0, i = 0; i < NT; i++)
			alive += !target__gone(t[i]);
		if (!alive)
			break;
	}
	loader__drain(l);
	CHECK(!alive);
	CHECK(!s.wrong_target && !s.unreadable);
	CHECK_EQ_U64(loader__counter(l, GOROUTINE_CNT_LOST), 0);
	for (i = 0; i < NT; i++) {
		printf("go%s: %llu events, %llu distinct goids exited (fixture makes %d)\n",
		       minors[i], (unsigned long long)s.events[i],
		       (unsigned long long)s.distinct[i], MADE);
		CHECK(s.distinct[i] >= MADE && s.distinct[i] < MADE + 100);
		CHECK(!s.big[i]);
		CHECK(target__finish(t[i], 0) == 3);
	}
out:
	loader__delete(l);
	for (i = 0; i < NT; i++) {
		if (t[i])
			target__finish(t[i], SIGKILL);
		target__delete(t[i]);
		free(s.exited[i]);
	}
	return check_done("test_loader");
}
