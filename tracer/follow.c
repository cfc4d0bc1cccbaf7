// SPDX-License-Identifier: GPL-2.0
/*
 * follow: the processes and binaries a session finds at run time, each
 * binary resolved once (see follow.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "buildinfo.h"
#include "errors.h"
#include "follow.h"
#include "gobin.h"
#include "metrics.h"
#include "names.h"
#include "profile.h"
#include "resolver.h"
#include "target.h"

enum fbin_kind {
	FBIN_GO,	/* traced: resolved and planned */
	FBIN_NOT_GO,	/* quietly ignored */
	FBIN_TOOLCHAIN, /* the go command or one of its tools (cmd/...) */
	FBIN_FILTERED,	/* --exe does not match */
	FBIN_REFUSED,	/* Go, but cannot be traced: said once */
};

/* One distinct binary, by (device, inode). */
struct fbin {
	dev_t dev;
	ino_t ino;
	enum fbin_kind kind;
	char build_id[128];
	struct gobin *bin;
	struct profile *prof;
	struct plan plan;
	struct names *names;
	int target;  /* per binary: its target while attached, else -1 */
	int dropped; /* the target it had, detached when its last process ended; else -1 */
	/*
	 * The file, open: probed as /proc/self/fd/N, which stays the same
	 * inode when the process that showed it to us exits meanwhile.
	 */
	int fd;
	char fdpath[64];
	size_t nprocs; /* per binary: its processes traced now */
};

struct follow {
	struct follow_opts o;
	struct fbin *bins;
	size_t nbins, bcap;
	struct follow_proc *procs;
	size_t nprocs, pcap;
};

int follow__new(const struct follow_opts *o, struct follow **out)
{
	struct follow *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->o = *o;
	*out = f;
	return 0;
}

/* A /proc file's first bytes, NUL-terminated; its length, or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

/* A comm read (n bytes): the kernel's newline off its end; a newline in it is its own. */
static void strip_nl(char *s, ssize_t n)
{
	if (n > 0 && s[n - 1] == '\n')
		s[n - 1] = 0;
	else if (n < 0)
		s[0] = 0;
}

/* The container id of a cgroup file's text (metrics.h's rule), "" on the host. */
static void container_id(const char *cg, ssize_t n, char *out, size_t outlen)
{
	char id[65];

	snprintf(out, outlen, "%s", n > 0 && !metrics__container_id(cg, n, id) ? id : "");
}

static bool matches(const char *pattern, const char *s)
{
	return !pattern || !fnmatch(pattern, s, 0);
}

/*
 * Whether any of a /proc/PID/cgroup file's paths matches: its lines are
 * "ID:CONTROLLERS:PATH" (cgroup v2's one line is "0::PATH"; a v1 or hybrid
 * host has one per hierarchy, where a container's id may be in any).
 */
static bool cgroup_matches(const char *pattern, const char *cg)
{
	char line[4096];

	while (*cg) {
		size_t n = strcspn(cg, "\n");
		const char *p;

		snprintf(line, sizeof(line), "%.*s", (int)n, cg);
		p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (p && !fnmatch(pattern, p + 1, 0))
			return true;
		cg += n + (cg[n] != 0);
	}
	return false;
}

/* The binary's kind and what tracing it needs, made once. */
static void resolve(struct follow *f, struct fbin *b, const char *exe, const char *shown, char *why,
		    size_t whylen)
{
	const struct buildinfo *bi;
	const struct pclntab *pt;
	struct profile id = {};
	size_t i;
	int err;

	if (!matches(f->o.exe, shown)) {
		b->kind = FBIN_FILTERED;
		return;
	}
	err = gobin__open_path(exe, &b->bin);
	if (!err)
		err = gobin__pclntab(b->bin, &pt, NULL);
	if (err == -ERRORS__NOT_GO || err == -ERRORS__NOT_ELF || err == -ERRORS__ELF_CLASS ||
	    err == -ENOENT || err == -EACCES) {
		/* Scripts, other languages, a file gone meanwhile: quietly not ours. */
		b->kind = FBIN_NOT_GO;
		return;
	}
	b->kind = FBIN_REFUSED;
	if (err) {
		snprintf(why, whylen, "%s", errors__str(err));
		return;
	}
	bi = gobin__buildinfo(b->bin);
	/* The go command and its tools (compile, link, vet...): the program it runs is wanted. */
	if (!f->o.toolchain && bi && !strncmp(bi->path, "cmd/", 4)) {
		b->kind = FBIN_TOOLCHAIN;
		return;
	}
	b->prof = calloc(1, sizeof(*b->prof));
	if (!b->prof) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return;
	}
	if (!resolver__identify(b->bin, exe, &id))
		snprintf(b->build_id, sizeof(b->build_id), "%s", id.build_id);
	/* A copy elsewhere of a binary resolved already (another container's layer): its profile. */
	for (i = 0; b->build_id[0] && i < f->nbins; i++)
		if (&f->bins[i] != b && f->bins[i].kind == FBIN_GO &&
		    !strcmp(f->bins[i].build_id, b->build_id)) {
			*b->prof = *f->bins[i].prof;
			break;
		}
	if (f->o.use_default)
		plan__default_profile(b->prof, exe);
	else if (i == f->nbins || !b->build_id[0]) {
		err = resolver__resolve(b->bin, exe, &f->o.plan.kernel, b->prof, why, whylen);
		if (err) {
			if (!why[0])
				snprintf(why, whylen, "%s", errors__str(err));
			return;
		}
	}
	f->o.plan.path = exe;
	if (plan__make(b->bin, b->prof, &f->o.plan, &b->plan, why, whylen))
		return;
	if (names__new(b->prof, &b->names)) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return;
	}
	b->kind = FBIN_GO;
}

