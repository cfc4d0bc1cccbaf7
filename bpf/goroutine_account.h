/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goroutine_account: how one goroutine state switch is counted into a
 * struct goroutine_summary and the goroutine's own record. Included by the
 * BPF program (--summary, aggregated in the kernel) and by the tracer's
 * user-space analysis (--html, --trace-json, from events), so both give the
 * same numbers for the same switches. No libc, no helpers: plain arithmetic
 * with every index bounded, as the verifier wants.
 */
#ifndef GOTRACER_GOROUTINE_ACCOUNT_H
#define GOTRACER_GOROUTINE_ACCOUNT_H

#include "goroutine.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/*
 * The state without the _Gscan bit. Not & 0xfff: a value of 0x2000 or more is
 * no state of any Go release, and must stay unknown rather than alias a real one.
 */
static __always_inline __u32 goroutine_base_state(__u32 v)
{
	return v & ~GOROUTINE_SCAN_BIT;
}

/*
 * The first of the two gstate slots a goroutine may hold (the second is this
 * | 1): the kernel looks there, and the tracer seeds there. The process is in
 * the hash: copies of one non-PIE binary allocate their g's at the same
 * addresses, and would all want the same two slots.
 */
static __always_inline __u32 goroutine_gslot_index(__u64 gp, __u32 tgid)
{
	__u64 h = (gp ^ ((__u64)tgid << 32 | tgid)) * 0x9e3779b97f4a7c15ULL;

	return (__u32)(h >> (64 - GOROUTINE_GSLOTS_SHIFT)) & ~1u;
}

static __always_inline __u32 goroutine_log2_slot(__u64 v)
{
	__u32 r = 0;

#ifdef __clang__
#pragma unroll
#endif
	for (int i = 5; i >= 0; i--) {
		__u32 shift = 1 << i;

		if (v >> shift) {
			v >>= shift;
			r += shift;
		}
	}
	return r < GOROUTINE_HIST_SLOTS ? r : GOROUTINE_HIST_SLOTS - 1;
}

static __always_inline __u32 goroutine_state_index(__u32 state)
{
	if (state >= GOROUTINE_NSTATES)
		state = GOROUTINE_NSTATES - 1;
#ifdef __bpf__
	/*
	 * clang may index with a copy of state taken before the clamp, which
	 * the verifier sees unbounded: hide what clang knows, so that the mask
	 * (GOROUTINE_NSTATES is a power of two) is kept and bounds the index.
	 */
	asm volatile("" : "+r"(state));
#endif
	return state & (GOROUTINE_NSTATES - 1);
}

static __always_inline __u32 goroutine_gslot(__u32 state)
{
	switch (state) {
	case GOROUTINE_RUNNABLE:
		return GOROUTINE_G_RUNNABLE;
	case GOROUTINE_RUNNING:
		return GOROUTINE_G_RUNNING;
	case GOROUTINE_SYSCALL:
		return GOROUTINE_G_SYSCALL;
	case GOROUTINE_WAITING:
		return GOROUTINE_G_WAITING;
	default:
		return GOROUTINE_G_OTHER;
	}
}

/* A goroutine is created by casgstatus(newg, _Gdead, _Grunnable) in newproc1. */
static __always_inline int goroutine_is_creation(__u32 oldval, __u32 newval)
{
	/* _Gwaiting: a coroutine's g, made parked (go1.23+ newproc1's parked, from newcoro). */
	return oldval == GOROUTINE_DEAD &&
	       (newval == GOROUTINE_RUNNABLE || newval == GOROUTINE_WAITING);
}

/*
 * Whether the goid read at this switch may not be the goroutine's own yet: a
 * fresh g leaves _Gidle (for _Gdead, or go1.26+'s _Gdeadextra for an extra M)
 * before its goid is set, and before go1.24 so does a creation.
 */
static __always_inline int goroutine_goid_unset(__u32 oldval, __u32 newval, __u32 goid_at_creation)
{
	return goroutine_base_state(oldval) == GOROUTINE_IDLE ||
	       (!goid_at_creation &&
		goroutine_is_creation(goroutine_base_state(oldval), goroutine_base_state(newval)));
}

/* Its end: any live state to _Gdead (a fresh g's _Gidle -> _Gdead is not one). */
static __always_inline int goroutine_is_exit(__u32 oldval, __u32 newval)
{
	return newval == GOROUTINE_DEAD && oldval != GOROUTINE_IDLE;
}

/*
 * A stack's id: FNV-1a over its pcs and flags; 0 is kept for "no stack". The
 * kernel's walks and the snapshots the tracer seeds from name the same stack
 * alike.
 */
static __always_inline __u64 goroutine_stack_id(const struct goroutine_stack *st)
{
	__u64 h = 0xcbf29ce484222325ull;

	for (__u32 i = 0; i < GOROUTINE_STACK_DEPTH; i++) {
		if (i >= st->n)
			break;
		h = (h ^ st->pcs[i]) * 0x100000001b3ull;
	}
	h = (h ^ st->flags) * 0x100000001b3ull;
	return h ? h : 1;
}

