/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probepoint: where in a function to put the uprobe so that the kernel
 * emulates the probed instruction instead of single-stepping it.
 *
 * A uprobe on an instruction the kernel cannot emulate costs a second trap
 * (single-step out of line): measured here with counting uprobes on go1.19's
 * runtime.casgstatus, 15 us per hit at its entry (sub rsp) against 1.2 us at
 * its nop. casgstatus runs on every goroutine switch, so that is the tracer's
 * overhead. On x86-64 the kernel (arch/x86/kernel/uprobes.c) emulates:
 *   - the relative branches jmp rel8/rel32 (eb, e9), call rel32 (e8) and
 *     jcc rel8/rel32 (70-7f, 0f 80-8f), in branch_setup_xol_ops() (2014,
 *     older than any kernel with BPF uprobes); never with a 66 prefix;
 *   - the one-byte nop (90), same place;
 *   - push %reg (50-57, 41 50-57) since v4.16 (e7ed9d9bd037, "uprobes/x86:
 *     Emulate push insns for uprobe on x86"), in push_setup_xol_ops().
 * Multi-byte nops (0f 1f /0, 66 90) are emulated only from v6.16 on
 * (610f6e14c29d, "uprobes/x86: Add support to emulate NOP instructions";
 * earlier kernels single-step 0f 1f, and 5.x ones refuse 66 90), so they are never
 * chosen here.
 *
 * probepoint__choose() walks forward from the entry over straight-line code and
 * picks the first instruction the kernel emulates, provided that everything
 * before it leaves the probe's inputs as they were at the entry: the argument
 * registers (register ABI), the g register, the argument slots on the stack
 * (stack ABI, read at SP + 8 + sp_delta), and all memory other than the new
 * frame. Anything it cannot prove is harmless stops the walk, and then the
 * answer is the entry itself: always correct, just slower when the first
 * instruction is not emulated.
 */
#ifndef GOTRACER_PROBEPOINT_H
#define GOTRACER_PROBEPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum probepoint_kind {
	PROBEPOINT_ENTRY = 0, /* the entry, not known to be emulated (the fallback) */
	PROBEPOINT_EMULATED,  /* an instruction the kernel emulates (maybe the entry) */
};

/* x86-64 general-purpose registers, as bits of probepoint_opts.keep_regs. */
enum probepoint_reg {
	PROBEPOINT_RAX = 1u << 0,
	PROBEPOINT_RCX = 1u << 1,
	PROBEPOINT_RDX = 1u << 2,
	PROBEPOINT_RBX = 1u << 3,
	PROBEPOINT_RSP = 1u << 4, /* ignored: SP is tracked, see sp_delta */
	PROBEPOINT_RBP = 1u << 5,
	PROBEPOINT_RSI = 1u << 6,
	PROBEPOINT_RDI = 1u << 7,
	PROBEPOINT_R8 = 1u << 8,
	PROBEPOINT_R9 = 1u << 9,
	PROBEPOINT_R10 = 1u << 10,
	PROBEPOINT_R11 = 1u << 11,
	PROBEPOINT_R12 = 1u << 12,
	PROBEPOINT_R13 = 1u << 13,
	PROBEPOINT_R14 = 1u << 14, /* the current g in Go's register ABI */
	PROBEPOINT_R15 = 1u << 15,
};

/* Go's amd64 register ABI: the first three integer arguments. */
#define PROBEPOINT_GO_ARGS (PROBEPOINT_RAX | PROBEPOINT_RBX | PROBEPOINT_RCX)

struct probepoint_opts {
	/*
	 * Registers that must still hold their entry values at the probe (any
	 * partial write, e.g. to EBX or BL, counts). For Go's register ABI:
	 * PROBEPOINT_GO_ARGS, plus PROBEPOINT_R14 when the probe reads g.
	 */
	uint32_t keep_regs;
	/*
	 * Stack ABI (Go before 1.17 on amd64): arguments are on the stack, so
	 * no instruction before the probe may store anywhere but inside the
	 * frame it has allocated so far. Register ABI: stores must still be
	 * SP-relative (spills), never through another pointer.
	 */
	bool stack_args;
	/* The running kernel emulates push %reg: probepoint__kernel_emulates_push(). */
	bool emulated_push;
};

struct probepoint {
	uint64_t address; /* virtual address of the probed instruction */
	uint64_t offset;  /* address - entry: add it to the entry's file offset */
	enum probepoint_kind kind;
	/*
	 * Bytes pushed or subtracted from SP between the entry and the probe:
	 * stack-ABI arguments are at SP + 8 + sp_delta there. 0 at the entry.
	 */
	int64_t sp_delta;
	uint32_t insn_len;
	char insn[48]; /* "nop", "jb 0x435f0c", ...: for the profile and debugging */
	char why[80];  /* why the walk stopped where it did */
};

/*
 * Choose the probe point in the function whose bytes [entry, entry + len) are
 * at code (read them with elfbuf__at_vaddr over the pclntab's [entry, end)).
 * machine is the ELF e_machine; anything but EM_X86_64 gets the entry. out is
 * always filled: with the entry when nothing better is proven safe.
 * Returns 0, -EINVAL (NULL arguments or len 0), or -ENOMEM / -EIO when the
 * disassembler cannot be opened (out then holds the entry).
 */
int probepoint__choose(const void *code, size_t len, uint64_t entry, unsigned int machine,
		       const struct probepoint_opts *opts, struct probepoint *out);

/* Whether a kernel of this uname release ("6.18.44-...") emulates push %reg (>= 4.16). */
bool probepoint__release_emulates_push(const char *release);
/* The same for the running kernel (uname); false when it cannot be told, or not x86-64. */
bool probepoint__kernel_emulates_push(void);

/* "entry" or "emulated". */
const char *probepoint__kind_name(enum probepoint_kind kind);

#endif /* GOTRACER_PROBEPOINT_H */
