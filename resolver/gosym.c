// SPDX-License-Identifier: GPL-2.0
/*
 * gosym: pc -> frames with inlined calls (see gosym.h), as debug/gosym and the
 * runtime's inline unwinder do it.
 *
 * Facts (runtime/symtab.go, symtabinl.go, internal/abi/symtab.go):
 *   - PCDATA_InlTreeIndex at pc gives the index of the innermost inlined call
 *     covering pc in the function's inline tree (FUNCDATA_InlTree), or -1.
 *   - The inlined call's name is its own; its file:line is pcfile/pcln of the
 *     physical function at pc. The next frame out is looked up the same way at
 *     entry + parentPc, an instruction whose position is the call site, until
 *     the index is -1: that is the physical function.
 *   - FUNCDATA in 1.18+ is a u32 offset from moduledata.gofunc (^0: none);
 *     before, an absolute pointer (relocated in a PIE).
 *   - inlinedCall up to go1.19: parent i16, funcID u8, pad, file i32, line i32,
 *     nameOff i32, parentPc i32 (20 bytes); go1.20+: funcID u8, 3 pad,
 *     nameOff i32, parentPc i32, startLine i32 (16 bytes).
 * The chain is followed by pc, as the runtime does, not by the parent field,
 * and bounded: a crafted table can make it cycle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elfbuf.h"
#include "errors.h"
#include "gosym.h"
#include "moduledata.h"
#include "pclntab.h"
#include "rd.h"

/*
 * A two-way set-associative memo of recent answers. A goroutine dump looks up the same
 * few hundred return addresses over and over (100k goroutines parked in a
 * handful of stacks), and one uncached lookup decodes up to three pc-value
 * tables from the function's start per frame: microseconds for a large one.
 */
#define MEMO_BITS 12 /* 4096 slots, about 1.2 MB, touched only as used */
#define MEMO_SLOTS (1u << MEMO_BITS)
#define MEMO_FRAMES 6 /* deeper answers are not kept */

struct memo {
	uint64_t pc;
	size_t n; /* 0: empty slot */
	struct gosym_frame f[MEMO_FRAMES];
};

struct gosym {
	struct memo *memo; /* MEMO_SLOTS, or NULL when the allocation failed */
	const struct elfbuf *e;
	const struct pclntab *t;
	const struct moduledata_relocs *r;
	enum pclntab_version ver;
	bool inline_ok;	      /* an inline tree can be found (format and moduledata) */
	uint64_t gofunc;      /* 1.18+: base of funcdata offsets */
	uint64_t table_vaddr; /* 1.16-1.17: the pcHeader's address, for slot addresses */
};

/* One function's inline tree: its bytes in the file, as far as the segment goes. */
struct inltree {
	const uint8_t *p;
	size_t avail;
	unsigned int esize; /* bytes of one inlinedCall */
	bool big_endian;
};

int gosym__new(const struct elfbuf *e, const struct pclntab *t, const struct moduledata *md,
	       const struct moduledata_relocs *r, struct gosym **out)
{
	struct gosym *s;

	*out = NULL;
	if (!e || !t)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* Without the memo every answer is the same, only slower. */
	s->memo = calloc(MEMO_SLOTS, sizeof(*s->memo));
	s->e = e;
	s->t = t;
	s->r = r;
	s->ver = pclntab__version(t);
	if (md && s->ver >= PCLNTAB_VER_118 && md->gofunc) {
		s->gofunc = md->gofunc;
		s->inline_ok = true;
	} else if (md && s->ver == PCLNTAB_VER_116 && md->pcheader) {
		s->table_vaddr = md->pcheader;
		s->inline_ok = true;
	}
	*out = s;
	return 0;
}

void gosym__delete(struct gosym *s)
{
	if (!s)
		return;
	free(s->memo);
	free(s);
}

/* f's inline tree: 0, -ENOENT (none: nothing inlined), -ERRORS__CORRUPT. */
static int inltree_of(const struct gosym *s, const struct pclntab_funcinfo *fi,
		      struct inltree *tree)
{
	uint64_t v, slot, vaddr;
	int err;

	if (!s->inline_ok)
		return -ENOENT;
	err = pclntab__funcdata(s->t, fi, PCLNTAB_FUNCDATA_INLTREE, &v, &slot);
	if (err)
		return err;
	if (s->ver >= PCLNTAB_VER_118) {
		if (rd__add(s->gofunc, v, &vaddr))
			return -ERRORS__CORRUPT;
	} else {
		/* The linker's pointer, or in a PIE the relocation's addend at the slot. */
		if (rd__add(s->table_vaddr, slot, &slot) ||
		    moduledata__read_ptr(s->e, s->r, slot, pclntab__ptrsize(s->t), &vaddr))
			return -ERRORS__CORRUPT;
		if (!vaddr)
			return -ENOENT;
	}
	tree->esize = s->ver >= PCLNTAB_VER_120 ? 16 : 20;
	tree->big_endian = pclntab__header(s->t)->big_endian;
	tree->p = elfbuf__at_vaddr(s->e, vaddr, tree->esize, &tree->avail);
	return tree->p ? 0 : -ERRORS__CORRUPT;
}

