/* SPDX-License-Identifier: MIT */
/*
 * Signed images with OpenSSL, in the formats of the chips' cores
 * (efa_image.h, docs/protocol.md 5.3): signing (espfleet sign), checking
 * an image before it is sent (push --verify-signature), and the
 * verification espfleet-sim makes as a device with --signing-key. The
 * trailer itself is parsed by the agent core's efa_sig_trailer, the same
 * code a device runs.
 */
#ifndef ESPFLEET_SIGNING_H
#define ESPFLEET_SIGNING_H

#include <stdint.h>

#include "efa/efa_hash.h"
#include "efa/efa_image.h"
#include "error.h"

struct efl_sig_key;

/*
 * Load a PEM key from path: a private key (is_private, for signing; its
 * public half verifies too) or a public key (SubjectPublicKeyInfo, as
 * `openssl pkey -pubout` writes). RSA (2048 to 4096 bits) or, for the
 * ESP32 format, ECDSA P-256. NULL with eb on failure.
 */
struct efl_sig_key *efl_sig_key_load(const char *path, int is_private,
    struct efl_errbuf *eb);
void efl_sig_key_free(struct efl_sig_key *k);

/* "RSA-2048", "ECDSA P-256": for messages. */
const char *efl_sig_key_describe(const struct efl_sig_key *k, char *buf,
    size_t cap);

/*
 * 0 if key is usable for fmt (ESP8266: RSA only, as tools/signing.py;
 * ESP32: RSA 2048/3072/4096 or ECDSA P-256), else -1 with eb.
 */
int efl_sig_key_fits(const struct efl_sig_key *k, enum efa_sig_format fmt,
    struct efl_errbuf *eb);

/*
 * 1 if sig[0..sig_len) is k's signature of the SHA-256 digest in format
 * fmt: ESP8266 RSASSA-PKCS1-v1_5, exactly the key's length; ESP32 RSA-PSS
 * with MGF1-SHA-256 and the longest salt (the first key-length bytes of
 * the zero-padded block) or ECDSA (the DER signature at the start of the
 * block). 0 otherwise.
 */
int efl_sig_verify_digest(const struct efl_sig_key *k,
    enum efa_sig_format fmt, const uint8_t digest[EFA_SHA256_LEN],
    const uint8_t *sig, uint32_t sig_len);

/*
 * Check the signed image data[0..size) as a device does: trailer, SHA-256
 * of the signed part, signature. 0 with *image_len the signed part's
 * length; -1 with eb saying why (no signature, not the key's).
 */
int efl_sig_verify_image(const struct efl_sig_key *k,
    enum efa_sig_format fmt, const uint8_t *data, uint32_t size,
    uint32_t *image_len, struct efl_errbuf *eb);

/*
 * Whether data[0..size) looks signed in the ESP8266 format without a key
 * to check it: a trailer of 256 to 512 (RSA-2048 to 4096) and an image
 * before the signature (0xE9 or gzip). 0 with *image_len, or -1.
 */
int efl_sig_guess_esp8266(const uint8_t *data, uint32_t size,
    uint32_t *image_len);

/*
 * Sign data[0..size) with the private key k in format fmt: a new buffer
 * (*out, malloc'd, *out_len bytes) holding the image and its trailer.
 * 0, or -1 with eb.
 */
int efl_sig_sign(const struct efl_sig_key *k, enum efa_sig_format fmt,
    const uint8_t *data, uint32_t size, uint8_t **out, uint32_t *out_len,
    struct efl_errbuf *eb);

#endif
