// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot: read every goroutine of a live process (see snapshot.h).
 *
 * Reads are batched: the allgs array, then every g, then a first window of
 * every parked goroutine's stack, then every g again, each in as few
 * process_vm_readv calls as IOV_MAX allows (about 100 calls each for 100k
 * goroutines). Only walks that leave their window, and goroutines that
 * changed between the two reads of their g, are read one by one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "errors.h"
#include "gobin.h"
#include "pclntab.h"
#include "procmem.h"
#include "profile.h"
#include "rd.h"
#include "snapshot.h"

#define GSCAN 0x1000
#define WINDOW 512		 /* first read of a stack: most parked stacks are shallower */
#define MAX_STACK_READ (1 << 20) /* a walk needing more than this much stack stops there */
#define MAX_STACK (1ULL << 30)	 /* the runtime's own maximum stack size */
#define RETRIES 2
#define CHUNK (1 << 20)

enum base {
	B_SKIP,	   /* idle, dead: not a goroutine to show */
	B_RUNNING, /* on a thread */
	B_SYSCALL, /* in a syscall: walk from the syscall registers */
	B_PARKED,  /* any other: walk from g.sched */
};

struct ctx {
	struct gobin *b;
	const struct profile *p;
	struct gread_layout l;
	struct procmem *pm;
	uint64_t bias, text_lo, text_hi;
	size_t max_frames;
	bool no_stacks;
	/* The stack copy of one goroutine at a time, grown as walks need. */
	uint8_t *stk;
	size_t stk_cap;
	/* Every goroutine's pcs, in one array; each g's offset into it. */
	uint64_t *pcs;
	size_t npcs, pcs_cap;
	size_t *pcs_off;
};

static enum base base_of(const struct profile *p, uint32_t status)
{
	uint32_t b = status & ~(uint32_t)GSCAN;
	const char *name = (int)b < p->n_gstatus ? p->gstatus[b] : NULL;

