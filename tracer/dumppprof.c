// SPDX-License-Identifier: GPL-2.0
/*
 * dumppprof: a snapshot written through the profile builder (see
 * dumppprof.h). Which goroutines are in it follows runtime/pprof's goroutine
 * profile (every one but the system goroutines, isSystemGoroutine); its
 * mappings follow runtime/pprof's parseProcSelfMaps (every executable line of
 * the maps, the file's GNU build id), read from /proc/PID/maps instead of
 * /proc/self/maps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dumppprof.h"
#include "elfbuf.h"
#include "buildinfo.h"
#include "gobin.h"
#include "goversion.h"
#include "pprof.h"
#include "snapshot.h"

static const struct pprof_value_type goroutine_count = {"goroutine", "count"};

/*
 * How many frames the runtime's goroutine profile keeps of a stack: a
 * StackRecord's Stack0 [32]uintptr up to go1.22, debug.profstackdepth (128
 * by default) from go1.23. Unknown version: no cut.
 */
static size_t profile_depth(const struct gobin *b)
{
	const struct buildinfo *bi = gobin__buildinfo(b);
	struct goversion v;

	if (!bi || goversion__parse(bi->version, &v))
		return 0;
	return goversion__at_least(&v, 1, 23) ? 128 : 32;
}

/* runtime.isSystemGoroutine: started in a runtime function other than runtime.main. */
static bool system_goroutine(struct gobin *b, uint64_t startpc)
{
	struct gobin_func f;

	if (gobin__find_pc(b, startpc, &f))
		return false;
	return gobin__system_start(f.name);
}

/* The GNU build id of another file the process maps, seen from its mount namespace. */
static void file_build_id(pid_t pid, const char *file, char *hex, size_t len)
{
	struct gobin *o = NULL;
	char path[PATH_MAX];

	hex[0] = 0;
	if (file[0] != '/' ||
	    (size_t)snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, file) >= sizeof(path))
		return;
	if (!gobin__open_path(path, &o) && elfbuf__gnu_build_id(gobin__elf(o), hex, len))
		hex[0] = 0;
	gobin__delete(o);
}

/*
 * Every executable mapping of the process, the binary's (exe's inode)
 * symbolized through b. 0, -ESRCH, -EACCES, -ENOMEM.
 */
static int add_mappings(struct pprof *p, struct gobin *b, const char *exe, const struct snapshot *s)
{
	char path[64], build_id[128] = "", other[128], *line = NULL;
	size_t cap = 0;
	struct stat st;
	FILE *f;
	int err = 0;

	if (stat(exe, &st))
		return errno == ENOENT ? -ESRCH : -errno;
	if (elfbuf__gnu_build_id(gobin__elf(b), build_id, sizeof(build_id)))
		build_id[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)s->pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!err && getline(&line, &cap, f) > 0) {
		struct pprof_mapping m = {0};
		char perm[8], *file;
		unsigned long long inode;
		bool ours;
		int at = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*x:%*x %llu %n",
			   &m.start, &m.limit, perm, &m.offset, &inode, &at) < 5 ||
		    !at || strlen(perm) < 4 || perm[2] != 'x')
			continue;
		file = line + at;
		file[strcspn(file, "\n")] = 0;
		/* parseProcSelfMaps: a deleted file under its name; inode 0 unnamed is huge-page fill. */
		if (strlen(file) > 10 && !strcmp(file + strlen(file) - 10, " (deleted)"))
			file[strlen(file) - 10] = 0;
		if (!inode && !*file)
			continue;
		ours = inode == st.st_ino;
		m.file = *file ? file : NULL;
		if (ours) {
			m.build_id = *build_id ? build_id : NULL;
		} else if (*file) {
			/* runtime/pprof reads every mapped file's build id too. */
			file_build_id(s->pid, file, other, sizeof(other));
			m.build_id = *other ? other : NULL;
		}
		if (m.start < m.limit)
			err = pprof__add_mapping(p, &m, ours ? b : NULL, s->bias);
	}
	free(line);
	fclose(f);
	return err;
}

/* The profile of s, built: 0, or an error with nothing in *out. */
static int build(struct gobin *b, const char *exe, const struct snapshot *s, bool system,
		 struct dumppprof_stats *st, struct pprof **out)
{
	struct pprof_opts o = {.sample_types = &goroutine_count,
			       .n_sample_types = 1,
			       .period_type = goroutine_count,
			       .period = 1,
			       .max_frames = profile_depth(b)};
	const int64_t one = 1;
	struct pprof *p = NULL;
	uint64_t *pcs = NULL;
	size_t cap = 0, i, k;
	struct timespec now;
	int err;

	*st = (struct dumppprof_stats){0};
	clock_gettime(CLOCK_REALTIME, &now);
	o.time_nanos = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	err = pprof__new(&o, &p);
	if (!err)
		err = add_mappings(p, b, exe, s);
	for (i = 0; !err && i < s->n; i++) {
		const struct snapshot_g *sg = &s->gs[i];

		if (!system && system_goroutine(b, sg->g.startpc - s->bias))
			continue;
		if (sg->state != SNAPSHOT_G_OK || !sg->npcs) {
			st->no_stack++;
			continue;
		}
		if (sg->npcs > cap) {
			uint64_t *n = realloc(pcs, sg->npcs * sizeof(*pcs));

			if (!n) {
				err = -ENOMEM;
				break;
			}
			pcs = n;
			cap = sg->npcs;
		}
		/* The profile holds process addresses, as the runtime's does. */
		for (k = 0; k < sg->npcs; k++)
			pcs[k] = sg->pcs[k] + s->bias;
		err = pprof__add_sample(p, pcs, sg->npcs, &one);
		st->goroutines++;
	}
	free(pcs);
	if (err) {
		pprof__delete(p);
		return err;
	}
	st->samples = pprof__sample_count(p);
	*out = p;
	return 0;
}

int dumppprof__write(FILE *out, struct gobin *b, const char *exe, const struct snapshot *s,
		     bool system, struct dumppprof_stats *st)
{
	struct pprof *p = NULL;
	int err = build(b, exe, s, system, st, &p);

	if (!err)
		err = pprof__write(p, out);
	pprof__delete(p);
	return err;
}

int dumppprof__write_file(const char *path, struct gobin *b, const char *exe,
			  const struct snapshot *s, bool system, struct dumppprof_stats *st)
{
	struct pprof *p = NULL;
	int err = build(b, exe, s, system, st, &p);

	if (!err)
		err = pprof__write_path(p, path);
	pprof__delete(p);
	return err;
}
