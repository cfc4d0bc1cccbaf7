// SPDX-License-Identifier: GPL-2.0
/*
 * buildinfo: read the Go version and main module of an executable (see
 * buildinfo.h).
 *
 * Blob layout (cmd/link's buildinfo, debug/buildinfo's reader):
 *   0  "\xff Go buildinf:" (14 bytes), 16-byte aligned
 *   14 pointer size, 15 flags (bit 0: big-endian, bit 1: inline strings)
 *   16 go1.13-1.17: pointer to the version's string header, then one to the
 *      module info's; go1.18+: unused, with the strings at 32 as
 *      uvarint length + bytes, version first.
 * The module info is framed by two 16-byte sentinels; its "path" and "mod"
 * lines name the main package and module.
 */
#define _GNU_SOURCE /* memmem */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buildinfo.h"
#include "elfbuf.h"
#include "errors.h"
#include "goversion.h"
#include "log.h"
#include "moduledata.h"
#include "rd.h"

#define MAGIC "\xff Go buildinf:"
#define MAGIC_LEN 14
#define HEADER_SIZE 32
#define ALIGN 16
#define FLAG_BIG_ENDIAN 0x1
#define FLAG_INLINE 0x2
/* The sentinels around the module info are 16 bytes each. */
#define MODINFO_FRAME 16
/* A version string longer than this is not one. */
#define VERSION_SCAN_MAX 40

const char *buildinfo__method_str(enum buildinfo_method m)
{
	switch (m) {
	case BUILDINFO_SECTION:
		return "section";
	case BUILDINFO_SEGMENT:
		return "segment";
	case BUILDINFO_BUILDVERSION_SYMBOL:
		return "buildversion-symbol";
	case BUILDINFO_BUILDVERSION_SCAN:
		return "buildversion-scan";
	case BUILDINFO_NONE:
		break;
	}
	return "none";
}

/* Copy a field of n bytes into dst when it fits and is printable; else leave "". */
static void copy_field(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;

	dst[0] = 0;
	if (n >= cap)
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return;
	memcpy(dst, s, n);
	dst[n] = 0;
}

static int set_version(struct buildinfo *bi, const uint8_t *s, size_t n)
{
	struct goversion v;

	if (!n)
		return -ERRORS__CORRUPT;
	copy_field(bi->version, sizeof(bi->version), (const char *)s, n);
	if (!bi->version[0] || goversion__parse(bi->version, &v)) {
		bi->version[0] = 0;
		return -ERRORS__FORMAT;
	}
	return 0;
}

/* Pick the "path" and "mod" lines out of the module info text. */
static void parse_modinfo(struct buildinfo *bi, const uint8_t *m, size_t n)
{
	const char *p, *end;

	bi->path[0] = bi->mod_path[0] = bi->mod_version[0] = 0;
	/* debug/buildinfo strips the framing only when it looks like framing. */
	if (n < 2 * MODINFO_FRAME + 1 || m[n - MODINFO_FRAME - 1] != '\n')
		return;
	p = (const char *)m + MODINFO_FRAME;
	end = (const char *)m + n - MODINFO_FRAME;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p), *tab;
		size_t len;

		if (!nl)
			nl = end;
		len = nl - p;
		if (len > 5 && !memcmp(p, "path\t", 5)) {
			copy_field(bi->path, sizeof(bi->path), p + 5, len - 5);
		} else if (len > 4 && !memcmp(p, "mod\t", 4)) {
			const char *f = p + 4;

			tab = memchr(f, '\t', nl - f);
			copy_field(bi->mod_path, sizeof(bi->mod_path), f, (tab ? tab : nl) - f);
			if (tab) {
				const char *v = tab + 1, *t2 = memchr(v, '\t', nl - v);

				copy_field(bi->mod_version, sizeof(bi->mod_version), v,
					   (t2 ? t2 : nl) - v);
			}
		}
		p = nl + 1;
	}
}

