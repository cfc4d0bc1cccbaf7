// SPDX-License-Identifier: GPL-2.0
/*
 * goroutine.bpf.c: a uprobe on runtime.casgstatus(gp, oldval, newval) that
 * records every goroutine state switch of the traced Go program.
 *
 * Where the arguments are and where goid lives in runtime.g differ between Go
 * versions, so they are read-only globals the loader sets before load (from a
 * profile, or the go1.17 default in goroutine.h); the verifier then sees them as
 * constants.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "goroutine.h"

const volatile __u32 goid_offset = GOROUTINE_DEFAULT_GOID_OFFSET;
const volatile __u32 abi = GOROUTINE_DEFAULT_ABI;
/* Only events of this process (0: all); the attach is pid-filtered too. */
const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GOROUTINE_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		(*c)++;
}

/* Go's register ABI on amd64 passes the first integer arguments in AX, BX, CX. */
static __always_inline int read_args(struct pt_regs *ctx, __u64 *gp, __u32 *oldval, __u32 *newval)
{
	if (abi == GOROUTINE_ABI_REGISTER) {
		*gp = ctx->rax;
		*oldval = ctx->rbx;
		*newval = ctx->rcx;
		return 0;
	}
	/* Stack ABI: at function entry 0(SP) is the return address. */
	struct {
		__u64 gp;
		__u32 oldval, newval;
	} args;
	if (bpf_probe_read_user(&args, sizeof(args), (void *)(ctx->rsp + 8)))
		return -1;
	*gp = args.gp;
	*oldval = args.oldval;
	*newval = args.newval;
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(casgstatus)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct goroutine_event *e;
	__u32 oldval, newval;
	__u64 gp;

	if (target_tgid && (pid_tgid >> 32) != target_tgid)
		return 0;
	if (read_args(ctx, &gp, &oldval, &newval))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(GOROUTINE_CNT_LOST);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->gp = gp;
	e->flags = 0;
	if (bpf_probe_read_user(&e->goid, sizeof(e->goid), (void *)(gp + goid_offset))) {
		e->goid = 0;
		e->flags |= GOROUTINE_EV_GOID_UNREADABLE;
	}
	e->pid = (__u32)pid_tgid;
	e->tgid = pid_tgid >> 32;
	e->old_state = oldval;
	e->new_state = newval;
	e->cpu = bpf_get_smp_processor_id();
	bpf_ringbuf_submit(e, 0);
	count(GOROUTINE_CNT_EVENTS);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
