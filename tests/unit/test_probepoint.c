// SPDX-License-Identifier: GPL-2.0
/*
 * test_probepoint: the choice of an emulated uprobe site (resolver/probepoint.c).
 *
 * 1. Hand-assembled functions: Go register- and stack-ABI prologues, and each
 *    rule that must stop the walk (a write to an argument register, partial
 *    or implicit; a branch target or an indirect jump; undecodable bytes;
 *    int3/ud2/syscall/lock; stores through pointers or above the frame; SP
 *    changes we cannot count), plus the kernel version parser.
 * 2. Real binaries: runtime.casgstatus, newproc, reentersyscall and
 *    exitsyscall in every cached fixture (~/.cache/gotracer/fixtures/go1.NN/)
 *    and npm esbuild binary, with and without push emulation. Each choice is
 *    printed and checked against independent oracles: objdump must show the
 *    claimed instruction at the claimed address, no instruction before it may
 *    write a register the tracer reads there (AX/BX/CX, or R14) or store
 *    outside the frame (read from objdump's AT&T text, with our own SP
 *    count), and sp_delta must equal the pclntab's pcsp value at that pc.
 *    casgstatus must get an emulated point in every x86-64 binary: the walk
 *    growing too strict is a regression too.
 * 3. Live, as root with perf's uprobe PMU: counting uprobes at the entry and at
 *    the chosen points of casgstatus in a private copy of each pingpong
 *    fixture (and of the stack-ABI esbuild binaries) must count the same
 *    number of hits, but for threads killed mid-call at exit: the point runs
 *    once per call. PROBEPOINT_BENCH=N also times N pingpong round trips under
 *    each probe alone and prints the cost per hit.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "check.h"
#include "elfbuf.h"
#include "moduledata.h"
#include "pclntab.h"
#include "probepoint.h"

#define ENTRY 0x401000ULL

static const struct probepoint_opts reg_abi = {
	.keep_regs = PROBEPOINT_GO_ARGS | PROBEPOINT_R14,
};
static const struct probepoint_opts reg_abi_push = {
	.keep_regs = PROBEPOINT_GO_ARGS | PROBEPOINT_R14,
	.emulated_push = true,
};
static const struct probepoint_opts stack_abi = {
	.stack_args = true,
};

static struct probepoint choose(const uint8_t *code, size_t len, const struct probepoint_opts *o)
{
	struct probepoint pp;
	uint8_t *copy = malloc(len); /* exactly len bytes, so ASan sees any over-read */

	memcpy(copy, code, len);
	CHECK(probepoint__choose(copy, len, ENTRY, EM_X86_64, o, &pp) == 0);
	free(copy);
	return pp;
}

#define CHOOSE(o, ...)                                        \
	({                                                    \
		static const uint8_t code_[] = {__VA_ARGS__}; \
		choose(code_, sizeof(code_), (o));            \
	})

#define EXPECT_ENTRY(pp)                              \
	do {                                          \
		CHECK((pp).kind == PROBEPOINT_ENTRY); \
		CHECK_EQ_U64((pp).address, ENTRY);    \
		CHECK_EQ_U64((pp).offset, 0);         \
		CHECK_EQ_U64((pp).sp_delta, 0);       \
	} while (0)

#define EXPECT_AT(pp, off, sp, text)                       \
	do {                                               \
		CHECK((pp).kind == PROBEPOINT_EMULATED);   \
		CHECK_EQ_U64((pp).offset, (off));          \
		CHECK_EQ_U64((pp).address, ENTRY + (off)); \
		CHECK_EQ_U64((pp).sp_delta, (sp));         \
		CHECK_STR((pp).insn, (text));              \
	} while (0)

/* go1.19 casgstatus: frame set-up, spills of AX/BX/CX, bt, then the nop and a jb. */
/* clang-format off */
#define GO119_HEAD					\
	0x48, 0x83, 0xec, 0x40,		/* sub rsp, 0x40 */		\
	0x48, 0x89, 0x6c, 0x24, 0x38,	/* mov [rsp+0x38], rbp */	\
	0x48, 0x8d, 0x6c, 0x24, 0x38,	/* lea rbp, [rsp+0x38] */	\
	0x48, 0x89, 0x44, 0x24, 0x48,	/* mov [rsp+0x48], rax */	\
	0x89, 0x5c, 0x24, 0x50,		/* mov [rsp+0x50], ebx */	\
	0x89, 0x4c, 0x24, 0x54,		/* mov [rsp+0x54], ecx */	\
	0x0f, 0xba, 0xe3, 0x0c		/* bt ebx, 0xc */
/* clang-format on */
#define TAIL 0x48, 0x83, 0xc4, 0x40, 0xc3, 0xcc, 0xcc /* add rsp, 0x40; ret; int3 padding */

