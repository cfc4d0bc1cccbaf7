// SPDX-License-Identifier: GPL-2.0
/*
 * metricsd: the --metrics endpoint (see metricsd.h). libmicrohttpd runs one
 * polling thread for every connection, and a lock around the scrape keeps a
 * scrape's reads off anything the session does meanwhile; the connection
 * limit bounds the responses held at once (each a copy of one scrape's
 * text), and connections past it wait in the listen backlog, not in memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "gobin.h"
#include "goroutine.h"
#include "loader.h"
#include "metrics.h"
#include "metricsd.h"
#include "names.h"
#include "seed.h"
#include "snapshot.h"
#include "target.h"

#define MAX_CONNECTIONS 16
#define CONNECTION_TIMEOUT_S 10
#define NREASONS 256 /* g.waitreason is a byte */
#define NLABELS 4    /* pid, exe, comm, container */
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metricsd {
	struct metricsd_opts o;
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	struct metrics *m;
};

/* One process of a target, as one scrape saw it. */
struct proc {
	const struct target *t;
	pid_t pid;
	char pid_s[16], comm[64], container[65];
	bool snap_ok;
	uint64_t states[GOROUTINE_NSTATES];
	uint64_t reasons[NREASONS];
	struct seed_site *sites; /* sorted; strings in the binary */
	size_t nsites;
};

/* One leak candidate: a goroutine of a process WAITING longer than leak_after_s. */
struct leak {
	uint32_t tgid;
	int reason; /* -1: unknown */
	const struct seed_site *site;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A small /proc file whole (at most len - 1 bytes, NUL-terminated): its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

/* The process's comm (its own choice of bytes, escaped when written) and container id. */
static void proc_labels(struct proc *p)
{
	char path[64], cg[8192];
	ssize_t n;

	snprintf(p->pid_s, sizeof(p->pid_s), "%d", (int)p->pid);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)p->pid);
	n = read_small(path, p->comm, sizeof(p->comm));
	if (n > 0 && p->comm[n - 1] == '\n')
		p->comm[n - 1] = 0;
	else if (n < 0)
		p->comm[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)p->pid);
	n = read_small(path, cg, sizeof(cg));
	if (n <= 0 || metrics__container_id(cg, n, p->container))
		p->container[0] = 0;
}

/*
 * The runtime's own test of a system goroutine (isSystemGoroutine, as
 * tracer/dump.c applies it): a start function in runtime but runtime.main
 * and handleAsyncEvent. Those are not in runtime.NumGoroutine or the goroutine
 * profile, and a Go user's counts are those.
 */
static bool system_goroutine(const struct seed_site *site)
{
	return gobin__system_start(site ? site->start : NULL);
}

/* The goroutines of p by state and wait reason, and their origins, from a snapshot. */
static void proc_snapshot(struct proc *p)
{
	struct snapshot_opts so = {.no_stacks = true};
	struct target *t = (struct target *)p->t;
	struct snapshot *snap = NULL;
	char why[256];
	size_t i;

	if (!t->bin || !t->prof ||
	    snapshot__take(t->bin, t->prof, p->pid, &so, &snap, why, sizeof(why)))
		return;
	if (seed__sites(t->bin, snap, &p->sites, &p->nsites)) {
		snapshot__delete(snap);
		return;
	}
	for (i = 0; i < snap->n; i++) {
		const struct snapshot_g *sg = &snap->gs[i];
		uint32_t st = sg->g.status & ~GOROUTINE_SCAN_BIT;

		if (system_goroutine(seed__find(p->sites, p->nsites, p->pid, sg->g.goid)))
			continue;
		p->states[st < GOROUTINE_NSTATES ? st : GOROUTINE_NSTATES - 1]++;
		if (st == GOROUTINE_WAITING)
			p->reasons[sg->g.waitreason]++;
	}
	p->snap_ok = true;
	snapshot__delete(snap);
}

static void set_labels(struct metrics_label *l, const char *pid, const char *exe, const char *comm,
		       const char *container)
{
	l[0] = metrics__label("pid", pid);
	l[1] = metrics__label("exe", exe);
	l[2] = metrics__label("comm", comm);
	l[3] = metrics__label("container", container);
}

static void proc_set_labels(struct metrics_label *l, const struct proc *p)
{
	set_labels(l, p->pid_s, p->t->shown, p->comm, p->container);
}

/*
 * A target's own labels, for what the kernel aggregates per target: its one
 * process's, or for a binary's processes the binary alone (pid "").
 */