/* A uvarint-prefixed string at off; advances off. */
static int inline_string(const uint8_t *b, size_t len, uint64_t *off, const uint8_t **s, size_t *n)
{
	uint64_t l;
	size_t k = rd__uvarint(b, len, *off, &l);

	if (!k)
		return -ERRORS__TRUNCATED;
	*off += k;
	if (!rd__in(len, *off, l))
		return -ERRORS__TRUNCATED;
	*s = b + *off;
	*n = l;
	*off += l;
	return 0;
}

/* Check the 32-byte header at b; *flags gets its flag byte. */
static int check_header(const uint8_t *b, size_t len, uint8_t *flags)
{
	if (len < MAGIC_LEN || memcmp(b, MAGIC, MAGIC_LEN))
		return -ERRORS__NOT_GO;
	if (len < HEADER_SIZE)
		return -ERRORS__TRUNCATED;
	*flags = b[15];
	if (*flags & ~(FLAG_BIG_ENDIAN | FLAG_INLINE))
		return -ERRORS__FORMAT;
	if (!(*flags & FLAG_INLINE) && b[14] != 4 && b[14] != 8)
		return -ERRORS__FORMAT;
	return 0;
}

int buildinfo__parse_inline(const void *buf, size_t len, struct buildinfo *bi)
{
	const uint8_t *b = buf, *vers, *mod;
	uint64_t off = HEADER_SIZE;
	size_t nvers, nmod;
	uint8_t flags;
	int err;

	memset(bi, 0, sizeof(*bi));
	if ((err = check_header(b, len, &flags)))
		return err;
	if (!(flags & FLAG_INLINE))
		return -ERRORS__FORMAT;
	if ((err = inline_string(b, len, &off, &vers, &nvers)) ||
	    (err = inline_string(b, len, &off, &mod, &nmod)))
		return err;
	if ((err = set_version(bi, vers, nvers)))
		return err;
	bi->inline_strings = true;
	bi->ptrsize = b[14];
	parse_modinfo(bi, mod, nmod);
	return 0;
}

/* A Go string header {ptr, len} at vaddr: its bytes in the file. */
static int go_string(const struct elfbuf *e, const struct moduledata_relocs *r, uint64_t vaddr,
		     unsigned int ps, size_t max, const uint8_t **s, size_t *n)
{
	uint64_t ptr, len;

	if (moduledata__read_ptr(e, r, vaddr, ps, &ptr) ||
	    moduledata__read_ptr(e, NULL, vaddr + ps, ps, &len))
		return -ERRORS__TRUNCATED;
	if (len > max)
		return -ERRORS__CORRUPT;
	*s = len ? elfbuf__at_vaddr(e, ptr, len, NULL) : (const uint8_t *)"";
	if (!*s)
		return -ERRORS__TRUNCATED;
	*n = len;
	return 0;
}

/* A blob at vaddr in an executable; avail bytes of it are in the file. */
static int parse_blob(const struct elfbuf *e, const struct moduledata_relocs *r, uint64_t vaddr,
		      const uint8_t *b, size_t avail, struct buildinfo *bi)
{
	const uint8_t *vers, *mod;
	size_t nvers, nmod, flen;
	uint64_t hdr;
	unsigned int ps;
	uint8_t flags;
	int err;

	if ((err = check_header(b, avail, &flags)))
		return err;
	if (flags & FLAG_INLINE) {
		err = buildinfo__parse_inline(b, avail, bi);
		bi->vaddr = vaddr;
		return err;
	}
	memset(bi, 0, sizeof(*bi));
	/* Pointer format: we only read little-endian ELF, so a big-endian blob is foreign. */
	if (flags & FLAG_BIG_ENDIAN)
		return -ERRORS__FORMAT;
	ps = b[14];
	elfbuf__data(e, &flen);
	if ((err = moduledata__read_ptr(e, r, vaddr + 16, ps, &hdr)) ||
	    (err = go_string(e, r, hdr, ps, BUILDINFO_VERSION_MAX, &vers, &nvers)))
		return err == -ERANGE ? -ERRORS__TRUNCATED : err;
	if ((err = set_version(bi, vers, nvers)))
		return err;
	/* Module info is optional (GOPATH builds); a bad pointer only loses it. */
	if (!moduledata__read_ptr(e, r, vaddr + 16 + ps, ps, &hdr) &&
	    !go_string(e, r, hdr, ps, flen, &mod, &nmod))
		parse_modinfo(bi, mod, nmod);
	bi->ptrsize = ps;
	bi->vaddr = vaddr;
	return 0;
}

