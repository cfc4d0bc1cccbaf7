// SPDX-License-Identifier: GPL-2.0
/*
 * plan: a profile checked against its binary, turned into probes and the BPF
 * program's per-target values (see plan.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gobin.h"
#include "plan.h"

void plan__default_profile(struct profile *p, const char *path)
{
	profile__init(p);
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->g_goid.value = GOROUTINE_DEFAULT_GOID_OFFSET;
	p->g_goid.source = PROFILE_SRC_DEFAULT;
	p->abi = GOROUTINE_DEFAULT_ABI == GOROUTINE_ABI_REGISTER ? PROFILE_ABI_REGISTER :
								   PROFILE_ABI_STACK;
}

bool plan__is_default(const struct profile *p)
{
	return p->g_goid.source == PROFILE_SRC_DEFAULT;
}

static void note(struct plan *pl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct plan *pl, const char *fmt, ...)
{
	va_list ap;

	if (pl->nnotes >= PLAN_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(pl->notes[pl->nnotes++], sizeof(pl->notes[0]), fmt, ap);
	va_end(ap);
}

/* Which functions this binary needs probed, besides casgstatus. */
static bool wanted(const struct profile *p, enum profile_func_id f)
{
	switch (f) {
	case PROFILE_FUNC_CASGSTATUS:
		return true;
	case PROFILE_FUNC_NEWPROC:
		/* Parent goids before go1.21 (no g.parentGoid): register ABI only. */
		return p->g_parent_goid.value < 0 && p->abi == PROFILE_ABI_REGISTER &&
		       !plan__is_default(p);
	case PROFILE_FUNC_REENTERSYSCALL:
	case PROFILE_FUNC_EXITSYSCALL:
		return p->syscall_bypasses_casgstatus && p->abi == PROFILE_ABI_REGISTER;
	case PROFILE_FUNC_PREEMPT_PARK:
	case PROFILE_FUNC_PREEMPT_RESUME:
		/* Their g is an argument: in a register only with the register ABI. */
		return p->abi == PROFILE_ABI_REGISTER && !plan__is_default(p);
	case PROFILE_FUNC_COROSWITCH:
	case PROFILE_FUNC_COROEXIT:
		return p->abi == PROFILE_ABI_REGISTER && !plan__is_default(p);
	default:
		return false;
	}
}

/* A profile is for one build: another's is refused unless forced. */
static int check_identity(const struct gobin *b, const struct profile *prof,
			  const struct plan_opts *o, struct plan *pl, char *why, size_t whylen)
{
	struct profile *id = calloc(1, sizeof(*id));
	bool id_differs, version_differs, by_id;
	int err = 0;

	if (!id)
		return -ENOMEM;
	resolver__identify(b, o->path, id);
	/* Either difference is another build: same build id and another Go version is a forgery. */
	id_differs = prof->build_id[0] && id->build_id[0] && strcmp(prof->build_id, id->build_id);
	version_differs = (prof->go_version[0] || id->go_version[0]) &&
			  strcmp(prof->go_version, id->go_version);
	by_id = id_differs;
	if (!id_differs && !version_differs)
		goto out;
	if (o->force) {
		note(pl, "%s: warning: profile was made for %s %s, the binary has %s (--force)",
		     o->profile_path, by_id ? "build id" : "Go version",
		     by_id ? prof->build_id : prof->go_version,
		     by_id ? id->build_id : id->go_version);
	} else {
		snprintf(why, whylen,
			 "%s: profile does not match: was made for %s %s, the binary has %s "
			 "(--force to use it anyway)",
			 o->profile_path, by_id ? "build id" : "Go version",
			 by_id ? prof->build_id : prof->go_version,
			 by_id ? id->build_id : id->go_version);
		err = -ERRORS__MISMATCH;
	}
out:
	free(id);
	return err;
}

/*
 * A profile's address (and file offset) of a function must be the binary's
 * own: otherwise the profile describes another build, whatever its ids say.
 * A note and 0 with --force.
 */
static int check_entry(const struct plan_opts *o, enum profile_func_id id,
		       const struct profile_func *f, const struct gobin_func *own, struct plan *pl,
		       char *why, size_t whylen)
{
	const char *name = profile__func_names[id];
	const char *what = o->profile_path ? o->profile_path : o->path;

	if (!f->address || (f->address == own->entry && f->file_offset == own->file_offset))
		return 0;
	if (o->force) {
		note(pl,
		     "%s: warning: the profile's %s at 0x%" PRIx64 " (file offset 0x%" PRIx64
		     ") is not its entry in %s (0x%" PRIx64 ", file offset 0x%" PRIx64
		     "); using the binary's own",
		     what, name, f->address, f->file_offset, o->path, own->entry, own->file_offset);
		return 0;
	}
	snprintf(why, whylen,
		 "%s: the profile's %s at 0x%" PRIx64 " (file offset 0x%" PRIx64
		 ") is not its entry in %s (0x%" PRIx64 ", file offset 0x%" PRIx64
		 "); refusing to probe",
		 what, name, f->address, f->file_offset, o->path, own->entry, own->file_offset);
	return -ERRORS__MISMATCH;
}

