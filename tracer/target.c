// SPDX-License-Identifier: GPL-2.0
/*
 * target: finding, starting and watching the processes a session traces
 * (see target.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gobin.h"
#include "names.h"
#include "target.h"

static struct target *target_new(enum target_kind kind)
{
	struct target *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->kind = kind;
	t->pidfd = -1;
	t->go_fd = -1;
	return t;
}

int target__binary(const char *path, struct target **out, char *why, size_t whylen)
{
	struct target *t = target_new(TARGET_BINARY);

	*out = NULL;
	if (!t) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	snprintf(t->path, sizeof(t->path), "%s", path);
	snprintf(t->shown, sizeof(t->shown), "%s", path);
	*out = t;
	return 0;
}

/*
 * A pidfd becomes readable when the process exits, zombie or not, and keeps
 * naming the same process if its PID is reused; kill(pid, 0) can do neither.
 */
static bool pid_gone(pid_t pid, int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	if (pidfd >= 0)
		return poll(&p, 1, 0) > 0;
	return kill(pid, 0) && errno == ESRCH;
}

int target__pid(pid_t pid, struct target **out, char *why, size_t whylen)
{
	struct target *t = target_new(TARGET_PID);
	ssize_t n;

	*out = NULL;
	if (!t) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	t->pid = pid;
	/* The kernel follows this link into the process's own mount namespace. */
	snprintf(t->path, sizeof(t->path), "/proc/%d/exe", (int)pid);
	t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0 && errno == ESRCH) {
		snprintf(why, whylen, "no process with PID %d", (int)pid);
		target__delete(t);
		return -ESRCH;
	}
	if (pid_gone(pid, t->pidfd)) {
		snprintf(why, whylen, "process %d has exited", (int)pid);
		target__delete(t);
		return -ECHILD;
	}
	/* For reports: the binary's own path, not /proc/PID/exe. */
	n = readlink(t->path, t->shown, sizeof(t->shown) - 1);
	if (n > 0)
		t->shown[n] = 0;
	else
		snprintf(t->shown, sizeof(t->shown), "%s", t->path);
	*out = t;
	return 0;
}

int target__processes(const struct target *t, pid_t **out, size_t *n)
{
	size_t cap = 0, k = 0;
	pid_t *v = NULL, self = getpid();
	struct dirent *d;
	struct stat want, st;
	char exe[64];
	DIR *dir;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (t->kind == TARGET_PID) {
		v = malloc(sizeof(*v));
		if (!v)
			return -ENOMEM;
		v[0] = t->pid;
		*out = v;
		*n = 1;
		return 0;
	}
	if (t->kind != TARGET_BINARY)
		return 0;
	if (stat(t->path, &want))
		return -errno;
	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(exe, sizeof(exe), "/proc/%ld/exe", pid);
		/* Gone meanwhile, or not ours to see: not one of them as far as we can tell. */
		if (stat(exe, &st) || st.st_dev != want.st_dev || st.st_ino != want.st_ino)
			continue;
		if (k == cap) {
			pid_t *nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[k++] = (pid_t)pid;
	}
	closedir(dir);
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	*n = k;
	return 0;
}

/* PATH look-up as execvp does it, so the probed file is the one that runs. */
int target__find_command(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) ? -errno : 0;
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(out, len, "%.*s/%s", (int)(end - p), end == p ? "." : p, name);
		if (!access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

int target__command(char **argv, struct target **out, char *why, size_t whylen)
{
	struct target *t = target_new(TARGET_COMMAND);
	int err;

	*out = NULL;
	if (!t) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	err = target__find_command(argv[0], t->path, sizeof(t->path));
	if (err) {
		snprintf(why, whylen, "%s: %s", argv[0], strerror(-err));
		target__delete(t);
		return err;
	}
	snprintf(t->shown, sizeof(t->shown), "%s", t->path);
	t->argv = argv;
	*out = t;
	return 0;
}

int target__spawn(struct target *t, char *why, size_t whylen)
{
	int fds[2], err;
	pid_t pid;

	if (t->kind != TARGET_COMMAND || t->pid)
		return 0;
	if (pipe2(fds, O_CLOEXEC))
		goto fail;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		goto fail;
	}
	if (pid == 0) {
		char c;

		close(fds[1]);
		/* EOF without a byte: the tracer gave up, do not run untraced. */
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		execvp(t->argv[0], t->argv);
		fprintf(stderr, "goroutine: %s: %s\n", t->argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	t->go_fd = fds[1];
	t->pid = pid;
	return 0;
fail:
	err = -errno;
	snprintf(why, whylen, "cannot start %s: %s", t->argv[0], strerror(errno));
	return err;
}

int target__release(struct target *t)
{
	int err = 0;

	if (t->go_fd < 0)
		return 0;
	if (write(t->go_fd, "g", 1) != 1)
		err = -EPIPE;
	close(t->go_fd);
	t->go_fd = -1;
	return err;
}

bool target__gone(struct target *t)
{
	switch (t->kind) {
	case TARGET_PID:
		return pid_gone(t->pid, t->pidfd);
	case TARGET_COMMAND:
		if (t->pid && !t->done && waitpid(t->pid, &t->status, WNOHANG) == t->pid)
			t->done = true;
		return t->done;
	default:
		return false;
	}
}

int target__finish(struct target *t, int sig)
{
	if (t->kind != TARGET_COMMAND || !t->pid)
		return -1;
	/* Not released: the child exits 127 without running the command. */
	if (t->go_fd >= 0) {
		close(t->go_fd);
		t->go_fd = -1;
	}
	if (!t->done) {
		if (sig)
			kill(t->pid, sig);
		if (waitpid(t->pid, &t->status, 0) == t->pid)
			t->done = true;
	}
	if (!t->done)
		return -1;
	return WIFEXITED(t->status) ? WEXITSTATUS(t->status) : 128 + WTERMSIG(t->status);
}

void target__borrow(struct target *t, struct gobin *bin, struct profile *prof, struct names *names)
{
	t->bin = bin;
	t->prof = prof;
	t->names = names;
	t->borrowed = true;
}

void target__delete(struct target *t)
{
	if (!t)
		return;
	if (t->go_fd >= 0)
		close(t->go_fd);
	if (t->pidfd >= 0)
		close(t->pidfd);
	if (!t->borrowed) {
		names__delete(t->names);
		free(t->prof);
		gobin__delete(t->bin);
	}
	free(t);
}