/* Entry ix of the tree: its name offset, parentPc and funcID. */
static int inlined_call(const struct inltree *tree, int32_t ix, uint32_t *nameoff,
			int32_t *parent_pc, uint8_t *func_id, int32_t *start_line)
{
	uint64_t off = (uint64_t)ix * tree->esize, a, b;
	/* Field offsets of nameOff and parentPc in the two layouts. */
	unsigned int name_at = tree->esize == 16 ? 4 : 12, ppc_at = tree->esize == 16 ? 8 : 16;

	if (ix < 0 || !rd__in(tree->avail, off, tree->esize))
		return -ERRORS__CORRUPT;
	if (rd__uint(tree->p, tree->avail, off + name_at, 4, tree->big_endian, &a) ||
	    rd__uint(tree->p, tree->avail, off + ppc_at, 4, tree->big_endian, &b))
		return -ERRORS__CORRUPT;
	*nameoff = (uint32_t)a;
	*parent_pc = (int32_t)(uint32_t)b;
	/* startLine exists from go1.20 (the 16-byte layout), after parentPc. */
	*start_line = 0;
	if (tree->esize == 16) {
		if (rd__uint(tree->p, tree->avail, off + 12, 4, tree->big_endian, &a))
			return -ERRORS__CORRUPT;
		*start_line = (int32_t)(uint32_t)a;
	}
	/* funcID is the first byte from go1.20, after the i16 parent before. */
	*func_id = tree->p[off + (tree->esize == 16 ? 0 : 2)];
	return 0;
}

/* The inline tree index at pc, -1 when pc is in no inlined call. */
static int inl_index(const struct gosym *s, const struct pclntab_func *f,
		     const struct pclntab_funcinfo *fi, uint64_t pc, int32_t *ix)
{
	int err = pclntab__pcdata(s->t, f, fi, PCLNTAB_PCDATA_INLTREEINDEX, pc, ix);

	if (err == -ENOENT) {
		*ix = -1;
		return 0;
	}
	return err;
}

/* File and line of pc; a table that does not cover pc gives "?", 0, as in the runtime. */
static int file_line(const struct gosym *s, const struct pclntab_func *f,
		     const struct pclntab_funcinfo *fi, uint64_t pc, struct gosym_frame *fr)
{
	int err = pclntab__file_line(s->t, f, fi, pc, &fr->file, &fr->line);

	return err == -ENOENT ? 0 : err;
}

static int frames(const struct gosym *s, uint64_t pc, struct gosym_frame *out, size_t max,
		  size_t *n)
{
	struct pclntab_funcinfo fi;
	struct pclntab_func f;
	struct inltree tree = {0};
	struct gosym_frame fr;
	size_t depth = 0, stored = 0;
	bool has_tree;
	int32_t ix = -1;
	int err;

	*n = 0;
	err = pclntab__find_pc(s->t, pc, &f);
	if (err)
		return err == -ERRORS__NO_SYMBOL ? err : -ERRORS__CORRUPT;
	if (pclntab__func_info(s->t, &f, &fi) || !*f.name)
		return -ERRORS__CORRUPT;
	err = inltree_of(s, &fi, &tree);
	if (err && err != -ENOENT)
		return -ERRORS__CORRUPT;
	has_tree = !err;
	if (has_tree && inl_index(s, &f, &fi, pc, &ix))
		return -ERRORS__CORRUPT;
	for (;;) {
		uint32_t nameoff = 0;
		int32_t parent_pc = 0;

		/* Go inlines a few levels deep; a longer chain is a cycle in a crafted table. */
		if (depth++ >= GOSYM_MAX_DEPTH)
			return -ERRORS__CORRUPT;
		fr = (struct gosym_frame){.pc = pc, .entry = f.entry, .inlined = ix >= 0};
		if (file_line(s, &f, &fi, pc, &fr))
			return -ERRORS__CORRUPT;
		if (ix < 0) {
			fr.func = f.name;
			fr.func_id = fi.func_id;
			fr.start_line = fi.start_line;
		} else {
			if (inlined_call(&tree, ix, &nameoff, &parent_pc, &fr.func_id,
					 &fr.start_line))
				return -ERRORS__CORRUPT;
			fr.func = pclntab__name(s->t, nameoff);
			/* The call site must be an instruction of the same physical function. */
			if (!fr.func || parent_pc < 0 || (uint64_t)parent_pc >= f.end - f.entry)
				return -ERRORS__CORRUPT;
		}
		if (stored < max)
			out[stored++] = fr;
		if (ix < 0)
			break;
		pc = f.entry + (uint64_t)parent_pc;
		if (inl_index(s, &f, &fi, pc, &ix))
			return -ERRORS__CORRUPT;
	}
	*n = stored;
	return stored < depth ? -ENOSPC : 0;
}

/* The set of two slots for pc, the more recently filled one first. */
static struct memo *memo_set(const struct gosym *s, uint64_t pc)
{
	/* Fibonacci hashing: nearby return addresses land in different sets. */
	return &s->memo[2 * ((pc * 0x9e3779b97f4a7c15ull) >> (64 - MEMO_BITS + 1))];
}

int gosym__frames(const struct gosym *s, uint64_t pc, struct gosym_frame *out, size_t max,
		  size_t *n)
{
	struct gosym_frame tmp[MEMO_FRAMES];
	struct memo *m;
	int err;

	*n = 0;
	if (!s->memo)
		return frames(s, pc, out, max, n);
	m = memo_set(s, pc);
	if (m[1].n && m[1].pc == pc) {
		m++;
	} else if (!m[0].n || m[0].pc != pc) {
		/* Decode into the slot's size; deeper chains are answered uncached. */
		err = frames(s, pc, tmp, MEMO_FRAMES, n);
		if (err == -ENOSPC)
			return frames(s, pc, out, max, n);
		if (err)
			return err;
		/* The older of the two goes. */
		m[1] = m[0];
		m->pc = pc;
		m->n = *n;
		memcpy(m->f, tmp, *n * sizeof(*tmp));
	}
	*n = m->n < max ? m->n : max;
	if (*n)
		memcpy(out, m->f, *n * sizeof(*out));
	return *n < m->n ? -ENOSPC : 0;
}