static void test_go_prologues(void)
{
	struct probepoint pp;

	/* go1.19: the nop at +0x1f, 0x40 into the frame. */
	pp = CHOOSE(&reg_abi, GO119_HEAD, 0x90, 0x72, 0x00, TAIL);
	EXPECT_AT(pp, 0x1f, 0x40, "nop");
	CHECK_EQ_U64(pp.insn_len, 1);
	pp = CHOOSE(&reg_abi_push, GO119_HEAD, 0x90, 0x72, 0x00, TAIL);
	EXPECT_AT(pp, 0x1f, 0x40, "nop");

	/* go1.21+: push rbp first. Emulated since 4.16; else the first jb. */
	pp = CHOOSE(&reg_abi_push, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x38, 0x48, 0x89, 0x44,
		    0x24, 0x48, 0x89, 0x4c, 0x24, 0x54, 0x89, 0x5c, 0x24, 0x50, 0x0f, 0xba, 0xe3,
		    0x0c, 0x72, 0x00, 0x90, 0xc3);
	EXPECT_AT(pp, 0, 0, "push rbp");
	pp = CHOOSE(&reg_abi, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x38, 0x48, 0x89, 0x44,
		    0x24, 0x48, 0x89, 0x4c, 0x24, 0x54, 0x89, 0x5c, 0x24, 0x50, 0x0f, 0xba, 0xe3,
		    0x0c, 0x72, 0x00, 0x90, 0xc3);
	EXPECT_AT(pp, 0x19, 0x40, "jb 0x40101b");
	CHECK_EQ_U64(pp.insn_len, 2);

	/* push r13 (41 55) is emulated too; push with any other prefix is not. */
	pp = CHOOSE(&reg_abi_push, 0x41, 0x55, 0x90, 0xc3);
	EXPECT_AT(pp, 0, 0, "push r13");
	pp = CHOOSE(&reg_abi_push, 0x48, 0x55, 0x90, 0xc3); /* rex.w push rbp */
	EXPECT_AT(pp, 2, 8, "nop");

	/* Stack-check prologue (go1.17+): cmp rsp, [r14+0x10]; jbe -> the jbe. */
	pp = CHOOSE(&reg_abi, 0x49, 0x3b, 0x66, 0x10, 0x76, 0x05, 0x48, 0x83, 0xec, 0x18, 0xc3,
		    0xe8, 0x00, 0x00, 0x00, 0x00, 0xeb, 0xee /* call; jmp entry */);
	EXPECT_AT(pp, 4, 0, "jbe 0x40100b");

	/* Stack ABI (go1.14-1.16 casgstatus): the jae at +0x16, 0x40 into the frame. */
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xec, 0x40, 0x48, 0x89, 0x6c, 0x24, 0x38, 0x48, 0x8d,
		    0x6c, 0x24, 0x38, 0x8b, 0x44, 0x24, 0x50, 0x0f, 0xba, 0xe0, 0x0c, 0x0f, 0x83,
		    0x00, 0x00, 0x00, 0x00, TAIL);
	EXPECT_AT(pp, 0x16, 0x40, "jae 0x40101c");
	CHECK_EQ_U64(pp.insn_len, 6);
	/* Loading an argument into EAX is fine for the stack ABI, not for the register ABI. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x40, 0x8b, 0x44, 0x24, 0x50, 0x90, TAIL);
	EXPECT_ENTRY(pp);
	CHECK(strstr(pp.why, "writes rax") != NULL);
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xec, 0x40, 0x8b, 0x44, 0x24, 0x50, 0x90, TAIL);
	EXPECT_AT(pp, 8, 0x40, "nop");

	/* The entry itself, when it is a nop or a branch. */
	pp = CHOOSE(&reg_abi, 0x90, 0xc3);
	EXPECT_AT(pp, 0, 0, "nop");
	pp = CHOOSE(&reg_abi, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xc3);
	EXPECT_AT(pp, 0, 0, "call 0x401005");
	pp = CHOOSE(&reg_abi, 0xe9, 0x00, 0x00, 0x00, 0x00, 0xc3);
	EXPECT_AT(pp, 0, 0, "jmp 0x401005");
	pp = CHOOSE(&reg_abi, 0xeb, 0x00, 0xc3);
	EXPECT_AT(pp, 0, 0, "jmp 0x401002");
	pp = CHOOSE(&reg_abi, 0x0f, 0x85, 0x00, 0x00, 0x00, 0x00, 0xc3);
	EXPECT_AT(pp, 0, 0, "jne 0x401006");
	/* A call before any nop is the point: the kernel emulates it (pushing the return). */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x90, 0xc3);
	EXPECT_AT(pp, 4, 0x10, "call 0x401009");
}

