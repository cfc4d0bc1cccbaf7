// SPDX-License-Identifier: GPL-2.0
/*
 * elfbuf: bounds-checked ELF64 little-endian view over a memory buffer.
 *
 * Headers are copied out with memcpy after a bounds check (never dereferenced in
 * place), because a corrupt file can put them at unaligned offsets. The host is
 * assumed little-endian, like every target we trace (x86_64, aarch64).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfbuf.h"
#include "errors.h"
#include "rd.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif
#define NT_GO_BUILD_ID 4

struct elfbuf {
	const uint8_t *buf;
	size_t len;
	void *map; /* owned mapping when opened by path */
	size_t map_len;
	Elf64_Ehdr ehdr;
	struct elfbuf_section *secs;
	size_t nsecs;
	struct elfbuf_segment *segs;
	size_t nsegs;
	const struct elfbuf_section *symtab, *dynsym;
};

static int parse_sections(struct elfbuf *e)
{
	const Elf64_Ehdr *h = &e->ehdr;
	const uint8_t *strtab = NULL;
	size_t strtab_len = 0, i;
	uint64_t n = h->e_shnum;

	if (!h->e_shoff || !n)
		return 0;
	if (h->e_shentsize != sizeof(Elf64_Shdr) ||
	    !rd__in(e->len, h->e_shoff, n * sizeof(Elf64_Shdr)))
		return -ERRORS__TRUNCATED;
	e->secs = calloc(n, sizeof(*e->secs));
	if (!e->secs)
		return -ENOMEM;
	e->nsecs = n;
	for (i = 0; i < n; i++) {
		Elf64_Shdr sh;

		memcpy(&sh, e->buf + h->e_shoff + i * sizeof(sh), sizeof(sh));
		e->secs[i] = (struct elfbuf_section){
			.name = "",
			.type = sh.sh_type,
			.flags = sh.sh_flags,
			.addr = sh.sh_addr,
			.offset = sh.sh_offset,
			.size = sh.sh_size,
			.link = sh.sh_link,
			.entsize = sh.sh_entsize,
		};
		/* Keep the name offset until the string table is known. */
		e->secs[i].name = (const char *)(uintptr_t)sh.sh_name;
		if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL &&
		    !rd__in(e->len, sh.sh_offset, sh.sh_size))
			return -ERRORS__TRUNCATED;
	}
	if (h->e_shstrndx < n && e->secs[h->e_shstrndx].type == SHT_STRTAB) {
		strtab = e->buf + e->secs[h->e_shstrndx].offset;
		strtab_len = e->secs[h->e_shstrndx].size;
	}
	for (i = 0; i < n; i++) {
		uintptr_t off = (uintptr_t)e->secs[i].name;

		e->secs[i].name = "";
		/* A name counts only when it is NUL-terminated inside the table. */
		if (strtab && off < strtab_len && memchr(strtab + off, 0, strtab_len - off))
			e->secs[i].name = (const char *)strtab + off;
		if (e->secs[i].type == SHT_SYMTAB)
			e->symtab = &e->secs[i];
		else if (e->secs[i].type == SHT_DYNSYM)
			e->dynsym = &e->secs[i];
	}
	return 0;
}

static int parse_segments(struct elfbuf *e)
{
	const Elf64_Ehdr *h = &e->ehdr;
	uint64_t n = h->e_phnum;
	size_t i;

	if (!h->e_phoff || !n)
		return 0;
	if (h->e_phentsize != sizeof(Elf64_Phdr) ||
	    !rd__in(e->len, h->e_phoff, n * sizeof(Elf64_Phdr)))
		return -ERRORS__TRUNCATED;
	e->segs = calloc(n, sizeof(*e->segs));
	if (!e->segs)
		return -ENOMEM;
	e->nsegs = n;
	for (i = 0; i < n; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, e->buf + h->e_phoff + i * sizeof(ph), sizeof(ph));
		e->segs[i] = (struct elfbuf_segment){
			.type = ph.p_type,
			.flags = ph.p_flags,
			.offset = ph.p_offset,
			.vaddr = ph.p_vaddr,
			.filesz = ph.p_filesz,
			.memsz = ph.p_memsz,
		};
		if (ph.p_type == PT_LOAD && !rd__in(e->len, ph.p_offset, ph.p_filesz))
			return -ERRORS__TRUNCATED;
	}
	return 0;
}

