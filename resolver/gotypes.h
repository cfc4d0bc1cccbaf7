/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gotypes: struct layouts from the Go runtime's own type descriptors.
 *
 * A stripped Go binary (-ldflags='-s -w', every esbuild on npm) has no DWARF and
 * no symbols, but the runtime keeps a type descriptor for every type it allocates:
 * malg() does new(g), so runtime.g's struct descriptor, with each field's name,
 * type and offset, lies in the types region [moduledata.types, moduledata.etypes).
 * Reading it lets a binary of a Go version nobody has tabulated still resolve.
 *
 * The descriptor layout (runtime._type, abi.Type from go1.21) has been the same
 * from go1.14 to go1.27 on 64-bit targets; two details moved and are chosen from
 * go_minor: field names carry a 2-byte big-endian length before go1.17 and a
 * uvarint from go1.17, and a struct field's third word is offset<<1|embedded
 * before go1.19 and the plain offset from go1.19. With go_minor == 0 every
 * combination is tried and the one whose fields lay out validly is kept.
 *
 * Pointers inside the region of a PIE are filled by R_*_RELATIVE relocations (the
 * file holds 0 and the value is the addend); they are read through moduledata's
 * relocation index.
 */
#ifndef GOTRACER_GOTYPES_H
#define GOTRACER_GOTYPES_H

#include <stddef.h>
#include <stdint.h>

struct elfbuf;
struct gotypes_struct;

struct gotypes_field {
	char name[32];	 /* NUL-terminated; a longer name is cut and matches no lookup */
	uint64_t offset; /* byte offset in the struct */
	uint64_t size;	 /* size of the field's type */
	uint8_t kind;	 /* the field type's kind (abi.Kind: 2 Int, 10 Uint32, 25 Struct, ...) */
};

/*
 * Find the struct type called name ("runtime.g") in the types region
 * [types, etypes) of e (vaddrs, from moduledata). go_minor is the Go minor version
 * (19 for go1.19), or 0 when unknown. On success *out holds the layout; free it
 * with gotypes__delete(). Returns 0, -ERRORS__NO_TYPE when no descriptor of that
 * name validates, -ERRORS__FORMAT when two descriptors (or, with go_minor == 0,
 * two layouts of one) validate with different offsets, -ERRORS__TRUNCATED when
 * the region is not in the file, -EINVAL, -ENOMEM.
 */
int gotypes__find_struct(const struct elfbuf *e, uint64_t types, uint64_t etypes, int go_minor,
			 const char *name, struct gotypes_struct **out);
void gotypes__delete(struct gotypes_struct *s);

/* The field called name: 0, or -ERRORS__NO_FIELD. */
int gotypes__field(const struct gotypes_struct *s, const char *name, struct gotypes_field *f);

size_t gotypes__field_count(const struct gotypes_struct *s);
/* Fields in declaration order; NULL past the end. */
const struct gotypes_field *gotypes__field_at(const struct gotypes_struct *s, size_t idx);
/* The struct's size (abi.Type.Size_) and the vaddr of its descriptor. */
uint64_t gotypes__size(const struct gotypes_struct *s);
uint64_t gotypes__addr(const struct gotypes_struct *s);
/*
 * The oldest Go minor version of the layout that validated: 7, 9, 17 or 19. With
 * go_minor == 0 it is a lower bound on the version that built the binary.
 */
int gotypes__layout_min_minor(const struct gotypes_struct *s);

#endif /* GOTRACER_GOTYPES_H */