static void test_register_writes(void)
{
	struct probepoint pp;

	/* xor ebx, ebx before the nop: the entry. */
	pp = CHOOSE(&reg_abi, GO119_HEAD, 0x31, 0xdb, 0x90, 0x72, 0x00, TAIL);
	EXPECT_ENTRY(pp);
	CHECK(strstr(pp.why, "writes rbx") != NULL);
	/* Partial writes: mov bh, 1 / mov cl, [rsp] / mov ax, 1. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0xb7, 0x01, 0x90, TAIL);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x8a, 0x0c, 0x24, 0x90, TAIL);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x66, 0xb8, 0x01, 0x00, 0x90, TAIL);
	EXPECT_ENTRY(pp);
	/* Implicit writes: imul rbx (RDX:RAX), cpuid (EAX..EDX), xchg. */
	pp = CHOOSE(&reg_abi, 0x48, 0xf7, 0xeb, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x0f, 0xa2, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x87, 0xd8, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	/* Writes to other registers are fine: mov rdx, [rsp]; xorps xmm15, xmm15; lea rdi, [rip]. */
	pp = CHOOSE(&reg_abi, 0x48, 0x8b, 0x14, 0x24, 0x45, 0x0f, 0x57, 0xff, 0x48, 0x8d, 0x3d,
		    0x00, 0x00, 0x00, 0x00, 0x90, 0xc3);
	EXPECT_AT(pp, 0xf, 0, "nop");
	/* g in R14: mov r14, [r14+0x30] stops the walk only when R14 is kept. */
	pp = CHOOSE(&reg_abi, 0x4d, 0x8b, 0x76, 0x30, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	{
		struct probepoint_opts args_only = {.keep_regs = PROBEPOINT_GO_ARGS};

		pp = CHOOSE(&args_only, 0x4d, 0x8b, 0x76, 0x30, 0x90, 0xc3);
		EXPECT_AT(pp, 4, 0, "nop");
	}
}

static void test_control_flow(void)
{
	struct probepoint pp;

	/* A later branch back into the prefix: the nop could run twice per call. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, /* +4: */ 0x48, 0x89, 0x44, 0x24, 0x18, 0x90,
		    0xc3, 0xeb, 0xf7 /* jmp +4 */);
	EXPECT_ENTRY(pp);
	CHECK(strstr(pp.why, "branch target at +0x4") != NULL);
	/* ... and a conditional one landing exactly on the nop. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x90, 0xc3, 0x75, 0xfc /* jne +4 */);
	EXPECT_ENTRY(pp);
	/* A branch landing after the point is harmless, and so is one back to the entry. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x90, 0xc3, 0x75, 0xfd /* jne +5 */);
	EXPECT_AT(pp, 4, 0x10, "nop");
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x90, 0xc3, 0xeb, 0xf8 /* jmp entry */);
	EXPECT_AT(pp, 4, 0x10, "nop");
	/* A call into the prefix from further down counts as a target too. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x90, 0xc3, 0xe8, 0xf9, 0xff, 0xff, 0xff);
	EXPECT_ENTRY(pp);
	/* An indirect jump anywhere: targets unknown. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x90, 0xc3, 0xff, 0xe0 /* jmp rax */);
	EXPECT_ENTRY(pp);
	CHECK(strstr(pp.why, "indirect jump") != NULL);
	/* ... but the entry is always fine. */
	pp = CHOOSE(&reg_abi, 0x90, 0xc3, 0xff, 0xe0);
	EXPECT_AT(pp, 0, 0, "nop");
	/* Branches the kernel does not emulate stop the walk: loop, jrcxz, jmp rax, ret. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0xe2, 0x00, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0xe3, 0x00, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0xc3, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	/* A 66-prefixed jcc is refused by the kernel: never chosen. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x66, 0x74, 0x00, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	/* Multi-byte nops are walked over (emulated only since 6.16), the 1-byte one chosen. */
	pp = CHOOSE(&reg_abi, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x66, 0x90, 0x90, 0xc3);
	EXPECT_AT(pp, 7, 0, "nop");
	/* int3, ud2, syscall, hlt, lock cmpxchg, rep stosq before the nop. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0xcc, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x0f, 0x0b, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x0f, 0x05, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0xf4, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0xf0, 0x0f, 0xb1, 0x14, 0x24, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0xf3, 0x48, 0xab, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	/* Undecodable bytes (06 is invalid in 64-bit mode) before the nop, or after it. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x06, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	CHECK(strstr(pp.why, "undecodable") != NULL);
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x90, 0xc3, 0x06);
	EXPECT_ENTRY(pp);
	/* A function cut in the middle of an instruction. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec);
	EXPECT_ENTRY(pp);
	/* No emulated instruction at all within the function. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x10, 0x48, 0x83, 0xc4, 0x10);
	EXPECT_ENTRY(pp);
	CHECK(strstr(pp.why, "end of function") != NULL);
}

static void test_stack(void)
{
	struct probepoint pp;

	/* SP arithmetic: add rsp, -0x80; push rbp; lea rsp, [rsp-8]. */
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xc4, 0x80, 0x55, 0x48, 0x8d, 0x64, 0x24, 0xf8, 0x90,
		    0xc3);
	EXPECT_AT(pp, 0xa, 0x90, "nop");
	pp = CHOOSE(&stack_abi, 0x48, 0x81, 0xec, 0x00, 0x01, 0x00, 0x00, 0x90, 0xc3);
	EXPECT_AT(pp, 7, 0x100, "nop");
	/* SP changes we do not count: mov rsp, rbp; and rsp, -16; pop; leave; add rsp, rax. */
	pp = CHOOSE(&stack_abi, 0x48, 0x89, 0xec, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xe4, 0xf0, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&stack_abi, 0x55, 0x5d, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&stack_abi, 0x55, 0xc9, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&stack_abi, 0x48, 0x01, 0xc4, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	/* A frame that would go negative. */
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xc4, 0x08, 0x90, 0xc3);
	EXPECT_ENTRY(pp);

	/* Stores: inside the frame fine; over the return address or arguments not (stack ABI). */
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xec, 0x40, 0x89, 0x44, 0x24, 0x3c, 0x90, 0xc3);
	EXPECT_AT(pp, 8, 0x40, "nop");
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xec, 0x40, 0x89, 0x44, 0x24, 0x3d, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	CHECK(strstr(pp.why, "outside the frame") != NULL);
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xec, 0x40, 0x89, 0x44, 0x24, 0x48, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	/* ... whereas register-ABI spills above the frame are what Go does. */
	pp = CHOOSE(&reg_abi, 0x48, 0x83, 0xec, 0x40, 0x89, 0x5c, 0x24, 0x48, 0x90, 0xc3);
	EXPECT_AT(pp, 8, 0x40, "nop");
	/* movups [rsp+0x48], xmm15 -- capstone calls it a read; it is a store. */
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xec, 0x40, 0x44, 0x0f, 0x11, 0x7c, 0x24, 0x38, 0x90,
		    0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0xec, 0x40, 0x44, 0x0f, 0x11, 0x7c, 0x24, 0x30, 0x90,
		    0xc3);
	EXPECT_AT(pp, 0xa, 0x40, "nop");
	/* Stores through any other pointer stop the walk in both ABIs. */
	pp = CHOOSE(&reg_abi, 0x48, 0x89, 0x13, 0x90, 0xc3); /* mov [rbx], rdx */
	EXPECT_ENTRY(pp);
	CHECK(strstr(pp.why, "through a pointer") != NULL);
	pp = CHOOSE(&stack_abi, 0x48, 0x89, 0x13, 0x90, 0xc3);
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x0f, 0x11, 0x02, 0x90, 0xc3); /* movups [rdx], xmm0 */
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x48, 0x89, 0x55, 0xf8, 0x90, 0xc3); /* mov [rbp-8], rdx */
	EXPECT_ENTRY(pp);
	pp = CHOOSE(&reg_abi, 0x64, 0x48, 0x89, 0x14, 0x25, 0xf8, 0xff, 0xff, 0xff, 0x90, 0xc3);
	EXPECT_ENTRY(pp); /* mov fs:[-8], rdx */
	/* Loads through pointers and TLS are fine: mov rdx, fs:[-8]; cmp rsp, [rdx+0x10]. */
	pp = CHOOSE(&stack_abi, 0x64, 0x48, 0x8b, 0x14, 0x25, 0xf8, 0xff, 0xff, 0xff, 0x48, 0x3b,
		    0x62, 0x10, 0x90, 0xc3);
	EXPECT_AT(pp, 0xd, 0, "nop");
	/* ... and so are compares and pushes of memory. */
	pp = CHOOSE(&stack_abi, 0x48, 0x83, 0x3b, 0x00, 0xff, 0x33, 0x90, 0xc3);
	EXPECT_AT(pp, 6, 8, "nop");
}

