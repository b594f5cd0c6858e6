/* SPDX-License-Identifier: MIT */
/*
 * The agent's mbedTLS verifier (firmware-agent/ports/mbedtls, the one the
 * ESP-IDF port links) against images signed by espfleet's OpenSSL code
 * (efl_sig_sign, what `espfleet sign` runs) with keys generated here: a
 * valid signature is accepted in each format (ESP8266 RSASSA-PKCS1-v1_5;
 * ESP32 RSA-PSS and ECDSA P-256); unsigned, tampered, wrongly signed,
 * truncated and other-format images are refused, and every verdict is
 * the one OpenSSL (espfleet-sim's verifier) gives. The images go through
 * the core's check of a staged image (efa_stage_check_signature: trailer,
 * SHA-256 read back from "flash", then mbedTLS), as the ESP-IDF port
 * calls it, and through the core's flash writer with the stage attached,
 * booting the simulated flash to see which image runs.
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "efa/efa_flash.h"
#include "efa/efa_hash.h"
#include "efa/efa_image.h"
#include "efa/efa_stage.h"
#include "efa/efa_wire.h"
#include "efa_verify_mbedtls.h"
#include "espfleet/signing.h"
#include "flashsim.h"

#define IMG_LEN 20001u        /* odd: the signature lies unaligned */
#define RAM_MAX (IMG_LEN + 1024u)

/* ---- keys, made once ---- */

enum key_id {
	K_RSA2048, K_RSA2048_B, K_RSA4096, K_P256, K_P256_B, K_SECP256K1,
	K_RSA1024, K_COUNT
};

struct key {
	EVP_PKEY *pkey;
	struct efl_sig_key *sk;    /* espfleet's: signs, and verifies */
	uint8_t pem[4096];         /* public, NUL included in pem_len */
	size_t pem_len;
	uint8_t der[1024];         /* public, SubjectPublicKeyInfo */
	size_t der_len;
};

static struct key keys[K_COUNT];

static void
make_key(struct key *k, enum key_id id)
{
	char path[64];
	struct efl_errbuf eb;
	unsigned char *p = k->der;
	BIO *bio;
	char *mem;
	long n;
	FILE *f;
	int fd, len;

	switch (id) {
	case K_RSA2048:
	case K_RSA2048_B:
		k->pkey = EVP_RSA_gen(2048);
		break;
	case K_RSA4096:
		k->pkey = EVP_RSA_gen(4096);
		break;
	case K_RSA1024:
		k->pkey = EVP_RSA_gen(1024);
		break;
	case K_SECP256K1:
		k->pkey = EVP_EC_gen("secp256k1");
		break;
	default:
		k->pkey = EVP_EC_gen("P-256");
		break;
	}
	assert_non_null(k->pkey);
	bio = BIO_new(BIO_s_mem());
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PUBKEY(bio, k->pkey), 1);
	n = BIO_get_mem_data(bio, &mem);
	assert_true(n > 0 && (size_t)n < sizeof(k->pem));
	memcpy(k->pem, mem, (size_t)n);
	k->pem[n] = '\0';
	k->pem_len = (size_t)n + 1;
	BIO_free(bio);
	len = i2d_PUBKEY(k->pkey, NULL);
	assert_true(len > 0 && (size_t)len <= sizeof(k->der));
	assert_int_equal(i2d_PUBKEY(k->pkey, &p), len);
	k->der_len = (size_t)len;
	if (id == K_SECP256K1 || id == K_RSA1024)
		return;   /* espfleet refuses them too */
	/* a test-only private key, in a private temporary file only while
	 * espfleet loads it */
	strcpy(path, "/tmp/efa-test-keyXXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k->pkey, NULL, NULL, 0,
	    NULL, NULL), 1);
	fclose(f);
	k->sk = efl_sig_key_load(path, 1, &eb);
	unlink(path);
	assert_non_null(k->sk);
}

static int
setup(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < K_COUNT; i++)
		make_key(&keys[i], (enum key_id)i);
	return 0;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < K_COUNT; i++) {
		efl_sig_key_free(keys[i].sk);
		EVP_PKEY_free(keys[i].pkey);
	}
	return 0;
}

