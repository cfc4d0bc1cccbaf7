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
 * --summary: where each goroutine is (keyed by process and g address), since
 * when, and its own time per state. Read by the loader for the live counts,
 * the per-goroutine table and the leak candidates.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1 << 18);
	__type(key, struct goroutine_gkey);
	__type(value, struct goroutine_gval);
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
#elif defined(__TARGET_ARCH_arm64)
#define GO_PARM1(x) PT_REGS_PARM1(x)
#define GO_PARM2(x) PT_REGS_PARM2(x)
#define GO_PARM3(x) PT_REGS_PARM3(x)
#define GO_G(x) (((const struct user_pt_regs *)(x))->regs[28])
#define GO_SP(x) PT_REGS_SP(x)
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
		return bpf_probe_read_user(parent, sizeof(*parent), (void *)(gp + parent_goid_offset));
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

	if (waitreason_offset >= 0 && !bpf_probe_read_user(&wr, 1, (void *)(gp + waitreason_offset)))
		*flags |= GOROUTINE_G_HAS_REASON;
	return wr;
}

/*
 * --summary: count the switch, then update the goroutine's record in place
 * (a hash update per event would cost an element allocation each time); a
 * record is (re)made only for a goroutine created or seen for the first time.
 */
static __always_inline int aggregate(__u64 gp, __u32 oldval, __u32 newval)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct goroutine_gkey key = { .gp = gp, .tgid = pid_tgid >> 32 };
	__u32 zero = 0, n = newval & 0xfff;
	struct goroutine_summary *sum = bpf_map_lookup_elem(&summary, &zero);
	__u64 now = bpf_ktime_get_ns();
	struct goroutine_gval *g, cur = {};

	if (!sum)
		return 0;
	count(GOROUTINE_CNT_EVENTS);
	g = bpf_map_lookup_elem(&gstate, &key);
	goroutine_account(sum, g, oldval, newval, now);
	/* Exited, or a fresh g parked dead: nothing to follow until it is created. */
	if (n == GOROUTINE_DEAD) {
		if (g)
			bpf_map_delete_elem(&gstate, &key);
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
	cur.since_ns = now;
	cur.state = n;
	if (n == GOROUTINE_WAITING)
		cur.waitreason = read_waitreason(gp, &cur.flags);
	if (goroutine_is_creation(oldval, newval)) {
		cur.created_ns = now;
		if (!read_parent(gp, (__u32)pid_tgid, &cur.parent_goid))
			cur.flags |= GOROUTINE_G_HAS_PARENT;
		if (!goid_at_creation)
			cur.flags |= GOROUTINE_G_GOID_PENDING;
	} else if (parent_goid_offset >= 0 &&
		   !bpf_probe_read_user(&cur.parent_goid, sizeof(cur.parent_goid),
					(void *)(gp + parent_goid_offset))) {
		/* Seen for the first time mid-life: g.parentGoid still says. */
		cur.flags |= GOROUTINE_G_HAS_PARENT;
	}
	if (!(cur.flags & GOROUTINE_G_GOID_PENDING) &&
	    bpf_probe_read_user(&cur.goid, sizeof(cur.goid), (void *)(gp + goid_offset)))
		cur.flags |= GOROUTINE_G_GOID_PENDING;
	bpf_map_update_elem(&gstate, &key, &cur, BPF_ANY);
	return 0;
}

static __always_inline int record(struct pt_regs *ctx, __u64 gp, __u32 oldval, __u32 newval)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
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
	if (bpf_probe_read_user(&e->goid, sizeof(e->goid), (void *)(gp + goid_offset))) {
		e->goid = 0;
		e->flags |= GOROUTINE_EV_GOID_UNREADABLE;
	}
	if (waitreason_offset >= 0 && (newval & ~0x1000) == GOROUTINE_WAITING &&
	    !bpf_probe_read_user(&e->waitreason, 1, (void *)(gp + waitreason_offset)))
		e->flags |= GOROUTINE_EV_WAITREASON;
	if (goroutine_is_creation(oldval, newval) && !read_parent(gp, tid, &e->parent_goid))
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
