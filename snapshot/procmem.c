// SPDX-License-Identifier: GPL-2.0
/*
 * procmem: process_vm_readv and /proc/PID/maps (see procmem.h).
 */
#define _GNU_SOURCE /* process_vm_readv */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "elfbuf.h"
#include "procmem.h"

#define BATCH 1024 /* IOV_MAX on Linux */
#define MAX_MAPS_TEXT (64 << 20)

struct procmem {
	pid_t pid;
	struct procmem_map *maps;
	size_t nmaps;
	uint64_t exe_inode;
	unsigned int exe_major, exe_minor;
	bool have_exe;
	unsigned long syscalls;
};

static int hexval(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int digits = 0;

	while (s < end) {
		int c = *s, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (digits++ >= 16)
			return -EINVAL;
		x = x << 4 | (uint64_t)d;
		s++;
	}
	if (!digits)
		return -EINVAL;
	*p = s;
	*v = x;
	return 0;
}

static int decval(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int digits = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		if (digits++ >= 19)
			return -EINVAL;
		x = x * 10 + (uint64_t)(*s++ - '0');
	}
	if (!digits)
		return -EINVAL;
	*p = s;
	*v = x;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

/* "start-end perms offset major:minor inode [path]" */
static int parse_line(const char *s, const char *end, struct procmem_map *m)
{
	uint64_t maj, min;

	memset(m, 0, sizeof(*m));
	if (hexval(&s, end, &m->start) || expect(&s, end, '-') || hexval(&s, end, &m->end) ||
	    expect(&s, end, ' ') || end - s < 5)
		return -EINVAL;
	m->r = s[0] == 'r';
	m->w = s[1] == 'w';
	m->x = s[2] == 'x';
	s += 4;
	if (expect(&s, end, ' ') || hexval(&s, end, &m->offset) || expect(&s, end, ' ') ||
	    hexval(&s, end, &maj) || expect(&s, end, ':') || hexval(&s, end, &min) ||
	    expect(&s, end, ' ') || decval(&s, end, &m->inode) || m->end < m->start ||
	    maj > UINT_MAX || min > UINT_MAX)
		return -EINVAL;
	m->dev_major = (unsigned int)maj;
	m->dev_minor = (unsigned int)min;
	return 0;
}

int procmem__parse_maps(const char *buf, size_t len, struct procmem_map **maps, size_t *n)
{
	const char *p = buf, *end = buf + len;
	struct procmem_map *v = NULL;
	size_t cap = 0, cnt = 0;

	*maps = NULL;
	*n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le > p) {
			if (cnt == cap) {
				size_t nc = cap ? 2 * cap : 64;
				struct procmem_map *nv = realloc(v, nc * sizeof(*v));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = nc;
			}
			if (parse_line(p, le, &v[cnt])) {
				free(v);
				return -EINVAL;
			}
			cnt++;
		}
		p = nl ? nl + 1 : end;
	}
	*maps = v;
	*n = cnt;
	return 0;
}

static int read_text(const char *path, char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = cap < MAX_MAPS_TEXT ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = n;
	return 0;
}

int procmem__open(pid_t pid, struct procmem **out)
{
	struct procmem *m;
	char path[64], *text = NULL;
	struct stat st;
	uint64_t probe;
	size_t len = 0;
	int err;

	*out = NULL;
	if (pid <= 0)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	err = read_text(path, &text, &len);
	if (err == -ENOENT)
		err = -ESRCH;
	if (!err) {
		err = procmem__parse_maps(text, len, &m->maps, &m->nmaps);
		free(text);
	}
	if (!err && !m->nmaps)
		err = -ESRCH; /* a zombie has no maps */
	if (!err) {
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		if (!stat(path, &st)) {
			m->have_exe = true;
			m->exe_inode = st.st_ino;
			m->exe_major = major(st.st_dev);
			m->exe_minor = minor(st.st_dev);
		}
		/* One word of the first readable mapping: may we read at all? */
		for (size_t i = 0; i < m->nmaps; i++) {
			if (m->maps[i].r) {
				err = procmem__read(m, m->maps[i].start, &probe, sizeof(probe));
				if (err == -EFAULT)
					err = 0; /* that mapping, not the permission */
				break;
			}
		}
	}
	if (err) {
		procmem__delete(m);
		return err;
	}
	*out = m;
	return 0;
}

