/* SPDX-License-Identifier: MIT */
/*
 * espota challenge authentication (docs/protocol.md 3), both schemes, in
 * one place for the agent and the host:
 *   md5    (ESP8266, ESP32 <= 3.3.0): 32-hex nonce,
 *          response = MD5(pw_key ":" nonce ":" cnonce), pw_key = MD5(password)
 *   sha256 (ESP32 >= 3.3.1):          64-hex nonce,
 *          dk = PBKDF2-HMAC-SHA256(pw_key, nonce ":" cnonce, 10000, 32),
 *          response = SHA256(hex(dk) ":" nonce ":" cnonce),
 *          pw_key = SHA256(password), or MD5(password) for stored MD5 hashes.
 * The hash primitives come from a provider so the host can use OpenSSL and
 * the chip the core's own code; the formulas exist only here.
 */
#ifndef EFA_AUTH_H
#define EFA_AUTH_H

#include <stddef.h>
#include <stdint.h>

enum efa_auth_scheme {
	EFA_AUTH_NONE = 0,
	EFA_AUTH_MD5 = 1,    /* legacy digest, 32-hex nonce */
	EFA_AUTH_SHA256 = 2  /* PBKDF2-HMAC-SHA256, 64-hex nonce */
};

struct efa_crypto {
	void (*md5)(const void *data, size_t len, uint8_t out[16]);
	void (*sha256)(const void *data, size_t len, uint8_t out[32]);
	void (*pbkdf2_sha256)(const void *pw, size_t pw_len, const void *salt,
	    size_t salt_len, uint32_t iterations, uint8_t *out, size_t out_len);
};

/* The core's own primitives (efa_hash.h). */
extern const struct efa_crypto efa_crypto_builtin;

/* Nonce length in hex characters of a scheme (32, 64, or 0 for NONE). */
size_t efa_auth_nonce_len(enum efa_auth_scheme scheme);

/* Scheme implied by a nonce of nonce_len hex characters, or NONE. */
enum efa_auth_scheme efa_auth_scheme_for_nonce(size_t nonce_len);

/* pw_key of a password: lowercase hex MD5 (33 bytes incl. NUL) or SHA-256
 * (65 bytes). hash_len selects which: 32 or 64. */
void efa_auth_pw_key(const struct efa_crypto *c, const char *password,
    size_t password_len, size_t hash_len, char *out);

/*
 * Compute the response for scheme with pw_key (hex, 32 or 64 chars), nonce
 * and cnonce (each efa_auth_nonce_len(scheme) hex chars). out receives the
 * lowercase hex response and a NUL (33 or 65 bytes). Returns 0, or -1 if a
 * length does not fit the scheme.
 */
int efa_auth_response(const struct efa_crypto *c,
    enum efa_auth_scheme scheme, const char *pw_key, size_t pw_key_len,
    const char *nonce, size_t nonce_len, const char *cnonce,
    size_t cnonce_len, char *out);

#endif
