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

const volatile __u32 goid_offset = GOROUTINE_DEFAULT_GOID_OFFSET;
const volatile __s32 waitreason_offset = -1;
const volatile __s32 parent_goid_offset = -1; /* g.parentGoid, go1.21+ */
const volatile __u32 abi = GOROUTINE_DEFAULT_ABI;
/* Only events of this process (0: all); the attach is pid-filtered too. */
const volatile __u32 target_tgid = 0;
const volatile __u32 count_only = 0;
const volatile __u32 summary_mode = 0;
/* go1.24+: the goid is set before casgstatus(newg, _Gdead, _Grunnable). */
const volatile __u32 goid_at_creation = 0;
/*
 * Stack ABI: where gp/oldval/newval are relative to SP at the probe: 8 (past
 * the return address) plus what the function pushed before the probe point.
 */
const volatile __u32 stack_args_offset = 8;
/*
 * go1.26+ with the syscall probes: reentersyscall and exitsyscall still call
 * casgstatus when their raw CAS fails (the GC holds the scan bit) or in a
 * synctest bubble, a switch their entry probes have already recorded. The
 * link-time address ranges of the two and of the casgstatus probe point let
 * the casgstatus probe tell such calls by their return address (PIE: the load
 * bias is the probe's run-time address minus its link-time one).
 */
const volatile __u32 syscall_probes = 0;
const volatile __u64 casgstatus_probe_addr = 0;
const volatile __u64 reentersyscall_lo = 0, reentersyscall_hi = 0;
const volatile __u64 exitsyscall_lo = 0, exitsyscall_hi = 0;

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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct goroutine_summary);
} summary SEC(".maps");

/* Thread id -> goid of the goroutine inside runtime.newproc on that thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} creator SEC(".maps");

/*
 * Go's register ABI: the first integer arguments in AX, BX, CX on amd64 (X0-X2
 * on arm64), and the current g in R14 (R28 on arm64).
 */
#if defined(__TARGET_ARCH_x86)
#define GO_PARM1(x) ((x)->rax)
#define GO_PARM2(x) ((x)->rbx)
#define GO_PARM3(x) ((x)->rcx)
#define GO_G(x) ((x)->r14)
#define GO_SP(x) ((x)->rsp)
#define GO_IP(x) ((x)->rip)
#elif defined(__TARGET_ARCH_arm64)
#define GO_PARM1(x) PT_REGS_PARM1(x)
#define GO_PARM2(x) PT_REGS_PARM2(x)
#define GO_PARM3(x) PT_REGS_PARM3(x)
#define GO_G(x) (((const struct user_pt_regs *)(x))->regs[28])
#define GO_SP(x) PT_REGS_SP(x)
#define GO_IP(x) PT_REGS_IP(x)
#else
#error "unsupported architecture"
#endif

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		(*c)++;
}

static __always_inline int read_args(struct pt_regs *ctx, __u64 *gp, __u32 *oldval, __u32 *newval)
{
	if (abi == GOROUTINE_ABI_REGISTER) {
		*gp = GO_PARM1(ctx);
		*oldval = GO_PARM2(ctx);
		*newval = GO_PARM3(ctx);
		return 0;
	}
	struct {
		__u64 gp;
		__u32 oldval, newval;
	} args;
	if (bpf_probe_read_user(&args, sizeof(args), (void *)(GO_SP(ctx) + stack_args_offset)))
		return -1;
	*gp = args.gp;
	*oldval = args.oldval;
	*newval = args.newval;
	return 0;
}

/* The creating goroutine's goid at casgstatus(newg, _Gdead, _Grunnable). */
static __always_inline int read_parent(__u64 gp, __u32 tid, __u64 *parent)
{
	if (parent_goid_offset >= 0)
		return bpf_probe_read_user(parent, sizeof(*parent),
					   (void *)(gp + parent_goid_offset));
	if (abi == GOROUTINE_ABI_REGISTER) {
		__u64 *p = bpf_map_lookup_elem(&creator, &tid);

		if (p) {
			*parent = *p;
			bpf_map_delete_elem(&creator, &tid);
			return 0;
		}
	}
	return -1;
}

