// SPDX-License-Identifier: GPL-2.0
/*
 * dwarfg: runtime.g field offsets from DWARF, through libdwarf (see dwarfg.h).
 *
 * libdwarf reaches the binary only through the object access interface below,
 * which serves sections out of the elfbuf view, so nothing here needs a file.
 * Because load_section is ours, compressed sections are inflated here, with
 * limits, and handed to libdwarf under their plain ".debug_*" names: libdwarf
 * then never runs its own decompressor, whose size checks are looser.
 *
 * The search is narrow on purpose. The Go linker (cmd/link/internal/ld/dwarf.go,
 * movetomodule) appends every type DIE of the program to the last compile unit
 * named "runtime", after that unit's functions. So we read only the name of each
 * CU DIE, then walk the top-level children of the "runtime" CUs, last first, and
 * read the members of the one DW_TAG_structure_type named "runtime.g".
 *
 * Inflating .debug_info is most of the cost (8 MB for a 37 MB compiler), and
 * in a large program the runtime CUs come early (about a tenth of the way in
 * cmd/compile). So a compressed .debug_info is shown to libdwarf as a prefix
 * of whole units, 1 MiB and doubling, inflated on from where the last round
 * stopped; a round that does not find runtime.g starts libdwarf afresh on a
 * longer prefix. Only the last round, over the whole section, may conclude that
 * runtime.g is absent or the DWARF corrupt.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include <dwarf.h>
#include <libdwarf.h>

#include "dwarfg.h"
#include "elfbuf.h"
#include "errors.h"
#include "log.h"
#include "rd.h"

/* Refuse to inflate more than this, or more than DWARFG_MAX_RATIO times the input. */
#define DWARFG_MAX_SECTION (1ULL << 30)
#define DWARFG_MAX_RATIO 1000ULL
/* More abbreviations than one unit's table has (Go's has about 40). */
#define DWARFG_MAX_ABBREVS (1U << 16)
/* Deepest DIE nesting checked before libdwarf walks a subtree (Go's is under 10). */
#define DWARFG_MAX_DEPTH 128
/* Longest typedef/const chain followed from a member to a sized type. */
#define DWARFG_MAX_TYPE_HOPS 16
/* More CUs than any program has (one per Go package, per C file): bounds libdwarf's memory. */
#define DWARFG_MAX_CUS (1U << 17)
/* The first prefix of a compressed .debug_info shown to libdwarf. */
#define DWARFG_FIRST_PREFIX (1ULL << 20)

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2 /* newer <elf.h> only */
#endif

#define ZDEBUG_HDR 12  /* "ZLIB" + big-endian u64 uncompressed size */
#define CHDR64_SIZE 24 /* Elf64_Chdr: ch_type, ch_reserved, ch_size, ch_addralign */

enum dwsec_kind {
	DWSEC_HIDDEN, /* not shown to libdwarf: not DWARF, or unusable */
	DWSEC_PLAIN,
	DWSEC_ZDEBUG, /* GNU .zdebug_*: Go 1.11 to 1.18 */
	DWSEC_CHDR,   /* SHF_COMPRESSED with an Elf64_Chdr: Go 1.19 and later, host linkers */
};

struct dwsec {
	enum dwsec_kind kind;
	char name[40];	    /* the name libdwarf sees: always ".debug_*" */
	const uint8_t *raw; /* the section's bytes in the file */
	size_t raw_len;
	size_t zoff;	/* where the zlib stream starts in raw */
	uint64_t size;	/* uncompressed size */
	uint64_t shown; /* the size libdwarf is told: size, or a prefix of whole units */
	uint8_t *owned; /* size bytes, inflated up to done */
	uint64_t done;
	z_stream *zs; /* while the stream is partly inflated */
	int err;      /* sticky: a stream that failed once fails for good */
};

struct dwobj {
	struct dwsec *secs;
	size_t n;
	int err; /* our own failure inside a callback, which libdwarf cannot carry */
};

struct dwctx {
	Dwarf_Debug dbg;
	struct dwobj *obj;
	bool check_skips; /* the unit searched now may have DW_AT_sibling: see check_skip */
};

/* A unit to search: its CU DIE's offset, and where its abbreviations start. */
struct curef {
	Dwarf_Off die;
	Dwarf_Unsigned abbrev;
};

/* Growable list of units. */
struct offs {
	struct curef *v;
	size_t n, cap;
};

static int offs__push(struct offs *o, Dwarf_Off die, Dwarf_Unsigned abbrev)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		struct curef *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n].die = die;
	o->v[o->n++].abbrev = abbrev;
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * The sections libdwarf needs to read DIE names and types. The others stay
 * hidden: libdwarf would otherwise inflate and parse .debug_rnglists and
 * .debug_loclists along with .debug_info (twice the work on a Go 1.25+
 * binary) for ranges and locations we never ask about.
 */
