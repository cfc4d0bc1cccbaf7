// SPDX-License-Identifier: GPL-2.0
/*
 * test_plan: plan__make() on real binaries, no BPF: the probes and the BPF
 * program's values for a resolved profile, the go1.17 default, profiles of
 * another build (refused, or used with --force and a warning), a function
 * entry the binary does not have, forced entries, the kernel's push
 * emulation as the caller says it, and go1.26's syscall probes. The binaries:
 * the bundled server (built with the system Go) and the fixture cache's
 * go1.24 and go1.26 servers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "check.h"
#include "errors.h"
#include "gobin.h"
#include "plan.h"
#include "resolver.h"

static const struct resolver_kernel push = {.emulates_push = true};

static struct gobin *open_bin(const char *path)
{
	struct gobin *b = NULL;

	if (gobin__open_path(path, &b)) {
		CHECK_SKIP("%s: not there (build it, or run scripts/fixtures.sh)", path);
		return NULL;
	}
	return b;
}

static int resolve(struct gobin *b, const char *path, struct profile *p)
{
	char what[256];
	int err = resolver__resolve(b, path, &push, p, what, sizeof(what));

	if (err)
		fprintf(stderr, "%s: %s\n", path, what);
	CHECK(!err);
	return err;
}

static const struct plan_probe *probe(const struct plan *pl, enum profile_func_id id)
{
	for (int i = 0; i < pl->nprobes; i++)
		if (pl->probes[i].func == id)
			return &pl->probes[i];
	return NULL;
}

/* Every probe is inside its function and its file offset is the entry's plus the step. */
static void check_probes(const struct gobin *b, const struct plan *pl)
{
	for (int i = 0; i < pl->nprobes; i++) {
		const struct plan_probe *p = &pl->probes[i];
		struct gobin_func f;

		CHECK(!gobin__find_func(b, p->name, &f));
		CHECK_EQ_U64(p->entry, f.entry);
		CHECK(p->address >= p->entry && p->address < p->end);
		CHECK_EQ_U64(p->file_offset, f.file_offset + (p->address - p->entry));
	}
	CHECK(pl->nprobes > 0 && pl->probes[0].func == PROFILE_FUNC_CASGSTATUS);
	CHECK_EQ_U64(pl->config.stack_args_offset, 8 + pl->probes[0].sp_delta);
}

static bool has_note(const struct plan *pl, const char *s)
{
	for (int i = 0; i < pl->nnotes; i++)
		if (strstr(pl->notes[i], s))
			return true;
	return false;
}

/*
 * go1.19, register ABI, no g.parentGoid: casgstatus, newproc and the two
 * preemption CASes; wait reasons believed only from park_m's casgstatus call.
 */
