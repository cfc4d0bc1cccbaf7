/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goroutine: what the BPF side of the tracer and its loader share — the event
 * record, the goroutine state values, and the go1.17 hardcoded default.
 *
 * Fixed-width types only and no pointers (the g pointer travels as a number),
 * so the layout is the same in the BPF object and in user space.
 */
#ifndef GOTRACER_GOROUTINE_H
#define GOTRACER_GOROUTINE_H

#include <linux/types.h>

/*
 * The go1.17 hardcoded default, the original bpftime example's values: goid at
 * offset 0x98 (152) of runtime.g, arguments of runtime.casgstatus(gp, oldval,
 * newval) in the register ABI (gp in RAX, oldval in RBX, newval in RCX). Used when
 * no profile is given; it stays a tested default. goid is at 152 in go1.12-1.22
 * and go1.25+, but at 160 in go1.23-1.24: a profile fixes that.
 */
#define GOROUTINE_DEFAULT_GOID_OFFSET 0x98
#define GOROUTINE_DEFAULT_ABI GOROUTINE_ABI_REGISTER

enum goroutine_abi {
	GOROUTINE_ABI_REGISTER = 0, /* amd64 go1.17+, arm64 go1.18+ */
	GOROUTINE_ABI_STACK = 1,    /* earlier: arguments at 8(SP), 16(SP), 20(SP) */
};

/* runtime/runtime2.go's _G* values, under the names the tracer prints. */
enum goroutine_state {
	GOROUTINE_IDLE = 0,
	GOROUTINE_RUNNABLE = 1,
	GOROUTINE_RUNNING = 2,
	GOROUTINE_SYSCALL = 3,
	GOROUTINE_WAITING = 4,
	GOROUTINE_MORIBUND_UNUSED = 5,
	GOROUTINE_DEAD = 6,
	GOROUTINE_ENQUEUE_UNUSED = 7,
	GOROUTINE_COPYSTACK = 8,
	GOROUTINE_PREEMPTED = 9,
	GOROUTINE_LEAKED = 10,	  /* go1.26+ _Gleaked */
	GOROUTINE_DEADEXTRA = 11, /* go1.26+ _Gdeadextra */
};

/*
 * runtime2.go's _Gscan: OR-ed onto a state while the GC or suspendG owns the
 * goroutine's stack (_Gscanrunning = 0x1002, ...); the runtime strips it with
 * &^ _Gscan, and so does goroutine_base_state().
 */
#define GOROUTINE_SCAN_BIT 0x1000

struct goroutine_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC, bpf_ktime_get_ns() */
	__u64 goid;
	__u64 gp; /* address of the runtime.g: identifies a goroutine before its goid is set */
	__u64 parent_goid; /* valid with GOROUTINE_EV_PARENT */
	__u32 pid;	   /* thread id */
	__u32 tgid;	   /* process id */
	__u32 old_state;
	__u32 new_state;
	__u16 cpu;
	__u8 waitreason; /* g.waitreason, valid with GOROUTINE_EV_WAITREASON */
	__u8 flags;	 /* GOROUTINE_EV_* */
	__u32 target;	 /* the tracer's target (binary and plan) the probe belongs to */
	/*
	 * With GOROUTINE_EV_SITE, at a creation: g.gopc (the return address of
	 * the go statement's call) and g.startpc (the goroutine's function), as
	 * link-time addresses (a PIE's load bias taken off), so that user space
	 * symbolizes them from the binary without knowing the process.
	 */
	__u64 gopc;
	__u64 startpc;
	/*
	 * With GOROUTINE_EV_STACK, on a switch into _Gwaiting or _Gsyscall:
	 * the id of the goroutine's own stack where it blocked or called the
	 * kernel, in the stacks map.
	 */
	__u64 stack_id;
};

/*
 * A blocked goroutine's own stack, walked in the kernel by frame pointers
 * from g.sched (saved by mcall before the switch, on the goroutine's stack,
 * not the thread's g0 one casgstatus runs on), inside g.stack's bounds. Kept
 * once per distinct stack in the stacks map under a hash of its pcs (the
 * stack id, never 0), so an event carries the id, not the pcs.
 */