static void test_api(void)
{
	struct probepoint pp;
	static const uint8_t code[] = {0x48, 0x83, 0xec, 0x10, 0x90, 0xc3};
	struct utsname u;

	CHECK(probepoint__choose(code, sizeof(code), ENTRY, EM_AARCH64, &reg_abi, &pp) == 0);
	EXPECT_ENTRY(pp);
	CHECK(probepoint__choose(code, 0, ENTRY, EM_X86_64, &reg_abi, &pp) == -EINVAL);
	EXPECT_ENTRY(pp);
	CHECK(probepoint__choose(NULL, 6, ENTRY, EM_X86_64, &reg_abi, &pp) == -EINVAL);
	CHECK(probepoint__choose(code, 6, ENTRY, EM_X86_64, NULL, &pp) == -EINVAL);
	CHECK(probepoint__choose(code, 6, ENTRY, EM_X86_64, &reg_abi, NULL) == -EINVAL);
	CHECK_STR(probepoint__kind_name(PROBEPOINT_ENTRY), "entry");
	CHECK_STR(probepoint__kind_name(PROBEPOINT_EMULATED), "emulated");

	CHECK(!probepoint__release_emulates_push("4.15.18-generic"));
	CHECK(probepoint__release_emulates_push("4.16.0"));
	CHECK(probepoint__release_emulates_push("4.19.0-26-amd64"));
	CHECK(probepoint__release_emulates_push("6.18.44-fc-v669"));
	CHECK(probepoint__release_emulates_push("10.0"));
	CHECK(!probepoint__release_emulates_push("3.10.0-1160.el7.x86_64"));
	CHECK(!probepoint__release_emulates_push("4"));
	CHECK(!probepoint__release_emulates_push(""));
	CHECK(!probepoint__release_emulates_push("x.y"));
	CHECK(!probepoint__release_emulates_push(NULL));
	CHECK(!uname(&u));
	CHECK(probepoint__kernel_emulates_push() ==
	      (!strcmp(u.machine, "x86_64") && probepoint__release_emulates_push(u.release)));
}

/* Random bytes and every truncation of a real prologue: no crash, and a sane answer. */
static void test_random(void)
{
	static const uint8_t go119[] = {GO119_HEAD, 0x90, 0x72, 0x00, TAIL};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct probepoint pp;
	uint8_t buf[96];
	int bad = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = 1 + iter % sizeof(buf);
		const struct probepoint_opts *o = iter & 1 ? &reg_abi : &stack_abi;

		for (size_t i = 0; i < len; i++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			buf[i] = (uint8_t)seed;
		}
		/* Bias towards the instructions the walk understands. */
		if (iter % 3 == 0)
			memcpy(buf, go119, len < sizeof(go119) ? len : sizeof(go119) - 8);
		pp = choose(buf, len, o);
		if (pp.offset >= len || pp.address != ENTRY + pp.offset || pp.sp_delta < 0 ||
		    (pp.kind == PROBEPOINT_ENTRY && pp.offset) ||
		    (pp.kind == PROBEPOINT_EMULATED && pp.offset + pp.insn_len > len))
			bad++;
	}
	CHECK(bad == 0);
	/* Cut inside an instruction, the sweep cannot see all branches: the entry. */
	for (size_t len = 1; len <= sizeof(go119); len++) {
		pp = choose(go119, len, &reg_abi);
		if (len == 0x20 || len == 0x22 || len >= 0x26)
			EXPECT_AT(pp, 0x1f, 0x40, "nop");
		else
			EXPECT_ENTRY(pp);
	}
}

/* ---- real binaries ---------------------------------------------------------------------- */

/* The probed functions, and the registers the tracer's BPF side reads at each (register ABI). */
static const struct {
	const char *name;
	uint32_t keep;
} funcs[] = {
	{"runtime.casgstatus", PROBEPOINT_GO_ARGS | PROBEPOINT_R14}, /* gp, oldval, newval */
	{"runtime.newproc", PROBEPOINT_R14},			     /* the creating g */
	{"runtime.reentersyscall", PROBEPOINT_R14},		     /* go1.26+: g only */
	{"runtime.exitsyscall", PROBEPOINT_R14},
};

static int n_binaries, n_emulated, n_points;

static bool __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = vsnprintf(buf, n, f, ap);
	va_end(ap);
	return r >= 0 && (size_t)r < n;
}

/* One instruction of objdump -d -w output. */
struct od_insn {
	uint64_t addr;
	char bytes[64]; /* "48 83 ec 40" */
	char mnem[32];
	char ops[160];
};

