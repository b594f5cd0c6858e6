/* SPDX-License-Identifier: MIT */
/*
 * Image checks the device makes on the first bytes of an upload, before it
 * writes anything it would later have to undo (docs/protocol.md 5.1, 5.2):
 * magic 0xE9 (or a gzip stream 1F 8B) and the flash-size field of the header
 * against the chip's real flash size. Filesystem images are not checked.
 * Also the version marker an image may carry.
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

/* 1 if the bytes start a gzip stream (1F 8B). */
int efa_image_is_gzip(const uint8_t *hdr, size_t len);

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
