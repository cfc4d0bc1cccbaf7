/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synth_elf: build small ELF64 little-endian executables in memory for unit
 * tests of the parsers that reach a binary through elfbuf (buildinfo,
 * moduledata, pclntab__locate), so that every fallback path can be exercised
 * without a toolchain: sections present or not, relocations, symbols.
 *
 * Usage: synth_init(), synth_segment() for each PT_LOAD (its bytes are
 * copied), synth_section() for sections over a segment's bytes or of their
 * own, optionally synth_symbol(), then synth_build() -> malloc'ed image.
 */
#ifndef GOTRACER_SYNTH_ELF_H
#define GOTRACER_SYNTH_ELF_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SYNTH_MAX 16

struct synth_seg {
	uint32_t type, flags;
	uint64_t vaddr, memsz;
	const void *data;
	size_t size;
	uint64_t offset; /* set by synth_build */
};

struct synth_sec {
	const char *name;
	uint32_t type;
	uint64_t flags, addr, entsize;
	int seg; /* >= 0: bytes are [seg_off, +size) of that segment */
	uint64_t seg_off;
	const void *data; /* seg < 0: own bytes */
	size_t size;
	uint32_t link;
};

struct synth_sym {
	const char *name;
	uint64_t value, size;
	unsigned char info;
};

struct synth {
	struct synth_seg seg[SYNTH_MAX];
	int nseg;
	struct synth_sec sec[SYNTH_MAX];
	int nsec;
	struct synth_sym sym[SYNTH_MAX];
	int nsym;
	uint16_t machine;
	uint16_t etype;
	int with_sections; /* 0: no section headers at all */
};

static inline void synth_init(struct synth *s)
{
	memset(s, 0, sizeof(*s));
	s->machine = EM_X86_64;
	s->etype = ET_EXEC;
	s->with_sections = 1;
}

static inline int synth_segment(struct synth *s, uint32_t type, uint32_t flags, uint64_t vaddr,
				const void *data, size_t size)
{
	s->seg[s->nseg] = (struct synth_seg){type, flags, vaddr, size, data, size, 0};
	return s->nseg++;
}

/* A section over [off, off + size) of segment seg. */
static inline void synth_section(struct synth *s, const char *name, uint32_t type, uint64_t flags,
				 int seg, uint64_t off, size_t size)
{
	s->sec[s->nsec++] = (struct synth_sec){
		.name = name,
		.type = type,
		.flags = flags,
		.addr = s->seg[seg].vaddr + off,
		.seg = seg,
		.seg_off = off,
		.size = size,
	};
}

static inline void synth_symbol(struct synth *s, const char *name, uint64_t value, uint64_t size)
{
	s->sym[s->nsym++] =
		(struct synth_sym){name, value, size, ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT)};
}

/* Append n bytes to a growing image. */
static inline uint64_t synth_put(uint8_t **img, size_t *len, const void *d, size_t n)
{
	uint64_t off = (*len + 15) & ~(uint64_t)15;

	*img = realloc(*img, off + n + 1);
	memset(*img + *len, 0, off - *len);
	if (n && d)
		memcpy(*img + off, d, n);
	else if (n)
		memset(*img + off, 0, n);
	*len = off + n;
	return off;
}

