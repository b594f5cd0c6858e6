/*
 * Image checks the device makes on the first bytes of an upload, before it
 * writes anything it would later have to undo (protocol.md 5.1/5.2):
 * magic 0xE9 (or a gzip stream 1F 8B) and the flash-size field of the header
 * against the chip's real flash size. Filesystem images are not checked.
 */
#ifndef EFA_IMAGE_H
#define EFA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "efa_err.h"

#define EFA_IMAGE_MAGIC 0xE9u
#define EFA_IMAGE_HEADER_LEN 4u

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

#endif
