/* SPDX-License-Identifier: MIT */
/*
 * Header checks of application images (see efa_image.h). Numbers from
 * docs/protocol.md 5.1 (ESP8266: esptool's flash-size codes) and the ESP-IDF
 * image header (ESP32: 0 = 1 MB ... 4 = 16 MB); the version marker, read by the
 * simulated devices and by espfleet serve alike.
 */
#include <string.h>

#include "efa/efa_image.h"

uint32_t
efa_image_flash_size(enum efa_chip chip, uint8_t nibble)
{
	/* log2 of the size for each code, 0 for an unknown code; the ESP32
	 * codes 0 .. 7 are 1 MB << code */
	static const uint8_t esp8266_log2[10] = {
		19, 18, 20, 21, 22, 0, 0, 0, 23, 24
	};
	uint8_t log2;

	nibble &= 0x0f;
	if (chip == EFA_CHIP_ESP32)
		log2 = nibble < 8 ? (uint8_t)(20 + nibble) : 0;
	else
		log2 = nibble < 10 ? esp8266_log2[nibble] : 0;
	return log2 != 0 ? 1u << log2 : 0;
}

int
efa_image_is_gzip(const uint8_t *hdr, size_t len)
{
	return len >= 2 && hdr[0] == 0x1f && hdr[1] == 0x8b;
}

enum efa_err
efa_sig_trailer(enum efa_sig_format fmt, uint32_t total,
    const uint8_t tail[EFA_SIG_TRAILER_LEN], uint32_t *image_len,
    uint32_t *sig_len)
{
	uint32_t n = EFA_SIG_MAX_LEN, after = EFA_SIG_MAX_LEN;

	if (fmt == EFA_SIG_ESP8266) {
		n = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 |
		    (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
		after = n + EFA_SIG_TRAILER_LEN;
	}
	/* (after cannot wrap: n is checked first) */
	if (n == 0 || n > EFA_SIG_MAX_LEN || total <= after)
		return EFA_E_SIGN;
	*image_len = total - after;
	*sig_len = n;
	return EFA_E_OK;
}

uint32_t
efa_sig_der_len(const uint8_t *sig, uint32_t n)
{
	uint32_t len;

	if (n < 2 || sig[0] != 0x30)
		return 0;
	if (sig[1] < 0x80)
		len = 2u + sig[1];
	else if (sig[1] == 0x81 && n >= 3)
		len = 3u + sig[2];
	else
		return 0;
	return len <= n ? len : 0;
}

enum efa_err
efa_image_check_header(enum efa_chip chip, const uint8_t *hdr, size_t len,
    uint32_t chip_flash_size)
{
	uint32_t bin_size;

	if (len == 0)
		return EFA_E_NO_DATA;
	if (chip == EFA_CHIP_ESP8266 && efa_image_is_gzip(hdr, len))
		return EFA_E_OK; /* eboot inflates it; no further checks */
	if (hdr[0] != EFA_IMAGE_MAGIC)
		return EFA_E_MAGIC;
	if (len < EFA_IMAGE_HEADER_LEN)
		return EFA_E_OK; /* too short to carry a flash-size field */
	bin_size = efa_image_flash_size(chip, (uint8_t)(hdr[3] >> 4));
	if (chip_flash_size != 0 && bin_size > chip_flash_size)
		return EFA_E_NEW_FLASH_CONFIG;
	return EFA_E_OK;
}

size_t
efa_image_version(const uint8_t *img, uint32_t len, char *out, size_t cap)
{
	const uint32_t mlen = sizeof(EFA_IMAGE_VERSION_MARKER) - 1;
	uint32_t scan = len < EFA_IMAGE_VERSION_SCAN ? len :
	    EFA_IMAGE_VERSION_SCAN, i;
	size_t n = 0;

	for (i = 0; i + mlen < scan; i++) {
		if (memcmp(img + i, EFA_IMAGE_VERSION_MARKER, mlen) != 0)
			continue;
		i += mlen;
		while (i + n < scan && n + 1 < cap && img[i + n] > 0x20 &&
		    img[i + n] < 0x7f)
			n++;
		memcpy(out, img + i, n);
		break;
	}
	out[n] = '\0';
	return n;
}