static void target_set_labels(struct metrics_label *l, const struct target *t,
			      const struct proc *procs, size_t nprocs)
{
	size_t i;

	for (i = 0; t->kind != TARGET_BINARY && i < nprocs; i++)
		if (procs[i].t == t) {
			proc_set_labels(l, &procs[i]);
			return;
		}
	set_labels(l, "", t->shown, "", "");
}

static const char *reason_name(const struct names *n, int r, char *buf, size_t len)
{
	const char *s = r >= 0 && n ? names__reason(n, r) : NULL;

	if (s && *s)
		return s;
	if (r < 0)
		return "?";
	snprintf(buf, len, "%d", r);
	return buf;
}

/* A kernel histogram's slots as the writer takes them. */
static const uint64_t *slots(const __u64 *v, uint64_t *out)
{
	for (int i = 0; i < GOROUTINE_HIST_SLOTS; i++)
		out[i] = v[i];
	return out;
}

/* Log2 µs slots (goroutine.h): slot i < 31 holds less than 2^(i+1) µs; the last, the rest. */
static void hist_bounds(double *bounds)
{
	for (int i = 0; i < GOROUTINE_HIST_SLOTS - 1; i++)
		bounds[i] = (double)(1ULL << (i + 1)) / 1e6;
}

static int cmp_str(const char *a, const char *b)
{
	return a == b ? 0 : !a ? -1 : !b ? 1 : strcmp(a, b);
}

static int by_leak_group(const void *a, const void *b)
{
	const struct leak *x = a, *y = b;
	const struct seed_site *sx = x->site, *sy = y->site;
	int c;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->reason != y->reason)
		return x->reason < y->reason ? -1 : 1;
	if (!sx || !sy)
		return sx == sy ? 0 : !sx ? -1 : 1;
	if ((c = cmp_str(sx->start, sy->start)) || (c = cmp_str(sx->creator, sy->creator)) ||
	    (c = cmp_str(sx->file, sy->file)))
		return c;
	return sx->line < sy->line ? -1 : sx->line > sy->line;
}

/* Leak candidates by (process, wait reason, start function, creation site), as the summary groups them. */
static void write_leaks(struct metricsd *d, const struct proc *procs, size_t nprocs)
{
	struct goroutine_gkey *keys = NULL;
	struct goroutine_gval *vals = NULL;
	uint64_t now = now_ns(), after = d->o.leak_after_s * 1e9;
	struct leak *v = NULL;
	size_t n = 0, nv = 0, i, j, k;
	bool any_binary = false;

	for (i = 0; i < d->o.ntargets; i++)
		any_binary |= d->o.targets[i]->kind == TARGET_BINARY;
	metrics__family(d->m, "gotracer_leak_candidates", METRICS_GAUGE,
			"Goroutines WAITING longer than --leak-after, by wait reason, start "
			"function and creation site.");
	if (loader__live(d->o.loader, any_binary, &keys, &vals, &n))
		return;
	v = calloc(n + 1, sizeof(*v));
	for (i = 0; v && i < n; i++) {
		const struct goroutine_gval *g = &vals[i];
		const struct proc *p = NULL;

		if (g->state != GOROUTINE_WAITING || now <= g->since_ns ||
		    now - g->since_ns < after)
			continue;
		for (k = 0; k < nprocs && !p; k++)
			if ((uint32_t)procs[k].pid == keys[i].tgid)
				p = &procs[k];
		if (!p)
			continue;
		v[nv].tgid = keys[i].tgid;
		v[nv].reason = g->flags & GOROUTINE_G_HAS_REASON ? g->waitreason : -1;
		v[nv].site = g->flags & GOROUTINE_G_GOID_PENDING ?
				     NULL :
				     seed__find(p->sites, p->nsites, keys[i].tgid, g->goid);
		nv++;
	}
	if (v)
		qsort(v, nv, sizeof(*v), by_leak_group);
	for (i = 0; i < nv; i = j) {
		struct metrics_label l[NLABELS + 3];
		const struct seed_site *s = v[i].site;
		const struct proc *p = NULL;
		char rb[16], cb[1024] = "";

		for (j = i + 1; j < nv && !by_leak_group(&v[i], &v[j]); j++)
			;
		for (k = 0; k < nprocs && !p; k++)
			if ((uint32_t)procs[k].pid == v[i].tgid)
				p = &procs[k];
		if (s && s->creator)
			snprintf(cb, sizeof(cb), "%s %s:%u", s->creator, s->file ? s->file : "?",
				 s->line);
		proc_set_labels(l, p);
		l[NLABELS] = metrics__label("reason",
					    reason_name(p->t->names, v[i].reason, rb, sizeof(rb)));
		l[NLABELS + 1] = metrics__label("start", s ? s->start : NULL);
		l[NLABELS + 2] = metrics__label("created_by", cb);
		metrics__sample_u64(d->m, l, NLABELS + 3, j - i);
	}
	free(v);
	free(keys);
	free(vals);
}