/* ---- images ---- */

static uint8_t *
make_image(uint32_t len)
{
	uint8_t *p = malloc(len);
	uint32_t i, x = 12345;

	assert_non_null(p);
	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
	p[0] = EFA_IMAGE_MAGIC;
	return p;
}

/* img signed with key id in format fmt by espfleet (malloc'd). */
static uint8_t *
sign(enum key_id id, enum efa_sig_format fmt, const uint8_t *img,
    uint32_t len, uint32_t *out_len)
{
	struct efl_errbuf eb;
	uint8_t *out = NULL;

	assert_int_equal(efl_sig_sign(keys[id].sk, fmt, img, len, &out,
	    out_len, &eb), 0);
	return out;
}

/* ---- a "flash" in RAM that the core reads the staged image from ---- */

static struct ram {
	uint8_t bytes[RAM_MAX];
	uint32_t size;
	uint32_t reads;
} ram;

static enum efa_err
ram_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct ram *r = ctx;

	r->reads++;
	if (off > r->size || len > r->size - off)
		return EFA_E_READ;
	memcpy(buf, r->bytes + off, len);
	return EFA_E_OK;
}

/*
 * The verdict of the core + mbedTLS on the staged bytes img[0..len)
 * checked with key id in format fmt (a key the format takes), with the
 * key loaded as PEM and as DER and the flash read in bytes and in words:
 * all must agree, and agree with OpenSSL's verdict on the same bytes.
 */
static enum efa_err
check_staged(enum key_id id, enum efa_sig_format fmt, const uint8_t *img,
    uint32_t len, uint32_t *image_len)
{
	static const uint32_t aligns[] = { 1, 4 };
	static uint8_t buf[EFA_SIG_MAX_LEN + 4u];
	struct efa_verify_mbedtls v;
	struct efa_stage_ops ops;
	struct efa_flash_ops fops;
	struct efl_errbuf eb;
	enum efa_err verdict = EFA_E__COUNT, err;
	uint32_t il, ossl_len = 0;
	unsigned i, der;
	int ossl;

	assert_true(len <= RAM_MAX - 16u);
	memset(&fops, 0, sizeof(fops));
	fops.read = ram_read;
	fops.sector_size = 4096;
	memset(ram.bytes, 0xff, sizeof(ram.bytes));
	memcpy(ram.bytes, img, len);
	for (der = 0; der < 2; der++) {
		assert_int_equal(efa_verify_mbedtls_init(&v, fmt,
		    der ? keys[id].der : keys[id].pem,
		    der ? keys[id].der_len : keys[id].pem_len), 0);
		memset(&ops, 0, sizeof(ops));
		efa_verify_mbedtls_ops(&v, &ops);
		assert_int_equal(ops.sig_format, fmt);
		for (i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
			fops.prog_align = aligns[i];
			/* reads may go to the next word past the end */
			ram.size = (len + 3u) & ~3u;
			il = 0;
			err = efa_stage_check_signature(&fops, &ram, 0, len,
			    buf, sizeof(buf), &ops, &il);
			if (verdict == EFA_E__COUNT) {
				verdict = err;
				*image_len = il;
			}
			assert_int_equal(err, verdict);
			assert_int_equal(il, *image_len);
		}
		efa_verify_mbedtls_free(&v);
	}
	ossl = efl_sig_verify_image(keys[id].sk, fmt, img, len, &ossl_len,
	    &eb) == 0;
	assert_int_equal(ossl, verdict == EFA_E_OK);
	if (ossl)
		assert_int_equal(ossl_len, *image_len);
	return verdict;
}

/* ---- accepted ---- */

struct combo {
	enum key_id key, other;   /* other: another key of the same kind */
	enum efa_sig_format fmt;
};

static const struct combo combos[] = {
	{ K_RSA2048, K_RSA2048_B, EFA_SIG_ESP8266 },
	{ K_RSA4096, K_RSA2048, EFA_SIG_ESP8266 },
	{ K_RSA2048, K_RSA2048_B, EFA_SIG_ESP32 },
	{ K_RSA4096, K_RSA2048, EFA_SIG_ESP32 },
	{ K_P256, K_P256_B, EFA_SIG_ESP32 },
};
#define N_COMBOS (sizeof(combos) / sizeof(combos[0]))

