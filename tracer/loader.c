// SPDX-License-Identifier: GPL-2.0
/*
 * loader: the BPF skeleton configured for a session's targets, loaded,
 * attached, and its maps read (see loader.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array.h"
/* The skeleton's read-only data holds a struct goroutine_config. */
#include "goroutine.h"
#include "goroutine_account.h"
#include "goroutine.skel.h"
#include "loader.h"
#include "summary.h"
#include "target.h"

struct loader {
	struct goroutine_bpf *skel;
	struct ring_buffer *rb;
	enum loader_config config;
	/* Every uprobe attached, all targets: destroyed with the loader. */
	struct bpf_link **links;
	size_t nlinks, cap;
	/* Following: each link's target (links_of[i] for links[i]), the tracepoints' links. */
	uint32_t *links_of;
	size_t links_of_cap;
	struct bpf_link *follow_links[3];
	uint32_t follow;
	bool no_probes;
};

static struct bpf_program *prog_of(struct goroutine_bpf *skel, enum profile_func_id id)
{
	switch (id) {
	case PROFILE_FUNC_CASGSTATUS:
		return skel->progs.casgstatus;
	case PROFILE_FUNC_NEWPROC:
		return skel->progs.newproc;
	case PROFILE_FUNC_REENTERSYSCALL:
		return skel->progs.entersyscall;
	case PROFILE_FUNC_EXITSYSCALL:
		return skel->progs.exitsyscall;
	case PROFILE_FUNC_PREEMPT_PARK:
		return skel->progs.preempt_park;
	case PROFILE_FUNC_PREEMPT_RESUME:
		return skel->progs.preempt_resume;
	case PROFILE_FUNC_COROSWITCH:
		return skel->progs.coroswitch;
	case PROFILE_FUNC_COROEXIT:
		return skel->progs.coroexit;
	default:
		return NULL;
	}
}

/* A target's values, its process filter included. */
static struct goroutine_config config_of(const struct target *t)
{
	struct goroutine_config c = t->plan.config;

	c.target_tgid = t->kind == TARGET_BINARY ? 0 : (uint32_t)t->pid;
	c.follow_only = t->follow_only;
	return c;
}

int loader__load(const struct loader_opts *o, struct target *const *targets, size_t n,
		 struct loader **out, char *why, size_t whylen)
{
	bool used[PROFILE_FUNC_MAX] = {};
	struct loader *l;
	size_t i;
	int err, k;

	*out = NULL;
	if ((!n && !o->follow) || n > GOROUTINE_MAX_TARGETS ||
	    (o->config == LOADER_CONFIG_RODATA && (n > 1 || o->follow))) {
		snprintf(why, whylen, "cannot trace %zu targets at once", n);
		return -E2BIG;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->config = o->config;
	l->follow = o->follow;
	l->no_probes = o->no_probes;
	l->skel = goroutine_bpf__open();
	if (!l->skel) {
		err = -errno;
		snprintf(why, whylen, "cannot open BPF object: %s", strerror(errno));
		free(l);
		return err;
	}
	l->skel->rodata->count_only = o->count_only;
	l->skel->rodata->summary_mode = o->summary;
	l->skel->rodata->per_process = o->summary && o->follow;
	/* Preallocated per CPU (48 bytes each): only where it is used. */
	if (!l->skel->rodata->per_process)
		bpf_map__set_max_entries(l->skel->maps.procsum, 1);
	l->skel->rodata->config_from_cookie = o->config == LOADER_CONFIG_COOKIE;
	if (o->config == LOADER_CONFIG_RODATA) {
		struct goroutine_config c = config_of(targets[0]);

		memcpy((void *)&l->skel->rodata->target_config, &c, sizeof(c));
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < targets[i]->plan.nprobes; k++)
			used[targets[i]->plan.probes[k].func] = true;
	l->skel->rodata->follow_mode = o->follow;
	bpf_program__set_autoload(l->skel->progs.follow_fork, o->follow);
	bpf_program__set_autoload(l->skel->progs.follow_exec, o->follow);
	bpf_program__set_autoload(l->skel->progs.follow_exit, o->follow);
	/* Following, targets come later, each with any of the probes. */
	for (k = 0; k < PROFILE_FUNC_MAX && (!o->follow || o->no_probes); k++)
		if (!used[k] || o->no_probes)
			bpf_program__set_autoload(prog_of(l->skel, k), false);
	err = goroutine_bpf__load(l->skel);
	if (err) {
		snprintf(why, whylen, "cannot load BPF program: %s%s", strerror(-err),
			 err == -EPERM ? " (run as root: CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)" :
					 "");
		loader__delete(l);
		return err;
	}
	/* Before any probe can fire: a cookie without its entry is ignored by the program. */
	for (i = 0; o->config == LOADER_CONFIG_COOKIE && i < n; i++) {
		struct goroutine_config c = config_of(targets[i]);
		uint32_t id = targets[i]->id;

		if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.config), &id, &c, BPF_ANY)) {
			err = -errno;
			snprintf(why, whylen, "cannot configure target %u: %s", id,
				 strerror(errno));
			loader__delete(l);
			return err;
		}
	}
	*out = l;
	return 0;
}

