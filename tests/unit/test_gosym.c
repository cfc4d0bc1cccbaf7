// SPDX-License-Identifier: GPL-2.0
/*
 * test_gosym: the symbolizer against the Go runtime itself. The fixture
 * tests/fixtures/go/symbolize prints every frame of a few stacks through
 * inlined calls as runtime.CallersFrames gives them; it is built with every
 * cached toolchain in several link modes (static, stripped, cgo external,
 * PIE internal, PIE external stripped), run, and for every physical frame
 * gosym__frames() on the binary file must give the same functions, files,
 * lines, pcs and the same inlined frames in the same order. Then the inline
 * tree of a real binary is corrupted (a parent cycle, names and offsets out
 * of range) and must give errors. The npm esbuild binaries (go1.14-1.26, with
 * the go1.16-1.17 func data pointers no cached toolchain makes) are sampled:
 * no errors, and at every call site each frame's file is its function's own.
 * Last the speed, cold and as a dump asks (the same pcs again: the memo, whose
 * answers must equal fresh ones). GOSYM_ONLY=oracle,npm,speed picks parts.
 */
#include <capstone/capstone.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "check.h"
#include "elfbuf.h"
#include "errors.h"
#include "gosym.h"
#include "moduledata.h"
#include "pclntab.h"

static bool __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = vsnprintf(buf, n, f, ap);
	va_end(ap);
	return r >= 0 && (size_t)r < n;
}

/* CPU time, not wall time: the machine is shared, and the figures should not move with its load. */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A binary opened the way the resolver opens one: table, moduledata, relocations. */
struct bin {
	uint8_t *buf; /* a private copy, so corruption tests can write to it */
	size_t len;
	struct elfbuf *e;
	struct pclntab_loc loc;
	struct moduledata md;
	bool md_ok;
	struct moduledata_relocs *r;
	struct pclntab *t;
	struct gosym *s;
};

