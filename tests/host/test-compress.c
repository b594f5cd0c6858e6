/* SPDX-License-Identifier: MIT */
/*
 * push --compress and signed images on the host (compress.c, signing.c):
 * gzip round trips; streams that must not inflate (corrupt data, a lying
 * or missing trailer, bytes after the end); what a device runs from a
 * plain, gzipped, signed and signed-gzipped image; which form each target
 * gets; signatures made and checked in both formats with keys generated
 * here, and the ESP8266 trailer guess.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "espfleet/compress.h"
#include "espfleet/image.h"
#include "espfleet/signing.h"
#include "espfleet/target.h"

#define IMG_LEN 30000u

/* A compressible "image": 0xE9 header, then text-like bytes. */
static uint8_t *
make_image(uint32_t len)
{
	uint8_t *p = malloc(len);
	uint32_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)("firmware code and strings "[i % 26] ^
		    (i / 977));
	p[0] = 0xe9;
	return p;
}

/* An efl_image over a copy of data (as efl_image_open leaves it). */
static void
image_of(struct efl_image *img, const uint8_t *data, uint32_t len)
{
	uint8_t *copy = malloc(len);

	assert_non_null(copy);
	memcpy(copy, data, len);
	memset(img, 0, sizeof(*img));
	img->path = strdup("test.bin");
	img->data = copy;
	img->size = len;
	img->is_gzip = len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	efl_md5_hex(copy, len, img->md5_hex);
	memcpy(img->run_md5_hex, img->md5_hex, 33);
	img->run_size = len;
}

static void
test_gzip_round_trip(void **state)
{
	uint8_t *img = make_image(IMG_LEN), *gz, *back;
	uint32_t gz_len, back_len;
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(efl_gzip(img, IMG_LEN, &gz, &gz_len, &eb), 0);
	assert_true(gz_len < IMG_LEN / 2);
	assert_int_equal(gz[0], 0x1f);
	assert_int_equal(gz[1], 0x8b);
	assert_int_equal(efl_gunzip(gz, gz_len, IMG_LEN, &back, &back_len,
	    &eb), 0);
	assert_int_equal(back_len, IMG_LEN);
	assert_memory_equal(back, img, IMG_LEN);
	free(back);
	/* more than the caller takes */
	assert_int_equal(efl_gunzip(gz, gz_len, IMG_LEN - 1, &back,
	    &back_len, &eb), -1);
	free(gz);
	free(img);
}

static void
test_gunzip_refusals(void **state)
{
	uint8_t *img = make_image(IMG_LEN), *gz, *bad, *back;
	uint32_t gz_len, back_len;
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(efl_gzip(img, IMG_LEN, &gz, &gz_len, &eb), 0);
	bad = malloc(gz_len + 8);
	assert_non_null(bad);
	/* corrupt data */
	memcpy(bad, gz, gz_len);
	bad[gz_len / 2] ^= 0x40;
	assert_int_equal(efl_gunzip(bad, gz_len, 1u << 20, &back, &back_len,
	    &eb), -1);
	assert_non_null(strstr(eb.msg, "does not inflate"));
	/* a lying trailer: one byte more */
	memcpy(bad, gz, gz_len);
	bad[gz_len - 4]++;
	assert_int_equal(efl_gunzip(bad, gz_len, 1u << 20, &back, &back_len,
	    &eb), -1);
	/* CRC wrong */
	memcpy(bad, gz, gz_len);
	bad[gz_len - 8] ^= 1;
	assert_int_equal(efl_gunzip(bad, gz_len, 1u << 20, &back, &back_len,
	    &eb), -1);
	/* bytes after the end */
	memcpy(bad, gz, gz_len);
	memset(bad + gz_len, 0, 8);
	assert_int_equal(efl_gunzip(bad, gz_len + 8, 1u << 20, &back,
	    &back_len, &eb), -1);
	/* truncated, and too short to be a stream */
	assert_int_equal(efl_gunzip(gz, gz_len - 20, 1u << 20, &back,
	    &back_len, &eb), -1);
	assert_int_equal(efl_gunzip(gz, 17, 1u << 20, &back, &back_len,
	    &eb), -1);
	free(bad);
	free(gz);
	free(img);
}

static void
test_prepare_forms_and_targets(void **state)
{
	uint8_t *img = make_image(IMG_LEN), *gz;
	uint32_t gz_len;
	struct efl_image plain, pre;
	struct efl_target t;
	struct efl_errbuf eb;
	char want[33];

	(void)state;
	efl_md5_hex(img, IMG_LEN, want);
	image_of(&plain, img, IMG_LEN);
	assert_int_equal(efl_image_prepare(&plain, 0, EFL_COMPRESS_AUTO, 0,
	    &eb), 0);
	assert_non_null(plain.gz);
	assert_string_equal(plain.gz->run_md5_hex, want);
	assert_int_equal(plain.gz->run_size, IMG_LEN);
	assert_true(plain.gz->size < IMG_LEN);
	memset(&t, 0, sizeof(t));
	assert_ptr_equal(efl_image_for_target(&plain, 0, &t), &plain);
	t.gzip = 1;
	assert_ptr_equal(efl_image_for_target(&plain, 0, &t), plain.gz);
	/* a filesystem image only where the device says app,fs */
	assert_ptr_equal(efl_image_for_target(&plain, 100, &t), &plain);
	t.gzip = 2;
	assert_ptr_equal(efl_image_for_target(&plain, 100, &t), plain.gz);
	plain.gz_mode = EFL_COMPRESS_GZIP;
	t.gzip = 0;
	assert_ptr_equal(efl_image_for_target(&plain, 100, &t), plain.gz);
	efl_image_close(&plain);

	/* none: no gzip form */
	image_of(&plain, img, IMG_LEN);
	assert_int_equal(efl_image_prepare(&plain, 0, EFL_COMPRESS_NONE, 0,
	    &eb), 0);
	assert_null(plain.gz);
	efl_image_close(&plain);

	/* gzipped already: sent as it is, runs as its content */
	assert_int_equal(efl_gzip(img, IMG_LEN, &gz, &gz_len, &eb), 0);
	image_of(&pre, gz, gz_len);
	assert_int_equal(efl_image_prepare(&pre, 0, EFL_COMPRESS_GZIP, 0,
	    &eb), 0);
	assert_null(pre.gz);
	assert_string_equal(pre.run_md5_hex, want);
	assert_int_equal(pre.run_size, IMG_LEN);
	efl_image_close(&pre);
	free(gz);
	free(img);
}