/*
 * Time by stack (the blocking map): a goroutine's time in its state g->state,
 * ended by a switch to n, is counted under its stack (wait_stack) when it
 * has one: a wait (under its wait reason), a syscall, and the scheduler
 * latency (RUNNABLE -> RUNNING) of a goroutine woken from a wait, whose
 * stack is the one it waited at, or of one that yielded or was preempted,
 * at its stack then: where it resumes (go tool trace's -pprof=sched
 * attributes it the same way). n is a base state.
 */
static __always_inline int goroutine_stack_time_ends(const struct goroutine_gval *g, __u32 n)
{
	if (!(g->flags & GOROUTINE_G_HAS_STACK) || n == g->state)
		return 0;
	return g->state != GOROUTINE_RUNNABLE || n == GOROUTINE_RUNNING;
}

/* The reason g's time by stack is counted under (goroutine_stack_time_ends). */
static __always_inline __u32 goroutine_stack_reason(const struct goroutine_gval *g)
{
	if (g->state == GOROUTINE_SYSCALL)
		return GOROUTINE_REASON_SYSCALL;
	if (g->state == GOROUTINE_RUNNABLE)
		return GOROUTINE_REASON_SCHED;
	return g->flags & GOROUTINE_G_HAS_REASON ? g->waitreason : GOROUTINE_NREASONS;
}

/* Whether g, switching to n, keeps its stack: woken from a wait, it resumes there. */
static __always_inline int goroutine_stack_kept(const struct goroutine_gval *g, __u32 n)
{
	return n == GOROUTINE_RUNNABLE && g->state == GOROUTINE_WAITING &&
	       (g->flags & GOROUTINE_G_HAS_STACK);
}

/*
 * Count the switch oldval -> newval at now into sum, and close the state g
 * was in (g is NULL for a goroutine not seen before: its earlier time is
 * unknown). The caller then records the new state in g, or drops g when
 * goroutine_is_exit(). Values are masked to drop the _Gscan bit.
 */
static __always_inline void goroutine_account(struct goroutine_summary *sum,
					      struct goroutine_gval *g, __u32 oldval, __u32 newval,
					      __u64 now)
{
	__u32 o = goroutine_state_index(goroutine_base_state(oldval));
	__u32 n = goroutine_state_index(goroutine_base_state(newval));

	sum->transitions[o][n]++;
	if (g) {
		__u64 dt = now > g->since_ns ? now - g->since_ns : 0;
		__u32 ps = goroutine_state_index(g->state);

		sum->state_ns[ps] += dt;
		g->state_ns[goroutine_gslot(ps)] += dt;
		if (ps == GOROUTINE_RUNNABLE && n == GOROUTINE_RUNNING) {
			sum->schedlat[goroutine_log2_slot(dt / 1000)]++;
			sum->schedlat_ns += dt;
			if (dt > sum->schedlat_max_ns)
				sum->schedlat_max_ns = dt;
		}
		if (ps == GOROUTINE_WAITING) {
			__u32 wr = g->waitreason % GOROUTINE_NREASONS;

			sum->wait_count[wr]++;
			sum->wait_ns[wr] += dt;
			sum->wait_hist[wr][goroutine_log2_slot(dt / 1000)]++;
			if (dt > sum->wait_max_ns[wr])
				sum->wait_max_ns[wr] = dt;
		}
	}
	if (goroutine_is_creation(o, n))
		sum->created++;
	if (goroutine_is_exit(o, n)) {
		sum->exited++;
		if (g && g->created_ns && now > g->created_ns) {
			__u64 life = now - g->created_ns;

			sum->lifetime[goroutine_log2_slot(life / 1000)]++;
			sum->lifetime_ns += life;
			if (life > sum->lifetime_max_ns)
				sum->lifetime_max_ns = life;
		}
	}
}

/*
 * The same switch into its process's share (struct goroutine_procsum), by
 * the same rules as goroutine_account(); call it first: g is as it was.
 */
static __always_inline void goroutine_account_proc(struct goroutine_procsum *p,
						   const struct goroutine_gval *g, __u32 oldval,
						   __u32 newval, __u64 now)
{
	__u32 o = goroutine_state_index(goroutine_base_state(oldval));
	__u32 n = goroutine_state_index(goroutine_base_state(newval));

	p->switches++;
	if (g && goroutine_state_index(g->state) == GOROUTINE_RUNNABLE && n == GOROUTINE_RUNNING) {
		__u64 dt = now > g->since_ns ? now - g->since_ns : 0;

		p->schedlat_count++;
		p->schedlat_ns += dt;
		if (dt > p->schedlat_max_ns)
			p->schedlat_max_ns = dt;
	}
	if (goroutine_is_creation(o, n))
		p->created++;
	if (goroutine_is_exit(o, n))
		p->exited++;
}

#endif /* GOTRACER_GOROUTINE_ACCOUNT_H */