static void bin_close(struct bin *b)
{
	gosym__delete(b->s);
	pclntab__delete(b->t);
	moduledata__relocs_delete(b->r);
	elfbuf__delete(b->e);
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static int bin_open(const char *path, struct bin *b)
{
	FILE *f = fopen(path, "rb");
	long sz;
	int err;

	memset(b, 0, sizeof(*b));
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	b->len = sz;
	b->buf = malloc(b->len);
	if (!b->buf || fread(b->buf, 1, b->len, f) != b->len) {
		fclose(f);
		bin_close(b);
		return -EIO;
	}
	fclose(f);
	if ((err = elfbuf__new(b->buf, b->len, &b->e)) || (err = pclntab__locate(b->e, &b->loc)))
		goto fail;
	b->md_ok = !moduledata__find(b->e, &b->loc, 0, &b->md);
	if ((err = pclntab__new(b->loc.data, b->loc.size, b->md_ok ? b->md.text : 0, &b->t)) ||
	    (err = moduledata__relocs_new(b->e, &b->r)) ||
	    (err = gosym__new(b->e, b->t, b->md_ok ? &b->md : NULL, b->r, &b->s)))
		goto fail;
	return 0;
fail:
	bin_close(b);
	return err;
}

/* One frame as the fixture printed it. */
struct rt_frame {
	char stack[32];
	uint64_t pc, entry;
	int inlined;
	char func[512], file[1024];
	uint32_t line;
};

/* The runtime prints a generic instantiation's shape as [...] (go1.21+ and 1.19's). */
static void name_for_print(const char *in, const char *ref, char *out, size_t n)
{
	const char *open = strchr(in, '['), *close = strrchr(in, ']');

	if (!strstr(ref, "[...]") || !open || !close || close < open) {
		fmt(out, n, "%s", in);
		return;
	}
	fmt(out, n, "%.*s[...]%s", (int)(open - in), in, close + 1);
}

static size_t parse_frames(FILE *p, struct rt_frame *fr, size_t max)
{
	char line[2048];
	size_t n = 0;

	while (fgets(line, sizeof(line), p)) {
		char *f[8], *save = NULL, *tok = strtok_r(line, "\t\n", &save);
		int k = 0;

		while (tok && k < 8) {
			f[k++] = tok;
			tok = strtok_r(NULL, "\t\n", &save);
		}
		if (k != 8 || strcmp(f[0], "frame") || n >= max)
			continue;
		fmt(fr[n].stack, sizeof(fr[n].stack), "%s", f[1]);
		fr[n].pc = strtoull(f[2], NULL, 0);
		fr[n].entry = strtoull(f[3], NULL, 0);
		fr[n].inlined = atoi(f[4]);
		fmt(fr[n].func, sizeof(fr[n].func), "%s", f[5]);
		fmt(fr[n].file, sizeof(fr[n].file), "%s", f[6]);
		fr[n].line = strtoul(f[7], NULL, 10);
		n++;
	}
	return n;
}

struct tally {
	int physical, frames, inlined, bad;
};

/* Print the first few disagreements of a binary, not thousands. */
static void mismatch(const char *label, struct tally *t, const char *f, ...)
{
	va_list ap;

	if (t->bad++ >= 5)
		return;
	fprintf(stderr, "%s: ", label);
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Compare every physical frame the runtime printed (with its inlined frames) with ours. */
static void compare(const char *label, struct bin *b, const struct rt_frame *fr, size_t nfr,
		    struct tally *t)
{
	struct pclntab_func mainf;
	uint64_t bias = 0;
	bool have_bias = false;
	size_t i, j, k;

	if (pclntab__find_func(b->t, "main.main", &mainf)) {
		mismatch(label, t, "no main.main in the table");
		return;
	}
	for (i = 0; i < nfr; i++) {
		if (!fr[i].inlined && !strcmp(fr[i].func, "main.main")) {
			bias = fr[i].entry - mainf.entry;
			have_bias = true;
			break;
		}
	}
	if (!have_bias) {
		mismatch(label, t, "the runtime printed no main.main frame");
		return;
	}
	for (i = 0; i < nfr; i = j + 1) {
		struct gosym_frame out[GOSYM_MAX_DEPTH];
		size_t n = 0;
		int err;

		/* A physical frame: the inlined frames before it, then itself. */
		for (j = i; j < nfr && fr[j].inlined; j++)
			;
		if (j == nfr) {
			mismatch(label, t, "frames end in an inlined one");
			break;
		}
		t->physical++;
		err = gosym__frames(b->s, fr[i].pc - bias, out, GOSYM_MAX_DEPTH, &n);
		if (err) {
			mismatch(label, t, "%s pc %#lx: %s", fr[i].func, (unsigned long)fr[i].pc,
				 errors__str(err));
			continue;
		}
		if (n != j - i + 1)
			mismatch(label, t, "%s %s pc %#lx: %zu frames, the runtime %zu",
				 fr[i].stack, fr[j].func, (unsigned long)fr[i].pc, n, j - i + 1);
		for (k = 0; k < n && i + k <= j; k++) {
			const struct rt_frame *r = &fr[i + k];
			char name[512];

			name_for_print(out[k].func, r->func, name, sizeof(name));
			t->frames++;
			t->inlined += r->inlined;
			if (strcmp(name, r->func) || strcmp(out[k].file, r->file) ||
			    out[k].line != r->line || out[k].pc != r->pc - bias ||
			    out[k].entry != r->entry - bias || out[k].inlined != !!r->inlined ||
			    /* FuncIDNormal is 0 in every release; goexit is special in all. */
			    (!strncmp(name, "main.", 5) && out[k].func_id) ||
			    (!strcmp(name, "runtime.goexit") && !out[k].func_id))
				mismatch(label, t,
					 "%s frame %zu: ours %s %s:%u pc %#lx%s, runtime %s %s:%u "
					 "pc "
					 "%#lx%s",
					 r->stack, k, name, out[k].file, out[k].line,
					 (unsigned long)(out[k].pc + bias),
					 out[k].inlined ? " (inlined)" : "", r->func, r->file,
					 r->line, (unsigned long)r->pc,
					 r->inlined ? " (inlined)" : "");
		}
	}
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "failed (%d): %s\n", rc, cmd);
	return rc;
}

static const struct mode {
	const char *name, *cgo, *flags;
} modes[] = {
	{"static", "0", ""},
	{"stripped", "0", "-ldflags='-s -w'"},
	{"extld", "1", "-ldflags=-linkmode=external"},
	{"pie", "0", "-buildmode=pie"},
	{"pie-extld-stripped", "1", "-buildmode=pie -ldflags='-linkmode=external -s -w'"},
};

static char fixture_dir[4096];
/* One binary kept for the corruption tests: the first static build. */
static char corrupt_src[4300];

/* Build the fixture with one toolchain in every mode, run each, compare. */
static void test_toolchain(const char *goroot, const char *gobin, int minor, const char *tmp,
			   int *binaries)
{
	char root[4096], cmd[16384], path[4400], label[128];
	static struct rt_frame fr[512];

	cache_root(root, sizeof(root));
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct tally t = {0};
		struct bin b;
		size_t nfr;
		FILE *p;
		int err;

		fmt(label, sizeof(label), "go1.%d/%s", minor, modes[m].name);
		fmt(path, sizeof(path), "%s/sym-1.%d-%s", tmp, minor, modes[m].name);
		/* The fixture builds' own Go caches: warm, and never the user's. */
		if (!fmt(cmd, sizeof(cmd),
			 "cd '%s' && %s%s%s PATH='%s':$PATH GOTOOLCHAIN=local GOFLAGS='-mod=mod%s' "
			 "GOPROXY=off GOSUMDB=off GO111MODULE=on GOENV=off "
			 "GOCACHE='%s/gobuild/%d/cache' GOPATH='%s/gobuild/%d/gopath' "
			 "CGO_ENABLED=%s '%s' build %s -o '%s' . >'%s.log' 2>&1",
			 fixture_dir, goroot ? "GOROOT='" : "", goroot ? goroot : "",
			 goroot ? "'" : "", tmp, minor >= 18 ? " -buildvcs=false" : "", root, minor,
			 root, minor, modes[m].cgo, gobin, modes[m].flags, path, path)) {
			CHECK(0);
			continue;
		}
		if (run(cmd)) {
			CHECK(0);
			continue;
		}
		fmt(cmd, sizeof(cmd), "'%s'", path);
		p = popen(cmd, "r");
		CHECK(p != NULL);
		if (!p)
			continue;
		nfr = parse_frames(p, fr, sizeof(fr) / sizeof(fr[0]));
		CHECK(pclose(p) == 0);
		CHECK(nfr > 20);
		err = bin_open(path, &b);
		if (err) {
			fprintf(stderr, "%s: %s\n", label, errors__str(err));
			CHECK(0);
			continue;
		}
		compare(label, &b, fr, nfr, &t);
		bin_close(&b);
		check_count++;
		if (t.bad)
			check_failures++;
		/* The fixture inlines: a run without inlined frames checked nothing new. */
		CHECK(t.inlined >= 8);
		printf("%-28s %4d physical %4d frames %4d inlined  %s\n", label, t.physical,
		       t.frames, t.inlined, t.bad ? "FAIL" : "ok");
		(*binaries)++;
		if (!corrupt_src[0] && !strcmp(modes[m].name, "static") && minor >= 20)
			fmt(corrupt_src, sizeof(corrupt_src), "%s", path);
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void test_oracle(const char *tmp)
{
	char root[4096], dir[4200], goroot[4400], gobin[4500];
	int minors[64], nm = 0, binaries = 0;
	struct dirent *d;
	DIR *dp;

	cache_root(root, sizeof(root));
	fmt(dir, sizeof(dir), "%s/go", root);
	dp = opendir(dir);
	while (dp && (d = readdir(dp)) && nm < 64) {
		int minor;

		if (sscanf(d->d_name, "1.%d", &minor) == 1)
			minors[nm++] = minor;
	}
	if (dp)
		closedir(dp);
	qsort(minors, nm, sizeof(int), cmp_int);
	for (int i = 0; i < nm; i++) {
		struct stat st;

		fmt(goroot, sizeof(goroot), "%s/1.%d/usr/lib/go-1.%d", dir, minors[i], minors[i]);
		fmt(gobin, sizeof(gobin), "%s/bin/go", goroot);
		if (stat(gobin, &st))
			continue;
		test_toolchain(goroot, gobin, minors[i], tmp, &binaries);
	}
	if (!nm) {
		const char *go = getenv("GO");

		CHECK_SKIP("no cached toolchains in %s: the system go only", dir);
		test_toolchain(NULL, go && *go ? go : "go", 19, tmp, &binaries);
	}
	printf("%d fixture binaries compared with runtime.CallersFrames\n", binaries);
	CHECK(binaries > 0);
}

/* An inlined pc of main.main and what the corruption tests need around it. */
struct victim {
	struct pclntab_func f;
	struct pclntab_funcinfo fi;
	uint64_t pc;
	int32_t ix;
	uint8_t *tree;	   /* the inline tree's bytes (in the private copy) */
	uint8_t *funcdata; /* FUNCDATA_InlTree's slot */
	uint8_t *pcdata;   /* PCDATA_InlTreeIndex's table offset */
};

static int find_victim(struct bin *b, struct victim *v)
{
	const uint8_t *tab;
	uint64_t off, pc;
	size_t len;

	if (pclntab__find_func(b->t, "main.main", &v->f) || pclntab__func_info(b->t, &v->f, &v->fi))
		return -1;
	if (pclntab__version(b->t) < PCLNTAB_VER_120 || !b->md_ok)
		return -1;
	for (pc = v->f.entry; pc < v->f.end; pc++) {
		if (!pclntab__pcdata(b->t, &v->f, &v->fi, PCLNTAB_PCDATA_INLTREEINDEX, pc,
				     &v->ix) &&
		    v->ix >= 0)
			break;
	}
	if (pc == v->f.end || pclntab__funcdata(b->t, &v->fi, PCLNTAB_FUNCDATA_INLTREE, &off, NULL))
		return -1;
	v->pc = pc;
	tab = pclntab__data(b->t, &len);
	v->tree = (uint8_t *)elfbuf__at_vaddr(b->e, b->md.gofunc + off, 16, NULL);
	v->funcdata = (uint8_t *)tab + v->fi.funcdata_off + PCLNTAB_FUNCDATA_INLTREE * 4;
	v->pcdata = (uint8_t *)tab + v->fi.pcdata_off + PCLNTAB_PCDATA_INLTREEINDEX * 4;
	return v->tree ? 0 : -1;
}

static void put32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

/* A fresh symbolizer each time: the memo of one would answer from before the damage. */
static int frames_at(struct bin *b, uint64_t pc, size_t *n)
{
	struct gosym_frame out[GOSYM_MAX_DEPTH];
	struct gosym *s;
	int err;

	*n = 0;
	err = gosym__new(b->e, b->t, b->md_ok ? &b->md : NULL, b->r, &s);
	if (err)
		return err;
	err = gosym__frames(s, pc, out, GOSYM_MAX_DEPTH, n);
	gosym__delete(s);
	return err;
}

/* Corrupt the inline tree of a real binary in the ways a crafted one could. */
static void test_corrupt(void)
{
	struct gosym_frame one[1];
	struct victim v;
	struct bin b;
	uint8_t save[16], fsave[4], psave[4];
	size_t n;

	if (!corrupt_src[0] || bin_open(corrupt_src, &b)) {
		CHECK_SKIP("corruption: no go1.20+ static fixture built");
		return;
	}
	if (find_victim(&b, &v)) {
		CHECK(0);
		bin_close(&b);
		return;
	}
	uint8_t *ent = v.tree + (size_t)v.ix * 16;

	CHECK(frames_at(&b, v.pc, &n) == 0 && n >= 2);
	/* Too small a buffer: the innermost frames and -ENOSPC, never silence. */
	CHECK(gosym__frames(b.s, v.pc, one, 1, &n) == -ENOSPC && n == 1 && one[0].inlined);
	memcpy(save, ent, 16);
	/* parentPc leading back to the same pc: the chain cycles. */
	put32le(ent + 8, (uint32_t)(v.pc - v.f.entry));
	CHECK(frames_at(&b, v.pc, &n) == -ERRORS__CORRUPT && n == 0);
	/* parentPc outside the function, and negative. */
	put32le(ent + 8, (uint32_t)(v.f.end - v.f.entry));
	CHECK(frames_at(&b, v.pc, &n) == -ERRORS__CORRUPT && n == 0);
	put32le(ent + 8, 0x80000000u);
	CHECK(frames_at(&b, v.pc, &n) == -ERRORS__CORRUPT);
	memcpy(ent, save, 16);
	/* A name offset past the table. */
	put32le(ent + 4, 0x7fffffff);
	CHECK(frames_at(&b, v.pc, &n) == -ERRORS__CORRUPT && n == 0);
	memcpy(ent, save, 16);
	CHECK(frames_at(&b, v.pc, &n) == 0);
	/* The tree itself outside the file. */
	memcpy(fsave, v.funcdata, 4);
	put32le(v.funcdata, 0x7ffffff0);
	CHECK(frames_at(&b, v.pc, &n) == -ERRORS__CORRUPT);
	memcpy(v.funcdata, fsave, 4);
	/* The index table past the pc tables: unreadable, not "not inlined". */
	memcpy(psave, v.pcdata, 4);
	put32le(v.pcdata, 0xfffffff0);
	CHECK(frames_at(&b, v.pc, &n) == -ERRORS__CORRUPT);
	memcpy(v.pcdata, psave, 4);
	CHECK(frames_at(&b, v.pc, &n) == 0);
	CHECK(frames_at(&b, 1, &n) == -ERRORS__NO_SYMBOL && n == 0);
	CHECK(frames_at(&b, pclntab__max_pc(b.t), &n) == -ERRORS__NO_SYMBOL);
	printf("corruption of %s's inline tree: errors\n", corrupt_src);
	bin_close(&b);
}

/* Every function of a binary, and pcs spread over its text: no crash, names are real. */
static void sample_binary(const char *label, const char *path, size_t npc)
{
	struct gosym_frame out[GOSYM_MAX_DEPTH];
	uint64_t lo, hi, frames = 0, inl = 0, errs = 0, bad = 0;
	struct bin b;
	double t0;
	size_t i;
	int err = bin_open(path, &b);

	if (err) {
		fprintf(stderr, "%s: %s\n", path, errors__str(err));
		CHECK(0);
		return;
	}
	lo = pclntab__min_pc(b.t);
	hi = pclntab__max_pc(b.t);
	t0 = now_ms();
	for (i = 0; i < npc; i++) {
		/* A multiplicative walk hits functions in no order, as a stack dump does. */
		uint64_t pc = lo + (uint64_t)((i * 2654435761u) % (hi - lo));
		size_t n;

		err = gosym__frames(b.s, pc, out, GOSYM_MAX_DEPTH, &n);
		if (err) {
			if (errs++ < 3)
				fprintf(stderr, "%s: pc %#lx: %s\n", label, (unsigned long)pc,
					errors__str(err));
			continue;
		}
		frames += n;
		for (size_t k = 0; k < n; k++) {
			const char *c = out[k].func;

			inl += out[k].inlined;
			/* A name from the table: printable (type:.eq.struct { ... } has spaces). */
			bad += !*c || !out[k].file[0] || out[k].entry > pc;
			for (; *c; c++)
				bad += (unsigned char)*c < ' ';
		}
	}
	double ms = now_ms() - t0;

	printf("%-28s %zu pcs: %lu frames (%lu inlined), %lu errors, %.1f CPU ms, %.2f Mframes/s\n",
	       label, npc, (unsigned long)frames, (unsigned long)inl, (unsigned long)errs, ms,
	       frames / ms / 1e3);
	CHECK(errs == 0);
	CHECK(bad == 0);
	/* Inline trees are read from go1.16 on. */
	CHECK(inl > 0 || pclntab__version(b.t) < PCLNTAB_VER_116);
	bin_close(&b);
}

/*
 * A dump's workload: many goroutines in few stacks, so the same pcs again and
 * again. The memo must answer exactly what a fresh symbolizer does.
 */
static void dump_speed(const char *label, const char *path, size_t distinct, size_t total)
{
	struct gosym_frame out[GOSYM_MAX_DEPTH], ref[GOSYM_MAX_DEPTH];
	struct gosym *fresh = NULL;
	uint64_t lo, hi, frames = 0, wrong = 0;
	struct bin b;
	double t0, ms;

	if (bin_open(path, &b)) {
		CHECK(0);
		return;
	}
	lo = pclntab__min_pc(b.t);
	hi = pclntab__max_pc(b.t);
	t0 = now_ms();
	for (size_t i = 0; i < total; i++) {
		uint64_t pc = lo + (uint64_t)(((i % distinct) * 2654435761u) % (hi - lo));
		size_t n;

		if (!gosym__frames(b.s, pc, out, GOSYM_MAX_DEPTH, &n))
			frames += n;
	}
	ms = now_ms() - t0;
	printf("%-28s %zu lookups of %zu pcs: %lu frames, %.1f CPU ms, %.2f Mframes/s\n", label,
	       total, distinct, (unsigned long)frames, ms, frames / ms / 1e3);
	/* Every remembered answer against one computed afresh. */
	CHECK(!gosym__new(b.e, b.t, b.md_ok ? &b.md : NULL, b.r, &fresh));
	for (size_t i = 0; fresh && i < distinct; i++) {
		uint64_t pc = lo + (uint64_t)((i * 2654435761u) % (hi - lo));
		size_t n = 0, m = 0;
		int e1 = gosym__frames(b.s, pc, out, GOSYM_MAX_DEPTH, &n);
		int e2 = gosym__frames(fresh, pc, ref, GOSYM_MAX_DEPTH, &m);

		wrong += e1 != e2 || n != m;
		for (size_t k = 0; k < n && k < m; k++)
			wrong += out[k].func != ref[k].func || out[k].file != ref[k].file ||
				 out[k].line != ref[k].line || out[k].pc != ref[k].pc ||
				 out[k].inlined != ref[k].inlined ||
				 out[k].func_id != ref[k].func_id;
	}
	CHECK(wrong == 0);
	gosym__delete(fresh);
	bin_close(&b);
}

static int cmp_func_name(const void *a, const void *b)
{
	const struct pclntab_func *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Return addresses minus one of the calls in b's functions (x86-64), at most max. */
static size_t call_sites(struct bin *b, uint64_t *pcs, size_t max)
{
	size_t n = 0, nfunc = pclntab__func_count(b->t);
	struct pclntab_func f;
	csh cs;

	if (elfbuf__machine(b->e) != 62 /* EM_X86_64 */ || cs_open(CS_ARCH_X86, CS_MODE_64, &cs))
		return 0;
	/* Functions spread over the table, until max calls are found. */
	for (size_t k = 0; k < nfunc && n < max; k++) {
		size_t idx = (k * 2654435761u) % nfunc, count;
		const uint8_t *code;
		cs_insn *insn;

		if (pclntab__func_at(b->t, idx, &f) || f.end <= f.entry ||
		    !(code = elfbuf__at_vaddr(b->e, f.entry, f.end - f.entry, NULL)))
			continue;
		count = cs_disasm(cs, code, f.end - f.entry, f.entry, 0, &insn);
		for (size_t i = 0; i < count && n < max; i++)
			if (insn[i].id == X86_INS_CALL)
				pcs[n++] = insn[i].address + insn[i].size - 1;
		if (count)
			cs_free(insn, count);
	}
	cs_close(&cs);
	return n;
}

/*
 * Without a runtime to ask (prebuilt binaries of old releases), frames must
 * still agree with the table: a frame's file is the file its function's body
 * is in, so when that function also has a body of its own its file at the
 * entry is the same. This checks the inline names and the file tables of go1.16
 * and 1.17 (func data as pointers), which no cached toolchain builds. The pcs
 * are those a stack holds, return addresses minus one (from capstone: every
 * call of every function, up to npc): at other instructions the compiler does
 * not keep the inline index and the file table in step. Package init
 * functions, assembly stubs, ABI wrappers and closures are left out (see below).
 */
static void consistent_files(const char *label, const char *path, size_t npc)
{
	struct gosym_frame out[GOSYM_MAX_DEPTH];
	struct pclntab_func *funcs = NULL, key, *g;
	struct pclntab_funcinfo gi;
	uint64_t *calls = calloc(npc, sizeof(*calls)), checked = 0, inl = 0, wrong = 0;
	size_t nf = 0, ncalls, i;
	struct bin b;

	if (!calls || bin_open(path, &b)) {
		free(calls);
		return;
	}
	if (pclntab__version(b.t) < PCLNTAB_VER_116) {
		/* No inline trees read before 1.16: the file is the innermost inlined one. */
		printf("%-28s file consistency: skipped (pre-1.16 table)\n", label);
		free(calls);
		bin_close(&b);
		return;
	}
	funcs = calloc(pclntab__func_count(b.t), sizeof(*funcs));
	for (i = 0; funcs && i < pclntab__func_count(b.t); i++)
		if (!pclntab__func_at(b.t, i, &funcs[nf]) && funcs[nf].name[0])
			nf++;
	qsort(funcs, nf, sizeof(*funcs), cmp_func_name);
	ncalls = funcs ? call_sites(&b, calls, npc) : 0;
	for (i = 0; i < ncalls; i++) {
		uint64_t pc = calls[i];
		size_t n;

		if (gosym__frames(b.s, pc, out, GOSYM_MAX_DEPTH, &n))
			continue;
		for (size_t k = 0; k < n; k++) {
			const char *file;
			uint32_t line;

			inl += out[k].inlined;
			if (out[k].inlined && !strchr(out[k].func, '.'))
				wrong++; /* inlined calls are Go functions: pkg.name */
			key.name = out[k].func;
			g = bsearch(&key, funcs, nf, sizeof(*funcs), cmp_func_name);
			/*
			 * ABI wrappers share their function's name, in <autogenerated>;
			 * a closure made inside an inlined body is named after the
			 * function it lands in (go1.22+), its body in the callee's file.
			 */
			if (!g || !strcmp(out[k].file, "?") || strstr(g->name, ".init") ||
			    strstr(g->name, ".func") || !strcmp(out[k].file, "<autogenerated>") ||
			    pclntab__func_info(b.t, g, &gi) ||
			    pclntab__file_line(b.t, g, &gi, g->entry, &file, &line) ||
			    !strcmp(file, "<autogenerated>") || strstr(file, ".s"))
				continue;
			checked++;
			if (strcmp(file, out[k].file) && wrong++ < 3)
				fprintf(stderr, "%s: %s at %#lx: file %s, its body's %s\n", label,
					out[k].func, (unsigned long)out[k].pc, out[k].file, file);
		}
	}
	printf("%-28s file consistency at %zu call sites: %lu frames checked (%lu inlined), "
	       "%lu wrong\n",
	       label, ncalls, (unsigned long)checked, (unsigned long)inl, (unsigned long)wrong);
	CHECK(checked > 0);
	CHECK(wrong == 0);
	free(funcs);
	free(calls);
	bin_close(&b);
}

static void test_npm(void)
{
	char root[4096], dir[4200], path[4500];
	struct dirent *d;
	DIR *dp;
	int n = 0;

	cache_root(root, sizeof(root));
	fmt(dir, sizeof(dir), "%s/npm", root);
	dp = opendir(dir);
	if (!dp) {
		CHECK_SKIP("npm: %s does not exist (scripts/fixtures.sh makes it)", dir);
		return;
	}
	while ((d = readdir(dp))) {
		struct stat st;

		/* $CACHE/npm/<package>-<version>/package/bin/esbuild */
		if (d->d_name[0] == '.' ||
		    !fmt(path, sizeof(path), "%s/%s/package/bin/esbuild", dir, d->d_name) ||
		    stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		sample_binary(d->d_name, path, 20000);
		consistent_files(d->d_name, path, 20000);
		n++;
	}
	closedir(dp);
	printf("%d npm binaries sampled\n", n);
	if (!n)
		CHECK_SKIP("npm: no binaries in %s yet", dir);
}

static void test_speed(void)
{
	char root[4096], path[4300];
	struct stat st;

	cache_root(root, sizeof(root));
	/* The newest cached stripped build, else the one next to the sources. */
	for (int minor = 40; minor >= 16; minor--) {
		fmt(path, sizeof(path), "%s/fixtures/go1.%d/go-server-http-stripped", root, minor);
		if (!stat(path, &st))
			break;
	}
	if (stat(path, &st))
		fmt(path, sizeof(path), "%s/../../../../go-server-http/main", fixture_dir);
	if (stat(path, &st)) {
		CHECK_SKIP("speed: no go-server-http binary");
		return;
	}
	printf("speed on %s\n", path);
	sample_binary("go-server-http (speed)", path, 100000);
	dump_speed("go-server-http (dump)", path, 500, 1000000);
	consistent_files("go-server-http", path, 20000);
}

static bool part(const char *name)
{
	const char *only = getenv("GOSYM_ONLY");

	return !only || !*only || strstr(only, name);
}

int main(void)
{
	char tmp[] = "/tmp/test_gosym.XXXXXX", cmd[8192];
	const char *src = getenv("SRC");

	if (src && *src)
		fmt(fixture_dir, sizeof(fixture_dir), "%s/tests/fixtures/go/symbolize", src);
	else
		fmt(fixture_dir, sizeof(fixture_dir), "%.*s/../fixtures/go/symbolize",
		    (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__);
	if (!mkdtemp(tmp)) {
		CHECK(0);
		return check_done("test_gosym");
	}
	/* GOSYM_ONLY=oracle,npm,speed runs some parts (the oracle takes minutes). */
	if (part("oracle")) {
		/* The fixture's sources are read in place; its binaries go to tmp. */
		test_oracle(tmp);
		test_corrupt();
	}
	if (part("npm"))
		test_npm();
	if (part("speed"))
		test_speed();
	fmt(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	run(cmd);
	return check_done("test_gosym");
}