/*
 * The probe point is chosen here, on the bytes of the binary we attach to and
 * for the kernel's uprobe emulation, whatever a profile says.
 */
static void add_probe(const struct gobin *b, const struct profile *prof, const struct plan_opts *o,
		      enum profile_func_id id, const struct gobin_func *own, struct plan *pl)
{
	struct plan_probe *pp = &pl->probes[pl->nprobes++];
	struct profile_func f = {
		.address = own->entry,
		.end = own->end,
		.file_offset = own->file_offset,
		.source = PROFILE_SRC_PCLNTAB,
	};

	resolver__choose_probe(b, id, prof->abi, &o->kernel, &f);
	*pp = (struct plan_probe){
		.func = id,
		.name = profile__func_names[id],
		.entry = own->entry,
		.end = own->end,
		.address = f.probe.address,
		.file_offset = f.probe.file_offset,
		.emulated = f.probe.emulated,
		.sp_delta = f.probe.sp_delta,
	};
	snprintf(pp->insn, sizeof(pp->insn), "%s", f.probe.insn);
	if (o->probe_entry) {
		pp->address = own->entry;
		pp->file_offset = own->file_offset;
		pp->emulated = false;
		pp->sp_delta = 0;
		snprintf(pp->insn, sizeof(pp->insn), "forced");
	}
}

static const struct plan_probe *probe_of(const struct plan *pl, enum profile_func_id id)
{
	for (int i = 0; i < pl->nprobes; i++)
		if (pl->probes[i].func == id)
			return &pl->probes[i];
	return NULL;
}

/* The BPF program's values for this target, from the profile and the probes. */
/* g.sched's and g.stack's fields: all known and inside a g, or no stacks. */
static bool stack_fields(const struct profile *p)
{
	const struct profile_offset *f[] = {&p->g_sched, &p->gobuf_sp, &p->gobuf_pc, &p->gobuf_bp,
					    &p->g_stack};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i]->value < 0 || f[i]->value >= PROFILE_MAX_G_OFFSET)
			return false;
	return true;
}

/* g.syscallpc and g.syscallsp: known and inside a g. */
static bool syscall_fields(const struct profile *p)
{
	return p->g_syscallpc.value >= 0 && p->g_syscallpc.value < PROFILE_MAX_G_OFFSET &&
	       p->g_syscallsp.value >= 0 && p->g_syscallsp.value < PROFILE_MAX_G_OFFSET;
}

static void configure(const struct profile *prof, bool no_stacks, struct plan *pl)
{
	const struct plan_probe *cas = probe_of(pl, PROFILE_FUNC_CASGSTATUS);
	const struct plan_probe *re = probe_of(pl, PROFILE_FUNC_REENTERSYSCALL);
	const struct plan_probe *ex = probe_of(pl, PROFILE_FUNC_EXITSYSCALL);
	struct goroutine_config *c = &pl->config;

	c->goid_offset = prof->g_goid.value;
	c->waitreason_offset = prof->g_waitreason.value;
	c->parent_goid_offset = prof->g_parent_goid.value;
	c->abi = prof->abi == PROFILE_ABI_STACK ? GOROUTINE_ABI_STACK : GOROUTINE_ABI_REGISTER;
	c->goid_at_creation = prof->goid_at_creation;
	c->gopc_offset = prof->g_gopc.value;
	c->startpc_offset = prof->g_startpc.value;
	if (!no_stacks && stack_fields(prof)) {
		c->stacks = 1;
		c->sched_sp_offset = prof->g_sched.value + prof->gobuf_sp.value;
		c->sched_pc_offset = prof->g_sched.value + prof->gobuf_pc.value;
		c->sched_bp_offset = prof->g_sched.value + prof->gobuf_bp.value;
		c->stack_lo_offset = prof->g_stack.value;
	}
	c->stack_args_offset = 8 + cas->sp_delta;
	c->casgstatus_probe_addr = cas->address;
	if (re && ex) {
		c->syscall_probes = 1;
		c->reentersyscall_lo = re->entry;
		c->reentersyscall_hi = re->end;
		c->exitsyscall_lo = ex->entry;
		c->exitsyscall_hi = ex->end;
		/* Its arguments are where the ABI puts them only at its entry. */
		c->syscall_regs = re->address == re->entry && c->abi == GOROUTINE_ABI_REGISTER;
		c->reentersyscall_probe_addr = re->address;
	}
	c->syscallbp_offset = -1;
	/*
	 * Syscall stacks: from g.syscall* at casgstatus, or from
	 * reentersyscall's arguments where it has the probe (its fields are
	 * set after the probe: never read them there).
	 */
	if (c->stacks && syscall_fields(prof) && (!c->syscall_probes || c->syscall_regs)) {
		c->syscall_stacks = 1;
		c->syscallpc_offset = prof->g_syscallpc.value;
		c->syscallsp_offset = prof->g_syscallsp.value;
		if (prof->g_syscallbp.value >= 0 && prof->g_syscallbp.value < PROFILE_MAX_G_OFFSET)
			c->syscallbp_offset = prof->g_syscallbp.value;
	}
}

