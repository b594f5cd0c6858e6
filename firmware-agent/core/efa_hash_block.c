/* SPDX-License-Identifier: MIT */
/*
 * The block framing shared by MD5 and SHA-256 (see efa_hash_block.h). The
 * byte count is kept in two 32-bit words and block positions come from
 * masks, so nothing here divides (lx106 has no division helpers).
 */
#include <string.h>

#include "efa_hash_block.h"

void
efa__hash_buf_init(struct efa_hash_buf *b)
{
	b->count_lo = 0;
	b->count_hi = 0;
}

void
efa__hash_update(uint32_t *state, struct efa_hash_buf *b, const void *data,
    size_t len, efa__compress_fn compress)
{
	const uint8_t *p = data;
	size_t used = b->count_lo & 63, n;
	uint32_t lo = b->count_lo;

	/* (len >> 16) >> 16: the high word of a 64-bit size_t, 0 if 32-bit. */
	b->count_lo = lo + (uint32_t)len;
	b->count_hi += (uint32_t)((len >> 16) >> 16) + (b->count_lo < lo);
	if (used > 0) {
		n = 64 - used;
		if (len < n) {
			memcpy(b->block + used, p, len);
			return;
		}
		memcpy(b->block + used, p, n);
		compress(state, b->block);
		p += n;
		len -= n;
	}
	for (; len >= 64; p += 64, len -= 64)
		compress(state, p);
	memcpy(b->block, p, len);
}

static void
put32(uint8_t *p, uint32_t v, int big_endian)
{
	unsigned i;

	for (i = 0; i < 4; i++)
		p[big_endian ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

void
efa__hash_pad(uint32_t *state, struct efa_hash_buf *b,
    efa__compress_fn compress, int big_endian)
{
	size_t used = b->count_lo & 63;
	uint32_t bits_lo = b->count_lo << 3;
	uint32_t bits_hi = (b->count_hi << 3) | (b->count_lo >> 29);

	/* 0x80, zeros up to 56 mod 64, then the bit count */
	b->block[used++] = 0x80;
	if (used > 56) {
		memset(b->block + used, 0, 64 - used);
		compress(state, b->block);
		used = 0;
	}
	memset(b->block + used, 0, 56 - used);
	put32(b->block + 56, big_endian ? bits_hi : bits_lo, big_endian);
	put32(b->block + 60, big_endian ? bits_lo : bits_hi, big_endian);
	compress(state, b->block);
}
