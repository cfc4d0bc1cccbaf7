// SPDX-License-Identifier: GPL-2.0
/*
 * goroutine.bpf.c: a uprobe on runtime.casgstatus(gp, oldval, newval) that
 * records every goroutine state switch of the traced Go program, and one on
 * runtime.newproc that remembers which goroutine is creating one.
 *
 * Where the arguments are and where fields live in runtime.g differ between Go
 * versions, so they are read-only globals the loader sets before load (from a
 * profile, or the go1.17 default in goroutine.h); the verifier then sees them
 * as constants and drops the branches that do not apply. Only entry probes:
 * a uretprobe on Go code breaks when the runtime moves the goroutine's stack.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "goroutine.h"
#include "goroutine_account.h"

/*
 * One target's values in read-only data, when the loader does not use attach
 * cookies (config_from_cookie 0): the verifier sees them as constants and
 * drops the branches that do not apply. The go1.17 default until written.
 */
const volatile struct goroutine_config target_config = {
	.goid_offset = GOROUTINE_DEFAULT_GOID_OFFSET,
	.waitreason_offset = -1,
	.parent_goid_offset = -1,
	.gopc_offset = -1,
	.startpc_offset = -1,
	.abi = GOROUTINE_DEFAULT_ABI,
	.stack_args_offset = 8,
};
/* Each target's values in the config map, found by the uprobe's attach cookie. */
const volatile __u32 config_from_cookie = 0;
/* Session-wide modes. */
const volatile __u32 count_only = 0;
const volatile __u32 summary_mode = 0;
/* --summary of processes followed: each one's share in procsum too. */
const volatile __u32 per_process = 0;

#define RINGBUF_BYTES (8 * 1024 * 1024)
/* Wake the loader once a quarter of the ring is used, not for every event. */
const volatile __u64 wakeup_bytes = RINGBUF_BYTES / 4;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GOROUTINE_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/*
 * Per goroutine (see struct goroutine_gentry): with --summary where each one
 * is, since when, and its own time per state, read by the loader (mapped)
 * for the live counts, the per-goroutine table and the leak candidates; when
 * streaming events, the goids already read, so each is read once.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GOROUTINE_GSLOTS);
	__type(key, __u32);
	__type(value, struct goroutine_gentry);
	__uint(map_flags, BPF_F_MMAPABLE);
} gstate SEC(".maps");

/* --summary: one aggregate per target (a Go version's wait reasons are its own). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GOROUTINE_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct goroutine_summary);
} summary SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GOROUTINE_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct goroutine_config);
} config SEC(".maps");

/* Distinct blocking stacks by id (struct goroutine_stack): read by user space to symbolize. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, GOROUTINE_STACKS_MAX);
	__type(key, __u64);
	__type(value, struct goroutine_stack);
} stacks SEC(".maps");

/* Where a stack is built before it is hashed (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct goroutine_stack);
} stack_scratch SEC(".maps");

/* --summary, following: each process's share (struct goroutine_procsum). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, GOROUTINE_PROCS_MAX);
	__type(key, __u32);
	__type(value, struct goroutine_procsum);
} procsum SEC(".maps");

/* --summary: blocking time by (target, wait reason, stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, GOROUTINE_BLOCKING_MAX);
	__type(key, struct goroutine_bkey);
	__type(value, struct goroutine_bval);
} blocking SEC(".maps");

/* Thread id -> goid of the goroutine inside runtime.newproc on that thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} creator SEC(".maps");

/*
 * Go's register ABI: the first integer arguments in AX, BX, CX on amd64 (X0-X2
 * on arm64), the current g in R14 (R28 on arm64), a closure's context in DX
 * (R26).
 */
#if defined(__TARGET_ARCH_x86)
#define GO_PARM1(x) ((x)->rax)
#define GO_PARM2(x) ((x)->rbx)
#define GO_PARM3(x) ((x)->rcx)
#define GO_G(x) ((x)->r14)
#define GO_SP(x) ((x)->rsp)
#define GO_IP(x) ((x)->rip)
#define GO_FP(x) ((x)->rbp)
#define GO_CLOSURE(x) ((x)->rdx)
#elif defined(__TARGET_ARCH_arm64)
#define GO_PARM1(x) PT_REGS_PARM1(x)
#define GO_PARM2(x) PT_REGS_PARM2(x)
#define GO_PARM3(x) PT_REGS_PARM3(x)
#define GO_G(x) (((const struct user_pt_regs *)(x))->regs[28])
#define GO_SP(x) PT_REGS_SP(x)
#define GO_IP(x) PT_REGS_IP(x)
#define GO_FP(x) PT_REGS_FP(x)
#define GO_CLOSURE(x) (((const struct user_pt_regs *)(x))->regs[26])
#else
#error "unsupported architecture"
#endif

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		(*c)++;
}

