// SPDX-License-Identifier: GPL-2.0
/*
 * govars: runtime.allgs and runtime.allglen from the code that uses them (see
 * govars.h).
 *
 * The scan follows registers just far enough for Go's own code generation:
 * `lea X(%rip), r` and `mov X(%rip), r` mark what r holds until something
 * else writes r (a call clobbers all), so `xchg v, (r)` can be told apart as
 * "store the value loaded from Y into X". Nothing else is interpreted.
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>

#include "elfbuf.h"
#include "errors.h"
#include "gobin.h"
#include "govars.h"

/* Functions this long are not runtime.allgadd: stop rather than decode a megabyte. */
#define MAX_CODE (64 * 1024)

/* What a general-purpose register holds, as far as the scan knows. */
struct regstate {
	uint64_t addr[16]; /* lea'd: the register is this address */
	uint64_t val[16];  /* mov'd: the register holds the word at this address */
};

static const x86_reg gpr64[16] = {
	X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP, X86_REG_RBP,
	X86_REG_RSI, X86_REG_RDI, X86_REG_R8,  X86_REG_R9,  X86_REG_R10, X86_REG_R11,
	X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15,
};
static const x86_reg gpr32[16] = {
	X86_REG_EAX,  X86_REG_ECX,  X86_REG_EDX,  X86_REG_EBX,	X86_REG_ESP,  X86_REG_EBP,
	X86_REG_ESI,  X86_REG_EDI,  X86_REG_R8D,  X86_REG_R9D,	X86_REG_R10D, X86_REG_R11D,
	X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D,
};

/* The 64-bit register reg is (only full-width names hold an address). */
static int reg64(unsigned int reg)
{
	for (int i = 0; i < 16; i++)
		if (gpr64[i] == reg)
			return i;
	return -1;
}

/* The register reg is part of, in any width we track. */
static int reg_any(unsigned int reg)
{
	int i = reg64(reg);

	for (int j = 0; i < 0 && j < 16; j++)
		if (gpr32[j] == reg)
			i = j;
	return i;
}

static void add_ref(struct govars_refs *out, uint64_t addr, enum govars_use use, uint64_t from)
{
	if (out->n < GOVARS_MAX_REFS)
		out->v[out->n++] = (struct govars_ref){addr, use, from};
}

static void one_insn(csh h, const cs_insn *in, struct regstate *rs, struct govars_refs *out)
{
	const cs_x86 *x = &in->detail->x86;
	int set_reg = -1;
	uint64_t set_addr = 0, set_val = 0;
	cs_regs rr, wr;
	uint8_t nr = 0, nw = 0;

	if (in->id == X86_INS_CALL) {
		memset(rs, 0, sizeof(*rs));
		return;
	}
	for (int i = 0; i < x->op_count; i++) {
		const cs_x86_op *o = &x->operands[i];
		uint64_t target;
		int other;

		if (o->type != X86_OP_MEM)
			continue;
		if (o->mem.base != X86_REG_RIP) {
			/* xchg v, (r): r holding a lea'd address. */
			int b = reg64(o->mem.base);

			if (in->id == X86_INS_XCHG && b >= 0 && o->mem.index == X86_REG_INVALID &&
			    o->mem.disp == 0 && rs->addr[b] && x->op_count == 2) {
				other = reg64(x->operands[1 - i].reg);
				add_ref(out, rs->addr[b], GOVARS_XCHG,
					other >= 0 ? rs->val[other] : 0);
			}
			continue;
		}
		if (o->mem.index != X86_REG_INVALID)
			continue;
		target = in->address + in->size + (uint64_t)o->mem.disp;
		if (in->id == X86_INS_LEA && i == 1 && reg64(x->operands[0].reg) >= 0) {
			set_reg = reg64(x->operands[0].reg);
			set_addr = target;
			add_ref(out, target, GOVARS_ADDR, 0);
		} else if (in->id == X86_INS_MOV && i == 1 && x->operands[0].type == X86_OP_REG &&
			   o->size == 8 && reg64(x->operands[0].reg) >= 0) {
			set_reg = reg64(x->operands[0].reg);
			set_val = target;
			add_ref(out, target, GOVARS_LOAD, 0);
		} else if (in->id == X86_INS_XCHG && x->op_count == 2 &&
			   x->operands[1 - i].type == X86_OP_REG) {
			other = reg64(x->operands[1 - i].reg);
			add_ref(out, target, GOVARS_XCHG, other >= 0 ? rs->val[other] : 0);
		} else {
			add_ref(out, target, GOVARS_OTHER, 0);
		}
	}
	/* Whatever the instruction writes no longer holds what we knew. */
	if (cs_regs_access(h, in, rr, &nr, wr, &nw) == CS_ERR_OK) {
		for (int i = 0; i < nw; i++) {
			int r = reg_any(wr[i]);

			if (r >= 0)
				rs->addr[r] = rs->val[r] = 0;
		}
	} else {
		memset(rs, 0, sizeof(*rs));
	}
	if (set_reg >= 0) {
		rs->addr[set_reg] = set_addr;
		rs->val[set_reg] = set_val;
	}
}

