// SPDX-License-Identifier: GPL-2.0
/*
 * probepoint: choose a uprobe site the kernel emulates, near a function's entry
 * (see probepoint.h for the kernel facts).
 *
 * Two passes over the function with capstone (detail mode):
 *   1. a linear sweep over all of [entry, end) collects where its relative
 *      branches land. Go's compiler puts no data in text, so the sweep is
 *      exact; an indirect jump or an undecodable byte makes every offset a
 *      possible target. A point after a branch target could run more (or
 *      less) often than once per call, so the walk stops before the first one.
 *      A jump back to the entry itself (the morestack retry) is harmless: the
 *      entry probe would fire again too.
 *   2. a walk from the entry. The first instruction the kernel emulates is
 *      the answer. Every instruction passed on the way must be on a short
 *      list of plain data moves and arithmetic (Go prologues: SUB/ADD/LEA on
 *      SP, PUSH, MOV spills, BT/CMP/TEST, clearing X15), must not write a
 *      register the caller keeps, may change SP only in ways we can count, and
 *      may store only SP-relative (inside the new frame for the stack ABI).
 * We check register writes both with cs_regs_access() and from the
 * destination operand, and treat a memory destination as a store whatever
 * capstone's access flags say: capstone 4.0.2 reports SSE stores such as
 * "movups [rsp+0x28], xmm15" and "lock cmpxchg" as reads.
 */
#include <capstone/capstone.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "probepoint.h"

/* Go's prologues are a few instructions; the nop in casgstatus is the 8th. */
#define WALK_MAX_INSNS 64
/* A frame bigger than this is not something we want to reason about. */
#define SP_DELTA_MAX (1 << 20)

/* The 16 general-purpose registers with every partial name, in PROBEPOINT_* bit order. */
static const x86_reg gprs[16][5] = {
	{X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH},
	{X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH},
	{X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH},
	{X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH},
	{X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL, X86_REG_INVALID},
	{X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, X86_REG_INVALID},
	{X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, X86_REG_INVALID},
	{X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, X86_REG_INVALID},
	{X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, X86_REG_INVALID},
	{X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, X86_REG_INVALID},
	{X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, X86_REG_INVALID},
	{X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, X86_REG_INVALID},
	{X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, X86_REG_INVALID},
	{X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, X86_REG_INVALID},
	{X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, X86_REG_INVALID},
	{X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, X86_REG_INVALID},
};

#define SP_BIT 4

/* Text for a probepoint's insn or why: truncated to fit, which is fine for both. */
static void __attribute__((format(printf, 3, 4))) say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Bit number of the general-purpose register reg is part of, or -1. */
static int gpr_bit(unsigned int reg)
{
	int i, j;

	if (reg == X86_REG_INVALID)
		return -1;
	for (i = 0; i < 16; i++)
		for (j = 0; j < 5; j++)
			if (gprs[i][j] == reg)
				return i;
	return -1;
}

/* Registers an instruction may write without being of interest to us. */
static bool harmless_reg(unsigned int reg)
{
	return reg == X86_REG_EFLAGS || (reg >= X86_REG_XMM0 && reg <= X86_REG_XMM31) ||
	       (reg >= X86_REG_YMM0 && reg <= X86_REG_YMM31) ||
	       (reg >= X86_REG_ZMM0 && reg <= X86_REG_ZMM31);
}

/*
 * Whether the kernel emulates in, judged from its bytes exactly as
 * branch_setup_xol_ops() and push_setup_xol_ops() do, and with no prefix at
 * all (a 66 prefix makes a branch unprobeable, not just slow).
 */
static bool emulated(const cs_insn *in, bool push)
{
	const uint8_t *b = in->bytes;

	switch (in->size) {
	case 1:
		return b[0] == 0x90 || (push && b[0] >= 0x50 && b[0] <= 0x57);
	case 2:
		return (b[0] >= 0x70 && b[0] <= 0x7f) || b[0] == 0xeb ||
		       (push && b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57);
	case 5:
		return b[0] == 0xe8 || b[0] == 0xe9;
	case 6:
		return b[0] == 0x0f && b[1] >= 0x80 && b[1] <= 0x8f;
	}
	return false;
}