/*
 * The probe's target and its values: from read-only data (one target), or
 * the config map entry named by the attach cookie. NULL for a cookie with no
 * entry (never written: the loader writes it before attaching).
 */
static __always_inline const struct goroutine_config *target_of(struct pt_regs *ctx, __u32 *target)
{
	if (!config_from_cookie) {
		*target = 0;
		return (const struct goroutine_config *)&target_config;
	}
	*target = (__u32)bpf_get_attach_cookie(ctx);
	return bpf_map_lookup_elem(&config, target);
}

static __always_inline int read_args(const struct goroutine_config *cfg, struct pt_regs *ctx,
				     __u64 *gp, __u32 *oldval, __u32 *newval)
{
	if (cfg->abi == GOROUTINE_ABI_REGISTER) {
		*gp = GO_PARM1(ctx);
		*oldval = GO_PARM2(ctx);
		*newval = GO_PARM3(ctx);
		return 0;
	}
	struct {
		__u64 gp;
		__u32 oldval, newval;
	} args;
	if (bpf_probe_read_user(&args, sizeof(args), (void *)(GO_SP(ctx) + cfg->stack_args_offset)))
		return -1;
	*gp = args.gp;
	*oldval = args.oldval;
	*newval = args.newval;
	return 0;
}

/* g.goid, the one read of it: 0, or -1 when the target's memory cannot be read. */
static __always_inline int read_goid(const struct goroutine_config *cfg, __u64 gp, __u64 *goid)
{
	return bpf_probe_read_user(goid, sizeof(*goid), (void *)(gp + cfg->goid_offset)) ? -1 : 0;
}

/* The creating goroutine's goid at casgstatus(newg, _Gdead, _Grunnable). */
static __always_inline int read_parent(const struct goroutine_config *cfg, __u64 gp, __u32 tid,
				       __u64 *parent)
{
	if (cfg->parent_goid_offset >= 0)
		return bpf_probe_read_user(parent, sizeof(*parent),
					   (void *)(gp + cfg->parent_goid_offset));
	if (cfg->abi == GOROUTINE_ABI_REGISTER) {
		__u64 *p = bpf_map_lookup_elem(&creator, &tid);

		if (p) {
			*parent = *p;
			bpf_map_delete_elem(&creator, &tid);
			return 0;
		}
	}
	return -1;
}

/*
 * A new goroutine's g.gopc and g.startpc (newproc1 sets both before making
 * it runnable), less the load bias: 0 when both were read.
 */
static __always_inline int read_site(const struct goroutine_config *cfg, __u64 gp, __u64 bias,
				     __u64 *gopc, __u64 *startpc)
{
	*gopc = 0;
	*startpc = 0;
	if (cfg->gopc_offset < 0 || cfg->startpc_offset < 0 ||
	    bpf_probe_read_user(gopc, sizeof(*gopc), (void *)(gp + cfg->gopc_offset)) ||
	    bpf_probe_read_user(startpc, sizeof(*startpc), (void *)(gp + cfg->startpc_offset)))
		return -1;
	*gopc -= bias;
	*startpc -= bias;
	return 0;
}

/* g.waitreason: 0 when it cannot be read (flag not set), else with GOROUTINE_G_HAS_REASON. */
static __always_inline __u8 read_waitreason(const struct goroutine_config *cfg, __u64 gp,
					    __u8 *flags, __u8 flag)
{
	__u8 wr = 0;

	if (cfg->reason_override) {
		*flags |= flag;
		return cfg->reason_override & 0xff;
	}
	if (cfg->waitreason_offset >= 0 &&
	    !bpf_probe_read_user(&wr, 1, (void *)(gp + cfg->waitreason_offset)))
		*flags |= flag;
	return wr;
}

/*
 * Where a goroutine entering a syscall was: the pc and frame pointer of the
 * syscall's caller (the function that called entersyscall). regs: go1.26+
 * reentersyscall's arguments (pc, sp, bp) at its entry, else NULL: at
 * casgstatus(gp, _Grunning, _Gsyscall) reentersyscall has set g.syscallpc
 * and g.syscallsp, and go1.23+ g.syscallbp. Before go1.23 the frame pointer
 * is found from the live one: reentersyscall runs on the goroutine's own
 * stack, and casgstatus's, reentersyscall's and entersyscall's frames all lie
 * below syscallsp; the first frame pointer at or above it is the caller's.
 */