	/* By the version's own names where known; the numbering every release shares if not. */
	if (name && *name) {
		if (!strcmp(name, "IDLE") || !strncmp(name, "DEAD", 4) || strstr(name, "UNUSED"))
			return B_SKIP;
		if (!strcmp(name, "RUNNING"))
			return B_RUNNING;
		if (!strcmp(name, "SYSCALL"))
			return B_SYSCALL;
		return B_PARKED;
	}
	switch (b) {
	case 0:
	case 5:
	case 6:
	case 7:
		return B_SKIP;
	case 2:
		return B_RUNNING;
	case 3:
		return B_SYSCALL;
	default:
		return B_PARKED;
	}
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Batched reads of n ranges of len bytes each into one buffer. */
static long read_many(struct procmem *pm, const uint64_t *addrs, size_t n, size_t len, uint8_t *dst,
		      bool *ok)
{
	struct procmem_req *r = malloc((n ? n : 1) * sizeof(*r));
	long got;

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		r[i] = (struct procmem_req){.addr = addrs[i], .len = len, .dst = dst + i * len};
	got = procmem__readv(pm, r, n);
	for (size_t i = 0; got >= 0 && i < n; i++)
		ok[i] = r[i].ok;
	free(r);
	return got;
}

/*
 * The copies of every g and stack window (tens of MB at 100k goroutines)
 * in huge pages where the kernel gives them: the kernel's copy into 4 KiB
 * pages faulted in one by one cost more than the copy itself.
 */
static void *big_alloc(size_t len, size_t *mapped)
{
	void *p;

	*mapped = len ? len : 1;
	p = mmap(NULL, *mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, *mapped, MADV_HUGEPAGE);
	return p;
}

static void big_free(void *p, size_t mapped)
{
	if (p)
		munmap(p, mapped);
}

static bool same_g(const struct gread_g *a, const struct gread_g *b)
{
	return a->goid == b->goid && a->status == b->status && a->sched_sp == b->sched_sp &&
	       a->sched_pc == b->sched_pc && a->sched_bp == b->sched_bp &&
	       a->syscallsp == b->syscallsp && a->syscallpc == b->syscallpc &&
	       a->stack_lo == b->stack_lo && a->stack_hi == b->stack_hi;
}

/* Where the walk starts: g.sched, or the syscall registers for a goroutine in a syscall. */
static void start_regs(const struct ctx *c, const struct gread_g *g, enum base b, uint64_t *pc,
		       uint64_t *sp, uint64_t *bp, bool *sys)
{
	*sys = b == B_SYSCALL && g->syscallsp;
	if (*sys) {
		struct gobin_func f;
		int64_t d;

		*pc = g->syscallpc;
		*sp = g->syscallsp;
		*bp = c->l.syscallbp >= 0 ? g->syscallbp : 0;
		/*
		 * Before go1.23 the runtime keeps no frame pointer for the syscall:
		 * the function at syscallpc saved its caller's BP just below its
		 * return address, d - 8 above sp by its pcsp table (Go's prologue:
		 * SUBQ $d-8, SP; MOVQ BP, d-16(SP); LEAQ d-16(SP), BP).
		 */
		if (!*bp && !gobin__find_pc(c->b, *pc - c->bias, &f) &&
		    !gobin__sp_delta(c->b, f.entry, *pc - c->bias, &d) && d >= 8 && d < (1 << 20))
			*bp = *sp + (uint64_t)d - 8;
	} else {
		*pc = g->sched_pc;
		*sp = g->sched_sp;
		*bp = g->sched_bp;
	}
}

static bool sane_stack(const struct gread_g *g, uint64_t sp)
{
	return g->stack_lo < g->stack_hi && g->stack_hi - g->stack_lo <= MAX_STACK &&
	       sp >= g->stack_lo && sp <= g->stack_hi && !(sp & 7);
}

static int push_pcs(struct ctx *c, const uint64_t *pcs, size_t n)
{
	if (c->npcs + n > c->pcs_cap) {
		size_t cap = c->pcs_cap ? c->pcs_cap : 4096;
		uint64_t *v;

		while (cap < c->npcs + n)
			cap *= 2;
		v = realloc(c->pcs, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->pcs = v;
		c->pcs_cap = cap;
	}
	for (size_t i = 0; i < n; i++)
		c->pcs[c->npcs + i] = pcs[i] - c->bias;
	c->npcs += n;
	return 0;
}

/*
 * Walk one goroutine, starting from the window already read into win
 * (wlen bytes at sp; NULL: read it now), reading more of its stack as the
 * walk needs. Fills sg's end and its pcs (appended at c->pcs). Returns 0,
 * -ESRCH, -ENOMEM.
 */
static int walk(struct ctx *c, struct snapshot_g *sg, size_t idx, enum base b, const uint8_t *win,
		size_t wlen)
{
	uint64_t pcs[SNAPSHOT_MAX_FRAMES + 1], pc, sp, bp, need;
	struct unwind_stack st;
	size_t n = 0;
	bool sys;
	int err;

	start_regs(c, &sg->g, b, &pc, &sp, &bp, &sys);
	sg->from_syscall = sys;
	if (!sane_stack(&sg->g, sp) || !pc) {
		sg->state = SNAPSHOT_G_BAD;
		sg->npcs = 0;
		return 0;
	}
	st = (struct unwind_stack){.buf = win,
				   .len = win ? wlen : 0,
				   .base = sp,
				   .lo = sg->g.stack_lo,
				   .hi = sg->g.stack_hi};
	for (;;) {
		err = unwind__fp(&st, pc, sp, bp, c->text_lo, c->text_hi, pcs, c->max_frames, &n,
				 &sg->end, &need);
		if (err != -EAGAIN)
			break;
		/* Read [sp, need) at least, doubling, within the stack and the cap. */
		size_t want = st.len * 2 > need - sp ? st.len * 2 : need - sp;

		if (want < WINDOW)
			want = WINDOW;
		if (want > sg->g.stack_hi - sp)
			want = sg->g.stack_hi - sp;
		if (want > MAX_STACK_READ || want < need - sp) {
			sg->end = UNWIND_END_BAD_FP;
			err = 0;
			break;
		}
		if (want > c->stk_cap) {
			uint8_t *nb = realloc(c->stk, want);

			if (!nb)
				return -ENOMEM;
			c->stk = nb;
			c->stk_cap = want;
		}
		err = procmem__read(c->pm, sp, c->stk, want);
		if (err == -ESRCH)
			return err;
		if (err) {
			sg->state = SNAPSHOT_G_BAD;
			sg->npcs = 0;
			return 0;
		}
		st.buf = c->stk;
		st.len = want;
	}
	if (err)
		return err;
	c->pcs_off[idx] = c->npcs;
	sg->npcs = n;
	sg->state = SNAPSHOT_G_OK;
	return push_pcs(c, pcs, n);
}

static int read_allgs(struct ctx *c, uint64_t *ptr, size_t *n, char *why, size_t whylen)
{
	uint64_t hdr[3], len = 0;
	int err;

	err = procmem__read(c->pm, c->p->allgs.address + c->bias, hdr, sizeof(hdr));
	if (!err && c->p->allglen.address)
		err = procmem__read(c->pm, c->p->allglen.address + c->bias, &len, sizeof(len));
	if (err == -ESRCH)
		return err;
	if (err) {
		snprintf(why, whylen, "runtime.allgs at 0x%llx is not readable in the process",
			 (unsigned long long)(c->p->allgs.address + c->bias));
		return -ERRORS__CORRUPT;
	}
	/* allglen follows len(allgs) after each append; a smaller one is the published length. */
	if (!c->p->allglen.address || len > hdr[1])
		len = hdr[1];
	if (hdr[1] > hdr[2] || len > SNAPSHOT_MAX_GS ||
	    (len && (hdr[0] & 7 || !procmem__mapped(c->pm, hdr[0], len * 8, true)))) {
		snprintf(why, whylen,
			 "runtime.allgs {0x%llx, %llu, %llu} is not a goroutine list in this "
			 "process "
			 "(wrong binary or profile?)",
			 (unsigned long long)hdr[0], (unsigned long long)hdr[1],
			 (unsigned long long)hdr[2]);
		return -ERRORS__CORRUPT;
	}
	*ptr = hdr[0];
	*n = len;
	return 0;
}

/* Read the n-entry pointer array at ptr into gps, in chunks. */
static int read_ptrs(struct ctx *c, uint64_t ptr, size_t n, uint64_t *gps)
{
	for (size_t done = 0; done < n;) {
		size_t k = n - done > CHUNK / 8 ? CHUNK / 8 : n - done;
		int err = procmem__read(c->pm, ptr + done * 8, gps + done, k * 8);

		if (err)
			return err == -ESRCH ? err : -ERRORS__CORRUPT;
		done += k;
	}
	return 0;
}

static int take(struct ctx *c, struct snapshot *s, char *why, size_t whylen)
{
	uint64_t ptr, *gps = NULL, *sps = NULL;
	uint8_t *g1 = NULL, *g2 = NULL, *win = NULL;
	bool *ok1 = NULL, *ok2 = NULL, *wok = NULL;
	enum base *bases = NULL;
	size_t n, i, k, gsz = c->l.size, g1_len = 0, g2_len = 0, win_len = 0;
	int err;

	err = read_allgs(c, &ptr, &n, why, whylen);
	if (err)
		return err;
	s->allglen = n;
	gps = calloc(n + 1, sizeof(*gps));
	sps = calloc(n + 1, sizeof(*sps));
	g1 = big_alloc((n + 1) * gsz, &g1_len);
	g2 = big_alloc((n + 1) * gsz, &g2_len);
	win = big_alloc((n + 1) * (size_t)WINDOW, &win_len);
	ok1 = calloc(n + 1, sizeof(*ok1));
	ok2 = calloc(n + 1, sizeof(*ok2));
	wok = calloc(n + 1, sizeof(*wok));
	bases = calloc(n + 1, sizeof(*bases));
	s->gs = calloc(n + 1, sizeof(*s->gs));
	c->pcs_off = calloc(n + 1, sizeof(*c->pcs_off));
	if (!gps || !sps || !g1 || !g2 || !win || !ok1 || !ok2 || !wok || !bases || !s->gs ||
	    !c->pcs_off) {
		err = -ENOMEM;
		goto out;
	}
	err = read_ptrs(c, ptr, n, gps);
	if (err) {
		if (err != -ESRCH)
			snprintf(why, whylen, "runtime.allgs's array at 0x%llx is not readable",
				 (unsigned long long)ptr);
		goto out;
	}
	/* Only pointers into writable memory are read as a g. */
	for (i = k = 0; i < n; i++) {
		if (gps[i] && !(gps[i] & 7) && procmem__mapped(c->pm, gps[i], gsz, true))
			gps[k++] = gps[i];
		else
			s->n_unreadable++;
	}
	n = k;
	s->now_ns = monotonic_ns();
	if (read_many(c->pm, gps, n, gsz, g1, ok1) < 0) {
		err = -ESRCH;
		goto out;
	}
	/* The first stack window of every parked goroutine, in one batch. */
	for (i = 0; i < n; i++) {
		struct gread_g g;
		uint64_t pc, sp, bp;
		bool sys;

		sps[i] = 0;
		if (!ok1[i] || gread__decode(&c->l, g1 + i * gsz, gsz, &g))
			continue;
		bases[i] = base_of(c->p, g.status);
		if (c->no_stacks || (bases[i] != B_SYSCALL && bases[i] != B_PARKED))
			continue;
		start_regs(c, &g, bases[i], &pc, &sp, &bp, &sys);
		if (sane_stack(&g, sp) && g.stack_hi - sp >= 16)
			sps[i] = sp;
	}
	{
		/* Windows are read at sp, clipped to the stack's top by reading less. */
		struct procmem_req *r = malloc((n + 1) * sizeof(*r));
		size_t nr = 0;

		if (!r) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			struct gread_g g;
			size_t len = WINDOW;

			if (!sps[i])
				continue;
			gread__decode(&c->l, g1 + i * gsz, gsz, &g);
			if (g.stack_hi - sps[i] < len)
				len = g.stack_hi - sps[i];
			r[nr++] = (struct procmem_req){
				.addr = sps[i], .len = len, .dst = win + i * (size_t)WINDOW};
		}
		if (procmem__readv(c->pm, r, nr) < 0) {
			free(r);
			err = -ESRCH;
			goto out;
		}
		for (i = 0, k = 0; i < n; i++)
			if (sps[i]) {
				wok[i] = r[k].ok;
				sps[i] = r[k].ok ? r[k].len :
						   0; /* from here on: the window's length */
				k++;
			}
		free(r);
	}
	for (i = 0; i < n; i++) {
		struct snapshot_g *sg = &s->gs[i];

		sg->addr = gps[i];
		if (!ok1[i] || gread__decode(&c->l, g1 + i * gsz, gsz, &sg->g)) {
			sg->state = SNAPSHOT_G_CHANGED; /* freed or unmapped under us */
			continue;
		}
		if (bases[i] == B_SKIP)
			continue;
		if (bases[i] == B_RUNNING) {
			sg->state = SNAPSHOT_G_RUNNING;
			continue;
		}
		if (c->no_stacks) {
			sg->state = SNAPSHOT_G_OK;
			continue;
		}
		err = walk(c, sg, i, bases[i], wok[i] ? win + i * (size_t)WINDOW : NULL, sps[i]);
		if (err)
			goto out;
	}
	/* The second read: what changed meanwhile is read again, alone. */
	if (read_many(c->pm, gps, n, gsz, g2, ok2) < 0) {
		err = -ESRCH;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct snapshot_g *sg = &s->gs[i];
		struct gread_g again;
		int tries;

		if (bases[i] == B_SKIP && ok1[i])
			continue;
		if (ok2[i] && !gread__decode(&c->l, g2 + i * gsz, gsz, &again) &&
		    same_g(&sg->g, &again))
			continue;
		for (tries = 0; tries < RETRIES; tries++) {
			struct gread_g before;

			s->n_retried++;
			err = procmem__read(c->pm, gps[i], g1 + i * gsz, gsz);
			if (err == -ESRCH)
				goto out;
			if (err || gread__decode(&c->l, g1 + i * gsz, gsz, &before))
				continue;
			bases[i] = base_of(c->p, before.status);
			sg->g = before;
			sg->npcs = 0;
			if (bases[i] == B_SKIP || bases[i] == B_RUNNING) {
				sg->state =
					bases[i] == B_RUNNING ? SNAPSHOT_G_RUNNING : SNAPSHOT_G_OK;
			} else {
				sg->state = SNAPSHOT_G_OK;
				err = c->no_stacks ? 0 : walk(c, sg, i, bases[i], NULL, 0);
				if (err)
					goto out;
			}
			err = procmem__read(c->pm, gps[i], g2 + i * gsz, gsz);
			if (err == -ESRCH)
				goto out;
			if (!err && !gread__decode(&c->l, g2 + i * gsz, gsz, &again) &&
			    same_g(&before, &again))
				break;
		}
		err = 0;
		if (tries == RETRIES) {
			sg->state = SNAPSHOT_G_CHANGED;
			sg->npcs = 0;
		}
	}
	/* Keep the goroutines to show, in allgs order. */
	for (i = k = 0; i < n; i++) {
		if (bases[i] == B_SKIP && s->gs[i].state != SNAPSHOT_G_CHANGED)
			continue;
		s->gs[k] = s->gs[i];
		c->pcs_off[k] = c->pcs_off[i];
		k++;
	}
	s->n = k;
	for (i = 0; i < s->n; i++) {
		struct snapshot_g *sg = &s->gs[i];

		sg->pcs = sg->npcs ? c->pcs + c->pcs_off[i] : NULL;
		if (sg->state == SNAPSHOT_G_CHANGED)
			s->n_changed++;
		else if (sg->state == SNAPSHOT_G_BAD)
			s->n_bad++;
		else
			s->n_consistent++;
	}
out:
	free(gps);
	free(sps);
	big_free(g1, g1_len);
	big_free(g2, g2_len);
	big_free(win, win_len);
	free(ok1);
	free(ok2);
	free(wok);
	free(bases);
	return err;
}

int snapshot__take(struct gobin *b, const struct profile *p, pid_t pid,
		   const struct snapshot_opts *o, struct snapshot **out, char *why, size_t whylen)
{
	struct ctx c = {.b = b, .p = p};
	const struct pclntab *t;
	struct snapshot *s;
	const char *missing = NULL;
	struct timespec t0, t1;
	int err;

	*out = NULL;
	why[0] = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (gread__layout(p, &c.l, &missing)) {
		snprintf(why, whylen, "%s: offset not known for this binary", missing);
		return -ENOENT;
	}
	if (!p->allgs.address) {
		snprintf(why, whylen,
			 "runtime.allgs not found (no symbol table, and the code that uses it "
			 "could not be decoded)");
		return -ENOENT;
	}
	err = gobin__pclntab(b, &t, NULL);
	if (err) {
		snprintf(why, whylen, "pclntab: %s", errors__str(err));
		return err;
	}
	c.no_stacks = o && o->no_stacks;
	c.max_frames = o && o->max_frames && o->max_frames <= SNAPSHOT_MAX_FRAMES ?
			       o->max_frames :
			       SNAPSHOT_MAX_FRAMES;
	err = procmem__open(pid, &c.pm);
	if (err) {
		if (err == -ESRCH)
			snprintf(why, whylen, "no such process");
		else if (err == -EPERM || err == -EACCES)
			snprintf(why, whylen,
				 "not allowed to read its memory (run as root, or as its owner "
				 "where kernel.yama.ptrace_scope allows)");
		else
			snprintf(why, whylen, "cannot read /proc/%d: %s", (int)pid, strerror(-err));
		return err == -EACCES ? -EPERM : err;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		procmem__delete(c.pm);
		return -ENOMEM;
	}
	s->pid = pid;
	if (procmem__load_bias(c.pm, gobin__elf(b), &c.bias)) {
		snprintf(why, whylen, "the binary is not mapped in the process (another program?)");
		err = -ENOEXEC;
		goto out;
	}
	s->bias = c.bias;
	c.text_lo = pclntab__text_start(t) + c.bias;
	c.text_hi = pclntab__max_pc(t) + c.bias;
	err = take(&c, s, why, whylen);
	if (err == -ESRCH)
		snprintf(why, whylen, "the process exited while it was read");
	else if (err == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	if (!err && !s->n_consistent && s->allglen) {
		snprintf(why, whylen, "no goroutine read consistently of %zu in runtime.allgs",
			 s->allglen);
		err = -ERRORS__CORRUPT;
	}
out:
	s->syscalls = procmem__syscalls(c.pm);
	procmem__delete(c.pm);
	free(c.stk);
	free(c.pcs_off);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->read_ms =
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (err) {
		free(c.pcs);
		free(s->gs);
		free(s);
		return err;
	}
	s->pcs_store = c.pcs; /* every gs[i].pcs points into it */
	*out = s;
	return 0;
}

void snapshot__delete(struct snapshot *s)
{
	if (!s)
		return;
	free(s->pcs_store);
	free(s->gs);
	free(s);
}