/*
 * Where a wait reason is a fact (see goroutine_config.park_m_lo): before
 * go1.21 only in park_m. Without park_m in the binary no reason is believed
 * there: an empty range that no return address falls in.
 */
static void configure_final_reasons(const struct gobin *b, const struct profile *prof,
				    struct plan *pl)
{
	struct gobin_func park;

	if (!prof->waitreason_after_switch)
		return;
	if (gobin__find_func(b, "runtime.park_m", &park)) {
		note(pl, "warning: runtime.park_m not found: no wait reasons");
		pl->config.park_m_lo = pl->config.park_m_hi = 1;
		return;
	}
	pl->config.park_m_lo = park.entry;
	pl->config.park_m_hi = park.end;
}

/*
 * Coroutine switches: coroswitch_m's range, where the casgstatus fallbacks
 * of the raw CASes (lost to the GC's scan bit, or a synctest bubble) come
 * from, already shown at the coroswitch/coroexit probes; and the value of
 * waitReasonCoroutine in this binary, which coroswitch_m sets only after the
 * probed entry.
 */
static void configure_coroutines(const struct gobin *b, const struct profile *prof, struct plan *pl)
{
	struct goroutine_config *c = &pl->config;
	struct gobin_func m;

	if (!probe_of(pl, PROFILE_FUNC_COROSWITCH) && !probe_of(pl, PROFILE_FUNC_COROEXIT))
		return;
	/* Without it a fallback would be shown twice: the probes stay idle (coro_probes 0). */
	if (gobin__find_func(b, "runtime.coroswitch_m", &m)) {
		note(pl, "warning: runtime.coroswitch_m not found: coroutine switches not seen");
		return;
	}
	c->coro_probes = 1;
	c->coroswitch_m_lo = m.entry;
	c->coroswitch_m_hi = m.end;
	c->coro_reason = GOROUTINE_NO_REASON;
	for (int i = 0; i < prof->n_waitreasons && i < 256; i++)
		if (!strcmp(prof->waitreasons[i], "coroutine"))
			c->coro_reason = i;
}

int plan__make(const struct gobin *b, const struct profile *prof, const struct plan_opts *o,
	       struct plan *out, char *why, size_t whylen)
{
	struct gobin_func own;
	int err, i;

	memset(out, 0, sizeof(*out));
	why[0] = 0;
	/* The profile was read or made elsewhere: the offsets it gives must fit a runtime.g. */
	if (prof->g_goid.value < 0 || prof->g_goid.value >= PROFILE_MAX_G_OFFSET) {
		snprintf(why, whylen, "%s: no usable goid offset", o->path);
		return -ERRORS__NO_FIELD;
	}
	if (o->profile_path) {
		err = check_identity(b, prof, o, out, why, whylen);
		if (err)
			return err;
	}
	for (i = 0; i < PROFILE_FUNC_MAX; i++) {
		const char *name = profile__func_names[i];

		err = gobin__find_func(b, name, &own);
		if (!wanted(prof, i)) {
			/* Not probed, but a profile that misplaces it is not this binary's. */
			if (!err && check_entry(o, i, &prof->funcs[i], &own, out, why, whylen))
				return -ERRORS__MISMATCH;
			continue;
		}
		/* Linked only where coroutines are used: absent is the common case. */
		if (err && (i == PROFILE_FUNC_COROSWITCH || i == PROFILE_FUNC_COROEXIT))
			continue;
		if (err) {
			if (i == PROFILE_FUNC_CASGSTATUS) {
				snprintf(why, whylen, "%s: %s not found: %s", o->path, name,
					 errors__str(err));
				return err;
			}
			note(out, "warning: %s: %s not found: %s", o->path, name,
			     i == PROFILE_FUNC_NEWPROC ? "no parent goids" :
			     i == PROFILE_FUNC_PREEMPT_PARK || i == PROFILE_FUNC_PREEMPT_RESUME ?
							 "PREEMPTED switches will not be seen" :
							 "SYSCALL switches will not be seen");
			continue;
		}
		if (check_entry(o, i, &prof->funcs[i], &own, out, why, whylen))
			return -ERRORS__MISMATCH;
		add_probe(b, prof, o, i, &own, out);
	}
	configure(prof, o->no_stacks, out);
	configure_final_reasons(b, prof, out);
	configure_coroutines(b, prof, out);
	return 0;
}