static __always_inline int syscall_start(const struct goroutine_config *cfg, struct pt_regs *ctx,
					 __u64 gp, const __u64 *regs, __u64 *pc, __u64 *bp)
{
	__u64 sp, fp, next;
	int i;

	if (regs) {
		*pc = regs[0];
		*bp = regs[2];
		return 0;
	}
	if (bpf_probe_read_user(pc, sizeof(*pc), (void *)(gp + cfg->syscallpc_offset)) ||
	    bpf_probe_read_user(&sp, sizeof(sp), (void *)(gp + cfg->syscallsp_offset)))
		return -1;
	if (cfg->syscallbp_offset >= 0)
		return bpf_probe_read_user(bp, sizeof(*bp), (void *)(gp + cfg->syscallbp_offset));
	fp = GO_FP(ctx);
	for (i = 0; i < 4 && fp < sp; i++) {
		if (fp & 7 || bpf_probe_read_user(&next, sizeof(next), (void *)fp) || next <= fp)
			return -1;
		fp = next;
	}
	if (fp < sp)
		return -1;
	*bp = fp;
	return 0;
}

/*
 * The goroutine's own stack where it blocks, yields or enters a syscall
 * (from state o to n), into the stacks map; its id, or 0 when it cannot be
 * had. At casgstatus(gp, _Grunning, _Gwaiting) the goroutine has parked
 * through mcall, which saved its pc (in gopark), sp and frame pointer in
 * g.sched; so has one going _Grunning -> _Grunnable (Gosched, preempted:
 * gosched_m, gopreempt_m, through asyncPreempt's frame when preempted by a
 * signal); into _Gsyscall, see syscall_start. Each frame pointer then holds the
 * caller's frame pointer and, above it, the return address. Every frame
 * pointer must be aligned, rise, and stay inside g.stack; a walk that stops
 * otherwise, or at the depth limit, is kept marked truncated, never
 * continued by a guess.
 */
static __always_inline __u64 capture_stack(const struct goroutine_config *cfg, struct pt_regs *ctx,
					   __u64 gp, __u32 o_state, __u32 n_state,
					   const __u64 *regs, __u64 bias)
{
	__u32 zero = 0, i, n = 1, flags = 0;
	struct goroutine_stack *st;
	__u64 pc, bp, lo_hi[2], frame[2], h;

	if (!cfg->stacks)
		return 0;
	if (n_state == GOROUTINE_SYSCALL) {
		if (!cfg->syscall_stacks || syscall_start(cfg, ctx, gp, regs, &pc, &bp))
			return 0;
	} else if (!(n_state == GOROUTINE_WAITING ||
		     (n_state == GOROUTINE_RUNNABLE && o_state == GOROUTINE_RUNNING)) ||
		   bpf_probe_read_user(&pc, sizeof(pc), (void *)(gp + cfg->sched_pc_offset)) ||
		   bpf_probe_read_user(&bp, sizeof(bp), (void *)(gp + cfg->sched_bp_offset))) {
		return 0;
	}
	st = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!st || bpf_probe_read_user(lo_hi, sizeof(lo_hi), (void *)(gp + cfg->stack_lo_offset)) ||
	    !pc)
		return 0;
	st->pcs[0] = pc - bias;
	for (i = 1; i < GOROUTINE_STACK_DEPTH; i++) {
		/* The outermost frame's pointer is 0: the walk's natural end. */
		if (!bp)
			break;
		if (bp & 7 || bp < lo_hi[0] || bp + sizeof(frame) > lo_hi[1] ||
		    bpf_probe_read_user(frame, sizeof(frame), (void *)bp)) {
			flags |= GOROUTINE_STACK_TRUNCATED;
			break;
		}
		if (!frame[1])
			break;
		st->pcs[i] = frame[1] - bias;
		n = i + 1;
		if (frame[0] && frame[0] <= bp) {
			flags |= GOROUTINE_STACK_TRUNCATED;
			break;
		}
		bp = frame[0];
	}
	if (i == GOROUTINE_STACK_DEPTH && bp)
		flags |= GOROUTINE_STACK_TRUNCATED;
	st->n = n;
	st->flags = flags;
	h = goroutine_stack_id(st);
	bpf_map_update_elem(&stacks, &h, st, BPF_NOEXIST);
	return h;
}

/* --summary: time by stack that ended (goroutine_stack_time_ends), under its reason and stack. */
static __always_inline void account_blocking(__u32 target, const struct goroutine_gval *g, __u64 dt)
{
	struct goroutine_bkey k = {
		.stack_id = g->wait_stack,
		.target = target,
		.reason = goroutine_stack_reason(g),
	};
	struct goroutine_bval *v = bpf_map_lookup_elem(&blocking, &k), nv = {1, dt, dt};

	if (!v) {
		bpf_map_update_elem(&blocking, &k, &nv, BPF_NOEXIST);
		return;
	}
	v->count++;
	v->total_ns += dt;
	if (dt > v->max_ns)
		v->max_ns = dt;
}