static bool in_group(const cs_insn *in, uint8_t group)
{
	int i;

	for (i = 0; i < in->detail->groups_count; i++)
		if (in->detail->groups[i] == group)
			return true;
	return false;
}

static bool control_flow(const cs_insn *in)
{
	return in_group(in, X86_GRP_JUMP) || in_group(in, X86_GRP_CALL) ||
	       in_group(in, X86_GRP_RET) || in_group(in, X86_GRP_INT) ||
	       in_group(in, X86_GRP_IRET) || in_group(in, X86_GRP_PRIVILEGE) ||
	       in_group(in, X86_GRP_BRANCH_RELATIVE);
}

/* Instructions that read their operands only (no destination). */
static bool reads_only(unsigned int id)
{
	switch (id) {
	case X86_INS_CMP:
	case X86_INS_TEST:
	case X86_INS_BT:
	case X86_INS_PUSH:
	case X86_INS_NOP:
	case X86_INS_ENDBR64:
		return true;
	}
	return false;
}

/*
 * The instructions we walk over: plain moves, arithmetic and compares, all of
 * whose effects are the destination operand, flags, and (PUSH) SP. Anything
 * else stops the walk, however harmless it may be.
 */
static bool on_list(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	switch (in->id) {
	case X86_INS_MOV:
	case X86_INS_MOVABS:
	case X86_INS_MOVZX:
	case X86_INS_MOVSX:
	case X86_INS_MOVSXD:
	case X86_INS_LEA:
	case X86_INS_PUSH:
	case X86_INS_ADD:
	case X86_INS_SUB:
	case X86_INS_AND:
	case X86_INS_OR:
	case X86_INS_XOR:
	case X86_INS_CMP:
	case X86_INS_TEST:
	case X86_INS_BT:
	case X86_INS_NOP:
	case X86_INS_ENDBR64:
	case X86_INS_INC:
	case X86_INS_DEC:
	case X86_INS_NEG:
	case X86_INS_NOT:
	case X86_INS_SHL:
	case X86_INS_SHR:
	case X86_INS_SAR:
	case X86_INS_MOVUPS:
	case X86_INS_MOVAPS:
	case X86_INS_MOVUPD:
	case X86_INS_MOVAPD:
	case X86_INS_MOVDQU:
	case X86_INS_MOVDQA:
	case X86_INS_MOVSS:
	case X86_INS_MOVQ:
	case X86_INS_MOVD:
	case X86_INS_XORPS:
	case X86_INS_XORPD:
	case X86_INS_PXOR:
		return true;
	case X86_INS_IMUL:
		/* The one-operand form writes RDX:RAX implicitly. */
		return x->op_count >= 2;
	case X86_INS_MOVSD:
		/* The SSE move, not the string instruction of the same name. */
		return in_group(in, X86_GRP_SSE2);
	}
	return false;
}