int govars__scan_x86(const void *code, size_t len, uint64_t addr, struct govars_refs *out)
{
	struct regstate rs = {0};
	const uint8_t *p = code;
	size_t n = len;
	cs_insn *in;
	csh h;

	out->n = 0;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -EIO;
	if (cs_option(h, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
		cs_close(&h);
		return -EIO;
	}
	in = cs_malloc(h);
	if (!in) {
		cs_close(&h);
		return -ENOMEM;
	}
	while (n && cs_disasm_iter(h, &p, &n, &addr, in))
		one_insn(h, in, &rs, out);
	cs_free(in, 1);
	cs_close(&h);
	return 0;
}

static bool has(const struct govars_refs *r, uint64_t addr, int use)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].addr == addr && (use < 0 || r->v[i].use == (enum govars_use)use))
			return true;
	return false;
}

int govars__pick(const struct govars_refs *allgadd, const struct govars_refs *foreachg,
		 const struct govars_refs *foreachgrace, int (*writable)(uint64_t addr, void *ctx),
		 void *ctx, uint64_t *allgs, uint64_t *allglen)
{
	uint64_t a = 0, l = 0;
	size_t i;

	*allgs = *allglen = 0;
	/* The slice: its three words used by the append, two by the range loop. */
	for (i = 0; i < allgadd->n; i++) {
		uint64_t c = allgadd->v[i].addr;

		if (c == a || c > UINT64_MAX - 16 || !has(allgadd, c + 8, -1) ||
		    !has(allgadd, c + 16, -1) || !has(foreachg, c, GOVARS_LOAD) ||
		    !has(foreachg, c + 8, GOVARS_LOAD) || !writable(c, ctx))
			continue;
		if (a)
			return -ERRORS__FORMAT;
		a = c;
	}
	if (!a)
		return -ENOENT;
	/* The length: exchanged in from the slice's length word, read by the racy walk. */
	for (i = 0; foreachgrace && i < allgadd->n; i++) {
		const struct govars_ref *r = &allgadd->v[i];

		if (r->use != GOVARS_XCHG || r->from != a + 8 || r->addr == l ||
		    (r->addr >= a && r->addr < a + 24) ||
		    !has(foreachgrace, r->addr, GOVARS_LOAD) || !writable(r->addr, ctx))
			continue;
		if (l)
			return -ERRORS__FORMAT;
		l = r->addr;
	}
	*allgs = a;
	*allglen = l;
	return 0;
}

/* Inside a PT_LOAD segment that is writable and not executable (.data, .bss, .noptrbss). */
static int writable_in(uint64_t addr, void *ctx)
{
	const struct elfbuf *e = ctx;
	size_t i, n = elfbuf__segment_count(e);

	for (i = 0; i < n; i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);

		if (s->type == PT_LOAD && (s->flags & PF_W) && !(s->flags & PF_X) &&
		    addr >= s->vaddr && addr - s->vaddr < s->memsz &&
		    s->memsz - (addr - s->vaddr) >= 8)
			return 1;
	}
	return 0;
}

static int scan_func(const struct gobin *b, const char *name, struct govars_refs *out)
{
	struct gobin_func f;
	const uint8_t *code;
	int err;

	err = gobin__find_func(b, name, &f);
	if (err)
		return err;
	if (f.end <= f.entry || f.end - f.entry > MAX_CODE)
		return -ERRORS__CORRUPT;
	code = elfbuf__at_vaddr(gobin__elf(b), f.entry, f.end - f.entry, NULL);
	if (!code)
		return -ERRORS__TRUNCATED;
	return govars__scan_x86(code, f.end - f.entry, f.entry, out);
}

int govars__find(const struct gobin *b, uint64_t *allgs, uint64_t *allglen)
{
	struct govars_refs *r; /* three of them, 12 KiB: kept off the stack */
	bool have_race;
	int err;

	*allgs = *allglen = 0;
	if (elfbuf__machine(gobin__elf(b)) != EM_X86_64)
		return -EOPNOTSUPP;
	r = malloc(3 * sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = scan_func(b, "runtime.allgadd", &r[0]);
	/* Before go1.17 no forEachG: gcResetMarkState ranged over allgs itself. */
	if (!err && scan_func(b, "runtime.forEachG", &r[1]))
		err = scan_func(b, "runtime.gcResetMarkState", &r[1]);
	if (!err) {
		/* Only the length needs it: without it allglen stays 0. */
		have_race = !scan_func(b, "runtime.forEachGRace", &r[2]);
		err = govars__pick(&r[0], &r[1], have_race ? &r[2] : NULL, writable_in,
				   (void *)gobin__elf(b), allgs, allglen);
	}
	free(r);
	return err;
}