/*
 * g's two candidate slots in gstate (both NULL only if the verifier's
 * bounds fail, never at run time), and which of them holds g, or NULL.
 */
static __always_inline struct goroutine_gentry *
gentry_find(__u64 gp, __u32 tgid, struct goroutine_gentry **s0, struct goroutine_gentry **s1)
{
	__u32 i = goroutine_gslot_index(gp, tgid);

	*s0 = bpf_map_lookup_elem(&gstate, &i);
	i |= 1;
	*s1 = bpf_map_lookup_elem(&gstate, &i);
	if (!*s0 || !*s1)
		return NULL;
	if ((*s0)->key.gp == gp && (*s0)->key.tgid == tgid)
		return *s0;
	if ((*s1)->key.gp == gp && (*s1)->key.tgid == tgid)
		return *s1;
	return NULL;
}

/* A slot for a goroutine not in either: a free one, else the first (evicted). */
static __always_inline struct goroutine_gentry *gentry_take(struct goroutine_gentry *s0,
							    struct goroutine_gentry *s1)
{
	struct goroutine_gentry *slot = !s0->key.gp ? s0 : !s1->key.gp ? s1 : s0;

	if (slot->key.gp)
		count(GOROUTINE_CNT_EVICTED);
	return slot;
}

/* The switch into its process's share, the process's entry made at its first. */
static __always_inline void account_proc(__u32 tgid, const struct goroutine_gval *g, __u32 oldval,
					 __u32 newval, __u64 now)
{
	struct goroutine_procsum *p = bpf_map_lookup_elem(&procsum, &tgid);

	if (!p) {
		struct goroutine_procsum zero = {};

		/* Another CPU may make it meanwhile: then this one's copy is there. */
		if (bpf_map_update_elem(&procsum, &tgid, &zero, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&procsum, &tgid)) {
			count(GOROUTINE_CNT_PROCS_FULL);
			return;
		}
		p = bpf_map_lookup_elem(&procsum, &tgid);
		if (!p)
			return;
	}
	goroutine_account_proc(p, g, oldval, newval, now);
}

/*
 * --summary: count the switch, then update the goroutine's record in place;
 * a record is (re)made only for a goroutine created or seen for the first
 * time.
 */
static __always_inline int aggregate(const struct goroutine_config *cfg, struct pt_regs *ctx,
				     __u32 target, __u64 gp, __u32 oldval, __u32 newval,
				     const __u64 *regs, __u64 bias)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, n = goroutine_base_state(newval);
	struct goroutine_summary *sum = bpf_map_lookup_elem(&summary, &target);
	struct goroutine_gentry *s0, *s1, *slot;
	__u64 now = bpf_ktime_get_ns();
	struct goroutine_gval *g = NULL;

	if (!sum)
		return 0;
	count(GOROUTINE_CNT_EVENTS);
	slot = gentry_find(gp, tgid, &s0, &s1);
	if (!s0 || !s1)
		return 0;
	if (slot)
		g = &slot->val;
	if (g && goroutine_stack_time_ends(g, n))
		account_blocking(target, g, now > g->since_ns ? now - g->since_ns : 0);
	if (per_process)
		account_proc(tgid, g, oldval, newval, now);
	goroutine_account(sum, g, oldval, newval, now);
	/* Exited, or a fresh g parked dead: nothing to follow until it is created. */
	if (n == GOROUTINE_DEAD) {
		if (slot)
			slot->key.gp = 0;
		return 0;
	}
	if (g && !goroutine_is_creation(oldval, newval)) {
		int kept = goroutine_stack_kept(g, n);

		g->since_ns = now;
		g->state = n;
		g->flags &= ~(GOROUTINE_G_HAS_REASON | GOROUTINE_G_HAS_STACK);
		if (n == GOROUTINE_WAITING)
			g->waitreason = read_waitreason(cfg, gp, &g->flags, GOROUTINE_G_HAS_REASON);
		if (!kept)
			g->wait_stack = capture_stack(cfg, ctx, gp, goroutine_base_state(oldval), n,
						      regs, bias);
		if (g->wait_stack)
			g->flags |= GOROUTINE_G_HAS_STACK;
		if ((g->flags & GOROUTINE_G_GOID_PENDING) && !read_goid(cfg, gp, &g->goid))
			g->flags &= ~GOROUTINE_G_GOID_PENDING;
		return 0;
	}
	if (!slot)
		slot = gentry_take(s0, s1);
	g = &slot->val;
	__builtin_memset(g, 0, sizeof(*g));
	g->since_ns = now;
	g->state = n;
	if (n == GOROUTINE_WAITING)
		g->waitreason = read_waitreason(cfg, gp, &g->flags, GOROUTINE_G_HAS_REASON);
	g->wait_stack = capture_stack(cfg, ctx, gp, goroutine_base_state(oldval), n, regs, bias);
	if (g->wait_stack)
		g->flags |= GOROUTINE_G_HAS_STACK;
	if (goroutine_goid_unset(oldval, newval, cfg->goid_at_creation))
		g->flags |= GOROUTINE_G_GOID_PENDING;
	if (goroutine_is_creation(oldval, newval)) {
		g->created_ns = now;
		if (!read_parent(cfg, gp, (__u32)pid_tgid, &g->parent_goid))
			g->flags |= GOROUTINE_G_HAS_PARENT;
	} else if (cfg->parent_goid_offset >= 0 &&
		   !bpf_probe_read_user(&g->parent_goid, sizeof(g->parent_goid),
					(void *)(gp + cfg->parent_goid_offset))) {
		/* Seen for the first time mid-life: g.parentGoid still says. */
		g->flags |= GOROUTINE_G_HAS_PARENT;
	}
	if (!(g->flags & GOROUTINE_G_GOID_PENDING) && read_goid(cfg, gp, &g->goid))
		g->flags |= GOROUTINE_G_GOID_PENDING;
	slot->key.tgid = tgid;
	slot->key.gp = gp;
	return 0;
}