/* A target for binary b (probed at path), its resolution borrowed. */
static int new_target(struct follow *f, struct fbin *b, const char *path, const char *shown,
		      struct target **out, char *why, size_t whylen)
{
	struct target *t;
	int err = target__binary(path, &t, why, whylen);

	if (err)
		return err;
	snprintf(t->shown, sizeof(t->shown), "%s", shown);
	/* Borrowed: the binary's, freed by follow__delete(). */
	target__borrow(t, b->bin, b->prof, b->names);
	t->plan = b->plan;
	t->follow_only = f->o.follow_only;
	*out = t;
	return 0;
}

static struct follow_proc *find_proc(const struct follow *f, pid_t pid)
{
	for (size_t i = 0; i < f->nprocs; i++)
		if (f->procs[i].pid == pid)
			return &f->procs[i];
	return NULL;
}

enum follow_verdict follow__process(struct follow *f, pid_t pid, struct target **out, char *why,
				    size_t whylen)
{
	char path[64], procexe[64], exe[4096], comm[16] = "", cg[4096] = "";
	struct fbin *b = NULL;
	struct follow_proc *known;
	struct stat st;
	ssize_t n;
	size_t i;

	*out = NULL;
	why[0] = 0;
	/* Through /proc/PID/exe: the file as the process sees it, in its own mount namespace. */
	snprintf(procexe, sizeof(procexe), "/proc/%d/exe", (int)pid);
	/* Gone already, a kernel thread, or not ours to see: nothing to trace. */
	if (stat(procexe, &st))
		return FOLLOW_IGNORE;
	n = readlink(procexe, exe, sizeof(exe) - 1);
	if (n <= 0)
		return FOLLOW_IGNORE;
	exe[n] = 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	strip_nl(comm, read_small(path, comm, sizeof(comm)));
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	n = read_small(path, cg, sizeof(cg));
	if (!matches(f->o.comm, comm))
		return FOLLOW_IGNORE;
	if (f->o.cgroup && !cgroup_matches(f->o.cgroup, cg))
		return FOLLOW_IGNORE;
	known = find_proc(f, pid);
	for (i = 0; i < f->nbins; i++)
		if (f->bins[i].dev == st.st_dev && f->bins[i].ino == st.st_ino)
			b = &f->bins[i];
	/* Known as a process of that binary already (found by the scan and its exec heard too). */
	if (known && b && b->kind == FBIN_GO && b->target >= 0 &&
	    known->target == (uint32_t)b->target)
		return FOLLOW_IGNORE;
	if (!b) {
		if (array__reserve(&f->bins, &f->bcap, f->nbins + 1, sizeof(*f->bins), 16, 0))
			return FOLLOW_IGNORE;
		b = &f->bins[f->nbins];
		memset(b, 0, sizeof(*b));
		b->fd = open(procexe, O_RDONLY | O_CLOEXEC);
		/* Gone since the stat: nothing to trace, and nothing known of its binary. */
		if (b->fd < 0)
			return FOLLOW_IGNORE;
		f->nbins++;
		snprintf(b->fdpath, sizeof(b->fdpath), "/proc/self/fd/%d", b->fd);
		b->dev = st.st_dev;
		b->ino = st.st_ino;
		b->target = b->dropped = -1;
		resolve(f, b, b->fdpath, exe, why, whylen);
		if (b->kind == FBIN_REFUSED) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", why);
			snprintf(why, whylen, "%s: %s", exe, msg);
			return FOLLOW_REFUSED;
		}
	}
	if (b->kind != FBIN_GO)
		return FOLLOW_IGNORE;
	if (b->target >= 0) {
		if (follow__bind(f, pid, NULL))
			return FOLLOW_IGNORE;
		find_proc(f, pid)->target = b->target;
		b->nprocs++;
		return FOLLOW_JOINED;
	}
	/*
	 * Run again (a service restarted, a tool run by cron): its target
	 * back, the same id, profile and plan, its probes to attach again.
	 */
	if (b->dropped >= 0) {
		if (follow__bind(f, pid, NULL))
			return FOLLOW_IGNORE;
		b->target = b->dropped;
		b->dropped = -1;
		b->nprocs = 1;
		known = find_proc(f, pid);
		known->target = (uint32_t)b->target;
		snprintf(known->comm, sizeof(known->comm), "%s", comm);
		container_id(cg, n, known->container, sizeof(known->container));
		return FOLLOW_REVIVED;
	}
	if (new_target(f, b, b->fdpath, exe, out, why, whylen))
		return FOLLOW_IGNORE;
	/* The process's labels, kept now: its comm and cgroup may be gone when it is reported. */
	if (follow__bind(f, pid, NULL)) {
		target__delete(*out);
		*out = NULL;
		return FOLLOW_IGNORE;
	}
	known = find_proc(f, pid);
	snprintf(known->comm, sizeof(known->comm), "%s", comm);
	container_id(cg, n, known->container, sizeof(known->container));
	return FOLLOW_NEW;
}