/*
 * Created (or exited) goroutines: following, each living process's own
 * count (the kernel's share by tgid), under its labels; else the target's.
 */
static void write_counts(struct metricsd *d, const struct goroutine_summary *sums, const bool *ok,
			 const struct proc *procs, size_t nprocs, bool exited)
{
	struct metrics_label l[NLABELS + 1];
	struct goroutine_procsum q;
	size_t i, k;

	for (i = 0; i < d->o.ntargets; i++) {
		if (!ok[i])
			continue;
		if (!d->o.per_process) {
			target_set_labels(l, d->o.targets[i], procs, nprocs);
			metrics__sample_u64(d->m, l, NLABELS,
					    exited ? sums[i].exited : sums[i].created);
			continue;
		}
		for (k = 0; k < nprocs; k++) {
			if (procs[k].t != d->o.targets[i] ||
			    loader__procsum(d->o.loader, (uint32_t)procs[k].pid, &q))
				continue;
			proc_set_labels(l, &procs[k]);
			metrics__sample_u64(d->m, l, NLABELS, exited ? q.exited : q.created);
		}
	}
}

/* The kernel's per-target aggregate: created, exited, scheduler latency, blocking. */
static void write_kernel(struct metricsd *d, const struct goroutine_summary *sums, const bool *ok,
			 const struct proc *procs, size_t nprocs)
{
	double bounds[GOROUTINE_HIST_SLOTS - 1];
	uint64_t h[GOROUTINE_HIST_SLOTS];
	struct metrics_label l[NLABELS + 1];
	size_t i;
	int r;

	hist_bounds(bounds);
	metrics__family(d->m, "gotracer_goroutines_created_total", METRICS_COUNTER,
			"Goroutines created while traced (kernel aggregate).");
	write_counts(d, sums, ok, procs, nprocs, false);
	metrics__family(d->m, "gotracer_goroutines_exited_total", METRICS_COUNTER,
			"Goroutines that exited while traced (kernel aggregate).");
	write_counts(d, sums, ok, procs, nprocs, true);
	metrics__family(d->m, "gotracer_scheduler_latency_seconds", METRICS_HISTOGRAM,
			"Time goroutines waited RUNNABLE before they ran (RUNNABLE to RUNNING).");
	for (i = 0; i < d->o.ntargets; i++)
		if (ok[i]) {
			target_set_labels(l, d->o.targets[i], procs, nprocs);
			metrics__histogram(d->m, l, NLABELS, slots(sums[i].schedlat, h), bounds,
					   GOROUTINE_HIST_SLOTS - 1, sums[i].schedlat_ns / 1e9);
		}
	metrics__family(d->m, "gotracer_blocked_seconds", METRICS_HISTOGRAM,
			"Time goroutines spent WAITING, by the wait reason, counted when they "
			"woke.");
	for (i = 0; i < d->o.ntargets; i++) {
		const struct target *t = d->o.targets[i];

		for (r = 0; ok[i] && r < GOROUTINE_NREASONS; r++) {
			char rb[16];

			if (!sums[i].wait_count[r])
				continue;
			target_set_labels(l, t, procs, nprocs);
			l[NLABELS] =
				metrics__label("reason", reason_name(t->names, r, rb, sizeof(rb)));
			metrics__histogram(d->m, l, NLABELS + 1, slots(sums[i].wait_hist[r], h),
					   bounds, GOROUTINE_HIST_SLOTS - 1,
					   sums[i].wait_ns[r] / 1e9);
		}
	}
}

/* Every traced process now: a PID's, a command's, every one running a binary. */
static int list_procs(struct metricsd *d, struct proc **out, size_t *n)
{
	struct proc *v = NULL;
	size_t nv = 0, i, k;

	for (i = 0; i < d->o.ntargets; i++) {
		const struct target *t = d->o.targets[i];
		pid_t *pids = NULL, one = t->pid;
		size_t np = 0;
		struct proc *w;

		if (t->kind == TARGET_COMMAND) {
			pids = &one;
			np = one > 0;
		} else if (d->o.processes ? d->o.processes(d->o.ctx, t, &pids, &np) :
					    target__processes(t, &pids, &np)) {
			continue;
		}
		w = realloc(v, (nv + np + 1) * sizeof(*v));
		if (!w) {
			if (pids != &one)
				free(pids);
			break;
		}
		v = w;
		for (k = 0; k < np; k++)
			v[nv++] = (struct proc){.t = t, .pid = pids[k]};
		if (pids != &one)
			free(pids);
	}
	*out = v;
	*n = nv;
	return v || !nv ? 0 : -ENOMEM;
}