/*
 * Streaming: g's goid, from the goid cache in gstate when known (a read of
 * the target's memory costs more than the rest of the event), else read and
 * remembered. A creation always reads it again (the g may be a reused one),
 * and before go1.24 the read there is stale, so it stays pending. A g that
 * dies leaves the cache: its goid is the next goroutine's business.
 */
static __always_inline int cached_goid(const struct goroutine_config *cfg, __u64 gp, __u32 tgid,
				       __u32 oldval, __u32 newval, __u64 *goid)
{
	int creation = goroutine_is_creation(oldval, newval);
	struct goroutine_gentry *s0, *s1, *slot;
	int err = 0;

	slot = gentry_find(gp, tgid, &s0, &s1);
	if (slot && !creation && !(slot->val.flags & GOROUTINE_G_GOID_PENDING)) {
		*goid = slot->val.goid;
	} else if (read_goid(cfg, gp, goid)) {
		*goid = 0;
		err = -1;
	} else if (s0 && s1) {
		if (!slot) {
			slot = gentry_take(s0, s1);
			slot->key.tgid = tgid;
			slot->key.gp = gp;
		}
		slot->val.goid = *goid;
		slot->val.flags = goroutine_goid_unset(oldval, newval, cfg->goid_at_creation) ?
					  GOROUTINE_G_GOID_PENDING :
					  0;
	}
	if (goroutine_base_state(newval) == GOROUTINE_DEAD && slot)
		slot->key.gp = 0;
	return err;
}

/*
 * Streaming: one event into the ring buffer. bias: the load bias, known at
 * the casgstatus probe (the only one that sees creations).
 */
static __always_inline int emit(const struct goroutine_config *cfg, struct pt_regs *ctx,
				__u32 target, __u64 gp, __u32 oldval, __u32 newval,
				const __u64 *regs, __u64 bias)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, tgid = pid_tgid >> 32;
	struct goroutine_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(GOROUTINE_CNT_LOST);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->gp = gp;
	e->flags = 0;
	e->parent_goid = 0;
	e->target = target;
	if (cached_goid(cfg, gp, tgid, oldval, newval, &e->goid))
		e->flags |= GOROUTINE_EV_GOID_UNREADABLE;
	e->waitreason = goroutine_base_state(newval) == GOROUTINE_WAITING ?
				read_waitreason(cfg, gp, &e->flags, GOROUTINE_EV_WAITREASON) :
				0;
	e->gopc = 0;
	e->startpc = 0;
	e->stack_id = capture_stack(cfg, ctx, gp, goroutine_base_state(oldval),
				    goroutine_base_state(newval), regs, bias);
	if (e->stack_id)
		e->flags |= GOROUTINE_EV_STACK;
	if (goroutine_is_creation(oldval, newval)) {
		if (!read_parent(cfg, gp, tid, &e->parent_goid))
			e->flags |= GOROUTINE_EV_PARENT;
		if (!read_site(cfg, gp, bias, &e->gopc, &e->startpc))
			e->flags |= GOROUTINE_EV_SITE;
	}
	e->pid = tid;
	e->tgid = tgid;
	e->old_state = oldval;
	e->new_state = newval;
	e->cpu = bpf_get_smp_processor_id();
	/*
	 * No wake-up per event (≈9 µs each, competing with the target for the
	 * CPUs): the loader polls on a timer, and is woken only when the ring
	 * is filling up.
	 */
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
				      BPF_RB_FORCE_WAKEUP :
				      BPF_RB_NO_WAKEUP);
	count(GOROUTINE_CNT_EVENTS);
	return 0;
}

