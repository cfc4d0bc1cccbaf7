// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_probepoint: the input is a function's machine code with a 16-byte header:
 *   0  flags: bit 0 stack ABI, bit 1 the kernel emulates push, bit 2 keep
 *      Go's argument registers, bit 3 keep R14 (g)
 *   8  u64 little-endian: the function's entry address
 *   16 the code (x86-64)
 * probepoint__choose() on it. The point it picks must be inside the code, and
 * an "emulated" one must start with an instruction the kernel does emulate
 * (probepoint.h): jmp/call/jcc rel (no 66 prefix), nop 90, push %reg only
 * when allowed and only as 50-57 or 41 50-57.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "probepoint.h"

#define HDR 16

static int legacy_prefix(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
	       b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

/* Does the instruction at c (n bytes) look like one the kernel emulates? */
static int kernel_emulates(const uint8_t *c, size_t n, int push)
{
	size_t i = 0;
	int has66 = 0;
	uint8_t rex = 0;

	if (push && n >= 1 && c[0] >= 0x50 && c[0] <= 0x57)
		return 1;
	if (push && n >= 2 && c[0] == 0x41 && c[1] >= 0x50 && c[1] <= 0x57)
		return 1;
	while (i < n && legacy_prefix(c[i]))
		has66 |= c[i++] == 0x66;
	if (i < n && (c[i] & 0xf0) == 0x40)
		rex = c[i++];
	if (i >= n || has66)
		return 0;
	if (c[i] == 0x90)
		return !(rex & 1); /* 41 90 is xchg %eax,%r8d, not a nop */
	if (c[i] == 0xeb || c[i] == 0xe9 || c[i] == 0xe8 || (c[i] >= 0x70 && c[i] <= 0x7f))
		return 1;
	return c[i] == 0x0f && i + 1 < n && c[i + 1] >= 0x80 && c[i + 1] <= 0x8f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probepoint_opts opts = {0};
	struct probepoint pp;
	const uint8_t *code = data + HDR;
	uint64_t entry;
	size_t len;
	int err;

	if (size < HDR)
		return 0;
	len = size - HDR;
	entry = fuzz_le64(data + 8);
	opts.stack_args = data[0] & 1;
	opts.emulated_push = data[0] & 2;
	opts.keep_regs =
		(data[0] & 4 ? PROBEPOINT_GO_ARGS : 0) | (data[0] & 8 ? PROBEPOINT_R14 : 0);
	err = probepoint__choose(len ? code : NULL, len, entry, EM_X86_64, &opts, &pp);
	FUZZ_CHECK(!err || err == -EINVAL || err == -ENOMEM);
	FUZZ_CHECK(fuzz_terminated(pp.why, sizeof(pp.why)) && pp.why[0]);
	FUZZ_CHECK(fuzz_terminated(pp.insn, sizeof(pp.insn)));
	FUZZ_CHECK(pp.address == entry + pp.offset);
	FUZZ_CHECK(probepoint__kind_name(pp.kind));
	if (pp.kind == PROBEPOINT_EMULATED) {
		FUZZ_CHECK(!err && pp.offset < len && pp.insn_len >= 1 &&
			   pp.insn_len <= len - pp.offset);
		if (!kernel_emulates(code + pp.offset, pp.insn_len, opts.emulated_push))
			fprintf(stderr,
				"chose \"%s\" at +0x%llx, which the kernel does not emulate\n",
				pp.insn, (unsigned long long)pp.offset);
		FUZZ_CHECK(kernel_emulates(code + pp.offset, pp.insn_len, opts.emulated_push));
	} else {
		FUZZ_CHECK(pp.offset == 0 && pp.sp_delta == 0);
	}
	/* Kernel releases come from uname: any text must do. */
	if (len && len < 64) {
		char rel[64];

		memcpy(rel, code, len);
		rel[len] = 0;
		(void)probepoint__release_emulates_push(rel);
	}
	return 0;
}