/* objdump's view of [from, to): 0 and the instructions, or -1. */
static int objdump(const char *path, uint64_t from, uint64_t to, struct od_insn *out, int max,
		   int *n)
{
	char cmd[4400], line[512];
	FILE *f;

	*n = 0;
	if (!fmt(cmd, sizeof(cmd),
		 "objdump -d -w --start-address=0x%" PRIx64 " --stop-address=0x%" PRIx64
		 " '%s' 2>/dev/null",
		 from, to, path))
		return -1;
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *t1, *t2, *p = line;
		uint64_t a;

		line[strcspn(line, "\n")] = 0;
		while (*p == ' ')
			p++;
		a = strtoull(p, &t1, 16);
		if (t1 == p || *t1 != ':' || t1[1] != '\t' || *n >= max)
			continue;
		t1 += 2;
		t2 = strchr(t1, '\t');
		out[*n].addr = a;
		fmt(out[*n].bytes, sizeof(out[*n].bytes), "%.*s",
		    (int)(t2 ? t2 - t1 : (long)strlen(t1)), t1);
		/* trim */
		for (char *e = out[*n].bytes + strlen(out[*n].bytes);
		     e > out[*n].bytes && e[-1] == ' ';)
			*--e = 0;
		out[*n].mnem[0] = out[*n].ops[0] = 0;
		if (t2)
			sscanf(t2 + 1, "%31s %159[^\n]", out[*n].mnem, out[*n].ops);
		(*n)++;
	}
	return pclose(f) == 0 ? 0 : -1;
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* AT&T: the destination is the last operand (outside parentheses), trimmed, into buf. */
static const char *last_operand(const char *ops, char *buf, size_t len)
{
	const char *last = ops, *p;
	int depth = 0;
	size_t n;

	for (p = ops; *p && *p != '#' && *p != '<'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == ',' && !depth)
			last = p + 1;
	}
	for (n = p - last; n && last[n - 1] == ' '; n--)
		;
	fmt(buf, len, "%.*s", (int)n, last);
	return buf;
}

static bool is_kept_reg(const char *op, bool args, bool g)
{
	static const char *const names[] = {
		"%rax", "%eax", "%ax",	"%al",	"%ah", "%rbx", "%ebx", "%bx",
		"%bl",	"%bh",	"%rcx", "%ecx", "%cx", "%cl",  "%ch",
	};
	char r[16];

	if (sscanf(op, "%15[%a-z0-9]", r) != 1)
		return false;
	for (size_t i = 0; args && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(r, names[i]))
			return true;
	return g && (!strcmp(r, "%r14") || !strcmp(r, "%r14d") || !strcmp(r, "%r14w") ||
		     !strcmp(r, "%r14b"));
}

/* Mnemonics that only read their operands. */
static bool od_reads_only(const char *m)
{
	return starts(m, "cmp") || starts(m, "test") || !strcmp(m, "bt") || starts(m, "push") ||
	       starts(m, "nop") || starts(m, "endbr");
}

/*
 * Our own reading of the instructions before the point: returns NULL when
 * none writes a kept register (register ABI) or stores outside the frame, and
 * counts SP; else a description of the first offender.
 */
static const char *od_check_prefix(const struct od_insn *in, int n, bool reg_abi, uint32_t keep,
				   int64_t *sp, char *buf, size_t len)
{
	static const char *const implicit[] = {
		"xchg", "xadd", "cmpxchg", "mul",  "div",  "idiv", "cpuid", "rdtsc",
		"cqto", "cltq", "cwtl",	   "cltd", "cwtd", "lods", "scas",  "stos",
		"rep",	"loop", "syscall", "pop",  "lahf", "xlat", "enter", "leave",
		"lock", "int",	"ud",	   "hlt",  "call", "ret",  "jmp",
	};

	*sp = 0;
	for (int i = 0; i < n; i++) {
		char dbuf[160], *end;
		const char *m = in[i].mnem, *dst = last_operand(in[i].ops, dbuf, sizeof(dbuf));

		for (size_t k = 0; k < sizeof(implicit) / sizeof(implicit[0]); k++)
			if (starts(m, implicit[k]) && strcmp(in[i].ops, "%ax,%ax")) {
				fmt(buf, len, "%s at 0x%" PRIx64, m, in[i].addr);
				return buf;
			}
		/* objdump's name for the 2-byte nop 66 90. */
		if (!strcmp(m, "xchg") && !strcmp(in[i].ops, "%ax,%ax"))
			continue;
		if (m[0] == 'j' || (starts(m, "imul") && !strchr(in[i].ops, ','))) {
			fmt(buf, len, "%s at 0x%" PRIx64, m, in[i].addr);
			return buf;
		}
		/* SP: sub/add $imm,%rsp; push; lea d(%rsp),%rsp. */
		if (!strcmp(dst, "%rsp")) {
			if ((starts(m, "sub") || starts(m, "add")) && in[i].ops[0] == '$') {
				int64_t v = (int64_t)strtoull(in[i].ops + 1, &end, 0);

				*sp += starts(m, "sub") ? v : -v;
			} else if (starts(m, "lea") && strstr(in[i].ops, "(%rsp),%rsp")) {
				*sp -= (int64_t)strtoll(in[i].ops, &end, 0);
			} else if (!starts(m, "cmp")) {
				fmt(buf, len, "%s %s writes SP", m, in[i].ops);
				return buf;
			}
			continue;
		}
		if (starts(m, "push")) {
			*sp += 8;
			continue;
		}
		if (od_reads_only(m))
			continue;
		if (reg_abi && is_kept_reg(dst, keep & PROBEPOINT_GO_ARGS, keep & PROBEPOINT_R14)) {
			fmt(buf, len, "%s %s at 0x%" PRIx64 " writes an argument register", m,
			    in[i].ops, in[i].addr);
			return buf;
		}
		if (strchr(dst, '(')) {
			/* A store: SP-relative only; inside the frame for the stack ABI. */
			int64_t d = strtoll(dst, &end, 0);

			if (strcmp(end, "(%rsp)") || (!reg_abi && (d < 0 || d >= *sp))) {
				fmt(buf, len, "store %s %s at 0x%" PRIx64, m, in[i].ops,
				    in[i].addr);
				return buf;
			}
		}
	}
	return NULL;
}