/*
 * One switch: aggregated in the kernel (--summary) or streamed. regs: the
 * syscall's pc, sp, bp when the probe has them (syscall_start).
 */
static __always_inline int on_switch(const struct goroutine_config *cfg, struct pt_regs *ctx,
				     __u32 target, __u64 gp, __u32 oldval, __u32 newval,
				     const __u64 *regs, __u64 bias)
{
	if (summary_mode)
		return aggregate(cfg, ctx, target, gp, oldval, newval, regs, bias);
	return emit(cfg, ctx, target, gp, oldval, newval, regs, bias);
}

/* casgstatus's return address, its link-time value, at the casgstatus probe. */
static __always_inline int casgstatus_return(const struct goroutine_config *cfg,
					     struct pt_regs *ctx, __u64 *ret)
{
#if defined(__TARGET_ARCH_x86)
	/* Above what casgstatus pushed before the probe point. */
	if (bpf_probe_read_user(ret, sizeof(*ret),
				(void *)(GO_SP(ctx) + cfg->stack_args_offset - 8)))
		return -1;
#else
	/* arm64: in the link register while the probe is at the entry. */
	if (cfg->stack_args_offset != 8)
		return -1;
	*ret = ((const struct user_pt_regs *)ctx)->regs[30];
#endif
	*ret -= GO_IP(ctx) - cfg->casgstatus_probe_addr;
	return 0;
}

/* A RUNNING <-> SYSCALL casgstatus call from the functions probed for it. */
static __always_inline int seen_by_syscall_probe(const struct goroutine_config *cfg,
						 struct pt_regs *ctx, __u32 oldval, __u32 newval)
{
	__u64 ret;

	if (!cfg->syscall_probes ||
	    !((oldval == GOROUTINE_RUNNING && newval == GOROUTINE_SYSCALL) ||
	      (oldval == GOROUTINE_SYSCALL && newval == GOROUTINE_RUNNING)) ||
	    casgstatus_return(cfg, ctx, &ret))
		return 0;
	return (ret > cfg->reentersyscall_lo && ret <= cfg->reentersyscall_hi) ||
	       (ret > cfg->exitsyscall_lo && ret <= cfg->exitsyscall_hi);
}

/* The processes followed, by tgid: a command's descendants, or those traced with --all. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GOROUTINE_FOLLOW_MAX);
	__type(key, __u32);
	__type(value, __u8);
} follow SEC(".maps");

/*
 * Before go1.21 a switch to _Gwaiting from anywhere but park_m finds
 * g.waitreason still holding the previous wait's reason: stopTheWorld never
 * sets one; gcMarkTermination, gcBgMarkWorker, gcAssistAlloc1 and markroot
 * set it after the switch. Told by casgstatus's return address; one that
 * cannot be read is no better.
 */
static __always_inline int reason_is_stale(const struct goroutine_config *cfg, struct pt_regs *ctx,
					   __u32 newval)
{
	__u64 ret;

	if (!cfg->park_m_hi || goroutine_base_state(newval) != GOROUTINE_WAITING)
		return 0;
	if (casgstatus_return(cfg, ctx, &ret))
		return 1;
	return !(ret > cfg->park_m_lo && ret <= cfg->park_m_hi);
}

/* One switch whose wait reason is not a fact: read as if g had no waitreason field. */
static __always_inline int on_switch_no_reason(const struct goroutine_config *cfg,
					       struct pt_regs *ctx, __u32 target, __u64 gp,
					       __u32 oldval, __u32 newval, __u64 bias)
{
	struct goroutine_config c = *cfg;

	c.waitreason_offset = -1;
	return on_switch(&c, ctx, target, gp, oldval, newval, NULL, bias);
}

/* A casgstatus call from coroswitch_m: the coroutine probes have shown that switch. */
static __always_inline int seen_by_coro_probe(const struct goroutine_config *cfg,
					      struct pt_regs *ctx)
{
	__u64 ret;

	if (!cfg->coro_probes || casgstatus_return(cfg, ctx, &ret))
		return 0;
	return ret > cfg->coroswitch_m_lo && ret <= cfg->coroswitch_m_hi;
}

static __always_inline int other_process(const struct goroutine_config *cfg)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (cfg->follow_only)
		return !bpf_map_lookup_elem(&follow, &tgid);
	return cfg->target_tgid && tgid != cfg->target_tgid;
}

