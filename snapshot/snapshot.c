// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot: read every goroutine of a live process (see snapshot.h).
 *
 * The goroutines are read in rounds of ROUND, in the order of their g's
 * addresses (allgs's own order, almost): the round's g's, neighbours
 * coalesced into one range since the allocator packs them; the first window
 * of each parked goroutine's stack; the walks; the same g's again. Each step
 * is one batch of process_vm_readv calls (IOV_MAX ranges each) into buffers
 * every round reuses. Walks that leave their window are read again
 * together, with twice the window; only goroutines that changed between the
 * two reads of their g are read one by one.
 *
 * What it costs, at 100k goroutines: the kernel's price per page it pins
 * (about 1 us: each stack window is on a page of its own, so about 100k of
 * them), the bytes (the g's, twice), and our own first touch of each page of
 * memory, which in a VM with shadow page tables costs tens of microseconds
 * per 4 KiB page: the copies go to a few reused buffers, and what must be
 * large (the goroutines, their pcs) to mappings in huge pages. Rounds can be
 * shared by threads (snapshot_opts.workers); each keeps its own buffers and
 * pcs, gathered at the end.
 */
#define _GNU_SOURCE /* mremap */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <pthread.h>
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
#define ROUND 1024	    /* goroutines per round: a round's copies fit in the L2 cache */
#define MERGE_GAP 512	    /* g's nearer than this are read as one range, the gap with them */
#define DEEP_CAP (4u << 20) /* stack bytes of one batch of deeper reads (>= MAX_STACK_READ) */

enum base {
	B_SKIP,	   /* idle, dead: not a goroutine to show */
	B_RUNNING, /* on a thread */
	B_SYSCALL, /* in a syscall: walk from the syscall registers */
	B_PARKED,  /* any other: walk from g.sched */
};

/* A g to read: its address, and its index in allgs (where it is kept). */
struct ent {
	uint64_t addr;
	size_t idx;
};

/* Where a walk starts; leaf: at a function without a frame (see start_regs). */
struct regs {
	uint64_t pc, sp, bp;
	bool leaf;
};

/* One goroutine of the round being read. */
struct slot {
	size_t goff;	   /* its g's copy in gbuf */
	size_t range;	   /* the range (of greq) the copy is in */
	struct regs r;	   /* where its walk starts */
	size_t woff, wlen; /* its stack copy in wbuf (wlen 0: none) */
	size_t want;	   /* the stack bytes its walk asks for next */
	bool ok;	   /* its g was read by the last read */
	bool ok1;	   /* ... by the first read */
	bool walk;	   /* its stack is to be walked */
};

/*
 * Memory in huge pages where the kernel gives them, grown by mremap. The
 * first touch of each 4 KiB page costs tens of microseconds in a VM with
 * shadow page tables (more than the copy into it), and a 100k-goroutine
 * snapshot touches tens of MB: in 2 MiB pages that is a few faults.
 */
struct big {
	uint8_t *p;
	size_t len, used;
	bool heap; /* under a huge page's worth: from the heap (see big_alloc()) */
};

/* What every worker shares: read-only while they run, but for disjoint entries. */
struct ctx {
	struct gobin *b;
	const struct profile *p;
	struct gread_layout l;
	struct procmem *pm;
	uint64_t bias, text_lo, text_hi;
	size_t max_frames;
	bool no_stacks;
	unsigned int workers; /* threads reading (1 to SNAPSHOT_MAX_WORKERS) */
	/* base_of() of each status the profile can name, once. */
	enum base base_tab[PROFILE_MAX_GSTATUS];
	struct snapshot *s;
	struct big gs;	     /* the snapshot's gs */
	struct big pcs;	     /* and every g's pcs, once read */
	const struct ent *e; /* every g to read, in reading order */
	size_t n;
	size_t round;	      /* goroutines per round: ROUND, or fewer when allgs has fewer */
	enum base *bases;     /* by allgs index */
	size_t *pcs_off;      /* by allgs index: the g's pcs in its worker's pcs */
	unsigned char *owner; /* by round: the worker that read it */
	size_t next;	      /* the next round to take (atomic) */
	int failed;	      /* a worker failed: the others stop (atomic) */
};

/* One reader: the rounds it takes, and its copies, reused by each round. */
struct worker {
	struct ctx *c;
	unsigned int id;
	int err;
	size_t n_retried;
	/* The stack copy of one goroutine at a time, grown as walks need. */
	uint8_t *stk;
	size_t stk_cap;
	struct big pcs; /* the pcs of the goroutines it read (used: in bytes) */
	struct big mem; /* what follows */
	struct slot *slots;
	struct procmem_req *greq, *wreq;
	size_t ngreq;
	size_t *pend; /* slots whose walks need more of the stack */
	uint8_t *gbuf, *wbuf, *deep, *one;
	size_t deep_len;
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

static enum base base_fast(const struct ctx *c, uint32_t status)
{
	uint32_t b = status & ~(uint32_t)GSCAN;

	return b < PROFILE_MAX_GSTATUS ? c->base_tab[b] : base_of(c->p, status);
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define HUGE (2u << 20)

static size_t huge_round(size_t len)
{
	return len ? (len + HUGE - 1) & ~(size_t)(HUGE - 1) : HUGE;
}

/*
 * At least len zeroed bytes, cache-line aligned. A huge page's worth or more
 * is a fresh mapping in huge pages; less comes from the heap: a snapshot of
 * a few goroutines (a scrape every second) would otherwise zero whole huge
 * pages it never uses, and its munmap flush every CPU's TLB.
 */
static int big_alloc(struct big *b, size_t len)
{
	void *p;

	b->used = 0;
	b->heap = len < HUGE;
	if (b->heap) {
		b->len = len ? (len + 63) & ~(size_t)63 : 64;
		b->p = aligned_alloc(64, b->len);
		if (!b->p) {
			b->len = 0;
			return -ENOMEM;
		}
		memset(b->p, 0, b->len);
		return 0;
	}
	b->len = huge_round(len);
	p = mmap(NULL, b->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		b->p = NULL;
		b->len = 0;
		return -ENOMEM;
	}
	madvise(p, b->len, MADV_HUGEPAGE);
	b->p = p;
	return 0;
}

/* At least len bytes, the contents kept (the memory may move). */
static int big_grow(struct big *b, size_t len)
{
	size_t nl = b->len ? b->len : HUGE;
	struct big nb;
	void *p;

	if (len <= b->len)
		return 0;
	if (!b->p)
		return big_alloc(b, len);
	while (nl < len)
		nl *= 2;
	if (b->heap) {
		if (big_alloc(&nb, nl))
			return -ENOMEM;
		memcpy(nb.p, b->p, b->used);
		nb.used = b->used;
		free(b->p);
		*b = nb;
		return 0;
	}
	p = mremap(b->p, b->len, nl, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return -ENOMEM;
	madvise(p, nl, MADV_HUGEPAGE);
	b->p = p;
	b->len = nl;
	return 0;
}

/* n zeroed bytes of b, cache-line aligned, in the order asked (b is one bump arena). */
static void *big_take(struct big *b, size_t n)
{
	void *p;

	n = (n + 63) & ~(size_t)63;
	if (!b->p || n > b->len - b->used)
		return NULL;
	p = b->p + b->used;
	b->used += n;
	return p;
}

static void big_free(struct big *b)
{
	if (b->p && b->heap)
		free(b->p);
	else if (b->p)
		munmap(b->p, b->len);
	b->p = NULL;
	b->len = b->used = 0;
}

static bool same_g(const struct gread_g *a, const struct gread_g *b)
{
	return a->goid == b->goid && a->status == b->status && a->sched_sp == b->sched_sp &&
	       a->sched_pc == b->sched_pc && a->sched_bp == b->sched_bp &&
	       a->syscallsp == b->syscallsp && a->syscallpc == b->syscallpc &&
	       a->stack_lo == b->stack_lo && a->stack_hi == b->stack_hi;
}

/* The SP delta of the function at process pc (its frame size there), or -1. */
static int64_t frame_at(const struct ctx *c, uint64_t pc)
{
	struct gobin_func f;
	int64_t d;

	if (gobin__find_pc(c->b, pc - c->bias, &f) ||
	    gobin__sp_delta(c->b, f.entry, pc - c->bias, &d) || d < 0 || d >= (1 << 20))
		return -1;
	return d;
}

/* Where the walk starts: g.sched, or the syscall registers for a goroutine in a syscall. */
static void start_regs(const struct ctx *c, const struct gread_g *g, enum base b, struct regs *r,
		       bool *sys)
{
	*sys = b == B_SYSCALL && g->syscallsp;
	r->leaf = false;
	if (*sys) {
		int64_t d;

		r->pc = g->syscallpc;
		r->sp = g->syscallsp;
		r->bp = c->l.syscallbp >= 0 ? g->syscallbp : 0;
		if (r->bp)
			return;
		/*
		 * Before go1.23 the runtime keeps no frame pointer for the syscall:
		 * the function at syscallpc saved its caller's BP just below its
		 * return address, d - 8 above sp by its pcsp table (Go's prologue:
		 * SUBQ $d, SP; MOVQ BP, d-8(SP); LEAQ d-8(SP), BP). A function
		 * without a frame (go1.17's assembly syscall.Syscall) saved none:
		 * its return address is at sp, and the walk finds its caller's
		 * frame from there (walk_copy).
		 */
		d = frame_at(c, r->pc);
		if (d >= 8)
			r->bp = r->sp + (uint64_t)d - 8;
		else if (!d && c->max_frames > 1)
			r->leaf = true;
	} else {
		r->pc = g->sched_pc;
		r->sp = g->sched_sp;
		r->bp = g->sched_bp;
	}
}

static bool sane_stack(const struct gread_g *g, uint64_t sp)
{
	return g->stack_lo < g->stack_hi && g->stack_hi - g->stack_lo <= MAX_STACK &&
	       sp >= g->stack_lo && sp <= g->stack_hi && !(sp & 7);
}

static int push_pcs(struct worker *w, const uint64_t *pcs, size_t n)
{
	uint64_t *v;

	if (big_grow(&w->pcs, w->pcs.used + n * sizeof(*v)))
		return -ENOMEM;
	v = (uint64_t *)(w->pcs.p + w->pcs.used);
	for (size_t i = 0; i < n; i++)
		v[i] = pcs[i] - w->c->bias;
	w->pcs.used += n * sizeof(*v);
	return 0;
}

/*
 * Where sg's walk starts, into *r: false (and sg BAD) when its
 * stack bounds or start cannot be walked.
 */
static bool walk_start(struct ctx *c, struct snapshot_g *sg, enum base b, struct regs *r)
{
	bool sys;

	start_regs(c, &sg->g, b, r, &sys);
	sg->from_syscall = sys;
	if (!sane_stack(&sg->g, r->sp) || !r->pc) {
		sg->state = SNAPSHOT_G_BAD;
		sg->npcs = 0;
		return false;
	}
	return true;
}

/*
 * Walk sg (allgs index idx) over the copy buf of its stack [sp, sp + len).
 * Returns 0 when done (sg's pcs and end set), -EAGAIN when the walk needs
 * more of the stack (*want: the bytes from sp to read, doubling), -ENOMEM.
 */
static int walk_copy(struct worker *w, struct snapshot_g *sg, size_t idx, const struct regs *start,
		     const uint8_t *buf, size_t len, size_t *want)
{
	struct ctx *c = w->c;
	uint64_t pcs[SNAPSHOT_MAX_FRAMES + 1], need, sp = start->sp;
	struct unwind_stack st = {.buf = buf,
				  .len = buf ? len : 0,
				  .base = sp,
				  .lo = sg->g.stack_lo,
				  .hi = sg->g.stack_hi};
	struct regs r = *start;
	size_t n = 0, first = 0, sz;
	int64_t d;
	int err;

	if (r.leaf) {
		/*
		 * The frameless function's return address, at sp; its caller's
		 * frame record is where the caller's own SP delta puts it (the
		 * caller's SP is sp + 8, past the return address).
		 */
		uint64_t ret;

		if (st.len < 8) {
			sz = sg->g.stack_hi - sp < WINDOW ? sg->g.stack_hi - sp : WINDOW;
			if (sz >= 8) {
				*want = sz;
				return -EAGAIN;
			}
			pcs[n++] = r.pc;
			sg->end = UNWIND_END_BAD_FP;
			goto done;
		}
		ret = rd__le64(st.buf);
		d = ret >= c->text_lo && ret < c->text_hi ? frame_at(c, ret) : -1;
		pcs[first++] = r.pc;
		if (d < 8) {
			n = first;
			sg->end = d < 0 ? UNWIND_END_BAD_PC : UNWIND_END_BAD_FP;
			goto done;
		}
		r.pc = ret;
		r.sp = sp + 8;
		r.bp = r.sp + (uint64_t)d - 8;
	}
	err = unwind__fp(&st, r.pc, r.sp, r.bp, c->text_lo, c->text_hi, pcs + first,
			 c->max_frames - first, &n, &sg->end, &need);
	n += first;
	if (err == -EAGAIN) {
		/* [sp, need) at least, doubling, within the stack and the cap. */
		sz = st.len * 2 > need - sp ? st.len * 2 : need - sp;
		if (sz < WINDOW)
			sz = WINDOW;
		if (sz > sg->g.stack_hi - sp)
			sz = sg->g.stack_hi - sp;
		if (sz <= MAX_STACK_READ && sz >= need - sp) {
			*want = sz;
			return -EAGAIN;
		}
		sg->end = UNWIND_END_BAD_FP;
		err = 0;
	}
	if (err)
		return err;
done:
	c->pcs_off[idx] = w->pcs.used / sizeof(uint64_t);
	sg->npcs = n;
	sg->state = SNAPSHOT_G_OK;
	return push_pcs(w, pcs, n);
}

/*
 * Walk one goroutine alone, reading its stack one range at a time as the
 * walk needs (a goroutine read again, or whose window could not be read).
 * Returns 0, -ESRCH, -ENOMEM.
 */
static int walk_alone(struct worker *w, struct snapshot_g *sg, size_t idx, enum base b)
{
	struct ctx *c = w->c;
	const uint8_t *buf = NULL;
	size_t len = 0, want;
	struct regs r;
	int err;

	if (!walk_start(c, sg, b, &r))
		return 0;
	for (;;) {
		err = walk_copy(w, sg, idx, &r, buf, len, &want);
		if (err != -EAGAIN)
			return err;
		if (want > w->stk_cap) {
			uint8_t *nb = realloc(w->stk, want);

			if (!nb)
				return -ENOMEM;
			w->stk = nb;
			w->stk_cap = want;
		}
		err = procmem__read(c->pm, r.sp, w->stk, want);
		if (err == -ESRCH)
			return err;
		if (err) {
			sg->state = SNAPSHOT_G_BAD;
			sg->npcs = 0;
			return 0;
		}
		buf = w->stk;
		len = want;
	}
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

static int cmp_ent(const void *x, const void *y)
{
	const struct ent *a = x, *b = y;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/*
 * The ranges that read the round's k g's (in address order, mostly): a g
 * above the range before it, nearer than MERGE_GAP to its end and in the
 * same mapping, joins that range, and the gap is copied with it. Each slot
 * gets where its copy is.
 */
static void plan_gs(struct worker *w, const struct ent *e, size_t k)
{
	struct ctx *c = w->c;
	size_t gsz = c->l.size, off = 0, nr = 0;

	for (size_t j = 0; j < k; j++) {
		struct procmem_req *r = nr ? &w->greq[nr - 1] : NULL;
		uint64_t a = e[j].addr;

		if (r && a >= r->addr && a - r->addr <= r->len + MERGE_GAP &&
		    procmem__mapped(c->pm, r->addr, a + gsz - r->addr, true)) {
			size_t end = (size_t)(a - r->addr) + gsz;

			if (end > r->len) {
				off += end - r->len;
				r->len = end;
			}
		} else {
			r = &w->greq[nr++];
			*r = (struct procmem_req){.addr = a, .len = gsz, .dst = w->gbuf + off};
			off += gsz;
		}
		w->slots[j].range = nr - 1;
		w->slots[j].goff = (size_t)((uint8_t *)r->dst - w->gbuf) + (size_t)(a - r->addr);
	}
	w->ngreq = nr;
}

/*
 * Read the round's g's by the planned ranges; each slot's ok says whether
 * its g was read. A range of several g's that failed is read again g by g:
 * one freed g must not cost its neighbours. 0 or -ESRCH.
 */
static int read_gs(struct worker *w, const struct ent *e, size_t k)
{
	struct ctx *c = w->c;
	size_t gsz = c->l.size;

	if (procmem__readv(c->pm, w->greq, w->ngreq) < 0)
		return -ESRCH;
	for (size_t j = 0; j < k; j++) {
		struct slot *sl = &w->slots[j];
		const struct procmem_req *r = &w->greq[sl->range];
		int err;

		sl->ok = r->ok;
		if (r->ok || r->len == gsz)
			continue;
		err = procmem__read(c->pm, e[j].addr, w->gbuf + sl->goff, gsz);
		if (err == -ESRCH)
			return err;
		sl->ok = !err;
	}
	return 0;
}

/*
 * The walks of slots pend[0..np) need more of their stacks: read them in
 * batches of at most DEEP_CAP bytes, walk again, until every walk is done.
 * Returns 0, -ESRCH, -ENOMEM.
 */
static int walk_deeper(struct worker *w, struct snapshot *s, const struct ent *e, size_t np)
{
	struct ctx *c = w->c;
	while (np) {
		size_t nr = 0, off = 0, keep = 0, i;
		int err;

		/* One want is at most MAX_STACK_READ <= DEEP_CAP: each batch takes one at least. */
		while (nr < np && (!nr || off + w->slots[w->pend[nr]].want <= DEEP_CAP))
			off += w->slots[w->pend[nr++]].want;
		if (off > w->deep_len) {
			uint8_t *nb = realloc(w->deep, off);

			if (!nb)
				return -ENOMEM;
			w->deep = nb;
			w->deep_len = off;
		}
		for (i = 0, off = 0; i < nr; i++) {
			const struct slot *sl = &w->slots[w->pend[i]];

			w->wreq[i] = (struct procmem_req){
				.addr = sl->r.sp, .len = sl->want, .dst = w->deep + off};
			off += sl->want;
		}
		if (procmem__readv(c->pm, w->wreq, nr) < 0)
			return -ESRCH;
		for (i = 0; i < nr; i++) {
			size_t j = w->pend[i];
			struct slot *sl = &w->slots[j];
			struct snapshot_g *sg = &s->gs[e[j].idx];

			if (!w->wreq[i].ok) {
				sg->state = SNAPSHOT_G_BAD;
				sg->npcs = 0;
				continue;
			}
			err = walk_copy(w, sg, e[j].idx, &sl->r, w->wreq[i].dst, w->wreq[i].len,
					&sl->want);
			if (err == -EAGAIN)
				w->pend[keep++] = j; /* keep <= i: pend is compacted in place */
			else if (err)
				return err;
		}
		memmove(w->pend + keep, w->pend + nr, (np - nr) * sizeof(*w->pend));
		np = keep + np - nr;
	}
	return 0;
}

/*
 * sg changed between the two reads of its g (or a read failed): read it
 * again alone, its g, its stack, its g again, RETRIES times at most, and
 * otherwise report it changed. Returns 0, -ESRCH, -ENOMEM.
 */
static int reread(struct worker *w, struct snapshot_g *sg, size_t idx, enum base *bases)
{
	struct ctx *c = w->c;
	size_t gsz = c->l.size;
	struct gread_g before, again;
	int err;

	for (int tries = 0; tries < RETRIES; tries++) {
		w->n_retried++;
		err = procmem__read(c->pm, sg->addr, w->one, gsz);
		if (err == -ESRCH)
			return err;
		if (err || gread__decode(&c->l, w->one, gsz, &before))
			continue;
		bases[idx] = base_fast(c, before.status);
		sg->g = before;
		sg->npcs = 0;
		if (bases[idx] == B_SKIP || bases[idx] == B_RUNNING) {
			sg->state = bases[idx] == B_RUNNING ? SNAPSHOT_G_RUNNING : SNAPSHOT_G_OK;
		} else {
			sg->state = SNAPSHOT_G_OK;
			err = c->no_stacks ? 0 : walk_alone(w, sg, idx, bases[idx]);
			if (err)
				return err;
		}
		err = procmem__read(c->pm, sg->addr, w->one, gsz);
		if (err == -ESRCH)
			return err;
		if (!err && !gread__decode(&c->l, w->one, gsz, &again) && same_g(&before, &again))
			return 0;
	}
	sg->state = SNAPSHOT_G_CHANGED;
	sg->npcs = 0;
	return 0;
}

/*
 * One round: the k g's at e (in address order), the first window of each
 * parked goroutine's stack, the walks, the g's again. Returns 0, -ESRCH,
 * -ENOMEM.
 */
static int read_round(struct worker *w, struct snapshot *s, const struct ent *e, size_t k,
		      enum base *bases)
{
	struct ctx *c = w->c;
	size_t gsz = c->l.size, nw = 0, np = 0, woff = 0, wi = 0, j;
	int err;

	plan_gs(w, e, k);
	err = read_gs(w, e, k);
	if (err)
		return err;
	for (j = 0; j < k; j++) {
		struct slot *sl = &w->slots[j];
		struct snapshot_g *sg = &s->gs[e[j].idx];
		enum base b;
		size_t len;

		sl->ok1 = sl->ok;
		sl->walk = false;
		sl->wlen = 0;
		sg->addr = e[j].addr;
		if (!sl->ok1 || gread__decode(&c->l, w->gbuf + sl->goff, gsz, &sg->g)) {
			sl->ok1 = false;
			sg->state = SNAPSHOT_G_CHANGED; /* freed or unmapped under us */
			continue;
		}
		b = bases[e[j].idx] = base_fast(c, sg->g.status);
		if (b == B_SKIP)
			continue;
		if (b == B_RUNNING) {
			sg->state = SNAPSHOT_G_RUNNING;
			continue;
		}
		if (c->no_stacks) {
			sg->state = SNAPSHOT_G_OK;
			continue;
		}
		if (!walk_start(c, sg, b, &sl->r))
			continue;
		sl->walk = true;
		/* The window is clipped to the stack's top by reading less. */
		len = sg->g.stack_hi - sl->r.sp < WINDOW ? sg->g.stack_hi - sl->r.sp : WINDOW;
		if (len < 16)
			continue; /* no frame record fits: the walk needs no bytes */
		w->wreq[nw++] =
			(struct procmem_req){.addr = sl->r.sp, .len = len, .dst = w->wbuf + woff};
		sl->woff = woff;
		sl->wlen = len;
		woff += len;
	}
	if (nw && procmem__readv(c->pm, w->wreq, nw) < 0)
		return -ESRCH;
	for (j = 0; j < k; j++) {
		struct slot *sl = &w->slots[j];
		struct snapshot_g *sg = &s->gs[e[j].idx];

		if (!sl->walk)
			continue;
		if (sl->wlen && !w->wreq[wi++].ok)
			err = walk_alone(w, sg, e[j].idx, bases[e[j].idx]);
		else
			err = walk_copy(w, sg, e[j].idx, &sl->r,
					sl->wlen ? w->wbuf + sl->woff : NULL, sl->wlen, &sl->want);
		if (err == -EAGAIN)
			w->pend[np++] = j;
		else if (err)
			return err;
	}
	err = walk_deeper(w, s, e, np);
	if (err)
		return err;
	/* The second read: what changed meanwhile is read again, alone. */
	err = read_gs(w, e, k);
	if (err)
		return err;
	for (j = 0; j < k; j++) {
		const struct slot *sl = &w->slots[j];
		struct snapshot_g *sg = &s->gs[e[j].idx];
		struct gread_g again;

		if (bases[e[j].idx] == B_SKIP && sl->ok1)
			continue;
		if (sl->ok && !gread__decode(&c->l, w->gbuf + sl->goff, gsz, &again) &&
		    same_g(&sg->g, &again))
			continue;
		err = reread(w, sg, e[j].idx, bases);
		if (err)
			return err;
	}
	return 0;
}

/* A worker's copies: 0 or -ENOMEM. */
static int worker_init(struct worker *w, struct ctx *c, unsigned int id)
{
	size_t gsz = c->l.size;

	*w = (struct worker){.c = c, .id = id};
	size_t r = c->round;

	if (big_alloc(&w->mem, r * (sizeof(*w->slots) + 2 * sizeof(*w->greq) + sizeof(*w->pend) +
				    gsz + MERGE_GAP + WINDOW) +
				       gsz + 8 * 64))
		return -ENOMEM;
	w->slots = big_take(&w->mem, r * sizeof(*w->slots));
	w->greq = big_take(&w->mem, r * sizeof(*w->greq));
	w->wreq = big_take(&w->mem, r * sizeof(*w->wreq));
	w->pend = big_take(&w->mem, r * sizeof(*w->pend));
	w->gbuf = big_take(&w->mem, r * (gsz + MERGE_GAP));
	w->wbuf = big_take(&w->mem, r * (size_t)WINDOW);
	w->one = big_take(&w->mem, gsz);
	return w->one ? 0 : -ENOMEM; /* the last: every one before it was taken */
}

static void worker_fini(struct worker *w)
{
	big_free(&w->mem);
	big_free(&w->pcs);
	free(w->stk);
	free(w->deep);
}

/* Take rounds until none is left or a worker failed (w->err). */
static void *work(void *arg)
{
	struct worker *w = arg;
	struct ctx *c = w->c;

	for (;;) {
		size_t r = __atomic_fetch_add(&c->next, 1, __ATOMIC_RELAXED), at = r * ROUND;

		if (at >= c->n || __atomic_load_n(&c->failed, __ATOMIC_RELAXED))
			break;
		c->owner[r] = (unsigned char)w->id;
		w->err = read_round(w, c->s, c->e + at, c->n - at < ROUND ? c->n - at : ROUND,
				    c->bases);
		if (w->err) {
			__atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	return NULL;
}

/*
 * Run the rounds on c->workers threads (this one and the rest; fewer
 * when a thread cannot be made), then gather their pcs into the first
 * worker's. Returns 0, -ESRCH, -ENOMEM.
 */
static int read_rounds(struct ctx *c, struct worker *ws)
{
	pthread_t th[SNAPSHOT_MAX_WORKERS];
	bool started[SNAPSHOT_MAX_WORKERS] = {false};
	size_t nr = (c->n + ROUND - 1) / ROUND;
	int err = 0;

	for (unsigned int i = 1; i < c->workers && nr > 1; i++)
		started[i] = !pthread_create(&th[i], NULL, work, &ws[i]);
	work(&ws[0]);
	for (unsigned int i = 1; i < c->workers; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	for (unsigned int i = 0; i < c->workers && !err; i++)
		err = ws[i].err;
	for (unsigned int i = 1; i < c->workers && !err; i++) {
		size_t base = ws[0].pcs.used / sizeof(uint64_t);

		if (!ws[i].pcs.used)
			continue;
		if (big_grow(&ws[0].pcs, ws[0].pcs.used + ws[i].pcs.used))
			return -ENOMEM;
		memcpy(ws[0].pcs.p + ws[0].pcs.used, ws[i].pcs.p, ws[i].pcs.used);
		ws[0].pcs.used += ws[i].pcs.used;
		for (size_t r = 0; r < nr; r++) {
			size_t at = r * ROUND, end = c->n - at < ROUND ? c->n : at + ROUND;

			if (c->owner[r] != i)
				continue;
			for (size_t j = at; j < end; j++)
				c->pcs_off[c->e[j].idx] += base;
		}
	}
	for (unsigned int i = 0; i < c->workers; i++)
		c->s->n_retried += ws[i].n_retried;
	return err;
}

static int take(struct ctx *c, struct snapshot *s, char *why, size_t whylen)
{
	struct worker ws[SNAPSHOT_MAX_WORKERS];
	struct big tmp = {0};
	uint64_t ptr, *gps;
	struct ent *e;
	size_t n, i, k, gsz = c->l.size, descents = 0, nw = 0;
	int err;

	err = read_allgs(c, &ptr, &n, why, whylen);
	if (err)
		return err;
	s->allglen = n;
	c->s = s;
	/* A round never holds more goroutines than allgs has. */
	c->round = n < ROUND ? n + 1 : ROUND;
	/* Everything but the result in one mapping, freed at the end. */
	if (big_alloc(&tmp, (n + 1) * (sizeof(*gps) + sizeof(*e) + sizeof(*c->bases) +
				       sizeof(*c->pcs_off) + 1) +
				    5 * 64) ||
	    big_alloc(&c->gs, (n + 1) * sizeof(*s->gs))) {
		err = -ENOMEM;
		goto out;
	}
	s->gs = (struct snapshot_g *)c->gs.p;
	gps = big_take(&tmp, (n + 1) * sizeof(*gps));
	e = big_take(&tmp, (n + 1) * sizeof(*e));
	c->bases = big_take(&tmp, (n + 1) * sizeof(*c->bases));
	c->pcs_off = big_take(&tmp, (n + 1) * sizeof(*c->pcs_off));
	c->owner = big_take(&tmp, n / ROUND + 1);
	for (; nw < c->workers; nw++) {
		err = worker_init(&ws[nw], c, nw);
		if (err) {
			worker_fini(&ws[nw]);
			goto out;
		}
	}
	err = read_ptrs(c, ptr, n, gps);
	if (err) {
		if (err != -ESRCH)
			snprintf(why, whylen, "runtime.allgs's array at 0x%llx is not readable",
				 (unsigned long long)ptr);
		goto out;
	}
	/* Only pointers into writable memory are read as a g; kept in allgs order. */
	for (i = k = 0; i < n; i++) {
		if (gps[i] && !(gps[i] & 7) && procmem__mapped(c->pm, gps[i], gsz, true)) {
			e[k] = (struct ent){.addr = gps[i], .idx = k};
			descents += k && gps[i] < e[k - 1].addr;
			k++;
		} else {
			s->n_unreadable++;
		}
	}
	n = k;
	/*
	 * Read in address order, so that neighbours are read together. allgs
	 * is in the order the g's were allocated, so it is in address order
	 * but for a few descents, each of which costs only one more range: a
	 * sort (tens of ms at 100k) only pays when it is not.
	 */
	if (descents > n / 16)
		qsort(e, n, sizeof(*e), cmp_ent);
	c->e = e;
	c->n = n;
	s->now_ns = monotonic_ns();
	err = read_rounds(c, ws);
	if (err)
		goto out;
	/* Keep the goroutines to show, in allgs order. */
	for (i = k = 0; i < n; i++) {
		if (c->bases[i] == B_SKIP && s->gs[i].state != SNAPSHOT_G_CHANGED)
			continue;
		s->gs[k] = s->gs[i];
		c->pcs_off[k] = c->pcs_off[i];
		k++;
	}
	s->n = k;
	for (i = 0; i < s->n; i++) {
		struct snapshot_g *sg = &s->gs[i];

		sg->pcs = sg->npcs ? (const uint64_t *)ws[0].pcs.p + c->pcs_off[i] : NULL;
		if (sg->state == SNAPSHOT_G_CHANGED)
			s->n_changed++;
		else if (sg->state == SNAPSHOT_G_BAD)
			s->n_bad++;
		else
			s->n_consistent++;
	}
	/* The result keeps the first worker's pcs. */
	c->pcs = ws[0].pcs;
	ws[0].pcs = (struct big){0};
out:
	for (i = 0; i < nw; i++)
		worker_fini(&ws[i]);
	big_free(&tmp);
	c->bases = NULL;
	c->pcs_off = NULL;
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
	c.workers = o && o->workers ? o->workers : 1;
	if (c.workers > SNAPSHOT_MAX_WORKERS)
		c.workers = SNAPSHOT_MAX_WORKERS;
	for (int st = 0; st < PROFILE_MAX_GSTATUS; st++)
		c.base_tab[st] = base_of(p, (uint32_t)st);
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
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->read_ms =
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (err) {
		big_free(&c.pcs);
		big_free(&c.gs);
		free(s);
		return err;
	}
	/* Every gs[i].pcs points into the pcs mapping. */
	s->mem[0] = c.gs.p;
	s->mem_len[0] = c.gs.len;
	s->mem_heap[0] = c.gs.heap;
	s->mem[1] = c.pcs.p;
	s->mem_len[1] = c.pcs.len;
	s->mem_heap[1] = c.pcs.heap;
	*out = s;
	return 0;
}

void snapshot__delete(struct snapshot *s)
{
	if (!s)
		return;
	for (int i = 0; i < 2; i++) {
		struct big b = {.p = s->mem[i], .len = s->mem_len[i], .heap = s->mem_heap[i]};

		big_free(&b);
	}
	free(s);
}