int loader__attach(struct loader *l, const struct target *t, char *why, size_t whylen)
{
	int i, err;

	for (i = 0; !l->no_probes && i < t->plan.nprobes; i++) {
		const struct plan_probe *p = &t->plan.probes[i];
		LIBBPF_OPTS(bpf_uprobe_opts, uopts);
		struct bpf_link *link;

		uopts.retprobe = false; /* never a uretprobe on Go code: Go moves stacks */
		uopts.bpf_cookie = l->config == LOADER_CONFIG_COOKIE ? t->id : 0;
		link = bpf_program__attach_uprobe_opts(prog_of(l->skel, p->func),
						       t->kind == TARGET_BINARY ? -1 : t->pid,
						       t->path, p->file_offset, &uopts);
		/* Loading needs CAP_BPF, but the kernel creates a uprobe only for CAP_SYS_ADMIN. */
		if (!link) {
			err = -errno;
			snprintf(why, whylen, "cannot attach uprobe to %s:%s: %s%s", t->path,
				 p->name, strerror(-err),
				 err == -EACCES || err == -EPERM ?
					 " (uprobes need root or CAP_SYS_ADMIN)" :
					 "");
			return err;
		}
		if (array__reserve(&l->links, &l->cap, l->nlinks + 1, sizeof(*l->links), 8, 0)) {
			bpf_link__destroy(link);
			snprintf(why, whylen, "%s", strerror(ENOMEM));
			return -ENOMEM;
		}
		if (array__reserve(&l->links_of, &l->links_of_cap, l->nlinks + 1,
				   sizeof(*l->links_of), 8, 0)) {
			bpf_link__destroy(link);
			snprintf(why, whylen, "%s", strerror(ENOMEM));
			return -ENOMEM;
		}
		l->links_of[l->nlinks] = t->id;
		l->links[l->nlinks++] = link;
	}
	return 0;
}

int loader__add_target(struct loader *l, const struct target *t, char *why, size_t whylen)
{
	struct goroutine_config c = config_of(t);
	uint32_t id = t->id;

	if (l->config != LOADER_CONFIG_COOKIE || id >= GOROUTINE_MAX_TARGETS) {
		snprintf(why, whylen, "cannot add target %u", id);
		return -E2BIG;
	}
	/* Its values before its probes: a cookie without its entry is ignored by the program. */
	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.config), &id, &c, BPF_ANY)) {
		snprintf(why, whylen, "cannot configure target %u: %s", id, strerror(errno));
		return -errno;
	}
	return loader__attach(l, t, why, whylen);
}

void loader__detach(struct loader *l, uint32_t id)
{
	size_t i, k = 0;

	for (i = 0; i < l->nlinks; i++) {
		if (l->links_of[i] == id) {
			bpf_link__destroy(l->links[i]);
			continue;
		}
		l->links_of[k] = l->links_of[i];
		l->links[k++] = l->links[i];
	}
	l->nlinks = k;
}