SEC("uprobe")
int BPF_KPROBE(casgstatus)
{
	const struct goroutine_config *cfg;
	__u32 oldval, newval, target;
	__u64 gp;

	/* --mode count: the cost of the probe itself, for benchmarks. */
	if (count_only) {
		count(GOROUTINE_CNT_EVENTS);
		return 0;
	}
	cfg = target_of(ctx, &target);
	if (!cfg || other_process(cfg))
		return 0;
	if (read_args(cfg, ctx, &gp, &oldval, &newval))
		return 0;
	if (seen_by_syscall_probe(cfg, ctx, oldval, newval))
		return 0;
	if (seen_by_coro_probe(cfg, ctx))
		return 0;
	if (reason_is_stale(cfg, ctx, newval))
		return on_switch_no_reason(cfg, ctx, target, gp, oldval, newval,
					   GO_IP(ctx) - cfg->casgstatus_probe_addr);
	return on_switch(cfg, ctx, target, gp, oldval, newval, NULL,
			 GO_IP(ctx) - cfg->casgstatus_probe_addr);
}

/*
 * go1.26+ reentersyscall and exitsyscall switch the current goroutine (g in
 * R14) between _Grunning and _Gsyscall with a raw CAS, bypassing casgstatus;
 * their entries are where the switch is decided. Register ABI only, like
 * every release that has them.
 */
static __always_inline int syscall_switch(struct pt_regs *ctx, __u32 oldval, __u32 newval)
{
	const struct goroutine_config *cfg;
	__u64 regs[3];
	__u32 target;

	cfg = target_of(ctx, &target);
	if (!cfg || other_process(cfg) || cfg->abi != GOROUTINE_ABI_REGISTER)
		return 0;
	/* Never a creation: the bias is for the syscall's stack only. */
	if (newval != GOROUTINE_SYSCALL || !cfg->syscall_regs)
		return on_switch(cfg, ctx, target, GO_G(ctx), oldval, newval, NULL, 0);
	regs[0] = GO_PARM1(ctx);
	regs[1] = GO_PARM2(ctx);
	regs[2] = GO_PARM3(ctx);
	return on_switch(cfg, ctx, target, GO_G(ctx), oldval, newval, regs,
			 GO_IP(ctx) - cfg->reentersyscall_probe_addr);
}

SEC("uprobe")
int BPF_KPROBE(entersyscall)
{
	return syscall_switch(ctx, GOROUTINE_RUNNING, GOROUTINE_SYSCALL);
}

SEC("uprobe")
int BPF_KPROBE(exitsyscall)
{
	return syscall_switch(ctx, GOROUTINE_SYSCALL, GOROUTINE_RUNNING);
}

/*
 * A goroutine parked for a GC stack scan (suspendG sets preemptStop, the
 * goroutine reaches preemptPark) goes _Grunning -> _Gscan|_Gpreempted in
 * casGToPreemptScan, on its own M; the scanning goroutine takes it out,
 * _Gpreempted -> _Gwaiting, in casGFromPreempted, and readies it after the
 * scan (through casgstatus: WAITING -> RUNNABLE). Both switches are raw CASes
 * that bypass casgstatus; their functions' entries are where they are
 * decided (casGToPreemptScan spins until its CAS wins; casGFromPreempted's
 * loses only to another suspendG of the same g, and is shown all the same).
 * g is their first argument: register ABI only. The scan bit is not shown,
 * as nowhere else. casGFromPreempted sets g.waitreason (go1.22+) after its
 * entry, and go1.19-1.21 never do: the reason there is not read.
 */
static __always_inline int preempt_switch(struct pt_regs *ctx, __u32 oldval, __u32 newval)
{
	const struct goroutine_config *cfg;
	struct goroutine_config c;
	__u32 target;

	cfg = target_of(ctx, &target);
	if (!cfg || other_process(cfg) || cfg->abi != GOROUTINE_ABI_REGISTER)
		return 0;
	c = *cfg;

	/*
	 * Never a creation, and no stack: the bias is not known here (a PIE's
	 * pcs would be wrong), and the goroutine's later wait has its own.
	 */
	c.waitreason_offset = -1;
	c.stacks = 0;
	return on_switch(&c, ctx, target, GO_PARM1(ctx), oldval, newval, NULL, 0);
}

SEC("uprobe")
int BPF_KPROBE(preempt_park)
{
	return preempt_switch(ctx, GOROUTINE_RUNNING, GOROUTINE_PREEMPTED);
}

SEC("uprobe")
int BPF_KPROBE(preempt_resume)
{
	return preempt_switch(ctx, GOROUTINE_PREEMPTED, GOROUTINE_WAITING);
}

