/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procmem: another process's memory, read without stopping it
 * (process_vm_readv: no ptrace attach, no signal, nothing written), and its
 * address space from /proc/PID/maps.
 *
 * The kernel allows the read where ptrace access would be allowed (root, or
 * the same user under kernel.yama.ptrace_scope 0). Many reads are batched
 * into one system call (up to IOV_MAX ranges), since a syscall is the cost
 * that counts when a process has 100k goroutines.
 */
#ifndef GOTRACER_PROCMEM_H
#define GOTRACER_PROCMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct elfbuf;
struct procmem;

struct procmem_map {
	uint64_t start, end, offset;
	bool r, w, x;
	uint64_t inode;
	unsigned int dev_major, dev_minor;
};

/*
 * Parse /proc/PID/maps text into *maps (malloc'd, *n entries): 0, -EINVAL
 * (a malformed line), -ENOMEM. Paths are not kept (they are the process's,
 * untrusted, and the inode says the same).
 */
int procmem__parse_maps(const char *buf, size_t len, struct procmem_map **maps, size_t *n);

/*
 * Open pid: read its maps and check that its memory can be read. Returns 0,
 * -ESRCH (no such process), -EPERM / -EACCES (not allowed), -ENOMEM, -EINVAL.
 */
int procmem__open(pid_t pid, struct procmem **out);
void procmem__delete(struct procmem *m);

/* Whether [addr, addr + len) lies in one readable mapping (writable too if w). */
bool procmem__mapped(const struct procmem *m, uint64_t addr, uint64_t len, bool w);

/*
 * The load bias of the executable e in the process (0 for a non-PIE): from
 * the mapping of /proc/PID/exe's inode. 0 or -ENOENT (no mapping of it).
 */
int procmem__load_bias(const struct procmem *m, const struct elfbuf *e, uint64_t *bias);

/* One range to read, and whether it was read whole. */
struct procmem_req {
	uint64_t addr;
	size_t len;
	void *dst;
	bool ok;
};

/*
 * Read every request (in as few system calls as the kernel allows); each
 * req's ok says whether it was read whole. Returns the number read whole,
 * or -ESRCH when the process is gone. Threads may read through one procmem
 * at once (the snapshot's workers): nothing in it changes but the count.
 */
long procmem__readv(struct procmem *m, struct procmem_req *reqs, size_t n);

/* One range: 0, -EFAULT (not all of it readable), -ESRCH. */
int procmem__read(struct procmem *m, uint64_t addr, void *dst, size_t len);

/* System calls made so far (for the benchmarks). */
unsigned long procmem__syscalls(const struct procmem *m);

#endif /* GOTRACER_PROCMEM_H */