static void
test_valid_accepted(void **state)
{
	uint8_t *img = make_image(IMG_LEN), *s;
	uint32_t slen, il;
	size_t c;

	(void)state;
	for (c = 0; c < N_COMBOS; c++) {
		const struct combo *k = &combos[c];

		s = sign(k->key, k->fmt, img, IMG_LEN, &slen);
		assert_int_equal(check_staged(k->key, k->fmt, s, slen, &il),
		    EFA_E_OK);
		assert_int_equal(il, IMG_LEN);
		free(s);
		/* the shortest image: one byte */
		s = sign(k->key, k->fmt, img, 1, &slen);
		assert_int_equal(check_staged(k->key, k->fmt, s, slen, &il),
		    EFA_E_OK);
		assert_int_equal(il, 1);
		free(s);
	}
	free(img);
}

/* ---- refused ---- */

static void
test_bad_refused(void **state)
{
	uint8_t *img = make_image(IMG_LEN), *s, *o;
	uint32_t slen, olen, il, sig_at;
	size_t c;

	(void)state;
	for (c = 0; c < N_COMBOS; c++) {
		const struct combo *k = &combos[c];

		s = sign(k->key, k->fmt, img, IMG_LEN, &slen);
		/* unsigned */
		assert_int_equal(check_staged(k->key, k->fmt, img, IMG_LEN,
		    &il), EFA_E_SIGN);
		/* tampered image: first, middle and last signed byte */
		s[0] ^= 0x01;
		assert_int_equal(check_staged(k->key, k->fmt, s, slen, &il),
		    EFA_E_SIGN);
		s[0] ^= 0x01;
		s[IMG_LEN / 2] ^= 0x80;
		assert_int_equal(check_staged(k->key, k->fmt, s, slen, &il),
		    EFA_E_SIGN);
		s[IMG_LEN / 2] ^= 0x80;
		s[IMG_LEN - 1] ^= 0x10;
		assert_int_equal(check_staged(k->key, k->fmt, s, slen, &il),
		    EFA_E_SIGN);
		s[IMG_LEN - 1] ^= 0x10;
		/* tampered signature: its first and its last byte */
		sig_at = IMG_LEN;
		s[sig_at] ^= 0x04;
		assert_int_equal(check_staged(k->key, k->fmt, s, slen, &il),
		    EFA_E_SIGN);
		s[sig_at] ^= 0x04;
		sig_at = k->fmt == EFA_SIG_ESP8266 ? slen - 5u :
		    IMG_LEN + (uint32_t)EVP_PKEY_get_size(keys[k->key].pkey) -
		    1u;
		if (k->key == K_P256)   /* the DER's last byte: its length */
			sig_at = IMG_LEN + 2u + s[IMG_LEN + 1] - 1u;
		s[sig_at] ^= 0x01;
		assert_int_equal(check_staged(k->key, k->fmt, s, slen, &il),
		    EFA_E_SIGN);
		s[sig_at] ^= 0x01;
		/* truncated trailer, one byte more */
		assert_int_equal(check_staged(k->key, k->fmt, s, slen - 1u,
		    &il), EFA_E_SIGN);
		assert_int_equal(check_staged(k->key, k->fmt, s, slen - 4u,
		    &il), EFA_E_SIGN);
		o = malloc(slen + 1u);
		assert_non_null(o);
		memcpy(o, s, slen);
		o[slen] = 0;
		assert_int_equal(check_staged(k->key, k->fmt, o, slen + 1u,
		    &il), EFA_E_SIGN);
		free(o);
		/* still good after all that */
		assert_int_equal(check_staged(k->key, k->fmt, s, slen, &il),
		    EFA_E_OK);
		/* signed with another key (of another length for RSA-4096) */
		o = sign(k->other, k->fmt, img, IMG_LEN, &olen);
		assert_int_equal(check_staged(k->key, k->fmt, o, olen, &il),
		    EFA_E_SIGN);
		free(o);
		/* the same key's signature in the other format */
		if (k->key != K_P256) {
			enum efa_sig_format other = k->fmt == EFA_SIG_ESP32 ?
			    EFA_SIG_ESP8266 : EFA_SIG_ESP32;

			o = sign(k->key, other, img, IMG_LEN, &olen);
			assert_int_equal(check_staged(k->key, k->fmt, o, olen,
			    &il), EFA_E_SIGN);
			assert_int_equal(check_staged(k->key, other, s, slen,
			    &il), EFA_E_SIGN);
			free(o);
		}
		free(s);
	}
	free(img);
}