/* Bytes as objdump prints them: "48 83 ec 40". */
static void hex_of(const uint8_t *b, size_t n, char *out, size_t len)
{
	size_t used = 0;

	out[0] = 0;
	for (size_t i = 0; i < n && used + 4 <= len; i++)
		used += sprintf(out + used, i ? " %02x" : "%02x", b[i]);
}

static void check_point(const char *path, const char *label, const struct elfbuf *e,
			const struct pclntab *tab, const struct pclntab_func *pf, bool reg_abi,
			bool push, const char *fname, uint32_t keep)
{
	struct probepoint_opts o = {
		.keep_regs = reg_abi ? keep : 0,
		.stack_args = !reg_abi,
		.emulated_push = push,
	};
	struct od_insn od[80];
	struct probepoint pp;
	const uint8_t *code;
	char hex[64], why[200];
	int64_t pcsp = -1, od_sp;
	int n = 0;

	code = elfbuf__at_vaddr(e, pf->entry, pf->end - pf->entry, NULL);
	CHECK(code != NULL);
	if (!code)
		return;
	CHECK(probepoint__choose(code, pf->end - pf->entry, pf->entry, EM_X86_64, &o, &pp) == 0);
	n_points++;
	if (pp.kind == PROBEPOINT_EMULATED)
		n_emulated++;
	CHECK(!pclntab__sp_delta(tab, pf, pp.address, &pcsp));
	printf("  %-34s %-22s %-4s %-8s +0x%-3" PRIx64 " sp=0x%-3" PRIx64 " %-22s %s\n", label,
	       fname, push ? "push" : "-", probepoint__kind_name(pp.kind), pp.offset,
	       (uint64_t)pp.sp_delta, pp.insn, pp.kind == PROBEPOINT_ENTRY ? pp.why : "");

	/* pclntab's pcsp table is the compiler's own SP bookkeeping. */
	if (pcsp != pp.sp_delta) {
		fprintf(stderr, "%s %s: sp_delta 0x%" PRIx64 " but pcsp says 0x%" PRIx64 "\n",
			label, fname, (uint64_t)pp.sp_delta, (uint64_t)pcsp);
		CHECK(pcsp == pp.sp_delta);
	}

	/* objdump: the claimed instruction at the claimed address, and what comes before it. */
	if (objdump(path, pf->entry, pp.address + pp.insn_len, od, 80, &n) || n < 1) {
		fprintf(stderr, "%s %s: objdump failed\n", label, fname);
		CHECK(0);
		return;
	}
	hex_of(code + pp.offset, pp.insn_len, hex, sizeof(hex));
	CHECK_EQ_U64(od[n - 1].addr, pp.address);
	CHECK_STR(od[n - 1].bytes, hex);
	if (!starts(od[n - 1].mnem, strtok(strcpy(why, pp.insn), " "))) {
		fprintf(stderr, "%s %s: objdump says %s, we say %s\n", label, fname, od[n - 1].mnem,
			pp.insn);
		CHECK(0);
	}
	if (pp.kind == PROBEPOINT_EMULATED) {
		const uint8_t b = code[pp.offset];

		CHECK(b == 0x90 || b == 0xe8 || b == 0xe9 || b == 0xeb ||
		      (b >= 0x70 && b <= 0x7f) ||
		      (b == 0x0f && (code[pp.offset + 1] & 0xf0) == 0x80) ||
		      (push && ((b >= 0x50 && b <= 0x57) || b == 0x41)));
	}
	if (od_check_prefix(od, n - 1, reg_abi, keep, &od_sp, why, sizeof(why))) {
		fprintf(stderr, "%s %s: before the point: %s\n", label, fname, why);
		CHECK(0);
	} else if (od_sp != pp.sp_delta) {
		fprintf(stderr, "%s %s: objdump SP count 0x%" PRIx64 " vs 0x%" PRIx64 "\n", label,
			fname, (uint64_t)od_sp, (uint64_t)pp.sp_delta);
		CHECK(0);
	}
	/* casgstatus starts with a plain prologue in every Go release: it must be emulated. */
	if (!strcmp(fname, "runtime.casgstatus"))
		CHECK(pp.kind == PROBEPOINT_EMULATED);
}

/* The x86-64 Go binary at path, its function table and ABI: 0, or -1 to skip it. */
static int load(const char *path, struct elfbuf **e, struct pclntab **tab, bool *reg_abi)
{
	struct pclntab_func pf;
	struct pclntab_loc loc;
	struct moduledata md;

	*tab = NULL;
	if (elfbuf__open_path(path, e))
		return -1;
	if (elfbuf__machine(*e) != EM_X86_64 || pclntab__locate(*e, &loc) ||
	    pclntab__new(loc.data, loc.size,
			 moduledata__find(*e, &loc, loc.version, &md) ? 0 : md.text, tab)) {
		elfbuf__delete(*e);
		return -1;
	}
	/* As the resolver decides: runtime.spillArgs exists only with the register ABI. */
	*reg_abi = !pclntab__find_func(*tab, "runtime.spillArgs", &pf);
	return 0;
}

static void check_binary(const char *path, const char *label)
{
	struct pclntab *tab;
	struct pclntab_func pf;
	struct elfbuf *e;
	bool reg_abi;

	if (load(path, &e, &tab, &reg_abi))
		return;
	n_binaries++;
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		if (pclntab__find_func(tab, funcs[i].name, &pf))
			continue;
		check_point(path, label, e, tab, &pf, reg_abi, false, funcs[i].name, funcs[i].keep);
		check_point(path, label, e, tab, &pf, reg_abi, true, funcs[i].name, funcs[i].keep);
	}
	pclntab__delete(tab);
	elfbuf__delete(e);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir (no dot files). */