void procmem__delete(struct procmem *m)
{
	if (!m)
		return;
	free(m->maps);
	free(m);
}

bool procmem__mapped(const struct procmem *m, uint64_t addr, uint64_t len, bool w)
{
	size_t lo = 0, hi = m->nmaps;

	/* Maps are sorted by address: binary search for the one holding addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct procmem_map *p = &m->maps[mid];

		if (addr < p->start)
			hi = mid;
		else if (addr >= p->end)
			lo = mid + 1;
		else
			return p->r && (!w || p->w) && len <= p->end - addr;
	}
	return false;
}

int procmem__load_bias(const struct procmem *m, const struct elfbuf *e, uint64_t *bias)
{
	size_t i, j;

	*bias = 0;
	if (elfbuf__type(e) != ET_DYN)
		return 0;
	if (!m->have_exe)
		return -ENOENT;
	for (i = 0; i < m->nmaps; i++) {
		const struct procmem_map *p = &m->maps[i];

		if (p->inode != m->exe_inode || p->dev_major != m->exe_major ||
		    p->dev_minor != m->exe_minor)
			continue;
		/* The PT_LOAD this mapping's file offset starts: its page-aligned vaddr is here. */
		for (j = 0; j < elfbuf__segment_count(e); j++) {
			const struct elfbuf_segment *s = elfbuf__segment(e, j);

			if (s->type == PT_LOAD && (s->offset & ~0xfffULL) == p->offset) {
				*bias = p->start - (s->vaddr & ~0xfffULL);
				return 0;
			}
		}
	}
	return -ENOENT;
}

static long one_batch(struct procmem *m, struct procmem_req *reqs, size_t n)
{
	struct iovec local[BATCH], remote[BATCH];
	size_t i, start = 0;
	long good = 0;

	while (start < n) {
		size_t k = 0, total = 0;
		ssize_t got;

		for (i = start; i < n && k < BATCH; i++, k++) {
			local[k] = (struct iovec){reqs[i].dst, reqs[i].len};
			remote[k] = (struct iovec){(void *)(uintptr_t)reqs[i].addr, reqs[i].len};
			total += reqs[i].len;
		}
		__atomic_fetch_add(&m->syscalls, 1, __ATOMIC_RELAXED); /* from every worker */
		got = process_vm_readv(m->pid, local, k, remote, k, 0);
		if (got < 0) {
			if (errno == ESRCH)
				return -ESRCH;
			if (errno == EPERM || errno == ENOMEM)
				return -errno;
			got = 0; /* EFAULT on the first range */
		}
		/* The kernel stops at the first range it cannot read: those before are whole. */
		for (i = start; i < start + k && got >= (ssize_t)reqs[i].len; i++) {
			reqs[i].ok = true;
			got -= (ssize_t)reqs[i].len;
			good++;
		}
		if (i < start + k)
			reqs[i++].ok = false; /* the one that failed (maybe partly read) */
		(void)total;
		start = i;
	}
	return good;
}

long procmem__readv(struct procmem *m, struct procmem_req *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		reqs[i].ok = false;
	return one_batch(m, reqs, n);
}

int procmem__read(struct procmem *m, uint64_t addr, void *dst, size_t len)
{
	struct procmem_req r = {.addr = addr, .len = len, .dst = dst};
	long got = procmem__readv(m, &r, 1);

	if (got < 0)
		return (int)got;
	return r.ok ? 0 : -EFAULT;
}

unsigned long procmem__syscalls(const struct procmem *m)
{
	return m->syscalls;
}