/* One scrape into d->m (the lock held). */
static void scrape(struct metricsd *d)
{
	uint64_t t0 = now_ns();
	struct goroutine_summary *sums = calloc(d->o.ntargets + 1, sizeof(*sums));
	bool ok[GOROUTINE_MAX_TARGETS] = {};
	struct metrics_label l[NLABELS + 1];
	struct proc *procs = NULL;
	size_t nprocs = 0, i, failed = 0;
	char b[32];
	int s;

	metrics__reset(d->m);
	list_procs(d, &procs, &nprocs);
	for (i = 0; i < nprocs; i++) {
		proc_labels(&procs[i]);
		proc_snapshot(&procs[i]);
		failed += !procs[i].snap_ok;
	}
	metrics__family(d->m, "gotracer_goroutines", METRICS_GAUGE,
			"Goroutines by state, from a snapshot of the process at scrape time "
			"(as runtime.NumGoroutine counts them: no runtime-internal ones).");
	for (i = 0; i < nprocs; i++) {
		const struct proc *p = &procs[i];

		for (s = 0; p->snap_ok && s < GOROUTINE_NSTATES; s++) {
			if (!p->states[s] && s != GOROUTINE_RUNNABLE && s != GOROUTINE_RUNNING &&
			    s != GOROUTINE_SYSCALL && s != GOROUTINE_WAITING)
				continue;
			proc_set_labels(l, p);
			l[NLABELS] =
				metrics__label("state", names__state(p->t->names, s, b, sizeof(b)));
			metrics__sample_u64(d->m, l, NLABELS + 1, p->states[s]);
		}
	}
	metrics__family(d->m, "gotracer_goroutines_waiting", METRICS_GAUGE,
			"WAITING goroutines by wait reason, as the target's Go version names it, "
			"from the scrape's snapshot.");
	for (i = 0; i < nprocs; i++) {
		const struct proc *p = &procs[i];

		for (s = 0; p->snap_ok && s < NREASONS; s++) {
			if (!p->reasons[s])
				continue;
			proc_set_labels(l, p);
			l[NLABELS] =
				metrics__label("reason", reason_name(p->t->names, s, b, sizeof(b)));
			metrics__sample_u64(d->m, l, NLABELS + 1, p->reasons[s]);
		}
	}
	/* --mode snapshot: no probes, so nothing of the kernel's but the gauges above. */
	if (!d->o.snapshot_only)
		write_leaks(d, procs, nprocs);
	for (i = 0; sums && i < d->o.ntargets && i < GOROUTINE_MAX_TARGETS; i++)
		ok[i] = !loader__summary(d->o.loader, d->o.targets[i]->id, &sums[i]);
	if (sums && !d->o.snapshot_only)
		write_kernel(d, sums, ok, procs, nprocs);
	metrics__family(d->m, "gotracer_process_info", METRICS_GAUGE,
			"A traced process, with its Go version (value 1).");
	for (i = 0; i < nprocs; i++) {
		proc_set_labels(l, &procs[i]);
		l[NLABELS] = metrics__label("go_version", names__go_version(procs[i].t->names));
		metrics__sample(d->m, l, NLABELS + 1, 1);
	}
	if (d->o.ntargets && !d->o.snapshot_only) {
		target_set_labels(l, d->o.targets[0], procs, nprocs);
		metrics__family(d->m, "gotracer_events_lost_total", METRICS_COUNTER,
				"Events dropped because the ring buffer was full.");
		metrics__sample_u64(d->m, l, NLABELS,
				    loader__counter(d->o.loader, GOROUTINE_CNT_LOST));
		metrics__family(
			d->m, "gotracer_goroutine_records_evicted_total", METRICS_COUNTER,
			"Goroutine records in the kernel's table taken by another goroutine's.");
		metrics__sample_u64(d->m, l, NLABELS,
				    loader__counter(d->o.loader, GOROUTINE_CNT_EVICTED));
	}
	metrics__family(d->m, "gotracer_snapshot_failures", METRICS_GAUGE,
			"Traced processes this scrape could not read (their gauges are left out).");
	metrics__sample_u64(d->m, NULL, 0, failed);
	metrics__family(d->m, "gotracer_build_info", METRICS_GAUGE,
			"The tracer's version (value 1).");
	l[0] = metrics__label("version", d->o.version);
	metrics__sample(d->m, l, 1, 1);
	metrics__family(d->m, "gotracer_scrape_duration_seconds", METRICS_GAUGE,
			"How long this scrape took the tracer.");
	metrics__sample(d->m, NULL, 0, (now_ns() - t0) / 1e9);
	for (i = 0; i < nprocs; i++)
		free(procs[i].sites);
	free(procs);
	free(sums);
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned int status, const char *body,
			       size_t len, const char *type)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **con_cls)
{
	static const char not_found[] = "404 page not found: only GET /metrics\n";
	struct metricsd *d = cls;
	enum MHD_Result ret;
	const char *text;
	size_t len;
	int err;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) || strcmp(url, "/metrics"))
		return respond(c, MHD_HTTP_NOT_FOUND, not_found, sizeof(not_found) - 1,
			       "text/plain; charset=utf-8");
	pthread_mutex_lock(&d->lock);
	scrape(d);
	err = metrics__finish(d->m, &text, &len);
	if (err) {
		char msg[96];
		int n = snprintf(msg, sizeof(msg), "scrape failed: %s\n", strerror(-err));

		ret = respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, msg, n, "text/plain");
	} else {
		ret = respond(c, MHD_HTTP_OK, text, len, CONTENT_TYPE);
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

/* HOST:PORT or :PORT (127.0.0.1), HOST an address or a name, [v6] in brackets. */
static int resolve(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen, bool *v6,
		   char *why, size_t whylen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	const char *colon = strrchr(addr, ':');
	char host[256];
	size_t hl;
	int err;

	if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    atol(colon + 1) > 65535) {
		snprintf(why, whylen, "--metrics %s: not HOST:PORT or :PORT", addr);
		return -EINVAL;
	}
	hl = colon - addr;
	if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']')
		addr++, hl -= 2;
	if (hl >= sizeof(host)) {
		snprintf(why, whylen, "--metrics: host name too long");
		return -EINVAL;
	}
	memcpy(host, addr, hl);
	host[hl] = 0;
	err = getaddrinfo(hl ? host : "127.0.0.1", colon + 1, &hints, &res);
	if (err || !res) {
		snprintf(why, whylen, "--metrics %s: %s", host, gai_strerror(err));
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
}