static __always_inline __u8 read_waitreason(__u64 gp, __u8 *flags)
{
	__u8 wr = 0;

	if (waitreason_offset >= 0 &&
	    !bpf_probe_read_user(&wr, 1, (void *)(gp + waitreason_offset)))
		*flags |= GOROUTINE_G_HAS_REASON;
	return wr;
}

/*
 * g's two candidate slots in gstate (both NULL only if the verifier's
 * bounds fail, never at run time), and which of them holds g, or NULL.
 */
static __always_inline struct goroutine_gentry *
gentry_find(__u64 gp, __u32 tgid, struct goroutine_gentry **s0, struct goroutine_gentry **s1)
{
	__u32 i = (__u32)((gp * 0x9e3779b97f4a7c15ULL) >> (64 - GOROUTINE_GSLOTS_SHIFT)) & ~1u;

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

/*
 * --summary: count the switch, then update the goroutine's record in place;
 * a record is (re)made only for a goroutine created or seen for the first
 * time.
 */
static __always_inline int aggregate(__u64 gp, __u32 oldval, __u32 newval)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, zero = 0, n = newval & 0xfff;
	struct goroutine_summary *sum = bpf_map_lookup_elem(&summary, &zero);
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
	goroutine_account(sum, g, oldval, newval, now);
	/* Exited, or a fresh g parked dead: nothing to follow until it is created. */
	if (n == GOROUTINE_DEAD) {
		if (slot)
			slot->key.gp = 0;
		return 0;
	}
	if (g && !goroutine_is_creation(oldval, newval)) {
		g->since_ns = now;
		g->state = n;
		g->flags &= ~GOROUTINE_G_HAS_REASON;
		if (n == GOROUTINE_WAITING)
			g->waitreason = read_waitreason(gp, &g->flags);
		if ((g->flags & GOROUTINE_G_GOID_PENDING) &&
		    !bpf_probe_read_user(&g->goid, sizeof(g->goid), (void *)(gp + goid_offset)))
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
		g->waitreason = read_waitreason(gp, &g->flags);
	if (goroutine_goid_unset(oldval, newval, goid_at_creation))
		g->flags |= GOROUTINE_G_GOID_PENDING;
	if (goroutine_is_creation(oldval, newval)) {
		g->created_ns = now;
		if (!read_parent(gp, (__u32)pid_tgid, &g->parent_goid))
			g->flags |= GOROUTINE_G_HAS_PARENT;
	} else if (parent_goid_offset >= 0 &&
		   !bpf_probe_read_user(&g->parent_goid, sizeof(g->parent_goid),
					(void *)(gp + parent_goid_offset))) {
		/* Seen for the first time mid-life: g.parentGoid still says. */
		g->flags |= GOROUTINE_G_HAS_PARENT;
	}
	if (!(g->flags & GOROUTINE_G_GOID_PENDING) &&
	    bpf_probe_read_user(&g->goid, sizeof(g->goid), (void *)(gp + goid_offset)))
		g->flags |= GOROUTINE_G_GOID_PENDING;
	slot->key.tgid = tgid;
	slot->key.gp = gp;
	return 0;
}

static __always_inline int record(struct pt_regs *ctx, __u64 gp, __u32 oldval, __u32 newval)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, tgid = pid_tgid >> 32;
	int creation = goroutine_is_creation(oldval, newval);
	struct goroutine_gentry *s0, *s1, *slot;
	struct goroutine_event *e;

	if (summary_mode)
		return aggregate(gp, oldval, newval);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(GOROUTINE_CNT_LOST);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->gp = gp;
	e->flags = 0;
	e->parent_goid = 0;
	e->waitreason = 0;
	e->pad = 0;
	/*
	 * The goid from gstate when known: a read of the target's memory costs
	 * more than the rest of the event. A creation always reads it again (the
	 * g may be a reused one), and before go1.24 the read there is stale.
	 */
	slot = gentry_find(gp, tgid, &s0, &s1);
	if (slot && !creation && !(slot->val.flags & GOROUTINE_G_GOID_PENDING)) {
		e->goid = slot->val.goid;
	} else if (bpf_probe_read_user(&e->goid, sizeof(e->goid), (void *)(gp + goid_offset))) {
		e->goid = 0;
		e->flags |= GOROUTINE_EV_GOID_UNREADABLE;
	} else if (s0 && s1) {
		if (!slot) {
			slot = gentry_take(s0, s1);
			slot->key.tgid = tgid;
			slot->key.gp = gp;
		}
		slot->val.goid = e->goid;
		slot->val.flags = goroutine_goid_unset(oldval, newval, goid_at_creation) ?
					  GOROUTINE_G_GOID_PENDING :
					  0;
	}
	/* A dead g's goid is the next goroutine's business. */
	if ((newval & 0xfff) == GOROUTINE_DEAD && slot)
		slot->key.gp = 0;
	if (waitreason_offset >= 0 && (newval & ~0x1000) == GOROUTINE_WAITING &&
	    !bpf_probe_read_user(&e->waitreason, 1, (void *)(gp + waitreason_offset)))
		e->flags |= GOROUTINE_EV_WAITREASON;
	if (creation && !read_parent(gp, tid, &e->parent_goid))
		e->flags |= GOROUTINE_EV_PARENT;
	e->pid = tid;
	e->tgid = pid_tgid >> 32;
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

/* A RUNNING <-> SYSCALL casgstatus call from the functions probed for it. */
static __always_inline int seen_by_syscall_probe(struct pt_regs *ctx, __u32 oldval, __u32 newval)
{
	__u64 ret;

	if (!syscall_probes || !((oldval == GOROUTINE_RUNNING && newval == GOROUTINE_SYSCALL) ||
				 (oldval == GOROUTINE_SYSCALL && newval == GOROUTINE_RUNNING)))
		return 0;
#if defined(__TARGET_ARCH_x86)
	/* The return address, above what casgstatus pushed before the probe point. */
	if (bpf_probe_read_user(&ret, sizeof(ret), (void *)(GO_SP(ctx) + stack_args_offset - 8)))
		return 0;
#else
	/* arm64: in the link register while the probe is at the entry. */
	if (stack_args_offset != 8)
		return 0;
	ret = ((const struct user_pt_regs *)ctx)->regs[30];
#endif
	ret -= GO_IP(ctx) - casgstatus_probe_addr;
	return (ret > reentersyscall_lo && ret <= reentersyscall_hi) ||
	       (ret > exitsyscall_lo && ret <= exitsyscall_hi);
}

static __always_inline int other_process(void)
{
	return target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid;
}

SEC("uprobe")
int BPF_KPROBE(casgstatus)
{
	__u32 oldval, newval;
	__u64 gp;

	if (other_process())
		return 0;
	/* --mode count: the cost of the probe itself, for benchmarks. */
	if (count_only) {
		count(GOROUTINE_CNT_EVENTS);
		return 0;
	}
	if (read_args(ctx, &gp, &oldval, &newval))
		return 0;
	if (seen_by_syscall_probe(ctx, oldval, newval))
		return 0;
	return record(ctx, gp, oldval, newval);
}

/*
 * go1.26+ reentersyscall and exitsyscall switch the current goroutine (g in
 * R14) between _Grunning and _Gsyscall with a raw CAS, bypassing casgstatus;
 * their entries are where the switch is decided. Register ABI only, like
 * every release that has them.
 */
SEC("uprobe")
int BPF_KPROBE(entersyscall)
{
	if (other_process() || abi != GOROUTINE_ABI_REGISTER)
		return 0;
	return record(ctx, GO_G(ctx), GOROUTINE_RUNNING, GOROUTINE_SYSCALL);
}

SEC("uprobe")
int BPF_KPROBE(exitsyscall)
{
	if (other_process() || abi != GOROUTINE_ABI_REGISTER)
		return 0;
	return record(ctx, GO_G(ctx), GOROUTINE_SYSCALL, GOROUTINE_RUNNING);
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
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 goid;

	if (other_process() || abi != GOROUTINE_ABI_REGISTER || parent_goid_offset >= 0)
		return 0;
	if (bpf_probe_read_user(&goid, sizeof(goid), (void *)(GO_G(ctx) + goid_offset)))
		return 0;
	bpf_map_update_elem(&creator, &tid, &goid, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