#define GOROUTINE_STACK_DEPTH 32

struct goroutine_stack {
	__u32 n;     /* pcs used */
	__u32 flags; /* GOROUTINE_STACK_* */
	/* Link-time addresses (a PIE's bias taken off), innermost first: g.sched.pc, then return addresses. */
	__u64 pcs[GOROUTINE_STACK_DEPTH];
};

/* The walk stopped short: the depth limit, or a frame pointer outside the stack or not rising. */
#define GOROUTINE_STACK_TRUNCATED 0x1

/*
 * --summary: time blocked by (target, wait reason, stack), a per-CPU hash
 * map; time in syscalls under the pseudo reason GOROUTINE_REASON_SYSCALL.
 */
#define GOROUTINE_REASON_SYSCALL (GOROUTINE_NREASONS + 1)
/* Scheduler latency after a wait, under the stack it waited at (goroutine_account.h). */
#define GOROUTINE_REASON_SCHED (GOROUTINE_NREASONS + 2)

struct goroutine_bkey {
	__u64 stack_id;
	__u32 target;
	__u32 reason; /* g.waitreason, GOROUTINE_NREASONS when unknown, or GOROUTINE_REASON_SYSCALL */
};

struct goroutine_bval {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns; /* combined across CPUs by max */
};
#define GOROUTINE_BLOCKING_MAX 16384
#define GOROUTINE_STACKS_MAX 32768

/*
 * A tracer session holds up to GOROUTINE_MAX_TARGETS targets, each a binary
 * with its own plan: where the probes are, which offsets the program reads.
 * The program finds its target's values by the uprobe's attach cookie in the
 * config map, or, for one target on a kernel without attach cookies, in its
 * read-only data (where the verifier folds them into constants).
 */
#define GOROUTINE_MAX_TARGETS 64

struct goroutine_config {
	/*
	 * The casgstatus probe point's link-time address: the load bias of a
	 * PIE is the probe's run-time address minus it. go1.26+ with the
	 * syscall probes: the link-time ranges of reentersyscall and
	 * exitsyscall, so that a casgstatus call from the two (seen by their own
	 * probes already) is told by its return address.
	 */
	__u64 casgstatus_probe_addr;
	__u64 reentersyscall_lo, reentersyscall_hi;
	__u64 exitsyscall_lo, exitsyscall_hi;
	__u32 goid_offset;
	__s32 waitreason_offset;  /* -1: none */
	__s32 parent_goid_offset; /* g.parentGoid, go1.21+; -1: none */
	__u32 abi;		  /* enum goroutine_abi */
	/* go1.24+: the goid is set before casgstatus(newg, _Gdead, _Grunnable). */
	__u32 goid_at_creation;
	/*
	 * Stack ABI: where gp/oldval/newval are relative to SP at the probe: 8
	 * (past the return address) plus what the function pushed before it.
	 */
	__u32 stack_args_offset;
	__u32 syscall_probes;
	__u32 target_tgid; /* only events of this process (0: all); the attach is pid-filtered too */
	__s32 gopc_offset;    /* g.gopc; -1: none */
	__s32 startpc_offset; /* g.startpc; -1: none */
	/* Blocking stacks (0: off, or a field unknown): g.sched's sp, pc, bp and g.stack.lo. */
	__u32 stacks;
	__u32 sched_sp_offset, sched_pc_offset, sched_bp_offset;
	__u32 stack_lo_offset; /* g.stack.hi follows it */
	/*
	 * Syscall stacks (0: off): where a goroutine entering a syscall was,
	 * g.syscallpc and g.syscallsp, and g.syscallbp (go1.23+; -1: none).
	 * go1.26+ reentersyscall's probe at its entry (syscall_regs): its
	 * arguments pc, sp, bp instead, the fields being set after it; the
	 * probe's link-time address gives a PIE's bias there.
	 */
	__u32 syscall_stacks;
	__u32 syscallpc_offset, syscallsp_offset;
	__s32 syscallbp_offset;
	__u32 syscall_regs;
	__u64 reentersyscall_probe_addr;
	/*
	 * Following: only events of the processes in the follow map (a
	 * command's descendants, or --all's filtered ones), so that a binary is
	 * probed before its process execs it, from its first instruction.
	 */
	__u32 follow_only;
	/*
	 * Before go1.21 (profile's waitreason_after_switch): the link-time range
	 * of runtime.park_m, the one caller of casgstatus(gp, _Grunning,
	 * _Gwaiting) that finds g.waitreason already set; from any other
	 * caller the reason is the previous wait's, so it is not read at all.
	 * 0, 0: every reason is final.
	 */
	__u64 park_m_lo, park_m_hi;
	/*
	 * Coroutine switches (coroswitch, coroexit probed): coroswitch_m's
	 * link-time range, whose casgstatus calls those probes have shown
	 * already, and waitReasonCoroutine's value (GOROUTINE_NO_REASON: not
	 * known), which coroswitch_m sets after the probed entry.
	 */
	__u32 coro_probes;
	__u32 coro_reason;
	/* BPF-internal, on a copy of the config: 0x100 | a reason to give instead of g's. */
	__u32 reason_override;
	__u64 coroswitch_m_lo, coroswitch_m_hi;
};
/* coro_reason when the binary has no waitReasonCoroutine. */
#define GOROUTINE_NO_REASON 0x100

