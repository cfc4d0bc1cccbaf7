// SPDX-License-Identifier: GPL-2.0
/*
 * test_blockpprof: block profiles (tracer/blockpprof.c) of stacks made from
 * a real Go binary's functions (argv[1]), as the kernel walks them from the
 * park, written to a temporary file, gunzipped and decoded by protobuf-c's
 * own unpack: Go's block profile's sample and period types, the values
 * summed per stack and the largest first, and each stack starting where
 * Go's starts (at runtime.chanrecv1, sync.(*Mutex).Lock, time.Sleep: the
 * parking frames and those blockevent skips left out), a stack of parking
 * frames only left out; and a path that cannot be written refused with
 * nothing left behind. The same against Go's own profiles of the same waits
 * is tests/e2e/goroutine-blockprof.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "profile.pb-c.h"

#include "blockpprof.h"
#include "check.h"
#include "gobin.h"

typedef Perftools__Profiles__Profile Profile;

/* The gzipped profile at path, unpacked; NULL on failure (checked). */
static Profile *read_profile(const char *path)
{
	size_t cap = 1 << 20, len = 0;
	uint8_t *raw = malloc(cap);
	gzFile z = gzopen(path, "rb");
	Profile *pr = NULL;
	int r;

	CHECK(raw && z);
	if (!raw || !z)
		goto out;
	while ((r = gzread(z, raw + len, (unsigned)(cap - len))) > 0)
		len += (size_t)r;
	CHECK(r == 0 && len < cap);
	pr = perftools__profiles__profile__unpack(NULL, len, raw);
	CHECK(pr != NULL);
out:
	if (z)
		gzclose(z);
	free(raw);
	return pr;
}

static const char *str(const Profile *pr, int64_t i)
{
	return i >= 0 && (size_t)i < pr->n_string_table ? pr->string_table[i] : "";
}

/* The function name of line k of location id; "" when there is none. */
static const char *line_func(const Profile *pr, uint64_t id, size_t k)
{
	for (size_t i = 0; i < pr->n_location; i++) {
		const Perftools__Profiles__Location *l = pr->location[i];

		if (l->id != id || k >= l->n_line)
			continue;
		for (size_t j = 0; j < pr->n_function; j++)
			if (pr->function[j]->id == l->line[k]->function_id)
				return str(pr, pr->function[j]->name);
	}
	return "";
}

/* A return address just inside name (looked up a byte back: its entry); 0 if absent. */
static uint64_t pc_in(struct gobin *b, const char *name)
{
	struct gobin_func f;

	return gobin__find_func(b, name, &f) ? 0 : f.entry + 1;
}

static void test_binary(const char *path)
{
	char tmpl[] = "/tmp/test_blockpprof.XXXXXX", file[64];
	struct gobin *b = NULL;
	uint64_t park, recv, recv1, sleep, sema, entry, slow, lock, user;
	Profile *pr;

	CHECK(gobin__open_path(path, &b) == 0);
	if (!b)
		return;
	park = pc_in(b, "runtime.gopark");
	recv = pc_in(b, "runtime.chanrecv");
	recv1 = pc_in(b, "runtime.chanrecv1");
	sleep = pc_in(b, "time.Sleep");
	sema = pc_in(b, "runtime.semacquire1");
	entry = pc_in(b, "sync.runtime_SemacquireMutex");
	slow = pc_in(b, "sync.(*Mutex).lockSlow");
	lock = pc_in(b, "sync.(*Mutex).Lock");
	user = pc_in(b, "main.main");
	CHECK(park && recv && recv1 && sleep && sema && entry && slow && lock && user);

	const uint64_t chan[] = {park, recv, recv1, user};
	const uint64_t slept[] = {park, sleep, user};
	const uint64_t mutex[] = {park, sema, entry, slow, lock, user};
	const uint64_t parked[] = {park};
	const struct blockpprof_sample v[] = {
		{slept, 3, 1, 500000000}, {chan, 4, 2, 1000000000}, {parked, 1, 7, 123},
		{chan, 4, 1, 2000000000}, /* the same stack again: summed */
		{mutex, 6, 2, 40000},
	};

	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(file, sizeof(file), "%s/b.pb.gz", tmpl);
	CHECK(blockpprof__write_file(file, b, "/bin/exe", v, 5, 1500000000) == 0);
	pr = read_profile(file);
	if (pr) {
		CHECK(pr->n_sample_type == 2);
		CHECK_STR(str(pr, pr->sample_type[0]->type), "contentions");
		CHECK_STR(str(pr, pr->sample_type[0]->unit), "count");
		CHECK_STR(str(pr, pr->sample_type[1]->type), "delay");
		CHECK_STR(str(pr, pr->sample_type[1]->unit), "nanoseconds");
		CHECK(pr->period_type && pr->period == 1 && pr->duration_nanos == 1500000000);
		CHECK_STR(str(pr, pr->period_type->type), "contentions");
		CHECK(pr->n_mapping >= 1);
		if (pr->n_mapping)
			CHECK_STR(str(pr, pr->mapping[0]->filename), "/bin/exe");
		/* Three stacks, the parking-only one left out; the most contentions first. */
		CHECK(pr->n_sample == 3);
		if (pr->n_sample == 3) {
			const Perftools__Profiles__Sample *c = pr->sample[0], *m = pr->sample[1],
							  *s = pr->sample[2];

			CHECK(c->n_value == 2 && c->value[0] == 3 && c->value[1] == 3000000000);
			CHECK(c->n_location_id == 2);
			CHECK_STR(line_func(pr, c->location_id[0], 0), "runtime.chanrecv1");
			CHECK_STR(line_func(pr, c->location_id[1], 0), "main.main");
			CHECK(m->n_value == 2 && m->value[0] == 2 && m->value[1] == 40000);
			CHECK(m->n_location_id == 2);
			CHECK_STR(line_func(pr, m->location_id[0], 0), "sync.(*Mutex).Lock");
			CHECK(s->n_value == 2 && s->value[0] == 1 && s->value[1] == 500000000);
			CHECK(s->n_location_id == 2);
			CHECK_STR(line_func(pr, s->location_id[0], 0), "time.Sleep");
		}
		for (size_t i = 0; i < pr->n_function; i++) {
			const char *fn = str(pr, pr->function[i]->name);

			CHECK(strcmp(fn, "runtime.gopark") && strcmp(fn, "runtime.chanrecv") &&
			      strcmp(fn, "runtime.semacquire1") &&
			      strcmp(fn, "sync.(*Mutex).lockSlow"));
		}
		perftools__profiles__profile__free_unpacked(pr, NULL);
	}
	CHECK(unlink(file) == 0);

	/* Under a regular file nobody, root included, can create anything. */
	snprintf(file, sizeof(file), "%s/f", tmpl);
	fclose(fopen(file, "w"));
	char bad[96];
	snprintf(bad, sizeof(bad), "%s/f/b.pb.gz", tmpl);
	CHECK(blockpprof__write_file(bad, b, "/bin/exe", v, 5, 0) == -ENOTDIR);
	CHECK(access(bad, F_OK) != 0);
	unlink(file);
	CHECK(rmdir(tmpl) == 0);
	gobin__delete(b);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_binary(argv[1]);
	else
		CHECK_SKIP("no Go binary given");
	return check_done("test_blockpprof");
}
