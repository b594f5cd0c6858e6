/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the first-bytes image checks (efa_image.h, docs/protocol.md
 * 5.1/5.2): magic 0xE9, gzip (1F 8B) on ESP8266 only, the flash-size nibble
 * of header byte 3 against the chip's real flash size, and short images.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "efa/efa_image.h"

#define KB(n) ((uint32_t)(n) << 10)
#define MB(n) ((uint32_t)(n) << 20)

/* An application header: magic, segment count, flash mode, size|freq. */
static void
hdr_make(uint8_t hdr[4], uint8_t size_nibble, uint8_t freq_nibble)
{
	hdr[0] = EFA_IMAGE_MAGIC;
	hdr[1] = 0x03;
	hdr[2] = 0x02; /* DIO */
	hdr[3] = (uint8_t)((size_nibble << 4) | (freq_nibble & 0x0f));
}

/* --------------------------------------------------- flash size tables */

static void
test_flash_size_esp8266(void **state)
{
	/* docs/protocol.md 5.1: 0=512K 1=256K 2=1M 3=2M 4=4M 8=8M 9=16M */
	static const uint32_t want[16] = {
		KB(512), KB(256), MB(1), MB(2), MB(4), 0, 0, 0,
		MB(8), MB(16), 0, 0, 0, 0, 0, 0
	};
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++) {
		assert_int_equal(efa_image_flash_size(EFA_CHIP_ESP8266,
		    (uint8_t)i), want[i]);
		/* only the low nibble of the argument counts */
		assert_int_equal(efa_image_flash_size(EFA_CHIP_ESP8266,
		    (uint8_t)(0xa0 | i)), want[i]);
	}
}

static void
test_flash_size_esp32(void **state)
{
	/* ESP-IDF esp_image_flash_size_t: 0->1M ... 7->128M */
	static const uint32_t want[16] = {
		MB(1), MB(2), MB(4), MB(8), MB(16), MB(32), MB(64), MB(128),
		0, 0, 0, 0, 0, 0, 0, 0
	};
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++) {
		assert_int_equal(efa_image_flash_size(EFA_CHIP_ESP32,
		    (uint8_t)i), want[i]);
		assert_int_equal(efa_image_flash_size(EFA_CHIP_ESP32,
		    (uint8_t)(0xf0 | i)), want[i]);
	}
}

/* ------------------------------------------------------------ magic */

static void
test_magic_e9_accepted(void **state)
{
	uint8_t hdr[4];

	(void)state;
	hdr_make(hdr, 0, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    MB(4)), EFA_E_OK);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4,
	    MB(4)), EFA_E_OK);
}

static void
test_magic_wrong_first_byte(void **state)
{
	static const uint8_t firsts[] = { 0x00, 0xe8, 0xea, 0xff, 0x69, 0x8b,
	    0x1e, 0x9e };
	uint8_t hdr[4];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(firsts); i++) {
		hdr_make(hdr, 0, 0);
		hdr[0] = firsts[i];
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr,
		    4, MB(4)), EFA_E_MAGIC);
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr,
		    4, MB(4)), EFA_E_MAGIC);
		/* and with only one byte available */
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr,
		    1, MB(4)), EFA_E_MAGIC);
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr,
		    1, MB(4)), EFA_E_MAGIC);
	}
}

static void
test_magic_checked_before_size(void **state)
{
	/* a bad magic wins even if the size field would also be wrong */
	uint8_t hdr[4];

	(void)state;
	hdr_make(hdr, 9, 0);
	hdr[0] = 0x00;
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    MB(1)), EFA_E_MAGIC);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4,
	    MB(1)), EFA_E_MAGIC);
}

/* ------------------------------------------------------------- gzip */

static void
test_gzip_esp8266_accepted(void **state)
{
	static const uint8_t gz[4] = { 0x1f, 0x8b, 0x08, 0x00 };
	/* a byte 3 that would be an oversized flash field if it were read */
	static const uint8_t gz_f0[4] = { 0x1f, 0x8b, 0x08, 0xf0 };

	(void)state;
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, gz, 4,
	    KB(512)), EFA_E_OK);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, gz_f0, 4,
	    KB(256)), EFA_E_OK);
	/* a 2- or 3-byte image that is just the gzip magic */
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, gz, 2,
	    MB(1)), EFA_E_OK);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, gz, 3,
	    MB(1)), EFA_E_OK);
}