/* Build the image; *len gets its size. The caller frees it. */
static inline uint8_t *synth_build(struct synth *s, size_t *len)
{
	uint8_t *img = NULL, *symtab = NULL, *strtab = NULL, shstr[512];
	size_t n = 0, nshstr = 1, nstr = 1, i;
	uint64_t shname[SYNTH_MAX + 3], phoff, symoff = 0, stroff = 0, shstroff, shoff;
	Elf64_Ehdr eh = {0};
	int nsh = 0, symidx = -1;

	n = sizeof(eh);
	img = calloc(1, n);
	phoff = synth_put(&img, &n, NULL, s->nseg * sizeof(Elf64_Phdr));
	for (i = 0; i < (size_t)s->nseg; i++)
		s->seg[i].offset = synth_put(&img, &n, s->seg[i].data, s->seg[i].size);
	for (i = 0; i < (size_t)s->nseg; i++) {
		Elf64_Phdr ph = {
			.p_type = s->seg[i].type,
			.p_flags = s->seg[i].flags,
			.p_offset = s->seg[i].offset,
			.p_vaddr = s->seg[i].vaddr,
			.p_paddr = s->seg[i].vaddr,
			.p_filesz = s->seg[i].size,
			.p_memsz = s->seg[i].memsz,
			.p_align = 16,
		};
		memcpy(img + phoff + i * sizeof(ph), &ph, sizeof(ph));
	}
	if (s->with_sections) {
		shstr[0] = 0;
		if (s->nsym) {
			symtab = calloc(s->nsym + 1, sizeof(Elf64_Sym));
			strtab = calloc(1, 4096);
			for (i = 0; i < (size_t)s->nsym; i++) {
				Elf64_Sym sym = {.st_name = nstr,
						 .st_info = s->sym[i].info,
						 .st_shndx = 1,
						 .st_value = s->sym[i].value,
						 .st_size = s->sym[i].size};

				strcpy((char *)strtab + nstr, s->sym[i].name);
				nstr += strlen(s->sym[i].name) + 1;
				memcpy(symtab + (i + 1) * sizeof(sym), &sym, sizeof(sym));
			}
			symoff = synth_put(&img, &n, symtab, (s->nsym + 1) * sizeof(Elf64_Sym));
			stroff = synth_put(&img, &n, strtab, nstr);
		}
		for (i = 0; i < (size_t)s->nsec; i++) {
			shname[i] = nshstr;
			strcpy((char *)shstr + nshstr, s->sec[i].name);
			nshstr += strlen(s->sec[i].name) + 1;
			if (s->sec[i].seg < 0)
				s->sec[i].seg_off =
					synth_put(&img, &n, s->sec[i].data, s->sec[i].size);
		}
		shname[s->nsec] = nshstr;
		strcpy((char *)shstr + nshstr, ".shstrtab");
		nshstr += 10;
		if (s->nsym) {
			shname[s->nsec + 1] = nshstr;
			strcpy((char *)shstr + nshstr, ".symtab");
			nshstr += 8;
			shname[s->nsec + 2] = nshstr;
			strcpy((char *)shstr + nshstr, ".strtab");
			nshstr += 8;
		}
		shstroff = synth_put(&img, &n, shstr, nshstr);
		nsh = 1 + s->nsec + 1 + (s->nsym ? 2 : 0);
		shoff = synth_put(&img, &n, NULL, nsh * sizeof(Elf64_Shdr));
		for (i = 0; i < (size_t)s->nsec; i++) {
			const struct synth_sec *c = &s->sec[i];
			Elf64_Shdr sh = {
				.sh_name = shname[i],
				.sh_type = c->type,
				.sh_flags = c->flags,
				.sh_addr = c->addr,
				.sh_size = c->size,
				.sh_link = c->link,
				.sh_entsize = c->entsize,
				.sh_addralign = 1,
				.sh_offset = c->seg >= 0 ? s->seg[c->seg].offset + c->seg_off :
							   c->seg_off,
			};
			memcpy(img + shoff + (i + 1) * sizeof(sh), &sh, sizeof(sh));
		}
		{
			Elf64_Shdr sh = {.sh_name = shname[s->nsec],
					 .sh_type = SHT_STRTAB,
					 .sh_offset = shstroff,
					 .sh_size = nshstr};

			memcpy(img + shoff + (s->nsec + 1) * sizeof(sh), &sh, sizeof(sh));
		}
		if (s->nsym) {
			symidx = s->nsec + 2;
			Elf64_Shdr sy = {.sh_name = shname[s->nsec + 1],
					 .sh_type = SHT_SYMTAB,
					 .sh_offset = symoff,
					 .sh_size = (s->nsym + 1) * sizeof(Elf64_Sym),
					 .sh_link = symidx + 1,
					 .sh_entsize = sizeof(Elf64_Sym)};
			Elf64_Shdr st = {.sh_name = shname[s->nsec + 2],
					 .sh_type = SHT_STRTAB,
					 .sh_offset = stroff,
					 .sh_size = nstr};

			memcpy(img + shoff + symidx * sizeof(sy), &sy, sizeof(sy));
			memcpy(img + shoff + (symidx + 1) * sizeof(st), &st, sizeof(st));
		}
		eh.e_shoff = shoff;
		eh.e_shnum = nsh;
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shstrndx = s->nsec + 1;
	}
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = s->etype;
	eh.e_machine = s->machine;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = phoff;
	eh.e_phnum = s->nseg;
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_ehsize = sizeof(eh);
	memcpy(img, &eh, sizeof(eh));
	free(symtab);
	free(strtab);
	*len = n;
	return img;
}

/* Little-endian stores into a test buffer. */
static inline void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static inline void put_word(uint8_t *p, uint64_t v, unsigned int ptrsize)
{
	if (ptrsize == 8)
		put64(p, v);
	else
		put32(p, (uint32_t)v);
}

#endif /* GOTRACER_SYNTH_ELF_H */
