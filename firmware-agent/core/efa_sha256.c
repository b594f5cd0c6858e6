/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and PBKDF2-HMAC-SHA256
 * (RFC 8018) for the agent core: the ESP32 >= 3.3.1 espota challenge.
 * Streaming, no heap; block arithmetic uses masks and shifts only.
 */
#include <string.h>

#include "efa/efa_hash.h"
#include "efa_hash_block.h"

/* First 32 bits of the fractional parts of the cube roots of the first
 * 64 primes, FIPS 180-4 section 4.2.2. */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One 64-byte block (FIPS 180-4 section 6.2.2); the message schedule is
 * kept as a rolling window of 16 words. */
static void
sha256_block(uint32_t st[8], const uint8_t *p)
{
	uint32_t w[16], a = st[0], b = st[1], c = st[2], d = st[3];
	uint32_t e = st[4], f = st[5], g = st[6], h = st[7], t1, t2;
	unsigned i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(p + 4 * i);
	for (i = 0; i < 64; i++) {
		if (i >= 16) {
			t1 = w[(i - 2) & 15];
			t2 = w[(i - 15) & 15];
			w[i & 15] += (ROR(t1, 17) ^ ROR(t1, 19) ^ (t1 >> 10)) +
			    w[(i - 7) & 15] +
			    (ROR(t2, 7) ^ ROR(t2, 18) ^ (t2 >> 3));
		}
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		    (g ^ (e & (f ^ g))) + K[i] + w[i & 15];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		    ((a & b) | (c & (a | b)));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	st[0] += a;
	st[1] += b;
	st[2] += c;
	st[3] += d;
	st[4] += e;
	st[5] += f;
	st[6] += g;
	st[7] += h;
}

void
efa_sha256_init(struct efa_sha256 *ctx)
{
	/* Fractional parts of the square roots of the first 8 primes. */
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(ctx->state, iv, sizeof(iv));
	efa__hash_buf_init(&ctx->buf);
}

void
efa_sha256_update(struct efa_sha256 *ctx, const void *data, size_t len)
{
	efa__hash_update(ctx->state, &ctx->buf, data, len, sha256_block);
}

void
efa_sha256_final(struct efa_sha256 *ctx, uint8_t out[EFA_SHA256_LEN])
{
	unsigned i;

	efa__hash_pad(ctx->state, &ctx->buf, sha256_block, 1);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, ctx->state[i]);
	memset(ctx, 0, sizeof(*ctx));
}

void
efa_sha256(const void *data, size_t len, uint8_t out[EFA_SHA256_LEN])
{
	struct efa_sha256 ctx;

	efa_sha256_init(&ctx);
	efa_sha256_update(&ctx, data, len);
	efa_sha256_final(&ctx, out);
}

void
efa_hmac_sha256_init(struct efa_hmac_sha256 *ctx, const void *key,
    size_t key_len)
{
	uint8_t pad[64];
	unsigned i;

	memset(pad, 0, sizeof(pad));
	if (key_len > sizeof(pad))
		efa_sha256(key, key_len, pad);
	else
		memcpy(pad, key, key_len);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36;
	efa_sha256_init(&ctx->inner);
	efa_sha256_update(&ctx->inner, pad, sizeof(pad));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	efa_sha256_init(&ctx->outer);
	efa_sha256_update(&ctx->outer, pad, sizeof(pad));
	memset(pad, 0, sizeof(pad));
}

void
efa_hmac_sha256_update(struct efa_hmac_sha256 *ctx, const void *data,
    size_t len)
{
	efa_sha256_update(&ctx->inner, data, len);
}

void
efa_hmac_sha256_final(struct efa_hmac_sha256 *ctx,
    uint8_t out[EFA_SHA256_LEN])
{
	uint8_t ih[EFA_SHA256_LEN];

	efa_sha256_final(&ctx->inner, ih);
	efa_sha256_update(&ctx->outer, ih, sizeof(ih));
	efa_sha256_final(&ctx->outer, out);
	memset(ih, 0, sizeof(ih));
}

/*
 * T_i = U_1 ^ ... ^ U_c with U_1 = PRF(P, S || INT(i)), U_j = PRF(P, U_j-1).
 * The keyed HMAC state is built once and copied for every PRF call, so each
 * iteration costs two compressions. iterations 0 is treated as 1.
 */
void
efa_pbkdf2_sha256(const void *password, size_t password_len,
    const void *salt, size_t salt_len, uint32_t iterations, uint8_t *out,
    size_t out_len)
{
	struct efa_hmac_sha256 key, h;
	uint8_t u[EFA_SHA256_LEN], t[EFA_SHA256_LEN], be[4];
	uint32_t block = 0, j;
	size_t n, i;

	efa_hmac_sha256_init(&key, password, password_len);
	while (out_len > 0) {
		store_be32(be, ++block);
		h = key;
		efa_hmac_sha256_update(&h, salt, salt_len);
		efa_hmac_sha256_update(&h, be, sizeof(be));
		efa_hmac_sha256_final(&h, u);
		memcpy(t, u, sizeof(t));
		for (j = 1; j < iterations; j++) {
			h = key;
			efa_hmac_sha256_update(&h, u, sizeof(u));
			efa_hmac_sha256_final(&h, u);
			for (i = 0; i < sizeof(t); i++)
				t[i] ^= u[i];
		}
		n = out_len < sizeof(t) ? out_len : sizeof(t);
		memcpy(out, t, n);
		out += n;
		out_len -= n;
	}
	memset(&key, 0, sizeof(key));
	memset(u, 0, sizeof(u));
	memset(t, 0, sizeof(t));
}