/* Effects of one walked-over instruction; false (with why) when the walk must stop. */
static bool step(csh h, const cs_insn *in, const struct probepoint_opts *opts, uint64_t off,
		 int64_t *sp, char *why, size_t whylen)
{
	const cs_x86 *x = &in->detail->x86;
	uint32_t written = 0, keep = opts->keep_regs & ~(1u << SP_BIT);
	cs_regs rregs, wregs;
	uint8_t nr = 0, nw = 0;
	int i, bit;

	if (control_flow(in)) {
		say(why, whylen, "control flow (%s) at +0x%" PRIx64 ", not emulated", in->mnemonic,
		    off);
		return false;
	}
	/* (Not every F2/F3 is a REP: SSE moves like movss carry one as part of the opcode.) */
	if (!on_list(in) || x->prefix[0] == X86_PREFIX_LOCK) {
		say(why, whylen, "%s at +0x%" PRIx64 " is not a plain move or arithmetic",
		    in->mnemonic, off);
		return false;
	}

	/* Registers written: implicit and explicit, then the destination operand itself. */
	if (cs_regs_access(h, in, rregs, &nr, wregs, &nw) != CS_ERR_OK) {
		say(why, whylen, "no register access for %s at +0x%" PRIx64, in->mnemonic, off);
		return false;
	}
	for (i = 0; i < nw; i++) {
		bit = gpr_bit(wregs[i]);
		if (bit >= 0)
			written |= 1u << bit;
		else if (!harmless_reg(wregs[i]))
			goto odd_reg;
	}
	if (x->op_count > 0 && x->operands[0].type == X86_OP_REG && !reads_only(in->id)) {
		bit = gpr_bit(x->operands[0].reg);
		if (bit >= 0)
			written |= 1u << bit;
		else if (!harmless_reg(x->operands[0].reg))
			goto odd_reg;
	}
	if (written & keep) {
		for (bit = 0; !(written & keep & (1u << bit)); bit++)
			;
		say(why, whylen, "%s at +0x%" PRIx64 " writes %s", in->mnemonic, off,
		    cs_reg_name(h, gprs[bit][0]));
		return false;
	}

	/* SP: only the changes a frame set-up makes, counted exactly. */
	if (in->id == X86_INS_PUSH) {
		*sp += 8;
	} else if (written & (1u << SP_BIT)) {
		const cs_x86_op *d = &x->operands[0], *s = &x->operands[1];

		if (x->op_count != 2 || d->type != X86_OP_REG || d->reg != X86_REG_RSP)
			goto odd_sp;
		if (in->id == X86_INS_SUB && s->type == X86_OP_IMM)
			*sp += s->imm;
		else if (in->id == X86_INS_ADD && s->type == X86_OP_IMM)
			*sp -= s->imm;
		else if (in->id == X86_INS_LEA && s->type == X86_OP_MEM &&
			 s->mem.base == X86_REG_RSP && s->mem.index == X86_REG_INVALID &&
			 s->mem.segment == X86_REG_INVALID)
			*sp -= s->mem.disp;
		else
			goto odd_sp;
	}
	if (*sp < 0 || *sp > SP_DELTA_MAX) {
		say(why, whylen, "SP delta %" PRId64 " after +0x%" PRIx64, *sp, off);
		return false;
	}

	/* Stores: a memory destination is one, whatever capstone's access flags say. */
	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *o = &x->operands[i];

		if (o->type != X86_OP_MEM || i > 0 || reads_only(in->id) || in->id == X86_INS_LEA)
			continue;
		if (o->mem.base != X86_REG_RSP || o->mem.index != X86_REG_INVALID ||
		    o->mem.segment != X86_REG_INVALID) {
			say(why, whylen, "%s at +0x%" PRIx64 " stores through a pointer",
			    in->mnemonic, off);
			return false;
		}
		if (opts->stack_args && (o->mem.disp < 0 || o->mem.disp + o->size > *sp)) {
			say(why, whylen,
			    "%s at +0x%" PRIx64 " stores outside the frame (SP+0x%" PRIx64
			    ", frame 0x%" PRIx64 ")",
			    in->mnemonic, off, (uint64_t)o->mem.disp, (uint64_t)*sp);
			return false;
		}
	}
	return true;

odd_reg:
	say(why, whylen, "%s at +0x%" PRIx64 " writes a special register", in->mnemonic, off);
	return false;
odd_sp:
	say(why, whylen, "%s at +0x%" PRIx64 " changes SP in a way we do not count", in->mnemonic,
	    off);
	return false;
}

/*
 * The lowest offset in (0, len) where control may arrive other than by falling
 * through from the entry; len when there is none.
 */
static uint64_t first_target(csh h, cs_insn *in, const uint8_t *code, size_t len, uint64_t entry,
			     char *why, size_t whylen)
{
	const uint8_t *p = code;
	size_t n = len;
	uint64_t addr = entry, low = len;

	while (n) {
		uint64_t here = addr;

		if (!cs_disasm_iter(h, &p, &n, &addr, in)) {
			say(why, whylen, "undecodable byte at +0x%" PRIx64 ": targets unknown",
			    here - entry);
			return 1;
		}
		if (in_group(in, X86_GRP_BRANCH_RELATIVE)) {
			const cs_x86 *x = &in->detail->x86;
			uint64_t t;

			if (x->op_count < 1 || x->operands[0].type != X86_OP_IMM) {
				say(why, whylen, "odd branch at +0x%" PRIx64, here - entry);
				return 1;
			}
			t = (uint64_t)x->operands[0].imm - entry;
			if (t > 0 && t < low) /* unsigned: targets before entry wrap high */
				low = t;
		} else if (in_group(in, X86_GRP_JUMP) || in->id == X86_INS_XBEGIN) {
			say(why, whylen, "indirect jump at +0x%" PRIx64 ": targets unknown",
			    here - entry);
			return 1;
		}
	}
	return low;
}