int metricsd__start(const struct metricsd_opts *o, struct metricsd **out, char *bound,
		    size_t boundlen, char *why, size_t whylen)
{
	struct metricsd *d = calloc(1, sizeof(*d));
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	char host[64] = "?";
	sigset_t all, old;
	socklen_t sslen;
	bool v6;
	int err;

	*out = NULL;
	if (!d || !(d->m = metrics__new(0))) {
		free(d);
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	d->o = *o;
	err = resolve(o->addr, &ss, &sslen, &v6, why, whylen);
	if (err) {
		metrics__delete(d->m);
		free(d);
		return err;
	}
	pthread_mutex_init(&d->lock, NULL);
	/* The server's thread inherits this mask: SIGINT and SIGTERM stay the main loop's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	d->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | (v6 ? MHD_USE_IPv6 : 0), 0, NULL,
		NULL, handle, d, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!d->mhd) {
		snprintf(why, whylen, "--metrics %s: cannot listen: %s", o->addr,
			 strerror(err ? err : EADDRINUSE));
		pthread_mutex_destroy(&d->lock);
		metrics__delete(d->m);
		free(d);
		return err ? -err : -EADDRINUSE;
	}
	info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
	getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof(host), NULL, 0, NI_NUMERICHOST);
	snprintf(bound, boundlen, v6 ? "[%s]:%u" : "%s:%u", host,
		 info ? (unsigned int)info->port : 0);
	*out = d;
	return 0;
}

void metricsd__stop(struct metricsd *d)
{
	if (!d)
		return;
	MHD_stop_daemon(d->mhd);
	pthread_mutex_destroy(&d->lock);
	metrics__delete(d->m);
	free(d);
}

void metricsd__lock(struct metricsd *d)
{
	if (d)
		pthread_mutex_lock(&d->lock);
}

void metricsd__unlock(struct metricsd *d)
{
	if (d)
		pthread_mutex_unlock(&d->lock);
}

void metricsd__set_ntargets(struct metricsd *d, size_t n)
{
	if (d)
		d->o.ntargets = n;
}