/* The goid could not be read (bad offset or unmapped g): the value is not a fact. */
#define GOROUTINE_EV_GOID_UNREADABLE 0x1
#define GOROUTINE_EV_WAITREASON 0x2
#define GOROUTINE_EV_PARENT 0x4
#define GOROUTINE_EV_SITE 0x8
#define GOROUTINE_EV_STACK 0x10

/*
 * --summary: aggregated in the kernel, no per-event record. States are
 * indexed modulo GOROUTINE_NSTATES (values past it, from a newer Go, land in
 * the last slot); wait reasons modulo GOROUTINE_NREASONS. Histograms are
 * log2 of microseconds: slot 0 holds 0-1 us, slot i holds 2^i to 2^(i+1)-1.
 * The same struct is filled in user space from events (--html, --trace-json),
 * by the same accounting code (goroutine_account.h).
 */
#define GOROUTINE_NSTATES 16
#define GOROUTINE_NREASONS 64
#define GOROUTINE_HIST_SLOTS 32

struct goroutine_summary {
	__u64 transitions[GOROUTINE_NSTATES][GOROUTINE_NSTATES];
	__u64 state_ns[GOROUTINE_NSTATES];    /* time spent in each state, counted on leaving it */
	__u64 schedlat[GOROUTINE_HIST_SLOTS]; /* RUNNABLE -> RUNNING */
	__u64 schedlat_ns;
	__u64 wait_count[GOROUTINE_NREASONS];
	__u64 wait_ns[GOROUTINE_NREASONS]; /* WAITING time by the reason it waited for */
	__u64 wait_hist[GOROUTINE_NREASONS][GOROUTINE_HIST_SLOTS];
	__u64 lifetime[GOROUTINE_HIST_SLOTS]; /* creation to exit, seen whole */
	__u64 lifetime_ns;
	__u64 created;
	__u64 exited;
	/* Maxima: combined across CPUs by max, not by sum. */
	__u64 schedlat_max_ns;
	__u64 lifetime_max_ns;
	__u64 wait_max_ns[GOROUTINE_NREASONS];
};

/*
 * --summary following processes (--all, -- CMD): each process's share, a
 * per-CPU hash by tgid (GOROUTINE_PROCS_MAX; the tracer takes out a process
 * that ended). Its wait reasons and histograms are in its target's summary.
 */
#define GOROUTINE_PROCS_MAX 4096

struct goroutine_procsum {
	__u64 switches;
	__u64 created;
	__u64 exited;
	__u64 schedlat_count; /* RUNNABLE -> RUNNING of a goroutine seen before */
	__u64 schedlat_ns;
	__u64 schedlat_max_ns; /* combined across CPUs by max */
};

/*
 * Per goroutine, while it lives: the gstate map's key and value in the
 * kernel, and the user-space table's entry. A g is identified by its address
 * in its process: the goid may not be set yet when it is created.
 */