int loader__follow_start(struct loader *l, char *why, size_t whylen)
{
	struct bpf_program *p[3] = {l->skel->progs.follow_fork, l->skel->progs.follow_exec,
				    l->skel->progs.follow_exit};
	int i, err;

	for (i = 0; l->follow && i < 3; i++) {
		l->follow_links[i] = bpf_program__attach(p[i]);
		if (!l->follow_links[i]) {
			err = -errno;
			snprintf(why, whylen, "cannot attach to the %s tracepoint: %s",
				 bpf_program__section_name(p[i]), strerror(-err));
			return err;
		}
	}
	return 0;
}

int loader__follow_pid(struct loader *l, uint32_t tgid)
{
	uint8_t one = 1;

	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.follow), &tgid, &one, BPF_ANY))
		return -errno;
	return 0;
}

int loader__open_procs(struct loader *l, loader_event_fn fn, void *ctx)
{
	if (!l->rb)
		return -EINVAL;
	return ring_buffer__add(l->rb, bpf_map__fd(l->skel->maps.procs), fn, ctx) < 0 ? -errno : 0;
}

int loader__open_events(struct loader *l, loader_event_fn fn, void *ctx)
{
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), fn, ctx, NULL);
	return l->rb ? 0 : -errno;
}

int loader__poll(struct loader *l, int timeout_ms)
{
	int err = ring_buffer__poll(l->rb, timeout_ms);

	if (err >= 0 || err == -EINTR)
		err = ring_buffer__consume(l->rb);
	return err;
}

int loader__drain(struct loader *l)
{
	return l->rb ? ring_buffer__consume(l->rb) : 0;
}

uint64_t loader__counter(const struct loader *l, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0;
	uint64_t *vals;
	int i;

	if (!l || ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.counters), &idx, vals))
		for (i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

int loader__summary(const struct loader *l, uint32_t id, struct goroutine_summary *out)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct goroutine_summary *percpu;

	if (ncpu <= 0)
		return -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.summary), &id, percpu))
		err = -errno;
	else
		summary__sum(percpu, ncpu, out);
	free(percpu);
	return err;
}

int loader__procsum(const struct loader *l, uint32_t tgid, struct goroutine_procsum *out)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	struct goroutine_procsum *percpu;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0)
		return -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.procsum), &tgid, percpu)) {
		err = -errno;
	} else {
		for (int c = 0; c < ncpu; c++) {
			out->switches += percpu[c].switches;
			out->created += percpu[c].created;
			out->exited += percpu[c].exited;
			out->schedlat_count += percpu[c].schedlat_count;
			out->schedlat_ns += percpu[c].schedlat_ns;
			if (percpu[c].schedlat_max_ns > out->schedlat_max_ns)
				out->schedlat_max_ns = percpu[c].schedlat_max_ns;
		}
	}
	free(percpu);
	return err;
}

void loader__procsum_drop(const struct loader *l, uint32_t tgid)
{
	bpf_map_delete_elem(bpf_map__fd(l->skel->maps.procsum), &tgid);
}

int loader__live(const struct loader *l, bool check_pids, struct goroutine_gkey **keys,
		 struct goroutine_gval **vals, size_t *n)
{
	size_t len = (size_t)GOROUTINE_GSLOTS * sizeof(struct goroutine_gentry), i, k = 0;
	size_t kcap = 0, vcap = 0;
	const struct goroutine_gentry *slots;
	struct goroutine_gkey *kk = NULL;
	struct goroutine_gval *vv = NULL;
	uint32_t dead = 0;

	/* Read through a mapping of the array: no syscall per slot. */
	slots = mmap(NULL, len, PROT_READ, MAP_SHARED, bpf_map__fd(l->skel->maps.gstate), 0);
	if (slots == MAP_FAILED)
		return -errno;
	for (i = 0; i < GOROUTINE_GSLOTS; i++) {
		struct goroutine_gentry s = slots[i]; /* a copy: the kernel may be writing it */

		if (!s.key.gp || s.key.tgid == dead)
			continue;
		/* Processes that ended without their goroutines exiting are left out. */
		if (check_pids && kill(s.key.tgid, 0) && errno == ESRCH) {
			dead = s.key.tgid;
			continue;
		}
		if (array__reserve(&kk, &kcap, k + 1, sizeof(*kk), 1024, 0) ||
		    array__reserve(&vv, &vcap, k + 1, sizeof(*vv), 1024, 0)) {
			free(kk);
			free(vv);
			munmap((void *)slots, len);
			return -ENOMEM;
		}
		kk[k] = s.key;
		vv[k++] = s.val;
	}
	munmap((void *)slots, len);
	*keys = kk;
	*vals = vv;
	*n = k;
	return 0;
}