/* RSA-PSS with a salt shorter than the longest (the digest's length):
 * not the SignedOTA format, refused like OpenSSL's verifier does. */
static void
test_pss_short_salt_refused(void **state)
{
	uint8_t *img = make_image(IMG_LEN), digest[EFA_SHA256_LEN];
	uint8_t *s = calloc(1, IMG_LEN + EFA_SIG_MAX_LEN);
	size_t sig_len = EFA_SIG_MAX_LEN;
	EVP_PKEY_CTX *pc;
	uint32_t il;

	(void)state;
	assert_non_null(s);
	memcpy(s, img, IMG_LEN);
	efa_sha256(img, IMG_LEN, digest);
	pc = EVP_PKEY_CTX_new(keys[K_RSA2048].pkey, NULL);
	assert_non_null(pc);
	assert_int_equal(EVP_PKEY_sign_init(pc), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc,
	    RSA_PKCS1_PSS_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc,
	    EFA_SHA256_LEN), 1);
	assert_int_equal(EVP_PKEY_sign(pc, s + IMG_LEN, &sig_len, digest,
	    sizeof(digest)), 1);
	EVP_PKEY_CTX_free(pc);
	assert_int_equal(check_staged(K_RSA2048, EFA_SIG_ESP32, s,
	    IMG_LEN + EFA_SIG_MAX_LEN, &il), EFA_E_SIGN);
	free(s);
	free(img);
}

/* ---- keys ---- */

static int
loads(enum key_id id, enum efa_sig_format fmt, int der)
{
	struct efa_verify_mbedtls v;
	int ok = efa_verify_mbedtls_init(&v, fmt, der ? keys[id].der :
	    keys[id].pem, der ? keys[id].der_len : keys[id].pem_len) == 0;

	if (ok)
		efa_verify_mbedtls_free(&v);
	return ok;
}

static void
test_keys(void **state)
{
	static const char junk[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n"
	    "-----END PUBLIC KEY-----\n";
	struct efa_verify_mbedtls v;
	uint8_t priv[4096];
	BIO *bio;
	char *mem;
	long n;
	int der;

	(void)state;
	for (der = 0; der < 2; der++) {
		assert_true(loads(K_RSA2048, EFA_SIG_ESP8266, der));
		assert_true(loads(K_RSA4096, EFA_SIG_ESP8266, der));
		assert_true(loads(K_RSA2048, EFA_SIG_ESP32, der));
		assert_true(loads(K_RSA4096, EFA_SIG_ESP32, der));
		assert_true(loads(K_P256, EFA_SIG_ESP32, der));
		/* the ESP8266 format is RSA only; ECDSA is P-256 only;
		 * RSA from 2048 bits */
		assert_false(loads(K_P256, EFA_SIG_ESP8266, der));
		assert_false(loads(K_SECP256K1, EFA_SIG_ESP32, der));
		assert_false(loads(K_RSA1024, EFA_SIG_ESP8266, der));
		assert_false(loads(K_RSA1024, EFA_SIG_ESP32, der));
	}
	/* PEM without its NUL counted, junk, nothing, a private key */
	assert_int_equal(efa_verify_mbedtls_init(&v, EFA_SIG_ESP8266,
	    keys[K_RSA2048].pem, keys[K_RSA2048].pem_len - 1u), -1);
	assert_int_equal(efa_verify_mbedtls_init(&v, EFA_SIG_ESP8266,
	    (const uint8_t *)junk, sizeof(junk)), -1);
	assert_int_equal(efa_verify_mbedtls_init(&v, EFA_SIG_ESP8266, NULL,
	    0), -1);
	bio = BIO_new(BIO_s_mem());
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, keys[K_RSA2048].pkey,
	    NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &mem);
	assert_true(n > 0 && (size_t)n < sizeof(priv));
	memcpy(priv, mem, (size_t)n);
	priv[n] = '\0';
	BIO_free(bio);
	assert_int_equal(efa_verify_mbedtls_init(&v, EFA_SIG_ESP8266, priv,
	    (size_t)n + 1u), -1);
	memset(priv, 0, sizeof(priv));
}