static void
test_gzip_esp32_rejected(void **state)
{
	static const uint8_t gz[4] = { 0x1f, 0x8b, 0x08, 0x00 };

	(void)state;
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, gz, 4, MB(4)),
	    EFA_E_MAGIC);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, gz, 2, MB(4)),
	    EFA_E_MAGIC);
}

static void
test_gzip_incomplete_magic(void **state)
{
	static const uint8_t not8b[][4] = {
		{ 0x1f, 0x00, 0x08, 0x00 },
		{ 0x1f, 0x8a, 0x08, 0x00 },
		{ 0x1f, 0x8c, 0x08, 0x00 },
		{ 0x1f, 0xe9, 0x08, 0x00 },
		{ 0x1f, 0x1f, 0x8b, 0x00 },
		{ 0x8b, 0x1f, 0x08, 0x00 },
	};
	static const uint8_t lone[1] = { 0x1f };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(not8b) / sizeof(not8b[0]); i++) {
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266,
		    not8b[i], 4, MB(4)), EFA_E_MAGIC);
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32,
		    not8b[i], 4, MB(4)), EFA_E_MAGIC);
	}
	/* a one-byte image 1F: no 8B can follow */
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, lone, 1,
	    MB(4)), EFA_E_MAGIC);
}

static void
test_is_gzip(void **state)
{
	static const uint8_t gz[2] = { 0x1f, 0x8b };
	static const uint8_t e9[2] = { 0xe9, 0x8b };
	static const uint8_t half[2] = { 0x1f, 0x00 };

	(void)state;
	assert_int_equal(efa_image_is_gzip(gz, 2), 1);
	assert_int_equal(efa_image_is_gzip(gz, 1), 0);
	assert_int_equal(efa_image_is_gzip(gz, 0), 0);
	assert_int_equal(efa_image_is_gzip(e9, 2), 0);
	assert_int_equal(efa_image_is_gzip(half, 2), 0);
}

/* The DER length of an ECDSA signature in its zero-padded block. */
static void
test_sig_der_len(void **state)
{
	static uint8_t blk[300];

	(void)state;
	memset(blk, 0, sizeof(blk));
	blk[0] = 0x30;
	blk[1] = 70;      /* a P-256 signature: short form */
	assert_int_equal(efa_sig_der_len(blk, sizeof(blk)), 72);
	assert_int_equal(efa_sig_der_len(blk, 72), 72);
	assert_int_equal(efa_sig_der_len(blk, 71), 0);   /* cut */
	assert_int_equal(efa_sig_der_len(blk, 1), 0);
	assert_int_equal(efa_sig_der_len(blk, 0), 0);
	blk[1] = 0x81;    /* one-byte long form */
	blk[2] = 200;
	assert_int_equal(efa_sig_der_len(blk, 300), 203);
	assert_int_equal(efa_sig_der_len(blk, 202), 0);
	assert_int_equal(efa_sig_der_len(blk, 2), 0);
	blk[1] = 0x82;    /* longer forms: not a P-256 signature */
	assert_int_equal(efa_sig_der_len(blk, 300), 0);
	blk[1] = 0x80;
	assert_int_equal(efa_sig_der_len(blk, 300), 0);
	blk[0] = 0x31;    /* not a SEQUENCE; nothing (all zero) */
	blk[1] = 4;
	assert_int_equal(efa_sig_der_len(blk, 300), 0);
	memset(blk, 0, sizeof(blk));
	assert_int_equal(efa_sig_der_len(blk, 300), 0);
}

/* ------------------------------------------------------- flash size */

