// SPDX-License-Identifier: GPL-2.0
/*
 * test_pprof: the profile builder (tracer/pprof.c) written to a buffer,
 * gunzipped and decoded by protobuf-c's own unpack: the header (sample and
 * period types, time), stacks deduplicated and their values summed, strings,
 * functions and locations interned, addresses (the return address minus
 * one) and mappings; then on a real Go binary (argv[1]): a location per
 * return address whose lines are the inlined calls innermost first, as
 * gobin's symbolizer gives them, wrappers left out unless they called a
 * panic, runtime.goexit dropped, and the mapping marked symbolized; stacks
 * cut after max_frames as the runtime's buffer cuts them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "profile.pb-c.h"

#include "check.h"
#include "gobin.h"
#include "gosym.h"
#include "pclntab.h"
#include "pprof.h"

typedef Perftools__Profiles__Profile Profile;

/* p written, gunzipped, unpacked; NULL on any failure (checked). */
static Profile *roundtrip(struct pprof *p)
{
	char *gz = NULL;
	size_t gzlen = 0, cap = 1 << 20;
	uint8_t *raw = malloc(cap);
	FILE *f = open_memstream(&gz, &gzlen);
	z_stream z = {0};
	Profile *pr = NULL;
	int zr;

	CHECK(f && raw);
	if (!f || !raw)
		goto out;
	CHECK(pprof__write(p, f) == 0);
	fclose(f);
	f = NULL;
	/* gzip magic: the file is gzipped, not zlib or raw deflate. */
	CHECK(gzlen > 2 && (uint8_t)gz[0] == 0x1f && (uint8_t)gz[1] == 0x8b);
	CHECK(inflateInit2(&z, 15 + 16) == Z_OK);
	z.next_in = (Bytef *)gz;
	z.avail_in = (uInt)gzlen;
	z.next_out = raw;
	z.avail_out = (uInt)cap;
	zr = inflate(&z, Z_FINISH);
	CHECK(zr == Z_STREAM_END);
	if (zr == Z_STREAM_END)
		pr = perftools__profiles__profile__unpack(NULL, z.total_out, raw);
	inflateEnd(&z);
	CHECK(pr != NULL);
out:
	if (f)
		fclose(f);
	free(gz);
	free(raw);
	return pr;
}

static const char *str(const Profile *pr, int64_t i)
{
	return i >= 0 && (size_t)i < pr->n_string_table ? pr->string_table[i] : NULL;
}

static const Perftools__Profiles__Location *loc(const Profile *pr, uint64_t id)
{
	for (size_t i = 0; i < pr->n_location; i++)
		if (pr->location[i]->id == id)
			return pr->location[i];
	return NULL;
}

static const Perftools__Profiles__Function *func(const Profile *pr, uint64_t id)
{
	for (size_t i = 0; i < pr->n_function; i++)
		if (pr->function[i]->id == id)
			return pr->function[i];
	return NULL;
}

/* Interned: no string twice, no function name twice, ids 1..n. */
static void check_interned(const Profile *pr)
{
	size_t i, j;

	CHECK(pr->n_string_table >= 1 && !strcmp(pr->string_table[0], ""));
	for (i = 0; i < pr->n_string_table; i++)
		for (j = i + 1; j < pr->n_string_table; j++)
			CHECK(strcmp(pr->string_table[i], pr->string_table[j]));
	for (i = 0; i < pr->n_function; i++) {
		CHECK_EQ_U64(pr->function[i]->id, i + 1);
		for (j = i + 1; j < pr->n_function; j++)
			CHECK(pr->function[i]->name != pr->function[j]->name);
	}
	for (i = 0; i < pr->n_location; i++)
		CHECK_EQ_U64(pr->location[i]->id, i + 1);
	for (i = 0; i < pr->n_mapping; i++)
		CHECK_EQ_U64(pr->mapping[i]->id, i + 1);
}