/* First 16-byte-aligned (in vaddr) magic in [d, d + n) at vaddr, or NULL. */
static const uint8_t *search_magic(const uint8_t *d, size_t n, uint64_t vaddr)
{
	const uint8_t *p = d, *end = d + n;

	while (p < end && (p = memmem(p, end - p, MAGIC, MAGIC_LEN))) {
		if ((vaddr + (p - d)) % ALIGN == 0)
			return p;
		p++;
	}
	return NULL;
}

static int from_section(const struct elfbuf *e, const struct moduledata_relocs *r,
			struct buildinfo *bi)
{
	const struct elfbuf_section *s = elfbuf__section_by_name(e, ".go.buildinfo");
	const uint8_t *d, *p;
	size_t n;

	if (!s)
		return -ENOENT;
	if (elfbuf__section_data(e, s, &d, &n))
		return -ERRORS__TRUNCATED;
	p = search_magic(d, n, s->addr);
	if (!p)
		return -ERRORS__NOT_GO;
	return parse_blob(e, r, s->addr + (p - d), p, n - (p - d), bi);
}

/*
 * Go's reader searches only the first writable non-executable PT_LOAD; an
 * internal-link PIE without section headers has its relro data there and the
 * blob in the next one, so every such segment is searched, in order.
 */
static int from_segment(const struct elfbuf *e, const struct moduledata_relocs *r,
			struct buildinfo *bi)
{
	size_t flen, i;
	const uint8_t *file = elfbuf__data(e, &flen), *p;

	for (i = 0; i < elfbuf__segment_count(e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);

		if (s->type != PT_LOAD || (s->flags & (PF_X | PF_W)) != PF_W ||
		    !rd__in(flen, s->offset, s->filesz))
			continue;
		p = search_magic(file + s->offset, s->filesz, s->vaddr);
		if (p)
			return parse_blob(e, r, s->vaddr + (p - file - s->offset), p,
					  s->filesz - (p - file - s->offset), bi);
	}
	return -ERRORS__NOT_GO;
}

static int from_symbol(const struct elfbuf *e, const struct moduledata_relocs *r,
		       struct buildinfo *bi)
{
	const uint8_t *s;
	uint64_t sym;
	size_t n;
	int err;

	if (elfbuf__symbol(e, "runtime.buildVersion", &sym, NULL))
		return -ENOENT;
	memset(bi, 0, sizeof(*bi));
	if ((err = go_string(e, r, sym, 8, BUILDINFO_VERSION_MAX, &s, &n)))
		return err;
	if ((err = set_version(bi, s, n)))
		return err;
	bi->vaddr = sym;
	return 0;
}

/* Exactly "go1.N", "go1.N.P", "go1.NrcK" or "go1.NbetaK". */
static bool version_shape(const uint8_t *s, size_t n)
{
	size_t i = 4, d;

	if (n < 5 || memcmp(s, "go1.", 4))
		return false;
	for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (!d)
		return false;
	if (i == n)
		return true;
	if (s[i] == '.')
		i++;
	else if (n - i > 2 && !memcmp(s + i, "rc", 2))
		i += 2;
	else if (n - i > 4 && !memcmp(s + i, "beta", 4))
		i += 4;
	else
		return false;
	for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	return d && i == n;
}

