// SPDX-License-Identifier: GPL-2.0
/*
 * gotypes: find a struct type descriptor by name in a Go binary's types region
 * and decode its fields (see gotypes.h for the formats).
 *
 * Method: the type's string ("*runtime.g", stored with the star that
 * tflagExtraStar tells readers to skip) is a Go name somewhere in the region;
 * memmem finds it, its distance from the region start is the nameOff that the
 * descriptor's str field holds. One pass over the pointer-aligned words of the
 * region then finds the descriptor with kind Struct and that str, and its field
 * slice is decoded and validated (fields in order, not overlapping, inside the
 * struct). Everything read from the binary is bounds-checked.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "elfbuf.h"
#include "errors.h"
#include "gotypes.h"
#include "log.h"
#include "moduledata.h"
#include "rd.h"

/* abi.Type on 64-bit targets; the same from go1.7 to go1.27. */
#define TYPE_SIZE 0
#define TYPE_TFLAG 20
#define TYPE_KIND 23
#define TYPE_STR 40
#define TYPE_HDR_LEN 48
/* abi.StructType: Type, PkgPath Name, Fields []StructField. */
#define STRUCT_FIELDS 56
#define STRUCT_HDR_LEN 80
/* abi.StructField: Name, Typ *Type, Offset (or offsetAnon) uintptr. */
#define FIELD_LEN 24

#define TFLAG_EXTRA_STAR (1 << 1)
#define KIND_MASK 31 /* the kind's flag bits (direct iface, GC prog) sit above it until go1.25 */
#define KIND_STRUCT 25
#define KIND_MAX 26 /* UnsafePointer */

/* Bounds that keep a corrupt descriptor from making us allocate or loop much. */
#define MAX_FIELDS 4096
#define MAX_STRUCT_SIZE (1ULL << 32)
#define MAX_NAME_LEN 4096
#define MAX_CANDIDATES 64

enum name_enc {
	NAME_BE16,    /* flags, 2-byte big-endian length: before go1.17 */
	NAME_UVARINT, /* flags, uvarint length: go1.17 on */
};

enum off_enc {
	OFF_PLAIN, /* before go1.9, and from go1.19 */
	OFF_ANON,  /* offset<<1 | embedded: go1.9 to go1.18 */
};

struct field_rec {
	struct gotypes_field pub;
	size_t name_len; /* full length; pub.name may be cut */
};

struct gotypes_struct {
	uint64_t addr, size;
	int min_minor;
	size_t nfields;
	struct field_rec *fields;
};

/* What one search needs: the region's bytes, and the RELATIVE relocations by address. */
struct ctx {
	const struct elfbuf *e;
	uint64_t types;
	const uint8_t *reg;
	size_t reg_len;
	struct moduledata_relocs *rel;
};

/* A pointer-sized word at vaddr, as the loader leaves it (a PIE's only in its relocations). */
static int read_ptr(const struct ctx *c, uint64_t vaddr, uint64_t *v)
{
	return moduledata__read_ptr(c->e, c->rel, vaddr, 8, v) ? -1 : 0;
}

/* A plain (never relocated) word: sizes, offsets. */
static int read_u64(const struct ctx *c, uint64_t vaddr, uint64_t *v)
{
	const uint8_t *p = elfbuf__at_vaddr(c->e, vaddr, 8, NULL);

	if (!p)
		return -1;
	*v = rd__le64(p);
	return 0;
}

/*
 * Decode the Go name at vaddr: *str points into the file, *len is its length.
 * Only the region's bytes are accepted: names of type descriptors live there.
 */
static int read_name(const struct ctx *c, uint64_t vaddr, enum name_enc enc, const uint8_t **str,
		     size_t *len)
{
	uint64_t off, n, at;

	if (vaddr < c->types || vaddr - c->types >= c->reg_len)
		return -1;
	off = vaddr - c->types;
	if (enc == NAME_BE16) {
		if (!rd__in(c->reg_len, off + 1, 2))
			return -1;
		n = (uint64_t)c->reg[off + 1] << 8 | c->reg[off + 2];
		at = off + 3;
	} else {
		size_t k = rd__uvarint(c->reg, c->reg_len, off + 1, &n);

		if (!k)
			return -1;
		at = off + 1 + k;
	}
	if (n == 0 || n > MAX_NAME_LEN || !rd__in(c->reg_len, at, n))
		return -1;
	*str = c->reg + at;
	*len = n;
	return 0;
}

/* A nameOff where the type string was found, and whether it was the "*name" form. */
struct cand {
	uint32_t off;
	bool star;
};

/*
 * Append the nameOffs at which the type string want is encoded with enc: memmem
 * finds the length prefix and the bytes; the flags byte before them starts the
 * name.
 */
static size_t find_name_offs(const struct ctx *c, const char *want, bool star, enum name_enc enc,
			     struct cand *offs, size_t n, size_t max)
{
	size_t wlen = strlen(want), plen = 0;
	uint8_t pat[2 + 10 + 256];
	const uint8_t *p = c->reg, *end = c->reg + c->reg_len;