/* No binary: addresses only, two values per sample (a block profile's). */
static void test_synthetic(void)
{
	static const struct pprof_value_type types[] = {{"contentions", "count"},
							{"delay", "nanoseconds"}};
	struct pprof_opts o = {.sample_types = types,
			       .n_sample_types = 2,
			       .period_type = {"contentions", "count"},
			       .period = 1,
			       .time_nanos = 1700000000123456789};
	struct pprof_mapping m = {0x1000, 0x2000, 0x400, "/bin/app", "abcdef"};
	const uint64_t a[] = {0x1010, 0x1020, 0x1030}, b[] = {0x1010, 0x1040}, c[] = {0x9000};
	const int64_t v1[] = {1, 100}, v2[] = {2, 50}, v3[] = {5, 5};
	struct pprof *p;
	Profile *pr;
	size_t i;

	CHECK(pprof__new(&(struct pprof_opts){.n_sample_types = 0}, &p) == -EINVAL && !p);
	CHECK(pprof__new(&o, &p) == 0);
	if (!p)
		return;
	CHECK(pprof__add_mapping(p, &(struct pprof_mapping){0x2000, 0x2000}, NULL, 0) == -EINVAL);
	CHECK(pprof__add_mapping(p, &m, NULL, 0) == 0);
	CHECK(pprof__add_sample(p, a, 3, v1) == 0);
	CHECK(pprof__add_sample(p, b, 2, v3) == 0);
	CHECK(pprof__add_sample(p, a, 3, v2) == 0); /* the same stack: summed */
	CHECK(pprof__add_sample(p, c, 1, v1) == 0); /* outside every mapping */
	CHECK(pprof__add_sample(p, a, 2, v1) == 0); /* a prefix is another stack */
	CHECK_EQ_U64(pprof__sample_count(p), 4);
	CHECK_EQ_U64(pprof__location_count(p), 5);
	pr = roundtrip(p);
	pprof__delete(p);
	if (!pr)
		return;
	check_interned(pr);
	CHECK_EQ_U64(pr->n_sample_type, 2);
	CHECK_STR(str(pr, pr->sample_type[0]->type), "contentions");
	CHECK_STR(str(pr, pr->sample_type[0]->unit), "count");
	CHECK_STR(str(pr, pr->sample_type[1]->type), "delay");
	CHECK_STR(str(pr, pr->sample_type[1]->unit), "nanoseconds");
	CHECK(pr->period_type && !strcmp(str(pr, pr->period_type->type), "contentions"));
	CHECK_EQ_U64(pr->period, 1);
	CHECK_EQ_U64(pr->time_nanos, 1700000000123456789);
	CHECK_EQ_U64(pr->duration_nanos, 0);
	CHECK_EQ_U64(pr->n_sample, 4);
	CHECK_EQ_U64(pr->n_location, 5);
	CHECK_EQ_U64(pr->n_function, 0);
	/* Largest first value first: a (3, summed), b (5)... b has 5: b, a, then c and a[:2]. */
	CHECK_EQ_U64(pr->sample[0]->value[0], 5);
	CHECK_EQ_U64(pr->sample[1]->value[0], 3);
	CHECK_EQ_U64(pr->sample[1]->value[1], 150);
	CHECK_EQ_U64(pr->sample[1]->n_location_id, 3);
	for (i = 0; i < pr->n_sample && pr->sample[1]->n_location_id == 3; i++) {
		const Perftools__Profiles__Sample *s = pr->sample[i];

		CHECK_EQ_U64(s->n_value, 2);
		for (size_t k = 0; k < s->n_location_id; k++) {
			const Perftools__Profiles__Location *l = loc(pr, s->location_id[k]);

			CHECK(l != NULL);
			if (!l)
				continue;
			/* The call's address, a byte back from the return address. */
			if (s->value[0] == 3)
				CHECK_EQ_U64(l->address, a[k] - 1);
			CHECK_EQ_U64(l->n_line, 0);
			CHECK_EQ_U64(l->mapping_id, l->address + 1 == 0x9000 ? 0 : 1);
		}
	}
	/* 0x1010 is one location in both stacks. */
	CHECK_EQ_U64(pr->sample[0]->location_id[0], pr->sample[1]->location_id[0]);
	CHECK_EQ_U64(pr->n_mapping, 1);
	CHECK_EQ_U64(pr->mapping[0]->memory_start, 0x1000);
	CHECK_EQ_U64(pr->mapping[0]->memory_limit, 0x2000);
	CHECK_EQ_U64(pr->mapping[0]->file_offset, 0x400);
	CHECK_STR(str(pr, pr->mapping[0]->filename), "/bin/app");
	CHECK_STR(str(pr, pr->mapping[0]->build_id), "abcdef");
	CHECK(!pr->mapping[0]->has_functions);
	perftools__profiles__profile__free_unpacked(pr, NULL);
}

/* 100k goroutines in three stacks: three samples, the counts exact. */
static void test_sums(void)
{
	static const struct pprof_value_type count = {"goroutine", "count"};
	struct pprof_opts o = {.sample_types = &count, .n_sample_types = 1};
	const int64_t one = 1;
	struct pprof *p;
	Profile *pr;
	int i;

	CHECK(pprof__new(&o, &p) == 0);
	if (!p)
		return;
	for (i = 0; i < 100000; i++) {
		uint64_t st[] = {0x5000 + (uint64_t)(i % 3 == 0) + (uint64_t)(i % 3 == 1) * 2,
				 0x6000};

		CHECK(pprof__add_sample(p, st, 2, &one) == 0);
	}
	pr = roundtrip(p);
	pprof__delete(p);
	if (!pr)
		return;
	CHECK_EQ_U64(pr->n_sample, 3);
	CHECK_EQ_U64(pr->n_location, 4);
	CHECK_EQ_U64(pr->sample[0]->value[0] + pr->sample[1]->value[0] + pr->sample[2]->value[0],
		     100000);
	CHECK_EQ_U64(pr->sample[0]->value[0], 33334);
	CHECK_EQ_U64(pr->sample[2]->value[0], 33333);
	perftools__profiles__profile__free_unpacked(pr, NULL);
}