/*
 * Coroutine switches (iter.Pull, 1.23+): coroswitch(c) and coroexit(c) run
 * on the goroutine that switches (g in R14), which mcalls coroswitch_m: that
 * parks it (_Grunning -> _Gwaiting, waitReasonCoroutine; coroexit destroys
 * it instead, through casgstatus) and starts c.gp (_Gwaiting -> _Grunning),
 * both with a raw CAS, on the same M, no scheduler between. c.gp, the first
 * field of runtime.coro in 1.23-1.27, names the goroutine switched to; only
 * the goroutines of a coroutine switch it. casgstatus calls from
 * coroswitch_m (the CAS lost to the GC, a synctest bubble) are not shown
 * again (seen_by_coro_probe).
 */
static __always_inline int coro_switch(struct pt_regs *ctx, __u64 c, int exiting)
{
	const struct goroutine_config *cfg;
	__u64 next = 0;
	__u32 target;

	cfg = target_of(ctx, &target);
	if (!cfg || other_process(cfg) || cfg->abi != GOROUTINE_ABI_REGISTER || !cfg->coro_probes)
		return 0;
	if (!exiting) {
		struct goroutine_config c = *cfg;

		c.reason_override =
			cfg->coro_reason < GOROUTINE_NO_REASON ? 0x100 | cfg->coro_reason : 0;
		if (!c.reason_override)
			c.waitreason_offset = -1;
		/* Before coroswitch_m's mcall g.sched is the previous switch's: no stack. */
		c.stacks = 0;
		on_switch(&c, ctx, target, GO_G(ctx), GOROUTINE_RUNNING, GOROUTINE_WAITING, NULL,
			  0);
	}
	if (bpf_probe_read_user(&next, sizeof(next), (void *)c) || !next)
		return 0;
	return on_switch(cfg, ctx, target, next, GOROUTINE_WAITING, GOROUTINE_RUNNING, NULL, 0);
}

SEC("uprobe")
int BPF_KPROBE(coroswitch)
{
	return coro_switch(ctx, GO_PARM1(ctx), 0);
}

/*
 * coroexit is inlined into corostart's deferred call (1.23-1.27), the
 * closure runtime.corostart.deferwrap1 that `defer coroexit(c)` makes: c is
 * its one captured variable, after the code pointer in its context.
 */
SEC("uprobe")
int BPF_KPROBE(coroexit)
{
	__u64 c;

	if (bpf_probe_read_user(&c, sizeof(c), (void *)(GO_CLOSURE(ctx) + 8)))
		return 0;
	return coro_switch(ctx, c, 1);
}

/*
 * runtime.newproc runs on the goroutine that executes the go statement; it
 * switches to the system stack for newproc1, on the same thread, which then
 * makes the new goroutine runnable. Used only before go1.21, where g has no
 * parentGoid field, and only with the register ABI, where g is in a register.
 */
SEC("uprobe")
int BPF_KPROBE(newproc)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), target;
	const struct goroutine_config *cfg;
	__u64 goid;

	cfg = target_of(ctx, &target);
	if (!cfg || other_process(cfg) || cfg->abi != GOROUTINE_ABI_REGISTER ||
	    cfg->parent_goid_offset >= 0)
		return 0;
	if (read_goid(cfg, GO_G(ctx), &goid))
		return 0;
	bpf_map_update_elem(&creator, &tid, &goid, BPF_ANY);
	return 0;
}

/*
 * Following processes (goroutine.h's enum goroutine_follow_mode): fork, exec
 * and exit on tp_btf tracepoints (typed arguments, no tracefs needed). Only a
 * task's pid and tgid are read, through CO-RE, so no vmlinux.h is needed.
 */
struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

const volatile __u32 follow_mode = GOROUTINE_FOLLOW_NONE;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} procs SEC(".maps");

static __always_inline void proc_event(__u32 tgid, __u32 kind)
{
	struct goroutine_proc_event *e = bpf_ringbuf_reserve(&procs, sizeof(*e), 0);

	if (!e)
		return;
	e->ts_ns = bpf_ktime_get_ns();
	e->tgid = tgid;
	e->kind = kind;
	/* Woken at once: the sooner user space attaches, the less of the program's start is missed. */
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	/* A new thread, or --all (which hears of every exec anyway). */
	if (ptgid == ctgid || follow_mode != GOROUTINE_FOLLOW_TREE)
		return 0;
	if (bpf_map_lookup_elem(&follow, &ptgid))
		bpf_map_update_elem(&follow, &ctgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(follow_exec, struct task_struct *p)
{
	__u32 tgid = p->tgid;

	if (follow_mode == GOROUTINE_FOLLOW_ALL || bpf_map_lookup_elem(&follow, &tgid))
		proc_event(tgid, GOROUTINE_PROC_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(follow_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;

	/* The main thread: Go programs end with exit_group, all threads together. */
	if (p->pid != p->tgid || !bpf_map_lookup_elem(&follow, &tgid))
		return 0;
	bpf_map_delete_elem(&follow, &tgid);
	proc_event(tgid, GOROUTINE_PROC_EXIT);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