int elfbuf__new(const void *buf, size_t len, struct elfbuf **out)
{
	struct elfbuf *e;
	int err;

	*out = NULL;
	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG))
		return -ERRORS__NOT_ELF;
	if (((const uint8_t *)buf)[EI_CLASS] != ELFCLASS64 ||
	    ((const uint8_t *)buf)[EI_DATA] != ELFDATA2LSB)
		return -ERRORS__ELF_CLASS;
	if (len < sizeof(Elf64_Ehdr))
		return -ERRORS__TRUNCATED;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->buf = buf;
	e->len = len;
	memcpy(&e->ehdr, buf, sizeof(e->ehdr));
	err = parse_sections(e);
	if (!err)
		err = parse_segments(e);
	if (err) {
		elfbuf__delete(e);
		return err;
	}
	*out = e;
	return 0;
}

int elfbuf__open_path(const char *path, struct elfbuf **out)
{
	struct stat st;
	void *map;
	int fd, err;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return S_ISREG(st.st_mode) ? -ERRORS__NOT_ELF : -EINVAL;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	err = elfbuf__new(map, st.st_size, out);
	if (err) {
		munmap(map, st.st_size);
		return err;
	}
	(*out)->map = map;
	(*out)->map_len = st.st_size;
	return 0;
}

void elfbuf__delete(struct elfbuf *e)
{
	if (!e)
		return;
	if (e->map)
		munmap(e->map, e->map_len);
	free(e->secs);
	free(e->segs);
	free(e);
}

const uint8_t *elfbuf__data(const struct elfbuf *e, size_t *len)
{
	*len = e->len;
	return e->buf;
}

uint16_t elfbuf__machine(const struct elfbuf *e)
{
	return e->ehdr.e_machine;
}

uint16_t elfbuf__type(const struct elfbuf *e)
{
	return e->ehdr.e_type;
}

bool elfbuf__has_interp(const struct elfbuf *e)
{
	size_t i;

	for (i = 0; i < e->nsegs; i++)
		if (e->segs[i].type == PT_INTERP)
			return true;
	return false;
}

size_t elfbuf__section_count(const struct elfbuf *e)
{
	return e->nsecs;
}

const struct elfbuf_section *elfbuf__section(const struct elfbuf *e, size_t idx)
{
	return idx < e->nsecs ? &e->secs[idx] : NULL;
}

const struct elfbuf_section *elfbuf__section_by_name(const struct elfbuf *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->nsecs; i++)
		if (!strcmp(e->secs[i].name, name))
			return &e->secs[i];
	return NULL;
}

int elfbuf__section_data(const struct elfbuf *e, const struct elfbuf_section *s,
			 const uint8_t **data, size_t *size)
{
	if (s->type == SHT_NOBITS || s->type == SHT_NULL)
		return -ENOENT;
	*data = e->buf + s->offset;
	*size = s->size;
	return 0;
}

size_t elfbuf__segment_count(const struct elfbuf *e)
{
	return e->nsegs;
}

const struct elfbuf_segment *elfbuf__segment(const struct elfbuf *e, size_t idx)
{
	return idx < e->nsegs ? &e->segs[idx] : NULL;
}

static const struct elfbuf_segment *load_segment_of(const struct elfbuf *e, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < e->nsegs; i++) {
		const struct elfbuf_segment *s = &e->segs[i];

		if (s->type == PT_LOAD && vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz)
			return s;
	}
	return NULL;
}

int elfbuf__vaddr_to_offset(const struct elfbuf *e, uint64_t vaddr, uint64_t *offset)
{
	const struct elfbuf_segment *s = load_segment_of(e, vaddr);

	if (!s)
		return -ERANGE;
	*offset = vaddr - s->vaddr + s->offset;
	return 0;
}

const uint8_t *elfbuf__at_vaddr(const struct elfbuf *e, uint64_t vaddr, size_t n, size_t *avail)
{
	const struct elfbuf_segment *s = load_segment_of(e, vaddr);
	uint64_t rest;

	if (avail)
		*avail = 0;
	if (!s)
		return NULL;
	rest = s->filesz - (vaddr - s->vaddr);
	if (avail)
		*avail = rest;
	if (n > rest)
		return NULL;
	return e->buf + s->offset + (vaddr - s->vaddr);
}