static void test_go119(const char *path)
{
	struct plan_opts o = {.path = path, .kernel = push};
	struct profile *p = calloc(1, sizeof(*p)), *q = calloc(1, sizeof(*q));
	struct plan *pl = calloc(1, sizeof(*pl));
	struct gobin *b = open_bin(path);
	char why[512];
	int err;

	if (!b || !p || !q || !pl || resolve(b, path, p))
		goto out;
	err = plan__make(b, p, &o, pl, why, sizeof(why));
	CHECK(!err);
	check_probes(b, pl);
	CHECK(probe(pl, PROFILE_FUNC_NEWPROC));
	CHECK(!probe(pl, PROFILE_FUNC_REENTERSYSCALL));
	CHECK(probe(pl, PROFILE_FUNC_PREEMPT_PARK) && probe(pl, PROFILE_FUNC_PREEMPT_RESUME));
	{
		struct gobin_func park;

		CHECK(p->waitreason_after_switch && !gobin__find_func(b, "runtime.park_m", &park));
		CHECK_EQ_U64(pl->config.park_m_lo, park.entry);
		CHECK_EQ_U64(pl->config.park_m_hi, park.end);
	}
	CHECK_EQ_U64(pl->config.goid_offset, p->g_goid.value);
	CHECK_EQ_U64(pl->config.waitreason_offset, (uint32_t)p->g_waitreason.value);
	CHECK(pl->config.parent_goid_offset == -1);
	CHECK(!pl->config.syscall_probes);
	/* go1.19's casgstatus starts with SUB $x, SP: the chosen point is further in. */
	CHECK(pl->probes[0].emulated && pl->probes[0].address > pl->probes[0].entry);

	/* --probe entry: every probe at its entry, nothing pushed yet. */
	o.probe_entry = true;
	CHECK(!plan__make(b, p, &o, pl, why, sizeof(why)));
	for (int i = 0; i < pl->nprobes; i++) {
		CHECK_EQ_U64(pl->probes[i].address, pl->probes[i].entry);
		CHECK(!pl->probes[i].emulated && pl->probes[i].sp_delta == 0);
	}
	CHECK_EQ_U64(pl->config.stack_args_offset, 8);
	o.probe_entry = false;

	/* The go1.17 default: casgstatus only, goid at 152, the register ABI. */
	plan__default_profile(q, path);
	CHECK(plan__is_default(q) && !plan__is_default(p));
	CHECK(!plan__make(b, q, &o, pl, why, sizeof(why)));
	CHECK(pl->nprobes == 1 && !probe(pl, PROFILE_FUNC_NEWPROC));
	CHECK_EQ_U64(pl->config.goid_offset, GOROUTINE_DEFAULT_GOID_OFFSET);
	CHECK(pl->config.abi == GOROUTINE_ABI_REGISTER && pl->config.waitreason_offset == -1);

	/* A profile of another build: refused, or used with --force and a warning. */
	*q = *p;
	snprintf(q->build_id, sizeof(q->build_id), "%s", "0123456789abcdef");
	o.profile_path = "other.json";
	err = plan__make(b, q, &o, pl, why, sizeof(why));
	CHECK(err == -ERRORS__MISMATCH && strstr(why, "other.json: profile does not match") &&
	      strstr(why, "--force"));
	o.force = true;
	CHECK(!plan__make(b, q, &o, pl, why, sizeof(why)));
	CHECK(has_note(pl, "warning: profile was made for build id 0123456789abcdef"));
	o.force = false;

	/* Same build id, another Go version: a forgery, refused by version. */
	*q = *p;
	snprintf(q->go_version, sizeof(q->go_version), "%s", "go1.99.0");
	err = plan__make(b, q, &o, pl, why, sizeof(why));
	CHECK(err == -ERRORS__MISMATCH && strstr(why, "Go version go1.99.0"));

	/* An entry the binary does not have: never probed, even with its ids right. */
	*q = *p;
	q->funcs[PROFILE_FUNC_CASGSTATUS].address += 1;
	err = plan__make(b, q, &o, pl, why, sizeof(why));
	CHECK(err == -ERRORS__MISMATCH && strstr(why, "runtime.casgstatus") &&
	      strstr(why, "refusing to probe"));
	o.force = true;
	CHECK(!plan__make(b, q, &o, pl, why, sizeof(why)));
	CHECK(has_note(pl, "using the binary's own"));
	check_probes(b, pl);
	/* Of a function not probed (exitsyscall, before go1.26), too. */
	*q = *p;
	o.force = false;
	if (q->funcs[PROFILE_FUNC_EXITSYSCALL].address) {
		q->funcs[PROFILE_FUNC_EXITSYSCALL].file_offset += 4;
		CHECK(plan__make(b, q, &o, pl, why, sizeof(why)) == -ERRORS__MISMATCH);
	}
out:
	gobin__delete(b);
	free(p);
	free(q);
	free(pl);
}

/* go1.24: casgstatus starts with PUSH %rbp, emulated from kernel 4.16 on only. */
static void test_push(const char *path)
{
	struct plan_opts o = {.path = path, .kernel = push};
	struct profile *p = calloc(1, sizeof(*p));
	struct plan *pl = calloc(1, sizeof(*pl));
	struct gobin *b = open_bin(path);
	char why[512];

	if (!b || !p || !pl || resolve(b, path, p))
		goto out;
	CHECK(!plan__make(b, p, &o, pl, why, sizeof(why)));
	check_probes(b, pl);
	CHECK(pl->probes[0].emulated && !strncmp(pl->probes[0].insn, "push", 4));
	CHECK(pl->config.parent_goid_offset >= 0 && !probe(pl, PROFILE_FUNC_NEWPROC));
	CHECK(p->goid_at_creation && pl->config.goid_at_creation);
	/* A kernel that single-steps push: the plan must not count on it. */
	o.kernel.emulates_push = false;
	CHECK(!plan__make(b, p, &o, pl, why, sizeof(why)));
	check_probes(b, pl);
	CHECK(strncmp(pl->probes[0].insn, "push", 4) || !pl->probes[0].emulated);
out:
	gobin__delete(b);
	free(p);
	free(pl);
}