/* Is vaddr in a read-only (not writable) PT_LOAD with n file bytes there? */
static const uint8_t *readonly_bytes(const struct elfbuf *e, uint64_t vaddr, size_t n)
{
	size_t i;

	for (i = 0; i < elfbuf__segment_count(e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);

		if (s->type == PT_LOAD && !(s->flags & PF_W) && vaddr >= s->vaddr &&
		    vaddr - s->vaddr < s->filesz)
			return elfbuf__at_vaddr(e, vaddr, n, NULL);
	}
	return NULL;
}

/*
 * Look at every aligned {ptr, len} pair in writable file-backed data: a
 * plausible len first (cheap), then the pointer, then the bytes. One pass.
 */
static int scan_buildversion(const struct elfbuf *e, const struct moduledata_relocs *r,
			     struct buildinfo *bi)
{
	size_t flen, i, nfound = 0;
	const uint8_t *file = elfbuf__data(e, &flen), *first = NULL;
	size_t first_n = 0;
	uint64_t first_at = 0;

	for (i = 0; i < elfbuf__segment_count(e); i++) {
		const struct elfbuf_segment *s = elfbuf__segment(e, i);
		uint64_t off;

		if (s->type != PT_LOAD || !(s->flags & PF_W) || (s->flags & PF_X) ||
		    !rd__in(flen, s->offset, s->filesz))
			continue;
		for (off = (8 - s->vaddr % 8) % 8; off + 16 <= s->filesz; off += 8) {
			const uint8_t *w = file + s->offset + off, *str;
			uint64_t len = rd__le64(w + 8), ptr;

			if (len < 5 || len > VERSION_SCAN_MAX)
				continue;
			if (moduledata__read_ptr(e, r, s->vaddr + off, 8, &ptr))
				continue;
			str = readonly_bytes(e, ptr, len);
			if (!str || !version_shape(str, len))
				continue;
			if (first && (first_n != len || memcmp(first, str, len)))
				return -ERRORS__FORMAT;
			if (!first) {
				first = str;
				first_n = len;
				first_at = s->vaddr + off;
			}
			nfound++;
		}
	}
	if (!nfound)
		return -ERRORS__NOT_GO;
	memset(bi, 0, sizeof(*bi));
	bi->vaddr = first_at;
	return set_version(bi, first, first_n);
}

/* Keep the most telling error: a damaged blob says more than "no blob". */
static int worse(int a, int b)
{
	if (b != -ENOENT && b != -ERRORS__NOT_GO)
		log__warn("buildinfo: %s, trying the next method", errors__str(b));
	if (a == -ENOENT || a == -ERRORS__NOT_GO)
		return b == -ENOENT ? a : b;
	return a;
}

int buildinfo__read(const struct elfbuf *e, struct buildinfo *bi)
{
	struct moduledata_relocs *r;
	int err, res = -ENOENT;

	memset(bi, 0, sizeof(*bi));
	err = moduledata__relocs_new(e, &r);
	if (err)
		return err;
	err = from_section(e, r, bi);
	if (!err) {
		bi->method = BUILDINFO_SECTION;
		goto out;
	}
	res = worse(res, err);
	/* Go's own reader searches the segment only when there is no section. */
	if (err == -ENOENT) {
		err = from_segment(e, r, bi);
		if (!err) {
			bi->method = BUILDINFO_SEGMENT;
			goto out;
		}
		res = worse(res, err);
	}
	err = from_symbol(e, r, bi);
	if (!err) {
		bi->method = BUILDINFO_BUILDVERSION_SYMBOL;
		goto out;
	}
	res = worse(res, err);
	err = scan_buildversion(e, r, bi);
	if (!err) {
		bi->method = BUILDINFO_BUILDVERSION_SCAN;
		goto out;
	}
	res = worse(res, err);
	err = res == -ENOENT ? -ERRORS__NOT_GO : res;
	memset(bi, 0, sizeof(*bi));
out:
	moduledata__relocs_delete(r);
	return err;
}
