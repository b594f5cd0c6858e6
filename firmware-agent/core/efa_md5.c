/* SPDX-License-Identifier: MIT */
/*
 * MD5 (RFC 1321) for the agent core: image checks and the legacy espota
 * challenge. Streaming, no heap; the byte count is kept in two 32-bit words
 * and all block arithmetic uses masks and shifts (no division on lx106).
 */
#include <string.h>

#include "efa/efa_hash.h"
#include "efa_hash_block.h"

/* K[i] = floor(2^32 * abs(sin(i + 1))), RFC 1321 section 3.4. */
static const uint32_t K[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* Left-rotation amounts, four per round. */
static const uint8_t R[16] = {
	7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21
};

static uint32_t
load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* One 64-byte block: the four rounds of RFC 1321 section 3.4 as one loop. */
static void
md5_block(uint32_t st[4], const uint8_t *p)
{
	uint32_t x[16], a = st[0], b = st[1], c = st[2], d = st[3], f;
	unsigned i, g;

	for (i = 0; i < 16; i++)
		x[i] = load_le32(p + 4 * i);
	/* On the chip the loop stays a loop (code size); builds for hosts
	 * that simulate many devices unroll it (45% faster). */
#ifdef EFA_HASH_UNROLL
	_Pragma("GCC unroll 64")
#endif
	for (i = 0; i < 64; i++) {
		switch (i >> 4) {
		case 0: /* F */
			f = d ^ (b & (c ^ d));
			g = i;
			break;
		case 1: /* G */
			f = c ^ (d & (b ^ c));
			g = (5 * i + 1) & 15;
			break;
		case 2: /* H */
			f = b ^ c ^ d;
			g = (3 * i + 5) & 15;
			break;
		default: /* I */
			f = c ^ (b | ~d);
			g = (7 * i) & 15;
			break;
		}
		f += a + K[i] + x[g];
		a = d;
		d = c;
		c = b;
		g = R[((i >> 2) & 12) | (i & 3)];
		b += (f << g) | (f >> (32 - g));
	}
	st[0] += a;
	st[1] += b;
	st[2] += c;
	st[3] += d;
}

void
efa_md5_init(struct efa_md5 *ctx)
{
	ctx->state[0] = 0x67452301;
	ctx->state[1] = 0xefcdab89;
	ctx->state[2] = 0x98badcfe;
	ctx->state[3] = 0x10325476;
	efa__hash_buf_init(&ctx->buf);
}

void
efa_md5_update(struct efa_md5 *ctx, const void *data, size_t len)
{
	efa__hash_update(ctx->state, &ctx->buf, data, len, md5_block);
}

void
efa_md5_final(struct efa_md5 *ctx, uint8_t out[EFA_MD5_LEN])
{
	unsigned i;

	efa__hash_pad(ctx->state, &ctx->buf, md5_block, 0);
	for (i = 0; i < 4; i++)
		store_le32(out + 4 * i, ctx->state[i]);
	memset(ctx, 0, sizeof(*ctx));
}

void
efa_md5(const void *data, size_t len, uint8_t out[EFA_MD5_LEN])
{
	struct efa_md5 ctx;

	efa_md5_init(&ctx);
	efa_md5_update(&ctx, data, len);
	efa_md5_final(&ctx, out);
}