/* The verifier alone: digests and signature lengths that do not fit. */
static void
test_verify_direct(void **state)
{
	uint8_t *img = make_image(IMG_LEN), *s, digest[EFA_SHA256_LEN];
	struct efa_verify_mbedtls v;
	uint32_t slen;

	(void)state;
	s = sign(K_RSA2048, EFA_SIG_ESP8266, img, IMG_LEN, &slen);
	efa_sha256(img, IMG_LEN, digest);
	assert_int_equal(efa_verify_mbedtls_init(&v, EFA_SIG_ESP8266,
	    keys[K_RSA2048].pem, keys[K_RSA2048].pem_len), 0);
	assert_int_equal(efa_verify_mbedtls(&v, digest, s + IMG_LEN, 256),
	    EFA_E_OK);
	assert_int_equal(efa_verify_mbedtls(&v, digest, s + IMG_LEN, 255),
	    EFA_E_SIGN);
	assert_int_equal(efa_verify_mbedtls(&v, digest, s + IMG_LEN, 257),
	    EFA_E_SIGN);
	digest[31] ^= 1;
	assert_int_equal(efa_verify_mbedtls(&v, digest, s + IMG_LEN, 256),
	    EFA_E_SIGN);
	efa_verify_mbedtls_free(&v);
	free(s);
	/* ESP32: the RSA block shorter than the key, an empty ECDSA block */
	digest[31] ^= 1;
	s = sign(K_RSA4096, EFA_SIG_ESP32, img, IMG_LEN, &slen);
	assert_int_equal(efa_verify_mbedtls_init(&v, EFA_SIG_ESP32,
	    keys[K_RSA4096].pem, keys[K_RSA4096].pem_len), 0);
	assert_int_equal(efa_verify_mbedtls(&v, digest, s + IMG_LEN, 512),
	    EFA_E_OK);
	assert_int_equal(efa_verify_mbedtls(&v, digest, s + IMG_LEN, 511),
	    EFA_E_SIGN);
	efa_verify_mbedtls_free(&v);
	free(s);
	memset(digest, 0, sizeof(digest));
	assert_int_equal(efa_verify_mbedtls_init(&v, EFA_SIG_ESP32,
	    keys[K_P256].pem, keys[K_P256].pem_len), 0);
	assert_int_equal(efa_verify_mbedtls(&v, digest, digest, 0),
	    EFA_E_SIGN);
	assert_int_equal(efa_verify_mbedtls(&v, digest, digest,
	    sizeof(digest)), EFA_E_SIGN);
	efa_verify_mbedtls_free(&v);
	free(img);
}

/* ---- through the core's flash writer and a boot ---- */

#define SECTOR 4096u
#define FLASH_SIZE (32u * SECTOR)
#define OLD_LEN (2u * SECTOR - 100u)
#define NEW_LEN (3u * SECTOR + 321u)

static uint8_t flash_bytes[FLASH_SIZE];
static uint8_t iobuf[1024];
static struct flashsim sim;
static const struct efa_flash_ops *fops;
static const struct efa_flash_layout layout = {
	24u * SECTOR, 4u * SECTOR, 30u * SECTOR, 31u * SECTOR
};

static void
fresh_device(const uint8_t *old)
{
	static struct flashsim_mem mem;
	struct flashsim_store store;

	memset(flash_bytes, 0xff, sizeof(flash_bytes));
	mem.bytes = flash_bytes;
	mem.size = FLASH_SIZE;
	flashsim_mem_store(&store, &mem);
	flashsim_init(&sim, &store, FLASH_SIZE, SECTOR, 4);
	fops = flashsim_flash_ops(&sim);
	assert_int_equal(efa_flash_provision(fops, &sim, &layout, old,
	    OLD_LEN, iobuf, sizeof(iobuf)), EFA_E_OK);
}