static size_t list_dir(const char *dir, char **names, size_t max)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	size_t n = 0;

	if (!dp)
		return 0;
	while ((d = readdir(dp)) && n < max)
		if (d->d_name[0] != '.')
			names[n++] = strdup(d->d_name);
	closedir(dp);
	qsort(names, n, sizeof(*names), cmp_str);
	return n;
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static void test_fixtures(void)
{
	char root[4096], dir[4200], sub[4400], path[4800], label[200];
	char *vers[64], *names[512];
	size_t nv, nn;

	cache_root(root, sizeof(root));
	printf("  %-34s %-22s %-4s %-8s %-5s %-8s %-22s %s\n", "binary", "function", "push", "kind",
	       "off", "sp", "insn", "why (entry only)");
	fmt(dir, sizeof(dir), "%s/fixtures", root);
	nv = list_dir(dir, vers, 64);
	for (size_t v = 0; v < nv; v++) {
		if (!strncmp(vers[v], "go1.", 4) && fmt(sub, sizeof(sub), "%s/%s", dir, vers[v])) {
			nn = list_dir(sub, names, 512);
			for (size_t i = 0; i < nn; i++) {
				if (!strstr(names[i], ".stamp") &&
				    fmt(path, sizeof(path), "%s/%s", sub, names[i]) &&
				    is_file(path) &&
				    fmt(label, sizeof(label), "%s/%s", vers[v], names[i]))
					check_binary(path, label);
				free(names[i]);
			}
		}
		free(vers[v]);
	}
	fmt(dir, sizeof(dir), "%s/npm", root);
	nn = list_dir(dir, names, 512);
	for (size_t i = 0; i < nn; i++) {
		if (fmt(path, sizeof(path), "%s/%s/package/bin/esbuild", dir, names[i]) &&
		    is_file(path) && fmt(label, sizeof(label), "npm/%s", names[i]))
			check_binary(path, label);
		free(names[i]);
	}
	if (!n_binaries)
		CHECK_SKIP("fixtures: none under %s (scripts/fixtures.sh makes them)", root);
	else
		printf("fixtures: %d x86-64 binaries, %d of %d probe points emulated\n", n_binaries,
		       n_emulated, n_points);
}

/* ---- live: the kernel's own count of hits ---------------------------------------------- */

/* perf's uprobe PMU type, or -1. */
static int uprobe_pmu(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	int t = -1;

	if (f) {
		if (fscanf(f, "%d", &t) != 1)
			t = -1;
		fclose(f);
	}
	return t;
}

/*
 * Run argv (stdin and stderr on /dev/null, stdout into out) with a counting
 * uprobe at each of the n file offsets of argv[0] (a private copy: only this
 * run can hit it); hits[i] gets each count. The events are per CPU, not per
 * process: an inherited uprobe event would re-read its path from the new
 * thread's memory, so Go's clone() fails with EFAULT. Returns 0 when the
 * program ran and exited 0, else -errno.
 */
#define LIVE_MAX_FDS 512
/* Threads a program's exit may catch between the entry and the point. */
#define LIVE_EXIT_SLACK 8
static int run_counted(int type, char *const argv[], const uint64_t *offs, int n, uint64_t *hits,
		       char *out, size_t len)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int fd[LIVE_MAX_FDS], nfd = 0, p[2], st = 0, err = 0;
	size_t used = 0;
	ssize_t r;
	pid_t pid;

	if (ncpu < 1 || n * ncpu > LIVE_MAX_FDS)
		return -EINVAL;
	for (int i = 0; i < n && !err; i++) {
		for (long cpu = 0; cpu < ncpu && !err; cpu++) {
			struct perf_event_attr a;

			memset(&a, 0, sizeof(a));
			a.size = sizeof(a);
			a.type = type;
			a.config1 = (uint64_t)(uintptr_t)argv[0]; /* uprobe_path */
			a.config2 = offs[i];			  /* probe_offset */
			fd[nfd] = syscall(SYS_perf_event_open, &a, -1, (int)cpu, -1,
					  PERF_FLAG_FD_CLOEXEC);
			if (fd[nfd] < 0)
				err = -errno;
			else
				nfd++;
		}
	}
	if (!err && pipe(p))
		err = -errno;
	if (!err) {
		pid = fork();
		if (!pid) {
			int nul = open("/dev/null", O_RDWR);

			dup2(nul, 0);
			dup2(nul, 2);
			dup2(p[1], 1);
			execv(argv[0], argv);
			_exit(127);
		}
		close(p[1]);
		while (used + 1 < len && (r = read(p[0], out + used, len - 1 - used)) > 0)
			used += r;
		out[used] = 0;
		close(p[0]);
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			err = -ECHILD;
	}
	for (int i = 0; i < n; i++)
		hits[i] = 0;
	for (int k = 0; k < nfd; k++) {
		uint64_t v;

		if (read(fd[k], &v, sizeof(v)) == sizeof(v))
			hits[k / ncpu] += v;
		close(fd[k]);
	}
	return err;
}

/* A private copy of path (a new inode, so nobody else's run of the fixture counts). */
static int copy_file(const char *path, char *tmpl)
{
	char buf[65536];
	int in = open(path, O_RDONLY | O_CLOEXEC), out;
	ssize_t r;

	if (in < 0)
		return -1;
	out = mkstemp(tmpl);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, r) != r)
			r = -1;
	fchmod(out, 0755);
	close(in);
	close(out);
	return r < 0 ? -1 : 0;
}

/* Seconds pingpong reports for its round trips under the probes at offs (n of them). */
static double timed_run(int type, char *path, const uint64_t *offs, int n, char *rounds,
			uint64_t *hits)
{
	char *argv[] = {path, rounds, NULL}, out[256];
	uint64_t h[4] = {0};
	const char *in;

	*hits = 0;
	if (run_counted(type, argv, offs, n, h, out, sizeof(out)) || !(in = strstr(out, " in ")))
		return -1;
	*hits = h[0];
	return strtod(in + 4, NULL);
}