enum follow_verdict follow__prepare(struct follow *f, const char *path, struct target **out,
				    char *why, size_t whylen)
{
	struct fbin *b = NULL;
	struct stat st;
	size_t i;

	*out = NULL;
	why[0] = 0;
	if (stat(path, &st) || !S_ISREG(st.st_mode) || access(path, X_OK))
		return FOLLOW_IGNORE;
	for (i = 0; i < f->nbins; i++)
		if (f->bins[i].dev == st.st_dev && f->bins[i].ino == st.st_ino)
			return FOLLOW_IGNORE;
	if (array__reserve(&f->bins, &f->bcap, f->nbins + 1, sizeof(*f->bins), 16, 0))
		return FOLLOW_IGNORE;
	b = &f->bins[f->nbins++];
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->dev = st.st_dev;
	b->ino = st.st_ino;
	b->target = b->dropped = -1;
	resolve(f, b, path, path, why, whylen);
	if (b->kind == FBIN_REFUSED) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", why);
		snprintf(why, whylen, "%s: %s", path, msg);
		return FOLLOW_REFUSED;
	}
	if (b->kind != FBIN_GO || new_target(f, b, path, path, out, why, whylen))
		return FOLLOW_IGNORE;
	return FOLLOW_NEW;
}

int follow__bind(struct follow *f, pid_t pid, const struct target *t)
{
	struct follow_proc *p = pid > 0 ? find_proc(f, pid) : NULL;
	size_t i;

	if (!p && pid > 0) {
		if (array__reserve(&f->procs, &f->pcap, f->nprocs + 1, sizeof(*f->procs), 16, 0))
			return -ENOMEM;
		p = &f->procs[f->nprocs++];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
		p->target = UINT32_MAX;
		if (!t) {
			char path[64], cg[4096];
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
			strip_nl(p->comm, read_small(path, p->comm, sizeof(p->comm)));
			snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
			n = read_small(path, cg, sizeof(cg));
			container_id(cg, n, p->container, sizeof(p->container));
		}
	}
	if (!t)
		return 0;
	if (pid > 0)
		p->target = t->id;
	for (i = 0; i < f->nbins; i++)
		if (f->bins[i].bin == t->bin) {
			f->bins[i].target = (int)t->id;
			f->bins[i].nprocs = pid > 0;
		}
	return 0;
}

int follow__exit(struct follow *f, pid_t pid)
{
	struct follow_proc *p = find_proc(f, pid);
	uint32_t id;
	size_t i;

	if (!p || p->target == UINT32_MAX)
		return -1;
	id = p->target;
	/* Kept for the reports' labels; no longer a process of its target. */
	p->ended_target = id;
	p->target = UINT32_MAX;
	p->pid = -p->pid;
	for (i = 0; i < f->nbins; i++)
		if (f->bins[i].target == (int)id && f->bins[i].nprocs && !--f->bins[i].nprocs &&
		    f->o.drop_when_done) {
			f->bins[i].target = -1;
			f->bins[i].dropped = (int)id;
			return (int)id;
		}
	return -1;
}

const struct follow_proc *follow__proc(const struct follow *f, pid_t pid)
{
	for (size_t i = 0; i < f->nprocs; i++)
		if (f->procs[i].pid == pid || f->procs[i].pid == -pid)
			return &f->procs[i];
	return NULL;
}

const struct follow_proc *follow__procs(const struct follow *f, size_t *n)
{
	*n = f->nprocs;
	return f->procs;
}

size_t follow__binaries(const struct follow *f)
{
	size_t i, k = 0;

	for (i = 0; i < f->nbins; i++)
		k += f->bins[i].kind == FBIN_GO;
	return k;
}

int follow__scan(int (*fn)(void *ctx, pid_t pid), void *ctx)
{
	pid_t self = getpid();
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int err = 0;

	if (!dir)
		return -errno;
	while (!err && (d = readdir(dir))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		err = fn(ctx, (pid_t)pid);
	}
	closedir(dir);
	return err;
}

void follow__delete(struct follow *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nbins; i++) {
		names__delete(f->bins[i].names);
		free(f->bins[i].prof);
		gobin__delete(f->bins[i].bin);
		if (f->bins[i].fd >= 0)
			close(f->bins[i].fd);
	}
	free(f->bins);
	free(f->procs);
	free(f);
}
