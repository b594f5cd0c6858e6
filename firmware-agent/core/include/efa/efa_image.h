/* SPDX-License-Identifier: MIT */
/*
 * Image checks the device makes on the first bytes of an upload, before it
 * writes anything it would later have to undo (docs/protocol.md 5.1, 5.2):
 * magic 0xE9 (or a gzip stream 1F 8B) and the flash-size field of the header
 * against the chip's real flash size. Filesystem images are not checked.
 * Also the signature trailer of a signed image and the version marker an
 * image may carry.
 */
#ifndef EFA_IMAGE_H
#define EFA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "efa_err.h"

#define EFA_IMAGE_MAGIC 0xE9u
#define EFA_IMAGE_HEADER_LEN 4u
/* The shortest images worth flashing: an application image's header is 8
 * bytes (the 4 checked here, then the entry point), a gzip stream at least
 * 18 (10-byte header, 8-byte trailer). Anything shorter would boot into
 * nothing: the agent refuses application images under EFA_IMAGE_MIN_LEN,
 * espfleet checks both before sending. */
#define EFA_IMAGE_MIN_LEN 8u
#define EFA_IMAGE_GZIP_MIN_LEN 18u
/* What the agent appends to "Bad Size Given" for such an image (which the
 * host then reports as an invalid image, not as a lack of space). */
#define EFA_IMAGE_TOO_SHORT_TEXT ": shorter than an image header"

/* Flash size in bytes encoded by the high nibble of header byte 3, for the
 * given chip; 0 for an unknown code. */
uint32_t efa_image_flash_size(enum efa_chip chip, uint8_t nibble);

/*
 * Check the first bytes of an application image: hdr holds min(4, image
 * size) bytes. ESP8266 accepts 0xE9 or gzip (1F 8B, inflated by its boot
 * loader); ESP32 only 0xE9. Returns EFA_E_OK, EFA_E_MAGIC, EFA_E_NO_DATA or
 * EFA_E_NEW_FLASH_CONFIG (header flash size larger than chip_flash_size;
 * chip_flash_size 0 skips that check).
 */
enum efa_err efa_image_check_header(enum efa_chip chip,
    const uint8_t *hdr, size_t len, uint32_t chip_flash_size);

/* 1 if the bytes start a gzip stream (1F 8B; the stock Updater's test:
 * whether it inflates is known only when it is inflated). */
int efa_image_is_gzip(const uint8_t *hdr, size_t len);

/*
 * Signed images (docs/protocol.md 5.3): the image, then its signature,
 * which is not part of what runs.
 *   ESP8266 (tools/signing.py): image || signature || signature length,
 *     32-bit little-endian; RSASSA-PKCS1-v1_5 over SHA-256 of the image.
 *   ESP32 (core 3.3 SignedOTA): image || signature zero-padded to 512
 *     bytes; RSA-PSS (salt as long as possible) or ECDSA P-256 (DER) over
 *     SHA-256 of the image.
 * Compressed images are signed after compressing: the image signed is the
 * gzip stream.
 */
enum efa_sig_format {
	EFA_SIG_ESP8266 = 0,
	EFA_SIG_ESP32 = 1
};
#define EFA_SIG_MAX_LEN 512u  /* RSA-4096; the ESP32 block */
#define EFA_SIG_TRAILER_LEN 4u

/*
 * Where the signature of a signed image of total bytes lies, from its last
 * EFA_SIG_TRAILER_LEN bytes (tail; the ESP32 format does not read them):
 * the first *image_len bytes are signed, the *sig_len bytes after them are
 * the signature (ESP32: the whole zero-padded block). EFA_E_OK, or
 * EFA_E_SIGN when no signature fits: a length of 0 or over
 * EFA_SIG_MAX_LEN, or no byte left to sign.
 */
enum efa_err efa_sig_trailer(enum efa_sig_format fmt, uint32_t total,
    const uint8_t tail[EFA_SIG_TRAILER_LEN], uint32_t *image_len,
    uint32_t *sig_len);

/*
 * The length of the DER SEQUENCE that starts sig[0..n) (an ECDSA
 * signature at the start of its zero-padded ESP32 block: short or
 * one-byte long form), or 0 when none fits.
 */
uint32_t efa_sig_der_len(const uint8_t *sig, uint32_t n);

/* An image declares its version with this marker followed by the version
 * text (espfleet-sim's images, efl-mkimage -V; espfleet serve answers a
 * version query with it). */
#define EFA_IMAGE_VERSION_MARKER "ESPFLEET-VERSION="
#define EFA_IMAGE_VERSION_SCAN 65536u  /* bytes searched for the marker */

/*
 * The version img[0..len) declares: the printable ASCII characters (no
 * spaces) after the first EFA_IMAGE_VERSION_MARKER within the first
 * EFA_IMAGE_VERSION_SCAN bytes, at most cap - 1 of them, NUL-terminated in
 * out (cap >= 1); "" when there is no marker. Returns the length.
 */
size_t efa_image_version(const uint8_t *img, uint32_t len, char *out,
    size_t cap);

#endif