struct goroutine_gkey {
	__u64 gp;
	__u32 tgid;
	__u32 pad;
};

/* The states a goroutine's own time is kept for; the rest add up in the last slot. */
enum goroutine_gslot {
	GOROUTINE_G_RUNNABLE,
	GOROUTINE_G_RUNNING,
	GOROUTINE_G_SYSCALL,
	GOROUTINE_G_WAITING,
	GOROUTINE_G_OTHER,
	GOROUTINE_G_SLOTS,
};

struct goroutine_gval {
	__u64 since_ns;	  /* when it entered its current state */
	__u64 created_ns; /* 0: it existed before tracing began */
	__u64 goid;
	__u64 parent_goid; /* valid with GOROUTINE_G_HAS_PARENT */
	__u64 state_ns[GOROUTINE_G_SLOTS];
	/*
	 * With GOROUTINE_G_HAS_STACK: in WAITING where it blocked, in SYSCALL
	 * where it called the kernel, in RUNNABLE after a wait where it waited.
	 */
	__u64 wait_stack;
	__u32 state;
	__u8 waitreason; /* valid in WAITING with GOROUTINE_G_HAS_REASON */
	__u8 flags;	 /* GOROUTINE_G_* */
	__u16 pad;
};

/*
 * --summary keeps goroutines in an array of GOROUTINE_GSLOTS slots, two
 * candidate slots per g (a hash of its address): an array element is found
 * with no hashing or locking by the kernel, which is most of what a hash map
 * costs per event. key.gp 0 marks a free slot. A goroutine that finds both of
 * its slots taken by others takes the first (GOROUTINE_CNT_EVICTED).
 */
#define GOROUTINE_GSLOTS_SHIFT 18
#define GOROUTINE_GSLOTS (1u << GOROUTINE_GSLOTS_SHIFT)

struct goroutine_gentry {
	struct goroutine_gkey key;
	struct goroutine_gval val;
};

#define GOROUTINE_G_HAS_PARENT 0x1
#define GOROUTINE_G_HAS_REASON 0x2
/* Created before its goid was assigned (before go1.24): read it again. */
#define GOROUTINE_G_GOID_PENDING 0x4
/*
 * Seeded from a snapshot at attach: the goroutine existed before tracing, and
 * since_ns is when a GC first saw it blocked (g.waitsince) or the attach
 * itself, so its time in the state is a lower bound.
 */
#define GOROUTINE_G_SEEDED 0x8
#define GOROUTINE_G_HAS_STACK 0x10

/* Index into the BPF counters array. */
enum goroutine_counter {
	GOROUTINE_CNT_EVENTS = 0,     /* probe hits that produced an event */
	GOROUTINE_CNT_LOST = 1,	      /* events dropped because the ring buffer was full */
	GOROUTINE_CNT_EVICTED = 2,    /* --summary: a goroutine's record taken by another's */
	GOROUTINE_CNT_PROCS_FULL = 3, /* --summary: a process's share not kept (procsum full) */
	GOROUTINE_CNT_MAX,
};

/*
 * Following processes (a command's process tree, or --all): the follow
 * programs on the sched tracepoints tell user space of each exec of a
 * followed process (every process with --all) and of each followed process's
 * end, in their own ring buffer, so that it attaches to the new Go binary.
 */
enum goroutine_proc_kind {
	GOROUTINE_PROC_EXEC = 1, /* the process has just exec'd a new program */
	GOROUTINE_PROC_EXIT = 2, /* its main thread has exited */
};

enum goroutine_follow_mode {
	GOROUTINE_FOLLOW_NONE = 0,
	GOROUTINE_FOLLOW_TREE = 1, /* the descendants of the processes in the follow map */
	GOROUTINE_FOLLOW_ALL = 2,  /* every exec on the host */
};

#define GOROUTINE_FOLLOW_MAX 16384

struct goroutine_proc_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC */
	__u32 tgid;
	__u32 kind; /* enum goroutine_proc_kind */
};

#endif /* GOTRACER_GOROUTINE_H */