/* max_frames: stacks cut as the runtime's buffer cuts them, equal ones then one sample. */
static void test_cut(void)
{
	static const struct pprof_value_type count = {"goroutine", "count"};
	struct pprof_opts o = {.sample_types = &count, .n_sample_types = 1, .max_frames = 3};
	const uint64_t a[] = {0x10, 0x20, 0x30, 0x40, 0x50}, b[] = {0x10, 0x20, 0x30, 0x99};
	const uint64_t c[] = {0x10, 0x20};
	const int64_t one = 1;
	struct pprof *p;
	Profile *pr;

	CHECK(pprof__new(&o, &p) == 0);
	if (!p)
		return;
	CHECK(pprof__add_sample(p, a, 5, &one) == 0);
	CHECK(pprof__add_sample(p, b, 4, &one) == 0); /* the same first three */
	CHECK(pprof__add_sample(p, c, 2, &one) == 0); /* shorter than the cut */
	CHECK_EQ_U64(pprof__sample_count(p), 2);
	/* 0x40, 0x50 and 0x99 are past the cut: never looked up. */
	CHECK_EQ_U64(pprof__location_count(p), 3);
	pr = roundtrip(p);
	pprof__delete(p);
	if (!pr)
		return;
	CHECK_EQ_U64(pr->n_sample, 2);
	CHECK_EQ_U64(pr->sample[0]->value[0], 2);
	CHECK_EQ_U64(pr->sample[0]->n_location_id, 3);
	CHECK_EQ_U64(pr->sample[1]->n_location_id, 2);
	perftools__profiles__profile__free_unpacked(pr, NULL);
}

/* A pc in b whose frames include an inlined call (n >= 2); 0 when none is found. */
static uint64_t inlined_pc(struct gobin *b, const struct pclntab *t, size_t *nframes)
{
	struct gosym_frame fr[GOSYM_MAX_DEPTH];
	struct pclntab_func f;
	size_t idx, n;

	pclntab__for_each_func(t, idx, &f)
	{
		if (strncmp(f.name, "main.", 5) && strncmp(f.name, "net/http.", 9))
			continue;
		for (uint64_t pc = f.entry + 1; pc < f.end && pc < f.entry + 4096; pc++)
			if (!gobin__frames(b, pc, fr, GOSYM_MAX_DEPTH, &n) && n >= 3) {
				*nframes = n;
				return pc;
			}
	}
	return 0;
}

/* A physical wrapper function's entry (abi.FuncIDWrapper) other than one of the panics. */
static uint64_t wrapper_pc(struct gobin *b, const struct pclntab *t)
{
	struct gosym_frame fr[GOSYM_MAX_DEPTH];
	struct gobin_func ss;
	struct pclntab_func f;
	size_t idx, n;
	int wid;

	if (gobin__find_func(b, "runtime.systemstack_switch", &ss) ||
	    gobin__frames(b, ss.entry, fr, GOSYM_MAX_DEPTH, &n) || !n)
		return 0;
	wid = fr[n - 1].func_id + 1;
	pclntab__for_each_func(t, idx,
			       &f) if (!gobin__frames(b, f.entry, fr, GOSYM_MAX_DEPTH, &n) &&
				       n == 1 && fr[0].func_id == wid) return f.entry;
	return 0;
}

