/* SPDX-License-Identifier: MIT */
/*
 * The agent's signature verifier over mbedTLS (2.28 and 3.x: Debian's and
 * ESP-IDF 5's), behind efa_stage_ops.verify (efa_stage.h): the core
 * hashes the staged image and parses its trailer, this checks the
 * signature of the digest with the device's public key, in the formats of
 * efa_image.h:
 *   ESP8266  RSASSA-PKCS1-v1_5, exactly the key's length (RSA 2048-4096);
 *   ESP32    RSA-PSS, MGF1-SHA-256, the longest salt, in the first
 *            key-length bytes of the 512-byte block (RSA 2048, 3072,
 *            4096), or a DER ECDSA P-256 signature at its start.
 * The same rules as espfleet's OpenSSL code (src/fleet/signing.c), which
 * signs and which espfleet-sim verifies with.
 */
#ifndef EFA_VERIFY_MBEDTLS_H
#define EFA_VERIFY_MBEDTLS_H

#include <stddef.h>
#include <stdint.h>

#include "mbedtls/pk.h"

#include "efa/efa_hash.h"
#include "efa/efa_image.h"
#include "efa/efa_stage.h"

struct efa_verify_mbedtls {
	mbedtls_pk_context pk;
	enum efa_sig_format fmt;
};

/*
 * Load the public key for format fmt: a SubjectPublicKeyInfo in PEM (as
 * `openssl pkey -pubout` writes; key_len counts its terminating NUL, as
 * mbedTLS wants) or DER. 0, or -1 when it is no public key or one the
 * format does not take (then nothing is left to free).
 */
int efa_verify_mbedtls_init(struct efa_verify_mbedtls *v,
    enum efa_sig_format fmt, const uint8_t *key, size_t key_len);

void efa_verify_mbedtls_free(struct efa_verify_mbedtls *v);

/*
 * efa_stage_ops.verify (ctx = struct efa_verify_mbedtls *): EFA_E_OK if
 * sig[0..sig_len) is the key's signature of the SHA-256 digest in the
 * key's format, else EFA_E_SIGN.
 */
enum efa_err efa_verify_mbedtls(void *ctx,
    const uint8_t digest[EFA_SHA256_LEN], const uint8_t *sig,
    uint32_t sig_len);

/* Set ops->verify, ->sig_format and ->ctx for v (inflate untouched). */
void efa_verify_mbedtls_ops(struct efa_verify_mbedtls *v,
    struct efa_stage_ops *ops);

#endif