int loader__stack(const struct loader *l, uint64_t id, struct goroutine_stack *out)
{
	if (bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.stacks), &id, out))
		return -ENOENT;
	if (out->n > GOROUTINE_STACK_DEPTH)
		out->n = GOROUTINE_STACK_DEPTH;
	return 0;
}

int loader__blocking(const struct loader *l, struct goroutine_bkey **keys,
		     struct goroutine_bval **vals, size_t *n)
{
	int fd = bpf_map__fd(l->skel->maps.blocking), ncpu = libbpf_num_possible_cpus();
	struct goroutine_bkey k, next, *kk = NULL;
	struct goroutine_bval *percpu, *vv = NULL;
	size_t kcap = 0, vcap = 0, m = 0;
	void *prev = NULL;
	int err = 0;

	*keys = NULL;
	*vals = NULL;
	*n = 0;
	if (ncpu <= 0)
		return -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	/* The kernel keeps adding keys meanwhile: what a walk sees is a moment's, not a whole. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, percpu))
			continue;
		if (array__reserve(&kk, &kcap, m + 1, sizeof(*kk), 256, 0) ||
		    array__reserve(&vv, &vcap, m + 1, sizeof(*vv), 256, 0)) {
			err = -ENOMEM;
			break;
		}
		kk[m] = k;
		vv[m] = (struct goroutine_bval){0};
		for (int c = 0; c < ncpu; c++) {
			vv[m].count += percpu[c].count;
			vv[m].total_ns += percpu[c].total_ns;
			if (percpu[c].max_ns > vv[m].max_ns)
				vv[m].max_ns = percpu[c].max_ns;
		}
		m++;
	}
	free(percpu);
	if (err) {
		free(kk);
		free(vv);
		return err;
	}
	*keys = kk;
	*vals = vv;
	*n = m;
	return 0;
}

int loader__seed(struct loader *l, const struct goroutine_gentry *e, size_t n, size_t *placed)
{
	size_t len = (size_t)GOROUTINE_GSLOTS * sizeof(struct goroutine_gentry), i;
	struct goroutine_gentry *slots;

	*placed = 0;
	/* Before attach: no probe writes the array yet, so plain stores are enough. */
	slots = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     bpf_map__fd(l->skel->maps.gstate), 0);
	if (slots == MAP_FAILED)
		return -errno;
	for (i = 0; i < n; i++) {
		uint32_t k = goroutine_gslot_index(e[i].key.gp, e[i].key.tgid);

		/* The kernel's own rule: either of the pair; none free, the goroutine is not seeded. */
		if (slots[k].key.gp && slots[k + 1].key.gp)
			continue;
		/* Seen switching already (a process found after its binary was probed): the kernel's. */
		if ((slots[k].key.gp == e[i].key.gp && slots[k].key.tgid == e[i].key.tgid) ||
		    (slots[k + 1].key.gp == e[i].key.gp && slots[k + 1].key.tgid == e[i].key.tgid))
			continue;
		slots[slots[k].key.gp ? k + 1 : k] = e[i];
		(*placed)++;
	}
	munmap(slots, len);
	return 0;
}

uint32_t loader__prog_id(const struct loader *l)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(l->skel->progs.casgstatus), &info, &info_len))
		return 0;
	return info.id;
}

void loader__delete(struct loader *l)
{
	size_t i;

	if (!l)
		return;
	ring_buffer__free(l->rb);
	for (i = 0; i < 3; i++)
		bpf_link__destroy(l->follow_links[i]);
	for (i = 0; i < l->nlinks; i++)
		bpf_link__destroy(l->links[i]);
	free(l->links);
	free(l->links_of);
	goroutine_bpf__destroy(l->skel);
	free(l);
}