static bool wanted_section(const char *name)
{
	static const char *const names[] = {
		".debug_info",	   ".debug_abbrev",	 ".debug_str",
		".debug_line_str", ".debug_str_offsets",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Essential sections: without them there is nothing to read, so their flaws are fatal. */
static bool essential(const char *name)
{
	return !strcmp(name, ".debug_info") || !strcmp(name, ".debug_abbrev");
}

static bool inflation_ok(uint64_t size, uint64_t compressed)
{
	return size <= DWARFG_MAX_SECTION && size / DWARFG_MAX_RATIO <= compressed;
}

/*
 * Describe one ELF section to libdwarf. Returns 0 (perhaps leaving it hidden),
 * or a negative error when an essential section is unusable.
 */
static int dwsec_init(const struct elfbuf *e, const struct elfbuf_section *s, struct dwsec *d)
{
	const char *base;
	const uint8_t *raw;
	size_t raw_len;
	int n;

	d->kind = DWSEC_HIDDEN;
	if (has_prefix(s->name, ".debug_"))
		base = s->name + strlen(".debug_");
	else if (has_prefix(s->name, ".zdebug_"))
		base = s->name + strlen(".zdebug_");
	else
		return 0;
	n = snprintf(d->name, sizeof(d->name), ".debug_%s", base);
	if (n < 0 || (size_t)n >= sizeof(d->name) || !wanted_section(d->name))
		return 0;
	if (elfbuf__section_data(e, s, &raw, &raw_len))
		return 0; /* SHT_NOBITS: a stripped file's leftover header */
	d->raw = raw;
	d->raw_len = raw_len;

	if (s->name[1] == 'z') {
		if (s->flags & SHF_COMPRESSED || raw_len < ZDEBUG_HDR || memcmp(raw, "ZLIB", 4))
			goto corrupt;
		d->size = rd__be64(raw + 4);
		d->zoff = ZDEBUG_HDR;
		d->kind = DWSEC_ZDEBUG;
	} else if (s->flags & SHF_COMPRESSED) {
		uint32_t type;

		if (raw_len < CHDR64_SIZE)
			goto corrupt;
		type = rd__le32(raw);
		if (type == ELFCOMPRESS_ZSTD) {
			/* Valid, but Go never writes it and zlib cannot read it. */
			log__debug("dwarfg: %s: zstd compression is not supported", s->name);
			return essential(d->name) ? -EOPNOTSUPP : 0;
		}
		if (type != ELFCOMPRESS_ZLIB)
			goto corrupt;
		d->size = rd__le64(raw + 8);
		d->zoff = CHDR64_SIZE;
		d->kind = DWSEC_CHDR;
	} else {
		d->size = d->shown = raw_len;
		d->kind = DWSEC_PLAIN;
		return 0;
	}
	if (!inflation_ok(d->size, raw_len - d->zoff) || raw_len - d->zoff > UINT_MAX)
		goto corrupt;
	d->shown = d->size;
	return 0;

corrupt:
	log__debug("dwarfg: %s: bad compression header", s->name);
	d->kind = DWSEC_HIDDEN;
	return essential(d->name) ? -ERRORS__CORRUPT : 0;
}

static void dwsec_stream_end(struct dwsec *d)
{
	if (d->zs) {
		inflateEnd(d->zs);
		free(d->zs);
		d->zs = NULL;
	}
}

static void dwsec_free(struct dwsec *d)
{
	dwsec_stream_end(d);
	free(d->owned);
	d->owned = NULL;
}

static int dwsec_start(struct dwsec *d)
{
	d->owned = malloc(d->size ? d->size : 1);
	d->zs = calloc(1, sizeof(*d->zs));
	if (!d->owned || !d->zs)
		return -ENOMEM;
	if (inflateInit(d->zs) != Z_OK) {
		free(d->zs);
		d->zs = NULL;
		return -ENOMEM;
	}
	/* dwsec_init bounded both lengths below UINT_MAX. */
	d->zs->next_in = d->raw + d->zoff;
	d->zs->avail_in = (uInt)(d->raw_len - d->zoff);
	d->zs->next_out = d->owned;
	return 0;
}

/*
 * Inflate d's stream until at least want bytes are out. Reaching d->size, the
 * stream must end there exactly: a header that promises more or fewer bytes
 * than the stream holds is corrupt.
 */
static int dwsec_fill(struct dwsec *d, uint64_t want)
{
	z_stream *zs;
	int zr, err;

	if (d->kind == DWSEC_PLAIN || d->err)
		return d->err;
	if (want > d->size)
		want = d->size;
	if (!d->owned) {
		err = dwsec_start(d);
		if (err)
			goto fail;
	}
	while ((zs = d->zs) && (d->done < want || d->done == d->size)) {
		bool tail = d->done == d->size; /* all out: only the end of the stream is left */

		zs->avail_out = (uInt)(want - d->done);
		zr = inflate(zs, Z_NO_FLUSH);
		d->done = zs->total_out;
		if (zr == Z_STREAM_END) {
			dwsec_stream_end(d);
			if (d->done != d->size)
				goto corrupt;
		} else if (zr == Z_MEM_ERROR) {
			err = -ENOMEM;
			goto fail;
		} else if (zr != Z_OK || tail || (zs->avail_out && !zs->avail_in)) {
			/* Damaged (or no progress), longer than promised, or shorter. */
			goto corrupt;
		}
	}
	return 0;

corrupt:
	log__debug("dwarfg: %s: zlib stream does not inflate to %llu bytes", d->name,
		   (unsigned long long)d->size);
	err = -ERRORS__CORRUPT;
fail:
	dwsec_stream_end(d);
	d->err = err;
	return err;
}

/* End of the last whole unit among .debug_info's first avail bytes; 0 if none. */
static uint64_t units_end(const uint8_t *b, uint64_t avail)
{
	uint64_t off = 0, len, next;
	unsigned int hdr;

	while (rd__in(avail, off, 4)) {
		len = rd__le32(b + off);
		hdr = 4;
		if (len == 0xffffffff) {
			if (!rd__in(avail, off + 4, 8))
				break;
			len = rd__le64(b + off + 4);
			hdr = 12;
		} else if (len >= 0xfffffff0) {
			break; /* reserved: let libdwarf, in the last round, say so */
		}
		if (rd__add(off, hdr, &next) || rd__add(next, len, &next) || next > avail)
			break;
		off = next;
	}
	return off;
}

/* The Dwarf_Obj_Access_Methods over struct dwobj. */

static int dwobj_section_info(void *obj, Dwarf_Half idx, Dwarf_Obj_Access_Section *ret, int *error)
{
	struct dwobj *o = obj;
	const struct dwsec *d;

	(void)error;
	if (idx >= o->n)
		return DW_DLV_NO_ENTRY;
	d = &o->secs[idx];
	memset(ret, 0, sizeof(*ret));
	if (d->kind == DWSEC_HIDDEN) {
		ret->type = SHT_NULL;
		ret->name = "";
		return DW_DLV_OK;
	}
	ret->type = SHT_PROGBITS;
	ret->size = d->shown;
	ret->name = d->name;
	return DW_DLV_OK;
}

static Dwarf_Endianness dwobj_byte_order(void *obj)
{
	(void)obj;
	return DW_OBJECT_LSB; /* elfbuf accepts only little-endian ELF64 */
}

static Dwarf_Small dwobj_length_size(void *obj)
{
	(void)obj;
	return 4; /* libdwarf reads the real one from each unit header */
}

static Dwarf_Small dwobj_pointer_size(void *obj)
{
	(void)obj;
	return 8;
}

static Dwarf_Unsigned dwobj_section_count(void *obj)
{
	return ((struct dwobj *)obj)->n;
}

static int dwobj_load_section(void *obj, Dwarf_Half idx, Dwarf_Small **data, int *error)
{
	struct dwobj *o = obj;
	struct dwsec *d;
	int err;

	if (idx >= o->n || o->secs[idx].kind == DWSEC_HIDDEN || !o->secs[idx].shown)
		return DW_DLV_NO_ENTRY;
	d = &o->secs[idx];
	if (d->kind == DWSEC_PLAIN) {
		/*
		 * libdwarf writes into section data only to apply relocations, and
		 * we offer none (relocate_a_section is NULL), so the cast is safe.
		 */
		*data = (Dwarf_Small *)d->raw;
		return DW_DLV_OK;
	}
	err = dwsec_fill(d, d->shown);
	if (err) {
		if (!o->err)
			o->err = err;
		*error = err == -ENOMEM ? DW_DLE_ALLOC_FAIL : DW_DLE_ZLIB_DATA_ERROR;
		return DW_DLV_ERROR;
	}
	*data = d->owned;
	return DW_DLV_OK;
}

static const Dwarf_Obj_Access_Methods dwobj_methods = {
	.get_section_info = dwobj_section_info,
	.get_byte_order = dwobj_byte_order,
	.get_length_size = dwobj_length_size,
	.get_pointer_size = dwobj_pointer_size,
	.get_section_count = dwobj_section_count,
	.load_section = dwobj_load_section,
	.relocate_a_section = NULL,
};

/*
 * libdwarf calls this only for a failure with no Dwarf_Error pointer to fill.
 * We always pass one, so this exists to replace libdwarf's default, abort().
 */
static void dwarfg_errhand(Dwarf_Error err, Dwarf_Ptr arg)
{
	(void)arg;
	log__debug("dwarfg: libdwarf: %s", dwarf_errmsg(err));
}

/*
 * Translate a DW_DLV_ERROR at our edge, freeing the error. Our own callback's
 * failure (-ENOMEM, corrupt zlib) takes precedence over libdwarf's wording of it.
 */
static int dw_fail(struct dwctx *c, Dwarf_Error *err)
{
	int ret = c->obj->err ? c->obj->err : -ERRORS__CORRUPT;

	if (*err) {
		if (dwarf_errno(*err) == DW_DLE_ALLOC_FAIL)
			ret = -ENOMEM;
		log__debug("dwarfg: libdwarf: %s", dwarf_errmsg(*err));
		dwarf_dealloc_error(c->dbg, *err);
		*err = NULL;
	}
	return ret;
}

/* DW_DLV_OK -> 0, DW_DLV_NO_ENTRY -> 1, DW_DLV_ERROR -> negative. */
static int dw_ret(struct dwctx *c, int res, Dwarf_Error *err)
{
	if (res == DW_DLV_OK)
		return 0;
	if (res == DW_DLV_NO_ENTRY)
		return 1;
	return dw_fail(c, err);
}

/* The byte at off in .debug_abbrev as libdwarf was shown it, or -1. */
static int abbrev_byte(const struct dwctx *c, Dwarf_Unsigned off)
{
	for (size_t i = 0; i < c->obj->n; i++) {
		const struct dwsec *d = &c->obj->secs[i];

		if (d->kind == DWSEC_HIDDEN || strcmp(d->name, ".debug_abbrev"))
			continue;
		if (d->kind == DWSEC_PLAIN)
			return off < d->raw_len ? d->raw[off] : -1;
		return d->owned && off < d->done ? d->owned[off] : -1;
	}
	return -1;
}

/*
 * Whether the abbreviation table at off (a unit's, up to its null entry, as
 * libdwarf reads it) has an entry with a DW_AT_sibling, or cannot be read:
 * either way the unit's walks must be checked (check_skip).
 */
static bool abbrevs_have_sibling(struct dwctx *c, Dwarf_Unsigned off)
{
	unsigned int k;

	for (k = 0; k < DWARFG_MAX_ABBREVS; k++) {
		Dwarf_Error err = NULL;
		Dwarf_Abbrev ab = NULL;
		Dwarf_Unsigned len = 0, n = 0, code = 0, i, attr, form;
		Dwarf_Signed implicit;
		Dwarf_Off aoff;
		bool found = false;
		int ret;

		ret = dw_ret(c, dwarf_get_abbrev(c->dbg, off, &ab, &len, &n, &err), &err);
		if (ret == 1)
			return false; /* the end of .debug_abbrev */
		if (ret)
			return true;
		ret = dw_ret(c, dwarf_get_abbrev_code(ab, &code, &err), &err);
		for (i = 0; i < n && !found && ret == 0; i++) {
			ret = dw_ret(c,
				     dwarf_get_abbrev_entry_b(ab, i, false, &attr, &form, &implicit,
							      &aoff, &err),
				     &err);
			found = ret == 0 && attr == DW_AT_sibling;
		}
		dwarf_dealloc(c->dbg, ab, DW_DLA_ABBREV);
		if (found || ret || !len)
			return true;
		/*
		 * The null entry ends the table. libdwarf's own lookup stops only
		 * at a zero byte: a code 0 spelt in two or more bytes is read
		 * past, so what follows it could hold a DW_AT_sibling.
		 */
		if (!code)
			return abbrev_byte(c, off) != 0;
		off += len;
	}
	return true;
}

static int next_sibling_at(struct dwctx *c, Dwarf_Die *die, unsigned int depth);

/*
 * Every DW_AT_sibling of die (a DIE has one, but a corrupt one may repeat it)
 * must point past die and stay inside its unit.
 */
static int check_sibling_attrs(struct dwctx *c, Dwarf_Die die)
{
	Dwarf_Error err = NULL;
	Dwarf_Attribute *atl = NULL;
	Dwarf_Off off, cu_off;
	Dwarf_Unsigned cu_len;
	Dwarf_Signed n = 0, i;
	int ret;

	ret = dw_ret(c, dwarf_dieoffset(die, &off, &err), &err);
	if (ret == 0)
		ret = dw_ret(c, dwarf_die_CU_offset_range(die, &cu_off, &cu_len, &err), &err);
	if (ret == 0)
		ret = dw_ret(c, dwarf_attrlist(die, &atl, &n, &err), &err);
	for (i = 0; ret == 0 && i < n; i++) {
		Dwarf_Half attr;
		Dwarf_Off target;

		ret = dw_ret(c, dwarf_whatattr(atl[i], &attr, &err), &err);
		if (ret || attr != DW_AT_sibling)
			continue;
		ret = dw_ret(c, dwarf_global_formref(atl[i], &target, &err), &err);
		if (ret == 0 && (target <= off || target - cu_off >= cu_len))
			ret = -ERRORS__CORRUPT;
	}
	for (i = 0; i < n; i++)
		dwarf_dealloc_attribute(atl[i]);
	if (atl)
		dwarf_dealloc(c->dbg, atl, DW_DLA_LIST);
	return ret < 0 ? ret : ret ? -ERRORS__CORRUPT : 0;
}

/*
 * Make sure dwarf_siblingof_b() on die terminates. libdwarf (20210528) finds
 * the sibling of a DIE with children but no DW_AT_sibling by walking the
 * subtree, jumping over every descendant that has a DW_AT_sibling, without
 * checking that the jump goes forward: one pointing at itself loops for ever
 * (a fuzz find, tests/fuzz/regressions/dwarfg/self-sibling-in-subtree-hang).
 * So every DW_AT_sibling libdwarf would follow must point forward inside the
 * unit; where there is none, we check the subtree first, the same way. That
 * doubles the walk, so it is done only in units whose abbreviations have a
 * DW_AT_sibling at all: Go's linker emits none (GCC, for cgo's C, does).
 */
static int check_skip(struct dwctx *c, Dwarf_Die die, unsigned int depth)
{
	Dwarf_Error err = NULL;
	Dwarf_Bool has = false;
	Dwarf_Half children = 0;
	Dwarf_Die kid = NULL;
	int ret;

	if (!c->check_skips)
		return 0;
	if (depth > DWARFG_MAX_DEPTH)
		return -ERRORS__CORRUPT;
	ret = dw_ret(c, dwarf_hasattr(die, DW_AT_sibling, &has, &err), &err);
	if (ret)
		return ret < 0 ? ret : -ERRORS__CORRUPT;
	if (has)
		return check_sibling_attrs(c, die);
	ret = dw_ret(c, dwarf_die_abbrev_children_flag(die, &children), &err);
	if (ret || !children)
		return ret < 0 ? ret : 0;
	ret = dw_ret(c, dwarf_child(die, &kid, &err), &err);
	while (ret == 0)
		ret = next_sibling_at(c, &kid, depth + 1);
	if (kid)
		dwarf_dealloc_die(kid);
	return ret < 0 ? ret : 0;
}

/*
 * Next sibling of *die at nesting depth, replacing it (and freeing the old
 * DIE). Returns 0, 1 at the end of the list, or a negative error. Offsets must
 * grow: a corrupt DW_AT_sibling pointing backwards would otherwise loop here.
 */
static int next_sibling_at(struct dwctx *c, Dwarf_Die *die, unsigned int depth)
{
	Dwarf_Error err = NULL;
	Dwarf_Off cur, next;
	Dwarf_Die sib = NULL;
	int ret;

	ret = dw_ret(c, dwarf_dieoffset(*die, &cur, &err), &err);
	if (ret == 0)
		ret = check_skip(c, *die, depth);
	if (ret == 0)
		ret = dw_ret(c, dwarf_siblingof_b(c->dbg, *die, true, &sib, &err), &err);
	dwarf_dealloc_die(*die);
	*die = NULL;
	if (ret)
		return ret;
	ret = dw_ret(c, dwarf_dieoffset(sib, &next, &err), &err);
	if (ret == 0 && next <= cur)
		ret = -ERRORS__CORRUPT;
	if (ret) {
		dwarf_dealloc_die(sib);
		return ret < 0 ? ret : -ERRORS__CORRUPT;
	}
	*die = sib;
	return 0;
}

/* Next sibling of a top-level DIE or of a struct member (see next_sibling_at). */
static int next_sibling(struct dwctx *c, Dwarf_Die *die)
{
	return next_sibling_at(c, die, 0);
}

/* Name of die, or NULL. libdwarf's names point into section data: never freed. */
static int die_name(struct dwctx *c, Dwarf_Die die, const char **name)
{
	Dwarf_Error err = NULL;
	char *s = NULL;
	int ret;

	ret = dw_ret(c, dwarf_diename(die, &s, &err), &err);
	*name = ret ? NULL : s;
	return ret < 0 ? ret : 0;
}

/* A DW_OP_plus_uconst expression, the DWARF 2 way of writing a member offset. */
static int parse_plus_uconst(const uint8_t *expr, size_t len, uint64_t *loc)
{
	size_t used;

	if (len < 2 || expr[0] != DW_OP_plus_uconst)
		return -ERRORS__CORRUPT;
	used = rd__uvarint(expr, len, 1, loc);
	if (!used || used != len - 1)
		return -ERRORS__CORRUPT;
	return 0;
}

/* DW_AT_data_member_location of a member. Returns 0, 1 when absent, or negative. */
static int member_location(struct dwctx *c, Dwarf_Die die, uint64_t *loc)
{
	Dwarf_Error err = NULL;
	Dwarf_Attribute attr = NULL;
	Dwarf_Half form = 0;
	Dwarf_Unsigned u = 0;
	Dwarf_Signed s = 0;
	Dwarf_Ptr ptr = NULL;
	Dwarf_Block *blk = NULL;
	int ret;

	ret = dw_ret(c, dwarf_attr(die, DW_AT_data_member_location, &attr, &err), &err);
	if (ret)
		return ret;
	ret = dw_ret(c, dwarf_whatform(attr, &form, &err), &err);
	if (ret)
		goto out;
	switch (form) {
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
		ret = dw_ret(c, dwarf_formudata(attr, &u, &err), &err);
		*loc = u;
		break;
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		ret = dw_ret(c, dwarf_formsdata(attr, &s, &err), &err);
		if (ret == 0 && s < 0)
			ret = -ERRORS__CORRUPT;
		*loc = (uint64_t)s;
		break;
	case DW_FORM_exprloc:
		ret = dw_ret(c, dwarf_formexprloc(attr, &u, &ptr, &err), &err);
		if (ret == 0)
			ret = parse_plus_uconst(ptr, u, loc);
		break;
	case DW_FORM_block:
	case DW_FORM_block1:
	case DW_FORM_block2:
	case DW_FORM_block4:
		ret = dw_ret(c, dwarf_formblock(attr, &blk, &err), &err);
		if (ret == 0) {
			ret = parse_plus_uconst(blk->bl_data, blk->bl_len, loc);
			dwarf_dealloc(c->dbg, blk, DW_DLA_BLOCK);
		}
		break;
	default:
		ret = -ERRORS__CORRUPT; /* a location list: not a plain struct member */
	}
	if (ret > 0)
		ret = -ERRORS__CORRUPT; /* the form said the value is there */
out:
	dwarf_dealloc_attribute(attr);
	return ret;
}

/* Byte size of die's DW_AT_type, through typedefs and qualifiers; *size = 0 when unknown. */
static int type_size(struct dwctx *c, Dwarf_Die die, uint64_t *size)
{
	Dwarf_Error err = NULL;
	Dwarf_Die cur = NULL;
	Dwarf_Off off;
	Dwarf_Unsigned sz;
	Dwarf_Half tag;
	int hop, ret = 0;

	*size = 0;
	for (hop = 0; hop < DWARFG_MAX_TYPE_HOPS; hop++) {
		Dwarf_Die next = NULL;

		ret = dw_ret(c, dwarf_dietype_offset(cur ? cur : die, &off, &err), &err);
		if (ret)
			break; /* no DW_AT_type: void, size unknown */
		ret = dw_ret(c, dwarf_offdie_b(c->dbg, off, true, &next, &err), &err);
		if (cur)
			dwarf_dealloc_die(cur);
		cur = next;
		if (ret)
			break;
		ret = dw_ret(c, dwarf_bytesize(cur, &sz, &err), &err);
		if (ret == 0) {
			*size = sz;
			break;
		}
		if (ret < 0)
			break;
		ret = dw_ret(c, dwarf_tag(cur, &tag, &err), &err);
		if (ret)
			break;
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
		    tag != DW_TAG_volatile_type && tag != DW_TAG_restrict_type &&
		    tag != DW_TAG_atomic_type)
			break; /* sizeless type: size unknown */
	}
	if (cur)
		dwarf_dealloc_die(cur);
	if (ret == 1)
		ret = 0; /* a dangling reference leaves the size unknown */
	return ret < 0 ? ret : 0;
}

struct wanted {
	const char *name;
	size_t off;  /* offsetof the int64_t offset in struct dwarfg_fields */
	size_t size; /* offsetof the uint64_t size, or SIZE_MAX */
};

static const struct wanted wanted[] = {
	{"goid", offsetof(struct dwarfg_fields, goid), offsetof(struct dwarfg_fields, goid_size)},
	{"atomicstatus", offsetof(struct dwarfg_fields, atomicstatus),
	 offsetof(struct dwarfg_fields, atomicstatus_size)},
	{"waitreason", offsetof(struct dwarfg_fields, waitreason),
	 offsetof(struct dwarfg_fields, waitreason_size)},
	{"parentGoid", offsetof(struct dwarfg_fields, parent_goid),
	 offsetof(struct dwarfg_fields, parent_goid_size)},
	{"m", offsetof(struct dwarfg_fields, m), SIZE_MAX},
	{"sched", offsetof(struct dwarfg_fields, sched), SIZE_MAX},
	{"stack", offsetof(struct dwarfg_fields, stack), SIZE_MAX},
	{"waitsince", offsetof(struct dwarfg_fields, waitsince), SIZE_MAX},
	{"gopc", offsetof(struct dwarfg_fields, gopc), SIZE_MAX},
	{"startpc", offsetof(struct dwarfg_fields, startpc), SIZE_MAX},
	{"lockedm", offsetof(struct dwarfg_fields, lockedm), SIZE_MAX},
	{"syscallsp", offsetof(struct dwarfg_fields, syscallsp), SIZE_MAX},
	{"syscallpc", offsetof(struct dwarfg_fields, syscallpc), SIZE_MAX},
	{"syscallbp", offsetof(struct dwarfg_fields, syscallbp), SIZE_MAX},
};

/* runtime.gobuf's members the unwinder starts from. */
static const struct wanted wanted_gobuf[] = {
	{"sp", offsetof(struct dwarfg_fields, gobuf_sp), SIZE_MAX},
	{"pc", offsetof(struct dwarfg_fields, gobuf_pc), SIZE_MAX},
	{"bp", offsetof(struct dwarfg_fields, gobuf_bp), SIZE_MAX},
};

#define N_WANTED (sizeof(wanted) / sizeof(wanted[0]))
#define N_WANTED_GOBUF (sizeof(wanted_gobuf) / sizeof(wanted_gobuf[0]))

/* What the walk over the top-level DIEs is looking for, and what it found. */
struct search {
	struct dwarfg_fields *f;
	bool found_g, found_gobuf;
	/* The member table of the struct being read. */
	const struct wanted *want;
	size_t nwant;
};

static int64_t *field_off(struct dwarfg_fields *f, const struct wanted *w)
{
	return (int64_t *)((char *)f + w->off);
}

static uint64_t *field_size(struct dwarfg_fields *f, const struct wanted *w)
{
	return w->size == SIZE_MAX ? NULL : (uint64_t *)((char *)f + w->size);
}

static void fields_reset(struct dwarfg_fields *f, const struct wanted *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		*field_off(f, &w[i]) = -1;
}

static void all_reset(struct dwarfg_fields *f)
{
	memset(f, 0, sizeof(*f));
	fields_reset(f, wanted, N_WANTED);
	fields_reset(f, wanted_gobuf, N_WANTED_GOBUF);
}

/* One member DIE of the struct being read: record it when it is a field we want. */
static int read_member(struct dwctx *c, Dwarf_Die die, struct search *sr)
{
	struct dwarfg_fields *f = sr->f;
	const struct wanted *w = NULL;
	const char *name;
	uint64_t loc = 0, size = 0;
	uint64_t *psize;
	size_t i;
	int ret;

	ret = die_name(c, die, &name);
	if (ret || !name)
		return ret;
	for (i = 0; i < sr->nwant; i++)
		if (!strcmp(name, sr->want[i].name))
			w = &sr->want[i];
	if (!w || *field_off(f, w) >= 0)
		return 0;
	ret = member_location(c, die, &loc);
	if (ret < 0)
		return ret;
	if (ret > 0)
		loc = 0; /* DWARF: no location means the start of the struct */
	if (loc > INT64_MAX)
		return -ERRORS__CORRUPT;
	psize = field_size(f, w);
	if (psize) {
		ret = type_size(c, die, &size);
		if (ret)
			return ret;
		*psize = size;
	}
	*field_off(f, w) = (int64_t)loc;
	return 0;
}

/*
 * Read the members of a runtime.g structure DIE. Returns 0, 1 when it has no
 * members (a declaration), or a negative error.
 */
/*
 * Visit die and each of its siblings in turn (die: a first child, taken over
 * and freed here). visit returns 0 to go on, 1 to stop, or a negative error.
 * Returns 0 when visit stopped, 1 after the last sibling (next_sibling()'s
 * end), or a negative error.
 */
static int walk_siblings(struct dwctx *c, Dwarf_Die die,
			 int (*visit)(struct dwctx *c, Dwarf_Die die, void *ctx), void *ctx)
{
	int ret;

	for (;;) {
		ret = visit(c, die, ctx);
		if (ret == 1) {
			ret = 0;
			break;
		}
		if (ret == 0)
			ret = next_sibling(c, &die);
		if (ret)
			break;
	}
	if (die)
		dwarf_dealloc_die(die);
	return ret;
}

static int visit_member(struct dwctx *c, Dwarf_Die die, void *ctx)
{
	Dwarf_Error err = NULL;
	Dwarf_Half tag, children = 0;
	int ret;

	ret = dw_ret(c, dwarf_tag(die, &tag, &err), &err);
	/*
	 * A struct member has no children in any Go release: one that
	 * claims some is corrupt (libdwarf 20210528 looped for ever on
	 * one, tests/fuzz/regressions/dwarfg/member-with-children-hang,
	 * before check_skip).
	 */
	if (ret == 0 && dwarf_die_abbrev_children_flag(die, &children) == DW_DLV_OK && children)
		ret = -ERRORS__CORRUPT;
	if (ret == 0 && tag == DW_TAG_member)
		ret = read_member(c, die, ctx);
	return ret;
}

/*
 * Read the wanted members of a structure DIE (runtime.g, or runtime.gobuf
 * with sr->want set to its table). Returns 0, 1 when it has no members (a
 * declaration), or a negative error.
 */
static int read_struct(struct dwctx *c, Dwarf_Die st, struct search *sr, uint64_t *size)
{
	struct dwarfg_fields *f = sr->f;
	Dwarf_Error err = NULL;
	Dwarf_Die die = NULL;
	Dwarf_Unsigned gsize = 0;
	size_t i;
	int ret;

	fields_reset(f, sr->want, sr->nwant);
	ret = dw_ret(c, dwarf_bytesize(st, &gsize, &err), &err);
	if (ret < 0)
		return ret;
	*size = ret ? 0 : gsize;
	ret = dw_ret(c, dwarf_child(st, &die, &err), &err);
	if (ret)
		return ret;
	ret = walk_siblings(c, die, visit_member, sr);
	if (ret < 0)
		return ret;
	/* Every field must lie inside the struct whose size the same DWARF states. */
	for (i = 0; *size && i < sr->nwant; i++) {
		int64_t off = *field_off(f, &sr->want[i]);
		uint64_t *psize = field_size(f, &sr->want[i]);
		uint64_t end = (uint64_t)off + (psize ? *psize : 0);

		if (off >= 0 && ((uint64_t)off >= *size || end > *size))
			return -ERRORS__CORRUPT;
	}
	return 0;
}

/*
 * runtime.g's and runtime.gobuf's definitions: read each; stop (1) once both
 * are read; a declaration or another DIE: go on (0).
 */
static int visit_top(struct dwctx *c, Dwarf_Die die, void *ctx)
{
	struct search *sr = ctx;
	Dwarf_Error err = NULL;
	const char *name;
	Dwarf_Half tag;
	bool is_g;
	int ret;

	ret = dw_ret(c, dwarf_tag(die, &tag, &err), &err);
	if (ret || tag != DW_TAG_structure_type)
		return ret;
	ret = die_name(c, die, &name);
	if (ret || !name)
		return ret;
	is_g = !strcmp(name, "runtime.g");
	if (is_g ? sr->found_g : (strcmp(name, "runtime.gobuf") || sr->found_gobuf))
		return 0;
	sr->want = is_g ? wanted : wanted_gobuf;
	sr->nwant = is_g ? N_WANTED : N_WANTED_GOBUF;
	ret = read_struct(c, die, sr, is_g ? &sr->f->g_size : &sr->f->gobuf_size);
	if (ret == 1)
		return 0;
	if (ret)
		return ret;
	if (is_g)
		sr->found_g = true;
	else
		sr->found_gobuf = true;
	return sr->found_g && sr->found_gobuf ? 1 : 0;
}

/* Look through the top-level DIEs of the CU at cu_off. Returns 0 found, 1 not, or negative. */
static int search_cu(struct dwctx *c, const struct curef *u, struct search *f)
{
	Dwarf_Error err = NULL;
	Dwarf_Die cu = NULL, die = NULL;
	int ret;

	c->check_skips = abbrevs_have_sibling(c, u->abbrev);
	if (c->check_skips)
		log__debug("dwarfg: unit at %#llx may use DW_AT_sibling: checking its walks",
			   (unsigned long long)u->die);
	ret = dw_ret(c, dwarf_offdie_b(c->dbg, u->die, true, &cu, &err), &err);
	if (ret)
		return ret < 0 ? ret : -ERRORS__CORRUPT;
	ret = dw_ret(c, dwarf_child(cu, &die, &err), &err);
	dwarf_dealloc_die(cu);
	if (ret)
		return ret;
	return walk_siblings(c, die, visit_top, f);
}

/*
 * Walk the CU headers, reading only each CU DIE: the "runtime" CUs go to rt,
 * other Go CUs to other (searched only if a future linker moves the types).
 */
static int collect_cus(struct dwctx *c, struct offs *rt, struct offs *other)
{
	Dwarf_Unsigned hdr_len, typeoff, next_off;
	Dwarf_Half version, addr_size, len_size, ext_size, cu_type;
	Dwarf_Off abbrev_off, off;
	Dwarf_Sig8 sig;
	Dwarf_Unsigned lang;
	unsigned int count;
	int ret;

	for (count = 0;; count++) {
		Dwarf_Error err = NULL;
		Dwarf_Die cu = NULL;
		const char *name = NULL;
		Dwarf_Half tag;

		if (count >= DWARFG_MAX_CUS)
			return -ERRORS__CORRUPT;
		ret = dw_ret(c,
			     dwarf_next_cu_header_d(c->dbg, true, &hdr_len, &version, &abbrev_off,
						    &addr_size, &len_size, &ext_size, &sig,
						    &typeoff, &next_off, &cu_type, &err),
			     &err);
		if (ret == 1)
			return 0;
		if (ret)
			return ret;
		ret = dw_ret(c, dwarf_siblingof_b(c->dbg, NULL, true, &cu, &err), &err);
		if (ret == 1)
			continue; /* a unit without a DIE */
		if (ret)
			return ret;
		ret = dw_ret(c, dwarf_tag(cu, &tag, &err), &err);
		if (ret == 0 && tag != DW_TAG_compile_unit)
			goto next;
		if (ret == 0)
			ret = die_name(c, cu, &name);
		if (ret == 0)
			ret = dw_ret(c, dwarf_dieoffset(cu, &off, &err), &err);
		if (ret)
			goto next;
		if (name && !strcmp(name, "runtime")) {
			ret = offs__push(rt, off, abbrev_off);
		} else {
			ret = dw_ret(c, dwarf_srclang(cu, &lang, &err), &err);
			if (ret == 0 && lang == DW_LANG_Go)
				ret = offs__push(other, off, abbrev_off);
			else if (ret == 1)
				ret = 0;
		}
next:
		dwarf_dealloc_die(cu);
		if (ret)
			return ret < 0 ? ret : -ERRORS__CORRUPT;
	}
}

/* Search the CUs at o's offsets, in order or last first. Returns 0 found, 1 not, or negative. */
static int search_cus(struct dwctx *c, const struct offs *o, bool last_first, struct search *f)
{
	size_t k;
	int ret;

	for (k = 0; k < o->n; k++) {
		ret = search_cu(c, &o->v[last_first ? o->n - 1 - k : k], f);
		if (ret <= 0)
			return ret;
	}
	return 1;
}

/*
 * One libdwarf session over the sections as they are shown now. Returns 0,
 * -ERRORS__NO_TYPE or another negative error. Only the last round looks
 * beyond the runtime CUs.
 */
static int dwarfg_pass(struct dwobj *obj, bool last, struct dwarfg_fields *out)
{
	Dwarf_Obj_Access_Interface iface = {.object = obj, .methods = &dwobj_methods};
	struct search sr = {.f = out}, *f = &sr;
	struct offs rt = {0}, other = {0};
	struct dwctx c = {.obj = obj};
	Dwarf_Error err = NULL;
	int ret, res;

	res = dwarf_object_init_b(&iface, dwarfg_errhand, NULL, DW_GROUPNUMBER_ANY, &c.dbg, &err);
	if (res != DW_DLV_OK) {
		c.dbg = NULL;
		return res == DW_DLV_NO_ENTRY ? -ERRORS__NO_DWARF : dw_fail(&c, &err);
	}
	ret = collect_cus(&c, &rt, &other);
	/* The linker appends the types to the last runtime CU: try that first. */
	if (ret == 0)
		ret = search_cus(&c, &rt, true, f);
	if (ret == 1 && last)
		ret = search_cus(&c, &other, false, f);
	/*
	 * runtime.g is what is required; runtime.gobuf only helps (the type
	 * descriptors and the table have it too), so no round goes on for it.
	 */
	if (ret == 1 && sr.found_g)
		ret = 0;
	if (ret == 1)
		ret = -ERRORS__NO_TYPE;
	free(rt.v);
	free(other.v);
	if (dwarf_object_finish(c.dbg, &err) != DW_DLV_OK && err)
		dwarf_dealloc_error(NULL, err);
	return ret;
}

int dwarfg__read(const struct elfbuf *e, struct dwarfg_fields *out)
{
	struct dwobj obj = {0};
	struct dwsec *info = NULL;
	uint64_t target = DWARFG_FIRST_PREFIX;
	size_t i, n;
	int ret = 0;

	all_reset(out);
	n = elfbuf__section_count(e);
	if (n > 0xffff)
		n = 0xffff; /* libdwarf numbers sections with a Dwarf_Half */
	obj.secs = calloc(n ? n : 1, sizeof(*obj.secs));
	if (!obj.secs)
		return -ENOMEM;
	obj.n = n;
	for (i = 0; i < n && !ret; i++) {
		struct dwsec *d = &obj.secs[i];

		ret = dwsec_init(e, elfbuf__section(e, i), d);
		if (!ret && d->kind != DWSEC_HIDDEN && d->size && !strcmp(d->name, ".debug_info"))
			info = d;
	}
	if (!ret && !info)
		ret = -ERRORS__NO_DWARF;

	while (!ret) {
		bool last = info->kind == DWSEC_PLAIN || target >= info->size;

		if (!last) {
			ret = dwsec_fill(info, target);
			if (ret)
				break;
			info->shown = units_end(info->owned, info->done);
			if (!info->shown) {
				target *= 2; /* the first unit is longer than the prefix */
				continue;
			}
		} else {
			info->shown = info->size;
		}
		ret = dwarfg_pass(&obj, last, out);
		log__debug("dwarfg: .debug_info %llu of %llu bytes: %s",
			   (unsigned long long)info->shown, (unsigned long long)info->size,
			   ret ? errors__str(ret) : "found runtime.g");
		/* A prefix may end before what runtime.g refers to: only the last round decides. */
		if (ret && !last && ret != -ENOMEM && !obj.err) {
			target *= 2;
			ret = 0;
			continue;
		}
		break;
	}

	for (i = 0; i < obj.n; i++)
		dwsec_free(&obj.secs[i]);
	free(obj.secs);
	if (ret)
		all_reset(out);
	return ret;
}