static void
test_size_esp8266_vs_chip(void **state)
{
	static const uint32_t chips[] = { KB(512), MB(1), MB(2), MB(4),
	    MB(8), MB(16) };
	uint8_t hdr[4];
	unsigned c, nib;

	(void)state;
	for (c = 0; c < sizeof(chips) / sizeof(chips[0]); c++) {
		for (nib = 0; nib < 16; nib++) {
			uint32_t img = efa_image_flash_size(EFA_CHIP_ESP8266,
			    (uint8_t)nib);
			enum efa_err want = img > chips[c] ?
			    EFA_E_NEW_FLASH_CONFIG : EFA_E_OK;

			hdr_make(hdr, (uint8_t)nib, 0);
			assert_int_equal(efa_image_check_header(
			    EFA_CHIP_ESP8266, hdr, 4, chips[c]), want);
		}
	}
	/* spot checks spelled out: a 4 MB build on a 1 MB chip */
	hdr_make(hdr, 4, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    MB(1)), EFA_E_NEW_FLASH_CONFIG);
	/* 16 MB build (9) on an 8 MB chip, and on a 16 MB chip */
	hdr_make(hdr, 9, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    MB(8)), EFA_E_NEW_FLASH_CONFIG);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    MB(16)), EFA_E_OK);
	/* code 1 (256 KB) is smaller than code 0 (512 KB) */
	hdr_make(hdr, 1, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    KB(256)), EFA_E_OK);
	hdr_make(hdr, 0, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    KB(256)), EFA_E_NEW_FLASH_CONFIG);
	/* unknown codes read as size 0, which every chip satisfies (as the
	 * stock Updater does) */
	hdr_make(hdr, 5, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    KB(256)), EFA_E_OK);
	hdr_make(hdr, 0xf, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    KB(256)), EFA_E_OK);
}

static void
test_size_esp32_vs_chip(void **state)
{
	uint8_t hdr[4];
	unsigned nib;

	(void)state;
	for (nib = 0; nib < 16; nib++) {
		hdr_make(hdr, (uint8_t)nib, 0);
		/* 4 MB chip: codes 0..2 fit, 3..7 are too big, 8+ unknown */
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4,
		    MB(4)), (nib >= 3 && nib <= 7) ?
		    EFA_E_NEW_FLASH_CONFIG : EFA_E_OK);
		/* 128 MB chip: everything fits */
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4,
		    MB(128)), EFA_E_OK);
	}
	/* the ESP32 table differs from the ESP8266 one: code 0 is 1 MB */
	hdr_make(hdr, 0, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4,
	    KB(512)), EFA_E_NEW_FLASH_CONFIG);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    KB(512)), EFA_E_OK);
	/* code 4 is 16 MB on ESP32, 4 MB on ESP8266 */
	hdr_make(hdr, 4, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4,
	    MB(8)), EFA_E_NEW_FLASH_CONFIG);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    MB(8)), EFA_E_OK);
}

static void
test_size_exact_boundary(void **state)
{
	uint8_t hdr[4];

	(void)state;
	hdr_make(hdr, 2, 0); /* 1 MB on ESP8266, 4 MB on ESP32 */
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    MB(1)), EFA_E_OK);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    MB(1) - 1), EFA_E_NEW_FLASH_CONFIG);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4,
	    MB(4)), EFA_E_OK);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4,
	    MB(4) - 1), EFA_E_NEW_FLASH_CONFIG);
}

static void
test_size_low_nibble_ignored(void **state)
{
	/* the low nibble is the flash frequency (0, 1, 2, F) */
	static const uint8_t freqs[] = { 0x0, 0x1, 0x2, 0xf };
	uint8_t hdr[4];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(freqs); i++) {
		hdr_make(hdr, 2, freqs[i]);
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr,
		    4, MB(1)), EFA_E_OK);
		hdr_make(hdr, 3, freqs[i]);
		assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr,
		    4, MB(1)), EFA_E_NEW_FLASH_CONFIG);
	}
}

static void
test_size_check_disabled(void **state)
{
	uint8_t hdr[4];

	(void)state;
	/* chip_flash_size 0: no size check, magic still checked */
	hdr_make(hdr, 9, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4, 0),
	    EFA_E_OK);
	hdr_make(hdr, 7, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4, 0),
	    EFA_E_OK);
	hdr[0] = 0x00;
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4, 0),
	    EFA_E_MAGIC);
}

/* ------------------------------------------------------- short images */

static void
test_short_images(void **state)
{
	uint8_t hdr[4];

	(void)state;
	hdr_make(hdr, 0, 0);
	/* no bytes at all */
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 0,
	    MB(1)), EFA_E_NO_DATA);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 0,
	    MB(1)), EFA_E_NO_DATA);
	/* 1..3 bytes starting with E9: magic fine, no size field to check
	 * (byte 3 would say 16 MB here) */
	hdr_make(hdr, 9, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 1,
	    KB(256)), EFA_E_OK);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 2,
	    KB(256)), EFA_E_OK);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 3,
	    KB(256)), EFA_E_OK);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 4,
	    KB(256)), EFA_E_NEW_FLASH_CONFIG);
	hdr_make(hdr, 7, 0);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 3,
	    MB(1)), EFA_E_OK);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 4,
	    MB(1)), EFA_E_NEW_FLASH_CONFIG);
	/* short and wrong */
	hdr[0] = 0x42;
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP8266, hdr, 3,
	    MB(1)), EFA_E_MAGIC);
	assert_int_equal(efa_image_check_header(EFA_CHIP_ESP32, hdr, 2,
	    MB(1)), EFA_E_MAGIC);
}