/* A fresh key pair as PEM files; paths into priv and pub. */
static void
make_keys(int ec, char *priv, char *pub)
{
	EVP_PKEY *k = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
	FILE *f;
	int fd;

	assert_non_null(k);
	strcpy(priv, "/tmp/efl-test-keyXXXXXX");
	fd = mkstemp(priv);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(f);
	strcpy(pub, "/tmp/efl-test-pubXXXXXX");
	fd = mkstemp(pub);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	EVP_PKEY_free(k);
}

static void
sign_and_check(int ec, enum efa_sig_format fmt)
{
	char priv[64], pub[64];
	struct efl_sig_key *sk, *vk;
	uint8_t *img = make_image(IMG_LEN), *signd;
	uint32_t signed_len, image_len;
	struct efl_errbuf eb;
	struct efl_image si;

	make_keys(ec, priv, pub);
	sk = efl_sig_key_load(priv, 1, &eb);
	vk = efl_sig_key_load(pub, 0, &eb);
	assert_non_null(sk);
	assert_non_null(vk);
	assert_int_equal(efl_sig_sign(sk, fmt, img, IMG_LEN, &signd,
	    &signed_len, &eb), 0);
	assert_memory_equal(signd, img, IMG_LEN);
	assert_int_equal(signed_len, IMG_LEN + (fmt == EFA_SIG_ESP32 ? 512 :
	    256 + 4));
	assert_int_equal(efl_sig_verify_image(vk, fmt, signd, signed_len,
	    &image_len, &eb), 0);
	assert_int_equal(image_len, IMG_LEN);
	/* the ESP8266 trailer is recognised without the key */
	assert_int_equal(efl_sig_guess_esp8266(signd, signed_len,
	    &image_len) == 0, fmt == EFA_SIG_ESP8266);
	/* what a device runs: the image without its signature */
	image_of(&si, signd, signed_len);
	assert_int_equal(efl_image_prepare(&si, 0, EFL_COMPRESS_NONE,
	    fmt == EFA_SIG_ESP32 ? IMG_LEN : 0, &eb), 0);
	assert_int_equal(si.run_size, IMG_LEN);
	efl_image_close(&si);
	/* tampered image, tampered signature, the other format */
	signd[100] ^= 1;
	assert_int_equal(efl_sig_verify_image(vk, fmt, signd, signed_len,
	    &image_len, &eb), -1);
	signd[100] ^= 1;
	signd[IMG_LEN + 5] ^= 1;
	assert_int_equal(efl_sig_verify_image(vk, fmt, signd, signed_len,
	    &image_len, &eb), -1);
	signd[IMG_LEN + 5] ^= 1;
	assert_int_equal(efl_sig_verify_image(vk, fmt == EFA_SIG_ESP32 ?
	    EFA_SIG_ESP8266 : EFA_SIG_ESP32, signd, signed_len, &image_len,
	    &eb), -1);
	/* unsigned */
	assert_int_equal(efl_sig_verify_image(vk, fmt, img, IMG_LEN,
	    &image_len, &eb), -1);
	free(signd);
	efl_sig_key_free(sk);
	efl_sig_key_free(vk);
	unlink(priv);
	unlink(pub);
	free(img);
}

static void
test_sign_esp8266_rsa(void **state)
{
	(void)state;
	sign_and_check(0, EFA_SIG_ESP8266);
}

static void
test_sign_esp32_rsa_pss(void **state)
{
	(void)state;
	sign_and_check(0, EFA_SIG_ESP32);
}

static void
test_sign_esp32_ecdsa(void **state)
{
	(void)state;
	sign_and_check(1, EFA_SIG_ESP32);
}

static void
test_ecdsa_not_for_esp8266(void **state)
{
	char priv[64], pub[64];
	struct efl_sig_key *sk;
	struct efl_errbuf eb;

	(void)state;
	make_keys(1, priv, pub);
	sk = efl_sig_key_load(priv, 1, &eb);
	assert_non_null(sk);
	assert_int_equal(efl_sig_key_fits(sk, EFA_SIG_ESP8266, &eb), -1);
	assert_non_null(strstr(eb.msg, "RSA"));
	efl_sig_key_free(sk);
	/* a public key is not a private one */
	assert_null(efl_sig_key_load(pub, 1, &eb));
	unlink(priv);
	unlink(pub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_round_trip),
		cmocka_unit_test(test_gunzip_refusals),
		cmocka_unit_test(test_prepare_forms_and_targets),
		cmocka_unit_test(test_sign_esp8266_rsa),
		cmocka_unit_test(test_sign_esp32_rsa_pss),
		cmocka_unit_test(test_sign_esp32_ecdsa),
		cmocka_unit_test(test_ecdsa_not_for_esp8266),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