/* go1.26: the syscall probes and the ranges that tell their casgstatus calls. */
static void test_syscall(const char *path)
{
	struct plan_opts o = {.path = path, .kernel = push};
	struct profile *p = calloc(1, sizeof(*p));
	struct plan *pl = calloc(1, sizeof(*pl));
	struct gobin *b = open_bin(path);
	const struct plan_probe *re, *ex;
	char why[512];

	if (!b || !p || !pl || resolve(b, path, p))
		goto out;
	CHECK(!plan__make(b, p, &o, pl, why, sizeof(why)));
	check_probes(b, pl);
	re = probe(pl, PROFILE_FUNC_REENTERSYSCALL);
	ex = probe(pl, PROFILE_FUNC_EXITSYSCALL);
	CHECK(re && ex && pl->config.syscall_probes);
	/* go1.21+ set the reason before the switch: every reason is believed. */
	CHECK(!p->waitreason_after_switch && !pl->config.park_m_hi);
	if (re && ex) {
		CHECK_EQ_U64(pl->config.reentersyscall_lo, re->entry);
		CHECK_EQ_U64(pl->config.reentersyscall_hi, re->end);
		CHECK_EQ_U64(pl->config.exitsyscall_lo, ex->entry);
		CHECK_EQ_U64(pl->config.exitsyscall_hi, ex->end);
		CHECK_EQ_U64(pl->config.casgstatus_probe_addr, pl->probes[0].address);
	}
out:
	gobin__delete(b);
	free(p);
	free(pl);
}

/*
 * go1.23+ with iter.Pull (tests/fixtures/go/difftrace): the two coroutine
 * probes, coroswitch_m's range and waitReasonCoroutine's value; a program
 * without coroutines has neither probe and no warning for them.
 */
static void test_coro(const char *path, const char *without)
{
	struct plan_opts o = {.path = path, .kernel = push};
	struct profile *p = calloc(1, sizeof(*p));
	struct plan *pl = calloc(1, sizeof(*pl));
	struct gobin *b = open_bin(path);
	struct gobin_func m;
	char why[512];

	if (!b || !p || !pl || resolve(b, path, p))
		goto out;
	CHECK(!plan__make(b, p, &o, pl, why, sizeof(why)));
	check_probes(b, pl);
	CHECK(probe(pl, PROFILE_FUNC_COROSWITCH) && probe(pl, PROFILE_FUNC_COROEXIT));
	CHECK(pl->config.coro_probes && !gobin__find_func(b, "runtime.coroswitch_m", &m));
	CHECK_EQ_U64(pl->config.coroswitch_m_lo, m.entry);
	CHECK_EQ_U64(pl->config.coroswitch_m_hi, m.end);
	CHECK(pl->config.coro_reason < GOROUTINE_NO_REASON &&
	      !strcmp(p->waitreasons[pl->config.coro_reason], "coroutine"));
	gobin__delete(b);
	b = open_bin(without);
	o.path = without;
	if (!b || resolve(b, without, p))
		goto out;
	CHECK(!plan__make(b, p, &o, pl, why, sizeof(why)));
	CHECK(!probe(pl, PROFILE_FUNC_COROSWITCH) && !pl->config.coro_probes && !pl->nnotes);
out:
	gobin__delete(b);
	free(p);
	free(pl);
}

/* Not a Go binary: no plan, one line saying casgstatus is not there. */
static void test_not_go(void)
{
	struct plan_opts o = {.path = "/bin/sh", .kernel = push};
	struct profile *p = calloc(1, sizeof(*p));
	struct plan *pl = calloc(1, sizeof(*pl));
	struct gobin *b = open_bin("/bin/sh");
	char why[512];
	int err;

	if (!b || !p || !pl)
		goto out;
	plan__default_profile(p, "/bin/sh");
	err = plan__make(b, p, &o, pl, why, sizeof(why));
	CHECK(err < 0 && strstr(why, "/bin/sh: runtime.casgstatus not found"));
	CHECK(pl->nprobes == 0);
out:
	gobin__delete(b);
	free(p);
	free(pl);
}

int main(int argc, char **argv)
{
	char root[4096], path[4200], why[4200];

	cache_root(root, sizeof(root));
	if (argc > 1)
		test_go119(argv[1]);
	snprintf(path, sizeof(path), "%s/fixtures/go1.24/go-server-http-stripped", root);
	test_push(path);
	snprintf(path, sizeof(path), "%s/fixtures/go1.26/go-server-http-pie", root);
	test_syscall(path);
	snprintf(path, sizeof(path), "%s/fixtures/go1.27/difftrace-stripped", root);
	snprintf(why, sizeof(why), "%s/fixtures/go1.27/go-server-http-stripped", root);
	test_coro(path, why);
	test_not_go();
	return check_done("test_plan");
}