static void test_binary(const char *path)
{
	static const struct pprof_value_type count = {"goroutine", "count"};
	struct pprof_opts o = {.sample_types = &count, .n_sample_types = 1};
	struct gosym_frame fr[GOSYM_MAX_DEPTH];
	struct gobin_func goexit, gopanic;
	const struct pclntab *t;
	struct gobin *b = NULL;
	struct pprof *p = NULL;
	uint64_t pc, wpc, bias = 0x10000; /* process = link-time + bias, as in a PIE */
	size_t n = 0, nf = 0, i;
	const int64_t one = 1;
	Profile *pr;

	CHECK(gobin__open_path(path, &b) == 0);
	if (!b || gobin__pclntab(b, &t, NULL))
		return;
	pc = inlined_pc(b, t, &nf);
	wpc = wrapper_pc(b, t);
	CHECK(pc != 0);
	CHECK(wpc != 0);
	CHECK(!gobin__find_func(b, "runtime.goexit", &goexit));
	CHECK(!gobin__find_func(b, "runtime.gopanic", &gopanic));
	CHECK(gobin__frames(b, pc, fr, GOSYM_MAX_DEPTH, &n) == 0 && n == nf);
	if (!pc || !wpc || !nf) {
		gobin__delete(b);
		return;
	}
	CHECK(pprof__new(&o, &p) == 0);
	CHECK(pprof__add_mapping(p,
				 &(struct pprof_mapping){pclntab__min_pc(t) + bias,
							 pclntab__max_pc(t) + bias, 0, path},
				 b, bias) == 0);
	{
		/* The inlined pc's return address over goexit's: one location. */
		uint64_t s1[] = {pc + 1 + bias, goexit.entry + 1 + bias};
		/* A wrapper called by nothing special is no frame; under gopanic it is one. */
		uint64_t s2[] = {pc + 1 + bias, wpc + 1 + bias, goexit.entry + 1 + bias};
		uint64_t s3[] = {gopanic.entry + 1 + bias, wpc + 1 + bias};

		CHECK(pprof__add_sample(p, s1, 2, &one) == 0);
		CHECK(pprof__add_sample(p, s1, 2, &one) == 0);
		CHECK(pprof__add_sample(p, s2, 3, &one) == 0);
		CHECK(pprof__add_sample(p, s3, 2, &one) == 0);
	}
	pr = roundtrip(p);
	pprof__delete(p);
	/* Cut at one frame, inside the inlined group: the location stays whole. */
	o.max_frames = 1;
	if (pr && !pprof__new(&o, &p)) {
		uint64_t s4[] = {pc + 1 + bias, gopanic.entry + 1 + bias};
		Profile *cut;

		CHECK(pprof__add_mapping(p,
					 &(struct pprof_mapping){pclntab__min_pc(t) + bias,
								 pclntab__max_pc(t) + bias, 0,
								 path},
					 b, bias) == 0);
		CHECK(pprof__add_sample(p, s4, 2, &one) == 0);
		cut = roundtrip(p);
		pprof__delete(p);
		CHECK(cut && cut->n_sample == 1 && cut->sample[0]->n_location_id == 1 &&
		      cut->n_location == 1 && cut->location[0]->n_line == nf);
		if (cut)
			perftools__profiles__profile__free_unpacked(cut, NULL);
	}
	if (pr) {
		const Perftools__Profiles__Location *l;

		check_interned(pr);
		CHECK_EQ_U64(pr->n_sample, 3);
		/* s1: 2 goroutines, one location (goexit dropped) with every inlined frame. */
		CHECK_EQ_U64(pr->sample[0]->value[0], 2);
		CHECK_EQ_U64(pr->sample[0]->n_location_id, 1);
		l = pr->sample[0]->n_location_id ? loc(pr, pr->sample[0]->location_id[0]) : NULL;
		CHECK(l != NULL);
		if (l) {
			CHECK_EQ_U64(l->address, pc + bias);
			CHECK_EQ_U64(l->mapping_id, 1);
			CHECK_EQ_U64(l->n_line, nf);
			for (i = 0; i < l->n_line && i < nf; i++) {
				const Perftools__Profiles__Function *f =
					func(pr, l->line[i]->function_id);

				CHECK(f != NULL);
				if (!f)
					continue;
				CHECK_STR(str(pr, f->name), fr[i].func);
				CHECK_STR(str(pr, f->system_name), fr[i].func);
				CHECK_STR(str(pr, f->filename), fr[i].file);
				CHECK_EQ_U64(f->start_line, fr[i].start_line);
				CHECK_EQ_U64(l->line[i]->line, fr[i].line);
			}
		}
		/* s2: the wrapper elided, the same first location shared. */
		CHECK_EQ_U64(pr->sample[1]->n_location_id, 1);
		if (pr->sample[1]->n_location_id && pr->sample[0]->n_location_id)
			CHECK_EQ_U64(pr->sample[1]->location_id[0], pr->sample[0]->location_id[0]);
		/* s3: gopanic, then the wrapper it was called from. */
		CHECK_EQ_U64(pr->sample[2]->n_location_id, 2);
		CHECK_EQ_U64(pr->n_location, 3);
		CHECK_EQ_U64(pr->n_mapping, 1);
		CHECK(pr->mapping[0]->has_functions && pr->mapping[0]->has_line_numbers);
		CHECK_STR(str(pr, pr->mapping[0]->filename), path);
		perftools__profiles__profile__free_unpacked(pr, NULL);
	}
	gobin__delete(b);
}

int main(int argc, char **argv)
{
	test_synthetic();
	test_sums();
	test_cut();
	if (argc > 1)
		test_binary(argv[1]);
	else
		CHECK_SKIP("no Go binary given");
	return check_done("test_pprof");
}