	if (enc == NAME_BE16) {
		if (wlen > 0xffff)
			return 0;
		pat[plen++] = (uint8_t)(wlen >> 8);
		pat[plen++] = (uint8_t)wlen;
	} else {
		uint64_t v = wlen;

		do {
			pat[plen++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			v >>= 7;
		} while (v);
	}
	if (wlen > sizeof(pat) - plen)
		return 0;
	memcpy(pat + plen, want, wlen);
	plen += wlen;
	while (n < max && p < end) {
		const uint8_t *hit = memmem(p, end - p, pat, plen);
		size_t at;

		if (!hit)
			break;
		at = hit - c->reg;
		/* The flags byte before the length must be in the region too; nameOff is an int32. */
		if (at >= 1 && at - 1 <= INT32_MAX)
			offs[n++] = (struct cand){.off = (uint32_t)(at - 1), .star = star};
		p = hit + 1;
	}
	return n;
}

static bool name_ok(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

/*
 * Decode and validate the fields of the struct descriptor at vaddr t with
 * name encoding enc and offset word encoding oenc. Returns 0 and fills *s, 1
 * when it does not validate, or -ENOMEM.
 */
static int decode_struct(const struct ctx *c, uint64_t t, enum name_enc enc, enum off_enc oenc,
			 struct gotypes_struct *s)
{
	uint64_t size, fptr, flen, fcap, i, end = 0;
	struct field_rec *f;

	if (read_u64(c, t + TYPE_SIZE, &size) || size == 0 || size > MAX_STRUCT_SIZE)
		return 1;
	if (read_ptr(c, t + STRUCT_FIELDS, &fptr) || read_u64(c, t + STRUCT_FIELDS + 8, &flen) ||
	    read_u64(c, t + STRUCT_FIELDS + 16, &fcap))
		return 1;
	if (flen == 0 || flen != fcap || flen > MAX_FIELDS)
		return 1;
	/* The field array is emitted inside the type's own symbol, in the region. */
	if (fptr < c->types || !rd__in(c->reg_len, fptr - c->types, flen * FIELD_LEN))
		return 1;
	f = calloc(flen, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (i = 0; i < flen; i++) {
		uint64_t at = fptr + i * FIELD_LEN, nptr, tptr, word, fsize, fend;
		const uint8_t *kp, *nm;
		size_t nlen;

		if (read_ptr(c, at, &nptr) || read_ptr(c, at + 8, &tptr) ||
		    read_u64(c, at + 16, &word))
			goto bad;
		if (read_name(c, nptr, enc, &nm, &nlen) || !name_ok(nm, nlen))
			goto bad;
		if (tptr < c->types || !rd__in(c->reg_len, tptr - c->types, TYPE_HDR_LEN))
			goto bad;
		if (read_u64(c, tptr + TYPE_SIZE, &fsize))
			goto bad;
		kp = c->reg + (tptr - c->types) + TYPE_KIND;
		if ((*kp & KIND_MASK) == 0 || (*kp & KIND_MASK) > KIND_MAX)
			goto bad;
		f[i].pub.offset = oenc == OFF_ANON ? word >> 1 : word;
		f[i].pub.size = fsize;
		f[i].pub.kind = *kp & KIND_MASK;
		f[i].name_len = nlen;
		memcpy(f[i].pub.name, nm,
		       nlen < sizeof(f[i].pub.name) ? nlen : sizeof(f[i].pub.name) - 1);
		/* Go lays fields out in order without overlap; zero-size ones may share. */
		if (f[i].pub.offset < end || rd__add(f[i].pub.offset, fsize, &fend) || fend > size)
			goto bad;
		end = fend;
	}
	s->addr = t;
	s->size = size;
	s->nfields = flen;
	s->fields = f;
	return 0;
bad:
	free(f);
	return 1;
}

static bool same_layout(const struct gotypes_struct *a, const struct gotypes_struct *b)
{
	size_t i;

	if (a->size != b->size || a->nfields != b->nfields)
		return false;
	for (i = 0; i < a->nfields; i++)
		if (a->fields[i].pub.offset != b->fields[i].pub.offset ||
		    a->fields[i].pub.size != b->fields[i].pub.size)
			return false;
	return true;
}

/* The layouts to try, oldest first; each says from which Go minor version it holds. */
static const struct {
	int min_minor, max_minor;
	enum name_enc name;
	enum off_enc off;
} layouts[] = {
	{7, 8, NAME_BE16, OFF_PLAIN},
	{9, 16, NAME_BE16, OFF_ANON},
	{17, 18, NAME_UVARINT, OFF_ANON},
	{19, 1000, NAME_UVARINT, OFF_PLAIN},
};

/*
 * Try the descriptor at region offset pos with every layout allowed for enc and
 * go_minor. The first valid result is kept in *best; a second valid one that
 * disagrees makes the answer ambiguous.
 */
static int try_header(const struct ctx *c, uint64_t pos, enum name_enc enc, int go_minor,
		      struct gotypes_struct *best, bool *have, bool *ambiguous)
{
	size_t l;
	int err;

	for (l = 0; l < sizeof(layouts) / sizeof(layouts[0]); l++) {
		struct gotypes_struct s = {0};

		if (layouts[l].name != enc)
			continue;
		if (go_minor &&
		    (go_minor < layouts[l].min_minor || go_minor > layouts[l].max_minor))
			continue;
		err = decode_struct(c, c->types + pos, enc, layouts[l].off, &s);
		if (err < 0)
			return err;
		if (err)
			continue;
		s.min_minor = layouts[l].min_minor;
		if (!*have) {
			*best = s;
			*have = true;
			continue;
		}
		if (!same_layout(best, &s)) {
			log__debug("gotypes: descriptors at 0x%llx and 0x%llx disagree",
				   (unsigned long long)best->addr, (unsigned long long)s.addr);
			*ambiguous = true;
		}
		free(s.fields);
	}
	return 0;
}

/*
 * One pass over the pointer-aligned headers of the region for kind Struct with
 * a str among offs. (A plain loop: memmem for the 4 str bytes is slower here,
 * as short patterns hit often.)
 */
static int scan(const struct ctx *c, enum name_enc enc, const struct cand *offs, size_t noffs,
		int go_minor, struct gotypes_struct *best, bool *have, bool *ambiguous)
{
	uint64_t pos;
	size_t k;
	int err;

	for (pos = 0; pos + STRUCT_HDR_LEN <= c->reg_len; pos += 8) {
		const uint8_t *h = c->reg + pos;
		uint32_t str;
		bool star;

		if ((h[TYPE_KIND] & KIND_MASK) != KIND_STRUCT)
			continue;
		str = rd__le32(h + TYPE_STR);
		star = h[TYPE_TFLAG] & TFLAG_EXTRA_STAR;
		/* A "*name" string needs its star skipped to name this type, "name" needs it kept. */
		for (k = 0; k < noffs && (offs[k].off != str || offs[k].star != star); k++)
			;
		if (k == noffs)
			continue;
		err = try_header(c, pos, enc, go_minor, best, have, ambiguous);
		if (err)
			return err;
	}
	return 0;
}

int gotypes__find_struct(const struct elfbuf *e, uint64_t types, uint64_t etypes, int go_minor,
			 const char *name, struct gotypes_struct **out)
{
	static const enum name_enc encs[] = {NAME_UVARINT, NAME_BE16};
	struct gotypes_struct best = {0}, *s;
	bool have = false, ambiguous = false;
	struct ctx c = {.e = e, .types = types};
	char star[256];
	size_t i;
	int err;

	*out = NULL;
	if (!e || !name || !*name || etypes <= types || go_minor < 0 ||
	    strlen(name) + 2 > sizeof(star))
		return -EINVAL;
	c.reg_len = etypes - types;
	c.reg = elfbuf__at_vaddr(e, types, c.reg_len, NULL);
	if (!c.reg)
		return -ERRORS__TRUNCATED;
	star[0] = '*';
	strcpy(star + 1, name);
	err = moduledata__relocs_new(e, &c.rel);
	if (err)
		goto out;
	for (i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
		struct cand offs[MAX_CANDIDATES];
		size_t n;

		if (go_minor && ((encs[i] == NAME_UVARINT) != (go_minor >= 17)))
			continue;
		n = find_name_offs(&c, star, true, encs[i], offs, 0, MAX_CANDIDATES / 2);
		n = find_name_offs(&c, name, false, encs[i], offs, n, MAX_CANDIDATES);
		if (n)
			err = scan(&c, encs[i], offs, n, go_minor, &best, &have, &ambiguous);
		if (err) {
			free(best.fields);
			goto out;
		}
	}
	if (!have) {
		err = -ERRORS__NO_TYPE;
		goto out;
	}
	if (ambiguous) {
		free(best.fields);
		err = -ERRORS__FORMAT;
		goto out;
	}
	s = malloc(sizeof(*s));
	if (!s) {
		free(best.fields);
		err = -ENOMEM;
		goto out;
	}
	*s = best;
	*out = s;
out:
	moduledata__relocs_delete(c.rel);
	return err;
}

void gotypes__delete(struct gotypes_struct *s)
{
	if (!s)
		return;
	free(s->fields);
	free(s);
}

int gotypes__field(const struct gotypes_struct *s, const char *name, struct gotypes_field *f)
{
	size_t i, n = strlen(name);

	for (i = 0; i < s->nfields; i++) {
		const struct field_rec *r = &s->fields[i];

		if (r->name_len == n && n < sizeof(r->pub.name) && !strcmp(r->pub.name, name)) {
			*f = r->pub;
			return 0;
		}
	}
	return -ERRORS__NO_FIELD;
}

size_t gotypes__field_count(const struct gotypes_struct *s)
{
	return s->nfields;
}

const struct gotypes_field *gotypes__field_at(const struct gotypes_struct *s, size_t idx)
{
	return idx < s->nfields ? &s->fields[idx].pub : NULL;
}

uint64_t gotypes__size(const struct gotypes_struct *s)
{
	return s->size;
}

uint64_t gotypes__addr(const struct gotypes_struct *s)
{
	return s->addr;
}

int gotypes__layout_min_minor(const struct gotypes_struct *s)
{
	return s->min_minor;
}