/* Send bytes[0..len) as one update through the stage sink: the error. */
static enum efa_err
update(const struct efa_stage_ops *ops, const uint8_t *bytes, uint32_t len)
{
	const struct efa_sink_ops *sink = &efa_flashwriter_stage_sink;
	struct efa_flashwriter fw;
	uint8_t md5[16];
	uint32_t done, n;
	enum efa_err err;

	err = efa_flashwriter_init(&fw, fops, &sim, &layout, iobuf,
	    sizeof(iobuf));
	if (err != EFA_E_OK)
		return err;
	efa_stage_attach(&fw, ops);
	efa_md5(bytes, len, md5);
	err = sink->begin(&fw, EFA_CMD_FLASH, len);
	for (done = 0; err == EFA_E_OK && done < len; done += n) {
		n = len - done < 1460u ? len - done : 1460u;
		err = sink->write(&fw, bytes + done, n);
	}
	return err == EFA_E_OK ? sink->finish(&fw, md5) : err;
}

/* Boot and check that img[0..len) runs, as the info record says. */
static void
boots_into(const uint8_t *img, uint32_t len)
{
	struct efa_running run;
	enum efa_err err = EFA_E_OK;
	uint8_t md5[16];

	efa_boot_run(fops, &sim, &layout, iobuf, sizeof(iobuf), &run, &err);
	assert_int_equal(err, EFA_E_OK);
	assert_int_equal(run.size, len);
	assert_memory_equal(flash_bytes, img, len);
	efa_md5(img, len, md5);
	assert_memory_equal(run.md5, md5, 16);
	assert_int_equal(sim.violations, 0);
}

static void
test_flash_writer_end_to_end(void **state)
{
	static const struct combo cases[] = {
		{ K_RSA2048, K_RSA2048_B, EFA_SIG_ESP8266 },
		{ K_RSA4096, K_RSA2048, EFA_SIG_ESP32 },
		{ K_P256, K_P256_B, EFA_SIG_ESP32 },
	};
	uint8_t *old = make_image(OLD_LEN), *img = make_image(NEW_LEN), *s;
	struct efa_verify_mbedtls v;
	struct efa_stage_ops ops;
	uint32_t slen;
	size_t c;

	(void)state;
	img[1] = 0x42;   /* not the old image */
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct combo *k = &cases[c];

		fresh_device(old);
		memset(&ops, 0, sizeof(ops));
		assert_int_equal(efa_verify_mbedtls_init(&v, k->fmt,
		    keys[k->key].pem, keys[k->key].pem_len), 0);
		efa_verify_mbedtls_ops(&v, &ops);
		/* unsigned, tampered, another key's: the old image stays */
		assert_int_equal(update(&ops, img, NEW_LEN), EFA_E_SIGN);
		boots_into(old, OLD_LEN);
		s = sign(k->key, k->fmt, img, NEW_LEN, &slen);
		s[4000] ^= 1;
		assert_int_equal(update(&ops, s, slen), EFA_E_SIGN);
		boots_into(old, OLD_LEN);
		s[4000] ^= 1;
		free(s);
		s = sign(k->other, k->fmt, img, NEW_LEN, &slen);
		assert_int_equal(update(&ops, s, slen), EFA_E_SIGN);
		boots_into(old, OLD_LEN);
		free(s);
		/* signed: committed and run without its trailer */
		s = sign(k->key, k->fmt, img, NEW_LEN, &slen);
		assert_int_equal(update(&ops, s, slen), EFA_E_OK);
		boots_into(img, NEW_LEN);
		free(s);
		efa_verify_mbedtls_free(&v);
	}
	free(img);
	free(old);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_verify_direct),
		cmocka_unit_test(test_valid_accepted),
		cmocka_unit_test(test_bad_refused),
		cmocka_unit_test(test_pss_short_salt_refused),
		cmocka_unit_test(test_flash_writer_end_to_end),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
