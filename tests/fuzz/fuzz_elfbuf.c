// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_elfbuf: elfbuf__new() on the input as an ELF file, then every accessor
 * of the view: sections (by index, by name, their bytes), segments and the
 * vaddr reads at and around each segment's edges, symbol lookups, and both
 * build-id notes with a buffer large enough and one too small. Whatever the
 * view hands out must lie inside the input.
 */
#include <errno.h>
#include <string.h>

#include "elfbuf.h"
#include "fuzz.h"

static const char *const symbols[] = {
	"runtime.casgstatus", "runtime.firstmoduledata", "runtime.buildVersion", "main.main", "",
};

/* A pointer and length the view returned must be inside the input. */
static void check_range(const uint8_t *data, size_t size, const uint8_t *p, size_t n)
{
	FUZZ_CHECK(p >= data && (size_t)(p - data) <= size && n <= size - (size_t)(p - data));
	fuzz_touch(p, n);
}

static void check_vaddr(const struct elfbuf *e, const uint8_t *data, size_t size, uint64_t vaddr)
{
	const uint8_t *p;
	uint64_t off;
	size_t avail;
	int err;

	err = elfbuf__vaddr_to_offset(e, vaddr, &off);
	p = elfbuf__at_vaddr(e, vaddr, 1, &avail);
	FUZZ_CHECK(!err == !!p);
	if (!p) {
		FUZZ_CHECK(avail == 0);
		return;
	}
	FUZZ_CHECK(p == data + off && avail >= 1);
	check_range(data, size, p, avail);
	FUZZ_CHECK(elfbuf__at_vaddr(e, vaddr, avail, NULL) == p);
	FUZZ_CHECK(!elfbuf__at_vaddr(e, vaddr, avail + 1, NULL));
}

static void check_ids(const struct elfbuf *e)
{
	char buf[129], small[5];
	int err;

	err = elfbuf__gnu_build_id(e, buf, sizeof(buf));
	FUZZ_CHECK(!err || err == -ENOENT || err == -ENOSPC);
	if (!err)
		FUZZ_CHECK(strlen(buf) % 2 == 0 && strlen(buf) > 0);
	err = elfbuf__gnu_build_id(e, small, sizeof(small));
	FUZZ_CHECK(!err || err == -ENOENT || err == -ENOSPC);
	if (!err)
		FUZZ_CHECK(strlen(small) < sizeof(small));
	err = elfbuf__go_build_id(e, buf, sizeof(buf));
	FUZZ_CHECK(!err || err == -ENOENT || err == -ENOSPC);
	if (!err)
		FUZZ_CHECK(strlen(buf) > 0 && strlen(buf) < sizeof(buf));
	err = elfbuf__go_build_id(e, small, sizeof(small));
	FUZZ_CHECK(!err || err == -ENOENT || err == -ENOSPC);
	if (!err)
		FUZZ_CHECK(strlen(small) < sizeof(small));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct elfbuf_section *s, *by;
	const struct elfbuf_segment *g;
	struct elfbuf *e;
	const uint8_t *d;
	uint64_t value, sz;
	size_t i, n, len;

	elfbuf__delete(NULL);
	if (elfbuf__new(data, size, &e))
		return 0;
	FUZZ_CHECK(elfbuf__data(e, &len) == data && len == size);
	(void)elfbuf__machine(e);
	(void)elfbuf__type(e);
	(void)elfbuf__has_interp(e);

	n = elfbuf__section_count(e);
	for (i = 0; i < n; i++) {
		s = elfbuf__section(e, i);
		FUZZ_CHECK(s && s->name);
		by = elfbuf__section_by_name(e, s->name);
		FUZZ_CHECK(by && !strcmp(by->name, s->name));
		if (!elfbuf__section_data(e, s, &d, &len))
			check_range(data, size, d, len);
		/* Section names make symbol names the fuzzer can reach. */
		if (i < 64)
			(void)elfbuf__symbol(e, s->name, &value, &sz);
	}
	FUZZ_CHECK(!elfbuf__section(e, n));

	n = elfbuf__segment_count(e);
	for (i = 0; i < n; i++) {
		g = elfbuf__segment(e, i);
		FUZZ_CHECK(g);
		check_vaddr(e, data, size, g->vaddr);
		check_vaddr(e, data, size, g->vaddr - 1);
		check_vaddr(e, data, size, g->vaddr + g->filesz / 2);
		check_vaddr(e, data, size, g->vaddr + g->filesz - 1);
		check_vaddr(e, data, size, g->vaddr + g->filesz);
	}
	FUZZ_CHECK(!elfbuf__segment(e, n));

	(void)elfbuf__has_symtab(e);
	for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		(void)elfbuf__symbol(e, symbols[i], &value, &sz);
		(void)elfbuf__symbol(e, symbols[i], &value, NULL);
	}
	check_ids(e);
	elfbuf__delete(e);
	return 0;
}