bool elfbuf__has_symtab(const struct elfbuf *e)
{
	return e->symtab && e->symtab->size >= 2 * sizeof(Elf64_Sym);
}

static int lookup_in(const struct elfbuf *e, const struct elfbuf_section *tab, const char *name,
		     uint64_t *value, uint64_t *size)
{
	const struct elfbuf_section *str;
	size_t i, n, namelen = strlen(name);

	if (!tab || tab->link >= e->nsecs)
		return -ERRORS__NO_SYMBOL;
	str = &e->secs[tab->link];
	if (str->type != SHT_STRTAB)
		return -ERRORS__NO_SYMBOL;
	n = tab->size / sizeof(Elf64_Sym);
	for (i = 1; i < n; i++) {
		Elf64_Sym sym;

		memcpy(&sym, e->buf + tab->offset + i * sizeof(sym), sizeof(sym));
		if (sym.st_name >= str->size || str->size - sym.st_name <= namelen)
			continue;
		if (memcmp(e->buf + str->offset + sym.st_name, name, namelen + 1))
			continue;
		if (sym.st_shndx == SHN_UNDEF)
			continue;
		*value = sym.st_value;
		if (size)
			*size = sym.st_size;
		return 0;
	}
	return -ERRORS__NO_SYMBOL;
}

int elfbuf__symbol(const struct elfbuf *e, const char *name, uint64_t *value, uint64_t *size)
{
	if (!lookup_in(e, e->symtab, name, value, size))
		return 0;
	return lookup_in(e, e->dynsym, name, value, size);
}

/* Find a note by owner name and type in any SHT_NOTE section or PT_NOTE segment. */
static int find_note(const struct elfbuf *e, const char *owner, uint32_t type, const uint8_t **desc,
		     size_t *desclen)
{
	size_t ownlen = strlen(owner) + 1, i;

	for (i = 0; i < e->nsecs + e->nsegs; i++) {
		uint64_t off, size, pos = 0;

		if (i < e->nsecs) {
			if (e->secs[i].type != SHT_NOTE)
				continue;
			off = e->secs[i].offset;
			size = e->secs[i].size;
		} else {
			const struct elfbuf_segment *s = &e->segs[i - e->nsecs];

			if (s->type != PT_NOTE || !rd__in(e->len, s->offset, s->filesz))
				continue;
			off = s->offset;
			size = s->filesz;
		}
		while (pos + 12 <= size) {
			const uint8_t *n = e->buf + off + pos;
			uint64_t namesz = rd__le32(n), descsz = rd__le32(n + 4);
			uint64_t name_al = (namesz + 3) & ~3ULL, desc_al = (descsz + 3) & ~3ULL;

			if (12 + name_al + descsz > size - pos)
				break;
			/* Go pads its owner name: "Go\0\0" with namesz 4. */
			if (namesz >= ownlen && namesz <= name_al && rd__le32(n + 8) == type &&
			    !memcmp(n + 12, owner, ownlen) &&
			    (namesz == ownlen || !n[12 + namesz - 1])) {
				*desc = n + 12 + name_al;
				*desclen = descsz;
				return 0;
			}
			pos += 12 + name_al + desc_al;
		}
	}
	return -ENOENT;
}

int elfbuf__gnu_build_id(const struct elfbuf *e, char *hex, size_t hexlen)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *d;
	size_t n, i;
	int err;

	err = find_note(e, "GNU", NT_GNU_BUILD_ID, &d, &n);
	if (err)
		return err;
	if (!n)
		return -ENOENT;
	if (hexlen < 2 * n + 1)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = 0;
	return 0;
}

int elfbuf__go_build_id(const struct elfbuf *e, char *buf, size_t buflen)
{
	const uint8_t *d;
	size_t n, i;
	int err;

	err = find_note(e, "Go", NT_GO_BUILD_ID, &d, &n);
	if (err)
		return err;
	while (n && !d[n - 1])
		n--;
	if (!n)
		return -ENOENT;
	if (buflen < n + 1)
		return -ENOSPC;
	for (i = 0; i < n; i++)
		/* The id is printable; anything else means a corrupt note. */
		if (d[i] < 0x20 || d[i] > 0x7e)
			return -ENOENT;
	memcpy(buf, d, n);
	buf[n] = 0;
	return 0;
}
