/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rd: overflow-safe reads from an untrusted byte buffer.
 *
 * Every parser in the resolver reads through these helpers so that a truncated or
 * hostile binary can only make a read fail, never run past the buffer. All
 * integers in the formats we parse (ELF, pclntab, buildinfo, type descriptors)
 * are read with an explicit byte order, never by casting a pointer.
 */
#ifndef GOTRACER_RD_H
#define GOTRACER_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* True when [off, off + n) lies inside a buffer of len bytes, without overflow. */
static inline bool rd__in(size_t len, uint64_t off, uint64_t n)
{
	return off <= len && n <= len - off;
}

static inline int rd__u8(const uint8_t *b, size_t len, uint64_t off, uint8_t *v)
{
	if (!rd__in(len, off, 1))
		return -1;
	*v = b[off];
	return 0;
}

static inline uint16_t rd__le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rd__le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd__le64(const uint8_t *p)
{
	return (uint64_t)rd__le32(p) | (uint64_t)rd__le32(p + 4) << 32;
}

static inline uint32_t rd__be32(const uint8_t *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

static inline uint64_t rd__be64(const uint8_t *p)
{
	return (uint64_t)rd__be32(p + 4) | (uint64_t)rd__be32(p) << 32;
}

/* Read an unsigned integer of width 1, 2, 4 or 8 bytes in the given byte order. */
static inline int rd__uint(const uint8_t *b, size_t len, uint64_t off, unsigned int width,
			   bool big_endian, uint64_t *v)
{
	if (!rd__in(len, off, width))
		return -1;
	b += off;
	switch (width) {
	case 1:
		*v = b[0];
		return 0;
	case 2:
		*v = big_endian ? (uint16_t)(b[0] << 8 | b[1]) : rd__le16(b);
		return 0;
	case 4:
		*v = big_endian ? rd__be32(b) : rd__le32(b);
		return 0;
	case 8:
		*v = big_endian ? rd__be64(b) : rd__le64(b);
		return 0;
	}
	return -1;
}

static inline int rd__u32le(const uint8_t *b, size_t len, uint64_t off, uint32_t *v)
{
	if (!rd__in(len, off, 4))
		return -1;
	*v = rd__le32(b + off);
	return 0;
}

static inline int rd__u64le(const uint8_t *b, size_t len, uint64_t off, uint64_t *v)
{
	if (!rd__in(len, off, 8))
		return -1;
	*v = rd__le64(b + off);
	return 0;
}

/*
 * Go's unsigned LEB128 varint (encoding/binary.Uvarint): at most 10 bytes.
 * Returns the number of bytes consumed, or 0 when truncated or overlong.
 */
static inline size_t rd__uvarint(const uint8_t *b, size_t len, uint64_t off, uint64_t *v)
{
	uint64_t x = 0;
	unsigned int shift = 0;
	size_t i;

	for (i = 0; i < 10; i++) {
		if (!rd__in(len, off + i, 1))
			return 0;
		uint8_t c = b[off + i];
		if (c < 0x80) {
			if (i == 9 && c > 1)
				return 0;
			*v = x | (uint64_t)c << shift;
			return i + 1;
		}
		x |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	}
	return 0;
}

/* Checked a + b for offsets computed from untrusted fields. */
static inline int rd__add(uint64_t a, uint64_t b, uint64_t *sum)
{
	if (a > UINT64_MAX - b)
		return -1;
	*sum = a + b;
	return 0;
}

#endif /* GOTRACER_RD_H */