static void live_binary(int type, const char *path, const char *label, bool pingpong)
{
	char copy[] = "/tmp/probepoint-live.XXXXXX", out[512];
	char *argv[] = {copy, pingpong ? "20000" : NULL, NULL};
	struct probepoint pp[2];
	struct pclntab_func pf;
	struct pclntab *tab;
	uint64_t foff, offs[3], hits[3] = {0};
	int nprobe;
	struct elfbuf *e;
	bool reg_abi;
	int err = 0;

	if (copy_file(path, copy)) {
		fprintf(stderr, "%s: cannot copy to /tmp\n", label);
		CHECK(0);
		return;
	}
	if (load(copy, &e, &tab, &reg_abi))
		goto out_unlink;
	if (pclntab__find_func(tab, "runtime.casgstatus", &pf) ||
	    elfbuf__vaddr_to_offset(e, pf.entry, &foff))
		goto out_delete;
	for (int push = 0; push < 2; push++) {
		struct probepoint_opts o = {
			.keep_regs = reg_abi ? PROBEPOINT_GO_ARGS | PROBEPOINT_R14 : 0,
			.stack_args = !reg_abi,
			.emulated_push = push,
		};

		probepoint__choose(elfbuf__at_vaddr(e, pf.entry, pf.end - pf.entry, NULL),
				   pf.end - pf.entry, pf.entry, EM_X86_64, &o, &pp[push]);
	}
	/* Entry, and the points without and with push emulation (where new), all at once. */
	offs[0] = foff;
	offs[1] = foff + pp[0].offset;
	offs[2] = foff + pp[1].offset;
	nprobe = 1 + (offs[1] != offs[0]) + (offs[2] != offs[0] && offs[2] != offs[1]);
	if (offs[1] == offs[0])
		offs[1] = offs[2];
	err = run_counted(type, argv, offs, nprobe, hits, out, sizeof(out));
	for (int i = nprobe; i < 3; i++) /* the same uprobe as an earlier one */
		hits[i] = hits[0];
	if (err == -EOPNOTSUPP || err == -ENOENT || err == -EACCES || err == -EPERM) {
		CHECK_SKIP("live %s: perf_event_open: %s", label, strerror(-err));
		goto out_delete;
	}
	if (err)
		fprintf(stderr, "%s: live run: %s\n", label, strerror(-err));
	/* hits[] is in probe order: the entry, then each distinct point. */
	printf("  live %-28s nopush +0x%-3" PRIx64 " %-10.10s push +0x%-3" PRIx64 " %-10.10s hits",
	       label, pp[0].offset, pp[0].insn, pp[1].offset, pp[1].insn);
	for (int i = 0; i < nprobe; i++)
		printf(" %" PRIu64, hits[i]);
	printf("\n");
	/*
	 * Once per call: never more hits than the entry, and fewer only by the
	 * threads that exit_group() kills between the entry and the point (seen:
	 * one, when the entry is single-stepped and the kill lands mid-step).
	 */
	CHECK(hits[0] > 0);
	for (int i = 1; i < 3; i++) {
		CHECK(hits[i] <= hits[0]);
		CHECK(hits[0] - hits[i] <= LIVE_EXIT_SLACK);
	}

	/* Opt-in timing: N round trips with no probe, the entry alone, each point alone. */
	if (!err && pingpong && getenv("PROBEPOINT_BENCH")) {
		char *rounds = getenv("PROBEPOINT_BENCH");
		uint64_t h, h0;
		double base = timed_run(type, copy, offs, 0, rounds, &h0), t;

		for (int i = 0; i < 3; i++) {
			t = timed_run(type, copy, &offs[i], 1, rounds, &h);
			if (base > 0 && t > 0 && h)
				printf("  bench %-27s %-6s +0x%-3" PRIx64 " %8" PRIu64
				       " hits  %6.2f us/hit\n",
				       label, i ? (i == 1 ? "nopush" : "push") : "entry",
				       offs[i] - foff, h, (t - base) * 1e6 / (double)h);
		}
	}
out_delete:
	pclntab__delete(tab);
	elfbuf__delete(e);
out_unlink:
	unlink(copy);
}

static void test_live(void)
{
	char root[4096], dir[4200], path[4800], label[200];
	char *names[512];
	int type = uprobe_pmu();
	size_t n;

	if (geteuid() || type < 0) {
		CHECK_SKIP("live: needs root and perf's uprobe PMU");
		return;
	}
	cache_root(root, sizeof(root));
	fmt(dir, sizeof(dir), "%s/fixtures", root);
	n = list_dir(dir, names, 512);
	for (size_t i = 0; i < n; i++) {
		if (fmt(path, sizeof(path), "%s/%s/pingpong-static", dir, names[i]) &&
		    is_file(path) && fmt(label, sizeof(label), "%s/pingpong-static", names[i]))
			live_binary(type, path, label, true);
		free(names[i]);
	}
	/* The stack ABI: esbuild (go1.14-1.16) turning empty stdin into nothing. */
	fmt(dir, sizeof(dir), "%s/npm", root);
	n = list_dir(dir, names, 512);
	for (size_t i = 0; i < n; i++) {
		struct elfbuf *e;
		struct pclntab *tab;
		bool reg_abi = true;

		if (fmt(path, sizeof(path), "%s/%s/package/bin/esbuild", dir, names[i]) &&
		    is_file(path) && !load(path, &e, &tab, &reg_abi)) {
			pclntab__delete(tab);
			elfbuf__delete(e);
			if (!reg_abi && fmt(label, sizeof(label), "npm/%s", names[i]))
				live_binary(type, path, label, false);
		}
		free(names[i]);
	}
}

int main(void)
{
	test_go_prologues();
	test_register_writes();
	test_control_flow();
	test_stack();
	test_api();
	test_random();
	test_fixtures();
	test_live();
	return check_done("test_probepoint");
}