static void describe(const cs_insn *in, char *buf, size_t len)
{
	say(buf, len, "%s%s%s", in->mnemonic, in->op_str[0] ? " " : "", in->op_str);
}

int probepoint__choose(const void *code, size_t len, uint64_t entry, unsigned int machine,
		       const struct probepoint_opts *opts, struct probepoint *out)
{
	char stop[sizeof(out->why)] = "";
	const uint8_t *p;
	uint64_t addr, low;
	int64_t sp = 0;
	cs_insn *in;
	size_t n;
	csh h;
	int i;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->address = entry;
	out->kind = PROBEPOINT_ENTRY;
	if (!code || !len || !opts) {
		say(out->why, sizeof(out->why), "no code");
		return -EINVAL;
	}
	if (machine != EM_X86_64) {
		say(out->why, sizeof(out->why), "only x86-64 code is analysed");
		return 0;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
		say(out->why, sizeof(out->why), "no disassembler");
		return -ENOMEM;
	}
	if (cs_option(h, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK || !(in = cs_malloc(h))) {
		cs_close(&h);
		say(out->why, sizeof(out->why), "no disassembler");
		return -ENOMEM;
	}

	low = first_target(h, in, code, len, entry, stop, sizeof(stop));

	p = code;
	n = len;
	addr = entry;
	for (i = 0; i < WALK_MAX_INSNS; i++) {
		uint64_t off = addr - entry;

		if (!n) {
			say(stop, sizeof(stop), "end of function at +0x%" PRIx64, off);
			break;
		}
		if (!cs_disasm_iter(h, &p, &n, &addr, in)) {
			say(stop, sizeof(stop), "undecodable byte at +0x%" PRIx64, off);
			break;
		}
		if (!i)
			describe(in, out->insn, sizeof(out->insn));
		if (off >= low) {
			if (!stop[0])
				say(stop, sizeof(stop), "branch target at +0x%" PRIx64, low);
			break;
		}
		if (emulated(in, opts->emulated_push)) {
			out->address = entry + off;
			out->offset = off;
			out->kind = PROBEPOINT_EMULATED;
			out->sp_delta = sp;
			out->insn_len = in->size;
			describe(in, out->insn, sizeof(out->insn));
			say(out->why, sizeof(out->why), "first emulated instruction");
			goto done;
		}
		if (!i)
			out->insn_len = in->size;
		if (!step(h, in, opts, off, &sp, stop, sizeof(stop)))
			break;
	}
	if (i == WALK_MAX_INSNS)
		say(stop, sizeof(stop), "no emulated instruction in %d", WALK_MAX_INSNS);
	say(out->why, sizeof(out->why), "%s", stop);
done:
	cs_free(in, 1);
	cs_close(&h);
	return 0;
}

bool probepoint__release_emulates_push(const char *release)
{
	unsigned long major, minor;
	char *end;

	if (!release)
		return false;
	major = strtoul(release, &end, 10);
	if (end == release || *end != '.')
		return false;
	release = end + 1;
	minor = strtoul(release, &end, 10);
	if (end == release)
		return false;
	return major > 4 || (major == 4 && minor >= 16);
}

bool probepoint__kernel_emulates_push(void)
{
	struct utsname u;

	if (uname(&u) || strcmp(u.machine, "x86_64"))
		return false;
	return probepoint__release_emulates_push(u.release);
}

const char *probepoint__kind_name(enum probepoint_kind kind)
{
	return kind == PROBEPOINT_EMULATED ? "emulated" : "entry";
}