/* The version marker (efa_image_version): printable text after the first
 * marker, bounded by cap, by the end of the image and by the scan window. */
static void
test_version(void **state)
{
	static uint8_t img[EFA_IMAGE_VERSION_SCAN + 64];
	const size_t mlen = sizeof(EFA_IMAGE_VERSION_MARKER) - 1;
	char v[16];

	(void)state;
	memset(img, 0xE9, sizeof(img));
	assert_int_equal(efa_image_version(img, 64, v, sizeof(v)), 0);
	assert_string_equal(v, "");

	memcpy(img + 8, EFA_IMAGE_VERSION_MARKER "1.2.3", mlen + 5);
	img[8 + mlen + 5] = '\0';
	assert_int_equal(efa_image_version(img, 64, v, sizeof(v)), 5);
	assert_string_equal(v, "1.2.3");
	/* a space or a control byte ends it, as does the end of the image */
	img[8 + mlen + 3] = ' ';
	assert_int_equal(efa_image_version(img, 64, v, sizeof(v)), 3);
	assert_string_equal(v, "1.2");
	assert_int_equal(efa_image_version(img, 8 + (uint32_t)mlen + 2, v,
	    sizeof(v)), 2);
	assert_string_equal(v, "1.");
	/* a marker cut by the end is none */
	assert_int_equal(efa_image_version(img, 8 + (uint32_t)mlen - 1, v,
	    sizeof(v)), 0);
	/* bounded by cap (NUL included) */
	memcpy(img + 8 + mlen, "0123456789abcdefghij", 20);
	assert_int_equal(efa_image_version(img, 64, v, 5), 4);
	assert_string_equal(v, "0123");
	assert_int_equal(efa_image_version(img, 64, v, 1), 0);
	assert_string_equal(v, "");
	/* the first marker counts */
	img[8 + mlen + 3] = '\0';
	memcpy(img + 40, EFA_IMAGE_VERSION_MARKER "2", mlen + 1);
	assert_int_equal(efa_image_version(img, 64 + (uint32_t)mlen, v,
	    sizeof(v)), 3);
	assert_string_equal(v, "012");

	/* only the first EFA_IMAGE_VERSION_SCAN bytes are searched */
	memset(img, 0xE9, sizeof(img));
	memcpy(img + EFA_IMAGE_VERSION_SCAN - mlen - 3,
	    EFA_IMAGE_VERSION_MARKER "abcdef", mlen + 6);
	assert_int_equal(efa_image_version(img, sizeof(img), v, sizeof(v)),
	    3);
	assert_string_equal(v, "abc");
	memset(img, 0xE9, sizeof(img));
	memcpy(img + EFA_IMAGE_VERSION_SCAN, EFA_IMAGE_VERSION_MARKER "x",
	    mlen + 1);
	assert_int_equal(efa_image_version(img, sizeof(img), v, sizeof(v)),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flash_size_esp8266),
		cmocka_unit_test(test_flash_size_esp32),
		cmocka_unit_test(test_magic_e9_accepted),
		cmocka_unit_test(test_magic_wrong_first_byte),
		cmocka_unit_test(test_magic_checked_before_size),
		cmocka_unit_test(test_gzip_esp8266_accepted),
		cmocka_unit_test(test_gzip_esp32_rejected),
		cmocka_unit_test(test_gzip_incomplete_magic),
		cmocka_unit_test(test_is_gzip),
		cmocka_unit_test(test_sig_der_len),
		cmocka_unit_test(test_size_esp8266_vs_chip),
		cmocka_unit_test(test_size_esp32_vs_chip),
		cmocka_unit_test(test_size_exact_boundary),
		cmocka_unit_test(test_size_low_nibble_ignored),
		cmocka_unit_test(test_size_check_disabled),
		cmocka_unit_test(test_short_images),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
