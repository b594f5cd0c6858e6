/* SPDX-License-Identifier: MIT */
/*
 * The agent's own hash primitives, so the core is self-contained on the chip:
 * MD5 (image check, legacy auth), SHA-256, HMAC-SHA256 and PBKDF2-HMAC-SHA256
 * (ESP32 >= 3.3.1 auth). Streaming contexts, no heap, no platform headers.
 */
#ifndef EFA_HASH_H
#define EFA_HASH_H

#include <stddef.h>
#include <stdint.h>

#define EFA_MD5_LEN 16
#define EFA_SHA256_LEN 32

/* The 64-byte block framing MD5 and SHA-256 share (efa_hash_block.c). */
struct efa_hash_buf {
	uint32_t count_lo, count_hi; /* bytes hashed so far */
	uint8_t block[64];
};

struct efa_md5 {
	uint32_t state[4];
	struct efa_hash_buf buf;
};

void efa_md5_init(struct efa_md5 *ctx);
void efa_md5_update(struct efa_md5 *ctx, const void *data, size_t len);
void efa_md5_final(struct efa_md5 *ctx, uint8_t out[EFA_MD5_LEN]);
void efa_md5(const void *data, size_t len, uint8_t out[EFA_MD5_LEN]);

struct efa_sha256 {
	uint32_t state[8];
	struct efa_hash_buf buf;
};

void efa_sha256_init(struct efa_sha256 *ctx);
void efa_sha256_update(struct efa_sha256 *ctx, const void *data, size_t len);
void efa_sha256_final(struct efa_sha256 *ctx, uint8_t out[EFA_SHA256_LEN]);
void efa_sha256(const void *data, size_t len, uint8_t out[EFA_SHA256_LEN]);

/* HMAC-SHA256 with the inner and outer states precomputed from the key. */
struct efa_hmac_sha256 {
	struct efa_sha256 inner, outer;
};

void efa_hmac_sha256_init(struct efa_hmac_sha256 *ctx, const void *key,
    size_t key_len);
void efa_hmac_sha256_update(struct efa_hmac_sha256 *ctx, const void *data,
    size_t len);
void efa_hmac_sha256_final(struct efa_hmac_sha256 *ctx,
    uint8_t out[EFA_SHA256_LEN]);

/* PBKDF2-HMAC-SHA256 (RFC 8018); out_len may be any length. */
void efa_pbkdf2_sha256(const void *password, size_t password_len,
    const void *salt, size_t salt_len, uint32_t iterations, uint8_t *out,
    size_t out_len);

#endif
